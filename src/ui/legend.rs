//! What the shapes mean.
use crate::model::serve::replica::ReplicaState;
use crate::ui::palette::{replica_state_class, replica_state_label};
use yew::prelude::*;

const STATES: [(ReplicaState, &str); 6] = [
    (ReplicaState::Starting, "starting: white with a moving dashed outline"),
    (ReplicaState::Running, "running: solid"),
    (ReplicaState::Recovering, "recovering after a controller restart: pale, long dashes"),
    (ReplicaState::Stopping, "stopping: grey, crossed out"),
    (ReplicaState::Updating, "updating: half filled, dotted"),
    (ReplicaState::PendingMigration, "pending migration (its node is draining): faded, dotted, amber ring"),
];

#[component(Legend)]
pub fn legend() -> Html {
    html! {
        <details class="legend">
            <summary>{ "How to read the picture" }</summary>
            <ul>
                { for STATES.iter().map(|(s, text)| html! {
                    <li key={s.as_str()}>
                        <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                            <g class={classes!("replica", "gang-member", "hue-0", replica_state_class(*s))}>
                                if *s == ReplicaState::PendingMigration {
                                    <circle class="ring" r="16" />
                                }
                                <circle class="body" r="14" />
                                if *s == ReplicaState::Stopping {
                                    <path class="cross" d="M-10 -10L10 10M10 -10L-10 10" />
                                }
                            </g>
                        </svg>
                        <span><strong>{ replica_state_label(*s) }</strong>{ format!(" — {text}") }</span>
                    </li>
                }) }
                <li>
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="replica solo st-running"><rect class="body" x="-13" y="-13" width="26" height="26" rx="3" /></g>
                    </svg>
                    <span>{ "A square is a replica outside any gang; a circle is a gang member, with its rank (r0, r1…) inside." }</span>
                </li>
                <li><span>{ "Members of one gang share a colour and a curved link labelled with the gang id. A red dashed link means RESTART_GANG is tearing that gang down: click its label to see why." }</span></li>
                <li><span>{ "Each slot is a reserved bundle, tagged with its placement group and bundle index. Bars show used (thin, dark) and reserved (light) resources of the node's total." }</span></li>
                <li><span>{ "A small pill at a replica's lower right is its deployment version (v2): dark for the target version, dashed and pale for an outdated one still serving during a rolling update. It appears once a deployment has more than its first version v1." }</span></li>
                <li><span>{ "A node card with an amber dashed border says DRAINING, why (preemption, idle termination) and when it is killed: it takes nothing new and its replicas move away." }</span></li>
                <li><span>{ "A red ✕ badge: the actor process is dead but the controller has not noticed yet. An orange !n badge: n failed health checks in a row." }</span></li>
                <li>
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="replica gang-member hue-0 st-running">
                            <circle class="body" r="12" cx="4" />
                            <g class="load legend-load"><rect class="load-track" x="-16" y="-12" width="4" height="24" rx="1.5" />
                                <rect class="load-fill" x="-16" y="2" width="4" height="10" rx="1.5" /></g>
                        </g>
                    </svg>
                    <span>{ "The thin gauge left of a replica: its requests in flight out of max_ongoing_requests; amber from 80 %, red when full. Only replicas the routers send to have one, and a deployment's replicas share its load evenly, so they show one level (the numbers are in the status panel). The chart under the timeline shows the deployment's requests, replicas and load over time." }</span>
                </li>
            </ul>
        </details>
    }
}
