//! Timing knobs: the file's optional seconds, and the resolved integer durations the model runs on.
use crate::model::time::SimDuration;
use serde::{Deserialize, Serialize};

/// `timing` in a scenario. Every key is optional; defaults are Ray 2.60's, or what real Ray 2.60 showed on this
/// kind of machine where Ray has no single constant (`../shared/spec/real-ray-observations.md`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingSpec {
    /// CONTROL_LOOP_INTERVAL_S.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_loop_interval_s: Option<f64>,
    /// DEFAULT_HEALTH_CHECK_PERIOD_S; each period is jittered by ×uniform(0.9, 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_period_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_timeout_s: Option<f64>,
    /// REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_failure_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graceful_shutdown_timeout_s: Option<f64>,
    /// DEFAULT_GRACEFUL_SHUTDOWN_WAIT_LOOP_S: how long an initialized replica takes to drain on a graceful stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graceful_shutdown_wait_loop_s: Option<f64>,
    /// `[min, max]`: from the actor being placed to its constructor finishing, while the cluster is cold (before the
    /// first replica of the run has finished starting; observed 2.5–3.7 s on a first deploy). Members of one gang start
    /// close together: one draw per gang plus up to 0.45 s per member (observed at most ~0.5 s apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_startup_s: Option<[f64; 2]>,
    /// The same once the cluster is warm (observed 1.3–2.1 s for a replacement gang).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_warm_startup_s: Option<[f64; 2]>,
    /// How long a recovered replica takes to answer the new controller's metadata call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_recovery_s: Option<f64>,
    /// How long a running replica's `reconfigure()` takes (a `user_config` change: the replica is UPDATING meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_reconfigure_s: Option<f64>,
    /// How long a killed controller takes to come back (observed ~0.9 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_restart_s: Option<f64>,
    /// How long until the GCS declares a killed node dead (Ray: 5 missed 3 s heartbeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_death_detection_s: Option<f64>,
    /// SLOW_STARTUP_WARNING_S (and _PERIOD_S).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_startup_warning_s: Option<f64>,
}

/// The resolved timing the model runs on.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    pub control_loop_interval: SimDuration,
    pub health_check_period: SimDuration,
    pub health_check_timeout: SimDuration,
    pub health_check_failure_threshold: u32,
    pub graceful_shutdown_timeout: SimDuration,
    pub graceful_shutdown_wait_loop: SimDuration,
    pub replica_startup_min: SimDuration,
    pub replica_startup_max: SimDuration,
    pub replica_warm_startup_min: SimDuration,
    pub replica_warm_startup_max: SimDuration,
    pub replica_recovery: SimDuration,
    pub replica_reconfigure: SimDuration,
    pub controller_restart: SimDuration,
    pub node_death_detection: SimDuration,
    pub slow_startup_warning: SimDuration,
}

impl TimingSpec {
    pub const DEFAULT_CONTROL_LOOP_INTERVAL_S: f64 = 0.1;
    pub const DEFAULT_HEALTH_CHECK_PERIOD_S: f64 = 10.0;
    pub const DEFAULT_HEALTH_CHECK_TIMEOUT_S: f64 = 30.0;
    pub const DEFAULT_HEALTH_CHECK_FAILURE_THRESHOLD: u32 = 3;
    pub const DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_S: f64 = 20.0;
    pub const DEFAULT_GRACEFUL_SHUTDOWN_WAIT_LOOP_S: f64 = 2.0;
    pub const DEFAULT_REPLICA_STARTUP_S: [f64; 2] = [2.5, 3.7];
    pub const DEFAULT_REPLICA_WARM_STARTUP_S: [f64; 2] = [1.3, 2.1];
    pub const DEFAULT_REPLICA_RECOVERY_S: f64 = 0.3;
    pub const DEFAULT_REPLICA_RECONFIGURE_S: f64 = 0.2;
    pub const DEFAULT_CONTROLLER_RESTART_S: f64 = 0.9;
    pub const DEFAULT_NODE_DEATH_DETECTION_S: f64 = 15.0;
    pub const DEFAULT_SLOW_STARTUP_WARNING_S: f64 = 30.0;

    /// Every key written out with its default where unset.
    pub fn filled(&self) -> TimingSpec {
        TimingSpec {
            control_loop_interval_s: Some(
                self.control_loop_interval_s.unwrap_or(Self::DEFAULT_CONTROL_LOOP_INTERVAL_S),
            ),
            health_check_period_s: Some(self.health_check_period_s.unwrap_or(Self::DEFAULT_HEALTH_CHECK_PERIOD_S)),
            health_check_timeout_s: Some(self.health_check_timeout_s.unwrap_or(Self::DEFAULT_HEALTH_CHECK_TIMEOUT_S)),
            health_check_failure_threshold: Some(
                self.health_check_failure_threshold.unwrap_or(Self::DEFAULT_HEALTH_CHECK_FAILURE_THRESHOLD),
            ),
            graceful_shutdown_timeout_s: Some(
                self.graceful_shutdown_timeout_s.unwrap_or(Self::DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_S),
            ),
            graceful_shutdown_wait_loop_s: Some(
                self.graceful_shutdown_wait_loop_s.unwrap_or(Self::DEFAULT_GRACEFUL_SHUTDOWN_WAIT_LOOP_S),
            ),
            replica_startup_s: Some(self.replica_startup_s.unwrap_or(Self::DEFAULT_REPLICA_STARTUP_S)),
            // A scenario that sets only `replica_startup_s` means that range for every start-up.
            replica_warm_startup_s: Some(
                self.replica_warm_startup_s.or(self.replica_startup_s).unwrap_or(Self::DEFAULT_REPLICA_WARM_STARTUP_S),
            ),
            replica_recovery_s: Some(self.replica_recovery_s.unwrap_or(Self::DEFAULT_REPLICA_RECOVERY_S)),
            replica_reconfigure_s: Some(self.replica_reconfigure_s.unwrap_or(Self::DEFAULT_REPLICA_RECONFIGURE_S)),
            controller_restart_s: Some(self.controller_restart_s.unwrap_or(Self::DEFAULT_CONTROLLER_RESTART_S)),
            node_death_detection_s: Some(self.node_death_detection_s.unwrap_or(Self::DEFAULT_NODE_DEATH_DETECTION_S)),
            slow_startup_warning_s: Some(self.slow_startup_warning_s.unwrap_or(Self::DEFAULT_SLOW_STARTUP_WARNING_S)),
        }
    }

    pub fn resolve(&self) -> Timing {
        let f = self.filled();
        let d = |v: Option<f64>| SimDuration::from_secs_f64(v.unwrap_or(0.0));
        let [lo, hi] = f.replica_startup_s.unwrap_or(Self::DEFAULT_REPLICA_STARTUP_S);
        let [wlo, whi] = f.replica_warm_startup_s.unwrap_or(Self::DEFAULT_REPLICA_WARM_STARTUP_S);
        Timing {
            // A zero interval would never advance; validation rejects it, this keeps the model safe regardless.
            control_loop_interval: SimDuration(d(f.control_loop_interval_s).0.max(1)),
            health_check_period: d(f.health_check_period_s),
            health_check_timeout: d(f.health_check_timeout_s),
            health_check_failure_threshold: f.health_check_failure_threshold.unwrap_or(3).max(1),
            graceful_shutdown_timeout: d(f.graceful_shutdown_timeout_s),
            graceful_shutdown_wait_loop: d(f.graceful_shutdown_wait_loop_s),
            replica_startup_min: SimDuration::from_secs_f64(lo.min(hi)),
            replica_startup_max: SimDuration::from_secs_f64(hi.max(lo)),
            replica_warm_startup_min: SimDuration::from_secs_f64(wlo.min(whi)),
            replica_warm_startup_max: SimDuration::from_secs_f64(whi.max(wlo)),
            replica_recovery: d(f.replica_recovery_s),
            replica_reconfigure: d(f.replica_reconfigure_s),
            controller_restart: d(f.controller_restart_s),
            node_death_detection: d(f.node_death_detection_s),
            slow_startup_warning: d(f.slow_startup_warning_s),
        }
    }
}
