#!/usr/bin/env bash
# Installs whatever Gangplank needs that this machine lacks. Every step is version-guarded, so a second run
# installs nothing and takes seconds. Versions and the reasons for them: ../shared/toolchain.md.
#
#   bash scripts/setup.sh          everything: also Chromium + chromedriver and the e2e test packages
#   bash scripts/setup.sh serve    only what `trunk serve` needs (no browser)
set -euo pipefail

TRUNK_VERSION=0.21.14          # 0.22 needs rustc 1.96.1
WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin on wasm-bindgen in Cargo.toml
BINARYEN_VERSION=132.0.0       # Debian's binaryen 108 cannot parse this wasm

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APT_LOG="${TMPDIR:-/tmp}/gangplank-setup-apt.log"

mode="${1:-all}"
case "$mode" in
  all | serve) ;;
  *) echo "usage: bash scripts/setup.sh [all|serve]" >&2; exit 2 ;;
esac

current_step="start"
step() { current_step="$1"; printf '\n== setup: %s\n' "$1"; }
# Any failing command ends the script here, naming the step it was in.
trap 'printf "\nsetup FAILED at step: %s\n" "$current_step" >&2' ERR

current_step="prerequisites (rustup, cargo, node, npm)"
for tool in rustup cargo node npm; do
  command -v "$tool" >/dev/null || { echo "missing prerequisite: $tool" >&2; false; }
done

# Faster `cargo install`: the tools need to be built, not tuned (saves 3-5 minutes on a fresh machine).
fast_install() {
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install "$@"
}

install_chromium() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
}

apt_pid=""
if [ "$mode" = all ] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  step "apt-get install chromium chromium-driver (in the background, log: $APT_LOG)"
  # apt is network/IO bound: it runs beside the CPU-bound cargo installs below.
  install_chromium </dev/null >"$APT_LOG" 2>&1 &
  apt_pid=$!
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$mode" = all ] && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
  step "rustup component add rustfmt clippy"
  rustup component add rustfmt clippy
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}\b"; then
  step "npm install -g binaryen@${BINARYEN_VERSION} (wasm-opt)"
  npm install -g --no-fund --no-audit "binaryen@${BINARYEN_VERSION}"
fi

if ! trunk --version 2>/dev/null | grep -qx "trunk ${TRUNK_VERSION}"; then
  step "cargo install trunk ${TRUNK_VERSION} (about 4 minutes, once)"
  fast_install trunk --version "$TRUNK_VERSION" --locked --force
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${WASM_BINDGEN_VERSION}"; then
  step "cargo install wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (about 1.5 minutes, once)"
  # No --locked: its lock wants webpki-roots 1.0.11, which the reachable crates.io index lacks.
  fast_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$mode" = all ]; then
  if [ -n "$apt_pid" ]; then
    step "apt-get install chromium chromium-driver (waiting for it)"
    wait "$apt_pid" || { tail -n 30 "$APT_LOG" >&2; false; }
  fi

  # npm ci only when package-lock.json changed since the last successful install.
  e2e="$ROOT/tests/e2e"
  stamp="$e2e/node_modules/.gangplank-setup-stamp"
  lock_sum="$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    step "npm ci in tests/e2e (playwright-core; no browser download)"
    (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit)
    echo "$lock_sum" >"$stamp"
  fi
fi

# --- recorder (recorder/, Python): a venv at .venv with Ray Serve 2.60 and the package in editable mode ---
RAY_VERSION=2.60.0             # the Ray the recorder's integration test runs against (gang scheduling)
if [ "$mode" = all ]; then
  venv="$ROOT/.venv"
  rec_stamp="$venv/.gangplank-recorder-stamp"
  rec_sum="$(sha256sum <"$ROOT/recorder/pyproject.toml" | cut -d' ' -f1) ray==$RAY_VERSION"
  if [ "$(cat "$rec_stamp" 2>/dev/null)" != "$rec_sum" ] || [ ! -x "$venv/bin/python" ]; then
    step "python venv .venv: ray[serve]==$RAY_VERSION, recorder (editable), pytest, ruff, mypy (about 1 minute, once)"
    command -v python3 >/dev/null || { echo "missing prerequisite: python3 (3.9 or newer)" >&2; false; }
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "ray[serve]==$RAY_VERSION" -e "$ROOT/recorder[dev]"
    echo "$rec_sum" >"$rec_stamp"
  fi
fi
# --- end recorder ---

trap - ERR
echo "== setup: everything is installed ($mode)"
