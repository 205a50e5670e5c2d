//! Recordings of real Ray clusters (issue 15): `gangplank.recording/v1`, written by the Python recorder
//! (`recorder/`, `python -m gangplank_record`; the format is `docs/recording-format.md`).
//!
//! - [`format`]: the file's types; [`parse`]: reading it, every problem with its field path;
//! - [`replay`]: the recording at any time as a model [`Snapshot`](crate::model::snapshot::Snapshot), so the page
//!   draws reality with the same cluster view, and its events up to then as sentences (read-only: no actions);
//! - [`derive`]: the scenario the model can run for the same situation (cluster, deployments, the faults it can
//!   infer) and what it could not derive, with why;
//! - [`diff`]: reality beside the model's run of that scenario, on one clock: who was stopped, which gangs
//!   survived, PGs, statuses and timings, each difference marked "disagrees" or "timing noise".
pub mod config;
pub mod derive;
pub mod diff;
pub mod format;
pub mod parse;
pub mod replay;

pub use derive::{Derived, DerivedFault, NotDerived, derive};
pub use diff::{Check, Difference, Verdict, diff};
pub use format::{RECORDING_FORMAT, Recording};
pub use parse::{looks_like_recording, parse_recording};
pub use replay::{Replay, ReplayEvent};
