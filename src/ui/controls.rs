//! Playback controls: play/pause, step a tick, step to the next event, speed (log scale), seed, reset.
use crate::ui::palette::{format_clock, format_speed};
use crate::ui::state::{SPEED_EXP_MAX, SPEED_EXP_MIN};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub speed_exp: f64,
    pub now_s: f64,
    pub tick: u64,
    /// Playback is behind the wall clock (the model is working through a burst): the clock shows where it is.
    #[prop_or_default]
    pub catching_up: bool,
    pub seed: u64,
    pub on_toggle_play: Callback<()>,
    pub on_step_tick: Callback<()>,
    pub on_step_event: Callback<()>,
    pub on_speed: Callback<f64>,
    pub on_seed: Callback<u64>,
    pub on_reset: Callback<()>,
    pub on_faults: Callback<()>,
    pub on_help: Callback<()>,
    /// "End of the scenario (N s)." once the clock is there: stepping and playback stop at the end.
    #[prop_or_default]
    pub end_note: Option<String>,
}

fn input_value(e: &Event) -> String {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

#[component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let on_speed = props.on_speed.reform(|e: InputEvent| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
        v.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
    });
    let seed_error = use_state(|| false);
    let on_seed = {
        let cb = props.on_seed.clone();
        let seed_error = seed_error.clone();
        Callback::from(move |e: Event| match input_value(&e).trim().parse::<u64>() {
            Ok(v) => {
                seed_error.set(false);
                cb.emit(v);
            }
            Err(_) => seed_error.set(true),
        })
    };
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button type="button" class={classes!("primary", "play", props.playing.then_some("playing"))}
                onclick={click(&props.on_toggle_play)} aria-pressed={props.playing.to_string()}
                aria-keyshortcuts="Space" data-testid="play">
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button type="button" onclick={click(&props.on_step_tick)} aria-keyshortcuts="." data-testid="step-tick"
                title="Advance one control-loop tick (.)">{ "Step tick" }</button>
            <button type="button" onclick={click(&props.on_step_event)} aria-keyshortcuts="n" data-testid="step-event"
                title="Advance to the next thing that happens (n)">{ "Next event" }</button>
            <div class="clock" aria-live="off" data-testid="clock">
                <span class="clock-t">{ format_clock(props.now_s) }</span>
                <span class="clock-tick">{ format!("tick {}", props.tick) }</span>
                if let Some(note) = &props.end_note {
                    // Out of the flow, under the clock: it must not wrap the toolbar onto a second line.
                    <span class="end-note" data-testid="scenario-end">{ note.clone() }</span>
                }
                if props.catching_up {
                    <span class="clock-behind" data-testid="catching-up" title="The model is working through a burst of events; playback catches up over the next frames">{ "catching up" }</span>
                }
            </div>
            <label class="speed">
                <span>{ "Speed" }</span>
                <input type="range" min={SPEED_EXP_MIN.to_string()} max={SPEED_EXP_MAX.to_string()} step="0.05"
                    value={props.speed_exp.to_string()} oninput={on_speed}
                    aria-valuetext={format_speed(props.speed_exp)} aria-keyshortcuts="+ -" data-testid="speed" />
                <output class="speed-value">{ format_speed(props.speed_exp) }</output>
            </label>
            <label class="seed">
                <span>{ "Seed" }</span>
                <input type="number" min="0" step="1" inputmode="numeric" value={props.seed.to_string()}
                    onchange={on_seed} aria-invalid={seed_error.to_string()} data-testid="seed" />
            </label>
            <button type="button" onclick={click(&props.on_reset)} aria-keyshortcuts="r" data-testid="reset">{ "Reset" }</button>
            <button type="button" class="fault" onclick={click(&props.on_faults)} aria-keyshortcuts="f" data-testid="faults">
                { "Faults…" }
            </button>
            <button type="button" class="help-button" onclick={click(&props.on_help)} aria-keyshortcuts="?"
                aria-label="Keyboard shortcuts" data-testid="help">{ "?" }</button>
        </div>
    }
}
