//! Gangplank: watch Ray Serve gang scheduling happen.
//!
//! Layers (see ARCHITECTURE.md): `model` is the pure, deterministic Ray Serve 2.60 core (no web crates, no wall
//! clock); `app` owns a session (scenario, actions, cursor) and is shared by the UI and the CLI; `ui` draws
//! snapshots with Yew and turns gestures into model actions.
pub mod app;
pub mod model;
pub mod ui;
