//! What the model looks like at one moment: plain data for the UI, the CLI and the trace's `final` block, built
//! from a [`World`] by [`Snapshot::of`].
use crate::model::cluster::NodeDrain;
use crate::model::gcs::ActorPlacement;
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use crate::model::time::SimTime;
use crate::model::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub t: SimTime,
    pub tick: u64,
    pub nodes: Vec<NodeView>,
    pub placement_groups: Vec<PlacementGroupView>,
    pub replicas: Vec<ReplicaView>,
    pub deployments: Vec<DeploymentView>,
    pub applications: Vec<ApplicationView>,
    pub controller: ControllerView,
    /// How many invariant violations the run has recorded so far.
    pub violations: usize,
    /// How many nodes ever joined the cluster: more than `nodes` once the GCS evicted dead nodes from its cache.
    pub nodes_joined: u32,
}

/// The deployment's traffic as of the last whole second.
fn traffic_view(index: usize, t: &crate::model::traffic::DeploymentTraffic, world: &World) -> TrafficView {
    let last = world.traffic.samples.latest_of(index);
    let n = t.routable.len();
    TrafficView {
        offered_rps: last.map_or(0.0, |s| s.offered_rps),
        served_rps: last.map_or(0.0, |s| s.served_rps),
        failed_rps: last.map_or(0.0, |s| s.failed_rps),
        queued: t.flow.queued as f32,
        ongoing_per_replica: if n > 0 { (t.flow.ongoing / n as f64) as f32 } else { 0.0 },
        routable: n as u32,
        whole_gangs: t.whole_gangs,
        max_ongoing_requests: t.max_ongoing,
        max_queued_requests: t.max_queued.map(|q| q as u32),
        totals: t.totals,
    }
}

/// `Eq` so that `Rc<Snapshot>` compares by pointer first (std's shortcut for `Eq` types): the page's views compare
/// their props every frame, and comparing 10,000 replicas field by field per view cost ~5% of the frame time. The
/// floats in it are finite rates and amounts; a NaN would only make two distinct snapshots unequal (a redraw).
impl Eq for Snapshot {}

impl Snapshot {
    /// The world as plain data; `violations` is how many the run has recorded so far.
    pub fn of(world: &World, violations: usize) -> Snapshot {
        let gcs = world.gcs;
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
                draining: n.draining.clone(),
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
        let c = world.controller;
        let mut replicas = Vec::new();
        let mut deployments = Vec::new();
        for d in &c.deployments {
            let indexed = world.traffic.of(&d.config.app, &d.config.name);
            let traffic = indexed.map(|(_, t)| t);
            // By id, once per deployment: a scan per replica was quadratic (10,000 replicas: ~25% of a frame).
            let positions: BTreeMap<String, u32> = world.positions(d).into_iter().map(|(id, p, _)| (id, p)).collect();
            for r in &d.replicas {
                let actor = gcs.actors.get(&r.id);
                let (pg_name, bundle_index) = match actor.map(|a| &a.placement) {
                    Some(ActorPlacement::Bundle { pg_name, bundle_index }) => {
                        (Some(pg_name.clone()), Some(*bundle_index))
                    }
                    _ => (None, None),
                };
                let gang_context = r.gang_context.clone().or_else(|| {
                    actor.and_then(|a| a.gang_context.clone()).filter(|_| r.state != ReplicaState::Recovering)
                });
                replicas.push(ReplicaView {
                    id: r.id.clone(),
                    app: d.config.app.clone(),
                    deployment: d.config.name.clone(),
                    state: r.state,
                    startup: matches!(
                        r.state,
                        ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering
                    )
                    .then_some(r.startup),
                    node: actor.and_then(|a| a.node).map(|i| gcs.cluster.nodes[i].id.clone()),
                    pg_name,
                    bundle_index,
                    gang_context,
                    consecutive_health_failures: r.health.consecutive_failures,
                    actor_alive: actor.is_some_and(|a| a.alive),
                    graceful_stop: r.stop.as_ref().map(|s| s.graceful),
                    position: positions.get(&r.id).copied().unwrap_or(u32::MAX),
                    since: r.since,
                    version: d.versions[r.version as usize].label.clone(),
                    outdated: r.version != d.target_version,
                    ongoing: traffic
                        .filter(|t| t.routable.binary_search(&r.id).is_ok())
                        .map(|t| (t.flow.ongoing / t.routable.len().max(1) as f64) as f32),
                    max_ongoing: d.config.max_ongoing_requests,
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
                version: d.target_version().label.clone(),
                pending_migration: d.count(&[ReplicaState::PendingMigration]),
                outdated: d
                    .replicas
                    .iter()
                    .filter(|r| r.version != d.target_version && r.state != ReplicaState::Stopping)
                    .count() as u32,
                rolling_update: d.rolling_update,
                rolling_update_failed: d.rolling_update_failed,
                rollout_batch: d.rollout_size(),
                max_surge_percent: d.config.max_surge_percent,
                traffic: indexed.map(|(i, t)| traffic_view(i, t, world)),
                autoscaling: d.autoscaling.as_ref().map(|a| {
                    let running = d.count(&[ReplicaState::Running, ReplicaState::PendingMigration]);
                    let gang = d.config.gang.as_ref().map_or(1, |g| g.gang_size);
                    AutoscalingView {
                        min_replicas: a.config.min_replicas,
                        max_replicas: a.config.max_replicas,
                        target_ongoing_requests: a.config.target_ongoing_requests,
                        total_num_requests: a.last.as_ref().map_or(0.0, |l| l.total_num_requests),
                        desired: a.last.as_ref().map_or(0.0, |l| l.desired),
                        waiting: a
                            .last
                            .as_ref()
                            .and_then(|l| l.waiting)
                            .map(|(dir, since, delay)| (dir > 0, world.now.since(since).as_secs_f64(), delay)),
                        explanation: a
                            .last
                            .as_ref()
                            .map(|l| crate::model::serve::autoscale::explain(l, running, gang))
                            .unwrap_or_default(),
                    }
                }),
            });
        }
        Snapshot {
            t: world.now,
            tick: world.tick(),
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
                gcs_queries_fail_until_s: (world.gcs_queries_fail_until > world.now)
                    .then(|| world.gcs_queries_fail_until.as_secs_f64()),
                queued_calls: world.queued_calls.iter().map(|c| c.kind.describe_call()).collect(),
            },
            violations,
            nodes_joined: gcs.nodes_joined(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub id: String,
    pub is_head: bool,
    /// False once the GCS declared it dead.
    pub alive: bool,
    /// Its processes died but the GCS has not declared it dead yet.
    pub killed: bool,
    pub resources: Resources,
    pub available: Resources,
    /// Reserved by placement-group bundles on this node.
    pub reserved: Resources,
    /// Used by live replica actors (inside bundles or directly on the node).
    pub used: Resources,
    pub labels: BTreeMap<String, String>,
    /// Ray's DrainNode was accepted for it: why, and the deadline.
    pub draining: Option<NodeDrain>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BundleView {
    pub index: usize,
    pub resources: Resources,
    pub node: Option<String>,
    /// The replica actor pinned to this bundle, if any.
    pub replica: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlacementGroupView {
    pub id: String,
    pub name: String,
    pub state: PlacementGroupState,
    pub strategy: PlacementStrategy,
    pub bundles: Vec<BundleView>,
    pub app: String,
    pub deployment: String,
    pub gang_id: Option<String>,
    /// For PENDING / RESCHEDULING: why the GCS cannot place it now.
    pub pending_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaView {
    pub id: String,
    pub app: String,
    pub deployment: String,
    pub state: ReplicaState,
    /// For STARTING / UPDATING / RECOVERING.
    pub startup: Option<ReplicaStartupStatus>,
    pub node: Option<String>,
    pub pg_name: Option<String>,
    pub bundle_index: Option<usize>,
    pub gang_context: Option<GangContext>,
    pub consecutive_health_failures: u32,
    /// The actor process is alive (the controller may not know yet that it is not).
    pub actor_alive: bool,
    /// For STOPPING: whether the stop is graceful (drain) or forced.
    pub graceful_stop: Option<bool>,
    /// Position among the deployment's gangs (oldest first) or, for non-gang replicas, among its replicas.
    pub position: u32,
    pub since: SimTime,
    /// Its deployment version's label (`v1`, `v2`, `v1 #2`).
    pub version: String,
    /// Not at the deployment's target version.
    pub outdated: bool,
    /// Requests in flight at this replica (its share of the deployment's, routing keeping replicas evenly
    /// loaded); `None` when the deployment has no traffic or the routers do not send to it.
    pub ongoing: Option<f32>,
    /// The deployment's `max_ongoing_requests` (the fill level's full mark).
    pub max_ongoing: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentView {
    pub app: String,
    pub name: String,
    pub status: DeploymentStatus,
    pub status_trigger: DeploymentStatusTrigger,
    pub message: String,
    pub target_num_replicas: u32,
    pub running: u32,
    pub starting: u32,
    pub recovering: u32,
    pub stopping: u32,
    pub gang_size: Option<u32>,
    pub strategy: Option<PlacementStrategy>,
    pub failure_count: u32,
    pub failure_threshold: u32,
    pub gang_restarts: u32,
    pub deleting: bool,
    /// The target version's label.
    pub version: String,
    pub pending_migration: u32,
    /// Replicas (not STOPPING) not at the target version.
    pub outdated: u32,
    /// A rolling update is replacing older versions.
    pub rolling_update: bool,
    /// The rolling update failed: stopped, the old replicas keep serving until a new deploy.
    pub rolling_update_failed: bool,
    /// `_rollout_size`: the batch a rolling update replaces at once.
    pub rollout_batch: u32,
    pub max_surge_percent: u32,
    pub traffic: Option<TrafficView>,
    pub autoscaling: Option<AutoscalingView>,
}

/// A deployment's requests now (the last whole second).
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficView {
    pub offered_rps: f32,
    pub served_rps: f32,
    pub failed_rps: f32,
    /// Waiting at the callers.
    pub queued: f32,
    pub ongoing_per_replica: f32,
    /// Replicas the routers send to.
    pub routable: u32,
    /// Gangs with every member routable.
    pub whole_gangs: u32,
    pub max_ongoing_requests: u32,
    /// `None`: no limit (-1).
    pub max_queued_requests: Option<u32>,
    /// Since the start: offered, served, and failed by reason.
    pub totals: crate::model::traffic::Totals,
}

/// A deployment's autoscaling config and last decision.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscalingView {
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub target_ongoing_requests: f64,
    /// The aggregated ongoing + queued requests of the last decision.
    pub total_num_requests: f64,
    /// The replicas the policy wanted before delays and rounding.
    pub desired: f64,
    /// A change held back by a delay: (up?, seconds waited, the delay).
    pub waiting: Option<(bool, f64, f64)>,
    /// The last decision in words.
    pub explanation: String,
}

/// Also the trace's `final.applications` (serialized there).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplicationView {
    pub name: String,
    pub status: ApplicationStatus,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ControllerView {
    pub alive: bool,
    pub incarnation: u32,
    /// Alive, and some replica is still RECOVERING after its restart.
    pub recovering: bool,
    /// When it comes back, while it is down.
    pub restart_at_s: Option<f64>,
    /// The cluster-state queries it makes fail until this time.
    pub gcs_queries_fail_until_s: Option<f64>,
    /// Calls made while it is down, waiting for it to come back, in order ("delete_app gone").
    pub queued_calls: Vec<String>,
}
