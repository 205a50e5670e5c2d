//! The edited setup back as a Ray Serve config: the imported file (kept in the scenario's `x.imported`) with the
//! simulated fields replaced by the scenario's current values, so what Gangplank does not simulate (import paths,
//! route prefixes, runtime environments, logging, ...) comes back unchanged.
use super::origin::Note;
use crate::model::scenario::Scenario;
use serde_json::{Map, Value, json};

/// Deployment fields the scenario writes back (the others of the original entry are kept).
const SIMULATED: [&str; 18] = [
    "name",
    "num_replicas",
    "max_ongoing_requests",
    "max_queued_requests",
    "user_config",
    "autoscaling_config",
    "graceful_shutdown_wait_loop_s",
    "graceful_shutdown_timeout_s",
    "health_check_period_s",
    "health_check_timeout_s",
    "ray_actor_options",
    "placement_group_bundles",
    "placement_group_strategy",
    "placement_group_bundle_label_selector",
    "max_replicas_per_node",
    "gang_scheduling_config",
    "rolling_update_percentage",
    "max_surge_percent",
];

/// The notes an import left in the scenario (empty for a scenario that was not imported).
pub fn imported_notes(scenario: &Scenario) -> Vec<Note> {
    scenario
        .x
        .as_ref()
        .and_then(|x| x.pointer("/imported/notes"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The scenario's applications as a Serve config (YAML), merged over the imported one if there was one.
pub fn serve_config_yaml(scenario: &Scenario) -> String {
    let original = scenario.x.as_ref().and_then(|x| x.pointer("/imported/serve_config")).cloned();
    let mut top = match &original {
        Some(Value::Object(m)) if m.contains_key("applications") => m.clone(),
        // A single-application file: exported in the multi-application form, its fields kept.
        Some(Value::Object(m)) => {
            let mut top = Map::new();
            top.insert("applications".into(), json!([Value::Object(m.clone())]));
            top
        }
        _ => Map::new(),
    };
    let old_apps: Vec<Value> = top.get("applications").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut apps = Vec::new();
    let mut placeholders = false;
    for app in &scenario.applications {
        let mut a = old_apps
            .iter()
            .find(|o| o.get("name").and_then(Value::as_str).unwrap_or("default") == app.name)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        a.insert("name".into(), json!(app.name));
        if !a.contains_key("import_path") {
            a.insert("import_path".into(), json!(format!("{}:app", app.name.replace(['-', ' '], "_"))));
            placeholders = true;
        }
        let old_deps: Vec<Value> = a.get("deployments").and_then(Value::as_array).cloned().unwrap_or_default();
        let deps: Vec<Value> = app
            .deployments
            .iter()
            .map(|d| {
                let mut out = old_deps
                    .iter()
                    .find(|o| o.get("name").and_then(Value::as_str) == Some(d.name.as_str()))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let old = out.clone();
                for k in SIMULATED {
                    out.remove(k);
                }
                let Value::Object(now) = serde_json::to_value(d).expect("a deployment serializes") else {
                    unreachable!("a deployment is an object")
                };
                for (k, v) in now {
                    if !SIMULATED.contains(&k.as_str()) {
                        continue; // `version`, `max_constructor_retry_count`: not Serve-config fields.
                    }
                    // Nested option maps keep the original's fields the model does not simulate.
                    let v = match (old.get(&k), v) {
                        (Some(Value::Object(o)), Value::Object(n)) if k != "user_config" => {
                            let mut m = o.clone();
                            for (nk, nv) in n {
                                m.insert(nk, nv);
                            }
                            Value::Object(m)
                        }
                        (_, v) => v,
                    };
                    if v != json!({}) || k == "user_config" {
                        out.insert(k, v);
                    }
                }
                Value::Object(out)
            })
            .collect();
        a.insert("deployments".into(), Value::Array(deps));
        apps.push(Value::Object(a));
    }
    top.insert("applications".into(), Value::Array(apps));
    let mut text = format!(
        "# Ray Serve config exported by Gangplank from \"{}\".\n# Fields Gangplank does not simulate are as imported.\n",
        scenario.name
    );
    if placeholders {
        text += "# import_path values marked `<name>:app` are placeholders: set them to your code's import path.\n";
    }
    text += &to_yaml(&Value::Object(top));
    text
}

/// A JSON value as block-style YAML that PyYAML's `safe_load` reads back to the same value.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit(value, 0, &mut out, false);
    out
}

fn emit(value: &Value, indent: usize, out: &mut String, inline_first: bool) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(m) if !m.is_empty() => {
            // `name` first (how people write Serve configs), then the rest in order.
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_key(|k| *k != "name");
            for (i, k) in keys.into_iter().enumerate() {
                if !(i == 0 && inline_first) {
                    out.push_str(&pad);
                }
                out.push_str(&scalar_text(&Value::String(k.clone())));
                out.push(':');
                emit_child(&m[k], indent, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                if !(i == 0 && inline_first) {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                match v {
                    Value::Object(m) if !m.is_empty() => emit(v, indent + 2, out, true),
                    Value::Array(a) if !a.is_empty() => emit(v, indent + 2, out, true),
                    _ => {
                        out.push_str(&scalar_text(v));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&scalar_text(value));
            out.push('\n');
        }
    }
}

fn emit_child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit(v, indent + 2, out, false);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit(v, indent + 2, out, false);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar_text(v));
            out.push('\n');
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let s = n.to_string();
            // PyYAML's floats need a dot: `1e21` would read back as a string.
            match s.find(['e', 'E']) {
                Some(i) if !s[..i].contains('.') => {
                    let exp = &s[i + 1..];
                    let exp = if exp.starts_with(['-', '+']) { exp.to_string() } else { format!("+{exp}") };
                    format!("{}.0e{exp}", &s[..i])
                }
                _ => s,
            }
        }
        Value::String(s) => {
            let plain_ok = !s.is_empty()
                && s != "<<"
                && s.trim() == s
                && !s.starts_with([
                    '-', '?', ':', '!', '&', '*', '|', '>', '%', '@', '`', '#', '\'', '"', '{', '[', '~',
                ])
                && !s.contains(": ")
                && !s.contains(" #")
                && !s.contains(['\n', '\t', '{', '}', '[', ']', ',', '\\'])
                && !s.ends_with(':')
                && super::yaml::resolve_plain(s) == Value::String(s.clone());
            if plain_ok { s.clone() } else { serde_json::to_string(s).expect("a string serializes") }
        }
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips_through_the_loader() {
        let v = json!({
            "applications": [{"name": "llm", "import_path": "mod.sub:app", "route_prefix": "/",
                "deployments": [{"name": "D", "num_replicas": 4, "user_config": {"x": "yes", "y": "1.5", "z": ""},
                    "ray_actor_options": {"num_cpus": 1.0, "resources": {}}, "tags": [], "big": 1e21,
                    "odd": ["- a", "a: b", "#c", "null", "0o17", "multi\nline", " pad"]}]}]
        });
        let text = to_yaml(&v);
        let back = super::super::yaml::load_all(&text).unwrap();
        assert_eq!(back[0].value, v, "{text}");
        assert!(text.starts_with("applications:\n  - name: llm\n"), "{text}");
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e30f64..1e30).prop_map(Value::from),
            "[ -~\\n\\t]{0,12}".prop_map(Value::from),
            prop::sample::select(vec![
                "yes", "No", "0o17", "017", "1e3", "1_000", "1:30", ".5", "~", "- x", "a: b", "#", "..."
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("([a-z_<:# -]{1,8}|<<)", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever the value, PyYAML-style reading of the export gives it back.
        #[test]
        fn any_value_round_trips(v in value()) {
            let text = to_yaml(&json!({ "k": v }));
            let back = super::super::yaml::load_all(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
            proptest::prop_assert_eq!(&back[0].value["k"], &v, "{}", text);
        }
    }

    #[test]
    fn empty_collections() {
        let v = json!({"a": {}, "b": []});
        assert_eq!(to_yaml(&v), "a: {}\nb: []\n");
    }
}
