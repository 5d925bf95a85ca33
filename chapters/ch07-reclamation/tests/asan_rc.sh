#!/usr/bin/env bash
# asan_rc.sh - the book's reference-counted stack caught by AddressSanitizer
# and UBSan, and the split-count stack clean under them.
#
#   asan_rc.sh ASAN_BUILD_DIR     (the chapter built with SAN=asan)
#
# rc_treiber_book on two threads must end in a heap-use-after-free report (F3:
# a pop reads head->next after another pop freed head; F5: a push raises the
# count of a freed node). It runs with --keep-going: under ASan one of the
# book's asserts fails first, within a few hundredths of a second, and would
# end the run before ASan sees a freed node touched. The report usually comes
# within a fraction of a second; up to 5 runs of at most 10 s each, and the
# test fails if none is caught. The same stack on one thread must run clean
# (a sequential test cannot find these bugs), and --unpatched (F1: push 1,
# push 2, pop, pop) must be stopped at the NULL dereference by UBSan or ASan.
# rc_treiber_split must run clean on 2 and 4 threads.
# Prints "N passed, N failed".
set -u
bin=$1 passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; tail -n 30 "$log"; failed=$((failed + 1)); }

caught= tally=
for run in $(seq 5); do
    start=$(date +%s.%N)
    timeout -s KILL 60 "$bin/rc_treiber_book" --threads 2 --keep-going --seconds 10 >"$log" 2>&1
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
    ok "rc_treiber_book --keep-going: heap-use-after-free reported in run $caught after $secs s (runs:$tally)"
    sed -n '/^READ of size\|^WRITE of size/,+1p;/^freed by thread/,+2p;/is located/p' "$log" |
        head -n 8 | sed 's#[^ ]*/\([^/ ]*:[0-9]\)#\1#; s/^/    /'
else
    fail "rc_treiber_book --keep-going: no heap-use-after-free in 5 runs (runs:$tally)"
fi

timeout -s KILL 60 "$bin/rc_treiber_book" --threads 1 --iters 100000 >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'Sanitizer\|runtime error' "$log"; then
    ok "rc_treiber_book --threads 1: clean on one thread ($(tail -n 1 "$log"))"
else
    fail "rc_treiber_book --threads 1: exit $rc"
fi

timeout -s KILL 60 "$bin/rc_treiber_book" --unpatched >"$log" 2>&1
rc=$?
what=$(grep -o 'runtime error: member access within null pointer[^$]*\|AddressSanitizer: SEGV on unknown address[^(]*' "$log" | head -n 1)
if [ $rc -ne 0 ] && [ -n "$what" ]; then
    ok "rc_treiber_book --unpatched: exit $rc, $what"
else
    fail "rc_treiber_book --unpatched: exit $rc, no UBSan or ASan report of the NULL dereference"
fi

for threads in 2 4; do
    timeout -s KILL 120 "$bin/rc_treiber_split" --threads $threads --iters 200000 >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -q 'Sanitizer\|runtime error' "$log"; then
        ok "rc_treiber_split --threads $threads: clean under AddressSanitizer ($(tail -n 1 "$log"))"
    else
        fail "rc_treiber_split --threads $threads: exit $rc"
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
