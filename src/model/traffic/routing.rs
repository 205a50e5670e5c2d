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
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use std::collections::BTreeMap;

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
    let live = |id: &String| gcs.actors.get(id).is_some_and(|a| a.alive && !a.unreachable);
    let fault = gcs.fault_gen(&d.app, &d.deployment);
    let state = controller
        .alive
        .then(|| controller.deployments.iter().find(|s| s.config.app == d.app && s.config.name == d.deployment))
        .flatten();
    let broadcasting = controller.alive && !controller.recovering;
    let next: Option<Vec<String>> = match state {
        Some(s) if broadcasting => {
            d.target = s.target;
            d.max_ongoing = s.config.max_ongoing_requests;
            d.max_queued = super::queue_limit(s.config.max_queued_requests);
            let key = (controller.incarnation, s.broadcast_gen);
            if d.seen != Some(key) || d.seen_fault != fault {
                d.seen = Some(key);
                Some(broadcast_set(s, b.gang_serving).into_iter().filter(live).collect())
            } else {
                None
            }
        }
        None if broadcasting && !d.deleted => {
            // STEP 9 removed it: the routers get a tombstone and fail fast.
            d.deleted = true;
            Some(Vec::new())
        }
        _ if d.seen_fault != fault => Some(d.routable.iter().filter(|id| live(id)).cloned().collect()),
        _ => None,
    };
    d.seen_fault = fault;
    let Some(mut next) = next else { return };
    next.sort();
    if next == d.routable {
        return;
    }
    let before = d.routable.len();
    let share = if before > 0 { d.flow.ongoing / before as f64 } else { 0.0 };
    let leaving: Vec<String> = d.routable.iter().filter(|id| next.binary_search(id).is_err()).cloned().collect();
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
    d.routable = next;
    d.whole_gangs = whole_gangs(&d.routable, gcs);
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
fn broadcast_set(s: &DeploymentState, mode: GangServing) -> Vec<String> {
    let serving = |st: ReplicaState| st == ReplicaState::Running || st == ReplicaState::PendingMigration;
    match mode {
        GangServing::PerReplica => s.replicas.iter().filter(|r| serving(r.state)).map(|r| r.id.clone()).collect(),
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
                .map(|r| r.id.clone())
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

/// Gangs with every member in the routable set.
fn whole_gangs(routable: &[String], gcs: &Gcs) -> u32 {
    let mut by_gang: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for id in routable {
        if let Some(g) = gcs.actors.get(id).and_then(|a| a.gang_context.as_ref()) {
            by_gang.entry(g.gang_id.as_str()).or_insert((0, g.world_size)).0 += 1;
        }
    }
    by_gang.values().filter(|(n, size)| n == size).count() as u32
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
