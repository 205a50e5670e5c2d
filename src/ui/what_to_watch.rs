//! The "what to watch" box (issue 14, no spoilers): before the run reaches the end of its story it shows only the
//! setup, the first sentence of the preset's text; the rest (what happens) waits behind "Show what happens", and
//! shows by itself once the run has reached the end of the scenario.
use yew::prelude::*;

/// The setup (the first sentence) and what happens (the rest, maybe empty). A sentence ends at `.`, `!` or `?`
/// followed by a space and a capital letter or a digit, so "0.2 of 8", "e.g. a node" and "(2 → 4)" do not split.
/// The presets' texts are written that way: the first sentence says what is set up or done, the rest what comes
/// of it.
pub fn split_setup(text: &str) -> (&str, &str) {
    let text = text.trim();
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') || bytes.get(i + 1) != Some(&b' ') {
            continue;
        }
        let rest = &text[i + 2..];
        if rest.chars().next().is_some_and(|n| n.is_uppercase() || n.is_ascii_digit()) {
            return (&text[..=i], rest.trim_start());
        }
    }
    (text, "")
}

#[derive(Properties, PartialEq)]
pub struct WhatToWatchProps {
    pub scenario_name: String,
    pub text: String,
    /// The rest is shown: asked for, or the run reached the end.
    pub revealed: bool,
    /// Starts open (a wide screen); folded on a phone so the cluster is on the first screen.
    pub open: bool,
    pub on_reveal: Callback<()>,
}

#[component(WhatToWatch)]
pub fn what_to_watch(props: &WhatToWatchProps) -> Html {
    let (setup, outcome) = split_setup(&props.text);
    let onclick = props.on_reveal.reform(|_: MouseEvent| ());
    html! {
        <details class="watch" open={props.open}>
            <summary>{ format!("What to watch: {}", props.scenario_name) }</summary>
            <p data-testid="what-to-watch">
                { setup }
                if !outcome.is_empty() && props.revealed {
                    { " " }<span data-testid="what-happens">{ outcome }</span>
                }
            </p>
            if !outcome.is_empty() && !props.revealed {
                <button type="button" class="small show-outcome" {onclick} data-testid="show-outcome"
                    title="The rest of the text says what the run does: watch it first, or read it now">
                    { "Show what happens" }
                </button>
            }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::PRESETS;

    #[test]
    fn the_setup_is_the_first_sentence() {
        assert_eq!(
            split_setup("At 10 s rank 0 crashes. Its sibling is stopped. Then 0.2 of it."),
            ("At 10 s rank 0 crashes.", "Its sibling is stopped. Then 0.2 of it.")
        );
        assert_eq!(
            split_setup("Batch 0.2 of 8 = 1, e.g. two. no split"),
            ("Batch 0.2 of 8 = 1, e.g. two. no split", "")
        );
        assert_eq!(split_setup("One sentence."), ("One sentence.", ""));
    }

    #[test]
    fn every_preset_has_a_setup_that_says_something_and_hides_the_rest() {
        for p in PRESETS {
            let s = p.scenario().unwrap();
            let (setup, outcome) = split_setup(&s.what_to_watch);
            assert!(setup.len() > 40, "preset {}: the setup alone says enough: {setup:?}", p.id);
            assert!(!outcome.is_empty(), "preset {}: something is left to reveal", p.id);
        }
    }
}
