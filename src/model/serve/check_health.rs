//! The health pass of `DeploymentState.check_and_update_replicas` (Ray 2.60, `deployment_state.py`): health checks
//! of RUNNING replicas, then RESTART_GANG (`_forcefully_stop_gang_replicas`) for the gangs of unhealthy members and
//! for incomplete gangs.
use crate::model::events::{EventKind, HealthCheckResult, TeardownCause};
use crate::model::scenario::Times;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::health::TickGrid;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatusInternalTrigger as Internal;
use crate::model::time::{SimTime, fmt_secs};
use std::collections::{BTreeMap, BTreeSet};

/// A replica whose health check made it unhealthy in this pass: (index in the table, result, its event).
type Unhealthy = (usize, HealthCheckResult, u64);

/// A gang to tear down: (gang id, cause, the member that caused it, the event that caused it).
type DoomedGang = (String, TeardownCause, String, Option<u64>);

impl DeploymentState {
    /// Health checks of RUNNING and PENDING_MIGRATION replicas (Ray's `check_and_update_replicas` checks both:
    /// `ActorReplicaWrapper.check_health` through `DeploymentReplica.check_health`), then RESTART_GANG for the gangs
    /// of the unhealthy ones.
    pub(super) fn check_health(&mut self, grid: &TickGrid, cx: &mut Ctx) {
        let mut unhealthy: Vec<Unhealthy> = Vec::new();
        // Nothing in this loop kills an actor, so the deployment's fault generation holds throughout.
        let fault_gen = cx.gcs.fault_gen(&self.config.app, &self.config.name);
        for idx in 0..self.replicas.len() {
            let r = &self.replicas[idx];
            if !matches!(r.state, ReplicaState::Running | ReplicaState::PendingMigration) {
                continue;
            }
            let quiet = r.health.consecutive_failures == 0 && r.health.in_flight.is_none();
            if quiet && r.actor_ok == Some(fault_gen) {
                continue; // healthy, and its actor still is (no fault in the deployment since it was seen so)
            }
            let actor = cx.gcs.actors.get(&r.id);
            let faulty = actor.is_none_or(|a| !a.alive || a.failing_health_checks.is_some());
            if !faulty && quiet {
                self.replicas[idx].actor_ok = Some(fault_gen);
                continue; // healthy: its checks pass and change nothing (see serve/health.rs)
            }
            self.check_replica_health(idx, grid, cx, &mut unhealthy);
        }
        let scan_incomplete = cx.toggles.incomplete_gang_teardown && self.is_gang() && self.membership_changed;
        self.membership_changed = false;
        if unhealthy.is_empty() && !scan_incomplete {
            return;
        }
        self.forcefully_stop_gang_replicas(&unhealthy, scan_incomplete, cx);
    }

    /// One replica's check: read the answer of the check in flight, then start the next one if it is due.
    fn check_replica_health(&mut self, idx: usize, grid: &TickGrid, cx: &mut Ctx, unhealthy: &mut Vec<Unhealthy>) {
        let now = cx.now();
        let threshold = cx.timing.health_check_failure_threshold;
        // Each replica checks with its own version's options (a rollout updates them replica by replica).
        let own = &self.version_of(idx).config;
        let (period, timeout) = (own.health_check_period, own.health_check_timeout);
        let config = &self.config;
        let id = self.replicas[idx].id.clone();
        let r = &mut self.replicas[idx];
        r.health.catch_up(now, grid, cx.seed, &id, period);
        if let Some((started, failing)) = r.health.in_flight {
            let actor = cx.gcs.actors.get(&id);
            let outcome = match actor {
                None => Some(HealthCheckResult::ActorCrashed),
                Some(a) if !a.alive && !a.unreachable => Some(HealthCheckResult::ActorCrashed),
                Some(a) if !a.alive => (now >= started.plus(timeout)).then_some(HealthCheckResult::Timeout),
                Some(_) if started >= now => None,
                Some(_) if failing => Some(HealthCheckResult::AppFailure),
                Some(_) => Some(HealthCheckResult::Recovered),
            };
            if let Some(outcome) = outcome {
                let fault_cause = actor.and_then(|a| a.fault_cause);
                r.health.in_flight = None;
                cx.changed = true;
                let event = |n: u32| EventKind::HealthCheck {
                    replica: id.clone(),
                    app: config.app.clone(),
                    deployment: config.name.clone(),
                    result: outcome,
                    consecutive_failures: n,
                };
                match outcome {
                    HealthCheckResult::Recovered => {
                        if r.health.consecutive_failures > 0 {
                            r.health.consecutive_failures = 0;
                            cx.log.push(
                                event(0),
                                format!("replica {id} passed its health check again; its failure streak is reset"),
                            );
                        }
                    }
                    HealthCheckResult::ActorCrashed => {
                        r.health.consecutive_failures += 1;
                        let seq = cx.log.push_caused(
                            event(r.health.consecutive_failures),
                            format!("actor for replica {id} crashed: its health check failed, marking it unhealthy immediately"),
                            fault_cause,
                        );
                        unhealthy.push((idx, outcome, seq));
                    }
                    HealthCheckResult::AppFailure | HealthCheckResult::Timeout => {
                        r.health.consecutive_failures += 1;
                        let n = r.health.consecutive_failures;
                        let what = if outcome == HealthCheckResult::Timeout {
                            format!("timed out after {} s", fmt_secs(SimTime(timeout.0)))
                        } else {
                            "failed".to_string()
                        };
                        let verdict = if n >= threshold {
                            format!("{n} in a row: unhealthy")
                        } else {
                            format!("{n} of {threshold} consecutive failures")
                        };
                        let seq = cx.log.push_caused(
                            event(n),
                            format!("health check of replica {id} {what} ({verdict})"),
                            fault_cause,
                        );
                        if n >= threshold {
                            unhealthy.push((idx, outcome, seq));
                        }
                    }
                }
            }
        }
        // Start the next check if one is due.
        if !unhealthy.iter().any(|(i, ..)| *i == idx)
            && r.health.in_flight.is_none()
            && r.health.start_if_due(now, grid, cx.seed, &id, period)
        {
            // An injected fault fails this check (and uses up one of its repetitions).
            let failing = match cx.gcs.actors.get_mut(&id) {
                Some(a) if a.alive => {
                    let failing = a.failing_health_checks.as_mut().is_some_and(Times::take_one);
                    if a.failing_health_checks.is_some_and(Times::is_spent) {
                        a.failing_health_checks = None;
                    }
                    failing
                }
                _ => false,
            };
            r.health.in_flight = Some((now, failing));
            cx.changed = true;
        }
    }

    /// Ray's `_forcefully_stop_gang_replicas` under RESTART_GANG: the gangs of unhealthy members, plus incomplete
    /// gangs (a RUNNING member lists a sibling the controller no longer tracks), each torn down once. Healthy
    /// members of those gangs are force-stopped first (Ray's pass 2), then the unhealthy replicas (pass 3).
    fn forcefully_stop_gang_replicas(&mut self, unhealthy: &[Unhealthy], scan_incomplete: bool, cx: &mut Ctx) {
        let gangs = self.gangs_to_tear_down(unhealthy, scan_incomplete);
        let mut teardown_seq: BTreeMap<String, u64> = BTreeMap::new();
        for (gang_id, cause, member, cause_seq) in &gangs {
            let members: Vec<String> = self
                .replicas
                .iter()
                .filter(|r| r.gang_context.as_ref().is_some_and(|g| &g.gang_id == gang_id))
                .filter(|r| matches!(r.state, ReplicaState::Running | ReplicaState::PendingMigration))
                .map(|r| r.id.clone())
                .collect();
            let why = match cause {
                TeardownCause::ActorCrashed => format!("member {member} crashed"),
                TeardownCause::HealthCheckFailed => format!("member {member} failed its health check"),
                TeardownCause::IncompleteGang => format!("member {member} is missing from the controller's table"),
                TeardownCause::StartupFailed => format!("member {member} failed to start"),
            };
            let seq = cx.log.push_caused(
                EventKind::GangTeardown {
                    app: self.config.app.clone(),
                    deployment: self.config.name.clone(),
                    gang_id: gang_id.clone(),
                    members: members.clone(),
                    cause: *cause,
                    failed_member: Some(member.clone()),
                },
                format!(
                    "gang {gang_id} torn down: {why}, policy RESTART_GANG; force-stopping its {} RUNNING member(s) in this tick",
                    members.len()
                ),
                *cause_seq,
            );
            teardown_seq.insert(gang_id.clone(), seq);
            self.torn_down_gangs.insert(gang_id.clone());
            self.gang_restarts += 1;
        }
        // (replica index, graceful, reason, cause, counts as a rolling-update failure)
        let mut stops: Vec<(usize, bool, String, Option<u64>, bool)> = Vec::new();
        for (idx, r) in self.replicas.iter().enumerate() {
            if !matches!(r.state, ReplicaState::Running | ReplicaState::PendingMigration)
                || unhealthy.iter().any(|(i, ..)| *i == idx)
            {
                continue;
            }
            let Some(g) = &r.gang_context else { continue };
            if let Some(seq) = teardown_seq.get(&g.gang_id) {
                let (_, _, member, _) = gangs.iter().find(|(id, ..)| *id == g.gang_id).expect("gang");
                stops.push((
                    idx,
                    false,
                    format!(
                        "replica {} belongs to gang {} that has an unhealthy or missing member ({member}): force-stopping it (RESTART_GANG)",
                        r.id, g.gang_id
                    ),
                    Some(*seq),
                    false,
                ));
            }
        }
        let mut counted_gangs: BTreeSet<String> = BTreeSet::new();
        for (idx, result, seq) in unhealthy {
            let r = &self.replicas[*idx];
            let what = if *result == HealthCheckResult::ActorCrashed { "crashed" } else { "failed its health check" };
            let (graceful, reason, cause) = match &r.gang_context {
                Some(g) if self.config.gang.is_some() => (
                    false,
                    format!("replica {} {what}: force-stopping it as part of gang restart (gang {})", r.id, g.gang_id),
                    teardown_seq.get(&g.gang_id).copied().or(Some(*seq)),
                ),
                _ => (true, format!("replica {} {what}: stopping it; a replacement will be started", r.id), Some(*seq)),
            };
            // Count once per failed gang, like start-up failures; healthy siblings never count.
            let counts = r.gang_context.as_ref().is_none_or(|g| counted_gangs.insert(g.gang_id.clone()));
            stops.push((*idx, graceful, reason, cause, counts));
        }
        for (idx, graceful, reason, cause, counts) in stops {
            let at_target = self.replicas[idx].version == self.target_version;
            self.stop_replica(idx, graceful, reason, cause, cx);
            // `_stop_replica_mark_unhealthy_if_target_version`: only the target version's failures make the
            // deployment UNHEALTHY, and during a rolling update they use up its start-up failure budget.
            if at_target {
                if self.rolling_update && counts {
                    self.record_rolling_update_health_failure(cx);
                }
                self.fire(Internal::HealthCheckFailed, Some(health_message()), cx);
            }
        }
    }

    /// The gangs RESTART_GANG tears down in this pass, deduplicated, in the order they were found.
    fn gangs_to_tear_down(&self, unhealthy: &[Unhealthy], scan_incomplete: bool) -> Vec<DoomedGang> {
        let mut gangs: Vec<DoomedGang> = Vec::new();
        if !self.is_gang() {
            return gangs;
        }
        for (idx, result, seq) in unhealthy {
            let r = &self.replicas[*idx];
            if let Some(g) = &r.gang_context
                && !gangs.iter().any(|(id, ..)| *id == g.gang_id)
            {
                let cause = if *result == HealthCheckResult::ActorCrashed {
                    TeardownCause::ActorCrashed
                } else {
                    TeardownCause::HealthCheckFailed
                };
                gangs.push((g.gang_id.clone(), cause, r.id.clone(), Some(*seq)));
            }
        }
        if scan_incomplete {
            let tracked: BTreeSet<&str> = self.replicas.iter().map(|r| r.id.as_str()).collect();
            // Every member of a gang lists the same members: each gang is checked once.
            let mut checked: BTreeSet<&str> = BTreeSet::new();
            for r in &self.replicas {
                if !matches!(r.state, ReplicaState::Running | ReplicaState::PendingMigration)
                    || unhealthy.iter().any(|(i, ..)| self.replicas[*i].id == r.id)
                {
                    continue;
                }
                let Some(g) = &r.gang_context else { continue };
                if !checked.insert(g.gang_id.as_str()) || gangs.iter().any(|(id, ..)| *id == g.gang_id) {
                    continue;
                }
                if let Some(missing) = g.member_replica_ids.iter().find(|m| !tracked.contains(m.as_str())) {
                    gangs.push((g.gang_id.clone(), TeardownCause::IncompleteGang, missing.clone(), None));
                }
            }
        }
        gangs
    }
}

fn health_message() -> String {
    "A replica's health check failed. This deployment will be UNHEALTHY until the replica recovers or a new deploy happens.".to_string()
}
