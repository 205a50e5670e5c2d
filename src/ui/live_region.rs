//! The aria-live region: the latest important sentence of the narration, for screen readers.
use crate::model::events::{Event, EventKind};
use yew::prelude::*;

/// The line the live region (and presenter mode's narration bar) reads for an event: "At 5.0 s: reason". One
/// place, because the spotlight finds the event a line was made from by making the line again.
pub fn narration_line(e: &Event) -> String {
    format!("At {:.1} s: {}", e.t.as_secs_f64(), e.reason)
}

/// How much an event deserves to be read out to a screen reader as it happens (0: not at all). When one frame
/// brings several, the most important one is read.
pub fn announce_priority(kind: &EventKind) -> u8 {
    use EventKind as K;
    match kind {
        K::Violation { .. } => 9,
        K::GangTeardown { .. } => 8,
        K::Controller { .. } => 7,
        K::Node { .. } | K::Migration { .. } | K::RequestsFailed { .. } => 6,
        K::LeakDetected { .. } | K::Rollout { .. } | K::Autoscale { .. } => 5,
        K::StartupFailure { .. } => 4,
        K::Action { .. } => 3,
        K::DeploymentStatus { .. } => 2,
        K::GangReserved { .. } => 1,
        // Every kind is listed, so that a new one needs a decision here.
        K::ReplicaState { .. }
        | K::PgState { .. }
        | K::AppStatus { .. }
        | K::HealthCheck { .. }
        | K::ReservationFailed { .. }
        | K::LeakDetectionSkipped { .. } => 0,
    }
}

#[derive(Properties, PartialEq)]
pub struct LiveRegionProps {
    pub text: String,
}

#[component(LiveRegion)]
pub fn live_region(props: &LiveRegionProps) -> Html {
    html! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
            { props.text.clone() }
        </div>
    }
}
