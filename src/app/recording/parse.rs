//! Reading a recording from JSON text: every problem with its field path, in the scenario loader's style
//! ([`ScenarioError`]), e.g. `samples[3].applications[0].deployments[0].replicas[1].state: unknown state "RUNING"
//! (did you mean `RUNNING`?)`.
//!
//! Gates: size; JSON syntax (line, column); the format tag; the shape (serde, with the path of the first
//! mismatch); then meaning, every problem at once: Ray's state names, node ids the cluster table knows, times in
//! order, bundles and their nodes of the same length, event kinds.
use super::format::{RECORDING_FORMAT, Recording, Sample};
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::scenario::{ScenarioError, describe, did_you_mean};
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// A long recording at a short period is large; beyond this it is refused rather than freezing a page.
pub const MAX_RECORDING_BYTES: usize = 64 * 1024 * 1024;
/// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// Ray Serve's `ReplicaState` names as the Serve details report them.
pub const REPLICA_STATES: &[(&str, ReplicaState)] = &[
    ("STARTING", ReplicaState::Starting),
    ("UPDATING", ReplicaState::Updating),
    ("RECOVERING", ReplicaState::Recovering),
    ("RUNNING", ReplicaState::Running),
    ("STOPPING", ReplicaState::Stopping),
    ("PENDING_MIGRATION", ReplicaState::PendingMigration),
    ("STOPPED", ReplicaState::Stopped),
];
pub const DEPLOYMENT_STATUSES: &[(&str, DeploymentStatus)] = &[
    ("UPDATING", DeploymentStatus::Updating),
    ("HEALTHY", DeploymentStatus::Healthy),
    ("UNHEALTHY", DeploymentStatus::Unhealthy),
    ("DEPLOY_FAILED", DeploymentStatus::DeployFailed),
    ("UPSCALING", DeploymentStatus::Upscaling),
    ("DOWNSCALING", DeploymentStatus::Downscaling),
];
pub const DEPLOYMENT_TRIGGERS: &[(&str, DeploymentStatusTrigger)] = &[
    ("UNSPECIFIED", DeploymentStatusTrigger::Unspecified),
    ("CONFIG_UPDATE_STARTED", DeploymentStatusTrigger::ConfigUpdateStarted),
    ("CONFIG_UPDATE_COMPLETED", DeploymentStatusTrigger::ConfigUpdateCompleted),
    ("UPSCALE_COMPLETED", DeploymentStatusTrigger::UpscaleCompleted),
    ("DOWNSCALE_COMPLETED", DeploymentStatusTrigger::DownscaleCompleted),
    ("AUTOSCALING", DeploymentStatusTrigger::Autoscaling),
    ("REPLICA_STARTUP_FAILED", DeploymentStatusTrigger::ReplicaStartupFailed),
    ("HEALTH_CHECK_FAILED", DeploymentStatusTrigger::HealthCheckFailed),
    ("INTERNAL_ERROR", DeploymentStatusTrigger::InternalError),
    ("DELETING", DeploymentStatusTrigger::Deleting),
];
pub const APPLICATION_STATUSES: &[(&str, ApplicationStatus)] = &[
    ("NOT_STARTED", ApplicationStatus::NotStarted),
    ("DEPLOYING", ApplicationStatus::Deploying),
    ("RUNNING", ApplicationStatus::Running),
    ("UNHEALTHY", ApplicationStatus::Unhealthy),
    ("DEPLOY_FAILED", ApplicationStatus::DeployFailed),
    ("DELETING", ApplicationStatus::Deleting),
];
/// Ray's placement-group states; PREPARED (the first phase of Ray's two-phase commit) is drawn as PENDING.
pub const PG_STATES: &[(&str, PlacementGroupState)] = &[
    ("PENDING", PlacementGroupState::Pending),
    ("PREPARED", PlacementGroupState::Pending),
    ("CREATED", PlacementGroupState::Created),
    ("RESCHEDULING", PlacementGroupState::Rescheduling),
    ("REMOVED", PlacementGroupState::Removed),
];
const PG_STRATEGIES: &[&str] = &["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"];
/// The event kinds of v1 (`docs/recording-format.md`).
pub const EVENT_KINDS: &[&str] = &[
    "node_added",
    "node_dead",
    "controller_down",
    "controller_up",
    "app_added",
    "replica_added",
    "replica_state",
    "replica_removed",
    "replica_actor_died",
    "pg_created",
    "pg_state",
    "pg_removed",
    "deployment_status",
    "target_changed",
    "app_status",
    "app_deleted",
    "deployment_added",
    "deployment_deleted",
];

fn lookup<T: Copy>(table: &[(&str, T)], s: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == s).map(|(_, v)| *v)
}
pub fn replica_state(s: &str) -> Option<ReplicaState> {
    lookup(REPLICA_STATES, s)
}
pub fn deployment_status(s: &str) -> Option<DeploymentStatus> {
    lookup(DEPLOYMENT_STATUSES, s)
}
pub fn deployment_trigger(s: &str) -> Option<DeploymentStatusTrigger> {
    lookup(DEPLOYMENT_TRIGGERS, s)
}
pub fn application_status(s: &str) -> Option<ApplicationStatus> {
    lookup(APPLICATION_STATUSES, s)
}
pub fn pg_state(s: &str) -> Option<PlacementGroupState> {
    lookup(PG_STATES, s)
}
pub fn pg_strategy(s: &str) -> Option<PlacementStrategy> {
    PlacementStrategy::parse(s)
}

/// Whether a text is meant as a recording (so a file import can route it here): it names the recording format.
pub fn looks_like_recording(text: &str) -> bool {
    crate::app::document::names_format(text, RECORDING_FORMAT)
}

/// Parse and check a recording: the recording, or every problem found with its field path.
pub fn parse_recording(text: &str) -> Result<Recording, Vec<ScenarioError>> {
    let text = crate::app::document::checked_text(text, "recording", RECORDING_FORMAT, MAX_RECORDING_BYTES, "64 MiB")?;
    let value: Value = serde_json::from_str(text).map_err(|e| vec![crate::model::scenario::syntax_error(&e)])?;
    let Value::Object(body) = &value else {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "a recording must be a JSON object ({{\"format\": \"{RECORDING_FORMAT}\", ...}}), found {}",
                describe(&value)
            ),
        )]);
    };
    match body.get("format") {
        Some(Value::String(f)) if f == RECORDING_FORMAT => {}
        Some(Value::String(other)) => {
            return Err(vec![ScenarioError::at(
                "format",
                format!("unsupported format \"{other}\"; this version of Gangplank reads \"{RECORDING_FORMAT}\""),
            )]);
        }
        Some(other) => {
            return Err(vec![ScenarioError::at(
                "format",
                format!("expected the string \"{RECORDING_FORMAT}\", found {}", describe(other)),
            )]);
        }
        None => {
            return Err(vec![ScenarioError::at(
                "format",
                format!("missing: a recording starts with \"format\": \"{RECORDING_FORMAT}\""),
            )]);
        }
    }
    // serde's own reading is fast; the path-tracking one (slow on an hour of samples) runs only to say where a
    // shape error is.
    let mut recording: Recording = match Recording::deserialize(&value) {
        Ok(r) => r,
        Err(_) => {
            return Err(vec![
                ScenarioError::deserialize_value::<Recording>(&value)
                    .err()
                    .unwrap_or_else(|| ScenarioError::at("", "the recording's shape is not gangplank.recording/v1")),
            ]);
        }
    };
    keep_last_known_state(&mut recording, &value);
    let mut problems = Problems::default();
    check(&recording, &mut problems);
    if problems.list.is_empty() { Ok(recording) } else { Err(problems.finish()) }
}

/// A section the recorder could not read in a sample is null in the file (read as empty): the last known state
/// stands, so it is the previous sample's (empty before the first sample that read it).
fn keep_last_known_state(recording: &mut Recording, value: &Value) {
    let Some(samples) = value.get("samples").and_then(Value::as_array) else { return };
    for (i, raw) in samples.iter().enumerate().skip(1) {
        let unread = |section: &str| raw.get(section).is_some_and(Value::is_null);
        let (before, from_i) = recording.samples.split_at_mut(i);
        let (last, this) = (&before[i - 1], &mut from_i[0]);
        if unread("nodes") {
            this.nodes = last.nodes.clone();
        }
        if unread("applications") {
            this.applications = last.applications.clone();
        }
        if unread("placement_groups") {
            this.placement_groups = last.placement_groups.clone();
        }
    }
}

#[derive(Default)]
struct Problems {
    list: Vec<ScenarioError>,
}

impl Problems {
    fn at(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(ScenarioError::at(path, message));
    }

    /// `what "x"` must be one of `table`'s names.
    fn name<T: Copy>(&mut self, path: String, what: &str, found: &str, table: &[(&str, T)]) {
        let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        self.one_of(path, what, found, &names);
    }

    fn one_of(&mut self, path: String, what: &str, found: &str, names: &[&str]) {
        if !names.contains(&found) {
            let hint = did_you_mean(found, names);
            let listed =
                if hint.is_empty() { format!("; expected one of {}", names.join(", ")) } else { String::new() };
            self.at(path, format!("unknown {what} \"{found}\"{hint}{listed}"));
        }
    }

    fn finish(mut self) -> Vec<ScenarioError> {
        if self.list.len() > MAX_PROBLEMS {
            let more = self.list.len() - MAX_PROBLEMS;
            self.list.truncate(MAX_PROBLEMS);
            self.list.push(ScenarioError::at(
                "",
                format!("... and {more} more problem(s) not shown; fix the ones above first"),
            ));
        }
        self.list
    }
}

fn time_ok(p: &mut Problems, path: String, t: f64) -> bool {
    if !t.is_finite() || t < 0.0 {
        p.at(path, format!("expected seconds since the recording started (0 or more), found {t}"));
        return false;
    }
    true
}

fn check(r: &Recording, p: &mut Problems) {
    if r.ray_version.trim().is_empty() {
        p.at("ray_version", "must not be empty (the Ray version the recording was made with, e.g. \"2.60.0\")");
    }
    time_ok(p, "duration_s".into(), r.duration_s);
    if let Some(period) = r.recorder.period_s
        && !(period.is_finite() && period > 0.0)
    {
        p.at("recorder.period_s", format!("expected a period above 0 seconds, found {period}"));
    }
    let mut ids = BTreeSet::new();
    let mut aliases = BTreeSet::new();
    for (i, n) in r.cluster.nodes.iter().enumerate() {
        if !ids.insert(n.node_id.as_str()) {
            p.at(format!("cluster.nodes[{i}].node_id"), format!("node id \"{}\" is listed twice", n.node_id));
        }
        if n.alias.is_empty() {
            p.at(format!("cluster.nodes[{i}].alias"), "must not be empty (head, w1, w2, ...)");
        } else if !aliases.insert(n.alias.as_str()) {
            p.at(format!("cluster.nodes[{i}].alias"), format!("alias \"{}\" is given to two nodes", n.alias));
        }
        for (k, v) in &n.resources {
            if !(v.is_finite() && *v >= 0.0) {
                p.at(
                    format!("cluster.nodes[{i}].resources.{k}"),
                    format!("expected an amount of 0 or more, found {v}"),
                );
            }
        }
    }
    if r.samples.is_empty() {
        p.at("samples", "a recording needs at least one sample");
    }
    let mut last = 0.0;
    for (i, s) in r.samples.iter().enumerate() {
        let path = format!("samples[{i}]");
        if time_ok(p, format!("{path}.t"), s.t) {
            if s.t < last {
                p.at(
                    format!("{path}.t"),
                    format!("{} is before the previous sample's {last}: samples must be in time order", s.t),
                );
            }
            last = s.t;
        }
        sample(s, &path, &ids, p);
    }
    let mut last = 0.0;
    for (i, e) in r.events.iter().enumerate() {
        let path = format!("events[{i}]");
        if time_ok(p, format!("{path}.t"), e.t) {
            if e.t < last {
                p.at(
                    format!("{path}.t"),
                    format!("{} is before the previous event's {last}: events must be in time order", e.t),
                );
            }
            last = e.t;
        }
        p.one_of(format!("{path}.kind"), "event kind", &e.kind, EVENT_KINDS);
        if let Some(node) = &e.node
            && !aliases.contains(node.as_str())
        {
            p.at(
                format!("{path}.node"),
                format!(
                    "unknown node \"{node}\"{}: events name nodes by the cluster table's alias",
                    did_you_mean(node, &aliases.iter().copied().collect::<Vec<_>>())
                ),
            );
        }
        if e.kind == "replica_state" || e.kind == "replica_added" || e.kind == "replica_removed" {
            for (key, v) in [("from", e.from_text()), ("to", e.to_text())] {
                if let Some(v) = v {
                    p.name(format!("{path}.{key}"), "state", &v, REPLICA_STATES);
                }
            }
        }
    }
}

fn node_known(p: &mut Problems, path: String, id: &str, ids: &BTreeSet<&str>) {
    if !ids.contains(id) {
        p.at(path, format!("unknown node id \"{id}\": every node a sample names must be in cluster.nodes"));
    }
}

fn sample(s: &Sample, path: &str, ids: &BTreeSet<&str>, p: &mut Problems) {
    for (i, n) in s.nodes.iter().enumerate() {
        node_known(p, format!("{path}.nodes[{i}].node_id"), &n.node_id, ids);
    }
    for (a, app) in s.applications.iter().enumerate() {
        let ap = format!("{path}.applications[{a}]");
        p.name(format!("{ap}.status"), "application status", &app.status, APPLICATION_STATUSES);
        for (d, dep) in app.deployments.iter().enumerate() {
            let dp = format!("{ap}.deployments[{d}]");
            p.name(format!("{dp}.status"), "deployment status", &dep.status, DEPLOYMENT_STATUSES);
            if let Some(t) = &dep.status_trigger {
                p.name(format!("{dp}.status_trigger"), "status trigger", t, DEPLOYMENT_TRIGGERS);
            }
            let mut seen = BTreeSet::new();
            for (k, r) in dep.replicas.iter().enumerate() {
                let rp = format!("{dp}.replicas[{k}]");
                if !seen.insert(r.replica_id.as_str()) {
                    p.at(
                        format!("{rp}.replica_id"),
                        format!("replica \"{}\" is listed twice in this sample", r.replica_id),
                    );
                }
                p.name(format!("{rp}.state"), "state", &r.state, REPLICA_STATES);
                if let Some(n) = &r.node_id {
                    node_known(p, format!("{rp}.node_id"), n, ids);
                }
                if let (Some(rank), Some(ws)) = (r.rank, r.world_size)
                    && rank >= ws
                {
                    p.at(format!("{rp}.rank"), format!("rank {rank} is not below world_size {ws}"));
                }
            }
        }
    }
    for (g, pg) in s.placement_groups.iter().enumerate() {
        let gp = format!("{path}.placement_groups[{g}]");
        p.name(format!("{gp}.state"), "placement group state", &pg.state, PG_STATES);
        if let Some(st) = &pg.strategy {
            p.one_of(format!("{gp}.strategy"), "strategy", st, PG_STRATEGIES);
        }
        if !pg.bundle_nodes.is_empty() && pg.bundle_nodes.len() != pg.bundles.len() {
            p.at(
                format!("{gp}.bundle_nodes"),
                format!(
                    "{} entries for {} bundles: one node (or null) per bundle",
                    pg.bundle_nodes.len(),
                    pg.bundles.len()
                ),
            );
        }
        for (b, n) in pg.bundle_nodes.iter().enumerate() {
            if let Some(n) = n {
                node_known(p, format!("{gp}.bundle_nodes[{b}]"), n, ids);
            }
        }
    }
}
