//! Not in Ray: how the model skips time in which the controller would change nothing. Ray's controller loops
//! every `CONTROL_LOOP_INTERVAL_S`; the model runs a loop only when one could change something (a GCS change, a
//! timer, a user call), and skips deployments that are settled ("quiet") until something touches them. Skipping
//! changes no outcome: `tests/determinism.rs` checks that an idle hour costs almost nothing, and the golden traces
//! that the results are the same as stepping every tick.
use crate::model::gcs::Gcs;
use crate::model::scenario::Timing;
use crate::model::serve::controller::ServeController;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentReplica, DeploymentState};
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatus;
use crate::model::time::SimTime;

impl ServeController {
    /// Wake the deployments the GCS touched since the last loop; every deployment not quiet now may change in
    /// this loop, so the invariant checker looks at those.
    pub(super) fn wake_touched_deployments(&mut self, cx: &mut Ctx) {
        for (app, dep) in std::mem::take(&mut cx.gcs.touched) {
            if let Some(d) = self.deployment_mut(&app, &dep) {
                d.quiet = false;
            }
        }
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.check_dirty = true;
        }
    }

    /// After the loop: a settled deployment goes quiet, unless this loop's own work touched it (e.g. its new PG
    /// was placed).
    pub(super) fn quiet_settled_deployments(&mut self, cx: &mut Ctx) {
        let touched = std::mem::take(&mut cx.gcs.touched);
        for d in &mut self.deployments {
            d.quiet =
                d.quiet || (d.settled(cx.gcs) && !touched.contains(&(d.config.app.clone(), d.config.name.clone())));
        }
        cx.gcs.touched = touched;
    }

    /// The earliest the controller needs to run again after its last loop.
    pub fn next_tick_at(&self, gcs: &Gcs, timing: &Timing) -> Option<SimTime> {
        if !self.alive {
            return None;
        }
        let earliest = match self.last_tick {
            None => return Some(self.grid.origin),
            Some(t) => t.plus(self.grid.interval),
        };
        if self.dirty {
            return Some(earliest);
        }
        let timer = self.next_timer(gcs, timing)?;
        Some(self.grid.ceil(timer).max(earliest))
    }

    /// When the autoscaler next decides: every loop while a deployment autoscales (its inputs, the metrics averaged
    /// up to now and the delays, move with time). A loop that only the autoscaler needs runs just the application
    /// state manager's autoscaling ([`ServeController::autoscale_only`]): the deployment state manager's steps
    /// would change nothing in it.
    pub fn next_autoscale_at(&self) -> Option<SimTime> {
        if !self.alive || !self.deployments.iter().any(|d| d.autoscaling.is_some() && !d.deleting) {
            return None;
        }
        let last = match (self.last_tick, self.last_autoscale) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        Some(last.plus(self.grid.interval))
    }

    /// When the controller next needs to run if nothing else happens: the earliest timer of any replica of a
    /// deployment that is not quiet.
    pub fn next_timer(&self, gcs: &Gcs, timing: &Timing) -> Option<SimTime> {
        let mut t: Option<SimTime> = None;
        let on_deadline = |r: &DeploymentReplica| {
            gcs.actors
                .get(&r.id)
                .and_then(|a| a.node)
                .is_some_and(|n| gcs.cluster.nodes[n].draining.as_ref().is_some_and(|d| d.deadline.is_some()))
        };
        for d in self.deployments.iter().filter(|d| !d.quiet) {
            let fault_gen = gcs.fault_gen(&d.config.app, &d.config.name);
            for r in &d.replicas {
                // A RUNNING replica with a healthy actor and no check under way or failed has no timer.
                // (A migrating one may still have a drain deadline to wake for.)
                if (r.state == ReplicaState::Running || (r.state == ReplicaState::PendingMigration && !on_deadline(r)))
                    && r.actor_ok == Some(fault_gen)
                    && r.health.consecutive_failures == 0
                    && r.health.in_flight.is_none()
                {
                    continue;
                }
                if let Some(x) = self.replica_timer(d, r, gcs, timing) {
                    t = Some(t.map_or(x, |y| y.min(x)));
                }
            }
        }
        t
    }

    /// The earliest time at which one replica's state could change by itself.
    fn replica_timer(&self, d: &DeploymentState, r: &DeploymentReplica, gcs: &Gcs, timing: &Timing) -> Option<SimTime> {
        let mut t: Option<SimTime> = None;
        let mut at = |x: SimTime| t = Some(t.map_or(x, |y| y.min(x)));
        let actor = gcs.actors.get(&r.id);
        match r.state {
            ReplicaState::Updating => {
                if let Some(done) = r.reconfigure_done_at {
                    at(done);
                }
            }
            ReplicaState::Starting => {
                if let Some(done) = actor.and_then(|a| a.init_done_at) {
                    at(done);
                }
                if d.status != DeploymentStatus::Unhealthy && d.status != DeploymentStatus::DeployFailed {
                    let w = timing.slow_startup_warning;
                    let mut when = r.created_at.plus(w).max(d.created_at.plus(w));
                    if let Some(last) = d.last_slow_warning {
                        when = when.max(last.plus(w));
                    }
                    at(when);
                }
            }
            ReplicaState::Recovering => {
                at(r.recover_ready_at.unwrap_or_default());
                // stop_on_slow: slow once strictly more than SLOW_STARTUP_WARNING_S has passed.
                at(SimTime(r.since.plus(timing.slow_startup_warning).0 + 1));
            }
            ReplicaState::Running | ReplicaState::PendingMigration => {
                // A migrating replica stops once its node's drain deadline is within the graceful-shutdown timeout.
                if r.state == ReplicaState::PendingMigration
                    && let Some(deadline) = actor
                        .and_then(|a| a.node)
                        .and_then(|n| gcs.cluster.nodes[n].draining.as_ref())
                        .and_then(|dr| dr.deadline)
                {
                    at(SimTime(
                        deadline.0.saturating_sub(d.versions[r.version as usize].config.graceful_shutdown_timeout.0),
                    ));
                }
                let faulty = actor.is_none_or(|a| !a.alive || a.failing_health_checks.is_some());
                match (r.health.in_flight, actor) {
                    // A check on an actor whose node died unnoticed hangs until it times out (or the node is
                    // declared dead, a GCS event that wakes the controller anyway).
                    (Some((started, _)), Some(a)) if a.unreachable => {
                        at(started.plus(d.versions[r.version as usize].config.health_check_timeout))
                    }
                    _ if faulty || r.health.consecutive_failures > 0 || r.health.in_flight.is_some() => {
                        at(r.health.next_timer(&self.grid))
                    }
                    _ => {}
                }
            }
            ReplicaState::Stopping => {
                if let Some(s) = &r.stop
                    && !s.kill_sent
                {
                    at(s.kill_at);
                }
                match actor {
                    Some(a) if a.alive => {
                        if let Some(e) = a.exit_at {
                            at(e);
                        }
                    }
                    _ => at(SimTime::ZERO),
                }
            }
            ReplicaState::Stopped => {}
        }
        t
    }
}

impl DeploymentState {
    /// Whether nothing in this deployment can change until something touches it from outside.
    pub fn settled(&self, gcs: &Gcs) -> bool {
        let fault_gen = gcs.fault_gen(&self.config.app, &self.config.name);
        let healthy_actor = |r: &DeploymentReplica| {
            r.actor_ok == Some(fault_gen)
                || gcs.actors.get(&r.id).is_some_and(|a| a.alive && a.failing_health_checks.is_none())
        };
        !self.deleting
            && self.status == DeploymentStatus::Healthy
            && !self.membership_changed
            && self.replicas.len() as u32 == self.target
            && self.replicas.iter().all(|r| {
                r.state == ReplicaState::Running
                    && r.health.in_flight.is_none()
                    && r.health.consecutive_failures == 0
                    && healthy_actor(r)
            })
    }
}
