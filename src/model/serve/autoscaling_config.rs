//! Ray 2.60's `AutoscalingConfig` (`serve/config.py`) with its defaults, resolved from the scenario's
//! [`AutoscalingConfigSpec`]. Two sets of defaults exist in Ray: the class's own (`max_replicas` 1), used for an
//! `autoscaling_config` given with no `num_replicas`, and `AutoscalingConfig.default()` (`max_replicas` 100),
//! which `num_replicas: "auto"` merges the user's fields over (`handle_num_replicas_auto`).
use crate::model::scenario::AutoscalingConfigSpec;
use crate::model::time::SimDuration;

/// `DEFAULT_TARGET_ONGOING_REQUESTS`.
pub const DEFAULT_TARGET_ONGOING_REQUESTS: f64 = 2.0;
/// `DEFAULT_METRICS_INTERVAL_S`.
pub const DEFAULT_METRICS_INTERVAL_S: f64 = 10.0;
/// `RAY_SERVE_AUTOSCALING_METRIC_RECORD_INTERVAL_FACTOR`: a handle records a metrics point every
/// `min(look_back_period_s × 0.2, metrics_interval_s)`.
pub const METRIC_RECORD_INTERVAL_FACTOR: f64 = 0.2;
/// `DEFAULT_MAX_ONGOING_REQUESTS`.
pub const DEFAULT_MAX_ONGOING_REQUESTS: u32 = 5;

/// `AggregationFunction`: how the controller reduces the look-back window's metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregationFunction {
    Mean,
    Max,
    Min,
}

impl AggregationFunction {
    pub const ALL: [&'static str; 3] = ["mean", "max", "min"];
    pub fn parse(s: &str) -> Option<AggregationFunction> {
        match s.to_ascii_lowercase().as_str() {
            "mean" => Some(AggregationFunction::Mean),
            "max" => Some(AggregationFunction::Max),
            "min" => Some(AggregationFunction::Min),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AggregationFunction::Mean => "mean",
            AggregationFunction::Max => "max",
            AggregationFunction::Min => "min",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AutoscalingConfig {
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub initial_replicas: Option<u32>,
    pub target_ongoing_requests: f64,
    pub metrics_interval: SimDuration,
    pub look_back_period: SimDuration,
    pub upscale_delay: SimDuration,
    pub downscale_delay: SimDuration,
    pub downscale_to_zero_delay: Option<SimDuration>,
    /// `get_upscaling_factor()`: `upscaling_factor`, else the (deprecated) smoothing factor 1.0.
    pub upscaling_factor: f64,
    pub downscaling_factor: f64,
    pub aggregation_function: AggregationFunction,
}

impl AutoscalingConfig {
    /// The config Ray builds: `auto` is `num_replicas: "auto"` (merge over `AutoscalingConfig.default()`).
    /// The spec passed validation, so every value is in range.
    pub fn resolve(spec: Option<&AutoscalingConfigSpec>, auto: bool) -> AutoscalingConfig {
        let empty = AutoscalingConfigSpec::default();
        let s = spec.unwrap_or(&empty);
        let secs = |x: Option<f64>, d: f64| SimDuration::from_secs_f64(x.unwrap_or(d));
        AutoscalingConfig {
            min_replicas: s.min_replicas.unwrap_or(1) as u32,
            max_replicas: s.max_replicas.unwrap_or(if auto { 100 } else { 1 }) as u32,
            initial_replicas: s.initial_replicas.map(|n| n as u32),
            target_ongoing_requests: s.target_ongoing_requests.unwrap_or(DEFAULT_TARGET_ONGOING_REQUESTS),
            metrics_interval: secs(s.metrics_interval_s, DEFAULT_METRICS_INTERVAL_S),
            look_back_period: secs(s.look_back_period_s, 30.0),
            upscale_delay: secs(s.upscale_delay_s, 30.0),
            downscale_delay: secs(s.downscale_delay_s, 600.0),
            downscale_to_zero_delay: s.downscale_to_zero_delay_s.map(SimDuration::from_secs_f64),
            upscaling_factor: s.upscaling_factor.unwrap_or(1.0),
            downscaling_factor: s.downscaling_factor.unwrap_or(1.0),
            aggregation_function: s
                .aggregation_function
                .as_deref()
                .and_then(AggregationFunction::parse)
                .unwrap_or(AggregationFunction::Mean),
        }
    }

    /// How often a handle records a metrics point (the router's `RECORD_METRICS_TASK` period).
    pub fn record_interval(&self) -> SimDuration {
        let by_look_back =
            SimDuration::from_secs_f64(self.look_back_period.as_secs_f64() * METRIC_RECORD_INTERVAL_FACTOR);
        SimDuration(by_look_back.0.min(self.metrics_interval.0).max(1))
    }

    /// `apply_bounds` (no `target_capacity`, which the model does not have).
    pub fn apply_bounds(&self, n: u32) -> u32 {
        n.min(self.max_replicas).max(self.min_replicas)
    }
}
