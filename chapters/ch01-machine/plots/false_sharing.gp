# false_sharing.gp - ns per increment by layout and implementation, with
# the 95% intervals of the benchmark harness. Data: bench_false_sharing's
# false_sharing.tsv (make bench-ch01, or the quick run of make report).
if (!exists("in"))  in  = 'false_sharing.tsv'
if (!exists("out")) out = 'false_sharing'
load style
set title "Two threads incrementing their own counters: one cache line vs one line each"
set ylabel "ns per increment (95% interval)"
set logscale y 10
set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -25 left
set key off
@png
plot in using 5:6:7:xtic(sprintf("%s [%s]", strcol(1), strcol(2))) lc rgb "#1f77b4"
@svg
replot
unset output
