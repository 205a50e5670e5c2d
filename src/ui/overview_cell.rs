//! One node in the overview: its name, its state, a fill bar of its main resource (reserved, and used inside it)
//! and its gangs as glyphs in their colours. A button: it zooms into the node's group. Redrawn only when its
//! summary changes (the overview keeps an unchanged node's summary as the same `Rc`).
use crate::app::cluster_summary::{GangCue, NodeHealth, NodeSummary};
use std::rc::Rc;
use yew::prelude::*;

/// Glyphs drawn per cell; more gangs are counted ("+3").
pub const MAX_GLYPHS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct OverviewCellProps {
    pub summary: Rc<NodeSummary>,
    /// A selected event or hovered chain touches this node or one of its gangs.
    pub lit: bool,
    /// Bytes of the id its group shares with its neighbours, left out of the name shown (the accessible name and
    /// tooltip keep the whole id).
    #[prop_or_default]
    pub cut: usize,
    pub on_open: Callback<()>,
}

fn cue_class(c: GangCue) -> &'static str {
    match c {
        GangCue::Starting => "starting",
        GangCue::Running => "running",
        GangCue::Stopping => "stopping",
        GangCue::TornDown => "torndown",
    }
}

#[component(OverviewCell)]
pub fn overview_cell(p: &OverviewCellProps) -> Html {
    let styles = crate::ui::cssom::use_inline_styles();
    let s = &p.summary;
    let health = s.health.word();
    let onclick = {
        let on = p.on_open.clone();
        Callback::from(move |_: MouseEvent| on.emit(()))
    };
    let pct = |x: f64| format!("width: {:.1}%", x * 100.0);
    let more = s.gangs.len().saturating_sub(MAX_GLYPHS);
    let badge = match s.health {
        NodeHealth::Alive => None,
        NodeHealth::Draining => Some("DRAIN"),
        NodeHealth::Killed => Some("KILLED"),
        NodeHealth::Dead => Some("DEAD"),
    };
    let label = s.describe();
    html! {
        <button type="button" class={classes!("ov-cell", health, s.is_head.then_some("head"), p.lit.then_some("hl"))}
            data-cell={s.id.clone()} data-health={health} aria-label={label.clone()} title={label} {onclick}>
            <span class="ov-name">{ s.id.get(p.cut..).filter(|n| !n.is_empty()).unwrap_or(&s.id).to_string() }</span>
            if s.total > 0.0 {
                <span class="ov-fill" aria-hidden="true">
                    <span class="rsv" ref={styles.node(pct(s.reserved_share()))}></span>
                    <span class="use" ref={styles.node(pct(s.used_share()))}></span>
                </span>
            }
            <span class="ov-glyphs" aria-hidden="true">
                // The state first, on the glyphs' line: the name keeps the cell's whole width.
                if let Some(b) = badge { <span class="ov-badge">{ b }</span> }
                { for s.gangs.iter().take(MAX_GLYPHS).map(|g| {
                    let hue = g.hue.map(|h| format!("hue-{h}"));
                    html! { <span class={classes!("ov-gang", cue_class(g.cue), hue)} data-gang={g.gang_id.clone()}></span> }
                }) }
                if more > 0 { <span class="ov-more">{ format!("+{more}") }</span> }
                if s.plain_replicas > 0 { <span class="ov-plain">{ format!("·{}", s.plain_replicas) }</span> }
                if s.torn_down > 0 { <span class="ov-torn">{ format!("✕{}", s.torn_down) }</span> }
            </span>
        </button>
    }
}
