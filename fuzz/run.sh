#!/usr/bin/env bash
# Fuzz Gangplank's decoders with AFL++ (afl.rs) on the stable toolchain; see FUZZING.md.
#   bash fuzz/run.sh SECONDS [TARGET...]    each target (default: all) for SECONDS, one after another
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
AFL_VERSION=0.18.2 # equals the afl pin in Cargo.toml
seconds="${1:?usage: bash fuzz/run.sh SECONDS [TARGET...]}"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario link saved import config lesson recording)
if ! cargo afl --version 2>/dev/null | grep -q "$AFL_VERSION"; then
  cargo install cargo-afl --version "$AFL_VERSION" --locked --force # also builds AFL++ itself
fi
# Only ever build this crate with `cargo afl`: a plain cargo build into fuzz/target rebuilds everything twice.
nice -n 19 cargo afl build --release --locked
target/release/gangplank-fuzz-seeds corpus >/dev/null
for t in "${targets[@]}"; do
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
    nice -n 19 cargo afl fuzz -V "$seconds" -t 2000 -i "corpus/$t" -o "out/$t" -- target/release/gangplank-fuzz "$t" \
    >"out-$t.log" 2>&1 || true
  stats="out/$t/default/fuzzer_stats"
  crashes=$(find "out/$t/default/crashes" -name 'id*' 2>/dev/null | wc -l)
  printf '%-10s %8s execs in %4s s, %s crashes\n' "$t" "$(awk '/^execs_done/ {print $3}' "$stats")" \
    "$(awk '/^run_time/ {print $3}' "$stats")" "$crashes"
done
