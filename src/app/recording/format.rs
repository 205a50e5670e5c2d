//! The `gangplank.recording/v1` file's own types (`docs/recording-format.md`), written by the Python recorder
//! (`recorder/`, `python -m gangplank_record`) and read here.
//!
//! Enum-like fields (replica, deployment, application and placement-group states) stay strings so that
//! [`super::parse`] can reject a bad one with its field path and a "did you mean". Unknown keys are ignored: the
//! recorder may add optional fields within v1.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const RECORDING_FORMAT: &str = "gangplank.recording/v1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub format: String,
    pub ray_version: String,
    #[serde(default)]
    pub recorder: RecorderInfo,
    /// Wall clock of t = 0 (ISO 8601, UTC).
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub ended_at: Option<String>,
    pub duration_s: f64,
    /// False on a Ray without gang scheduling: plain replicas only.
    #[serde(default = "yes")]
    pub gangs_supported: bool,
    /// What the recorder could not read, in its words.
    #[serde(default)]
    pub limitations: Vec<String>,
    pub cluster: RecordedCluster,
    #[serde(default)]
    pub applications: Vec<RecordedApplication>,
    pub samples: Vec<Sample>,
    /// Derived by the recorder from consecutive samples, in time order.
    #[serde(default)]
    pub events: Vec<RecordedEvent>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecorderInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub period_s: Option<f64>,
    #[serde(default)]
    pub internal_state: bool,
    #[serde(default)]
    pub app_filter: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordedCluster {
    /// Every node ever seen, aliased head, w1, w2, ... in the order first seen.
    pub nodes: Vec<RecordedNode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedNode {
    pub node_id: String,
    pub alias: String,
    #[serde(default)]
    pub is_head: bool,
    /// Amounts as Ray reports them (floats; `memory` in bytes).
    #[serde(default)]
    pub resources: BTreeMap<String, f64>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedApplication {
    pub name: String,
    #[serde(default)]
    pub route_prefix: Option<String>,
    #[serde(default)]
    pub deployments: Vec<RecordedDeployment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedDeployment {
    pub name: String,
    /// The deployment's config as Serve reports it (`DeploymentSchema` keys; only those present).
    #[serde(default)]
    pub config: Map<String, Value>,
}

/// Ray's own node labels that say nothing a person or the model needs (the node id again).
pub const AUTOMATIC_LABELS: &[&str] = &["ray.io/node-id"];

impl RecordedNode {
    /// The node's labels without Ray's automatic ones.
    pub fn user_labels(&self) -> BTreeMap<String, String> {
        self.labels
            .iter()
            .filter(|(k, _)| !AUTOMATIC_LABELS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The cluster as read at one time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since `started_at`.
    pub t: f64,
    #[serde(default)]
    pub controller: ControllerSample,
    /// The three sections below are null in the file when the recorder could not read them in this sample;
    /// [`super::parse`] then puts the last known state in their place, as `docs/recording-format.md` says.
    #[serde(default, deserialize_with = "unread_as_empty")]
    pub nodes: Vec<NodeSample>,
    #[serde(default, deserialize_with = "unread_as_empty")]
    pub applications: Vec<ApplicationSample>,
    #[serde(default, deserialize_with = "unread_as_empty")]
    pub placement_groups: Vec<PlacementGroupSample>,
    /// What could not be read in this sample.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// A section the recorder could not read (a dashboard request that failed or timed out) is null: read as empty.
fn unread_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Null fields: could not be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ControllerSample {
    #[serde(default)]
    pub alive: Option<bool>,
    #[serde(default)]
    pub actor_id: Option<String>,
    #[serde(default)]
    pub pid: Option<u64>,
    /// Restarts of the controller actor (a restart keeps its actor id).
    #[serde(default)]
    pub num_restarts: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSample {
    pub node_id: String,
    pub alive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationSample {
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub deployments: Vec<DeploymentSample>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentSample {
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub status_trigger: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub target_num_replicas: Option<u32>,
    #[serde(default)]
    pub replicas: Vec<ReplicaSample>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSample {
    pub replica_id: String,
    pub state: String,
    #[serde(default)]
    pub actor_id: Option<String>,
    #[serde(default)]
    pub node_id: Option<String>,
    #[serde(default)]
    pub pid: Option<u64>,
    #[serde(default)]
    pub start_time_s: Option<f64>,
    #[serde(default)]
    pub placement_group_id: Option<String>,
    #[serde(default)]
    pub gang_id: Option<String>,
    #[serde(default)]
    pub rank: Option<u32>,
    #[serde(default)]
    pub world_size: Option<u32>,
    /// The bundle the actor sits in, when the recorder could read it (else the rank is taken for it).
    #[serde(default)]
    pub bundle_index: Option<usize>,
    /// The actor's state in Ray's state API (`ALIVE`, `DEAD`, `PENDING_CREATION`, ...).
    #[serde(default)]
    pub actor_state: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlacementGroupSample {
    pub placement_group_id: String,
    #[serde(default)]
    pub name: String,
    pub state: String,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub bundles: Vec<BTreeMap<String, f64>>,
    /// Node id per bundle; null: not placed.
    #[serde(default)]
    pub bundle_nodes: Vec<Option<String>>,
}

/// One change the recorder saw between consecutive samples. Which fields are set depends on `kind`
/// ([`EVENT_KINDS`](super::parse::EVENT_KINDS)); nodes are named by alias.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub t: f64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// A state, a status, or a target (a number for `target_changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gang_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A placement group's state when it was created (`pg_created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_cause: Option<String>,
    /// Ray's death-cause enum name (`RAY_KILL`, `NODE_DIED`, `WORKER_DIED`, `INTENDED_USER_EXIT`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_reason: Option<String>,
    /// The last Serve state seen before the actor died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve_state: Option<String>,
    /// The recorder's reading: the controller stopped it (true) or something else did (false); null: unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_controller: Option<bool>,
}

impl RecordedEvent {
    /// `from` / `to` as text (a state, a status; a target's number written out).
    pub fn from_text(&self) -> Option<String> {
        self.from.as_ref().map(value_text)
    }
    pub fn to_text(&self) -> Option<String> {
        self.to.as_ref().map(value_text)
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Recording {
    /// The alias of a node id (the id itself when the cluster table does not list it).
    pub fn alias<'a>(&'a self, node_id: &'a str) -> &'a str {
        self.cluster.nodes.iter().find(|n| n.node_id == node_id).map_or(node_id, |n| n.alias.as_str())
    }

    /// The deployment's recorded config, if the recording has it.
    pub fn config(&self, app: &str, deployment: &str) -> Option<&Map<String, Value>> {
        self.applications
            .iter()
            .find(|a| a.name == app)
            .and_then(|a| a.deployments.iter().find(|d| d.name == deployment))
            .map(|d| &d.config)
    }
}
