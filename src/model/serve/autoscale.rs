//! `DeploymentState.autoscale` (Ray 2.60, `deployment_state.py`) after `get_decision_num_replicas`
//! (`autoscaling_state.py`): the new target, UPSCALING/DOWNSCALING with the AUTOSCALING trigger, Ray's log line.
use crate::model::events::EventKind;
use crate::model::serve::autoscaling_policy::{AutoscalingContext, Decision, decide};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::DeploymentStatusInternalTrigger as Internal;

impl DeploymentState {
    /// Ray's `get_decision_num_replicas` then `DeploymentState.autoscale`, once per control loop (the application
    /// state manager's `update`, after the deployment state manager's).
    pub fn autoscale(&mut self, cx: &mut Ctx) {
        if self.deleting {
            return;
        }
        let Some(mut st) = self.autoscaling.take() else { return };
        // STEP 7's `update_running_replica_ids`: RUNNING and PENDING_MIGRATION.
        let running =
            if self.quiet { self.target } else { self.count(&[ReplicaState::Running, ReplicaState::PendingMigration]) };
        let ctx = AutoscalingContext {
            config: &st.config,
            current_num_replicas: running,
            target_num_replicas: self.target,
            total_num_requests: st.total_num_requests(cx.now()),
            now: cx.now(),
        };
        let gang = self.config.gang.as_ref().map_or(1, |g| g.gang_size);
        let decision = decide(&ctx, gang, cx.toggles.autoscaling_rounding, &mut st.policy_state);
        let new = decision.num_replicas;
        let old = self.target;
        let within_bounds = {
            let at_target = self.count_version(&[ReplicaState::Running], true);
            st.config.apply_bounds(at_target) == at_target
        };
        st.last = Some(decision.clone());
        self.autoscaling = Some(st);
        if new == old {
            return;
        }
        self.target = new;
        self.quiet = false;
        cx.changed = true;
        let why = explain(&decision, running, gang);
        cx.log.push(
            EventKind::Autoscale {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                from: old,
                to: new,
                total_num_requests: decision.total_num_requests,
            },
            format!("autoscaler set {}'s target from {old} to {new} replicas: {why}", self.config.label()),
        );
        // Only within the bounds does the status become UPSCALING/DOWNSCALING (a deployment still starting
        // towards min_replicas stays UPDATING), with Ray's log line.
        if !within_bounds {
            return;
        }
        let (event, verb) =
            if new > old { (Internal::AutoscaleUp, "Upscaling") } else { (Internal::AutoscaleDown, "Downscaling") };
        self.fire(event, Some(format!("{verb} from {old} to {new} replicas.")), cx);
    }
}

/// The decision's arithmetic in words, e.g. "14.2 ongoing + queued requests (mean over the look-back window) /
/// target_ongoing_requests 2 = 7.1 replicas; rounded up to whole gangs of 4: 8; bounds [2, 16]".
pub fn explain(d: &Decision, running: u32, gang: u32) -> String {
    let mut s = if d.cold_start {
        "cold start: requests wait at the callers and no replica runs, so scale up at once (no upscale_delay_s)"
            .to_string()
    } else {
        format!(
            "{:.1} ongoing + queued requests over {running} running replicas → {:.2} replicas wanted",
            d.total_num_requests, d.desired
        )
    };
    if d.scaled as f64 != d.desired.ceil() && !d.cold_start {
        s.push_str(&format!(" (scaling factor → {})", d.scaled));
    }
    if gang > 1 && d.gang_rounded != d.base {
        s.push_str(&format!("; {} rounded to whole gangs of {gang}: {}", d.base, d.gang_rounded));
    }
    if d.num_replicas as i64 != d.gang_rounded {
        s.push_str(&format!("; min/max bounds: {}", d.num_replicas));
    }
    s
}
