#!/usr/bin/env bash
# check_planted.sh [--sweep N] BUILD_DIR - the fuzz driver must find the planted
# stack bug (BUILD_DIR: the target built by make fuzz-build-planted_stack in common/).
#
# libFuzzer with a fixed seed and a fixed number of runs is deterministic: it
# must crash (the property failed and aborted) and save the input, and that
# input, replayed through the plain build, must fail the same way. It starts
# from the hand-written seeds of planted_stack/seeds (fuzz/README.md says what
# each is) and prints how many inputs it ran to find the bug, as libFuzzer
# counts them (stat::number_of_executed_units, the seeds included).
#
# --sweep N runs libFuzzer -seed=1..N instead, one run each, and prints the
# runs to find the bug for each and their median and range (the numbers in
# fuzz/README.md). Ends "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: check_planted.sh [--sweep N] BUILD_DIR"
sweep=0
if [ "${1:-}" = --sweep ]; then
    sweep=${2:?$usage}
    shift 2
fi
out=${1:?$usage}
budget=2000000
pass=0 fail=0
t() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "fuzz check failed: $*"; fi; }

[ -x "$out/libfuzzer" ] && [ -x "$out/replay" ] || { echo "no fuzz build in $out"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz SEED: one libFuzzer run into $work/SEED/ (log, crash-*); the new inputs go
# to a scratch corpus: the seeds directory is never written.
fuzz() {
    mkdir -p "$work/$1/corpus"
    (cd "$work/$1" && "$out/libfuzzer" -seed="$1" -runs=$budget -max_len=64 -print_final_stats=1 \
        corpus "$here/planted_stack/seeds" >log 2>&1)
}
runs_of() { sed -n 's/^stat::number_of_executed_units: *//p' "$work/$1/log"; }

if [ "$sweep" -gt 0 ]; then
    for s in $(seq 1 "$sweep"); do
        fuzz "$s"
        if ls "$work/$s"/crash-* >/dev/null 2>&1; then
            pass=$((pass + 1))
            echo "seed $s: found after $(runs_of "$s") runs"
            runs_of "$s" >>"$work/found"
        else
            fail=$((fail + 1))
            echo "seed $s: not found in $budget runs"
        fi
    done
    [ -s "$work/found" ] && sort -n "$work/found" | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "runs to find, %d seeds: median %g, range %d-%d\n", NR, m, v[1], v[NR] }'
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
fi

fuzz 1
rc=$?
t [ "$rc" -ne 0 ]
t grep -q "property failed" "$work/1/log"
crash=$(ls "$work"/1/crash-* 2>/dev/null | head -n 1)
t [ -n "$crash" ]
if [ -n "$crash" ]; then
    ("$out/replay" <"$crash" >"$work/replay.log" 2>&1) 2>/dev/null
    t [ $? -ne 0 ]
    t grep -q "the model says" "$work/replay.log"
    echo "found after $(runs_of 1) runs:"
    sed -n '/property failed/,$p' "$work/replay.log" | head -n 12
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
