//! What the model looks like at one moment: plain data for the UI, the CLI and the trace's `final` block.
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use crate::model::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Snapshot {
    #[serde(rename = "t_s", serialize_with = "crate::model::time::serialize_secs")]
    pub t: SimTime,
    pub tick: u64,
    pub nodes: Vec<NodeView>,
    pub placement_groups: Vec<PlacementGroupView>,
    pub replicas: Vec<ReplicaView>,
    pub deployments: Vec<DeploymentView>,
    pub applications: Vec<ApplicationView>,
    pub controller: ControllerView,
    /// How many invariant violations the run has recorded so far.
    pub violations: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub id: String,
    pub is_head: bool,
    /// False once the GCS declared it dead.
    pub alive: bool,
    /// Its processes died but the GCS has not declared it dead yet.
    pub killed: bool,
    pub resources: Resources,
    pub available: Resources,
    /// Reserved by placement-group bundles on this node.
    pub reserved: Resources,
    /// Used by live replica actors (inside bundles or directly on the node).
    pub used: Resources,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BundleView {
    pub index: usize,
    pub resources: Resources,
    pub node: Option<String>,
    /// The replica actor pinned to this bundle, if any.
    pub replica: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacementGroupView {
    pub id: String,
    pub name: String,
    pub state: PlacementGroupState,
    pub strategy: PlacementStrategy,
    pub bundles: Vec<BundleView>,
    pub app: String,
    pub deployment: String,
    pub gang_id: Option<String>,
    /// For PENDING / RESCHEDULING: why the GCS cannot place it now.
    pub pending_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaView {
    pub id: String,
    pub app: String,
    pub deployment: String,
    pub state: ReplicaState,
    /// For STARTING / UPDATING / RECOVERING.
    pub startup: Option<ReplicaStartupStatus>,
    pub node: Option<String>,
    pub pg_name: Option<String>,
    pub bundle_index: Option<usize>,
    pub gang_context: Option<GangContext>,
    pub consecutive_health_failures: u32,
    /// The actor process is alive (the controller may not know yet that it is not).
    pub actor_alive: bool,
    /// For STOPPING: whether the stop is graceful (drain) or forced.
    pub graceful_stop: Option<bool>,
    /// Position among the deployment's gangs (oldest first) or, for non-gang replicas, among its replicas.
    pub position: u32,
    #[serde(serialize_with = "crate::model::time::serialize_secs")]
    pub since: SimTime,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentView {
    pub app: String,
    pub name: String,
    pub status: DeploymentStatus,
    pub status_trigger: DeploymentStatusTrigger,
    pub message: String,
    pub target_num_replicas: u32,
    pub running: u32,
    pub starting: u32,
    pub recovering: u32,
    pub stopping: u32,
    pub gang_size: Option<u32>,
    pub strategy: Option<PlacementStrategy>,
    pub failure_count: u32,
    pub failure_threshold: u32,
    pub gang_restarts: u32,
    pub deleting: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplicationView {
    pub name: String,
    pub status: ApplicationStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ControllerView {
    pub alive: bool,
    pub incarnation: u32,
    /// Alive, and some replica is still RECOVERING after its restart.
    pub recovering: bool,
    /// When it comes back, while it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_at_s: Option<f64>,
    /// The cluster-state queries it makes fail until this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_queries_fail_until_s: Option<f64>,
}
