//! Share and save: copy a link to this exact moment, import a file (picker or drag and drop anywhere on the
//! page), export the scenario (with your actions folded in), the trace and a Perfetto trace, and named saved
//! sessions (save, rename, delete, open). A failed import changes nothing and says what is wrong and where.
use crate::app::import::{self, export_scenario};
use crate::app::perfetto;
use crate::ui::download::{download, file_stem, files_of, read_files};
use crate::ui::state::{UiAction, UiState};
use crate::ui::storage::{SavedEntry, link_of_state, load_saved, open_link, open_shared, store_saved};
use crate::ui::workbench_state::{Panel, WorkbenchAction};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::js_sys;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SharePanelProps {
    pub state: UseReducerHandle<UiState>,
}

type Message = Option<(bool, String)>;

/// Read every file (after checking their sizes) and open them: Ray's own files (Serve configs, KubeRay manifests)
/// go to the workbench's import (issue 13: over the current scenario, with its notes); a Gangplank file opens here.
/// Failures go to `message` and change nothing.
fn import_all(files: Vec<web_sys::File>, message: UseStateSetter<Message>, dispatcher: UseReducerDispatcher<UiState>) {
    let done = Callback::from(move |res: Result<Vec<(String, String)>, String>| {
        let texts = match res {
            Ok(t) => t,
            Err(e) => {
                message.set(Some((false, format!("Import refused: {} Your session is unchanged.", sentence(&e)))));
                return;
            }
        };
        // Lessons (issue 14): a lesson file opens as a lesson (its problems are shown with their field paths).
        if let Some((name, text)) = crate::ui::lesson_state::lesson_file(&texts) {
            message.set(None);
            dispatcher.dispatch(UiAction::Lesson(crate::ui::lesson_state::LessonAction::Import { name, text }));
            return;
        }
        // Replay (issue 15): a recording of a real cluster opens as a replay (its problems in the import dialog).
        if crate::ui::replay_state::recording_file(&texts).is_some() {
            message.set(None);
            dispatcher.dispatch(UiAction::Workbench(WorkbenchAction::Import(Ok(texts))));
            return;
        }
        if texts.iter().any(|(_, t)| crate::app::config_import::looks_like_config(t)) {
            message.set(None);
            dispatcher.dispatch(UiAction::Workbench(WorkbenchAction::Import(Ok(texts))));
            return;
        }
        let names: Vec<String> = texts.iter().map(|(n, _)| format!("\"{n}\"")).collect();
        let result = import::import_gangplank(&texts)
            .and_then(|got| open_shared(got.session, format!("Imported the {} {}.", got.kind, names.join(", "))));
        match result {
            Ok(t) => {
                message.set(Some((true, format!("Imported {}.", names.join(", ")))));
                dispatcher.dispatch(UiAction::Travel(t));
            }
            Err(e) => message.set(Some((false, format!("Import failed: {} Your session is unchanged.", sentence(&e))))),
        }
    });
    read_files(files, done);
}

#[component(SharePanel)]
pub fn share_panel(props: &SharePanelProps) -> Html {
    let message = use_state(|| None::<(bool, String)>);
    let link_text = use_state(|| None::<String>);
    let saved = use_state(load_saved);
    let save_name = use_state(String::new);
    let renaming = use_state(|| None::<usize>);
    let dragging = use_state(|| false);
    let dispatcher = props.state.dispatcher();

    // Drag and drop anywhere on the page.
    {
        let message = message.setter();
        let dragging = dragging.setter();
        let dispatcher = dispatcher.clone();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            let d1 = dragging.clone();
            let over = gloo::events::EventListener::new_with_options(&doc, "dragover", opts, move |e| {
                e.prevent_default();
                d1.set(true);
            });
            let d2 = dragging.clone();
            let leave = gloo::events::EventListener::new(&doc, "dragleave", move |_| d2.set(false));
            let drop = gloo::events::EventListener::new_with_options(&doc, "drop", opts, move |e| {
                e.prevent_default();
                dragging.set(false);
                // Every dropped file (a Serve config and a cluster manifest together, say).
                let files = files_of(
                    e.dyn_ref::<web_sys::DragEvent>().and_then(|e| e.data_transfer()).and_then(|dt| dt.files()),
                );
                import_all(files, message.clone(), dispatcher.clone());
            });
            move || drop_all((over, leave, drop))
        });
    }

    let on_copy = {
        let state = props.state.clone();
        let message = message.clone();
        let link_text = link_text.clone();
        Callback::from(move |_: MouseEvent| {
            let url = crate::ui::storage::link_url(&link_of_state(&state)); // with its lesson (issue 14)
            link_text.set(Some(url.clone()));
            let navigator = gloo::utils::window().navigator();
            let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
                .map(|c| !c.is_undefined() && !c.is_null())
                .unwrap_or(false);
            if !has_clipboard {
                message.set(Some((true, "Copy the link from the field below.".to_string())));
                return;
            }
            let ok_msg = message.setter();
            let err_msg = message.setter();
            let ok = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                ok_msg.set(Some((true, "Link copied. It is also in the field below.".to_string())))
            });
            let err = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                err_msg.set(Some((
                    true,
                    "The clipboard is not available: copy the link from the field below.".to_string(),
                )))
            });
            let _ = navigator.clipboard().write_text(&url).then2(&ok, &err);
            ok.forget();
            err.forget();
        })
    };
    let on_pick = {
        let message = message.setter();
        let dispatcher = dispatcher.clone();
        Callback::from(move |e: Event| {
            let input = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                import_all(files_of(input.files()), message.clone(), dispatcher.clone());
                input.set_value("");
            }
        })
    };
    let on_export_scenario = {
        let state = props.state.clone();
        Callback::from(move |_: MouseEvent| {
            let text = export_scenario(&state.session.0.borrow());
            download(&format!("{}.scenario.json", file_stem(&state)), "application/json", &text);
        })
    };
    let on_export_trace = {
        let state = props.state.clone();
        Callback::from(move |_: MouseEvent| {
            let text = state.session.0.borrow().trace_json();
            download(&format!("{}.trace.json", file_stem(&state)), "application/json", &text);
        })
    };
    let on_export_perfetto = {
        let state = props.state.clone();
        Callback::from(move |_: MouseEvent| {
            let s = state.session.0.borrow();
            let v = perfetto::export(s.events(), s.now().0);
            let text = serde_json::to_string(&v).expect("JSON serializes");
            download(&format!("{}.perfetto.json", file_stem(&state)), "application/json", &text);
        })
    };
    let store = {
        let saved = saved.clone();
        let message = message.clone();
        move |list: Vec<SavedEntry>, done: String| match store_saved(&list) {
            Ok(()) => {
                saved.set(Ok(list));
                message.set(Some((true, done)));
            }
            Err(e) => message.set(Some((false, e))),
        }
    };
    let on_save = {
        let state = props.state.clone();
        let saved = saved.clone();
        let save_name = save_name.clone();
        let store = store.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(mut list) = (*saved).clone() else { return };
            let name = save_name.trim();
            let name = if name.is_empty() {
                format!("{} at {:.1} s", state.scenario_name, state.now.as_secs_f64())
            } else {
                name.chars().take(80).collect()
            };
            list.push(SavedEntry { name: name.clone(), link: link_of_state(&state) });
            save_name.set(String::new());
            store(list, format!("Saved \"{name}\"."));
        })
    };
    let on_name = {
        let save_name = save_name.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                save_name.set(i.value());
            }
        })
    };
    let saved_list = match &*saved {
        Err(e) => {
            // An unreadable list is never thrown away silently: the user takes it as a file, then starts afresh.
            let reset = crate::ui::storage::saved_raw().map(|raw| {
                let saved = saved.clone();
                let message = message.setter();
                Callback::from(move |_: MouseEvent| {
                    download("gangplank-saved-sessions-unreadable.json", "application/json", &raw);
                    match crate::ui::storage::forget_saved() {
                        Ok(()) => {
                            saved.set(Ok(Vec::new()));
                            message.set(Some((
                                true,
                                "The unreadable list was downloaded as gangplank-saved-sessions-unreadable.json and \
                                 a new, empty list started."
                                    .to_string(),
                            )));
                        }
                        Err(e) => message.set(Some((false, e))),
                    }
                })
            });
            html! {
                <>
                    <p class="share-msg bad" role="alert" data-testid="saved-error">{ e.clone() }</p>
                    if let Some(onclick) = reset {
                        <button type="button" class="small saved-reset" {onclick} data-testid="saved-reset">
                            { "Download it and start a new list" }
                        </button>
                    }
                </>
            }
        }
        Ok(list) if list.is_empty() => html! { <p class="quiet">{ "No saved sessions yet." }</p> },
        Ok(list) => html! {
            <ul class="saved-list" data-testid="saved-list">
                { for list.iter().enumerate().map(|(i, entry)| {
                    let open = {
                        let link = entry.link.clone();
                        let name = entry.name.clone();
                        let dispatcher = dispatcher.clone();
                        let message = message.clone();
                        Callback::from(move |_: MouseEvent| match open_link(&link, &format!("Opened \"{name}\".")) {
                            Ok(t) => dispatcher.dispatch(UiAction::Travel(t)),
                            Err(e) => message.set(Some((false, format!("\"{name}\" could not be opened: {e}")))),
                        })
                    };
                    let delete = {
                        let list = list.clone();
                        let store = store.clone();
                        Callback::from(move |_: MouseEvent| {
                            let mut l = list.clone();
                            let gone = l.remove(i);
                            store(l, format!("Deleted \"{}\".", gone.name));
                        })
                    };
                    let rename_on = {
                        let renaming = renaming.clone();
                        Callback::from(move |_: MouseEvent| renaming.set(Some(i)))
                    };
                    let rename_done = {
                        let list = list.clone();
                        let store = store.clone();
                        let renaming = renaming.clone();
                        Callback::from(move |e: Event| {
                            let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
                            renaming.set(None);
                            if let Some(v) = v.map(|v| v.trim().chars().take(80).collect::<String>()).filter(|v| !v.is_empty()) {
                                let mut l = list.clone();
                                l[i].name = v.clone();
                                store(l, format!("Renamed to \"{v}\"."));
                            }
                        })
                    };
                    html! {
                        <li key={format!("{i}-{}", entry.name)}>
                            if *renaming == Some(i) {
                                <input type="text" value={entry.name.clone()} onchange={rename_done}
                                    aria-label={format!("New name for {}", entry.name)} data-testid="rename-input" />
                            } else {
                                <button type="button" class="link saved-name" onclick={open}
                                    aria-label={format!("Open {}", entry.name)}>{ entry.name.clone() }</button>
                            }
                            <button type="button" class="small" onclick={rename_on}
                                aria-label={format!("Rename {}", entry.name)}>{ "Rename" }</button>
                            <button type="button" class="small" onclick={delete}
                                aria-label={format!("Delete {}", entry.name)}>{ "Delete" }</button>
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class={classes!("share-panel", dragging.then_some("dragging"))} aria-labelledby="share-title" data-testid="share-panel">
            <h2 id="share-title">{ "Share and save" }</h2>
            <div class="share-buttons">
                <button type="button" class="primary" onclick={on_copy} data-testid="copy-link">{ "Copy link" }</button>
                <label class="button file-button">
                    { "Import…" }
                    <input type="file" multiple=true accept=".json,application/json,.txt,text/plain,.yaml,.yml" onchange={on_pick}
                        data-testid="import-file" aria-label="Import a scenario, saved session or trace file" />
                </label>
                <button type="button" onclick={{ let d = dispatcher.clone(); Callback::from(move |_: MouseEvent| d.dispatch(UiAction::Workbench(WorkbenchAction::Show(Some(Panel::Import))))) }}
                    data-testid="share-import-config">{ "Import your Ray config…" }</button>
                <button type="button" onclick={on_export_scenario} data-testid="export-scenario"
                    title="The scenario with your injected faults folded in">{ "Scenario JSON" }</button>
                <button type="button" onclick={on_export_trace} data-testid="export-trace">{ "Trace JSON" }</button>
                <button type="button" onclick={on_export_perfetto} data-testid="export-perfetto"
                    title="Open it in ui.perfetto.dev">{ "Perfetto trace" }</button>
            </div>
            if let Some(url) = &*link_text {
                <label class="share-link">
                    <span>{ "Link to this moment" }</span>
                    <input type="text" readonly=true value={url.clone()} data-testid="share-link-field"
                        onfocus={Callback::from(|e: FocusEvent| {
                            if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select(); }
                        })} />
                </label>
            }
            if let Some((ok, m)) = &*message {
                <p class={classes!("share-msg", (!ok).then_some("bad"))} role={if *ok { "status" } else { "alert" }}
                    data-testid="share-message">{ m.clone() }</p>
            }
            <p class="quiet drop-hint">{ "Or drop files anywhere on the page: a scenario, or a Serve config with a cluster manifest." }</p>
            <details class="saved" data-testid="saved-sessions">
                <summary>{ format!("Saved sessions ({})", saved.as_ref().map(|l| l.len()).unwrap_or(0)) }</summary>
                <form class="save-form" onsubmit={on_save}>
                    <input type="text" placeholder="Name this moment" value={(*save_name).clone()} oninput={on_name}
                        aria-label="Name for the saved session" data-testid="save-name" />
                    <button type="submit" disabled={saved.is_err()} data-testid="save-session">{ "Save" }</button>
                </form>
                { saved_list }
            </details>
        </section>
    }
}

fn drop_all<T>(_: T) {}

/// End a message with a full stop, so that the next sentence reads well.
fn sentence(m: &str) -> String {
    let m = m.trim_end();
    if m.ends_with(['.', '?', '!']) { m.to_string() } else { format!("{m}.") }
}
