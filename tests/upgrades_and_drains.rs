//! Rolling updates and node draining, as Ray 2.60 does them (`deployment_state.py`): one test per rule, named
//! after it, on the bundled presets and small scenarios. Every run is also checked for invariant violations.
use gangplank::app::presets::preset_by_id;
use gangplank::model::Simulation;
use gangplank::model::events::{Event, EventKind};
use gangplank::model::scenario::{Scenario, parse_scenario, validate};
use gangplank::model::serve::replica::ReplicaState as RS;
use gangplank::model::serve::status::DeploymentStatus as DS;
use gangplank::model::snapshot::Snapshot;
use gangplank::model::time::SimTime;
use std::collections::BTreeSet;

/// A run sampled every control-loop interval (0.1 s): the snapshots and the events.
struct Sampled {
    samples: Vec<Snapshot>,
    events: Vec<Event>,
}

fn sample(scenario: &Scenario) -> Sampled {
    let mut sim = Simulation::new(scenario);
    let mut samples = Vec::new();
    let end = (scenario.until_s * 10.0) as u64;
    for k in 0..=end {
        sim.run_until(SimTime::from_secs_f64(k as f64 / 10.0));
        samples.push(sim.snapshot());
    }
    let violations: Vec<_> = sim.violations().iter().filter(|v| !v.reproduces_ray_2_60).collect();
    assert!(violations.is_empty(), "{}: invariant violations {violations:#?}", scenario.name);
    Sampled { samples, events: sim.events().to_vec() }
}

fn preset(id: &str) -> Scenario {
    preset_by_id(id).unwrap_or_else(|| panic!("preset {id}")).scenario().unwrap()
}

fn scenario(json: &str) -> Scenario {
    parse_scenario(json).unwrap_or_else(|e| panic!("{e:?}"))
}

fn running(s: &Snapshot) -> usize {
    s.replicas.iter().filter(|r| r.state == RS::Running).count()
}

fn rollouts(events: &[Event]) -> Vec<(&Event, Vec<String>, Vec<String>, u32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Rollout { stopped, gangs, batch, .. } => Some((e, stopped.clone(), gangs.clone(), *batch)),
            _ => None,
        })
        .collect()
}

/// From the first time the deployment was HEALTHY, after the deploy at `from_s`.
fn after(run: &Sampled, from_s: f64) -> impl Iterator<Item = &Snapshot> {
    run.samples.iter().filter(move |s| s.t.as_secs_f64() >= from_s)
}

/// `_rollout_size`: `rolling_update_percentage` × target, at least 1, rounded up to whole gangs
/// (`_round_up_to_gang_size`); with no surge, `_check_and_stop_outdated_version_replicas` lets at most one batch be
/// in transition, so RUNNING capacity never drops below target − batch.
#[test]
fn rollout_size_is_a_share_of_the_target_rounded_up_to_whole_gangs_and_bounds_the_capacity_dip() {
    let run = sample(&preset("rolling-upgrade"));
    let batches = rollouts(&run.events);
    assert_eq!(batches.len(), 4, "8 replicas in gangs of 2, batch 0.2 × 8 = 1 → 2: four batches");
    for (e, stopped, gangs, batch) in &batches {
        assert_eq!(*batch, 2);
        assert_eq!(gangs.len(), 1, "one whole gang per batch: {}", e.reason);
        assert_eq!(stopped.len(), 2);
        assert!(e.reason.contains("batch of 2 = 20 % of 8, rounded up to whole gangs"), "{}", e.reason);
    }
    let min = after(&run, 10.0).map(running).min().unwrap();
    assert_eq!(min, 6, "capacity dips by exactly one batch");
    let last = run.samples.last().unwrap();
    assert!(last.replicas.iter().all(|r| r.version == "v2" && r.state == RS::Running));
    assert_eq!(last.deployments[0].status, DS::Healthy);
}

/// `_stop_or_update_outdated_version_replicas`: gang replicas needing a restart are stopped only as complete gangs,
/// force-stopped together; the new gang's PG is reserved only after they finished STOPPING
/// (`_reserve_gang_placement_groups` skips a deployment with a STOPPING replica).
#[test]
fn outdated_gangs_are_stopped_whole_and_forcefully_and_their_replacement_waits_for_the_stop() {
    let run = sample(&preset("rolling-upgrade"));
    for (e, stopped, gangs, _) in rollouts(&run.events) {
        let before = run.samples.iter().rev().find(|s| s.t < e.t).unwrap();
        let members: BTreeSet<&str> = before
            .replicas
            .iter()
            .filter(|r| r.gang_context.as_ref().is_some_and(|g| gangs.contains(&g.gang_id)))
            .map(|r| r.id.as_str())
            .collect();
        let stopped: BTreeSet<&str> = stopped.iter().map(String::as_str).collect();
        assert_eq!(members, stopped, "the whole gang, nothing else");
        let at = run.samples.iter().find(|s| s.t >= e.t).unwrap();
        for id in &stopped {
            let r = at.replicas.iter().find(|r| r.id == *id).unwrap();
            assert_eq!(r.graceful_stop, Some(false), "gang members are force-stopped");
        }
        let reserved = run
            .events
            .iter()
            .find(|x| x.t >= e.t && matches!(x.kind, EventKind::GangReserved { .. }))
            .expect("a replacement gang");
        assert!(reserved.t > e.t, "the replacement is reserved in a later loop, once the old gang has stopped");
    }
}

/// The surge rollout (`_surge_replicas_to_start`, `_surge_replicas_to_stop`): the replacement gang starts first, on
/// spare capacity, and an old gang stops only when RUNNING exceeds the target: capacity never drops below it.
#[test]
fn surge_starts_a_whole_replacement_gang_before_stopping_an_old_one() {
    let run = sample(&preset("rolling-upgrade-surge"));
    let target = 8;
    let min = after(&run, 4.0).map(running).min().unwrap();
    assert!(min >= target, "RUNNING never below the target during a surge rollout (min {min})");
    let max_alive = after(&run, 10.0).map(|s| s.replicas.iter().filter(|r| r.state != RS::Stopping).count()).max();
    assert_eq!(max_alive, Some(target + 2), "surge 25 % of 8 = 2 replicas, one whole gang");
    let batches = rollouts(&run.events);
    assert_eq!(batches.len(), 4);
    for (e, ..) in &batches {
        assert!(e.reason.starts_with("surge rollout to v2"), "{}", e.reason);
        // Counted in the loop that stops it, after that loop's new replicas reached RUNNING.
        assert!(
            e.reason.contains("10 are RUNNING in all (target 8"),
            "only when RUNNING exceeds the target: {}",
            e.reason
        );
    }
}

/// `DeploymentVersion`: a `user_config` change needs no restart; running replicas are reconfigured in place
/// (UPDATING while `reconfigure()` runs), batch by batch, keeping their ids.
#[test]
fn a_user_config_change_reconfigures_replicas_in_place_without_a_restart() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"user_config","seed":2,"until_s":30,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":4}},{"id":"w2","resources":{"CPU":4}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":4,"user_config":{"a":1},
             "gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":10,"do":"deploy_version","deployment":{"app":"app","deployment":"G"},"user_config":{"a":2}}]}"#,
    ));
    let before: BTreeSet<String> = run.samples[95].replicas.iter().map(|r| r.id.clone()).collect();
    let last = run.samples.last().unwrap();
    let now: BTreeSet<String> = last.replicas.iter().map(|r| r.id.clone()).collect();
    assert_eq!(before, now, "the same replicas: nothing restarted");
    assert!(last.replicas.iter().all(|r| r.version == "v1 #2" && r.state == RS::Running));
    assert!(
        after(&run, 10.0).any(|s| s.replicas.iter().any(|r| r.state == RS::Updating)),
        "UPDATING while reconfigured"
    );
    assert!(!run.events.iter().any(|e| matches!(e.kind, EventKind::GangReserved { .. }) && e.t.as_secs_f64() >= 10.0));
    assert_eq!(last.deployments[0].status, DS::Healthy);
}

/// `_mark_rolling_update_failed_if_needed` (RAY_SERVE_STOP_FAILED_ROLLING_UPDATES, on by default): when the new
/// version's start-up failures reach the threshold during a rolling update, the update stops for good: status
/// DEPLOY_FAILED with Ray's message, and the old replicas keep serving until a new deploy.
#[test]
fn a_failing_new_version_stops_the_rolling_update_and_the_old_replicas_keep_serving() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"bad v2","seed":5,"until_s":60,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":4}},{"id":"w2","resources":{"CPU":4}},{"id":"w3","resources":{"CPU":4}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":6,"max_constructor_retry_count":3,
             "gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":8,"do":"deploy_version","deployment":{"app":"app","deployment":"G"},"version":"v2"},
                     {"at_s":8,"do":"fail_constructor","deployment":{"app":"app","deployment":"G"},"times":"forever"}]}"#,
    ));
    let last = run.samples.last().unwrap();
    let d = &last.deployments[0];
    assert_eq!(d.status, DS::DeployFailed);
    assert!(d.rolling_update_failed);
    assert!(
        d.message.contains("during a rolling update") && d.message.contains("keep running until a new deploy"),
        "{}",
        d.message
    );
    let old_running = last.replicas.iter().filter(|r| r.version == "v1" && r.state == RS::Running).count();
    assert_eq!(old_running, 4, "one batch (a gang of 2) was stopped before the failures; the rest keep serving");
    assert!(!last.replicas.iter().any(|r| r.version == "v2"), "no new replica is retried");
}

/// `migrate_replicas_on_draining_nodes`: a gang with a member on a draining node migrates whole (every member
/// PENDING_MIGRATION, still serving); its replacement is whole and RUNNING before the old gang stops
/// (`_choose_pending_migration_gangs_to_stop` once RUNNING + PENDING_MIGRATION exceed the target).
#[test]
fn a_gang_with_a_member_on_a_draining_node_migrates_whole_and_stops_after_its_replacement_runs() {
    let run = sample(&preset("spot-drain"));
    let migration = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Migration { gang_id: Some(g), replicas, nodes, .. } => {
                Some((e.t, g.clone(), replicas.clone(), nodes.clone()))
            }
            _ => None,
        })
        .expect("a migration");
    let (t, gang, members, nodes) = migration;
    assert_eq!(members.len(), 2, "both members, the one on a healthy node too");
    assert_eq!(nodes, vec!["w1".to_string()]);
    let at = run.samples.iter().find(|s| s.t >= t).unwrap();
    for id in &members {
        assert_eq!(at.replicas.iter().find(|r| r.id == *id).unwrap().state, RS::PendingMigration);
    }
    // Find when the old members start stopping; just before, a whole replacement gang runs besides the others.
    let stop_at = run
        .samples
        .iter()
        .find(|s| s.replicas.iter().any(|r| members.contains(&r.id) && r.state == RS::Stopping))
        .expect("the old gang stops");
    let running_new: Vec<_> = stop_at
        .replicas
        .iter()
        .filter(|r| r.state == RS::Running && r.gang_context.as_ref().is_some_and(|g| g.gang_id != gang))
        .collect();
    assert_eq!(
        running_new.len(),
        4,
        "target 4 RUNNING (the other gang and the whole replacement) before the old gang stops"
    );
    for id in &members {
        let r = stop_at.replicas.iter().find(|r| r.id == *id).unwrap();
        assert_eq!(r.state, RS::Stopping);
        assert_eq!(r.graceful_stop, Some(true), "a migrating replica stops gracefully");
    }
    let last = run.samples.last().unwrap();
    assert!(last.replicas.iter().all(|r| r.node.as_deref() != Some("w1")));
    assert_eq!(running(last), 4);
    assert!(!last.nodes.iter().find(|n| n.id == "w1").unwrap().alive, "killed at its deadline");
}

/// `_partition_groups_to_stop`: a group whose node's deadline is within the graceful-shutdown timeout is stopped
/// regardless of its replacement.
#[test]
fn a_migrating_gang_stops_at_its_nodes_deadline_minus_the_graceful_shutdown_timeout() {
    let run = sample(&preset("drain-during-upgrade"));
    let stop = run
        .events
        .iter()
        .find(|e| {
            e.reason.contains("drain deadline") && matches!(e.kind, EventKind::ReplicaState { to: RS::Stopping, .. })
        })
        .expect("a deadline-forced stop");
    assert!(
        (stop.t.as_secs_f64() - 18.0).abs() < 1e-6,
        "deadline 23 s − graceful_shutdown_timeout_s 5 s, at {}",
        stop.t.as_secs_f64()
    );
    let last = run.samples.last().unwrap();
    assert!(last.replicas.iter().all(|r| r.version == "v2" && r.state == RS::Running));
    assert_eq!(running(last), 6);
}

/// STARTING members of a gang with a member on a draining node are force-stopped at once (Ray: "Always force-stop
/// gang members to avoid leaving partial gangs"), and a draining node takes no new bundle.
#[test]
fn starting_gang_members_on_a_draining_node_are_force_stopped_and_nothing_new_lands_there() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"drain while starting","seed":3,"until_s":40,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}},{"id":"w2","resources":{"CPU":2}},{"id":"w3","resources":{"CPU":2}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":2,
             "gang_scheduling_config":{"gang_size":2,"gang_placement_strategy":"SPREAD"}}]}],
          "actions":[{"at_s":1,"do":"drain_node","node":"w1"}]}"#,
    ));
    let at = run.samples.iter().find(|s| s.t.as_secs_f64() >= 1.0).unwrap();
    let stopped: Vec<_> = at.replicas.iter().filter(|r| r.state == RS::Stopping).collect();
    if !stopped.is_empty() {
        assert!(stopped.iter().all(|r| r.graceful_stop == Some(false)), "force-stopped");
    }
    let last = run.samples.last().unwrap();
    assert_eq!(running(last), 2);
    assert!(last.replicas.iter().all(|r| r.node.as_deref() != Some("w1")), "nothing runs on the draining node");
    assert!(last.placement_groups.iter().all(|p| p.bundles.iter().all(|b| b.node.as_deref() != Some("w1"))));
}

/// The raylet refuses an idle-termination drain of a busy node ("The node to be idle terminated is no longer
/// idle."); the action is skipped with that reason and nothing changes.
#[test]
fn an_idle_termination_drain_of_a_busy_node_is_refused() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"idle","seed":3,"until_s":10,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":2,"gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":5,"do":"drain_node","node":"w1","reason":"DRAIN_NODE_REASON_IDLE_TERMINATION"}]}"#,
    ));
    let refused = run
        .events
        .iter()
        .find(|e| matches!(&e.kind, EventKind::Action { applied: false, action, .. } if action == "drain_node"))
        .expect("refused");
    assert!(refused.reason.contains("The node to be idle terminated is no longer idle."), "{}", refused.reason);
    assert!(run.samples.last().unwrap().nodes.iter().all(|n| n.draining.is_none()));
}

/// Bad values get Ray's words and a field path.
#[test]
fn bad_rollout_and_drain_fields_name_their_path() {
    let s = scenario(
        r#"{"format":"gangplank.scenario/v1","until_s":10,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":2,"rolling_update_percentage":0,
             "gang_scheduling_config":{"gang_size":2}}]}]}"#
            .replace("\"rolling_update_percentage\":0", "\"rolling_update_percentage\":0.5")
            .as_str(),
    );
    assert!(validate(&s).is_ok());
    let bad = r#"{"format":"gangplank.scenario/v1","until_s":10,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}}]},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":2,"rolling_update_percentage":1.5,"max_surge_percent":101,
             "gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":1,"do":"drain_node","node":"w9","reason":"BORED"},
                     {"at_s":2,"do":"deploy_version","deployment":{"app":"app","deployment":"G"}},
                     {"at_s":3,"do":"deploy_version","deployment":{"app":"app","deployment":"G"},"num_replicas":3}]}"#;
    let errors = parse_scenario(bad).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    let has = |p: &str, m: &str| text.iter().any(|t| t.starts_with(p) && t.contains(m));
    assert!(has("applications[0].deployments[0].rolling_update_percentage", "less than or equal to 1"), "{text:#?}");
    assert!(has("applications[0].deployments[0].max_surge_percent", "less than or equal to 100"), "{text:#?}");
    assert!(has("actions[0].node", "no node \"w9\""), "{text:#?}");
    assert!(has("actions[0].reason", "invalid choice: 'BORED'"), "{text:#?}");
    assert!(has("actions[1]", "deploy_version changes nothing"), "{text:#?}");
    assert!(has("actions[2].num_replicas", "multiple"), "{text:#?}");
}

/// `DeploymentReplica.stop` uses the replica's own version's `graceful_shutdown_timeout_s`: old replicas stopped by a
/// rollout keep the timeout they were started with, not the new version's.
#[test]
fn an_outdated_replica_stops_with_its_own_versions_graceful_shutdown_timeout() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"timeouts","seed":2,"until_s":40,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":4}}]},
          "applications":[{"name":"app","deployments":[{"name":"P","num_replicas":1,"graceful_shutdown_timeout_s":7,
             "graceful_shutdown_wait_loop_s":30}]}],
          "actions":[{"at_s":8,"do":"deploy_version","deployment":{"app":"app","deployment":"P"},"version":"v2",
                      "graceful_shutdown_timeout_s":1}]}"#,
    ));
    // The v1 replica drains for its wait loop, capped by its own 7 s timeout (not v2's 1 s).
    let stopping: Vec<f64> = run
        .samples
        .iter()
        .filter(|s| s.replicas.iter().any(|r| r.version == "v1" && r.state == RS::Stopping))
        .map(|s| s.t.as_secs_f64())
        .collect();
    let span = stopping.last().unwrap() - stopping.first().unwrap();
    assert!((6.5..7.5).contains(&span), "STOPPING for {span} s");
}

/// STEP 3 runs on a restarted controller too: a node drained while the controller was down is migrated from once
/// its replicas have recovered.
#[test]
fn a_node_drained_while_the_controller_is_down_is_migrated_from_after_recovery() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"drain while controller down","seed":4,"until_s":60,
          "cluster":{"head":{"resources":{"CPU":0}},"nodes":[{"id":"w1","resources":{"CPU":2}},{"id":"w2","resources":{"CPU":2}},
             {"id":"w3","resources":{"CPU":2}},{"id":"w4","resources":{"CPU":2}}]},
          "timing":{"health_check_period_s":2,"graceful_shutdown_timeout_s":5,"node_death_detection_s":3,"controller_restart_s":3},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":2,
             "gang_scheduling_config":{"gang_size":2,"gang_placement_strategy":"SPREAD"}}]}],
          "actions":[{"at_s":10,"do":"kill_controller"},{"at_s":11,"do":"drain_node","node":"w3","deadline_s":40}]}"#,
    ));
    let migration = run.events.iter().find(|e| matches!(e.kind, EventKind::Migration { .. })).expect("a migration");
    assert!(migration.t.as_secs_f64() > 13.0, "not before the controller is back and its replicas recovered");
    let last = run.samples.last().unwrap();
    assert_eq!(running(last), 2);
    assert!(last.replicas.iter().all(|r| r.node.as_deref() != Some("w3")));
}

/// `check_and_update_replicas` health-checks PENDING_MIGRATION replicas as well as RUNNING ones: a migrating gang
/// member that fails its checks brings RESTART_GANG down on its whole (migrating) gang.
#[test]
fn a_migrating_gang_member_is_still_health_checked_and_restart_gang_applies() {
    let run = sample(&scenario(
        r#"{"format":"gangplank.scenario/v1","name":"pm health","seed":4,"until_s":60,
          "cluster":{"head":{"resources":{"CPU":0}},"nodes":[{"id":"w1","resources":{"CPU":2}},{"id":"w2","resources":{"CPU":2}},
             {"id":"w3","resources":{"CPU":2}}]},
          "timing":{"health_check_period_s":1,"graceful_shutdown_timeout_s":5},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":4,
             "gang_scheduling_config":{"gang_size":2,"gang_placement_strategy":"SPREAD"}}]}],
          "actions":[{"at_s":8,"do":"drain_node","node":"w1"},
                     {"at_s":9,"do":"fail_health_check","replica":{"app":"app","deployment":"G","gang":1,"rank":0},"times":"forever"}]}"#,
    ));
    let migrating: BTreeSet<String> = run
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Migration { gang_id: Some(g), .. } => Some(g.clone()),
            _ => None,
        })
        .collect();
    assert!(!migrating.is_empty(), "the drain moves a gang (no room for its replacement: it stays PENDING_MIGRATION)");
    let target = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Action { action, applied: true, target: Some(t), .. } if action == "fail_health_check" => {
                Some(t.clone())
            }
            _ => None,
        })
        .expect("the health-check fault applied");
    let at9 = run.samples.iter().find(|s| s.t.as_secs_f64() >= 9.0).unwrap();
    let r = at9.replicas.iter().find(|r| r.id == target).unwrap();
    assert_eq!(
        r.state,
        RS::PendingMigration,
        "the failing replica is migrating (the fault was aimed at the drained gang)"
    );
    let gang = r.gang_context.as_ref().unwrap().gang_id.clone();
    assert!(
        run.events.iter().any(|e| matches!(&e.kind, EventKind::GangTeardown { gang_id, .. } if *gang_id == gang)),
        "RESTART_GANG tears the migrating gang down"
    );
}
