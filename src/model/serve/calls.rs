//! The calls a user makes to the Serve controller (Ray 2.60, `serve/_private/controller.py`): scaling a deployment
//! (a redeploy with a new `num_replicas`: `DeploymentState.deploy` → `_set_target_state`) and deleting an
//! application (`delete_apps` → `ApplicationState.delete` → `DeploymentState.delete`).
//!
//! The controller actor is created with `max_task_retries=-1` (`serve/_private/default_impl.py`), so a call made
//! while it is dead is not lost: the caller's task waits and is retried against the restarted actor, which serves it
//! after its constructor (recovery from the checkpoint) and before its control loop has finished recovering
//! (observed: "Deleting app" logged before "Finished recovering deployments"). The model queues such calls on the
//! controller and serves them, in order, right after the restart.
use crate::model::scenario::ActionKind;
use crate::model::serve::controller::ServeController;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::status::DeploymentStatusInternalTrigger as Internal;
use crate::model::time::SimDuration;

/// A call made while the controller was down, waiting for the restarted controller.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedCall {
    pub kind: ActionKind,
    /// The event that recorded the call being queued.
    pub queued_event: u64,
}

/// What a call did: (what it targets, a sentence), or why it was refused.
pub type CallResult = Result<(Option<String>, String), String>;

impl ActionKind {
    /// A call in a few words: `delete_app gone`, `set_num_replicas app/dep → 4`.
    pub fn describe_call(&self) -> String {
        match self {
            ActionKind::SetNumReplicas { deployment, num_replicas } => {
                format!("set_num_replicas {}/{} → {num_replicas}", deployment.app, deployment.deployment)
            }
            ActionKind::DeleteApp { app } => format!("delete_app {app}"),
            ActionKind::DeployVersion { deployment, version, .. } => format!(
                "deploy_version {}/{}{}",
                deployment.app,
                deployment.deployment,
                version.as_ref().map(|v| format!(" → {v}")).unwrap_or_default()
            ),
            other => other.name().to_string(),
        }
    }
}

/// A replica count Ray accepts for this deployment: at least 1 and, for a gang deployment, whole gangs.
fn valid_target(d: &DeploymentState, n: i64) -> Result<u32, String> {
    if d.autoscaling.is_some() {
        return Err("Manually setting num_replicas is not allowed when autoscaling_config is provided.".to_string());
    }
    // Ray refuses 0 (`PositiveInt`); scaling to zero is autoscaling's business (`min_replicas: 0`).
    let n =
        u32::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| format!("num_replicas ({n}) must be at least 1"))?;
    if let Some(g) = &d.config.gang
        && !n.is_multiple_of(g.gang_size)
    {
        return Err(format!("num_replicas ({n}) must be a multiple of gang_size ({})", g.gang_size));
    }
    Ok(n)
}

impl ServeController {
    /// Serve a controller call now. The controller must be alive (see [`QueuedCall`]).
    pub fn serve_call(&mut self, kind: &ActionKind, cx: &mut Ctx) -> CallResult {
        debug_assert!(self.alive, "calls are queued while the controller is down");
        match kind {
            ActionKind::SetNumReplicas { deployment, num_replicas } => {
                self.set_target_num_replicas(&deployment.app, &deployment.deployment, *num_replicas, cx)
            }
            ActionKind::DeleteApp { app } => self.delete_app(app, cx),
            ActionKind::DeployVersion { .. } => self.deploy_version(kind, cx),
            other => Err(format!("{} is not a call to the Serve controller", other.name())),
        }
    }

    /// A redeploy that changes only `num_replicas` (a lightweight config change: no replica restarts).
    fn set_target_num_replicas(&mut self, app: &str, dep: &str, n: i64, cx: &mut Ctx) -> CallResult {
        let Some(d) = self.deployments.iter_mut().find(|d| d.config.app == app && d.config.name == dep && !d.deleting)
        else {
            return Err(format!("deployment {app}/{dep} does not exist"));
        };
        let n = valid_target(d, n)?;
        let old = d.target;
        if old == n {
            return Err(format!("{app}/{dep} already targets {n} replicas"));
        }
        let config = d.config.clone();
        d.deploy(config, n, cx)?;
        self.update_app_statuses(cx);
        self.dirty = true;
        Ok((Some(format!("{app}/{dep}")), format!("num_replicas of {app}/{dep} set from {old} to {n}")))
    }

    /// A redeploy with changed options (`deploy_version`): options left out keep their current value.
    fn deploy_version(&mut self, kind: &ActionKind, cx: &mut Ctx) -> CallResult {
        let ActionKind::DeployVersion {
            deployment,
            graceful_shutdown_timeout_s,
            health_check_period_s,
            max_surge_percent,
            num_replicas,
            ray_actor_options,
            rolling_update_percentage,
            user_config,
            version,
        } = kind
        else {
            unreachable!("deploy_version")
        };
        let (app, dep) = (&deployment.app, &deployment.deployment);
        let Some(d) =
            self.deployments.iter_mut().find(|d| d.config.app == *app && d.config.name == *dep && !d.deleting)
        else {
            return Err(format!("deployment {app}/{dep} does not exist"));
        };
        let target = match num_replicas {
            Some(n) => valid_target(d, *n)?,
            None => d.target,
        };
        let mut c = d.config.clone();
        if let Some(v) = version {
            c.code_version = v.clone();
        }
        if let Some(u) = user_config {
            c.user_config = (!u.is_null()).then(|| u.to_string());
        }
        if let Some(o) = ray_actor_options {
            c.actor_resources = o.resource_dict();
        }
        if let Some(p) = rolling_update_percentage {
            c.rolling_update_percentage = *p;
        }
        if let Some(p) = max_surge_percent {
            c.max_surge_percent = (*p).clamp(0, 100) as u32;
        }
        if let Some(s) = health_check_period_s {
            c.health_check_period = SimDuration::from_secs_f64(*s);
        }
        if let Some(s) = graceful_shutdown_timeout_s {
            c.graceful_shutdown_timeout = SimDuration::from_secs_f64(*s);
        }
        // An autoscaled deployment is registered again (`DeploymentAutoscalingState.register`): a changed config
        // starts from initial_replicas if set, else keeps its target; bounds apply; the policy state starts afresh.
        let target = match &d.autoscaling {
            Some(a) if num_replicas.is_none() => {
                let changed = c != d.config;
                a.config.apply_bounds(if changed { a.config.initial_replicas.unwrap_or(target) } else { target })
            }
            _ => target,
        };
        let text = d.deploy(c, target, cx)?;
        if let Some(a) = &mut d.autoscaling {
            a.policy_state = Default::default();
        }
        self.update_app_statuses(cx);
        self.dirty = true;
        Ok((Some(format!("{app}/{dep}")), text))
    }

    /// `serve.delete`: every deployment of the application targets 0 replicas and is removed once empty.
    fn delete_app(&mut self, app: &str, cx: &mut Ctx) -> CallResult {
        let Some(ai) = self.apps.iter().position(|a| a.name == app) else {
            return Err(format!("application {app} does not exist"));
        };
        if self.apps[ai].deleting {
            return Err(format!("application {app} is already being deleted"));
        }
        self.apps[ai].deleting = true;
        for d in self.deployments.iter_mut().filter(|d| d.config.app == app) {
            d.deleting = true;
            d.quiet = false;
            d.target = 0;
            d.fire(Internal::Delete, None, cx);
        }
        self.update_app_statuses(cx);
        self.dirty = true;
        Ok((Some(app.to_string()), format!("application {app} is being deleted: its target becomes 0")))
    }
}
