//! The bundled lessons (`lessons/*.json`), in the order the start screen lists them.
use super::format::Lesson;
use super::parse::parse_lesson;
use crate::model::scenario::ScenarioError;

/// A bundled lesson file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinLesson {
    /// Stable identifier (the file name without `.json`, also the file's `id`); share links refer to it.
    pub id: &'static str,
    pub json: &'static str,
}

impl BuiltinLesson {
    /// Parse the file (every built-in lesson parses and plays: tests/lessons.rs checks it).
    pub fn lesson(&self) -> Result<Lesson, Vec<ScenarioError>> {
        parse_lesson(self.json)
    }
}

macro_rules! lesson {
    ($id:literal) => {
        BuiltinLesson { id: $id, json: include_str!(concat!("../../../lessons/", $id, ".json")) }
    };
}

/// Every bundled lesson, simple first.
pub const BUILTIN: &[BuiltinLesson] = &[
    lesson!("what-is-a-gang"),
    lesson!("pack-vs-spread"),
    lesson!("restart-gang"),
    lesson!("startup-failures"),
    lesson!("node-dies"),
    lesson!("controller-dies"),
    lesson!("scaling-whole-gangs"),
    lesson!("rolling-upgrade"),
    lesson!("node-drain"),
    lesson!("autoscaling-gangs"),
];

/// The bundled lesson with this id.
pub fn builtin_by_id(id: &str) -> Option<&'static BuiltinLesson> {
    BUILTIN.iter().find(|l| l.id == id)
}
