//! The lesson runner: pure, over [`Session`].
//!
//! [`Plan::of`] runs the lesson once from the start and records, for every step, the time it starts, the action
//! injected then and the time its `run_to` lands on, with each question's verdicts. The session is then loaded once
//! with every step's action as a timestamped user action ([`Session::load_with_actions`]), so any step, forward or
//! back, is one [`Session::seek`]: "link to step 7", back-stepping and resuming all show exactly the same picture.
use super::format::{Lesson, Panel, RunTo, Selector, Step};
use super::narration::{self, Block};
use super::predicate::{self, Moment, Verdict, event_matches, gang_ids, gang_members};
use crate::app::session::Session;
use crate::model::events::Event;
use crate::model::scenario::Action;
use crate::model::snapshot::Snapshot;
use crate::model::time::{SimDuration, SimTime, fmt_secs};
use std::fmt;

/// What is wrong with a lesson when it is run (it parsed, but the model does not do what it says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonProblem {
    /// The step (from 0), if the problem is in one.
    pub step: Option<usize>,
    /// Where in the file, e.g. `steps[3].question.options`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for LessonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// One step as the lesson's run played it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepPlan {
    /// When the step starts (the previous step's end) and its action, if any, is injected.
    pub start: SimTime,
    /// Where its `run_to` lands.
    pub end: SimTime,
    /// The run's event count when the question is asked (after the step's action) and at the step's end.
    pub events_at_start: usize,
    pub events_at_end: usize,
    /// Each option's verdict at the reveal (empty without a question).
    pub verdicts: Vec<Verdict>,
}

impl StepPlan {
    /// The option that holds, if exactly one does.
    pub fn correct(&self) -> Option<usize> {
        let held: Vec<usize> = (0..self.verdicts.len()).filter(|&i| self.verdicts[i].holds).collect();
        match held.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// The whole lesson as played: one [`StepPlan`] per step and the timestamped actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub steps: Vec<StepPlan>,
    /// Every step's action at its step's start, in order: the session's user actions.
    pub actions: Vec<Action>,
}

impl Plan {
    /// Play the lesson once from the start. Problems: a `t_s` in the past, an event that never comes before
    /// `until_s`, a question where zero or several options hold, a highlight that resolves to nothing.
    pub fn of(lesson: &Lesson) -> Result<Plan, Vec<LessonProblem>> {
        let mut session = Session::new(lesson.scenario.clone());
        let until = SimTime::from_secs_f64(lesson.scenario.until_s);
        let mut steps = Vec::with_capacity(lesson.steps.len());
        let mut problems = Vec::new();
        for (i, step) in lesson.steps.iter().enumerate() {
            let start = session.now();
            if let Some(kind) = &step.action {
                session.inject(kind.clone());
            }
            let events_at_start = session.events().len();
            let before = session.snapshot();
            let problem = |path: &str, message: String| LessonProblem {
                step: Some(i),
                path: format!("steps[{i}]{path}"),
                message,
            };
            match run_to(&mut session, &step.run_to, until) {
                Ok(end) => session.seek(end),
                Err(message) => {
                    problems.push(problem(".run_to", message));
                    // The later steps start from a run that is not the lesson's: stop here.
                    return Err(problems);
                }
            }
            let after = session.snapshot();
            let events = &session.events()[events_at_start..];
            let verdicts: Vec<Verdict> = step
                .question
                .iter()
                .flat_map(|q| &q.options)
                .map(|o| predicate::eval(&o.holds, Moment { before: &before, after: &after, events }))
                .collect();
            if step.question.is_some() {
                let held: Vec<String> = verdicts
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.holds)
                    .map(|(k, _)| format!("options[{k}]"))
                    .collect();
                if held.len() != 1 {
                    let why: Vec<String> =
                        verdicts.iter().enumerate().map(|(k, v)| format!("options[{k}]: {}", v.reason)).collect();
                    let which = if held.is_empty() { "none".to_string() } else { held.join(" and ") };
                    problems.push(problem(
                        ".question.options",
                        format!(
                            "step {} \"{}\": exactly one option must hold at {}, but {which} did ({})",
                            i + 1,
                            step.title,
                            fmt_secs(session.now()),
                            why.join("; ")
                        ),
                    ));
                }
            }
            for (k, sel) in step.highlight.iter().enumerate() {
                if !matches!(sel, Selector::Panel(_))
                    && resolve(sel, &after, &session.events()[events_at_start..]).is_empty()
                {
                    problems.push(problem(
                        &format!(".highlight[{k}]"),
                        format!("resolves to nothing at {} ({})", fmt_secs(session.now()), describe(sel)),
                    ));
                }
            }
            steps.push(StepPlan {
                start,
                end: session.now(),
                events_at_start,
                events_at_end: session.events().len(),
                verdicts,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Plan { steps, actions: session.user_actions().to_vec() })
    }
}

/// Run the session to a step's target and return the time it lands on.
fn run_to(session: &mut Session, target: &RunTo, until: SimTime) -> Result<SimTime, String> {
    let now = session.now();
    match target {
        RunTo::At(t) => {
            let t = SimTime::from_secs_f64(*t);
            if t < now {
                return Err(format!("t_s {} is before the step starts ({})", fmt_secs(t), fmt_secs(now)));
            }
            Ok(t)
        }
        RunTo::For(d) => Ok(now.plus(SimDuration::from_secs_f64(*d))),
        RunTo::Event(m) => {
            let mut seen = session.events().len();
            while session.now() < until {
                let found = session.step_to_next_event();
                if let Some(e) = session.events()[seen..].iter().find(|e| event_matches(e, &m.kind, &m.matching)) {
                    return Ok(e.t);
                }
                seen = session.events().len();
                if !found {
                    break;
                }
            }
            let matching = if m.matching.is_empty() {
                String::new()
            } else {
                format!(" matching {}", serde_json::Value::Object(m.matching.clone()))
            };
            Err(format!(
                "no `{}` event{matching} comes between {} and the scenario's end (until_s = {})",
                m.kind,
                fmt_secs(now),
                fmt_secs(until)
            ))
        }
    }
}

fn describe(sel: &Selector) -> String {
    serde_json::to_string(sel).unwrap_or_default()
}

/// The ids a selector names in this run (the ids the cluster view highlights); panels resolve to nothing here.
pub fn resolve(sel: &Selector, snapshot: &Snapshot, step_events: &[Event]) -> Vec<String> {
    match sel {
        Selector::Node(id) => snapshot.nodes.iter().filter(|n| n.id == *id).map(|n| n.id.clone()).collect(),
        Selector::Deployment(d) => snapshot
            .deployments
            .iter()
            .filter(|v| v.app == d.app && v.name == d.deployment)
            .map(|v| format!("{}/{}", v.app, v.name))
            .collect(),
        Selector::Gang(g) => gang_ids(snapshot, g).map(|(id, _)| vec![id]).unwrap_or_default(),
        Selector::Pg(g) => gang_ids(snapshot, g).map(|(_, pg)| vec![pg]).unwrap_or_default(),
        Selector::Replica(r) => {
            let gang =
                super::format::GangSel { app: r.app.clone(), deployment: r.deployment.clone(), index: r.gang_index };
            match r.rank {
                Some(rank) => gang_members(snapshot, &gang)
                    .into_iter()
                    .filter(|v| v.gang_context.as_ref().is_some_and(|c| c.rank == rank))
                    .map(|v| v.id.clone())
                    .collect(),
                // Without a rank: the deployment's replica at that position (non-gang deployments).
                None => snapshot
                    .replicas
                    .iter()
                    .filter(|v| v.app == r.app && v.deployment == r.deployment && v.position == r.gang_index)
                    .filter(|v| v.gang_context.is_none())
                    .map(|v| v.id.clone())
                    .collect(),
            }
        }
        Selector::Event(kind) => {
            step_events.iter().rev().find(|e| e.kind.name() == kind).map(|e| e.kind.touches()).unwrap_or_default()
        }
        Selector::Panel(_) => Vec::new(),
    }
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A step without a question, run to its `run_to`.
    Shown,
    /// A question step: the run is at the step's start (after its action); nothing of what follows is shown.
    Asking,
    /// A question step after the reveal: the run is at the step's `run_to`.
    Revealed { correct: usize, chosen: Option<usize> },
}

/// A question as the UI shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionView {
    pub prompt: String,
    pub options: Vec<String>,
    pub phase: Phase,
    /// The `explain` narration: shown only once revealed (empty while asking).
    pub explain: Vec<Block>,
}

/// Everything the UI needs to show the current step; no UI types.
#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    /// From 0.
    pub index: usize,
    pub count: usize,
    pub title: String,
    pub narration: Vec<Block>,
    /// Resolved ids to highlight (replica ids, gang ids, PG names, node ids, `app/deployment`).
    pub highlight: Vec<String>,
    pub panels: Vec<Panel>,
    pub question: Option<QuestionView>,
    pub is_last: bool,
    /// The simulated time shown.
    pub at: SimTime,
}

/// A lesson being walked through, over a [`Session`] the caller owns (the page's session).
///
/// - [`LessonRun::start`] plays the lesson once ([`Plan::of`]), loads the session and shows step 0;
/// - [`LessonRun::go_to`] shows step i (a question step as [`Phase::Asking`]);
/// - [`LessonRun::next`] reveals a question being asked, else moves to the next step; [`LessonRun::previous`]
///   shows the previous step at its end (revealed, with the answer given earlier if any);
/// - [`LessonRun::answer`] chooses an option and reveals; [`LessonRun::reveal`] reveals without an answer;
/// - [`LessonRun::view`] is the current step as plain data; [`LessonRun::progress`] is (i + 1, n).
///
/// Every move ends with the session seeked to the step's moment; if the session was changed meanwhile (a user
/// action, another scenario), it is reloaded with the lesson's description first.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonRun {
    lesson: Lesson,
    plan: Plan,
    step: usize,
    phase: Phase,
    /// The answer chosen at each step, remembered when going back.
    chosen: Vec<Option<usize>>,
}

impl LessonRun {
    /// Check the lesson by playing it, load it into `session` and show its first step.
    pub fn start(lesson: Lesson, session: &mut Session) -> Result<LessonRun, Vec<LessonProblem>> {
        let plan = Plan::of(&lesson)?;
        Self::with_plan(lesson, plan, session)
    }

    /// Start from a plan already made (by [`Plan::of`] on the same lesson).
    pub fn with_plan(lesson: Lesson, plan: Plan, session: &mut Session) -> Result<LessonRun, Vec<LessonProblem>> {
        if lesson.steps.is_empty() {
            return Err(vec![LessonProblem {
                step: None,
                path: "steps".into(),
                message: "a lesson needs steps".into(),
            }]);
        }
        let n = lesson.steps.len();
        let mut run = LessonRun { lesson, plan, step: 0, phase: Phase::Shown, chosen: vec![None; n] };
        session.load_with_actions(run.lesson.scenario.clone(), run.plan.actions.clone(), SimTime::ZERO);
        run.go_to(session, 0);
        Ok(run)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The current step (from 0).
    pub fn step(&self) -> usize {
        self.step
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// (current step from 1, number of steps).
    pub fn progress(&self) -> (usize, usize) {
        (self.step + 1, self.lesson.steps.len())
    }

    fn current(&self) -> &Step {
        &self.lesson.steps[self.step]
    }

    /// The simulated time the current step and phase show.
    pub fn moment(&self) -> SimTime {
        let p = &self.plan.steps[self.step];
        if self.phase == Phase::Asking { p.start } else { p.end }
    }

    /// Put the session at the current moment (reloading the lesson's run if the session was changed).
    fn sync(&self, session: &mut Session) {
        if session.scenario() != &self.lesson.scenario || session.user_actions() != self.plan.actions.as_slice() {
            session.load_with_actions(self.lesson.scenario.clone(), self.plan.actions.clone(), self.moment());
        } else if session.now() != self.moment() {
            session.seek(self.moment());
        }
    }

    /// Show step `i` (clamped to the last): a question step as [`Phase::Asking`].
    pub fn go_to(&mut self, session: &mut Session, i: usize) {
        self.step = i.min(self.lesson.steps.len() - 1);
        self.phase = if self.current().question.is_some() { Phase::Asking } else { Phase::Shown };
        self.sync(session);
    }

    /// Show step `i` at its end: a question step revealed (with the answer chosen before, if any).
    pub fn go_to_end_of(&mut self, session: &mut Session, i: usize) {
        self.step = i.min(self.lesson.steps.len() - 1);
        self.phase = match self.plan.steps[self.step].correct() {
            Some(correct) if self.current().question.is_some() => {
                Phase::Revealed { correct, chosen: self.chosen[self.step] }
            }
            _ => Phase::Shown,
        };
        self.sync(session);
    }

    /// Reveal the question being asked, or go to the next step. Returns false on the last step's end.
    pub fn next(&mut self, session: &mut Session) -> bool {
        if self.phase == Phase::Asking {
            self.reveal(session);
            return true;
        }
        if self.step + 1 >= self.lesson.steps.len() {
            return false;
        }
        self.go_to(session, self.step + 1);
        true
    }

    /// Show the previous step at its end. Returns false on the first step.
    pub fn previous(&mut self, session: &mut Session) -> bool {
        if self.step == 0 {
            return false;
        }
        self.go_to_end_of(session, self.step - 1);
        true
    }

    /// Choose option `option` of the question being asked and reveal the answer (ignored when not asking or out
    /// of range).
    pub fn answer(&mut self, session: &mut Session, option: usize) {
        let options = self.current().question.as_ref().map_or(0, |q| q.options.len());
        if self.phase == Phase::Asking && option < options {
            self.chosen[self.step] = Some(option);
            self.reveal(session);
        }
    }

    /// Run to the step's `run_to` and show which option the model made true.
    pub fn reveal(&mut self, session: &mut Session) {
        if self.phase == Phase::Asking {
            self.go_to_end_of(session, self.step);
        }
    }

    /// The current step as plain data, resolved against `session` (which should be at [`LessonRun::moment`]).
    pub fn view(&self, session: &Session) -> StepView {
        let step = self.current();
        let plan = &self.plan.steps[self.step];
        let snapshot = session.snapshot();
        let events = session.events();
        let from = plan.events_at_start.min(events.len());
        let mut highlight: Vec<String> = Vec::new();
        let mut panels = Vec::new();
        for sel in &step.highlight {
            match sel {
                Selector::Panel(p) => panels.push(*p),
                _ => {
                    for id in resolve(sel, &snapshot, &events[from..]) {
                        if !highlight.contains(&id) {
                            highlight.push(id);
                        }
                    }
                }
            }
        }
        let question = step.question.as_ref().map(|q| QuestionView {
            prompt: q.prompt.clone(),
            options: q.options.iter().map(|o| o.text.clone()).collect(),
            phase: self.phase,
            explain: if matches!(self.phase, Phase::Revealed { .. }) { narration::parse(&q.explain) } else { vec![] },
        });
        StepView {
            index: self.step,
            count: self.lesson.steps.len(),
            title: step.title.clone(),
            narration: narration::parse(&step.narration),
            highlight,
            panels,
            question,
            is_last: self.step + 1 == self.lesson.steps.len(),
            at: self.moment(),
        }
    }
}
