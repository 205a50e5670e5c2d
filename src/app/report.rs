//! The answer for the design doc: a Markdown report of a session at its current time. The setup (the cluster by
//! node group, the deployments and their gang options, toggles that differ from Ray 2.60, what an import kept
//! without simulating), the key events with their causes, the statuses now, the invariants, and a comparison table
//! when one is open. Everything in it is read from the session; nothing is typed in.
use crate::app::config_import::{NoteKind, imported_notes};
use crate::app::session::Session;
use crate::model::events::{Event, EventKind};
use crate::model::resources::Resources;
use crate::model::scenario::{NodeSpec, Scenario, Toggles};
use crate::model::time::fmt_secs;
use std::collections::BTreeMap;
use std::fmt::Write;

/// At most this many key events are listed (the rest are counted).
pub const MAX_EVENTS: usize = 80;

/// The report, with an optional share link to the exact moment and an optional comparison table (Markdown).
pub fn markdown(session: &Session, link: Option<&str>, comparison: Option<&str>) -> String {
    let s = session.scenario();
    let mut out = String::new();
    let now = session.now();
    let _ = writeln!(out, "# {}\n", md(&s.name));
    let _ = writeln!(
        out,
        "Simulated by Gangplank's model of the Ray Serve 2.60 controller: seed {}, at t = {} s of {} s.{}\n",
        s.seed,
        fmt_secs(now),
        s.until_s,
        link.map(|l| format!(" [Open this moment in Gangplank]({l}).")).unwrap_or_default()
    );
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}\n", md(&s.description));
    }
    setup(&mut out, s);
    key_events(&mut out, session.events());
    statuses(&mut out, session);
    let violations = session.violations();
    let _ = writeln!(out, "## Invariants\n");
    if violations.is_empty() {
        let _ = writeln!(out, "No invariant was violated.\n");
    } else {
        for v in violations {
            let flaw = if v.reproduces_ray_2_60 { " (reproduces a Ray 2.60 flaw)" } else { "" };
            let _ = writeln!(out, "- **{} s** `{}`: {}{flaw}", v.t_s, v.invariant, md(&v.message));
        }
        out.push('\n');
    }
    if let Some(table) = comparison {
        let _ = writeln!(out, "## Comparison\n\n{}\n", table.trim_end());
    }
    out
}

fn setup(out: &mut String, s: &Scenario) {
    let _ = writeln!(out, "## Setup\n\n### Cluster\n");
    let _ = writeln!(out, "| node group | nodes | resources per node | labels |\n|---|---:|---|---|");
    let head = NodeSpec {
        id: s.cluster.head.id.clone().unwrap_or_else(|| "head".into()),
        resources: s.cluster.head.resources.clone(),
        labels: s.cluster.head.labels.clone(),
    };
    for (name, nodes) in node_groups(std::iter::once(&head).chain(&s.cluster.nodes)) {
        let n = nodes[0];
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&name),
            nodes.len(),
            resources_text(&n.resources),
            n.labels
                .iter()
                .filter(|(k, _)| !k.starts_with("ray.io/tpu-worker-id") && *k != "ray.io/tpu-slice-name")
                .map(|(k, v)| format!("`{k}={v}`"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let _ = writeln!(out, "\n### Deployments\n");
    let _ = writeln!(
        out,
        "| application / deployment | replicas | gang | placement | per replica |\n|---|---|---|---|---|"
    );
    for app in &s.applications {
        for d in &app.deployments {
            let replicas = match (d.fixed_replicas(), &d.autoscaling_config) {
                (Some(n), _) => n.to_string(),
                (None, Some(a)) => format!(
                    "auto ({}–{})",
                    a.min_replicas.map_or("default".into(), |v| v.to_string()),
                    a.max_replicas.map_or("default".into(), |v| v.to_string())
                ),
                (None, None) => "auto".into(),
            };
            let gang = d.gang_scheduling_config.as_ref().map_or("—".into(), |g| {
                format!("{} × {}, {}", g.gang_size, g.gang_placement_strategy, g.runtime_failure_policy)
            });
            let placement = match (&d.placement_group_bundles, &d.placement_group_strategy, d.max_replicas_per_node) {
                (Some(b), strategy, _) => {
                    format!("{} bundles, {}", b.len(), strategy.as_deref().unwrap_or("PACK"))
                }
                (None, _, Some(m)) => format!("max {m} per node"),
                _ => "—".into(),
            };
            let o = &d.ray_actor_options;
            let mut per = Resources::new();
            per.set("CPU", o.num_cpus.unwrap_or(1.0));
            per.set("GPU", o.num_gpus.unwrap_or(0.0));
            per.set("memory", o.memory.unwrap_or(0.0));
            per.add(&o.resources);
            let _ = writeln!(
                out,
                "| {} / {} | {replicas} | {gang} | {placement} | {} |",
                md(&app.name),
                md(&d.name),
                resources_text(&per)
            );
        }
    }
    let changed = changed_toggles(&s.toggles);
    if !changed.is_empty() {
        let _ = writeln!(out, "\nBehaviour toggles that differ from Ray 2.60: {}.", changed.join(", "));
    }
    let notes = imported_notes(s);
    if !notes.is_empty() {
        let _ = writeln!(out, "\n### Imported, not simulated\n");
        for kind in [NoteKind::NotSimulated, NoteKind::IgnoredByRay, NoteKind::Assumption] {
            for n in notes.iter().filter(|n| n.kind == kind) {
                let at = n.line.map(|l| format!("{}:{l}", n.file)).unwrap_or_else(|| n.file.clone());
                let path = if n.path.is_empty() { String::new() } else { format!(" `{}`", n.path) };
                let _ = writeln!(out, "- *{}* ({at}){path}: {}", kind.label(), md(&n.text));
            }
        }
    }
    out.push('\n');
}

/// Nodes by group: the `ray.io/node-group` label when there is one (as KubeRay sets it) and the same resources, else
/// identical resources and labels. Groups in order of their first node.
pub fn node_groups<'a>(nodes: impl Iterator<Item = &'a NodeSpec>) -> Vec<(String, Vec<&'a NodeSpec>)> {
    let mut groups: Vec<(String, Vec<&NodeSpec>)> = Vec::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    for n in nodes {
        // Within a KubeRay group, nodes can differ (a TPU slice's first host has `TPU-<type>-head`): one row each.
        let (key, name) = match n.labels.get("ray.io/node-group") {
            Some(g) => (format!("group:{g}:{:?}", n.resources), g.clone()),
            None => (format!("{:?}{:?}", n.resources, n.labels), n.id.clone()),
        };
        match by_key.get(&key) {
            Some(&i) => groups[i].1.push(n),
            None => {
                by_key.insert(key, groups.len());
                groups.push((name, vec![n]));
            }
        }
    }
    // A group named after its first node's id reads better as "w1 … w4".
    for (name, nodes) in &mut groups {
        if nodes.len() > 1 && !nodes[0].labels.contains_key("ray.io/node-group") {
            *name = format!("{} … {}", nodes[0].id, nodes[nodes.len() - 1].id);
        }
    }
    groups
}

fn resources_text(r: &Resources) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.0.keys()
        .map(|k| {
            let v = r.get_f64(k);
            if k == "memory" { format!("{:.1} GiB memory", v / 1024f64.powi(3)) } else { format!("{} {k}", trim(v)) }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn changed_toggles(t: &Toggles) -> Vec<String> {
    let (Ok(now), Ok(default)) = (serde_json::to_value(t), serde_json::to_value(Toggles::default())) else {
        return Vec::new();
    };
    let (Some(now), Some(default)) = (now.as_object(), default.as_object()) else { return Vec::new() };
    now.iter().filter(|(k, v)| default.get(*k) != Some(v)).map(|(k, v)| format!("`{k}` = {v}")).collect()
}

/// The events a reader of a design doc needs: faults and actions, gang reservations that failed, teardowns,
/// start-up failures, nodes, the controller, leaks, status changes, rollouts, migrations and autoscaling; each
/// with the event that caused it.
fn key_events(out: &mut String, events: &[Event]) {
    let key = |e: &Event| {
        matches!(
            e.kind,
            EventKind::Action { .. }
                | EventKind::ReservationFailed { .. }
                | EventKind::GangTeardown { .. }
                | EventKind::StartupFailure { .. }
                | EventKind::Node { .. }
                | EventKind::Controller { .. }
                | EventKind::LeakDetected { .. }
                | EventKind::DeploymentStatus { .. }
                | EventKind::Rollout { .. }
                | EventKind::Migration { .. }
                | EventKind::Autoscale { .. }
                | EventKind::RequestsFailed { .. }
        )
    };
    let picked: Vec<&Event> = events.iter().filter(|e| key(e)).collect();
    let _ = writeln!(out, "## What happened\n");
    if picked.is_empty() {
        let _ = writeln!(out, "Nothing yet.\n");
        return;
    }
    for e in picked.iter().take(MAX_EVENTS) {
        let cause = e
            .cause
            .and_then(|c| events.iter().find(|x| x.seq == c))
            .map(|c| format!(" — *because* {} (t = {} s)", md(&c.reason), fmt_secs(c.t)))
            .unwrap_or_default();
        let _ = writeln!(out, "- **{} s** `{}` {}{cause}", fmt_secs(e.t), e.kind.name(), md(&e.reason));
    }
    if picked.len() > MAX_EVENTS {
        let _ =
            writeln!(out, "- … and {} more key events (export the trace for all of them)", picked.len() - MAX_EVENTS);
    }
    out.push('\n');
}

fn statuses(out: &mut String, session: &Session) {
    let snap = session.snapshot();
    let _ = writeln!(out, "## Status at {} s\n", fmt_secs(snap.t));
    let _ = writeln!(out, "| application / deployment | status | running / target | message |\n|---|---|---|---|");
    for d in &snap.deployments {
        let _ = writeln!(
            out,
            "| {} / {} | {} | {} / {} | {} |",
            md(&d.app),
            md(&d.name),
            d.status.as_str(),
            d.running,
            d.target_num_replicas,
            md(&d.message)
        );
    }
    out.push('\n');
}

/// Text safe inside a Markdown table cell or list item: no pipes or newlines break the table.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::model::time::SimTime;

    #[test]
    fn a_report_tells_the_setup_the_events_with_causes_and_the_statuses() {
        let scenario = preset_by_id("replica-crash").unwrap().scenario().unwrap();
        let mut session = Session::new(scenario.clone());
        session.advance_to(SimTime::from_secs_f64(scenario.until_s));
        let text = markdown(&session, Some("https://example.org/#g1.x"), Some("| a | b |\n|---|---|"));
        assert!(text.starts_with(&format!("# {}\n", scenario.name)), "{text}");
        assert!(text.contains("[Open this moment in Gangplank](https://example.org/#g1.x)"));
        assert!(text.contains("## Setup") && text.contains("| node group | nodes |"));
        let d = &scenario.applications[0].deployments[0];
        assert!(text.contains(&format!("| {} / {} |", scenario.applications[0].name, d.name)), "{text}");
        // The teardown is listed with the failure that caused it.
        let teardown = text.lines().find(|l| l.contains("`gang_teardown`")).expect("a teardown line");
        assert!(teardown.contains("*because*"), "{teardown}");
        assert!(text.contains("## Status at") && text.contains("HEALTHY"));
        assert!(text.contains("No invariant was violated."));
        assert!(text.contains("## Comparison\n\n| a | b |"));
    }

    #[test]
    fn nodes_group_by_kuberay_group_or_by_shape() {
        let scenario = preset_by_id("steady-pack").unwrap().scenario().unwrap();
        let groups = node_groups(scenario.cluster.nodes.iter());
        let total: usize = groups.iter().map(|(_, n)| n.len()).sum();
        assert_eq!(total, scenario.cluster.nodes.len());
        assert!(groups.len() <= scenario.cluster.nodes.len());
    }

    #[test]
    fn cells_cannot_break_a_table() {
        assert_eq!(md("a|b\nc"), "a\\|b c");
    }
}
