#!/usr/bin/env bash
# instructions.sh - instructions per push+pop pair under each reclamation
# scheme, counted by cachegrind (this machine need not have hardware counters,
# and the count is the same on every run), beside the book's perf figures.
#
#   instructions.sh BUILD_DIR [OUT.tsv]      (default instructions.tsv)
#
# Each scheme runs twice, with n and 2n pairs a thread; the difference of the
# two counts over the difference of the pairs is the cost of one pair, without
# the start-up. Under valgrind the threads take turns, so this is the cost of
# a pair that meets no contention (no failed CAS); the book's counts come from
# four threads contending on real hardware.
set -eu
bin=$1/treiber_bench out=${2:-instructions.tsv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# instructions and pairs of one run: "IREFS PAIRS"
count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$bin" --reclaim "$1" --threads 2 --iters "$2" \
        >"$tmp/out.txt" 2>"$tmp/err.txt"
    irefs=$(sed -n 's/.*I *refs: *//p' "$tmp/err.txt" | tr -d ,)
    pairs=$(sed -n 's/.*: \([0-9]*\) pairs in .*/\1/p' "$tmp/out.txt")
    echo "$irefs $pairs"
}
printf '# scheme\tinstructions_per_pair\tbook_x86\tbook_arm\n' >"$out"
declare -A per
for scheme in hp ebr quiescent; do
    read -r i1 p1 < <(count "$scheme" 1000000)
    read -r i2 p2 < <(count "$scheme" 2000000)
    per[$scheme]=$(awk -v a="$i1" -v b="$i2" -v p="$p1" -v q="$p2" 'BEGIN { printf "%.0f", (b - a) / (q - p) }')
    case $scheme in
    hp) book="1972	5429" ;;
    ebr) book="603	804" ;;
    *) book="-	-" ;;
    esac
    printf '%s\t%s\t%s\n' "$scheme" "${per[$scheme]}" "$book" >>"$out"
    printf 'instructions.sh: %-9s %5s instructions per push+pop pair\n' "$scheme" "${per[$scheme]}"
done
awk -v h="${per[hp]}" -v e="${per[ebr]}" 'BEGIN {
    printf "instructions.sh: hazard pointers / epochs = %.2fx per pair here (the book, conc against crossbeam-epoch: 3.27x on x86, 6.75x on ARM)\n", h / e }'
