//! The Yew UI: draws snapshots and turns gestures into model actions.
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    html! { <main><h1>{ "Gangplank" }</h1></main> }
}
