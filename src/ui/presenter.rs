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
    use crate::ui::state::UiState;

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

    fn reduce(st: std::rc::Rc<UiState>, a: UiAction) -> std::rc::Rc<UiState> {
        yew::Reducible::reduce(st, a)
    }

    #[test]
    fn playback_pauses_at_the_end_of_the_scenario_and_play_there_only_says_so() {
        let mut st = std::rc::Rc::new(UiState::for_preset("steady-pack"));
        st = reduce(st, UiAction::SetSpeedExp(2.0));
        st = reduce(st, UiAction::TogglePlay);
        for _ in 0..2_000 {
            if !st.playing {
                break;
            }
            st = reduce(st, UiAction::Frame { wall_ms: 250.0 });
        }
        assert!(!st.playing, "playback stopped by itself");
        assert_eq!(st.now.as_secs_f64(), 30.0, "at until_s, not past it");
        assert_eq!(st.announcement, "End of the scenario (30 s).");
        let st = reduce(st, UiAction::TogglePlay);
        assert!(!st.playing, "play at the end does not start");
        let st = reduce(st, UiAction::StepEvent);
        let st = reduce(st, UiAction::Advance);
        let st = reduce(st, UiAction::StepTick);
        assert_eq!(st.now.as_secs_f64(), 30.0, "nothing steps past the end");
        assert!(st.presenter.outcome_shown, "the end shows what happened");
    }

    #[test]
    fn clicker_steps_follow_events_and_light_them_in_presenter_mode() {
        let st = std::rc::Rc::new(UiState::for_preset("replica-crash"));
        let st = reduce(st, UiAction::Presenter(PresenterAction::Toggle));
        assert!(st.presenter.on);
        let mut st = reduce(st, UiAction::ToggleHelp);
        st = reduce(st, UiAction::Advance);
        assert!(!st.help_open, "a clicker step closes what popped up");
        while st.now.as_secs_f64() < 10.0 {
            st = reduce(st, UiAction::Advance);
        }
        let at = st.now;
        assert!(!st.highlight.is_empty(), "the spotlight lights what the step brought");
        let st = reduce(st, UiAction::Advance);
        assert!(st.now > at);
        let st = reduce(st, UiAction::Retreat);
        assert_eq!(st.now, at, "back to the previous event");
        let st = reduce(st, UiAction::Presenter(PresenterAction::Blank(Some(Blank::Black))));
        assert_eq!(st.presenter.blank, Some(Blank::Black));
        let st = reduce(st, UiAction::Presenter(PresenterAction::Escape));
        assert!(!st.presenter.on, "Escape with nothing open leaves presenter mode");
        assert_eq!(st.presenter.blank, None);
    }

    #[test]
    fn presenter_mode_is_a_view_setting() {
        let mut st = UiState::for_preset("replica-crash");
        st.presenter.on = true;
        let view = st.view_settings();
        let mut other = UiState::for_preset("replica-crash");
        other.apply_view_settings(Some(&view));
        assert!(other.presenter.on);
        other.apply_view_settings(Some(&serde_json::json!({ "present": "yes" })));
        assert!(other.presenter.on, "an odd value is ignored");
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
