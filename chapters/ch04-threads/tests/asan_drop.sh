#!/usr/bin/env bash
# asan_drop.sh - the last-drop race caught by AddressSanitizer, and its fixed
# twin clean under it.
#
#   asan_drop.sh ASAN_BUILD_DIR     (the chapter built with SAN=asan)
#
# rc_race --drop must end in an AddressSanitizer report of a use after free or
# a double free. The race decides whether this run loses a retain (the object
# is freed under the other thread: the report) or a release (the object leaks,
# or the count comes out right by luck): up to 20 runs, and the test fails if
# none of them is caught. rc_atomic --drop must exit 0 with no report.
# Prints "N passed, N failed".
set -u
bin=$1 passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

caught= tally=
for run in $(seq 20); do
    "$bin/rc_race" --drop --iters 3000000 >"$log" 2>&1
    rc=$?
    what=$(grep -o -m 1 -E 'AddressSanitizer: (heap-use-after-free|attempting double-free)' "$log")
    if [ $rc -ne 0 ] && [ -n "$what" ]; then
        caught=$run
        tally="$tally caught"
        break
    fi
    tally="$tally $(grep -q 'leaked' "$log" && echo leaked || echo "exit-$rc")"
done
if [ -n "$caught" ]; then
    echo "ok: rc_race --drop: ${what#AddressSanitizer: } reported in run $caught (runs:$tally)"
    sed -n '/^READ of size\|^WRITE of size\|^freed by thread\|^previously allocated/,+2p' "$log" | head -n 12 | sed 's/^/    /'
    passed=$((passed + 1))
else
    echo "FAIL: rc_race --drop: no use after free or double free in 20 runs (runs:$tally)"
    failed=$((failed + 1))
fi

"$bin/rc_atomic" --drop --iters 300000 >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'Sanitizer' "$log"; then
    echo "ok: rc_atomic --drop: clean under AddressSanitizer ($(tail -n 1 "$log"))"
    passed=$((passed + 1))
else
    echo "FAIL: rc_atomic --drop: exit $rc"
    cat "$log"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
