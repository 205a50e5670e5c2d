//! The session layer shared by the UI and the CLI.
