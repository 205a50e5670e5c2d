#!/usr/bin/env bash
# The model benchmark in the browser (issue 6: "≥ 1,000× real time in the browser"). Prints a table and JSON lines
# ('{' ...); never fails on a figure.
#
#   bash scripts/bench-wasm-model.sh                  cases 1x-faults 10x-faults 1x-steady 10x-steady, 3 runs each
#   CASES="1x-faults" RUNS=5 bash scripts/bench-wasm-model.sh
#
# 1. Builds src/bin/gangplank-wasm-bench.rs for wasm32 with the release profile (the app bundle's settings), runs
#    wasm-bindgen and `wasm-opt -Oz` on it like Trunk does for the app, into target/wasm-model-bench/.
# 2. Writes each case's scenario with the native `gangplank-bench --scenario CASE` (the same runs as BENCHMARKS.md).
# 3. tests/e2e/bench/model.mjs loads the module in headless Chromium and times `run_scenario` per case, with the
#    invariant checker on (as the app runs it) and off.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
OUT="$ROOT/target/wasm-model-bench"
CASES="${CASES:-1x-faults 10x-faults 1x-steady 10x-steady}"

echo "==== building gangplank-wasm-bench (wasm32, release profile) and gangplank-bench (native profile)" >&2
cargo build --locked --release --target wasm32-unknown-unknown --bin gangplank-wasm-bench >&2
cargo build --locked --profile native --bin gangplank-bench >&2
mkdir -p "$OUT"
wasm-bindgen --target web --no-typescript --out-dir "$OUT" --out-name model_bench \
  target/wasm32-unknown-unknown/release/gangplank-wasm-bench.wasm
wasm-opt -Oz "$OUT/model_bench_bg.wasm" -o "$OUT/model_bench_bg.wasm"
for c in $CASES; do
  target/native/gangplank-bench --scenario "$c" > "$OUT/$c.json"
done

if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  echo "==== npm ci in tests/e2e (playwright-core)" >&2
  (cd tests/e2e && npm ci --no-fund --no-audit >&2)
fi

echo "==== model in the browser (tests/e2e/bench/model.mjs; $(/usr/bin/chromium --version 2>/dev/null | head -1))"
cd tests/e2e
BENCH_DIR="$OUT" CASES="$CASES" node bench/model.mjs
