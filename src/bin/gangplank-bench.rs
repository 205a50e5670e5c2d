//! `gangplank-bench`: the model benchmarks of BENCHMARKS.md (issue 6, items 1–3), natively.
//!
//! `cargo run --profile native --bin gangplank-bench` (or `bash scripts/bench.sh`) prints a table and one JSON line per
//! measurement (lines starting with `{`). Each throughput case runs in a child process of its own, so that the
//! peak memory it reports (`VmHWM`) is that case's alone.
//!
//! 1. Throughput: one simulated hour for 100 nodes / 1,000 replicas and 1,000 nodes / 10,000 replicas (gangs of 4
//!    and 8, PACK and SPREAD, plus plain replicas), with a fault every 30 s and without faults.
//! 2. Scaling: the faulty workload at 1×, 2×, 4× and 8× the 100-node size, with the ratio between sizes.
//! 3. Seek: running a 10-minute 100-node scenario from scratch to a random point.
//! 4. Seed sweep (issue 13): `sweep-200`, a preset with its fault over 200 seeds, stepped as the page steps it.
//!
//! Options: `--quick` (fewer sizes, for a smoke test), `--no-invariants` (also measure with the invariant checker
//! off), `--scenario CASE` (print a case's scenario, e.g. `1x-faults`, to run with gangplank-cli), `--one CASE`
//! (run one case and print its JSON line; a case is SIZE-faults or SIZE-steady, e.g. `10x-faults`, with the
//! suffix `-nocheck` for the invariant checker off or `-refcheck` for the reference checker, the whole-world
//! scan `invariants::find_full`, instead of the incremental one).
use gangplank::model::Simulation;
use gangplank::model::invariants::CheckerMode;
use gangplank::model::scenario::{Scenario, parse_scenario};
use gangplank::model::time::SimTime;
use serde_json::{Value, json};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Replicas per 100 nodes; nodes have 16 CPUs and replicas 1 CPU, so the cluster is ~62 % used and has room for
/// replacements while nodes are down.
const REPLICAS_PER_UNIT: usize = 1000;
const NODES_PER_UNIT: usize = 100;
/// One application per unit: (deployment, replicas, gang size, strategy). 5 × 200 = 1,000 replicas.
const DEPLOYMENTS: [(&str, usize, Option<usize>, &str); 5] = [
    ("pack4", 200, Some(4), "PACK"),
    ("spread8", 200, Some(8), "SPREAD"),
    ("spread4", 200, Some(4), "SPREAD"),
    ("pack8", 200, Some(8), "PACK"),
    ("plain", 200, None, ""),
];

/// A small deterministic generator for the fault plan (the model has its own seeded RNG).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The benchmark workload: `units` × (100 nodes, 1,000 replicas), run for `until_s`, with a fault every 30 s if
/// `faults`: kill a random replica, fail a random replica's health checks (3 times: a gang restart), kill a node and
/// add a fresh one 10 s later, and every tenth fault kill the controller.
/// What happens during a benchmark hour.
#[derive(Clone, Copy, PartialEq)]
enum Load {
    Steady,
    /// A fault every 30 s (replica kills, health-check failures, node deaths, controller restarts).
    Faults,
    /// Every 60 s a new version of one deployment (a rolling update, whole gangs per batch).
    Upgrade,
    /// Every 30 s a node drains (preemption, 20 s deadline) and a replacement node joins 25 s later.
    Drain,
    /// The faults, with traffic on every deployment (a daily curve compressed into the hour, plus bursts).
    Traffic,
    /// The traffic, and two deployments of each application autoscaled (the gangs of 4 in whole gangs).
    Autoscale,
}

fn workload(units: usize, until_s: f64, load: Load) -> Scenario {
    let faults = matches!(load, Load::Faults | Load::Traffic | Load::Autoscale);
    let traffic = matches!(load, Load::Traffic | Load::Autoscale);
    let autoscale = load == Load::Autoscale;
    let nodes: Vec<Value> = (1..=units * NODES_PER_UNIT)
        .map(|i| json!({ "id": format!("w{i:05}"), "resources": { "CPU": 16, "GPU": 4 } }))
        .collect();
    let applications: Vec<Value> = (0..units)
        .map(|a| {
            let deployments: Vec<Value> = DEPLOYMENTS
                .iter()
                .map(|(name, n, gang, strategy)| {
                    let mut d = json!({ "name": name, "num_replicas": n, "ray_actor_options": { "num_cpus": 1 } });
                    if let Some(g) = gang {
                        d["gang_scheduling_config"] = json!({ "gang_size": g, "gang_placement_strategy": strategy });
                    }
                    if autoscale && (*name == "pack4" || *name == "plain") {
                        d.as_object_mut().unwrap().remove("num_replicas");
                        d["autoscaling_config"] = json!({ "min_replicas": n / 2, "max_replicas": n,
                            "initial_replicas": n, "upscale_delay_s": 30, "downscale_delay_s": 120 });
                    }
                    d
                })
                .collect();
            json!({ "name": format!("app{a:02}"), "deployments": deployments })
        })
        .collect();
    let mut actions = Vec::new();
    if faults {
        let mut rng = SplitMix(0x6761_6e67 + units as u64);
        let mut alive: Vec<String> = (1..=units * NODES_PER_UNIT).map(|i| format!("w{i:05}")).collect();
        let mut added = 0;
        let mut k: u32 = 0;
        let mut t = 30.0;
        while t < until_s {
            k += 1;
            let app = format!("app{:02}", rng.below(units));
            let (dep, n, gang, _) = DEPLOYMENTS[rng.below(DEPLOYMENTS.len())];
            let replica = match gang {
                Some(g) => json!({ "app": app, "deployment": dep, "gang": rng.below(n / g), "rank": rng.below(g) }),
                None => json!({ "app": app, "deployment": dep, "index": rng.below(n) }),
            };
            if k.is_multiple_of(10) {
                actions.push(json!({ "at_s": t, "do": "kill_controller" }));
            } else {
                match k % 3 {
                    0 => actions.push(json!({ "at_s": t, "do": "kill_replica", "replica": replica })),
                    1 => actions.push(json!({ "at_s": t, "do": "fail_health_check", "replica": replica, "times": 3 })),
                    _ => {
                        let node = alive.swap_remove(rng.below(alive.len()));
                        actions.push(json!({ "at_s": t, "do": "kill_node", "node": node }));
                        added += 1;
                        let id = format!("n{added:05}");
                        if t + 10.0 <= until_s {
                            actions.push(json!({ "at_s": t + 10.0, "do": "add_node",
                                "node": { "id": id, "resources": { "CPU": 16, "GPU": 4 } } }));
                            alive.push(id);
                        }
                    }
                }
            }
            t += 30.0;
        }
    }
    let mut rng = SplitMix(0x7570_6772 + units as u64);
    if load == Load::Upgrade {
        let mut t = 30.0;
        let mut k = 1;
        while t < until_s {
            k += 1;
            let app = format!("app{:02}", rng.below(units));
            let (dep, ..) = DEPLOYMENTS[rng.below(DEPLOYMENTS.len())];
            actions.push(json!({ "at_s": t, "do": "deploy_version",
                "deployment": { "app": app, "deployment": dep }, "version": format!("v{k}") }));
            t += 60.0;
        }
    }
    if load == Load::Drain {
        let mut alive: Vec<String> = (1..=units * NODES_PER_UNIT).map(|i| format!("w{i:05}")).collect();
        let mut t = 30.0;
        let mut added = 0;
        while t < until_s {
            let node = alive.swap_remove(rng.below(alive.len()));
            actions.push(json!({ "at_s": t, "do": "drain_node", "node": node, "deadline_s": 20 }));
            if t + 25.0 <= until_s {
                added += 1;
                let id = format!("d{added:05}");
                actions.push(json!({ "at_s": t + 25.0, "do": "add_node",
                    "node": { "id": id, "resources": { "CPU": 16, "GPU": 4 } } }));
                alive.push(id);
            }
            t += 30.0;
        }
    }
    let what = match load {
        Load::Steady => "",
        Load::Faults => ", a fault every 30 s",
        Load::Upgrade => ", a new version every 60 s",
        Load::Drain => ", a node drained every 30 s",
        Load::Traffic => ", a fault every 30 s, traffic on every deployment",
        Load::Autoscale => ", a fault every 30 s, traffic, two autoscaled deployments per application",
    };
    // Each deployment's callers: a daily curve compressed into the hour (one peak), plus a burst every 5 minutes;
    // 200 replicas × 5 slots of 0.5 s requests serve 2,000 requests/s, so the peak (1,200) fits.
    let traffic: Vec<Value> = if traffic {
        (0..units)
            .flat_map(|a| {
                DEPLOYMENTS.iter().map(move |(name, ..)| {
                    json!({ "app": format!("app{a:02}"), "deployment": name,
                        "load": [ { "shape": "daily", "min_rps": 100, "max_rps": 1000, "period_s": 3600 },
                                  { "shape": "bursts", "rps": 200, "every_s": 300, "for_s": 20 } ],
                        "service_time_s": { "mean": 0.5, "spread": 0.1 } })
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let text = json!({
        "format": "gangplank.scenario/v1",
        "name": format!("bench: {} nodes, {} replicas{what}", units * NODES_PER_UNIT, units * REPLICAS_PER_UNIT),
        "seed": 2026,
        "until_s": until_s,
        "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": nodes },
        "applications": applications,
        "actions": actions,
        "traffic": traffic,
    })
    .to_string();
    match parse_scenario(&text) {
        Ok(s) => s,
        Err(e) => panic!("the benchmark scenario is invalid: {e:?}"),
    }
}

/// Peak resident memory of this process so far, in KiB (`VmHWM`), if the OS says.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The cases a throughput / scaling run consists of: name -> (units, faults, invariant checker).
fn case(name: &str) -> Option<(usize, Load, CheckerMode)> {
    let (size, rest) = name.split_once('-')?;
    let units = match size {
        "1x" => 1,
        "2x" => 2,
        "4x" => 4,
        "8x" => 8,
        "10x" => 10,
        _ => return None,
    };
    let (faults, rest) = match rest.split_once('-') {
        Some((f, r)) => (f, Some(r)),
        None => (rest, None),
    };
    let faults = match faults {
        "faults" => Load::Faults,
        "steady" => Load::Steady,
        "upgrade" => Load::Upgrade,
        "drain" => Load::Drain,
        "traffic" => Load::Traffic,
        "autoscale" => Load::Autoscale,
        _ => return None,
    };
    let checker = match rest {
        None => CheckerMode::Incremental,
        Some("nocheck") => CheckerMode::Off,
        Some("refcheck") => CheckerMode::Reference,
        _ => return None,
    };
    Some((units, faults, checker))
}

/// The seed sweep case (issue 13): a preset with its fault over 200 seeds, stepped the way the page steps it
/// (at most [`SWEEP_STEP_BUDGET`] model wakeups per call), with runs per second and the slowest step.
const SWEEP_CASE: &str = "sweep-200";
const SWEEP_PRESET: &str = "replica-crash";
const SWEEP_STEP_BUDGET: usize = 200;

fn run_sweep() -> ExitCode {
    use gangplank::app::sweep::Sweep;
    let s = gangplank::app::presets::preset_by_id(SWEEP_PRESET).expect("the preset").scenario().expect("valid");
    let runs = 200;
    let mut sweep = Sweep::new(&s, &[], runs);
    let start = Instant::now();
    let (mut calls, mut longest) = (0u64, 0f64);
    loop {
        let t = Instant::now();
        let done = sweep.step(SWEEP_STEP_BUDGET);
        longest = longest.max(t.elapsed().as_secs_f64());
        calls += 1;
        if done {
            break;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let summary = sweep.summary();
    let line = json!({
        "bench": "sweep",
        "case": SWEEP_CASE,
        "preset": SWEEP_PRESET,
        "runs": runs,
        "wall_s": round(wall, 4),
        "runs_per_s": round(runs as f64 / wall, 1),
        "wakeups": sweep.wakeups(),
        "step_budget_wakeups": SWEEP_STEP_BUDGET,
        "step_calls": calls,
        "longest_step_ms": round(longest * 1000.0, 3),
        "healthy": summary.outcomes[0].runs,
        "recovery_median_s": summary.recovery.as_ref().map(|d| d.median),
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{line}");
    ExitCode::SUCCESS
}

/// Run one throughput case here and print its JSON line.
fn run_one(name: &str) -> ExitCode {
    if name == SWEEP_CASE {
        return run_sweep();
    }
    let Some((units, faults, checker)) = case(name) else {
        eprintln!("unknown case {name}");
        return ExitCode::from(2);
    };
    let build = Instant::now();
    let s = workload(units, 3600.0, faults);
    let mut sim = Simulation::new(&s);
    sim.checker = checker;
    let setup_s = build.elapsed().as_secs_f64();
    let start = Instant::now();
    sim.run_to_end();
    let wall = start.elapsed().as_secs_f64();
    let snap = sim.snapshot();
    let running: u32 = snap.deployments.iter().map(|d| d.running).sum();
    let line = json!({
        "bench": "throughput",
        "case": name,
        "nodes": units * NODES_PER_UNIT,
        "replicas": units * REPLICAS_PER_UNIT,
        "faults": faults == Load::Faults,
        "load": match faults {
            Load::Steady => "steady",
            Load::Faults => "faults",
            Load::Upgrade => "upgrade",
            Load::Drain => "drain",
            Load::Traffic => "traffic",
            Load::Autoscale => "autoscale",
        },
        "actions": s.actions.len(),
        "invariant_checks": checker != CheckerMode::Off,
        "checker": match checker {
            CheckerMode::Off => "off",
            CheckerMode::Reference => "reference",
            CheckerMode::Incremental => "incremental",
        },
        "sim_s": 3600.0,
        "setup_s": round(setup_s, 4),
        "wall_s": round(wall, 4),
        "sim_s_per_wall_s": round(3600.0 / wall, 1),
        "events": sim.events().len(),
        "events_per_wall_s": round(sim.events().len() as f64 / wall, 1),
        "steps": sim.steps,
        "ticks": sim.ticks,
        "violations": sim.violations().len(),
        "running_at_end": running,
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{line}");
    ExitCode::SUCCESS
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// Run a case in a child process (fresh peak memory) and parse its JSON line.
fn child(name: &str) -> Value {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let out = Command::new(exe).arg("--one").arg(name).output().expect("run a benchmark case");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("case {name} printed no result: {}{}", text, String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(line).expect("a JSON result line")
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}

fn throughput_row(v: &Value) {
    println!(
        "{:<22} {:>6} {:>7} {:>8} {:>10.3} {:>12.0} {:>9} {:>12.0} {:>8} {:>7} {:>9.1}",
        v["case"].as_str().unwrap_or("?"),
        u(v, "nodes"),
        u(v, "replicas"),
        if v["invariant_checks"].as_bool() == Some(true) { "on" } else { "off" },
        f(v, "wall_s"),
        f(v, "sim_s_per_wall_s"),
        u(v, "events"),
        f(v, "events_per_wall_s"),
        u(v, "steps"),
        u(v, "ticks"),
        f(v, "peak_rss_kib") / 1024.0,
    );
}

fn seek(points: usize) -> Vec<Value> {
    let s = workload(1, 600.0, Load::Faults);
    let mut rng = SplitMix(42);
    let mut out = Vec::new();
    for _ in 0..points {
        let at = SimTime((rng.next() % 600_000_000) + 1);
        let start = Instant::now();
        let mut sim = Simulation::new(&s);
        sim.run_until(at);
        let wall = start.elapsed().as_secs_f64();
        let line = json!({
            "bench": "seek",
            "nodes": NODES_PER_UNIT,
            "replicas": REPLICAS_PER_UNIT,
            "run_s": 600.0,
            "to_s": round(at.as_secs_f64(), 3),
            "wall_s": round(wall, 4),
            "events": sim.events().len(),
            "steps": sim.steps,
        });
        println!("{line}");
        out.push(line);
    }
    out
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        // Print a case's scenario (e.g. to run it with gangplank-cli or load it in the app).
        let Some((units, faults, ..)) = args.get(i + 1).and_then(|n| case(n)) else {
            eprintln!("usage: gangplank-bench --scenario CASE (e.g. 1x-faults, 10x-steady)");
            return ExitCode::from(2);
        };
        let s = workload(units, 3600.0, faults);
        println!("{}", serde_json::to_string_pretty(&s).expect("a scenario serializes"));
        return ExitCode::SUCCESS;
    }
    if let Some(i) = args.iter().position(|a| a == "--one") {
        return match args.get(i + 1) {
            Some(name) => run_one(name),
            None => ExitCode::from(2),
        };
    }
    let quick = args.iter().any(|a| a == "--quick");
    let no_invariants = args.iter().any(|a| a == "--no-invariants");

    println!("== Model throughput: one simulated hour (JSON lines start with '{{')");
    println!(
        "{:<22} {:>6} {:>7} {:>8} {:>10} {:>12} {:>9} {:>12} {:>8} {:>7} {:>9}",
        "case",
        "nodes",
        "replicas",
        "checks",
        "wall s",
        "sim s/wall s",
        "events",
        "events/s",
        "steps",
        "ticks",
        "peak MiB"
    );
    let mut cases = vec![
        "1x-steady",
        "1x-faults",
        "10x-steady",
        "10x-faults",
        "10x-upgrade",
        "10x-drain",
        "10x-traffic",
        "10x-autoscale",
    ];
    if quick {
        cases = vec!["1x-steady", "1x-faults"];
    }
    let mut extra = Vec::new();
    if no_invariants {
        extra = cases.iter().map(|c| format!("{c}-nocheck")).collect();
    }
    let mut results = Vec::new();
    for c in cases.iter().map(|c| c.to_string()).chain(extra) {
        let v = child(&c);
        println!("{v}");
        throughput_row(&v);
        results.push(v);
    }

    println!("\n== Scaling: the faulty workload at 1x, 2x, 4x, 8x (100 nodes / 1,000 replicas per x)");
    let sizes: &[&str] = if quick { &["1x", "2x"] } else { &["1x", "2x", "4x", "8x"] };
    let mut prev: Option<f64> = None;
    let mut rows = Vec::new();
    for size in sizes {
        let name = format!("{size}-faults");
        let v = results.iter().find(|r| r["case"] == name.as_str()).cloned().unwrap_or_else(|| child(&name));
        let wall = f(&v, "wall_s");
        let ratio = prev.map(|p| wall / p);
        let line = json!({
            "bench": "scaling",
            "size": size,
            "nodes": v["nodes"],
            "replicas": v["replicas"],
            "wall_s": wall,
            "events": v["events"],
            "steps": v["steps"],
            "ratio_to_previous": ratio.map(|r| round(r, 2)),
        });
        println!("{line}");
        rows.push((size.to_string(), v, ratio));
        prev = Some(wall);
    }
    println!(
        "{:<6} {:>6} {:>8} {:>10} {:>9} {:>8} {:>12}",
        "size", "nodes", "replicas", "wall s", "events", "steps", "x previous"
    );
    for (size, v, ratio) in &rows {
        println!(
            "{:<6} {:>6} {:>8} {:>10.3} {:>9} {:>8} {:>12}",
            size,
            u(v, "nodes"),
            u(v, "replicas"),
            f(v, "wall_s"),
            u(v, "events"),
            u(v, "steps"),
            ratio.map(|r| format!("{r:.2}")).unwrap_or_else(|| "-".to_string())
        );
    }

    println!("\n== Seed sweep: {SWEEP_PRESET} over 200 seeds, {SWEEP_STEP_BUDGET} wakeups per step (issue 13)");
    let v = child(SWEEP_CASE);
    println!("{v}");
    println!("{:<10} {:>8} {:>10} {:>10} {:>16}", "case", "runs", "wall s", "runs/s", "longest step ms");
    println!(
        "{:<10} {:>8} {:>10.3} {:>10.1} {:>16.3}",
        SWEEP_CASE,
        u(&v, "runs"),
        f(&v, "wall_s"),
        f(&v, "runs_per_s"),
        f(&v, "longest_step_ms")
    );

    println!("\n== Seek: a 10-minute 100-node / 1,000-replica run with faults, from scratch to a random point");
    let seeks = seek(if quick { 3 } else { 10 });
    let walls: Vec<f64> = seeks.iter().map(|v| f(v, "wall_s")).collect();
    let mean = walls.iter().sum::<f64>() / walls.len() as f64;
    let max = walls.iter().copied().fold(0.0, f64::max);
    println!("{:<10} {:>10} {:>10}", "points", "mean s", "max s");
    println!("{:<10} {:>10.3} {:>10.3}", walls.len(), mean, max);
    println!(
        "{}",
        json!({ "bench": "seek_summary", "points": walls.len(), "mean_wall_s": round(mean, 4), "max_wall_s": round(max, 4) })
    );
    ExitCode::SUCCESS
}
