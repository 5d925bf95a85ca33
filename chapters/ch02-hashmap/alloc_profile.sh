#!/usr/bin/env bash
# alloc_profile.sh - what the runner programs allocate: memcheck's heap summary
# (allocations, frees, bytes) and massif's peak, for each of the three.
#
#   alloc_profile.sh BUILD_DIR [OUTDIR]
#
# The book printed "7 allocs, 7 frees, 2,032 bytes" for both standard and
# naive: the figures of its hello world, not of maps holding 35,000 entries.
# These are measured. Massif's output files go to OUTDIR (default: .).
set -eu
bin=$1 out=${2:-.}
mkdir -p "$out"
printf '%-12s %10s %10s %16s %14s\n' runner allocs frees "bytes allocated" "peak heap"
for r in standard naive specialized; do
    mc=$(valgrind --tool=memcheck --leak-check=full "$bin/$r" --hash-seed 1 2>&1 >/dev/null |
         sed -n 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees, \([0-9,]*\) bytes allocated.*/\1 \2 \3/p')
    [ -n "$mc" ] || { echo "alloc_profile.sh: no heap summary from memcheck for $r" >&2; exit 1; }
    valgrind --tool=massif --massif-out-file="$out/massif.$r.out" "$bin/$r" --hash-seed 1 >/dev/null 2>&1
    peak=$(awk -F= '/^mem_heap_B/ { if ($2 > m) m = $2 } END { print m + 0 }' "$out/massif.$r.out")
    # shellcheck disable=SC2086
    printf '%-12s %10s %10s %16s %14s\n' "$r" $mc "$peak B"
done
echo "alloc_profile: memcheck and massif on the runners (massif.<runner>.out in $out; ms_print shows the growth)"
