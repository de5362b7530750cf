#!/usr/bin/env bash
# Soak: a simulated month of cron ticks (`postcal publish --now T` every 5
# minutes, on the release binary) against the strict fakes of tests/support,
# with random 429/503 waits, 500/502/504, hangs and dropped connections after
# creating, and random SIGKILLs mid-request or just after an answer; then
# quiet ticks, `postcal status --format json`, and the fakes' counts. Fails on
# any duplicate, silent loss, or status that contradicts the platform.
#
#   bench/soak.sh                      # SOAK_DAYS=31, a new SOAK_SEED (printed)
#   SOAK_SEED=11 bench/soak.sh         # repeat a run
#   SOAK_DAYS=7 bench/soak.sh          # a quick one (~1.5 min)
#   SOAK_DAYS=93 bench/soak.sh         # a quarter (~20 min)
#   SOAK_KEEP=1 bench/soak.sh          # keep the workspace (kept on failure)
#
# A month is 8,928 ticks plus 36 quiet ones: about 6 minutes on 2 cores,
# nearly all of it the binary's own start-up and planning (~25 ms a tick on
# 310 posts), plus a real 30 s per hang (the client's timeout).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export SOAK_DAYS=${SOAK_DAYS:-31}
[[ -z ${SOAK_SEED:-} ]] || export SOAK_SEED
cargo build --release --locked --bin postcal --test soak >&2
exec cargo test --release --locked --test soak -- --ignored --nocapture
