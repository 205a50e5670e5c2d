//! Deployment and application status, and the transition table of Ray's `DeploymentStatusInfo`.
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStatus {
    Updating,
    Healthy,
    Unhealthy,
    DeployFailed,
    Upscaling,
    Downscaling,
}

/// The trigger shown to users next to the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStatusTrigger {
    Unspecified,
    ConfigUpdateStarted,
    ConfigUpdateCompleted,
    UpscaleCompleted,
    DownscaleCompleted,
    Autoscaling,
    ReplicaStartupFailed,
    HealthCheckFailed,
    InternalError,
    Deleting,
}

/// Internal events fed to the status machine (Ray's `DeploymentStatusInternalTrigger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentStatusInternalTrigger {
    Healthy,
    ConfigUpdate,
    ManuallyIncreaseNumReplicas,
    ManuallyDecreaseNumReplicas,
    /// The autoscaler raised the target (`AUTOSCALE_UP`).
    AutoscaleUp,
    /// The autoscaler lowered the target (`AUTOSCALE_DOWN`).
    AutoscaleDown,
    ReplicaStartupFailed,
    /// A rolling update reached the start-up failure threshold (`ROLLING_UPDATE_FAILED`).
    RollingUpdateFailed,
    HealthCheckFailed,
    Delete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationStatus {
    NotStarted,
    Deploying,
    Running,
    Unhealthy,
    DeployFailed,
    Deleting,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Updating => "UPDATING",
            DeploymentStatus::Healthy => "HEALTHY",
            DeploymentStatus::Unhealthy => "UNHEALTHY",
            DeploymentStatus::DeployFailed => "DEPLOY_FAILED",
            DeploymentStatus::Upscaling => "UPSCALING",
            DeploymentStatus::Downscaling => "DOWNSCALING",
        }
    }
}

impl DeploymentStatusTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatusTrigger::Unspecified => "UNSPECIFIED",
            DeploymentStatusTrigger::ConfigUpdateStarted => "CONFIG_UPDATE_STARTED",
            DeploymentStatusTrigger::ConfigUpdateCompleted => "CONFIG_UPDATE_COMPLETED",
            DeploymentStatusTrigger::UpscaleCompleted => "UPSCALE_COMPLETED",
            DeploymentStatusTrigger::DownscaleCompleted => "DOWNSCALE_COMPLETED",
            DeploymentStatusTrigger::Autoscaling => "AUTOSCALING",
            DeploymentStatusTrigger::ReplicaStartupFailed => "REPLICA_STARTUP_FAILED",
            DeploymentStatusTrigger::HealthCheckFailed => "HEALTH_CHECK_FAILED",
            DeploymentStatusTrigger::InternalError => "INTERNAL_ERROR",
            DeploymentStatusTrigger::Deleting => "DELETING",
        }
    }
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::NotStarted => "NOT_STARTED",
            ApplicationStatus::Deploying => "DEPLOYING",
            ApplicationStatus::Running => "RUNNING",
            ApplicationStatus::Unhealthy => "UNHEALTHY",
            ApplicationStatus::DeployFailed => "DEPLOY_FAILED",
            ApplicationStatus::Deleting => "DELETING",
        }
    }
}

/// Ray 2.60's `DeploymentStatusInfo.handle_transition` (errata §12): the next status and trigger, or `None`
/// when the event leaves the status as it is.
pub fn handle_transition(
    status: DeploymentStatus,
    trigger: DeploymentStatusTrigger,
    event: DeploymentStatusInternalTrigger,
) -> Option<(DeploymentStatus, DeploymentStatusTrigger)> {
    use DeploymentStatus as S;
    use DeploymentStatusInternalTrigger as E;
    use DeploymentStatusTrigger as T;
    // Deleting wins over everything until the deployment is gone.
    if event == E::Delete {
        return Some((S::Updating, T::Deleting));
    }
    if trigger == T::Deleting {
        return None;
    }
    let next = match (status, event) {
        (_, E::ConfigUpdate) => (S::Updating, T::ConfigUpdateStarted),
        // A stopped rolling update is a deployment failure whatever the current status.
        (_, E::RollingUpdateFailed) => (S::DeployFailed, T::ReplicaStartupFailed),
        (S::Updating, E::Healthy) => (S::Healthy, T::ConfigUpdateCompleted),
        (S::Upscaling, E::Healthy) => (S::Healthy, T::UpscaleCompleted),
        (S::Downscaling, E::Healthy) => (S::Healthy, T::DownscaleCompleted),
        (S::Unhealthy | S::DeployFailed, E::Healthy) => (S::Healthy, T::Unspecified),
        (S::Healthy, E::Healthy) => return None,
        (S::Updating, E::HealthCheckFailed) => (S::DeployFailed, T::HealthCheckFailed),
        (S::Updating, E::ReplicaStartupFailed) => (S::DeployFailed, T::ReplicaStartupFailed),
        (S::Healthy, E::HealthCheckFailed) => (S::Unhealthy, T::HealthCheckFailed),
        // HEALTHY ignores start-up failures (errata §12).
        (S::Healthy, E::ReplicaStartupFailed) => return None,
        (S::Upscaling | S::Downscaling, E::HealthCheckFailed) => (S::Unhealthy, T::HealthCheckFailed),
        (S::Upscaling | S::Downscaling, E::ReplicaStartupFailed) => (S::Unhealthy, T::ReplicaStartupFailed),
        (S::Unhealthy, E::HealthCheckFailed) => (S::Unhealthy, T::HealthCheckFailed),
        (S::Unhealthy, E::ReplicaStartupFailed) => (S::Unhealthy, T::ReplicaStartupFailed),
        (S::DeployFailed, E::HealthCheckFailed | E::ReplicaStartupFailed) => return None,
        (S::Healthy | S::Upscaling | S::Downscaling, E::ManuallyIncreaseNumReplicas) => {
            (S::Upscaling, T::ConfigUpdateStarted)
        }
        (S::Healthy | S::Upscaling | S::Downscaling, E::ManuallyDecreaseNumReplicas) => {
            (S::Downscaling, T::ConfigUpdateStarted)
        }
        (
            S::Unhealthy | S::DeployFailed | S::Updating,
            E::ManuallyIncreaseNumReplicas | E::ManuallyDecreaseNumReplicas,
        ) => (S::Updating, T::ConfigUpdateStarted),
        // Autoscaling moves HEALTHY and UPDATING deployments, and re-targets one already autoscaling; a manual
        // scale in progress (CONFIG_UPDATE_STARTED), UNHEALTHY and DEPLOY_FAILED keep their status.
        (S::Healthy | S::Updating, E::AutoscaleUp) => (S::Upscaling, T::Autoscaling),
        (S::Healthy | S::Updating, E::AutoscaleDown) => (S::Downscaling, T::Autoscaling),
        (S::Upscaling | S::Downscaling, E::AutoscaleUp | E::AutoscaleDown) if trigger == T::Autoscaling => {
            (if event == E::AutoscaleUp { S::Upscaling } else { S::Downscaling }, T::Autoscaling)
        }
        (_, E::AutoscaleUp | E::AutoscaleDown) => return None,
        (_, E::Delete) => unreachable!("handled above"),
    };
    // Re-targeting while autoscaling keeps the status but carries a new message.
    let autoscale = matches!(event, E::AutoscaleUp | E::AutoscaleDown);
    if next == (status, trigger) && !autoscale { None } else { Some(next) }
}

/// Application status from its deployments' statuses (Ray's `_determine_app_status`, simplified to the
/// deployment-derived part): the worst one wins.
pub fn derive_app_status(
    deleting: bool,
    statuses: &[(DeploymentStatus, DeploymentStatusTrigger)],
) -> ApplicationStatus {
    if deleting {
        return ApplicationStatus::Deleting;
    }
    if statuses.is_empty() {
        return ApplicationStatus::Running;
    }
    if statuses.iter().any(|(s, _)| *s == DeploymentStatus::DeployFailed) {
        return ApplicationStatus::DeployFailed;
    }
    let deploying = statuses.iter().any(|(s, t)| {
        *s == DeploymentStatus::Updating
            || ((*s == DeploymentStatus::Upscaling || *s == DeploymentStatus::Downscaling)
                && *t == DeploymentStatusTrigger::ConfigUpdateStarted)
    });
    if deploying {
        return ApplicationStatus::Deploying;
    }
    if statuses.iter().any(|(s, _)| *s == DeploymentStatus::Unhealthy) {
        return ApplicationStatus::Unhealthy;
    }
    ApplicationStatus::Running
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeploymentStatus as S;
    use DeploymentStatusInternalTrigger as E;
    use DeploymentStatusTrigger as T;

    #[test]
    fn transitions_follow_ray_2_60() {
        assert_eq!(
            handle_transition(S::Updating, T::ConfigUpdateStarted, E::Healthy),
            Some((S::Healthy, T::ConfigUpdateCompleted))
        );
        assert_eq!(
            handle_transition(S::Healthy, T::ConfigUpdateCompleted, E::HealthCheckFailed),
            Some((S::Unhealthy, T::HealthCheckFailed))
        );
        assert_eq!(handle_transition(S::Healthy, T::ConfigUpdateCompleted, E::ReplicaStartupFailed), None);
        assert_eq!(
            handle_transition(S::Updating, T::ConfigUpdateStarted, E::ReplicaStartupFailed),
            Some((S::DeployFailed, T::ReplicaStartupFailed))
        );
        assert_eq!(
            handle_transition(S::Unhealthy, T::HealthCheckFailed, E::Healthy),
            Some((S::Healthy, T::Unspecified))
        );
        assert_eq!(handle_transition(S::DeployFailed, T::ReplicaStartupFailed, E::HealthCheckFailed), None);
        assert_eq!(handle_transition(S::Healthy, T::Unspecified, E::Delete), Some((S::Updating, T::Deleting)));
        assert_eq!(handle_transition(S::Updating, T::Deleting, E::Healthy), None);
    }

    #[test]
    fn autoscaling_transitions_follow_ray_2_60() {
        assert_eq!(
            handle_transition(S::Healthy, T::UpscaleCompleted, E::AutoscaleUp),
            Some((S::Upscaling, T::Autoscaling))
        );
        assert_eq!(
            handle_transition(S::Upscaling, T::Autoscaling, E::AutoscaleDown),
            Some((S::Downscaling, T::Autoscaling))
        );
        assert_eq!(
            handle_transition(S::Upscaling, T::Autoscaling, E::AutoscaleUp),
            Some((S::Upscaling, T::Autoscaling))
        );
        assert_eq!(handle_transition(S::Upscaling, T::ConfigUpdateStarted, E::AutoscaleUp), None);
        assert_eq!(handle_transition(S::Unhealthy, T::HealthCheckFailed, E::AutoscaleUp), None);
        assert_eq!(handle_transition(S::DeployFailed, T::ReplicaStartupFailed, E::AutoscaleDown), None);
        assert_eq!(
            handle_transition(S::Downscaling, T::Autoscaling, E::Healthy),
            Some((S::Healthy, T::DownscaleCompleted))
        );
    }

    #[test]
    fn app_status_is_the_worst_deployment() {
        assert_eq!(
            derive_app_status(false, &[(S::Healthy, T::Unspecified), (S::Updating, T::ConfigUpdateStarted)]),
            ApplicationStatus::Deploying
        );
        assert_eq!(
            derive_app_status(false, &[(S::Healthy, T::Unspecified), (S::Unhealthy, T::HealthCheckFailed)]),
            ApplicationStatus::Unhealthy
        );
        assert_eq!(
            derive_app_status(false, &[(S::DeployFailed, T::ReplicaStartupFailed)]),
            ApplicationStatus::DeployFailed
        );
        assert_eq!(derive_app_status(true, &[]), ApplicationStatus::Deleting);
    }
}
