//! The replica lifecycle: Ray's `ReplicaState`, the start-up sub-status, and `GangContext`.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplicaState {
    Starting,
    Updating,
    Recovering,
    Running,
    Stopping,
    PendingMigration,
    /// Fully stopped: the replica has left the controller's table (Ray keeps it only for the dashboard).
    Stopped,
}

impl ReplicaState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaState::Starting => "STARTING",
            ReplicaState::Updating => "UPDATING",
            ReplicaState::Recovering => "RECOVERING",
            ReplicaState::Running => "RUNNING",
            ReplicaState::Stopping => "STOPPING",
            ReplicaState::PendingMigration => "PENDING_MIGRATION",
            ReplicaState::Stopped => "STOPPED",
        }
    }
}

/// Ray's `ReplicaStartupStatus`, the sub-steps of STARTING.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplicaStartupStatus {
    /// The actor is not placed yet (e.g. its placement group is not CREATED).
    PendingAllocation,
    /// Placed; the constructor and initial health check are running.
    PendingInitialization,
    Succeeded,
    Failed,
}

impl ReplicaStartupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaStartupStatus::PendingAllocation => "PENDING_ALLOCATION",
            ReplicaStartupStatus::PendingInitialization => "PENDING_INITIALIZATION",
            ReplicaStartupStatus::Succeeded => "SUCCEEDED",
            ReplicaStartupStatus::Failed => "FAILED",
        }
    }
}

/// What a gang member knows about its gang (`ray.serve.gang.GangContext`). Minted before any member starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GangContext {
    pub gang_id: String,
    pub rank: u32,
    pub world_size: u32,
    /// Ordered by rank; identical in every member.
    pub member_replica_ids: Vec<String>,
    pub pg_name: String,
}
