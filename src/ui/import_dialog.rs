//! "Import your Ray config" (issue 13, "Bring your own config"): a Ray Serve config and / or a KubeRay manifest,
//! picked (several files at once), dropped anywhere on the page, or pasted; and the import's notes (what Gangplank
//! keeps without simulating, what Ray itself ignores, what it assumed), grouped by kind with file and line.
//!
//! The dialog only collects the texts: the reducer imports them over the current scenario (`workbench_state`). A
//! refused import lists every problem with file:line:column and leaves the session, and the pasted text, as they
//! were.
use crate::app::config_import::{Note, NoteKind};
use crate::ui::download::{files_of, read_files};
use crate::ui::workbench_state::{ImportOutcome, notes_by_kind};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Files read as (name, text), or why they could not be read.
pub type Files = Result<Vec<(String, String)>, String>;

/// At most this many paste boxes.
pub const MAX_PASTES: usize = 4;

#[derive(Properties, PartialEq)]
pub struct ImportDialogProps {
    /// What the last import gave (shown under the inputs).
    pub outcome: Option<Rc<ImportOutcome>>,
    /// The current scenario's name: where a part the files leave out comes from.
    pub base_name: String,
    /// The paste boxes' text (kept by the caller, so closing the dialog loses nothing).
    pub pastes: Rc<Vec<String>>,
    pub on_pastes: Callback<Vec<String>>,
    pub on_import: Callback<Files>,
    pub on_close: Callback<()>,
    /// The importer worker is reading files (its wasm is fetched on the first import).
    #[prop_or_default]
    pub busy: bool,
}

/// The name a paste box's text is imported under (problems and notes say `pasted-1.yaml:4:7`).
pub fn paste_name(i: usize) -> String {
    format!("pasted-{}.yaml", i + 1)
}

#[component(ImportDialog)]
pub fn import_dialog(props: &ImportDialogProps) -> Html {
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with((), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        });
    }
    let on_pick = {
        let on_import = props.on_import.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                read_files(files_of(input.files()), on_import.clone());
                input.set_value("");
            }
        })
    };
    let pastes = props.pastes.clone();
    let on_paste_import = {
        let (pastes, on_import) = (pastes.clone(), props.on_import.clone());
        Callback::from(move |_: MouseEvent| {
            let files: Vec<(String, String)> = pastes
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.trim().is_empty())
                .map(|(i, t)| (paste_name(i), t.clone()))
                .collect();
            if !files.is_empty() {
                on_import.emit(Ok(files));
            }
        })
    };
    let on_add = {
        let (pastes, on_pastes) = (pastes.clone(), props.on_pastes.clone());
        Callback::from(move |_: MouseEvent| {
            let mut p = (*pastes).clone();
            p.push(String::new());
            on_pastes.emit(p);
        })
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    let empty = pastes.iter().all(|t| t.trim().is_empty());
    let boxes = pastes.iter().enumerate().map(|(i, text)| {
        let on_input = {
            let (pastes, on_pastes) = (pastes.clone(), props.on_pastes.clone());
            Callback::from(move |e: InputEvent| {
                if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                    let mut p = (*pastes).clone();
                    if let Some(slot) = p.get_mut(i) {
                        *slot = t.value();
                    }
                    on_pastes.emit(p);
                }
            })
        };
        let on_remove = {
            let (pastes, on_pastes) = (pastes.clone(), props.on_pastes.clone());
            Callback::from(move |_: MouseEvent| {
                let mut p = (*pastes).clone();
                if i < p.len() {
                    p.remove(i);
                }
                on_pastes.emit(p);
            })
        };
        let label = if i == 0 {
            "Paste a Serve config or KubeRay manifest".to_string()
        } else {
            format!("Pasted file {}", i + 1)
        };
        html! {
            <div class="wb-paste" key={i}>
                <label for={format!("wb-paste-{i}")}>{ label.clone() }<span class="quiet">{ format!(" (imported as {})", paste_name(i)) }</span></label>
                <textarea id={format!("wb-paste-{i}")} rows="8" spellcheck="false" value={text.clone()} oninput={on_input}
                    placeholder={if i == 0 { "applications:\n  - name: app\n    deployments: …" } else { "apiVersion: ray.io/v1\nkind: RayCluster\n…" }} />
                if i > 0 {
                    <button type="button" class="small" onclick={on_remove} aria-label={format!("Remove pasted file {}", i + 1)}>{ "Remove" }</button>
                }
            </div>
        }
    });
    html! {
        <div class="wb-backdrop">
            <section class="wb-dialog import-dialog" role="dialog" aria-modal="true" aria-labelledby="import-title"
                data-testid="import-dialog">
                <header class="wb-dialog-head">
                    <h2 id="import-title" tabindex="-1" ref={heading}>{ "Import your Ray config" }</h2>
                    <button type="button" class="small" onclick={close} aria-label="Close the import dialog">{ "Close" }</button>
                </header>
                <div class="wb-dialog-body">
                    <p class="wb-intro">
                        { "A Ray Serve config (what " }<code>{ "serve build" }</code>{ " writes and " }<code>{ "serve deploy" }</code>
                        { " reads) and / or a KubeRay RayCluster or RayService manifest, in YAML or JSON. A part you leave out is taken from the current scenario, " }
                        <strong>{ props.base_name.clone() }</strong>{ "." }
                    </p>
                    // Replay (issue 15): the same inputs open a recording of a real cluster.
                    <p class="quiet replay-import-hint">{ "A recording of a real cluster (" }<code>{ "gangplank.recording/v1" }</code>
                        { ", written by " }<code>{ "python -m gangplank_record" }</code>{ ") opens as a replay." }</p>
                    <div class="wb-pick">
                        <label class="button file-button primary">
                            { "Choose files…" }
                            <input type="file" multiple=true disabled={props.busy} accept=".yaml,.yml,.json,.txt,application/json,application/yaml,text/yaml,text/plain"
                                onchange={on_pick} aria-label="Choose Ray config files" data-testid="import-config-files" />
                        </label>
                        <span class="quiet">{ "several at once, or drop them anywhere on the page" }</span>
                    </div>
                    { for boxes }
                    <div class="wb-actions">
                        if pastes.len() < MAX_PASTES {
                            <button type="button" onclick={on_add}>{ "Add another file" }</button>
                        }
                        <button type="button" class="primary" disabled={empty || props.busy} onclick={on_paste_import}>{ "Import pasted text" }</button>
                    </div>
                    if props.busy {
                        <p class="wb-outcome" role="status" data-testid="import-busy">{ "Reading your Ray config…" }</p>
                    }
                    if let (Some(o), false) = (&props.outcome, props.busy) {
                        <ImportResult outcome={o.clone()} />
                    }
                </div>
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ImportResultProps {
    outcome: Rc<ImportOutcome>,
}

#[component(ImportResult)]
fn import_result(props: &ImportResultProps) -> Html {
    let o = &props.outcome;
    if !o.ok {
        return html! {
            <div class="wb-outcome bad" role="alert" data-testid="import-problems">
                <p>{ o.headline.clone() }</p>
                <ul class="wb-problems">
                    { for o.problems.iter().map(|p| html! { <li><code>{ p.clone() }</code></li> }) }
                </ul>
            </div>
        };
    }
    html! {
        <div class="wb-outcome ok" data-testid="import-outcome">
            <p role="status">{ o.headline.clone() }</p>
            <ImportNotes notes={Rc::new(o.notes.clone())} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ImportNotesProps {
    pub notes: Rc<Vec<Note>>,
}

/// What a kind of note means, in a sentence.
pub fn kind_heading(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::IgnoredByRay => "Not a field Ray 2.60 reads: Ray ignores it (often a typo).",
        NoteKind::NotSimulated => "Kept, and exported back, but it does not change the run.",
        NoteKind::Assumption => "What the files do not say, and Gangplank chose.",
    }
}

/// The notes of an import, grouped by kind, each with its file and line.
#[component(ImportNotes)]
pub fn import_notes(props: &ImportNotesProps) -> Html {
    if props.notes.is_empty() {
        return html! { <p class="quiet">{ "No notes: everything in the files is simulated." }</p> };
    }
    html! {
        <div class="wb-notes" data-testid="import-notes">
            { for notes_by_kind(&props.notes).into_iter().map(|(kind, notes)| html! {
                <section class={classes!("wb-note-kind", format!("kind-{kind:?}").to_ascii_lowercase())} aria-label={format!("{} ({})", kind.label(), notes.len())}>
                    <h3>{ format!("{} ({})", kind.label(), notes.len()) }</h3>
                    <p class="quiet">{ kind_heading(kind) }</p>
                    <ul>
                        { for notes.into_iter().map(|n| html! {
                            <li>
                                <code class="wb-at">{ match n.line { Some(l) => format!("{}:{l}", n.file), None => n.file.clone() } }</code>
                                { " " }
                                if !n.path.is_empty() { <code class="wb-path">{ n.path.clone() }</code>{ ": " } }
                                { n.text.clone() }
                            </li>
                        }) }
                    </ul>
                </section>
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NotesDialogProps {
    pub notes: Rc<Vec<Note>>,
    pub on_close: Callback<()>,
}

/// The current scenario's import notes, reopened from the bar.
#[component(NotesDialog)]
pub fn notes_dialog(props: &NotesDialogProps) -> Html {
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with((), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        });
    }
    html! {
        <div class="wb-backdrop">
            <section class="wb-dialog notes-dialog" role="dialog" aria-modal="true" aria-labelledby="notes-title">
                <header class="wb-dialog-head">
                    <h2 id="notes-title" tabindex="-1" ref={heading}>{ "Notes from your import" }</h2>
                    <button type="button" class="small" onclick={props.on_close.reform(|_: MouseEvent| ())}
                        aria-label="Close the notes">{ "Close" }</button>
                </header>
                <div class="wb-dialog-body">
                    <ImportNotes notes={props.notes.clone()} />
                </div>
            </section>
        </div>
    }
}
