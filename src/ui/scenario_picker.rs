//! The preset picker and the "what to watch" text of the loaded scenario.
use crate::app::presets::PRESETS;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    pub preset_id: String,
    pub on_pick: Callback<String>,
}

#[component(ScenarioPicker)]
pub fn scenario_picker(props: &ScenarioPickerProps) -> Html {
    // Names come from the files themselves; parsing 14 small files once is cheap.
    let names = use_memo((), |_| {
        PRESETS
            .iter()
            .map(|p| (p.id, p.scenario().map(|s| s.name).unwrap_or_else(|_| format!("{} (does not load)", p.id))))
            .collect::<Vec<_>>()
    });
    let onchange = props.on_pick.reform(|e: Event| {
        e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()).unwrap_or_default()
    });
    html! {
        <label class="scenario-picker">
            <span>{ "Scenario" }</span>
            <select {onchange} data-testid="scenario">
                // A scenario from a link, a file or the editor is none of the presets: say so rather than show one.
                if !PRESETS.iter().any(|p| p.id == props.preset_id) {
                    <option key="" value="" disabled=true selected=true>{ "Your scenario (not a preset)" }</option>
                }
                { for names.iter().map(|(id, name)| html! {
                    <option key={*id} value={*id} selected={*id == props.preset_id}>{ name.clone() }</option>
                }) }
            </select>
        </label>
    }
}
