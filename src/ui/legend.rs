//! What the shapes mean.
use crate::model::serve::replica::ReplicaState;
use crate::ui::palette::{replica_state_class, replica_state_label};
use yew::prelude::*;

const STATES: [(ReplicaState, &str); 6] = [
    (ReplicaState::Starting, "starting: white with a moving dashed outline"),
    (ReplicaState::Running, "running: solid"),
    (ReplicaState::Recovering, "recovering after a controller restart: pale, long dashes"),
    (ReplicaState::Stopping, "stopping, forced (a gang torn down, a crash): grey, crossed out in orange"),
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
                // ===== picture (issue 14): causes, ghosts, pills, replacement links.
                <li data-testid="legend-graceful">
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="replica gang-member hue-0 st-stopping graceful">
                            <circle class="body" r="14" />
                            { crate::ui::replica_token::drain_icon(9.0, -9.0) }
                        </g>
                    </svg>
                    <span><strong>{ "STOP" }</strong>{ " — stopping, graceful (scale-down, app deleted, rolling update): pale, dashed grey outline, an arrow into a tray; it finishes its requests first" }</span>
                </li>
                <li>
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="replica gang-member hue-0 st-stopping teardown failed">
                            <circle class="body" r="13" />
                            <path class="cross" d="M-10 -10L10 10M10 -10L-10 10" />
                        </g>
                    </svg>
                    <span><strong>{ "FAILED" }</strong>{ " — the member whose failure tore its gang down: a heavy orange ring; its siblings stopped with it say STOP" }</span>
                </li>
                <li data-testid="legend-gone">
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="ghost hue-0">
                            <circle class="body" r="13" />
                            <path class="cross" d="M-9 -9L9 9M9 -9L-9 9" />
                        </g>
                    </svg>
                    <span><strong>{ "GONE" }</strong>{ " — a replica that just left, drawn where it was for about 2.5 s of simulated time (fading), crossed in orange after a forced stop, grey after a graceful one" }</span>
                </li>
                <li><span>{ "An orange pill inside a card, \"torn down: …\", says why RESTART_GANG tore a gang down (start-up failure, failed health checks, actor died, incomplete gang); several at once read \"3 gangs torn down\". Click it to see the event." }</span></li>
                <li><span>{ "A curve in a gang's colour from a dashed orange ring to the new gang, labelled \"replaces …\", links a rebuilt gang to the one it replaces." }</span></li>
                <li><span>{ "A dashed outline saying \"leaked PG removed\": the restarted controller found a placement group no live replica uses and removed it." }</span></li>
                // ===== end picture
                <li>
                    <svg class="legend-icon" viewBox="-18 -18 36 36" width="28" height="28" aria-hidden="true">
                        <g class="replica solo st-running"><rect class="body" x="-13" y="-13" width="26" height="26" rx="3" /></g>
                    </svg>
                    <span>{ "A square is a replica outside any gang; a circle is a gang member, with its rank (r0, r1…) inside." }</span>
                </li>
                <li><span>{ "Members of one gang share a colour and a curved link labelled with the gang id (and its app, when two apps have a deployment of that name). A gang keeps its colour for its whole life, and gangs alive at the same time have different colours (up to 9). An orange dashed link means RESTART_GANG is tearing that gang down." }</span></li>
                <li><span>{ "Each slot is a reserved bundle, tagged with its placement group and bundle index. Bars show used (thin, dark) and reserved (light) resources of the node's total." }</span></li>
                <li><span>{ "A small pill at a replica's lower right is its deployment version (v2): dark for the target version, dashed and pale for an outdated one still serving during a rolling update. It appears once a deployment has more than its first version v1." }</span></li>
                <li><span>{ "A node card with an amber dashed border says DRAINING, why (preemption, idle termination) and when it is killed: it takes nothing new and its replicas move away." }</span></li>
                <li><span>{ "An orange ✕ badge: the actor process is dead but the controller has not noticed yet. An amber 2/3 badge at the lower left: 2 failed health checks in a row out of the 3 that tear the replica's gang down." }</span></li>
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
