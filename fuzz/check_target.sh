#!/usr/bin/env bash
# check_target.sh NAME TARGET_DIR BUILD_DIR [RUNS] - a short, repeatable fuzz
# run as a test, of a target already built (make fuzz-build-NAME in its chapter).
#
# Every seed of TARGET_DIR/seeds goes through the plain replay build, then
# libFuzzer (ASan) runs RUNS inputs (default 10000) from a fixed seed, mutating
# the seeds into a scratch corpus (the seeds directory is never written). Any
# crash fails the check and is replayed. Ends "N passed, N failed".
set -u
target=${1:?usage: check_target.sh NAME TARGET_DIR BUILD_DIR [RUNS]}
dir=${2:?usage: check_target.sh NAME TARGET_DIR BUILD_DIR [RUNS]}
out=${3:?usage: check_target.sh NAME TARGET_DIR BUILD_DIR [RUNS]}
runs=${4:-10000}
pass=0 fail=0
t() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "fuzz check failed: $*"; fi; }

[ -x "$out/libfuzzer" ] && [ -x "$out/replay" ] || { echo "no fuzz build in $out"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in "$dir"/seeds/*; do
    t env TMPDIR="$work" "$out/replay" "$seed"
done
mkdir "$work/corpus"
(cd "$work" && TMPDIR="$work" "$out/libfuzzer" -seed=1 -runs="$runs" corpus "$dir/seeds" >"$work/log" 2>&1)
rc=$?
t [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
    grep -E "^$target:|ERROR|SUMMARY" "$work/log" | head -n 10
    crash=$(ls "$work"/crash-* "$work"/timeout-* 2>/dev/null | head -n 1)
    [ -n "$crash" ] && echo "replay: $out/replay < <the input below, base64>" && base64 -w0 "$crash" && echo
else
    echo "$target: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$work/log"), no crash"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
