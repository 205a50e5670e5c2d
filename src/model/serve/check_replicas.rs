//! `DeploymentState.check_and_update_replicas` (Ray 2.60, `deployment_state.py`) and the sweeps it runs after the
//! health pass (`check_health.rs`): start-up (`_check_startup_replicas`, with its gang sibling sweep), recovery,
//! slow start-up warnings, STOPPING replicas (`_check_and_update_transitioning_replicas`), and
//! `_reclaim_empty_gang_placement_groups`.
use crate::model::events::{EventKind, TeardownCause};
use crate::model::resources::Resources;
use crate::model::serve::behaviour::{GangPgRemoval, StartupFailureCounting};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentReplica, DeploymentState, GangReservation};
use crate::model::serve::health::{HealthState, TickGrid};
use crate::model::serve::replica::{ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::DeploymentStatus;
use crate::model::time::{SimTime, fmt_secs};
use std::collections::BTreeSet;

/// What `check_ready` reports for a RECOVERING replica.
enum RecoveredReady {
    Succeeded,
    Pending(ReplicaStartupStatus),
    /// Alive but never initialized by a live controller: killed, not counted.
    Unrecoverable,
    /// Its actor died: counted as a start-up failure.
    Failed,
}

impl DeploymentState {
    /// Ray's `check_and_update_replicas`, in its order.
    pub(super) fn check_and_update_replicas(&mut self, grid: &TickGrid, cx: &mut Ctx) {
        self.check_health(grid, cx);
        self.check_startup_replicas(ReplicaState::Starting, cx);
        self.check_updating_replicas(cx);
        self.check_recovering_replicas(cx);
        self.warn_slow_startup(cx);
        self.check_stopping_replicas(cx);
        self.reclaim_empty_gang_placement_groups(cx);
    }

    /// The replica's start-up as Ray's `ActorReplicaWrapper.check_ready` reports it.
    fn check_ready(&self, idx: usize, cx: &Ctx) -> ReplicaStartupStatus {
        let now = cx.now();
        match cx.gcs.actors.get(&self.replicas[idx].id) {
            None => ReplicaStartupStatus::Failed,
            Some(a) if !a.alive => ReplicaStartupStatus::Failed,
            Some(a) if a.node.is_none() => ReplicaStartupStatus::PendingAllocation,
            Some(a) if a.init_done_at.is_none_or(|t| t > now) => ReplicaStartupStatus::PendingInitialization,
            Some(a) if a.init_fails => ReplicaStartupStatus::Failed,
            Some(_) => ReplicaStartupStatus::Succeeded,
        }
    }

    /// Ray's `_check_startup_replicas(state)`: replicas whose start-up finished become RUNNING; failed ones are
    /// recorded (once per gang, Ray 2.60) and stopped, and every sibling of a failed gang member goes with it.
    pub(super) fn check_startup_replicas(&mut self, state: ReplicaState, cx: &mut Ctx) {
        let now = cx.now();
        let counting_per_gang = cx.toggles.startup_failure_counting == StartupFailureCounting::PerGang;
        // (gang id, failed member, its failure event)
        let mut failed_gangs: Vec<(String, String, u64)> = Vec::new();
        for idx in 0..self.replicas.len() {
            if self.replicas[idx].state != state {
                continue;
            }
            let id = self.replicas[idx].id.clone();
            let status = self.check_ready(idx, cx);
            self.replicas[idx].startup = status;
            match status {
                ReplicaStartupStatus::Succeeded => {
                    let took = cx.gcs.actors[&id].placed_at.map(|p| now.since(p)).unwrap_or_default();
                    let node = cx.node_of(&id);
                    let created = self.replicas[idx].created_at;
                    self.replicas[idx].health = HealthState::starting_at(SimTime(now.0 + 1));
                    self.set_state(
                        idx,
                        ReplicaState::Running,
                        format!(
                            "replica {id} started successfully on node {} after {} s (constructor and initial health check took {} s)",
                            node.unwrap_or_default(),
                            fmt_secs(SimTime(now.since(created).0)),
                            fmt_secs(SimTime(took.0))
                        ),
                        None,
                        cx,
                    );
                }
                ReplicaStartupStatus::Failed => {
                    let gang = self.replicas[idx].gang_context.clone();
                    let died = cx.gcs.actors.get(&id).is_none_or(|a| !a.alive);
                    let error = if died {
                        "the replica's actor died while starting"
                    } else {
                        "the constructor raised an exception"
                    };
                    let first_of_gang =
                        gang.as_ref().is_none_or(|g| !failed_gangs.iter().any(|(gid, ..)| *gid == g.gang_id));
                    let counts = !counting_per_gang || first_of_gang;
                    let seq = self.record_replica_startup_failure(&id, error, counts, cx);
                    if let Some(g) = &gang
                        && first_of_gang
                    {
                        failed_gangs.push((g.gang_id.clone(), id.clone(), seq));
                    }
                    self.stop_replica(
                        idx,
                        true,
                        format!("replica {id} failed to start ({error}): stopping it"),
                        Some(seq),
                        cx,
                    );
                }
                _ => {}
            }
        }
        for (gang_id, member, seq) in failed_gangs {
            self.stop_failed_gang_siblings(state, &gang_id, &member, seq, cx);
        }
    }

    /// The gang sibling sweep of `_check_startup_replicas`: every other member of a gang with a FAILED member, in
    /// {the swept state, RUNNING} (and PENDING_MIGRATION with the `sweep_pending_migration` toggle).
    fn stop_failed_gang_siblings(&mut self, state: ReplicaState, gang_id: &str, member: &str, seq: u64, cx: &mut Ctx) {
        let swept = |s: ReplicaState| {
            s == state
                || s == ReplicaState::Running
                || (cx.toggles.sweep_pending_migration && s == ReplicaState::PendingMigration)
        };
        let members: Vec<usize> = (0..self.replicas.len())
            .filter(|&i| {
                swept(self.replicas[i].state)
                    && self.replicas[i].gang_context.as_ref().is_some_and(|g| g.gang_id == gang_id)
            })
            .collect();
        let ids: Vec<String> = members.iter().map(|&i| self.replicas[i].id.clone()).collect();
        let teardown = cx.log.push_caused(
            EventKind::GangTeardown {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                gang_id: gang_id.to_string(),
                members: ids.clone(),
                cause: TeardownCause::StartupFailed,
                failed_member: Some(member.to_string()),
            },
            if ids.is_empty() {
                format!("gang {gang_id} torn down: member {member} failed to start, and so did every sibling in the same tick")
            } else {
                format!(
                    "gang {gang_id} torn down: member {member} failed to start; force-stopping its {} sibling(s) in the same tick",
                    ids.len()
                )
            },
            Some(seq),
        );
        self.torn_down_gangs.insert(gang_id.to_string());
        self.gang_restarts += 1;
        for i in members {
            let id = self.replicas[i].id.clone();
            self.stop_replica(
                i,
                false,
                format!("replica {id}'s gang {gang_id} failed to start (member {member}): force-stopping it"),
                Some(teardown),
                cx,
            );
        }
    }

    /// RECOVERING replicas answer the new controller: Ray's `_check_startup_replicas(RECOVERING,
    /// stop_on_slow=True)` with `ActorReplicaWrapper.check_ready` on a recovered actor (`recover()` sent
    /// `is_allocated` and the `was_initialized` probe).
    pub(super) fn check_recovering_replicas(&mut self, cx: &mut Ctx) {
        let now = cx.now();
        for idx in 0..self.replicas.len() {
            let r = &self.replicas[idx];
            if r.state != ReplicaState::Recovering || r.recover_ready_at.is_some_and(|t| t > now) {
                continue;
            }
            let id = r.id.clone();
            match self.check_recovered_ready(idx, cx) {
                RecoveredReady::Succeeded => self.recovered(idx, cx),
                RecoveredReady::Pending(status) => {
                    self.replicas[idx].startup = status;
                    // stop_on_slow: past SLOW_STARTUP_WARNING_S since `recover()` it is force-stopped, not counted,
                    // with no sibling sweep (errata §5).
                    if now.since(self.replicas[idx].since) > cx.timing.slow_startup_warning {
                        let why = if cx.gcs.actors.get(&id).is_some_and(|a| a.unreachable) {
                            "its node does not answer"
                        } else {
                            "its actor was never allocated"
                        };
                        self.stop_replica(
                            idx,
                            false,
                            format!(
                                "replica {id} has been RECOVERING for more than {} s ({why}): force-stopping it (stop_on_slow; not counted as a failure)",
                                fmt_secs(SimTime(cx.timing.slow_startup_warning.0))
                            ),
                            None,
                            cx,
                        );
                    }
                }
                RecoveredReady::Unrecoverable => {
                    // `was_initialized` answered False (#63153): the previous controller never saw its user
                    // callable initialized. Killed and force-stopped, not counted. Its gang context is unknown to
                    // the controller, so its gang PG is never registered (errata §8).
                    cx.gcs.kill_actor(&id);
                    self.replicas[idx].startup = ReplicaStartupStatus::Failed;
                    self.stop_replica(
                        idx,
                        false,
                        format!(
                            "replica {id} was found alive but never finished its initial setup before the controller crashed: unrecoverable, killed (not counted as a failure)"
                        ),
                        None,
                        cx,
                    );
                }
                RecoveredReady::Failed => {
                    self.replicas[idx].startup = ReplicaStartupStatus::Failed;
                    let seq =
                        self.record_replica_startup_failure(&id, "the replica's actor died while recovering", true, cx);
                    self.stop_replica(
                        idx,
                        true,
                        format!("replica {id} died while recovering: stopping it"),
                        Some(seq),
                        cx,
                    );
                }
            }
        }
    }

    /// `check_ready` for a recovered replica: PENDING_ALLOCATION until its actor is allocated (`is_allocated`
    /// hangs on a node that died but is not declared dead yet); then the `was_initialized` probe: true only if
    /// its user callable finished initializing, which needs the `initialize_and_get_metadata` call of a live
    /// controller, so an actor allocated after the previous controller died never was.
    fn check_recovered_ready(&self, idx: usize, cx: &Ctx) -> RecoveredReady {
        let r = &self.replicas[idx];
        match cx.gcs.actors.get(&r.id) {
            Some(a) if a.unreachable => RecoveredReady::Pending(ReplicaStartupStatus::PendingAllocation),
            None => RecoveredReady::Failed,
            Some(a) if !a.alive => RecoveredReady::Failed,
            Some(a) if a.node.is_none() => RecoveredReady::Pending(ReplicaStartupStatus::PendingAllocation),
            Some(a) => {
                let init_called =
                    r.previous_controller_died_at.is_none_or(|died| a.placed_at.is_some_and(|p| p < died));
                if init_called && a.initialized(cx.now()) {
                    RecoveredReady::Succeeded
                } else {
                    RecoveredReady::Unrecoverable
                }
            }
        }
    }

    /// A RECOVERING replica answered with its metadata: RUNNING again, its gang context (and so its gang's
    /// reservation) read back from the actor.
    fn recovered(&mut self, idx: usize, cx: &mut Ctx) {
        let now = cx.now();
        let id = self.replicas[idx].id.clone();
        let ctx = cx.gcs.actors[&id].gang_context.clone();
        if let Some(g) = &ctx
            && !self.reservations.contains_key(&g.gang_id)
        {
            self.reservations.insert(
                g.gang_id.clone(),
                GangReservation { pg_name: g.pg_name.clone(), member_ids: g.member_replica_ids.clone() },
            );
            self.reclaim_check = true;
        }
        let version = cx.gcs.actors[&id].version;
        let r = &mut self.replicas[idx];
        r.gang_context = ctx.clone();
        // Its version is what the actor reports (until now it carried the target version, as in Ray).
        r.version = version;
        r.health = HealthState::starting_at(SimTime(now.0 + 1));
        r.startup = ReplicaStartupStatus::Succeeded;
        let gang =
            ctx.map(|g| format!(", gang context preserved (gang {}, rank {})", g.gang_id, g.rank)).unwrap_or_default();
        self.set_state(idx, ReplicaState::Running, format!("replica {id} recovered{gang}"), None, cx);
    }

    /// Slow start-up (`_check_and_update_transitioning_replicas`): a STARTING replica pending longer than
    /// SLOW_STARTUP_WARNING_S writes a message; the status itself does not change.
    pub(super) fn warn_slow_startup(&mut self, cx: &mut Ctx) {
        let now = cx.now();
        let w = cx.timing.slow_startup_warning;
        if now.since(self.created_at) < w || self.last_slow_warning.is_some_and(|t| now.since(t) < w) {
            return;
        }
        let slow: Vec<&DeploymentReplica> = self
            .replicas
            .iter()
            .filter(|r| r.state == ReplicaState::Starting && now.since(r.created_at) >= w)
            .collect();
        if slow.is_empty() {
            return;
        }
        let pending_alloc = slow.iter().filter(|r| r.startup == ReplicaStartupStatus::PendingAllocation).count();
        let secs = fmt_secs(SimTime(w.0));
        let secs = secs.trim_end_matches(".0");
        let (dep, app) = (&self.config.name, &self.config.app);
        let message = if pending_alloc > 0 {
            let (required, available) = self.resources_required_and_available(cx);
            format!(
                "Deployment '{dep}' in application '{app}' has {pending_alloc} replicas that have taken more than {secs}s to be scheduled. This may be due to waiting for the cluster to auto-scale or for a runtime environment to be installed. Resources required for each replica: {required}, total resources available: {available}. Use `ray status` for more details."
            )
        } else {
            format!(
                "Deployment '{dep}' in application '{app}' has {} replicas that have taken more than {secs}s to initialize. This may be caused by a slow __init__ or reconfigure method.",
                slow.len()
            )
        };
        self.last_slow_warning = Some(now);
        if self.status != DeploymentStatus::Unhealthy
            && self.status != DeploymentStatus::DeployFailed
            && self.message != message
        {
            self.message = message;
            self.emit_status(
                Some(self.status),
                "slow start-up: replicas have been starting for a long time".to_string(),
                cx,
            );
        }
    }

    /// The slow-scheduling message's "Resources required for each replica" and "total resources available".
    /// Ray prints the per-replica request: a gang's whole PG bundle list (or a per-replica bundle list), or the
    /// actor's resources. Available amounts are summed over the keys of that request, so a list (whose keys are
    /// not resource names) yields `{}`, as observed on real Ray 2.60.
    fn resources_required_and_available(&self, cx: &Ctx) -> (String, String) {
        let bundle_list: Option<Vec<Resources>> = match (&self.config.gang, &self.config.bundles) {
            (Some(g), Some(t)) => Some((0..g.gang_size).flat_map(|_| t.iter().cloned()).collect()),
            (Some(g), None) => Some((0..g.gang_size).map(|_| self.config.actor_resources.clone()).collect()),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        match bundle_list {
            Some(list) => (
                format!("[{}]", list.iter().map(Resources::python_repr).collect::<Vec<_>>().join(", ")),
                "{}".to_string(),
            ),
            None => {
                let mut avail = Resources::new();
                for n in cx.gcs.cluster.nodes.iter().filter(|n| n.schedulable()) {
                    for k in self.config.actor_resources.0.keys() {
                        avail.0.insert(k.clone(), avail.get(k) + n.available.get(k));
                    }
                }
                (self.config.actor_resources.python_repr(), avail.python_repr())
            }
        }
    }

    /// STOPPING replicas whose actor is gone leave the table (with their per-replica PG); past their deadline
    /// they are force-killed.
    pub(super) fn check_stopping_replicas(&mut self, cx: &mut Ctx) {
        let now = cx.now();
        let first_member_removal = cx.toggles.gang_pg_removal == GangPgRemoval::FirstMember;
        let mut idx = 0;
        while idx < self.replicas.len() {
            let r = &self.replicas[idx];
            if r.state != ReplicaState::Stopping {
                idx += 1;
                continue;
            }
            let id = r.id.clone();
            // A graceful stop that needs no drain (the replica never initialized) finishes in this same pass.
            if cx.gcs.actors.get(&id).is_some_and(|a| a.alive && a.exit_at.is_some_and(|t| t <= now)) {
                cx.gcs.kill_actor(&id);
            }
            if cx.gcs.actors.get(&id).is_none_or(|a| !a.alive) {
                self.replica_stopped(idx, first_member_removal, cx);
                continue;
            }
            let stop = r.stop.clone().expect("a STOPPING replica has a stop state");
            let exits = cx.gcs.actors.get(&id).and_then(|a| a.exit_at).is_some_and(|t| t <= now);
            if exits || (!stop.kill_sent && now >= stop.kill_at) {
                cx.gcs.kill_actor(&id);
                if let Some(s) = &mut self.replicas[idx].stop {
                    s.kill_sent = true;
                }
                cx.changed = true;
            }
            idx += 1;
        }
    }

    /// A STOPPING replica's actor is gone: it leaves the table, and its per-replica PG goes with it (a gang PG
    /// waits for `reclaim_empty_gang_placement_groups`, or goes now with `gang_pg_removal: first_member`).
    fn replica_stopped(&mut self, idx: usize, first_member_removal: bool, cx: &mut Ctx) {
        let r = self.replicas.remove(idx);
        let id = r.id;
        self.membership_changed = true;
        self.reclaim_check = true;
        let node = cx.node_of(&id);
        cx.gcs.reap_actor(&id);
        let gang = r.gang_context;
        cx.log.push(
            EventKind::ReplicaState {
                replica: id.clone(),
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                gang_id: gang.as_ref().map(|g| g.gang_id.clone()),
                rank: gang.as_ref().map(|g| g.rank),
                from: Some(ReplicaState::Stopping),
                to: ReplicaState::Stopped,
                node,
            },
            format!("replica {id} is stopped"),
        );
        cx.changed = true;
        match &gang {
            // Pre-#66221: the first member to finish stopping removes the gang PG (killing stragglers).
            Some(g) if first_member_removal => {
                cx.gcs.remove_pg(
                    &g.pg_name,
                    &format!("member {id} of gang {} finished stopping (first-member removal)", g.gang_id),
                    cx.log,
                );
            }
            Some(_) => {}
            None => {
                let name = self.config.replica_actor_name(&id);
                cx.gcs.remove_pg(&name, &format!("its replica {id} stopped"), cx.log);
            }
        }
    }

    /// Ray 2.60's `_reclaim_empty_gang_placement_groups` (#66221): a gang PG goes once none of its expected
    /// members is tracked any more.
    pub(super) fn reclaim_empty_gang_placement_groups(&mut self, cx: &mut Ctx) {
        // A reservation can lose its last tracked member only when a replica leaves the table or a reservation
        // is added; otherwise the last call, which removed every empty one, still holds.
        if self.reservations.is_empty() || !self.reclaim_check {
            return;
        }
        self.reclaim_check = false;
        let tracked: BTreeSet<&str> = self.replicas.iter().map(|r| r.id.as_str()).collect();
        let empty: Vec<String> = self
            .reservations
            .iter()
            .filter(|(_, res)| !res.member_ids.iter().any(|m| tracked.contains(m.as_str())))
            .map(|(g, _)| g.clone())
            .collect();
        for gang_id in empty {
            let res = self.reservations.remove(&gang_id).expect("reservation");
            cx.gcs.check_dirty.pgs.insert(res.pg_name.clone());
            cx.gcs.remove_pg(&res.pg_name, &format!("every member of gang {gang_id} has left it"), cx.log);
            cx.changed = true;
        }
    }
}
