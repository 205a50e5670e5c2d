#!/usr/bin/env bash
# Page and bundle benchmarks (issue 6, items 4 and 5). Prints a table and JSON lines; never fails on a figure.
#
#   bash scripts/bench-page.sh            # RUNS=3 PLAY_S=18 SEEKS=10 by default (see tests/e2e/bench/page.mjs)
#   REBUILD=1 bash scripts/bench-page.sh  # rebuild dist/ even if it looks current
#   DIST_DIR=/tmp/my-dist bash scripts/bench-page.sh   # measure a dist built elsewhere (no build)
#   CASES=huge:overview bash scripts/bench-page.sh     # only some cases (big:overview, huge:overview, big:cards)
#
# 1. Builds the release dist/ (`trunk build --release --public-url ./`) when it is missing or older than the
#    sources (src/, scenarios/, static/, index.html, Cargo.toml, Cargo.lock, Trunk.toml).
# 2. Bundle: the .wasm and .js in dist/, raw and gzipped (gzip -9, no file name in the header).
# 3. Page: tests/e2e/bench/page.mjs in headless Chromium (big-cluster preset at 10× with faults, seeks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

DIST="${DIST_DIR:-$ROOT/dist}"

stale() {
  [ -n "${DIST_DIR:-}" ] && return 1
  [ -f dist/index.html ] || return 0
  [ -n "${REBUILD:-}" ] && return 0
  [ -n "$(find src scenarios static index.html Cargo.toml Cargo.lock Trunk.toml -newer dist/index.html -print -quit)" ]
}

if stale; then
  echo "==== building dist/ (trunk build --release --public-url ./)" >&2
  trunk build --release --public-url ./ --locked >&2
fi

if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  echo "==== npm ci in tests/e2e (playwright-core)" >&2
  (cd tests/e2e && npm ci --no-fund --no-audit >&2)
fi

echo "==== bundle ($DIST)"
printf '%-44s %10s %10s\n' file raw gzip-9
for f in "$DIST"/*.wasm "$DIST"/*.js; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -n -c <"$f" | wc -c)
  printf '%-44s %10s %10s\n' "$(basename "$f")" "$raw" "$gz"
  kind=${f##*.}
  printf '{"bench":"bundle","file":"%s","kind":"%s","raw_bytes":%s,"gzip9_bytes":%s}\n' "$(basename "$f")" "$kind" "$raw" "$gz"
done

echo "==== page (tests/e2e/bench/page.mjs; $(/usr/bin/chromium --version 2>/dev/null | head -1))"
cd tests/e2e
DIST_DIR="$DIST" node bench/page.mjs
