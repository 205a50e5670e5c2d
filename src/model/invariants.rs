//! The invariant checker: what must hold after every step, whatever happened. It inspects a [`World`] and returns
//! [`Finding`]s; the `Simulation` records them as [`Violation`]s, which go into the trace (and the event log) and
//! tests fail on them.
use crate::model::cluster::Node;
use crate::model::gcs::{ActorPlacement, Gcs, ReplicaActor};
use crate::model::placement::{PlacementGroup, PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::{GangContext, ReplicaState};
use crate::model::time::SimTime;
use crate::model::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The invariants the checker knows. Their names (`as_str`) are what traces, the event log and the UI show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invariant {
    NoOvercommit,
    ResourceLedger,
    PgState,
    StrictStrategy,
    NothingOnDeadNode,
    ReplicaInOwnBundle,
    GangContextAgreement,
    GangRanks,
    NoPartialGangAfterTeardown,
    NoLeakedReplicaPg,
    NoLeakedGangPg,
    /// The members of a gang run one version (they may differ only in options updated in place, which Ray
    /// reconfigures replica by replica).
    GangSingleVersion,
    /// Every request offered is served, failed, queued or in flight (the traffic flow loses and invents none).
    RequestsConserved,
    /// An autoscaled deployment's target stays within `min_replicas`..`max_replicas`.
    AutoscalingBounds,
    /// Ray 2.60's delayed orphan (errata §6).
    Ray260MemberStartedAfterTeardown,
    /// Ray 2.60's leaked PG of a recovered gang (errata §8).
    Ray260UnregisteredGangPgLeak,
}

impl Invariant {
    pub const ALL: [Invariant; 16] = [
        Invariant::NoOvercommit,
        Invariant::ResourceLedger,
        Invariant::PgState,
        Invariant::StrictStrategy,
        Invariant::NothingOnDeadNode,
        Invariant::ReplicaInOwnBundle,
        Invariant::GangContextAgreement,
        Invariant::GangRanks,
        Invariant::NoPartialGangAfterTeardown,
        Invariant::NoLeakedReplicaPg,
        Invariant::NoLeakedGangPg,
        Invariant::GangSingleVersion,
        Invariant::RequestsConserved,
        Invariant::AutoscalingBounds,
        Invariant::Ray260MemberStartedAfterTeardown,
        Invariant::Ray260UnregisteredGangPgLeak,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Invariant::NoOvercommit => "no_overcommit",
            Invariant::ResourceLedger => "resource_ledger",
            Invariant::PgState => "pg_state",
            Invariant::StrictStrategy => "strict_strategy",
            Invariant::NothingOnDeadNode => "nothing_on_dead_node",
            Invariant::ReplicaInOwnBundle => "replica_in_own_bundle",
            Invariant::GangContextAgreement => "gang_context_agreement",
            Invariant::GangRanks => "gang_ranks",
            Invariant::NoPartialGangAfterTeardown => "no_partial_gang_after_teardown",
            Invariant::NoLeakedReplicaPg => "no_leaked_replica_pg",
            Invariant::NoLeakedGangPg => "no_leaked_gang_pg",
            Invariant::GangSingleVersion => "gang_single_version",
            Invariant::RequestsConserved => "requests_conserved",
            Invariant::AutoscalingBounds => "autoscaling_bounds",
            Invariant::Ray260MemberStartedAfterTeardown => "ray_2_60_member_started_after_teardown",
            Invariant::Ray260UnregisteredGangPgLeak => "ray_2_60_unregistered_gang_pg_leak",
        }
    }

    /// The model is reproducing a real Ray 2.60 flaw (documented in MODEL.md), not misbehaving. Such invariants
    /// are named `ray_2_60_*`.
    pub fn is_ray_2_60_flaw(self) -> bool {
        match self {
            Invariant::Ray260MemberStartedAfterTeardown | Invariant::Ray260UnregisteredGangPgLeak => true,
            Invariant::NoOvercommit
            | Invariant::ResourceLedger
            | Invariant::PgState
            | Invariant::StrictStrategy
            | Invariant::NothingOnDeadNode
            | Invariant::ReplicaInOwnBundle
            | Invariant::GangContextAgreement
            | Invariant::GangRanks
            | Invariant::NoPartialGangAfterTeardown
            | Invariant::NoLeakedReplicaPg
            | Invariant::NoLeakedGangPg
            | Invariant::GangSingleVersion
            | Invariant::RequestsConserved
            | Invariant::AutoscalingBounds => false,
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Invariant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One invariant that does not hold, with a sentence saying where.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub invariant: Invariant,
    pub message: String,
}

/// Which invariant checker a run uses (see [`check`] and [`find_full`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckerMode {
    /// No checker (benchmarks, to measure the model alone).
    Off,
    /// The incremental checker (the default).
    Incremental,
    /// The reference checker, a whole-world scan after every step that changed something.
    Reference,
}

/// One invariant that failed, with the tick and a sentence, as the run recorded it. `invariant` is an
/// [`Invariant`]'s name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub t_s: f64,
    pub tick: u64,
    pub invariant: String,
    pub message: String,
    /// The model is reproducing a real Ray 2.60 flaw here (documented in MODEL.md), not misbehaving
    /// ([`Invariant::is_ray_2_60_flaw`]). Tests fail on every other violation.
    pub reproduces_ray_2_60: bool,
}

impl Violation {
    pub fn is_model_bug(&self) -> bool {
        !self.reproduces_ray_2_60
    }
}

/// Where the incremental checker stands between two checks (kept in the `Simulation`).
#[derive(Clone, Debug, Default)]
pub struct CheckerState {
    /// The leak checks' gate (controller alive, not recovering, has ticked) at the last check.
    leak_gate: bool,
    /// Periodic leak detection was paused (cluster-state queries failing) at the last check.
    leak_paused: bool,
    /// With `Simulation::audit_checker`: the state at the last check, to audit the change tracking against.
    audit_prev: Option<Box<Audited>>,
}

/// What the audit compares between two checks.
#[derive(Clone, Debug)]
struct Audited {
    gcs: Gcs,
    deployments: Vec<DeploymentState>,
    leak_exempt: BTreeSet<String>,
    recovered_pgs: BTreeSet<String>,
}

/// Check every invariant; return what fails (the caller records each failure once per (invariant, message), then
/// clears the change marks: `Gcs::check_dirty` and each deployment's `check_dirty`).
///
/// With [`CheckerMode::Reference`], this is the reference checker [`find_full`]. Otherwise it is incremental: it
/// re-evaluates only what changed since the last check (nodes, placement groups and actors the GCS marked in
/// `Gcs::check_dirty`, deployments the control loop visited, the leak checks when their gate opens) and, if any of
/// that fails, runs the reference checker [`find_full`] and returns its findings exactly as the reference would.
/// What it skips cannot hold anything new: an entity whose checked state did not change fails the same way it did
/// at the last check, and that was recorded then (findings are recorded once per (invariant, message)).
/// `tests/checker_equivalence.rs` runs both side by side after every step.
///
/// `audit_marks` (tests, `Simulation::audit_checker`): audit the change marks against the state at the last check
/// (see `audit`); panics on a missed change. Only in builds with debug assertions.
pub fn check(world: &World, state: &mut CheckerState, mode: CheckerMode, audit_marks: bool) -> Vec<Finding> {
    let gate = leak_gate(world);
    let paused = leak_paused(world);
    let gcs = world.gcs;
    let full = mode == CheckerMode::Reference || gcs.check_dirty.all || gcs.pgs.len() != gcs.pg_by_name.len();
    // The audit is for tests, which build with debug assertions: release builds (the wasm bundle) leave it out.
    let audit_on = audit_marks && cfg!(debug_assertions);
    if audit_on
        && !full
        && let Some(prev) = &state.audit_prev
        && let Err(why) = audit(prev, world, state, gate)
    {
        panic!("the invariant checker's change tracking missed a change at {} s: {why}", world.now.as_secs_f64());
    }
    // The traffic checks are per deployment and cheap: they always run.
    let found = if full || changed_fails(world, state, gate, paused) || !traffic_checks(world).is_empty() {
        find_full(world)
    } else {
        Vec::new()
    };
    let audit_prev = audit_on.then(|| {
        // As the caller leaves it: with the change marks cleared.
        let mut gcs = gcs.clone();
        gcs.check_dirty = Default::default();
        let mut deployments = world.controller.deployments.clone();
        for d in &mut deployments {
            d.check_dirty = false;
        }
        Box::new(Audited {
            gcs,
            deployments,
            leak_exempt: world.controller.leak_exempt.clone(),
            recovered_pgs: world.controller.recovered_pgs.clone(),
        })
    });
    *state = CheckerState { leak_gate: gate, leak_paused: paused, audit_prev };
    found
}

/// The audit behind `Simulation::audit_checker` (tests): everything the checks read that changed since the last
/// check is marked as changed, and the checker's reverse indexes match the state. So the incremental checker looks
/// at everything that could fail anew, whether or not anything does fail in a given run.
fn audit(prev: &Audited, world: &World, state: &CheckerState, gate: bool) -> Result<(), String> {
    let gcs = world.gcs;
    let dirty = &gcs.check_dirty;
    // The reverse indexes, rebuilt from scratch.
    let mut pg_actors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut node_actors = vec![BTreeSet::new(); gcs.cluster.nodes.len()];
    for a in gcs.actors.values() {
        if let Some(p) = a.pg_name() {
            pg_actors.entry(p.to_string()).or_default().insert(a.replica_id.clone());
        }
        if let Some(n) = a.node {
            node_actors[n].insert(a.replica_id.clone());
        }
    }
    let mut node_bundles = vec![BTreeSet::new(); gcs.cluster.nodes.len()];
    for pg in gcs.pgs.values() {
        for (bi, b) in pg.bundles.iter().enumerate() {
            if let Some(i) = b.node.as_ref().and_then(|n| gcs.cluster.index_of(n)) {
                node_bundles[i].insert((pg.seq, bi));
            }
        }
    }
    if pg_actors != gcs.pg_actors || node_actors != gcs.node_actors || node_bundles != gcs.node_bundles {
        return Err("a reverse index (actors by PG, actors or bundles by node) does not match the state".into());
    }
    // The GCS's own index of actors waiting to be placed.
    let waiting: BTreeSet<(u64, String)> = gcs
        .actors
        .values()
        .filter(|a| a.alive && a.node.is_none())
        .map(|a| (a.created_seq, a.replica_id.clone()))
        .collect();
    if waiting != gcs.waiting {
        return Err("the index of actors waiting to be placed does not match the state".into());
    }
    let unplaced: BTreeSet<u64> =
        gcs.pgs.values().filter(|p| p.bundles.iter().any(|b| b.node.is_none())).map(|p| p.seq).collect();
    if unplaced != gcs.unplaced_pgs {
        return Err("the index of placement groups with unplaced bundles does not match the state".into());
    }
    let exits: BTreeSet<(SimTime, String)> =
        gcs.actors.values().filter_map(|a| a.exit_at.map(|t| (t, a.replica_id.clone()))).collect();
    if exits != gcs.exits {
        return Err("the index of exit timers does not match the state".into());
    }
    // Actors: what the checks read.
    let seen = |a: &ReplicaActor| (a.alive, a.unreachable, a.node, a.placement.clone(), a.resources.clone());
    let mut changed_actors: Vec<&ReplicaActor> = Vec::new();
    for a in gcs.actors.values() {
        if prev.gcs.actors.get(&a.replica_id).map(seen) != Some(seen(a)) {
            changed_actors.push(a);
        }
    }
    changed_actors.extend(prev.gcs.actors.values().filter(|a| !gcs.actors.contains_key(&a.replica_id)));
    for a in &changed_actors {
        if !dirty.actors.contains(&a.replica_id) {
            return Err(format!("actor {} changed", a.replica_id));
        }
        if let Some(p) = a.pg_name()
            && !dirty.pgs.contains(p)
        {
            return Err(format!("actor {} changed but its PG {p} is not marked", a.replica_id));
        }
        for n in [a.node, prev.gcs.actors.get(&a.replica_id).and_then(|p| p.node)].into_iter().flatten() {
            if !dirty.nodes.contains(&n) {
                return Err(format!("actor {} changed but its node {n} is not marked", a.replica_id));
            }
        }
    }
    // Placement groups (new, changed, removed).
    for pg in gcs.pgs.values() {
        if prev.gcs.pgs.get(&pg.seq) != Some(pg) && !dirty.pgs.contains(&pg.name) {
            return Err(format!("placement group {} changed", pg.name));
        }
    }
    for pg in prev.gcs.pgs.values() {
        if !gcs.pgs.contains_key(&pg.seq) && !dirty.pgs.contains(&pg.name) {
            return Err(format!("placement group {} was removed", pg.name));
        }
    }
    // Nodes: the node itself or the bundles on it.
    for (i, n) in gcs.cluster.nodes.iter().enumerate() {
        let same = prev.gcs.cluster.nodes.get(i) == Some(n) && prev.gcs.node_bundles.get(i) == Some(&node_bundles[i]);
        if !same && !dirty.nodes.contains(&i) {
            return Err(format!("node {} changed", n.id));
        }
    }
    // Deployments: their replicas (ids, gang contexts, states) and gang teardowns.
    let c = world.controller;
    let replicas = |d: &DeploymentState| {
        d.replicas.iter().map(|r| (r.id.clone(), r.gang_context.clone(), r.state, r.since)).collect::<Vec<_>>()
    };
    for d in &c.deployments {
        let before = prev.deployments.iter().find(|p| p.config.app == d.config.app && p.config.name == d.config.name);
        let same =
            before.is_some_and(|p| replicas(p) == replicas(d) && d.torn_down_gangs.is_subset(&p.torn_down_gangs));
        if !same && !d.check_dirty && c.alive {
            return Err(format!("deployment {} changed", d.config.label()));
        }
    }
    // Leak checks: exemptions, and PGs no deployment tracks any more.
    if gate && state.leak_gate {
        if prev.leak_exempt != c.leak_exempt || prev.recovered_pgs != c.recovered_pgs {
            return Err("the leak exemptions changed while the leak checks ran".into());
        }
        let tracked =
            |ds: &[DeploymentState], name: &str| ds.iter().any(|d| d.reservations.values().any(|r| r.pg_name == name));
        for pg in gcs.pgs.values().filter(|p| p.is_gang()) {
            if tracked(&prev.deployments, &pg.name)
                && !tracked(&c.deployments, &pg.name)
                && !dirty.pgs.contains(&pg.name)
            {
                return Err(format!("placement group {} is no longer tracked", pg.name));
            }
        }
    }
    Ok(())
}

/// The leak checks run only while the controller is up, not recovering and has ticked.
fn leak_gate(world: &World) -> bool {
    let c = world.controller;
    c.alive && !c.recovering && c.last_tick.is_some()
}

/// Periodic leak detection cannot run while cluster-state queries fail: gang PG leaks are not flagged then.
fn leak_paused(world: &World) -> bool {
    world.toggles.leak_detection == crate::model::serve::behaviour::LeakDetection::Periodic
        && world.now < world.gcs_queries_fail_until
}

/// Whether anything that changed since the last check fails an invariant now (the same per-entity checks as
/// [`find_full`], on the changed entities only).
fn changed_fails(world: &World, state: &CheckerState, gate: bool, paused: bool) -> bool {
    let mut out = Vec::new();
    let gcs = world.gcs;
    let dirty = &gcs.check_dirty;
    let nodes = &gcs.cluster.nodes;

    // Nodes: the ledger, from the bundles and actors indexed on each.
    for &i in &dirty.nodes {
        let (Some(n), Some(bundles), Some(actors)) = (nodes.get(i), gcs.node_bundles.get(i), gcs.node_actors.get(i))
        else {
            return true;
        };
        let mut reserved = Resources::new();
        for (seq, bi) in bundles {
            match gcs.pgs.get(seq).and_then(|p| p.bundles.get(*bi)) {
                Some(b) => reserved.add(&b.resources),
                None => return true,
            }
        }
        let mut direct = Resources::new();
        for id in actors {
            match gcs.actors.get(id) {
                Some(a) if a.node != Some(i) => return true,
                Some(a) if a.alive && a.placement == ActorPlacement::Spread => direct.add(&a.resources),
                _ => {}
            }
        }
        node_check(n, &reserved, &direct, &mut out);
    }

    // Placement groups.
    for name in &dirty.pgs {
        if let Some(pg) = gcs.pg(name) {
            pg_check(gcs, pg, &mut out);
        }
    }

    // Actors: each changed one, and every actor pinned to a PG that changed or holds a changed actor (one bundle,
    // one replica: the PG's actors are checked together).
    let mut groups: BTreeSet<&str> = dirty.pgs.iter().map(String::as_str).collect();
    for id in &dirty.actors {
        let Some(a) = gcs.actors.get(id) else { continue };
        match a.pg_name() {
            Some(p) => {
                groups.insert(p);
            }
            None => actor_check(gcs, a, &mut BTreeSet::new(), &mut out),
        }
    }
    for name in groups {
        let mut occupied = BTreeSet::new();
        for id in gcs.pg_actors.get(name).into_iter().flatten() {
            match gcs.actors.get(id) {
                Some(a) if a.pg_name() == Some(name) => actor_check(gcs, a, &mut occupied, &mut out),
                _ => return true,
            }
        }
    }
    if !out.is_empty() {
        return true;
    }

    let c = world.controller;
    if c.alive {
        // Deployments the control loop visited, and every one with a gang teardown this tick (that check
        // depends on the time).
        for d in c.deployments.iter().filter(|d| d.check_dirty || !d.torn_down_gangs.is_empty()) {
            deployment_check(d, world.now, &mut out);
        }
        if gate {
            let used = |name: &str| gcs.pg_in_use(name);
            // Per-replica PGs: all of them (whether their replica is tracked changes with the replica table).
            for pg in gcs.pgs.values().filter(|p| !p.is_gang()) {
                replica_pg_leak(world, pg, used(&pg.name), &mut out);
            }
            // Gang PGs: all when the gate has just opened or detection resumed, else those that changed.
            let all = !state.leak_gate || (state.leak_paused && !paused);
            let tracked = |pg: &PlacementGroup| {
                let owner =
                    c.deployments.iter().find(|d| d.config.app == pg.owner.app && d.config.name == pg.owner.deployment);
                let fast = owner
                    .zip(pg.owner.gang_id.as_ref())
                    .and_then(|(d, g)| d.reservations.get(g))
                    .is_some_and(|r| r.pg_name == pg.name);
                fast || c.deployments.iter().any(|d| d.reservations.values().any(|r| r.pg_name == pg.name))
            };
            let mut leak = |pg: &PlacementGroup| gang_pg_leak(world, pg, tracked(pg), used(&pg.name), &mut out);
            if all {
                gcs.pgs.values().filter(|p| p.is_gang()).for_each(&mut leak);
            } else {
                dirty.pgs.iter().filter_map(|n| gcs.pg(n)).filter(|p| p.is_gang()).for_each(&mut leak);
            }
        }
    }
    !out.is_empty()
}

/// Every invariant that does not hold right now: the reference checker, a whole-world scan.
pub fn find_full(world: &World) -> Vec<Finding> {
    let mut out = Vec::new();
    let gcs = world.gcs;
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
        node_check(n, &reserved[i], &direct[i], &mut out);
    }

    // Placement groups: CREATED means every bundle placed, PENDING none; strict strategies hold.
    for pg in gcs.pgs.values() {
        pg_check(gcs, pg, &mut out);
    }

    // A replica runs only in its own PG's bundle; bundles are not overfilled; nothing lives on a dead node.
    let mut occupied: BTreeSet<(&str, usize)> = BTreeSet::new();
    for a in gcs.actors.values() {
        actor_check(gcs, a, &mut occupied, &mut out);
    }

    let c = world.controller;
    if c.alive {
        for d in &c.deployments {
            deployment_check(d, world.now, &mut out);
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
                replica_pg_leak(world, pg, used.contains(pg.name.as_str()), &mut out);
            }
            for pg in gcs.pgs.values().filter(|p| p.is_gang()) {
                let (tracked, used) = (tracked_pgs.contains(pg.name.as_str()), used.contains(pg.name.as_str()));
                gang_pg_leak(world, pg, tracked, used, &mut out);
            }
        }
    }
    out.extend(traffic_checks(world));
    out
}

/// `requests_conserved` and `autoscaling_bounds`.
fn traffic_checks(world: &World) -> Found {
    let mut out = Vec::new();
    for d in &world.traffic.deployments {
        let t = &d.totals;
        let accounted = t.served + t.failed() + d.flow.queued + d.flow.ongoing;
        // Relative tolerance: the flow is summed in floating point over many steps.
        if (t.offered - accounted).abs() > 1e-6 * t.offered.max(1.0) + 1e-6 {
            found(
                &mut out,
                Invariant::RequestsConserved,
                format!(
                    "{}/{}: {:.3} requests offered but {:.3} accounted for (served {:.3}, failed {:.3}, queued {:.3}, in flight {:.3})",
                    d.app,
                    d.deployment,
                    t.offered,
                    accounted,
                    t.served,
                    t.failed(),
                    d.flow.queued,
                    d.flow.ongoing
                ),
            );
        }
    }
    for d in &world.controller.deployments {
        if let Some(a) = &d.autoscaling
            && !d.deleting
            && (d.target < a.config.min_replicas || d.target > a.config.max_replicas)
        {
            found(
                &mut out,
                Invariant::AutoscalingBounds,
                format!(
                    "{} targets {} replicas, outside min_replicas {} .. max_replicas {}",
                    d.config.label(),
                    d.target,
                    a.config.min_replicas,
                    a.config.max_replicas
                ),
            );
        }
    }
    out
}

type Found = Vec<Finding>;

/// Add a finding.
fn found(out: &mut Found, invariant: Invariant, message: String) {
    out.push(Finding { invariant, message });
}

/// A node: not over-committed, and its ledger (`available`) matches what is reserved and used on it.
fn node_check(n: &Node, reserved: &Resources, direct: &Resources, out: &mut Found) {
    if !n.alive() {
        return;
    }
    let mut left = n.resources.clone();
    left.sub(reserved);
    left.sub(direct);
    if left.any_negative() {
        found(
            out,
            Invariant::NoOvercommit,
            format!(
                "node {} is over-committed: {} reserved and {} used of {}",
                n.id,
                reserved.describe(),
                direct.describe(),
                n.resources.describe()
            ),
        );
    } else if left != n.available {
        found(
            out,
            Invariant::ResourceLedger,
            format!("node {} reports {} available but {} is free", n.id, n.available.describe(), left.describe()),
        );
    }
}

/// A placement group: CREATED means every bundle placed, PENDING none; strict strategies hold; no bundle on a
/// dead node.
fn pg_check(gcs: &Gcs, pg: &PlacementGroup, out: &mut Found) {
    let placed: Vec<&String> = pg.bundles.iter().filter_map(|b| b.node.as_ref()).collect();
    match pg.state {
        PlacementGroupState::Created if placed.len() != pg.bundles.len() => found(
            out,
            Invariant::PgState,
            format!("{} is CREATED with {} of {} bundles placed", pg.name, placed.len(), pg.bundles.len()),
        ),
        PlacementGroupState::Pending if !placed.is_empty() => {
            found(out, Invariant::PgState, format!("{} is PENDING with {} bundles placed", pg.name, placed.len()))
        }
        _ => {}
    }
    match pg.strategy {
        PlacementStrategy::StrictPack => {
            let distinct: BTreeSet<&String> = placed.iter().copied().collect();
            if distinct.len() > 1 {
                found(out, Invariant::StrictStrategy, format!("STRICT_PACK {} spans nodes {:?}", pg.name, distinct));
            }
        }
        PlacementStrategy::StrictSpread => {
            let distinct: BTreeSet<&String> = placed.iter().copied().collect();
            if distinct.len() != placed.len() {
                found(
                    out,
                    Invariant::StrictStrategy,
                    format!("STRICT_SPREAD {} puts two bundles on one node", pg.name),
                );
            }
        }
        _ => {}
    }
    for b in &pg.bundles {
        if let Some(n) = b.node.as_ref().and_then(|n| gcs.cluster.node(n))
            && n.dead
        {
            found(out, Invariant::NothingOnDeadNode, format!("{} has a bundle on dead node {}", pg.name, n.id));
        }
    }
}

/// A live actor: not on a dead node; pinned to an existing bundle on its own node, alone in it, and fitting it.
/// `occupied` holds the bundles taken by actors checked before (in replica id order).
fn actor_check<'a>(gcs: &'a Gcs, a: &'a ReplicaActor, occupied: &mut BTreeSet<(&'a str, usize)>, out: &mut Found) {
    let nodes = &gcs.cluster.nodes;
    if !a.alive {
        return;
    }
    if let Some(i) = a.node
        && nodes[i].dead
    {
        found(
            out,
            Invariant::NothingOnDeadNode,
            format!("replica {} is alive on dead node {}", a.replica_id, nodes[i].id),
        );
    }
    if let (ActorPlacement::Bundle { pg_name, bundle_index }, Some(i)) = (&a.placement, a.node) {
        match gcs.pg(pg_name).and_then(|p| p.bundles.get(*bundle_index)) {
            None => found(
                out,
                Invariant::ReplicaInOwnBundle,
                format!("replica {} runs in {pg_name} bundle {bundle_index}, which does not exist", a.replica_id),
            ),
            Some(b) if b.node.as_deref() != Some(nodes[i].id.as_str()) => found(
                out,
                Invariant::ReplicaInOwnBundle,
                format!(
                    "replica {} runs on {} but its bundle {bundle_index} of {pg_name} is on {:?}",
                    a.replica_id, nodes[i].id, b.node
                ),
            ),
            Some(b) => {
                // One replica actor per bundle, and it must fit the bundle's reservation.
                if !occupied.insert((pg_name.as_str(), *bundle_index)) {
                    found(
                        out,
                        Invariant::NoOvercommit,
                        format!("two replicas run in bundle {bundle_index} of {pg_name}"),
                    );
                }
                if !b.resources.covers(&a.resources) {
                    found(
                        out,
                        Invariant::NoOvercommit,
                        format!(
                            "replica {} needs {} but bundle {bundle_index} of {pg_name} reserves only {}",
                            a.replica_id,
                            a.resources.describe(),
                            b.resources.describe()
                        ),
                    );
                }
            }
        }
    }
}

/// A deployment's gangs: members agree, ranks are their positions, and no member of a torn-down gang runs.
fn deployment_check(d: &DeploymentState, now: SimTime, out: &mut Found) {
    // Gang members agree on their gang, and ranks are their positions in the member list (one pass).
    let mut gangs: BTreeMap<&str, (&GangContext, BTreeSet<u32>, u32)> = BTreeMap::new();
    for r in &d.replicas {
        let Some(g) = &r.gang_context else { continue };
        let (first, ranks, version) =
            gangs.entry(g.gang_id.as_str()).or_insert_with(|| (g, BTreeSet::new(), r.version));
        let gid = &g.gang_id;
        if *version != r.version
            && d.versions[*version as usize].requires_actor_restart(&d.versions[r.version as usize])
        {
            found(
                out,
                Invariant::GangSingleVersion,
                format!(
                    "gang {gid} mixes versions {} and {} (replica {})",
                    d.versions[*version as usize].label, d.versions[r.version as usize].label, r.id
                ),
            );
        }
        if g.world_size != first.world_size
            || g.pg_name != first.pg_name
            || g.member_replica_ids != first.member_replica_ids
        {
            found(
                out,
                Invariant::GangContextAgreement,
                format!("members of gang {gid} disagree on world_size, member list or pg_name"),
            );
        }
        if g.member_replica_ids.len() as u32 != g.world_size || g.rank >= g.world_size {
            found(out, Invariant::GangRanks, format!("gang {gid}: rank {} outside 0..{}", g.rank, g.world_size));
        }
        if !ranks.insert(g.rank) {
            found(out, Invariant::GangRanks, format!("gang {gid}: rank {} held twice", g.rank));
        }
        if g.member_replica_ids.get(g.rank as usize) != Some(&r.id) {
            found(
                out,
                Invariant::GangRanks,
                format!(
                    "replica {} of gang {gid} has rank {} but is not at that position in the member list",
                    r.id, g.rank
                ),
            );
        }
    }
    // Once a gang teardown is decided, none of its members is still RUNNING at the end of that tick. The
    // teardown stops every RUNNING member; one that reaches RUNNING later in the same tick (from STARTING)
    // is Ray 2.60's delayed orphan (errata §6): the incomplete-gang rule stops it two ticks later.
    if d.torn_down_gangs.is_empty() {
        return;
    }
    for r in &d.replicas {
        if r.state == ReplicaState::Running
            && let Some(g) = &r.gang_context
            && d.torn_down_gangs.contains(&g.gang_id)
        {
            if r.since == now {
                found(
                    out,
                    Invariant::Ray260MemberStartedAfterTeardown,
                    format!(
                        "replica {} reached RUNNING in the tick its gang {} was torn down: Ray 2.60's RESTART_GANG stops only RUNNING members, so a STARTING one keeps going; the incomplete-gang rule stops it once its sibling has left (errata §6)",
                        r.id, g.gang_id
                    ),
                );
            } else {
                found(
                    out,
                    Invariant::NoPartialGangAfterTeardown,
                    format!("replica {} is still RUNNING after its gang {} was torn down", r.id, g.gang_id),
                );
            }
        }
    }
}

/// A per-replica PG belongs to a replica the controller tracks (or an actor still alive: `used`).
fn replica_pg_leak(world: &World, pg: &PlacementGroup, used: bool, out: &mut Found) {
    let c = world.controller;
    let owner = pg.name.rsplit('#').next().unwrap_or("");
    let tracked = c
        .deployments
        .iter()
        .any(|d| d.config.app == pg.owner.app && d.config.name == pg.owner.deployment && d.tracks(owner));
    if !tracked && !used {
        found(
            out,
            Invariant::NoLeakedReplicaPg,
            format!("per-replica placement group {} is live but its replica is gone", pg.name),
        );
    }
}

/// A gang PG is tracked by a deployment (`tracked`), used by a live replica actor (`used`) or exempt.
fn gang_pg_leak(world: &World, pg: &PlacementGroup, tracked: bool, used: bool, out: &mut Found) {
    let c = world.controller;
    if tracked || used || c.leak_exempt.contains(&pg.name) {
        return;
    }
    // Periodic leak detection cannot run while cluster-state queries fail.
    if leak_paused(world) {
        return;
    }
    if c.recovered_pgs.contains(&pg.name) {
        found(
            out,
            Invariant::Ray260UnregisteredGangPgLeak,
            format!(
                "gang placement group {} leaked: none of its recovered members reached RUNNING after the controller restart, and Ray 2.60 registers a recovered gang's PG only then (errata §8); it stays until the next controller start (toggle leak_detection: periodic cleans it)",
                pg.name
            ),
        );
    } else {
        found(
            out,
            Invariant::NoLeakedGangPg,
            format!("gang placement group {} is live but no deployment tracks it and no live replica uses it", pg.name),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariant_names_are_distinct_and_ray_2_60_flaws_are_named_so() {
        let names: BTreeSet<&str> = Invariant::ALL.iter().map(|i| i.as_str()).collect();
        assert_eq!(names.len(), Invariant::ALL.len());
        for i in Invariant::ALL {
            assert_eq!(i.is_ray_2_60_flaw(), i.as_str().starts_with("ray_2_60_"), "{i}");
            assert_eq!(serde_json::to_value(i).unwrap(), serde_json::Value::from(i.as_str()));
        }
    }
}
