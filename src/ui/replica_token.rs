//! One replica, drawn inside its slot: shape and fill by state, rank inside, state label and short id below.
use crate::model::serve::replica::ReplicaState;
use crate::model::snapshot::ReplicaView;
use crate::ui::layout::{TOKEN_CX, TOKEN_CY, TOKEN_R};
use crate::ui::palette::{replica_state_class, replica_state_glyph, replica_state_label, short_id};
use crate::ui::state::Target;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReplicaTokenProps {
    pub replica: ReplicaView,
    /// Gang hue index (`None` for a replica outside any gang).
    pub hue: Option<u8>,
    #[prop_or_default]
    pub highlighted: bool,
    #[prop_or_default]
    pub selected: bool,
    /// Its gang is being torn down: every member flashes together.
    #[prop_or_default]
    pub teardown: bool,
    /// It is the member whose failure decided its gang's teardown (issue 14).
    #[prop_or_default]
    pub failed: bool,
    /// `health_check_failure_threshold`, for the health counter ("2/3").
    #[prop_or(3)]
    pub health_threshold: u32,
    pub on_target: Callback<Target>,
    /// Hovering or focusing the token highlights its chain (issue 13).
    #[prop_or_default]
    pub on_hover: Option<Callback<Option<crate::ui::hover::Hovered>>>,
    /// Presenter mode: larger type (`layout::PRESENTER_TEXT`), so the state label drops the short id (it is in
    /// the tooltip) to fit the slot.
    #[prop_or_default]
    pub presenting: bool,
}

/// Whether a token shows its version badge: when it is outdated, or once its deployment has moved past the
/// default first version `v1` (before any new version is deployed, every replica would say the same `v1`).
pub fn shows_version(r: &ReplicaView) -> bool {
    r.outdated || r.version != "v1"
}

/// The sentence a screen reader (and the tooltip) gives for a replica.
pub fn describe_replica(r: &ReplicaView) -> String {
    let mut s = format!("Replica {} of {}/{}, {}", r.id, r.app, r.deployment, r.state.as_str());
    if let Some(st) = r.startup {
        s.push_str(&format!(" ({})", st.as_str()));
    }
    match &r.gang_context {
        Some(g) => s.push_str(&format!(", gang {} rank {} of {}", g.gang_id, g.rank, g.world_size)),
        None => s.push_str(", not in a gang"),
    }
    if let Some(n) = &r.node {
        s.push_str(&format!(", on {n}"));
    }
    s.push_str(&format!(", version {}", r.version));
    if r.outdated {
        s.push_str(" (outdated: not the deployment's target version)");
    }
    match (r.state, r.graceful_stop) {
        (ReplicaState::Stopping, Some(true)) => s.push_str(", stopping gracefully (draining its requests)"),
        (ReplicaState::Stopping, Some(false)) => s.push_str(", force-stopped"),
        _ => {}
    }
    if !r.actor_alive && r.state != ReplicaState::Stopped {
        s.push_str(", actor process dead");
    }
    if r.consecutive_health_failures > 0 {
        s.push_str(&format!(", {} failed health checks in a row", r.consecutive_health_failures));
    }
    s
}

/// The label under a token, squeezed to the slot's width when it would overflow it ("START hded"). The member
/// that failed says FAILED (its id is in the tooltip). In presenter mode the state alone ("RUN").
fn state_label(r: &ReplicaView, failed: bool, presenting: bool, x: f64, y: f64) -> Html {
    let text = if failed {
        "FAILED".to_string()
    } else if presenting {
        replica_state_label(r.state).to_string()
    } else {
        format!("{} {}", replica_state_label(r.state), short_id(&r.id, 4))
    };
    let room = crate::ui::layout::SLOT_W - 4.0;
    let wide = crate::ui::palette::state_label_width(&text) * crate::ui::layout::text_widening(presenting, 9.5);
    let squeeze = (wide > room).then(|| room.to_string());
    let adjust = squeeze.is_some().then_some("spacingAndGlyphs");
    html! {
        <text class="state-label" x={x.to_string()} y={y.to_string()} text-anchor="middle" textLength={squeeze}
            lengthAdjust={adjust}>{ text }</text>
    }
}

#[component(ReplicaToken)]
pub fn replica_token(props: &ReplicaTokenProps) -> Html {
    crate::ui::perf::count(crate::ui::perf::Renders::Token);
    let r = &props.replica;
    let gang = r.gang_context.as_ref();
    // A graceful stop (scale-down, delete, rollout) drains; a forced one (a teardown, a crash) is crossed out.
    let graceful = r.state == ReplicaState::Stopping && r.graceful_stop == Some(true);
    let classes = classes!(
        "replica",
        replica_state_class(r.state),
        if gang.is_some() { "gang-member" } else { "solo" },
        props.hue.map(|h| format!("hue-{h}")),
        props.highlighted.then_some("hl"),
        props.selected.then_some("sel"),
        props.teardown.then_some("teardown"),
        props.failed.then_some("failed"),
        graceful.then_some("graceful"),
        (!r.actor_alive).then_some("actor-dead"),
        r.outdated.then_some("outdated"),
    );
    let target = Target::Replica(r.id.clone());
    let onclick = props.on_target.reform({
        let t = target.clone();
        move |_: MouseEvent| t.clone()
    });
    let oncontextmenu = {
        let cb = props.on_target.clone();
        let t = target.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            cb.emit(t.clone());
        })
    };
    let onkeydown = {
        let cb = props.on_target.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " || e.key() == "ContextMenu" {
                e.prevent_default();
                cb.emit(target.clone());
            }
        })
    };
    let label = describe_replica(r);
    let hover =
        crate::ui::hover::hover_handlers(props.on_hover.as_ref(), crate::ui::hover::Hovered::Replica(r.id.clone()));
    let (cx, cy, rr) = (TOKEN_CX, TOKEN_CY, TOKEN_R);
    let body = if gang.is_some() {
        html! { <circle class="body" cx={cx.to_string()} cy={cy.to_string()} r={rr.to_string()} /> }
    } else {
        html! {
            <rect class="body" x={(cx - rr).to_string()} y={(cy - rr).to_string()}
                width={(2.0 * rr).to_string()} height={(2.0 * rr).to_string()} rx="3" />
        }
    };
    let inner = match gang {
        Some(g) => format!("r{}", g.rank),
        None => replica_state_glyph(r.state).to_string(),
    };
    let cross = (r.state == ReplicaState::Stopping).then(|| {
        let d = rr * 0.7;
        if graceful {
            drain_icon(cx + rr - 2.0, cy - rr + 2.0)
        } else {
            html! {
                <path class="cross" d={format!("M{} {}L{} {}M{} {}L{} {}", cx - d, cy - d, cx + d, cy + d, cx + d, cy - d, cx - d, cy + d)} />
            }
        }
    });
    let dead_mark = (!r.actor_alive && r.state != ReplicaState::Stopping).then(|| {
        html! {
            <g class="dead-mark" aria-hidden="true">
                <circle cx={(cx + rr - 2.0).to_string()} cy={(cy - rr + 2.0).to_string()} r="7" />
                <text x={(cx + rr - 2.0).to_string()} y={(cy - rr + 5.5).to_string()} text-anchor="middle">{ "✕" }</text>
            </g>
        }
    });
    // Consecutive failed health checks out of the threshold ("2/3"), at the token's lower left (clear of the pg tag).
    // Marks and their text grow together in presenter mode (9 - 9.5 units to 12).
    let k = crate::ui::layout::text_widening(props.presenting, 9.5);
    let (mark_h, mark_base) = (13.0 * k, 9.5 * k);
    let hc_mark = (r.consecutive_health_failures > 0).then(|| {
        let text = crate::ui::palette::health_counter(r.consecutive_health_failures, props.health_threshold);
        let w = (6.0 + 5.6 * text.chars().count() as f64) * k;
        let y = cy + rr + 2.0 - mark_h;
        html! {
            <g class="hc-mark" aria-hidden="true" data-health={text.clone()}>
                <rect x="2" y={y.to_string()} width={w.to_string()} height={mark_h.to_string()} rx="3" />
                <text x={(2.0 + w / 2.0).to_string()} y={(y + mark_base).to_string()} text-anchor="middle">{ text }</text>
            </g>
        }
    });
    // The version, as a small pill at the token's lower right: dark for the target version, dashed and pale for
    // an outdated one.
    let version_mark = shows_version(r).then(|| {
        let w = (7.0 + 5.8 * r.version.chars().count() as f64) * k;
        let right = crate::ui::layout::SLOT_W - 2.0;
        let y = cy + rr + 2.0 - mark_h;
        html! {
            <g class={classes!("version-mark", r.outdated.then_some("outdated"))} aria-hidden="true">
                <rect x={(right - w).to_string()} y={y.to_string()} width={w.to_string()} height={mark_h.to_string()} rx={(mark_h / 2.0).to_string()} />
                <text class="version" x={(right - w / 2.0).to_string()} y={(y + mark_base).to_string()} text-anchor="middle">{ r.version.clone() }</text>
            </g>
        }
    });
    html! {
        <g class={classes} role="button" tabindex="0" aria-label={label.clone()}
            data-replica={r.id.clone()} data-state={r.state.as_str()}
            data-version={r.version.clone()} data-outdated={r.outdated.then_some("true")}
            data-gang={gang.map(|g| g.gang_id.clone())} data-rank={gang.map(|g| g.rank.to_string())}
            data-app-deployment={format!("{}/{}", r.app, r.deployment)}
            {onclick} {oncontextmenu} {onkeydown}
            onmouseenter={hover.enter} onmouseleave={hover.leave} onfocus={hover.focus} onblur={hover.blur}>
            <title>{ label }</title>
            <circle class="ring" cx={cx.to_string()} cy={cy.to_string()} r={(rr + 5.0).to_string()} />
            { body }
            <text class="inner" x={cx.to_string()} y={(cy + 4.0).to_string()} text-anchor="middle">{ inner }</text>
            { cross }
            { dead_mark }
            { hc_mark }
            { version_mark }
            // In presenter mode (12 units) a little lower, clear of the ring.
            { state_label(r, props.failed, props.presenting, cx, cy + rr + if props.presenting { 16.0 } else { 13.0 }) }
        </g>
    }
}

/// The drain mark of a graceful stop, a badge centred at (`x`, `y`): an arrow down into a tray (the replica
/// finishes its requests and leaves). Drawn at a token's upper right, clear of its rank.
pub fn drain_icon(x: f64, y: f64) -> Html {
    html! {
        <g class="drain" aria-hidden="true">
            <circle cx={x.to_string()} cy={y.to_string()} r="7.5" />
            <path d={format!(
                "M{x} {}L{x} {}M{} {}L{x} {}L{} {}M{} {}L{} {}",
                y - 4.5, y + 1.5, x - 3.0, y - 1.5, y + 1.5, x + 3.0, y - 1.5, x - 4.0, y + 4.0, x + 4.0, y + 4.0
            )} />
        </g>
    }
}
