#!/usr/bin/env bash
# Benchmark postcal on a large synthetic workspace (100k posts in 1000 files).
#
#   bench/run.sh                  # generate into a temp dir, removed afterwards
#   BENCH_DIR=/tmp/pcbench bench/run.sh   # generate there once, reuse later
#
# Knobs (environment): BENCH_POSTS (100000), BENCH_FILES (1000), BENCH_RUNS (5),
# BENCH_WARMUP (1), BENCH_SMALL_RUNS (30), BENCH_NO_HYPERFINE=1 (use the bash
# timing loop even when hyperfine is installed), BENCH_NO_BUILD=1.
#
# Measures, with hyperfine when available (else a `date +%s%N` loop), the mean
# wall time, and with /usr/bin/time -v the peak RSS, of:
#   baseline  examples/bench_parse: parse every calendar file into a
#             serde_json::Value with serde-saphyr, nothing else
#   validate  postcal validate --format json on the big workspace
#   preview   postcal preview --days 7 --from 2027-06-01 --format json
#   cron-tick postcal publish with nothing due on the big workspace
#   demo      postcal validate on the small demo workspace at the repo root
# and prints a Markdown table.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

POSTS=${BENCH_POSTS:-100000}
FILES=${BENCH_FILES:-1000}
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
SMALL_RUNS=${BENCH_SMALL_RUNS:-30}
NOW=2026-12-01T00:00:00Z

log() { printf '%s\n' "$*" >&2; }

# --- build -------------------------------------------------------------------
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
    log "== cargo build --release --bin postcal --examples"
    cargo build --release --bin postcal --examples
fi
POSTCAL=$ROOT/target/release/postcal
PARSE=$ROOT/target/release/examples/bench_parse
for bin in "$POSTCAL" "$PARSE"; do
    [[ -x $bin ]] || { log "missing $bin (build failed?)"; exit 2; }
done

# --- workspace -----------------------------------------------------------------
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/postcal-bench.XXXXXX")
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT

if [[ -n ${BENCH_DIR:-} ]]; then
    WS=$BENCH_DIR
else
    WS=$SCRATCH/ws
fi
if [[ -f $WS/postcal.yaml && -d $WS/calendars ]]; then
    log "== reusing workspace $WS"
else
    log "== generating $POSTS posts in $FILES files into $WS"
    python3 "$ROOT/bench/gen.py" "$WS" --posts "$POSTS" --files "$FILES"
fi

calendar_bytes() { # total bytes of *.yaml / *.yml under DIR
    find "$1" -type f \( -name '*.yaml' -o -name '*.yml' \) -printf '%s\n' |
        awk '{ s += $1 } END { print s + 0 }'
}
BIG_INPUT=$(calendar_bytes "$WS/calendars")
DEMO_INPUT=$(calendar_bytes "$ROOT/calendars")
NFILES=$(find "$WS/calendars" -type f -name '*.yaml' | wc -l)
log "== input: $NFILES calendar files, $BIG_INPUT bytes (demo: $DEMO_INPUT bytes)"

# --- the commands ----------------------------------------------------------------
NAMES=(baseline validate preview cron-tick demo-validate)
CMDS=(
    "$PARSE $WS/calendars"
    "$POSTCAL --workspace $WS validate --format json --now $NOW"
    "$POSTCAL --workspace $WS preview --days 7 --from 2027-06-01 --format json"
    "$POSTCAL --workspace $WS publish --now $NOW"
    "$POSTCAL --workspace $ROOT validate --now $NOW"
)
LABELS=(
    "bench_parse calendars/ (baseline)"
    "postcal validate --format json"
    "postcal preview --days 7 --from 2027-06-01 --format json"
    "postcal publish, nothing due (a cron tick)"
    "postcal validate (demo workspace)"
)
INPUTS=("$BIG_INPUT" "$BIG_INPUT" "$BIG_INPUT" "$BIG_INPUT" "$DEMO_INPUT")
BIG=(1 1 1 1 0)

# Sanity check: the workspace must validate with 0 errors; show what it says.
log "== sanity checks"
set +e
$POSTCAL --workspace "$WS" validate --format json --now $NOW >"$SCRATCH/validate.json" 2>"$SCRATCH/validate.err"
vrc=$?
$POSTCAL --workspace "$WS" preview --days 7 --from 2027-06-01 --format json >"$SCRATCH/preview.json" 2>"$SCRATCH/preview.err"
prc=$?
set -e
python3 - "$SCRATCH/validate.json" "$vrc" "$SCRATCH/preview.json" "$prc" >&2 <<'PY'
import collections, json, sys
vpath, vrc, ppath, prc = sys.argv[1:]
try:
    v = json.load(open(vpath))
    rules = collections.Counter((f["severity"], f["rule"]) for f in v["findings"])
    top = ", ".join(f"{s} {r}: {n}" for (s, r), n in rules.most_common(6))
    print(f"   validate: exit {vrc}, {v['errors']} errors, {v['warnings']} warnings  {top}")
except Exception as e:  # noqa: BLE001
    print(f"   validate: exit {vrc}, unreadable JSON ({e})")
try:
    p = json.load(open(ppath))
    print(f"   preview:  exit {prc}, {len(p['deliveries'])} deliveries")
except Exception as e:  # noqa: BLE001
    print(f"   preview:  exit {prc}, unreadable JSON ({e})")
PY
if [[ $vrc -ne 0 ]]; then
    log "   warning: validate exited $vrc on the generated workspace (see $SCRATCH/validate.err)"
    head -5 "$SCRATCH/validate.err" >&2 || true
fi

# --- timing --------------------------------------------------------------------
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && ! command -v hyperfine >/dev/null; then
    log "== hyperfine not found; trying apt-get install -y hyperfine"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y hyperfine >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1; } || true
    elif command -v sudo >/dev/null; then
        sudo -n apt-get install -y hyperfine >/dev/null 2>&1 || true
    fi
fi

declare -A MEAN # seconds
declare -A SD
time_with_hyperfine() { # NAME RUNS WARMUP CMD
    local name=$1 runs=$2 warmup=$3 cmd=$4
    hyperfine --shell=none --ignore-failure --style basic \
        --runs "$runs" --warmup "$warmup" \
        --export-json "$SCRATCH/hf-$name.json" \
        --command-name "$name" "$cmd" >&2
    read -r MEAN[$name] SD[$name] < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r["stddev"] or 0)' "$SCRATCH/hf-$name.json")
}
time_with_loop() { # NAME RUNS WARMUP CMD
    local name=$1 runs=$2 warmup=$3 cmd=$4 i t0 t1
    local -a argv
    read -r -a argv <<<"$cmd"
    for ((i = 0; i < warmup; i++)); do "${argv[@]}" >/dev/null 2>&1 || true; done
    local samples=()
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s%N)
        "${argv[@]}" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        samples+=($((t1 - t0)))
    done
    read -r MEAN[$name] SD[$name] < <(printf '%s\n' "${samples[@]}" | awk '
        { s += $1; q += $1 * $1; n++ }
        END { m = s / n; v = (n > 1) ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0;
              printf "%.6f %.6f\n", m / 1e9, sqrt(v) / 1e9 }')
    log "   $name: mean $(awk -v m="${MEAN[$name]}" 'BEGIN{printf "%.1f ms", m*1000}') over $runs runs"
}

if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    TIMER=hyperfine
    TIMER_DESC="hyperfine $(hyperfine --version | awk '{print $2}')"
else
    TIMER=loop
    TIMER_DESC="bash loop with date +%s%N"
fi
log "== timing with $TIMER_DESC"

for i in "${!NAMES[@]}"; do
    if [[ ${BIG[$i]} -eq 1 ]]; then runs=$RUNS warm=$WARMUP; else runs=$SMALL_RUNS warm=3; fi
    "time_with_$TIMER" "${NAMES[$i]}" "$runs" "$warm" "${CMDS[$i]}"
done

# --- peak RSS ------------------------------------------------------------------
declare -A RSS_KB
log "== peak RSS with /usr/bin/time -v"
for i in "${!NAMES[@]}"; do
    read -r -a argv <<<"${CMDS[$i]}"
    /usr/bin/time -v -o "$SCRATCH/time-${NAMES[$i]}.txt" "${argv[@]}" >/dev/null 2>&1 || true
    RSS_KB[${NAMES[$i]}]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$SCRATCH/time-${NAMES[$i]}.txt")
done

# --- report --------------------------------------------------------------------
base=${MEAN[baseline]}
echo
echo "postcal benchmark — $NFILES files, $POSTS posts, $(awk -v b="$BIG_INPUT" 'BEGIN{printf "%.1f", b/1048576}') MiB of calendars" \
    "(demo workspace: $DEMO_INPUT bytes); $TIMER_DESC, $RUNS runs + $WARMUP warmup (demo: $SMALL_RUNS runs)"
echo
echo "| command | mean time | × baseline | peak RSS (MB) | RSS / input |"
echo "|---|---:|---:|---:|---:|"
for i in "${!NAMES[@]}"; do
    n=${NAMES[$i]}
    awk -v label="${LABELS[$i]}" -v m="${MEAN[$n]}" -v sd="${SD[$n]}" -v b="$base" \
        -v rss="${RSS_KB[$n]:-0}" -v input="${INPUTS[$i]}" -v big="${BIG[$i]}" 'BEGIN {
        t = (m >= 1) ? sprintf("%.2f s ± %.2f", m, sd) : sprintf("%.1f ms ± %.1f", m * 1000, sd * 1000)
        ratio = big ? sprintf("%.2f×", m / b) : sprintf("(%.3f×)", m / b)
        mb = rss * 1024 / 1e6
        rin = (input > 0) ? sprintf("%.2f×", rss * 1024 / input) : "n/a"
        if (!big) rin = "(" rin ")"
        printf "| %s | %s | %s | %.1f | %s |\n", label, t, ratio, mb, rin
    }'
done
echo
echo "Parenthesised figures for the demo row compare a ~${DEMO_INPUT}-byte workspace with the big baseline / its own input; they are dominated by process start-up."
