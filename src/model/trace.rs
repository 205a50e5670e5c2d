//! Snapshots and the trace format `gangplank.trace/v1` (see `../shared/spec/scenario-format.md`).
use crate::model::events::Event;
use crate::model::gcs::ActorPlacement;
use crate::model::invariants::Violation;
use crate::model::placement::PlacementGroupState;
use crate::model::resources::Resources;
use crate::model::scenario::Scenario;
use crate::model::serve::replica::{GangContext, ReplicaState};
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use crate::model::sim::Simulation;
use crate::model::snapshot::{
    ApplicationView, BundleView, ControllerView, DeploymentView, NodeView, PlacementGroupView, ReplicaView, Snapshot,
};
use serde::Serialize;

pub const TRACE_FORMAT: &str = "gangplank.trace/v1";

pub fn snapshot_of(sim: &Simulation) -> Snapshot {
    let gcs = &sim.gcs;
    let usage = gcs.node_usage();
    let nodes = gcs
        .cluster
        .nodes
        .iter()
        .zip(usage)
        .map(|(n, (reserved, used))| NodeView {
            id: n.id.clone(),
            is_head: n.is_head,
            alive: !n.dead,
            killed: n.killed_at.is_some() && !n.dead,
            resources: n.resources.clone(),
            available: n.available.clone(),
            reserved,
            used,
            labels: n.labels.clone(),
        })
        .collect();
    // Which replica sits in which bundle, computed once (a lookup per bundle would be quadratic).
    let mut in_bundle: std::collections::BTreeMap<(&str, usize), &str> = std::collections::BTreeMap::new();
    for a in gcs.actors.values() {
        if let ActorPlacement::Bundle { pg_name, bundle_index } = &a.placement
            && (a.alive || a.node.is_some())
        {
            in_bundle.entry((pg_name.as_str(), *bundle_index)).or_insert(a.replica_id.as_str());
        }
    }
    let placement_groups = gcs
        .pgs
        .values()
        .map(|pg| PlacementGroupView {
            id: pg.id.clone(),
            name: pg.name.clone(),
            state: pg.state,
            strategy: pg.strategy,
            bundles: pg
                .bundles
                .iter()
                .enumerate()
                .map(|(i, b)| BundleView {
                    index: i,
                    resources: b.resources.clone(),
                    node: b.node.clone(),
                    replica: in_bundle.get(&(pg.name.as_str(), i)).map(|s| s.to_string()),
                })
                .collect(),
            app: pg.owner.app.clone(),
            deployment: pg.owner.deployment.clone(),
            gang_id: pg.owner.gang_id.clone(),
            pending_reason: (pg.state != PlacementGroupState::Created)
                .then(|| crate::model::placement::pending_reason(pg, &gcs.cluster)),
        })
        .collect();
    let c = &sim.controller;
    let mut replicas = Vec::new();
    let mut deployments = Vec::new();
    for d in &c.deployments {
        let positions = sim.positions(d);
        for r in &d.replicas {
            let actor = gcs.actors.get(&r.id);
            let (pg_name, bundle_index) = match actor.map(|a| &a.placement) {
                Some(ActorPlacement::Bundle { pg_name, bundle_index }) => (Some(pg_name.clone()), Some(*bundle_index)),
                _ => (None, None),
            };
            let gang_context = r
                .gang_context
                .clone()
                .or_else(|| actor.and_then(|a| a.gang_context.clone()).filter(|_| r.state != ReplicaState::Recovering));
            replicas.push(ReplicaView {
                id: r.id.clone(),
                app: d.config.app.clone(),
                deployment: d.config.name.clone(),
                state: r.state,
                startup: matches!(r.state, ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering)
                    .then_some(r.startup),
                node: actor.and_then(|a| a.node).map(|i| gcs.cluster.nodes[i].id.clone()),
                pg_name,
                bundle_index,
                gang_context,
                consecutive_health_failures: r.health.consecutive_failures,
                actor_alive: actor.is_some_and(|a| a.alive),
                graceful_stop: r.stop.as_ref().map(|s| s.graceful),
                position: positions.iter().find(|(id, ..)| *id == r.id).map(|(_, p, _)| *p).unwrap_or(u32::MAX),
                since: r.since,
            });
        }
        deployments.push(DeploymentView {
            app: d.config.app.clone(),
            name: d.config.name.clone(),
            status: d.status,
            status_trigger: d.trigger,
            message: d.message.clone(),
            target_num_replicas: d.target,
            running: d.count(&[ReplicaState::Running]),
            starting: d.count(&[ReplicaState::Starting, ReplicaState::Updating]),
            recovering: d.count(&[ReplicaState::Recovering]),
            stopping: d.count(&[ReplicaState::Stopping]),
            gang_size: d.config.gang.as_ref().map(|g| g.gang_size),
            strategy: d.config.gang.as_ref().map(|g| g.strategy).or(d
                .config
                .bundles
                .as_ref()
                .map(|_| d.config.pg_strategy)),
            failure_count: d.failure_count,
            failure_threshold: d.failure_threshold(),
            gang_restarts: d.gang_restarts,
            deleting: d.deleting,
        });
    }
    Snapshot {
        t: sim.now,
        tick: sim.tick_of(sim.now),
        nodes,
        placement_groups,
        replicas,
        deployments,
        applications: c.apps.iter().map(|a| ApplicationView { name: a.name.clone(), status: a.status }).collect(),
        controller: ControllerView {
            alive: c.alive,
            incarnation: c.incarnation,
            recovering: c.alive && c.recovering,
            restart_at_s: (!c.alive).then(|| c.restart_at.map(|t| t.as_secs_f64())).flatten(),
            gcs_queries_fail_until_s: (sim.gcs_queries_fail_until > sim.now)
                .then(|| sim.gcs_queries_fail_until.as_secs_f64()),
        },
        violations: sim.violations().len(),
    }
}

/// A finished run, in the public trace format.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub format: &'static str,
    pub scenario: Scenario,
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

impl Simulation {
    pub fn trace(&self) -> Trace {
        let s = self.snapshot();
        Trace {
            format: TRACE_FORMAT,
            scenario: {
                // The scenario with the user's actions folded in (stable by time), so the trace alone replays.
                let mut scenario = self.scenario.normalised();
                scenario.actions.extend(self.user_actions().iter().cloned());
                scenario.actions.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
                scenario
            },
            events: self.events().to_vec(),
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
            violations: self.violations().to_vec(),
        }
    }

    /// The trace as JSON text (pretty, stable key order): the same scenario and seed give the same bytes.
    pub fn trace_json(&self) -> String {
        serde_json::to_string_pretty(&self.trace()).expect("a trace always serializes")
    }
}

// Keep the unused-import lint honest for statuses referenced only in type positions above.
#[allow(dead_code)]
fn _uses(_: ApplicationStatus) {}
