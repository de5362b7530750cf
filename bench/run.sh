#!/usr/bin/env bash
# The speed benchmark (README "Speed", SPEC §9): builds the release binary,
# generates the 100,000-post synthetic workspace (1,000 files, bench/gen.py)
# and runs bench/speed.py on it: a single-threaded bare parse of the same
# files as the baseline, then cold and warm validate, cold and warm cron
# ticks, a tick after one file changed, preview, diff with 1% of the posts
# changed, peak RSS and the binary's size, as one Markdown table of ratios
# measured in the same run.
#
#   bench/run.sh                          # workspace in a temp dir
#   BENCH_DIR=/tmp/pcbench bench/run.sh   # generated there once, reused
#   BENCH_1M=1 bench/run.sh               # also 1M posts (10,000 files, ~220 MB)
#
# Knobs: BENCH_RUNS (5), BENCH_NO_BUILD=1, BENCH_DIR_1M (where the 1M-post
# workspace goes; a temp dir by default).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '%s\n' "$*" >&2; }

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
    log "== cargo build --release --bin postcal --example bench_parse"
    cargo build --release --locked --bin postcal --example bench_parse
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
POSTCAL=$TARGET/release/postcal
PARSE=$TARGET/release/examples/bench_parse

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/postcal-bench.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

generate() { # DIR POSTS FILES
    if [[ -f $1/postcal.yaml && -d $1/calendars ]]; then
        log "== reusing workspace $1"
    else
        log "== generating $2 posts in $3 files into $1"
        python3 "$ROOT/bench/gen.py" "$1" --posts "$2" --files "$3"
    fi
}
WS=${BENCH_DIR:-$SCRATCH/ws}
generate "$WS" 100000 1000
ARGS=("$POSTCAL" "$PARSE" "$WS" --runs "${BENCH_RUNS:-5}")
if [[ -n ${BENCH_1M:-} ]]; then
    BIG=${BENCH_DIR_1M:-$SCRATCH/ws-1m}
    generate "$BIG" 1000000 10000
    ARGS+=(--big "$BIG")
fi
python3 "$ROOT/bench/speed.py" "${ARGS[@]}"
