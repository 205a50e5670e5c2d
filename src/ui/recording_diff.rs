//! The difference list of a prediction (issue 15): each place where the model's run of the derived scenario
//! differs from the recording, saying what real Ray did and what the model did, marked "disagrees" or "timing
//! noise" (in words and by look, never by colour alone); a row takes the clock to its time. Then what could not
//! be derived from the recording, each with why.
use crate::app::replay_clock::DiffRow;
use crate::model::time::SimTime;
use crate::ui::state::{Travel, UiAction};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecordingDiffProps {
    /// In clock order (`app::replay_clock::ordered`).
    pub rows: Rc<Vec<DiffRow>>,
    pub summary: String,
    /// What the derivation left out, each with why.
    pub not_derived: Rc<Vec<String>>,
    pub on_action: Callback<UiAction>,
}

#[component(RecordingDiff)]
pub fn recording_diff(props: &RecordingDiffProps) -> Html {
    let disagree = props.rows.iter().any(|r| !r.noise);
    let rows = props.rows.iter().enumerate().map(|(i, r)| {
        let t = r.t_s;
        let jump = props.on_action.reform(move |_: MouseEvent| UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(t))));
        let class = if r.noise { "replay-noise" } else { "replay-disagrees" };
        html! {
            <li key={i} class={classes!("replay-diff", class)} data-testid="replay-diff-row">
                <button type="button" class="replay-diff-button" onclick={jump}
                    aria-label={format!("{}, at {:.1} s, {}: real Ray {}; the model {}. Go to this moment.",
                        r.verdict(), t, r.subject, r.reality, r.model)}>
                    <span class="replay-verdict">{ if r.noise { "\u{2248} timing noise" } else { "\u{2717} disagrees" } }</span>
                    <span class="replay-diff-t">{ format!("{t:.1} s") }</span>
                    <span class="replay-diff-subject">{ r.subject.clone() }</span>
                    <span class="replay-diff-sides">
                        <span class="replay-diff-side"><strong>{ "Real Ray: " }</strong>{ r.reality.clone() }</span>
                        <span class="replay-diff-side"><strong>{ "Model: " }</strong>{ r.model.clone() }</span>
                    </span>
                </button>
            </li>
        }
    });
    html! {
        <section class="replay-diffs" aria-labelledby="replay-diffs-title" data-testid="replay-diffs">
            <h2 id="replay-diffs-title">{ "Differences between real Ray and the model" }</h2>
            <p class={classes!("replay-diff-summary", if disagree { "replay-disagrees" } else { "replay-agrees" })}
                role="status" data-testid="replay-diff-summary">{ props.summary.clone() }</p>
            if !props.rows.is_empty() {
                <ol class="replay-diff-list">{ for rows }</ol>
            }
            if !props.not_derived.is_empty() {
                <details class="replay-not-derived" open=true data-testid="replay-not-derived">
                    <summary>{ format!("Not derived from the recording ({})", props.not_derived.len()) }</summary>
                    <p class="quiet">{ "The model's run leaves these out, so they are not compared:" }</p>
                    <ul>{ for props.not_derived.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
                </details>
            }
        </section>
    }
}
