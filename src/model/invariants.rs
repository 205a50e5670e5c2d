//! The invariant checker: what must hold after every step, whatever happened. Violations go into the trace
//! (and the event log) and tests fail on them.
use crate::model::events::EventKind;
use crate::model::gcs::ActorPlacement;
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::replica::ReplicaState;
use crate::model::sim::Simulation;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One invariant that failed, with the tick and a sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub t_s: f64,
    pub tick: u64,
    pub invariant: String,
    pub message: String,
    /// The model is reproducing a real Ray 2.60 flaw here (documented in MODEL.md), not misbehaving: such
    /// invariants are named `ray_2_60_*`. Tests fail on every other violation.
    pub reproduces_ray_2_60: bool,
}

impl Violation {
    pub fn is_model_bug(&self) -> bool {
        !self.reproduces_ray_2_60
    }
}

/// Check every invariant; record each failure once per (invariant, message).
pub fn check(sim: &mut Simulation) {
    let found = find(sim);
    for (invariant, message) in found {
        if sim.violations.iter().any(|v| v.invariant == invariant && v.message == message) {
            continue;
        }
        sim.violations.push(Violation {
            t_s: sim.now.as_secs_f64(),
            tick: sim.log.tick,
            invariant: invariant.to_string(),
            message: message.clone(),
            reproduces_ray_2_60: invariant.starts_with("ray_2_60_"),
        });
        sim.log.push(
            EventKind::Violation { invariant: invariant.to_string() },
            format!("INVARIANT VIOLATED ({invariant}): {message}"),
        );
    }
}

/// Every invariant that does not hold right now, as (name, sentence).
pub fn find(sim: &Simulation) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let gcs = &sim.gcs;
    let nodes = &gcs.cluster.nodes;

    // No node over-committed; the resource ledger matches what is placed.
    let mut reserved = vec![Resources::new(); nodes.len()];
    for pg in gcs.pgs.values() {
        for b in &pg.bundles {
            if let Some(i) = b.node.as_ref().and_then(|n| gcs.cluster.index_of(n)) {
                reserved[i].add(&b.resources);
            }
        }
    }
    let mut direct = vec![Resources::new(); nodes.len()];
    for a in gcs.actors.values() {
        if let (true, Some(i), ActorPlacement::Spread) = (a.alive, a.node, &a.placement) {
            direct[i].add(&a.resources);
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if !n.schedulable() {
            continue;
        }
        let mut left = n.resources.clone();
        left.sub(&reserved[i]);
        left.sub(&direct[i]);
        if left.any_negative() {
            out.push((
                "no_overcommit",
                format!(
                    "node {} is over-committed: {} reserved and {} used of {}",
                    n.id,
                    reserved[i].describe(),
                    direct[i].describe(),
                    n.resources.describe()
                ),
            ));
        } else if left != n.available {
            out.push((
                "resource_ledger",
                format!("node {} reports {} available but {} is free", n.id, n.available.describe(), left.describe()),
            ));
        }
    }

    // Placement groups: CREATED means every bundle placed, PENDING none; strict strategies hold.
    for pg in gcs.pgs.values() {
        let placed: Vec<&String> = pg.bundles.iter().filter_map(|b| b.node.as_ref()).collect();
        match pg.state {
            PlacementGroupState::Created if placed.len() != pg.bundles.len() => out.push((
                "pg_state",
                format!("{} is CREATED with {} of {} bundles placed", pg.name, placed.len(), pg.bundles.len()),
            )),
            PlacementGroupState::Pending if !placed.is_empty() => {
                out.push(("pg_state", format!("{} is PENDING with {} bundles placed", pg.name, placed.len())))
            }
            _ => {}
        }
        match pg.strategy {
            PlacementStrategy::StrictPack => {
                let distinct: BTreeSet<&String> = placed.iter().copied().collect();
                if distinct.len() > 1 {
                    out.push(("strict_strategy", format!("STRICT_PACK {} spans nodes {:?}", pg.name, distinct)));
                }
            }
            PlacementStrategy::StrictSpread => {
                let distinct: BTreeSet<&String> = placed.iter().copied().collect();
                if distinct.len() != placed.len() {
                    out.push(("strict_strategy", format!("STRICT_SPREAD {} puts two bundles on one node", pg.name)));
                }
            }
            _ => {}
        }
        for b in &pg.bundles {
            if let Some(n) = b.node.as_ref().and_then(|n| gcs.cluster.node(n))
                && n.dead
            {
                out.push(("nothing_on_dead_node", format!("{} has a bundle on dead node {}", pg.name, n.id)));
            }
        }
    }

    // A replica runs only in its own PG's bundle; bundles are not overfilled; nothing lives on a dead node.
    let mut occupied: BTreeSet<(&str, usize)> = BTreeSet::new();
    for a in gcs.actors.values() {
        if !a.alive {
            continue;
        }
        if let Some(i) = a.node
            && nodes[i].dead
        {
            out.push((
                "nothing_on_dead_node",
                format!("replica {} is alive on dead node {}", a.replica_id, nodes[i].id),
            ));
        }
        if let (ActorPlacement::Bundle { pg_name, bundle_index }, Some(i)) = (&a.placement, a.node) {
            match gcs.pg(pg_name).and_then(|p| p.bundles.get(*bundle_index)) {
                None => out.push((
                    "replica_in_own_bundle",
                    format!("replica {} runs in {pg_name} bundle {bundle_index}, which does not exist", a.replica_id),
                )),
                Some(b) if b.node.as_deref() != Some(nodes[i].id.as_str()) => out.push((
                    "replica_in_own_bundle",
                    format!(
                        "replica {} runs on {} but its bundle {bundle_index} of {pg_name} is on {:?}",
                        a.replica_id, nodes[i].id, b.node
                    ),
                )),
                Some(b) => {
                    // One replica actor per bundle, and it must fit the bundle's reservation.
                    if !occupied.insert((pg_name.as_str(), *bundle_index)) {
                        out.push(("no_overcommit", format!("two replicas run in bundle {bundle_index} of {pg_name}")));
                    }
                    if !b.resources.covers(&a.resources) {
                        out.push((
                            "no_overcommit",
                            format!(
                                "replica {} needs {} but bundle {bundle_index} of {pg_name} reserves only {}",
                                a.replica_id,
                                a.resources.describe(),
                                b.resources.describe()
                            ),
                        ));
                    }
                }
            }
        }
    }

    let c = &sim.controller;
    if c.alive {
        for d in &c.deployments {
            // Gang members agree on their gang, and ranks are their positions in the member list (one pass).
            let mut gangs: BTreeMap<&str, (&crate::model::serve::replica::GangContext, BTreeSet<u32>)> =
                BTreeMap::new();
            for r in &d.replicas {
                let Some(g) = &r.gang_context else { continue };
                let (first, ranks) = gangs.entry(g.gang_id.as_str()).or_insert_with(|| (g, BTreeSet::new()));
                let gid = &g.gang_id;
                if g.world_size != first.world_size
                    || g.pg_name != first.pg_name
                    || g.member_replica_ids != first.member_replica_ids
                {
                    out.push((
                        "gang_context_agreement",
                        format!("members of gang {gid} disagree on world_size, member list or pg_name"),
                    ));
                }
                if g.member_replica_ids.len() as u32 != g.world_size || g.rank >= g.world_size {
                    out.push(("gang_ranks", format!("gang {gid}: rank {} outside 0..{}", g.rank, g.world_size)));
                }
                if !ranks.insert(g.rank) {
                    out.push(("gang_ranks", format!("gang {gid}: rank {} held twice", g.rank)));
                }
                if g.member_replica_ids.get(g.rank as usize) != Some(&r.id) {
                    out.push((
                        "gang_ranks",
                        format!(
                            "replica {} of gang {gid} has rank {} but is not at that position in the member list",
                            r.id, g.rank
                        ),
                    ));
                }
            }
            // Once a gang teardown is decided, none of its members is still RUNNING at the end of that tick. The
            // teardown stops every RUNNING member; one that reaches RUNNING later in the same tick (from STARTING)
            // is Ray 2.60's delayed orphan (errata §6): the incomplete-gang rule stops it two ticks later.
            for r in &d.replicas {
                if r.state == ReplicaState::Running
                    && let Some(g) = &r.gang_context
                    && d.torn_down_gangs.contains(&g.gang_id)
                {
                    if r.since == sim.now {
                        out.push((
                            "ray_2_60_member_started_after_teardown",
                            format!(
                                "replica {} reached RUNNING in the tick its gang {} was torn down: Ray 2.60's RESTART_GANG stops only RUNNING members, so a STARTING one keeps going; the incomplete-gang rule stops it once its sibling has left (errata §6)",
                                r.id, g.gang_id
                            ),
                        ));
                    } else {
                        out.push((
                            "no_partial_gang_after_teardown",
                            format!("replica {} is still RUNNING after its gang {} was torn down", r.id, g.gang_id),
                        ));
                    }
                }
            }
        }
        // After a recovery completes (and after a deletion), no gang PG is leaked: each live gang PG is either
        // tracked by its deployment or used by a live replica actor.
        if !c.recovering && c.last_tick.is_some() {
            let used: BTreeSet<&str> =
                gcs.actors.values().filter(|a| a.alive || a.unreachable).filter_map(|a| a.pg_name()).collect();
            let tracked_pgs: BTreeSet<&str> =
                c.deployments.iter().flat_map(|d| d.reservations.values().map(|r| r.pg_name.as_str())).collect();
            // A per-replica PG belongs to a replica the controller tracks (or an actor still alive).
            for pg in gcs.pgs.values().filter(|p| !p.is_gang()) {
                let owner = pg.name.rsplit('#').next().unwrap_or("");
                let tracked = c
                    .deployments
                    .iter()
                    .any(|d| d.config.app == pg.owner.app && d.config.name == pg.owner.deployment && d.tracks(owner));
                if !tracked && !used.contains(pg.name.as_str()) {
                    out.push((
                        "no_leaked_replica_pg",
                        format!("per-replica placement group {} is live but its replica is gone", pg.name),
                    ));
                }
            }
            for pg in gcs.pgs.values().filter(|p| p.is_gang()) {
                let tracked = tracked_pgs.contains(pg.name.as_str());
                if tracked || used.contains(pg.name.as_str()) || c.leak_exempt.contains(&pg.name) {
                    continue;
                }
                // Periodic leak detection cannot run while cluster-state queries fail.
                if sim.scenario.toggles.leak_detection == "periodic" && sim.now < sim.gcs_queries_fail_until {
                    continue;
                }
                if c.recovered_pgs.contains(&pg.name) {
                    out.push((
                        "ray_2_60_unregistered_gang_pg_leak",
                        format!(
                            "gang placement group {} leaked: none of its recovered members reached RUNNING after the controller restart, and Ray 2.60 registers a recovered gang's PG only then (errata §8); it stays until the next controller start (toggle leak_detection: periodic cleans it)",
                            pg.name
                        ),
                    ));
                } else {
                    out.push((
                        "no_leaked_gang_pg",
                        format!(
                            "gang placement group {} is live but no deployment tracks it and no live replica uses it",
                            pg.name
                        ),
                    ));
                }
            }
        }
    }
    out
}
