//! The session layer shared by the UI and the CLI.
//!
//! A [`session::Session`] is a run described the way issue 5 needs it: a scenario (with its seed) plus the user's
//! timestamped actions. The current [`crate::model::Simulation`] is only a cache of "that description, advanced to
//! now"; it can always be rebuilt from the description. [`presets`] is the one list of bundled scenarios;
//! [`link`] encodes a session into a share link and [`perfetto`] exports a run as a Chrome / Perfetto trace.
pub mod cluster_summary;
pub mod compare;
pub mod config_import;
pub mod document;
pub mod edit;
pub mod event_cursor;
pub mod gang_colours;
pub mod gang_lineage;
pub mod history;
pub mod import;
pub mod lanes; // swimlanes (issue 14)
pub mod lesson;
pub mod link;
pub mod perfetto;
pub mod presets;
pub mod recording; // real-cluster recordings (issue 15)
pub mod replay_clock; // the page's replay of a recording (issue 15)
pub mod report;
pub mod saved; // the saved-sessions list (ui::storage keeps it in localStorage)
pub mod session;
pub mod storage_fault; // what the page says when local storage refuses (issue 16)
pub mod sweep;

pub use presets::{PRESETS, Preset};
pub use session::Session;
