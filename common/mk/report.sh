#!/usr/bin/env bash
# report.sh - run every chapter's demos (quick profile) and write the report.
#
#   report.sh CHAPTER_DIR...
#
# Each chapter's `make demo` writes its outputs and figures under
# build/report/<id>/; this script collects the last line of each demo (its
# summary), the figures and the full outputs into build/report/index.md, and
# prints that path at the end. Exit status 1 if a demo failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/report
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
failed=0

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
        echo "| demo | status | summary |"
        echo "|---|---|---|"
        for rc_file in "$out/$id"/*.rc; do
            [ -e "$rc_file" ] || continue
            demo=$(basename "$rc_file" .rc)
            rc=$(cat "$rc_file")
            summary=$(tail -n 1 "$out/$id/$demo.txt" | sed 's/|/\\|/g; s/^==[0-9]*== //')
            status=ok
            if [ "$rc" != 0 ]; then status="**failed (exit $rc)**"; failed=1; fi
            echo "| $demo | $status | $summary |"
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
exit $failed
