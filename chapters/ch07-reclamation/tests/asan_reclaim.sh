#!/usr/bin/env bash
# asan_reclaim.sh - hazard pointers and epochs freeing while threads run, with
# AddressSanitizer watching every read of freed memory and every node not
# freed at exit (LeakSanitizer).
#
#   asan_reclaim.sh ASAN_BUILD_DIR COMMON_ASAN_TESTS_DIR
#
# treiber_bench runs under each scheme on 2 and 4 threads, and with a thread
# stalled inside an operation; common's queue and stack tests (model,
# linearizability, load) and the schemes' own tests run in the ASan build.
# Any report fails the check. Prints "N passed, N failed".
set -u
bin=$1 tests=$2 passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
    local what=$1
    shift
    if timeout -s KILL 300 "$@" >"$log" 2>&1 && ! grep -q 'Sanitizer' "$log"; then
        echo "ok: $what"
        passed=$((passed + 1))
    else
        echo "FAIL: $what"
        tail -n 30 "$log"
        failed=$((failed + 1))
    fi
}

for scheme in hp ebr quiescent; do
    for threads in 2 4; do
        run "treiber_bench --reclaim $scheme --threads $threads: no use after free, no leak" \
            "$bin/treiber_bench" --reclaim "$scheme" --threads "$threads" --seconds 0.5 \
            --interval-ms 100
    done
    run "treiber_bench --reclaim $scheme with a stalled thread: no use after free, no leak" \
        "$bin/treiber_bench" --reclaim "$scheme" --threads 2 --seconds 0.6 --interval-ms 100 \
        --stall 200ms --stall-at 100ms
done
for t in test_lockfree test_reclaim; do
    run "common/$t under ASan" "$tests/$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
