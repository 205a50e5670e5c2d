//! The status panel's traffic and autoscaling lines for one deployment: the request rates now, failures since the
//! start by reason, whether traffic kept flowing through a gang restart, and the autoscaler's last decision.
use crate::model::snapshot::{AutoscalingView, DeploymentView, TrafficView};
use crate::ui::chart_series::fmt_num;
use yew::prelude::*;

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "offered 16.0 req/s · served 16.0 · failed 0 · queued 0 · 2 whole gangs serving".
pub fn traffic_line(d: &DeploymentView, t: &TrafficView) -> String {
    let serving = if d.gang_size.is_some() {
        format!("{} serving", plural(t.whole_gangs, "whole gang", "whole gangs"))
    } else {
        format!("{} serving", plural(t.routable, "replica", "replicas"))
    };
    format!(
        "offered {:.1} req/s · served {:.1} · failed {} · queued {} · {serving}",
        t.offered_rps,
        t.served_rps,
        fmt_num(t.failed_rps as f64),
        fmt_num(t.queued as f64)
    )
}

/// A gang restart is under way: the deployment restarted a gang and is not back to its target yet.
pub fn restart_in_progress(d: &DeploymentView) -> bool {
    d.gang_restarts > 0 && (d.running < d.target_num_replicas || d.starting + d.recovering + d.stopping > 0)
}

/// During a gang restart, while the other gangs keep serving: "zero downtime: traffic kept flowing on 1 gang".
pub fn zero_downtime(d: &DeploymentView, t: &TrafficView) -> Option<String> {
    (restart_in_progress(d) && t.whole_gangs > 0 && t.served_rps > 0.0)
        .then(|| format!("zero downtime: traffic kept flowing on {}", plural(t.whole_gangs, "gang", "gangs")))
}

/// Requests that failed since the start, by reason: "3 requests failed (actor died 3)". `None` if none did.
pub fn failed_line(t: &TrafficView) -> Option<String> {
    let tot = &t.totals;
    let total = tot.failed().round();
    if total < 1.0 {
        return None;
    }
    let reasons: Vec<String> = [
        ("actor died", tot.died),
        ("graceful shutdown timeout", tot.shutdown),
        ("backpressure", tot.rejected),
        ("deployment deleted", tot.deleted),
    ]
    .into_iter()
    .filter(|(_, n)| n.round() >= 1.0)
    .map(|(why, n)| format!("{why} {}", n.round()))
    .collect();
    Some(format!(
        "{total} request{} failed since the start ({})",
        if total == 1.0 { "" } else { "s" },
        reasons.join(", ")
    ))
}

/// "autoscaling 2–8 · target_ongoing_requests 2 · last decision: …".
pub fn autoscaling_line(a: &AutoscalingView) -> String {
    let decision = if a.explanation.is_empty() { "none yet" } else { a.explanation.as_str() };
    format!(
        "autoscaling {}–{} · target_ongoing_requests {} · last decision: {decision}",
        a.min_replicas,
        a.max_replicas,
        fmt_num(a.target_ongoing_requests)
    )
}

/// A change held back by its delay: "upscale in 1.2 s (delay 3 s)".
pub fn waiting_line(a: &AutoscalingView) -> Option<String> {
    a.waiting.map(|(up, waited, delay)| {
        format!(
            "{} in {:.1} s (delay {} s)",
            if up { "upscale" } else { "downscale" },
            (delay - waited).max(0.0),
            fmt_num(delay)
        )
    })
}

/// The lines under a deployment's counts (nothing for a deployment without traffic or autoscaling).
pub fn traffic_block(d: &DeploymentView) -> Html {
    let traffic = d.traffic.as_ref().map(|t| {
        html! {
            <>
                <div class="dep-traffic" data-testid="traffic-line">{ traffic_line(d, t) }</div>
                if let Some(z) = zero_downtime(d, t) {
                    <p class="zero-downtime" data-testid="zero-downtime">{ z }</p>
                }
                if let Some(f) = failed_line(t) {
                    <p class="requests-failed" data-testid="requests-failed">{ f }</p>
                }
            </>
        }
    });
    let autoscaling = d.autoscaling.as_ref().map(|a| {
        html! {
            <>
                <div class="dep-autoscaling" data-testid="autoscaling-line">{ autoscaling_line(a) }</div>
                if let Some(w) = waiting_line(a) {
                    <div class="dep-waiting" data-testid="autoscaling-waiting">{ w }</div>
                }
            </>
        }
    });
    html! { <>{ traffic.unwrap_or_default() }{ autoscaling.unwrap_or_default() }</> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::Totals;

    fn traffic(served: f32, whole_gangs: u32, totals: Totals) -> TrafficView {
        TrafficView {
            offered_rps: 16.0,
            served_rps: served,
            failed_rps: 0.0,
            queued: 0.0,
            ongoing_per_replica: 2.0,
            routable: 4,
            whole_gangs,
            max_ongoing_requests: 5,
            max_queued_requests: None,
            totals,
        }
    }

    fn deployment() -> DeploymentView {
        let mut s = crate::app::session::Session::new(
            crate::app::presets::preset_by_id("teardown-under-load").unwrap().scenario().unwrap(),
        );
        s.advance_to(crate::model::time::SimTime::from_secs_f64(15.0));
        s.snapshot().deployments.remove(0)
    }

    #[test]
    fn the_traffic_line_says_rates_queue_and_whole_gangs() {
        let d = deployment();
        assert_eq!(
            traffic_line(&d, &traffic(16.0, 2, Totals::default())),
            "offered 16.0 req/s · served 16.0 · failed 0 · queued 0 · 2 whole gangs serving"
        );
        let solo = DeploymentView { gang_size: None, ..d };
        assert!(traffic_line(&solo, &traffic(16.0, 0, Totals::default())).ends_with("4 replicas serving"));
    }

    #[test]
    fn zero_downtime_only_during_a_restart_with_a_gang_still_serving() {
        let d = deployment();
        let t = traffic(16.0, 1, Totals::default());
        assert_eq!(zero_downtime(&d, &t), None, "no restart: nothing to claim");
        let restarting = DeploymentView { gang_restarts: 1, running: 2, starting: 2, ..d };
        assert_eq!(zero_downtime(&restarting, &t).as_deref(), Some("zero downtime: traffic kept flowing on 1 gang"));
        assert_eq!(zero_downtime(&restarting, &traffic(0.0, 1, Totals::default())), None);
        assert_eq!(zero_downtime(&restarting, &traffic(16.0, 0, Totals::default())), None);
    }

    #[test]
    fn failures_are_counted_by_reason() {
        assert_eq!(failed_line(&traffic(16.0, 2, Totals::default())), None);
        let totals = Totals { died: 2.6, rejected: 0.2, ..Default::default() };
        assert_eq!(
            failed_line(&traffic(16.0, 2, totals)).as_deref(),
            Some("3 requests failed since the start (actor died 3)")
        );
    }

    #[test]
    fn autoscaling_says_its_bounds_target_and_wait() {
        let a = AutoscalingView {
            min_replicas: 2,
            max_replicas: 8,
            target_ongoing_requests: 2.0,
            total_num_requests: 10.0,
            desired: 5.0,
            waiting: Some((true, 1.8, 3.0)),
            explanation: "ceil(10 / 2) = 5".into(),
        };
        assert_eq!(
            autoscaling_line(&a),
            "autoscaling 2–8 · target_ongoing_requests 2 · last decision: ceil(10 / 2) = 5"
        );
        assert_eq!(waiting_line(&a).as_deref(), Some("upscale in 1.2 s (delay 3 s)"));
        assert_eq!(waiting_line(&AutoscalingView { waiting: None, ..a }), None);
    }
}
