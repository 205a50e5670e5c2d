//! Compare two variants of a run (issue 13): the metrics of a finished run, a [`Variant`] (a named set of changes
//! to a scenario), and a [`Comparison`] table of two runs, as plain text and as Markdown.
//!
//! A run here is what a [`crate::app::Session`] plays: a scenario (with its seed) and the user's timestamped
//! actions, each applied the way the live session applies it (run to its time, then schedule and apply it, as
//! `app::history` does), advanced to the run's end ([`run_end`]). [`MetricsRun`] plays it in bounded slices
//! (so the browser and [`crate::app::sweep`] can spread it over frames) and measures as it goes.
//!
//! ## The metrics, precisely
//!
//! Every count below is read from the controller's own state (its replica table, targets and statuses) after each
//! step of the model, so they are exact to the microsecond of simulated time.
//!
//! - **Time until every gang first RUNNING**: the first time at which the controller is up and every deployment
//!   has at least its target number of replicas RUNNING (all members of all its gangs); "never" if it does not
//!   happen before the end.
//! - **Teardowns**: `gang_teardown` events (RESTART_GANG tearing a whole gang down).
//! - **Replicas restarted**: per deployment, the new replica actors started (`replica_state` events from none to
//!   STARTING) beyond the largest target the deployment ever had, summed over deployments. This counts the
//!   replacements of crashed, unhealthy or torn-down replicas (and of replicas a rolling update replaced, or that
//!   were scaled down and up again); it does not count the first start-up or a scale-up.
//! - **Replica-seconds lost**: per deployment, the integral over the run of `max(0, target − serving)`, where
//!   serving counts replicas RUNNING, PENDING_MIGRATION (they serve until they leave) or RECOVERING (a restarted
//!   controller re-adopting live replicas), summed over deployments. Start-up counts (a replica that should serve
//!   from time zero but is STARTING is lost time); while the controller is down its table is frozen, so a replica
//!   that dies then is counted from the restart on.
//! - **Time to recover after each fault** (scenario and user actions of kind kill_replica, fail_health_check,
//!   fail_constructor, kill_node, drain_node, kill_controller, fail_gcs_queries): the affected deployments are the
//!   named one for a replica or deployment fault and every deployment for a node, controller or GCS fault. They are
//!   *whole* when the controller is up and not recovering and each is HEALTHY with at least its target RUNNING. The
//!   fault's window runs from the fault to the next fault at a later time (or the end). The recovery time is the
//!   last time in that window at which the affected deployments became whole, minus the fault's time (0 s if the
//!   fault never disturbed them); if they are not whole at the end of the window, it is "not before the next
//!   fault" or, for the last window, "never".
//! - **PGs left pending**: placement groups PENDING or RESCHEDULING at the end.
//! - **Leaked PGs at the end**: the reference invariant checker's leak findings (`no_leaked_replica_pg`,
//!   `no_leaked_gang_pg`, `ray_2_60_unregistered_gang_pg_leak`) on the final world: a live PG no deployment tracks
//!   and no live replica uses, looked for only once the controller is up and has finished recovering.
//! - **Final statuses**: each deployment's status at the end (one row per deployment of either run).
//! - **Requests failed**: the callers' requests failed since the start (rejected, died in flight, cut by a
//!   shutdown, sent to a deleted deployment), summed over deployments, from the traffic model's exact totals.
//! - **Invariant violations**: the violations the run recorded (including reproduced Ray 2.60 flaws).

mod metrics;
mod side;
mod table;
mod variant;

pub use metrics::*;
pub use side::*;
pub use table::*;
pub use variant::*;

use crate::model::scenario::{Action, Scenario};
use crate::model::time::SimTime;

/// How long a run goes on past the last user action when that action comes after the scenario's `until_s`, so its
/// recovery can be measured.
pub const PAST_LAST_ACTION_S: f64 = 60.0;

/// Where a run of `scenario` with these user actions ends: `until_s`, or [`PAST_LAST_ACTION_S`] after the last
/// user action if that comes later.
pub fn run_end(scenario: &Scenario, actions: &[Action]) -> SimTime {
    let last = actions.iter().map(|a| a.at_s).fold(f64::NEG_INFINITY, f64::max);
    let end = if last + PAST_LAST_ACTION_S > scenario.until_s && last > scenario.until_s {
        last + PAST_LAST_ACTION_S
    } else {
        scenario.until_s
    };
    SimTime::from_secs_f64(end)
}
