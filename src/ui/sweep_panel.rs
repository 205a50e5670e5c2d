//! "Many seeds…" (issue 13): the session's scenario and actions over N seeds, run a slice per animation frame
//! (a time budget per frame, so the page keeps drawing), with progress, Cancel, a histogram of the time to recover
//! and the outcome counts, each with a button that loads a seed that shows it.
use crate::app::sweep::{DEFAULT_SEEDS, Distribution, Sweep, SweepSummary};
use crate::model::scenario::{Action, Scenario};
use gloo::render::{AnimationFrame, request_animation_frame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::prelude::*;

/// Wall-clock milliseconds of model work per animation frame (the rest of the frame draws the page).
pub const SLICE_BUDGET_MS: f64 = 12.0;
/// Model wakeups per call of a job's `step` inside a frame's slice (small, so the budget is checked often).
pub const WAKEUPS_PER_CALL: usize = 16;

/// A job run a slice per animation frame until `step` says it is done; dropping it cancels it. It measures the
/// longest interval between two of its frames (what a user feels as a frozen page).
pub struct SliceLoop {
    frame: Rc<RefCell<Option<AnimationFrame>>>,
    alive: Rc<Cell<bool>>,
    pub longest_frame_ms: Rc<Cell<f64>>,
}

impl SliceLoop {
    /// Start: `step` does a little work and returns whether the job is done; `on_frame` runs after each frame's
    /// slice (with whether the job is done), to show progress.
    pub fn start(step: impl FnMut() -> bool + 'static, on_frame: impl Fn(bool) + 'static) -> SliceLoop {
        let l = SliceLoop {
            frame: Rc::new(RefCell::new(None)),
            alive: Rc::new(Cell::new(true)),
            longest_frame_ms: Rc::new(Cell::new(0.0)),
        };
        let step: Rc<RefCell<dyn FnMut() -> bool>> = Rc::new(RefCell::new(step));
        schedule(l.frame.clone(), l.alive.clone(), l.longest_frame_ms.clone(), None, step, Rc::new(on_frame));
        l
    }
}

impl Drop for SliceLoop {
    fn drop(&mut self) {
        self.alive.set(false);
        self.frame.borrow_mut().take();
    }
}

fn schedule(
    holder: Rc<RefCell<Option<AnimationFrame>>>,
    alive: Rc<Cell<bool>>,
    longest: Rc<Cell<f64>>,
    last_ts: Option<f64>,
    step: Rc<RefCell<dyn FnMut() -> bool>>,
    on_frame: Rc<dyn Fn(bool)>,
) {
    let next_holder = holder.clone();
    let frame = request_animation_frame(move |ts| {
        if !alive.get() {
            return;
        }
        if let Some(last) = last_ts {
            longest.set(longest.get().max(ts - last));
        }
        let start = crate::ui::perf::now_ms();
        let mut done = false;
        while !done && crate::ui::perf::now_ms() - start < SLICE_BUDGET_MS {
            done = (step.borrow_mut())();
        }
        on_frame(done);
        if !done && alive.get() {
            schedule(next_holder, alive, longest, Some(ts), step, on_frame);
        }
    });
    *holder.borrow_mut() = Some(frame);
}

#[derive(Properties, PartialEq)]
pub struct SweepPanelProps {
    /// The session's scenario and user actions (taken when a sweep starts).
    pub scenario: Rc<Scenario>,
    pub actions: Rc<Vec<Action>>,
    /// Load this seed (with the user's actions).
    pub on_load_seed: Callback<u64>,
}

/// Where a sweep stands.
#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    Running { fraction: f64, runs_done: u32, runs: u32 },
    Done { summary: Rc<SweepSummary>, longest_frame_ms: f64, wall_ms: f64 },
    Cancelled { runs_done: u32 },
}

#[component(SweepPanel)]
pub fn sweep_panel(props: &SweepPanelProps) -> Html {
    let seeds = use_state(|| DEFAULT_SEEDS.to_string());
    let phase = use_state(|| Phase::Idle);
    let running: Rc<RefCell<Option<SliceLoop>>> = use_mut_ref(|| None);
    let sweep: Rc<RefCell<Option<Sweep>>> = use_mut_ref(|| None);
    // Cancel on unmount.
    {
        let running = running.clone();
        use_effect_with((), move |_| move || drop(running.borrow_mut().take()));
    }
    let on_seeds = {
        let seeds = seeds.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            seeds.set(input.value());
        })
    };
    let n: u32 = seeds.trim().parse().ok().filter(|n| (1..=5000).contains(n)).unwrap_or(0);
    let on_run = {
        let (phase, running, sweep) = (phase.clone(), running.clone(), sweep.clone());
        let (scenario, actions) = (props.scenario.clone(), props.actions.clone());
        Callback::from(move |_: MouseEvent| {
            if n == 0 {
                return;
            }
            *sweep.borrow_mut() = Some(Sweep::new(&scenario, &actions, n));
            phase.set(Phase::Running { fraction: 0.0, runs_done: 0, runs: n });
            let started = crate::ui::perf::now_ms();
            let s1 = sweep.clone();
            let step = move || s1.borrow_mut().as_mut().is_none_or(|s| s.step(WAKEUPS_PER_CALL));
            let (s2, p2, r2) = (sweep.clone(), phase.clone(), running.clone());
            let on_frame = move |done: bool| {
                let guard = s2.borrow();
                let Some(s) = guard.as_ref() else { return };
                if done {
                    let longest = r2.borrow().as_ref().map_or(0.0, |l| l.longest_frame_ms.get());
                    p2.set(Phase::Done {
                        summary: Rc::new(s.summary()),
                        longest_frame_ms: longest,
                        wall_ms: crate::ui::perf::now_ms() - started,
                    });
                    if let Some(w) = web_sys::window() {
                        // For the page benchmark and the e2e test: the longest frame while the sweep ran.
                        let _ = web_sys::js_sys::Reflect::set(&w, &"__gpSweepLongestFrameMs".into(), &longest.into());
                    }
                } else {
                    let p = s.progress();
                    p2.set(Phase::Running { fraction: p.fraction(), runs_done: p.runs_done, runs: p.runs });
                }
            };
            *running.borrow_mut() = Some(SliceLoop::start(step, on_frame));
        })
    };
    let on_cancel = {
        let (phase, running, sweep) = (phase.clone(), running.clone(), sweep.clone());
        Callback::from(move |_: MouseEvent| {
            running.borrow_mut().take();
            let done = sweep.borrow().as_ref().map_or(0, |s| s.progress().runs_done);
            sweep.borrow_mut().take();
            phase.set(Phase::Cancelled { runs_done: done });
        })
    };
    let is_running = matches!(*phase, Phase::Running { .. });
    html! {
        <section class="sweep-panel" aria-labelledby="sweep-title" data-testid="sweep-panel">
            <h3 id="sweep-title">{ "Many seeds" }</h3>
            <p class="quiet">{ "This scenario with your actions, over many seeds: how long recovery takes, and how often each ending happens." }</p>
            <div class="sweep-controls">
                <label>{ "Seeds " }
                    <input type="number" min="1" max="5000" value={(*seeds).clone()} oninput={on_seeds}
                        disabled={is_running} data-testid="sweep-seeds" />
                </label>
                if is_running {
                    <button type="button" onclick={on_cancel} data-testid="sweep-cancel">{ "Cancel" }</button>
                } else {
                    <button type="button" class="primary" onclick={on_run} disabled={n == 0} data-testid="sweep-run">
                        { format!("Run {n} seeds") }</button>
                }
            </div>
            { phase_view(&phase, &props.on_load_seed) }
        </section>
    }
}

fn phase_view(phase: &Phase, on_load: &Callback<u64>) -> Html {
    match phase {
        Phase::Idle => html! {},
        Phase::Running { fraction, runs_done, runs } => html! {
            <div class="sweep-progress" role="status">
                <progress max="1" value={fraction.to_string()} aria-label="Seed sweep progress" />
                <span>{ format!("{runs_done} of {runs} seeds") }</span>
            </div>
        },
        Phase::Cancelled { runs_done } => html! {
            <p class="quiet" role="status" data-testid="sweep-cancelled">{ format!("Cancelled after {runs_done} seeds.") }</p>
        },
        Phase::Done { summary, longest_frame_ms, wall_ms } => html! {
            <div class="sweep-results" data-testid="sweep-results">
                <p role="status">{ format!("{} seeds in {:.1} s; longest frame while running: ", summary.runs_done, wall_ms / 1000.0) }
                    <span data-testid="sweep-longest-frame">{ format!("{longest_frame_ms:.0} ms") }</span></p>
                { outcome_table(summary, on_load) }
                { match (&summary.recovery, &summary.all_running) {
                    (Some(d), _) => histogram("Time to recover (slowest fault of each run)", d, on_load),
                    (None, Some(d)) => histogram("No fault to recover from: time until every gang first RUNNING", d, on_load),
                    (None, None) => html! { <p class="quiet">{ "No run has a time to show." }</p> },
                } }
            </div>
        },
    }
}

fn outcome_table(summary: &SweepSummary, on_load: &Callback<u64>) -> Html {
    html! {
        <table class="sweep-outcomes" data-testid="sweep-outcomes">
            <caption>{ format!("Outcomes over {} seeds", summary.runs_done) }</caption>
            <thead><tr><th scope="col">{ "Outcome" }</th><th scope="col">{ "Runs" }</th><th scope="col">{ "First seed" }</th></tr></thead>
            <tbody>
            { for summary.outcomes.iter().map(|o| {
                let seed = o.first_seed;
                let load = on_load.clone();
                html! {
                    <tr data-outcome={o.outcome.as_str()}>
                        <th scope="row">{ o.outcome.as_str() }</th>
                        <td>{ o.runs }</td>
                        <td>{ match seed {
                            Some(s) => html! { <button type="button" class="link" onclick={Callback::from(move |_| load.emit(s))}
                                aria-label={format!("Load seed {s} ({})", o.outcome.as_str())}>{ format!("seed {s}") }</button> },
                            None => html! { "–" },
                        } }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}

/// A histogram as SVG bars; a bar's first seed loads on click.
fn histogram(title: &str, d: &Distribution, on_load: &Callback<u64>) -> Html {
    let (w, h, pad) = (300.0, 100.0, 14.0);
    let top = d.bins.iter().map(|b| b.runs).max().unwrap_or(1).max(1) as f64;
    let bw = w / d.bins.len().max(1) as f64;
    let never = if d.missing > 0 { format!("; never in {} runs", d.missing) } else { String::new() };
    html! {
        <figure class="sweep-histogram" data-testid="sweep-histogram">
            <figcaption>{ format!("{title}: min {:.2} s, median {:.2} s, p90 {:.2} s, max {:.2} s{never}", d.min, d.median, d.p90, d.max) }</figcaption>
            <svg viewBox={format!("0 0 {w} {}", h + pad)} role="img"
                aria-label={format!("{title}: histogram of {} runs in {} bins", d.count, d.bins.len())}>
                { for d.bins.iter().enumerate().map(|(i, b)| {
                    let bh = if b.runs == 0 { 0.0 } else { (b.runs as f64 / top * h).max(1.5) };
                    let x = i as f64 * bw;
                    let label = format!("{:.2} – {:.2} s: {} runs", b.from, b.to, b.runs);
                    let load = on_load.clone();
                    let seed = b.first_seed;
                    let onclick = Callback::from(move |_: MouseEvent| if let Some(s) = seed { load.emit(s) });
                    html! {
                        <g class={classes!("bar", seed.is_some().then_some("has-seed"))} {onclick}>
                            <title>{ match seed { Some(s) => format!("{label} (click: load seed {s})"), None => label } }</title>
                            <rect x={format!("{:.1}", x + 1.0)} y={format!("{:.1}", h - bh)} width={format!("{:.1}", bw - 2.0)} height={format!("{bh:.1}")} />
                        </g>
                    }
                }) }
                <text x="0" y={format!("{}", h + pad - 2.0)} class="axis">{ format!("{:.2} s", d.min) }</text>
                <text x={format!("{w}")} y={format!("{}", h + pad - 2.0)} class="axis end">{ format!("{:.2} s", d.max) }</text>
            </svg>
        </figure>
    }
}
