//! The big cluster's overview (issue 14): one cell per node in node groups, gangs as glyphs in their colours, the
//! blast radius of node failures, and zoom into a group (its nodes as the normal cards). The summaries are built
//! once per snapshot ([`crate::app::cluster_summary`]); each cell is a keyed component that redraws only when its
//! node's summary changes.
use crate::app::cluster_summary::{
    BlastScan, NodeGroup, NodeHealth, NodeSummary, OVERVIEW_ABOVE, node_groups, plural, shared_prefix_len, summarize,
};
use crate::model::snapshot::Snapshot;
use crate::ui::overview_cell::OverviewCell;
use crate::ui::state::{SessionCell, Teardown};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

/// How the user wants the cluster shown: `cards` is their choice of the toggle (`None`: by size), `zoom` the node
/// group opened from the overview.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverviewMode {
    pub cards: Option<bool>,
    pub zoom: Option<String>,
    /// The group just left with "Back to overview" (its button gets the focus back).
    pub left: Option<String>,
}

/// Whether the cluster is big enough to open as an overview.
pub fn is_big(snap: &Snapshot) -> bool {
    snap.nodes.len() > OVERVIEW_ABOVE
}

/// What the cluster pane shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// The overview grid (no cards).
    Overview,
    /// Every node as a card.
    AllCards,
    /// The cards of one node group.
    Group(String),
}

pub fn shown(mode: &OverviewMode, snap: &Snapshot) -> Shown {
    if !is_big(snap) || mode.cards == Some(true) {
        return Shown::AllCards;
    }
    match &mode.zoom {
        Some(g) if node_groups(&snap.nodes).iter().any(|x| x.name == *g) => Shown::Group(g.clone()),
        _ => Shown::Overview,
    }
}

/// `snap` with only the nodes of `group`, the replicas on them and the placement groups with a bundle on them: what
/// the cluster view draws when zoomed into a group.
pub fn only_group(snap: &Snapshot, group: &NodeGroup) -> Snapshot {
    let ids: BTreeSet<&str> = group.nodes.iter().map(|&i| snap.nodes[i].id.as_str()).collect();
    let on = |n: &Option<String>| n.as_deref().is_some_and(|n| ids.contains(n));
    Snapshot {
        t: snap.t,
        tick: snap.tick,
        nodes: group.nodes.iter().map(|&i| snap.nodes[i].clone()).collect(),
        placement_groups: snap
            .placement_groups
            .iter()
            .filter(|pg| pg.bundles.iter().any(|b| on(&b.node)))
            .cloned()
            .collect(),
        replicas: snap.replicas.iter().filter(|r| on(&r.node)).cloned().collect(),
        deployments: snap.deployments.clone(),
        applications: snap.applications.clone(),
        controller: snap.controller.clone(),
        violations: snap.violations,
        nodes_joined: snap.nodes_joined,
    }
}

/// Compared by pointer: a snapshot is replaced, never changed, and comparing 10,000 replicas per render is not free.
#[derive(Clone)]
pub struct SnapPtr(pub Rc<Snapshot>);

impl PartialEq for SnapPtr {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The cluster pane's choice (a hook for the app): the mode's state, and the snapshot the cards draw (`None` while
/// the overview is shown; one group's nodes when zoomed; memoized per snapshot).
#[hook]
pub fn use_overview(snap: &Rc<Snapshot>) -> (UseStateHandle<OverviewMode>, Option<Rc<Snapshot>>) {
    let mode = use_state(OverviewMode::default);
    let cards = use_memo((SnapPtr(snap.clone()), (*mode).clone()), |(snap, mode)| match shown(mode, &snap.0) {
        Shown::Overview => None,
        Shown::AllCards => Some(snap.0.clone()),
        Shown::Group(g) => {
            node_groups(&snap.0.nodes).iter().find(|x| x.name == g).map(|group| Rc::new(only_group(&snap.0, group)))
        }
    });
    (mode, (*cards).clone())
}

#[derive(Properties, PartialEq)]
pub struct OverviewProps {
    pub snapshot: SnapPtr,
    /// For the event log (the blast radius is read from it).
    pub session: SessionCell,
    pub mode: OverviewMode,
    pub on_mode: Callback<OverviewMode>,
    #[prop_or_default]
    pub teardowns: Rc<BTreeMap<String, Teardown>>,
    #[prop_or_default]
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    /// The selected event's or hovered chain's ids: their cells light up.
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
}

/// What the summaries were built from: the snapshot, the teardowns and the gang colours.
type Inputs = (Rc<Snapshot>, Rc<BTreeMap<String, Teardown>>, Rc<BTreeMap<String, u8>>);

/// The summaries, rebuilt only when the snapshot, the teardowns or the colours are other objects.
#[derive(Default)]
struct Cache {
    inputs: Option<Inputs>,
    scan: BlastScan,
    cells: Vec<Rc<NodeSummary>>,
    groups: Rc<Vec<NodeGroup>>,
}

impl Cache {
    fn refresh(&mut self, p: &OverviewProps) {
        if let Some((s, t, h)) = &self.inputs
            && Rc::ptr_eq(s, &p.snapshot.0)
            && Rc::ptr_eq(t, &p.teardowns)
            && Rc::ptr_eq(h, &p.gang_hues)
        {
            return;
        }
        self.scan.update(p.session.0.borrow().events());
        let snap = &p.snapshot.0;
        let torn = |g: &str| p.teardowns.contains_key(g);
        let hue = |g: &str| p.gang_hues.get(g).copied();
        self.cells = summarize(snap, torn, hue, self.scan.radii(), &self.cells);
        let same_nodes = self.groups.iter().map(|g| g.nodes.len()).sum::<usize>() == snap.nodes.len()
            && self.groups.iter().flat_map(|g| &g.nodes).all(|&i| i < snap.nodes.len());
        if !same_nodes || self.inputs.as_ref().is_none_or(|(s, ..)| s.nodes.len() != snap.nodes.len()) {
            self.groups = Rc::new(node_groups(&snap.nodes));
        }
        self.inputs = Some((snap.clone(), p.teardowns.clone(), p.gang_hues.clone()));
    }
}

/// Words for a group's header: its size and what went wrong in it.
fn group_words(group: &NodeGroup, cells: &[Rc<NodeSummary>]) -> String {
    let mut s = plural(group.nodes.len(), "node");
    let count = |h: NodeHealth| group.nodes.iter().filter(|&&i| cells[i].health == h).count();
    for (h, word) in [(NodeHealth::Dead, "dead"), (NodeHealth::Killed, "killed"), (NodeHealth::Draining, "draining")] {
        let n = count(h);
        if n > 0 {
            s.push_str(&format!(" · {n} {word}"));
        }
    }
    let torn: u32 = group.nodes.iter().map(|&i| cells[i].torn_down).sum();
    if torn > 0 {
        s.push_str(&format!(" · {} torn down", plural(torn as usize, "gang")));
    }
    s
}

/// The toggle and, when zoomed, the breadcrumb back to the overview. Shown only for a big cluster.
#[derive(Properties, PartialEq)]
pub struct OverviewBarProps {
    pub snapshot: SnapPtr,
    pub mode: OverviewMode,
    pub on_mode: Callback<OverviewMode>,
}

#[component(OverviewBar)]
pub fn overview_bar(p: &OverviewBarProps) -> Html {
    let back_ref = use_node_ref();
    let shown = shown(&p.mode, &p.snapshot.0);
    // Zooming in puts the focus on the way back.
    {
        let back_ref = back_ref.clone();
        use_effect_with(matches!(shown, Shown::Group(_)), move |zoomed| {
            if *zoomed && let Some(b) = back_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    if !is_big(&p.snapshot.0) {
        return html! {};
    }
    let set = |m: OverviewMode| {
        let on = p.on_mode.clone();
        Callback::from(move |_: MouseEvent| on.emit(m.clone()))
    };
    let overview_on = shown != Shown::AllCards;
    let to_overview = OverviewMode { cards: Some(false), zoom: None, left: p.mode.zoom.clone() };
    let to_cards = OverviewMode { cards: Some(true), zoom: None, left: None };
    html! {
        <div class="ov-top" data-testid="overview-bar">
            <div class="ov-toggle" role="group" aria-label="Show the cluster as">
                <button type="button" aria-pressed={overview_on.to_string()} data-testid="show-overview"
                    onclick={set(to_overview.clone())}>{ "Overview" }</button>
                <button type="button" aria-pressed={(!overview_on).to_string()} data-testid="show-cards"
                    onclick={set(to_cards)}>{ "Cards" }</button>
            </div>
            if let Shown::Group(g) = &shown {
                <nav class="ov-crumbs" aria-label="Breadcrumb">
                    <button type="button" class="linklike" ref={back_ref} data-testid="overview-back"
                        onclick={set(to_overview)}>{ "← Back to overview" }</button>
                    <span aria-current="page">{ format!("Node group {g}") }</span>
                </nav>
            }
        </div>
    }
}

#[component(Overview)]
pub fn overview(p: &OverviewProps) -> Html {
    let cache = use_mut_ref(Cache::default);
    if shown(&p.mode, &p.snapshot.0) != Shown::Overview {
        return html! {};
    }
    cache.borrow_mut().refresh(p);
    let c = cache.borrow();
    let hl = &p.highlight;
    let lit =
        |s: &NodeSummary| !hl.is_empty() && (hl.contains(&s.id) || s.gangs.iter().any(|g| hl.contains(&g.gang_id)));
    let zoom = |g: &str| {
        let (on, m, g) = (p.on_mode.clone(), p.mode.clone(), g.to_string());
        Callback::from(move |_: ()| on.emit(OverviewMode { zoom: Some(g.clone()), left: None, ..m.clone() }))
    };
    let blasts = c.scan.radii();
    let resources: BTreeSet<&str> = c.cells.iter().filter(|s| s.total > 0.0).map(|s| s.resource.as_str()).collect();
    let resources: Vec<&str> = resources.into_iter().collect();
    html! {
        <div class="overview" data-testid="overview" aria-label="Cluster overview: one cell per node">
            <p class="ov-key">
                <span class="ov-key-bar"><span class="rsv"></span><span class="use"></span></span>
                { format!(" {} reserved / used", resources.join(" or ")) }
                <span class="ov-gang running hue-2" aria-hidden="true"></span>{ " running " }
                <span class="ov-gang starting hue-2" aria-hidden="true"></span>{ " starting " }
                <span class="ov-gang stopping hue-2" aria-hidden="true"></span>{ " stopping " }
                <span class="ov-gang torndown hue-2" aria-hidden="true"></span>{ " torn down · a glyph per gang, in its colour · ·N other replicas · ✕N gangs its failure tore down" }
            </p>
            if let Some(last) = blasts.last() {
                <section class="ov-blast" data-testid="blast-radius" aria-label="Blast radius of node failures">
                    <h3>{ "Blast radius" }</h3>
                    <p data-testid="blast-latest">{ last.describe() }</p>
                    if blasts.len() > 1 {
                        <ul>
                            { for blasts.iter().rev().skip(1).take(4).map(|b| html! { <li>{ b.describe() }</li> }) }
                        </ul>
                    }
                </section>
            }
            { for c.groups.iter().map(|g| {
                let on_zoom = zoom(&g.name);
                let click = { let z = on_zoom.clone(); Callback::from(move |_: MouseEvent| z.emit(())) };
                let refocus = p.mode.left.as_deref() == Some(g.name.as_str());
                let cut = shared_prefix_len(g.nodes.iter().map(|&i| c.cells[i].id.as_str()));
                html! {
                    <section key={g.name.clone()} class="ov-group" data-group={g.name.clone()}>
                        <GroupButton name={g.name.clone()} words={group_words(g, &c.cells)} {refocus} onclick={click} />
                        <div class="ov-cells">
                            { for g.nodes.iter().map(|&i| {
                                let s = &c.cells[i];
                                html! { <OverviewCell key={s.id.clone()} summary={s.clone()} lit={lit(s)} {cut} on_open={on_zoom.clone()} /> }
                            }) }
                        </div>
                    </section>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GroupButtonProps {
    name: String,
    words: String,
    /// Take the focus once drawn (the group the user came back from).
    refocus: bool,
    onclick: Callback<MouseEvent>,
}

/// A group's header: zooms into its nodes.
#[component(GroupButton)]
fn group_button(p: &GroupButtonProps) -> Html {
    let r = use_node_ref();
    {
        let r = r.clone();
        use_effect_with(p.refocus, move |refocus| {
            if *refocus && let Some(b) = r.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    html! {
        <h3 class="ov-group-head">
            <button type="button" ref={r} class="ov-zoom" onclick={p.onclick.clone()}
                aria-label={format!("Zoom into node group {}: {}", p.name, p.words)}>
                <span class="ov-group-name">{ p.name.clone() }</span>
                <span class="ov-group-words">{ p.words.clone() }</span>
            </button>
        </h3>
    }
}
