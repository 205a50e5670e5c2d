//! The traffic history: one sample per deployment per second, for the page's chart. Append-only and shared
//! between clones in sealed chunks, so a checkpoint (a clone of the run) costs the open chunk only.
use crate::model::time::SimTime;
use std::sync::Arc;

const CHUNK: usize = 1024;

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
    sealed: Vec<Arc<Vec<TrafficSample>>>,
    open: Vec<TrafficSample>,
}

impl SampleLog {
    pub fn push(&mut self, s: TrafficSample) {
        self.open.push(s);
        if self.open.len() == CHUNK {
            self.sealed.push(Arc::new(std::mem::take(&mut self.open)));
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &TrafficSample> {
        self.sealed.iter().flat_map(|c| c.iter()).chain(self.open.iter())
    }

    /// The most recent sample of deployment `i` (searched from the end; samples come in rounds of every
    /// deployment, so this looks at one round).
    pub fn latest_of(&self, i: usize) -> Option<&TrafficSample> {
        self.open
            .iter()
            .rev()
            .chain(self.sealed.iter().rev().flat_map(|c| c.iter().rev()))
            .find(|s| s.deployment as usize == i)
    }
}
