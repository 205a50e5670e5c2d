//! "Why here? / Why not?" for a placement group or a replica (issue 13): the model's explanation
//! (`model::placement_explain`) as a per-node table (need against free per resource, labels, verdict), the summary
//! line on top, the scores for a placed group, and the chain (the event that last changed it and the fault that
//! started it). It only draws: every word of the verdicts comes from the model.
use crate::model::events::Event;
use crate::model::placement_explain::{FreeBasis, NodeRow, PlacementExplanation, Subject};
use crate::model::resources::{UNITS, fmt_amount};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The chain of the explained replica or placement group: the event that last changed it (a controller step or a
/// GCS decision), and the event that started that one (its `cause`, followed to the first: usually the fault).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlacementChain {
    pub last: Option<Event>,
    /// The first cause of `last`, when it has one.
    pub origin: Option<Event>,
    /// Every event of the chain (`last` and its causes), for the log to mark.
    pub seqs: BTreeSet<u64>,
}

#[derive(Properties, PartialEq)]
pub struct PlacementPanelProps {
    pub explanation: Rc<PlacementExplanation>,
    #[prop_or_default]
    pub chain: Rc<PlacementChain>,
    pub on_close: Callback<()>,
    /// Selecting an event of the chain selects it in the log.
    pub on_select_event: Callback<u64>,
}

fn amount(v: f64) -> String {
    fmt_amount((v * UNITS as f64).round() as i64)
}

/// One resource cell: "needs / free" for every request, marked short where it does not fit.
fn resource_cell(row: &NodeRow, resource: &str, many: bool) -> Html {
    let parts = row
        .requests
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = f.cells.iter().find(|c| c.resource == resource);
            let (text, short) = match c {
                Some(c) => (format!("{} / {}", amount(c.need), amount(c.free)), !c.enough),
                None => (format!("— / {}", fmt_amount(row.free.get(resource))), false),
            };
            html! {
                <span class={classes!("pe-amount", short.then_some("short"))}>
                    if many { <span class="pe-req">{ format!("#{} ", i + 1) }</span> }
                    { text }
                </span>
            }
        })
        .collect::<Html>();
    html! {
        <td class="pe-res" title={format!("{resource}: total {} on the node", fmt_amount(row.total.get(resource)))}>
            { parts }
        </td>
    }
}

fn labels_cell(row: &NodeRow) -> Html {
    let mismatch = row.requests.iter().find_map(|f| f.label_mismatch.clone());
    let labels: Vec<String> = row.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    html! {
        <td class={classes!("pe-labels", mismatch.is_some().then_some("short"))}>
            { if labels.is_empty() { "—".to_string() } else { labels.join(" ") } }
        </td>
    }
}

fn verdict_cell(row: &NodeRow) -> Html {
    let v = &row.verdict;
    html! {
        <td class={classes!("pe-verdict", if v.fits { "fits" } else { "no" })} data-testid="placement-verdict">
            <span class="pe-mark" aria-hidden="true">{ if v.fits { "✓ " } else { "✗ " } }</span>
            if !v.fits { <span class="visually-hidden">{ "does not fit: " }</span> }
            { v.text.clone() }
        </td>
    }
}

fn chain_line(label: &str, e: &Event, on_select: &Callback<u64>, testid: &'static str) -> Html {
    let seq = e.seq;
    let onclick = on_select.reform(move |_: MouseEvent| seq);
    html! {
        <p class="pe-chain-line">
            { format!("{label}: ") }
            <button type="button" class="link" {onclick} data-testid={testid}>
                { format!("{:.2} s — {}", e.t.as_secs_f64(), e.reason) }
            </button>
        </p>
    }
}

#[component(PlacementPanel)]
pub fn placement_panel(props: &PlacementPanelProps) -> Html {
    let e = &props.explanation;
    let heading = use_node_ref();
    {
        // Focus moves to the panel's heading when it opens on a new subject, so keyboard users land on it.
        let heading = heading.clone();
        use_effect_with(e.title.clone(), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                let active = gloo::utils::document().active_element();
                // A replica's action panel takes the focus itself: only move it when nothing else claimed it.
                // Nor from the cluster's replicas and slots: closing a replica's action panel gives the focus back to
                // the replica, and this panel must not take it from there.
                let claimed =
                    active.as_ref().is_some_and(|a| a.closest("[role=dialog], .cluster-svg").ok().flatten().is_some());
                if !claimed {
                    let _ = h.focus();
                }
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let many = e.requests.len() > 1;
    let placed_pg = e.placed && e.subject != Subject::ReplicaActor && e.pg_name.is_some();
    let show_holds = e.nodes.iter().any(|r| !r.holds.is_empty());
    let free_word = match e.free_basis {
        FreeBasis::Now => "free now",
        FreeBasis::NowWithThisPgReturned => "free with this group's bundles given back",
    };
    let requests = e
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let sel: Vec<String> = r.label_selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            html! {
                <li>
                    if many { <span class="pe-req">{ format!("#{} ", i + 1) }</span> }
                    <strong>{ r.label.clone() }</strong>{ format!(": {}", r.resources.describe()) }
                    if !sel.is_empty() { { format!(" · label selector {}", sel.join(", ")) } }
                </li>
            }
        })
        .collect::<Html>();
    let header = e
        .resources
        .iter()
        .map(|r| {
            html! { <th scope="col" key={r.clone()}>{ r.clone() }<span class="pe-sub">{ "needs / free" }</span></th> }
        })
        .collect::<Html>();
    let rows = e
        .nodes
        .iter()
        .map(|row| {
            let focus = e.focus_bundle.is_some_and(|b| row.holds.contains(&b)) || row.runs_actor;
            let cls = classes!(
                "pe-row",
                (!row.schedulable).then_some("unschedulable"),
                (!row.holds.is_empty() || row.runs_actor).then_some("holds"),
                focus.then_some("focus"),
            );
            let holds: Vec<String> = row.holds.iter().map(|b| b.to_string()).collect();
            html! {
                <tr key={row.node.clone()} class={cls} data-node={row.node.clone()}>
                    <th scope="row">
                        { row.node.clone() }
                        if row.is_head { <span class="pe-sub">{ "head" }</span> }
                        if let Some(why) = &row.unschedulable {
                            <span class="pe-sub pe-unsched">{ why.split(':').next().unwrap_or(why).to_string() }</span>
                        }
                    </th>
                    { verdict_cell(row) }
                    { for e.resources.iter().map(|r| resource_cell(row, r, many)) }
                    { labels_cell(row) }
                    if show_holds {
                        <td class="pe-holds">{ if holds.is_empty() { "—".to_string() } else { holds.join(", ") } }</td>
                    }
                    if placed_pg {
                        <td class="pe-score">{ for row.requests.iter().map(|f| html! {
                            <span class="pe-amount">{ if f.score >= 0.0 { format!("{:.2}", f.score) } else { "−1".to_string() } }</span>
                        }) }</td>
                    }
                </tr>
            }
        })
        .collect::<Html>();
    let strategy = e.strategy.map(|s| s.as_str()).unwrap_or("SPREAD actor");
    let state = e.state.map(|s| s.as_str());
    let chain = &props.chain;
    let on_scroll_key = Callback::from(|ev: KeyboardEvent| {
        // The table scrolls sideways on a phone: arrow keys do it when the scroller has focus.
        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            match ev.key().as_str() {
                "ArrowRight" => el.set_scroll_left(el.scroll_left() + 60),
                "ArrowLeft" => el.set_scroll_left(el.scroll_left() - 60),
                _ => {}
            }
        }
    });
    html! {
        <section class="placement-panel" aria-labelledby="placement-title" data-testid="placement-panel">
            <div class="panel-head">
                <h2 id="placement-title" tabindex="-1" ref={heading}>{ format!("Placement of {}", e.title) }</h2>
                <button type="button" class="small close" onclick={close} aria-label="Close the placement explanation">{ "✕" }</button>
            </div>
            <p class="pe-summary" data-testid="placement-summary">{ e.summary.clone() }</p>
            <p class="pe-meta">
                <span class="badge">{ strategy }</span>
                if let Some(st) = state { { " " }<span class="badge">{ st }</span> }
                { format!(" {}", e.strategy_note) }
            </p>
            if !e.requests.is_empty() {
                <ul class="pe-requests" aria-label="What is asked for">{ requests }</ul>
            }
            if chain.last.is_some() {
                <div class="pe-chain" data-testid="placement-chain">
                    if let Some(last) = &chain.last { { chain_line("Last changed by", last, &props.on_select_event, "chain-last") } }
                    if let Some(origin) = &chain.origin { { chain_line("Started by", origin, &props.on_select_event, "chain-origin") } }
                </div>
            }
            if !e.nodes.is_empty() && !e.requests.is_empty() {
                <div class="pe-scroll" tabindex="0" role="region" aria-label="Per-node placement table (scrolls sideways)"
                    onkeydown={on_scroll_key}>
                    <table class="pe-table">
                        <caption>{ format!("Every node against {} ({})", e.title, free_word) }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ "Node" }</th>
                                <th scope="col">{ "Verdict" }</th>
                                { header }
                                <th scope="col">{ "Labels" }</th>
                                if show_holds { <th scope="col">{ "Bundles here" }</th> }
                                if placed_pg { <th scope="col">{ "Score" }<span class="pe-sub">{ "LeastResourceScorer" }</span></th> }
                            </tr>
                        </thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
            }
            if !e.notes.is_empty() {
                <ul class="pe-notes quiet">{ for e.notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
            }
        </section>
    }
}
