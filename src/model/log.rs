//! The run's event log: every decision goes through here, stamped with time and tick.
use crate::model::events::{Event, EventKind};
use crate::model::time::SimTime;

#[derive(Clone, Debug, Default)]
pub struct EventLog {
    pub events: Vec<Event>,
    pub now: SimTime,
    pub tick: u64,
}

impl EventLog {
    /// Record an event and return its sequence number (for `cause` links).
    pub fn push(&mut self, kind: EventKind, reason: impl Into<String>) -> u64 {
        self.push_caused(kind, reason, None)
    }
    pub fn push_caused(&mut self, kind: EventKind, reason: impl Into<String>, cause: Option<u64>) -> u64 {
        let seq = self.events.len() as u64;
        self.events.push(Event { seq, t: self.now, tick: self.tick, kind, reason: reason.into(), cause });
        seq
    }
    pub fn len(&self) -> usize {
        self.events.len()
    }
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
