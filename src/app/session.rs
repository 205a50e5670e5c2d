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
/// Past the scenario's `until_s`, how far one "step to the next event" may go (simulated time).
pub const NEXT_EVENT_PAST_END: SimDuration = SimDuration(60 * 1_000_000);

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
    /// Returns whether an event was found.
    pub fn step_to_next_event(&mut self) -> bool {
        let limit = self.next_event_limit();
        self.history.step_to_next_event(&mut self.sim, &self.user_actions, limit)
    }

    /// How far "step to the next event" may go from now: [`NEXT_EVENT_HORIZON`], but not past the scenario's
    /// `until_s` (or, once past it, [`NEXT_EVENT_PAST_END`] further), so an idle run does not stretch the
    /// timeline by minutes in one press.
    pub fn next_event_limit(&self) -> SimTime {
        let now = self.sim.now();
        let until = SimTime::from_secs_f64(self.scenario.until_s);
        let cap = if now < until { until } else { now.plus(NEXT_EVENT_PAST_END) };
        now.plus(NEXT_EVENT_HORIZON).min(cap)
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

    pub fn events(&self) -> &[Event] {
        self.sim.events()
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
    fn next_event_on_an_idle_run_stops_at_until_then_goes_a_minute_at_a_time() {
        let mut s = session("steady-pack");
        let until = SimTime::from_secs_f64(s.scenario().until_s);
        let mut steps = 0;
        while s.step_to_next_event() {
            steps += 1;
            assert!(steps < 10_000, "the run settles");
        }
        assert!(s.now() <= until, "the first idle jump stops at until_s, not {NEXT_EVENT_HORIZON:?} later");
        while s.now() < until {
            s.step_to_next_event();
        }
        let past = s.now();
        s.step_to_next_event();
        assert!(s.now() <= past.plus(NEXT_EVENT_PAST_END));
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
