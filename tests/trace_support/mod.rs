//! Shared by `tests/acceptance.rs` and `tests/oracle.rs`: run a scenario file from `tests/scenarios/` and read
//! its trace the way the spec talks about it (who stopped in which tick, which gangs survived, which PGs are
//! left, the status sequences, the counters).
//!
//! Everything here only *reads* what the model recorded (events and snapshots); no expectation is computed
//! here the way the model computes it.
#![allow(dead_code)]

use gangplank::model::Simulation;
use gangplank::model::events::{ControllerChange, Event, EventKind, HealthCheckResult, NodeChange, TeardownCause};
use gangplank::model::placement::PlacementGroupState;
use gangplank::model::scenario::{ActionKind, Scenario, parse_scenario};
use gangplank::model::serve::replica::{GangContext, ReplicaState};
use gangplank::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use gangplank::model::snapshot::{DeploymentView, PlacementGroupView, ReplicaView, Snapshot};
use gangplank::model::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub const GANG_PREFIX: &str = "SERVE_GANG::";

/// Half a microsecond: times in the model are whole microseconds.
pub const EPS: f64 = 1e-6;

pub fn scenario_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("scenarios").join(name)
}

pub fn load(name: &str) -> Scenario {
    let path = scenario_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match parse_scenario(&text) {
        Ok(s) => s,
        Err(errors) => {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!("{name} is not a valid scenario:\n{}", list.join("\n"))
        }
    }
}

/// A finished run plus the snapshots taken at the probe times on the way.
pub struct Run {
    pub name: String,
    pub sim: Simulation,
    probes: Vec<(f64, Snapshot)>,
}

/// Run a scenario file to its `until_s`.
pub fn run_file(name: &str) -> Run {
    run_file_probing(name, &[])
}

/// Run a scenario file to its `until_s`, taking a snapshot at each of `probes` (seconds, ascending) on the way.
pub fn run_file_probing(name: &str, probes: &[f64]) -> Run {
    let scenario = load(name);
    run_scenario_probing(name, &scenario, probes)
}

pub fn run_scenario_probing(name: &str, scenario: &Scenario, probes: &[f64]) -> Run {
    let mut sim = Simulation::new(scenario);
    let mut taken = Vec::new();
    for &t in probes {
        sim.run_until(SimTime::from_secs_f64(t));
        taken.push((t, sim.snapshot()));
    }
    sim.run_to_end();
    Run { name: name.to_string(), sim, probes: taken }
}

// ----- plain records read from the events ------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub t: f64,
    pub tick: u64,
    pub seq: u64,
    pub replica: String,
    pub deployment: (String, String),
    pub gang_id: Option<String>,
    pub rank: Option<u32>,
    pub from: Option<ReplicaState>,
    pub to: ReplicaState,
    pub node: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Teardown {
    pub t: f64,
    pub tick: u64,
    pub seq: u64,
    pub gang_id: String,
    pub members: Vec<String>,
    pub cause: TeardownCause,
    pub failed_member: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reserved {
    pub t: f64,
    pub tick: u64,
    pub seq: u64,
    pub gang_id: String,
    pub pg_name: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    pub t: f64,
    pub tick: u64,
    pub status: DeploymentStatus,
    pub trigger: DeploymentStatusTrigger,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PgChange {
    pub t: f64,
    pub tick: u64,
    pub seq: u64,
    pub name: String,
    pub from: Option<PlacementGroupState>,
    pub to: PlacementGroupState,
    pub bundle_nodes: Vec<Option<String>>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub t: f64,
    pub tick: u64,
    pub replica: String,
    pub result: HealthCheckResult,
    pub consecutive_failures: u32,
}

fn secs(e: &Event) -> f64 {
    e.t.as_secs_f64()
}

impl Run {
    pub fn events(&self) -> &[Event] {
        self.sim.events()
    }

    /// The snapshot at `until_s`.
    pub fn end(&self) -> Snapshot {
        self.sim.snapshot()
    }

    /// The snapshot taken at probe time `t`.
    pub fn at(&self, t: f64) -> &Snapshot {
        self.probes
            .iter()
            .find(|(p, _)| (*p - t).abs() < EPS)
            .map(|(_, s)| s)
            .unwrap_or_else(|| panic!("{}: no probe was taken at {t} s", self.name))
    }

    pub fn assert_no_violations(&self) {
        let v = self.sim.violations();
        assert!(v.is_empty(), "{}: the model violated invariants: {v:#?}", self.name);
    }

    /// The control-loop interval in seconds.
    pub fn interval(&self) -> f64 {
        self.sim.control_loop_interval().as_secs_f64()
    }

    // ----- replicas --------------------------------------------------------------------------------------------

    pub fn transitions(&self, app: &str, dep: &str) -> Vec<Transition> {
        self.all_transitions().into_iter().filter(|t| t.deployment.0 == app && t.deployment.1 == dep).collect()
    }

    pub fn all_transitions(&self) -> Vec<Transition> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ReplicaState { replica, app, deployment, gang_id, rank, from, to, node } => {
                    Some(Transition {
                        t: secs(e),
                        tick: e.tick,
                        seq: e.seq,
                        replica: replica.clone(),
                        deployment: (app.clone(), deployment.clone()),
                        gang_id: gang_id.clone(),
                        rank: *rank,
                        from: *from,
                        to: *to,
                        node: node.clone(),
                        reason: e.reason.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    pub fn transitions_of(&self, replica: &str) -> Vec<Transition> {
        self.all_transitions().into_iter().filter(|t| t.replica == replica).collect()
    }

    /// The states a replica went through, in order (the first entry is the state it was created in).
    pub fn states_of(&self, replica: &str) -> Vec<ReplicaState> {
        self.transitions_of(replica).iter().map(|t| t.to).collect()
    }

    /// The first transition of `replica` into `to`.
    pub fn first_into(&self, replica: &str, to: ReplicaState) -> Option<Transition> {
        self.transitions_of(replica).into_iter().find(|t| t.to == to)
    }

    /// The tick in which `replica` entered `to` (first time).
    pub fn tick_into(&self, replica: &str, to: ReplicaState) -> Option<u64> {
        self.first_into(replica, to).map(|t| t.tick)
    }

    /// Replica ids created for a deployment, in creation order.
    pub fn created(&self, app: &str, dep: &str) -> Vec<String> {
        self.transitions(app, dep).into_iter().filter(|t| t.from.is_none()).map(|t| t.replica).collect()
    }

    /// How many replicas of a deployment are RUNNING after each replica_state event, as (t, tick, count).
    pub fn running_timeline(&self, app: &str, dep: &str) -> Vec<(f64, u64, usize)> {
        let mut running: BTreeSet<String> = BTreeSet::new();
        let mut out = Vec::new();
        for t in self.transitions(app, dep) {
            if t.to == ReplicaState::Running {
                running.insert(t.replica.clone());
            } else {
                running.remove(&t.replica);
            }
            out.push((t.t, t.tick, running.len()));
        }
        out
    }

    /// The RUNNING replica ids of a deployment at the end of each tick in which some replica_state event
    /// happened, as (tick, set).
    pub fn running_sets(&self, app: &str, dep: &str) -> Vec<(u64, BTreeSet<String>)> {
        let mut running: BTreeSet<String> = BTreeSet::new();
        let mut out: Vec<(u64, BTreeSet<String>)> = Vec::new();
        for t in self.transitions(app, dep) {
            if t.to == ReplicaState::Running {
                running.insert(t.replica.clone());
            } else {
                running.remove(&t.replica);
            }
            match out.last_mut() {
                Some((tick, set)) if *tick == t.tick => *set = running.clone(),
                _ => out.push((t.tick, running.clone())),
            }
        }
        out
    }

    // ----- gangs -----------------------------------------------------------------------------------------------

    pub fn teardowns(&self, app: &str, dep: &str) -> Vec<Teardown> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GangTeardown { app: a, deployment: d, gang_id, members, cause, failed_member }
                    if a == app && d == dep =>
                {
                    Some(Teardown {
                        t: secs(e),
                        tick: e.tick,
                        seq: e.seq,
                        gang_id: gang_id.clone(),
                        members: members.clone(),
                        cause: *cause,
                        failed_member: failed_member.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    pub fn reservations(&self, app: &str, dep: &str) -> Vec<Reserved> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GangReserved { app: a, deployment: d, gang_id, pg_name, members }
                    if a == app && d == dep =>
                {
                    Some(Reserved {
                        t: secs(e),
                        tick: e.tick,
                        seq: e.seq,
                        gang_id: gang_id.clone(),
                        pg_name: pg_name.clone(),
                        members: members.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// (t, tick, error) of every failed gang reservation of a deployment.
    pub fn reservation_failures(&self, app: &str, dep: &str) -> Vec<(f64, u64, String)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ReservationFailed { app: a, deployment: d, error } if a == app && d == dep => {
                    Some((secs(e), e.tick, error.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// (t, tick, replica, failure_count, threshold) of every start-up failure of a deployment.
    pub fn startup_failures(&self, app: &str, dep: &str) -> Vec<(f64, u64, String, u32, u32)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::StartupFailure { app: a, deployment: d, replica, failure_count, threshold }
                    if a == app && d == dep =>
                {
                    Some((secs(e), e.tick, replica.clone(), *failure_count, *threshold))
                }
                _ => None,
            })
            .collect()
    }

    pub fn health_checks(&self, replica: &str) -> Vec<HealthCheck> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::HealthCheck { replica: r, result, consecutive_failures, .. } if r == replica => {
                    Some(HealthCheck {
                        t: secs(e),
                        tick: e.tick,
                        replica: r.clone(),
                        result: *result,
                        consecutive_failures: *consecutive_failures,
                    })
                }
                _ => None,
            })
            .collect()
    }

    // ----- statuses --------------------------------------------------------------------------------------------

    pub fn deployment_statuses(&self, app: &str, dep: &str) -> Vec<StatusChange> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::DeploymentStatus { app: a, deployment: d, to, status_trigger, message, .. }
                    if a == app && d == dep =>
                {
                    Some(StatusChange {
                        t: secs(e),
                        tick: e.tick,
                        status: *to,
                        trigger: *status_trigger,
                        message: message.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// The (status, trigger) pairs a deployment went through, consecutive repeats folded.
    pub fn status_sequence(&self, app: &str, dep: &str) -> Vec<(DeploymentStatus, DeploymentStatusTrigger)> {
        let mut out: Vec<(DeploymentStatus, DeploymentStatusTrigger)> = Vec::new();
        for s in self.deployment_statuses(app, dep) {
            if out.last() != Some(&(s.status, s.trigger)) {
                out.push((s.status, s.trigger));
            }
        }
        out
    }

    /// The statuses alone, consecutive repeats folded.
    pub fn statuses(&self, app: &str, dep: &str) -> Vec<DeploymentStatus> {
        let mut out: Vec<DeploymentStatus> = Vec::new();
        for s in self.deployment_statuses(app, dep) {
            if out.last() != Some(&s.status) {
                out.push(s.status);
            }
        }
        out
    }

    /// (t, tick, status) of every application status event.
    pub fn app_status_events(&self, app: &str) -> Vec<(f64, u64, ApplicationStatus)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::AppStatus { app: a, to, .. } if a == app => Some((secs(e), e.tick, *to)),
                _ => None,
            })
            .collect()
    }

    /// The application statuses, consecutive repeats folded.
    pub fn app_statuses(&self, app: &str) -> Vec<ApplicationStatus> {
        let mut out: Vec<ApplicationStatus> = Vec::new();
        for (_, _, s) in self.app_status_events(app) {
            if out.last() != Some(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The first time the deployment reached `status`.
    pub fn first_status(&self, app: &str, dep: &str, status: DeploymentStatus) -> Option<StatusChange> {
        self.deployment_statuses(app, dep).into_iter().find(|s| s.status == status)
    }

    // ----- placement groups ------------------------------------------------------------------------------------

    pub fn pg_changes(&self) -> Vec<PgChange> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::PgState { name, from, to, bundle_nodes, .. } => Some(PgChange {
                    t: secs(e),
                    tick: e.tick,
                    seq: e.seq,
                    name: name.clone(),
                    from: *from,
                    to: *to,
                    bundle_nodes: bundle_nodes.clone(),
                    reason: e.reason.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    pub fn pg_changes_of(&self, name: &str) -> Vec<PgChange> {
        self.pg_changes().into_iter().filter(|c| c.name == name).collect()
    }

    /// When (t, tick) a PG first entered `state`.
    pub fn pg_entered(&self, name: &str, state: PlacementGroupState) -> Option<PgChange> {
        self.pg_changes_of(name).into_iter().find(|c| c.to == state)
    }

    /// Names of every PG ever requested whose name starts with `prefix`, in request order.
    pub fn pgs_requested(&self, prefix: &str) -> Vec<String> {
        self.pg_changes()
            .into_iter()
            .filter(|c| c.from.is_none() && c.name.starts_with(prefix))
            .map(|c| c.name)
            .collect()
    }

    // ----- other events ----------------------------------------------------------------------------------------

    /// (t, tick, change, incarnation) of every controller event.
    pub fn controller_changes(&self) -> Vec<(f64, u64, ControllerChange, u32)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Controller { change, incarnation } => Some((secs(e), e.tick, *change, *incarnation)),
                _ => None,
            })
            .collect()
    }

    /// (t, name, gang) of every leak detected.
    pub fn leaks(&self) -> Vec<(f64, String, bool)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::LeakDetected { name, gang } => Some((secs(e), name.clone(), *gang)),
                _ => None,
            })
            .collect()
    }

    pub fn leak_detection_skips(&self) -> Vec<f64> {
        self.events().iter().filter(|e| matches!(e.kind, EventKind::LeakDetectionSkipped { .. })).map(secs).collect()
    }

    /// (t, action name, applied) of every scenario action.
    pub fn actions(&self) -> Vec<(f64, String, bool)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Action { action, applied, .. } => Some((secs(e), action.clone(), *applied)),
                _ => None,
            })
            .collect()
    }

    /// (t, target) of every applied action named `action` (the target is a replica id, node id, app, ...).
    pub fn action_targets(&self, action: &str) -> Vec<(f64, String)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Action { action: a, applied: true, target: Some(t), .. } if a == action => {
                    Some((secs(e), t.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Asserts every scenario action was applied (none skipped because its target did not exist).
    pub fn assert_actions_applied(&self) {
        let skipped: Vec<String> = self
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Action { applied: false, .. }))
            .map(|e| e.reason.clone())
            .collect();
        assert!(skipped.is_empty(), "{}: actions were skipped: {skipped:?}", self.name);
    }

    pub fn node_events(&self, node: &str) -> Vec<(f64, NodeChange)> {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Node { node: n, change, .. } if n == node => Some((secs(e), *change)),
                _ => None,
            })
            .collect()
    }

    /// The time of the (first) action named `action`.
    pub fn action_time(&self, action: &str) -> f64 {
        self.actions()
            .into_iter()
            .find(|(_, a, _)| a == action)
            .map(|(t, ..)| t)
            .unwrap_or_else(|| panic!("{}: no {action} action in the trace", self.name))
    }
}

/// The action kinds of a scenario, with their times (so a test can read its fault times from the file).
pub fn action_times(s: &Scenario) -> Vec<(f64, &ActionKind)> {
    s.actions.iter().map(|a| (a.at_s, &a.kind)).collect()
}

// ----- snapshot readers ------------------------------------------------------------------------------------------

pub fn replicas<'a>(s: &'a Snapshot, app: &str, dep: &str) -> Vec<&'a ReplicaView> {
    s.replicas.iter().filter(|r| r.app == app && r.deployment == dep).collect()
}

pub fn in_state<'a>(s: &'a Snapshot, app: &str, dep: &str, state: ReplicaState) -> Vec<&'a ReplicaView> {
    replicas(s, app, dep).into_iter().filter(|r| r.state == state).collect()
}

pub fn running<'a>(s: &'a Snapshot, app: &str, dep: &str) -> Vec<&'a ReplicaView> {
    in_state(s, app, dep, ReplicaState::Running)
}

pub fn ids(rs: &[&ReplicaView]) -> BTreeSet<String> {
    rs.iter().map(|r| r.id.clone()).collect()
}

/// Gang id -> the replicas (not STOPPING) carrying that gang's context, ordered by rank.
pub fn gangs<'a>(s: &'a Snapshot, app: &str, dep: &str) -> BTreeMap<String, Vec<&'a ReplicaView>> {
    let mut out: BTreeMap<String, Vec<&ReplicaView>> = BTreeMap::new();
    for r in replicas(s, app, dep) {
        if r.state == ReplicaState::Stopping {
            continue;
        }
        if let Some(g) = &r.gang_context {
            out.entry(g.gang_id.clone()).or_default().push(r);
        }
    }
    for members in out.values_mut() {
        members.sort_by_key(|r| r.gang_context.as_ref().map(|g| g.rank));
    }
    out
}

/// The gang ids of the RUNNING replicas of a deployment.
pub fn running_gang_ids(s: &Snapshot, app: &str, dep: &str) -> BTreeSet<String> {
    running(s, app, dep).iter().filter_map(|r| r.gang_context.as_ref().map(|g| g.gang_id.clone())).collect()
}

pub fn context(r: &ReplicaView) -> &GangContext {
    r.gang_context.as_ref().unwrap_or_else(|| panic!("replica {} has no GangContext", r.id))
}

pub fn deployment<'a>(s: &'a Snapshot, app: &str, dep: &str) -> &'a DeploymentView {
    s.deployments
        .iter()
        .find(|d| d.app == app && d.name == dep)
        .unwrap_or_else(|| panic!("no deployment {app}/{dep} in the snapshot at {} s", s.t.as_secs_f64()))
}

pub fn has_deployment(s: &Snapshot, app: &str, dep: &str) -> bool {
    s.deployments.iter().any(|d| d.app == app && d.name == dep)
}

pub fn app_status(s: &Snapshot, app: &str) -> Option<ApplicationStatus> {
    s.applications.iter().find(|a| a.name == app).map(|a| a.status)
}

/// Live PGs (the snapshot drops removed ones) whose name starts with `prefix`.
pub fn pgs<'a>(s: &'a Snapshot, prefix: &str) -> Vec<&'a PlacementGroupView> {
    s.placement_groups.iter().filter(|p| p.name.starts_with(prefix)).collect()
}

pub fn pg<'a>(s: &'a Snapshot, name: &str) -> &'a PlacementGroupView {
    s.placement_groups
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no live PG {name} at {} s", s.t.as_secs_f64()))
}

pub fn bundle_nodes(p: &PlacementGroupView) -> Vec<Option<String>> {
    p.bundles.iter().map(|b| b.node.clone()).collect()
}

/// The CPU amount of each bundle.
pub fn bundle_cpus(p: &PlacementGroupView) -> Vec<f64> {
    p.bundles.iter().map(|b| b.resources.get_f64("CPU")).collect()
}

pub fn distinct<T: Ord + Clone>(xs: &[T]) -> BTreeSet<T> {
    xs.iter().cloned().collect()
}

/// Ray's replica ids: 8 characters from lowercase letters and digits (errata §2).
pub fn is_replica_id(id: &str) -> bool {
    id.len() == 8 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Ray's gang ids: the first 8 hex characters of a UUID4 (errata §2).
pub fn is_gang_id(id: &str) -> bool {
    id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Assert `x` lies in `[lo, hi]` (seconds), with a readable message.
#[track_caller]
pub fn assert_within(what: &str, x: f64, lo: f64, hi: f64) {
    assert!(x >= lo - EPS && x <= hi + EPS, "{what}: {x:.3} s is outside the expected range [{lo:.3}, {hi:.3}] s");
}
