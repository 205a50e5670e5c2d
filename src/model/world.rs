//! The simulated world at one moment, read-only: what the invariant checker ([`crate::model::invariants`]) and
//! the projections ([`crate::model::snapshot::Snapshot::of`]) inspect. [`crate::model::Simulation::world`] builds
//! it. It knows nothing of the driver (pending actions, the RNG, the event log), so neither do its readers.
use crate::model::gcs::Gcs;
use crate::model::scenario::Timing;
use crate::model::serve::behaviour::Behaviour;
use crate::model::serve::calls::QueuedCall;
use crate::model::serve::controller::ServeController;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use crate::model::time::SimTime;

/// (actor creation order, replica id, gang id and rank).
type LiveReplica = (u64, String, Option<(String, u32)>);

/// A borrowed view of the GCS, the Serve controller and the clock.
#[derive(Clone, Copy, Debug)]
pub struct World<'a> {
    pub gcs: &'a Gcs,
    pub controller: &'a ServeController,
    pub now: SimTime,
    pub timing: &'a Timing,
    pub toggles: &'a Behaviour,
    /// Cluster-state queries from the controller fail until this time (`fail_gcs_queries`).
    pub gcs_queries_fail_until: SimTime,
    /// Calls to the controller waiting for it to come back (`serve/calls.rs`).
    pub queued_calls: &'a [QueuedCall],
    /// The callers' requests.
    pub traffic: &'a crate::model::traffic::Traffic,
}

impl World<'_> {
    /// The control-loop tick number of now.
    pub fn tick(&self) -> u64 {
        self.now.0 / self.timing.control_loop_interval.0
    }

    /// (replica id, position, gang rank) for every replica of `d` that is not stopping: position is the gang's
    /// place among the deployment's gangs (oldest first), or the replica's among non-gang replicas.
    pub(crate) fn positions(&self, d: &DeploymentState) -> Vec<(String, u32, Option<u32>)> {
        let mut live: Vec<LiveReplica> = d
            .replicas
            .iter()
            .filter(|r| r.state != ReplicaState::Stopping)
            .filter_map(|r| {
                let a = self.gcs.actors.get(&r.id)?;
                Some((a.created_seq, r.id.clone(), a.gang_context.as_ref().map(|g| (g.gang_id.clone(), g.rank))))
            })
            .collect();
        live.sort();
        let mut out = Vec::new();
        let mut gang_order: Vec<String> = Vec::new();
        let mut plain = 0;
        for (_, id, g) in live {
            match g {
                Some((gid, rank)) => {
                    let pos = match gang_order.iter().position(|x| *x == gid) {
                        Some(p) => p,
                        None => {
                            gang_order.push(gid);
                            gang_order.len() - 1
                        }
                    };
                    out.push((id, pos as u32, Some(rank)));
                }
                None => {
                    out.push((id, plain, None));
                    plain += 1;
                }
            }
        }
        out
    }
}
