//! The page's replay of a recording (issue 15), what to show and where the clock goes, kept pure so it is tested
//! natively: the mark that says the picture is a real cluster's, "next / previous event", a playback frame, and
//! the difference list's rows in clock order.
//!
//! The recording itself (parsing, snapshots, sentences, the derived scenario, the differences) is
//! `app::recording`'s; this file only decides how the page presents it.
use crate::app::recording::diff::Verdict;

/// A time within this of an event counts as "at" it: "next event" from an event's own time goes past it.
pub const SAME_INSTANT_S: f64 = 1e-6;

/// How the replay's mark reads: "Recorded on a real cluster — Ray 2.60.0, 2026-12-07 03:00 UTC, 1 min 10 s".
pub fn mark_text(ray_version: &str, started_at: &str, duration_s: f64) -> String {
    let version = if ray_version.trim().is_empty() { "unknown version" } else { ray_version.trim() };
    format!(
        "Recorded on a real cluster \u{2014} Ray {version}, {}, {}",
        date_text(started_at),
        duration_text(duration_s)
    )
}

/// An ISO 8601 UTC time as "2026-12-07 03:00 UTC" (the minute is enough to recognise a run); anything that does not
/// look like one is shown as given.
pub fn date_text(iso: &str) -> String {
    let b = iso.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let shaped = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16);
    if !shaped {
        return if iso.trim().is_empty() { "unknown date".to_string() } else { iso.trim().to_string() };
    }
    // Only a UTC time ("Z", "+00:00" or no zone) is called UTC; another offset is kept as written.
    let zone = iso[16..].trim_start_matches(|c: char| c.is_ascii_digit() || c == ':' || c == '.');
    let zone = match zone {
        "" | "Z" | "z" | "+00:00" | "+0000" => "UTC".to_string(),
        other => other.to_string(),
    };
    format!("{} {} {zone}", &iso[..10], &iso[11..16])
}

/// A run's length in words: "42.5 s", "1 min 10 s", "2 h 5 min".
pub fn duration_text(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "unknown length".to_string();
    }
    if s < 60.0 {
        let t = format!("{s:.1}");
        return format!("{} s", t.strip_suffix(".0").unwrap_or(&t));
    }
    let whole = s.round() as u64;
    let (h, m, sec) = (whole / 3600, whole / 60 % 60, whole % 60);
    match (h, sec) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{m} min {sec} s"),
        _ => format!("{h} h {m} min"),
    }
}

/// The time of the first event after `now_s` (strictly: one at `now_s` is behind the cursor). `times` is sorted.
pub fn next_event_after(times: &[f64], now_s: f64) -> Option<f64> {
    let i = times.partition_point(|&t| t <= now_s + SAME_INSTANT_S);
    times.get(i).copied()
}

/// The time of the last event before `now_s` (strictly). `times` is sorted.
pub fn previous_event_before(times: &[f64], now_s: f64) -> Option<f64> {
    let i = times.partition_point(|&t| t < now_s - SAME_INSTANT_S);
    i.checked_sub(1).map(|i| times[i])
}

/// How many events have happened at `now_s` (those at `now_s` included). `times` is sorted.
pub fn events_up_to(times: &[f64], now_s: f64) -> usize {
    times.partition_point(|&t| t <= now_s + SAME_INSTANT_S)
}

/// Where one playback frame takes the clock: `wall_ms` of real time (at most `max_frame_ms`, so a hidden tab does
/// not jump) at `speed` times real time, never past `end_s`.
pub fn frame(now_s: f64, end_s: f64, wall_ms: f64, max_frame_ms: f64, speed: f64) -> f64 {
    let step = wall_ms.clamp(0.0, max_frame_ms) / 1000.0 * speed.max(0.0);
    (now_s + step).clamp(0.0, end_s.max(0.0))
}

/// A time the user asked for, kept on the recording: between 0 and `end_s`.
pub fn clamp_time(t_s: f64, end_s: f64) -> f64 {
    if t_s.is_finite() { t_s.clamp(0.0, end_s.max(0.0)) } else { 0.0 }
}

/// A recorded event as the replay's log shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayLine {
    /// Recording time, seconds.
    pub t_s: f64,
    /// The event's kind as recorded (`replica_state`, `node_dead`, ...): the row's look.
    pub kind: String,
    /// The event in a plain sentence.
    pub text: String,
}

/// How a recorded event's row looks: a fault-like change stands out, as on the model's log.
pub fn line_class(kind: &str) -> &'static str {
    match kind {
        "node_dead" | "controller_down" | "replica_actor_died" | "app_deleted" | "deployment_deleted" => "replay-fault",
        "controller_up" | "node_added" | "target_changed" | "deployment_added" => "replay-change",
        _ => "replay-plain",
    }
}

/// A comparison of reality and the model, as the page lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffRow {
    /// When (recording time, seconds): clicking the row takes the clock there.
    pub t_s: f64,
    /// What the row is about ("who was stopped after the kill of s8vr0pj8").
    pub subject: String,
    /// What real Ray did, and what the model did.
    pub reality: String,
    pub model: String,
    pub verdict: Verdict,
}

impl DiffRow {
    /// The row's verdict, as the page writes it.
    pub fn verdict_text(&self) -> &'static str {
        match self.verdict {
            Verdict::Agrees => "agrees",
            Verdict::TimingNoise => "timing noise",
            Verdict::Disagrees => "disagrees",
        }
    }
}

/// The comparisons as the page lists them: the differences in clock order (what disagrees first among rows at the
/// same time), the agreeing rows apart, and a one-line summary.
pub fn ordered(rows: Vec<DiffRow>) -> (Vec<DiffRow>, Vec<DiffRow>, String) {
    let (agree, mut differ): (Vec<DiffRow>, Vec<DiffRow>) =
        rows.into_iter().partition(|r| r.verdict == Verdict::Agrees);
    let rank = |v: Verdict| if v == Verdict::Disagrees { 0 } else { 1 };
    differ.sort_by(|a, b| a.t_s.total_cmp(&b.t_s).then(rank(a.verdict).cmp(&rank(b.verdict))));
    let disagree = differ.iter().filter(|r| r.verdict == Verdict::Disagrees).count();
    let noise = differ.len() - disagree;
    let agreeing = match agree.len() {
        0 => String::new(),
        1 => " 1 comparison agrees.".to_string(),
        n => format!(" {n} comparisons agree."),
    };
    let summary = match (disagree, noise) {
        (0, 0) => format!("The model agrees with real Ray: no differences.{agreeing}"),
        (0, n) => {
            format!("The model agrees with real Ray up to timing noise ({n} timing difference{}).{agreeing}", plural(n))
        }
        (d, n) => format!(
            "The model disagrees with real Ray in {d} place{}{}.{agreeing}",
            plural(d),
            if n > 0 { format!(" (and {n} timing difference{})", plural(n)) } else { String::new() }
        ),
    };
    (differ, agree, summary)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_names_ray_the_date_and_the_length() {
        assert_eq!(
            mark_text("2.60.0", "2026-12-07T03:00:00.123Z", 70.3),
            "Recorded on a real cluster \u{2014} Ray 2.60.0, 2026-12-07 03:00 UTC, 1 min 10 s"
        );
        assert_eq!(
            mark_text("", "", 12.25),
            "Recorded on a real cluster \u{2014} Ray unknown version, unknown date, 12.2 s"
        );
        assert_eq!(date_text("2026-12-07T03:00:00+00:00"), "2026-12-07 03:00 UTC");
        assert_eq!(date_text("2026-12-07T03:00:00+01:00"), "2026-12-07 03:00 +01:00");
        assert_eq!(date_text("yesterday"), "yesterday");
    }

    #[test]
    fn durations_read_like_a_person_says_them() {
        for (s, text) in [(0.0, "0 s"), (42.5, "42.5 s"), (60.0, "1 min"), (70.3, "1 min 10 s"), (7500.0, "2 h 5 min")]
        {
            assert_eq!(duration_text(s), text, "{s}");
        }
        assert_eq!(duration_text(f64::NAN), "unknown length");
    }

    #[test]
    fn next_and_previous_event_step_over_the_cursor() {
        let times = [0.0, 2.0, 2.0, 5.5];
        assert_eq!(next_event_after(&times, 0.0), Some(2.0));
        assert_eq!(next_event_after(&times, 2.0), Some(5.5));
        assert_eq!(next_event_after(&times, 5.5), None);
        assert_eq!(previous_event_before(&times, 5.5), Some(2.0));
        assert_eq!(previous_event_before(&times, 2.0), Some(0.0));
        assert_eq!(previous_event_before(&times, 0.0), None);
        assert_eq!(events_up_to(&times, 2.0), 3);
        assert_eq!(events_up_to(&times, 1.9), 1);
    }

    #[test]
    fn a_frame_moves_at_the_speed_and_stops_at_the_end() {
        assert_eq!(frame(1.0, 10.0, 100.0, 250.0, 10.0), 2.0);
        assert_eq!(frame(1.0, 10.0, 10_000.0, 250.0, 1.0), 1.25, "a long gap is one frame's worth");
        assert_eq!(frame(9.9, 10.0, 250.0, 250.0, 100.0), 10.0);
        assert_eq!(clamp_time(-3.0, 10.0), 0.0);
        assert_eq!(clamp_time(f64::NAN, 10.0), 0.0);
    }

    #[test]
    fn differences_come_in_clock_order_with_a_verdict_and_agreement_apart() {
        let row = |t_s: f64, verdict: Verdict| DiffRow {
            t_s,
            subject: format!("at {t_s}"),
            reality: "r".into(),
            model: "m".into(),
            verdict,
        };
        let (differ, agree, summary) = ordered(vec![
            row(9.0, Verdict::TimingNoise),
            row(3.0, Verdict::TimingNoise),
            row(1.0, Verdict::Agrees),
            row(3.0, Verdict::Disagrees),
        ]);
        let order: Vec<(f64, &str)> = differ.iter().map(|r| (r.t_s, r.verdict_text())).collect();
        assert_eq!(order, [(3.0, "disagrees"), (3.0, "timing noise"), (9.0, "timing noise")]);
        assert_eq!(agree.len(), 1);
        assert_eq!(
            summary,
            "The model disagrees with real Ray in 1 place (and 2 timing differences). 1 comparison agrees."
        );
        assert_eq!(
            ordered(vec![row(1.0, Verdict::TimingNoise)]).2,
            "The model agrees with real Ray up to timing noise (1 timing difference)."
        );
        assert_eq!(ordered(vec![]).2, "The model agrees with real Ray: no differences.");
    }
}
