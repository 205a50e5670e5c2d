//! The `?` overlay: every keyboard shortcut.
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
    ("Escape", "Close the panel or this overlay; clear the selected event"),
    ("?", "Show or hide this overlay"),
];

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

#[component(HelpOverlay)]
pub fn help_overlay(props: &HelpOverlayProps) -> Html {
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let backdrop = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" data-testid="help-overlay">
            <div class="overlay-backdrop" onclick={backdrop} />
            <div class="overlay-box" role="dialog" aria-modal="true" aria-labelledby="help-title">
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
