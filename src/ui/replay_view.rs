//! The page while a recording is open (issue 15), in place of the workspace: the mark, the replay's timeline, the
//! cluster view drawing the recording's snapshot at the clock (with the model's beside it while predicting, and the
//! difference list), a note where the action panel would be (a replay is read-only) and the recorded events.
//! The user's own session waits untouched underneath (`ui::replay_state`).
use crate::model::time::SimTime;
use crate::ui::cluster_view::ClusterView;
use crate::ui::recording_diff::RecordingDiff;
use crate::ui::replay_log::ReplayLog;
use crate::ui::replay_mark::ReplayMark;
use crate::ui::replay_state::ReplayPane;
use crate::ui::replay_timeline::ReplayTimeline;
use crate::ui::state::{Target, UiAction, UiState};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReplayViewProps {
    pub pane: Rc<ReplayPane>,
    pub playing: bool,
    pub speed_exp: f64,
    /// The user's session's name ("Back to …").
    pub session_name: String,
    pub dispatcher: UseReducerDispatcher<UiState>,
}

#[component(ReplayView)]
pub fn replay_view(props: &ReplayViewProps) -> Html {
    let on_action = {
        let d = props.dispatcher.clone();
        use_callback((), move |a: UiAction, _| d.dispatch(a))
    };
    // A replay offers nothing to act on: selecting a replica or node does nothing.
    let noop_target = use_callback((), |_: Target, _| {});
    let noop_event = use_callback((), |_: u64, _| {});
    let p = &props.pane;
    let now = Some(SimTime::from_secs_f64(p.now_s));
    let real = html! {
        <ClusterView snapshot={p.snapshot.clone()} gang_hues={p.hues.clone()} highlight={p.highlight.clone()} {now}
            on_target={noop_target.clone()} on_select_event={noop_event.clone()} />
    };
    let prediction = p.prediction.as_ref().filter(|_| p.predicting);
    html! {
        <div class="replay" data-testid="replay">
            <ReplayMark mark={p.mark.clone()} name={p.name.clone()} limitations={p.limitations.clone()}
                predicting={prediction.is_some()} session_name={props.session_name.clone()} on_action={on_action.clone()} />
            <ReplayTimeline now_s={p.now_s} end_s={p.end_s} playing={props.playing} speed_exp={props.speed_exp}
                event_times={p.event_times.clone()} on_action={on_action.clone()} />
            <main class="workspace replay-workspace">
                <section id="cluster" class="cluster-pane" aria-label="Cluster view" tabindex="-1">
                    if let Some(model) = prediction {
                        <div class="compare-pair replay-pair" data-testid="replay-pair">
                            <section class="compare-run replay-real" aria-label="Real Ray: the recording" data-testid="replay-real">
                                <h3 class="compare-run-title"><span class="run-tag replay-tag-real">{ "Real Ray" }</span>{ "what the recorder saw" }</h3>
                                { real }
                            </section>
                            <section class="compare-run replay-model" aria-label="Model: the derived scenario's run" data-testid="replay-model">
                                <h3 class="compare-run-title"><span class="run-tag b">{ "Model" }</span>{ model.label.clone() }</h3>
                                if let Some(snapshot) = model.snapshot.clone() {
                                    <ClusterView {snapshot} gang_hues={model.hues.clone()} now={Some(model.model_time(p.now_s))}
                                        on_target={noop_target.clone()} on_select_event={noop_event.clone()} />
                                } else {
                                    <p class="replay-model-error" role="alert">{ model.error.clone().unwrap_or_default() }</p>
                                }
                            </section>
                        </div>
                        <RecordingDiff report={model.report.clone()} on_action={on_action.clone()} />
                    } else {
                        <section class="replay-single" aria-label="Real Ray: the recording" data-testid="replay-real">
                            { real }
                        </section>
                    }
                </section>
                <aside class="side-pane">
                    <section class="replay-note" aria-labelledby="replay-note-title" data-testid="replay-note">
                        <h2 id="replay-note-title">{ "A replay is read-only" }</h2>
                        <p>{ "This is what happened on a real cluster: nothing can be injected here. “Predict with the model” runs the same situation in Gangplank, where you can." }</p>
                    </section>
                    <ReplayLog lines={p.lines.clone()} shown={p.shown} on_action={on_action.clone()} />
                </aside>
            </main>
        </div>
    }
}
