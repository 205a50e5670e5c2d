//! A session: one scenario, the user's timestamped actions, and the simulation that plays them.
//!
//! The run is fully described by `scenario` (which carries the seed) and `user_actions`; the [`Simulation`] is
//! derived from them and can be rebuilt at any time ([`Session::replay_to`]), which is what time travel and share
//! links (issue 5) build on. The session never decides anything about scheduling: it only forwards actions and
//! time to the model.
use crate::app::history::History;
use crate::model::Simulation;
use crate::model::events::Event;
use crate::model::invariants::Violation;
use crate::model::placement_explain::PlacementExplanation;
use crate::model::scenario::{Action, ActionKind, Scenario};
use crate::model::snapshot::Snapshot;
use crate::model::time::{SimDuration, SimTime};

/// How far "step to the next event" looks ahead before giving up (simulated time).
pub const NEXT_EVENT_HORIZON: SimDuration = SimDuration(600 * 1_000_000);

pub struct Session {
    scenario: Scenario,
    user_actions: Vec<Action>,
    sim: Simulation,
    /// Bumped whenever the simulation is replaced (reset, new seed, new scenario, replay).
    generation: u64,
    /// Checkpoints and the known future: seeking, forking and undo (`app::history`).
    history: History,
}

impl Session {
    pub fn new(scenario: Scenario) -> Session {
        let sim = Simulation::new(&scenario);
        Session { scenario, user_actions: Vec::new(), sim, generation: 0, history: History::default() }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn seed(&self) -> u64 {
        self.scenario.seed
    }

    /// The actions the user injected, each with the simulated time it was applied at.
    pub fn user_actions(&self) -> &[Action] {
        &self.user_actions
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Changes whenever the model may have changed state: (simulation generation, wakeups processed). Between
    /// two equal values only the clock moved, so a viewer can keep its last snapshot.
    pub fn version(&self) -> (u64, u64) {
        (self.generation, self.sim.steps)
    }

    /// The control-loop tick the clock is in.
    pub fn tick(&self) -> u64 {
        self.sim.tick_of(self.sim.now())
    }

    pub fn control_loop_interval(&self) -> SimDuration {
        self.sim.control_loop_interval()
    }

    /// Back to time zero with the same scenario; the user's actions are dropped.
    pub fn reset(&mut self) {
        self.user_actions.clear();
        self.sim = Simulation::new(&self.scenario);
        self.history.reset();
        self.generation += 1;
    }

    /// Start over with another seed (same scenario, no user actions).
    pub fn set_seed(&mut self, seed: u64) {
        self.scenario.seed = seed;
        self.reset();
    }

    /// Replace the scenario and start over.
    pub fn load(&mut self, scenario: Scenario) {
        self.scenario = scenario;
        self.reset();
    }

    /// Rebuild the simulation from the description (scenario, seed, user actions) and run it to `t`. Because the
    /// model is deterministic this reproduces exactly what was seen; it is the basis of seeking and share links.
    pub fn replay_to(&mut self, t: SimTime) {
        // Mirror the live path exactly: run to the action's time, then schedule it and apply it (`inject`), so
        // an action lands after everything the live run had already processed at that same instant.
        // (`History::advance_to` applies each action that way.)
        self.sim = Simulation::new(&self.scenario);
        self.history.reset();
        self.history.advance_to(&mut self.sim, &self.user_actions, t);
        self.generation += 1;
    }

    /// Advance simulated time by `d` (playback: wall-clock milliseconds × speed).
    pub fn advance_by(&mut self, d: SimDuration) {
        let target = self.sim.now().plus(d);
        self.history.advance_to(&mut self.sim, &self.user_actions, target);
    }

    pub fn advance_to(&mut self, t: SimTime) {
        if t > self.sim.now() {
            self.history.advance_to(&mut self.sim, &self.user_actions, t);
        }
    }

    /// Advance to the next control-loop tick and run it.
    pub fn step_tick(&mut self) {
        self.history.step_tick(&mut self.sim, &self.user_actions);
    }

    /// Advance until the model records at least one new event, or the limit ([`Session::next_event_limit`]).
    /// Returns whether an event was found; at the end of the scenario nothing moves and it returns false.
    pub fn step_to_next_event(&mut self) -> bool {
        let limit = self.next_event_limit();
        if limit <= self.sim.now() {
            return false;
        }
        self.history.step_to_next_event(&mut self.sim, &self.user_actions, limit)
    }

    /// Where the story ends: the scenario's `until_s`, or a while after the last user action if the user acted
    /// later (a link from before stepping stopped at the end). Stepping and playback stop here.
    pub fn end(&self) -> SimTime {
        crate::app::compare::run_end(&self.scenario, &self.user_actions)
    }

    /// The clock has reached (or, from an old link, passed) the end of the scenario.
    pub fn at_end(&self) -> bool {
        self.sim.now() >= self.end()
    }

    /// How far "step to the next event" may go from now: [`NEXT_EVENT_HORIZON`], but never past [`Session::end`]
    /// (once there, nowhere: stepping used to go on a minute a press and squeeze the story into the timeline's
    /// left edge).
    pub fn next_event_limit(&self) -> SimTime {
        let now = self.sim.now();
        now.plus(NEXT_EVENT_HORIZON).min(self.end().max(now))
    }

    /// The simulated time playback may still run before it stops at [`Session::end`].
    pub fn left_to_play(&self) -> SimDuration {
        SimDuration(self.end().0.saturating_sub(self.sim.now().0))
    }

    /// Show the run at `t` (back or forward): checkpoints plus replay; user actions after `t` are kept.
    pub fn seek(&mut self, t: SimTime) {
        self.history.seek(&self.scenario, &mut self.sim, &self.user_actions, t);
        self.generation += 1;
    }

    /// Take the last injected action back; the view stays at the same time. Returns it.
    pub fn undo(&mut self) -> Option<Action> {
        let removed = self.history.undo(&self.scenario, &mut self.sim, &mut self.user_actions);
        self.generation += 1;
        removed
    }

    /// The colours of the run's gangs, stable however the moment shown was reached (`History::gang_colours`).
    pub fn gang_colours(&self) -> &crate::app::gang_colours::GangColours {
        self.history.gang_colours()
    }

    /// Changes whenever [`Session::gang_colours`] may have changed (`History::gang_colours_version`).
    pub fn gang_colours_version(&self) -> u64 {
        self.history.gang_colours_version()
    }

    /// Checkpoints and the timeline's known events (including the future of a cursor in the past).
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Start from a shared description: scenario, user actions, and the time to show.
    pub fn load_with_actions(&mut self, scenario: Scenario, actions: Vec<Action>, at: SimTime) {
        self.load(scenario);
        self.user_actions = actions;
        self.seek(at);
    }

    /// Apply a user gesture: it becomes a model action at the current simulated time, recorded in the session.
    pub fn inject(&mut self, kind: ActionKind) {
        // Looking at the past, this forks: the user's actions after now are dropped (`History::inject`).
        self.history.inject(&mut self.sim, &mut self.user_actions, kind);
    }

    /// The callers' requests (now, and one sample per deployment per second since the start).
    pub fn traffic(&self) -> &crate::model::traffic::Traffic {
        self.sim.traffic()
    }

    pub fn snapshot(&self) -> Snapshot {
        self.sim.snapshot()
    }

    /// Why a placement group (name or id) is placed where it is, or why it waits (`model::placement_explain`).
    pub fn explain_placement(&self, pg: &str) -> Option<PlacementExplanation> {
        self.sim.explain_placement(pg)
    }

    /// Why a replica's actor is where it is, or why it waits: its placement group, or its own request.
    pub fn explain_replica(&self, replica_id: &str) -> Option<PlacementExplanation> {
        self.sim.explain_replica(replica_id)
    }

    /// The events the model keeps: the most recent ones (`log::EVENTS_KEPT`), numbered from the start of the run.
    pub fn events(&self) -> &[Event] {
        self.sim.events()
    }

    /// How many events the run has recorded up to now, kept or dropped.
    pub fn events_recorded(&self) -> u64 {
        self.sim.events_recorded()
    }

    /// When the oldest events were dropped: the time of the first one kept (seeking before it replays them).
    pub fn events_kept_from(&self) -> Option<SimTime> {
        let first = self.sim.events().first()?;
        (first.seq > 0).then_some(first.t)
    }

    pub fn violations(&self) -> &[Violation] {
        self.sim.violations()
    }

    /// The run so far as a `gangplank.trace/v1` document (for export).
    pub fn trace_json(&self) -> String {
        self.sim.trace_json()
    }

    /// The scenario with the user's actions folded in (for export and for the CLI).
    pub fn scenario_with_user_actions(&self) -> Scenario {
        let mut s = self.scenario.clone();
        s.actions.extend(self.user_actions.iter().cloned());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::{PRESETS, preset_by_id};

    fn session(id: &str) -> Session {
        Session::new(preset_by_id(id).unwrap().scenario().unwrap())
    }

    #[test]
    fn stepping_a_tick_lands_on_the_next_tick_boundary() {
        let mut s = session("steady-pack");
        let iv = s.control_loop_interval();
        s.step_tick();
        assert_eq!(s.now().0, iv.0);
        s.advance_by(SimDuration(iv.0 / 2));
        s.step_tick();
        assert_eq!(s.now().0, 2 * iv.0);
    }

    #[test]
    fn next_event_stops_at_the_end_of_the_scenario_and_stays_there() {
        let mut s = session("steady-pack");
        let until = SimTime::from_secs_f64(s.scenario().until_s);
        assert_eq!(s.end(), until);
        let mut steps = 0;
        while s.step_to_next_event() {
            steps += 1;
            assert!(steps < 10_000, "the run settles");
            assert!(s.now() <= until, "a step never passes until_s");
        }
        // The run goes quiet before its end: the quiet step still lands on until_s, not short of it.
        while !s.at_end() {
            s.step_to_next_event();
            steps += 1;
            assert!(steps < 10_000, "the steps reach the end");
        }
        assert_eq!(s.now(), until);
        let (events, version) = (s.events().len(), s.version());
        assert!(!s.step_to_next_event(), "at the end there is no next event");
        assert_eq!(s.now(), until, "a press at the end does not move the clock (it went 60 s a press)");
        assert_eq!((s.events().len(), s.version()), (events, version));
        assert_eq!(s.left_to_play(), SimDuration(0));
    }

    #[test]
    fn every_preset_steps_to_its_end_and_no_further() {
        for p in PRESETS.iter().filter(|p| p.id != "big-cluster") {
            let mut s = Session::new(p.scenario().unwrap());
            let end = s.end();
            for _ in 0..20_000 {
                if s.at_end() {
                    break;
                }
                s.step_to_next_event();
            }
            assert_eq!(s.now(), end, "preset {} ends at its until_s", p.id);
            assert!(!s.step_to_next_event(), "preset {}", p.id);
            assert_eq!(s.history().known_until(), end, "preset {}: the timeline is not stretched", p.id);
        }
    }

    #[test]
    fn a_user_action_after_until_moves_the_end_with_it() {
        let mut s = session("steady-pack");
        let until = s.scenario().until_s;
        s.load_with_actions(
            s.scenario().clone(),
            vec![Action { at_s: until + 5.0, kind: ActionKind::KillController {} }],
            SimTime::ZERO,
        );
        assert_eq!(s.end(), SimTime::from_secs_f64(until + 5.0 + crate::app::compare::PAST_LAST_ACTION_S));
        s.advance_to(SimTime::from_secs_f64(until));
        assert!(!s.at_end());
        assert!(s.step_to_next_event(), "the controller's crash after until_s is still reached");
    }

    #[test]
    fn inject_records_the_action_at_the_current_time_and_reset_forgets_it() {
        let mut s = session("replica-crash");
        s.advance_to(SimTime::from_secs_f64(3.0));
        s.inject(ActionKind::KillController {});
        assert_eq!(s.user_actions().len(), 1);
        assert_eq!(s.user_actions()[0].at_s, 3.0);
        assert_eq!(s.scenario_with_user_actions().actions.len(), s.scenario().actions.len() + 1);
        s.reset();
        assert_eq!(s.now(), SimTime::ZERO);
        assert!(s.user_actions().is_empty());
    }

    #[test]
    fn version_changes_only_when_the_model_may_have_changed() {
        let mut s = session("steady-pack");
        s.advance_to(SimTime::from_secs_f64(5.0));
        let v = s.version();
        // Steady state: nothing is due for a while (health checks are 1 s apart), so a millisecond changes nothing.
        s.advance_by(SimDuration(1));
        assert!(s.version() == v || s.version().1 > v.1);
        s.reset();
        assert_ne!(s.version().0, v.0);
    }

    #[test]
    fn set_seed_restarts_with_the_new_seed() {
        let mut s = session("steady-pack");
        s.advance_to(SimTime::from_secs_f64(1.0));
        s.set_seed(99);
        assert_eq!(s.seed(), 99);
        assert_eq!(s.now(), SimTime::ZERO);
    }

    #[test]
    fn replay_reproduces_the_same_run() {
        for p in PRESETS.iter().filter(|p| p.id != "big-cluster") {
            let mut a = Session::new(p.scenario().unwrap());
            a.advance_to(SimTime::from_secs_f64(4.0));
            a.inject(ActionKind::KillController {});
            a.advance_to(SimTime::from_secs_f64(12.0));
            let mut b = Session::new(p.scenario().unwrap());
            b.user_actions = a.user_actions.clone();
            b.replay_to(SimTime::from_secs_f64(12.0));
            assert_eq!(a.snapshot(), b.snapshot(), "preset {}", p.id);
            assert_eq!(a.events(), b.events(), "preset {}", p.id);
        }
    }
}
