//! Every input the fuzzers found a problem with (`fuzz/regressions/<target>/*`), replayed through the same target
//! code the fuzzer runs (`fuzz/src/targets.rs`, included here by path since the fuzz crate is outside the main
//! workspace): no panic, and every rejection names where the problem is. Also each target's structural mode once
//! on every document it knows, unedited, so the targets and their seeds stay valid. FUZZING.md says what each
//! crasher showed and how it was fixed.
#[path = "../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn run(name: &str, target: targets::Target, data: &[u8], what: &str) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| target(data))).err().map(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name} {what}: {message}")
    })
}

#[test]
fn every_kept_crasher_is_decoded_without_a_panic_and_refused_with_a_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, target) in targets::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else { continue };
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("a regression input reads");
            failures.extend(run(name, *target, &data, &file.display().to_string()));
            replayed += 1;
        }
    }
    assert!(replayed >= 10, "only {replayed} regression inputs found under {}", root.display());
    assert!(failures.is_empty(), "{} of {replayed} regression inputs fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_target_accepts_its_own_seed_documents_unedited() {
    let mut failures = Vec::new();
    for (name, target) in targets::TARGETS {
        for pick in 0..8u8 {
            failures.extend(run(name, *target, &[targets::STRUCTURAL, pick], &format!("seed document {pick}")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
