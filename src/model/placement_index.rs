//! Indexes that make a large `Gcs::schedule` call place each SPREAD bundle and SPREAD actor in about
//! O(groups + log n) instead of a scan of every node, choosing exactly the nodes the scans choose (`choose_nodes`,
//! `spread_actor_scan`) with exactly the same random draws.
//!
//! Nodes are grouped by everything that decides whether a request fits them and how they rank, so within a group
//! eligibility and rank are uniform and the scan's tie set ("every eligible node with the best key, in node order")
//! is a union of whole groups. Each group keeps its node indices sorted, so the k-th tied node in node order is found
//! by a binary search over the tied groups. The scans stay the reference (and the path for small calls).
use crate::model::cluster::Cluster;
use crate::model::placement::{
    Assignment, PlacementGroup, PlacementStrategy, biggest_first, choose_nodes, free_fraction, keep_best, tie_break,
};
use crate::model::resources::Resources;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Node indices grouped by a key, each group sorted; empty groups are dropped.
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

/// What decides whether a bundle fits a node and how the node ranks for it: total, available, labels.
type BundleKey = (Resources, Resources, BTreeMap<String, String>);

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
        (n.resources.clone(), n.available.clone(), n.labels.clone())
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

/// `choose_nodes` with the index: the same nodes, the same draws from `rng`. PACK and STRICT_PACK use the scan.
/// The index must be up to date with `cluster`; it is left as it was.
pub fn choose_nodes_indexed(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    index: &mut BundleIndex,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    if index.live == 0 || todo.is_empty() {
        return if todo.is_empty() { Some(Vec::new()) } else { None };
    }
    if matches!(pg.strategy, PlacementStrategy::Pack | PlacementStrategy::StrictPack) {
        return pack_indexed(pg, todo, cluster, index, rng);
    }
    let mut used_by_pg: BTreeMap<usize, u32> = BTreeMap::new();
    for b in &pg.bundles {
        if let Some(i) = b.node.as_ref().and_then(|n| cluster.index_of(n)) {
            *used_by_pg.entry(i).or_insert(0) += 1;
        }
    }
    // Live nodes holding a bundle of this PG: few, taken out of the groups while this PG is placed (the groups
    // then hold exactly the live nodes with none of its bundles, whose free resources are their `available`).
    let mut special: Vec<usize> = used_by_pg.keys().copied().filter(|&i| cluster.nodes[i].schedulable()).collect();
    for &i in &special {
        index.groups.remove(i);
    }
    let out = spread_indexed(pg, todo, cluster, &mut index.groups, &mut special, &mut used_by_pg, rng);
    for &i in &special {
        index.groups.insert(i, BundleIndex::key(cluster, i));
    }
    out
}

/// PACK and STRICT_PACK for a PG with no bundle placed yet: the scan's first choice (one node that holds
/// everything, chosen by `rng` among all of them) from the groups. A PG with placed bundles (it prefers their
/// nodes) and PACK's spill-over (no node holds everything; no draw was made before it) use the scan.
fn pack_indexed(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    index: &BundleIndex,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    if pg.bundles.iter().any(|b| b.node.is_some()) {
        return choose_nodes(pg, todo, cluster, rng);
    }
    let mut total = Resources::new();
    for &bi in todo {
        total.add(&pg.bundles[bi].resources);
    }
    let whole: Vec<&Vec<usize>> = index
        .groups
        .groups
        .iter()
        .filter(|((_, available, labels), _)| {
            available.covers(&total)
                && todo.iter().all(|&bi| pg.bundles[bi].label_selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
        })
        .map(|(_, nodes)| nodes)
        .collect();
    if whole.is_empty() {
        return if pg.strategy == PlacementStrategy::StrictPack { None } else { choose_nodes(pg, todo, cluster, rng) };
    }
    let len: usize = whole.iter().map(|g| g.len()).sum();
    let i = kth(&whole, tie_break(rng, len));
    Some(todo.iter().map(|&bi| (bi, i)).collect())
}

fn spread_indexed(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    groups: &mut Groups<BundleKey>,
    special: &mut Vec<usize>,
    used_by_pg: &mut BTreeMap<usize, u32>,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    let strict = pg.strategy == PlacementStrategy::StrictSpread;
    let mut taken: BTreeMap<usize, Resources> = BTreeMap::new();
    let free = |taken: &BTreeMap<usize, Resources>, i: usize| -> Resources {
        let mut f = cluster.nodes[i].available.clone();
        if let Some(t) = taken.get(&i) {
            f.sub(t);
        }
        f
    };
    let mut bundles: Vec<usize> = todo.to_vec();
    if strict {
        biggest_first(pg, &mut bundles);
    }
    let mut out = Vec::new();
    for bi in bundles {
        let b = &pg.bundles[bi];
        // Nodes without a bundle of this PG (u = 0, the least possible): the groups with the most room it fits.
        let mut most: Option<i64> = None;
        let mut tied: Vec<&Vec<usize>> = Vec::new();
        for ((total, available, labels), nodes) in &groups.groups {
            if !b.label_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) || !available.covers(&b.resources) {
                continue;
            }
            let r = free_fraction(total, available, &b.resources);
            match most {
                Some(m) if r < m => {}
                Some(m) if r == m => tied.push(nodes),
                _ => {
                    most = Some(r);
                    tied.clear();
                    tied.push(nodes);
                }
            }
        }
        let i = if !tied.is_empty() {
            let len: usize = tied.iter().map(|g| g.len()).sum();
            let k = tie_break(rng, len);
            kth(&tied, k)
        } else if strict {
            return None;
        } else {
            // Only nodes holding bundles of this PG are left: the scan's rule over them, in node order.
            let mut best: Option<(u32, i64)> = None;
            let mut tied: Vec<usize> = Vec::new();
            for &i in special.iter() {
                let u = used_by_pg.get(&i).copied().unwrap_or(0);
                let f = free(&taken, i);
                if best.is_some_and(|(least, _)| u > least)
                    || !cluster.nodes[i].matches(&b.label_selector)
                    || !f.covers(&b.resources)
                {
                    continue;
                }
                keep_best(&mut best, &mut tied, i, u, free_fraction(&cluster.nodes[i].resources, &f, &b.resources));
            }
            if tied.is_empty() {
                return None;
            }
            tied[tie_break(rng, tied.len())]
        };
        taken.entry(i).or_default().add(&b.resources);
        *used_by_pg.entry(i).or_insert(0) += 1;
        if let Err(p) = special.binary_search(&i) {
            // Now it holds a bundle of this PG: out of the groups until this PG is done.
            groups.remove(i);
            special.insert(p, i);
        }
        out.push((bi, i));
    }
    Some(out)
}

/// SPREAD for an actor outside any bundle, the reference scan: of the schedulable nodes it fits on, one with the
/// fewest live Serve actors (`load`), ties broken by `rng` (one draw, even for a single candidate).
pub fn spread_actor_scan(cluster: &Cluster, load: &[usize], need: &Resources, rng: &mut ChaCha8Rng) -> Option<usize> {
    let fits: Vec<usize> = (0..cluster.nodes.len())
        .filter(|&i| cluster.nodes[i].schedulable() && cluster.nodes[i].available.covers(need))
        .collect();
    let best = fits.iter().map(|&i| load[i]).min();
    let tied: Vec<usize> = fits.into_iter().filter(|&i| Some(load[i]) == best).collect();
    if tied.is_empty() { None } else { Some(tied[rng.random_range(0..tied.len())]) }
}

/// The schedulable nodes for SPREAD actors, grouped by (live Serve actors, available). Call
/// [`ActorIndex::refresh`] for every node whose load or `available` changed.
#[derive(Clone, Debug)]
pub struct ActorIndex {
    groups: Groups<(usize, Resources)>,
}

impl ActorIndex {
    pub fn new(cluster: &Cluster, load: &[usize]) -> ActorIndex {
        let mut index = ActorIndex { groups: Groups::new(cluster.nodes.len()) };
        for i in 0..cluster.nodes.len() {
            index.refresh(cluster, load, i);
        }
        index
    }
    pub fn refresh(&mut self, cluster: &Cluster, load: &[usize], i: usize) {
        self.groups.remove(i);
        if cluster.nodes[i].schedulable() {
            self.groups.insert(i, (load[i], cluster.nodes[i].available.clone()));
        }
    }
    /// [`spread_actor_scan`] with the index: the same node, the same draw.
    pub fn choose(&self, need: &Resources, rng: &mut ChaCha8Rng) -> Option<usize> {
        let mut least: Option<usize> = None;
        let mut tied: Vec<&Vec<usize>> = Vec::new();
        // Groups in order of load: the first that fits sets the least load; stop past it.
        for ((l, available), nodes) in &self.groups.groups {
            if least.is_some_and(|m| *l > m) {
                break;
            }
            if available.covers(need) {
                least = Some(*l);
                tied.push(nodes);
            }
        }
        if tied.is_empty() {
            return None;
        }
        let len: usize = tied.iter().map(|g| g.len()).sum();
        Some(kth(&tied, rng.random_range(0..len)))
    }
}
