//! Reading a run's event list incrementally: the views derived from it (gang colours and lineage, swimlanes, the
//! big cluster's blast radius) read only the events added since their last look, and start over when the list is
//! not a continuation of what they read (a seek back, an undo, a fork, another run).
use crate::model::events::Event;

/// How far an event list was read, and the last event read (where a different run shows first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventCursor {
    read: usize,
    last: Option<Event>,
}

impl EventCursor {
    /// Whether `events` continues what was read: the last event read is still in its place.
    pub fn continues(&self, events: &[Event]) -> bool {
        match self.read.checked_sub(1) {
            None => true,
            Some(i) => events.get(i) == self.last.as_ref(),
        }
    }

    /// The events not read yet, now marked read: all of them when `events` does not continue what was read
    /// (callers ask [`EventCursor::continues`] first, to reset what they derived).
    pub fn unread<'a>(&mut self, events: &'a [Event]) -> &'a [Event] {
        let from = if self.continues(events) { self.read } else { 0 };
        self.read = events.len();
        self.last = events.last().cloned();
        &events[from..]
    }

    /// How many events were read.
    pub fn read(&self) -> usize {
        self.read
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::app::session::Session;
    use crate::model::scenario::ActionKind;
    use crate::model::time::SimTime;

    #[test]
    fn only_new_events_are_unread_and_a_fork_starts_over() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(5.0));
        let mut c = EventCursor::default();
        let n = s.events().len();
        assert_eq!(c.unread(s.events()).len(), n);
        assert!(c.unread(s.events()).is_empty(), "nothing new");
        s.advance_to(SimTime::from_secs_f64(12.0));
        assert_eq!(c.unread(s.events()).len(), s.events().len() - n, "only what came since");
        // A fork at 5 s with another action: as many events again, but not the same ones.
        let before = s.events().len();
        s.seek(SimTime::from_secs_f64(5.0));
        s.inject(ActionKind::KillController {});
        s.advance_to(SimTime::from_secs_f64(12.0));
        assert!(s.events().len() >= n);
        assert!(!c.continues(s.events()), "another history ({before} events read)");
        assert_eq!(c.unread(s.events()).len(), s.events().len(), "read again from the start");
    }
}
