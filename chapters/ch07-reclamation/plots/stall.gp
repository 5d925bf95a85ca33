# stall.gp - the key trade-off of chapter 7: one thread sleeps for a
# second inside an operation while two others push and pop. Under epochs the
# epoch cannot advance past it and every node popped meanwhile stays
# unreclaimed until it wakes; under hazard pointers it holds one node. Top:
# unreclaimed nodes; bottom: push+pop pairs per second per thread.
# Data: stall.tsv (scheme, seconds, pairs_per_s_per_thread, unreclaimed,
# rss_kib, stalled) from chapters/ch07-reclamation/stall.sh (make report).
if (!exists("in"))  in  = 'stall.tsv'
if (!exists("out")) out = 'stall'
load style
stats sprintf("< awk -F'\t' '!/^#/' '%s'", in) using 4 nooutput
top = 10 ** ceil(log10(STATS_max > 10 ? STATS_max : 10) + 0.5)
rows(s) = sprintf("< awk -F'\t' '$1 == \"%s\"' '%s'", s, in)
stall(s) = sprintf("< awk -F'\t' '$1 == \"%s\" && $6 == 1' '%s'", s, in)
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 900,700 enhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 900,700 dynamic enhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 2,1 title "A thread stalled inside an operation (shaded: while it sleeps)"
    set logscale y 10
    set format y "10^{%L}"
    set yrange [1:top]
    set ylabel "nodes retired, not yet freed"
    set key top right box opaque
    set style fill transparent solid 0.15 noborder
    plot stall("ebr") using 2:(1):(top) with filledcurves lc rgb "#999999" notitle, \
         rows("hp") using 2:($4 < 1 ? 1 : $4) with linespoints ls 1 title "hazard pointers", \
         rows("ebr") using 2:($4 < 1 ? 1 : $4) with linespoints ls 2 title "epochs"
    unset logscale y
    set format y "% h"
    set yrange [0:*]
    set xlabel "seconds"
    set ylabel "push+pop pairs per second per thread"
    plot rows("hp") using 2:3 with linespoints ls 1 title "hazard pointers", \
         rows("ebr") using 2:3 with linespoints ls 2 title "epochs"
    unset multiplot
}
unset output
