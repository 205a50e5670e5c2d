//! Where things go in the cluster view: node cards in rows, bundle slots inside cards. Pure geometry, tested
//! natively; the components only read it. Units are SVG user units (about one CSS pixel at the usual widths).
use crate::model::resources::Resources;
use crate::model::snapshot::Snapshot;
use std::collections::BTreeMap;

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

/// Presenter mode draws every text of the cluster at this size or more (user units; `.app.presenter` rules in
/// static/style.css): beside a lesson's step card a five-node cluster is drawn at about 1.57x at 1920x1080 (three
/// columns, as wide as the pane), and 12 units come out at 18.8 px there. Its labels are short ("#0", "RUN") so
/// that they still fit a 58-unit slot.
pub const PRESENTER_TEXT: f64 = 12.0;

/// How much wider a text laid out for `base` units is drawn when `presenting` (1 otherwise): widths computed from
/// a character count (pills, labels) grow with it.
pub fn text_widening(presenting: bool, base: f64) -> f64 {
    if presenting { (PRESENTER_TEXT / base).max(1.0) } else { 1.0 }
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
/// at about 1:1 ([`columns_for_width`]), and the page scrolls. The zoom is capped at `max_scale` (the page's
/// [`MAX_SCALE`]; presenter mode draws as large as its pane allows), and among equal zooms the fewest columns win.
pub fn choose_columns(width_px: f64, height_px: f64, card_heights: &[f64], max_scale: f64) -> usize {
    let n = card_heights.len();
    let by_width = columns_for_width(width_px, n);
    if !(width_px > 0.0 && height_px > 0.0) || n > 24 {
        return by_width;
    }
    let mut best: Option<(f64, usize)> = None;
    for c in 1..=n {
        let (w, h) = scene_size(card_heights, c);
        let scale = (width_px / w).min(height_px / h).min(max_scale);
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
    /// Its place in the card's grid (row-major, from 0).
    pub pos: usize,
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
///
/// A function of the snapshot alone, so that a moment looks the same however it was reached (played, sought,
/// opened from a link): in a card, bundles are packed in the order their placement groups were created (the
/// snapshot's order), then by bundle index, then the replicas placed outside a bundle. When a gang leaves, the
/// slots after it close up; the cluster view animates that move with CSS (each slot keeps its key).
pub fn layout(snapshot: &Snapshot, columns: usize) -> SceneLayout {
    layout_with(snapshot, columns, &Lingering::new())
}

/// Node id → slot key → grid position of slots that are gone from the snapshot but still drawn for a moment (the
/// fading ghosts of replicas that just left, while playing): [`layout_with`] keeps those positions free.
pub type Lingering = BTreeMap<String, BTreeMap<String, usize>>;

/// [`layout`], with the positions of `lingering` slots kept free: a ghost fades where its replica was instead of
/// under the slot that closes up, and the card keeps the room it fades in. With nothing lingering (paused, after
/// a seek) this is exactly [`layout`]; once the ghosts are gone the slots close up.
pub fn layout_with(snapshot: &Snapshot, columns: usize, lingering: &Lingering) -> SceneLayout {
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
                pos: 0,
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
            pos: 0,
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
        let held: std::collections::BTreeSet<usize> = lingering
            .get(&n.id)
            .map(|m| m.iter().filter(|(k, _)| !slots.iter().any(|s| &s.key == *k)).map(|(_, p)| *p).collect())
            .unwrap_or_default();
        let mut next = 0;
        for s in slots.iter_mut() {
            while held.contains(&next) {
                next += 1;
            }
            s.pos = next;
            s.x = PAD + (next % per_row) as f64 * (SLOT_W + SLOT_GAP);
            s.y = slots_y + LANE_H + (next / per_row) as f64 * (LANE_H + SLOT_H + SLOT_GAP);
            next += 1;
        }
        let used = slots.last().map(|s| s.pos + 1).unwrap_or(0).max(held.last().map(|p| p + 1).unwrap_or(0));
        let rows = used.div_ceil(per_row);
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

/// A path between two cards that passes over no other card: from `from` (in card `a`) up into the gap above
/// `a`'s row, along the gaps between the cards (rows, then the column gap nearest the way), and down onto `to`
/// (in card `b`). `off` (less than `GAP / 2` either way) moves its legs in the gaps off their middle, so that
/// several routes drawn at once run side by side. Corners of the polyline it returns; a replacement's link
/// follows it ([`rounded_path`]).
pub fn gutter_route(from: (f64, f64), a: &NodeLayout, to: (f64, f64), b: &NodeLayout, off: f64) -> Vec<(f64, f64)> {
    let (above_a, above_b) = (a.y - GAP / 2.0 + off, b.y - GAP / 2.0 + off);
    if (a.y - b.y).abs() < 0.5 {
        return vec![from, (from.0, above_a), (to.0, above_a), to];
    }
    // The column gaps run the whole height: take the one that makes the way shortest.
    let col = |n: &NodeLayout| ((n.x - GAP) / (CARD_W + GAP)).round();
    let (lo, hi) = (col(a).min(col(b)), col(a).max(col(b)) + 1.0);
    let x = (lo as i64..=hi as i64)
        .map(|c| c as f64 * (CARD_W + GAP) + GAP / 2.0 + off)
        .min_by(|x, y| ((x - from.0).abs() + (x - to.0).abs()).total_cmp(&((y - from.0).abs() + (y - to.0).abs())))
        .unwrap_or(GAP / 2.0);
    vec![from, (from.0, above_a), (x, above_a), (x, above_b), (to.0, above_b), to]
}

/// An SVG path through `pts` with its corners rounded (radius up to `r`, less where a leg is short).
pub fn rounded_path(pts: &[(f64, f64)], r: f64) -> String {
    let Some(&(x0, y0)) = pts.first() else { return String::new() };
    let mut d = format!("M{x0:.1} {y0:.1}");
    for i in 1..pts.len() {
        let (p, c) = (pts[i - 1], pts[i]);
        let Some(&n) = pts.get(i + 1) else {
            d.push_str(&format!(" L{:.1} {:.1}", c.0, c.1));
            break;
        };
        let len = |u: (f64, f64), v: (f64, f64)| ((u.0 - v.0).powi(2) + (u.1 - v.1).powi(2)).sqrt();
        let k = r.min(len(p, c) / 2.0).min(len(c, n) / 2.0);
        let towards = |from: (f64, f64), l: f64| {
            if l <= 0.0 { c } else { (c.0 + (from.0 - c.0) * k / l, c.1 + (from.1 - c.1) * k / l) }
        };
        let (s, e) = (towards(p, len(p, c)), towards(n, len(c, n)));
        d.push_str(&format!(" L{:.1} {:.1} Q{:.1} {:.1} {:.1} {:.1}", s.0, s.1, c.0, c.1, e.0, e.1));
    }
    d
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
        assert_eq!(choose_columns(1400.0, 700.0, &five, MAX_SCALE), 3);
        let (w, _) = scene_size(&five, 3);
        assert!(1400.0 / w > 1.4);
        // A phone cannot show it all at 1:1: one column, and the page scrolls.
        assert_eq!(choose_columns(370.0, 600.0, &five, MAX_SCALE), 1);
        // A hundred nodes: as many columns as fit at about 1:1.
        assert_eq!(choose_columns(1300.0, 700.0, &[160.0; 101], MAX_SCALE), 4);
        assert_eq!(scene_size(&five, 2), (GAP + 2.0 * (CARD_W + GAP), 160.0 + 160.0 + 84.0 + 4.0 * GAP));
    }

    #[test]
    fn cards_grow_to_fit_any_number_of_bundles() {
        let small = layout(&snapshot(3, 2), 2);
        let big = layout(&snapshot(3, 16), 2);
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
        let l = layout(&snapshot(10, 5), 3);
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
        let l = layout(&s, 2);
        let w1 = l.nodes.iter().find(|n| n.node_id == "w1").unwrap();
        assert_eq!(w1.slots.len(), 1);
        assert_eq!(w1.slots[0].key, "actor:loose");
        assert!(!l.replica_centres.contains_key("unplaced"));
    }

    #[test]
    fn a_presenter_pane_gets_the_columns_that_draw_largest() {
        // Two cards beside a lesson card in a 1440 x 700 pane: with the page's zoom cap one column and two tie
        // (both capped); uncapped, two columns draw the cluster larger, so its labels are larger.
        let two = [130.0, 180.0];
        assert_eq!(choose_columns(1440.0, 700.0, &two, MAX_SCALE), 1);
        assert_eq!(choose_columns(1440.0, 700.0, &two, f64::INFINITY), 2);
        let scale = |c: usize| {
            let (w, h) = scene_size(&two, c);
            (1440.0 / w).min(700.0 / h)
        };
        assert!(scale(2) > scale(1));
    }

    /// A slot's position in the scene, by key.
    fn slot_at(l: &SceneLayout, key: &str) -> Option<(f64, f64)> {
        l.nodes
            .iter()
            .flat_map(|n| n.slots.iter().map(move |s| (n, s)))
            .find(|(_, s)| s.key == key)
            .map(|(n, s)| (n.x + s.x, n.y + s.y))
    }

    fn gang(s: &mut Snapshot, id: &str, node: &str, members: usize) {
        let name = format!("SERVE_GANG::app_G_0_{id}");
        s.placement_groups.push(PlacementGroupView {
            id: id.into(),
            name: name.clone(),
            state: PlacementGroupState::Created,
            strategy: PlacementStrategy::Pack,
            bundles: (0..members)
                .map(|i| BundleView {
                    index: i,
                    resources: Resources::from_pairs([("CPU", 1.0)]),
                    node: Some(node.into()),
                    replica: Some(format!("{id}-r{i}")),
                })
                .collect(),
            app: "app".into(),
            deployment: "G".into(),
            gang_id: Some(id.into()),
            pending_reason: None,
        });
        for i in 0..members {
            s.replicas.push(replica(&format!("{id}-r{i}"), Some(node), Some(&name)));
        }
    }

    #[test]
    fn slots_are_packed_in_creation_order_and_a_moment_looks_the_same_however_it_was_reached() {
        let mut before = snapshot(3, 0);
        before.placement_groups.clear();
        gang(&mut before, "a", "w1", 2);
        gang(&mut before, "b", "w1", 2);
        // Gang a is torn down and replaced by c (created later): b closes up to the front, c follows it. No hole.
        let mut after = before.clone();
        after.placement_groups.remove(0);
        after.replicas.drain(..2);
        gang(&mut after, "c", "w1", 2);
        let l = layout(&after, 2);
        let w1 = l.nodes.iter().find(|n| n.node_id == "w1").unwrap();
        let keys: Vec<&str> = w1.slots.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["b#0", "b#1", "c#0", "c#1"]);
        assert_eq!(slot_at(&l, "b#0"), slot_at(&layout(&before, 2), "a#0"), "b took a's place");
        // The same snapshot, laid out after another history (the layout has none), is drawn the same.
        let _ = layout(&before, 2);
        assert_eq!(layout(&after, 2), l);
        assert_eq!(w1.h, layout(&before, 2).nodes[1].h, "four slots either way: the card kept its height");
    }

    #[test]
    fn a_fading_ghost_keeps_its_place_free_until_it_is_gone() {
        let mut before = snapshot(2, 0);
        before.placement_groups.clear();
        gang(&mut before, "a", "w1", 2);
        gang(&mut before, "b", "w1", 2);
        let mut after = before.clone();
        after.placement_groups.remove(0);
        after.replicas.drain(..2);
        // a's members fade where they were: b stays put, and the card keeps its height.
        let lingering: Lingering =
            [("w1".to_string(), [("a#0".to_string(), 0), ("a#1".to_string(), 1)].into_iter().collect())].into();
        let fading = layout_with(&after, 2, &lingering);
        assert_eq!(slot_at(&fading, "b#0"), slot_at(&layout(&before, 2), "b#0"));
        assert_eq!(fading.nodes[1].h, layout(&before, 2).nodes[1].h);
        // A key still in the snapshot holds nothing (a bundle whose replica left keeps its own place).
        let stale: Lingering = [("w1".to_string(), [("b#0".to_string(), 0)].into_iter().collect())].into();
        assert_eq!(layout_with(&after, 2, &stale), layout(&after, 2));
    }

    #[test]
    fn a_layout_holds_while_only_states_change() {
        let a = snapshot(3, 6);
        let first = layout(&a, 2);
        let mut b = a.clone();
        b.t = crate::model::time::SimTime::from_secs_f64(5.0);
        b.replicas[1].state = crate::model::serve::replica::ReplicaState::Stopping;
        b.replicas[2].consecutive_health_failures = 2;
        assert!(same_layout_inputs(&a, &b), "only states changed");
        // What the cluster view skips: the layout it would compute is the one it kept.
        assert_eq!(layout(&b, 2), first);
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

    #[test]
    fn a_route_between_two_cards_passes_over_no_other_card() {
        // Three columns, two rows of cards of different heights.
        let card = |i: usize, h: f64| NodeLayout {
            node_id: format!("n{i}"),
            x: GAP + (i % 3) as f64 * (CARD_W + GAP),
            y: if i < 3 { GAP } else { GAP + 200.0 + GAP },
            h,
            bars: vec![],
            bars_y: 30.0,
            slots_y: 52.0,
            slots: vec![],
        };
        let cards: Vec<NodeLayout> = (0..6).map(|i| card(i, [200.0, 120.0, 160.0, 90.0, 150.0, 200.0][i])).collect();
        let inside = |n: &NodeLayout, (x, y): (f64, f64)| {
            x > n.x + 0.5 && x < n.x + CARD_W - 0.5 && y > n.y + 0.5 && y < n.y + n.h - 0.5
        };
        for (a, off) in cards.iter().flat_map(|a| [(a, -5.0), (a, 0.0), (a, 5.0)]) {
            for b in cards.iter().filter(|b| b.node_id != a.node_id) {
                let (from, to) = ((a.x + 90.0, a.y + 60.0), (b.x + 200.0, b.y + 60.0));
                let pts = gutter_route(from, a, to, b, off);
                assert_eq!((pts[0], *pts.last().unwrap()), (from, to));
                for w in pts.windows(2) {
                    assert!(w[0].0 == w[1].0 || w[0].1 == w[1].1, "legs are straight: {w:?}");
                    // Sampled along each leg: never inside a card but its two ends'.
                    for s in 0..=100 {
                        let t = s as f64 / 100.0;
                        let p = (w[0].0 + (w[1].0 - w[0].0) * t, w[0].1 + (w[1].1 - w[0].1) * t);
                        for c in cards.iter().filter(|c| c.node_id != a.node_id && c.node_id != b.node_id) {
                            assert!(!inside(c, p), "{} -> {}: {p:?} is over {}", a.node_id, b.node_id, c.node_id);
                        }
                    }
                }
            }
        }
        let d = rounded_path(&[(0.0, 0.0), (0.0, -20.0), (50.0, -20.0), (50.0, 10.0)], 8.0);
        assert_eq!(d, "M0.0 0.0 L0.0 -12.0 Q0.0 -20.0 8.0 -20.0 L42.0 -20.0 Q50.0 -20.0 50.0 -12.0 L50.0 10.0");
    }
}
