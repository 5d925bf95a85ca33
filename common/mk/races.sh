#!/usr/bin/env bash
# races.sh - the race matrix: run each racy example and its fixed twin under
# helgrind, DRD and ThreadSanitizer, and compare each verdict with races.tsv.
#
#   races.sh [--tools "helgrind drd tsan"] [--run "PREFIX"] [--show] RACES_TSV BIN_DIR TSAN_BIN_DIR
#
# races.tsv: one row per run, tab-separated:
#   program  arguments  helgrind  drd  tsan  [host-only]
# where each verdict is `race`, `clean` or `n/a: reason` (not run, reason shown).
# A sixth column `host-only` keeps a row out of the emulated TSan column (--run):
# TSan takes about 25 s a run under qemu, so that column keeps to the racy and
# fixed pairs it can tell apart.
# A verdict is `race` when valgrind's ERROR SUMMARY counts errors, or when TSan
# prints a data race report; `clean` otherwise. The programs' own exit status is
# ignored: a racy example may well break its invariants, and that is not what is
# judged here. --run prefixes the TSan runs (qemu for a cross build); --show
# prints the full reports (make helgrind). Ends "N passed, N failed".
set -u
tools="helgrind drd tsan" run="" show=""
while [ $# -gt 3 ]; do
    case $1 in
    --tools) tools=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    --show) show=1; shift ;;
    *) echo "races.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
tsv=$1 bin=$2 tsan_bin=$3
pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

verdict() { # verdict TOOL PROGRAM ARGS -> race | clean | error: ...
    local tool=$1 prog=$2 args=$3 n
    case $tool in
    helgrind|drd)
        # valgrind runs one thread at a time; --fair-sched=yes hands the CPU
        # round in turn, so that threads spinning on a lock cannot keep the
        # thread that would end the run (or release the lock) waiting
        # shellcheck disable=SC2086
        timeout -s KILL 120 valgrind --tool="$tool" --fair-sched=yes "$bin/$prog" $args >"$log" 2>&1
        n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
        [ -n "$n" ] || { echo "error: no ERROR SUMMARY"; return; }
        [ "$n" -gt 0 ] && echo race || echo clean ;;
    tsan)
        # shellcheck disable=SC2086
        TSAN_OPTIONS="halt_on_error=0" timeout -s KILL 300 $run "$tsan_bin/$prog" $args >"$log" 2>&1
        if grep -q "WARNING: ThreadSanitizer: data race" "$log"; then echo race
        elif grep -q "ThreadSanitizer: \(failed\|CHECK failed\)\|execve failed" "$log"; then
            echo "error: TSan did not run"
        else echo clean; fi ;;
    esac
}

# The first column is as wide as the longest "program arguments".
width=$(awk -F '\t' '$1 != "" && $1 !~ /^#/ {
    a = ($2 == "-") ? "" : $2; n = length($1 " " a); if (n > w) w = n } END {print w + 1}' "$tsv")
notes=""
printf '%-*s' "$width" "program"
for t in $tools; do printf ' %-18s' "$t"; done
echo
while IFS=$'\t' read -r prog args hg drd ts where; do
    case $prog in ''|'#'*) continue ;; esac
    [ -n "$run" ] && [ "$where" = host-only ] && continue
    [ "$args" = "-" ] && args=""
    printf '%-*s' "$width" "$prog $args"
    for t in $tools; do
        case $t in helgrind) want=$hg ;; drd) want=$drd ;; tsan) want=$ts ;; esac
        if [ "${want#n/a}" != "$want" ]; then
            printf ' %-18s' "n/a"
            notes="$notes  n/a, $prog × $t:${want#n/a:}"$'\n'
            continue
        fi
        got=$(verdict "$t" "$prog" "$args")
        if [ "$got" = "$want" ]; then
            pass=$((pass + 1)); printf ' %-18s' "$got"
        else
            fail=$((fail + 1)); printf ' %-18s' "WANT $want GOT $got"
        fi
        if [ -n "$show" ] && [ "$got" = race ]; then
            echo; echo "---- $t report: $prog $args"; grep -v '^==[0-9]*== *$' "$log" | head -n 80
        fi
    done
    echo
done <"$tsv"
printf '%s' "$notes"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
