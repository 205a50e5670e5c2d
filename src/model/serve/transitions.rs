//! Replica lifecycle steps of `DeploymentState` (Ray 2.60, `deployment_state.py`): adding a replica
//! (`_add_replica`-style bookkeeping of `scale_deployment_replicas`), state changes, `_stop_replica`, and
//! `record_replica_startup_failure`. Each change is an event with its reason.
use crate::model::events::EventKind;
use crate::model::gcs::{ActorPlacement, ReplicaActor};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentReplica, DeploymentState, StopState};
use crate::model::serve::health::HealthState;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::time::SimDuration;

/// A replica `scale_deployment_replicas` starts: its id, gang context, where its actor asks to run, and why.
pub(super) struct NewReplica {
    pub id: String,
    pub gang_context: Option<GangContext>,
    pub placement: ActorPlacement,
    pub reason: String,
    pub cause: Option<u64>,
}

impl DeploymentState {
    /// Create the replica's actor (detached, namespace `serve`) and track it as STARTING.
    pub(super) fn add_replica(&mut self, new: NewReplica, cx: &mut Ctx) {
        let now = cx.now();
        let NewReplica { id, gang_context, placement, reason, cause } = new;
        debug_assert!(!self.tracks(&id), "replica {id} is already tracked");
        cx.gcs.create_actor(ReplicaActor {
            replica_id: id.clone(),
            app: self.config.app.clone(),
            deployment: self.config.name.clone(),
            resources: self.config.actor_resources.clone(),
            placement,
            node: None,
            alive: true,
            unreachable: false,
            created_seq: 0,
            placed_at: None,
            init_done_at: None,
            init_fails: false,
            gang_context: gang_context.clone(),
            version: self.target_version,
            reconfigure_done_at: None,
            failing_health_checks: None,
            exit_at: None,
            fault_cause: None,
        });
        self.replicas.push(DeploymentReplica {
            id: id.clone(),
            state: ReplicaState::Starting,
            startup: ReplicaStartupStatus::PendingAllocation,
            version: self.target_version,
            reconfigure_done_at: None,
            gang_context: gang_context.clone(),
            created_at: now,
            since: now,
            health: HealthState::default(),
            stop: None,
            recover_ready_at: None,
            previous_controller_died_at: None,
            running_order: 0,
            actor_ok: None,
        });
        cx.log.push_caused(
            self.replica_event(&id, gang_context.as_ref(), None, ReplicaState::Starting, None),
            reason,
            cause,
        );
    }

    /// The `ReplicaState` event of one of this deployment's replicas.
    pub(super) fn replica_event(
        &self,
        id: &str,
        gang: Option<&GangContext>,
        from: Option<ReplicaState>,
        to: ReplicaState,
        node: Option<String>,
    ) -> EventKind {
        EventKind::ReplicaState {
            replica: id.to_string(),
            app: self.config.app.clone(),
            deployment: self.config.name.clone(),
            gang_id: gang.map(|g| g.gang_id.clone()),
            rank: gang.map(|g| g.rank),
            from,
            to,
            node,
        }
    }

    /// Move replica `idx` to `to`, recording why.
    pub(super) fn set_state(&mut self, idx: usize, to: ReplicaState, reason: String, cause: Option<u64>, cx: &mut Ctx) {
        let now = cx.now();
        let from = self.replicas[idx].state;
        debug_assert!(from != to, "replica {} is already {}", self.replicas[idx].id, to.as_str());
        debug_assert!(from != ReplicaState::Stopping, "a STOPPING replica only leaves the table");
        let broadcast = |s: ReplicaState| s == ReplicaState::Running || s == ReplicaState::PendingMigration;
        if broadcast(from) != broadcast(to) {
            // Ray's `_broadcasted_replicas_set_changed`: STEP 7 sends the routers a new running set.
            self.broadcast_changes.push((self.replicas[idx].id.clone(), broadcast(to)));
        }
        if to == ReplicaState::Running {
            self.membership_changed = true;
            self.running_counter += 1;
            self.replicas[idx].running_order = self.running_counter;
        }
        let r = &mut self.replicas[idx];
        r.state = to;
        r.since = now;
        let (id, gang) = (r.id.clone(), r.gang_context.clone());
        let node = cx.node_of(&id);
        cx.log.push_caused(self.replica_event(&id, gang.as_ref(), Some(from), to, node), reason, cause);
    }

    /// Ray's `_stop_replica`: the graceful-shutdown request is always sent; a forced stop sets the kill deadline
    /// to now. A replica already STOPPING is left as it is.
    pub(super) fn stop_replica(
        &mut self,
        idx: usize,
        graceful: bool,
        reason: String,
        cause: Option<u64>,
        cx: &mut Ctx,
    ) {
        let now = cx.now();
        if self.replicas[idx].state == ReplicaState::Stopping {
            return;
        }
        let id = self.replicas[idx].id.clone();
        // The replica's own version's shutdown options (Ray's `DeploymentReplica.stop` reads them from its actor).
        let (timeout, wait_loop) = {
            let own = &self.version_of(idx).config;
            (own.graceful_shutdown_timeout, own.graceful_shutdown_wait_loop)
        };
        let kill_at = if graceful { now.plus(timeout) } else { now };
        self.replicas[idx].stop = Some(StopState { graceful, kill_at, kill_sent: false });
        if let Some(a) = cx.gcs.actors.get(&id) {
            // An initialized replica drains for one wait loop; one that never initialized skips the drain.
            let drain = if a.initialized(now) { SimDuration(wait_loop.0.min(timeout.0)) } else { SimDuration::ZERO };
            cx.gcs.request_exit(&id, now.plus(drain));
        }
        self.set_state(idx, ReplicaState::Stopping, reason, cause, cx);
    }

    /// Ray's `record_replica_startup_failure`: counts towards `_failed_to_start_threshold` (unless its gang
    /// already counted this failure) and writes the status message. Returns the failure's event.
    pub(super) fn record_replica_startup_failure(&mut self, id: &str, error: &str, counts: bool, cx: &mut Ctx) -> u64 {
        if counts && self.target > 0 {
            self.failure_count += 1;
            self.mark_rolling_update_failed_if_needed(cx);
        }
        let seq = cx.log.push(
            EventKind::StartupFailure {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                replica: id.to_string(),
                failure_count: self.failure_count,
                threshold: self.failure_threshold(),
            },
            if counts {
                format!(
                    "replica {id} failed to start: {error}; start-up failures {} of {} (min(max_constructor_retry_count, 3 × target))",
                    self.failure_count,
                    self.failure_threshold()
                )
            } else {
                format!("replica {id} failed to start: {error}; its gang already counted this failure")
            },
        );
        self.set_failure_message(&format!("Error: {error}"), Some(seq), cx);
        seq
    }
}
