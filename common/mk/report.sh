#!/usr/bin/env bash
# report.sh - run every chapter's demos (quick profile) and write the report.
#
#   report.sh CHAPTER_DIR...
#
# Each chapter's `make demo` writes its outputs and figures under
# build/report/<id>/; this script collects the last line of each demo (its
# summary), the figures and the full outputs into build/report/index.md, and
# prints that path at the end. A demo the chapter lists in FAILS_ON_PURPOSE
# (a racy example that loses its race, a bug shown on purpose) reads "crashed as
# it should: SIGNAL" or "failed as it should: exit N"; any other non-zero exit
# fails the report, and its last lines name each failed step and its log.
# Exit status 1 if a demo failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/report
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
failed=0
failed_steps=()

# how_it_ended RC: "exit N", or the signal's name for a death by signal
how_it_ended() {
    if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
        echo "SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
    else
        echo "exit $1"
    fi
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain 2>/dev/null | grep -q . && echo "+changes" || true)

{
    echo "# Concurrency lab report"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| machine | $(uname -m), $cpu, $(nproc) CPUs |"
    echo "| compiler | $(gcc --version | head -n 1) |"
    echo "| revision | $rev$dirty |"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo
    echo "Every number below was measured on this machine in this run. Timings on a"
    echo "shared 2-CPU virtual machine are noisy; the chapter READMEs say what to expect."
} >"$out/index.md"

# Everything the demos run is built first, each chapter with make -j (the
# chapters share libraries, so one after another): the demos' own makes then
# find it built, and a fresh checkout's build uses every CPU.
jobs=$(nproc 2>/dev/null || echo 1)
echo "== report: building (make -j$jobs; log: build/report/build.log)"
for dir in "$@"; do
    targets=("programs benches")
    [ -f "$top/$dir/tests/races.tsv" ] && targets+=("SAN=tsan programs" "SAN=asan programs")
    for t in "${targets[@]}"; do
        # shellcheck disable=SC2086
        make --no-print-directory -j"$jobs" -C "$top/$dir" $t >>"$out/build.log" 2>&1 ||
            { echo "   $dir: make $t failed"; failed=1; failed_steps+=("$dir: make $t: build/report/build.log"); }
    done
done
echo "   built in $(($(date +%s) - start)) s"

for dir in "$@"; do
    name=$(basename "$dir")
    id=${name%%-*}
    title=$(sed -n '1s/^# *//p' "$top/$dir/README.md" 2>/dev/null)
    echo "== report: $id ($name)"
    t0=$(date +%s)
    make --no-print-directory -C "$top/$dir" demo REPORT_DIR="$out" 2>&1 | sed 's/^/   /'
    t1=$(date +%s)
    {
        echo
        echo "## $id: ${title:-$name}"
        echo
        echo "Demos took $((t1 - t0)) s. Source and explanations: [$dir/README.md](../../$dir/README.md)."
        echo
        echo "| demo | status | seconds | summary |"
        echo "|---|---|---:|---|"
        for rc_file in "$out/$id"/*.rc; do
            [ -e "$rc_file" ] || continue
            demo=$(basename "$rc_file" .rc)
            rc=$(cat "$rc_file")
            summary=$(tail -n 1 "$out/$id/$demo.txt" | sed 's/|/\\|/g; s/^==[0-9]*== //')
            status=ok
            if [ -e "$out/$id/$demo.on-purpose" ]; then
                case $rc in
                0) status="ok (its bug did not show this time)" ;;
                1[3-5][0-9]) status="crashed as it should: $(how_it_ended "$rc")" ;;
                *) status="failed as it should: $(how_it_ended "$rc")" ;;
                esac
            elif [ "$rc" != 0 ]; then
                status="**failed ($(how_it_ended "$rc"))**"
                failed=1
                failed_steps+=("$id/$demo ($(how_it_ended "$rc")): build/report/$id/$demo.txt")
            fi
            secs=$(cat "$out/$id/$demo.secs" 2>/dev/null || echo '?')
            echo "| $demo | $status | $secs | $summary |"
        done
        for md in "$out/$id"/*.md; do
            [ -e "$md" ] || continue
            echo
            sed 's/^# /#### /' "$md"
        done
        for png in "$out/$id"/*.png; do
            [ -e "$png" ] || continue
            echo
            echo "![$(basename "$png" .png)]($id/$(basename "$png"))"
        done
        for txt in "$out/$id"/*.txt; do
            [ -e "$txt" ] || continue
            echo
            echo "<details><summary>$(basename "$txt" .txt): full output</summary>"
            echo
            echo '```'
            head -n 200 "$txt"
            echo '```'
            echo "</details>"
        done
    } >>"$out/index.md"
done

echo >>"$out/index.md"
echo "Report written in $(($(date +%s) - start)) s." >>"$out/index.md"
echo "report: $out/index.md ($(($(date +%s) - start)) s)"
if [ "$failed" -ne 0 ]; then
    echo "report: ${#failed_steps[@]} step(s) failed:"
    printf '  %s\n' "${failed_steps[@]}"
fi
exit $failed
