#!/usr/bin/env bash
# branch_mispredicts.sh - count the mispredicted branches of branch.c with
# cachegrind's branch simulator: deterministic, and works where the CPU's own
# counters are not available (virtual machines; `perf stat` says <not supported>).
#
#   branch_mispredicts.sh PATH/TO/branch
#
# One pass over 1 MiB of bytes. Filling and sorting the buffer branch too, so the
# lines compare whole runs; the difference between them is the loop's branch.
set -eu
branch=$1
n=1048576
summary=""
for variant in branchy branchless; do
    for data in unsorted sorted; do
        miss=$(valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes \
                   --cachegrind-out-file=/dev/null \
                   "$branch" --data "$data" --variant "$variant" --passes 1 --size $n 2>&1 |
               sed -n 's/.*Mispredicts: *\([0-9,]*\) .*/\1/p' | tr -d , | head -n 1)
        printf '  %-10s %-9s %9s mispredicted branches (%s per byte)\n' "$variant" "$data" \
            "$miss" "$(awk -v m="$miss" -v n=$n 'BEGIN { printf "%.3f", m / n }')"
        summary="$summary $variant/$data=$miss"
    done
done
echo "branch_mispredicts (cachegrind, $n bytes):$summary"
