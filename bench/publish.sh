#!/usr/bin/env bash
# Publishing throughput: 1,000 deliveries over 10 webhook channels against a
# local server that answers each request after 50 ms. Channels run in
# parallel, so the wall time should stay close to the slowest channel's
# serial time (100 x 50 ms = 5 s), and the ledger's fsyncs (two per request)
# should not dominate.
#
#   bench/publish.sh            # BENCH_DELAY_MS (50), BENCH_PER_CHANNEL (100)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DELAY=${BENCH_DELAY_MS:-50}
PER=${BENCH_PER_CHANNEL:-100}
CHANNELS=10

[[ -n ${BENCH_NO_BUILD:-} ]] || cargo build --release --bin postcal --example bench_server >&2
POSTCAL=$ROOT/target/release/postcal
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/postcal-publish-bench.XXXXXX")
SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT

"$ROOT/target/release/examples/bench_server" "$DELAY" >"$SCRATCH/url" &
SERVER_PID=$!
for _ in $(seq 50); do [[ -s $SCRATCH/url ]] && break; sleep 0.1; done
BASE=$(head -1 "$SCRATCH/url")

make_ws() { # DIR
    local dir=$1
    mkdir -p "$dir/calendars"
    {
        echo "timezone: UTC"
        echo "publish: { catch_up: 24h }"
        echo "channels:"
        for c in $(seq 0 $((CHANNELS - 1))); do
            echo "  w$c: { platform: webhook, url: \"$BASE/w$c\" }"
        done
    } >"$dir/postcal.yaml"
    python3 - "$dir/calendars/c.yaml" "$CHANNELS" "$PER" <<'PY'
import sys
path, channels, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("posts:\n")
    for c in range(channels):
        for i in range(per):
            f.write(f"  - id: c{c}-p{i:04d}\n    at: 2026-12-01T{8 + i // 60:02d}:{i % 60:02d}:00Z\n"
                    f"    status: approved\n    channels: [w{c}]\n    text: Post {i} on channel {c}\n")
PY
}

run_once() { # DIR -> seconds
    local dir=$1 t0 t1
    t0=$(date +%s%N)
    "$POSTCAL" --workspace "$dir" publish --now 2026-12-01T12:00:00Z -q >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

results=()
for r in 1 2 3; do
    make_ws "$SCRATCH/ws$r"
    results+=("$(run_once "$SCRATCH/ws$r")")
    published=$(grep -c '"event":"published"' "$SCRATCH/ws$r/.postcal/ledger.jsonl")
    [[ $published -eq $((CHANNELS * PER)) ]] || { echo "run $r published $published, expected $((CHANNELS * PER))" >&2; exit 1; }
done
serial=$(awk -v n="$PER" -v d="$DELAY" 'BEGIN { printf "%.3f", n * d / 1000 }')
mean=$(printf '%s\n' "${results[@]}" | awk '{ s += $1 } END { printf "%.3f", s / NR }')

# The ledger's cost: the same appends and fsyncs, without any network.
fsync=$(python3 - "$SCRATCH/ws1/.postcal/ledger.jsonl" <<'PY'
import os, sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
path = sys.argv[1] + ".replay"
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
t0 = time.perf_counter()
for line in lines:
    os.write(fd, line)
    os.fdatasync(fd)
print(f"{time.perf_counter() - t0:.3f}")
os.close(fd)
PY
)
echo
echo "publish benchmark — $((CHANNELS * PER)) deliveries over $CHANNELS channels, server answers after ${DELAY} ms; 3 runs"
echo
echo "| measure | seconds | × slowest channel's serial time |"
echo "|---|---:|---:|"
echo "| slowest channel, serial ($PER × ${DELAY} ms) | $serial | 1.00× |"
echo "| postcal publish, wall (mean of ${results[*]}) | $mean | $(awk -v m="$mean" -v s="$serial" 'BEGIN{printf "%.2f×", m/s}') |"
echo "| ledger appends + fdatasync alone ($((2 * CHANNELS * PER)) records) | $fsync | $(awk -v m="$fsync" -v s="$serial" 'BEGIN{printf "%.2f×", m/s}') |"
