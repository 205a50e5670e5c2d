//! Presenter mode (issue 14): a projector layout where the cluster fills the screen, one narration line at the
//! bottom, clicker keys, and a blank screen. Its state is [`Presenter`] (in `UiState::presenter`, kept in the view
//! settings and asked for by `?present=1`; defined in `presenter_state`, which the state imports); the layout
//! itself is CSS (`.app.presenter` in `static/style.css`).
pub use crate::ui::presenter_state::{Blank, Presenter, PresenterAction};
use crate::ui::state::UiAction;
use yew::prelude::*;

/// `?present=1` in the address (anything but `0` / `false`).
pub fn asked_by_address() -> bool {
    crate::ui::storage::query_param("present").is_some_and(|v| v != "0" && v != "false")
}

/// The action for a key press in or out of presenter mode, before the page's other shortcuts
/// (`ui::app::shortcut`). A clicker sends PageDown / PageUp / → / ← and sometimes Space and `b`: in presenter mode
/// they step the story from anywhere on the page; outside it Space keeps play/pause and the arrows stay with the
/// focused control, but PageDown / PageUp step forward / back too.
pub fn presenter_key(key: &str, presenting: bool) -> Option<UiAction> {
    let a = |p: PresenterAction| Some(UiAction::Presenter(p));
    match key {
        "PageDown" => Some(UiAction::Advance),
        "PageUp" => Some(UiAction::Retreat),
        "p" | "P" => a(PresenterAction::Toggle),
        _ if !presenting => None,
        "ArrowRight" | " " => Some(UiAction::Advance),
        "ArrowLeft" => Some(UiAction::Retreat),
        "b" | "B" => a(PresenterAction::Blank(Some(Blank::Black))),
        "w" | "W" => a(PresenterAction::Blank(Some(Blank::White))),
        "Escape" => a(PresenterAction::Escape),
        _ => None,
    }
}

/// Keys that only name a modifier: pressing one alone does not un-blank the screen.
pub fn is_modifier_key(key: &str) -> bool {
    matches!(key, "Shift" | "Control" | "Alt" | "Meta" | "CapsLock" | "Fn" | "AltGraph")
}

#[derive(Properties, PartialEq)]
pub struct PresenterToggleProps {
    pub on: bool,
    pub on_toggle: Callback<()>,
}

/// The visible switch in and out of presenter mode (the `p` key does the same).
#[component(PresenterToggle)]
pub fn presenter_toggle(props: &PresenterToggleProps) -> Html {
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    let (text, title) = if props.on {
        ("✕ Leave presenter mode", "Back to the full page (p or Escape)")
    } else {
        ("Present", "Projector layout: the cluster fills the screen; clicker keys step (p)")
    };
    html! {
        <button type="button" class={classes!("present-toggle", props.on.then_some("on"))} {onclick}
            aria-pressed={props.on.to_string()} aria-keyshortcuts="p" title={title} data-testid="present">
            { text }
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct NarrationBarProps {
    /// The latest announcement (`UiState::announcement`).
    pub text: String,
    /// The lesson step's title and narration, when a lesson is open: shown instead of `text`.
    #[prop_or_default]
    pub children: Html,
    pub on_toggle: Callback<()>,
}

/// The one line of narration at the bottom of the projector layout, with the way out.
#[component(NarrationBar)]
pub fn narration_bar(props: &NarrationBarProps) -> Html {
    let lesson = props.children != Html::default();
    html! {
        <div class="narration-bar" data-testid="narration">
            <p class="narration-text">
                if lesson { { props.children.clone() } }
                else if props.text.is_empty() { { "Press → or PageDown for the next event." } }
                else { { props.text.clone() } }
            </p>
            <PresenterToggle on={true} on_toggle={props.on_toggle.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct BlankScreenProps {
    pub blank: Blank,
    pub on_unblank: Callback<()>,
}

/// The blanked screen: covers everything; any key (`ui::app`) or a click brings the page back.
#[component(BlankScreen)]
pub fn blank_screen(props: &BlankScreenProps) -> Html {
    let onclick = props.on_unblank.reform(|_: MouseEvent| ());
    let cls = match props.blank {
        Blank::Black => "black",
        Blank::White => "white",
    };
    html! {
        <div class={classes!("blank-screen", cls)} {onclick} data-testid="blank-screen"
            role="img" aria-label="Screen blanked: press any key or click to show it again"></div>
    }
}

/// When the layout switches, tell the page it changed size: the cluster view measures its pane on window
/// resizes, and picks its columns for the new room.
#[hook]
pub fn use_relayout_on_switch(on: bool) {
    use_effect_with(on, |_| {
        if let Ok(e) = web_sys::Event::new("resize") {
            let _ = gloo::utils::window().dispatch_event(&e);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is(a: Option<UiAction>, want: &str) -> bool {
        let got = match a {
            Some(UiAction::Advance) => "advance",
            Some(UiAction::Retreat) => "retreat",
            Some(UiAction::Presenter(PresenterAction::Toggle)) => "toggle",
            Some(UiAction::Presenter(PresenterAction::Blank(Some(Blank::Black)))) => "black",
            Some(UiAction::Presenter(PresenterAction::Blank(Some(Blank::White)))) => "white",
            Some(UiAction::Presenter(PresenterAction::Escape)) => "escape",
            Some(_) => "other",
            None => "none",
        };
        got == want
    }

    #[test]
    fn clicker_keys_step_in_presenter_mode_and_page_keys_step_everywhere() {
        for (key, presenting, want) in [
            ("PageDown", true, "advance"),
            ("ArrowRight", true, "advance"),
            (" ", true, "advance"),
            ("PageUp", true, "retreat"),
            ("ArrowLeft", true, "retreat"),
            ("b", true, "black"),
            ("w", true, "white"),
            ("Escape", true, "escape"),
            ("p", true, "toggle"),
            // Outside presenter mode: Page keys step, Space stays play/pause and the arrows stay with the focus.
            ("PageDown", false, "advance"),
            ("PageUp", false, "retreat"),
            ("p", false, "toggle"),
            (" ", false, "none"),
            ("ArrowRight", false, "none"),
            ("b", false, "none"),
            ("Escape", false, "none"),
            ("n", true, "none"),
        ] {
            assert!(is(presenter_key(key, presenting), want), "{key:?} presenting={presenting} should be {want}");
        }
    }
}
