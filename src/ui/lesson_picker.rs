//! Choosing a lesson (issue 14): the "Lessons" button beside the scenario picker and the list it opens, the
//! built-in lessons in order with their title, summary, number of steps and "continue at step N" for one started
//! before; a lesson file can be opened from here too.
use crate::app::lesson::BUILTIN;
use crate::ui::download::{files_of, read_files};
use crate::ui::lesson_state::{LessonAction, load_progress};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A built-in lesson as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonEntry {
    pub id: &'static str,
    pub title: String,
    pub summary: String,
    pub steps: usize,
}

/// Every built-in lesson that parses, in order (one that does not is left out: tests/lessons.rs fails on it).
pub fn entries() -> Vec<LessonEntry> {
    BUILTIN
        .iter()
        .filter_map(|b| {
            let l = b.lesson().ok()?;
            Some(LessonEntry { id: b.id, title: l.title, summary: l.summary, steps: l.steps.len() })
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct LessonsButtonProps {
    pub on_action: Callback<LessonAction>,
}

/// The start screen's entry to the lessons (the `l` key does the same).
#[component(LessonsButton)]
pub fn lessons_button(props: &LessonsButtonProps) -> Html {
    let onclick = props.on_action.reform(|_: MouseEvent| LessonAction::Picker(true));
    html! {
        <button type="button" class="lessons-button" {onclick} data-testid="lessons" aria-keyshortcuts="l"
            title="Guided lessons: the model asks before it shows (l)">{ "Lessons" }</button>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonPickerProps {
    pub on_action: Callback<LessonAction>,
    /// The open lesson's id, if any (its entry says so).
    #[prop_or_default]
    pub current: Option<String>,
}

/// The list of lessons, as a dialog. Escape or a clicker key closes it; the first button has the focus.
#[component(LessonPicker)]
pub fn lesson_picker(props: &LessonPickerProps) -> Html {
    let list = use_memo((), |_| entries());
    let progress = use_memo((), |_| load_progress());
    let first = use_node_ref();
    {
        let first = first.clone();
        use_effect_with((), move |_| {
            if let Some(el) = first.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    let close = props.on_action.reform(|_: MouseEvent| LessonAction::Picker(false));
    let onkeydown = {
        let on_action = props.on_action.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_action.emit(LessonAction::Picker(false));
            }
        })
    };
    let onchange = {
        let on_action = props.on_action.clone();
        Callback::from(move |e: Event| {
            let input = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            let files = files_of(input.as_ref().and_then(|i| i.files()));
            let on_action = on_action.clone();
            read_files(
                files,
                Callback::from(move |got: Result<Vec<(String, String)>, String>| match got {
                    Ok(mut files) if !files.is_empty() => {
                        let (name, text) = files.remove(0);
                        on_action.emit(LessonAction::Import { name, text });
                    }
                    Ok(_) => {}
                    Err(e) => on_action.emit(LessonAction::Refused(e)),
                }),
            );
        })
    };
    let rows = list.iter().enumerate().map(|(i, l)| {
        let reached = progress.steps.get(l.id).copied().filter(|s| *s > 0 && *s < l.steps);
        let start = {
            let id = l.id.to_string();
            props.on_action.reform(move |_: MouseEvent| LessonAction::Start {
                id: id.clone(),
                step: 0,
                revealed: false,
            })
        };
        let resume = reached.map(|s| {
            let id = l.id.to_string();
            (
                s,
                props.on_action.reform(move |_: MouseEvent| LessonAction::Start {
                    id: id.clone(),
                    step: s,
                    revealed: false,
                }),
            )
        });
        let is_current = props.current.as_deref() == Some(l.id);
        let first_ref = if i == 0 { first.clone() } else { NodeRef::default() };
        html! {
            <li class="lesson-entry" data-testid="lesson-entry" data-lesson={l.id} data-steps={l.steps.to_string()}>
                <h3>{ format!("{}. {}", i + 1, l.title) }</h3>
                <p class="lesson-summary">{ l.summary.clone() }</p>
                <p class="lesson-meta">
                    { format!("{} steps", l.steps) }
                    if is_current { { " \u{00b7} open now" } }
                </p>
                <div class="lesson-entry-buttons">
                    if let Some((s, onclick)) = resume {
                        <button type="button" class="primary" {onclick} data-testid="lesson-continue"
                            ref={first_ref.clone()}>{ format!("Continue at step {}", s + 1) }</button>
                        <button type="button" onclick={start} data-testid="lesson-start">{ "Start over" }</button>
                    } else {
                        <button type="button" class="primary" onclick={start} data-testid="lesson-start"
                            ref={first_ref}>{ "Start" }</button>
                    }
                </div>
            </li>
        }
    });
    html! {
        <div class="lesson-picker-backdrop" data-testid="lesson-picker-backdrop">
            <div class="lesson-picker" role="dialog" aria-modal="true" aria-labelledby="lesson-picker-title"
                data-testid="lesson-picker" {onkeydown}>
                <div class="lesson-picker-head">
                    <h2 id="lesson-picker-title">{ "Lessons" }</h2>
                    <button type="button" class="dismiss" onclick={close} aria-label="Close the lesson list"
                        data-testid="lesson-picker-close">{ "\u{00d7}" }</button>
                </div>
                <p class="quiet">{ "Each lesson walks through one scenario. Before the run goes on, it asks what \
                    will happen; then the model shows it." }</p>
                if let Some(problem) = &progress.problem {
                    <p class="lesson-progress-problem" role="status" data-testid="lesson-progress-problem">
                        { problem.clone() }</p>
                }
                <ol class="lesson-list">{ for rows }</ol>
                <label class="lesson-file">
                    { "Open a lesson file (gangplank.lesson/v1): " }
                    <input type="file" accept=".json,application/json" {onchange} data-testid="lesson-file" />
                </label>
            </div>
        </div>
    }
}
