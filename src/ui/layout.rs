//! Where things go in the cluster view: node cards in rows, bundle slots inside cards. Pure geometry, tested
//! natively; the components only read it. Units are SVG user units (about one CSS pixel at the usual widths).
use crate::model::resources::Resources;
use crate::model::snapshot::Snapshot;
use std::collections::{BTreeMap, BTreeSet};

pub const CARD_W: f64 = 280.0;
pub const GAP: f64 = 18.0;
pub const PAD: f64 = 10.0;
pub const HEADER_H: f64 = 30.0;
pub const CONTROLLER_H: f64 = 46.0;
pub const BAR_H: f64 = 20.0;
pub const SLOT_W: f64 = 58.0;
pub const SLOT_H: f64 = 74.0;
pub const SLOT_GAP: f64 = 6.0;
pub const EMPTY_SLOTS_H: f64 = 22.0;
/// A lane above every row of slots where gang links arc and their labels sit, clear of the slots.
pub const LANE_H: f64 = 22.0;
/// Card width targeted per column when choosing how many columns fit (CSS pixels).
pub const COLUMN_TARGET_PX: f64 = 300.0;

/// How many node cards go in one row for a container `width_px` wide.
pub fn columns_for_width(width_px: f64, node_count: usize) -> usize {
    let fit = if width_px.is_finite() && width_px > 0.0 { (width_px / COLUMN_TARGET_PX).floor() as usize } else { 3 };
    fit.clamp(1, node_count.max(1))
}

/// The largest zoom the cluster view uses to fill a big screen.
pub const MAX_SCALE: f64 = 1.8;

/// Width and height of the scene for cards of these heights laid out in `columns` columns.
pub fn scene_size(card_heights: &[f64], columns: usize) -> (f64, f64) {
    let columns = columns.clamp(1, card_heights.len().max(1));
    let h: f64 = card_heights.chunks(columns).map(|row| row.iter().copied().fold(0.0, f64::max) + GAP).sum();
    (GAP + columns as f64 * (CARD_W + GAP), h + GAP)
}

/// Columns for a `width_px` × `height_px` area: if some column count lets the whole cluster fit at a zoom of at
/// least 1, the one with the largest zoom (a small cluster fills a projector); otherwise as many columns as fit
/// at about 1:1 ([`columns_for_width`]), and the page scrolls.
pub fn choose_columns(width_px: f64, height_px: f64, card_heights: &[f64]) -> usize {
    let n = card_heights.len();
    let by_width = columns_for_width(width_px, n);
    if !(width_px > 0.0 && height_px > 0.0) || n > 24 {
        return by_width;
    }
    let mut best: Option<(f64, usize)> = None;
    for c in 1..=n {
        let (w, h) = scene_size(card_heights, c);
        let scale = (width_px / w).min(height_px / h).min(MAX_SCALE);
        if scale >= 1.0 && best.is_none_or(|(s, _)| scale > s + 1e-9) {
            best = Some((scale, c));
        }
    }
    best.map(|(_, c)| c).unwrap_or(by_width)
}

/// Slots per row inside a card.
pub fn slots_per_row() -> usize {
    ((CARD_W - 2.0 * PAD + SLOT_GAP) / (SLOT_W + SLOT_GAP)).floor() as usize
}

/// One place for a replica in a card: a reserved bundle (possibly empty) or an actor placed outside any bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotLayout {
    /// Stable key: `<pg id>#<bundle index>` for a bundle, `actor:<replica id>` for a replica without a bundle here.
    pub key: String,
    pub bundle: Option<BundleSlot>,
    pub replica: Option<String>,
    /// Top-left corner, relative to the card.
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BundleSlot {
    pub pg_id: String,
    pub pg_name: String,
    pub index: usize,
    pub resources: Resources,
    pub gang_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeLayout {
    pub node_id: String,
    pub x: f64,
    pub y: f64,
    pub h: f64,
    /// Resource names with a bar, in order.
    pub bars: Vec<String>,
    pub bars_y: f64,
    pub slots_y: f64,
    pub slots: Vec<SlotLayout>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SceneLayout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<NodeLayout>,
    /// Absolute centre of every replica drawn in a card.
    pub replica_centres: BTreeMap<String, (f64, f64)>,
}

/// Centre of the replica token within its slot.
pub const TOKEN_CX: f64 = SLOT_W / 2.0;
pub const TOKEN_CY: f64 = 40.0;
pub const TOKEN_R: f64 = 15.0;

/// What the layout remembers between frames so that nothing jumps: each slot keeps its position while it
/// exists (a new bundle takes the first free position), and a card never shrinks during a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayoutMemory {
    /// Node id → slot key → position index in the card's grid.
    positions: BTreeMap<String, BTreeMap<String, usize>>,
    /// Node id → the most rows of slots it has needed.
    rows: BTreeMap<String, usize>,
    /// Node id → positions freed recently, and until when (wall-clock ms) they stay empty: the replicas that
    /// were there fade out in place, and a new gang starts next to them instead of under them.
    resting: BTreeMap<String, Vec<(usize, f64)>>,
}

/// How long a freed slot position stays empty (wall-clock ms); matches the cluster view's ghosts.
pub const REST_MS: f64 = 2400.0;

impl LayoutMemory {
    pub fn clear(&mut self) {
        self.positions.clear();
        self.rows.clear();
        self.resting.clear();
    }
}

/// Whether [`layout`] would place everything in `b` where it placed it for `a` (same nodes, bundles and replicas
/// on the same nodes, in the same order): then only states changed and the previous layout still holds. Stricter
/// than needed (any change to a bundle or to a node's resources counts), never looser.
pub fn same_layout_inputs(a: &Snapshot, b: &Snapshot) -> bool {
    a.nodes.len() == b.nodes.len()
        && a.placement_groups.len() == b.placement_groups.len()
        && a.replicas.len() == b.replicas.len()
        && a.nodes
            .iter()
            .zip(&b.nodes)
            .all(|(x, y)| x.id == y.id && x.is_head == y.is_head && x.resources == y.resources)
        && a.placement_groups
            .iter()
            .zip(&b.placement_groups)
            .all(|(x, y)| x.id == y.id && x.name == y.name && x.gang_id == y.gang_id && x.bundles == y.bundles)
        && a.replicas.iter().zip(&b.replicas).all(|(x, y)| x.id == y.id && x.node == y.node)
}

/// Lay out every node of the snapshot in `columns` columns, in snapshot order (the order nodes joined).
/// `now_ms` is the wall clock, used only to let freed positions rest (see [`LayoutMemory`]).
pub fn layout(snapshot: &Snapshot, columns: usize, memory: &mut LayoutMemory, now_ms: f64) -> SceneLayout {
    let columns = columns.max(1);
    let per_row = slots_per_row().max(1);
    // Bundles by node, in placement-group order then bundle index.
    let mut bundles_by_node: BTreeMap<&str, Vec<SlotLayout>> = BTreeMap::new();
    let mut replica_in_bundle: BTreeMap<&str, &str> = BTreeMap::new();
    for pg in &snapshot.placement_groups {
        for b in &pg.bundles {
            let Some(node) = b.node.as_deref() else { continue };
            if let Some(r) = &b.replica {
                replica_in_bundle.insert(r.as_str(), node);
            }
            bundles_by_node.entry(node).or_default().push(SlotLayout {
                key: format!("{}#{}", pg.id, b.index),
                bundle: Some(BundleSlot {
                    pg_id: pg.id.clone(),
                    pg_name: pg.name.clone(),
                    index: b.index,
                    resources: b.resources.clone(),
                    gang_id: pg.gang_id.clone(),
                }),
                replica: b.replica.clone(),
                x: 0.0,
                y: 0.0,
            });
        }
    }
    // Replicas on a node but not drawn in one of its bundles get a slot of their own.
    for r in &snapshot.replicas {
        let Some(node) = r.node.as_deref() else { continue };
        if replica_in_bundle.get(r.id.as_str()) == Some(&node) {
            continue;
        }
        bundles_by_node.entry(node).or_default().push(SlotLayout {
            key: format!("actor:{}", r.id),
            bundle: None,
            replica: Some(r.id.clone()),
            x: 0.0,
            y: 0.0,
        });
    }

    let mut nodes = Vec::with_capacity(snapshot.nodes.len());
    for n in &snapshot.nodes {
        let bars: Vec<String> = n.resources.0.iter().filter(|(_, v)| **v > 0).map(|(k, _)| k.clone()).collect();
        let bars_y = HEADER_H + if n.is_head { CONTROLLER_H } else { 0.0 };
        let slots_y = bars_y + BAR_H * (bars.len().max(1) as f64) + 2.0;
        let mut slots = bundles_by_node.remove(n.id.as_str()).unwrap_or_default();
        // Sticky positions: keep the ones already held, give new slots the lowest free ones that are not resting.
        let held = memory.positions.entry(n.id.clone()).or_default();
        let resting = memory.resting.entry(n.id.clone()).or_default();
        resting.retain(|(_, until)| *until > now_ms);
        held.retain(|k, p| {
            let keep = slots.iter().any(|s| &s.key == k);
            if !keep {
                resting.push((*p, now_ms + REST_MS));
            }
            keep
        });
        let mut taken: BTreeSet<usize> = held.values().copied().chain(resting.iter().map(|(p, _)| *p)).collect();
        for s in &slots {
            if !held.contains_key(&s.key) {
                let free = (0..).find(|p| !taken.contains(p)).unwrap_or(0);
                taken.insert(free);
                held.insert(s.key.clone(), free);
            }
        }
        let mut max_pos = 0;
        for s in slots.iter_mut() {
            let i = held[&s.key];
            max_pos = max_pos.max(i + 1);
            s.x = PAD + (i % per_row) as f64 * (SLOT_W + SLOT_GAP);
            s.y = slots_y + LANE_H + (i / per_row) as f64 * (LANE_H + SLOT_H + SLOT_GAP);
        }
        slots.sort_by(|a, b| held[&a.key].cmp(&held[&b.key]));
        let rows_now = max_pos.div_ceil(per_row);
        let rows = memory.rows.entry(n.id.clone()).or_insert(0);
        *rows = (*rows).max(rows_now);
        let rows = *rows;
        let slots_h = if rows == 0 { EMPTY_SLOTS_H } else { rows as f64 * (LANE_H + SLOT_H + SLOT_GAP) - SLOT_GAP };
        let h = slots_y + slots_h + PAD;
        nodes.push(NodeLayout { node_id: n.id.clone(), x: 0.0, y: 0.0, h, bars, bars_y, slots_y, slots });
    }

    // Rows of `columns` cards; a row is as tall as its tallest card.
    let mut y = GAP;
    let mut replica_centres = BTreeMap::new();
    for row in nodes.chunks_mut(columns) {
        let row_h = row.iter().map(|n| n.h).fold(0.0, f64::max);
        for (c, n) in row.iter_mut().enumerate() {
            n.x = GAP + c as f64 * (CARD_W + GAP);
            n.y = y;
            for s in &n.slots {
                if let Some(r) = &s.replica {
                    replica_centres.insert(r.clone(), (n.x + s.x + TOKEN_CX, n.y + s.y + TOKEN_CY));
                }
            }
        }
        y += row_h + GAP;
    }
    let used_columns = columns.min(snapshot.nodes.len().max(1));
    SceneLayout { width: GAP + used_columns as f64 * (CARD_W + GAP), height: y.max(GAP * 2.0), nodes, replica_centres }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::placement::{PlacementGroupState, PlacementStrategy};
    use crate::model::serve::replica::ReplicaState;
    use crate::model::snapshot::{BundleView, NodeView, PlacementGroupView, ReplicaView};

    fn node(id: &str, cpu: f64) -> NodeView {
        NodeView {
            id: id.into(),
            is_head: id == "head",
            alive: true,
            killed: false,
            resources: Resources::from_pairs([("CPU", cpu)]),
            available: Resources::from_pairs([("CPU", cpu)]),
            reserved: Resources::new(),
            used: Resources::new(),
            labels: Default::default(),
            draining: None,
        }
    }

    fn replica(id: &str, node: Option<&str>, pg: Option<&str>) -> ReplicaView {
        ReplicaView {
            id: id.into(),
            app: "app".into(),
            deployment: "G".into(),
            state: ReplicaState::Running,
            startup: None,
            node: node.map(Into::into),
            pg_name: pg.map(Into::into),
            bundle_index: Some(0),
            gang_context: None,
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

    fn snapshot(nodes: usize, bundles_on_w1: usize) -> Snapshot {
        let mut s = Snapshot::default();
        s.nodes.push(node("head", 0.0));
        for i in 1..nodes {
            s.nodes.push(node(&format!("w{i}"), 16.0));
        }
        s.placement_groups.push(PlacementGroupView {
            id: "pg1".into(),
            name: "SERVE_GANG::app_G_0_abcd1234".into(),
            state: PlacementGroupState::Created,
            strategy: PlacementStrategy::Pack,
            bundles: (0..bundles_on_w1)
                .map(|i| BundleView {
                    index: i,
                    resources: Resources::from_pairs([("CPU", 1.0)]),
                    node: Some("w1".into()),
                    replica: Some(format!("r{i}")),
                })
                .collect(),
            app: "app".into(),
            deployment: "G".into(),
            gang_id: Some("abcd1234".into()),
            pending_reason: None,
        });
        for i in 0..bundles_on_w1 {
            s.replicas.push(replica(&format!("r{i}"), Some("w1"), Some("SERVE_GANG::app_G_0_abcd1234")));
        }
        s
    }

    #[test]
    fn columns_follow_the_width() {
        assert_eq!(columns_for_width(390.0, 5), 1);
        assert_eq!(columns_for_width(1280.0, 5), 4);
        assert_eq!(columns_for_width(1280.0, 2), 2);
        assert_eq!(columns_for_width(0.0, 10), 3);
        assert_eq!(columns_for_width(f64::NAN, 1), 1);
    }

    #[test]
    fn a_small_cluster_is_zoomed_to_fill_a_big_screen_and_a_big_one_scrolls() {
        let five = [130.0, 160.0, 160.0, 160.0, 84.0];
        // A projector: three columns of two rows are larger than one row of five.
        assert_eq!(choose_columns(1400.0, 700.0, &five), 3);
        let (w, _) = scene_size(&five, 3);
        assert!(1400.0 / w > 1.4);
        // A phone cannot show it all at 1:1: one column, and the page scrolls.
        assert_eq!(choose_columns(370.0, 600.0, &five), 1);
        // A hundred nodes: as many columns as fit at about 1:1.
        assert_eq!(choose_columns(1300.0, 700.0, &[160.0; 101]), 4);
        assert_eq!(scene_size(&five, 2), (GAP + 2.0 * (CARD_W + GAP), 160.0 + 160.0 + 84.0 + 4.0 * GAP));
    }

    #[test]
    fn cards_grow_to_fit_any_number_of_bundles() {
        let small = layout(&snapshot(3, 2), 2, &mut LayoutMemory::default(), 0.0);
        let big = layout(&snapshot(3, 16), 2, &mut LayoutMemory::default(), 0.0);
        let h = |l: &SceneLayout| l.nodes.iter().find(|n| n.node_id == "w1").unwrap().h;
        assert!(h(&big) > h(&small));
        let w1 = big.nodes.iter().find(|n| n.node_id == "w1").unwrap();
        assert_eq!(w1.slots.len(), 16);
        for s in &w1.slots {
            assert!(s.x + SLOT_W <= CARD_W - PAD + 0.01, "slot overflows the card: {s:?}");
            assert!(s.y + SLOT_H <= w1.h - PAD + 0.01, "slot overflows the card: {s:?}");
        }
        assert_eq!(big.replica_centres.len(), 16);
    }

    #[test]
    fn rows_do_not_overlap_and_scene_contains_every_card() {
        let l = layout(&snapshot(10, 5), 3, &mut LayoutMemory::default(), 0.0);
        for a in &l.nodes {
            assert!(a.x + CARD_W <= l.width + 0.01 && a.y + a.h <= l.height + 0.01);
            for b in &l.nodes {
                if a.node_id != b.node_id {
                    let apart = a.x + CARD_W <= b.x || b.x + CARD_W <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                    assert!(apart, "{} overlaps {}", a.node_id, b.node_id);
                }
            }
        }
    }

    #[test]
    fn replicas_without_a_bundle_get_their_own_slot() {
        let mut s = snapshot(2, 0);
        s.replicas.push(replica("loose", Some("w1"), None));
        s.replicas.push(replica("unplaced", None, None));
        let l = layout(&s, 2, &mut LayoutMemory::default(), 0.0);
        let w1 = l.nodes.iter().find(|n| n.node_id == "w1").unwrap();
        assert_eq!(w1.slots.len(), 1);
        assert_eq!(w1.slots[0].key, "actor:loose");
        assert!(!l.replica_centres.contains_key("unplaced"));
    }

    #[test]
    fn slots_keep_their_place_and_cards_never_shrink() {
        let mut memory = LayoutMemory::default();
        let full = snapshot(2, 6);
        let before = layout(&full, 2, &mut memory, 0.0);
        let w1 = |l: &SceneLayout| l.nodes.iter().find(|n| n.node_id == "w1").unwrap().clone();
        // The first two bundles go away (their PG shrinks to bundles 2..6): the others stay where they were.
        let mut fewer = full.clone();
        fewer.placement_groups[0].bundles.drain(..2);
        fewer.replicas.drain(..2);
        let after = layout(&fewer, 2, &mut memory, 10.0);
        for s in &w1(&after).slots {
            let old = w1(&before).slots.into_iter().find(|o| o.key == s.key).unwrap();
            assert_eq!((s.x, s.y), (old.x, old.y), "slot {} moved", s.key);
        }
        assert_eq!(w1(&after).h, w1(&before).h, "the card kept its height");
        // A new bundle takes the first free position.
        let mut refill = fewer.clone();
        refill.placement_groups[0].bundles.push(crate::model::snapshot::BundleView {
            index: 9,
            resources: Resources::from_pairs([("CPU", 1.0)]),
            node: Some("w1".into()),
            replica: None,
        });
        // While the freed positions rest, a new bundle goes next to them (position 6)…
        let resting = layout(&refill, 2, &mut memory, 20.0);
        let new_slot = w1(&resting).slots.into_iter().find(|s| s.key == "pg1#9").unwrap();
        assert_eq!(
            (new_slot.x, new_slot.y),
            (w1(&before).slots[2].x, w1(&before).slots[2].y + LANE_H + SLOT_H + SLOT_GAP)
        );
        // …and once they have rested, a new bundle takes the first free position.
        let mut refill2 = refill.clone();
        refill2.placement_groups[0].bundles.last_mut().unwrap().index = 10;
        let later = layout(&refill2, 2, &mut memory, 20.0 + REST_MS + 1.0);
        let new_slot = w1(&later).slots.into_iter().find(|s| s.key == "pg1#10").unwrap();
        assert_eq!((new_slot.x, new_slot.y), (w1(&before).slots[0].x, w1(&before).slots[0].y));
    }

    #[test]
    fn a_layout_holds_while_only_states_change() {
        let mut memory = LayoutMemory::default();
        let a = snapshot(3, 6);
        let first = layout(&a, 2, &mut memory, 0.0);
        let mut b = a.clone();
        b.t = crate::model::time::SimTime::from_secs_f64(5.0);
        b.replicas[1].state = crate::model::serve::replica::ReplicaState::Stopping;
        b.replicas[2].consecutive_health_failures = 2;
        assert!(same_layout_inputs(&a, &b), "only states changed");
        // What the cluster view skips: the layout it would compute is the one it kept (even once positions rest).
        assert_eq!(layout(&b, 2, &mut memory, REST_MS * 3.0), first);
        let mut gone = b.clone();
        gone.replicas.remove(1);
        assert!(!same_layout_inputs(&b, &gone), "a replica left");
        let mut moved = b.clone();
        moved.replicas[0].node = Some("w2".into());
        assert!(!same_layout_inputs(&b, &moved), "a replica moved");
        let mut unbound = b.clone();
        unbound.placement_groups[0].bundles[0].replica = None;
        assert!(!same_layout_inputs(&b, &unbound), "a bundle lost its replica");
        let mut dead = b.clone();
        dead.nodes[1].alive = false;
        assert!(same_layout_inputs(&b, &dead), "a node's state is drawn by its card, not placed by the layout");
    }
}
