#!/usr/bin/env bash
# The README's first command: installs what `trunk serve` needs (no browser), then serves the app with live
# reload on http://127.0.0.1:8080/ (PORT=NNNN to change the port). Extra arguments go to `trunk serve`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

bash scripts/setup.sh serve
port="${PORT:-8080}"
printf '\n== Gangplank will be served on http://127.0.0.1:%s/ once the first build finishes (Ctrl-C stops it)\n\n' "$port"
exec trunk serve --port "$port" "$@"
