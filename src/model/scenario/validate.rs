//! Validation: every rule Ray 2.60 enforces on these configs, plus the format's own.
use super::{Scenario, ScenarioError};

/// Check a parsed scenario; returns every problem found, each naming its field path.
pub fn validate(scenario: &Scenario) -> Result<(), Vec<ScenarioError>> {
    let mut errors = Vec::new();
    for (ai, app) in scenario.applications.iter().enumerate() {
        for (di, d) in app.deployments.iter().enumerate() {
            if let Some(g) = &d.gang_scheduling_config {
                let p = format!("applications[{ai}].deployments[{di}].gang_scheduling_config");
                if g.gang_size < 1 {
                    errors.push(ScenarioError::at(format!("{p}.gang_size"), "must be at least 1"));
                } else if d.num_replicas % g.gang_size != 0 {
                    errors.push(ScenarioError::at(
                        format!("applications[{ai}].deployments[{di}].num_replicas"),
                        format!("num_replicas ({}) must be a multiple of gang_size ({})", d.num_replicas, g.gang_size),
                    ));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
