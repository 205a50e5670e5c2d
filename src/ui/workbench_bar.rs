//! The workbench bar under the header (issue 13): "Import your Ray config", "Edit setup", "Export", the notes of
//! the current import, "Undo edit" and what the last edit did (with the actions it dropped); and the dialog of
//! whichever of them is open.
use crate::model::scenario::Scenario;
use crate::ui::export_menu::ExportMenu;
use crate::ui::import_dialog::{Files, ImportDialog, NotesDialog};
use crate::ui::state::{UiAction, UiState};
use crate::ui::workbench_editor::WorkbenchEditor;
use crate::ui::workbench_state::{Panel, WorkbenchAction, current_notes};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WorkbenchBarProps {
    pub state: UseReducerHandle<UiState>,
}

fn describe_action(a: &crate::model::scenario::Action) -> String {
    let v = serde_json::to_value(a).unwrap_or_default();
    let what = v.get("do").and_then(|d| d.as_str()).unwrap_or("action").to_string();
    let on = ["node", "deployment", "replica"]
        .iter()
        .find_map(|k| v.get(*k))
        .map(|t| match t {
            serde_json::Value::String(s) => format!(" {s}"),
            serde_json::Value::Object(m) => {
                format!(
                    " {}",
                    m.values()
                        .filter_map(|x| x.as_str().map(str::to_string).or_else(|| x.as_u64().map(|n| n.to_string())))
                        .collect::<Vec<_>>()
                        .join("/")
                )
            }
            _ => String::new(),
        })
        .unwrap_or_default();
    format!("{what}{on} at {:.1} s", a.at_s)
}

#[component(WorkbenchBar)]
pub fn workbench_bar(props: &WorkbenchBarProps) -> Html {
    let st = &props.state;
    let wb = st.workbench.clone();
    let pastes = use_state(|| Rc::new(vec![String::new()]));
    let dispatcher = st.dispatcher();
    let show = |p: Option<Panel>| {
        let d = dispatcher.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(UiAction::Workbench(WorkbenchAction::Show(p))))
    };
    let close = {
        let d = dispatcher.clone();
        Callback::from(move |_: ()| d.dispatch(UiAction::Workbench(WorkbenchAction::Show(None))))
    };
    let on_undo = {
        let d = dispatcher.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(UiAction::Workbench(WorkbenchAction::UndoEdit)))
    };
    // The notes live in the scenario: read them again only when the scenario changes (a new session).
    let notes = use_memo(st.session.clone(), |s| Rc::new(current_notes(s.0.borrow().scenario())));
    let notes: Rc<Vec<_>> = (*notes).clone();
    let dialog = match wb.panel {
        Some(Panel::Import) => {
            let d = dispatcher.clone();
            let on_import = Callback::from(move |f: Files| d.dispatch(UiAction::Workbench(WorkbenchAction::Import(f))));
            let on_pastes = {
                let pastes = pastes.clone();
                Callback::from(move |p: Vec<String>| pastes.set(Rc::new(p)))
            };
            html! {
                <ImportDialog outcome={wb.import.clone()} base_name={st.scenario_name.clone()} pastes={(*pastes).clone()}
                    {on_pastes} {on_import} on_close={close.clone()} busy={wb.pending.is_some()} />
            }
        }
        Some(Panel::Notes) => html! { <NotesDialog notes={notes.clone()} on_close={close.clone()} /> },
        Some(Panel::Editor) => {
            let scenario = Rc::new(st.session.0.borrow().scenario().clone());
            let d = dispatcher.clone();
            let on_apply =
                Callback::from(move |s: Scenario| d.dispatch(UiAction::Workbench(WorkbenchAction::Apply(Box::new(s)))));
            html! { <WorkbenchEditor {scenario} {on_apply} on_close={close.clone()} /> }
        }
        None => html! {},
    };
    html! {
        <>
            <nav class="workbench-bar" aria-label="Your setup" data-testid="workbench-bar">
                <button type="button" class="primary" onclick={show(Some(Panel::Import))}>{ "Import your Ray config" }</button>
                <button type="button" onclick={show(Some(Panel::Editor))}>{ "Edit setup" }</button>
                <ExportMenu state={st.clone()} />
                if !notes.is_empty() {
                    <button type="button" onclick={show(Some(Panel::Notes))}>{ format!("Import notes ({})", notes.len()) }</button>
                }
                if wb.undo.is_some() {
                    <button type="button" onclick={on_undo}>{ "Undo edit" }</button>
                }
                if let Some(m) = &wb.message {
                    <p class="wb-message" role="status" data-testid="workbench-message">{ m.clone() }</p>
                }
                if !wb.dropped.is_empty() {
                    <details class="wb-dropped" data-testid="dropped-actions">
                        <summary>{ format!("{} dropped action{}", wb.dropped.len(), if wb.dropped.len() == 1 { "" } else { "s" }) }</summary>
                        <ul>
                            { for wb.dropped.iter().map(|(a, why)| html! { <li><strong>{ describe_action(a) }</strong>{ ": " }{ why.clone() }</li> }) }
                        </ul>
                    </details>
                }
            </nav>
            { dialog }
        </>
    }
}
