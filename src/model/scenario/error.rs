//! What is wrong with a scenario, and where: the one error type of parsing and validation.
use super::field_path;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// At most this many errors are reported; the rest are summed up in one last error.
pub(crate) const MAX_ERRORS: usize = 100;

/// What is wrong with a scenario, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// The field path, e.g. `applications[0].deployments[1].gang_scheduling_config.gang_size`; empty for the whole.
    pub path: String,
    /// Line and column (from 1) for JSON syntax errors.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl ScenarioError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError { path: path.into(), line: None, column: None, message: message.into() }
    }

    /// Deserialize any `T` from a JSON value; on failure, serde's message (as is) at the path where it happened
    /// (empty for the value itself). Used for saved-session files, which are not scenarios but want field paths.
    pub fn deserialize_value<T: DeserializeOwned>(value: &Value) -> Result<T, ScenarioError> {
        field_path::deserialize(value)
            .map_err(|(path, e)| ScenarioError::at(if path == "." { String::new() } else { path }, e.to_string()))
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) if self.path.is_empty() => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), Some(c)) => write!(f, "{} (line {l}, column {c}): {}", self.path, self.message),
            _ if self.path.is_empty() => write!(f, "{}", self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Keep the first [`MAX_ERRORS`] errors and say how many more there were.
pub(crate) fn capped(mut errors: Vec<ScenarioError>) -> Vec<ScenarioError> {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        errors
            .push(ScenarioError::at("", format!("... and {more} more problem(s) not shown; fix the ones above first")));
    }
    errors
}
