//! Ray 2.60's default autoscaling decision, as pure functions: `replica_queue_length_autoscaling_policy`
//! (`serve/autoscaling_policy.py`) wrapped by `_apply_autoscaling_config` (cold start, scaling factors, delays),
//! then `GangSchedulingAutoscalingPolicy` (`serve/_private/gang_scheduling_autoscaling_policy.py`: round up to
//! whole gangs, keep the 1 → 0 step for `min_replicas: 0`), then `apply_bounds`
//! (`DeploymentAutoscalingState.get_decision_num_replicas`). Each function is named after Ray's and says which
//! rule it is; the [`Decision`] keeps every intermediate number so the narration can show the arithmetic.
use crate::model::serve::autoscaling_config::AutoscalingConfig;
use crate::model::serve::behaviour::AutoscalingRounding;
use crate::model::time::SimTime;

/// `_DELAY_ELAPSED_EPS_S`: tolerance of the delay comparison.
const DELAY_ELAPSED_EPS_US: u64 = 1;

/// The internal policy state Ray keeps between decisions (`SERVE_AUTOSCALING_DECISION_COUNTERS_KEY` and
/// `..._TIMESTAMP_KEY`): the direction of the consecutive decisions (>0 up, <0 down) and when they began.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyState {
    pub decision_counter: i64,
    pub decision_timestamp: Option<SimTime>,
}

/// What `AutoscalingContext` carries that the default policy reads.
#[derive(Clone, Copy, Debug)]
pub struct AutoscalingContext<'a> {
    pub config: &'a AutoscalingConfig,
    /// `current_num_replicas`: the running replicas (RUNNING and PENDING_MIGRATION) at the last broadcast.
    pub current_num_replicas: u32,
    /// `target_num_replicas`: the deployment's current target.
    pub target_num_replicas: u32,
    /// `total_num_requests`: ongoing plus queued requests, aggregated over the look-back window.
    pub total_num_requests: f64,
    pub now: SimTime,
}

/// One decision with its arithmetic.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The number of replicas decided (after gang rounding and bounds).
    pub num_replicas: u32,
    pub total_num_requests: f64,
    /// The base policy's desired count (`total / target_ongoing_requests`), before factors.
    pub desired: f64,
    /// After `_apply_scaling_factors`.
    pub scaled: i64,
    /// The base policy's result (after delays, or the cold-start fast path).
    pub base: i64,
    /// After `GangSchedulingAutoscalingPolicy` (equal to `base` without gangs).
    pub gang_rounded: i64,
    /// The cold-start fast path decided (0 replicas running, requests waiting).
    pub cold_start: bool,
    /// A change wanted but held back by a delay: (+1 up / -1 down, since when, the delay).
    pub waiting: Option<(i8, SimTime, f64)>,
}

/// `_get_cold_start_scale_up_replicas`: with no replica running and requests waiting, scale up at once to
/// `max(ceil(1 × upscaling_factor), target)`.
pub fn cold_start_scale_up_replicas(cx: &AutoscalingContext) -> Option<i64> {
    if cx.current_num_replicas == 0 && cx.total_num_requests > 0.0 {
        return Some(((cx.config.upscaling_factor).ceil() as i64).max(cx.target_num_replicas as i64));
    }
    None
}

/// `_core_replica_queue_length_policy`: enough replicas for `target_ongoing_requests` each
/// (`running × total / (target × running)`); with nothing running, the current target.
pub fn core_replica_queue_length_policy(cx: &AutoscalingContext) -> f64 {
    let running = cx.current_num_replicas as f64;
    if cx.current_num_replicas == 0 {
        return cx.target_num_replicas as f64;
    }
    let target_num_requests = cx.config.target_ongoing_requests * running;
    running * (cx.total_num_requests / target_num_requests)
}

/// `_apply_scaling_factors`: move from the current count towards the desired one by the up- or down-scaling
/// factor; from zero the factor is not applied; a downscale the factor would round away still takes one step.
pub fn apply_scaling_factors(desired: f64, current: u32, config: &AutoscalingConfig) -> i64 {
    if current == 0 {
        return desired.ceil() as i64;
    }
    let current_f = current as f64;
    let delta = desired - current_f;
    let factor = if delta > 0.0 { config.upscaling_factor } else { config.downscaling_factor };
    let mut scaled = (current_f + factor * delta).ceil() as i64;
    if (desired.ceil() as i64) < current as i64 && scaled == current as i64 {
        scaled -= 1;
    }
    scaled
}

/// `_apply_delay_logic`: a change takes effect only once the same direction has been wanted for
/// `upscale_delay_s` / `downscale_delay_s` (`downscale_to_zero_delay_s` for the 1 → 0 step), measured from the
/// first such decision; a change of direction or a decision to stay resets the clock. Downscales other than
/// 1 → 0 stop at 1.
pub fn apply_delay_logic(
    desired: i64,
    curr_target: u32,
    config: &AutoscalingConfig,
    state: &mut PolicyState,
    now: SimTime,
) -> (i64, Option<(i8, SimTime, f64)>) {
    let mut decision = curr_target as i64;
    let mut waiting = None;
    let elapsed = |since: SimTime, delay_us: u64| now.0.saturating_sub(since.0) + DELAY_ELAPSED_EPS_US >= delay_us;
    if desired > curr_target as i64 {
        if state.decision_counter < 0 {
            state.decision_counter = 0;
            state.decision_timestamp = None;
        }
        state.decision_counter += 1;
        let since = *state.decision_timestamp.get_or_insert(now);
        if elapsed(since, config.upscale_delay.0) {
            state.decision_counter = 0;
            state.decision_timestamp = None;
            decision = desired;
        } else {
            waiting = Some((1, since, config.upscale_delay.as_secs_f64()));
        }
    } else if desired < curr_target as i64 {
        if state.decision_counter > 0 {
            state.decision_counter = 0;
            state.decision_timestamp = None;
        }
        state.decision_counter -= 1;
        let to_zero = curr_target == 1;
        let (delay, desired) = if to_zero {
            (config.downscale_to_zero_delay.unwrap_or(config.downscale_delay), desired)
        } else {
            (config.downscale_delay, desired.max(1))
        };
        let since = *state.decision_timestamp.get_or_insert(now);
        if elapsed(since, delay.0) {
            state.decision_counter = 0;
            state.decision_timestamp = None;
            decision = desired;
        } else {
            waiting = Some((-1, since, delay.as_secs_f64()));
        }
    } else {
        state.decision_counter = 0;
        state.decision_timestamp = None;
    }
    (decision, waiting)
}

/// The whole decision for one deployment: Ray's default policy under `_apply_autoscaling_config`, wrapped by
/// `GangSchedulingAutoscalingPolicy` when `gang_size > 1`, then bounded by `min_replicas`/`max_replicas`.
pub fn decide(
    cx: &AutoscalingContext,
    gang_size: u32,
    rounding: AutoscalingRounding,
    state: &mut PolicyState,
) -> Decision {
    // GangSchedulingAutoscalingPolicy: show the base policy a target of 1 for the last gang, so that it can take
    // its 1 -> 0 step (with downscale_to_zero_delay_s).
    let mut base_cx = *cx;
    if gang_size > 1 && cx.config.min_replicas == 0 && cx.target_num_replicas == gang_size {
        base_cx.target_num_replicas = 1;
    }
    let mut d = Decision {
        num_replicas: 0,
        total_num_requests: cx.total_num_requests,
        desired: 0.0,
        scaled: 0,
        base: 0,
        gang_rounded: 0,
        cold_start: false,
        waiting: None,
    };
    // _apply_autoscaling_config's wrapped_policy.
    if let Some(n) = cold_start_scale_up_replicas(&base_cx) {
        d.cold_start = true;
        d.desired = n as f64;
        d.scaled = n;
        d.base = n;
    } else {
        d.desired = core_replica_queue_length_policy(&base_cx);
        d.scaled = apply_scaling_factors(d.desired, base_cx.current_num_replicas, cx.config);
        // _apply_default_params: from zero running replicas an upscale bypasses the delays.
        if base_cx.current_num_replicas == 0 && d.scaled > 0 {
            d.base = d.scaled;
        } else {
            let (n, waiting) =
                apply_delay_logic(d.scaled.max(0), base_cx.target_num_replicas, cx.config, state, cx.now);
            d.base = n;
            d.waiting = waiting;
        }
    }
    let g = gang_size as i64;
    d.gang_rounded = if gang_size <= 1 || d.base <= 0 {
        d.base
    } else if rounding == AutoscalingRounding::UpDown && d.base < cx.target_num_replicas as i64 {
        // Scaling down releases only whole gangs.
        d.base / g * g
    } else {
        (d.base + g - 1) / g * g
    };
    d.num_replicas = cx.config.apply_bounds(d.gang_rounded.clamp(0, u32::MAX as i64) as u32);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::AutoscalingConfigSpec;

    const UP: AutoscalingRounding = AutoscalingRounding::AlwaysUp;

    fn config(f: impl FnOnce(&mut AutoscalingConfigSpec)) -> AutoscalingConfig {
        let mut s = AutoscalingConfigSpec { min_replicas: Some(0), max_replicas: Some(100), ..Default::default() };
        f(&mut s);
        AutoscalingConfig::resolve(Some(&s), false)
    }

    fn cx(config: &AutoscalingConfig, running: u32, target: u32, total: f64, now_s: f64) -> AutoscalingContext<'_> {
        AutoscalingContext {
            config,
            current_num_replicas: running,
            target_num_replicas: target,
            total_num_requests: total,
            now: SimTime::from_secs_f64(now_s),
        }
    }

    #[test]
    fn desired_is_total_requests_over_target_ongoing_requests() {
        let c = config(|_| {});
        assert_eq!(core_replica_queue_length_policy(&cx(&c, 4, 4, 14.0, 0.0)), 7.0);
        assert_eq!(core_replica_queue_length_policy(&cx(&c, 0, 3, 14.0, 0.0)), 3.0);
    }

    #[test]
    fn scaling_factors_damp_the_step_and_a_stuck_downscale_still_takes_one() {
        let c = config(|s| {
            s.upscaling_factor = Some(0.5);
            s.downscaling_factor = Some(0.1);
        });
        assert_eq!(apply_scaling_factors(10.0, 4, &c), 7); // 4 + 0.5 × 6
        assert_eq!(apply_scaling_factors(3.0, 4, &c), 3); // ceil(4 - 0.1) = 4, stuck: 4 - 1
        assert_eq!(apply_scaling_factors(5.5, 0, &c), 6); // from zero: no factor
    }

    #[test]
    fn upscale_waits_for_upscale_delay_from_the_first_decision() {
        let c = config(|s| s.upscale_delay_s = Some(30.0));
        let mut st = PolicyState::default();
        let d = decide(&cx(&c, 2, 2, 8.0, 10.0), 1, UP, &mut st);
        assert_eq!((d.num_replicas, d.waiting.map(|w| w.0)), (2, Some(1)));
        assert_eq!(decide(&cx(&c, 2, 2, 8.0, 39.9), 1, UP, &mut st).num_replicas, 2);
        assert_eq!(decide(&cx(&c, 2, 2, 8.0, 40.0), 1, UP, &mut st).num_replicas, 4);
    }

    #[test]
    fn a_decision_to_stay_resets_the_delay_clock() {
        let c = config(|s| s.upscale_delay_s = Some(30.0));
        let mut st = PolicyState::default();
        decide(&cx(&c, 2, 2, 8.0, 0.0), 1, UP, &mut st);
        decide(&cx(&c, 2, 2, 4.0, 20.0), 1, UP, &mut st); // desired 2 = target: reset
        assert_eq!(decide(&cx(&c, 2, 2, 8.0, 35.0), 1, UP, &mut st).num_replicas, 2);
        assert_eq!(decide(&cx(&c, 2, 2, 8.0, 65.0), 1, UP, &mut st).num_replicas, 4);
    }

    #[test]
    fn downscale_stops_at_one_and_one_to_zero_uses_downscale_to_zero_delay() {
        let c = config(|s| {
            s.downscale_delay_s = Some(10.0);
            s.downscale_to_zero_delay_s = Some(50.0);
        });
        let mut st = PolicyState::default();
        decide(&cx(&c, 4, 4, 0.0, 0.0), 1, UP, &mut st);
        assert_eq!(decide(&cx(&c, 4, 4, 0.0, 10.0), 1, UP, &mut st).num_replicas, 1);
        let mut st = PolicyState::default();
        decide(&cx(&c, 1, 1, 0.0, 100.0), 1, UP, &mut st);
        assert_eq!(decide(&cx(&c, 1, 1, 0.0, 140.0), 1, UP, &mut st).num_replicas, 1);
        assert_eq!(decide(&cx(&c, 1, 1, 0.0, 150.0), 1, UP, &mut st).num_replicas, 0);
    }

    #[test]
    fn gang_rounding_always_rounds_up_to_whole_gangs() {
        // Spec scenario 27: gang 3, desired 5 -> 6; at 9 desired 7 -> 9 under 2.60 (always up; the spec's 6 is
        // the older up/down rounding).
        let c = config(|s| {
            s.upscale_delay_s = Some(0.0);
            s.downscale_delay_s = Some(0.0);
        });
        let mut st = PolicyState::default();
        assert_eq!(decide(&cx(&c, 3, 3, 10.0, 0.0), 3, UP, &mut st).num_replicas, 6);
        assert_eq!(decide(&cx(&c, 9, 9, 14.0, 0.0), 3, UP, &mut st).num_replicas, 9);
        assert_eq!(decide(&cx(&c, 9, 9, 12.0, 0.0), 3, UP, &mut st).num_replicas, 6);
        // The older up/down rounding (toggle autoscaling_rounding: up_down): desired 7 at 9 -> 6.
        let down = AutoscalingRounding::UpDown;
        assert_eq!(decide(&cx(&c, 9, 9, 14.0, 0.0), 3, down, &mut st).num_replicas, 6);
        assert_eq!(decide(&cx(&c, 3, 3, 10.0, 0.0), 3, down, &mut st).num_replicas, 6);
    }

    #[test]
    fn the_last_gang_can_scale_to_zero_with_min_replicas_zero() {
        let c = config(|s| {
            s.downscale_delay_s = Some(5.0);
            s.downscale_to_zero_delay_s = Some(20.0);
        });
        let mut st = PolicyState::default();
        // Target 2 = one gang of 2: the base policy sees a target of 1, so the 1 -> 0 step and its delay apply.
        let d = decide(&cx(&c, 2, 2, 0.0, 0.0), 2, UP, &mut st);
        assert_eq!((d.num_replicas, d.waiting.map(|w| w.2)), (2, Some(20.0)));
        assert_eq!(decide(&cx(&c, 2, 2, 0.0, 20.0), 2, UP, &mut st).num_replicas, 0);
        // Without min_replicas 0 the gang floor is the bound.
        let c1 = config(|s| {
            s.min_replicas = Some(2);
            s.downscale_delay_s = Some(0.0);
        });
        assert_eq!(decide(&cx(&c1, 2, 2, 0.0, 0.0), 2, UP, &mut PolicyState::default()).num_replicas, 2);
    }

    #[test]
    fn cold_start_skips_the_delay_and_rounds_to_a_gang() {
        let c = config(|s| s.upscale_delay_s = Some(300.0));
        let d = decide(&cx(&c, 0, 0, 3.0, 0.0), 4, UP, &mut PolicyState::default());
        assert!(d.cold_start);
        assert_eq!(d.num_replicas, 4);
    }

    #[test]
    fn bounds_apply_after_gang_rounding() {
        let c = config(|s| {
            s.max_replicas = Some(5);
            s.upscale_delay_s = Some(0.0);
        });
        // Python-API path: max_replicas 5 is not a multiple of 2; 2.60's bounds come after the rounding.
        assert_eq!(decide(&cx(&c, 4, 4, 20.0, 0.0), 2, UP, &mut PolicyState::default()).num_replicas, 5);
    }
}
