//! `gangplank-wasm-bench`: the model benchmark in the browser (issue 6: "≥ 1,000× real time in the browser").
//!
//! Built for wasm32 with the release profile, i.e. the same compiler settings as the app's bundle, and driven by
//! `tests/e2e/bench/model.mjs` (via `scripts/bench-wasm-model.sh`): the page hands a scenario (from
//! `gangplank-bench --scenario CASE`) to `run_scenario` and times the call with `performance.now()`. No timing
//! happens in here, so the model stays free of clocks. Natively it only says how to run it.
#[cfg(target_arch = "wasm32")]
mod wasm {
    use gangplank::model::Simulation;
    use gangplank::model::invariants::CheckerMode;
    use gangplank::model::scenario::parse_scenario;
    use wasm_bindgen::prelude::wasm_bindgen;

    /// Parse `json`, run it to its `until_s` with the invariant checker on or off, and describe the run as JSON
    /// (`{"sim_s":..,"steps":..,"ticks":..,"events":..,"violations":..}`), or `{"error":..}` if it is invalid.
    #[wasm_bindgen]
    pub fn run_scenario(json: &str, check_invariants: bool) -> String {
        let scenario = match parse_scenario(json) {
            Ok(s) => s,
            Err(errors) => {
                let msg: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                return serde_json::json!({ "error": msg.join("; ") }).to_string();
            }
        };
        let mut sim = Simulation::new(&scenario);
        sim.checker = if check_invariants { CheckerMode::Incremental } else { CheckerMode::Off };
        sim.run_to_end();
        serde_json::json!({
            "sim_s": sim.now().as_secs_f64(),
            "steps": sim.steps,
            "ticks": sim.ticks,
            "events": sim.events().len(),
            "violations": sim.violations().len(),
        })
        .to_string()
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("gangplank-wasm-bench runs in the browser: `bash scripts/bench-wasm-model.sh`.");
}
