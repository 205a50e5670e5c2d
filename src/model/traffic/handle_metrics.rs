//! A handle's autoscaling metrics (Ray 2.60's `RouterMetricsManager` in `serve/_private/router.py`): every
//! record interval (`min(look_back_period_s × 0.2, metrics_interval_s)`) it records the requests it has queued
//! plus those in flight at replicas; every `metrics_interval_s` it pushes the points of the last
//! `look_back_period_s` to the controller. With no replica to send to and a request waiting it pushes at once
//! (`should_send_scaled_to_zero_optimized_push`), which is how a deployment scaled to zero wakes up.
use crate::model::serve::autoscaling_config::AutoscalingConfig;
use crate::model::time::{SimDuration, SimTime};
use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq)]
pub struct HandleMetrics {
    record_interval: SimDuration,
    push_interval: SimDuration,
    look_back: SimDuration,
    points: VecDeque<(SimTime, f64)>,
    next_record: SimTime,
    next_push: SimTime,
}

impl HandleMetrics {
    pub fn new(config: &AutoscalingConfig, now: SimTime) -> HandleMetrics {
        HandleMetrics {
            record_interval: config.record_interval(),
            push_interval: SimDuration(config.metrics_interval.0.max(1)),
            look_back: config.look_back_period,
            points: VecDeque::new(),
            next_record: now.plus(config.record_interval()),
            next_push: now.plus(SimDuration(config.metrics_interval.0.max(1))),
        }
    }

    /// The next time the handle records or pushes.
    pub fn next_timer(&self) -> SimTime {
        self.next_record.min(self.next_push)
    }

    /// At `now` (a time the flow was integrated to) with `total` requests queued or in flight: record and push
    /// when due, or push at once on a cold start. Returns the report the controller receives, if pushed.
    pub fn on_time(&mut self, now: SimTime, total: f64, cold_start: bool) -> Option<Vec<(SimTime, f64)>> {
        if now >= self.next_record {
            self.points.push_back((now, total));
            while self.next_record <= now {
                self.next_record = self.next_record.plus(self.record_interval);
            }
        }
        let start = SimTime(now.0.saturating_sub(self.look_back.0));
        while self.points.front().is_some_and(|p| p.0 < start) {
            self.points.pop_front();
        }
        let due = now >= self.next_push;
        if due {
            while self.next_push <= now {
                self.next_push = self.next_push.plus(self.push_interval);
            }
        }
        if !due && !cold_start {
            return None;
        }
        // `_get_metrics_report`: the stored points, or the current value if there are none yet.
        let mut report: Vec<(SimTime, f64)> = self.points.iter().copied().collect();
        if report.is_empty() || cold_start {
            report.push((now, total));
        }
        Some(report)
    }
}
