//! A Ray Serve config file (`serve deploy` / `serve build`: Ray 2.60's `ServeDeploySchema`, or a single
//! `ServeApplicationSchema`) read into the scenario's applications.
//!
//! Every field of Ray's schema is either simulated (copied into the scenario under the same name, after pydantic's
//! lax coercion, `lax.rs`), or kept and listed as "not simulated" (the whole file is kept in the scenario's `x`, so the
//! export gives it back), or, when Ray's schema has no such field, listed as "ignored by Ray" (pydantic's default
//! `extra="ignore"`: Ray 2.60 drops it without a word, which is how a typo such as `num_replica` goes unnoticed).
use super::lax::{Ty, coerce};
use super::origin::{NoteKind, Origin, Problem};
use super::yaml::{index_path, key_path};
use super::{Note, did_you_mean};
use serde_json::{Map, Value};

/// `DeploymentSchema`'s fields that the model simulates, with their pydantic types where a number is expected.
const DEPLOYMENT_SIMULATED: [(&str, Option<Ty>); 18] = [
    ("name", None),
    ("num_replicas", None),
    ("max_ongoing_requests", Some(Ty::Int)),
    ("max_queued_requests", Some(Ty::StrictInt)),
    ("user_config", None),
    ("autoscaling_config", None),
    ("graceful_shutdown_wait_loop_s", Some(Ty::Float)),
    ("graceful_shutdown_timeout_s", Some(Ty::Float)),
    ("health_check_period_s", Some(Ty::Float)),
    ("health_check_timeout_s", Some(Ty::Float)),
    ("ray_actor_options", None),
    ("placement_group_bundles", None),
    ("placement_group_strategy", None),
    ("placement_group_bundle_label_selector", None),
    ("max_replicas_per_node", Some(Ty::Int)),
    ("gang_scheduling_config", None),
    ("rolling_update_percentage", Some(Ty::Float)),
    ("max_surge_percent", Some(Ty::Int)),
];
/// `DeploymentSchema`'s fields that Ray uses and the model does not.
const DEPLOYMENT_NOT_SIMULATED: [(&str, &str); 4] = [
    ("backpressure_config", "request backpressure beyond max_queued_requests"),
    ("logging_config", "logging"),
    ("request_router_config", "the request router's choice of replica (the model spreads requests evenly)"),
    ("deployment_actors", "helper actors started beside the deployment"),
];
const ACTOR_SIMULATED: [(&str, Option<Ty>); 4] =
    [("num_cpus", Some(Ty::Float)), ("num_gpus", Some(Ty::Float)), ("memory", Some(Ty::Float)), ("resources", None)];
const ACTOR_NOT_SIMULATED: [(&str, &str); 4] = [
    ("runtime_env", "the replica's runtime environment"),
    ("accelerator_type", "the accelerator type constraint (an `accelerator_type:…` resource in Ray)"),
    ("label_selector", "the replica actor's own label selector (bundle label selectors are simulated)"),
    ("fallback_strategy", "soft scheduling fallbacks"),
];
const AUTOSCALING_SIMULATED: [(&str, Option<Ty>); 12] = [
    ("min_replicas", Some(Ty::Int)),
    ("initial_replicas", Some(Ty::Int)),
    ("max_replicas", Some(Ty::Int)),
    ("target_ongoing_requests", Some(Ty::Float)),
    ("metrics_interval_s", Some(Ty::Float)),
    ("look_back_period_s", Some(Ty::Float)),
    ("upscale_delay_s", Some(Ty::Float)),
    ("downscale_delay_s", Some(Ty::Float)),
    ("downscale_to_zero_delay_s", Some(Ty::Float)),
    ("upscaling_factor", Some(Ty::Float)),
    ("downscaling_factor", Some(Ty::Float)),
    ("aggregation_function", None),
];
const AUTOSCALING_NOT_SIMULATED: [&str; 4] =
    ["smoothing_factor", "upscale_smoothing_factor", "downscale_smoothing_factor", "policy"];
const GANG_SIMULATED: [(&str, Option<Ty>); 3] =
    [("gang_size", Some(Ty::Int)), ("gang_placement_strategy", None), ("runtime_failure_policy", None)];
/// `ServeApplicationSchema`'s fields besides `name` and `deployments`.
const APP_NOT_SIMULATED: [&str; 9] = [
    "route_prefix",
    "import_path",
    "runtime_env",
    "host",
    "port",
    "autoscaling_policy",
    "args",
    "logging_config",
    "external_scaler_enabled",
];
/// `ServeDeploySchema`'s fields besides `applications`.
const TOP_NOT_SIMULATED: [&str; 7] = [
    "proxy_location",
    "http_options",
    "grpc_options",
    "controller_options",
    "logging_config",
    "tracing_config",
    "target_capacity",
];

/// Does this document look like a Serve config?
pub fn is_serve_config(value: &Value) -> bool {
    value.get("applications").is_some_and(Value::is_array)
        || (value.get("import_path").is_some() && value.get("kind").is_none())
}

/// The applications read from a Serve config, and where each came from.
pub struct ServeImport {
    /// The scenario's `applications`, as JSON.
    pub applications: Vec<Value>,
    /// For each application, its path in the document (`applications[2]`, or `""` for a single-application file).
    pub app_paths: Vec<String>,
    pub notes: Vec<Note>,
}

/// Read a Serve config document.
pub fn read(doc: &Value, origin: &Origin) -> Result<ServeImport, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let Some(top) = doc.as_object() else {
        return Err(vec![origin.problem("", "a Serve config is a mapping with an `applications` list")]);
    };
    let single = !top.contains_key("applications");
    let apps: Vec<(String, &Value)> = if single {
        notes.push(origin.note(
            "",
            NoteKind::Assumption,
            "a single-application config (no `applications` list): read as one application named \"default\"",
        ));
        vec![(String::new(), doc)]
    } else {
        for (k, _) in top.iter().filter(|(k, _)| k.as_str() != "applications") {
            notes.push(field_note(origin, "", k, &TOP_NOT_SIMULATED, "the Serve instance"));
        }
        match top.get("applications") {
            Some(Value::Array(list)) => {
                list.iter().enumerate().map(|(i, a)| (index_path("applications", i), a)).collect()
            }
            _ => return Err(vec![origin.problem("applications", "Input should be a valid list")]),
        }
    };
    let mut applications = Vec::new();
    let mut app_paths = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (path, app) in apps {
        let Some(app_obj) = app.as_object() else {
            problems.push(
                origin.problem(&path, "Input should be a valid dictionary or instance of ServeApplicationSchema"),
            );
            continue;
        };
        let name = match app_obj.get("name") {
            None => "default".to_string(),
            Some(Value::String(s)) if s.is_empty() => {
                problems.push(origin.problem(&key_path(&path, "name"), "Application names must be nonempty."));
                continue;
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                problems.push(origin.problem(&key_path(&path, "name"), "Input should be a valid string"));
                continue;
            }
        };
        if names.contains(&name) {
            problems.push(origin.problem(
                &path,
                format!("Found multiple configs for application \"{name}\". Please remove all duplicates."),
            ));
            continue;
        }
        names.push(name.clone());
        for k in app_obj.keys().filter(|k| !matches!(k.as_str(), "name" | "deployments")) {
            if !single || APP_NOT_SIMULATED.contains(&k.as_str()) {
                notes.push(field_note(origin, &path, k, &APP_NOT_SIMULATED, "the application"));
            }
        }
        let deployments = match app_obj.get("deployments") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            Some(Value::Array(_)) | None => {
                problems.push(origin.problem(
                    &path,
                    format!(
                        "application \"{name}\" lists no deployments: in Ray its deployments come from the code at \
                         `import_path`, which Gangplank cannot read. Add a `deployments:` entry for each deployment \
                         (its name, and the options that matter: num_replicas, ray_actor_options, \
                         gang_scheduling_config, ...)"
                    ),
                ));
                continue;
            }
            Some(_) => {
                problems.push(origin.problem(&key_path(&path, "deployments"), "Input should be a valid list"));
                continue;
            }
        };
        let mut out = Vec::new();
        for (j, d) in deployments.iter().enumerate() {
            let dpath = index_path(&key_path(&path, "deployments"), j);
            match read_deployment(d, &dpath, origin, &mut notes) {
                Ok(v) => out.push(v),
                Err(mut p) => problems.append(&mut p),
            }
        }
        applications.push(serde_json::json!({ "name": name, "deployments": out }));
        app_paths.push(path);
    }
    if problems.is_empty() {
        notes.push(origin.note(
            "",
            NoteKind::Assumption,
            "options left out of a deployment take Ray's defaults: a Serve config overrides what the code's \
             @serve.deployment sets, and Gangplank cannot read the code",
        ));
        Ok(ServeImport { applications, app_paths, notes })
    } else {
        Err(problems)
    }
}

fn read_deployment(d: &Value, path: &str, origin: &Origin, notes: &mut Vec<Note>) -> Result<Value, Vec<Problem>> {
    let Some(obj) = d.as_object() else {
        return Err(vec![origin.problem(path, "Input should be a valid dictionary or instance of DeploymentSchema")]);
    };
    let mut problems = Vec::new();
    let mut out = Map::new();
    copy_fields(obj, path, origin, &DEPLOYMENT_SIMULATED, &mut out, &mut problems);
    let known: Vec<&str> = DEPLOYMENT_SIMULATED.iter().map(|(k, _)| *k).collect();
    for k in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        let not_sim: Vec<&str> = DEPLOYMENT_NOT_SIMULATED.iter().map(|(k, _)| *k).collect();
        match DEPLOYMENT_NOT_SIMULATED.iter().find(|(n, _)| n == k) {
            Some((_, what)) => {
                notes.push(origin.note(&key_path(path, k), NoteKind::NotSimulated, format!("kept: {what}")))
            }
            None => {
                let all: Vec<&str> = known.iter().chain(not_sim.iter()).copied().collect();
                notes.push(ignored(origin, path, k, &all, "DeploymentSchema"));
            }
        }
    }
    // Nested objects: the simulated fields are copied, the others kept and listed.
    if let Some(Value::Object(actor)) = obj.get("ray_actor_options") {
        let apath = key_path(path, "ray_actor_options");
        let mut a = Map::new();
        copy_fields(actor, &apath, origin, &ACTOR_SIMULATED, &mut a, &mut problems);
        for k in actor.keys().filter(|k| !ACTOR_SIMULATED.iter().any(|(n, _)| n == k)) {
            match ACTOR_NOT_SIMULATED.iter().find(|(n, _)| n == k) {
                Some((_, what)) => {
                    notes.push(origin.note(&key_path(&apath, k), NoteKind::NotSimulated, format!("kept: {what}")))
                }
                None => {
                    let all: Vec<&str> = ACTOR_SIMULATED
                        .iter()
                        .map(|(k, _)| *k)
                        .chain(ACTOR_NOT_SIMULATED.iter().map(|(k, _)| *k))
                        .collect();
                    notes.push(ignored(origin, &apath, k, &all, "RayActorOptionsSchema"));
                }
            }
        }
        out.insert("ray_actor_options".into(), Value::Object(a));
    }
    if let Some(Value::Object(auto)) = obj.get("autoscaling_config") {
        let apath = key_path(path, "autoscaling_config");
        let mut a = Map::new();
        copy_fields(auto, &apath, origin, &AUTOSCALING_SIMULATED, &mut a, &mut problems);
        for k in auto.keys().filter(|k| !AUTOSCALING_SIMULATED.iter().any(|(n, _)| n == k)) {
            if AUTOSCALING_NOT_SIMULATED.contains(&k.as_str()) {
                notes.push(origin.note(
                    &key_path(&apath, k),
                    NoteKind::NotSimulated,
                    "kept: the model runs Ray's default replica_queue_length policy without smoothing",
                ));
            } else {
                let all: Vec<&str> = AUTOSCALING_SIMULATED
                    .iter()
                    .map(|(k, _)| *k)
                    .chain(AUTOSCALING_NOT_SIMULATED.iter().copied())
                    .collect();
                notes.push(ignored(origin, &apath, k, &all, "AutoscalingConfig"));
            }
        }
        out.insert("autoscaling_config".into(), Value::Object(a));
    }
    if let Some(Value::Object(gang)) = obj.get("gang_scheduling_config") {
        let gpath = key_path(path, "gang_scheduling_config");
        let mut g = Map::new();
        copy_fields(gang, &gpath, origin, &GANG_SIMULATED, &mut g, &mut problems);
        for k in gang.keys().filter(|k| !GANG_SIMULATED.iter().any(|(n, _)| n == k)) {
            let all: Vec<&str> = GANG_SIMULATED.iter().map(|(k, _)| *k).collect();
            notes.push(ignored(origin, &gpath, k, &all, "GangSchedulingConfig"));
        }
        out.insert("gang_scheduling_config".into(), Value::Object(g));
    }
    if let Some(Value::Array(bundles)) = obj.get("placement_group_bundles") {
        let bpath = key_path(path, "placement_group_bundles");
        let mut list = Vec::new();
        for (i, b) in bundles.iter().enumerate() {
            let Some(b) = b.as_object() else {
                problems.push(origin.problem(&index_path(&bpath, i), "Input should be a valid dictionary"));
                continue;
            };
            let mut m = Map::new();
            for (k, v) in b {
                match coerce(v, Ty::Float) {
                    Ok(v) => {
                        m.insert(k.clone(), v);
                    }
                    Err(msg) => problems.push(origin.problem(&key_path(&index_path(&bpath, i), k), msg)),
                }
            }
            list.push(Value::Object(m));
        }
        out.insert("placement_group_bundles".into(), Value::Array(list));
    }
    if problems.is_empty() { Ok(Value::Object(out)) } else { Err(problems) }
}

/// Copy the listed fields that are present, coercing numbers as pydantic does (nested objects are copied as they
/// are here and replaced by their own reading afterwards).
fn copy_fields(
    from: &Map<String, Value>,
    path: &str,
    origin: &Origin,
    fields: &[(&str, Option<Ty>)],
    out: &mut Map<String, Value>,
    problems: &mut Vec<Problem>,
) {
    for (name, ty) in fields {
        let Some(v) = from.get(*name) else { continue };
        match ty.map_or(Ok(v.clone()), |t| coerce(v, t)) {
            // A `null` is Ray's "not set" for an optional field.
            Ok(Value::Null) => {}
            Ok(v) => {
                out.insert(name.to_string(), v);
            }
            Err(msg) => problems.push(origin.problem(&key_path(path, name), msg)),
        }
    }
}

fn field_note(origin: &Origin, parent: &str, key: &str, known: &[&str], whose: &str) -> Note {
    if known.contains(&key) {
        origin.note(
            &key_path(parent, key),
            NoteKind::NotSimulated,
            format!("kept: a setting of {whose}, not simulated"),
        )
    } else {
        let mut all: Vec<&str> = known.to_vec();
        all.extend(["name", "deployments", "applications"]);
        ignored(origin, parent, key, &all, whose)
    }
}

fn ignored(origin: &Origin, parent: &str, key: &str, known: &[&str], schema: &str) -> Note {
    origin.note(
        &key_path(parent, key),
        NoteKind::IgnoredByRay,
        format!("`{key}` is not a field of Ray 2.60's {schema}: Ray ignores it{}", did_you_mean(key, known)),
    )
}
