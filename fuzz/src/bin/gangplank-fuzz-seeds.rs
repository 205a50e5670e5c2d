//! Writes the seed corpus of every target into DIR/<target>/ (`gangplank-fuzz-seeds DIR`): the project's valid
//! inputs (presets, test scenarios, lessons, recordings, Ray configs, generated links and saved lists) and a few
//! structural-edit seeds (first byte 0x00: edits of a known-valid document, see `targets::mutate`).
use std::fs;
use std::path::Path;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".to_string());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = |dir: &str, ext: &str| -> Vec<Vec<u8>> {
        let mut paths: Vec<_> = fs::read_dir(root.join(dir))
            .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(ext)).collect())
            .unwrap_or_default();
        paths.sort();
        paths.iter().map(|p| fs::read(p).expect("a seed file reads")).collect()
    };
    // Structural seeds: pick each known document once, with a few edits or none.
    let structural: Vec<Vec<u8>> =
        (0u8..6).map(|i| vec![0, i, i.wrapping_mul(37), 0, i, 3, 0x80 | i, 1, 2, 7]).chain([vec![0, 0]]).collect();
    let links: Vec<Vec<u8>> = [
        r#"{"preset":"replica-crash","seed":7,"cursor_s":12.5}"#,
        r#"{"preset":"node-failure","cursor_s":1,"actions":[{"at_s":5,"kind":"kill_node","node":"worker-1"}]}"#,
        r#"{"preset":"replica-crash","cursor_s":0,"lesson":{"id":"what-is-a-gang","step":1}}"#,
    ]
    .iter()
    .flat_map(|p| [[&[1u8][..], p.as_bytes()].concat(), gangplank_fuzz::targets::pack(p.as_bytes()).into_bytes()])
    .collect();
    let saved: Vec<Vec<u8>> = vec![
        format!(
            r#"[{{"name":"a","link":"{}"}}]"#,
            gangplank_fuzz::targets::pack(br#"{"preset":"replica-crash","cursor_s":2}"#)
        )
        .into_bytes(),
        b"[]".to_vec(),
    ];
    let mut configs = files("tests/config_import", ".yaml");
    configs.push(
        [
            &files("tests/config_import", "serve-gangs.yaml")[0][..],
            b"#--- next file\n",
            &files("tests/config_import", "raycluster-gpu.yaml")[0],
        ]
        .concat(),
    );
    let recordings: Vec<Vec<u8>> =
        files("tests/recordings", ".json").into_iter().filter(|r| r.len() < 80_000).collect();
    let corpus: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("scenario", [files("scenarios/presets", ".json"), files("tests/scenarios", ".json")].concat()),
        ("link", links),
        ("saved", saved),
        ("import", [files("tests/scenarios", ".json"), files("tests/regressions", ".json")].concat()),
        ("config", configs),
        ("lesson", files("lessons", ".json")),
        ("recording", recordings),
    ];
    for (target, seeds) in corpus {
        let dir = Path::new(&out).join(target);
        fs::create_dir_all(&dir).expect("the corpus directory can be made");
        for (i, seed) in seeds.iter().chain(&structural).enumerate() {
            fs::write(dir.join(format!("seed-{i:03}")), seed).expect("a seed writes");
        }
    }
    println!("seeds written to {out}");
}
