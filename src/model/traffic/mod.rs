//! Traffic: the requests callers send to each deployment through their `DeploymentHandle`s, as a per-deployment
//! flow (not request by request: at 10,000 replicas an hour of requests one by one is far too slow). What it keeps
//! exact is what a viewer and the autoscaler read: requests offered, served, queued at the callers and failed (with
//! why), ongoing requests per replica, and the routable set the routers hold.
//!
//! - `load.rs`: the offered load over time; `flow.rs`: the fluid queue per deployment.
//! - The routers' view (`routing.rs`): the running replicas the controller last broadcast (STEP 7), minus those
//!   whose actor they saw die; kept as it is while the controller is down or recovering.
//! - The handle's autoscaling metrics (`handle_metrics.rs`): a point every record interval, a push to the
//!   controller every `metrics_interval_s`.
//!
//! Determinism: the flow is integrated only up to times every replay reaches in the same way (the model's own
//! wakeups, whole sample periods, the handles' timers), never to wherever a viewer happened to stop.
mod flow;
mod handle_metrics;
mod load;
mod routing;
mod samples;

pub use flow::{FlowDelta, FlowState};
pub use handle_metrics::HandleMetrics;
pub use load::LoadProfile;
pub use samples::{MAX_SAMPLES_HELD, SampleLog, TrafficSample};

use crate::model::gcs::Gcs;
use crate::model::log::EventLog;
use crate::model::scenario::Scenario;
use crate::model::serve::behaviour::Behaviour;
use crate::model::serve::controller::ServeController;
use crate::model::time::{SimDuration, SimTime};

/// How often the traffic history records a sample (one point per deployment on the page's chart).
pub const SAMPLE_PERIOD: SimDuration = SimDuration(1_000_000);

/// Cumulative request counts of one deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub offered: f64,
    pub served: f64,
    /// Rejected at the caller: `max_queued_requests` reached (`BackPressureError`).
    pub rejected: f64,
    /// In flight at a replica whose process or node died, or that was force-stopped.
    pub died: f64,
    /// In flight at a replica stopped gracefully, but longer than its `graceful_shutdown_timeout_s`.
    pub shutdown: f64,
    /// Sent to a deployment that was deleted.
    pub deleted: f64,
}

impl Totals {
    pub fn failed(&self) -> f64 {
        self.rejected + self.died + self.shutdown + self.deleted
    }
}

/// One deployment's traffic.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentTraffic {
    pub app: String,
    pub deployment: String,
    pub profile: LoadProfile,
    pub service_mean: f64,
    pub service_spread: f64,
    pub max_ongoing: u32,
    /// `None`: no limit (`max_queued_requests: -1`).
    pub max_queued: Option<f64>,
    pub flow: FlowState,
    pub totals: Totals,
    /// The routers' routable set (replica ids, sorted).
    pub routable: Vec<String>,
    /// Gangs whose every member is routable.
    pub whole_gangs: u32,
    /// The deployment's target as last seen (for the chart).
    pub target: u32,
    pub deleted: bool,
    /// (controller incarnation, how many of its `broadcast_changes`) the set last read, and the deployment's GCS
    /// fault generation then.
    pub(crate) seen: Option<(u32, u64)>,
    /// Routable members per gang id, and the gang (id, size) of each routable gang member.
    pub(crate) gang_members: std::collections::BTreeMap<String, u32>,
    pub(crate) member_gang: std::collections::BTreeMap<String, (String, u32)>,
    pub(crate) seen_fault: u64,
    pub handle: Option<HandleMetrics>,
    /// Totals at the last sample (rates are per sample period).
    at_sample: Totals,
    /// Requests were being rejected in the last sample period (an event marks when that starts).
    rejecting: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub deployments: Vec<DeploymentTraffic>,
    /// The flow is integrated up to here.
    pub at: SimTime,
    next_sample: SimTime,
    pub samples: SampleLog,
    /// The control-loop interval (to stamp events with their tick).
    tick_interval: SimDuration,
}

impl DeploymentTraffic {
    /// A deployment's traffic before anything flowed: no load yet, nothing routable, limits as the controller knows
    /// them, and a handle recording autoscaling metrics from `now` if the deployment autoscales.
    fn new(
        app: &str,
        deployment: &str,
        max_ongoing: u32,
        max_queued_requests: i64,
        target: u32,
        autoscaling: Option<&crate::model::serve::autoscaling_config::AutoscalingConfig>,
        now: SimTime,
    ) -> DeploymentTraffic {
        DeploymentTraffic {
            app: app.to_string(),
            deployment: deployment.to_string(),
            profile: LoadProfile::default(),
            service_mean: 0.1,
            service_spread: 0.0,
            max_ongoing,
            max_queued: queue_limit(max_queued_requests),
            flow: FlowState::default(),
            totals: Totals::default(),
            routable: Vec::new(),
            whole_gangs: 0,
            target,
            deleted: false,
            seen: None,
            seen_fault: 0,
            gang_members: Default::default(),
            member_gang: Default::default(),
            handle: autoscaling.map(|a| HandleMetrics::new(a, now)),
            at_sample: Totals::default(),
            rejecting: false,
        }
    }
}

impl Traffic {
    /// Traffic for the scenario's `traffic` entries, plus a silent handle for every autoscaled deployment without
    /// one (its metrics read zero, as in Ray when no request has come).
    pub fn new(scenario: &Scenario, controller: &ServeController) -> Traffic {
        let mut deployments = Vec::new();
        for d in &controller.deployments {
            let spec = scenario.traffic.iter().find(|t| t.app == d.config.app && t.deployment == d.config.name);
            if spec.is_none() && d.autoscaling.is_none() {
                continue;
            }
            let mut t = DeploymentTraffic::new(
                &d.config.app,
                &d.config.name,
                d.config.max_ongoing_requests,
                d.config.max_queued_requests,
                d.target,
                d.autoscaling.as_ref().map(|a| &a.config),
                SimTime::ZERO,
            );
            if let Some(spec) = spec {
                t.profile = LoadProfile::from_spec(&spec.load);
                (t.service_mean, t.service_spread) = (spec.service_time_s.mean, spec.service_time_s.spread);
            }
            deployments.push(t);
        }
        Traffic {
            deployments,
            at: SimTime::ZERO,
            next_sample: SimTime::ZERO.plus(SAMPLE_PERIOD),
            samples: SampleLog::default(),
            tick_interval: controller.grid.interval,
        }
    }

    /// Integrate up to `t` (a model wakeup), stopping at every sample boundary and handle timer on the way.
    pub fn advance(&mut self, t: SimTime, controller: &mut ServeController, log: &mut EventLog) {
        self.advance_inner(t, true, controller, log);
    }

    /// Integrate through the fixed points (sample boundaries, handle timers) up to `t`, but not to `t` itself
    /// unless it is one: a viewer stopping anywhere must not change the run.
    pub fn advance_fixed(&mut self, t: SimTime, controller: &mut ServeController, log: &mut EventLog) {
        self.advance_inner(t, false, controller, log);
    }

    fn advance_inner(&mut self, t: SimTime, to_t: bool, controller: &mut ServeController, log: &mut EventLog) {
        if self.deployments.is_empty() {
            return;
        }
        loop {
            let mut next = self.next_sample;
            for d in &self.deployments {
                if let Some(h) = &d.handle {
                    next = next.min(h.next_timer());
                }
            }
            let stop = if next <= t {
                next
            } else if to_t && t > self.at {
                t
            } else {
                break;
            };
            self.integrate(stop);
            for d in &mut self.deployments {
                if let Some(h) = &mut d.handle {
                    let total = d.flow.ongoing + d.flow.queued;
                    let cold = d.routable.is_empty() && d.flow.queued > 0.0;
                    if let Some(report) = h.on_time(stop, total, cold)
                        && controller.alive
                        && let Some(ds) = controller.deployment_mut(&d.app, &d.deployment)
                        && let Some(a) = &mut ds.autoscaling
                    {
                        a.report = report;
                    }
                }
            }
            if stop == self.next_sample {
                log.now = stop;
                log.tick = stop.0 / self.tick_interval.0.max(1);
                self.sample(stop, log);
                self.next_sample = stop.plus(SAMPLE_PERIOD);
            }
            if stop >= t {
                break;
            }
        }
    }

    /// Flow from `self.at` to `to` with the current routable sets.
    fn integrate(&mut self, to: SimTime) {
        if to <= self.at {
            return;
        }
        let (t0, t1) = (self.at.as_secs_f64(), to.as_secs_f64());
        for d in &mut self.deployments {
            let arrivals = d.profile.requests_between(t0, t1);
            d.totals.offered += arrivals;
            if d.deleted {
                d.totals.deleted += arrivals + d.flow.queued;
                d.flow = FlowState::default();
                continue;
            }
            let slots = d.routable.len() as f64 * d.max_ongoing as f64;
            let delta = d.flow.advance(t1 - t0, arrivals, slots, d.service_mean, d.max_queued);
            d.totals.served += delta.served;
            d.totals.rejected += delta.rejected;
        }
        self.at = to;
    }

    /// Record one sample per deployment, and mark the start of a backpressure episode with an event.
    fn sample(&mut self, t: SimTime, log: &mut EventLog) {
        let secs = SAMPLE_PERIOD.as_secs_f64();
        for (i, d) in self.deployments.iter_mut().enumerate() {
            let p = d.at_sample;
            let rejected = d.totals.rejected - p.rejected;
            let n = d.routable.len() as f64;
            self.samples.push(TrafficSample {
                t,
                deployment: i as u16,
                offered_rps: ((d.totals.offered - p.offered) / secs) as f32,
                served_rps: ((d.totals.served - p.served) / secs) as f32,
                failed_rps: ((d.totals.failed() - p.failed()) / secs) as f32,
                queued: d.flow.queued as f32,
                ongoing_per_replica: if n > 0.0 { (d.flow.ongoing / n) as f32 } else { 0.0 },
                replicas: d.routable.len() as u32,
                target: d.target,
                whole_gangs: d.whole_gangs,
            });
            d.at_sample = d.totals;
            let rejecting = rejected >= 0.5;
            if rejecting && !d.rejecting {
                let limit = d.max_queued.unwrap_or(0.0);
                log.push(
                    crate::model::events::EventKind::RequestsFailed {
                        app: d.app.clone(),
                        deployment: d.deployment.clone(),
                        requests: rejected.round().max(1.0) as u64,
                        failure: "backpressure".to_string(),
                        replicas: Vec::new(),
                    },
                    format!(
                        "{rejected:.0} requests to {}/{} were rejected in the last second (BackPressureError): every \
                         request slot (max_ongoing_requests {} per replica) was busy and {limit:.0} requests \
                         (max_queued_requests) already waited at the callers",
                        d.app, d.deployment, d.max_ongoing
                    ),
                );
            }
            d.rejecting = rejecting;
        }
    }

    /// After the model's work at a wakeup: bring every routable set up to date (see `routing.rs`). The routers
    /// have then received the controller's broadcast: its change lists are emptied (Ray resets
    /// `_broadcasted_replicas_set_changed` once it has broadcast), so they stay short in a long run.
    pub fn refresh(&mut self, controller: &mut ServeController, gcs: &Gcs, behaviour: &Behaviour, log: &mut EventLog) {
        for d in &mut self.deployments {
            routing::refresh(d, controller, gcs, behaviour, log);
        }
        if controller.alive && !controller.recovering {
            let incarnation = controller.incarnation;
            for d in &mut self.deployments {
                if let Some((inc, seen)) = &mut d.seen
                    && *inc == incarnation
                {
                    *seen = 0;
                }
            }
            for d in &mut controller.deployments {
                d.broadcast_changes.clear();
            }
        }
    }

    /// `set_traffic`: from now on, this load (and service time) for the deployment. `known` is what the controller
    /// knows of it (autoscaling config, max_ongoing_requests, max_queued_requests, target), `None` if it does not
    /// track it (down, or deleted); a deployment without traffic so far gets it.
    pub fn set_load(
        &mut self,
        app: &str,
        deployment: &str,
        load: &[crate::model::scenario::LoadComponent],
        service: Option<&crate::model::scenario::ServiceTimeSpec>,
        known: Option<(Option<crate::model::serve::autoscaling_config::AutoscalingConfig>, u32, i64, u32)>,
        now: SimTime,
    ) -> Result<String, String> {
        let i = match self.deployments.iter().position(|d| d.app == app && d.deployment == deployment) {
            Some(i) => i,
            None => {
                let Some((autoscaling, max_ongoing, max_queued, target)) = known else {
                    return Err(format!(
                        "deployment {app}/{deployment} does not exist (or the controller that knows it is down)"
                    ));
                };
                self.deployments.push(DeploymentTraffic::new(
                    app,
                    deployment,
                    max_ongoing,
                    max_queued,
                    target,
                    autoscaling.as_ref(),
                    now,
                ));
                self.deployments.len() - 1
            }
        };
        let d = &mut self.deployments[i];
        d.profile = LoadProfile::from_spec(load);
        if let Some(s) = service {
            d.service_mean = s.mean;
            d.service_spread = s.spread;
        }
        let t = now.as_secs_f64();
        Ok(format!(
            "callers now offer {}/{} {:.1} requests/s (following the new load from here), each taking {:.2} s on average",
            app,
            deployment,
            d.profile.rps_at(t),
            d.service_mean
        ))
    }

    /// The deployment's traffic, if it has any, with its index (the samples' `deployment`).
    pub fn of(&self, app: &str, deployment: &str) -> Option<(usize, &DeploymentTraffic)> {
        self.deployments.iter().enumerate().find(|(_, d)| d.app == app && d.deployment == deployment)
    }
}

/// `max_queued_requests` as a limit (`-1`: none).
pub fn queue_limit(max_queued_requests: i64) -> Option<f64> {
    (max_queued_requests >= 0).then_some(max_queued_requests as f64)
}
