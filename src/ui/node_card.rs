//! One node: a card with its resource bars, its bundles as slots (tagged with PG and index) and the replicas in
//! them. The head node also shows the Serve controller.
use crate::model::cluster::{DrainReason, NodeDrain};
use crate::model::snapshot::{ControllerView, NodeView, ReplicaView};
use crate::model::time::SimTime;
use crate::ui::hover::{Gestures, Hovered, hover_handlers};
use crate::ui::layout::{BAR_H, CARD_W, HEADER_H, NodeLayout, PAD, SLOT_H, SLOT_W, SlotLayout};
use crate::ui::palette::{bar_amount, bar_name, header_label_room, header_labels, short_pg_name};
use crate::ui::replica_token::ReplicaToken;
use crate::ui::state::{Target, Teardown};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    pub layout: Rc<NodeLayout>,
    /// The replicas drawn in this card's slots.
    pub replicas: Rc<Vec<ReplicaView>>,
    /// Only for the head node.
    #[prop_or_default]
    pub controller: Option<ControllerView>,
    pub highlight: Rc<BTreeSet<String>>,
    #[prop_or_default]
    pub target: Option<Target>,
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    pub teardowns: Rc<BTreeMap<String, Teardown>>,
    pub on_target: Callback<Target>,
    /// The snapshot's time, given only to a draining node with a deadline (it draws the time left): the other
    /// cards keep equal props while the clock runs.
    #[prop_or_default]
    pub now: Option<SimTime>,
    /// Hovering a token or a bundle slot highlights its chain; a bundle slot explains its group (issue 13).
    #[prop_or_default]
    pub gestures: Option<Gestures>,
    /// `health_check_failure_threshold`, for the tokens' health counters (issue 14).
    #[prop_or(3)]
    pub health_threshold: u32,
    /// Presenter mode: type of `layout::PRESENTER_TEXT` or more, so bundles are tagged "#0" (the gang label above
    /// names the group) and the bars are shorter to leave their text room.
    #[prop_or_default]
    pub presenting: bool,
}

/// The drain reason in a word or two.
pub fn drain_reason_short(reason: DrainReason) -> &'static str {
    match reason {
        DrainReason::Preemption => "preemption",
        DrainReason::IdleTermination => "idle termination",
    }
}

/// What a draining node's card says under DRAINING: its reason and the time left to its deadline at `now`
/// ("preemption · killed in 12.3 s"), or "no deadline".
pub fn drain_words(d: &NodeDrain, now: Option<SimTime>) -> String {
    let left = match (d.deadline, now) {
        (None, _) => "no deadline".to_string(),
        (Some(deadline), Some(now)) => {
            let s = (deadline.as_secs_f64() - now.as_secs_f64()).max(0.0);
            format!("killed in {s:.1} s")
        }
        (Some(deadline), None) => format!("killed at {:.1} s", deadline.as_secs_f64()),
    };
    format!("{} · {left}", drain_reason_short(d.reason))
}

/// The drain a node shows: only while its processes still run (a killed or dead node says so instead).
pub fn shown_drain(n: &NodeView) -> Option<&NodeDrain> {
    n.draining.as_ref().filter(|_| n.alive && !n.killed)
}

/// What the controller is doing, in a word and a detail line.
pub fn controller_words(c: &ControllerView) -> (&'static str, &'static str, String) {
    if !c.alive {
        let back = c.restart_at_s.map(|t| format!("comes back at {t:.2} s")).unwrap_or_else(|| "down".to_string());
        ("DEAD", "bad", format!("incarnation {} died; {back}", c.incarnation))
    } else if c.recovering {
        ("RECOVERING", "busy", format!("incarnation {}: re-attaching replicas", c.incarnation))
    } else {
        ("RUNNING", "ok", format!("incarnation {}", c.incarnation))
    }
}

fn node_status(n: &NodeView) -> Option<(&'static str, &'static str)> {
    if !n.alive {
        Some(("DEAD", "dead"))
    } else if n.killed {
        Some(("KILLED", "killed"))
    } else {
        None
    }
}

pub fn describe_node(n: &NodeView) -> String {
    let mut s = format!("Node {}", n.id);
    if n.is_head {
        s.push_str(" (head)");
    }
    match node_status(n) {
        Some(("DEAD", _)) => s.push_str(", dead: declared dead by the GCS"),
        Some(_) => s.push_str(", killed: the GCS has not noticed yet"),
        None => s.push_str(", alive"),
    }
    if let Some(d) = shown_drain(n) {
        s.push_str(&format!(", DRAINING ({}", d.reason.as_str()));
        if !d.message.is_empty() {
            s.push_str(&format!(": {}", d.message));
        }
        match d.deadline {
            Some(t) => s.push_str(&format!("; force-killed at {:.1} s)", t.as_secs_f64())),
            None => s.push_str("; no deadline)"),
        }
    }
    s.push_str(&format!(
        "; total {}, reserved {}, used {}, available {}",
        n.resources.describe(),
        n.reserved.describe(),
        n.used.describe(),
        n.available.describe()
    ));
    if !n.labels.is_empty() {
        let l: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&format!("; labels {}", l.join(", ")));
    }
    s
}

#[component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    crate::ui::perf::count(crate::ui::perf::Renders::Card);
    let styles = crate::ui::cssom::use_inline_styles();
    let n = &props.node;
    let l = &props.layout;
    let status = node_status(n);
    let drain = shown_drain(n);
    let classes = classes!(
        "node-card",
        n.is_head.then_some("head"),
        status.map(|(_, c)| c),
        drain.is_some().then_some("draining"),
        props.highlight.contains(&n.id).then_some("hl"),
        (props.target == Some(Target::Node(n.id.clone()))).then_some("sel"),
    );
    let label = describe_node(n);
    let on_node = target_handlers(&props.on_target, Target::Node(n.id.clone()));
    // The labels that fit beside the name; all of them are in the header's tooltip and accessible name.
    let room = header_label_room(CARD_W, PAD, &n.id).saturating_sub(if n.is_head { 9 } else { 0 });
    let room = (room as f64 / crate::ui::layout::text_widening(props.presenting, 10.0)) as usize;
    let labels_text = header_labels(&n.labels, room);

    let header = html! {
        <g class="node-header" role="button" tabindex="0" aria-label={label.clone()}
            onclick={on_node.0} oncontextmenu={on_node.1} onkeydown={on_node.2}>
            <title>{ label.clone() }</title>
            <rect class="header-hit" x="0" y="0" width={CARD_W.to_string()} height={HEADER_H.to_string()} rx="8" />
            <text class="node-name" x={PAD.to_string()} y="20">{ n.id.clone() }</text>
            if n.is_head {
                <text class="badge head-badge" x={(PAD + 8.0 + 9.0 * n.id.len() as f64).to_string()} y="20">{ "HEAD" }</text>
            }
            if let Some((word, _)) = status {
                <text class="badge status-badge" x={(CARD_W - PAD).to_string()} y="20" text-anchor="end">{ word }</text>
            } else if let Some(d) = drain {
                <g class="drain-badge" data-testid="drain-badge" data-reason={d.reason.as_str()}>
                    <text class="badge drain-word" x={(CARD_W - PAD).to_string()} y="13" text-anchor="end">{ "DRAINING" }</text>
                    <text class="drain-detail" x={(CARD_W - PAD).to_string()} y="26" text-anchor="end">{ drain_words(d, props.now) }</text>
                </g>
            } else if !labels_text.is_empty() {
                <text class="node-labels" x={(CARD_W - PAD).to_string()} y="20" text-anchor="end">{ labels_text }</text>
            }
        </g>
    };

    let controller = props.controller.as_ref().map(|c| {
        let (word, tone, detail) = controller_words(c);
        let gcs = c.gcs_queries_fail_until_s.map(|t| format!(" · GCS queries fail until {t:.1} s"));
        let h = crate::ui::layout::CONTROLLER_H - 6.0;
        let on = target_handlers(&props.on_target, Target::Cluster);
        // Calls made while it is down wait for it (the callers retry them): counted in the title, listed in full
        // in the tooltip and for screen readers.
        let queued = match c.queued_calls.len() {
            0 => None,
            n => Some(format!(" · {n} queued")),
        };
        let queued_list = if c.queued_calls.is_empty() {
            String::new()
        } else {
            format!("; calls queued until it is back: {}", c.queued_calls.join(", "))
        };
        let aria = format!("Serve controller: {word}, {detail}{}{queued_list}", gcs.clone().unwrap_or_default());
        html! {
            <g class={classes!("controller", tone)} role="button" tabindex="0" aria-label={aria.clone()}
                data-controller={word} data-queued={c.queued_calls.len().to_string()} onclick={on.0} oncontextmenu={on.1} onkeydown={on.2}
                transform={format!("translate({PAD} {HEADER_H})")}>
                <title>{ aria }</title>
                <rect width={(CARD_W - 2.0 * PAD).to_string()} height={h.to_string()} rx="6" />
                <text class="controller-title" x="10" y="16">{ "Serve controller " }<tspan class="controller-state">{ word }</tspan>
                    if let Some(q) = queued { <tspan class="controller-queued">{ q }</tspan> }
                </text>
                <text class="controller-detail" x="10" y="32">{ detail }{ gcs.unwrap_or_default() }</text>
            </g>
        }
    });

    let bars = if l.bars.is_empty() {
        html! { <text class="no-resources" x={PAD.to_string()} y={(l.bars_y + 14.0).to_string()}>{ "no resources for replicas" }</text> }
    } else {
        l.bars
            .iter()
            .enumerate()
            .map(|(i, k)| resource_bar(n, k, l.bars_y + BAR_H * i as f64, props.presenting))
            .collect::<Html>()
    };

    let by_id: BTreeMap<&str, &ReplicaView> = props.replicas.iter().map(|r| (r.id.as_str(), r)).collect();
    // A card that keeps room for the ghosts of what just left says nothing there: their teardown pill sits in that
    // lane.
    let keeps_room = l.h > l.slots_y + crate::ui::layout::EMPTY_SLOTS_H + PAD + 0.5;
    let slots = if l.slots.is_empty() && keeps_room {
        Html::default()
    } else if l.slots.is_empty() {
        html! { <text class="no-bundles" x={PAD.to_string()} y={(l.slots_y + 14.0).to_string()}>{ "no bundles, no replicas" }</text> }
    } else {
        l.slots
            .iter()
            .map(|s| slot(s, by_id.get(s.replica.as_deref().unwrap_or("")).copied(), props, &styles))
            .collect::<Html>()
    };

    // Each card is its own SVG root (placed by the cluster view in a foreignObject, see `card_frame`): Chromium
    // repaints (and lays out) a whole SVG when anything in it changes, so a card that changes repaints itself
    // only, not the other 99 cards of a big cluster (~14 - 40 ms a frame with one SVG for everything).
    html! {
        <svg class="card-svg" width={CARD_W.to_string()} height={l.h.to_string()}
            viewBox={format!("0 0 {} {}", CARD_W, l.h)}>
        <g class={classes} data-node={n.id.clone()}>
            { header }
            { controller.unwrap_or_default() }
            if let Some((word, _)) = status {
                // Under the slots, so the replicas that were on the node stay readable.
                <g class="node-veil" aria-hidden="true">
                    <rect width={CARD_W.to_string()} height={l.h.to_string()} rx="8" />
                    <text x={(CARD_W - PAD).to_string()} y={(l.h - PAD).to_string()} text-anchor="end">{ word }</text>
                </g>
            }
            { bars }
            { slots }
        </g>
        </svg>
    }
}

/// Where a card goes in the cluster: a foreignObject at its place (so that moving a card changes one attribute
/// and does not redraw it), holding the card's own SVG root.
pub fn card_frame(
    key: &str,
    x: f64,
    y: f64,
    h: f64,
    own_layer: bool,
    card: Html,
    styles: &crate::ui::cssom::InlineStyles,
) -> Html {
    // In a big cluster each card is its own compositing layer: redrawing one card repaints only that card.
    let layer = if own_layer { "; will-change: transform" } else { "" };
    html! {
        <foreignObject key={key.to_string()} class="card-fo" x="0" y="0" width={CARD_W.to_string()} height={h.to_string()}
            ref={styles.node(format!("transform: translate({x}px, {y}px){layer}"))}>
            { card }
        </foreignObject>
    }
}

/// Click, right-click and keyboard handlers that all open the action panel on `target`.
fn target_handlers(
    cb: &Callback<Target>,
    target: Target,
) -> (Callback<MouseEvent>, Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let click = {
        let (cb, t) = (cb.clone(), target.clone());
        Callback::from(move |_: MouseEvent| cb.emit(t.clone()))
    };
    let context = {
        let (cb, t) = (cb.clone(), target.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            cb.emit(t.clone())
        })
    };
    let key = {
        let cb = cb.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " || e.key() == "ContextMenu" {
                e.prevent_default();
                cb.emit(target.clone());
            }
        })
    };
    (click, context, key)
}

fn resource_bar(n: &NodeView, name: &str, y: f64, presenting: bool) -> Html {
    let total = n.resources.get(name).max(1) as f64;
    let reserved = n.reserved.get(name).max(0) as f64;
    let used = n.used.get(name).max(0) as f64;
    let x0 = PAD + 34.0;
    let w = if presenting { 100.0 } else { 120.0 };
    let frac = |v: f64| (v / total).clamp(0.0, 1.0) * w;
    let text = format!(
        "used {} · rsv {} / {}",
        bar_amount(name, n.used.get(name)),
        bar_amount(name, n.reserved.get(name)),
        bar_amount(name, n.resources.get(name))
    );
    html! {
        <g class="resource-bar" key={name.to_string()} data-resource={name.to_string()}>
            <title>{ format!("{name}: {text} (available {})", bar_amount(name, n.available.get(name))) }</title>
            <text class="bar-name" x={PAD.to_string()} y={(y + 12.0).to_string()}>{ bar_name(name) }</text>
            <rect class="bar-track" x={x0.to_string()} y={(y + 4.0).to_string()} width={w.to_string()} height="10" rx="2" />
            <rect class="bar-reserved" x={x0.to_string()} y={(y + 4.0).to_string()} width={frac(reserved).to_string()} height="10" rx="2" />
            <rect class="bar-used" x={x0.to_string()} y={(y + 7.0).to_string()} width={frac(used).to_string()} height="4" />
            <text class="bar-text" x={(CARD_W - PAD).to_string()} y={(y + 12.0).to_string()} text-anchor="end">{ text }</text>
        </g>
    }
}

fn slot(
    s: &SlotLayout,
    replica: Option<&ReplicaView>,
    props: &NodeCardProps,
    styles: &crate::ui::cssom::InlineStyles,
) -> Html {
    let gang = s.bundle.as_ref().and_then(|b| b.gang_id.clone());
    let hue = gang
        .as_ref()
        .or(replica.and_then(|r| r.gang_context.as_ref().map(|g| &g.gang_id)))
        .and_then(|g| props.gang_hues.get(g).copied());
    let hl = s.bundle.as_ref().is_some_and(|b| props.highlight.contains(&b.pg_name))
        || gang.as_ref().is_some_and(|g| props.highlight.contains(g));
    let classes = classes!(
        "slot",
        if s.bundle.is_some() { "bundle" } else { "no-bundle" },
        replica.is_none().then_some("empty"),
        hue.map(|h| format!("hue-{h}")),
        hl.then_some("hl"),
    );
    let (tag, title) = match &s.bundle {
        Some(b) if props.presenting => (
            format!("#{}", b.index),
            format!("Bundle {} of placement group {}: {}", b.index, b.pg_name, b.resources.describe()),
        ),
        Some(b) => (
            format!("{} #{}", short_pg_name(&b.pg_name), b.index),
            format!("Bundle {} of placement group {}: {}", b.index, b.pg_name, b.resources.describe()),
        ),
        None => ("no PG".to_string(), "An actor placed on the node outside any placement group".to_string()),
    };
    let on_hover = props.gestures.as_ref().map(|g| &g.on_hover);
    let token = replica.map(|r| {
        let torn = r.gang_context.as_ref().and_then(|g| props.teardowns.get(&g.gang_id));
        let teardown = torn.is_some() && r.state == crate::model::serve::replica::ReplicaState::Stopping;
        // The member whose failure decided the teardown, drawn apart from the siblings stopped with it.
        let failed = teardown && torn.is_some_and(|t| t.failed_member.as_deref() == Some(r.id.as_str()));
        let hl = props.highlight.contains(&r.id)
            || r.gang_context.as_ref().is_some_and(|g| props.highlight.contains(&g.gang_id))
            || props.highlight.contains(&format!("{}/{}", r.app, r.deployment));
        html! {
            <ReplicaToken replica={r.clone()} hue={hue} highlighted={hl}
                selected={props.target == Some(Target::Replica(r.id.clone()))}
                teardown={teardown} {failed} health_threshold={props.health_threshold} presenting={props.presenting}
                on_target={props.on_target.clone()} on_hover={on_hover.cloned()} />
        }
    });
    html! {
        <g key={s.key.clone()} class={classes} ref={styles.node(format!("transform: translate({}px, {}px)", s.x, s.y))}
            data-slot={s.key.clone()}>
            { slot_frame(s, replica, props, title) }
            <text class="slot-tag" x={(SLOT_W / 2.0).to_string()} y="11" text-anchor="middle">{ tag }</text>
            if replica.is_none() && s.bundle.is_some() {
                <text class="slot-free" x={(SLOT_W / 2.0).to_string()} y="44" text-anchor="middle">{ "reserved" }</text>
            }
            { token.unwrap_or_default() }
        </g>
    }
}

/// The accessible name of a bundle slot: "Bundle 2 of PG SERVE_GANG::… on w3", and what is in it.
pub fn describe_bundle(pg_name: &str, index: usize, node: &str, replica: Option<&str>) -> String {
    let inside = match replica {
        Some(r) => format!("replica {r}"),
        None => "reserved, no replica in it".to_string(),
    };
    format!("Bundle {index} of PG {pg_name} on {node}: {inside}. Explain its placement")
}

/// A slot's frame. A bundle's, with the app's gestures (issue 13), is a button that explains its placement group
/// (click, Enter or Space) and highlights the group's chain while hovered or focused: the frame itself, so that a
/// big cluster gets no extra elements, and its texts let the pointer through (`pointer-events: none`). The replica
/// token is drawn over it, not inside it: the two are separate buttons and hovering one leaves the other.
fn slot_frame(s: &SlotLayout, replica: Option<&ReplicaView>, props: &NodeCardProps, title: String) -> Html {
    let (w, h) = (SLOT_W.to_string(), SLOT_H.to_string());
    let (Some(b), Some(g)) = (&s.bundle, &props.gestures) else {
        return html! { <rect class="slot-frame" width={w} height={h} rx="5"><title>{ title }</title></rect> };
    };
    let label = describe_bundle(&b.pg_name, b.index, &props.node.id, replica.map(|r| r.id.as_str()));
    let hv = hover_handlers(Some(&g.on_hover), Hovered::Pg(b.pg_name.clone()));
    let onclick = {
        let (cb, pg) = (g.on_explain.clone(), b.pg_name.clone());
        Callback::from(move |_: MouseEvent| cb.emit(pg.clone()))
    };
    let onkeydown = {
        let (cb, pg) = (g.on_explain.clone(), b.pg_name.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                cb.emit(pg.clone());
            }
        })
    };
    html! {
        <rect class="slot-frame slot-hit" width={w} height={h} rx="5" role="button" tabindex="0" aria-label={label}
            data-pg={b.pg_name.clone()} data-bundle={b.index.to_string()} {onclick} {onkeydown}
            onmouseenter={hv.enter} onmouseleave={hv.leave} onfocus={hv.focus} onblur={hv.blur}>
            <title>{ title }</title>
        </rect>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_words_give_the_reason_and_the_time_left() {
        let mut d = NodeDrain {
            reason: DrainReason::Preemption,
            message: String::new(),
            deadline: Some(SimTime::from_secs_f64(40.0)),
            since: SimTime::from_secs_f64(10.0),
        };
        assert_eq!(drain_words(&d, Some(SimTime::from_secs_f64(27.7))), "preemption · killed in 12.3 s");
        assert_eq!(drain_words(&d, Some(SimTime::from_secs_f64(45.0))), "preemption · killed in 0.0 s");
        d.reason = DrainReason::IdleTermination;
        d.deadline = None;
        assert_eq!(drain_words(&d, None), "idle termination · no deadline");
    }
}
