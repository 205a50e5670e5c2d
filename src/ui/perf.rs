//! Frame-time probes for the page benchmark (`tests/e2e/bench/page.mjs`). Off unless the page defines
//! `window.__gpPerf` as an array before the app starts; then every playback frame pushes
//! `[start, after_model, after_render, cluster_renders, card_renders, token_renders, cluster_view_ms]` (ms from
//! navigation, counts of component renders since the last frame, ms in the cluster view's own view function). The counters cost one add per render when off.
use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<Option<bool>> = const { Cell::new(None) };
    static COUNTS: Cell<[u32; 3]> = const { Cell::new([0; 3]) };
    static CLUSTER_MS: Cell<f64> = const { Cell::new(0.0) };
}

/// Time spent in the cluster view's own view function (not its children).
pub fn add_cluster_ms(ms: f64) {
    CLUSTER_MS.with(|c| c.set(c.get() + ms));
}

/// What rendered.
#[derive(Clone, Copy)]
pub enum Renders {
    Cluster = 0,
    Card = 1,
    Token = 2,
}

pub fn count(what: Renders) {
    COUNTS.with(|c| {
        let mut v = c.get();
        v[what as usize] += 1;
        c.set(v);
    });
}

/// Milliseconds since navigation (0 outside a browser).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    }
}

fn sink() -> Option<web_sys::js_sys::Array> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let v = web_sys::js_sys::Reflect::get(&window, &"__gpPerf".into()).ok()?;
    v.dyn_into::<web_sys::js_sys::Array>().ok()
}

pub fn enabled() -> bool {
    ENABLED.with(|e| match e.get() {
        Some(b) => b,
        None => {
            let b = cfg!(target_arch = "wasm32") && sink().is_some();
            e.set(Some(b));
            b
        }
    })
}

/// Record one frame (only when enabled) and reset the render counters.
pub fn record(start: f64, after_model: f64, after_render: f64) {
    let counts = COUNTS.with(|c| c.replace([0; 3]));
    let cluster_ms = CLUSTER_MS.with(|c| c.replace(0.0));
    if !enabled() {
        return;
    }
    if let Some(arr) = sink() {
        let row = web_sys::js_sys::Array::new();
        for v in [start, after_model, after_render, counts[0] as f64, counts[1] as f64, counts[2] as f64, cluster_ms] {
            row.push(&v.into());
        }
        arr.push(&row);
    }
}
