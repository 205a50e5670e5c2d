//! Every input the fuzzers found a problem with (`fuzz/regressions/<target>/*`), replayed through the same target
//! code the fuzzer runs (`fuzz/src/targets.rs`, included here by path since the fuzz crate is outside the main
//! workspace): no panic, and every rejection names where the problem is. Also each target's structural mode once
//! on every document it knows, unedited, so the targets and their seeds stay valid. FUZZING.md says what each
//! crasher showed and how it was fixed.
#[path = "../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
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

/// The brief run of the README's test command: the coverage-guided AFL++ runs need an instrumented build of several
/// minutes (FUZZING.md), so `cargo test` runs each target on inputs drawn from a seeded RNG instead, without
/// coverage guidance: structural edits of every known-valid document (most of them) and raw bytes, then the same
/// invariants. `GANGPLANK_FUZZ_BRIEF_N` (inputs per target, default 150) and `GANGPLANK_FUZZ_BRIEF_SEED` make it longer
/// or different; a failure names the input's bytes so it can be kept in `fuzz/regressions/`.
#[test]
fn a_brief_seeded_run_of_every_target_finds_no_panic_and_no_unlocated_rejection() {
    let n: usize = std::env::var("GANGPLANK_FUZZ_BRIEF_N").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let seed: u64 = std::env::var("GANGPLANK_FUZZ_BRIEF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut failures = Vec::new();
    for (name, target) in targets::TARGETS {
        for i in 0..n {
            let len = rng.random_range(0..48usize);
            let mut data: Vec<u8> = (0..len).map(|_| rng.random_range(0..=255u8)).collect();
            if i % 8 != 7 {
                // Structural: a document (the second byte picks it) and edits; otherwise the bytes as text.
                data.splice(0..0, [targets::STRUCTURAL, rng.random_range(0..=255u8)]);
            }
            failures.extend(run(name, *target, &data, &format!("input {data:?}")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs fail:\n{}",
        failures.len(),
        n * targets::TARGETS.len(),
        failures.join("\n")
    );
}
