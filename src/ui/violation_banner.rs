//! Invariant violations, shown loudly. A violation the model reports as reproducing a real Ray 2.60 flaw (see
//! MODEL.md) is shown apart, as what it is: Ray breaking its own guarantee, faithfully modelled.
use crate::model::invariants::Violation;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ViolationBannerProps {
    pub violations: Rc<Vec<Violation>>,
}

fn list(vs: &[&Violation]) -> Html {
    html! {
        <ul>
            { for vs.iter().rev().take(5).map(|v| html! {
                <li>{ format!("{:.2} s (tick {}): {} — {}", v.t_s, v.tick, v.invariant, v.message) }</li>
            }) }
        </ul>
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[component(ViolationBanner)]
pub fn violation_banner(props: &ViolationBannerProps) -> Html {
    let (bugs, flaws): (Vec<&Violation>, Vec<&Violation>) = props.violations.iter().partition(|v| v.is_model_bug());
    html! {
        <>
            if !bugs.is_empty() {
                <section class="violations" role="alert" data-testid="violations">
                    <h2>{ format!("⚠ {} invariant violation{} — the model broke a guarantee", bugs.len(), plural(bugs.len())) }</h2>
                    { list(&bugs) }
                </section>
            }
            if !flaws.is_empty() {
                <section class="ray-flaws" role="status" data-testid="ray-flaws">
                    <h2>{ format!("⚠ Ray 2.60 breaks a guarantee here ({} time{}), and the model reproduces it", flaws.len(), plural(flaws.len())) }</h2>
                    { list(&flaws) }
                </section>
            }
        </>
    }
}
