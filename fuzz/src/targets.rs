//! The fuzz targets: one function per decoder of what Gangplank reads from strangers. Each takes the fuzzer's bytes,
//! decodes them, and asserts the invariants of every decoder: no panic, and every rejection names where the problem
//! is (a field path, a line and column, a file, a part of the link). A failed assertion is a crash for the fuzzer.
//!
//! Shared by the AFL binary (`fuzz/src/bin/gangplank-fuzz.rs`) and the native regression test
//! (`tests/fuzz_regressions.rs`, which includes this file by path), so a kept crasher is replayed by `cargo test`.
//!
//! Inputs are structure-aware where that finds more: a first byte 0x00 makes the rest of the input a list of
//! structural edits ([`mutate`]) of one of the valid documents the target knows (presets, lessons, recordings,
//! configs, links); any other first byte makes the input the text itself.
use gangplank::app::config_import::{self, SourceFile};
use gangplank::app::{PRESETS, import, lesson, link, recording, saved, session::Session};
use gangplank::model::Simulation;
use gangplank::model::scenario::{ScenarioError, parse_scenario};
use gangplank::model::time::SimTime;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// A target: decode the fuzzer's bytes and assert the invariants.
pub type Target = fn(&[u8]);

/// Every target by name, as the fuzz binary and the regression test run them.
pub const TARGETS: &[(&str, Target)] = &[
    ("scenario", scenario),
    ("link", link),
    ("saved", saved),
    ("import", import),
    ("config", config),
    ("lesson", lesson),
    ("recording", recording),
];

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The first byte that selects structural edits of a known-valid document.
pub const STRUCTURAL: u8 = 0;

// ---- the targets ----

/// Scenario JSON (`gangplank.scenario/v1`): parse; a valid one must round-trip and start a simulation.
pub fn scenario(data: &[u8]) {
    let text = text_or_edit(data, preset_seeds);
    match parse_scenario(&text) {
        Ok(s) => {
            let again = serde_json::to_string(&s).expect("a scenario serializes");
            if let Err(e) = parse_scenario(&again) {
                panic!("a valid scenario does not re-parse after serializing: {e:?}");
            }
            let mut sim = Simulation::new(&s);
            sim.run_until(SimTime::from_secs_f64(2.0));
        }
        Err(errors) => assert_located(&text, &errors),
    }
}

/// Share links (`#g1.…`; the autosave stores the same payload). Mode 1 packs the rest of the input as the link's
/// JSON payload, so the fuzzer edits the JSON rather than its compressed form.
pub fn link(data: &[u8]) {
    let text = match data.first() {
        Some(&STRUCTURAL) => pack(text_or_edit(data, link_payload_seeds).as_bytes()),
        Some(1) => pack(&data[1..]),
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    open_link(&text);
}

/// The saved-sessions list in localStorage (`app::saved`), then every link in it, as the page opens them.
pub fn saved(data: &[u8]) {
    let text = text_or_edit(data, saved_seeds);
    match saved::parse_saved(&text) {
        Ok(list) => {
            for entry in list.iter().take(4) {
                open_link(&entry.link);
            }
        }
        Err(m) => assert!(m.contains("line ") && m.contains("column "), "a refused saved list without a place: {m}"),
    }
}

/// One imported Gangplank file (`app::import::import`): a scenario, a saved session, a trace or a link as text.
pub fn import(data: &[u8]) {
    let text = text_or_edit(data, import_seeds);
    match import::import("fuzz.json", &text) {
        Ok(got) => {
            if let Err(e) = link::resolve(&got.session, preset_json) {
                panic!("an accepted import does not resolve: {e}");
            }
        }
        Err(m) => assert!(m.contains("\"fuzz.json\""), "a refused import that does not name the file: {m}"),
    }
}

/// Ray's files (`app::config_import`): a Serve config and / or a KubeRay manifest, YAML or JSON, in up to three
/// files separated by a line `#--- next file`; with the current scenario as the base when the text asks for it.
pub fn config(data: &[u8]) {
    let text = match data.first() {
        Some(&STRUCTURAL) => text_or_edit(data, config_seeds),
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let names = ["serve.yaml", "cluster.yaml", "more.yaml"];
    let files: Vec<SourceFile> =
        text.split("#--- next file\n").take(3).zip(names).map(|(text, name)| SourceFile { name, text }).collect();
    let base = PRESETS[0].scenario().expect("a preset loads");
    let base = text.contains("#base").then_some(&base);
    match config_import::import_files(&files, base) {
        Ok(got) => {
            let again = serde_json::to_string(&got.scenario).expect("a scenario serializes");
            if let Err(e) = parse_scenario(&again) {
                panic!("an imported config gives a scenario that does not re-parse: {e:?}");
            }
            let _ = config_import::serve_config_yaml(&got.scenario);
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refusal without a problem");
            for p in &problems {
                assert!(
                    names.contains(&p.file.split(", ").next().unwrap_or_default()),
                    "a problem without its file: {p:?}"
                );
                assert!(!p.message.is_empty(), "a problem without a message: {p:?}");
            }
        }
    }
}

/// Lesson files (`gangplank.lesson/v1`).
pub fn lesson(data: &[u8]) {
    let text = text_or_edit(data, lesson_seeds);
    match lesson::parse_lesson(&text) {
        Ok(l) => {
            // Opening it as a link does (an inline lesson), which starts its scenario in a session.
            let Ok(scenario) = PRESETS[0].scenario() else { return };
            let mut session = Session::new(scenario);
            let value: Value = serde_json::from_str(&text).expect("a parsed lesson is JSON");
            let step = l.steps.len().saturating_sub(1);
            let _ = lesson::open_link(
                &link::LessonLink { id: None, inline: Some(value), step, revealed: true },
                &mut session,
            );
        }
        Err(errors) => assert_located(&text, &errors),
    }
}

/// Real-cluster recordings (`gangplank.recording/v1`): parse; a valid one is replayed and derived into a scenario.
pub fn recording(data: &[u8]) {
    let text = text_or_edit(data, recording_seeds);
    match recording::parse_recording(&text) {
        Ok(rec) => {
            let derived = recording::derive::derive(&rec);
            let replay = recording::replay::Replay::new(rec);
            let _ = replay.sample_at(replay.end());
            let _ = derived.summary();
        }
        Err(errors) => assert_located(&text, &errors),
    }
}

// ---- invariants ----

/// Every error has a message; in a document that is a JSON object each names a field path, a line and column, or
/// (serde's "missing field `x`" at the top) the field itself. Only a document that is not an object at all, empty,
/// or too large may be refused as a whole.
pub fn assert_located(text: &str, errors: &[ScenarioError]) {
    assert!(!errors.is_empty(), "a refusal without an error");
    let is_object = matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_)));
    for e in errors {
        assert!(!e.message.is_empty(), "an error without a message: {e:?}");
        if is_object {
            let named = !e.path.is_empty() || e.line.is_some() || e.message.starts_with("missing field `");
            assert!(named, "an error without a place: {e:?}");
        }
    }
}

/// Open a link as the page does (decode, resolve its scenario, open its lesson); a refusal must say which part.
fn open_link(text: &str) {
    match link::decode_link(text) {
        Ok(l) => match link::resolve(&l.session, preset_json) {
            Ok(scenario) => {
                if let Some(lesson_link) = &l.lesson {
                    let mut session = Session::new(scenario);
                    let _ = lesson::open_link(lesson_link, &mut session);
                }
            }
            Err(e) => assert_link_error_located(&e, l.session.scenario.as_ref().is_some_and(Value::is_object)),
        },
        Err(e) => assert_link_error_located(&e, false),
    }
}

/// The keys of a link's payload: a refusal of the payload names one of them, or a line and column.
const LINK_PARTS: &[&str] = &["preset", "scenario", "seed", "actions", "cursor_s", "view", "compare", "lesson"];

fn assert_link_error_located(e: &link::LinkError, scenario_is_object: bool) {
    use link::LinkError::*;
    let m = e.to_string();
    assert!(!m.is_empty());
    match e {
        // Its message names the link's scenario; inside an object scenario, each error names its field.
        InvalidScenario(errors) => {
            for s in errors {
                assert!(
                    !scenario_is_object
                        || !s.path.is_empty()
                        || s.line.is_some()
                        || s.message.starts_with("missing field `"),
                    "a link's scenario error without a place: {m}"
                );
            }
        }
        BadPayload(inner) => assert!(
            inner.contains("line ") || inner.starts_with("its ") || LINK_PARTS.iter().any(|k| inner.contains(k)),
            "a link payload refused without naming the part: {m}"
        ),
        NotALink(_) | NewerVersion(_) | Corrupt(_) | UnknownPreset(_) => {}
    }
}

fn preset_json(id: &str) -> Option<&'static str> {
    gangplank::app::presets::preset_by_id(id).map(|p| p.json)
}

/// A link with `payload` as its JSON (`g1.` + base64url(deflate)).
pub fn pack(payload: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let packed = miniz_oxide::deflate::compress_to_vec(payload, 1);
    let mut out = String::from("g1.");
    for chunk in packed.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

// ---- inputs: the text itself, or structural edits of a valid document ----

/// The input as text, or (first byte [`STRUCTURAL`]) one of `seeds` edited by the rest of the input.
fn text_or_edit(data: &[u8], seeds: fn() -> &'static [Value]) -> String {
    match data {
        [STRUCTURAL, pick, edits @ ..] => {
            let seeds = seeds();
            let mut doc = seeds[usize::from(*pick) % seeds.len()].clone();
            mutate(&mut doc, edits);
            if edits.first().is_some_and(|b| b & 0x80 != 0) {
                if seeds == config_seeds() {
                    return config_import::to_yaml(&doc);
                }
                return serde_json::to_string_pretty(&doc).expect("a value serializes");
            }
            doc.to_string()
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}

fn preset_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| PRESETS.iter().map(|p| serde_json::from_str(p.json).expect("a preset is JSON")).collect())
}

fn lesson_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        lesson::BUILTIN.iter().map(|l| serde_json::from_str(l.json).expect("a lesson is JSON")).collect()
    })
}

/// Link payloads: a preset with actions, an inlined scenario, a comparison, a built-in and an inline lesson.
fn link_payload_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let small = preset_seeds().iter().min_by_key(|v| v.to_string().len()).expect("presets").clone();
        vec![
            json!({"preset": "replica-crash", "seed": 7, "cursor_s": 12.5, "view": {"speed": 4}}),
            json!({"preset": "replica-crash", "cursor_s": 3, "actions": [
                {"at_s": 5, "kind": "kill_replica", "target": {"application": "app", "deployment": "G", "gang": 0, "rank": 0}},
                {"at_s": 8, "kind": "kill_node", "node": "worker-1"}]}),
            json!({"scenario": small, "cursor_s": 0}),
            json!({"preset": "node-failure", "cursor_s": 1, "compare": {"label": "B", "changes": [{"kind": "seed", "seed": 3}]}}),
            json!({"preset": "replica-crash", "cursor_s": 0, "lesson": {"id": "what-is-a-gang", "step": 1}}),
            json!({"preset": "replica-crash", "cursor_s": 0, "lesson": {"inline": lesson_seeds()[0], "step": 0, "revealed": true}}),
        ]
    })
}

fn saved_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let links: Vec<Value> = link_payload_seeds()
            .iter()
            .take(3)
            .enumerate()
            .map(|(i, p)| json!({"name": format!("saved {i}"), "link": pack(p.to_string().as_bytes())}))
            .collect();
        vec![Value::Array(links)]
    })
}

/// A scenario, a saved session, a trace (its scenario) and a link as files.
fn import_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let scenario = preset_seeds()[0].clone();
        vec![
            scenario.clone(),
            json!({"format": "gangplank.session/v1", "session": link_payload_seeds()[1]}),
            json!({"format": "gangplank.trace/v1", "scenario": scenario, "events": []}),
        ]
    })
}

/// The documents of the config fixtures (tests/config_import), as values.
fn config_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            include_str!("../../tests/config_import/serve-gangs.yaml"),
            include_str!("../../tests/config_import/raycluster-gpu.yaml"),
            include_str!("../../tests/config_import/rayservice-tpu.yaml"),
        ]
        .iter()
        .flat_map(|t| config_import::yaml::load_all(t).expect("a fixture loads"))
        .map(|d| d.value)
        .collect()
    })
}

/// Real recordings cut to their first samples (a fuzzer wants small inputs).
fn recording_seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            include_str!("../../tests/recordings/plain_replica_kill.json"),
            include_str!("../../tests/recordings/spread_node_kill.json"),
        ]
        .iter()
        .map(|t| {
            let mut v: Value = serde_json::from_str(t).expect("a recording is JSON");
            if let Some(samples) = v.get_mut("samples").and_then(Value::as_array_mut) {
                samples.truncate(6);
            }
            v
        })
        .collect()
    })
}

// ---- the structural mutator ----

/// Numbers at the edges of what decoders check: zero, negatives, fractions, huge, beyond i64 / u64 / f64 ranges.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "-0.0",
    "2",
    "3",
    "100",
    "1000000",
    "4294967296",
    "9007199254740993",
    "1e308",
    "-1e308",
    "18446744073709551615",
    "-9223372036854775808",
    "1e-320",
    "65536",
    "10000",
    "0.001",
];

/// Strings that names, enums and quantities trip on.
const STRINGS: &[&str] = &[
    "",
    "x",
    "0",
    "-1",
    "1e999",
    "NaN",
    "inf",
    "é",
    "\u{0}",
    "💥",
    "a/b",
    "1Gi",
    "500m",
    "PACK",
    "SPREAD",
    "STRICT_PACK",
    "app",
    "G",
    "head",
    "worker-1",
    "RUNNING",
    "gangplank.scenario/v1",
];

/// Apply edits to `doc`, each chosen by a few bytes of `edits`: delete, replace with an edge value, copy a subtree
/// from elsewhere, duplicate an array element many times, rename a key, wrap in an array. At most 16 edits.
pub fn mutate(doc: &mut Value, edits: &[u8]) {
    let mut bytes = edits.iter().copied();
    for _ in 0..16 {
        let (Some(op), Some(hi), Some(lo)) = (bytes.next(), bytes.next(), bytes.next()) else { return };
        let pointers = pointers(doc);
        let at = &pointers[usize::from(u16::from_be_bytes([hi, lo])) % pointers.len()];
        let arg = bytes.next().unwrap_or(0);
        let other = pointers[usize::from(arg).wrapping_mul(31) % pointers.len()].clone();
        let donor = doc.pointer(&other).cloned().unwrap_or(Value::Null);
        let strings = strings_of(doc);
        if op % 12 == 0 {
            remove(doc, at);
            continue;
        }
        let Some(target) = doc.pointer_mut(at) else { continue };
        match op % 12 {
            1 => *target = Value::Null,
            2 => *target = Value::Bool(arg & 1 == 1),
            3 => *target = serde_json::from_str(NUMBERS[usize::from(arg) % NUMBERS.len()]).unwrap_or(Value::Null),
            4 => *target = Value::String(STRINGS[usize::from(arg) % STRINGS.len()].to_string()),
            5 => {
                *target =
                    Value::String(strings.get(usize::from(arg) % strings.len().max(1)).cloned().unwrap_or_default())
            }
            6 => *target = donor,
            7 => {
                if let Value::Array(a) = target
                    && let Some(first) = a.first().cloned()
                {
                    a.extend(std::iter::repeat_n(first, usize::from(arg % 64) + 1));
                }
            }
            8 => *target = if arg & 1 == 0 { json!({}) } else { json!([]) },
            9 => *target = Value::Array(vec![target.take()]),
            10 => {
                if let Value::Object(m) = target {
                    let key = strings.get(usize::from(arg) % strings.len().max(1)).cloned().unwrap_or_default();
                    m.insert(key, donor);
                }
            }
            _ => {
                if let Some(n) = target.as_f64() {
                    *target = json!(n * f64::from(arg) - 1.0);
                } else if let Value::String(s) = target {
                    let mut cut = usize::from(arg) % (s.len() + 1);
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                }
            }
        }
    }
}

/// JSON pointers of every node of `doc` ("" for the root), at most 4096.
fn pointers(doc: &Value) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut i = 0;
    while i < out.len() && out.len() < 4096 {
        let p = out[i].clone();
        match doc.pointer(&p) {
            Some(Value::Object(m)) => {
                out.extend(m.keys().map(|k| format!("{p}/{}", k.replace('~', "~0").replace('/', "~1"))))
            }
            Some(Value::Array(a)) => out.extend((0..a.len()).map(|j| format!("{p}/{j}"))),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The document's keys and string values, for renames and swapped names.
fn strings_of(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        if out.len() >= 512 {
            break;
        }
        match v {
            Value::Object(m) => {
                out.extend(m.keys().cloned());
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a),
            Value::String(s) => out.push(s.clone()),
            _ => {}
        }
    }
    out
}

/// Remove the node at `pointer` (the root becomes null).
fn remove(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        *doc = Value::Null;
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.remove(&key);
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        _ => {}
    }
}
