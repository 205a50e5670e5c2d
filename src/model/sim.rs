//! The simulation: (being written) see the engine branch.
use crate::model::events::Event;
use crate::model::invariants::Violation;
use crate::model::scenario::{ActionKind, Scenario};
use crate::model::snapshot::Snapshot;
use crate::model::time::{SimDuration, SimTime};

pub struct Simulation {
    scenario: Scenario,
    now: SimTime,
    events: Vec<Event>,
    violations: Vec<Violation>,
}

impl Simulation {
    pub fn new(scenario: &Scenario) -> Simulation {
        Simulation { scenario: scenario.clone(), now: SimTime::ZERO, events: Vec::new(), violations: Vec::new() }
    }
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn control_loop_interval(&self) -> SimDuration {
        self.scenario.timing.resolve().control_loop_interval
    }
    pub fn schedule(&mut self, _at: SimTime, _kind: ActionKind) {}
    pub fn run_until(&mut self, t: SimTime) {
        self.now = t;
    }
    pub fn snapshot(&self) -> Snapshot {
        Snapshot { t: self.now, ..Default::default() }
    }
    pub fn events(&self) -> &[Event] {
        &self.events
    }
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}
