//! Ray's `DeploymentScheduler`: which replicas a downscale stops (`_get_replicas_to_stop`).
use crate::model::gcs::Gcs;
use crate::model::serve::deployment_state::DeploymentState;
use crate::model::serve::replica::ReplicaState;
use std::collections::BTreeSet;

/// Victims for stopping `num_to_stop` replicas of deployment `di`, in Ray 2.60's order (errata §9):
/// not-yet-running replicas first, then RUNNING ones bucketed by node — non-head nodes first, then nodes
/// that do not match the label selector, then nodes with fewer RUNNING replicas (of every deployment) —
/// newest first within a node. A gang deployment takes whole gangs only and stops walking as soon as the
/// next gang would exceed `num_to_stop`.
pub fn replicas_to_stop(all: &[DeploymentState], di: usize, num_to_stop: u32, head: &str, gcs: &Gcs) -> Vec<String> {
    let d = &all[di];
    let node_of = |id: &str| gcs.actors.get(id).and_then(|a| a.node).map(|i| gcs.cluster.nodes[i].id.clone());
    // Not yet running: newest first.
    let mut order: Vec<String> = d
        .replicas
        .iter()
        .rev()
        .filter(|r| matches!(r.state, ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering))
        .map(|r| r.id.clone())
        .collect();
    // RUNNING, bucketed by node.
    let selector = d.config.bundle_label_selectors.as_ref().and_then(|s| s.iter().find(|m| !m.is_empty()).cloned());
    let mut running_per_node = vec![0usize; gcs.cluster.nodes.len()];
    for r in all.iter().flat_map(|x| x.replicas.iter()).filter(|r| r.state == ReplicaState::Running) {
        if let Some(i) = gcs.actors.get(&r.id).and_then(|a| a.node) {
            running_per_node[i] += 1;
        }
    }
    let mut nodes: Vec<(bool, bool, usize, usize, String)> = Vec::new();
    for (ni, n) in gcs.cluster.nodes.iter().enumerate() {
        let running_here = running_per_node[ni];
        let matches = selector.as_ref().is_none_or(|s| n.matches(s));
        nodes.push((n.id == head, matches, running_here, ni, n.id.clone()));
    }
    nodes.sort();
    for (_, _, _, _, node) in &nodes {
        let mut here: Vec<&crate::model::serve::deployment_state::DeploymentReplica> = d
            .replicas
            .iter()
            .filter(|r| r.state == ReplicaState::Running && node_of(&r.id).as_deref() == Some(node.as_str()))
            .collect();
        here.sort_by(|a, b| b.since.cmp(&a.since).then_with(|| b.created_at.cmp(&a.created_at)));
        order.extend(here.into_iter().map(|r| r.id.clone()));
    }
    // RUNNING replicas whose node is unknown (not placed) come last.
    for r in d.replicas.iter().rev() {
        if r.state == ReplicaState::Running && !order.contains(&r.id) {
            order.push(r.id.clone());
        }
    }
    let Some(gang) = &d.config.gang else {
        order.truncate(num_to_stop as usize);
        return order;
    };
    let mut taken: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for id in order {
        let Some(r) = d.replicas.iter().find(|r| r.id == id) else { continue };
        // RECOVERING replicas have no registered gang yet: skipped.
        let Some(g) = &r.gang_context else { continue };
        if !d.reservations.contains_key(&g.gang_id) || seen.contains(&g.gang_id) {
            continue;
        }
        if taken.len() as u32 + gang.gang_size > num_to_stop {
            break;
        }
        seen.insert(g.gang_id.clone());
        for m in &d.replicas {
            let same = m.gang_context.as_ref().is_some_and(|x| x.gang_id == g.gang_id);
            if same && m.state != ReplicaState::Stopping {
                taken.push(m.id.clone());
            }
        }
    }
    taken
}
