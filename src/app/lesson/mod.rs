//! Lessons (issue 14): a scenario plus ordered steps that walk a class through it, with questions the model
//! itself answers. The file format `gangplank.lesson/v1` is documented in `docs/lesson-format.md`.
//!
//! Files by job: `format.rs` (the file's types), `parse.rs` (parse and validate, every problem with its field
//! path), `narration.rs` (the narration's Markdown subset as a small AST), `predicate.rs` (the question options'
//! conditions, evaluated against the run), `run.rs` (the runner over [`crate::app::Session`]), `builtin.rs` (the
//! bundled lessons, `lessons/*.json`), `share.rs` (a lesson in a share link).
//!
//! The UI's API:
//! - [`import`] / [`parse_lesson`]: a lesson file's text → a [`Lesson`] or its problems ([`looks_like_lesson`]
//!   recognises one by its `format`); [`BUILTIN`] / [`builtin_by_id`] for the bundled lessons;
//! - [`LessonRun::start`] (lesson, session): plays the lesson once to check it ([`Plan::of`]: exactly one option
//!   of every question holds, every `run_to` event comes, every highlight names something), loads the session with
//!   the lesson's actions and shows step 0; a broken lesson gives [`LessonProblem`]s naming the step;
//! - [`LessonRun::go_to`] (step i, a question step in [`Phase::Asking`]), [`LessonRun::go_to_end_of`] (step i at
//!   its end, revealed), [`LessonRun::next`] (from Asking it reveals, from a shown or revealed step it moves on),
//!   [`LessonRun::previous`] (the previous step at its end), [`LessonRun::answer`] (choose an option: reveals),
//!   [`LessonRun::reveal`];
//! - [`LessonRun::view`] → [`StepView`]: title, narration ([`Block`]s of [`Inline`]s), the highlighted ids, the
//!   panels, the question with its [`Phase`], whether it is the last step; [`LessonRun::progress`] (i of n);
//! - [`link_of`] (the share link's [`crate::app::link::LessonLink`] for what is shown) and [`open_link`] (a link's
//!   lesson opened at its step); [`preset_of`] (the preset a lesson plays, if any).
mod builtin;
mod format;
pub mod narration;
mod parse;
mod predicate;
mod run;
mod share;

pub use builtin::{BUILTIN, BuiltinLesson, builtin_by_id};
pub use format::{
    CountPred, DeploymentSel, EventMatch, GangNodesPred, GangSel, Lesson, Op, Panel, PgsPred, Predicate, Question,
    QuestionOption, ReplicaSel, ReplicasPred, RunTo, ScenarioSource, Selector, StatusPred, Step, TargetPred,
};
pub use narration::{Block, Inline};
pub use parse::{EVENT_KINDS, LESSON_FORMAT, MAX_LESSON_BYTES, looks_like_lesson, parse_lesson};
pub use predicate::{Moment, Verdict, eval, event_matches};
pub use run::{LessonProblem, LessonRun, Phase, Plan, QuestionView, StepPlan, StepView, resolve};
pub use share::{link_of, open as open_link, preset_of};

use crate::model::scenario::ScenarioError;

/// A lesson file's text (from the UI's file import) as a lesson, or its problems with field paths.
pub fn import(text: &str) -> Result<Lesson, Vec<ScenarioError>> {
    parse_lesson(text)
}
