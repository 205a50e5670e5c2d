//! What survives a reload: the current session autosaved in localStorage on every change, the sessions the user
//! saved by name, and the start-up choice between a `#g1.…` link, `?preset=`, the autosave and the default.
//!
//! Stored values are share-link payloads (`g1.…`), so a stored session is exactly what a link carries. An entry
//! that cannot be read gives a visible message and is never overwritten: an unreadable autosave is kept aside
//! under [`AUTOSAVE_UNREADABLE_KEY`], an unreadable saved-session list is left as it is and not written to.
use crate::app::import::{base_scenario, shared_of};
use crate::app::link::{self, SharedSession};
use crate::app::presets::{DEFAULT_PRESET_ID, preset_by_id};
// The saved list's decoding is pure (natively tested and fuzzed): app::saved.
pub use crate::app::saved::{SAVED_KEY, SavedEntry, parse_saved};
use crate::app::storage_fault::{self, StorageFault};
use crate::ui::local_storage::{fault_of, get, keep_aside, set, storage, string_field};
use crate::ui::state::{Travel, UiAction, UiState};
use yew::prelude::*;

pub const AUTOSAVE_KEY: &str = "gangplank.autosave";
pub const AUTOSAVE_UNREADABLE_KEY: &str = "gangplank.autosave.unreadable";
/// While playing, the autosave writes at most this often (wall-clock ms); a pause saves at once.
pub const AUTOSAVE_PLAYING_MS: f64 = 1000.0;

/// The state's session as a shareable description.
pub fn shared_of_state(st: &UiState) -> SharedSession {
    shared_of(&st.session.0.borrow(), &st.preset_id, Some(st.view_settings()))
}

/// The state as a link payload (`g1.…`): the session and the open lesson, if any (issue 14).
pub fn link_of_state(st: &UiState) -> String {
    let lesson = st.lesson_link();
    if lesson.is_none() {
        return link::encode(&shared_of_state(st));
    }
    link::encode_link(&link::SharedLink { session: shared_of_state(st), compare: None, lesson })
}

/// The gesture that opens a shared session, or why it cannot be opened.
pub fn open_shared(shared: SharedSession, notice: String) -> Result<Travel, String> {
    let scenario = base_scenario(&shared)?;
    let preset_id = shared.preset.clone().filter(|p| preset_by_id(p).is_some()).unwrap_or_default();
    Ok(Travel::Open { preset_id, scenario: Box::new(scenario), shared: Box::new(shared), notice })
}

/// Decode and open a link; the error message says what is wrong.
pub fn open_link(link_text: &str, notice: &str) -> Result<Travel, String> {
    let link = link::decode_link(link_text).map_err(|e| e.to_string())?;
    let mut shared = link.session;
    crate::ui::lesson_state::carry_lesson(&mut shared, link.lesson); // lessons (issue 14): reopened at its step
    open_shared(shared, notice.to_string())
}

/// The saved sessions (an empty list if none were saved yet), or why they cannot be used.
pub fn load_saved() -> Result<Vec<SavedEntry>, String> {
    let s = storage().map_err(|f| f.no_saved_list())?;
    match s.get_item(SAVED_KEY).ok().flatten() {
        None => Ok(Vec::new()),
        Some(text) => parse_saved(&text),
    }
}

/// Write the saved sessions, unless the stored list is unreadable (then it is left untouched).
pub fn store_saved(list: &[SavedEntry]) -> Result<(), String> {
    load_saved().map_err(|e| format!("Not saved: {e}"))?;
    set(SAVED_KEY, &serde_json::to_string(list).expect("entries serialize")).map_err(|f| f.not_saved())
}

/// The stored saved-sessions list as it is (to hand an unreadable one to the user before starting a new list).
pub fn saved_raw() -> Option<String> {
    get(SAVED_KEY)
}

/// Remove the saved-sessions list (after the user downloaded an unreadable one), so a new list can start.
pub fn forget_saved() -> Result<(), String> {
    storage().and_then(|s| s.remove_item(SAVED_KEY).map_err(|e| fault_of(&e))).map_err(|f| f.no_saved_list())
}

/// The value of `name` in the page address's query (`?name=value&…`; `?name` alone gives `""`).
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| v.to_string())
    })
}

/// The page address for `href` with `preset=` set to `preset` (or removed) and the fragment replaced by `fragment`
/// (or removed); other query parameters (`embed`, `present`, ...) are kept. A `#g1.…` link carries its scenario
/// itself, so a `?preset=` beside it would only name another scenario; and an address that still named a preset
/// after an import would reopen that preset on reload instead of the autosaved work.
pub fn address_with(href: &str, preset: Option<&str>, fragment: Option<&str>) -> String {
    let base = href.split('#').next().unwrap_or_default();
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some("preset"))
        .map(String::from)
        .collect();
    if let Some(p) = preset {
        params.insert(0, format!("preset={p}"));
    }
    let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
    let fragment = fragment.map(|f| format!("#{}", f.trim_start_matches('#'))).unwrap_or_default();
    format!("{path}{query}{fragment}")
}

/// The current page's address carrying `fragment` (a share link), without any `?preset=`.
pub fn link_url(fragment: &str) -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    address_with(&href, None, Some(fragment))
}

/// Keep the address bar naming what is shown, without ever reopening something older on reload: `?preset=ID` while
/// the session is that preset untouched; once the user acts, imports or edits, no preset and no `#g1.…` (a reload
/// then restores the autosave, which is the latest state). The first render keeps the address that opened the page.
#[hook]
pub fn use_address_follows(preset_id: &str, scenario_name: &str, user_actions: usize) {
    let first = use_mut_ref(|| true);
    let key = (preset_id.to_string(), scenario_name.to_string(), user_actions);
    use_effect_with(key, move |(preset, _, actions)| {
        if std::mem::replace(&mut *first.borrow_mut(), false) {
            return;
        }
        let Some(window) = web_sys::window() else { return };
        let href = window.location().href().unwrap_or_default();
        let preset = (!preset.is_empty() && *actions == 0).then_some(preset.as_str());
        let next = address_with(&href, preset, None);
        if next != href
            && let Ok(history) = window.history()
        {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&next));
        }
    });
}

/// `?embed=1`: only the cluster view and minimal controls (for iframes).
pub fn is_embed() -> bool {
    query_param("embed").is_some_and(|v| v != "0" && v != "false")
}

fn hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// The state the page opens with: a `#g1.…` link, else `?preset=`, else the autosave, else the default preset.
/// A link or autosave that cannot be read is reported in the error banner and the next choice is used.
/// `preset_from_address` is the `?preset=` id (used only when the address has one).
pub fn initial_state(preset_from_address: &str) -> UiState {
    let mut problem = None;
    let h = hash();
    if h.len() > 1 {
        match open_link(&h, "Opened the shared session.") {
            Ok(t) => return opened(t),
            Err(e) => problem = Some(format!("This link could not be opened: {e}")),
        }
    }
    let mut st = if query_param("preset").is_some() {
        UiState::for_preset(preset_from_address)
    } else {
        match get(AUTOSAVE_KEY) {
            Some(text) => match open_link(&text, "Restored your last session.") {
                Ok(t) => opened(t),
                Err(e) => {
                    // Keep the unreadable entry aside (never over another one), so that autosaving goes on.
                    let kept = keep_aside(AUTOSAVE_UNREADABLE_KEY, &text);
                    let msg = match kept {
                        Ok(key) => format!(
                            "Your autosaved session could not be restored ({e}). It was kept unchanged in local \
                             storage as \"{key}\"."
                        ),
                        Err(why) => format!(
                            "Your autosaved session could not be restored ({e}), and it could not be kept aside \
                             ({why}): your next change replaces it."
                        ),
                    };
                    problem = Some(match problem {
                        Some(p) => format!("{p} {msg}"),
                        None => msg,
                    });
                    UiState::for_preset(DEFAULT_PRESET_ID)
                }
            },
            None => UiState::for_preset(DEFAULT_PRESET_ID),
        }
    };
    if let Some(p) = problem {
        let fallback = if st.preset_id.is_empty() { "your autosaved session" } else { "the scenario below" };
        st.error = Some(format!("{p} Showing {fallback} instead."));
    }
    st
}

fn opened(t: Travel) -> UiState {
    let mut st = UiState::for_preset(DEFAULT_PRESET_ID);
    st.travel(t);
    st
}

/// What the page says about autosaving, when there is something to say (issue 16: storage faults).
#[derive(Clone, Debug, PartialEq)]
pub enum AutosaveNotice {
    /// The last autosave failed: the session lives only in this tab.
    Off(StorageFault),
    /// Autosaving failed before and works again.
    Back,
    /// Another tab autosaves into the same entry.
    OtherTab,
}

impl AutosaveNotice {
    pub fn text(&self) -> String {
        match self {
            AutosaveNotice::Off(f) => f.autosave_off(),
            AutosaveNotice::Back => storage_fault::AUTOSAVE_BACK.to_string(),
            AutosaveNotice::OtherTab => storage_fault::OTHER_TAB.to_string(),
        }
    }
}

/// Save the session whenever it changes (its description, the cursor to a tenth of a second, the view). Returns
/// the notice to show: a failed autosave is never silent, and neither is another tab writing the same entry.
#[hook]
pub fn use_autosave(state: &UseReducerHandle<UiState>) -> UseStateHandle<Option<AutosaveNotice>> {
    let notice = use_state_eq(|| None::<AutosaveNotice>);
    // The last fault (None while autosaving works) and the last text written, kept across renders.
    let failing = use_mut_ref(|| None::<StorageFault>);
    let written = use_mut_ref(String::new);
    {
        // Another tab writing the autosave fires `storage` here (never for this tab's own writes).
        let notice = notice.clone();
        let written = written.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "storage", move |e| {
                let field = |k: &str| string_field(e, k);
                if field("key").as_deref() == Some(AUTOSAVE_KEY) && field("newValue") != Some(written.borrow().clone())
                {
                    notice.set(Some(AutosaveNotice::OtherTab));
                }
            });
            move || drop(listener)
        });
    }
    let cursor_ds = state.now.0 / 100_000;
    let key = (
        state.preset_id.clone(),
        state.seed,
        state.user_actions,
        state.events_total,
        // While playing, at most twice a second of simulated time per frame burst.
        if state.playing { cursor_ds / 5 } else { cursor_ds },
        state.speed_exp.to_bits(),
        state.filter_category.id(),
        state.filter_text.clone(),
        state.scenario_name.clone(),
        // Lessons (issue 14): the lesson, its step and phase.
        state.lesson_link().map(|l| (l.id, l.step, l.revealed)),
        // View settings saved on their own (issue 14), and pausing saves at once.
        (state.show_lanes, state.presenter.on, state.playing),
    );
    let handle = state.clone();
    let last_saved_ms = use_mut_ref(|| f64::NEG_INFINITY);
    let notice_set = notice.setter();
    use_effect_with(key, move |_| {
        if handle.error.as_deref().is_some_and(|e| e.contains("does not load")) {
            return;
        }
        // While playing, at most every AUTOSAVE_PLAYING_MS of wall time: encoding a link parses the scenario,
        // which at 10x on the big cluster cost a frame in ten.
        let now_ms = crate::ui::perf::now_ms();
        if handle.playing && now_ms - *last_saved_ms.borrow() < AUTOSAVE_PLAYING_MS {
            return;
        }
        *last_saved_ms.borrow_mut() = now_ms;
        let text = link_of_state(&handle);
        match set(AUTOSAVE_KEY, &text) {
            Ok(()) => {
                *written.borrow_mut() = text;
                if failing.borrow_mut().take().is_some() {
                    notice_set.set(Some(AutosaveNotice::Back));
                }
            }
            Err(f) => {
                if failing.borrow().as_ref() != Some(&f) {
                    notice_set.set(Some(AutosaveNotice::Off(f.clone())));
                    *failing.borrow_mut() = Some(f);
                }
            }
        }
    });
    notice
}

/// Open `#g1.…` links pasted into the address bar of an open page.
#[hook]
pub fn use_hash_links(dispatcher: UseReducerDispatcher<UiState>) {
    use_effect_with((), move |_| {
        let window = gloo::utils::window();
        let listener = gloo::events::EventListener::new(&window, "hashchange", move |_| {
            let h = hash();
            if h.len() <= 1 {
                return;
            }
            let action = match open_link(&h, "Opened the shared session.") {
                Ok(t) => t,
                Err(e) => Travel::Error(Some(format!("This link could not be opened: {e} The session is unchanged."))),
            };
            dispatcher.dispatch(UiAction::Travel(action));
        });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_reloads_name_only_what_is_shown() {
        let a = "http://h/app/?preset=replica-crash&embed=1#g1.old";
        assert_eq!(address_with(a, None, Some("g1.new")), "http://h/app/?embed=1#g1.new");
        assert_eq!(address_with(a, Some("node-failure"), None), "http://h/app/?preset=node-failure&embed=1");
        assert_eq!(address_with("http://h/?preset=x", None, None), "http://h/");
        assert_eq!(address_with("http://h/", Some("x"), Some("#g1.a")), "http://h/?preset=x#g1.a");
    }

    #[test]
    fn a_corrupted_saved_list_says_where() {
        let err = parse_saved("[{\"name\": \"a\", \"link\": \"g1.x\"}, {\"name\": ").unwrap_err();
        assert!(err.contains("line 1, column") && err.contains("left untouched"), "{err}");
        assert_eq!(parse_saved("[]").unwrap(), Vec::new());
    }

    #[test]
    fn opening_a_link_reproduces_the_state() {
        use crate::model::scenario::ActionKind;
        use crate::model::time::SimTime;
        use std::rc::Rc;
        use yew::Reducible;
        let st = Rc::new(UiState::for_preset("controller-restart"));
        let st = st.reduce(UiAction::SetSeed(42));
        let st = st.reduce(UiAction::StepEvent);
        let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(3.0))));
        let st = st.reduce(UiAction::Inject(ActionKind::KillController {}));
        let st = st.reduce(UiAction::Travel(Travel::Seek(SimTime::from_secs_f64(9.0))));
        let code = link::encode(&shared_of_state(&st));
        let opened = opened(open_link(&format!("http://x/#{code}"), "hi").unwrap());
        assert_eq!(opened.preset_id, "controller-restart");
        assert_eq!(opened.seed, 42);
        assert_eq!(opened.now, st.now);
        assert_eq!(opened.user_actions, 1);
        assert_eq!(*opened.snapshot, *st.snapshot);
        assert_eq!(*opened.log, *st.log);
        assert!(open_link("#g1.broken", "x").err().unwrap().contains("damaged"));
    }
}
