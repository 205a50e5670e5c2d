//! The lessons' part of the reducer (issue 14): `impl UiState` for `UiAction::Lesson` and the clicker's steps, and
//! the hook that keeps the address and the remembered progress in step. The engine (`app::lesson`) decides where
//! each step runs to and which option the model made true; this asks it to move and makes the page show the step:
//! the step's ids as the page's highlight, no known future while a question is asked, the reveal played forward.
//! (The types are in `lesson_state.rs`, which `state.rs` imports; this file imports `state.rs`, not the reverse.)
use crate::app::lesson::{self, BUILTIN, Lesson, LessonRun, Phase, ScenarioSource};
use crate::app::link::LessonLink;
use crate::model::time::{SimDuration, SimTime};
use crate::ui::lesson_state::{
    LessonAction, Lessons, OpenLesson, address_with_lesson, lesson_in_query, line_message, problems_of, reveal_rate,
    store_progress,
};
use crate::ui::state::{MAX_FRAME_MS, UiState};
use serde_json::Value;
use std::rc::Rc;
use yew::prelude::*;

impl UiState {
    /// The open lesson as links and the autosave carry it: a built-in one by id, an imported one whole.
    pub fn lesson_link(&self) -> Option<LessonLink> {
        let o = self.lesson.open.as_ref()?;
        let (id, inline) = match (&o.file, o.builtin) {
            (_, true) => (Some(o.run.lesson().id.clone()), None),
            (Some(file), false) => (None, Some((**file).clone())),
            (None, false) => return None,
        };
        let revealed = matches!(o.run.phase(), Phase::Revealed { .. });
        Some(LessonLink { id, inline, step: o.run.step(), revealed })
    }

    /// A lesson gesture.
    pub fn lesson_action(&mut self, a: LessonAction) {
        let mut lessons = (*self.lesson).clone();
        match a {
            LessonAction::Picker(open) => {
                lessons.picker_open = open;
                self.lesson = Rc::new(lessons);
            }
            LessonAction::Start { id, step, revealed } => self.start_builtin(&id, step, revealed),
            LessonAction::Import { name, text } => match lesson::import(&text) {
                Ok(l) => {
                    let file = serde_json::from_str(&text).ok().map(Rc::new);
                    self.start_lesson(l, false, file, 0, false, true)
                }
                Err(errors) => self.lesson_problems(
                    format!("The lesson file \u{201c}{name}\u{201d} could not be opened. Your session is unchanged."),
                    errors.iter().map(|e| (e.path.clone(), line_message(e))).collect(),
                ),
            },
            LessonAction::Refused(why) => self.lesson_problems(
                format!("The lesson file could not be read: {why} Your session is unchanged."),
                vec![],
            ),
            LessonAction::Next => {
                self.lesson_move(|run, s| {
                    run.next(s);
                });
            }
            LessonAction::Previous => {
                self.lesson_move(|run, s| {
                    run.previous(s);
                });
            }
            LessonAction::Answer(k) => self.lesson_reveal(Some(k)),
            LessonAction::Reveal => self.lesson_reveal(None),
            LessonAction::Leave => {
                if lessons.open.take().is_some() {
                    self.playing = false;
                    self.highlight = Rc::new(Default::default());
                    self.announcement = format!("Left the lesson: free play from {:.1} s.", self.now.as_secs_f64());
                }
                self.lesson = Rc::new(lessons);
            }
            LessonAction::DismissProblems => {
                lessons.problems = None;
                self.lesson = Rc::new(lessons);
            }
        }
    }

    fn start_builtin(&mut self, id: &str, step: usize, revealed: bool) {
        match lesson::builtin_by_id(id).map(|b| b.lesson()) {
            Some(Ok(l)) => self.start_lesson(l, true, None, step, revealed, true),
            Some(Err(errors)) => self.lesson_problems(
                format!("The lesson \u{201c}{id}\u{201d} does not load."),
                errors.iter().map(|e| (e.path.clone(), line_message(e))).collect(),
            ),
            None => {
                let known: Vec<&str> = BUILTIN.iter().map(|b| b.id).collect();
                self.lesson_problems(
                    format!("There is no lesson \u{201c}{id}\u{201d}. The lessons are: {}.", known.join(", ")),
                    Vec::new(),
                );
            }
        }
    }

    /// Show why a lesson could not be opened (the list closes, so nothing covers the message).
    fn lesson_problems(&mut self, headline: String, items: Vec<(String, String)>) {
        let mut lessons = (*self.lesson).clone();
        lessons.picker_open = false;
        lessons.problems = problems_of(headline, items);
        self.lesson = Rc::new(lessons);
    }

    /// Open `lesson` at `step`: a fresh state for its scenario (`fresh`: the user's own scenario is put aside as
    /// picking a preset does), or this state's session when it already holds the lesson's scenario (resuming).
    #[allow(clippy::too_many_arguments)]
    fn start_lesson(
        &mut self,
        lesson: Lesson,
        builtin: bool,
        file: Option<Rc<Value>>,
        step: usize,
        revealed: bool,
        fresh: bool,
    ) {
        let plan = match lesson::Plan::of(&lesson) {
            Ok(p) => p,
            Err(problems) => {
                let title = lesson.title.clone();
                self.lesson_problems(
                    format!("The lesson \u{201c}{title}\u{201d} does not play as written. Your session is unchanged."),
                    problems.into_iter().map(|p| (p.path, p.message)).collect(),
                );
                return;
            }
        };
        if fresh {
            let preset_id = match &lesson.source {
                ScenarioSource::Preset(p) => p.clone(),
                ScenarioSource::Inline => String::new(),
            };
            let mut next = UiState::for_scenario(&preset_id, lesson.scenario.clone());
            next.speed_exp = self.speed_exp;
            next.presenter.on = self.presenter.on;
            next.show_lanes = self.show_lanes;
            // The user's own work is put aside (with "Bring it back"), but not a lesson's run.
            next.replaced = if self.lesson.open.is_some() {
                self.replaced.clone()
            } else {
                self.put_aside().map(Rc::new).or_else(|| self.replaced.clone())
            };
            *self = next;
        }
        let title = lesson.title.clone();
        let run = {
            let mut s = self.session.0.borrow_mut();
            LessonRun::with_plan(lesson, plan, &mut s).map(|mut run| {
                if step > 0 || revealed {
                    if revealed { run.go_to_end_of(&mut s, step) } else { run.go_to(&mut s, step) }
                }
                run
            })
        };
        match run {
            Ok(run) => {
                let view = Rc::new(run.view(&self.session.0.borrow()));
                let open = OpenLesson { run, builtin, file, view, revealing: None };
                self.lesson = Rc::new(Lessons { picker_open: false, open: Some(Rc::new(open)), problems: None });
                self.show_lesson_step();
                self.announcement = format!("Lesson: {title}. {}", self.announcement);
            }
            Err(problems) => self.lesson_problems(
                format!("The lesson \u{201c}{title}\u{201d} could not start."),
                problems.into_iter().map(|p| (p.path, p.message)).collect(),
            ),
        }
    }

    /// Resume the lesson a link or the autosave carried, if the opened session is that lesson's scenario (an
    /// edit or an import in between leaves it closed).
    pub(crate) fn resume_lesson(&mut self, carried: Option<LessonLink>) {
        let Some(link) = carried else { return };
        let (lesson, builtin, file) = match (&link.id, link.inline) {
            (Some(id), _) => match lesson::builtin_by_id(id).map(|b| b.lesson()) {
                Some(Ok(l)) => (l, true, None),
                _ => return,
            },
            (None, Some(v)) => match lesson::parse_lesson(&v.to_string()) {
                Ok(l) => (l, false, Some(Rc::new(v))),
                Err(_) => return,
            },
            (None, None) => return,
        };
        if *self.session.0.borrow().scenario() != lesson.scenario {
            return;
        }
        let notice = self.announcement.clone();
        self.start_lesson(lesson, builtin, file, link.step, link.revealed, false);
        if self.lesson.open.is_some() {
            self.announcement = format!("{notice} {}", self.announcement);
        }
    }

    /// Move the open lesson with the engine, then show where it landed.
    fn lesson_move(&mut self, f: impl FnOnce(&mut LessonRun, &mut crate::app::session::Session)) {
        let Some(open) = self.lesson.open.clone() else { return };
        let mut open = (*open).clone();
        open.revealing = None;
        f(&mut open.run, &mut self.session.0.borrow_mut());
        self.set_open(open);
        self.show_lesson_step();
    }

    fn set_open(&mut self, open: OpenLesson) {
        let mut lessons = (*self.lesson).clone();
        lessons.open = Some(Rc::new(open));
        self.lesson = Rc::new(lessons);
    }

    /// Reveal the question being asked (with the chosen option, if any): the engine decides the answer; the run
    /// is then played from the question's moment to the step's end, and the panel marks the answer when it lands.
    fn lesson_reveal(&mut self, answer: Option<usize>) {
        let Some(open) = self.lesson.open.clone() else { return };
        if open.run.phase() != Phase::Asking {
            return;
        }
        let mut open = (*open).clone();
        let from = open.run.moment();
        {
            let mut s = self.session.0.borrow_mut();
            match answer {
                Some(k) => open.run.answer(&mut s, k),
                None => open.run.reveal(&mut s),
            }
        }
        let to = open.run.moment();
        if open.run.phase() == Phase::Asking {
            return; // an option out of range
        }
        if to > from {
            // Back to the question's moment without the future the engine just computed, then play forward.
            {
                let mut s = self.session.0.borrow_mut();
                let (scenario, actions) = (s.scenario().clone(), s.user_actions().to_vec());
                s.load_with_actions(scenario, actions, from);
            }
            open.revealing = Some((from, to));
            self.set_open(open);
            self.playing = true;
            self.with_session(|_| {});
            self.announcement = format!("Running to {:.1} s…", to.as_secs_f64());
        } else {
            self.set_open(open);
            self.show_lesson_step();
        }
    }

    /// One playback frame of the reveal. Returns whether the model ran.
    pub(crate) fn lesson_frame(&mut self, wall_ms: f64) -> bool {
        let Some((from, to)) = self.lesson.open.as_ref().and_then(|o| o.revealing) else { return false };
        let rate = reveal_rate(SimDuration(to.0 - from.0), self.speed());
        let d = (wall_ms.clamp(0.0, MAX_FRAME_MS) * rate * 1000.0).round().max(1.0) as u64;
        let now = self.session.0.borrow().now();
        if now < to {
            let next = SimTime(now.0.saturating_add(d).min(to.0));
            self.with_session(|s| s.advance_to(next));
        }
        if self.session.0.borrow().now() >= to {
            self.finish_reveal();
        }
        true
    }

    /// The reveal landed (or was skipped): the engine's moment exactly, the answer shown.
    fn finish_reveal(&mut self) {
        self.lesson_move(|run, s| {
            let i = run.step();
            run.go_to_end_of(s, i);
        });
    }

    /// The clicker's forward in a lesson: skip a reveal being played, else the engine's next. Returns whether a
    /// lesson took the gesture (the list open or a lesson running).
    pub(crate) fn lesson_advance(&mut self) -> bool {
        if self.lesson.picker_open {
            self.lesson_action(LessonAction::Picker(false));
            return true;
        }
        if self.lesson.problems.is_some() {
            self.lesson_action(LessonAction::DismissProblems);
            return true;
        }
        match &self.lesson.open {
            None => false,
            Some(o) if o.revealing.is_some() => {
                self.finish_reveal();
                true
            }
            Some(o) => {
                if o.run.phase() == Phase::Asking {
                    self.lesson_reveal(None);
                } else {
                    self.lesson_action(LessonAction::Next);
                }
                true
            }
        }
    }

    /// The clicker's back in a lesson: the previous step at its end (the engine replays it exactly).
    pub(crate) fn lesson_retreat(&mut self) -> bool {
        if self.lesson.picker_open || self.lesson.problems.is_some() {
            return self.lesson_advance();
        }
        if self.lesson.open.is_none() {
            return false;
        }
        self.lesson_action(LessonAction::Previous);
        true
    }

    /// Show the open lesson's step: a question's moment without the future, the step's ids as the highlight,
    /// the view the panel draws.
    fn show_lesson_step(&mut self) {
        let Some(open) = self.lesson.open.clone() else { return };
        self.playing = false;
        self.target = None;
        self.hover = None;
        if open.run.phase() == Phase::Asking {
            // Nothing of what follows may show (the timeline draws every known event): forget it.
            let mut s = self.session.0.borrow_mut();
            if s.history().known_until() > s.now() {
                let (scenario, actions, now) = (s.scenario().clone(), s.user_actions().to_vec(), s.now());
                s.load_with_actions(scenario, actions, now);
            }
        }
        self.with_session(|_| {});
        let view = open.run.view(&self.session.0.borrow());
        self.selected_event = None;
        self.highlight = Rc::new(view.highlight.iter().cloned().collect());
        let mut open = (*open).clone();
        self.announcement = format!("Step {} of {}: {}.", view.index + 1, view.count, view.title);
        open.view = Rc::new(view);
        self.set_open(open);
    }
}

/// The lesson the autosave carries, if any.
fn autosaved_lesson() -> Option<(String, usize, bool)> {
    let text = web_sys::window()?.local_storage().ok()??.get_item(crate::ui::storage::AUTOSAVE_KEY).ok()??;
    let l = crate::app::link::decode_link(&text).ok()?.lesson?;
    Some((l.id?, l.step, l.revealed))
}

fn location_search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// `?lesson=ID&step=N` opens a built-in lesson at a step; then the address follows the open lesson and step (so a
/// reload or a copied address returns there), and the step reached is remembered for the lesson list.
#[hook]
pub fn use_lesson_address(state: &UseReducerHandle<UiState>) {
    {
        let st = state.clone();
        use_effect_with((), move |_| {
            if let Some((id, step)) = lesson_in_query(&location_search())
                && st.lesson.link_key() != Some((id.clone(), step))
            {
                // The address names the step; the autosave knows whether its answer was shown (a reload).
                let revealed = autosaved_lesson().is_some_and(|(i, s, r)| i == id && s == step && r);
                st.dispatch(crate::ui::state::UiAction::Lesson(LessonAction::Start { id, step, revealed }));
            }
        });
    }
    let first = use_mut_ref(|| true);
    use_effect_with(state.lesson.link_key(), move |key| {
        if let Some((id, step)) = key {
            store_progress(id, *step);
        }
        if std::mem::replace(&mut *first.borrow_mut(), false) && key.is_none() {
            return;
        }
        let Some(window) = web_sys::window() else { return };
        let href = window.location().href().unwrap_or_default();
        let next = address_with_lesson(&href, key.as_ref().map(|(id, s)| (id.as_str(), *s)));
        if next != href
            && let Ok(history) = window.history()
        {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&next));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::lesson::StepView;
    use crate::ui::state::UiAction;
    use yew::Reducible;

    fn start(id: &str) -> Rc<UiState> {
        Rc::new(UiState::for_preset("replica-crash")).reduce(UiAction::Lesson(LessonAction::Start {
            id: id.into(),
            step: 0,
            revealed: false,
        }))
    }

    fn view(st: &UiState) -> Rc<StepView> {
        st.lesson.open.as_ref().expect("a lesson is open").view.clone()
    }

    /// Play frames until the reveal lands (bounded).
    fn land(mut st: Rc<UiState>) -> Rc<UiState> {
        for _ in 0..10_000 {
            if !st.lesson.revealing() {
                return st;
            }
            st = st.reduce(UiAction::Frame { wall_ms: 16.0 });
        }
        panic!("the reveal never landed");
    }

    #[test]
    fn a_question_is_asked_without_its_future_then_revealed_by_playing_forward() {
        let id = BUILTIN[0].id;
        let mut st = start(id);
        // Walk to the first question.
        for _ in 0..20 {
            if view(&st).question.as_ref().is_some_and(|q| q.phase == Phase::Asking) {
                break;
            }
            st = st.reduce(UiAction::Advance);
        }
        let v = view(&st);
        let q = v.question.as_ref().expect("the lesson asks something");
        assert_eq!(q.phase, Phase::Asking);
        assert!(q.explain.is_empty(), "no answer while asking");
        let asked_at = st.now;
        {
            let s = st.session.0.borrow();
            assert_eq!(s.history().known_until(), s.now(), "the timeline knows nothing after the question");
        }
        st = st.reduce(UiAction::Lesson(LessonAction::Answer(0)));
        assert!(st.lesson.revealing() && st.playing, "the reveal plays");
        assert_eq!(st.now, asked_at, "from the question's moment");
        st = st.reduce(UiAction::Frame { wall_ms: 100.0 });
        assert!(st.now > asked_at, "the clock moves");
        st = land(st);
        let v = view(&st);
        let Some(Phase::Revealed { correct, chosen }) = v.question.as_ref().map(|q| q.phase) else {
            panic!("revealed")
        };
        assert_eq!(chosen, Some(0));
        let plan = &st.lesson.open.as_ref().unwrap().run.plan().steps[v.index];
        assert_eq!(Some(correct), plan.correct());
        assert_eq!(st.now, plan.end, "lands on the step's end exactly");
        assert!(!st.playing);
    }

    #[test]
    fn back_shows_the_previous_step_exactly_and_leave_keeps_the_moment() {
        let mut st = start(BUILTIN[0].id);
        st = st.reduce(UiAction::Advance);
        st = land(st.reduce(UiAction::Advance));
        let at_one = (st.now, st.snapshot.clone(), view(&st).index);
        st = land(st.reduce(UiAction::Advance));
        st = land(st.reduce(UiAction::Advance));
        while view(&st).index > at_one.2 {
            st = st.reduce(UiAction::Retreat);
        }
        // The previous step is shown at its end: the same clock and the same picture as when it was left.
        let plan_end = st.lesson.open.as_ref().unwrap().run.plan().steps[at_one.2].end;
        assert_eq!(st.now, plan_end);
        let now = st.now;
        let st = st.reduce(UiAction::Lesson(LessonAction::Leave));
        assert!(st.lesson.open.is_none());
        assert_eq!(st.now, now, "free play from the same moment");
    }

    #[test]
    fn links_carry_the_lesson_and_step_and_reopen_there() {
        let st = start(BUILTIN[0].id).reduce(UiAction::Advance);
        let link = crate::ui::storage::link_of_state(&st);
        let carried = crate::app::link::decode_link(&link).unwrap().lesson.expect("the link carries the lesson");
        assert_eq!((carried.id.as_deref(), carried.step), (Some(BUILTIN[0].id), 1));
        let t = crate::ui::storage::open_link(&link, "Opened.").unwrap();
        let opened = Rc::new(UiState::for_preset("node-failure")).reduce(UiAction::Travel(t));
        assert_eq!(opened.lesson.link_key(), st.lesson.link_key());
        assert_eq!(opened.now, st.now, "the same clock");
    }

    #[test]
    fn a_broken_lesson_file_names_its_fields_and_keeps_the_session() {
        let st = Rc::new(UiState::for_preset("replica-crash")).reduce(UiAction::StepEvent);
        let now = st.now;
        let text = r#"{"format": "gangplank.lesson/v1", "id": "x", "title": "X", "summary": "",
            "scenario": {"preset": "replica-crash"}, "steps": [{"title": "a", "narration": "b", "run_to": {"t_z": 1}}]}"#;
        let st = st.reduce(UiAction::Lesson(LessonAction::Import { name: "x.json".into(), text: text.into() }));
        let p = st.lesson.problems.clone().expect("problems shown");
        assert!(p.items.iter().any(|(path, _)| path.starts_with("steps[0].run_to")), "{:?}", p.items);
        assert!(st.lesson.open.is_none());
        assert_eq!((st.preset_id.as_str(), st.now), ("replica-crash", now));
    }

    #[test]
    fn an_imported_lesson_travels_whole_in_links() {
        let text = r#"{"format": "gangplank.lesson/v1", "id": "mine", "title": "Mine", "summary": "Mine.",
            "scenario": {"preset": "replica-crash"}, "steps": [{"title": "a", "narration": "b", "run_to": {"t_s": 1}},
            {"title": "c", "narration": "d", "run_to": {"t_s": 4}}]}"#;
        let st = Rc::new(UiState::for_preset("node-failure"))
            .reduce(UiAction::Lesson(LessonAction::Import { name: "mine.json".into(), text: text.into() }))
            .reduce(UiAction::Advance);
        let link = crate::ui::storage::link_of_state(&st);
        let carried = crate::app::link::decode_link(&link).unwrap().lesson.expect("carried");
        assert!(carried.id.is_none() && carried.inline.is_some(), "{carried:?}");
        let t = crate::ui::storage::open_link(&link, "Opened.").unwrap();
        let opened = Rc::new(UiState::for_preset("node-failure")).reduce(UiAction::Travel(t));
        let open = opened.lesson.open.as_ref().expect("reopened");
        assert_eq!((open.run.lesson().title.as_str(), open.run.step(), opened.now), ("Mine", 1, st.now));
    }
}
