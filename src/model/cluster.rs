//! The cluster as Ray's GCS sees it: nodes, their resources and labels, and liveness.
use crate::model::resources::Resources;
use crate::model::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    pub id: String,
    pub is_head: bool,
    pub resources: Resources,
    /// What is left after bundles reserved here and actors placed outside any bundle.
    pub available: Resources,
    pub labels: BTreeMap<String, String>,
    /// When its processes died (`kill_node`); the GCS only notices at `dead_at`.
    pub killed_at: Option<SimTime>,
    /// Declared dead by the GCS: its bundles are lost and nothing may live on it.
    pub dead: bool,
    /// Order in which the node joined (draw order, tie-breaks).
    pub joined_seq: u32,
    /// Ray's DrainNode was accepted for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draining: Option<NodeDrain>,
}

/// Ray's `DrainNodeReason` (`autoscaler.proto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DrainReason {
    /// `DRAIN_NODE_REASON_PREEMPTION`: the node goes away at the deadline (a spot instance), idle or not.
    #[serde(rename = "DRAIN_NODE_REASON_PREEMPTION")]
    Preemption,
    /// `DRAIN_NODE_REASON_IDLE_TERMINATION`: the autoscaler removes an idle node; the raylet refuses if it is busy.
    #[serde(rename = "DRAIN_NODE_REASON_IDLE_TERMINATION")]
    IdleTermination,
}

impl DrainReason {
    pub const ALL: [DrainReason; 2] = [DrainReason::Preemption, DrainReason::IdleTermination];
    pub fn as_str(self) -> &'static str {
        match self {
            DrainReason::Preemption => "DRAIN_NODE_REASON_PREEMPTION",
            DrainReason::IdleTermination => "DRAIN_NODE_REASON_IDLE_TERMINATION",
        }
    }
    pub fn parse(s: &str) -> Option<DrainReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An accepted drain request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeDrain {
    pub reason: DrainReason,
    pub message: String,
    /// When the node will be force-killed (`deadline_timestamp_ms`); `None`: no deadline (GCS's 0).
    #[serde(serialize_with = "crate::model::time::serialize_opt_secs")]
    pub deadline: Option<SimTime>,
    #[serde(serialize_with = "crate::model::time::serialize_secs")]
    pub since: SimTime,
}

impl Node {
    /// The GCS places new bundles and actors only on nodes it believes alive, that still report resources, and
    /// that are not draining (Ray's scheduling policies skip draining nodes).
    pub fn schedulable(&self) -> bool {
        self.alive() && self.draining.is_none()
    }
    /// Its processes run (it may be draining).
    pub fn alive(&self) -> bool {
        !self.dead && self.killed_at.is_none()
    }
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        selector.iter().all(|(k, v)| self.labels.get(k) == Some(v))
    }
}

/// All nodes, in the order they joined, with an index by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    index: BTreeMap<String, usize>,
}

impl Cluster {
    pub fn new(nodes: Vec<Node>) -> Cluster {
        let index = nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        Cluster { nodes, index }
    }
    pub fn push(&mut self, node: Node) {
        self.index.insert(node.id.clone(), self.nodes.len());
        self.nodes.push(node);
    }
    /// Remove the node at `idx` (the GCS's dead-node cache evicted it): later nodes move down one index.
    pub fn remove(&mut self, idx: usize) -> Node {
        let node = self.nodes.remove(idx);
        self.index = self.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        node
    }
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index_of(id).map(|i| &self.nodes[i])
    }
    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.index_of(id).map(|i| &mut self.nodes[i])
    }
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
    pub fn head_id(&self) -> &str {
        self.nodes.iter().find(|n| n.is_head).map(|n| n.id.as_str()).unwrap_or("head")
    }
}
