//! One deployment as the controller tracks it (Ray's `DeploymentState`): config and target (checkpointed), its
//! replicas (one table with a state per replica, where Ray keeps a `ReplicaStateContainer` of lists by state; the
//! order within a state is the same), the failure counter, status, and gang reservations. The steps that act on
//! it are in `check_replicas.rs`, `check_health.rs`, `scale.rs`, `deployment_status.rs` and `transitions.rs`.
use crate::model::serve::health::HealthState;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::{DeploymentStatus, DeploymentStatusTrigger};
use crate::model::serve::version::{DeploymentVersion, VersionId};
use crate::model::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

/// MAX_PER_REPLICA_RETRY_COUNT.
pub const MAX_PER_REPLICA_RETRY_COUNT: u32 = 3;
/// GANG_PG_NAME_PREFIX.
pub const GANG_PG_NAME_PREFIX: &str = "SERVE_GANG::";
pub use crate::model::serve::config::{DeploymentConfig, GangConfig, SERVE_REPLICA_NAME_PREFIX, replica_actor_name};

#[derive(Clone, Debug, PartialEq)]
pub struct StopState {
    pub graceful: bool,
    /// When the controller force-kills the actor if it has not exited.
    pub kill_at: SimTime,
    pub kill_sent: bool,
}

/// One replica in the controller's table (Ray's `DeploymentReplica`).
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentReplica {
    pub id: String,
    pub state: ReplicaState,
    pub startup: ReplicaStartupStatus,
    /// Its entry in the deployment's version table (for a RECOVERING replica: the target version until it answers,
    /// as in Ray).
    pub version: VersionId,
    /// UPDATING: when its `reconfigure()` call returns.
    pub reconfigure_done_at: Option<SimTime>,
    /// Known from creation for new gang members; for RECOVERING ones only once their metadata returns.
    pub gang_context: Option<GangContext>,
    pub created_at: SimTime,
    pub since: SimTime,
    pub health: HealthState,
    pub stop: Option<StopState>,
    pub recover_ready_at: Option<SimTime>,
    /// For a replica re-attached by a restarted controller: when the previous controller died. Its user callable
    /// can have been initialized only if its actor was allocated before then (`initialize_and_get_metadata` is
    /// called by a live controller), which the `was_initialized` probe of recovery checks.
    pub previous_controller_died_at: Option<SimTime>,
    /// Its place in the order in which the deployment's replicas became RUNNING (the insertion order of Ray's
    /// `DeploymentScheduler._running_replicas`, which a downscale reads).
    pub running_order: u64,
    /// `Gcs::fault_gen` of its deployment when its actor was last seen alive and not failing health checks: while
    /// that has not moved, the actor is still so (a cache that saves looking the actor up; not model state).
    pub actor_ok: Option<u64>,
}

/// A gang the deployment created or recovered: its PG and the members expected in it.
#[derive(Clone, Debug, PartialEq)]
pub struct GangReservation {
    pub pg_name: String,
    pub member_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentState {
    /// The target config (`versions[target_version].config`, plus the lightweight options).
    pub config: DeploymentConfig,
    pub target: u32,
    pub deleting: bool,
    /// Every version deployed so far, oldest first (part of the checkpoint: the target state's version and what the
    /// replica actors report).
    pub versions: Vec<DeploymentVersion>,
    pub target_version: VersionId,
    /// Ray's `DeploymentTargetState.rolling_update`: this deploy replaces replicas of an older version
    /// (`RAY_SERVE_STOP_FAILED_ROLLING_UPDATES`, on by default). Checkpointed.
    pub rolling_update: bool,
    /// `rolling_update_failed`: the new version's replicas reached the start-up failure threshold during a rolling
    /// update; the update is stopped and the old replicas keep serving until a new deploy. Checkpointed.
    pub rolling_update_failed: bool,
    // --- lost when the controller crashes ---
    pub replicas: Vec<DeploymentReplica>,
    pub status: DeploymentStatus,
    pub trigger: DeploymentStatusTrigger,
    pub message: String,
    pub failure_count: u32,
    pub replica_has_started: bool,
    pub reservations: BTreeMap<String, GangReservation>,
    /// Gangs whose teardown was decided; none of their members may be RUNNING at the end of the tick.
    pub torn_down_gangs: BTreeSet<String>,
    pub gang_restarts: u32,
    /// A replica left the table or reached RUNNING since the last incomplete-gang scan (the scan is
    /// needed only then, and skipping it keeps idle ticks cheap).
    pub membership_changed: bool,
    /// Settled (HEALTHY, every replica RUNNING and healthy): the control loop skips it until the GCS or a user
    /// command touches it. Purely a speed-up: a quiet deployment's steps would change nothing.
    pub quiet: bool,
    pub created_at: SimTime,
    pub last_slow_warning: Option<SimTime>,
    /// The control loop may have changed its replicas since the invariant checker last looked (bookkeeping for
    /// `invariants::check`; nothing in the model reads it).
    pub check_dirty: bool,
    /// A replica left the table or a gang reservation was added since the last empty-gang-PG reclaim (which has
    /// nothing to do otherwise).
    pub reclaim_check: bool,
    /// Counts replicas becoming RUNNING (`DeploymentReplica::running_order`).
    pub running_counter: u64,
    /// Every change of the set of RUNNING and PENDING_MIGRATION replicas (Ray's `_broadcasted_replicas_set_changed`),
    /// in order since the last broadcast: (replica, joined). The routers' set follows it (`traffic/routing.rs`), and
    /// the broadcast empties it. Controller memory: a restarted controller starts a new one.
    pub broadcast_changes: Vec<(String, bool)>,
    /// The autoscaler's state, for a deployment with `autoscaling_config` (controller memory: a restarted
    /// controller registers the deployment afresh).
    pub autoscaling: Option<crate::model::serve::autoscaling_state::AutoscalingState>,
}

impl DeploymentState {
    pub fn new(config: DeploymentConfig, target: u32, now: SimTime) -> DeploymentState {
        let versions = vec![DeploymentVersion { label: config.code_version.clone(), config: config.clone() }];
        DeploymentState {
            target,
            deleting: false,
            versions,
            target_version: 0,
            rolling_update: false,
            rolling_update_failed: false,
            replicas: Vec::new(),
            status: DeploymentStatus::Updating,
            trigger: DeploymentStatusTrigger::ConfigUpdateStarted,
            message: String::new(),
            failure_count: 0,
            replica_has_started: false,
            reservations: BTreeMap::new(),
            torn_down_gangs: BTreeSet::new(),
            gang_restarts: 0,
            membership_changed: true,
            quiet: false,
            created_at: now,
            last_slow_warning: None,
            check_dirty: true,
            reclaim_check: true,
            running_counter: 0,
            broadcast_changes: Vec::new(),
            autoscaling: config.autoscaling.clone().map(crate::model::serve::autoscaling_state::AutoscalingState::new),
            config,
        }
    }

    /// What survives a controller crash (the checkpoint), with fresh runtime state.
    pub fn recovered_from_checkpoint(&self, now: SimTime) -> DeploymentState {
        let mut d = DeploymentState::new(self.config.clone(), self.target, now);
        d.deleting = self.deleting;
        d.versions = self.versions.clone();
        d.target_version = self.target_version;
        d.rolling_update = self.rolling_update;
        d.rolling_update_failed = self.rolling_update_failed;
        if self.deleting {
            d.trigger = DeploymentStatusTrigger::Deleting;
        }
        d.gang_restarts = self.gang_restarts;
        d
    }

    pub fn count(&self, states: &[ReplicaState]) -> u32 {
        self.replicas.iter().filter(|r| states.contains(&r.state)).count() as u32
    }

    /// Ray's `_num_replicas_to_start`: the surge allowance during a surge rollout, else the missing replicas;
    /// none after a terminal failure.
    pub fn num_replicas_to_start(&self) -> u32 {
        if self.terminally_failed() {
            return 0;
        }
        let n =
            if self.surge_rollout_in_progress() { self.surge_replicas_to_start() } else { self.target_replica_delta() };
        n.max(0) as u32
    }

    /// `_failed_to_start_threshold` = min(max_constructor_retry_count, target × 3).
    pub fn failure_threshold(&self) -> u32 {
        self.config.max_constructor_retry_count.min(self.target.saturating_mul(MAX_PER_REPLICA_RETRY_COUNT))
    }

    /// `_replica_startup_failing`: the start-up failures reached the threshold.
    pub fn replica_startup_failing(&self) -> bool {
        self.target > 0 && self.failure_count >= self.failure_threshold()
    }

    /// `_terminally_failed`: a failed rolling update, or past the threshold with no target-version replica RUNNING
    /// since the deploy (during a rolling update, even if some did: Ray stops replacing old replicas in the same tick
    /// that reaches the threshold).
    pub fn terminally_failed(&self) -> bool {
        self.rolling_update_failed
            || ((!self.replica_has_started || self.rolling_update) && self.replica_startup_failing())
    }

    /// The target version's entry.
    pub fn target_version(&self) -> &DeploymentVersion {
        &self.versions[self.target_version as usize]
    }

    /// The version of replica `idx`.
    pub fn version_of(&self, idx: usize) -> &DeploymentVersion {
        &self.versions[self.replicas[idx].version as usize]
    }

    /// Replica `idx` is not at the target version and must be restarted to get there.
    pub fn needs_restart(&self, idx: usize) -> bool {
        let v = self.replicas[idx].version;
        v != self.target_version && self.versions[v as usize].requires_actor_restart(self.target_version())
    }

    /// Count replicas in `states` at the target version (`Some(true)`), at another (`Some(false)`), or any.
    pub fn count_version(&self, states: &[ReplicaState], at_target: bool) -> u32 {
        self.replicas
            .iter()
            .filter(|r| states.contains(&r.state) && (r.version == self.target_version) == at_target)
            .count() as u32
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.replicas.iter().position(|r| r.id == id)
    }

    pub fn tracks(&self, id: &str) -> bool {
        self.replicas.iter().any(|r| r.id == id)
    }

    pub fn is_gang(&self) -> bool {
        self.config.gang.is_some()
    }
}
