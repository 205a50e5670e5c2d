//! A recorded deployment config (Serve's `DeploymentSchema` keys, as the recorder read them) in scenario terms: the
//! keys the model simulates become a [`DeploymentSpec`]; every other key is kept in a note saying it is not
//! simulated, or why its value could not be read.
use crate::model::resources::Resources;
use crate::model::scenario::{DeploymentSpec, ScenarioError};
use serde_json::{Map, Value};

/// `ray_actor_options` keys the model reads (the others, e.g. `runtime_env`, do not change scheduling here).
const ACTOR_OPTION_KEYS: &[&str] = &["num_cpus", "num_gpus", "memory", "resources"];

/// Keys the model does not simulate, with Ray's default: at the default they change nothing the model shows, so
/// they are not listed (the recorder reports every key, defaults included).
const QUIET_AT_DEFAULT: &[(&str, &str)] = &[
    ("backpressure_config", r#"{"retry_after_s":null,"status_code":503}"#),
    ("logging_config", "null"),
    ("autoscaling_config", "null"),
];
/// Ray's default request router.
const DEFAULT_ROUTER: &str = "ray.serve._private.request_router:PowerOfTwoChoicesRequestRouter";

fn quiet(key: &str, value: &Value) -> bool {
    if key == "request_router_config" {
        return value.get("request_router_class").and_then(Value::as_str).is_none_or(|c| c == DEFAULT_ROUTER);
    }
    QUIET_AT_DEFAULT.iter().any(|(k, d)| *k == key && serde_json::from_str::<Value>(d).is_ok_and(|d| d == *value))
}

/// The deployment as a scenario deployment, and the notes on what was left out (`"logging_config": not simulated`).
pub fn deployment_spec(name: &str, config: &Map<String, Value>) -> (DeploymentSpec, Vec<String>) {
    let mut notes = Vec::new();
    let mut kept = Map::new();
    kept.insert("name".into(), Value::String(name.to_string()));
    let autoscaling = config.get("autoscaling_config").is_some_and(|v| !v.is_null());
    for (key, value) in config {
        if value.is_null() || key == "name" {
            continue;
        }
        if key == "num_replicas" && autoscaling && value != "auto" {
            // Serve reports the current target beside the autoscaling config; the autoscaler owns it.
            notes
                .push(format!("num_replicas {value}: the autoscaler's target at the time; autoscaling_config decides"));
            continue;
        }
        let value = if key == "ray_actor_options" { actor_options(value, &mut notes) } else { value.clone() };
        let mut one = Map::new();
        one.insert("name".into(), Value::String(name.to_string()));
        one.insert(key.clone(), value.clone());
        match ScenarioError::deserialize_value::<DeploymentSpec>(&Value::Object(one)) {
            Ok(_) => {
                kept.insert(key.clone(), value);
            }
            Err(e) if e.message.starts_with("unknown field") => {
                if !quiet(key, &value) {
                    notes.push(format!("{key}: not simulated"));
                }
            }
            Err(e) => notes.push(format!("{key}: cannot be read ({e}); left at its default")),
        }
    }
    let spec = ScenarioError::deserialize_value::<DeploymentSpec>(&Value::Object(kept)).unwrap_or_else(|e| {
        notes.push(format!("the config as a whole cannot be read ({e}); defaults used"));
        bare(name)
    });
    (spec, notes)
}

fn actor_options(value: &Value, notes: &mut Vec<String>) -> Value {
    let Value::Object(map) = value else { return value.clone() };
    let mut kept = Map::new();
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        if ACTOR_OPTION_KEYS.contains(&k.as_str()) {
            kept.insert(k.clone(), v.clone());
        } else {
            notes.push(format!("ray_actor_options.{k}: not simulated"));
        }
    }
    Value::Object(kept)
}

/// What one replica actor of the deployment takes (Ray's default: 1 CPU).
pub fn actor_resources(spec: &DeploymentSpec) -> Resources {
    spec.ray_actor_options.resource_dict()
}

/// A deployment with every option at its default.
fn bare(name: &str) -> DeploymentSpec {
    serde_json::from_value(serde_json::json!({ "name": name })).expect("a name alone is a deployment")
}
