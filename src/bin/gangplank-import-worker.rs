//! The Ray-config importer as a Web Worker (Trunk builds it beside the page, `data-type="worker"` in index.html):
//! the YAML reader and Ray's schema rules (`app::config_import`) live in this wasm, which the page loads only when
//! someone imports a Serve config or a KubeRay manifest. It answers each message (a JSON
//! [`WorkerRequest`](gangplank::app::import::WorkerRequest)) with `app::import::worker_reply`.
#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    let scope: web_sys::DedicatedWorkerGlobalScope = web_sys::js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let request = e.data().as_string().unwrap_or_default();
        let reply = gangplank::app::import::worker_reply(&request);
        let _ = reply_to.post_message(&JsValue::from_str(&reply));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // A message sent before the handler is set would be lost: the page waits for this before it sends one.
    let _ = scope.post_message(&JsValue::from_str(gangplank::app::import::WORKER_READY));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "gangplank-import-worker runs in the browser, as the page's Web Worker; natively use `gangplank-cli import`."
    );
}
