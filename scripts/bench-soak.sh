#!/usr/bin/env bash
# Long-session benchmark (issue 16): the big cluster at 100× for SOAK_MIN minutes (default 60) with a fault through
# the UI every FAULT_S seconds (default 3); a sample every SAMPLE_S seconds (default 30): wall and simulated time, JS
# heap after GC, wasm memory, DOM nodes, events, click-to-frame and frame times. Prints JSON lines and a table;
# never fails on a figure. Then, with FIRST_LOAD=1, the throttled first load (tests/e2e/bench/first-load.mjs).
#
#   bash scripts/bench-soak.sh                          # builds /tmp/soak-dist (trunk build --release) if missing
#   SOAK_MIN=10 bash scripts/bench-soak.sh              # a shorter run
#   DIST_DIR=/tmp/my-dist bash scripts/bench-soak.sh    # measure a dist built elsewhere (no build)
#   OUT=/tmp/soak.jsonl bash scripts/bench-soak.sh      # also keep the JSON lines in a file
#   NODE_KILLS=0 bash scripts/bench-soak.sh             # a mix without node kills (the cluster does not grow)
# A dist built with `--features alloc-stats` also reports the wasm heap's live bytes (src/ui/alloc_stats.rs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

DIST="${DIST_DIR:-/tmp/soak-dist}"
if [ ! -f "$DIST/index.html" ]; then
  echo "==== building $DIST (trunk build --release --public-url ./)" >&2
  trunk build --release --public-url ./ --locked --dist "$DIST" >&2
fi
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-fund --no-audit >&2)
fi

cd tests/e2e
echo "==== soak ($DIST; $(/usr/bin/chromium --version 2>/dev/null | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -n "${OUT:-}" ]; then
  DIST_DIR="$DIST" node bench/soak.mjs | tee "$OUT"
else
  DIST_DIR="$DIST" node bench/soak.mjs
fi
if [ -n "${FIRST_LOAD:-}" ]; then
  echo "==== first load, throttled (tests/e2e/bench/first-load.mjs)"
  DIST_DIR="$DIST" node bench/first-load.mjs
fi
