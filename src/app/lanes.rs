//! Swimlanes (issue 14): the run told as one lane per thing that lives through it. The Serve controller (its
//! incarnations: alive, down, recovering), every node (alive, draining, killed, dead), every deployment (its
//! status) and under it every gang (reserved → starting → running → stopping, then gone), with marks for the
//! faults and decisions that shaped them; each mark carries its event's `seq` and the event that started its chain
//! ("caused by"), so a view can jump there.
//!
//! Replicas outside any gang get no lane of their own: their deployment's lane carries their faults (kills,
//! failed health checks, constructor failures), so a plain deployment of 1,000 replicas stays one lane.
//!
//! [`LaneBuilder::sync`] reads only the events it has not seen yet, so playing does not rescan the run every frame;
//! a new run (seek back, reset, another seed) is detected and rebuilt from scratch. Pure: no web crates.
use crate::app::event_cursor::EventCursor;
use crate::model::events::{ControllerChange, Event, EventKind, HealthCheckResult, NodeChange, TeardownCause};
use crate::model::placement::PlacementGroupState;
use crate::model::scenario::Scenario;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatus;
use crate::model::time::SimTime;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// What a lane follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneKind {
    Controller,
    Node,
    Deployment,
    Gang,
}

/// What a stretch of a lane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The controller of this incarnation runs its control loop.
    ControllerAlive(u32),
    /// The controller is dead; nothing is reconciled until it restarts.
    ControllerDown,
    /// The restarted controller (this incarnation) is rebuilding its state from the GCS.
    ControllerRecovering(u32),
    NodeAlive,
    NodeDraining,
    /// Its processes died; the GCS has not noticed yet.
    NodeKilled,
    NodeDead,
    /// The gang's placement group waits to be placed (its bundles are not reserved yet).
    GangReserved,
    GangStarting,
    GangRunning,
    /// A member is PENDING_MIGRATION off a draining node.
    GangMigrating,
    /// A restarted controller is recovering its members.
    GangRecovering,
    /// Torn down, or its members are being stopped (scale down, rollout, delete).
    GangStopping,
    Status(DeploymentStatus),
}

impl Phase {
    /// The CSS class of its stretch.
    pub fn class(self) -> &'static str {
        match self {
            Phase::ControllerAlive(_) => "ph-alive",
            Phase::ControllerDown => "ph-down",
            Phase::ControllerRecovering(_) => "ph-recovering",
            Phase::NodeAlive => "ph-alive",
            Phase::NodeDraining => "ph-draining",
            Phase::NodeKilled => "ph-killed",
            Phase::NodeDead => "ph-dead",
            Phase::GangReserved => "ph-reserved",
            Phase::GangStarting => "ph-starting",
            Phase::GangRunning => "ph-running",
            Phase::GangMigrating => "ph-migrating",
            Phase::GangRecovering => "ph-recovering",
            Phase::GangStopping => "ph-stopping",
            Phase::Status(DeploymentStatus::Healthy) => "ph-healthy",
            Phase::Status(DeploymentStatus::Unhealthy) => "ph-unhealthy",
            Phase::Status(DeploymentStatus::DeployFailed) => "ph-failed",
            Phase::Status(DeploymentStatus::Updating | DeploymentStatus::Upscaling | DeploymentStatus::Downscaling) => {
                "ph-updating"
            }
        }
    }

    /// Words for it (tooltips and accessible names).
    pub fn label(self) -> String {
        match self {
            Phase::ControllerAlive(n) => format!("incarnation {n}: alive"),
            Phase::ControllerDown => "down".into(),
            Phase::ControllerRecovering(n) => format!("incarnation {n}: recovering"),
            Phase::NodeAlive => "alive".into(),
            Phase::NodeDraining => "draining".into(),
            Phase::NodeKilled => "killed (the GCS has not noticed yet)".into(),
            Phase::NodeDead => "dead".into(),
            Phase::GangReserved => "reserved (placement group pending)".into(),
            Phase::GangStarting => "starting".into(),
            Phase::GangRunning => "running".into(),
            Phase::GangMigrating => "migrating off a draining node".into(),
            Phase::GangRecovering => "recovering".into(),
            Phase::GangStopping => "stopping".into(),
            Phase::Status(s) => s.as_str().into(),
        }
    }
}

/// A stretch of a lane: `phase` from `from` until `to` (`None`: still going).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub phase: Phase,
    pub from: SimTime,
    pub to: Option<SimTime>,
}

/// What a mark stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A scenario or user action (kill a replica, delete an app, ...).
    Action,
    /// A failed health check or constructor.
    Failure,
    /// A node was added, drained, killed or declared dead.
    Node,
    /// The controller crashed, started or finished recovering.
    Controller,
    /// A gang was torn down.
    Teardown,
    /// A leaked placement group was found (and removed) by a restarted controller.
    Leak,
    /// A deployment became UNHEALTHY or DEPLOY_FAILED.
    Status,
    /// A rolling update stopped a batch of old replicas (on the deployment and on each gang it stopped).
    Rollout,
    /// Replicas (a whole gang) began moving off a draining node.
    Migration,
    /// The autoscaler changed the deployment's target number of replicas.
    Autoscale,
    /// An invariant was violated (on the controller's lane: the model itself is wrong).
    Violation,
}

impl MarkKind {
    pub fn class(self) -> &'static str {
        match self {
            MarkKind::Action => "mk-action",
            MarkKind::Failure => "mk-failure",
            MarkKind::Node => "mk-node",
            MarkKind::Controller => "mk-controller",
            MarkKind::Teardown => "mk-teardown",
            MarkKind::Leak => "mk-leak",
            MarkKind::Status => "mk-status",
            MarkKind::Rollout => "mk-rollout",
            MarkKind::Migration => "mk-migration",
            MarkKind::Autoscale => "mk-autoscale",
            MarkKind::Violation => "mk-violation",
        }
    }
}

/// A mark on a lane: one event, and the event that started its chain.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub seq: u64,
    pub t: SimTime,
    pub kind: MarkKind,
    /// A few words: "kill_replica", "gang torn down: actor crashed", "UNHEALTHY".
    pub title: String,
    /// The event's own sentence.
    pub reason: String,
    /// The first event of its cause chain (the fault behind a teardown), when it has one: seq, time, sentence.
    pub origin: Option<(u64, SimTime, String)>,
}

/// One lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// Unique among the lanes: `controller`, `node:w1`, `deployment:app/G`, `gang:22224b0b`.
    pub key: String,
    pub kind: LaneKind,
    /// The object's id (node id, gang id, `app/deployment`).
    pub id: String,
    /// Its short name on screen.
    pub label: String,
    /// What it belongs to, for tooltips (`app/G · 2 members`).
    pub detail: String,
    /// The gang's placement group (hovering the lane lights it in the cluster).
    pub pg_name: Option<String>,
    pub segments: Vec<Segment>,
    pub marks: Vec<Mark>,
    /// When the lane ended (a gang whose members are all gone).
    pub ended: Option<SimTime>,
}

impl Lane {
    fn new(kind: LaneKind, id: &str, label: String, detail: String) -> Lane {
        let prefix = match kind {
            LaneKind::Controller => "controller",
            LaneKind::Node => "node",
            LaneKind::Deployment => "deployment",
            LaneKind::Gang => "gang",
        };
        Lane {
            key: if kind == LaneKind::Controller { prefix.into() } else { format!("{prefix}:{id}") },
            kind,
            id: id.into(),
            label,
            detail,
            pg_name: None,
            segments: Vec::new(),
            marks: Vec::new(),
            ended: None,
        }
    }

    /// Continue with `phase` from `t` (`None`: the lane ends at `t`). The same phase again changes nothing; a
    /// stretch that would last no time is replaced.
    fn set_phase(&mut self, phase: Option<Phase>, t: SimTime) -> bool {
        let current = self.segments.last().filter(|s| s.to.is_none()).map(|s| s.phase);
        if current == phase {
            return false;
        }
        if let Some(last) = self.segments.last_mut().filter(|s| s.to.is_none()) {
            if last.from == t {
                self.segments.pop();
            } else {
                last.to = Some(t);
            }
        }
        match phase {
            Some(phase) => {
                // A replaced zero-length stretch may leave the same phase before it: continue that one.
                match self.segments.last_mut() {
                    Some(prev) if prev.phase == phase && prev.to == Some(t) => prev.to = None,
                    _ => self.segments.push(Segment { phase, from: t, to: None }),
                }
                self.ended = None;
            }
            None => self.ended = Some(t),
        }
        true
    }

    /// The phase now (`None`: ended or not started).
    pub fn phase(&self) -> Option<Phase> {
        self.segments.last().filter(|s| s.to.is_none()).map(|s| s.phase)
    }
}

/// A row of the lane list: a group's heading or a lane (an index into [`Lanes::lanes`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Group(String),
    Lane(usize),
}

/// The lanes at one moment. Cheap to clone: a lane that did not change is the same `Rc` as before, so a view can
/// skip redrawing it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lanes {
    pub lanes: Vec<Rc<Lane>>,
    /// In display order: the controller, the nodes, then each deployment's lane followed by its gangs.
    pub rows: Rc<Vec<Row>>,
    /// The time of the latest event read.
    pub last_t: SimTime,
}

impl Lanes {
    /// The lane with this key.
    pub fn lane(&self, key: &str) -> Option<&Rc<Lane>> {
        self.lanes.iter().find(|l| l.key == key)
    }
}

/// What the builder knows about a gang besides its lane.
#[derive(Clone, Debug, Default)]
struct GangTrack {
    lane: usize,
    /// Member → its state (`None`: minted, no state seen yet).
    members: BTreeMap<String, Option<ReplicaState>>,
    placed: bool,
    pg_removed: bool,
    torn_down: bool,
}

/// Builds [`Lanes`] from a run's events, incrementally.
pub struct LaneBuilder {
    /// Node ids the scenario starts with; deployments the scenario declares (`app/deployment`), in its order.
    initial_nodes: Vec<String>,
    initial_deployments: Vec<(String, String)>,
    lanes: Vec<Rc<Lane>>,
    index: HashMap<String, usize>,
    /// Deployment key → its lane and its gangs' lanes, in order of appearance.
    deployments: Vec<(String, usize, Vec<usize>)>,
    gangs: HashMap<String, GangTrack>,
    replica_gang: HashMap<String, String>,
    replica_deployment: HashMap<String, String>,
    pg_gang: HashMap<String, String>,
    rows: Rc<Vec<Row>>,
    rows_dirty: bool,
    /// Replicas outside any gang that stopped, oldest first (forgotten with the events that told of them).
    plain_stopped: std::collections::VecDeque<(SimTime, String)>,
    /// The oldest kept event when the lanes last forgot (see [`LaneBuilder::sync`]).
    forgotten_before: u64,
    /// What of the event list was read, and the run it belongs to (to notice another run).
    cursor: EventCursor,
    run: u64,
    last_t: SimTime,
}

impl LaneBuilder {
    /// An empty builder for `scenario` (its nodes and deployments get lanes before any event).
    pub fn new(scenario: &Scenario) -> LaneBuilder {
        let head = scenario.cluster.head.id.clone().unwrap_or_else(|| "head".into());
        let mut initial_nodes = vec![head];
        initial_nodes.extend(scenario.cluster.nodes.iter().map(|n| n.id.clone()));
        let initial_deployments = scenario
            .applications
            .iter()
            .flat_map(|a| a.deployments.iter().map(move |d| (a.name.clone(), d.name.clone())))
            .collect();
        let mut b = LaneBuilder {
            initial_nodes,
            initial_deployments,
            lanes: Vec::new(),
            index: HashMap::new(),
            deployments: Vec::new(),
            gangs: HashMap::new(),
            replica_gang: HashMap::new(),
            replica_deployment: HashMap::new(),
            pg_gang: HashMap::new(),
            rows: Rc::new(Vec::new()),
            rows_dirty: true,
            plain_stopped: std::collections::VecDeque::new(),
            forgotten_before: 0,
            cursor: EventCursor::default(),
            run: 0,
            last_t: SimTime::ZERO,
        };
        b.start();
        b
    }

    /// Back to time zero: the controller (incarnation 1), the scenario's nodes and deployments.
    fn start(&mut self) {
        self.lanes.clear();
        self.index.clear();
        self.deployments.clear();
        self.gangs.clear();
        self.replica_gang.clear();
        self.replica_deployment.clear();
        self.pg_gang.clear();
        self.plain_stopped.clear();
        self.forgotten_before = 0;
        self.cursor = EventCursor::default();
        self.last_t = SimTime::ZERO;
        self.rows_dirty = true;
        let c = self.add_lane(Lane::new(LaneKind::Controller, "controller", "Serve controller".into(), String::new()));
        self.lane_mut(c).set_phase(Some(Phase::ControllerAlive(1)), SimTime::ZERO);
        for id in self.initial_nodes.clone() {
            let n = self.node_lane(&id);
            self.lane_mut(n).set_phase(Some(Phase::NodeAlive), SimTime::ZERO);
        }
        for (app, deployment) in self.initial_deployments.clone() {
            self.deployment_lane(&app, &deployment);
        }
    }

    /// Read the events not seen yet. `run` identifies the simulation they come from (`Session::version().0`):
    /// another run, fewer events than before or a different last event mean the run was replaced (seek back,
    /// reset), and the lanes are rebuilt from scratch. Returns whether anything changed.
    pub fn sync(&mut self, run: u64, events: &[Event]) -> bool {
        let same_run = run == self.run && self.cursor.continues(events);
        let mut changed = false;
        if !same_run {
            self.start();
            self.run = run;
            changed = true;
        }
        let unread = self.cursor.unread(events);
        for e in unread {
            changed |= self.apply(e, events);
        }
        if let Some(last) = unread.last() {
            self.last_t = last.t;
        }
        // A long run's log keeps only its newest events (`model::log`): forget what only the dropped ones told.
        if let Some(first) = events.first().filter(|e| e.seq > self.forgotten_before) {
            self.forgotten_before = first.seq;
            changed |= self.forget_before(first.seq, first.t);
        }
        changed
    }

    /// Forget what ended before the oldest kept event (`first_kept`, at `from`): the lanes of gangs gone by then
    /// and of nodes the GCS no longer lists, the marks of dropped events and the stretches that ended before `from`, so that a run of any length holds
    /// lanes for what is live or ended within the kept events (issue 16, long sessions). A lane that loses nothing
    /// keeps its `Rc`. Returns whether anything was forgotten.
    fn forget_before(&mut self, first_kept: u64, from: SimTime) -> bool {
        while let Some((_, r)) = self.plain_stopped.front().filter(|(t, _)| *t < from) {
            self.replica_deployment.remove(r);
            self.plain_stopped.pop_front();
        }
        // Gone: ended before `from`, or holding nothing from `from` on (no open stretch, no kept mark: a gang whose
        // end this builder never saw, e.g. rebuilt after a seek from events that start after its reservation).
        let nothing_kept = |l: &Lane| {
            l.marks.iter().all(|m| m.seq < first_kept) && l.segments.iter().all(|s| s.to.is_some_and(|to| to < from))
        };
        let gone: Vec<String> = self
            .gangs
            .iter()
            .filter(|(_, g)| {
                let lane = &self.lanes[g.lane];
                lane.ended.is_some_and(|t| t < from) || nothing_kept(lane)
            })
            .map(|(id, _)| id.clone())
            .collect();
        let mut drop_lane = vec![false; self.lanes.len()];
        for id in &gone {
            let g = self.gangs.remove(id).expect("listed above");
            for m in g.members.keys() {
                self.replica_gang.remove(m);
            }
            if let Some(pg) = &self.lanes[g.lane].pg_name {
                self.pg_gang.remove(pg);
            }
            drop_lane[g.lane] = true;
        }
        // And the lanes of nodes the GCS stopped listing (evicted from its dead-node cache) by then.
        for (i, lane) in self.lanes.iter().enumerate() {
            if lane.kind == LaneKind::Node && lane.ended.is_some_and(|t| t < from) {
                drop_lane[i] = true;
            }
        }
        let dropped = drop_lane.iter().filter(|d| **d).count();
        let mut changed = dropped > 0;
        for lane in self.lanes.iter_mut() {
            let old_mark = lane.marks.first().is_some_and(|m| m.seq < first_kept);
            let old_stretch = lane.segments.first().is_some_and(|s| s.to.is_some_and(|to| to < from));
            if old_mark || old_stretch {
                let l = Rc::make_mut(lane);
                l.marks.retain(|m| m.seq >= first_kept);
                l.segments.retain(|s| s.to.is_none_or(|to| to >= from));
                changed = true;
            }
        }
        if dropped > 0 {
            // Renumber the lanes that stay, and everything that points at them.
            let mut renumber = vec![usize::MAX; self.lanes.len()];
            let mut kept = Vec::with_capacity(self.lanes.len() - dropped);
            for (i, lane) in std::mem::take(&mut self.lanes).into_iter().enumerate() {
                if !drop_lane[i] {
                    renumber[i] = kept.len();
                    kept.push(lane);
                }
            }
            self.lanes = kept;
            self.index = self.lanes.iter().enumerate().map(|(i, l)| (l.key.clone(), i)).collect();
            for (_, lane, gangs) in &mut self.deployments {
                *lane = renumber[*lane];
                gangs.retain(|g| !drop_lane[*g]);
                gangs.iter_mut().for_each(|g| *g = renumber[*g]);
            }
            self.gangs.values_mut().for_each(|g| g.lane = renumber[g.lane]);
            self.rows_dirty = true;
        }
        changed
    }

    /// The lanes now.
    pub fn lanes(&mut self) -> Lanes {
        if self.rows_dirty {
            self.rows_dirty = false;
            self.rows = Rc::new(self.build_rows());
        }
        Lanes { lanes: self.lanes.clone(), rows: self.rows.clone(), last_t: self.last_t }
    }

    fn build_rows(&self) -> Vec<Row> {
        let mut rows = vec![Row::Group("Control plane".into()), Row::Lane(0)];
        let nodes: Vec<usize> = (0..self.lanes.len()).filter(|&i| self.lanes[i].kind == LaneKind::Node).collect();
        rows.push(Row::Group(format!("Nodes · {}", nodes.len())));
        rows.extend(nodes.into_iter().map(Row::Lane));
        for (key, lane, gangs) in &self.deployments {
            let gangs_word = match gangs.len() {
                0 => String::new(),
                1 => " · 1 gang".into(),
                n => format!(" · {n} gangs"),
            };
            rows.push(Row::Group(format!("{key}{gangs_word}")));
            rows.push(Row::Lane(*lane));
            rows.extend(gangs.iter().map(|&g| Row::Lane(g)));
        }
        rows
    }

    fn add_lane(&mut self, lane: Lane) -> usize {
        let i = self.lanes.len();
        self.index.insert(lane.key.clone(), i);
        self.lanes.push(Rc::new(lane));
        self.rows_dirty = true;
        i
    }

    fn lane_mut(&mut self, i: usize) -> &mut Lane {
        Rc::make_mut(&mut self.lanes[i])
    }

    fn node_lane(&mut self, id: &str) -> usize {
        match self.index.get(&format!("node:{id}")) {
            Some(&i) => i,
            None => self.add_lane(Lane::new(LaneKind::Node, id, id.into(), "node".into())),
        }
    }

    fn deployment_lane(&mut self, app: &str, deployment: &str) -> usize {
        let key = format!("{app}/{deployment}");
        if let Some(&i) = self.index.get(&format!("deployment:{key}")) {
            return i;
        }
        let lane = Lane::new(LaneKind::Deployment, &key, "status".into(), format!("Deployment {key}"));
        let i = self.add_lane(lane);
        self.deployments.push((key, i, Vec::new()));
        i
    }

    fn gang_lane(&mut self, app: &str, deployment: &str, gang_id: &str) -> usize {
        if let Some(g) = self.gangs.get(gang_id) {
            return g.lane;
        }
        let d = self.deployment_lane(app, deployment);
        // The short id only: the lane sits under its deployment's "· N gangs" heading, with its hue swatch.
        let label = gang_id[..gang_id.len().min(8)].to_string();
        let i = self.add_lane(Lane::new(LaneKind::Gang, gang_id, label, format!("{app}/{deployment}")));
        if let Some(dep) = self.deployments.iter_mut().find(|x| x.1 == d) {
            dep.2.push(i);
        }
        self.gangs.insert(gang_id.into(), GangTrack { lane: i, ..GangTrack::default() });
        i
    }

    /// The lane a replica's faults go on: its gang's, else its deployment's.
    fn replica_lane(&self, replica: &str) -> Option<usize> {
        if let Some(g) = self.replica_gang.get(replica) {
            return self.gangs.get(g).map(|g| g.lane);
        }
        self.replica_deployment.get(replica).and_then(|d| self.index.get(&format!("deployment:{d}")).copied())
    }

    fn mark(&mut self, lane: usize, e: &Event, kind: MarkKind, title: String, events: &[Event]) -> bool {
        let origin = origin_of(e, events).map(|o| (o.seq, o.t, o.reason.clone()));
        let mark = Mark { seq: e.seq, t: e.t, kind, title, reason: e.reason.clone(), origin };
        self.lane_mut(lane).marks.push(mark);
        true
    }

    /// Apply one event; returns whether a lane changed.
    fn apply(&mut self, e: &Event, events: &[Event]) -> bool {
        match &e.kind {
            EventKind::Controller { change, incarnation } => {
                let (phase, title) = match change {
                    ControllerChange::Crashed => (Phase::ControllerDown, format!("controller {incarnation} crashed")),
                    ControllerChange::Started => {
                        (Phase::ControllerRecovering(*incarnation), format!("controller {incarnation} started"))
                    }
                    ControllerChange::Recovered => {
                        (Phase::ControllerAlive(*incarnation), format!("controller {incarnation} recovered"))
                    }
                };
                self.lane_mut(0).set_phase(Some(phase), e.t);
                self.mark(0, e, MarkKind::Controller, title, events)
            }
            EventKind::Node { node, change, .. } => {
                let n = self.node_lane(node);
                let (phase, title) = match change {
                    NodeChange::Added => (Some(Phase::NodeAlive), "node added"),
                    NodeChange::Draining => (Some(Phase::NodeDraining), "node draining"),
                    NodeChange::Killed => (Some(Phase::NodeKilled), "node killed"),
                    NodeChange::Dead => (Some(Phase::NodeDead), "node dead"),
                    // The GCS no longer lists it: its lane ends.
                    NodeChange::Evicted => (None, "dead node evicted from the GCS's cache"),
                };
                self.lane_mut(n).set_phase(phase, e.t);
                self.mark(n, e, MarkKind::Node, title.into(), events)
            }
            EventKind::Action { action, applied: true, target, .. } => {
                // Node and controller faults are marked by the node's and the controller's own events.
                let on_node = target.as_ref().is_some_and(|t| self.index.contains_key(&format!("node:{t}")));
                if on_node || action.contains("controller") {
                    return false;
                }
                let lane = target
                    .as_deref()
                    .and_then(|t| self.replica_lane(t).or_else(|| self.index.get(&format!("deployment:{t}")).copied()));
                let lane = lane.or_else(|| self.app_lane(target.as_deref())).unwrap_or(0);
                self.mark(lane, e, MarkKind::Action, action.clone(), events)
            }
            EventKind::HealthCheck { replica, result, .. } => {
                let title = match result {
                    HealthCheckResult::Recovered => return false,
                    HealthCheckResult::AppFailure => "health check failed",
                    HealthCheckResult::Timeout => "health check timed out",
                    HealthCheckResult::ActorCrashed => "actor crashed",
                };
                match self.replica_lane(replica) {
                    Some(l) => self.mark(l, e, MarkKind::Failure, title.into(), events),
                    None => false,
                }
            }
            EventKind::StartupFailure { app, deployment, replica, .. } => {
                let lane = self.replica_lane(replica).unwrap_or_else(|| self.deployment_lane(app, deployment));
                self.mark(lane, e, MarkKind::Failure, "constructor failed".into(), events)
            }
            EventKind::GangReserved { app, deployment, gang_id, pg_name, members } => {
                let l = self.gang_lane(app, deployment, gang_id);
                self.pg_gang.insert(pg_name.clone(), gang_id.clone());
                for m in members {
                    self.replica_gang.insert(m.clone(), gang_id.clone());
                }
                if let Some(g) = self.gangs.get_mut(gang_id) {
                    for m in members {
                        g.members.entry(m.clone()).or_insert(None);
                    }
                }
                let lane = self.lane_mut(l);
                lane.pg_name = Some(pg_name.clone());
                lane.detail = format!("{app}/{deployment} · {} members", members.len());
                self.update_gang(gang_id, e.t)
            }
            EventKind::PgState { name, to, .. } => {
                let Some(gang_id) = self.pg_gang.get(name).cloned() else { return false };
                if let Some(g) = self.gangs.get_mut(&gang_id) {
                    match to {
                        PlacementGroupState::Created => g.placed = true,
                        PlacementGroupState::Pending | PlacementGroupState::Rescheduling => g.placed = false,
                        PlacementGroupState::Removed => g.pg_removed = true,
                    }
                }
                self.update_gang(&gang_id, e.t)
            }
            EventKind::ReplicaState { replica, app, deployment, gang_id, to, .. } => match gang_id {
                Some(gang_id) => {
                    self.gang_lane(app, deployment, gang_id);
                    self.replica_gang.insert(replica.clone(), gang_id.clone());
                    if let Some(g) = self.gangs.get_mut(gang_id) {
                        g.members.insert(replica.clone(), Some(*to));
                    }
                    self.update_gang(gang_id, e.t)
                }
                None => {
                    self.replica_deployment.entry(replica.clone()).or_insert_with(|| format!("{app}/{deployment}"));
                    if *to == ReplicaState::Stopped {
                        self.plain_stopped.push_back((e.t, replica.clone()));
                    }
                    false
                }
            },
            EventKind::GangTeardown { app, deployment, gang_id, cause, .. } => {
                let l = self.gang_lane(app, deployment, gang_id);
                if let Some(g) = self.gangs.get_mut(gang_id) {
                    g.torn_down = true;
                }
                self.update_gang(gang_id, e.t);
                self.mark(l, e, MarkKind::Teardown, format!("gang torn down: {}", teardown_words(*cause)), events)
            }
            EventKind::LeakDetected { name, .. } => {
                let lane = self.pg_gang.get(name).and_then(|g| self.gangs.get(g)).map_or(0, |g| g.lane);
                self.mark(lane, e, MarkKind::Leak, "leaked placement group removed".into(), events)
            }
            EventKind::DeploymentStatus { app, deployment, to, .. } => {
                let l = self.deployment_lane(app, deployment);
                self.lane_mut(l).set_phase(Some(Phase::Status(*to)), e.t);
                if matches!(to, DeploymentStatus::Unhealthy | DeploymentStatus::DeployFailed) {
                    self.mark(l, e, MarkKind::Status, to.as_str().into(), events);
                }
                true
            }
            EventKind::Rollout { app, deployment, to_version, stopped, gangs, .. } => {
                let l = self.deployment_lane(app, deployment);
                let what = match gangs.len() {
                    0 => format!("{} replicas", stopped.len()),
                    1 => "1 gang".into(),
                    n => format!("{n} gangs"),
                };
                self.mark(l, e, MarkKind::Rollout, format!("rolling update to {to_version}: {what} stopped"), events);
                for g in gangs {
                    if let Some(gl) = self.gangs.get(g).map(|g| g.lane) {
                        self.mark(gl, e, MarkKind::Rollout, format!("stopped for the update to {to_version}"), events);
                    }
                }
                true
            }
            EventKind::Migration { app, deployment, gang_id, nodes, .. } => {
                let l = match gang_id.as_ref().and_then(|g| self.gangs.get(g)) {
                    Some(g) => g.lane,
                    None => self.deployment_lane(app, deployment),
                };
                self.mark(l, e, MarkKind::Migration, format!("migrating off {}", nodes.join(", ")), events)
            }
            EventKind::Autoscale { app, deployment, from, to, .. } => {
                let l = self.deployment_lane(app, deployment);
                self.mark(l, e, MarkKind::Autoscale, format!("autoscale {from} \u{2192} {to} replicas"), events)
            }
            EventKind::Violation { invariant } => {
                self.mark(0, e, MarkKind::Violation, format!("invariant violated: {invariant}"), events)
            }
            // Shown elsewhere (the timeline, the chart, the event log), or not about a lane's life.
            EventKind::Action { applied: false, .. }
            | EventKind::AppStatus { .. }
            | EventKind::ReservationFailed { .. }
            | EventKind::LeakDetectionSkipped { .. }
            | EventKind::RequestsFailed { .. } => false,
        }
    }

    /// An action aimed at an application (`delete_app`) goes on its first deployment's lane.
    fn app_lane(&self, target: Option<&str>) -> Option<usize> {
        let app = target?;
        let prefix = format!("{app}/");
        self.deployments.iter().find(|(k, _, _)| k.starts_with(&prefix)).map(|(_, l, _)| *l)
    }

    /// Recompute a gang's phase from its members and its placement group.
    fn update_gang(&mut self, gang_id: &str, t: SimTime) -> bool {
        let Some(g) = self.gangs.get(gang_id) else { return false };
        let phase = gang_phase(g);
        let lane = g.lane;
        self.lane_mut(lane).set_phase(phase, t)
    }
}

/// The gang's phase (`None`: it is gone: its placement group removed, or every member stopped).
fn gang_phase(g: &GangTrack) -> Option<Phase> {
    let states: Vec<Option<ReplicaState>> = g.members.values().copied().collect();
    let all_stopped = !states.is_empty() && states.iter().all(|s| *s == Some(ReplicaState::Stopped));
    if g.pg_removed || all_stopped {
        return None;
    }
    let alive = || states.iter().filter(|s| **s != Some(ReplicaState::Stopped));
    if g.torn_down || alive().any(|s| *s == Some(ReplicaState::Stopping)) {
        return Some(Phase::GangStopping);
    }
    if !g.placed {
        return Some(Phase::GangReserved);
    }
    if alive().any(|s| *s == Some(ReplicaState::PendingMigration)) {
        return Some(Phase::GangMigrating);
    }
    if alive().any(|s| *s == Some(ReplicaState::Recovering)) {
        return Some(Phase::GangRecovering);
    }
    if alive().all(|s| *s == Some(ReplicaState::Running)) {
        return Some(Phase::GangRunning);
    }
    Some(Phase::GangStarting)
}

fn teardown_words(cause: TeardownCause) -> &'static str {
    match cause {
        TeardownCause::HealthCheckFailed => "health check failed",
        TeardownCause::ActorCrashed => "actor crashed",
        TeardownCause::StartupFailed => "constructor failed",
        TeardownCause::IncompleteGang => "incomplete gang",
    }
}

/// The event with this seq (in seq order; the log keeps only the newest, so not from 0; a scan for other lists).
fn event_by_seq(events: &[Event], seq: u64) -> Option<&Event> {
    events
        .binary_search_by_key(&seq, |e| e.seq)
        .ok()
        .map(|i| &events[i])
        .or_else(|| events.iter().find(|e| e.seq == seq))
}

/// The first event of `e`'s cause chain (bounded: a chain is a few links; a loop stops at the bound).
fn origin_of<'a>(e: &Event, events: &'a [Event]) -> Option<&'a Event> {
    let mut at = event_by_seq(events, e.cause?)?;
    for _ in 0..64 {
        match at.cause.and_then(|c| event_by_seq(events, c)) {
            Some(c) if c.seq != at.seq => at = c,
            _ => break,
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::app::session::Session;

    fn run(id: &str, until_s: f64) -> (Session, Lanes) {
        let mut s = Session::new(preset_by_id(id).unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(until_s));
        let mut b = LaneBuilder::new(s.scenario());
        b.sync(s.version().0, s.events());
        let lanes = b.lanes();
        (s, lanes)
    }

    fn gang_lanes(lanes: &Lanes) -> Vec<&Rc<Lane>> {
        lanes.lanes.iter().filter(|l| l.kind == LaneKind::Gang).collect()
    }

    #[test]
    fn replica_crash_the_crashed_gang_ends_with_a_teardown_caused_by_the_kill_and_the_survivor_runs_on() {
        let (s, lanes) = run("replica-crash", 30.0);
        let gangs = gang_lanes(&lanes);
        assert_eq!(gangs.len(), 3, "two gangs, and the one rebuilt after the crash");
        let crashed = gangs.iter().find(|l| l.marks.iter().any(|m| m.kind == MarkKind::Teardown)).unwrap();
        let teardown = crashed.marks.iter().rfind(|m| m.kind == MarkKind::Teardown).unwrap();
        let (origin, _, _) = teardown.origin.clone().expect("the teardown says what caused it");
        let kill = s.events().iter().find(|e| e.seq == origin).unwrap();
        assert!(matches!(&kill.kind, EventKind::Action { action, .. } if action == "kill_replica"), "{kill:?}");
        assert!(teardown.title.contains("actor crashed"), "{}", teardown.title);
        // Its lane: reserved or starting, running, stopping, then it ends right after the teardown.
        let phases: Vec<Phase> = crashed.segments.iter().map(|s| s.phase).collect();
        assert!(phases.contains(&Phase::GangRunning) && phases.ends_with(&[Phase::GangStopping]), "{phases:?}");
        let ended = crashed.ended.expect("the torn-down gang's lane ends");
        assert!(ended >= teardown.t && ended.0 - teardown.t.0 <= 1_000_000);
        // The kill itself is marked on the crashed gang's lane.
        assert!(crashed.marks.iter().any(|m| m.seq == origin && m.kind == MarkKind::Action));
        // The survivor runs to the end, never torn down; the rebuilt gang runs too.
        let running: Vec<_> = gangs.iter().filter(|l| l.phase() == Some(Phase::GangRunning)).collect();
        assert_eq!(running.len(), 2);
        let survivor = running.iter().find(|l| l.segments[0].from == crashed.segments[0].from).unwrap();
        assert!(survivor.ended.is_none() && survivor.marks.is_empty(), "{survivor:?}");
        // The deployment's lane says UNHEALTHY with a mark, then HEALTHY again.
        let dep = lanes.lane("deployment:app/G").unwrap();
        assert!(dep.marks.iter().any(|m| m.kind == MarkKind::Status && m.title == "UNHEALTHY"));
        assert_eq!(dep.phase(), Some(Phase::Status(DeploymentStatus::Healthy)));
    }

    #[test]
    fn node_failure_the_node_lane_shows_killed_then_dead() {
        let (_, lanes) = run("node-failure", 30.0);
        let w1 = lanes.lane("node:w1").unwrap();
        let phases: Vec<Phase> = w1.segments.iter().map(|s| s.phase).collect();
        assert_eq!(phases, [Phase::NodeAlive, Phase::NodeKilled, Phase::NodeDead]);
        let titles: Vec<&str> = w1.marks.iter().map(|m| m.title.as_str()).collect();
        assert_eq!(titles, ["node killed", "node dead"]);
        // The node added at 5 s gets a lane from then on.
        let w3 = lanes.lane("node:w3").unwrap();
        assert_eq!(w3.segments[0].from, SimTime::from_secs_f64(5.0));
        // The gang on w1 is torn down, its cause chain leads to the node's kill.
        let torn = gang_lanes(&lanes).into_iter().find(|l| l.marks.iter().any(|m| m.kind == MarkKind::Teardown));
        let m = torn.unwrap().marks.iter().find(|m| m.kind == MarkKind::Teardown).unwrap();
        assert!(m.origin.is_some(), "{m:?}");
    }

    #[test]
    fn controller_restart_has_two_incarnations() {
        let (_, lanes) = run("controller-restart", 30.0);
        let c = lanes.lane("controller").unwrap();
        let phases: Vec<Phase> = c.segments.iter().map(|s| s.phase).collect();
        assert_eq!(
            phases,
            [
                Phase::ControllerAlive(1),
                Phase::ControllerDown,
                Phase::ControllerRecovering(2),
                Phase::ControllerAlive(2)
            ]
        );
        assert_eq!(c.marks.iter().filter(|m| m.kind == MarkKind::Controller).count(), 3);
        // The gangs live through it: none is torn down.
        assert!(gang_lanes(&lanes).iter().all(|l| l.ended.is_none()));
    }

    #[test]
    fn a_leaked_placement_group_is_marked_on_its_gang_and_ends_it() {
        let (_, lanes) = run("controller-restart-leaked-pg", 30.0);
        let victim = gang_lanes(&lanes)
            .into_iter()
            .find(|l| l.marks.iter().any(|m| m.kind == MarkKind::Leak))
            .expect("the leak is on the victim gang's lane");
        assert!(victim.ended.is_some());
        assert!(victim.marks.iter().filter(|m| m.kind == MarkKind::Action).count() == 2, "two kills");
    }

    #[test]
    fn rollouts_migrations_and_autoscaling_are_marked_where_they_happen() {
        let kinds = |lane: &Lane, kind: MarkKind| lane.marks.iter().filter(|m| m.kind == kind).count();
        // A rolling update: each batch on the deployment's lane, and on the lanes of the gangs it stopped.
        let (_, lanes) = run("rolling-upgrade", 60.0);
        let dep = lanes.lanes.iter().find(|l| l.kind == LaneKind::Deployment).unwrap();
        assert!(kinds(dep, MarkKind::Rollout) >= 2, "{:?}", dep.marks);
        assert!(
            dep.marks.iter().any(|m| m.title.starts_with("rolling update to v2: ") && m.title.ends_with("stopped"))
        );
        let stopped = gang_lanes(&lanes).into_iter().filter(|l| kinds(l, MarkKind::Rollout) == 1).count();
        assert!(stopped >= 2, "the old gangs say why they stopped");
        // A drain: the gang that moves says off which node.
        let (_, lanes) = run("spot-drain", 40.0);
        let moved: Vec<_> = gang_lanes(&lanes).into_iter().filter(|l| kinds(l, MarkKind::Migration) > 0).collect();
        assert!(!moved.is_empty());
        assert!(moved[0].marks.iter().any(|m| m.title.starts_with("migrating off w")), "{:?}", moved[0].marks);
        // The autoscaler's decisions, on the deployment's lane.
        let (_, lanes) = run("autoscale-ramp", 120.0);
        let dep = lanes.lanes.iter().find(|l| l.kind == LaneKind::Deployment).unwrap();
        assert!(
            dep.marks.iter().any(|m| m.kind == MarkKind::Autoscale && m.title.starts_with("autoscale 2 \u{2192} "))
        );
    }

    #[test]
    fn constructor_failures_mark_the_gang_and_deploy_failed_marks_the_deployment() {
        let (_, lanes) = run("constructor-always-fails", 60.0);
        assert!(gang_lanes(&lanes).iter().any(|l| l.marks.iter().any(|m| m.title == "constructor failed")));
        let dep = lanes.lanes.iter().find(|l| l.kind == LaneKind::Deployment).unwrap();
        assert!(dep.marks.iter().any(|m| m.title == "DEPLOY_FAILED"), "{:?}", dep.marks);
    }

    #[test]
    fn incremental_build_equals_from_scratch_and_a_seek_back_rebuilds() {
        for id in ["replica-crash", "node-failure", "controller-restart-leaked-pg", "spot-drain", "big-cluster"] {
            let mut s = Session::new(preset_by_id(id).unwrap().scenario().unwrap());
            let mut inc = LaneBuilder::new(s.scenario());
            for step in 1..=40 {
                s.advance_to(SimTime::from_secs_f64(step as f64 * 0.75));
                inc.sync(s.version().0, s.events());
            }
            let mut scratch = LaneBuilder::new(s.scenario());
            scratch.sync(s.version().0, s.events());
            assert_eq!(inc.lanes(), scratch.lanes(), "{id}");
            // Seek back: fewer events, another run; the lanes are those of the shorter run.
            s.seek(SimTime::from_secs_f64(8.0));
            assert!(inc.sync(s.version().0, s.events()));
            let mut short = LaneBuilder::new(s.scenario());
            short.sync(s.version().0, s.events());
            assert_eq!(inc.lanes(), short.lanes(), "{id} after a seek back");
            assert!(!inc.sync(s.version().0, s.events()), "nothing new: nothing changed");
        }
    }

    #[test]
    fn unchanged_lanes_keep_their_rc_between_syncs() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(9.0));
        let mut b = LaneBuilder::new(s.scenario());
        b.sync(s.version().0, s.events());
        let before = b.lanes();
        s.advance_to(SimTime::from_secs_f64(10.5)); // the kill and the teardown: one gang changes
        b.sync(s.version().0, s.events());
        let after = b.lanes();
        let same = |key: &str| Rc::ptr_eq(before.lane(key).unwrap(), after.lane(key).unwrap());
        assert!(same("node:w1") && same("controller"));
        let gangs = gang_lanes(&before);
        assert!(gangs.iter().any(|g| same(&g.key)) && gangs.iter().any(|g| !same(&g.key)));
    }

    #[test]
    fn big_cluster_has_a_lane_per_node_and_gang_and_one_for_the_plain_deployment() {
        let (_, lanes) = run("big-cluster", 30.0);
        let count = |k: LaneKind| lanes.lanes.iter().filter(|l| l.kind == k).count();
        assert_eq!(count(LaneKind::Node), 101, "100 workers and the head");
        assert!(count(LaneKind::Gang) >= 200);
        assert_eq!(count(LaneKind::Deployment), 2);
        assert_eq!(lanes.rows.iter().filter(|r| matches!(r, Row::Lane(_))).count(), lanes.lanes.len());
    }
}
