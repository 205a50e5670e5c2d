//! The traffic chart's geometry, pure: one deployment's samples up to now, folded to at most one point per pixel
//! column, as SVG polyline points on the timeline's time axis; the y scales; the sentence that sums the chart up.
use crate::model::time::SimTime;
use crate::model::traffic::{SampleLog, TrafficSample};

/// Height of one of the chart's three panels (px).
pub const PANEL_H: f64 = 56.0;
/// Room kept above a panel's highest value, for its axis label (px).
pub const HEADROOM: f64 = 12.0;

/// How the samples that fall in one pixel column become one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// The highest (a one-second spike stays visible however long the run).
    Max,
    /// The latest (levels, drawn as steps).
    Last,
}

/// The samples of deployment `i` up to `now`, oldest first (after a seek back, a sample past `now` is not shown).
pub fn samples_of(log: &SampleLog, i: usize, now: SimTime) -> Vec<TrafficSample> {
    log.iter().filter(|s| s.deployment as usize == i && s.t <= now).copied().collect()
}

/// x of time `t` on a `width` px axis from 0 to `end` (the timeline's scale).
pub fn x_of(t: SimTime, end: SimTime, width: f64) -> f64 {
    t.0 as f64 * width / end.0.max(1) as f64
}

/// (x, value) with at most one point per pixel column.
pub fn columns(
    samples: &[TrafficSample],
    value: impl Fn(&TrafficSample) -> f64,
    end: SimTime,
    width: f64,
    fold: Fold,
) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut last_col = None;
    for s in samples {
        let x = x_of(s.t, end, width);
        let col = x.floor() as i64;
        let v = value(s);
        match out.last_mut() {
            Some(p) if last_col == Some(col) => match fold {
                Fold::Max if v > p.1 => *p = (x, v),
                Fold::Max => {}
                Fold::Last => *p = (x, v),
            },
            _ => out.push((x, v)),
        }
        last_col = Some(col);
    }
    out
}

/// y of value `v` in a panel whose top value is `top`.
pub fn y_of(v: f64, top: f64) -> f64 {
    let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
    PANEL_H - (v / top.max(f64::MIN_POSITIVE)).min(1.0) * (PANEL_H - HEADROOM)
}

/// Points of a straight-segment line.
pub fn line_points(cols: &[(f64, f64)], top: f64) -> String {
    let mut s = String::with_capacity(cols.len() * 12);
    for (x, v) in cols {
        s.push_str(&format!("{x:.1},{:.1} ", y_of(*v, top)));
    }
    s.truncate(s.trim_end().len());
    s
}

/// Points of a step line: each level holds until the next sample.
pub fn step_points(cols: &[(f64, f64)], top: f64) -> String {
    let mut s = String::with_capacity(cols.len() * 24);
    let mut prev: Option<f64> = None;
    for (x, v) in cols {
        let y = y_of(*v, top);
        if let Some(py) = prev
            && py != y
        {
            s.push_str(&format!("{x:.1},{py:.1} "));
        }
        s.push_str(&format!("{x:.1},{y:.1} "));
        prev = Some(y);
    }
    s.truncate(s.trim_end().len());
    s
}

/// Shortest spike drawn (px): a failure of a request or two on an axis of hundreds stays visible.
pub const MIN_SPIKE: f64 = 6.0;

/// A path of one vertical bar per column whose value is above zero (failures: a spike, and nothing drawn while
/// nothing fails), at least [`MIN_SPIKE`] high.
pub fn spike_path(cols: &[(f64, f64)], top: f64) -> String {
    let mut s = String::new();
    for (x, v) in cols.iter().filter(|c| c.1 > 0.0) {
        s.push_str(&format!("M{x:.1} {PANEL_H:.1}V{:.1}", y_of(*v, top).min(PANEL_H - MIN_SPIKE)));
    }
    s
}

/// The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10ⁿ at or above `v` (at least 1): a round top for a rate axis.
pub fn nice_top(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|t| *t >= v * 0.999_999)
        .unwrap_or(10.0 * mag)
}

/// A rate or count as people read it: whole when it is (nearly) whole, else one decimal.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let r = (v * 10.0).round() / 10.0;
    if (r - r.round()).abs() < 1e-9 { format!("{}", r.round() as i64) } else { format!("{r:.1}") }
}

/// What the chart draws for one deployment, in px of a `width` wide axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartData {
    pub width: f64,
    pub offered: String,
    pub served: String,
    /// A path (spikes), not polyline points.
    pub failed: String,
    pub target: String,
    pub routable: String,
    pub gangs: String,
    pub ongoing: String,
    /// Top of each panel's y axis: requests/s, replicas, requests in flight per replica.
    pub rate_top: f64,
    pub replica_top: f64,
    pub ongoing_top: f64,
    pub samples: usize,
    pub latest: Option<TrafficSample>,
    /// The highest failure spike (x, requests/s), labelled on the chart.
    pub failed_peak: Option<(f64, f64)>,
}

/// Limits a deployment's panels show as lines: `max_ongoing_requests` (the ongoing panel's ceiling),
/// `target_ongoing_requests` and `max_replicas` when it is autoscaled.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    pub max_ongoing: f64,
    pub target_ongoing: Option<f64>,
    pub max_replicas: Option<u32>,
}

pub fn chart_data(samples: &[TrafficSample], end: SimTime, width: f64, limits: Limits) -> ChartData {
    let rate_max = samples.iter().map(|s| s.offered_rps.max(s.served_rps).max(s.failed_rps) as f64).fold(0.0, f64::max);
    let rate_top = nice_top(rate_max);
    let replica_max = samples.iter().map(|s| s.target.max(s.replicas)).max().unwrap_or(0);
    let replica_top = replica_max.max(limits.max_replicas.unwrap_or(0)).max(1) as f64;
    let ongoing_max = samples.iter().map(|s| s.ongoing_per_replica as f64).fold(0.0, f64::max);
    let ongoing_top = ongoing_max.max(limits.max_ongoing).max(limits.target_ongoing.unwrap_or(0.0)).max(1.0);
    let rate = |f: fn(&TrafficSample) -> f32| columns(samples, |s| f(s) as f64, end, width, Fold::Max);
    let level = |f: fn(&TrafficSample) -> u32| columns(samples, |s| f(s) as f64, end, width, Fold::Last);
    let failed = rate(|s| s.failed_rps);
    let failed_peak = failed
        .iter()
        .copied()
        .filter(|c| c.1 > 0.0)
        .fold(None, |best: Option<(f64, f64)>, c| if best.is_some_and(|b| b.1 >= c.1) { best } else { Some(c) });
    ChartData {
        width,
        offered: line_points(&rate(|s| s.offered_rps), rate_top),
        served: line_points(&rate(|s| s.served_rps), rate_top),
        failed: spike_path(&failed, rate_top),
        target: step_points(&level(|s| s.target), replica_top),
        routable: step_points(&level(|s| s.replicas), replica_top),
        gangs: step_points(&level(|s| s.whole_gangs), replica_top),
        ongoing: line_points(&rate(|s| s.ongoing_per_replica), ongoing_top),
        rate_top,
        replica_top,
        ongoing_top,
        samples: samples.len(),
        latest: samples.last().copied(),
        failed_peak,
    }
}

/// The chart in one sentence (its `aria-label`): "app/Model: offered 16 req/s, served 16, failed 0; 4 of 4
/// replicas routable, 2 whole gangs".
pub fn summary(name: &str, latest: Option<&TrafficSample>, gangs: bool) -> String {
    let Some(s) = latest else {
        return format!("{name}: no traffic sample yet");
    };
    let gangs = if gangs {
        format!(", {} whole gang{}", s.whole_gangs, if s.whole_gangs == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    format!(
        "{name} at {} s: offered {} req/s, served {}, failed {}; {} of {} replicas routable{gangs}; in flight per \
         replica {}, queued {}",
        fmt_num(s.t.as_secs_f64()),
        fmt_num(s.offered_rps as f64),
        fmt_num(s.served_rps as f64),
        fmt_num(s.failed_rps as f64),
        s.replicas,
        s.target,
        fmt_num(s.ongoing_per_replica as f64),
        fmt_num(s.queued as f64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: u64, offered: f32, failed: f32, replicas: u32) -> TrafficSample {
        TrafficSample {
            t: SimTime(t_s * 1_000_000),
            deployment: 0,
            offered_rps: offered,
            served_rps: offered - failed,
            failed_rps: failed,
            queued: 0.0,
            ongoing_per_replica: 1.5,
            replicas,
            target: 4,
            whole_gangs: replicas / 2,
        }
    }

    #[test]
    fn a_long_run_folds_to_one_point_per_pixel_column_and_keeps_a_spike() {
        // An hour of samples on a 300 px axis: 12 samples a column.
        let mut s: Vec<TrafficSample> = (1..=3600).map(|t| sample(t, 10.0, 0.0, 4)).collect();
        s[1800].failed_rps = 7.0;
        let cols = columns(&s, |s| s.failed_rps as f64, SimTime(3600 * 1_000_000), 300.0, Fold::Max);
        assert!(cols.len() <= 301, "{}", cols.len());
        assert!(cols.iter().any(|c| c.1 == 7.0), "the one-second spike survives the folding");
        let data = chart_data(&s, SimTime(3600 * 1_000_000), 300.0, Limits { max_ongoing: 5.0, ..Default::default() });
        assert_eq!(data.failed.matches('M').count(), 1, "one spike: {}", data.failed);
        let (x, v) = data.failed_peak.unwrap();
        assert!((x - 1801.0 / 12.0).abs() < 1e-9 && v == 7.0, "the spike is labelled where it is: {x} {v}");
        assert!(data.served.split(' ').count() <= 301);
        assert_eq!(data.rate_top, 10.0);
        assert_eq!(data.replica_top, 4.0);
        assert_eq!(data.ongoing_top, 5.0);
    }

    #[test]
    fn points_sit_on_the_timeline_scale_and_steps_hold_their_level() {
        let s = vec![sample(1, 8.0, 0.0, 4), sample(2, 8.0, 2.0, 2), sample(3, 8.0, 0.0, 2)];
        let end = SimTime(10 * 1_000_000);
        let cols = columns(&s, |s| s.replicas as f64, end, 100.0, Fold::Last);
        assert_eq!(cols.iter().map(|c| c.0).collect::<Vec<_>>(), vec![10.0, 20.0, 30.0]);
        // 4 replicas at the top of a 4-replica axis, then a step down at x = 20.
        let pts = step_points(&cols, 4.0);
        assert_eq!(pts, format!("10.0,{h:.1} 20.0,{h:.1} 20.0,{l:.1} 30.0,{l:.1}", h = HEADROOM, l = y_of(2.0, 4.0)));
        assert_eq!(y_of(0.0, 4.0), PANEL_H);
    }

    #[test]
    fn samples_after_now_are_not_drawn() {
        let mut log = SampleLog::default();
        for t in 1..=5 {
            log.push(sample(t, 1.0, 0.0, 2));
        }
        assert_eq!(samples_of(&log, 0, SimTime(3 * 1_000_000)).len(), 3);
        assert_eq!(samples_of(&log, 1, SimTime(9 * 1_000_000)).len(), 0);
    }

    #[test]
    fn tops_are_round_and_numbers_read_well() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(16.0), 20.0);
        assert_eq!(nice_top(30.0), 30.0);
        assert_eq!(nice_top(31.0), 40.0);
        assert_eq!(nice_top(100.0), 100.0);
        assert_eq!(fmt_num(16.0), "16");
        assert_eq!(fmt_num(15.96), "16");
        assert_eq!(fmt_num(2.55), "2.6");
        assert_eq!(fmt_num(f64::NAN), "0");
    }

    #[test]
    fn the_summary_names_the_current_numbers() {
        let s = sample(20, 16.0, 0.0, 4);
        assert_eq!(
            summary("app/Model", Some(&s), true),
            "app/Model at 20 s: offered 16 req/s, served 16, failed 0; 4 of 4 replicas routable, 2 whole gangs; \
             in flight per replica 1.5, queued 0"
        );
        assert!(!summary("app/Model", Some(&s), false).contains("gang"));
        assert_eq!(summary("a/b", None, true), "a/b: no traffic sample yet");
    }
}
