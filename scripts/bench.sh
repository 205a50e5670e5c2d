#!/usr/bin/env bash
# The model benchmarks (BENCHMARKS.md): throughput for one simulated hour at 100 nodes / 1,000 replicas and
# 1,000 nodes / 10,000 replicas with and without faults, scaling at 1x/2x/4x/8x, and seek. Prints a table and JSON
# lines (lines starting with '{'). Builds with the `native` profile first (Cargo.toml: the release profile with
# opt-level 3; `release` itself is size-tuned for the wasm bundle).
#
#   bash scripts/bench.sh                  everything
#   bash scripts/bench.sh --release        the same with the release profile (opt-level "z", as the browser runs it)
#   bash scripts/bench.sh --quick          1x and 2x only, 3 seek points (a smoke test)
#   bash scripts/bench.sh --no-invariants  also measure with the invariant checker off
#   bash scripts/bench.sh --model-only     skip the browser benchmarks (scripts/bench-wasm-model.sh, bench-page.sh)
# Without --model-only it then runs scripts/bench-wasm-model.sh (the same model runs as wasm in headless Chromium)
# and scripts/bench-page.sh (page in headless Chromium, bundle sizes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Install what is missing (Chromium, playwright-core, trunk, wasm-bindgen, wasm-opt): a fresh machine can run this
# command first. Version-guarded: on a set-up machine it takes about a second.
bash "$ROOT/scripts/setup.sh" all >&2

printf '== machine\n'
printf 'nproc: %s\n' "$(nproc)"
if command -v lscpu >/dev/null; then lscpu | head -n 15; fi
printf 'rustc: %s\n' "$(rustc --version)"
printf 'commit: %s\n\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

model_only=false
profile=native
args=()
for a in "$@"; do
  case "$a" in
    --model-only) model_only=true ;;
    --release) profile=release ;;
    *) args+=("$a") ;;
  esac
done

printf 'profile: %s\n\n' "$profile"
cargo build --profile "$profile" --bin gangplank-bench
"$ROOT/target/$profile/gangplank-bench" "${args[@]}"
if [ "$model_only" = false ]; then
  printf '\n== the model in the browser (scripts/bench-wasm-model.sh)\n'
  bash "$ROOT/scripts/bench-wasm-model.sh"
  printf '\n== page and bundle (scripts/bench-page.sh)\n'
  bash "$ROOT/scripts/bench-page.sh"
fi
