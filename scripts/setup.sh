#!/usr/bin/env bash
# Installs whatever Gangplank needs that this machine lacks. Every step is version-guarded,
# so a second run installs nothing. Versions and the reasons for them: ../shared/toolchain.md.
set -euo pipefail

TRUNK_VERSION=0.21.14          # 0.22 needs rustc 1.96.1
WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin in Cargo.toml
BINARYEN_VERSION=132.0.0       # Debian's binaryen 108 cannot parse this wasm

export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

step() { printf '\n== setup: %s\n' "$1"; }
fail() { printf '\nsetup FAILED at step: %s\n' "$1" >&2; exit 1; }

# Faster `cargo install`: the tools need not be tuned, only built.
fast_install() {
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install "$@"
}

install_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return 0; fi
  step "apt-get install chromium chromium-driver"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
}

want_browser="${1:-all}"   # `serve` skips the browser, which only the tests need

if [ "$want_browser" = all ]; then
  # apt is network/IO bound: run it beside the CPU-bound cargo installs.
  install_chromium > "${TMPDIR:-/tmp}/gangplank-apt.log" 2>&1 &
  apt_pid=$!
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown || fail "rustup target add wasm32-unknown-unknown"
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  step "npm install -g binaryen@${BINARYEN_VERSION} (wasm-opt)"
  npm install -g --no-fund --no-audit "binaryen@${BINARYEN_VERSION}" >/dev/null || fail "npm install binaryen"
fi

if ! trunk --version 2>/dev/null | grep -qx "trunk ${TRUNK_VERSION}"; then
  step "cargo install trunk ${TRUNK_VERSION} (a few minutes, once)"
  fast_install trunk --version "$TRUNK_VERSION" --locked || fail "cargo install trunk"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${WASM_BINDGEN_VERSION}"; then
  step "cargo install wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (a minute or two, once)"
  # No --locked: the locked webpki-roots 1.0.11 is not on the reachable index.
  fast_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" || fail "cargo install wasm-bindgen-cli"
fi

if [ "$want_browser" = all ]; then
  if ! wait "$apt_pid"; then
    cat "${TMPDIR:-/tmp}/gangplank-apt.log" >&2
    fail "apt-get install chromium chromium-driver"
  fi
  if [ ! -d "$ROOT/tests/e2e/node_modules/playwright-core" ]; then
    step "npm install (tests/e2e: playwright-core, no browser download)"
    (cd "$ROOT/tests/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-fund --no-audit >/dev/null) \
      || fail "npm install in tests/e2e"
  fi
fi
echo "== setup: everything is installed"
