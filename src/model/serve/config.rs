//! A deployment's config (Ray 2.60, `serve/_private/config.py` `DeploymentConfig`, with the replica config's
//! resources and placement-group options), as the controller checkpoints it. Which options restart replicas and
//! which reconfigure them is in `version.rs`.
use crate::model::placement::PlacementStrategy;
use crate::model::resources::Resources;
use crate::model::time::SimDuration;
use std::collections::BTreeMap;

/// The prefix of replica actor names (and of per-replica placement-group names).
pub const SERVE_REPLICA_NAME_PREFIX: &str = "SERVE_REPLICA::";

/// A replica actor's name, `SERVE_REPLICA::<app>#<deployment>#<id>` (namespace `serve`), which is also the name of
/// its per-replica placement group.
pub fn replica_actor_name(app: &str, deployment: &str, replica_id: &str) -> String {
    format!("{SERVE_REPLICA_NAME_PREFIX}{app}#{deployment}#{replica_id}")
}

#[derive(Clone, Debug, PartialEq)]
pub struct GangConfig {
    pub gang_size: u32,
    pub strategy: PlacementStrategy,
}

/// A deployment's config, as checkpointed by the controller.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentConfig {
    pub app: String,
    pub name: String,
    pub actor_resources: Resources,
    /// `placement_group_bundles`: the per-replica bundle template.
    pub bundles: Option<Vec<Resources>>,
    pub bundle_label_selectors: Option<Vec<BTreeMap<String, String>>>,
    pub pg_strategy: PlacementStrategy,
    pub gang: Option<GangConfig>,
    pub max_constructor_retry_count: u32,
    pub health_check_period: SimDuration,
    pub health_check_timeout: SimDuration,
    pub graceful_shutdown_timeout: SimDuration,
    pub graceful_shutdown_wait_loop: SimDuration,
    /// Ray's `version` (the code version); `v1` when the scenario gives none.
    pub code_version: String,
    /// `user_config`, as canonical JSON text.
    pub user_config: Option<String>,
    /// `rolling_update_percentage` (default 0.2): the share of the target replaced per rolling-update batch.
    pub rolling_update_percentage: f64,
    /// `max_surge_percent` (default 0): extra replicas a rolling update may start before stopping old ones.
    pub max_surge_percent: u32,
    /// `max_ongoing_requests` (default 5): requests one replica runs at once.
    pub max_ongoing_requests: u32,
    /// `max_queued_requests` (default -1, no limit): requests a caller queues before rejecting more.
    pub max_queued_requests: i64,
    /// `autoscaling_config` (or `num_replicas: "auto"`), resolved with Ray's defaults.
    pub autoscaling: Option<crate::model::serve::autoscaling_config::AutoscalingConfig>,
}

impl DeploymentConfig {
    /// The label selector of bundle `i` of the per-replica template: one selector applies to every bundle (as
    /// Serve does), otherwise one per bundle.
    pub fn bundle_selector(&self, i: usize) -> BTreeMap<String, String> {
        match self.bundle_label_selectors.as_deref() {
            Some([one]) => one.clone(),
            Some(all) => all.get(i).cloned().unwrap_or_default(),
            None => BTreeMap::new(),
        }
    }
    pub fn bundles_per_replica(&self) -> usize {
        self.bundles.as_ref().map_or(1, |b| b.len().max(1))
    }
    pub fn label(&self) -> String {
        format!("Deployment(name='{}', app='{}')", self.name, self.app)
    }
    /// A replica actor's name, `SERVE_REPLICA::<app>#<deployment>#<id>`, which is also the name of its
    /// per-replica placement group.
    pub fn replica_actor_name(&self, replica_id: &str) -> String {
        replica_actor_name(&self.app, &self.name, replica_id)
    }
}
