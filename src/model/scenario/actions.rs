//! Scenario actions: timestamped faults and user commands. The UI's gestures become the same actions.
use super::NodeSpec;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An action at a simulated time (`at_s`), applied in file order when times are equal.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub at_s: f64,
    pub kind: ActionKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionKind {
    /// The replica's actor process dies.
    KillReplica {
        replica: ReplicaRef,
    },
    /// Its next health checks fail (`times` checks, or until healed).
    FailHealthCheck {
        replica: ReplicaRef,
        times: Times,
    },
    /// Its health checks pass again.
    HealHealthCheck {
        replica: ReplicaRef,
    },
    /// The next `times` constructor runs of the deployment (of that gang rank, if given) raise.
    FailConstructor {
        deployment: DeploymentRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rank: Option<u32>,
        times: Times,
    },
    KillNode {
        node: String,
    },
    AddNode {
        node: NodeSpec,
    },
    /// The controller dies and comes back after `controller_restart_s`.
    KillController {},
    /// Cluster-state queries the controller makes fail for a while.
    FailGcsQueries {
        for_s: f64,
    },
    SetNumReplicas {
        deployment: DeploymentRef,
        num_replicas: i64,
    },
    DeleteApp {
        app: String,
    },
}

/// A replica, addressed the way a person sees it: gang position (oldest first) and rank, or index for a
/// non-gang deployment; `id` (8 characters) is accepted too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaRef {
    pub app: String,
    pub deployment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gang: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRef {
    pub app: String,
    pub deployment: String,
}

/// How many times a fault repeats: a count, or `"forever"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    Count(u32),
    Forever,
}

impl Serialize for Times {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Times::Count(n) => s.serialize_u32(*n),
            Times::Forever => s.serialize_str("forever"),
        }
    }
}

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::String(s) if s == "forever" => Ok(Times::Forever),
            serde_json::Value::Number(n) => match n.as_u64() {
                Some(k) if k >= 1 && k <= u32::MAX as u64 => Ok(Times::Count(k as u32)),
                _ => Err(serde::de::Error::custom(format!(
                    "expected a whole number of times (at least 1) or \"forever\", found {n}"
                ))),
            },
            other => Err(serde::de::Error::custom(format!(
                "expected a whole number of times (at least 1) or \"forever\", found {other}"
            ))),
        }
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.kind).map_err(serde::ser::Error::custom)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("at_s".to_string(), serde_json::json!(self.at_s));
        }
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v = serde_json::Value::deserialize(d)?;
        let obj = v.as_object_mut().ok_or_else(|| serde::de::Error::custom("an action must be an object"))?;
        let at = obj.remove("at_s").ok_or_else(|| serde::de::Error::missing_field("at_s"))?;
        let at_s = at
            .as_f64()
            .ok_or_else(|| serde::de::Error::custom(format!("at_s: expected a number of seconds, found {at}")))?;
        let kind = ActionKind::deserialize(v).map_err(serde::de::Error::custom)?;
        Ok(Action { at_s, kind })
    }
}

impl ActionKind {
    /// The `do` name, as the file spells it.
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::KillReplica { .. } => "kill_replica",
            ActionKind::FailHealthCheck { .. } => "fail_health_check",
            ActionKind::HealHealthCheck { .. } => "heal_health_check",
            ActionKind::FailConstructor { .. } => "fail_constructor",
            ActionKind::KillNode { .. } => "kill_node",
            ActionKind::AddNode { .. } => "add_node",
            ActionKind::KillController {} => "kill_controller",
            ActionKind::FailGcsQueries { .. } => "fail_gcs_queries",
            ActionKind::SetNumReplicas { .. } => "set_num_replicas",
            ActionKind::DeleteApp { .. } => "delete_app",
        }
    }
}
