//! The routers' routable set of one deployment, and what happens to the requests in flight at a replica that
//! leaves it.
//!
//! - While the controller runs (and is not recovering), the routers hold what its STEP 7 broadcast last: the
//!   RUNNING and PENDING_MIGRATION replicas (`_BROADCAST_STATES`), one by one, or whole gangs only under the
//!   `gang_serving: whole_gang` toggle.
//! - A replica whose actor died (or whose node is gone) is dropped as soon as a request to it fails, whatever the
//!   controller knows.
//! - While the controller is down or recovering (long-poll updates wait for `done_recovering_event`), the routers
//!   keep their set, minus dead actors.
//!
//! A leaving replica takes its share of the in-flight requests (routing keeps replicas evenly loaded): they fail if
//! its actor died or it was force-stopped (a gang teardown's siblings), finish if it stops gracefully within
//! `graceful_shutdown_timeout_s` (the share of requests longer than that, by the service-time spread, fails), and
//! finish normally if it stays alive (an UPDATING replica, a member held back by `whole_gang`).
use super::DeploymentTraffic;
use crate::model::events::EventKind;
use crate::model::gcs::Gcs;
use crate::model::log::EventLog;
use crate::model::serve::behaviour::{Behaviour, GangServing};
use crate::model::serve::controller::ServeController;
use crate::model::serve::deployment_state::{DeploymentReplica, DeploymentState};
use crate::model::serve::replica::ReplicaState;
use std::collections::{BTreeMap, BTreeSet};

/// How a replica left the routable set.
enum Leave {
    Died,
    Graceful { timeout_s: f64 },
    Stays,
}

pub(super) fn refresh(
    d: &mut DeploymentTraffic,
    controller: &ServeController,
    gcs: &Gcs,
    b: &Behaviour,
    log: &mut EventLog,
) {
    let live = |id: &str| gcs.actors.get(id).is_some_and(|a| a.alive && !a.unreachable);
    let fault = gcs.fault_gen(&d.app, &d.deployment);
    let state = controller
        .alive
        .then(|| controller.deployments.iter().find(|s| s.config.app == d.app && s.config.name == d.deployment))
        .flatten();
    let broadcasting = controller.alive && !controller.recovering;
    // Final membership of the replicas whose membership may have changed.
    let mut touched: BTreeMap<&str, bool> = BTreeMap::new();
    match state {
        Some(s) if broadcasting => {
            d.target = s.target;
            d.max_ongoing = s.config.max_ongoing_requests;
            d.max_queued = super::queue_limit(s.config.max_queued_requests);
            let changes = &s.broadcast_changes;
            match d.seen {
                Some((inc, seen)) if inc == controller.incarnation && seen as usize == changes.len() => {}
                // One by one (2.60): only what changed since the last look.
                Some((inc, seen))
                    if inc == controller.incarnation
                        && seen as usize <= changes.len()
                        && b.gang_serving == GangServing::PerReplica =>
                {
                    for (id, joined) in &changes[seen as usize..] {
                        touched.insert(id.as_str(), *joined);
                    }
                }
                // A new controller's first broadcast, or whole gangs: the whole set.
                _ => {
                    let set: BTreeSet<&str> =
                        broadcast_set(s, b.gang_serving).into_iter().map(|r| r.id.as_str()).collect();
                    for id in &d.routable {
                        touched.insert(id.as_str(), set.contains(id.as_str()));
                    }
                    for id in set {
                        touched.insert(id, true);
                    }
                }
            }
            d.seen = Some((controller.incarnation, changes.len() as u64));
        }
        None if broadcasting && !d.deleted => {
            // STEP 9 removed it: the routers get a tombstone and fail fast.
            d.deleted = true;
            for id in &d.routable {
                touched.insert(id.as_str(), false);
            }
        }
        _ => {}
    }
    // Actors die only with a fault, which moves the deployment's fault generation: a request to a dead replica
    // fails and the router drops it.
    if d.seen_fault != fault {
        for id in &d.routable {
            if !live(id) {
                touched.insert(id.as_str(), false);
            }
        }
    }
    d.seen_fault = fault;
    let mut leaving: Vec<String> = Vec::new();
    let mut joining: Vec<String> = Vec::new();
    for (id, member) in touched {
        let was = d.routable.binary_search_by(|x| x.as_str().cmp(id)).is_ok();
        if was && !member {
            leaving.push(id.to_string());
        } else if !was && member && live(id) {
            joining.push(id.to_string());
        }
    }
    if leaving.is_empty() && joining.is_empty() {
        return;
    }
    let before = d.routable.len();
    let share = if before > 0 { d.flow.ongoing / before as f64 } else { 0.0 };
    for id in &leaving {
        if let Ok(i) = d.routable.binary_search(id) {
            d.routable.remove(i);
        }
        gang_count(d, gcs, id, -1);
    }
    for id in joining {
        if let Err(i) = d.routable.binary_search(&id) {
            gang_count(d, gcs, &id, 1);
            d.routable.insert(i, id);
        }
    }
    let (mut died, mut late, mut died_ids, mut late_ids) = (0.0, 0.0, Vec::new(), Vec::new());
    for id in &leaving {
        match how_it_left(id, state, gcs) {
            Leave::Died => {
                died += share;
                died_ids.push(id.clone());
            }
            Leave::Graceful { timeout_s } => {
                let lost = share * longer_than(timeout_s, d.service_mean, d.service_spread);
                late += lost;
                d.totals.served += share - lost;
                if lost > 0.0 {
                    late_ids.push(id.clone());
                }
            }
            Leave::Stays => d.totals.served += share,
        }
    }
    d.flow.ongoing = (d.flow.ongoing - share * leaving.len() as f64).max(0.0);
    d.totals.died += died;
    d.totals.shutdown += late;
    for (count, failure, ids, why) in [
        (died, "actor_died", died_ids, "their replica's process died or was force-stopped (ActorDiedError)"),
        (
            late,
            "graceful_shutdown_timeout",
            late_ids,
            "they were still running when graceful_shutdown_timeout_s ran out",
        ),
    ] {
        if count >= 0.5 {
            log.push(
                EventKind::RequestsFailed {
                    app: d.app.clone(),
                    deployment: d.deployment.clone(),
                    requests: count.round() as u64,
                    failure: failure.to_string(),
                    replicas: ids.clone(),
                },
                format!(
                    "{:.0} request(s) in flight at {}/{} replica(s) {} failed: {why}; {} replicas still routable",
                    count,
                    d.app,
                    d.deployment,
                    ids.join(", "),
                    d.routable.len()
                ),
            );
        }
    }
}

/// What STEP 7 broadcasts.
fn broadcast_set(s: &DeploymentState, mode: GangServing) -> Vec<&DeploymentReplica> {
    let serving = |st: ReplicaState| st == ReplicaState::Running || st == ReplicaState::PendingMigration;
    match mode {
        GangServing::PerReplica => s.replicas.iter().filter(|r| serving(r.state)).collect(),
        GangServing::WholeGang => {
            let mut by_gang: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
            for r in &s.replicas {
                if let Some(g) = &r.gang_context {
                    let e = by_gang.entry(g.gang_id.as_str()).or_insert((0, g.world_size));
                    if serving(r.state) {
                        e.0 += 1;
                    }
                }
            }
            s.replicas
                .iter()
                .filter(|r| serving(r.state))
                .filter(|r| {
                    r.gang_context.as_ref().is_none_or(|g| by_gang.get(g.gang_id.as_str()).is_some_and(|e| e.0 == e.1))
                })
                .collect()
        }
    }
}

fn how_it_left(id: &str, state: Option<&DeploymentState>, gcs: &Gcs) -> Leave {
    let alive = gcs.actors.get(id).is_some_and(|a| a.alive && !a.unreachable);
    if !alive {
        return Leave::Died;
    }
    let Some(r) = state.and_then(|s| s.replicas.iter().find(|r| r.id == id)) else { return Leave::Stays };
    match (&r.stop, r.state) {
        (Some(stop), ReplicaState::Stopping) if !stop.graceful => Leave::Died,
        (Some(stop), ReplicaState::Stopping) => {
            Leave::Graceful { timeout_s: stop.kill_at.since(r.since).as_secs_f64() }
        }
        _ => Leave::Stays,
    }
}

/// Share of in-flight requests that need longer than `timeout_s` (service times ~ normal(mean, spread), a
/// request in flight needing at most its whole service time).
fn longer_than(timeout_s: f64, mean: f64, spread: f64) -> f64 {
    if spread <= 0.0 {
        return if mean > timeout_s { 1.0 } else { 0.0 };
    }
    let z = (timeout_s - mean) / spread;
    1.0 - normal_cdf(z)
}

/// Φ(z), by Abramowitz and Stegun 7.1.26 (error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// Keep the count of routable members per gang (and of whole gangs) as replica `id` joins (+1) or leaves (-1). The
/// gang is read from the actor when it joins and remembered (a dead actor may be gone from the GCS when it leaves).
fn gang_count(d: &mut DeploymentTraffic, gcs: &Gcs, id: &str, delta: i32) {
    let gang = if delta > 0 {
        let Some(g) = gcs.actors.get(id).and_then(|a| a.gang_context.as_ref()) else { return };
        d.member_gang.insert(id.to_string(), (g.gang_id.clone(), g.world_size));
        (g.gang_id.clone(), g.world_size)
    } else {
        let Some(g) = d.member_gang.remove(id) else { return };
        g
    };
    let e = d.gang_members.entry(gang.0.clone()).or_insert(0);
    let was_whole = *e == gang.1;
    *e = e.saturating_add_signed(delta);
    let whole = *e == gang.1;
    if *e == 0 {
        d.gang_members.remove(&gang.0);
    }
    match (was_whole, whole) {
        (false, true) => d.whole_gangs += 1,
        (true, false) => d.whole_gangs -= 1,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_cdf_is_close() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
        assert_eq!(longer_than(20.0, 0.5, 0.0), 0.0);
        assert_eq!(longer_than(0.1, 0.5, 0.0), 1.0);
    }
}
