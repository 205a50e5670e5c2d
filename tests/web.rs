//! Browser tests (wasm-bindgen-test in headless Chromium): `cargo test --target wasm32-unknown-unknown --test web`.
//! Components are rendered from hand-made snapshots (a gang, a pending PG, a dead node, the controller), so these
//! tests say what the UI draws for a given model state, independent of the engine's choices.
#![cfg(target_arch = "wasm32")]

use gangplank::model::events::{Event, EventKind, TeardownCause};
use gangplank::model::invariants::Violation;
use gangplank::model::placement::{PlacementGroupState, PlacementStrategy};
use gangplank::model::resources::Resources;
use gangplank::model::scenario::ActionKind;
use gangplank::model::serve::replica::{GangContext, ReplicaStartupStatus, ReplicaState};
use gangplank::model::serve::status::{ApplicationStatus, DeploymentStatus, DeploymentStatusTrigger};
use gangplank::model::snapshot::{
    ApplicationView, BundleView, ControllerView, DeploymentView, NodeView, PlacementGroupView, ReplicaView, Snapshot,
};
use gangplank::model::time::SimTime;
use gangplank::ui::action_panel::{ActionPanel, ActionPanelProps};
use gangplank::ui::event_log::LogCategory;
use gangplank::ui::state::{Target, Teardown};
use gangplank::ui::{ClusterView, ClusterViewProps, EventLog, EventLogProps, PendingTray, PendingTrayProps};
use gangplank::ui::{StatusPanel, StatusPanelProps, ViolationBanner, ViolationBannerProps};
use gloo::timers::future::TimeoutFuture;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

const GANG: &str = "1a2b3c4d";
const PG: &str = "SERVE_GANG::app_G_0_1a2b3c4d";
const PENDING_PG: &str = "SERVE_GANG::app_G_1_99990000";
const REASON: &str = "needs 2 × {CPU: 1}; largest free: {} on w1";

fn cpu(n: f64) -> Resources {
    Resources::from_pairs([("CPU", n)])
}

fn node(id: &str, total: f64, reserved: f64, alive: bool) -> NodeView {
    let mut available = cpu(total);
    available.sub(&cpu(reserved));
    NodeView {
        id: id.into(),
        is_head: id == "head",
        alive,
        killed: false,
        resources: cpu(total),
        available,
        reserved: cpu(reserved),
        used: cpu(reserved),
        labels: BTreeMap::new(),
        draining: None,
    }
}

fn member(id: &str, rank: u32, state: ReplicaState, node: Option<&str>, pg: &str, gang: &str) -> ReplicaView {
    ReplicaView {
        id: id.into(),
        app: "app".into(),
        deployment: "G".into(),
        state,
        startup: (state == ReplicaState::Starting).then_some(ReplicaStartupStatus::PendingAllocation),
        node: node.map(Into::into),
        pg_name: Some(pg.into()),
        bundle_index: Some(rank as usize),
        gang_context: Some(GangContext {
            gang_id: gang.into(),
            rank,
            world_size: 2,
            member_replica_ids: vec![],
            pg_name: pg.into(),
        }),
        consecutive_health_failures: 0,
        actor_alive: true,
        graceful_stop: None,
        position: 0,
        since: SimTime::ZERO,
        version: "v1".into(),
        outdated: false,
        ongoing: None,
        max_ongoing: 5,
    }
}

/// A gang of two RUNNING on w1, a second gang waiting in a PENDING PG, a dead node w3, a live controller.
fn fixture() -> Snapshot {
    let bundle = |i: usize, node: Option<&str>, replica: Option<&str>| BundleView {
        index: i,
        resources: cpu(1.0),
        node: node.map(Into::into),
        replica: replica.map(Into::into),
    };
    Snapshot {
        t: SimTime::from_secs_f64(12.5),
        tick: 125,
        nodes: vec![node("head", 0.0, 0.0, true), node("w1", 2.0, 2.0, true), node("w3", 2.0, 0.0, false)],
        placement_groups: vec![
            PlacementGroupView {
                id: "pgaaaa".into(),
                name: PG.into(),
                state: PlacementGroupState::Created,
                strategy: PlacementStrategy::Pack,
                bundles: vec![bundle(0, Some("w1"), Some("rank0aaa")), bundle(1, Some("w1"), Some("rank1bbb"))],
                app: "app".into(),
                deployment: "G".into(),
                gang_id: Some(GANG.into()),
                pending_reason: None,
            },
            PlacementGroupView {
                id: "pgbbbb".into(),
                name: PENDING_PG.into(),
                state: PlacementGroupState::Pending,
                strategy: PlacementStrategy::Pack,
                bundles: vec![bundle(0, None, Some("wait0ccc")), bundle(1, None, Some("wait1ddd"))],
                app: "app".into(),
                deployment: "G".into(),
                gang_id: Some("99990000".into()),
                pending_reason: Some(REASON.into()),
            },
        ],
        replicas: vec![
            member("rank0aaa", 0, ReplicaState::Running, Some("w1"), PG, GANG),
            member("rank1bbb", 1, ReplicaState::Running, Some("w1"), PG, GANG),
            member("wait0ccc", 0, ReplicaState::Starting, None, PENDING_PG, "99990000"),
            member("wait1ddd", 1, ReplicaState::Starting, None, PENDING_PG, "99990000"),
        ],
        deployments: vec![DeploymentView {
            app: "app".into(),
            name: "G".into(),
            status: DeploymentStatus::Updating,
            status_trigger: DeploymentStatusTrigger::ConfigUpdateStarted,
            message: "Deployment 'G' has 2 replicas that have taken more than 30s to be scheduled.".into(),
            target_num_replicas: 4,
            running: 2,
            starting: 2,
            recovering: 0,
            stopping: 0,
            gang_size: Some(2),
            strategy: Some(PlacementStrategy::Pack),
            failure_count: 0,
            failure_threshold: 12,
            gang_restarts: 1,
            deleting: false,
            version: "v1".into(),
            pending_migration: 0,
            outdated: 0,
            rolling_update: false,
            rolling_update_failed: false,
            rollout_batch: 2,
            max_surge_percent: 0,
            traffic: None,
            autoscaling: None,
        }],
        applications: vec![ApplicationView { name: "app".into(), status: ApplicationStatus::Deploying }],
        controller: ControllerView {
            alive: true,
            incarnation: 2,
            recovering: false,
            restart_at_s: None,
            gcs_queries_fail_until_s: None,
            queued_calls: Vec::new(),
        },
        violations: 0,
        nodes_joined: 3,
    }
}

fn new_root() -> web_sys::Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").unwrap();
    root.set_attribute("style", "width: 900px").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

async fn settle() {
    TimeoutFuture::new(10).await;
}

fn q(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}: {}", root.inner_html()))
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    q(root, selector).text_content().unwrap_or_default()
}

fn key(el: &web_sys::Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&e).unwrap();
}

fn fire(el: &web_sys::Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let e = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    el.dispatch_event(&e).unwrap();
}

fn click(el: &web_sys::Element) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let e = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    el.dispatch_event(&e).unwrap();
}

fn cluster_props(snapshot: Snapshot, highlight: &[&str], targets: Rc<RefCell<Vec<Target>>>) -> ClusterViewProps {
    ClusterViewProps {
        snapshot: Rc::new(snapshot),
        highlight: Rc::new(highlight.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>()),
        target: None,
        gang_hues: Rc::new([(GANG.to_string(), 0u8), ("99990000".to_string(), 1u8)].into_iter().collect()),
        teardowns: Rc::new(BTreeMap::new()),
        on_target: Callback::from(move |t: Target| targets.borrow_mut().push(t)),
        on_select_event: Callback::noop(),
        now: None,
        lineage: Rc::default(),
        health_threshold: 3,
    }
}

#[wasm_bindgen_test]
async fn cluster_view_draws_a_gang_with_ranks_a_shared_hue_and_a_labelled_link() {
    let root = new_root();
    let targets = Rc::new(RefCell::new(Vec::new()));
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(fixture(), &[], targets)).render();
    settle().await;
    for (id, rank) in [("rank0aaa", "r0"), ("rank1bbb", "r1")] {
        let r = q(&root, &format!("[data-replica={id}]"));
        assert_eq!(r.get_attribute("data-state").as_deref(), Some("RUNNING"));
        assert!(r.class_list().contains("gang-member") && r.class_list().contains("hue-0"), "{id}: {}", r.class_name());
        let t = r.text_content().unwrap_or_default();
        assert!(t.contains(rank) && t.contains("RUN"), "{id} shows its rank and state: {t:?}");
        assert_eq!(r.get_attribute("role").as_deref(), Some("button"));
        assert!(r.get_attribute("aria-label").unwrap().contains(&format!("gang {GANG}")));
    }
    // Both bundles are slots in w1's card, tagged with their PG and index.
    let w1 = q(&root, "[data-node=w1]");
    let tags: Vec<String> = (0..2).map(|i| text(&w1, &format!("[data-slot='pgaaaa#{i}'] .slot-tag"))).collect();
    assert_eq!(tags, vec!["pg 1a2b #0", "pg 1a2b #1"]);
    assert!(q(&root, &format!("path.gang-link[data-gang='{GANG}']")).get_attribute("d").unwrap().contains('Q'));
    assert_eq!(text(&root, &format!("[data-gang-label='{GANG}']")), format!("gang {GANG}"));
    // The pending gang's replicas are not drawn in a node.
    assert!(root.query_selector("[data-replica=wait0ccc]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn cluster_view_greys_dead_nodes_and_shows_the_controller_on_the_head() {
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(fixture(), &[], Rc::default()))
        .render();
    settle().await;
    let w3 = q(&root, "[data-node=w3]");
    assert!(w3.class_list().contains("dead"), "w3 classes: {}", w3.class_name());
    assert!(text(&root, "[data-node=w3] .status-badge").contains("DEAD"));
    assert!(!q(&root, "[data-node=w1]").class_list().contains("dead"));
    let controller = q(&root, "[data-node=head] .controller");
    assert_eq!(controller.get_attribute("data-controller").as_deref(), Some("RUNNING"));
    assert!(controller.text_content().unwrap().contains("incarnation 2"));
    // The SVG is exposed to assistive technology, with a summary.
    let svg = q(&root, "svg.cluster-svg");
    assert_eq!(svg.get_attribute("aria-hidden"), None);
    assert!(svg.get_attribute("aria-label").unwrap().contains("3 nodes (2 alive)"));
}

/// The controller of incarnation 1, dead until 10.9 s, with these calls waiting for it.
fn dead_controller(queued: &[&str]) -> ControllerView {
    ControllerView {
        alive: false,
        incarnation: 1,
        recovering: false,
        restart_at_s: Some(10.9),
        gcs_queries_fail_until_s: None,
        queued_calls: queued.iter().map(|c| c.to_string()).collect(),
    }
}

#[wasm_bindgen_test]
async fn a_dead_controller_says_when_it_comes_back() {
    let mut snap = fixture();
    snap.controller = dead_controller(&[]);
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(snap, &[], Rc::default())).render();
    settle().await;
    let controller = q(&root, ".controller");
    assert_eq!(controller.get_attribute("data-controller").as_deref(), Some("DEAD"));
    assert!(controller.text_content().unwrap().contains("comes back at 10.90 s"));
    assert_eq!(controller.get_attribute("data-queued").as_deref(), Some("0"));
    assert!(!controller.text_content().unwrap().contains("queued"));
}

#[wasm_bindgen_test]
async fn calls_made_while_the_controller_is_down_show_as_queued() {
    let mut snap = fixture();
    snap.controller = dead_controller(&["delete_app gone", "set_num_replicas app/G → 4"]);
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(snap, &[], Rc::default())).render();
    settle().await;
    let controller = q(&root, ".controller");
    assert_eq!(controller.get_attribute("data-queued").as_deref(), Some("2"));
    assert!(controller.text_content().unwrap().contains("DEAD · 2 queued"));
    let aria = controller.get_attribute("aria-label").unwrap();
    assert!(aria.contains("delete_app gone, set_num_replicas app/G → 4"), "{aria}");
}

#[wasm_bindgen_test]
async fn selecting_an_event_highlights_what_it_touched() {
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(
        root.clone(),
        cluster_props(fixture(), &["rank1bbb", "w3"], Rc::default()),
    )
    .render();
    settle().await;
    assert!(q(&root, "[data-replica=rank1bbb]").class_list().contains("hl"));
    assert!(!q(&root, "[data-replica=rank0aaa]").class_list().contains("hl"));
    assert!(q(&root, "[data-node=w3]").class_list().contains("hl"));
}

#[wasm_bindgen_test]
async fn replicas_and_nodes_open_their_actions_by_click_and_by_keyboard() {
    let root = new_root();
    let targets = Rc::new(RefCell::new(Vec::new()));
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(fixture(), &[], targets.clone()))
        .render();
    settle().await;
    key(&q(&root, "[data-replica=rank0aaa]"), "Enter");
    key(&q(&root, "[data-node=w1] .node-header"), " ");
    click(&q(&root, "[data-node=head] .controller"));
    assert_eq!(*targets.borrow(), vec![Target::Replica("rank0aaa".into()), Target::Node("w1".into()), Target::Cluster]);
}

#[wasm_bindgen_test]
async fn a_gang_being_torn_down_flashes_together_and_its_label_links_the_cause() {
    let mut snap = fixture();
    for r in snap.replicas.iter_mut().take(2) {
        r.state = ReplicaState::Stopping;
    }
    snap.replicas[0].actor_alive = false;
    let selected = Rc::new(RefCell::new(Vec::new()));
    let mut props = cluster_props(snap, &[], Rc::default());
    props.teardowns = Rc::new(
        [(
            GANG.to_string(),
            Teardown { seq: 17, cause: TeardownCause::ActorCrashed, failed_member: Some("rank0aaa".into()) },
        )]
        .into_iter()
        .collect(),
    );
    let s = selected.clone();
    props.on_select_event = Callback::from(move |seq: u64| s.borrow_mut().push(seq));
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), props).render();
    settle().await;
    for id in ["rank0aaa", "rank1bbb"] {
        let r = q(&root, &format!("[data-replica={id}]"));
        assert!(
            r.class_list().contains("teardown") && r.class_list().contains("st-stopping"),
            "{id}: {}",
            r.class_name()
        );
        assert!(r.query_selector(".cross").unwrap().is_some(), "{id} is crossed out");
    }
    assert!(q(&root, "path.gang-link").class_list().contains("torn"));
    // Issue 14: the member that failed is told apart from its sibling, and the pill names the cause in words,
    // inside the card (the overlay), with RESTART_GANG in its tooltip.
    assert!(q(&root, "[data-replica=rank0aaa]").class_list().contains("failed"));
    assert!(text(&root, "[data-replica=rank0aaa]").contains("FAILED"));
    assert!(!q(&root, "[data-replica=rank1bbb]").class_list().contains("failed"));
    let label = q(&root, &format!("[data-teardown-pill][data-gangs='{GANG}']"));
    assert_eq!(text(&label, "text"), "torn down: actor of r0 died");
    assert!(text(&label, "title").contains("RESTART_GANG"));
    key(&label, "Enter");
    assert_eq!(*selected.borrow(), vec![17]);
}

#[wasm_bindgen_test]
async fn a_graceful_stop_drains_a_forced_one_is_crossed_and_health_reads_against_the_threshold() {
    // Issue 14: the picture carries the cause.
    let mut snap = fixture();
    snap.replicas[0].state = ReplicaState::Stopping;
    snap.replicas[0].graceful_stop = Some(true);
    snap.replicas[1].consecutive_health_failures = 2;
    let mut props = cluster_props(snap, &[], Rc::default());
    props.health_threshold = 3;
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let graceful = q(&root, "[data-replica=rank0aaa]");
    assert!(graceful.class_list().contains("graceful"), "{}", graceful.class_name());
    assert!(graceful.query_selector(".cross").unwrap().is_none(), "a graceful stop is not crossed out");
    assert!(graceful.query_selector(".drain").unwrap().is_some(), "it drains");
    assert!(graceful.get_attribute("aria-label").unwrap().contains("stopping gracefully"));
    assert_eq!(text(&root, "[data-replica=rank1bbb] .hc-mark"), "2/3");
}

#[wasm_bindgen_test]
async fn pending_tray_shows_the_waiting_pg_with_its_reason_and_replicas() {
    let root = new_root();
    let targets = Rc::new(RefCell::new(Vec::new()));
    let t = targets.clone();
    let props = PendingTrayProps {
        snapshot: Rc::new(fixture()),
        highlight: Rc::default(),
        gang_hues: Rc::default(),
        on_target: Callback::from(move |x: Target| t.borrow_mut().push(x)),
        explained: None,
        on_explain: Callback::noop(),
    };
    yew::Renderer::<PendingTray>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(text(&root, "h2").contains("(1)"));
    let pg = q(&root, &format!("[data-pg='{PENDING_PG}']"));
    assert!(pg.text_content().unwrap().contains("PENDING"));
    assert_eq!(text(&root, "[data-testid=pending-reason]"), REASON);
    assert!(text(&root, ".pending-needs").contains("2 × {CPU: 1}"));
    let chip = q(&root, "button[data-replica=wait1ddd]");
    assert!(chip.text_content().unwrap().contains("START r1"));
    click(&chip);
    assert_eq!(*targets.borrow(), vec![Target::Replica("wait1ddd".into())]);
}

#[wasm_bindgen_test]
async fn status_panel_shows_status_trigger_message_and_counts() {
    let root = new_root();
    let props =
        StatusPanelProps { snapshot: Rc::new(fixture()), highlight: Rc::default(), on_target: Callback::noop() };
    yew::Renderer::<StatusPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(text(&root, "[data-testid=app-status]"), "DEPLOYING");
    assert_eq!(text(&root, "[data-testid=deployment-status]"), "UPDATING");
    assert!(text(&root, ".trigger").contains("CONFIG_UPDATE_STARTED"));
    assert_eq!(text(&root, "[data-testid=running-vs-target]"), "2 / 4 running");
    assert!(text(&root, ".dep-meta").contains("start-up failures 0/12 · gang restarts 1"));
    assert!(text(&root, ".dep-message").contains("taken more than 30s"));
}

#[wasm_bindgen_test]
async fn event_log_lists_newest_first_and_selects_on_click() {
    let ev = |seq: u64, t: f64, reason: &str| Event {
        seq,
        t: SimTime::from_secs_f64(t),
        tick: (t * 10.0) as u64,
        kind: EventKind::GangTeardown {
            app: "app".into(),
            deployment: "G".into(),
            gang_id: GANG.into(),
            members: vec!["rank0aaa".into(), "rank1bbb".into()],
            cause: TeardownCause::ActorCrashed,
            failed_member: Some("rank0aaa".into()),
        },
        reason: reason.into(),
        cause: None,
    };
    let selected = Rc::new(RefCell::new(Vec::new()));
    let s = selected.clone();
    let props = EventLogProps {
        log: Rc::new(vec![ev(2, 10.4, "second"), ev(1, 10.0, "first")]),
        matching: 2,
        total: 5,
        kept_from: None,
        category: LogCategory::Faults,
        text: String::new(),
        selected: None,
        chain: Rc::default(),
        on_select: Callback::from(move |x: Option<u64>| s.borrow_mut().push(x)),
        on_category: Callback::noop(),
        on_text: Callback::noop(),
    };
    let root = new_root();
    yew::Renderer::<EventLog>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let rows = root.query_selector_all(".events .ev-reason").unwrap();
    assert_eq!(rows.length(), 2);
    assert_eq!(rows.get(0).unwrap().text_content().unwrap(), "second");
    assert!(text(&root, ".events li").contains("TEARDOWN"));
    click(&q(&root, "button[data-seq='1']"));
    assert_eq!(*selected.borrow(), vec![Some(1)]);
}

/// Issue 16: once the model dropped its oldest events, the log says from when it keeps them; before, it says nothing.
#[wasm_bindgen_test]
async fn event_log_says_when_older_events_are_no_longer_kept() {
    for (kept_from, note) in [
        (None, None),
        (
            Some(SimTime::from_secs_f64(7597.7)),
            Some("Events before t = 7597.7 s are no longer kept; seeking there replays them."),
        ),
    ] {
        let props = EventLogProps {
            log: Rc::new(Vec::new()),
            matching: 0,
            total: 95_000,
            kept_from,
            category: LogCategory::All,
            text: String::new(),
            selected: None,
            chain: Rc::default(),
            on_select: Callback::noop(),
            on_category: Callback::noop(),
            on_text: Callback::noop(),
        };
        let root = new_root();
        yew::Renderer::<EventLog>::with_root_and_props(root.clone(), props).render();
        settle().await;
        let shown = root.query_selector("[data-testid=log-kept]").unwrap().and_then(|e| e.text_content());
        assert_eq!(shown.as_deref(), note);
    }
}

#[wasm_bindgen_test]
async fn app_mounts_with_a_preset_and_steps_through_events() {
    let root = new_root();
    yew::Renderer::<gangplank::ui::App>::with_root(root.clone()).render();
    settle().await;
    assert!(text(&root, "header").contains("Gangplank"));
    assert!(text(&root, "footer").contains(env!("CARGO_PKG_VERSION")));
    assert!(!text(&root, "[data-testid=what-to-watch]").is_empty());
    let clock = || text(&root, "[data-testid=clock] .clock-t");
    assert_eq!(clock(), "0.00 s");
    click(&q(&root, "[data-testid=step-tick]"));
    settle().await;
    assert_eq!(clock(), "0.10 s");
    for _ in 0..30 {
        click(&q(&root, "[data-testid=step-event]"));
    }
    settle().await;
    // The default preset's two gangs are placed: four replicas in cards, two gang links.
    assert_eq!(root.query_selector_all(".cluster-svg [data-replica]").unwrap().length(), 4);
    assert_eq!(root.query_selector_all("path.gang-link").unwrap().length(), 2);
    assert!(root.query_selector_all(".events li").unwrap().length() > 5);
    // Reset goes back to zero.
    click(&q(&root, "[data-testid=reset]"));
    settle().await;
    assert_eq!(clock(), "0.00 s");
}

#[wasm_bindgen_test]
fn the_fatal_panel_shows_the_message_and_a_reload_button() {
    gangplank::ui::panic::show_fatal("something broke");
    let doc = gloo::utils::document();
    let panel = doc.get_element_by_id("fatal").unwrap();
    assert!(!panel.has_attribute("hidden"));
    assert_eq!(doc.get_element_by_id("fatal-message").unwrap().text_content().unwrap(), "something broke");
    assert!(panel.query_selector("button").unwrap().unwrap().text_content().unwrap().contains("Reload"));
    panel.remove();
}

#[wasm_bindgen_test]
async fn violations_are_shown_loudly_as_an_alert() {
    let root = new_root();
    let v = Violation {
        t_s: 10.4,
        tick: 104,
        invariant: "gang_whole".into(),
        message: "gang 1a2b3c4d has 1 RUNNING member of 2".into(),
        reproduces_ray_2_60: false,
    };
    let flaw = Violation {
        invariant: "ray_2_60_orphan".into(),
        message: "a known Ray 2.60 flaw".into(),
        reproduces_ray_2_60: true,
        ..v.clone()
    };
    let props = ViolationBannerProps { violations: Rc::new(vec![v, flaw]) };
    yew::Renderer::<ViolationBanner>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let banner = q(&root, "[data-testid=violations]");
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    let t = banner.text_content().unwrap();
    assert!(t.contains("1 invariant violation") && t.contains("gang_whole") && t.contains("10.40 s"), "{t}");
    assert!(!t.contains("ray_2_60_orphan"), "a reproduced Ray flaw is not a model bug");
    let flaws = q(&root, "[data-testid=ray-flaws]").text_content().unwrap();
    assert!(flaws.contains("Ray 2.60") && flaws.contains("ray_2_60_orphan"), "{flaws}");
}

#[wasm_bindgen_test]
async fn no_violation_no_banner() {
    let root = new_root();
    yew::Renderer::<ViolationBanner>::with_root_and_props(
        root.clone(),
        ViolationBannerProps { violations: Rc::default() },
    )
    .render();
    settle().await;
    assert!(root.query_selector("[data-testid=violations]").unwrap().is_none());
}

// ===== cross-platform determinism ===============================================================================

#[path = "golden/mod.rs"]
mod golden;

/// The wasm half of the determinism check (tests/cross_platform.rs is the native half): the same scenarios give
/// traces with the same golden hashes in the browser as natively.
#[wasm_bindgen_test]
fn wasm_traces_are_byte_identical_to_native_ones() {
    for (name, text) in golden::SCENARIOS {
        let want = golden::expected(name).expect("every golden scenario has a hash");
        assert_eq!(golden::trace_hash(text), want, "{name}: the wasm trace differs from the native one");
    }
}

/// The fixture mid rolling update from v1 to v2 on a draining w1: rank 0 already runs v2, rank 1 is an outdated
/// v1 replica PENDING_MIGRATION; w1 is preempted with its deadline at 24.8 s (12.3 s after the snapshot's 12.5 s).
fn upgrade_and_drain_fixture() -> Snapshot {
    use gangplank::model::cluster::{DrainReason, NodeDrain};
    let mut s = fixture();
    s.replicas[0].version = "v2".into();
    s.replicas[1].version = "v1".into();
    s.replicas[1].outdated = true;
    s.replicas[1].state = ReplicaState::PendingMigration;
    s.nodes[1].draining = Some(NodeDrain {
        reason: DrainReason::Preemption,
        message: "spot instance reclaimed".into(),
        deadline: Some(SimTime::from_secs_f64(24.8)),
        since: SimTime::from_secs_f64(10.0),
    });
    let d = &mut s.deployments[0];
    d.version = "v2".into();
    d.rolling_update = true;
    d.outdated = 3;
    d.pending_migration = 1;
    d.running = 1;
    d.rollout_batch = 2;
    d.max_surge_percent = 25;
    s
}

#[wasm_bindgen_test]
async fn a_token_shows_its_version_and_an_outdated_one_looks_different() {
    let root = new_root();
    let props = cluster_props(upgrade_and_drain_fixture(), &[], Rc::default());
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let current = q(&root, "[data-replica=rank0aaa]");
    assert_eq!(current.get_attribute("data-version").as_deref(), Some("v2"));
    assert_eq!(text(&current, ".version-mark text"), "v2");
    assert!(!current.class_list().contains("outdated"));
    assert!(!q(&current, ".version-mark").class_list().contains("outdated"));
    let old = q(&root, "[data-replica=rank1bbb]");
    assert_eq!(text(&old, ".version-mark text"), "v1");
    assert!(old.class_list().contains("outdated") && q(&old, ".version-mark").class_list().contains("outdated"));
    assert!(old.get_attribute("aria-label").unwrap().contains("version v1 (outdated"));
    // PENDING_MIGRATION has its own class and label.
    assert!(old.class_list().contains("st-migrating"), "{}", old.class_name());
    assert!(text(&old, ".state-label").starts_with("MIGR"));
    // Before any new version, every replica is v1: no badge clutters the tokens.
    let root2 = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root2.clone(), cluster_props(fixture(), &[], Rc::default()))
        .render();
    settle().await;
    assert_eq!(q(&root2, "[data-replica=rank0aaa]").get_attribute("data-version").as_deref(), Some("v1"));
    assert!(root2.query_selector(".version-mark").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_draining_node_card_says_draining_why_and_the_time_left() {
    let root = new_root();
    let props = cluster_props(upgrade_and_drain_fixture(), &[], Rc::default());
    yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let w1 = q(&root, "[data-node=w1]");
    assert!(w1.class_list().contains("draining"), "{}", w1.class_name());
    let badge = q(&w1, "[data-testid=drain-badge]");
    assert_eq!(badge.get_attribute("data-reason").as_deref(), Some("DRAIN_NODE_REASON_PREEMPTION"));
    assert_eq!(text(&badge, ".drain-word"), "DRAINING");
    assert_eq!(text(&badge, ".drain-detail"), "preemption · killed in 12.3 s");
    assert!(
        q(&w1, ".node-header").get_attribute("aria-label").unwrap().contains("DRAINING (DRAIN_NODE_REASON_PREEMPTION")
    );
    // Nodes that do not drain say nothing of it.
    assert!(root.query_selector("[data-node=head] [data-testid=drain-badge]").unwrap().is_none());

    // No deadline; idle termination.
    let mut s = upgrade_and_drain_fixture();
    let d = s.nodes[1].draining.as_mut().unwrap();
    d.deadline = None;
    d.reason = gangplank::model::cluster::DrainReason::IdleTermination;
    let root2 = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(root2.clone(), cluster_props(s, &[], Rc::default())).render();
    settle().await;
    assert_eq!(text(&root2, "[data-node=w1] .drain-detail"), "idle termination · no deadline");
}

fn action_panel(target: Target, snapshot: Snapshot) -> (web_sys::Element, Rc<RefCell<Vec<ActionKind>>>) {
    let injected = Rc::new(RefCell::new(Vec::new()));
    let i = injected.clone();
    let props = ActionPanelProps {
        target,
        snapshot: Rc::new(snapshot),
        on_inject: Callback::from(move |k: ActionKind| i.borrow_mut().push(k)),
        on_target: Callback::noop(),
    };
    let root = new_root();
    yew::Renderer::<ActionPanel>::with_root_and_props(root.clone(), props).render();
    (root, injected)
}

#[wasm_bindgen_test]
async fn the_action_panel_offers_deploy_new_version_and_drain_node() {
    // A deployment at v1: "Deploy new version v2" injects DeployVersion with only the version set.
    let (root, injected) = action_panel(Target::Deployment { app: "app".into(), deployment: "G".into() }, fixture());
    settle().await;
    let deploy = q(&root, "button.act[data-testid=deploy-version]");
    assert!(deploy.text_content().unwrap().contains("Deploy new version v2"));
    assert!(text(&root, "[data-testid=target-version]").contains("target version v1"));
    click(&deploy);
    match injected.borrow().as_slice() {
        [ActionKind::DeployVersion { deployment, version, num_replicas: None, user_config: None, .. }] => {
            assert_eq!((deployment.app.as_str(), deployment.deployment.as_str()), ("app", "G"));
            assert_eq!(version.as_deref(), Some("v2"));
        }
        other => panic!("expected one DeployVersion, got {other:?}"),
    }
    // A surge typed in goes with the new version; a user_config change is a deploy without a new version.
    injected.borrow_mut().clear();
    let surge: web_sys::HtmlInputElement = wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=surge]")).unwrap();
    surge.set_value("25");
    fire(&surge, "input");
    settle().await;
    click(&q(&root, "button.act[data-testid=deploy-version]"));
    click(&q(&root, "button.act[data-testid=deploy-user-config]"));
    match injected.borrow().as_slice() {
        [
            ActionKind::DeployVersion { version: Some(v), max_surge_percent: Some(25), user_config: None, .. },
            ActionKind::DeployVersion { version: None, max_surge_percent: None, user_config: Some(_), .. },
        ] => assert_eq!(v, "v2"),
        other => panic!("expected a surge deploy and a user_config deploy, got {other:?}"),
    }

    // A live worker node: "Drain node w1" injects a preemption with a 30 s deadline.
    let (root, injected) = action_panel(Target::Node("w1".into()), fixture());
    settle().await;
    let drain = q(&root, "button.act[data-testid=drain-node]");
    assert!(drain.text_content().unwrap().contains("Drain node w1"));
    assert_eq!(drain.get_attribute("disabled"), None);
    click(&drain);
    assert_eq!(
        *injected.borrow(),
        vec![ActionKind::DrainNode {
            deadline_s: Some(30.0),
            node: "w1".into(),
            reason: Some("DRAIN_NODE_REASON_PREEMPTION".into()),
            reason_message: None,
        }]
    );

    // The reason and the deadline are the user's: an idle termination with no deadline.
    let (root, injected) = action_panel(Target::Node("w1".into()), fixture());
    settle().await;
    let deadline: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=drain-deadline]")).unwrap();
    deadline.set_value("");
    fire(&deadline, "input");
    let reason: web_sys::HtmlSelectElement =
        wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=drain-reason]")).unwrap();
    reason.set_value("DRAIN_NODE_REASON_IDLE_TERMINATION");
    fire(&reason, "change");
    settle().await;
    click(&q(&root, "button.act[data-testid=drain-node]"));
    assert_eq!(
        *injected.borrow(),
        vec![ActionKind::DrainNode {
            deadline_s: None,
            node: "w1".into(),
            reason: Some("DRAIN_NODE_REASON_IDLE_TERMINATION".into()),
            reason_message: None,
        }]
    );
    // A deadline that is not a number is said so, and nothing can be injected.
    deadline.set_value("-1");
    fire(&deadline, "input");
    settle().await;
    assert!(text(&root, ".form-error").contains("number of seconds"));
    assert!(q(&root, "button.act[data-testid=drain-node]").has_attribute("disabled"));

    // The head node has no Drain button; a draining node's is disabled and it says it drains.
    let (root, _) = action_panel(Target::Node("head".into()), fixture());
    settle().await;
    assert!(root.query_selector("[data-testid=drain-node]").unwrap().is_none());
    let (root, injected) = action_panel(Target::Node("w1".into()), upgrade_and_drain_fixture());
    settle().await;
    let drain = q(&root, "button.act[data-testid=drain-node]");
    assert!(drain.has_attribute("disabled"));
    click(&drain);
    assert!(injected.borrow().is_empty());
    assert!(text(&root, ".target-desc").contains("DRAINING (preemption · killed in 12.3 s)"));
}

#[wasm_bindgen_test]
fn next_version_labels() {
    use gangplank::ui::action_panel::next_version_label;
    assert_eq!(next_version_label("v1"), "v2");
    assert_eq!(next_version_label("v9"), "v10");
    assert_eq!(next_version_label("blue"), "blue-next");
    assert_eq!(next_version_label("v1 #2"), "v2");
    assert_eq!(next_version_label("v"), "v-next");
}

#[wasm_bindgen_test]
async fn status_panel_shows_the_target_version_and_the_rolling_update() {
    let root = new_root();
    let snapshot = Rc::new(upgrade_and_drain_fixture());
    let props = StatusPanelProps { snapshot: snapshot.clone(), highlight: Rc::default(), on_target: Callback::noop() };
    yew::Renderer::<StatusPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(text(&root, "[data-testid=deployment-version]"), "v2");
    assert_eq!(text(&root, "[data-testid=rollout]"), "rolling update to v2: 3 of 4 outdated, batch 2, surge 25 %");
    assert!(text(&root, "[data-testid=pending-migration]").contains("1 PENDING_MIGRATION"));
    assert!(root.query_selector("[data-testid=rollout-failed]").unwrap().is_none());

    let mut failed = upgrade_and_drain_fixture();
    failed.deployments[0].rolling_update = false;
    failed.deployments[0].rolling_update_failed = true;
    let root = new_root();
    let props = StatusPanelProps { snapshot: Rc::new(failed), highlight: Rc::default(), on_target: Callback::noop() };
    yew::Renderer::<StatusPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(text(&root, "[data-testid=rollout-failed]").contains("rolling update to v2 failed"));
    assert!(q(&root, "[data-deployment='app/G']").class_list().contains("rollout-failed"));
}

#[wasm_bindgen_test]
async fn the_scenario_picker_names_a_scenario_that_is_no_preset_as_yours() {
    use gangplank::ui::scenario_picker::{ScenarioPicker, ScenarioPickerProps};
    let root = new_root();
    let props =
        ScenarioPickerProps { preset_id: String::new(), scenario_name: String::new(), on_pick: Callback::noop() };
    yew::Renderer::<ScenarioPicker>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let select: web_sys::HtmlSelectElement =
        wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=scenario]")).unwrap();
    let chosen = select.selected_options().item(0).unwrap();
    assert_eq!(chosen.text_content().unwrap(), "Your scenario (not a preset)");
    // A preset shows itself, with no such option.
    let root2 = new_root();
    let props =
        ScenarioPickerProps { preset_id: "spot-drain".into(), scenario_name: String::new(), on_pick: Callback::noop() };
    yew::Renderer::<ScenarioPicker>::with_root_and_props(root2.clone(), props).render();
    settle().await;
    let select: web_sys::HtmlSelectElement =
        wasm_bindgen::JsCast::dyn_into(q(&root2, "[data-testid=scenario]")).unwrap();
    assert_eq!(select.value(), "spot-drain");
    assert!(root2.query_selector("option[value='']").unwrap().is_none());
}

// ---- traffic and autoscaling ------------------------------------------------------------------------------

use gangplank::model::snapshot::{AutoscalingView, TrafficView};
use gangplank::model::traffic::{Totals, TrafficSample};
use gangplank::ui::chart_series::{Limits, chart_data};
use gangplank::ui::traffic_chart::{ChartPlot, ChartPlotProps, TrafficChart, TrafficChartProps};

fn traffic_view(served: f32, failed: f32, whole_gangs: u32, totals: Totals) -> TrafficView {
    TrafficView {
        offered_rps: 16.0,
        served_rps: served,
        failed_rps: failed,
        queued: 0.0,
        ongoing_per_replica: 3.2,
        routable: 2,
        whole_gangs,
        max_ongoing_requests: 5,
        max_queued_requests: None,
        totals,
    }
}

/// The fixture's deployment serving 16 requests/s, its gang of two RUNNING replicas with 3.5 requests in flight
/// each; with `autoscaling`, autoscaled between 2 and 8 and waiting to upscale.
fn traffic_fixture(autoscaling: bool) -> Snapshot {
    let mut s = fixture();
    for r in s.replicas.iter_mut().filter(|r| r.state == ReplicaState::Running) {
        r.ongoing = Some(3.5);
    }
    let d = &mut s.deployments[0];
    d.traffic =
        Some(traffic_view(16.0, 0.0, 1, Totals { offered: 200.0, served: 197.0, died: 3.0, ..Default::default() }));
    d.gang_restarts = 1;
    d.autoscaling = autoscaling.then(|| AutoscalingView {
        min_replicas: 2,
        max_replicas: 8,
        target_ongoing_requests: 2.0,
        total_num_requests: 6.4,
        desired: 3.2,
        waiting: Some((true, 1.8, 3.0)),
        explanation: "6.4 requests / target_ongoing_requests 2 = 3.2 replicas, rounded up to whole gangs: 4".into(),
    });
    s
}

fn session_at(preset: &str, t_s: f64) -> gangplank::ui::state::SessionCell {
    let scenario = gangplank::app::presets::preset_by_id(preset).unwrap().scenario().unwrap();
    let mut s = gangplank::app::session::Session::new(scenario);
    s.advance_to(SimTime::from_secs_f64(t_s));
    gangplank::ui::state::SessionCell(Rc::new(RefCell::new(s)))
}

fn sample(t_s: u64, offered: f32, failed: f32, replicas: u32) -> TrafficSample {
    TrafficSample {
        t: SimTime::from_secs_f64(t_s as f64),
        deployment: 0,
        offered_rps: offered,
        served_rps: offered - failed,
        failed_rps: failed,
        queued: 0.0,
        ongoing_per_replica: 1.0,
        replicas,
        target: 4,
        whole_gangs: replicas / 2,
    }
}

#[wasm_bindgen_test]
async fn the_chart_draws_its_lines_from_the_samples_on_the_time_axis() {
    // 30 s of 8 requests/s, two failed at 20 s while a gang was down.
    let samples: Vec<TrafficSample> =
        (1..=30).map(|t| if t == 20 { sample(t, 8.0, 2.0, 2) } else { sample(t, 8.0, 0.0, 4) }).collect();
    let end = SimTime::from_secs_f64(60.0);
    let limits = Limits { max_ongoing: 5.0, target_ongoing: Some(2.0), max_replicas: Some(8) };
    let data = chart_data(&samples, end, 600.0, limits);
    let root = new_root();
    let props = ChartPlotProps {
        data: Rc::new(data),
        markers: Rc::new(vec![(200.0, "m-fault", "fault at 20.00 s: replica killed".to_string())]),
        limits,
        end,
        gangs: true,
    };
    yew::Renderer::<ChartPlot>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let points = q(&root, "polyline.tc-served").get_attribute("points").unwrap();
    assert_eq!(points.split(' ').count(), 30, "one point a sample: {points}");
    // 8 requests/s on an axis whose top is 8: at the top of the plot, under the 12 px of headroom for its label.
    assert!(points.starts_with("10.0,") && points.ends_with("300.0,12.0"), "{points}");
    // The failure is one red spike at 20 s (x = 200 of 600 for 60 s), nothing elsewhere.
    assert_eq!(q(&root, "path.tc-failed").get_attribute("d").unwrap().matches('M').count(), 1);
    assert!(q(&root, "path.tc-failed").get_attribute("d").unwrap().starts_with("M200.0 56.0V"));
    assert_eq!(text(&root, ".tc-failed-label"), "2 failed/s");
    // Steps for the replicas, the autoscaler's target and the ceiling as level lines, the marker with its tooltip.
    assert!(root.query_selector("polyline.tc-routable").unwrap().is_some());
    assert!(root.query_selector("polyline.tc-gangs").unwrap().is_some());
    assert!(text(&root, ".tc-target-ongoing").contains("target_ongoing_requests 2"));
    assert!(text(&root, ".tc-max").contains("max_ongoing_requests 5"));
    assert!(text(&root, "line.tc-marker.m-fault").contains("replica killed"));
    assert!(root.text_content().unwrap().contains("replicas (0–8)"));
}

#[wasm_bindgen_test]
async fn the_chart_is_hidden_without_traffic_and_sums_up_a_run_with_it() {
    let root = new_root();
    let session = session_at("steady-pack", 10.0);
    let now = session.0.borrow().now();
    let snapshot = Rc::new(session.0.borrow().snapshot());
    let props =
        TrafficChartProps { session, now, events_total: 0, user_actions: 0, snapshot, highlight: Rc::default() };
    yew::Renderer::<TrafficChart>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(root.query_selector("[data-testid=traffic-chart]").unwrap().is_none(), "{}", root.inner_html());

    let root = new_root();
    let session = session_at("teardown-under-load", 25.0);
    let (now, events) = (session.0.borrow().now(), session.0.borrow().events().len());
    let snapshot = Rc::new(session.0.borrow().snapshot());
    let props =
        TrafficChartProps { session, now, events_total: events, user_actions: 0, snapshot, highlight: Rc::default() };
    yew::Renderer::<TrafficChart>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let label = q(&root, "[data-testid=traffic-plot]").get_attribute("aria-label").unwrap();
    assert!(label.starts_with("roomy/Model at 25 s: offered 8 req/s"), "{label}");
    assert!(label.contains("4 of 4 replicas routable, 2 whole gangs"), "{label}");
    assert_eq!(q(&root, "[data-testid=traffic-plot]").get_attribute("role").as_deref(), Some("img"));
    // Two deployments: a selector, and the 25 samples of the first drawn; the kill shows as a red spike.
    assert_eq!(root.query_selector_all("[data-testid=traffic-deployment] option").unwrap().length(), 2);
    assert_eq!(q(&root, ".tc-svg").get_attribute("data-samples").as_deref(), Some("25"));
    assert!(!q(&root, "path.tc-failed").get_attribute("d").unwrap().is_empty(), "failures at the kill");
    assert!(root.query_selector("line.tc-marker.m-teardown").unwrap().is_some());
    assert!(text(&root, ".tc-legend").contains("whole gangs"));
}

#[wasm_bindgen_test]
async fn routable_replicas_get_a_load_gauge_filled_to_their_deployments_level() {
    let root = new_root();
    yew::Renderer::<ClusterView>::with_root_and_props(
        root.clone(),
        cluster_props(traffic_fixture(false), &[], Rc::default()),
    )
    .render();
    settle().await;
    // The gauges live in their own layer, one level per deployment (3.5 of 5 in flight: 0.70), one gauge per
    // routable replica drawn in a card.
    let g = q(&root, "[data-testid=load-layer] [data-load-deployment]");
    assert_eq!(g.get_attribute("data-level").as_deref(), Some("0.700"));
    assert_eq!(g.get_attribute("data-gauges").as_deref(), Some("2"));
    // Each fill is 70 % of its track: the paths' bounding boxes (two gauges side by side, same heights).
    let fill = q(&root, "[data-testid=load-layer] .load-fill").get_bounding_client_rect().height();
    let track = q(&root, "[data-testid=load-layer] .load-track").get_bounding_client_rect().height();
    assert!(track > 0.0 && (fill / track - 0.70).abs() < 0.05, "{fill} of {track}");
    // Tokens are not redrawn for load: they do not carry it.
    assert!(root.query_selector("[data-replica=rank0aaa] .load").unwrap().is_none());
    // Replicas the routers do not send to (the STARTING gang) have none: 2 gauges, not 4.
}

#[wasm_bindgen_test]
async fn the_status_panel_says_traffic_failures_zero_downtime_and_the_autoscaler_s_decision() {
    let root = new_root();
    let props = StatusPanelProps {
        snapshot: Rc::new(traffic_fixture(true)),
        highlight: Rc::default(),
        on_target: Callback::noop(),
    };
    yew::Renderer::<StatusPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(
        text(&root, "[data-testid=traffic-line]"),
        "offered 16.0 req/s · served 16.0 · failed 0 · queued 0 · 1 whole gang serving"
    );
    // A gang restart is under way (2 of 4 running) and one gang still serves.
    assert_eq!(text(&root, "[data-testid=zero-downtime]"), "zero downtime: traffic kept flowing on 1 gang");
    assert_eq!(text(&root, "[data-testid=requests-failed]"), "3 requests failed since the start (actor died 3)");
    assert!(text(&root, "[data-testid=autoscaling-line]").starts_with(
        "autoscaling 2–8 · target_ongoing_requests 2 · last decision: 6.4 requests / target_ongoing_requests 2"
    ));
    assert_eq!(text(&root, "[data-testid=autoscaling-waiting]"), "upscale in 1.2 s (delay 3 s)");

    // Without traffic or autoscaling, none of it.
    let root = new_root();
    let props =
        StatusPanelProps { snapshot: Rc::new(fixture()), highlight: Rc::default(), on_target: Callback::noop() };
    yew::Renderer::<StatusPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    for id in ["traffic-line", "zero-downtime", "requests-failed", "autoscaling-line"] {
        assert!(root.query_selector(&format!("[data-testid={id}]")).unwrap().is_none(), "{id}");
    }
}

#[wasm_bindgen_test]
async fn the_action_panel_sets_traffic_and_refuses_manual_scaling_when_autoscaled() {
    let target = Target::Deployment { app: "app".into(), deployment: "G".into() };
    let (root, injected) = action_panel(target.clone(), traffic_fixture(true));
    settle().await;
    let replicas = q(&root, "[data-testid=num-replicas]");
    assert!(replicas.has_attribute("disabled"));
    assert!(q(&root, "button.act[data-testid=set-replicas]").has_attribute("disabled"));
    assert_eq!(
        text(&root, "[data-testid=scale-disabled-reason]"),
        "Manually setting num_replicas is not allowed when autoscaling_config is provided."
    );
    // The rate starts at the offered load; a new one is sent as a constant load.
    let rps: web_sys::HtmlInputElement = wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=traffic-rps]")).unwrap();
    assert_eq!(rps.value(), "16");
    rps.set_value("24.5");
    fire(&rps, "input");
    settle().await;
    let set = q(&root, "button.act[data-testid=set-traffic]");
    assert_eq!(set.text_content().unwrap(), "Set traffic to 24.5 req/s");
    click(&set);
    match injected.borrow().as_slice() {
        [ActionKind::SetTraffic { deployment, load, service_time_s: None }] => {
            assert_eq!((deployment.app.as_str(), deployment.deployment.as_str()), ("app", "G"));
            assert_eq!((load.len(), load[0].shape.as_str(), load[0].rps), (1, "constant", Some(24.5)));
        }
        other => panic!("expected one SetTraffic, got {other:?}"),
    }
    // Not a rate: said inline, and nothing can be sent.
    for bad in ["-3", "1e9", "many"] {
        rps.set_value(bad);
        fire(&rps, "input");
        settle().await;
        assert_eq!(
            text(&root, "[data-testid=traffic-rps-error]"),
            "Requests per second is a number from 0 to 10,000,000."
        );
        assert!(q(&root, "button.act[data-testid=set-traffic]").has_attribute("disabled"), "{bad}");
    }

    // A deployment without autoscaling keeps its scale control.
    let (root, _) = action_panel(target, traffic_fixture(false));
    settle().await;
    assert!(!q(&root, "[data-testid=num-replicas]").has_attribute("disabled"));
    assert!(root.query_selector("[data-testid=scale-disabled-reason]").unwrap().is_none());
}

// ===== Placement explanation (issue 13: "Explain every placement") =====

/// The explanation of the waiting gang's placement group in the not-enough-resources preset at 3 s.
fn pending_explanation() -> Rc<gangplank::model::placement_explain::PlacementExplanation> {
    let cell = session_at("not-enough-resources", 3.0);
    let session = cell.0.borrow();
    let snap = session.snapshot();
    let pg = snap.placement_groups.iter().find(|p| p.state == PlacementGroupState::Pending).expect("a gang waits");
    Rc::new(session.explain_placement(&pg.name).expect("explained"))
}

#[wasm_bindgen_test]
async fn the_placement_panel_is_a_captioned_table_with_a_verdict_per_node_and_a_summary() {
    use gangplank::ui::placement_panel::{PlacementPanel, PlacementPanelProps};
    let e = pending_explanation();
    let closed = Rc::new(RefCell::new(0));
    let c = closed.clone();
    let props = PlacementPanelProps {
        explanation: e.clone(),
        chain: Rc::default(),
        on_close: Callback::from(move |_| *c.borrow_mut() += 1),
        on_select_event: Callback::noop(),
    };
    let root = new_root();
    yew::Renderer::<PlacementPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(text(&root, "h2").starts_with("Placement of placement group SERVE_GANG::app_G_1_"));
    assert_eq!(text(&root, "[data-testid=placement-summary]"), e.summary);
    assert!(e.summary.starts_with("Not enough free resources"), "{}", e.summary);
    assert!(text(&root, "table caption").starts_with("Every node against placement group"));
    // Column headers: the node, each resource (needs / free), labels, verdict; one row per node, headed by its id.
    let heads: Vec<String> = (0..root.query_selector_all("thead th").unwrap().length())
        .map(|i| root.query_selector_all("thead th").unwrap().get(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(heads.len(), 4, "{heads:?}");
    assert_eq!(heads[0], "Node");
    assert_eq!(heads[1], "Verdict");
    assert_eq!(heads[2], "CPUneeds / free", "{heads:?}");
    assert_eq!(root.query_selector_all("tbody tr").unwrap().length(), 2);
    assert_eq!(q(&root, "tbody tr[data-node=w1] th").get_attribute("scope").as_deref(), Some("row"));
    assert_eq!(text(&root, "tbody tr[data-node=w1] td.pe-res"), "1 / 0");
    let verdict = text(&root, "tr[data-node=w1] [data-testid=placement-verdict]");
    assert_eq!(verdict, "✗ does not fit: CPU: needs 1, free 0");
    assert!(q(&root, "tr[data-node=w1] .pe-mark").get_attribute("aria-hidden").is_some());
    // The table scrolls inside the panel, and the scroller is reachable by keyboard.
    let scroller = q(&root, ".pe-scroll");
    assert_eq!(scroller.get_attribute("tabindex").as_deref(), Some("0"));
    let close = q(&root, "button[aria-label='Close the placement explanation']");
    click(&close);
    assert_eq!(*closed.borrow(), 1);
}

#[wasm_bindgen_test]
async fn the_placement_panel_shows_a_placed_group_s_scores_and_its_chain() {
    use gangplank::ui::placement_panel::{PlacementPanel, PlacementPanelProps};
    let cell = session_at("steady-pack", 3.0);
    let (e, last) = {
        let session = cell.0.borrow();
        let snap = session.snapshot();
        let pg = snap.placement_groups.iter().find(|p| p.state == PlacementGroupState::Created).unwrap().clone();
        let last = session.events().iter().rev().find(|ev| ev.kind.touches().contains(&pg.name)).unwrap().clone();
        (Rc::new(session.explain_placement(&pg.name).unwrap()), last)
    };
    let chain = gangplank::ui::state::PlacementChain {
        last: Some(last.clone()),
        origin: None,
        seqs: BTreeSet::from([last.seq]),
    };
    let selected = Rc::new(RefCell::new(Vec::new()));
    let s = selected.clone();
    let props = PlacementPanelProps {
        explanation: e.clone(),
        chain: Rc::new(chain),
        on_close: Callback::noop(),
        on_select_event: Callback::from(move |seq: u64| s.borrow_mut().push(seq)),
    };
    let root = new_root();
    yew::Renderer::<PlacementPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(text(&root, "[data-testid=placement-summary]").starts_with("Placed (PACK)"));
    assert!(text(&root, "thead").contains("Score") && text(&root, "thead").contains("Bundles here"));
    let holder = e.nodes.iter().find(|n| !n.holds.is_empty()).unwrap();
    let row = q(&root, &format!("tr[data-node={}]", holder.node));
    assert!(row.class_list().contains("holds"));
    assert_eq!(text(&row, ".pe-holds"), "0, 1");
    assert_eq!(text(&row, ".pe-score"), "0.50");
    assert!(text(&root, ".pe-notes").contains("given back"));
    // The chain: the event that last changed the group, which selects it in the log.
    click(&q(&root, "[data-testid=chain-last]"));
    assert_eq!(*selected.borrow(), vec![last.seq]);
}

#[wasm_bindgen_test]
async fn the_pending_tray_opens_the_explanation_by_its_accessible_name_and_the_log_marks_the_chain() {
    let explained = Rc::new(RefCell::new(Vec::new()));
    let x = explained.clone();
    let props = PendingTrayProps {
        snapshot: Rc::new(fixture()),
        highlight: Rc::default(),
        gang_hues: Rc::default(),
        on_target: Callback::noop(),
        explained: Some(gangplank::ui::state::PlacementSubject::Pg(PENDING_PG.into())),
        on_explain: Callback::from(move |pg: String| x.borrow_mut().push(pg)),
    };
    let root = new_root();
    yew::Renderer::<PendingTray>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let button = q(&root, &format!("button[aria-label='Explain placement of {PENDING_PG}']"));
    assert_eq!(button.get_attribute("aria-pressed").as_deref(), Some("true"));
    click(&button);
    assert_eq!(*explained.borrow(), vec![PENDING_PG.to_string()]);

    let ev = |seq: u64| Event {
        seq,
        t: SimTime::from_secs_f64(seq as f64),
        tick: seq * 10,
        kind: EventKind::Action { action: "kill_node".into(), applied: true, queued: false, target: Some("w1".into()) },
        reason: format!("event {seq}"),
        cause: None,
    };
    let chain = gangplank::ui::state::PlacementChain { last: Some(ev(2)), origin: None, seqs: BTreeSet::from([2]) };
    let props = EventLogProps {
        log: Rc::new(vec![ev(2), ev(1)]),
        matching: 2,
        total: 2,
        kept_from: None,
        category: LogCategory::All,
        text: String::new(),
        selected: None,
        chain: Rc::new(chain),
        on_select: Callback::noop(),
        on_category: Callback::noop(),
        on_text: Callback::noop(),
    };
    let root = new_root();
    yew::Renderer::<EventLog>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let marked = root.query_selector_all("li.event.chain").unwrap();
    assert_eq!(marked.length(), 1);
    assert!(q(&root, "li[data-chain=true]").text_content().unwrap().contains("event 2"));
}
// ===== end of placement explanation =====

// ===== Compare two variants (issue 13) =====

/// A state of `preset` with run B open (the variant given), as the page's reducer makes it.
fn compared(preset: &str, variant: gangplank::app::compare::Variant) -> Rc<gangplank::ui::state::UiState> {
    use gangplank::ui::state::{CompareGesture, UiAction, UiState};
    use yew::Reducible;
    let st = Rc::new(UiState::for_preset(preset));
    let st = st.reduce(UiAction::StepEvent);
    let st = st.reduce(UiAction::Compare(CompareGesture::Open(variant)));
    assert!(st.compare.is_some(), "run B opened: {:?}", st.error);
    st
}

fn spread() -> gangplank::app::compare::Variant {
    use gangplank::app::compare::{Change, Variant};
    Variant::new("", vec![Change::Strategy { app: "app".into(), deployment: "G".into(), strategy: "SPREAD".into() }])
}

#[wasm_bindgen_test]
async fn the_compare_view_shows_run_a_beside_run_b_and_only_a_without_a_comparison() {
    use gangplank::ui::compare_view::{CompareClusters, CompareClustersProps};
    let st = compared("replica-crash", spread());
    let props = CompareClustersProps {
        children: yew::html! { <p id="run-a-view">{ "A's view" }</p> },
        pane: st.compare.clone(),
        label_a: "Replica crash (seed 7)".into(),
    };
    let root = new_root();
    yew::Renderer::<CompareClusters>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let regions = root.query_selector_all("section.compare-run").unwrap();
    assert_eq!(regions.length(), 2);
    assert_eq!(
        q(&root, "section.compare-run").get_attribute("aria-label").as_deref(),
        Some("Run A: Replica crash (seed 7)")
    );
    let b = q(&root, "[data-testid=compare-run-b]");
    assert_eq!(b.get_attribute("aria-label").as_deref(), Some("Run B: app/G strategy SPREAD (seed 7)"));
    assert!(b.query_selector(".cluster-svg").unwrap().is_some(), "B has its own cluster view");
    assert!(root.query_selector("#run-a-view").unwrap().is_some(), "A's view is the page's own");
    // Without a comparison: only A's view, no frame around it.
    let props = CompareClustersProps {
        children: yew::html! { <p id="only-a">{ "A" }</p> },
        pane: None,
        label_a: String::new(),
    };
    let root = new_root();
    yew::Renderer::<CompareClusters>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(root.query_selector("section.compare-run").unwrap().is_none());
    assert!(root.query_selector("#only-a").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn run_b_follows_the_clock_and_the_injected_faults_of_run_a() {
    use gangplank::model::time::SimTime;
    use gangplank::ui::state::{Travel, UiAction};
    use yew::Reducible;
    let st = compared("steady-pack", spread());
    let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(6.0))));
    let st = st.reduce(UiAction::Inject(ActionKind::KillController {}));
    let pane = st.compare.clone().unwrap();
    let side = pane.side.borrow();
    assert_eq!(side.session().now(), SimTime::from_secs_f64(6.0));
    assert_eq!(side.session().user_actions().len(), 1, "B got the same fault");
    assert!(!pane.snapshot.controller.alive, "B's controller is dead too");
}

#[wasm_bindgen_test]
async fn the_difference_table_is_a_captioned_table_measured_without_blocking() {
    use gangplank::ui::compare_view::{CompareTable, CompareTableProps};
    let st = compared("replica-crash", spread());
    let props = CompareTableProps {
        pane: st.compare.clone(),
        session: st.session.clone(),
        user_actions: st.user_actions,
        seed: st.seed,
    };
    let root = new_root();
    yew::Renderer::<CompareTable>::with_root_and_props(root.clone(), props).render();
    let mut waited = 0;
    while root.query_selector("table.compare-table").unwrap().is_none() {
        TimeoutFuture::new(20).await;
        waited += 1;
        assert!(waited < 500, "the table arrives: {}", root.inner_html());
    }
    assert!(text(&root, "caption").starts_with("Run A (Replica crash: RESTART_GANG (seed 7)) against run B"));
    let heads: Vec<String> =
        (0..5).map(|i| root.query_selector_all("thead th").unwrap().item(i).unwrap().text_content().unwrap()).collect();
    assert_eq!(heads, ["Metric", "A", "B", "B − A", "Better"]);
    let rows = root.query_selector_all("tbody th[scope=row]").unwrap();
    let names: Vec<String> = (0..rows.length()).map(|i| rows.item(i).unwrap().text_content().unwrap()).collect();
    assert!(names.contains(&"gang teardowns".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("recovery after kill_replica app/G gang 0 rank 0")), "{names:?}");
}

#[wasm_bindgen_test]
async fn many_seeds_runs_in_slices_and_links_each_outcome_to_a_seed() {
    use gangplank::ui::sweep_panel::{SweepPanel, SweepPanelProps};
    let scenario = gangplank::app::presets::preset_by_id("replica-crash").unwrap().scenario().unwrap();
    let loaded = Rc::new(RefCell::new(Vec::new()));
    let l = loaded.clone();
    let props = SweepPanelProps {
        scenario: Rc::new(scenario),
        actions: Rc::new(Vec::new()),
        on_load_seed: Callback::from(move |s: u64| l.borrow_mut().push(s)),
    };
    let root = new_root();
    yew::Renderer::<SweepPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let input: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::dyn_into(q(&root, "[data-testid=sweep-seeds]")).unwrap();
    input.set_value("6");
    fire(&input, "input");
    settle().await;
    assert_eq!(text(&root, "[data-testid=sweep-run]"), "Run 6 seeds");
    click(&q(&root, "[data-testid=sweep-run]"));
    let mut waited = 0;
    while root.query_selector("[data-testid=sweep-results]").unwrap().is_none() {
        TimeoutFuture::new(20).await;
        waited += 1;
        assert!(waited < 500, "the sweep ends: {}", root.inner_html());
    }
    assert_eq!(text(&root, "table.sweep-outcomes caption"), "Outcomes over 6 seeds");
    assert_eq!(text(&root, "tr[data-outcome='HEALTHY at the end'] td"), "6");
    assert!(text(&root, "[data-testid=sweep-longest-frame]").ends_with(" ms"));
    assert_eq!(root.query_selector_all("[data-testid=sweep-histogram] rect").unwrap().length(), 10);
    click(&q(&root, "button[aria-label='Load seed 7 (HEALTHY at the end)']"));
    assert_eq!(*loaded.borrow(), vec![7]);
}
// ===== end of compare =====
// ===== workbench (issue 13: import your Ray config, edit the setup) =====
mod workbench {
    use super::{click, fire, new_root, q, settle, text};
    use gangplank::app::config_import::{Note, NoteKind};
    use gangplank::app::presets::preset_by_id;
    use gangplank::model::scenario::Scenario;
    use gangplank::ui::import_dialog::{Files, ImportDialog, ImportDialogProps, ImportNotes, ImportNotesProps};
    use gangplank::ui::workbench_editor::{WorkbenchEditor, WorkbenchEditorProps};
    use gangplank::ui::workbench_state::ImportOutcome;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;
    use yew::Callback;

    fn set_value(el: &web_sys::Element, value: &str) {
        if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            i.set_value(value);
        }
        fire(el, "change");
    }

    fn note(kind: NoteKind, line: usize, path: &str, text: &str) -> Note {
        Note { file: "serve.yaml".into(), path: path.into(), line: Some(line), kind, text: text.into() }
    }

    #[wasm_bindgen_test]
    async fn a_refused_import_lists_every_problem_and_keeps_the_pasted_text() {
        let imported = Rc::new(RefCell::new(Vec::<Files>::new()));
        let i = imported.clone();
        let outcome = ImportOutcome {
            ok: false,
            headline: "Import refused: 1 problem in your file. Your session is unchanged.".into(),
            problems: vec![
                "pasted-1.yaml:7:23: applications[0].deployments[0].num_replicas: num_replicas (3) must be a multiple of \
                 gang_size (2)."
                    .into(),
            ],
            notes: vec![],
        };
        let props = ImportDialogProps {
            outcome: Some(Rc::new(outcome)),
            base_name: "Replica crash".into(),
            pastes: Rc::new(vec!["applications: []".into()]),
            on_pastes: Callback::noop(),
            on_import: Callback::from(move |f: Files| i.borrow_mut().push(f)),
            on_close: Callback::noop(),
            busy: false,
        };
        let root = new_root();
        yew::Renderer::<ImportDialog>::with_root_and_props(root.clone(), props).render();
        settle().await;
        assert_eq!(q(&root, "[role=dialog]").get_attribute("aria-modal").as_deref(), Some("true"));
        let picker = q(&root, "input[aria-label='Choose Ray config files']");
        assert!(picker.has_attribute("multiple"));
        let alert = text(&root, "[role=alert]");
        assert!(
            alert.contains("pasted-1.yaml:7:23:") && alert.contains("must be a multiple of gang_size (2)."),
            "{alert}"
        );
        let pasted = q(&root, "textarea").dyn_into::<web_sys::HtmlTextAreaElement>().unwrap();
        assert_eq!(pasted.value(), "applications: []", "the pasted text is still there");
        let import = root.query_selector_all("button").unwrap();
        let import = (0..import.length())
            .filter_map(|k| import.get(k))
            .find(|b| b.text_content().as_deref() == Some("Import pasted text"))
            .unwrap()
            .dyn_into::<web_sys::Element>()
            .unwrap();
        click(&import);
        assert_eq!(*imported.borrow(), vec![Ok(vec![("pasted-1.yaml".to_string(), "applications: []".to_string())])]);
    }

    /// While the importer worker reads the files (its wasm is fetched on the first import), the dialog says so and
    /// takes no second import; the last outcome is hidden until the answer comes.
    #[wasm_bindgen_test]
    async fn while_the_importer_reads_the_dialog_says_so_and_waits() {
        let outcome =
            ImportOutcome { ok: false, headline: "old".into(), problems: vec!["old problem".into()], notes: vec![] };
        let props = ImportDialogProps {
            outcome: Some(Rc::new(outcome)),
            base_name: "Replica crash".into(),
            pastes: Rc::new(vec!["applications: []".into()]),
            on_pastes: Callback::noop(),
            on_import: Callback::noop(),
            on_close: Callback::noop(),
            busy: true,
        };
        let root = new_root();
        yew::Renderer::<ImportDialog>::with_root_and_props(root.clone(), props).render();
        settle().await;
        assert_eq!(text(&root, "[role=status]"), "Reading your Ray config…");
        assert!(root.query_selector("[role=alert]").unwrap().is_none(), "the old outcome is not shown meanwhile");
        assert!(q(&root, "input[aria-label='Choose Ray config files']").has_attribute("disabled"));
        let buttons = root.query_selector_all("button").unwrap();
        let import = (0..buttons.length())
            .filter_map(|k| buttons.get(k))
            .find(|b| b.text_content().as_deref() == Some("Import pasted text"))
            .unwrap()
            .dyn_into::<web_sys::Element>()
            .unwrap();
        assert!(import.has_attribute("disabled"));
    }

    #[wasm_bindgen_test]
    async fn the_notes_are_grouped_by_kind_with_file_and_line() {
        let notes = vec![
            note(NoteKind::NotSimulated, 8, "applications[0].route_prefix", "kept: not simulated"),
            note(
                NoteKind::IgnoredByRay,
                26,
                "applications[0].deployments[0].num_replica",
                "did you mean `num_replicas`?",
            ),
            note(NoteKind::NotSimulated, 9, "applications[0].import_path", "kept"),
        ];
        let root = new_root();
        yew::Renderer::<ImportNotes>::with_root_and_props(root.clone(), ImportNotesProps { notes: Rc::new(notes) })
            .render();
        settle().await;
        let heads: Vec<String> = {
            let l = root.query_selector_all("h3").unwrap();
            (0..l.length()).map(|k| l.get(k).unwrap().text_content().unwrap()).collect()
        };
        assert_eq!(heads, ["ignored by Ray (1)", "not simulated (2)"]);
        let first = text(&root, "section li");
        assert!(first.starts_with("serve.yaml:26 applications[0].deployments[0].num_replica: did you mean"), "{first}");
    }

    fn editor(scenario: Scenario) -> (web_sys::Element, Rc<RefCell<Vec<Scenario>>>) {
        let applied = Rc::new(RefCell::new(Vec::new()));
        let a = applied.clone();
        let props = WorkbenchEditorProps {
            scenario: Rc::new(scenario),
            on_apply: Callback::from(move |s: Scenario| a.borrow_mut().push(s)),
            on_close: Callback::noop(),
        };
        let root = new_root();
        yew::Renderer::<WorkbenchEditor>::with_root_and_props(root.clone(), props).render();
        (root, applied)
    }

    fn button(root: &web_sys::Element, label: &str) -> web_sys::Element {
        let l = root.query_selector_all("button").unwrap();
        (0..l.length())
            .filter_map(|k| l.get(k))
            .find(|b| b.text_content().as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no button {label}"))
            .dyn_into()
            .unwrap()
    }

    #[wasm_bindgen_test]
    async fn the_editor_shows_ray_s_message_at_the_field_and_applies_only_a_valid_setup() {
        let scenario = preset_by_id("replica-crash").unwrap().scenario().unwrap();
        let (root, applied) = editor(scenario.clone());
        settle().await;
        assert!(button(&root, "Apply and start a new run").has_attribute("disabled"), "nothing changed yet");
        let gang = q(&root, "input[aria-label='gang_size of app/G']");
        set_value(&gang, "3");
        settle().await;
        assert_eq!(gang.get_attribute("aria-invalid").as_deref(), Some("true"));
        let field = gang.parent_element().unwrap();
        assert!(text(&field, ".wb-err").contains("must be a multiple of gang_size (3)"), "{}", field.inner_html());
        assert!(
            button(&root, "Apply and start a new run").has_attribute("disabled"),
            "Apply stays off while there are problems"
        );
        assert!(text(&root, "[data-testid=editor-summary]").starts_with("1 problem"));
        // Fixed: a group of three nodes becomes four, with a fresh id.
        set_value(&gang, "2");
        set_value(&q(&root, "input[aria-label='Nodes in group w']"), "4");
        settle().await;
        let apply = button(&root, "Apply and start a new run");
        assert!(!apply.has_attribute("disabled"));
        click(&apply);
        let got = applied.borrow();
        assert_eq!(got.len(), 1);
        let ids: Vec<&str> = got[0].cluster.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["w1", "w2", "w3", "w4"]);
        assert_eq!(got[0].applications, scenario.applications);
    }

    #[wasm_bindgen_test]
    async fn the_editor_offers_every_toggle_with_its_explanation() {
        let (root, _) = editor(preset_by_id("replica-crash").unwrap().scenario().unwrap());
        settle().await;
        let toggles = root.query_selector_all(".wb-toggle").unwrap();
        assert_eq!(toggles.length(), 7);
        let pg = q(&root, "select[aria-label='gang_pg_removal']").dyn_into::<web_sys::HtmlSelectElement>().unwrap();
        assert_eq!(pg.value(), "last_member");
        assert!(text(&root, ".wb-toggle").contains("#66221"));
    }
}
// ===== end of workbench =====

// ===== hover (issue 13): hovering highlights a chain; a bundle slot explains its group =====
mod hover {
    use super::*;
    use gangplank::ui::hover::{Gestures, Hovered, hover_of};
    use gangplank::ui::placement_panel::PlacementChain;
    use yew::{ContextProvider, Html, Properties, component, html, use_state};

    type Log<T> = Rc<RefCell<Vec<T>>>;

    #[derive(Properties, PartialEq)]
    struct HostProps {
        snapshot: Rc<Snapshot>,
        events: Rc<Vec<Event>>,
        hovers: Log<Option<Hovered>>,
        explained: Log<String>,
    }

    /// The cluster and the log as the app hosts them: with its gestures, and a hover that lights what the app's
    /// reducer would (`hover_of`), the empty selection coming back on leave.
    #[component(Host)]
    fn host(p: &HostProps) -> Html {
        let hovered = use_state(|| None::<Rc<gangplank::ui::hover::Hover>>);
        let on_hover = {
            let (hovered, log, snap, events) =
                (hovered.clone(), p.hovers.clone(), p.snapshot.clone(), p.events.clone());
            Callback::from(move |h: Option<Hovered>| {
                log.borrow_mut().push(h.clone());
                hovered.set(h.map(|s| Rc::new(hover_of(&snap, &events, s))));
            })
        };
        let on_explain = {
            let log = p.explained.clone();
            Callback::from(move |pg: String| log.borrow_mut().push(pg))
        };
        let highlight = hovered.as_ref().map(|h| h.highlight.clone()).unwrap_or_default();
        let chain: Rc<PlacementChain> = hovered.as_ref().map(|h| h.chain.clone()).unwrap_or_default();
        let mut log: Vec<Event> = (*p.events).clone();
        log.reverse();
        html! {
            <ContextProvider<Gestures> context={Gestures { on_hover, on_explain }}>
                <ClusterView snapshot={p.snapshot.clone()} {highlight} gang_hues={Rc::new(BTreeMap::new())}
                    on_target={Callback::noop()} on_select_event={Callback::noop()} />
                <EventLog log={Rc::new(log)} matching={p.events.len()} total={p.events.len()} category={LogCategory::All}
                    text={String::new()} selected={None} {chain} on_select={Callback::noop()}
                    on_category={Callback::noop()} on_text={Callback::noop()} />
            </ContextProvider<Gestures>>
        }
    }

    /// A fault (a replica killed by the user) and the teardown of its gang that it caused.
    fn fault_and_teardown() -> Vec<Event> {
        vec![
            Event {
                seq: 0,
                t: SimTime::from_secs_f64(10.0),
                tick: 100,
                kind: EventKind::Action {
                    action: "kill_replica".into(),
                    applied: true,
                    queued: false,
                    target: Some("rank0aaa".into()),
                },
                reason: "you killed rank0aaa".into(),
                cause: None,
            },
            Event {
                seq: 1,
                t: SimTime::from_secs_f64(10.1),
                tick: 101,
                kind: EventKind::GangTeardown {
                    app: "app".into(),
                    deployment: "G".into(),
                    gang_id: GANG.into(),
                    members: vec!["rank0aaa".into(), "rank1bbb".into()],
                    cause: TeardownCause::ActorCrashed,
                    failed_member: Some("rank0aaa".into()),
                },
                reason: "gang torn down".into(),
                cause: Some(0),
            },
        ]
    }

    fn mount(snapshot: Snapshot) -> (web_sys::Element, Log<Option<Hovered>>, Log<String>) {
        let (hovers, explained) = (Log::default(), Log::default());
        let props = HostProps {
            snapshot: Rc::new(snapshot),
            events: Rc::new(fault_and_teardown()),
            hovers: hovers.clone(),
            explained: explained.clone(),
        };
        let root = new_root();
        yew::Renderer::<Host>::with_root_and_props(root.clone(), props).render();
        (root, hovers, explained)
    }

    /// mouseenter, mouseleave, focus and blur do not bubble.
    fn pointer(el: &web_sys::Element, kind: &str) {
        let init = web_sys::MouseEventInit::new();
        let e = web_sys::MouseEvent::new_with_mouse_event_init_dict(kind, &init).unwrap();
        el.dispatch_event(&e).unwrap();
    }

    fn focus_event(el: &web_sys::Element, kind: &str) {
        el.dispatch_event(&web_sys::Event::new(kind).unwrap()).unwrap();
    }

    fn lit(root: &web_sys::Element, selector: &str) -> bool {
        q(root, selector).class_list().contains("hl")
    }

    #[wasm_bindgen_test]
    async fn hovering_a_token_lights_its_gang_mate_and_bundles_and_leaving_puts_them_out() {
        let (root, hovers, _) = mount(fixture());
        settle().await;
        assert!(!lit(&root, "[data-replica=rank1bbb]"));
        pointer(&q(&root, "[data-replica=rank0aaa]"), "mouseenter");
        settle().await;
        assert_eq!(*hovers.borrow(), vec![Some(Hovered::Replica("rank0aaa".into()))]);
        assert!(lit(&root, "[data-replica=rank1bbb]"), "its gang mate");
        assert!(lit(&root, "[data-slot='pgaaaa#0']") && lit(&root, "[data-slot='pgaaaa#1']"), "its bundles");
        // Its chain in the log: the last event that touched it (the teardown) and the fault that started it.
        let chain: Vec<String> = (0..2)
            .map(|s| q(&root, &format!("button[data-seq='{s}']")).parent_element().unwrap().class_name())
            .collect();
        assert!(chain.iter().all(|c| c.contains("chain")), "{chain:?}");
        assert!(!q(&root, "[data-node=w3]").class_list().contains("hl"));
        pointer(&q(&root, "[data-replica=rank0aaa]"), "mouseleave");
        settle().await;
        assert_eq!(hovers.borrow().last(), Some(&None));
        assert!(!lit(&root, "[data-replica=rank1bbb]") && !lit(&root, "[data-slot='pgaaaa#1']"));
        assert!(root.query_selector(".events li.chain").unwrap().is_none());
        // Keyboard users get the same through focus.
        focus_event(&q(&root, "[data-replica=rank1bbb]"), "focus");
        settle().await;
        assert!(lit(&root, "[data-replica=rank0aaa]"));
        focus_event(&q(&root, "[data-replica=rank1bbb]"), "blur");
        settle().await;
        assert!(!lit(&root, "[data-replica=rank0aaa]"));
    }

    #[wasm_bindgen_test]
    async fn a_bundle_slot_even_an_empty_one_is_a_named_button_that_explains_its_group() {
        // rank1bbb is gone: its bundle stays reserved, waiting for its replica.
        let mut snap = fixture();
        snap.replicas.retain(|r| r.id != "rank1bbb");
        snap.placement_groups[0].bundles[1].replica = None;
        let (root, hovers, explained) = mount(snap);
        settle().await;
        let slot = q(&root, "[data-slot='pgaaaa#1'] .slot-hit");
        assert_eq!(slot.get_attribute("role").as_deref(), Some("button"));
        assert_eq!(slot.get_attribute("tabindex").as_deref(), Some("0"));
        assert_eq!(
            slot.get_attribute("aria-label").unwrap(),
            format!("Bundle 1 of PG {PG} on w1: reserved, no replica in it. Explain its placement")
        );
        assert!(q(&root, "[data-slot='pgaaaa#1']").class_list().contains("empty"));
        click(&slot);
        key(&slot, "Enter");
        assert_eq!(*explained.borrow(), vec![PG.to_string(), PG.to_string()]);
        // The slot's button is its frame; the token is drawn over it, a separate button.
        let filled = q(&root, "[data-slot='pgaaaa#0'] .slot-hit");
        assert_eq!(filled.tag_name(), "rect");
        assert!(filled.query_selector("[data-replica]").unwrap().is_none());
        assert!(
            filled.get_attribute("aria-label").unwrap().ends_with("on w1: replica rank0aaa. Explain its placement")
        );
        // Hovering the empty slot lights its group: the other bundle and the replica in it.
        pointer(&slot, "mouseenter");
        settle().await;
        assert_eq!(hovers.borrow().last(), Some(&Some(Hovered::Pg(PG.into()))));
        assert!(lit(&root, "[data-replica=rank0aaa]") && lit(&root, "[data-slot='pgaaaa#0']"));
        pointer(&slot, "mouseleave");
        settle().await;
        assert!(!lit(&root, "[data-replica=rank0aaa]"));
    }

    #[wasm_bindgen_test]
    async fn hovering_a_log_row_marks_its_chain_and_lights_what_it_touched() {
        let (root, hovers, _) = mount(fixture());
        settle().await;
        let row = q(&root, "button[data-seq='1']");
        pointer(&row, "mouseenter");
        settle().await;
        assert_eq!(hovers.borrow().last(), Some(&Some(Hovered::Event(1))));
        let marked = root.query_selector_all(".events li.chain").unwrap();
        assert_eq!(marked.length(), 2, "the teardown and the fault that caused it");
        assert!(lit(&root, "[data-replica=rank0aaa]") && lit(&root, "[data-replica=rank1bbb]"));
        focus_event(&row, "blur");
        settle().await;
        assert!(root.query_selector(".events li.chain").unwrap().is_none());
        assert!(!lit(&root, "[data-replica=rank1bbb]"));
    }

    #[wasm_bindgen_test]
    async fn without_the_app_s_gestures_slots_are_not_buttons() {
        // Run B's cluster in a comparison: nothing to explain or highlight there.
        let root = new_root();
        yew::Renderer::<ClusterView>::with_root_and_props(root.clone(), cluster_props(fixture(), &[], Rc::default()))
            .render();
        settle().await;
        assert!(root.query_selector(".slot-hit").unwrap().is_none());
        assert!(root.query_selector("[data-slot='pgaaaa#0'] .slot-frame").unwrap().is_some());
    }
}
// ===== end of hover =====

// ===== lessons (issue 14): the step card asks before it shows =====
fn lesson_at_first_question() -> (gangplank::app::lesson::LessonRun, gangplank::app::session::Session) {
    use gangplank::app::lesson::{BUILTIN, LessonRun, Phase};
    let lesson = BUILTIN[0].lesson().expect("the first lesson parses");
    let mut session = gangplank::app::session::Session::new(lesson.scenario.clone());
    let mut run = LessonRun::start(lesson, &mut session).expect("the first lesson plays");
    while run.phase() != Phase::Asking {
        assert!(run.next(&mut session), "the first lesson asks a question");
    }
    (run, session)
}

fn lesson_card(
    root: &web_sys::Element,
    run: &gangplank::app::lesson::LessonRun,
    session: &gangplank::app::session::Session,
) {
    use gangplank::ui::lesson_panel::{LessonPanel, LessonPanelProps};
    use gangplank::ui::lesson_state::OpenLesson;
    let view = Rc::new(run.view(session));
    let open = OpenLesson { run: run.clone(), builtin: true, file: None, view, revealing: None };
    let props = LessonPanelProps {
        open: Rc::new(open),
        on_action: Callback::noop(),
        presenting: false,
        children: yew::Html::default(),
    };
    yew::Renderer::<LessonPanel>::with_root_and_props(root.clone(), props).render();
}

#[wasm_bindgen_test]
async fn a_lesson_question_shows_its_options_and_no_answer_until_revealed() {
    let (mut run, mut session) = lesson_at_first_question();
    let asking = new_root();
    lesson_card(&asking, &run, &session);
    settle().await;
    let options = asking.query_selector_all("[data-testid=lesson-option]").unwrap();
    assert!(options.length() >= 2, "{}", asking.inner_html());
    assert!(asking.query_selector("[data-testid=lesson-mark]").unwrap().is_none(), "no answer while asking");
    assert!(asking.query_selector("[data-correct=true]").unwrap().is_none());
    assert!(asking.query_selector("[data-testid=lesson-reveal]").unwrap().is_none());
    assert!(text(&asking, "[data-testid=lesson-progress]").contains(&format!("Step {} of", run.step() + 1)));

    run.answer(&mut session, 0);
    let revealed = new_root();
    lesson_card(&revealed, &run, &session);
    settle().await;
    let correct = run.plan().steps[run.step()].correct().expect("one option holds");
    let marked = q(&revealed, "[data-correct=true]");
    let option = run.view(&session).question.expect("a question").options[correct].clone();
    assert!(marked.text_content().unwrap_or_default().contains(&option), "{}", revealed.inner_html());
    assert!(marked.text_content().unwrap_or_default().contains('\u{2713}'), "the model's answer is marked");
    assert!(q(&revealed, "[data-chosen=true]").get_attribute("data-correct").is_some());
    assert!(!text(&revealed, "[data-testid=lesson-reveal]").is_empty(), "the explanation is shown");
}
// ===== end lessons =====
