//! The aria-live region: the latest important sentence of the narration, for screen readers.
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LiveRegionProps {
    pub text: String,
}

#[component(LiveRegion)]
pub fn live_region(props: &LiveRegionProps) -> Html {
    html! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
            { props.text.clone() }
        </div>
    }
}
