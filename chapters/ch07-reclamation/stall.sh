#!/usr/bin/env bash
# stall.sh - the trade-off of chapter 7 in one table: the same stack under
# hazard pointers and under epochs, while one more thread sleeps inside an
# operation for a second. Epochs cannot advance past it, so every node popped
# meanwhile stays unreclaimed until it wakes; hazard pointers hold one node.
#
#   stall.sh BUILD_DIR [OUT.tsv]      (default stall.tsv)
#
# Writes scheme, seconds, pairs/s per thread, unreclaimed, RSS KiB, stalled
# (1 while the thread sleeps) for the stall figure, and prints one line per
# scheme: the most unreclaimed during the stall and at the end.
set -eu
bin=$1/treiber_bench out=${2:-stall.tsv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '# scheme\tseconds\tpairs_per_s_per_thread\tunreclaimed\trss_kib\tstalled\n' >"$out"
for scheme in hp ebr; do
    "$bin" --reclaim "$scheme" --threads 2 --seconds 3 --interval-ms 50 \
        --stall 1s --stall-at 500ms --csv "$tmp/$scheme.tsv" >"$tmp/$scheme.txt"
    awk -v s="$scheme" -F'\t' '!/^#/ { print s "\t" $0 }' "$tmp/$scheme.tsv" >>"$out"
    awk -v s="$scheme" -F'\t' '!/^#/ { if ($5 == 1 && $3 > most) most = $3; last = $3 }
        END { printf "stall.sh: %s: at most %d nodes unreclaimed while a thread slept inside an operation, %d at the end\n", s, most, last }' \
        "$tmp/$scheme.tsv"
done
