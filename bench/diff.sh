#!/usr/bin/env bash
# diff between two revisions of the 100,000-post synthetic workspace where 1%
# of posts changed, against running `validate` twice (diff loads the calendar
# twice, from git). BENCH_DIR reuses a generated workspace (see bench/run.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[[ -n ${BENCH_NO_BUILD:-} ]] || cargo build --release --bin postcal >&2
POSTCAL=$ROOT/target/release/postcal
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/postcal-diff-bench.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
REPO=$SCRATCH/repo
if [[ -n ${BENCH_DIR:-} && -f $BENCH_DIR/postcal.yaml ]]; then
    mkdir -p "$REPO" && cp -r "$BENCH_DIR/postcal.yaml" "$BENCH_DIR/calendars" "$REPO/"
else
    python3 "$ROOT/bench/gen.py" "$REPO" >&2
fi
git -C "$REPO" init -q -b main
git -C "$REPO" -c user.email=b@example.com -c user.name=bench add -A
git -C "$REPO" -c user.email=b@example.com -c user.name=bench commit -q -m base
# Change 1% of the posts: every 100th post's text.
python3 - "$REPO/calendars" <<'PY'
import os, re, sys
n = 0
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name)
    lines = open(path).read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("  - id: "):
            n += 1
            if n % 100 == 0:
                for j in range(i + 1, min(i + 12, len(lines))):
                    if lines[j].startswith("    text: "):
                        lines[j] = lines[j].replace("    text: ", "    text: (edited) ", 1)
                        break
    open(path, "w").write("\n".join(lines))
PY
git -C "$REPO" -c user.email=b@example.com -c user.name=bench commit -q -am "1% edited"
NOW=2026-12-01T00:00:00Z
changes=$("$POSTCAL" --workspace "$REPO" diff HEAD~1 HEAD --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["changes"]))')
time_it() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
d=(); v=()
for _ in 1 2 3; do
    d+=("$(time_it "$POSTCAL" --workspace "$REPO" diff HEAD~1 HEAD --format json)")
    v+=("$(awk -v x="$(time_it "$POSTCAL" --workspace "$REPO" validate --format json --now $NOW)" -v y="$(time_it "$POSTCAL" --workspace "$REPO" validate --format json --now $NOW)" 'BEGIN { printf "%.2f", x + y }')")
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
dm=$(mean "${d[@]}"); vm=$(mean "${v[@]}")
echo
echo "diff benchmark — 100,000 posts, 1% edited between two commits ($changes changes found); 3 runs"
echo
echo "| command | seconds | × validate twice |"
echo "|---|---:|---:|"
echo "| postcal validate, twice | $vm | 1.00× |"
echo "| postcal diff HEAD~1 HEAD | $dm | $(awk -v a="$dm" -v b="$vm" 'BEGIN { printf "%.2f×", a / b }') |"
