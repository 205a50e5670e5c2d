//! The scenario loader's validation: every rule gives a clear message naming the field path, and nothing panics.
//!
//! Each test changes one thing in a valid scenario (the example of `scenario-format.md`, plus a non-gang deployment)
//! and checks the path and the key words of the message.
use gangplank::model::scenario::{ActionKind, Scenario, ScenarioError, Times, parse_scenario, validate};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The example in `../shared/spec/scenario-format.md`, verbatim.
const FORMAT_DOC_EXAMPLE: &str = r#"{
  "format": "gangplank.scenario/v1",
  "name": "Replica crash in a PACK gang",
  "description": "Optional free text shown to the user.",
  "seed": 42,
  "until_s": 60,
  "cluster": {
    "head": { "resources": { "CPU": 0 } },
    "nodes": [
      { "id": "w1", "resources": { "CPU": 2 } },
      { "id": "w2", "resources": { "CPU": 2, "GPU": 1 }, "labels": { "zone": "b" } }
    ]
  },
  "timing": { "health_check_period_s": 1, "replica_startup_s": [1.5, 2.7] },
  "applications": [
    { "name": "app", "deployments": [
      { "name": "G", "num_replicas": 4,
        "ray_actor_options": { "num_cpus": 1 },
        "gang_scheduling_config": { "gang_size": 2, "gang_placement_strategy": "PACK",
                                    "runtime_failure_policy": "RESTART_GANG" } }
    ] }
  ],
  "actions": [
    { "at_s": 10, "do": "kill_replica", "replica": { "app": "app", "deployment": "G", "gang": 0, "rank": 0 } }
  ]
}"#;

/// The gang deployment of [`base`] (gang_size 2, 4 replicas) and its non-gang one (2 replicas).
const G: &str = "applications[0].deployments[0]";
const N: &str = "applications[0].deployments[1]";
const G_PTR: &str = "/applications/0/deployments/0";
const N_PTR: &str = "/applications/0/deployments/1";

fn base() -> Value {
    let mut v: Value = serde_json::from_str(FORMAT_DOC_EXAMPLE).unwrap();
    v["applications"][0]["deployments"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "N", "num_replicas": 2, "ray_actor_options": { "num_cpus": 0.5 } }));
    v
}

/// Set the value at a JSON pointer, creating the last key (or appending at index == len).
fn set(v: &mut Value, ptr: &str, val: Value) {
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent} in the scenario")) {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
        }
        Value::Array(a) => {
            let i: usize = key.parse().unwrap();
            if i == a.len() { a.push(val) } else { a[i] = val }
        }
        other => panic!("{parent} is {other}, not a container"),
    }
}

fn remove(v: &mut Value, ptr: &str) {
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
}

fn errors_of(text: &str) -> Vec<ScenarioError> {
    match parse_scenario(text) {
        Ok(_) => panic!("accepted, but should be rejected:\n{text}"),
        Err(e) => {
            assert!(!e.is_empty(), "rejected with no error");
            e
        }
    }
}

/// `base()` with each (pointer, value) set, expected to be rejected.
fn reject(edits: &[(&str, Value)]) -> Vec<ScenarioError> {
    let mut v = base();
    for (p, x) in edits {
        set(&mut v, p, x.clone());
    }
    errors_of(&v.to_string())
}

/// `base()` with each (pointer, value) set, expected to pass.
fn accept(edits: &[(&str, Value)]) -> Scenario {
    let mut v = base();
    for (p, x) in edits {
        set(&mut v, p, x.clone());
    }
    parse_scenario(&v.to_string()).unwrap_or_else(|e| panic!("rejected: {}", show(&e)))
}

/// `base()` with these actions instead of its own.
fn reject_actions(actions: Value) -> Vec<ScenarioError> {
    reject(&[("/actions", actions)])
}

fn show(errors: &[ScenarioError]) -> String {
    errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
}

/// There is an error at exactly `path` whose message contains every one of `words`.
#[track_caller]
fn has(errors: &[ScenarioError], path: &str, words: &[&str]) {
    assert!(
        errors.iter().any(|e| e.path == path && words.iter().all(|w| e.message.contains(w))),
        "expected an error at `{path}` mentioning {words:?}; got:\n{}",
        show(errors)
    );
}

/// Exactly one error, at `path`, mentioning `words`.
#[track_caller]
fn only(errors: &[ScenarioError], path: &str, words: &[&str]) {
    assert_eq!(errors.len(), 1, "expected one error, got:\n{}", show(errors));
    has(errors, path, words);
}

// =================================================================================================================
// Valid scenarios

#[test]
fn the_format_doc_example_is_valid() {
    let s = parse_scenario(FORMAT_DOC_EXAMPLE).unwrap_or_else(|e| panic!("{}", show(&e)));
    assert_eq!(s.applications[0].deployments[0].fixed_replicas(), Some(4));
    assert_eq!(s.actions.len(), 1);
    assert!(validate(&s).is_ok());
}

#[test]
fn a_scenario_with_every_action_kind_is_valid() {
    let s = accept(&[(
        "/actions",
        json!([
            { "at_s": 1, "do": "kill_replica", "replica": { "app": "app", "deployment": "G", "gang": 1, "rank": 1 } },
            { "at_s": 1, "do": "kill_replica", "replica": { "app": "app", "deployment": "N", "index": 1 } },
            { "at_s": 2, "do": "kill_replica", "replica": { "app": "app", "deployment": "N", "id": "ab12cd34" } },
            { "at_s": 2, "do": "fail_health_check", "replica": { "app": "app", "deployment": "G", "gang": 0, "rank": 1 },
              "times": "forever" },
            { "at_s": 3, "do": "heal_health_check", "replica": { "app": "app", "deployment": "G", "gang": 0, "rank": 1 } },
            { "at_s": 4, "do": "fail_constructor", "deployment": { "app": "app", "deployment": "G" }, "rank": 1, "times": 2 },
            { "at_s": 4, "do": "fail_constructor", "deployment": { "app": "app", "deployment": "N" }, "times": 1 },
            { "at_s": 5, "do": "kill_node", "node": "w1" },
            { "at_s": 6, "do": "add_node", "node": { "id": "w3", "resources": { "CPU": 4 }, "labels": { "zone": "c" } } },
            { "at_s": 7, "do": "kill_node", "node": "w3" },
            { "at_s": 8, "do": "kill_controller" },
            { "at_s": 9, "do": "fail_gcs_queries", "for_s": 2.5 },
            { "at_s": 10, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": "G" }, "num_replicas": 6 },
            { "at_s": 10, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": "N" }, "num_replicas": 1 },
            { "at_s": 11, "do": "deploy_version", "deployment": { "app": "app", "deployment": "G" }, "version": "v2",
              "user_config": { "lr": 0.1 }, "num_replicas": 4, "ray_actor_options": { "num_cpus": 1 },
              "rolling_update_percentage": 0.5, "max_surge_percent": 25, "health_check_period_s": 2,
              "graceful_shutdown_timeout_s": 5 },
            { "at_s": 12, "do": "drain_node", "node": "w2", "reason": "DRAIN_NODE_REASON_PREEMPTION",
              "reason_message": "spot", "deadline_s": 30 },
            { "at_s": 13, "do": "drain_node", "node": "w2", "reason": "DRAIN_NODE_REASON_IDLE_TERMINATION" },
            { "at_s": 14, "do": "set_traffic", "deployment": { "app": "app", "deployment": "G" },
              "load": [ { "shape": "daily", "min_rps": 2, "max_rps": 20, "period_s": 600 } ],
              "service_time_s": { "mean": 0.3, "spread": 0.05 } },
            { "at_s": 60, "do": "delete_app", "app": "app" }
        ]),
    )]);
    assert_eq!(s.actions.len(), 19);
    assert_eq!(
        s.actions[3].kind,
        match &s.actions[3].kind {
            ActionKind::FailHealthCheck { replica, .. } =>
                ActionKind::FailHealthCheck { replica: replica.clone(), times: Times::Forever },
            other => panic!("{other:?}"),
        }
    );
}

#[test]
fn ray_accepts_these_and_so_do_we() {
    // gang_size 1, SPREAD, gang + placement_group_bundles (api_validation.json "ok:" cases).
    accept(&[(&format!("{G_PTR}/gang_scheduling_config/gang_size"), json!(1))]);
    accept(&[(&format!("{G_PTR}/gang_scheduling_config/gang_placement_strategy"), json!("SPREAD"))]);
    accept(&[(&format!("{G_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }, { "CPU": 0.5 }]))]);
    // STRICT_* stay valid placement-group strategies for non-gang deployments.
    accept(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }, { "GPU": 1 }])),
        (&format!("{N_PTR}/placement_group_strategy"), json!("STRICT_PACK")),
    ]);
    // One label selector is applied to every bundle.
    accept(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }, { "CPU": 1 }])),
        (&format!("{N_PTR}/placement_group_bundle_label_selector"), json!([{ "zone": "b" }])),
    ]);
    accept(&[(&format!("{N_PTR}/max_replicas_per_node"), json!(100))]);
    accept(&[(&format!("{G_PTR}/max_constructor_retry_count"), json!(1))]);
    accept(&[(&format!("{G_PTR}/graceful_shutdown_timeout_s"), json!(0))]);
    // An action exactly at until_s, a byte-order mark, and "x" extension objects anywhere they are allowed.
    accept(&[("/actions/0/at_s", json!(60))]);
    accept(&[("/x", json!({ "anything": [1, { "goes": true }] })), ("/cluster/x", json!(null))]);
    let text = format!("\u{feff}{}", base());
    assert!(parse_scenario(&text).is_ok());
}

#[test]
fn defaults_fill_in_a_minimal_scenario() {
    let s = parse_scenario(r#"{"format": "gangplank.scenario/v1", "cluster": {}}"#).unwrap();
    assert_eq!(s.until_s, 120.0);
    assert_eq!(s.head_id(), "head");
}

// =================================================================================================================
// Text, syntax and shape

#[test]
fn syntax_errors_give_line_and_column() {
    let text =
        "{\n  \"format\": \"gangplank.scenario/v1\",\n  \"cluster\": {\n    \"nodes\": [ { \"id\": \"w1\" } ]]\n}";
    let e = errors_of(text);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].line, e[0].column), (Some(4), Some(32)), "{}", e[0]);
    assert!(e[0].path.is_empty());
    assert!(e[0].message.starts_with("not valid JSON"), "{}", e[0]);
    assert!(e[0].to_string().starts_with("line 4, column 32: not valid JSON"), "{}", e[0]);
}

#[test]
fn a_trailing_comma_is_explained() {
    let e = errors_of("{\"format\": \"gangplank.scenario/v1\", \"cluster\": {},\n}");
    assert_eq!(e[0].line, Some(2));
    assert!(e[0].message.contains("trailing comma"), "{}", e[0]);
}

#[test]
fn text_that_ends_early_says_so() {
    let e = errors_of("{\"format\": \"gangplank.scenario/v1\", \"cluster\": {");
    assert!(e[0].message.contains("ends too early"), "{}", e[0]);
    assert_eq!(e[0].line, Some(1));
}

#[test]
fn an_empty_file_is_rejected_with_a_hint() {
    for text in ["", "   \n\t ", "\u{feff}"] {
        only(&errors_of(text), "", &["empty", "gangplank.scenario/v1"]);
    }
}

#[test]
fn a_non_object_is_rejected() {
    for (text, kind) in
        [("[1, 2]", "an array"), ("42", "the number 42"), ("\"hi\"", "the string \"hi\""), ("null", "null")]
    {
        only(&errors_of(text), "", &["must be a JSON object", kind]);
    }
}

#[test]
fn a_huge_file_is_rejected_before_parsing() {
    let huge =
        format!("{{\"format\": \"gangplank.scenario/v1\", \"cluster\": {{}}, \"x\": \"{}\"}}", "a".repeat(50 << 20));
    only(&errors_of(&huge), "", &["bytes", "limit", "10 MiB"]);
}

#[test]
fn deep_nesting_is_rejected_without_overflowing_the_stack() {
    for depth in [129, 10_000, 1_000_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!(
                "{{\"format\": \"gangplank.scenario/v1\", \"cluster\": {{}}, \"x\": {}1{}}}",
                open.repeat(depth),
                close.repeat(depth)
            );
            let e = errors_of(&text);
            assert!(e[0].message.contains("nested more than 128 levels"), "{}", e[0]);
            assert!(e[0].line.is_some());
        }
    }
    // Just under the limit is fine, in an extension object and inside an action.
    let ok = format!(
        "{{\"format\": \"gangplank.scenario/v1\", \"cluster\": {{}}, \"x\": {}{}}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    assert!(parse_scenario(&ok).is_ok());
    let deep_action = format!(
        "{{\"format\": \"gangplank.scenario/v1\", \"cluster\": {{}}, \"actions\": [{{\"at_s\": 1, \"do\": \"kill_node\", \"node\": {}1{}}}]}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    only(&errors_of(&deep_action), "actions[0].node", &["invalid type"]);
}

#[test]
fn the_format_field_is_checked_first() {
    let mut v = base();
    remove(&mut v, "/format");
    only(&errors_of(&v.to_string()), "format", &["missing", "gangplank.scenario/v1"]);
    only(&reject(&[("/format", json!("gangplank.scenario/v2"))]), "format", &["unsupported format", "v2"]);
    only(&reject(&[("/format", json!(1))]), "format", &["expected the string", "the number 1"]);
}

#[test]
fn a_missing_required_field_is_named() {
    let mut v = base();
    remove(&mut v, "/cluster");
    only(&errors_of(&v.to_string()), "", &["missing field `cluster`"]);
    let mut v = base();
    remove(&mut v, &format!("{G_PTR}/gang_scheduling_config/gang_size"));
    only(&errors_of(&v.to_string()), &format!("{G}.gang_scheduling_config"), &["missing field `gang_size`"]);
}

#[test]
fn an_unknown_top_level_field_is_named_with_the_allowed_ones() {
    let e = reject(&[("/untl_s", json!(30))]);
    only(
        &e,
        "untl_s",
        &["unknown field `untl_s`", "expected one of", "`until_s`", "`cluster`", "did you mean `until_s`"],
    );
}

#[test]
fn an_unknown_nested_field_is_named_at_its_path() {
    let e = reject(&[(&format!("{G_PTR}/gang_scheduling_config/gang_sise"), json!(2))]);
    only(
        &e,
        &format!("{G}.gang_scheduling_config.gang_sise"),
        &[
            "unknown field `gang_sise`",
            "`gang_size`, `gang_placement_strategy`, `runtime_failure_policy`",
            "did you mean",
        ],
    );
    let e = reject(&[("/cluster/nodes/1/resourcs", json!({}))]);
    only(&e, "cluster.nodes[1].resourcs", &["unknown field `resourcs`", "did you mean `resources`"]);
    let e = reject(&[("/timing/health_check_period", json!(1))]);
    only(&e, "timing.health_check_period", &["unknown field", "`health_check_period_s`"]);
}

#[test]
fn an_unknown_field_inside_an_action_is_named_at_its_path() {
    let e = reject(&[("/actions/0/replica/gnag", json!(0))]);
    only(
        &e,
        "actions[0].replica.gnag",
        &["unknown field `gnag`", "`gang`, `rank`, `index`, `id`", "did you mean `gang`"],
    );
    let e = reject(&[("/actions/0/replca", json!({}))]);
    has(
        &e,
        "actions[0].replca",
        &["unknown field `replca`", "`kill_replica` action", "`replica`", "did you mean `replica`"],
    );
    let e = reject(&[("/actions/0", json!({ "at_s": 1, "do": "add_node", "node": { "id": "w9", "cpus": 2 } }))]);
    only(&e, "actions[0].node.cpus", &["unknown field `cpus`", "`resources`"]);
}

#[test]
fn a_wrong_type_inside_an_action_keeps_its_path() {
    let e = reject(&[("/actions/0/replica/gang", json!("first"))]);
    only(&e, "actions[0].replica.gang", &["invalid type", "\"first\"", "whole number"]);
    let e = reject(&[(
        "/actions/0",
        json!({ "at_s": 1, "do": "add_node", "node": { "id": "w9", "resources": { "CPU": "two" } } }),
    )]);
    only(&e, "actions[0].node.resources.CPU", &["invalid type", "expected a number"]);
    let e = reject(&[(
        "/actions/0",
        json!({ "at_s": 1, "do": "fail_health_check",
        "replica": { "app": "app", "deployment": "N", "index": 0 }, "times": "always" }),
    )]);
    only(&e, "actions[0].times", &["\"forever\"", "always"]);
}

#[test]
fn an_action_needs_an_object_a_time_and_a_kind() {
    only(&reject_actions(json!(["kill_controller"])), "actions[0]", &["must be a JSON object", "the string"]);
    only(&reject_actions(json!([{ "do": "kill_controller" }])), "actions[0].at_s", &["missing field `at_s`"]);
    only(
        &reject_actions(json!([{ "at_s": "10s", "do": "kill_controller" }])),
        "actions[0].at_s",
        &["number of seconds", "\"10s\""],
    );
    only(&reject_actions(json!([{ "at_s": 1 }])), "actions[0].do", &["missing field `do`", "`kill_node`"]);
    only(&reject_actions(json!([{ "at_s": 1, "do": 3 }])), "actions[0].do", &["expected a string"]);
    only(
        &reject_actions(json!([{ "at_s": 1, "do": "kill_replca", "replica": {} }])),
        "actions[0].do",
        &["unknown action `kill_replca`", "`delete_app`", "did you mean `kill_replica`"],
    );
    only(&reject_actions(json!([{ "at_s": 1, "do": "kill_node" }])), "actions[0].node", &["missing field `node`"]);
    let e = reject_actions(json!([{ "at_s": 1, "do": "add_node", "node": "w9" }]));
    only(&e, "actions[0].node", &["invalid type: string \"w9\", expected an object"]);
    only(&reject_actions(json!({ "at_s": 1 })), "actions", &["expected an array", "an object"]);
}

#[test]
fn every_bad_action_and_application_is_reported_not_just_the_first() {
    let mut v = base();
    set(&mut v, "/applications/1", json!({ "name": "b", "deployments": [{ "name": "D", "num_replicas": "two" }] }));
    set(&mut v, "/applications/2", json!({ "name": "c", "deployments": [{ "name": "D", "replicas": 2 }] }));
    set(
        &mut v,
        "/actions",
        json!([
            { "at_s": 1, "do": "kill_node" },
            { "at_s": 2, "do": "kill_controller" },
            { "at_s": 3, "do": "kill_node", "node": 7 },
            { "at_s": 4, "do": "nope" }
        ]),
    );
    let e = errors_of(&v.to_string());
    let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "applications[1].deployments[0].num_replicas",
            "applications[2].deployments[0].replicas",
            "actions[0].node",
            "actions[2].node",
            "actions[3].do"
        ],
        "{}",
        show(&e)
    );
}

#[test]
fn applications_must_be_an_array() {
    only(&reject(&[("/applications", json!({ "name": "app" }))]), "applications", &["expected an array", "an object"]);
}

#[test]
fn numbers_out_of_range_and_wrong_types_are_named() {
    only(&reject(&[("/seed", json!(-1))]), "seed", &["-1", "whole number, 0 or more"]);
    only(&reject(&[("/seed", json!(1.5))]), "seed", &["1.5"]);
    only(
        &reject(&[(&format!("{G_PTR}/num_replicas"), json!(2.5))]),
        &format!("{G}.num_replicas"),
        &["2.5", "must be an int or \"auto\""],
    );
    let e = errors_of(r#"{"format": "gangplank.scenario/v1", "cluster": {}, "until_s": 1e999}"#);
    assert!(e[0].message.contains("out of range") && e[0].line == Some(1), "{}", e[0]);
}

#[test]
fn at_most_a_hundred_errors_are_listed() {
    let actions: Vec<Value> = (0..300).map(|i| json!({ "at_s": i, "do": "kill_node", "node": "nowhere" })).collect();
    let mut v = base();
    set(&mut v, "/until_s", json!(1000));
    set(&mut v, "/actions", Value::Array(actions));
    let e = errors_of(&v.to_string());
    assert_eq!(e.len(), 101);
    has(&e, "", &["200 more problem(s) not shown"]);
}

// =================================================================================================================
// Ray 2.60 rules (real-ray-observations.md "The public API"; api_validation.json)

#[test]
fn gang_size_must_be_at_least_one() {
    for n in [0, -3] {
        let e = reject(&[(&format!("{G_PTR}/gang_scheduling_config/gang_size"), json!(n))]);
        only(
            &e,
            &format!("{G}.gang_scheduling_config.gang_size"),
            &["Input should be greater than or equal to 1", &n.to_string()],
        );
    }
}

#[test]
fn num_replicas_must_be_a_multiple_of_gang_size() {
    let e = reject(&[(&format!("{G_PTR}/num_replicas"), json!(5))]);
    only(&e, &format!("{G}.num_replicas"), &["num_replicas (5) must be a multiple of gang_size (2)."]);
}

/// Fidelity rule 6: Ray 2.60 refuses `num_replicas: 0` in `@serve.deployment` and `.options()` ("num_replicas is
/// expected to larger than 0", serve/api.py and serve/deployment.py) and in the config schema (`PositiveInt`,
/// "Input should be greater than 0"). Scaling to zero is autoscaling's (`min_replicas: 0`), not modelled.
#[test]
fn num_replicas_must_be_at_least_one_as_in_ray() {
    let words =
        ["Input should be greater than 0 (found 0)", "num_replicas is expected to larger than 0", "min_replicas"];
    only(&reject(&[(&format!("{N_PTR}/num_replicas"), json!(0))]), &format!("{N}.num_replicas"), &words);
    // For a gang deployment too, although 0 is a multiple of every gang_size.
    only(&reject(&[(&format!("{G_PTR}/num_replicas"), json!(0))]), &format!("{G}.num_replicas"), &words);
}

#[test]
fn set_num_replicas_must_be_at_least_one_as_in_ray() {
    let words = ["Input should be greater than 0 (found 0)", "num_replicas is expected to larger than 0"];
    for d in ["N", "G"] {
        only(
            &reject_actions(
                json!([{ "at_s": 1, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": d }, "num_replicas": 0 }]),
            ),
            "actions[0].num_replicas",
            &words,
        );
    }
}

#[test]
fn num_replicas_must_not_be_negative() {
    let e = reject(&[(&format!("{N_PTR}/num_replicas"), json!(-1))]);
    only(&e, &format!("{N}.num_replicas"), &["greater than or equal to 0", "-1"]);
    let e = reject(&[(&format!("{G_PTR}/num_replicas"), json!(-2))]);
    only(&e, &format!("{G}.num_replicas"), &["greater than or equal to 0"]);
}

#[test]
fn gang_placement_strategy_is_pack_or_spread() {
    let p = format!("{G}.gang_scheduling_config.gang_placement_strategy");
    let ptr = format!("{G_PTR}/gang_scheduling_config/gang_placement_strategy");
    for strict in ["STRICT_PACK", "STRICT_SPREAD"] {
        let e = reject(&[(&ptr, json!(strict))]);
        only(&e, &p, &["Input should be 'PACK' or 'SPREAD'", strict, "remains valid as placement_group_strategy"]);
    }
    only(&reject(&[(&ptr, json!("spread"))]), &p, &["Input should be 'PACK' or 'SPREAD'", "'spread'", "upper-case"]);
    only(&reject(&[(&ptr, json!("RANDOM"))]), &p, &["Input should be 'PACK' or 'SPREAD'", "'RANDOM'"]);
}

#[test]
fn restart_replica_is_refused_as_not_implemented() {
    let ptr = format!("{G_PTR}/gang_scheduling_config/runtime_failure_policy");
    let p = format!("{G}.gang_scheduling_config.runtime_failure_policy");
    only(
        &reject(&[(&ptr, json!("RESTART_REPLICA"))]),
        &p,
        &["RESTART_REPLICA policy is not yet implemented", "RESTART_GANG"],
    );
    only(
        &reject(&[(&ptr, json!("RESTART_ALL"))]),
        &p,
        &["Input should be 'RESTART_GANG' or 'RESTART_REPLICA'", "RESTART_ALL"],
    );
}

#[test]
fn gang_config_rejects_max_replicas_per_node() {
    let e = reject(&[(&format!("{G_PTR}/max_replicas_per_node"), json!(1))]);
    only(
        &e,
        &format!("{G}.max_replicas_per_node"),
        &["Setting max_replicas_per_node is not allowed when gang_scheduling_config is provided"],
    );
}

#[test]
fn gang_config_rejects_placement_group_strategy() {
    let e = reject(&[
        (&format!("{G_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }])),
        (&format!("{G_PTR}/placement_group_strategy"), json!("SPREAD")),
    ]);
    only(
        &e,
        &format!("{G}.placement_group_strategy"),
        &[
            "not allowed when gang_scheduling_config is provided",
            "Use gang_scheduling_config.gang_placement_strategy instead",
        ],
    );
}

#[test]
fn placement_group_strategy_must_be_a_ray_strategy() {
    let e = reject(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }])),
        (&format!("{N_PTR}/placement_group_strategy"), json!("pack")),
    ]);
    only(
        &e,
        &format!("{N}.placement_group_strategy"),
        &["Invalid placement group strategy pack", "PACK, SPREAD, STRICT_PACK, STRICT_SPREAD"],
    );
}

#[test]
fn placement_group_strategy_needs_bundles() {
    let e = reject(&[(&format!("{N_PTR}/placement_group_strategy"), json!("PACK"))]);
    only(&e, &format!("{N}.placement_group_strategy"), &["`placement_group_bundles` must also be provided"]);
}

#[test]
fn max_replicas_per_node_and_bundles_are_exclusive() {
    let e = reject(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }])),
        (&format!("{N_PTR}/max_replicas_per_node"), json!(2)),
    ]);
    only(&e, &format!("{N}.max_replicas_per_node"), &["not allowed when placement_group_bundles is provided"]);
}

#[test]
fn max_replicas_per_node_is_between_1_and_100() {
    for n in [0, 101] {
        let e = reject(&[(&format!("{N_PTR}/max_replicas_per_node"), json!(n))]);
        only(&e, &format!("{N}.max_replicas_per_node"), &[&format!("Invalid max_replicas_per_node {n}"), "[1, 100]"]);
    }
}

#[test]
fn actor_resources_must_fit_in_the_first_bundle() {
    // num_cpus defaults to 1, as in Ray, so a GPU-only first bundle cannot hold the actor.
    let e = reject(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "GPU": 1 }, { "CPU": 4 }])),
        (&format!("{N_PTR}/ray_actor_options"), json!({})),
    ]);
    only(
        &e,
        &format!("{N}.placement_group_bundles[0]"),
        &["placed in the first bundle", "`num_cpus` for the actor is 1, but the bundle only has 0 `CPU` specified"],
    );
    let e = reject(&[
        (&format!("{G_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }])),
        (&format!("{G_PTR}/ray_actor_options"), json!({ "num_cpus": 1, "num_gpus": 0.5, "resources": { "TPU": 2 } })),
    ]);
    has(
        &e,
        &format!("{G}.placement_group_bundles[0]"),
        &["`num_gpus` for the actor is 0.5, but the bundle only has 0 `GPU`"],
    );
    has(&e, &format!("{G}.placement_group_bundles[0]"), &["`TPU` requirement for the actor is 2"]);
    assert_eq!(e.len(), 2, "{}", show(&e));
}

#[test]
fn bundles_must_be_non_empty() {
    let p = format!("{N_PTR}/placement_group_bundles");
    only(
        &reject(&[(&p, json!([]))]),
        &format!("{N}.placement_group_bundles"),
        &["non-empty list", "Got empty list instead"],
    );
    let e = reject(&[(&p, json!([{ "CPU": 1 }, {}, { "GPU": 0 }]))]);
    has(
        &e,
        &format!("{N}.placement_group_bundles[1]"),
        &["Bundles cannot be an empty dictionary or resources with only 0 values"],
    );
    has(&e, &format!("{N}.placement_group_bundles[2]"), &["only 0 values"]);
    assert_eq!(e.len(), 2, "{}", show(&e));
}

#[test]
fn bundle_label_selector_needs_bundles_and_one_selector_per_bundle() {
    let sel = format!("{N_PTR}/placement_group_bundle_label_selector");
    let e = reject(&[(&sel, json!([{ "zone": "b" }]))]);
    only(
        &e,
        &format!("{N}.placement_group_bundle_label_selector"),
        &["`placement_group_bundles` must also be provided"],
    );
    let e = reject(&[
        (&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }, { "CPU": 1 }, { "CPU": 1 }])),
        (&sel, json!([{ "zone": "b" }, { "zone": "c" }])),
    ]);
    only(
        &e,
        &format!("{N}.placement_group_bundle_label_selector"),
        &["2 selector(s) for 3 bundle(s)", "should equal the length"],
    );
    let e =
        reject(&[(&format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }])), (&sel, json!([{ "": "b" }]))]);
    only(&e, &format!("{N}.placement_group_bundle_label_selector[0][\"\"]"), &["label key must not be empty"]);
}

#[test]
fn max_constructor_retry_count_must_be_positive() {
    // Ray's DeploymentConfig declares it PositiveInt.
    let e = reject(&[(&format!("{G_PTR}/max_constructor_retry_count"), json!(0))]);
    only(&e, &format!("{G}.max_constructor_retry_count"), &["Input should be greater than 0"]);
}

#[test]
fn deployment_health_check_and_shutdown_times_follow_ray() {
    let e = reject(&[
        (&format!("{G_PTR}/health_check_period_s"), json!(0)),
        (&format!("{G_PTR}/health_check_timeout_s"), json!(-1)),
        (&format!("{G_PTR}/graceful_shutdown_timeout_s"), json!(-0.5)),
        (&format!("{G_PTR}/graceful_shutdown_wait_loop_s"), json!(-2)),
    ]);
    has(&e, &format!("{G}.health_check_period_s"), &["Input should be greater than 0"]);
    has(&e, &format!("{G}.health_check_timeout_s"), &["Input should be greater than 0", "-1"]);
    has(&e, &format!("{G}.graceful_shutdown_timeout_s"), &["greater than or equal to 0", "-0.5"]);
    has(&e, &format!("{G}.graceful_shutdown_wait_loop_s"), &["greater than or equal to 0"]);
    assert_eq!(e.len(), 4, "{}", show(&e));
}

#[test]
fn actor_option_amounts_are_non_negative() {
    let e =
        reject(&[(&format!("{N_PTR}/ray_actor_options"), json!({ "num_cpus": -1, "num_gpus": -0.5, "memory": -1e9 }))]);
    has(
        &e,
        &format!("{N}.ray_actor_options.num_cpus"),
        &["The keyword 'num_cpus' only accepts None, 0 or a positive number"],
    );
    has(&e, &format!("{N}.ray_actor_options.num_gpus"), &["'num_gpus' only accepts None, 0 or a positive number"]);
    has(&e, &format!("{N}.ray_actor_options.memory"), &["'memory' only accepts"]);
    assert_eq!(e.len(), 3, "{}", show(&e));
    let e = reject(&[(&format!("{N_PTR}/ray_actor_options"), json!({ "resources": { "TPU": -1 } }))]);
    only(&e, &format!("{N}.ray_actor_options.resources.TPU"), &["non-negative", "-1"]);
}

#[test]
fn actor_resources_may_not_name_cpu_gpu_or_memory() {
    let e = reject(&[(
        &format!("{N_PTR}/ray_actor_options"),
        json!({ "resources": { "CPU": 1, "memory": 10, "bundle": 1 } }),
    )]);
    has(&e, &format!("{N}.ray_actor_options.resources.CPU"), &["Use the 'num_cpus' and 'num_gpus' keyword instead"]);
    has(&e, &format!("{N}.ray_actor_options.resources.memory"), &["must not contain the key 'memory'"]);
    has(&e, &format!("{N}.ray_actor_options.resources.bundle"), &["reserved for Ray"]);
}

// =================================================================================================================
// Format rules: top level, cluster, timing, toggles, names

#[test]
fn until_s_is_positive_and_bounded() {
    only(&reject(&[("/until_s", json!(0))]), "until_s", &["greater than 0"]);
    only(&reject(&[("/until_s", json!(-5))]), "until_s", &["greater than 0"]);
    only(&reject(&[("/until_s", json!(700_000))]), "until_s", &["at most 604800 s (7 days)"]);
    accept(&[("/until_s", json!(604_800))]);
}

#[test]
fn a_run_is_limited_in_ticks() {
    // 7 days at 1 ms a tick would be 604.8 million ticks.
    let e = reject(&[("/until_s", json!(604_800)), ("/timing/control_loop_interval_s", json!(0.001))]);
    only(&e, "until_s", &["control-loop ticks", "10000000"]);
}

#[test]
fn until_s_must_be_finite_when_built_in_code() {
    let mut s = parse_scenario(FORMAT_DOC_EXAMPLE).unwrap();
    s.until_s = f64::NAN;
    only(&validate(&s).unwrap_err(), "until_s", &["finite", "NaN"]);
    s.until_s = f64::INFINITY;
    only(&validate(&s).unwrap_err(), "until_s", &["finite", "infinity"]);
    let mut s = parse_scenario(FORMAT_DOC_EXAMPLE).unwrap();
    s.actions[0].at_s = f64::NAN;
    s.timing.health_check_period_s = Some(f64::INFINITY);
    let e = validate(&s).unwrap_err();
    has(&e, "actions[0].at_s", &["finite"]);
    has(&e, "timing.health_check_period_s", &["finite"]);
}

#[test]
fn node_ids_are_non_empty() {
    only(&reject(&[("/cluster/nodes/0/id", json!(""))]), "cluster.nodes[0].id", &["must not be empty"]);
    only(&reject(&[("/cluster/nodes/0/id", json!("  "))]), "cluster.nodes[0].id", &["must not be empty"]);
    only(&reject(&[("/cluster/head/id", json!(""))]), "cluster.head.id", &["must not be empty", "\"head\""]);
}

#[test]
fn node_ids_are_unique_including_the_head() {
    only(
        &reject(&[("/cluster/nodes/1/id", json!("w1"))]),
        "cluster.nodes[1].id",
        &["\"w1\" is already used by cluster.nodes[0].id"],
    );
    only(
        &reject(&[("/cluster/nodes/1/id", json!("head"))]),
        "cluster.nodes[1].id",
        &["already used by cluster.head.id", "defaults to \"head\""],
    );
    let e = reject(&[("/cluster/head/id", json!("ctrl")), ("/cluster/nodes/0/id", json!("ctrl"))]);
    only(&e, "cluster.nodes[0].id", &["already used by cluster.head.id (the head node)"]);
    accept(&[("/cluster/head/id", json!("ctrl")), ("/cluster/nodes/0/id", json!("head"))]);
}

#[test]
fn node_resources_are_non_negative_and_bounded() {
    only(
        &reject(&[("/cluster/nodes/1/resources/GPU", json!(-1))]),
        "cluster.nodes[1].resources.GPU",
        &["non-negative"],
    );
    only(
        &reject(&[("/cluster/head/resources/CPU", json!(-0.5))]),
        "cluster.head.resources.CPU",
        &["non-negative", "-0.5"],
    );
    only(
        &reject(&[("/cluster/nodes/0/resources/CPU", json!(1e20))]),
        "cluster.nodes[0].resources.CPU",
        &["too large", "1e13"],
    );
    let e = reject(&[("/cluster/nodes/0/resources/accelerator_type:A10G", json!(-1))]);
    only(&e, "cluster.nodes[0].resources[\"accelerator_type:A10G\"]", &["non-negative"]);
    only(
        &reject(&[("/cluster/nodes/0/resources/", json!(1))]),
        "cluster.nodes[0].resources[\"\"]",
        &["resource name must not be empty"],
    );
    only(
        &reject(&[("/cluster/nodes/1/labels/", json!("x"))]),
        "cluster.nodes[1].labels[\"\"]",
        &["label key must not be empty"],
    );
}

#[test]
fn the_cluster_total_of_a_resource_is_bounded() {
    let nodes: Vec<Value> =
        (0..20).map(|i| json!({ "id": format!("n{i}"), "resources": { "memory": 9e12 } })).collect();
    only(&reject(&[("/cluster/nodes", Value::Array(nodes))]), "cluster", &["total memory"]);
}

#[test]
fn bundle_amounts_are_non_negative() {
    let e = reject(&[(&format!("{G_PTR}/placement_group_bundles"), json!([{ "CPU": 1, "GPU": -1 }]))]);
    only(&e, &format!("{G}.placement_group_bundles[0].GPU"), &["non-negative"]);
}

#[test]
fn application_names_are_non_empty_and_unique() {
    // (The action naming "app" is then reported too: no application has that name any more.)
    has(&reject(&[("/applications/0/name", json!(""))]), "applications[0].name", &["must not be empty"]);
    let e = reject(&[("/applications/1", json!({ "name": "app", "deployments": [{ "name": "X" }] }))]);
    only(&e, "applications[1].name", &["\"app\" is already used by applications[0].name"]);
}

#[test]
fn an_application_needs_a_deployment() {
    only(
        &reject(&[("/applications/1", json!({ "name": "empty" }))]),
        "applications[1].deployments",
        &["at least one deployment"],
    );
}

#[test]
fn deployment_names_are_non_empty_and_unique_within_an_app() {
    only(&reject(&[(&format!("{N_PTR}/name"), json!(""))]), &format!("{N}.name"), &["must not be empty"]);
    let e = reject(&[(&format!("{N_PTR}/name"), json!("G"))]);
    only(&e, &format!("{N}.name"), &["\"G\" is already used by applications[0].deployments[0]"]);
    // The same name in another application is fine.
    accept(&[("/applications/1", json!({ "name": "other", "deployments": [{ "name": "G" }] }))]);
}

#[test]
fn replica_counts_are_bounded() {
    only(
        &reject(&[(&format!("{N_PTR}/num_replicas"), json!(1_000_000))]),
        &format!("{N}.num_replicas"),
        &["at most 1000"],
    );
    only(
        &reject(&[(&format!("{G_PTR}/gang_scheduling_config/gang_size"), json!(5000))]),
        &format!("{G}.gang_scheduling_config.gang_size"),
        &["at most 1000"],
    );
    let bundles: Vec<Value> = (0..101).map(|_| json!({ "CPU": 1 })).collect();
    only(
        &reject(&[(&format!("{N_PTR}/placement_group_bundles"), Value::Array(bundles))]),
        &format!("{N}.placement_group_bundles"),
        &["at most 100"],
    );
}

#[test]
fn control_loop_interval_is_positive_and_not_absurdly_small() {
    only(
        &reject(&[("/timing/control_loop_interval_s", json!(0))]),
        "timing.control_loop_interval_s",
        &["greater than 0"],
    );
    only(
        &reject(&[("/timing/control_loop_interval_s", json!(0.0001))]),
        "timing.control_loop_interval_s",
        &["too short", "0.001"],
    );
    accept(&[("/timing/control_loop_interval_s", json!(0.001))]);
}

#[test]
fn replica_startup_range_is_ordered_and_non_negative() {
    only(
        &reject(&[("/timing/replica_startup_s", json!([3, 1]))]),
        "timing.replica_startup_s",
        &["min <= max", "[3, 1]"],
    );
    only(
        &reject(&[("/timing/replica_startup_s", json!([-1, 1]))]),
        "timing.replica_startup_s[0]",
        &["greater than or equal to 0"],
    );
    only(
        &reject(&[("/timing/replica_startup_s", json!([1, 2, 3]))]),
        "timing.replica_startup_s",
        &["invalid length 3"],
    );
    accept(&[("/timing/replica_startup_s", json!([0, 0]))]);
}

#[test]
fn timing_values_have_sensible_signs() {
    let e = reject(&[
        ("/timing/health_check_period_s", json!(0)),
        ("/timing/health_check_timeout_s", json!(0)),
        ("/timing/health_check_failure_threshold", json!(0)),
        ("/timing/graceful_shutdown_timeout_s", json!(-1)),
        ("/timing/graceful_shutdown_wait_loop_s", json!(-1)),
        ("/timing/replica_recovery_s", json!(-1)),
        ("/timing/controller_restart_s", json!(-1)),
        ("/timing/node_death_detection_s", json!(-1)),
        ("/timing/slow_startup_warning_s", json!(0)),
    ]);
    let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "timing.health_check_period_s",
            "timing.health_check_timeout_s",
            "timing.health_check_failure_threshold",
            "timing.graceful_shutdown_timeout_s",
            "timing.graceful_shutdown_wait_loop_s",
            "timing.replica_recovery_s",
            "timing.controller_restart_s",
            "timing.node_death_detection_s",
            "timing.slow_startup_warning_s",
        ],
        "{}",
        show(&e)
    );
    has(&e, "timing.health_check_failure_threshold", &["greater than or equal to 1"]);
    only(
        &reject(&[("/timing/health_check_failure_threshold", json!(-1))]),
        "timing.health_check_failure_threshold",
        &["whole number, 0 or more"],
    );
}

#[test]
fn toggles_take_only_their_named_values() {
    only(
        &reject(&[("/toggles", json!({ "gang_pg_removal": "first" }))]),
        "toggles.gang_pg_removal",
        &["'last_member' or 'first_member'", "'first'"],
    );
    only(
        &reject(&[("/toggles", json!({ "startup_failure_counting": "per_pod" }))]),
        "toggles.startup_failure_counting",
        &["'per_gang' or 'per_replica'"],
    );
    accept(&[(
        "/toggles",
        json!({ "gang_pg_removal": "first_member", "startup_failure_counting": "per_replica",
        "sweep_pending_migration": true, "incomplete_gang_teardown": false }),
    )]);
}

#[test]
fn a_misspelt_toggle_value_names_the_field_the_allowed_values_and_the_closest() {
    only(
        &reject(&[("/toggles", json!({ "leak_detection": "periodical" }))]),
        "toggles.leak_detection",
        &["'at_controller_start' or 'periodic'", "(found 'periodical')", "did you mean `periodic`?"],
    );
    only(
        &reject(&[("/toggles", json!({ "gang_pg_removal": "Last_Member" }))]),
        "toggles.gang_pg_removal",
        &["'last_member' or 'first_member'", "did you mean `last_member`?"],
    );
}

#[test]
fn an_unknown_toggle_is_an_error_with_a_did_you_mean() {
    only(
        &reject(&[("/toggles", json!({ "leak_detetcion": "periodic" }))]),
        "toggles.leak_detetcion",
        &["unknown field `leak_detetcion`", "`gang_pg_removal`", "did you mean `leak_detection`?"],
    );
}

#[test]
fn every_value_of_every_toggle_is_accepted_and_selects_its_behaviour() {
    use gangplank::model::serve::behaviour::Behaviour;
    for b in Behaviour::all() {
        let s = accept(&[("/toggles", serde_json::to_value(b.toggles()).unwrap())]);
        assert_eq!(s.toggles.resolve(), b);
    }
}

// =================================================================================================================
// Actions

#[test]
fn action_times_are_non_negative_and_inside_the_run() {
    only(&reject(&[("/actions/0/at_s", json!(-1))]), "actions[0].at_s", &["greater than or equal to 0"]);
    only(&reject(&[("/actions/0/at_s", json!(61))]), "actions[0].at_s", &["after the run ends", "until_s = 60"]);
}

#[test]
fn actions_must_name_an_app_that_exists() {
    let e = reject(&[("/actions/0/replica/app", json!("ap"))]);
    only(&e, "actions[0].replica.app", &["no application named \"ap\"", "\"app\""]);
    only(
        &reject_actions(json!([{ "at_s": 1, "do": "delete_app", "app": "nope" }])),
        "actions[0].app",
        &["no application named \"nope\""],
    );
}

#[test]
fn actions_must_name_a_deployment_that_exists() {
    let e = reject(&[("/actions/0/replica/deployment", json!("g"))]);
    only(&e, "actions[0].replica.deployment", &["application \"app\" has no deployment named \"g\"", "\"G\", \"N\""]);
    let e = reject_actions(
        json!([{ "at_s": 1, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": "X" }, "num_replicas": 2 }]),
    );
    only(&e, "actions[0].deployment.deployment", &["no deployment named \"X\""]);
}

#[test]
fn actions_on_a_deleted_app_or_a_node_added_later_are_not_errors() {
    // They are skipped at run time (the target does not exist at that moment), as the format says.
    accept(&[(
        "/actions",
        json!([
            { "at_s": 1, "do": "kill_node", "node": "late" },
            { "at_s": 2, "do": "delete_app", "app": "app" },
            { "at_s": 3, "do": "kill_replica", "replica": { "app": "app", "deployment": "G", "gang": 0, "rank": 0 } },
            { "at_s": 4, "do": "add_node", "node": { "id": "late" } },
            { "at_s": 5, "do": "kill_node", "node": "w1" },
            { "at_s": 6, "do": "kill_node", "node": "w1" }
        ]),
    )]);
}

#[test]
fn kill_node_needs_a_node_that_exists_somewhere() {
    only(
        &reject_actions(json!([{ "at_s": 1, "do": "kill_node", "node": "w7" }])),
        "actions[0].node",
        &["no node \"w7\"", "\"w1\", \"w2\""],
    );
}

#[test]
fn the_head_node_cannot_be_killed() {
    let e = reject_actions(json!([{ "at_s": 1, "do": "kill_node", "node": "head" }]));
    only(&e, "actions[0].node", &["head node", "Serve controller", "kill_controller"]);
    let e = reject(&[
        ("/cluster/head/id", json!("boss")),
        ("/actions", json!([{ "at_s": 1, "do": "kill_node", "node": "boss" }])),
    ]);
    only(&e, "actions[0].node", &["\"boss\" is the head node"]);
}

#[test]
fn add_node_needs_a_fresh_id() {
    let e = reject_actions(json!([{ "at_s": 1, "do": "add_node", "node": { "id": "w2", "resources": { "CPU": 1 } } }]));
    only(&e, "actions[0].node.id", &["\"w2\" is already used by cluster.nodes[1].id"]);
    let e = reject_actions(json!([
        { "at_s": 1, "do": "add_node", "node": { "id": "w3" } },
        { "at_s": 2, "do": "add_node", "node": { "id": "w3" } }
    ]));
    only(&e, "actions[1].node.id", &["already used by actions[0].node.id"]);
    only(
        &reject_actions(json!([{ "at_s": 1, "do": "add_node", "node": { "id": "" } }])),
        "actions[0].node.id",
        &["must not be empty"],
    );
    let e =
        reject_actions(json!([{ "at_s": 1, "do": "add_node", "node": { "id": "w3", "resources": { "CPU": -2 } } }]));
    only(&e, "actions[0].node.resources.CPU", &["non-negative"]);
}

#[test]
fn gang_replicas_are_addressed_by_gang_and_rank() {
    let r = |replica: Value| reject_actions(json!([{ "at_s": 1, "do": "kill_replica", "replica": replica }]));
    only(
        &r(json!({ "app": "app", "deployment": "G", "index": 0 })),
        "actions[0].replica.index",
        &["gang-scheduled", "`gang` and `rank`"],
    );
    let e = r(json!({ "app": "app", "deployment": "G" }));
    has(&e, "actions[0].replica.gang", &["missing"]);
    has(&e, "actions[0].replica.rank", &["missing"]);
    only(&r(json!({ "app": "app", "deployment": "G", "gang": 0 })), "actions[0].replica.rank", &["missing"]);
}

#[test]
fn rank_must_be_below_gang_size() {
    let e = reject(&[("/actions/0/replica/rank", json!(2))]);
    only(&e, "actions[0].replica.rank", &["rank 2 is out of range", "gang_size is 2", "0 to 1"]);
}

#[test]
fn non_gang_replicas_are_addressed_by_index() {
    let r = |replica: Value| reject_actions(json!([{ "at_s": 1, "do": "heal_health_check", "replica": replica }]));
    let e = r(json!({ "app": "app", "deployment": "N", "gang": 0, "rank": 0, "index": 0 }));
    has(&e, "actions[0].replica.gang", &["no gang_scheduling_config", "`index`"]);
    has(&e, "actions[0].replica.rank", &["no gang_scheduling_config"]);
    assert_eq!(e.len(), 2, "{}", show(&e));
    only(&r(json!({ "app": "app", "deployment": "N" })), "actions[0].replica.index", &["missing", "`index`"]);
}

#[test]
fn replica_ids_have_rays_shape_and_stand_alone() {
    let r = |replica: Value| reject_actions(json!([{ "at_s": 1, "do": "kill_replica", "replica": replica }]));
    only(
        &r(json!({ "app": "app", "deployment": "G", "id": "AB12cd34" })),
        "actions[0].replica.id",
        &["8 lower-case letters and digits"],
    );
    only(&r(json!({ "app": "app", "deployment": "G", "id": "ab12cd3" })), "actions[0].replica.id", &["8 lower-case"]);
    only(
        &r(json!({ "app": "app", "deployment": "G", "id": "ab12cd34", "gang": 0, "rank": 0 })),
        "actions[0].replica",
        &["either `id` or"],
    );
}

#[test]
fn set_num_replicas_follows_the_deployment_rules() {
    let s = |d: &str, n: Value| {
        reject_actions(
            json!([{ "at_s": 1, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": d }, "num_replicas": n }]),
        )
    };
    only(&s("N", json!(-1)), "actions[0].num_replicas", &["greater than or equal to 0"]);
    only(&s("G", json!(3)), "actions[0].num_replicas", &["num_replicas (3) must be a multiple of gang_size (2)."]);
    only(&s("N", json!(5000)), "actions[0].num_replicas", &["at most 1000"]);
}

#[test]
fn fail_gcs_queries_needs_a_positive_duration() {
    for for_s in [json!(0), json!(-3)] {
        only(
            &reject_actions(json!([{ "at_s": 1, "do": "fail_gcs_queries", "for_s": for_s }])),
            "actions[0].for_s",
            &["greater than 0"],
        );
    }
}

#[test]
fn fail_constructor_rank_is_for_gang_deployments_and_below_gang_size() {
    let f = |d: &str, rank: u32| {
        reject_actions(
            json!([{ "at_s": 1, "do": "fail_constructor", "deployment": { "app": "app", "deployment": d }, "rank": rank, "times": 1 }]),
        )
    };
    only(&f("N", 0), "actions[0].rank", &["no gang_scheduling_config", "leave `rank` out"]);
    only(&f("G", 2), "actions[0].rank", &["rank 2 is out of range", "gang_size is 2"]);
}

#[test]
fn times_must_be_at_least_one() {
    let e = reject_actions(
        json!([{ "at_s": 1, "do": "fail_constructor", "deployment": { "app": "app", "deployment": "G" }, "times": 0 }]),
    );
    only(&e, "actions[0].times", &["at least 1", "\"forever\""]);
    let mut s = parse_scenario(FORMAT_DOC_EXAMPLE).unwrap();
    s.actions[0].kind = ActionKind::FailHealthCheck {
        replica: match &s.actions[0].kind {
            ActionKind::KillReplica { replica } => replica.clone(),
            other => panic!("{other:?}"),
        },
        times: Times::Count(0),
    };
    only(&validate(&s).unwrap_err(), "actions[0].times", &["at least 1"]);
}

#[test]
fn errors_come_in_file_order_and_are_the_same_every_time() {
    let strategy = format!("{G_PTR}/gang_scheduling_config/gang_placement_strategy");
    let replicas = format!("{N_PTR}/num_replicas");
    let edits = [
        ("/actions/0/replica/rank", json!(9)),
        (replicas.as_str(), json!(-1)),
        (strategy.as_str(), json!("STRICT_PACK")),
        ("/timing/control_loop_interval_s", json!(0)),
        ("/cluster/nodes/1/id", json!("w1")),
        ("/until_s", json!(0)),
    ];
    let e = reject(&edits);
    let paths: Vec<String> = e.iter().map(|e| e.path.clone()).collect();
    let expected = [
        "until_s".to_string(),
        "cluster.nodes[1].id".to_string(),
        "timing.control_loop_interval_s".to_string(),
        format!("{G}.gang_scheduling_config.gang_placement_strategy"),
        format!("{N}.num_replicas"),
        "actions[0].replica.rank".to_string(),
    ];
    assert_eq!(paths, expected, "{}", show(&e));
    for _ in 0..3 {
        assert_eq!(reject(&edits), e);
    }
}

#[test]
fn messages_read_well_when_printed() {
    let e = reject(&[(&format!("{G_PTR}/num_replicas"), json!(5))]);
    assert_eq!(
        e[0].to_string(),
        "applications[0].deployments[0].num_replicas: num_replicas (5) must be a multiple of gang_size (2)."
    );
}

#[test]
fn extreme_integers_are_rejected_without_overflow() {
    let e = reject(&[
        (&format!("{G_PTR}/num_replicas"), json!(i64::MIN)),
        (&format!("{G_PTR}/gang_scheduling_config/gang_size"), json!(i64::MAX)),
        (&format!("{G_PTR}/max_constructor_retry_count"), json!(i64::MIN)),
        (&format!("{N_PTR}/num_replicas"), json!(i64::MAX)),
        (&format!("{N_PTR}/max_replicas_per_node"), json!(i64::MIN)),
        ("/actions/0/replica/rank", json!(u32::MAX)),
    ]);
    has(&e, &format!("{G}.num_replicas"), &["greater than or equal to 0"]);
    has(&e, &format!("{G}.gang_scheduling_config.gang_size"), &["at most 1000"]);
    has(&e, &format!("{N}.max_replicas_per_node"), &["[1, 100]"]);
    let e = reject_actions(
        json!([{ "at_s": 1, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": "G" },
        "num_replicas": i64::MIN }]),
    );
    only(&e, "actions[0].num_replicas", &["greater than or equal to 0"]);
    accept(&[("/seed", json!(u64::MAX))]);
}

// =================================================================================================================
// Garbage never panics

fn parse_does_not_panic(text: &str) {
    if let Err(errors) = parse_scenario(text) {
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }
}

/// JSON values small enough to splice anywhere.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("PACK"),
            Just("STRICT_SPREAD"),
            Just("forever"),
            Just("head"),
            Just("w1"),
            Just("app"),
            Just("G"),
            Just(""),
            Just("kill_node"),
            Just("add_node"),
            Just("RESTART_REPLICA")
        ]
        .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("id".to_string()),
                        Just("gang".to_string()),
                        Just("CPU".to_string()),
                        any::<String>()
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer in a value (containers and leaves).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn rich_scenario() -> Value {
    let mut v = base();
    set(&mut v, &format!("{N_PTR}/placement_group_bundles"), json!([{ "CPU": 1 }, { "GPU": 1 }]));
    set(&mut v, &format!("{N_PTR}/placement_group_strategy"), json!("STRICT_SPREAD"));
    set(&mut v, "/toggles", json!({ "gang_pg_removal": "last_member" }));
    set(
        &mut v,
        "/actions/1",
        json!({ "at_s": 2, "do": "add_node", "node": { "id": "w3", "resources": { "CPU": 2 } } }),
    );
    set(
        &mut v,
        "/actions/2",
        json!({ "at_s": 3, "do": "set_num_replicas", "deployment": { "app": "app", "deployment": "G" }, "num_replicas": 2 }),
    );
    set(
        &mut v,
        "/actions/3",
        json!({ "at_s": 4, "do": "fail_constructor", "deployment": { "app": "app", "deployment": "G" }, "rank": 0, "times": 1 }),
    );
    v
}

proptest! {
    // 256 cases each by default; set PROPTEST_CASES for a longer hunt.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        parse_does_not_panic(&text);
        parse_does_not_panic(&format!("{{\"format\": \"gangplank.scenario/v1\", {text}"));
    }

    #[test]
    fn byte_edits_of_a_valid_scenario_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6)
    ) {
        let mut bytes = rich_scenario().to_string().into_bytes();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len());
            match op {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                _ => bytes[i] = byte,
            }
        }
        parse_does_not_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn value_swaps_in_a_valid_scenario_never_panic(
        swaps in proptest::collection::vec((any::<prop::sample::Index>(), arb_json()), 1..4)
    ) {
        let mut v = rich_scenario();
        for (at, new) in swaps {
            let mut ptrs = Vec::new();
            pointers(&v, String::new(), &mut ptrs);
            let ptr = &ptrs[at.index(ptrs.len())];
            match v.pointer_mut(ptr) {
                Some(slot) => *slot = new,
                None => prop_assert!(false, "pointer {} vanished", ptr),
            }
        }
        parse_does_not_panic(&v.to_string());
    }
}
