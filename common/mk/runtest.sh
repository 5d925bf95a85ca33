#!/usr/bin/env bash
# runtest.sh - run one test step, record its counts, never stop the run.
#
#   runtest.sh RESULTS LOG LABEL MODE -- COMMAND [ARGS...]
#
# MODE says how to read the outcome:
#   criterion  Criterion's "Synthesis: Tested: T | Passing: P | Failing: F" line
#   runner     our runner's (or any script's) "N passed, N failed" line
#   tsan, asan as runner (a sanitizer build of the tests)
#   memcheck   as runner, and valgrind's exit code 99 (errors or definite leaks)
#              counts as one more failure
#   smoke      one test: the command must exit 0 (99 = valgrind found errors)
#   cli        two tests of the program COMMAND: `--help` exits 0 and prints a
#              usage line on stdout; an unknown option exits 1-127 with a message
#              on stderr
# It appends "LABEL MODE passed failed skipped seconds" to RESULTS, prints one
# line, and the log's tail when something failed. The exit status is always 0.
set -u
results=$1 log=$2 label=$3 mode=$4
shift 5
mkdir -p "$(dirname "$log")" "$(dirname "$results")"

passed=0 failed=0 skipped=0 note=""
start=$(date +%s.%N)

count_line() {
    # The last "N passed, N failed[, N skipped]" line of the log, if any.
    local line
    line=$(grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
    [ -n "$line" ] || return 1
    line=${line#*: }
    passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if echo "$line" | grep -q skipped; then
        skipped=$(echo "$line" | sed -E 's/.*, ([0-9]+) skipped$/\1/')
    fi
}

case $mode in
criterion)
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E 'Synthesis: Tested: [0-9]+ \| Passing: [0-9]+ \| Failing: [0-9]+' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        passed=$(echo "$line" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
        failed=$(echo "$line" | sed -E 's/.*Failing: ([0-9]+).*/\1/')
    else
        failed=1 note="no Criterion synthesis line (exit $rc)"
    fi
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1 note="exit $rc"; fi
    ;;
runner|memcheck|tsan|asan)
    "$@" >"$log" 2>&1
    rc=$?
    if ! count_line; then
        failed=1 note="no 'N passed, N failed' line (exit $rc: crashed or killed?)"
    fi
    if [ "$mode" = memcheck ] && [ "$rc" -eq 99 ]; then
        failed=$((failed + 1)) note="memcheck found errors or definite leaks"
    elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1 note="exit $rc"
    fi
    ;;
smoke)
    "$@" >"$log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then passed=1
    elif [ "$rc" -eq 99 ]; then failed=1 note="memcheck found errors or definite leaks"
    else failed=1 note="exit $rc"
    fi
    ;;
cli)
    : >"$log"
    out=$("$@" --help 2>>"$log")
    rc=$?
    printf '$ %s --help  (exit %d)\n%s\n' "$*" "$rc" "$out" >>"$log"
    if [ "$rc" -eq 0 ] && echo "$out" | grep -qi '^usage:'; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)) note="--help: exit $rc or no 'usage:' line on stdout"
    fi
    err=$("$@" --no-such-option 2>&1 >/dev/null)
    rc=$?
    printf '$ %s --no-such-option  (exit %d)\n%s\n' "$*" "$rc" "$err" >>"$log"
    if [ "$rc" -ge 1 ] && [ "$rc" -le 127 ] && [ -n "$err" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)) note="bad option: want exit 1-127 and a message, got exit $rc"
    fi
    ;;
*)
    echo "runtest.sh: unknown mode '$mode'" >&2
    failed=1
    ;;
esac

secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
printf '%s\t%s\t%s\t%s\t%s\t%.1f\n' "$label" "$mode" "$passed" "$failed" "$skipped" "$secs" >>"$results"
if [ "$failed" -eq 0 ]; then
    printf '  ok    %-34s %-9s %3d passed%s  (%.1f s)\n' "$label" "$mode" "$passed" \
        "$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")" "$secs"
else
    printf '  FAIL  %-34s %-9s %3d passed, %d failed%s  (%.1f s)\n' "$label" "$mode" \
        "$passed" "$failed" "${note:+: $note}" "$secs"
    echo "  ---- last lines of $log ----"
    tail -n 30 "$log" | sed 's/^/  | /'
fi
exit 0
