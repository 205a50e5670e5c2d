//! The invariant checker (filled in by the engine).
use serde::Serialize;

/// One invariant that failed, with the tick and a sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    #[serde(rename = "t_s")]
    pub t_s: f64,
    pub tick: u64,
    pub invariant: String,
    pub message: String,
}
