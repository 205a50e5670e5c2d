//! A KubeRay `RayCluster`, `RayService` or `RayJob` manifest read into the scenario's cluster: one node per pod.
//!
//! The rule is Ray 2.60's own reading of these specs, in the autoscaler (`autoscaler/_private/kuberay/
//! autoscaling_config.py`): a group's Ray resources come from its top-level `resources` first, then `rayStartParams`
//! (`num-cpus`, `num-gpus`, `memory`, `resources`), then the Ray container's (the first container's) limits, then its
//! requests, Kubernetes quantities rounded up; a limit whose name ends in `gpu` gives GPUs, `google.com/tpu` gives
//! TPUs, and a TPU group with GKE's topology and accelerator node selectors gets `TPU-<type>-head` on the first host
//! of each slice. Node labels: the group's `labels` (KubeRay 1.5), then `rayStartParams.labels`, plus the defaults
//! the raylet sets from what KubeRay tells it (`ray.io/node-group`, and the TPU slice labels).
use super::Note;
use super::origin::{NoteKind, Origin, Problem};
use super::yaml::{index_path, key_path};
use crate::model::resources::Resources;
use crate::model::scenario::{ClusterSpec, HeadSpec, NodeSpec};
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest cluster an import may build (the model's own limit is checked again by the scenario's validation).
pub const MAX_IMPORTED_NODES: i64 = 10_000;

/// Is this document a KubeRay custom resource?
pub fn is_kuberay(value: &Value) -> bool {
    value.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("ray.io/"))
        && matches!(value.get("kind").and_then(Value::as_str), Some("RayCluster" | "RayService" | "RayJob"))
}

/// What a manifest gave: the cluster, where each node came from, and a `RayService`'s embedded Serve config.
pub struct KubeRayImport {
    pub kind: String,
    pub name: String,
    pub cluster: ClusterSpec,
    /// For each worker node (in `cluster.nodes` order), the path of its group in the manifest.
    pub node_paths: Vec<String>,
    /// The head group's path.
    pub head_path: String,
    /// `spec.serveConfigV2`'s text, for a `RayService`.
    pub serve_config_v2: Option<String>,
    pub notes: Vec<Note>,
}

pub fn read(doc: &Value, origin: &Origin) -> Result<KubeRayImport, Vec<Problem>> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let name = doc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("unnamed").to_string();
    let (spec_path, serve_config_v2) = match kind.as_str() {
        "RayService" => ("spec.rayClusterConfig", doc.pointer("/spec/serveConfigV2")),
        "RayJob" => ("spec.rayClusterSpec", None),
        _ => ("spec", None),
    };
    let serve_config_v2 = match serve_config_v2 {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(vec![origin.problem("spec.serveConfigV2", "serveConfigV2 is a string (a YAML block `|`)")]);
        }
    };
    let pointer = format!("/{}", spec_path.replace('.', "/"));
    let Some(spec) = doc.pointer(&pointer).and_then(Value::as_object) else {
        return Err(vec![origin.problem(spec_path, format!("a {kind} needs `{spec_path}` with a headGroupSpec"))]);
    };
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let head_path = key_path(spec_path, "headGroupSpec");
    let head = match spec.get("headGroupSpec") {
        Some(g) => group_node(g, &head_path, "headgroup", origin, &mut problems, &mut notes),
        None => {
            problems.push(origin.problem(spec_path, "`headGroupSpec` is required"));
            None
        }
    };
    let autoscaling = spec.get("enableInTreeAutoscaling").and_then(Value::as_bool) == Some(true);
    let mut nodes = Vec::new();
    let mut node_paths = Vec::new();
    let groups = match spec.get("workerGroupSpecs") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(_) => {
            problems.push(origin.problem(&key_path(spec_path, "workerGroupSpecs"), "Input should be a valid list"));
            Vec::new()
        }
    };
    for (i, g) in groups.into_iter().enumerate() {
        let gpath = index_path(&key_path(spec_path, "workerGroupSpecs"), i);
        let Some(group_name) = g.get("groupName").and_then(Value::as_str) else {
            problems.push(origin.problem(&gpath, "a worker group needs a `groupName`"));
            continue;
        };
        let Some((resources, labels)) = group_node(g, &gpath, group_name, origin, &mut problems, &mut notes) else {
            continue;
        };
        let int = |k: &str| g.get(k).and_then(Value::as_i64);
        let hosts = int("numOfHosts").unwrap_or(1).max(1);
        let (min, max) = (int("minReplicas"), int("maxReplicas"));
        let replicas = int("replicas").or(min).unwrap_or(1);
        let suspended = g.get("suspend").and_then(Value::as_bool) == Some(true);
        let count = if suspended { 0 } else { replicas.max(0) };
        if suspended {
            notes.push(origin.note(&key_path(&gpath, "suspend"), NoteKind::Assumption, "suspended: no pods"));
        }
        if autoscaling && min != max {
            notes.push(origin.note(
                &key_path(&gpath, "replicas"),
                NoteKind::Assumption,
                format!(
                    "an autoscaled group (minReplicas {}, maxReplicas {}): it starts at replicas = {count} and stays \
                     there; Gangplank does not model the Ray autoscaler adding or removing pods",
                    min.map_or("unset".into(), |v| v.to_string()),
                    max.map_or("unset".into(), |v| v.to_string())
                ),
            ));
        }
        if count * hosts + nodes.len() as i64 > MAX_IMPORTED_NODES {
            problems.push(origin.problem(
                &gpath,
                format!(
                    "the cluster would have more than {MAX_IMPORTED_NODES} nodes; Gangplank simulates at most that many"
                ),
            ));
            continue;
        }
        let tpu_type = tpu_accelerator_type(g);
        for r in 0..count {
            for h in 0..hosts {
                let mut res = resources.clone();
                let mut lab = labels.clone();
                lab.insert("ray.io/node-group".into(), group_name.to_string());
                if let Some(t) = &tpu_type {
                    // The slice name is GKE's; one per replica of the group (each replica is a slice).
                    lab.insert("ray.io/tpu-slice-name".into(), format!("{group_name}-slice-{}", r + 1));
                    lab.insert("ray.io/tpu-worker-id".into(), h.to_string());
                    lab.insert("ray.io/tpu-pod-type".into(), t.clone());
                    if h == 0 {
                        res.set(&format!("TPU-{t}-head"), 1.0);
                    }
                }
                let id = if hosts == 1 {
                    format!("{group_name}-{}", r + 1)
                } else {
                    format!("{group_name}-{}-{}", r + 1, h)
                };
                nodes.push(NodeSpec { id, resources: res, labels: lab });
                node_paths.push(gpath.clone());
            }
        }
    }
    let Some((head_resources, head_labels)) = head else { return Err(problems) };
    if !problems.is_empty() {
        return Err(problems);
    }
    notes.push(origin.note(
        spec_path,
        NoteKind::Assumption,
        "one node per pod; ids are <groupName>-<n>; object store memory, pod scheduling and the Kubernetes side \
         (node pools, preemption) are not simulated",
    ));
    let mut head_labels = head_labels;
    head_labels.insert("ray.io/node-group".into(), "headgroup".into());
    Ok(KubeRayImport {
        kind,
        name,
        cluster: ClusterSpec {
            head: HeadSpec { id: None, resources: head_resources, labels: head_labels },
            nodes,
            x: None,
        },
        node_paths,
        head_path,
        serve_config_v2,
        notes,
    })
}

/// A group's Ray resources and labels, or `None` with a problem recorded.
fn group_node(
    g: &Value,
    path: &str,
    group_name: &str,
    origin: &Origin,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<Note>,
) -> Option<(Resources, BTreeMap<String, String>)> {
    let empty = serde_json::Map::new();
    let group_resources = g.get("resources").and_then(Value::as_object).unwrap_or(&empty);
    let params = g.get("rayStartParams").and_then(Value::as_object).unwrap_or(&empty);
    let container = g.pointer("/template/spec/containers/0/resources");
    let k8s = |kind: &str, name: &str| container.and_then(|c| c.get(kind)).and_then(|m| m.get(name)).cloned();
    let before = problems.len();
    let param_int = |k: &str, problems: &mut Vec<Problem>| -> Option<f64> {
        let v = params.get(k)?;
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        match s.parse::<i64>() {
            Ok(n) => Some(n as f64),
            Err(_) => {
                problems.push(origin.problem(
                    &key_path(&key_path(path, "rayStartParams"), k),
                    format!("invalid literal for int() with base 10: '{s}'"),
                ));
                None
            }
        }
    };
    let gr = |k: &str| group_resources.get(k).map(|v| (v.clone(), key_path(&key_path(path, "resources"), k)));
    let limits_path = format!("{path}.template.spec.containers[0].resources");

    // CPU and memory: the group's `resources`, else the rayStartParam, else the container's limit, else its request
    // (Ray's `_get_num_cpus` / `_get_memory`). `None`: given nowhere.
    let standard = |group_key: &str, param: &str, k8s_name: &str, problems: &mut Vec<Problem>| -> Option<Option<f64>> {
        if let Some((v, at)) = gr(group_key) {
            Some(quantity(&v, origin, problems, &at))
        } else if params.contains_key(param) {
            Some(param_int(param, problems))
        } else {
            ["limits", "requests"].into_iter().find_map(|kind| {
                k8s(kind, k8s_name).map(|v| quantity(&v, origin, problems, &format!("{limits_path}.{kind}.{k8s_name}")))
            })
        }
    };
    // CPU: required, as in Ray.
    let cpu = standard("CPU", "num-cpus", "cpu", problems).unwrap_or_else(|| {
        problems.push(origin.problem(
            path,
            format!(
                "Autoscaler failed to detect `CPU` resources for group {group_name}. Set the `--num-cpus` \
                 rayStartParam and/or the CPU resource limit for the Ray container."
            ),
        ));
        None
    });
    let gpu = if let Some((v, at)) = gr("GPU") {
        quantity(&v, origin, problems, &at)
    } else if params.contains_key("num-gpus") {
        param_int("num-gpus", problems)
    } else {
        let mut found = None;
        for kind in ["limits", "requests"] {
            let Some(m) = container.and_then(|c| c.get(kind)).and_then(Value::as_object) else { continue };
            for (k, v) in m.iter().filter(|(k, _)| k.ends_with("gpu")) {
                if let Some(n) =
                    quantity(v, origin, problems, &format!("{limits_path}.{kind}.{k}")).filter(|n| *n > 0.0)
                {
                    found = Some(n);
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        found
    };
    let memory = standard("memory", "memory", "memory", problems).flatten();
    // Custom resources: the group's `resources` (all but the standard keys) exclusively, else rayStartParams.
    let mut custom: BTreeMap<String, f64> = BTreeMap::new();
    if !group_resources.is_empty() {
        for (k, v) in group_resources.iter().filter(|(k, _)| !matches!(k.as_str(), "CPU" | "GPU" | "TPU" | "memory")) {
            if let Some(q) = quantity(v, origin, problems, &key_path(&key_path(path, "resources"), k)) {
                custom.insert(k.clone(), q);
            }
        }
    } else if let Some(v) = params.get("resources") {
        let at = key_path(&key_path(path, "rayStartParams"), "resources");
        match v.as_str().and_then(parse_resources_param) {
            Some(m) => custom = m,
            None => problems.push(origin.problem(
                &at,
                "Error reading `resource` rayStartParam: expected a quoted JSON object of whole numbers, as \
                 '\"{\\\"Custom1\\\": 1, \\\"Custom2\\\": 5}\"'",
            )),
        }
    }
    let tpu = if let Some((v, at)) = gr("TPU") {
        quantity(&v, origin, problems, &at)
    } else if let Some(t) = custom.get("TPU") {
        Some(*t)
    } else {
        let mut found = None;
        for kind in ["limits", "requests"] {
            if let Some(v) = k8s(kind, "google.com/tpu")
                && let Some(n) =
                    quantity(&v, origin, problems, &format!("{limits_path}.{kind}.google.com/tpu")).filter(|n| *n > 0.0)
            {
                found = Some(n);
                break;
            }
        }
        found
    };
    if problems.len() > before {
        return None;
    }
    let mut r = Resources::new();
    r.set("CPU", cpu.unwrap_or(0.0));
    if let Some(g) = gpu {
        r.set("GPU", g);
    }
    if let Some(t) = tpu {
        r.set("TPU", t);
    }
    if let Some(m) = memory {
        r.set("memory", m);
    }
    for (k, v) in &custom {
        r.set(k, *v);
    }
    if params.contains_key("object-store-memory") {
        notes.push(origin.note(
            &key_path(&key_path(path, "rayStartParams"), "object-store-memory"),
            NoteKind::NotSimulated,
            "kept: the object store is not simulated",
        ));
    }
    // Labels: the group's `labels` win over `rayStartParams.labels` ("k=v,k2=v2").
    let mut labels = BTreeMap::new();
    if let Some(s) = params.get("labels").and_then(Value::as_str) {
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((k, v)) => {
                    labels.insert(k.trim().to_string(), v.trim().to_string());
                }
                None => problems.push(origin.problem(
                    &key_path(&key_path(path, "rayStartParams"), "labels"),
                    format!("Label string is not a key-value pair: {pair:?} (expected k1=v1,k2=v2)"),
                )),
            }
        }
    }
    if let Some(m) = g.get("labels").and_then(Value::as_object) {
        for (k, v) in m {
            labels.insert(k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    if problems.len() > before {
        return None;
    }
    Some((r, labels))
}

/// A Kubernetes quantity rounded up, as Ray's `_round_up_k8s_quantity`; a problem at `at` if it is not one.
fn quantity(v: &Value, origin: &Origin, problems: &mut Vec<Problem>, at: &str) -> Option<f64> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            problems.push(origin.problem(at, "expected a Kubernetes quantity such as \"4\", \"500m\" or \"16Gi\""));
            return None;
        }
    };
    match parse_quantity(&text) {
        Some(q) => Some(q.ceil()),
        None => {
            problems.push(origin.problem(at, format!("Invalid number format: {text}")));
            None
        }
    }
}

/// Ray's reading of the `resources` rayStartParam: drop the outer quotes and the backslashes, then JSON of ints.
fn parse_resources_param(s: &str) -> Option<BTreeMap<String, f64>> {
    let s = s.trim();
    // The last character, not the last byte: a value may end in any character (found by fuzzing, FUZZING.md).
    let inner = match s.strip_prefix(['"', '\'']) {
        Some(rest) if !rest.is_empty() => rest.char_indices().last().map_or(rest, |(i, _)| &rest[..i]),
        _ => s,
    };
    let json: Value = serde_json::from_str(&inner.replace('\\', "")).ok()?;
    json.as_object()?.iter().map(|(k, v)| Some((k.clone(), v.as_i64()? as f64))).collect()
}

/// `TPU type` from GKE's node selectors (Ray's `tpu_node_selectors_to_type`), e.g. `v4-16`.
fn tpu_accelerator_type(g: &Value) -> Option<String> {
    let sel = g.pointer("/template/spec/nodeSelector")?;
    let topology = sel.get("cloud.google.com/gke-tpu-topology")?.as_str()?;
    let accelerator = sel.get("cloud.google.com/gke-tpu-accelerator")?.as_str()?;
    let generation = match accelerator {
        "tpu-v4-podslice" => "v4",
        "tpu-v5-lite-device" | "tpu-v5-lite-podslice" => "v5litepod",
        "tpu-v5p-slice" => "v5p",
        "tpu-v6e-slice" => "v6e",
        "tpu7x" => "v7x",
        _ => return None,
    };
    let chips: i64 =
        topology.trim().to_lowercase().split('x').map(|d| d.parse::<i64>().ok()).product::<Option<i64>>()?;
    let cores_per_chip = if matches!(generation, "v5litepod" | "v6e") { 1 } else { 2 };
    Some(format!("{generation}-{}", chips * cores_per_chip))
}

/// A Kubernetes quantity (`500m`, `16Gi`, `2`, `1e3`), as Ray's `parse_quantity` reads it.
pub fn parse_quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let exp = |c: char| match c {
        'n' => Some(-3),
        'u' => Some(-2),
        'm' => Some(-1),
        'k' | 'K' => Some(1),
        'M' => Some(2),
        'G' => Some(3),
        'T' => Some(4),
        'P' => Some(5),
        'E' => Some(6),
        _ => None,
    };
    let chars: Vec<char> = q.chars().collect();
    let (number, base, e) = match chars.as_slice() {
        [.., c, 'i'] if exp(*c).is_some() => {
            if *c == 'k' {
                return None; // "ki" is not a suffix
            }
            (&q[..q.len() - 2], 1024f64, exp(*c)?)
        }
        [.., c] if exp(*c).is_some() => (&q[..q.len() - 1], 1000f64, exp(*c)?),
        _ => (q, 1.0, 0),
    };
    let n: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    Some(n * base.powi(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_as_ray_reads_them() {
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("16Gi"), Some(16.0 * 1024f64.powi(3)));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1.5k"), Some(1500.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("4ki"), None);
        assert_eq!(parse_quantity("four"), None);
    }

    #[test]
    fn the_resources_param_as_ray_reads_it() {
        let m = parse_resources_param(r#""{\"Custom1\": 1, \"Custom2\": 5}""#).unwrap();
        assert_eq!(m["Custom1"], 1.0);
        assert_eq!(m["Custom2"], 5.0);
        assert!(parse_resources_param(r#""{\"Custom1\": 1.5}""#).is_none());
        // A value ending in a multi-byte character is refused, not a panic (found by fuzzing).
        assert!(parse_resources_param("\"{\"embed\": 4|\u{FFFD}").is_none());
        assert_eq!(parse_resources_param("'{\"é\": 2}'").map(|m| m.len()), Some(1));
    }

    #[test]
    fn tpu_types_from_gke_selectors() {
        let g = serde_json::json!({"template": {"spec": {"nodeSelector": {
            "cloud.google.com/gke-tpu-topology": "2x2x2", "cloud.google.com/gke-tpu-accelerator": "tpu-v4-podslice"}}}});
        assert_eq!(tpu_accelerator_type(&g).as_deref(), Some("v4-16"));
    }
}
