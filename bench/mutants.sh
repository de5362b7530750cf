#!/usr/bin/env bash
# Mutation testing of the exactly-once core with cargo-mutants, one module at
# a time, each with only the test targets that exercise it; then a summary of
# caught / missed / unviable / timeout per module. bench/MUTANTS.md has the
# last figures and the reason for every mutant that is not caught.
#
# Takes about 2 h 30 min on 2 cores (about 280 mutants, 25-45 s each: an
# incremental build of the crate and the chosen test binaries, then their
# tests; runs_property alone is ~9 s). One module or several:
#
#   bench/mutants.sh                     # every module below
#   bench/mutants.sh plan identity       # only these (names from the table)
#   MUTANTS_RE='part_hash' bench/mutants.sh plan   # only mutants matching a regex
#   MUTANTS_ITERATE=1 bench/mutants.sh   # skip mutants caught by the last run
#
# Needs `cargo install cargo-mutants --locked` (tested with 27.1). Runs with
# `-j 1` (one build at a time); set CARGO_TARGET_DIR to reuse built
# dependencies (the first build otherwise compiles them all). Output:
# $MUTANTS_OUT (default target/mutants), one folder per module, each with
# cargo-mutants' mutants.out (caught.txt, missed.txt, outcomes.json, logs).
# Timeouts and the like are in .cargo/mutants.toml.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${MUTANTS_OUT:-${CARGO_TARGET_DIR:-$ROOT/target}/mutants}
mkdir -p "$OUT"

# name; file; extra cargo-mutants filter (a regex); test targets (cargo args)
# The engine's and the plan's own unit tests (src/publish/engine/tests,
# src/publish/plan.rs) kill most of their mutants; the binary's end-to-end
# tests add what only a real run shows. runs_property and crash are left to
# CI: slow, and nothing they alone catch here.
MODULES=(
    "plan;src/publish/plan.rs;;--lib --test publish --test trust --test publish_scope"
    "identity;src/publish/identity.rs;;--lib"
    "settle;src/publish/engine/settle.rs;;--lib"
    "retract;src/publish/engine/retract.rs;;--lib --test publish"
    # Failure classification: only `classify` and `retry_after` (with its
    # `seconds`) of the shared HTTP plumbing; the rest belongs to the adapters.
    "http;src/adapters/http.rs;(replace|in) (classify|retry_after|seconds)( |$);--lib --test contract"
    "engine;src/publish/engine/mod.rs;;--lib --test publish --test trust"
    "ledger;src/publish/ledger.rs;;--lib --test publish --test trust"
)

want() {
    [[ $# -eq 0 ]] && return 0
    local name=$1
    shift
    for w in "${SELECTED[@]}"; do [[ $w == "$name" ]] && return 0; done
    return 1
}
SELECTED=("$@")

# Mutants listed in `kind`.txt of a module's results; with MUTANTS_ITERATE,
# those an earlier run caught (mutants.out.old) count too.
count() {
    local dir=$1 kind=$2
    {
        cat "$dir/mutants.out/$kind.txt" 2>/dev/null
        if [[ -n ${MUTANTS_ITERATE:-} && ($kind == caught || $kind == unviable) ]]; then
            cat "$dir/mutants.out.old/$kind.txt" 2>/dev/null
        fi
    } | sort -u | grep -c . || true
}

started=$(date +%s)
for row in "${MODULES[@]}"; do
    IFS=';' read -r name file filter tests <<<"$row"
    if [[ ${#SELECTED[@]} -gt 0 ]] && ! want "$name" "${SELECTED[@]}" 2>/dev/null; then
        continue
    fi
    args=(mutants -j 1 --no-shuffle -d "$ROOT" -f "$file" -o "$OUT/$name")
    [[ -n $filter ]] && args+=(--re "$filter")
    [[ -n ${MUTANTS_RE:-} ]] && args+=(--re "${MUTANTS_RE}")
    [[ -n ${MUTANTS_ITERATE:-} ]] && args+=(--iterate)
    # The test targets go to every cargo call (`--cargo-arg`), not only to
    # `cargo test` (after `--`): else each mutant's build links every test
    # binary of the crate, which is most of its time.
    for t in $tests; do args+=("--cargo-arg=$t"); done
    printf '\n== %s: %s (tests: %s)\n' "$name" "$file" "$tests" >&2
    cargo "${args[@]}"
    # cargo-mutants exits 2 when a mutant is missed, 3 on a timeout: the
    # summary below tells; only a failed baseline (4) or a usage error stops.
    rc=$?
    if [[ $rc -ne 0 && $rc -ne 2 && $rc -ne 3 ]]; then
        echo "cargo mutants failed on $name (exit $rc); see $OUT/$name/mutants.out" >&2
    fi
done
elapsed=$(($(date +%s) - started))

printf '\n| module | file | mutants | caught | missed | unviable | timeout |\n'
printf '|---|---|---:|---:|---:|---:|---:|\n'
for row in "${MODULES[@]}"; do
    IFS=';' read -r name file _ _ <<<"$row"
    dir=$OUT/$name
    [[ -d $dir/mutants.out ]] || continue
    c=$(count "$dir" caught)
    m=$(count "$dir" missed)
    u=$(count "$dir" unviable)
    t=$(count "$dir" timeout)
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '| %s | `%s` | %d | %d | %d | %d | %d |\n' "$name" "$file" $((c + m + u + t)) "$c" "$m" "$u" "$t"
done
for row in "${MODULES[@]}"; do
    IFS=';' read -r name _ _ _ <<<"$row"
    missed=$OUT/$name/mutants.out/missed.txt
    [[ -s $missed ]] || continue
    printf '\nmissed in %s:\n' "$name"
    sed 's/^/  /' "$missed"
done
printf '\n(%d min)\n' $((elapsed / 60))
