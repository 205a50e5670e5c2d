//! Indexes that make a large `Gcs::schedule` call place each bundle and each SPREAD actor in about O(groups + log n)
//! instead of a scan of every node, choosing exactly the nodes the scans choose (`choose_nodes`,
//! `spread_actor_scan`) with exactly the same random draws.
//!
//! Nodes are grouped by everything that decides whether a request fits them and how they score, so within a group
//! eligibility and score are uniform and the scan's tie set ("every candidate with the best score, in node order") is
//! a union of whole groups. Each group keeps its members sorted, so the k-th tied node in node order is found by a
//! binary search over the tied groups. The scans stay the reference (and the path for small calls).
use crate::model::cluster::Cluster;
use crate::model::placement::{
    Assignment, PlacementGroup, PlacementStrategy, aggregate, best_scored, best_selected, pack_onto, score,
    sorted_bundles, tie_break,
};
use crate::model::resources::Resources;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Members (node indices, or positions in a [`SpreadRound`]) grouped by a key, each group sorted; empty groups are
/// dropped.
#[derive(Clone, Debug)]
struct Groups<K: Ord + Clone> {
    groups: BTreeMap<K, Vec<usize>>,
    key_of: Vec<Option<K>>,
}

impl<K: Ord + Clone> Groups<K> {
    fn new(n: usize) -> Self {
        Groups { groups: BTreeMap::new(), key_of: vec![None; n] }
    }
    fn insert(&mut self, i: usize, key: K) {
        let v = self.groups.entry(key.clone()).or_default();
        let p = v.partition_point(|&x| x < i);
        v.insert(p, i);
        self.key_of[i] = Some(key);
    }
    fn remove(&mut self, i: usize) {
        let Some(k) = self.key_of[i].take() else { return };
        let v = self.groups.get_mut(&k).expect("group of an indexed node");
        let p = v.binary_search(&i).expect("node in its group");
        v.remove(p);
        if v.is_empty() {
            self.groups.remove(&k);
        }
    }
    fn contains(&self, i: usize) -> bool {
        self.key_of[i].is_some()
    }
}

/// The k-th (from 0) smallest node index in the union of disjoint sorted groups.
fn kth(groups: &[&Vec<usize>], k: usize) -> usize {
    if let [g] = groups {
        return g[k];
    }
    // The smallest x with more than k members <= x.
    let (mut lo, mut hi) = (0usize, groups.iter().map(|g| g[g.len() - 1]).max().expect("a tied group"));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let count: usize = groups.iter().map(|g| g.partition_point(|&x| x <= mid)).sum();
        if count > k { hi = mid } else { lo = mid + 1 }
    }
    lo
}

/// What decides whether a bundle fits a node and how the node scores for it: available resources and labels.
type BundleKey = (Resources, BTreeMap<String, String>);

/// The schedulable nodes for placing bundles, grouped by [`BundleKey`]. Build it once per schedule call and call
/// [`BundleIndex::refresh`] for every node whose `available` changed since.
#[derive(Clone, Debug)]
pub struct BundleIndex {
    groups: Groups<BundleKey>,
    live: usize,
}

impl BundleIndex {
    pub fn new(cluster: &Cluster) -> BundleIndex {
        let mut index = BundleIndex { groups: Groups::new(cluster.nodes.len()), live: 0 };
        for i in 0..cluster.nodes.len() {
            index.refresh(cluster, i);
        }
        index
    }
    fn key(cluster: &Cluster, i: usize) -> BundleKey {
        let n = &cluster.nodes[i];
        (n.available.clone(), n.labels.clone())
    }
    /// Re-file node `i` after its `available` (or liveness) changed.
    pub fn refresh(&mut self, cluster: &Cluster, i: usize) {
        if self.groups.contains(i) {
            self.groups.remove(i);
            self.live -= 1;
        }
        if cluster.nodes[i].schedulable() {
            self.groups.insert(i, Self::key(cluster, i));
            self.live += 1;
        }
    }
}

/// `choose_nodes` with the index: the same nodes, the same draws from `rng`. The index must be up to date with
/// `cluster`; it is left as it was.
pub fn choose_nodes_indexed(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    index: &mut BundleIndex,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    if todo.is_empty() {
        return Some(Vec::new());
    }
    if index.live == 0 {
        return None;
    }
    // Nodes that stop being candidates while this PG is placed leave the groups, and come back (unchanged: this
    // call changes nothing in `cluster`) at the end.
    let mut taken: Vec<usize> = Vec::new();
    let out = choose_from_groups(pg, todo, cluster, &mut index.groups, index.live, &mut taken, rng);
    for &i in &taken {
        index.groups.insert(i, BundleIndex::key(cluster, i));
    }
    out
}

fn take(groups: &mut Groups<BundleKey>, taken: &mut Vec<usize>, i: usize) {
    groups.remove(i);
    taken.push(i);
}

fn choose_from_groups(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    groups: &mut Groups<BundleKey>,
    live: usize,
    taken: &mut Vec<usize>,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    let mut out: Assignment = Vec::with_capacity(todo.len());
    match pg.strategy {
        PlacementStrategy::Pack => {
            let mut rest = sorted_bundles(pg, todo);
            while !rest.is_empty() {
                let front = rest.remove(0);
                let b = &pg.bundles[front];
                let i = best_in_groups(groups, rng, |a, l| score(a, l, &b.resources, &b.label_selector))?;
                take(groups, taken, i);
                let mut free = cluster.nodes[i].available.clone();
                free.sub(&b.resources);
                out.push((front, i));
                pack_onto(pg, &cluster.nodes[i].labels, &mut free, i, &mut rest, &mut out);
            }
        }
        PlacementStrategy::Spread => {
            let mut selected: BTreeMap<usize, Resources> = BTreeMap::new();
            for bi in sorted_bundles(pg, todo) {
                let b = &pg.bundles[bi];
                let i = match best_in_groups(groups, rng, |a, l| score(a, l, &b.resources, &b.label_selector)) {
                    Some(i) => {
                        take(groups, taken, i);
                        let mut free = cluster.nodes[i].available.clone();
                        free.sub(&b.resources);
                        selected.insert(i, free);
                        i
                    }
                    None => best_selected(cluster, &mut selected, b, rng)?,
                };
                out.push((bi, i));
            }
        }
        PlacementStrategy::StrictPack => {
            let (total, selector) = aggregate(pg, todo);
            let i = best_in_groups(groups, rng, |a, l| score(a, l, &total, &selector))?;
            out.extend(todo.iter().map(|&bi| (bi, i)));
        }
        PlacementStrategy::StrictSpread => {
            for b in &pg.bundles {
                if let Some(i) = b.node.as_ref().and_then(|n| cluster.index_of(n))
                    && groups.contains(i)
                {
                    take(groups, taken, i);
                }
            }
            if todo.len() > live - taken.len() {
                return None;
            }
            for bi in sorted_bundles(pg, todo) {
                let b = &pg.bundles[bi];
                let i = best_in_groups(groups, rng, |a, l| score(a, l, &b.resources, &b.label_selector))?;
                take(groups, taken, i);
                out.push((bi, i));
            }
        }
    }
    out.sort_unstable();
    Some(out)
}

/// `GetBestNode` over the groups: the groups with the best score ≥ 0, then the k-th of their nodes in node order,
/// k from [`tie_break`] (as the scan does over its node-ordered tie set).
fn best_in_groups(
    groups: &Groups<BundleKey>,
    rng: &mut ChaCha8Rng,
    score_of: impl Fn(&Resources, &BTreeMap<String, String>) -> f64,
) -> Option<usize> {
    let tied: Vec<&Vec<usize>> =
        best_scored(groups.groups.iter().map(|((available, labels), nodes)| (nodes, score_of(available, labels))));
    if tied.is_empty() {
        return None;
    }
    let len: usize = tied.iter().map(|g| g.len()).sum();
    Some(kth(&tied, tie_break(rng, len)))
}

/// The order in which SPREAD actors go round the nodes: Ray's `SpreadSchedulingPolicy::Schedule`
/// (`src/ray/raylet/scheduling/policy/spread_scheduling_policy.cc`) sorts the node ids of its resource view (the nodes
/// the GCS has not declared dead) and walks them from `spread_scheduling_next_index_`. Ray's node ids are random, so
/// the order is a random permutation: here each node's place comes from the seeded ChaCha RNG (run seed, join order),
/// fixed for the node's life.
#[derive(Clone, Debug)]
pub struct SpreadRound {
    order: Vec<usize>,
    pos_of: Vec<Option<usize>>,
    seed: u64,
}

impl SpreadRound {
    pub fn new(cluster: &Cluster, seed: u64) -> SpreadRound {
        let mut keyed: Vec<(u64, usize)> = cluster
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.dead)
            .map(|(i, n)| {
                let id =
                    ChaCha8Rng::seed_from_u64(seed ^ (u64::from(n.joined_seq) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
                        .next_u64();
                (id, i)
            })
            .collect();
        keyed.sort_unstable();
        let mut pos_of = vec![None; cluster.nodes.len()];
        for (p, &(_, i)) in keyed.iter().enumerate() {
            pos_of[i] = Some(p);
        }
        SpreadRound { order: keyed.into_iter().map(|(_, i)| i).collect(), pos_of, seed }
    }
    /// Built for this cluster's nodes and this seed.
    pub fn fits(&self, cluster: &Cluster, seed: u64) -> bool {
        self.seed == seed && self.pos_of.len() == cluster.nodes.len()
    }
    pub fn order(&self) -> &[usize] {
        &self.order
    }
}

/// A Serve replica actor outside any placement group, the reference scan. Serve asks for
/// `scheduling_strategy="SPREAD"` (`deployment_scheduler.py`, `_schedule_with_spread_strategy`; the PACK path needs
/// RAY_SERVE_USE_PACK_SCHEDULING_STRATEGY). Ray's SpreadSchedulingPolicy: starting at `next` in the round, the first
/// schedulable node where the request is available now; `next` moves past it. No draw. An actor asking for no
/// resources at all goes to the RandomSchedulingPolicy instead ([`random_actor_node`]). When no node has room Ray
/// would queue the actor on a node where it is merely feasible; the model leaves it waiting and tries again when
/// resources change.
pub fn spread_actor_scan(
    cluster: &Cluster,
    round: &SpreadRound,
    next: &mut usize,
    need: &Resources,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    if need.is_empty() {
        return random_actor_node(cluster, rng);
    }
    let n = round.order.len();
    for k in 0..n {
        let pos = (*next + k) % n;
        let node = &cluster.nodes[round.order[pos]];
        if node.schedulable() && node.available.covers(need) {
            *next = (pos + 1) % n;
            return Some(round.order[pos]);
        }
    }
    None
}

/// `RandomSchedulingPolicy` for an actor that asks for no resources (`ClusterResourceScheduler::
/// GetBestSchedulableNode`): a random node of the resource view; uniform over the schedulable nodes here.
pub fn random_actor_node(cluster: &Cluster, rng: &mut ChaCha8Rng) -> Option<usize> {
    let live: Vec<usize> = (0..cluster.nodes.len()).filter(|&i| cluster.nodes[i].schedulable()).collect();
    (!live.is_empty()).then(|| live[tie_break(rng, live.len())])
}

/// The schedulable nodes of a [`SpreadRound`] for SPREAD actors: their positions in the round grouped by available
/// resources. Call [`ActorIndex::refresh`] for every node whose `available` changed.
#[derive(Clone, Debug)]
pub struct ActorIndex {
    groups: Groups<Resources>,
}

impl ActorIndex {
    pub fn new(cluster: &Cluster, round: &SpreadRound) -> ActorIndex {
        let mut index = ActorIndex { groups: Groups::new(round.order.len()) };
        for &i in &round.order {
            index.refresh(cluster, round, i);
        }
        index
    }
    pub fn refresh(&mut self, cluster: &Cluster, round: &SpreadRound, i: usize) {
        let Some(pos) = round.pos_of[i] else { return };
        self.groups.remove(pos);
        if cluster.nodes[i].schedulable() {
            self.groups.insert(pos, cluster.nodes[i].available.clone());
        }
    }
    /// [`spread_actor_scan`] with the index: the same node, the same `next`, the same draws.
    pub fn choose(
        &self,
        cluster: &Cluster,
        round: &SpreadRound,
        next: &mut usize,
        need: &Resources,
        rng: &mut ChaCha8Rng,
    ) -> Option<usize> {
        if need.is_empty() {
            return random_actor_node(cluster, rng);
        }
        let n = round.order.len();
        if n == 0 {
            return None;
        }
        let start = *next % n;
        // Of the groups with room: the first position at or after `start`, wrapping round.
        let pos = self
            .groups
            .groups
            .iter()
            .filter(|(available, _)| available.covers(need))
            .map(|(_, ps)| {
                let p = ps.partition_point(|&x| x < start);
                if p < ps.len() { ps[p] } else { ps[0] }
            })
            .min_by_key(|&pos| (pos + n - start) % n)?;
        *next = (pos + 1) % n;
        Some(round.order[pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::placement::tests::cluster;

    #[test]
    fn serve_spread_actors_go_round_robin_to_the_next_node_with_room_without_drawing() {
        let mut c = cluster(&[2.0, 2.0, 2.0, 2.0]);
        let round = SpreadRound::new(&c, 7);
        let one = Resources::from_pairs([("CPU", 1.0)]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let before = rng.clone().next_u64();
        let mut next = 0;
        // Eight 1-CPU actors on four 2-CPU nodes: round.order[0], [1], [2], [3], then again: two each.
        let mut got = Vec::new();
        for _ in 0..8 {
            let i = spread_actor_scan(&c, &round, &mut next, &one, &mut rng).unwrap();
            c.nodes[i].available.sub(&one);
            got.push(i);
        }
        let o = round.order();
        assert_eq!(got, [o[0], o[1], o[2], o[3], o[0], o[1], o[2], o[3]]);
        assert_eq!(rng.next_u64(), before);
        // Full: nothing (the actor waits), and `next` stays.
        assert_eq!(spread_actor_scan(&c, &round, &mut next, &one, &mut rng), None);
        assert_eq!(next, 0);
        // A node with room is found past the full ones.
        c.nodes[o[2]].available.add(&one);
        assert_eq!(spread_actor_scan(&c, &round, &mut next, &one, &mut rng), Some(o[2]));
        assert_eq!(next, 3);
    }
}
