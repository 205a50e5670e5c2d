//! The metrics of a run, measured while it plays in bounded slices ([`MetricsRun`]); their definitions are in the
//! module documentation of [`super`].
use super::table::fmt_s;
use super::variant::action_deployment;
use super::*;
use crate::model::Simulation;
use crate::model::events::EventKind;
use crate::model::invariants::{Invariant, find_full};
use crate::model::placement::PlacementGroupState;
use crate::model::scenario::{Action, ActionKind, Scenario};
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatus;
use crate::model::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a fault's recovery ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecoveryOutcome {
    /// Whole again this many seconds after the fault.
    After { s: f64 },
    /// Not whole when the next fault came.
    NotBeforeNextFault,
    /// Not whole at the end of the run.
    Never,
    /// The model did not apply the action (its reason).
    Skipped { why: String },
}

impl RecoveryOutcome {
    pub fn seconds(&self) -> Option<f64> {
        match self {
            RecoveryOutcome::After { s } => Some(*s),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            RecoveryOutcome::After { s } => fmt_s(*s),
            RecoveryOutcome::NotBeforeNextFault => "not before the next fault".to_string(),
            RecoveryOutcome::Never => "never".to_string(),
            RecoveryOutcome::Skipped { .. } => "skipped".to_string(),
        }
    }
}

/// One fault and how long its recovery took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recovery {
    pub at_s: f64,
    /// The fault in words.
    pub fault: String,
    pub outcome: RecoveryOutcome,
}

/// One user action as the run applied it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionOutcome {
    pub at_s: f64,
    pub action: String,
    /// Applied, or queued for the restarted controller.
    pub applied: bool,
    /// The model's sentence.
    pub reason: String,
}

/// What a finished run comes to (see the module documentation for each metric's definition).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunMetrics {
    pub scenario: String,
    pub seed: u64,
    pub end_s: f64,
    pub all_running_s: Option<f64>,
    pub teardowns: u32,
    pub replicas_restarted: u32,
    pub replica_seconds_lost: f64,
    pub recoveries: Vec<Recovery>,
    pub pgs_pending: u32,
    /// The leak findings at the end (one sentence per leaked PG).
    pub leaked_pgs: Vec<String>,
    /// `app/deployment` and its status at the end, in the scenario's order.
    pub final_statuses: Vec<(String, DeploymentStatus)>,
    pub requests_failed: f64,
    /// The invariants violated (names, as recorded).
    pub violations: Vec<String>,
    /// The user's actions as applied.
    pub actions: Vec<ActionOutcome>,
}

impl RunMetrics {
    /// Every deployment is HEALTHY at the end.
    pub fn healthy(&self) -> bool {
        self.final_statuses.iter().all(|(_, s)| *s == DeploymentStatus::Healthy)
    }

    /// Some deployment is DEPLOY_FAILED at the end.
    pub fn deploy_failed(&self) -> bool {
        self.final_statuses.iter().any(|(_, s)| *s == DeploymentStatus::DeployFailed)
    }

    /// The slowest recovery over the run's faults: `None` without faults; `Some(None)` if one never recovered.
    pub fn worst_recovery(&self) -> Option<Option<f64>> {
        let measured: Vec<&Recovery> =
            self.recoveries.iter().filter(|r| !matches!(r.outcome, RecoveryOutcome::Skipped { .. })).collect();
        if measured.is_empty() {
            return None;
        }
        let mut worst = 0.0f64;
        for r in measured {
            match r.outcome.seconds() {
                Some(s) => worst = worst.max(s),
                None => return Some(None),
            }
        }
        Some(Some(worst))
    }
}

/// A fault being tracked.
struct FaultTrack {
    at: SimTime,
    name: &'static str,
    fault: String,
    /// `None`: every deployment.
    deployment: Option<(String, String)>,
    window_end: SimTime,
    /// Matched with the model's `action` event.
    matched: bool,
    skipped: Option<String>,
    active: bool,
    whole_since: Option<SimTime>,
    outcome: Option<RecoveryOutcome>,
}

/// One deployment as last observed.
#[derive(Clone, Copy, Default)]
struct DepNow {
    target: u32,
    running: u32,
    serving: u32,
    healthy: bool,
    /// New replicas started so far, and the largest target seen.
    started: u32,
    max_target: u32,
    present: bool,
}

fn is_fault(kind: &ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::KillReplica { .. }
            | ActionKind::FailHealthCheck { .. }
            | ActionKind::FailConstructor { .. }
            | ActionKind::KillNode { .. }
            | ActionKind::DrainNode { .. }
            | ActionKind::KillController {}
            | ActionKind::FailGcsQueries { .. }
    )
}

/// A run played in bounded slices while its metrics are measured.
pub struct MetricsRun {
    sim: Simulation,
    actions: Vec<Action>,
    applied: usize,
    end: SimTime,
    outcomes: Vec<ActionOutcome>,
    faults: Vec<FaultTrack>,
    deps: BTreeMap<(String, String), DepNow>,
    /// Deployment keys in the scenario's order (and any later ones).
    order: Vec<(String, String)>,
    /// Events recorded when last read (the log keeps only the newest: counts are from the start of the run).
    events_seen: u64,
    last_t: SimTime,
    /// Σ max(0, target − serving) now, and its integral so far (replica-µs).
    deficit: u64,
    lost_us: u128,
    all_running_at: Option<SimTime>,
    teardowns: u32,
    controller_whole: bool,
}

fn key(app: &str, dep: &str) -> (String, String) {
    (app.to_string(), dep.to_string())
}

impl MetricsRun {
    /// Start a run of `scenario` with the user's `actions` (in the order they were injected).
    pub fn new(scenario: &Scenario, actions: &[Action]) -> MetricsRun {
        let sim = Simulation::new(scenario);
        let end = run_end(scenario, actions);
        let mut all: Vec<(SimTime, usize, &Action)> = scenario
            .actions
            .iter()
            .chain(actions)
            .enumerate()
            .map(|(i, a)| (SimTime::from_secs_f64(a.at_s), i, a))
            .filter(|(t, ..)| *t <= end)
            .collect();
        all.sort_by_key(|(t, i, _)| (*t, *i));
        let mut faults: Vec<FaultTrack> = all
            .iter()
            .filter(|(.., a)| is_fault(&a.kind))
            .map(|(t, _, a)| FaultTrack {
                at: *t,
                name: a.kind.name(),
                fault: describe_action(&a.kind),
                deployment: action_deployment(&a.kind).map(|(x, y)| key(x, y)),
                window_end: end,
                matched: false,
                skipped: None,
                active: false,
                whole_since: None,
                outcome: None,
            })
            .collect();
        for i in 0..faults.len() {
            let at = faults[i].at;
            faults[i].window_end = faults[i + 1..].iter().map(|f| f.at).find(|t| *t > at).unwrap_or(end);
        }
        let order: Vec<(String, String)> = scenario
            .applications
            .iter()
            .flat_map(|a| a.deployments.iter().map(move |d| key(&a.name, &d.name)))
            .collect();
        let mut run = MetricsRun {
            sim,
            actions: actions.to_vec(),
            applied: 0,
            end,
            outcomes: Vec::new(),
            faults,
            deps: BTreeMap::new(),
            order,
            events_seen: 0,
            last_t: SimTime::ZERO,
            deficit: 0,
            lost_us: 0,
            all_running_at: None,
            teardowns: 0,
            controller_whole: true,
        };
        run.observe(true);
        run
    }

    /// Play the whole run and return its metrics.
    pub fn run(scenario: &Scenario, actions: &[Action]) -> RunMetrics {
        let mut r = MetricsRun::new(scenario, actions);
        while !r.step(usize::MAX) {}
        r.finish()
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    pub fn end(&self) -> SimTime {
        self.end
    }

    pub fn done(&self) -> bool {
        self.sim.now() >= self.end
    }

    /// The run's events so far (the same as a session's playing the same description).
    pub fn events(&self) -> &[crate::model::events::Event] {
        self.sim.events()
    }

    /// Wakeups the model has processed so far (the unit of [`MetricsRun::step`]'s budget).
    pub fn wakeups(&self) -> u64 {
        self.sim.steps
    }

    /// Advance by at most `budget` model wakeups (at least one step of time). Returns whether the run is over.
    pub fn step(&mut self, budget: usize) -> bool {
        let start = self.sim.steps;
        while !self.done() && (self.sim.steps - start) < budget as u64 {
            let next_action = self.actions.get(self.applied).map(|a| SimTime::from_secs_f64(a.at_s));
            let next = [self.sim.next_wakeup(), next_action, Some(self.end)]
                .into_iter()
                .flatten()
                .min()
                .expect("the end is a time")
                .max(self.sim.now());
            let next = next.min(self.end);
            self.sim.run_until(next);
            if next_action == Some(next) && next <= self.end {
                // As `app::history` applies a user action: at its time, after everything else then.
                let a = self.actions[self.applied].clone();
                let before = self.sim.events_recorded();
                self.sim.schedule(next, a.kind.clone());
                self.sim.run_until(next);
                self.applied += 1;
                let outcome = crate::model::log::events_from(self.sim.events(), before).iter().rev().find_map(|e| {
                    match &e.kind {
                        EventKind::Action { action, applied, queued, .. } if action == a.kind.name() => {
                            Some((*applied || *queued, e.reason.clone()))
                        }
                        _ => None,
                    }
                });
                let (applied, reason) = outcome.unwrap_or((false, "the model recorded nothing".to_string()));
                self.outcomes.push(ActionOutcome { at_s: a.at_s, action: describe_action(&a.kind), applied, reason });
            }
            self.observe(false);
            if self.sim.steps == start {
                // Only time moved (to an action or the end): that counts as one unit, so a slice always ends.
                break;
            }
        }
        self.done()
    }

    /// After a step: integrate the lost replica-seconds, read the events, re-read the deployments if something
    /// happened, and update the faults' windows.
    fn observe(&mut self, force: bool) {
        let now = self.sim.now();
        self.lost_us += u128::from(self.deficit) * u128::from(now.0 - self.last_t.0);
        self.last_t = now;
        let events = self.sim.events();
        let changed = force || self.sim.events_recorded() > self.events_seen;
        for e in crate::model::log::events_from(events, self.events_seen) {
            match &e.kind {
                EventKind::GangTeardown { .. } => self.teardowns += 1,
                EventKind::ReplicaState { app, deployment, from: None, to: ReplicaState::Starting, .. } => {
                    self.deps.entry(key(app, deployment)).or_default().started += 1;
                }
                EventKind::Action { action, applied, queued, .. } => {
                    if let Some(f) = self.faults.iter_mut().find(|f| !f.matched && f.at == e.t && f.name == action) {
                        f.matched = true;
                        if !applied && !queued {
                            f.skipped = Some(e.reason.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        self.events_seen = self.sim.events_recorded();
        if changed {
            let world = self.sim.world();
            let c = world.controller;
            for d in self.deps.values_mut() {
                d.present = false;
            }
            let mut deficit = 0u64;
            let mut all_running = c.alive;
            for d in &c.deployments {
                let k = key(&d.config.app, &d.config.name);
                if !self.order.contains(&k) {
                    self.order.push(k.clone());
                }
                let e = self.deps.entry(k).or_default();
                e.present = true;
                e.target = d.target;
                e.running = d.count(&[ReplicaState::Running]);
                e.serving = d.count(&[ReplicaState::Running, ReplicaState::PendingMigration, ReplicaState::Recovering]);
                e.healthy = d.status == DeploymentStatus::Healthy && e.running >= e.target;
                e.max_target = e.max_target.max(d.target);
                deficit += u64::from(e.target.saturating_sub(e.serving));
                all_running &= e.running >= e.target;
            }
            self.deficit = deficit;
            self.controller_whole = c.alive && !c.recovering;
            if all_running && self.all_running_at.is_none() {
                self.all_running_at = Some(now);
            }
        }
        // Faults: close the windows that ended, open those that started, then note whether each is whole now.
        let (deps, whole_ctl) = (&self.deps, self.controller_whole);
        let whole = |f: &FaultTrack| {
            whole_ctl
                && match &f.deployment {
                    Some(k) => deps.get(k).is_none_or(|d| !d.present || d.healthy),
                    None => deps.values().all(|d| !d.present || d.healthy),
                }
        };
        let last_window = self.end;
        for f in &mut self.faults {
            if f.outcome.is_some() {
                continue;
            }
            if f.active && now >= f.window_end {
                f.outcome = Some(match (&f.skipped, f.whole_since) {
                    (Some(why), _) => RecoveryOutcome::Skipped { why: why.clone() },
                    (None, Some(t)) => RecoveryOutcome::After { s: t.since(f.at).as_secs_f64() },
                    (None, None) if f.window_end >= last_window => RecoveryOutcome::Never,
                    (None, None) => RecoveryOutcome::NotBeforeNextFault,
                });
                continue;
            }
            if !f.active && now >= f.at && (f.matched || now > f.at) {
                f.active = true;
            }
            if f.active {
                let w = whole(f);
                if !w {
                    f.whole_since = None;
                } else if f.whole_since.is_none() {
                    f.whole_since = Some(now);
                }
            }
        }
        if now >= self.end {
            for f in &mut self.faults {
                if f.outcome.is_none() {
                    f.outcome = Some(match (&f.skipped, f.whole_since) {
                        (Some(why), _) => RecoveryOutcome::Skipped { why: why.clone() },
                        (None, Some(t)) => RecoveryOutcome::After { s: t.since(f.at).as_secs_f64() },
                        (None, None) => RecoveryOutcome::Never,
                    });
                }
            }
        }
    }

    /// Play what is left and read the final figures.
    pub fn finish(mut self) -> RunMetrics {
        while !self.step(usize::MAX) {}
        let world = self.sim.world();
        let leak = [Invariant::NoLeakedReplicaPg, Invariant::NoLeakedGangPg, Invariant::Ray260UnregisteredGangPgLeak];
        let leaked_pgs: Vec<String> =
            find_full(&world).into_iter().filter(|f| leak.contains(&f.invariant)).map(|f| f.message).collect();
        let pgs_pending = world
            .gcs
            .pgs
            .values()
            .filter(|p| matches!(p.state, PlacementGroupState::Pending | PlacementGroupState::Rescheduling))
            .count() as u32;
        let statuses: BTreeMap<(String, String), DeploymentStatus> =
            world.controller.deployments.iter().map(|d| (key(&d.config.app, &d.config.name), d.status)).collect();
        let final_statuses =
            self.order.iter().filter_map(|k| statuses.get(k).map(|s| (format!("{}/{}", k.0, k.1), *s))).collect();
        // (+ 0.0: a sum of nothing is -0.0.)
        let requests_failed = world.traffic.deployments.iter().map(|d| d.totals.failed()).sum::<f64>() + 0.0;
        let replicas_restarted = self.deps.values().map(|d| d.started.saturating_sub(d.max_target)).sum();
        let scenario = self.sim.scenario();
        RunMetrics {
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            end_s: self.end.as_secs_f64(),
            all_running_s: self.all_running_at.map(|t| t.as_secs_f64()),
            teardowns: self.teardowns,
            replicas_restarted,
            replica_seconds_lost: self.lost_us as f64 / 1e6,
            recoveries: self
                .faults
                .iter()
                .map(|f| Recovery {
                    at_s: f.at.as_secs_f64(),
                    fault: f.fault.clone(),
                    outcome: f.outcome.clone().unwrap_or(RecoveryOutcome::Never),
                })
                .collect(),
            pgs_pending,
            leaked_pgs,
            final_statuses,
            requests_failed,
            violations: self.sim.violations().iter().map(|v| v.invariant.clone()).collect(),
            actions: self.outcomes,
        }
    }
}
