//! Picking a preset or starting a lesson never silently discards what the user built: an imported or edited scenario, or one with
//! injected actions, is put aside and this notice offers to bring it back (the review's P6).
pub use crate::ui::replaced::{Replaced, put_aside};
use crate::ui::state::{UiAction, UiState};
use crate::ui::storage::open_shared;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReplacedNoticeProps {
    pub replaced: Option<std::rc::Rc<Replaced>>,
    pub dispatcher: UseReducerDispatcher<UiState>,
}

#[component(ReplacedNotice)]
pub fn replaced_notice(props: &ReplacedNoticeProps) -> Html {
    let dismissed = use_state(|| None::<std::rc::Rc<Replaced>>);
    let Some(r) = props.replaced.clone() else { return html! {} };
    if dismissed.as_ref() == Some(&r) {
        return html! {};
    }
    let bring_back = {
        let (d, r) = (props.dispatcher.clone(), r.clone());
        Callback::from(move |_: MouseEvent| {
            let notice = format!("Brought back {}.", r.what);
            match open_shared(r.shared.clone(), notice) {
                Ok(t) => d.dispatch(UiAction::Travel(t)),
                Err(e) => d.dispatch(UiAction::Travel(crate::ui::state::Travel::Error(Some(format!(
                    "Your scenario could not be brought back: {e}"
                ))))),
            }
        })
    };
    let dismiss = {
        let (dismissed, r) = (dismissed.clone(), r.clone());
        Callback::from(move |_: MouseEvent| dismissed.set(Some(r.clone())))
    };
    html! {
        <div class="replaced-notice" role="status" data-testid="replaced-notice">
            <span>{ format!("Opening another scenario put aside {}.", r.what) }</span>
            <button type="button" onclick={bring_back} data-testid="bring-back">{ "Bring it back" }</button>
            <button type="button" class="dismiss" onclick={dismiss} aria-label="Dismiss">{ "\u{00d7}" }</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::ActionKind;
    use crate::ui::state::Travel;
    use std::rc::Rc;
    use yew::Reducible;

    #[test]
    fn a_preset_puts_aside_injected_actions_and_they_come_back() {
        let st = Rc::new(UiState::for_preset("replica-crash"));
        let clean = st.clone().reduce(UiAction::LoadPreset("node-failure".into()));
        assert!(clean.replaced.is_none(), "nothing of the user's to keep");
        let st = st.reduce(UiAction::StepEvent).reduce(UiAction::Inject(ActionKind::KillController {}));
        let next = st.reduce(UiAction::LoadPreset("node-failure".into()));
        assert_eq!(next.preset_id, "node-failure");
        let r = next.replaced.clone().expect("put aside");
        assert!(r.what.contains("1 injected action"), "{}", r.what);
        let back = next.reduce(UiAction::Travel(open_shared(r.shared.clone(), "back".into()).unwrap()));
        assert_eq!((back.preset_id.as_str(), back.user_actions), ("replica-crash", 1));
    }

    #[test]
    fn an_imported_scenario_is_named_and_kept() {
        let mut scenario = crate::app::presets::preset_by_id("steady-pack").unwrap().scenario().unwrap();
        scenario.name = "My 4 x 8 GPUs".into();
        let shared = crate::app::import::shared_of(&crate::app::session::Session::new(scenario.clone()), "", None);
        let st = Rc::new(UiState::for_preset("replica-crash"))
            .reduce(UiAction::Travel(Travel::Open {
                preset_id: String::new(),
                scenario: Box::new(scenario),
                shared: Box::new(shared),
                notice: String::new(),
            }))
            .reduce(UiAction::LoadPreset("node-failure".into()));
        let r = st.replaced.clone().expect("put aside");
        assert!(r.what.contains("your scenario \u{201c}My 4 x 8 GPUs\u{201d}"), "{}", r.what);
        assert_eq!(crate::ui::scenario_picker::own_label("My 4 x 8 GPUs"), "Your scenario: My 4 x 8 GPUs");
    }
}
