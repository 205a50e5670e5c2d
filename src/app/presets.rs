//! The bundled scenarios, in one list so that tests (and the picker) can iterate over all of them.
//!
//! Each preset is a scenario file in the public format (`scenarios/presets/*.json`) with a `what_to_watch` text.
use crate::model::scenario::{Scenario, ScenarioError, parse_scenario};

/// A bundled scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Stable identifier (the file name without `.json`); share links refer to presets by it.
    pub id: &'static str,
    /// The scenario file's text.
    pub json: &'static str,
}

impl Preset {
    /// Parse and validate the file. Every preset parses (a test checks it), but callers still get a `Result`.
    pub fn scenario(&self) -> Result<Scenario, Vec<ScenarioError>> {
        parse_scenario(self.json)
    }
}

macro_rules! preset {
    ($id:literal) => {
        Preset { id: $id, json: include_str!(concat!("../../scenarios/presets/", $id, ".json")) }
    };
}

/// Every preset, in the order the picker shows them (simple first).
pub const PRESETS: &[Preset] = &[
    preset!("steady-pack"),
    preset!("steady-spread"),
    preset!("replica-crash"),
    preset!("health-check-failure"),
    preset!("startup-failure"),
    preset!("constructor-always-fails"),
    preset!("controller-restart"),
    preset!("controller-restart-leaked-pg"),
    preset!("node-failure"),
    preset!("not-enough-resources"),
    preset!("scale-up-down"),
    preset!("delete-app"),
    preset!("gang-and-non-gang"),
    preset!("big-cluster"),
];

/// The preset the app opens with.
pub const DEFAULT_PRESET_ID: &str = "replica-crash";

/// The preset with this id.
pub fn preset_by_id(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_preset_parses_and_says_what_to_watch() {
        for p in PRESETS {
            let s = p.scenario().unwrap_or_else(|e| panic!("preset {} does not parse: {e:?}", p.id));
            assert!(!s.name.is_empty(), "preset {} has no name", p.id);
            assert!(s.what_to_watch.len() > 40, "preset {} needs a what_to_watch text", p.id);
            assert!(s.until_s > 0.0, "preset {} needs until_s", p.id);
        }
    }

    #[test]
    fn preset_ids_and_names_are_unique_and_the_default_exists() {
        let ids: BTreeSet<_> = PRESETS.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), PRESETS.len());
        let names: BTreeSet<_> = PRESETS.iter().map(|p| p.scenario().unwrap().name).collect();
        assert_eq!(names.len(), PRESETS.len());
        assert!(preset_by_id(DEFAULT_PRESET_ID).is_some());
    }

    #[test]
    fn the_issue_list_of_presets_is_covered() {
        for id in [
            "steady-pack",
            "steady-spread",
            "replica-crash",
            "health-check-failure",
            "startup-failure",
            "constructor-always-fails",
            "controller-restart",
            "controller-restart-leaked-pg",
            "node-failure",
            "not-enough-resources",
            "scale-up-down",
            "delete-app",
            "gang-and-non-gang",
        ] {
            assert!(preset_by_id(id).is_some(), "missing preset {id}");
        }
    }
}
