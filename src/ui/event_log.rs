//! Narration: the model's events as sentences, newest first, filterable. Selecting one highlights what it
//! touched and shows what caused it.
use crate::model::events::{Event, EventKind};
use crate::model::serve::status::{DeploymentStatus, DeploymentStatusTrigger};
use crate::model::time::{SimTime, fmt_secs};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The event log's filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogCategory {
    All,
    Faults,
    Replicas,
    Placement,
    Status,
    Cluster,
    Health,
    Rollouts,
    Traffic,
    Violations,
}

impl LogCategory {
    pub const EVERY: [LogCategory; 10] = [
        LogCategory::All,
        LogCategory::Faults,
        LogCategory::Replicas,
        LogCategory::Placement,
        LogCategory::Status,
        LogCategory::Cluster,
        LogCategory::Health,
        LogCategory::Rollouts,
        LogCategory::Traffic,
        LogCategory::Violations,
    ];

    pub fn id(self) -> &'static str {
        match self {
            LogCategory::All => "all",
            LogCategory::Faults => "faults",
            LogCategory::Replicas => "replicas",
            LogCategory::Placement => "placement",
            LogCategory::Status => "status",
            LogCategory::Cluster => "cluster",
            LogCategory::Health => "health",
            LogCategory::Rollouts => "rollouts",
            LogCategory::Traffic => "traffic",
            LogCategory::Violations => "violations",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LogCategory::All => "Everything",
            LogCategory::Faults => "Faults and teardowns",
            LogCategory::Replicas => "Replica states",
            LogCategory::Placement => "Placement groups",
            LogCategory::Status => "Deployment and app status",
            LogCategory::Cluster => "Nodes and controller",
            LogCategory::Health => "Health checks",
            LogCategory::Rollouts => "Upgrades and drains",
            LogCategory::Traffic => "Traffic and autoscaling",
            LogCategory::Violations => "Invariant violations",
        }
    }

    pub fn from_id(id: &str) -> LogCategory {
        LogCategory::EVERY.into_iter().find(|c| c.id() == id).unwrap_or(LogCategory::All)
    }

    pub fn matches(self, kind: &EventKind) -> bool {
        use EventKind as K;
        match self {
            LogCategory::All => true,
            LogCategory::Faults => matches!(
                kind,
                K::Action { .. } | K::GangTeardown { .. } | K::StartupFailure { .. } | K::LeakDetected { .. }
            ),
            LogCategory::Replicas => matches!(kind, K::ReplicaState { .. }),
            LogCategory::Placement => {
                matches!(
                    kind,
                    K::PgState { .. } | K::GangReserved { .. } | K::ReservationFailed { .. } | K::LeakDetected { .. }
                )
            }
            LogCategory::Status => matches!(kind, K::DeploymentStatus { .. } | K::AppStatus { .. }),
            LogCategory::Cluster => {
                matches!(kind, K::Node { .. } | K::Controller { .. } | K::LeakDetectionSkipped { .. })
            }
            LogCategory::Health => matches!(kind, K::HealthCheck { .. }),
            LogCategory::Rollouts => match kind {
                K::Rollout { .. } | K::Migration { .. } => true,
                K::Node { change, .. } => *change == crate::model::events::NodeChange::Draining,
                K::Action { action, .. } => action == "deploy_version" || action == "drain_node",
                _ => false,
            },
            LogCategory::Traffic => match kind {
                K::Autoscale { .. } | K::RequestsFailed { .. } => true,
                K::DeploymentStatus { to, .. } => {
                    matches!(to, DeploymentStatus::Upscaling | DeploymentStatus::Downscaling) || autoscale_trigger(kind)
                }
                K::Action { action, .. } => action == "set_traffic",
                _ => false,
            },
            LogCategory::Violations => matches!(kind, K::Violation { .. }),
        }
    }
}

/// A deployment status change that closes an autoscaling step (`UPSCALE_COMPLETED`, `DOWNSCALE_COMPLETED`).
fn autoscale_trigger(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::DeploymentStatus {
            status_trigger: DeploymentStatusTrigger::UpscaleCompleted
                | DeploymentStatusTrigger::DownscaleCompleted
                | DeploymentStatusTrigger::Autoscaling,
            ..
        }
    )
}

/// The selected event, with the event that caused it (if any).
#[derive(Clone, Debug, PartialEq)]
pub struct SelectedEvent {
    pub event: Event,
    pub cause: Option<Event>,
}

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Newest first, already filtered.
    pub log: Rc<Vec<Event>>,
    pub matching: usize,
    pub total: usize,
    /// The model keeps only the newest events (`model::log`): the time of the oldest one kept, once any was dropped.
    #[prop_or_default]
    pub kept_from: Option<SimTime>,
    pub category: LogCategory,
    pub text: String,
    #[prop_or_default]
    pub selected: Option<Rc<SelectedEvent>>,
    /// The chain of the replica or placement group the placement panel explains (issue 13): its rows are marked.
    #[prop_or_default]
    pub chain: Rc<crate::ui::placement_panel::PlacementChain>,
    pub on_select: Callback<Option<u64>>,
    pub on_category: Callback<LogCategory>,
    pub on_text: Callback<String>,
}

/// A word for the event's kind, shown as a tag.
pub fn kind_tag(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Action { queued: true, .. } => "queued",
        EventKind::Action { applied: false, .. } => "skipped",
        EventKind::Action { .. } => "action",
        EventKind::ReplicaState { .. } => "replica",
        EventKind::PgState { .. } => "PG",
        EventKind::DeploymentStatus { .. } => "deployment",
        EventKind::AppStatus { .. } => "app",
        EventKind::Node { .. } => "node",
        EventKind::Controller { .. } => "controller",
        EventKind::HealthCheck { .. } => "health",
        EventKind::GangReserved { .. } => "reserved",
        EventKind::ReservationFailed { .. } => "reservation",
        EventKind::GangTeardown { .. } => "TEARDOWN",
        EventKind::StartupFailure { .. } => "start-up",
        EventKind::LeakDetected { .. } => "leak",
        EventKind::LeakDetectionSkipped { .. } => "leak",
        EventKind::Rollout { .. } => "rollout",
        EventKind::Migration { .. } => "migration",
        EventKind::Autoscale { .. } => "autoscale",
        EventKind::RequestsFailed { .. } => "requests failed",
        EventKind::Violation { .. } => "VIOLATION",
    }
}

type Hovering<'a> = Option<&'a Callback<Option<crate::ui::hover::Hovered>>>;

fn row(e: &Event, detail: Option<Html>, chain: bool, on_select: &Callback<Option<u64>>, on_hover: Hovering) -> Html {
    let seq = e.seq;
    let selected = detail.is_some();
    let onclick = on_select.reform(move |_: MouseEvent| if selected { None } else { Some(seq) });
    // Hovering or focusing a row highlights its chain (issue 13).
    let h = crate::ui::hover::hover_handlers(on_hover, crate::ui::hover::Hovered::Event(seq));
    html! {
        <li key={e.seq.to_string()} class={classes!("event", format!("k-{}", e.kind.name()), selected.then_some("selected"), chain.then_some("chain"))}
            data-chain={chain.then_some("true")}>
            <button type="button" aria-pressed={selected.to_string()} {onclick} data-seq={e.seq.to_string()}
                onmouseenter={h.enter} onmouseleave={h.leave} onfocus={h.focus} onblur={h.blur}>
                <span class="ev-time">{ format!("{:.2} s", e.t.as_secs_f64()) }</span>
                <span class="ev-tag">{ kind_tag(&e.kind) }</span>
                <span class="ev-reason">{ e.reason.clone() }</span>
            </button>
            { detail.unwrap_or_default() }
        </li>
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse)]
    fn json_parse(text: &str) -> JsValue;
    /// Any element, for the option-taking forms of `scrollIntoView` and `focus`.
    type Revealable;
    #[wasm_bindgen(method, js_name = scrollIntoView)]
    fn scroll_into_view_with(this: &Revealable, options: &JsValue);
    #[wasm_bindgen(method, js_name = focus)]
    fn focus_with(this: &Revealable, options: &JsValue);
}

/// Scroll `el` into view only as far as needed (`block: "nearest"`) and focus it without a second scroll.
fn reveal_element(el: &web_sys::Element) {
    if !el.has_attribute("tabindex") && el.tag_name() != "BUTTON" {
        let _ = el.set_attribute("tabindex", "-1");
    }
    // The whole row, with its detail, where it fits.
    let row = el.closest("li").ok().flatten().unwrap_or_else(|| el.clone());
    el.unchecked_ref::<Revealable>().focus_with(&json_parse(r#"{"preventScroll":true}"#));
    row.unchecked_ref::<Revealable>().scroll_into_view_with(&json_parse(r#"{"block":"nearest","inline":"nearest"}"#));
}

#[component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    let selected_seq = props.selected.as_ref().map(|s| s.event.seq);
    let gestures = use_context::<crate::ui::hover::Gestures>();
    let on_hover = gestures.as_ref().map(|g| &g.on_hover);
    let on_category = props.on_category.reform(|e: Event_| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|s| s.value())
            .unwrap_or_default();
        LogCategory::from_id(&v)
    });
    let on_text = props.on_text.reform(|e: InputEvent| {
        e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
    });
    // After "Caused by: …" selects an event, scroll its row into view (or the detail shown above the list when it
    // is filtered out) and move focus there, so the selection is visible and keyboard users follow it.
    let reveal = use_mut_ref(|| None::<u64>);
    let list = use_node_ref();
    {
        let (reveal, list) = (reveal.clone(), list.clone());
        use_effect_with(selected_seq, move |seq| {
            let wanted = reveal.borrow_mut().take();
            if let (Some(seq), Some(root)) = (seq.filter(|s| wanted == Some(*s)), list.cast::<web_sys::Element>()) {
                let row = root.query_selector(&format!("button[data-seq=\"{seq}\"]")).ok().flatten();
                let target = row.or_else(|| root.query_selector(".event-detail-outside").ok().flatten());
                if let Some(el) = target {
                    reveal_element(&el);
                }
            }
        });
    }
    let detail = props.selected.as_ref().map(|s| {
        let e = &s.event;
        let touches = e.kind.touches();
        let cause = s.cause.as_ref().map(|c| {
            let seq = c.seq;
            let reveal = reveal.clone();
            let onclick = props.on_select.reform(move |_: MouseEvent| {
                *reveal.borrow_mut() = Some(seq);
                Some(seq)
            });
            html! {
                <p class="ev-cause">
                    { "Caused by: " }
                    <button type="button" class="link" {onclick} data-testid="cause-link">
                        { format!("{:.2} s — {}", c.t.as_secs_f64(), c.reason) }
                    </button>
                </p>
            }
        });
        let close = props.on_select.reform(|_: MouseEvent| None);
        html! {
            <div class="event-detail" data-testid="event-detail">
                <p class="ev-detail-head">
                    { format!("tick {} · event #{}", e.tick, e.seq) }
                    <button type="button" class="small close" onclick={close} aria-label="Clear the selected event">{ "✕" }</button>
                </p>
                { cause.unwrap_or_default() }
                if !touches.is_empty() {
                    <p class="ev-touches">{ format!("Highlighted: {}", touches.join(", ")) }</p>
                }
            </div>
        }
    });
    html! {
        <section class="event-log" aria-labelledby="log-title" data-testid="event-log" ref={list}>
            <h2 id="log-title">{ "What happened" }</h2>
            <div class="log-filters">
                <label>
                    <span>{ "Show" }</span>
                    <select onchange={on_category} aria-label="Which events to show">
                        { for LogCategory::EVERY.iter().map(|c| html! {
                            <option key={c.id()} value={c.id()} selected={*c == props.category}>{ c.label() }</option>
                        }) }
                    </select>
                </label>
                <label>
                    <span>{ "Search" }</span>
                    <input type="search" value={props.text.clone()} oninput={on_text} placeholder="replica, gang, node…"
                        aria-label="Search the events" />
                </label>
            </div>
            if let Some(s) = props.selected.as_ref().filter(|s| !props.log.iter().any(|e| e.seq == s.event.seq)) {
                // The selected event is filtered out of the list: still show it, above.
                <div class="event-detail-outside">
                    <p class="ev-detail-reason">{ s.event.reason.clone() }</p>
                    { detail.clone().unwrap_or_default() }
                </div>
            }
            <p class="log-count quiet">
                { if props.matching > props.log.len() {
                    format!("Newest {} of {} matching events ({} in all).", props.log.len(), props.matching, props.total)
                } else {
                    format!("{} of {} events.", props.matching, props.total)
                } }
            </p>
            if let Some(t) = props.kept_from {
                <p class="log-kept quiet" data-testid="log-kept">
                    { format!("Events before t = {} s are no longer kept; seeking there replays them.", fmt_secs(t)) }
                </p>
            }
            <ol class="events" reversed=true>
                { for props.log.iter().map(|e| row(e, (Some(e.seq) == selected_seq).then(|| detail.clone().unwrap_or_default()), props.chain.seqs.contains(&e.seq), &props.on_select, on_hover)) }
            </ol>
        </section>
    }
}

type Event_ = yew::events::Event;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_categories_round_trip_their_ids() {
        for c in LogCategory::EVERY {
            assert_eq!(LogCategory::from_id(c.id()), c);
        }
        assert_eq!(LogCategory::from_id("garbage"), LogCategory::All);
    }

    #[test]
    fn upgrades_and_drains_have_their_own_category() {
        use crate::app::presets::preset_by_id;
        use crate::app::session::Session;
        use crate::model::time::SimTime;
        let mut s = Session::new(preset_by_id("drain-during-upgrade").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(30.0));
        let kinds: Vec<&str> = s
            .history()
            .known_events()
            .iter()
            .filter(|e| LogCategory::Rollouts.matches(&e.kind))
            .map(|e| e.kind.name())
            .collect();
        for want in ["action", "node", "rollout", "migration"] {
            assert!(kinds.contains(&want), "{want} missing from {kinds:?}");
        }
        assert!(!kinds.contains(&"replica_state"), "replica states stay in their own category");
    }

    #[test]
    fn traffic_and_autoscaling_have_their_own_category() {
        use crate::app::presets::preset_by_id;
        use crate::app::session::Session;
        use crate::model::time::SimTime;
        let kinds = |id: &str, until: f64| {
            let mut s = Session::new(preset_by_id(id).unwrap().scenario().unwrap());
            s.advance_to(SimTime::from_secs_f64(until));
            s.history()
                .known_events()
                .iter()
                .filter(|e| LogCategory::Traffic.matches(&e.kind))
                .map(|e| e.kind.name())
                .collect::<Vec<&str>>()
        };
        let ramp = kinds("autoscale-ramp", 70.0);
        assert!(ramp.contains(&"autoscale") && ramp.contains(&"deployment_status"), "{ramp:?}");
        let teardown = kinds("teardown-under-load", 25.0);
        assert!(teardown.contains(&"requests_failed"), "{teardown:?}");
        assert!(!teardown.contains(&"replica_state") && !teardown.contains(&"gang_teardown"), "{teardown:?}");
    }
}
