//! The model under random operation sequences (issue 16): random clusters and applications, up to the largest sizes
//! validation allows, under random sequences of EVERY action kind the scenario format accepts
//! (docs/scenario-format.md's action table). For every sequence:
//! - no panic (a panic names the case's seed and writes its scenario to `target/random_operations/`);
//! - no hang: the model's steps per simulated second stay under a bound set by the control loop and what happened
//!   (each step either moves time or records work);
//! - no unbounded growth: what the model keeps (its event log, the replicas and placement groups it shows, the
//!   traffic samples) is bounded by a function of the actions and the deployments' sizes, and levels off once the
//!   actions stop (a quiet simulated hour adds at most a few events and no live objects).
//!
//! `cargo test` runs a few seconds' worth of cases. `GANGPLANK_RANDOM_OPS_CASES=N` runs more, and
//! `GANGPLANK_RANDOM_OPS_LONG=1` adds the long run (hours of simulated time with a fault every few seconds) whose
//! figures FUZZING.md reports. Cases come from a fixed seed so a failure is reproducible
//! (`GANGPLANK_RANDOM_OPS_SEED` picks another).
use gangplank::model::Simulation;
use gangplank::model::scenario::{ACTION_TAGS, Scenario, parse_scenario};
use gangplank::model::time::SimTime;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// SplitMix64: the test's one seeded source of choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
}

/// How big a generated case is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Size {
    /// A few nodes and deployments, a few dozen actions.
    Small,
    /// The limits validation allows: 1000 replicas in one deployment (gangs of 100), 100 bundles per replica,
    /// 300 replicas at max_replicas_per_node 100, and a busy action list.
    Largest,
}

/// A generated deployment, as the actions need to address it.
struct Dep {
    app: String,
    name: String,
    gang_size: u64,
    /// Gang-scheduled (addressed by gang and rank, even with a gang of 1).
    gang: bool,
    autoscaling: bool,
    replicas: u64,
}

/// A random scenario with `actions_n` actions spread over `[0, horizon_s]`, as scenario JSON.
fn generate(rng: &mut Rng, size: Size, actions_n: usize, horizon_s: f64) -> Value {
    let nodes_n = if size == Size::Largest { 24 } else { rng.range(1, 6) };
    let node = |rng: &mut Rng, id: String| {
        let mut resources = json!({ "CPU": if size == Size::Largest { 100 } else { rng.range(0, 8) } });
        if rng.chance(30) {
            resources["GPU"] = json!(rng.range(1, 4));
        }
        let mut n = json!({ "id": id, "resources": resources });
        if rng.chance(40) {
            n["labels"] = json!({ "zone": rng.pick(&["a", "b"]) });
        }
        n
    };
    let nodes: Vec<Value> = (0..nodes_n).map(|i| node(rng, format!("w{i}"))).collect();
    let mut deps = Vec::new();
    let mut applications = Vec::new();
    let mut traffic = Vec::new();
    for a in 0..rng.range(1, 3) {
        let app = format!("a{a}");
        let mut deployments = Vec::new();
        let deployments_n = if size == Size::Largest && a == 0 { 3 } else { rng.range(1, 2) };
        for d in 0..deployments_n {
            let name = format!("d{d}");
            let largest = size == Size::Largest && a == 0;
            let kind = rng.range(0, 3);
            let mut spec = json!({ "name": name, "ray_actor_options": { "num_cpus": *rng.pick(&[0.5, 1.0, 0.0]) } });
            let (gang_size, autoscaling, replicas);
            let gang = largest && d == 0 || !largest && matches!(kind, 0 | 1);
            match (largest, d, kind) {
                // The largest gang deployment validation allows: 1000 replicas in gangs of 100.
                (true, 0, _) => {
                    (gang_size, autoscaling, replicas) = (100, false, 1000);
                    spec["num_replicas"] = json!(1000);
                    spec["ray_actor_options"] = json!({ "num_cpus": 0.01 });
                    spec["gang_scheduling_config"] =
                        json!({ "gang_size": 100, "gang_placement_strategy": rng.pick(&["PACK", "SPREAD"]) });
                }
                // The most replicas on one node.
                (true, 2, _) => {
                    (gang_size, autoscaling, replicas) = (1, false, 300);
                    spec["num_replicas"] = json!(300);
                    spec["ray_actor_options"] = json!({ "num_cpus": 0.01 });
                    spec["max_replicas_per_node"] = json!(100);
                }
                // The most bundles per replica.
                (true, _, _) => {
                    (gang_size, autoscaling, replicas) = (1, false, 2);
                    spec["num_replicas"] = json!(2);
                    spec["ray_actor_options"] = json!({ "num_cpus": 0.01 });
                    let bundles: Vec<Value> = (0..100).map(|_| json!({ "CPU": 0.01 })).collect();
                    spec["placement_group_bundles"] = Value::Array(bundles);
                    spec["placement_group_strategy"] = json!(rng.pick(&["PACK", "SPREAD", "STRICT_PACK"]));
                }
                (false, _, 0) => {
                    let g = rng.range(1, 4);
                    (gang_size, autoscaling, replicas) = (g, false, g * rng.range(1, 3));
                    spec["num_replicas"] = json!(replicas);
                    spec["gang_scheduling_config"] = json!({
                        "gang_size": g,
                        "gang_placement_strategy": rng.pick(&["PACK", "SPREAD"]),
                        "runtime_failure_policy": "RESTART_GANG",
                    });
                }
                (false, _, 1) => {
                    let g = rng.range(1, 3);
                    (gang_size, autoscaling, replicas) = (g, true, g * 4);
                    spec.as_object_mut().unwrap().remove("num_replicas");
                    spec["num_replicas"] = json!("auto");
                    spec["gang_scheduling_config"] = json!({ "gang_size": g });
                    spec["autoscaling_config"] = json!({
                        "min_replicas": g, "max_replicas": g * 4, "target_ongoing_requests": 2,
                        "upscale_delay_s": 2, "downscale_delay_s": 5, "metrics_interval_s": 1, "look_back_period_s": 3,
                    });
                    traffic.push(json!({
                        "app": app, "deployment": name,
                        "load": [{ "shape": "bursts", "rps": rng.range(1, 40), "every_s": 20, "for_s": 5 }],
                        "service_time_s": { "mean": 0.5, "spread": 0.1 },
                    }));
                }
                _ => {
                    (gang_size, autoscaling, replicas) = (1, false, rng.range(1, 4));
                    spec["num_replicas"] = json!(replicas);
                    if rng.chance(50) {
                        spec["ray_actor_options"] = json!({ "num_cpus": 0.5 });
                        spec["placement_group_bundles"] = json!([{ "CPU": 0.5 }, { "CPU": 0.5 }]);
                        spec["placement_group_strategy"] = json!(rng.pick(&["PACK", "SPREAD", "STRICT_SPREAD"]));
                    }
                    if rng.chance(30) {
                        spec["max_constructor_retry_count"] = json!(rng.range(1, 5));
                    }
                }
            }
            deps.push(Dep { app: app.clone(), name, gang_size, gang, autoscaling, replicas });
            deployments.push(spec);
        }
        applications.push(json!({ "name": app, "deployments": deployments }));
    }
    let mut added = 0;
    let actions: Vec<Value> = (0..actions_n)
        .map(|_| {
            let at_s = (rng.next() % 10_000) as f64 / 10_000.0 * horizon_s;
            let mut a = action(rng, &deps, nodes_n, &mut added);
            a["at_s"] = json!((at_s * 10.0).round() / 10.0);
            a
        })
        .collect();
    json!({
        "format": "gangplank.scenario/v1",
        "name": "random operations",
        "seed": rng.next() % 1000,
        "until_s": horizon_s,
        "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": nodes },
        "timing": { "health_check_period_s": 1, "replica_startup_s": [0.5, 2.0], "controller_restart_s": 3 },
        "applications": applications,
        "traffic": traffic,
        "actions": actions,
    })
}

/// One random action of any kind, against the generated deployments and nodes (sometimes against a replica or node
/// that is gone by then: the model must answer that too).
fn action(rng: &mut Rng, deps: &[Dep], nodes_n: u64, added: &mut u64) -> Value {
    let dep = rng.pick(deps);
    let deployment = json!({ "app": dep.app, "deployment": dep.name });
    let replica = if dep.gang {
        let gangs = dep.replicas / dep.gang_size;
        json!({ "app": dep.app, "deployment": dep.name, "gang": rng.range(0, gangs), "rank": rng.range(0, dep.gang_size - 1) })
    } else {
        json!({ "app": dep.app, "deployment": dep.name, "index": rng.range(0, dep.replicas) })
    };
    let node = format!("w{}", rng.range(0, nodes_n + *added - 1));
    let times = if rng.chance(20) { json!("forever") } else { json!(rng.range(1, 5)) };
    // Every action kind the scenario format accepts (`do`): a kind added to the model needs an arm here.
    match *rng.pick(ACTION_TAGS) {
        "kill_replica" => json!({ "do": "kill_replica", "replica": replica }),
        "fail_health_check" => json!({ "do": "fail_health_check", "replica": replica, "times": times }),
        "heal_health_check" => json!({ "do": "heal_health_check", "replica": replica }),
        "fail_constructor" => {
            let mut a = json!({ "do": "fail_constructor", "deployment": deployment, "times": times });
            if dep.gang_size > 1 && rng.chance(50) {
                a["rank"] = json!(rng.range(0, dep.gang_size - 1));
            }
            a
        }
        "kill_node" => json!({ "do": "kill_node", "node": node }),
        "add_node" => {
            *added += 1;
            let id = format!("w{}", nodes_n + *added - 1);
            json!({ "do": "add_node", "node": { "id": id, "resources": { "CPU": rng.range(1, 8), "GPU": rng.range(0, 1) } } })
        }
        "kill_controller" => json!({ "do": "kill_controller" }),
        "fail_gcs_queries" => json!({ "do": "fail_gcs_queries", "for_s": rng.range(1, 20) }),
        "set_num_replicas" if !dep.autoscaling => json!({
            "do": "set_num_replicas", "deployment": deployment,
            "num_replicas": dep.gang_size * rng.range(1, (dep.replicas / dep.gang_size).max(1)),
        }),
        "delete_app" => json!({ "do": "delete_app", "app": dep.app }),
        "drain_node" => {
            let mut a = json!({ "do": "drain_node", "node": node });
            if rng.chance(50) {
                a["deadline_s"] = json!(rng.range(1, 30));
            }
            if rng.chance(30) {
                a["reason"] = json!("DRAIN_NODE_REASON_IDLE_TERMINATION");
                a["reason_message"] = json!("idle");
            }
            a
        }
        "set_traffic" => {
            let load = if rng.chance(50) {
                json!({ "shape": "constant", "rps": rng.range(0, 50) })
            } else {
                json!({ "shape": "ramp", "from_rps": 0, "to_rps": rng.range(1, 50), "start_s": 0, "end_s": 30 })
            };
            json!({
                "do": "set_traffic", "deployment": deployment, "load": [load],
                "service_time_s": { "mean": 0.2, "spread": 0.1 },
            })
        }
        // deploy_version (and set_num_replicas on an autoscaling deployment, which validation refuses).
        "deploy_version" | "set_num_replicas" => {
            let mut a = json!({ "do": "deploy_version", "deployment": deployment });
            match rng.range(0, 4) {
                0 => a["version"] = json!(format!("v{}", rng.range(2, 9))),
                1 => a["user_config"] = json!({ "k": rng.range(0, 9) }),
                2 => a["ray_actor_options"] = json!({ "num_cpus": 0.5 }),
                3 => a["max_surge_percent"] = json!(rng.range(0, 100)),
                _ => a["rolling_update_percentage"] = json!(0.5),
            }
            if !dep.autoscaling && rng.chance(30) {
                a["num_replicas"] = json!(dep.gang_size * rng.range(1, 3));
            }
            a
        }
        other => panic!("the generator has no arm for the action kind {other:?}: add one"),
    }
}

/// What a run kept, at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Kept {
    events: usize,
    replicas: usize,
    placement_groups: usize,
    nodes: usize,
    traffic_samples: usize,
}

fn kept(sim: &Simulation) -> Kept {
    let s = sim.snapshot();
    Kept {
        // Recorded from the start (the log keeps only the newest events: `model::log`).
        events: sim.events_recorded() as usize,
        replicas: s.replicas.len(),
        placement_groups: s.placement_groups.len(),
        nodes: s.nodes.len(),
        traffic_samples: sim.traffic().samples.len(),
    }
}

/// Run `scenario` a simulated second at a time to `until`, checking the step bound each second. Returns what it kept.
fn run_checked(sim: &mut Simulation, until_s: u64, label: &str) -> Kept {
    let interval_s = sim.control_loop_interval().as_secs_f64();
    let from = sim.now().as_secs_f64().ceil() as u64;
    for second in from..=until_s {
        let (steps, events) = (sim.steps, sim.events_recorded());
        sim.run_until(SimTime::from_secs_f64(second as f64));
        let (steps_taken, new_events) = (sim.steps - steps, sim.events_recorded() - events);
        // Every step is a wakeup: a control-loop tick (at most one per interval), a due action, a GCS timer or an
        // autoscaling decision, nearly all of which record an event. 64 leaves room for timers that record none.
        let bound = (2.0 / interval_s) as u64 + 4 * new_events + 64;
        assert!(
            steps_taken <= bound,
            "{label}: {steps_taken} model steps in simulated second {second} (bound {bound}, {new_events} events)"
        );
    }
    kept(sim)
}

/// Live objects the case can ever have: every replica its deployments may reach (targets, autoscaling maxima,
/// redeploy counts, surge), twice over for a rolling update, plus the nodes added.
fn live_bound(scenario: &Scenario) -> usize {
    let replicas: usize = scenario
        .applications
        .iter()
        .flat_map(|a| &a.deployments)
        .map(|d| {
            d.fixed_replicas()
                .unwrap_or_else(|| d.autoscaling_config.as_ref().and_then(|c| c.max_replicas).unwrap_or(100))
                as usize
        })
        .sum();
    let actions = scenario.actions.len();
    4 * (replicas + 3 * actions) + 16
}

/// One case: generate, load, run to the end with the step bound, then a quiet hour that must change (almost) nothing.
fn run_case(seed: u64, size: Size, kinds_seen: &mut BTreeMap<String, usize>) -> Option<(Kept, Kept)> {
    let mut rng = Rng(seed);
    let (actions_n, horizon_s) = match size {
        Size::Small => (rng.range(5, 40) as usize, 120.0),
        Size::Largest => (200, 120.0),
    };
    let value = generate(&mut rng, size, actions_n, horizon_s);
    let text = value.to_string();
    let scenario = match parse_scenario(&text) {
        Ok(s) => s,
        Err(errors) => {
            assert!(errors.iter().all(|e| !e.path.is_empty()), "a refusal without a field path: {errors:?}");
            assert!(size != Size::Largest, "the largest case is refused: {errors:?}");
            return None;
        }
    };
    for a in value["actions"].as_array().into_iter().flatten() {
        *kinds_seen.entry(a["do"].as_str().unwrap_or_default().to_string()).or_default() += 1;
    }
    let label = format!("case seed {seed} ({size:?}, {} actions)", scenario.actions.len());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut sim = Simulation::new(&scenario);
        let end = run_checked(&mut sim, horizon_s as u64 + 300, &label);
        let bound = live_bound(&scenario);
        assert!(end.replicas + end.placement_groups <= bound, "{label}: {end:?} live objects, bound {bound}");
        // Events: bounded by the work the actions and deployments cause (each action's fallout touches at most
        // every replica a few times), not by time.
        let event_bound = 200 * (scenario.actions.len() + 1) * (bound / 4 + 1) + 10_000;
        assert!(end.events <= event_bound, "{label}: {} events, bound {event_bound}", end.events);
        // Two quiet hours after the actions: live objects do not grow, and the log grows only at the rate steady
        // steady traffic and the "forever" faults set (autoscaling on the bursts' rhythm, a replica that always fails
        // its health check restarted again and again), the same in the second hour as in the first.
        let hour1 = run_checked(&mut sim, horizon_s as u64 + 300 + 3600, &label);
        let hour2 = run_checked(&mut sim, horizon_s as u64 + 300 + 7200, &label);
        let (first, second) = (hour1.events - end.events, hour2.events - hour1.events);
        for k in [hour1, hour2] {
            assert!(
                k.replicas <= end.replicas && k.placement_groups <= end.placement_groups && k.nodes == end.nodes,
                "{label}: grew when quiet: {end:?} -> {k:?}"
            );
        }
        assert!(
            second <= first + first / 10 + 50,
            "{label}: the log grows faster in the second quiet hour: {first} then {second}"
        );
        let quiet = hour2;
        (end, quiet)
    }));
    match outcome {
        Ok(k) => Some(k),
        Err(panic) => {
            let dir = concat!(env!("CARGO_TARGET_TMPDIR"), "/random_operations");
            let _ = std::fs::create_dir_all(dir);
            let file = format!("{dir}/seed-{seed}.json");
            let _ = std::fs::write(&file, serde_json::to_string_pretty(&value).unwrap_or_default());
            let message =
                panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{label} failed (scenario written to {file}): {}", message.unwrap_or_default());
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn every_action_kind_in_random_sequences_neither_panics_nor_hangs_nor_grows_without_bound() {
    let base = env_u64("GANGPLANK_RANDOM_OPS_SEED").unwrap_or(16);
    let cases = env_u64("GANGPLANK_RANDOM_OPS_CASES").unwrap_or(24);
    let mut kinds = BTreeMap::new();
    let mut loaded = 0;
    for i in 0..cases {
        if run_case(base * 1_000_003 + i, Size::Small, &mut kinds).is_some() {
            loaded += 1;
        }
    }
    assert!(
        loaded * 10 >= cases * 8,
        "only {loaded} of {cases} generated cases loaded: the generator drifted from validation"
    );
    for &kind in ACTION_TAGS {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no case exercised {kind}: {kinds:?}");
    }
}

#[test]
fn the_largest_sizes_validation_allows_under_random_actions() {
    let base = env_u64("GANGPLANK_RANDOM_OPS_SEED").unwrap_or(16);
    let cases = env_u64("GANGPLANK_RANDOM_OPS_CASES").map_or(1, |c| c / 8 + 1);
    let mut kinds = BTreeMap::new();
    for i in 0..cases {
        let (end, _) = run_case(base * 7_000_001 + i, Size::Largest, &mut kinds)
            .expect("the largest case loads (its sizes are validation's limits)");
        // Every one of the 1300 replicas it asks for was at least decided about.
        assert!(end.events >= 1300, "the largest case ran nothing: {end:?}");
    }
}
