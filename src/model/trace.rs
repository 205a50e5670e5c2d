//! The trace format `gangplank.trace/v1`.
