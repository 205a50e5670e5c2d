//! The Serve controller, mirroring Ray's `serve/_private` layout.
pub mod replica;
pub mod status;
