//! The replay of a recording in the page (issue 15): its part of the UI state and of the reducer.
//!
//! Importing a `gangplank.recording/v1` file (any file import: the share panel's, the import dialog's, a drop)
//! opens a [`ReplayPane`] over the user's session, which stays in the state untouched (so the autosave keeps saving
//! it, never the replay) and is also put aside the usual way (`ui::replaced`: "Bring it back"). While the replay is
//! open, the page's time gestures (play, pause, frames, next / previous event, seek, the keyboard's) move the
//! replay's clock instead of the session's, and anything that would act on the cluster is refused: a replay is
//! read-only. "Predict with the model" derives a scenario from the recording (`app::recording::derive`), runs it
//! as a model session on the replay's clock and lists the differences (`app::recording::diff`).
//!
//! A bad recording is refused in the import dialog with every problem and its field path; the state is kept.
use crate::app::recording::{Recording, Replay};
use crate::app::replay_clock::{self, DiffRow, ReplayLine};
use crate::app::session::Session;
use crate::model::snapshot::Snapshot;
use crate::model::time::SimTime;
use crate::ui::state::{MAX_FRAME_MS, Travel, UiAction, UiState, same_scene};
use crate::ui::workbench_state::{ImportOutcome, Panel, WorkbenchAction};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::Reducible;

/// A gesture of the replay's own (the time gestures are the page's: see [`intercept`]).
#[derive(Clone, Debug, PartialEq)]
pub enum ReplayAction {
    /// Derive the scenario, run the model beside reality, list the differences.
    Predict,
    /// Back to the plain replay (the prediction is kept for the next "Predict").
    Plain,
    /// Close the replay: back to the user's session as it was.
    Close,
}

/// The model's run of the scenario derived from the recording, on the replay's clock.
#[derive(Clone)]
pub struct Prediction {
    /// The model's session, shared by every version of the prediction; None when the scenario could not be
    /// derived (then `error` says why).
    pub session: Option<Rc<RefCell<Session>>>,
    pub snapshot: Option<Rc<Snapshot>>,
    pub hues: Rc<BTreeMap<String, u8>>,
    /// The model side's title.
    pub label: String,
    pub error: Option<String>,
    /// The differences (timing noise or disagreement) in clock order, and the comparisons that agree.
    pub rows: Rc<Vec<DiffRow>>,
    pub agreeing: Rc<Vec<DiffRow>>,
    pub summary: String,
    pub not_derived: Rc<Vec<String>>,
    /// The faults the model was given, each with what the recording showed.
    pub given: Rc<Vec<String>>,
    /// How the clocks were aligned (a sentence), and the recording's time of the model's 0.
    pub alignment: String,
    pub offset_s: f64,
    /// `Session::version` when `snapshot` was taken.
    version: (u64, u64),
}

/// An open replay: the recording, its clock and what the page draws at that time.
#[derive(Clone)]
pub struct ReplayPane {
    /// The file's name.
    pub name: String,
    pub mark: String,
    pub limitations: Rc<Vec<String>>,
    pub end_s: f64,
    pub now_s: f64,
    /// The recorded events' times (sorted) and sentences, and how many have happened at the clock.
    pub event_times: Rc<Vec<f64>>,
    pub lines: Rc<Vec<ReplayLine>>,
    pub shown: usize,
    /// The recording at the clock, its gangs' colours, and what the events at the clock touch (lit).
    pub snapshot: Rc<Snapshot>,
    pub hues: Rc<BTreeMap<String, u8>>,
    pub highlight: Rc<BTreeSet<String>>,
    sample_times: Rc<Vec<f64>>,
    /// The sample `snapshot` was drawn from.
    sample: Option<usize>,
    replay: Rc<Replay>,
    pub prediction: Option<Rc<Prediction>>,
    pub predicting: bool,
    /// What the state's `replaced` was before the replay opened (given back on close).
    kept_replaced: Option<Rc<crate::ui::replaced::Replaced>>,
}

impl PartialEq for ReplayPane {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.replay, &other.replay)
            && self.now_s == other.now_s
            && self.predicting == other.predicting
            && Rc::ptr_eq(&self.snapshot, &other.snapshot)
            && match (&self.prediction, &other.prediction) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

/// Whether these imported files hold a recording (it is opened as a replay, not as a scenario). Anything naming
/// the recording format goes to the recording's parser, wherever its `format` key is (a tool that rewrites the JSON
/// may sort the keys), so that a damaged or newer recording is told what is wrong with it as a recording.
pub fn recording_file(files: &[(String, String)]) -> Option<&(String, String)> {
    files.iter().find(|(_, t)| crate::app::recording::looks_like_recording(t) || t.contains("\"gangplank.recording/"))
}

impl ReplayPane {
    /// Open a parsed recording at time 0.
    pub fn open(name: &str, recording: Recording) -> ReplayPane {
        let mark = replay_clock::mark_text(&recording.ray_version, &recording.started_at, recording.duration_s);
        let limitations = Rc::new(recording.limitations.clone());
        let replay = Replay::new(recording);
        let lines: Vec<ReplayLine> = replay
            .events()
            .iter()
            .map(|e| ReplayLine { t_s: e.t.as_secs_f64(), kind: e.kind.clone(), text: e.text.clone() })
            .collect();
        let mut pane = ReplayPane {
            name: name.to_string(),
            mark,
            limitations,
            end_s: replay.end().as_secs_f64(),
            now_s: 0.0,
            event_times: Rc::new(lines.iter().map(|l| l.t_s).collect()),
            lines: Rc::new(lines),
            shown: 0,
            snapshot: Rc::new(Snapshot::default()),
            hues: Rc::new(BTreeMap::new()),
            highlight: Rc::new(BTreeSet::new()),
            sample_times: Rc::new(replay.sample_times().iter().map(|t| t.as_secs_f64()).collect()),
            sample: None,
            replay: Rc::new(replay),
            prediction: None,
            predicting: false,
            kept_replaced: None,
        };
        pane.seek(0.0);
        pane
    }

    /// Move the clock to `t_s` (kept on the recording) and redraw what changed.
    pub fn seek(&mut self, t_s: f64) {
        self.now_s = replay_clock::clamp_time(t_s, self.end_s);
        self.shown = replay_clock::events_up_to(&self.event_times, self.now_s);
        let sample =
            self.sample_times.partition_point(|&t| t <= self.now_s + replay_clock::SAME_INSTANT_S).checked_sub(1);
        if sample != self.sample {
            self.sample = sample;
            let snapshot = self.replay.snapshot_at(SimTime::from_secs_f64(self.now_s));
            if !same_scene(&self.snapshot, &snapshot) {
                self.hues = Rc::new(hues_of(&snapshot, &self.hues));
                self.snapshot = Rc::new(snapshot);
            }
        }
        let lit: BTreeSet<String> = self
            .replay
            .events()
            .iter()
            .filter(|e| (e.t.as_secs_f64() - self.now_s).abs() <= replay_clock::SAME_INSTANT_S)
            .flat_map(|e| e.touches.iter().cloned())
            .collect();
        if *self.highlight != lit {
            self.highlight = Rc::new(lit);
        }
        if let Some(p) = &self.prediction {
            self.prediction = Some(Rc::new(p.follow(self.now_s)));
        }
    }

    /// The recorded sentences at exactly the clock's time, for the live region.
    fn sentences_now(&self) -> String {
        let at: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| (l.t_s - self.now_s).abs() <= replay_clock::SAME_INSTANT_S)
            .map(|l| l.text.as_str())
            .collect();
        if at.is_empty() {
            format!("Replay at {:.1} s.", self.now_s)
        } else {
            format!("At {:.1} s: {}", self.now_s, at.join("; "))
        }
    }
}

/// Gang colours for a recorded snapshot: the page's hue rule for a gang id, kept for gangs seen before.
fn hues_of(snapshot: &Snapshot, before: &BTreeMap<String, u8>) -> BTreeMap<String, u8> {
    let mut hues = before.clone();
    for gang in snapshot.replicas.iter().filter_map(|r| r.gang_context.as_ref()) {
        hues.entry(gang.gang_id.clone()).or_insert_with(|| crate::app::gang_colours::fallback_hue(&gang.gang_id));
    }
    hues
}

impl Prediction {
    /// Derive the scenario from the recording, compare the model's whole run with it, and open the model's run at
    /// the replay's clock `now_s`.
    fn run(recording: &Recording, now_s: f64) -> Prediction {
        let derived = crate::app::recording::derive::derive(recording);
        let not_derived: Vec<String> = derived.not_derived.iter().map(|n| n.to_string()).collect();
        let given: Vec<String> = derived.faults.iter().map(|f| format!("At {:.2} s: {}", f.t, f.evidence)).collect();
        let (rows, error) = match crate::app::recording::diff::diff(recording, &derived) {
            Ok(check) => (check.rows.iter().map(diff_row).collect(), None),
            Err(e) => (Vec::new(), Some(format!("The model could not be run on this recording: {e}"))),
        };
        let (rows, agreeing, summary) = replay_clock::ordered(rows);
        let session = error.is_none().then(|| Rc::new(RefCell::new(Session::new(derived.scenario.clone()))));
        let p = Prediction {
            session,
            snapshot: None,
            hues: Rc::new(BTreeMap::new()),
            label: format!("the scenario derived from the recording ({})", derived.scenario.name),
            alignment: derived.alignment.clone(),
            offset_s: derived.offset_s,
            summary: error.clone().unwrap_or(summary),
            error,
            rows: Rc::new(rows),
            agreeing: Rc::new(agreeing),
            not_derived: Rc::new(not_derived),
            given: Rc::new(given),
            version: (u64::MAX, 0),
        };
        p.follow(now_s)
    }

    /// The model's clock for the replay's: `offset_s` earlier (the deploy is the model's time 0).
    pub fn model_time(&self, now_s: f64) -> SimTime {
        SimTime::from_secs_f64((now_s - self.offset_s).max(0.0))
    }

    /// The model at the replay's clock (forward by playing on, backward by seeking).
    fn follow(&self, now_s: f64) -> Prediction {
        let Some(cell) = &self.session else { return self.clone() };
        let t = self.model_time(now_s);
        let (version, snapshot, hues) = {
            let mut s = cell.borrow_mut();
            if t > s.now() {
                s.advance_to(t);
            } else if t < s.now() {
                s.seek(t);
            }
            let version = s.version();
            if version == self.version {
                (version, None, None)
            } else {
                let hues = crate::app::gang_colours::GangColours::of(s.events()).hues().clone();
                (version, Some(s.snapshot()), Some(hues))
            }
        };
        let mut next = self.clone();
        next.version = version;
        if let Some(snap) = snapshot {
            if self.snapshot.as_ref().is_none_or(|old| !same_scene(old, &snap)) {
                next.snapshot = Some(Rc::new(snap));
            }
        }
        if let Some(h) = hues.filter(|h| *h != *self.hues) {
            next.hues = Rc::new(h);
        }
        next
    }
}

/// A comparison as the page lists it.
fn diff_row(d: &crate::app::recording::diff::Difference) -> DiffRow {
    DiffRow {
        t_s: d.t_s,
        subject: d.subject.clone(),
        reality: d.reality.clone(),
        model: d.model.clone(),
        verdict: d.verdict,
    }
}

/// The reducer's part while a replay may open or is open: `Ok` with the next state when the replay handled the
/// action, `Err` with the action when the page's own reducer should.
pub fn intercept(st: &Rc<UiState>, action: UiAction) -> Result<Rc<UiState>, UiAction> {
    if let UiAction::Workbench(WorkbenchAction::Import(Ok(files))) = &action {
        if let Some((name, text)) = recording_file(files) {
            return Ok(Rc::new(open_recording(st, name, text)));
        }
    }
    let Some(pane) = st.replay.clone() else {
        return match action {
            UiAction::Replay(_) => Ok(st.clone()),
            other => Err(other),
        };
    };
    let mut next = (**st).clone();
    let mut pane = (*pane).clone();
    let speed = next.speed();
    match action {
        UiAction::Frame { wall_ms } => {
            if !next.playing {
                return Ok(st.clone());
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
            next.announcement = pane.prediction.as_ref().map(|p| p.summary.clone()).unwrap_or_default();
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
            return Ok(Rc::new(next));
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
            crate::ui::lesson_state::LessonAction::Start { .. } | crate::ui::lesson_state::LessonAction::Import { .. },
        ) => {
            next.playing = false;
            next.replay = None;
            next.replaced = pane.kept_replaced.clone();
            return Ok(Rc::new(next).reduce(action));
        }
        other => return Err(other),
    }
    next.replay = Some(Rc::new(pane));
    Ok(Rc::new(next))
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
        assert!(!p.rows.is_empty() || !p.agreeing.is_empty(), "comparisons listed");
        assert!(p.summary.starts_with("The model "), "{}", p.summary);
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
