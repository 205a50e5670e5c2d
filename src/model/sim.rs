//! The simulation driver: virtual time, the wakeup order, actions, and snapshots.
//!
//! A run advances from one interesting time to the next: an action, a GCS timer (a node declared dead, an actor
//! finishing its graceful shutdown), the controller's restart, or a control-loop tick. Ticks where nothing can
//! change are skipped (see `ServeController::next_tick_at`), so idle time costs nothing.
use crate::model::cluster::DrainReason;
use crate::model::cluster::{Cluster, Node};
use crate::model::events::{Event, EventKind};
use crate::model::gcs::{ConstructorFault, Gcs};
use crate::model::invariants::{self, CheckerMode, CheckerState, Finding, Violation};
use crate::model::log::EventLog;
use crate::model::placement::PlacementStrategy;
use crate::model::scenario::{Action, ActionKind, ReplicaRef, Scenario, Times, Timing};
use crate::model::serve::calls::QueuedCall;
use crate::model::serve::controller::{AppState, ServeController};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentConfig, DeploymentState, GangConfig};
use crate::model::serve::health::TickGrid;
use crate::model::serve::status::ApplicationStatus;
use crate::model::snapshot::Snapshot;
use crate::model::time::{SimDuration, SimTime, fmt_secs};
use crate::model::trace::Trace;
use crate::model::traffic::Traffic;
use crate::model::world::World;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The controller's view of the world, borrowed field by field (so the controller itself can stay borrowed).
macro_rules! ctx {
    ($s:ident) => {
        Ctx {
            gcs: &mut $s.gcs,
            log: &mut $s.log,
            rng: &mut $s.rng,
            timing: &$s.timing,
            toggles: &$s.behaviour,
            seed: $s.scenario.seed,
            gcs_queries_fail: $s.now < $s.gcs_queries_fail_until,
            changed: false,
        }
    };
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub(crate) scenario: Scenario,
    pub(crate) timing: Timing,
    /// The scenario's toggles, resolved once.
    pub(crate) behaviour: crate::model::serve::behaviour::Behaviour,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) now: SimTime,
    /// Pending actions by (time, order).
    pub(crate) actions: BTreeMap<(SimTime, u64), ActionKind>,
    next_action_seq: u64,
    pub(crate) gcs: Gcs,
    pub(crate) controller: ServeController,
    pub(crate) log: EventLog,
    pub(crate) violations: Vec<Violation>,
    /// Cluster-state queries fail until this time (`fail_gcs_queries`).
    pub(crate) gcs_queries_fail_until: SimTime,
    /// Wakeups processed so far (a cost measure for benchmarks).
    pub steps: u64,
    pub ticks: u64,
    /// Which invariant checker runs after every step that changed something: the incremental one (default), the
    /// reference one (a whole-world scan, `invariants::find_full`; both record the same violations,
    /// `tests/checker_equivalence.rs`), or none (benchmarks, to measure the model alone; tests never do).
    pub checker: CheckerMode,
    /// Tests: audit the incremental checker's change tracking at every check (slow; panics on a missed change).
    /// Only in builds with debug assertions (`cargo test`); release builds ignore it.
    pub audit_checker: bool,
    pub(crate) checker_state: CheckerState,
    /// Actions queued by a user after the start (see `schedule`).
    user_actions: Vec<crate::model::scenario::Action>,
    /// Calls to the controller made while it is down (`serve.delete`, a scale): the callers retry them
    /// (`max_task_retries=-1`) until the restarted controller serves them, in order (`serve/calls.rs`).
    pub(crate) queued_calls: Vec<QueuedCall>,
    /// The callers' requests (`traffic/`).
    pub(crate) traffic: Traffic,
}

impl Simulation {
    /// Build a run from a scenario that passed validation (`parse_scenario`).
    pub fn new(scenario: &Scenario) -> Simulation {
        let timing = scenario.timing.resolve();
        let behaviour = scenario.toggles.resolve();
        let head = &scenario.cluster.head;
        let mut nodes = vec![Node {
            id: scenario.head_id(),
            is_head: true,
            resources: head.resources.clone(),
            available: head.resources.clone(),
            labels: head.labels.clone(),
            killed_at: None,
            dead: false,
            joined_seq: 0,
            draining: None,
        }];
        for (i, n) in scenario.cluster.nodes.iter().enumerate() {
            nodes.push(Node {
                id: n.id.clone(),
                is_head: false,
                resources: n.resources.clone(),
                available: n.resources.clone(),
                labels: n.labels.clone(),
                killed_at: None,
                dead: false,
                joined_seq: i as u32 + 1,
                draining: None,
            });
        }
        for n in &mut nodes {
            n.resources.0.retain(|_, v| *v != 0);
            n.available = n.resources.clone();
        }
        let mut gcs = Gcs::new(Cluster::new(nodes), timing.replica_startup_min, timing.replica_startup_max);
        gcs.warm_startup_min = timing.replica_warm_startup_min;
        gcs.warm_startup_max = timing.replica_warm_startup_max;
        gcs.placement_seed = scenario.seed ^ 0x05ee_d9c5_0000_0001;
        let mut deployments = Vec::new();
        let mut apps = Vec::new();
        for app in &scenario.applications {
            apps.push(AppState { name: app.name.clone(), status: ApplicationStatus::Deploying, deleting: false });
            for d in &app.deployments {
                let config = deployment_config(&app.name, d, &timing);
                let target = initial_target(&config, d);
                deployments.push(DeploymentState::new(config, target, SimTime::ZERO));
            }
        }
        let controller = ServeController {
            alive: true,
            incarnation: 1,
            restart_at: None,
            grid: TickGrid { origin: SimTime::ZERO, interval: timing.control_loop_interval },
            deployments,
            apps,
            recovering: false,
            dirty: true,
            // The applications are deployed at t = 0; the controller's next loop, one interval later, acts on it.
            last_tick: Some(SimTime::ZERO),
            last_autoscale: None,
            last_recovery_at: None,
            crashed_at: None,
            leak_exempt: Default::default(),
            recovered_pgs: Default::default(),
        };
        let mut sim = Simulation {
            scenario: scenario.clone(),
            timing,
            behaviour,
            rng: ChaCha8Rng::seed_from_u64(scenario.seed),
            now: SimTime::ZERO,
            actions: BTreeMap::new(),
            next_action_seq: 0,
            gcs,
            controller,
            log: EventLog::default(),
            violations: Vec::new(),
            gcs_queries_fail_until: SimTime::ZERO,
            steps: 0,
            ticks: 0,
            checker: CheckerMode::Incremental,
            audit_checker: false,
            checker_state: Default::default(),
            user_actions: Vec::new(),
            queued_calls: Vec::new(),
            traffic: Traffic::default(),
        };
        sim.traffic = Traffic::new(scenario, &sim.controller);
        for a in &scenario.actions {
            sim.queue(SimTime::from_secs_f64(a.at_s), a.kind.clone());
        }
        sim.announce_start();
        sim
    }

    fn announce_start(&mut self) {
        for d in &self.controller.deployments {
            self.log.push(
                EventKind::DeploymentStatus {
                    app: d.config.app.clone(),
                    deployment: d.config.name.clone(),
                    from: None,
                    to: d.status,
                    status_trigger: d.trigger,
                    message: String::new(),
                },
                format!("Deploying new version of {} (initial target replicas: {})", d.config.label(), d.target),
            );
        }
        for a in &self.controller.apps {
            self.log.push(
                EventKind::AppStatus { app: a.name.clone(), from: None, to: a.status },
                format!("application {} is DEPLOYING", a.name),
            );
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn timing(&self) -> &Timing {
        &self.timing
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn control_loop_interval(&self) -> SimDuration {
        self.timing.control_loop_interval
    }
    /// The control-loop tick number of a time.
    pub fn tick_of(&self, t: SimTime) -> u64 {
        t.0 / self.timing.control_loop_interval.0
    }
    /// The first control-loop tick (on the controller's grid) strictly after `t`.
    pub fn next_tick_after(&self, t: SimTime) -> SimTime {
        self.controller.grid.ceil(SimTime(t.0 + 1))
    }
    /// The events the log keeps (the most recent ones, `log::EVENTS_KEPT`), oldest first, numbered absolutely.
    pub fn events(&self) -> &[Event] {
        &self.log.events
    }
    /// Keep every event from now on instead of the newest [`crate::model::log::EVENTS_KEPT`] (a command-line run,
    /// whose trace must be the whole run; the page bounds its memory instead).
    pub fn keep_all_events(&mut self) {
        self.log.keep_all = true;
    }
    /// How many events the run has recorded from the start, kept or dropped (the next sequence number).
    pub fn events_recorded(&self) -> u64 {
        self.log.len()
    }
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    pub fn until(&self) -> SimTime {
        SimTime::from_secs_f64(self.scenario.until_s)
    }

    /// Queue a user action at `at` (never before now: a past time means now). It is also recorded, so the
    /// trace's scenario (and an export) carries it and reproduces the run on its own.
    pub fn schedule(&mut self, at: SimTime, kind: ActionKind) {
        let at = at.max(self.now);
        self.user_actions.push(crate::model::scenario::Action { at_s: at.as_secs_f64(), kind: kind.clone() });
        self.queue(at, kind);
    }

    fn queue(&mut self, at: SimTime, kind: ActionKind) {
        self.next_action_seq += 1;
        self.actions.insert((at, self.next_action_seq), kind);
    }

    /// The actions queued with [`Simulation::schedule`] (not the scenario's own), in the order they were queued.
    pub fn user_actions(&self) -> &[crate::model::scenario::Action] {
        &self.user_actions
    }

    /// The next time at which anything happens, if any.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        let action = self.actions.keys().next().map(|(t, _)| *t);
        let gcs = self.gcs.next_timer();
        let restart = if self.controller.alive { None } else { self.controller.restart_at };
        // Periodic leak detection resumes when cluster-state queries work again: wake the controller then.
        let queries_back = (self.behaviour.leak_detection == crate::model::serve::behaviour::LeakDetection::Periodic
            && self.gcs_queries_fail_until > self.now)
            .then_some(self.gcs_queries_fail_until);
        let tick =
            self.controller.next_tick_at(&self.gcs, &self.timing).map(|t| self.controller.grid.ceil(t.max(self.now)));
        let autoscale = self.controller.next_autoscale_at().map(|t| self.controller.grid.ceil(t.max(self.now)));
        [action, gcs, restart, tick, queries_back, autoscale].into_iter().flatten().min()
    }

    /// Process everything up to and including `t`, then stand at `t`.
    pub fn run_until(&mut self, t: SimTime) {
        // Bounded: every iteration moves time forward or consumes a wakeup.
        while let Some(next) = self.next_wakeup() {
            if next > t {
                break;
            }
            self.process(next);
        }
        if t > self.now {
            self.now = t;
        }
        self.traffic.advance_fixed(t, &mut self.controller, &mut self.log);
    }

    /// Advance to the next control-loop tick after now and run it (even if nothing would change).
    pub fn step_tick(&mut self) {
        let next = self.next_tick_after(self.now);
        self.run_until(next);
        if self.controller.alive && self.controller.last_tick != Some(next) && self.now == next {
            self.controller.dirty = true;
            self.process(next);
        }
    }

    /// Advance until at least one new event is recorded (or `limit`). Returns whether one was.
    pub fn step_to_next_event(&mut self, limit: SimTime) -> bool {
        let before = self.log.len();
        while self.log.len() == before {
            match self.next_wakeup() {
                Some(t) if t <= limit => self.process(t),
                _ => {
                    self.now = self.now.max(limit);
                    return false;
                }
            }
        }
        true
    }

    /// Run to the scenario's `until_s`.
    pub fn run_to_end(&mut self) {
        let until = self.until();
        self.run_until(until);
    }

    /// Everything that happens at time `t`, in order: actions, GCS timers, controller restart, placement, tick.
    fn process(&mut self, t: SimTime) {
        self.steps += 1;
        let mutations_before = self.gcs.mutations;
        // The callers' requests flow up to now with the routable sets as they were.
        self.log.now = self.now;
        self.traffic.advance(t, &mut self.controller, &mut self.log);
        self.now = t;
        self.log.now = t;
        self.log.tick = self.tick_of(t);
        let before = self.log.len();
        let due: Vec<(SimTime, u64)> = self.actions.range(..=(t, u64::MAX)).map(|(k, _)| *k).collect();
        let mut world_changed = !due.is_empty() || t == self.gcs_queries_fail_until;
        for key in due {
            let kind = self.actions.remove(&key).expect("due action");
            self.apply(kind);
        }
        self.gcs.run_exits(t);
        self.gcs.run_drain_deadlines(t, self.timing.node_death_detection, &mut self.log);
        self.gcs.run_node_deaths(t, &mut self.log);
        if !self.controller.alive && self.controller.restart_at.is_some_and(|r| r <= t) {
            let fail = t < self.gcs_queries_fail_until;
            let mut cx = ctx!(self);
            self.controller.restart(fail, &mut cx);
            self.serve_queued_calls();
        }
        self.gcs.schedule(&mut self.rng, &mut self.log);
        if self.log.len() > before {
            world_changed = true;
        }
        if world_changed || self.gcs.mutations != mutations_before {
            self.controller.dirty = true;
        }
        if self.controller.alive {
            let next =
                self.controller.next_tick_at(&self.gcs, &self.timing).map(|x| self.controller.grid.ceil(x.max(t)));
            if next == Some(t) {
                let mut cx = ctx!(self);
                self.controller.update(&mut cx);
                self.ticks += 1;
                self.gcs.schedule(&mut self.rng, &mut self.log);
            } else if self.controller.next_autoscale_at().map(|x| self.controller.grid.ceil(x.max(t))) == Some(t) {
                let mut cx = ctx!(self);
                self.controller.autoscale_only(&mut cx);
            }
        }
        // The routers learn the new running sets (STEP 7) and the replicas that died.
        self.traffic.refresh(&mut self.controller, &self.gcs, &self.behaviour, &mut self.log);
        // Invariants can only break when something changed: an event was recorded or the GCS mutated.
        if self.checker != CheckerMode::Off && (self.log.len() > before || self.gcs.mutations != mutations_before) {
            self.check_invariants();
        }
    }

    /// Run the invariant checker, clear the change marks it read, and record what it found.
    fn check_invariants(&mut self) {
        let mut state = std::mem::take(&mut self.checker_state);
        let found = invariants::check(&self.world(), &mut state, self.checker, self.audit_checker);
        self.checker_state = state;
        self.gcs.check_dirty = Default::default();
        for d in &mut self.controller.deployments {
            d.check_dirty = false;
        }
        self.record(found);
    }

    /// Record findings not recorded before (once per (invariant, message)), in order.
    fn record(&mut self, found: Vec<Finding>) {
        for Finding { invariant, message } in found {
            if self.violations.iter().any(|v| v.invariant == invariant.as_str() && v.message == message) {
                continue;
            }
            self.violations.push(Violation {
                t_s: self.now.as_secs_f64(),
                tick: self.log.tick,
                invariant: invariant.to_string(),
                message: message.clone(),
                reproduces_ray_2_60: invariant.is_ray_2_60_flaw(),
            });
            self.log.push(
                EventKind::Violation { invariant: invariant.to_string() },
                format!("INVARIANT VIOLATED ({invariant}): {message}"),
            );
        }
    }

    // ===== actions =============================================================================================

    fn apply(&mut self, kind: ActionKind) {
        let name = kind.name().to_string();
        let result: Result<(Option<String>, String), String> = match &kind {
            ActionKind::KillReplica { replica } => self.resolve(replica).map(|id| {
                self.gcs.kill_actor(&id);
                (Some(id.clone()), format!("replica {id}'s actor process was killed"))
            }),
            ActionKind::FailHealthCheck { replica, times } => self.resolve(replica).map(|id| {
                let a = self.gcs.actors.get_mut(&id).expect("resolved actor");
                let (app, dep) = (a.app.clone(), a.deployment.clone());
                a.failing_health_checks = Some(*times);
                self.gcs.touch(&app, &dep);
                let how = match times {
                    Times::Count(n) => format!("its next {n} health check(s) will fail"),
                    Times::Forever => "its health checks will fail until healed".to_string(),
                };
                (Some(id.clone()), format!("replica {id}: {how}"))
            }),
            ActionKind::HealHealthCheck { replica } => self.resolve(replica).map(|id| {
                let a = self.gcs.actors.get_mut(&id).expect("resolved actor");
                a.failing_health_checks = None;
                let (app, dep) = (a.app.clone(), a.deployment.clone());
                self.gcs.touch(&app, &dep);
                (Some(id.clone()), format!("replica {id}'s health checks pass again"))
            }),
            ActionKind::FailConstructor { deployment, rank, times } => {
                if self
                    .controller
                    .deployments
                    .iter()
                    .any(|d| d.config.app == deployment.app && d.config.name == deployment.deployment)
                {
                    self.gcs.constructor_faults.push(ConstructorFault {
                        app: deployment.app.clone(),
                        deployment: deployment.deployment.clone(),
                        rank: *rank,
                        remaining: *times,
                    });
                    let which = rank.map(|r| format!(" of gang rank {r}")).unwrap_or_default();
                    let how = match times {
                        Times::Count(n) => format!("the next {n} constructor run(s)"),
                        Times::Forever => "every constructor run".to_string(),
                    };
                    Ok((
                        Some(format!("{}/{}", deployment.app, deployment.deployment)),
                        format!("{how}{which} of {}/{} will raise", deployment.app, deployment.deployment),
                    ))
                } else {
                    Err(format!("deployment {}/{} does not exist", deployment.app, deployment.deployment))
                }
            }
            ActionKind::KillNode { node } => match self.gcs.cluster.node(node) {
                None => Err(format!("node {node} does not exist")),
                Some(n) if n.is_head => Err("the head node hosts the controller and cannot be killed here".to_string()),
                Some(n) if n.dead || n.killed_at.is_some() => Err(format!("node {node} is already dead")),
                Some(_) => {
                    let detection = self.timing.node_death_detection;
                    self.gcs.kill_node(node, detection, &mut self.log);
                    Ok((Some(node.clone()), format!("node {node} was killed")))
                }
            },
            ActionKind::AddNode { node } => {
                if self.gcs.cluster.node(&node.id).is_some() {
                    Err(format!("a node with id {} already exists", node.id))
                } else {
                    self.gcs.add_node(node, &mut self.log);
                    Ok((Some(node.id.clone()), format!("node {} added", node.id)))
                }
            }
            ActionKind::KillController {} => {
                if self.controller.alive {
                    let mut cx = ctx!(self);
                    self.controller.crash(&mut cx);
                    Ok((None, "the Serve controller was killed".to_string()))
                } else {
                    Err("the controller is already down".to_string())
                }
            }
            ActionKind::FailGcsQueries { for_s } => {
                let until = self.now.plus(SimDuration::from_secs_f64(*for_s));
                self.gcs_queries_fail_until = self.gcs_queries_fail_until.max(until);
                Ok((None, format!("cluster-state queries from the controller fail until {} s", fmt_secs(until))))
            }
            ActionKind::DrainNode { deadline_s, node, reason, reason_message } => {
                let reason = reason.as_deref().and_then(DrainReason::parse).unwrap_or(DrainReason::Preemption);
                let deadline = deadline_s.map(|s| self.now.plus(SimDuration::from_secs_f64(s)));
                let message = reason_message.clone().unwrap_or_else(|| match reason {
                    DrainReason::Preemption => "spot instance preempted".to_string(),
                    DrainReason::IdleTermination => "idle node removed by the autoscaler".to_string(),
                });
                self.gcs
                    .drain_node(node, reason, &message, deadline, &mut self.log)
                    .map(|text| (Some(node.clone()), text))
            }
            ActionKind::SetTraffic { deployment, load, service_time_s } => {
                let (app, dep) = (&deployment.app, &deployment.deployment);
                let autoscaling =
                    self.controller.deployments.iter().find(|d| d.config.app == *app && d.config.name == *dep).map(
                        |d| {
                            (
                                d.autoscaling.as_ref().map(|a| a.config.clone()),
                                d.config.max_ongoing_requests,
                                d.config.max_queued_requests,
                                d.target,
                            )
                        },
                    );
                self.traffic
                    .set_load(app, dep, load, service_time_s.as_ref(), autoscaling, self.now)
                    .map(|text| (Some(format!("{app}/{dep}")), text))
            }
            ActionKind::SetNumReplicas { .. } | ActionKind::DeleteApp { .. } | ActionKind::DeployVersion { .. } => {
                if !self.controller.alive {
                    self.queue_controller_call(kind);
                    return;
                }
                let mut cx = ctx!(self);
                self.controller.serve_call(&kind, &mut cx)
            }
        };
        match result {
            Ok((target, reason)) => {
                let seq = self.log.push(
                    EventKind::Action { action: name, applied: true, queued: false, target: target.clone() },
                    reason,
                );
                // Link the faults to this action, so a teardown's cause chain reaches the user's gesture.
                match &kind {
                    ActionKind::KillReplica { .. } | ActionKind::FailHealthCheck { .. } => {
                        if let Some(a) = target.as_ref().and_then(|id| self.gcs.actors.get_mut(id)) {
                            a.fault_cause = Some(seq);
                        }
                    }
                    ActionKind::KillNode { node } => {
                        if let Some(i) = self.gcs.cluster.index_of(node) {
                            // The actors placed on it (the GCS's node-to-actors index holds exactly those).
                            for id in self.gcs.node_actors[i].clone() {
                                if let Some(a) = self.gcs.actors.get_mut(&id) {
                                    a.fault_cause = Some(seq);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Err(why) => {
                self.log.push(
                    EventKind::Action { action: name.clone(), applied: false, queued: false, target: None },
                    format!("{name} skipped: {why}"),
                );
            }
        }
    }

    /// A call made while the controller is down waits for the restarted controller (`serve/calls.rs`).
    fn queue_controller_call(&mut self, kind: ActionKind) {
        let name = kind.name().to_string();
        let back = self
            .controller
            .restart_at
            .map(|t| format!(" (it restarts at {:.2} s)", t.as_secs_f64()))
            .unwrap_or_default();
        let queued_event = self.log.push(
            EventKind::Action { action: name.clone(), applied: false, queued: true, target: None },
            format!(
                "{name} queued: the Serve controller is down; the call is retried until the restarted controller serves it (max_task_retries=-1){back}"
            ),
        );
        self.queued_calls.push(QueuedCall { kind, queued_event });
    }

    /// The restarted controller serves the calls made while it was down, in order.
    fn serve_queued_calls(&mut self) {
        for call in std::mem::take(&mut self.queued_calls) {
            let name = call.kind.name().to_string();
            let mut cx = ctx!(self);
            let result = self.controller.serve_call(&call.kind, &mut cx);
            let (kind, reason) = match result {
                Ok((target, reason)) => (
                    EventKind::Action { action: name, applied: true, queued: false, target },
                    format!(
                        "{reason} (the call was made while the controller was down; the restarted controller serves it)"
                    ),
                ),
                Err(why) => (
                    EventKind::Action { action: name.clone(), applied: false, queued: false, target: None },
                    format!("{name} skipped by the restarted controller: {why}"),
                ),
            };
            self.log.push_caused(kind, reason, Some(call.queued_event));
        }
    }

    /// Resolve a replica reference to a live replica id (see the scenario format for the addressing rule).
    pub fn resolve(&self, r: &ReplicaRef) -> Result<String, String> {
        let alive = |id: &str| self.gcs.actors.get(id).is_some_and(|a| a.alive);
        if let Some(id) = &r.id {
            return if alive(id) { Ok(id.clone()) } else { Err(format!("replica {id} is not alive")) };
        }
        let Some(d) =
            self.controller.deployments.iter().find(|d| d.config.app == r.app && d.config.name == r.deployment)
        else {
            return Err(format!("deployment {}/{} does not exist", r.app, r.deployment));
        };
        let positions = self.world().positions(d);
        let want_gang = d.config.gang.is_some();
        let found = positions.iter().find(|(id, pos, rank)| {
            if !alive(id) {
                return false;
            }
            if want_gang { Some(*pos) == r.gang && *rank == r.rank } else { Some(*pos) == r.index }
        });
        match found {
            Some((id, ..)) => Ok(id.clone()),
            None if want_gang => Err(format!(
                "{}/{} has no live replica at gang {} rank {}",
                r.app,
                r.deployment,
                r.gang.map_or("?".to_string(), |g| g.to_string()),
                r.rank.map_or("?".to_string(), |g| g.to_string())
            )),
            None => Err(format!(
                "{}/{} has no live replica at index {}",
                r.app,
                r.deployment,
                r.index.map_or("?".to_string(), |g| g.to_string())
            )),
        }
    }

    /// What the checker and the projections inspect: the GCS, the controller and the clock.
    pub fn world(&self) -> World<'_> {
        World {
            gcs: &self.gcs,
            controller: &self.controller,
            now: self.now,
            timing: &self.timing,
            toggles: &self.behaviour,
            gcs_queries_fail_until: self.gcs_queries_fail_until,
            queued_calls: &self.queued_calls,
            traffic: &self.traffic,
        }
    }

    /// The callers' requests: per deployment now, and the history (one sample per deployment per second).
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.world(), self.violations.len())
    }

    /// Why the placement group `pg` (its name or id) is where it is, or why it waits: per node, need against free,
    /// labels, the strategy's constraint and a verdict (`placement_explain`). `None` if the GCS has no such group.
    pub fn explain_placement(&self, pg: &str) -> Option<crate::model::placement_explain::PlacementExplanation> {
        crate::model::placement_explain::explain_pg(&self.gcs, pg, self.events())
    }

    /// The same for a replica: its placement group, or its actor's own request (`placement_explain`).
    pub fn explain_replica(&self, replica_id: &str) -> Option<crate::model::placement_explain::PlacementExplanation> {
        crate::model::placement_explain::explain_replica(&self.world(), replica_id, self.events())
    }

    /// The run so far in the public trace format.
    pub fn trace(&self) -> Trace {
        // The scenario with the user's actions folded in (stable by time), so the trace alone replays.
        let mut scenario = self.scenario.normalised();
        scenario.actions.extend(self.user_actions().iter().cloned());
        scenario.actions.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Trace::new(scenario, self.events().to_vec(), &self.snapshot(), self.violations().to_vec())
    }

    /// The trace as JSON text (pretty, stable key order): the same scenario and seed give the same bytes.
    pub fn trace_json(&self) -> String {
        serde_json::to_string_pretty(&self.trace()).expect("a trace always serializes")
    }

    /// A copy of the whole state except the event log, which only grows: cheap to take every few seconds while
    /// playing. Restore it with the run's events (a run's events up to a time never change, so any later list
    /// of the same run holds them).
    ///
    /// The user's actions are left out too: they only grow (a long session's faults, in each of the history's
    /// checkpoints, were its main growth), and whoever replays the run holds them anyway.
    pub fn checkpoint(&mut self) -> Checkpoint {
        let events = std::mem::take(&mut self.log.events);
        let user_actions = std::mem::take(&mut self.user_actions);
        let (events_len, user_actions_len) = (self.log.dropped + events.len() as u64, user_actions.len());
        let sim = self.clone();
        self.log.events = events;
        self.user_actions = user_actions;
        Checkpoint { sim, events_len, user_actions_len }
    }

    /// Rebuild the run at a checkpoint. `events` must be this run's events (in seq order, numbered absolutely)
    /// up to the checkpoint at least, e.g. the kept events of the same run taken later. The restored log keeps
    /// those of them the checkpoint kept; if `events` no longer holds the oldest of those, it starts later (the
    /// model never reads its past events: only the views do). `user_actions` are the actions scheduled on this run
    /// (in order), at least those scheduled before the checkpoint: the restored run keeps those.
    pub fn restore(checkpoint: &Checkpoint, events: &[Event], user_actions: &[Action]) -> Simulation {
        let mut sim = checkpoint.sim.clone();
        debug_assert!(user_actions.len() >= checkpoint.user_actions_len, "the run's actions up to the checkpoint");
        sim.user_actions = user_actions[..checkpoint.user_actions_len.min(user_actions.len())].to_vec();
        let upto = crate::model::log::events_from(events, checkpoint.events_len);
        let upto = &events[..events.len() - upto.len()];
        let kept = crate::model::log::events_from(upto, sim.log.dropped);
        sim.log.events = kept.to_vec();
        sim.log.dropped = kept.first().map_or(checkpoint.events_len, |e| e.seq);
        debug_assert_eq!(sim.log.len(), checkpoint.events_len, "the events hold the run up to the checkpoint");
        sim
    }
}

/// A saved state of a run (see [`Simulation::checkpoint`]).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    sim: Simulation,
    /// How many events the run had recorded (kept or dropped).
    events_len: u64,
    /// How many user actions had been scheduled.
    user_actions_len: usize,
}

impl Checkpoint {
    pub fn at(&self) -> SimTime {
        self.sim.now
    }
    pub fn events_len(&self) -> u64 {
        self.events_len
    }
}

fn deployment_config(app: &str, d: &crate::model::scenario::DeploymentSpec, timing: &Timing) -> DeploymentConfig {
    let secs = |v: Option<f64>, dflt: SimDuration| v.map(SimDuration::from_secs_f64).unwrap_or(dflt);
    DeploymentConfig {
        app: app.to_string(),
        name: d.name.clone(),
        actor_resources: d.ray_actor_options.resource_dict(),
        bundles: d.placement_group_bundles.clone(),
        bundle_label_selectors: d.placement_group_bundle_label_selector.clone(),
        pg_strategy: d
            .placement_group_strategy
            .as_deref()
            .and_then(PlacementStrategy::parse)
            .unwrap_or(PlacementStrategy::Pack),
        gang: d.gang_scheduling_config.as_ref().map(|g| GangConfig {
            gang_size: g.gang_size.max(1) as u32,
            strategy: PlacementStrategy::parse(&g.gang_placement_strategy).unwrap_or(PlacementStrategy::Pack),
        }),
        max_constructor_retry_count: d.max_constructor_retry_count.unwrap_or(20).max(0) as u32,
        health_check_period: secs(d.health_check_period_s, timing.health_check_period),
        health_check_timeout: secs(d.health_check_timeout_s, timing.health_check_timeout),
        graceful_shutdown_timeout: secs(d.graceful_shutdown_timeout_s, timing.graceful_shutdown_timeout),
        graceful_shutdown_wait_loop: secs(d.graceful_shutdown_wait_loop_s, timing.graceful_shutdown_wait_loop),
        code_version: d.version.clone().unwrap_or_else(|| "v1".to_string()),
        user_config: d.user_config.as_ref().map(|v| v.to_string()),
        rolling_update_percentage: d.rolling_update_percentage.unwrap_or(DEFAULT_ROLLING_UPDATE_PERCENTAGE),
        max_surge_percent: d.max_surge_percent.unwrap_or(0).clamp(0, 100) as u32,
        max_ongoing_requests: d
            .max_ongoing_requests
            .map_or(crate::model::serve::autoscaling_config::DEFAULT_MAX_ONGOING_REQUESTS, |n| n.max(1) as u32),
        max_queued_requests: d.max_queued_requests.unwrap_or(-1),
        autoscaling: d.autoscaling().then(|| {
            crate::model::serve::autoscaling_config::AutoscalingConfig::resolve(
                d.autoscaling_config.as_ref(),
                d.num_replicas == Some(crate::model::scenario::NumReplicas::Auto),
            )
        }),
    }
}

/// A deployment's first target: its `num_replicas`, or under autoscaling Ray's `register`: `initial_replicas` if
/// set, else `min_replicas` (`apply_bounds(0)`).
fn initial_target(config: &DeploymentConfig, d: &crate::model::scenario::DeploymentSpec) -> u32 {
    match &config.autoscaling {
        Some(a) => a.apply_bounds(a.initial_replicas.unwrap_or(0)),
        None => d.fixed_replicas().unwrap_or(1).max(0) as u32,
    }
}

/// DEFAULT_ROLLING_UPDATE_PERCENTAGE.
pub const DEFAULT_ROLLING_UPDATE_PERCENTAGE: f64 = 0.2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::parse_scenario;

    #[test]
    fn a_restored_checkpoint_continues_exactly_like_the_original_run() {
        let text = r#"{"format":"gangplank.scenario/v1","seed":11,"until_s":40,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}},{"id":"w2","resources":{"CPU":2}},{"id":"w3","resources":{"CPU":2}}]},
          "timing":{"health_check_period_s":1,"node_death_detection_s":3},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":4,"gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":6,"do":"kill_replica","replica":{"app":"app","deployment":"G","gang":0,"rank":1}},
                     {"at_s":14,"do":"kill_controller"},{"at_s":14.2,"do":"kill_node","node":"w2"}]}"#;
        let scenario = parse_scenario(text).unwrap();
        // A user's action before the checkpoint and one after it (the checkpoint holds neither: the restore is
        // given them, and the trace, which folds them in, shows whether it kept the right ones).
        let user = |sim: &mut Simulation, from: f64, until: f64| {
            let at = |s: f64| SimTime::from_secs_f64(s);
            let scale = |n| ActionKind::SetNumReplicas {
                deployment: crate::model::scenario::DeploymentRef { app: "app".into(), deployment: "G".into() },
                num_replicas: n,
            };
            for (t, n) in [(9.5, 6), (20.0, 2)].into_iter().filter(|(t, _)| from < *t && *t <= until) {
                sim.run_until(at(t));
                sim.schedule(at(t), scale(n));
            }
            sim.run_until(at(until));
        };
        let mut whole = Simulation::new(&scenario);
        user(&mut whole, 0.0, 40.0);
        whole.run_to_end();
        assert_eq!(whole.user_actions().len(), 2);
        let mut first = Simulation::new(&scenario);
        user(&mut first, 0.0, 13.05);
        let cp = first.checkpoint();
        assert_eq!(first.user_actions().len(), 1, "the checkpoint leaves the run's actions in place");
        let mut again = Simulation::restore(&cp, whole.events(), whole.user_actions());
        assert_eq!(again.user_actions(), &whole.user_actions()[..1], "only those scheduled before the checkpoint");
        user(&mut first, 13.05, 40.0);
        first.run_to_end();
        assert_eq!(first.trace_json(), whole.trace_json());
        assert_eq!(again.now(), SimTime::from_secs_f64(13.05));
        let at = SimTime::from_secs_f64(20.0);
        again.run_until(at);
        again.schedule(at, whole.user_actions()[1].kind.clone());
        again.run_to_end();
        assert_eq!(again.trace_json(), whole.trace_json());
    }
}
