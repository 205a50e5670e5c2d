//! Node draining (Ray 2.60, `deployment_state.py`): STEP 3 of the control loop,
//! `DeploymentState.migrate_replicas_on_draining_nodes` with `_choose_pending_migration_gangs_to_stop` /
//! `_choose_pending_migration_replicas_to_stop` and `_partition_groups_to_stop`.
//!
//! A RUNNING replica on a draining node goes PENDING_MIGRATION: it keeps serving, and since PENDING_MIGRATION is
//! not counted by `_get_target_replica_delta`, a replacement starts elsewhere (a draining node takes nothing new).
//! Once RUNNING + PENDING_MIGRATION exceed the target, the surplus PENDING_MIGRATION replicas stop gracefully,
//! earliest deadline first; any whose node's deadline is within the graceful-shutdown timeout stop regardless. For
//! a gang, a member on a draining node moves the whole gang, which stops whole and returns to RUNNING only if no
//! member's node is still draining; STARTING and UPDATING members of a migrating gang are force-stopped.
use crate::model::events::EventKind;
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use crate::model::time::{SimTime, fmt_secs};
use std::collections::{BTreeMap, BTreeSet};

use ReplicaState as S;

/// Draining nodes and their deadlines (`ClusterNodeInfoCache.get_draining_nodes`: no deadline is the largest
/// timestamp, so it never forces a stop).
pub type DrainingNodes = BTreeMap<String, SimTime>;

/// The draining nodes the GCS reports: alive (not yet declared dead) and draining.
pub fn draining_nodes(cx: &Ctx) -> DrainingNodes {
    cx.gcs
        .cluster
        .nodes
        .iter()
        .filter(|n| !n.dead)
        .filter_map(|n| n.draining.as_ref().map(|d| (n.id.clone(), d.deadline.unwrap_or(SimTime(u64::MAX)))))
        .collect()
}

impl DeploymentState {
    /// Ray's `migrate_replicas_on_draining_nodes`.
    pub(super) fn migrate_replicas_on_draining_nodes(&mut self, draining: &DrainingNodes, cx: &mut Ctx) {
        if draining.is_empty() && self.count(&[S::PendingMigration]) == 0 {
            return;
        }
        // Fast path (not in Ray, same outcome): no replica this step could move (STARTING, UPDATING or RUNNING on a
        // draining node; the GCS's node-to-actors index lists the actors there) and nothing migrating.
        let (app, name) = (&self.config.app, &self.config.name);
        let mine_there: BTreeSet<&str> = draining
            .keys()
            .filter_map(|n| cx.gcs.cluster.index_of(n))
            .flat_map(|i| cx.gcs.node_actors[i].iter())
            .filter(|id| cx.gcs.actors.get(*id).is_some_and(|a| a.app == *app && a.deployment == *name))
            .map(String::as_str)
            .collect();
        let movable = !mine_there.is_empty()
            && self.replicas.iter().any(|r| {
                matches!(r.state, S::Starting | S::Updating | S::Running) && mine_there.contains(r.id.as_str())
            });
        if !movable && self.count(&[S::PendingMigration]) == 0 {
            return;
        }
        // Each replica's node index, once (a draining node is looked up by index below).
        let node_idx: Vec<Option<usize>> =
            self.replicas.iter().map(|r| cx.gcs.actors.get(&r.id).and_then(|a| a.node)).collect();
        let mut deadline_at: Vec<Option<SimTime>> = vec![None; cx.gcs.cluster.nodes.len()];
        for (n, t) in draining {
            if let Some(i) = cx.gcs.cluster.index_of(n) {
                deadline_at[i] = Some(*t);
            }
        }
        let node_deadline = |i: usize| node_idx[i].and_then(|n| deadline_at[n]);
        let on_draining = |i: usize| node_deadline(i).is_some();
        // Node names, for the narration, of the replicas this step can move or stop (the others need none).
        let node_names: Vec<Option<String>> = (0..self.replicas.len())
            .map(|i| {
                let involved = on_draining(i) || self.replicas[i].state == S::PendingMigration;
                node_idx[i].filter(|_| involved).map(|n| cx.gcs.cluster.nodes[n].id.clone())
            })
            .collect();
        let node_name = |i: usize| node_names[i].clone();
        let gang_of = |d: &DeploymentState, i: usize| d.replicas[i].gang_context.as_ref().map(|g| g.gang_id.clone());

        // Back to RUNNING: PENDING_MIGRATION replicas no longer on a draining node (for a gang: no member is).
        let pm: Vec<usize> =
            (0..self.replicas.len()).filter(|&i| self.replicas[i].state == S::PendingMigration).collect();
        let gangs_still_draining: BTreeSet<String> =
            pm.iter().filter(|&&i| on_draining(i)).filter_map(|&i| gang_of(self, i)).collect();
        for &i in &pm {
            let still = match gang_of(self, i) {
                Some(g) if self.is_gang() => gangs_still_draining.contains(&g),
                _ => on_draining(i),
            };
            if !still {
                let id = self.replicas[i].id.clone();
                self.set_state(
                    i,
                    S::Running,
                    format!("replica {id} is no longer on a draining node: RUNNING again"),
                    None,
                    cx,
                );
            }
        }

        // Migrate: RUNNING replicas on draining nodes (every member of a gang with one there) go PENDING_MIGRATION;
        // STARTING / UPDATING ones are stopped at once so their replacements can start.
        let active: Vec<usize> = (0..self.replicas.len())
            .filter(|&i| matches!(self.replicas[i].state, S::Updating | S::Running | S::Starting))
            .collect();
        let gangs_to_migrate: BTreeSet<String> =
            active.iter().filter(|&&i| on_draining(i)).filter_map(|&i| gang_of(self, i)).collect();
        let needs = |d: &DeploymentState, i: usize| match gang_of(d, i) {
            Some(g) if d.is_gang() => gangs_to_migrate.contains(&g),
            _ => on_draining(i),
        };
        // (gang or replica) → (members, nodes), for one event per migrating group.
        let mut moved: BTreeMap<String, (Vec<String>, BTreeSet<String>)> = BTreeMap::new();
        let mut stops: Vec<usize> = Vec::new();
        for &i in &active {
            if !needs(self, i) {
                continue;
            }
            if self.replicas[i].state == S::Running {
                let key = gang_of(self, i).unwrap_or_else(|| self.replicas[i].id.clone());
                let entry = moved.entry(key).or_default();
                entry.0.push(self.replicas[i].id.clone());
                if on_draining(i)
                    && let Some(n) = node_name(i)
                {
                    entry.1.insert(n);
                }
            } else {
                stops.push(i);
            }
        }
        for (key, (members, nodes)) in moved {
            let gang_id = self.is_gang().then(|| key.clone());
            let nodes: Vec<String> = nodes.into_iter().collect();
            let on = if nodes.is_empty() {
                "a draining node".to_string()
            } else {
                format!("draining node {}", nodes.join(", "))
            };
            let seq = cx.log.push(
                EventKind::Migration {
                    app: self.config.app.clone(),
                    deployment: self.config.name.clone(),
                    gang_id: gang_id.clone(),
                    replicas: members.clone(),
                    nodes: nodes.clone(),
                },
                match &gang_id {
                    Some(g) => format!(
                        "gang {g} migrates whole: a member runs on {on}; its {} member(s) go PENDING_MIGRATION and keep serving until a replacement gang is RUNNING",
                        members.len()
                    ),
                    None => format!("replica {key} migrates from {on}: a new replica will be created on another node"),
                },
            );
            for id in members {
                if let Some(i) = self.index_of(&id) {
                    let why = match &gang_id {
                        Some(g) => format!("replica {id} PENDING_MIGRATION: its gang {g} has a member on {on}"),
                        None => format!("Migrating {id} from {on}. A new replica will be created on another node."),
                    };
                    self.set_state(i, S::PendingMigration, why, Some(seq), cx);
                }
            }
        }
        let gang = self.is_gang();
        for i in stops.into_iter().rev() {
            let id = self.replicas[i].id.clone();
            let state = self.replicas[i].state.as_str();
            self.stop_replica(
                i,
                // Gang members are always force-stopped, so no gang is left partial.
                !gang,
                format!("replica {id} was {state} on or with a member on a draining node: stopped so that a replacement can start elsewhere"),
                None,
                cx,
            );
        }

        // Stop the surplus PENDING_MIGRATION groups (whole gangs), and any whose deadline is near.
        let running = self.count(&[S::Running]) as i64;
        let pending = self.count(&[S::PendingMigration]) as i64;
        let min_to_stop = running + pending - self.target as i64;
        let now = cx.now();
        let pm: Vec<usize> =
            (0..self.replicas.len()).filter(|&i| self.replicas[i].state == S::PendingMigration).collect();
        // Groups: whole gangs, or single replicas (`_choose_pending_migration_gangs_to_stop` / `_replicas_to_stop`).
        let groups = self.group_by_gang(&pm);
        let deadline_of =
            |members: &[usize]| members.iter().filter_map(|&i| node_deadline(i)).min().unwrap_or(SimTime(u64::MAX));
        let mut to_stop: Vec<(usize, String)> = Vec::new();
        let mut waiting: Vec<(SimTime, Vec<usize>)> = Vec::new();
        for (_, members) in groups {
            let deadline = deadline_of(&members);
            // `_group_shutdown_timeout_ms`: the first member's own graceful-shutdown timeout.
            let timeout = self.version_of(members[0]).config.graceful_shutdown_timeout;
            if deadline != SimTime(u64::MAX) && now.0 >= deadline.0.saturating_sub(timeout.0) {
                let why = format!(
                    "its node's drain deadline ({} s) is within the graceful-shutdown timeout ({} s)",
                    fmt_secs(deadline),
                    fmt_secs(SimTime(timeout.0))
                );
                to_stop.extend(members.into_iter().map(|i| (i, why.clone())));
            } else {
                waiting.push((deadline, members));
            }
        }
        waiting.sort_by_key(|(d, _)| *d);
        let mut excess = min_to_stop - to_stop.len() as i64;
        for (_, members) in waiting {
            if excess >= members.len() as i64 {
                excess -= members.len() as i64;
                let why = format!(
                    "its replacement is running ({running} RUNNING + {pending} PENDING_MIGRATION ≥ target {})",
                    self.target
                );
                to_stop.extend(members.into_iter().map(|i| (i, why.clone())));
            }
        }
        to_stop.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
        for (i, why) in to_stop {
            let id = self.replicas[i].id.clone();
            let node = node_name(i).unwrap_or_default();
            // A gang migrates whole: a member on a node that is not draining goes with the one that is.
            let place = if on_draining(i) {
                format!("on draining node {node}")
            } else {
                format!("on {node}, with its gang (a member is on a draining node)")
            };
            self.stop_replica(i, true, format!("Stopping {id} {place}: {why}"), None, cx);
        }
    }
}
