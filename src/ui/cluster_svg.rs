//! The cluster view as a standalone SVG file (issue 13, "Take the answer to the design doc"): node cards with their
//! resource bars, bundle slots and replica tokens, coloured and labelled as on the page, from a [`Snapshot`] alone.
//!
//! The page's view is an SVG of HTML-free parts styled by the stylesheet (and a few `foreignObject`s), which a
//! serialized copy would lose; this draws the same layout ([`crate::ui::layout`]) with every colour inline, so the
//! file looks the same in a design doc, an image viewer or on a canvas (the PNG export). Pure: tested natively.
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::{NodeView, ReplicaView, Snapshot};
use crate::ui::layout::{
    BAR_H, CARD_W, GAP, HEADER_H, LANE_H, PAD, SLOT_H, SLOT_W, TOKEN_CX, TOKEN_CY, TOKEN_R, layout,
};
use crate::ui::palette::{
    GANG_HUES, bar_amount, fit, header_label_room, header_labels, replica_state_glyph, replica_state_label, short_id,
    short_pg_name,
};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The gang hues of the stylesheet (`.hue-0` … `.hue-8`: Paul Tol's "muted"), with the ink drawn on each.
pub const HUES: [(&str, &str); GANG_HUES as usize] = [
    ("#332288", "#ffffff"),
    ("#ddcc77", "#1b1b1f"),
    ("#44aa99", "#1b1b1f"),
    ("#882255", "#ffffff"),
    ("#88ccee", "#1b1b1f"),
    ("#999933", "#1b1b1f"),
    ("#cc6677", "#1b1b1f"),
    ("#117733", "#ffffff"),
    ("#aa4499", "#ffffff"),
];
/// A replica outside any gang.
const SOLO: (&str, &str) = ("#5d6472", "#ffffff");
const TITLE_H: f64 = 46.0;
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// Text for XML: `&`, `<`, `>` and quotes escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// How many cards side by side: about four, fewer for a small cluster.
pub fn export_columns(nodes: usize) -> usize {
    match nodes {
        0..=3 => nodes.max(1),
        4 => 2,
        5..=9 => 3,
        _ => 4,
    }
}

/// The cluster at `snapshot.t` as an SVG document. `gang_hues` is the page's gang → hue index (so a gang has the
/// same colour in the file as on the page); `title` heads the picture.
pub fn cluster_svg(snapshot: &Snapshot, gang_hues: &BTreeMap<String, u8>, title: &str) -> String {
    let scene = layout(snapshot, export_columns(snapshot.nodes.len()));
    let width = scene.width.max(CARD_W + 2.0 * GAP);
    let height = scene.height + TITLE_H;
    let replicas: BTreeMap<&str, &ReplicaView> = snapshot.replicas.iter().map(|r| (r.id.as_str(), r)).collect();
    let hue_of = |gang: Option<&String>| -> (&str, &str) {
        match gang.and_then(|g| gang_hues.get(g)) {
            Some(&h) => HUES[h as usize % HUES.len()],
            None if gang.is_some() => HUES[0],
            None => SOLO,
        }
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"{FONT}\" role=\"img\" aria-label=\"{label}\">",
        w = width.ceil(),
        h = height.ceil(),
        label = esc(title),
    );
    let _ = write!(s, "<title>{}</title>", esc(title));
    let _ = write!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#f6f6f3\"/>");
    let _ = write!(
        s,
        "<text x=\"{GAP}\" y=\"28\" font-size=\"17\" font-weight=\"700\" fill=\"#1b1b1f\">{}</text>",
        esc(title)
    );
    let _ = write!(s, "<g transform=\"translate(0 {TITLE_H})\">");
    for (n, l) in snapshot.nodes.iter().zip(&scene.nodes) {
        let _ = write!(s, "<g data-node=\"{}\" transform=\"translate({} {})\">", esc(&n.id), l.x, l.y);
        node_frame(&mut s, n, l.h);
        for (i, k) in l.bars.iter().enumerate() {
            resource_bar(&mut s, n, k, l.bars_y + BAR_H * i as f64);
        }
        if l.bars.is_empty() {
            let _ = write!(
                s,
                "<text x=\"{PAD}\" y=\"{}\" font-size=\"11\" font-style=\"italic\" fill=\"#55555f\">no resources for \
                 replicas</text>",
                l.bars_y + 14.0
            );
        }
        for slot in &l.slots {
            let gang = slot.bundle.as_ref().and_then(|b| b.gang_id.as_ref());
            let (hue, _) = hue_of(gang);
            let _ = write!(s, "<g transform=\"translate({} {})\">", slot.x, slot.y);
            match &slot.bundle {
                Some(b) => {
                    let _ = write!(
                        s,
                        "<rect x=\"0\" y=\"-{lane}\" width=\"{SLOT_W}\" height=\"{h}\" rx=\"6\" fill=\"{hue}\" \
                         fill-opacity=\"0.12\" stroke=\"{hue}\" stroke-width=\"1.5\"/>\
                         <text x=\"4\" y=\"-8\" font-size=\"9.5\" fill=\"#33333b\">{tag}</text>",
                        lane = LANE_H - 4.0,
                        h = SLOT_H + LANE_H - 4.0,
                        tag = esc(&format!("{} b{}", short_pg_name(&b.pg_name), b.index)),
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<rect x=\"0\" y=\"0\" width=\"{SLOT_W}\" height=\"{SLOT_H}\" rx=\"6\" fill=\"none\" \
                         stroke=\"#a0a0aa\" stroke-dasharray=\"2 3\"/>"
                    );
                }
            }
            match slot.replica.as_deref().and_then(|r| replicas.get(r)) {
                Some(r) => token(&mut s, r, hue_of(r.gang_context.as_ref().map(|g| &g.gang_id))),
                None => {
                    let _ = write!(
                        s,
                        "<text x=\"{TOKEN_CX}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" font-style=\"italic\" \
                         fill=\"#55555f\">free</text>",
                        TOKEN_CY + 3.0
                    );
                }
            }
            s.push_str("</g>");
        }
        s.push_str("</g>");
    }
    s.push_str("</g></svg>\n");
    s
}

fn node_frame(s: &mut String, n: &NodeView, h: f64) {
    let (fill, stroke) = if !n.alive {
        ("#e4e4e8", "#8a8a94")
    } else if n.is_head {
        ("#f1f4f9", "#8797ad")
    } else {
        ("#ffffff", "#c4c4cc")
    };
    let dash = if n.draining.is_some() && n.alive { " stroke-dasharray=\"10 4\"" } else { "" };
    let _ = write!(
        s,
        "<rect width=\"{CARD_W}\" height=\"{h}\" rx=\"8\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"{dash}/>\
         <text x=\"{PAD}\" y=\"20\" font-size=\"15\" font-weight=\"700\" fill=\"#1b1b1f\">{}</text>",
        esc(&n.id)
    );
    let status = if !n.alive {
        Some("DEAD")
    } else if n.killed {
        Some("KILLED")
    } else if n.draining.is_some() {
        Some("DRAINING")
    } else if n.is_head {
        Some("HEAD")
    } else {
        None
    };
    let right = match status {
        Some(word) => (word.to_string(), if word == "HEAD" { "#3a4f6b" } else { "#b33c00" }, "700"),
        None => (header_labels(&n.labels, usize::MAX), "#55555f", "400"),
    };
    if !right.0.is_empty() {
        // What fits beside the name, measured as on the page's cards.
        let text = fit(&right.0, header_label_room(CARD_W, PAD, &n.id).max(4));
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"20\" text-anchor=\"end\" font-size=\"{}\" font-weight=\"{}\" fill=\"{}\">{}</text>",
            CARD_W - PAD,
            if status.is_some() { 12 } else { 10 },
            right.2,
            right.1,
            esc(&text)
        );
    }
    if n.is_head {
        let _ = write!(
            s,
            "<text x=\"{PAD}\" y=\"{}\" font-size=\"11\" fill=\"#55555f\">Serve controller</text>",
            HEADER_H + 18.0
        );
    }
}

fn resource_bar(s: &mut String, n: &NodeView, k: &str, y: f64) {
    let total = n.resources.get(k).max(1) as f64;
    let track_x = PAD + 62.0;
    let track_w = CARD_W - track_x - PAD - 104.0;
    let frac = |v: i64| (v.max(0) as f64 / total).min(1.0) * track_w;
    let name: String = k.chars().take(10).collect();
    let _ = write!(
        s,
        "<text x=\"{PAD}\" y=\"{ty}\" font-size=\"11\" font-weight=\"600\" fill=\"#1b1b1f\">{name}</text>\
         <rect x=\"{track_x}\" y=\"{by}\" width=\"{track_w}\" height=\"10\" rx=\"2\" fill=\"#efeff3\" stroke=\"#b5b5c0\"/>\
         <rect x=\"{track_x}\" y=\"{by}\" width=\"{rw:.1}\" height=\"10\" rx=\"2\" fill=\"#a6cbe6\"/>\
         <rect x=\"{track_x}\" y=\"{by}\" width=\"{uw:.1}\" height=\"10\" rx=\"2\" fill=\"#0b4f8a\"/>\
         <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"10\" fill=\"#55555f\">used {used} · rsv {rsv} / {tot}</text>",
        ty = y + 14.0,
        by = y + 5.0,
        name = esc(&name),
        rw = frac(n.reserved.get(k)),
        uw = frac(n.used.get(k)),
        tx = CARD_W - PAD,
        used = bar_amount(k, n.used.get(k)),
        rsv = bar_amount(k, n.reserved.get(k)),
        tot = bar_amount(k, n.resources.get(k)),
    );
}

fn token(s: &mut String, r: &ReplicaView, (hue, ink): (&str, &str)) {
    let (fill, glyph_ink, dash) = match r.state {
        ReplicaState::Starting => ("#ffffff", "#26262c", " stroke-dasharray=\"5 3.5\""),
        ReplicaState::Recovering | ReplicaState::PendingMigration => ("#ffffff", "#26262c", ""),
        ReplicaState::Stopping | ReplicaState::Stopped => ("#d9d9de", "#55555f", ""),
        ReplicaState::Running | ReplicaState::Updating => (hue, ink, ""),
    };
    // As on the page (issue 14): a graceful stop drains (grey, dashed), a forced one is crossed out in orange.
    let graceful = r.state == ReplicaState::Stopping && r.graceful_stop == Some(true);
    let (stroke, dash) = if graceful { ("#8f8f99", " stroke-dasharray=\"3 2.5\"") } else { (hue, dash) };
    let mark = if r.state == ReplicaState::Stopping && !graceful {
        let d = TOKEN_R * 0.7;
        let (x0, y0, x1, y1) = (TOKEN_CX - d, TOKEN_CY - d, TOKEN_CX + d, TOKEN_CY + d);
        format!(
            "<path d=\"M{x0} {y0}L{x1} {y1}M{x1} {y0}L{x0} {y1}\" stroke=\"#d55e00\" stroke-width=\"3.5\" \
             stroke-linecap=\"round\"/>"
        )
    } else {
        String::new()
    };
    let label_fill = match r.state {
        ReplicaState::Stopping if graceful => "#55555f",
        ReplicaState::Stopping | ReplicaState::Stopped => "#b33c00",
        ReplicaState::PendingMigration => "#8a5a00",
        _ => "#26262c",
    };
    let shape = if r.gang_context.is_some() {
        format!("<circle cx=\"{TOKEN_CX}\" cy=\"{TOKEN_CY}\" r=\"{TOKEN_R}\"")
    } else {
        format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{d}\" height=\"{d}\" rx=\"3\"",
            TOKEN_CX - TOKEN_R,
            TOKEN_CY - TOKEN_R,
            d = 2.0 * TOKEN_R
        )
    };
    let name = match &r.gang_context {
        Some(g) => format!("r{} {}", g.rank, short_id(&r.id, 6)),
        None => short_id(&r.id, 8).to_string(),
    };
    let _ = write!(
        s,
        "<g data-replica=\"{id}\"><title>{id}: {state:?}</title>{shape} fill=\"{fill}\" stroke=\"{stroke}\" \
         stroke-width=\"3\"{dash}/>{mark}\
         <text x=\"{TOKEN_CX}\" y=\"{gy}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"800\" \
         fill=\"{glyph_ink}\">{glyph}</text>\
         <text x=\"{TOKEN_CX}\" y=\"{ly}\" text-anchor=\"middle\" font-size=\"9.5\" font-weight=\"700\" \
         fill=\"{label_fill}\">{label}</text>\
         <text x=\"{TOKEN_CX}\" y=\"12\" text-anchor=\"middle\" font-size=\"9\" fill=\"#33333b\">{name}</text></g>",
        id = esc(&r.id),
        state = r.state,
        gy = TOKEN_CY + 4.0,
        glyph = replica_state_glyph(r.state),
        ly = TOKEN_CY + TOKEN_R + 13.0,
        label = replica_state_label(r.state),
        name = esc(&name),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::app::session::Session;
    use crate::model::time::SimTime;

    #[test]
    fn the_svg_crosses_out_a_forced_stop_and_drains_a_graceful_one_as_the_page_does() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(8.0));
        let mut snap = s.snapshot();
        let placed: Vec<usize> =
            (0..snap.replicas.len()).filter(|&i| snap.replicas[i].node.is_some()).take(2).collect();
        for (i, graceful) in placed.iter().zip([false, true]) {
            snap.replicas[*i].state = ReplicaState::Stopping;
            snap.replicas[*i].graceful_stop = Some(graceful);
        }
        let svg = cluster_svg(&snap, &BTreeMap::new(), "t");
        assert_eq!(svg.matches("stroke=\"#d55e00\"").count(), 1, "one forced stop crossed out");
        assert_eq!(svg.matches("stroke=\"#8f8f99\" stroke-width=\"3\" stroke-dasharray=\"3 2.5\"").count(), 1);
    }

    #[test]
    fn the_svg_draws_every_node_bundle_and_replica_with_its_gang_colour() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(8.0));
        let snap = s.snapshot();
        let gang = snap.replicas.iter().find_map(|r| r.gang_context.as_ref()).expect("a gang").gang_id.clone();
        let hues = BTreeMap::from([(gang.clone(), 3u8)]);
        let svg = cluster_svg(&snap, &hues, "replica-crash at 8.0 s <&>");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("replica-crash at 8.0 s &lt;&amp;&gt;"));
        for n in &snap.nodes {
            assert!(svg.contains(&format!("data-node=\"{}\"", n.id)), "{}", n.id);
        }
        for r in snap.replicas.iter().filter(|r| r.node.is_some()) {
            assert!(svg.contains(&format!("data-replica=\"{}\"", r.id)), "{}", r.id);
        }
        assert!(svg.contains(HUES[3].0), "the gang's hue is the page's");
        assert!(svg.contains(">RUN<"));
        // Balanced groups: a well-formed document.
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(esc("a\"b'"), "a&quot;b&apos;");
        assert_eq!(export_columns(1), 1);
        assert_eq!(export_columns(20), 4);
    }
}
