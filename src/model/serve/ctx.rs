//! What a controller step may touch besides the controller's own state: the GCS, the event log, the run's RNG,
//! the timings and the resolved toggles.
use crate::model::gcs::Gcs;
use crate::model::log::EventLog;
use crate::model::scenario::Timing;
use crate::model::serve::behaviour::Behaviour;
use crate::model::time::SimTime;
use rand_chacha::ChaCha8Rng;

/// Everything a controller step may touch besides its own state.
pub struct Ctx<'a> {
    pub gcs: &'a mut Gcs,
    pub log: &'a mut EventLog,
    pub rng: &'a mut ChaCha8Rng,
    pub timing: &'a Timing,
    pub toggles: &'a Behaviour,
    pub seed: u64,
    /// Cluster-state queries fail right now (`fail_gcs_queries`).
    pub gcs_queries_fail: bool,
    /// Set by a step that changed something besides recording an event, so the next loop must run.
    pub changed: bool,
}

impl Ctx<'_> {
    pub fn now(&self) -> SimTime {
        self.log.now
    }
    pub fn node_of(&self, replica_id: &str) -> Option<String> {
        let a = self.gcs.actors.get(replica_id)?;
        a.node.map(|i| self.gcs.cluster.nodes[i].id.clone())
    }
}
