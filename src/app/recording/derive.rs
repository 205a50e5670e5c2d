//! A scenario from a recording: the cluster and deployments as they were when the application was deployed, and
//! the faults the recording shows — replica deaths the controller did not cause, node deaths and additions,
//! controller restarts (with the observed restart delay), target changes and app deletion — as timestamped actions.
//! What cannot be derived is listed with why, never guessed.
//!
//! One clock: the model starts at the deploy (the scenario's t = 0 is the recording's `offset_s`), so
//! recording t = model t + `offset_s`. A fault seen at sample t happened between the previous sample and t; it is
//! placed half a period before t (never before the previous sample).
use super::config::deployment_spec;
use super::format::{RecordedEvent, Recording, ReplicaSample, Sample};
use super::replay::{batch_index, gang_positions, replicas};
use crate::model::resources::Resources;
use crate::model::scenario::{
    Action, ActionKind, ApplicationSpec, ClusterSpec, DeploymentRef, HeadSpec, NodeSpec, ReplicaRef, SCENARIO_FORMAT,
    Scenario, TimingSpec, Toggles,
};
use crate::model::time::SimTime;
use std::collections::BTreeMap;

/// A fault or command read from the recording, as the action the scenario gets.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedFault {
    /// When it happened on the recording's clock (estimated: see the module docs).
    pub t: f64,
    /// The action, at model time (`t - offset_s`).
    pub action: Action,
    /// What the recording showed, in a sentence.
    pub evidence: String,
    /// For a replica death: the real replica's id.
    pub replica_id: Option<String>,
}

/// Something the recording shows that the scenario does not reproduce, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct NotDerived {
    pub t: Option<f64>,
    pub what: String,
    pub why: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    pub scenario: Scenario,
    /// Recording t = model t + offset_s (the deploy's time in the recording).
    pub offset_s: f64,
    /// How the clocks were aligned, in a sentence.
    pub alignment: String,
    pub faults: Vec<DerivedFault>,
    pub not_derived: Vec<NotDerived>,
    /// Config keys kept without being simulated, per deployment (`app/G: logging_config: not simulated`).
    pub notes: Vec<String>,
}

impl std::fmt::Display for NotDerived {
    /// "what: why" (with the time first when there is one).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(t) = self.t {
            write!(f, "at {t:.2} s: ")?;
        }
        write!(f, "{}: {}", self.what, self.why)
    }
}

impl Derived {
    /// The model's time for a recording time (0 before the deploy).
    pub fn model_time(&self, recording_t: f64) -> SimTime {
        SimTime::from_secs_f64(recording_t - self.offset_s)
    }

    /// The recording's time for a model time.
    pub fn recording_time(&self, model: SimTime) -> f64 {
        model.as_secs_f64() + self.offset_s
    }

    /// The derived scenario in a few lines: alignment, cluster, deployments, faults, what was not derived.
    pub fn summary(&self) -> String {
        let s = &self.scenario;
        let mut out = vec![self.alignment.clone()];
        let res = |r: &crate::model::resources::Resources| {
            if r.is_empty() { "no resources".to_string() } else { r.describe() }
        };
        let nodes: Vec<String> = std::iter::once(format!("{} ({})", s.head_id(), res(&s.cluster.head.resources)))
            .chain(s.cluster.nodes.iter().map(|n| format!("{} ({})", n.id, res(&n.resources))))
            .collect();
        out.push(format!("Cluster: {}.", nodes.join(", ")));
        for a in &s.applications {
            for d in &a.deployments {
                let gang = d.gang_scheduling_config.as_ref().map_or(String::new(), |g| {
                    format!(", gangs of {} {} {}", g.gang_size, g.gang_placement_strategy, g.runtime_failure_policy)
                });
                let n = match &d.num_replicas {
                    Some(n) => serde_json::to_string(n).unwrap_or_default(),
                    None if d.autoscaling_config.is_some() => "auto".to_string(),
                    None => "1".to_string(),
                };
                out.push(format!("Deployment {}/{}: {} replica(s){gang}.", a.name, d.name, n.trim_matches('"')));
            }
        }
        if self.faults.is_empty() {
            out.push("Faults: none seen.".to_string());
        }
        for f in &self.faults {
            out.push(format!(
                "At {:.2} s (model {:.2} s): {} — {}",
                f.t,
                f.action.at_s,
                serde_json::to_string(&f.action).unwrap_or_default(),
                f.evidence
            ));
        }
        for n in &self.not_derived {
            out.push(format!("Not derived: {n}"));
        }
        for n in &self.notes {
            out.push(format!("Config: {n}"));
        }
        out.join("\n")
    }
}

/// Death causes Ray writes when an actor exits because it was asked to (Serve's graceful stop, `ray.kill`).
const ASKED_TO_EXIT: &[&str] = &["INTENDED", "exit_actor", "ray.kill"];
/// Death causes of a process that died on its own or was killed from outside.
const DIED_ON_ITS_OWN: &[&str] = &["SYSTEM_ERROR", "worker process has died", "unexpectedly", "signal", "SIGKILL"];

/// The scenario the model runs for this recording, and what could not be derived.
pub fn derive(rec: &Recording) -> Derived {
    let period = rec.recorder.period_s.unwrap_or(0.5);
    let mut not_derived = Vec::new();
    let mut notes = Vec::new();
    let (offset_s, alignment) = align(rec, period, &mut not_derived);
    let deploy_index = rec.samples.iter().position(|s| s.t >= offset_s).unwrap_or(0);
    let empty = Sample {
        t: 0.0,
        controller: Default::default(),
        nodes: Vec::new(),
        applications: Vec::new(),
        placement_groups: Vec::new(),
        errors: Vec::new(),
    };
    // A parsed recording has samples; an empty one (built by hand) derives an empty cluster rather than panicking.
    let at_deploy = rec.samples.get(deploy_index).unwrap_or(&empty);

    // The cluster: nodes alive at the deploy (the head named "head"); later nodes join by add_node.
    let alive_at = |s: &Sample, id: &str| s.nodes.iter().any(|n| n.node_id == id && n.alive);
    let mut head = HeadSpec { id: None, resources: Resources::new(), labels: BTreeMap::new() };
    let mut nodes = Vec::new();
    let mut faults = Vec::new();
    for n in &rec.cluster.nodes {
        let resources = Resources::from_pairs(n.resources.iter().map(|(k, v)| (k.as_str(), *v)));
        if n.is_head {
            head = HeadSpec { id: Some(n.alias.clone()), resources, labels: n.user_labels() };
        } else if alive_at(at_deploy, &n.node_id) {
            nodes.push(NodeSpec { id: n.alias.clone(), resources, labels: n.user_labels() });
        } else if let Some(t) = rec.samples.iter().find(|s| alive_at(s, &n.node_id)).map(|s| s.t) {
            let spec = NodeSpec { id: n.alias.clone(), resources, labels: n.user_labels() };
            faults.push(fault(
                t,
                offset_s,
                ActionKind::AddNode { node: spec },
                format!("node {} joined", n.alias),
                None,
            ));
        }
    }

    // Deployments as configured.
    let mut applications = Vec::new();
    for a in &rec.applications {
        let mut deployments = Vec::new();
        for d in &a.deployments {
            let (spec, mut n) = deployment_spec(&d.name, &d.config);
            notes.extend(n.drain(..).map(|x| format!("{}/{}: {x}", a.name, d.name)));
            deployments.push(spec);
        }
        applications.push(ApplicationSpec { name: a.name.clone(), deployments });
    }
    if !rec.gangs_supported {
        notes.push(format!("Ray {} has no gang scheduling: plain replicas only", rec.ray_version));
    }

    let mut timing = TimingSpec::default();
    node_deaths(rec, period, offset_s, &mut faults, &mut timing);
    replica_deaths(rec, period, offset_s, &mut faults, &mut not_derived);
    controller_restarts(rec, period, offset_s, &mut faults, &mut timing);
    commands(rec, period, offset_s, &applications, &mut faults, &mut not_derived);
    unexplained(rec, &faults, &mut not_derived);
    faults.retain(|f| f.t >= offset_s);
    faults.sort_by(|a, b| a.t.total_cmp(&b.t));

    let until_s = ((rec.duration_s - offset_s).max(1.0) + 1.0).ceil();
    let scenario = Scenario {
        format: SCENARIO_FORMAT.to_string(),
        name: format!(
            "Derived from the recording of {}",
            if rec.started_at.is_empty() { "a real cluster" } else { &rec.started_at }
        ),
        description: format!(
            "{alignment} Derived by Gangplank from a gangplank.recording/v1 file (Ray {}).",
            rec.ray_version
        ),
        what_to_watch: String::new(),
        seed: 0,
        until_s,
        cluster: ClusterSpec { head, nodes, x: None },
        timing,
        toggles: Toggles::default(),
        applications,
        actions: faults.iter().map(|f| f.action.clone()).collect(),
        traffic: Vec::new(),
        validation: None,
        x: None,
    };
    Derived { scenario, offset_s, alignment, faults, not_derived, notes }
}

fn fault(t: f64, offset_s: f64, kind: ActionKind, evidence: String, replica_id: Option<String>) -> DerivedFault {
    let at_s = ((t - offset_s).max(0.0) * 1000.0).round() / 1000.0;
    DerivedFault { t, action: Action { at_s, kind }, evidence, replica_id }
}

/// When something seen at sample time `t` happened: half a period earlier, never before the previous sample.
fn happened(rec: &Recording, t: f64, period: f64) -> f64 {
    let prev = rec.samples.iter().rev().map(|s| s.t).find(|s| *s < t).unwrap_or(0.0);
    (t - period / 2.0).max(prev)
}

/// The deploy's time: the first sample that shows an application.
fn align(rec: &Recording, period: f64, not_derived: &mut Vec<NotDerived>) -> (f64, String) {
    let first = rec.samples.iter().position(|s| !s.applications.is_empty());
    match first {
        None => {
            (0.0, "No application was seen: the model runs the cluster alone from the recording's t = 0.".to_string())
        }
        Some(0) => {
            let running = rec.samples[0].applications.iter().any(|a| a.status != "DEPLOYING");
            if running {
                not_derived.push(NotDerived {
                    t: Some(rec.samples[0].t),
                    what: "the deploy".to_string(),
                    why: "the recording started after the application was deployed: the model deploys at the \
                          recording's first sample, so its first seconds (start-up) are not compared"
                        .to_string(),
                });
            }
            let t = rec.samples[0].t;
            (
                t,
                format!(
                    "Aligned at the first sample ({t:.2} s), which already shows the application: model t = recording t − {t:.2} s."
                ),
            )
        }
        Some(i) => {
            let t = happened(rec, rec.samples[i].t, period);
            let t = (t * 1000.0).round() / 1000.0;
            (
                t,
                format!(
                    "Aligned at the deploy: the application first appears in the sample at {:.2} s, so the deploy is placed at {t:.2} s; model t = recording t − {t:.2} s.",
                    rec.samples[i].t
                ),
            )
        }
    }
}

/// The replica as the last sample strictly before t shows it, with that sample.
fn before<'a>(rec: &'a Recording, id: &str, t: f64) -> Option<(&'a Sample, &'a str, &'a str, &'a ReplicaSample)> {
    rec.samples.iter().rev().filter(|s| s.t < t).find_map(|s| {
        s.applications.iter().find_map(|a| {
            a.deployments.iter().find_map(|d| {
                d.replicas.iter().find(|r| r.replica_id == id).map(|r| (s, a.name.as_str(), d.name.as_str(), r))
            })
        })
    })
}

/// The replica's state in the sample at (or the first after) t, None when it is no longer listed.
fn state_at<'a>(rec: &'a Recording, id: &str, t: f64) -> Option<&'a str> {
    let s = rec.samples.iter().find(|s| s.t >= t)?;
    replicas(s).find(|r| r.replica_id == id).map(|r| r.state.as_str())
}

fn node_deaths(rec: &Recording, period: f64, offset_s: f64, faults: &mut Vec<DerivedFault>, timing: &mut TimingSpec) {
    let mut detections = Vec::new();
    for e in rec.events.iter().filter(|e| e.kind == "node_dead") {
        let Some(alias) = &e.node else { continue };
        // The earliest sign: an actor on it seen dead before the GCS declared the node dead.
        let first_sign = rec
            .events
            .iter()
            .filter(|x| {
                x.kind == "replica_actor_died" && x.node.as_ref() == Some(alias) && x.t <= e.t && x.t >= e.t - 60.0
            })
            .map(|x| x.t)
            .fold(e.t, f64::min);
        let kill_t = happened(rec, first_sign, period);
        detections.push(e.t - kill_t);
        faults.push(fault(
            kill_t,
            offset_s,
            ActionKind::KillNode { node: alias.clone() },
            format!("node {alias} was declared dead at {:.2} s (first sign at {first_sign:.2} s)", e.t),
            None,
        ));
    }
    if !detections.is_empty() {
        let mean = detections.iter().sum::<f64>() / detections.len() as f64;
        timing.node_death_detection_s = Some(((mean.max(0.1)) * 1000.0).round() / 1000.0);
    }
}

/// Why a replica's actor died: `Some(true)` from outside (a crash, a kill), `Some(false)` the controller stopped it,
/// `None` its node died.
fn death_is_external(rec: &Recording, e: &RecordedEvent, before: Option<&ReplicaSample>) -> Option<bool> {
    let id = e.replica.as_deref().unwrap_or_default();
    let node = e.node.clone().or_else(|| before.and_then(|r| r.node_id.as_deref()).map(|n| rec.alias(n).to_string()));
    let node_died =
        rec.events.iter().any(|x| x.kind == "node_dead" && x.node == node && x.t >= e.t - 1.0 && x.t <= e.t + 60.0);
    if node_died {
        return None;
    }
    if e.death_reason.as_deref() == Some("NODE_DIED") {
        return None;
    }
    // The recorder's reading (from the last Serve state it saw, and whether Serve still listed the replica).
    if let Some(by_controller) = e.by_controller {
        return Some(!by_controller);
    }
    let was_stopping = before.is_some_and(|r| r.state == "STOPPING") || e.serve_state.as_deref() == Some("STOPPING");
    let now = state_at(rec, id, e.t);
    let left_alone = !was_stopping && matches!(now, Some(s) if s != "STOPPING");
    let cause = e.death_cause.as_deref().unwrap_or_default();
    if DIED_ON_ITS_OWN.iter().any(|c| cause.contains(c)) {
        return Some(!was_stopping);
    }
    if ASKED_TO_EXIT.iter().any(|c| cause.contains(c)) {
        // The controller's stops go through STOPPING; a ray.kill of a replica the controller left alone is a user's.
        return Some(left_alone);
    }
    Some(left_alone)
}

fn replica_deaths(
    rec: &Recording,
    period: f64,
    offset_s: f64,
    faults: &mut Vec<DerivedFault>,
    not_derived: &mut Vec<NotDerived>,
) {
    let mut first_seen: BTreeMap<&str, f64> = BTreeMap::new();
    for s in &rec.samples {
        for r in replicas(s) {
            first_seen.entry(r.replica_id.as_str()).or_insert(s.t);
        }
    }
    for e in rec.events.iter().filter(|e| e.kind == "replica_actor_died") {
        let Some(id) = &e.replica else { continue };
        let found = before(rec, id, e.t);
        if death_is_external(rec, e, found.map(|f| f.3)) != Some(true) {
            continue;
        }
        let Some((sample, app, dep, r)) = found else { continue };
        let deployment = sample
            .applications
            .iter()
            .find(|a| a.name == app)
            .and_then(|a| a.deployments.iter().find(|d| d.name == dep))
            .expect("found in this sample");
        let positions = gang_positions(
            &deployment.replicas,
            |x| first_seen.get(x).copied().unwrap_or(f64::MAX),
            |x| batch_index(sample, x),
        );
        let Some(position) = positions.get(id.as_str()).copied() else { continue };
        if r.gang_id.is_some() && r.rank.is_none() {
            not_derived.push(NotDerived {
                t: Some(e.t),
                what: format!("the death of replica {id} (gang {})", r.gang_id.as_deref().unwrap_or_default()),
                why: "its rank was not readable (the recorder could not tell which bundle it sat in), and a gang \
                      member is addressed by gang position and rank"
                    .to_string(),
            });
            continue;
        }
        let mut target = ReplicaRef { app: app.to_string(), deployment: dep.to_string(), ..ReplicaRef::default() };
        let said = match (&r.gang_id, r.rank) {
            (Some(g), Some(rank)) => {
                target.gang = Some(position);
                target.rank = Some(rank);
                format!("gang {position} rank {rank} (gang {g})")
            }
            _ => {
                target.index = Some(position);
                format!("index {position}")
            }
        };
        let cause = e.death_cause.as_ref().map_or(String::new(), |c| format!(": {c}"));
        faults.push(fault(
            happened(rec, e.t, period),
            offset_s,
            ActionKind::KillReplica { replica: target },
            format!("the actor of replica {id}, {said}, was seen dead at {:.2} s while {}{cause}", e.t, r.state),
            Some(id.clone()),
        ));
    }
}

fn controller_restarts(
    rec: &Recording,
    period: f64,
    offset_s: f64,
    faults: &mut Vec<DerivedFault>,
    timing: &mut TimingSpec,
) {
    let mut delays = Vec::new();
    let mut last_id: Option<(Option<&str>, Option<u64>, Option<u64>)> = None;
    let mut down_since: Option<f64> = None;
    for s in &rec.samples {
        let alive = s.controller.alive;
        if alive == Some(false) && down_since.is_none() {
            down_since = Some(s.t);
            continue;
        }
        // A restart keeps the actor id (a restartable actor) and changes its pid and restart count.
        let c = &s.controller;
        let id = c.actor_id.is_some().then_some((c.actor_id.as_deref(), c.pid, c.num_restarts));
        let changed = matches!((last_id, id), (Some(a), Some(b)) if a != b);
        if alive == Some(true) && (down_since.is_some() || changed) {
            if changed {
                let down = down_since.unwrap_or(s.t);
                let kill_t = happened(rec, down, period);
                delays.push(s.t - kill_t);
                let seen = match down_since {
                    Some(d) => {
                        format!("the controller was down from {d:.2} s and up again, restarted, at {:.2} s", s.t)
                    }
                    None => format!(
                        "the controller restarted between two samples (seen at {:.2} s: new pid or restart count)",
                        s.t
                    ),
                };
                faults.push(fault(kill_t, offset_s, ActionKind::KillController {}, seen, None));
            }
            down_since = None;
        }
        if id.is_some() {
            last_id = id;
        }
    }
    if !delays.is_empty() {
        let mean = delays.iter().sum::<f64>() / delays.len() as f64;
        timing.controller_restart_s = Some((mean.max(0.1) * 1000.0).round() / 1000.0);
    }
}

/// The user's commands: target changes (not the autoscaler's) and app deletion.
fn commands(
    rec: &Recording,
    period: f64,
    offset_s: f64,
    apps: &[ApplicationSpec],
    faults: &mut Vec<DerivedFault>,
    not_derived: &mut Vec<NotDerived>,
) {
    let autoscaled = |app: &str, dep: &str| {
        apps.iter().any(|a| a.name == app && a.deployments.iter().any(|d| d.name == dep && d.autoscaling()))
    };
    for e in &rec.events {
        match e.kind.as_str() {
            "target_changed" => {
                let (Some(app), Some(dep)) = (&e.app, &e.deployment) else { continue };
                let to = e.to.as_ref().and_then(|v| v.as_i64());
                if autoscaled(app, dep) {
                    not_derived.push(NotDerived {
                        t: Some(e.t),
                        what: format!("{app}/{dep}: the target went to {}", e.to_text().unwrap_or_default()),
                        why: "the autoscaler decided it from request metrics the recording does not have".to_string(),
                    });
                } else if let Some(n) = to {
                    faults.push(fault(
                        happened(rec, e.t, period),
                        offset_s,
                        ActionKind::SetNumReplicas {
                            deployment: DeploymentRef { app: app.clone(), deployment: dep.clone() },
                            num_replicas: n,
                        },
                        format!("the target went from {} to {n} at {:.2} s", e.from_text().unwrap_or_default(), e.t),
                        None,
                    ));
                }
            }
            "app_status" if e.to_text().as_deref() == Some("DELETING") => {
                let Some(app) = &e.app else { continue };
                faults.push(fault(
                    happened(rec, e.t, period),
                    offset_s,
                    ActionKind::DeleteApp { app: app.clone() },
                    format!("application {app} was DELETING at {:.2} s", e.t),
                    None,
                ));
            }
            "app_deleted" => {
                let Some(app) = &e.app else { continue };
                let already =
                    faults.iter().any(|f| matches!(&f.action.kind, ActionKind::DeleteApp { app: a } if a == app));
                if !already {
                    faults.push(fault(
                        happened(rec, e.t, period),
                        offset_s,
                        ActionKind::DeleteApp { app: app.clone() },
                        format!("application {app} was gone at {:.2} s", e.t),
                        None,
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Status changes the derived faults do not explain: health checks failing on a live actor, constructors failing,
/// redeploys.
fn unexplained(rec: &Recording, faults: &[DerivedFault], not_derived: &mut Vec<NotDerived>) {
    let mut deploys_seen: BTreeMap<(String, String), u32> = BTreeMap::new();
    for e in rec.events.iter().filter(|e| e.kind == "deployment_status") {
        let (Some(app), Some(dep)) = (&e.app, &e.deployment) else { continue };
        // A dead actor or node explains a failed health check, whether or not its death became an action.
        let explained_since = |within: f64| {
            let in_window = |t: f64| t <= e.t && t >= e.t - within;
            faults.iter().filter(|f| in_window(f.t)).any(|f| match &f.action.kind {
                ActionKind::KillReplica { replica } => replica.app == *app && replica.deployment == *dep,
                ActionKind::KillNode { .. } => true,
                _ => false,
            }) || rec.events.iter().filter(|x| in_window(x.t)).any(|x| {
                x.kind == "node_dead"
                    || x.kind == "replica_actor_died"
                        && x.app.as_ref().is_none_or(|a| a == app)
                        && x.deployment.as_ref().is_none_or(|d| d == dep)
            })
        };
        match e.trigger.as_deref() {
            Some("HEALTH_CHECK_FAILED") if !explained_since(60.0) => not_derived.push(NotDerived {
                t: Some(e.t),
                what: format!("{app}/{dep}: a health check failed while no replica's actor had died"),
                why: "a hang or an exception in check_health is not visible from outside; add a fail_health_check \
                      action to the scenario by hand"
                    .to_string(),
            }),
            Some("REPLICA_STARTUP_FAILED") => not_derived.push(NotDerived {
                t: Some(e.t),
                what: format!("{app}/{dep}: a replica's constructor failed"),
                why: "the recording does not say which constructor run raised or how often; add a fail_constructor \
                      action by hand"
                    .to_string(),
            }),
            Some("CONFIG_UPDATE_STARTED") => {
                let n = deploys_seen.entry((app.clone(), dep.clone())).or_default();
                *n += 1;
                if *n > 1 {
                    not_derived.push(NotDerived {
                        t: Some(e.t),
                        what: format!("{app}/{dep}: redeployed"),
                        why: "the recording keeps the deployment's config once; a changed config is not known"
                            .to_string(),
                    });
                }
            }
            _ => {}
        }
    }
}
