#!/usr/bin/env bash
# summary.sh - add up the result files that runtest.sh wrote.
#
#   summary.sh TITLE RESULTS...
#
# Prints the failing steps, then "TITLE: N passed, N failed[, N skipped]".
# Exits 1 when anything failed or when no step ran at all.
set -u
title=$1
shift
files=()
for f in "$@"; do [ -f "$f" ] && files+=("$f"); done
if [ "${#files[@]}" -eq 0 ]; then
    echo "$title: no test results found (nothing ran)"
    exit 1
fi
awk -F'\t' -v title="$title" '
    { p += $3; f += $4; s += $5; steps++ }
    $4 > 0 { bad = bad sprintf("  failed: %s (%s), %d failing\n", $1, $2, $4) }
    END {
        printf "%s", bad
        if (s > 0) printf "%s: %d passed, %d failed, %d skipped\n", title, p, f, s
        else       printf "%s: %d passed, %d failed\n", title, p, f
        exit (f > 0 || steps == 0) ? 1 : 0
    }' "${files[@]}"
