# rings.gp - the bounded rings of lib/ against ck_ring, Boost.Lockfree
# and TBB: values (or round trips) per second with 95% intervals, one panel per
# benchmark and mode (spsc/throughput/near and .../far, by the cache-line
# round trip measured before each sample; only one of them when the round
# trips did not split; .../all on one CPU); ours in colour, the peers in grey.
# Data: rings.per_s.tsv (bench, queue, ours, per_s, lo, hi) from
# `make bench-ch06` (bench/bench_rings.c).
if (!exists("in"))  in  = 'rings.per_s.tsv'
if (!exists("out")) out = 'rings'
load style
benches = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"bench\" && !seen[$1]++ { printf \"%%s \", $1 }' '%s'", in))
rows(b) = sprintf("< awk -F'\t' '$1 == \"%s\"' '%s'", b, in)
set style fill solid 0.85 noborder
set boxwidth 0.7
set logscale y 10
set format y "%.0e"
set xtics rotate by -35 nomirror
set yrange [*:*]
unset key
width = words(benches) > 3 ? 400 * words(benches) : 1300
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size width,480 noenhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size width,480 dynamic noenhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 1,words(benches) title "Bounded rings: ours (blue) against ck_ring, Boost.Lockfree and TBB (grey), 95% intervals"
    do for [i = 1:words(benches)] {
        b = word(benches, i)
        set title b
        set ylabel (strstrt(b, "round_trip") > 0 ? "round trips per second" : "values per second")
        plot rows(b) using 0:4:($3 == 1 ? 0x1f77b4 : 0x9a9a9a):xtic(2) with boxes lc rgb variable, \
             rows(b) using 0:4:5:6 with yerrorbars lc rgb "#333333" pt -1
    }
    unset multiplot
}
unset output
