//! The `?` overlay: every keyboard shortcut.
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Shortcut keys and what they do; the App's key handler implements exactly these.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space or k", "Play / pause"),
    (".", "Step one control-loop tick"),
    ("n", "Step to the next event"),
    ("+ / -", "Faster / slower (0.1× … 100×)"),
    ("0", "Real time (1×)"),
    ("r", "Reset to time zero"),
    ("f", "Cluster faults: kill the controller, fail GCS queries, add a node"),
    ("Tab, Enter", "Move to a replica, node or controller and open its actions"),
    ("Escape", "Close the panel or this overlay; clear the selected event; leave presenter mode"),
    ("PageDown / PageUp", "Next / previous event (a presentation clicker's forward / back)"),
    ("p", "Presenter mode: the cluster fills the screen, one line of narration"),
    ("→ / ← or Space", "In presenter mode: next / previous event (Space plays and pauses outside it)"),
    ("b / w", "In presenter mode: blank the screen black / white; any key or a click shows it again"),
    ("l", "Lessons: choose one, or continue where you left off"),
    ("1 – 4", "In a lesson: answer the question with that option"),
    ("?", "Show or hide this overlay"),
];

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

/// What Tab can land on inside a dialog.
const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), \
    textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// Tab / Shift+Tab inside `root`: the next (previous) focusable element, wrapping around, so focus never leaves.
pub fn trap_tab(root: &web_sys::Element, e: &web_sys::KeyboardEvent) {
    if e.key() != "Tab" || e.ctrl_key() || e.alt_key() || e.meta_key() {
        return;
    }
    e.prevent_default();
    let Ok(list) = root.query_selector_all(FOCUSABLE) else { return };
    let items: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
    if items.is_empty() {
        return;
    }
    let active = gloo::utils::document().active_element();
    let pos = items.iter().position(|el| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>()));
    let next = match (pos, e.shift_key()) {
        (Some(0) | None, true) => items.len() - 1,
        (Some(i), true) => i - 1,
        (Some(i), false) => (i + 1) % items.len(),
        (None, false) => 0,
    };
    let _ = items[next].focus();
}

#[component(HelpOverlay)]
pub fn help_overlay(props: &HelpOverlayProps) -> Html {
    let close_ref = use_node_ref();
    let box_ref = use_node_ref();
    {
        // A modal: focus moves in on open, Tab and Shift+Tab cycle inside, and on close (Escape, ✕, backdrop, `?`)
        // focus returns to the control that opened it (opened with `?` from the page itself, focus stays on the page).
        let close_ref = close_ref.clone();
        let box_ref = box_ref.clone();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let opener = doc
                .active_element()
                .filter(|a| doc.body().is_none_or(|b| a != b.unchecked_ref::<web_sys::Element>()))
                .map(|a| a.unchecked_into::<web_sys::HtmlElement>());
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
            let options = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener = gloo::events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
                if let (Some(e), Some(root)) =
                    (e.dyn_ref::<web_sys::KeyboardEvent>(), box_ref.cast::<web_sys::Element>())
                {
                    trap_tab(&root, e);
                }
            });
            move || {
                drop(listener);
                if let Some(back) = opener.filter(|o| o.is_connected()) {
                    let _ = back.focus();
                }
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let backdrop = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" data-testid="help-overlay">
            <div class="overlay-backdrop" onclick={backdrop} />
            <div class="overlay-box" role="dialog" aria-modal="true" aria-labelledby="help-title" ref={box_ref}>
                <div class="panel-head">
                    <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                    <button type="button" class="small close" onclick={close} ref={close_ref} aria-label="Close (Escape)">{ "✕" }</button>
                </div>
                <table class="shortcuts">
                    <tbody>
                        { for SHORTCUTS.iter().map(|(k, what)| html! {
                            <tr key={*k}><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr>
                        }) }
                    </tbody>
                </table>
                <p class="quiet">{ "Right-click or long-press a replica or node for the same actions as clicking it." }</p>
            </div>
        </div>
    }
}
