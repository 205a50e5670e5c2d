//! Reading a scenario from JSON text, with errors that say where (field path, line and column).
use super::{SCENARIO_FORMAT, Scenario, validate};
use serde::Serialize;
use std::fmt;

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

/// Parse and validate a scenario. Every error found is returned (syntax errors stop at the first).
pub fn parse_scenario(text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        vec![ScenarioError {
            path: String::new(),
            line: Some(e.line()),
            column: Some(e.column()),
            message: format!("not valid JSON: {}", strip_position(&e.to_string())),
        }]
    })?;
    let Some(obj) = value.as_object() else {
        return Err(vec![ScenarioError::at("", "a scenario must be a JSON object")]);
    };
    match obj.get("format").and_then(|f| f.as_str()) {
        Some(SCENARIO_FORMAT) => {}
        Some(other) => {
            return Err(vec![ScenarioError::at(
                "format",
                format!("unsupported format \"{other}\"; this version of Gangplank reads \"{SCENARIO_FORMAT}\""),
            )]);
        }
        None => {
            return Err(vec![ScenarioError::at(
                "format",
                format!("missing: a scenario starts with \"format\": \"{SCENARIO_FORMAT}\""),
            )]);
        }
    }
    let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        vec![ScenarioError::at(path, strip_position(&e.into_inner().to_string()))]
    })?;
    validate(&scenario)?;
    Ok(scenario)
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
