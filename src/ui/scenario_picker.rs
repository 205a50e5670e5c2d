//! The preset picker and the "what to watch" text of the loaded scenario.
use crate::app::presets::PRESETS;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    pub preset_id: String,
    /// The shown scenario's name: an imported or edited one is named in the picker rather than a wrong preset.
    #[prop_or_default]
    pub scenario_name: String,
    pub on_pick: Callback<String>,
}

/// The picker's entry for a scenario that is none of the presets.
pub fn own_label(name: &str) -> String {
    if name.trim().is_empty() { "Your scenario (not a preset)".to_string() } else { format!("Your scenario: {name}") }
}

#[component(ScenarioPicker)]
pub fn scenario_picker(props: &ScenarioPickerProps) -> Html {
    // Names come from the files themselves (only their `name` is read: this runs on the first load's critical path).
    let names = use_memo((), |_| {
        PRESETS
            .iter()
            .map(|p| (p.id, p.name().unwrap_or_else(|| format!("{} (does not load)", p.id))))
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
                    <option key="" value="" disabled=true selected=true>{ own_label(&props.scenario_name) }</option>
                }
                { for names.iter().map(|(id, name)| html! {
                    <option key={*id} value={*id} selected={*id == props.preset_id}>{ name.clone() }</option>
                }) }
            </select>
        </label>
    }
}
