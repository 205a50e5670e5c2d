//! Issue 13, "compare two variants": run metrics, variants, the difference table, the seed sweep.
use gangplank::app::Session;
use gangplank::app::compare::{
    Better, Change, MetricsRun, RecoveryOutcome, Variant, compare, compare_variant, plan_actions, run_end,
};
use gangplank::app::presets::preset_by_id;
use gangplank::app::sweep::{Outcome, Sweep, SweepSummary};
use gangplank::model::scenario::{Action, ActionKind, ReplicaRef, Scenario};
use gangplank::model::serve::status::DeploymentStatus;
use gangplank::model::time::SimTime;

fn preset(id: &str) -> Scenario {
    preset_by_id(id).unwrap().scenario().unwrap()
}

fn kill(at_s: f64, app: &str, dep: &str, gang: u32, rank: u32) -> Action {
    Action {
        at_s,
        kind: ActionKind::KillReplica {
            replica: ReplicaRef {
                app: app.into(),
                deployment: dep.into(),
                gang: Some(gang),
                rank: Some(rank),
                ..Default::default()
            },
        },
    }
}

fn row<'a>(c: &'a gangplank::app::compare::Comparison, metric: &str) -> &'a gangplank::app::compare::Row {
    c.rows.iter().find(|r| r.metric.starts_with(metric)).unwrap_or_else(|| panic!("no row {metric}: {:?}", c.rows))
}

#[test]
fn a_killed_replica_gives_one_teardown_and_a_finite_recovery() {
    let m = MetricsRun::run(&preset("replica-crash"), &[]);
    assert_eq!(m.teardowns, 1, "{m:#?}");
    assert_eq!(m.replicas_restarted, 2, "the torn-down gang's two members are replaced");
    assert_eq!(m.recoveries.len(), 1);
    assert_eq!(m.recoveries[0].fault, "kill_replica app/G gang 0 rank 0");
    let s = m.recoveries[0].outcome.seconds().expect("it recovers");
    assert!(s > 0.0 && s < 20.0, "{s}");
    assert!(m.all_running_s.is_some_and(|t| t < 10.0));
    assert_eq!(m.final_statuses, vec![("app/G".to_string(), DeploymentStatus::Healthy)]);
    assert!(m.replica_seconds_lost > 0.0);
    assert_eq!(m.pgs_pending, 0);
    assert!(m.leaked_pgs.is_empty() && m.violations.is_empty());
    assert!(m.healthy());
}

#[test]
fn a_steady_run_loses_only_its_start_up() {
    let m = MetricsRun::run(&preset("steady-pack"), &[]);
    assert_eq!((m.teardowns, m.replicas_restarted), (0, 0));
    assert!(m.recoveries.is_empty());
    let up = m.all_running_s.expect("it comes up");
    let replicas: f64 = 4.0;
    // Every replica is lost from 0 until it runs, and not after: at most all of them until the last is up.
    assert!(m.replica_seconds_lost > 0.0 && m.replica_seconds_lost <= replicas * up + 1e-9, "{m:#?}");
}

#[test]
fn the_metrics_run_is_the_sessions_run() {
    let scenario = preset("replica-crash");
    let mut s = Session::new(scenario.clone());
    s.advance_to(SimTime::from_secs_f64(15.0));
    s.inject(kill(15.0, "app", "G", 1, 1).kind);
    s.advance_to(SimTime::from_secs_f64(scenario.until_s));
    let mut m = MetricsRun::new(&scenario, s.user_actions());
    // Small slices: the cut must not change the run.
    while !m.step(3) {}
    assert_eq!(m.events(), s.events());
    let metrics = m.finish();
    assert_eq!(metrics.actions.len(), 1);
    assert!(metrics.actions[0].applied, "{:?}", metrics.actions);
    assert_eq!(metrics.recoveries.len(), 2);
    assert_eq!(metrics.teardowns, 2);
}

#[test]
fn a_user_fault_after_until_s_extends_the_run_to_measure_its_recovery() {
    let scenario = preset("replica-crash");
    let late = kill(scenario.until_s + 5.0, "app", "G", 1, 0);
    assert_eq!(run_end(&scenario, std::slice::from_ref(&late)).as_secs_f64(), scenario.until_s + 65.0);
    let m = MetricsRun::run(&scenario, &[late]);
    assert!(m.recoveries[1].outcome.seconds().is_some(), "{:?}", m.recoveries);
}

#[test]
fn compare_with_another_seed() {
    let a = preset("replica-crash");
    let v = Variant::new("", vec![Change::Seed { seed: 8 }]);
    let c = compare_variant(&a, &[], &v).unwrap();
    assert_eq!(c.b.seed, 8);
    assert_eq!(c.a.seed, 7);
    assert!(c.label_b.contains("seed 8"), "{}", c.label_b);
    assert_eq!(row(&c, "gang teardowns").a, "1");
    assert_eq!(row(&c, "gang teardowns").b, "1");
    assert!(c.skipped_in_b.is_empty());
    // The same seed compares equal on every row.
    let same = compare(&a, &[], &a, &[]);
    assert!(same.rows.iter().all(|r| r.better == Better::Same), "{}", same.to_text());
}

#[test]
fn a_strategy_change_reaches_the_scenario_and_the_table() {
    let a = preset("steady-pack");
    let dep = &a.applications[0].deployments[0];
    let (app, name) = (a.applications[0].name.clone(), dep.name.clone());
    let v = Variant::new(
        "spread",
        vec![Change::Strategy { app: app.clone(), deployment: name.clone(), strategy: "SPREAD".into() }],
    );
    let applied = v.apply(&a).unwrap();
    let d = &applied.scenario.applications[0].deployments[0];
    assert_eq!(d.gang_scheduling_config.as_ref().unwrap().gang_placement_strategy, "SPREAD");
    let c = compare_variant(&a, &[], &v).unwrap();
    assert!(c.label_b.starts_with("spread"));
    assert!(c.rows.iter().any(|r| r.metric == format!("final status {app}/{name}")));
    // An unknown strategy is refused with the validator's words.
    let bad = Variant::new("", vec![Change::Strategy { app, deployment: name, strategy: "STRICT_SPREAD".into() }]);
    let err = bad.apply(&a).unwrap_err();
    assert!(err.contains("STRICT_SPREAD is not a gang strategy"), "{err}");
}

#[test]
fn other_changes_apply_and_bad_ones_say_why() {
    let a = preset("replica-crash");
    let g = |n| Change::GangSize { app: "app".into(), deployment: "G".into(), gang_size: n };
    assert!(Variant::new("", vec![g(4)]).apply(&a).is_ok());
    assert!(Variant::new("", vec![g(3)]).apply(&a).unwrap_err().contains("gang"), "3 does not divide 4");
    let n = Change::NumReplicas { app: "app".into(), deployment: "G".into(), num_replicas: 6 };
    assert!(Variant::new("", vec![n]).apply(&a).is_ok());
    let t = Change::Toggle { name: "gang_pg_removal".into(), value: "first_member".into() };
    assert_eq!(Variant::new("", vec![t]).apply(&a).unwrap().scenario.toggles.gang_pg_removal, "first_member");
    let t = Change::Toggle { name: "nope".into(), value: true.into() };
    assert!(Variant::new("", vec![t]).apply(&a).unwrap_err().contains("no toggle"));
    let r = Change::RemoveNode { node: "w3".into() };
    assert_eq!(Variant::new("", vec![r]).apply(&a).unwrap().scenario.cluster.nodes.len(), 2);
    assert!(Variant::new("", vec![Change::RemoveNode { node: "w9".into() }]).apply(&a).is_err());
    let add = Change::AddNode { node: a.cluster.nodes[0].clone() };
    assert!(Variant::new("", vec![add]).apply(&a).unwrap_err().contains("already"));
}

#[test]
fn actions_on_what_b_lacks_are_skipped_in_b_never_dropped() {
    let a = preset("replica-crash");
    // B: another scenario whose deployment has another name.
    let mut other = serde_json::to_value(&a).unwrap();
    other["applications"][0]["deployments"][0]["name"] = "H".into();
    other["actions"] = serde_json::json!([]);
    let v = Variant::new("renamed", vec![Change::Scenario { scenario: other }]);
    let user = vec![kill(15.0, "app", "G", 1, 0)];
    let c = compare_variant(&a, &user, &v).unwrap();
    // The user's kill (B has no app/G) and nothing else, since the replacement has no actions of its own.
    assert_eq!(c.skipped_in_b.len(), 1, "{:?}", c.skipped_in_b);
    assert!(c.skipped_in_b[0].why.contains("no deployment app/G"));
    let r = row(&c, "recovery after kill_replica app/G gang 1 rank 0 at 15 s");
    assert_eq!(r.b, "skipped in B");
    assert!(c.to_text().contains("Skipped in B:"), "{}", c.to_text());
    assert!(c.to_markdown().contains("Skipped in B"));
    // Removing a node drops the scenario's own fault on it, and says so.
    let node = preset("node-failure");
    let killed = node
        .actions
        .iter()
        .find_map(|a| match &a.kind {
            ActionKind::KillNode { node } => Some(node.clone()),
            _ => None,
        })
        .expect("node-failure kills a node");
    let c = compare_variant(&node, &[], &Variant::new("", vec![Change::RemoveNode { node: killed.clone() }])).unwrap();
    assert!(c.skipped_in_b.iter().any(|s| s.action == format!("kill_node {killed}")), "{:?}", c.skipped_in_b);
    // A replica the model cannot find in B (gang 5 does not exist) is skipped by the model, and reported too.
    let c = compare(&a, &[kill(12.0, "app", "G", 0, 1)], &a, &[kill(12.0, "app", "G", 5, 1)]);
    assert!(c.skipped_in_b.iter().any(|s| s.action.contains("gang 5")), "{:?}", c.skipped_in_b);
    let (kept, skipped) = plan_actions(&a, &[kill(1.0, "app", "G", 0, 0), kill(1.0, "x", "G", 0, 0)], &[]);
    assert_eq!((kept.len(), skipped.len()), (1, 1));
}

#[test]
fn the_text_table_lines_up() {
    let a = preset("replica-crash");
    let c = compare(&a, &[], &a, &[]);
    let text = c.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("A: Replica crash"));
    let header = lines.iter().position(|l| l.starts_with("metric")).unwrap();
    assert!(lines[header].ends_with("better"));
    for metric in [
        "time until every gang first RUNNING",
        "gang teardowns",
        "replicas restarted",
        "replica-seconds lost",
        "recovery after kill_replica app/G gang 0 rank 0 at 10 s",
        "PGs left pending",
        "PGs leaked at the end",
        "final status app/G",
        "requests failed",
        "invariant violations",
    ] {
        assert!(lines.iter().any(|l| l.starts_with(metric)), "{metric}\n{text}");
    }
    // Columns right-aligned: every row after the rule ends at most at the header's width.
    let width = lines[header].chars().count();
    assert!(lines[header + 2..].iter().all(|l| l.chars().count() <= width), "{text}");
    let md = c.to_markdown();
    assert!(md.contains("| metric | A | B | B − A | better |"), "{md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), c.rows.len() + 1);
}

#[test]
fn a_failing_constructor_is_deploy_failed_and_a_fault_that_never_recovers_says_never() {
    let m = MetricsRun::run(&preset("constructor-always-fails"), &[]);
    assert!(m.deploy_failed(), "{m:#?}");
    assert_eq!(Outcome::of(&m)[0], Outcome::DeployFailed);
    assert!(m.all_running_s.is_none());
    if let Some(r) = m.recoveries.last() {
        assert!(matches!(r.outcome, RecoveryOutcome::Never | RecoveryOutcome::Skipped { .. }), "{r:?}");
    }
}

#[test]
fn a_sweep_over_20_seeds_is_deterministic() {
    let s = preset("replica-crash");
    let mut a = Sweep::new(&s, &[], 20);
    a.run_all();
    let mut b = Sweep::new(&s, &[], 20);
    while !b.step(7) {}
    assert_eq!(a.results(), b.results(), "the slicing does not change a run");
    let sum = a.summary();
    assert_eq!(sum.runs_done, 20);
    assert_eq!(a.results()[0].seed, 7, "the first run is the scenario's own seed");
    let healthy = sum.outcomes.iter().find(|o| o.outcome == Outcome::Healthy).unwrap();
    assert_eq!(healthy.runs, 20, "{}", sum.to_text());
    assert_eq!(healthy.first_seed, Some(7));
    let rec = sum.recovery.as_ref().expect("one fault per run");
    assert_eq!(rec.count, 20);
    assert!(rec.min <= rec.median && rec.median <= rec.p90 && rec.p90 <= rec.max);
    assert_eq!(rec.bins.len(), 10);
    assert_eq!(rec.bins.iter().map(|b| b.runs).sum::<u32>(), 20);
    assert_eq!(SweepSummary::of(a.results(), 20), sum);
    assert!(sum.to_text().contains("HEALTHY at the end"));
}

#[test]
fn a_sweep_step_keeps_to_its_budget() {
    let s = preset("replica-crash");
    let mut sweep = Sweep::new(&s, &[kill(12.0, "app", "G", 1, 0)], 3);
    let mut steps = 0;
    loop {
        let before = sweep.wakeups();
        let done = sweep.step(5);
        // A slice may finish the model's wakeups at one instant (and the user action there): a few over at most.
        assert!(sweep.wakeups() - before <= 5 + 4, "{} wakeups in one step", sweep.wakeups() - before);
        steps += 1;
        if done {
            break;
        }
        assert!(steps < 10_000);
    }
    assert!(steps > 3, "a run is cut into slices, not run whole ({steps} steps)");
    assert_eq!(sweep.progress().runs_done, 3);
    assert!((sweep.progress().fraction() - 1.0).abs() < 1e-12);
}
