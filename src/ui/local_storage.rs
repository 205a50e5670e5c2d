//! The browser's local storage, at its lowest level: the store or why there is none, and a read and a write that
//! say why they failed ([`StorageFault`]). A leaf: `ui::storage` (sessions, autosave) and `ui::lesson_state`
//! (lesson progress) both use it, and it uses neither.
use crate::app::storage_fault::StorageFault;
use web_sys::js_sys;

/// The page's local storage, or why there is none (disabled, blocked for an embedded page, private mode).
/// Not `gloo::storage::LocalStorage`: its `raw()` panics when storage is disabled, and its errors do not keep the
/// `DOMException` name that tells a full quota from a refusal.
pub fn storage() -> Result<web_sys::Storage, StorageFault> {
    match web_sys::window().map(|w| w.local_storage()) {
        Some(Ok(Some(s))) => Ok(s),
        Some(Err(e)) => Err(fault_of(&e)),
        _ => Err(StorageFault::Disabled),
    }
}

/// The fault for what the browser threw (a `DOMException`: its `name` says which).
pub fn fault_of(e: &wasm_bindgen::JsValue) -> StorageFault {
    let field = |k: &str| string_field(e, k).unwrap_or_default();
    StorageFault::from_dom_exception(&field("name"), &field("message"))
}

/// A string property of a JS object (an exception's `name`, a `StorageEvent`'s `key`), without a web-sys feature.
pub fn string_field(v: &wasm_bindgen::JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(v, &key.into()).ok().and_then(|v| v.as_string())
}

pub fn get(key: &str) -> Option<String> {
    storage().ok().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn set(key: &str, value: &str) -> Result<(), StorageFault> {
    storage()?.set_item(key, value).map_err(|e| fault_of(&e))
}

/// Keep an unreadable entry's `text` aside, unchanged, under `base` (or `base.2` … when taken by other entries; see
/// `storage_fault::keep_aside_key`): the key it is kept under, or why it could not be kept.
pub fn keep_aside(base: &str, text: &str) -> Result<String, String> {
    use crate::app::storage_fault::{MAX_KEPT_ASIDE, keep_aside_key};
    let key = keep_aside_key(base, text, get)
        .ok_or_else(|| format!("{MAX_KEPT_ASIDE} unreadable entries are kept already"))?;
    set(&key, text).map(|()| key).map_err(|f| f.reason())
}
