//! The difference list of a prediction (issue 15): each place where the model's run of the derived scenario
//! differs from the recording, saying what real Ray did and what the model did, marked "disagrees" or "timing
//! noise" (in words and by look, never by colour alone); a row takes the clock to its time. Then what could not
//! be derived from the recording, each with why.
use crate::app::recording::diff::Verdict;
use crate::app::replay_clock::DiffRow;
use crate::model::time::SimTime;
use crate::ui::replay_state::PredictionReport;
use crate::ui::state::{Travel, UiAction};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecordingDiffProps {
    /// The differences in clock order and the comparisons that agree (`app::replay_clock::ordered`), what the
    /// derivation left out, the faults the model was given, how the clocks were aligned.
    pub report: Rc<PredictionReport>,
    pub on_action: Callback<UiAction>,
}

fn row(r: &DiffRow, key: usize, on_action: &Callback<UiAction>) -> Html {
    let t = r.t_s;
    let jump = on_action.reform(move |_: MouseEvent| UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(t))));
    let (class, badge) = match r.verdict {
        Verdict::Disagrees => ("replay-disagrees", "\u{2717} disagrees"),
        Verdict::TimingNoise => ("replay-noise", "\u{2248} timing noise"),
        Verdict::Agrees => ("replay-agree", "\u{2713} agrees"),
    };
    html! {
        <li key={key} class={classes!("replay-diff", class)} data-testid="replay-diff-row" data-verdict={r.verdict_text()}>
            <button type="button" class="replay-diff-button" onclick={jump}
                aria-label={format!("{}, at {:.1} s, {}: real Ray {}; the model {}. Go to this moment.",
                    r.verdict_text(), t, r.subject, r.reality, r.model)}>
                <span class="replay-verdict">{ badge }</span>
                <span class="replay-diff-t">{ format!("{t:.1} s") }</span>
                <span class="replay-diff-subject">{ r.subject.clone() }</span>
                <span class="replay-diff-sides">
                    <span class="replay-diff-side"><strong>{ "Real Ray: " }</strong>{ r.reality.clone() }</span>
                    <span class="replay-diff-side"><strong>{ "Model: " }</strong>{ r.model.clone() }</span>
                </span>
            </button>
        </li>
    }
}

#[component(RecordingDiff)]
pub fn recording_diff(props: &RecordingDiffProps) -> Html {
    let r = &*props.report;
    let disagree = r.rows.iter().any(|r| r.verdict == Verdict::Disagrees);
    html! {
        <section class="replay-diffs" aria-labelledby="replay-diffs-title" data-testid="replay-diffs">
            <h2 id="replay-diffs-title">{ "Differences between real Ray and the model" }</h2>
            <p class={classes!("replay-diff-summary", if disagree { "replay-disagrees" } else { "replay-agrees" })}
                role="status" data-testid="replay-diff-summary">{ r.summary.clone() }</p>
            if !r.alignment.is_empty() {
                <p class="quiet replay-alignment">{ r.alignment.clone() }</p>
            }
            if !r.rows.is_empty() {
                <ol class="replay-diff-list">{ for r.rows.iter().enumerate().map(|(i, r)| row(r, i, &props.on_action)) }</ol>
            }
            if !r.agreeing.is_empty() {
                <details class="replay-agreeing">
                    <summary>{ format!("What agrees ({})", r.agreeing.len()) }</summary>
                    <ol class="replay-diff-list">{ for r.agreeing.iter().enumerate().map(|(i, r)| row(r, i, &props.on_action)) }</ol>
                </details>
            }
            if !r.given.is_empty() {
                <details class="replay-given">
                    <summary>{ format!("Faults the model was given ({})", r.given.len()) }</summary>
                    <ul>{ for r.given.iter().map(|g| html! { <li>{ g.clone() }</li> }) }</ul>
                </details>
            }
            if !r.not_derived.is_empty() {
                <details class="replay-not-derived" open=true data-testid="replay-not-derived">
                    <summary>{ format!("Not derived from the recording ({})", r.not_derived.len()) }</summary>
                    <p class="quiet">{ "The model's run leaves these out:" }</p>
                    <ul>{ for r.not_derived.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
                </details>
            }
        </section>
    }
}
