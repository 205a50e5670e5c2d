//! Reading a lesson from JSON text: every problem names its field path, in the scenario loader's style
//! ([`ScenarioError`]), e.g. `steps[3].question.options[1].holds.deployment_status.status`.
//!
//! Gates: size and JSON syntax (line, column); the top level's fields; the scenario (a preset's id, or an inline
//! scenario checked by the scenario loader, its paths prefixed `scenario.`); each step's shape (serde, with paths);
//! each step's action (checked by the scenario loader as one more scenario action, so its errors keep their
//! paths); then meaning: known event kinds and their fields, states, nodes and deployments the scenario has.
use super::format::{
    CountPred, DeploymentSel, EventMatch, GangNodesPred, GangSel, Lesson, Panel, PgsPred, Predicate, Question,
    QuestionOption, ReplicaSel, ReplicasPred, RunTo, ScenarioSource, Selector, StatusPred, Step, TargetPred,
};
use crate::app::presets::{PRESETS, preset_by_id};
use crate::model::scenario::{ActionKind, Scenario, ScenarioError, describe, did_you_mean, parse_scenario};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The format tag a lesson file starts with.
pub const LESSON_FORMAT: &str = "gangplank.lesson/v1";
/// A lesson is a scenario and a few dozen steps; 2 MiB is far more than one needs.
pub const MAX_LESSON_BYTES: usize = 2 * 1024 * 1024;

/// Every event kind (`EventKind::name()`) with the fields of its JSON (besides `seq`, `t_s`, `tick`, `kind`,
/// `reason`, `cause`), for `run_to.event` and `count` predicates.
pub const EVENT_KINDS: &[(&str, &[&str])] = &[
    ("action", &["do", "applied", "queued", "target"]),
    ("replica_state", &["replica", "app", "deployment", "gang_id", "rank", "from", "to", "node"]),
    ("pg_state", &["name", "strategy", "from", "to", "bundle_nodes"]),
    ("deployment_status", &["app", "deployment", "from", "to", "status_trigger", "message"]),
    ("app_status", &["app", "from", "to"]),
    ("node", &["node", "change", "resources"]),
    ("controller", &["change", "incarnation"]),
    ("health_check", &["replica", "app", "deployment", "result", "consecutive_failures"]),
    ("gang_reserved", &["app", "deployment", "gang_id", "pg_name", "members"]),
    ("reservation_failed", &["app", "deployment", "error"]),
    ("gang_teardown", &["app", "deployment", "gang_id", "members", "teardown_cause", "failed_member"]),
    ("startup_failure", &["app", "deployment", "replica", "failure_count", "threshold"]),
    ("leak_detected", &["name", "gang"]),
    ("leak_detection_skipped", &["error"]),
    ("rollout", &["app", "deployment", "to_version", "stopped", "gangs", "reconfigured", "batch"]),
    ("migration", &["app", "deployment", "gang_id", "replicas", "nodes"]),
    ("autoscale", &["app", "deployment", "from", "to", "total_num_requests"]),
    ("requests_failed", &["app", "deployment", "requests", "failure", "replicas"]),
    ("violation", &["invariant"]),
];
/// Fields every event has.
const COMMON_FIELDS: &[&str] = &["seq", "t_s", "tick", "reason", "cause"];

const REPLICA_STATES: &[&str] =
    &["STARTING", "UPDATING", "RECOVERING", "RUNNING", "STOPPING", "PENDING_MIGRATION", "STOPPED"];
const DEPLOYMENT_STATUSES: &[&str] = &["UPDATING", "HEALTHY", "UNHEALTHY", "DEPLOY_FAILED", "UPSCALING", "DOWNSCALING"];
const PG_STATES: &[&str] = &["PENDING", "CREATED", "RESCHEDULING", "REMOVED"];
const TOP_FIELDS: &[&str] = &["format", "id", "title", "summary", "scenario", "steps"];
const STEP_FIELDS: &[&str] = &["title", "narration", "run_to", "highlight", "action", "question"];
const QUESTION_FIELDS: &[&str] = &["prompt", "options", "explain"];
const OPTION_FIELDS: &[&str] = &["text", "holds"];
const RUN_TO_KINDS: &[&str] = &["t_s", "for_s", "event"];
const SELECTOR_KINDS: &[&str] = &["node", "deployment", "gang", "replica", "pg", "event", "panel"];
const PREDICATE_KINDS: &[&str] = &[
    "count",
    "replicas",
    "deployment_status",
    "gang_nodes",
    "same_gang_survives",
    "pgs",
    "target_replicas",
    "all",
    "any",
    "not",
];

/// Whether a text is meant as a lesson (so a file import can route it here): it names the lesson format.
pub fn looks_like_lesson(text: &str) -> bool {
    crate::app::document::names_format(text, LESSON_FORMAT)
}

/// Parse and validate a lesson file: the lesson, or every problem found with its field path.
pub fn parse_lesson(text: &str) -> Result<Lesson, Vec<ScenarioError>> {
    let text = crate::app::document::checked_text(text, "lesson", LESSON_FORMAT, MAX_LESSON_BYTES, "2 MiB")?;
    let value: Value = serde_json::from_str(text).map_err(|e| vec![crate::model::scenario::syntax_error(&e)])?;
    let Value::Object(body) = value else {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "a lesson must be a JSON object ({{\"format\": \"{LESSON_FORMAT}\", ...}}), found {}",
                describe(&value)
            ),
        )]);
    };
    let mut errors = Vec::new();
    match body.get("format") {
        Some(Value::String(f)) if f == LESSON_FORMAT => {}
        Some(Value::String(other)) => errors.push(ScenarioError::at(
            "format",
            format!("unsupported format \"{other}\"; this version of Gangplank reads \"{LESSON_FORMAT}\""),
        )),
        Some(other) => errors.push(ScenarioError::at(
            "format",
            format!("expected the string \"{LESSON_FORMAT}\", found {}", describe(other)),
        )),
        None => errors.push(ScenarioError::at(
            "format",
            format!("missing: a lesson starts with \"format\": \"{LESSON_FORMAT}\""),
        )),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for key in body.keys() {
        if !TOP_FIELDS.contains(&key.as_str()) {
            errors.push(ScenarioError::at(
                key.clone(),
                format!(
                    "unknown field `{key}`, expected one of {}{}",
                    ticks(TOP_FIELDS),
                    did_you_mean(key, TOP_FIELDS)
                ),
            ));
        }
    }
    let id = text_field(&body, "id", &mut errors);
    if let Some(id) = &id
        && !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push(ScenarioError::at("id", "an id is lowercase letters, digits and '-' (it appears in share links)"));
    }
    let title = text_field(&body, "title", &mut errors);
    let summary = text_field(&body, "summary", &mut errors);
    let scenario = scenario_of(body.get("scenario"), &mut errors);
    let steps = steps_of(body.get("steps"), scenario.as_ref().map(|(_, s)| s), &mut errors);
    match (id, title, summary, scenario, steps, errors.is_empty()) {
        (Some(id), Some(title), Some(summary), Some((source, scenario)), Some(steps), true) => {
            Ok(Lesson { id, title, summary, source, scenario, steps })
        }
        _ => Err(errors),
    }
}

fn ticks(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn text_field(body: &Map<String, Value>, key: &str, errors: &mut Vec<ScenarioError>) -> Option<String> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(ScenarioError::at(key, "must not be empty"));
            None
        }
        Some(other) => {
            errors.push(ScenarioError::at(key, format!("expected a string, found {}", describe(other))));
            None
        }
        None => {
            errors.push(ScenarioError::at(key, format!("missing field `{key}`")));
            None
        }
    }
}

fn scenario_of(value: Option<&Value>, errors: &mut Vec<ScenarioError>) -> Option<(ScenarioSource, Scenario)> {
    let Some(value) = value else {
        errors.push(ScenarioError::at(
            "scenario",
            "missing field `scenario`: {\"preset\": \"<id>\"} or a whole scenario in the public format",
        ));
        return None;
    };
    let Value::Object(map) = value else {
        errors.push(ScenarioError::at("scenario", format!("expected an object, found {}", describe(value))));
        return None;
    };
    if let Some(preset) = map.get("preset") {
        if map.len() > 1 {
            errors.push(ScenarioError::at("scenario", "a preset scenario has only the field `preset`"));
            return None;
        }
        let ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
        let found = preset.as_str().and_then(preset_by_id);
        let Some(p) = found else {
            let name = preset.as_str().unwrap_or_default();
            errors.push(ScenarioError::at(
                "scenario.preset",
                format!("no preset {}{}, expected one of {}", describe(preset), did_you_mean(name, &ids), ticks(&ids)),
            ));
            return None;
        };
        return match p.scenario() {
            Ok(s) => Some((ScenarioSource::Preset(p.id.to_string()), s)),
            Err(e) => {
                errors.extend(e.into_iter().map(|e| prefixed("scenario", e)));
                None
            }
        };
    }
    match parse_scenario(&value.to_string()) {
        Ok(s) => Some((ScenarioSource::Inline, s)),
        Err(e) => {
            errors.extend(e.into_iter().map(|e| prefixed("scenario", e)));
            None
        }
    }
}

fn prefixed(prefix: &str, e: ScenarioError) -> ScenarioError {
    let path = if e.path.is_empty() {
        prefix.to_string()
    } else if e.path.starts_with('[') {
        format!("{prefix}{}", e.path)
    } else {
        format!("{prefix}.{}", e.path)
    };
    ScenarioError { path, line: None, column: None, message: e.message }
}

fn steps_of(value: Option<&Value>, scenario: Option<&Scenario>, errors: &mut Vec<ScenarioError>) -> Option<Vec<Step>> {
    let Some(value) = value else {
        errors.push(ScenarioError::at("steps", "missing field `steps`: a lesson is a list of steps"));
        return None;
    };
    let Value::Array(items) = value else {
        errors.push(ScenarioError::at("steps", format!("expected an array of steps, found {}", describe(value))));
        return None;
    };
    if items.is_empty() {
        errors.push(ScenarioError::at("steps", "a lesson needs at least one step"));
        return None;
    }
    let before = errors.len();
    let mut steps = Vec::new();
    let mut actions: Vec<(usize, Value)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("steps[{i}]");
        if let Value::Object(map) = item
            && let Some(action) = map.get("action")
        {
            actions.push((i, action.clone()));
        }
        if let Some(step) = read_step(item, &path, errors) {
            steps.push(step);
        }
    }
    let scenario = scenario?;
    // The actions, checked by the scenario loader as actions of this scenario (at time 0, in step order).
    let read = check_actions(scenario, &actions, errors);
    if errors.len() > before {
        return None;
    }
    for ((i, _), kind) in actions.iter().zip(read) {
        steps[*i].action = Some(kind);
    }
    let checks = Checks::of(scenario);
    for (i, step) in steps.iter().enumerate() {
        checks.step(step, &format!("steps[{i}]"), errors);
    }
    (errors.len() == before).then_some(steps)
}

fn check_actions(scenario: &Scenario, actions: &[(usize, Value)], errors: &mut Vec<ScenarioError>) -> Vec<ActionKind> {
    if actions.is_empty() {
        return Vec::new();
    }
    let base = scenario.actions.len();
    let mut doc = serde_json::to_value(scenario).expect("a scenario serializes");
    let list = doc.as_object_mut().expect("a scenario is an object").entry("actions").or_insert(Value::Array(vec![]));
    if let Value::Array(list) = list {
        for (_, a) in actions {
            let mut a = a.clone();
            if let Value::Object(m) = &mut a {
                m.insert("at_s".to_string(), Value::from(0.0));
            }
            list.push(a);
        }
    }
    match parse_scenario(&doc.to_string()) {
        Ok(s) => s.actions[base..].iter().map(|a| a.kind.clone()).collect(),
        Err(e) => {
            for err in e {
                errors.push(remap_action_error(err, base, actions));
            }
            Vec::new()
        }
    }
}

/// `actions[base + k].field` → `steps[i].action.field`.
fn remap_action_error(err: ScenarioError, base: usize, actions: &[(usize, Value)]) -> ScenarioError {
    let remapped = err.path.strip_prefix("actions[").and_then(|rest| {
        let (n, tail) = rest.split_once(']')?;
        let k = n.parse::<usize>().ok()?.checked_sub(base)?;
        let (step, _) = actions.get(k)?;
        Some(format!("steps[{step}].action{tail}"))
    });
    match remapped {
        Some(path) => ScenarioError { path, line: None, column: None, message: err.message },
        None => prefixed("scenario", err),
    }
}

/// What the steps may refer to: the scenario's nodes and deployments.
struct Checks {
    nodes: Vec<String>,
    deployments: Vec<(String, String)>,
    until_s: f64,
}

impl Checks {
    fn of(s: &Scenario) -> Checks {
        let mut nodes = vec![s.head_id()];
        nodes.extend(s.cluster.nodes.iter().map(|n| n.id.clone()));
        for a in &s.actions {
            if let ActionKind::AddNode { node } = &a.kind {
                nodes.push(node.id.clone());
            }
        }
        let deployments = s
            .applications
            .iter()
            .flat_map(|a| a.deployments.iter().map(|d| (a.name.clone(), d.name.clone())))
            .collect();
        Checks { nodes, deployments, until_s: s.until_s }
    }

    fn step(&self, step: &Step, path: &str, errors: &mut Vec<ScenarioError>) {
        if step.title.trim().is_empty() {
            errors.push(ScenarioError::at(format!("{path}.title"), "must not be empty"));
        }
        if step.narration.trim().is_empty() {
            errors.push(ScenarioError::at(format!("{path}.narration"), "must not be empty"));
        }
        let rp = format!("{path}.run_to");
        match &step.run_to {
            RunTo::At(t) if !t.is_finite() || *t < 0.0 || *t > self.until_s => errors.push(ScenarioError::at(
                format!("{rp}.t_s"),
                format!("expected a time from 0 to the scenario's until_s ({} s), found {t}", self.until_s),
            )),
            RunTo::For(d) if !d.is_finite() || *d <= 0.0 => errors.push(ScenarioError::at(
                format!("{rp}.for_s"),
                format!("expected a number of seconds above 0, found {d}"),
            )),
            RunTo::Event(m) => self.event(&m.kind, &m.matching, &format!("{rp}.event"), errors),
            _ => {}
        }
        for (k, sel) in step.highlight.iter().enumerate() {
            let hp = format!("{path}.highlight[{k}]");
            match sel {
                Selector::Node(n) => self.node(n, &format!("{hp}.node"), errors),
                Selector::Deployment(d) => self.deployment(&d.app, &d.deployment, &format!("{hp}.deployment"), errors),
                Selector::Gang(g) => self.deployment(&g.app, &g.deployment, &format!("{hp}.gang"), errors),
                Selector::Pg(g) => self.deployment(&g.app, &g.deployment, &format!("{hp}.pg"), errors),
                Selector::Replica(r) => self.deployment(&r.app, &r.deployment, &format!("{hp}.replica"), errors),
                Selector::Event(kind) => {
                    self.kind(kind, &format!("{hp}.event"), errors);
                }
                Selector::Panel(_) => {}
            }
        }
        if let Some(q) = &step.question {
            let qp = format!("{path}.question");
            if q.prompt.trim().is_empty() {
                errors.push(ScenarioError::at(format!("{qp}.prompt"), "must not be empty"));
            }
            if q.options.len() < 2 {
                errors.push(ScenarioError::at(
                    format!("{qp}.options"),
                    format!("a multiple-choice question needs at least 2 options, found {}", q.options.len()),
                ));
            }
            for (k, o) in q.options.iter().enumerate() {
                let op = format!("{qp}.options[{k}]");
                if o.text.trim().is_empty() {
                    errors.push(ScenarioError::at(format!("{op}.text"), "must not be empty"));
                }
                self.predicate(&o.holds, &format!("{op}.holds"), errors);
            }
        }
    }

    fn predicate(&self, p: &Predicate, path: &str, errors: &mut Vec<ScenarioError>) {
        match p {
            Predicate::Count(c) => self.event(&c.kind, &c.matching, &format!("{path}.count"), errors),
            Predicate::Replicas(r) => {
                let rp = format!("{path}.replicas");
                self.deployment(&r.app, &r.deployment, &rp, errors);
                if let Some(s) = &r.state {
                    one_of(s, REPLICA_STATES, &format!("{rp}.state"), "replica state", errors);
                }
            }
            Predicate::DeploymentStatus(s) => {
                let sp = format!("{path}.deployment_status");
                self.deployment(&s.app, &s.deployment, &sp, errors);
                one_of(&s.status, DEPLOYMENT_STATUSES, &format!("{sp}.status"), "deployment status", errors);
            }
            Predicate::GangNodes(g) => self.deployment(&g.app, &g.deployment, &format!("{path}.gang_nodes"), errors),
            Predicate::SameGangSurvives(g) => {
                self.deployment(&g.app, &g.deployment, &format!("{path}.same_gang_survives"), errors)
            }
            Predicate::Pgs(p) => {
                let pp = format!("{path}.pgs");
                if let (Some(a), Some(d)) = (&p.app, &p.deployment) {
                    self.deployment(a, d, &pp, errors);
                }
                if let Some(s) = &p.state {
                    one_of(s, PG_STATES, &format!("{pp}.state"), "placement group state", errors);
                }
            }
            Predicate::TargetReplicas(t) => {
                self.deployment(&t.app, &t.deployment, &format!("{path}.target_replicas"), errors)
            }
            Predicate::All(ps) | Predicate::Any(ps) => {
                let name = if matches!(p, Predicate::All(_)) { "all" } else { "any" };
                if ps.is_empty() {
                    errors.push(ScenarioError::at(format!("{path}.{name}"), "needs at least one predicate"));
                }
                for (k, q) in ps.iter().enumerate() {
                    self.predicate(q, &format!("{path}.{name}[{k}]"), errors);
                }
            }
            Predicate::Not(q) => self.predicate(q, &format!("{path}.not"), errors),
        }
    }

    fn kind(&self, kind: &str, path: &str, errors: &mut Vec<ScenarioError>) -> Option<&'static [&'static str]> {
        let found = EVENT_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f);
        if found.is_none() {
            let kinds: Vec<&str> = EVENT_KINDS.iter().map(|(k, _)| *k).collect();
            errors.push(ScenarioError::at(
                path,
                format!("unknown event kind `{kind}`{}, expected one of {}", did_you_mean(kind, &kinds), ticks(&kinds)),
            ));
        }
        found
    }

    fn event(&self, kind: &str, matching: &Map<String, Value>, path: &str, errors: &mut Vec<ScenarioError>) {
        let Some(fields) = self.kind(kind, &format!("{path}.kind"), errors) else { return };
        for key in matching.keys() {
            if !fields.contains(&key.as_str()) && !COMMON_FIELDS.contains(&key.as_str()) {
                errors.push(ScenarioError::at(
                    format!("{path}.matching.{key}"),
                    format!(
                        "a `{kind}` event has no field `{key}`{}; its fields are {}",
                        did_you_mean(key, fields),
                        ticks(fields)
                    ),
                ));
            }
        }
    }

    fn node(&self, node: &str, path: &str, errors: &mut Vec<ScenarioError>) {
        if !self.nodes.iter().any(|n| n == node) {
            let names: Vec<&str> = self.nodes.iter().map(String::as_str).collect();
            errors.push(ScenarioError::at(
                path,
                format!(
                    "the scenario has no node \"{node}\"{}; its nodes are {}",
                    did_you_mean(node, &names),
                    ticks(&names)
                ),
            ));
        }
    }

    fn deployment(&self, app: &str, deployment: &str, path: &str, errors: &mut Vec<ScenarioError>) {
        if !self.deployments.iter().any(|(a, d)| a == app && d == deployment) {
            let names: Vec<String> = self.deployments.iter().map(|(a, d)| format!("{a}/{d}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let wanted = format!("{app}/{deployment}");
            errors.push(ScenarioError::at(
                path,
                format!(
                    "the scenario has no deployment {wanted}{}; it has {}",
                    did_you_mean(&wanted, &refs),
                    ticks(&refs)
                ),
            ));
        }
    }
}

fn one_of(value: &str, allowed: &[&str], path: &str, what: &str, errors: &mut Vec<ScenarioError>) {
    if !allowed.contains(&value) {
        errors.push(ScenarioError::at(
            path,
            format!("unknown {what} \"{value}\"{}, expected one of {}", did_you_mean(value, allowed), ticks(allowed)),
        ));
    }
}

// -----------------------------------------------------------------------------------------------------------------
// Steps, read field by field: the tagged choices (`run_to`, selectors, predicates) are objects with one key, read
// by hand so that an error inside keeps its whole path.

fn join(path: &str, inner: &str) -> String {
    match inner {
        "" | "." => path.to_string(),
        i if i.starts_with('[') => format!("{path}{i}"),
        i => format!("{path}.{i}"),
    }
}

/// Deserialize a value at `path`, recording serde's error with the path inside.
fn value_at<T: DeserializeOwned>(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<T> {
    match ScenarioError::deserialize_value::<T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(ScenarioError::at(join(path, &e.path), e.message));
            None
        }
    }
}

/// An object's fields, after checking there are no unknown ones.
fn object<'v>(
    value: &'v Value,
    path: &str,
    what: &str,
    fields: &[&str],
    errors: &mut Vec<ScenarioError>,
) -> Option<&'v Map<String, Value>> {
    let Value::Object(map) = value else {
        errors.push(ScenarioError::at(path, format!("expected {what} (an object), found {}", describe(value))));
        return None;
    };
    let mut ok = true;
    for key in map.keys() {
        if !fields.contains(&key.as_str()) {
            ok = false;
            errors.push(ScenarioError::at(
                join(path, key),
                format!(
                    "unknown field `{key}` in {what}, expected one of {}{}",
                    ticks(fields),
                    did_you_mean(key, fields)
                ),
            ));
        }
    }
    ok.then_some(map)
}

/// A required field.
fn field<'v>(map: &'v Map<String, Value>, key: &str, path: &str, errors: &mut Vec<ScenarioError>) -> Option<&'v Value> {
    let v = map.get(key);
    if v.is_none() {
        errors.push(ScenarioError::at(join(path, key), format!("missing field `{key}`")));
    }
    v
}

/// `{"<kind>": value}`: the one key (one of `kinds`) and its value.
fn tagged<'v>(
    value: &'v Value,
    path: &str,
    what: &str,
    kinds: &[&str],
    errors: &mut Vec<ScenarioError>,
) -> Option<(&'v str, &'v Value)> {
    let example = format!("{{\"{}\": ...}}", kinds[0]);
    let Value::Object(map) = value else {
        errors.push(ScenarioError::at(
            path,
            format!("expected {what}: an object with one key like {example}, found {}", describe(value)),
        ));
        return None;
    };
    if map.len() != 1 {
        errors.push(ScenarioError::at(
            path,
            format!("{what} is an object with exactly one key, one of {}; found {} keys", ticks(kinds), map.len()),
        ));
        return None;
    }
    let (key, inner) = map.iter().next().expect("one key");
    if !kinds.contains(&key.as_str()) {
        errors.push(ScenarioError::at(
            join(path, key),
            format!("`{key}` is not {what}{}: expected one of {}", did_you_mean(key, kinds), ticks(kinds)),
        ));
        return None;
    }
    Some((key.as_str(), inner))
}

fn read_step(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Step> {
    let map = object(value, path, "a step", STEP_FIELDS, errors)?;
    let before = errors.len();
    let title = field(map, "title", path, errors).and_then(|v| value_at::<String>(v, &join(path, "title"), errors));
    let narration =
        field(map, "narration", path, errors).and_then(|v| value_at::<String>(v, &join(path, "narration"), errors));
    let run_to = field(map, "run_to", path, errors).and_then(|v| read_run_to(v, &join(path, "run_to"), errors));
    let mut highlight = Vec::new();
    if let Some(v) = map.get("highlight") {
        let hp = join(path, "highlight");
        match v {
            Value::Array(items) => {
                for (k, item) in items.iter().enumerate() {
                    highlight.extend(read_selector(item, &format!("{hp}[{k}]"), errors));
                }
            }
            other => {
                errors.push(ScenarioError::at(hp, format!("expected an array of selectors, found {}", describe(other))))
            }
        }
    }
    let question = match map.get("question") {
        None => None,
        Some(v) => Some(read_question(v, &join(path, "question"), errors)?),
    };
    if errors.len() > before {
        return None;
    }
    // The action is read with the scenario loader (`check_actions`), which knows the scenario's names.
    Some(Step { title: title?, narration: narration?, run_to: run_to?, highlight, action: None, question })
}

fn read_run_to(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<RunTo> {
    let (kind, inner) = tagged(value, path, "a run_to target", RUN_TO_KINDS, errors)?;
    let ip = join(path, kind);
    match kind {
        "t_s" => value_at::<f64>(inner, &ip, errors).map(RunTo::At),
        "for_s" => value_at::<f64>(inner, &ip, errors).map(RunTo::For),
        _ => value_at::<EventMatch>(inner, &ip, errors).map(RunTo::Event),
    }
}

fn read_selector(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Selector> {
    let (kind, inner) = tagged(value, path, "a highlight selector", SELECTOR_KINDS, errors)?;
    let ip = join(path, kind);
    match kind {
        "node" => value_at::<String>(inner, &ip, errors).map(Selector::Node),
        "deployment" => value_at::<DeploymentSel>(inner, &ip, errors).map(Selector::Deployment),
        "gang" => value_at::<GangSel>(inner, &ip, errors).map(Selector::Gang),
        "replica" => value_at::<ReplicaSel>(inner, &ip, errors).map(Selector::Replica),
        "pg" => value_at::<GangSel>(inner, &ip, errors).map(Selector::Pg),
        "event" => value_at::<String>(inner, &ip, errors).map(Selector::Event),
        _ => {
            let names: Vec<&str> = Panel::ALL.iter().map(|p| p.name()).collect();
            match inner.as_str().and_then(|n| Panel::ALL.into_iter().find(|p| p.name() == n)) {
                Some(p) => Some(Selector::Panel(p)),
                None => {
                    let found = inner.as_str().unwrap_or_default();
                    errors.push(ScenarioError::at(
                        ip,
                        format!(
                            "unknown panel {}{}, expected one of {}",
                            describe(inner),
                            did_you_mean(found, &names),
                            ticks(&names)
                        ),
                    ));
                    None
                }
            }
        }
    }
}

fn read_question(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Question> {
    let map = object(value, path, "a question", QUESTION_FIELDS, errors)?;
    let prompt = field(map, "prompt", path, errors).and_then(|v| value_at::<String>(v, &join(path, "prompt"), errors));
    let explain = match map.get("explain") {
        Some(v) => value_at::<String>(v, &join(path, "explain"), errors),
        None => Some(String::new()),
    };
    let op = join(path, "options");
    let mut options = Vec::new();
    let mut ok = true;
    match field(map, "options", path, errors) {
        Some(Value::Array(items)) => {
            for (k, item) in items.iter().enumerate() {
                match read_option(item, &format!("{op}[{k}]"), errors) {
                    Some(o) => options.push(o),
                    None => ok = false,
                }
            }
        }
        Some(other) => {
            errors.push(ScenarioError::at(op, format!("expected an array of options, found {}", describe(other))));
            ok = false;
        }
        None => ok = false,
    }
    ok.then_some(())?;
    Some(Question { prompt: prompt?, options, explain: explain? })
}

fn read_option(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<QuestionOption> {
    let map = object(value, path, "an option", OPTION_FIELDS, errors)?;
    let text = field(map, "text", path, errors).and_then(|v| value_at::<String>(v, &join(path, "text"), errors));
    let holds = field(map, "holds", path, errors).and_then(|v| read_predicate(v, &join(path, "holds"), errors));
    Some(QuestionOption { text: text?, holds: holds? })
}

/// Predicates nest (`all`, `any`, `not`); this deep is more than any question needs.
const MAX_PREDICATE_DEPTH: usize = 16;

fn read_predicate(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Predicate> {
    read_predicate_at(value, path, 0, errors)
}

fn read_predicate_at(value: &Value, path: &str, depth: usize, errors: &mut Vec<ScenarioError>) -> Option<Predicate> {
    if depth > MAX_PREDICATE_DEPTH {
        errors.push(ScenarioError::at(path, format!("predicates nest at most {MAX_PREDICATE_DEPTH} deep")));
        return None;
    }
    let (kind, inner) = tagged(value, path, "a predicate", PREDICATE_KINDS, errors)?;
    let ip = join(path, kind);
    match kind {
        "count" => value_at::<CountPred>(inner, &ip, errors).map(Predicate::Count),
        "replicas" => value_at::<ReplicasPred>(inner, &ip, errors).map(Predicate::Replicas),
        "deployment_status" => value_at::<StatusPred>(inner, &ip, errors).map(Predicate::DeploymentStatus),
        "gang_nodes" => value_at::<GangNodesPred>(inner, &ip, errors).map(Predicate::GangNodes),
        "same_gang_survives" => value_at::<GangSel>(inner, &ip, errors).map(Predicate::SameGangSurvives),
        "pgs" => value_at::<PgsPred>(inner, &ip, errors).map(Predicate::Pgs),
        "target_replicas" => value_at::<TargetPred>(inner, &ip, errors).map(Predicate::TargetReplicas),
        "not" => read_predicate_at(inner, &ip, depth + 1, errors).map(|p| Predicate::Not(Box::new(p))),
        _ => {
            let Value::Array(items) = inner else {
                errors
                    .push(ScenarioError::at(ip, format!("expected an array of predicates, found {}", describe(inner))));
                return None;
            };
            let mut out = Vec::new();
            let mut ok = true;
            for (k, item) in items.iter().enumerate() {
                match read_predicate_at(item, &format!("{ip}[{k}]"), depth + 1, errors) {
                    Some(p) => out.push(p),
                    None => ok = false,
                }
            }
            ok.then_some(if kind == "all" { Predicate::All(out) } else { Predicate::Any(out) })
        }
    }
}
