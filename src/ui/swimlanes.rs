//! The swimlane view beside the cluster (issue 14): one lane for the Serve controller, one per node, and per
//! deployment its status and one lane per gang, on the run's time axis, with marks for faults, teardowns and their
//! causes (`app::lanes` builds them). Clicking a mark (or Enter on it) jumps the clock to its event.
//!
//! Virtualised: lanes have a fixed height and only the rows in the scroll window (plus a few) are in the DOM, so
//! a 1,000-replica run stays a few dozen rows. A lane is redrawn only when it changed (its `Rc` is new) or the axis
//! changed; the "now" line and the open end of every lane follow one CSS variable on the list.
use crate::app::lanes::{Lane, LaneBuilder, LaneKind, Lanes, Mark, MarkKind, Row};
use crate::model::time::SimTime;
use crate::ui::hover::{Gestures, Hovered};
use crate::ui::palette::format_clock;
use crate::ui::state::{SessionCell, Travel, UiAction, UiState};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Height of one row in pixels (the stylesheet's `.sl-row` says the same).
pub const ROW_H: usize = 22;
/// Rows drawn above and below the scroll window, so a short scroll shows no gap.
const OVERSCAN: usize = 6;
/// Marks closer than this (percent of the axis) are drawn as one, saying how many it stands for.
const MARK_MERGE_PCT: f64 = 3.0;

/// The end of the axis: the scenario's `until_s`, and past it, the clock rounded up to a quarter of `until_s`, so
/// the scale (and every lane) changes a few times per run, not every frame.
pub fn axis_end(until: SimTime, now: SimTime) -> SimTime {
    let until = until.0.max(1_000_000);
    if now.0 <= until {
        return SimTime(until);
    }
    let step = until / 4;
    SimTime(now.0.div_ceil(step) * step)
}

/// The rows `[from, to)` to draw for a scroll window starting `first` rows down and `visible` rows tall.
pub fn window(rows: usize, first: usize, visible: usize) -> (usize, usize) {
    let from = first.saturating_sub(OVERSCAN).min(rows);
    (from, (first + visible + OVERSCAN).min(rows))
}

/// Marks that would overlap, drawn as one: the weightiest of them (a teardown over the kill that caused it) and
/// the others it stands for, in time order.
pub struct MergedMark<'a> {
    pub shown: &'a Mark,
    pub others: Vec<&'a Mark>,
}

/// How much a mark's kind weighs when marks are merged.
fn weight(kind: MarkKind) -> u8 {
    match kind {
        MarkKind::Violation => 9,
        MarkKind::Teardown => 8,
        MarkKind::Leak => 7,
        MarkKind::Status => 6,
        MarkKind::Controller => 5,
        MarkKind::Rollout | MarkKind::Migration => 4,
        MarkKind::Autoscale => 3,
        MarkKind::Node => 2,
        MarkKind::Failure => 1,
        MarkKind::Action => 0,
    }
}

/// Marks merged where they would overlap (closer than [`MARK_MERGE_PCT`] of the axis to the group's first one).
pub fn merged_marks(marks: &[Mark], end: SimTime) -> Vec<MergedMark<'_>> {
    let mut groups: Vec<(f64, Vec<&Mark>)> = Vec::new();
    for m in marks {
        let x = pct(m.t, end);
        match groups.last_mut() {
            Some((at, group)) if x - *at < MARK_MERGE_PCT => group.push(m),
            _ => groups.push((x, vec![m])),
        }
    }
    groups
        .into_iter()
        .map(|(_, group)| {
            // The weightiest; among equals, the first.
            let shown = group.iter().copied().rev().max_by_key(|m| weight(m.kind)).expect("a group has a mark");
            let others = group.into_iter().filter(|m| !std::ptr::eq(*m, shown)).collect();
            MergedMark { shown, others }
        })
        .collect()
}

/// A tick label of the axis, short enough for five of them in a narrow column: `15 s`, `7.5 s`.
pub fn axis_label(t: SimTime) -> String {
    let s = t.as_secs_f64();
    if (s - s.round()).abs() < 0.05 { format!("{s:.0} s") } else { format!("{s:.1} s") }
}

fn pct(t: SimTime, end: SimTime) -> f64 {
    (t.0 as f64 * 100.0 / end.0.max(1) as f64).min(100.0)
}

fn glyph(kind: MarkKind) -> &'static str {
    match kind {
        MarkKind::Action => "⚡",
        MarkKind::Failure => "!",
        MarkKind::Node => "◆",
        MarkKind::Controller => "●",
        MarkKind::Teardown => "✕",
        MarkKind::Leak => "◇",
        MarkKind::Status => "▲",
        MarkKind::Rollout => "↻",
        MarkKind::Migration => "→",
        MarkKind::Autoscale => "±",
        MarkKind::Violation => "‼",
    }
}

/// What a mark says (tooltip and accessible name): what, when, why, what started it, and the marks under it.
pub fn mark_text(m: &Mark, others: &[&Mark]) -> String {
    let mut s = format!("{} at {}: {}", m.title, format_clock(m.t.as_secs_f64()), m.reason);
    if let Some((seq, t, reason)) = &m.origin
        && *seq != m.seq
    {
        s.push_str(&format!(" Caused by: {reason} (at {}).", format_clock(t.as_secs_f64())));
    }
    let listed: Vec<String> =
        others.iter().take(3).map(|o| format!("{} at {}", o.title, format_clock(o.t.as_secs_f64()))).collect();
    if !listed.is_empty() {
        s.push_str(&format!(" Also here: {}", listed.join("; ")));
        if others.len() > listed.len() {
            s.push_str(&format!(" and {} more", others.len() - listed.len()));
        }
        s.push('.');
    }
    s
}

#[derive(Properties, PartialEq)]
pub struct SwimlanesProps {
    pub session: SessionCell,
    /// Changes whenever the run has new events.
    pub events_total: usize,
    pub now: SimTime,
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    /// Lanes shown (else only the heading and its "Show" button).
    pub shown: bool,
    pub dispatcher: UseReducerDispatcher<UiState>,
}

#[component(Swimlanes)]
pub fn swimlanes(props: &SwimlanesProps) -> Html {
    let gestures = use_context::<Gestures>();
    let builder = use_mut_ref(|| None::<(usize, LaneBuilder)>);
    let (session_ptr, run, until, kept_from) = {
        let s = props.session.0.borrow();
        let until = SimTime::from_secs_f64(s.scenario().until_s);
        (Rc::as_ptr(&props.session.0) as usize, s.version().0, until, s.events_kept_from())
    };
    // Read the new events only (`LaneBuilder::sync`); hidden, nothing is read.
    let lanes = {
        let session = props.session.clone();
        use_memo((session_ptr, run, props.events_total, props.shown), move |(ptr, run, _, shown)| {
            if !*shown {
                return Lanes::default();
            }
            let s = session.0.borrow();
            let mut b = builder.borrow_mut();
            if b.as_ref().is_none_or(|(p, _)| p != ptr) {
                *b = Some((*ptr, LaneBuilder::new(s.scenario())));
            }
            let (_, b) = b.as_mut().expect("set above");
            b.sync(*run, s.events());
            b.lanes()
        })
    };
    let first_row = use_state_eq(|| 0usize);
    let visible_rows = use_state_eq(|| 24usize);
    let scroller = use_node_ref();
    let styles = crate::ui::cssom::use_inline_styles();
    {
        // The window's height, now and when the page is resized.
        let (scroller, visible_rows) = (scroller.clone(), visible_rows.clone());
        use_effect_with(props.shown, move |_| {
            let measure = move || {
                if let Some(el) = scroller.cast::<web_sys::Element>() {
                    visible_rows.set((el.client_height().max(0) as usize).div_ceil(ROW_H).max(1));
                }
            };
            measure();
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| measure());
            move || drop(listener)
        });
    }
    let onscroll = {
        let (scroller, first_row) = (scroller.clone(), first_row.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                // The sticky axis takes the first row's height.
                first_row.set((el.scroll_top().max(0) as usize).saturating_sub(ROW_H) / ROW_H);
            }
        })
    };
    let d = props.dispatcher.clone();
    let on_toggle = use_callback((), move |_: MouseEvent, _| d.dispatch(UiAction::ToggleLanes));
    let d = props.dispatcher.clone();
    let on_jump = use_callback((), move |seq: u64, _| d.dispatch(UiAction::Travel(Travel::JumpToEvent(seq))));
    let on_hover = gestures.map(|g| g.on_hover);

    let end = axis_end(until, props.now);
    // The "now" line moves in steps of a thousandth of the axis: at most a thousand style changes per run.
    let now_pct = (pct(props.now, end) * 10.0).round() / 10.0;
    // A long run's lanes hold only what its kept events tell (`LaneBuilder::forget_before`): the time before them
    // is shaded and says so, rather than look like a quiet stretch.
    let forgotten = kept_from.map(|t| (t, (pct(t, end) * 10.0).round() / 10.0));
    let header = html! {
        <div class="sl-head">
            <h2 id="swimlanes-title">{ "Lanes" }</h2>
            if props.shown {
                <span class="sl-legend" aria-hidden="true">
                    <span class="sl-key ph-reserved"></span>{ "reserved" }
                    <span class="sl-key ph-starting"></span>{ "starting" }
                    <span class="sl-key ph-running"></span>{ "running" }
                    <span class="sl-key ph-stopping"></span>{ "stopping" }
                </span>
            }
            <button type="button" class="sl-toggle" onclick={on_toggle} aria-expanded={props.shown.to_string()}
                aria-controls="swimlanes-body" data-testid="lanes-toggle">
                { if props.shown { "Hide lanes" } else { "Show lanes" } }
            </button>
        </div>
    };
    if !props.shown {
        return html! {
            <section class="swimlanes-pane folded" aria-labelledby="swimlanes-title" data-testid="swimlanes">{ header }</section>
        };
    }
    let rows = lanes.rows.clone();
    let (from, to) = window(rows.len(), *first_row, *visible_rows);
    let quarter = |q: u64| SimTime(end.0 * q / 4);
    html! {
        <section class="swimlanes-pane" aria-labelledby="swimlanes-title" data-testid="swimlanes">
            { header }
            <div id="swimlanes-body" class="sl-scroll" ref={scroller} {onscroll}>
                <div class="sl-axis sl-grid" aria-hidden="true">
                    <span class="sl-label">{ "time" }</span>
                    <span class="sl-track">
                        { for (0..=4).map(|q| html! {
                            <span key={q} class={classes!("sl-tick", (q == 4).then_some("last"))} ref={styles.node(format!("left: {}%", q * 25))}>
                                { axis_label(quarter(q)) }
                            </span>
                        }) }
                    </span>
                </div>
                <div class="sl-rows" role="list" aria-label={format!("{} lanes; marks jump to their event", lanes.lanes.len())}
                    ref={styles.node(format!("height: {}px; --sl-now: {now_pct}%", rows.len() * ROW_H))} data-rows={rows.len().to_string()}>
                    <div class="sl-nowlayer" aria-hidden="true"><div class="sl-now"></div></div>
                    if let Some((t, p)) = forgotten {
                        <div class="sl-nowlayer sl-forgotten-layer">
                            <div class="sl-forgotten" ref={styles.node(format!("width: {p}%"))} data-testid="lanes-forgotten"
                                title={format!("Lanes before t = {:.1} s are no longer kept; seeking there replays them.", t.as_secs_f64())}>
                            </div>
                        </div>
                    }
                    { for (from..to).map(|i| match &rows[i] {
                        Row::Group(title) => html! {
                            <div key={format!("group-{title}")} class="sl-row sl-group" role="listitem"
                                ref={styles.node(format!("top: {}px", i * ROW_H))}>{ title.clone() }</div>
                        },
                        Row::Lane(l) => {
                            let lane = lanes.lanes[*l].clone();
                            let key = lane.key.clone();
                            let hue = (lane.kind == LaneKind::Gang).then(|| props.gang_hues.get(&lane.id).copied()).flatten();
                            html! {
                                <LaneRow key={key} {lane} end_us={end.0} {hue} top_px={i * ROW_H}
                                    on_jump={on_jump.clone()} on_hover={on_hover.clone()} />
                            }
                        }
                    }) }
                </div>
            </div>
        </section>
    }
}

#[derive(Properties)]
pub struct LaneRowProps {
    pub lane: Rc<Lane>,
    pub end_us: u64,
    pub hue: Option<u8>,
    pub top_px: usize,
    pub on_jump: Callback<u64>,
    pub on_hover: Option<Callback<Option<Hovered>>>,
}

impl PartialEq for LaneRowProps {
    /// A lane is the same while its `Rc` is: the builder gives a changed lane a new one.
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.lane, &o.lane)
            && self.end_us == o.end_us
            && self.hue == o.hue
            && self.top_px == o.top_px
            && self.on_jump == o.on_jump
            && self.on_hover == o.on_hover
    }
}

#[component(LaneRow)]
fn lane_row(props: &LaneRowProps) -> Html {
    let styles = crate::ui::cssom::use_inline_styles();
    let lane = &props.lane;
    let end = SimTime(props.end_us);
    let kind_class = match lane.kind {
        LaneKind::Controller => "sl-controller",
        LaneKind::Node => "sl-node",
        LaneKind::Deployment => "sl-deployment",
        LaneKind::Gang => "sl-gang",
    };
    let now_words = match (lane.phase(), lane.ended) {
        (Some(p), _) => p.label(),
        (None, Some(t)) => format!("gone since {}", format_clock(t.as_secs_f64())),
        (None, None) => "not started".into(),
    };
    let kind_word = if lane.kind == LaneKind::Gang { "gang " } else { "" };
    let name = format!("{kind_word}{} {}: {now_words}", lane.label, lane.detail);
    // Hovering a gang's lane lights its placement group, bundles and members in the cluster.
    let (onmouseenter, onmouseleave) = match (&props.on_hover, &lane.pg_name) {
        (Some(h), Some(pg)) => {
            let (enter, pg) = (h.clone(), pg.clone());
            let leave = h.clone();
            (
                Some(Callback::from(move |_: MouseEvent| enter.emit(Some(Hovered::Pg(pg.clone()))))),
                Some(Callback::from(move |_: MouseEvent| leave.emit(None))),
            )
        }
        _ => (None, None),
    };
    html! {
        <div class={classes!("sl-row", "sl-grid", kind_class, props.hue.map(|h| format!("hue-{h}")), lane.ended.map(|_| "ended"))}
            role="listitem" aria-label={name} ref={styles.node(format!("top: {}px", props.top_px))} data-lane={lane.key.clone()}
            {onmouseenter} {onmouseleave}>
            <span class="sl-label" title={format!("{kind_word}{} · {}", lane.label, lane.detail)}>{ lane.label.clone() }</span>
            <span class="sl-track">
                { for lane.segments.iter().map(|s| {
                    let left = pct(s.from, end);
                    let width = match s.to {
                        Some(to) => format!("{:.3}%", (pct(to, end) - left).max(0.0)),
                        None => format!("max(0%, calc(var(--sl-now) - {left:.3}%))"),
                    };
                    let title = format!("{kind_word}{} {}: {} from {}", lane.label, lane.detail, s.phase.label(), format_clock(s.from.as_secs_f64()));
                    html! {
                        <span class={classes!("sl-seg", s.phase.class())} title={title}
                            ref={styles.node(format!("left: {left:.3}%; width: {width}"))}></span>
                    }
                }) }
                { for merged_marks(&lane.marks, end).into_iter().map(|MergedMark { shown: m, others }| {
                    let seq = m.seq;
                    let on_jump = props.on_jump.clone();
                    let text = mark_text(m, &others);
                    html! {
                        <button type="button" key={seq} class={classes!("sl-mark", m.kind.class())}
                            ref={styles.node(format!("left: {:.3}%", pct(m.t, end)))} title={text.clone()} aria-label={text}
                            data-seq={seq.to_string()} data-kind={m.kind.class()} data-testid="sl-mark"
                            onclick={Callback::from(move |_: MouseEvent| on_jump.emit(seq))}>
                            { glyph(m.kind) }
                        </button>
                    }
                }) }
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(t_s: f64, seq: u64) -> Mark {
        Mark {
            seq,
            t: SimTime::from_secs_f64(t_s),
            kind: MarkKind::Failure,
            title: "health check failed".into(),
            reason: "r".into(),
            origin: None,
        }
    }

    #[test]
    fn the_axis_is_the_scenario_until_then_grows_by_quarters() {
        let until = SimTime::from_secs_f64(60.0);
        assert_eq!(axis_end(until, SimTime::from_secs_f64(10.0)), until);
        assert_eq!(axis_end(until, SimTime::from_secs_f64(61.0)), SimTime::from_secs_f64(75.0));
        assert_eq!(axis_end(until, SimTime::from_secs_f64(75.0)), SimTime::from_secs_f64(75.0));
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(axis_label(SimTime::from_secs_f64(15.0)), "15 s");
        assert_eq!(axis_label(SimTime::from_secs_f64(7.5)), "7.5 s");
        assert_eq!(axis_label(SimTime::ZERO), "0 s");
    }

    #[test]
    fn only_the_rows_in_the_window_are_drawn() {
        assert_eq!(window(600, 0, 20), (0, 26));
        assert_eq!(window(600, 300, 20), (294, 326));
        assert_eq!(window(10, 0, 20), (0, 10));
        assert_eq!(window(600, 599, 20), (593, 600));
    }

    #[test]
    fn marks_close_together_are_one_showing_the_weightiest_and_naming_the_others() {
        let end = SimTime::from_secs_f64(100.0);
        let mut teardown = mark(11.0, 3);
        teardown.kind = MarkKind::Teardown;
        teardown.title = "gang torn down: actor crashed".into();
        let marks = [mark(10.0, 1), mark(10.5, 2), teardown, mark(50.0, 4)];
        let merged = merged_marks(&marks, end);
        let shape: Vec<(u64, Vec<u64>)> =
            merged.iter().map(|g| (g.shown.seq, g.others.iter().map(|m| m.seq).collect())).collect();
        assert_eq!(shape, [(3, vec![1, 2]), (4, vec![])]);
        let text = mark_text(merged[0].shown, &merged[0].others);
        assert!(text.starts_with("gang torn down: actor crashed at 11.00 s"), "{text}");
        assert!(text.ends_with("Also here: health check failed at 10.00 s; health check failed at 10.50 s."), "{text}");
    }

    #[test]
    fn a_mark_says_what_caused_it() {
        let mut m = mark(10.2, 20);
        m.origin = Some((18, SimTime::from_secs_f64(10.0), "replica kpj3oacc's actor process was killed".into()));
        let text = mark_text(&m, &[]);
        assert!(text.contains("Caused by: replica kpj3oacc's actor process was killed (at 10.00 s)"), "{text}");
    }
}
