//! Rules of Ray 2.60 that the model follows, each a test named after the rule, with where the rule lives in Ray's
//! source (MODEL.md, "Rules from Ray's source").
mod trace_support;

use gangplank::model::events::{ControllerChange, EventKind};
use gangplank::model::placement::PlacementGroupState as PG;
use gangplank::model::scenario::parse_scenario;
use gangplank::model::serve::replica::{ReplicaStartupStatus, ReplicaState as RS};
use gangplank::model::serve::status::DeploymentStatus as DS;
use std::collections::BTreeSet;
use trace_support::*;

const EPS: f64 = 1e-6;

fn run_json(name: &str, json: &str, probes: &[f64]) -> Run {
    let scenario = parse_scenario(json).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let run = run_scenario_probing(name, &scenario, probes);
    run.assert_no_violations();
    run
}

fn controller_times(run: &Run, change: ControllerChange) -> Vec<f64> {
    run.controller_changes().into_iter().filter(|(_, _, c, _)| *c == change).map(|(t, ..)| t).collect()
}

/// Ray: `get_active_placement_group_ids` (`serve/_private/utils.py`) lists the PGs of Serve actors in state ALIVE;
/// `_detect_and_remove_leaked_placement_groups` (`deployment_state.py`) removes every gang PG not in it. A gang
/// whose members still wait for their PG (pending creation) holds it with no ALIVE actor, so it is removed.
#[test]
fn leak_detection_counts_a_gang_pg_in_use_only_if_an_alive_actor_holds_it() {
    let run = run_json(
        "pending gang pg at restart",
        r#"{
          "format": "gangplank.scenario/v1", "name": "rule 2", "seed": 7, "until_s": 45,
          "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": [ { "id": "w1", "resources": { "CPU": 2 } } ] },
          "timing": { "controller_restart_s": 0.9 },
          "applications": [
            { "name": "placed", "deployments": [ { "name": "G", "num_replicas": 2,
                "ray_actor_options": { "num_cpus": 1 }, "gang_scheduling_config": { "gang_size": 2 } } ] },
            { "name": "waiting", "deployments": [ { "name": "G", "num_replicas": 2,
                "ray_actor_options": { "num_cpus": 1 }, "gang_scheduling_config": { "gang_size": 2 } } ] }
          ],
          "actions": [ { "at_s": 6, "do": "kill_controller" } ]
        }"#,
        &[5.9, 20.0],
    );
    let before = run.at(5.9);
    let placed = pgs(before, "SERVE_GANG::placed_G_")[0].name.clone();
    let waiting = pgs(before, "SERVE_GANG::waiting_G_")[0].name.clone();
    assert_eq!(pg(before, &placed).state, PG::Created);
    assert_eq!(pg(before, &waiting).state, PG::Pending, "the second gang cannot fit: its PG waits");
    assert!(
        replicas(before, "waiting", "G").iter().all(|r| r.startup == Some(ReplicaStartupStatus::PendingAllocation))
    );

    let start = controller_times(&run, ControllerChange::Started)[0];
    let leaked: BTreeSet<String> = run
        .leaks()
        .into_iter()
        .map(|(t, name, gang)| {
            assert!((t - start).abs() < EPS && gang);
            name
        })
        .collect();
    assert_eq!(leaked, BTreeSet::from([waiting.clone()]), "only the PG no ALIVE actor holds is leaked");
    assert!((run.pg_entered(&waiting, PG::Removed).expect("removed").t - start).abs() < EPS);
    // Its members were waiting for it, so removing it killed none of them: the new controller re-attaches them
    // (RECOVERING, PENDING_ALLOCATION) and force-stops them past the slow-start limit; only then, with no member
    // STOPPING, is the gang reserved again. (Real Ray 2.60, same setup: "Detected leaked placement groups" at the
    // restart, the old members stopped 30.0 s later, "Created 1 of 1 gang PG(s)" 0.1 s after that.)
    let members: Vec<String> = replicas(before, "waiting", "G").iter().map(|r| r.id.clone()).collect();
    let during = run.at(20.0);
    for id in &members {
        let r = replicas(during, "waiting", "G").into_iter().find(|r| &r.id == id).expect("re-attached").clone();
        assert_eq!((r.state, r.startup), (RS::Recovering, Some(ReplicaStartupStatus::PendingAllocation)), "{id}");
        let stop = run.first_into(id, RS::Stopping).expect("force-stopped");
        assert!(stop.t > start + 30.0 && stop.t < start + 30.3, "{id} stopped at {} s (restart {start} s)", stop.t);
    }
    assert!(pgs(during, "SERVE_GANG::waiting_G_").is_empty(), "no new gang while the old members are tracked");
    assert!(run.startup_failures("waiting", "G").is_empty());
    // The placed gang keeps its PG and its members; the waiting gang is reserved again under a new PG.
    let end = run.end();
    assert_eq!(pg(&end, &placed).state, PG::Created);
    assert_eq!(running(&end, "placed", "G").len(), 2);
    let again = pgs(&end, "SERVE_GANG::waiting_G_");
    assert_eq!(again.len(), 1);
    assert_ne!(again[0].name, waiting);
    assert_eq!(again[0].state, PG::Pending);
    let created = run.pgs_requested("SERVE_GANG::waiting_G_");
    assert_eq!(created.len(), 2, "{created:?}");
}

/// Ray: a recovered replica's `ActorReplicaWrapper.check_ready` answers PENDING_ALLOCATION until `is_allocated`
/// returns, and `_check_startup_replicas(RECOVERING, stop_on_slow=True)` force-stops it only once it has been
/// pending longer than SLOW_STARTUP_WARNING_S, without recording a start-up failure.
#[test]
fn a_recovering_replica_never_allocated_waits_until_the_slow_start_limit_then_is_force_stopped_uncounted() {
    let run = run_json(
        "never allocated",
        r#"{
          "format": "gangplank.scenario/v1", "name": "rule 3", "seed": 3, "until_s": 45,
          "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": [ { "id": "w1", "resources": { "CPU": 1 } } ] },
          "timing": { "controller_restart_s": 0.9 },
          "applications": [ { "name": "app", "deployments": [ { "name": "P", "num_replicas": 2,
              "ray_actor_options": { "num_cpus": 1 } } ] } ],
          "actions": [ { "at_s": 6, "do": "kill_controller" } ]
        }"#,
        &[5.9, 7.5, 36.0],
    );
    let before = run.at(5.9);
    let waiting: Vec<String> = replicas(before, "app", "P")
        .into_iter()
        .filter(|r| r.state == RS::Starting && r.node.is_none())
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(waiting.len(), 1, "one replica cannot be allocated");
    let id = &waiting[0];
    let start = controller_times(&run, ControllerChange::Started)[0];
    // Well past the metadata call (0.3 s): still RECOVERING, PENDING_ALLOCATION.
    let later = replicas(run.at(7.5), "app", "P").into_iter().find(|r| &r.id == id).expect("still tracked").clone();
    assert_eq!(later.state, RS::Recovering);
    assert_eq!(later.startup, Some(ReplicaStartupStatus::PendingAllocation));
    // Force-stopped just after SLOW_STARTUP_WARNING_S (30 s) since the restart, not counted.
    let stop = run.first_into(id, RS::Stopping).expect("force-stopped");
    assert!(stop.t > start + 30.0 && stop.t < start + 30.3, "stopped at {} s (restart {start} s)", stop.t);
    assert!(run.startup_failures("app", "P").is_empty(), "not counted as a start-up failure");
    assert_ne!(deployment(run.at(36.0), "app", "P").status, DS::DeployFailed);
    // A replacement is started, and waits for allocation like any new replica.
    let end = run.end();
    assert_eq!(running(&end, "app", "P").len(), 1);
    assert_eq!(in_state(&end, "app", "P", RS::Starting).len(), 1);
}

/// Ray: `recover()` sends the `was_initialized` probe; a replica whose user callable never initialized (it is
/// initialized only by a live controller's `initialize_and_get_metadata`) is killed as unrecoverable, not counted.
/// An actor allocated after the previous controller died is such a replica.
#[test]
fn a_replica_allocated_while_the_controller_was_down_is_replaced_uncounted_at_recovery() {
    let run = run_json(
        "allocated while down",
        r#"{
          "format": "gangplank.scenario/v1", "name": "rule 3b", "seed": 3, "until_s": 30,
          "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": [ { "id": "w1", "resources": { "CPU": 1 } } ] },
          "timing": { "controller_restart_s": 5 },
          "applications": [ { "name": "app", "deployments": [ { "name": "P", "num_replicas": 2,
              "ray_actor_options": { "num_cpus": 1 } } ] } ],
          "actions": [
            { "at_s": 6, "do": "kill_controller" },
            { "at_s": 7, "do": "add_node", "node": { "id": "w2", "resources": { "CPU": 1 } } }
          ]
        }"#,
        &[5.9],
    );
    let id = replicas(run.at(5.9), "app", "P")
        .into_iter()
        .find(|r| r.state == RS::Starting && r.node.is_none())
        .expect("one replica waits for a node")
        .id
        .clone();
    let start = controller_times(&run, ControllerChange::Started)[0];
    let stop = run.first_into(&id, RS::Stopping).expect("replaced");
    assert!(stop.t >= start && stop.t < start + 1.0, "stopped at {} s (restart {start} s)", stop.t);
    assert!(run.first_into(&id, RS::Running).is_none(), "never RUNNING");
    assert!(run.startup_failures("app", "P").is_empty());
    let end = run.end();
    assert_eq!(running(&end, "app", "P").len(), 2);
    assert_eq!(deployment(&end, "app", "P").status, DS::Healthy);
}

/// Ray: the controller actor has `max_task_retries=-1`, so `serve.delete` or a scale issued while it is dead waits
/// and is served by the restarted controller, after its constructor and before recovery finishes (observed:
/// "Deleting app" logged before "Finished recovering deployments").
#[test]
fn calls_made_while_the_controller_is_down_are_served_by_the_restarted_controller() {
    let run = run_json(
        "calls while down",
        r#"{
          "format": "gangplank.scenario/v1", "name": "rule 4", "seed": 11, "until_s": 30,
          "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": [
            { "id": "w1", "resources": { "CPU": 4 } }, { "id": "w2", "resources": { "CPU": 4 } } ] },
          "timing": { "controller_restart_s": 2 },
          "applications": [
            { "name": "gone", "deployments": [ { "name": "G", "num_replicas": 2,
                "ray_actor_options": { "num_cpus": 1 }, "gang_scheduling_config": { "gang_size": 2 } } ] },
            { "name": "kept", "deployments": [ { "name": "G", "num_replicas": 2,
                "ray_actor_options": { "num_cpus": 1 }, "gang_scheduling_config": { "gang_size": 2 } } ] }
          ],
          "actions": [
            { "at_s": 8, "do": "kill_controller" },
            { "at_s": 8.5, "do": "delete_app", "app": "gone" },
            { "at_s": 9, "do": "set_num_replicas", "deployment": { "app": "kept", "deployment": "G" }, "num_replicas": 4 }
          ]
        }"#,
        &[9.5],
    );
    let start = controller_times(&run, ControllerChange::Started)[0];
    let recovered = controller_times(&run, ControllerChange::Recovered)[0];
    let actions: Vec<(f64, String, bool, bool)> = run
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Action { action, applied, queued, .. } if action != "kill_controller" => {
                Some((e.t.as_secs_f64(), action.clone(), *applied, *queued))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        actions.iter().map(|(_, a, applied, queued)| (a.as_str(), *applied, *queued)).collect::<Vec<_>>(),
        [
            ("delete_app", false, true),
            ("set_num_replicas", false, true),
            ("delete_app", true, false),
            ("set_num_replicas", true, false)
        ],
        "queued while down, then served in order"
    );
    assert!((actions[2].0 - start).abs() < EPS && (actions[3].0 - start).abs() < EPS, "served at the restart");
    assert!(start <= recovered, "served before recovery finishes");
    // While down nothing changed: the app is still there with its target.
    let down = run.at(9.5);
    assert!(has_deployment(down, "gone", "G"));
    assert_eq!(deployment(down, "kept", "G").target_num_replicas, 2);
    // The restarted controller deleted one app and scaled the other.
    let end = run.end();
    assert!(!has_deployment(&end, "gone", "G"));
    assert!(pgs(&end, "SERVE_GANG::gone_G_").is_empty());
    assert_eq!(running(&end, "kept", "G").len(), 4);
}

/// Ray: `DeploymentScheduler._get_replicas_to_stop` sorts nodes stably by (head node, label match, RUNNING
/// replicas); ties keep the order of `_get_node_to_running_replicas`, built from the replicas in the order they
/// became RUNNING. With one replica per node, a downscale stops the replicas that became RUNNING first.
#[test]
fn downscale_breaks_node_ties_by_the_order_replicas_became_running_not_by_node_id() {
    let mut checked = 0;
    for seed in 1..40u64 {
        let json = format!(
            r#"{{
              "format": "gangplank.scenario/v1", "name": "rule 5", "seed": {seed}, "until_s": 20,
              "cluster": {{ "head": {{ "resources": {{ "CPU": 0 }} }}, "nodes": [
                {{ "id": "w1", "resources": {{ "CPU": 1 }} }}, {{ "id": "w2", "resources": {{ "CPU": 1 }} }},
                {{ "id": "w3", "resources": {{ "CPU": 1 }} }}, {{ "id": "w4", "resources": {{ "CPU": 1 }} }} ] }},
              "applications": [ {{ "name": "app", "deployments": [ {{ "name": "P", "num_replicas": 4,
                  "ray_actor_options": {{ "num_cpus": 1 }} }} ] }} ],
              "actions": [ {{ "at_s": 15, "do": "set_num_replicas", "deployment": {{ "app": "app", "deployment": "P" }}, "num_replicas": 2 }} ]
            }}"#
        );
        let run = run_json("rule 5", &json, &[14.9]);
        let before = run.at(14.9);
        let mut by_running: Vec<(f64, u64, String, String)> = running(before, "app", "P")
            .iter()
            .map(|r| {
                let t = run.first_into(&r.id, RS::Running).expect("became RUNNING");
                (t.t, t.seq, r.id.clone(), r.node.clone().expect("placed"))
            })
            .collect();
        assert_eq!(by_running.len(), 4);
        by_running.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let first_two: BTreeSet<String> = by_running[..2].iter().map(|x| x.2.clone()).collect();
        let mut by_node = by_running.clone();
        by_node.sort_by(|a, b| a.3.cmp(&b.3));
        let lowest_nodes: BTreeSet<String> = by_node[..2].iter().map(|x| x.2.clone()).collect();
        let stopped: BTreeSet<String> =
            by_running.iter().filter(|x| run.first_into(&x.2, RS::Stopping).is_some()).map(|x| x.2.clone()).collect();
        assert_eq!(stopped, first_two, "seed {seed}: the replicas that became RUNNING first are stopped");
        if first_two != lowest_nodes {
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} seeds told running order from node order apart");
}
