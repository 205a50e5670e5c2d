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
//!
//! This file holds the replay's types and how its clock moves; the reducer's part is `ui::replay_reducer` (which
//! imports `ui::state`, not the reverse).
use crate::app::recording::{Recording, Replay};
use crate::app::replay_clock::{self, DiffRow, ReplayLine};
use crate::app::session::Session;
use crate::model::snapshot::Snapshot;
use crate::model::time::SimTime;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

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
    /// What the difference list shows; one `Rc` shared by every step of the clock, so the list is not redrawn.
    pub report: Rc<PredictionReport>,
    pub offset_s: f64,
    /// `Session::version` when `snapshot` was taken.
    version: (u64, u64),
}

/// The comparison of the model's run with the recording, as the difference list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionReport {
    /// The differences (timing noise or disagreement) in clock order, and the comparisons that agree.
    pub rows: Vec<DiffRow>,
    pub agreeing: Vec<DiffRow>,
    pub summary: String,
    /// What the derivation left out, each with why.
    pub not_derived: Vec<String>,
    /// The faults the model was given, each with what the recording showed.
    pub given: Vec<String>,
    /// How the clocks were aligned (a sentence).
    pub alignment: String,
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
    /// The samples' times (sorted): a "tick" of a recording is its sampling period.
    pub sample_times: Rc<Vec<f64>>,
    /// The sample `snapshot` was drawn from.
    sample: Option<usize>,
    pub replay: Rc<Replay>,
    pub prediction: Option<Rc<Prediction>>,
    pub predicting: bool,
    /// What the state's `replaced` was before the replay opened (given back on close).
    pub kept_replaced: Option<Rc<crate::ui::replaced::Replaced>>,
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
            if !same_but_clock(&self.snapshot, &snapshot) {
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
    pub fn sentences_now(&self) -> String {
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

/// Equal in everything but the clock (a new snapshot then is not drawn again).
fn same_but_clock(a: &Snapshot, b: &Snapshot) -> bool {
    let mut b = b.clone();
    (b.t, b.tick) = (a.t, a.tick);
    *a == b
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
    pub fn run(recording: &Recording, now_s: f64) -> Prediction {
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
            label: "Gangplank's run of the scenario derived from the recording".to_string(),
            offset_s: derived.offset_s,
            report: Rc::new(PredictionReport {
                rows,
                agreeing,
                summary: error.clone().unwrap_or(summary),
                not_derived,
                given,
                alignment: derived.alignment.clone(),
            }),
            error,
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
        if let Some(snap) = snapshot
            && self.snapshot.as_ref().is_none_or(|old| !same_but_clock(old, &snap))
        {
            next.snapshot = Some(Rc::new(snap));
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
