//! Import and export of whole runs as files (pure: the UI only reads and writes the bytes).
//!
//! An imported file may be a scenario (`gangplank.scenario/v1`), a saved session (`gangplank.session/v1`, the
//! same content as a share link), a trace (`gangplank.trace/v1`, whose scenario is loaded) or a share link in a
//! text file; or Ray's own files, a Serve config and / or a KubeRay manifest (`app::config_import`, run in the page
//! by the importer worker). Anything else is refused with a message that says what is wrong and where: line and
//! column for JSON syntax, field paths for scenario errors, `file:line:column` for Ray's files. A refused import
//! changes nothing.
use crate::app::config_import::{self, Note, SourceFile};
use crate::app::link::{self, SharedSession};
use crate::app::presets::preset_by_id;
use crate::app::session::Session;
use crate::model::scenario::{Scenario, ScenarioError, describe, parse_scenario};
use serde_json::Value;

/// Gangplank's own files and Ray configs larger than this are refused (they are a few kilobytes).
pub const MAX_IMPORT_BYTES: u64 = 10 * 1024 * 1024;
/// Files larger than this are refused before they are read: the largest file any import takes, a recording of a
/// real cluster (an hour at 0.5 s is about 22 MB; `app::recording` takes up to 64 MiB). The smaller limit of the
/// other kinds is checked once the text shows what the file is.
pub const MAX_READ_BYTES: u64 = crate::app::recording::parse::MAX_RECORDING_BYTES as u64;
/// The saved-session file format.
pub const SESSION_FORMAT: &str = "gangplank.session/v1";

/// What an imported file turned into.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The description to load: a scenario (inlined) or a preset, with the user's actions and cursor.
    pub session: SharedSession,
    /// What the file was, for the message ("scenario", "saved session", ...).
    pub kind: &'static str,
    /// For a Serve config / KubeRay manifest: what was kept without simulating it, ignored by Ray, or assumed.
    pub notes: Vec<Note>,
}

/// Refuse a file by its size alone, before reading it: larger than any import takes, or empty.
pub fn check_read_size(name: &str, bytes: u64) -> Result<(), String> {
    if bytes > MAX_READ_BYTES {
        return Err(format!(
            "\"{name}\" is {} ({bytes} bytes); the limit is {} (a recording of a real cluster; a scenario, \
             lesson or Ray config is a few kilobytes). Is this the right file?",
            human_size(bytes),
            human_size(MAX_READ_BYTES)
        ));
    }
    check_size(name, bytes.min(1))
}

/// Refuse a Gangplank file or Ray config by its size (a recording has its own, larger limit).
pub fn check_size(name: &str, bytes: u64) -> Result<(), String> {
    if bytes > MAX_IMPORT_BYTES {
        return Err(format!(
            "\"{name}\" is {} ({bytes} bytes); the limit is 10 MB. A scenario is a few kilobytes: is this the right file?",
            human_size(bytes)
        ));
    }
    if bytes == 0 {
        return Err(format!("\"{name}\" is empty."));
    }
    Ok(())
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}

fn scenario_session(scenario: &Scenario) -> SharedSession {
    SharedSession {
        preset: None,
        scenario: Some(serde_json::to_value(scenario).expect("a scenario always serializes")),
        seed: None,
        actions: Vec::new(),
        cursor_s: 0.0,
        view: None,
    }
}

fn errors_text(errors: &[crate::model::scenario::ScenarioError]) -> String {
    let shown: Vec<String> = errors.iter().take(8).map(|e| e.to_string()).collect();
    let more = if errors.len() > 8 { format!(" (and {} more)", errors.len() - 8) } else { String::new() };
    format!("{}{more}", shown.join("; "))
}

/// Read imported files: one Gangplank file (scenario, saved session, trace, link), or Ray's own files (a Serve
/// config and / or a KubeRay manifest, in one or several files), whose missing part comes from `base` (the current
/// scenario). The message of a refusal lists every problem, with file, line and column.
pub fn import_files(files: &[(String, String)], base: Option<&Scenario>) -> Result<Imported, String> {
    for (name, text) in files {
        check_size(name, text.len() as u64)?;
    }
    let configs = files.iter().filter(|(_, t)| config_import::looks_like_config(t)).count();
    match files {
        _ if configs == 0 => import_gangplank(files),
        _ if configs < files.len() => Err(format!(
            "import Gangplank files one at a time; several files together must all be Ray Serve configs or \
             KubeRay manifests (not: {}).",
            files
                .iter()
                .filter(|(_, t)| !config_import::looks_like_config(t))
                .map(|(n, _)| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {
            let sources: Vec<SourceFile> = files.iter().map(|(name, text)| SourceFile { name, text }).collect();
            let got = config_import::import_files(&sources, base).map_err(|problems| {
                format!(
                    "{} problem{} in your file{}:\n{}",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" },
                    if files.len() == 1 { "" } else { "s" },
                    config_import::problems_text(&problems, 12)
                )
            })?;
            Ok(Imported { session: scenario_session(&got.scenario), kind: "Ray config", notes: got.notes })
        }
    }
}

/// Read Gangplank files (one at a time: scenario, saved session, trace, link). The page calls this for files that
/// are not Ray configs; it never reaches the YAML reader, which stays in the importer worker.
pub fn import_gangplank(files: &[(String, String)]) -> Result<Imported, String> {
    match files {
        [] => Err("no file given.".into()),
        [(name, text)] => import(name, text),
        _ => Err(format!(
            "import Gangplank files one at a time (got {}); several files together must be Ray Serve configs or \
             KubeRay manifests.",
            files.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// What the worker says once it listens (its wasm loads asynchronously; a request sent earlier would be lost).
pub const WORKER_READY: &str = "ready";

/// The Ray-config import runs in a Web Worker with its own wasm (`src/bin/gangplank-import-worker.rs`), loaded on
/// first use, so the YAML reader and Ray's schema rules stay out of the page's first download. These are the
/// messages it takes and gives, as JSON text: the worker answers [`worker_reply`] to a [`WorkerRequest`], the page
/// reads the answer with [`read_worker_reply`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkerRequest {
    pub files: Vec<(String, String)>,
    pub base: Option<Scenario>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum WorkerReply {
    Imported { session: SharedSession, notes: Vec<Note> },
    Refused { message: String },
}

/// The request's JSON text.
pub fn worker_request(files: Vec<(String, String)>, base: Option<Scenario>) -> String {
    serde_json::to_string(&WorkerRequest { files, base }).expect("a request serializes")
}

/// What the worker answers: [`import_files`] of the request, as JSON text.
pub fn worker_reply(request: &str) -> String {
    let reply = match serde_json::from_str::<WorkerRequest>(request) {
        Ok(r) => match import_files(&r.files, r.base.as_ref()) {
            Ok(got) => WorkerReply::Imported { session: got.session, notes: got.notes },
            Err(message) => WorkerReply::Refused { message },
        },
        Err(e) => WorkerReply::Refused { message: format!("the importer got a request it cannot read: {e}") },
    };
    serde_json::to_string(&reply).expect("a reply serializes")
}

/// The page's reading of the worker's answer.
pub fn read_worker_reply(reply: &str) -> Result<Imported, String> {
    match serde_json::from_str::<WorkerReply>(reply) {
        Ok(WorkerReply::Imported { session, notes }) => Ok(Imported { session, kind: "Ray config", notes }),
        Ok(WorkerReply::Refused { message }) => Err(message),
        Err(e) => Err(format!("the importer's answer could not be read: {e}")),
    }
}

/// Read one Gangplank file's text (scenario, saved session, trace, link). The session it yields has been checked:
/// it resolves to a valid scenario. Ray's own files go through [`import_files`] (in the page: the importer worker),
/// so that this path, which the page links, never pulls the YAML reader into the page's first download.
pub fn import(name: &str, text: &str) -> Result<Imported, String> {
    if config_import::looks_like_config(text) {
        return Err(format!(
            "\"{name}\" is a Ray Serve config or a KubeRay manifest: import it with \"Import your Ray config\", \
             which reads it over the current scenario."
        ));
    }
    check_size(name, text.len() as u64)?;
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(format!("\"{name}\" is empty."));
    }
    if !trimmed.starts_with('{') && !trimmed.starts_with('[') {
        // A share link saved as text?
        if trimmed.starts_with("g1.") || trimmed.contains("#g") || trimmed.starts_with("http") {
            let session = link::decode(trimmed).map_err(|e| format!("\"{name}\": {e}"))?;
            check_resolves(name, &session)?;
            return Ok(Imported { session, kind: "share link", notes: Vec::new() });
        }
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|e| {
        if e.is_eof() {
            format!(
                "\"{name}\" is not complete JSON: it ends early (line {}, column {}). Was it cut short?",
                e.line(),
                e.column()
            )
        } else {
            let m = e.to_string();
            let m = m.split(" at line ").next().unwrap_or_default();
            format!("\"{name}\" is not valid JSON: line {}, column {}: {m}.", e.line(), e.column())
        }
    })?;
    let Some(obj) = value.as_object() else {
        return Err(format!(
            "\"{name}\" is JSON but not a Gangplank scenario: expected an object with \"format\": \
             \"gangplank.scenario/v1\", found {}.",
            describe(&value)
        ));
    };
    match obj.get("format").and_then(Value::as_str) {
        Some(SESSION_FORMAT) => {
            let inner = obj.get("session").cloned().unwrap_or(Value::Null);
            let session: SharedSession = ScenarioError::deserialize_value(&inner).map_err(|e| {
                let path = if e.path.is_empty() { "." } else { e.path.as_str() };
                format!("\"{name}\" is a saved session, but session.{path} is wrong: {}", e.message)
            })?;
            if session.preset.is_some() == session.scenario.is_some() {
                return Err(format!("\"{name}\": a saved session names exactly one of a preset or a scenario."));
            }
            check_resolves(name, &session)?;
            Ok(Imported { session, kind: "saved session", notes: Vec::new() })
        }
        Some(crate::model::trace::TRACE_FORMAT) => {
            let scenario = obj.get("scenario").ok_or_else(|| format!("\"{name}\" is a trace without its scenario."))?;
            let scenario = parse_scenario(&scenario.to_string())
                .map_err(|e| format!("\"{name}\" is a trace whose scenario is invalid: {}", errors_text(&e)))?;
            Ok(Imported { session: scenario_session(&scenario), kind: "trace (its scenario)", notes: Vec::new() })
        }
        Some(f) if f.starts_with("gangplank.") && f != "gangplank.scenario/v1" => Err(format!(
            "\"{name}\" has format \"{f}\", which this version cannot import (it reads gangplank.scenario/v1, \
             {SESSION_FORMAT} and gangplank.trace/v1)."
        )),
        None if obj.contains_key("traceEvents") => Err(format!(
            "\"{name}\" is a Perfetto / Chrome trace: it can be opened in ui.perfetto.dev, but it does not describe \
             a scenario. Import the scenario JSON instead."
        )),
        _ => {
            let scenario = parse_scenario(trimmed)
                .map_err(|e| format!("\"{name}\" is not a valid scenario: {}", errors_text(&e)))?;
            Ok(Imported { session: scenario_session(&scenario), kind: "scenario", notes: Vec::new() })
        }
    }
}

fn check_resolves(name: &str, session: &SharedSession) -> Result<(), String> {
    link::resolve(session, |p| preset_by_id(p).map(|p| p.json)).map(|_| ()).map_err(|e| format!("\"{name}\": {e}"))
}

/// A session as a file (`gangplank.session/v1`), pretty JSON.
pub fn session_file(session: &SharedSession) -> String {
    let v = serde_json::json!({ "format": SESSION_FORMAT, "session": session });
    serde_json::to_string_pretty(&v).expect("a session always serializes")
}

/// The current scenario with the user's actions folded in: a file that alone reproduces the run.
pub fn export_scenario(session: &Session) -> String {
    serde_json::to_string_pretty(&session.scenario_with_user_actions()).expect("a scenario always serializes")
}

/// The shareable description of a session: the preset by name when the scenario is the preset's (only the seed
/// may differ), the scenario inlined otherwise.
pub fn shared_of(session: &Session, preset_id: &str, view: Option<Value>) -> SharedSession {
    let scenario = session.scenario();
    let is_preset = preset_by_id(preset_id).and_then(|p| p.scenario().ok()).is_some_and(|mut p| {
        p.seed = scenario.seed;
        p == *scenario
    });
    let default_seed = preset_by_id(preset_id).and_then(|p| p.scenario().ok()).map(|p| p.seed);
    SharedSession {
        preset: is_preset.then(|| preset_id.to_string()),
        scenario: (!is_preset).then(|| serde_json::to_value(scenario).expect("a scenario always serializes")),
        seed: (is_preset && default_seed != Some(scenario.seed)).then_some(scenario.seed),
        actions: session.user_actions().to_vec(),
        cursor_s: session.now().as_secs_f64(),
        view,
    }
}

/// The base scenario of a shared session (without its user actions, which stay separate so they can be undone).
pub fn base_scenario(session: &SharedSession) -> Result<Scenario, String> {
    let base = SharedSession { actions: Vec::new(), ..session.clone() };
    // Check the whole thing (the actions must be valid against the scenario), then return the base.
    link::resolve(session, |p| preset_by_id(p).map(|p| p.json)).map_err(|e| e.to_string())?;
    link::resolve(&base, |p| preset_by_id(p).map(|p| p.json)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_protocol_gives_what_import_files_gives() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/config_import/");
        let read = |n: &str| (n.to_string(), std::fs::read_to_string(format!("{dir}{n}")).unwrap());
        let files = vec![read("serve-gangs.yaml"), read("raycluster-gpu.yaml")];
        let direct = import_files(&files, None).unwrap();
        let via = read_worker_reply(&worker_reply(&worker_request(files, None))).unwrap();
        assert_eq!(via, direct);
        // A refusal carries the same message; a request it cannot read is refused, not a panic.
        let base = crate::app::presets::preset_by_id("replica-crash").unwrap().scenario().unwrap();
        let bad = vec![read("bad-gang.yaml")];
        assert_eq!(
            read_worker_reply(&worker_reply(&worker_request(bad.clone(), Some(base.clone())))),
            import_files(&bad, Some(&base))
        );
        assert!(read_worker_reply(&worker_reply("{")).unwrap_err().contains("cannot read"));
        assert!(read_worker_reply("nonsense").unwrap_err().contains("could not be read"));
    }
    use crate::app::presets::PRESETS;
    use crate::model::scenario::ActionKind;
    use crate::model::time::SimTime;
    use proptest::prelude::*;

    fn preset_text(id: &str) -> &'static str {
        preset_by_id(id).unwrap().json
    }

    /// Saved-session files are read with the model's field-path deserializer too (`ScenarioError::deserialize_value`);
    /// its check against serde_path_to_error on scenarios is in `model::scenario::field_path`.
    #[test]
    fn session_field_paths_are_those_of_serde_path_to_error() {
        use crate::model::scenario::field_path::testing::{PRESET_FILES, agrees_with_serde_path_to_error, mutations};
        // The model's test reads the preset files itself (the model does not depend on `app`): all of them.
        assert_eq!(PRESET_FILES.len(), PRESETS.len(), "a preset is missing from field_path.rs's list");
        let mut session = serde_json::to_value(shared_of(
            &Session::new(crate::app::presets::preset_by_id("replica-crash").unwrap().scenario().unwrap()),
            "replica-crash",
            Some(serde_json::json!({"speed_exp": 0.5})),
        ))
        .unwrap();
        session["actions"] = serde_json::json!([{"at_s": 3, "do": "kill_node", "node": "w1"}]);
        let (mut n, mut deep) = (0, 0);
        for v in mutations(&session, 200) {
            deep += usize::from(agrees_with_serde_path_to_error::<SharedSession>(&v));
            n += 1;
        }
        assert!(n > 100 && deep > 50, "{n} documents, {deep} errors with a path");
    }

    #[test]
    fn a_preset_file_imports_as_a_scenario() {
        let got = import("a.json", preset_text("replica-crash")).unwrap();
        assert_eq!(got.kind, "scenario");
        assert!(base_scenario(&got.session).is_ok());
    }

    #[test]
    fn every_rejected_input_says_what_is_wrong_and_where() {
        let cases: Vec<(String, &str)> = vec![
            ("{\n  \"format\": \"gangplank.scenario/v1\",\n  \"name\": x\n}".into(), "line 3, column"),
            ("{\"format\": \"gangplank.scenario/v1\", ".into(), "ends early"),
            ("[1, 2, 3]".into(), "found an array"),
            ("\"hello\"".into(), "found the string \"hello\""),
            ("{\"traceEvents\": []}".into(), "Perfetto"),
            ("{\"format\": \"gangplank.report/v9\"}".into(), "cannot import"),
            ("".into(), "is empty"),
            ("g1.!!!!".into(), "damaged or cut short"),
            ("#g9.abc".into(), "newer Gangplank"),
            (
                "{\"format\": \"gangplank.session/v1\", \"session\": {\"cursor_s\": \"soon\"}}".into(),
                "session.cursor_s",
            ),
            (
                "{\"format\": \"gangplank.session/v1\", \"session\": {\"preset\": \"no-such-preset\"}}".into(),
                "no-such-preset",
            ),
        ];
        for (text, expected) in cases {
            let err = import("f.json", &text).unwrap_err();
            assert!(err.contains(expected), "{text:?} gave {err:?}, expected it to mention {expected:?}");
            assert!(err.contains("f.json"), "{err}");
        }
        // A scenario with an invalid value: the field path.
        let mut v: Value = serde_json::from_str(preset_text("replica-crash")).unwrap();
        v["applications"][0]["deployments"][0]["num_replicas"] = Value::from(-3);
        let err = import("bad.json", &v.to_string()).unwrap_err();
        assert!(err.contains("applications[0].deployments[0].num_replicas"), "{err}");
        // 50 MB: refused by size before anything is parsed.
        let err = check_size("huge.json", 50 * 1024 * 1024).unwrap_err();
        assert!(err.contains("50.0 MB") && err.contains("limit is 10 MB"), "{err}");
        let huge = " ".repeat(MAX_IMPORT_BYTES as usize + 1);
        assert!(import("huge.json", &huge).unwrap_err().contains("limit is 10 MB"));
        // Before reading, a file may be as large as a recording of a real cluster (an hour is about 22 MB).
        assert_eq!(check_read_size("run.json", 22 * 1024 * 1024), Ok(()));
        let err = check_read_size("run.json", MAX_READ_BYTES + 1).unwrap_err();
        assert!(err.contains("limit is 64.0 MB") && err.contains("run.json"), "{err}");
        assert!(check_read_size("empty.json", 0).unwrap_err().contains("is empty"));
    }

    #[test]
    fn a_saved_session_a_trace_and_a_link_import() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(4.0));
        s.inject(ActionKind::KillController {});
        s.advance_to(SimTime::from_secs_f64(9.0));
        let shared = shared_of(&s, "replica-crash", None);
        assert_eq!(shared.preset.as_deref(), Some("replica-crash"));
        let got = import("s.json", &session_file(&shared)).unwrap();
        assert_eq!(got.session, shared);
        let got = import("link.txt", &format!("https://x.org/#{}", link::encode(&shared))).unwrap();
        assert_eq!(got.session, shared);
        let mut sim = crate::model::Simulation::new(s.scenario());
        sim.run_until(SimTime::from_secs_f64(3.0));
        let got = import("trace.json", &sim.trace_json()).unwrap();
        assert_eq!(got.kind, "trace (its scenario)");
        assert_eq!(base_scenario(&got.session).unwrap().name, s.scenario().name);
    }

    #[test]
    fn an_exported_scenario_reproduces_the_run_with_the_actions_folded_in() {
        let mut s = Session::new(preset_by_id("node-failure").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(5.0));
        s.inject(ActionKind::KillController {});
        s.advance_to(SimTime::from_secs_f64(30.0));
        let text = export_scenario(&s);
        let scenario = import("export.json", &text).map(|i| base_scenario(&i.session).unwrap()).unwrap();
        let mut sim = crate::model::Simulation::new(&scenario);
        sim.run_until(SimTime::from_secs_f64(30.0));
        let mut live = crate::model::Simulation::new(s.scenario());
        live.schedule(SimTime::from_secs_f64(5.0), ActionKind::KillController {});
        live.run_until(SimTime::from_secs_f64(30.0));
        // Scheduled ahead (the file) or injected live: the same events.
        assert_eq!(sim.events().len(), s.events().len());
    }

    /// The same run, byte for byte, from a share link: the live run and the link's replay give the same trace.
    #[test]
    fn a_link_reproduces_the_run_byte_for_byte() {
        use crate::app::history::History;
        use crate::model::Simulation;
        for p in PRESETS.iter().filter(|p| p.id != "big-cluster") {
            let mut s = Session::new(p.scenario().unwrap());
            s.advance_to(SimTime::from_secs_f64(3.0));
            s.step_tick();
            s.inject(ActionKind::KillController {});
            s.step_to_next_event();
            s.advance_to(SimTime::from_secs_f64(14.25));
            let url = format!("https://example.org/gangplank/#{}", link::encode(&shared_of(&s, p.id, None)));
            assert!(url.len() < 200, "preset links stay short: {url}");
            let shared = link::decode(&url).unwrap();
            let base = base_scenario(&shared).unwrap();
            let cursor = SimTime::from_secs_f64(shared.cursor_s);
            assert_eq!(cursor, s.now());
            // The link, replayed through the history (checkpoints and all) ...
            let (mut h, mut sim) = (History::default(), Simulation::new(&base));
            h.seek(&base, &mut sim, &shared.actions, cursor);
            // ... and the whole description as one scenario file, run plainly.
            let folded = link::resolve(&shared, |p| preset_by_id(p).map(|p| p.json)).unwrap();
            let mut plain = Simulation::new(&folded);
            plain.run_until(cursor);
            assert_eq!(sim.events(), s.events(), "{}", p.id);
            assert_eq!(sim.snapshot(), s.snapshot(), "{}", p.id);
            // The live session's trace is the history's (same scenario object): compare the bytes.
            let mut again = Session::new(base.clone());
            again.load_with_actions(base.clone(), shared.actions.clone(), cursor);
            assert_eq!(again.events(), s.events(), "{}", p.id);
            assert_eq!(sim.trace_json(), {
                let (mut h2, mut sim2) = (History::default(), Simulation::new(&base));
                h2.advance_to(&mut sim2, &shared.actions, cursor);
                sim2.trace_json()
            });
            assert_eq!(plain.now(), sim.now());
        }
    }

    fn arb_action() -> impl Strategy<Value = crate::model::scenario::Action> {
        (0u32..100_000, 0u8..6, 0u32..100_000).prop_map(|(at, k, x)| {
            let kind = match k {
                0 => ActionKind::KillController {},
                1 => ActionKind::FailGcsQueries { for_s: f64::from(x) / 1000.0 },
                2 => ActionKind::DrainNode {
                    deadline_s: (x % 2 == 0).then_some(f64::from(x) / 1000.0),
                    node: format!("node-{}", at % 7),
                    reason: Some("DRAIN_NODE_REASON_PREEMPTION".into()),
                    reason_message: (x % 3 == 0).then(|| "spot".into()),
                },
                3 => ActionKind::DeployVersion {
                    deployment: crate::model::scenario::DeploymentRef { app: "app".into(), deployment: "G".into() },
                    graceful_shutdown_timeout_s: None,
                    health_check_period_s: None,
                    max_surge_percent: Some(i64::from(x % 101)),
                    num_replicas: None,
                    ray_actor_options: None,
                    rolling_update_percentage: None,
                    user_config: (x % 2 == 0).then(|| serde_json::json!({ "k": x })),
                    version: Some(format!("v{}", x % 9 + 2)),
                },
                4 => ActionKind::SetTraffic {
                    deployment: crate::model::scenario::DeploymentRef { app: "app".into(), deployment: "G".into() },
                    load: vec![crate::model::scenario::LoadComponent {
                        shape: "constant".into(),
                        rps: Some(f64::from(x) / 100.0),
                        ..Default::default()
                    }],
                    service_time_s: (x % 2 == 0).then(|| crate::model::scenario::ServiceTimeSpec {
                        mean: 0.25,
                        spread: f64::from(x % 5) / 10.0,
                    }),
                },
                _ => ActionKind::KillNode { node: format!("node-{}", at % 7) },
            };
            crate::model::scenario::Action { at_s: at as f64 / 1000.0, kind }
        })
    }

    fn arb_session() -> impl Strategy<Value = SharedSession> {
        (
            prop_oneof![
                (0usize..PRESETS.len()).prop_map(|i| (Some(PRESETS[i].id.to_string()), None)),
                (0usize..PRESETS.len())
                    .prop_map(|i| (None, Some(serde_json::from_str::<Value>(PRESETS[i].json).unwrap()))),
            ],
            proptest::option::of(any::<u64>()),
            proptest::collection::vec(arb_action(), 0..6),
            0u32..10_000_000,
            proptest::option::of("[a-z ]{0,12}"),
        )
            .prop_map(|((preset, scenario), seed, actions, cursor, view)| SharedSession {
                preset,
                scenario,
                seed,
                actions,
                cursor_s: cursor as f64 / 1000.0,
                view: view.map(|t| serde_json::json!({ "filter_text": t, "speed_exp": 0.25 })),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn links_round_trip(s in arb_session()) {
            let encoded = link::encode(&s);
            prop_assert!(encoded.starts_with("g1."));
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
            prop_assert_eq!(link::decode(&format!("http://h/p?embed=1#{encoded}")).unwrap(), s.clone());
            // And as a saved-session file.
            prop_assert_eq!(import("s.json", &session_file(&s)).map(|i| i.session).or_else(|e| {
                // Random actions may be refused by the scenario loader (e.g. an unknown node): the message says so.
                prop_assert!(e.contains("invalid"), "{}", e);
                Ok(s.clone())
            })?, s);
        }

        #[test]
        fn cut_or_damaged_links_never_panic(s in arb_session(), cut in 0usize..400, flip in 0usize..400) {
            let encoded = link::encode(&s);
            let cut = cut.min(encoded.len());
            let _ = link::decode(&encoded[..cut]);
            let mut bytes = encoded.into_bytes();
            let i = flip % bytes.len();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let _ = link::decode(&String::from_utf8(bytes).unwrap());
        }
    }
}
