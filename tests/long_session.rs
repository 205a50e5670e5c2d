//! Issue 16, long sessions: a session played for many simulated hours with a fault every few seconds keeps a
//! bounded amount of state (the model's kept events, the timeline's known events, the checkpoints, the traffic
//! history), and still seeks anywhere: a seek before the oldest kept event replays the run from a checkpoint and
//! shows what a fresh replay shows. The page's views keyed by gang (swimlanes, gang colours, lineage), synced as the
//! page syncs them, forget the gangs that ended before the oldest kept event, so they stay bounded too.
use gangplank::app::event_cursor::EventCursor;
use gangplank::app::gang_colours::GangColours;
use gangplank::app::gang_lineage::GangLineage;
use gangplank::app::lanes::{LaneBuilder, LaneKind};
use gangplank::app::presets::preset_by_id;
use gangplank::app::session::Session;
use gangplank::model::Simulation;
use gangplank::model::events::{EventKind, NodeChange};
use gangplank::model::gcs::MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT;
use gangplank::model::log::{EVENTS_DROPPED_AT_ONCE, EVENTS_KEPT};
use gangplank::model::scenario::{Action, ActionKind, NodeSpec, ReplicaRef, Times};
use gangplank::model::serve::replica::ReplicaState;
use gangplank::model::time::SimTime;
use gangplank::model::traffic::MAX_SAMPLES_HELD;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts the bytes this test binary holds (it has one test), to weigh a checkpoint: a session whose counts stay
/// bounded but whose state still grows in bytes shows there.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only the counter changes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What the session holds (what would grow with a run's length if anything were unbounded).
#[derive(Debug, Clone, Copy)]
struct Held {
    recorded: u64,
    kept_events: usize,
    known_events: usize,
    checkpoints: usize,
    traffic_samples: usize,
    traffic_pushed: usize,
}

fn held(s: &Session) -> Held {
    Held {
        recorded: s.events_recorded(),
        kept_events: s.events().len(),
        known_events: s.history().known_events().len(),
        checkpoints: s.history().checkpoints(),
        traffic_samples: s.traffic().samples.held(),
        traffic_pushed: s.traffic().samples.len(),
    }
}

/// The next fault of a cycle, as the soak benchmark injects them through the page: kill a RUNNING replica, fail a
/// RUNNING replica's health checks, kill a live node and add one back.
fn fault(s: &mut Session, i: usize) {
    let snap = s.snapshot();
    let running: Vec<_> = snap.replicas.iter().filter(|r| r.state == ReplicaState::Running).collect();
    let replica = running.get(i * 37 % running.len().max(1)).map(|r| ReplicaRef {
        app: r.app.clone(),
        deployment: r.deployment.clone(),
        id: Some(r.id.clone()),
        ..Default::default()
    });
    match (i % 4, replica) {
        (1, Some(r)) => s.inject(ActionKind::FailHealthCheck { replica: r, times: Times::Count(3) }),
        (3, _) => {
            let alive: Vec<_> = snap.nodes.iter().filter(|n| n.alive && !n.killed && !n.is_head).collect();
            s.inject(ActionKind::KillNode { node: alive[i * 13 % alive.len()].id.clone() });
            let like = s.scenario().cluster.nodes[0].clone();
            s.inject(ActionKind::AddNode { node: NodeSpec { id: format!("added-{i}"), ..like } });
        }
        (_, Some(r)) => s.inject(ActionKind::KillReplica { replica: r }),
        (_, None) => s.inject(ActionKind::KillController {}),
    }
}

/// The page's views keyed by gang, synced after every fault as the page syncs them (state.rs, swimlanes.rs).
struct Views {
    lanes: LaneBuilder,
    lineage: GangLineage,
    first_kept: u64,
    cursor: EventCursor,
    /// Gangs reserved since the start (none is forgotten here).
    reserved: usize,
}

impl Views {
    fn new(s: &Session) -> Views {
        Views {
            lanes: LaneBuilder::new(s.scenario()),
            lineage: GangLineage::default(),
            first_kept: 0,
            cursor: EventCursor::default(),
            reserved: 0,
        }
    }

    fn sync(&mut self, s: &Session) {
        let events = s.events();
        self.reserved +=
            self.cursor.unread(events).iter().filter(|e| matches!(e.kind, EventKind::GangReserved { .. })).count();
        self.lanes.sync(s.version().0, events);
        self.lineage.update(events);
        if let Some(first) = events.first().filter(|e| e.seq > self.first_kept) {
            // The session forgot the colours of gangs ended before the kept events: their lineage goes too.
            self.first_kept = first.seq;
            let hues = s.gang_colours().hues();
            let gone: Vec<String> = self.lineage.gangs().filter(|g| !hues.contains_key(*g)).map(String::from).collect();
            self.lineage.forget(&gone, first.seq);
        }
    }

    /// What they hold is what the kept events tell: no lane, mark or stretch of a gang ended before the oldest kept
    /// event; every gang with a lane has its colour; lineage only of gangs with a colour. Returns the gang lanes.
    fn check(&mut self, s: &Session) -> usize {
        let first = s.events().first().expect("events");
        let lanes = self.lanes.lanes();
        let gangs: Vec<_> = lanes.lanes.iter().filter(|l| l.kind == LaneKind::Gang).collect();
        for l in &lanes.lanes {
            assert!(l.ended.is_none_or(|t| t >= first.t), "lane {} ended before the kept events", l.key);
            assert!(l.marks.iter().all(|m| m.seq >= first.seq), "lane {} holds a dropped event's mark", l.key);
            assert!(l.segments.iter().all(|g| g.to.is_none_or(|to| to >= first.t)), "lane {}: an old stretch", l.key);
        }
        let hues = s.gang_colours().hues();
        for l in &gangs {
            assert!(hues.contains_key(&l.id), "gang {} has a lane but lost its colour", l.id);
        }
        for g in self.lineage.replacements().keys() {
            assert!(hues.contains_key(g), "a replacement of a forgotten gang {g}");
        }
        assert!(self.lineage.leaks().values().all(|(_, seq)| *seq >= first.seq));
        gangs.len()
    }
}

/// Play `session` to `until_s`, a fault every `every_s`, returning the fault count.
fn play(s: &mut Session, from_s: f64, until_s: f64, every_s: f64, faults: &mut usize, views: &mut Views) {
    let mut t = from_s;
    while t < until_s {
        t += every_s;
        s.advance_to(SimTime::from_secs_f64(t));
        *faults += 1;
        fault(s, *faults);
        views.sync(s);
    }
}

/// The run rebuilt from its description alone, as a share link would.
/// The bytes one checkpoint of the run at `t` holds (the history keeps up to 32 of them).
fn checkpoint_bytes(s: &Session, t: SimTime) -> usize {
    let mut sim = replayed(s, t);
    let before = LIVE.load(Relaxed);
    let checkpoint = sim.checkpoint();
    let bytes = LIVE.load(Relaxed) - before;
    drop(checkpoint);
    bytes
}

/// The gang colours of the run played to `t` from its description, read every simulated minute (as a page playing
/// it would: no event is dropped unread).
fn played_hues(s: &Session, t: SimTime) -> BTreeMap<String, u8> {
    let mut played = Session::new(s.scenario().clone());
    played.load_with_actions(s.scenario().clone(), s.user_actions().to_vec(), SimTime::ZERO);
    let mut colours = GangColours::default();
    let mut at = 0.0;
    while SimTime::from_secs_f64(at) < t {
        at = (at + 60.0).min(t.as_secs_f64());
        played.advance_to(SimTime::from_secs_f64(at));
        colours.update(played.events());
    }
    colours.hues().clone()
}

fn evictions(s: &Session) -> usize {
    s.events().iter().filter(|e| matches!(e.kind, EventKind::Node { change: NodeChange::Evicted, .. })).count()
}

fn replayed(s: &Session, t: SimTime) -> Simulation {
    let mut sim = Simulation::new(s.scenario());
    let actions: &[Action] = s.user_actions();
    for a in actions.iter().filter(|a| SimTime::from_secs_f64(a.at_s) <= t) {
        let at = SimTime::from_secs_f64(a.at_s);
        sim.run_until(at);
        sim.schedule(at, a.kind.clone());
        sim.run_until(at);
    }
    sim.run_until(t);
    sim
}

#[test]
fn a_long_session_with_faults_keeps_bounded_history_and_still_seeks_anywhere() {
    // Two gang deployments under traffic on 5 nodes, a fault every 15 s: the same mix as the page's soak on the big
    // cluster, small enough to run a day of simulated time in a debug build (the big cluster itself: about 1,000
    // events per simulated hour with a fault every 300 s; see BENCHMARKS-PAGE.md "Long session").
    let mut scenario = preset_by_id("teardown-under-load").unwrap().scenario().unwrap();
    scenario.until_s = 400_000.0;
    let mut s = Session::new(scenario);
    let mut views = Views::new(&s);
    let mut faults = 0;
    let every_s = 15.0;
    // Until past every cap (the events', the traffic history's), then on for as many events again as the log
    // keeps: nothing held may grow in the second part.
    let mut until = 0.0;
    while s.events_recorded() < 2 * (EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE)
        || s.traffic().samples.len() < MAX_SAMPLES_HELD + 4096
    {
        play(&mut s, until, until + 1800.0, every_s, &mut faults, &mut views);
        until += 1800.0;
    }
    let first = held(&s);
    let first_until = until;
    let (first_gangs, first_hues, first_reserved) = (views.check(&s), s.gang_colours().hues().len(), views.reserved);
    while s.events_recorded() < first.recorded + EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE {
        play(&mut s, until, until + 1800.0, every_s, &mut faults, &mut views);
        until += 1800.0;
    }
    let second = held(&s);
    eprintln!("after {first_until} s: {first:?}; after {until} s: {second:?}; {faults} faults");

    let (gangs, hues) = (views.check(&s), s.gang_colours().hues().len());
    eprintln!(
        "gang lanes {first_gangs} -> {gangs}, hues {first_hues} -> {hues}, gangs reserved {first_reserved} -> {}",
        views.reserved
    );
    // Bounded: the views hold the gangs of the kept events, not every gang of the run (which went on growing).
    assert!(views.reserved > first_reserved + gangs, "the run went on reserving gangs");
    assert!(2 * gangs < views.reserved && 2 * hues < views.reserved, "held {gangs} lanes, {hues} hues");
    assert!(
        2 * gangs < 3 * first_gangs && 2 * hues < 3 * first_hues,
        "lanes {first_gangs} -> {gangs}, hues {first_hues} -> {hues}"
    );
    assert!(second.recorded > first.recorded + EVENTS_KEPT, "the run went on: {first:?} -> {second:?}");
    let kept_max = (EVENTS_KEPT + EVENTS_DROPPED_AT_ONCE) as usize;
    for h in [first, second] {
        assert!(h.kept_events >= EVENTS_KEPT as usize && h.kept_events < kept_max, "{h:?}");
        assert!(h.known_events < kept_max, "{h:?}");
        assert!(h.checkpoints <= gangplank::app::history::MAX_CHECKPOINTS, "{h:?}");
        assert!(h.traffic_samples <= MAX_SAMPLES_HELD, "{h:?}");
    }
    assert!(second.traffic_pushed > first.traffic_pushed, "traffic went on being sampled");
    assert!(second.traffic_samples <= MAX_SAMPLES_HELD, "{first:?} -> {second:?}");

    // Kept events are numbered absolutely and end at the last recorded one.
    let events = s.events();
    assert_eq!(events.last().unwrap().seq + 1, s.events_recorded());
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert!(s.events_kept_from().is_some(), "older events were dropped, and the session says from when");
    // An exported trace says it is partial, and from which sequence number it starts.
    let trace: serde_json::Value = serde_json::from_str(&s.trace_json()).unwrap();
    assert_eq!(trace["events_dropped"].as_u64(), Some(events[0].seq), "the trace names the events it lacks");
    assert_eq!(trace["events"][0]["seq"].as_u64(), Some(events[0].seq));

    // Seek before the oldest kept event: the run there is what a fresh replay of the description shows, and each
    // gang on screen has the colour it had when the run was played there (the events that gave it were dropped).
    let end = s.now();
    let end_hues = s.gang_colours().hues().clone();
    for t in [first_until * 0.1, first_until * 0.77, (first_until + until) / 2.0] {
        let t = SimTime::from_secs_f64(t);
        s.seek(t);
        let fresh = replayed(&s, t);
        assert_eq!(s.snapshot(), fresh.snapshot(), "at {t:?}");
        assert_eq!(s.events_recorded(), fresh.events_recorded(), "at {t:?}");
        assert_eq!(s.events().last(), fresh.events().last(), "at {t:?}");
        let played = played_hues(&s, t);
        let shown: BTreeMap<String, u8> = s
            .snapshot()
            .replicas
            .iter()
            .filter(|r| r.state != ReplicaState::Stopped)
            .filter_map(|r| r.gang_context.as_ref().map(|g| (g.gang_id.clone(), s.gang_colours().hue(&g.gang_id))))
            .collect();
        assert!(!shown.is_empty(), "gangs on screen at {t:?}");
        for (g, hue) in &shown {
            assert_eq!(Some(hue), played.get(g), "gang {g} at {t:?}: its colour when played there");
        }
    }
    // And back to the end: the same events and colours as before the seeks, and the views agree with them.
    s.seek(end);
    assert_eq!(s.events_recorded(), second.recorded);
    assert_eq!(held(&s).kept_events, second.kept_events);
    assert_eq!(*s.gang_colours().hues(), end_hues);
    views.sync(&s);
    views.check(&s);

    // On until the GCS's dead-node cache is full (a node dies every fourth fault), then on for 200 more node deaths:
    // the nodes listed stop growing, and so does the state a checkpoint holds (it used to grow with every user action
    // and every dead node).
    while evictions(&s) == 0 {
        play(&mut s, until, until + 1800.0, every_s, &mut faults, &mut views);
        until += 1800.0;
    }
    let (full_at, full_bytes) = (s.now(), checkpoint_bytes(&s, s.now()));
    while evictions(&s) < 200 {
        play(&mut s, until, until + 1800.0, every_s, &mut faults, &mut views);
        until += 1800.0;
    }
    let later_bytes = checkpoint_bytes(&s, s.now());
    let nodes = s.snapshot().nodes;
    let dead = nodes.iter().filter(|n| !n.alive).count();
    eprintln!(
        "dead-node cache full at {full_at:?}: checkpoint {full_bytes} B; {} evictions later: {later_bytes} B; \
         {} nodes listed, {dead} dead; {faults} faults",
        evictions(&s),
        nodes.len()
    );
    assert_eq!(dead, MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT, "the GCS lists the last 1,000 dead nodes");
    assert!(nodes.len() <= 1 + 5 + MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT + 1, "{} nodes listed", nodes.len());
    assert!(later_bytes * 100 <= full_bytes * 105, "a checkpoint grew from {full_bytes} B to {later_bytes} B");
    // The swimlanes forget an evicted node's lane once its end is before the kept events, as they forget gangs.
    views.check(&s);
    let node_lanes = views.lanes.lanes().lanes.iter().filter(|l| l.kind == LaneKind::Node).count();
    assert!(node_lanes < nodes.len() + 200, "{node_lanes} node lanes for {} nodes listed", nodes.len());
}
