//! The cluster as one SVG: node cards in responsive rows, and gang links across them.
use crate::app::gang_lineage::GangLineage;
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::{ReplicaView, Snapshot};
use crate::model::time::{SimDuration, SimTime};
use crate::ui::layout::{
    CARD_W, GAP, Lingering, MAX_SCALE, NodeLayout, PAD, SceneLayout, TOKEN_CX, TOKEN_CY, TOKEN_R, choose_columns,
    columns_for_width, layout_with, same_layout_inputs,
};
use crate::ui::node_card::{NodeCard, card_frame};
use crate::ui::palette::short_id;
use crate::ui::state::{Target, Teardown};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
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
    // ===== picture (issue 14)
    /// The clock (the snapshot may be older): ghosts, teardown pills and replacement links last a span of
    /// simulated time. Without it, the snapshot's time.
    #[prop_or_default]
    pub now: Option<SimTime>,
    /// Which gang replaced which, and the leaked groups removed (`app::gang_lineage`).
    #[prop_or_default]
    pub lineage: Rc<GangLineage>,
    /// `health_check_failure_threshold`, for the tokens' health counters ("2/3").
    #[prop_or(3)]
    pub health_threshold: u32,
    // ===== end picture
}

/// The simulated clock, given by [`ClusterView`] to its overlay only: the overlay redraws as the clock runs, the
/// cluster only when the snapshot changes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimClock(pub SimTime);

/// Given by the app (a context, so the props stay as they were) while playing: the cluster view then spreads the
/// redrawing of many changed cards over frames ([`CARD_WORK_PER_FRAME`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progressive(pub bool);

type Point = (f64, f64);
type RankedPoints = Vec<(u32, Point)>;
/// A gang member drawn in a card: rank, where its link attaches, state.
type Member = (u32, Point, ReplicaState);
/// A gang member's rank, centre and node (where a replacement's link starts or ends).
type NodeMember<'a> = (u32, Point, Option<&'a String>);

/// A link between the members of one gang, in rank order.
#[derive(Clone, Debug, PartialEq)]
pub struct GangLink {
    pub gang_id: String,
    pub path: String,
    pub label_at: (f64, f64),
    pub torn: Option<u64>,
    /// No member knows its gang yet (RECOVERING after a controller restart: Ray gives a recovered replica its gang
    /// context once it is re-attached): the gang is read from the bundles they sit in, and its label says so.
    pub recovering: bool,
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

/// How much larger a gang label (11 units on the page) is drawn in presenter mode.
pub fn gang_label_scale(presenting: bool) -> f64 {
    crate::ui::layout::text_widening(presenting, 11.0)
}

/// A teardown pill's lines, width and scale for `max_w`: on the page [`crate::ui::palette::wrap_pill`] (one line
/// of 11 units, else two of 9.5); in presenter mode the same at 12 units (a one-line pill 12/11 as wide, two lines
/// 12/9.5), so that its type is as large as the rest.
pub fn pill_lines(text: &str, max_w: f64, presenting: bool) -> (Vec<String>, f64, f64) {
    if !presenting {
        let (lines, w) = crate::ui::palette::wrap_pill(text, max_w);
        return (lines, w, 1.0);
    }
    let one = gang_label_scale(true);
    let (lines, w) = crate::ui::palette::wrap_pill(text, max_w / one);
    if lines.len() == 1 {
        return (lines, w * one, one);
    }
    // Projected, a cut cause cannot be hovered for its title: as many lines of 12 units as it takes, never cut
    // (the pill grows down over its own gang's slot tags).
    let two = crate::ui::layout::text_widening(true, 9.5);
    let room = ((max_w / two - 10.0) / 6.0).floor().max(4.0) as usize;
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(last) if last.chars().count() + 1 + word.chars().count() <= room => {
                last.push(' ');
                last.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (lines, (6.0 * widest as f64 + 10.0) * two, two)
}

/// A teardown pill's height for `lines` lines at `scale` (one line of 11 units, else lines 10 apart).
pub fn pill_height(lines: usize, scale: f64) -> f64 {
    let h = if lines > 1 { 10.0 * lines as f64 + 2.0 } else { 18.0 };
    h * scale
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

/// Replica id → the gang and bundle index of the gang bundle it is drawn in (a replica's gang while its own
/// gang context is not known: RECOVERING).
pub fn bundle_gangs(scene: &SceneLayout) -> BTreeMap<&str, (&str, u32)> {
    let mut out = BTreeMap::new();
    for s in scene.nodes.iter().flat_map(|n| &n.slots) {
        if let (Some(r), Some(b)) = (&s.replica, &s.bundle)
            && let Some(g) = &b.gang_id
        {
            out.insert(r.as_str(), (g.as_str(), b.index as u32));
        }
    }
    out
}

/// Links for every gang with at least two members drawn in cards. A member without a gang context (RECOVERING)
/// joins the gang of the bundle it sits in (`bundle_gangs`), with its bundle index as its rank.
pub fn gang_links(
    replicas: &[ReplicaView],
    centres: &BTreeMap<String, (f64, f64)>,
    teardowns: &BTreeMap<String, Teardown>,
    bundle_gangs: &BTreeMap<&str, (&str, u32)>,
) -> Vec<GangLink> {
    let mut gangs: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for r in replicas {
        let gang = match &r.gang_context {
            Some(g) => {
                known.insert(g.gang_id.as_str());
                Some((g.gang_id.as_str(), g.rank))
            }
            None => bundle_gangs.get(r.id.as_str()).copied(),
        };
        if let (Some((gang, rank)), Some((x, y))) = (gang, centres.get(&r.id)) {
            // Links end just above the token, so they never cover its rank.
            gangs.entry(gang).or_default().push((rank, (*x, y - TOKEN_R - 3.0), r.state));
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
                // Each hop arcs up into the lane above the higher member's row of slots.
                let mut d = format!("M{:.1} {:.1}", pts[0].0, pts[0].1);
                for w in pts.windows(2) {
                    let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                    let apex = y0.min(y1) - LANE_APEX;
                    let (cx, cy) = ((x0 + x1) / 2.0, 2.0 * apex - (y0 + y1) / 2.0);
                    d.push_str(&format!(" Q{cx:.1} {cy:.1} {x1:.1} {y1:.1}"));
                }
                (d, label_place(&pts))
            }
        };
        let recovering = !known.contains(gang_id);
        out.push(GangLink { gang_id: gang_id.to_string(), path, label_at, torn, recovering });
    }
    out
}

/// Where a gang's label goes: in the lane above its first member's row, centred over the members in that row of
/// that card (so a SPREAD gang's label sits over its own members, never over another card).
pub fn label_place(pts: &[Point]) -> Point {
    let (x0, y0) = pts[0];
    let card = |x: f64| ((x - GAP) / (CARD_W + GAP)).floor();
    let row: Vec<f64> = pts.iter().filter(|p| p.1 == y0 && card(p.0) == card(x0)).map(|p| p.0).collect();
    (row.iter().sum::<f64>() / row.len() as f64, y0 - LANE_APEX)
}

// ===== picture (issue 14): ghosts, pills and links last a span of simulated time.
/// How long a replica that left the snapshot stays drawn (it flashes, then fades), in simulated time: stopped
/// replicas leave within a tick, far too quick at 1× to see a gang go down together.
pub const GHOST_SPAN: SimDuration = SimDuration(2_500_000);
/// A jump of the clock longer than this (a seek) clears the ghosts and draws none for what left meanwhile; a
/// shorter one (a "Next event" step over a quiet stretch) still shows what left in it.
pub const GHOST_JUMP: SimDuration = SimDuration(10_000_000);
/// How long the link from a torn-down gang's place to its replacement is drawn after the replacement is reserved.
pub const REPLACE_SPAN: SimDuration = SimDuration(4_000_000);
const MAX_GHOSTS: usize = 64;

/// A replica that just left, drawn where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub replica: ReplicaView,
    pub at: (f64, f64),
    /// When it left (simulated time).
    pub born: SimTime,
    /// The teardown event of its gang, if a teardown took it.
    pub torn: Option<u64>,
    /// Its card and where in it: drawn there if the cards move meanwhile (a card that emptied reflows the rows).
    pub card: Option<(String, Point)>,
    /// Its node, slot key and grid position: kept free while it fades ([`crate::ui::layout::Lingering`]).
    pub slot: Option<(String, String, usize)>,
}

/// A node card and a point relative to it.
type CardPlace = (String, Point);

/// Where something remembered at `at` in card `card` is drawn in `scene`: at the same place in its card.
fn placed(card: &Option<(String, Point)>, at: Point, scene: &SceneLayout) -> Point {
    match card.as_ref().and_then(|(id, off)| scene.nodes.iter().find(|n| &n.node_id == id).map(|n| (n, off))) {
        Some((n, (dx, dy))) => (n.x + dx, n.y + dy),
        None => at,
    }
}

/// The card holding node `node` in `scene`, and `at` relative to it.
fn card_of(node: Option<&String>, at: Point, scene: &SceneLayout) -> Option<(String, Point)> {
    let n = scene.nodes.iter().find(|n| Some(&n.node_id) == node)?;
    Some((n.node_id.clone(), (at.0 - n.x, at.1 - n.y)))
}

/// A bundle slot whose placement group went (for the leak mark), drawn where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct GoneSlot {
    pub pg_name: String,
    /// Top-left corner in the scene.
    pub at: (f64, f64),
    pub born: SimTime,
    pub card: Option<(String, Point)>,
}

#[derive(Default)]
struct GhostMemory {
    /// The scene drawn last time, and where its replicas were.
    last: Option<(Rc<Snapshot>, Rc<SceneLayout>)>,
    ghosts: Vec<Ghost>,
    gone_slots: Vec<GoneSlot>,
    /// Gang → the centre of its members when last drawn (and in which card), and when (for replacement links).
    places: BTreeMap<String, (Point, Option<CardPlace>, SimTime)>,
}

/// The node, slot key and grid position of the slot drawing replica `id` in `scene`.
fn slot_of(id: &str, scene: &SceneLayout) -> Option<(String, String, usize)> {
    scene.nodes.iter().find_map(|n| {
        let s = n.slots.iter().find(|s| s.replica.as_deref() == Some(id))?;
        Some((n.node_id.clone(), s.key.clone(), s.pos))
    })
}

impl GhostMemory {
    /// The slots the ghosts drawn with `snap` fade in (those of earlier frames still fading, and those of the
    /// replicas leaving now): the layout keeps them free. Nothing after a seek or a jump, like the ghosts.
    /// `now` is the clock (the snapshot can be older: it is replaced only when something changes). Also returns
    /// when the first of those slots is due to be freed.
    fn lingering(&self, snap: &Rc<Snapshot>, now: SimTime) -> (Lingering, Option<SimTime>) {
        let mut out = Lingering::new();
        let Some((last, last_scene)) = &self.last else { return (out, None) };
        if snap.t < last.t || snap.t.since(last.t) > GHOST_JUMP {
            return (out, None);
        }
        let mut due: Option<SimTime> = None;
        let present: BTreeSet<&str> = snap.replicas.iter().map(|r| r.id.as_str()).collect();
        let mut hold = |(node, key, pos): (String, String, usize)| {
            out.entry(node).or_default().insert(key, pos);
        };
        let mut until = |t: SimTime| due = Some(due.map_or(t, |d| d.min(t)));
        for g in self.ghosts.iter().filter(|g| now < g.born || now.since(g.born) < GHOST_SPAN) {
            if let Some(slot) = g.slot.clone().filter(|_| !present.contains(g.replica.id.as_str())) {
                hold(slot);
                until(g.born.plus(GHOST_SPAN));
            }
        }
        if !Rc::ptr_eq(last, snap) && now.since(snap.t) < GHOST_SPAN {
            for r in last.replicas.iter().filter(|r| !present.contains(r.id.as_str())) {
                if let Some(slot) = slot_of(&r.id, last_scene) {
                    hold(slot);
                    until(snap.t.plus(GHOST_SPAN));
                }
            }
        }
        (out, due)
    }

    /// Compare with the previous render: replicas that vanished become ghosts, groups that vanished leave their
    /// slots; old ones expire (simulated time).
    fn update(&mut self, snap: &Rc<Snapshot>, scene: Rc<SceneLayout>, teardowns: &BTreeMap<String, Teardown>) {
        let present: BTreeSet<&str> = snap.replicas.iter().map(|r| r.id.as_str()).collect();
        let now = snap.t;
        match &self.last {
            // Time went back (reset, a seek, another scenario) or jumped: nothing vanished, everything is new.
            Some((last, _)) if now < last.t || now.since(last.t) > GHOST_JUMP => {
                self.ghosts.clear();
                self.gone_slots.clear();
                self.places.clear();
            }
            Some((last, last_scene)) if !Rc::ptr_eq(last, snap) => {
                for r in last.replicas.iter().filter(|r| !present.contains(r.id.as_str())) {
                    if let Some(at) = last_scene.replica_centres.get(&r.id) {
                        let torn = r.gang_context.as_ref().and_then(|g| teardowns.get(&g.gang_id)).map(|t| t.seq);
                        let card = card_of(r.node.as_ref(), *at, last_scene);
                        let slot = slot_of(&r.id, last_scene);
                        self.ghosts.push(Ghost { replica: r.clone(), at: *at, born: now, torn, card, slot });
                    }
                }
                if !Rc::ptr_eq(last_scene, &scene) {
                    let groups: BTreeSet<&str> = snap
                        .placement_groups
                        .iter()
                        .filter(|p| p.state != crate::model::placement::PlacementGroupState::Removed)
                        .map(|p| p.name.as_str())
                        .collect();
                    for n in &last_scene.nodes {
                        for s in &n.slots {
                            if let Some(b) = s.bundle.as_ref().filter(|b| !groups.contains(b.pg_name.as_str())) {
                                let at = (n.x + s.x, n.y + s.y);
                                let card = Some((n.node_id.clone(), (s.x, s.y)));
                                self.gone_slots.push(GoneSlot { pg_name: b.pg_name.clone(), at, born: now, card });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        let fresh = |born: SimTime| now.since(born) < GHOST_SPAN;
        self.ghosts.retain(|g| fresh(g.born) && !present.contains(g.replica.id.as_str()));
        if self.ghosts.len() > MAX_GHOSTS {
            self.ghosts.drain(..self.ghosts.len() - MAX_GHOSTS);
        }
        self.gone_slots.retain(|g| fresh(g.born));
        // A gang's place: the middle of its lowest-ranked member's row-mates in that card (a SPREAD gang's mean
        // could fall in a third card).
        let mut members: BTreeMap<&str, Vec<NodeMember>> = BTreeMap::new();
        for r in &snap.replicas {
            if let (Some(g), Some(&at)) = (&r.gang_context, scene.replica_centres.get(&r.id)) {
                members.entry(g.gang_id.as_str()).or_default().push((g.rank, at, r.node.as_ref()));
            }
        }
        for (g, ms) in members {
            let Some(&(_, first, node)) = ms.iter().min_by_key(|m| m.0) else { continue };
            let row: Vec<f64> = ms.iter().filter(|m| m.2 == node && m.1.1 == first.1).map(|m| m.1.0).collect();
            let at = (row.iter().sum::<f64>() / row.len() as f64, first.1);
            self.places.insert(g.to_string(), (at, card_of(node, at, &scene), now));
        }
        self.places.retain(|_, (_, _, seen)| now.since(*seen) < REPLACE_SPAN);
        self.last = Some((snap.clone(), scene));
    }
}
// ===== end picture

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
    area: Area,
    lingering: Lingering,
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
        check(&format!("{}/{}", r.app, r.deployment));
        if let Some(g) = &r.gang_context {
            check(&g.gang_id);
        }
    }
    match mine {
        Some(m) => Rc::new(m),
        None => EMPTY_SET.with(Rc::clone),
    }
}

/// The browser's `ResizeObserver` (not among the web-sys features the project enables; two methods are enough).
mod resize {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type ResizeObserver;
        #[wasm_bindgen(constructor)]
        pub fn new(callback: &Closure<dyn FnMut()>) -> ResizeObserver;
        #[wasm_bindgen(method)]
        pub fn observe(this: &ResizeObserver, target: &web_sys::Element);
        #[wasm_bindgen(method)]
        pub fn disconnect(this: &ResizeObserver);
    }
}

/// The area the cluster may fill, in CSS pixels, and whether it is presenter mode's pane (drawn as large as it
/// allows, with no zoom cap).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Area {
    w: f64,
    h: f64,
    presenting: bool,
}

/// Measures `el`: its width, and in presenter mode its own height (a flex item sized by the pane: beside the
/// lesson card, above the pending tray and the timeline); elsewhere the window's height below its top.
fn measure_area(el: &web_sys::Element) -> Area {
    let w = el.client_width() as f64;
    let presenting = el.closest(".app.presenter").ok().flatten().is_some();
    if presenting {
        return Area { w, h: el.client_height() as f64, presenting };
    }
    // Two runs side by side (a comparison, a recording beside the model): columns by width alone, so both sides,
    // equally wide and with the same nodes, draw at one scale (their heights differ by a ghost row or a title line,
    // which tipped one side to another column count).
    if el.closest(".compare-pair").ok().flatten().is_some() {
        return Area { w, h: 0.0, presenting };
    }
    let window_h = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let top =
        el.get_bounding_client_rect().top() + web_sys::window().map(|w| w.scroll_y().unwrap_or(0.0)).unwrap_or(0.0);
    let h = (window_h - top.min(window_h * 0.4) - 16.0).max(window_h * 0.5);
    Area { w, h, presenting }
}

// ===== picture (issue 14): the overlay (ghosts, teardown pills, replacement links, leak marks).
/// Gang → its app, for the gangs whose deployment name is used by more than one app (their labels name the app).
pub fn ambiguous_apps(replicas: &[ReplicaView]) -> BTreeMap<&str, &str> {
    let mut apps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in replicas {
        apps.entry(r.deployment.as_str()).or_default().insert(r.app.as_str());
    }
    replicas
        .iter()
        .filter(|r| apps.get(r.deployment.as_str()).is_some_and(|a| a.len() > 1))
        .filter_map(|r| r.gang_context.as_ref().map(|g| (g.gang_id.as_str(), r.app.as_str())))
        .collect()
}

/// A card's teardown pill: inside the card, in the lane above the torn-down gang's row, never over the bars.
#[derive(Clone, Debug, PartialEq)]
pub struct Pill {
    pub card: String,
    pub gangs: Vec<String>,
    /// The (first) teardown event, selected by a click.
    pub seq: u64,
    /// One line, or two smaller ones when the lane is shared with other gangs' labels.
    pub lines: Vec<String>,
    /// Everything, for the tooltip and screen readers.
    pub full: String,
    /// Centre and width.
    pub x: f64,
    pub y: f64,
    pub w: f64,
    /// When its gangs' last members left (`None`: some are still stopping).
    pub born: Option<SimTime>,
    /// How much larger than the page's its type and height are (presenter mode, `layout::text_widening`).
    pub scale: f64,
}

/// A link from a retired gang's place to the gang reserved in its place.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaceArc {
    pub new: String,
    pub old: String,
    pub from: Point,
    pub to: Point,
    /// The link drawn between them, and where it starts and ends ([`replace_path`]).
    pub path: (String, Point, Point),
    pub at: SimTime,
    pub hue: Option<u8>,
    pub label: String,
    /// The label's centre: beside the new gang's label in its lane where nothing else is, else in the old gang's
    /// lane, else over the new gang's slot tags ([`place_overlay_labels`]).
    pub label_at: Option<Point>,
    /// The label is in the gap between card rows: drawn as tall as the gap allows.
    pub label_in_gap: bool,
}

/// A label the overlay draws: its centre and text.
pub type OverlayLabel = (Point, &'static str);

/// What the overlay draws; each thing knows its moment, and the overlay drops it when the clock is past it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverlayScene {
    /// Members of a gang being torn down: (replica, centre, hue, the failed member).
    pub flashes: Vec<(String, Point, Option<u8>, bool)>,
    pub ghosts: Vec<(Ghost, Option<u8>, bool)>,
    /// Torn-down gangs' links between their ghosts: gang, path, born.
    pub ghost_links: Vec<(String, String, SimTime)>,
    pub pills: Vec<Pill>,
    pub arcs: Vec<ReplaceArc>,
    /// Slots of leaked placement groups removed: PG, slot corners, born, and its label (centre, text): in the lane
    /// where it has room, else over its slots ([`place_overlay_labels`]).
    pub leaks: Vec<(String, Vec<Point>, SimTime, Option<OverlayLabel>)>,
}

/// A gang being torn down: id, teardown event, where its label goes, when its last members left (if they did).
type TornGang<'a> = (&'a str, u64, Point, Option<SimTime>);

/// The card (id, left, top, height) that holds point `p`.
fn card_at(scene: &SceneLayout, p: Point) -> Option<&NodeLayout> {
    scene.nodes.iter().find(|n| p.0 >= n.x && p.0 <= n.x + CARD_W && p.1 >= n.y && p.1 <= n.y + n.h)
}

/// "r1" for a member still drawn (live or ghost), else its short id.
fn member_words(id: &str, snap: &Snapshot, ghosts: &[Ghost]) -> String {
    snap.replicas
        .iter()
        .chain(ghosts.iter().map(|g| &g.replica))
        .find(|r| r.id == id)
        .and_then(|r| r.gang_context.as_ref())
        .map(|g| format!("r{}", g.rank))
        .unwrap_or_else(|| short_id(id, 4).to_string())
}

fn overlay_scene(
    snap: &Snapshot,
    scene: &SceneLayout,
    memory: &GhostMemory,
    props: &ClusterViewProps,
    links: &[GangLink],
    presenting: bool,
) -> OverlayScene {
    let hue = |g: &str| props.gang_hues.get(g).copied();
    let failed = |r: &ReplicaView| {
        r.gang_context
            .as_ref()
            .and_then(|g| props.teardowns.get(&g.gang_id))
            .is_some_and(|t| t.failed_member.as_deref() == Some(r.id.as_str()))
    };
    let centres = &scene.replica_centres;
    let flashes = snap
        .replicas
        .iter()
        .filter(|r| r.state == ReplicaState::Stopping)
        .filter_map(|r| {
            let g = r.gang_context.as_ref()?;
            props.teardowns.get(&g.gang_id)?;
            Some((r.id.clone(), *centres.get(&r.id)?, hue(&g.gang_id), failed(r)))
        })
        .collect();
    // Ghosts stay at their place in their card, wherever the card is now.
    let ghost_list: Vec<Ghost> =
        memory.ghosts.iter().map(|g| Ghost { at: placed(&g.card, g.at, scene), ..g.clone() }).collect();
    let ghosts: Vec<(Ghost, Option<u8>, bool)> = ghost_list
        .iter()
        .map(|g| (g.clone(), g.replica.gang_context.as_ref().and_then(|c| hue(&c.gang_id)), failed(&g.replica)))
        .collect();
    // Torn-down gangs: those still stopping (their link), then those gone (their ghosts).
    let live: BTreeSet<&str> = links.iter().map(|l| l.gang_id.as_str()).collect();
    let mut torn: BTreeMap<&str, (u64, Point, Option<SimTime>)> = BTreeMap::new();
    for l in links {
        if let Some(seq) = l.torn {
            torn.insert(&l.gang_id, (seq, l.label_at, None));
        }
    }
    let mut gone: BTreeMap<&str, (u64, RankedPoints, SimTime)> = BTreeMap::new();
    for g in &ghost_list {
        if let (Some(seq), Some(c)) = (g.torn, &g.replica.gang_context)
            && !live.contains(c.gang_id.as_str())
        {
            let e = gone.entry(c.gang_id.as_str()).or_insert((seq, Vec::new(), g.born));
            e.1.push((c.rank, g.at));
            e.2 = e.2.max(g.born);
        }
    }
    let mut ghost_links = Vec::new();
    for (gang, (seq, members, born)) in &mut gone {
        members.sort_by_key(|m| m.0);
        let pts: Vec<Point> = members.iter().map(|m| m.1).collect();
        if pts.len() > 1 {
            let mut d = format!("M{:.1} {:.1}", pts[0].0, pts[0].1);
            for p in &pts[1..] {
                d.push_str(&format!(" L{:.1} {:.1}", p.0, p.1));
            }
            ghost_links.push((gang.to_string(), d, *born));
        }
        let at = label_place(&pts.iter().map(|p| (p.0, p.1 - TOKEN_R - 3.0)).collect::<Vec<_>>());
        torn.entry(gang).or_insert((*seq, at, Some(*born)));
    }
    // One pill per card and lane: one gang's cause, or how many went.
    let mut by_card: BTreeMap<(String, i64), Vec<TornGang>> = BTreeMap::new();
    for (gang, (seq, at, born)) in torn {
        if let Some(card) = card_at(scene, at) {
            by_card.entry((card.node_id.clone(), at.1.round() as i64)).or_default().push((gang, seq, at, born));
        }
    }
    let pills = by_card
        .into_iter()
        .filter_map(|((card_id, _), gangs)| {
            let card = scene.nodes.iter().find(|n| n.node_id == card_id)?;
            let causes: Vec<String> = gangs
                .iter()
                .map(|(g, ..)| {
                    let t = &props.teardowns[*g];
                    let who = t.failed_member.as_deref().map(|m| member_words(m, snap, &ghost_list));
                    crate::ui::palette::teardown_words(t.cause, who.as_deref())
                })
                .collect();
            let text = crate::ui::palette::teardown_pill_text(&causes);
            let full = gangs
                .iter()
                .zip(&causes)
                .map(|((g, ..), c)| format!("gang {g} torn down (RESTART_GANG): {c}"))
                .collect::<Vec<_>>()
                .join("; ");
            let want = if gangs.len() == 1 { gangs[0].2.0 } else { card.x + CARD_W / 2.0 };
            let y = gangs[0].2.1;
            // The room in the card's lane between the labels of the other gangs there (they keep their place).
            let (mut lo, mut hi) = (card.x + PAD, card.x + CARD_W - PAD);
            for l in links.iter().filter(|l| l.torn.is_none() && (l.label_at.1 - y).abs() < 1.0) {
                let half = label_width(&format!("gang {}", l.gang_id)) * gang_label_scale(presenting) / 2.0 + 3.0;
                if l.label_at.0 >= want && l.label_at.0 - half < hi && l.label_at.0 - half > lo {
                    hi = l.label_at.0 - half;
                } else if l.label_at.0 < want && l.label_at.0 + half > lo && l.label_at.0 + half < hi {
                    lo = l.label_at.0 + half;
                }
            }
            let (lines, w, scale) = pill_lines(&text, (hi - lo).max(crate::ui::layout::SLOT_W), presenting);
            let x = want.clamp(lo + w / 2.0, (hi - w / 2.0).max(lo + w / 2.0));
            // Never past the card's edges (with other gangs' labels in the lane, `lo` may be near its right edge).
            let x = x.clamp(card.x + PAD + w / 2.0, (card.x + CARD_W - PAD - w / 2.0).max(card.x + PAD + w / 2.0));
            let born = if gangs.iter().any(|g| g.3.is_none()) { None } else { gangs.iter().filter_map(|g| g.3).max() };
            Some(Pill {
                card: card_id,
                gangs: gangs.iter().map(|g| g.0.to_string()).collect(),
                seq: gangs[0].1,
                lines,
                full,
                x,
                y,
                w,
                born,
                scale,
            })
        })
        .collect();
    let arcs = props
        .lineage
        .replacements()
        .iter()
        .filter(|(_, r)| snap.t >= r.at && snap.t.since(r.at) < REPLACE_SPAN)
        .filter_map(|(new, r)| {
            let (from, from_card, _) = memory.places.get(&r.old)?;
            let (to, to_card, _) = memory.places.get(new)?;
            Some((new, r, placed(from_card, *from, scene), placed(to_card, *to, scene)))
        })
        .enumerate()
        .map(|(i, (new, r, from, to))| {
            // Links drawn at once run side by side where they share a gap.
            let off = [0.0, -5.0, 5.0][i % 3];
            ReplaceArc {
                new: new.clone(),
                old: r.old.clone(),
                path: replace_path(from, to, scene, off),
                from,
                to,
                at: r.at,
                hue: hue(new),
                label: format!("replaces {}", short_id(&r.old, 4)),
                label_at: None,
                label_in_gap: false,
            }
        })
        .collect();
    let mut leaks: BTreeMap<&str, (Vec<Point>, SimTime)> = BTreeMap::new();
    for s in &memory.gone_slots {
        if props.lineage.leaks().contains_key(&s.pg_name) {
            let e = leaks.entry(s.pg_name.as_str()).or_insert((Vec::new(), s.born));
            e.0.push(placed(&s.card, s.at, scene));
        }
    }
    let leaks = leaks.into_iter().map(|(pg, (pts, born))| (pg.to_string(), pts, born, None)).collect();
    OverlayScene { flashes, ghosts, ghost_links, pills, arcs, leaks }
}

/// The link from a retired gang's place (`from`, a token's centre) to its replacement's (`to`): from the top of
/// the old gang's lane up into the gap above its card, along the gaps between the cards
/// ([`crate::ui::layout::gutter_route`]) and down onto the top of the new gang's label, so that it passes over no
/// third card and over no gang's label, token or slot tag (in one card too, where a curve between them would).
/// Outside any card (not drawn in one), a curve.
pub fn replace_path(from: Point, to: Point, scene: &SceneLayout, off: f64) -> (String, Point, Point) {
    let lane_top = |p: Point| (p.0, p.1 - TOKEN_CY - crate::ui::layout::LANE_H);
    match (card_at(scene, from), card_at(scene, to)) {
        (Some(a), Some(b)) => {
            let (s, e) = (lane_top(from), lane_top(to));
            (crate::ui::layout::rounded_path(&crate::ui::layout::gutter_route(s, a, e, b, off), 8.0), s, e)
        }
        _ => {
            let ((fx, fy), (tx, ty)) = (from, to);
            // The curve's top reaches the lane above the slots (a quadratic's apex is half way to its control point).
            let lift = 2.0 * (TOKEN_CY + crate::ui::layout::LANE_H / 2.0 - 6.0);
            let (mx, my) = ((fx + tx) / 2.0, fy.min(ty) - lift);
            (format!("M{fx:.1} {fy:.1} Q{mx:.1} {my:.1} {tx:.1} {ty:.1}"), from, to)
        }
    }
}

/// Where a label `w` wide goes in a lane from `lo` to `hi`: the centre nearest `want` where it overlaps none of the
/// `taken` spans (left, right) with `gap` between; `None` when there is no such place.
pub fn free_spot(want: f64, w: f64, (lo, hi): (f64, f64), taken: &[(f64, f64)], gap: f64) -> Option<f64> {
    if hi - lo < w {
        return None;
    }
    let clamp = |x: f64| x.clamp(lo + w / 2.0, hi - w / 2.0);
    let fits = |x: f64| taken.iter().all(|&(a, b)| x + w / 2.0 + gap <= a || x - w / 2.0 - gap >= b);
    std::iter::once(clamp(want))
        .chain(taken.iter().flat_map(|&(a, b)| [clamp(a - gap - w / 2.0), clamp(b + gap + w / 2.0)]))
        .filter(|&x| fits(x))
        .min_by(|x, y| (x - want).abs().total_cmp(&(y - want).abs()))
}

/// What sits in a lane: its centre y and span (left, right).
pub type LaneSpan = (f64, f64, f64);

/// The overlay's own labels ("replaces …", "leaked PG removed") in the lanes, clear of what is already there (gang
/// labels and teardown pills, `taken`) and of each other, inside their card; a label with no room in a lane goes
/// over the top of its own slots. `k`: how much larger presenter mode draws their type.
pub fn place_overlay_labels(o: &mut OverlayScene, scene: &SceneLayout, taken: &[LaneSpan], k: f64) {
    let mut taken = taken.to_vec();
    let lane_of = |x: f64, y: f64| match card_at(scene, (x, y)) {
        Some(c) => (c.x + PAD, c.x + CARD_W - PAD),
        None => (0.0, scene.width),
    };
    let place = |want: (f64, f64), text: &str, taken: &mut Vec<LaneSpan>| {
        let w = label_width(text) * k;
        let here: Vec<(f64, f64)> =
            taken.iter().filter(|t| (t.0 - want.1).abs() < 16.0 * k).map(|t| (t.1, t.2)).collect();
        let x = free_spot(want.0, w, lane_of(want.0, want.1 + crate::ui::layout::LANE_H), &here, 3.0)?;
        taken.push((want.1, x - w / 2.0, x + w / 2.0));
        Some((x, want.1))
    };
    for leak in &mut o.leaks {
        let Some(&(_, y0)) = leak.1.first() else { continue };
        let row: Vec<f64> = leak.1.iter().filter(|p| p.1 == y0).map(|p| p.0).collect();
        let want = (
            row.iter().sum::<f64>() / row.len() as f64 + crate::ui::layout::SLOT_W / 2.0,
            y0 - crate::ui::layout::LANE_H / 2.0,
        );
        // With no room in the lane, over the top of its own slots (their tags are gone; the ghosts sit lower).
        leak.3 = ["leaked PG removed", "leaked PG"]
            .into_iter()
            .find_map(|text| place(want, text, &mut taken).map(|at| (at, text)))
            .or(Some(((want.0, y0 + 10.0), "leaked PG")));
    }
    // A replacement's label: in the new gang's lane, else in the old gang's; with no room in either, in the gap
    // above the new gang's card (or below it), over no card; only with none of those free (several replacements
    // at once into one card), over the new gang's own slot tags, so that the story is always told.
    let lane_above = |p: Point| (p.0, p.1 - TOKEN_CY - crate::ui::layout::LANE_H / 2.0);
    let mut in_gaps: Vec<LaneSpan> = Vec::new();
    for a in &mut o.arcs {
        a.label_in_gap = false;
        a.label_at =
            place(lane_above(a.to), &a.label, &mut taken).or_else(|| place(lane_above(a.from), &a.label, &mut taken));
        if a.label_at.is_none()
            && let Some(card) = card_at(scene, a.to)
        {
            let w = label_width(&a.label) * k;
            let lane = (card.x + PAD, card.x + CARD_W - PAD);
            a.label_at = [card.y - GAP / 2.0, card.y + card.h + GAP / 2.0].into_iter().find_map(|y| {
                let here: Vec<(f64, f64)> =
                    in_gaps.iter().filter(|t| (t.0 - y).abs() < 1.0).map(|t| (t.1, t.2)).collect();
                let x = free_spot(a.to.0, w, lane, &here, 3.0)?;
                in_gaps.push((y, x - w / 2.0, x + w / 2.0));
                Some((x, y))
            });
            a.label_in_gap = a.label_at.is_some();
        }
        a.label_at = a.label_at.or(Some((a.to.0, a.to.1 - TOKEN_CY + 8.0)));
    }
}

/// How far a thing born at `born` has faded at `now` over `span`: 1 (fresh) for the first 45 %, then down to 0;
/// `None` once it is over.
pub fn fade(born: SimTime, now: SimTime, span: SimDuration) -> Option<f64> {
    if now < born {
        return Some(1.0);
    }
    let age = now.since(born).0 as f64 / span.0.max(1) as f64;
    (age < 1.0).then(|| if age < 0.45 { 1.0 } else { 1.0 - (age - 0.45) / 0.55 })
}

fn ghost_token(
    g: &Ghost,
    hue: Option<u8>,
    failed: bool,
    opacity: f64,
    styles: &crate::ui::cssom::InlineStyles,
) -> Html {
    let r = &g.replica;
    let (x, y) = g.at;
    let (cx, cy, rr) = (TOKEN_CX, TOKEN_CY, TOKEN_R);
    let d = rr * 0.7;
    let graceful = r.graceful_stop == Some(true);
    let body = if r.gang_context.is_some() {
        html! { <circle class="body" cx={cx.to_string()} cy={cy.to_string()} r={rr.to_string()} /> }
    } else {
        html! { <rect class="body" x={(cx - rr).to_string()} y={(cy - rr).to_string()} width={(2.0 * rr).to_string()} height={(2.0 * rr).to_string()} rx="3" /> }
    };
    let cls = classes!(
        "ghost",
        g.torn.is_some().then_some("torn"),
        graceful.then_some("graceful"),
        failed.then_some("failed"),
        hue.map(|h| format!("hue-{h}"))
    );
    html! {
        <g key={format!("ghost-{}", r.id)} class={cls}
            ref={styles.node(format!("transform: translate({:.1}px, {:.1}px); --fade: {opacity:.2}", x - cx, y - cy))}
            data-ghost={r.id.clone()} data-graceful={graceful.then_some("true")}>
            // An opaque backing, so the slot's own text ("reserved") does not show through the ghost.
            <rect class="ghost-backing" x="2" y={(cy - rr - 4.0).to_string()} width={(crate::ui::layout::SLOT_W - 4.0).to_string()} height={(2.0 * rr + 22.0).to_string()} rx="4" />
            { body }
            if graceful {
                { crate::ui::replica_token::drain_icon(cx + rr - 2.0, cy - rr + 2.0) }
            } else {
                <path class="cross" d={format!("M{} {}L{} {}M{} {}L{} {}", cx - d, cy - d, cx + d, cy + d, cx + d, cy - d, cx - d, cy + d)} />
            }
            <text class="state-label" x={cx.to_string()} y={(cy + rr + 13.0).to_string()} text-anchor="middle">
                // The short id is hidden in presenter mode (CSS), as the cards' state labels drop it there.
                { "GONE" }<tspan class="ghost-id">{ format!(" {}", short_id(&r.id, 4)) }</tspan>
            </text>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct ClusterOverlayProps {
    scene: Rc<OverlayScene>,
    viewbox: String,
    calm: bool,
    on_select_event: Callback<u64>,
    /// Presenter mode: larger type (`layout::PRESENTER_TEXT`).
    presenting: bool,
}

/// Over the cluster (same box and coordinates): what lasts a span of simulated time, redrawn as the clock runs.
#[component(ClusterOverlay)]
fn cluster_overlay(props: &ClusterOverlayProps) -> Html {
    let now = use_context::<SimClock>().map(|c| c.0).unwrap_or(SimTime(u64::MAX));
    let styles = crate::ui::cssom::use_inline_styles();
    let o = &props.scene;
    let flashes = o
        .flashes
        .iter()
        .map(|(id, (x, y), hue, failed)| {
            html! {
                <circle key={format!("flash-{id}")} class={classes!("flash", hue.map(|h| format!("hue-{h}")), failed.then_some("failed"))}
                    cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={TOKEN_R.to_string()} data-flash={id.clone()} />
            }
        })
        .collect::<Html>();
    let ghosts = o
        .ghosts
        .iter()
        .filter_map(|(g, hue, failed)| Some(ghost_token(g, *hue, *failed, fade(g.born, now, GHOST_SPAN)?, &styles)))
        .collect::<Html>();
    let ghost_links = o
        .ghost_links
        .iter()
        .filter_map(|(gang, d, born)| {
            let f = fade(*born, now, GHOST_SPAN)?;
            Some(html! { <path key={format!("ghost-link-{gang}")} class="ghost-link" d={d.clone()} ref={styles.node(format!("--fade: {f:.2}"))} /> })
        })
        .collect::<Html>();
    let leaks = o
        .leaks
        .iter()
        .filter_map(|(pg, pts, born, label)| {
            let f = fade(*born, now, GHOST_SPAN)?;
            let k = gang_label_scale(props.presenting);
            // In the lane above the slots, where it has room (`place_overlay_labels`).
            let label = label.map(|((x, y), text)| {
                let w = label_width(text) * k;
                html! {
                    <g class="leak-label" transform={format!("translate({:.1} {:.1})", x - w / 2.0, y - 9.0 * k)}>
                        <rect class="leak-pill" width={w.to_string()} height={(18.0 * k).to_string()} rx={(9.0 * k).to_string()} />
                        <text x={(w / 2.0).to_string()} y={(13.0 * k).to_string()} text-anchor="middle">{ text }</text>
                    </g>
                }
            });
            Some(html! {
                <g key={format!("leak-{pg}")} class="leak-mark" ref={styles.node(format!("--fade: {f:.2}"))} data-leak={pg.clone()}>
                    <title>{ format!("Leaked placement group {pg}, removed by the new controller") }</title>
                    { for pts.iter().map(|(x, y)| html! {
                        <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width={crate::ui::layout::SLOT_W.to_string()}
                            height={crate::ui::layout::SLOT_H.to_string()} rx="5" />
                    }) }
                    { label.unwrap_or_default() }
                </g>
            })
        })
        .collect::<Html>();
    let arcs = o
        .arcs
        .iter()
        .filter(|a| now >= a.at && now.since(a.at) < REPLACE_SPAN)
        .map(|a| {
            // Its ends are on top of the lanes when it runs between cards.
            let (d, (fx, fy), (tx, ty)) = a.path.clone();
            let k = gang_label_scale(props.presenting);
            let w = label_width(&a.label) * k;
            // Where `place_overlay_labels` found room (in a lane beside the gang labels if it can).
            // In the gap between card rows it is as tall as the gap, less a unit each side.
            let h = if a.label_in_gap { GAP - 2.0 } else { 18.0 * k };
            let label = a.label_at.map(|(lx, ly)| {
                html! {
                    <g class="replace-label" transform={format!("translate({:.1} {:.1})", lx - w / 2.0, ly - h / 2.0)}>
                        <rect width={w.to_string()} height={h.to_string()} rx={(h / 2.0).to_string()} />
                        <text x={(w / 2.0).to_string()} y={(h / 2.0 + 4.0 * k).to_string()} text-anchor="middle">{ a.label.clone() }</text>
                    </g>
                }
            });
            html! {
                <g key={format!("arc-{}", a.new)} class={classes!("replace-arc", a.hue.map(|h| format!("hue-{h}")))}
                    data-replaces={a.old.clone()} data-gang={a.new.clone()}>
                    <title>{ format!("Gang {} replaces gang {}", a.new, a.old) }</title>
                    <path class="replace-path" d={d} pathLength="100" />
                    <circle class="replace-from" cx={format!("{fx:.1}")} cy={format!("{fy:.1}")} r="5" />
                    <circle class="replace-to" cx={format!("{tx:.1}")} cy={format!("{ty:.1}")} r="6" />
                    { label.unwrap_or_default() }
                </g>
            }
        })
        .collect::<Html>();
    let pills = o
        .pills
        .iter()
        .filter(|p| p.born.is_none_or(|b| fade(b, now, GHOST_SPAN).is_some()))
        .map(|p| {
            let seq = p.seq;
            let cb = props.on_select_event.clone();
            let cb2 = props.on_select_event.clone();
            let onkeydown = Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    cb2.emit(seq);
                }
            });
            let fade = p.born.and_then(|b| fade(b, now, GHOST_SPAN)).unwrap_or(1.0);
            let h = pill_height(p.lines.len(), p.scale);
            // Centred on its lane; more than two lines grow down from where two would start.
            let top = p.y - h.min(22.0 * p.scale) / 2.0;
            let text = match p.lines.as_slice() {
                [one] => html! { <text x={(p.w / 2.0).to_string()} y={(13.0 * p.scale).to_string()} text-anchor="middle">{ one.clone() }</text> },
                lines => html! {
                    <text class="two-lines" text-anchor="middle">
                        { for lines.iter().enumerate().map(|(i, l)| html! {
                            <tspan x={(p.w / 2.0).to_string()} y={((9.0 + 10.0 * i as f64) * p.scale).to_string()}>{ l.clone() }</tspan>
                        }) }
                    </text>
                },
            };
            html! {
                <g key={format!("pill-{}-{:.0}", p.card, p.y)} class="teardown-pill" role="button" tabindex="0"
                    ref={styles.node(format!("transform: translate({:.1}px, {:.1}px); --fade: {fade:.2}", p.x - p.w / 2.0, top))}
                    aria-label={format!("{}. Show why", p.full)} data-teardown-pill={p.card.clone()} data-gangs={p.gangs.join(" ")}
                    onclick={Callback::from(move |_: MouseEvent| cb.emit(seq))} {onkeydown}>
                    <title>{ p.full.clone() }</title>
                    <rect width={p.w.to_string()} height={h.to_string()} rx="9" />
                    { text }
                </g>
            }
        })
        .collect::<Html>();
    html! {
        <svg class={classes!("cluster-overlay", props.calm.then_some("calm"))} viewBox={props.viewbox.clone()}
            preserveAspectRatio="xMinYMin meet">
            <g class="ghosts" aria-hidden="true"><g class="flashes">{ flashes }</g>{ ghosts }{ ghost_links }{ leaks }{ arcs }</g>
            <g class="teardown-pills">{ pills }</g>
        </svg>
    }
}
// ===== end picture

/// The cluster and, over it, what lasts a while (ghosts, teardown pills, replacement links). The clock goes to the
/// overlay through a context, so a running clock redraws the overlay and not the cluster.
#[component(ClusterView)]
pub fn cluster_view(props: &ClusterViewProps) -> Html {
    let clock = SimClock(props.now.unwrap_or(props.snapshot.t).max(props.snapshot.t));
    // The scene gets the clock only when a slot kept free for a fading ghost is due (the snapshot stays the same
    // while nothing happens, the clock runs on): then it lays the cluster out again without the ghost's slot.
    let due = use_mut_ref(|| None::<SimTime>);
    let ghost_clock = use_mut_ref(|| None::<SimTime>);
    {
        let mut g = ghost_clock.borrow_mut();
        if g.is_some_and(|t| clock.0 < t) {
            *g = None;
        }
        if due.borrow().is_some_and(|d| clock.0 >= d) {
            *g = Some(clock.0);
            *due.borrow_mut() = None;
        }
    }
    let scene = ClusterViewProps { now: *ghost_clock.borrow(), ..props.clone() };
    html! {
        <ContextProvider<SimClock> context={clock}>
            <ClusterScene p={scene} due={due.clone()} />
        </ContextProvider<SimClock>>
    }
}

/// The scene's props: the view's, compared with the snapshot by pointer first (a running clock re-renders the
/// wrapper every frame; comparing a 1,000-replica snapshot with itself field by field each time is waste).
#[derive(Properties, Clone)]
struct SceneProps {
    /// `now` is the clock when the last ghost slot fell due (see [`cluster_view`]), else `None`.
    p: ClusterViewProps,
    /// Written by the scene: when the next slot kept free for a ghost is due (simulated time).
    due: Rc<std::cell::RefCell<Option<SimTime>>>,
}

impl PartialEq for SceneProps {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.p, &other.p);
        (Rc::ptr_eq(&a.snapshot, &b.snapshot) || a.snapshot == b.snapshot)
            && a.highlight == b.highlight
            && a.target == b.target
            && a.gang_hues == b.gang_hues
            && a.teardowns == b.teardowns
            && a.on_target == b.on_target
            && a.on_select_event == b.on_select_event
            && a.now == b.now
            && a.lineage == b.lineage
            && a.health_threshold == b.health_threshold
            && Rc::ptr_eq(&self.due, &other.due)
    }
}

#[component(ClusterScene)]
fn cluster_scene(scene_props: &SceneProps) -> Html {
    let props = &scene_props.p;
    crate::ui::perf::count(crate::ui::perf::Renders::Cluster);
    let started = crate::ui::perf::enabled().then(crate::ui::perf::now_ms);
    let wrapper = use_node_ref();
    let styles = crate::ui::cssom::use_inline_styles();
    // The area the cluster may fill, measured again whenever the window or the pane changes size (entering
    // presenter mode, the lesson card or the pending tray appearing beside or below the drawing).
    let size_px = use_state(Area::default);
    {
        let wrapper = wrapper.clone();
        let size_px = size_px.clone();
        use_effect_with((), move |_| {
            let measure = {
                let wrapper = wrapper.clone();
                let size_px = size_px.clone();
                move || {
                    if let Some(el) = wrapper.cast::<web_sys::Element>() {
                        let a = measure_area(&el);
                        let old = *size_px;
                        if a.w > 0.0
                            && ((a.w - old.w).abs() >= 1.0
                                || (a.h - old.h).abs() >= 1.0
                                || a.presenting != old.presenting)
                        {
                            size_px.set(a);
                        }
                    }
                }
            };
            measure();
            let window = gloo::utils::window();
            let on_window = measure.clone();
            let listener = gloo::events::EventListener::new(window.unchecked_ref(), "resize", move |_| on_window());
            let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(measure);
            let observer = resize::ResizeObserver::new(&callback);
            if let Some(el) = wrapper.cast::<web_sys::Element>() {
                observer.observe(&el);
            }
            move || {
                observer.disconnect();
                drop(callback);
                drop(listener);
            }
        });
    }

    // Issue 14: cards placed before the pane was measured would slide into place on load; transitions start only
    // once the cards stand where they belong.
    let settled = use_state(|| false);
    {
        let settled = settled.clone();
        use_effect_with(size_px.w > 0.0, move |measured| {
            if *measured && !*settled {
                gloo::timers::callback::Timeout::new(60, move || settled.set(true)).forget();
            }
        });
    }
    let snap = &props.snapshot;
    let progressive = use_context::<Progressive>().unwrap_or_default().0;
    // Hover and explain (issue 13): given by the app for its own run only.
    let gestures = use_context::<crate::ui::hover::Gestures>();
    let shown_cards = use_mut_ref(BTreeMap::<String, Rc<CardInput>>::new);
    let redraw = use_state(|| 0u32);
    let pending_frame = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    let layout_cache = use_mut_ref(|| None::<LayoutCache>);
    // ===== picture (issue 14): the ghosts' memory; the slots they fade in are kept free by the layout.
    let memory = use_mut_ref(GhostMemory::default);
    let ghost_now = props.now.unwrap_or(snap.t).max(snap.t);
    let (lingering, due) = memory.borrow().lingering(snap, ghost_now);
    *scene_props.due.borrow_mut() = due;
    let (columns, scene) = {
        let mut cache = layout_cache.borrow_mut();
        let area = *size_px;
        match &*cache {
            // Only states changed (most frames, and the frames of a teardown before its gang leaves): the layout
            // would come out the same, so it is not recomputed.
            Some(c)
                if c.area == area
                    && c.lingering == lingering
                    && (Rc::ptr_eq(&c.snapshot, snap) || same_layout_inputs(&c.snapshot, snap)) =>
            {
                (c.columns, c.scene.clone())
            }
            _ => {
                let first = columns_for_width(area.w, snap.nodes.len());
                let scene = layout_with(snap, first, &lingering);
                let heights: Vec<f64> = scene.nodes.iter().map(|n| n.h).collect();
                let max_scale = if area.presenting { f64::INFINITY } else { MAX_SCALE };
                let columns = choose_columns(area.w, area.h, &heights, max_scale);
                let scene = Rc::new(if columns == first { scene } else { layout_with(snap, columns, &lingering) });
                *cache = Some(LayoutCache { snapshot: snap.clone(), area, lingering, columns, scene: scene.clone() });
                (columns, scene)
            }
        }
    };
    let (scene_w, scene_h) = (scene.width, scene.height);
    let load_gauges = crate::ui::load_layer::gauges(snap, &scene.replica_centres);
    let links = gang_links(&snap.replicas, &scene.replica_centres, &props.teardowns, &bundle_gangs(&scene));
    // ===== picture (issue 14): what the overlay draws, each with its moment; the overlay reads the clock.
    memory.borrow_mut().update(snap, scene.clone(), &props.teardowns);
    let presenting = size_px.presenting;
    let mut overlay = overlay_scene(snap, &scene, &memory.borrow(), props, &links, presenting);
    // ===== end picture
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
                    ref={styles.node(format!("transform: translate({}px, {}px)", l.x, l.y))} />
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
                        health_threshold={props.health_threshold} {presenting}
                        on_target={props.on_target.clone()} gestures={gestures.clone()} />
                };
                card_frame(&n.id, x, y, h.max(c.layout.h), calm, card, &styles)
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
    // A gang's deployment (`app/name`, as a lesson highlights a whole deployment) on its link and label.
    // A RECOVERING member has no gang context yet: its gang is the one of the bundle it sits in (as for its link),
    // so a highlighted deployment lights a recovering gang's label too.
    let in_bundles = bundle_gangs(&scene);
    let deployment_of: BTreeMap<&str, String> = snap
        .replicas
        .iter()
        .filter_map(|r| {
            let gang = match &r.gang_context {
                Some(g) => g.gang_id.as_str(),
                None => in_bundles.get(r.id.as_str())?.0,
            };
            Some((gang, format!("{}/{}", r.app, r.deployment)))
        })
        .collect();
    // And its placement group (a lesson may highlight the reservation): its link and label are lit with it.
    let pg_of: BTreeMap<&str, &str> =
        snap.placement_groups.iter().filter_map(|p| Some((p.gang_id.as_deref()?, p.name.as_str()))).collect();
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
            html! {
                <path key={l.gang_id.clone()} class={cls} d={l.path.clone()} data-gang={l.gang_id.clone()}
                    data-app-deployment={deployment_of.get(l.gang_id.as_str()).cloned()}
                    data-pg={pg_of.get(l.gang_id.as_str()).map(|p| p.to_string())} />
            }
        })
        .collect::<Html>();
    // ===== picture (issue 14): a gang being torn down has its pill in the overlay instead of a label; a label
    // names the app when two apps have a deployment of that name.
    let labelled: Vec<&GangLink> = links.iter().filter(|l| l.torn.is_none()).collect();
    let apps = ambiguous_apps(&snap.replicas);
    let texts: Vec<String> = labelled
        .iter()
        .map(|l| {
            let text = match apps.get(l.gang_id.as_str()) {
                Some(app) => format!("gang {} · {app}", l.gang_id),
                None => format!("gang {}", l.gang_id),
            };
            if l.recovering { format!("{text} · recovering") } else { text }
        })
        .collect();
    // Each label stays inside the card over whose members it sits.
    let mut placed: Vec<(f64, f64, f64)> = labelled
        .iter()
        .zip(&texts)
        .map(|(l, t)| {
            let w = label_width(t) * gang_label_scale(presenting);
            let x = match card_at(&scene, l.label_at) {
                Some(c) => {
                    l.label_at.0.clamp(c.x + w / 2.0 + 2.0, (c.x + CARD_W - w / 2.0 - 2.0).max(c.x + w / 2.0 + 2.0))
                }
                None => l.label_at.0,
            };
            (x, l.label_at.1, w)
        })
        .collect();
    separate_labels(&mut placed, scene_w);
    // ===== picture (issue 14): the overlay's labels go where the lanes are free of gang labels and pills.
    let lane_taken: Vec<LaneSpan> = placed
        .iter()
        .map(|&(x, y, w)| (y, x - w / 2.0, x + w / 2.0))
        .chain(overlay.pills.iter().map(|p| (p.y, p.x - p.w / 2.0, p.x + p.w / 2.0)))
        .collect();
    place_overlay_labels(&mut overlay, &scene, &lane_taken, gang_label_scale(presenting));
    let overlay = Rc::new(overlay);
    let link_labels = labelled
        .iter()
        .zip(texts)
        .zip(placed)
        .map(|((l, text), (x, y, w))| {
            let hue = props.gang_hues.get(&l.gang_id).map(|h| format!("hue-{h}"));
            let cls = classes!("gang-label", hue, props.highlight.contains(&l.gang_id).then_some("hl"));
            let label_k = gang_label_scale(presenting);
            let style = format!("transform: translate({:.1}px, {:.1}px)", x - w / 2.0, y - 9.0);
            let replaces = props.lineage.replacements().get(&l.gang_id).map(|r| {
                format!(
                    "Gang {} replaces gang {} ({})",
                    l.gang_id,
                    r.old,
                    crate::app::gang_lineage::retired_words(r.why)
                )
            });
            html! {
                <g key={l.gang_id.clone()} class={cls} ref={styles.node(style)} data-gang-label={l.gang_id.clone()}
                    data-app-deployment={deployment_of.get(l.gang_id.as_str()).cloned()}
                    data-pg={pg_of.get(l.gang_id.as_str()).map(|p| p.to_string())}>
                    if let Some(t) = replaces { <title>{ t }</title> }
                    <rect width={w.to_string()} height={(18.0 * label_k).to_string()} rx={(9.0 * label_k).to_string()} />
                    <text x={(w / 2.0).to_string()} y={(13.0 * label_k).to_string()} text-anchor="middle">{ text }</text>
                </g>
            }
        })
        .collect::<Html>();
    // ===== end picture
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
        <div class={classes!("cluster-view", settled.then_some("settled"))} ref={wrapper} data-columns={columns.to_string()}>
            if !all_links {
                <p class="quiet links-note">{ "Many gangs: links are drawn only for the gang you select (click a replica) and for gangs being torn down." }</p>
            }
            // Two SVGs on top of each other with the same coordinates: the cluster, and an overlay with what
            // animates for a while (teardown flashes, ghosts fading out, their links and labels). Chromium repaints
            // a whole SVG when anything in it changes; with ~20,000 shapes that is 10 - 60 ms a frame, so the
            // animations live in the small overlay (its own layer) and the cluster repaints only when it changes.
            <div class="cluster-stack" ref={styles.node(format!("max-width: {max_w:.0}px"))}>
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
                <ClusterOverlay scene={overlay} {viewbox} {calm} on_select_event={props.on_select_event.clone()} {presenting} />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::events::TeardownCause;
    use crate::model::serve::replica::GangContext;
    use crate::ui::layout::layout;

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
        let scene = layout(&snap, 8);
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
        let links = gang_links(&rs, &centres, &teardowns, &BTreeMap::new());
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
    fn a_recovering_gang_keeps_its_link_and_label_from_its_bundles() {
        // After a controller restart the members are RECOVERING and have no gang context yet.
        let rs: Vec<ReplicaView> = ["a", "b"]
            .iter()
            .enumerate()
            .map(|(i, id)| ReplicaView { gang_context: None, ..member(id, "g1", i as u32, ReplicaState::Recovering) })
            .collect();
        let centres: BTreeMap<String, (f64, f64)> =
            [("a", (10.0, 10.0)), ("b", (100.0, 10.0))].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert!(gang_links(&rs, &centres, &BTreeMap::new(), &BTreeMap::new()).is_empty(), "nothing without bundles");
        let bundles: BTreeMap<&str, (&str, u32)> = [("a", ("g1", 0)), ("b", ("g1", 1))].into_iter().collect();
        let links = gang_links(&rs, &centres, &BTreeMap::new(), &bundles);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].gang_id, "g1");
        assert!(links[0].recovering, "its label says it is recovering");
        let known = gang_links(&[member("a", "g1", 0, ReplicaState::Running)], &centres, &BTreeMap::new(), &bundles);
        assert!(!known[0].recovering);
    }

    #[test]
    fn a_ghost_stays_in_its_card_when_the_cards_reflow_and_goes_after_its_span() {
        // node-failure: w1 dies with a gang on it; its card empties and the cards reflow from one column to two.
        let scenario = crate::app::presets::preset_by_id("node-failure").unwrap().scenario().unwrap();
        let mut session = crate::app::session::Session::new(scenario);
        session.advance_to(SimTime::from_secs_f64(10.0));
        let before = Rc::new(session.snapshot());
        let teardowns = BTreeMap::new();
        let mut memory = GhostMemory::default();
        memory.update(&before, Rc::new(layout(&before, 1)), &teardowns);
        session.advance_to(SimTime::from_secs_f64(13.0));
        let after = Rc::new(session.snapshot());
        // As the cluster view does: the slots the ghosts fade in are kept free, so w1 keeps the room they need.
        let (lingering, due) = memory.lingering(&after, after.t);
        assert!(lingering.contains_key("w1"), "{lingering:?}");
        assert_eq!(due, Some(after.t.plus(GHOST_SPAN)), "freed once the ghosts have faded");
        // The snapshot can stay the same while the clock runs on: by the clock, the slots are free when due.
        assert!(memory.lingering(&after, after.t.plus(GHOST_SPAN)).0.is_empty());
        let scene = layout_with(&after, 2, &lingering);
        memory.update(&after, Rc::new(scene.clone()), &teardowns);
        assert!(!memory.ghosts.is_empty(), "the gang on w1 left as ghosts");
        let w1 = scene.nodes.iter().find(|n| n.node_id == "w1").unwrap();
        for g in &memory.ghosts {
            let (x, y) = placed(&g.card, g.at, &scene);
            assert!(
                x > w1.x && x < w1.x + CARD_W && y > w1.y && y < w1.y + w1.h,
                "{} at {x},{y}: not in w1",
                g.replica.id
            );
        }
        session.advance_to(SimTime::from_secs_f64(16.0));
        let later = Rc::new(session.snapshot());
        assert!(memory.lingering(&later, later.t).0.is_empty(), "nothing held once the ghosts have faded");
        memory.update(&later, Rc::new(layout(&later, 2)), &teardowns);
        assert!(memory.ghosts.is_empty(), "gone after GHOST_SPAN of simulated time");
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

    #[test]
    fn an_overlay_label_goes_beside_what_is_in_its_lane_or_nowhere() {
        assert_eq!(free_spot(50.0, 40.0, (0.0, 200.0), &[(20.0, 80.0)], 3.0), Some(103.0), "beside a gang label");
        assert_eq!(free_spot(5.0, 40.0, (0.0, 200.0), &[], 3.0), Some(20.0), "inside the lane");
        assert_eq!(free_spot(50.0, 40.0, (0.0, 100.0), &[(10.0, 90.0)], 3.0), None, "a full lane");
        assert_eq!(free_spot(50.0, 120.0, (0.0, 100.0), &[], 3.0), None, "wider than the lane");
    }

    #[test]
    fn replaces_and_leak_labels_keep_clear_of_gang_labels_and_each_other_inside_their_card() {
        let card = NodeLayout {
            node_id: "w1".into(),
            x: GAP,
            y: GAP,
            h: 200.0,
            bars: vec![],
            bars_y: 30.0,
            slots_y: 52.0,
            slots: vec![],
        };
        let scene = SceneLayout { width: 2.0 * GAP + CARD_W, height: 240.0, nodes: vec![card], ..Default::default() };
        // The new gang in slots 2-3 of the first row; the leaked group's slots were 0-1.
        let slot_y = GAP + 52.0 + crate::ui::layout::LANE_H;
        let slot_x = |i: f64| GAP + PAD + i * (crate::ui::layout::SLOT_W + crate::ui::layout::SLOT_GAP);
        let to = ((slot_x(2.0) + slot_x(3.0)) / 2.0 + TOKEN_CX, slot_y + TOKEN_CY);
        let lane_y = slot_y - crate::ui::layout::LANE_H / 2.0;
        let gang_label = (to.0, lane_y, label_width("gang 0a1b2c3d"));
        let mut o = OverlayScene {
            arcs: vec![ReplaceArc {
                new: "0a1b2c3d".into(),
                old: "9e8f".into(),
                from: (slot_x(0.0), slot_y + TOKEN_CY),
                to,
                path: (String::new(), to, to),
                at: SimTime::ZERO,
                hue: None,
                label: "replaces 9e8f".into(),
                label_at: None,
                label_in_gap: false,
            }],
            leaks: vec![("pg".into(), vec![(slot_x(0.0), slot_y), (slot_x(1.0), slot_y)], SimTime::ZERO, None)],
            ..Default::default()
        };
        let taken = [(gang_label.1, gang_label.0 - gang_label.2 / 2.0, gang_label.0 + gang_label.2 / 2.0)];
        let span = |x: f64, t: &str| (x - label_width(t) / 2.0, x + label_width(t) / 2.0);
        // The replacement alone: its label beside the new gang's.
        let mut arc_only = OverlayScene { leaks: vec![], ..o.clone() };
        place_overlay_labels(&mut arc_only, &scene, &taken, 1.0);
        let (ax, ay) = arc_only.arcs[0].label_at.expect("room for the replaces label");
        assert_eq!(ay, lane_y);
        // With the leak as well: the leak's label first (shortened to fit), the other only where it has room.
        place_overlay_labels(&mut o, &scene, &taken, 1.0);
        let ((lx, ly), text) = o.leaks[0].3.expect("room for the leak label");
        assert_eq!((ly, text), (lane_y, "leaked PG"));
        let mut spans = vec![span(ax, "replaces 9e8f"), span(gang_label.0, "gang 0a1b2c3d")];
        let mut with_leak = vec![span(lx, text), span(gang_label.0, "gang 0a1b2c3d")];
        // (in the lane, if it found room there)
        with_leak.extend(o.arcs[0].label_at.filter(|at| at.1 == lane_y).map(|(x, _)| span(x, "replaces 9e8f")));
        for spans in [&mut spans, &mut with_leak] {
            for (i, a) in spans.iter().enumerate() {
                assert!(a.0 >= GAP + PAD - 1e-9 && a.1 <= GAP + CARD_W - PAD + 1e-9, "{a:?} leaves the card");
                for b in &spans[i + 1..] {
                    assert!(a.1 <= b.0 || b.1 <= a.0, "{a:?} overlaps {b:?}");
                }
            }
        }
        // A lane with no room left: both labels over the top of their own slots.
        let full = [(lane_y, GAP, GAP + CARD_W)];
        let mut o2 = o.clone();
        place_overlay_labels(&mut o2, &scene, &full, 1.0);
        let over_slots = ((slot_x(0.0) + slot_x(1.0)) / 2.0 + crate::ui::layout::SLOT_W / 2.0, slot_y + 10.0);
        assert_eq!(o2.leaks[0].3, Some((over_slots, "leaked PG")));
        // The replacement's label goes to the gap above the card, over no card (and, that taken, below it).
        assert_eq!(o2.arcs[0].label_at, Some((to.0, GAP / 2.0)));
        assert!(o2.arcs[0].label_in_gap);
        let mut o3 = o.clone();
        o3.arcs.push(o3.arcs[0].clone());
        o3.arcs[1].label = "replaces 7e7e".into();
        o3.arcs.push(o3.arcs[0].clone());
        place_overlay_labels(&mut o3, &scene, &full, 1.0);
        let card = &scene.nodes[0];
        let ats: Vec<Point> = o3.arcs.iter().filter_map(|a| a.label_at).collect();
        assert_eq!(ats[0].1, GAP / 2.0);
        let others_x = ats[1].0;
        assert!(ats[1].1 == GAP / 2.0 && (others_x - ats[0].0).abs() >= label_width("replaces 9e8f") + 3.0 - 1e-9);
        assert_eq!(ats[2].1, card.y + card.h + GAP / 2.0);
    }

    #[test]
    fn presenter_pills_are_drawn_at_twelve_units() {
        let (lines, w, k) = pill_lines("2 gangs torn down", 260.0, false);
        assert_eq!((lines.len(), k), (1, 1.0));
        let (big, big_w, big_k) = pill_lines("2 gangs torn down", 260.0, true);
        assert_eq!(big, lines);
        assert!((big_k * 11.0 - 12.0).abs() < 1e-9 && big_w > w);
        let (two, two_w, two_k) = pill_lines("torn down: start-up failure of r0", 200.0, true);
        assert_eq!(two, ["torn down: start-up", "failure of r0"]);
        assert!((two_k * 9.5 - 12.0).abs() < 1e-9 && two_w <= 200.0 + 1e-9);
        // Narrower: more lines, every word whole (the page would cut the second line with "…").
        let (three, three_w, _) = pill_lines("torn down: start-up failure of r0", 150.0, true);
        assert_eq!(three, ["torn down:", "start-up failure", "of r0"]);
        assert!(three_w <= 150.0 + 1e-9);
        assert!(pill_height(3, two_k) > pill_height(2, two_k));
    }
}
