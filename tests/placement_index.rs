//! The placement indexes (`model::placement_index`) choose exactly what the scans choose.
//!
//! On random clusters (node sizes and labels varied, some nodes dead or killed, partly filled) a random sequence of
//! placement groups (PACK, SPREAD, STRICT_SPREAD, STRICT_PACK; 1–8 bundles, label selectors, some bundles already
//! placed as in a rescheduling PG) is placed twice: by `choose_nodes` (the scan) and by `choose_nodes_indexed` with
//! one index kept up to date across the sequence, as `Gcs::schedule` does. Then a random sequence of Serve's SPREAD
//! actors is placed by `spread_actor_scan` and by `ActorIndex::choose`, both going round Ray's SpreadSchedulingPolicy
//! order from the same random start index (the next index is compared too). Every assignment must be identical, and
//! the random generators must end in the same state (the next draw is compared after every placement).
use gangplank::model::cluster::{Cluster, Node};
use gangplank::model::placement::{
    Bundle, PgOwner, PlacementGroup, PlacementGroupState, PlacementStrategy, choose_nodes,
};
use gangplank::model::placement_index::{
    ActorIndex, BundleIndex, SpreadRound, choose_nodes_indexed, spread_actor_scan,
};
use gangplank::model::resources::Resources;
use gangplank::model::time::SimTime;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct NodeGen {
    cpu: u8,
    gpu: u8,
    zone: Option<u8>,
    state: u8,
    used_cpu: u8,
    used_gpu: u8,
}

#[derive(Clone, Debug)]
struct PgGen {
    strategy: u8,
    bundles: Vec<(u8, u8, Option<u8>, Option<usize>)>,
    seed: u64,
}

fn node_gen() -> impl Strategy<Value = NodeGen> {
    (prop::sample::select(vec![2u8, 4, 8, 8, 16]), 0u8..3, prop::option::of(0u8..3), 0u8..10, 0u8..17, 0u8..3)
        .prop_map(|(cpu, gpu, zone, state, used_cpu, used_gpu)| NodeGen { cpu, gpu, zone, state, used_cpu, used_gpu })
}

fn pg_gen() -> impl Strategy<Value = PgGen> {
    (
        0u8..4,
        prop::collection::vec((1u8..5, 0u8..3, prop::option::of(0u8..4), prop::option::of(0usize..64)), 1..=8),
        any::<u64>(),
    )
        .prop_map(|(strategy, bundles, seed)| PgGen { strategy, bundles, seed })
}

/// Half-units so that fractions tie and differ.
fn res(cpu_halves: u8, gpu: u8) -> Resources {
    let mut r = Resources::from_pairs([("CPU", cpu_halves as f64 / 2.0)]);
    if gpu > 0 {
        r.set("GPU", gpu as f64);
    }
    r
}

fn cluster(nodes: &[NodeGen]) -> Cluster {
    Cluster::new(
        nodes
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let total = res(g.cpu * 2, g.gpu);
                let mut available = total.clone();
                available.sub(&res(g.used_cpu.min(g.cpu * 2), g.used_gpu.min(g.gpu)));
                let labels =
                    g.zone.map(|z| BTreeMap::from([("zone".to_string(), format!("z{z}"))])).unwrap_or_default();
                Node {
                    id: format!("n{i}"),
                    is_head: i == 0,
                    resources: total,
                    available,
                    labels,
                    killed_at: (g.state == 1).then_some(SimTime::ZERO),
                    dead: g.state == 2,
                    joined_seq: i as u32,
                    draining: None,
                }
            })
            .collect(),
    )
}

fn pg(g: &PgGen, n_nodes: usize) -> PlacementGroup {
    let strategy = [
        PlacementStrategy::Pack,
        PlacementStrategy::Spread,
        PlacementStrategy::StrictSpread,
        PlacementStrategy::StrictPack,
    ][g.strategy as usize];
    PlacementGroup {
        id: "x".into(),
        name: "pg".into(),
        strategy,
        state: PlacementGroupState::Pending,
        bundles: g
            .bundles
            .iter()
            .map(|&(cpu, gpu, zone, placed)| Bundle {
                resources: res(cpu, if gpu == 2 { 1 } else { 0 }),
                label_selector: zone
                    .filter(|z| *z < 3)
                    .map(|z| BTreeMap::from([("zone".to_string(), format!("z{z}"))]))
                    .unwrap_or_default(),
                // Some bundles already placed (a PG re-placing its lost bundles), on any node, live or not.
                node: placed.filter(|p| p % 4 == 0).map(|p| format!("n{}", p % n_nodes)),
            })
            .collect(),
        owner: PgOwner { app: "a".into(), deployment: "d".into(), gang_id: None },
        created_at: SimTime::ZERO,
        seq: 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_indexes_choose_what_the_scans_choose(
        nodes in prop::collection::vec(node_gen(), 1..40),
        pgs in prop::collection::vec(pg_gen(), 1..30),
        actors in prop::collection::vec((0u8..5, 0u8..3), 0..60),
        start in 0usize..50,
        actor_seed in any::<u64>(),
    ) {
        let mut c = cluster(&nodes);
        let mut index = BundleIndex::new(&c);
        for g in &pgs {
            let p = pg(g, c.nodes.len());
            let todo: Vec<usize> = (0..p.bundles.len()).filter(|&i| p.bundles[i].node.is_none()).collect();
            let mut scan_rng = ChaCha8Rng::seed_from_u64(g.seed);
            let mut index_rng = ChaCha8Rng::seed_from_u64(g.seed);
            let scan = choose_nodes(&p, &todo, &c, &mut scan_rng);
            let indexed = choose_nodes_indexed(&p, &todo, &c, &mut index, &mut index_rng);
            prop_assert_eq!(&scan, &indexed);
            prop_assert_eq!(scan_rng.next_u64(), index_rng.next_u64());
            for (bi, ni) in scan.unwrap_or_default() {
                c.nodes[ni].available.sub(&p.bundles[bi].resources);
                index.refresh(&c, ni);
            }
        }
        // SPREAD actors on what the PGs left.
        // (cpu 0 and no GPU: an actor asking for nothing, Ray's random policy.)
        let round = SpreadRound::new(&c, actor_seed);
        let mut actor_index = ActorIndex::new(&c, &round);
        let (mut scan_next, mut index_next) = (start, start);
        let mut scan_rng = ChaCha8Rng::seed_from_u64(actor_seed);
        let mut index_rng = ChaCha8Rng::seed_from_u64(actor_seed);
        for &(cpu, gpu) in &actors {
            let need = res(cpu, if gpu == 2 { 1 } else { 0 });
            let scan = spread_actor_scan(&c, &round, &mut scan_next, &need, &mut scan_rng);
            let indexed = actor_index.choose(&c, &round, &mut index_next, &need, &mut index_rng);
            prop_assert_eq!(scan, indexed);
            prop_assert_eq!(scan_next, index_next);
            let (mut a, mut b) = (scan_rng.clone(), index_rng.clone());
            prop_assert_eq!(a.next_u64(), b.next_u64());
            if let Some(i) = scan {
                c.nodes[i].available.sub(&need);
                actor_index.refresh(&c, &round, i);
            }
        }
    }
}

/// The tie set spans several groups (same room, different totals or labels) and the draw picks inside it by node
/// order: many identical-room nodes of two kinds, interleaved.
#[test]
fn ties_across_groups_follow_node_order() {
    let nodes: Vec<NodeGen> = (0..30)
        .map(|i| NodeGen {
            cpu: if i % 2 == 0 { 4 } else { 8 },
            gpu: 0,
            zone: if i % 3 == 0 { Some(1) } else { None },
            state: 0,
            used_cpu: 0,
            used_gpu: 0,
        })
        .collect();
    let mut c = cluster(&nodes);
    let mut index = BundleIndex::new(&c);
    for seed in 0..50u64 {
        let g = PgGen { strategy: (seed % 4) as u8, bundles: vec![(1, 0, None, None); 1 + seed as usize % 8], seed };
        let p = pg(&g, c.nodes.len());
        let todo: Vec<usize> = (0..p.bundles.len()).collect();
        let (mut r1, mut r2) = (ChaCha8Rng::seed_from_u64(seed), ChaCha8Rng::seed_from_u64(seed));
        let scan = choose_nodes(&p, &todo, &c, &mut r1);
        assert_eq!(scan, choose_nodes_indexed(&p, &todo, &c, &mut index, &mut r2));
        assert_eq!(r1.next_u64(), r2.next_u64());
        for (bi, ni) in scan.unwrap_or_default() {
            c.nodes[ni].available.sub(&p.bundles[bi].resources);
            index.refresh(&c, ni);
        }
    }
}
