//! `gangplank-cli`: run a scenario natively, print the narrated events, write the trace.
//!
//! Exit codes: 0 no violation, 1 invariant violations, 2 input rejected (message on stderr).
use gangplank::model::Simulation;
use gangplank::model::scenario::{ScenarioError, parse_scenario};
use gangplank::model::time::fmt_secs;
use std::process::ExitCode;

const USAGE: &str = "usage:
  gangplank-cli run FILE [--trace OUT] [--quiet] [--stats]
                                                    run FILE to its until_s, print events, write the trace
  gangplank-cli validate FILE                      check a scenario only";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("validate") => validate(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))
}

fn report(path: &str, errors: &[ScenarioError]) {
    eprintln!("{path}: scenario rejected ({} problem{}):", errors.len(), if errors.len() == 1 { "" } else { "s" });
    for e in errors {
        eprintln!("  {e}");
    }
}

fn validate(args: &[String]) -> ExitCode {
    let Some(path) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let text = match read(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match parse_scenario(&text) {
        Ok(s) => {
            println!(
                "{path}: ok ({} application(s), {} node(s), {} action(s))",
                s.applications.len(),
                s.cluster.nodes.len() + 1,
                s.actions.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            report(path, &errors);
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> ExitCode {
    let mut path = None;
    let mut trace_out = None;
    let mut quiet = false;
    let mut stats = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--trace" => {
                i += 1;
                match args.get(i) {
                    Some(p) => trace_out = Some(p.clone()),
                    None => {
                        eprintln!("--trace needs a file name\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--quiet" | "-q" => quiet = true,
            "--stats" => stats = true,
            other if path.is_none() && !other.starts_with('-') => path = Some(other.to_string()),
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let Some(path) = path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let text = match read(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let scenario = match parse_scenario(&text) {
        Ok(s) => s,
        Err(errors) => {
            report(&path, &errors);
            return ExitCode::from(2);
        }
    };
    let mut sim = Simulation::new(&scenario);
    sim.run_to_end();
    if !quiet {
        for e in sim.events() {
            println!("[{:>9} s] tick {:>6}  {:<18} {}", fmt_secs(e.t), e.tick, e.kind.name(), e.reason);
        }
    }
    if let Some(out) = trace_out
        && let Err(e) = std::fs::write(&out, sim.trace_json())
    {
        eprintln!("{out}: cannot write the trace: {e}");
        return ExitCode::from(2);
    }
    if stats {
        eprintln!(
            "stats: {} simulated s, {} events, {} wakeups processed, {} control-loop ticks run (of {} on the grid)",
            fmt_secs(sim.now()),
            sim.events().len(),
            sim.steps,
            sim.ticks,
            sim.tick_of(sim.now())
        );
    }
    let v = sim.violations();
    if v.is_empty() {
        println!("{}: {} events, no invariant violated", scenario.name, sim.events().len());
        ExitCode::SUCCESS
    } else {
        for x in v {
            eprintln!("violation at {} s (tick {}): {}: {}", x.t_s, x.tick, x.invariant, x.message);
        }
        ExitCode::from(1)
    }
}
