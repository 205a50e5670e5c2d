//! Placement groups as Ray's GCS does them: bundles, the four strategies, atomic creation, the pending queue,
//! rescheduling of lost bundles after a node death, and removal.
use crate::model::cluster::Cluster;
use crate::model::resources::{Resources, UNITS};
use crate::model::time::SimTime;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlacementStrategy {
    /// As few nodes as possible; may span nodes (best effort).
    Pack,
    /// Distinct nodes as evenly as possible; may reuse nodes (best effort).
    Spread,
    /// One node, or stay pending.
    StrictPack,
    /// One bundle per node, or stay pending.
    StrictSpread,
}

impl PlacementStrategy {
    pub fn parse(s: &str) -> Option<PlacementStrategy> {
        match s {
            "PACK" => Some(PlacementStrategy::Pack),
            "SPREAD" => Some(PlacementStrategy::Spread),
            "STRICT_PACK" => Some(PlacementStrategy::StrictPack),
            "STRICT_SPREAD" => Some(PlacementStrategy::StrictSpread),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementStrategy::Pack => "PACK",
            PlacementStrategy::Spread => "SPREAD",
            PlacementStrategy::StrictPack => "STRICT_PACK",
            PlacementStrategy::StrictSpread => "STRICT_SPREAD",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlacementGroupState {
    Pending,
    Created,
    Rescheduling,
    Removed,
}

impl PlacementGroupState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementGroupState::Pending => "PENDING",
            PlacementGroupState::Created => "CREATED",
            PlacementGroupState::Rescheduling => "RESCHEDULING",
            PlacementGroupState::Removed => "REMOVED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bundle {
    pub resources: Resources,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub label_selector: BTreeMap<String, String>,
    /// The node holding this bundle's reservation; `None` while pending or lost.
    pub node: Option<String>,
}

/// Who asked for a placement group (Serve creates them per gang or per replica).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PgOwner {
    pub app: String,
    pub deployment: String,
    /// Set for gang PGs.
    pub gang_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacementGroup {
    pub id: String,
    pub name: String,
    pub strategy: PlacementStrategy,
    pub state: PlacementGroupState,
    pub bundles: Vec<Bundle>,
    pub owner: PgOwner,
    #[serde(skip)]
    pub created_at: SimTime,
    /// Creation order: the pending queue is served in this order, RESCHEDULING first.
    #[serde(skip)]
    pub seq: u64,
}

impl PlacementGroup {
    pub fn is_gang(&self) -> bool {
        self.owner.gang_id.is_some()
    }
    pub fn bundle_nodes(&self) -> Vec<Option<String>> {
        self.bundles.iter().map(|b| b.node.clone()).collect()
    }
}

/// A placement decision: the node index for each bundle to place.
pub type Assignment = Vec<(usize, usize)>;

/// Choose nodes for the bundles at `todo` (indices into `pg.bundles`), atomically: all of them or none, as Ray's GCS
/// does (`src/ray/raylet/scheduling/policy/bundle_scheduling_policy.cc`, one `Schedule` per strategy, with
/// `scorer.cc`'s `LeastResourceScorer`). The candidates are the schedulable nodes (Ray keeps them in an
/// `absl::flat_hash_map`, so which of several equally scored nodes wins is arbitrary): ties are the only choice the
/// seeded `rng` makes (see [`tie_break`]). The GCS seeds it per placement group (see `Gcs::schedule`), so a seed fixes
/// every choice and retrying a pending PG never shifts anyone else's. The result is in bundle order
/// (`SortSchedulingResult`).
pub fn choose_nodes(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    if todo.is_empty() {
        return Some(Vec::new());
    }
    let nodes = &cluster.nodes;
    // Candidates, in node order (the scan's tie sets are in node order; the index finds the same k-th node).
    let mut candidate: Vec<bool> = nodes.iter().map(|n| n.schedulable()).collect();
    if !candidate.contains(&true) {
        return None; // Ray: no candidate node, Infeasible.
    }
    let score_at = |i: usize, b: &Bundle| bundle_score(&nodes[i].available, &nodes[i].labels, b);
    let mut out: Assignment = Vec::with_capacity(todo.len());
    match pg.strategy {
        PlacementStrategy::Pack => {
            // BundlePackSchedulingPolicy::Schedule: the best node for the first bundle left, then every later bundle
            // that still fits there, in priority order; that node leaves the candidates.
            let mut rest = sorted_bundles(pg, todo);
            while !rest.is_empty() {
                let front = rest.remove(0);
                let b = &pg.bundles[front];
                let i = best_node(rng, candidates(&candidate).map(|i| (i, score_at(i, b))))?;
                let mut free = nodes[i].available.clone();
                free.sub(&b.resources);
                out.push((front, i));
                pack_onto(pg, &nodes[i].labels, &mut free, i, &mut rest, &mut out);
                candidate[i] = false;
            }
        }
        PlacementStrategy::Spread => {
            // BundleSpreadSchedulingPolicy::Schedule: the best node not yet used by this call, else the best of the
            // ones it used (with what this call took from them).
            let mut selected: BTreeMap<usize, Resources> = BTreeMap::new();
            for bi in sorted_bundles(pg, todo) {
                let b = &pg.bundles[bi];
                let i = match best_node(rng, candidates(&candidate).map(|i| (i, score_at(i, b)))) {
                    Some(i) => {
                        candidate[i] = false;
                        let mut free = nodes[i].available.clone();
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
            // BundleStrictPackSchedulingPolicy::Schedule: the best node for the sum of the bundles, all of them there.
            // (Its infeasibility check, "no node's total holds the sum", fails exactly when no node can hold it now
            // fails too: both leave the PG pending here.)
            let (total, selector) = aggregate(pg, todo);
            let i = best_node(
                rng,
                candidates(&candidate).map(|i| (i, score(&nodes[i].available, &nodes[i].labels, &total, &selector))),
            )?;
            out.extend(todo.iter().map(|&bi| (bi, i)));
        }
        PlacementStrategy::StrictSpread => {
            // BundleStrictSpreadSchedulingPolicy: nodes already holding a bundle of this PG are no candidates
            // (SelectCandidateNodes); more bundles than candidates fails at once; each bundle takes the best
            // candidate left.
            for b in &pg.bundles {
                if let Some(i) = b.node.as_ref().and_then(|n| cluster.index_of(n)) {
                    candidate[i] = false;
                }
            }
            if todo.len() > candidates(&candidate).count() {
                return None;
            }
            for bi in sorted_bundles(pg, todo) {
                let b = &pg.bundles[bi];
                let i = best_node(rng, candidates(&candidate).map(|i| (i, score_at(i, b))))?;
                candidate[i] = false;
                out.push((bi, i));
            }
        }
    }
    out.sort_unstable();
    Some(out)
}

fn candidates(candidate: &[bool]) -> impl Iterator<Item = usize> + '_ {
    candidate.iter().enumerate().filter(|(_, c)| **c).map(|(i, _)| i)
}

/// `LeastResourceScorer::Score` (`scorer.cc`) for one bundle: -1 when the node cannot hold it now (or its labels do
/// not match the bundle's selector); else the sum over the requested resources of (available - requested) /
/// available (0 for a resource with nothing available).
pub(crate) fn bundle_score(available: &Resources, labels: &BTreeMap<String, String>, b: &Bundle) -> f64 {
    score(available, labels, &b.resources, &b.label_selector)
}

pub(crate) fn score(
    available: &Resources,
    labels: &BTreeMap<String, String>,
    need: &Resources,
    selector: &BTreeMap<String, String>,
) -> f64 {
    if !available.covers(need) || !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return -1.0;
    }
    // Ray: `(available - requested).Double() / available.Double()`, FixedPoint in 1/10000 units like ours.
    need.0.iter().fold(0.0, |sum, (k, &requested)| {
        let a = available.get(k);
        if a == 0 { sum } else { sum + ((a - requested) as f64 / UNITS as f64) / (a as f64 / UNITS as f64) }
    })
}

/// `GetBestNode`: the highest score wins; no node with a score ≥ 0, none. `scored` comes in node order; equal best
/// scores are a tie ([`tie_break`]).
fn best_node(rng: &mut ChaCha8Rng, scored: impl Iterator<Item = (usize, f64)>) -> Option<usize> {
    let tied = best_scored(scored);
    (!tied.is_empty()).then(|| tied[tie_break(rng, tied.len())])
}

/// `GetBestNode`'s ranking: of `scored` (in node order), every item with the highest score ≥ 0, in order. Shared by
/// the scan (items are nodes) and the index (items are groups of nodes), so both rank alike by construction.
pub(crate) fn best_scored<T>(scored: impl Iterator<Item = (T, f64)>) -> Vec<T> {
    let mut best = -1.0;
    let mut tied: Vec<T> = Vec::new();
    for (item, s) in scored {
        if s < 0.0 || s < best {
            continue;
        }
        if s > best {
            best = s;
            tied.clear();
        }
        tied.push(item);
    }
    tied
}

/// SPREAD's fallback: the best of the nodes this call already used, with what it took from them (`selected`, by node
/// index). Shared by the scan and the index.
pub(crate) fn best_selected(
    cluster: &Cluster,
    selected: &mut BTreeMap<usize, Resources>,
    b: &Bundle,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    let i = best_node(rng, selected.iter().map(|(&i, free)| (i, bundle_score(free, &cluster.nodes[i].labels, b))))?;
    selected.get_mut(&i).expect("a selected node").sub(&b.resources);
    Some(i)
}

/// PACK, once a node `i` is chosen for the first bundle left: every bundle of `rest` (in order) that still fits on it
/// goes there (`free` shrinking as it goes) and leaves `rest`. Shared by the scan and the index.
pub(crate) fn pack_onto(
    pg: &PlacementGroup,
    labels: &BTreeMap<String, String>,
    free: &mut Resources,
    i: usize,
    rest: &mut Vec<usize>,
    out: &mut Assignment,
) {
    rest.retain(|&bi| {
        let b = &pg.bundles[bi];
        if bundle_score(free, labels, b) < 0.0 {
            return true;
        }
        free.sub(&b.resources);
        out.push((bi, i));
        false
    });
}

/// STRICT_PACK's request: the sum of the bundles at `todo`, and every label their selectors ask for.
pub(crate) fn aggregate(pg: &PlacementGroup, todo: &[usize]) -> (Resources, BTreeMap<String, String>) {
    let mut total = Resources::new();
    let mut selector = BTreeMap::new();
    for &bi in todo {
        total.add(&pg.bundles[bi].resources);
        for (k, v) in &pg.bundles[bi].label_selector {
            selector.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    (total, selector)
}

/// `SortRequiredResources`: the bundles at `todo` in the order Ray schedules them: more GPU first; then, resource by
/// resource over the custom (non-predefined) resources either asks for (in name order; Ray orders them by its
/// interned resource id), more first; then more object_store_memory, memory, CPU. Ray uses `std::sort`, which
/// libstdc++ runs as an insertion sort (stable) for up to 16 items; this sort is stable for any length.
pub(crate) fn sorted_bundles(pg: &PlacementGroup, todo: &[usize]) -> Vec<usize> {
    let mut order = todo.to_vec();
    order.sort_by(|&x, &y| schedule_first(&pg.bundles[y].resources, &pg.bundles[x].resources));
    order
}

/// How `a` compares to `b` in `SortRequiredResources`' priority: `Greater` when `a` goes first.
fn schedule_first(a: &Resources, b: &Resources) -> std::cmp::Ordering {
    const PREDEFINED: [&str; 4] = ["CPU", "GPU", "memory", "object_store_memory"];
    let by = |k: &str| a.get(k).cmp(&b.get(k));
    let custom: std::collections::BTreeSet<&String> =
        a.0.keys().chain(b.0.keys()).filter(|k| !PREDEFINED.contains(&k.as_str())).collect();
    by("GPU")
        .then_with(|| custom.iter().map(|k| by(k)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal))
        .then_with(|| by("object_store_memory"))
        .then_with(|| by("memory"))
        .then_with(|| by("CPU"))
}

/// Why a PG cannot be placed now, in the words a person needs: what it asks for and the most any node offers.
pub fn pending_reason(pg: &PlacementGroup, cluster: &Cluster) -> String {
    let mut counts: BTreeMap<Resources, u32> = BTreeMap::new();
    for b in pg.bundles.iter().filter(|b| b.node.is_none()) {
        *counts.entry(b.resources.clone()).or_insert(0) += 1;
    }
    let needs: Vec<String> = counts.iter().map(|(r, n)| format!("{n} × {}", r.describe())).collect();
    let largest = cluster
        .nodes
        .iter()
        .filter(|n| n.schedulable())
        .max_by_key(|n| (n.available.magnitude(), std::cmp::Reverse(n.joined_seq)))
        .map(|n| format!("{} on {}", n.available.describe(), n.id))
        .unwrap_or_else(|| "no live node".to_string());
    let strict = match pg.strategy {
        PlacementStrategy::StrictPack => " on one node",
        PlacementStrategy::StrictSpread => " on distinct nodes",
        _ => "",
    };
    format!("needs {}{strict}; largest free: {largest}", needs.join(" + "))
}

/// Which of `len` (≥ 1) equally good nodes a bundle placement takes: the seeded RNG decides, and draws nothing when
/// there is only one (so a forced choice never shifts later draws). Shared by the scan and the index.
pub(crate) fn tie_break(rng: &mut ChaCha8Rng, len: usize) -> usize {
    if len == 1 { 0 } else { rng.random_range(0..len) }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::cluster::Node;
    use rand::SeedableRng;

    /// Workers `w1`, `w2`, … with these CPUs, all free (also used by `placement_index`'s tests).
    pub(crate) fn cluster(cpus: &[f64]) -> Cluster {
        Cluster::new(
            cpus.iter()
                .enumerate()
                .map(|(i, c)| Node {
                    id: format!("w{}", i + 1),
                    is_head: false,
                    resources: Resources::from_pairs([("CPU", *c)]),
                    available: Resources::from_pairs([("CPU", *c)]),
                    labels: BTreeMap::new(),
                    killed_at: None,
                    dead: false,
                    joined_seq: i as u32,
                    draining: None,
                })
                .collect(),
        )
    }

    fn pg(strategy: PlacementStrategy, cpus: &[f64]) -> PlacementGroup {
        PlacementGroup {
            id: "x".into(),
            name: "pg".into(),
            strategy,
            state: PlacementGroupState::Pending,
            bundles: cpus
                .iter()
                .map(|c| Bundle {
                    resources: Resources::from_pairs([("CPU", *c)]),
                    label_selector: BTreeMap::new(),
                    node: None,
                })
                .collect(),
            owner: PgOwner { app: "a".into(), deployment: "d".into(), gang_id: None },
            created_at: SimTime::ZERO,
            seq: 0,
        }
    }

    #[test]
    fn pack_packs_the_big_bundles_together_like_observed_ray() {
        // Observed: bundles [1, .5, 1, .5] on two 2-CPU nodes -> both 1s on one node, both .5s on the other.
        let c = cluster(&[2.0, 2.0]);
        let p = pg(PlacementStrategy::Pack, &[1.0, 0.5, 1.0, 0.5]);
        for seed in 0..20 {
            let a = choose_nodes(&p, &[0, 1, 2, 3], &c, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
            let node_of = |b: usize| a.iter().find(|(bi, _)| *bi == b).unwrap().1;
            assert_eq!(node_of(0), node_of(2));
            assert_eq!(node_of(1), node_of(3));
            assert_ne!(node_of(0), node_of(1));
        }
    }

    #[test]
    fn strict_strategies_stay_pending_when_they_cannot_hold() {
        let c = cluster(&[1.0, 1.0]);
        assert!(
            choose_nodes(
                &pg(PlacementStrategy::StrictPack, &[1.0, 1.0]),
                &[0, 1],
                &c,
                &mut ChaCha8Rng::seed_from_u64(1)
            )
            .is_none()
        );
        assert!(
            choose_nodes(
                &pg(PlacementStrategy::StrictSpread, &[0.5, 0.5, 0.5]),
                &[0, 1, 2],
                &c,
                &mut ChaCha8Rng::seed_from_u64(1)
            )
            .is_none()
        );
        let a = choose_nodes(
            &pg(PlacementStrategy::StrictSpread, &[0.5, 0.5]),
            &[0, 1],
            &c,
            &mut ChaCha8Rng::seed_from_u64(1),
        )
        .unwrap();
        assert_ne!(a[0].1, a[1].1);
    }

    #[test]
    fn spread_uses_distinct_nodes_then_reuses() {
        let c = cluster(&[2.0, 2.0, 2.0]);
        let a = choose_nodes(
            &pg(PlacementStrategy::Spread, &[1.0; 4]),
            &[0, 1, 2, 3],
            &c,
            &mut ChaCha8Rng::seed_from_u64(3),
        )
        .unwrap();
        let mut per_node = [0; 3];
        for (_, n) in &a {
            per_node[*n] += 1;
        }
        per_node.sort();
        assert_eq!(per_node, [1, 1, 2]);
    }

    fn place(p: &PlacementGroup, c: &Cluster, seed: u64) -> Option<Vec<usize>> {
        let todo: Vec<usize> = (0..p.bundles.len()).collect();
        choose_nodes(p, &todo, c, &mut ChaCha8Rng::seed_from_u64(seed)).map(|a| a.into_iter().map(|(_, n)| n).collect())
    }

    #[test]
    fn pack_gives_the_largest_bundle_the_best_scored_node_and_packs_the_rest_onto_it() {
        // Free 3, 4, 8: the 2-CPU bundle scores (8-2)/8 best on the third node; the 1s follow it there.
        let mut c = cluster(&[8.0, 8.0, 8.0]);
        c.nodes[0].available = Resources::from_pairs([("CPU", 3.0)]);
        c.nodes[1].available = Resources::from_pairs([("CPU", 4.0)]);
        let p = pg(PlacementStrategy::Pack, &[1.0, 2.0, 1.0]);
        assert_eq!(place(&p, &c, 0), Some(vec![2, 2, 2]));
        // Too big for one node: after the best node is full, the rest goes to the best of the others.
        let p = pg(PlacementStrategy::Pack, &[4.0, 4.0, 4.0]);
        assert_eq!(place(&p, &c, 0), Some(vec![2, 2, 1]));
    }

    #[test]
    fn least_resource_scorer_prefers_more_free_after_placement() {
        let r = |c: f64| Resources::from_pairs([("CPU", c)]);
        let none = BTreeMap::new();
        assert_eq!(score(&r(4.0), &none, &r(1.0), &none), 0.75);
        assert_eq!(score(&r(1.0), &none, &r(2.0), &none), -1.0);
        assert!(score(&r(8.0), &none, &r(1.0), &none) > score(&r(2.0), &none, &r(1.0), &none));
        // A resource with nothing available adds 0 (a zero request of it fits).
        let mut need = r(1.0);
        need.0.insert("GPU".into(), 0);
        assert_eq!(score(&r(2.0), &none, &need, &none), 0.5);
        // The label selector: a node without the label cannot hold the bundle.
        let sel = BTreeMap::from([("zone".to_string(), "a".to_string())]);
        assert_eq!(score(&r(4.0), &none, &r(1.0), &sel), -1.0);
    }

    #[test]
    fn spread_takes_the_best_unused_node_then_the_best_used_one() {
        let mut c = cluster(&[4.0, 4.0, 4.0]);
        c.nodes[1].available = Resources::from_pairs([("CPU", 2.0)]);
        // Two bundles: the two emptier nodes (0 and 2, tied: the seed orders them); never node 1.
        for seed in 0..10 {
            let a = place(&pg(PlacementStrategy::Spread, &[1.0, 1.0]), &c, seed).unwrap();
            assert!(a.contains(&0) && a.contains(&2), "{a:?}");
        }
        // Four bundles on three nodes: the fourth goes to the used node with the most left (a 4-CPU one).
        let a = place(&pg(PlacementStrategy::Spread, &[1.0; 4]), &c, 1).unwrap();
        assert_eq!(a.iter().filter(|&&n| n == 1).count(), 1);
    }

    #[test]
    fn strict_pack_puts_the_sum_on_the_best_scored_node_or_stays_pending() {
        let mut c = cluster(&[4.0, 8.0]);
        c.nodes[1].available = Resources::from_pairs([("CPU", 3.0)]);
        // Sum 3: node 0 scores (4-3)/4, node 1 scores 0.
        assert_eq!(place(&pg(PlacementStrategy::StrictPack, &[1.0, 2.0]), &c, 0), Some(vec![0, 0]));
        assert_eq!(place(&pg(PlacementStrategy::StrictPack, &[3.0, 2.0]), &c, 0), None);
    }

    #[test]
    fn strict_spread_excludes_nodes_already_holding_the_pg() {
        let c = cluster(&[4.0, 4.0, 4.0]);
        let mut p = pg(PlacementStrategy::StrictSpread, &[1.0, 1.0]);
        p.bundles[0].node = Some("w1".into());
        for seed in 0..10 {
            let a = choose_nodes(&p, &[1], &c, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
            assert_ne!(a[0].1, 0);
        }
        // More bundles than candidates: fails at once.
        let mut p = pg(PlacementStrategy::StrictSpread, &[1.0, 1.0, 1.0]);
        p.bundles[0].node = Some("w1".into());
        p.bundles[1].node = Some("w2".into());
        assert!(choose_nodes(&p, &[2], &cluster(&[4.0, 4.0]), &mut ChaCha8Rng::seed_from_u64(0)).is_none());
    }

    #[test]
    fn bundles_are_scheduled_gpu_first_then_custom_then_memory_then_cpu() {
        let b = |pairs: &[(&str, f64)]| Bundle {
            resources: Resources::from_pairs(pairs.iter().copied()),
            label_selector: BTreeMap::new(),
            node: None,
        };
        let mut p = pg(PlacementStrategy::Pack, &[]);
        p.bundles = vec![
            b(&[("CPU", 8.0)]),
            b(&[("CPU", 1.0), ("memory", 2.0)]),
            b(&[("CPU", 1.0), ("TPU", 1.0)]),
            b(&[("CPU", 1.0), ("GPU", 1.0)]),
            b(&[("CPU", 1.0), ("object_store_memory", 1.0)]),
            b(&[("CPU", 2.0)]),
            b(&[("CPU", 2.0)]),
        ];
        // Stable: the two equal {CPU: 2} keep their order.
        assert_eq!(sorted_bundles(&p, &[0, 1, 2, 3, 4, 5, 6]), vec![3, 2, 4, 1, 0, 5, 6]);
    }

    #[test]
    fn ties_are_the_only_random_choice() {
        // Equal nodes: the seed decides, and different seeds reach different nodes.
        let c = cluster(&[4.0, 4.0, 4.0, 4.0]);
        let p = pg(PlacementStrategy::StrictPack, &[1.0]);
        let seen: std::collections::BTreeSet<Vec<usize>> = (0..40).filter_map(|s| place(&p, &c, s)).collect();
        assert!(seen.len() > 1);
        // One best node: no draw at all, whatever the seed.
        let mut c = cluster(&[4.0, 4.0, 4.0]);
        c.nodes[1].available = Resources::from_pairs([("CPU", 3.0)]);
        c.nodes[2].available = Resources::from_pairs([("CPU", 2.0)]);
        for seed in 0..10 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let before = rng.clone().random::<u64>();
            assert_eq!(choose_nodes(&p, &[0], &c, &mut rng), Some(vec![(0, 0)]));
            assert_eq!(rng.random::<u64>(), before);
        }
    }

    #[test]
    fn pending_reason_names_need_and_largest_free() {
        let mut c = cluster(&[2.0]);
        c.nodes[0].available = Resources::new();
        let p = pg(PlacementStrategy::Pack, &[1.0, 1.0]);
        assert_eq!(pending_reason(&p, &c), "needs 2 × {CPU: 1}; largest free: {} on w1");
    }
}
