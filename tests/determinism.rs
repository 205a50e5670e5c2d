//! Determinism: the same scenario and seed give the same bytes (in this process, in a fresh process, however the
//! run is cut into pieces); another seed gives other ids; ids have Ray's shapes; idle time costs nothing.
use gangplank::model::Simulation;
use gangplank::model::events::EventKind;
use gangplank::model::scenario::{Scenario, parse_scenario};
use gangplank::model::time::SimTime;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// Gangs (PACK and SPREAD, one with per-replica bundles), plain replicas with and without their own PGs, and every
/// kind of fault and command: enough that most of the model's random choices and id mints happen.
fn busy_scenario(seed: u64) -> Scenario {
    let text = r#"{
      "format": "gangplank.scenario/v1",
      "name": "determinism: busy",
      "seed": SEED,
      "until_s": 240,
      "cluster": {
        "head": { "resources": { "CPU": 0 } },
        "nodes": [
          { "id": "w1", "resources": { "CPU": 4 } },
          { "id": "w2", "resources": { "CPU": 4, "GPU": 1 } },
          { "id": "w3", "resources": { "CPU": 4 } },
          { "id": "w4", "resources": { "CPU": 4 } },
          { "id": "w5", "resources": { "CPU": 4 } }
        ]
      },
      "timing": { "health_check_period_s": 2, "node_death_detection_s": 6, "controller_restart_s": 1.5 },
      "applications": [
        { "name": "llm", "deployments": [
          { "name": "pack", "num_replicas": 4, "ray_actor_options": { "num_cpus": 0.5 },
            "gang_scheduling_config": { "gang_size": 2, "gang_placement_strategy": "PACK" } },
          { "name": "spread", "num_replicas": 3, "ray_actor_options": { "num_cpus": 0.5 },
            "gang_scheduling_config": { "gang_size": 3, "gang_placement_strategy": "SPREAD" } },
          { "name": "bundled", "num_replicas": 2, "ray_actor_options": { "num_cpus": 0.5 },
            "placement_group_bundles": [ { "CPU": 0.5 }, { "CPU": 0.5 } ],
            "gang_scheduling_config": { "gang_size": 2, "gang_placement_strategy": "SPREAD" } }
        ] },
        { "name": "web", "deployments": [
          { "name": "plain", "num_replicas": 3, "ray_actor_options": { "num_cpus": 0.25 } },
          { "name": "pg", "num_replicas": 2, "ray_actor_options": { "num_cpus": 0.25 },
            "placement_group_bundles": [ { "CPU": 0.25 }, { "CPU": 0.25 } ], "placement_group_strategy": "STRICT_SPREAD" }
        ] }
      ],
      "actions": [
        { "at_s": 20, "do": "kill_replica", "replica": { "app": "llm", "deployment": "pack", "gang": 0, "rank": 1 } },
        { "at_s": 30, "do": "fail_health_check", "replica": { "app": "llm", "deployment": "spread", "gang": 0, "rank": 2 },
          "times": 3 },
        { "at_s": 45, "do": "fail_constructor", "deployment": { "app": "llm", "deployment": "pack" }, "rank": 0, "times": 1 },
        { "at_s": 46, "do": "kill_replica", "replica": { "app": "llm", "deployment": "pack", "gang": 1, "rank": 0 } },
        { "at_s": 60, "do": "kill_node", "node": "w2" },
        { "at_s": 70, "do": "add_node", "node": { "id": "w6", "resources": { "CPU": 4 } } },
        { "at_s": 90, "do": "kill_controller" },
        { "at_s": 90.5, "do": "kill_replica", "replica": { "app": "web", "deployment": "plain", "index": 0 } },
        { "at_s": 120, "do": "fail_gcs_queries", "for_s": 5 },
        { "at_s": 121, "do": "kill_controller" },
        { "at_s": 140, "do": "set_num_replicas", "deployment": { "app": "llm", "deployment": "pack" }, "num_replicas": 6 },
        { "at_s": 160, "do": "set_num_replicas", "deployment": { "app": "llm", "deployment": "pack" }, "num_replicas": 2 },
        { "at_s": 180, "do": "delete_app", "app": "web" }
      ]
    }"#;
    parse_scenario(&text.replace("SEED", &seed.to_string())).expect("the busy scenario is valid")
}

/// A cluster with nothing going wrong: 20 nodes, 120 replicas in gangs of 4 and 8, PACK and SPREAD.
fn steady_scenario(until_s: f64) -> Scenario {
    let nodes: Vec<String> =
        (1..=20).map(|i| format!(r#"{{ "id": "w{i:02}", "resources": {{ "CPU": 8 }} }}"#)).collect();
    let text = format!(
        r#"{{
      "format": "gangplank.scenario/v1",
      "name": "determinism: steady",
      "seed": 7,
      "until_s": {until_s},
      "cluster": {{ "head": {{ "resources": {{ "CPU": 0 }} }}, "nodes": [{}] }},
      "applications": [
        {{ "name": "a", "deployments": [
          {{ "name": "g4", "num_replicas": 40, "ray_actor_options": {{ "num_cpus": 1 }},
            "gang_scheduling_config": {{ "gang_size": 4, "gang_placement_strategy": "PACK" }} }},
          {{ "name": "g8", "num_replicas": 40, "ray_actor_options": {{ "num_cpus": 1 }},
            "gang_scheduling_config": {{ "gang_size": 8, "gang_placement_strategy": "SPREAD" }} }},
          {{ "name": "plain", "num_replicas": 40, "ray_actor_options": {{ "num_cpus": 1 }} }}
        ] }}
      ]
    }}"#,
        nodes.join(", ")
    );
    parse_scenario(&text).expect("the steady scenario is valid")
}

fn run(s: &Scenario) -> Simulation {
    let mut sim = Simulation::new(s);
    sim.run_to_end();
    sim
}

fn temp_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("determinism-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[test]
fn same_scenario_and_seed_give_the_same_bytes_twice() {
    let s = busy_scenario(42);
    let a = run(&s).trace_json();
    let b = run(&s).trace_json();
    assert!(a == b, "two runs of the same scenario and seed differ");
    // The run did real work: every id mint, placement and teardown path above went through the RNG.
    let events = run(&s).events().len();
    assert!(events > 300, "only {events} events: the busy scenario is not busy");
}

#[test]
fn a_fresh_process_gives_the_same_bytes() {
    let s = busy_scenario(42);
    let dir = temp_dir();
    let scenario = dir.join("busy.json");
    let trace = dir.join("busy.trace.json");
    std::fs::write(&scenario, serde_json::to_string_pretty(&s).expect("serialize")).expect("write the scenario");
    let out = Command::new(env!("CARGO_BIN_EXE_gangplank-cli"))
        .arg("run")
        .arg(&scenario)
        .arg("--trace")
        .arg(&trace)
        .arg("--quiet")
        .output()
        .expect("run gangplank-cli");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "gangplank-cli exited with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = std::fs::read(&trace).expect("read the CLI's trace");
    // The CLI read the scenario back from JSON: this also checks that a scenario survives the round trip.
    let ours = run(&s).trace_json();
    assert!(theirs == ours.as_bytes(), "the CLI's trace differs from the in-process trace");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cutting_a_run_into_pieces_changes_nothing() {
    let s = busy_scenario(9);
    let whole = run(&s).trace_json();

    // Many run_until calls at irregular times, some between ticks, some repeated, some in the past.
    let mut sim = Simulation::new(&s);
    let mut t = 0u64;
    let mut k = 0u64;
    while t < sim.until().0 {
        k += 1;
        t += 1 + (k * 7_919_113) % 1_900_000; // up to 1.9 s, rarely on a tick
        sim.run_until(SimTime(t.min(sim.until().0)));
        if k.is_multiple_of(5) {
            sim.run_until(SimTime(t / 2)); // going "back" is a no-op
        }
    }
    sim.run_to_end();
    assert!(sim.trace_json() == whole, "run_until in pieces differs from one run_to_end");

    // One tick at a time (every tick is run, none skipped): skipping idle ticks must not change anything.
    let mut sim = Simulation::new(&s);
    while sim.now() < sim.until() {
        sim.step_tick();
    }
    sim.run_to_end();
    let stepped = sim.trace_json();
    assert!(
        stepped == whole,
        "stepping tick by tick differs from skipping idle ticks:\n{}",
        first_difference(&whole, &stepped)
    );

    // Event by event.
    let mut sim = Simulation::new(&s);
    let until = sim.until();
    while sim.step_to_next_event(until) {}
    sim.run_to_end();
    assert!(sim.trace_json() == whole, "stepping event by event differs from one run_to_end");
}

fn first_difference(a: &str, b: &str) -> String {
    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(a.lines().count().min(b.lines().count()));
    let show = |s: &str| s.lines().skip(line.saturating_sub(8)).take(16).collect::<Vec<_>>().join("\n");
    format!("first difference at line {}:\n--- one run:\n{}\n--- other:\n{}", line + 1, show(a), show(b))
}

/// Replica ids, gang ids and gang PG names from a run's events.
fn ids(sim: &Simulation) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let (mut replicas, mut gangs, mut pgs) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for e in sim.events() {
        match &e.kind {
            EventKind::ReplicaState { replica, gang_id, .. } => {
                replicas.insert(replica.clone());
                gangs.extend(gang_id.clone());
            }
            EventKind::GangReserved { gang_id, pg_name, members, .. } => {
                gangs.insert(gang_id.clone());
                pgs.insert(pg_name.clone());
                replicas.extend(members.iter().cloned());
            }
            _ => {}
        }
    }
    (replicas, gangs, pgs)
}

#[test]
fn another_seed_gives_other_ids() {
    let a = run(&busy_scenario(1));
    let b = run(&busy_scenario(2));
    let (ra, ga, _) = ids(&a);
    let (rb, gb, _) = ids(&b);
    assert!(!ra.is_empty() && !ga.is_empty());
    assert!(ra.is_disjoint(&rb), "seeds 1 and 2 share replica ids: {:?}", ra.intersection(&rb).collect::<Vec<_>>());
    assert!(ga.is_disjoint(&gb), "seeds 1 and 2 share gang ids: {:?}", ga.intersection(&gb).collect::<Vec<_>>());
    assert!(a.trace_json() != b.trace_json());
}

#[test]
fn ids_look_like_rays() {
    let sim = run(&busy_scenario(3));
    let (replicas, gangs, pgs) = ids(&sim);
    for r in &replicas {
        assert!(
            r.len() == 8 && r.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "replica id {r:?} is not 8 characters of [a-z0-9]"
        );
    }
    for g in &gangs {
        assert!(
            g.len() == 8 && g.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "gang id {g:?} is not 8 lowercase hex digits"
        );
    }
    // Gang PGs are named as Ray names them: SERVE_GANG::{app}_{deployment}_{index}_{gang_id}.
    for p in &pgs {
        let rest = p.strip_prefix("SERVE_GANG::").unwrap_or_else(|| panic!("{p} lacks the SERVE_GANG:: prefix"));
        let gang = rest.rsplit('_').next().unwrap_or_default();
        assert!(gangs.contains(gang), "{p} does not end with one of the run's gang ids");
    }
    // Replica ids are unique over the whole run (never reused), and gang ids too.
    let minted: Vec<String> = sim
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GangReserved { gang_id, .. } => Some(gang_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(minted.len(), minted.iter().collect::<BTreeSet<_>>().len(), "a gang id was minted twice");
    // Per-replica PGs carry the replica's full actor name.
    for pg in sim.snapshot().placement_groups.iter().filter(|p| p.gang_id.is_none()) {
        let id = pg.name.rsplit('#').next().unwrap_or_default();
        assert!(pg.name.starts_with("SERVE_REPLICA::") && replicas.contains(id), "odd per-replica PG name {}", pg.name);
    }
}

#[test]
fn an_idle_hour_costs_almost_nothing() {
    // One simulated hour at the default 0.1 s loop is 36,000 ticks; a tick-by-tick run could not stay under 1,000.
    let s = steady_scenario(3600.0);
    let mut sim = Simulation::new(&s);
    sim.run_to_end();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let snap = sim.snapshot();
    assert!(snap.deployments.iter().all(|d| d.running == d.target_num_replicas), "the steady cluster did not settle");
    assert!(sim.steps < 1000, "{} steps for an idle hour (36,000 ticks)", sim.steps);
    assert!(sim.ticks < 1000, "{} control-loop ticks for an idle hour", sim.ticks);
    // And the cost does not grow with idle time: a second hour adds (almost) nothing.
    let (steps, events) = (sim.steps, sim.events().len());
    sim.run_until(SimTime(sim.now().0 + 3_600_000_000));
    assert!(sim.steps - steps <= 5, "a second idle hour took {} steps", sim.steps - steps);
    assert_eq!(sim.events().len(), events, "a second idle hour recorded events");
}
