//! The replay's mark (issue 15): a band above everything that says the picture is a real cluster's recording (Ray
//! version, date, length), with what the recorder could not read, and the ways on: predict with the model, back
//! to the plain replay, back to the user's own session.
use crate::ui::replay_state::ReplayAction;
use crate::ui::state::UiAction;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReplayMarkProps {
    /// "Recorded on a real cluster — Ray 2.60.0, 2026-12-07 03:00 UTC, 1 min 10 s" (`app::replay_clock`).
    pub mark: String,
    /// The file's name.
    pub name: String,
    /// What the recorder says it could not read.
    pub limitations: Rc<Vec<String>>,
    /// The model's prediction is shown beside reality.
    pub predicting: bool,
    /// What "back to your session" returns to (its name).
    pub session_name: String,
    pub on_action: Callback<UiAction>,
}

#[component(ReplayMark)]
pub fn replay_mark(props: &ReplayMarkProps) -> Html {
    let send = |a: ReplayAction| props.on_action.reform(move |_: MouseEvent| UiAction::Replay(a.clone()));
    html! {
        <section class="replay-mark" aria-labelledby="replay-mark-text" data-testid="replay-mark">
            <div class="replay-mark-line">
                <span class="replay-rec" aria-hidden="true">{ "\u{25cf} REC" }</span>
                <h2 id="replay-mark-text" class="replay-mark-text" data-testid="replay-mark-text">{ props.mark.clone() }</h2>
            </div>
            <p class="replay-mark-sub">
                <span class="quiet">{ "Replaying " }</span><code>{ props.name.clone() }</code>
                <span class="quiet">{ if props.predicting {
                    ": real Ray on the left, the model's run of the same situation on the right, on one clock."
                } else {
                    ": what the recorder saw, read-only. Nothing here is simulated."
                } }</span>
            </p>
            <div class="replay-mark-actions">
                if props.predicting {
                    <button type="button" onclick={send(ReplayAction::Plain)} data-testid="replay-plain">{ "Back to the plain replay" }</button>
                } else {
                    <button type="button" class="primary" onclick={send(ReplayAction::Predict)} data-testid="replay-predict"
                        title="Derive a scenario from the recording, run the model on it and show both side by side">
                        { "Predict with the model" }
                    </button>
                }
                <button type="button" onclick={send(ReplayAction::Close)} data-testid="replay-close"
                    aria-label={format!("Close the replay and go back to your session, {}", props.session_name)}>
                    { format!("Back to {}", props.session_name) }
                </button>
            </div>
            if !props.limitations.is_empty() {
                <details class="replay-limitations">
                    <summary>{ format!("What the recorder could not read ({})", props.limitations.len()) }</summary>
                    <ul>{ for props.limitations.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ul>
                </details>
            }
        </section>
    }
}
