//! Reality beside the model, on one clock: the model runs the scenario [`derive`](super::derive) made from the
//! recording, and each comparison becomes a row — who was stopped after each fault (by gang position and rank),
//! which gangs survived, placement groups removed or leaked, final statuses, and timings against the model's
//! configured ranges. A row agrees, is timing noise (reality took longer or shorter than the model's ranges allow,
//! but did the same), or disagrees (reality did something else).
use super::derive::{Derived, DerivedFault};
use super::format::{Recording, ReplicaSample, Sample};
use super::replay::{batch_index, gang_positions, replicas};
use crate::model::Simulation;
use crate::model::events::EventKind;
use crate::model::placement::PlacementGroupState;
use crate::model::scenario::{ActionKind, TimingSpec, validate};
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus};
use crate::model::snapshot::Snapshot;
use crate::model::time::SimTime;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agrees,
    /// The same outcome, at a time outside what the model's configured ranges allow (or apart by more than the
    /// sampling and start-up spread).
    TimingNoise,
    Disagrees,
}

/// One comparison between reality and the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// When, on the recording's clock.
    pub t_s: f64,
    /// What the row is about ("who was stopped after the kill of s8vr0pj8").
    pub subject: String,
    /// What reality did.
    pub reality: String,
    /// What the model did.
    pub model: String,
    pub verdict: Verdict,
}

impl Difference {
    pub fn timing_noise(&self) -> bool {
        self.verdict == Verdict::TimingNoise
    }
}

/// Every comparison, in time order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub rows: Vec<Difference>,
    /// Recording t = model t + offset_s.
    pub offset_s: f64,
}

impl Check {
    /// The rows that do not agree.
    pub fn differences(&self) -> impl Iterator<Item = &Difference> {
        self.rows.iter().filter(|r| r.verdict != Verdict::Agrees)
    }

    /// The model disagrees with reality beyond timing noise.
    pub fn disagrees(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Disagrees)
    }

    /// The rows as text, one per line: `[disagrees] 12.50 s  who was stopped ...: reality ...; model ...`.
    pub fn text(&self) -> String {
        self.rows
            .iter()
            .map(|r| {
                let mark = match r.verdict {
                    Verdict::Agrees => "agrees      ",
                    Verdict::TimingNoise => "timing noise",
                    Verdict::Disagrees => "DISAGREES   ",
                };
                format!("[{mark}] {:>7.2} s  {}: reality {}; model {}", r.t_s, r.subject, r.reality, r.model)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Run the model on the derived scenario and compare it with the recording. `Err` when the derived scenario is not
/// one the model accepts (the message says why).
pub fn diff(rec: &Recording, derived: &Derived) -> Result<Check, String> {
    let mut scenario = derived.scenario.clone();
    // A little past the recording's end, so that "the model got there a moment later" can be told from "never".
    scenario.until_s = scenario.until_s.max(rec.duration_s - derived.offset_s + SETTLE_S + 1.0).ceil();
    validate(&scenario).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!("the derived scenario is not valid: {}", list.join("; "))
    })?;
    let period = rec.recorder.period_s.unwrap_or(0.5);
    let mut sim = Simulation::new(&scenario);
    let mut before = Vec::new();
    for f in &derived.faults {
        let at = SimTime::from_secs_f64(f.action.at_s);
        sim.run_until(SimTime(at.0.saturating_sub(1)));
        before.push(sim.snapshot());
    }
    let end_model = derived.model_time(rec.duration_s);
    sim.run_until(end_model);
    let at_end = sim.snapshot();
    sim.run_to_end();
    let events = sim.events().to_vec();
    let ctx = Ctx { rec, derived, period, events: &events, timing: scenario.timing.filled() };
    let mut rows = Vec::new();
    ctx.startup(&mut rows);
    for (i, f) in derived.faults.iter().enumerate() {
        let until = derived.faults.get(i + 1).map_or(rec.duration_s, |n| n.t);
        ctx.after_fault(f, until, &before[i], &mut rows);
    }
    ctx.end_state(&at_end, &mut rows);
    rows.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    Ok(Check { rows, offset_s: derived.offset_s })
}

/// How long after the recording's end the model may reach reality's final state and still count as timing noise.
const SETTLE_S: f64 = 3.0;

struct Ctx<'a> {
    rec: &'a Recording,
    derived: &'a Derived,
    period: f64,
    events: &'a [crate::model::events::Event],
    timing: TimingSpec,
}

/// (gang position, rank) or (index, None): how a person names a replica.
type Place = (u32, Option<u32>);

fn place_text(places: &BTreeSet<Place>) -> String {
    if places.is_empty() {
        return "none".to_string();
    }
    places
        .iter()
        .map(|(p, r)| match r {
            Some(r) => format!("gang {p} rank {r}"),
            None => format!("replica {p}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn live_is_gangs(live: &BTreeSet<Place>) -> bool {
    live.iter().any(|(_, r)| r.is_some())
}

fn gangs_text(gangs: &BTreeSet<u32>) -> String {
    if gangs.is_empty() {
        "none".to_string()
    } else {
        gangs.iter().map(|g| format!("gang {g}")).collect::<Vec<_>>().join(", ")
    }
}

impl Ctx<'_> {
    fn model_t(&self, t: SimTime) -> f64 {
        self.derived.recording_time(t)
    }

    fn samples_in(&self, from: f64, until: f64) -> impl Iterator<Item = &Sample> {
        self.rec.samples.iter().filter(move |s| s.t > from && s.t <= until)
    }

    fn last_before(&self, t: f64) -> Option<&Sample> {
        self.rec.samples.iter().rev().find(|s| s.t < t)
    }

    fn first_seen(&self) -> BTreeMap<&str, f64> {
        let mut m = BTreeMap::new();
        for s in &self.rec.samples {
            for r in replicas(s) {
                m.entry(r.replica_id.as_str()).or_insert(s.t);
            }
        }
        m
    }

    /// Start-up: each replica's first STARTING → RUNNING in reality, against the model's configured ranges.
    fn startup(&self, rows: &mut Vec<Difference>) {
        let first = self.first_seen();
        let mut running: BTreeMap<&str, f64> = BTreeMap::new();
        for s in &self.rec.samples {
            for r in replicas(s).filter(|r| r.state == "RUNNING") {
                running.entry(r.replica_id.as_str()).or_insert(s.t);
            }
        }
        let mut took: Vec<(f64, &str, f64)> = running
            .iter()
            .filter_map(|(id, run)| first.get(id).filter(|f| **f > self.rec.samples[0].t).map(|f| (*run - *f, *id, *f)))
            .collect();
        if took.is_empty() {
            return;
        }
        took.sort_by(|a, b| a.0.total_cmp(&b.0));
        let [wlo, _] = self.timing.replica_warm_startup_s.unwrap_or(TimingSpec::DEFAULT_REPLICA_WARM_STARTUP_S);
        let [_, chi] = self.timing.replica_startup_s.unwrap_or(TimingSpec::DEFAULT_REPLICA_STARTUP_S);
        // Seen at sample times: up to a period late at each end; plus the PG reservation before placement.
        let lo = (wlo - self.period).max(0.0);
        let hi = chi + self.period + 0.5;
        let outside: Vec<String> =
            took.iter().filter(|(d, ..)| *d < lo || *d > hi).map(|(d, id, _)| format!("{id} {d:.1} s")).collect();
        let (min, max) = (took[0].0, took[took.len() - 1].0);
        rows.push(Difference {
            t_s: took[0].2,
            subject: "replica start-up (STARTING → RUNNING)".to_string(),
            reality: if outside.is_empty() {
                format!("{min:.1}–{max:.1} s over {} start-ups", took.len())
            } else {
                format!(
                    "{min:.1}–{max:.1} s over {} start-ups; outside the model's range: {}",
                    took.len(),
                    outside.join(", ")
                )
            },
            model: format!("configured {wlo:.1}–{chi:.1} s (allowing {lo:.1}–{hi:.1} s at this sampling)"),
            verdict: if outside.is_empty() { Verdict::Agrees } else { Verdict::TimingNoise },
        });
    }

    /// Who was stopped after the fault, which gangs survived, PGs removed, detection and recovery times.
    fn after_fault(&self, f: &DerivedFault, until: f64, model_before: &Snapshot, rows: &mut Vec<Difference>) {
        let what = describe(f);
        let first = self.first_seen();
        // Reality: the deployments' live replicas just before, by place.
        let Some(before) = self.last_before(f.t) else { return };
        let mut real_stopped: BTreeSet<(String, String, Place)> = BTreeSet::new();
        let mut real_live: BTreeSet<(String, String, Place)> = BTreeSet::new();
        let mut first_stop: Option<f64> = None;
        for app in &before.applications {
            for d in &app.deployments {
                let places = gang_positions(
                    &d.replicas,
                    |x| first.get(x).copied().unwrap_or(f64::MAX),
                    |x| batch_index(before, x),
                );
                for r in d.replicas.iter().filter(|r| r.state != "STOPPING") {
                    let Some(p) = places.get(r.replica_id.as_str()) else { continue };
                    let key = (app.name.clone(), d.name.clone(), (*p, r.rank.filter(|_| r.gang_id.is_some())));
                    real_live.insert(key.clone());
                    let (died, seen) = self.left_at(&app.name, &d.name, r, f.t, until);
                    if died.is_some() || seen.is_some() {
                        real_stopped.insert(key);
                    }
                    // The controller's reaction: Serve's table changed (an actor's death alone is the fault itself).
                    if let Some(t) = seen {
                        first_stop = Some(first_stop.map_or(t, |x: f64| x.min(t)));
                    }
                }
            }
        }
        // The model: the same, from its snapshot just before the action and its events after it.
        let model_at = SimTime::from_secs_f64(f.action.at_s);
        let model_until = self.derived.model_time(until);
        let mut by_id: BTreeMap<&str, (String, String, Place)> = BTreeMap::new();
        for r in model_before.replicas.iter().filter(|r| r.state != ReplicaState::Stopping && r.position != u32::MAX) {
            let place = (r.position, r.gang_context.as_ref().map(|g| g.rank));
            by_id.insert(r.id.as_str(), (r.app.clone(), r.deployment.clone(), place));
        }
        let mut model_stopped = BTreeSet::new();
        let mut model_first_stop: Option<SimTime> = None;
        let mut model_pgs_removed = 0;
        let mut model_healthy: Option<SimTime> = None;
        for e in self.events.iter().filter(|e| e.t >= model_at && e.t <= model_until) {
            match &e.kind {
                EventKind::ReplicaState { replica, to: ReplicaState::Stopping | ReplicaState::Stopped, .. } => {
                    if let Some(k) = by_id.get(replica.as_str()) {
                        model_stopped.insert(k.clone());
                        model_first_stop.get_or_insert(e.t);
                    }
                }
                EventKind::PgState { to: PlacementGroupState::Removed, .. } => model_pgs_removed += 1,
                EventKind::DeploymentStatus { to: DeploymentStatus::Healthy, .. } if model_first_stop.is_some() => {
                    model_healthy.get_or_insert(e.t);
                }
                _ => {}
            }
        }
        // A node's death stops the gangs with a member on it; which positions those are depends on where the
        // gangs were placed, a tie the model may break differently (SPREAD over equal nodes). So the rule is compared
        // too: exactly the gangs touching the node stopped, whole, and as many of them.
        let dead_node = match &f.action.kind {
            ActionKind::KillNode { node } => Some(node.as_str()),
            _ => None,
        };
        let mut real_touching: BTreeSet<(String, String, u32)> = BTreeSet::new();
        let mut model_touching: BTreeSet<(String, String, u32)> = BTreeSet::new();
        if let Some(node) = dead_node {
            for app in &before.applications {
                for d in &app.deployments {
                    let places = gang_positions(
                        &d.replicas,
                        |x| first.get(x).copied().unwrap_or(f64::MAX),
                        |x| batch_index(before, x),
                    );
                    for r in d.replicas.iter().filter(|r| r.node_id.as_deref().map(|n| self.rec.alias(n)) == Some(node))
                    {
                        if let Some(p) = places.get(r.replica_id.as_str()) {
                            real_touching.insert((app.name.clone(), d.name.clone(), *p));
                        }
                    }
                }
            }
            for r in model_before.replicas.iter().filter(|r| r.node.as_deref() == Some(node)) {
                if let Some((a, d, (p, _))) = by_id.get(r.id.as_str()) {
                    model_touching.insert((a.clone(), d.clone(), *p));
                }
            }
        }
        let deployments: BTreeSet<(String, String)> =
            real_live.iter().chain(by_id.values()).map(|(a, d, _)| (a.clone(), d.clone())).collect();
        let model_live: BTreeSet<(String, String, Place)> = by_id.values().cloned().collect();
        for (app, dep) in &deployments {
            let pick = |set: &BTreeSet<(String, String, Place)>| -> BTreeSet<Place> {
                set.iter().filter(|(a, d, _)| a == app && d == dep).map(|(_, _, p)| *p).collect()
            };
            let touching = |set: &BTreeSet<(String, String, u32)>| -> BTreeSet<u32> {
                set.iter().filter(|(a, d, _)| a == app && d == dep).map(|(_, _, p)| *p).collect()
            };
            let (rs, ms) = (pick(&real_stopped), pick(&model_stopped));
            let (rl, ml) = (pick(&real_live), pick(&model_live));
            let (rt, mt) = (touching(&real_touching), touching(&model_touching));
            let name = if deployments.len() > 1 { format!(" in {app}/{dep}") } else { String::new() };
            // "Exactly the gangs touching the node, whole": every live member of those gangs, nothing else.
            let follows_rule = |live: &BTreeSet<Place>, stopped: &BTreeSet<Place>, touch: &BTreeSet<u32>| {
                let expected: BTreeSet<Place> = live.iter().filter(|(g, _)| touch.contains(g)).copied().collect();
                *stopped == expected
            };
            let node_note = |touch: &BTreeSet<u32>| match dead_node {
                Some(n) if live_is_gangs(&rl) || live_is_gangs(&ml) => {
                    let g: Vec<String> = touch.iter().map(|g| format!("gang {g}")).collect();
                    format!(" (had a member on {n}: {})", if g.is_empty() { "none".to_string() } else { g.join(", ") })
                }
                _ => String::new(),
            };
            let same_rule = dead_node.is_some()
                && rt.len() == mt.len()
                && rs.len() == ms.len()
                && follows_rule(&rl, &rs, &rt)
                && follows_rule(&ml, &ms, &mt);
            let verdict = if rs == ms || same_rule { Verdict::Agrees } else { Verdict::Disagrees };
            rows.push(Difference {
                t_s: f.t,
                subject: format!("who was stopped after {what}{name}"),
                reality: format!("{}{}", place_text(&rs), node_note(&rt)),
                model: format!("{}{}", place_text(&ms), node_note(&mt)),
                verdict,
            });
            let survivors = |live: &BTreeSet<Place>, stopped: &BTreeSet<Place>| -> BTreeSet<u32> {
                let gone: BTreeSet<u32> = stopped.iter().map(|(g, _)| *g).collect();
                live.iter().filter(|(_, r)| r.is_some()).map(|(g, _)| *g).filter(|g| !gone.contains(g)).collect()
            };
            if live_is_gangs(&rl) || live_is_gangs(&ml) {
                let (rg, mg) = (survivors(&rl, &rs), survivors(&ml, &ms));
                let same = rg == mg || (verdict == Verdict::Agrees && rg.len() == mg.len());
                rows.push(Difference {
                    t_s: f.t,
                    subject: format!("gangs that survived {what}{name}"),
                    reality: gangs_text(&rg),
                    model: gangs_text(&mg),
                    verdict: if same { Verdict::Agrees } else { Verdict::Disagrees },
                });
            }
        }
        let real_pgs_removed =
            self.rec.events.iter().filter(|e| e.kind == "pg_removed" && e.t > f.t && e.t <= until).count();
        if real_pgs_removed > 0 || model_pgs_removed > 0 {
            rows.push(Difference {
                t_s: f.t,
                subject: format!("placement groups removed after {what}"),
                reality: real_pgs_removed.to_string(),
                model: model_pgs_removed.to_string(),
                verdict: if real_pgs_removed == model_pgs_removed { Verdict::Agrees } else { Verdict::Disagrees },
            });
        }
        self.statuses(f, &what, until, before, model_before, rows);
        self.timings(f, &what, until, first_stop, model_first_stop, model_healthy, rows);
    }

    /// The statuses each application went through after the fault, in reality (its samples) and in the model (its
    /// events). A state shorter than the recorder's period can fall between two samples, so reality's sequence
    /// agrees when the model's contains it in order.
    fn statuses(
        &self,
        f: &DerivedFault,
        what: &str,
        until: f64,
        before: &Sample,
        model_before: &Snapshot,
        rows: &mut Vec<Difference>,
    ) {
        let model_at = SimTime::from_secs_f64(f.action.at_s);
        let model_until = self.derived.model_time(until);
        for app in &before.applications {
            let mut real = vec![app.status.clone()];
            for s in self.samples_in(f.t, until) {
                let now = s.applications.iter().find(|a| a.name == app.name).map_or("gone", |a| a.status.as_str());
                if real.last().map(String::as_str) != Some(now) {
                    real.push(now.to_string());
                }
            }
            let start =
                model_before.applications.iter().find(|a| a.name == app.name).map(|a| a.status.as_str().to_string());
            let mut model: Vec<String> = start.into_iter().collect();
            for e in self.events.iter().filter(|e| e.t >= model_at && e.t <= model_until) {
                if let EventKind::AppStatus { app: a, to, .. } = &e.kind
                    && *a == app.name
                {
                    // The model logs an application's removal as NOT_STARTED (what Ray answers for an unknown app).
                    let to = if *to == ApplicationStatus::NotStarted { "gone" } else { to.as_str() };
                    if model.last().map(String::as_str) != Some(to) {
                        model.push(to.to_string());
                    }
                }
            }
            let in_order = {
                let mut it = model.iter();
                real.iter().all(|r| it.any(|m| m == r))
            };
            rows.push(Difference {
                t_s: f.t,
                subject: format!("application {} statuses after {what}", app.name),
                reality: real.join(" → "),
                model: model.join(" → "),
                verdict: if real == model || in_order { Verdict::Agrees } else { Verdict::Disagrees },
            });
        }
    }

    /// When a replica live at `from` was seen dead, and when Serve's table showed it leave (STOPPING or gone),
    /// before `until`.
    fn left_at(&self, app: &str, dep: &str, r: &ReplicaSample, from: f64, until: f64) -> (Option<f64>, Option<f64>) {
        let died = self
            .rec
            .events
            .iter()
            .find(|e| {
                e.kind == "replica_actor_died"
                    && e.replica.as_deref() == Some(&r.replica_id)
                    && e.t > from - self.period
                    && e.t <= until
            })
            .map(|e| e.t);
        let seen = self.samples_in(from, until).find_map(|s| {
            let d = s
                .applications
                .iter()
                .find(|a| a.name == app)
                .and_then(|a| a.deployments.iter().find(|d| d.name == dep));
            match d.map(|d| d.replicas.iter().find(|x| x.replica_id == r.replica_id)) {
                Some(Some(x)) if x.state != "STOPPING" => None,
                _ => Some(s.t),
            }
        });
        (died, seen)
    }

    #[allow(clippy::too_many_arguments)]
    fn timings(
        &self,
        f: &DerivedFault,
        what: &str,
        until: f64,
        real_first_stop: Option<f64>,
        model_first_stop: Option<SimTime>,
        model_healthy: Option<SimTime>,
        rows: &mut Vec<Difference>,
    ) {
        if let (ActionKind::KillReplica { replica }, Some(stop)) = (&f.action.kind, real_first_stop) {
            // A dead actor fails its next health check: within one jittered period and a tick, seen a period late.
            let hc = self.health_check_period(&replica.app, &replica.deployment);
            let hi = hc * 1.1 + 0.1 + self.period;
            let took = stop - f.t;
            let model = model_first_stop.map_or("never".to_string(), |m| format!("{:.1} s", self.model_t(m) - f.t));
            rows.push(Difference {
                t_s: stop,
                subject: format!("detection of {what} (fault → first member stopped)"),
                reality: format!("{took:.1} s"),
                model: format!("{model} (configured: within {hi:.1} s at this sampling)"),
                verdict: if took <= hi { Verdict::Agrees } else { Verdict::TimingNoise },
            });
        }
        let real_healthy = real_first_stop.and_then(|stop| {
            self.rec
                .events
                .iter()
                .find(|e| {
                    e.kind == "deployment_status"
                        && e.t >= stop
                        && e.t <= until
                        && e.to_text().as_deref() == Some("HEALTHY")
                })
                .map(|e| e.t)
        });
        let model_healthy = model_healthy.map(|m| self.model_t(m));
        // Recovery is asked of a failure only (a deletion or a downscale does not come back).
        let failure = matches!(f.action.kind, ActionKind::KillReplica { .. } | ActionKind::KillNode { .. });
        if !failure || real_first_stop.is_none() && model_first_stop.is_none() {
            return;
        }
        // Apart by more than the sampling (a period each side) and a start-up's spread: timing noise.
        let [wlo, whi] = self.timing.replica_warm_startup_s.unwrap_or(TimingSpec::DEFAULT_REPLICA_WARM_STARTUP_S);
        let [clo, chi] = self.timing.replica_startup_s.unwrap_or(TimingSpec::DEFAULT_REPLICA_STARTUP_S);
        let tol = 2.0 * self.period + (whi - wlo).max(chi - clo) + 0.5;
        let fmt = |t: Option<f64>| t.map_or("not within the recording".to_string(), |t| format!("{:.1} s", t - f.t));
        let verdict = match (real_healthy, model_healthy) {
            (Some(r), Some(m)) if (r - m).abs() <= tol => Verdict::Agrees,
            (Some(_), Some(_)) => Verdict::TimingNoise,
            (None, None) => Verdict::Agrees,
            // One side got there after the recording ended (or near it): a matter of time, not of outcome.
            (None, Some(m)) | (Some(m), None) if m >= until - tol => Verdict::TimingNoise,
            _ => Verdict::Disagrees,
        };
        rows.push(Difference {
            t_s: real_healthy.or(model_healthy).unwrap_or(f.t),
            subject: format!("recovery after {what} (fault → HEALTHY again)"),
            reality: fmt(real_healthy),
            model: format!("{} (±{tol:.1} s counts as the same)", fmt(model_healthy)),
            verdict,
        });
    }

    fn health_check_period(&self, app: &str, dep: &str) -> f64 {
        self.derived
            .scenario
            .applications
            .iter()
            .find(|a| a.name == app)
            .and_then(|a| a.deployments.iter().find(|d| d.name == dep))
            .and_then(|d| d.health_check_period_s)
            .or(self.timing.health_check_period_s)
            .unwrap_or(TimingSpec::DEFAULT_HEALTH_CHECK_PERIOD_S)
    }

    /// Statuses, RUNNING replicas and placement groups at the end of the recording.
    fn end_state(&self, model: &Snapshot, rows: &mut Vec<Difference>) {
        let Some(last) = self.rec.samples.last() else { return };
        let t = last.t;
        // The model's statuses over [end - SETTLE_S, end + SETTLE_S], for "it got there a moment apart".
        let around = |pick: &dyn Fn(&EventKind) -> Option<String>| -> BTreeSet<String> {
            let lo = self.derived.model_time(t - SETTLE_S);
            let hi = self.derived.model_time(t + SETTLE_S);
            self.events.iter().filter(|e| e.t >= lo && e.t <= hi).filter_map(|e| pick(&e.kind)).collect()
        };
        for app in &last.applications {
            let m = model.applications.iter().find(|a| a.name == app.name).map(|a| a.status.as_str());
            let near = around(&|k| match k {
                EventKind::AppStatus { app: a, to, .. } if *a == app.name => Some(to.as_str().to_string()),
                _ => None,
            });
            rows.push(status_row(t, format!("application {} status at the end", app.name), &app.status, m, &near));
            for d in &app.deployments {
                let md = model.deployments.iter().find(|x| x.app == app.name && x.name == d.name);
                let near = around(&|k| match k {
                    EventKind::DeploymentStatus { app: a, deployment, to, .. }
                        if *a == app.name && *deployment == d.name =>
                    {
                        Some(to.as_str().to_string())
                    }
                    _ => None,
                });
                rows.push(status_row(
                    t,
                    format!("deployment {}/{} status at the end", app.name, d.name),
                    &d.status,
                    md.map(|x| x.status.as_str()),
                    &near,
                ));
                let real_running = d.replicas.iter().filter(|r| r.state == "RUNNING").count() as u32;
                let model_running = md.map_or(0, |x| x.running);
                rows.push(Difference {
                    t_s: t,
                    subject: format!("RUNNING replicas of {}/{} at the end", app.name, d.name),
                    reality: real_running.to_string(),
                    model: model_running.to_string(),
                    verdict: if real_running == model_running { Verdict::Agrees } else { Verdict::TimingNoise },
                });
            }
        }
        for a in model.applications.iter().filter(|a| !last.applications.iter().any(|r| r.name == a.name)) {
            rows.push(Difference {
                t_s: t,
                subject: format!("application {} at the end", a.name),
                reality: "gone".to_string(),
                model: a.status.as_str().to_string(),
                verdict: Verdict::Disagrees,
            });
        }
        // Placement groups: live ones, and leaked ones (a gang PG no live replica sits in).
        let real_used: BTreeSet<&str> = replicas(last).filter_map(|r| r.placement_group_id.as_deref()).collect();
        let real_live: Vec<&str> = last
            .placement_groups
            .iter()
            .filter(|p| p.state != "REMOVED")
            .map(|p| p.placement_group_id.as_str())
            .collect();
        let real_leaked = real_live.iter().filter(|p| !real_used.contains(**p)).count();
        let model_used: BTreeSet<&str> = model.replicas.iter().filter_map(|r| r.pg_name.as_deref()).collect();
        let model_live: Vec<&str> = model
            .placement_groups
            .iter()
            .filter(|p| p.state != PlacementGroupState::Removed)
            .map(|p| p.name.as_str())
            .collect();
        let model_leaked = model_live.iter().filter(|p| !model_used.contains(**p)).count();
        rows.push(Difference {
            t_s: t,
            subject: "placement groups at the end (live, of which leaked)".to_string(),
            reality: format!("{}, {real_leaked} leaked", real_live.len()),
            model: format!("{}, {model_leaked} leaked", model_live.len()),
            verdict: if real_leaked != model_leaked {
                Verdict::Disagrees
            } else if real_live.len() != model_live.len() {
                Verdict::TimingNoise
            } else {
                Verdict::Agrees
            },
        });
    }
}

/// A status compared at the end: the same agrees; the model reaching reality's status within a few seconds of the
/// end is timing noise; anything else disagrees.
fn status_row(t: f64, subject: String, real: &str, model: Option<&str>, near: &BTreeSet<String>) -> Difference {
    let model_text = model.unwrap_or("gone").to_string();
    let verdict = if model == Some(real) {
        Verdict::Agrees
    } else if near.contains(real) {
        Verdict::TimingNoise
    } else {
        Verdict::Disagrees
    };
    Difference { t_s: t, subject, reality: real.to_string(), model: model_text, verdict }
}

/// The fault in a few words: "the kill of replica s8vr0pj8 (gang 0 rank 0)".
fn describe(f: &DerivedFault) -> String {
    match &f.action.kind {
        ActionKind::KillReplica { replica } => {
            let place = match (replica.gang, replica.rank, replica.index) {
                (Some(g), Some(r), _) => format!("gang {g} rank {r}"),
                (_, _, Some(i)) => format!("replica {i}"),
                _ => "a replica".to_string(),
            };
            match &f.replica_id {
                Some(id) => format!("the death of {id} ({place})"),
                None => format!("the death of {place}"),
            }
        }
        ActionKind::KillNode { node } => format!("the death of node {node}"),
        ActionKind::AddNode { node } => format!("node {} joining", node.id),
        ActionKind::KillController {} => "the controller's restart".to_string(),
        ActionKind::SetNumReplicas { deployment, num_replicas } => {
            format!("{}/{}'s target set to {num_replicas}", deployment.app, deployment.deployment)
        }
        ActionKind::DeleteApp { app } => format!("the deletion of {app}"),
        other => format!("{other:?}"),
    }
}
