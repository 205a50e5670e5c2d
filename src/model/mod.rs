//! The pure model of the Ray Serve 2.60 controller and the Ray placement-group scheduler.
//!
//! Rule: nothing under `model` imports a web crate (yew, web-sys, gloo, js-sys, wasm-bindgen), reads a clock or
//! keeps global state. `tests/architecture.rs` enforces it. Plain data in (a [`scenario::Scenario`] and
//! [`scenario::Action`]s), plain data out ([`snapshot::Snapshot`], [`events::Event`]s, [`trace::Trace`]).
pub mod cluster;
pub mod events;
pub mod gcs;
pub mod ids;
pub mod invariants;
pub mod log;
pub mod placement;
pub mod placement_explain;
pub mod placement_index;
pub mod resources;
pub mod scenario;
pub mod serve;
pub mod sim;
pub mod snapshot;
pub mod time;
pub mod trace;
pub mod traffic;
pub mod world;

pub use sim::Simulation;
