//! Bring your own config: Ray Serve config files and KubeRay manifests (fixtures in `tests/config_import/`) turned
//! into scenarios, the messages for bad ones (Ray's words, the user's line and column), the notes for what is kept
//! without being simulated, and the export back to a Serve config.
use gangplank::app::config_import::{
    ConfigImport, NoteKind, SourceFile, import_files, imported_notes, serve_config_yaml, yaml,
};
use gangplank::model::Simulation;
use gangplank::model::scenario::{NumReplicas, Scenario};
use proptest::prelude::*;
use serde_json::json;
use std::process::Command;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/config_import/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn import(names: &[&str], base: Option<&Scenario>) -> Result<ConfigImport, Vec<String>> {
    let texts: Vec<String> = names.iter().map(|n| fixture(n)).collect();
    let files: Vec<SourceFile> = names.iter().zip(&texts).map(|(name, text)| SourceFile { name, text }).collect();
    import_files(&files, base).map_err(|p| p.iter().map(|p| p.to_string()).collect())
}

fn gpu_setup() -> ConfigImport {
    import(&["serve-gangs.yaml", "raycluster-gpu.yaml"], None).expect("the fixtures import")
}

#[test]
fn a_serve_config_and_a_raycluster_make_one_scenario() {
    let got = gpu_setup();
    let s = &got.scenario;
    assert_eq!(s.name, "RayCluster gpu-cluster");
    assert_eq!(s.validation.as_deref(), Some("config_file"));
    // Head: rayStartParams num-cpus "0" wins over the container's 4 CPUs; memory from the limit.
    assert_eq!(s.cluster.head.resources.get_f64("CPU"), 0.0);
    assert_eq!(s.cluster.head.resources.get_f64("memory"), 16.0 * 1024f64.powi(3));
    let ids: Vec<&str> = s.cluster.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["gpu-a100-1", "gpu-a100-2", "gpu-a100-3", "cpu-1", "cpu-2"]);
    let gpu = &s.cluster.nodes[0];
    assert_eq!((gpu.resources.get_f64("CPU"), gpu.resources.get_f64("GPU")), (8.0, 2.0));
    assert_eq!(gpu.labels["ray.io/accelerator-type"], "A100");
    assert_eq!(gpu.labels["ray.io/node-group"], "gpu-a100");
    // 3500m rounds up to 4 CPUs (Ray's _round_up_k8s_quantity); the resources rayStartParam gives `embed`.
    let cpu = &s.cluster.nodes[3];
    assert_eq!((cpu.resources.get_f64("CPU"), cpu.resources.get_f64("embed")), (4.0, 4.0));
    assert_eq!(cpu.resources.get_f64("GPU"), 0.0);

    let llm = &s.applications[0];
    assert_eq!(llm.name, "llm");
    let d = &llm.deployments[0];
    assert_eq!(d.num_replicas, Some(NumReplicas::Fixed(4)));
    assert_eq!(d.gang_scheduling_config.as_ref().unwrap().gang_size, 2);
    assert_eq!(d.graceful_shutdown_timeout_s, Some(10.0), "\"10\" is read as pydantic reads it");
    assert_eq!(d.max_ongoing_requests, Some(8));
    let embed = &s.applications[1].deployments[0];
    assert_eq!(embed.num_replicas, Some(NumReplicas::Auto));
    assert_eq!(embed.autoscaling_config.as_ref().unwrap().max_replicas, Some(6));

    // The run: both gangs of the llm deployment RUNNING, nothing violated.
    let mut sim = Simulation::new(s);
    sim.run_to_end();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let snap = sim.snapshot();
    let llm_view = snap.deployments.iter().find(|d| d.app == "llm").unwrap();
    assert_eq!(llm_view.running, 4, "{llm_view:?}");
}

#[test]
fn what_is_not_simulated_is_listed_with_its_line_never_dropped() {
    let got = gpu_setup();
    let shown: Vec<String> = got.notes.iter().map(|n| n.to_string()).collect();
    let has = |needle: &str| shown.iter().any(|n| n.contains(needle));
    assert!(
        has(
            "[ignored by Ray] serve-gangs.yaml:26: applications[0].deployments[0].num_replica: `num_replica` is not a \
             field of Ray 2.60's DeploymentSchema: Ray ignores it (did you mean `num_replicas`?)"
        ),
        "{shown:#?}"
    );
    for path in [
        "applications[0].import_path",
        "applications[0].route_prefix",
        "applications[0].runtime_env",
        "applications[0].deployments[0].ray_actor_options.accelerator_type",
        "applications[1].deployments[0].autoscaling_config.smoothing_factor",
        "proxy_location",
        "http_options",
    ] {
        assert!(
            got.notes.iter().any(|n| n.path == path && n.kind == NoteKind::NotSimulated),
            "{path} not listed: {shown:#?}"
        );
    }
    assert!(
        has(
            "raycluster-gpu.yaml:40: spec.workerGroupSpecs[1].replicas: an autoscaled group (minReplicas 1, maxReplicas 10): it starts at replicas = 2"
        ),
        "{shown:#?}"
    );
    // The notes travel with the scenario (share links, saved sessions).
    assert_eq!(imported_notes(&got.scenario), got.notes);
}

#[test]
fn a_rayservice_brings_its_cluster_and_its_serve_config_v2() {
    let got = import(&["rayservice-tpu.yaml"], None).unwrap();
    let s = &got.scenario;
    assert_eq!(s.name, "RayService tpu-serve");
    // 2 slices × numOfHosts 2: four TPU hosts; the first host of each slice has TPU-v4-16-head.
    let ids: Vec<&str> = s.cluster.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["tpu-v4-1-0", "tpu-v4-1-1", "tpu-v4-2-0", "tpu-v4-2-1"]);
    assert_eq!(s.cluster.nodes[0].resources.get_f64("TPU"), 4.0);
    assert_eq!(s.cluster.nodes[0].resources.get_f64("TPU-v4-16-head"), 1.0);
    assert_eq!(s.cluster.nodes[1].resources.get_f64("TPU-v4-16-head"), 0.0);
    assert_eq!(s.cluster.nodes[3].labels["ray.io/tpu-worker-id"], "1");
    assert_eq!(s.cluster.nodes[3].labels["ray.io/tpu-slice-name"], "tpu-v4-slice-2");
    assert_eq!(s.applications[0].deployments[0].name, "Gemma");
    // The other Kubernetes object in the stream is skipped, and said so.
    assert!(got.notes.iter().any(|n| n.text == "a Service: not a Ray resource, skipped"));
    let mut sim = Simulation::new(s);
    sim.run_to_end();
    assert!(sim.violations().is_empty());
    assert_eq!(sim.snapshot().deployments[0].running, 2);
}

#[test]
fn a_problem_inside_serve_config_v2_points_into_the_outer_file() {
    let text = fixture("rayservice-tpu.yaml").replace("num_replicas: 2", "num_replicas: 3");
    let line = text.lines().position(|l| l.contains("num_replicas: 3")).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find('3').unwrap() + 1;
    let err = import_files(&[SourceFile { name: "svc.yaml", text: &text }], None).unwrap_err();
    assert_eq!(
        err.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        [format!(
            "svc.yaml:{line}:{col}: spec.serveConfigV2 → applications[0].deployments[0].num_replicas: num_replicas (3) \
             must be a multiple of gang_size (2)."
        )]
    );
}

#[test]
fn bad_files_get_rays_message_at_the_users_line_and_column() {
    let base = gpu_setup().scenario;
    let cases: [(&str, &[&str]); 4] = [
        (
            "bad-types.yaml",
            &[
                "bad-types.yaml:8:21: applications[0].deployments[0].ray_actor_options.num_cpus: Input should be a \
                 valid number, unable to parse string as a number",
                "bad-types.yaml:9:31: applications[0].deployments[0].max_ongoing_requests: Input should be a valid \
                 integer, got a number with a fractional part",
            ],
        ),
        (
            "bad-strategy.yaml",
            &[
                "bad-strategy.yaml:9:36: applications[0].deployments[0].gang_scheduling_config.gang_placement_strategy: \
               Input should be 'PACK' or 'SPREAD' (found 'DIAGONAL')",
            ],
        ),
        (
            "bad-gang.yaml",
            &[
                "bad-gang.yaml:6:23: applications[0].deployments[0].num_replicas: num_replicas (3) must be a multiple of \
               gang_size (2).",
            ],
        ),
        ("malformed.yaml", &["malformed.yaml:6:1: not valid YAML: while parsing a flow sequence, expected ',' or ']'"]),
    ];
    for (file, expected) in cases {
        let got = import(&[file], Some(&base)).expect_err(file);
        assert_eq!(got, expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{file}");
    }
}

#[test]
fn one_part_alone_takes_the_other_from_the_current_scenario() {
    let base = gpu_setup().scenario;
    // A Serve config alone: the cluster is the current one.
    let serve_only = import(&["bad-gang.yaml"], Some(&base)).unwrap_err();
    assert_eq!(serve_only.len(), 1);
    let tpu_app = import(&["rayservice-tpu.yaml"], None).unwrap().scenario;
    let text = serve_config_yaml(&tpu_app);
    let got = import_files(&[SourceFile { name: "gemma.yaml", text: &text }], Some(&base)).unwrap();
    assert_eq!(got.scenario.cluster, base.cluster);
    assert_eq!(got.scenario.applications, tpu_app.applications);
    // A cluster alone: the applications are the current ones.
    let got = import(&["raycluster-gpu.yaml"], Some(&tpu_app)).unwrap();
    assert_eq!(got.scenario.applications, tpu_app.applications);
    assert_eq!(got.scenario.cluster, base.cluster);
    // Neither part, or no base to take the other from.
    let err = import_files(&[SourceFile { name: "x.yaml", text: "a: 1\n" }], Some(&base)).unwrap_err();
    assert!(err[0].message.contains("neither a Ray Serve config"), "{err:?}");
    let err = import(&["bad-gang.yaml"], None).unwrap_err();
    assert_eq!(err, ["bad-gang.yaml: no cluster manifest found, and there is no current scenario to take it from"]);
}

#[test]
fn the_export_gives_back_what_was_imported_with_the_edits() {
    let got = gpu_setup();
    let mut edited = got.scenario.clone();
    edited.applications[0].deployments[0].num_replicas = Some(NumReplicas::Fixed(6));
    let text = serve_config_yaml(&edited);
    let back = yaml::load_all(&text).unwrap().remove(0).value;
    let app = &back["applications"][0];
    // Kept as imported: what the model does not simulate.
    assert_eq!(app["import_path"], json!("llm.serve:app"));
    assert_eq!(app["route_prefix"], json!("/llm"));
    assert_eq!(app["runtime_env"], json!({"pip": ["vllm==0.9.0"]}));
    assert_eq!(back["proxy_location"], json!("EveryNode"));
    let d = &app["deployments"][0];
    assert_eq!(d["ray_actor_options"]["accelerator_type"], json!("A100"));
    assert_eq!(back["applications"][1]["deployments"][0]["autoscaling_config"]["smoothing_factor"], json!(1.0));
    // The edit, and what the model reads, as Ray's fields.
    assert_eq!(d["num_replicas"], json!(6));
    assert_eq!(d["gang_scheduling_config"]["gang_size"], json!(2));
    assert_eq!(d["graceful_shutdown_timeout_s"], json!(10.0));
    // The typo Ray ignores is kept too (it is the user's file), and importing the export gives the edited setup.
    assert_eq!(d["num_replica"], json!(8));
    let cluster = fixture("raycluster-gpu.yaml");
    let again = import_files(
        &[SourceFile { name: "export.yaml", text: &text }, SourceFile { name: "raycluster-gpu.yaml", text: &cluster }],
        None,
    )
    .unwrap();
    assert_eq!(again.scenario.applications, edited.applications);
}

#[test]
fn the_cli_imports_and_runs_ray_files() {
    let dir = format!("{}/tests/config_import", env!("CARGO_MANIFEST_DIR"));
    let cli = env!("CARGO_BIN_EXE_gangplank-cli");
    let out = Command::new(cli)
        .args(["run", "-q", "serve-gangs.yaml", "raycluster-gpu.yaml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("RayCluster gpu-cluster: "), "{out:?}");
    let out =
        Command::new(cli).args(["import", "bad-gang.yaml", "raycluster-gpu.yaml"]).current_dir(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-gang.yaml:6:23: applications[0].deployments[0].num_replicas: num_replicas (3) must be a multiple of gang_size (2)."),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    /// Any edit of a real manifest either imports or is refused with problems: never a panic, never an empty refusal.
    #[test]
    fn mangled_files_never_panic(
        which in 0usize..3,
        cuts in proptest::collection::vec((0usize..4000, 0usize..6, any::<u8>()), 1..6),
    ) {
        let name = ["serve-gangs.yaml", "raycluster-gpu.yaml", "rayservice-tpu.yaml"][which];
        let mut bytes = fixture(name).into_bytes();
        for (at, len, b) in cuts {
            let at = at % bytes.len();
            let end = (at + len).min(bytes.len());
            let fill = [b" ", b":", b"-", b"\n", b"'", b"[", b"9", b"x"][usize::from(b) % 8];
            bytes.splice(at..end, fill.iter().copied());
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        let base = gpu_setup().scenario;
        match import_files(&[SourceFile { name, text: &text }], Some(&base)) {
            Ok(got) => {
                let mut sim = Simulation::new(&got.scenario);
                sim.run_until(gangplank::model::time::SimTime::from_secs_f64(5.0));
                prop_assert!(sim.violations().is_empty());
            }
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}
