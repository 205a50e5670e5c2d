//! How model states look: short labels, CSS classes and gang hues. Pure, so it is tested natively.
//!
//! Colour is never the only cue: every replica state also has its own shape and label, and every gang its id.
//! Gang hues come from Paul Tol's colour-blind-safe "muted" qualitative scheme (see `static/style.css`).
use crate::model::placement::PlacementGroupState;
use crate::model::serve::replica::ReplicaState;
use crate::model::serve::status::{ApplicationStatus, DeploymentStatus};

/// How many distinct gang hues there are (`--gang-0` … `--gang-8` in the stylesheet).
pub const GANG_HUES: u8 = 9;

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

#[cfg(test)]
mod tests {
    use super::*;

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
