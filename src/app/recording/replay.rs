//! A recording replayed: the cluster at any time t as a model [`Snapshot`] (so the page's `ClusterView` draws
//! reality exactly as it draws the model), and the recorded events up to t as sentences. Read-only: a replay takes
//! no actions and decides nothing; it shows the last sample at or before t.
use super::config::{actor_resources, deployment_spec};
use super::format::{RecordedEvent, Recording, ReplicaSample, Sample};
use super::parse;
use crate::model::placement::{PlacementGroupState, PlacementStrategy};
use crate::model::resources::Resources;
use crate::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use crate::model::snapshot::{
    ApplicationView, BundleView, ControllerView, DeploymentView, NodeView, PlacementGroupView, ReplicaView, Snapshot,
};
use crate::model::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

/// A recorded event as the event log shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayEvent {
    pub t: SimTime,
    /// The recording's `kind` (`replica_state`, `pg_removed`, ...).
    pub kind: String,
    /// What happened, in a sentence.
    pub text: String,
    /// Replica ids, PG names, node aliases and gang ids it names, for highlighting.
    pub touches: Vec<String>,
}

/// What a deployment's recorded config says that the drawing needs.
#[derive(Clone, Debug)]
struct DeploymentLook {
    actor: Resources,
    gang_size: Option<u32>,
    strategy: Option<PlacementStrategy>,
    max_ongoing: u32,
}

#[derive(Clone, Debug)]
pub struct Replay {
    recording: Recording,
    times: Vec<SimTime>,
    events: Vec<ReplayEvent>,
    looks: BTreeMap<(String, String), DeploymentLook>,
    /// Per replica: when it was first seen, and each (time, state) it entered.
    first_seen: BTreeMap<String, f64>,
    states: BTreeMap<String, Vec<(f64, String)>>,
    /// When a replica's actor was seen dead.
    actor_died: BTreeMap<String, f64>,
    /// When the controller came back as a new actor (each restart).
    restarts: Vec<f64>,
}

fn at(t: f64) -> SimTime {
    SimTime::from_secs_f64(t)
}

impl Replay {
    pub fn new(recording: Recording) -> Replay {
        let times = recording.samples.iter().map(|s| at(s.t)).collect();
        // pg_removed / pg_state name the PG by id; its name is known from its pg_created or a sample.
        let mut pg_names: BTreeMap<&str, &str> = BTreeMap::new();
        for s in &recording.samples {
            for p in &s.placement_groups {
                pg_names.entry(p.placement_group_id.as_str()).or_insert(p.name.as_str());
            }
        }
        for e in &recording.events {
            if let (Some(id), Some(name)) = (&e.placement_group_id, &e.name) {
                pg_names.entry(id.as_str()).or_insert(name.as_str());
            }
        }
        let events = recording
            .events
            .iter()
            .map(|e| sentence(e, e.placement_group_id.as_deref().and_then(|id| pg_names.get(id).copied())))
            .collect();
        let mut looks = BTreeMap::new();
        for app in &recording.applications {
            for d in &app.deployments {
                let (spec, _) = deployment_spec(&d.name, &d.config);
                let gang = spec.gang_scheduling_config.as_ref();
                looks.insert(
                    (app.name.clone(), d.name.clone()),
                    DeploymentLook {
                        actor: actor_resources(&spec),
                        gang_size: gang.and_then(|g| u32::try_from(g.gang_size).ok()),
                        strategy: gang
                            .map(|g| g.gang_placement_strategy.as_str())
                            .or(spec.placement_group_strategy.as_deref())
                            .and_then(PlacementStrategy::parse),
                        max_ongoing: spec.max_ongoing_requests.and_then(|m| u32::try_from(m).ok()).unwrap_or(5),
                    },
                );
            }
        }
        let mut first_seen = BTreeMap::new();
        let mut states: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
        let mut controller: Option<(Option<String>, Option<u64>, Option<u64>)> = None;
        let mut restarts = Vec::new();
        for s in &recording.samples {
            for r in replicas(s) {
                first_seen.entry(r.replica_id.clone()).or_insert(s.t);
                let list = states.entry(r.replica_id.clone()).or_default();
                if list.last().is_none_or(|(_, st)| *st != r.state) {
                    list.push((s.t, r.state.clone()));
                }
            }
            // A restart keeps the actor id (a restartable actor): its pid or restart count changes.
            let c = &s.controller;
            if c.actor_id.is_some() {
                let now = (c.actor_id.clone(), c.pid, c.num_restarts);
                if controller.as_ref().is_some_and(|before| *before != now) {
                    restarts.push(s.t);
                }
                controller = Some(now);
            }
        }
        let mut actor_died = BTreeMap::new();
        for e in &recording.events {
            if e.kind == "replica_actor_died"
                && let Some(r) = &e.replica
            {
                actor_died.entry(r.clone()).or_insert(e.t);
            }
        }
        Replay { recording, times, events, looks, first_seen, states, actor_died, restarts }
    }

    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// The last recorded time (the last sample, or `duration_s` if later).
    pub fn end(&self) -> SimTime {
        let last = self.times.last().copied().unwrap_or(SimTime::ZERO);
        last.max(at(self.recording.duration_s))
    }

    /// The index of the last sample at or before t (the first sample before it: nothing earlier was recorded); a
    /// binary search, the samples being in time order.
    pub fn sample_index(&self, t: SimTime) -> usize {
        self.times.partition_point(|s| *s <= t).saturating_sub(1)
    }

    /// The sample shown at t.
    pub fn sample_at(&self, t: SimTime) -> Option<&Sample> {
        self.recording.samples.get(self.sample_index(t))
    }

    /// The times of the samples, in order (the scrub bar's marks).
    pub fn sample_times(&self) -> &[SimTime] {
        &self.times
    }

    /// Every recorded event, as sentences.
    pub fn events(&self) -> &[ReplayEvent] {
        &self.events
    }

    /// (t in seconds, kind, sentence) of every recorded event, in time order.
    pub fn sentences(&self) -> Vec<(f64, String, String)> {
        self.events.iter().map(|e| (e.t.as_secs_f64(), e.kind.clone(), e.text.clone())).collect()
    }

    /// The recorded events at or before t.
    pub fn events_until(&self, t: SimTime) -> &[ReplayEvent] {
        &self.events[..self.events.partition_point(|e| e.t <= t)]
    }

    /// The cluster at t as the model's snapshot type: the last sample at or before t, with nodes by alias.
    pub fn snapshot_at(&self, t: SimTime) -> Snapshot {
        let Some(sample) = self.sample_at(t) else { return Snapshot { t, ..Snapshot::default() } };
        let rec = &self.recording;
        let alias = |id: &str| rec.alias(id).to_string();
        let t_s = t.as_secs_f64();
        // Which replica sits in which bundle: the recorder's bundle index, else its gang rank (Serve puts rank i in
        // bundle i), else bundle 0 of a per-replica PG.
        let mut in_bundle: BTreeMap<(&str, usize), &str> = BTreeMap::new();
        for r in replicas(sample) {
            if let Some(pg) = &r.placement_group_id {
                in_bundle
                    .entry((pg.as_str(), r.bundle_index.or(r.rank.map(|k| k as usize)).unwrap_or(0)))
                    .or_insert(&r.replica_id);
            }
        }
        // Which deployment each PG serves, from the replicas in it (once, not a scan per PG).
        let mut pg_owner: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for app in &sample.applications {
            for d in &app.deployments {
                for r in &d.replicas {
                    if let Some(pg) = &r.placement_group_id {
                        pg_owner.entry(pg.as_str()).or_insert((app.name.as_str(), d.name.as_str()));
                    }
                }
            }
        }
        let mut reserved: BTreeMap<String, Resources> = BTreeMap::new();
        let placement_groups: Vec<PlacementGroupView> = sample
            .placement_groups
            .iter()
            .map(|pg| {
                let state = parse::pg_state(&pg.state).unwrap_or(PlacementGroupState::Pending);
                let owner = self.owner_of(&pg_owner, pg.placement_group_id.as_str(), &pg.name);
                let bundles = pg
                    .bundles
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let resources = Resources::from_pairs(b.iter().map(|(k, v)| (k.as_str(), *v)));
                        let node = pg.bundle_nodes.get(i).cloned().flatten().map(|n| alias(&n));
                        if let (Some(n), PlacementGroupState::Created) = (&node, state) {
                            reserved.entry(n.clone()).or_default().add(&resources);
                        }
                        BundleView {
                            index: i,
                            resources,
                            node,
                            replica: in_bundle.get(&(pg.placement_group_id.as_str(), i)).map(|s| s.to_string()),
                        }
                    })
                    .collect();
                PlacementGroupView {
                    id: pg.placement_group_id.clone(),
                    name: pg.name.clone(),
                    state,
                    strategy: pg
                        .strategy
                        .as_deref()
                        .and_then(PlacementStrategy::parse)
                        .unwrap_or(PlacementStrategy::Pack),
                    bundles,
                    app: owner.0,
                    deployment: owner.1,
                    gang_id: gang_id_of(&pg.name),
                    pending_reason: (state != PlacementGroupState::Created && state != PlacementGroupState::Removed)
                        .then(|| {
                            "recorded on a real cluster: Ray does not say why a placement group waits".to_string()
                        }),
                }
            })
            .collect();
        let pg_names: BTreeMap<&str, &str> =
            sample.placement_groups.iter().map(|p| (p.placement_group_id.as_str(), p.name.as_str())).collect();
        let mut used: BTreeMap<String, Resources> = BTreeMap::new();
        let mut used_outside: BTreeMap<String, Resources> = BTreeMap::new();
        let mut replica_views = Vec::new();
        let mut deployments = Vec::new();
        let mut applications = Vec::new();
        for app in &sample.applications {
            applications.push(ApplicationView {
                name: app.name.clone(),
                status: parse::application_status(&app.status).unwrap_or(ApplicationStatus::NotStarted),
            });
            for d in &app.deployments {
                let look = self.looks.get(&(app.name.clone(), d.name.clone()));
                let positions = self.positions(sample, &d.replicas);
                // Each gang's members by rank, once per deployment (a scan per replica would be quadratic).
                let mut by_gang: BTreeMap<&str, Vec<(u32, &str)>> = BTreeMap::new();
                for m in &d.replicas {
                    if let Some(g) = &m.gang_id {
                        by_gang
                            .entry(g.as_str())
                            .or_default()
                            .push((m.rank.unwrap_or(u32::MAX), m.replica_id.as_str()));
                    }
                }
                let gangs: BTreeMap<&str, Vec<String>> = by_gang
                    .into_iter()
                    .map(|(g, mut v)| {
                        v.sort();
                        (g, v.into_iter().map(|(_, id)| id.to_string()).collect())
                    })
                    .collect();
                let mut count = BTreeMap::<ReplicaState, u32>::new();
                for r in &d.replicas {
                    let state = parse::replica_state(&r.state).unwrap_or(ReplicaState::Starting);
                    *count.entry(state).or_default() += 1;
                    let node = r.node_id.as_deref().map(alias);
                    let actor_alive = self.actor_died.get(&r.replica_id).is_none_or(|died| *died > t_s);
                    if let (Some(n), Some(l), true) = (&node, look, actor_alive) {
                        used.entry(n.clone()).or_default().add(&l.actor);
                        if r.placement_group_id.is_none() {
                            used_outside.entry(n.clone()).or_default().add(&l.actor);
                        }
                    }
                    let pg_name =
                        r.placement_group_id.as_deref().and_then(|id| pg_names.get(id)).map(|s| s.to_string());
                    let gang_context = match (&r.gang_id, r.rank) {
                        (Some(g), Some(rank)) => {
                            let members = gangs.get(g.as_str()).cloned().unwrap_or_default();
                            Some(GangContext {
                                gang_id: g.clone(),
                                rank,
                                world_size: r.world_size.unwrap_or(members.len() as u32),
                                member_replica_ids: members,
                                pg_name: pg_name.clone().unwrap_or_default(),
                            })
                        }
                        _ => None,
                    };
                    let since = self
                        .states
                        .get(&r.replica_id)
                        .and_then(|l| l.iter().rev().find(|(s, _)| *s <= t_s))
                        .map_or(0.0, |(s, _)| *s);
                    replica_views.push(ReplicaView {
                        id: r.replica_id.clone(),
                        app: app.name.clone(),
                        deployment: d.name.clone(),
                        state,
                        startup: matches!(
                            state,
                            ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering
                        )
                        .then_some(if node.is_some() {
                            ReplicaStartupStatus::PendingInitialization
                        } else {
                            ReplicaStartupStatus::PendingAllocation
                        }),
                        node,
                        pg_name,
                        bundle_index: r
                            .placement_group_id
                            .as_ref()
                            .map(|_| r.bundle_index.or(r.rank.map(|k| k as usize)).unwrap_or(0)),
                        gang_context,
                        consecutive_health_failures: 0,
                        actor_alive,
                        graceful_stop: None,
                        position: positions.get(r.replica_id.as_str()).copied().unwrap_or(u32::MAX),
                        since: at(since),
                        version: "v1".to_string(),
                        outdated: false,
                        ongoing: None,
                        max_ongoing: look.map_or(5, |l| l.max_ongoing),
                    });
                }
                let n = |s: &[ReplicaState]| s.iter().map(|k| count.get(k).copied().unwrap_or(0)).sum::<u32>();
                let trigger = d
                    .status_trigger
                    .as_deref()
                    .and_then(parse::deployment_trigger)
                    .unwrap_or(DeploymentStatusTrigger::Unspecified);
                let target = d.target_num_replicas.unwrap_or(d.replicas.len() as u32);
                deployments.push(DeploymentView {
                    app: app.name.clone(),
                    name: d.name.clone(),
                    status: parse::deployment_status(&d.status).unwrap_or(DeploymentStatus::Updating),
                    status_trigger: trigger,
                    message: d.message.clone().unwrap_or_default(),
                    target_num_replicas: target,
                    running: n(&[ReplicaState::Running]),
                    starting: n(&[ReplicaState::Starting, ReplicaState::Updating]),
                    recovering: n(&[ReplicaState::Recovering]),
                    stopping: n(&[ReplicaState::Stopping]),
                    gang_size: look.and_then(|l| l.gang_size),
                    strategy: look.and_then(|l| l.strategy),
                    failure_count: 0,
                    // Ray: min(max_constructor_retry_count (20), 3 × target).
                    failure_threshold: (3 * target).min(20),
                    gang_restarts: 0,
                    deleting: trigger == DeploymentStatusTrigger::Deleting,
                    version: "v1".to_string(),
                    pending_migration: n(&[ReplicaState::PendingMigration]),
                    outdated: 0,
                    rolling_update: false,
                    rolling_update_failed: false,
                    rollout_batch: 0,
                    max_surge_percent: 0,
                    traffic: None,
                    autoscaling: None,
                });
            }
        }
        let alive: BTreeMap<&str, bool> = sample.nodes.iter().map(|n| (n.node_id.as_str(), n.alive)).collect();
        let nodes: Vec<NodeView> = rec
            .cluster
            .nodes
            .iter()
            .filter_map(|n| {
                let is_alive = *alive.get(n.node_id.as_str())?;
                let resources = Resources::from_pairs(n.resources.iter().map(|(k, v)| (k.as_str(), *v)));
                let reserved = if is_alive { reserved.remove(&n.alias).unwrap_or_default() } else { Resources::new() };
                let used = if is_alive { used.remove(&n.alias).unwrap_or_default() } else { Resources::new() };
                let mut available = if is_alive { resources.clone() } else { Resources::new() };
                available.sub(&reserved);
                available.sub(&used_outside.remove(&n.alias).unwrap_or_default());
                Some(NodeView {
                    id: n.alias.clone(),
                    is_head: n.is_head,
                    alive: is_alive,
                    killed: false,
                    resources,
                    available,
                    reserved,
                    used,
                    labels: n.user_labels(),
                    draining: None,
                })
            })
            .collect();
        let restarts = self.restarts.iter().filter(|r| **r <= t_s).count() as u32;
        // A recording's nodes are those it saw; the page adds none to a replay.
        let nodes_joined = nodes.len() as u32;
        Snapshot {
            t,
            tick: t.0 / 100_000,
            nodes,
            placement_groups,
            replicas: replica_views,
            deployments,
            applications,
            controller: ControllerView {
                alive: sample.controller.alive.unwrap_or(true),
                // The model counts its first controller as incarnation 1.
                incarnation: 1 + restarts,
                recovering: false,
                restart_at_s: None,
                gcs_queries_fail_until_s: None,
                queued_calls: Vec::new(),
            },
            violations: 0,
            nodes_joined,
        }
    }

    /// Position of each replica, as the model numbers them: gangs oldest first (first seen, then the PG's index in
    /// its batch), or replicas oldest first for a non-gang deployment; STOPPING replicas have none.
    fn positions<'a>(&self, sample: &Sample, replicas: &'a [ReplicaSample]) -> BTreeMap<&'a str, u32> {
        gang_positions(replicas, |id| self.first_seen.get(id).copied().unwrap_or(f64::MAX), |r| batch_index(sample, r))
    }

    /// The (app, deployment) a PG belongs to: a replica of the sample in it, else its gang PG name.
    fn owner_of(&self, by_replicas: &BTreeMap<&str, (&str, &str)>, pg_id: &str, name: &str) -> (String, String) {
        if let Some((app, dep)) = by_replicas.get(pg_id) {
            return (app.to_string(), dep.to_string());
        }
        for (app, dep) in self.looks.keys() {
            if name.starts_with(&format!("SERVE_GANG::{app}_{dep}_")) {
                return (app.clone(), dep.clone());
            }
        }
        (String::new(), String::new())
    }
}

/// Every replica of a sample.
pub(crate) fn replicas(s: &Sample) -> impl Iterator<Item = &ReplicaSample> {
    s.applications.iter().flat_map(|a| a.deployments.iter().flat_map(|d| d.replicas.iter()))
}

/// The gang id at the end of a gang PG's name (`SERVE_GANG::{app}_{deployment}_{n}_{gang_id}`).
pub(crate) fn gang_id_of(pg_name: &str) -> Option<String> {
    pg_name.strip_prefix("SERVE_GANG::").and_then(|rest| rest.rsplit('_').next()).map(str::to_string)
}

/// The batch index `n` in the name of the gang PG the replica sits in (`u32::MAX` when unknown).
pub(crate) fn batch_index(sample: &Sample, r: &ReplicaSample) -> u32 {
    let id = r.placement_group_id.as_deref();
    let name =
        sample.placement_groups.iter().find(|p| Some(p.placement_group_id.as_str()) == id).map(|p| p.name.as_str());
    name.and_then(|n| n.strip_prefix("SERVE_GANG::"))
        .and_then(|rest| rest.rsplit('_').nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

/// Positions of a deployment's replicas that are not STOPPING: a gang's place among the gangs (oldest first) for
/// gang members, a replica's among the others. "Oldest" is first seen, ties broken by the gang PG's batch index and
/// then the id (what the model's actor creation order is in Ray: PGs of one batch are created in index order).
pub(crate) fn gang_positions(
    replicas: &[ReplicaSample],
    first_seen: impl Fn(&str) -> f64,
    batch: impl Fn(&ReplicaSample) -> u32,
) -> BTreeMap<&str, u32> {
    let live: Vec<&ReplicaSample> = replicas.iter().filter(|r| r.state != "STOPPING").collect();
    let mut gangs: BTreeMap<&str, (f64, u32)> = BTreeMap::new();
    for r in &live {
        if let Some(g) = &r.gang_id {
            let e = gangs.entry(g.as_str()).or_insert((f64::MAX, u32::MAX));
            e.0 = e.0.min(first_seen(&r.replica_id));
            e.1 = e.1.min(batch(r));
        }
    }
    let mut order: Vec<(&str, (f64, u32))> = gangs.into_iter().collect();
    order.sort_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.cmp(&b.1.1)).then(a.0.cmp(b.0)));
    let mut out = BTreeMap::new();
    let mut plain: Vec<&ReplicaSample> = live.iter().copied().filter(|r| r.gang_id.is_none()).collect();
    plain.sort_by(|a, b| {
        first_seen(&a.replica_id).total_cmp(&first_seen(&b.replica_id)).then(a.replica_id.cmp(&b.replica_id))
    });
    for (i, r) in plain.iter().enumerate() {
        out.insert(r.replica_id.as_str(), i as u32);
    }
    let place: BTreeMap<&str, u32> = order.iter().enumerate().map(|(i, (g, _))| (*g, i as u32)).collect();
    for r in &live {
        if let Some(p) = r.gang_id.as_deref().and_then(|g| place.get(g)) {
            out.insert(r.replica_id.as_str(), *p);
        }
    }
    out
}

/// A recorded event in a sentence, with what it names.
fn sentence(e: &RecordedEvent, pg_name: Option<&str>) -> ReplayEvent {
    let mut touches: Vec<String> = Vec::new();
    touches.extend(e.replica.clone());
    touches.extend(e.node.clone());
    touches.extend(e.gang_id.clone());
    touches.extend(e.name.clone());
    let dep = match (&e.app, &e.deployment) {
        (Some(a), Some(d)) => format!("{a}/{d}"),
        (Some(a), None) => a.clone(),
        _ => String::new(),
    };
    let replica = {
        let id = e.replica.clone().unwrap_or_default();
        match (&e.gang_id, e.rank) {
            (Some(g), Some(r)) => format!("replica {id} (gang {g} rank {r})"),
            _ => format!("replica {id}"),
        }
    };
    let on = e.node.as_ref().map_or(String::new(), |n| format!(" on {n}"));
    let from = e.from_text().unwrap_or_else(|| "?".into());
    let to = e.to_text().unwrap_or_else(|| "?".into());
    let pg = e.name.as_deref().or(pg_name).or(e.placement_group_id.as_deref()).unwrap_or_default().to_string();
    if !pg.is_empty() {
        touches.push(pg.clone());
    }
    let text = match e.kind.as_str() {
        "node_added" => format!("Node {} joined the cluster.", e.node.as_deref().unwrap_or("?")),
        "node_dead" => format!("Node {} is dead (Ray's node table says DEAD).", e.node.as_deref().unwrap_or("?")),
        "controller_down" => "The Serve controller is down (its actor could not be reached).".to_string(),
        "controller_up" if e.restarted == Some(true) => {
            "The Serve controller is up again as a new actor: it restarted and recovers its replicas.".to_string()
        }
        "controller_up" => "The Serve controller answers again.".to_string(),
        "app_added" => format!("Application {dep} appeared."),
        "replica_added" => format!("{dep}: {replica} appeared, {to}{on}."),
        "replica_state" => format!("{dep}: {replica} {from} → {to}{on}."),
        "replica_removed" => format!("{dep}: {replica} left the controller's table (last seen {from}{on})."),
        "replica_actor_died" => match &e.death_cause {
            Some(c) => format!("The actor of {replica} died{on}: {c}"),
            None => format!("The actor of {replica} died{on}."),
        },
        "pg_created" => match e.to_text().or(e.state.clone()) {
            Some(state) => format!("Placement group {pg} was created ({state})."),
            None => format!("Placement group {pg} was created."),
        },
        "pg_state" => format!("Placement group {pg}: {from} → {to}."),
        "pg_removed" => format!("Placement group {pg} was removed."),
        "deployment_status" => {
            let trigger = e.trigger.as_ref().map_or(String::new(), |t| format!(" ({t})"));
            let msg = e.message.as_ref().filter(|m| !m.is_empty()).map_or(String::new(), |m| format!(": {m}"));
            match &e.from {
                Some(_) => {
                    format!("Deployment {dep}: {from} → {to}{trigger}{msg}").trim_end_matches('.').to_string() + "."
                }
                None => format!("Deployment {dep} is {to}{trigger}{msg}").trim_end_matches('.').to_string() + ".",
            }
        }
        "target_changed" => format!("Deployment {dep}: the target went from {from} to {to} replicas."),
        "app_status" => match &e.from {
            Some(_) => format!("Application {dep}: {from} → {to}."),
            None => format!("Application {dep} is {to}."),
        },
        "app_deleted" => format!("Application {dep} is gone (deleted)."),
        "deployment_added" => format!("Deployment {dep} appeared."),
        "deployment_deleted" => format!("Deployment {dep} is gone."),
        other => format!("{other} at {:.2} s.", e.t),
    };
    let set: BTreeSet<String> = touches.into_iter().collect();
    ReplayEvent { t: at(e.t), kind: e.kind.clone(), text, touches: set.into_iter().collect() }
}
