//! How model states look: short labels, CSS classes and gang hues. Pure, so it is tested natively.
//!
//! Colour is never the only cue: every replica state also has its own shape and label, and every gang its id.
//! Gang hues come from Paul Tol's colour-blind-safe "muted" qualitative scheme (see `static/style.css`).
use crate::model::placement::PlacementGroupState;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus};

/// How many distinct gang hues there are (`.hue-0` … `.hue-8` in the stylesheet; the rule is `app::gang_colours`).
pub const GANG_HUES: u8 = crate::app::gang_colours::GANG_HUES;

/// The short label drawn under a replica (full name in its accessible label).
pub fn replica_state_label(state: ReplicaState) -> &'static str {
    match state {
        ReplicaState::Starting => "START",
        ReplicaState::Updating => "UPD",
        ReplicaState::Recovering => "RECOV",
        ReplicaState::Running => "RUN",
        ReplicaState::Stopping => "STOP",
        ReplicaState::PendingMigration => "MIGR",
        ReplicaState::Stopped => "GONE",
    }
}

/// The CSS class that gives a replica state its shape and colour.
pub fn replica_state_class(state: ReplicaState) -> &'static str {
    match state {
        ReplicaState::Starting => "st-starting",
        ReplicaState::Updating => "st-updating",
        ReplicaState::Recovering => "st-recovering",
        ReplicaState::Running => "st-running",
        ReplicaState::Stopping => "st-stopping",
        ReplicaState::PendingMigration => "st-migrating",
        ReplicaState::Stopped => "st-stopped",
    }
}

/// A one-character glyph drawn inside a replica; it repeats the state for people who cannot tell colours apart.
pub fn replica_state_glyph(state: ReplicaState) -> &'static str {
    match state {
        ReplicaState::Starting => "…",
        ReplicaState::Updating => "↻",
        ReplicaState::Recovering => "⟲",
        ReplicaState::Running => "▶",
        ReplicaState::Stopping => "✕",
        ReplicaState::PendingMigration => "⇢",
        ReplicaState::Stopped => "·",
    }
}

/// Tone of a status badge: `ok`, `busy`, `bad`, `neutral`.
pub fn deployment_status_tone(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Healthy => "ok",
        DeploymentStatus::Updating | DeploymentStatus::Upscaling | DeploymentStatus::Downscaling => "busy",
        DeploymentStatus::Unhealthy | DeploymentStatus::DeployFailed => "bad",
    }
}

pub fn application_status_tone(status: ApplicationStatus) -> &'static str {
    match status {
        ApplicationStatus::Running => "ok",
        ApplicationStatus::Deploying | ApplicationStatus::Deleting => "busy",
        ApplicationStatus::Unhealthy | ApplicationStatus::DeployFailed => "bad",
        ApplicationStatus::NotStarted => "neutral",
    }
}

pub fn pg_state_tone(state: PlacementGroupState) -> &'static str {
    match state {
        PlacementGroupState::Created => "ok",
        PlacementGroupState::Pending | PlacementGroupState::Rescheduling => "busy",
        PlacementGroupState::Removed => "neutral",
    }
}

/// A short, readable form of a placement-group name: `SERVE_GANG::app_G_0_1a2b3c4d` → `gang 1a2b`; other names
/// keep their last 8 characters.
pub fn short_pg_name(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("SERVE_GANG::") {
        let id = rest.rsplit('_').next().unwrap_or(rest);
        return format!("pg {}", &id[..id.len().min(4)]);
    }
    let tail: String = name.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    format!("pg …{tail}")
}

/// The first `n` characters of an id (ids are ASCII).
pub fn short_id(id: &str, n: usize) -> &str {
    &id[..id.len().min(n)]
}

/// Speed multiplier for a slider exponent (`10^exp`), rounded for display: `0.1×`, `0.32×`, `1×`, `3.2×`, `100×`.
pub fn format_speed(exp: f64) -> String {
    let v = 10f64.powf(exp);
    let s = if v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    format!("{s}×")
}

/// Seconds with two decimals, for the clock.
pub fn format_clock(secs: f64) -> String {
    format!("{secs:.2} s")
}

/// An amount as a node card's bar says it: memory (bytes) in GiB (`64G`), everything else as Ray counts it.
pub fn bar_amount(resource: &str, units: i64) -> String {
    if resource == "memory" || resource == "object_store_memory" {
        let gib = units as f64 / crate::model::resources::to_units(1.0) as f64 / (1u64 << 30) as f64;
        return if gib == 0.0 {
            "0".into()
        } else {
            format!("{gib:.3}").trim_end_matches('0').trim_end_matches('.').to_string() + "G"
        };
    }
    crate::model::resources::fmt_amount(units)
}

/// A resource's name as a bar's label has room for (about 5 characters); the full name is in the bar's tooltip.
pub fn bar_name(resource: &str) -> String {
    match resource {
        "memory" => "mem".into(),
        "object_store_memory" => "obj".into(),
        r if r.chars().count() <= 5 => r.into(),
        r => format!("{}…", r.chars().take(4).collect::<String>()),
    }
}

/// A node's labels as its card header has room for beside the name (`room` characters), cut with "…". KubeRay's
/// `ray.io/node-group` is left out (an imported node's id starts with its group; the tooltip lists every label).
pub fn header_labels(labels: &std::collections::BTreeMap<String, String>, room: usize) -> String {
    let text = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "ray.io/node-group")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    fit(&text, room)
}

/// `text` cut to `room` characters, the last one "…" when cut.
pub fn fit(text: &str, room: usize) -> String {
    if text.chars().count() > room {
        format!("{}…", text.chars().take(room.saturating_sub(1)).collect::<String>())
    } else {
        text.to_string()
    }
}

/// How many characters of labels fit beside a node's name in a card `width` wide (about 9 px a character of the
/// name, 5.6 of the labels).
pub fn header_label_room(width: f64, pad: f64, node_id: &str) -> usize {
    ((width - 2.0 * pad - 16.0 - 9.0 * node_id.chars().count() as f64) / 5.6).max(0.0) as usize
}

// ===== picture (issue 14): the words and sizes of the teardown pill, the health counter and the state labels.
/// Why a gang was torn down, in words, naming the member that failed (`who`: its rank, "r1").
pub fn teardown_words(cause: crate::model::events::TeardownCause, who: Option<&str>) -> String {
    use crate::model::events::TeardownCause as C;
    match (cause, who) {
        (C::ActorCrashed, Some(m)) => format!("actor of {m} died"),
        (C::ActorCrashed, None) => "actor died".into(),
        (C::HealthCheckFailed, Some(m)) => format!("{m} failed health checks"),
        (C::HealthCheckFailed, None) => "failed health checks".into(),
        (C::StartupFailed, Some(m)) => format!("start-up failure of {m}"),
        (C::StartupFailed, None) => "start-up failure".into(),
        (C::IncompleteGang, _) => "incomplete gang".into(),
    }
}

/// The text of a card's teardown pill: one gang's cause, or how many gangs went at once.
pub fn teardown_pill_text(causes: &[String]) -> String {
    match causes {
        [one] => format!("torn down: {one}"),
        many => format!("{} gangs torn down", many.len()),
    }
}

/// A pill's text in the width it has: one line of 11 px bold (7.8 px a character) if it fits, else up to two lines
/// of 9.5 px (6 px a character) broken at spaces, the second cut with "…". Returns the lines and the pill's width.
pub fn wrap_pill(text: &str, max_w: f64) -> (Vec<String>, f64) {
    let one = 7.8 * text.chars().count() as f64 + 14.0;
    if one <= max_w {
        return (vec![text.to_string()], one);
    }
    let room = ((max_w - 10.0) / 6.0).floor().max(4.0) as usize;
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line");
        if last.is_empty() || last.chars().count() + 1 + word.chars().count() <= room {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(rest);
    }
    let lines: Vec<String> = lines.iter().map(|l| fit(l, room)).collect();
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (lines, (6.0 * widest as f64 + 10.0).min(max_w))
}

/// A replica's health counter: consecutive failed checks out of the threshold that tears it down ("2/3").
pub fn health_counter(failures: u32, threshold: u32) -> String {
    format!("{failures}/{threshold}")
}

/// Width of `text` in a token's 9.5 px bold state label (measured: about 6 px a character).
pub fn state_label_width(text: &str) -> f64 {
    6.0 * text.chars().count() as f64
}
// ===== end picture

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pill_says_the_cause_in_words_and_sums_up_several() {
        use crate::model::events::TeardownCause as C;
        assert_eq!(teardown_words(C::StartupFailed, Some("r1")), "start-up failure of r1");
        assert_eq!(teardown_words(C::HealthCheckFailed, Some("r3")), "r3 failed health checks");
        assert_eq!(teardown_words(C::ActorCrashed, None), "actor died");
        assert_eq!(teardown_words(C::IncompleteGang, Some("r0")), "incomplete gang");
        assert_eq!(teardown_pill_text(&["actor of r0 died".into()]), "torn down: actor of r0 died");
        assert_eq!(teardown_pill_text(&["a".into(), "b".into(), "c".into()]), "3 gangs torn down");
        assert_eq!(health_counter(2, 3), "2/3");
        let (lines, w) = wrap_pill("torn down: start-up failure of r1", 124.0);
        assert_eq!(lines, vec!["torn down: start-up", "failure of r1"]);
        assert!(w <= 124.0);
        assert_eq!(wrap_pill("torn down: actor died", 260.0).0, vec!["torn down: actor died"]);
        assert!(state_label_width("START hded") > crate::ui::layout::SLOT_W - 4.0, "this one needs squeezing");
        assert!(state_label_width("RUN hded") < crate::ui::layout::SLOT_W - 4.0);
    }

    #[test]
    fn bars_and_headers_fit_their_card() {
        use crate::model::resources::to_units;
        assert_eq!(bar_amount("memory", to_units(64.0 * (1u64 << 30) as f64)), "64G");
        assert_eq!(bar_amount("memory", 0), "0");
        assert_eq!(bar_amount("GPU", to_units(2.0)), "2");
        assert_eq!(bar_name("memory"), "mem");
        assert_eq!(bar_name("TPU-v4-16-head"), "TPU-…");
        assert_eq!(bar_name("GPU"), "GPU");
        let labels: std::collections::BTreeMap<String, String> =
            [("ray.io/node-group", "gpu-a100"), ("ray.io/accelerator-type", "A100"), ("zone", "us-central1-a")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let room = header_label_room(280.0, 10.0, "gpu-a100-1");
        let shown = header_labels(&labels, room);
        assert!(!shown.contains("node-group") && shown.chars().count() <= room, "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        assert_eq!(header_labels(&labels, 200), "ray.io/accelerator-type=A100 zone=us-central1-a");
    }

    #[test]
    fn speeds_read_well() {
        assert_eq!(format_speed(-1.0), "0.1×");
        assert_eq!(format_speed(0.0), "1×");
        assert_eq!(format_speed(0.5), "3.2×");
        assert_eq!(format_speed(2.0), "100×");
        assert_eq!(format_speed(-0.5), "0.32×");
    }

    #[test]
    fn pg_names_shorten() {
        assert_eq!(short_pg_name("SERVE_GANG::app_G_0_1a2b3c4d"), "pg 1a2b");
        assert_eq!(short_pg_name("abc"), "pg …abc");
        assert_eq!(short_pg_name("SERVE_REPLICA::app#G#abcdefgh"), "pg …abcdefgh");
    }

    #[test]
    fn every_state_has_a_distinct_label_class_and_glyph() {
        use std::collections::BTreeSet;
        let all = [
            ReplicaState::Starting,
            ReplicaState::Updating,
            ReplicaState::Recovering,
            ReplicaState::Running,
            ReplicaState::Stopping,
            ReplicaState::PendingMigration,
            ReplicaState::Stopped,
        ];
        assert_eq!(all.iter().map(|s| replica_state_label(*s)).collect::<BTreeSet<_>>().len(), all.len());
        assert_eq!(all.iter().map(|s| replica_state_class(*s)).collect::<BTreeSet<_>>().len(), all.len());
        assert_eq!(all.iter().map(|s| replica_state_glyph(*s)).collect::<BTreeSet<_>>().len(), all.len());
    }
}
