//! Health checks (Ray's `ActorReplicaWrapper.check_health`), simulated lazily.
//!
//! A check starts on the first tick at least `period × uniform(0.9, 1.1)` after the previous one started, and
//! its answer is read on the next tick. A healthy replica's checks all pass and change nothing, so the model
//! does not run them: it keeps the schedule and "catches up" the moment a fault makes a check matter. The
//! jitter of check k of replica r is a hash of (seed, r, k) rather than a draw from the run's RNG, which makes
//! the catch-up exact: the same checks start at the same ticks as if every one had been run.
use crate::model::time::{SimDuration, SimTime};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthState {
    /// When check `index` is due.
    pub next_due: SimTime,
    pub index: u64,
    /// Start time of the check in flight, and whether it was set to fail when it ran.
    pub in_flight: Option<(SimTime, bool)>,
    pub consecutive_failures: u32,
}

/// The tick grid of one controller incarnation: ticks at `origin + k × interval`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TickGrid {
    pub origin: SimTime,
    pub interval: SimDuration,
}

impl TickGrid {
    /// The first tick at or after `t`.
    pub fn ceil(&self, t: SimTime) -> SimTime {
        if t <= self.origin {
            return self.origin;
        }
        let since = t.0 - self.origin.0;
        let k = since.div_ceil(self.interval.0);
        SimTime(self.origin.0.saturating_add(k.saturating_mul(self.interval.0)))
    }
}

/// `period × uniform(0.9, 1.1)` for check `index` of `replica_id`, in integer microseconds.
pub fn jittered_period(seed: u64, replica_id: &str, index: u64, period: SimDuration) -> SimDuration {
    let mut h = splitmix(seed ^ 0x6a09_e667_f3bc_c908);
    for b in replica_id.bytes() {
        h = splitmix(h ^ b as u64);
    }
    h = splitmix(h ^ index);
    let per_10k = 9_000 + (h % 2_001);
    SimDuration((period.0 as u128 * per_10k as u128 / 10_000) as u64)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl HealthState {
    /// A fresh schedule: the first check fires on the first tick the replica is examined in RUNNING.
    pub fn starting_at(t: SimTime) -> HealthState {
        HealthState { next_due: t, index: 0, in_flight: None, consecutive_failures: 0 }
    }

    /// The start tick of the check due now, and the due time of the one after it.
    fn advance(&mut self, grid: &TickGrid, seed: u64, replica_id: &str, period: SimDuration) -> SimTime {
        let start = grid.ceil(self.next_due);
        let gap = jittered_period(seed, replica_id, self.index, period).0.max(grid.interval.0);
        self.index += 1;
        self.next_due = SimTime(start.0.saturating_add(gap));
        start
    }

    /// Skip every check that would have started (and passed) before `now`.
    pub fn catch_up(&mut self, now: SimTime, grid: &TickGrid, seed: u64, replica_id: &str, period: SimDuration) {
        // Bounded: one iteration per skipped check.
        while grid.ceil(self.next_due) < now {
            self.advance(grid, seed, replica_id, period);
        }
    }

    /// Start a check now if one is due (the caller decides whether it will fail).
    pub fn start_if_due(
        &mut self,
        now: SimTime,
        grid: &TickGrid,
        seed: u64,
        replica_id: &str,
        period: SimDuration,
    ) -> bool {
        if self.in_flight.is_some() || grid.ceil(self.next_due) > now {
            return false;
        }
        let start = self.advance(grid, seed, replica_id, period);
        debug_assert!(start <= now);
        true
    }

    /// When this replica's health checks next need the controller, if it is being checked for real.
    pub fn next_timer(&self, grid: &TickGrid) -> SimTime {
        match self.in_flight {
            Some((started, _)) => SimTime(started.0 + grid.interval.0),
            None => grid.ceil(self.next_due),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent_and_is_stable() {
        let p = SimDuration(10_000_000);
        for k in 0..200 {
            let d = jittered_period(7, "ab12cd34", k, p).0;
            assert!((9_000_000..=11_000_000).contains(&d), "{d}");
            assert_eq!(d, jittered_period(7, "ab12cd34", k, p).0);
        }
        assert_ne!(jittered_period(7, "ab12cd34", 0, p), jittered_period(8, "ab12cd34", 0, p));
    }

    #[test]
    fn catch_up_matches_running_every_check() {
        let grid = TickGrid { origin: SimTime(50_000), interval: SimDuration(100_000) };
        let p = SimDuration(1_000_000);
        let mut eager = HealthState::starting_at(SimTime(250_000));
        let mut starts = Vec::new();
        let mut t = grid.origin;
        while t.0 < 20_000_000 {
            if eager.start_if_due(t, &grid, 1, "r", p) {
                starts.push(t);
            }
            t = SimTime(t.0 + grid.interval.0);
        }
        let mut lazy = HealthState::starting_at(SimTime(250_000));
        lazy.catch_up(SimTime(12_345_678), &grid, 1, "r", p);
        let next = grid.ceil(lazy.next_due);
        assert!(starts.contains(&next));
        assert!(next >= SimTime(12_345_678));
        assert!(starts.iter().filter(|s| **s >= SimTime(12_345_678)).all(|s| *s >= next));
    }
}
