//! Export a run as a Chrome / Perfetto trace (Trace Event format), to open in ui.perfetto.dev.
//!
//! One process per node (a track per replica that ran there) and one per gang (a track per rank); replica
//! lifetimes are slices named by state; faults, teardowns, controller crashes and violations are instant events.
use crate::model::events::{Event, EventKind};
use crate::model::serve::replica::ReplicaState;
use serde_json::{Value, json};
use std::collections::BTreeMap;

struct ReplicaLife {
    node: Option<String>,
    gang: Option<(String, u32)>,
    /// (start µs, state)
    phases: Vec<(u64, ReplicaState)>,
    end_us: Option<u64>,
}

/// Build the Trace Event JSON for the events of a run that ended at `end_us`.
pub fn export(events: &[Event], end_us: u64) -> Value {
    let mut lives: BTreeMap<String, ReplicaLife> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut instants: Vec<Value> = Vec::new();
    for e in events {
        let ts = e.t.0;
        match &e.kind {
            EventKind::ReplicaState { replica, gang_id, rank, to, node, .. } => {
                let life = lives.entry(replica.clone()).or_insert_with(|| {
                    order.push(replica.clone());
                    ReplicaLife { node: None, gang: None, phases: Vec::new(), end_us: None }
                });
                if life.node.is_none() {
                    life.node = node.clone();
                }
                if let (Some(g), Some(r)) = (gang_id, rank) {
                    life.gang = Some((g.clone(), *r));
                }
                if *to == ReplicaState::Stopped {
                    life.end_us = Some(ts);
                } else if life.phases.last().map(|p| p.1) != Some(*to) {
                    life.phases.push((ts, *to));
                }
            }
            EventKind::Action { .. }
            | EventKind::GangTeardown { .. }
            | EventKind::Controller { .. }
            | EventKind::Node { .. }
            | EventKind::LeakDetected { .. }
            | EventKind::Violation { .. } => {
                instants.push(json!({
                    "name": e.kind.name(), "cat": category(&e.kind), "ph": "i", "s": "g", "ts": ts, "pid": 0, "tid": 0,
                    "args": { "reason": e.reason, "tick": e.tick },
                }));
            }
            _ => {}
        }
    }
    let mut out: Vec<Value> = vec![
        json!({"name": "process_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": "Serve controller and faults"}}),
    ];
    let mut node_pid: BTreeMap<String, u64> = BTreeMap::new();
    let mut gang_pid: BTreeMap<String, u64> = BTreeMap::new();
    for (tid, id) in order.iter().enumerate() {
        let life = &lives[id];
        let tid = tid as u64 + 1;
        let node = life.node.clone().unwrap_or_else(|| "(never placed)".to_string());
        let next = node_pid.len() as u64 + 1;
        let npid = *node_pid.entry(node.clone()).or_insert_with(|| {
            out.push(json!({"name": "process_name", "ph": "M", "pid": next, "tid": 0, "args": {"name": format!("node {node}")}}));
            out.push(json!({"name": "process_sort_index", "ph": "M", "pid": next, "tid": 0, "args": {"sort_index": next}}));
            next
        });
        let label = match &life.gang {
            Some((g, r)) => format!("replica {id} (gang {g} rank {r})"),
            None => format!("replica {id}"),
        };
        let mut tracks = vec![(npid, tid, label)];
        if let Some((g, r)) = &life.gang {
            let next = 10_000 + gang_pid.len() as u64;
            let gpid = *gang_pid.entry(g.clone()).or_insert_with(|| {
                out.push(json!({"name": "process_name", "ph": "M", "pid": next, "tid": 0, "args": {"name": format!("gang {g}")}}));
                out.push(json!({"name": "process_sort_index", "ph": "M", "pid": next, "tid": 0, "args": {"sort_index": next}}));
                next
            });
            tracks.push((gpid, *r as u64 + 1, format!("rank {r}: replica {id}")));
        }
        for (pid, tid, name) in tracks {
            out.push(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}));
            for (i, (start, state)) in life.phases.iter().enumerate() {
                let stop = life.phases.get(i + 1).map(|p| p.0).or(life.end_us).unwrap_or(end_us).max(*start);
                out.push(json!({
                    "name": state.as_str(), "cat": "replica", "ph": "X", "ts": start, "dur": stop - start,
                    "pid": pid, "tid": tid, "args": { "replica": id },
                }));
            }
        }
    }
    out.extend(instants);
    json!({ "traceEvents": out, "displayTimeUnit": "ms", "otherData": { "source": "gangplank" } })
}

fn category(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Action { .. } => "fault",
        EventKind::GangTeardown { .. } => "teardown",
        EventKind::Controller { .. } => "controller",
        EventKind::Node { .. } => "node",
        EventKind::LeakDetected { .. } => "leak",
        _ => "violation",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Simulation;
    use crate::model::scenario::parse_scenario;

    #[test]
    fn export_has_node_and_gang_tracks_with_slices_and_instants() {
        let text = r#"{"format":"gangplank.scenario/v1","seed":3,"until_s":12,
          "cluster":{"nodes":[{"id":"w1","resources":{"CPU":2}},{"id":"w2","resources":{"CPU":2}}]},
          "timing":{"health_check_period_s":1},
          "applications":[{"name":"app","deployments":[{"name":"G","num_replicas":4,
            "gang_scheduling_config":{"gang_size":2}}]}],
          "actions":[{"at_s":5,"do":"kill_replica","replica":{"app":"app","deployment":"G","gang":0,"rank":0}}]}"#;
        let mut sim = Simulation::new(&parse_scenario(text).unwrap());
        sim.run_to_end();
        let v = export(sim.events(), sim.now().0);
        let text = serde_json::to_string(&v).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        let evs = back["traceEvents"].as_array().unwrap();
        let names: Vec<String> = evs
            .iter()
            .filter(|e| e["name"] == "process_name")
            .map(|e| e["args"]["name"].as_str().unwrap().to_string())
            .collect();
        assert!(names.contains(&"node w1".to_string()) || names.contains(&"node w2".to_string()), "{names:?}");
        assert_eq!(
            names.iter().filter(|n| n.starts_with("gang ")).count(),
            3,
            "two gangs plus the rebuilt one: {names:?}"
        );
        assert!(evs.iter().any(|e| e["ph"] == "X" && e["name"] == "RUNNING"));
        assert!(evs.iter().any(|e| e["ph"] == "i" && e["cat"] == "teardown"));
        for e in evs.iter().filter(|e| e["ph"] == "X") {
            assert!(e["dur"].as_u64().is_some() && e["ts"].as_u64().is_some());
        }
    }
}
