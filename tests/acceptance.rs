//! The acceptance scenarios of `../shared/spec/ray-gang-spec.md` §7, end to end, one scenario file each under
//! `tests/scenarios/` (read with `ray-2.60-errata.md`, which wins over the spec, and `real-ray-observations.md`).
//!
//! Every test runs its file and checks the trace: which members stopped and in which tick, which gang kept
//! running (same ids), the PGs at the end, the deployment and application status sequences, the counters, and
//! that no invariant was violated. Where the spec describes a unit test of Ray's controller, the scenario is the
//! nearest end-to-end situation (its description says how).
//!
//! Not here: §7.8 (child actors and tasks are not modelled), §7.27 autoscaling, §7.28 rolling update, §7.29 node
//! drain (later issues), §7.30 version change (the model has no redeploy).
mod trace_support;

use gangplank::model::events::TeardownCause;
use gangplank::model::placement::{PlacementGroupState as PG, PlacementStrategy};
use gangplank::model::serve::replica::{ReplicaStartupStatus, ReplicaState as RS};
use gangplank::model::serve::status::{
    ApplicationStatus as AS, DeploymentStatus as DS, DeploymentStatusTrigger as Trig,
};
use std::collections::{BTreeMap, BTreeSet};
use trace_support::*;

/// Ray's deployment message after a health-check failure (errata §12).
const HEALTH_MESSAGE: &str = "A replica's health check failed. This deployment will be UNHEALTHY until the replica recovers or a new deploy happens.";

/// min(max_constructor_retry_count (default 20), target x MAX_PER_REPLICA_RETRY_COUNT (3)) (errata §7).
fn failure_threshold(target: u32) -> u32 {
    20.min(target * 3)
}

/// The replicas of gang `gang_id` as first reserved (the member list minted before any member started).
fn reserved_members(run: &Run, app: &str, dep: &str, gang_id: &str) -> Vec<String> {
    run.reservations(app, dep)
        .into_iter()
        .find(|r| r.gang_id == gang_id)
        .unwrap_or_else(|| panic!("gang {gang_id} was never reserved"))
        .members
}

/// The gang a replica belonged to, from its first recorded state change.
fn gang_of(run: &Run, replica: &str) -> String {
    run.transitions_of(replica)
        .into_iter()
        .find_map(|t| t.gang_id)
        .unwrap_or_else(|| panic!("replica {replica} never showed a gang id"))
}

/// Asserts a replica, once RUNNING, never left RUNNING (it kept serving).
#[track_caller]
fn assert_never_left_running(run: &Run, replica: &str) {
    let states = run.states_of(replica);
    let first = states.iter().position(|s| *s == RS::Running);
    assert!(first.is_some(), "{replica} never became RUNNING: {states:?}");
    let after = &states[first.unwrap()..];
    assert!(after.iter().all(|s| *s == RS::Running), "{replica} left RUNNING: {states:?}");
}

/// Asserts no gang reservation of the deployment, and no new replica, happened while one of its replicas was
/// STOPPING (errata §4), by replaying the events in order.
#[track_caller]
fn assert_no_reservation_while_stopping(run: &Run, app: &str, dep: &str) {
    let reserved: BTreeSet<u64> = run.reservations(app, dep).iter().map(|r| r.seq).collect();
    let mut stopping: BTreeSet<String> = BTreeSet::new();
    for e in run.events() {
        use gangplank::model::events::EventKind;
        match &e.kind {
            EventKind::ReplicaState { replica, app: a, deployment: d, from: None, to: RS::Starting, .. }
                if a == app && d == dep =>
            {
                assert!(
                    stopping.is_empty(),
                    "replica {replica} created at {} s while {stopping:?} were STOPPING",
                    e.t.as_secs_f64()
                );
            }
            EventKind::ReplicaState { replica, app: a, deployment: d, to, .. } if a == app && d == dep => {
                if *to == RS::Stopping {
                    stopping.insert(replica.clone());
                } else {
                    stopping.remove(replica);
                }
            }
            _ if reserved.contains(&e.seq) => {
                assert!(
                    stopping.is_empty(),
                    "gang reserved at {} s (tick {}) while {stopping:?} were STOPPING",
                    e.t.as_secs_f64(),
                    e.tick
                );
            }
            _ => {}
        }
    }
}

/// Asserts every member of each gang of the deployment in the final state agrees on the gang, ranks are 0..n-1
/// in member-list order, and the PG named in the context is live and CREATED.
#[track_caller]
fn assert_gangs_well_formed(run: &Run, app: &str, dep: &str, gang_size: u32) {
    let end = run.end();
    for (gid, members) in gangs(&end, app, dep) {
        assert!(is_gang_id(&gid), "gang id {gid} is not 8 hex characters");
        assert_eq!(members.len() as u32, gang_size, "gang {gid} has {} members", members.len());
        let list = context(members[0]).member_replica_ids.clone();
        for (rank, r) in members.iter().enumerate() {
            let c = context(r);
            assert_eq!(c.rank as usize, rank);
            assert_eq!(c.world_size, gang_size);
            assert_eq!(c.member_replica_ids, list, "gang {gid}: member lists differ");
            assert_eq!(list[rank], r.id);
            assert_eq!(pg(&end, &c.pg_name).state, PG::Created);
            assert!(c.pg_name.starts_with(&format!("{GANG_PREFIX}{app}_{dep}_")), "{}", c.pg_name);
            assert!(c.pg_name.ends_with(&format!("_{gid}")), "{}", c.pg_name);
        }
    }
}

// =====================================================================================================================
// §7.1 – §7.7: placement and reservation
// =====================================================================================================================

#[test]
fn s01_basic_success_two_gangs_of_four_all_running() {
    let run = run_file("01_basic_success.json");
    run.assert_no_violations();
    let end = run.end();

    // 8 replicas / gang_size 4 = 2 gangs, all RUNNING.
    assert_eq!(running(&end, "app", "G").len(), 8);
    assert_eq!(replicas(&end, "app", "G").len(), 8);
    let g = gangs(&end, "app", "G");
    assert_eq!(g.len(), 2);
    assert_gangs_well_formed(&run, "app", "G", 4);

    // One PG per gang: 4 bundles of the actor's {CPU 0.25}, PACK, each on one node (a gang is 1 CPU = one node).
    let p = pgs(&end, &format!("{GANG_PREFIX}app_G_"));
    assert_eq!(p.len(), 2);
    for p in &p {
        assert_eq!(p.state, PG::Created);
        assert_eq!(p.strategy, PlacementStrategy::Pack);
        assert_eq!(bundle_cpus(p), vec![0.25; 4]);
        assert_eq!(distinct(&bundle_nodes(p)).len(), 1, "{} spans nodes", p.name);
    }

    // Statuses: UPDATING -> HEALTHY (CONFIG_UPDATE_COMPLETED); the app DEPLOYING -> RUNNING.
    assert_eq!(
        run.status_sequence("app", "G"),
        vec![(DS::Updating, Trig::ConfigUpdateStarted), (DS::Healthy, Trig::ConfigUpdateCompleted)]
    );
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running]);

    // Counters: both gangs reserved in one batch, nothing failed or restarted.
    let r = run.reservations("app", "G");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].tick, r[1].tick);
    assert!(run.teardowns("app", "G").is_empty());
    assert!(run.startup_failures("app", "G").is_empty());
    assert!(run.reservation_failures("app", "G").is_empty());
    let d = deployment(&end, "app", "G");
    assert_eq!((d.failure_count, d.gang_restarts, d.target_num_replicas), (0, 0, 8));
}

#[test]
fn s02_incomplete_deployment_waits_for_a_node_and_never_fails() {
    let run = run_file_probing("02_incomplete_deployment.json", &[19.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let add_t = run.action_time("add_node");

    // Before the node joins: 2 CPU / (4 x 0.25) = exactly 2 gangs RUNNING; the third waits whole.
    let before = run.at(19.9);
    assert_eq!(running(before, "app", "G").len(), 8);
    assert_eq!(running_gang_ids(before, "app", "G").len(), 2);
    let waiting = in_state(before, "app", "G", RS::Starting);
    assert_eq!(waiting.len(), 4);
    let waiting_gang: BTreeSet<String> = waiting.iter().map(|r| context(r).gang_id.clone()).collect();
    assert_eq!(waiting_gang.len(), 1, "the 4 waiting replicas are one gang");
    for r in &waiting {
        assert_eq!(r.startup, Some(ReplicaStartupStatus::PendingAllocation));
        assert_eq!(r.node, None);
    }
    let pending_pg = context(waiting[0]).pg_name.clone();
    assert_eq!(pg(before, &pending_pg).state, PG::Pending);
    assert!(bundle_nodes(pg(before, &pending_pg)).iter().all(Option::is_none));
    assert_eq!(deployment(before, "app", "G").status, DS::Updating);
    assert_eq!(app_status(before, "app"), Some(AS::Deploying));

    // Never DEPLOY_FAILED (nor anything but UPDATING -> HEALTHY), the app only DEPLOYING -> RUNNING.
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::Healthy]);
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running]);
    assert!(run.first_status("app", "G", DS::Healthy).unwrap().t > add_t);

    // The node joins: the same PG is placed (on w3), the same gang starts, 12 RUNNING on 3 nodes.
    let placed = run.pg_entered(&pending_pg, PG::Created).expect("the pending PG is placed");
    assert!(placed.t >= add_t - EPS);
    assert!(placed.bundle_nodes.iter().all(|n| n.as_deref() == Some("w3")));
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 12);
    let waiting_ids = ids(&waiting);
    assert!(waiting_ids.is_subset(&ids(&running(&end, "app", "G"))), "the waiting gang itself started");
    let nodes: BTreeSet<String> = running(&end, "app", "G").iter().filter_map(|r| r.node.clone()).collect();
    assert_eq!(nodes, BTreeSet::from(["w1".to_string(), "w2".to_string(), "w3".to_string()]));
    assert_eq!(run.reservations("app", "G").len(), 3, "nothing was retried");
    assert_eq!(deployment(&end, "app", "G").failure_count, 0);
}

#[test]
fn s03_no_partial_gang_on_leftover_capacity() {
    let run = run_file_probing("03_no_partial_gang.json", &[19.9]);
    run.assert_no_violations();
    run.assert_actions_applied();

    // 12 x 0.2 CPU in gangs of 4 (0.8 CPU) on two 1-CPU nodes: 8 RUNNING, 0.2 + 0.2 CPU left unused.
    let before = run.at(19.9);
    assert_eq!(running(before, "app", "G").len(), 8);
    let free: f64 = before.nodes.iter().map(|n| n.available.get_f64("CPU")).sum();
    assert!((free - 0.4).abs() < 1e-9, "free CPU {free}, expected the 0.4 left over");
    let waiting = in_state(before, "app", "G", RS::Starting);
    assert_eq!(waiting.len(), 4);
    assert!(waiting.iter().all(|r| r.node.is_none()), "no member of the third gang is placed");
    let pending = pg(before, &context(waiting[0]).pg_name);
    assert_eq!(pending.state, PG::Pending);
    assert!(bundle_nodes(pending).iter().all(Option::is_none), "no bundle of the third gang's PG is placed");
    assert_eq!(app_status(before, "app"), Some(AS::Deploying));

    // One more CPU: 12 RUNNING.
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 12);
    assert_eq!(deployment(&end, "app", "G").status, DS::Healthy);
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::Healthy]);
}

#[test]
fn s04_pack_keeps_a_gang_on_one_node_spread_uses_two() {
    let run = run_file("04_pack_spread.json");
    run.assert_no_violations();
    let end = run.end();

    let pack = pgs(&end, &format!("{GANG_PREFIX}pack_P_"));
    assert_eq!(pack.len(), 1);
    assert_eq!(pack[0].strategy, PlacementStrategy::Pack);
    assert_eq!(pack[0].bundles.len(), 4);
    assert_eq!(distinct(&bundle_nodes(pack[0])).len(), 1, "PACK gang of 4 spans nodes");
    let pack_nodes: BTreeSet<Option<String>> = running(&end, "pack", "P").iter().map(|r| r.node.clone()).collect();
    assert_eq!(running(&end, "pack", "P").len(), 4);
    assert_eq!(pack_nodes.len(), 1, "PACK replicas on {pack_nodes:?}");

    let spread = pgs(&end, &format!("{GANG_PREFIX}spread_S_"));
    assert_eq!(spread.len(), 1);
    assert_eq!(spread[0].strategy, PlacementStrategy::Spread);
    assert_eq!(distinct(&bundle_nodes(spread[0])).len(), 2, "SPREAD gang of 2 on one node");
    let spread_nodes: BTreeSet<Option<String>> = running(&end, "spread", "S").iter().map(|r| r.node.clone()).collect();
    assert_eq!(running(&end, "spread", "S").len(), 2);
    assert_eq!(spread_nodes.len(), 2, "SPREAD replicas on {spread_nodes:?}");
}

#[test]
fn s05_gang_context_ranks_world_size_members_and_distinct_gangs() {
    let run = run_file("05_gang_context.json");
    run.assert_no_violations();
    let end = run.end();
    let g = gangs(&end, "app", "G");
    assert_eq!(g.len(), 2, "4 replicas / gang_size 2");
    assert_gangs_well_formed(&run, "app", "G", 2);

    let mut lists = Vec::new();
    let mut pg_names = BTreeSet::new();
    for (gid, members) in &g {
        let ranks: Vec<u32> = members.iter().map(|r| context(r).rank).collect();
        assert_eq!(ranks, vec![0, 1]);
        let list = context(members[0]).member_replica_ids.clone();
        assert_eq!(list, members.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
        assert!(list.iter().all(|id| is_replica_id(id)), "{list:?}");
        // The context was minted at reservation time, before any member started (spec §2.4, errata §2).
        let reserved = run.reservations("app", "G").into_iter().find(|r| &r.gang_id == gid).unwrap();
        assert_eq!(reserved.members, list);
        for id in &list {
            let started = run.first_into(id, RS::Starting).unwrap();
            assert!(started.seq > reserved.seq && started.gang_id.as_deref() == Some(gid.as_str()));
        }
        lists.push(list);
        pg_names.insert(context(members[0]).pg_name.clone());
    }
    assert_ne!(lists[0], lists[1]);
    assert!(lists[0].iter().all(|id| !lists[1].contains(id)), "gangs share a member");
    // SERVE_GANG::<app>_<deployment>_<index in the batch>_<gang_id>: indices 0 and 1 of one batch.
    let indices: BTreeSet<String> = pg_names
        .iter()
        .map(|n| n.trim_start_matches(&format!("{GANG_PREFIX}app_G_")).split('_').next().unwrap().to_string())
        .collect();
    assert_eq!(indices, BTreeSet::from(["0".to_string(), "1".to_string()]));
}

#[test]
fn s06_resource_reservation_bundles_per_replica_and_strategy() {
    let run = run_file("06_resource_reservation.json");
    run.assert_no_violations();
    let end = run.end();

    // No placement_group_bundles: gang_size copies of the actor's resources, strategy as configured.
    let plain = pgs(&end, &format!("{GANG_PREFIX}plain_G_"));
    assert_eq!(plain.len(), 1);
    assert_eq!(bundle_cpus(plain[0]), vec![0.25, 0.25]);
    assert_eq!(plain[0].strategy, PlacementStrategy::Pack);
    let mut idx: Vec<Option<usize>> = replicas(&end, "plain", "G").iter().map(|r| r.bundle_index).collect();
    idx.sort();
    assert_eq!(idx, vec![Some(0), Some(1)]);

    // placement_group_bundles = 2 x {CPU 0.25}: the list repeated gang_size times, 4 bundles; rank r's actor sits
    // in bundle 2r and owns bundles 2r, 2r+1.
    for (app, strategy) in [("bpack", PlacementStrategy::Pack), ("bspread", PlacementStrategy::Spread)] {
        let p = pgs(&end, &format!("{GANG_PREFIX}{app}_G_"));
        assert_eq!(p.len(), 1, "{app}");
        let p = p[0];
        assert_eq!(p.strategy, strategy);
        assert_eq!(bundle_cpus(p), vec![0.25; 4], "{app}");
        let nodes = bundle_nodes(p);
        for r in running(&end, app, "G") {
            let rank = context(r).rank as usize;
            assert_eq!(r.bundle_index, Some(2 * rank), "{app}: replica {} of rank {rank}", r.id);
            assert_eq!(r.node, nodes[2 * rank], "{app}: replica {} not on its bundle's node", r.id);
            let slice = [nodes[2 * rank].clone(), nodes[2 * rank + 1].clone()];
            match strategy {
                PlacementStrategy::Pack => assert_eq!(slice[0], slice[1], "{app}: rank {rank}'s slice spans nodes"),
                // Ray's BundleSpreadSchedulingPolicy gives bundles 0 and 1 the two workers; bundles 2 and 3 then go
                // to the best-scored used node each, which may be the same one: only rank 0's slice must span both.
                _ if rank == 0 => assert_ne!(slice[0], slice[1], "{app}: rank 0's two bundles share a node"),
                _ => {}
            }
        }
        if strategy == PlacementStrategy::Spread {
            let distinct: BTreeSet<_> = nodes.iter().collect();
            assert_eq!(distinct.len(), 2, "{app}: SPREAD uses both workers");
        }
        assert_eq!(running(&end, app, "G").len(), 2, "{app}");
    }
}

#[test]
fn s07_label_selector_puts_every_bundle_and_replica_on_the_labelled_node() {
    let run = run_file("07_label_selector.json");
    run.assert_no_violations();
    let end = run.end();
    let labelled: Vec<String> = end
        .nodes
        .iter()
        .filter(|n| n.labels.get("accelerator").map(String::as_str) == Some("tpu"))
        .map(|n| n.id.clone())
        .collect();
    assert_eq!(labelled, vec!["w2".to_string()]);
    let p = pgs(&end, &format!("{GANG_PREFIX}app_G_"));
    assert_eq!(p.len(), 1);
    assert_eq!(bundle_nodes(p[0]), vec![Some("w2".to_string()); 2]);
    let r = running(&end, "app", "G");
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|r| r.node.as_deref() == Some("w2")));
}

// =====================================================================================================================
// §7.9 – §7.10: deletion, several gang deployments
// =====================================================================================================================

#[test]
fn s09_delete_removes_every_gang_pg_and_the_app() {
    let run = run_file_probing("09_delete_cleans_pgs.json", &[9.9, 10.0]);
    run.assert_no_violations();
    let delete_t = run.action_time("delete_app");

    let before = run.at(9.9);
    let live: Vec<String> = pgs(before, &format!("{GANG_PREFIX}app_G_")).iter().map(|p| p.name.clone()).collect();
    assert_eq!(live.len(), 2);
    assert_eq!(running(before, "app", "G").len(), 4);

    // The delete: every replica STOPPING, gracefully (a downscale to 0, errata §11).
    let during = run.at(10.0);
    let stopping = in_state(during, "app", "G", RS::Stopping);
    assert_eq!(stopping.len(), 4);
    assert!(stopping.iter().all(|r| r.graceful_stop == Some(true)));
    assert_eq!(app_status(during, "app"), Some(AS::Deleting));
    assert_eq!(run.status_sequence("app", "G").last(), Some(&(DS::Updating, Trig::Deleting)));

    // Each gang PG goes when its last member has left (errata §8), and none is left at the end.
    for name in &live {
        let removed = run.pg_entered(name, PG::Removed).unwrap_or_else(|| panic!("{name} never removed"));
        assert!(removed.t >= delete_t);
        let gid = name.rsplit('_').next().unwrap();
        for m in reserved_members(&run, "app", "G", gid) {
            let gone = run.first_into(&m, RS::Stopped).unwrap_or_else(|| panic!("{m} never stopped"));
            assert!(gone.seq < removed.seq, "{name} removed before its member {m} left");
        }
    }
    let end = run.end();
    assert!(pgs(&end, GANG_PREFIX).is_empty(), "gang PGs left: {:?}", pgs(&end, GANG_PREFIX));
    assert!(replicas(&end, "app", "G").is_empty());
    assert!(!has_deployment(&end, "app", "G"));
    assert_eq!(app_status(&end, "app"), None, "the app is gone");
    let apps = run.app_statuses("app");
    let deleting = apps.iter().position(|s| *s == AS::Deleting).expect("app DELETING");
    assert_eq!(&apps[..deleting], &[AS::Deploying, AS::Running]);
}

#[test]
fn s10_two_gang_deployments_in_one_app_run_independently() {
    let run = run_file("10_multiple_gang_deployments.json");
    run.assert_no_violations();
    let end = run.end();
    for dep in ["GangA", "GangB"] {
        assert_eq!(running(&end, "app", dep).len(), 4, "{dep}");
        assert_eq!(gangs(&end, "app", dep).len(), 1, "{dep}");
        assert_gangs_well_formed(&run, "app", dep, 4);
        assert_eq!(pgs(&end, &format!("{GANG_PREFIX}app_{dep}_0_")).len(), 1, "{dep}");
        assert_eq!(deployment(&end, "app", dep).status, DS::Healthy);
        assert_eq!(run.reservations("app", dep).len(), 1);
    }
    assert_eq!(app_status(&end, "app"), Some(AS::Running));
    // Reserved in the same batch (one tick), with different gangs.
    let (a, b) = (&run.reservations("app", "GangA")[0], &run.reservations("app", "GangB")[0]);
    assert_eq!(a.tick, b.tick);
    assert_ne!(a.gang_id, b.gang_id);
}

// =====================================================================================================================
// §7.11 – §7.16: start-up failures and reservation
// =====================================================================================================================

#[test]
fn s11_startup_failure_stops_the_siblings_in_the_same_tick_and_spares_the_other_gang() {
    let run = run_file("11_startup_failure_one_member.json");
    run.assert_no_violations();

    // Exactly one constructor failed, counted once, against min(20, 4 x 3) = 12.
    let failures = run.startup_failures("app", "G");
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (_, fail_tick, failed, count, threshold) = failures[0].clone();
    assert_eq!((count, threshold), (1, failure_threshold(4)));
    let gang_a = gang_of(&run, &failed);
    let members_a = reserved_members(&run, "app", "G", &gang_a);
    assert_eq!(members_a[1], failed, "the rank-1 constructor was the one set to fail");
    let sibling = members_a[0].clone();

    // Both members of A STOPPING in the failure tick; the sibling had become ready in that same tick.
    let t = run.teardowns("app", "G");
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].tick, t[0].cause, t[0].gang_id.as_str()),
        (fail_tick, TeardownCause::StartupFailed, gang_a.as_str())
    );
    assert_eq!(t[0].failed_member.as_deref(), Some(failed.as_str()));
    assert_eq!(run.tick_into(&failed, RS::Stopping), Some(fail_tick));
    assert_eq!(run.tick_into(&sibling, RS::Stopping), Some(fail_tick));
    if let Some(ran) = run.tick_into(&sibling, RS::Running) {
        assert_eq!(ran, fail_tick, "the sibling ran before its gang failed");
    }

    // Gang B: never stopped, same members and context from reservation to the end.
    let gang_b = run.reservations("app", "G").into_iter().find(|r| r.gang_id != gang_a).unwrap();
    assert!(gang_b.tick <= fail_tick);
    let end = run.end();
    for (rank, id) in gang_b.members.iter().enumerate() {
        assert!(!run.states_of(id).contains(&RS::Stopping), "gang B member {id} was stopped");
        let r = end.replicas.iter().find(|r| &r.id == id).expect("gang B member still there");
        assert_eq!((r.state, context(r).rank as usize), (RS::Running, rank));
        assert_eq!(context(r).member_replica_ids, gang_b.members);
    }

    // While A is retried, whatever RUNS is gang B; afterwards 4 RUNNING.
    let replacement: Vec<_> = run.reservations("app", "G").into_iter().filter(|r| r.tick > fail_tick).collect();
    assert_eq!(replacement.len(), 1, "one replacement gang");
    let new = &replacement[0];
    let new_running = new.members.iter().filter_map(|m| run.tick_into(m, RS::Running)).max().expect("new gang RUNNING");
    let b_ids: BTreeSet<String> = gang_b.members.iter().cloned().collect();
    for (tick, set) in run.running_sets("app", "G") {
        if tick >= fail_tick && tick < new_running {
            assert_eq!(set, b_ids, "tick {tick}: RUNNING while gang A is retried");
        }
    }
    assert_ne!(new.gang_id, gang_a);
    assert!(new.members.iter().all(|m| !members_a.contains(m)), "replica ids reused");
    assert!(new.pg_name.starts_with(&format!("{GANG_PREFIX}app_G_0_")), "{}", new.pg_name);

    // The old PG goes with its last member, and the new gang is reserved only after both A members left.
    let a_pg = format!("{GANG_PREFIX}app_G_{}", members_pg_suffix(&run, &gang_a));
    let removed = run.pg_entered(&a_pg, PG::Removed).expect("gang A's PG removed");
    let last_left = members_a.iter().map(|m| run.first_into(m, RS::Stopped).unwrap().seq).max().unwrap();
    assert!(removed.seq > last_left && new.seq > last_left);

    // Status: UPDATING until HEALTHY (a start-up failure of a deploying gang is retried, not DEPLOY_FAILED);
    // the message says how many retries are left (12 - 1).
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::Healthy]);
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running]);
    assert!(
        run.deployment_statuses("app", "G")
            .iter()
            .any(|s| s.message.starts_with("A replica failed to start with exception. Retrying 11 more time(s).")),
        "{:?}",
        run.deployment_statuses("app", "G")
    );
    assert_eq!(running(&end, "app", "G").len(), 4);
    let d = deployment(&end, "app", "G");
    assert_eq!((d.status, d.failure_count, d.gang_restarts), (DS::Healthy, 0, 1));
}

/// `<index>_<gang_id>` of a gang's PG name, read from its reservation.
fn members_pg_suffix(run: &Run, gang_id: &str) -> String {
    let r = run.reservations("app", "G").into_iter().find(|r| r.gang_id == gang_id).unwrap();
    r.pg_name.trim_start_matches(&format!("{GANG_PREFIX}app_G_")).to_string()
}

#[test]
fn s12_no_gang_is_reserved_while_a_replica_of_the_deployment_is_stopping() {
    let run = run_file("12_stopping_blocks_reservation.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let scale_t = run.action_time("set_num_replicas");

    // The downscale stops one whole gang gracefully: it drains for the 2 s wait loop.
    let victims: Vec<_> =
        run.transitions("app", "G").into_iter().filter(|t| t.to == RS::Stopping && t.t < scale_t + 0.05).collect();
    assert_eq!(victims.len(), 2, "{victims:?}");
    assert_eq!(victims[0].gang_id, victims[1].gang_id);
    let drained_until =
        victims.iter().map(|v| run.first_into(&v.replica, RS::Stopped).expect("victim stopped")).max_by_key(|s| s.seq);
    let drained_until = drained_until.unwrap();
    assert!(drained_until.t - scale_t >= 2.0 - EPS, "graceful stop took {} s", drained_until.t - scale_t);

    // The crash in the other gang is detected, and its gang torn down, while the victims still drain.
    let crashed = &run.action_targets("kill_replica")[0].1;
    let td = run.teardowns("app", "G");
    assert_eq!(td.len(), 1);
    assert_eq!((td[0].cause, td[0].failed_member.as_deref()), (TeardownCause::ActorCrashed, Some(crashed.as_str())));
    assert!(td[0].tick < drained_until.tick, "premise: the crash must be handled while the downscale drains");

    // No reservation while anything is STOPPING; the replacement comes after the last victim left.
    assert_no_reservation_while_stopping(&run, "app", "G");
    let replacement: Vec<_> = run.reservations("app", "G").into_iter().filter(|r| r.t > scale_t).collect();
    assert_eq!(replacement.len(), 1);
    assert!(replacement[0].tick >= drained_until.tick);

    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 2);
    assert_eq!(running_gang_ids(&end, "app", "G"), BTreeSet::from([replacement[0].gang_id.clone()]));
    assert_eq!(
        run.status_sequence("app", "G"),
        vec![
            (DS::Updating, Trig::ConfigUpdateStarted),
            (DS::Healthy, Trig::ConfigUpdateCompleted),
            (DS::Downscaling, Trig::ConfigUpdateStarted),
            (DS::Unhealthy, Trig::HealthCheckFailed),
            (DS::Healthy, Trig::Unspecified),
        ]
    );
}

#[test]
fn s13_reservation_failure_counts_goes_deploy_failed_then_stops_trying() {
    let run = run_file("13_reservation_failure.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let restarts: Vec<f64> = run
        .controller_changes()
        .iter()
        .filter(|c| c.2 == gangplank::model::events::ControllerChange::Started)
        .map(|c| c.0)
        .collect();
    assert_eq!(restarts.len(), 1);
    let killed = run.action_targets("kill_replica")[0].1.clone();
    let gang = gang_of(&run, &killed);
    let survivor = reserved_members(&run, "app", "G", &gang).into_iter().find(|m| *m != killed).unwrap();

    // While the survivor recovers, the deficit is 1: every tick's reservation fails with Ray's message ...
    let fails = run.reservation_failures("app", "G");
    assert!(!fails.is_empty());
    for (_, _, e) in &fails {
        assert_eq!(e, "num_replicas_to_add 1 is not divisible by gang_size 2.");
    }
    let fail_ticks: BTreeSet<u64> = fails.iter().map(|f| f.1).collect();
    assert_eq!(fail_ticks.len(), fails.len(), "one failure per tick");
    // ... and no replica is created for it.
    assert!(
        run.transitions("app", "G").iter().all(|t| !(t.to == RS::Starting && fail_ticks.contains(&t.tick))),
        "a replica was created in a failed-reservation tick"
    );
    let first_msg =
        run.deployment_statuses("app", "G").into_iter().find(|s| s.message.contains("Gang scheduling failed"));
    assert_eq!(first_msg.as_ref().map(|s| s.status), Some(DS::Updating), "the status stays UPDATING at first");
    assert_eq!(
        first_msg.map(|s| s.message),
        Some(
            "Gang scheduling failed: num_replicas_to_add 1 is not divisible by gang_size 2. See Serve controller logs for more details."
                .to_string()
        )
    );

    // The 6th (min(20, 2 x 3)) failure, with nothing RUNNING, makes the deployment DEPLOY_FAILED in that tick.
    let threshold = failure_threshold(2) as usize;
    assert!(fails.len() >= threshold);
    let failed = run.first_status("app", "G", DS::DeployFailed).expect("DEPLOY_FAILED");
    assert_eq!(failed.trigger, Trig::ReplicaStartupFailed);
    assert_eq!(failed.tick, fails[threshold - 1].1);
    assert!(run.app_statuses("app").contains(&AS::DeployFailed));

    // Terminally failed: no reservation is tried until the survivor is RUNNING again.
    let survivor_back = run.transitions_of(&survivor).into_iter().find(|t| t.to == RS::Running && t.t > restarts[0]);
    let survivor_back = survivor_back.expect("the survivor recovered");
    assert!(
        fails.iter().all(|f| f.1 <= failed.tick || f.1 >= survivor_back.tick),
        "reservations tried while terminally failed: {fails:?}"
    );

    // The survivor's gang is incomplete: torn down, and a new gang takes its place.
    let td = run.teardowns("app", "G");
    assert_eq!(td.len(), 1);
    assert_eq!(td[0].cause, TeardownCause::IncompleteGang);
    assert_eq!(td[0].failed_member.as_deref(), Some(killed.as_str()));
    assert!(td[0].tick >= survivor_back.tick);
    let end = run.end();
    let final_gangs = running_gang_ids(&end, "app", "G");
    assert_eq!(running(&end, "app", "G").len(), 2);
    assert_eq!(final_gangs.len(), 1);
    assert!(!final_gangs.contains(&gang));
    assert_eq!(run.status_sequence("app", "G").last(), Some(&(DS::Healthy, Trig::Unspecified)));
    assert_eq!(app_status(&end, "app"), Some(AS::Running));
}

#[test]
fn s14_one_batch_reserves_independent_gangs_with_flattened_bundles_and_unique_names() {
    let run = run_file("14_scheduler_batch.json");
    run.assert_no_violations();
    let a = run.reservations("a", "A");
    let b = run.reservations("b", "B");
    assert_eq!((a.len(), b.len()), (2, 1));
    assert!(a.iter().chain(&b).all(|r| r.tick == a[0].tick), "not one batch");

    let mut names: Vec<String> = a.iter().chain(&b).map(|r| r.pg_name.clone()).collect();
    let gids: BTreeSet<String> = a.iter().chain(&b).map(|r| r.gang_id.clone()).collect();
    assert_eq!(gids.len(), 3);
    assert!(gids.iter().all(|g| is_gang_id(g)));
    names.sort();
    let mut expected: Vec<String> = a
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{GANG_PREFIX}a_A_{i}_{}", r.gang_id))
        .chain(std::iter::once(format!("{GANG_PREFIX}b_B_0_{}", b[0].gang_id)))
        .collect();
    expected.sort();
    assert_eq!(names, expected);

    let end = run.end();
    // a/A: [{CPU 0.25, zone a}, {CPU 0.1}] x 2; the selector replicated per replica: bundles 0 and 2 on w2 (zone a).
    for r in &a {
        let p = pg(&end, &r.pg_name);
        assert_eq!(p.strategy, PlacementStrategy::Pack);
        assert_eq!(bundle_cpus(p), vec![0.25, 0.1, 0.25, 0.1]);
        let nodes = bundle_nodes(p);
        assert_eq!((nodes[0].as_deref(), nodes[2].as_deref()), (Some("w2"), Some("w2")));
    }
    let mut idx: Vec<Option<usize>> = running(&end, "a", "A").iter().map(|r| r.bundle_index).collect();
    idx.sort();
    assert_eq!(idx, vec![Some(0), Some(0), Some(2), Some(2)]);
    // b/B: one SPREAD gang of 3 on the 3 nodes.
    let p = pg(&end, &b[0].pg_name);
    assert_eq!((p.strategy, bundle_cpus(p)), (PlacementStrategy::Spread, vec![0.25; 3]));
    assert_eq!(distinct(&bundle_nodes(p)).len(), 3);
    assert_eq!(running(&end, "a", "A").len() + running(&end, "b", "B").len(), 7);
    assert_gangs_well_formed(&run, "a", "A", 2);
    assert_gangs_well_formed(&run, "b", "B", 3);
}

#[test]
fn s15_successful_reservation_starts_whole_gangs_on_their_bundles() {
    // Look at the replicas in the tick of the reservation.
    let scouting = run_file("15_successful_reservation.json");
    let reserved_at = scouting.reservations("app", "G")[0].t;
    let run = run_file_probing("15_successful_reservation.json", &[reserved_at]);
    run.assert_no_violations();
    let first = run.at(reserved_at);
    let starting = in_state(first, "app", "G", RS::Starting);
    assert_eq!(starting.len(), 4);
    let mut idx: Vec<Option<usize>> = starting.iter().map(|r| r.bundle_index).collect();
    idx.sort();
    assert_eq!(idx, vec![Some(0), Some(0), Some(1), Some(1)]);
    let g = gangs(first, "app", "G");
    assert_eq!(g.len(), 2);
    for members in g.values() {
        let ranks: Vec<u32> = members.iter().map(|r| context(r).rank).collect();
        assert_eq!(ranks, vec![0, 1]);
        for r in members {
            assert_eq!(r.bundle_index, Some(context(r).rank as usize));
            assert_eq!(r.pg_name.as_deref(), Some(context(r).pg_name.as_str()));
        }
    }
    assert_eq!(pgs(first, GANG_PREFIX).len(), 2);

    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 4);
    assert_eq!(
        run.status_sequence("app", "G"),
        vec![(DS::Updating, Trig::ConfigUpdateStarted), (DS::Healthy, Trig::ConfigUpdateCompleted)]
    );
}

#[test]
fn s16a_constructor_always_fails_deploy_failed_once_per_gang_nothing_left() {
    let run = run_file("16a_constructor_always_fails.json");
    run.assert_no_violations();
    let end = run.end();
    let d = deployment(&end, "app", "G");
    let threshold = failure_threshold(4);

    assert_eq!(running(&end, "app", "G").len(), 0);
    assert!(run.running_timeline("app", "G").iter().all(|(_, _, n)| *n == 0), "a replica ran");
    assert_eq!((d.status, d.status_trigger), (DS::DeployFailed, Trig::ReplicaStartupFailed));
    assert_eq!(app_status(&end, "app"), Some(AS::DeployFailed));
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::DeployFailed]);
    let failed = run.first_status("app", "G", DS::DeployFailed).unwrap();
    let count_then = run.startup_failures("app", "G").iter().filter(|f| f.1 <= failed.tick).map(|f| f.3).max().unwrap();
    assert!(count_then >= threshold, "DEPLOY_FAILED after {count_then} failures, threshold {threshold}");
    assert!(
        d.message.starts_with(&format!("The deployment failed to start {count_then} times in a row.")),
        "{}",
        d.message
    );

    // Counted once per gang (errata §7): the counter equals the number of gangs that failed.
    let failed_gangs: BTreeSet<String> = run.startup_failures("app", "G").iter().map(|f| gang_of(&run, &f.2)).collect();
    assert!(d.failure_count >= threshold, "{} < {threshold}", d.failure_count);
    assert_eq!(d.failure_count as usize, failed_gangs.len());
    assert_eq!(run.teardowns("app", "G").len(), failed_gangs.len());

    // After DEPLOY_FAILED nothing is reserved any more, and nothing is left behind.
    assert!(run.reservations("app", "G").iter().all(|r| r.tick <= failed.tick));
    assert!(replicas(&end, "app", "G").is_empty(), "{:?}", replicas(&end, "app", "G"));
    assert!(pgs(&end, GANG_PREFIX).is_empty(), "{:?}", pgs(&end, GANG_PREFIX));
}

#[test]
fn s16b_transient_constructor_failure_recovers_to_healthy() {
    let run = run_file("16b_constructor_transient_failure.json");
    run.assert_no_violations();
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 4);
    assert_eq!(deployment(&end, "app", "G").status, DS::Healthy);
    assert_eq!(app_status(&end, "app"), Some(AS::Running));
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::Healthy]);
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running]);
    let f = run.startup_failures("app", "G");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].3, 1);
    let t = run.teardowns("app", "G");
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].cause, TeardownCause::StartupFailed);
    assert_eq!(run.reservations("app", "G").len(), 3, "2 gangs + 1 retried");
    assert_gangs_well_formed(&run, "app", "G", 2);
}

// =====================================================================================================================
// §7.17 – §7.19: health checks and RESTART_GANG
// =====================================================================================================================

#[test]
fn s17_health_check_failure_restarts_the_gang_while_the_other_gang_serves() {
    let run = run_file("17_health_check_gang_restart.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let fault_t = run.action_time("fail_health_check");
    let bad = run.action_targets("fail_health_check")[0].1.clone();
    let x = gang_of(&run, &bad);
    let x_members = reserved_members(&run, "app", "G", &x);
    let y = run.reservations("app", "G").into_iter().find(|r| r.gang_id != x && r.t < fault_t).unwrap();

    // Three failed checks in a row, about one period (1 s, jittered 0.9-1.1, on 0.1 s ticks) apart.
    let hc = run.health_checks(&bad);
    assert_eq!(hc.iter().map(|h| h.consecutive_failures).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_within("first failed check after the fault", hc[0].t - fault_t, 0.0, 1.1 + 2.0 * run.interval());
    for w in hc.windows(2) {
        assert_within("gap between failed checks", w[1].t - w[0].t, 0.9 - 0.1, 1.1 + 0.1);
    }

    // Teardown in the tick of the third failure: both X members STOPPING then; UNHEALTHY then.
    let td = run.teardowns("app", "G");
    assert_eq!(td.len(), 1);
    assert_eq!((td[0].cause, td[0].tick), (TeardownCause::HealthCheckFailed, hc[2].tick));
    assert_eq!(td[0].gang_id, x);
    for m in &x_members {
        assert_eq!(run.tick_into(m, RS::Stopping), Some(td[0].tick), "{m}");
    }
    let unhealthy = run.first_status("app", "G", DS::Unhealthy).unwrap();
    assert_eq!((unhealthy.tick, unhealthy.trigger), (td[0].tick, Trig::HealthCheckFailed));
    assert_eq!(unhealthy.message, HEALTH_MESSAGE);
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running, AS::Unhealthy, AS::Running]);

    // Y serves throughout; during the teardown exactly Y runs.
    for m in &y.members {
        assert_never_left_running(&run, m);
    }
    let replacement = run.reservations("app", "G").into_iter().find(|r| r.t > fault_t).expect("replacement");
    let back = replacement.members.iter().filter_map(|m| run.tick_into(m, RS::Running)).min().unwrap();
    let y_ids: BTreeSet<String> = y.members.iter().cloned().collect();
    for (tick, set) in run.running_sets("app", "G") {
        if tick >= td[0].tick && tick < back {
            assert_eq!(set, y_ids, "tick {tick}");
        }
    }

    // After: 4 RUNNING, no X member, Y unchanged, HEALTHY; health failures are not start-up failures.
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 4);
    let now: BTreeSet<String> = ids(&replicas(&end, "app", "G"));
    assert!(x_members.iter().all(|m| !now.contains(m)));
    assert_eq!(running_gang_ids(&end, "app", "G"), BTreeSet::from([y.gang_id.clone(), replacement.gang_id.clone()]));
    assert_eq!(run.statuses("app", "G"), vec![DS::Updating, DS::Healthy, DS::Unhealthy, DS::Healthy]);
    assert_eq!(run.status_sequence("app", "G").last(), Some(&(DS::Healthy, Trig::Unspecified)));
    assert!(run.startup_failures("app", "G").is_empty());
    let d = deployment(&end, "app", "G");
    assert_eq!((d.failure_count, d.gang_restarts), (0, 1));
}

#[test]
fn s18a_two_unhealthy_members_of_one_gang_one_teardown_one_replacement() {
    let run = run_file("18a_two_unhealthy_one_gang.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let fault_t = run.action_time("fail_health_check");
    let bad: Vec<String> = run.action_targets("fail_health_check").into_iter().map(|(_, id)| id).collect();
    assert_eq!(bad.len(), 2);
    let x = gang_of(&run, &bad[0]);
    assert_eq!(gang_of(&run, &bad[1]), x, "premise: both failing replicas are in one gang");
    let unhealthy_ticks: BTreeSet<u64> = bad
        .iter()
        .map(|b| run.health_checks(b).iter().find(|h| h.consecutive_failures == 3).expect("3rd failure").tick)
        .collect();
    assert_eq!(unhealthy_ticks.len(), 1, "premise: both turn unhealthy in the same tick");

    let td = run.teardowns("app", "G");
    assert_eq!(td.len(), 1, "{td:?}");
    assert_eq!(td[0].gang_id, x);
    assert_eq!(Some(td[0].tick), unhealthy_ticks.first().copied());
    let replacements: Vec<_> = run.reservations("app", "G").into_iter().filter(|r| r.t > fault_t).collect();
    assert_eq!(replacements.len(), 1);
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 4);
    assert_eq!(deployment(&end, "app", "G").gang_restarts, 1);
    let other = run.reservations("app", "G").into_iter().find(|r| r.gang_id != x && r.t < fault_t).unwrap();
    for m in &other.members {
        assert_never_left_running(&run, m);
    }
}

#[test]
fn s18b_unhealthy_members_in_two_gangs_both_replaced_in_the_same_tick() {
    let run = run_file("18b_unhealthy_in_two_gangs.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let fault_t = run.action_time("fail_health_check");
    let bad: Vec<String> = run.action_targets("fail_health_check").into_iter().map(|(_, id)| id).collect();
    let bad_gangs: BTreeSet<String> = bad.iter().map(|b| gang_of(&run, b)).collect();
    assert_eq!(bad_gangs.len(), 2, "premise: the two failing replicas are in different gangs");
    let unhealthy_ticks: BTreeSet<u64> = bad
        .iter()
        .map(|b| run.health_checks(b).iter().find(|h| h.consecutive_failures == 3).expect("3rd failure").tick)
        .collect();
    assert_eq!(unhealthy_ticks.len(), 1, "premise: both turn unhealthy in the same tick");
    let tick = *unhealthy_ticks.first().unwrap();

    // Both gangs torn down in that tick, all 4 members STOPPING in it.
    let td = run.teardowns("app", "G");
    assert_eq!(td.len(), 2);
    assert!(td.iter().all(|t| t.tick == tick));
    assert_eq!(td.iter().map(|t| t.gang_id.clone()).collect::<BTreeSet<_>>(), bad_gangs);
    for g in &bad_gangs {
        for m in reserved_members(&run, "app", "G", g) {
            assert_eq!(run.tick_into(&m, RS::Stopping), Some(tick), "{m}");
        }
    }
    // Both replaced, in one later tick.
    let replacements: Vec<_> = run.reservations("app", "G").into_iter().filter(|r| r.t > fault_t).collect();
    assert_eq!(replacements.len(), 2);
    assert_eq!(replacements[0].tick, replacements[1].tick);
    assert!(replacements[0].tick > tick);
    let end = run.end();
    assert_eq!(running(&end, "app", "G").len(), 4);
    let final_gangs = running_gang_ids(&end, "app", "G");
    assert!(final_gangs.is_disjoint(&bad_gangs));
    assert_eq!(deployment(&end, "app", "G").gang_restarts, 2);
}

#[test]
fn s19_gang_members_are_force_stopped_non_gang_replicas_drain() {
    // First find the teardown, then look at the stop flags in that very tick.
    let scouting = run_file("19_force_stop_flag.json");
    let td = scouting.teardowns("app", "G");
    assert_eq!(td.len(), 1);
    let n_bad = scouting
        .action_targets("fail_health_check")
        .into_iter()
        .map(|(_, id)| id)
        .find(|id| scouting.transitions_of(id).iter().any(|t| t.deployment.1 == "N"))
        .expect("the N replica");
    let n_stop = scouting.first_into(&n_bad, RS::Stopping).expect("N's unhealthy replica stopped");
    let run = run_file_probing("19_force_stop_flag.json", &[td[0].t, n_stop.t]);
    run.assert_no_violations();

    // Gang members under RESTART_GANG: non-graceful, the unhealthy one and its healthy sibling alike ...
    let at = run.at(td[0].t);
    let members = reserved_members(&run, "app", "G", &td[0].gang_id);
    for m in &members {
        let r = at.replicas.iter().find(|r| &r.id == m).unwrap();
        assert_eq!((r.state, r.graceful_stop), (RS::Stopping, Some(false)), "{m}");
        // ... so they are gone one tick later, although the drain wait loop is 2 s.
        let stop = run.first_into(m, RS::Stopping).unwrap();
        let gone = run.first_into(m, RS::Stopped).unwrap();
        assert_eq!(gone.tick, stop.tick + 1, "{m}: forced stop took {} s", gone.t - stop.t);
    }
    // The non-gang unhealthy replica (flag off): graceful, drains for the wait loop.
    let r = run.at(n_stop.t).replicas.iter().find(|r| r.id == n_bad).unwrap().clone();
    assert_eq!((r.state, r.graceful_stop), (RS::Stopping, Some(true)));
    let gone = run.first_into(&n_bad, RS::Stopped).unwrap();
    assert_within("graceful stop of the non-gang replica", gone.t - n_stop.t, 2.0, 2.0 + 2.0 * run.interval());
    let end = run.end();
    assert_eq!((running(&end, "app", "G").len(), running(&end, "app", "N").len()), (4, 2));
}

// =====================================================================================================================
// §7.20 – §7.24: controller crash and recovery
// =====================================================================================================================

fn controller_starts(run: &Run) -> Vec<f64> {
    use gangplank::model::events::ControllerChange;
    run.controller_changes().into_iter().filter(|c| c.2 == ControllerChange::Started).map(|c| c.0).collect()
}

#[test]
fn s20_leaked_gang_and_per_replica_pgs_removed_at_recovery_survivor_kept() {
    let run = run_file_probing("20_leaked_gang_pg_after_recovery.json", &[9.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let before = run.at(9.9);
    let survivor_pg = pgs(before, &format!("{GANG_PREFIX}survivor_G_"))[0].name.clone();
    let victim_pg = pgs(before, &format!("{GANG_PREFIX}victim_G_"))[0].name.clone();
    let per_replica_pg = pgs(before, "SERVE_REPLICA::per_replica#P#")[0].name.clone();
    let survivors = ids(&running(before, "survivor", "G"));
    assert_eq!(survivors.len(), 2);

    // Leak detection, once, at the new controller's start: exactly the two PGs no live actor uses.
    let starts = controller_starts(&run);
    assert_eq!(starts.len(), 1);
    let leaks = run.leaks();
    let leaked: BTreeSet<(String, bool)> = leaks.iter().map(|(_, n, g)| (n.clone(), *g)).collect();
    assert_eq!(leaked, BTreeSet::from([(victim_pg.clone(), true), (per_replica_pg.clone(), false)]));
    assert!(leaks.iter().all(|(t, ..)| (t - starts[0]).abs() < EPS));
    for name in [&victim_pg, &per_replica_pg] {
        let removed = run.pg_entered(name, PG::Removed).unwrap();
        assert!((removed.t - starts[0]).abs() < EPS, "{name} removed at {} s", removed.t);
    }

    // Both recreated under new names; the survivor keeps its PG and replicas, and kept running.
    let end = run.end();
    assert_eq!(pg(&end, &survivor_pg).state, PG::Created);
    let new_victim = pgs(&end, &format!("{GANG_PREFIX}victim_G_"));
    assert_eq!(new_victim.len(), 1);
    assert_ne!(new_victim[0].name, victim_pg);
    let new_per_replica = pgs(&end, "SERVE_REPLICA::per_replica#P#");
    assert_eq!(new_per_replica.len(), 1);
    assert_ne!(new_per_replica[0].name, per_replica_pg);
    assert_eq!(ids(&running(&end, "survivor", "G")), survivors);
    for id in &survivors {
        let states = run.states_of(id);
        assert!(!states.contains(&RS::Stopping), "survivor {id}: {states:?}");
        assert_eq!(states.last(), Some(&RS::Running));
    }
    for (app, dep, n) in [("survivor", "G", 2), ("victim", "G", 2), ("per_replica", "P", 1)] {
        assert_eq!(running(&end, app, dep).len(), n, "{app}");
        assert_eq!(deployment(&end, app, dep).status, DS::Healthy, "{app}");
        assert_eq!(app_status(&end, app), Some(AS::Running), "{app}");
    }
}

#[test]
fn s21_failed_cluster_query_skips_gang_leak_detection_only() {
    let run = run_file_probing("21_gcs_query_failure_skips_leak_detection.json", &[9.9, 19.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let before = run.at(9.9);
    let victim_pg = pgs(before, &format!("{GANG_PREFIX}victim_G_"))[0].name.clone();
    let per_replica_pg = pgs(before, "SERVE_REPLICA::per_replica#P#")[0].name.clone();
    let starts = controller_starts(&run);
    assert_eq!(starts.len(), 2);

    // First start (queries failing): gang leak detection skipped, per-replica detection still runs.
    let skips = run.leak_detection_skips();
    assert_eq!(skips.len(), 1);
    assert!((skips[0] - starts[0]).abs() < EPS);
    let first: Vec<(String, bool)> =
        run.leaks().into_iter().filter(|(t, ..)| (t - starts[0]).abs() < EPS).map(|(_, n, g)| (n, g)).collect();
    assert_eq!(first, vec![(per_replica_pg.clone(), false)]);

    // Recovery carried on; the victim's dead gang PG is still there, used by nobody.
    use gangplank::model::events::ControllerChange;
    assert!(run.controller_changes().iter().any(|c| c.2 == ControllerChange::Recovered && c.0 > starts[0]));
    let mid = run.at(19.9);
    assert_eq!(pg(mid, &victim_pg).state, PG::Created);
    assert!(mid.replicas.iter().all(|r| r.pg_name.as_deref() != Some(victim_pg.as_str())));
    for (app, dep, n) in [("survivor", "G", 2), ("victim", "G", 2), ("per_replica", "P", 1)] {
        assert_eq!(running(mid, app, dep).len(), n, "{app}");
    }

    // The next controller start, with working queries, removes it.
    let second: Vec<(String, bool)> =
        run.leaks().into_iter().filter(|(t, ..)| (t - starts[1]).abs() < EPS).map(|(_, n, g)| (n, g)).collect();
    assert_eq!(second, vec![(victim_pg.clone(), true)]);
    let end = run.end();
    assert!(pgs(&end, &victim_pg).is_empty());
    for app in ["survivor", "victim", "per_replica"] {
        assert_eq!(app_status(&end, app), Some(AS::Running), "{app}");
    }
}

#[test]
fn s22_same_gangs_and_pgs_after_controller_crash_then_delete_leaves_no_gang_pg() {
    let run = run_file_probing("22_pg_reference_recovered.json", &[9.9, 14.9]);
    run.assert_no_violations();
    let before = run.at(9.9);
    let gang_ids = running_gang_ids(before, "app", "G");
    let pg_names: BTreeSet<String> = pgs(before, GANG_PREFIX).iter().map(|p| p.name.clone()).collect();
    assert_eq!((gang_ids.len(), pg_names.len()), (2, 2));

    let after = run.at(14.9);
    assert_eq!(after.controller.incarnation, 2);
    assert_eq!(running(after, "app", "G").len(), 4);
    assert_eq!(running_gang_ids(after, "app", "G"), gang_ids, "the same gangs serve after the restart");
    assert_eq!(pgs(after, GANG_PREFIX).iter().map(|p| p.name.clone()).collect::<BTreeSet<_>>(), pg_names);
    assert_eq!(run.reservations("app", "G").len(), 2, "nothing re-reserved");
    assert!(run.leaks().is_empty());

    let end = run.end();
    assert!(pgs(&end, GANG_PREFIX).is_empty());
    for name in run.pgs_requested(GANG_PREFIX) {
        assert!(run.pg_entered(&name, PG::Removed).is_some(), "{name} never removed");
    }
    assert_eq!(app_status(&end, "app"), None);
}

#[test]
fn s23_gang_contexts_survive_a_controller_crash() {
    let run = run_file_probing("23_gang_context_recovery.json", &[9.9]);
    run.assert_no_violations();
    let before = run.at(9.9);
    let end = run.end();
    for (app, n) in [("g4", 4), ("g2", 2)] {
        let was: BTreeMap<String, _> =
            running(before, app, "G").iter().map(|r| (r.id.clone(), r.gang_context.clone())).collect();
        let now: BTreeMap<String, _> =
            running(&end, app, "G").iter().map(|r| (r.id.clone(), r.gang_context.clone())).collect();
        assert_eq!(was.len(), n, "{app}");
        assert!(was.values().all(Option::is_some), "{app}");
        assert_eq!(now, was, "{app}: contexts changed across the restart");
        for id in was.keys() {
            assert!(run.states_of(id).contains(&RS::Recovering), "{id} was not re-attached");
        }
        assert_eq!(deployment(&end, app, "G").status, DS::Healthy);
    }
    assert_eq!(ids(&running(&end, "plain", "N")), ids(&running(before, "plain", "N")));
    assert_eq!(running(&end, "plain", "N").len(), 2);
    assert!(running(&end, "plain", "N").iter().all(|r| r.gang_context.is_none()));
    assert_eq!(deployment(&end, "plain", "N").status, DS::Healthy);
    for app in ["g4", "g2", "plain"] {
        assert_eq!(app_status(&end, app), Some(AS::Running));
    }
}

#[test]
fn s24a_both_members_of_one_gang_die_while_the_controller_is_down() {
    let run = run_file_probing("24a_crash_while_controller_down_same_gang.json", &[9.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let victims: BTreeSet<String> = run.action_targets("kill_replica").into_iter().map(|(_, id)| id).collect();
    assert_eq!(victims.len(), 2);
    let dead_gang = gang_of(&run, victims.first().unwrap());
    let before = run.at(9.9);
    let kept: Vec<String> =
        running(before, "app", "G").iter().filter(|r| context(r).gang_id != dead_gang).map(|r| r.id.clone()).collect();
    assert_eq!(kept.len(), 2);

    let end = run.end();
    let now = running(&end, "app", "G");
    assert_eq!(now.len(), 4);
    assert!(now.iter().all(|r| r.gang_context.is_some()));
    assert!(ids(&now).is_disjoint(&victims));
    assert!(kept.iter().all(|k| ids(&now).contains(k)), "the intact gang was kept");
    assert_gangs_well_formed(&run, "app", "G", 2);
    // The dead gang's PG was used by no live actor: removed as leaked at the restart.
    let dead_pg = format!("{GANG_PREFIX}app_G_{}", members_pg_suffix(&run, &dead_gang));
    assert!(run.leaks().iter().any(|(_, n, g)| *n == dead_pg && *g));
    assert_eq!(deployment(&end, "app", "G").status, DS::Healthy);
}

#[test]
fn s24b_one_member_of_each_gang_dies_while_the_controller_is_down() {
    let run = run_file("24b_crash_while_controller_down_two_gangs.json");
    run.assert_no_violations();
    run.assert_actions_applied();
    let victims: BTreeSet<String> = run.action_targets("kill_replica").into_iter().map(|(_, id)| id).collect();
    let old_gangs: BTreeSet<String> = victims.iter().map(|v| gang_of(&run, v)).collect();
    assert_eq!(old_gangs.len(), 2, "premise: one victim per gang");

    // Both survivors' gangs are incomplete: torn down once their survivor is RUNNING again, and rebuilt.
    let td = run.teardowns("app", "G");
    let torn: BTreeSet<String> =
        td.iter().filter(|t| t.cause == TeardownCause::IncompleteGang).map(|t| t.gang_id.clone()).collect();
    assert_eq!(torn, old_gangs);
    for t in td.iter().filter(|t| t.cause == TeardownCause::IncompleteGang) {
        assert!(victims.contains(t.failed_member.as_ref().unwrap()));
    }

    let end = run.end();
    let now = running(&end, "app", "G");
    assert_eq!(now.len(), 4);
    assert!(now.iter().all(|r| r.gang_context.is_some()));
    assert!(ids(&now).is_disjoint(&victims));
    assert!(running_gang_ids(&end, "app", "G").is_disjoint(&old_gangs));
    assert_gangs_well_formed(&run, "app", "G", 2);
    assert_eq!(deployment(&end, "app", "G").status, DS::Healthy);
    assert_eq!(pgs(&end, GANG_PREFIX).len(), 2, "no gang PG leaked");
}

// =====================================================================================================================
// §7.25 – §7.26: node death, scaling
// =====================================================================================================================

/// §7.25 for one strategy: the gangs with a member on the dead node are rebuilt, the others serve throughout,
/// exactly 2 gang PGs are live at the end.
fn node_death(file: &str) {
    let run = run_file_probing(file, &[9.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let dead = run.action_targets("kill_node")[0].1.clone();
    let before = run.at(9.9);
    let all = gangs(before, "app", "G");
    assert_eq!(all.len(), 2);
    let (affected, unaffected): (Vec<_>, Vec<_>) =
        all.iter().partition(|(_, m)| m.iter().any(|r| r.node.as_deref() == Some(dead.as_str())));
    assert!(!affected.is_empty(), "premise: {dead} holds a gang member");

    // No request errors: a gang without a member on the dead node keeps serving throughout.
    assert!(!unaffected.is_empty(), "every gang had a member on {dead}: nothing could serve");
    for (_, members) in &unaffected {
        for r in members.iter() {
            assert_never_left_running(&run, &r.id);
        }
    }
    let healthy_t = run.first_status("app", "G", DS::Healthy).unwrap().t;
    assert!(run.running_timeline("app", "G").iter().all(|(t, _, n)| *t < healthy_t || *n > 0));

    let end = run.end();
    let final_gangs = running_gang_ids(&end, "app", "G");
    for (gid, _) in &affected {
        assert!(!final_gangs.contains(*gid), "affected gang {gid} still runs");
        let t = run.teardowns("app", "G");
        assert!(t.iter().any(|t| &t.gang_id == *gid), "affected gang {gid} not torn down");
    }
    for (gid, _) in &unaffected {
        assert!(final_gangs.contains(*gid));
    }
    assert_eq!(running(&end, "app", "G").len(), 4);
    let live = pgs(&end, GANG_PREFIX);
    assert_eq!(live.len(), 2, "{live:?}");
    for p in live {
        assert_eq!(p.state, PG::Created);
        assert!(bundle_nodes(p).iter().all(|n| n.as_deref() != Some(dead.as_str())));
    }
    assert_eq!(deployment(&end, "app", "G").status, DS::Healthy);
}

#[test]
fn s25a_node_death_pack() {
    node_death("25a_node_death_pack.json");
}

#[test]
fn s25b_node_death_spread() {
    node_death("25b_node_death_spread.json");
}

/// §7.26 for one change of target: whole gangs only, final RUNNING = target, no gap in serving, surviving gang
/// ids a subset of the old ones (down) or the old ones kept (up).
fn scale(file: &str, from: usize, to: usize) {
    let run = run_file_probing(file, &[9.9]);
    run.assert_no_violations();
    run.assert_actions_applied();
    let scale_t = run.action_time("set_num_replicas");
    let before = run.at(9.9);
    let initial = running_gang_ids(before, "app", "G");
    assert_eq!(running(before, "app", "G").len(), from);

    let end = run.end();
    let final_ids = running_gang_ids(&end, "app", "G");
    assert_eq!(running(&end, "app", "G").len(), to);
    assert_eq!(final_ids.len(), to / 2);
    assert_eq!(pgs(&end, GANG_PREFIX).len(), to / 2);
    assert_gangs_well_formed(&run, "app", "G", 2);
    assert!(run.running_timeline("app", "G").iter().all(|(t, _, n)| *t < scale_t || *n > 0), "a gap in serving");
    let d = deployment(&end, "app", "G");
    assert_eq!((d.status, d.target_num_replicas), (DS::Healthy, to as u32));
    assert!(run.teardowns("app", "G").is_empty());

    if to < from {
        assert!(final_ids.is_subset(&initial), "{final_ids:?} not within {initial:?}");
        // Whole gangs stopped, gracefully, in one tick; the kept ones never left RUNNING.
        let stopped: Vec<_> = run.transitions("app", "G").into_iter().filter(|t| t.to == RS::Stopping).collect();
        assert_eq!(stopped.len(), from - to);
        assert!(stopped.iter().all(|s| s.tick == stopped[0].tick));
        let stopped_gangs: BTreeSet<String> = stopped.iter().filter_map(|s| s.gang_id.clone()).collect();
        assert_eq!(stopped_gangs, initial.difference(&final_ids).cloned().collect());
        for r in running(&end, "app", "G") {
            assert_never_left_running(&run, &r.id);
        }
        assert_eq!(run.status_sequence("app", "G").last(), Some(&(DS::Healthy, Trig::DownscaleCompleted)));
        assert!(run.statuses("app", "G").contains(&DS::Downscaling));
    } else {
        assert!(initial.is_subset(&final_ids), "{initial:?} not within {final_ids:?}");
        assert_eq!(run.reservations("app", "G").iter().filter(|r| r.t >= scale_t).count(), (to - from) / 2);
        assert_eq!(run.status_sequence("app", "G").last(), Some(&(DS::Healthy, Trig::UpscaleCompleted)));
        assert!(run.statuses("app", "G").contains(&DS::Upscaling));
    }
    // A manual scale is a config update: the app is DEPLOYING meanwhile (errata §12), then RUNNING again.
    assert_eq!(run.app_statuses("app"), vec![AS::Deploying, AS::Running, AS::Deploying, AS::Running]);
}

#[test]
fn s26a_scale_down_4_to_2() {
    scale("26a_scale_4_to_2.json", 4, 2);
}

#[test]
fn s26b_scale_down_8_to_4() {
    scale("26b_scale_8_to_4.json", 8, 4);
}

#[test]
fn s26c_scale_up_4_to_8() {
    scale("26c_scale_4_to_8.json", 4, 8);
}

/// Every acceptance scenario file in `tests/scenarios/` has a test here (and the out-of-scope ones have none).
#[test]
fn every_acceptance_scenario_file_is_covered() {
    let source = include_str!("acceptance.rs");
    let dir = scenario_path("");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json") && !n.starts_with("oracle_"))
        .collect();
    files.sort();
    assert!(files.len() >= 29, "{files:?}");
    for f in files {
        assert!(source.contains(&format!("\"{f}\"")), "{f} has no test");
        load(&f);
    }
}
