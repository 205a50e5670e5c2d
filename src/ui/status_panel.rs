//! Applications and deployments: status, trigger, message, target vs running, failure counters; traffic and
//! autoscaling (`traffic_status.rs`).
use crate::model::snapshot::{DeploymentView, Snapshot};
use crate::ui::palette::{application_status_tone, deployment_status_tone};
use crate::ui::state::Target;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatusPanelProps {
    pub snapshot: Rc<Snapshot>,
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
    pub on_target: Callback<Target>,
}

fn deployment_row(d: &DeploymentView, hl: bool, on_target: &Callback<Target>) -> Html {
    let key = format!("{}/{}", d.app, d.name);
    let t = Target::Deployment { app: d.app.clone(), deployment: d.name.clone() };
    let onclick = on_target.reform(move |_: MouseEvent| t.clone());
    let gang = match (d.gang_size, d.strategy) {
        (Some(g), Some(s)) => format!("gangs of {g}, {}", s.as_str()),
        (Some(g), None) => format!("gangs of {g}"),
        (None, Some(s)) => format!("no gang, {}", s.as_str()),
        (None, None) => "no gang".to_string(),
    };
    // The rolling update, when one runs or failed: how many replicas are still outdated and the batch size.
    let rollout = (d.rolling_update || d.rolling_update_failed).then(|| {
        let surge = if d.max_surge_percent > 0 { format!(", surge {} %", d.max_surge_percent) } else { String::new() };
        let live = d.running + d.starting + d.recovering + d.pending_migration;
        format!(
            "rolling update to {}: {} of {} outdated, batch {}{surge}",
            d.version,
            d.outdated,
            live.max(d.outdated),
            d.rollout_batch
        )
    });
    html! {
        <li key={key.clone()} class={classes!("deployment", hl.then_some("hl"), d.rolling_update_failed.then_some("rollout-failed"))} data-deployment={key.clone()}>
            <div class="dep-head">
                <span class="dep-name">{ d.name.clone() }</span>
                <span class={classes!("badge", deployment_status_tone(d.status))} data-testid="deployment-status">{ d.status.as_str() }</span>
                <span class="trigger">{ d.status_trigger.as_str() }</span>
                if d.deleting { <span class="badge busy">{ "DELETING" }</span> }
                <span class="dep-version" data-testid="deployment-version" title="Target version">{ d.version.clone() }</span>
            </div>
            if d.rolling_update_failed {
                <p class="rollout-failed-line" data-testid="rollout-failed">
                    { format!("⚠ rolling update to {} failed — the old replicas keep serving until a new deploy", d.version) }
                </p>
            }
            if let Some(line) = rollout {
                <div class={classes!("dep-rollout", d.rolling_update_failed.then_some("failed"))} data-testid="rollout">{ line }</div>
            }
            <div class="dep-counts">
                <span class="count-main" data-testid="running-vs-target">{ format!("{} / {} running", d.running, d.target_num_replicas) }</span>
                { format!(" · {} starting · {} recovering · {} stopping", d.starting, d.recovering, d.stopping) }
                if d.pending_migration > 0 {
                    <span class="count-migrating" data-testid="pending-migration">{ format!(" · {} PENDING_MIGRATION", d.pending_migration) }</span>
                }
            </div>
            { crate::ui::traffic_status::traffic_block(d) }
            <div class="dep-meta">
                { format!("{gang} · ") }
                <span data-testid="startup-failures" title={startup_failures_note(d.failure_count, d.failure_threshold)}>
                    { startup_failures_words(d.failure_count, d.failure_threshold) }</span>
                { format!(" · gang restarts {}", d.gang_restarts) }
            </div>
            if !d.message.is_empty() {
                <p class="dep-message">{ d.message.clone() }</p>
            }
            <button type="button" class="small" {onclick} aria-label={format!("Actions for deployment {key}")}>{ "Actions…" }</button>
        </li>
    }
}

#[component(StatusPanel)]
pub fn status_panel(props: &StatusPanelProps) -> Html {
    let snap = &props.snapshot;
    let apps = snap
        .applications
        .iter()
        .map(|a| {
            let deps: Vec<&DeploymentView> = snap.deployments.iter().filter(|d| d.app == a.name).collect();
            html! {
                <li key={a.name.clone()} class={classes!("application", props.highlight.contains(&a.name).then_some("hl"))}
                    data-app={a.name.clone()}>
                    <div class="app-head">
                        <span class="app-name">{ a.name.clone() }</span>
                        <span class={classes!("badge", application_status_tone(a.status))} data-testid="app-status">{ a.status.as_str() }</span>
                    </div>
                    <ul class="deployments">
                        { for deps.iter().map(|d| deployment_row(d, props.highlight.contains(&format!("{}/{}", d.app, d.name)), &props.on_target)) }
                    </ul>
                </li>
            }
        })
        .collect::<Html>();
    html! {
        <section class="status-panel" aria-labelledby="status-title" data-testid="status-panel">
            <h2 id="status-title">{ "Applications" }</h2>
            if snap.applications.is_empty() {
                <p class="quiet">{ "No application is deployed." }</p>
            }
            <ul class="applications">{ apps }</ul>
        </section>
    }
}

/// The start-up failure counter, capped at the threshold (issue 14): Ray keeps counting the failures of gangs that
/// were already starting when the threshold was reached, so "13/12" is faithful but reads like a bug.
pub fn startup_failures_words(count: u32, threshold: u32) -> String {
    if threshold > 0 && count >= threshold {
        let more = if count > threshold { format!(" ({count} counted)") } else { String::new() };
        format!("start-up failures: threshold {threshold} reached{more}")
    } else {
        format!("start-up failures {count}/{threshold}")
    }
}

/// The counter's tooltip: how Ray counts.
pub fn startup_failures_note(count: u32, threshold: u32) -> String {
    format!(
        "{count} start-up failures counted (_replica_failure_count: one per gang whose member failed to start). The \
         threshold is min(max_constructor_retry_count, target replicas × 3) = {threshold}; once it is reached with \
         nothing ever running the deployment is DEPLOY_FAILED, and gangs already starting can still add to the count."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_up_failure_counter_stops_at_the_threshold_and_says_so() {
        assert_eq!(startup_failures_words(2, 12), "start-up failures 2/12");
        assert_eq!(startup_failures_words(12, 12), "start-up failures: threshold 12 reached");
        assert_eq!(startup_failures_words(13, 12), "start-up failures: threshold 12 reached (13 counted)");
    }
}
