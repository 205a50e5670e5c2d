//! Traffic and Ray 2.60's autoscaling: one test per rule, named after it, on the bundled presets and small
//! scenarios (several mirror the runs on a real Ray 2.60 cluster in MODEL.md, with the real figures beside the
//! model's tolerance). Every run is also checked for invariant violations (`requests_conserved` and
//! `autoscaling_bounds` among them).
use gangplank::app::presets::preset_by_id;
use gangplank::model::Simulation;
use gangplank::model::events::{Event, EventKind};
use gangplank::model::scenario::{Scenario, parse_scenario, validate};
use gangplank::model::serve::replica::ReplicaState as RS;
use gangplank::model::serve::status::{DeploymentStatus as DS, DeploymentStatusTrigger as DT};
use gangplank::model::snapshot::Snapshot;
use gangplank::model::time::SimTime;
use serde_json::{Value, json};
use std::collections::BTreeMap;

struct Run {
    samples: Vec<Snapshot>,
    events: Vec<Event>,
    sim: Simulation,
}

/// A run sampled every `step_s`.
fn run(scenario: &Scenario, step_s: f64) -> Run {
    let mut sim = Simulation::new(scenario);
    let mut samples = Vec::new();
    let end = (scenario.until_s / step_s) as u64;
    for k in 0..=end {
        sim.run_until(SimTime::from_secs_f64(k as f64 * step_s));
        samples.push(sim.snapshot());
    }
    let violations: Vec<_> = sim.violations().iter().filter(|v| !v.reproduces_ray_2_60).collect();
    assert!(violations.is_empty(), "{}: invariant violations {violations:#?}", scenario.name);
    Run { samples, events: sim.events().to_vec(), sim }
}

fn preset(id: &str) -> Scenario {
    preset_by_id(id).unwrap_or_else(|| panic!("preset {id}")).scenario().unwrap()
}

fn scenario(v: Value) -> Scenario {
    parse_scenario(&v.to_string()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The autoscaler's decisions: (time, from, to).
fn decisions(events: &[Event]) -> Vec<(f64, u32, u32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Autoscale { from, to, .. } => Some((e.t.as_secs_f64(), *from, *to)),
            _ => None,
        })
        .collect()
}

/// The real-Ray mirror of `autoscale_ramp` (MODEL.md "Traffic and autoscaling"): gangs of 2, min 2, max 8,
/// target_ongoing_requests 2, upscale_delay_s 3, downscale_delay_s 10, metrics every 1 s over 5 s; 0.5 s requests at
/// 2 requests/s, 16 from 15 s, 2 from 75 s.
fn ramp_mirror(extra: impl FnOnce(&mut Value)) -> Scenario {
    let mut v = json!({
        "format": "gangplank.scenario/v1", "name": "ramp mirror", "seed": 3, "until_s": 130,
        "cluster": { "head": { "resources": { "CPU": 0 } },
                     "nodes": [ { "id": "w1", "resources": { "CPU": 2 } }, { "id": "w2", "resources": { "CPU": 2 } },
                                { "id": "w3", "resources": { "CPU": 2 } } ] },
        "applications": [ { "name": "A", "deployments": [ {
            "name": "Ramp", "ray_actor_options": { "num_cpus": 0.5 }, "max_ongoing_requests": 5,
            "gang_scheduling_config": { "gang_size": 2 },
            "autoscaling_config": { "min_replicas": 2, "max_replicas": 8, "target_ongoing_requests": 2,
                "upscale_delay_s": 3, "downscale_delay_s": 10, "metrics_interval_s": 1, "look_back_period_s": 5 } } ] } ],
        "traffic": [ { "app": "A", "deployment": "Ramp",
            "load": [ { "shape": "steps", "steps": [ { "at_s": 0, "rps": 2 }, { "at_s": 15, "rps": 16 }, { "at_s": 75, "rps": 2 } ] } ],
            "service_time_s": { "mean": 0.5, "spread": 0.02 } } ]
    });
    extra(&mut v);
    scenario(v)
}

#[test]
fn upscale_waits_upscale_delay_s_after_the_averaged_metrics_cross_the_target() {
    let r = run(&ramp_mirror(|_| {}), 0.5);
    let d = decisions(&r.events);
    let (t, from, to) = d[0];
    // Real Ray 2.60: 5.97 s after the load step, 2 -> 4 (the look-back average lags ~3 s, then 3 s of delay).
    assert_eq!((from, to), (2, 4), "{d:?}");
    assert!((4.5..=8.0).contains(&(t - 15.0)), "first upscale {:.1} s after the step; {d:?}", t - 15.0);
    // 16 requests/s of 0.5 s is 8 in flight: 4 replicas at target_ongoing_requests 2, and the model stays there.
    let at_60 = r.samples.iter().find(|s| s.t.as_secs_f64() >= 60.0).unwrap();
    assert_eq!(at_60.deployments[0].target_num_replicas, 4);
    assert_eq!(at_60.deployments[0].status, DS::Healthy);
    assert_eq!(at_60.deployments[0].status_trigger, DT::UpscaleCompleted);
}

#[test]
fn downscale_waits_downscale_delay_s_and_stops_whole_gangs() {
    let r = run(&ramp_mirror(|_| {}), 0.5);
    let d = decisions(&r.events);
    let (t, from, to) = *d.iter().find(|(t, ..)| *t > 75.0).expect("a downscale after the drop");
    // Real Ray 2.60: 10.8 s after the drop, 6 -> 2 (the model was at 4: no noise pushed it to 6).
    assert_eq!((from, to), (4, 2), "{d:?}");
    assert!((10.0..=14.0).contains(&(t - 75.0)), "downscale {:.1} s after the drop; {d:?}", t - 75.0);
    let stopped: Vec<&Event> = r
        .events
        .iter()
        .filter(|e| e.t.as_secs_f64() >= t && matches!(&e.kind, EventKind::ReplicaState { to: RS::Stopping, .. }))
        .collect();
    assert_eq!(stopped.len(), 2, "one whole gang stopped");
    let gangs: Vec<_> = stopped
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReplicaState { gang_id, .. } => gang_id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(gangs[0], gangs[1], "both members of one gang");
}

#[test]
fn the_status_goes_upscaling_then_upscale_completed_with_rays_message() {
    let r = run(&ramp_mirror(|_| {}), 0.1);
    let msgs: Vec<(DS, DT, String)> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DeploymentStatus { to, status_trigger, message, .. } => {
                Some((*to, *status_trigger, message.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(
        msgs.contains(&(DS::Upscaling, DT::Autoscaling, "Upscaling from 2 to 4 replicas.".to_string())),
        "{msgs:?}"
    );
    assert!(msgs.contains(&(DS::Healthy, DT::UpscaleCompleted, String::new())), "{msgs:?}");
    assert!(msgs.contains(&(DS::Downscaling, DT::Autoscaling, "Downscaling from 4 to 2 replicas.".to_string())));
    assert!(msgs.contains(&(DS::Healthy, DT::DownscaleCompleted, String::new())));
}

#[test]
fn every_target_is_whole_gangs_within_the_bounds_and_no_gang_runs_partially() {
    // The preset ramps to 30 requests/s: 2 -> 4 -> 6 -> 8 and back, never odd, never above max_replicas.
    let r = run(&preset("autoscale-ramp"), 0.1);
    let d = decisions(&r.events);
    assert!(d.iter().any(|(_, _, to)| *to == 8), "{d:?}");
    for (_, _, to) in &d {
        assert!(to % 2 == 0 && (2..=8).contains(to), "{d:?}");
    }
    // Whole gangs only: outside the moments a gang's two members start one after the other, every gang that is
    // not stopping has both members, and the routers' whole gangs follow the target.
    for s in &r.samples {
        let mut per_gang: BTreeMap<String, (usize, bool)> = BTreeMap::new();
        for rep in s.replicas.iter().filter(|r| r.state != RS::Stopping) {
            let g = rep.gang_context.as_ref().expect("a gang deployment").gang_id.clone();
            let e = per_gang.entry(g).or_insert((0, false));
            e.0 += 1;
            e.1 |= rep.state == RS::Starting;
        }
        for (g, (n, _)) in &per_gang {
            assert_eq!(*n, 2, "gang {g} at {} s has {n} live members", s.t.as_secs_f64());
        }
    }
    let last = r.samples.last().unwrap();
    let t = last.deployments[0].traffic.as_ref().unwrap();
    assert_eq!((t.routable, t.whole_gangs), (2, 1));
}

#[test]
fn scale_to_zero_takes_the_last_gang_after_downscale_to_zero_delay_s() {
    let r = run(&preset("scale-to-zero"), 0.1);
    let d = decisions(&r.events);
    // The load stops at 20 s; real Ray 2.60 scaled 2 -> 0 13 s after its last request finished (5 s look-back +
    // 8 s downscale_to_zero_delay_s), in one step (the gang wrapper shows the base policy a target of 1).
    let (t, from, to) = *d.iter().find(|(_, _, to)| *to == 0).expect("scaled to zero");
    assert_eq!(from, 2, "{d:?}");
    assert_eq!(to, 0);
    assert!((12.5..=15.5).contains(&(t - 20.0)), "to zero {:.1} s after the load stopped; {d:?}", t - 20.0);
    let empty = r.samples.iter().find(|s| s.t.as_secs_f64() > t + 3.0).unwrap();
    assert!(empty.replicas.is_empty(), "no replica left: {:?}", empty.replicas);
}

#[test]
fn cold_start_scales_up_from_zero_at_once_and_the_requests_wait_meanwhile() {
    let r = run(&preset("scale-to-zero"), 0.1);
    let d = decisions(&r.events);
    // Requests come back at 60 s. Real Ray 2.60: "Upscaling from 0 to 2" 0.21 s after the first request, the first
    // response 2.93 s after it, no request failed.
    let (t, from, to) = *d.iter().find(|(t, from, _)| *t >= 60.0 && *from == 0).expect("a cold start");
    assert_eq!((from, to), (0, 2), "a whole gang");
    assert!(t - 60.0 <= 0.5, "cold start decided {:.2} s after the first request", t - 60.0);
    let queued_meanwhile = r
        .samples
        .iter()
        .filter(|s| (60.0..61.5).contains(&s.t.as_secs_f64()))
        .any(|s| s.deployments[0].traffic.as_ref().unwrap().queued > 0.5);
    assert!(queued_meanwhile, "requests wait at the callers during the cold start");
    let totals = r.samples.last().unwrap().deployments[0].traffic.as_ref().unwrap().totals;
    assert_eq!(totals.failed(), 0.0, "nothing fails while the deployment is at zero: it waits ({totals:?})");
}

#[test]
fn a_teardown_under_load_fails_only_the_requests_in_flight_at_the_torn_down_gang() {
    let r = run(&preset("teardown-under-load"), 0.1);
    let idx = |app: &str| r.samples[0].deployments.iter().position(|d| d.app == app).unwrap();
    let (roomy, tight) = (idx("roomy"), idx("tight"));
    let totals = |i: usize| r.samples.last().unwrap().deployments[i].traffic.as_ref().unwrap().totals;
    // Roomy (8 requests/s, 20 slots): real Ray 2.60 lost 2 of 480 requests (ActorDiedError), the surviving gang none.
    let t = totals(roomy);
    assert!((1.0..=3.5).contains(&t.failed()) && t.failed() == t.died, "roomy: {t:?}");
    // Zero downtime: after start-up at least one whole gang is routable and the offered load is served.
    for s in r.samples.iter().filter(|s| s.t.as_secs_f64() >= 5.0) {
        let t = s.deployments[roomy].traffic.as_ref().unwrap();
        assert!(t.whole_gangs >= 1, "roomy at {} s: no whole gang serving", s.t.as_secs_f64());
        assert!(t.served_rps >= 6.0, "roomy at {} s: served {} of 8 requests/s", s.t.as_secs_f64(), t.served_rps);
    }
    // Tight (34 requests/s, one gang serves 20): the callers' queue fills and the excess is rejected until the
    // replacement gang runs.
    let t = totals(tight);
    assert!(t.rejected > 3.0 && t.died > 3.0, "tight: {t:?}");
    let served_dip = r
        .samples
        .iter()
        .filter(|s| (22.0..24.0).contains(&s.t.as_secs_f64()))
        .any(|s| s.deployments[tight].traffic.as_ref().unwrap().served_rps < 25.0);
    assert!(served_dip, "tight serves less while one gang is down");
    let failures: Vec<(&str, &str)> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RequestsFailed { app, failure, .. } => Some((app.as_str(), failure.as_str())),
            _ => None,
        })
        .collect();
    assert!(failures.iter().filter(|f| f.0 == "roomy").all(|f| f.1 == "actor_died"), "{failures:?}");
    assert!(failures.contains(&("tight", "backpressure")), "{failures:?}");
}

#[test]
fn beyond_max_queued_requests_the_callers_reject_with_backpressure() {
    // One replica, 2 slots of 1 s: 2 requests/s of capacity for 10 offered; 20 may wait.
    let s = scenario(json!({
        "format": "gangplank.scenario/v1", "name": "backpressure", "until_s": 30,
        "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 2 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": 1,
            "max_ongoing_requests": 2, "max_queued_requests": 20 } ] } ],
        "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 10 } ],
            "service_time_s": { "mean": 1.0 } } ]
    }));
    let r = run(&s, 1.0);
    let t = r.samples.last().unwrap().deployments[0].traffic.clone().unwrap();
    assert_eq!(t.queued, 20.0);
    assert!((1.99..=2.01).contains(&t.served_rps), "{t:?}");
    assert!((7.99..=8.01).contains(&t.failed_rps), "{t:?}");
    assert!(
        r.events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::RequestsFailed { failure, .. } if failure == "backpressure"))
    );
}

#[test]
fn without_max_queued_requests_requests_wait_rather_than_fail() {
    // The deployment cannot start (no CPU for it): every request waits at the caller (max_queued_requests -1).
    let s = scenario(json!({
        "format": "gangplank.scenario/v1", "name": "waiting", "until_s": 20,
        "cluster": { "head": { "resources": { "CPU": 0 } }, "nodes": [ { "id": "w1", "resources": { "CPU": 1 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": 1, "ray_actor_options": { "num_cpus": 2 } } ] } ],
        "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 3 } ] } ]
    }));
    let r = run(&s, 1.0);
    let t = r.samples.last().unwrap().deployments[0].traffic.clone().unwrap();
    assert_eq!((t.routable, t.totals.failed(), t.totals.served), (0, 0.0, 0.0));
    assert!((59.9..=60.1).contains(&t.queued), "{t:?}");
}

#[test]
fn a_graceful_downscale_lets_in_flight_requests_finish() {
    let s = scenario(json!({
        "format": "gangplank.scenario/v1", "name": "graceful", "until_s": 40,
        "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": 4,
            "gang_scheduling_config": { "gang_size": 2 } } ] } ],
        "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 8 } ],
            "service_time_s": { "mean": 0.5, "spread": 0.1 } } ],
        "actions": [ { "at_s": 15, "do": "set_num_replicas", "deployment": { "app": "a", "deployment": "d" }, "num_replicas": 2 } ]
    }));
    let r = run(&s, 0.5);
    let t = r.samples.last().unwrap().deployments[0].traffic.clone().unwrap();
    assert_eq!(t.totals.failed(), 0.0, "graceful stops drain within graceful_shutdown_timeout_s: {t:?}");
    assert_eq!(t.routable, 2);
}

#[test]
fn a_graceful_stop_fails_the_requests_longer_than_its_timeout() {
    // Requests of 30 s ± 5 s, graceful_shutdown_timeout_s 20: almost every request in flight at the stopped
    // replica outlives the drain.
    let s = scenario(json!({
        "format": "gangplank.scenario/v1", "name": "long requests", "until_s": 60,
        "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": 2, "max_ongoing_requests": 100 } ] } ],
        "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 2 } ],
            "service_time_s": { "mean": 30, "spread": 5 } } ],
        "actions": [ { "at_s": 40, "do": "set_num_replicas", "deployment": { "app": "a", "deployment": "d" }, "num_replicas": 1 } ]
    }));
    let r = run(&s, 1.0);
    let t = r.samples.last().unwrap().deployments[0].traffic.clone().unwrap();
    assert!(t.totals.shutdown > 10.0, "{t:?}");
    assert!(r.events.iter().any(
        |e| matches!(&e.kind, EventKind::RequestsFailed { failure, .. } if failure == "graceful_shutdown_timeout")
    ));
}

#[test]
fn the_python_api_path_accepts_unaligned_bounds_and_2_60_rounds_the_target_up_at_run_time() {
    // min_replicas 3 with gangs of 2: DeploymentConfig skips the gang check under autoscaling. The first target
    // is 3 (apply_bounds), which the gang reservation refuses ("not divisible"); the first decision rounds it up.
    let s = scenario(json!({
        "format": "gangplank.scenario/v1", "name": "unaligned", "until_s": 15,
        "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": "auto",
            "gang_scheduling_config": { "gang_size": 2 },
            "autoscaling_config": { "min_replicas": 3, "max_replicas": 6 } } ] } ]
    }));
    let r = run(&s, 0.5);
    assert!(
        r.events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::ReservationFailed { .. }) && e.reason.contains("not divisible")),
        "the first reservation is refused"
    );
    assert_eq!(decisions(&r.events)[0], (0.1, 3, 4));
    assert_eq!(r.samples.last().unwrap().deployments[0].running, 4);
}

#[test]
fn the_config_file_path_requires_set_bounds_to_be_whole_gangs() {
    let text = |validation: &str| {
        json!({
            "format": "gangplank.scenario/v1", "validation": validation,
            "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
            "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": "auto",
                "gang_scheduling_config": { "gang_size": 2 },
                "autoscaling_config": { "min_replicas": 3, "max_replicas": 6 } } ] } ]
        })
        .to_string()
    };
    assert!(parse_scenario(&text("python_api")).is_ok());
    let errors = parse_scenario(&text("config_file")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "applications[0].deployments[0].autoscaling_config.min_replicas");
    assert_eq!(errors[0].message, "autoscaling_config.min_replicas (3) must be a multiple of gang_size (2).");
}

#[test]
fn autoscaling_config_follows_rays_field_rules() {
    let errors = |a: Value, num: Value| {
        let mut d = json!({ "name": "d", "autoscaling_config": a });
        if !num.is_null() {
            d["num_replicas"] = num;
        }
        let v = json!({ "format": "gangplank.scenario/v1",
            "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
            "applications": [ { "name": "a", "deployments": [ d ] } ] });
        match parse_scenario(&v.to_string()) {
            Ok(s) => {
                validate(&s).unwrap();
                Vec::new()
            }
            Err(e) => e.into_iter().map(|e| format!("{}: {}", e.path, e.message)).collect::<Vec<_>>(),
        }
    };
    let p = "applications[0].deployments[0]";
    // AutoscalingConfig's own max_replicas default is 1; num_replicas "auto" uses AutoscalingConfig.default()'s 100.
    assert_eq!(
        errors(json!({ "min_replicas": 2 }), Value::Null),
        vec![format!(
            "{p}.autoscaling_config: max_replicas (1) must be greater than or equal to min_replicas (2)! (max_replicas is Ray's default)"
        )]
    );
    assert!(errors(json!({ "min_replicas": 2 }), json!("auto")).is_empty());
    assert_eq!(
        errors(json!({ "min_replicas": 2, "max_replicas": 4 }), json!(4)),
        vec![format!(
            "{p}.num_replicas: Manually setting num_replicas is not allowed when autoscaling_config is provided."
        )]
    );
    assert_eq!(
        errors(json!({ "min_replicas": 2, "max_replicas": 4, "initial_replicas": 5 }), Value::Null),
        vec![format!(
            "{p}.autoscaling_config.initial_replicas: max_replicas (4) must be greater than or equal to initial_replicas (5)!"
        )]
    );
    assert_eq!(
        errors(json!({ "max_replicas": 4, "aggregation_function": "avg" }), Value::Null)[0],
        format!(
            "{p}.autoscaling_config.aggregation_function: 'avg' is not a valid AggregationFunction: Input should be 'mean', 'max' or 'min'"
        )
    );
    assert!(
        errors(json!({ "max_replicas": 4, "aggregation_function": "MAX" }), Value::Null).is_empty(),
        "Ray lower-cases it"
    );
    assert!(
        errors(json!({ "max_replicas": 4, "upscale_delay_s": -1 }), Value::Null)[0]
            .contains("greater than or equal to 0")
    );
    assert!(
        errors(json!({ "max_replicas": 4, "target_ongoing_requests": 0 }), Value::Null)[0].contains("greater than 0")
    );
}

#[test]
fn manual_scaling_of_an_autoscaled_deployment_is_refused_with_rays_words() {
    let v = json!({ "format": "gangplank.scenario/v1",
        "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
        "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": "auto" } ] } ],
        "actions": [ { "at_s": 1, "do": "set_num_replicas", "deployment": { "app": "a", "deployment": "d" }, "num_replicas": 2 } ] });
    let e = parse_scenario(&v.to_string()).unwrap_err();
    assert_eq!(e[0].path, "actions[0].num_replicas");
    assert_eq!(e[0].message, "Manually setting num_replicas is not allowed when autoscaling_config is provided.");
}

#[test]
fn traffic_entries_are_checked_with_field_paths() {
    let errors = |traffic: Value| {
        let v = json!({ "format": "gangplank.scenario/v1",
            "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
            "applications": [ { "name": "a", "deployments": [ { "name": "d" } ] } ],
            "traffic": traffic });
        parse_scenario(&v.to_string())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect::<Vec<_>>()
    };
    let e = errors(json!([ { "app": "a", "deployment": "x", "load": [ { "shape": "constant", "rps": 1 } ] } ]));
    assert!(e[0].starts_with("traffic[0].deployment: application \"a\" has no deployment named \"x\""), "{e:?}");
    let e = errors(json!([ { "app": "a", "deployment": "d", "load": [ { "shape": "constnt", "rps": 1 } ] } ]));
    assert!(e[0].starts_with("traffic[0].load[0].shape: Input should be") && e[0].contains("constant"), "{e:?}");
    let e = errors(
        json!([ { "app": "a", "deployment": "d", "load": [ { "shape": "ramp", "to_rps": 5, "end_s": 10, "rps": 3 } ] } ]),
    );
    assert_eq!(
        e,
        vec![
            "traffic[0].load[0].rps: `rps` does not apply to a `ramp` load (it uses to_rps, end_s, from_rps, start_s)"
        ]
    );
    let e = errors(
        json!([ { "app": "a", "deployment": "d", "load": [ { "shape": "bursts", "rps": 3, "every_s": 10 } ] } ]),
    );
    assert_eq!(e, vec!["traffic[0].load[0].for_s: missing field `for_s`: a `bursts` load needs rps, every_s, for_s"]);
    let e = errors(
        json!([ { "app": "a", "deployment": "d", "load": [ { "shape": "steps", "steps": [ { "at_s": 5, "rps": 1 }, { "at_s": 2, "rps": 3 } ] } ] } ]),
    );
    assert_eq!(
        e,
        vec!["traffic[0].load[0].steps[1].at_s: steps must be in time order, each later than the one before"]
    );
    let e = errors(
        json!([ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 1 } ], "service_time_s": { "mean": 0 } } ]),
    );
    assert!(e[0].starts_with("traffic[0].service_time_s.mean: Input should be greater than 0"), "{e:?}");
}

#[test]
fn whole_gang_serving_toggle_routes_only_to_gangs_with_every_member_running() {
    let s = |mode: &str| {
        scenario(json!({
            "format": "gangplank.scenario/v1", "name": "members", "until_s": 12, "seed": 9,
            "toggles": { "gang_serving": mode },
            "cluster": { "nodes": [ { "id": "w1", "resources": { "CPU": 8 } } ] },
            "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": 4,
                "gang_scheduling_config": { "gang_size": 2 } } ] } ],
            "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "constant", "rps": 4 } ] } ]
        }))
    };
    let routable = |r: &Run| -> Vec<u32> {
        r.samples.iter().map(|s| s.deployments[0].traffic.as_ref().unwrap().routable).collect()
    };
    // 2.60: members become RUNNING (and routable) one by one, so an odd count appears while a gang starts.
    assert!(routable(&run(&s("per_replica"), 0.1)).iter().any(|n| n % 2 == 1));
    assert!(routable(&run(&s("whole_gang"), 0.1)).iter().all(|n| n % 2 == 0));
}

#[test]
fn a_restarted_controller_forgets_the_metrics_and_the_delay_clock() {
    // Under a steady load that wants 4 replicas, the controller dies at 21 s, 2.4 s into the upscale delay of 10 s.
    // The restarted controller has no metrics until the next push and starts the delay afresh (Ray keeps both in
    // controller memory), so the upscale comes later than without the crash.
    let with = |crash: bool| {
        ramp_mirror(|v| {
            v["applications"][0]["deployments"][0]["autoscaling_config"]["upscale_delay_s"] = json!(10);
            if crash {
                v["actions"] = json!([ { "at_s": 21, "do": "kill_controller" } ]);
            }
        })
    };
    let first_up = |s: &Scenario| decisions(&run(s, 0.5).events).into_iter().find(|d| d.2 > d.1).unwrap().0;
    let (plain, crashed) = (first_up(&with(false)), first_up(&with(true)));
    assert!(crashed > plain + 1.0, "without crash {plain} s, with {crashed} s");
}

#[test]
fn conservation_holds_at_every_sample_under_faults() {
    // A busy preset with faults: the checker's requests_conserved is run after every step; here also at every
    // sample, from the page's point of view.
    let r = run(&preset("teardown-under-load"), 0.25);
    for d in &r.sim.traffic().deployments {
        let t = d.totals;
        let accounted = t.served + t.failed() + d.flow.queued + d.flow.ongoing;
        assert!((t.offered - accounted).abs() < 1e-6 * t.offered.max(1.0), "{}: {t:?}", d.app);
        let want = if d.app == "roomy" { 8.0 * 60.0 } else { 34.0 * 55.0 };
        assert!((t.offered - want).abs() < 1e-6, "{}: {} offered", d.app, t.offered);
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A random autoscaled gang deployment on the config-file path (bounds in whole gangs), a random load (steps),
    /// random delays and factors, and optionally replica kills and a controller restart.
    #[derive(Clone, Debug)]
    struct Case {
        gang: u32,
        min_gangs: u32,
        extra_gangs: u32,
        initial: Option<u32>,
        up_delay: u32,
        down_delay: u32,
        factors: (u32, u32),
        steps: Vec<(u32, u32)>,
        faults: bool,
        seed: u64,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            1u32..=3,
            0u32..=2,
            1u32..=3,
            proptest::option::of(0u32..=4),
            0u32..=6,
            0u32..=12,
            (2u32..=20, 2u32..=20),
            proptest::collection::vec((0u32..=100, 0u32..=40), 1..6),
            any::<bool>(),
            any::<u64>(),
        )
            .prop_map(
                |(gang, min_gangs, extra_gangs, initial, up_delay, down_delay, factors, steps, faults, seed)| Case {
                    gang,
                    min_gangs,
                    extra_gangs,
                    initial,
                    up_delay,
                    down_delay,
                    factors,
                    steps,
                    faults,
                    seed,
                },
            )
    }

    fn build(c: &Case) -> Scenario {
        let (min, max) = (c.min_gangs * c.gang, (c.min_gangs + c.extra_gangs) * c.gang);
        let mut a = json!({ "min_replicas": min, "max_replicas": max, "target_ongoing_requests": 2,
            "upscale_delay_s": c.up_delay, "downscale_delay_s": c.down_delay, "downscale_to_zero_delay_s": c.down_delay,
            "upscaling_factor": c.factors.0 as f64 / 10.0, "downscaling_factor": c.factors.1 as f64 / 10.0,
            "metrics_interval_s": 1, "look_back_period_s": 4 });
        if let Some(i) = c.initial {
            a["initial_replicas"] = json!((min + i * c.gang).min(max));
        }
        let mut steps: Vec<(u32, u32)> = c.steps.clone();
        steps.sort();
        steps.dedup_by_key(|s| s.0);
        let steps: Vec<Value> = steps.iter().map(|(at, rps)| json!({ "at_s": at, "rps": rps })).collect();
        let mut actions = Vec::new();
        if c.faults {
            actions.push(json!({ "at_s": 45, "do": "kill_controller" }));
            actions.push(json!({ "at_s": 70, "do": "kill_node", "node": "w2" }));
            actions.push(json!({ "at_s": 80, "do": "add_node", "node": { "id": "w9", "resources": { "CPU": 16 } } }));
        }
        scenario(json!({
            "format": "gangplank.scenario/v1", "name": "autoscaling property", "seed": c.seed, "until_s": 130,
            "validation": "config_file",
            "timing": { "health_check_period_s": 2 },
            "cluster": { "head": { "resources": { "CPU": 0 } },
                         "nodes": [ { "id": "w1", "resources": { "CPU": 16 } }, { "id": "w2", "resources": { "CPU": 16 } } ] },
            "applications": [ { "name": "a", "deployments": [ { "name": "d", "num_replicas": "auto",
                "ray_actor_options": { "num_cpus": 1 }, "max_ongoing_requests": 4,
                "gang_scheduling_config": { "gang_size": c.gang, "gang_placement_strategy": "SPREAD" },
                "autoscaling_config": a } ] } ],
            "traffic": [ { "app": "a", "deployment": "d", "load": [ { "shape": "steps", "steps": steps } ],
                "service_time_s": { "mean": 0.6, "spread": 0.1 } } ],
            "actions": actions
        }))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

        /// The target is always whole gangs within [min_replicas, max_replicas] (bounds in whole gangs: the
        /// config-file path), requests balance (`requests_conserved`, checked after every step by the invariant
        /// checker inside `run`), and without faults no gang ever runs partially.
        #[test]
        fn autoscaled_gangs_stay_whole_and_requests_balance(c in case()) {
            let s = build(&c);
            let r = run(&s, 1.0);
            let (min, max) = (c.min_gangs * c.gang, (c.min_gangs + c.extra_gangs) * c.gang);
            for (t, _, to) in decisions(&r.events) {
                prop_assert!(to % c.gang == 0, "target {to} at {t} s is not whole gangs of {}", c.gang);
                prop_assert!((min..=max).contains(&to), "target {to} at {t} s outside [{min}, {max}]");
            }
            for snap in &r.samples {
                let d = &snap.deployments[0];
                prop_assert!(d.target_num_replicas % c.gang == 0 && (min..=max).contains(&d.target_num_replicas));
                if !c.faults {
                    let mut per_gang: BTreeMap<String, u32> = BTreeMap::new();
                    for rep in snap.replicas.iter().filter(|r| r.state != RS::Stopping) {
                        if let Some(g) = &rep.gang_context {
                            *per_gang.entry(g.gang_id.clone()).or_default() += 1;
                        }
                    }
                    for (g, n) in per_gang {
                        prop_assert_eq!(n, c.gang, "gang {} at {} s", g, snap.t.as_secs_f64());
                    }
                }
            }
            let t = r.sim.traffic().deployments[0].totals;
            prop_assert!(t.rejected == 0.0 && t.deleted == 0.0);
        }
    }
}

#[test]
fn a_new_version_of_an_autoscaled_deployment_keeps_its_target_and_keeps_autoscaling() {
    // Ray registers the deployment again on deploy: with no initial_replicas the target stays; the rolling update
    // replaces whole gangs; the autoscaler keeps deciding afterwards (the load drop at 75 s still scales down).
    let s = ramp_mirror(|v| {
        v["actions"] = json!([ { "at_s": 40, "do": "deploy_version", "deployment": { "app": "A", "deployment": "Ramp" },
            "version": "v2" } ]);
    });
    let r = run(&s, 0.5);
    let at_60 = r.samples.iter().find(|s| s.t.as_secs_f64() >= 60.0).unwrap();
    assert_eq!(at_60.deployments[0].target_num_replicas, 4);
    assert!(at_60.replicas.iter().all(|r| r.version == "v2"), "{:?}", at_60.replicas);
    assert!(decisions(&r.events).iter().any(|(t, from, to)| *t > 75.0 && (*from, *to) == (4, 2)));
    // A manual scale is refused at run time too (a link or saved session may carry one).
    let mut sim = Simulation::new(&s);
    sim.run_until(SimTime::from_secs_f64(5.0));
    sim.schedule(
        SimTime::from_secs_f64(5.0),
        gangplank::model::scenario::ActionKind::SetNumReplicas {
            deployment: gangplank::model::scenario::DeploymentRef { app: "A".into(), deployment: "Ramp".into() },
            num_replicas: 6,
        },
    );
    sim.run_until(SimTime::from_secs_f64(6.0));
    let skipped =
        sim.events().iter().rev().find(|e| matches!(&e.kind, EventKind::Action { applied: false, .. })).unwrap();
    assert!(skipped.reason.contains("Manually setting num_replicas is not allowed"), "{}", skipped.reason);
}
