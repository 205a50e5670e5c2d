//! The lesson UI's state (issue 14): which lesson is open at which step, the list, a lesson file's problems, and
//! the pure helpers around them (named panels, addresses, links). The reducer's part is `lesson_reducer.rs` (it
//! imports `state.rs`, which imports this file). The engine (`app::lesson`) decides everything a lesson does.
use crate::app::lesson::{self, LessonRun, Panel, StepView};
use crate::app::link::LessonLink;
use crate::model::time::{SimDuration, SimTime};
use serde_json::Value;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The reveal plays the step's run forward in at most this much wall time (faster than the chosen speed if the
/// step is long), so the clock visibly moves and the class does not wait.
pub const REVEAL_WALL_MS: f64 = 2500.0;
/// localStorage: lesson id → the step reached (from 0), for "continue at step N".
pub const PROGRESS_KEY: &str = "gangplank.lessons.progress";
/// Where an unreadable progress entry is kept aside (then `.2` … `.5`), never over another.
pub const PROGRESS_UNREADABLE_KEY: &str = "gangplank.lessons.progress.unreadable";

/// A lesson gesture (one `UiAction::Lesson`).
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    /// Open or close the lesson list.
    Picker(bool),
    /// Start a built-in lesson at a step (from 0), asking its question or (`revealed`) at the step's end.
    Start {
        id: String,
        step: usize,
        revealed: bool,
    },
    /// A lesson file read by the file import (name, text).
    Import {
        name: String,
        text: String,
    },
    /// A lesson file could not be read at all (the browser's reason).
    Refused(String),
    Next,
    Previous,
    /// Choose an option (from 0) of the question being asked: reveals.
    Answer(usize),
    /// "Just show me": reveal without an answer.
    Reveal,
    /// Back to free play at the current moment.
    Leave,
    DismissProblems,
}

/// The lessons part of the UI state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lessons {
    pub picker_open: bool,
    pub open: Option<Rc<OpenLesson>>,
    /// Why a lesson could not be opened (an imported file, a link): a headline and each problem.
    pub problems: Option<Rc<LessonProblems>>,
}

/// A lesson being walked through.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenLesson {
    pub run: LessonRun,
    /// A bundled lesson: links, the autosave and the address carry its id.
    pub builtin: bool,
    /// An imported lesson's file, which links and the autosave carry whole (`app::link::LessonLink::inline`).
    pub file: Option<Rc<Value>>,
    /// The current step as the panel draws it.
    pub view: Rc<StepView>,
    /// The reveal being played: from the question's moment to the step's end.
    pub revealing: Option<(SimTime, SimTime)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LessonProblems {
    pub headline: String,
    /// (field path, message); the path may be empty.
    pub items: Vec<(String, String)>,
}

impl Lessons {
    /// The open built-in lesson's id and step (from 0): what links and the address carry.
    pub fn link_key(&self) -> Option<(String, usize)> {
        self.open.as_ref().filter(|o| o.builtin).map(|o| (o.run.lesson().id.clone(), o.run.step()))
    }

    /// The reveal is being played.
    pub fn revealing(&self) -> bool {
        self.open.as_ref().is_some_and(|o| o.revealing.is_some())
    }
}

/// The element each named panel is (`data-testid`s, the controller's box by its class).
pub fn panel_selector(p: Panel) -> &'static str {
    match p {
        Panel::Timeline => "[data-testid=\"timeline\"]",
        Panel::Status => "[data-testid=\"status-panel\"]",
        Panel::Log => "[data-testid=\"event-log\"]",
        Panel::Pending => "[data-testid=\"pending-tray\"]",
        Panel::Controller => "g.controller",
    }
}

/// The panels' names as people say them (the panel's note "Look at: the pending tray").
pub fn panel_words(p: Panel) -> &'static str {
    match p {
        Panel::Timeline => "the timeline",
        Panel::Status => "the status panel",
        Panel::Log => "the event log",
        Panel::Pending => "the pending tray",
        Panel::Controller => "the Serve controller",
    }
}

/// The style that rings the step's named panels (they are not dimmed: the spotlight dims the cluster's parts).
pub fn panel_ring_css(panels: &[Panel]) -> String {
    let mut css = String::new();
    for p in panels {
        if *p == Panel::Controller {
            css.push_str(
                ".app .cluster-pane .card-fo:has(g.controller) { opacity: 1 !important; }\n\
                 .app g.controller > rect { stroke: var(--accent); stroke-width: 4px; }\n",
            );
        } else {
            // A named panel is lit whole: the spotlight's dimming stops at its border.
            let sel = panel_selector(*p);
            css.push_str(&format!(
                ".app {sel} {{ outline: 4px solid var(--accent); outline-offset: 2px; opacity: 1 !important; }}\n\
                 .app {sel} * {{ opacity: 1 !important; }}\n"
            ));
            if *p == Panel::Pending {
                // Presenter mode hides an empty tray; a step that names it shows it ("nothing is waiting" is the
                // point of such a step).
                css.push_str(".app.presenter .cluster-pane .pending-tray[data-testid=\"pending-tray\"] { display: block !important; }\n");
            }
        }
    }
    css
}

/// Where an opened link's lesson waits for the reducer: `storage::open_link` moves the link's `lesson` key
/// ([`LessonLink`]) into the view settings under this key, and the reducer (`lesson_reducer.rs`) reads it there.
pub const VIEW_LESSON_KEY: &str = "lesson";

/// The lesson a link or the autosave carried (see [`VIEW_LESSON_KEY`]).
pub fn lesson_in_view(view: Option<&Value>) -> Option<LessonLink> {
    serde_json::from_value(view?.get(VIEW_LESSON_KEY)?.clone()).ok()
}

/// Put a link's lesson where the reducer finds it (see [`VIEW_LESSON_KEY`]).
pub fn carry_lesson(shared: &mut crate::app::link::SharedSession, lesson: Option<LessonLink>) {
    let Some(lesson) = lesson else { return };
    let mut view = match shared.view.take() {
        Some(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    view.insert(VIEW_LESSON_KEY.to_string(), serde_json::to_value(lesson).unwrap_or_default());
    shared.view = Some(Value::Object(view));
}

/// `?lesson=ID&step=N` in an address (N from 1, as the panel counts; 1 when missing or unreadable).
pub fn lesson_in_query(search: &str) -> Option<(String, usize)> {
    let param = |name: &str| {
        search.trim_start_matches('?').split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| v.to_string())
        })
    };
    let id = param("lesson").filter(|id| !id.is_empty())?;
    let step = param("step").and_then(|s| s.parse::<usize>().ok()).unwrap_or(1).max(1);
    Some((id, step - 1))
}

/// `href` with `lesson=` and `step=` (from 1) set to `key`, or removed; other parameters and the fragment kept.
pub fn address_with_lesson(href: &str, key: Option<(&str, usize)>) -> String {
    let (base, fragment) = match href.split_once('#') {
        Some((b, f)) => (b, format!("#{f}")),
        None => (href, String::new()),
    };
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !matches!(kv.split('=').next(), Some("lesson" | "step")))
        .map(String::from)
        .collect();
    if let Some((id, step)) = key {
        params.push(format!("lesson={id}"));
        params.push(format!("step={}", step + 1));
    }
    let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
    format!("{path}{query}{fragment}")
}

pub(crate) fn problems_of(headline: String, items: Vec<(String, String)>) -> Option<Rc<LessonProblems>> {
    Some(Rc::new(LessonProblems { headline, items }))
}

/// A problem's message with its line and column, when the JSON itself is broken.
pub(crate) fn line_message(e: &crate::model::scenario::ScenarioError) -> String {
    match (e.line, e.column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: {}", e.message),
        _ => e.message.clone(),
    }
}

/// The files of an import that are lessons (by their `format`).
pub fn lesson_file(files: &[(String, String)]) -> Option<(String, String)> {
    files.iter().find(|(_, t)| lesson::looks_like_lesson(t)).cloned()
}

/// The stored progress: steps reached per lesson (from 0), and what the lesson list says when the entry was unreadable.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub steps: BTreeMap<String, usize>,
    /// Why the stored entry could not be read and where it is kept (shown in the lesson list).
    pub problem: Option<String>,
    /// False when an unreadable entry could not be kept aside: it is then never overwritten (progress not saved).
    writable: bool,
}

/// The progress as stored. An unreadable entry (another version's, edited by hand, cut short) is first kept aside
/// unchanged, as unreadable autosaves are (issue 16: nothing the user made lost without telling them); counting
/// then starts afresh. If it cannot be kept aside, it is left as it is and progress is not saved.
pub fn load_progress() -> Progress {
    use crate::ui::local_storage::{get, keep_aside};
    let Some(text) = get(PROGRESS_KEY) else { return Progress { writable: true, ..Progress::default() } };
    let e = match serde_json::from_str(&text) {
        Ok(steps) => return Progress { steps, problem: None, writable: true },
        Err(e) => e,
    };
    let kept = keep_aside(PROGRESS_UNREADABLE_KEY, &text);
    let (problem, writable) = match kept {
        Ok(key) => (
            format!(
                "Your lesson progress could not be read ({e}). It was kept unchanged in local storage as \"{key}\"; \
                 \"continue at step\" counts afresh."
            ),
            true,
        ),
        Err(why) => (
            format!(
                "Your lesson progress could not be read ({e}) nor kept aside ({why}). It is left as it is, so \
                 progress is not saved until \"{PROGRESS_KEY}\" is removed from local storage."
            ),
            false,
        ),
    };
    Progress { steps: BTreeMap::new(), problem: Some(problem), writable }
}

pub(crate) fn store_progress(id: &str, step: usize) {
    let Progress { steps: mut all, writable, .. } = load_progress();
    if !writable || all.get(id) == Some(&step) {
        return;
    }
    all.insert(id.to_string(), step);
    // A refused write (storage full or off) costs only "continue at step N"; the autosave notice speaks for storage.
    let _ = crate::ui::local_storage::set(PROGRESS_KEY, &serde_json::to_string(&all).unwrap_or_default());
}

/// The reveal's playback rate (simulated seconds per wall second): the chosen speed, or faster so that `span`
/// takes at most [`REVEAL_WALL_MS`].
pub fn reveal_rate(span: SimDuration, speed: f64) -> f64 {
    speed.max(span.0 as f64 / 1e6 * 1000.0 / REVEAL_WALL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_the_lesson_step_from_one() {
        assert_eq!(lesson_in_query("?preset=a&lesson=what-is-a-gang&step=3"), Some(("what-is-a-gang".into(), 2)));
        assert_eq!(lesson_in_query("?lesson=x&step=zero"), Some(("x".into(), 0)));
        assert_eq!(lesson_in_query("?preset=a"), None);
        let a = "http://h/?preset=p&lesson=old&step=9&present=1#g1.x";
        assert_eq!(address_with_lesson(a, Some(("new", 1))), "http://h/?preset=p&present=1&lesson=new&step=2#g1.x");
        assert_eq!(address_with_lesson(a, None), "http://h/?preset=p&present=1#g1.x");
    }

    #[test]
    fn the_reveal_never_takes_longer_than_its_wall_budget() {
        let span = SimDuration::from_secs_f64(60.0);
        let wall_ms = |rate: f64| 60.0 / rate * 1000.0;
        assert!(wall_ms(reveal_rate(span, 1.0)) <= REVEAL_WALL_MS + 1.0);
        assert_eq!(reveal_rate(SimDuration::from_secs_f64(1.0), 100.0), 100.0, "a short step at the chosen speed");
    }
}
