//! The page footer: the version.
use yew::prelude::*;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[component(Footer)]
pub fn footer() -> Html {
    html! {
        <footer class="app-footer">
            <span data-testid="version">{ format!("Gangplank {VERSION}") }</span>
            { " · a deterministic model of the Ray Serve 2.60 controller and Ray's placement-group scheduler · press ? for shortcuts" }
        </footer>
    }
}
