//! Rolling updates (Ray 2.60, `deployment_state.py`): `deploy` on a deployment that already runs, and the
//! replacement of outdated replicas in batches: `_check_and_stop_outdated_version_replicas`,
//! `_stop_or_update_outdated_version_replicas`, `_rollout_size`, `_round_up_to_gang_size`, and the surge rollout
//! (`_surge_rollout_in_progress`, `_surge_replicas_to_start`, `_surge_replicas_to_stop`, `_stop_old_replicas`).
//! UPDATING replicas finishing their `reconfigure()` are in `check_updating_replicas`.
use crate::model::events::EventKind;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentConfig, DeploymentState};
use crate::model::serve::replica::{ReplicaStartupStatus, ReplicaState};
use crate::model::serve::status::DeploymentStatusInternalTrigger as Internal;
use crate::model::serve::version::{DeploymentVersion, changed_options, same_version};
use crate::model::time::SimTime;
use std::collections::BTreeMap;

use ReplicaState as S;

/// STARTING, UPDATING, RUNNING: the replicas `_get_target_replica_delta` counts besides RECOVERING.
const ACTIVE: [ReplicaState; 3] = [S::Starting, S::Updating, S::Running];

impl DeploymentState {
    /// Ray's `DeploymentState.deploy` for a deployment that exists: a new target config and replica count.
    /// Returns the sentence that narrates it, or why nothing changed.
    pub(super) fn deploy(&mut self, new: DeploymentConfig, target: u32, cx: &mut Ctx) -> Result<String, String> {
        if new == self.config && target == self.target {
            return Err(format!(
                "{} already runs this config with {target} replicas (deploy() changes nothing)",
                self.config.label()
            ));
        }
        let old_target = self.target;
        let scaled_copy = new == self.config;
        let [restart, actor_reconfigure, reconfigure, lightweight] = changed_options(&self.config, &new);
        if same_version(&self.config, &new) {
            // `_set_target_state` with an equal version keeps the rolling-update flags.
            self.versions[self.target_version as usize].config = new.clone();
        } else {
            let same_code = self.versions.iter().filter(|v| v.config.code_version == new.code_version).count();
            let label = if same_code == 0 {
                new.code_version.clone()
            } else {
                format!("{} #{}", new.code_version, same_code + 1)
            };
            self.versions.push(DeploymentVersion { label, config: new.clone() });
            self.target_version = (self.versions.len() - 1) as u32;
            self.rolling_update = false;
            self.rolling_update_failed = false;
        }
        self.config = new;
        self.target = target;
        self.quiet = false;
        self.check_dirty = true;
        if !self.rolling_update_failed {
            self.rolling_update = self
                .count_version(&[S::Starting, S::Updating, S::Recovering, S::Running, S::PendingMigration], false)
                > 0;
        }
        let mut what = Vec::new();
        for (names, kind) in [
            (&restart, "restart"),
            (&actor_reconfigure, "reconfigure in place (UPDATING)"),
            (&reconfigure, "update in place"),
            (&lightweight, "lightweight"),
        ] {
            if !names.is_empty() {
                what.push(format!("{} → {kind}", names.join(", ")));
            }
        }
        if old_target != target {
            what.push(format!("num_replicas {old_target} → {target}"));
        }
        let what = what.join("; ");
        if self.rolling_update_failed {
            // A count-only reapply must not reset the retry budget or resume replacing healthy old replicas.
            return Ok(format!(
                "{}: {what}. The failed rolling update stays failed until a deploy changes the version",
                self.config.label()
            ));
        }
        if scaled_copy {
            let (event, verb) = if target > old_target {
                (Internal::ManuallyIncreaseNumReplicas, "Upscaling")
            } else {
                (Internal::ManuallyDecreaseNumReplicas, "Downscaling")
            };
            self.fire(event, Some(format!("{verb} from {old_target} to {target} replicas.")), cx);
        } else {
            self.fire(Internal::ConfigUpdate, Some(String::new()), cx);
        }
        self.failure_count = 0;
        self.replica_has_started = false;
        let rolling = if self.rolling_update {
            format!("; a rolling update replaces the replicas of older versions in batches of {}", self.rollout_size())
        } else {
            String::new()
        };
        Ok(format!(
            "Deploying new version of {} (initial target replicas: {target}): {what}; target version {}{rolling}",
            self.config.label(),
            self.target_version().label
        ))
    }

    /// `_get_target_replica_delta`: target minus STARTING, UPDATING, RUNNING and RECOVERING (PENDING_MIGRATION
    /// replicas do not count, so their replacements start).
    pub fn target_replica_delta(&self) -> i64 {
        self.target as i64 - self.count(&[S::Starting, S::Updating, S::Running, S::Recovering]) as i64
    }

    /// `_rollout_size`: `rolling_update_percentage` of the target, at least one, rounded up to whole gangs.
    pub fn rollout_size(&self) -> u32 {
        let raw = ((self.config.rolling_update_percentage * self.target as f64) as u32).max(1);
        if self.is_gang() { self.round_up_to_gang_size(raw) } else { raw }
    }

    /// `_round_up_to_gang_size`.
    pub fn round_up_to_gang_size(&self, n: u32) -> u32 {
        let g = self.config.gang.as_ref().map_or(1, |g| g.gang_size.max(1));
        n.max(g).div_ceil(g) * g
    }

    /// How a batch size came about, for the narration: "2 = 20 % of 8, rounded up to whole gangs".
    fn describe_rollout_size(&self) -> String {
        let pct = self.config.rolling_update_percentage * 100.0;
        let exact = (self.config.rolling_update_percentage * self.target as f64) as u32;
        let batch = self.rollout_size();
        let mut s = format!("batch of {batch} = {pct:.0} % of {}", self.target);
        if exact == 0 {
            s.push_str(", at least one");
        }
        if batch != exact.max(1) {
            s.push_str(", rounded up to whole gangs");
        }
        s
    }

    /// `_check_and_stop_outdated_version_replicas` (no surge): how many outdated replicas may stop now, so that no
    /// more than a batch is in transition at once; nothing while scaling down or after a failed rollout.
    pub(super) fn check_and_stop_outdated_version_replicas(&mut self, cx: &mut Ctx) {
        if self.target == 0 || self.terminally_failed() {
            return;
        }
        let old_running = self.count_version(&ACTIVE, false) as i64;
        let old_stopping = self.count_version(&[S::Stopping], false) as i64;
        let new_running = self.count_version(&[S::Running], true) as i64;
        if (self.target as i64) < old_running + old_stopping {
            return;
        }
        let pending = self.target as i64 - new_running - old_running;
        let max_to_stop = (self.rollout_size() as i64 - pending).max(0) as u32;
        self.stop_or_update_outdated_version_replicas(max_to_stop, pending, cx);
    }

    /// The outdated replicas in STARTING, PENDING_MIGRATION and RUNNING, in the order Ray's container pops them
    /// (by state in that order, then the order they entered it).
    fn outdated(&self, states: &[ReplicaState]) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.replicas.len())
            .filter(|&i| self.replicas[i].version != self.target_version && states.contains(&self.replicas[i].state))
            .collect();
        v.sort_by_key(|&i| (states.iter().position(|s| *s == self.replicas[i].state), self.replicas[i].since));
        v
    }

    /// Replicas grouped by gang (first appearance first); a replica outside any gang is a group of its own.
    pub(super) fn group_by_gang(&self, idxs: &[usize]) -> Vec<(String, Vec<usize>)> {
        let mut order: Vec<String> = Vec::new();
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in idxs {
            let gid = self.replicas[i]
                .gang_context
                .as_ref()
                .map_or_else(|| self.replicas[i].id.clone(), |g| g.gang_id.clone());
            if !groups.contains_key(&gid) {
                order.push(gid.clone());
            }
            groups.entry(gid).or_default().push(i);
        }
        order
            .into_iter()
            .map(|g| {
                let members = groups.remove(&g).unwrap_or_default();
                (g, members)
            })
            .collect()
    }

    /// `_is_complete_gang`: every member of the gang is in the group.
    fn complete_gang(&self, members: &[usize]) -> bool {
        members
            .first()
            .and_then(|&i| self.replicas[i].gang_context.as_ref())
            .is_none_or(|g| members.len() as u32 == g.world_size)
    }

    /// `_stop_or_update_outdated_version_replicas(max_to_stop)`: outdated replicas that need a restart are
    /// stopped (a gang only whole, and only if all its members are in these states; force-stopped), the rest
    /// of a lightweight change is reconfigured in place, within the budget.
    fn stop_or_update_outdated_version_replicas(&mut self, max_to_stop: u32, pending: i64, cx: &mut Ctx) {
        let candidates = self.outdated(&[S::Starting, S::PendingMigration, S::Running]);
        if candidates.is_empty() {
            return;
        }
        let mut changes = 0u32;
        // (index, graceful, gang id)
        let mut to_stop: Vec<(usize, bool, Option<String>)> = Vec::new();
        let mut to_reconfigure: Vec<usize> = Vec::new();
        let mut remaining = candidates.clone();
        if self.is_gang() {
            let (restart, rest): (Vec<usize>, Vec<usize>) = candidates.iter().partition(|&&i| self.needs_restart(i));
            remaining = rest;
            for (gang_id, members) in self.group_by_gang(&restart) {
                // A gang with a member RECOVERING or UPDATING waits for it; one that does not fit the budget waits
                // for the next batch.
                if self.complete_gang(&members) && changes + members.len() as u32 <= max_to_stop {
                    changes += members.len() as u32;
                    to_stop.extend(members.into_iter().map(|i| (i, false, Some(gang_id.clone()))));
                }
            }
        }
        for i in remaining {
            if changes >= max_to_stop {
                continue;
            }
            if self.needs_restart(i) {
                changes += 1;
                // A replica still STARTING skips the graceful stop.
                to_stop.push((i, self.replicas[i].state == S::Running, None));
            } else if self.replicas[i].state == S::Running {
                changes += 1;
                to_reconfigure.push(i);
            }
        }
        if to_stop.is_empty() && to_reconfigure.is_empty() {
            return;
        }
        let to_label = self.target_version().label.clone();
        let stopped: Vec<String> = to_stop.iter().map(|(i, ..)| self.replicas[*i].id.clone()).collect();
        let reconfigured: Vec<String> = to_reconfigure.iter().map(|&i| self.replicas[i].id.clone()).collect();
        let mut gangs: Vec<String> = to_stop.iter().filter_map(|(_, _, g)| g.clone()).collect();
        gangs.dedup();
        let what = if gangs.is_empty() {
            format!("stopping {} replica(s)", stopped.len())
        } else {
            let per = gangs
                .iter()
                .map(|g| {
                    format!("gang {g} ({} replicas)", to_stop.iter().filter(|(_, _, x)| x.as_ref() == Some(g)).count())
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("stopping {per}")
        };
        let reconf = if reconfigured.is_empty() {
            String::new()
        } else {
            format!("{}updating {} replica(s) in place", if stopped.is_empty() { "" } else { "; " }, reconfigured.len())
        };
        let in_flight = if pending > 0 {
            format!(" ({pending} already in transition, so {max_to_stop} may change now)")
        } else {
            String::new()
        };
        let what = if stopped.is_empty() { reconf } else { format!("{what}{reconf}") };
        let seq = cx.log.push(
            EventKind::Rollout {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                to_version: to_label.clone(),
                stopped,
                gangs,
                reconfigured,
                batch: self.rollout_size(),
            },
            format!("rolling update to {to_label}: {what} — {}{in_flight}", self.describe_rollout_size()),
        );
        for (i, graceful, gang) in to_stop {
            let (id, from) = (self.replicas[i].id.clone(), self.version_of(i).label.clone());
            let how = match &gang {
                Some(g) => format!(", force-stopped with its whole gang {g}"),
                None if graceful => ", gracefully".to_string(),
                None => String::new(),
            };
            self.stop_replica(
                i,
                graceful,
                format!("replica {id} stopped: outdated version {from} (rolling update to {to_label}{how})"),
                Some(seq),
                cx,
            );
        }
        for i in to_reconfigure {
            self.reconfigure(i, Some(seq), cx);
        }
    }

    /// `DeploymentReplica.reconfigure`: the replica takes the target version. If the actor must be told
    /// (`requires_actor_reconfigure`), it is UPDATING until `reconfigure()` returns; otherwise it stays RUNNING.
    fn reconfigure(&mut self, i: usize, cause: Option<u64>, cx: &mut Ctx) {
        let (id, from) = (self.replicas[i].id.clone(), self.version_of(i).clone());
        let actor_call = from.requires_actor_reconfigure(self.target_version());
        let to = self.target_version().label.clone();
        self.replicas[i].version = self.target_version;
        if let Some(a) = cx.gcs.actors.get_mut(&id) {
            a.version = self.target_version;
        }
        if actor_call {
            let done = cx.now().plus(cx.timing.replica_reconfigure);
            self.replicas[i].reconfigure_done_at = Some(done);
            if let Some(a) = cx.gcs.actors.get_mut(&id) {
                a.reconfigure_done_at = Some(done);
            }
            self.set_state(
                i,
                S::Updating,
                format!(
                    "replica {id} updating from {} to {to} in place: reconfigure() called on its actor",
                    from.label
                ),
                cause,
                cx,
            );
        } else {
            cx.log.push_caused(
                self.replica_event(
                    &id,
                    self.replicas[i].gang_context.as_ref(),
                    Some(S::Running),
                    S::Running,
                    cx.node_of(&id),
                ),
                format!("replica {id} takes version {to} without a restart (only controller-side options changed)"),
                cause,
            );
            cx.changed = true;
        }
    }

    /// `_check_startup_replicas(UPDATING)`: a replica whose `reconfigure()` returned is RUNNING again; one whose
    /// actor died is stopped.
    pub(super) fn check_updating_replicas(&mut self, cx: &mut Ctx) {
        let now = cx.now();
        for i in 0..self.replicas.len() {
            if self.replicas[i].state != S::Updating {
                continue;
            }
            let id = self.replicas[i].id.clone();
            let alive = cx.gcs.actors.get(&id).is_some_and(|a| a.alive);
            if !alive {
                self.replicas[i].startup = ReplicaStartupStatus::Failed;
                let seq = self.record_replica_startup_failure(&id, "the replica's actor died while updating", true, cx);
                self.stop_replica(i, true, format!("replica {id} died while updating: stopping it"), Some(seq), cx);
            } else if self.replicas[i].reconfigure_done_at.is_none_or(|t| t <= now) {
                self.replicas[i].reconfigure_done_at = None;
                let label = self.version_of(i).label.clone();
                self.set_state(
                    i,
                    S::Running,
                    format!("replica {id} finished reconfigure(): RUNNING at {label}"),
                    None,
                    cx,
                );
            }
        }
    }

    /// `_surge_rollout_in_progress`: `max_surge_percent` > 0 and an active replica of another version needs a
    /// restart (or versions are unknown: RECOVERING replicas).
    pub fn surge_rollout_in_progress(&self) -> bool {
        if self.target == 0 || self.config.max_surge_percent == 0 {
            return false;
        }
        if self.count_version(&ACTIVE, false) == 0 {
            return self.count(&[S::Recovering]) > 0;
        }
        (0..self.replicas.len()).any(|i| ACTIVE.contains(&self.replicas[i].state) && self.needs_restart(i))
    }

    /// `_surge_replicas_to_start`: the replacements that fit in target + surge (surge rounded up to whole gangs,
    /// the result down to whole gangs); none after a terminal failure.
    pub fn surge_replicas_to_start(&self) -> i64 {
        if self.terminally_failed() {
            return 0;
        }
        let target = self.target as i64;
        let mut surge = (self.config.max_surge_percent as i64 * target + 99) / 100;
        if self.is_gang() {
            surge = self.round_up_to_gang_size(surge as u32) as i64;
        }
        let at_target = self.count_version(&[S::Starting, S::Updating, S::Running, S::Recovering], true) as i64;
        let missing = target - at_target;
        let available = surge + self.target_replica_delta();
        let mut to_start = missing.min(available).max(0);
        if let Some(g) = &self.config.gang {
            to_start = to_start / g.gang_size as i64 * g.gang_size as i64;
        }
        to_start
    }

    /// `_surge_replicas_to_stop`: a batch of old replicas (whole gangs, complete ones only) whose RUNNING members
    /// are surplus over the target, fewest RUNNING first; after a terminal failure, only old RUNNING replicas beyond
    /// the target.
    pub(super) fn surge_replicas_to_stop(&self) -> Vec<usize> {
        let failed = self.terminally_failed();
        let states: &[ReplicaState] = if failed { &[S::Running] } else { &[S::Starting, S::Running] };
        let old: Vec<usize> = self.outdated(states).into_iter().filter(|&i| self.needs_restart(i)).collect();
        let groups: Vec<Vec<usize>> = if self.is_gang() {
            self.group_by_gang(&old).into_iter().map(|(_, m)| m).filter(|m| self.complete_gang(m)).collect()
        } else {
            old.iter().map(|&i| vec![i]).collect()
        };
        let running_members =
            |g: &Vec<usize>| g.iter().filter(|&&i| self.replicas[i].state == S::Running).count() as i64;
        let mut surplus = if failed {
            old.len() as i64 - self.target as i64
        } else {
            self.count(&[S::Running]) as i64 - self.target as i64
        }
        .max(0);
        let mut remaining_batch = self.rollout_size() as i64;
        let mut sorted = groups;
        sorted.sort_by_key(&running_members);
        let mut selected = Vec::new();
        for g in sorted {
            let running = running_members(&g);
            if running > surplus || g.len() as i64 > remaining_batch {
                continue;
            }
            surplus -= running;
            remaining_batch -= g.len() as i64;
            selected.extend(g);
        }
        selected
    }

    /// `_stop_old_replicas`: stop the surge rollout's pick (gang members forcefully, others gracefully if RUNNING).
    pub(super) fn stop_old_replicas(&mut self, picked: Vec<usize>, cx: &mut Ctx) {
        if picked.is_empty() {
            return;
        }
        let to_label = self.target_version().label.clone();
        let stopped: Vec<String> = picked.iter().map(|&i| self.replicas[i].id.clone()).collect();
        let mut gangs: Vec<String> =
            picked.iter().filter_map(|&i| self.replicas[i].gang_context.as_ref().map(|g| g.gang_id.clone())).collect();
        gangs.dedup();
        let new_running = self.count_version(&[S::Running], true);
        let seq = cx.log.push(
            EventKind::Rollout {
                app: self.config.app.clone(),
                deployment: self.config.name.clone(),
                to_version: to_label.clone(),
                stopped: stopped.clone(),
                gangs: gangs.clone(),
                reconfigured: Vec::new(),
                batch: self.rollout_size(),
            },
            format!(
                "surge rollout to {to_label}: stopping {} old replica(s){} now that {new_running} of the new version run and {} are RUNNING in all (target {}, max_surge_percent {}) — {}",
                stopped.len(),
                if gangs.is_empty() { String::new() } else { format!(" in {} whole gang(s)", gangs.len()) },
                self.count(&[S::Running]),
                self.target,
                self.config.max_surge_percent,
                self.describe_rollout_size()
            ),
        );
        let gang = self.is_gang();
        for i in picked {
            let (id, from) = (self.replicas[i].id.clone(), self.version_of(i).label.clone());
            let graceful = !gang && self.replicas[i].state == S::Running;
            self.stop_replica(
                i,
                graceful,
                format!("replica {id} stopped: outdated version {from} (surge rollout to {to_label})"),
                Some(seq),
                cx,
            );
        }
    }

    /// The time of the next UPDATING replica's `reconfigure()` return, if any (a wake-up).
    pub fn next_reconfigure_done(&self) -> Option<SimTime> {
        self.replicas.iter().filter(|r| r.state == S::Updating).filter_map(|r| r.reconfigure_done_at).min()
    }
}
