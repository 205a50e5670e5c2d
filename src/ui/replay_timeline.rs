//! The replay's timeline (issue 15): the recording's clock from 0 to its length, a mark per recorded event, play /
//! pause at the page's speeds, previous / next event. Its gestures are the page's own time gestures
//! (`UiAction::TogglePlay`, `StepEvent`, `Travel`), which the reducer hands to the replay while it is open
//! (`ui::replay_state`), so the keyboard shortcuts work the same.
use crate::model::time::SimTime;
use crate::ui::state::{Travel, UiAction};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The speeds offered (log10 of the rate), as the page's speed range allows: 0.1× … 100×.
const SPEEDS: [(f64, &str); 7] =
    [(-1.0, "0.1×"), (-0.5, "0.3×"), (0.0, "1×"), (0.5, "3×"), (1.0, "10×"), (1.5, "30×"), (2.0, "100×")];

#[derive(Properties, PartialEq)]
pub struct ReplayTimelineProps {
    pub now_s: f64,
    pub end_s: f64,
    pub playing: bool,
    pub speed_exp: f64,
    /// The recorded events' times (sorted), marked on the bar.
    pub event_times: Rc<Vec<f64>>,
    pub on_action: Callback<UiAction>,
}

fn pct(t: f64, end: f64) -> String {
    format!("{:.3}%", if end > 0.0 { (t / end * 100.0).clamp(0.0, 100.0) } else { 0.0 })
}

fn secs(t: f64) -> String {
    format!("{t:.1} s")
}

#[component(ReplayTimeline)]
pub fn replay_timeline(props: &ReplayTimelineProps) -> Html {
    let styles = crate::ui::cssom::use_inline_styles();
    let click = |a: fn() -> UiAction| props.on_action.reform(move |_: MouseEvent| a());
    let on_scrub = props.on_action.reform(|e: InputEvent| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.value().parse::<f64>().ok())
            .unwrap_or(0.0);
        UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(v.max(0.0))))
    });
    let on_speed = props.on_action.reform(|e: Event| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .and_then(|s| s.value().parse::<f64>().ok())
            .unwrap_or(0.0);
        UiAction::SetSpeedExp(v)
    });
    // The offered speed nearest the current one is shown selected.
    let nearest = SPEEDS
        .iter()
        .min_by(|a, b| (a.0 - props.speed_exp).abs().total_cmp(&(b.0 - props.speed_exp).abs()))
        .map_or(0.0, |s| s.0);
    let end = props.end_s;
    html! {
        <div class="replay-timeline" role="group" aria-label="Replay clock" data-testid="replay-timeline">
            <div class="replay-tl-buttons">
                <button type="button" onclick={click(|| UiAction::Travel(Travel::BackEvent))}
                    aria-label="Previous recorded event" title="Previous recorded event" data-testid="replay-prev">{ "\u{2190} Previous" }</button>
                <button type="button" class="primary" onclick={click(|| UiAction::TogglePlay)}
                    aria-label={if props.playing { "Pause the replay" } else { "Play the replay" }} data-testid="replay-play">
                    { if props.playing { "\u{275a}\u{275a} Pause" } else { "\u{25b6} Play" } }
                </button>
                <button type="button" onclick={click(|| UiAction::StepEvent)}
                    aria-label="Next recorded event" title="Next recorded event (n)" data-testid="replay-next">{ "Next \u{2192}" }</button>
                <label class="replay-speed">
                    { "Speed " }
                    <select onchange={on_speed} aria-label="Replay speed">
                        { for SPEEDS.iter().map(|(e, label)| html! {
                            <option value={e.to_string()} selected={*e == nearest}>{ *label }</option>
                        }) }
                    </select>
                </label>
                <span class="replay-clock" data-testid="replay-clock" aria-live="off">
                    { secs(props.now_s) }<span class="quiet">{ format!(" / {}", secs(end)) }</span>
                </span>
            </div>
            <div class="replay-track">
                <div class="replay-ticks" aria-hidden="true">
                    { for props.event_times.iter().map(|t| html! { <span class="replay-tick" ref={styles.node(format!("left: {}", pct(*t, end)))}></span> }) }
                </div>
                <input type="range" class="replay-scrub" min="0" max={end.to_string()} step="0.1"
                    value={props.now_s.to_string()} oninput={on_scrub}
                    aria-label="Replay time, seconds since the recording started"
                    aria-valuetext={format!("{} of {}", secs(props.now_s), secs(end))} data-testid="replay-scrub" />
            </div>
        </div>
    }
}
