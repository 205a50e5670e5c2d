//! The traffic history: one sample per deployment per second, for the page's chart. Append-only and shared
//! between clones in sealed chunks, so a checkpoint (a clone of the run) costs the open chunk only.
//!
//! Bounded: past [`MAX_CHUNKS`] sealed chunks, the oldest two of the same density are merged into one by keeping
//! every other round of samples (a round: one sample of every deployment, at one time). So the newest hours keep one
//! sample a second, older ones one every 2, 4, 8 … seconds, and memory stays at most `MAX_CHUNKS` chunks however
//! long the run (the chart draws at most one point per pixel column anyway). Which samples are kept depends only on
//! the samples pushed, so a replay of the run keeps the same ones.
use crate::model::time::SimTime;
use std::sync::Arc;

const CHUNK: usize = 1024;
/// At most this many sealed chunks are held (64 × 1,024 samples × 40 B ≈ 2.6 MB).
const MAX_CHUNKS: usize = 64;
/// At most this many samples are held: the sealed chunks and the open one.
pub const MAX_SAMPLES_HELD: usize = (MAX_CHUNKS + 1) * CHUNK;

/// One deployment's traffic over the last sample period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrafficSample {
    /// The end of the period.
    pub t: SimTime,
    /// Index into `Traffic::deployments`.
    pub deployment: u16,
    pub offered_rps: f32,
    pub served_rps: f32,
    pub failed_rps: f32,
    /// Waiting at the callers at `t`.
    pub queued: f32,
    /// In flight per routable replica at `t`.
    pub ongoing_per_replica: f32,
    /// Routable replicas at `t`.
    pub replicas: u32,
    pub target: u32,
    /// Gangs with every member routable at `t`.
    pub whole_gangs: u32,
}

#[derive(Clone, Debug, Default)]
pub struct SampleLog {
    /// Oldest first, with how thinned each is (0: every round; n: every 2^n-th round).
    sealed: Vec<(u8, Arc<Vec<TrafficSample>>)>,
    open: Vec<TrafficSample>,
    /// Samples pushed from the start (held or thinned out).
    pushed: usize,
}

/// Every other round of `samples` (rounds: runs of samples with the same time), starting with the first.
fn every_other_round(samples: impl Iterator<Item = TrafficSample>) -> Vec<TrafficSample> {
    let mut out = Vec::with_capacity(CHUNK);
    let (mut round, mut last_t) = (0usize, None);
    for s in samples {
        if last_t.is_some_and(|t| t != s.t) {
            round += 1;
        }
        last_t = Some(s.t);
        if round.is_multiple_of(2) {
            out.push(s);
        }
    }
    out
}

impl SampleLog {
    pub fn push(&mut self, s: TrafficSample) {
        self.open.push(s);
        self.pushed += 1;
        if self.open.len() == CHUNK {
            self.sealed.push((0, Arc::new(std::mem::take(&mut self.open))));
            self.thin();
        }
    }

    /// Merge the oldest two neighbouring chunks of the same density (else the oldest two) until at most
    /// [`MAX_CHUNKS`] are held.
    fn thin(&mut self) {
        while self.sealed.len() > MAX_CHUNKS {
            let i = self.sealed.windows(2).position(|w| w[0].0 == w[1].0).unwrap_or(0);
            let (level, a) = self.sealed.remove(i);
            let (_, b) = &self.sealed[i];
            let merged = every_other_round(a.iter().chain(b.iter()).copied());
            self.sealed[i] = (level.saturating_add(1), Arc::new(merged));
        }
    }

    /// How many samples were pushed from the start (older ones are thinned out: see [`SampleLog::held`]).
    pub fn len(&self) -> usize {
        self.pushed
    }

    /// How many samples are held.
    pub fn held(&self) -> usize {
        self.sealed.iter().map(|(_, c)| c.len()).sum::<usize>() + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &TrafficSample> {
        self.sealed.iter().flat_map(|(_, c)| c.iter()).chain(self.open.iter())
    }

    /// The most recent sample of deployment `i` (searched from the end; samples come in rounds of every
    /// deployment, so this looks at one round).
    pub fn latest_of(&self, i: usize) -> Option<&TrafficSample> {
        self.open
            .iter()
            .rev()
            .chain(self.sealed.iter().rev().flat_map(|(_, c)| c.iter().rev()))
            .find(|s| s.deployment as usize == i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: u64, deployment: u16) -> TrafficSample {
        TrafficSample {
            t: SimTime(t_s * 1_000_000),
            deployment,
            offered_rps: t_s as f32,
            served_rps: 0.0,
            failed_rps: 0.0,
            queued: 0.0,
            ongoing_per_replica: 0.0,
            replicas: 0,
            target: 0,
            whole_gangs: 0,
        }
    }

    #[test]
    fn a_long_history_is_thinned_from_the_oldest_end_and_stays_bounded() {
        let mut log = SampleLog::default();
        // Three deployments (rounds of 3, so rounds straddle chunk ends), 400,000 s: ~1.2 million samples.
        for t in 1..=400_000 {
            for d in 0..3 {
                log.push(sample(t, d));
            }
        }
        assert_eq!(log.len(), 1_200_000);
        assert!(log.held() <= MAX_SAMPLES_HELD, "{} held", log.held());
        let ts: Vec<u64> = log.iter().map(|s| s.t.0 / 1_000_000).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "still in time order");
        // Every deployment is still drawn over the whole run, densest at the end.
        for d in 0..3 {
            let mine: Vec<u64> = log.iter().filter(|s| s.deployment == d).map(|s| s.t.0 / 1_000_000).collect();
            assert!(mine[0] < 20_000, "deployment {d} starts at {}", mine[0]);
            assert_eq!(*mine.last().unwrap(), 400_000);
            let n = mine.len();
            assert_eq!(mine[n - 1] - mine[n - 2], 1, "the newest samples are a second apart");
        }
        assert_eq!(log.latest_of(1).map(|s| s.t.0 / 1_000_000), Some(400_000));
    }
}
