//! The big cluster in summaries (issue 14): one [`NodeSummary`] per node (its state, how much of its main resource
//! is reserved and used, the gangs on it as glyphs), the nodes in [`NodeGroup`]s to zoom into, and the
//! [`BlastRadius`] of every node failure (the gangs it held, how many were torn down, where their replacements
//! were reserved). Pure: computed from a snapshot and the event log, once per change, never per cell or frame.
use crate::app::event_cursor::EventCursor;
use crate::model::events::{Event, EventKind, NodeChange};
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::{NodeView, Snapshot};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

/// Above this many nodes the page opens the cluster as an overview (one cell per node) rather than as cards.
pub const OVERVIEW_ABOVE: usize = 24;
/// Nodes without a `ray.io/node-group` label are grouped in blocks of this many consecutive nodes.
pub const BLOCK: usize = 20;
/// KubeRay's worker-group label.
pub const GROUP_LABEL: &str = "ray.io/node-group";

/// A node's life, as its cell shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeHealth {
    Alive,
    /// Ray's DrainNode was accepted; its processes still run.
    Draining,
    /// Its processes died; the GCS has not declared it dead yet.
    Killed,
    /// The GCS declared it dead.
    Dead,
}

impl NodeHealth {
    pub fn word(self) -> &'static str {
        match self {
            NodeHealth::Alive => "alive",
            NodeHealth::Draining => "draining",
            NodeHealth::Killed => "killed",
            NodeHealth::Dead => "dead",
        }
    }
}

/// What a gang is doing on one node (its members there, or its reserved bundles before they are placed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GangCue {
    /// Reserved, or a member starting (STARTING, UPDATING, RECOVERING).
    Starting,
    Running,
    /// A member stopping for another reason than a teardown (scale-down, delete, migration).
    Stopping,
    /// A member stopping because the gang was torn down.
    TornDown,
}

impl GangCue {
    pub fn word(self) -> &'static str {
        match self {
            GangCue::Starting => "starting",
            GangCue::Running => "running",
            GangCue::Stopping => "stopping",
            GangCue::TornDown => "torn down",
        }
    }
}

/// A gang on a node, drawn as a glyph in the gang's colour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GangGlyph {
    pub gang_id: String,
    pub hue: Option<u8>,
    pub cue: GangCue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeSummary {
    pub id: String,
    pub is_head: bool,
    pub health: NodeHealth,
    /// The resource the fill bar shows: GPU if the node has any, else CPU (else its first resource).
    pub resource: String,
    pub total: f64,
    pub reserved: f64,
    pub used: f64,
    /// Ordered by gang id, so a cell does not reshuffle when another gang comes or goes.
    pub gangs: Vec<GangGlyph>,
    /// Replicas on it outside any gang.
    pub plain_replicas: u32,
    /// Gangs its failure tore down (from its [`BlastRadius`]); 0 while it is alive.
    pub torn_down: u32,
}

impl NodeSummary {
    /// The cell's accessible name ("w007: dead, 8 gangs torn down").
    pub fn describe(&self) -> String {
        let mut s = format!("{}{}: {}", self.id, if self.is_head { " (head)" } else { "" }, self.health.word());
        if self.torn_down > 0 {
            s.push_str(&format!(", {} torn down", plural(self.torn_down as usize, "gang")));
        }
        if self.total > 0.0 {
            s.push_str(&format!(
                ", {} {} of {} reserved, {} used",
                self.resource,
                amount(self.reserved),
                amount(self.total),
                amount(self.used)
            ));
        }
        if !self.gangs.is_empty() {
            let mut by_cue: BTreeMap<GangCue, usize> = BTreeMap::new();
            for g in &self.gangs {
                *by_cue.entry(g.cue).or_default() += 1;
            }
            let parts: Vec<String> = by_cue.iter().map(|(c, n)| format!("{n} {}", c.word())).collect();
            s.push_str(&format!(", {} ({})", plural(self.gangs.len(), "gang"), parts.join(", ")));
        }
        if self.plain_replicas > 0 {
            s.push_str(&format!(", {}", plural(self.plain_replicas as usize, "other replica")));
        }
        s
    }

    /// Reserved share of the main resource, 0..=1.
    pub fn reserved_share(&self) -> f64 {
        if self.total > 0.0 { (self.reserved / self.total).clamp(0.0, 1.0) } else { 0.0 }
    }

    pub fn used_share(&self) -> f64 {
        if self.total > 0.0 { (self.used / self.total).clamp(0.0, 1.0) } else { 0.0 }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// A resource amount without a needless ".0" (GPU 0.25 stays 0.25).
pub fn amount(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r}") }
}

fn health(n: &NodeView) -> NodeHealth {
    if !n.alive {
        NodeHealth::Dead
    } else if n.killed {
        NodeHealth::Killed
    } else if n.draining.is_some() {
        NodeHealth::Draining
    } else {
        NodeHealth::Alive
    }
}

fn main_resource(n: &NodeView) -> String {
    for name in ["GPU", "CPU"] {
        if n.resources.get(name) > 0 {
            return name.to_string();
        }
    }
    n.resources.0.keys().next().cloned().unwrap_or_else(|| "CPU".to_string())
}

fn cue_of(state: ReplicaState, torn: bool) -> GangCue {
    match state {
        ReplicaState::Running => GangCue::Running,
        ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering => GangCue::Starting,
        ReplicaState::Stopping | ReplicaState::Stopped if torn => GangCue::TornDown,
        ReplicaState::Stopping | ReplicaState::Stopped | ReplicaState::PendingMigration => GangCue::Stopping,
    }
}

/// Every node of `snap` in summary, in the snapshot's order. `is_torn(gang)` says whether the gang's latest
/// teardown is what stops its members; `hue(gang)` is its colour. A summary equal to its predecessor in `prev`
/// (same node id) is that same `Rc`, so a cell drawn from it sees equal props and is not redrawn.
pub fn summarize(
    snap: &Snapshot,
    is_torn: impl Fn(&str) -> bool,
    hue: impl Fn(&str) -> Option<u8>,
    blasts: &[BlastRadius],
    prev: &[Rc<NodeSummary>],
) -> Vec<Rc<NodeSummary>> {
    let index: HashMap<&str, usize> = snap.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    // Per node: gang → the most telling cue of its members there (torn down > stopping > starting > running).
    let mut gangs: Vec<BTreeMap<&str, GangCue>> = vec![BTreeMap::new(); snap.nodes.len()];
    let mut plain = vec![0u32; snap.nodes.len()];
    for pg in &snap.placement_groups {
        let Some(g) = &pg.gang_id else { continue };
        for b in &pg.bundles {
            if let Some(i) = b.node.as_deref().and_then(|n| index.get(n)) {
                gangs[*i].entry(g.as_str()).or_insert(GangCue::Starting);
            }
        }
    }
    for r in &snap.replicas {
        let Some(i) = r.node.as_deref().and_then(|n| index.get(n)) else { continue };
        match &r.gang_context {
            Some(g) => {
                let cue = cue_of(r.state, is_torn(&g.gang_id));
                let e = gangs[*i].entry(g.gang_id.as_str()).or_insert(cue);
                // A reservation alone says Starting; a member there says what it does.
                *e = if *e == GangCue::Starting && cue == GangCue::Running { cue } else { (*e).max(cue) };
            }
            None => plain[*i] += 1,
        }
    }
    let torn_by: HashMap<&str, usize> = blasts.iter().map(|b| (b.node.as_str(), b.torn_down.len())).collect();
    let prev: HashMap<&str, &Rc<NodeSummary>> = prev.iter().map(|s| (s.id.as_str(), s)).collect();
    snap.nodes
        .iter()
        .zip(gangs)
        .zip(plain)
        .map(|((n, gangs), plain_replicas)| {
            let resource = main_resource(n);
            let health = health(n);
            let s = NodeSummary {
                id: n.id.clone(),
                is_head: n.is_head,
                health,
                total: n.resources.get_f64(&resource),
                reserved: n.reserved.get_f64(&resource),
                used: n.used.get_f64(&resource),
                resource,
                gangs: gangs
                    .into_iter()
                    .map(|(g, cue)| GangGlyph { gang_id: g.to_string(), hue: hue(g), cue })
                    .collect(),
                plain_replicas,
                torn_down: if health == NodeHealth::Alive || health == NodeHealth::Draining {
                    0
                } else {
                    torn_by.get(n.id.as_str()).copied().unwrap_or(0) as u32
                },
            };
            match prev.get(n.id.as_str()) {
                Some(p) if ***p == s => Rc::clone(p),
                _ => Rc::new(s),
            }
        })
        .collect()
}

/// Nodes to zoom into together: a `ray.io/node-group`, or a block of consecutive unlabelled nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeGroup {
    /// The label's value, or the block's first and last node ("w001–w020").
    pub name: String,
    /// Indices into the snapshot's nodes, in order.
    pub nodes: Vec<usize>,
}

/// The groups of `nodes`: the head alone, each `ray.io/node-group` in order of first appearance, and the unlabelled
/// nodes in blocks of [`BLOCK`].
pub fn node_groups(nodes: &[NodeView]) -> Vec<NodeGroup> {
    let mut out: Vec<NodeGroup> = Vec::new();
    let mut by_label: HashMap<&str, usize> = HashMap::new();
    let mut unlabelled: Vec<usize> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.is_head {
            out.push(NodeGroup { name: "head".to_string(), nodes: vec![i] });
        } else if let Some(l) = n.labels.get(GROUP_LABEL) {
            let at = *by_label.entry(l.as_str()).or_insert_with(|| {
                out.push(NodeGroup { name: l.clone(), nodes: Vec::new() });
                out.len() - 1
            });
            out[at].nodes.push(i);
        } else {
            unlabelled.push(i);
        }
    }
    for block in unlabelled.chunks(BLOCK) {
        let (first, last) = (&nodes[block[0]].id, &nodes[block[block.len() - 1]].id);
        let name = if block.len() == 1 { first.clone() } else { format!("{first}–{last}") };
        out.push(NodeGroup { name, nodes: block.to_vec() });
    }
    out
}

/// How much of each id a cell can leave out: the ids' common prefix up to its last separator (`-`, `_`, `.`, `/`,
/// `:`), so "r03-w001" … "r03-w050" read "w001" … "w050" in their group, while "w001" … "w020" stay whole.
pub fn shared_prefix_len<'a>(mut ids: impl Iterator<Item = &'a str>) -> usize {
    let Some(first) = ids.next() else { return 0 };
    let mut common = first.len();
    let mut n = 1;
    for id in ids {
        n += 1;
        common = first.bytes().zip(id.bytes()).take(common).take_while(|(a, b)| a == b).count();
    }
    if n < 2 {
        return 0;
    }
    first[..common].rfind(['-', '_', '.', '/', ':']).map_or(0, |i| i + 1)
}

/// What one node's failure did: the gangs on it when it failed, those torn down since, and where replacements for
/// them were reserved (the first new gangs of the same deployments reserved after the teardowns: the model does
/// not say which new gang replaces which, so this counts them per deployment).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlastRadius {
    pub node: String,
    /// When it failed (killed, or declared dead if it was never seen killed).
    pub at_s: f64,
    /// The GCS has declared it dead.
    pub dead: bool,
    pub gangs_held: Vec<String>,
    /// Replicas outside any gang running on it when it failed.
    pub other_replicas: u32,
    pub torn_down: Vec<String>,
    /// Replacement gangs reserved so far.
    pub replacements: u32,
    /// Nodes holding the replacements' bundles, with how many bundles each.
    pub rebuilt_on: BTreeMap<String, u32>,
}

impl BlastRadius {
    /// The summary in one sentence.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} {} at {:.1} s: it held {}",
            self.node,
            if self.dead { "died" } else { "was killed" },
            self.at_s,
            plural(self.gangs_held.len(), "gang")
        );
        if self.other_replicas > 0 {
            s.push_str(&format!(" and {}", plural(self.other_replicas as usize, "other replica")));
        }
        s.push_str(&format!("; {} torn down", self.torn_down.len()));
        if self.replacements > 0 {
            let on: Vec<String> = self.rebuilt_on.keys().take(8).cloned().collect();
            let more = self.rebuilt_on.len().saturating_sub(on.len());
            s.push_str(&format!(
                "; {} reserved on {}: {}{}",
                plural(self.replacements as usize, "replacement gang"),
                plural(self.rebuilt_on.len(), "node"),
                on.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ));
        } else if !self.torn_down.is_empty() {
            s.push_str("; no replacement reserved yet");
        }
        s
    }
}

/// A live gang reservation: its deployment and the nodes of its bundles.
struct Reservation {
    gang: String,
    nodes: Vec<String>,
}

/// Reads the event log once, incrementally, and keeps every node failure's [`BlastRadius`] up to date.
#[derive(Default)]
pub struct BlastScan {
    /// What of the event list was read (another history: read again).
    cursor: EventCursor,
    /// PG name → its gang and bundle nodes, while created.
    pgs: HashMap<String, Reservation>,
    /// PG name → (gang, `app/deployment`), from GangReserved (the PG's own event does not name its deployment).
    reserved: HashMap<String, (String, String)>,
    /// Gang → `app/deployment`.
    gang_deployment: HashMap<String, String>,
    /// Running replicas outside gangs, per node.
    plain_on: HashMap<String, BTreeSet<String>>,
    /// Replacements owed to failures: (failure index, `app/deployment`), one per torn-down gang, oldest first.
    owed: Vec<(usize, String)>,
    /// PG name of a replacement → its failure.
    replacement_pg: HashMap<String, usize>,
    radii: Vec<BlastRadius>,
}

impl BlastScan {
    /// Every node failure so far, oldest first.
    pub fn radii(&self) -> &[BlastRadius] {
        &self.radii
    }

    /// Read the events not read yet (all of them if `events` is not the run read before). Returns whether
    /// anything changed.
    pub fn update(&mut self, events: &[Event]) -> bool {
        let same_run = self.cursor.continues(events);
        if !same_run {
            *self = BlastScan::default();
        }
        let before = self.radii.clone();
        for e in self.cursor.unread(events) {
            self.read(e);
        }
        !same_run || before != self.radii
    }

    fn read(&mut self, e: &Event) {
        match &e.kind {
            EventKind::GangReserved { app, deployment, gang_id, pg_name, .. } => {
                let dep = format!("{app}/{deployment}");
                self.gang_deployment.insert(gang_id.clone(), dep.clone());
                if let Some(k) = self.owed.iter().position(|(_, d)| *d == dep) {
                    let (failure, _) = self.owed.remove(k);
                    self.radii[failure].replacements += 1;
                    self.replacement_pg.insert(pg_name.clone(), failure);
                }
                self.reserved.insert(pg_name.clone(), (gang_id.clone(), dep));
            }
            EventKind::PgState { name, to, bundle_nodes, .. } => {
                use crate::model::placement::PlacementGroupState as S;
                match to {
                    S::Created => {
                        if let Some((gang, _)) = self.reserved.get(name) {
                            let nodes: Vec<String> = bundle_nodes.iter().flatten().cloned().collect();
                            if let Some(f) = self.replacement_pg.remove(name) {
                                for n in &nodes {
                                    *self.radii[f].rebuilt_on.entry(n.clone()).or_default() += 1;
                                }
                            }
                            self.pgs.insert(name.clone(), Reservation { gang: gang.clone(), nodes });
                        }
                    }
                    S::Removed => {
                        self.pgs.remove(name);
                        self.reserved.remove(name);
                    }
                    _ => {}
                }
            }
            EventKind::ReplicaState { replica, gang_id: None, to, node: Some(node), .. } => {
                let on = self.plain_on.entry(node.clone()).or_default();
                if *to == ReplicaState::Running {
                    on.insert(replica.clone());
                } else if matches!(to, ReplicaState::Stopping | ReplicaState::Stopped) {
                    on.remove(replica);
                }
            }
            EventKind::Node { node, change: change @ (NodeChange::Killed | NodeChange::Dead), .. } => {
                // A node declared dead after it was seen killed is the same failure.
                if let Some(r) = self.radii.iter_mut().rev().find(|r| r.node == *node && !r.dead) {
                    if *change == NodeChange::Dead {
                        r.dead = true;
                    }
                    return;
                }
                let mut held: Vec<String> =
                    self.pgs.values().filter(|p| p.nodes.contains(node)).map(|p| p.gang.clone()).collect();
                held.sort();
                held.dedup();
                self.radii.push(BlastRadius {
                    node: node.clone(),
                    at_s: e.t.as_secs_f64(),
                    dead: *change == NodeChange::Dead,
                    gangs_held: held,
                    other_replicas: self.plain_on.get(node).map_or(0, |s| s.len() as u32),
                    ..BlastRadius::default()
                });
            }
            EventKind::GangTeardown { gang_id, app, deployment, .. } => {
                // The latest failure that held the gang (a gang torn down twice counts once).
                if let Some(f) = (0..self.radii.len()).rev().find(|&f| {
                    self.radii[f].gangs_held.binary_search(gang_id).is_ok()
                        && !self.radii[f].torn_down.contains(gang_id)
                }) {
                    self.radii[f].torn_down.push(gang_id.clone());
                    self.owed.push((f, format!("{app}/{deployment}")));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Session;
    use crate::model::scenario::Scenario;

    fn scenario(nodes: usize, extra: &str) -> Scenario {
        let nodes: Vec<String> =
            (1..=nodes).map(|i| format!(r#"{{"id": "w{i:02}", "resources": {{"CPU": 4, "GPU": 2}}}}"#)).collect();
        let json = format!(
            r#"{{"format": "gangplank.scenario/v1", "name": "t", "seed": 3, "until_s": 40,
              "cluster": {{"head": {{"resources": {{"CPU": 0}}}}, "nodes": [{}]}},
              "timing": {{"health_check_period_s": 1, "node_death_detection_s": 2, "graceful_shutdown_timeout_s": 1}},
              "applications": [{{"name": "app", "deployments": [
                {{"name": "G", "num_replicas": 8, "ray_actor_options": {{"num_cpus": 1, "num_gpus": 0.5}},
                  "gang_scheduling_config": {{"gang_size": 2, "gang_placement_strategy": "PACK"}}}},
                {{"name": "P", "num_replicas": 2, "ray_actor_options": {{"num_cpus": 1}}}}]}}],
              "actions": [{extra}]}}"#,
            nodes.join(",")
        );
        crate::model::scenario::parse_scenario(&json).unwrap()
    }

    fn run(sc: Scenario, to_s: f64) -> Session {
        let mut s = Session::new(sc);
        s.advance_to(crate::model::time::SimTime::from_secs_f64(to_s));
        s
    }

    #[test]
    fn a_node_shows_its_gangs_its_gpu_and_its_state() {
        let s = run(scenario(4, ""), 10.0);
        let snap = s.snapshot();
        let sums = summarize(&snap, |_| false, |_| Some(1), &[], &[]);
        assert_eq!(sums.len(), 5);
        assert!(sums[0].is_head && sums[0].total == 0.0 && sums[0].gangs.is_empty());
        let workers = &sums[1..];
        // 4 gangs of 2 and 2 plain replicas, all running, on 4 nodes of 2 GPUs.
        assert_eq!(workers.iter().map(|w| w.gangs.len()).sum::<usize>(), 4, "PACK: each gang on one node");
        assert!(workers.iter().flat_map(|w| &w.gangs).all(|g| g.cue == GangCue::Running && g.hue == Some(1)));
        assert_eq!(workers.iter().map(|w| w.plain_replicas).sum::<u32>(), 2);
        assert!(workers.iter().all(|w| w.resource == "GPU" && w.total == 2.0));
        assert_eq!(workers.iter().map(|w| w.reserved).sum::<f64>(), 4.0, "8 members of 0.5 GPU");
        let busy = workers.iter().find(|w| !w.gangs.is_empty()).unwrap();
        // A gang of 2 × 0.5 GPU on the node (PACK), and maybe a plain replica (CPU only).
        assert!(
            busy.describe().contains(": alive, GPU 1 of 2 reserved, 1 used, 1 gang (1 running)"),
            "{}",
            busy.describe()
        );
    }

    #[test]
    fn an_unchanged_node_keeps_its_summary() {
        let mut s = run(scenario(4, ""), 10.0);
        let first = summarize(&s.snapshot(), |_| false, |_| None, &[], &[]);
        s.advance_to(crate::model::time::SimTime::from_secs_f64(12.0));
        let again = summarize(&s.snapshot(), |_| false, |_| None, &[], &first);
        assert!(first.iter().zip(&again).all(|(a, b)| Rc::ptr_eq(a, b)));
        let other = summarize(&s.snapshot(), |_| true, |_| Some(2), &[], &first);
        assert!(!Rc::ptr_eq(&first[1], &other[1]) || first[1].gangs.is_empty());
    }

    #[test]
    fn a_node_failure_has_a_blast_radius_with_its_gangs_and_their_replacements() {
        // Kill a node that holds gangs (PACK puts a gang of 2 × 0.5 GPU on one node of 2 GPUs).
        let s = run(scenario(6, ""), 10.0);
        let snap = s.snapshot();
        let victim = snap
            .nodes
            .iter()
            .find(|n| snap.replicas.iter().any(|r| r.node.as_ref() == Some(&n.id) && r.gang_context.is_some()))
            .unwrap()
            .id
            .clone();
        let held: BTreeSet<String> = snap
            .replicas
            .iter()
            .filter(|r| r.node.as_ref() == Some(&victim))
            .filter_map(|r| r.gang_context.as_ref().map(|g| g.gang_id.clone()))
            .collect();
        let s = run(scenario(6, &format!(r#"{{"at_s": 12, "do": "kill_node", "node": "{victim}"}}"#)), 30.0);
        let mut scan = BlastScan::default();
        assert!(scan.update(s.events()));
        let [b] = scan.radii() else { panic!("one failure: {:?}", scan.radii()) };
        assert_eq!(b.node, victim);
        assert!(b.dead && b.at_s == 12.0);
        assert_eq!(b.gangs_held.iter().cloned().collect::<BTreeSet<_>>(), held);
        assert_eq!(b.torn_down.len(), held.len(), "RESTART_GANG tears down every gang with a member on it");
        assert_eq!(b.replacements as usize, held.len(), "each torn-down gang is replaced");
        assert!(!b.rebuilt_on.contains_key(&victim) && b.rebuilt_on.values().sum::<u32>() == 2 * held.len() as u32);
        assert!(b.describe().starts_with(&format!("{victim} died at 12.0 s: it held {}", plural(held.len(), "gang"))));
        // Its cell says so.
        let sums = summarize(&s.snapshot(), |_| false, |_| None, scan.radii(), &[]);
        let cell = sums.iter().find(|c| c.id == victim).unwrap();
        assert_eq!(cell.health, NodeHealth::Dead);
        assert!(cell.describe().starts_with(&format!("{victim}: dead, {} torn down", plural(held.len(), "gang"))));
        // Reading again adds nothing; a shorter log (another run) starts over.
        assert!(!scan.update(s.events()));
        let early = run(scenario(6, ""), 5.0);
        assert!(scan.update(early.events()));
        assert!(scan.radii().is_empty());
    }

    #[test]
    fn nodes_are_grouped_by_their_node_group_label_or_in_blocks() {
        let s = run(scenario(45, ""), 0.0);
        let groups = node_groups(&s.snapshot().nodes);
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["head", "w01–w20", "w21–w40", "w41–w45"]);
        assert_eq!(groups[1].nodes, (1..=20).collect::<Vec<_>>());
        let mut nodes = s.snapshot().nodes.clone();
        for (i, n) in nodes.iter_mut().enumerate().skip(1) {
            if i % 3 != 0 {
                n.labels.insert(GROUP_LABEL.into(), if i < 20 { "gpu-a".into() } else { "gpu-b".into() });
            }
        }
        let groups = node_groups(&nodes);
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["head", "gpu-a", "gpu-b", "w03–w45"]);
        assert_eq!(groups.iter().map(|g| g.nodes.len()).sum::<usize>(), 46, "every node in one group");
    }

    #[test]
    fn a_group_s_shared_prefix_is_left_out_up_to_a_separator() {
        let rack = ["r03-w001", "r03-w002", "r03-w050"];
        assert_eq!(shared_prefix_len(rack.into_iter()), 4);
        assert_eq!(shared_prefix_len(["w001", "w002", "w020"].into_iter()), 0, "no separator: whole ids");
        assert_eq!(shared_prefix_len(["gpu-a-1", "gpu-b-1"].into_iter()), 4);
        assert_eq!(shared_prefix_len(["head"].into_iter()), 0, "a node alone keeps its name");
        assert_eq!(shared_prefix_len(["a-1", "a-"].into_iter()), 2);
    }

    #[test]
    fn amounts_read_plainly() {
        assert_eq!(amount(4.0), "4");
        assert_eq!(amount(0.25), "0.25");
        assert_eq!(plural(1, "gang"), "1 gang");
        assert_eq!(plural(0, "gang"), "0 gangs");
    }
}
