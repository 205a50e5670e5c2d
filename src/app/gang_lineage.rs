//! Which gang replaced which: a pure function of the run's events, so the picture can link a rebuilt gang to the
//! one it replaces ("torn down and rebuilt" seen, not read).
//!
//! The rule: a gang is retired when RESTART_GANG tears it down (`GangTeardown`), when a rolling update stops it
//! (`Rollout`) or when it is moved off a draining node (`Migration`). The next gang reserved for the same
//! app/deployment takes the place of the oldest retired gang of that deployment not replaced yet. Ray does not
//! record this link (a new gang gets a fresh gang id and placement group); it is the reading the controller's loop
//! implies: it starts one replacement gang for each gang it stopped to keep `num_replicas`. Graceful stops
//! (scale-down, delete) retire nothing, so a later scale-up is not drawn as a replacement.
use crate::app::event_cursor::EventCursor;
use crate::model::events::{Event, EventKind, TeardownCause};
use crate::model::time::SimTime;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Why the replaced gang went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    Teardown(TeardownCause),
    Rollout,
    Migration,
}

/// A gang reserved in place of a retired one.
#[derive(Clone, Debug, PartialEq)]
pub struct Replacement {
    /// The retired gang.
    pub old: String,
    pub why: Retired,
    /// When the replacement was reserved, and the event that reserved it.
    pub at: SimTime,
    pub seq: u64,
}

/// The replacements of a run so far, kept up to date as events arrive (see the module's rule).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GangLineage {
    /// New gang → what it replaces.
    replaced: BTreeMap<String, Replacement>,
    /// app/deployment → gangs retired and not replaced yet, oldest first.
    waiting: BTreeMap<(String, String), VecDeque<(String, Retired)>>,
    retired: BTreeSet<String>,
    /// Leaked placement groups the controller found and removed (`LeakDetected`) → when, and the event.
    leaks: BTreeMap<String, (SimTime, u64)>,
    /// What of the event list was read (another history: start again).
    cursor: EventCursor,
}

impl GangLineage {
    pub fn of(events: &[Event]) -> GangLineage {
        let mut l = GangLineage::default();
        l.update(events);
        l
    }

    /// Read the events not read yet (from the start again when `events` is not a continuation: a seek back, an
    /// undo, another run). Returns whether a replacement was found or forgotten.
    pub fn update(&mut self, events: &[Event]) -> bool {
        let mut changed = false;
        if !self.cursor.continues(events) {
            changed = !self.replaced.is_empty() || !self.leaks.is_empty();
            *self = GangLineage::default();
        }
        for e in self.cursor.unread(events) {
            changed |= self.read(e);
        }
        changed
    }

    fn retire(&mut self, app: &str, deployment: &str, gang: &str, why: Retired) {
        if self.retired.insert(gang.to_string()) {
            self.waiting
                .entry((app.to_string(), deployment.to_string()))
                .or_default()
                .push_back((gang.to_string(), why));
        }
    }

    fn read(&mut self, e: &Event) -> bool {
        match &e.kind {
            EventKind::GangTeardown { app, deployment, gang_id, cause, .. } => {
                self.retire(app, deployment, gang_id, Retired::Teardown(*cause))
            }
            EventKind::Rollout { app, deployment, gangs, .. } => {
                for g in gangs {
                    self.retire(app, deployment, g, Retired::Rollout);
                }
            }
            EventKind::Migration { app, deployment, gang_id: Some(g), .. } => {
                self.retire(app, deployment, g, Retired::Migration)
            }
            EventKind::LeakDetected { name, .. } => {
                self.leaks.insert(name.clone(), (e.t, e.seq));
                return true;
            }
            EventKind::GangReserved { app, deployment, gang_id, .. } => {
                let key = (app.clone(), deployment.clone());
                if let Some((old, why)) = self.waiting.get_mut(&key).and_then(VecDeque::pop_front) {
                    self.replaced.insert(gang_id.clone(), Replacement { old, why, at: e.t, seq: e.seq });
                    return true;
                }
            }
            _ => {}
        }
        false
    }

    /// Forget what is held about `gangs` (ended before the oldest event the log keeps: `GangColours` says which)
    /// and the leaks found before event `first_kept`. A live gang keeps what it replaces.
    pub fn forget(&mut self, gangs: &[String], first_kept: u64) {
        for g in gangs {
            self.replaced.remove(g);
            self.retired.remove(g);
        }
        self.leaks.retain(|_, (_, seq)| *seq >= first_kept);
    }

    /// Every gang held: replacements and retired gangs.
    pub fn gangs(&self) -> impl Iterator<Item = &str> {
        self.replaced.keys().chain(self.retired.iter()).map(String::as_str)
    }

    /// New gang → the gang it replaces.
    pub fn replacements(&self) -> &BTreeMap<String, Replacement> {
        &self.replaced
    }

    /// Leaked placement groups found and removed → when, and the event.
    pub fn leaks(&self) -> &BTreeMap<String, (SimTime, u64)> {
        &self.leaks
    }
}

/// The words for why a gang went, as a pill or a connector says them.
pub fn retired_words(why: Retired) -> &'static str {
    match why {
        Retired::Teardown(TeardownCause::ActorCrashed) => "actor died",
        Retired::Teardown(TeardownCause::HealthCheckFailed) => "failed health checks",
        Retired::Teardown(TeardownCause::StartupFailed) => "start-up failure",
        Retired::Teardown(TeardownCause::IncompleteGang) => "incomplete gang",
        Retired::Rollout => "rolling update",
        Retired::Migration => "node draining",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Session;
    use crate::app::presets::PRESETS;

    fn session(id: &str) -> Session {
        Session::new(PRESETS.iter().find(|p| p.id == id).unwrap().scenario().unwrap())
    }

    fn torn_down(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GangTeardown { gang_id, .. } => Some(gang_id.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_gang_rebuilt_after_a_crash_replaces_the_torn_down_one() {
        let mut s = session("replica-crash");
        s.advance_to(SimTime::from_secs_f64(25.0));
        let torn = torn_down(s.events());
        assert_eq!(torn.len(), 1, "one teardown in replica-crash");
        let l = GangLineage::of(s.events());
        let reps: Vec<&Replacement> = l.replacements().values().collect();
        assert_eq!(reps.len(), 1, "{reps:?}");
        assert_eq!(reps[0].old, torn[0]);
        assert_eq!(reps[0].why, Retired::Teardown(TeardownCause::ActorCrashed));
        let teardown_t = s.events().iter().find(|e| matches!(e.kind, EventKind::GangTeardown { .. })).unwrap().t;
        assert!(reps[0].at >= teardown_t);
    }

    #[test]
    fn lineage_is_the_same_played_seeked_back_or_opened() {
        for id in ["replica-crash", "constructor-always-fails", "node-failure", "startup-failure"] {
            let t = SimTime::from_secs_f64(30.0);
            let mut played = session(id);
            let mut forward = GangLineage::default();
            while played.now() < t {
                played.advance_by(crate::model::time::SimDuration(t.since(played.now()).0.min(300_000)));
                forward.update(played.events());
            }
            let mut back = session(id);
            back.advance_to(SimTime::from_secs_f64(80.0));
            let mut seeked = GangLineage::of(back.events());
            back.seek(t);
            seeked.update(back.events());
            let mut link = session(id);
            link.replay_to(t);
            let opened = GangLineage::of(link.events());
            assert_eq!(forward.replacements(), opened.replacements(), "{id}");
            assert_eq!(seeked.replacements(), opened.replacements(), "{id}");
        }
    }

    #[test]
    fn every_replacement_is_of_a_retired_gang_of_its_own_deployment_and_each_is_replaced_once() {
        for p in PRESETS {
            let mut s = Session::new(p.scenario().unwrap());
            s.advance_to(SimTime::from_secs_f64(s.scenario().until_s.min(120.0)));
            let l = GangLineage::of(s.events());
            let mut deployment_of = BTreeMap::new();
            for e in s.events() {
                if let EventKind::GangReserved { app, deployment, gang_id, .. } = &e.kind {
                    deployment_of.insert(gang_id.clone(), (app.clone(), deployment.clone()));
                }
            }
            let olds: BTreeSet<&String> = l.replacements().values().map(|r| &r.old).collect();
            assert_eq!(olds.len(), l.replacements().len(), "{}: a gang replaced twice", p.id);
            for (new, r) in l.replacements() {
                assert_eq!(deployment_of.get(new), deployment_of.get(&r.old), "{}: {new} replaces {}", p.id, r.old);
            }
        }
    }
}
