//! A deployment's status (Ray 2.60, `deployment_state.py`): `check_curr_status`, the status machine fed by
//! internal triggers (`DeploymentStatusInfo.handle_transition`, `status.rs`), and the failure message that
//! `record_replica_startup_failure` writes.
use crate::model::events::EventKind;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{DeploymentStatus, DeploymentStatusInternalTrigger as Internal, handle_transition};

impl DeploymentState {
    /// Ray's `check_curr_status`: DEPLOY_FAILED once the start-up failures reach the threshold with nothing
    /// RUNNING; HEALTHY once every replica is RUNNING at the target count and nothing is in transition.
    pub(super) fn check_curr_status(&mut self, cx: &mut Ctx) {
        if self.deleting {
            return;
        }
        // Once a rolling update fails it stays failed (across controller restarts) until a new deploy.
        self.mark_rolling_update_failed_if_needed(cx);
        if self.rolling_update_failed {
            let msg = self.rolling_update_failed_message();
            if self.status != DeploymentStatus::DeployFailed {
                self.fire(Internal::RollingUpdateFailed, Some(msg), cx);
            } else if self.message != msg {
                self.message = msg;
                self.emit_status(Some(self.status), "the rolling update failed".to_string(), cx);
            }
            return;
        }
        let running = self.count(&[ReplicaState::Running]);
        let running_at_target = self.count_version(&[ReplicaState::Running], true);
        if running_at_target > 0 {
            self.replica_has_started = true;
        } else if self.replica_startup_failing() {
            let msg = format!(
                "The deployment failed to start {} times in a row. This may be due to a problem with its constructor or initial health check failing. See controller logs for details.",
                self.failure_count
            );
            self.fire(Internal::ReplicaStartupFailed, Some(msg), cx);
            return;
        }
        let transitioning = self.count(&[
            ReplicaState::Starting,
            ReplicaState::Updating,
            ReplicaState::Recovering,
            ReplicaState::Stopping,
        ]);
        if transitioning == 0
            && running_at_target == self.target
            && running_at_target == running
            && self.fire(Internal::Healthy, Some(String::new()), cx)
        {
            self.failure_count = 0;
            // The rolling update converged; later failures follow the steady-state rules again.
            self.rolling_update = false;
        }
    }

    /// `_mark_rolling_update_failed_if_needed`: a rolling update whose new version reached the failure threshold
    /// is stopped for good (checkpointed) until the next deploy.
    pub(super) fn mark_rolling_update_failed_if_needed(&mut self, cx: &mut Ctx) {
        if self.rolling_update && self.replica_startup_failing() && !self.rolling_update_failed {
            self.rolling_update_failed = true;
            cx.changed = true;
        }
    }

    /// `_rolling_update_failed_message`, with Ray's two wordings (after a controller restart the counter starts
    /// from zero but the checkpoint remembers the failure).
    fn rolling_update_failed_message(&self) -> String {
        if self.failure_count > 0 {
            format!(
                "The deployment failed to start {} times in a row during a rolling update. This may be due to a problem with its constructor, initial health check or health checks failing. The update is stopped and replicas of the previous version keep running until a new deploy. See controller logs for details.",
                self.failure_count
            )
        } else {
            "The rolling update of this deployment failed before the controller restarted: replicas of the new version repeatedly failed to start. The update is stopped and replicas of the previous version keep running until a new deploy.".to_string()
        }
    }

    /// A target-version replica failed its health check during a rolling update: it uses up one start-up failure
    /// (`_record_replica_failure`).
    pub(super) fn record_rolling_update_health_failure(&mut self, cx: &mut Ctx) {
        if self.target == 0 {
            return;
        }
        self.failure_count += 1;
        self.mark_rolling_update_failed_if_needed(cx);
    }

    /// The status message after a start-up failure (Ray's wording), linked to the failure that wrote it.
    pub(super) fn set_failure_message(&mut self, error: &str, cause: Option<u64>, cx: &mut Ctx) {
        let retry = if !self.replica_has_started || self.rolling_update {
            format!("Retrying {} more time(s).", self.failure_threshold().saturating_sub(self.failure_count))
        } else {
            "Retrying.".to_string()
        };
        let msg = if error.starts_with("Gang scheduling failed") {
            error.to_string()
        } else {
            format!("A replica failed to start with exception. {retry} {error}")
        };
        if self.message != msg && self.status != DeploymentStatus::DeployFailed {
            self.message = msg;
            self.emit_status_caused(Some(self.status), "start-up failure recorded".to_string(), cause, cx);
        }
    }

    /// Feed an internal trigger to the status machine; returns whether the status changed.
    pub fn fire(&mut self, event: Internal, message: Option<String>, cx: &mut Ctx) -> bool {
        let Some((status, trigger)) = handle_transition(self.status, self.trigger, event) else { return false };
        let from = self.status;
        self.status = status;
        self.trigger = trigger;
        if let Some(m) = message {
            self.message = m;
        }
        let why = match event {
            Internal::Healthy => "every replica is RUNNING at the target count".to_string(),
            Internal::HealthCheckFailed => "a replica's health check failed".to_string(),
            Internal::ReplicaStartupFailed => {
                format!("{} start-up failures reached the threshold {}", self.failure_count, self.failure_threshold())
            }
            Internal::Delete => "the application is being deleted".to_string(),
            Internal::RollingUpdateFailed => format!(
                "the rolling update to {} failed: {} start-up failures of the new version reached the threshold {}; the update is stopped and the old replicas keep serving",
                self.target_version().label,
                self.failure_count,
                self.failure_threshold()
            ),
            Internal::ConfigUpdate => "a new config was deployed".to_string(),
            Internal::ManuallyIncreaseNumReplicas | Internal::ManuallyDecreaseNumReplicas => {
                format!("num_replicas set to {}", self.target)
            }
            Internal::AutoscaleUp | Internal::AutoscaleDown => {
                format!("the autoscaler set the target to {} replicas", self.target)
            }
        };
        self.emit_status(Some(from), why, cx);
        true
    }

    /// Record the deployment's status (and message) as an event.
    pub(crate) fn emit_status(&self, from: Option<DeploymentStatus>, why: String, cx: &mut Ctx) {
        self.emit_status_caused(from, why, None, cx);
    }

    fn emit_status_caused(&self, from: Option<DeploymentStatus>, why: String, cause: Option<u64>, cx: &mut Ctx) {
        cx.log.push_caused(
            EventKind::DeploymentStatus {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                from,
                to: self.status,
                status_trigger: self.trigger,
                message: self.message.clone(),
            },
            format!("{} is {} ({}): {why}", self.config.label(), self.status.as_str(), self.trigger.as_str()),
            cause,
        );
    }
}
