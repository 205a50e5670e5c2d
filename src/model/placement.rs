//! Placement groups as Ray's GCS does them: bundles, the four strategies, atomic creation, the pending queue,
//! rescheduling of lost bundles after a node death, and removal.
use crate::model::cluster::Cluster;
use crate::model::resources::Resources;
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

/// Choose nodes for the bundles at `todo` (indices into `pg.bundles`), atomically: all of them or none.
/// Ties between equally good nodes are broken by `rng`; the GCS seeds it per placement group (see
/// `Gcs::schedule`), so a seed fixes every choice and retrying a pending PG never shifts anyone else's.
pub fn choose_nodes(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    let live: Vec<usize> = (0..cluster.nodes.len()).filter(|&i| cluster.nodes[i].schedulable()).collect();
    if live.is_empty() || todo.is_empty() {
        return if todo.is_empty() { Some(Vec::new()) } else { None };
    }
    // Free resources as this placement uses them up: only touched nodes are copied.
    let mut taken: BTreeMap<usize, Resources> = BTreeMap::new();
    let free = |taken: &BTreeMap<usize, Resources>, i: usize| -> std::borrow::Cow<'_, Resources> {
        match taken.get(&i) {
            None => std::borrow::Cow::Borrowed(&cluster.nodes[i].available),
            Some(t) => {
                let mut f = cluster.nodes[i].available.clone();
                f.sub(t);
                std::borrow::Cow::Owned(f)
            }
        }
    };
    // Bundles of this PG already placed (rescheduling keeps them where they are).
    let mut used_by_pg: BTreeMap<usize, u32> = BTreeMap::new();
    for b in &pg.bundles {
        if let Some(i) = b.node.as_ref().and_then(|n| cluster.index_of(n)) {
            *used_by_pg.entry(i).or_insert(0) += 1;
        }
    }
    let used = |m: &BTreeMap<usize, u32>, i: usize| m.get(&i).copied().unwrap_or(0);
    let pick = |rng: &mut ChaCha8Rng, tied: &[usize]| tied[tie_break(rng, tied.len())];
    let mut out = Vec::new();
    match pg.strategy {
        PlacementStrategy::Pack | PlacementStrategy::StrictPack => {
            // First choice: one node that holds everything still to place.
            let mut total = Resources::new();
            for &bi in todo {
                total.add(&pg.bundles[bi].resources);
            }
            let mut whole: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&i| {
                    let n = &cluster.nodes[i];
                    n.available.covers(&total) && todo.iter().all(|&bi| n.matches(&pg.bundles[bi].label_selector))
                })
                .collect();
            if pg.strategy == PlacementStrategy::StrictPack && !used_by_pg.is_empty() {
                whole.retain(|&i| used(&used_by_pg, i) > 0);
            }
            // Prefer a node that already holds part of this PG; otherwise any, chosen by the seeded RNG.
            let best = whole.iter().map(|&i| used(&used_by_pg, i)).max();
            whole.retain(|&i| Some(used(&used_by_pg, i)) == best);
            if !whole.is_empty() {
                let i = pick(rng, &whole);
                return Some(todo.iter().map(|&bi| (bi, i)).collect());
            }
            if pg.strategy == PlacementStrategy::StrictPack {
                return None;
            }
            // Spill over: biggest bundles first, onto the nodes with the most room (first-fit decreasing).
            let mut bundles: Vec<usize> = todo.to_vec();
            biggest_first(pg, &mut bundles);
            let mut nodes = live.clone();
            nodes.sort_by_key(|&i| {
                (std::cmp::Reverse(used(&used_by_pg, i)), std::cmp::Reverse(cluster.nodes[i].available.magnitude()))
            });
            for bi in bundles {
                let b = &pg.bundles[bi];
                let i = *nodes
                    .iter()
                    .find(|&&i| cluster.nodes[i].matches(&b.label_selector) && free(&taken, i).covers(&b.resources))?;
                taken.entry(i).or_default().add(&b.resources);
                out.push((bi, i));
            }
        }
        PlacementStrategy::Spread | PlacementStrategy::StrictSpread => {
            let mut bundles: Vec<usize> = todo.to_vec();
            if pg.strategy == PlacementStrategy::StrictSpread {
                biggest_first(pg, &mut bundles);
            }
            for bi in bundles {
                let b = &pg.bundles[bi];
                // Of the nodes it fits on: the one with the fewest bundles of this PG so far, then the least
                // utilised one (as Ray's scorer does: a second SPREAD gang takes the empty node first), then the
                // seeded RNG. One pass: `tied` holds the best nodes so far, in node order.
                let room = |i: usize| free_fraction(&cluster.nodes[i].resources, &free(&taken, i), &b.resources);
                let mut best: Option<(u32, i64)> = None;
                let mut tied: Vec<usize> = Vec::new();
                for &i in &live {
                    let u = used(&used_by_pg, i);
                    if (pg.strategy == PlacementStrategy::StrictSpread && u != 0)
                        || best.is_some_and(|(least, _)| u > least)
                        || !cluster.nodes[i].matches(&b.label_selector)
                        || !free(&taken, i).covers(&b.resources)
                    {
                        continue;
                    }
                    keep_best(&mut best, &mut tied, i, u, room(i));
                }
                if tied.is_empty() {
                    return None;
                }
                let i = pick(rng, &tied);
                taken.entry(i).or_default().add(&b.resources);
                *used_by_pg.entry(i).or_insert(0) += 1;
                out.push((bi, i));
            }
        }
    }
    Some(out)
}

/// How free a node is for a request, in basis points of its total, on the scarcest resource the request uses.
pub(crate) fn free_fraction(total: &Resources, free: &Resources, need: &Resources) -> i64 {
    need.0
        .keys()
        .map(|k| {
            let t = total.get(k);
            if t <= 0 { 0 } else { free.get(k) * 10_000 / t }
        })
        .min()
        .unwrap_or(10_000)
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

/// SPREAD's ranking, one eligible node at a time (in node order): fewest bundles of this PG (`u`), then most room
/// (`r`); `tied` holds every node with the best key so far. The caller has already skipped nodes with `u` above
/// the best. Shared by the scan and the index (`placement_index.rs`) so that both rank alike.
pub(crate) fn keep_best(best: &mut Option<(u32, i64)>, tied: &mut Vec<usize>, i: usize, u: u32, r: i64) {
    match *best {
        Some((least, most)) if u == least && r < most => {}
        Some((least, most)) if u == least && r == most => tied.push(i),
        _ => {
            *best = Some((u, r));
            tied.clear();
            tied.push(i);
        }
    }
}

/// Bundle indices, biggest bundle first (stable: equal sizes keep bundle order). One function, so the sort is
/// compiled once for both callers.
pub(crate) fn biggest_first(pg: &PlacementGroup, bundles: &mut [usize]) {
    bundles.sort_by_key(|&bi| std::cmp::Reverse(pg.bundles[bi].resources.magnitude()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::Node;
    use rand::SeedableRng;

    fn cluster(cpus: &[f64]) -> Cluster {
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
    fn pack_spills_biggest_bundles_first_like_observed_ray() {
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

    #[test]
    fn pending_reason_names_need_and_largest_free() {
        let mut c = cluster(&[2.0]);
        c.nodes[0].available = Resources::new();
        let p = pg(PlacementStrategy::Pack, &[1.0, 1.0]);
        assert_eq!(pending_reason(&p, &c), "needs 2 × {CPU: 1}; largest free: {} on w1");
    }
}
