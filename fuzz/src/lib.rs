//! Fuzz targets for every Gangplank decoder; see ../FUZZING.md. The targets live in `targets.rs`, which the main
//! crate's `tests/fuzz_regressions.rs` includes too (this crate is outside the main workspace).
pub mod targets;
