#!/usr/bin/env bash
# check_all.sh - make check over many places, on every CPU.
#
#   check_all.sh JOBS RESULTS_DIR LOG_DIR DIR...
#
# The environment's SUBMAKE is the make command (with ARCH= and SAN=). Two
# phases: first each DIR's check-build, one DIR after another but each with
# make -jJOBS (the places share libraries, which two makes must not build at
# once); then each DIR's check-run, JOBS of them side by side, each into its own
# log LOG_DIR/<dir>.log, printed whole when it ends. A DIR whose build or run
# failed without recording a failing step (a compile error, a make error) gets
# a failing row `<dir>/make` in RESULTS_DIR/<dir>.make.tsv, so the summary
# cannot miss it. The places that took longest last time (LOG_DIR/durations)
# start first, so that one long place does not run alone at the end.
#
# ALSO_NAME and ALSO_RUN, when both are set, add one more job to the pool after
# the build: the command ALSO_RUN (run by bash), logged as LOG_DIR/ALSO_NAME.log
# like a place (make check ARCH=aarch64 runs ci/on-pi so).
set -u
jobs=$1 results=$2 logs=$3
shift 3
: "${SUBMAKE:?check_all.sh needs SUBMAKE}"
mkdir -p "$results" "$logs"
lock=$logs/.print.lock
: >"$lock"

record_failure() { # record_failure DIR WHAT
    local name
    name=$(basename "$1")
    printf '%s/make\t%s\t0\t1\t0\t0.0\n' "${name%%-*}" "$2" >>"$results/$name.make.tsv"
    echo "check: $1: $2 failed"
}

# The places, longest last time first; in the given order the first time.
jobs_all=("$@")
[ -n "${ALSO_NAME:-}" ] && [ -n "${ALSO_RUN:-}" ] && jobs_all+=("$ALSO_NAME")
order=()
while read -r d; do order+=("$d"); done < <(
    for d in "${jobs_all[@]}"; do
        s=$(awk -v d="$d" '$1 == d { print $2 }' "$logs/durations" 2>/dev/null)
        echo "${s:-0} $d"
    done | sort -s -k1,1nr | cut -d' ' -f2-)

start=$(date +%s)
for d in "$@"; do
    # shellcheck disable=SC2086
    $SUBMAKE -j"$jobs" -C "$d" check-build || record_failure "$d" build
done
echo "check: built in $(($(date +%s) - start)) s; running ${#jobs_all[@]} jobs, $jobs at a time"

run_one() { # run_one DIR: its check-run into its log, printed whole at the end
    local d=$1 log rc t0
    log=$logs/$(basename "$d").log
    t0=$(date +%s)
    if [ "$d" = "${ALSO_NAME:-}" ]; then
        bash -c "$ALSO_RUN" >"$log" 2>&1
    else
        # shellcheck disable=SC2086
        $SUBMAKE -C "$d" check-run >"$log" 2>&1
    fi
    rc=$?
    [ $rc -eq 0 ] || record_failure "$d" "check-run (exit $rc)" >>"$log"
    echo "   ($d: $(($(date +%s) - t0)) s)" >>"$log"
    echo "$d $(($(date +%s) - t0))" >>"$logs/durations.new"
    flock "$lock" cat "$log"
}

rm -f "$logs/durations.new"
for d in "${order[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_one "$d" &
done
wait
mv -f "$logs/durations.new" "$logs/durations"
echo "check: all places ran in $(($(date +%s) - start)) s"
