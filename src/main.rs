//! The browser entry point: mounts the Yew app. Natively it only says where to look.
#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<gangplank::ui::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gangplank is a browser app: run `bash scripts/serve.sh`, or use `gangplank-cli` natively.");
}
