//! The page header: the name and the scenario picker.
use crate::ui::scenario_picker::ScenarioPicker;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub preset_id: String,
    #[prop_or_default]
    pub scenario_name: String,
    pub on_pick: Callback<String>,
    /// Shown between the brand and the scenario picker (the workbench's buttons), so they cost no row of their own.
    #[prop_or_default]
    pub children: Html,
}

#[component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    html! {
        <header class="app-header">
            <div class="brand">
                <h1>{ "Gangplank" }</h1>
                <p class="tagline">{ "Watch Ray Serve gang scheduling happen" }</p>
            </div>
            { props.children.clone() }
            <ScenarioPicker preset_id={props.preset_id.clone()} scenario_name={props.scenario_name.clone()} on_pick={props.on_pick.clone()} />
        </header>
    }
}
