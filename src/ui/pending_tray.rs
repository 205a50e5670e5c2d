//! Placement groups that wait for resources, with the reason, and the replicas waiting in them.
use crate::model::placement::PlacementGroupState;
use crate::model::resources::Resources;
use crate::model::snapshot::{ReplicaView, Snapshot};
use crate::ui::palette::{pg_state_tone, replica_state_label, short_id};
use crate::ui::state::{PlacementSubject, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PendingTrayProps {
    pub snapshot: Rc<Snapshot>,
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
    #[prop_or_default]
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    pub on_target: Callback<Target>,
    /// What the placement panel explains now (its tray entry shows as pressed).
    #[prop_or_default]
    pub explained: Option<PlacementSubject>,
    /// "Explain placement" on a waiting placement group (its name).
    #[prop_or_default]
    pub on_explain: Callback<String>,
}

/// At most this many waiting placement groups are listed (a big cluster starts with hundreds waiting for one
/// frame; drawing them all cost a long frame for a list nobody can read in that time); the rest are counted.
pub const MAX_PGS_SHOWN: usize = 24;
/// Likewise for replicas outside any placement group that are not placed.
pub const MAX_CHIPS_SHOWN: usize = 48;

/// `2 × {CPU: 1}` for the bundles not placed yet.
fn unplaced_bundles(bundles: &[crate::model::snapshot::BundleView]) -> String {
    let mut counts: BTreeMap<&Resources, u32> = BTreeMap::new();
    for b in bundles.iter().filter(|b| b.node.is_none()) {
        *counts.entry(&b.resources).or_insert(0) += 1;
    }
    counts.iter().map(|(r, n)| format!("{n} × {}", r.describe())).collect::<Vec<_>>().join(" + ")
}

fn chip(r: &ReplicaView, hue: Option<u8>, on_target: &Callback<Target>) -> Html {
    let t = Target::Replica(r.id.clone());
    let onclick = on_target.reform(move |_: MouseEvent| t.clone());
    let rank = r.gang_context.as_ref().map(|g| format!(" r{}", g.rank)).unwrap_or_default();
    let startup = r.startup.map(|s| s.as_str()).unwrap_or("");
    html! {
        <li key={r.id.clone()}>
            <button type="button" class={classes!("replica-chip", hue.map(|h| format!("hue-{h}")))}
                data-replica={r.id.clone()} data-state={r.state.as_str()}
                aria-label={format!("Replica {} {}{} {}, waiting for its placement group", r.id, r.state.as_str(), rank, startup)}
                {onclick}>
                { format!("{}{} {}", replica_state_label(r.state), rank, short_id(&r.id, 4)) }
            </button>
        </li>
    }
}

#[component(PendingTray)]
pub fn pending_tray(props: &PendingTrayProps) -> Html {
    let snap = &props.snapshot;
    let waiting: Vec<_> = snap
        .placement_groups
        .iter()
        .filter(|pg| matches!(pg.state, PlacementGroupState::Pending | PlacementGroupState::Rescheduling))
        .collect();
    let pg_names: BTreeSet<&str> = snap.placement_groups.iter().map(|p| p.name.as_str()).collect();
    let unplaced: Vec<&ReplicaView> = snap
        .replicas
        .iter()
        .filter(|r| r.node.is_none() && r.pg_name.as_deref().is_none_or(|p| !pg_names.contains(p)))
        .collect();
    let count = waiting.len();
    // The unplaced replicas by placement group, in one pass (at start-up a big cluster has hundreds of groups
    // waiting and a thousand replicas: a scan per group was 200,000 comparisons a frame).
    let mut by_pg: BTreeMap<&str, Vec<&ReplicaView>> = BTreeMap::new();
    if !waiting.is_empty() {
        for r in snap.replicas.iter().filter(|r| r.node.is_none()) {
            if let Some(p) = r.pg_name.as_deref() {
                by_pg.entry(p).or_default().push(r);
            }
        }
    }
    let items = waiting
        .iter()
        .take(MAX_PGS_SHOWN)
        .map(|pg| {
            let members: Vec<&ReplicaView> = by_pg.remove(pg.name.as_str()).unwrap_or_default();
            let hue = pg.gang_id.as_ref().and_then(|g| props.gang_hues.get(g).copied());
            let hl = props.highlight.contains(&pg.name) || pg.gang_id.as_ref().is_some_and(|g| props.highlight.contains(g));
            let placed = pg.bundles.iter().filter(|b| b.node.is_some()).count();
            html! {
                <li key={pg.id.clone()} class={classes!("pending-pg", hl.then_some("hl"), hue.map(|h| format!("hue-{h}")))}
                    data-pg={pg.name.clone()}>
                    <div class="pending-head">
                        <span class={classes!("badge", pg_state_tone(pg.state))}>{ pg.state.as_str() }</span>
                        <code class="pg-name">{ pg.name.clone() }</code>
                    </div>
                    <div class="pending-detail">
                        { format!("{} · {} bundles ({} placed) · {}/{}", pg.strategy.as_str(), pg.bundles.len(), placed, pg.app, pg.deployment) }
                        if let Some(g) = &pg.gang_id { { format!(" · gang {g}") } }
                    </div>
                    <div class="pending-needs">{ format!("Waiting for: {}", unplaced_bundles(&pg.bundles)) }</div>
                    <p class="pending-reason" data-testid="pending-reason">
                        { pg.pending_reason.clone().unwrap_or_else(|| "waiting for the GCS to place it".to_string()) }
                    </p>
                    {{
                        let name = pg.name.clone();
                        let open = props.explained == Some(PlacementSubject::Pg(pg.name.clone()));
                        let onclick = props.on_explain.reform(move |_: MouseEvent| name.clone());
                        html! {
                            <button type="button" class="small explain" aria-pressed={open.to_string()}
                                aria-label={format!("Explain placement of {}", pg.name)} data-testid="explain-pg" {onclick}>
                                { "Why is it waiting?" }
                            </button>
                        }
                    }}
                    if !members.is_empty() {
                        <ul class="chips" aria-label="Replicas waiting in this placement group">
                            { for members.iter().map(|r| chip(r, hue, &props.on_target)) }
                        </ul>
                    }
                </li>
            }
        })
        .collect::<Html>();
    html! {
        <section class="pending-tray" aria-labelledby="pending-title" data-testid="pending-tray">
            <h2 id="pending-title">{ format!("Waiting for resources ({count})") }</h2>
            if count == 0 && unplaced.is_empty() {
                <p class="quiet">{ "No placement group is waiting: everything asked for has been placed." }</p>
            }
            <ul class="pending-list">{ items }</ul>
            if count > MAX_PGS_SHOWN {
                <p class="quiet" data-testid="pending-more">
                    { format!("… and {} more placement groups waiting (the first {MAX_PGS_SHOWN} are listed).", count - MAX_PGS_SHOWN) }
                </p>
            }
            if !unplaced.is_empty() {
                <div class="unplaced">
                    <h3>{ "Replicas not placed on a node" }</h3>
                    <ul class="chips">{ for unplaced.iter().take(MAX_CHIPS_SHOWN).map(|r| chip(r, None, &props.on_target)) }</ul>
                    if unplaced.len() > MAX_CHIPS_SHOWN {
                        <p class="quiet">{ format!("… and {} more.", unplaced.len() - MAX_CHIPS_SHOWN) }</p>
                    }
                </div>
            }
        </section>
    }
}
