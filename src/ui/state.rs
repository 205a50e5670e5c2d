//! UI state and its reducer. Every gesture is a [`UiAction`]; the reducer forwards time and model actions to the
//! [`Session`] and refreshes the views the components draw. No scheduling logic lives here.
use crate::app::compare::{CompareSide, Skipped, Variant}; // compare (issue 13)
use crate::app::link::SharedSession;
use crate::app::presets::{DEFAULT_PRESET_ID, preset_by_id};
use crate::app::session::Session;
use crate::model::events::{Event, EventKind, TeardownCause};
use crate::model::invariants::Violation;
use crate::model::placement_explain::PlacementExplanation;
use crate::model::scenario::{ActionKind, Scenario};
use crate::model::snapshot::Snapshot;
use crate::model::time::{SimDuration, SimTime};
use crate::ui::event_log::{LogCategory, SelectedEvent};
use crate::ui::hover::{Hover, Hovered}; // hover highlights its chain (issue 13)
use crate::ui::live_region::announce_priority;
use crate::ui::palette::format_clock;
/// Defined beside the panel that draws it (the event log marks it too, and `state` imports the log).
pub use crate::ui::placement_panel::PlacementChain;
use crate::ui::presenter_state::{Presenter, PresenterAction}; // presenter mode (issue 14)
use crate::ui::workbench_state::{Workbench, WorkbenchAction}; // workbench (issue 13)
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::Reducible;

/// Slowest and fastest playback, as powers of ten (0.1× … 100× real time).
pub const SPEED_EXP_MIN: f64 = -1.0;
pub const SPEED_EXP_MAX: f64 = 2.0;
/// One keyboard step of the speed (a quarter decade, about ×1.78).
pub const SPEED_EXP_STEP: f64 = 0.25;
/// Longest wall-clock gap one frame may turn into simulated time (a hidden tab must not jump minutes ahead).
pub const MAX_FRAME_MS: f64 = 250.0;
/// Wall-clock milliseconds one animation frame may spend running the model. A burst of work (1,000 replicas
/// starting, a node's gangs torn down and rescheduled) is then spread over several frames instead of freezing one;
/// the clock shows the simulated time actually reached and playback catches up over the next frames.
pub const FRAME_MODEL_BUDGET_MS: f64 = 8.0;
/// How far playback may fall behind the wall clock (in wall-clock milliseconds of playback); beyond that the
/// owed time is dropped, so a model that cannot keep up at this speed slows playback down instead of piling up.
pub const MAX_BEHIND_MS: f64 = 2.0 * MAX_FRAME_MS;
/// While playing, the event log is rebuilt at most this often (wall-clock ms): at 10x a big cluster logs hundreds
/// of events a second, far more than anyone can read, and redrawing 200 rows every frame costs frame time. Paused,
/// or after any gesture, it is rebuilt at once.
pub const LOG_REFRESH_MS: f64 = 250.0;
/// Rows the event log shows at most.
pub const LOG_ROWS: usize = 200;

/// The session, shared by every version of the state. Compared by identity.
#[derive(Clone)]
pub struct SessionCell(pub Rc<RefCell<Session>>);

impl PartialEq for SessionCell {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the action panel is acting on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Replica(String),
    Node(String),
    Deployment {
        app: String,
        deployment: String,
    },
    /// Global faults: the controller, the GCS, adding a node.
    Cluster,
}

/// What the placement panel explains (issue 13): a placement group (by name) or a replica (by id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlacementSubject {
    Pg(String),
    Replica(String),
}

impl PlacementSubject {
    pub fn id(&self) -> &str {
        match self {
            PlacementSubject::Pg(id) | PlacementSubject::Replica(id) => id,
        }
    }
}

// ===== picture (issue 14)
/// The lineage of the run's gangs, shared by the clones of the state (read incrementally). Their colours are the
/// session's (`History::gang_colours`), which survive a seek before the oldest kept event.
#[derive(Clone, Default)]
struct GangStory(Rc<RefCell<crate::app::gang_lineage::GangLineage>>);

impl PartialEq for GangStory {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
// ===== end picture

/// The latest teardown of a gang, so the view can say why its members are stopping.
#[derive(Clone, Debug, PartialEq)]
pub struct Teardown {
    pub seq: u64,
    pub cause: TeardownCause,
    pub failed_member: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct UiState {
    pub session: SessionCell,
    pub preset_id: String,
    pub scenario_name: String,
    pub what_to_watch: String,
    pub description: String,
    /// Something went wrong that the user should read (a preset that does not parse, ...).
    pub error: Option<String>,
    pub playing: bool,
    /// log10 of the playback speed.
    pub speed_exp: f64,
    pub seed: u64,
    /// The model's state. Rebuilt only when the model processed something, and replaced only when something other
    /// than the clock changed, so the views that draw it are not re-rendered while nothing happens.
    pub snapshot: Rc<Snapshot>,
    /// The clock (the snapshot's own `t` may be older: see `snapshot`).
    pub now: SimTime,
    pub tick: u64,
    /// `Session::version` when `snapshot` was taken, and how many traffic samples there were (a sample changes the
    /// deployments' request rates without any other step of the model).
    snapshot_version: Option<((u64, u64), usize)>,
    pub events_total: usize,
    /// The time of the oldest event the model keeps, once older ones were dropped (`Session::events_kept_from`).
    pub events_kept_from: Option<SimTime>,
    pub filter_category: LogCategory,
    pub filter_text: String,
    /// Newest first, filtered, at most [`LOG_ROWS`].
    pub log: Rc<Vec<Event>>,
    /// How many events match the filter (the log shows the newest [`LOG_ROWS`]).
    pub log_matching: usize,
    pub selected_event: Option<Rc<SelectedEvent>>,
    /// Ids (replicas, gangs, PGs, nodes, `app/deployment`, apps) the selected event touches.
    pub highlight: Rc<BTreeSet<String>>,
    pub teardowns: Rc<BTreeMap<String, Teardown>>,
    /// The placement panel's subject (issue 13), its explanation now and its chain.
    pub selected_placement: Option<PlacementSubject>,
    pub placement: Option<Rc<PlacementExplanation>>,
    pub placement_chain: Rc<PlacementChain>,
    /// What the pointer or keyboard focus is on, with its chain (issue 13): drawn instead of the selection's
    /// `highlight` and `placement_chain` while it lasts (see [`UiState::shown_highlight`]).
    pub hover: Option<Rc<Hover>>,
    /// How many events the chain has looked at (it only scans new ones after that).
    chain_scanned: usize,
    // ===== picture (issue 14): gang colours and lineage, derived from the events (`app::gang_colours`,
    // `app::gang_lineage`), so they do not depend on how the viewer reached the moment.
    /// Gang id → hue index (`app::gang_colours`: stable across seek and fork; live gangs differ).
    pub gang_hues: Rc<BTreeMap<String, u8>>,
    /// The session's colours version `gang_hues` was read at (`Session::gang_colours_version`).
    gang_hues_version: Option<u64>,
    /// Which gang replaced which, and the leaked groups removed (`app::gang_lineage`).
    pub lineage: Rc<crate::app::gang_lineage::GangLineage>,
    gang_story: GangStory,
    // ===== end picture
    pub violations: Rc<Vec<Violation>>,
    pub target: Option<Target>,
    pub help_open: bool,
    /// The latest sentence for the aria-live region.
    pub announcement: String,
    /// Presenter mode (issue 14): the projector layout, a blanked screen, the outcome shown (`ui::presenter`).
    pub presenter: Presenter,
    pub user_actions: usize,
    /// Simulated time playback owes (the model ran out of its frame budget): run in the next frames.
    pub behind: SimDuration,
    /// New events not in `log` yet (see [`LOG_REFRESH_MS`]), and when `log` was last built (wall-clock ms).
    log_dirty: bool,
    log_built_ms: f64,
    /// Run B of a comparison (issue 13), beside this session on its clock.
    pub compare: Option<ComparePane>,
    /// The workbench (issue 13): its open panel, the last import, the setup before an edit.
    pub workbench: Rc<Workbench>,
    /// The user's own scenario (imported, edited, or with injected actions) that picking a preset put aside, so it
    /// can be brought back (`ui::replaced_notice`).
    pub replaced: Option<Rc<crate::ui::replaced::Replaced>>,
    /// Swimlanes (issue 14): the lane view is shown (a view setting, kept in links and the autosave).
    pub show_lanes: bool,
    /// Lessons (issue 14): the lesson list, the open lesson and its step (`ui::lesson_state`).
    pub lesson: Rc<crate::ui::lesson_state::Lessons>,
    /// Replay (issue 15): an imported recording of a real cluster, shown over the session (`ui::replay_state`).
    pub replay: Option<Rc<crate::ui::replay_state::ReplayPane>>,
}

pub enum UiAction {
    /// A display frame while playing: `wall_ms` of real time passed.
    Frame {
        wall_ms: f64,
    },
    TogglePlay,
    Pause,
    StepTick,
    StepEvent,
    SetSpeedExp(f64),
    Faster,
    Slower,
    SetSeed(u64),
    Reset,
    LoadPreset(String),
    /// A user gesture that becomes a model action at the current simulated time.
    Inject(ActionKind),
    SetTarget(Option<Target>),
    SelectEvent(Option<u64>),
    /// Open (or close) the placement explanation of a placement group or a replica.
    SelectPlacement(Option<PlacementSubject>),
    /// The pointer or keyboard focus entered a replica, a bundle slot or an event row (`Some`), or left it: its
    /// chain is highlighted meanwhile, without opening anything.
    Hover(Option<Hovered>),
    SetFilterCategory(LogCategory),
    SetFilterText(String),
    ToggleHelp,
    /// Escape: close whatever is open.
    Dismiss,
    /// Time travel and sharing (issue 5): seek, step back, undo, open a shared session.
    Travel(Travel),
    /// Compare two variants (issue 13): open run B, close it, load a seed of a sweep.
    Compare(CompareGesture),
    /// The workbench (issue 13): import a Ray config, apply an edit, undo it, open or close its panels.
    Workbench(WorkbenchAction),
    /// Swimlanes (issue 14): show or hide the lane view.
    ToggleLanes,
    // ===== presenter (issue 14) =====
    /// Clicker forward / back (PageDown / PageUp; → / ← / Space in presenter mode): the next / previous event
    /// today; the lesson UI makes them the next / previous lesson step by extending [`UiState::advance`].
    Advance,
    Retreat,
    /// Presenter mode: switch it, blank the screen, show what happens (`ui::presenter`).
    Presenter(PresenterAction),
    // ===== end presenter =====
    /// Lessons (issue 14): open the list, start, answer, step, leave (`ui::lesson_state`).
    Lesson(crate::ui::lesson_state::LessonAction),
    /// Replay (issue 15): predict with the model, back to the plain replay, close (`ui::replay_state`).
    Replay(crate::ui::replay_state::ReplayAction),
}

/// A time-travel or sharing gesture (one `UiAction::Travel`).
pub enum Travel {
    Seek(SimTime),
    BackTick,
    BackEvent,
    /// Seek to the time of an event and select it (a click in the narration).
    JumpToEvent(u64),
    Undo,
    /// Replace the session with a shared one (link, import, saved session): base scenario, preset id or "" and the
    /// description. `notice` is shown to the user (what was loaded).
    Open {
        preset_id: String,
        scenario: Box<Scenario>,
        shared: Box<SharedSession>,
        notice: String,
    },
    /// Show a message in the error banner (a bad link at start-up, ...).
    Error(Option<String>),
}

/// The time of the latest event strictly before `now`, if any.
pub fn previous_event_time(events: &[Event], now: SimTime) -> Option<SimTime> {
    let i = events.partition_point(|e| e.t < now);
    i.checked_sub(1).map(|i| events[i].t)
}

/// The control-loop tick boundary before `now` (on the 0-based grid of the interval).
pub fn previous_tick_time(now: SimTime, interval_us: u64) -> SimTime {
    let iv = interval_us.max(1);
    SimTime(now.0.saturating_sub(1) / iv * iv)
}

impl UiState {
    /// The state for a preset; an unknown id falls back to the default preset.
    pub fn for_preset(id: &str) -> UiState {
        let preset = preset_by_id(id).or_else(|| preset_by_id(DEFAULT_PRESET_ID)).expect("the default preset exists");
        match preset.scenario() {
            Ok(s) => UiState::for_scenario(preset.id, s),
            Err(errors) => {
                let mut st = UiState::for_scenario(preset.id, empty_scenario());
                let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                st.error = Some(format!("The preset \"{}\" does not load: {}", preset.id, list.join("; ")));
                st
            }
        }
    }

    pub fn for_scenario(preset_id: &str, scenario: Scenario) -> UiState {
        let session = Session::new(scenario);
        let mut st = UiState {
            preset_id: preset_id.to_string(),
            scenario_name: session.scenario().name.clone(),
            what_to_watch: session.scenario().what_to_watch.clone(),
            description: session.scenario().description.clone(),
            seed: session.seed(),
            session: SessionCell(Rc::new(RefCell::new(session))),
            error: None,
            playing: false,
            speed_exp: 0.0,
            snapshot: Rc::new(Snapshot::default()),
            now: SimTime::ZERO,
            tick: 0,
            snapshot_version: None,
            events_total: 0,
            events_kept_from: None,
            filter_category: LogCategory::All,
            filter_text: String::new(),
            log: Rc::new(Vec::new()),
            log_matching: 0,
            selected_event: None,
            highlight: Rc::new(BTreeSet::new()),
            teardowns: Rc::new(BTreeMap::new()),
            selected_placement: None,
            placement: None,
            placement_chain: Rc::new(PlacementChain::default()),
            hover: None,
            chain_scanned: 0,
            gang_hues: Rc::new(BTreeMap::new()),
            gang_hues_version: None,
            lineage: Rc::default(),
            gang_story: GangStory::default(),
            violations: Rc::new(Vec::new()),
            target: None,
            help_open: false,
            announcement: String::new(),
            presenter: Presenter::default(),
            user_actions: 0,
            behind: SimDuration(0),
            log_dirty: false,
            log_built_ms: f64::NEG_INFINITY,
            compare: None,
            workbench: Rc::new(Workbench::default()),
            replaced: None,
            show_lanes: true, // swimlanes (issue 14)
            // Lessons (issue 14): none open.
            lesson: Rc::default(),
            replay: None, // replay (issue 15)
        };
        st.refresh();
        st
    }

    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_exp)
    }

    /// Playback is more than a frame behind the wall clock (shown as "catching up").
    pub fn catching_up(&self) -> bool {
        self.playing && self.behind.0 as f64 / 1000.0 / self.speed() > 50.0
    }

    /// One playback frame: `wall_ms` of real time, turned into simulated time at the chosen speed, plus what earlier
    /// frames still owe; run one control-loop tick at a time until it is done or [`FRAME_MODEL_BUDGET_MS`] of wall
    /// time (read from `clock`) is spent. Returns whether the model ran.
    fn play_frame(&mut self, wall_ms: f64, clock: impl Fn() -> f64) -> bool {
        let speed = self.speed();
        let owed = self.behind.0 + (wall_ms.clamp(0.0, MAX_FRAME_MS) * speed * 1000.0).round() as u64;
        let owed = owed.min((MAX_BEHIND_MS * speed * 1000.0).round() as u64);
        // Playback stops at the end of the scenario (issue 14): it ran on for ever before.
        let owed = owed.min(self.session.0.borrow().left_to_play().0);
        if owed == 0 {
            return self.stop_at_end();
        }
        let start = clock();
        let mut left = owed;
        {
            let mut session = self.session.0.borrow_mut();
            let chunk = session.control_loop_interval().0.max(1);
            while left > 0 {
                let d = left.min(chunk);
                session.advance_by(SimDuration(d));
                left -= d;
                if clock() - start >= FRAME_MODEL_BUDGET_MS {
                    break;
                }
            }
        }
        self.behind = SimDuration(left);
        self.refresh();
        self.stop_at_end();
        true
    }

    /// Re-read the session after it changed: snapshot, new events, log, highlights.
    fn refresh(&mut self) {
        let session = self.session.0.clone();
        let session = session.borrow();
        let events = session.events();
        // Counts are of the events recorded from the start: the model keeps only the most recent (`model::log`).
        let recorded = session.events_recorded() as usize;
        if recorded < self.events_total {
            // The run restarted: forget everything derived from the old one.
            self.events_total = 0;
            self.teardowns = Rc::new(BTreeMap::new());
            self.selected_event = None;
            self.highlight = Rc::new(BTreeSet::new());
            self.announcement.clear();
            self.selected_placement = None;
            self.placement = None;
            self.placement_chain = Rc::new(PlacementChain::default());
            self.chain_scanned = 0;
            self.hover = None;
        }
        // ===== picture (issue 14): the session's colours; lineage reads only the new events (from the start after a
        // seek back).
        {
            let version = session.gang_colours_version();
            if self.gang_hues_version != Some(version) {
                self.gang_hues_version = Some(version);
                let hues = session.gang_colours().hues();
                if *hues != *self.gang_hues {
                    self.gang_hues = Rc::new(hues.clone());
                }
            }
            let mut lineage = self.gang_story.0.borrow_mut();
            if lineage.update(events) {
                self.lineage = Rc::new(lineage.clone());
            }
        }
        // ===== end picture
        let new_events = crate::model::log::events_from(events, self.events_total as u64);
        if !new_events.is_empty() {
            let mut teardowns = None;
            for e in new_events {
                if let EventKind::GangTeardown { gang_id, cause, failed_member, .. } = &e.kind {
                    teardowns.get_or_insert_with(|| (*self.teardowns).clone()).insert(
                        gang_id.clone(),
                        Teardown { seq: e.seq, cause: *cause, failed_member: failed_member.clone() },
                    );
                }
            }
            if let Some(t) = teardowns {
                self.teardowns = Rc::new(t);
            }
            let loudest = new_events
                .iter()
                .filter(|e| announce_priority(&e.kind) > 0)
                .max_by_key(|e| (announce_priority(&e.kind), e.seq));
            if let Some(e) = loudest {
                self.announcement = crate::ui::live_region::narration_line(e);
            }
        }
        self.log_dirty |= !new_events.is_empty() || self.events_total == 0;
        self.events_total = recorded;
        let kept_from = session.events_kept_from();
        if kept_from != self.events_kept_from {
            // Older events were dropped (`model::log`): so are the teardowns they recorded (bounded on long runs).
            self.events_kept_from = kept_from;
            let first = events.first().map_or(0, |e| e.seq);
            if self.teardowns.values().any(|t| t.seq < first) {
                self.teardowns = Rc::new(
                    self.teardowns
                        .iter()
                        .filter(|(_, t)| t.seq >= first)
                        .map(|(g, t)| (g.clone(), t.clone()))
                        .collect(),
                );
            }
            // Gangs that ended before the oldest kept event (the session forgot their colours): their lineage goes too.
            let mut lineage = self.gang_story.0.borrow_mut();
            let hues = session.gang_colours().hues();
            let gone: Vec<String> = lineage.gangs().filter(|g| !hues.contains_key(*g)).map(String::from).collect();
            lineage.forget(&gone, first);
            self.lineage = Rc::new(lineage.clone());
        }
        if self.log_dirty && (!self.playing || crate::ui::perf::now_ms() - self.log_built_ms >= LOG_REFRESH_MS) {
            self.rebuild_log(events);
        }
        if session.violations().len() != self.violations.len() {
            self.violations = Rc::new(session.violations().to_vec());
        }
        self.user_actions = session.user_actions().len();
        self.now = session.now();
        self.tick = session.tick();
        let version = (session.version(), session.traffic().samples.len());
        if self.snapshot_version == Some(version) {
            return;
        }
        self.snapshot_version = Some(version);
        let snapshot = session.snapshot();
        if !same_scene(&self.snapshot, &snapshot) {
            self.snapshot = Rc::new(snapshot);
        }
        if self.selected_placement.is_some() {
            // An event selected since keeps its own highlight.
            let rehighlight = self.selected_event.is_none();
            self.update_placement(&session, rehighlight);
        }
    }

    /// Re-explain the selected placement after the model changed: the explanation, the chain (scanning only the
    /// events not seen yet) and the highlight.
    fn update_placement(&mut self, session: &Session, rehighlight: bool) {
        let Some(subject) = self.selected_placement.clone() else { return };
        let explanation = match &subject {
            PlacementSubject::Pg(name) => session.explain_placement(name),
            PlacementSubject::Replica(id) => session.explain_replica(id),
        };
        if self.placement.as_deref() != explanation.as_ref() {
            self.placement = explanation.map(Rc::new);
        }
        let events = session.events();
        let id = subject.id();
        let newest = crate::model::log::events_from(events, self.chain_scanned as u64)
            .iter()
            .rev()
            .find(|e| e.kind.touches().iter().any(|t| t == id));
        self.chain_scanned = session.events_recorded() as usize;
        if let Some(last) = newest {
            self.placement_chain = Rc::new(crate::ui::hover::chain_from(events, last));
        }
        let highlight = self.placement_highlight(&subject);
        if rehighlight && *self.highlight != highlight {
            self.highlight = Rc::new(highlight);
        }
    }

    /// What the placement panel's subject lights up: itself, its gang (every member), its placement group (its
    /// bundles' slots and its tray entry) and the replicas in that group, and what the fault that started its
    /// chain touched.
    fn placement_highlight(&self, subject: &PlacementSubject) -> BTreeSet<String> {
        let replica = matches!(subject, PlacementSubject::Replica(_));
        crate::ui::hover::subject_highlight(&self.snapshot, subject.id(), replica, &self.placement_chain)
    }

    /// Open the placement panel on `subject`, or close it (`None`): the highlight goes back to the selected event's.
    pub(crate) fn select_placement(&mut self, subject: Option<PlacementSubject>) {
        self.selected_placement = subject;
        self.placement_chain = Rc::new(PlacementChain::default());
        self.chain_scanned = 0;
        if self.selected_placement.is_some() {
            let session = self.session.0.clone();
            self.update_placement(&session.borrow(), true);
        } else {
            self.placement = None;
            let seq = self.selected_event.as_ref().map(|e| e.event.seq);
            self.select_event(seq);
        }
    }

    fn rebuild_log(&mut self, events: &[Event]) {
        self.log_dirty = false;
        self.log_built_ms = crate::ui::perf::now_ms();
        let needle = self.filter_text.trim().to_ascii_lowercase();
        if self.filter_category == LogCategory::All && needle.is_empty() {
            // No filter (the usual case while playing): the newest rows, without scanning the whole run.
            self.log_matching = events.len();
            let newest = events.iter().rev().take(LOG_ROWS);
            if self.log.len() != newest.len() || !self.log.iter().zip(newest.clone()).all(|(a, b)| a == b) {
                self.log = Rc::new(newest.cloned().collect());
            }
            return;
        }
        let matches = |e: &&Event| {
            self.filter_category.matches(&e.kind)
                && (needle.is_empty()
                    || e.reason.to_ascii_lowercase().contains(&needle)
                    || e.kind.name().contains(&needle)
                    || e.kind.touches().iter().any(|t| t.to_ascii_lowercase().contains(&needle)))
        };
        let mut log = Vec::new();
        let mut matching = 0;
        for e in events.iter().rev().filter(matches) {
            matching += 1;
            if log.len() < LOG_ROWS {
                log.push(e.clone());
            }
        }
        self.log_matching = matching;
        if *self.log != log {
            self.log = Rc::new(log);
        }
    }

    pub(crate) fn select_event(&mut self, seq: Option<u64>) {
        let session = self.session.0.clone();
        let session = session.borrow();
        let events = session.events();
        let find = |seq: u64| {
            // Events are stored in seq order (the log keeps only the newest: they may not start at 0).
            events
                .binary_search_by_key(&seq, |e| e.seq)
                .ok()
                .map(|i| &events[i])
                .or_else(|| events.iter().find(|e| e.seq == seq))
        };
        match seq.and_then(find) {
            Some(e) => {
                let cause = e.cause.and_then(find).cloned();
                self.highlight = Rc::new(e.kind.touches().into_iter().collect());
                self.selected_event = Some(Rc::new(SelectedEvent { event: e.clone(), cause }));
            }
            None => {
                self.highlight = Rc::new(BTreeSet::new());
                self.selected_event = None;
            }
        }
    }

    pub(crate) fn with_session(&mut self, f: impl FnOnce(&mut Session)) {
        f(&mut self.session.0.borrow_mut());
        self.refresh();
    }

    /// Apply a [`Travel`] gesture (time travel and sharing).
    pub fn travel(&mut self, t: Travel) {
        match t {
            Travel::Seek(t) => {
                self.playing = false;
                self.with_session(|s| s.seek(t));
            }
            Travel::BackTick => {
                self.playing = false;
                self.with_session(|s| {
                    let t = previous_tick_time(s.now(), s.control_loop_interval().0);
                    s.seek(t);
                });
            }
            Travel::BackEvent => {
                self.playing = false;
                self.with_session(|s| {
                    if let Some(t) = previous_event_time(s.history().known_events(), s.now()) {
                        s.seek(t);
                    }
                });
            }
            Travel::JumpToEvent(seq) => {
                let session = self.session.0.clone();
                let t = session.borrow().history().known_events().iter().find(|e| e.seq == seq).map(|e| e.t);
                if let Some(t) = t {
                    self.playing = false;
                    self.with_session(|s| s.seek(t));
                    self.announcement = format!("Jumped to {}.", format_clock(t.as_secs_f64()));
                }
                self.select_event(Some(seq));
            }
            Travel::Undo => {
                self.playing = false;
                let mut removed = None;
                self.with_session(|s| removed = s.undo());
                self.announcement = match removed {
                    Some(a) => format!("Undid the action at {}.", format_clock(a.at_s)),
                    None => "Nothing to undo.".to_string(),
                };
            }
            Travel::Open { preset_id, scenario, shared, notice } => {
                let speed = self.speed_exp;
                let mut next = UiState::for_scenario(&preset_id, *scenario);
                next.speed_exp = speed;
                next.presenter.on = self.presenter.on;
                next.show_lanes = self.show_lanes; // swimlanes (issue 14): a link's own setting wins below
                next.apply_view_settings(shared.view.as_ref());
                next.with_session(|s| {
                    let scenario = s.scenario().clone();
                    s.load_with_actions(scenario, shared.actions.clone(), SimTime::from_secs_f64(shared.cursor_s));
                });
                next.seed = next.session.0.borrow().seed();
                next.announcement = notice;
                let lesson = crate::ui::lesson_state::lesson_in_view(shared.view.as_ref()); // lessons (issue 14)
                *self = next;
                self.resume_lesson(lesson); // lessons (issue 14): a link or the autosave reopens its step
            }
            Travel::Error(e) => self.error = e,
        }
    }

    /// The view settings a link or autosave carries.
    /// What loading another scenario would take from the user, kept to offer back (`ui::replaced`).
    pub fn put_aside(&self) -> Option<crate::ui::replaced::Replaced> {
        let shared = || {
            let session = self.session.0.borrow();
            crate::app::import::shared_of(&session, &self.preset_id, Some(self.view_settings()))
        };
        crate::ui::replaced::put_aside(&self.preset_id, &self.scenario_name, self.user_actions, shared)
    }

    pub fn view_settings(&self) -> Value {
        let mut view = json!({
            "speed_exp": self.speed_exp,
            "filter": self.filter_category.id(),
            "search": self.filter_text,
            "lanes": self.show_lanes, // swimlanes (issue 14)
        });
        if self.presenter.on {
            view["present"] = json!(true); // presenter mode (issue 14): only when on, so links stay short
        }
        view
    }

    /// Apply view settings; anything missing or odd is ignored.
    pub fn apply_view_settings(&mut self, view: Option<&Value>) {
        let Some(v) = view else { return };
        if let Some(e) = v.get("speed_exp").and_then(Value::as_f64).filter(|e| e.is_finite()) {
            self.speed_exp = e.clamp(SPEED_EXP_MIN, SPEED_EXP_MAX);
        }
        if let Some(f) = v.get("filter").and_then(Value::as_str) {
            self.filter_category = LogCategory::from_id(f);
        }
        if let Some(t) = v.get("search").and_then(Value::as_str) {
            self.filter_text = t.chars().take(200).collect();
        }
        if let Some(lanes) = v.get("lanes").and_then(Value::as_bool) {
            self.show_lanes = lanes; // swimlanes (issue 14)
        }
        if let Some(on) = v.get("present").and_then(Value::as_bool) {
            self.presenter.on = on;
        }
    }
}

// ===== workbench (issue 13): import, apply an edit, undo it =====
impl UiState {
    fn open(&mut self, (preset_id, scenario, shared): crate::ui::workbench_state::Opening, notice: String) {
        self.travel(Travel::Open { preset_id, scenario: Box::new(scenario), shared: Box::new(shared), notice });
    }

    /// Open what an import gave, or show why it was refused (the session is then unchanged).
    fn finish_import(
        &mut self,
        wb: &mut Workbench,
        names: &[String],
        got: Result<crate::app::import::Imported, String>,
    ) {
        match crate::ui::workbench_state::import(names, got) {
            Ok((opening, outcome)) => {
                let notice = outcome.headline.clone();
                self.open(opening, notice);
                *wb = Workbench { import: Some(Rc::new(outcome)), ..Workbench::default() };
            }
            Err(outcome) => {
                self.announcement = outcome.headline.clone();
                wb.import = Some(Rc::new(outcome));
            }
        }
    }

    /// A workbench gesture: the session changes only for a successful import, an applied edit or its undo.
    pub fn workbench_action(&mut self, a: WorkbenchAction) {
        use crate::ui::workbench_state::{Panel, applied_message, apply_edit};
        let mut wb = (*self.workbench).clone();
        match a {
            WorkbenchAction::Show(panel) => wb.panel = panel,
            WorkbenchAction::Import(files) => {
                self.playing = false;
                match files {
                    // Ray configs go to the importer worker (its own wasm, loaded on first use): the answer comes
                    // back as `Imported`. `ImportRunner` sends the request.
                    Ok(files) if files.iter().any(|(_, t)| crate::app::config_import::looks_like_config(t)) => {
                        let id = wb.pending.as_ref().map_or(1, |p| p.id + 1);
                        let base = self.session.0.borrow().scenario().clone();
                        wb.pending = Some(Rc::new(crate::ui::workbench_state::ImportRequest { id, files, base }));
                        wb.import = None;
                        self.announcement = "Reading your Ray config…".into();
                    }
                    files => {
                        let names: Vec<String> =
                            files.as_ref().map(|f| f.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default();
                        let got = files.and_then(|f| crate::app::import::import_gangplank(&f));
                        self.finish_import(&mut wb, &names, got);
                    }
                }
                wb.panel = Some(Panel::Import);
            }
            WorkbenchAction::Imported { id, names, result } => {
                // An answer to an older request (the user imported again meanwhile) is dropped.
                if wb.pending.as_ref().is_some_and(|p| p.id == id) {
                    wb.pending = None;
                    self.finish_import(&mut wb, &names, result);
                    wb.panel = Some(Panel::Import);
                }
            }
            WorkbenchAction::Apply(edited) => {
                self.playing = false;
                let got = apply_edit(
                    &self.session.0.borrow(),
                    &self.preset_id,
                    self.view_settings(),
                    *edited,
                    wb.undo.clone(),
                );
                match got {
                    Ok((opening, previous, dropped)) => {
                        let message = applied_message(opening.2.actions.len(), dropped.len());
                        self.open(opening, message.clone());
                        wb = Workbench {
                            undo: Some(Rc::new(previous)),
                            dropped: Rc::new(dropped),
                            message: Some(message),
                            import: wb.import,
                            panel: None,
                            pending: None,
                        };
                    }
                    Err(e) => wb.message = Some(format!("The edit could not be applied: {e}")),
                }
            }
            WorkbenchAction::UndoEdit => {
                let Some(previous) = wb.undo.clone() else { return };
                let shared = previous.shared.clone();
                let preset_id = shared.preset.clone().filter(|p| preset_by_id(p).is_some()).unwrap_or_default();
                match crate::app::import::base_scenario(&shared) {
                    Ok(scenario) => {
                        let message = format!("Edit undone: back to \"{}\".", previous.name);
                        self.open((preset_id, scenario, shared), message.clone());
                        wb = Workbench {
                            undo: previous.before.clone(),
                            message: Some(message),
                            import: wb.import,
                            ..Workbench::default()
                        };
                    }
                    Err(e) => wb.message = Some(format!("The setup before the edit could not be opened: {e}")),
                }
            }
        }
        self.workbench = Rc::new(wb);
    }
}
// ===== end workbench =====
// ===== compare (issue 13: compare two variants) =====
/// A comparison gesture (one `UiAction::Compare`).
pub enum CompareGesture {
    /// Open run B: this session with the variant's changes.
    Open(Variant),
    Close,
    /// Load a seed a sweep found, with the user's actions, from time zero.
    LoadSeed(u64),
}

/// Run B of a comparison as the page draws it: the side (`app::compare::CompareSide`) and its snapshot.
#[derive(Clone)]
pub struct ComparePane {
    pub side: Rc<RefCell<CompareSide>>,
    pub snapshot: Rc<Snapshot>,
    pub label: String,
    pub skipped: Rc<Vec<Skipped>>,
    /// B's `Session::version` and traffic samples when `snapshot` was taken.
    version: ((u64, u64), usize),
}

impl PartialEq for ComparePane {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.side, &other.side)
            && Rc::ptr_eq(&self.snapshot, &other.snapshot)
            && self.label == other.label
            && self.skipped == other.skipped
    }
}

impl ComparePane {
    fn of(side: CompareSide) -> ComparePane {
        let mut pane = ComparePane {
            side: Rc::new(RefCell::new(side)),
            snapshot: Rc::new(Snapshot::default()),
            label: String::new(),
            skipped: Rc::new(Vec::new()),
            version: ((u64::MAX, 0), 0),
        };
        pane.refresh();
        pane
    }

    /// Re-read B after it followed A (a new snapshot only when something besides the clock changed).
    fn refresh(&mut self) {
        let side = self.side.borrow();
        let b = side.session();
        let version = (b.version(), b.traffic().samples.len());
        if version != self.version {
            self.version = version;
            let snapshot = b.snapshot();
            if !same_scene(&self.snapshot, &snapshot) {
                self.snapshot = Rc::new(snapshot);
            }
        }
        let label = side.label();
        if label != self.label {
            self.label = label;
        }
        let skipped = side.skipped();
        if *self.skipped != skipped {
            self.skipped = Rc::new(skipped);
        }
    }
}

impl UiState {
    fn compare_gesture(&mut self, g: CompareGesture) {
        match g {
            CompareGesture::Open(variant) => {
                let opened = CompareSide::open(&self.session.0.borrow(), variant);
                match opened {
                    Ok(side) => {
                        let pane = ComparePane::of(side);
                        self.announcement = format!("Comparing with {}.", pane.label);
                        self.compare = Some(pane);
                    }
                    Err(e) => self.error = Some(format!("The comparison could not start: {e}")),
                }
            }
            CompareGesture::Close => {
                self.compare = None;
                self.announcement = "Comparison closed.".to_string();
            }
            CompareGesture::LoadSeed(seed) => {
                self.playing = false;
                self.target = None;
                self.with_session(|s| {
                    let mut scenario = s.scenario().clone();
                    scenario.seed = seed;
                    let actions = s.user_actions().to_vec();
                    s.load_with_actions(scenario, actions, SimTime::ZERO);
                });
                self.seed = seed;
                self.announcement = format!("Loaded seed {seed} with your actions, at time zero.");
            }
        }
    }

    /// Run B follows this session: its scenario, actions and clock (after every gesture and frame).
    fn follow_compare(&mut self) {
        let Some(pane) = &mut self.compare else { return };
        let followed = pane.side.borrow_mut().follow(&self.session.0.borrow());
        match followed {
            Ok(()) => pane.refresh(),
            Err(e) => {
                self.error = Some(format!("The comparison was closed: {e}"));
                self.compare = None;
            }
        }
    }
}
// ===== end compare =====

// ===== hover (issue 13: hovering or focusing a replica, a bundle or an event highlights its chain) =====
impl UiState {
    /// The hover `h` starts (its chain is computed now, once) or ends. The same hover again changes nothing (the
    /// same state comes back, so nothing is re-rendered).
    fn hovered(self: Rc<Self>, h: Option<Hovered>) -> Rc<Self> {
        if self.hover.as_ref().map(|x| &x.subject) == h.as_ref() {
            return self;
        }
        let mut st = (*self).clone();
        st.hover = h.map(|subject| {
            let session = st.session.0.borrow();
            Rc::new(crate::ui::hover::hover_of(&st.snapshot, session.events(), subject))
        });
        Rc::new(st)
    }

    /// What the page highlights: the hover's chain while there is one, else the selection's (`highlight`).
    pub fn shown_highlight(&self) -> Rc<BTreeSet<String>> {
        self.hover.as_ref().map_or_else(|| self.highlight.clone(), |h| h.highlight.clone())
    }

    /// The chain the event log marks: the hover's while there is one, else the placement panel's.
    pub fn shown_chain(&self) -> Rc<PlacementChain> {
        self.hover.as_ref().map_or_else(|| self.placement_chain.clone(), |h| h.chain.clone())
    }
}
// ===== end hover =====

// ===== presenter (issue 14): clicker steps, the end of the scenario, presenter mode =====
/// What the page says at the end of the scenario (stepping and playback stop there).
pub fn end_message(end: SimTime) -> String {
    format!("End of the scenario ({} s).", trim_secs(end.as_secs_f64()))
}

/// Seconds without a needless fraction: `30`, `12.5`.
fn trim_secs(s: f64) -> String {
    let t = format!("{s:.1}");
    t.strip_suffix(".0").map(str::to_string).unwrap_or(t)
}

impl UiState {
    /// At the end of the scenario: stop playing and say so. Returns whether the clock is there.
    fn stop_at_end(&mut self) -> bool {
        let (at_end, end) = {
            let s = self.session.0.borrow();
            (s.at_end(), s.end())
        };
        if at_end {
            self.playing = false;
            self.behind = SimDuration(0);
            self.announcement = end_message(end);
            self.presenter.outcome_shown = true;
        }
        at_end
    }

    /// Play / pause; at the end, play does not start (there is nothing left to play) but says so.
    fn toggle_play(&mut self) {
        if self.playing {
            self.playing = false;
        } else if !self.stop_at_end() {
            self.playing = true;
        }
    }

    /// "Next event": up to the next thing that happens, never past the end of the scenario.
    fn step_event(&mut self) {
        self.playing = false;
        if self.stop_at_end() {
            return;
        }
        self.with_session(|s| {
            s.step_to_next_event();
        });
        self.stop_at_end();
    }

    /// Clicker forward. Today the next event; the lesson UI extends this to "the next lesson step" when a lesson is
    /// open (this is the one place to do so: keys, the clicker and the presenter strip all come here).
    pub(crate) fn advance(&mut self) {
        self.close_for_clicker();
        if self.lesson_advance() {
            return; // lessons (issue 14): the next lesson step
        }
        self.step_event();
        self.spotlight_now();
    }

    /// Clicker back. Today the previous event; the lesson UI extends this to "the previous lesson step".
    pub(crate) fn retreat(&mut self) {
        self.close_for_clicker();
        if self.lesson_retreat() {
            return; // lessons (issue 14): the previous lesson step
        }
        self.travel(Travel::BackEvent);
        self.spotlight_now();
    }

    /// In presenter mode a clicker must be able to get rid of anything that popped up: each step closes it.
    fn close_for_clicker(&mut self) {
        if !self.presenter.on {
            return;
        }
        self.help_open = false;
        self.target = None;
        if self.workbench.panel.is_some() {
            self.workbench_action(WorkbenchAction::Show(None));
        }
        if self.selected_placement.is_some() {
            self.select_placement(None);
        }
    }

    /// In presenter mode, select the loudest event of this instant (the one the narration reads), so the spotlight
    /// follows the story; none at this instant clears the selection.
    fn spotlight_now(&mut self) {
        if !self.presenter.on {
            return;
        }
        let seq = {
            let s = self.session.0.borrow();
            let now = s.now();
            let events = s.events();
            let from = events.partition_point(|e| e.t < now);
            events[from..]
                .iter()
                .filter(|e| announce_priority(&e.kind) > 0)
                .max_by_key(|e| (announce_priority(&e.kind), e.seq))
                .map(|e| e.seq)
        };
        self.select_event(seq);
    }

    fn presenter_action(&mut self, p: PresenterAction) {
        match p {
            PresenterAction::Toggle => self.set_presenting(!self.presenter.on),
            PresenterAction::Set(on) => self.set_presenting(on),
            PresenterAction::Blank(b) => self.presenter.blank = b,
            PresenterAction::Escape => {
                let open = self.help_open
                    || self.target.is_some()
                    || self.workbench.panel.is_some()
                    || self.selected_placement.is_some();
                if open {
                    self.close_for_clicker();
                } else {
                    self.set_presenting(false);
                }
            }
            PresenterAction::ShowOutcome => self.presenter.outcome_shown = true,
        }
    }

    fn set_presenting(&mut self, on: bool) {
        self.presenter.on = on;
        self.presenter.blank = None;
        self.announcement = if on {
            "Presenter mode: → or PageDown for the next event, ← or PageUp back, b to blank, p or Escape to leave."
                .to_string()
        } else {
            "Presenter mode off.".to_string()
        };
    }
}
// ===== end presenter =====

impl Reducible for UiState {
    type Action = UiAction;

    fn reduce(self: Rc<Self>, action: UiAction) -> Rc<Self> {
        if let UiAction::Hover(h) = action {
            return self.hovered(h); // hover (issue 13): only the highlight changes
        }
        // ===== replay (issue 15): a recording opens as a replay; while open, its clock takes the time gestures =====
        let action = match UiState::replay_intercept(&self, action) {
            std::ops::ControlFlow::Break(next) => return next,
            std::ops::ControlFlow::Continue(action) => action,
        };
        // ===== end replay =====
        let mut st = (*self).clone();
        if !matches!(action, UiAction::Frame { .. }) {
            // Any gesture (pause, seek, a new speed, an injected fault...) forgives what playback owed.
            st.behind = SimDuration(0);
        }
        match action {
            // Lessons (issue 14): a reveal plays the step forward to its end, then stops.
            UiAction::Frame { wall_ms } if st.lesson.revealing() => {
                if !st.playing || !st.lesson_frame(wall_ms) {
                    return self;
                }
            }
            UiAction::Frame { wall_ms } => {
                if !st.playing || !st.play_frame(wall_ms, crate::ui::perf::now_ms) {
                    return self;
                }
            }
            UiAction::TogglePlay => st.toggle_play(),
            UiAction::Pause => st.playing = false,
            UiAction::StepTick => {
                st.playing = false;
                if !st.stop_at_end() {
                    st.with_session(Session::step_tick);
                }
            }
            UiAction::StepEvent => st.step_event(),
            UiAction::SetSpeedExp(e) => {
                if e.is_finite() {
                    st.speed_exp = e.clamp(SPEED_EXP_MIN, SPEED_EXP_MAX);
                }
            }
            UiAction::Faster => st.speed_exp = (st.speed_exp + SPEED_EXP_STEP).min(SPEED_EXP_MAX),
            UiAction::Slower => st.speed_exp = (st.speed_exp - SPEED_EXP_STEP).max(SPEED_EXP_MIN),
            UiAction::SetSeed(seed) => {
                st.playing = false;
                st.seed = seed;
                st.target = None;
                st.with_session(|s| s.set_seed(seed));
                st.announcement = format!("Restarted with seed {seed}.");
            }
            UiAction::Reset => {
                st.playing = false;
                st.target = None;
                st.with_session(Session::reset);
                st.announcement = "Reset to time zero.".to_string();
            }
            UiAction::LoadPreset(id) => {
                let mut next = UiState::for_preset(&id);
                next.speed_exp = st.speed_exp;
                next.presenter.on = st.presenter.on;
                next.show_lanes = st.show_lanes; // swimlanes (issue 14)
                next.announcement = format!("Loaded scenario: {}.", next.scenario_name);
                next.replaced = st.put_aside().map(Rc::new).or_else(|| st.replaced.clone());
                return Rc::new(next);
            }
            UiAction::Inject(kind) => {
                st.target = None;
                st.with_session(|s| s.inject(kind));
            }
            UiAction::SetTarget(t) => {
                // Selecting a replica also explains where it is (or why it waits).
                if let Some(Target::Replica(id)) = &t {
                    st.select_placement(Some(PlacementSubject::Replica(id.clone())));
                }
                st.target = t;
                st.help_open = false;
            }
            UiAction::SelectEvent(seq) => st.select_event(seq),
            UiAction::SelectPlacement(subject) => st.select_placement(subject),
            UiAction::Hover(_) => {} // handled above
            UiAction::SetFilterCategory(c) => {
                st.filter_category = c;
                let session = st.session.0.clone();
                st.rebuild_log(session.borrow().events());
            }
            UiAction::SetFilterText(text) => {
                st.filter_text = text;
                let session = st.session.0.clone();
                st.rebuild_log(session.borrow().events());
            }
            UiAction::ToggleHelp => {
                st.help_open = !st.help_open;
                if st.help_open {
                    st.target = None;
                }
            }
            UiAction::Travel(t) => st.travel(t),
            UiAction::Compare(g) => st.compare_gesture(g),
            // Lessons (issue 14): a lesson file from any file import opens as a lesson, not as a scenario.
            UiAction::Workbench(WorkbenchAction::Import(Ok(files)))
                if crate::ui::lesson_state::lesson_file(&files).is_some() =>
            {
                if st.workbench.panel.is_some() {
                    st.workbench_action(WorkbenchAction::Show(None));
                }
                let (name, text) = crate::ui::lesson_state::lesson_file(&files).expect("checked");
                st.lesson_action(crate::ui::lesson_state::LessonAction::Import { name, text });
            }
            UiAction::Workbench(a) => st.workbench_action(a),
            UiAction::ToggleLanes => st.show_lanes = !st.show_lanes, // swimlanes (issue 14)
            // ===== presenter (issue 14) =====
            UiAction::Advance => st.advance(),
            UiAction::Retreat => st.retreat(),
            UiAction::Presenter(p) => st.presenter_action(p),
            // ===== end presenter =====
            UiAction::Lesson(a) => st.lesson_action(a),
            UiAction::Replay(_) => {} // replay (issue 15): handled above, by `replay_reducer`
            UiAction::Dismiss => {
                if st.workbench.panel.is_some() {
                    st.workbench_action(WorkbenchAction::Show(None));
                } else if st.help_open {
                    st.help_open = false;
                } else if st.target.is_some() {
                    st.target = None;
                } else if st.selected_placement.is_some() {
                    st.select_placement(None);
                } else {
                    st.select_event(None);
                }
            }
        }
        st.follow_compare();
        if st.log_dirty && !st.playing {
            // Paused: the log shows everything up to now.
            let session = st.session.0.clone();
            st.rebuild_log(session.borrow().events());
        }
        Rc::new(st)
    }
}

/// Equal in everything but the clock.
pub fn same_scene(a: &Snapshot, b: &Snapshot) -> bool {
    a.nodes == b.nodes
        && a.placement_groups == b.placement_groups
        && a.replicas == b.replicas
        && a.deployments == b.deployments
        && a.applications == b.applications
        && a.controller == b.controller
        && a.violations == b.violations
}

/// An empty scenario, used when a preset cannot load so that the page still renders.
fn empty_scenario() -> Scenario {
    crate::model::scenario::parse_scenario(r#"{"format": "gangplank.scenario/v1", "name": "Empty", "cluster": {}}"#)
        .expect("the empty scenario parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::placement::PlacementGroupState;

    fn reduce(st: Rc<UiState>, a: UiAction) -> Rc<UiState> {
        st.reduce(a)
    }

    /// A frame, then as many empty frames as it takes to catch up (the frame budget is wall time: a slow machine
    /// may need several).
    fn frame(st: Rc<UiState>, wall_ms: f64) -> Rc<UiState> {
        let mut st = reduce(st, UiAction::Frame { wall_ms });
        while st.behind.0 > 0 {
            st = reduce(st, UiAction::Frame { wall_ms: 0.0 });
        }
        st
    }

    #[test]
    fn every_preset_loads_into_a_state_without_error() {
        for p in crate::app::presets::PRESETS {
            let st = UiState::for_preset(p.id);
            assert_eq!(st.error, None, "{}", p.id);
            assert_eq!(st.preset_id, p.id);
        }
    }

    #[test]
    fn unknown_preset_falls_back_to_the_default() {
        assert_eq!(UiState::for_preset("nope").preset_id, DEFAULT_PRESET_ID);
    }

    #[test]
    fn frames_advance_time_only_while_playing_at_the_chosen_speed() {
        let st = Rc::new(UiState::for_preset("steady-pack"));
        let st = reduce(st, UiAction::Frame { wall_ms: 100.0 });
        assert_eq!(st.now.0, 0);
        let st = reduce(st, UiAction::TogglePlay);
        let st = reduce(st, UiAction::SetSpeedExp(1.0));
        let st = frame(st, 100.0);
        assert_eq!(st.session.0.borrow().now().0, 1_000_000);
        // A long stall (hidden tab) is capped.
        let st = frame(st, 60_000.0);
        assert_eq!(st.session.0.borrow().now().0, 1_000_000 + (MAX_FRAME_MS * 10.0 * 1000.0) as u64);
    }

    #[test]
    fn a_frame_runs_the_model_for_at_most_its_budget_and_later_frames_catch_up() {
        let mut st = UiState::for_preset("big-cluster");
        st.playing = true;
        st.speed_exp = 1.0;
        let tick = st.session.0.borrow().control_loop_interval().0;
        // A fake clock that says every control-loop tick takes 3 ms: the 8 ms budget allows three ticks a frame.
        let calls = std::cell::Cell::new(0u32);
        let clock = || {
            calls.set(calls.get() + 1);
            3.0 * (calls.get() - 1) as f64
        };
        // 100 ms of wall time at 10x is 1 s of simulated time, i.e. 10 ticks.
        let frame_sim = 1_000_000;
        assert!(st.play_frame(100.0, clock));
        assert_eq!(st.now.0, 3 * tick, "the frame stopped at its budget");
        assert_eq!(st.behind.0, frame_sim - 3 * tick);
        assert!(st.catching_up());
        // Frames with no new wall time catch up, three ticks at a time, and the clock shows what was reached.
        let mut frames = 1;
        while st.behind.0 > 0 {
            calls.set(0);
            assert!(st.play_frame(0.0, clock));
            frames += 1;
            assert!(frames < 100);
        }
        assert_eq!(st.now.0, frame_sim, "playback is honest: nothing owed was skipped");
        assert_eq!(frames, (frame_sim / tick).div_ceil(3) as usize);
        assert!(!st.catching_up());
        // A long stall is capped: at most MAX_BEHIND_MS of playback is ever owed.
        calls.set(0);
        st.play_frame(60_000.0, clock);
        assert!(st.behind.0 as f64 <= MAX_BEHIND_MS * 10.0 * 1000.0);
        // Any gesture forgives the debt.
        let st = Rc::new(st).reduce(UiAction::Pause);
        assert_eq!(st.behind.0, 0);
    }

    #[test]
    fn while_playing_the_log_waits_for_its_refresh_interval_and_is_complete_on_pause() {
        let st = Rc::new(UiState::for_preset("replica-crash"));
        let st = reduce(st, UiAction::TogglePlay);
        let st = reduce(st, UiAction::SetSpeedExp(1.0));
        let st = frame(st, 200.0);
        // As if the log had just been rebuilt: the next frames' events wait.
        let mut st = (*st).clone();
        st.log_built_ms = crate::ui::perf::now_ms() + 60_000.0;
        let shown = st.log.clone();
        let total = st.events_total;
        let st = frame(Rc::new(st), 250.0); // 2.5 s more: replicas start, events arrive
        assert!(st.events_total > total, "the model logged events");
        assert!(st.log_dirty && Rc::ptr_eq(&shown, &st.log), "the log waits while playing");
        // Once the interval has passed, the next frame rebuilds it.
        let mut later = (*st).clone();
        later.log_built_ms = f64::NEG_INFINITY;
        let later = frame(Rc::new(later), 1.0);
        assert!(!later.log_dirty);
        // Pausing shows everything at once.
        let st = reduce(st, UiAction::Pause);
        assert!(!st.log_dirty);
        let session = st.session.0.clone();
        assert_eq!(st.log.first(), session.borrow().events().last());
        assert_eq!(st.log_matching, session.borrow().events().len());
    }

    #[test]
    fn the_snapshot_is_kept_while_only_the_clock_moves() {
        let st = Rc::new(UiState::for_preset("steady-pack"));
        let st = reduce(st, UiAction::TogglePlay);
        let st = reduce(st, UiAction::SetSpeedExp(2.0));
        let st = frame(st, 100.0); // 10 s: everything is RUNNING
        let before = st.snapshot.clone();
        let st = frame(st, 0.05); // 5 ms later
        assert!(Rc::ptr_eq(&before, &st.snapshot), "nothing but the clock changed");
        assert_eq!(st.now.0, 10_005_000);
        assert_eq!(st.tick, 100);
    }

    #[test]
    fn speed_stays_within_a_tenth_and_a_hundred() {
        let mut st = Rc::new(UiState::for_preset("steady-pack"));
        for _ in 0..40 {
            st = reduce(st, UiAction::Faster);
        }
        assert_eq!(st.speed(), 100.0);
        for _ in 0..40 {
            st = reduce(st, UiAction::Slower);
        }
        assert!((st.speed() - 0.1).abs() < 1e-9);
        let st = reduce(st, UiAction::SetSpeedExp(f64::NAN));
        assert!((st.speed() - 0.1).abs() < 1e-9);
    }

    #[test]
    fn stepping_pauses_and_reset_returns_to_zero() {
        let st = Rc::new(UiState::for_preset("steady-pack"));
        let st = reduce(st, UiAction::TogglePlay);
        let st = reduce(st, UiAction::StepTick);
        assert!(!st.playing);
        assert!(st.session.0.borrow().now().0 > 0);
        let st = reduce(st, UiAction::Reset);
        assert_eq!(st.session.0.borrow().now().0, 0);
    }

    #[test]
    fn injecting_closes_the_panel_and_records_the_action() {
        let st = Rc::new(UiState::for_preset("steady-pack"));
        let st = reduce(st, UiAction::SetTarget(Some(Target::Cluster)));
        assert_eq!(st.target, Some(Target::Cluster));
        let st = reduce(st, UiAction::Inject(ActionKind::KillController {}));
        assert_eq!(st.target, None);
        assert_eq!(st.user_actions, 1);
    }

    #[test]
    fn dismiss_closes_help_then_panel_then_selection() {
        let st = Rc::new(UiState::for_preset("steady-pack"));
        let st = reduce(st, UiAction::SetTarget(Some(Target::Cluster)));
        let st = reduce(st, UiAction::ToggleHelp);
        assert!(st.help_open && st.target.is_none(), "help replaces the panel");
        let st = reduce(st, UiAction::SetTarget(Some(Target::Cluster)));
        let st = reduce(st, UiAction::Dismiss);
        assert_eq!(st.target, None);
    }

    #[test]
    fn stepping_back_finds_the_previous_tick_and_event() {
        assert_eq!(previous_tick_time(SimTime(250_000), 100_000), SimTime(200_000));
        assert_eq!(previous_tick_time(SimTime(200_000), 100_000), SimTime(100_000));
        assert_eq!(previous_tick_time(SimTime::ZERO, 100_000), SimTime::ZERO);
        let mut s = Session::new(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        s.advance_to(SimTime::from_secs_f64(10.0));
        let events = s.history().known_events();
        let last = events.last().unwrap().t;
        assert_eq!(previous_event_time(events, SimTime(last.0 + 1)), Some(last));
        assert!(previous_event_time(events, last).unwrap() < last);
        assert_eq!(previous_event_time(events, SimTime::ZERO), None);
    }

    #[test]
    fn travel_seeks_back_forks_and_undoes_through_the_reducer() {
        let st = Rc::new(UiState::for_preset("replica-crash"));
        let st = st.reduce(UiAction::SetSpeedExp(2.0));
        let st = st.reduce(UiAction::TogglePlay);
        let mut st = st.reduce(UiAction::Frame { wall_ms: 200.0 }); // 20 s
        while st.behind.0 > 0 {
            st = st.reduce(UiAction::Frame { wall_ms: 0.0 }); // catching up (the frame's model budget ran out)
        }
        let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(5.0))));
        assert!(!st.playing);
        assert_eq!(st.now, SimTime::from_secs_f64(5.0));
        let seq = st.log[0].seq;
        let st = st.reduce(UiAction::Inject(ActionKind::KillController {}));
        assert_eq!(st.user_actions, 1);
        let st = st.reduce(UiAction::Travel(Travel::Undo));
        assert_eq!(st.user_actions, 0);
        assert_eq!(st.now, SimTime::from_secs_f64(5.0));
        let st = st.reduce(UiAction::Travel(Travel::BackTick));
        assert_eq!(st.now, SimTime::from_secs_f64(4.9));
        let st = st.reduce(UiAction::Travel(Travel::JumpToEvent(seq)));
        assert_eq!(st.selected_event.as_ref().map(|e| e.event.seq), Some(seq));
    }

    #[test]
    fn selecting_a_placement_explains_it_highlights_its_chain_and_escape_closes_it() {
        let st = Rc::new(UiState::for_preset("not-enough-resources"));
        let st = st.reduce(UiAction::SetSpeedExp(1.0));
        let st = frame(st.reduce(UiAction::TogglePlay), 600.0).reduce(UiAction::Pause); // 6 s: one gang waits
        let pg = st.snapshot.placement_groups.iter().find(|p| p.state == PlacementGroupState::Pending).unwrap().clone();
        let st = st.reduce(UiAction::SelectPlacement(Some(PlacementSubject::Pg(pg.name.clone()))));
        let e = st.placement.clone().expect("explained");
        assert!(e.summary.starts_with("Not enough free resources"), "{}", e.summary);
        assert!(st.highlight.contains(&pg.name) && st.highlight.contains(pg.gang_id.as_ref().unwrap()));
        // Its chain: the event that last touched it (its creation) is in the chain.
        let last = st.placement_chain.last.clone().expect("an event touched the group");
        assert!(last.kind.touches().contains(&pg.name));
        // Selecting a replica (its action panel) explains that replica too.
        let member = st.snapshot.replicas.iter().find(|r| r.pg_name.as_ref() == Some(&pg.name)).unwrap().id.clone();
        let st = st.reduce(UiAction::SetTarget(Some(Target::Replica(member.clone()))));
        assert_eq!(st.selected_placement, Some(PlacementSubject::Replica(member.clone())));
        assert!(st.placement.as_ref().unwrap().title.contains(&member));
        // Escape closes the action panel first, then the explanation (and its highlight).
        let st = st.reduce(UiAction::Dismiss);
        assert!(st.target.is_none() && st.placement.is_some());
        let st = st.reduce(UiAction::Dismiss);
        assert!(st.placement.is_none() && st.highlight.is_empty());
    }

    // ===== hover (issue 13) =====
    /// not-enough-resources at 6 s: one gang placed and running, the other waiting for resources.
    fn one_gang_placed_one_waiting() -> Rc<UiState> {
        let st = Rc::new(UiState::for_preset("not-enough-resources")).reduce(UiAction::SetSpeedExp(1.0));
        frame(st.reduce(UiAction::TogglePlay), 600.0).reduce(UiAction::Pause)
    }

    #[test]
    fn hovering_a_replica_highlights_its_chain_without_opening_anything_and_leaving_clears_it() {
        let st = one_gang_placed_one_waiting();
        let r = st.snapshot.replicas.iter().find(|r| r.node.is_some() && r.gang_context.is_some()).unwrap().clone();
        let gang = r.gang_context.as_ref().unwrap().gang_id.clone();
        let in_gang =
            |m: &&crate::model::snapshot::ReplicaView| m.gang_context.as_ref().is_some_and(|g| g.gang_id == gang);
        let mate = st.snapshot.replicas.iter().filter(in_gang).find(|m| m.id != r.id).unwrap().id.clone();
        assert!(st.shown_highlight().is_empty() && st.hover.is_none());

        let st = st.reduce(UiAction::Hover(Some(Hovered::Replica(r.id.clone()))));
        let shown = st.shown_highlight();
        assert!(shown.contains(&r.id) && shown.contains(&gang) && shown.contains(r.pg_name.as_ref().unwrap()));
        assert!(shown.contains(&mate), "its gang mate, by the group's bundles: {shown:?}");
        // The event that last changed it is the chain the log marks; nothing opens, the selection stays empty.
        let chain = st.shown_chain();
        assert!(chain.last.as_ref().expect("an event touched it").kind.touches().contains(&r.id));
        assert!(chain.seqs.contains(&chain.last.as_ref().unwrap().seq));
        assert!(st.placement.is_none() && st.selected_placement.is_none() && st.target.is_none());
        assert!(st.highlight.is_empty() && st.placement_chain.last.is_none());
        // The same hover again (focus after mouseenter) is the same state: nothing is redrawn.
        let again = st.clone().reduce(UiAction::Hover(Some(Hovered::Replica(r.id.clone()))));
        assert!(Rc::ptr_eq(&st, &again));

        let st = st.reduce(UiAction::Hover(None));
        assert!(st.hover.is_none() && st.shown_highlight().is_empty() && st.shown_chain().last.is_none());
    }

    #[test]
    fn hovering_then_leaving_gives_the_selection_s_highlight_and_chain_back() {
        let st = one_gang_placed_one_waiting();
        let pending =
            st.snapshot.placement_groups.iter().find(|p| p.state == PlacementGroupState::Pending).unwrap().clone();
        let placed = st.snapshot.placement_groups.iter().find(|p| p.state != PlacementGroupState::Pending).unwrap();
        let placed = placed.clone();
        let st = st.reduce(UiAction::SelectPlacement(Some(PlacementSubject::Pg(pending.name.clone()))));
        let (selected, selected_chain) = (st.shown_highlight(), st.shown_chain());
        assert!(selected.contains(&pending.name) && selected_chain.last.is_some());

        // A bundle slot of the placed gang: its group, its gang and the group's replicas light up instead.
        let st = st.reduce(UiAction::Hover(Some(Hovered::Pg(placed.name.clone()))));
        let shown = st.shown_highlight();
        assert!(shown.contains(&placed.name) && shown.contains(placed.gang_id.as_ref().unwrap()));
        assert!(!shown.contains(&pending.name), "{shown:?}");
        assert!(placed.bundles.iter().filter_map(|b| b.replica.as_ref()).all(|r| shown.contains(r)));
        assert_ne!(st.shown_chain(), selected_chain);
        // The panel still explains the selection.
        assert_eq!(st.selected_placement, Some(PlacementSubject::Pg(pending.name.clone())));
        assert_eq!(st.highlight, selected);

        // Leaving gives the selection's highlight and chain back.
        let st = st.reduce(UiAction::Hover(None));
        assert_eq!(st.shown_highlight(), selected);
        assert_eq!(st.shown_chain(), selected_chain);

        // An event row: it and its causes are the chain, and what they touched is lit.
        let session = st.session.0.borrow();
        let e = session.events().iter().rev().find(|e| e.cause.is_some()).expect("an event with a cause").clone();
        drop(session);
        let cause = e.cause.unwrap();
        let st = st.reduce(UiAction::Hover(Some(Hovered::Event(e.seq))));
        let chain = st.shown_chain();
        assert!(chain.seqs.contains(&e.seq) && chain.seqs.contains(&cause), "{:?}", chain.seqs);
        assert!(chain.origin.is_some());
        assert!(e.kind.touches().iter().all(|t| st.shown_highlight().contains(t)));
        let st = st.reduce(UiAction::Hover(None));
        assert_eq!(st.shown_highlight(), selected);
    }
    // ===== end hover =====

    #[test]
    fn view_settings_round_trip_and_odd_values_are_ignored() {
        let mut st = UiState::for_preset("steady-pack");
        st.speed_exp = 1.5;
        st.filter_category = LogCategory::Faults;
        st.filter_text = "gang".into();
        let v = st.view_settings();
        let mut other = UiState::for_preset("steady-pack");
        other.apply_view_settings(Some(&v));
        assert_eq!(
            (other.speed_exp, other.filter_category, other.filter_text.as_str()),
            (1.5, LogCategory::Faults, "gang")
        );
        other.apply_view_settings(Some(&json!({ "speed_exp": "fast", "filter": 3 })));
        assert_eq!(other.speed_exp, 1.5);
    }
}
