//! Every decision the model makes is an [`Event`]: structured fields plus a sentence saying why.
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use crate::model::time::SimTime;
use serde::Serialize;

/// One recorded decision or happening.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Position in the run's event list (stable across replays of the same run).
    pub seq: u64,
    #[serde(rename = "t_s", serialize_with = "crate::model::time::serialize_secs")]
    pub t: SimTime,
    /// Control-loop tick number: `t / control_loop_interval`.
    pub tick: u64,
    #[serde(flatten)]
    pub kind: EventKind,
    /// A sentence a person can read: what happened and why.
    pub reason: String,
    /// The event that caused this one (a teardown points at the failure that decided it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<u64>,
}

/// What a node went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeChange {
    Added,
    /// Ray's DrainNode was accepted: nothing new is scheduled on it.
    Draining,
    /// Its processes died; the GCS has not noticed yet.
    Killed,
    /// The GCS declared it dead: its bundles are lost.
    Dead,
    /// The GCS dropped it from its cache of dead nodes (`maximum_gcs_dead_node_cached_count`): no longer listed.
    Evicted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerChange {
    Crashed,
    Started,
    Recovered,
}

/// Why a gang is torn down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TeardownCause {
    /// A member failed `health_check_failure_threshold` health checks in a row.
    HealthCheckFailed,
    /// A member's actor died (detected by its health check).
    ActorCrashed,
    /// A member's constructor failed while the gang was starting.
    StartupFailed,
    /// A member lists a sibling the controller no longer tracks (e.g. it died while the controller was down).
    IncompleteGang,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthCheckResult {
    AppFailure,
    Timeout,
    ActorCrashed,
    Recovered,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A scenario or user action, applied or skipped.
    Action {
        #[serde(rename = "do")]
        action: String,
        applied: bool,
        /// A call to the controller made while it was down: it waits for the restarted controller.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        queued: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    ReplicaState {
        replica: String,
        app: String,
        deployment: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        gang_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rank: Option<u32>,
        from: Option<ReplicaState>,
        to: ReplicaState,
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<String>,
    },
    PgState {
        name: String,
        strategy: PlacementStrategy,
        from: Option<PlacementGroupState>,
        to: PlacementGroupState,
        /// Where each bundle sits (null: not placed).
        bundle_nodes: Vec<Option<String>>,
    },
    DeploymentStatus {
        app: String,
        deployment: String,
        from: Option<DeploymentStatus>,
        to: DeploymentStatus,
        status_trigger: DeploymentStatusTrigger,
        message: String,
    },
    AppStatus {
        app: String,
        from: Option<ApplicationStatus>,
        to: ApplicationStatus,
    },
    Node {
        node: String,
        change: NodeChange,
        #[serde(skip_serializing_if = "Option::is_none")]
        resources: Option<Resources>,
    },
    Controller {
        change: ControllerChange,
        incarnation: u32,
    },
    HealthCheck {
        replica: String,
        app: String,
        deployment: String,
        result: HealthCheckResult,
        consecutive_failures: u32,
    },
    GangReserved {
        app: String,
        deployment: String,
        gang_id: String,
        pg_name: String,
        members: Vec<String>,
    },
    ReservationFailed {
        app: String,
        deployment: String,
        error: String,
    },
    GangTeardown {
        app: String,
        deployment: String,
        gang_id: String,
        members: Vec<String>,
        /// Why (written `teardown_cause`: every event's `cause` is the seq of the event that caused it).
        #[serde(rename = "teardown_cause")]
        cause: TeardownCause,
        /// The member whose failure decided the teardown.
        #[serde(skip_serializing_if = "Option::is_none")]
        failed_member: Option<String>,
    },
    StartupFailure {
        app: String,
        deployment: String,
        replica: String,
        failure_count: u32,
        threshold: u32,
    },
    LeakDetected {
        name: String,
        gang: bool,
    },
    LeakDetectionSkipped {
        error: String,
    },
    /// A rolling-update batch (`_stop_or_update_outdated_version_replicas`, or a surge rollout's pick).
    Rollout {
        app: String,
        deployment: String,
        /// The version the batch moves to.
        to_version: String,
        /// Old replicas stopped (whole gangs for a gang deployment).
        stopped: Vec<String>,
        /// Gangs among them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        gangs: Vec<String>,
        /// Replicas updated in place (a lightweight change).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        reconfigured: Vec<String>,
        /// The batch size the stop was bounded by (`_rollout_size`).
        batch: u32,
    },
    /// Replicas (a whole gang, for a gang deployment) moved to PENDING_MIGRATION because a node they run on drains.
    Migration {
        app: String,
        deployment: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        gang_id: Option<String>,
        replicas: Vec<String>,
        /// The draining nodes that hold them.
        nodes: Vec<String>,
    },
    /// The autoscaler changed a deployment's target (`DeploymentState.autoscale`).
    Autoscale {
        app: String,
        deployment: String,
        from: u32,
        to: u32,
        /// The aggregated ongoing + queued requests the decision was based on.
        total_num_requests: f64,
    },
    /// Requests failed: a replica left with requests in flight, or the callers' queues overflowed.
    RequestsFailed {
        app: String,
        deployment: String,
        /// How many (the flow model's count, rounded; at least 1).
        requests: u64,
        /// `actor_died` (the replica's process or node died, or it was force-stopped), `graceful_shutdown_timeout`
        /// (in flight longer than the replica's graceful shutdown allowed), `backpressure` (`max_queued_requests`
        /// reached: `BackPressureError`), `deployment_deleted`.
        failure: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        replicas: Vec<String>,
    },
    Violation {
        invariant: String,
    },
}

impl EventKind {
    /// The trace's `kind` string.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Action { .. } => "action",
            EventKind::ReplicaState { .. } => "replica_state",
            EventKind::PgState { .. } => "pg_state",
            EventKind::DeploymentStatus { .. } => "deployment_status",
            EventKind::AppStatus { .. } => "app_status",
            EventKind::Node { .. } => "node",
            EventKind::Controller { .. } => "controller",
            EventKind::HealthCheck { .. } => "health_check",
            EventKind::GangReserved { .. } => "gang_reserved",
            EventKind::ReservationFailed { .. } => "reservation_failed",
            EventKind::GangTeardown { .. } => "gang_teardown",
            EventKind::StartupFailure { .. } => "startup_failure",
            EventKind::LeakDetected { .. } => "leak_detected",
            EventKind::LeakDetectionSkipped { .. } => "leak_detection_skipped",
            EventKind::Rollout { .. } => "rollout",
            EventKind::Migration { .. } => "migration",
            EventKind::Autoscale { .. } => "autoscale",
            EventKind::RequestsFailed { .. } => "requests_failed",
            EventKind::Violation { .. } => "violation",
        }
    }

    /// The replica ids, PG names, node ids, gang ids and deployments this event touches, so a UI can
    /// highlight them.
    pub fn touches(&self) -> Vec<String> {
        match self {
            EventKind::ReplicaState { replica, gang_id, node, .. } => {
                let mut v = vec![replica.clone()];
                v.extend(gang_id.clone());
                v.extend(node.clone());
                v
            }
            EventKind::PgState { name, .. } | EventKind::LeakDetected { name, .. } => vec![name.clone()],
            EventKind::Node { node, .. } => vec![node.clone()],
            EventKind::HealthCheck { replica, .. } | EventKind::StartupFailure { replica, .. } => vec![replica.clone()],
            EventKind::GangReserved { gang_id, pg_name, members, .. } => {
                let mut v = vec![gang_id.clone(), pg_name.clone()];
                v.extend(members.iter().cloned());
                v
            }
            EventKind::GangTeardown { gang_id, members, .. } => {
                let mut v = vec![gang_id.clone()];
                v.extend(members.iter().cloned());
                v
            }
            EventKind::DeploymentStatus { app, deployment, .. }
            | EventKind::Autoscale { app, deployment, .. }
            | EventKind::ReservationFailed { app, deployment, .. } => {
                vec![format!("{app}/{deployment}")]
            }
            EventKind::AppStatus { app, .. } => vec![app.clone()],
            EventKind::Action { target, .. } => target.iter().cloned().collect(),
            EventKind::Rollout { stopped, gangs, reconfigured, .. } => {
                gangs.iter().chain(stopped).chain(reconfigured).cloned().collect()
            }
            EventKind::Migration { gang_id, replicas, nodes, .. } => {
                gang_id.iter().chain(replicas).chain(nodes).cloned().collect()
            }
            EventKind::RequestsFailed { app, deployment, replicas, .. } => {
                let mut v = vec![format!("{app}/{deployment}")];
                v.extend(replicas.iter().cloned());
                v
            }
            _ => Vec::new(),
        }
    }
}
