//! Compare two variants of a run (issue 13): the metrics of a finished run, a [`Variant`] (a named set of changes
//! to a scenario), and a [`Comparison`] table of two runs, as plain text and as Markdown.
//!
//! A run here is what a [`crate::app::Session`] plays: a scenario (with its seed) and the user's timestamped
//! actions, each applied the way the live session applies it (run to its time, then schedule and apply it, as
//! `app::history` does), advanced to the run's end ([`run_end`]). [`MetricsRun`] plays it in bounded slices
//! (so the browser and [`crate::app::sweep`] can spread it over frames) and measures as it goes.
//!
//! ## The metrics, precisely
//!
//! Every count below is read from the controller's own state (its replica table, targets and statuses) after each
//! step of the model, so they are exact to the microsecond of simulated time.
//!
//! - **Time until every gang first RUNNING**: the first time at which the controller is up and every deployment
//!   has at least its target number of replicas RUNNING (all members of all its gangs); "never" if it does not
//!   happen before the end.
//! - **Teardowns**: `gang_teardown` events (RESTART_GANG tearing a whole gang down).
//! - **Replicas restarted**: per deployment, the new replica actors started (`replica_state` events from none to
//!   STARTING) beyond the largest target the deployment ever had, summed over deployments. This counts the
//!   replacements of crashed, unhealthy or torn-down replicas (and of replicas a rolling update replaced, or that
//!   were scaled down and up again); it does not count the first start-up or a scale-up.
//! - **Replica-seconds lost**: per deployment, the integral over the run of `max(0, target − serving)`, where
//!   serving counts replicas RUNNING, PENDING_MIGRATION (they serve until they leave) or RECOVERING (a restarted
//!   controller re-adopting live replicas), summed over deployments. Start-up counts (a replica that should serve
//!   from time zero but is STARTING is lost time); while the controller is down its table is frozen, so a replica
//!   that dies then is counted from the restart on.
//! - **Time to recover after each fault** (scenario and user actions of kind kill_replica, fail_health_check,
//!   fail_constructor, kill_node, drain_node, kill_controller, fail_gcs_queries): the affected deployments are the
//!   named one for a replica or deployment fault and every deployment for a node, controller or GCS fault. They are
//!   *whole* when the controller is up and not recovering and each is HEALTHY with at least its target RUNNING. The
//!   fault's window runs from the fault to the next fault at a later time (or the end). The recovery time is the
//!   last time in that window at which the affected deployments became whole, minus the fault's time (0 s if the
//!   fault never disturbed them); if they are not whole at the end of the window, it is "not before the next
//!   fault" or, for the last window, "never".
//! - **PGs left pending**: placement groups PENDING or RESCHEDULING at the end.
//! - **Leaked PGs at the end**: the reference invariant checker's leak findings (`no_leaked_replica_pg`,
//!   `no_leaked_gang_pg`, `ray_2_60_unregistered_gang_pg_leak`) on the final world: a live PG no deployment tracks
//!   and no live replica uses, looked for only once the controller is up and has finished recovering.
//! - **Final statuses**: each deployment's status at the end (one row per deployment of either run).
//! - **Requests failed**: the callers' requests failed since the start (rejected, died in flight, cut by a
//!   shutdown, sent to a deleted deployment), summed over deployments, from the traffic model's exact totals.
//! - **Invariant violations**: the violations the run recorded (including reproduced Ray 2.60 flaws).
use crate::model::Simulation;
use crate::model::events::EventKind;
use crate::model::invariants::{Invariant, find_full};
use crate::model::placement::PlacementGroupState;
use crate::model::scenario::{
    Action, ActionKind, GangSchedulingConfig, NodeSpec, NumReplicas, Scenario, parse_scenario,
};
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatus;
use crate::model::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a run goes on past the last user action when that action comes after the scenario's `until_s`, so its
/// recovery can be measured.
pub const PAST_LAST_ACTION_S: f64 = 60.0;

/// Where a run of `scenario` with these user actions ends: `until_s`, or [`PAST_LAST_ACTION_S`] after the last
/// user action if that comes later.
pub fn run_end(scenario: &Scenario, actions: &[Action]) -> SimTime {
    let last = actions.iter().map(|a| a.at_s).fold(f64::NEG_INFINITY, f64::max);
    let end = if last + PAST_LAST_ACTION_S > scenario.until_s && last > scenario.until_s {
        last + PAST_LAST_ACTION_S
    } else {
        scenario.until_s
    };
    SimTime::from_secs_f64(end)
}

// ---------------------------------------------------------------------------------------------------------------
// Variants
// ---------------------------------------------------------------------------------------------------------------

/// One change to a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Another seed.
    Seed { seed: u64 },
    /// A behaviour toggle (`toggles.<name>`), e.g. `gang_pg_removal` = `"first_member"`.
    Toggle { name: String, value: serde_json::Value },
    /// A deployment's placement strategy: the gang's `gang_placement_strategy` for a gang deployment, else its
    /// `placement_group_strategy` (which needs `placement_group_bundles`).
    Strategy { app: String, deployment: String, strategy: String },
    /// A deployment's `gang_size` (a gang deployment gets PACK and RESTART_GANG if it had no gang config).
    GangSize { app: String, deployment: String, gang_size: i64 },
    /// A deployment's fixed `num_replicas`.
    NumReplicas { app: String, deployment: String, num_replicas: i64 },
    /// One more worker node at the start.
    AddNode { node: NodeSpec },
    /// A worker node left out of the cluster.
    RemoveNode { node: String },
    /// A whole other scenario (the public format, as JSON).
    Scenario { scenario: serde_json::Value },
}

/// A named set of changes applied to a scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// What the table calls it (empty: the changes described).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub changes: Vec<Change>,
}

/// An action one run does not get (never dropped silently).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub at_s: f64,
    /// The action in words ("kill_replica app/G gang 0 rank 0").
    pub action: String,
    pub why: String,
}

/// A variant applied: the scenario, and the scenario's own actions it had to leave out.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub scenario: Scenario,
    pub skipped: Vec<Skipped>,
}

impl Change {
    /// The change in words.
    pub fn describe(&self) -> String {
        match self {
            Change::Seed { seed } => format!("seed {seed}"),
            Change::Toggle { name, value } => match value {
                serde_json::Value::String(s) => format!("toggle {name} = {s}"),
                v => format!("toggle {name} = {v}"),
            },
            Change::Strategy { app, deployment, strategy } => format!("{app}/{deployment} strategy {strategy}"),
            Change::GangSize { app, deployment, gang_size } => format!("{app}/{deployment} gang_size {gang_size}"),
            Change::NumReplicas { app, deployment, num_replicas } => {
                format!("{app}/{deployment} num_replicas {num_replicas}")
            }
            Change::AddNode { node } => format!("add node {}", node.id),
            Change::RemoveNode { node } => format!("remove node {node}"),
            Change::Scenario { scenario } => {
                format!("scenario \"{}\"", scenario.get("name").and_then(|n| n.as_str()).unwrap_or("unnamed"))
            }
        }
    }

    fn apply(&self, s: &mut Scenario) -> Result<(), String> {
        match self {
            Change::Seed { seed } => s.seed = *seed,
            Change::Toggle { name, value } => {
                let mut v = serde_json::to_value(&s.toggles).expect("toggles serialize");
                let obj = v.as_object_mut().expect("toggles are an object");
                if !obj.contains_key(name) {
                    let names: Vec<&str> = obj.keys().map(String::as_str).collect();
                    return Err(format!("no toggle {name:?}; toggles: {}", names.join(", ")));
                }
                obj.insert(name.clone(), value.clone());
                s.toggles = serde_json::from_value(v).map_err(|e| format!("toggle {name}: {e}"))?;
            }
            Change::Strategy { app, deployment: dep, strategy } => {
                let d = find_deployment(s, app, dep)?;
                if let Some(g) = &mut d.gang_scheduling_config {
                    g.gang_placement_strategy = strategy.clone();
                } else if d.placement_group_bundles.is_some() {
                    d.placement_group_strategy = Some(strategy.clone());
                } else {
                    return Err(format!(
                        "{app}/{dep} has neither gang_scheduling_config nor placement_group_bundles: no placement strategy applies"
                    ));
                }
            }
            Change::GangSize { app, deployment: dep, gang_size } => {
                let d = find_deployment(s, app, dep)?;
                match &mut d.gang_scheduling_config {
                    Some(g) => g.gang_size = *gang_size,
                    None => {
                        d.gang_scheduling_config = Some(GangSchedulingConfig {
                            gang_size: *gang_size,
                            gang_placement_strategy: "PACK".to_string(),
                            runtime_failure_policy: "RESTART_GANG".to_string(),
                        })
                    }
                }
            }
            Change::NumReplicas { app, deployment: dep, num_replicas } => {
                let d = find_deployment(s, app, dep)?;
                d.num_replicas = Some(NumReplicas::Fixed(*num_replicas));
            }
            Change::AddNode { node } => {
                if node.id == s.head_id() || s.cluster.nodes.iter().any(|n| n.id == node.id) {
                    return Err(format!("the cluster already has a node {}", node.id));
                }
                s.cluster.nodes.push(node.clone());
            }
            Change::RemoveNode { node } => {
                if *node == s.head_id() {
                    return Err(format!("{node} is the head node; only worker nodes can be removed"));
                }
                let before = s.cluster.nodes.len();
                s.cluster.nodes.retain(|n| n.id != *node);
                if s.cluster.nodes.len() == before {
                    return Err(format!("no worker node {node} in the cluster"));
                }
            }
            Change::Scenario { scenario } => {
                *s = parse_scenario(&scenario.to_string()).map_err(|errors| {
                    let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    format!("the replacement scenario is invalid: {}", parts.join("; "))
                })?;
            }
        }
        Ok(())
    }
}

fn find_deployment<'a>(
    s: &'a mut Scenario,
    app: &str,
    dep: &str,
) -> Result<&'a mut crate::model::scenario::DeploymentSpec, String> {
    s.applications
        .iter_mut()
        .filter(|a| a.name == app)
        .flat_map(|a| a.deployments.iter_mut())
        .find(|d| d.name == dep)
        .ok_or_else(|| format!("there is no deployment {app}/{dep} in the scenario"))
}

impl Variant {
    pub fn new(label: impl Into<String>, changes: Vec<Change>) -> Variant {
        Variant { label: label.into(), changes }
    }

    /// The label, or the changes in words.
    pub fn name(&self) -> String {
        if !self.label.is_empty() {
            return self.label.clone();
        }
        if self.changes.is_empty() {
            return "no change".to_string();
        }
        self.changes.iter().map(Change::describe).collect::<Vec<_>>().join(", ")
    }

    /// The name with the run's seed, unless a change already names it: `app/G strategy SPREAD (seed 7)`.
    pub fn label_with_seed(&self, seed: u64) -> String {
        if self.label.is_empty() && self.changes.iter().any(|c| matches!(c, Change::Seed { .. })) {
            self.name()
        } else {
            format!("{} (seed {seed})", self.name())
        }
    }

    /// The scenario with every change applied, validated as a scenario file is. The scenario's own actions that
    /// name a deployment, application or node the changed scenario lacks are left out and listed in `skipped`.
    pub fn apply(&self, base: &Scenario) -> Result<Applied, String> {
        let mut s = base.clone();
        for c in &self.changes {
            c.apply(&mut s)?;
        }
        let (kept, skipped) = plan_actions(&s, &s.actions, &[]);
        s.actions = kept;
        let text = serde_json::to_value(&s).expect("a scenario serializes").to_string();
        let scenario = parse_scenario(&text).map_err(|errors| {
            let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("the changed scenario is invalid: {}", parts.join("; "))
        })?;
        Ok(Applied { scenario, skipped })
    }
}

/// The action in words, the way the table names a fault: `kill_replica app/G gang 0 rank 0`.
pub fn describe_action(kind: &ActionKind) -> String {
    let replica = |r: &crate::model::scenario::ReplicaRef| {
        let mut s = format!("{}/{}", r.app, r.deployment);
        if let Some(id) = &r.id {
            s.push_str(&format!(" {id}"));
        }
        if let Some(g) = r.gang {
            s.push_str(&format!(" gang {g}"));
        }
        if let Some(k) = r.rank {
            s.push_str(&format!(" rank {k}"));
        }
        if let Some(i) = r.index {
            s.push_str(&format!(" #{i}"));
        }
        s
    };
    let what = match kind {
        ActionKind::KillReplica { replica: r }
        | ActionKind::FailHealthCheck { replica: r, .. }
        | ActionKind::HealHealthCheck { replica: r } => replica(r),
        ActionKind::FailConstructor { deployment, .. }
        | ActionKind::SetNumReplicas { deployment, .. }
        | ActionKind::DeployVersion { deployment, .. }
        | ActionKind::SetTraffic { deployment, .. } => format!("{}/{}", deployment.app, deployment.deployment),
        ActionKind::KillNode { node } | ActionKind::DrainNode { node, .. } => node.clone(),
        ActionKind::AddNode { node } => node.id.clone(),
        ActionKind::DeleteApp { app } => app.clone(),
        ActionKind::KillController {} => String::new(),
        ActionKind::FailGcsQueries { for_s } => format!("for {for_s} s"),
    };
    if what.is_empty() { kind.name().to_string() } else { format!("{} {what}", kind.name()) }
}

/// The application and deployment an action names, if any.
fn action_deployment(kind: &ActionKind) -> Option<(&str, &str)> {
    match kind {
        ActionKind::KillReplica { replica: r }
        | ActionKind::FailHealthCheck { replica: r, .. }
        | ActionKind::HealHealthCheck { replica: r } => Some((&r.app, &r.deployment)),
        ActionKind::FailConstructor { deployment: d, .. }
        | ActionKind::SetNumReplicas { deployment: d, .. }
        | ActionKind::DeployVersion { deployment: d, .. }
        | ActionKind::SetTraffic { deployment: d, .. } => Some((&d.app, &d.deployment)),
        _ => None,
    }
}

/// Split `actions` into those that can apply to `scenario` and those that name an application, deployment or node
/// it does not have (`also` are further actions whose `add_node`s count as nodes).
pub fn plan_actions(scenario: &Scenario, actions: &[Action], also: &[Action]) -> (Vec<Action>, Vec<Skipped>) {
    let mut nodes: Vec<String> = vec![scenario.head_id()];
    nodes.extend(scenario.cluster.nodes.iter().map(|n| n.id.clone()));
    for a in scenario.actions.iter().chain(actions).chain(also) {
        if let ActionKind::AddNode { node } = &a.kind {
            nodes.push(node.id.clone());
        }
    }
    let has_app = |app: &str| scenario.applications.iter().any(|a| a.name == app);
    let has_dep = |app: &str, dep: &str| {
        scenario.applications.iter().any(|a| a.name == app && a.deployments.iter().any(|d| d.name == dep))
    };
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for a in actions {
        let why = match &a.kind {
            k if action_deployment(k).is_some() => {
                let (app, dep) = action_deployment(k).expect("checked");
                (!has_dep(app, dep)).then(|| format!("there is no deployment {app}/{dep}"))
            }
            ActionKind::DeleteApp { app } => (!has_app(app)).then(|| format!("there is no application {app}")),
            ActionKind::KillNode { node } | ActionKind::DrainNode { node, .. } => {
                (!nodes.contains(node)).then(|| format!("there is no node {node}"))
            }
            _ => None,
        };
        match why {
            Some(why) => skipped.push(Skipped { at_s: a.at_s, action: describe_action(&a.kind), why }),
            None => kept.push(a.clone()),
        }
    }
    (kept, skipped)
}

/// The toggles a variant can change, each with its values (Ray 2.60's first), for a form.
pub fn toggle_choices() -> Vec<(&'static str, Vec<serde_json::Value>)> {
    use crate::model::serve::behaviour::{
        AutoscalingRounding, Choice, GangPgRemoval, GangServing, LeakDetection, StartupFailureCounting,
    };
    fn names<C: Choice>() -> (&'static str, Vec<serde_json::Value>) {
        (C::FIELD, C::names().into_iter().map(serde_json::Value::from).collect())
    }
    vec![
        names::<GangPgRemoval>(),
        names::<StartupFailureCounting>(),
        ("sweep_pending_migration", vec![false.into(), true.into()]),
        ("incomplete_gang_teardown", vec![true.into(), false.into()]),
        names::<LeakDetection>(),
        names::<GangServing>(),
        names::<AutoscalingRounding>(),
    ]
}

// ---------------------------------------------------------------------------------------------------------------
// Run metrics
// ---------------------------------------------------------------------------------------------------------------

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
    events_seen: usize,
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
                let before = self.sim.events().len();
                self.sim.schedule(next, a.kind.clone());
                self.sim.run_until(next);
                self.applied += 1;
                let outcome = self.sim.events()[before..].iter().rev().find_map(|e| match &e.kind {
                    EventKind::Action { action, applied, queued, .. } if action == a.kind.name() => {
                        Some((*applied || *queued, e.reason.clone()))
                    }
                    _ => None,
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
        let changed = force || events.len() > self.events_seen;
        for e in &events[self.events_seen..] {
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
        self.events_seen = events.len();
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

// ---------------------------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------------------------

/// Which run a row favours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    A,
    B,
    Same,
    /// Not a matter of better or worse (or not measured in one run).
    Neither,
}

impl Better {
    pub fn as_str(self) -> &'static str {
        match self {
            Better::A => "A",
            Better::B => "B",
            Better::Same => "same",
            Better::Neither => "",
        }
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub metric: String,
    pub a: String,
    pub b: String,
    /// B − A, in the metric's unit ("" when there is no number to subtract).
    pub difference: String,
    pub better: Better,
}

/// Two finished runs side by side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub label_a: String,
    pub label_b: String,
    pub rows: Vec<Row>,
    /// Actions run A got and run B did not (a deployment, application or node B lacks, or the model refused it).
    pub skipped_in_b: Vec<Skipped>,
    pub a: RunMetrics,
    pub b: RunMetrics,
}

fn fmt_s(s: f64) -> String {
    let r = (s * 1000.0).round() / 1000.0;
    format!("{r} s")
}

fn fmt_num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r:.1}") }
}

fn signed(d: f64, unit: &str) -> String {
    let r = (d * 1000.0).round() / 1000.0;
    let body = if unit == " s" { format!("{}", r.abs()) } else { fmt_num(r.abs()) };
    if r == 0.0 { format!("0{unit}") } else { format!("{}{body}{unit}", if r > 0.0 { "+" } else { "−" }) }
}

/// A row where lower is better; `None` is "never" (worse than any number).
fn lower_better(metric: &str, a: Option<f64>, b: Option<f64>, unit: &str, never: &str) -> Row {
    let show = |v: Option<f64>| match v {
        Some(x) if unit == " s" => fmt_s(x),
        Some(x) => fmt_num(x),
        None => never.to_string(),
    };
    let (difference, better) = match (a, b) {
        (Some(x), Some(y)) => {
            let d = y - x;
            let better = if (d * 1000.0).round() == 0.0 {
                Better::Same
            } else if d < 0.0 {
                Better::B
            } else {
                Better::A
            };
            (signed(d, unit), better)
        }
        (Some(_), None) => (String::new(), Better::A),
        (None, Some(_)) => (String::new(), Better::B),
        (None, None) => (String::new(), Better::Same),
    };
    Row { metric: metric.to_string(), a: show(a), b: show(b), difference, better }
}

fn status_rank(s: DeploymentStatus) -> u8 {
    match s {
        DeploymentStatus::Healthy => 0,
        DeploymentStatus::Upscaling | DeploymentStatus::Downscaling | DeploymentStatus::Updating => 1,
        DeploymentStatus::Unhealthy => 2,
        DeploymentStatus::DeployFailed => 3,
    }
}

fn status_str(s: DeploymentStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl Comparison {
    /// The table of two runs' metrics. `skipped_in_b` lists the actions B did not get before it ran; the user
    /// actions A applied and B's model refused are added here.
    pub fn of(
        label_a: &str,
        a: RunMetrics,
        label_b: &str,
        b: RunMetrics,
        mut skipped_in_b: Vec<Skipped>,
    ) -> Comparison {
        for ob in &b.actions {
            let in_a = a.actions.iter().find(|oa| oa.at_s == ob.at_s && oa.action == ob.action);
            if !ob.applied && in_a.is_none_or(|oa| oa.applied) {
                skipped_in_b.push(Skipped { at_s: ob.at_s, action: ob.action.clone(), why: ob.reason.clone() });
            }
        }
        let mut rows = vec![
            lower_better("time until every gang first RUNNING", a.all_running_s, b.all_running_s, " s", "never"),
            lower_better("gang teardowns", Some(a.teardowns.into()), Some(b.teardowns.into()), "", ""),
            lower_better(
                "replicas restarted",
                Some(a.replicas_restarted.into()),
                Some(b.replicas_restarted.into()),
                "",
                "",
            ),
            lower_better("replica-seconds lost", Some(a.replica_seconds_lost), Some(b.replica_seconds_lost), "", ""),
        ];
        // Recoveries, fault by fault: matched by the fault's description and time, in order.
        let mut b_used = vec![false; b.recoveries.len()];
        for ra in &a.recoveries {
            let mb = b
                .recoveries
                .iter()
                .enumerate()
                .find(|(i, rb)| !b_used[*i] && rb.fault == ra.fault && rb.at_s == ra.at_s);
            let metric = format!("recovery after {} at {}", ra.fault, fmt_s(ra.at_s));
            match mb {
                Some((i, rb)) => {
                    b_used[i] = true;
                    rows.push(recovery_row(metric, &ra.outcome, &rb.outcome));
                }
                None => rows.push(Row {
                    metric,
                    a: ra.outcome.describe(),
                    b: if skipped_in_b.iter().any(|s| s.at_s == ra.at_s && s.action == ra.fault) {
                        "skipped in B".to_string()
                    } else {
                        "not in B".to_string()
                    },
                    difference: String::new(),
                    better: Better::Neither,
                }),
            }
        }
        for (i, rb) in b.recoveries.iter().enumerate() {
            if !b_used[i] {
                rows.push(Row {
                    metric: format!("recovery after {} at {}", rb.fault, fmt_s(rb.at_s)),
                    a: "not in A".to_string(),
                    b: rb.outcome.describe(),
                    difference: String::new(),
                    better: Better::Neither,
                });
            }
        }
        rows.push(lower_better("PGs left pending", Some(a.pgs_pending.into()), Some(b.pgs_pending.into()), "", ""));
        rows.push(lower_better(
            "PGs leaked at the end",
            Some(a.leaked_pgs.len() as f64),
            Some(b.leaked_pgs.len() as f64),
            "",
            "",
        ));
        let mut names: Vec<&String> = a.final_statuses.iter().map(|(n, _)| n).collect();
        for (n, _) in &b.final_statuses {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        for n in names {
            let sa = a.final_statuses.iter().find(|(x, _)| x == n).map(|(_, s)| *s);
            let sb = b.final_statuses.iter().find(|(x, _)| x == n).map(|(_, s)| *s);
            let better = match (sa, sb) {
                (Some(x), Some(y)) if status_rank(x) < status_rank(y) => Better::A,
                (Some(x), Some(y)) if status_rank(x) > status_rank(y) => Better::B,
                (Some(_), Some(_)) => Better::Same,
                _ => Better::Neither,
            };
            let show = |s: Option<DeploymentStatus>| s.map_or("(none)".to_string(), status_str);
            rows.push(Row {
                metric: format!("final status {n}"),
                a: show(sa),
                b: show(sb),
                difference: String::new(),
                better,
            });
        }
        rows.push(lower_better("requests failed", Some(a.requests_failed), Some(b.requests_failed), "", ""));
        rows.push(lower_better(
            "invariant violations",
            Some(a.violations.len() as f64),
            Some(b.violations.len() as f64),
            "",
            "",
        ));
        Comparison { label_a: label_a.to_string(), label_b: label_b.to_string(), rows, skipped_in_b, a, b }
    }

    /// The comparison as a plain-text table (fixed-width columns), then the actions skipped in B.
    pub fn to_text(&self) -> String {
        let header = ["metric", "A", "B", "B − A", "better"];
        let cells: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|r| [r.metric.clone(), r.a.clone(), r.b.clone(), r.difference.clone(), r.better.as_str().to_string()])
            .collect();
        let mut width = header.map(|h| h.chars().count());
        for c in &cells {
            for i in 0..5 {
                width[i] = width[i].max(c[i].chars().count());
            }
        }
        let line = |c: &[String; 5]| {
            let mut s = String::new();
            for i in 0..5 {
                let pad = width[i] - c[i].chars().count();
                if i == 0 {
                    s.push_str(&c[i]);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("  ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(&c[i]);
                }
            }
            s.trim_end().to_string()
        };
        let mut out = format!("A: {}\nB: {}\n\n", self.label_a, self.label_b);
        out.push_str(&line(&header.map(str::to_string)));
        out.push('\n');
        out.push_str(&"-".repeat(width.iter().sum::<usize>() + 8));
        out.push('\n');
        for c in &cells {
            out.push_str(&line(c));
            out.push('\n');
        }
        out.push_str(&self.skipped_text());
        out
    }

    fn skipped_text(&self) -> String {
        let mut out = String::new();
        if !self.skipped_in_b.is_empty() {
            out.push_str("\nSkipped in B:\n");
            for s in &self.skipped_in_b {
                out.push_str(&format!("  at {}: {}: {}\n", fmt_s(s.at_s), s.action, s.why));
            }
        }
        out
    }

    /// The comparison as a Markdown table (for a design doc), then the actions skipped in B.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = format!("**A**: {}  \n**B**: {}\n\n", esc(&self.label_a), esc(&self.label_b));
        out.push_str("| metric | A | B | B − A | better |\n|---|---:|---:|---:|:---:|\n");
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                esc(&r.metric),
                esc(&r.a),
                esc(&r.b),
                esc(&r.difference),
                r.better.as_str()
            ));
        }
        if !self.skipped_in_b.is_empty() {
            out.push_str("\nSkipped in B:\n\n");
            for s in &self.skipped_in_b {
                out.push_str(&format!("- at {}: `{}`: {}\n", fmt_s(s.at_s), esc(&s.action), esc(&s.why)));
            }
        }
        out
    }
}

fn recovery_row(metric: String, a: &RecoveryOutcome, b: &RecoveryOutcome) -> Row {
    match (a, b) {
        (RecoveryOutcome::Skipped { .. }, _) | (_, RecoveryOutcome::Skipped { .. }) => {
            Row { metric, a: a.describe(), b: b.describe(), difference: String::new(), better: Better::Neither }
        }
        _ => {
            let mut row = lower_better(&metric, a.seconds(), b.seconds(), " s", "");
            row.a = a.describe();
            row.b = b.describe();
            row
        }
    }
}

/// The label of a run: the scenario's name and seed.
pub fn run_label(scenario: &Scenario) -> String {
    format!("{} (seed {})", scenario.name, scenario.seed)
}

/// Run A (`a` with the user's `a_actions`) and B to their ends and compare them. B gets `b_actions` less those
/// naming a deployment, application or node B lacks, which are listed as skipped in B.
pub fn compare(a: &Scenario, a_actions: &[Action], b: &Scenario, b_actions: &[Action]) -> Comparison {
    compare_labelled(&run_label(a), a, a_actions, &run_label(b), b, b_actions, Vec::new())
}

/// [`compare`] with labels and the scenario actions a variant already left out of B.
pub fn compare_labelled(
    label_a: &str,
    a: &Scenario,
    a_actions: &[Action],
    label_b: &str,
    b: &Scenario,
    b_actions: &[Action],
    skipped: Vec<Skipped>,
) -> Comparison {
    let mut job = CompareJob::new(label_a, a, a_actions, label_b, b, b_actions, skipped);
    while !job.step(usize::MAX / 2) {}
    job.finish()
}

/// A comparison in progress: both runs played a bounded slice at a time (for the browser), then the table.
pub struct CompareJob {
    label_a: String,
    label_b: String,
    a: MetricsRun,
    b: MetricsRun,
    skipped: Vec<Skipped>,
}

impl CompareJob {
    /// B gets `b_actions` less those naming what B lacks (listed as skipped, after `skipped`).
    pub fn new(
        label_a: &str,
        a: &Scenario,
        a_actions: &[Action],
        label_b: &str,
        b: &Scenario,
        b_actions: &[Action],
        mut skipped: Vec<Skipped>,
    ) -> CompareJob {
        let (kept, static_skips) = plan_actions(b, b_actions, &[]);
        skipped.extend(static_skips);
        CompareJob {
            label_a: label_a.to_string(),
            label_b: label_b.to_string(),
            a: MetricsRun::new(a, a_actions),
            b: MetricsRun::new(b, &kept),
            skipped,
        }
    }

    /// The job for a variant of the base run.
    pub fn for_variant(base: &Scenario, actions: &[Action], variant: &Variant) -> Result<CompareJob, String> {
        let applied = variant.apply(base)?;
        let label_b = variant.label_with_seed(applied.scenario.seed);
        Ok(CompareJob::new(&run_label(base), base, actions, &label_b, &applied.scenario, actions, applied.skipped))
    }

    /// At most `budget` model wakeups of work (A first, then B). Returns whether both runs are over.
    pub fn step(&mut self, budget: usize) -> bool {
        if !self.a.done() {
            self.a.step(budget);
        } else if !self.b.done() {
            self.b.step(budget);
        }
        self.a.done() && self.b.done()
    }

    /// 0..=1: simulated time played over both runs' ends.
    pub fn progress(&self) -> f64 {
        let total = (self.a.end().0 + self.b.end().0).max(1) as f64;
        ((self.a.now().0.min(self.a.end().0) + self.b.now().0.min(self.b.end().0)) as f64 / total).min(1.0)
    }

    /// Play what is left and build the table.
    pub fn finish(self) -> Comparison {
        let (a, b) = (self.a.finish(), self.b.finish());
        Comparison::of(&self.label_a, a, &self.label_b, b, self.skipped)
    }
}

/// Compare the base run with the variant of it: B is the base scenario with the variant's changes and the same
/// user actions.
pub fn compare_variant(base: &Scenario, actions: &[Action], variant: &Variant) -> Result<Comparison, String> {
    let mut job = CompareJob::for_variant(base, actions, variant)?;
    while !job.step(usize::MAX / 2) {}
    Ok(job.finish())
}

// ---------------------------------------------------------------------------------------------------------------
// Side by side (the page)
// ---------------------------------------------------------------------------------------------------------------

/// Run B of a comparison, played beside the user's session (run A) on one clock: it follows A's scenario (the
/// variant is applied again when A's scenario or seed changes), A's user actions (those B can take; the others are
/// listed in [`CompareSide::skipped`]) and A's time (forward by playing on, backward by seeking).
pub struct CompareSide {
    variant: Variant,
    base: Scenario,
    session: crate::app::Session,
    /// The scenario's own actions the variant left out, and A's user actions B lacks the target of.
    scenario_skipped: Vec<Skipped>,
    user_skipped: Vec<Skipped>,
    /// A's user actions as last followed.
    a_actions: Vec<Action>,
}

impl CompareSide {
    /// Open variant B of session A, at A's time.
    pub fn open(a: &crate::app::Session, variant: Variant) -> Result<CompareSide, String> {
        let applied = variant.apply(a.scenario())?;
        let mut side = CompareSide {
            variant,
            base: a.scenario().clone(),
            session: crate::app::Session::new(applied.scenario),
            scenario_skipped: applied.skipped,
            user_skipped: Vec::new(),
            a_actions: Vec::new(),
        };
        side.follow(a)?;
        Ok(side)
    }

    /// Catch up with A: its scenario, user actions and time.
    pub fn follow(&mut self, a: &crate::app::Session) -> Result<(), String> {
        let mut rebuild = false;
        if a.scenario() != &self.base {
            let applied = self.variant.apply(a.scenario())?;
            self.base = a.scenario().clone();
            self.scenario_skipped = applied.skipped;
            self.session.load(applied.scenario);
            rebuild = true;
        }
        if rebuild || a.user_actions() != self.a_actions.as_slice() {
            self.a_actions = a.user_actions().to_vec();
            let (kept, skipped) = plan_actions(self.session.scenario(), &self.a_actions, &[]);
            self.user_skipped = skipped;
            let scenario = self.session.scenario().clone();
            self.session.load_with_actions(scenario, kept, a.now());
            return Ok(());
        }
        let t = a.now();
        if t > self.session.now() {
            self.session.advance_to(t);
        } else if t < self.session.now() {
            self.session.seek(t);
        }
        Ok(())
    }

    pub fn session(&self) -> &crate::app::Session {
        &self.session
    }

    pub fn variant(&self) -> &Variant {
        &self.variant
    }

    /// What B's column is called.
    pub fn label(&self) -> String {
        self.variant.label_with_seed(self.session.seed())
    }

    /// The actions B does not get (the scenario's own, then the user's).
    pub fn skipped(&self) -> Vec<Skipped> {
        self.scenario_skipped.iter().chain(&self.user_skipped).cloned().collect()
    }

    /// The difference table's job for the runs as they stand (A's scenario and user actions, and B).
    pub fn job(&self) -> CompareJob {
        let b = self.session.scenario();
        CompareJob::new(
            &run_label(&self.base),
            &self.base,
            &self.a_actions,
            &self.label(),
            b,
            &self.a_actions,
            self.scenario_skipped.clone(),
        )
    }
}
