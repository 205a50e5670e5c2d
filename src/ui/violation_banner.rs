//! Invariant violations, shown loudly: the model broke one of Ray's guarantees.
use crate::model::invariants::Violation;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ViolationBannerProps {
    pub violations: Rc<Vec<Violation>>,
}

#[component(ViolationBanner)]
pub fn violation_banner(props: &ViolationBannerProps) -> Html {
    if props.violations.is_empty() {
        return html! {};
    }
    let n = props.violations.len();
    html! {
        <section class="violations" role="alert" data-testid="violations">
            <h2>{ format!("⚠ {n} invariant violation{} — the model broke a guarantee", if n == 1 { "" } else { "s" }) }</h2>
            <ul>
                { for props.violations.iter().rev().take(5).map(|v| html! {
                    <li>{ format!("{:.2} s (tick {}): {} — {}", v.t_s, v.tick, v.invariant, v.message) }</li>
                }) }
            </ul>
        </section>
    }
}
