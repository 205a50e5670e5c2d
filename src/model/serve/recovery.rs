//! Controller crash and restart: leaked placement-group detection, then re-attaching live replicas.
use crate::model::events::{ControllerChange, EventKind};
use crate::model::gcs::Gcs;
use crate::model::serve::controller::ServeController;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{
    DeploymentReplica, GANG_PG_NAME_PREFIX, SERVE_REPLICA_NAME_PREFIX, replica_actor_name,
};
use crate::model::serve::health::{HealthState, TickGrid};
use crate::model::serve::replica::{ReplicaStartupStatus, ReplicaState};
use std::collections::{BTreeMap, BTreeSet};

impl ServeController {
    /// The controller dies: nothing reconciles until it comes back. Its table is kept only so the UI can show
    /// the last thing it knew; a restart rebuilds everything from the checkpoint and the live actors.
    pub fn crash(&mut self, cx: &mut Ctx) {
        self.alive = false;
        self.recovering = false;
        self.crashed_at = Some(cx.now());
        let back = cx.now().plus(cx.timing.controller_restart);
        self.restart_at = Some(back);
        cx.log.push(
            EventKind::Controller { change: ControllerChange::Crashed, incarnation: self.incarnation },
            format!(
                "the Serve controller died; replicas keep running but nothing reconciles until it restarts at {} s",
                crate::model::time::fmt_secs(back)
            ),
        );
    }

    /// A new controller starts (Ray's `_recover_from_checkpoint`): leaked PGs are removed once, then every live
    /// replica actor is re-attached in RECOVERING.
    pub fn restart(&mut self, gcs_queries_fail: bool, cx: &mut Ctx) {
        let now = cx.now();
        self.alive = true;
        self.incarnation += 1;
        self.restart_at = None;
        self.grid = TickGrid { origin: now, interval: cx.timing.control_loop_interval };
        self.last_tick = None;
        self.last_autoscale = None;
        self.last_recovery_at = Some(now);
        cx.log.push(
            EventKind::Controller { change: ControllerChange::Started, incarnation: self.incarnation },
            format!(
                "a new Serve controller started (incarnation {}); recovering from its checkpoint",
                self.incarnation
            ),
        );
        self.detect_and_remove_leaked_placement_groups(gcs_queries_fail, cx);
        // Target state from the checkpoint; live state from the actors.
        self.deployments = self.deployments.iter().map(|d| d.recovered_from_checkpoint(now)).collect();
        // Every actor the GCS believes alive, including those on a node that died but is not declared dead, by
        // deployment (one pass over the actors).
        let mut live: Vec<Vec<(u64, String)>> = vec![Vec::new(); self.deployments.len()];
        {
            let index: BTreeMap<(&str, &str), usize> = self
                .deployments
                .iter()
                .enumerate()
                .rev()
                .map(|(i, d)| ((d.config.app.as_str(), d.config.name.as_str()), i))
                .collect();
            for a in cx.gcs.actors.values().filter(|a| a.alive || a.unreachable) {
                if let Some(&i) = index.get(&(a.app.as_str(), a.deployment.as_str())) {
                    live[i].push((a.created_seq, a.replica_id.clone()));
                }
            }
        }
        for (d, mut live) in self.deployments.iter_mut().zip(live) {
            live.sort();
            for (_, id) in live {
                if let Some(g) = &cx.gcs.actors[&id].gang_context {
                    self.recovered_pgs.insert(g.pg_name.clone());
                }
                d.replicas.push(DeploymentReplica {
                    id: id.clone(),
                    state: ReplicaState::Recovering,
                    startup: ReplicaStartupStatus::PendingInitialization,
                    version: d.target_version,
                    reconfigure_done_at: None,
                    gang_context: None,
                    created_at: now,
                    since: now,
                    health: HealthState::default(),
                    stop: None,
                    recover_ready_at: Some(now.plus(cx.timing.replica_recovery)),
                    previous_controller_died_at: self.crashed_at,
                    running_order: 0,
                    actor_ok: None,
                });
                let node = cx.node_of(&id);
                cx.log.push(
                    d.replica_event(&id, None, None, ReplicaState::Recovering, node),
                    format!("replica {id} found alive by the new controller: RECOVERING (its gang context is read back when it answers)"),
                );
            }
            d.emit_status(None, "state rebuilt after the controller restart".to_string(), cx);
        }
        self.recovering = true;
        self.dirty = true;
        for d in &mut self.deployments {
            d.quiet = false;
        }
        self.update_app_statuses(cx);
    }

    /// Ray's `_detect_and_remove_leaked_placement_groups`, once per controller start.
    fn detect_and_remove_leaked_placement_groups(&mut self, gcs_queries_fail: bool, cx: &mut Ctx) {
        self.leak_exempt.clear();
        self.recovered_pgs.clear();
        if gcs_queries_fail {
            self.leak_exempt =
                cx.gcs.pg_by_name.keys().filter(|n| n.starts_with(GANG_PG_NAME_PREFIX)).cloned().collect();
            cx.log.push(
                EventKind::LeakDetectionSkipped { error: "the cluster-state query for active placement groups failed".to_string() },
                "leak detection for gang placement groups skipped: the query for placement groups used by live actors failed; per-replica leak detection still runs",
            );
        }
        let mut leaked: Vec<(String, bool)> = Vec::new();
        {
            // An actor on a node that died but is not declared dead yet still counts as ALIVE to the GCS.
            let live = || cx.gcs.actors.values().filter(|a| a.alive || a.unreachable);
            let names = cx.gcs.pg_by_name.keys();
            // Built only if some PG name needs it.
            let mut live_actor_names: Option<BTreeSet<String>> = None;
            for name in names {
                if name.starts_with(GANG_PG_NAME_PREFIX) {
                    if !gcs_queries_fail && !held_by_alive_actor(cx.gcs, name) {
                        leaked.push((name.clone(), true));
                    }
                } else if name.starts_with(SERVE_REPLICA_NAME_PREFIX)
                    && !live_actor_names
                        .get_or_insert_with(|| {
                            live().map(|a| replica_actor_name(&a.app, &a.deployment, &a.replica_id)).collect()
                        })
                        .contains(name)
                {
                    leaked.push((name.clone(), false));
                }
            }
        }
        for (name, gang) in leaked {
            let why = if gang {
                "no replica actor in state ALIVE holds this gang placement group (an actor still waiting for it is not ALIVE)"
            } else {
                "no live actor has this per-replica placement group's name"
            };
            cx.log.push(
                EventKind::LeakDetected { name: name.clone(), gang },
                format!("leaked placement group {name} found at controller start: {why}"),
            );
            cx.gcs.remove_pg(&name, "leaked placement group cleaned up by the recovering controller", cx.log);
        }
    }

    /// Gang PGs no deployment tracks and no live replica actor uses, removed (the `periodic` toggle).
    pub fn remove_leaked_gang_placement_groups(&mut self, cx: &mut Ctx, why: &str) {
        let leaked: Vec<String> = cx
            .gcs
            .pg_by_name
            .keys()
            .filter(|n| n.starts_with(GANG_PG_NAME_PREFIX) && !held_by_alive_actor(cx.gcs, n))
            .filter(|n| !self.deployments.iter().any(|d| d.reservations.values().any(|r| &r.pg_name == *n)))
            .cloned()
            .collect();
        for name in leaked {
            cx.log.push(
                EventKind::LeakDetected { name: name.clone(), gang: true },
                format!(
                    "leaked placement group {name} found by {why}: no deployment tracks it and no live replica uses it"
                ),
            );
            cx.gcs.remove_pg(&name, &format!("leaked placement group cleaned up by {why}"), cx.log);
            cx.changed = true;
        }
    }

    /// Recovery ends once no replica is RECOVERING any more (Ray: `update` returns `any_recovering`).
    pub(super) fn finish_recovery_if_done(&mut self, cx: &mut Ctx) {
        if self.recovering && self.deployments.iter().all(|d| d.count(&[ReplicaState::Recovering]) == 0) {
            self.recovering = false;
            cx.log.push(
                EventKind::Controller { change: ControllerChange::Recovered, incarnation: self.incarnation },
                "controller recovery finished: no replica is RECOVERING any more",
            );
        }
    }
}

/// Ray's `get_active_placement_group_ids` (`serve/_private/utils.py`): the placement groups of Serve actors in state
/// ALIVE. An actor still waiting for its placement group (pending creation: not allocated yet) is not ALIVE, so a
/// gang PG whose members all wait for it counts as leaked; an actor on a node that died but is not declared dead
/// yet still is ALIVE to the GCS.
fn held_by_alive_actor(gcs: &Gcs, pg_name: &str) -> bool {
    gcs.pg_actors.get(pg_name).is_some_and(|ids| {
        ids.iter().any(|id| gcs.actors.get(id).is_some_and(|a| (a.alive && a.node.is_some()) || a.unreachable))
    })
}
