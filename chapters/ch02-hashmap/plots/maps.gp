# maps.gp - ns per operation against the number of entries, one panel per
# operation, every map of bench/bench_maps.c on each (ours solid, peers
# dashed), and the bytes each map holds per entry. Data: maps.ns.tsv (map, impl,
# size, op, ns, lo, hi, bytes_per_entry) from `make bench-ch02`.
if (!exists("in"))  in  = 'maps.ns.tsv'
if (!exists("out")) out = 'maps'
load style
maps = "swiss swiss-portable robinhood naive absl unordered_map ck_rhs ck_hs glib uthash"
ops = "insert hit miss mixed delete"
# The rows of one map and one operation, through awk: a filter inside `using`
# would leave gaps that break the lines.
rows(map, op) = sprintf("< awk -F'\t' '$1 == \"%s\" && $4 == \"%s\"' '%s'", map, op, in)
set style line 9 lc rgb "#bcbd22" lw 2 pt 10 ps 0.6 dt 2
set style line 10 lc rgb "#e377c2" lw 2 pt 12 ps 0.6 dt 2
set logscale x 10
set logscale y 10
set format x "10^{%L}"
set xrange [500:2e7]
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 1500,900 enhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 1500,900 dynamic enhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 2,3 title "64-bit keys and values: ns per operation (95% intervals), by entries in the map"
    do for [o = 1:5] {
        op = word(ops, o)
        set title op
        set xlabel "entries"
        set ylabel "ns per operation"
        if (o == 1) { set key top left box opaque font ',8' } else { unset key }
        plot for [i = 1:words(maps)] rows(word(maps, i), op) using 3:5:6:7 \
             with yerrorlines ls i title word(maps, i) noenhanced
    }
    set title "memory"
    set ylabel "bytes per entry (malloc'd)"
    unset key
    plot for [i = 1:words(maps)] rows(word(maps, i), "insert") using 3:8 \
         with linespoints ls i notitle
    unset multiplot
}
unset output
