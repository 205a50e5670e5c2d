//! The difference table of two runs ([`Comparison`]), as plain text and as Markdown, and the jobs that build it.
use super::*;
use crate::model::scenario::{Action, Scenario};
use crate::model::serve::status::DeploymentStatus;
use serde::Serialize;

/// Which run a row favours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    A,
    B,
    Same,
    /// Not a matter of better or worse (or not measured in one run).
    Neither,
}

impl Better {
    pub fn as_str(self) -> &'static str {
        match self {
            Better::A => "A",
            Better::B => "B",
            Better::Same => "same",
            Better::Neither => "",
        }
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub metric: String,
    pub a: String,
    pub b: String,
    /// B − A, in the metric's unit ("" when there is no number to subtract).
    pub difference: String,
    pub better: Better,
}

/// Two finished runs side by side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub label_a: String,
    pub label_b: String,
    pub rows: Vec<Row>,
    /// Actions run A got and run B did not (a deployment, application or node B lacks, or the model refused it).
    pub skipped_in_b: Vec<Skipped>,
    pub a: RunMetrics,
    pub b: RunMetrics,
}

pub(super) fn fmt_s(s: f64) -> String {
    let r = (s * 1000.0).round() / 1000.0;
    format!("{r} s")
}

fn fmt_num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r:.1}") }
}

fn signed(d: f64, unit: &str) -> String {
    let r = (d * 1000.0).round() / 1000.0;
    let body = if unit == " s" { format!("{}", r.abs()) } else { fmt_num(r.abs()) };
    if r == 0.0 { format!("0{unit}") } else { format!("{}{body}{unit}", if r > 0.0 { "+" } else { "−" }) }
}

/// A row where lower is better; `None` is "never" (worse than any number).
fn lower_better(metric: &str, a: Option<f64>, b: Option<f64>, unit: &str, never: &str) -> Row {
    let show = |v: Option<f64>| match v {
        Some(x) if unit == " s" => fmt_s(x),
        Some(x) => fmt_num(x),
        None => never.to_string(),
    };
    let (difference, better) = match (a, b) {
        (Some(x), Some(y)) => {
            let d = y - x;
            let better = if (d * 1000.0).round() == 0.0 {
                Better::Same
            } else if d < 0.0 {
                Better::B
            } else {
                Better::A
            };
            (signed(d, unit), better)
        }
        (Some(_), None) => (String::new(), Better::A),
        (None, Some(_)) => (String::new(), Better::B),
        (None, None) => (String::new(), Better::Same),
    };
    Row { metric: metric.to_string(), a: show(a), b: show(b), difference, better }
}

fn status_rank(s: DeploymentStatus) -> u8 {
    match s {
        DeploymentStatus::Healthy => 0,
        DeploymentStatus::Upscaling | DeploymentStatus::Downscaling | DeploymentStatus::Updating => 1,
        DeploymentStatus::Unhealthy => 2,
        DeploymentStatus::DeployFailed => 3,
    }
}

fn status_str(s: DeploymentStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl Comparison {
    /// The table of two runs' metrics. `skipped_in_b` lists the actions B did not get before it ran; the user
    /// actions A applied and B's model refused are added here.
    pub fn of(
        label_a: &str,
        a: RunMetrics,
        label_b: &str,
        b: RunMetrics,
        mut skipped_in_b: Vec<Skipped>,
    ) -> Comparison {
        for ob in &b.actions {
            let in_a = a.actions.iter().find(|oa| oa.at_s == ob.at_s && oa.action == ob.action);
            if !ob.applied && in_a.is_none_or(|oa| oa.applied) {
                skipped_in_b.push(Skipped { at_s: ob.at_s, action: ob.action.clone(), why: ob.reason.clone() });
            }
        }
        let mut rows = vec![
            lower_better("time until every gang first RUNNING", a.all_running_s, b.all_running_s, " s", "never"),
            lower_better("gang teardowns", Some(a.teardowns.into()), Some(b.teardowns.into()), "", ""),
            lower_better(
                "replicas restarted",
                Some(a.replicas_restarted.into()),
                Some(b.replicas_restarted.into()),
                "",
                "",
            ),
            lower_better("replica-seconds lost", Some(a.replica_seconds_lost), Some(b.replica_seconds_lost), "", ""),
        ];
        // Recoveries, fault by fault: matched by the fault's description and time, in order.
        let mut b_used = vec![false; b.recoveries.len()];
        for ra in &a.recoveries {
            let mb = b
                .recoveries
                .iter()
                .enumerate()
                .find(|(i, rb)| !b_used[*i] && rb.fault == ra.fault && rb.at_s == ra.at_s);
            let metric = format!("recovery after {} at {}", ra.fault, fmt_s(ra.at_s));
            match mb {
                Some((i, rb)) => {
                    b_used[i] = true;
                    rows.push(recovery_row(metric, &ra.outcome, &rb.outcome));
                }
                None => rows.push(Row {
                    metric,
                    a: ra.outcome.describe(),
                    b: if skipped_in_b.iter().any(|s| s.at_s == ra.at_s && s.action == ra.fault) {
                        "skipped in B".to_string()
                    } else {
                        "not in B".to_string()
                    },
                    difference: String::new(),
                    better: Better::Neither,
                }),
            }
        }
        for (i, rb) in b.recoveries.iter().enumerate() {
            if !b_used[i] {
                rows.push(Row {
                    metric: format!("recovery after {} at {}", rb.fault, fmt_s(rb.at_s)),
                    a: "not in A".to_string(),
                    b: rb.outcome.describe(),
                    difference: String::new(),
                    better: Better::Neither,
                });
            }
        }
        rows.push(lower_better("PGs left pending", Some(a.pgs_pending.into()), Some(b.pgs_pending.into()), "", ""));
        rows.push(lower_better(
            "PGs leaked at the end",
            Some(a.leaked_pgs.len() as f64),
            Some(b.leaked_pgs.len() as f64),
            "",
            "",
        ));
        let mut names: Vec<&String> = a.final_statuses.iter().map(|(n, _)| n).collect();
        for (n, _) in &b.final_statuses {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        for n in names {
            let sa = a.final_statuses.iter().find(|(x, _)| x == n).map(|(_, s)| *s);
            let sb = b.final_statuses.iter().find(|(x, _)| x == n).map(|(_, s)| *s);
            let better = match (sa, sb) {
                (Some(x), Some(y)) if status_rank(x) < status_rank(y) => Better::A,
                (Some(x), Some(y)) if status_rank(x) > status_rank(y) => Better::B,
                (Some(_), Some(_)) => Better::Same,
                _ => Better::Neither,
            };
            let show = |s: Option<DeploymentStatus>| s.map_or("(none)".to_string(), status_str);
            rows.push(Row {
                metric: format!("final status {n}"),
                a: show(sa),
                b: show(sb),
                difference: String::new(),
                better,
            });
        }
        rows.push(lower_better("requests failed", Some(a.requests_failed), Some(b.requests_failed), "", ""));
        rows.push(lower_better(
            "invariant violations",
            Some(a.violations.len() as f64),
            Some(b.violations.len() as f64),
            "",
            "",
        ));
        Comparison { label_a: label_a.to_string(), label_b: label_b.to_string(), rows, skipped_in_b, a, b }
    }

    /// The comparison as a plain-text table (fixed-width columns), then the actions skipped in B.
    pub fn to_text(&self) -> String {
        let header = ["metric", "A", "B", "B − A", "better"];
        let cells: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|r| [r.metric.clone(), r.a.clone(), r.b.clone(), r.difference.clone(), r.better.as_str().to_string()])
            .collect();
        let mut width = header.map(|h| h.chars().count());
        for c in &cells {
            for i in 0..5 {
                width[i] = width[i].max(c[i].chars().count());
            }
        }
        let line = |c: &[String; 5]| {
            let mut s = String::new();
            for i in 0..5 {
                let pad = width[i] - c[i].chars().count();
                if i == 0 {
                    s.push_str(&c[i]);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("  ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(&c[i]);
                }
            }
            s.trim_end().to_string()
        };
        let mut out = format!("A: {}\nB: {}\n\n", self.label_a, self.label_b);
        out.push_str(&line(&header.map(str::to_string)));
        out.push('\n');
        out.push_str(&"-".repeat(width.iter().sum::<usize>() + 8));
        out.push('\n');
        for c in &cells {
            out.push_str(&line(c));
            out.push('\n');
        }
        out.push_str(&self.skipped_text());
        out
    }

    fn skipped_text(&self) -> String {
        let mut out = String::new();
        if !self.skipped_in_b.is_empty() {
            out.push_str("\nSkipped in B:\n");
            for s in &self.skipped_in_b {
                out.push_str(&format!("  at {}: {}: {}\n", fmt_s(s.at_s), s.action, s.why));
            }
        }
        out
    }

    /// The comparison as a Markdown table (for a design doc), then the actions skipped in B.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = format!("**A**: {}  \n**B**: {}\n\n", esc(&self.label_a), esc(&self.label_b));
        out.push_str("| metric | A | B | B − A | better |\n|---|---:|---:|---:|:---:|\n");
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                esc(&r.metric),
                esc(&r.a),
                esc(&r.b),
                esc(&r.difference),
                r.better.as_str()
            ));
        }
        if !self.skipped_in_b.is_empty() {
            out.push_str("\nSkipped in B:\n\n");
            for s in &self.skipped_in_b {
                out.push_str(&format!("- at {}: `{}`: {}\n", fmt_s(s.at_s), esc(&s.action), esc(&s.why)));
            }
        }
        out
    }
}

fn recovery_row(metric: String, a: &RecoveryOutcome, b: &RecoveryOutcome) -> Row {
    match (a, b) {
        (RecoveryOutcome::Skipped { .. }, _) | (_, RecoveryOutcome::Skipped { .. }) => {
            Row { metric, a: a.describe(), b: b.describe(), difference: String::new(), better: Better::Neither }
        }
        _ => {
            let mut row = lower_better(&metric, a.seconds(), b.seconds(), " s", "");
            row.a = a.describe();
            row.b = b.describe();
            row
        }
    }
}

/// The label of a run: the scenario's name and seed.
pub fn run_label(scenario: &Scenario) -> String {
    format!("{} (seed {})", scenario.name, scenario.seed)
}

/// Run A (`a` with the user's `a_actions`) and B to their ends and compare them. B gets `b_actions` less those
/// naming a deployment, application or node B lacks, which are listed as skipped in B.
pub fn compare(a: &Scenario, a_actions: &[Action], b: &Scenario, b_actions: &[Action]) -> Comparison {
    compare_labelled(&run_label(a), a, a_actions, &run_label(b), b, b_actions, Vec::new())
}

/// [`compare`] with labels and the scenario actions a variant already left out of B.
pub fn compare_labelled(
    label_a: &str,
    a: &Scenario,
    a_actions: &[Action],
    label_b: &str,
    b: &Scenario,
    b_actions: &[Action],
    skipped: Vec<Skipped>,
) -> Comparison {
    let mut job = CompareJob::new(label_a, a, a_actions, label_b, b, b_actions, skipped);
    while !job.step(usize::MAX / 2) {}
    job.finish()
}

/// A comparison in progress: both runs played a bounded slice at a time (for the browser), then the table.
pub struct CompareJob {
    label_a: String,
    label_b: String,
    a: MetricsRun,
    b: MetricsRun,
    skipped: Vec<Skipped>,
}

impl CompareJob {
    /// B gets `b_actions` less those naming what B lacks (listed as skipped, after `skipped`).
    pub fn new(
        label_a: &str,
        a: &Scenario,
        a_actions: &[Action],
        label_b: &str,
        b: &Scenario,
        b_actions: &[Action],
        mut skipped: Vec<Skipped>,
    ) -> CompareJob {
        let (kept, static_skips) = plan_actions(b, b_actions, &[]);
        skipped.extend(static_skips);
        CompareJob {
            label_a: label_a.to_string(),
            label_b: label_b.to_string(),
            a: MetricsRun::new(a, a_actions),
            b: MetricsRun::new(b, &kept),
            skipped,
        }
    }

    /// The job for a variant of the base run.
    pub fn for_variant(base: &Scenario, actions: &[Action], variant: &Variant) -> Result<CompareJob, String> {
        let applied = variant.apply(base)?;
        let label_b = variant.label_with_seed(applied.scenario.seed);
        Ok(CompareJob::new(&run_label(base), base, actions, &label_b, &applied.scenario, actions, applied.skipped))
    }

    /// At most `budget` model wakeups of work (A first, then B). Returns whether both runs are over.
    pub fn step(&mut self, budget: usize) -> bool {
        if !self.a.done() {
            self.a.step(budget);
        } else if !self.b.done() {
            self.b.step(budget);
        }
        self.a.done() && self.b.done()
    }

    /// 0..=1: simulated time played over both runs' ends.
    pub fn progress(&self) -> f64 {
        let total = (self.a.end().0 + self.b.end().0).max(1) as f64;
        ((self.a.now().0.min(self.a.end().0) + self.b.now().0.min(self.b.end().0)) as f64 / total).min(1.0)
    }

    /// Play what is left and build the table.
    pub fn finish(self) -> Comparison {
        let (a, b) = (self.a.finish(), self.b.finish());
        Comparison::of(&self.label_a, a, &self.label_b, b, self.skipped)
    }
}

/// Compare the base run with the variant of it: B is the base scenario with the variant's changes and the same
/// user actions.
pub fn compare_variant(base: &Scenario, actions: &[Action], variant: &Variant) -> Result<Comparison, String> {
    let mut job = CompareJob::for_variant(base, actions, variant)?;
    while !job.step(usize::MAX / 2) {}
    Ok(job.finish())
}
