//! `DeploymentState.scale_deployment_replicas` (Ray 2.60, `deployment_state.py`): start whole gangs for the
//! placement groups the manager reserved (`_add_upscale_gang_replicas`), or single replicas; report how many to
//! stop when above target; and stop the victims the scheduler picks.
use crate::model::events::EventKind;
use crate::model::gcs::ActorPlacement;
use crate::model::ids;
use crate::model::placement::{Bundle, PgOwner};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentState, GangConfig, GangReservation};
use crate::model::serve::replica::{GangContext, ReplicaState};
use crate::model::serve::scheduler::{GangReservationResult, ReservedGang};
use crate::model::serve::transitions::NewReplica;

impl DeploymentState {
    /// Ray's `scale_deployment_replicas`: add whole gangs for the reserved PGs (or single replicas), and return
    /// how many replicas to stop when above target (the scheduler picks which, STEP 7).
    pub(super) fn scale_deployment_replicas(
        &mut self,
        reservation: Option<GangReservationResult>,
        cx: &mut Ctx,
    ) -> Option<u32> {
        // Plan starts and stops from one snapshot during a surge rollout (old replicas are picked explicitly,
        // because a general downscale could stop new ones); otherwise replace outdated replicas batch by batch.
        let surge = self.surge_rollout_in_progress();
        let delta = if surge {
            let to_start = self.surge_replicas_to_start();
            let picked = self.surge_replicas_to_stop();
            self.stop_old_replicas(picked, cx);
            to_start
        } else {
            self.check_and_stop_outdated_version_replicas(cx);
            self.target_replica_delta()
        };
        if delta < 0 {
            return Some((-delta) as u32);
        }
        if delta == 0 || self.terminally_failed() {
            return None;
        }
        match (self.config.gang.clone(), reservation) {
            (Some(_), None) => {} // skipped this loop (a member still STOPPING)
            (Some(_), Some(Err(e))) => self.gang_reservation_failed(&e, cx),
            (Some(gang), Some(Ok(gangs))) => {
                for reserved in gangs {
                    self.add_upscale_gang_replicas(&gang, reserved, cx);
                }
            }
            (None, _) => self.add_upscale_replicas(delta as u32, cx),
        }
        None
    }

    /// `success=false` from the scheduler: one start-up failure per loop, with Ray's message.
    fn gang_reservation_failed(&mut self, error: &str, cx: &mut Ctx) {
        let seq = cx.log.push(
            EventKind::ReservationFailed {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                error: error.to_string(),
            },
            format!("gang reservation for {} failed: {error} It counts as a start-up failure.", self.config.label()),
        );
        if self.target > 0 {
            self.failure_count += 1;
            self.mark_rolling_update_failed_if_needed(cx);
            self.set_failure_message(
                &format!("Gang scheduling failed: {error} See Serve controller logs for more details."),
                Some(seq),
                cx,
            );
        }
    }

    /// Ray's `_add_upscale_gang_replicas` for one reserved PG: `gang_size` replica ids minted at once, each
    /// replica pinned to its rank's bundle (Ray's `gang_pg_index`, here `bundle_index`: rank × bundles per
    /// replica).
    fn add_upscale_gang_replicas(&mut self, gang: &GangConfig, reserved: ReservedGang, cx: &mut Ctx) {
        let ReservedGang { gang_id, pg_name } = reserved;
        let bundles_per_replica = self.config.bundles_per_replica();
        let ids: Vec<String> = (0..gang.gang_size).map(|_| ids::replica_id(cx.rng)).collect();
        self.reclaim_check = true;
        self.reservations
            .insert(gang_id.clone(), GangReservation { pg_name: pg_name.clone(), member_ids: ids.clone() });
        let seq = cx.log.push(
            EventKind::GangReserved {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                gang_id: gang_id.clone(),
                pg_name: pg_name.clone(),
                members: ids.clone(),
            },
            format!(
                "gang {gang_id} reserved for {}: {} replica ids minted before any member starts, PG {pg_name}",
                self.config.label(),
                gang.gang_size
            ),
        );
        for (rank, id) in ids.iter().enumerate() {
            let bundle_index = rank * bundles_per_replica;
            let gang_context = GangContext {
                gang_id: gang_id.clone(),
                rank: rank as u32,
                world_size: gang.gang_size,
                member_replica_ids: ids.clone(),
                pg_name: pg_name.clone(),
            };
            self.add_replica(
                NewReplica {
                    id: id.clone(),
                    gang_context: Some(gang_context),
                    placement: ActorPlacement::Bundle { pg_name: pg_name.clone(), bundle_index },
                    reason: format!(
                        "replica {id} starting as rank {rank} of gang {gang_id}, pinned to bundle {bundle_index} of {pg_name}"
                    ),
                    cause: Some(seq),
                },
                cx,
            );
        }
    }

    /// Non-gang upscale: one replica per missing one, each with its own PG when `placement_group_bundles` is
    /// set, else an actor with Serve's default scheduling.
    fn add_upscale_replicas(&mut self, to_add: u32, cx: &mut Ctx) {
        for _ in 0..to_add {
            let id = ids::replica_id(cx.rng);
            let placement = match &self.config.bundles {
                Some(template) => {
                    let name = self.config.replica_actor_name(&id);
                    let bundles = template
                        .iter()
                        .enumerate()
                        .map(|(bi, b)| Bundle {
                            resources: b.clone(),
                            label_selector: self.config.bundle_selector(bi),
                            node: None,
                        })
                        .collect();
                    let pg_id = ids::pg_id(cx.rng);
                    cx.gcs.create_pg(
                        pg_id,
                        name.clone(),
                        self.config.pg_strategy,
                        bundles,
                        PgOwner { app: self.config.app.clone(), deployment: self.config.name.clone(), gang_id: None },
                        &format!("per-replica placement group for replica {id}"),
                        cx.log,
                    );
                    ActorPlacement::Bundle { pg_name: name, bundle_index: 0 }
                }
                None => ActorPlacement::Spread,
            };
            let how = if placement == ActorPlacement::Spread {
                "scheduled with SPREAD"
            } else {
                "in its own placement group"
            };
            let reason = format!("replica {id} starting ({how}) to reach {} replicas", self.target);
            self.add_replica(NewReplica { id, gang_context: None, placement, reason, cause: None }, cx);
        }
    }

    /// STEP 7's second half: stop the downscale victims the scheduler chose, gracefully.
    pub(super) fn stop_downscale_victims(&mut self, victims: Vec<String>, cx: &mut Ctx) {
        let from = self.count(&[
            ReplicaState::Starting,
            ReplicaState::Updating,
            ReplicaState::Running,
            ReplicaState::Recovering,
        ]);
        let why = if self.deleting {
            "the application is being deleted".to_string()
        } else {
            format!("downscaling from {from} to {} replicas", self.target)
        };
        for id in victims {
            if let Some(idx) = self.index_of(&id) {
                let gang = self.replicas[idx]
                    .gang_context
                    .as_ref()
                    .map(|g| format!(" (gang {}, whole gangs only)", g.gang_id))
                    .unwrap_or_default();
                self.stop_replica(idx, true, format!("stopping replica {id} gracefully: {why}{gang}"), None, cx);
            }
        }
    }
}
