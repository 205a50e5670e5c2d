//! The run's event log: every decision goes through here, stamped with time and tick.
//!
//! The log keeps the most recent events only ([`EVENTS_KEPT`], dropped in blocks of [`EVENTS_DROPPED_AT_ONCE`]),
//! so an hour of play on a big cluster holds a bounded amount of memory. Sequence numbers stay absolute (a `cause`
//! link to a dropped event is still a valid number), and which events are kept depends only on how many were
//! recorded, so a replay of the same run keeps the same ones. A run's description (scenario, seed, actions) still
//! rebuilds any instant: a dropped event is replayed, never lost.
use crate::model::events::{Event, EventKind};
use crate::model::time::SimTime;

/// At least this many of the most recent events are kept (about 10 MB of a big cluster's events).
pub const EVENTS_KEPT: u64 = 20_000;
/// Dropping happens in blocks, so the log is not shifted on every event.
pub const EVENTS_DROPPED_AT_ONCE: u64 = 4_096;

#[derive(Clone, Debug, Default)]
pub struct EventLog {
    /// The kept events, oldest first: `events[i].seq == dropped + i`.
    pub events: Vec<Event>,
    /// How many of the oldest events were dropped (the sequence number of the first kept one).
    pub dropped: u64,
    /// Keep every event (the CLI: its trace is the whole run); the page keeps the newest only.
    pub keep_all: bool,
    pub now: SimTime,
    pub tick: u64,
}

/// The first sequence number kept once `recorded` events were recorded: a function of the count alone.
pub fn first_kept(recorded: u64) -> u64 {
    if recorded < EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE {
        0
    } else {
        (recorded - EVENTS_KEPT) / EVENTS_DROPPED_AT_ONCE * EVENTS_DROPPED_AT_ONCE
    }
}

/// The events of `events` (a run's kept events, in seq order) from sequence number `seq` on.
pub fn events_from(events: &[Event], seq: u64) -> &[Event] {
    let first = events.first().map_or(0, |e| e.seq);
    let i = usize::try_from(seq.saturating_sub(first)).unwrap_or(usize::MAX).min(events.len());
    &events[i..]
}

impl EventLog {
    /// Record an event and return its sequence number (for `cause` links).
    pub fn push(&mut self, kind: EventKind, reason: impl Into<String>) -> u64 {
        self.push_caused(kind, reason, None)
    }
    pub fn push_caused(&mut self, kind: EventKind, reason: impl Into<String>, cause: Option<u64>) -> u64 {
        let seq = self.len();
        self.events.push(Event { seq, t: self.now, tick: self.tick, kind, reason: reason.into(), cause });
        self.drop_old();
        seq
    }
    /// How many events were recorded from the start (kept or dropped): the next sequence number.
    pub fn len(&self) -> u64 {
        self.dropped + self.events.len() as u64
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Drop the events before [`first_kept`] of the count recorded.
    fn drop_old(&mut self) {
        if self.keep_all {
            return;
        }
        let first = first_kept(self.len());
        if first > self.dropped {
            let n = usize::try_from(first - self.dropped).unwrap_or(usize::MAX).min(self.events.len());
            self.events.drain(..n);
            self.dropped += n as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(n: u64) -> EventLog {
        let mut log = EventLog::default();
        for i in 0..n {
            log.push(
                EventKind::Action { action: "x".into(), applied: true, queued: false, target: None },
                format!("event {i}"),
            );
        }
        log
    }

    #[test]
    fn a_log_that_keeps_all_drops_nothing() {
        let mut log = EventLog { keep_all: true, ..EventLog::default() };
        for i in 0..EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE + 1 {
            log.push(
                EventKind::Action { action: "x".into(), applied: true, queued: false, target: None },
                format!("{i}"),
            );
        }
        assert_eq!((log.dropped, log.events.len() as u64), (0, log.len()));
    }

    #[test]
    fn the_log_keeps_the_newest_events_with_absolute_numbers() {
        let n = EVENTS_KEPT + 3 * EVENTS_DROPPED_AT_ONCE + 17;
        let log = log_of(n);
        assert_eq!(log.len(), n);
        assert!(log.events.len() as u64 >= EVENTS_KEPT);
        assert!((log.events.len() as u64) < EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE);
        assert_eq!(log.events[0].seq, log.dropped);
        assert_eq!(log.events.last().unwrap().seq, n - 1);
        assert_eq!(log.events.last().unwrap().reason, format!("event {}", n - 1));
        assert_eq!(events_from(&log.events, n - 2).len(), 2);
        assert_eq!(events_from(&log.events, 0).len(), log.events.len(), "dropped events are simply not there");
        assert!(events_from(&log.events, n + 5).is_empty());
    }

    #[test]
    fn a_short_run_keeps_everything() {
        let log = log_of(EVENTS_KEPT);
        assert_eq!(log.dropped, 0);
        assert_eq!(log.events.len() as u64, EVENTS_KEPT);
    }
}
