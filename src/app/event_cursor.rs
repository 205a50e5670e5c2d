//! Reading a run's event list incrementally: the views derived from it (gang colours and lineage, swimlanes, the
//! big cluster's blast radius) read only the events added since their last look, and start over when the list is
//! not a continuation of what they read (a seek back, an undo, a fork, another run).
use crate::model::events::Event;
use crate::model::log::events_from;

/// How far an event list was read (the sequence number after the last event read), and the last event read (where
/// a different run shows first). Lists are a run's kept events (`log::EVENTS_KEPT`): numbered absolutely, they may
/// start after 0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventCursor {
    read: u64,
    last: Option<Event>,
}

impl EventCursor {
    /// Whether `events` continues what was read: the last event read is still in its place. A list that no
    /// longer holds it (dropped as old, with more than the log keeps unread since) does not.
    pub fn continues(&self, events: &[Event]) -> bool {
        match self.read.checked_sub(1) {
            None => true,
            Some(seq) => events_from(events, seq).first().filter(|e| e.seq == seq) == self.last.as_ref(),
        }
    }

    /// The events not read yet, now marked read: all of them when `events` does not continue what was read
    /// (callers ask [`EventCursor::continues`] first, to reset what they derived).
    pub fn unread<'a>(&mut self, events: &'a [Event]) -> &'a [Event] {
        let new = if self.continues(events) { events_from(events, self.read) } else { events };
        self.read = events.last().map_or(0, |e| e.seq + 1);
        self.last = events.last().cloned();
        new
    }

    /// The events after those read, now marked read, trusting that `events` continue what was read (its owner
    /// knows: a run restored together with what was derived from it, whose log may start after the last event
    /// read). A list that ends before what was read gives nothing and moves nothing back.
    pub fn advance<'a>(&mut self, events: &'a [Event]) -> &'a [Event] {
        let new = events_from(events, self.read);
        if let Some(last) = new.last() {
            self.read = last.seq + 1;
            self.last = Some(last.clone());
        }
        new
    }

    /// How many events were read (the sequence number after the last one read).
    pub fn read(&self) -> u64 {
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
