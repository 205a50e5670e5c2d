//! Bring your own setup: a Ray Serve config file and a KubeRay manifest (`RayCluster`, `RayService` with its
//! `serveConfigV2`, `RayJob`), in YAML or JSON, multi-document streams included, turned into a Gangplank scenario.
//!
//! Either part may come alone: the other is then taken from the current scenario (`base`). What Ray uses but the
//! model does not simulate is kept (the Serve config in the scenario's `x.imported`, so the export gives it back)
//! and listed as a [`Note`]; a value Ray would refuse is refused with Ray's message and the line and column in the
//! user's file ([`Problem`]).
//!
//! Files: `yaml.rs` (values with positions), `lax.rs` (pydantic's coercion), `serve_config.rs`, `kuberay.rs`,
//! `origin.rs` (where each part came from), `export.rs` (back to a Serve config).
mod export;
mod kuberay;
mod lax;
mod origin;
mod serve_config;
pub mod yaml;

pub use export::{imported_notes, serve_config_yaml, to_yaml};
pub use kuberay::parse_quantity;
pub use origin::{Note, NoteKind, Problem};

pub(crate) use crate::model::scenario::did_you_mean;
use crate::model::scenario::{SCENARIO_FORMAT, Scenario, ScenarioError, parse_scenario};
use origin::Origin;
use serde_json::{Value, json};

/// One file given to the import.
#[derive(Clone, Copy, Debug)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// What an import made.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigImport {
    pub scenario: Scenario,
    /// What was kept without simulating it, ignored by Ray, or assumed.
    pub notes: Vec<Note>,
    /// What each part was ("Serve config (2 applications) from serve.yaml", ...), for the message.
    pub summary: String,
}

/// Does this text look like a Serve config or a KubeRay manifest (rather than a Gangplank file)? Cheap: a few keys.
pub fn looks_like_config(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        // JSON: a Serve config has `applications` (or `import_path`) and no Gangplank `format`.
        return !t.contains("\"format\"") && (t.contains("\"applications\"") || t.contains("\"import_path\""));
    }
    t.lines().any(|l| {
        let l = l.trim_end();
        l.starts_with("applications:")
            || l.starts_with("import_path:")
            || l.starts_with("apiVersion: ray.io/")
            || l.starts_with("kind: RayService")
            || l.starts_with("kind: RayCluster")
            || l.starts_with("kind: RayJob")
    })
}

/// The parts found in the files.
#[derive(Default)]
struct Parts {
    serve: Option<(Value, Origin)>,
    cluster: Option<(kuberay::KubeRayImport, Origin)>,
    sources: Vec<String>,
    notes: Vec<Note>,
}

/// Import `files` (a Serve config, a KubeRay manifest, or both, in any files and documents), taking what they do
/// not give from `base`.
pub fn import_files(files: &[SourceFile], base: Option<&Scenario>) -> Result<ConfigImport, Vec<Problem>> {
    let mut parts = Parts::default();
    let mut problems = Vec::new();
    for f in files {
        if let Err(mut p) = read_file(f, &mut parts) {
            problems.append(&mut p);
        }
    }
    if !problems.is_empty() {
        return Err(in_file_order(problems));
    }
    let no_base = |what: &str| Problem {
        file: files.iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
        path: String::new(),
        pos: None,
        message: format!("no {what} found, and there is no current scenario to take it from"),
    };
    let (serve, cluster) = (parts.serve.take(), parts.cluster.take());
    if serve.is_none() && cluster.is_none() {
        return Err(vec![Problem {
            file: files.iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
            path: String::new(),
            pos: None,
            message: "neither a Ray Serve config (a mapping with `applications:`) nor a KubeRay RayCluster / \
                      RayService / RayJob (apiVersion: ray.io/v1) was found"
                .into(),
        }]);
    }
    let mut notes = parts.notes;
    let serve_import = match &serve {
        Some((doc, origin)) => Some(serve_config::read(doc, origin).map_err(in_file_order)?),
        None => None,
    };
    let base_value = base.map(|b| serde_json::to_value(b).expect("a scenario serializes"));
    let applications = match &serve_import {
        Some(s) => {
            notes.extend(s.notes.iter().cloned());
            Value::Array(s.applications.clone())
        }
        None => base_value.as_ref().map(|b| b["applications"].clone()).ok_or_else(|| vec![no_base("Serve config")])?,
    };
    let cluster_value = match &cluster {
        Some((k, _)) => {
            notes.extend(k.notes.iter().cloned());
            serde_json::to_value(&k.cluster).expect("a cluster serializes")
        }
        None => base_value.as_ref().map(|b| b["cluster"].clone()).ok_or_else(|| vec![no_base("cluster manifest")])?,
    };
    let mut scenario = json!({
        "format": SCENARIO_FORMAT,
        "name": scenario_name(&serve, &cluster),
        "description": format!("Imported: {}.", parts.sources.join("; ")),
        "seed": base.map_or(1, |b| b.seed),
        "until_s": base.map_or(120.0, |b| b.until_s),
        "cluster": cluster_value,
        "applications": applications,
    });
    if let Some(b) = &base_value {
        for k in ["timing", "toggles"] {
            scenario[k] = b[k].clone();
        }
        // Traffic and validation belong to the applications: kept only when those come from the base.
        if serve_import.is_none() {
            scenario["traffic"] = b.get("traffic").cloned().unwrap_or(json!([]));
            if let Some(v) = b.get("validation") {
                scenario["validation"] = v.clone();
            }
        }
    }
    if serve_import.is_some() {
        scenario["validation"] = json!("config_file");
    }
    let kept_serve = serve
        .as_ref()
        .map(|(doc, _)| doc.clone())
        .or_else(|| base_value.as_ref().and_then(|b| b.pointer("/x/imported/serve_config").cloned()));
    notes.sort_by_key(|n| (n.file.clone(), n.line));
    scenario["x"] = json!({ "imported": {
        "sources": parts.sources,
        "serve_config": kept_serve,
        "notes": notes,
    }});
    let text = serde_json::to_string(&scenario).expect("JSON serializes");
    match parse_scenario(&text) {
        Ok(s) => Ok(ConfigImport { scenario: s, notes, summary: parts.sources.join("; ") }),
        Err(errors) => Err(in_file_order(
            errors
                .iter()
                .map(|e| locate(e, serve.as_ref().map(|(_, o)| o), serve_import.as_ref(), cluster.as_ref(), files))
                .collect(),
        )),
    }
}

fn scenario_name(serve: &Option<(Value, Origin)>, cluster: &Option<(kuberay::KubeRayImport, Origin)>) -> String {
    match (serve, cluster) {
        (_, Some((k, _))) => format!("{} {}", k.kind, k.name),
        (Some((_, o)), None) => format!("Serve config {}", o.file),
        (None, None) => "Imported".into(),
    }
}

fn read_file(f: &SourceFile, parts: &mut Parts) -> Result<(), Vec<Problem>> {
    let text = f.text.trim_start_matches('\u{feff}');
    let docs = yaml::load_all(text).map_err(|e| {
        vec![Problem {
            file: f.name.to_string(),
            path: String::new(),
            pos: Some(e.pos),
            message: format!("not valid YAML: {}", e.message),
        }]
    })?;
    let mut found = 0;
    for doc in &docs {
        let origin = Origin::of(f.name, doc);
        for dup in &doc.duplicate_keys {
            parts.notes.push(origin.note(dup, NoteKind::IgnoredByRay, "given twice: Ray (PyYAML) keeps the later one"));
        }
        if kuberay::is_kuberay(&doc.value) {
            let k = kuberay::read(&doc.value, &origin)?;
            if parts.cluster.is_some() {
                return Err(vec![origin.problem("kind", "a second cluster manifest: import one cluster at a time")]);
            }
            parts.sources.push(format!("{} {} from {}", k.kind, k.name, f.name));
            if let Some(inner) = &k.serve_config_v2 {
                let inner_docs = yaml::load_all(inner).map_err(|e| {
                    let at = origin.embedded("spec.serveConfigV2", &yaml::Doc::default(), text);
                    let mut p = at.problem("", format!("not valid YAML: {}", e.message));
                    p.pos = at
                        .position("")
                        .map(|base| yaml::Pos { line: base.line + e.pos.line, column: base.column + e.pos.column });
                    vec![p]
                })?;
                if let Some(d) = inner_docs.first() {
                    let inner_origin = origin.embedded("spec.serveConfigV2", d, text);
                    set_serve(
                        parts,
                        d.value.clone(),
                        inner_origin,
                        &format!("serveConfigV2 of RayService {}", k.name),
                    )?;
                }
            }
            parts.cluster = Some((k, origin));
            found += 1;
        } else if serve_config::is_serve_config(&doc.value) {
            set_serve(parts, doc.value.clone(), origin, &format!("Serve config from {}", f.name))?;
            found += 1;
        } else if doc.value.get("format").and_then(Value::as_str).is_some_and(|s| s.starts_with("gangplank.")) {
            return Err(vec![origin.problem(
                "format",
                "a Gangplank file: import it on its own (the import reads it as a scenario, session or trace)",
            )]);
        } else if let Some(kind) = doc.value.get("kind").and_then(Value::as_str) {
            // Other Kubernetes objects in the same stream (Services, ConfigMaps, ...) are skipped, and said so.
            parts.notes.push(origin.note(
                "kind",
                NoteKind::Assumption,
                format!("a {kind}: not a Ray resource, skipped"),
            ));
        }
    }
    if found == 0 && docs.iter().all(|d| d.value.get("kind").is_none()) {
        return Err(vec![Problem {
            file: f.name.to_string(),
            path: String::new(),
            pos: None,
            message: "neither a Ray Serve config (a mapping with `applications:`) nor a KubeRay manifest \
                      (apiVersion: ray.io/v1, kind: RayCluster, RayService or RayJob)"
                .into(),
        }]);
    }
    Ok(())
}

fn set_serve(parts: &mut Parts, value: Value, origin: Origin, source: &str) -> Result<(), Vec<Problem>> {
    if parts.serve.is_some() {
        return Err(vec![origin.problem("", "a second Serve config: import one Serve config at a time")]);
    }
    let n = value.get("applications").and_then(Value::as_array).map_or(1, Vec::len);
    parts.sources.push(format!("{source} ({n} application{})", if n == 1 { "" } else { "s" }));
    parts.serve = Some((value, origin));
    Ok(())
}

/// A scenario error, placed in the user's file: `applications[i]…` in the Serve config, `cluster.nodes[k]…` at the
/// worker group the node came from.
fn locate(
    e: &ScenarioError,
    serve_origin: Option<&Origin>,
    serve: Option<&serve_config::ServeImport>,
    cluster: Option<&(kuberay::KubeRayImport, Origin)>,
    files: &[SourceFile],
) -> Problem {
    let fallback = || Problem {
        file: files.iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
        path: e.path.clone(),
        pos: None,
        message: e.message.clone(),
    };
    if let (Some(rest), Some(origin), Some(s)) = (e.path.strip_prefix("applications["), serve_origin, serve) {
        let (i, tail) = rest.split_once(']').unwrap_or(("", ""));
        if let Some(app_path) = i.parse::<usize>().ok().and_then(|i| s.app_paths.get(i)) {
            let tail = tail.strip_prefix('.').unwrap_or(tail);
            let path = if app_path.is_empty() { tail.to_string() } else { yaml::key_path(app_path, tail) };
            let path = path.trim_end_matches('.').to_string();
            return origin.problem(&path, e.message.clone());
        }
    }
    if let Some((k, origin)) = cluster {
        if let Some(rest) = e.path.strip_prefix("cluster.nodes[") {
            let (i, _) = rest.split_once(']').unwrap_or(("", ""));
            if let Some(p) = i.parse::<usize>().ok().and_then(|i| k.node_paths.get(i)) {
                return origin.problem(p, e.message.clone());
            }
        }
        if e.path.starts_with("cluster.head") {
            return origin.problem(&k.head_path, e.message.clone());
        }
    }
    fallback()
}

/// Problems by file, then line and column (a problem without a position last in its file); stable otherwise.
fn in_file_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| (p.file.clone(), p.pos.map_or((usize::MAX, 0), |p| (p.line, p.column))));
    problems
}

/// What an import's message says first: the problems, one per line, at most `max`.
pub fn problems_text(problems: &[Problem], max: usize) -> String {
    let mut lines: Vec<String> = problems.iter().take(max).map(|p| p.to_string()).collect();
    if problems.len() > max {
        lines.push(format!("… and {} more", problems.len() - max));
    }
    lines.join("\n")
}
