#!/usr/bin/env bash
# The README's test command (and all CI runs, via .ci/run): installs whatever is missing, then runs every check
# in order and stops at the first failure, naming the step. The last line is always `N passed, N failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

LOGS="$(mktemp -d "${TMPDIR:-/tmp}/gangplank-test.XXXXXX")"
passed=0 failed=0 step_failures=0 failed_step="" timings=""

# Adds the test counts printed during a step to the totals: cargo's and wasm-bindgen-test's `test result:`
# lines, and node's TAP `# pass` / `# fail` / `# cancelled` lines. Sets step_failures.
count_tests() {
  local step_passes
  read -r step_passes step_failures < <(awk '
    match($0, /test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed/) {
      split(substr($0, RSTART, RLENGTH), word, " "); p += word[4]; f += word[6]
    }
    /^# pass / { p += $3 }
    /^# (fail|cancelled) / { f += $3 }
    # pytest (recorder/): its summary line, e.g. "3 passed, 1 skipped, 31 deselected in 47.09s"
    /^(=+ )?[0-9]+ (passed|failed|skipped|deselected|errors?)(, [0-9]+ [a-z]+)* in [0-9.]+s/ {
      if (match($0, /[0-9]+ passed/)) p += substr($0, RSTART, RLENGTH) + 0
      if (match($0, /[0-9]+ failed/)) f += substr($0, RSTART, RLENGTH) + 0
      if (match($0, /[0-9]+ errors?/)) f += substr($0, RSTART, RLENGTH) + 0
    }
    END { print p + 0, f + 0 }' "$1")
  passed=$((passed + step_passes))
  failed=$((failed + step_failures))
}

# run_step NAME COMMAND...: a banner, the command with its output shown and kept, its time, its test counts.
run_step() {
  local name="$1" start=$SECONDS status=0
  shift
  printf '\n==== %s\n==== $ %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$LOGS/step.log" || status=$?
  if [ -f "$LOGS/e2e.tap" ]; then cat "$LOGS/e2e.tap" >>"$LOGS/step.log"; rm "$LOGS/e2e.tap"; fi
  timings+=$(printf '  %-44s %4ds' "$name" $((SECONDS - start)))$'\n'
  count_tests "$LOGS/step.log"
  if [ "$status" != 0 ] || [ "$step_failures" != 0 ]; then
    # A failing step without a failing test in it (fmt, clippy, a build) still counts as one failure.
    [ "$step_failures" != 0 ] || failed=$((failed + 1))
    failed_step="$name"
    exit 1
  fi
}

finish() {
  local status=$?
  rm -rf "$LOGS"
  printf '\n==== timings\n%s  %-44s %4ds\n' "$timings" "total" "$SECONDS"
  if [ "$status" != 0 ]; then
    [ -n "$failed_step" ] || { failed_step="scripts/test.sh itself"; failed=$((failed + 1)); }
    printf '\ntest.sh FAILED at step: %s\n' "$failed_step"
  fi
  echo "$passed passed, $failed failed"
}
trap finish EXIT

release_build() {
  # --public-url ./ makes dist/ work under any sub-path; the e2e tests check that too.
  trunk build --release --public-url ./ --locked || return # (set -e is off inside run_step's pipeline)
  local wasm
  for wasm in dist/*.wasm; do
    printf 'wasm size: %s bytes raw, %s bytes gzipped (gzip -9): %s\n' \
      "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)" "$wasm"
  done
}

e2e_tests() {
  # spec output for people, TAP into a file for the counts; DIST_DIR tells tests/e2e/harness.mjs what to serve.
  (cd tests/e2e && DIST_DIR="$ROOT/dist" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/e2e.tap")
}

wasm_tests() {
  # tests/web.rs holds the browser tests (wasm-bindgen-test, headless Chromium via chromedriver).
  [ -f tests/web.rs ] || { echo "tests/web.rs is missing: the browser tests live there"; return 1; }
  cargo test --locked --target wasm32-unknown-unknown --test web
}

# --- recorder (recorder/, Python; the venv is made by setup.sh) ---
recorder_unit() {
  (cd recorder && ../.venv/bin/ruff check . && ../.venv/bin/ruff format --check . && ../.venv/bin/mypy \
    && ../.venv/bin/pytest -q -p no:cacheprovider)
}

recorder_integration() {
  # A private local Ray cluster (own temp dir and ports); GANGPLANK_CLI: the model's check of what it recorded.
  local cli="$ROOT/target/debug/gangplank-cli"
  [ -x "$cli" ] || cli=""
  (cd recorder && GANGPLANK_CLI="$cli" RAY_USAGE_STATS_ENABLED=0 ../.venv/bin/pytest -m integration -q -p no:cacheprovider)
}
# --- end recorder ---

run_step "setup (installs what is missing)"               bash scripts/setup.sh all
run_step "cargo fmt --check"                              cargo fmt --check -- --color never
run_step "cargo clippy --all-targets -- -D warnings"      cargo clippy --locked --all-targets -- -D warnings
run_step "cargo clippy --target wasm32 (UI, browser tests)" cargo clippy --locked --target wasm32-unknown-unknown --all-targets -- -D warnings
run_step "native tests (cargo test)"                      cargo test --locked
run_step "recorder: ruff, mypy, pytest (unit)"            recorder_unit
run_step "recorder: real Ray 2.60 integration"            recorder_integration
run_step "browser tests (wasm-bindgen-test, Chromium)"    wasm_tests
run_step "release build (trunk build --release)"          release_build
run_step "end-to-end tests (node --test, playwright)"     e2e_tests
