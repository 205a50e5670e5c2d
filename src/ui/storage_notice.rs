//! The notice about autosaving (issue 16: storage faults): shown while the browser refuses to keep the session, when
//! autosaving works again, and when another tab autosaves into the same entry. Dismissing it hides it until the
//! next change of what there is to say.
use crate::ui::storage::AutosaveNotice;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StorageNoticeProps {
    pub notice: UseStateHandle<Option<AutosaveNotice>>,
}

#[component(StorageNotice)]
pub fn storage_notice(props: &StorageNoticeProps) -> Html {
    let Some(notice) = (*props.notice).clone() else { return html! {} };
    let off = matches!(notice, AutosaveNotice::Off(_));
    let dismiss = {
        let handle = props.notice.clone();
        Callback::from(move |_: MouseEvent| handle.set(None))
    };
    html! {
        <div class={classes!("storage-notice", off.then_some("off"))} role={if off { "alert" } else { "status" }}
            data-testid="storage-notice">
            <span>{ notice.text() }</span>
            <button type="button" class="dismiss" onclick={dismiss} aria-label="Dismiss this notice">{ "×" }</button>
        </div>
    }
}
