//! The Yew UI: draws snapshots and turns gestures into model actions. One component per file; UI state lives in
//! one reducer ([`state`]); geometry ([`layout`]) and looks ([`palette`]) are pure and tested natively.
pub mod action_panel;
#[cfg(all(feature = "alloc-stats", target_arch = "wasm32"))]
pub mod alloc_stats; // benchmarks only: the wasm heap's live bytes (issue 16)
pub mod app;
pub mod chart_series;
pub mod cluster_view;
pub mod controls;
pub mod cssom; // computed styles through the CSSOM: the strict CSP (issue 16)
pub mod event_log;
pub mod footer;
pub mod header;
pub mod help_overlay;
pub mod hover; // hover highlights its chain (issue 13)
pub mod layout;
pub mod legend;
pub mod lesson_panel; // lessons (issue 14)
pub mod lesson_picker; // lessons (issue 14)
pub mod lesson_reducer; // lessons (issue 14)
pub mod lesson_state; // lessons (issue 14)
pub mod live_region;
pub mod load_layer;
pub mod local_storage; // the browser's local storage, lowest level (a leaf: storage and lesson_state use it)
pub mod node_card;
pub mod overview; // the big cluster as one cell per node, zoom into a group (issue 14)
pub mod overview_cell;
pub mod palette;
pub mod panic;
pub mod pending_tray;
pub mod perf;
pub mod placement_panel;
pub mod presenter; // presenter mode (issue 14)
pub mod presenter_state; // presenter mode (issue 14)
pub mod replaced;
pub mod replaced_notice; // a preset never silently discards the user's scenario (issue 14)
pub mod replica_token;
pub mod scenario_picker;
pub mod share_panel;
pub mod spotlight; // presenter mode (issue 14)
pub mod state;
pub mod status_panel;
pub mod storage;
pub mod storage_notice; // autosave refused, back, or another tab (issue 16)
pub mod swimlanes; // swimlanes beside the cluster (issue 14)
pub mod timeline;
pub mod traffic_chart;
pub mod traffic_form;
pub mod traffic_status;
pub mod violation_banner;
pub mod what_to_watch; // no spoilers before the run (issue 14)
// ===== compare (issue 13: compare two variants, many seeds) =====
pub mod compare_form;
pub mod compare_view;
pub mod sweep_panel;
// ===== end compare =====
// ===== workbench (issue 13: bring your own config, edit in the page, exports) =====
pub mod cluster_svg;
pub mod download;
pub mod export_menu;
pub mod import_dialog;
pub mod import_worker;
pub mod workbench_bar;
pub mod workbench_draft;
pub mod workbench_editor;
pub mod workbench_state;
// ===== end workbench =====
// ===== replay (issue 15: a recording of a real cluster, and the model's prediction beside it) =====
pub mod recording_diff;
pub mod replay_log;
pub mod replay_mark;
pub mod replay_reducer;
pub mod replay_state;
pub mod replay_timeline;
pub mod replay_view;
// ===== end replay =====

pub use app::App;
pub use cluster_view::{ClusterView, ClusterViewProps};
pub use event_log::{EventLog, EventLogProps};
pub use pending_tray::{PendingTray, PendingTrayProps};
pub use status_panel::{StatusPanel, StatusPanelProps};
pub use violation_banner::{ViolationBanner, ViolationBannerProps};
