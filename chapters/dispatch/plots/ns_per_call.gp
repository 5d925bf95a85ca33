# ns_per_call.gp - ns per call of each way of calling, no work in the
# callee, with the harness's 95% intervals. Data: bench_dispatch's dispatch.tsv
# (make bench-dispatch, or the quick run of make report).
if (!exists("in"))  in  = 'dispatch.tsv'
if (!exists("out")) out = 'ns_per_call'
load style
set title "One call, reached eight ways (no work in the callee)"
set ylabel "ns per call (95% interval)"
set yrange [0:*]
set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.8 border -1
set boxwidth 0.9
set key off
set xtics noenhanced
# bench_dispatch writes the work = 0 benchmarks first: the first eight rows.
@png
plot in every ::0::7 using 5:6:7:xtic(1) lc rgb "#1f77b4"
@svg
replot
unset output
