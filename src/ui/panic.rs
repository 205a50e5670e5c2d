//! A panic never leaves a blank page: the hook shows a `#fatal` panel (the same one `index.html`'s loader script
//! shows when the app cannot start) with the message and a button that reloads the app.

/// Install the hook once; later calls do nothing.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            show_fatal(&info.to_string());
            default_hook(info);
        }));
    });
}

/// Show the fatal-error panel with `message`.
#[cfg(target_arch = "wasm32")]
pub fn show_fatal(message: &str) {
    gloo::console::error!(format!("Gangplank panicked: {message}"));
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let panel = match doc.get_element_by_id("fatal") {
        Some(p) => p,
        None => {
            let Ok(p) = doc.create_element("div") else { return };
            p.set_id("fatal");
            p.set_class_name("fatal");
            let _ = p.set_attribute("role", "alert");
            p.set_inner_html(
                "<h1>Gangplank stopped</h1><p>Something went wrong. Reloading starts the app again.</p>\
                 <pre id=\"fatal-message\"></pre><button type=\"button\">Reload Gangplank</button>",
            );
            // A listener, not an onclick= attribute: the page's Content-Security-Policy refuses inline handlers.
            if let Some(button) = p.query_selector("button").ok().flatten() {
                gloo::events::EventListener::new(&button, "click", |_| {
                    let _ = web_sys::window().map(|w| w.location().reload());
                })
                .forget();
            }
            if let Some(body) = doc.body() {
                let _ = body.append_child(&p);
            }
            p
        }
    };
    if let Some(m) = doc.get_element_by_id("fatal-message") {
        m.set_text_content(Some(message));
    }
    let _ = panel.remove_attribute("hidden");
}

#[cfg(not(target_arch = "wasm32"))]
pub fn show_fatal(_message: &str) {}
