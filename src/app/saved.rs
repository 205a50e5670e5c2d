//! The sessions the user saved by name, as the page keeps them in localStorage (`ui::storage`): a JSON list of
//! names and share-link payloads. Pure, so the decoder is natively tested and fuzzed (FUZZING.md).
use serde::{Deserialize, Serialize};

/// The localStorage key of the list.
pub const SAVED_KEY: &str = "gangplank.saved";

/// A session the user saved by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedEntry {
    pub name: String,
    /// The session as a link payload (`g1.…`).
    pub link: String,
}

/// Parse the saved-sessions list.
pub fn parse_saved(text: &str) -> Result<Vec<SavedEntry>, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(
            "Your saved sessions could not be read (line {}, column {}: {e}). They were left untouched; saving by name is \
             off until you download them and start a new list (the button below the message).",
            e.line(),
            e.column()
        )
    })
}
