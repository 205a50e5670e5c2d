//! Placement groups as Ray's GCS does them: bundles, the four strategies, atomic creation, the pending queue,
//! rescheduling of lost bundles after a node death, and removal.
use crate::model::cluster::{Cluster, Node};
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
type Assignment = Vec<(usize, usize)>;

/// Choose nodes for the bundles at `todo` (indices into `pg.bundles`), atomically: all of them or none.
/// Ties between equally good nodes are broken by the seeded RNG, so a seed fixes every choice.
pub fn choose_nodes(
    pg: &PlacementGroup,
    todo: &[usize],
    cluster: &Cluster,
    rng: &mut ChaCha8Rng,
) -> Option<Assignment> {
    // A shuffled node order: the tie-break among otherwise equal candidates.
    let mut order: Vec<usize> = (0..cluster.nodes.len()).filter(|&i| cluster.nodes[i].schedulable()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    if order.is_empty() {
        return None;
    }
    let mut free: Vec<Resources> = cluster.nodes.iter().map(|n| n.available.clone()).collect();
    // Bundles of this PG already placed (rescheduling keeps them where they are).
    let mut used_by_pg: Vec<u32> = vec![0; cluster.nodes.len()];
    for b in &pg.bundles {
        if let Some(node) = &b.node
            && let Some(i) = cluster.index_of(node)
        {
            used_by_pg[i] += 1;
        }
    }
    let fits = |n: &Node, free: &Resources, b: &Bundle| n.matches(&b.label_selector) && free.covers(&b.resources);
    let mut out = Vec::new();
    match pg.strategy {
        PlacementStrategy::Pack | PlacementStrategy::StrictPack => {
            // First choice: one node that holds everything still to place (with the PG's other bundles if any).
            let mut whole: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&i| {
                    let mut f = free[i].clone();
                    todo.iter().all(|&bi| {
                        let ok = fits(&cluster.nodes[i], &f, &pg.bundles[bi]);
                        f.sub(&pg.bundles[bi].resources);
                        ok
                    })
                })
                .collect();
            if pg.strategy == PlacementStrategy::StrictPack && used_by_pg.iter().any(|&c| c > 0) {
                whole.retain(|&i| used_by_pg[i] > 0);
            }
            // Prefer a node that already holds part of this PG.
            whole.sort_by_key(|&i| std::cmp::Reverse(used_by_pg[i]));
            if let Some(&i) = whole.first() {
                return Some(todo.iter().map(|&bi| (bi, i)).collect());
            }
            if pg.strategy == PlacementStrategy::StrictPack {
                return None;
            }
            // Spill over: biggest bundles first, onto the nodes with the most room (first-fit decreasing).
            let mut bundles: Vec<usize> = todo.to_vec();
            bundles.sort_by_key(|&bi| std::cmp::Reverse(pg.bundles[bi].resources.magnitude()));
            let mut nodes = order.clone();
            nodes.sort_by_key(|&i| (std::cmp::Reverse(used_by_pg[i]), std::cmp::Reverse(free[i].magnitude())));
            for bi in bundles {
                let b = &pg.bundles[bi];
                let i = *nodes.iter().find(|&&i| fits(&cluster.nodes[i], &free[i], b))?;
                free[i].sub(&b.resources);
                out.push((bi, i));
            }
        }
        PlacementStrategy::Spread | PlacementStrategy::StrictSpread => {
            let mut bundles: Vec<usize> = todo.to_vec();
            if pg.strategy == PlacementStrategy::StrictSpread {
                bundles.sort_by_key(|&bi| std::cmp::Reverse(pg.bundles[bi].resources.magnitude()));
            }
            for bi in bundles {
                let b = &pg.bundles[bi];
                let candidates = order.iter().copied().filter(|&i| fits(&cluster.nodes[i], &free[i], b));
                let pick = if pg.strategy == PlacementStrategy::StrictSpread {
                    candidates.clone().find(|&i| used_by_pg[i] == 0)?
                } else {
                    candidates.min_by_key(|&i| used_by_pg[i])?
                };
                free[pick].sub(&b.resources);
                used_by_pg[pick] += 1;
                out.push((bi, pick));
            }
        }
    }
    Some(out)
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

#[cfg(test)]
mod tests {
    use super::*;
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
