#!/usr/bin/env bash
# perf.sh - a perf report of one command, or the closest thing this machine allows.
#
#   perf.sh OUTDIR NAME -- COMMAND [ARGS...]
#
# 1. perf stat with the book's event set (task-clock, context-switches,
#    page-faults, cycles, instructions, branches, branch-misses,
#    cache-references, cache-misses) when the CPU's counters are readable.
#    Many virtual machines have none: `perf stat -e instructions` then prints
#    "<not supported>" and still exits 0, so the output is checked, and only
#    the software events are kept.
# 2. perf record (cpu-clock sampling works everywhere) and the hottest symbols.
# 3. Without hardware counters: valgrind's cachegrind (instructions, D1/LL
#    misses, simulated branch mispredictions) and callgrind (costs per function,
#    inclusive): deterministic counts instead of measured ones.
# Writes OUTDIR/NAME.*.txt and ends with one summary line saying which was used.
set -u
out=$1 name=$2
shift 3
mkdir -p "$out"
base=$out/$name
hw_events=task-clock,context-switches,page-faults,cycles,instructions,branches,branch-misses,cache-references,cache-misses
sw_events=task-clock,context-switches,cpu-migrations,page-faults

if ! command -v perf >/dev/null 2>&1; then
    echo "perf: not installed (make deps-bench installs linux-perf)" >&2
    exit 1
fi
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo "?")
probe=$(perf stat -x, -e instructions true 2>&1)
if echo "$probe" | grep -q "not supported\|not counted\|<not"; then
    hw=no
else
    hw=yes
fi
{
    echo "# perf report of: $*"
    echo "# kernel.perf_event_paranoid = $paranoid (as root it does not matter; otherwise 2 allows"
    echo "# only user-space counting of your own processes)"
    echo "# hardware counters: $hw"
} >"$base.stat.txt"

events=$sw_events
[ "$hw" = yes ] && events=$hw_events
perf stat -e "$events" -o "$base.stat.tmp" -- "$@" >/dev/null 2>"$base.stderr.txt"
rc=$?
cat "$base.stat.tmp" >>"$base.stat.txt" 2>/dev/null
rm -f "$base.stat.tmp"
if [ "$rc" -ne 0 ]; then
    echo "perf: '$*' failed (exit $rc); see $base.stderr.txt" >&2
    exit 1
fi

perf record -q -F 999 -g -o "$base.perf.data" -- "$@" >/dev/null 2>>"$base.stderr.txt"
perf report -i "$base.perf.data" --stdio --no-children --percent-limit 2 --sort symbol \
    2>/dev/null | grep -v '^$' | head -n 60 >"$base.record.txt"
hot=$(awk '/^ +[0-9.]+%/ { for (i = 2; i < NF; i++) if ($i == "[.]" || $i == "[k]") {
                                 print $(i + 1) " " $1; exit } }' "$base.record.txt")

summary="perf $name: hardware counters $hw"
if [ "$hw" = yes ]; then
    ins=$(awk '/ instructions/ { print $1 }' "$base.stat.txt")
    bm=$(awk '/ branch-misses/ { print $1 }' "$base.stat.txt")
    cm=$(awk '/ cache-misses/ { print $1 }' "$base.stat.txt")
    summary="$summary; instructions $ins, branch-misses $bm, cache-misses $cm (perf stat)"
else
    valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes \
        --cachegrind-out-file="$base.cachegrind.out" "$@" >/dev/null 2>"$base.cachegrind.txt"
    cg_annotate "$base.cachegrind.out" 2>/dev/null | head -n 40 >>"$base.cachegrind.txt"
    valgrind --tool=callgrind --callgrind-out-file="$base.callgrind.out" "$@" \
        >/dev/null 2>"$base.callgrind.txt"
    callgrind_annotate --inclusive=yes "$base.callgrind.out" 2>/dev/null | head -n 40 \
        >>"$base.callgrind.txt"
    get() { sed -n "s/.*$1: *\([0-9,.%]*\).*/\1/p" "$base.cachegrind.txt" | head -n 1; }
    summary="$summary, so counts are cachegrind's: instructions $(get 'I *refs'), D1 miss rate $(get 'D1 *miss rate'), LL miss rate $(get 'LL miss rate'), mispredicts $(get 'Mispredicts')"
fi
[ -n "$hot" ] && summary="$summary; hottest: $hot"
echo "$summary"
echo "   files: $(cd "$out" && ls "$name".*.txt | tr '\n' ' ')"
