//! Variants: a named set of changes to a scenario (seed, toggle, strategy, gang size, replicas, nodes), and how
//! the user's actions carry over to run B (those B cannot take are listed as skipped, never dropped).
use crate::model::scenario::{
    Action, ActionKind, GangSchedulingConfig, NodeSpec, NumReplicas, Scenario, parse_scenario,
};
use serde::{Deserialize, Serialize};

/// One change to a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Another seed.
    Seed { seed: u64 },
    /// A behaviour toggle (`toggles.<name>`), e.g. `gang_pg_removal` = `"first_member"`.
    Toggle { name: String, value: serde_json::Value },
    /// A deployment's placement strategy: the gang's `gang_placement_strategy` for a gang deployment, else its
    /// `placement_group_strategy` (which needs `placement_group_bundles`).
    Strategy { app: String, deployment: String, strategy: String },
    /// A deployment's `gang_size` (a gang deployment gets PACK and RESTART_GANG if it had no gang config).
    GangSize { app: String, deployment: String, gang_size: i64 },
    /// A deployment's fixed `num_replicas`.
    NumReplicas { app: String, deployment: String, num_replicas: i64 },
    /// One more worker node at the start.
    AddNode { node: NodeSpec },
    /// A worker node left out of the cluster.
    RemoveNode { node: String },
    /// A whole other scenario (the public format, as JSON).
    Scenario { scenario: serde_json::Value },
}

/// A named set of changes applied to a scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// What the table calls it (empty: the changes described).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub changes: Vec<Change>,
}

/// An action one run does not get (never dropped silently).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub at_s: f64,
    /// The action in words ("kill_replica app/G gang 0 rank 0").
    pub action: String,
    pub why: String,
}

/// A variant applied: the scenario, and the scenario's own actions it had to leave out.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub scenario: Scenario,
    pub skipped: Vec<Skipped>,
}

impl Change {
    /// The change in words.
    pub fn describe(&self) -> String {
        match self {
            Change::Seed { seed } => format!("seed {seed}"),
            Change::Toggle { name, value } => match value {
                serde_json::Value::String(s) => format!("toggle {name} = {s}"),
                v => format!("toggle {name} = {v}"),
            },
            Change::Strategy { app, deployment, strategy } => format!("{app}/{deployment} strategy {strategy}"),
            Change::GangSize { app, deployment, gang_size } => format!("{app}/{deployment} gang_size {gang_size}"),
            Change::NumReplicas { app, deployment, num_replicas } => {
                format!("{app}/{deployment} num_replicas {num_replicas}")
            }
            Change::AddNode { node } => format!("add node {}", node.id),
            Change::RemoveNode { node } => format!("remove node {node}"),
            Change::Scenario { scenario } => {
                format!("scenario \"{}\"", scenario.get("name").and_then(|n| n.as_str()).unwrap_or("unnamed"))
            }
        }
    }

    fn apply(&self, s: &mut Scenario) -> Result<(), String> {
        match self {
            Change::Seed { seed } => s.seed = *seed,
            Change::Toggle { name, value } => {
                let mut v = serde_json::to_value(&s.toggles).expect("toggles serialize");
                let obj = v.as_object_mut().expect("toggles are an object");
                if !obj.contains_key(name) {
                    let names: Vec<&str> = obj.keys().map(String::as_str).collect();
                    return Err(format!("no toggle {name:?}; toggles: {}", names.join(", ")));
                }
                obj.insert(name.clone(), value.clone());
                s.toggles = serde_json::from_value(v).map_err(|e| format!("toggle {name}: {e}"))?;
            }
            Change::Strategy { app, deployment: dep, strategy } => {
                let d = find_deployment(s, app, dep)?;
                if let Some(g) = &mut d.gang_scheduling_config {
                    g.gang_placement_strategy = strategy.clone();
                } else if d.placement_group_bundles.is_some() {
                    d.placement_group_strategy = Some(strategy.clone());
                } else {
                    return Err(format!(
                        "{app}/{dep} has neither gang_scheduling_config nor placement_group_bundles: no placement strategy applies"
                    ));
                }
            }
            Change::GangSize { app, deployment: dep, gang_size } => {
                let d = find_deployment(s, app, dep)?;
                match &mut d.gang_scheduling_config {
                    Some(g) => g.gang_size = *gang_size,
                    None => {
                        d.gang_scheduling_config = Some(GangSchedulingConfig {
                            gang_size: *gang_size,
                            gang_placement_strategy: "PACK".to_string(),
                            runtime_failure_policy: "RESTART_GANG".to_string(),
                        })
                    }
                }
            }
            Change::NumReplicas { app, deployment: dep, num_replicas } => {
                let d = find_deployment(s, app, dep)?;
                d.num_replicas = Some(NumReplicas::Fixed(*num_replicas));
            }
            Change::AddNode { node } => {
                if node.id == s.head_id() || s.cluster.nodes.iter().any(|n| n.id == node.id) {
                    return Err(format!("the cluster already has a node {}", node.id));
                }
                s.cluster.nodes.push(node.clone());
            }
            Change::RemoveNode { node } => {
                if *node == s.head_id() {
                    return Err(format!("{node} is the head node; only worker nodes can be removed"));
                }
                let before = s.cluster.nodes.len();
                s.cluster.nodes.retain(|n| n.id != *node);
                if s.cluster.nodes.len() == before {
                    return Err(format!("no worker node {node} in the cluster"));
                }
            }
            Change::Scenario { scenario } => {
                *s = parse_scenario(&scenario.to_string()).map_err(|errors| {
                    let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    format!("the replacement scenario is invalid: {}", parts.join("; "))
                })?;
            }
        }
        Ok(())
    }
}

fn find_deployment<'a>(
    s: &'a mut Scenario,
    app: &str,
    dep: &str,
) -> Result<&'a mut crate::model::scenario::DeploymentSpec, String> {
    s.applications
        .iter_mut()
        .filter(|a| a.name == app)
        .flat_map(|a| a.deployments.iter_mut())
        .find(|d| d.name == dep)
        .ok_or_else(|| format!("there is no deployment {app}/{dep} in the scenario"))
}

impl Variant {
    pub fn new(label: impl Into<String>, changes: Vec<Change>) -> Variant {
        Variant { label: label.into(), changes }
    }

    /// The label, or the changes in words.
    pub fn name(&self) -> String {
        if !self.label.is_empty() {
            return self.label.clone();
        }
        if self.changes.is_empty() {
            return "no change".to_string();
        }
        self.changes.iter().map(Change::describe).collect::<Vec<_>>().join(", ")
    }

    /// The name with the run's seed, unless a change already names it: `app/G strategy SPREAD (seed 7)`.
    pub fn label_with_seed(&self, seed: u64) -> String {
        if self.label.is_empty() && self.changes.iter().any(|c| matches!(c, Change::Seed { .. })) {
            self.name()
        } else {
            format!("{} (seed {seed})", self.name())
        }
    }

    /// The scenario with every change applied, validated as a scenario file is. The scenario's own actions that
    /// name a deployment, application or node the changed scenario lacks are left out and listed in `skipped`.
    pub fn apply(&self, base: &Scenario) -> Result<Applied, String> {
        let mut s = base.clone();
        for c in &self.changes {
            c.apply(&mut s)?;
        }
        let (kept, skipped) = plan_actions(&s, &s.actions, &[]);
        s.actions = kept;
        let text = serde_json::to_value(&s).expect("a scenario serializes").to_string();
        let scenario = parse_scenario(&text).map_err(|errors| {
            let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("the changed scenario is invalid: {}", parts.join("; "))
        })?;
        Ok(Applied { scenario, skipped })
    }
}

/// The action in words, the way the table names a fault: `kill_replica app/G gang 0 rank 0`.
pub fn describe_action(kind: &ActionKind) -> String {
    let replica = |r: &crate::model::scenario::ReplicaRef| {
        let mut s = format!("{}/{}", r.app, r.deployment);
        if let Some(id) = &r.id {
            s.push_str(&format!(" {id}"));
        }
        if let Some(g) = r.gang {
            s.push_str(&format!(" gang {g}"));
        }
        if let Some(k) = r.rank {
            s.push_str(&format!(" rank {k}"));
        }
        if let Some(i) = r.index {
            s.push_str(&format!(" #{i}"));
        }
        s
    };
    let what = match kind {
        ActionKind::KillReplica { replica: r }
        | ActionKind::FailHealthCheck { replica: r, .. }
        | ActionKind::HealHealthCheck { replica: r } => replica(r),
        ActionKind::FailConstructor { deployment, .. }
        | ActionKind::SetNumReplicas { deployment, .. }
        | ActionKind::DeployVersion { deployment, .. }
        | ActionKind::SetTraffic { deployment, .. } => format!("{}/{}", deployment.app, deployment.deployment),
        ActionKind::KillNode { node } | ActionKind::DrainNode { node, .. } => node.clone(),
        ActionKind::AddNode { node } => node.id.clone(),
        ActionKind::DeleteApp { app } => app.clone(),
        ActionKind::KillController {} => String::new(),
        ActionKind::FailGcsQueries { for_s } => format!("for {for_s} s"),
    };
    if what.is_empty() { kind.name().to_string() } else { format!("{} {what}", kind.name()) }
}

/// The application and deployment an action names, if any.
pub(super) fn action_deployment(kind: &ActionKind) -> Option<(&str, &str)> {
    match kind {
        ActionKind::KillReplica { replica: r }
        | ActionKind::FailHealthCheck { replica: r, .. }
        | ActionKind::HealHealthCheck { replica: r } => Some((&r.app, &r.deployment)),
        ActionKind::FailConstructor { deployment: d, .. }
        | ActionKind::SetNumReplicas { deployment: d, .. }
        | ActionKind::DeployVersion { deployment: d, .. }
        | ActionKind::SetTraffic { deployment: d, .. } => Some((&d.app, &d.deployment)),
        _ => None,
    }
}

/// Split `actions` into those that can apply to `scenario` and those that name an application, deployment or node
/// it does not have (`also` are further actions whose `add_node`s count as nodes).
pub fn plan_actions(scenario: &Scenario, actions: &[Action], also: &[Action]) -> (Vec<Action>, Vec<Skipped>) {
    let mut nodes: Vec<String> = vec![scenario.head_id()];
    nodes.extend(scenario.cluster.nodes.iter().map(|n| n.id.clone()));
    for a in scenario.actions.iter().chain(actions).chain(also) {
        if let ActionKind::AddNode { node } = &a.kind {
            nodes.push(node.id.clone());
        }
    }
    let has_app = |app: &str| scenario.applications.iter().any(|a| a.name == app);
    let has_dep = |app: &str, dep: &str| {
        scenario.applications.iter().any(|a| a.name == app && a.deployments.iter().any(|d| d.name == dep))
    };
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for a in actions {
        let why = match &a.kind {
            k if action_deployment(k).is_some() => {
                let (app, dep) = action_deployment(k).expect("checked");
                (!has_dep(app, dep)).then(|| format!("there is no deployment {app}/{dep}"))
            }
            ActionKind::DeleteApp { app } => (!has_app(app)).then(|| format!("there is no application {app}")),
            ActionKind::KillNode { node } | ActionKind::DrainNode { node, .. } => {
                (!nodes.contains(node)).then(|| format!("there is no node {node}"))
            }
            _ => None,
        };
        match why {
            Some(why) => skipped.push(Skipped { at_s: a.at_s, action: describe_action(&a.kind), why }),
            None => kept.push(a.clone()),
        }
    }
    (kept, skipped)
}

/// The toggles a variant can change, each with its values (Ray 2.60's first), for a form.
pub fn toggle_choices() -> Vec<(&'static str, Vec<serde_json::Value>)> {
    use crate::model::serve::behaviour::{
        AutoscalingRounding, Choice, GangPgRemoval, GangServing, LeakDetection, StartupFailureCounting,
    };
    fn names<C: Choice>() -> (&'static str, Vec<serde_json::Value>) {
        (C::FIELD, C::names().into_iter().map(serde_json::Value::from).collect())
    }
    vec![
        names::<GangPgRemoval>(),
        names::<StartupFailureCounting>(),
        ("sweep_pending_migration", vec![false.into(), true.into()]),
        ("incomplete_gang_teardown", vec![true.into(), false.into()]),
        names::<LeakDetection>(),
        names::<GangServing>(),
        names::<AutoscalingRounding>(),
    ]
}
