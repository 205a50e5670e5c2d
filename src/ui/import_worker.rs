//! The Ray-config import, run in its Web Worker (`src/bin/gangplank-import-worker.rs`): the YAML reader and Ray's
//! schema rules are their own wasm, fetched the first time someone imports a Serve config or a KubeRay manifest,
//! so they cost the page's first load nothing (BENCHMARKS-PAGE.md, "Bundle"). One worker per import, ended when it
//! answers: an import is a rare gesture, and nothing is left running.
use crate::app::import::{Imported, WORKER_READY, read_worker_reply, worker_request};
use crate::model::scenario::Scenario;
use crate::ui::state::{UiAction, UiState};
use crate::ui::workbench_state::WorkbenchAction;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ImportRunnerProps {
    pub state: UseReducerHandle<UiState>,
}

/// Sends the workbench's pending Ray-config import to the worker and its answer back to the reducer (which stays
/// pure: it only records the request). Draws nothing; mounted once by the app.
#[component(ImportRunner)]
pub fn import_runner(props: &ImportRunnerProps) -> Html {
    let pending = props.state.workbench.pending.clone();
    let dispatcher = props.state.dispatcher();
    use_effect_with(pending, move |pending| {
        if let Some(req) = pending.clone() {
            let names: Vec<String> = req.files.iter().map(|(n, _)| n.clone()).collect();
            let (id, d) = (req.id, dispatcher);
            let done = Callback::from(move |result: Result<Imported, String>| {
                d.dispatch(UiAction::Workbench(WorkbenchAction::Imported { id, names: names.clone(), result }));
            });
            import_in_worker(req.files.clone(), Some(req.base.clone()), done);
        }
    });
    html! {}
}

/// The worker's handlers, kept alive until it answers.
type Handlers = std::rc::Rc<std::cell::RefCell<Vec<Closure<dyn Fn(web_sys::Event)>>>>;

/// The timer that gives up on a worker that never says it is ready.
type LoadTimer = std::rc::Rc<std::cell::RefCell<Option<gloo::timers::callback::Timeout>>>;

/// How long the worker may take to load before the import is given up (its wasm is fetched on the first import; a
/// failed fetch inside the worker raises nothing the page can hear, so silence is the only sign).
pub const READY_WITHIN_MS: u32 = 20_000;

/// Where Trunk puts the worker's loader (`data-loader-shim`), relative to the page.
pub const WORKER_URL: &str = "./gangplank-import-worker_loader.js";

/// Import `files` over `base` in the worker; `done` gets the result (or why the importer could not run).
pub fn import_in_worker(
    files: Vec<(String, String)>,
    base: Option<Scenario>,
    done: Callback<Result<Imported, String>>,
) {
    let worker = match web_sys::Worker::new(WORKER_URL) {
        Ok(w) => w,
        Err(e) => {
            done.emit(Err(format!("the Ray-config importer could not start ({})", js_text(&e))));
            return;
        }
    };
    // The handlers own the worker and each other's closures only through this cell, dropped on the answer.
    let keep: Handlers = Default::default();
    // Set once the import has ended (answered, failed or given up): later events are ignored.
    let ended = std::rc::Rc::new(std::cell::Cell::new(false));
    let waiting: LoadTimer = Default::default();
    let finish = {
        let worker = worker.clone();
        let keep = keep.clone();
        let (ended, waiting) = (ended.clone(), waiting.clone());
        move |result: Result<Imported, String>, done: &Callback<Result<Imported, String>>| {
            if ended.replace(true) {
                return;
            }
            // The load timer may be the caller: it is dropped with the handlers, on the next tick.
            let timer = waiting.borrow_mut().take();
            worker.terminate();
            worker.set_onmessage(None);
            worker.set_onerror(None);
            done.emit(result);
            // Dropping the closures here would free the one running: leave that to the next tick.
            let keep = keep.clone();
            gloo::timers::callback::Timeout::new(0, move || {
                drop(timer);
                keep.borrow_mut().clear();
            })
            .forget();
        }
    };
    let request = worker_request(files, base);
    let on_message = {
        let finish = finish.clone();
        let done = done.clone();
        let worker = worker.clone();
        let waiting = waiting.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let text = e.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string()).unwrap_or_default();
            if text == WORKER_READY {
                // The worker listens now: send the files (and stop the load timer).
                waiting.borrow_mut().take();
                if let Err(e) = worker.post_message(&JsValue::from_str(&request)) {
                    finish(Err(format!("the Ray-config importer could not be reached ({})", js_text(&e))), &done);
                }
                return;
            }
            finish(read_worker_reply(&text), &done);
        })
    };
    let on_error = {
        let finish = finish.clone();
        let done = done.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let why = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
            finish(
                Err(format!(
                    "the Ray-config importer stopped ({}); reload the page and try again",
                    why.unwrap_or_else(|| "it could not be loaded".into())
                )),
                &done,
            );
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    keep.borrow_mut().extend([on_message, on_error]);
    *waiting.borrow_mut() = Some(gloo::timers::callback::Timeout::new(READY_WITHIN_MS, move || {
        finish(
            Err(format!(
                "the Ray-config importer did not start within {} s (its files could not be loaded); reload the page \
                 and try again",
                READY_WITHIN_MS / 1000
            )),
            &done,
        )
    }));
}

fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| v.dyn_ref::<web_sys::js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{v:?}"))
}
