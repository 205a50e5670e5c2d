//! The replay's event log (issue 15): the recorded events up to the clock, newest first, in plain sentences.
//! Clicking one takes the clock to it.
use crate::app::replay_clock::{ReplayLine, line_class};
use crate::model::time::SimTime;
use crate::ui::state::{Travel, UiAction};
use std::rc::Rc;
use yew::prelude::*;

/// Rows the log shows at most (the newest).
pub const REPLAY_LOG_ROWS: usize = 200;

#[derive(Properties, PartialEq)]
pub struct ReplayLogProps {
    /// Every recorded event, in time order.
    pub lines: Rc<Vec<ReplayLine>>,
    /// How many have happened at the clock.
    pub shown: usize,
    pub on_action: Callback<UiAction>,
}

#[component(ReplayLog)]
pub fn replay_log(props: &ReplayLogProps) -> Html {
    let shown = props.shown.min(props.lines.len());
    let rows = props.lines[..shown].iter().enumerate().rev().take(REPLAY_LOG_ROWS).map(|(i, line)| {
        let t = line.t_s;
        let jump =
            props.on_action.reform(move |_: MouseEvent| UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(t))));
        html! {
            <li key={i} class={classes!("replay-line", line_class(&line.kind))}>
                <button type="button" class="replay-line-button" onclick={jump}
                    aria-label={format!("At {:.1} s: {}. Go to this moment.", t, line.text)}>
                    <span class="replay-line-t">{ format!("{t:.1} s") }</span>
                    <span class="replay-line-text">{ line.text.clone() }</span>
                </button>
            </li>
        }
    });
    html! {
        <section class="replay-log" aria-labelledby="replay-log-title" data-testid="replay-log">
            <h2 id="replay-log-title">{ "Recorded events" }</h2>
            <p class="quiet">{ format!("{shown} of {} so far, newest first.", props.lines.len()) }</p>
            if shown == 0 {
                <p class="quiet">{ "Nothing recorded yet at this time: play or step to the next event." }</p>
            } else {
                <ol class="replay-lines" reversed=true>{ for rows }</ol>
            }
        </section>
    }
}
