//! The public scenario format `gangplank.scenario/v1` (see `../shared/spec/scenario-format.md`).
//!
//! These are the file's own types, with Ray's field names. Enum-like fields stay strings here so that
//! [`validate`] can reject bad values with Ray's own wording and the field path; [`crate::model::Simulation`]
//! only ever sees a scenario that passed validation.
//!
//! Files by job: `parse.rs` reads the text (with `field_path.rs` for where an error is), `validate.rs` applies the
//! rules, both report [`ScenarioError`]s (`error.rs`) in the words of `messages.rs`; `actions.rs` holds the action
//! kinds and their one table of fields.
mod actions;
mod autoscaling;
mod error;
pub(crate) mod field_path;
mod messages;
mod parse;
mod timing;
mod traffic;
mod validate;
mod validate_load;

pub use actions::{Action, ActionKind, DeploymentRef, ReplicaRef, Times, VARIANTS as ACTION_TAGS};
pub use autoscaling::{AutoscalingConfigSpec, NumReplicas};
pub use error::ScenarioError;
pub use messages::{describe, did_you_mean};
pub use parse::{parse_scenario, syntax_error};
pub use timing::{Timing, TimingSpec};
pub use traffic::{LOAD_SHAPES, LoadComponent, LoadStep, ServiceTimeSpec, TrafficSpec};
pub use validate::validate;

use crate::model::resources::Resources;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCENARIO_FORMAT: &str = "gangplank.scenario/v1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub format: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Shown by the app next to a preset: what to look at while it plays.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub what_to_watch: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default = "default_until_s")]
    pub until_s: f64,
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub timing: TimingSpec,
    #[serde(default)]
    pub toggles: Toggles,
    #[serde(default)]
    pub applications: Vec<ApplicationSpec>,
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Offered load per deployment (requests per second over time, and how long a request takes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<TrafficSpec>,
    /// Which of Ray's two validation paths the deployments take: `"python_api"` (default: `@serve.deployment` /
    /// `.options()`, whose `DeploymentConfig` skips the gang-multiple check under autoscaling) or `"config_file"`
    /// (`serve deploy`'s schema, which requires `min_replicas`, `max_replicas` and `initial_replicas`, where set,
    /// to be multiples of `gang_size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<String>,
    /// Reserved for extensions; never interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<serde_json::Value>,
}

fn default_until_s() -> f64 {
    120.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default)]
    pub head: HeadSpec,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadSpec {
    /// Defaults to `"head"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub id: String,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSpec {
    pub name: String,
    #[serde(default)]
    pub deployments: Vec<DeploymentSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub name: String,
    /// A count, or `"auto"`; left out: 1, or under `autoscaling_config` the autoscaler's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_replicas: Option<NumReplicas>,
    #[serde(default)]
    pub ray_actor_options: RayActorOptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_group_bundles: Option<Vec<Resources>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_group_strategy: Option<String>,
    /// One label selector per bundle of `placement_group_bundles` (Ray: `placement_group_bundle_label_selector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_group_bundle_label_selector: Option<Vec<BTreeMap<String, String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas_per_node: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gang_scheduling_config: Option<GangSchedulingConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_constructor_retry_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_period_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_timeout_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graceful_shutdown_timeout_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graceful_shutdown_wait_loop_s: Option<f64>,
    /// Ray's `version`: the code version. Changing it restarts every replica (a rolling update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `user_config`: any JSON; changing it reconfigures running replicas in place (UPDATING).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<serde_json::Value>,
    /// `rolling_update_percentage` (Ray's default 0.2, in (0, 1]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update_percentage: Option<f64>,
    /// `max_surge_percent` (Ray's default 0, 0..=100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge_percent: Option<i64>,
    /// `max_ongoing_requests` (Ray's default 5): requests one replica runs at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ongoing_requests: Option<i64>,
    /// `max_queued_requests` (Ray's default -1, no limit): requests a caller queues before it rejects more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_queued_requests: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling_config: Option<AutoscalingConfigSpec>,
}

impl DeploymentSpec {
    /// Ray's `is_autoscaling_configured`: `num_replicas: "auto"` or an `autoscaling_config`.
    pub fn autoscaling(&self) -> bool {
        self.num_replicas == Some(NumReplicas::Auto) || self.autoscaling_config.is_some()
    }

    /// The fixed replica count (1 if left out), or `None` under autoscaling.
    pub fn fixed_replicas(&self) -> Option<i64> {
        match self.num_replicas {
            Some(NumReplicas::Fixed(n)) => Some(n),
            Some(NumReplicas::Auto) => None,
            None if self.autoscaling_config.is_some() => None,
            None => Some(1),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RayActorOptions {
    /// Ray Serve's default is 1 CPU per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_cpus: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_gpus: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<f64>,
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
}

impl RayActorOptions {
    /// The replica actor's resource dict, as Ray builds it (`num_cpus` defaults to 1).
    pub fn resource_dict(&self) -> Resources {
        let mut r = Resources::new();
        r.set("CPU", self.num_cpus.unwrap_or(1.0));
        if let Some(g) = self.num_gpus {
            r.set("GPU", g);
        }
        if let Some(m) = self.memory {
            r.set("memory", m);
        }
        for (k, v) in &self.resources.0 {
            if *v != 0 {
                r.0.insert(k.clone(), *v);
            }
        }
        r
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GangSchedulingConfig {
    pub gang_size: i64,
    #[serde(default = "default_gang_strategy")]
    pub gang_placement_strategy: String,
    #[serde(default = "default_failure_policy")]
    pub runtime_failure_policy: String,
}

fn default_gang_strategy() -> String {
    "PACK".to_string()
}
fn default_failure_policy() -> String {
    "RESTART_GANG".to_string()
}

/// Named switches for behaviour that changed across Ray versions or is a known 2.60 bug. The defaults are Ray
/// 2.60's released behaviour; each alternative is documented where it is used. The values stay strings here so that
/// validation can name a bad one; a run resolves them once into the typed
/// [`Behaviour`](crate::model::serve::behaviour::Behaviour) ([`Toggles::resolve`]), whose enums' `ALL` are the values
/// validation allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Toggles {
    /// `"last_member"` (2.60, #66221): the gang PG goes when every member has left. `"first_member"`: the
    /// pre-#66221 behaviour, where the first member to finish stopping removes it and kills stragglers.
    pub gang_pg_removal: String,
    /// `"per_gang"` (2.60): a gang's start-up failure counts once. `"per_replica"`: the earlier count.
    pub startup_failure_counting: String,
    /// false (2.60): the start-up sibling sweep misses PENDING_MIGRATION members (review bug on #61206).
    /// true: the "fixed" sweep that #61217 proposed.
    pub sweep_pending_migration: bool,
    /// true (2.60): every tick, a RUNNING member whose gang lists a replica the controller no longer tracks
    /// tears its gang down. false: only unhealthy members trigger RESTART_GANG.
    pub incomplete_gang_teardown: bool,
    /// `"at_controller_start"` (2.60): leaked gang PGs are looked for once, when a controller starts.
    /// `"periodic"`: every control-loop tick, as Ray's docs describe it (not what 2.60's code does). With it, the
    /// 2.60 leak of a recovered gang whose members were all unrecoverable (errata §8) is cleaned up at once.
    pub leak_detection: String,
    /// `"per_replica"` (2.60): routers send requests to every RUNNING replica, so a gang serves as soon as its
    /// first members are up (#61610). `"whole_gang"`: only gangs whose every member is RUNNING serve (#61804's
    /// proposal, closed unmerged).
    pub gang_serving: String,
    /// `"always_up"` (2.60): the autoscaler rounds a decision up to whole gangs. `"up_down"`: up when scaling up,
    /// down when scaling down (#61467 as first merged; what Ray's docs still say).
    pub autoscaling_rounding: String,
}

impl Default for Toggles {
    fn default() -> Self {
        Toggles {
            gang_pg_removal: "last_member".to_string(),
            startup_failure_counting: "per_gang".to_string(),
            sweep_pending_migration: false,
            incomplete_gang_teardown: true,
            leak_detection: "at_controller_start".to_string(),
            gang_serving: "per_replica".to_string(),
            autoscaling_rounding: "always_up".to_string(),
        }
    }
}

impl Scenario {
    /// The scenario with every default written out, as a trace records it.
    pub fn normalised(&self) -> Scenario {
        let mut s = self.clone();
        s.timing = self.timing.filled();
        if s.cluster.head.id.is_none() {
            s.cluster.head.id = Some("head".to_string());
        }
        for app in &mut s.applications {
            for d in &mut app.deployments {
                if d.ray_actor_options.num_cpus.is_none() {
                    d.ray_actor_options.num_cpus = Some(1.0);
                }
                if d.max_constructor_retry_count.is_none() {
                    d.max_constructor_retry_count = Some(20);
                }
            }
        }
        s
    }

    pub fn head_id(&self) -> String {
        self.cluster.head.id.clone().unwrap_or_else(|| "head".to_string())
    }
}
