//! The scrub bar under the cluster view. Its gestures are [`Travel`]s, applied by the reducer (`ui::state`).
//!
//! The bar spans the scenario (to its end, `Session::end`: stepping and playback stop there), with an "end" mark,
//! markers for what has happened up to now (faults, teardowns, reservations, controller restarts, violations) and
//! the scripted actions marked ahead at their times. Drag or click to seek; arrow keys step a tick, Shift+arrows
//! step an event, Home/End go to the ends; PageDown / PageUp (forward / back, as a clicker) are the page's
//! (`ui::presenter::presenter_key`). Seeking is checkpoints plus replay ([`crate::app::history`]).
use crate::model::events::{ControllerChange, Event, EventKind};
use crate::model::scenario::Action;
use crate::model::time::SimTime;
use crate::ui::palette::format_clock;
use crate::ui::state::{SessionCell, Travel};
use yew::prelude::*;

/// What kind of marker an event gets on the bar, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerKind {
    Reservation,
    Fault,
    Teardown,
    Controller,
    /// A rolling-update batch or a migration off a draining node.
    Rollout,
    /// The autoscaler changed a deployment's target.
    Scaling,
    Violation,
}

impl MarkerKind {
    pub fn of(kind: &EventKind) -> Option<MarkerKind> {
        Some(match kind {
            EventKind::Violation { .. } => MarkerKind::Violation,
            EventKind::GangTeardown { .. } => MarkerKind::Teardown,
            EventKind::Controller { change: ControllerChange::Crashed | ControllerChange::Recovered, .. } => {
                MarkerKind::Controller
            }
            EventKind::Action { applied: true, .. }
            | EventKind::Node { .. }
            | EventKind::StartupFailure { .. }
            | EventKind::RequestsFailed { .. } => MarkerKind::Fault,
            EventKind::GangReserved { .. } => MarkerKind::Reservation,
            EventKind::Rollout { .. } | EventKind::Migration { .. } => MarkerKind::Rollout,
            EventKind::Autoscale { .. } => MarkerKind::Scaling,
            // Every kind is listed, so that a new one needs a decision here.
            EventKind::Controller { change: ControllerChange::Started, .. }
            | EventKind::Action { applied: false, .. }
            | EventKind::ReplicaState { .. }
            | EventKind::PgState { .. }
            | EventKind::DeploymentStatus { .. }
            | EventKind::AppStatus { .. }
            | EventKind::HealthCheck { .. }
            | EventKind::ReservationFailed { .. }
            | EventKind::LeakDetected { .. }
            | EventKind::LeakDetectionSkipped { .. } => return None,
        })
    }

    pub fn class(self) -> &'static str {
        match self {
            MarkerKind::Reservation => "m-reserved",
            MarkerKind::Fault => "m-fault",
            MarkerKind::Teardown => "m-teardown",
            MarkerKind::Controller => "m-controller",
            MarkerKind::Rollout => "m-rollout",
            MarkerKind::Scaling => "m-scaling",
            MarkerKind::Violation => "m-violation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MarkerKind::Reservation => "gang reserved",
            MarkerKind::Fault => "fault",
            MarkerKind::Teardown => "gang teardown",
            MarkerKind::Controller => "controller",
            MarkerKind::Rollout => "rollout / migration",
            MarkerKind::Scaling => "autoscaling",
            MarkerKind::Violation => "violation",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub kind: MarkerKind,
    pub t: SimTime,
    pub seq: u64,
    /// The first event's sentence, and how many more share the spot.
    pub reason: String,
    pub more: usize,
}

/// Markers for a timeline of `end`: at most one per kind per 1/`buckets` of the bar (a big run has thousands).
pub fn markers(events: &[Event], end: SimTime, buckets: u64) -> Vec<Marker> {
    let end = end.0.max(1);
    let mut out: Vec<Marker> = Vec::new();
    let mut last: std::collections::BTreeMap<MarkerKind, (u64, usize)> = Default::default();
    for e in events {
        let Some(kind) = MarkerKind::of(&e.kind) else { continue };
        let bucket = e.t.0.min(end) * buckets / end;
        match last.get(&kind) {
            Some((b, i)) if *b == bucket => out[*i].more += 1,
            _ => {
                last.insert(kind, (bucket, out.len()));
                out.push(Marker { kind, t: e.t, seq: e.seq, reason: e.reason.clone(), more: 0 });
            }
        }
    }
    out
}

/// The end of the bar: the known timeline, the scenario's end, and a little room past the cursor.
pub fn bar_end(known_until: SimTime, until: SimTime, now: SimTime) -> SimTime {
    known_until.max(until).max(now).max(SimTime::from_secs_f64(1.0))
}

/// A scripted action (the scenario's, or one the user injected), marked on the bar at its time even before the run
/// gets there: the audience knows what will be done, not what will come of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptMark {
    pub t: SimTime,
    pub what: String,
    pub by_user: bool,
}

/// The scripted actions, one mark per time and origin (several at one instant are named together).
pub fn script_marks(scenario: &[Action], user: &[Action]) -> Vec<ScriptMark> {
    let mut out: Vec<ScriptMark> = Vec::new();
    let tagged = scenario.iter().map(|a| (a, false)).chain(user.iter().map(|a| (a, true)));
    for (a, by_user) in tagged {
        let t = SimTime::from_secs_f64(a.at_s);
        match out.iter_mut().find(|m| m.t == t && m.by_user == by_user) {
            Some(m) => {
                m.what.push_str(", ");
                m.what.push_str(a.kind.name());
            }
            None => out.push(ScriptMark { t, what: a.kind.name().to_string(), by_user }),
        }
    }
    out.sort_by_key(|m| m.t);
    out
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub session: SessionCell,
    pub now: SimTime,
    /// Changes whenever the known timeline may have changed.
    pub events_total: usize,
    pub user_actions: usize,
    pub playing: bool,
    pub on_travel: Callback<Travel>,
    pub on_step_tick: Callback<()>,
    pub on_step_event: Callback<()>,
    pub on_toggle_play: Callback<()>,
    #[prop_or_default]
    pub embed: bool,
    /// Presenter mode (issue 14): the arrow keys are the page's clicker keys, not the bar's.
    #[prop_or_default]
    pub presenting: bool,
    /// Switch to presenter mode (issue 14): its button sits in this row, by the cluster (the toolbar has no room
    /// left at 1280 px).
    #[prop_or_default]
    pub on_present: Option<Callback<()>>,
}

fn fraction_at(el: &web_sys::Element, client_x: i32) -> f64 {
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 { 0.0 } else { ((client_x as f64 - r.left()) / r.width()).clamp(0.0, 1.0) }
}

#[component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let (known_until, until, interval) = {
        let s = props.session.0.borrow();
        (s.history().known_until(), s.end(), s.control_loop_interval().0)
    };
    let end = bar_end(known_until, until, props.now);
    let scripted = {
        let session = props.session.clone();
        use_memo((props.user_actions, until), move |_| {
            let s = session.0.borrow();
            script_marks(&s.scenario().actions, s.user_actions())
        })
    };
    let marks = {
        let session = props.session.clone();
        use_memo((props.events_total, props.user_actions, known_until, end), move |(_, _, _, end)| {
            markers(session.0.borrow().history().known_events(), *end, 240)
        })
    };
    let track = use_node_ref();
    let styles = crate::ui::cssom::use_inline_styles();
    let dragging = use_mut_ref(|| false);
    // Seeks while dragging are coalesced: a seek can take a while on a big run, so a move only records where to go,
    // and one seek per animation frame goes to the latest position. Releasing applies the final position at once.
    let pending = use_mut_ref(|| None::<SimTime>);
    let frame = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    // The last position sought by the bar.
    let last = use_mut_ref(|| None::<SimTime>);
    let time_at = move |f: f64| {
        let us = (f * end.0 as f64).round() as u64;
        // Land on a tick boundary: replays are exact at any time, but ticks are what people count.
        let us = (us + interval / 2) / interval.max(1) * interval.max(1);
        SimTime(us.min(end.0))
    };
    let flush = {
        let (pending, frame, last, on_travel) = (pending.clone(), frame.clone(), last.clone(), props.on_travel.clone());
        move || {
            frame.borrow_mut().take();
            let next = pending.borrow_mut().take();
            if let Some(t) = next {
                *last.borrow_mut() = Some(t);
                on_travel.emit(Travel::Seek(t));
            }
        }
    };
    let request_seek = {
        let (pending, frame, flush) = (pending.clone(), frame.clone(), flush.clone());
        move |t: SimTime| {
            *pending.borrow_mut() = Some(t);
            if frame.borrow().is_none() {
                let flush = flush.clone();
                *frame.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| flush()));
            }
        }
    };
    let onpointerdown = {
        let dragging = dragging.clone();
        let track = track.clone();
        let on_travel = props.on_travel.clone();
        let (pending, last) = (pending.clone(), last.clone());
        Callback::from(move |e: PointerEvent| {
            if let Some(el) = track.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
                *dragging.borrow_mut() = true;
                pending.borrow_mut().take();
                let t = time_at(fraction_at(&el, e.client_x()));
                *last.borrow_mut() = Some(t);
                on_travel.emit(Travel::Seek(t));
            }
        })
    };
    let onpointermove = {
        let dragging = dragging.clone();
        let track = track.clone();
        Callback::from(move |e: PointerEvent| {
            if *dragging.borrow()
                && let Some(el) = track.cast::<web_sys::Element>()
            {
                request_seek(time_at(fraction_at(&el, e.client_x())));
            }
        })
    };
    let onpointerup = {
        let (dragging, track, pending, last) = (dragging.clone(), track.clone(), pending.clone(), last.clone());
        Callback::from(move |e: PointerEvent| {
            if !dragging.replace(false) {
                return;
            }
            // The release position is final: seek there now unless the view is already there.
            if let Some(el) = track.cast::<web_sys::Element>() {
                let t = time_at(fraction_at(&el, e.client_x()));
                if pending.borrow().is_some() || *last.borrow() != Some(t) {
                    *pending.borrow_mut() = Some(t);
                }
            }
            flush();
        })
    };
    let onkeydown = {
        let on_travel = props.on_travel.clone();
        let step_tick = props.on_step_tick.clone();
        let step_event = props.on_step_event.clone();
        let presenting = props.presenting;
        Callback::from(move |e: KeyboardEvent| {
            let by_event = e.shift_key();
            if presenting && matches!(e.key().as_str(), "ArrowLeft" | "ArrowRight") {
                return; // the page's clicker keys (`ui::presenter`)
            }
            match e.key().as_str() {
                "ArrowLeft" | "ArrowDown" if by_event => on_travel.emit(Travel::BackEvent),
                "ArrowLeft" | "ArrowDown" => on_travel.emit(Travel::BackTick),
                "ArrowRight" | "ArrowUp" if by_event => step_event.emit(()),
                "ArrowRight" | "ArrowUp" => step_tick.emit(()),
                // PageDown / PageUp are left to the page (forward / back, as a clicker: this bar had them reversed).
                "Home" => on_travel.emit(Travel::Seek(SimTime::ZERO)),
                // The end of the scenario, running the model up to there if it has not got there yet.
                "End" => on_travel.emit(Travel::Seek(until)),
                _ => return,
            };
            e.prevent_default();
        })
    };
    let pct = |t: SimTime| format!("{:.3}%", t.0 as f64 * 100.0 / end.0 as f64);
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    let travel = |t: fn() -> Travel| props.on_travel.reform(move |_: MouseEvent| t());
    let now_s = props.now.as_secs_f64();
    let value_text = format!(
        "{} of {}, tick {}",
        format_clock(now_s),
        format_clock(end.as_secs_f64()),
        props.now.0 / interval.max(1)
    );
    html! {
        <div class={classes!("timeline", props.embed.then_some("embed"))} data-testid="timeline">
            <div class="tl-buttons" role="group" aria-label="Time travel">
                if props.embed {
                    <button type="button" class="primary play" onclick={click(&props.on_toggle_play)}
                        aria-pressed={props.playing.to_string()} data-testid="embed-play">
                        { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                }
                <button type="button" onclick={travel(|| Travel::BackEvent)} data-testid="back-event"
                    title="Back to the previous event (Shift+←)" aria-label="Back to the previous event">{ "◀ event" }</button>
                <button type="button" onclick={travel(|| Travel::BackTick)} data-testid="back-tick"
                    title="Back one tick (←)" aria-label="Back one tick">{ "◀ tick" }</button>
                <button type="button" onclick={click(&props.on_step_tick)} data-testid="forward-tick"
                    title="Forward one tick (→)" aria-label="Forward one tick">{ "tick ▶" }</button>
                <button type="button" onclick={click(&props.on_step_event)} data-testid="forward-event"
                    title="Forward to the next event (Shift+→)" aria-label="Forward to the next event">{ "event ▶" }</button>
                if !props.embed {
                    <button type="button" onclick={travel(|| Travel::Undo)} disabled={props.user_actions == 0}
                        data-testid="undo" title="Take back the last fault you injected">
                        { format!("Undo ({})", props.user_actions) }
                    </button>
                }
                if let (Some(cb), false) = (&props.on_present, props.embed) {
                    <crate::ui::presenter::PresenterToggle on={false} on_toggle={cb.clone()} />
                }
                <span class="tl-clock" data-testid="timeline-clock">{ format_clock(now_s) }</span>
            </div>
            <div class="tl-track" ref={track} role="slider" tabindex="0" aria-label="Timeline: simulated time"
                aria-valuemin="0" aria-valuemax={format!("{:.2}", end.as_secs_f64())} aria-valuenow={format!("{now_s:.2}")}
                aria-valuetext={value_text} aria-keyshortcuts="ArrowLeft ArrowRight Shift+ArrowLeft Shift+ArrowRight Home End PageDown PageUp"
                {onpointerdown} {onpointermove} onpointerup={onpointerup.clone()} onpointercancel={onpointerup}
                {onkeydown} data-testid="scrubber">
                <div class="tl-known" ref={styles.node(format!("width: {}", pct(known_until)))}></div>
                <div class="tl-past" ref={styles.node(format!("width: {}", pct(props.now)))}></div>
                // Only what has happened up to now: after a seek back the known future stays hidden, because a
                // teardown marked at 10.3 s would tell the room what the model is about to do (the point of a
                // prediction). Forward steps and "End" still reach it.
                { for marks.iter().filter(|m| m.t <= props.now).map(|m| {
                    let title = if m.more > 0 {
                        format!("{} at {}: {} (+{} more)", m.kind.label(), format_clock(m.t.as_secs_f64()), m.reason, m.more)
                    } else {
                        format!("{} at {}: {}", m.kind.label(), format_clock(m.t.as_secs_f64()), m.reason)
                    };
                    html! {
                        <span key={format!("{}-{}", m.seq, m.kind.class())} class={classes!("tl-marker", m.kind.class())}
                            ref={styles.node(format!("left: {}", pct(m.t)))} title={title} data-seq={m.seq.to_string()}></span>
                    }
                }) }
                { for scripted.iter().map(|m| {
                    let who = if m.by_user { "your action" } else { "scripted" };
                    html! {
                        <span key={format!("s-{}-{}", m.t.0, m.by_user)} class={classes!("tl-script", m.by_user.then_some("user"))}
                            ref={styles.node(format!("left: {}", pct(m.t)))} title={format!("{who} at {}: {}", format_clock(m.t.as_secs_f64()), m.what)}
                            data-testid="script-mark" data-t={format!("{:.2}", m.t.as_secs_f64())}></span>
                    }
                }) }
                <span class="tl-end" ref={styles.node(format!("left: {}", pct(until)))} data-testid="end-mark"
                    title={format!("End of the scenario ({})", format_clock(until.as_secs_f64()))}>{ "end" }</span>
                <div class="tl-thumb" ref={styles.node(format!("left: {}", pct(props.now)))} aria-hidden="true"></div>
            </div>
            if !props.embed {
                <ul class="tl-legend" aria-label="Marker colours">
                    { for [MarkerKind::Fault, MarkerKind::Teardown, MarkerKind::Reservation, MarkerKind::Controller, MarkerKind::Rollout, MarkerKind::Scaling, MarkerKind::Violation]
                        .into_iter().map(|k| html! { <li key={k.class()}><span class={classes!("tl-swatch", k.class())}></span>{ k.label() }</li> }) }
                    <li key="scripted"><span class="tl-swatch tl-script-swatch"></span>{ "scripted action (marked ahead)" }</li>
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::app::session::Session;

    #[test]
    fn markers_cover_faults_teardowns_and_reservations_and_stay_few() {
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(40.0));
        let m = markers(s.history().known_events(), SimTime::from_secs_f64(40.0), 240);
        assert!(m.iter().any(|m| m.kind == MarkerKind::Teardown), "{m:?}");
        assert!(m.iter().any(|m| m.kind == MarkerKind::Reservation));
        assert!(m.iter().any(|m| m.kind == MarkerKind::Fault));
        let mut big = Session::new(preset_by_id("big-cluster").unwrap().scenario().unwrap());
        big.advance_to(SimTime::from_secs_f64(60.0));
        let m = markers(big.history().known_events(), SimTime::from_secs_f64(60.0), 240);
        assert!(m.len() <= 5 * 241, "{}", m.len());
    }

    #[test]
    fn scripted_actions_are_marked_ahead_one_mark_per_instant() {
        let s = Session::new(preset_by_id("controller-restart-leaked-pg").unwrap().scenario().unwrap());
        let m = script_marks(&s.scenario().actions, &[]);
        let times: Vec<f64> = m.iter().map(|m| m.t.as_secs_f64()).collect();
        assert_eq!(times, vec![10.0, 11.0], "{m:?}");
        assert!(m[1].what.contains(", "), "two actions at 11 s are named together: {m:?}");
        assert!(m.iter().all(|m| !m.by_user));
    }

    #[test]
    fn rollout_batches_and_migrations_get_their_own_marker() {
        for (id, until) in [("rolling-upgrade", 30.0), ("spot-drain", 20.0)] {
            let mut s = Session::new(preset_by_id(id).unwrap().scenario().unwrap());
            s.advance_to(SimTime::from_secs_f64(until));
            let m = markers(s.history().known_events(), SimTime::from_secs_f64(until), 240);
            assert!(m.iter().any(|m| m.kind == MarkerKind::Rollout), "{id}: {m:?}");
        }
    }

    #[test]
    fn autoscaling_decisions_get_their_own_marker() {
        let mut s = Session::new(preset_by_id("autoscale-ramp").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(70.0));
        let m = markers(s.history().known_events(), SimTime::from_secs_f64(70.0), 240);
        assert!(m.iter().any(|m| m.kind == MarkerKind::Scaling), "{m:?}");
        assert!(!m.iter().any(|m| m.kind == MarkerKind::Rollout), "an autoscale is not a rollout: {m:?}");
    }
}
