#!/usr/bin/env bash
# check.sh - do both test back ends give the planted tests their verdicts?
#
#   check.sh RUNNER_BIN [CRITERION_BIN]
#
# Runs selftest under our runner (through $LAB_RUN, e.g. qemu, when cross-built),
# under memcheck (natively, if valgrind is here) and under Criterion (if built),
# and checks counts and messages. Ends "N passed, N failed".
set -u
runner=$1 criterion=${2:-}
pass=0 fail=0
t() { # t NAME COMMAND...: one check
    local name=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "selftest check failed: $name"; fi
}
run=${LAB_RUN:-}
if [ -n "${LAB_SAN:-}" ]; then
    # ASan and TSan turn the planted crash and leak into reports of their own,
    # with their own exit codes: the verdicts below are for plain builds.
    echo "selftest: not run in a SAN=$LAB_SAN build"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
# The planted hang has a 1 s timeout; keep it short under qemu too.
export LAB_TIMEOUT_SCALE=2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

$run "$runner" >"$log" 2>&1
rc=$?
t "runner exits 1 when tests fail" [ "$rc" -eq 1 ]
t "runner counts" grep -qx '4 passed, 5 failed, 1 skipped' "$log"
t "assertion message names the values" grep -q 'expected four == 5, got 4 vs 5: arithmetic still works' "$log"
t "unsigned values print unsigned" grep -q 'got 18446744073709551615 vs 0\|got 4294967295 vs 0' "$log"
t "crash is reported with its signal" grep -q '\[FAIL\] selftest::crash: crashed: signal 11' "$log"
t "wrong signal is named" grep -q '\[FAIL\] selftest::wrong_signal: expected signal 6' "$log"
t "hang names the test" grep -q '\[FAIL\] selftest::hang: timed out after' "$log"
t "skip is reported" grep -q '\[SKIP\] selftest::skipped' "$log"
t "skip reason is printed" grep -q 'skipped: skips cleanly' "$log"

$run "$runner" --filter 'selftest/pass_*' >"$log" 2>&1
t "filter selects one test" grep -qx '1 passed, 0 failed' "$log"

$run "$runner" --no-such-flag >"$log" 2>&1
t "bad runner flag exits 2" [ $? -eq 2 ]

if command -v valgrind >/dev/null 2>&1 && [ -z "${LAB_EMULATED:-}" ]; then
    valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
        --error-exitcode=99 --quiet "$runner" >"$log" 2>&1
    t "memcheck turns the leak into a failure" grep -qx '3 passed, 6 failed, 1 skipped' "$log"
    t "memcheck failure is attributed to the leaking test" \
        grep -q '\[FAIL\] selftest::leak: valgrind found errors or definite leaks' "$log"
fi

if [ -n "$criterion" ]; then
    "$criterion" --jobs 1 >"$log" 2>&1
    rc=$?
    t "criterion exits 1" [ "$rc" -eq 1 ]
    t "criterion counts" grep -q 'Synthesis: Tested: 9 | Passing: 4 | Failing: 5 | Crashing: 1' "$log"
    t "criterion message names the values" grep -q 'expected four == 5, got 4 vs 5: arithmetic still works' "$log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
