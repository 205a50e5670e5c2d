//! Which colour each gang is drawn in: a pure function of the run's events up to the gang's reservation, so a gang
//! keeps its colour whether the viewer played to a moment, stepped back to it or opened a share link at it.
//!
//! The rule: at each `GangReserved`, the gang takes the smallest hue that no live gang holds. A gang is live from
//! its reservation until every member it was reserved with has reached STOPPED. So live gangs never share a colour
//! while there are at most [`GANG_HUES`] of them; with more, a new gang takes the hue held by the fewest live gangs
//! (the smallest such hue on a tie). A gang seen without a reservation event (none is expected) gets a hue from its
//! id.
//!
//! A long session (issue 16) forgets the hue of a gang that ended before the oldest event the log still keeps
//! ([`GangColours::forget_ended_before`]): nothing on screen can show it any more, and hues depend only on live
//! gangs, so forgetting changes no hue given later.
use crate::app::event_cursor::EventCursor;
use crate::model::events::{Event, EventKind};
use crate::model::serve::replica::ReplicaState;
use std::collections::{BTreeMap, BTreeSet};

/// How many distinct gang hues there are (`.hue-0` … `.hue-8` in the stylesheet: Paul Tol's colour-blind-safe
/// "muted" scheme; more would no longer be told apart, and the rank, the pg tag and the label back every colour).
pub const GANG_HUES: u8 = 9;

/// The colours of a run's gangs, kept up to date as events arrive (see the module's rule).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GangColours {
    hues: BTreeMap<String, u8>,
    /// Live gang → members not stopped yet.
    live: BTreeMap<String, BTreeSet<String>>,
    /// Member replica → its gang, while the gang is live.
    member_of: BTreeMap<String, String>,
    /// Gangs no longer live, by the sequence number of the event that ended them (oldest first).
    ended: BTreeMap<u64, Vec<String>>,
    /// What of the event list was read (another history: start again).
    cursor: EventCursor,
}

impl GangColours {
    /// The colours after `events` (from scratch).
    pub fn of(events: &[Event]) -> GangColours {
        let mut c = GangColours::default();
        c.update(events);
        c
    }

    /// Read the events not read yet. Returns whether a hue was given. When `events` is not a continuation of
    /// what was read (a seek back, an undo, another run), everything is computed again from the start, which gives
    /// the same hues for the events they share.
    pub fn update(&mut self, events: &[Event]) -> bool {
        let mut changed = false;
        if !self.cursor.continues(events) {
            changed = !self.hues.is_empty();
            *self = GangColours::default();
        }
        for e in self.cursor.unread(events) {
            changed |= self.read(e);
        }
        changed
    }

    /// Read the events after those read, trusting that `events` continue them: the history's own run, restored
    /// together with its checkpoint's colours (its log may start after the last event read, where [`Self::update`]
    /// would start over and lose the hues of gangs reserved before the kept events). Returns whether a hue was
    /// given.
    pub fn advance(&mut self, events: &[Event]) -> bool {
        let mut changed = false;
        for e in self.cursor.advance(events) {
            changed |= self.read(e);
        }
        changed
    }

    fn read(&mut self, e: &Event) -> bool {
        match &e.kind {
            EventKind::GangReserved { gang_id, members, .. } if !self.hues.contains_key(gang_id) => {
                let mut held = [0usize; GANG_HUES as usize];
                for g in self.live.keys() {
                    held[self.hues[g] as usize] += 1;
                }
                let fewest = *held.iter().min().unwrap_or(&0);
                let hue = held.iter().position(|&n| n == fewest).unwrap_or(0) as u8;
                self.hues.insert(gang_id.clone(), hue);
                self.live.insert(gang_id.clone(), members.iter().cloned().collect());
                for m in members {
                    self.member_of.insert(m.clone(), gang_id.clone());
                }
                true
            }
            EventKind::ReplicaState { replica, to: ReplicaState::Stopped, .. } => {
                if let Some(g) = self.member_of.remove(replica)
                    && let Some(left) = self.live.get_mut(&g)
                {
                    left.remove(replica);
                    if left.is_empty() {
                        self.live.remove(&g);
                        self.ended.entry(e.seq).or_default().push(g);
                    }
                }
                false
            }
            _ => false,
        }
    }

    /// Forget the gangs that ended before the event numbered `first_kept` (the oldest the log keeps): their hues,
    /// the only thing about them held. Returns the gangs forgotten, so that views keyed by gang can forget them
    /// too. A gang still live is never forgotten, however old.
    pub fn forget_ended_before(&mut self, first_kept: u64) -> Vec<String> {
        let kept = self.ended.split_off(&first_kept);
        let gone: Vec<String> = std::mem::replace(&mut self.ended, kept).into_values().flatten().collect();
        for g in &gone {
            self.hues.remove(g);
        }
        gone
    }

    /// The hue of a gang (one never reserved in these events: a hue from its id).
    pub fn hue(&self, gang_id: &str) -> u8 {
        self.hues.get(gang_id).copied().unwrap_or_else(|| fallback_hue(gang_id))
    }

    /// Every gang reserved so far → its hue.
    pub fn hues(&self) -> &BTreeMap<String, u8> {
        &self.hues
    }

    /// The gangs live after the events read.
    pub fn live(&self) -> impl Iterator<Item = &str> {
        self.live.keys().map(String::as_str)
    }
}

/// A hue from a gang id alone (FNV-1a), for a gang with no reservation event.
pub fn fallback_hue(gang_id: &str) -> u8 {
    let h = gang_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    (h % GANG_HUES as u64) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Session;
    use crate::app::presets::PRESETS;
    use crate::model::time::SimTime;

    fn session(id: &str) -> Session {
        let p = PRESETS.iter().find(|p| p.id == id).unwrap();
        Session::new(p.scenario().unwrap())
    }

    #[test]
    fn colours_do_not_depend_on_how_a_moment_was_reached() {
        for id in ["replica-crash", "node-failure", "constructor-always-fails", "scale-up-down"] {
            let t = SimTime::from_secs_f64(12.1);
            // Played forward, a frame at a time, updating as the page does.
            let mut played = session(id);
            let mut forward = GangColours::default();
            while played.now() < t {
                played.advance_by(crate::model::time::SimDuration(t.since(played.now()).0.min(100_000)));
                forward.update(played.events());
            }
            // Reached by seeking back from later, with the colours updated at the later moment first.
            let mut back = session(id);
            back.advance_to(SimTime::from_secs_f64(40.0));
            let mut seeked = GangColours::of(back.events());
            back.seek(t);
            seeked.update(back.events());
            // Opened at t directly (a share link replays to t).
            let mut link = session(id);
            link.replay_to(t);
            let opened = GangColours::of(link.events());
            assert_eq!(forward.hues(), opened.hues(), "{id}: played vs opened");
            assert_eq!(seeked.hues(), opened.hues(), "{id}: seeked back vs opened");
            assert!(!opened.hues().is_empty(), "{id}: has gangs by 12.1 s");
        }
    }

    #[test]
    fn no_two_gangs_on_screen_share_a_colour_in_any_preset() {
        for p in PRESETS {
            let mut s = Session::new(p.scenario().unwrap());
            let mut colours = GangColours::default();
            let end = s.scenario().until_s.min(120.0);
            let mut t = 0.0;
            while t <= end {
                s.advance_to(SimTime::from_secs_f64(t));
                colours.update(s.events());
                let snap = s.snapshot();
                let shown: BTreeSet<&str> = snap
                    .replicas
                    .iter()
                    .filter(|r| r.state != ReplicaState::Stopped)
                    .filter_map(|r| r.gang_context.as_ref().map(|g| g.gang_id.as_str()))
                    .collect();
                if shown.len() <= GANG_HUES as usize {
                    let hues: BTreeSet<u8> = shown.iter().map(|g| colours.hue(g)).collect();
                    assert_eq!(hues.len(), shown.len(), "{} at {t} s: {shown:?} → {hues:?}", p.id);
                    for g in &shown {
                        assert!(colours.hues().contains_key(*g), "{}: gang {g} has no reservation event", p.id);
                    }
                }
                t += 0.5;
            }
        }
    }

    #[test]
    fn gangs_take_the_smallest_free_hues_and_live_ones_differ() {
        let mut s = session("replica-crash");
        s.advance_to(SimTime::from_secs_f64(9.0));
        let before = GangColours::of(s.events());
        let first: Vec<u8> = before.hues().values().copied().collect();
        assert_eq!(first.iter().copied().collect::<BTreeSet<u8>>(), (0..first.len() as u8).collect());
        s.advance_to(SimTime::from_secs_f64(30.0));
        let after = GangColours::of(s.events());
        let new: Vec<(&String, &u8)> = after.hues().iter().filter(|(g, _)| !before.hues().contains_key(*g)).collect();
        assert!(!new.is_empty());
        let live: BTreeSet<u8> = after.live().map(|g| after.hue(g)).collect();
        assert_eq!(live.len(), after.live().count(), "live gangs differ");
    }
}
