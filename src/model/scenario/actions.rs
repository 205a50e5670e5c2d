//! Scenario actions: timestamped faults and user commands. The UI's gestures become the same actions.
use super::messages::unexpected;
use super::{LoadComponent, NodeSpec, RayActorOptions, ServiceTimeSpec};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An action at a simulated time (`at_s`), applied in file order when times are equal.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub at_s: f64,
    pub kind: ActionKind,
}

/// Serialized by serde's derive (internally tagged by `do`); deserialized by hand in [`ActionKind::from_value`]
/// with the same results and messages as the derive, whose buffering through serde's `Content` cost ~20 KB of wasm.
/// (The derive also read a JSON array positionally, `["kill_node", "w1"]`; no caller passes one, and it is refused.)
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// Redeploy the deployment with changed options (`serve deploy` / `serve.run` of a new config): a new
    /// `version` or restart-requiring option starts a rolling update; `user_config` reconfigures in place; left-out
    /// options keep their current value.
    DeployVersion {
        deployment: DeploymentRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        graceful_shutdown_timeout_s: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        health_check_period_s: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_surge_percent: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_replicas: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ray_actor_options: Option<RayActorOptions>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rolling_update_percentage: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_config: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
    },
    /// Ray's DrainNode: `reason` DRAIN_NODE_REASON_PREEMPTION (default) or DRAIN_NODE_REASON_IDLE_TERMINATION, an
    /// optional message, and an optional deadline in seconds from now at which the node is force-killed.
    DrainNode {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_s: Option<f64>,
        node: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_message: Option<String>,
    },
    /// From now on the callers offer this load to the deployment (its shapes' times are scenario times), and, if
    /// given, requests take this long.
    SetTraffic {
        deployment: DeploymentRef,
        load: Vec<LoadComponent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service_time_s: Option<ServiceTimeSpec>,
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

impl Times {
    /// Use up one repetition: false when none is left (a count of 0); `Forever` never runs out.
    pub fn take_one(&mut self) -> bool {
        match self {
            Times::Forever => true,
            Times::Count(0) => false,
            Times::Count(n) => {
                *n -= 1;
                true
            }
        }
    }

    /// No repetition is left.
    pub fn is_spent(self) -> bool {
        self == Times::Count(0)
    }
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
        let kind = ActionKind::from_value(v).map_err(serde::de::Error::custom)?;
        Ok(Action { at_s, kind })
    }
}

impl<'de> Deserialize<'de> for ActionKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ActionKind::from_value(Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// One action kind as the file spells it: its `do` tag and its fields (name, required), in declaration order.
pub(crate) struct ActionKindSpec {
    pub tag: &'static str,
    pub fields: &'static [(&'static str, bool)],
}

/// Every action kind: the one list that both [`ActionKind::from_value`] and the scenario parser (which checks each
/// field on its own, for its path) read. In each kind, declaration order is alphabetical (see [`Fields`]).
pub(crate) const ACTION_KINDS: &[ActionKindSpec] = &[
    ActionKindSpec { tag: "kill_replica", fields: &[("replica", true)] },
    ActionKindSpec { tag: "fail_health_check", fields: &[("replica", true), ("times", true)] },
    ActionKindSpec { tag: "heal_health_check", fields: &[("replica", true)] },
    ActionKindSpec { tag: "fail_constructor", fields: &[("deployment", true), ("rank", false), ("times", true)] },
    ActionKindSpec { tag: "kill_node", fields: &[("node", true)] },
    ActionKindSpec { tag: "add_node", fields: &[("node", true)] },
    ActionKindSpec { tag: "kill_controller", fields: &[] },
    ActionKindSpec { tag: "fail_gcs_queries", fields: &[("for_s", true)] },
    ActionKindSpec { tag: "set_num_replicas", fields: &[("deployment", true), ("num_replicas", true)] },
    ActionKindSpec { tag: "delete_app", fields: &[("app", true)] },
    ActionKindSpec {
        tag: "deploy_version",
        fields: &[
            ("deployment", true),
            ("graceful_shutdown_timeout_s", false),
            ("health_check_period_s", false),
            ("max_surge_percent", false),
            ("num_replicas", false),
            ("ray_actor_options", false),
            ("rolling_update_percentage", false),
            ("user_config", false),
            ("version", false),
        ],
    },
    ActionKindSpec {
        tag: "drain_node",
        fields: &[("deadline_s", false), ("node", true), ("reason", false), ("reason_message", false)],
    },
    ActionKindSpec { tag: "set_traffic", fields: &[("deployment", true), ("load", true), ("service_time_s", false)] },
];

/// The `do` tags of [`ACTION_KINDS`], in order, as serde's "unknown variant" message wants them (a `'static`
/// slice of names; a test checks it against the table and [`ActionKind::name`]).
pub const VARIANTS: &[&str] = &[
    "kill_replica",
    "fail_health_check",
    "heal_health_check",
    "fail_constructor",
    "kill_node",
    "add_node",
    "kill_controller",
    "fail_gcs_queries",
    "set_num_replicas",
    "delete_app",
    "deploy_version",
    "drain_node",
    "set_traffic",
];

/// One struct variant's fields, read the way serde's derive reads them (with `deny_unknown_fields`): entries in
/// map order (keys are sorted), the first unknown field or bad value is the error; after all entries, the first
/// missing required field in declaration order. (In every variant, declaration order is alphabetical, so calling
/// [`Fields::get`] in declaration order visits the present fields in map order.)
struct Fields {
    values: Vec<Option<Value>>,
    fields: &'static [(&'static str, bool)],
    /// The first key (in map order) that is not a field of this variant.
    unknown: Option<String>,
}

impl Fields {
    fn read(map: Map<String, Value>, fields: &'static [(&'static str, bool)]) -> Fields {
        let mut values = vec![None; fields.len()];
        let mut unknown = None;
        for (key, value) in map {
            match fields.iter().position(|(n, _)| *n == key) {
                Some(i) => values[i] = Some(value),
                None if unknown.is_none() => unknown = Some(key),
                None => {}
            }
        }
        Fields { values, fields, unknown }
    }

    /// serde's `unknown_field` message (which wants a `'static` list of names, so it is written out here).
    fn unknown_error(&self) -> Result<(), serde_json::Error> {
        let Some(key) = &self.unknown else { return Ok(()) };
        let names: Vec<String> = self.fields.iter().map(|(n, _)| format!("`{n}`")).collect();
        Err(serde_json::Error::custom(match names.as_slice() {
            [] => format!("unknown field `{key}`, there are no fields"),
            [one] => format!("unknown field `{key}`, expected {one}"),
            [a, b] => format!("unknown field `{key}`, expected {a} or {b}"),
            _ => format!("unknown field `{key}`, expected one of {}", names.join(", ")),
        }))
    }

    fn index(&self, name: &str) -> usize {
        self.fields.iter().position(|(n, _)| *n == name).expect("a field of this action kind")
    }

    /// Field `name` if present, deserialized (unless an unknown field comes before it in map order).
    fn get<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, serde_json::Error> {
        let i = self.index(name);
        let Some(v) = self.values[i].take() else { return Ok(None) };
        if self.unknown.as_deref().is_some_and(|u| u < self.fields[i].0) {
            self.unknown_error()?;
        }
        T::deserialize(v).map(Some)
    }

    /// After every field was read: the unknown field, if any, then the required field `name` if missing.
    fn required<T>(&self, value: Option<T>, name: &str) -> Result<T, serde_json::Error> {
        self.unknown_error()?;
        value.ok_or_else(|| serde_json::Error::missing_field(self.fields[self.index(name)].0))
    }
}

impl ActionKind {
    /// Read an action kind from a JSON object with a `do` tag (and no `at_s`). The values and messages are
    /// those of serde's derive for `#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]`.
    pub fn from_value(v: Value) -> Result<ActionKind, serde_json::Error> {
        let Value::Object(mut map) = v else {
            return Err(serde_json::Error::invalid_type(unexpected(&v), &"internally tagged enum ActionKind"));
        };
        let tag = match map.remove("do") {
            None => return Err(serde_json::Error::missing_field("do")),
            Some(Value::String(tag)) => tag,
            Some(other) => return Err(serde_json::Error::invalid_type(unexpected(&other), &"variant identifier")),
        };
        let Some(spec) = ACTION_KINDS.iter().find(|k| k.tag == tag) else {
            return Err(serde_json::Error::unknown_variant(&tag, VARIANTS));
        };
        // Unknown fields and bad values are found in map order, as the derive does, before missing fields.
        let mut f = Fields::read(map, spec.fields);
        Ok(match spec.tag {
            "kill_replica" => {
                let replica = f.get("replica")?;
                ActionKind::KillReplica { replica: f.required(replica, "replica")? }
            }
            "fail_health_check" => {
                let (replica, times) = (f.get("replica")?, f.get("times")?);
                ActionKind::FailHealthCheck {
                    replica: f.required(replica, "replica")?,
                    times: f.required(times, "times")?,
                }
            }
            "heal_health_check" => {
                let replica = f.get("replica")?;
                ActionKind::HealHealthCheck { replica: f.required(replica, "replica")? }
            }
            "fail_constructor" => {
                let (deployment, rank, times) = (f.get("deployment")?, f.get::<Option<u32>>("rank")?, f.get("times")?);
                f.unknown_error()?;
                ActionKind::FailConstructor {
                    deployment: f.required(deployment, "deployment")?,
                    rank: rank.flatten(),
                    times: f.required(times, "times")?,
                }
            }
            "kill_node" => {
                let node = f.get("node")?;
                ActionKind::KillNode { node: f.required(node, "node")? }
            }
            "add_node" => {
                let node = f.get("node")?;
                ActionKind::AddNode { node: f.required(node, "node")? }
            }
            "kill_controller" => {
                f.unknown_error()?;
                ActionKind::KillController {}
            }
            "fail_gcs_queries" => {
                let for_s = f.get("for_s")?;
                ActionKind::FailGcsQueries { for_s: f.required(for_s, "for_s")? }
            }
            "set_num_replicas" => {
                let (deployment, num_replicas) = (f.get("deployment")?, f.get("num_replicas")?);
                ActionKind::SetNumReplicas {
                    deployment: f.required(deployment, "deployment")?,
                    num_replicas: f.required(num_replicas, "num_replicas")?,
                }
            }
            "delete_app" => {
                let app = f.get("app")?;
                ActionKind::DeleteApp { app: f.required(app, "app")? }
            }
            "deploy_version" => {
                let deployment = f.get("deployment")?;
                let graceful_shutdown_timeout_s = f.get::<Option<f64>>("graceful_shutdown_timeout_s")?.flatten();
                let health_check_period_s = f.get::<Option<f64>>("health_check_period_s")?.flatten();
                let max_surge_percent = f.get::<Option<i64>>("max_surge_percent")?.flatten();
                let num_replicas = f.get::<Option<i64>>("num_replicas")?.flatten();
                let ray_actor_options = f.get::<Option<RayActorOptions>>("ray_actor_options")?.flatten();
                let rolling_update_percentage = f.get::<Option<f64>>("rolling_update_percentage")?.flatten();
                let user_config = f.get::<Value>("user_config")?;
                let version = f.get::<Option<String>>("version")?.flatten();
                ActionKind::DeployVersion {
                    deployment: f.required(deployment, "deployment")?,
                    graceful_shutdown_timeout_s,
                    health_check_period_s,
                    max_surge_percent,
                    num_replicas,
                    ray_actor_options,
                    rolling_update_percentage,
                    user_config,
                    version,
                }
            }
            "drain_node" => {
                let deadline_s = f.get::<Option<f64>>("deadline_s")?.flatten();
                let node = f.get("node")?;
                let reason = f.get::<Option<String>>("reason")?.flatten();
                let reason_message = f.get::<Option<String>>("reason_message")?.flatten();
                ActionKind::DrainNode { deadline_s, node: f.required(node, "node")?, reason, reason_message }
            }
            "set_traffic" => {
                let deployment = f.get("deployment")?;
                let load = f.get("load")?;
                let service_time_s = f.get::<Option<ServiceTimeSpec>>("service_time_s")?.flatten();
                ActionKind::SetTraffic {
                    deployment: f.required(deployment, "deployment")?,
                    load: f.required(load, "load")?,
                    service_time_s,
                }
            }
            other => unreachable!("action kind `{other}` is in ACTION_KINDS but has no arm here"),
        })
    }

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
            ActionKind::DeployVersion { .. } => "deploy_version",
            ActionKind::DrainNode { .. } => "drain_node",
            ActionKind::SetTraffic { .. } => "set_traffic",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The derive that `ActionKind::from_value` replaces, kept to check that both agree on values and messages.
    mod derived {
        use super::super::{DeploymentRef, NodeSpec, RayActorOptions, ReplicaRef, Times};
        use serde::Deserialize;

        #[allow(dead_code)] // read through Debug only
        #[derive(Debug, Deserialize)]
        #[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
        pub enum ActionKind {
            KillReplica {
                replica: ReplicaRef,
            },
            FailHealthCheck {
                replica: ReplicaRef,
                times: Times,
            },
            HealHealthCheck {
                replica: ReplicaRef,
            },
            FailConstructor {
                deployment: DeploymentRef,
                #[serde(default)]
                rank: Option<u32>,
                times: Times,
            },
            KillNode {
                node: String,
            },
            AddNode {
                node: NodeSpec,
            },
            KillController {},
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
            DeployVersion {
                deployment: DeploymentRef,
                #[serde(default)]
                graceful_shutdown_timeout_s: Option<f64>,
                #[serde(default)]
                health_check_period_s: Option<f64>,
                #[serde(default)]
                max_surge_percent: Option<i64>,
                #[serde(default)]
                num_replicas: Option<i64>,
                #[serde(default)]
                ray_actor_options: Option<RayActorOptions>,
                #[serde(default)]
                rolling_update_percentage: Option<f64>,
                #[serde(default)]
                user_config: Option<serde_json::Value>,
                #[serde(default)]
                version: Option<String>,
            },
            DrainNode {
                #[serde(default)]
                deadline_s: Option<f64>,
                node: String,
                #[serde(default)]
                reason: Option<String>,
                #[serde(default)]
                reason_message: Option<String>,
            },
            SetTraffic {
                deployment: DeploymentRef,
                load: Vec<crate::model::scenario::LoadComponent>,
                #[serde(default)]
                service_time_s: Option<crate::model::scenario::ServiceTimeSpec>,
            },
        }
    }

    #[test]
    fn hand_written_deserializer_agrees_with_the_derive() {
        let good: &[(&str, Value)] = &[
            ("replica", json!({"app": "a", "deployment": "d", "gang": 0, "rank": 1})),
            ("times", json!(3)),
            ("deployment", json!({"app": "a", "deployment": "d"})),
            ("rank", json!(2)),
            ("node", json!("w1")),
            ("for_s", json!(2.5)),
            ("num_replicas", json!(4)),
            ("app", json!("a")),
            ("load", json!([{"shape": "constant", "rps": 5}])),
            ("service_time_s", json!({"mean": 0.2})),
        ];
        let odd = [
            json!(null),
            json!(true),
            json!(-1),
            json!(1.5),
            json!(u64::MAX),
            json!("x"),
            json!("forever"),
            json!([1, 2]),
            json!(["a", "d"]),
            json!({}),
            json!({"app": "a", "deployment": "d", "zz": 1}),
            json!({"id": "w9", "resources": {"CPU": 2}}),
            json!({"id": 5}),
        ];
        let extra = ["aaa", "replicb", "times_", "zzz", "at_s"];
        let mut inputs: Vec<Value> = vec![json!(null), json!("kill_node"), json!([]), json!(["kill_node", "w1"])];
        let tags = [json!("kill_node"), json!(5), json!(null), json!("kil_node"), json!("KillNode")];
        for tag in tags {
            inputs.push(json!({"do": tag, "node": "w1"}));
        }
        inputs.push(json!({"node": "w1"}));
        for name in VARIANTS {
            let fields: Vec<&(&str, Value)> = good.iter().filter(|(f, _)| variant_has(name, f)).collect();
            // All present; each one missing; each one odd; each extra key; pairs of problems.
            let base: Map<String, Value> = fields.iter().map(|(f, v)| (f.to_string(), v.clone())).collect();
            let with_do = |m: &Map<String, Value>| {
                let mut m = m.clone();
                m.insert("do".into(), json!(name));
                Value::Object(m)
            };
            inputs.push(with_do(&base));
            for (f, _) in &fields {
                let mut m = base.clone();
                m.remove(*f);
                inputs.push(with_do(&m));
                for o in &odd {
                    let mut m = base.clone();
                    m.insert(f.to_string(), o.clone());
                    inputs.push(with_do(&m));
                    for x in extra {
                        let mut m2 = m.clone();
                        m2.insert(x.to_string(), json!(1));
                        inputs.push(with_do(&m2));
                    }
                    for (g, _) in &fields {
                        let mut m2 = m.clone();
                        m2.remove(*g);
                        inputs.push(with_do(&m2));
                    }
                }
            }
            for x in extra {
                let mut m = base.clone();
                m.insert(x.to_string(), json!(1));
                inputs.push(with_do(&m));
                let mut m2 = Map::new();
                m2.insert(x.to_string(), json!(1));
                inputs.push(with_do(&m2));
            }
        }
        assert!(inputs.len() > 500, "{}", inputs.len());
        for input in inputs {
            let ours = ActionKind::from_value(input.clone()).map(|k| format!("{k:?}")).map_err(|e| e.to_string());
            let theirs =
                derived::ActionKind::deserialize(input.clone()).map(|k| format!("{k:?}")).map_err(|e| e.to_string());
            // Arrays are read positionally by the derive; no caller passes one (an action is always an object).
            if input.is_array() {
                assert!(ours.is_err(), "{input}");
                continue;
            }
            assert_eq!(ours, theirs, "{input}");
            // Through `Action` (links, saved sessions) and from text, too.
            let mut with_at = input.clone();
            if let Some(obj) = with_at.as_object_mut() {
                obj.insert("at_s".into(), json!(1));
                let text = with_at.to_string();
                let ours =
                    serde_json::from_str::<Action>(&text).map(|a| format!("{:?}", a.kind)).map_err(|e| e.to_string());
                let theirs = serde_json::from_str::<Value>(&text)
                    .and_then(|mut v| {
                        v.as_object_mut().unwrap().remove("at_s");
                        derived::ActionKind::deserialize(v)
                    })
                    .map(|k| format!("{k:?}"))
                    .map_err(|e| e.to_string());
                assert_eq!(ours.is_ok(), theirs.is_ok(), "{text}");
                if let (Err(a), Err(b)) = (&ours, &theirs) {
                    assert!(a.starts_with(b.as_str()), "{text}: {a} vs {b}");
                }
            }
        }
    }

    fn variant_has(name: &str, field: &str) -> bool {
        ACTION_KINDS.iter().any(|k| k.tag == name && k.fields.iter().any(|(f, _)| *f == field))
    }

    #[test]
    fn the_table_names_every_variant_as_name_does() {
        let tags: Vec<&str> = ACTION_KINDS.iter().map(|k| k.tag).collect();
        assert_eq!(tags, VARIANTS);
        let d = DeploymentRef::default();
        let r = ReplicaRef::default();
        let node = NodeSpec { id: String::new(), resources: Default::default(), labels: Default::default() };
        // One value of each variant, in declaration order.
        let every = [
            ActionKind::KillReplica { replica: r.clone() },
            ActionKind::FailHealthCheck { replica: r.clone(), times: Times::Forever },
            ActionKind::HealHealthCheck { replica: r },
            ActionKind::FailConstructor { deployment: d.clone(), rank: None, times: Times::Forever },
            ActionKind::KillNode { node: String::new() },
            ActionKind::AddNode { node },
            ActionKind::KillController {},
            ActionKind::FailGcsQueries { for_s: 1.0 },
            ActionKind::SetNumReplicas { deployment: d.clone(), num_replicas: 1 },
            ActionKind::DeleteApp { app: String::new() },
            ActionKind::DeployVersion {
                deployment: DeploymentRef::default(),
                graceful_shutdown_timeout_s: None,
                health_check_period_s: None,
                max_surge_percent: None,
                num_replicas: None,
                ray_actor_options: None,
                rolling_update_percentage: None,
                user_config: None,
                version: None,
            },
            ActionKind::DrainNode { deadline_s: None, node: String::new(), reason: None, reason_message: None },
            ActionKind::SetTraffic { deployment: d.clone(), load: Vec::new(), service_time_s: None },
        ];
        let names: Vec<&str> = every.iter().map(ActionKind::name).collect();
        assert_eq!(names, tags);
        // The serialized fields are the table's (optional ones may be left out), in declaration order.
        for (k, spec) in every.iter().zip(ACTION_KINDS) {
            let v = serde_json::to_value(k).unwrap();
            let mut keys: Vec<&str> =
                v.as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "do").collect();
            keys.sort_unstable();
            let mut want: Vec<&str> = spec.fields.iter().filter(|(_, req)| *req).map(|(f, _)| *f).collect();
            want.sort_unstable();
            assert_eq!(keys, want, "{}", spec.tag);
            let declared: Vec<&str> = spec.fields.iter().map(|(f, _)| *f).collect();
            let mut sorted = declared.clone();
            sorted.sort_unstable();
            assert_eq!(declared, sorted, "{}: fields are read in map (alphabetical) order", spec.tag);
        }
    }
}
