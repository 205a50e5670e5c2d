//! Golden trace hashes: the same scenarios must give byte-identical traces natively and in wasm
//! (`tests/cross_platform.rs` checks the native side, `tests/web.rs` the browser side).
//! After an intended model change, refresh with `GANGPLANK_BLESS=1 cargo test --test cross_platform`.

/// The scenarios, by file name under tests/scenarios/, with their text compiled in (wasm has no file system).
pub const SCENARIOS: &[(&str, &str)] = &[
    ("oracle_replica_crash.json", include_str!("../scenarios/oracle_replica_crash.json")),
    ("oracle_controller_killed.json", include_str!("../scenarios/oracle_controller_killed.json")),
    ("25a_node_death_pack.json", include_str!("../scenarios/25a_node_death_pack.json")),
    ("16a_constructor_always_fails.json", include_str!("../scenarios/16a_constructor_always_fails.json")),
];

/// `name hash` lines.
pub const HASHES: &str = include_str!("trace_hashes.txt");

/// FNV-1a, 64 bits: tiny, and the same on every platform.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The trace hash of a scenario text, run to its end.
pub fn trace_hash(text: &str) -> String {
    let scenario = gangplank::model::scenario::parse_scenario(text).expect("golden scenarios are valid");
    let mut sim = gangplank::model::Simulation::new(&scenario);
    sim.run_to_end();
    format!("{:016x} {}", fnv1a(sim.trace_json().as_bytes()), sim.trace_json().len())
}

/// The expected hash of a scenario, from the golden file.
pub fn expected(name: &str) -> Option<String> {
    HASHES.lines().find_map(|l| l.strip_prefix(name).map(|rest| rest.trim().to_string()))
}
