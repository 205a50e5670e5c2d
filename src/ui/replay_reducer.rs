//! The reducer's part of the replay of a recording (issue 15; the replay itself is `ui::replay_state`): a recording
//! import opens it, and while it is open the page's time gestures move its clock and anything that would act on
//! the cluster is refused. `ui::state` calls [`UiState::replay_intercept`] first thing in its reducer.
use crate::app::replay_clock;
use crate::ui::replay_state::{Prediction, ReplayAction, ReplayPane, recording_file};
use crate::ui::state::{MAX_FRAME_MS, Travel, UiAction, UiState};
use crate::ui::workbench_state::{ImportOutcome, Panel, WorkbenchAction};
use std::ops::ControlFlow::{self, Break, Continue};
use std::rc::Rc;
use yew::Reducible;

impl UiState {
    /// The reducer's part while a replay may open or is open: `Break` with the next state when the replay handled the
    /// action, `Continue` with the action when the page's own reducer should.
    pub(crate) fn replay_intercept(st: &Rc<UiState>, action: UiAction) -> ControlFlow<Rc<UiState>, UiAction> {
        if let UiAction::Workbench(WorkbenchAction::Import(Ok(files))) = &action
            && let Some((name, text)) = recording_file(files)
        {
            return Break(Rc::new(open_recording(st, name, text)));
        }
        let Some(pane) = st.replay.clone() else {
            return match action {
                UiAction::Replay(_) => Break(st.clone()),
                other => Continue(other),
            };
        };
        let mut next = (**st).clone();
        let mut pane = (*pane).clone();
        let speed = next.speed();
        match action {
            UiAction::Frame { wall_ms } => {
                if !next.playing {
                    return Break(st.clone());
                }
                pane.seek(replay_clock::frame(pane.now_s, pane.end_s, wall_ms, MAX_FRAME_MS, speed));
                if pane.now_s >= pane.end_s {
                    next.playing = false;
                    next.announcement = end_of_recording(&pane);
                }
            }
            UiAction::TogglePlay => {
                if next.playing {
                    next.playing = false;
                } else if pane.now_s >= pane.end_s {
                    next.announcement = end_of_recording(&pane);
                } else {
                    next.playing = true;
                }
            }
            UiAction::Pause => next.playing = false,
            UiAction::StepEvent | UiAction::Advance => {
                next.playing = false;
                match replay_clock::next_event_after(&pane.event_times, pane.now_s) {
                    Some(t) => {
                        pane.seek(t);
                        next.announcement = pane.sentences_now();
                    }
                    None => {
                        pane.seek(pane.end_s);
                        next.announcement = end_of_recording(&pane);
                    }
                }
            }
            UiAction::Retreat | UiAction::Travel(Travel::BackEvent) => {
                next.playing = false;
                pane.seek(replay_clock::previous_event_before(&pane.event_times, pane.now_s).unwrap_or(0.0));
                next.announcement = pane.sentences_now();
            }
            // A "tick" of a recording is its sampling period: the next / previous sample.
            UiAction::StepTick => {
                next.playing = false;
                let t = replay_clock::next_event_after(&pane.sample_times, pane.now_s).unwrap_or(pane.end_s);
                pane.seek(t);
                next.announcement = pane.sentences_now();
            }
            UiAction::Travel(Travel::BackTick) => {
                next.playing = false;
                pane.seek(replay_clock::previous_event_before(&pane.sample_times, pane.now_s).unwrap_or(0.0));
                next.announcement = pane.sentences_now();
            }
            UiAction::Travel(Travel::Seek(t)) => {
                next.playing = false;
                pane.seek(t.as_secs_f64());
            }
            UiAction::Reset => {
                next.playing = false;
                pane.seek(0.0);
                next.announcement = "Replay back at 0 s.".to_string();
            }
            UiAction::Replay(ReplayAction::Predict) => {
                next.playing = false;
                if pane.prediction.is_none() {
                    pane.prediction = Some(Rc::new(Prediction::run(pane.replay.recording(), pane.now_s)));
                }
                pane.predicting = true;
                next.announcement = pane.prediction.as_ref().map(|p| p.report.summary.clone()).unwrap_or_default();
            }
            UiAction::Replay(ReplayAction::Plain) => {
                pane.predicting = false;
                next.announcement = "Back to the plain replay.".to_string();
            }
            UiAction::Replay(ReplayAction::Close) => {
                next.playing = false;
                next.replay = None;
                next.replaced = pane.kept_replaced.clone();
                next.announcement = format!("Closed the replay: back to {}.", next.scenario_name);
                return Break(Rc::new(next));
            }
            // Read-only: nothing acts on the recorded cluster, and the user's session is not touched meanwhile.
            UiAction::Inject(_)
            | UiAction::SetTarget(_)
            | UiAction::SetSeed(_)
            | UiAction::Travel(Travel::Undo)
            | UiAction::Travel(Travel::JumpToEvent(_))
            | UiAction::Compare(_) => {
                next.target = None;
                next.announcement = "A replay is read-only: nothing can be injected into a recording.".to_string();
            }
            // Starting a lesson closes the replay first (the lesson then puts the session aside as usual).
            action @ UiAction::Lesson(
                crate::ui::lesson_state::LessonAction::Start { .. }
                | crate::ui::lesson_state::LessonAction::Import { .. },
            ) => {
                next.playing = false;
                next.replay = None;
                next.replaced = pane.kept_replaced.clone();
                return Break(Rc::new(next).reduce(action));
            }
            other => return Continue(other),
        }
        next.replay = Some(Rc::new(pane));
        Break(Rc::new(next))
    }
}

fn end_of_recording(pane: &ReplayPane) -> String {
    format!("End of the recording ({}).", replay_clock::duration_text(pane.end_s))
}

/// Open a recording over the page (the user's session put aside, not replaced), or refuse it in the import
/// dialog with every problem and its field path (the state is kept).
fn open_recording(st: &UiState, name: &str, text: &str) -> UiState {
    let mut next = st.clone();
    next.playing = false;
    let mut wb = (*next.workbench).clone();
    match crate::app::recording::parse_recording(text) {
        Ok(recording) => {
            let mut pane = ReplayPane::open(name, recording);
            // Another recording over an open replay: the session put aside stays the user's.
            let previous = st.replay.as_ref().map(|p| p.kept_replaced.clone());
            pane.kept_replaced = previous.clone().unwrap_or_else(|| st.replaced.clone());
            if previous.is_none() {
                next.replaced = st.put_aside().map(Rc::new).or_else(|| st.replaced.clone());
            }
            next.target = None;
            next.help_open = false;
            next.announcement = format!("Replaying {name}: {}.", pane.mark);
            next.replay = Some(Rc::new(pane));
            wb.panel = None;
            wb.import = None;
        }
        Err(errors) => {
            let problems: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            let outcome = ImportOutcome {
                ok: false,
                headline: format!(
                    "The recording \u{201c}{name}\u{201d} could not be opened ({} problem{}). Your session is unchanged.",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                ),
                problems,
                notes: Vec::new(),
            };
            next.announcement = outcome.headline.clone();
            wb.import = Some(Rc::new(outcome));
            wb.panel = Some(Panel::Import);
        }
    }
    next.workbench = Rc::new(wb);
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::ActionKind;
    use crate::model::time::SimTime;

    const REAL: &str = include_str!("../../tests/recordings/pack_replica_kill.json");

    fn import(st: Rc<UiState>, name: &str, text: &str) -> Rc<UiState> {
        st.reduce(UiAction::Workbench(WorkbenchAction::Import(Ok(vec![(name.into(), text.into())]))))
    }

    fn user_session() -> Rc<UiState> {
        Rc::new(UiState::for_preset("replica-crash"))
            .reduce(UiAction::StepEvent)
            .reduce(UiAction::Inject(ActionKind::KillController {}))
    }

    #[test]
    fn a_recording_opens_as_a_replay_over_the_session_which_is_kept_and_autosaved_unchanged() {
        let st = user_session();
        let (link, now) = (crate::ui::storage::link_of_state(&st), st.now);
        let st = import(st, "run.json", REAL);
        let pane = st.replay.clone().unwrap_or_else(|| panic!("a replay: {:?}", st.workbench.import));
        assert!(pane.mark.starts_with("Recorded on a real cluster \u{2014} Ray 2.60.0, "), "{}", pane.mark);
        assert!(!pane.snapshot.nodes.is_empty() && !pane.lines.is_empty());
        // The replay's gestures do not touch the session: what the autosave writes stays the user's.
        let st = st
            .reduce(UiAction::StepEvent)
            .reduce(UiAction::StepEvent)
            .reduce(UiAction::Inject(ActionKind::KillController {}));
        assert!(st.replay.as_ref().unwrap().now_s > 0.0);
        assert_eq!((crate::ui::storage::link_of_state(&st), st.now), (link.clone(), now));
        assert!(
            st.replaced.as_ref().is_some_and(|r| r.what.contains("1 injected action")),
            "put aside for Bring it back"
        );
        let st = st.reduce(UiAction::Replay(ReplayAction::Close));
        assert!(st.replay.is_none() && st.replaced.is_none());
        assert_eq!(crate::ui::storage::link_of_state(&st), link);
    }

    #[test]
    fn the_clock_plays_steps_and_seeks_on_the_recording() {
        let st = import(Rc::new(UiState::for_preset("replica-crash")), "run.json", REAL);
        let end = st.replay.as_ref().unwrap().end_s;
        let st = st.reduce(UiAction::TogglePlay);
        assert!(st.playing);
        let st = st.reduce(UiAction::Frame { wall_ms: 200.0 });
        assert!((st.replay.as_ref().unwrap().now_s - 0.2).abs() < 1e-9);
        let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(end + 5.0))));
        let pane = st.replay.clone().unwrap();
        assert_eq!((pane.now_s, pane.shown, st.playing), (end, pane.lines.len(), false));
        let st = st.reduce(UiAction::Travel(Travel::BackEvent));
        let last = pane.lines.last().unwrap().t_s;
        let t = st.replay.as_ref().unwrap().now_s;
        assert!(t < end && t <= last, "{t}");
        assert!(st.announcement.starts_with(&format!("At {t:.1} s: ")), "{}", st.announcement);
        let st = st.reduce(UiAction::Reset);
        assert_eq!(st.replay.as_ref().unwrap().now_s, 0.0);
    }

    #[test]
    fn a_bad_recording_is_refused_with_its_field_path_and_the_state_kept() {
        let st = import(Rc::new(UiState::for_preset("replica-crash")), "good.json", REAL).reduce(UiAction::StepEvent);
        let at = st.replay.as_ref().unwrap().now_s;
        let mut bad: serde_json::Value = serde_json::from_str(REAL).unwrap();
        bad["samples"][3]["applications"][0]["deployments"][0]["replicas"][0]["state"] = "RUNING".into();
        let st = import(st, "bad.json", &bad.to_string());
        let outcome = st.workbench.import.clone().expect("the dialog shows why");
        assert!(
            !outcome.ok && outcome.headline.contains("bad.json") && outcome.headline.contains("unchanged"),
            "{outcome:?}"
        );
        assert!(
            outcome.problems.iter().any(|p| p.contains("samples[3].applications[0].deployments[0].replicas[0].state")),
            "{:?}",
            outcome.problems
        );
        assert_eq!(st.workbench.panel, Some(Panel::Import));
        let pane = st.replay.clone().expect("the replay stays open");
        assert_eq!((pane.name.as_str(), pane.now_s), ("good.json", at));
    }

    #[test]
    fn predict_runs_the_derived_scenario_on_the_replay_clock_with_the_comparisons() {
        let st = import(Rc::new(UiState::for_preset("replica-crash")), "run.json", REAL)
            .reduce(UiAction::Replay(ReplayAction::Predict));
        let pane = st.replay.clone().unwrap();
        let p = pane.prediction.clone().expect("predicted");
        assert!(pane.predicting && p.error.is_none(), "{:?}", p.error);
        assert!(!p.report.rows.is_empty() || !p.report.agreeing.is_empty(), "comparisons listed");
        assert!(p.report.summary.starts_with("The model "), "{}", p.report.summary);
        // The model follows the replay's clock, shifted by the deploy's time.
        let end = pane.end_s;
        let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(end))));
        let p = st.replay.as_ref().unwrap().prediction.clone().unwrap();
        let model_now = p.session.as_ref().unwrap().borrow().now();
        assert_eq!(model_now, p.model_time(end));
        assert!(p.snapshot.as_ref().is_some_and(|s| !s.replicas.is_empty()), "the model's cluster is drawn");
        // Back to the plain replay keeps the prediction for the next time.
        let st = st.reduce(UiAction::Replay(ReplayAction::Plain));
        let pane = st.replay.clone().unwrap();
        assert!(!pane.predicting && pane.prediction.is_some());
    }
}
