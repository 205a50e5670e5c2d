//! The cluster as one SVG: node cards in responsive rows, and gang links across them.
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::{ReplicaView, Snapshot};
use crate::model::time::SimTime;
use crate::ui::layout::{
    CARD_W, GAP, LayoutMemory, MAX_SCALE, NodeLayout, SceneLayout, TOKEN_CX, TOKEN_CY, TOKEN_R, choose_columns,
    columns_for_width, layout, same_layout_inputs,
};
use crate::ui::node_card::{NodeCard, card_frame};
use crate::ui::palette::short_id;
use crate::ui::state::{Target, Teardown};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub snapshot: Rc<Snapshot>,
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
    #[prop_or_default]
    pub target: Option<Target>,
    #[prop_or_default]
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    #[prop_or_default]
    pub teardowns: Rc<BTreeMap<String, Teardown>>,
    pub on_target: Callback<Target>,
    /// Selecting a teardown label selects its event in the log.
    pub on_select_event: Callback<u64>,
}

/// Given by the app (a context, so the props stay as they were) while playing: the cluster view then spreads the
/// redrawing of many changed cards over frames ([`CARD_WORK_PER_FRAME`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progressive(pub bool);

type Point = (f64, f64);
type RankedPoints = Vec<(u32, Point)>;
/// A gang member drawn in a card: rank, where its link attaches, state.
type Member = (u32, Point, ReplicaState);

/// A link between the members of one gang, in rank order.
#[derive(Clone, Debug, PartialEq)]
pub struct GangLink {
    pub gang_id: String,
    pub path: String,
    pub label_at: (f64, f64),
    pub torn: Option<u64>,
}

/// Above this many replicas the endless animations (the turning outline of STARTING replicas) stop: repainting
/// hundreds of them every frame costs more than they tell.
pub const CALM_ABOVE: usize = 150;

/// Above this many gangs, only the links of the gangs in focus are drawn.
pub const MAX_LINKS_SHOWN: usize = 24;

/// From a token's centre up to the middle of the lane above its row of slots.
const LANE_APEX: f64 = TOKEN_CY - TOKEN_R - 3.0 + crate::ui::layout::LANE_H / 2.0;

/// Width of a gang label for `text` (11 px bold).
pub fn label_width(text: &str) -> f64 {
    7.4 * text.chars().count() as f64 + 14.0
}

/// Keep labels (centre x, centre y, width; 18 high) inside a scene `scene_w` wide, and move each one the least
/// (up first, then down) so that it overlaps no earlier one.
pub fn separate_labels(labels: &mut [(f64, f64, f64)], scene_w: f64) {
    for l in labels.iter_mut() {
        l.0 = l.0.min(scene_w - l.2 / 2.0 - 2.0).max(l.2 / 2.0 + 2.0);
    }
    for i in 0..labels.len() {
        let (x, y, w) = labels[i];
        let clashes = |y: f64| {
            labels[..i].iter().any(|&(ox, oy, ow)| (x - ox).abs() < (w + ow) / 2.0 + 2.0 && (y - oy).abs() < 20.0)
        };
        let offsets = (1..12).flat_map(|k| [-21.0 * k as f64, 21.0 * k as f64]);
        if let Some(dy) = std::iter::once(0.0).chain(offsets).find(|dy| y + dy >= 9.0 && !clashes(y + dy)) {
            labels[i].1 = y + dy;
        }
    }
}

/// Links for every gang with at least two members drawn in cards.
pub fn gang_links(
    replicas: &[ReplicaView],
    centres: &BTreeMap<String, (f64, f64)>,
    teardowns: &BTreeMap<String, Teardown>,
) -> Vec<GangLink> {
    let mut gangs: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for r in replicas {
        if let (Some(g), Some((x, y))) = (&r.gang_context, centres.get(&r.id)) {
            // Links end just above the token, so they never cover its rank.
            gangs.entry(g.gang_id.as_str()).or_default().push((g.rank, (*x, y - TOKEN_R - 3.0), r.state));
        }
    }
    let mut out = Vec::new();
    for (gang_id, mut members) in gangs {
        members.sort_by_key(|m| m.0);
        let torn =
            teardowns.get(gang_id).filter(|_| members.iter().any(|m| m.2 == ReplicaState::Stopping)).map(|t| t.seq);
        let pts: Vec<(f64, f64)> = members.iter().map(|m| m.1).collect();
        let (path, label_at) = match pts.len() {
            0 => continue,
            1 => {
                // A lone member (its siblings are not placed): a short stub so the gang id is still shown.
                let (x, y) = pts[0];
                (format!("M{x:.1} {y:.1}L{x:.1} {:.1}", y - LANE_APEX), (x, y - LANE_APEX))
            }
            _ => {
                // Each hop arcs up into the lane above the higher member's row of slots, where the label sits.
                let mut d = format!("M{:.1} {:.1}", pts[0].0, pts[0].1);
                let mut label = None;
                for w in pts.windows(2) {
                    let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                    let apex = y0.min(y1) - LANE_APEX;
                    let (cx, cy) = ((x0 + x1) / 2.0, 2.0 * apex - (y0 + y1) / 2.0);
                    d.push_str(&format!(" Q{cx:.1} {cy:.1} {x1:.1} {y1:.1}"));
                    label.get_or_insert(((x0 + x1) / 2.0, apex));
                }
                (d, label.unwrap_or(pts[0]))
            }
        };
        out.push(GangLink { gang_id: gang_id.to_string(), path, label_at, torn });
    }
    out
}

/// How long a replica that left the snapshot stays drawn (it flashes, then fades), in wall-clock milliseconds.
/// Stopped replicas leave within a tick, which at 1× is far too quick to see a gang go down together.
pub const GHOST_MS: f64 = 2400.0;
const MAX_GHOSTS: usize = 64;

/// A replica that just left, drawn where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub replica: ReplicaView,
    pub at: (f64, f64),
    pub born_ms: f64,
    /// The teardown event of its gang, if a teardown took it.
    pub torn: Option<u64>,
}

#[derive(Default)]
struct GhostMemory {
    /// The scene drawn last time, and where its replicas were.
    last: Option<(Rc<Snapshot>, Rc<SceneLayout>)>,
    ghosts: Vec<Ghost>,
}

impl GhostMemory {
    /// Compare with the previous render: replicas that vanished become ghosts; old ghosts expire.
    fn update(
        &mut self,
        snap: &Rc<Snapshot>,
        scene: Rc<SceneLayout>,
        teardowns: &BTreeMap<String, Teardown>,
        now_ms: f64,
    ) -> Vec<Ghost> {
        let present: BTreeSet<&str> = snap.replicas.iter().map(|r| r.id.as_str()).collect();
        match &self.last {
            // Time went back (reset, another scenario): nothing vanished, everything is new.
            Some((last, _)) if snap.t < last.t => self.ghosts.clear(),
            Some((last, last_centres)) if !Rc::ptr_eq(last, snap) => {
                for r in last.replicas.iter().filter(|r| !present.contains(r.id.as_str())) {
                    if let Some(at) = last_centres.replica_centres.get(&r.id) {
                        let torn = r.gang_context.as_ref().and_then(|g| teardowns.get(&g.gang_id)).map(|t| t.seq);
                        self.ghosts.push(Ghost { replica: r.clone(), at: *at, born_ms: now_ms, torn });
                    }
                }
            }
            _ => {}
        }
        self.ghosts.retain(|g| now_ms - g.born_ms < GHOST_MS && !present.contains(g.replica.id.as_str()));
        if self.ghosts.len() > MAX_GHOSTS {
            self.ghosts.drain(..self.ghosts.len() - MAX_GHOSTS);
        }
        self.last = Some((snap.clone(), scene));
        self.ghosts.clone()
    }
}

/// A replica as a node card draws it: without the fields it does not draw (`position` among the deployment's
/// gangs shifts for every other gang when one is torn down, which would re-render every card and token).
pub fn card_replica(r: &ReplicaView) -> ReplicaView {
    // The load is drawn by the load layer (`load_layer.rs`), not by the card.
    ReplicaView { position: 0, ongoing: None, ..r.clone() }
}

/// Work units of node cards redrawn per frame while playing: a card costs [`CARD_COST`] plus one per changed
/// replica (measured: a redrawn card is ~1 ms of Yew and ~1 ms of style, layout and paint, a token about half).
pub const CARD_WORK_PER_FRAME: usize = 32;
pub const CARD_COST: usize = 2;

/// The last layout computed, and what it was computed for.
struct LayoutCache {
    snapshot: Rc<Snapshot>,
    size: (f64, f64),
    columns: usize,
    scene: Rc<SceneLayout>,
}

/// Whether card layout `drawn` (at the origin) is `l` drawn at the origin. Spelled out so that a field added to
/// the layout is a compile error here.
fn same_at_origin(drawn: &NodeLayout, l: &NodeLayout) -> bool {
    let NodeLayout { node_id, x: _, y: _, h, bars, bars_y, slots_y, slots } = l;
    drawn.x == 0.0
        && drawn.y == 0.0
        && drawn.node_id == *node_id
        && drawn.h == *h
        && drawn.bars_y == *bars_y
        && drawn.slots_y == *slots_y
        && drawn.bars == *bars
        && drawn.slots == *slots
}

/// What one node card was last drawn with.
#[derive(PartialEq)]
struct CardInput {
    node: crate::model::snapshot::NodeView,
    layout: Rc<crate::ui::layout::NodeLayout>,
    replicas: Rc<Vec<ReplicaView>>,
    controller: Option<crate::model::snapshot::ControllerView>,
    slice: CardSlice,
}

/// Whether a card would draw replicas `a` and `b` the same: equal in every field but `position`, and `ongoing` to
/// its load (drawn by the load layer, `load_layer.rs`). Spelled out field by field so that a field added to the model's view is a compile error here.
pub fn drawn_alike(a: &ReplicaView, b: &ReplicaView) -> bool {
    let ReplicaView {
        id,
        app,
        deployment,
        state,
        startup,
        node,
        pg_name,
        bundle_index,
        gang_context,
        consecutive_health_failures,
        actor_alive,
        graceful_stop,
        position: _,
        since,
        version,
        outdated,
        // The load is drawn by the load layer (`load_layer.rs`), not by the card.
        ongoing: _,
        max_ongoing,
    } = a;
    *id == b.id
        && *max_ongoing == b.max_ongoing
        && *state == b.state
        && *startup == b.startup
        && *consecutive_health_failures == b.consecutive_health_failures
        && *actor_alive == b.actor_alive
        && *graceful_stop == b.graceful_stop
        && *since == b.since
        && *bundle_index == b.bundle_index
        && *node == b.node
        && *pg_name == b.pg_name
        && *app == b.app
        && *deployment == b.deployment
        && *gang_context == b.gang_context
        && *version == b.version
        && *outdated == b.outdated
}

/// The cluster-wide view state cut down to one node card.
#[derive(PartialEq)]
pub struct CardSlice {
    pub highlight: Rc<BTreeSet<String>>,
    pub target: Option<Target>,
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    pub teardowns: Rc<BTreeMap<String, Teardown>>,
    /// The snapshot's time, only for a draining node with a deadline (its card counts down; the others do not
    /// change while the clock runs).
    pub now: Option<SimTime>,
}

thread_local! {
    static EMPTY_SET: Rc<BTreeSet<String>> = Rc::new(BTreeSet::new());
}

pub fn card_slice(
    n: &crate::model::snapshot::NodeView,
    l: &crate::ui::layout::NodeLayout,
    replicas: &[&ReplicaView],
    props: &ClusterViewProps,
) -> CardSlice {
    let mut gangs: BTreeSet<&str> = BTreeSet::new();
    for s in &l.slots {
        if let Some(g) = s.bundle.as_ref().and_then(|b| b.gang_id.as_deref()) {
            gangs.insert(g);
        }
    }
    for r in replicas {
        if let Some(g) = &r.gang_context {
            gangs.insert(g.gang_id.as_str());
        }
    }
    let gang_hues = gangs.iter().filter_map(|g| props.gang_hues.get(*g).map(|h| (g.to_string(), *h))).collect();
    let teardowns = gangs.iter().filter_map(|g| props.teardowns.get(*g).map(|t| (g.to_string(), t.clone()))).collect();
    let target = match &props.target {
        Some(Target::Node(id)) if *id == n.id => props.target.clone(),
        Some(Target::Replica(id)) if replicas.iter().any(|r| r.id == *id) => props.target.clone(),
        _ => None,
    };
    let highlight = card_highlight(n, l, replicas, &props.highlight);
    let now = crate::ui::node_card::shown_drain(n).and_then(|d| d.deadline).map(|_| props.snapshot.t);
    CardSlice { highlight, target, gang_hues: Rc::new(gang_hues), teardowns: Rc::new(teardowns), now }
}

/// The highlighted ids a card draws: its node, its bundles' groups and gangs, its replicas and their gangs. A
/// hover or a selection elsewhere leaves the card's set (and so its props) equal, and only the cards whose
/// highlighted ids changed are redrawn. Usually the highlight is empty: then every card shares one empty set.
pub fn card_highlight(
    n: &crate::model::snapshot::NodeView,
    l: &crate::ui::layout::NodeLayout,
    replicas: &[&ReplicaView],
    highlight: &BTreeSet<String>,
) -> Rc<BTreeSet<String>> {
    if highlight.is_empty() {
        return EMPTY_SET.with(Rc::clone);
    }
    let mut mine: Option<BTreeSet<String>> = None;
    let mut check = |id: &str| {
        if highlight.contains(id) && !mine.as_ref().is_some_and(|m| m.contains(id)) {
            mine.get_or_insert_with(BTreeSet::new).insert(id.to_string());
        }
    };
    check(&n.id);
    for b in l.slots.iter().filter_map(|s| s.bundle.as_ref()) {
        check(&b.pg_name);
        if let Some(g) = &b.gang_id {
            check(g);
        }
    }
    for r in replicas {
        check(&r.id);
        if let Some(g) = &r.gang_context {
            check(&g.gang_id);
        }
    }
    match mine {
        Some(m) => Rc::new(m),
        None => EMPTY_SET.with(Rc::clone),
    }
}

fn wall_now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn ghost_token(g: &Ghost, hue: Option<u8>) -> Html {
    let r = &g.replica;
    let (x, y) = g.at;
    let (cx, cy, rr) = (TOKEN_CX, TOKEN_CY, TOKEN_R);
    let d = rr * 0.7;
    let body = if r.gang_context.is_some() {
        html! { <circle class="body" cx={cx.to_string()} cy={cy.to_string()} r={rr.to_string()} /> }
    } else {
        html! { <rect class="body" x={(cx - rr).to_string()} y={(cy - rr).to_string()} width={(2.0 * rr).to_string()} height={(2.0 * rr).to_string()} rx="3" /> }
    };
    html! {
        <g key={format!("ghost-{}", r.id)} class={classes!("ghost", g.torn.is_some().then_some("torn"), hue.map(|h| format!("hue-{h}")))}
            style={format!("transform: translate({:.1}px, {:.1}px)", x - cx, y - cy)} data-ghost={r.id.clone()}>
            { body }
            <path class="cross" d={format!("M{} {}L{} {}M{} {}L{} {}", cx - d, cy - d, cx + d, cy + d, cx + d, cy - d, cx - d, cy + d)} />
            <text class="state-label" x={cx.to_string()} y={(cy + rr + 13.0).to_string()} text-anchor="middle">
                { format!("GONE {}", short_id(&r.id, 4)) }
            </text>
        </g>
    }
}

#[component(ClusterView)]
pub fn cluster_view(props: &ClusterViewProps) -> Html {
    crate::ui::perf::count(crate::ui::perf::Renders::Cluster);
    let started = crate::ui::perf::enabled().then(crate::ui::perf::now_ms);
    let wrapper = use_node_ref();
    // The area the cluster may fill: the pane's width, and the window's height below the pane's top.
    let size_px = use_state(|| (0.0f64, 0.0f64));
    {
        let wrapper = wrapper.clone();
        let size_px = size_px.clone();
        use_effect_with((), move |_| {
            let measure = {
                let wrapper = wrapper.clone();
                let size_px = size_px.clone();
                move || {
                    if let Some(el) = wrapper.cast::<web_sys::Element>() {
                        let w = el.client_width() as f64;
                        let window_h = web_sys::window()
                            .and_then(|w| w.inner_height().ok())
                            .and_then(|v| v.as_f64())
                            .unwrap_or(0.0);
                        let top = el.get_bounding_client_rect().top()
                            + web_sys::window().map(|w| w.scroll_y().unwrap_or(0.0)).unwrap_or(0.0);
                        let h = (window_h - top.min(window_h * 0.4) - 16.0).max(window_h * 0.5);
                        let (ow, oh) = *size_px;
                        if w > 0.0 && ((w - ow).abs() >= 1.0 || (h - oh).abs() >= 1.0) {
                            size_px.set((w, h));
                        }
                    }
                }
            };
            measure();
            let window = gloo::utils::window();
            let listener = gloo::events::EventListener::new(window.unchecked_ref(), "resize", move |_| measure());
            move || drop(listener)
        });
    }

    let snap = &props.snapshot;
    let progressive = use_context::<Progressive>().unwrap_or_default().0;
    // Hover and explain (issue 13): given by the app for its own run only.
    let gestures = use_context::<crate::ui::hover::Gestures>();
    let shown_cards = use_mut_ref(BTreeMap::<String, Rc<CardInput>>::new);
    let redraw = use_state(|| 0u32);
    let pending_frame = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    let layout_memory = use_mut_ref(|| (SimTime::ZERO, LayoutMemory::default(), None::<LayoutCache>));
    let (columns, scene) = {
        let mut m = layout_memory.borrow_mut();
        if snap.t < m.0 {
            m.1.clear();
            m.2 = None;
        }
        m.0 = snap.t;
        let (w, h) = *size_px;
        match &m.2 {
            // Only states changed (most frames, and the frames of a teardown before its gang leaves): the layout
            // would come out the same, so it is not recomputed.
            Some(c) if c.size == (w, h) && (Rc::ptr_eq(&c.snapshot, snap) || same_layout_inputs(&c.snapshot, snap)) => {
                (c.columns, c.scene.clone())
            }
            _ => {
                let now_ms = wall_now_ms();
                let first = columns_for_width(w, snap.nodes.len());
                let scene = layout(snap, first, &mut m.1, now_ms);
                let heights: Vec<f64> = scene.nodes.iter().map(|n| n.h).collect();
                let columns = choose_columns(w, h, &heights);
                let scene = Rc::new(if columns == first { scene } else { layout(snap, columns, &mut m.1, now_ms) });
                m.2 = Some(LayoutCache { snapshot: snap.clone(), size: (w, h), columns, scene: scene.clone() });
                (columns, scene)
            }
        }
    };
    let (scene_w, scene_h) = (scene.width, scene.height);
    let load_gauges = crate::ui::load_layer::gauges(snap, &scene.replica_centres);
    let links = gang_links(&snap.replicas, &scene.replica_centres, &props.teardowns);
    let memory = use_mut_ref(GhostMemory::default);
    let centres = &scene.replica_centres;
    // The members of a gang being torn down flash together. The flash is drawn in the overlay (below), so that
    // its animation repaints only the overlay and not the thousands of shapes of the cluster.
    let flashes = snap
        .replicas
        .iter()
        .filter(|r| r.state == ReplicaState::Stopping)
        .filter_map(|r| {
            let g = r.gang_context.as_ref()?;
            props.teardowns.get(&g.gang_id)?;
            let (x, y) = *centres.get(&r.id)?;
            let hue = props.gang_hues.get(&g.gang_id).map(|h| format!("hue-{h}"));
            Some(html! {
                <circle key={format!("flash-{}", r.id)} class={classes!("flash", hue)} cx={format!("{x:.1}")}
                    cy={format!("{y:.1}")} r={TOKEN_R.to_string()} data-flash={r.id.clone()} />
            })
        })
        .collect::<Html>();
    let ghosts = memory.borrow_mut().update(snap, scene.clone(), &props.teardowns, wall_now_ms());
    let (ghost_tokens, ghost_specs) = {
        let tokens = ghosts
            .iter()
            .map(|g| {
                ghost_token(g, g.replica.gang_context.as_ref().and_then(|c| props.gang_hues.get(&c.gang_id).copied()))
            })
            .collect::<Html>();
        // Torn-down gangs keep a red link between their ghosts, labelled with the cause, while they fade.
        let mut torn: BTreeMap<&str, (u64, RankedPoints)> = BTreeMap::new();
        let live_gangs: BTreeSet<&str> = links.iter().map(|l| l.gang_id.as_str()).collect();
        for g in &ghosts {
            if let (Some(seq), Some(c)) = (g.torn, &g.replica.gang_context)
                && !live_gangs.contains(c.gang_id.as_str())
            {
                torn.entry(c.gang_id.as_str()).or_insert((seq, Vec::new())).1.push((c.rank, g.at));
            }
        }
        // (gang, teardown event, path, label centre, label text)
        let specs: Vec<(String, u64, String, Point, String)> = torn
            .iter()
            .map(|(gang, (seq, members))| {
                let mut members = members.clone();
                members.sort_by_key(|m| m.0);
                let pts: Vec<Point> = members.iter().map(|m| m.1).collect();
                let mut d = format!("M{:.1} {:.1}", pts[0].0, pts[0].1);
                for p in &pts[1..] {
                    d.push_str(&format!(" L{:.1} {:.1}", p.0, p.1));
                }
                let lx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
                let ly = pts.iter().map(|p| p.1).fold(f64::MAX, f64::min) - TOKEN_R - 3.0 - LANE_APEX;
                (gang.to_string(), *seq, d, (lx, ly), format!("gang {gang} torn down · RESTART_GANG"))
            })
            .collect();
        (tokens, specs)
    };
    let by_node: BTreeMap<&str, Vec<&ReplicaView>> = {
        let mut m: BTreeMap<&str, Vec<&ReplicaView>> = BTreeMap::new();
        for r in &snap.replicas {
            if let Some(n) = r.node.as_deref() {
                m.entry(n).or_default().push(r);
            }
        }
        m
    };
    // Card backgrounds are their own layer, under the gang links; the cards' contents (slots, text) go over the
    // links, so a link shows in the lanes and between cards and never crosses a label.
    let card_bgs = snap
        .nodes
        .iter()
        .zip(scene.nodes.iter())
        .map(|(n, l)| {
            let cls = classes!(
                "card-bg",
                n.is_head.then_some("head"),
                (!n.alive).then_some("dead"),
                (n.alive && n.killed).then_some("killed"),
                crate::ui::node_card::shown_drain(n).is_some().then_some("draining"),
                props.highlight.contains(&n.id).then_some("hl"),
                (props.target == Some(Target::Node(n.id.clone()))).then_some("sel"),
            );
            html! {
                <rect key={n.id.clone()} class={cls} width={CARD_W.to_string()} height={l.h.to_string()} rx="8"
                    style={format!("transform: translate({}px, {}px)", l.x, l.y)} />
            }
        })
        .collect::<Html>();
    // While playing, the cards that changed are redrawn at most CARD_WORK_PER_FRAME replicas' worth per frame
    // (the others show their previous state for a few more frames): 1,000 replicas appearing at once become a
    // wave over ~10 frames instead of one frozen second. Paused, everything is drawn at once.
    let mut held_back = false;
    let calm = snap.replicas.len() > CALM_ABOVE;
    let cards = {
        let mut shown = shown_cards.borrow_mut();
        let ids: BTreeSet<&str> = snap.nodes.iter().map(|n| n.id.as_str()).collect();
        shown.retain(|id, _| ids.contains(id.as_str()));
        let mut spent = 0usize;
        snap.nodes
            .iter()
            .zip(scene.nodes.iter())
            .map(|(n, l)| {
                let live: &[&ReplicaView] = by_node.get(n.id.as_str()).map(Vec::as_slice).unwrap_or_default();
                // Each card gets only what it draws (its gangs' hues and teardowns, the target if it is in the
                // card), so that a change elsewhere in the cluster (a teardown, a new gang, opening the action panel
                // on another node) leaves its props equal and Yew skips it.
                let slice = card_slice(n, l, live, props);
                // The card is drawn at the origin and placed by its frame: a card that only moves is not redrawn.
                let (x, y, h) = (l.x, l.y, l.h);
                let controller = n.is_head.then(|| &snap.controller);
                // Compared in place first: the replicas are cloned only for a card that changed.
                let unchanged = |old: &CardInput| {
                    old.node == *n
                        && same_at_origin(&old.layout, l)
                        && old.controller.as_ref() == controller
                        && old.slice == slice
                        && old.replicas.len() == live.len()
                        && old.replicas.iter().zip(live).all(|(a, b)| drawn_alike(a, b))
                };
                let take = match shown.get(&n.id) {
                    Some(old) if unchanged(old) => false,
                    Some(old) => {
                        let changed = live.iter().filter(|b| !old.replicas.iter().any(|a| drawn_alike(a, b))).count();
                        let cost = CARD_COST + changed;
                        let take = !progressive || spent == 0 || spent + cost <= CARD_WORK_PER_FRAME;
                        if take {
                            spent += cost;
                        } else {
                            held_back = true;
                        }
                        take
                    }
                    None => {
                        spent += CARD_COST + live.len();
                        true
                    }
                };
                let input = take.then(|| CardInput {
                    node: n.clone(),
                    layout: Rc::new(NodeLayout { x: 0.0, y: 0.0, ..l.clone() }),
                    replicas: Rc::new(live.iter().map(|r| card_replica(r)).collect()),
                    controller: controller.cloned(),
                    slice,
                });
                if let Some(input) = input {
                    shown.insert(n.id.clone(), Rc::new(input));
                }
                let c = shown[&n.id].clone();
                let card = html! {
                    <NodeCard node={c.node.clone()} layout={c.layout.clone()}
                        replicas={c.replicas.clone()} controller={c.controller.clone()}
                        highlight={c.slice.highlight.clone()} target={c.slice.target.clone()}
                        gang_hues={c.slice.gang_hues.clone()} teardowns={c.slice.teardowns.clone()} now={c.slice.now}
                        on_target={props.on_target.clone()} gestures={gestures.clone()} />
                };
                card_frame(&n.id, x, y, h.max(c.layout.h), calm, card)
            })
            .collect::<Html>()
    };
    {
        // Cards held back: draw them in the next frame even if nothing else changes.
        let again = redraw.clone();
        let pending = pending_frame.clone();
        use_effect(move || {
            if held_back {
                *pending.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| again.set(*again + 1)));
            }
        });
    }
    // At scale every link at once is a tangle: then only the gangs the user is looking at (selected, highlighted,
    // being torn down) are linked; hues and slot tags still tell the members apart.
    let selected_gang = match &props.target {
        Some(Target::Replica(id)) => {
            snap.replicas.iter().find(|r| &r.id == id).and_then(|r| r.gang_context.as_ref()).map(|g| g.gang_id.clone())
        }
        _ => None,
    };
    let all_links = links.len() <= MAX_LINKS_SHOWN;
    let links: Vec<GangLink> = links
        .into_iter()
        .filter(|l| {
            all_links
                || l.torn.is_some()
                || props.highlight.contains(&l.gang_id)
                || selected_gang.as_deref() == Some(l.gang_id.as_str())
        })
        .collect();
    let link_paths = links
        .iter()
        .map(|l| {
            let hue = props.gang_hues.get(&l.gang_id).map(|h| format!("hue-{h}"));
            let cls = classes!(
                "gang-link",
                hue,
                l.torn.is_some().then_some("torn"),
                props.highlight.contains(&l.gang_id).then_some("hl")
            );
            html! { <path key={l.gang_id.clone()} class={cls} d={l.path.clone()} data-gang={l.gang_id.clone()} /> }
        })
        .collect::<Html>();
    let texts: Vec<String> = links
        .iter()
        .map(|l| match l.torn {
            Some(_) => format!("gang {} · RESTART_GANG", l.gang_id),
            None => format!("gang {}", l.gang_id),
        })
        .collect();
    let mut placed: Vec<(f64, f64, f64)> =
        links.iter().zip(&texts).map(|(l, t)| (l.label_at.0, l.label_at.1, label_width(t))).collect();
    // Ghost labels are placed after the live ones, around them.
    placed.extend(ghost_specs.iter().map(|(_, _, _, (x, y), text)| (*x, *y, label_width(text))));
    separate_labels(&mut placed, scene_w);
    let ghost_placed = placed.split_off(links.len());
    let ghost_links = ghost_specs
        .into_iter()
        .zip(ghost_placed)
        .map(|((gang, seq, d, _, text), (x, y, w))| {
            let cb = props.on_select_event.clone();
            html! {
                <g key={format!("ghost-link-{gang}")}>
                    <path class="ghost-link" d={d} />
                    <g class="ghost-label" style={format!("transform: translate({:.1}px, {:.1}px)", x - w / 2.0, y - 9.0)}
                        data-ghost-gang={gang.clone()} onclick={Callback::from(move |_: MouseEvent| cb.emit(seq))}>
                        <rect width={w.to_string()} height="18" rx="9" />
                        <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
                    </g>
                </g>
            }
        })
        .collect::<Html>();
    let ghost_html = html! {
        <g class="ghosts" aria-hidden="true"><g class="flashes">{ flashes }</g>{ ghost_tokens }{ ghost_links }</g>
    };
    let link_labels = links
        .iter()
        .zip(texts)
        .zip(placed)
        .map(|((l, text), (x, y, w))| {
            let hue = props.gang_hues.get(&l.gang_id).map(|h| format!("hue-{h}"));
            let cls = classes!(
                "gang-label",
                hue,
                l.torn.is_some().then_some("torn"),
                props.highlight.contains(&l.gang_id).then_some("hl")
            );
            let style = format!("transform: translate({:.1}px, {:.1}px)", x - w / 2.0, y - 9.0);
            match l.torn {
                Some(seq) => {
                    let cb = props.on_select_event.clone();
                    let cb2 = props.on_select_event.clone();
                    let onkeydown = Callback::from(move |e: KeyboardEvent| {
                        if e.key() == "Enter" || e.key() == " " {
                            e.prevent_default();
                            cb2.emit(seq);
                        }
                    });
                    html! {
                        <g key={l.gang_id.clone()} class={cls} style={style} role="button" tabindex="0"
                            aria-label={format!("Gang {} is being torn down (RESTART_GANG); show why", l.gang_id)}
                            data-gang-label={l.gang_id.clone()}
                            onclick={Callback::from(move |_: MouseEvent| cb.emit(seq))} {onkeydown}>
                            <rect width={w.to_string()} height="18" rx="9" />
                            <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
                        </g>
                    }
                }
                None => html! {
                    <g key={l.gang_id.clone()} class={cls} style={style} data-gang-label={l.gang_id.clone()}>
                        <rect width={w.to_string()} height="18" rx="9" />
                        <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
                    </g>
                },
            }
        })
        .collect::<Html>();
    let live_nodes = snap.nodes.iter().filter(|n| n.alive).count();
    let aria = format!(
        "Cluster: {} nodes ({} alive), {} placement groups, {} replicas. Select a replica, a node or the controller for actions.",
        snap.nodes.len(),
        live_nodes,
        snap.placement_groups.len(),
        snap.replicas.len()
    );
    let max_w = scene_w.max(CARD_W + 2.0 * GAP) * MAX_SCALE;
    let viewbox = format!("0 0 {scene_w:.0} {scene_h:.0}");
    if let Some(t) = started {
        crate::ui::perf::add_cluster_ms(crate::ui::perf::now_ms() - t);
    }
    html! {
        <div class="cluster-view" ref={wrapper} data-columns={columns.to_string()}>
            if !all_links {
                <p class="quiet links-note">{ "Many gangs: links are drawn only for the gang you select (click a replica) and for gangs being torn down." }</p>
            }
            // Two SVGs on top of each other with the same coordinates: the cluster, and an overlay with what
            // animates for a while (teardown flashes, ghosts fading out, their links and labels). Chromium repaints
            // a whole SVG when anything in it changes; with ~20,000 shapes that is 10 - 60 ms a frame, so the
            // animations live in the small overlay (its own layer) and the cluster repaints only when it changes.
            <div class="cluster-stack" style={format!("max-width: {max_w:.0}px")}>
                <svg class={classes!("cluster-svg", calm.then_some("calm"))} role="group" aria-label={aria}
                    viewBox={viewbox.clone()} preserveAspectRatio="xMinYMin meet">
                    <defs>
                        <pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                            <line x1="0" y1="0" x2="0" y2="8" class="hatch-line" />
                        </pattern>
                    </defs>
                    <g class="card-bgs" aria-hidden="true">{ card_bgs }</g>
                    <g class="gang-links" aria-hidden="true">{ link_paths }</g>
                    <g class="cards">{ cards }</g>
                    <g class="gang-labels">{ link_labels }</g>
                </svg>
                <crate::ui::load_layer::LoadLayer gauges={load_gauges} viewbox={viewbox.clone()} />
                <svg class={classes!("cluster-overlay", calm.then_some("calm"))} viewBox={viewbox}
                    preserveAspectRatio="xMinYMin meet">
                    { ghost_html }
                </svg>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::events::TeardownCause;
    use crate::model::serve::replica::GangContext;

    fn member(id: &str, gang: &str, rank: u32, state: ReplicaState) -> ReplicaView {
        ReplicaView {
            id: id.into(),
            app: "a".into(),
            deployment: "G".into(),
            state,
            startup: None,
            node: Some("w1".into()),
            pg_name: Some("pg".into()),
            bundle_index: Some(rank as usize),
            gang_context: Some(GangContext {
                gang_id: gang.into(),
                rank,
                world_size: 2,
                member_replica_ids: vec![],
                pg_name: "pg".into(),
            }),
            consecutive_health_failures: 0,
            actor_alive: true,
            graceful_stop: None,
            position: 0,
            since: Default::default(),
            version: "v1".into(),
            outdated: false,
            ongoing: None,
            max_ongoing: 5,
        }
    }

    #[test]
    fn a_card_ignores_a_replica_s_position_but_nothing_it_draws() {
        let a = member("r1", "g1", 0, ReplicaState::Running);
        let moved = ReplicaView { position: 7, ..a.clone() };
        assert!(drawn_alike(&a, &moved), "a teardown elsewhere shifts positions: the card stays");
        assert_eq!(card_replica(&moved), a);
        let stopping = ReplicaView { state: ReplicaState::Stopping, ..a.clone() };
        assert!(!drawn_alike(&a, &stopping));
        let failing = ReplicaView { consecutive_health_failures: 1, ..a.clone() };
        assert!(!drawn_alike(&a, &failing));
        // Load: drawn by the load layer, so no card is redrawn when it moves.
        let busy = ReplicaView { ongoing: Some(3.21), ..a.clone() };
        assert!(drawn_alike(&busy, &ReplicaView { ongoing: Some(4.9), ..a.clone() }));
        assert_eq!(card_replica(&busy).ongoing, None);
    }

    #[test]
    fn a_card_gets_only_the_highlighted_ids_it_draws_so_a_hover_redraws_only_its_gang_s_cards() {
        let scenario = crate::app::presets::preset_by_id("big-cluster").unwrap().scenario().unwrap();
        let mut session = crate::app::session::Session::new(scenario);
        session.advance_to(SimTime::from_secs_f64(20.0));
        let snap = session.snapshot();
        let scene = layout(&snap, 8, &mut LayoutMemory::default(), 0.0);
        let r = snap.replicas.iter().find(|r| r.node.is_some() && r.gang_context.is_some()).unwrap();
        let gang = r.gang_context.as_ref().unwrap().gang_id.clone();
        // What a hover on `r` lights: itself, its gang and its group.
        let hl: BTreeSet<String> = [r.id.clone(), gang.clone(), r.pg_name.clone().unwrap()].into();
        let gang_nodes: BTreeSet<&str> = snap
            .replicas
            .iter()
            .filter(|m| m.gang_context.as_ref().is_some_and(|g| g.gang_id == gang))
            .filter_map(|m| m.node.as_deref())
            .collect();
        let none = BTreeSet::new();
        let mut lit = 0;
        for (n, l) in snap.nodes.iter().zip(&scene.nodes) {
            let live: Vec<&ReplicaView> = snap.replicas.iter().filter(|r| r.node.as_ref() == Some(&n.id)).collect();
            let mine = card_highlight(n, l, &live, &hl);
            assert_eq!(mine.is_empty(), !gang_nodes.contains(n.id.as_str()), "{}: {mine:?}", n.id);
            assert!(mine.iter().all(|id| hl.contains(id)));
            if mine.is_empty() {
                // Another node's card gets the one shared empty set, as with no highlight at all: equal props.
                assert!(Rc::ptr_eq(&mine, &card_highlight(n, l, &live, &none)));
            } else {
                lit += 1;
            }
        }
        assert!(lit >= 1 && lit < snap.nodes.len() / 4, "{lit} of {} cards change on this hover", snap.nodes.len());
    }

    #[test]
    fn links_join_members_in_rank_order_and_mark_teardowns() {
        let rs = vec![
            member("b", "g1", 1, ReplicaState::Stopping),
            member("a", "g1", 0, ReplicaState::Stopping),
            member("c", "g2", 0, ReplicaState::Running),
            member("d", "g2", 1, ReplicaState::Running),
        ];
        let centres: BTreeMap<String, (f64, f64)> =
            [("a", (10.0, 10.0)), ("b", (100.0, 10.0)), ("c", (10.0, 200.0)), ("d", (300.0, 400.0))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let teardowns: BTreeMap<String, Teardown> = [(
            "g1".to_string(),
            Teardown { seq: 42, cause: TeardownCause::ActorCrashed, failed_member: Some("a".into()) },
        )]
        .into_iter()
        .collect();
        let links = gang_links(&rs, &centres, &teardowns);
        assert_eq!(links.len(), 2);
        assert!(
            links[0].path.starts_with(&format!("M10.0 {:.1}", 10.0 - TOKEN_R - 3.0)),
            "rank 0 first: {}",
            links[0].path
        );
        assert_eq!(links[0].torn, Some(42));
        assert_eq!(links[1].torn, None);
    }

    #[test]
    fn overlapping_labels_are_moved_apart() {
        let mut l = vec![(100.0, 50.0, 100.0), (110.0, 50.0, 100.0), (400.0, 50.0, 100.0), (10.0, 300.0, 100.0)];
        separate_labels(&mut l, 600.0);
        assert_eq!(l[0].1, 50.0);
        assert_eq!(l[1].1, 29.0, "moved up first");
        assert_eq!(l[2].1, 50.0, "a label with room stays put");
        assert_eq!(l[3].0, 52.0, "a label is kept inside the scene");
    }
}
