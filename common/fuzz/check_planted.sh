#!/usr/bin/env bash
# check_planted.sh BUILD_DIR - the fuzz driver must find the planted stack bug
# (BUILD_DIR: the target built by make fuzz-build-planted_stack in common/).
#
# libFuzzer with a fixed seed and a fixed number of runs is deterministic: it
# must crash (the property failed and aborted) and save the input, and that
# input, replayed through the plain build, must fail the same way.
# Ends "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: check_planted.sh BUILD_DIR}
pass=0 fail=0
t() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "fuzz check failed: $*"; fi; }

[ -x "$out/libfuzzer" ] && [ -x "$out/replay" ] || { echo "no fuzz build in $out"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the new inputs go to a scratch corpus: the seeds directory is never written
mkdir "$work/corpus"
(cd "$work" && "$out/libfuzzer" -seed=1 -runs=2000000 -max_len=64 corpus "$here/planted_stack/seeds" \
    >"$work/log" 2>&1)
rc=$?
t [ "$rc" -ne 0 ]
t grep -q "property failed" "$work/log"
crash=$(ls "$work"/crash-* 2>/dev/null | head -n 1)
t [ -n "$crash" ]
if [ -n "$crash" ]; then
    ("$out/replay" <"$crash" >"$work/replay.log" 2>&1) 2>/dev/null
    t [ $? -ne 0 ]
    t grep -q "the model says" "$work/replay.log"
    echo "found after $(grep -oE '#[0-9]+' "$work/log" | tail -n 1 | tr -d '#') runs:"
    sed -n '/property failed/,$p' "$work/replay.log" | head -n 12
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
