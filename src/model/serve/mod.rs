//! The Serve controller, mirroring Ray's `serve/_private` layout.
pub mod behaviour;
pub mod controller;
pub mod deployment_state;
pub mod health;
pub mod recovery;
pub mod replica;
pub mod scheduler;
pub mod status;
