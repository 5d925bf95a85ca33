#!/usr/bin/env bash
# spawn_time.sh - the book's thread-spawn experiment, timed from the shell.
#
# Runs hello_seq and hello_par RUNS times each (stdout to /dev/null) under
# bash's `time`, in ROUNDS alternating rounds, and keeps each program's fastest
# round: the one the rest of the machine disturbed least. The two programs
# differ by one pthread_create + pthread_join, so the difference of the totals
# divided by RUNS is what the book calls the cost of a thread spawn. Most of
# each total is process start-up (fork, exec, the dynamic loader), so that
# difference is a small number read off two large, noisy ones; the script then
# runs spawn_cost, which times the same pair inside one process.
#
#   spawn_time.sh BUILD_DIR [RUNS] [ROUNDS]      (defaults: 100 runs, 5 rounds)
#
# Uses bash, coreutils and awk only. The last line is the summary.
set -eu
usage() {
    echo "spawn_time.sh: $1" >&2
    echo "usage: spawn_time.sh BUILD_DIR [RUNS] [ROUNDS]" >&2
    exit 2
}
if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage "BUILD_DIR (holding hello_seq, hello_par, spawn_cost) is needed"; fi
bin=$1 runs=${2:-100} rounds=${3:-5}
for p in hello_seq hello_par spawn_cost; do
    [ -x "$bin/$p" ] || usage "no $bin/$p: build the chapter first"
done
case $runs$rounds in *[!0-9]*) usage "RUNS and ROUNDS are counts" ;; esac
runs=$((10#$runs)) rounds=$((10#$rounds)) # "010" is ten, not octal eight
if [ "$runs" -eq 0 ] || [ "$rounds" -eq 0 ]; then usage "RUNS and ROUNDS must be at least 1"; fi
# Each program must work before its time means anything.
"$bin/hello_seq" >/dev/null && "$bin/hello_par" >/dev/null

# "real user sys" in seconds for RUNS runs of one program.
TIMEFORMAT='%3R %3U %3S'
time_runs() {
    { time for ((i = 0; i < runs; i++)); do "$bin/$1" >/dev/null; done; } 2>&1
}

echo "# $runs runs of each program per round, stdout to /dev/null; seconds (real user sys)"
rows=
for ((r = 1; r <= rounds; r++)); do
    seq=$(time_runs hello_seq) par=$(time_runs hello_par)
    echo "round $r: hello_seq $seq   hello_par $par"
    rows+="$seq $par"$'\n'
done

inproc=$("$bin/spawn_cost" | tail -n 1)
median_us=$(echo "$inproc" | sed -n 's/.*median \([0-9.]*\) us.*/\1/p')
echo "$inproc"

printf '%s' "$rows" | awk -v runs="$runs" -v inproc_us="${median_us:-nan}" '
    NR == 1 || $1 < sr { sr = $1; su = $2; ss = $3 }
    NR == 1 || $4 < pr { pr = $4; pu = $5; ps = $6 }
    { d = ($4 - $1) / runs * 1000
      if (NR == 1 || d < dmin) dmin = d
      if (NR == 1 || d > dmax) dmax = d }
    END {
        printf "fastest round: hello_seq real %.3f s (user %.3f, sys %.3f); hello_par real %.3f s (user %.3f, sys %.3f)\n", sr, su, ss, pr, pu, ps
        printf "per round, (par - seq) / %d runs ranged from %.3f to %.3f ms\n", runs, dmin, dmax
        printf "spawn_time: thread spawn cost from process timing: %.3f ms per run; in one process (spawn_cost median): %.3f ms; the book: 0.24 ms\n", (pr - sr) / runs * 1000, inproc_us / 1000
    }'
