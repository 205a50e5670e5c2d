//! The native half of the cross-platform determinism check: these traces must hash to the golden values that
//! the browser test (tests/web.rs) checks too, so native and wasm runs are byte-identical.
mod golden;

#[test]
fn native_traces_match_the_golden_hashes_that_wasm_checks_too() {
    if std::env::var_os("GANGPLANK_BLESS").is_some() {
        let lines: Vec<String> =
            golden::SCENARIOS.iter().map(|(name, text)| format!("{name} {}", golden::trace_hash(text))).collect();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/trace_hashes.txt");
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
        return;
    }
    for (name, text) in golden::SCENARIOS {
        let want =
            golden::expected(name).unwrap_or_else(|| panic!("{name} has no golden hash: run with GANGPLANK_BLESS=1"));
        assert_eq!(golden::trace_hash(text), want, "{name}: the native trace changed (bless it if intended)");
    }
}
