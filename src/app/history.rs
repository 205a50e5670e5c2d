//! Time travel over a run described by its scenario (with the seed) and the user's timestamped actions.
//!
//! Nothing here saves model state the description could not rebuild: checkpoints are a cache taken every
//! [`CHECKPOINT_EVERY`] simulated seconds while the run advances, so a seek restores the nearest checkpoint at or
//! before the target and replays from there. User actions are applied exactly as the live run applied them (run to
//! the action's time, then schedule and apply it), so a run replayed from its description, from a checkpoint or
//! from a share link is the same run, byte for byte.
//!
//! - **Seek**: anywhere, back or forward; the recorded future (actions after the cursor) is kept and replayed when
//!   playing on.
//! - **Fork**: injecting an action while looking at the past drops the user's actions after the cursor, and the
//!   checkpoints and known events that depended on them, then continues from there.
//! - **Undo**: drops the last injected action and rebuilds the view at the same time without it.
use crate::app::gang_colours::GangColours;
use crate::model::Simulation;
use crate::model::events::Event;
use crate::model::log::{events_from, first_kept};
use crate::model::scenario::{Action, ActionKind, Scenario};
use crate::model::sim::Checkpoint;
use crate::model::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// Simulated time between two checkpoints (at first; see [`MAX_CHECKPOINTS`]).
pub const CHECKPOINT_EVERY: SimDuration = SimDuration(5 * 1_000_000);
/// At most this many checkpoints are kept: past it, every other one is dropped and the spacing doubles, so memory
/// stays bounded on long runs while a seek replays at most one spacing. They are most of a long session's memory:
/// the big cluster's (1,000 replicas) are ~5.9 MB each natively, traffic history included (BENCHMARKS-PAGE.md).
pub const MAX_CHECKPOINTS: usize = 32;
/// Simulated time between two reads of the gang colours while the run advances (see `run_reading_colours`).
const COLOURS_READ_EVERY: SimDuration = SimDuration(1_000_000);

struct Stored {
    checkpoint: Checkpoint,
    /// How many user actions the run had applied when the checkpoint was taken.
    applied: usize,
    /// The gang colours then: a run restored here may keep none of the events that gave its gangs their hues.
    colours: GangColours,
}

/// The checkpoints and known events of one timeline (one scenario, seed and list of user actions).
pub struct History {
    every: SimDuration,
    /// By time (µs).
    checkpoints: BTreeMap<u64, Stored>,
    /// Checkpoints sit on every `stride`-th grid point (doubles when there are too many).
    stride: u64,
    /// How many of the user's actions the current simulation has applied (they are applied in order).
    applied: usize,
    /// The events of this timeline up to `known_until`, the furthest time it was run to. Seeking forward restores
    /// checkpoints with these; the scrub bar draws its markers from them. Only the most recent are kept, by the
    /// model's own rule (`log::first_kept`): `known[0].seq == known_first`.
    known: Vec<Event>,
    known_first: u64,
    known_until: SimTime,
    /// The colours of the current simulation's gangs, read as it runs (see [`History::gang_colours`]).
    colours: GangColours,
    /// The oldest kept event when the colours last forgot ended gangs.
    colours_forgot_before: u64,
    /// Changes whenever the colours may have changed (see [`History::gang_colours_version`]).
    colours_version: u64,
}

impl Default for History {
    fn default() -> Self {
        History::new(CHECKPOINT_EVERY)
    }
}

fn at(a: &Action) -> SimTime {
    SimTime::from_secs_f64(a.at_s)
}

impl History {
    pub fn new(every: SimDuration) -> History {
        History {
            every: SimDuration(every.0.max(1)),
            checkpoints: BTreeMap::new(),
            stride: 1,
            applied: 0,
            known: Vec::new(),
            known_first: 0,
            known_until: SimTime::ZERO,
            colours: GangColours::default(),
            colours_forgot_before: 0,
            colours_version: 0,
        }
    }

    /// Forget everything (a new scenario, seed, or a reset): the next run starts at time zero.
    pub fn reset(&mut self) {
        self.checkpoints.clear();
        self.stride = 1;
        self.applied = 0;
        self.known.clear();
        self.known_first = 0;
        self.known_until = SimTime::ZERO;
        self.restart_colours(GangColours::default());
    }

    /// The furthest simulated time this timeline has been run to.
    pub fn known_until(&self) -> SimTime {
        self.known_until
    }

    /// The timeline's events up to [`History::known_until`] (includes the future of a cursor in the past).
    pub fn known_events(&self) -> &[Event] {
        &self.known
    }

    /// How many events the timeline has recorded up to [`History::known_until`] (kept or dropped).
    pub fn known_recorded(&self) -> u64 {
        self.known_first + self.known.len() as u64
    }

    /// Keep the known events before the `n`-th only (the timeline changed after it). When `n` lies before the
    /// known window, the simulation's own kept events (the new timeline up to now) take its place.
    fn cut_known(&mut self, n: u64, sim: &Simulation) {
        if n >= self.known_first {
            self.known.truncate(usize::try_from(n - self.known_first).unwrap_or(usize::MAX));
        } else {
            let kept = events_from(sim.events(), 0);
            let kept = &kept[..kept.len() - events_from(kept, n).len()];
            self.known = kept.to_vec();
            self.known_first = kept.first().map_or(n, |e| e.seq);
        }
    }

    /// The colours of the gangs of the run as shown (`app::gang_colours`'s rule over the whole run): a seek before
    /// the oldest kept event restores them with the checkpoint, so a gang keeps its hue however the moment was
    /// reached. Gangs that ended before the oldest kept event are forgotten.
    pub fn gang_colours(&self) -> &GangColours {
        &self.colours
    }

    /// Read the simulation's new events into the colours (called often enough that none is dropped unread: at each
    /// checkpoint grid point and after each advance).
    fn read_colours(&mut self, sim: &Simulation) {
        let mut changed = self.colours.advance(sim.events());
        if let Some(first) = sim.events().first().filter(|e| e.seq > self.colours_forgot_before) {
            self.colours_forgot_before = first.seq;
            changed |= !self.colours.forget_ended_before(first.seq).is_empty();
        }
        self.colours_version += u64::from(changed);
    }

    /// Changes whenever [`History::gang_colours`] may have changed, so a viewer compares the hues only then (they
    /// are read every frame while playing, and a big cluster has thousands of gangs).
    pub fn gang_colours_version(&self) -> u64 {
        self.colours_version
    }

    /// Start the colours over from `colours`: a restored checkpoint's, or none for a run from time zero.
    fn restart_colours(&mut self, colours: GangColours) {
        self.colours = colours;
        self.colours_forgot_before = 0;
        self.colours_version += 1;
    }

    /// Run to `t`, reading the colours every [`COLOURS_READ_EVERY`]: a big cluster's deploy records more events in
    /// a few seconds than the log keeps, and a reservation dropped unread would leave its gang without its hue.
    fn run_reading_colours(&mut self, sim: &mut Simulation, t: SimTime) {
        while sim.now().plus(COLOURS_READ_EVERY) < t {
            sim.run_until(sim.now().plus(COLOURS_READ_EVERY));
            self.read_colours(sim);
        }
        sim.run_until(t);
        self.read_colours(sim);
    }

    /// How many checkpoints are held.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// How many user actions the current simulation has applied.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Note how far the simulation got, extending the known events.
    fn observe(&mut self, sim: &Simulation) {
        self.read_colours(sim);
        if sim.now() >= self.known_until {
            self.known_until = sim.now();
            let recorded = self.known_recorded();
            if sim.events_recorded() > recorded {
                let new = events_from(sim.events(), recorded);
                if new.first().is_none_or(|e| e.seq != recorded) {
                    // The simulation ran so far ahead that it dropped events never seen here: start again there.
                    self.known.clear();
                    self.known_first = new.first().map_or(sim.events_recorded(), |e| e.seq);
                }
                self.known.extend_from_slice(new);
                let first = first_kept(self.known_recorded());
                if first > self.known_first {
                    let n = usize::try_from(first - self.known_first).unwrap_or(usize::MAX).min(self.known.len());
                    self.known.drain(..n);
                    self.known_first += n as u64;
                }
            }
        }
    }

    /// Apply the user's actions due at or before `t` (each at its own time, as the live run did).
    fn apply_due(&mut self, sim: &mut Simulation, actions: &[Action], t: SimTime) {
        while let Some(a) = actions.get(self.applied) {
            let when = at(a);
            if when > t {
                break;
            }
            self.run_plain(sim, when);
            sim.schedule(when, a.kind.clone());
            sim.run_until(when);
            self.applied += 1;
        }
    }

    /// Run to `t` with no user action in between, stopping on the checkpoint grid to take missing checkpoints.
    fn run_plain(&mut self, sim: &mut Simulation, t: SimTime) {
        loop {
            let next = SimTime((sim.now().0 / self.every.0 + 1) * self.every.0);
            if next > t {
                break;
            }
            self.run_reading_colours(sim, next);
            let on_stride = (next.0 / self.every.0).is_multiple_of(self.stride);
            if on_stride && !self.checkpoints.contains_key(&next.0) {
                let stored =
                    Stored { checkpoint: sim.checkpoint(), applied: self.applied, colours: self.colours.clone() };
                self.checkpoints.insert(next.0, stored);
                while self.checkpoints.len() > MAX_CHECKPOINTS {
                    self.stride *= 2;
                    let (every, stride) = (self.every.0, self.stride);
                    self.checkpoints.retain(|t, _| (t / every).is_multiple_of(stride));
                }
            }
        }
        self.run_reading_colours(sim, t);
    }

    /// Advance to `t` (never backwards), applying the user's actions on the way.
    pub fn advance_to(&mut self, sim: &mut Simulation, actions: &[Action], t: SimTime) {
        if t < sim.now() {
            return;
        }
        self.apply_due(sim, actions, t);
        self.run_plain(sim, t);
        self.observe(sim);
    }

    /// Advance to the next control-loop tick (on the controller's grid) and run it. Plain `run_until`, so a
    /// replay of the same description lands in the same state.
    pub fn step_tick(&mut self, sim: &mut Simulation, actions: &[Action]) {
        let next = sim.next_tick_after(sim.now());
        self.advance_to(sim, actions, next);
    }

    /// Advance until the run records at least one new event (a user action due on the way counts), or `limit`.
    pub fn step_to_next_event(&mut self, sim: &mut Simulation, actions: &[Action], limit: SimTime) -> bool {
        let before = sim.events_recorded();
        let found = loop {
            let next_action = actions.get(self.applied).map(at);
            let horizon = next_action.map_or(limit, |a| a.min(limit));
            if sim.step_to_next_event(horizon) {
                break true;
            }
            match next_action {
                Some(a) if a <= limit => {
                    self.apply_due(sim, actions, a);
                    if sim.events_recorded() > before {
                        break true;
                    }
                }
                _ => break false,
            }
        };
        // A jump may cross grid points without checkpoints there: a later seek restores an earlier one instead.
        self.observe(sim);
        found
    }

    /// Show the run at `t`: restore the nearest checkpoint at or before `t` (or start over) and replay to `t`.
    pub fn seek(&mut self, scenario: &Scenario, sim: &mut Simulation, actions: &[Action], t: SimTime) {
        self.observe(sim);
        if t == sim.now() || (t > sim.now() && self.checkpoints.range(sim.now().0 + 1..=t.0).next().is_none()) {
            // Forward with no checkpoint in between: continuing from here is the cheapest.
            self.advance_to(sim, actions, t);
            return;
        }
        let (mut next, applied, colours) = match self.checkpoints.range(..=t.0).next_back() {
            Some((_, s)) if s.checkpoint.events_len() <= self.known_recorded() => {
                (Simulation::restore(&s.checkpoint, &self.known, actions), s.applied, s.colours.clone())
            }
            _ => (Simulation::new(scenario), 0, GangColours::default()),
        };
        self.applied = applied;
        self.restart_colours(colours);
        self.advance_to(&mut next, actions, t);
        *sim = next;
    }

    /// Inject a user action at the simulation's time. If user actions were recorded after it (the cursor is in
    /// the past), they are dropped with everything derived from them: the old future is discarded.
    pub fn inject(&mut self, sim: &mut Simulation, actions: &mut Vec<Action>, kind: ActionKind) {
        let now = sim.now();
        // Everything due now was applied by the seek or the advance that brought us here.
        self.apply_due(sim, actions, now);
        if actions.len() > self.applied || self.known_until > now {
            actions.truncate(self.applied);
            self.checkpoints.retain(|t, s| *t <= now.0 && s.applied <= self.applied);
            self.cut_known(sim.events_recorded(), sim);
            self.known_until = now;
        }
        actions.push(Action { at_s: now.as_secs_f64(), kind: kind.clone() });
        sim.schedule(now, kind);
        sim.run_until(now);
        self.applied = actions.len();
        self.observe(sim);
    }

    /// Undo the last user action: the view is rebuilt at the same time without it. Returns the action removed,
    /// or `None` if there is nothing to undo.
    pub fn undo(&mut self, scenario: &Scenario, sim: &mut Simulation, actions: &mut Vec<Action>) -> Option<Action> {
        let removed = actions.pop()?;
        let keep = actions.len();
        let cut = at(&removed);
        // Checkpoints that include the action, or lie after it, describe another timeline now.
        self.checkpoints.retain(|t, s| s.applied <= keep && *t <= cut.0);
        let valid = self.checkpoints.values().next_back().map(|s| (s.checkpoint.events_len(), s.checkpoint.at()));
        let (len, until) = valid.unwrap_or((0, SimTime::ZERO));
        if len >= self.known_first {
            self.known.truncate(usize::try_from(len - self.known_first).unwrap_or(usize::MAX));
        } else {
            // The checkpoint's events were dropped here: it is restored without them (a replay from it adds the new).
            self.known.clear();
            self.known_first = len;
        }
        self.known_until = until;
        let t = sim.now();
        // Rebuild from the last valid checkpoint (never from the current simulation, which has the action).
        let (mut next, applied, colours) = match self.checkpoints.values().next_back() {
            Some(s) => (Simulation::restore(&s.checkpoint, &self.known, actions), s.applied, s.colours.clone()),
            None => (Simulation::new(scenario), 0, GangColours::default()),
        };
        self.applied = applied;
        self.restart_colours(colours);
        self.advance_to(&mut next, actions, t);
        *sim = next;
        Some(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use std::collections::BTreeSet;

    fn scenario(id: &str) -> Scenario {
        preset_by_id(id).unwrap().scenario().unwrap()
    }

    #[test]
    fn a_jump_over_a_big_deploy_gives_every_gang_its_colour() {
        // 1,000 nodes and 10,000 replicas in gangs of 4 and 8: the deploy records more events in its first seconds
        // than the log keeps. Jumped over in one call (a share link opening later), every gang still has the hue
        // its reservation gave it; read only on the 5 s checkpoint grid, ~10 % of them lost it.
        let nodes: Vec<String> =
            (1..=1000).map(|i| format!(r#"{{"id":"w{i:04}","resources":{{"CPU":16,"GPU":4}}}}"#)).collect();
        let apps: Vec<String> = (0..10)
            .map(|a| {
                let deployments: Vec<String> = [("pack4", 4, "PACK"), ("spread8", 8, "SPREAD"), ("pack8", 8, "PACK")]
                    .iter()
                    .map(|(name, size, strategy)| {
                        format!(
                            r#"{{"name":"{name}","num_replicas":{},"ray_actor_options":{{"num_cpus":1}},
                                "gang_scheduling_config":{{"gang_size":{size},"gang_placement_strategy":"{strategy}"}}}}"#,
                            if *size == 4 { 200 } else { 400 }
                        )
                    })
                    .collect();
                format!(r#"{{"name":"app{a}","deployments":[{}]}}"#, deployments.join(","))
            })
            .collect();
        let text = format!(
            r#"{{"format":"gangplank.scenario/v1","seed":3,"until_s":60,"cluster":{{"nodes":[{}]}},"applications":[{}]}}"#,
            nodes.join(","),
            apps.join(",")
        );
        let scenario = crate::model::scenario::parse_scenario(&text).unwrap();
        let (mut h, mut sim) = (History::default(), Simulation::new(&scenario));
        h.advance_to(&mut sim, &[], SimTime::from_secs_f64(5.0));
        assert!(sim.events()[0].seq > 0, "the deploy's first events were dropped");
        let gangs: BTreeSet<String> =
            sim.snapshot().replicas.iter().filter_map(|r| r.gang_context.as_ref().map(|g| g.gang_id.clone())).collect();
        assert!(gangs.len() > 1000, "{} gangs", gangs.len());
        let missing: Vec<&String> = gangs.iter().filter(|g| !h.gang_colours().hues().contains_key(*g)).collect();
        assert!(missing.is_empty(), "{} of {} gangs without their hue", missing.len(), gangs.len());
    }

    /// The run rebuilt from nothing but its description, with actions applied as the live run applies them.
    fn replayed(scenario: &Scenario, actions: &[Action], t: SimTime) -> Simulation {
        let mut sim = Simulation::new(scenario);
        for a in actions.iter().take_while(|a| at(a) <= t) {
            sim.run_until(at(a));
            sim.schedule(at(a), a.kind.clone());
            sim.run_until(at(a));
        }
        sim.run_until(t);
        sim
    }

    fn secs(s: f64) -> SimTime {
        SimTime::from_secs_f64(s)
    }

    #[test]
    fn seeking_anywhere_shows_what_a_fresh_replay_shows() {
        let sc = scenario("replica-crash");
        let mut h = History::default();
        let mut sim = Simulation::new(&sc);
        let mut actions = Vec::new();
        h.advance_to(&mut sim, &actions, secs(6.0));
        h.inject(&mut sim, &mut actions, ActionKind::KillController {});
        h.advance_to(&mut sim, &actions, secs(40.0));
        assert!(h.checkpoints() >= 7);
        for t in [0.0, 0.0, 3.3, 3.3, 6.0, 6.05, 12.7, 25.0, 25.0, 40.0, 55.5] {
            h.seek(&sc, &mut sim, &actions, secs(t));
            let fresh = replayed(&sc, &actions, secs(t));
            assert_eq!(sim.snapshot(), fresh.snapshot(), "at {t} s");
            assert_eq!(sim.events(), fresh.events(), "at {t} s");
            assert_eq!(sim.trace_json(), fresh.trace_json(), "at {t} s");
        }
    }

    #[test]
    fn playing_on_from_the_past_replays_the_recorded_future() {
        let sc = scenario("replica-crash");
        let mut h = History::default();
        let mut sim = Simulation::new(&sc);
        let mut actions = Vec::new();
        h.advance_to(&mut sim, &actions, secs(8.0));
        h.inject(&mut sim, &mut actions, ActionKind::KillController {});
        h.advance_to(&mut sim, &actions, secs(20.0));
        let mut back = sim.clone();
        h.seek(&sc, &mut back, &actions, secs(2.0));
        for _ in 0..40 {
            h.step_tick(&mut back, &actions);
        }
        while back.now() < secs(20.0) {
            if !h.step_to_next_event(&mut back, &actions, secs(20.0)) {
                break;
            }
        }
        h.advance_to(&mut back, &actions, secs(20.0));
        assert_eq!(back.trace_json(), sim.trace_json());
        assert_eq!(back.events(), sim.events());
    }

    #[test]
    fn a_fork_drops_the_old_future_and_undo_takes_the_last_action_back() {
        let sc = scenario("replica-crash");
        let mut h = History::default();
        let mut sim = Simulation::new(&sc);
        let mut actions = Vec::new();
        h.advance_to(&mut sim, &actions, secs(10.0));
        h.inject(&mut sim, &mut actions, ActionKind::KillController {});
        h.advance_to(&mut sim, &actions, secs(30.0));
        // Back to 5 s and fork: the controller kill at 10 s is gone.
        h.seek(&sc, &mut sim, &actions, secs(5.0));
        h.inject(&mut sim, &mut actions, ActionKind::FailGcsQueries { for_s: 3.0 });
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].at_s, 5.0);
        assert_eq!(h.known_until(), secs(5.0));
        h.advance_to(&mut sim, &actions, secs(30.0));
        assert_eq!(sim.trace_json(), replayed(&sc, &actions, secs(30.0)).trace_json());
        // Undo: the run at 30 s as if nothing had been injected.
        let removed = h.undo(&sc, &mut sim, &mut actions).unwrap();
        assert!(matches!(removed.kind, ActionKind::FailGcsQueries { .. }));
        assert!(actions.is_empty());
        assert_eq!(sim.now(), secs(30.0));
        assert_eq!(sim.trace_json(), replayed(&sc, &[], secs(30.0)).trace_json());
        assert!(h.undo(&sc, &mut sim, &mut actions).is_none());
    }

    #[test]
    fn stepping_a_tick_is_the_same_as_replaying_to_it() {
        let sc = scenario("controller-restart");
        let mut h = History::default();
        let mut sim = Simulation::new(&sc);
        let actions = Vec::new();
        for _ in 0..150 {
            h.step_tick(&mut sim, &actions);
        }
        assert_eq!(sim.snapshot(), replayed(&sc, &actions, sim.now()).snapshot());
    }

    /// Seek anywhere in a 10-minute run of the biggest preset; prints the times (`cargo test -- --nocapture`).
    #[test]
    fn seeking_in_a_ten_minute_big_cluster_run_is_fast() {
        let sc = scenario("big-cluster");
        let mut h = History::default();
        let mut sim = Simulation::new(&sc);
        let start = std::time::Instant::now();
        h.advance_to(&mut sim, &[], secs(600.0));
        let first = start.elapsed();
        let mut worst = std::time::Duration::ZERO;
        for t in [599.9, 12.3, 301.7, 4.99, 444.4, 0.0, 598.0, 150.05] {
            let start = std::time::Instant::now();
            h.seek(&sc, &mut sim, &[], secs(t));
            worst = worst.max(start.elapsed());
            assert_eq!(sim.now(), secs(t));
        }
        eprintln!("big-cluster: first run to 600 s {first:?}; worst seek {worst:?}; {} checkpoints", h.checkpoints());
    }
}
