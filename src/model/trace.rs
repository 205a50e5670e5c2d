//! The trace format `gangplank.trace/v1` (see `../shared/spec/scenario-format.md`): a finished run as plain data.
//! `Simulation::trace` builds one from the run's scenario, events, final snapshot and violations.
use crate::model::events::Event;
use crate::model::invariants::Violation;
use crate::model::placement::PlacementGroupState;
use crate::model::resources::Resources;
use crate::model::scenario::Scenario;
use crate::model::serve::replica::{GangContext, ReplicaState};
use crate::model::serve::status::{DeploymentStatus, DeploymentStatusTrigger};
use crate::model::snapshot::{ApplicationView, Snapshot};
use serde::Serialize;

pub const TRACE_FORMAT: &str = "gangplank.trace/v1";

/// A finished run, in the public trace format.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub format: &'static str,
    pub scenario: Scenario,
    /// How many of the run's oldest events are not in `events` (the log keeps the newest ones on long runs:
    /// `model::log::EVENTS_KEPT`); absent when none were dropped. The scenario still replays all of them.
    #[serde(skip_serializing_if = "is_zero")]
    pub events_dropped: u64,
    pub events: Vec<Event>,
    #[serde(rename = "final")]
    pub final_state: FinalState,
    pub violations: Vec<Violation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalState {
    pub t_s: f64,
    pub nodes: Vec<FinalNode>,
    pub placement_groups: Vec<FinalPg>,
    pub replicas: Vec<FinalReplica>,
    pub deployments: Vec<FinalDeployment>,
    pub applications: Vec<ApplicationView>,
    pub controller: FinalController,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalNode {
    pub id: String,
    pub alive: bool,
    pub resources: Resources,
    pub available: Resources,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalBundle {
    pub resources: Resources,
    pub node: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalPg {
    pub name: String,
    pub state: PlacementGroupState,
    pub strategy: crate::model::placement::PlacementStrategy,
    pub bundles: Vec<FinalBundle>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalReplica {
    pub id: String,
    pub app: String,
    pub deployment: String,
    pub state: ReplicaState,
    pub node: Option<String>,
    pub gang_context: Option<GangContext>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalDeployment {
    pub app: String,
    pub name: String,
    pub status: DeploymentStatus,
    pub status_trigger: DeploymentStatusTrigger,
    pub message: String,
    pub target_num_replicas: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalController {
    pub alive: bool,
    pub incarnation: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Trace {
    /// A run's trace: its scenario (with the user's actions folded in), its events, its state at the end (`s`)
    /// and its violations.
    pub fn new(scenario: Scenario, events: Vec<Event>, s: &Snapshot, violations: Vec<Violation>) -> Trace {
        Trace {
            format: TRACE_FORMAT,
            scenario,
            events_dropped: events.first().map_or(0, |e| e.seq),
            events,
            final_state: FinalState {
                t_s: s.t.as_secs_f64(),
                nodes: s
                    .nodes
                    .iter()
                    .map(|n| FinalNode {
                        id: n.id.clone(),
                        alive: n.alive,
                        resources: n.resources.clone(),
                        available: n.available.clone(),
                    })
                    .collect(),
                placement_groups: s
                    .placement_groups
                    .iter()
                    .map(|p| FinalPg {
                        name: p.name.clone(),
                        state: p.state,
                        strategy: p.strategy,
                        bundles: p
                            .bundles
                            .iter()
                            .map(|b| FinalBundle { resources: b.resources.clone(), node: b.node.clone() })
                            .collect(),
                    })
                    .collect(),
                replicas: s
                    .replicas
                    .iter()
                    .map(|r| FinalReplica {
                        id: r.id.clone(),
                        app: r.app.clone(),
                        deployment: r.deployment.clone(),
                        state: r.state,
                        node: r.node.clone(),
                        gang_context: r.gang_context.clone(),
                    })
                    .collect(),
                deployments: s
                    .deployments
                    .iter()
                    .map(|d| FinalDeployment {
                        app: d.app.clone(),
                        name: d.name.clone(),
                        status: d.status,
                        status_trigger: d.status_trigger,
                        message: d.message.clone(),
                        target_num_replicas: d.target_num_replicas,
                    })
                    .collect(),
                applications: s.applications.clone(),
                controller: FinalController { alive: s.controller.alive, incarnation: s.controller.incarnation },
            },
            violations,
        }
    }
}
