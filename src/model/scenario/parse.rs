//! Reading a scenario from JSON text, with errors that say where (field path, line and column).
//!
//! The text goes through three gates, and every error names the place it was found:
//! 1. size, emptiness and JSON syntax (line and column; serde_json's nesting limit of 128 levels keeps deeply
//!    nested input from overflowing the stack);
//! 2. shape: the body, each `applications[i]` and each `actions[i]` are deserialized on their own, so one bad
//!    application or action does not hide the others, and a field inside an action keeps its path
//!    (`actions[3].replica.gang`) even though [`Action`] has a hand-written deserializer;
//! 3. meaning: [`validate`], which knows Ray 2.60's rules and the format's own.
use super::actions::{ACTION_KINDS, ActionKindSpec};
use super::error::{ScenarioError, capped};
use super::field_path;
use super::messages::{backticked, describe, did_you_mean, friendly, one_of, strip_position};
use super::{
    Action, ActionKind, ApplicationSpec, DeploymentRef, NodeSpec, ReplicaRef, SCENARIO_FORMAT, Scenario, Times,
    validate,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The largest scenario text accepted. Scenarios are written by hand and shared in links; 10 MiB is far more than
/// any of them needs, and it keeps a pasted log file or a runaway generator from freezing the browser tab.
pub(crate) const MAX_SCENARIO_BYTES: usize = 10 * 1024 * 1024;

/// Parse and validate a scenario. Every error found is returned, in file order (a JSON syntax error stops at the
/// first; a shape error stops the rules of gate 3, which need a whole scenario).
pub fn parse_scenario(text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "the scenario is {} bytes; the limit is {MAX_SCENARIO_BYTES} bytes (10 MiB). A scenario lists a \
                 cluster, deployments and actions; it should be a few kilobytes",
                text.len()
            ),
        )]);
    }
    // Editors on Windows may save a byte-order mark; it is not JSON but is harmless.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "the scenario is empty: expected a JSON object that starts with {{\"format\": \"{SCENARIO_FORMAT}\""
            ),
        )]);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| vec![syntax_error(&e)])?;
    let Value::Object(mut body) = value else {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "a scenario must be a JSON object ({{\"format\": \"{SCENARIO_FORMAT}\", ...}}), found {}",
                describe(&value)
            ),
        )]);
    };
    check_format(&body)?;

    let mut errors = Vec::new();
    // Applications and actions are read one by one (below), so the body is read without them.
    let applications = body.remove("applications");
    let actions = body.remove("actions");
    let scenario = deserialize_at::<Scenario>(&Value::Object(body), "", &mut errors);
    let applications = match applications {
        None => Some(Vec::new()),
        Some(v) => parse_list(&v, "applications", "an application", &mut errors, |item, path, errors| {
            deserialize_at::<ApplicationSpec>(item, path, errors)
        }),
    };
    let actions = match actions {
        None => Some(Vec::new()),
        Some(v) => parse_list(&v, "actions", "an action", &mut errors, parse_action),
    };
    let (Some(mut scenario), Some(applications), Some(actions), true) =
        (scenario, applications, actions, errors.is_empty())
    else {
        return Err(capped(errors));
    };
    scenario.applications = applications;
    scenario.actions = actions;
    validate(&scenario)?;
    Ok(scenario)
}

/// A JSON syntax error as a located problem with a hint for the usual slips (a missing closing brace, a trailing
/// comma); every Gangplank file reader words it this way.
pub fn syntax_error(e: &serde_json::Error) -> ScenarioError {
    let raw = strip_position(&e.to_string());
    let message = if raw.contains("recursion limit exceeded") {
        "not valid JSON: nested more than 128 levels deep (recursion limit exceeded)".to_string()
    } else if e.is_eof() {
        format!("not valid JSON: the text ends too early ({raw}); is a closing brace, bracket or quote missing?")
    } else if raw.starts_with("trailing comma") {
        format!("not valid JSON: {raw} (JSON allows no comma before a closing brace or bracket)")
    } else {
        format!("not valid JSON: {raw}")
    };
    // serde_json counts columns from 1 but reports 0 when the error is at the very start of a line.
    ScenarioError { path: String::new(), line: Some(e.line()), column: Some(e.column().max(1)), message }
}

fn check_format(body: &Map<String, Value>) -> Result<(), Vec<ScenarioError>> {
    let message = match body.get("format") {
        Some(Value::String(f)) if f == SCENARIO_FORMAT => return Ok(()),
        Some(Value::String(other)) => {
            format!("unsupported format \"{other}\"; this version of Gangplank reads \"{SCENARIO_FORMAT}\"")
        }
        Some(other) => format!("expected the string \"{SCENARIO_FORMAT}\", found {}", describe(other)),
        None => format!("missing: a scenario starts with \"format\": \"{SCENARIO_FORMAT}\""),
    };
    Err(vec![ScenarioError::at("format", message)])
}

/// Read a JSON array item by item; `None` if the value is not an array or any item failed.
fn parse_list<T>(
    value: &Value,
    path: &str,
    what: &str,
    errors: &mut Vec<ScenarioError>,
    mut parse_item: impl FnMut(&Value, &str, &mut Vec<ScenarioError>) -> Option<T>,
) -> Option<Vec<T>> {
    let Value::Array(items) = value else {
        errors
            .push(ScenarioError::at(path, format!("expected an array ([...]) of {what}s, found {}", describe(value))));
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match parse_item(item, &format!("{path}[{i}]"), errors) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Deserialize `value` as a `T`, recording any error with its full path (`prefix` + the path inside `value`).
fn deserialize_at<T: DeserializeOwned>(value: &Value, prefix: &str, errors: &mut Vec<ScenarioError>) -> Option<T> {
    match field_path::deserialize::<T>(value) {
        Ok(v) => Some(v),
        Err((inner, e)) => {
            let path = join_path(prefix, if inner == "." { "" } else { &inner });
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            None
        }
    }
}

fn join_path(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

type FieldCheck = fn(&Value, &str, &mut Vec<ScenarioError>) -> bool;

fn check<T: DeserializeOwned>(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> bool {
    deserialize_at::<T>(value, path, errors).is_some()
}

/// [`check`] for a type without fields inside (a number, a string, [`Times`]): an error can only be at `path`
/// itself, so no path tracking is needed, and the deserializer is the one [`ActionKind::from_value`] uses.
fn check_plain<T: DeserializeOwned>(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> bool {
    match T::deserialize(value.clone()) {
        Ok(_) => true,
        Err(e) => {
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            false
        }
    }
}

/// The type check of one action field (the fields themselves are listed in [`ACTION_KINDS`]).
fn field_check(tag: &str, field: &str) -> FieldCheck {
    match (tag, field) {
        (_, "replica") => check::<ReplicaRef>,
        (_, "deployment") => check::<DeploymentRef>,
        (_, "times") => check_plain::<Times>,
        (_, "rank") => check_plain::<Option<u32>>,
        ("add_node", "node") => check::<NodeSpec>,
        (_, "node" | "app") => check_plain::<String>,
        (_, "for_s") => check_plain::<f64>,
        (_, "num_replicas") => check_plain::<i64>,
        (_, "load") => check_plain::<Vec<super::LoadComponent>>,
        (_, "service_time_s") => check_plain::<Option<super::ServiceTimeSpec>>,
        // A field added to the table without a check here is still read (and checked) by `ActionKind::from_value`.
        _ => |_, _, _| true,
    }
}

fn action_names() -> Vec<&'static str> {
    ACTION_KINDS.iter().map(|k| k.tag).collect()
}

/// Read `actions[i]`: every field is checked on its own so that each error keeps its path.
fn parse_action(item: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Action> {
    let Value::Object(obj) = item else {
        errors.push(ScenarioError::at(
            path,
            format!(
                "an action must be a JSON object like {{\"at_s\": 10, \"do\": \"kill_node\", \"node\": \"w1\"}}, found {}",
                describe(item)
            ),
        ));
        return None;
    };
    let before = errors.len();
    let at_s = match obj.get("at_s") {
        None => {
            errors.push(ScenarioError::at(
                format!("{path}.at_s"),
                "missing field `at_s`: every action needs the simulated time (in seconds) at which it happens",
            ));
            None
        }
        Some(v) => {
            let at = v.as_f64();
            if at.is_none() {
                errors.push(ScenarioError::at(
                    format!("{path}.at_s"),
                    format!("expected a number of seconds, found {}", describe(v)),
                ));
            }
            at
        }
    };
    let names = action_names();
    let name = match obj.get("do") {
        None => {
            errors.push(ScenarioError::at(
                format!("{path}.do"),
                format!("missing field `do`: say which action this is, one of {}", backticked(&names)),
            ));
            None
        }
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            errors.push(ScenarioError::at(
                format!("{path}.do"),
                format!("expected a string naming the action, found {}", describe(other)),
            ));
            None
        }
    };
    if let Some(name) = name {
        match ACTION_KINDS.iter().find(|k| k.tag == name) {
            Some(spec) => check_action_fields(obj, path, spec, errors),
            None => errors.push(ScenarioError::at(
                format!("{path}.do"),
                format!(
                    "unknown action `{name}`, expected one of {}{}",
                    backticked(&names),
                    did_you_mean(name, &names)
                ),
            )),
        }
    }
    if errors.len() > before {
        return None;
    }
    let at_s = at_s?;
    let mut rest = obj.clone();
    rest.remove("at_s");
    match ActionKind::from_value(Value::Object(rest)) {
        Ok(kind) => Some(Action { at_s, kind }),
        Err(e) => {
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            None
        }
    }
}

fn check_action_fields(obj: &Map<String, Value>, path: &str, spec: &ActionKindSpec, errors: &mut Vec<ScenarioError>) {
    let (name, fields) = (spec.tag, spec.fields);
    let mut allowed: Vec<&str> = vec!["at_s", "do"];
    allowed.extend(fields.iter().map(|(f, _)| *f));
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(ScenarioError::at(
                format!("{path}.{key}"),
                format!(
                    "unknown field `{key}` for a `{name}` action, expected {}{}",
                    one_of(&allowed),
                    did_you_mean(key, &allowed)
                ),
            ));
        }
    }
    for (field, required) in fields {
        match obj.get(*field) {
            None if *required => errors.push(ScenarioError::at(
                format!("{path}.{field}"),
                format!("missing field `{field}` (a `{name}` action needs {})", backticked_fields(fields)),
            )),
            None => {}
            Some(v) => {
                field_check(name, field)(v, &format!("{path}.{field}"), errors);
            }
        }
    }
}

fn backticked_fields(fields: &[(&str, bool)]) -> String {
    let required: Vec<&str> = fields.iter().filter(|(_, r)| *r).map(|(f, _)| *f).collect();
    backticked(&required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_kind_in_the_table_parses_with_serde() {
        let samples = [
            r#"{"do":"kill_replica","replica":{"app":"a","deployment":"d","index":0}}"#,
            r#"{"do":"fail_health_check","replica":{"app":"a","deployment":"d","index":0},"times":"forever"}"#,
            r#"{"do":"heal_health_check","replica":{"app":"a","deployment":"d","index":0}}"#,
            r#"{"do":"fail_constructor","deployment":{"app":"a","deployment":"d"},"rank":1,"times":2}"#,
            r#"{"do":"kill_node","node":"w1"}"#,
            r#"{"do":"add_node","node":{"id":"w9","resources":{"CPU":2}}}"#,
            r#"{"do":"kill_controller"}"#,
            r#"{"do":"fail_gcs_queries","for_s":3}"#,
            r#"{"do":"set_num_replicas","deployment":{"app":"a","deployment":"d"},"num_replicas":4}"#,
            r#"{"do":"delete_app","app":"a"}"#,
            r#"{"do":"deploy_version","deployment":{"app":"a","deployment":"d"},"version":"v2","max_surge_percent":25}"#,
            r#"{"do":"drain_node","node":"w1","deadline_s":30}"#,
            r#"{"do":"set_traffic","deployment":{"app":"a","deployment":"d"},"load":[{"shape":"constant","rps":5}]}"#,
        ];
        assert_eq!(samples.len(), ACTION_KINDS.len());
        for (sample, spec) in samples.iter().zip(ACTION_KINDS) {
            let name = spec.tag;
            let kind: ActionKind = serde_json::from_str(sample).unwrap();
            assert_eq!(kind.name(), name);
            let mut errors = Vec::new();
            let mut v: Value = serde_json::from_str(sample).unwrap();
            v.as_object_mut().unwrap().insert("at_s".into(), Value::from(1.0));
            assert!(parse_action(&v, "actions[0]", &mut errors).is_some(), "{name}: {errors:?}");
        }
    }
}
