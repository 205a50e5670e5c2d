//! Ray 2.60's `DeploymentAutoscalingState` (`autoscaling_state.py`): the handles' latest metrics report,
//! `get_total_num_requests` and the policy state. It lives in the controller's memory: a restarted controller
//! starts with no metrics and a fresh policy state (the target itself is checkpointed). The decision is taken in
//! `autoscale.rs`.
use crate::model::serve::autoscaling_config::{AggregationFunction, AutoscalingConfig};
use crate::model::serve::autoscaling_policy::{Decision, PolicyState};
use crate::model::time::SimTime;

#[derive(Clone, Debug, PartialEq)]
pub struct AutoscalingState {
    pub config: AutoscalingConfig,
    pub policy_state: PolicyState,
    /// The handle's last report: (time, ongoing + queued requests) points over its look-back window.
    pub report: Vec<(SimTime, f64)>,
    /// The last decision, with its arithmetic (for the page).
    pub last: Option<Decision>,
}

impl AutoscalingState {
    pub fn new(config: AutoscalingConfig) -> AutoscalingState {
        AutoscalingState { config, policy_state: PolicyState::default(), report: Vec::new(), last: None }
    }

    /// `get_total_num_requests`: the report's step function reduced by `aggregation_function` over its window,
    /// the last point held until now (`last_window_s`, at least 1 ms).
    pub fn total_num_requests(&self, now: SimTime) -> f64 {
        let pts = &self.report;
        let Some(&(last_t, last_v)) = pts.last() else { return 0.0 };
        match self.config.aggregation_function {
            AggregationFunction::Max => pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
            AggregationFunction::Min => pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
            AggregationFunction::Mean => {
                let tail = (now.0.saturating_sub(last_t.0) as f64 / 1e6).max(1e-3);
                let mut weighted = last_v * tail;
                let mut span = tail;
                for w in pts.windows(2) {
                    let dt = (w[1].0.0 - w[0].0.0) as f64 / 1e6;
                    weighted += w[0].1 * dt;
                    span += dt;
                }
                weighted / span
            }
        }
    }
}
