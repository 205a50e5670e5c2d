//! Ray core as the Serve controller sees it (the GCS): nodes, placement groups, and actors.
//!
//! It lives on while the controller is down: placement groups stay placed, actors keep running or dying,
//! lost bundles are re-placed after a node death, and pending PGs are retried whenever resources change.
use crate::model::cluster::{Cluster, DrainReason, Node, NodeDrain};
use crate::model::events::{EventKind, NodeChange};
use crate::model::log::EventLog;
use crate::model::placement::{Bundle, PgOwner, PlacementGroup, PlacementGroupState, PlacementStrategy, choose_nodes};
use crate::model::placement_index::{ActorIndex, BundleIndex, SpreadRound, choose_nodes_indexed, spread_actor_scan};
use crate::model::resources::Resources;
use crate::model::scenario::{NodeSpec, Times};
use crate::model::serve::replica::GangContext;
use crate::model::time::{SimDuration, SimTime};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

mod dead_nodes;
pub use dead_nodes::MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT;

/// From how many node scans saved a schedule call indexes the nodes (for bundles; for SPREAD actors, one scan
/// each) instead of scanning them: below it, building the index costs more than it saves.
const INDEX_FROM_SCANS: usize = 16;

/// Where a replica actor asks to run.
#[derive(Clone, Debug, PartialEq)]
pub enum ActorPlacement {
    /// Pinned to a bundle of a placement group (gang PG or per-replica PG).
    Bundle { pg_name: String, bundle_index: usize },
    /// Scheduled directly on a node with Serve's default SPREAD scheduling strategy (Ray's SpreadSchedulingPolicy:
    /// round-robin over the nodes, see `placement_index::spread_actor_scan`).
    Spread,
}

/// A Serve replica's actor process (`SERVE_REPLICA::app#deployment#id`, namespace `serve`).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaActor {
    pub replica_id: String,
    pub app: String,
    pub deployment: String,
    pub resources: Resources,
    pub placement: ActorPlacement,
    /// Node index once placed.
    pub node: Option<usize>,
    pub alive: bool,
    /// Dead with its node, but the GCS has not declared the node dead yet: calls to it hang.
    pub unreachable: bool,
    pub created_seq: u64,
    pub placed_at: Option<SimTime>,
    /// When its constructor (and initial health check) finishes, once placed.
    pub init_done_at: Option<SimTime>,
    pub init_fails: bool,
    /// Handed to the actor with its first init call; survives controller restarts.
    pub gang_context: Option<GangContext>,
    /// The deployment version it runs (an entry of its deployment's version table), which it reports to a restarted
    /// controller.
    pub version: u32,
    /// When its last `reconfigure()` call returns.
    pub reconfigure_done_at: Option<SimTime>,
    /// Health checks still to fail (`None`: healthy; `Some(Times::Forever)`: until healed).
    pub failing_health_checks: Option<Times>,
    /// When it exits on its own after a graceful-shutdown request.
    pub exit_at: Option<SimTime>,
    /// The event (a user action) that made it crash or fail its health checks, for cause chains.
    pub fault_cause: Option<u64>,
}

impl ReplicaActor {
    /// The constructor has run to completion successfully.
    pub fn initialized(&self, now: SimTime) -> bool {
        !self.init_fails && self.init_done_at.is_some_and(|t| t <= now)
    }
    pub fn pg_name(&self) -> Option<&str> {
        match &self.placement {
            ActorPlacement::Bundle { pg_name, .. } => Some(pg_name),
            ActorPlacement::Spread => None,
        }
    }
}

/// A pending constructor fault (`fail_constructor`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConstructorFault {
    pub app: String,
    pub deployment: String,
    pub rank: Option<u32>,
    /// How many more constructor runs fail.
    pub remaining: Times,
}

#[derive(Clone, Debug)]
pub struct Gcs {
    pub cluster: Cluster,
    /// Live placement groups (not REMOVED), by creation sequence.
    pub pgs: BTreeMap<u64, PlacementGroup>,
    pub pg_by_name: BTreeMap<String, u64>,
    /// Every actor that has not been reaped, by replica id.
    pub actors: BTreeMap<String, ReplicaActor>,
    pub constructor_faults: Vec<ConstructorFault>,
    /// Node deaths the GCS will declare, by time.
    pub pending_node_deaths: BTreeMap<SimTime, Vec<String>>,
    /// Draining nodes whose deadline kills them (a preemption), by deadline.
    pub pending_drain_kills: BTreeMap<SimTime, Vec<String>>,
    pub startup_min: SimDuration,
    pub startup_max: SimDuration,
    pub warm_startup_min: SimDuration,
    pub warm_startup_max: SimDuration,
    /// When the first replica actor of the run finished starting: actors placed from then on start warm (the
    /// cluster's worker processes are up), those placed before start cold.
    pub warm_from: Option<SimTime>,
    /// One start-up draw per gang, so its members start close together.
    pub gang_startup_base: BTreeMap<String, SimDuration>,
    next_seq: u64,
    /// Something changed that could let a pending PG or actor be placed.
    needs_scheduling: bool,
    /// Deployments (app, name) whose actors or PGs changed since the controller last looked: a quiet deployment
    /// is skipped by the control loop until something touches it.
    pub touched: std::collections::BTreeSet<(String, String)>,
    /// Seeds each placement group's own tie-break stream.
    pub placement_seed: u64,
    /// Counts every change to nodes, PGs and actors (the invariant checker runs only after a change).
    pub mutations: u64,
    /// What changed since the invariant checker last ran (see `invariants::check`), and the reverse indexes it
    /// uses to re-check only that. Bookkeeping only: nothing in the model reads it.
    pub(crate) check_dirty: CheckDirty,
    /// Actor ids by the name of the placement group they are pinned to (every actor not reaped).
    pub(crate) pg_actors: BTreeMap<String, BTreeSet<String>>,
    /// Placed bundles (PG sequence, bundle index) by node index.
    pub(crate) node_bundles: Vec<BTreeSet<(u64, usize)>>,
    /// Placed actors (alive or not, until reaped) by node index.
    pub(crate) node_actors: Vec<BTreeSet<String>>,
    /// (`exit_at`, replica id) of every actor with an exit time (alive or not, until reaped): the GCS's exit
    /// timers in order, so the next one is found without scanning every actor.
    pub(crate) exits: BTreeSet<(SimTime, String)>,
    /// By app, then deployment: the value of `fault_seq` when one of its actors last died, was removed or was
    /// set to fail health checks (see `fault_gen`).
    fault_gens: BTreeMap<String, BTreeMap<String, u64>>,
    fault_seq: u64,
    /// (creation order, replica id) of every live actor not placed yet: the actors `place_actors` tries, in order.
    pub(crate) waiting: BTreeSet<(u64, String)>,
    /// Sequences of the placement groups with a bundle not placed (pending, or lost with a node): the ones
    /// `schedule` retries.
    pub(crate) unplaced_pgs: BTreeSet<u64>,
    /// The node order SPREAD actors go round (`None` after the node set changed: rebuilt on next use).
    spread_round: Option<SpreadRound>,
    /// Ray's `spread_scheduling_next_index_`: where the next SPREAD actor starts looking in the round. One counter,
    /// as in Ray, where the controller's raylet schedules every replica actor it creates.
    spread_next: usize,
    /// The dead nodes the GCS still lists, in the order they died (see `dead_nodes`).
    dead_nodes: VecDeque<String>,
    /// How many it keeps: `maximum_gcs_dead_node_cached_count` (tests lower it).
    pub(crate) dead_node_cache_size: usize,
    /// Nodes that ever joined: the next node's `joined_seq` (nodes evicted from the dead-node cache leave `cluster`).
    nodes_joined: u32,
}

/// What the invariant checker must look at again: entities whose checked state changed since it last ran.
#[derive(Clone, Debug, Default)]
pub(crate) struct CheckDirty {
    /// Everything (the first check).
    pub all: bool,
    pub nodes: BTreeSet<usize>,
    /// Placement groups by name: their bundles, state, or the liveness of an actor pinned to them changed.
    pub pgs: BTreeSet<String>,
    pub actors: BTreeSet<String>,
}

impl CheckDirty {
    fn actor(&mut self, a: &ReplicaActor) {
        self.actors.insert(a.replica_id.clone());
        if let Some(n) = a.node {
            self.nodes.insert(n);
        }
        if let Some(p) = a.pg_name() {
            self.pgs.insert(p.to_string());
        }
    }
}

impl Gcs {
    pub fn new(cluster: Cluster, startup_min: SimDuration, startup_max: SimDuration) -> Gcs {
        let n = cluster.nodes.len();
        Gcs {
            cluster,
            pgs: BTreeMap::new(),
            pg_by_name: BTreeMap::new(),
            actors: BTreeMap::new(),
            constructor_faults: Vec::new(),
            pending_node_deaths: BTreeMap::new(),
            pending_drain_kills: BTreeMap::new(),
            startup_min,
            startup_max,
            warm_startup_min: startup_min,
            warm_startup_max: startup_max,
            warm_from: None,
            gang_startup_base: BTreeMap::new(),
            next_seq: 0,
            needs_scheduling: false,
            mutations: 0,
            placement_seed: 0,
            touched: Default::default(),
            check_dirty: CheckDirty { all: true, ..Default::default() },
            pg_actors: BTreeMap::new(),
            node_bundles: vec![BTreeSet::new(); n],
            node_actors: vec![BTreeSet::new(); n],
            exits: BTreeSet::new(),
            fault_gens: BTreeMap::new(),
            fault_seq: 0,
            waiting: BTreeSet::new(),
            unplaced_pgs: BTreeSet::new(),
            spread_round: None,
            spread_next: 0,
            dead_nodes: VecDeque::new(),
            dead_node_cache_size: MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT,
            nodes_joined: n as u32,
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// How many nodes ever joined, those the dead-node cache evicted included.
    pub fn nodes_joined(&self) -> u32 {
        self.nodes_joined
    }

    pub fn pg(&self, name: &str) -> Option<&PlacementGroup> {
        self.pg_by_name.get(name).and_then(|s| self.pgs.get(s))
    }

    // ----- nodes -------------------------------------------------------------------------------------------

    pub fn add_node(&mut self, spec: &NodeSpec, log: &mut EventLog) {
        let joined_seq = self.nodes_joined;
        self.nodes_joined += 1;
        self.check_dirty.nodes.insert(self.cluster.nodes.len());
        self.node_bundles.push(BTreeSet::new());
        self.node_actors.push(BTreeSet::new());
        self.cluster.push(Node {
            id: spec.id.clone(),
            is_head: false,
            resources: clean(&spec.resources),
            available: clean(&spec.resources),
            labels: spec.labels.clone(),
            killed_at: None,
            dead: false,
            joined_seq,
            draining: None,
        });
        self.spread_round = None;
        log.push(
            EventKind::Node {
                node: spec.id.clone(),
                change: NodeChange::Added,
                resources: Some(clean(&spec.resources)),
            },
            format!("node {} joined with {}", spec.id, clean(&spec.resources).describe()),
        );
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    /// The node's processes die now; the GCS declares it dead after `detection`.
    pub fn kill_node(&mut self, id: &str, detection: SimDuration, log: &mut EventLog) {
        let Some(idx) = self.cluster.index_of(id) else { return };
        let now = log.now;
        self.cluster.nodes[idx].killed_at = Some(now);
        self.check_dirty.nodes.insert(idx);
        let mut victims = Vec::new();
        for a in self.actors.values_mut() {
            if a.node == Some(idx) && a.alive {
                self.check_dirty.actor(a);
                faulted(&mut self.fault_gens, &mut self.fault_seq, a);
                a.alive = false;
                a.unreachable = true;
                victims.push(a.replica_id.clone());
                self.touched.insert((a.app.clone(), a.deployment.clone()));
            }
        }
        let at = now.plus(detection);
        self.pending_node_deaths.entry(at).or_default().push(id.to_string());
        let who =
            if victims.is_empty() { "no replicas".to_string() } else { format!("replicas {}", victims.join(", ")) };
        log.push(
            EventKind::Node { node: id.to_string(), change: NodeChange::Killed, resources: None },
            format!(
                "node {id} died with {who}; the GCS will declare it dead after {} s of missed heartbeats",
                crate::model::time::fmt_secs(SimTime(detection.0))
            ),
        );
    }

    /// Ray's `DrainNode` (GCS → raylet `DrainRaylet`): accepted, the node is DRAINING: nothing new is scheduled on
    /// it and Serve migrates its replicas. A preemption is always accepted; an idle termination only if the node is
    /// idle (the raylet's answer otherwise), and then the autoscaler terminates it at once. With a deadline, the
    /// node is force-killed then (the caller's job in Ray: the cloud provider or the autoscaler).
    pub fn drain_node(
        &mut self,
        id: &str,
        reason: DrainReason,
        message: &str,
        deadline: Option<SimTime>,
        log: &mut EventLog,
    ) -> Result<String, String> {
        let Some(idx) = self.cluster.index_of(id) else { return Err(format!("node {id} does not exist")) };
        let now = log.now;
        let node = &self.cluster.nodes[idx];
        if node.is_head {
            return Err("the head node hosts the controller and cannot be drained here".to_string());
        }
        if !node.alive() {
            return Err(format!("node {id} is dead"));
        }
        if reason == DrainReason::IdleTermination
            && (node.available != node.resources || !self.node_actors[idx].is_empty())
        {
            return Err(format!(
                "The drain request is not accepted: The node to be idle terminated is no longer idle. (node {id} holds {})",
                if self.node_actors[idx].is_empty() {
                    "placement-group bundles".to_string()
                } else {
                    format!("{} actor(s)", self.node_actors[idx].len())
                }
            ));
        }
        if let Some(old) = node.draining.as_ref().and_then(|d| d.deadline)
            && let Some(v) = self.pending_drain_kills.get_mut(&old)
        {
            v.retain(|n| n != id);
        }
        if let Some(t) = deadline {
            self.pending_drain_kills.entry(t).or_default().push(id.to_string());
        }
        self.cluster.nodes[idx].draining =
            Some(NodeDrain { reason, message: message.to_string(), deadline, since: now });
        self.check_dirty.nodes.insert(idx);
        self.spread_round = None;
        self.mutations += 1;
        for a in self.actors.values() {
            if a.node == Some(idx) {
                self.touched.insert((a.app.clone(), a.deployment.clone()));
            }
        }
        let until = match deadline {
            Some(t) => format!("; it will be force-killed at {} s", crate::model::time::fmt_secs(t)),
            None => "; no deadline".to_string(),
        };
        let text =
            format!("node {id} is DRAINING ({}: {message}){until}: nothing new is scheduled on it", reason.as_str());
        log.push(EventKind::Node { node: id.to_string(), change: NodeChange::Draining, resources: None }, text.clone());
        if reason == DrainReason::IdleTermination {
            self.kill_node(id, SimDuration::ZERO, log);
        }
        Ok(text)
    }

    /// Draining nodes whose deadline has come are force-killed (the GCS notices after `detection`).
    pub fn run_drain_deadlines(&mut self, now: SimTime, detection: SimDuration, log: &mut EventLog) {
        let due: Vec<SimTime> = self.pending_drain_kills.range(..=now).map(|(t, _)| *t).collect();
        for t in due {
            for id in self.pending_drain_kills.remove(&t).unwrap_or_default() {
                if self.cluster.node(&id).is_some_and(|n| n.alive()) {
                    self.kill_node(&id, detection, log);
                }
            }
        }
    }

    /// The GCS declares the node dead: its bundles are lost (their PGs go RESCHEDULING) and its actors are gone.
    pub fn declare_node_dead(&mut self, id: &str, log: &mut EventLog) {
        let Some(idx) = self.cluster.index_of(id) else { return };
        if self.cluster.nodes[idx].dead {
            return;
        }
        self.check_dirty.nodes.insert(idx);
        let node = &mut self.cluster.nodes[idx];
        node.dead = true;
        node.available = Resources::new();
        self.spread_round = None;
        log.push(
            EventKind::Node { node: id.to_string(), change: NodeChange::Dead, resources: None },
            format!("the GCS declared node {id} dead: its bundles are lost and the actors on it are gone"),
        );
        for a in self.actors.values_mut() {
            if a.node == Some(idx) {
                self.check_dirty.actor(a);
                faulted(&mut self.fault_gens, &mut self.fault_seq, a);
                a.alive = false;
                a.unreachable = false;
                self.touched.insert((a.app.clone(), a.deployment.clone()));
            }
        }
        let seqs: Vec<u64> = self.pgs.keys().copied().collect();
        for s in seqs {
            let pg = self.pgs.get_mut(&s).expect("pg by key");
            let mut lost = 0;
            for (bi, b) in pg.bundles.iter_mut().enumerate() {
                if b.node.as_deref() == Some(id) {
                    b.node = None;
                    self.node_bundles[idx].remove(&(s, bi));
                    lost += 1;
                }
            }
            if lost > 0 {
                self.check_dirty.pgs.insert(pg.name.clone());
                self.unplaced_pgs.insert(s);
                self.touched.insert((pg.owner.app.clone(), pg.owner.deployment.clone()));
            }
            if lost > 0 && pg.state == PlacementGroupState::Created {
                pg.state = PlacementGroupState::Rescheduling;
                let ev = pg_event(pg, Some(PlacementGroupState::Created));
                let reason = format!(
                    "{} lost {lost} of {} bundles with node {id}; the GCS re-places only the lost ones",
                    pg.name,
                    pg.bundles.len()
                );
                log.push(ev, reason);
            }
        }
        self.cache_dead_node(id, log);
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    // ----- placement groups ---------------------------------------------------------------------------------

    /// Ask the GCS for a PG. It is placed atomically right away if it fits, else it waits PENDING.
    #[allow(clippy::too_many_arguments)]
    pub fn create_pg(
        &mut self,
        id: String,
        name: String,
        strategy: PlacementStrategy,
        bundles: Vec<Bundle>,
        owner: PgOwner,
        why: &str,
        log: &mut EventLog,
    ) {
        let seq = self.seq();
        let pg = PlacementGroup {
            id,
            name: name.clone(),
            strategy,
            state: PlacementGroupState::Pending,
            bundles,
            owner,
            created_at: log.now,
            seq,
        };
        log.push(
            pg_event(&pg, None),
            format!("{name} requested ({} × bundles, {}): {why}", pg.bundles.len(), strategy.as_str()),
        );
        self.check_dirty.pgs.insert(name.clone());
        self.pg_by_name.insert(name, seq);
        if pg.bundles.iter().any(|b| b.node.is_none()) {
            self.unplaced_pgs.insert(seq);
        }
        self.pgs.insert(seq, pg);
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    /// Remove a PG: release its bundles and kill every actor still in it. Returns false if it was not there.
    pub fn remove_pg(&mut self, name: &str, why: &str, log: &mut EventLog) -> bool {
        let Some(seq) = self.pg_by_name.remove(name) else { return false };
        let Some(mut pg) = self.pgs.remove(&seq) else { return false };
        self.unplaced_pgs.remove(&seq);
        self.check_dirty.pgs.insert(name.to_string());
        for (bi, b) in pg.bundles.iter().enumerate() {
            if let Some(i) = b.node.as_ref().and_then(|n| self.cluster.index_of(n)) {
                self.node_bundles[i].remove(&(seq, bi));
                self.check_dirty.nodes.insert(i);
            }
            if let Some(n) = &b.node
                && let Some(node) = self.cluster.node_mut(n)
                && !node.dead
            {
                node.available.add(&b.resources);
            }
        }
        let mut killed = Vec::new();
        // The actors running in it, in replica id order (the PG-to-actors index holds every actor pinned to it).
        // An actor still waiting for the PG (pending creation) is not killed: it stays pending, now for a PG that
        // will never exist, until its owner stops it (observed on Ray 2.60: after leak detection removed a
        // pending gang PG, its members stayed PENDING_CREATION until the controller's slow-start limit).
        let pinned: Vec<String> = self.pg_actors.get(name).map(|ids| ids.iter().cloned().collect()).unwrap_or_default();
        for id in pinned {
            let Some(a) = self.actors.get_mut(&id) else { continue };
            if a.pg_name() == Some(name) && a.alive && a.node.is_some() {
                self.check_dirty.actor(a);
                self.waiting.remove(&(a.created_seq, a.replica_id.clone()));
                faulted(&mut self.fault_gens, &mut self.fault_seq, a);
                self.touched.insert((a.app.clone(), a.deployment.clone()));
                a.alive = false;
                a.unreachable = false;
                killed.push(a.replica_id.clone());
            }
        }
        let from = pg.state;
        pg.state = PlacementGroupState::Removed;
        if let Some(g) = &pg.owner.gang_id {
            self.gang_startup_base.remove(g);
        }
        self.touched.insert((pg.owner.app.clone(), pg.owner.deployment.clone()));
        let mut reason = format!("{name} removed: {why}");
        if !killed.is_empty() {
            reason.push_str(&format!("; removing it killed {}", killed.join(", ")));
        }
        log.push(pg_event(&pg, Some(from)), reason);
        self.needs_scheduling = true;
        self.mutations += 1;
        true
    }

    // ----- actors -------------------------------------------------------------------------------------------

    pub fn create_actor(&mut self, mut actor: ReplicaActor) {
        actor.created_seq = self.seq();
        // An actor with the same id is replaced: it leaves every index before the new one enters them.
        if let Some(old) = self.actors.remove(&actor.replica_id) {
            self.check_dirty.actor(&old);
            self.waiting.remove(&(old.created_seq, old.replica_id.clone()));
            faulted(&mut self.fault_gens, &mut self.fault_seq, &old);
            self.unindex_actor(&old);
        }
        self.check_dirty.actor(&actor);
        if actor.alive && actor.node.is_none() {
            self.waiting.insert((actor.created_seq, actor.replica_id.clone()));
        }
        self.index_actor(&actor);
        self.actors.insert(actor.replica_id.clone(), actor);
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    /// The actor process dies (crash, kill). Resources held outside a bundle are released.
    pub fn kill_actor(&mut self, replica_id: &str) {
        let Some(a) = self.actors.get_mut(replica_id) else { return };
        if !a.alive {
            return;
        }
        self.check_dirty.actor(a);
        self.waiting.remove(&(a.created_seq, a.replica_id.clone()));
        faulted(&mut self.fault_gens, &mut self.fault_seq, a);
        self.touched.insert((a.app.clone(), a.deployment.clone()));
        a.alive = false;
        a.unreachable = false;
        if a.placement == ActorPlacement::Spread
            && let Some(n) = a.node
        {
            let node = &mut self.cluster.nodes[n];
            if !node.dead {
                node.available.add(&a.resources);
            }
        }
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    /// Forget a dead actor (the controller reaped it).
    pub fn reap_actor(&mut self, replica_id: &str) {
        if let Some(a) = self.actors.get(replica_id)
            && !a.alive
            && let Some(a) = self.actors.remove(replica_id)
        {
            self.check_dirty.actor(&a);
            self.waiting.remove(&(a.created_seq, a.replica_id.clone()));
            faulted(&mut self.fault_gens, &mut self.fault_seq, &a);
            self.unindex_actor(&a);
        }
    }

    /// Changes whenever an actor of the deployment dies, is removed or is touched from outside (e.g. set to fail
    /// its health checks): while it stays the same, an actor seen alive and healthy is still alive and healthy.
    /// The controller caches that per replica (`DeploymentReplica::actor_ok`) to skip looking actors up.
    pub fn fault_gen(&self, app: &str, deployment: &str) -> u64 {
        self.fault_gens.get(app).and_then(|m| m.get(deployment)).copied().unwrap_or(0)
    }

    /// Whether a live actor uses the placement group (alive, or on a node that died but is not declared dead
    /// yet, which the GCS still counts as ALIVE).
    pub fn pg_in_use(&self, name: &str) -> bool {
        self.pg_actors
            .get(name)
            .is_some_and(|ids| ids.iter().any(|id| self.actors.get(id).is_some_and(|a| a.alive || a.unreachable)))
    }

    /// Drop an actor from the checker's reverse indexes.
    /// Enter `a` in the reverse indexes (actors by PG and by node, exit timers); [`Self::unindex_actor`] undoes it.
    fn index_actor(&mut self, a: &ReplicaActor) {
        if let Some(p) = a.pg_name() {
            self.pg_actors.entry(p.to_string()).or_default().insert(a.replica_id.clone());
        }
        if let Some(n) = a.node {
            self.node_actors[n].insert(a.replica_id.clone());
        }
        if let Some(t) = a.exit_at {
            self.exits.insert((t, a.replica_id.clone()));
        }
    }

    fn unindex_actor(&mut self, a: &ReplicaActor) {
        if let Some(p) = a.pg_name()
            && let Some(ids) = self.pg_actors.get_mut(p)
        {
            ids.remove(&a.replica_id);
            if ids.is_empty() {
                self.pg_actors.remove(p);
            }
        }
        if let Some(n) = a.node {
            self.node_actors[n].remove(&a.replica_id);
        }
        if let Some(t) = a.exit_at {
            self.exits.remove(&(t, a.replica_id.clone()));
        }
    }

    /// Ask the actor to exit by `at` (a graceful shutdown): it exits at the earliest time asked.
    pub fn request_exit(&mut self, replica_id: &str, at: SimTime) {
        let Some(a) = self.actors.get_mut(replica_id) else { return };
        if let Some(old) = a.exit_at {
            self.exits.remove(&(old, a.replica_id.clone()));
        }
        let t = a.exit_at.map_or(at, |old| old.min(at));
        a.exit_at = Some(t);
        self.exits.insert((t, a.replica_id.clone()));
    }

    /// Actors whose graceful shutdown finishes by `now` exit.
    pub fn run_exits(&mut self, now: SimTime) {
        let mut due: Vec<String> = self
            .exits
            .iter()
            .take_while(|(t, _)| *t <= now)
            .filter(|(_, id)| self.actors.get(id).is_some_and(|a| a.alive))
            .map(|(_, id)| id.clone())
            .collect();
        due.sort();
        for id in due {
            self.kill_actor(&id);
        }
    }

    pub fn run_node_deaths(&mut self, now: SimTime, log: &mut EventLog) {
        let due: Vec<SimTime> = self.pending_node_deaths.range(..=now).map(|(t, _)| *t).collect();
        for t in due {
            for id in self.pending_node_deaths.remove(&t).unwrap_or_default() {
                self.declare_node_dead(&id, log);
            }
        }
    }

    /// The earliest time at which the GCS itself will change something.
    pub fn next_timer(&self) -> Option<SimTime> {
        let deaths = self.pending_node_deaths.keys().next().copied();
        let drains = self.pending_drain_kills.keys().next().copied();
        let exits = self.exits.iter().find(|(_, id)| self.actors.get(id).is_some_and(|a| a.alive)).map(|(t, _)| *t);
        [deaths, drains, exits].into_iter().flatten().min()
    }

    /// Retry pending PGs (RESCHEDULING first, then in creation order), then place waiting actors.
    pub fn schedule(&mut self, rng: &mut ChaCha8Rng, log: &mut EventLog) {
        if !self.needs_scheduling {
            return;
        }
        self.needs_scheduling = false;
        let mut waiting: Vec<(bool, u64)> = self
            .unplaced_pgs
            .iter()
            .map(|seq| (self.pgs[seq].state != PlacementGroupState::Rescheduling, *seq))
            .collect();
        waiting.sort();
        // Many PGs to place (the deploy): an index of the nodes, so each best-node search costs about
        // O(groups + log n) instead of a scan of every node (`placement_index`, same choices and draws as the scan).
        // The node scans the index saves: one per bundle of a SPREAD or STRICT_SPREAD PG, at least one per PACK PG,
        // one per STRICT_PACK PG.
        let scans: usize = waiting
            .iter()
            .map(|(_, seq)| {
                let pg = &self.pgs[seq];
                match pg.strategy {
                    PlacementStrategy::Spread | PlacementStrategy::StrictSpread => {
                        pg.bundles.iter().filter(|b| b.node.is_none()).count()
                    }
                    PlacementStrategy::Pack | PlacementStrategy::StrictPack => 1,
                }
            })
            .sum();
        let mut index = (scans >= INDEX_FROM_SCANS).then(|| BundleIndex::new(&self.cluster));
        for (_, seq) in waiting {
            let pg = &self.pgs[&seq];
            let todo: Vec<usize> = (0..pg.bundles.len()).filter(|&i| pg.bundles[i].node.is_none()).collect();
            // Each PG's tie-breaks come from its own stream (run seed, PG, bundles to place), so how often a
            // pending PG is retried never changes the run's other random choices.
            let mut prng = ChaCha8Rng::seed_from_u64(
                self.placement_seed ^ seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ((todo.len() as u64) << 48),
            );
            let assign = match index.as_mut() {
                Some(index) => choose_nodes_indexed(pg, &todo, &self.cluster, index, &mut prng),
                None => choose_nodes(pg, &todo, &self.cluster, &mut prng),
            };
            let Some(assign) = assign else { continue };
            let pg = self.pgs.get_mut(&seq).expect("pg");
            self.check_dirty.pgs.insert(pg.name.clone());
            for (bi, ni) in assign {
                self.check_dirty.nodes.insert(ni);
                self.node_bundles[ni].insert((seq, bi));
                let node = &mut self.cluster.nodes[ni];
                node.available.sub(&pg.bundles[bi].resources);
                pg.bundles[bi].node = Some(node.id.clone());
                if let Some(index) = index.as_mut() {
                    index.refresh(&self.cluster, ni);
                }
            }
            let from = pg.state;
            pg.state = PlacementGroupState::Created;
            if pg.bundles.iter().all(|b| b.node.is_some()) {
                self.unplaced_pgs.remove(&seq);
            }
            self.mutations += 1;
            self.touched.insert((pg.owner.app.clone(), pg.owner.deployment.clone()));
            let nodes: Vec<String> = pg.bundle_nodes().into_iter().flatten().collect();
            let mut distinct = nodes.clone();
            distinct.sort();
            distinct.dedup();
            let reason = if from == PlacementGroupState::Rescheduling {
                format!("{} re-placed its lost bundles; bundles now on {}", pg.name, nodes.join(", "))
            } else {
                format!(
                    "{} placed atomically: {} bundles on {} ({} strategy)",
                    pg.name,
                    pg.bundles.len(),
                    distinct.join(", "),
                    pg.strategy.as_str()
                )
            };
            log.push(pg_event(pg, Some(from)), reason);
        }
        self.place_actors(rng, log.now);
    }

    /// Start actors whose bundle is placed, or, for SPREAD actors, that fit on some node.
    fn place_actors(&mut self, rng: &mut ChaCha8Rng, now: SimTime) {
        let order: Vec<(u64, String)> = self.waiting.iter().cloned().collect();
        if order.is_empty() {
            return;
        }
        if !self.spread_round.as_ref().is_some_and(|r| r.fits(&self.cluster, self.placement_seed)) {
            self.spread_round = Some(SpreadRound::new(&self.cluster, self.placement_seed));
        }
        let round = self.spread_round.take().expect("the spread round");
        // Many SPREAD actors to place (the deploy): an index of the round by available resources (`placement_index`).
        let spread_actors = order.iter().filter(|(_, id)| self.actors[id].placement == ActorPlacement::Spread).count();
        let mut index = (spread_actors >= INDEX_FROM_SCANS).then(|| ActorIndex::new(&self.cluster, &round));
        for (_, id) in order {
            let placement = self.actors[&id].placement.clone();
            let node = match &placement {
                ActorPlacement::Bundle { pg_name, bundle_index } => {
                    let Some(pg) = self.pg(pg_name) else { continue };
                    // A bundle-pinned actor starts only once its PG is CREATED (all bundles reserved).
                    if pg.state != PlacementGroupState::Created {
                        continue;
                    }
                    pg.bundles.get(*bundle_index).and_then(|b| b.node.clone()).and_then(|n| self.cluster.index_of(&n))
                }
                ActorPlacement::Spread => {
                    // SPREAD: Ray's round-robin from `spread_next` to the first node with room (no draw).
                    let need = &self.actors[&id].resources;
                    let next = &mut self.spread_next;
                    let pick = match &index {
                        Some(index) => index.choose(&self.cluster, &round, next, need, rng),
                        None => spread_actor_scan(&self.cluster, &round, next, need, rng),
                    };
                    if let Some(pick) = pick {
                        self.cluster.nodes[pick].available.sub(need);
                        if let Some(index) = index.as_mut() {
                            index.refresh(&self.cluster, &round, pick);
                        }
                    }
                    pick
                }
            };
            let Some(node) = node else { continue };
            let startup = self.draw_startup(&id, now, rng);
            let done = now.plus(startup);
            self.warm_from = Some(self.warm_from.map_or(done, |t| t.min(done)));
            let fails = self.take_constructor_fault(&id);
            self.mutations += 1;
            let a = self.actors.get_mut(&id).expect("actor");
            self.touched.insert((a.app.clone(), a.deployment.clone()));
            a.node = Some(node);
            self.check_dirty.actor(a);
            self.waiting.remove(&(a.created_seq, a.replica_id.clone()));
            self.node_actors[node].insert(id.clone());
            a.placed_at = Some(now);
            a.init_done_at = Some(now.plus(startup));
            a.init_fails = fails;
        }
        self.spread_round = Some(round);
    }

    /// How long the actor takes from placement to a finished constructor: cold or warm (see `warm_from`), and for a gang
    /// member one shared draw per gang plus up to 0.45 s of its own.
    fn draw_startup(&mut self, id: &str, now: SimTime, rng: &mut ChaCha8Rng) -> SimDuration {
        const MEMBER_SPREAD_US: u64 = 450_000;
        let (lo, hi) = if self.warm_from.is_some_and(|t| now >= t) {
            (self.warm_startup_min.0, self.warm_startup_max.0)
        } else {
            (self.startup_min.0, self.startup_max.0)
        };
        let mut draw = |lo: u64, hi: u64| if hi <= lo { lo } else { rng.random_range(lo..=hi) };
        match self.actors[id].gang_context.as_ref().map(|g| g.gang_id.clone()) {
            None => SimDuration(draw(lo, hi)),
            Some(gang) => {
                let spread = MEMBER_SPREAD_US.min(hi - lo);
                let base = match self.gang_startup_base.get(&gang) {
                    Some(b) => b.0,
                    None => {
                        let b = draw(lo, hi - spread);
                        self.gang_startup_base.insert(gang, SimDuration(b));
                        b
                    }
                };
                SimDuration(base + draw(0, spread))
            }
        }
    }

    fn take_constructor_fault(&mut self, id: &str) -> bool {
        let a = &self.actors[id];
        let rank = a.gang_context.as_ref().map(|g| g.rank);
        let hit = self.constructor_faults.iter().position(|f| {
            f.app == a.app
                && f.deployment == a.deployment
                && (f.rank.is_none() || f.rank == rank)
                && !f.remaining.is_spent()
        });
        let Some(i) = hit else { return false };
        let fails = self.constructor_faults[i].remaining.take_one();
        self.constructor_faults.retain(|f| !f.remaining.is_spent());
        fails
    }

    /// Mark a deployment as changed from outside (a fault injected into one of its actors).
    pub fn touch(&mut self, app: &str, deployment: &str) {
        self.fault_seq += 1;
        *self.fault_gens.entry(app.to_string()).or_default().entry(deployment.to_string()).or_default() =
            self.fault_seq;
        self.touched.insert((app.to_string(), deployment.to_string()));
    }

    /// Something outside the GCS changed resources (a node joined, an actor died): retry pending work.
    pub fn mark_dirty(&mut self) {
        self.needs_scheduling = true;
        self.mutations += 1;
    }

    /// Reserved (bundles) and used (live actors) amounts per node, recomputed from scratch.
    pub fn node_usage(&self) -> Vec<(Resources, Resources)> {
        let mut out = vec![(Resources::new(), Resources::new()); self.cluster.nodes.len()];
        for pg in self.pgs.values() {
            for b in &pg.bundles {
                if let Some(i) = b.node.as_ref().and_then(|n| self.cluster.index_of(n)) {
                    out[i].0.add(&b.resources);
                }
            }
        }
        for a in self.actors.values() {
            if let (true, Some(i)) = (a.alive, a.node) {
                out[i].1.add(&a.resources);
            }
        }
        out
    }
}

pub fn pg_event(pg: &PlacementGroup, from: Option<PlacementGroupState>) -> EventKind {
    EventKind::PgState {
        name: pg.name.clone(),
        strategy: pg.strategy,
        from,
        to: pg.state,
        bundle_nodes: pg.bundle_nodes(),
    }
}

/// An actor of (app, deployment) died, went away or may fail: move its deployment's `Gcs::fault_gen` on.
fn faulted(gens: &mut BTreeMap<String, BTreeMap<String, u64>>, seq: &mut u64, a: &ReplicaActor) {
    *seq += 1;
    match gens.get_mut(&a.app) {
        Some(m) => match m.get_mut(&a.deployment) {
            Some(g) => *g = *seq,
            None => {
                m.insert(a.deployment.clone(), *seq);
            }
        },
        None => {
            gens.insert(a.app.clone(), BTreeMap::from([(a.deployment.clone(), *seq)]));
        }
    }
}

/// Drop zero amounts (a node that lists `GPU: 0` has no GPU).
fn clean(r: &Resources) -> Resources {
    let mut out = r.clone();
    out.0.retain(|_, v| *v != 0);
    out
}
