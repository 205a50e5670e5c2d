//! Recordings of real clusters (issue 15, `src/app/recording/`): parse errors with their field paths, the replay
//! against the samples it shows, the scenario derived from each fixture, and the model checked against real Ray
//! 2.60 runs (`tests/recordings/*.json`, recorded by `recorder/`; `handmade-*` are real runs edited or converted
//! by hand, said in their `limitations`).
use gangplank::app::recording::{Recording, Replay, Verdict, derive, diff, parse_recording};
use gangplank::model::placement::PlacementGroupState;
use gangplank::model::scenario::{ActionKind, validate};
use gangplank::model::serve::replica::ReplicaState;
use gangplank::model::time::SimTime;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("recordings")
}

fn text(name: &str) -> String {
    let p = dir().join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn load(name: &str) -> Recording {
    parse_recording(&text(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// The recordings the recorder made of real Ray runs (not edited by hand).
fn real_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.starts_with("handmade-"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no real recording in tests/recordings/");
    names
}

// ---- parse errors, with paths ----

/// The errors of the hand-made fixture changed by `edit`, as `path: message` lines.
fn errors_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v: Value = serde_json::from_str(&text("handmade-replica-crash.json")).unwrap();
    edit(&mut v);
    match parse_recording(&v.to_string()) {
        Ok(_) => panic!("the edited recording was accepted"),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

fn has(errors: &[String], needle: &str) {
    assert!(errors.iter().any(|e| e.contains(needle)), "no error containing {needle:?} in {errors:#?}");
}

#[test]
fn every_fixture_parses() {
    for name in real_fixtures()
        .iter()
        .map(String::as_str)
        .chain(["handmade-replica-crash.json", "handmade-other-gang-stopped.json"])
    {
        let r = load(name);
        assert!(!r.samples.is_empty() && !r.cluster.nodes.is_empty(), "{name}");
    }
}

#[test]
fn a_misspelt_replica_state_is_named_with_its_path_and_the_right_name() {
    let errors = errors_after(|v| {
        v["samples"][10]["applications"][0]["deployments"][0]["replicas"][1]["state"] = json!("RUNING")
    });
    has(
        &errors,
        "samples[10].applications[0].deployments[0].replicas[1].state: unknown state \"RUNING\" (did you mean `RUNNING`?)",
    );
}

#[test]
fn bad_values_are_all_reported_at_once_with_their_paths() {
    let errors = errors_after(|v| {
        v["samples"][5]["applications"][0]["status"] = json!("RUNNIN");
        v["samples"][5]["applications"][0]["deployments"][0]["status"] = json!("HEALTY");
        v["samples"][5]["applications"][0]["deployments"][0]["status_trigger"] = json!("CONFIG_UPDATED");
        v["samples"][6]["placement_groups"][0]["state"] = json!("CREATD");
        v["samples"][6]["placement_groups"][0]["bundle_nodes"] = json!([null]);
        v["samples"][7]["nodes"][1]["node_id"] = json!("ffff");
        v["samples"][8]["t"] = json!(0.1);
        v["events"][3]["kind"] = json!("replica_stat");
        v["events"][4]["node"] = json!("w9");
    });
    has(&errors, "samples[5].applications[0].status: unknown application status \"RUNNIN\" (did you mean `RUNNING`?)");
    has(
        &errors,
        "samples[5].applications[0].deployments[0].status: unknown deployment status \"HEALTY\" (did you mean `HEALTHY`?)",
    );
    has(&errors, "samples[5].applications[0].deployments[0].status_trigger: unknown status trigger \"CONFIG_UPDATED\"");
    has(
        &errors,
        "samples[6].placement_groups[0].state: unknown placement group state \"CREATD\" (did you mean `CREATED`?)",
    );
    has(&errors, "samples[6].placement_groups[0].bundle_nodes: 1 entries for 2 bundles");
    has(&errors, "samples[7].nodes[1].node_id: unknown node id \"ffff\"");
    has(&errors, "samples[8].t: 0.1 is before the previous sample's");
    has(&errors, "events[3].kind: unknown event kind \"replica_stat\" (did you mean `replica_state`?)");
    has(&errors, "events[4].node: unknown node \"w9\"");
}

#[test]
fn a_wrong_shape_names_the_field() {
    let errors = errors_after(|v| v["samples"][2]["t"] = json!("soon"));
    has(&errors, "samples[2].t");
    let errors = errors_after(|v| {
        v.as_object_mut().unwrap().remove("samples");
    });
    has(&errors, "samples");
    let errors = errors_after(|v| v["cluster"]["nodes"][1]["alias"] = json!("head"));
    has(&errors, "cluster.nodes[1].alias: alias \"head\" is given to two nodes");
    let errors =
        errors_after(|v| v["samples"][20]["applications"][0]["deployments"][0]["replicas"][0]["rank"] = json!(2));
    has(&errors, "rank 2 is not below world_size 2");
}

#[test]
fn a_section_the_recorder_could_not_read_is_null_and_the_last_known_state_stands() {
    // The recorder writes null for a section whose request failed in that sample (seen in CI: a dashboard timeout
    // gave `samples[4].applications: null`, and the CLI refused the whole recording).
    for name in real_fixtures() {
        let whole = load(&name);
        if whole.samples.len() < 6 {
            continue;
        }
        let mut v: Value = serde_json::from_str(&text(&name)).unwrap();
        v["samples"][4]["applications"] = Value::Null;
        v["samples"][5]["nodes"] = Value::Null;
        v["samples"][5]["placement_groups"] = Value::Null;
        let rec = parse_recording(&v.to_string()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(rec.samples[4].applications, whole.samples[3].applications, "{name}");
        assert_eq!(rec.samples[5].applications, whole.samples[5].applications, "{name}: read again");
        assert_eq!(rec.samples[5].nodes, whole.samples[4].nodes, "{name}");
        assert_eq!(rec.samples[5].placement_groups, whole.samples[4].placement_groups, "{name}");
        let (replay, at4) = (Replay::new(rec.clone()), SimTime::from_secs_f64(rec.samples[4].t));
        let replicas = |snap: &gangplank::model::snapshot::Snapshot| {
            snap.replicas.iter().map(|r| (r.id.clone(), r.state)).collect::<Vec<_>>()
        };
        assert_eq!(
            replicas(&replay.snapshot_at(at4)),
            replicas(&replay.snapshot_at(SimTime::from_secs_f64(rec.samples[3].t))),
            "{name}: the replay draws sample 3's replicas at sample 4"
        );
    }
    // The first sample has nothing before it: an unread section is empty.
    let mut v: Value = serde_json::from_str(&text("handmade-replica-crash.json")).unwrap();
    v["samples"][0]["applications"] = Value::Null;
    assert!(parse_recording(&v.to_string()).unwrap().samples[0].applications.is_empty());
}

#[test]
fn a_file_that_is_not_a_recording_says_what_it_is() {
    let e = parse_recording("{\"format\": \"gangplank.recording/v1\",").unwrap_err();
    assert!(e[0].to_string().starts_with("line 1, column") && e[0].message.contains("not valid JSON"), "{e:?}");
    let e = parse_recording("[1, 2]").unwrap_err();
    assert!(e[0].message.contains("must be a JSON object"), "{e:?}");
    let e = parse_recording("{\"format\": \"gangplank.scenario/v1\"}").unwrap_err();
    assert!(e[0].to_string().contains("format: unsupported format \"gangplank.scenario/v1\""), "{e:?}");
    let e = parse_recording("  ").unwrap_err();
    assert!(e[0].message.contains("empty"), "{e:?}");
}

// ---- replay ----

/// The replay at t shows exactly the sample at or before t: replicas (id, state, node), statuses, PGs, nodes.
#[test]
fn the_replay_shows_what_each_sample_says_at_and_between_sample_times() {
    for name in real_fixtures() {
        let rec = load(&name);
        let replay = Replay::new(rec.clone());
        for (i, s) in rec.samples.iter().enumerate() {
            let next = rec.samples.get(i + 1).map_or(s.t + 0.3, |n| n.t);
            for t in [s.t, (s.t + next) / 2.0] {
                if t >= next && i + 1 < rec.samples.len() {
                    continue; // two samples at one time: the later one is shown
                }
                let snap = replay.snapshot_at(SimTime::from_secs_f64(t));
                let mut want: Vec<(String, String, Option<String>)> = s
                    .applications
                    .iter()
                    .flat_map(|a| a.deployments.iter().flat_map(|d| d.replicas.iter()))
                    .map(|r| {
                        (r.replica_id.clone(), r.state.clone(), r.node_id.as_deref().map(|n| rec.alias(n).to_string()))
                    })
                    .collect();
                let mut got: Vec<(String, String, Option<String>)> = snap
                    .replicas
                    .iter()
                    .map(|r| (r.id.clone(), r.state.as_str().to_string(), r.node.clone()))
                    .collect();
                want.sort();
                got.sort();
                assert_eq!(got, want, "{name} at {t}");
                for a in &s.applications {
                    let view = snap.applications.iter().find(|x| x.name == a.name).unwrap();
                    assert_eq!(view.status.as_str(), a.status, "{name} at {t}");
                    for d in &a.deployments {
                        let dv = snap.deployments.iter().find(|x| x.app == a.name && x.name == d.name).unwrap();
                        assert_eq!(dv.status.as_str(), d.status, "{name} at {t}");
                        assert_eq!(dv.running as usize, d.replicas.iter().filter(|r| r.state == "RUNNING").count());
                    }
                }
                let mut want_pgs: Vec<(String, String, Vec<Option<String>>)> = s
                    .placement_groups
                    .iter()
                    .map(|p| {
                        let nodes =
                            p.bundle_nodes.iter().map(|n| n.as_deref().map(|n| rec.alias(n).to_string())).collect();
                        (p.name.clone(), p.state.replace("PREPARED", "PENDING"), nodes)
                    })
                    .collect();
                let mut got_pgs: Vec<(String, String, Vec<Option<String>>)> = snap
                    .placement_groups
                    .iter()
                    .map(|p| {
                        (
                            p.name.clone(),
                            p.state.as_str().to_string(),
                            p.bundles.iter().map(|b| b.node.clone()).collect(),
                        )
                    })
                    .collect();
                want_pgs.sort();
                got_pgs.sort();
                assert_eq!(got_pgs, want_pgs, "{name} at {t}");
                // Ray's automatic node-id label is not drawn; the first controller is incarnation 1, as in the model.
                assert!(snap.nodes.iter().all(|n| !n.labels.contains_key("ray.io/node-id")), "{name}");
                assert!(snap.controller.incarnation >= 1, "{name}");
                let alive: Vec<(String, bool)> =
                    s.nodes.iter().map(|n| (rec.alias(&n.node_id).to_string(), n.alive)).collect();
                let shown: Vec<(String, bool)> = snap.nodes.iter().map(|n| (n.id.clone(), n.alive)).collect();
                assert_eq!(shown.len(), alive.len(), "{name} at {t}");
                for a in alive {
                    assert!(shown.contains(&a), "{name} at {t}: {a:?} not in {shown:?}");
                }
            }
        }
    }
}

/// The real replica_crash run (hand-converted): what a person sees at four moments.
#[test]
fn the_replay_of_a_gang_crash_draws_gangs_bundles_and_the_replacement() {
    let replay = Replay::new(load("handmade-replica-crash.json"));
    let at = |t: f64| replay.snapshot_at(SimTime::from_secs_f64(t));

    // Before the deploy: the nodes only.
    let s = at(0.1);
    assert!(s.replicas.is_empty() && s.placement_groups.is_empty());
    assert_eq!(s.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["head", "w1", "w2", "w3"]);

    // All RUNNING: gang d938503c (position 0) on w3 in its PG's two bundles, gang ae52d003 (position 1) on w1.
    let s = at(4.0);
    assert!(s.replicas.iter().all(|r| r.state == ReplicaState::Running) && s.replicas.len() == 4);
    let r = s.replicas.iter().find(|r| r.id == "s8vr0pj8").unwrap();
    let g = r.gang_context.as_ref().unwrap();
    assert_eq!((g.gang_id.as_str(), g.rank, g.world_size, r.position), ("d938503c", 0, 2, 0));
    assert_eq!(g.member_replica_ids, ["s8vr0pj8", "ruhm94rk"]);
    assert_eq!(
        (r.node.as_deref(), r.pg_name.as_deref(), r.bundle_index),
        (Some("w3"), Some("SERVE_GANG::app_G_0_d938503c"), Some(0))
    );
    assert_eq!(s.replicas.iter().find(|r| r.id == "q75krvnh").unwrap().position, 1);
    let pg = s.placement_groups.iter().find(|p| p.name == "SERVE_GANG::app_G_0_d938503c").unwrap();
    assert_eq!(
        (pg.state, pg.gang_id.as_deref(), pg.app.as_str(), pg.deployment.as_str()),
        (PlacementGroupState::Created, Some("d938503c"), "app", "G")
    );
    assert_eq!(
        pg.bundles.iter().map(|b| b.replica.as_deref()).collect::<Vec<_>>(),
        [Some("s8vr0pj8"), Some("ruhm94rk")]
    );
    let w3 = s.nodes.iter().find(|n| n.id == "w3").unwrap();
    assert_eq!((w3.reserved.get_f64("CPU"), w3.available.get_f64("CPU")), (2.0, 0.0));
    assert_eq!(s.deployments[0].gang_size, Some(2));

    // The crash seen: the controller stops the other member; the crashed one is gone from Serve's table.
    let s = at(6.6);
    let states: Vec<(&str, ReplicaState)> = s.replicas.iter().map(|r| (r.id.as_str(), r.state)).collect();
    assert!(states.contains(&("ruhm94rk", ReplicaState::Stopping)) && !states.iter().any(|(id, _)| *id == "s8vr0pj8"));
    assert_eq!(s.deployments[0].status.as_str(), "UNHEALTHY");
    assert!(!s.replicas.iter().find(|r| r.id == "ruhm94rk").unwrap().actor_alive);

    // Recovered: the replacement gang 27c029a3 on w2 is now position 1, the survivor position 0.
    let s = at(9.0);
    let pos = |id: &str| s.replicas.iter().find(|r| r.id == id).unwrap().position;
    assert_eq!((pos("q75krvnh"), pos("pkgka88c")), (0, 1));
    // The old gang's PG is REMOVED, as the model shows a removed PG; the new one is placed on w2.
    let state = |name: &str| s.placement_groups.iter().find(|p| p.name == name).map(|p| p.state);
    assert_eq!(state("SERVE_GANG::app_G_0_d938503c"), Some(PlacementGroupState::Removed));
    let new = s.placement_groups.iter().find(|p| p.name == "SERVE_GANG::app_G_0_27c029a3").unwrap();
    assert_eq!(new.bundles.iter().map(|b| b.node.as_deref()).collect::<Vec<_>>(), [Some("w2"), Some("w2")]);
    assert_eq!(s.deployments[0].status.as_str(), "HEALTHY");

    // The event log up to the crash, as sentences.
    let log: Vec<&str> = replay.events_until(SimTime::from_secs_f64(6.0)).iter().map(|e| e.text.as_str()).collect();
    assert_eq!(log.last(), Some(&"The actor of replica s8vr0pj8 died on w3."));
    assert_eq!(at(4.0).controller.incarnation, 1);
    assert!(log.contains(&"app/G: replica s8vr0pj8 (gang d938503c rank 0) STARTING → RUNNING on w3."), "{log:#?}");
    assert_eq!(replay.end(), SimTime::from_secs_f64(11.038), "the last sample");
}

// ---- derivation ----

fn kinds(rec: &Recording) -> Vec<String> {
    derive(rec).faults.iter().map(|f| f.action.kind.name().to_string()).collect()
}

#[test]
fn each_fixture_derives_a_valid_scenario_with_the_faults_it_shows() {
    for name in real_fixtures().iter().map(String::as_str).chain(["handmade-replica-crash.json"]) {
        let rec = load(name);
        let d = derive(&rec);
        validate(&d.scenario).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(d.offset_s >= 0.0 && d.offset_s < rec.duration_s, "{name}");
        assert_eq!(d.scenario.actions.len(), d.faults.len());
        // The controller's own stops (the other members of a torn-down gang) are never derived as kills.
        let kills = d.faults.iter().filter(|f| matches!(f.action.kind, ActionKind::KillReplica { .. })).count();
        let external = rec
            .events
            .iter()
            .filter(|e| {
                e.kind == "replica_actor_died"
                    && e.by_controller == Some(false)
                    && e.death_reason.as_deref() != Some("NODE_DIED")
            })
            .count();
        if rec.events.iter().any(|e| e.by_controller.is_some()) {
            assert_eq!(kills, external, "{name}");
        }
    }
}

#[test]
fn a_replica_crash_becomes_a_kill_by_gang_position_and_rank_at_the_time_it_was_seen() {
    let d = derive(&load("handmade-replica-crash.json"));
    assert_eq!(d.faults.len(), 1, "{}", d.summary());
    let f = &d.faults[0];
    let ActionKind::KillReplica { replica } = &f.action.kind else { panic!("{f:?}") };
    assert_eq!((replica.gang, replica.rank, replica.index), (Some(0), Some(0), None));
    assert_eq!(f.replica_id.as_deref(), Some("s8vr0pj8"));
    // Seen dead at 5.744 (the real kill was at 5.743): placed half a period (0.25 s) before, on the model's clock.
    assert!((f.t - 5.619).abs() < 1e-9 && (f.action.at_s - (5.619 - d.offset_s)).abs() < 1e-3, "{f:?}");
    assert_eq!(d.scenario.cluster.nodes.len(), 3);
    assert_eq!(d.scenario.applications[0].deployments[0].gang_scheduling_config.as_ref().unwrap().gang_size, 2);
    assert!(d.summary().contains("Aligned at the deploy"), "{}", d.summary());
}

/// The real delete run (hand-converted): `serve.delete` becomes a delete_app, and both sides stop every gang and
/// remove both PGs, the application going RUNNING → DELETING → gone.
#[test]
fn a_deletion_is_a_delete_app_and_both_sides_remove_everything() {
    let rec = load("handmade-delete.json");
    let d = derive(&rec);
    assert_eq!(kinds(&rec), ["delete_app"], "{}", d.summary());
    let check = diff(&rec, &d).unwrap();
    let row = |s: &str| {
        check.rows.iter().find(|r| r.subject.starts_with(s)).unwrap_or_else(|| panic!("no {s}:\n{}", check.text()))
    };
    assert_eq!(row("gangs that survived").model, "none");
    assert_eq!(
        (row("placement groups removed").reality.as_str(), row("placement groups removed").model.as_str()),
        ("2", "2")
    );
    let statuses = row("application app statuses after");
    assert_eq!(
        (statuses.reality.as_str(), statuses.model.as_str()),
        ("RUNNING → DELETING → gone", "RUNNING → DELETING → gone")
    );
}

#[test]
fn a_controller_crash_is_a_kill_controller_with_the_observed_restart_delay() {
    for name in real_fixtures() {
        let rec = load(&name);
        let restarted = rec.events.iter().any(|e| e.kind == "controller_up" && e.restarted == Some(true));
        let d = derive(&rec);
        let derived = kinds(&rec).iter().filter(|k| *k == "kill_controller").count();
        assert_eq!(derived > 0, restarted, "{name}: {}", d.summary());
        if restarted {
            let delay = d.scenario.timing.controller_restart_s.expect("the observed delay");
            assert!(delay > 0.0 && delay < 30.0, "{name}: {delay}");
        }
    }
}

#[test]
fn a_dead_node_is_a_kill_node_and_its_replicas_are_not_kills() {
    for name in real_fixtures() {
        let rec = load(&name);
        let dead: Vec<&str> =
            rec.events.iter().filter(|e| e.kind == "node_dead").filter_map(|e| e.node.as_deref()).collect();
        let d = derive(&rec);
        let killed: Vec<&str> = d
            .faults
            .iter()
            .filter_map(|f| match &f.action.kind {
                ActionKind::KillNode { node } => Some(node.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(killed, dead, "{name}");
        if !dead.is_empty() {
            assert!(d.scenario.timing.node_death_detection_s.is_some(), "{name}");
        }
    }
}

// ---- check: the model against real Ray ----

#[test]
fn the_model_agrees_with_every_real_recording_up_to_timing_noise() {
    for name in
        real_fixtures().iter().map(String::as_str).chain(["handmade-replica-crash.json", "handmade-delete.json"])
    {
        let rec = load(name);
        let check = diff(&rec, &derive(&rec)).unwrap();
        assert!(!check.disagrees(), "{name}:\n{}", check.text());
        assert!(check.rows.iter().any(|r| r.subject.contains(" at the end")), "{name}");
        // Every fault gets its statuses row: the application's statuses after it, in order, on both sides.
        let faults = derive(&rec).faults.len();
        assert_eq!(check.rows.iter().filter(|r| r.subject.contains(" statuses after ")).count(), faults, "{name}");
    }
}

#[test]
fn after_a_gang_member_crash_both_stop_the_same_gang_and_keep_the_other() {
    let rec = load("handmade-replica-crash.json");
    let check = diff(&rec, &derive(&rec)).unwrap();
    let row = |s: &str| {
        check.rows.iter().find(|r| r.subject.starts_with(s)).unwrap_or_else(|| panic!("no {s}:\n{}", check.text()))
    };
    let stopped = row("who was stopped after the death of s8vr0pj8");
    assert_eq!(
        (stopped.reality.as_str(), stopped.model.as_str()),
        ("gang 0 rank 0, gang 0 rank 1", "gang 0 rank 0, gang 0 rank 1")
    );
    let survived = row("gangs that survived");
    assert_eq!((survived.reality.as_str(), survived.verdict), ("gang 1", Verdict::Agrees));
    assert_eq!(row("placement groups removed").reality, "1");
    let statuses = row("application app statuses after");
    assert_eq!(
        (statuses.reality.as_str(), statuses.model.as_str()),
        ("RUNNING → UNHEALTHY → RUNNING", "RUNNING → UNHEALTHY → RUNNING")
    );
}

#[test]
fn a_recording_where_the_other_gang_also_stopped_disagrees() {
    let rec = load("handmade-other-gang-stopped.json");
    let check = diff(&rec, &derive(&rec)).unwrap();
    assert!(check.disagrees(), "{}", check.text());
    let row = check.rows.iter().find(|r| r.subject.starts_with("who was stopped")).unwrap();
    assert_eq!(row.verdict, Verdict::Disagrees);
    assert_eq!(row.reality, "gang 0 rank 0, gang 0 rank 1, gang 1 rank 0, gang 1 rank 1");
    assert_eq!(row.model, "gang 0 rank 0, gang 0 rank 1");
}

#[test]
fn the_cli_exits_0_when_the_model_agrees_1_when_it_disagrees_2_for_a_bad_file() {
    let cli = env!("CARGO_BIN_EXE_gangplank-cli");
    let run = |args: &[&str]| Command::new(cli).args(args).output().unwrap();
    let ok = run(&["check", dir().join("handmade-replica-crash.json").to_str().unwrap()]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(out.contains("The model agrees with the recording"), "{out}");
    let bad = run(&["check", "--json", dir().join("handmade-other-gang-stopped.json").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["agrees"], json!(false));
    assert!(v["rows"].as_array().unwrap().iter().any(|r| r["verdict"] == "disagrees"));
    let tmp = std::env::temp_dir().join(format!("gangplank-bad-recording-{}.json", std::process::id()));
    std::fs::write(&tmp, text("handmade-replica-crash.json").replacen("\"RUNNING\"", "\"RUNING\"", 1)).unwrap();
    let broken = run(&["check", tmp.to_str().unwrap()]);
    std::fs::remove_file(&tmp).ok();
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("unknown state \"RUNING\" (did you mean `RUNNING`?)"));
    let replay = run(&["replay", dir().join("handmade-replica-crash.json").to_str().unwrap()]);
    let out = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(0));
    assert!(
        out.contains("The actor of replica s8vr0pj8 died on w3.") && out.contains("\"do\":\"kill_replica\""),
        "{out}"
    );
}

/// Recordings that are valid but odd (what an older Ray, a failing read or a cut-short run gives) go through the
/// whole pipeline without a panic: replay at any time, derivation, check (which may say the scenario is invalid).
#[test]
fn odd_recordings_never_panic_anywhere() {
    let base: Value = serde_json::from_str(&text(&real_fixtures()[0])).unwrap();
    let each_replica = |v: &mut Value, f: &dyn Fn(&mut Value)| {
        for s in v["samples"].as_array_mut().unwrap() {
            for a in s["applications"].as_array_mut().unwrap() {
                for d in a["deployments"].as_array_mut().unwrap() {
                    for r in d["replicas"].as_array_mut().unwrap() {
                        f(r);
                    }
                }
            }
        }
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "no gang fields (older Ray)",
            Box::new(move |v| {
                each_replica(v, &|r| {
                    for k in ["gang_id", "rank", "world_size", "bundle_index", "placement_group_id"] {
                        r[k] = Value::Null;
                    }
                })
            }),
        ),
        ("ranks unreadable", Box::new(move |v| each_replica(v, &|r| r["rank"] = Value::Null))),
        ("no events", Box::new(|v| v["events"] = json!([]))),
        ("one sample", Box::new(|v| v["samples"] = json!([v["samples"][0].clone()]))),
        (
            "controller unreadable",
            Box::new(|v| {
                for s in v["samples"].as_array_mut().unwrap() {
                    s["controller"] = json!({ "alive": null, "actor_id": null, "pid": null });
                }
            }),
        ),
        (
            "no placement groups",
            Box::new(|v| {
                for s in v["samples"].as_array_mut().unwrap() {
                    s["placement_groups"] = json!([]);
                }
            }),
        ),
        ("empty config", Box::new(|v| v["applications"][0]["deployments"][0]["config"] = json!({}))),
        (
            "unreadable config",
            Box::new(|v| {
                v["applications"][0]["deployments"][0]["config"] =
                    json!({ "num_replicas": "lots", "gang_scheduling_config": 3 })
            }),
        ),
        (
            "app gone mid-run",
            Box::new(|v| {
                let n = v["samples"].as_array().unwrap().len();
                v["samples"][n / 2]["applications"] = json!([]);
            }),
        ),
        ("no config at all", Box::new(|v| v["applications"] = json!([]))),
    ];
    for (what, edit) in edits {
        let mut v = base.clone();
        edit(&mut v);
        let rec = parse_recording(&v.to_string()).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let replay = Replay::new(rec.clone());
        for i in 0..=40 {
            let snap = replay.snapshot_at(SimTime::from_secs_f64(rec.duration_s * i as f64 / 40.0));
            assert!(
                snap.replicas
                    .iter()
                    .all(|r| r.node.is_none() || snap.nodes.iter().any(|n| Some(&n.id) == r.node.as_ref())),
                "{what}"
            );
        }
        let derived = derive(&rec);
        match diff(&rec, &derived) {
            Ok(check) => assert!(!check.rows.is_empty(), "{what}"),
            Err(e) => assert!(e.contains("not valid"), "{what}: {e}"),
        }
    }
}

/// A node that joins after the deploy is an add_node at the time it is first seen alive; a user's target change is
/// a set_num_replicas, but not under autoscaling (the autoscaler's inputs are not recorded).
#[test]
fn a_late_node_and_a_target_change_are_derived_and_an_autoscaler_change_is_not() {
    let mut v: Value = serde_json::from_str(&text("handmade-replica-crash.json")).unwrap();
    let w2 = v["cluster"]["nodes"][2]["node_id"].clone();
    for s in v["samples"].as_array_mut().unwrap() {
        if s["t"].as_f64().unwrap() < 4.0 {
            s["nodes"].as_array_mut().unwrap().retain(|n| n["node_id"] != w2);
        }
    }
    v["events"].as_array_mut().unwrap().push(json!({
        "t": 10.5, "kind": "target_changed", "app": "app", "deployment": "G", "from": 4, "to": 2
    }));
    let rec = parse_recording(&v.to_string()).unwrap();
    let d = derive(&rec);
    assert!(!d.scenario.cluster.nodes.iter().any(|n| n.id == "w2"), "w2 is not in the cluster at the deploy");
    let add = d.faults.iter().find(|f| matches!(&f.action.kind, ActionKind::AddNode { node } if node.id == "w2"));
    assert!(add.is_some_and(|f| f.t > 3.0 && f.t < 4.5), "{}", d.summary());
    let set = d.faults.iter().find_map(|f| match &f.action.kind {
        ActionKind::SetNumReplicas { num_replicas, .. } => Some(*num_replicas),
        _ => None,
    });
    assert_eq!(set, Some(2), "{}", d.summary());
    validate(&d.scenario).unwrap();

    v["applications"][0]["deployments"][0]["config"]["autoscaling_config"] =
        json!({ "min_replicas": 2, "max_replicas": 4, "target_ongoing_requests": 2 });
    let d = derive(&parse_recording(&v.to_string()).unwrap());
    assert!(!d.faults.iter().any(|f| matches!(f.action.kind, ActionKind::SetNumReplicas { .. })), "{}", d.summary());
    assert!(d.not_derived.iter().any(|n| n.why.contains("autoscaler")), "{}", d.summary());
}

/// A controller restart seen in a recording: the replay's controller is a new incarnation from then on.
#[test]
fn the_replay_counts_controller_restarts_as_incarnations() {
    for name in real_fixtures() {
        let rec = load(&name);
        let restarts: Vec<f64> =
            rec.events.iter().filter(|e| e.kind == "controller_up" && e.restarted == Some(true)).map(|e| e.t).collect();
        let replay = Replay::new(rec.clone());
        let end = replay.snapshot_at(replay.end());
        assert_eq!(end.controller.incarnation as usize, 1 + restarts.len(), "{name}");
    }
}
