//! Ray's `DeploymentScheduler` (Ray 2.60, `deployment_scheduler.py`): building the placement groups of new gangs
//! (`_prepare_gangs_for_deployment`) and choosing which replicas a downscale stops (`_get_replicas_to_stop`).
use crate::model::gcs::Gcs;
use crate::model::ids;
use crate::model::placement::{Bundle, PgOwner};
use crate::model::serve::ctx::Ctx;
use crate::model::serve::deployment_state::{DeploymentReplica, DeploymentState, GANG_PG_NAME_PREFIX};
use crate::model::serve::replica::ReplicaState;
use std::collections::{BTreeMap, BTreeSet};

/// One gang whose placement group was created: Ray's `GangReservationResult` carries these as the zipped
/// `gang_ids` / `gang_pg_names` lists.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservedGang {
    pub gang_id: String,
    pub pg_name: String,
}

/// Ray's `GangReservationResult`: the gangs reserved, or `success=false` with its `error_message`.
pub type GangReservationResult = Result<Vec<ReservedGang>, String>;

/// Ray's `_prepare_gangs_for_deployment`: one placement group per gang of `gang_size` replicas for
/// `num_replicas_to_add`, which must be a multiple of `gang_size`. Each gang PG holds every member's bundles,
/// flattened in rank order; member `r` is pinned to bundle `r × len(placement_group_bundles)` (Ray's
/// `gang_pg_index`), or to bundle `r` when the deployment has no bundles (one bundle of its actor resources):
///
/// ```text
///   placement_group_bundles = [A, B], gang_size = 3
///   gang PG bundles:  [ A  B | A  B | A  B ]
///                       ^      ^      ^
///                     rank 0 rank 1 rank 2   (bundle_index 0, 2, 4; the B bundles hold their child tasks)
/// ```
///
/// The PG is named `SERVE_GANG::<app>_<deployment>_<i>_<gang_id>` (i counts the gangs of this request).
pub fn prepare_gangs_for_deployment(
    d: &DeploymentState,
    num_replicas_to_add: u32,
    cx: &mut Ctx,
) -> GangReservationResult {
    let gang = d.config.gang.as_ref().expect("a gang deployment");
    if !num_replicas_to_add.is_multiple_of(gang.gang_size) {
        return Err(format!(
            "num_replicas_to_add {num_replicas_to_add} is not divisible by gang_size {}.",
            gang.gang_size
        ));
    }
    let mut made = Vec::new();
    for i in 0..num_replicas_to_add / gang.gang_size {
        let gang_id = ids::gang_id(cx.rng);
        let pg_name = format!("{GANG_PG_NAME_PREFIX}{}_{}_{i}_{gang_id}", d.config.app, d.config.name);
        let mut bundles = Vec::new();
        for _ in 0..gang.gang_size {
            match &d.config.bundles {
                None => bundles.push(Bundle {
                    resources: d.config.actor_resources.clone(),
                    label_selector: BTreeMap::new(),
                    node: None,
                }),
                Some(template) => {
                    for (bi, b) in template.iter().enumerate() {
                        bundles.push(Bundle {
                            resources: b.clone(),
                            label_selector: d.config.bundle_selector(bi),
                            node: None,
                        });
                    }
                }
            }
        }
        let pg_id = ids::pg_id(cx.rng);
        cx.gcs.create_pg(
            pg_id,
            pg_name.clone(),
            gang.strategy,
            bundles,
            PgOwner { app: d.config.app.clone(), deployment: d.config.name.clone(), gang_id: Some(gang_id.clone()) },
            &format!("reserving gang {gang_id} of {} for {}", gang.gang_size, d.config.label()),
            cx.log,
        );
        made.push(ReservedGang { gang_id, pg_name });
    }
    Ok(made)
}

/// Ray's `_get_replicas_to_stop`: victims for stopping `num_to_stop` replicas of deployment `di`, in Ray 2.60's
/// priority order: replicas not RUNNING first; then RUNNING ones by node, nodes ordered by (head node last,
/// nodes that do not match the deployment's bundle label selectors first, fewer RUNNING replicas of every
/// deployment first), newest first within a node. The sort is stable, so nodes that tie keep the order in which
/// Ray built its node list: `_get_node_to_running_replicas` walks the deployments in registration order and each
/// one's RUNNING replicas in the order they became RUNNING, so a node comes where its first such replica does
/// (never by node id). A gang deployment takes whole gangs only and stops as soon as the next gang would exceed
/// `num_to_stop`.
///
/// Ray lists the replicas that are not RUNNING from a Python set (pending, launching, recovering), whose order
/// is arbitrary; the model takes them newest first.
pub fn replicas_to_stop(all: &[DeploymentState], di: usize, num_to_stop: u32, head: &str, gcs: &Gcs) -> Vec<String> {
    let d = &all[di];
    let node_of = |id: &str| gcs.actors.get(id).and_then(|a| a.node);
    let mut order: Vec<String> = d
        .replicas
        .iter()
        .rev()
        .filter(|r| matches!(r.state, ReplicaState::Starting | ReplicaState::Updating | ReplicaState::Recovering))
        .map(|r| r.id.clone())
        .collect();
    // `_get_node_to_running_replicas()`: nodes in first-seen order, with how many RUNNING replicas each holds.
    let mut nodes: Vec<(usize, usize)> = Vec::new();
    let mut place_of: Vec<Option<usize>> = vec![None; gcs.cluster.nodes.len()];
    for x in all {
        let mut running: Vec<&DeploymentReplica> =
            x.replicas.iter().filter(|r| r.state == ReplicaState::Running).collect();
        running.sort_by_key(|r| r.running_order);
        for r in running {
            let Some(n) = node_of(&r.id) else { continue };
            match place_of[n] {
                Some(p) => nodes[p].1 += 1,
                None => {
                    place_of[n] = Some(nodes.len());
                    nodes.push((n, 1));
                }
            }
        }
    }
    // `scale_down_priority`: (is head node, matches a label selector, RUNNING replicas), sorted stably.
    let selectors = d.config.bundle_label_selectors.as_deref().unwrap_or_default();
    let matches = |n: usize| selectors.is_empty() || selectors.iter().any(|s| gcs.cluster.nodes[n].matches(s));
    nodes.sort_by_key(|&(n, count)| (gcs.cluster.nodes[n].id == head, matches(n), count));
    // This deployment's RUNNING replicas, newest first, bucketed by node.
    let mut newest_first: Vec<&DeploymentReplica> =
        d.replicas.iter().filter(|r| r.state == ReplicaState::Running).collect();
    newest_first.sort_by_key(|r| std::cmp::Reverse(r.running_order));
    let mut by_node: Vec<Vec<String>> = vec![Vec::new(); gcs.cluster.nodes.len()];
    for r in newest_first {
        if let Some(n) = node_of(&r.id) {
            by_node[n].push(r.id.clone());
        }
    }
    for (n, _) in &nodes {
        order.append(&mut by_node[*n]);
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
