//! The editor's draft (issue 13, "Edit in the page"): the scenario as JSON, changed field by field at Ray's field
//! paths, and checked after every change by the scenario loader itself (`parse_scenario`: types, then Ray's rules),
//! whose errors carry the same paths the editor's fields have. Pure, so it is tested natively.
//!
//! The cluster is edited as node groups: nodes with the same `ray.io/node-group` label (KubeRay's worker group), or
//! else the same resources and labels. A group's count changes by adding nodes (copies of its last one, with fresh
//! ids) or removing its last ones.
use crate::model::scenario::{Scenario, ScenarioError, parse_scenario};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The label KubeRay gives every node of a worker group.
pub const NODE_GROUP_LABEL: &str = "ray.io/node-group";

/// One step of a field path: `applications[0].deployments[1].num_replicas`.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(r) = rest.strip_prefix('[') {
                let (n, tail) = r.split_once(']').unwrap_or((r, ""));
                out.push(Seg::Index(n.parse().unwrap_or(usize::MAX)));
                rest = tail;
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// The value at `path`, if there is one.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    segments(path).iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Index(i) => v.get(*i),
    })
}

/// Set the value at `path` (objects on the way are made), or remove the key (`None`: Ray's default applies).
pub fn set(v: &mut Value, path: &str, value: Option<Value>) {
    let segs = segments(path);
    let Some((last, parents)) = segs.split_last() else { return };
    let mut at = v;
    for s in parents {
        at = match s {
            Seg::Key(k) => {
                if !at.is_object() {
                    if value.is_none() {
                        return;
                    }
                    *at = Value::Object(Map::new());
                }
                let m = at.as_object_mut().expect("an object");
                if value.is_none() && !m.contains_key(k) {
                    return;
                }
                m.entry(k.clone()).or_insert(Value::Null)
            }
            Seg::Index(i) => match at.get_mut(*i) {
                Some(x) => x,
                None => return,
            },
        };
    }
    match (last, value) {
        (Seg::Key(k), Some(x)) => {
            if !at.is_object() {
                *at = Value::Object(Map::new());
            }
            at.as_object_mut().expect("an object").insert(k.clone(), x);
        }
        (Seg::Key(k), None) => {
            if let Some(m) = at.as_object_mut() {
                m.remove(k);
            }
        }
        (Seg::Index(i), Some(x)) => {
            if let Some(slot) = at.get_mut(*i) {
                *slot = x;
            }
        }
        (Seg::Index(i), None) => {
            if let Some(a) = at.as_array_mut().filter(|a| *i < a.len()) {
                a.remove(*i);
            }
        }
    }
}

/// What an input's text means in the file: nothing (the key is left out), a number, or the text as typed (the
/// loader then says what it should be, in Ray's words).
pub fn input_value(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<i64>() {
        return Some(json!(n));
    }
    if let Some(n) = t.parse::<f64>().ok().filter(|f| f.is_finite()) {
        return Some(json!(n));
    }
    Some(Value::String(t.to_string()))
}

/// The text an input shows for a value.
pub fn input_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15) {
                format!("{}", f as i64)
            } else {
                n.to_string()
            }
        }
        Some(other) => other.to_string(),
    }
}

/// `key=value` pairs, one per line or separated by commas, as a map: numbers for resources (`numeric`), strings
/// for labels. Err: the first entry that is not `key=value`.
pub fn parse_pairs(text: &str, numeric: bool) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for entry in text.split([',', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
        let Some((k, v)) = entry.split_once('=').or_else(|| entry.split_once(':')) else {
            return Err(format!("\"{entry}\" is not name=value"));
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err(format!("\"{entry}\" has no name"));
        }
        let value = if numeric { input_value(v).unwrap_or(Value::String(String::new())) } else { json!(v) };
        out.insert(k.to_string(), value);
    }
    Ok(out)
}

/// A map as `key=value, key=value`.
pub fn pairs_text(v: Option<&Value>) -> String {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", input_text(Some(v)))).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// The draft's problems, in the loader's words and at its field paths (none: it loads).
pub fn check(draft: &Value) -> Result<Scenario, Vec<ScenarioError>> {
    parse_scenario(&draft.to_string())
}

/// Nodes that are edited together.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    /// The `ray.io/node-group` label, or a name made from the node ids.
    pub name: String,
    /// Indices in `cluster.nodes`, in order.
    pub nodes: Vec<usize>,
}

fn id_stem(id: &str) -> &str {
    let s = id.trim_end_matches(|c: char| c.is_ascii_digit());
    let s = s.trim_end_matches(['-', '_']);
    if s.is_empty() { "node" } else { s }
}

fn nodes(draft: &Value) -> &[Value] {
    draft.pointer("/cluster/nodes").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The draft's worker nodes as groups, in order of first appearance.
pub fn node_groups(draft: &Value) -> Vec<NodeGroup> {
    let mut order: Vec<String> = Vec::new();
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes(draft).iter().enumerate() {
        let key = match n.pointer("/labels").and_then(|l| l.get(NODE_GROUP_LABEL)).and_then(Value::as_str) {
            Some(g) => format!("label:{g}"),
            None => format!(
                "same:{}|{}",
                n.get("resources").cloned().unwrap_or(json!({})),
                n.get("labels").cloned().unwrap_or(json!({}))
            ),
        };
        if !members.contains_key(&key) {
            order.push(key.clone());
        }
        members.entry(key).or_default().push(i);
    }
    let all = nodes(draft);
    let mut used = BTreeSet::new();
    order
        .into_iter()
        .map(|key| {
            let idx = members.remove(&key).unwrap_or_default();
            let name = match key.strip_prefix("label:") {
                Some(g) => g.to_string(),
                None => {
                    let stems: BTreeSet<&str> =
                        idx.iter().map(|&i| id_stem(all[i].get("id").and_then(Value::as_str).unwrap_or(""))).collect();
                    let stem = if stems.len() == 1 { stems.into_iter().next().unwrap_or("node") } else { "nodes" };
                    let mut name = stem.to_string();
                    let mut k = 2;
                    while used.contains(&name) {
                        name = format!("{stem} ({k})");
                        k += 1;
                    }
                    name
                }
            };
            used.insert(name.clone());
            NodeGroup { name, nodes: idx }
        })
        .collect()
}

fn all_ids(draft: &Value) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> =
        nodes(draft).iter().filter_map(|n| n.get("id").and_then(Value::as_str)).map(str::to_string).collect();
    ids.insert(draft.pointer("/cluster/head/id").and_then(Value::as_str).unwrap_or("head").to_string());
    ids
}

/// `stem-1`, `stem-2`, …: the first not in `taken`.
pub fn fresh_id(taken: &BTreeSet<String>, stem: &str) -> String {
    (1..).map(|k| format!("{stem}-{k}")).find(|id| !taken.contains(id)).expect("an unused id")
}

fn nodes_mut(draft: &mut Value) -> &mut Vec<Value> {
    if draft.pointer("/cluster/nodes").and_then(Value::as_array).is_none() {
        set(draft, "cluster.nodes", Some(json!([])));
    }
    draft.pointer_mut("/cluster/nodes").and_then(Value::as_array_mut).expect("an array")
}

fn stem_of(draft: &Value, group: &NodeGroup) -> String {
    let last = group.nodes.last().and_then(|&i| nodes(draft).get(i));
    match last.and_then(|n| n.pointer("/labels")).and_then(|l| l.get(NODE_GROUP_LABEL)).and_then(Value::as_str) {
        Some(g) => g.to_string(),
        None => id_stem(last.and_then(|n| n.get("id")).and_then(Value::as_str).unwrap_or("node")).to_string(),
    }
}

/// The id after `last` in its series: `w3` → `w4`, `gpu-2` → `gpu-3` (skipping ids in `taken`); `head` → `head-1`.
pub fn next_id(taken: &BTreeSet<String>, last: &str) -> String {
    let digits = last.len() - last.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, n) = last.split_at(last.len() - digits);
    match n.parse::<u64>() {
        Ok(n) => (n + 1..).map(|k| format!("{prefix}{k}")).find(|id| !taken.contains(id)).expect("an unused id"),
        Err(_) => fresh_id(taken, last),
    }
}

/// Give `group` `count` nodes: copies of its last node with fresh ids, or its last nodes removed. A group keeps at
/// least one node (remove the group to remove them all).
pub fn set_group_count(draft: &mut Value, group: &NodeGroup, count: usize) {
    let count = count.max(1);
    let have = group.nodes.len();
    if count < have {
        let mut gone: Vec<usize> = group.nodes[count..].to_vec();
        gone.sort_unstable();
        let list = nodes_mut(draft);
        for i in gone.into_iter().rev() {
            list.remove(i);
        }
    } else if count > have {
        let Some(&last) = group.nodes.last() else { return };
        let template = nodes(draft)[last].clone();
        let mut prev = template.get("id").and_then(Value::as_str).unwrap_or("node").to_string();
        let mut taken = all_ids(draft);
        let mut new = Vec::new();
        for _ in have..count {
            let id = next_id(&taken, &prev);
            prev = id.clone();
            taken.insert(id.clone());
            let mut n = template.clone();
            n["id"] = json!(id);
            new.push(n);
        }
        let list = nodes_mut(draft);
        let at = last + 1;
        list.splice(at..at, new);
    }
}

/// Set one field (`resources` or `labels`) of every node of `group`.
pub fn set_group_field(draft: &mut Value, group: &NodeGroup, field: &str, value: Map<String, Value>) {
    let list = nodes_mut(draft);
    for &i in &group.nodes {
        if let Some(n) = list.get_mut(i).and_then(Value::as_object_mut) {
            if value.is_empty() && field == "labels" {
                n.remove(field);
            } else {
                n.insert(field.to_string(), Value::Object(value.clone()));
            }
        }
    }
}

/// Remove every node of `group`.
pub fn remove_group(draft: &mut Value, group: &NodeGroup) {
    let mut gone = group.nodes.clone();
    gone.sort_unstable();
    let list = nodes_mut(draft);
    for i in gone.into_iter().rev() {
        if i < list.len() {
            list.remove(i);
        }
    }
}

/// A copy of `group` (same resources and labels, fresh ids; its `ray.io/node-group` label, if any, renamed).
pub fn duplicate_group(draft: &mut Value, group: &NodeGroup) {
    let taken_groups: BTreeSet<String> = node_groups(draft).into_iter().map(|g| g.name).collect();
    let copies: Vec<Value> = group.nodes.iter().filter_map(|&i| nodes(draft).get(i).cloned()).collect();
    let label = copies.first().and_then(|n| n.pointer("/labels")).and_then(|l| l.get(NODE_GROUP_LABEL)).cloned();
    let new_label = label.as_ref().and_then(Value::as_str).map(|g| {
        (1..)
            .map(|k| if k == 1 { format!("{g}-copy") } else { format!("{g}-copy{k}") })
            .find(|n| !taken_groups.contains(n))
            .expect("an unused name")
    });
    let stem = match &new_label {
        Some(l) => l.clone(),
        None => format!("{}-copy", stem_of(draft, group)),
    };
    let mut taken = all_ids(draft);
    let mut new = Vec::new();
    for mut n in copies {
        let id = fresh_id(&taken, &stem);
        taken.insert(id.clone());
        n["id"] = json!(id);
        if let Some(l) = &new_label {
            n["labels"][NODE_GROUP_LABEL] = json!(l);
        }
        new.push(n);
    }
    nodes_mut(draft).extend(new);
}

/// A new group of one node (4 CPUs), with a fresh id.
pub fn add_group(draft: &mut Value) {
    let taken = all_ids(draft);
    let stem = (1..).map(|k| format!("group{k}")).find(|s| !taken.iter().any(|t| t.starts_with(s))).expect("a stem");
    let id = fresh_id(&taken, &stem);
    nodes_mut(draft).push(json!({ "id": id, "resources": { "CPU": 4 } }));
}

/// The group holding node `index` of `cluster.nodes`, by position in `groups`.
pub fn group_of_node(groups: &[NodeGroup], index: usize) -> Option<usize> {
    groups.iter().position(|g| g.nodes.contains(&index))
}

/// `cluster.nodes[12].resources.GPU` → 12.
pub fn node_index_of_path(path: &str) -> Option<usize> {
    path.strip_prefix("cluster.nodes[")?.split_once(']')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;

    fn draft(preset: &str) -> Value {
        serde_json::to_value(preset_by_id(preset).unwrap().scenario().unwrap()).unwrap()
    }

    #[test]
    fn paths_get_set_and_remove_fields() {
        let mut v = draft("replica-crash");
        let p = "applications[0].deployments[0].max_replicas_per_node";
        assert_eq!(get(&v, p), None);
        set(&mut v, p, Some(json!(2)));
        assert_eq!(get(&v, p), Some(&json!(2)));
        set(&mut v, "applications[0].deployments[0].autoscaling_config.min_replicas", Some(json!(2)));
        assert_eq!(get(&v, "applications[0].deployments[0].autoscaling_config"), Some(&json!({"min_replicas": 2})));
        set(&mut v, p, None);
        assert_eq!(get(&v, p), None);
        // Removing what is not there changes nothing.
        let before = v.clone();
        set(&mut v, "applications[0].deployments[0].gang_scheduling_config.nope.deeper", None);
        assert_eq!(v, before);
        assert_eq!(input_value(" 3 "), Some(json!(3)));
        assert_eq!(input_value("0.5"), Some(json!(0.5)));
        assert_eq!(input_value("auto"), Some(json!("auto")));
        assert_eq!(input_value(""), None);
        assert_eq!(input_text(Some(&json!(4.0))), "4");
        assert_eq!(parse_pairs("zone=a, ray.io/node-group = gpu", false).unwrap().len(), 2);
        assert!(parse_pairs("CPU 4", true).is_err());
    }

    #[test]
    fn a_wrong_value_is_reported_at_its_field_path_in_ray_s_words() {
        let mut v = draft("replica-crash");
        let d = "applications[0].deployments[0]";
        let gang = get(&v, &format!("{d}.gang_scheduling_config.gang_size")).and_then(Value::as_i64).unwrap();
        let n = get(&v, &format!("{d}.num_replicas")).and_then(Value::as_i64).unwrap();
        set(&mut v, &format!("{d}.gang_scheduling_config.gang_size"), Some(json!(n + 1)));
        let errors = check(&v).unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains(&format!("must be a multiple of gang_size ({})", n + 1))));
        set(&mut v, &format!("{d}.gang_scheduling_config.gang_size"), Some(json!(gang)));
        assert!(check(&v).is_ok());
        set(&mut v, &format!("{d}.max_ongoing_requests"), input_value("many"));
        let errors = check(&v).unwrap_err();
        assert!(errors.iter().any(|e| e.path == format!("{d}.max_ongoing_requests")), "{errors:?}");
    }

    #[test]
    fn nodes_group_by_label_or_by_identical_resources_and_counts_change_with_fresh_ids() {
        let mut v = json!({"format": "gangplank.scenario/v1", "cluster": {"nodes": [
            {"id": "gpu-1", "resources": {"CPU": 8, "GPU": 2}},
            {"id": "gpu-2", "resources": {"CPU": 8, "GPU": 2}},
            {"id": "w1", "resources": {"CPU": 4}},
            {"id": "tpu-a", "resources": {"CPU": 4}, "labels": {"ray.io/node-group": "tpu"}},
            {"id": "tpu-b", "resources": {"CPU": 8}, "labels": {"ray.io/node-group": "tpu"}},
        ]}});
        let g = node_groups(&v);
        assert_eq!(
            g.iter().map(|g| (g.name.as_str(), g.nodes.len())).collect::<Vec<_>>(),
            [("gpu", 2), ("w", 1), ("tpu", 2)]
        );
        set_group_count(&mut v, &g[0], 4);
        let ids: Vec<&str> = nodes(&v).iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["gpu-1", "gpu-2", "gpu-3", "gpu-4", "w1", "tpu-a", "tpu-b"]);
        assert_eq!(next_id(&BTreeSet::from(["w4".to_string()]), "w3"), "w5");
        assert_eq!(next_id(&BTreeSet::new(), "head"), "head-1");
        let g = node_groups(&v);
        set_group_count(&mut v, &g[2], 1);
        assert_eq!(node_groups(&v)[2].nodes.len(), 1);
        let g = node_groups(&v);
        duplicate_group(&mut v, &g[2]);
        let g = node_groups(&v);
        assert_eq!(g.last().unwrap().name, "tpu-copy");
        assert_eq!(nodes(&v).last().unwrap()["id"], "tpu-copy-1");
        remove_group(&mut v, &g[1]);
        add_group(&mut v);
        let g = node_groups(&v);
        assert_eq!(g.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["gpu", "tpu", "tpu-copy", "group1"]);
        set_group_field(&mut v, &g[0], "resources", parse_pairs("CPU=16, GPU=4", true).unwrap());
        assert!(nodes(&v)[..4].iter().all(|n| n["resources"] == json!({"CPU": 16, "GPU": 4})));
        assert_eq!(group_of_node(&node_groups(&v), node_index_of_path("cluster.nodes[6].id").unwrap()), Some(3));
        // Every node id is still unique: the loader accepts the result.
        assert!(check(&v).is_ok(), "{:?}", check(&v).err());
    }
}
