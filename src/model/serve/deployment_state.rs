//! One deployment as the controller tracks it (Ray's `DeploymentState`): config and target (checkpointed), its
//! replicas (one table with a state per replica, where Ray keeps a `ReplicaStateContainer` of lists by state; the
//! order within a state is the same), the failure counter, status, and gang reservations. The steps that act on
//! it are in `check_replicas.rs`, `check_health.rs`, `scale.rs`, `deployment_status.rs` and `transitions.rs`.
use crate::model::placement::PlacementStrategy;
use crate::model::resources::Resources;
use crate::model::serve::health::HealthState;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::{DeploymentStatus, DeploymentStatusTrigger};
use crate::model::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// MAX_PER_REPLICA_RETRY_COUNT.
pub const MAX_PER_REPLICA_RETRY_COUNT: u32 = 3;
/// GANG_PG_NAME_PREFIX.
pub const GANG_PG_NAME_PREFIX: &str = "SERVE_GANG::";
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
    pub config: DeploymentConfig,
    pub target: u32,
    pub deleting: bool,
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
}

impl DeploymentState {
    pub fn new(config: DeploymentConfig, target: u32, now: SimTime) -> DeploymentState {
        DeploymentState {
            config,
            target,
            deleting: false,
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
        }
    }

    /// What survives a controller crash (the checkpoint), with fresh runtime state.
    pub fn recovered_from_checkpoint(&self, now: SimTime) -> DeploymentState {
        let mut d = DeploymentState::new(self.config.clone(), self.target, now);
        d.deleting = self.deleting;
        if self.deleting {
            d.trigger = DeploymentStatusTrigger::Deleting;
        }
        d.gang_restarts = self.gang_restarts;
        d
    }

    pub fn count(&self, states: &[ReplicaState]) -> u32 {
        self.replicas.iter().filter(|r| states.contains(&r.state)).count() as u32
    }

    /// Ray's `_num_replicas_to_start` ignoring surge: target minus STARTING, UPDATING, RUNNING, RECOVERING.
    pub fn num_replicas_to_start(&self) -> u32 {
        if self.terminally_failed() {
            return 0;
        }
        let current = self.count(&[
            ReplicaState::Starting,
            ReplicaState::Updating,
            ReplicaState::Running,
            ReplicaState::Recovering,
        ]);
        self.target.saturating_sub(current)
    }

    /// `_failed_to_start_threshold` = min(max_constructor_retry_count, target × 3).
    pub fn failure_threshold(&self) -> u32 {
        self.config.max_constructor_retry_count.min(self.target.saturating_mul(MAX_PER_REPLICA_RETRY_COUNT))
    }

    /// `_terminally_failed`: past the threshold with no target-version replica ever RUNNING since the deploy.
    pub fn terminally_failed(&self) -> bool {
        self.target > 0 && self.failure_count >= self.failure_threshold() && !self.replica_has_started
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
