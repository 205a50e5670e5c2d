//! `gangplank-cli`: run a scenario natively, print the narrated events, write the trace.
//!
//! Exit codes: 0 no violation, 1 invariant violations, 2 input rejected (message on stderr).
use gangplank::model::Simulation;
use gangplank::model::scenario::{Scenario, ScenarioError, parse_scenario};
use gangplank::model::time::fmt_secs;
use std::process::ExitCode;

const USAGE: &str = "usage:
  gangplank-cli run --link 'URL-or-fragment' [--trace OUT] [--quiet] [--stats]
                                                    replay a share link from the app
  gangplank-cli run FILE... [--trace OUT] [--quiet] [--stats]
                                                    run FILE to its until_s, print events, write the trace
                                                    (FILE: a scenario, or Serve config / KubeRay files to import)
  gangplank-cli import FILE... [-o OUT] [--base SCENARIO]
                                                    a Ray Serve config and/or a KubeRay RayCluster / RayService
                                                    manifest (YAML or JSON) as a scenario; what they leave out
                                                    comes from --base
  gangplank-cli report FILE... [--at S]           the Markdown report of a run at S seconds (default: its end)
  gangplank-cli validate FILE                      check a scenario only
  gangplank-cli link (FILE | --preset NAME)        print the share-link fragment for a scenario
  gangplank-cli compare (A | --preset NAME) (B | --preset NAME) [--seeds N] [--markdown]
                                                    run both to their ends and print the difference table;
                                                    with --seeds, also sweep N seeds of each
  gangplank-cli sweep (FILE | --preset NAME) [--seeds N]
                                                    run N seeds (default 200): recovery times and outcomes
  gangplank-cli lesson (FILE | --builtin ID | --all) [--narration]
                                                    play a lesson's every step: each step's title and time,
                                                    each question with the model's answer marked; exits 1 for
                                                    a broken lesson, 2 for a bad file
  gangplank-cli replay RECORDING                   a recording of a real cluster (gangplank.recording/v1): its
                                                    events with times, and the scenario derived from it
  gangplank-cli check RECORDING [--json]           the model's run of the derived scenario beside the recording:
                                                    the differences; exits 0 when the model agrees up to timing
                                                    noise, 1 when it disagrees, 2 for a bad file";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("validate") => validate(&args[1..]),
        Some("import") => import(&args[1..]),
        Some("report") => report_md(&args[1..]),
        Some("link") => make_link(&args[1..]),
        Some("compare") => compare_cmd(&args[1..]),
        Some("sweep") => sweep_cmd(&args[1..]),
        Some("lesson") => lesson_cmd(&args[1..]),
        Some("replay") => replay_cmd(&args[1..]),
        Some("check") => check_cmd(&args[1..]),
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

/// Read and validate a scenario file; on failure the message is on stderr and the caller exits 2. A Ray Serve config
/// or a KubeRay manifest (YAML or JSON) is imported into a scenario first (see `import`).
fn load(path: &str) -> Result<(String, Scenario), ExitCode> {
    let text = read_text(path)?;
    if gangplank::app::config_import::looks_like_config(&text) {
        let scenario = import_configs(&[path.to_string()], None)?;
        let text = serde_json::to_string_pretty(&scenario).expect("a scenario serializes");
        return Ok((text, scenario));
    }
    match parse_scenario(&text) {
        Ok(s) => Ok((text, s)),
        Err(errors) => {
            report(path, &errors);
            Err(ExitCode::from(2))
        }
    }
}

fn read_text(path: &str) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("{path}: cannot read: {e}");
        ExitCode::from(2)
    })
}

/// Import Serve configs / KubeRay manifests (what they leave out comes from `base`); notes go to stderr.
fn import_configs(paths: &[String], base: Option<&Scenario>) -> Result<Scenario, ExitCode> {
    use gangplank::app::config_import::{SourceFile, import_files, problems_text};
    let texts: Vec<String> = paths.iter().map(|p| read_text(p)).collect::<Result<_, _>>()?;
    let files: Vec<SourceFile> = paths.iter().zip(&texts).map(|(name, text)| SourceFile { name, text }).collect();
    match import_files(&files, base) {
        Ok(imported) => {
            eprintln!("imported: {}", imported.summary);
            for n in &imported.notes {
                eprintln!("  {n}");
            }
            Ok(imported.scenario)
        }
        Err(problems) => {
            eprintln!("import rejected ({} problem{}):", problems.len(), if problems.len() == 1 { "" } else { "s" });
            eprintln!("{}", problems_text(&problems, 50));
            Err(ExitCode::from(2))
        }
    }
}

/// `report FILE... [--at S]`: the Markdown report of the run (scenario or Ray files) at `S` (default: the end).
fn report_md(args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    let mut at = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--at" => {
                i += 1;
                match args.get(i).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0) {
                    Some(v) => at = Some(v),
                    None => {
                        eprintln!("--at needs a time in seconds, 0 or more\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            f if !f.starts_with('-') => files.push(f.to_string()),
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let scenario = match files.as_slice() {
        [] => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        [one] => match load(one) {
            Ok((_, s)) => s,
            Err(code) => return code,
        },
        many => match import_configs(many, None) {
            Ok(s) => s,
            Err(code) => return code,
        },
    };
    let until = at.unwrap_or(scenario.until_s);
    let mut session = gangplank::app::Session::new(scenario);
    session.advance_to(gangplank::model::time::SimTime::from_secs_f64(until));
    print!("{}", gangplank::app::report::markdown(&session, None, None));
    ExitCode::SUCCESS
}

/// `import FILE... [-o OUT] [--base SCENARIO]`: write the scenario a Serve config and / or a KubeRay manifest make.
fn import(args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    let mut out = None;
    let mut base = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-o" | "--out" => {
                i += 1;
                out = args.get(i).cloned();
            }
            "--base" => {
                i += 1;
                base = args.get(i).cloned();
            }
            f if !f.starts_with('-') => files.push(f.to_string()),
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let base = match base.map(|b| load(&b)).transpose() {
        Ok(b) => b.map(|(_, s)| s),
        Err(code) => return code,
    };
    let scenario = match import_configs(&files, base.as_ref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let text = serde_json::to_string_pretty(&scenario).expect("a scenario serializes");
    match out {
        Some(o) => match std::fs::write(&o, text + "\n") {
            Ok(()) => {
                eprintln!("wrote {o}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{o}: cannot write: {e}");
                ExitCode::from(2)
            }
        },
        None => {
            println!("{text}");
            ExitCode::SUCCESS
        }
    }
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
    match load(path) {
        Ok((_, s)) => {
            println!(
                "{path}: ok ({} application(s), {} node(s), {} action(s))",
                s.applications.len(),
                s.cluster.nodes.len() + 1,
                s.actions.len()
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn make_link(args: &[String]) -> ExitCode {
    use gangplank::app::link::{SharedSession, encode};
    let session = match args {
        [flag, name] if flag == "--preset" => {
            if gangplank::app::presets::preset_by_id(name).is_none() {
                let names: Vec<&str> = gangplank::app::presets::PRESETS.iter().map(|p| p.id).collect();
                eprintln!("no preset named {name:?}; presets: {}", names.join(", "));
                return ExitCode::from(2);
            }
            SharedSession {
                preset: Some(name.clone()),
                scenario: None,
                seed: None,
                actions: Vec::new(),
                cursor_s: 0.0,
                view: None,
            }
        }
        [path] => {
            let text = match load(path) {
                Ok((text, _)) => text,
                Err(code) => return code,
            };
            let value: serde_json::Value = serde_json::from_str(&text).expect("parsed above");
            SharedSession {
                preset: None,
                scenario: Some(value),
                seed: None,
                actions: Vec::new(),
                cursor_s: 0.0,
                view: None,
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!("#{}", encode(&session));
    ExitCode::SUCCESS
}

fn run(args: &[String]) -> ExitCode {
    let mut path = None;
    let mut trace_out = None;
    let mut quiet = false;
    let mut stats = false;
    let mut link: Option<String> = None;
    let mut more: Vec<String> = Vec::new();
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
            "--link" => {
                i += 1;
                match args.get(i) {
                    Some(l) => link = Some(l.clone()),
                    None => {
                        eprintln!("--link needs a link or fragment\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            other if !other.starts_with('-') => {
                if path.is_some() {
                    more.push(other.to_string());
                } else {
                    path = Some(other.to_string());
                }
            }
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let (scenario, cursor) = match (&path, &link) {
        (Some(_), Some(_)) => {
            eprintln!("give either FILE or --link, not both\n{USAGE}");
            return ExitCode::from(2);
        }
        (None, None) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        (None, Some(l)) => {
            let shared = match gangplank::app::link::decode(l) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("link rejected: {e}");
                    return ExitCode::from(2);
                }
            };
            match gangplank::app::link::resolve(&shared, |name| {
                gangplank::app::presets::preset_by_id(name).map(|p| p.json)
            }) {
                Ok(s) => (s, Some(shared.cursor_s)),
                Err(e) => {
                    eprintln!("link rejected: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        (Some(path), None) if !more.is_empty() => {
            let all: Vec<String> = std::iter::once(path.clone()).chain(more).collect();
            match import_configs(&all, None) {
                Ok(s) => (s, None),
                Err(code) => return code,
            }
        }
        (Some(path), None) => match load(path) {
            Ok((_, s)) => (s, None),
            Err(code) => return code,
        },
    };
    let mut sim = Simulation::new(&scenario);
    sim.keep_all_events(); // the printed events and the trace are the whole run, however long
    sim.run_to_end();
    if let Some(c) = cursor {
        println!("(the link's cursor is at {c} s; the run continues to until_s = {} s)", scenario.until_s);
    }
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
            let kind = if x.reproduces_ray_2_60 { " [reproduces a Ray 2.60 flaw, see MODEL.md]" } else { "" };
            eprintln!("violation at {} s (tick {}): {}: {}{kind}", x.t_s, x.tick, x.invariant, x.message);
        }
        ExitCode::from(1)
    }
}

/// A scenario named on the command line: `FILE` or `--preset NAME` (from `args[*i]`, advancing `i`).
fn scenario_arg(args: &[String], i: &mut usize) -> Result<Scenario, ExitCode> {
    if args[*i] == "--preset" {
        *i += 1;
        let Some(name) = args.get(*i) else {
            eprintln!("--preset needs a name\n{USAGE}");
            return Err(ExitCode::from(2));
        };
        return match gangplank::app::presets::preset_by_id(name) {
            Some(p) => Ok(p.scenario().expect("presets are valid")),
            None => {
                let names: Vec<&str> = gangplank::app::presets::PRESETS.iter().map(|p| p.id).collect();
                eprintln!("no preset named {name:?}; presets: {}", names.join(", "));
                Err(ExitCode::from(2))
            }
        };
    }
    load(&args[*i]).map(|(_, s)| s)
}

/// `compare A B [--seeds N] [--markdown]` and `sweep FILE [--seeds N]`: the scenarios and options.
fn compare_args(args: &[String], want: usize) -> Result<(Vec<Scenario>, Option<u32>, bool), ExitCode> {
    let (mut scenarios, mut seeds, mut markdown) = (Vec::new(), None, false);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--seeds" => {
                i += 1;
                match args.get(i).and_then(|n| n.parse::<u32>().ok()).filter(|n| *n > 0) {
                    Some(n) => seeds = Some(n),
                    None => {
                        eprintln!("--seeds needs a number of seeds (at least 1)\n{USAGE}");
                        return Err(ExitCode::from(2));
                    }
                }
            }
            "--markdown" => markdown = true,
            a if a == "--preset" || !a.starts_with('-') => scenarios.push(scenario_arg(args, &mut i)?),
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return Err(ExitCode::from(2));
            }
        }
        i += 1;
    }
    if scenarios.len() != want {
        eprintln!("expected {want} scenario(s), found {}\n{USAGE}", scenarios.len());
        return Err(ExitCode::from(2));
    }
    Ok((scenarios, seeds, markdown))
}

fn compare_cmd(args: &[String]) -> ExitCode {
    let (scenarios, seeds, markdown) = match compare_args(args, 2) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (a, b) = (&scenarios[0], &scenarios[1]);
    let c = gangplank::app::compare::compare(a, &[], b, &[]);
    print!("{}", if markdown { c.to_markdown() } else { c.to_text() });
    if let Some(n) = seeds {
        for (name, s) in [("A", a), ("B", b)] {
            let mut sweep = gangplank::app::sweep::Sweep::new(s, &[], n);
            sweep.run_all();
            println!("\n== {name}: {} over {n} seeds from seed {}", s.name, s.seed);
            print!("{}", sweep.summary().to_text());
        }
    }
    ExitCode::SUCCESS
}

fn sweep_cmd(args: &[String]) -> ExitCode {
    let (scenarios, seeds, _) = match compare_args(args, 1) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let s = &scenarios[0];
    let n = seeds.unwrap_or(gangplank::app::sweep::DEFAULT_SEEDS);
    let mut sweep = gangplank::app::sweep::Sweep::new(s, &[], n);
    sweep.run_all();
    println!("{}: {n} seeds from seed {}", s.name, s.seed);
    print!("{}", sweep.summary().to_text());
    ExitCode::SUCCESS
}

/// `lesson (FILE | --builtin ID | --all) [--narration]`: play lessons step by step, checking every question.
fn lesson_cmd(args: &[String]) -> ExitCode {
    use gangplank::app::lesson::{BUILTIN, builtin_by_id, parse_lesson};
    let narration = args.iter().any(|a| a == "--narration");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--narration").collect();
    let mut lessons = Vec::new();
    match rest.as_slice() {
        [flag] if *flag == "--all" => {
            for b in BUILTIN {
                match b.lesson() {
                    Ok(l) => lessons.push(l),
                    Err(errors) => {
                        report_lesson(&format!("built-in lesson {}", b.id), &errors);
                        return ExitCode::from(2);
                    }
                }
            }
        }
        [flag, id] if *flag == "--builtin" => match builtin_by_id(id).map(|b| b.lesson()) {
            Some(Ok(l)) => lessons.push(l),
            Some(Err(errors)) => {
                report_lesson(&format!("built-in lesson {id}"), &errors);
                return ExitCode::from(2);
            }
            None => {
                let ids: Vec<&str> = BUILTIN.iter().map(|b| b.id).collect();
                eprintln!("no built-in lesson {id:?}; they are: {}", ids.join(", "));
                return ExitCode::from(2);
            }
        },
        [file] if !file.starts_with('-') => {
            let text = match read_text(file) {
                Ok(t) => t,
                Err(code) => return code,
            };
            match parse_lesson(&text) {
                Ok(l) => lessons.push(l),
                Err(errors) => {
                    report_lesson(file, &errors);
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut broken = 0;
    for lesson in &lessons {
        if !play_lesson(lesson, narration) {
            broken += 1;
        }
    }
    if broken > 0 {
        eprintln!("{broken} of {} lesson(s) broken", lessons.len());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Print one lesson as the model plays it; false if it is broken.
fn play_lesson(lesson: &gangplank::app::lesson::Lesson, narration: bool) -> bool {
    use gangplank::app::lesson::{Plan, narration as md};
    println!("lesson {}: {} ({} steps)", lesson.id, lesson.title, lesson.steps.len());
    let plan = match Plan::of(lesson) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                eprintln!("  broken: {p}");
            }
            return false;
        }
    };
    let mut questions = 0;
    for (i, (step, p)) in lesson.steps.iter().zip(&plan.steps).enumerate() {
        println!("{:>3}. [{:>8} s] {}", i + 1, fmt_secs(p.end), step.title);
        if narration {
            for line in md::plain(&md::parse(&step.narration)).lines() {
                println!("        {line}");
            }
        }
        if let Some(q) = &step.question {
            questions += 1;
            println!("        Q: {}", q.prompt);
            for (k, (o, v)) in q.options.iter().zip(&p.verdicts).enumerate() {
                let mark = if v.holds { "x" } else { " " };
                println!("          [{mark}] {}. {}   ({})", k + 1, o.text, v.reason);
            }
            if narration && !q.explain.is_empty() {
                for line in md::plain(&md::parse(&q.explain)).lines() {
                    println!("        A: {line}");
                }
            }
        }
    }
    println!("  ok: {} steps, {questions} question(s), each answered by the model", lesson.steps.len());
    true
}

fn report_lesson(path: &str, errors: &[ScenarioError]) {
    eprintln!("{path}: lesson rejected ({} problem{}):", errors.len(), if errors.len() == 1 { "" } else { "s" });
    for e in errors {
        eprintln!("  {e}");
    }
}

// ---- recordings of real clusters (issue 15) ----
use gangplank::app::recording::{Derived, Recording};

/// Read and check a recording; on failure the problems are on stderr and the caller exits 2.
fn load_recording(path: &str) -> Result<Recording, ExitCode> {
    let text = read_text(path)?;
    gangplank::app::recording::parse_recording(&text).map_err(|errors| {
        eprintln!("{path}: recording rejected ({} problem{}):", errors.len(), if errors.len() == 1 { "" } else { "s" });
        for e in &errors {
            eprintln!("  {e}");
        }
        ExitCode::from(2)
    })
}

/// The recording at `path` and the scenario derived from it (both commands start here).
fn load_derived(path: &str) -> Result<(Recording, Derived), ExitCode> {
    let recording = load_recording(path)?;
    let derived = gangplank::app::recording::derive(&recording);
    Ok((recording, derived))
}

fn replay_cmd(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (recording, derived) = match load_derived(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let replay = gangplank::app::recording::Replay::new(recording);
    println!("Recorded events ({}):", replay.events().len());
    for e in replay.events() {
        println!("  {:>8}  {}", fmt_secs(e.t), e.text);
    }
    println!();
    println!("Derived scenario:");
    for line in derived.summary().lines() {
        println!("  {line}");
    }
    ExitCode::SUCCESS
}

fn check_cmd(args: &[String]) -> ExitCode {
    let json = args.iter().any(|a| a == "--json");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--json").collect();
    let [path] = rest.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (recording, derived) = match load_derived(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let check = match gangplank::app::recording::diff(&recording, &derived) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let body = serde_json::json!({
            "agrees": !check.disagrees(),
            "offset_s": check.offset_s,
            "alignment": derived.alignment,
            "scenario": derived.scenario,
            "not_derived": derived.not_derived.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            "rows": check.rows,
        });
        println!("{}", serde_json::to_string_pretty(&body).expect("plain data serializes"));
    } else {
        println!("{}", derived.alignment);
        for n in &derived.not_derived {
            println!("Not derived: {n}");
        }
        println!("{}", check.text());
        let (noise, bad) = (
            check.rows.iter().filter(|r| r.timing_noise()).count(),
            check.rows.iter().filter(|r| r.verdict == gangplank::app::recording::Verdict::Disagrees).count(),
        );
        let partial = match derived.not_derived.len() {
            0 => String::new(),
            n => format!("; {n} thing(s) seen in the recording were not derived, so the model did not see them"),
        };
        println!(
            "{}: {} comparisons, {bad} disagree, {noise} timing noise{partial}",
            if bad > 0 { "The model DISAGREES with the recording" } else { "The model agrees with the recording" },
            check.rows.len()
        );
    }
    if check.disagrees() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
