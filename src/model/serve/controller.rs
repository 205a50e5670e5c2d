//! The Serve controller: Ray 2.60's `DeploymentStateManager` (`deployment_state.py`), whose `update` runs the
//! control loop's steps in Ray's order and does the work that spans deployments (gang reservation, downscale
//! victims, deleted deployments, application statuses). Per-deployment work is on `DeploymentState`
//! (`check_replicas.rs`, `check_health.rs`, `scale.rs`, `deployment_status.rs`, `transitions.rs`); crash and
//! restart are in `recovery.rs`; what is not in Ray (skipping idle ticks) is in `wakeups.rs`.
use crate::model::events::EventKind;
use crate::model::serve::behaviour::LeakDetection;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::health::TickGrid;
use crate::model::serve::migration;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::scheduler::{self, GangReservationResult};
use crate::model::serve::status::{ApplicationStatus, derive_app_status};
use crate::model::time::SimTime;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub name: String,
    pub status: ApplicationStatus,
    pub deleting: bool,
}

#[derive(Clone, Debug)]
pub struct ServeController {
    pub alive: bool,
    pub incarnation: u32,
    pub restart_at: Option<SimTime>,
    pub grid: TickGrid,
    pub deployments: Vec<DeploymentState>,
    pub apps: Vec<AppState>,
    /// Restarted and still has RECOVERING replicas.
    pub recovering: bool,
    /// The last tick changed something, so the next one must run.
    pub dirty: bool,
    pub last_tick: Option<SimTime>,
    /// The last loop that ran only the autoscaler (`autoscale_only`).
    pub last_autoscale: Option<SimTime>,
    pub last_recovery_at: Option<SimTime>,
    /// When it last died (its replicas' user callables initialized only while it was alive, see `recovery.rs`).
    pub crashed_at: Option<SimTime>,
    /// Gang PGs live when the last start's leak detection was skipped: Ray 2.60 knowingly leaves them.
    pub leak_exempt: BTreeSet<String>,
    /// Gang PGs of the gangs whose members the last restart re-attached: 2.60 registers such a PG only when one
    /// of them reaches RUNNING, so if none does it leaks (errata §8).
    pub recovered_pgs: BTreeSet<String>,
}

impl ServeController {
    /// One iteration of the control loop at `cx.now()`: Ray's `DeploymentStateManager.update`, with Ray 2.60's
    /// own STEP labels (it has two STEP 3s).
    pub fn update(&mut self, cx: &mut Ctx) {
        debug_assert!(self.alive, "only a live controller runs its loop");
        let before = cx.log.len();
        self.dirty = false;
        cx.changed = false;
        for d in &mut self.deployments {
            d.torn_down_gangs.clear();
        }
        self.wake_touched_deployments(cx);
        let grid = self.grid;
        // STEP 1: Update current state
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.check_and_update_replicas(&grid, cx);
        }
        if cx.toggles.leak_detection == LeakDetection::Periodic && !cx.gcs_queries_fail {
            self.remove_leaked_gang_placement_groups(cx, "periodic leak detection");
        }
        // STEP 2: Check current status
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.check_curr_status(cx);
        }
        // STEP 3: Drain nodes (Serve's own node compaction, RAY_SERVE_USE_PACK_SCHEDULING_STRATEGY, is off by
        // default and not modelled).
        let draining = migration::draining_nodes(cx);
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.migrate_replicas_on_draining_nodes(&draining, cx);
        }
        // STEP 3: Reserve gang placement groups
        let reservations = self.reserve_gang_placement_groups(cx);
        // STEP 4: Scale replicas
        let mut downscales: Vec<(usize, u32)> = Vec::new();
        for (di, reservation) in reservations.into_iter().enumerate() {
            let d = &mut self.deployments[di];
            if d.quiet {
                continue;
            }
            if let Some(n) = d.scale_deployment_replicas(reservation, cx) {
                downscales.push((di, n));
            }
        }
        // STEP 5: Update status
        for d in self.deployments.iter_mut().filter(|d| !d.quiet) {
            d.check_curr_status(cx);
        }
        // STEP 6: Schedule all STARTING replicas and stop all STOPPING replicas (the actors of new replicas were
        // created in STEP 4; the scheduler picks the downscale victims).
        let head = cx.gcs.cluster.head_id().to_string();
        for (di, num_to_stop) in downscales {
            let victims = scheduler::replicas_to_stop(&self.deployments, di, num_to_stop, &head, cx.gcs);
            self.deployments[di].stop_downscale_victims(victims, cx);
        }
        // STEP 7 (long poll) and STEP 8 (metrics) have no effect on the model.
        // STEP 9: Cleanup
        self.remove_deleted(cx);
        // The application state manager runs after the deployment state manager in the same controller loop:
        // first each application's autoscaling decisions (`ApplicationState.autoscale`), then its status.
        for d in &mut self.deployments {
            d.autoscale(cx);
        }
        self.update_app_statuses(cx);
        self.finish_recovery_if_done(cx);
        self.quiet_settled_deployments(cx);
        self.last_tick = Some(cx.now());
        if cx.changed || cx.log.len() > before {
            self.dirty = true;
        }
    }

    /// A loop in which only the autoscaler has work (see `next_autoscale_at`): the application state manager's
    /// autoscaling and statuses. A changed target makes the next loop a full one.
    pub fn autoscale_only(&mut self, cx: &mut Ctx) {
        let before = cx.log.len();
        cx.changed = false;
        for d in &mut self.deployments {
            d.autoscale(cx);
        }
        self.update_app_statuses(cx);
        self.last_autoscale = Some(cx.now());
        if cx.changed || cx.log.len() > before {
            self.dirty = true;
        }
    }

    /// Ray's `_reserve_gang_placement_groups`: one batch for every gang deployment, each asking the scheduler
    /// for the gangs it misses (`_prepare_gangs_for_deployment`). `None` for a deployment skipped this loop:
    /// not a gang deployment, nothing to start, or a replica still STOPPING (its resources are not released).
    fn reserve_gang_placement_groups(&mut self, cx: &mut Ctx) -> Vec<Option<GangReservationResult>> {
        self.deployments
            .iter()
            .map(|d| {
                if d.config.gang.is_none() || d.quiet {
                    return None;
                }
                let to_start = d.num_replicas_to_start();
                if to_start == 0 || d.count(&[ReplicaState::Stopping]) > 0 {
                    return None;
                }
                Some(scheduler::prepare_gangs_for_deployment(d, to_start, cx))
            })
            .collect()
    }

    /// STEP 9: deployments deleted and empty go; an application goes with its last deployment.
    fn remove_deleted(&mut self, cx: &mut Ctx) {
        let before = self.deployments.len();
        self.deployments.retain(|d| !(d.deleting && d.replicas.is_empty() && d.reservations.is_empty()));
        if self.deployments.len() != before {
            cx.changed = true;
        }
        let mut i = 0;
        while i < self.apps.len() {
            let name = self.apps[i].name.clone();
            if self.apps[i].deleting && !self.deployments.iter().any(|d| d.config.app == name) {
                let from = self.apps.remove(i).status;
                cx.log.push(
                    EventKind::AppStatus { app: name.clone(), from: Some(from), to: ApplicationStatus::NotStarted },
                    format!("application {name} deleted: every deployment, replica and gang placement group is gone"),
                );
                continue;
            }
            i += 1;
        }
    }

    /// Ray's `ApplicationStateManager.update`, as far as status goes: derived from the deployments' statuses.
    pub fn update_app_statuses(&mut self, cx: &mut Ctx) {
        for app in &mut self.apps {
            let statuses: Vec<_> =
                self.deployments.iter().filter(|d| d.config.app == app.name).map(|d| (d.status, d.trigger)).collect();
            let next = derive_app_status(app.deleting, &statuses);
            if next != app.status {
                let from = app.status;
                app.status = next;
                cx.log.push(
                    EventKind::AppStatus { app: app.name.clone(), from: Some(from), to: next },
                    format!("application {} is {}: derived from its deployments' statuses", app.name, next.as_str()),
                );
            }
        }
    }

    /// The deployment with this id, if the controller tracks it.
    pub fn deployment_mut(&mut self, app: &str, name: &str) -> Option<&mut DeploymentState> {
        self.deployments.iter_mut().find(|d| d.config.app == app && d.config.name == name)
    }
}
