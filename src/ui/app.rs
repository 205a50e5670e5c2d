//! The whole page. Owns the UI state (a reducer), the playback loop and the keyboard shortcuts.
use crate::app::presets::DEFAULT_PRESET_ID;
use crate::model::scenario::ActionKind;
use crate::ui::action_panel::ActionPanel;
use crate::ui::cluster_view::{ClusterView, Progressive};
use crate::ui::controls::Controls;
use crate::ui::event_log::EventLog;
use crate::ui::event_log::LogCategory;
use crate::ui::footer::Footer;
use crate::ui::header::Header;
use crate::ui::help_overlay::HelpOverlay;
use crate::ui::legend::Legend;
use crate::ui::lesson_state::LessonAction; // lessons (issue 14)
use crate::ui::live_region::LiveRegion;
use crate::ui::panic::install_panic_hook;
use crate::ui::pending_tray::PendingTray;
use crate::ui::placement_panel::PlacementPanel;
use crate::ui::presenter::PresenterAction; // presenter mode (issue 14)
use crate::ui::state::{PlacementSubject, Target, Travel, UiAction, UiState};
use crate::ui::status_panel::StatusPanel;
use crate::ui::storage::query_param;
use crate::ui::violation_banner::ViolationBanner;
use gloo::render::{AnimationFrame, request_animation_frame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// `?preset=<id>` in the page address picks the first scenario (tests and links use it).
fn initial_preset_id() -> String {
    query_param("preset").unwrap_or_else(|| DEFAULT_PRESET_ID.to_string())
}

/// Request the next animation frame; each frame turns the elapsed wall time into a `Frame` action.
fn schedule_frame(
    holder: Rc<RefCell<Option<AnimationFrame>>>,
    alive: Rc<Cell<bool>>,
    last_ts: Option<f64>,
    dispatcher: UseReducerDispatcher<UiState>,
) {
    let next_holder = holder.clone();
    let frame = request_animation_frame(move |ts| {
        if !alive.get() {
            return;
        }
        let wall_ms = last_ts.map(|l| ts - l).unwrap_or(0.0);
        let start = crate::ui::perf::now_ms();
        dispatcher.dispatch(UiAction::Frame { wall_ms });
        if crate::ui::perf::enabled() {
            // Yew renders in a task queued by the dispatch; this one runs after it.
            let after_model = crate::ui::perf::now_ms();
            yew::platform::spawn_local(async move {
                crate::ui::perf::record(start, after_model, crate::ui::perf::now_ms());
            });
        }
        if alive.get() {
            schedule_frame(next_holder, alive, Some(ts), dispatcher);
        }
    });
    *holder.borrow_mut() = Some(frame);
}

/// The action for a key press, if it is a shortcut.
pub fn shortcut(key: &str) -> Option<UiAction> {
    Some(match key {
        " " | "k" => UiAction::TogglePlay,
        "." => UiAction::StepTick,
        "n" => UiAction::StepEvent,
        "+" | "=" => UiAction::Faster,
        "-" | "_" => UiAction::Slower,
        "0" => UiAction::SetSpeedExp(0.0),
        "r" => UiAction::Reset,
        "f" => UiAction::SetTarget(Some(Target::Cluster)),
        "?" => UiAction::ToggleHelp,
        "Escape" => UiAction::Dismiss,
        // Lessons (issue 14): the list, and answers by number (a clicker's forward reveals without one).
        "l" | "L" => UiAction::Lesson(LessonAction::Picker(true)),
        "1" | "2" | "3" | "4" => UiAction::Lesson(LessonAction::Answer(key.parse::<usize>().unwrap_or(1) - 1)),
        _ => return None,
    })
}

/// `mode`: presenter mode is on, the screen is blanked (issue 14).
fn on_key(e: &KeyboardEvent, dispatcher: &UseReducerDispatcher<UiState>, (presenting, blank): (bool, bool)) {
    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
        return;
    }
    let key = e.key();
    // ===== presenter (issue 14): any key brings a blanked screen back (and does nothing else) =====
    if blank {
        if !crate::ui::presenter::is_modifier_key(&key) {
            e.prevent_default();
            dispatcher.dispatch(UiAction::Presenter(crate::ui::presenter::PresenterAction::Blank(None)));
        }
        return;
    }
    // A clicker's keys; in presenter mode Space is the clicker's "forward" even on a button (Enter presses it).
    let clicker = crate::ui::presenter::presenter_key(&key, presenting);
    let clicker_space = presenting && key == " ";
    // ===== end presenter =====
    let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let tag = target.as_ref().map(|t| t.tag_name().to_ascii_uppercase()).unwrap_or_default();
    let editing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
    if editing && key != "Escape" {
        return;
    }
    // Space and Enter on a button activate the button itself.
    let on_button =
        tag == "BUTTON" || target.as_ref().is_some_and(|t| t.get_attribute("role").as_deref() == Some("button"));
    if on_button && (key == " " || key == "Enter") && !clicker_space {
        return;
    }
    // Behind a modal (the help overlay) the page's shortcuts are inert: only `?` and Escape, which close it, act.
    let modal_open = gloo::utils::document().query_selector("[aria-modal=true]").ok().flatten().is_some();
    // In presenter mode the clicker's keys close what popped up, a modal too (nothing a clicker cannot dismiss).
    if modal_open && key != "?" && key != "Escape" && !(presenting && clicker.is_some()) {
        return;
    }
    if let Some(action) = clicker.or_else(|| shortcut(&key)) {
        e.prevent_default();
        dispatcher.dispatch(action);
    }
}

#[component(App)]
pub fn app() -> Html {
    install_panic_hook();
    let state = use_reducer(|| crate::ui::storage::initial_state(&initial_preset_id()));
    let dispatcher = state.dispatcher();
    // Issue 5: autosave, `#g1.…` links, embed mode (`ui::storage`).
    let autosave_notice = crate::ui::storage::use_autosave(&state); // issue 16: never fails silently
    crate::ui::storage::use_hash_links(dispatcher.clone());
    // Issue 14: the address names the preset shown, or nothing once the user made it their own (reload keeps it).
    crate::ui::storage::use_address_follows(&state.preset_id, &state.scenario_name, state.user_actions);
    // Issue 14: `?lesson=ID&step=N` opens a lesson; the address follows its step (`ui::lesson_reducer`).
    crate::ui::lesson_reducer::use_lesson_address(&state);
    let embed = *use_memo((), |_| crate::ui::storage::is_embed());
    let d = dispatcher.clone();
    let on_travel = use_callback((), move |t: Travel, _| d.dispatch(UiAction::Travel(t)));

    // `?crash-test` in the address makes the app panic once it is up, so the error screen can be checked.
    use_effect_with((), |_| {
        if query_param("crash-test").is_some_and(|v| v.is_empty()) {
            panic!("crash test requested by the page address (?crash-test)");
        }
    });

    // Playback loop: runs only while playing.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with(state.playing, move |playing| {
            let holder: Rc<RefCell<Option<AnimationFrame>>> = Rc::new(RefCell::new(None));
            let alive = Rc::new(Cell::new(*playing));
            if *playing {
                schedule_frame(holder.clone(), alive.clone(), None, dispatcher);
            }
            move || {
                alive.set(false);
                holder.borrow_mut().take();
            }
        });
    }

    // Keyboard shortcuts.
    let key_mode = use_mut_ref(|| (false, false)); // presenter mode, blank screen (issue 14): read at each key
    *key_mode.borrow_mut() = (state.presenter.on, state.presenter.blank.is_some());
    {
        let dispatcher = dispatcher.clone();
        let key_mode = key_mode.clone();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let options = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener = gloo::events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
                if let Some(e) = e.dyn_ref::<KeyboardEvent>() {
                    on_key(e, &dispatcher, *key_mode.borrow());
                }
            });
            move || drop(listener)
        });
    }

    // Stable callbacks, so that unchanged children are not re-rendered every frame.
    let d = dispatcher.clone();
    let on_target = use_callback((), move |t: Target, _| d.dispatch(UiAction::SetTarget(Some(t))));
    let d = dispatcher.clone();
    let on_set_target = use_callback((), move |t: Option<Target>, _| d.dispatch(UiAction::SetTarget(t)));
    let d = dispatcher.clone();
    let on_select_event = use_callback((), move |seq: u64, _| d.dispatch(UiAction::SelectEvent(Some(seq))));
    let d = dispatcher.clone();
    let on_select = use_callback((), move |seq: Option<u64>, _| {
        // Clicking an event in the narration jumps the cursor to it (and selects it).
        d.dispatch(match seq {
            Some(seq) => UiAction::Travel(Travel::JumpToEvent(seq)),
            None => UiAction::SelectEvent(None),
        })
    });
    let d = dispatcher.clone();
    let on_inject = use_callback((), move |k: ActionKind, _| d.dispatch(UiAction::Inject(k)));
    let d = dispatcher.clone();
    let on_pick = use_callback((), move |id: String, _| d.dispatch(UiAction::LoadPreset(id)));
    let d = dispatcher.clone();
    let on_category = use_callback((), move |c: LogCategory, _| d.dispatch(UiAction::SetFilterCategory(c)));
    let d = dispatcher.clone();
    let on_text = use_callback((), move |t: String, _| d.dispatch(UiAction::SetFilterText(t)));
    let d = dispatcher.clone();
    let on_toggle_play = use_callback((), move |_: (), _| d.dispatch(UiAction::TogglePlay));
    let d = dispatcher.clone();
    let on_step_tick = use_callback((), move |_: (), _| d.dispatch(UiAction::StepTick));
    let d = dispatcher.clone();
    let on_step_event = use_callback((), move |_: (), _| d.dispatch(UiAction::StepEvent));
    let d = dispatcher.clone();
    let on_speed = use_callback((), move |e: f64, _| d.dispatch(UiAction::SetSpeedExp(e)));
    let d = dispatcher.clone();
    let on_seed = use_callback((), move |s: u64, _| d.dispatch(UiAction::SetSeed(s)));
    let d = dispatcher.clone();
    let on_reset = use_callback((), move |_: (), _| d.dispatch(UiAction::Reset));
    let d = dispatcher.clone();
    let on_faults = use_callback((), move |_: (), _| d.dispatch(UiAction::SetTarget(Some(Target::Cluster))));
    let d = dispatcher.clone();
    let on_help = use_callback((), move |_: (), _| d.dispatch(UiAction::ToggleHelp));
    let d = dispatcher.clone();
    let on_explain =
        use_callback((), move |pg: String, _| d.dispatch(UiAction::SelectPlacement(Some(PlacementSubject::Pg(pg)))));
    let d = dispatcher.clone();
    let on_close_placement = use_callback((), move |_: (), _| d.dispatch(UiAction::SelectPlacement(None)));
    // ===== hover (issue 13): hovering highlights a chain; a bundle slot explains its group =====
    let d = dispatcher.clone();
    let on_hover = use_callback((), move |h: Option<crate::ui::hover::Hovered>, _| d.dispatch(UiAction::Hover(h)));
    let gestures = crate::ui::hover::Gestures { on_hover, on_explain: on_explain.clone() };
    let (shown_highlight, shown_chain) = (state.shown_highlight(), state.shown_chain());
    // ===== end hover =====

    // ===== overview (issue 14): a big cluster opens as one cell per node; zoom into a node group =====
    let (overview, cards_snap) = crate::ui::overview::use_overview(&state.snapshot);
    let on_overview = {
        let overview = overview.clone();
        use_callback((), move |m: crate::ui::overview::OverviewMode, _| overview.set(m))
    };
    // ===== end overview =====

    let (tl_tick, tl_event, tl_play) = (on_step_tick.clone(), on_step_event.clone(), on_toggle_play.clone());
    // On a phone the "what to watch" text starts folded, so the cluster is on the first screen.
    let wide = *use_memo((), |_| {
        web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1024.0) >= 700.0
    });
    let snap = state.snapshot.clone();
    // ===== presenter (issue 14): the projector layout, `?present=1`, the spotlight, the blank screen =====
    let presenting = state.presenter.on;
    {
        let d = dispatcher.clone();
        use_effect_with((), move |_| {
            if crate::ui::presenter::asked_by_address() {
                d.dispatch(UiAction::Presenter(PresenterAction::Set(true)));
            }
        });
    }
    crate::ui::presenter::use_relayout_on_switch(presenting);
    let d = dispatcher.clone();
    let on_present = use_callback((), move |_: (), _| d.dispatch(UiAction::Presenter(PresenterAction::Toggle)));
    let d = dispatcher.clone();
    let on_unblank = use_callback((), move |_: (), _| d.dispatch(UiAction::Presenter(PresenterAction::Blank(None))));
    let d = dispatcher.clone();
    let on_reveal = use_callback((), move |_: (), _| d.dispatch(UiAction::Presenter(PresenterAction::ShowOutcome)));
    let (at_end, end) = {
        let s = state.session.0.borrow();
        (s.at_end(), s.end())
    };
    let revealed = state.presenter.outcome_shown || at_end;
    let end_note = at_end.then(|| crate::ui::state::end_message(end));
    // ===== end presenter =====
    // ===== lessons (issue 14): the list, the step card, the step's lit ids and panels =====
    let d = dispatcher.clone();
    let on_lesson = use_callback((), move |a: LessonAction, _| d.dispatch(UiAction::Lesson(a)));
    let lesson = state.lesson.open.clone();
    let lesson_panels = lesson.as_ref().map(|o| o.view.panels.clone()).unwrap_or_default();
    let lesson_ring = crate::ui::lesson_state::panel_ring_css(&lesson_panels);
    let lesson_card = lesson.clone().map(|open| {
        // Presenter mode hides the side pane: a step that names the status panel or the log shows it in the card.
        let named = |p| presenting && open.view.panels.contains(&p);
        let (status, log) = (named(crate::app::lesson::Panel::Status), named(crate::app::lesson::Panel::Log));
        html! {
            <crate::ui::lesson_panel::LessonPanel {open} on_action={on_lesson.clone()} {presenting}>
                if status { <StatusPanel snapshot={snap.clone()} highlight={state.highlight.clone()} on_target={on_target.clone()} /> }
                if log { <crate::ui::lesson_panel::RecentEvents log={state.log.clone()} /> }
            </crate::ui::lesson_panel::LessonPanel>
        }
    });
    let lesson_line = lesson.as_ref().map(|o| crate::ui::lesson_panel::narration_line(&o.view)).unwrap_or_default();
    // ===== end lessons =====
    html! {
        <div class={classes!("app", embed.then_some("embed"), presenting.then_some("presenter"))}>
            <a class="skip-link" href="#cluster">{ "Skip to the cluster" }</a>
            <Header preset_id={state.preset_id.clone()} scenario_name={state.scenario_name.clone()} on_pick={on_pick}>
                // Workbench (issue 13): import your Ray config, edit the setup, export; in the header's own row.
                if !embed { <crate::ui::workbench_bar::WorkbenchBar state={state.clone()} /> }
                if !embed { <crate::ui::lesson_picker::LessonsButton on_action={on_lesson.clone()} /> }
            </Header>
            <crate::ui::import_worker::ImportRunner state={state.clone()} />
            if let Some(err) = &state.error {
                <div class="error-banner" role="alert">{ err.clone() }</div>
            }
            <crate::ui::storage_notice::StorageNotice notice={autosave_notice} />
            if let Some(problems) = state.lesson.problems.clone() {
                <crate::ui::lesson_panel::LessonProblemsNotice {problems} on_action={on_lesson.clone()} />
            }
            <crate::ui::replaced_notice::ReplacedNotice replaced={state.replaced.clone()} dispatcher={dispatcher.clone()} />
            <ViolationBanner violations={state.violations.clone()} />
            // ===== replay (issue 15): a recording replaces the workspace; the session waits untouched underneath =====
            if let Some(pane) = state.replay.clone() {
                <crate::ui::replay_view::ReplayView {pane} playing={state.playing} speed_exp={state.speed_exp}
                    session_name={state.scenario_name.clone()} dispatcher={dispatcher.clone()} />
            } else {
            // ===== end replay =====
            <Controls playing={state.playing} speed_exp={state.speed_exp} now_s={state.now.as_secs_f64()} tick={state.tick}
                catching_up={state.catching_up()}
                seed={state.seed} {on_toggle_play} {on_step_tick} {on_step_event} {on_speed} {on_seed} {on_reset}
                {on_faults} {on_help} {end_note} />
            if lesson.is_none() {
            <crate::ui::what_to_watch::WhatToWatch scenario_name={state.scenario_name.clone()}
                text={state.what_to_watch.clone()} {revealed} open={wide} {on_reveal} />
            }
            <main class="workspace">
                <section id="cluster" class="cluster-pane" aria-label="Cluster view" tabindex="-1">
                    // Compare (issue 13): with a comparison open, run B's cluster view beside this one.
                    <crate::ui::compare_view::CompareClusters pane={state.compare.clone()}
                        label_a={crate::app::compare::run_label(state.session.0.borrow().scenario())}>
                    <ContextProvider<Progressive> context={Progressive(state.playing)}>
                    <ContextProvider<crate::ui::hover::Gestures> context={gestures.clone()}>
                        // Overview (issue 14): the toggle, the grid, or the cards (of a zoomed group).
                        <crate::ui::overview::OverviewBar snapshot={crate::ui::overview::SnapPtr(snap.clone())} mode={(*overview).clone()} on_mode={on_overview.clone()} />
                        <crate::ui::overview::Overview snapshot={crate::ui::overview::SnapPtr(snap.clone())} session={state.session.clone()} mode={(*overview).clone()}
                            on_mode={on_overview} teardowns={state.teardowns.clone()} gang_hues={state.gang_hues.clone()}
                            highlight={shown_highlight.clone()} />
                        if let Some(cards_snap) = cards_snap {
                        <ClusterView snapshot={cards_snap} highlight={shown_highlight.clone()} target={state.target.clone()}
                            gang_hues={state.gang_hues.clone()} teardowns={state.teardowns.clone()}
                            now={state.now} lineage={state.lineage.clone()} health_threshold={state.session.0.borrow().scenario().timing.resolve().health_check_failure_threshold}
                            on_target={on_target.clone()} on_select_event={on_select_event.clone()} />
                        }
                    </ContextProvider<crate::ui::hover::Gestures>>
                    </ContextProvider<Progressive>>
                    </crate::ui::compare_view::CompareClusters>
                    if let Some(p) = &state.placement {
                        <PlacementPanel explanation={p.clone()} chain={state.placement_chain.clone()}
                            on_close={on_close_placement} on_select_event={on_select_event.clone()} />
                    }
                    <crate::ui::timeline::Timeline session={state.session.clone()} now={state.now} events_total={state.events_total}
                        user_actions={state.user_actions} playing={state.playing} on_travel={on_travel}
                        on_step_tick={tl_tick} on_step_event={tl_event} on_toggle_play={tl_play}
                        embed={embed || presenting} {presenting} on_present={on_present.clone()} />
                    if presenting {
                        if lesson.is_some() {
                            <crate::ui::presenter::NarrationBar text={state.announcement.clone()} on_toggle={on_present}>
                                { lesson_line }
                            </crate::ui::presenter::NarrationBar>
                        } else {
                            <crate::ui::presenter::NarrationBar text={state.announcement.clone()} on_toggle={on_present} />
                        }
                    }
                    if presenting || lesson.is_some() {
                        // Free presenter mode: the spotlight also follows what the narration line reads (issue 14).
                        <crate::ui::spotlight::Spotlight highlight={state.highlight.clone()}
                            narration={(presenting && lesson.is_none()).then(|| crate::ui::spotlight::Narration {
                                session: state.session.clone(), events_total: state.events_total, now: state.now,
                                text: state.announcement.clone() })} />
                    }
                    if !lesson_ring.is_empty() { <crate::ui::cssom::ComputedStyle css={lesson_ring} /> }
                    <crate::ui::traffic_chart::TrafficChart session={state.session.clone()} now={state.now}
                        events_total={state.events_total} user_actions={state.user_actions} snapshot={snap.clone()}
                        highlight={state.highlight.clone()} />
                    <PendingTray snapshot={snap.clone()} highlight={shown_highlight.clone()}
                        gang_hues={state.gang_hues.clone()} on_target={on_target.clone()}
                        explained={state.selected_placement.clone()} {on_explain} />
                    <Legend />
                    <crate::ui::compare_view::CompareTable pane={state.compare.clone()} session={state.session.clone()}
                        user_actions={state.user_actions} seed={state.seed} />
                </section>
                // ===== swimlanes (issue 14): beside the cluster on a wide screen, below it otherwise =====
                <ContextProvider<crate::ui::hover::Gestures> context={gestures.clone()}>
                    <crate::ui::swimlanes::Swimlanes session={state.session.clone()} events_total={state.events_total}
                        now={state.now} gang_hues={state.gang_hues.clone()} shown={state.show_lanes}
                        dispatcher={dispatcher.clone()} />
                </ContextProvider<crate::ui::hover::Gestures>>
                // ===== end swimlanes =====
                if presenting { { lesson_card.clone().unwrap_or_default() } }
                <aside class="side-pane">
                    if !presenting { { lesson_card.unwrap_or_default() } }
                    <crate::ui::share_panel::SharePanel state={state.clone()} />
                    <crate::ui::compare_form::ComparePanel state={state.clone()} />
                    <StatusPanel snapshot={snap.clone()} highlight={state.highlight.clone()} on_target={on_target} />
                    <ContextProvider<crate::ui::hover::Gestures> context={gestures}>
                    <EventLog log={state.log.clone()} matching={state.log_matching} total={state.events_total}
                        kept_from={state.events_kept_from}
                        category={state.filter_category} text={state.filter_text.clone()}
                        selected={state.selected_event.clone()} chain={shown_chain}
                        {on_select} {on_category} {on_text} />
                    </ContextProvider<crate::ui::hover::Gestures>>
                </aside>
            </main>
            } // replay (issue 15)
            if let Some(t) = &state.target {
                // Keyed by its target: another target gets a fresh form.
                <ActionPanel key={format!("{t:?}")} target={t.clone()} snapshot={snap.clone()} {on_inject} on_target={on_set_target} />
            }
            if state.lesson.picker_open {
                <crate::ui::lesson_picker::LessonPicker on_action={on_lesson.clone()}
                    current={lesson.as_ref().map(|o| o.run.lesson().id.clone())} />
            }
            if state.help_open {
                <HelpOverlay on_close={let d = dispatcher.clone(); Callback::from(move |_| d.dispatch(UiAction::ToggleHelp))} />
            }
            if let Some(blank) = state.presenter.blank {
                <crate::ui::presenter::BlankScreen {blank} {on_unblank} />
            }
            <LiveRegion text={state.announcement.clone()} />
            <Footer />
        </div>
    }
}
