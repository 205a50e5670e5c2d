//! "Explain every placement" (issue 13): whole runs, explained through the session as the page does.
use gangplank::app::session::Session;
use gangplank::model::placement::PlacementGroupState;
use gangplank::model::placement_explain::{FreeBasis, Subject};
use gangplank::model::scenario::{ActionKind, parse_scenario};
use gangplank::model::time::SimTime;

fn session(cluster: &str, deployment: &str) -> Session {
    let text = format!(
        r#"{{"format": "gangplank.scenario/v1", "name": "explain", "seed": 3, "until_s": 30,
            "cluster": {cluster},
            "applications": [{{ "name": "app", "deployments": [{deployment}] }}]}}"#
    );
    let mut s = Session::new(parse_scenario(&text).expect("the scenario parses"));
    s.advance_to(SimTime::from_secs_f64(5.0));
    s
}

/// The name of the deployment's only (or first) placement group in `state`.
fn pg_in(s: &Session, state: PlacementGroupState) -> String {
    s.snapshot().placement_groups.iter().find(|p| p.state == state).map(|p| p.name.clone()).expect("a placement group")
}

#[test]
fn a_strict_spread_group_on_one_two_gpu_node_needs_two_distinct_nodes() {
    // STRICT_SPREAD is not a gang strategy in Ray 2.60: a per-replica placement group of 2 × {GPU: 1}.
    let s = session(
        r#"{"head": {"resources": {"CPU": 0}}, "nodes": [{"id": "w1", "resources": {"CPU": 4, "GPU": 2}}]}"#,
        r#"{"name": "D", "num_replicas": 1, "ray_actor_options": {"num_gpus": 1, "num_cpus": 0},
            "placement_group_bundles": [{"GPU": 1}, {"GPU": 1}], "placement_group_strategy": "STRICT_SPREAD"}"#,
    );
    let name = pg_in(&s, PlacementGroupState::Pending);
    let e = s.explain_placement(&name).expect("explained");
    assert_eq!(e.placeable_now, Some(false));
    assert!(e.summary.contains("enough free resources in total (2 GPU free, 2 GPU needed)"), "{}", e.summary);
    assert!(
        e.summary.contains("STRICT_SPREAD needs 2 distinct nodes, one per bundle, and only 1 node can take a bundle"),
        "{}",
        e.summary
    );
    let w1 = e.nodes.iter().find(|n| n.node == "w1").unwrap();
    assert!(w1.verdict.fits, "w1 can take one bundle: {:?}", w1.verdict);
    let head = e.nodes.iter().find(|n| n.is_head).unwrap();
    assert_eq!(head.verdict.text, "GPU: needs 1, free 0");
    // The STARTING replica explains the same group, focused on its bundle.
    let replica = s.snapshot().replicas.iter().find(|r| r.pg_name.as_deref() == Some(name.as_str())).unwrap().clone();
    let r = s.explain_replica(&replica.id).expect("explained");
    assert_eq!(r.subject, Subject::ReplicaInPg);
    assert_eq!(r.focus_bundle, replica.bundle_index);
    assert!(r.summary.contains("waits for bundle 0") && r.summary.contains("only 1 node"), "{}", r.summary);
}

#[test]
fn a_label_selector_no_node_matches_is_named() {
    let s = session(
        r#"{"head": {"resources": {"CPU": 0}}, "nodes": [{"id": "w1", "resources": {"CPU": 4}, "labels": {"zone": "b"}}]}"#,
        r#"{"name": "D", "num_replicas": 1, "ray_actor_options": {"num_cpus": 1},
            "placement_group_bundles": [{"CPU": 1}], "placement_group_bundle_label_selector": [{"zone": "a"}]}"#,
    );
    let name = pg_in(&s, PlacementGroupState::Pending);
    let e = s.explain_placement(&name).unwrap();
    assert!(e.summary.starts_with("Label mismatch: bundle 0 asks for zone=a"), "{}", e.summary);
    let w1 = e.nodes.iter().find(|n| n.node == "w1").unwrap();
    assert_eq!(w1.verdict.text, "label zone=a (node has zone=b)");
    assert!(w1.requests[0].cells.iter().all(|c| c.enough), "the resources would fit");
}

#[test]
fn a_pack_gang_that_fits_is_explained_with_its_nodes_and_scores() {
    let s = session(
        r#"{"head": {"resources": {"CPU": 0}}, "nodes": [{"id": "w1", "resources": {"CPU": 2}}, {"id": "w2", "resources": {"CPU": 4}}]}"#,
        r#"{"name": "G", "num_replicas": 2, "ray_actor_options": {"num_cpus": 1},
            "gang_scheduling_config": {"gang_size": 2, "gang_placement_strategy": "PACK"}}"#,
    );
    let name = pg_in(&s, PlacementGroupState::Created);
    let e = s.explain_placement(&name).unwrap();
    assert!(e.placed && e.placeable_now.is_none());
    assert_eq!(e.free_basis, FreeBasis::NowWithThisPgReturned);
    // Both bundles on w2 (4 free: (4-1)/4 = 0.75 beats w1's (2-1)/2 = 0.5).
    assert!(e.summary.contains("bundles 0, 1 on w2"), "{}", e.summary);
    assert!(e.summary.contains("w2 0.75, w1 0.50"), "{}", e.summary);
    assert!(e.summary.contains(" s (event #"), "names when it was placed: {}", e.summary);
    assert!(e.notes.iter().any(|n| n.contains("recomputed now") && n.contains("given back")));
    let w2 = e.nodes.iter().find(|n| n.node == "w2").unwrap();
    assert_eq!(w2.holds, vec![0, 1]);
    assert!(w2.verdict.text.starts_with("holds bundles 0, 1; score 0.75"), "{}", w2.verdict.text);
}

#[test]
fn a_dead_node_is_listed_as_not_schedulable_and_a_spread_replica_explains_its_own_request() {
    let mut s = session(
        r#"{"head": {"resources": {"CPU": 0}}, "nodes": [{"id": "w1", "resources": {"CPU": 1}}, {"id": "w2", "resources": {"CPU": 1}}]}"#,
        r#"{"name": "D", "num_replicas": 2, "ray_actor_options": {"num_cpus": 1}}"#,
    );
    let running = s.snapshot().replicas.iter().find(|r| r.node.as_deref() == Some("w1")).unwrap().id.clone();
    let e = s.explain_replica(&running).unwrap();
    assert_eq!(e.subject, Subject::ReplicaActor);
    assert!(e.summary.starts_with("Runs on w1"), "{}", e.summary);
    s.inject(ActionKind::KillNode { node: "w1".into() });
    s.advance_to(SimTime::from_secs_f64(60.0));
    // The replacement waits: w1 is dead, w2 is full.
    let waiting = s.snapshot().replicas.iter().find(|r| r.node.is_none() && r.actor_alive).map(|r| r.id.clone());
    let waiting = waiting.expect("a replica waiting for room");
    let e = s.explain_replica(&waiting).unwrap();
    let w1 = e.nodes.iter().find(|n| n.node == "w1").unwrap();
    assert!(!w1.schedulable);
    assert_eq!(w1.verdict.text, "dead: declared dead by the GCS");
    assert_eq!(e.placeable_now, Some(false));
    assert!(e.summary.starts_with("Not enough free resources"), "{}", e.summary);
    assert!(s.explain_placement("no-such-pg").is_none());
    assert!(s.explain_replica("no-such-replica").is_none());
}
