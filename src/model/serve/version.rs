//! `DeploymentVersion` (Ray 2.60, `serve/_private/version.py`): what a replica was started with, and what a new
//! deploy asks of the replicas already running.
//!
//! Ray hashes the options by their `update_type` (`DeploymentConfig` in `serve/_private/config.py`):
//! - **restart** (`requires_actor_restart`): the code version, `ray_actor_options`, the placement-group options,
//!   `max_replicas_per_node` and `gang_scheduling_config`: old replicas are stopped and new ones started;
//! - **actor reconfigure** (`requires_actor_reconfigure`, `NeedsActorReconfigure`): `user_config`,
//!   `graceful_shutdown_wait_loop_s`, `max_ongoing_requests`, `autoscaling_config` (and `logging_config`, ...,
//!   which the model does not have): `reconfigure()` is called on the running actor, which is UPDATING until it
//!   returns;
//! - **reconfigure** (`NeedsReconfigure`): the health-check and shutdown timings and `max_constructor_retry_count`:
//!   part of the version, updated on the controller's side without touching the actor;
//! - **lightweight**: `num_replicas`, `rolling_update_percentage`, `max_surge_percent`, `max_queued_requests`: not
//!   part of the version.
use crate::model::serve::config::DeploymentConfig;

/// A deployment version: the config a replica was started (or last reconfigured) with. The deployment keeps a
/// table of them (checkpointed with its target); replicas and their actors name an entry by [`VersionId`].
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentVersion {
    /// As the page shows it: the code version, with a counter when the same code version was redeployed with other
    /// options (`v1`, `v1 #2`).
    pub label: String,
    pub config: DeploymentConfig,
}

/// An index into a deployment's version table (stands for the `DeploymentVersion` a replica actor reports).
pub type VersionId = u32;

impl DeploymentVersion {
    /// Ray's `requires_actor_restart`.
    pub fn requires_actor_restart(&self, new: &DeploymentVersion) -> bool {
        requires_actor_restart(&self.config, &new.config)
    }

    /// Ray's `requires_actor_reconfigure`.
    pub fn requires_actor_reconfigure(&self, new: &DeploymentVersion) -> bool {
        let (a, b) = (&self.config, &new.config);
        a.user_config != b.user_config
            || a.graceful_shutdown_wait_loop != b.graceful_shutdown_wait_loop
            || a.max_ongoing_requests != b.max_ongoing_requests
            || a.autoscaling != b.autoscaling
    }
}

/// The options whose change restarts replicas.
pub fn requires_actor_restart(a: &DeploymentConfig, b: &DeploymentConfig) -> bool {
    a.code_version != b.code_version
        || a.actor_resources != b.actor_resources
        || a.bundles != b.bundles
        || a.bundle_label_selectors != b.bundle_label_selectors
        || (a.bundles.is_some() && a.pg_strategy != b.pg_strategy)
        || a.gang != b.gang
}

/// Ray's version equality (`DeploymentVersion.__eq__`: the hash of everything but the lightweight options).
pub fn same_version(a: &DeploymentConfig, b: &DeploymentConfig) -> bool {
    !requires_actor_restart(a, b)
        && a.user_config == b.user_config
        && a.graceful_shutdown_wait_loop == b.graceful_shutdown_wait_loop
        && a.max_ongoing_requests == b.max_ongoing_requests
        && a.autoscaling == b.autoscaling
        && a.health_check_period == b.health_check_period
        && a.health_check_timeout == b.health_check_timeout
        && a.graceful_shutdown_timeout == b.graceful_shutdown_timeout
        && a.max_constructor_retry_count == b.max_constructor_retry_count
}

/// Which options of `new` differ from `old`, in Ray's three kinds: (restart, actor reconfigure, reconfigure,
/// lightweight), each a list of field names, for the narration.
pub fn changed_options(old: &DeploymentConfig, new: &DeploymentConfig) -> [Vec<&'static str>; 4] {
    let mut out: [Vec<&'static str>; 4] = Default::default();
    let mut note = |kind: usize, changed: bool, name: &'static str| {
        if changed {
            out[kind].push(name);
        }
    };
    note(0, old.code_version != new.code_version, "version");
    note(0, old.actor_resources != new.actor_resources, "ray_actor_options");
    note(
        0,
        old.bundles != new.bundles
            || old.bundle_label_selectors != new.bundle_label_selectors
            || (old.bundles.is_some() && old.pg_strategy != new.pg_strategy),
        "placement_group_bundles",
    );
    note(0, old.gang != new.gang, "gang_scheduling_config");
    note(1, old.user_config != new.user_config, "user_config");
    note(1, old.graceful_shutdown_wait_loop != new.graceful_shutdown_wait_loop, "graceful_shutdown_wait_loop_s");
    note(1, old.max_ongoing_requests != new.max_ongoing_requests, "max_ongoing_requests");
    note(1, old.autoscaling != new.autoscaling, "autoscaling_config");
    note(2, old.health_check_period != new.health_check_period, "health_check_period_s");
    note(2, old.health_check_timeout != new.health_check_timeout, "health_check_timeout_s");
    note(2, old.graceful_shutdown_timeout != new.graceful_shutdown_timeout, "graceful_shutdown_timeout_s");
    note(2, old.max_constructor_retry_count != new.max_constructor_retry_count, "max_constructor_retry_count");
    note(3, old.rolling_update_percentage != new.rolling_update_percentage, "rolling_update_percentage");
    note(3, old.max_surge_percent != new.max_surge_percent, "max_surge_percent");
    note(3, old.max_queued_requests != new.max_queued_requests, "max_queued_requests");
    out
}
