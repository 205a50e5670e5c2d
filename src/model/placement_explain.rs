//! Why a placement group (or a replica's actor) is, or is not, where it is: for every node, what each request
//! needs against what is free, the label selector, the strategy's constraint, and a verdict; plus one summary line
//! ("the cluster has enough GPUs in total but no single node ...").
//!
//! The rules are the ones `placement.rs` runs (Ray's `bundle_scheduling_policy.cc` and `scorer.cc`): the same
//! candidates (`Node::schedulable`), the same label match, the same `LeastResourceScorer` ([`bundle_score`]), and
//! for a pending placement group the verdict "can it be placed now" is [`choose_nodes`] itself, run on the current
//! cluster. What is exact and what is approximated:
//!
//! - **Pending (or RESCHEDULING) placement group**: exact. The free resources are the nodes' current ones, which
//!   are what the GCS's next scheduling pass sees; the per-node verdicts are the score rule, and "placeable now" is
//!   the policy's own answer. Per-node capacities ("fits 2 of 4 bundles") count copies of one bundle shape on a
//!   node alone; the policy's answer for the whole group is the one the summary uses.
//! - **Placed placement group**: the scores are recomputed, not remembered. The model does not keep the
//!   availability at the moment Ray decided; [`explain_pg`] scores each node against its free resources *now with
//!   this placement group's own bundles given back*. That equals the decision-time availability only if nothing
//!   else was placed, removed or died since. Within one decision PACK and SPREAD also scored later bundles after
//!   subtracting earlier ones, and equal best scores were a tie broken by the seeded RNG: the scores shown are each
//!   request scored alone. [`PlacementExplanation::notes`] says so in the page.
//! - **Replica outside any placement group** (Serve's SPREAD actors): Ray's `SpreadSchedulingPolicy` does not score;
//!   it goes round the nodes to the first one with room. The explanation says, per node, whether the actor's
//!   request fits now.
use crate::model::cluster::{Cluster, Node};
use crate::model::events::{Event, EventKind};
use crate::model::gcs::{ActorPlacement, Gcs};
use crate::model::placement::{
    PlacementGroup, PlacementGroupState, PlacementStrategy, aggregate, choose_nodes, score, sorted_bundles,
};
use crate::model::resources::{Resources, UNITS, fmt_amount};
use crate::model::world::World;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What an explanation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A placement group, asked for directly.
    PlacementGroup,
    /// A replica whose actor is pinned to a bundle (gang PG or per-replica PG): its placement group is explained.
    ReplicaInPg,
    /// A replica actor scheduled directly on a node (Serve's SPREAD strategy).
    ReplicaActor,
    /// A replica the controller knows but whose actor the GCS does not have (nothing to place).
    ReplicaWithoutActor,
}

/// Which free resources the rows show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeBasis {
    /// The nodes' free resources now: what the GCS's next scheduling pass sees.
    Now,
    /// Free now plus this placement group's own bundles given back (a placed group: an approximation of the
    /// availability when Ray decided, see the module doc).
    NowWithThisPgReturned,
}

/// One request the nodes are checked against: a bundle shape (and the bundles that have it), the sum of all
/// bundles for STRICT_PACK, or a replica actor's resources.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Request {
    /// "bundle 0", "bundles 0, 1, 2", "all 2 bundles together", "the actor".
    pub label: String,
    /// Bundle indices it stands for (empty for an actor).
    pub bundles: Vec<usize>,
    pub resources: Resources,
    pub label_selector: BTreeMap<String, String>,
}

/// One resource of one request on one node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceCell {
    pub resource: String,
    pub need: f64,
    pub free: f64,
    pub total: f64,
    pub enough: bool,
}

/// One request on one node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestFit {
    /// The node can take it now: schedulable, labels match, every resource free (Ray's score ≥ 0), and not ruled
    /// out by the strategy (STRICT_SPREAD: a node already holding a bundle of this group).
    pub fits: bool,
    /// How many copies of the request fit here alone (0 when it does not fit; at most the bundles it stands for).
    pub capacity: u32,
    /// Per requested resource, in name order.
    pub cells: Vec<ResourceCell>,
    /// The first selector label the node lacks or has another value for: "zone=a (node has zone=b)".
    pub label_mismatch: Option<String>,
    /// `LeastResourceScorer::Score` against the row's free resources (-1: cannot hold it).
    pub score: f64,
}

/// The verdict for one node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub fits: bool,
    /// "fits", "fits 1 of 2 bundles", "GPU: needs 1, free 0", "dead: declared dead by the GCS", ...
    pub text: String,
}

/// One node of the cluster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeRow {
    pub node: String,
    pub is_head: bool,
    /// A candidate for new bundles and actors (alive, not killed, not draining).
    pub schedulable: bool,
    /// Why it is not ("dead: declared dead by the GCS", "draining (DRAIN_NODE_REASON_PREEMPTION)", ...).
    pub unschedulable: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub total: Resources,
    /// Free resources on the explanation's [`FreeBasis`].
    pub free: Resources,
    /// Per request, in the order of [`PlacementExplanation::requests`].
    pub requests: Vec<RequestFit>,
    /// Bundles of this placement group reserved here now.
    pub holds: Vec<usize>,
    /// The explained replica's actor runs here.
    pub runs_actor: bool,
    pub verdict: Verdict,
}

/// Where one bundle of the explained placement group is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BundlePlace {
    pub index: usize,
    pub resources: Resources,
    pub label_selector: BTreeMap<String, String>,
    pub node: Option<String>,
}

/// Everything the page's placement panel shows, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacementExplanation {
    pub subject: Subject,
    /// "placement group SERVE_GANG::app_G_0_ab12", "replica 3f9a (bundle 1 of SERVE_GANG::…)".
    pub title: String,
    pub pg_name: Option<String>,
    pub strategy: Option<PlacementStrategy>,
    pub state: Option<PlacementGroupState>,
    /// The explained replica's bundle in its placement group.
    pub focus_bundle: Option<usize>,
    /// Every bundle (or the actor's request) is placed.
    pub placed: bool,
    /// Ray's policy, run now on the current cluster, would place what is waiting (pending subjects only).
    pub placeable_now: Option<bool>,
    /// One line: the answer.
    pub summary: String,
    /// The strategy's rule, and the count that matters for it.
    pub strategy_note: String,
    pub free_basis: FreeBasis,
    pub requests: Vec<Request>,
    /// The resources any request asks for (the table's columns), in name order.
    pub resources: Vec<String>,
    pub nodes: Vec<NodeRow>,
    pub bundles: Vec<BundlePlace>,
    /// What is approximated, said precisely.
    pub notes: Vec<String>,
}

/// Explain the placement group named `pg` (its name, or its id) at this moment; `None` if the GCS has no such group.
pub fn explain_pg(gcs: &Gcs, pg: &str, events: &[Event]) -> Option<PlacementExplanation> {
    let group = gcs.pg(pg).or_else(|| gcs.pgs.values().find(|g| g.id == pg))?;
    Some(explain_group(group, &gcs.cluster, events))
}

/// Explain where the replica `replica_id`'s actor is or why it waits: its placement group (gang PG or per-replica
/// PG) if it has one, else its own resource request against the nodes. `None` if neither the controller nor the
/// GCS knows the replica.
pub fn explain_replica(world: &World, replica_id: &str, events: &[Event]) -> Option<PlacementExplanation> {
    let gcs = world.gcs;
    let Some(actor) = gcs.actors.get(replica_id) else {
        let known = world.controller.deployments.iter().any(|d| d.replicas.iter().any(|r| r.id == replica_id));
        return known.then(|| without_actor(replica_id, &gcs.cluster));
    };
    match &actor.placement {
        ActorPlacement::Bundle { pg_name, bundle_index } => {
            let Some(group) = gcs.pg(pg_name) else {
                let mut e = without_actor(replica_id, &gcs.cluster);
                e.subject = Subject::ReplicaInPg;
                e.pg_name = Some(pg_name.clone());
                e.summary = format!(
                    "Replica {replica_id} asks for bundle {bundle_index} of placement group {pg_name}, which no \
                     longer exists: it cannot start."
                );
                return Some(e);
            };
            let mut e = explain_group(group, &gcs.cluster, events);
            e.subject = Subject::ReplicaInPg;
            e.focus_bundle = Some(*bundle_index);
            e.title = format!("replica {replica_id} (bundle {bundle_index} of {})", group.name);
            let node = group.bundles.get(*bundle_index).and_then(|b| b.node.clone());
            let waiting = match (&node, actor.node) {
                (Some(n), Some(_)) => format!("Its actor runs in bundle {bundle_index} on {n}. "),
                (Some(n), None) => format!(
                    "Bundle {bundle_index} is reserved on {n}; the actor starts once the whole group is CREATED. "
                ),
                (None, _) => format!("Its actor waits for bundle {bundle_index}. "),
            };
            e.summary = format!("{waiting}{}", e.summary);
            Some(e)
        }
        ActorPlacement::Spread => Some(explain_actor(replica_id, &actor.resources, actor.node, &gcs.cluster)),
    }
}

fn without_actor(replica_id: &str, cluster: &Cluster) -> PlacementExplanation {
    PlacementExplanation {
        subject: Subject::ReplicaWithoutActor,
        title: format!("replica {replica_id}"),
        pg_name: None,
        strategy: None,
        state: None,
        focus_bundle: None,
        placed: false,
        placeable_now: None,
        summary: format!(
            "Replica {replica_id} has no actor in the GCS (not created yet, or already gone): there is nothing to \
             place."
        ),
        strategy_note: String::new(),
        free_basis: FreeBasis::Now,
        requests: Vec::new(),
        resources: Vec::new(),
        nodes: cluster
            .nodes
            .iter()
            .map(|n| {
                let unschedulable = unschedulable(n);
                let verdict = Verdict {
                    fits: false,
                    text: unschedulable.clone().unwrap_or_else(|| "nothing asked for".to_string()),
                };
                NodeRow {
                    node: n.id.clone(),
                    is_head: n.is_head,
                    schedulable: n.schedulable(),
                    unschedulable,
                    labels: n.labels.clone(),
                    total: n.resources.clone(),
                    free: n.available.clone(),
                    requests: Vec::new(),
                    holds: Vec::new(),
                    runs_actor: false,
                    verdict,
                }
            })
            .collect(),
        bundles: Vec::new(),
        notes: Vec::new(),
    }
}

/// Why a node takes no new bundles or actors, or `None` when it is a candidate.
fn unschedulable(n: &Node) -> Option<String> {
    if n.dead {
        Some("dead: declared dead by the GCS".to_string())
    } else if n.killed_at.is_some() {
        Some("killed: its processes died (the GCS has not declared it dead yet)".to_string())
    } else {
        n.draining.as_ref().map(|d| format!("draining ({}): Ray's policies skip draining nodes", d.reason.as_str()))
    }
}

/// "bundle 2" / "bundles 0, 1, 3".
fn bundles_words(b: &[usize]) -> String {
    let list: Vec<String> = b.iter().map(|i| i.to_string()).collect();
    if b.len() == 1 { format!("bundle {}", list[0]) } else { format!("bundles {}", list.join(", ")) }
}

fn amount(units: i64) -> String {
    fmt_amount(units)
}

/// `request` on a node with `free` (and `labels`): cells, label mismatch, score, and how many copies fit alone.
fn fit(request: &Request, n: &Node, free: &Resources, candidate: bool) -> RequestFit {
    let cells: Vec<ResourceCell> = request
        .resources
        .0
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| ResourceCell {
            resource: k.clone(),
            need: *v as f64 / UNITS as f64,
            free: free.get_f64(k),
            total: n.resources.get_f64(k),
            enough: free.get(k) >= *v,
        })
        .collect();
    let label_mismatch =
        request.label_selector.iter().find(|(k, v)| n.labels.get(*k) != Some(*v)).map(|(k, v)| match n.labels.get(k) {
            Some(has) => format!("{k}={v} (node has {k}={has})"),
            None => format!("{k}={v} (node has no {k} label)"),
        });
    let s = score(free, &n.labels, &request.resources, &request.label_selector);
    let fits = candidate && s >= 0.0;
    let most = request.bundles.len().max(1) as i64;
    let capacity = if fits {
        request
            .resources
            .0
            .iter()
            .filter(|(_, v)| **v > 0)
            .map(|(k, v)| free.get(k).max(0) / v)
            .min()
            .unwrap_or(most)
            .min(most) as u32
    } else {
        0
    };
    RequestFit { fits, capacity, cells, label_mismatch, score: s }
}

/// Why `f` does not fit, in words (resources first, then labels).
fn shortfall_words(f: &RequestFit) -> String {
    let mut parts: Vec<String> = f
        .cells
        .iter()
        .filter(|c| !c.enough)
        .map(|c| {
            format!(
                "{}: needs {}, free {}",
                c.resource,
                amount((c.need * UNITS as f64).round() as i64),
                amount((c.free * UNITS as f64).round() as i64)
            )
        })
        .collect();
    if let Some(l) = &f.label_mismatch {
        parts.push(format!("label {l}"));
    }
    if parts.is_empty() { "does not fit".to_string() } else { parts.join("; ") }
}

/// The bundles at `todo` grouped by identical (resources, selector), in bundle order; for STRICT_PACK one request:
/// their sum with every selector.
fn requests_for(pg: &PlacementGroup, todo: &[usize]) -> Vec<Request> {
    if pg.strategy == PlacementStrategy::StrictPack && todo.len() > 1 {
        let (resources, label_selector) = aggregate(pg, todo);
        return vec![Request {
            label: format!("all {} bundles together", todo.len()),
            bundles: todo.to_vec(),
            resources,
            label_selector,
        }];
    }
    let mut out: Vec<Request> = Vec::new();
    for &bi in todo {
        let b = &pg.bundles[bi];
        match out.iter_mut().find(|r| r.resources == b.resources && r.label_selector == b.label_selector) {
            Some(r) => r.bundles.push(bi),
            None => out.push(Request {
                label: String::new(),
                bundles: vec![bi],
                resources: b.resources.clone(),
                label_selector: b.label_selector.clone(),
            }),
        }
    }
    for r in &mut out {
        r.label = bundles_words(&r.bundles);
    }
    out
}

fn resource_names(requests: &[Request]) -> Vec<String> {
    let names: BTreeSet<&String> =
        requests.iter().flat_map(|r| r.resources.0.iter().filter(|(_, v)| **v > 0).map(|(k, _)| k)).collect();
    names.into_iter().cloned().collect()
}

fn strategy_rule(s: PlacementStrategy) -> &'static str {
    match s {
        PlacementStrategy::Pack => {
            "PACK (best effort): the best-scored node for the first bundle, then every later bundle that still fits \
             there; then the next node"
        }
        PlacementStrategy::Spread => {
            "SPREAD (best effort): each bundle on the best-scored node not used yet, else the best of the used ones"
        }
        PlacementStrategy::StrictPack => "STRICT_PACK: all bundles on one node, or the group stays pending",
        PlacementStrategy::StrictSpread => {
            "STRICT_SPREAD: every bundle on a different node (nodes already holding one of its bundles are excluded), \
             or the group stays pending"
        }
    }
}

fn explain_group(pg: &PlacementGroup, cluster: &Cluster, events: &[Event]) -> PlacementExplanation {
    let todo: Vec<usize> = (0..pg.bundles.len()).filter(|&i| pg.bundles[i].node.is_none()).collect();
    let placed = todo.is_empty() && !pg.bundles.is_empty();
    let explained: Vec<usize> = if placed { (0..pg.bundles.len()).collect() } else { todo.clone() };
    let requests = requests_for(pg, &explained);
    // A placed group: each node's free resources with this group's bundles given back (see the module doc).
    let mut returned: BTreeMap<usize, Resources> = BTreeMap::new();
    if placed {
        for b in &pg.bundles {
            if let Some(i) = b.node.as_ref().and_then(|n| cluster.index_of(n)) {
                returned.entry(i).or_default().add(&b.resources);
            }
        }
    }
    let holders: BTreeSet<usize> =
        pg.bundles.iter().filter_map(|b| b.node.as_ref().and_then(|n| cluster.index_of(n))).collect();
    let strict_spread_excluded =
        |i: usize| pg.strategy == PlacementStrategy::StrictSpread && !placed && holders.contains(&i);
    let nodes: Vec<NodeRow> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut free = n.available.clone();
            if let Some(r) = returned.get(&i) {
                free.add(r);
            }
            let holds: Vec<usize> =
                (0..pg.bundles.len()).filter(|&b| pg.bundles[b].node.as_deref() == Some(n.id.as_str())).collect();
            let unsched = unschedulable(n);
            let candidate = unsched.is_none() && !strict_spread_excluded(i);
            let fits: Vec<RequestFit> = requests.iter().map(|r| fit(r, n, &free, candidate)).collect();
            let verdict =
                node_verdict(pg, placed, &requests, &fits, &holds, unsched.as_deref(), strict_spread_excluded(i));
            NodeRow {
                node: n.id.clone(),
                is_head: n.is_head,
                schedulable: n.schedulable(),
                unschedulable: unsched,
                labels: n.labels.clone(),
                total: n.resources.clone(),
                free,
                requests: fits,
                holds,
                runs_actor: false,
                verdict,
            }
        })
        .collect();
    let placeable_now = (!placed).then(|| {
        // Ray's policy itself, on the cluster as it is now: only "some placement or none" is used, so the seed of
        // the tie-breaks does not matter.
        choose_nodes(pg, &todo, cluster, &mut ChaCha8Rng::seed_from_u64(0)).is_some()
    });
    let mut notes = Vec::new();
    let summary = if placed {
        placed_summary(pg, &requests, &nodes, events, &mut notes)
    } else {
        pending_summary(pg, &todo, &requests, &nodes, cluster, placeable_now == Some(true))
    };
    let strategy_note = strategy_note(pg, &todo, &nodes, placed);
    PlacementExplanation {
        subject: Subject::PlacementGroup,
        title: format!("placement group {}", pg.name),
        pg_name: Some(pg.name.clone()),
        strategy: Some(pg.strategy),
        state: Some(pg.state),
        focus_bundle: None,
        placed,
        placeable_now,
        summary,
        strategy_note,
        free_basis: if placed { FreeBasis::NowWithThisPgReturned } else { FreeBasis::Now },
        resources: resource_names(&requests),
        requests,
        nodes,
        bundles: pg
            .bundles
            .iter()
            .enumerate()
            .map(|(i, b)| BundlePlace {
                index: i,
                resources: b.resources.clone(),
                label_selector: b.label_selector.clone(),
                node: b.node.clone(),
            })
            .collect(),
        notes,
    }
}

fn node_verdict(
    pg: &PlacementGroup,
    placed: bool,
    requests: &[Request],
    fits: &[RequestFit],
    holds: &[usize],
    unsched: Option<&str>,
    excluded: bool,
) -> Verdict {
    let no = |text: String| Verdict { fits: false, text };
    if placed {
        let scores: Vec<String> = fits.iter().map(|f| format!("{:.2}", f.score)).collect();
        let head = if holds.is_empty() { String::new() } else { format!("holds {}; ", bundles_words(holds)) };
        return match (unsched, fits.iter().any(|f| f.fits)) {
            (Some(why), _) => no(format!("{head}{why}")),
            (None, true) => Verdict { fits: true, text: format!("{head}score {}", scores.join(" / ")) },
            (None, false) => no(format!("{head}{}", shortfall_words(&fits[0]))),
        };
    }
    if let Some(why) = unsched {
        return no(why.to_string());
    }
    if excluded {
        return no(format!(
            "already holds {} of this group (STRICT_SPREAD: one bundle per node)",
            bundles_words(holds)
        ));
    }
    if pg.strategy == PlacementStrategy::StrictPack {
        let f = &fits[0];
        return if f.fits {
            Verdict { fits: true, text: format!("fits {}", requests[0].label) }
        } else {
            no(format!("{} for {}", shortfall_words(f), requests[0].label))
        };
    }
    let want: usize = requests.iter().map(|r| r.bundles.len()).sum();
    let can: u32 = fits.iter().map(|f| f.capacity).sum();
    if can > 0 {
        let text = if want == 1 {
            "fits".to_string()
        } else if pg.strategy == PlacementStrategy::StrictSpread {
            "can take one bundle".to_string()
        } else {
            format!("fits {} of {want} bundles", (can as usize).min(want))
        };
        return Verdict { fits: true, text };
    }
    let reasons: Vec<String> = if requests.len() == 1 {
        vec![shortfall_words(&fits[0])]
    } else {
        requests.iter().zip(fits).map(|(r, f)| format!("{}: {}", r.label, shortfall_words(f))).collect()
    };
    no(reasons.join(" · "))
}

/// Free resources summed over the schedulable nodes.
fn cluster_free(cluster: &Cluster) -> Resources {
    let mut sum = Resources::new();
    for n in cluster.nodes.iter().filter(|n| n.schedulable()) {
        sum.add(&n.available);
    }
    sum
}

/// "2 GPU, 2 CPU".
fn amounts(r: &Resources, names: &[String]) -> String {
    names.iter().map(|k| format!("{} {k}", amount(r.get(k)))).collect::<Vec<_>>().join(", ")
}

fn pending_summary(
    pg: &PlacementGroup,
    todo: &[usize],
    requests: &[Request],
    nodes: &[NodeRow],
    cluster: &Cluster,
    placeable: bool,
) -> String {
    let n = todo.len();
    let waiting = if n == pg.bundles.len() {
        format!("{n} bundle{}", if n == 1 { "" } else { "s" })
    } else {
        format!("{n} lost bundle{} of {}", if n == 1 { "" } else { "s" }, pg.bundles.len())
    };
    if placeable {
        return format!(
            "It fits now: Ray's {} policy, run on the cluster as it is, places its {waiting}; the GCS does so at \
             its next scheduling pass.",
            pg.strategy.as_str()
        );
    }
    if !nodes.iter().any(|r| r.schedulable) {
        return format!("No node can take anything: every node is dead, killed or draining ({waiting} waiting).");
    }
    // The whole need, and what the schedulable nodes have free in all.
    let mut need = Resources::new();
    for &bi in todo {
        need.add(&pg.bundles[bi].resources);
    }
    let names = resource_names(requests);
    let free = cluster_free(cluster);
    let enough_in_total = free.covers(&need);
    // "The cluster has enough ... in total, but <what fails>" or "Not enough ...: <shortfall>. <What fails>".
    let lead = |rest: String| -> String {
        if enough_in_total {
            format!(
                "The cluster has enough free resources in total ({} free, {} needed), but {rest}",
                amounts(&free, &names),
                amounts(&need, &names)
            )
        } else {
            let short: Vec<String> = names
                .iter()
                .filter(|k| free.get(k) < need.get(k))
                .map(|k| format!("{k}: {} needed, {} free", amount(need.get(k)), amount(free.get(k))))
                .collect();
            let mut rest = rest;
            if let Some(c) = rest.get(0..1) {
                rest.replace_range(0..1, &c.to_uppercase());
            }
            format!("Not enough free resources on the schedulable nodes ({}). {rest}", short.join("; "))
        }
    };
    // A selector no schedulable node satisfies explains everything by itself.
    for (ri, r) in requests.iter().enumerate() {
        if r.label_selector.is_empty() {
            continue;
        }
        let matching = nodes.iter().filter(|row| row.schedulable && row.requests[ri].label_mismatch.is_none()).count();
        if matching == 0 {
            let sel: Vec<String> = r.label_selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return format!(
                "Label mismatch: {} asks for {}, and no schedulable node has {}.",
                r.label,
                sel.join(", "),
                if sel.len() == 1 { "that label" } else { "those labels" }
            );
        }
        let resource_ok =
            nodes.iter().filter(|row| row.schedulable && row.requests[ri].cells.iter().all(|c| c.enough)).count();
        if resource_ok > 0 && !nodes.iter().any(|row| row.requests[ri].fits) {
            let sel: Vec<String> = r.label_selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return format!(
                "Label mismatch: {resource_ok} node{} {} room for {}, but none of them has {}.",
                if resource_ok == 1 { "" } else { "s" },
                if resource_ok == 1 { "has" } else { "have" },
                r.label,
                sel.join(", ")
            );
        }
    }
    match pg.strategy {
        PlacementStrategy::StrictPack => {
            let best = nodes
                .iter()
                .filter(|r| r.schedulable)
                .max_by_key(|r| (r.free.magnitude(), std::cmp::Reverse(r.node.clone())))
                .map(|r| format!("{} on {}", r.free.describe(), r.node))
                .unwrap_or_default();
            lead(format!(
                "no single node can hold all {n} bundles together ({}), as STRICT_PACK needs; the most free on one \
                 node is {best}.",
                need.describe()
            ))
        }
        PlacementStrategy::StrictSpread => {
            let able = nodes.iter().filter(|r| r.verdict.fits).count();
            if able < n {
                lead(format!(
                    "STRICT_SPREAD needs {n} distinct nodes, one per bundle, and only {able} node{} can take a \
                     bundle.",
                    if able == 1 { "" } else { "s" }
                ))
            } else {
                lead(format!(
                    "STRICT_SPREAD needs {n} distinct nodes: {able} nodes can take a bundle, but not one each of these \
                     bundle shapes at once."
                ))
            }
        }
        PlacementStrategy::Pack | PlacementStrategy::Spread => {
            if let Some((r, _)) = requests
                .iter()
                .enumerate()
                .map(|(ri, r)| (r, ri))
                .find(|(_, ri)| !nodes.iter().any(|row| row.requests[*ri].fits))
            {
                let what = if r.bundles.len() == 1 {
                    format!("{} ({})", r.label, r.resources.describe())
                } else {
                    format!("even one of {} ({} each)", r.label, r.resources.describe())
                };
                lead(format!("no single node has room for {what}."))
            } else {
                let can: u32 = nodes.iter().flat_map(|row| row.requests.iter().map(|f| f.capacity)).sum();
                lead(format!(
                    "the nodes have room for only {can} of the {n} bundles at once; {} places all of them or none.",
                    pg.strategy.as_str()
                ))
            }
        }
    }
}

fn strategy_note(pg: &PlacementGroup, todo: &[usize], nodes: &[NodeRow], placed: bool) -> String {
    let rule = strategy_rule(pg.strategy);
    if placed {
        return format!("{rule}.");
    }
    match pg.strategy {
        PlacementStrategy::StrictSpread => {
            let able = nodes.iter().filter(|r| r.verdict.fits).count();
            format!("{rule}. Needs {} distinct nodes; {able} can take a bundle now.", todo.len())
        }
        PlacementStrategy::StrictPack => {
            let able = nodes.iter().filter(|r| r.verdict.fits).count();
            format!("{rule}. Nodes that can hold all {} bundles together now: {able}.", todo.len())
        }
        _ => format!("{rule}."),
    }
}

fn placed_summary(
    pg: &PlacementGroup,
    requests: &[Request],
    nodes: &[NodeRow],
    events: &[Event],
    notes: &mut Vec<String>,
) -> String {
    let mut on: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in pg.bundles.iter().enumerate() {
        if let Some(n) = &b.node {
            on.entry(n.as_str()).or_default().push(i);
        }
    }
    let where_: Vec<String> = on.iter().map(|(n, b)| format!("{} on {n}", bundles_words(b))).collect();
    let when = events
        .iter()
        .rev()
        .find(|e| matches!(&e.kind, EventKind::PgState { name, to: PlacementGroupState::Created, .. } if *name == pg.name))
        .map(|e| format!(" at {:.2} s (event #{})", e.t.as_secs_f64(), e.seq))
        .unwrap_or_default();
    // The request Ray scored first: the sum for STRICT_PACK; else the first bundle in SortRequiredResources order.
    let first = sorted_bundles(pg, &(0..pg.bundles.len()).collect::<Vec<_>>()).first().copied().unwrap_or(0);
    let ri = requests.iter().position(|r| r.bundles.contains(&first)).unwrap_or(0);
    let mut ranked: Vec<(&str, f64)> = nodes
        .iter()
        .filter(|r| r.schedulable)
        .map(|r| (r.node.as_str(), r.requests.get(ri).map_or(-1.0, |f| f.score)))
        .filter(|(_, s)| *s >= 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ranking: Vec<String> = ranked.iter().take(4).map(|(n, s)| format!("{n} {s:.2}")).collect();
    notes.push(
        "Scores are Ray's LeastResourceScorer (sum over requested resources of (free − needed) / free; −1: cannot \
         hold it), recomputed now against each node's free resources with this group's own bundles given back. Ray \
         scored against the availability at the moment it decided, which the model does not keep: anything placed, \
         removed or lost since then changes these numbers."
            .to_string(),
    );
    if pg.bundles.len() > 1 && matches!(pg.strategy, PlacementStrategy::Pack | PlacementStrategy::Spread) {
        notes.push(format!(
            "Within one decision {} scored each later bundle after subtracting the earlier ones; here each bundle \
             shape is scored alone.",
            pg.strategy.as_str()
        ));
    }
    notes.push("Equal best scores were a tie, broken by the run's seeded RNG.".to_string());
    let scored = if ranking.is_empty() {
        String::new()
    } else {
        format!(" Scores for {} (higher wins): {}.", requests[ri].label, ranking.join(", "))
    };
    format!("Placed ({}){when}: {}.{scored}", pg.strategy.as_str(), where_.join("; "))
}

/// A replica actor outside any placement group (Serve's SPREAD scheduling strategy).
fn explain_actor(replica_id: &str, need: &Resources, node: Option<usize>, cluster: &Cluster) -> PlacementExplanation {
    let request = Request {
        label: "the actor".to_string(),
        bundles: Vec::new(),
        resources: need.clone(),
        label_selector: BTreeMap::new(),
    };
    let nodes: Vec<NodeRow> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let unsched = unschedulable(n);
            let f = fit(&request, n, &n.available, unsched.is_none());
            let runs = node == Some(i);
            let verdict = match (&unsched, runs, f.fits) {
                (_, true, _) => Verdict { fits: true, text: "runs the actor".to_string() },
                (Some(why), ..) => Verdict { fits: false, text: why.clone() },
                (None, false, true) => Verdict { fits: true, text: "fits".to_string() },
                (None, false, false) => Verdict { fits: false, text: shortfall_words(&f) },
            };
            NodeRow {
                node: n.id.clone(),
                is_head: n.is_head,
                schedulable: n.schedulable(),
                unschedulable: unsched,
                labels: n.labels.clone(),
                total: n.resources.clone(),
                free: n.available.clone(),
                requests: vec![f],
                holds: Vec::new(),
                runs_actor: runs,
                verdict,
            }
        })
        .collect();
    let placed = node.is_some();
    let able: Vec<&str> = nodes.iter().filter(|r| r.requests[0].fits).map(|r| r.node.as_str()).collect();
    let summary = if let Some(i) = node {
        format!(
            "Runs on {} (Serve's SPREAD strategy: Ray's SpreadSchedulingPolicy goes round the nodes to the first with \
             {} free; it does not score).",
            cluster.nodes[i].id,
            need.describe()
        )
    } else if need.is_empty() {
        "Asks for no resources: Ray's random policy picks any schedulable node.".to_string()
    } else if !able.is_empty() {
        format!("It fits now on {}: it is placed at the GCS's next scheduling pass.", able.join(", "))
    } else {
        let free = cluster_free(cluster);
        let names = resource_names(std::slice::from_ref(&request));
        if free.covers(need) {
            format!(
                "The cluster has enough free resources in total ({} free), but no single node has {} free.",
                amounts(&free, &names),
                need.describe()
            )
        } else {
            format!(
                "Not enough free resources: the actor needs {}, the whole cluster has {} free.",
                need.describe(),
                amounts(&free, &names)
            )
        }
    };
    PlacementExplanation {
        subject: Subject::ReplicaActor,
        title: format!("replica {replica_id} (no placement group)"),
        pg_name: None,
        strategy: None,
        state: None,
        focus_bundle: None,
        placed,
        placeable_now: (!placed).then_some(!able.is_empty()),
        summary,
        strategy_note: "Serve's SPREAD scheduling strategy: round-robin over the nodes, first node with room now (no \
                        placement group, no label selector)."
            .to_string(),
        free_basis: FreeBasis::Now,
        resources: resource_names(std::slice::from_ref(&request)),
        requests: vec![request],
        nodes,
        bundles: Vec::new(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::{DrainReason, NodeDrain};
    use crate::model::placement::{Bundle, PgOwner};
    use crate::model::time::SimTime;

    fn node(id: &str, pairs: &[(&str, f64)], labels: &[(&str, &str)]) -> Node {
        Node {
            id: id.into(),
            is_head: false,
            resources: Resources::from_pairs(pairs.iter().copied()),
            available: Resources::from_pairs(pairs.iter().copied()),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            killed_at: None,
            dead: false,
            joined_seq: 0,
            draining: None,
        }
    }

    fn group(strategy: PlacementStrategy, bundles: &[&[(&str, f64)]]) -> PlacementGroup {
        PlacementGroup {
            id: "pg1".into(),
            name: "SERVE_GANG::app_G_0_x".into(),
            strategy,
            state: PlacementGroupState::Pending,
            bundles: bundles
                .iter()
                .map(|b| Bundle {
                    resources: Resources::from_pairs(b.iter().copied()),
                    label_selector: BTreeMap::new(),
                    node: None,
                })
                .collect(),
            owner: PgOwner { app: "app".into(), deployment: "G".into(), gang_id: Some("x".into()) },
            created_at: SimTime::ZERO,
            seq: 0,
        }
    }

    const GPU: &[(&str, f64)] = &[("GPU", 1.0)];

    #[test]
    fn strict_spread_on_one_two_gpu_node_needs_two_distinct_nodes() {
        let c = Cluster::new(vec![node("w1", &[("GPU", 2.0)], &[])]);
        let e = explain_group(&group(PlacementStrategy::StrictSpread, &[GPU, GPU]), &c, &[]);
        assert_eq!(e.placeable_now, Some(false));
        assert!(e.summary.contains("enough free resources in total (2 GPU free, 2 GPU needed)"), "{}", e.summary);
        assert!(
            e.summary.contains("needs 2 distinct nodes") && e.summary.contains("only 1 node can take"),
            "{}",
            e.summary
        );
        assert!(e.strategy_note.contains("Needs 2 distinct nodes; 1 can take a bundle now"), "{}", e.strategy_note);
        assert!(e.nodes[0].verdict.fits);
        assert_eq!(e.nodes[0].requests[0].cells[0].free, 2.0);
        assert_eq!(e.requests[0].label, "bundles 0, 1");
    }

    #[test]
    fn strict_pack_enough_in_total_but_not_on_one_node() {
        let c = Cluster::new(vec![node("w1", &[("GPU", 1.0)], &[]), node("w2", &[("GPU", 1.0)], &[])]);
        let e = explain_group(&group(PlacementStrategy::StrictPack, &[GPU, GPU]), &c, &[]);
        assert_eq!(e.placeable_now, Some(false));
        assert!(e.summary.contains("no single node can hold all 2 bundles together ({GPU: 2})"), "{}", e.summary);
        assert_eq!(e.requests.len(), 1);
        assert_eq!(e.nodes[0].verdict.text, "GPU: needs 2, free 1 for all 2 bundles together");
        assert!(!e.nodes[1].verdict.fits);
    }

    #[test]
    fn a_label_selector_nobody_matches_is_the_answer() {
        let c = Cluster::new(vec![node("w1", &[("CPU", 4.0)], &[("zone", "b")]), node("w2", &[("CPU", 4.0)], &[])]);
        let mut p = group(PlacementStrategy::Pack, &[&[("CPU", 1.0)]]);
        p.bundles[0].label_selector.insert("zone".into(), "a".into());
        let e = explain_group(&p, &c, &[]);
        assert_eq!(e.placeable_now, Some(false));
        assert_eq!(e.summary, "Label mismatch: bundle 0 asks for zone=a, and no schedulable node has that label.");
        assert_eq!(e.nodes[0].verdict.text, "label zone=a (node has zone=b)");
        assert_eq!(e.nodes[1].verdict.text, "label zone=a (node has no zone label)");
        // Enough CPU on both: the resource cells say so.
        assert!(e.nodes[0].requests[0].cells[0].enough);
    }

    #[test]
    fn a_pack_that_fits_says_so_and_dead_draining_and_killed_nodes_are_not_candidates() {
        let mut dead = node("w0", &[("CPU", 8.0)], &[]);
        dead.dead = true;
        let mut drained = node("w2", &[("CPU", 8.0)], &[]);
        drained.draining = Some(NodeDrain {
            reason: DrainReason::Preemption,
            message: String::new(),
            deadline: None,
            since: SimTime::ZERO,
        });
        let mut killed = node("w3", &[("CPU", 8.0)], &[]);
        killed.killed_at = Some(SimTime::ZERO);
        let c = Cluster::new(vec![dead, node("w1", &[("CPU", 2.0)], &[]), drained, killed]);
        let e = explain_group(&group(PlacementStrategy::Pack, &[&[("CPU", 1.0)], &[("CPU", 1.0)]]), &c, &[]);
        assert_eq!(e.placeable_now, Some(true));
        assert!(e.summary.starts_with("It fits now"), "{}", e.summary);
        assert_eq!(e.nodes[0].verdict, Verdict { fits: false, text: "dead: declared dead by the GCS".into() });
        assert!(!e.nodes[0].schedulable);
        assert_eq!(e.nodes[1].verdict, Verdict { fits: true, text: "fits 2 of 2 bundles".into() });
        assert!(e.nodes[2].verdict.text.starts_with("draining (DRAIN_NODE_REASON_PREEMPTION)"));
        assert!(e.nodes[3].verdict.text.starts_with("killed"));
    }

    #[test]
    fn a_placed_group_shows_its_nodes_and_scores_with_its_own_bundles_given_back() {
        let mut c = Cluster::new(vec![node("w1", &[("CPU", 4.0)], &[]), node("w2", &[("CPU", 2.0)], &[])]);
        let mut p = group(PlacementStrategy::Pack, &[&[("CPU", 1.0)], &[("CPU", 1.0)]]);
        let todo = [0, 1];
        let a = choose_nodes(&p, &todo, &c, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        for (bi, ni) in a {
            c.nodes[ni].available.sub(&p.bundles[bi].resources);
            p.bundles[bi].node = Some(c.nodes[ni].id.clone());
        }
        p.state = PlacementGroupState::Created;
        let e = explain_group(&p, &c, &[]);
        assert!(e.placed);
        assert_eq!(e.free_basis, FreeBasis::NowWithThisPgReturned);
        assert_eq!(e.nodes[0].holds, vec![0, 1]);
        // With the bundles given back, w1 has 4 free: (4 - 1) / 4 = 0.75 beats w2's (2 - 1) / 2.
        assert_eq!(e.nodes[0].free.get_f64("CPU"), 4.0);
        assert_eq!(e.nodes[0].requests[0].score, 0.75);
        assert_eq!(e.nodes[1].requests[0].score, 0.5);
        assert!(e.summary.contains("bundles 0, 1 on w1") && e.summary.contains("w1 0.75, w2 0.50"), "{}", e.summary);
        assert!(e.notes.iter().any(|n| n.contains("given back")));
    }
}
