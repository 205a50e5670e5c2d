//! The Serve controller's control loop (Ray's `DeploymentStateManager.update`), step by step in Ray 2.60's order.
use crate::model::events::{EventKind, HealthCheckResult, TeardownCause};
use crate::model::gcs::{ActorPlacement, Gcs, ReplicaActor};
use crate::model::ids;
use crate::model::log::EventLog;
use crate::model::placement::{Bundle, PgOwner};
use crate::model::resources::Resources;
use crate::model::scenario::Timing;
use crate::model::serve::behaviour::{Behaviour, GangPgRemoval, LeakDetection, StartupFailureCounting};
use crate::model::serve::deployment_state::{
    DeploymentReplica, DeploymentState, GANG_PG_NAME_PREFIX, GangReservation, StopState,
};
use crate::model::serve::health::{HealthState, TickGrid};
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::scheduler;
use crate::model::serve::status::{
    ApplicationStatus, DeploymentStatusInternalTrigger as Internal, derive_app_status, handle_transition,
};
use crate::model::time::{SimTime, fmt_secs};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Everything a controller step may touch besides its own state.
pub struct Ctx<'a> {
    pub gcs: &'a mut Gcs,
    pub log: &'a mut EventLog,
    pub rng: &'a mut ChaCha8Rng,
    pub timing: &'a Timing,
    pub toggles: &'a Behaviour,
    pub seed: u64,
    /// Cluster-state queries fail right now (`fail_gcs_queries`).
    pub gcs_queries_fail: bool,
}

impl Ctx<'_> {
    pub fn now(&self) -> SimTime {
        self.log.now
    }
    pub fn node_of(&self, replica_id: &str) -> Option<String> {
        let a = self.gcs.actors.get(replica_id)?;
        a.node.map(|i| self.gcs.cluster.nodes[i].id.clone())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub name: String,
    pub status: ApplicationStatus,
    pub deleting: bool,
}

/// The outcome of the gang reservation step for one deployment.
pub type Reservation = Option<Result<Vec<(String, String)>, String>>;

#[derive(Clone, Debug)]
pub struct ServeController {
    pub alive: bool,
    pub incarnation: u32,
    pub restart_at: Option<SimTime>,
    pub grid: TickGrid,
    pub deployments: Vec<DeploymentState>,
    pub apps: Vec<AppState>,
    /// Restarted and still has RECOVERING replicas.
    pub recovering: bool,
    /// The last tick changed something, so the next one must run.
    pub dirty: bool,
    pub last_tick: Option<SimTime>,
    pub last_recovery_at: Option<SimTime>,
    /// Gang PGs live when the last start's leak detection was skipped: Ray 2.60 knowingly leaves them.
    pub leak_exempt: std::collections::BTreeSet<String>,
    /// Gang PGs of the gangs whose members the last restart re-attached: 2.60 registers such a PG only when one
    /// of them reaches RUNNING, so if none does it leaks (errata §8).
    pub recovered_pgs: std::collections::BTreeSet<String>,
}

impl ServeController {
    // ===== the control loop ====================================================================================

    /// One iteration of the control loop at `cx.now()`.
    pub fn tick(&mut self, cx: &mut Ctx) {
        let before = cx.log.len();
        self.dirty = false;
        for d in &mut self.deployments {
            d.torn_down_gangs.clear();
        }
        // Wake the deployments the GCS touched since the last tick.
        for (app, dep) in std::mem::take(&mut cx.gcs.touched) {
            if let Some(d) = self.deployments.iter_mut().find(|d| d.config.app == app && d.config.name == dep) {
                d.quiet = false;
            }
        }
        // Only a deployment that is not quiet now can change in this tick: the invariant checker looks at those.
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.check_dirty = true;
        }
        // STEP 1: check and update replicas (health, start-up, stopping), then reclaim empty gang PGs.
        for d in 0..self.deployments.len() {
            if !self.deployments[d].quiet {
                self.check_and_update_replicas(d, cx);
            }
        }
        if cx.toggles.leak_detection == LeakDetection::Periodic && !cx.gcs_queries_fail {
            self.remove_leaked_gang_placement_groups(cx, "periodic leak detection");
        }
        // STEP 2: status.
        for d in 0..self.deployments.len() {
            if !self.deployments[d].quiet {
                self.check_curr_status(d, cx);
            }
        }
        // STEP 3 (draining nodes) is not modelled: no node drains here.
        // STEP 4: reserve gang placement groups, one batch for every gang deployment.
        let reservations = self.reserve_gang_placement_groups(cx);
        // STEP 5: scale, with the reservations.
        let mut downscales = Vec::new();
        for (d, res) in reservations.into_iter().enumerate() {
            if self.deployments[d].quiet {
                continue;
            }
            if let Some(n) = self.scale_deployment_replicas(d, res, cx) {
                downscales.push((d, n));
            }
        }
        // STEP 6: status again.
        for d in 0..self.deployments.len() {
            if !self.deployments[d].quiet {
                self.check_curr_status(d, cx);
            }
        }
        // STEP 7: the scheduler stops downscale victims (new actors were created in step 5).
        for (d, n) in downscales {
            self.downscale(d, n, cx);
        }
        // Deleted deployments and applications go; application status follows its deployments.
        self.remove_deleted(cx);
        self.update_app_statuses(cx);
        if self.recovering && self.deployments.iter().all(|d| d.count(&[ReplicaState::Recovering]) == 0) {
            self.recovering = false;
            cx.log.push(
                EventKind::Controller {
                    change: crate::model::events::ControllerChange::Recovered,
                    incarnation: self.incarnation,
                },
                "controller recovery finished: no replica is RECOVERING any more",
            );
        }
        // A deployment touched by this tick's own work (e.g. its new PG was placed) is not quiet yet.
        let touched = std::mem::take(&mut cx.gcs.touched);
        for d in &mut self.deployments {
            d.quiet =
                d.quiet || (d.settled(cx.gcs) && !touched.contains(&(d.config.app.clone(), d.config.name.clone())));
        }
        cx.gcs.touched = touched;
        self.last_tick = Some(cx.now());
        if cx.log.len() > before {
            self.dirty = true;
        }
    }

    // ===== STEP 1 ==============================================================================================

    fn check_and_update_replicas(&mut self, di: usize, cx: &mut Ctx) {
        self.health_pass(di, cx);
        self.startup_sweep(di, ReplicaState::Starting, cx);
        self.recovering_sweep(di, cx);
        self.slow_startup_warning(di, cx);
        self.reap_stopping(di, cx);
        self.reclaim_empty_gang_placement_groups(di, cx);
    }

    /// Health checks of RUNNING replicas, then RESTART_GANG (Ray's `_forcefully_stop_gang_replicas`).
    fn health_pass(&mut self, di: usize, cx: &mut Ctx) {
        let now = cx.now();
        let grid = self.grid;
        let threshold = cx.timing.health_check_failure_threshold;
        let d = &mut self.deployments[di];
        let period = d.config.health_check_period;
        let timeout = d.config.health_check_timeout;
        // Nothing in this loop kills an actor, so the deployment's fault generation holds throughout.
        let fault_gen = cx.gcs.fault_gen(&d.config.app, &d.config.name);
        // (replica index, result, event seq)
        let mut unhealthy: Vec<(usize, HealthCheckResult, u64)> = Vec::new();
        for idx in 0..d.replicas.len() {
            let r = &d.replicas[idx];
            if r.state != ReplicaState::Running {
                continue;
            }
            let quiet = r.health.consecutive_failures == 0 && r.health.in_flight.is_none();
            if quiet && r.actor_ok == Some(fault_gen) {
                continue; // healthy, and its actor still is (no fault in the deployment since it was seen so)
            }
            let actor = cx.gcs.actors.get(&r.id);
            let faulty = actor.is_none_or(|a| !a.alive || a.failing_health_checks.is_some());
            if !faulty && quiet {
                d.replicas[idx].actor_ok = Some(fault_gen);
                continue; // healthy: its checks pass and change nothing (see serve/health.rs)
            }
            let id = r.id.clone();
            let r = &mut d.replicas[idx];
            r.health.catch_up(now, &grid, cx.seed, &id, period);
            // Read the check in flight, if its answer is in.
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
                    self.dirty = true;
                    let (app, dep) = (d.config.app.clone(), d.config.name.clone());
                    match outcome {
                        HealthCheckResult::Recovered => {
                            if r.health.consecutive_failures > 0 {
                                r.health.consecutive_failures = 0;
                                cx.log.push(
                                    EventKind::HealthCheck {
                                        replica: id.clone(),
                                        app,
                                        deployment: dep,
                                        result: outcome,
                                        consecutive_failures: 0,
                                    },
                                    format!("replica {id} passed its health check again; its failure streak is reset"),
                                );
                            }
                        }
                        HealthCheckResult::ActorCrashed => {
                            r.health.consecutive_failures += 1;
                            let seq = cx.log.push_caused(
                                EventKind::HealthCheck { replica: id.clone(), app, deployment: dep, result: outcome, consecutive_failures: r.health.consecutive_failures },
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
                                EventKind::HealthCheck {
                                    replica: id.clone(),
                                    app,
                                    deployment: dep,
                                    result: outcome,
                                    consecutive_failures: n,
                                },
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
            if !unhealthy.iter().any(|(i, _, _)| *i == idx)
                && r.health.in_flight.is_none()
                && r.health.start_if_due(now, &grid, cx.seed, &id, period)
            {
                let failing = match cx.gcs.actors.get_mut(&id) {
                    Some(a) if a.alive => match a.failing_health_checks {
                        Some(Some(n)) => {
                            a.failing_health_checks = if n <= 1 { None } else { Some(Some(n - 1)) };
                            true
                        }
                        Some(None) => true,
                        None => false,
                    },
                    _ => false,
                };
                r.health.in_flight = Some((now, failing));
                self.dirty = true;
            }
        }
        let scan_incomplete = cx.toggles.incomplete_gang_teardown && d.is_gang() && d.membership_changed;
        d.membership_changed = false;
        if unhealthy.is_empty() && !scan_incomplete {
            return;
        }
        // RESTART_GANG: the gangs of unhealthy members, plus incomplete gangs (a RUNNING member lists a sibling
        // the controller no longer tracks). Deduplicated per gang, in the order they were found.
        let mut gangs: Vec<(String, TeardownCause, String, Option<u64>)> = Vec::new();
        if d.is_gang() {
            for (idx, result, seq) in &unhealthy {
                let r = &d.replicas[*idx];
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
                let tracked: std::collections::BTreeSet<&str> = d.replicas.iter().map(|r| r.id.as_str()).collect();
                for r in &d.replicas {
                    if r.state != ReplicaState::Running || unhealthy.iter().any(|(i, ..)| d.replicas[*i].id == r.id) {
                        continue;
                    }
                    let Some(g) = &r.gang_context else { continue };
                    if gangs.iter().any(|(id, ..)| *id == g.gang_id) {
                        continue;
                    }
                    if let Some(missing) = g.member_replica_ids.iter().find(|m| !tracked.contains(m.as_str())) {
                        gangs.push((g.gang_id.clone(), TeardownCause::IncompleteGang, missing.clone(), None));
                    }
                }
            }
        }
        let mut stops: Vec<(usize, bool, String, Option<u64>)> = Vec::new();
        let mut teardown_seq: BTreeMap<String, u64> = BTreeMap::new();
        for (gang_id, cause, member, cause_seq) in &gangs {
            let members: Vec<String> = d
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
                    app: d.config.app.clone(),
                    deployment: d.config.name.clone(),
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
            d.torn_down_gangs.insert(gang_id.clone());
            d.gang_restarts += 1;
        }
        // Healthy members of those gangs first (Ray's pass 2), then the unhealthy replicas (pass 3).
        for (idx, r) in d.replicas.iter().enumerate() {
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
                ));
            }
        }
        for (idx, result, seq) in &unhealthy {
            let r = &d.replicas[*idx];
            let what = if *result == HealthCheckResult::ActorCrashed { "crashed" } else { "failed its health check" };
            let (graceful, reason, cause) = match &r.gang_context {
                Some(g) if d.config.gang.is_some() => (
                    false,
                    format!("replica {} {what}: force-stopping it as part of gang restart (gang {})", r.id, g.gang_id),
                    teardown_seq.get(&g.gang_id).copied().or(Some(*seq)),
                ),
                _ => (true, format!("replica {} {what}: stopping it; a replacement will be started", r.id), Some(*seq)),
            };
            stops.push((*idx, graceful, reason, cause));
        }
        for (idx, graceful, reason, cause) in stops {
            let d = &mut self.deployments[di];
            Self::stop_replica(d, idx, graceful, reason, cause, cx);
            Self::fire(d, Internal::HealthCheckFailed, Some(health_message()), cx);
        }
    }

    /// The STARTING sweep with its gang sibling sweep (Ray's `_check_startup_replicas`).
    fn startup_sweep(&mut self, di: usize, state: ReplicaState, cx: &mut Ctx) {
        let now = cx.now();
        let counting_per_gang = cx.toggles.startup_failure_counting == StartupFailureCounting::PerGang;
        let d = &mut self.deployments[di];
        let mut failed_gangs: Vec<(String, String, u64)> = Vec::new();
        for idx in 0..d.replicas.len() {
            if d.replicas[idx].state != state {
                continue;
            }
            let id = d.replicas[idx].id.clone();
            let status = match cx.gcs.actors.get(&id) {
                None => ReplicaStartupStatus::Failed,
                Some(a) if !a.alive => ReplicaStartupStatus::Failed,
                Some(a) if a.node.is_none() => ReplicaStartupStatus::PendingAllocation,
                Some(a) if a.init_done_at.is_none_or(|t| t > now) => ReplicaStartupStatus::PendingInitialization,
                Some(a) if a.init_fails => ReplicaStartupStatus::Failed,
                Some(_) => ReplicaStartupStatus::Succeeded,
            };
            if d.replicas[idx].startup != status {
                d.replicas[idx].startup = status;
            }
            match status {
                ReplicaStartupStatus::Succeeded => {
                    let took = cx.gcs.actors[&id].placed_at.map(|p| now.since(p)).unwrap_or_default();
                    let node = cx.node_of(&id);
                    let created = d.replicas[idx].created_at;
                    let r = &mut d.replicas[idx];
                    r.health = HealthState::starting_at(SimTime(now.0 + 1));
                    Self::set_state(
                        d,
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
                    let gang = d.replicas[idx].gang_context.clone();
                    let died = cx.gcs.actors.get(&id).is_none_or(|a| !a.alive);
                    let error = if died {
                        "the replica's actor died while starting"
                    } else {
                        "the constructor raised an exception"
                    };
                    let first_of_gang =
                        gang.as_ref().is_none_or(|g| !failed_gangs.iter().any(|(gid, ..)| *gid == g.gang_id));
                    let counts = !counting_per_gang || first_of_gang;
                    let seq = Self::record_startup_failure(d, &id, error, counts, cx);
                    if let Some(g) = &gang
                        && first_of_gang
                    {
                        failed_gangs.push((g.gang_id.clone(), id.clone(), seq));
                    }
                    Self::stop_replica(
                        d,
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
        // Sibling sweep: every other member of a gang with a FAILED member, in {this state, RUNNING}.
        for (gang_id, member, seq) in failed_gangs {
            let swept = |s: ReplicaState| {
                s == state
                    || s == ReplicaState::Running
                    || (cx.toggles.sweep_pending_migration && s == ReplicaState::PendingMigration)
            };
            let members: Vec<usize> = (0..d.replicas.len())
                .filter(|&i| {
                    swept(d.replicas[i].state)
                        && d.replicas[i].gang_context.as_ref().is_some_and(|g| g.gang_id == gang_id)
                })
                .collect();
            let ids: Vec<String> = members.iter().map(|&i| d.replicas[i].id.clone()).collect();
            let tseq = cx.log.push_caused(
                EventKind::GangTeardown {
                    app: d.config.app.clone(),
                    deployment: d.config.name.clone(),
                    gang_id: gang_id.clone(),
                    members: ids.clone(),
                    cause: TeardownCause::StartupFailed,
                    failed_member: Some(member.clone()),
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
            d.torn_down_gangs.insert(gang_id.clone());
            d.gang_restarts += 1;
            for i in members {
                let id = d.replicas[i].id.clone();
                Self::stop_replica(
                    d,
                    i,
                    false,
                    format!("replica {id}'s gang {gang_id} failed to start (member {member}): force-stopping it"),
                    Some(tseq),
                    cx,
                );
            }
        }
    }

    /// RECOVERING replicas answer the new controller's metadata call (Ray's recovery sweep).
    fn recovering_sweep(&mut self, di: usize, cx: &mut Ctx) {
        let now = cx.now();
        let d = &mut self.deployments[di];
        for idx in 0..d.replicas.len() {
            let r = &d.replicas[idx];
            if r.state != ReplicaState::Recovering || r.recover_ready_at.is_some_and(|t| t > now) {
                continue;
            }
            let id = r.id.clone();
            // (unreachable, alive, initialized) of its actor.
            let actor = cx.gcs.actors.get(&id).map(|a| (a.unreachable, a.alive, a.initialized(now)));
            // On a node that died but is not declared dead yet, the metadata call hangs; a replica RECOVERING for
            // longer than SLOW_STARTUP_WARNING_S is force-stopped, not counted, with no sibling sweep (errata §5).
            if actor.is_some_and(|(unreachable, ..)| unreachable) {
                if now.since(d.replicas[idx].since) >= cx.timing.slow_startup_warning {
                    Self::stop_replica(
                        d,
                        idx,
                        false,
                        format!("replica {id} has been RECOVERING for too long: force-stopping it (not counted)"),
                        None,
                        cx,
                    );
                }
                continue;
            }
            match actor {
                Some((_, true, true)) => {
                    let ctx = cx.gcs.actors[&id].gang_context.clone();
                    if let Some(g) = &ctx
                        && !d.reservations.contains_key(&g.gang_id)
                    {
                        d.reservations.insert(
                            g.gang_id.clone(),
                            GangReservation { pg_name: g.pg_name.clone(), member_ids: g.member_replica_ids.clone() },
                        );
                        d.reclaim_check = true;
                    }
                    let r = &mut d.replicas[idx];
                    r.gang_context = ctx.clone();
                    r.health = HealthState::starting_at(SimTime(now.0 + 1));
                    r.startup = ReplicaStartupStatus::Succeeded;
                    let gang = ctx
                        .map(|g| format!(", gang context preserved (gang {}, rank {})", g.gang_id, g.rank))
                        .unwrap_or_default();
                    Self::set_state(d, idx, ReplicaState::Running, format!("replica {id} recovered{gang}"), None, cx);
                }
                Some((_, true, false)) => {
                    // Crash before its first init call (#63153): unrecoverable, killed, not counted. Its gang
                    // context is unknown to the controller, so its gang PG is never registered (errata §8).
                    cx.gcs.kill_actor(&id);
                    d.replicas[idx].startup = ReplicaStartupStatus::Failed;
                    Self::stop_replica(
                        d,
                        idx,
                        false,
                        format!(
                            "replica {id} was never initialized before the controller crashed: unrecoverable, killed (not counted as a failure)"
                        ),
                        None,
                        cx,
                    );
                }
                _ => {
                    d.replicas[idx].startup = ReplicaStartupStatus::Failed;
                    let seq =
                        Self::record_startup_failure(d, &id, "the replica's actor died while recovering", true, cx);
                    Self::stop_replica(
                        d,
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

    /// A STARTING replica pending longer than SLOW_STARTUP_WARNING_S writes a message (status unchanged).
    fn slow_startup_warning(&mut self, di: usize, cx: &mut Ctx) {
        let now = cx.now();
        let w = cx.timing.slow_startup_warning;
        let d = &mut self.deployments[di];
        if now.since(d.created_at) < w || d.last_slow_warning.is_some_and(|t| now.since(t) < w) {
            return;
        }
        let slow: Vec<&DeploymentReplica> =
            d.replicas.iter().filter(|r| r.state == ReplicaState::Starting && now.since(r.created_at) >= w).collect();
        if slow.is_empty() {
            return;
        }
        let pending_alloc = slow.iter().filter(|r| r.startup == ReplicaStartupStatus::PendingAllocation).count();
        let secs = fmt_secs(SimTime(w.0));
        let secs = secs.trim_end_matches(".0");
        let (dep, app) = (d.config.name.clone(), d.config.app.clone());
        let message = if pending_alloc > 0 {
            // Ray prints the per-replica request: a gang's whole PG bundle list (or a per-replica bundle list), or
            // the actor's resources. Available amounts are summed over the keys of that request, so a list (whose
            // keys are not resource names) yields `{}` — as observed on real Ray 2.60.
            let bundle_list: Option<Vec<Resources>> = match (&d.config.gang, &d.config.bundles) {
                (Some(g), Some(t)) => Some((0..g.gang_size).flat_map(|_| t.iter().cloned()).collect()),
                (Some(g), None) => Some((0..g.gang_size).map(|_| d.config.actor_resources.clone()).collect()),
                (None, Some(t)) => Some(t.clone()),
                (None, None) => None,
            };
            let (required, available) = match bundle_list {
                Some(list) => (
                    format!("[{}]", list.iter().map(Resources::python_repr).collect::<Vec<_>>().join(", ")),
                    "{}".to_string(),
                ),
                None => {
                    let mut avail = Resources::new();
                    for n in cx.gcs.cluster.nodes.iter().filter(|n| n.schedulable()) {
                        for k in d.config.actor_resources.0.keys() {
                            avail.0.insert(k.clone(), avail.get(k) + n.available.get(k));
                        }
                    }
                    (d.config.actor_resources.python_repr(), avail.python_repr())
                }
            };
            format!(
                "Deployment '{dep}' in application '{app}' has {pending_alloc} replicas that have taken more than {secs}s to be scheduled. This may be due to waiting for the cluster to auto-scale or for a runtime environment to be installed. Resources required for each replica: {required}, total resources available: {available}. Use `ray status` for more details."
            )
        } else {
            format!(
                "Deployment '{dep}' in application '{app}' has {} replicas that have taken more than {secs}s to initialize. This may be caused by a slow __init__ or reconfigure method.",
                slow.len()
            )
        };
        d.last_slow_warning = Some(now);
        use crate::model::serve::status::DeploymentStatus as S;
        if d.status != S::Unhealthy && d.status != S::DeployFailed && d.message != message {
            d.message = message;
            Self::emit_status_from(
                d,
                Some(d.status),
                "slow start-up: replicas have been starting for a long time".to_string(),
                cx,
            );
        }
    }

    /// STOPPING replicas whose actor is gone leave the table; past their deadline they are force-killed.
    fn reap_stopping(&mut self, di: usize, cx: &mut Ctx) {
        let now = cx.now();
        let first_member_removal = cx.toggles.gang_pg_removal == GangPgRemoval::FirstMember;
        let d = &mut self.deployments[di];
        let mut idx = 0;
        while idx < d.replicas.len() {
            let r = &d.replicas[idx];
            if r.state != ReplicaState::Stopping {
                idx += 1;
                continue;
            }
            let id = r.id.clone();
            // A graceful stop that needs no drain (the replica never initialized) finishes in this same pass.
            if cx.gcs.actors.get(&id).is_some_and(|a| a.alive && a.exit_at.is_some_and(|t| t <= now)) {
                cx.gcs.kill_actor(&id);
            }
            let gone = cx.gcs.actors.get(&id).is_none_or(|a| !a.alive);
            if gone {
                let r = d.replicas.remove(idx);
                d.membership_changed = true;
                d.reclaim_check = true;
                let node = cx.node_of(&id);
                cx.gcs.reap_actor(&id);
                let gang = r.gang_context.clone();
                cx.log.push(
                    EventKind::ReplicaState {
                        replica: id.clone(),
                        app: d.config.app.clone(),
                        deployment: d.config.name.clone(),
                        gang_id: gang.as_ref().map(|g| g.gang_id.clone()),
                        rank: gang.as_ref().map(|g| g.rank),
                        from: Some(ReplicaState::Stopping),
                        to: ReplicaState::Stopped,
                        node,
                    },
                    format!("replica {id} is stopped"),
                );
                self.dirty = true;
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
                        // A per-replica PG goes with its replica.
                        let name = format!("SERVE_REPLICA::{}#{}#{}", d.config.app, d.config.name, id);
                        cx.gcs.remove_pg(&name, &format!("its replica {id} stopped"), cx.log);
                    }
                }
                continue;
            }
            let stop = r.stop.clone().expect("a STOPPING replica has a stop state");
            let exits = cx.gcs.actors.get(&id).and_then(|a| a.exit_at).is_some_and(|t| t <= now);
            if exits || (!stop.kill_sent && now >= stop.kill_at) {
                cx.gcs.kill_actor(&id);
                if let Some(s) = &mut d.replicas[idx].stop {
                    s.kill_sent = true;
                }
                self.dirty = true;
            }
            idx += 1;
        }
    }

    /// A gang PG goes once none of its expected members is tracked any more (Ray 2.60, #66221).
    fn reclaim_empty_gang_placement_groups(&mut self, di: usize, cx: &mut Ctx) {
        let d = &mut self.deployments[di];
        // A reservation can lose its last tracked member only when a replica leaves the table or a reservation
        // is added; otherwise the last call, which removed every empty one, still holds.
        if d.reservations.is_empty() || !d.reclaim_check {
            return;
        }
        d.reclaim_check = false;
        let tracked: std::collections::BTreeSet<&str> = d.replicas.iter().map(|r| r.id.as_str()).collect();
        let empty: Vec<String> = d
            .reservations
            .iter()
            .filter(|(_, res)| !res.member_ids.iter().any(|m| tracked.contains(m.as_str())))
            .map(|(g, _)| g.clone())
            .collect();
        for gang_id in empty {
            let res = d.reservations.remove(&gang_id).expect("reservation");
            cx.gcs.check_dirty.pgs.insert(res.pg_name.clone());
            cx.gcs.remove_pg(&res.pg_name, &format!("every member of gang {gang_id} has left it"), cx.log);
            self.dirty = true;
        }
    }

    // ===== STEP 2 / 6 ==========================================================================================

    fn check_curr_status(&mut self, di: usize, cx: &mut Ctx) {
        let d = &mut self.deployments[di];
        if d.deleting {
            return;
        }
        let running = d.count(&[ReplicaState::Running]);
        if running > 0 {
            d.replica_has_started = true;
        }
        if d.target > 0 && d.failure_count >= d.failure_threshold() && running == 0 {
            let msg = format!(
                "The deployment failed to start {} times in a row. This may be due to a problem with its constructor or initial health check failing. See controller logs for details.",
                d.failure_count
            );
            Self::fire(d, Internal::ReplicaStartupFailed, Some(msg), cx);
            return;
        }
        let transitioning = d.count(&[
            ReplicaState::Starting,
            ReplicaState::Updating,
            ReplicaState::Recovering,
            ReplicaState::Stopping,
        ]);
        if transitioning == 0 && running == d.target && Self::fire(d, Internal::Healthy, Some(String::new()), cx) {
            d.failure_count = 0;
        }
    }

    // ===== STEP 4 ==============================================================================================

    /// Ray's `_reserve_gang_placement_groups`: one PG per missing gang, for every gang deployment at once.
    fn reserve_gang_placement_groups(&mut self, cx: &mut Ctx) -> Vec<Reservation> {
        let mut out = Vec::with_capacity(self.deployments.len());
        for d in &self.deployments {
            let Some(gang) = &d.config.gang else {
                out.push(None);
                continue;
            };
            if d.quiet {
                out.push(None);
                continue;
            }
            let to_start = d.num_replicas_to_start();
            // Old resources are not released yet while a replica is STOPPING: retry next loop.
            if to_start == 0 || d.count(&[ReplicaState::Stopping]) > 0 {
                out.push(None);
                continue;
            }
            if to_start % gang.gang_size != 0 {
                out.push(Some(Err(format!(
                    "num_replicas_to_add {to_start} is not divisible by gang_size {}.",
                    gang.gang_size
                ))));
                continue;
            }
            let mut made = Vec::new();
            for i in 0..to_start / gang.gang_size {
                let gang_id = ids::gang_id(cx.rng);
                let pg_name = format!("{GANG_PG_NAME_PREFIX}{}_{}_{i}_{gang_id}", d.config.app, d.config.name);
                let mut bundles = Vec::new();
                for _ in 0..gang.gang_size {
                    match &d.config.bundles {
                        None => bundles.push(Bundle {
                            resources: d.config.actor_resources.clone(),
                            label_selector: BTreeMap::new(),
                            node: None,
                        }),
                        Some(template) => {
                            for (bi, b) in template.iter().enumerate() {
                                let sel = d.config.bundle_selector(bi);
                                bundles.push(Bundle { resources: b.clone(), label_selector: sel, node: None });
                            }
                        }
                    }
                }
                let pg_id = ids::pg_id(cx.rng);
                cx.gcs.create_pg(
                    pg_id,
                    pg_name.clone(),
                    gang.strategy,
                    bundles,
                    PgOwner {
                        app: d.config.app.clone(),
                        deployment: d.config.name.clone(),
                        gang_id: Some(gang_id.clone()),
                    },
                    &format!("reserving gang {gang_id} of {} for {}", gang.gang_size, d.config.label()),
                    cx.log,
                );
                made.push((gang_id, pg_name));
            }
            out.push(Some(Ok(made)));
        }
        out
    }

    // ===== STEP 5 ==============================================================================================

    /// Ray's `scale_deployment_replicas`: add whole gangs for the reserved PGs (or single replicas), and
    /// return how many replicas to stop when above target.
    fn scale_deployment_replicas(&mut self, di: usize, reservation: Reservation, cx: &mut Ctx) -> Option<u32> {
        let now = cx.now();
        let d = &mut self.deployments[di];
        let current =
            d.count(&[ReplicaState::Starting, ReplicaState::Updating, ReplicaState::Running, ReplicaState::Recovering]);
        if current > d.target {
            return Some(current - d.target);
        }
        if let Some(gang) = d.config.gang.clone() {
            match reservation {
                None => {}
                Some(Err(e)) => {
                    let seq = cx.log.push(
                        EventKind::ReservationFailed {
                            app: d.config.app.clone(),
                            deployment: d.config.name.clone(),
                            error: e.clone(),
                        },
                        format!(
                            "gang reservation for {} failed: {e} It counts as a start-up failure.",
                            d.config.label()
                        ),
                    );
                    if d.target > 0 {
                        d.failure_count += 1;
                        Self::set_failure_message(
                            d,
                            &format!("Gang scheduling failed: {e} See Serve controller logs for more details."),
                            Some(seq),
                            cx,
                        );
                    }
                }
                Some(Ok(gangs)) => {
                    let bpr = d.config.bundles_per_replica();
                    for (gang_id, pg_name) in gangs {
                        let ids: Vec<String> = (0..gang.gang_size).map(|_| ids::replica_id(cx.rng)).collect();
                        d.reclaim_check = true;
                        d.reservations.insert(
                            gang_id.clone(),
                            GangReservation { pg_name: pg_name.clone(), member_ids: ids.clone() },
                        );
                        let seq = cx.log.push(
                            EventKind::GangReserved {
                                app: d.config.app.clone(),
                                deployment: d.config.name.clone(),
                                gang_id: gang_id.clone(),
                                pg_name: pg_name.clone(),
                                members: ids.clone(),
                            },
                            format!(
                                "gang {gang_id} reserved for {}: {} replica ids minted before any member starts, PG {pg_name}",
                                d.config.label(),
                                gang.gang_size
                            ),
                        );
                        for (rank, id) in ids.iter().enumerate() {
                            let ctx = GangContext {
                                gang_id: gang_id.clone(),
                                rank: rank as u32,
                                world_size: gang.gang_size,
                                member_replica_ids: ids.clone(),
                                pg_name: pg_name.clone(),
                            };
                            let placement =
                                ActorPlacement::Bundle { pg_name: pg_name.clone(), bundle_index: rank * bpr };
                            Self::add_replica(
                                d,
                                id.clone(),
                                Some(ctx),
                                placement,
                                format!(
                                    "replica {id} starting as rank {rank} of gang {gang_id}, pinned to bundle {} of {pg_name}",
                                    rank * bpr
                                ),
                                Some(seq),
                                now,
                                cx,
                            );
                        }
                    }
                }
            }
            return None;
        }
        let to_add = d.num_replicas_to_start();
        for _ in 0..to_add {
            let id = ids::replica_id(cx.rng);
            let placement = match &d.config.bundles {
                Some(template) => {
                    let name = format!("SERVE_REPLICA::{}#{}#{}", d.config.app, d.config.name, id);
                    let bundles = template
                        .iter()
                        .enumerate()
                        .map(|(bi, b)| Bundle {
                            resources: b.clone(),
                            label_selector: d.config.bundle_selector(bi),
                            node: None,
                        })
                        .collect();
                    let pg_id = ids::pg_id(cx.rng);
                    cx.gcs.create_pg(
                        pg_id,
                        name.clone(),
                        d.config.pg_strategy,
                        bundles,
                        PgOwner { app: d.config.app.clone(), deployment: d.config.name.clone(), gang_id: None },
                        &format!("per-replica placement group for replica {id}"),
                        cx.log,
                    );
                    ActorPlacement::Bundle { pg_name: name, bundle_index: 0 }
                }
                None => ActorPlacement::Spread,
            };
            let how = if placement == ActorPlacement::Spread {
                "scheduled with SPREAD"
            } else {
                "in its own placement group"
            };
            Self::add_replica(
                d,
                id.clone(),
                None,
                placement,
                format!("replica {id} starting ({how}) to reach {} replicas", d.target),
                None,
                now,
                cx,
            );
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn add_replica(
        d: &mut DeploymentState,
        id: String,
        gang_context: Option<GangContext>,
        placement: ActorPlacement,
        reason: String,
        cause: Option<u64>,
        now: SimTime,
        cx: &mut Ctx,
    ) {
        cx.gcs.create_actor(ReplicaActor {
            replica_id: id.clone(),
            app: d.config.app.clone(),
            deployment: d.config.name.clone(),
            resources: d.config.actor_resources.clone(),
            placement,
            node: None,
            alive: true,
            unreachable: false,
            created_seq: 0,
            placed_at: None,
            init_done_at: None,
            init_fails: false,
            gang_context: gang_context.clone(),
            failing_health_checks: None,
            exit_at: None,
            fault_cause: None,
        });
        d.replicas.push(DeploymentReplica {
            id: id.clone(),
            state: ReplicaState::Starting,
            startup: ReplicaStartupStatus::PendingAllocation,
            gang_context: gang_context.clone(),
            created_at: now,
            since: now,
            health: HealthState::default(),
            stop: None,
            recover_ready_at: None,
            actor_ok: None,
        });
        cx.log.push_caused(
            EventKind::ReplicaState {
                replica: id,
                app: d.config.app.clone(),
                deployment: d.config.name.clone(),
                gang_id: gang_context.as_ref().map(|g| g.gang_id.clone()),
                rank: gang_context.as_ref().map(|g| g.rank),
                from: None,
                to: ReplicaState::Starting,
                node: None,
            },
            reason,
            cause,
        );
    }

    // ===== STEP 7 ==============================================================================================

    fn downscale(&mut self, di: usize, num_to_stop: u32, cx: &mut Ctx) {
        let head = cx.gcs.cluster.head_id().to_string();
        let victims = scheduler::replicas_to_stop(&self.deployments, di, num_to_stop, &head, cx.gcs);
        let d = &mut self.deployments[di];
        let from =
            d.count(&[ReplicaState::Starting, ReplicaState::Updating, ReplicaState::Running, ReplicaState::Recovering]);
        let why = if d.deleting {
            "the application is being deleted".to_string()
        } else {
            format!("downscaling from {from} to {} replicas", d.target)
        };
        for id in victims {
            if let Some(idx) = d.index_of(&id) {
                let gang = d.replicas[idx]
                    .gang_context
                    .as_ref()
                    .map(|g| format!(" (gang {}, whole gangs only)", g.gang_id))
                    .unwrap_or_default();
                Self::stop_replica(d, idx, true, format!("stopping replica {id} gracefully: {why}{gang}"), None, cx);
            }
        }
    }

    // ===== deleted deployments, applications ===================================================================

    fn remove_deleted(&mut self, cx: &mut Ctx) {
        let before = self.deployments.len();
        self.deployments.retain(|d| !(d.deleting && d.replicas.is_empty() && d.reservations.is_empty()));
        if self.deployments.len() != before {
            self.dirty = true;
        }
        let mut i = 0;
        while i < self.apps.len() {
            let name = self.apps[i].name.clone();
            if self.apps[i].deleting && !self.deployments.iter().any(|d| d.config.app == name) {
                let from = self.apps.remove(i).status;
                cx.log.push(
                    EventKind::AppStatus { app: name.clone(), from: Some(from), to: ApplicationStatus::NotStarted },
                    format!("application {name} deleted: every deployment, replica and gang placement group is gone"),
                );
                continue;
            }
            i += 1;
        }
    }

    pub fn update_app_statuses(&mut self, cx: &mut Ctx) {
        for app in &mut self.apps {
            let statuses: Vec<_> =
                self.deployments.iter().filter(|d| d.config.app == app.name).map(|d| (d.status, d.trigger)).collect();
            let next = derive_app_status(app.deleting, &statuses);
            if next != app.status {
                let from = app.status;
                app.status = next;
                cx.log.push(
                    EventKind::AppStatus { app: app.name.clone(), from: Some(from), to: next },
                    format!("application {} is {}: derived from its deployments' statuses", app.name, next.as_str()),
                );
            }
        }
    }

    // ===== shared helpers ======================================================================================

    pub fn set_state(
        d: &mut DeploymentState,
        idx: usize,
        to: ReplicaState,
        reason: String,
        cause: Option<u64>,
        cx: &mut Ctx,
    ) {
        let now = cx.now();
        if to == ReplicaState::Running {
            d.membership_changed = true;
        }
        let r = &mut d.replicas[idx];
        let from = r.state;
        r.state = to;
        r.since = now;
        let gang = r.gang_context.clone();
        let id = r.id.clone();
        let node = cx.node_of(&id);
        cx.log.push_caused(
            EventKind::ReplicaState {
                replica: id,
                app: d.config.app.clone(),
                deployment: d.config.name.clone(),
                gang_id: gang.as_ref().map(|g| g.gang_id.clone()),
                rank: gang.as_ref().map(|g| g.rank),
                from: Some(from),
                to,
                node,
            },
            reason,
            cause,
        );
    }

    /// Stop a replica: the graceful-shutdown request is always sent; a forced stop sets the kill deadline to now.
    pub fn stop_replica(
        d: &mut DeploymentState,
        idx: usize,
        graceful: bool,
        reason: String,
        cause: Option<u64>,
        cx: &mut Ctx,
    ) {
        let now = cx.now();
        let id = d.replicas[idx].id.clone();
        if d.replicas[idx].state == ReplicaState::Stopping {
            return;
        }
        let kill_at = if graceful { now.plus(d.config.graceful_shutdown_timeout) } else { now };
        d.replicas[idx].stop = Some(StopState { graceful, kill_at, kill_sent: false });
        if let Some(a) = cx.gcs.actors.get(&id) {
            // An initialized replica drains for one wait loop; one that never initialized skips the drain.
            let drain = if a.initialized(now) {
                crate::model::time::SimDuration(
                    d.config.graceful_shutdown_wait_loop.0.min(d.config.graceful_shutdown_timeout.0),
                )
            } else {
                crate::model::time::SimDuration::ZERO
            };
            cx.gcs.request_exit(&id, now.plus(drain));
        }
        Self::set_state(d, idx, ReplicaState::Stopping, reason, cause, cx);
    }

    fn record_startup_failure(d: &mut DeploymentState, id: &str, error: &str, counts: bool, cx: &mut Ctx) -> u64 {
        if counts && d.target > 0 {
            d.failure_count += 1;
        }
        let seq = cx.log.push(
            EventKind::StartupFailure {
                app: d.config.app.clone(),
                deployment: d.config.name.clone(),
                replica: id.to_string(),
                failure_count: d.failure_count,
                threshold: d.failure_threshold(),
            },
            if counts {
                format!(
                    "replica {id} failed to start: {error}; start-up failures {} of {} (min(max_constructor_retry_count, 3 × target))",
                    d.failure_count,
                    d.failure_threshold()
                )
            } else {
                format!("replica {id} failed to start: {error}; its gang already counted this failure")
            },
        );
        Self::set_failure_message(d, &format!("Error: {error}"), Some(seq), cx);
        seq
    }

    fn set_failure_message(d: &mut DeploymentState, error: &str, cause: Option<u64>, cx: &mut Ctx) {
        let retry = if !d.replica_has_started {
            format!("Retrying {} more time(s).", d.failure_threshold().saturating_sub(d.failure_count))
        } else {
            "Retrying.".to_string()
        };
        let msg = if error.starts_with("Gang scheduling failed") {
            error.to_string()
        } else {
            format!("A replica failed to start with exception. {retry} {error}")
        };
        use crate::model::serve::status::DeploymentStatus as S;
        if d.message != msg && d.status != S::DeployFailed {
            d.message = msg;
            let _ = cause;
            Self::emit_status_from(d, Some(d.status), "start-up failure recorded".to_string(), cx);
        }
    }

    /// Feed an internal trigger to the status machine; returns whether the status changed.
    pub fn fire(d: &mut DeploymentState, event: Internal, message: Option<String>, cx: &mut Ctx) -> bool {
        let Some((status, trigger)) = handle_transition(d.status, d.trigger, event) else { return false };
        let from = d.status;
        d.status = status;
        d.trigger = trigger;
        if let Some(m) = message {
            d.message = m;
        }
        let why = match event {
            Internal::Healthy => "every replica is RUNNING at the target count".to_string(),
            Internal::HealthCheckFailed => "a replica's health check failed".to_string(),
            Internal::ReplicaStartupFailed => {
                format!("{} start-up failures reached the threshold {}", d.failure_count, d.failure_threshold())
            }
            Internal::Delete => "the application is being deleted".to_string(),
            Internal::ConfigUpdate => "a new config was deployed".to_string(),
            Internal::ManuallyIncreaseNumReplicas | Internal::ManuallyDecreaseNumReplicas => {
                format!("num_replicas set to {}", d.target)
            }
        };
        Self::emit_status_from(d, Some(from), why, cx);
        true
    }

    pub(crate) fn emit_status_from(
        d: &DeploymentState,
        from: Option<crate::model::serve::status::DeploymentStatus>,
        why: String,
        cx: &mut Ctx,
    ) {
        cx.log.push(
            EventKind::DeploymentStatus {
                app: d.config.app.clone(),
                deployment: d.config.name.clone(),
                from,
                to: d.status,
                status_trigger: d.trigger,
                message: d.message.clone(),
            },
            format!("{} is {} ({}): {why}", d.config.label(), d.status.as_str(), d.trigger.as_str()),
        );
    }

    /// When the controller next needs to run if nothing else happens (idle ticks are skipped).
    pub fn next_timer(&self, gcs: &Gcs, timing: &Timing) -> Option<SimTime> {
        let mut t: Option<SimTime> = None;
        let mut at = |x: SimTime| t = Some(t.map_or(x, |y| y.min(x)));
        for d in self.deployments.iter().filter(|d| !d.quiet) {
            let fault_gen = gcs.fault_gen(&d.config.app, &d.config.name);
            for r in &d.replicas {
                // A RUNNING replica with a healthy actor and no check under way or failed has no timer.
                if matches!(r.state, ReplicaState::Running | ReplicaState::PendingMigration)
                    && r.actor_ok == Some(fault_gen)
                    && r.health.consecutive_failures == 0
                    && r.health.in_flight.is_none()
                {
                    continue;
                }
                let actor = gcs.actors.get(&r.id);
                match r.state {
                    ReplicaState::Starting | ReplicaState::Updating => {
                        if let Some(done) = actor.and_then(|a| a.init_done_at) {
                            at(done);
                        }
                        use crate::model::serve::status::DeploymentStatus as S;
                        if d.status != S::Unhealthy && d.status != S::DeployFailed {
                            let w = timing.slow_startup_warning;
                            let mut when = r.created_at.plus(w).max(d.created_at.plus(w));
                            if let Some(last) = d.last_slow_warning {
                                when = when.max(last.plus(w));
                            }
                            at(when);
                        }
                    }
                    ReplicaState::Recovering => {
                        at(r.recover_ready_at.unwrap_or_default());
                        at(r.since.plus(timing.slow_startup_warning));
                    }
                    ReplicaState::Running | ReplicaState::PendingMigration => {
                        let faulty = actor.is_none_or(|a| !a.alive || a.failing_health_checks.is_some());
                        match (r.health.in_flight, actor) {
                            // A check on an actor whose node died unnoticed hangs until it times out (or the node
                            // is declared dead, a GCS event that wakes the controller anyway).
                            (Some((started, _)), Some(a)) if a.unreachable => {
                                at(started.plus(d.config.health_check_timeout))
                            }
                            _ if faulty || r.health.consecutive_failures > 0 || r.health.in_flight.is_some() => {
                                at(r.health.next_timer(&self.grid))
                            }
                            _ => {}
                        }
                    }
                    ReplicaState::Stopping => {
                        if let Some(s) = &r.stop
                            && !s.kill_sent
                        {
                            at(s.kill_at);
                        }
                        match actor {
                            Some(a) if a.alive => {
                                if let Some(e) = a.exit_at {
                                    at(e);
                                }
                            }
                            _ => at(SimTime::ZERO),
                        }
                    }
                    ReplicaState::Stopped => {}
                }
            }
        }
        t
    }
}

fn health_message() -> String {
    "A replica's health check failed. This deployment will be UNHEALTHY until the replica recovers or a new deploy happens.".to_string()
}
