//! Why the browser's local storage refused something, and what the page tells the user then (issue 16: storage
//! faults). Pure, so the wording and the choice of where an unreadable entry is kept are natively tested; `ui::storage`
//! maps the browser's `DOMException` names onto [`StorageFault`].

/// Why a read or write of local storage failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageFault {
    /// No local storage for this page: disabled in the browser's settings, blocked for an embedded page, or a
    /// private mode that refuses it (`SecurityError`, or no `localStorage` at all).
    Disabled,
    /// The site's storage quota is used up (`QuotaExceededError`).
    Full,
    /// Any other refusal, with the browser's own words.
    Refused(String),
}

impl StorageFault {
    /// The fault for a `DOMException` with this `name` and `message` (what `setItem` / `localStorage` throw).
    pub fn from_dom_exception(name: &str, message: &str) -> Self {
        match name {
            // Firefox names a full quota NS_ERROR_DOM_QUOTA_REACHED.
            "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StorageFault::Full,
            "SecurityError" | "NotAllowedError" => StorageFault::Disabled,
            _ if message.trim().is_empty() => StorageFault::Refused(name.to_string()),
            _ => StorageFault::Refused(format!("{name}: {message}")),
        }
    }

    /// What went wrong, as a clause ("the browser's storage for this site is full").
    pub fn reason(&self) -> String {
        match self {
            StorageFault::Disabled => {
                "this browser does not allow this page to use local storage (it is disabled in the \
                                       browser's settings, blocked for embedded pages, or refused in private mode)"
                    .to_string()
            }
            StorageFault::Full => "the browser's storage for this site is full".to_string(),
            StorageFault::Refused(why) => format!("the browser refused to store it ({why})"),
        }
    }

    /// The notice shown while autosaving fails: what is not happening, why, that nothing is lost yet, and what to do.
    pub fn autosave_off(&self) -> String {
        format!(
            "Your session is not being autosaved: {}. It is still here in this tab, but a reload or closing the tab \
             would lose it. To keep it, use Copy link, or save it as a file (Scenario JSON). Autosaving is tried again \
             at every change.",
            self.reason()
        )
    }

    /// Why saving a session by name failed.
    pub fn not_saved(&self) -> String {
        format!(
            "Not saved: {}. Your saved sessions are unchanged; Copy link keeps this session instead.",
            self.reason()
        )
    }

    /// Why the saved-sessions list cannot be used at all.
    pub fn no_saved_list(&self) -> String {
        format!(
            "Saving sessions by name needs the browser's local storage, and {}. Copy link or Scenario JSON keep a \
             session instead.",
            self.reason()
        )
    }
}

/// The notice once autosaving works again after a failure.
pub const AUTOSAVE_BACK: &str = "Autosaving works again: your session is kept across reloads.";

/// The notice when another tab of this page autosaves too: both write the one autosave entry, so a reload opens
/// whichever changed last.
pub const OTHER_TAB: &str = "Gangplank is open in another tab of this browser, which autosaves too: a reload opens \
                             whichever session changed last. To keep this one for sure, save it by name or Copy link.";

/// How many unreadable autosaves are kept aside at most (under `{base}`, `{base}.2`, ... `{base}.{MAX_KEPT_ASIDE}`).
pub const MAX_KEPT_ASIDE: usize = 5;

/// Where to keep an unreadable entry `text` aside, given what the keys `base`, `base.2`, ... hold now (`stored`):
/// `Some(key)` to write it there (a key that already holds the same text is reused, so a page reloaded twice does
/// not fill the slots with copies), or `None` when all [`MAX_KEPT_ASIDE`] slots hold other entries (none is ever
/// overwritten).
pub fn keep_aside_key(base: &str, text: &str, stored: impl Fn(&str) -> Option<String>) -> Option<String> {
    let keys = (1..=MAX_KEPT_ASIDE).map(|i| if i == 1 { base.to_string() } else { format!("{base}.{i}") });
    let mut free = None;
    for key in keys {
        match stored(&key) {
            Some(held) if held == text => return Some(key),
            Some(_) => {}
            None => {
                free.get_or_insert(key);
            }
        }
    }
    free
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn browser_exceptions_map_to_faults() {
        assert_eq!(StorageFault::from_dom_exception("QuotaExceededError", "quota"), StorageFault::Full);
        assert_eq!(StorageFault::from_dom_exception("NS_ERROR_DOM_QUOTA_REACHED", ""), StorageFault::Full);
        assert_eq!(StorageFault::from_dom_exception("SecurityError", "denied"), StorageFault::Disabled);
        assert_eq!(
            StorageFault::from_dom_exception("InvalidStateError", "gone"),
            StorageFault::Refused("InvalidStateError: gone".into())
        );
    }

    #[test]
    fn messages_say_why_and_what_to_do() {
        let m = StorageFault::Full.autosave_off();
        assert!(m.contains("not being autosaved") && m.contains("is full") && m.contains("Copy link"), "{m}");
        let m = StorageFault::Disabled.not_saved();
        assert!(m.starts_with("Not saved: ") && m.contains("does not allow") && m.contains("unchanged"), "{m}");
        assert!(StorageFault::Disabled.no_saved_list().contains("local storage"));
    }

    #[test]
    fn unreadable_entries_are_kept_aside_without_overwriting_any() {
        let mut store = BTreeMap::<String, String>::new();
        let base = "gangplank.autosave.unreadable";
        let key = |s: &BTreeMap<String, String>, t: &str| keep_aside_key(base, t, |k| s.get(k).cloned());
        assert_eq!(key(&store, "a"), Some(base.to_string()));
        store.insert(base.into(), "a".into());
        // The same entry again (a second reload): the same key, no copy.
        assert_eq!(key(&store, "a"), Some(base.to_string()));
        assert_eq!(key(&store, "b"), Some(format!("{base}.2")));
        for i in 2..=MAX_KEPT_ASIDE {
            store.insert(format!("{base}.{i}"), format!("x{i}"));
        }
        assert_eq!(key(&store, "new"), None);
        // A slot freed in the middle is used.
        store.remove(&format!("{base}.3"));
        assert_eq!(key(&store, "new"), Some(format!("{base}.3")));
    }
}
