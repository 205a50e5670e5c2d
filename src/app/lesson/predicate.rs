//! Evaluating a question option's predicate against the run, and the event matching `run_to` shares.
//!
//! A predicate sees three things: the run when the question was asked (`before`), the run at the reveal (`after`)
//! and the events recorded in between. Anything it names that is absent (a deployment, a gang index) makes it
//! false with a reason; nothing here panics on a lesson's input.
use super::format::{GangSel, Predicate};
use crate::model::events::Event;
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::{ReplicaView, Snapshot};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// What a predicate is evaluated against.
#[derive(Clone, Copy, Debug)]
pub struct Moment<'a> {
    pub before: &'a Snapshot,
    pub after: &'a Snapshot,
    /// The events recorded between the question and the reveal.
    pub events: &'a [Event],
}

/// Whether a predicate holds, and why (in words, for the CLI and for a broken lesson's report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub holds: bool,
    pub reason: String,
}

fn verdict(holds: bool, reason: impl Into<String>) -> Verdict {
    Verdict { holds, reason: reason.into() }
}

/// Whether `event` is of `kind` and each field in `matching` equals the event's JSON field (an array field: one
/// of its items equals the value). For a `gang_teardown`, `cause` is the teardown's cause (`actor_crashed`, ...).
pub fn event_matches(event: &Event, kind: &str, matching: &Map<String, Value>) -> bool {
    if event.kind.name() != kind {
        return false;
    }
    if matching.is_empty() {
        return true;
    }
    // The kind's own fields, then the fields every event has.
    let Ok(Value::Object(mut json)) = serde_json::to_value(&event.kind) else { return false };
    for (key, value) in [
        ("seq", Value::from(event.seq)),
        ("t_s", Value::from(event.t.as_secs_f64())),
        ("tick", Value::from(event.tick)),
        ("reason", Value::from(event.reason.clone())),
        ("cause", event.cause.map_or(Value::Null, Value::from)),
    ] {
        json.entry(key).or_insert(value);
    }
    matching.iter().all(|(field, want)| match json.get(field) {
        Some(Value::Array(items)) if !want.is_array() => items.contains(want),
        Some(have) => have == want,
        None => want.is_null(),
    })
}

/// The replicas of a deployment's live gang at `index` (by `position`, oldest first): not STOPPING, with a gang.
pub fn gang_members<'a>(snapshot: &'a Snapshot, gang: &GangSel) -> Vec<&'a ReplicaView> {
    snapshot
        .replicas
        .iter()
        .filter(|r| r.app == gang.app && r.deployment == gang.deployment)
        .filter(|r| r.gang_context.is_some() && r.state != ReplicaState::Stopping && r.position == gang.index)
        .collect()
}

/// The gang id and PG name of a live gang.
pub fn gang_ids(snapshot: &Snapshot, gang: &GangSel) -> Option<(String, String)> {
    let ctx = gang_members(snapshot, gang).first()?.gang_context.clone()?;
    Some((ctx.gang_id, ctx.pg_name))
}

fn has_deployment(s: &Snapshot, app: &str, deployment: &str) -> bool {
    s.deployments.iter().any(|d| d.app == app && d.name == deployment)
}

/// Evaluate a predicate.
pub fn eval(p: &Predicate, m: Moment<'_>) -> Verdict {
    match p {
        Predicate::Count(c) => {
            let n = m.events.iter().filter(|e| event_matches(e, &c.kind, &c.matching)).count() as u64;
            verdict(c.op.holds(n, c.n), format!("{n} matching `{}` event(s), wanted {} {}", c.kind, c.op.symbol(), c.n))
        }
        Predicate::Replicas(r) => {
            if !has_deployment(m.after, &r.app, &r.deployment) {
                return verdict(false, format!("no deployment {}/{}", r.app, r.deployment));
            }
            let n = m
                .after
                .replicas
                .iter()
                .filter(|v| v.app == r.app && v.deployment == r.deployment)
                .filter(|v| r.state.as_deref().is_none_or(|s| v.state.as_str() == s))
                .count() as u64;
            let state = r.state.as_deref().unwrap_or("any state");
            verdict(r.op.holds(n, r.n), format!("{n} replica(s) {state}, wanted {} {}", r.op.symbol(), r.n))
        }
        Predicate::DeploymentStatus(s) => {
            match m.after.deployments.iter().find(|d| d.app == s.app && d.name == s.deployment) {
                None => verdict(false, format!("no deployment {}/{}", s.app, s.deployment)),
                Some(d) => verdict(d.status.as_str() == s.status, format!("status is {}", d.status.as_str())),
            }
        }
        Predicate::GangNodes(g) => {
            let sel = GangSel { app: g.app.clone(), deployment: g.deployment.clone(), index: g.index };
            let Some((_, pg_name)) = gang_ids(m.after, &sel) else {
                return verdict(false, format!("no live gang {} of {}/{}", g.index, g.app, g.deployment));
            };
            let Some(pg) = m.after.placement_groups.iter().find(|p| p.name == pg_name) else {
                return verdict(false, format!("gang {}'s placement group {pg_name} is gone", g.index));
            };
            let nodes: BTreeSet<&str> = pg.bundles.iter().filter_map(|b| b.node.as_deref()).collect();
            let n = nodes.len() as u64;
            verdict(
                g.op.holds(n, g.distinct),
                format!("gang {} of {}/{} has bundles on {n} node(s)", g.index, g.app, g.deployment),
            )
        }
        Predicate::SameGangSurvives(g) => {
            let Some((gang_id, _)) = gang_ids(m.before, g) else {
                return verdict(false, format!("no live gang {} of {}/{} when asked", g.index, g.app, g.deployment));
            };
            let members: Vec<&ReplicaView> = m
                .after
                .replicas
                .iter()
                .filter(|r| r.gang_context.as_ref().is_some_and(|c| c.gang_id == gang_id))
                .collect();
            let size = members.first().and_then(|r| r.gang_context.as_ref()).map_or(0, |c| c.world_size as usize);
            let running = members.iter().filter(|r| r.state == ReplicaState::Running).count();
            verdict(
                size > 0 && running == size,
                format!("gang {} ({gang_id}) has {running} of {size} member(s) RUNNING", g.index),
            )
        }
        Predicate::Pgs(p) => {
            let n = m
                .after
                .placement_groups
                .iter()
                .filter(|g| p.app.as_ref().is_none_or(|a| *a == g.app))
                .filter(|g| p.deployment.as_ref().is_none_or(|d| *d == g.deployment))
                .filter(|g| match &p.state {
                    Some(s) => g.state.as_str() == s,
                    None => g.state.as_str() != "REMOVED",
                })
                .count() as u64;
            verdict(p.op.holds(n, p.n), format!("{n} placement group(s), wanted {} {}", p.op.symbol(), p.n))
        }
        Predicate::TargetReplicas(t) => {
            match m.after.deployments.iter().find(|d| d.app == t.app && d.name == t.deployment) {
                None => verdict(false, format!("no deployment {}/{}", t.app, t.deployment)),
                Some(d) => {
                    let n = u64::from(d.target_num_replicas);
                    verdict(t.op.holds(n, t.n), format!("target {n}, wanted {} {}", t.op.symbol(), t.n))
                }
            }
        }
        Predicate::All(ps) => {
            let failed = ps.iter().map(|p| eval(p, m)).find(|v| !v.holds);
            match failed {
                Some(v) => verdict(false, format!("not all: {}", v.reason)),
                None => verdict(true, format!("all {} hold", ps.len())),
            }
        }
        Predicate::Any(ps) => {
            let held = ps.iter().map(|p| eval(p, m)).find(|v| v.holds);
            match held {
                Some(v) => verdict(true, v.reason),
                None => verdict(false, format!("none of {} holds", ps.len())),
            }
        }
        Predicate::Not(p) => {
            let v = eval(p, m);
            verdict(!v.holds, format!("not ({})", v.reason))
        }
    }
}
