//! Scenario actions: timestamped faults and user commands. The UI's gestures become the same actions.
use super::NodeSpec;
use serde::de::{Error as _, Unexpected};
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
        let kind = ActionKind::from_value(v).map_err(serde::de::Error::custom)?;
        Ok(Action { at_s, kind })
    }
}

impl<'de> Deserialize<'de> for ActionKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ActionKind::from_value(Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// The `do` names, in declaration order (serde's `VARIANTS`, for "unknown variant" messages).
const VARIANTS: &[&str] = &[
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
];

/// How serde names a JSON value in "invalid type" messages.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// One struct variant's fields, read the way serde's derive reads them (with `deny_unknown_fields`): entries in
/// map order (keys are sorted), the first unknown field or bad value is the error; after all entries, the first
/// missing required field in declaration order. (In every variant, declaration order is alphabetical, so calling
/// [`Fields::get`] in declaration order visits the present fields in map order.)
struct Fields {
    values: Vec<Option<Value>>,
    names: &'static [&'static str],
    /// The first key (in map order) that is not a field of this variant.
    unknown: Option<String>,
}

impl Fields {
    fn read(map: Map<String, Value>, names: &'static [&'static str]) -> Fields {
        let mut values = vec![None; names.len()];
        let mut unknown = None;
        for (key, value) in map {
            match names.iter().position(|n| *n == key) {
                Some(i) => values[i] = Some(value),
                None if unknown.is_none() => unknown = Some(key),
                None => {}
            }
        }
        Fields { values, names, unknown }
    }

    fn unknown_error(&self) -> Result<(), serde_json::Error> {
        match &self.unknown {
            Some(key) => Err(serde_json::Error::unknown_field(key, self.names)),
            None => Ok(()),
        }
    }

    /// Field `i` if present, deserialized (unless an unknown field comes before it in map order).
    fn get<T: serde::de::DeserializeOwned>(&mut self, i: usize) -> Result<Option<T>, serde_json::Error> {
        let Some(v) = self.values[i].take() else { return Ok(None) };
        if self.unknown.as_deref().is_some_and(|u| u < self.names[i]) {
            self.unknown_error()?;
        }
        T::deserialize(v).map(Some)
    }

    /// After every field was read: the unknown field, if any, then the required field `i` if missing.
    fn required<T>(&self, value: Option<T>, i: usize) -> Result<T, serde_json::Error> {
        self.unknown_error()?;
        value.ok_or_else(|| serde_json::Error::missing_field(self.names[i]))
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
        let Some(variant) = VARIANTS.iter().position(|n| *n == tag) else {
            return Err(serde_json::Error::unknown_variant(&tag, VARIANTS));
        };
        // Unknown fields and bad values are found in map order, as the derive does, before missing fields.
        // Missing fields are reported in declaration order, hence the `names` order below.
        let names: &'static [&'static str] = match variant {
            0 | 2 => &["replica"],
            1 => &["replica", "times"],
            3 => &["deployment", "rank", "times"],
            4 | 5 => &["node"],
            6 => &[],
            7 => &["for_s"],
            8 => &["deployment", "num_replicas"],
            _ => &["app"],
        };
        let mut f = Fields::read(map, names);
        Ok(match variant {
            0 => {
                let replica = f.get(0)?;
                ActionKind::KillReplica { replica: f.required(replica, 0)? }
            }
            1 => {
                let (replica, times) = (f.get(0)?, f.get(1)?);
                ActionKind::FailHealthCheck { replica: f.required(replica, 0)?, times: f.required(times, 1)? }
            }
            2 => {
                let replica = f.get(0)?;
                ActionKind::HealHealthCheck { replica: f.required(replica, 0)? }
            }
            3 => {
                let (deployment, rank, times) = (f.get(0)?, f.get::<Option<u32>>(1)?, f.get(2)?);
                f.unknown_error()?;
                ActionKind::FailConstructor {
                    deployment: f.required(deployment, 0)?,
                    rank: rank.flatten(),
                    times: f.required(times, 2)?,
                }
            }
            4 => {
                let node = f.get(0)?;
                ActionKind::KillNode { node: f.required(node, 0)? }
            }
            5 => {
                let node = f.get(0)?;
                ActionKind::AddNode { node: f.required(node, 0)? }
            }
            6 => {
                f.unknown_error()?;
                ActionKind::KillController {}
            }
            7 => {
                let for_s = f.get(0)?;
                ActionKind::FailGcsQueries { for_s: f.required(for_s, 0)? }
            }
            8 => {
                let (deployment, num_replicas) = (f.get(0)?, f.get(1)?);
                ActionKind::SetNumReplicas {
                    deployment: f.required(deployment, 0)?,
                    num_replicas: f.required(num_replicas, 1)?,
                }
            }
            _ => {
                let app = f.get(0)?;
                ActionKind::DeleteApp { app: f.required(app, 0)? }
            }
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The derive that `ActionKind::from_value` replaces, kept to check that both agree on values and messages.
    mod derived {
        use super::super::{DeploymentRef, NodeSpec, ReplicaRef, Times};
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
        matches!(
            (name, field),
            ("kill_replica" | "fail_health_check" | "heal_health_check", "replica")
                | ("fail_health_check" | "fail_constructor", "times")
                | ("fail_constructor" | "set_num_replicas", "deployment")
                | ("fail_constructor", "rank")
                | ("kill_node" | "add_node", "node")
                | ("fail_gcs_queries", "for_s")
                | ("set_num_replicas", "num_replicas")
                | ("delete_app", "app")
        )
    }
}
