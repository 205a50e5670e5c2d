//! The traffic chart under the timeline, on the timeline's own time axis (so its markers line up): for one
//! deployment with traffic, requests per second (offered, served, failed), replicas (target, routable, whole gangs)
//! and requests in flight per replica (with `target_ongoing_requests` and `max_ongoing_requests`). Hidden when the
//! scenario has no traffic. The lines are rebuilt only when a sample arrives or the time axis changes; the cursor
//! moves on its own.
use crate::model::snapshot::Snapshot;
use crate::model::time::SimTime;
use crate::ui::chart_series::{ChartData, HEADROOM, Limits, PANEL_H, chart_data, fmt_num, samples_of, summary, y_of};
use crate::ui::state::SessionCell;
use crate::ui::timeline::{MarkerKind, bar_end, markers};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Space between two panels, and the row of time labels under the last one (px).
pub const PANEL_GAP: f64 = 8.0;
pub const AXIS_H: f64 = 14.0;
/// Width drawn before the plot has been measured.
const DEFAULT_WIDTH: f64 = 800.0;

/// A marker line: x (px), class, tooltip.
pub type ChartMarker = (f64, &'static str, String);

/// Which deployment the chart shows: the one picked in its selector, else one the selected event touches, else the
/// first.
pub fn chosen(names: &[String], picked: Option<&str>, highlight: &BTreeSet<String>) -> usize {
    picked
        .and_then(|p| names.iter().position(|n| n == p))
        .or_else(|| names.iter().position(|n| highlight.contains(n)))
        .unwrap_or(0)
}

#[derive(Properties, PartialEq)]
pub struct TrafficChartProps {
    pub session: SessionCell,
    pub now: SimTime,
    /// Change whenever the known timeline may have changed (as for the timeline).
    pub events_total: usize,
    pub user_actions: usize,
    /// For the deployments' autoscaling limits and gang sizes.
    pub snapshot: Rc<Snapshot>,
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
}

#[component(TrafficChart)]
pub fn traffic_chart(props: &TrafficChartProps) -> Html {
    let (names, max_ongoing, samples_len, known_until, end, generation) = {
        let s = props.session.0.borrow();
        let t = s.traffic();
        let names: Vec<String> = t.deployments.iter().map(|d| format!("{}/{}", d.app, d.deployment)).collect();
        let max_ongoing: Vec<u32> = t.deployments.iter().map(|d| d.max_ongoing).collect();
        let known = s.history().known_until();
        let end = bar_end(known, SimTime::from_secs_f64(s.scenario().until_s), props.now);
        (names, max_ongoing, t.samples.len(), known, end, s.version().0)
    };
    let picked = use_state(|| None::<String>);
    let width = use_state(|| 0.0f64);
    let plot = use_node_ref();
    let styles = crate::ui::cssom::use_inline_styles();
    let has_traffic = !names.is_empty();
    {
        // The plot's width in px: one point per pixel column at most.
        let (plot, width) = (plot.clone(), width.clone());
        use_effect_with(has_traffic, move |_| {
            let measure = move || {
                if let Some(el) = plot.cast::<web_sys::Element>() {
                    let w = el.client_width() as f64;
                    if w > 0.0 && (w - *width).abs() >= 1.0 {
                        width.set(w);
                    }
                }
            };
            measure();
            let window = gloo::utils::window();
            let listener = gloo::events::EventListener::new(window.unchecked_ref(), "resize", move |_| measure());
            move || drop(listener)
        });
    }
    let i = chosen(&names, picked.as_deref(), &props.highlight);
    let name = names.get(i).cloned().unwrap_or_default();
    let view = props.snapshot.deployments.iter().find(|d| format!("{}/{}", d.app, d.name) == name);
    let limits = Limits {
        max_ongoing: max_ongoing.get(i).copied().unwrap_or(0) as f64,
        target_ongoing: view.and_then(|d| d.autoscaling.as_ref()).map(|a| a.target_ongoing_requests),
        max_replicas: view.and_then(|d| d.autoscaling.as_ref()).map(|a| a.max_replicas),
    };
    let w = if *width > 0.0 { *width } else { DEFAULT_WIDTH };
    // Samples arrive once per simulated second, so the whole second of `now` is enough to know which are shown.
    let data = {
        let session = props.session.clone();
        let key = (i, samples_len, props.now.0 / 1_000_000, end, w.to_bits(), limits, generation, has_traffic);
        use_memo(key, move |(i, _, _, end, _, limits, _, has_traffic)| {
            if !*has_traffic {
                return ChartData::default();
            }
            let s = session.0.borrow();
            let now = s.now();
            chart_data(&samples_of(&s.traffic().samples, *i, now), *end, w, *limits)
        })
    };
    let marks = {
        let session = props.session.clone();
        use_memo(
            (props.events_total, props.user_actions, known_until, end, w.to_bits(), has_traffic),
            move |(_, _, _, end, _, has_traffic)| -> Vec<ChartMarker> {
                if !*has_traffic {
                    return Vec::new();
                }
                let s = session.0.borrow();
                markers(s.history().known_events(), *end, 240)
                    .into_iter()
                    .filter(|m| m.kind != MarkerKind::Reservation)
                    .map(|m| {
                        let more = if m.more > 0 { format!(" (+{} more)", m.more) } else { String::new() };
                        let title = format!("{} at {:.2} s: {}{more}", m.kind.label(), m.t.as_secs_f64(), m.reason);
                        (crate::ui::chart_series::x_of(m.t, *end, w), m.kind.class(), title)
                    })
                    .collect()
            },
        )
    };
    if !has_traffic {
        return html! {};
    }
    let gangs = view.is_some_and(|d| d.gang_size.is_some()) || data.latest.is_some_and(|s| s.whole_gangs > 0);
    let label = summary(&name, data.latest.as_ref(), gangs);
    let on_pick = {
        let picked = picked.clone();
        Callback::from(move |e: Event| {
            let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
            picked.set(v);
        })
    };
    let cursor = format!("left: {:.3}%", props.now.0 as f64 * 100.0 / end.0.max(1) as f64);
    html! {
        <section class="traffic-chart" aria-labelledby="traffic-title" data-testid="traffic-chart">
            <div class="tc-head">
                <h2 id="traffic-title">{ "Traffic" }</h2>
                if names.len() > 1 {
                    <label class="tc-pick">
                        <span>{ "Deployment" }</span>
                        <select onchange={on_pick} data-testid="traffic-deployment">
                            { for names.iter().enumerate().map(|(k, n)| html! {
                                <option key={n.clone()} value={n.clone()} selected={k == i}>{ n.clone() }</option>
                            }) }
                        </select>
                    </label>
                } else {
                    <span class="tc-name">{ name.clone() }</span>
                }
            </div>
            <div class="tc-plot" ref={plot} role="img" aria-label={label} data-testid="traffic-plot">
                <ChartPlot data={data.clone()} markers={marks.clone()} {limits} {end} {gangs} />
                <div class="tc-cursor" ref={styles.node(cursor)} aria-hidden="true"></div>
            </div>
            <ChartLegend autoscaled={limits.target_ongoing.is_some()} {gangs} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartPlotProps {
    pub data: Rc<ChartData>,
    pub markers: Rc<Vec<ChartMarker>>,
    pub limits: Limits,
    pub end: SimTime,
    pub gangs: bool,
}

fn panel(top: f64, label: String, body: Html, w: f64) -> Html {
    html! {
        <g class="tc-panel" transform={format!("translate(0 {top})")}>
            <line class="tc-grid" x1="0" x2={format!("{w:.1}")} y1={HEADROOM.to_string()} y2={HEADROOM.to_string()} />
            <line class="tc-base" x1="0" x2={format!("{w:.1}")} y1={PANEL_H.to_string()} y2={PANEL_H.to_string()} />
            { body }
            <text class="tc-axis" x="3" y="9.5">{ label }</text>
        </g>
    }
}

fn level_line(class: &'static str, v: f64, top: f64, w: f64, label: String) -> Html {
    let y = format!("{:.1}", y_of(v, top));
    html! {
        <g class={class}>
            <line x1="0" x2={format!("{w:.1}")} y1={y.clone()} y2={y.clone()} />
            <text class="tc-level" x={format!("{:.1}", w - 3.0)} y={format!("{:.1}", (y_of(v, top) - 2.5).max(9.5))}
                text-anchor="end">{ label }</text>
        </g>
    }
}

/// The three panels as one SVG (re-rendered only when its lines or markers change).
#[component(ChartPlot)]
pub fn chart_plot(props: &ChartPlotProps) -> Html {
    let d = &props.data;
    let w = d.width.max(1.0);
    let step = PANEL_H + PANEL_GAP;
    let height = 3.0 * PANEL_H + 2.0 * PANEL_GAP + AXIS_H;
    let line = |class: &'static str, points: &str| html! { <polyline class={class} points={points.to_string()} /> };
    let rates = html! {
        <>
            { line("tc-offered", &d.offered) }
            { line("tc-served", &d.served) }
            <path class="tc-failed" d={d.failed.clone()} />
            if let Some((x, v)) = d.failed_peak {
                // The highest spike says how many failed: a request or two is a short bar on a big axis.
                <text class="tc-failed-label" x={format!("{:.1}", if x > w - 70.0 { x - 4.0 } else { x + 4.0 })}
                    y={format!("{:.1}", (y_of(v, d.rate_top) + 4.0).clamp(HEADROOM + 8.0, PANEL_H - 8.0))}
                    text-anchor={if x > w - 70.0 { "end" } else { "start" }}>
                    { format!("{} failed/s", fmt_num(v)) }
                </text>
            }
        </>
    };
    let replicas = html! {
        <>
            if props.gangs { { line("tc-gangs", &d.gangs) } }
            { line("tc-routable", &d.routable) }
            { line("tc-target", &d.target) }
        </>
    };
    let ongoing = html! {
        <>
            if props.limits.max_ongoing > 0.0 {
                { level_line("tc-max", props.limits.max_ongoing, d.ongoing_top, w,
                    format!("max_ongoing_requests {}", fmt_num(props.limits.max_ongoing))) }
            }
            if let Some(t) = props.limits.target_ongoing {
                { level_line("tc-target-ongoing", t, d.ongoing_top, w, format!("target_ongoing_requests {}", fmt_num(t))) }
            }
            { line("tc-ongoing", &d.ongoing) }
        </>
    };
    let marker_lines = props.markers.iter().map(|(x, class, title)| {
        html! {
            <line class={classes!("tc-marker", *class)} x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1="0"
                y2={format!("{:.1}", height - AXIS_H)}>
                <title>{ title.clone() }</title>
            </line>
        }
    });
    let end_s = props.end.as_secs_f64();
    html! {
        <svg class="tc-svg" width={format!("{w:.0}")} height={format!("{height:.0}")}
            viewBox={format!("0 0 {w:.1} {height:.1}")} preserveAspectRatio="none" aria-hidden="true" data-samples={d.samples.to_string()}>
            { for marker_lines }
            { panel(0.0, format!("requests/s (0–{})", fmt_num(d.rate_top)), rates, w) }
            { panel(step, format!("replicas (0–{})", fmt_num(d.replica_top)), replicas, w) }
            { panel(2.0 * step, format!("in flight per replica (0–{})", fmt_num(d.ongoing_top)), ongoing, w) }
            <text class="tc-axis" x="0" y={format!("{:.1}", height - 2.0)}>{ "0 s" }</text>
            <text class="tc-axis" x={format!("{:.1}", w / 2.0)} y={format!("{:.1}", height - 2.0)} text-anchor="middle">
                { format!("{} s", fmt_num(end_s / 2.0)) }
            </text>
            <text class="tc-axis" x={format!("{w:.1}")} y={format!("{:.1}", height - 2.0)} text-anchor="end">
                { format!("{} s", fmt_num(end_s)) }
            </text>
        </svg>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartLegendProps {
    pub autoscaled: bool,
    pub gangs: bool,
}

#[component(ChartLegend)]
pub fn chart_legend(props: &ChartLegendProps) -> Html {
    let mut items: Vec<(&str, &str)> = vec![
        ("tc-offered", "offered"),
        ("tc-served", "served"),
        ("tc-failed", "failed"),
        ("tc-target", "target replicas"),
        ("tc-routable", "routable replicas"),
    ];
    if props.gangs {
        items.push(("tc-gangs", "whole gangs"));
    }
    items.push(("tc-ongoing", "in flight per replica"));
    if props.autoscaled {
        items.push(("tc-target-ongoing", "target_ongoing_requests"));
    }
    items.push(("tc-max", "max_ongoing_requests"));
    html! {
        <ul class="tc-legend" aria-label="Chart lines">
            { for items.into_iter().map(|(class, label)| html! {
                <li key={class}>
                    <svg width="18" height="8" aria-hidden="true"><line class={class} x1="1" x2="17" y1="4" y2="4" /></svg>
                    { label }
                </li>
            }) }
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_shows_the_picked_then_the_highlighted_then_the_first_deployment() {
        let names = vec!["roomy/Model".to_string(), "tight/Model".to_string()];
        let hl: BTreeSet<String> = ["tight/Model".to_string()].into_iter().collect();
        assert_eq!(chosen(&names, None, &BTreeSet::new()), 0);
        assert_eq!(chosen(&names, None, &hl), 1);
        assert_eq!(chosen(&names, Some("roomy/Model"), &hl), 0);
        assert_eq!(chosen(&names, Some("gone/X"), &BTreeSet::new()), 0);
    }
}
