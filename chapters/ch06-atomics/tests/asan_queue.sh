#!/usr/bin/env bash
# asan_queue.sh - the book's queue caught using freed memory by AddressSanitizer
# (D1), and its no-free variant clean under it.
#
#   asan_queue.sh ASAN_BUILD_DIR     (the chapter built with SAN=asan)
#
# queue_spin (the book's free(head)) must end in a heap-use-after-free report:
# a deq frees the old sentinel while another thread still reads it. It usually
# comes within half a second; up to 5 runs of at most 10 s each, and the test
# fails if none is caught. The no-free variant must run clean, in both shapes.
# It needs no detect_leaks=0: its old sentinels stay linked from the first one
# and msqb_free releases them, so LeakSanitizer finds nothing at exit.
# Prints "N passed, N failed".
set -u
bin=$1 passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

caught= tally=
for run in $(seq 5); do
    start=$(date +%s.%N)
    timeout -s KILL 60 "$bin/queue_spin" --seconds 10 >"$log" 2>&1
    rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    if [ $rc -ne 0 ] && grep -q 'AddressSanitizer: heap-use-after-free' "$log"; then
        caught=$run
        tally="$tally caught-in-${secs}s"
        break
    fi
    tally="$tally exit-$rc-after-${secs}s"
done
if [ -n "$caught" ]; then
    echo "ok: queue_spin: heap-use-after-free reported in run $caught after $secs s (runs:$tally)"
    sed -n '/^READ of size\|^WRITE of size/,+1p;/^freed by thread/,+3p;/is located/p' "$log" |
        head -n 8 | sed 's/^/    /'
    passed=$((passed + 1))
else
    echo "FAIL: queue_spin: no heap-use-after-free in 5 runs (runs:$tally)"
    tail -n 20 "$log"
    failed=$((failed + 1))
fi

for shape in spin producers-consumers; do
    timeout -s KILL 60 "$bin/queue_spin" --no-free --shape $shape --seconds 1 >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -q 'Sanitizer' "$log"; then
        echo "ok: queue_spin --no-free --shape $shape: clean under AddressSanitizer ($(tail -n 1 "$log"))"
        passed=$((passed + 1))
    else
        echo "FAIL: queue_spin --no-free --shape $shape: exit $rc"
        tail -n 30 "$log"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
