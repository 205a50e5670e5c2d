//! Browser tests (wasm-bindgen-test in headless Chromium): `cargo test --target wasm32-unknown-unknown --test web`.
//! A starting point from the foundation work; the UI owns this file and grows it.
#![cfg(target_arch = "wasm32")]

use gloo::timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the real app into a fresh `<div>` and returns that div.
async fn mount_app() -> web_sys::Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<gangplank::ui::App>::with_root(root.clone()).render();
    TimeoutFuture::new(0).await; // let Yew render
    root
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_its_name() {
    let root = mount_app().await;
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("Gangplank"), "rendered text: {text:?}");
}
