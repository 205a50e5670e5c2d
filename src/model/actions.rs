//! Actions are defined by the scenario format; re-exported here for the model's callers.
pub use crate::model::scenario::{Action, ActionKind, DeploymentRef, ReplicaRef, Times};
