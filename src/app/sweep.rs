//! A seed sweep (issue 13): the same scenario and user actions over N seeds, played a bounded slice at a time
//! ([`Sweep::step`]) so the browser can spread it over frames, with the distribution of time-to-recover and how
//! often each outcome happens, each outcome with the first seed that shows it.
//!
//! Seeds are the scenario's own seed, then the next ones: `seed`, `seed + 1`, … (wrapping), so seed index 0 is
//! the run the user is looking at.
use crate::app::compare::{MetricsRun, RunMetrics};
use crate::model::scenario::{Action, Scenario};
use serde::Serialize;

/// How many seeds a sweep runs unless told otherwise.
pub const DEFAULT_SEEDS: u32 = 200;
/// Bins of a histogram.
pub const BINS: usize = 10;

/// What a run came to, as the sweep counts it. A run can show more than one (HEALTHY with a leaked PG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every deployment HEALTHY at the end.
    Healthy,
    /// Some deployment DEPLOY_FAILED at the end.
    DeployFailed,
    /// Neither: some deployment still UPDATING, UPSCALING, UNHEALTHY, … at the end.
    Unsettled,
    /// A leaked placement group at the end (a live PG no deployment tracks and no live replica uses).
    LeakedPg,
    /// The run recorded an invariant violation.
    Violation,
}

impl Outcome {
    pub const ALL: [Outcome; 5] =
        [Outcome::Healthy, Outcome::DeployFailed, Outcome::Unsettled, Outcome::LeakedPg, Outcome::Violation];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Healthy => "HEALTHY at the end",
            Outcome::DeployFailed => "DEPLOY_FAILED at the end",
            Outcome::Unsettled => "not settled at the end",
            Outcome::LeakedPg => "a leaked PG at the end",
            Outcome::Violation => "an invariant violation",
        }
    }

    /// The outcomes a run shows.
    pub fn of(m: &RunMetrics) -> Vec<Outcome> {
        let mut out = Vec::new();
        if m.healthy() {
            out.push(Outcome::Healthy);
        } else if m.deploy_failed() {
            out.push(Outcome::DeployFailed);
        } else {
            out.push(Outcome::Unsettled);
        }
        if !m.leaked_pgs.is_empty() {
            out.push(Outcome::LeakedPg);
        }
        if !m.violations.is_empty() {
            out.push(Outcome::Violation);
        }
        out
    }
}

/// How many runs showed an outcome, and the first seed that did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeCount {
    pub outcome: Outcome,
    pub runs: u32,
    pub first_seed: Option<u64>,
}

/// One run of the sweep, reduced to what the summary needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedRun {
    pub seed: u64,
    /// The slowest recovery over the run's faults (`None`: no fault measured; `Some(None)`: one never recovered).
    pub worst_recovery: Option<Option<f64>>,
    pub all_running_s: Option<f64>,
    pub outcomes: Vec<Outcome>,
}

/// A distribution of seconds over the runs that have a figure; `missing` runs had none ("never").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    pub count: u32,
    pub missing: u32,
    pub min: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
    /// [`BINS`] equal bins from `min` to `max`: (lower edge, upper edge, runs, first seed in the bin).
    pub bins: Vec<Bin>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub runs: u32,
    pub first_seed: Option<u64>,
}

impl Distribution {
    /// The distribution of `(seed, value)` pairs (`None`: missing).
    pub fn of(values: &[(u64, Option<f64>)]) -> Option<Distribution> {
        let mut v: Vec<(f64, u64)> = values.iter().filter_map(|(s, x)| x.map(|x| (x, *s))).collect();
        let missing = (values.len() - v.len()) as u32;
        if v.is_empty() {
            return None;
        }
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Nearest-rank percentiles.
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1].0;
        let (min, max) = (v[0].0, v[v.len() - 1].0);
        let width = (max - min) / BINS as f64;
        let mut bins: Vec<Bin> = (0..BINS)
            .map(|i| Bin {
                from: min + width * i as f64,
                to: if i + 1 == BINS { max } else { min + width * (i + 1) as f64 },
                runs: 0,
                first_seed: None,
            })
            .collect();
        // In seed order, so "first seed" is the first the sweep ran.
        for (seed, x) in values.iter().filter_map(|(s, x)| x.map(|x| (*s, x))) {
            let i = if width > 0.0 { (((x - min) / width) as usize).min(BINS - 1) } else { 0 };
            bins[i].runs += 1;
            bins[i].first_seed.get_or_insert(seed);
        }
        Some(Distribution { count: v.len() as u32, missing, min, median: rank(0.5), p90: rank(0.9), max, bins })
    }
}

/// How far a sweep is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub runs_done: u32,
    pub runs: u32,
    /// Of the run in progress: simulated µs done and its end.
    pub run_now_us: u64,
    pub run_end_us: u64,
}

impl Progress {
    /// 0..=1.
    pub fn fraction(&self) -> f64 {
        if self.runs == 0 {
            return 1.0;
        }
        let part = if self.run_end_us > 0 { self.run_now_us as f64 / self.run_end_us as f64 } else { 0.0 };
        ((self.runs_done as f64 + part) / self.runs as f64).min(1.0)
    }
}

/// The scenario and user actions over `runs` seeds, stepped a bounded slice at a time.
pub struct Sweep {
    scenario: Scenario,
    actions: Vec<Action>,
    runs: u32,
    current: Option<MetricsRun>,
    results: Vec<SeedRun>,
    /// Model wakeups processed so far, over all runs.
    wakeups: u64,
}

impl Sweep {
    pub fn new(scenario: &Scenario, actions: &[Action], runs: u32) -> Sweep {
        Sweep {
            scenario: scenario.clone(),
            actions: actions.to_vec(),
            runs,
            current: None,
            results: Vec::new(),
            wakeups: 0,
        }
    }

    /// The seed of run `i`.
    pub fn seed_of(&self, i: u32) -> u64 {
        self.scenario.seed.wrapping_add(u64::from(i))
    }

    pub fn done(&self) -> bool {
        self.results.len() as u32 >= self.runs
    }

    pub fn progress(&self) -> Progress {
        Progress {
            runs_done: self.results.len() as u32,
            runs: self.runs,
            run_now_us: self.current.as_ref().map_or(0, |r| r.now().0),
            run_end_us: self.current.as_ref().map_or(0, |r| r.end().0),
        }
    }

    /// Model wakeups processed so far (over all runs).
    pub fn wakeups(&self) -> u64 {
        self.wakeups + self.current.as_ref().map_or(0, |r| r.wakeups())
    }

    /// Do at most `budget` model wakeups of work (a run's start and its final reading count as one each), across
    /// runs; a run is advanced in slices of simulated time, never necessarily whole. Returns whether the sweep is
    /// done.
    pub fn step(&mut self, budget: usize) -> bool {
        let mut left = budget.max(1);
        while left > 0 && !self.done() {
            let run = match &mut self.current {
                Some(r) => r,
                None => {
                    let mut s = self.scenario.clone();
                    s.seed = self.seed_of(self.results.len() as u32);
                    left -= 1;
                    self.current.insert(MetricsRun::new(&s, &self.actions))
                }
            };
            let before = run.wakeups();
            let finished = run.step(left);
            let used = (run.wakeups() - before).max(1) as usize;
            left = left.saturating_sub(used);
            if finished {
                let run = self.current.take().expect("a run in progress");
                self.wakeups += run.wakeups();
                let seed = self.seed_of(self.results.len() as u32);
                let m = run.finish();
                self.results.push(SeedRun {
                    seed,
                    worst_recovery: m.worst_recovery(),
                    all_running_s: m.all_running_s,
                    outcomes: Outcome::of(&m),
                });
                left = left.saturating_sub(1);
            }
        }
        self.done()
    }

    /// Run to the end.
    pub fn run_all(&mut self) {
        while !self.step(usize::MAX / 2) {}
    }

    pub fn results(&self) -> &[SeedRun] {
        &self.results
    }

    /// The summary of the runs done so far.
    pub fn summary(&self) -> SweepSummary {
        SweepSummary::of(&self.results, self.runs)
    }
}

/// What a sweep found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepSummary {
    pub runs: u32,
    pub runs_done: u32,
    /// Runs with faults measured: the slowest recovery per run (`missing`: a fault never recovered).
    pub recovery: Option<Distribution>,
    /// Time until every gang first RUNNING.
    pub all_running: Option<Distribution>,
    /// Every outcome, in [`Outcome::ALL`] order (zero counts included).
    pub outcomes: Vec<OutcomeCount>,
}

impl SweepSummary {
    pub fn of(results: &[SeedRun], runs: u32) -> SweepSummary {
        let rec: Vec<(u64, Option<f64>)> =
            results.iter().filter_map(|r| r.worst_recovery.map(|w| (r.seed, w))).collect();
        let up: Vec<(u64, Option<f64>)> = results.iter().map(|r| (r.seed, r.all_running_s)).collect();
        let outcomes = Outcome::ALL
            .iter()
            .map(|&o| {
                let with: Vec<&SeedRun> = results.iter().filter(|r| r.outcomes.contains(&o)).collect();
                OutcomeCount { outcome: o, runs: with.len() as u32, first_seed: with.first().map(|r| r.seed) }
            })
            .collect();
        SweepSummary {
            runs,
            runs_done: results.len() as u32,
            recovery: Distribution::of(&rec),
            all_running: Distribution::of(&up),
            outcomes,
        }
    }

    /// The summary as plain text (the CLI's).
    pub fn to_text(&self) -> String {
        let mut out = format!("{} of {} seeds run\n", self.runs_done, self.runs);
        let dist = |name: &str, d: &Option<Distribution>, out: &mut String| match d {
            None => out.push_str(&format!("{name}: no run has a figure\n")),
            Some(d) => {
                out.push_str(&format!(
                    "{name}: min {:.3} s, median {:.3} s, p90 {:.3} s, max {:.3} s ({} runs{})\n",
                    d.min,
                    d.median,
                    d.p90,
                    d.max,
                    d.count,
                    if d.missing > 0 { format!("; never in {}", d.missing) } else { String::new() }
                ));
                let top = d.bins.iter().map(|b| b.runs).max().unwrap_or(1).max(1);
                for b in &d.bins {
                    let bar = "#".repeat((b.runs as usize * 40).div_ceil(top as usize));
                    out.push_str(&format!("  {:>9.3} – {:>9.3} s {:>5}  {bar}\n", b.from, b.to, b.runs));
                }
            }
        };
        dist("time to recover (slowest fault per run)", &self.recovery, &mut out);
        dist("time until every gang first RUNNING", &self.all_running, &mut out);
        out.push_str("outcomes:\n");
        for o in &self.outcomes {
            out.push_str(&format!(
                "  {:<26} {:>5}{}\n",
                o.outcome.as_str(),
                o.runs,
                o.first_seed.map_or(String::new(), |s| format!("  (first: seed {s})"))
            ));
        }
        out
    }
}
