# reclaim.gp - the reclamation schemes on the same structures, beside the
# libraries: push+pop pairs per second (all threads, 95% intervals) by thread
# count for the Treiber stack and for the Michael-Scott queue, and the nodes
# retired but not yet freed during a two-thread run of the stack.
# Data: reclaim.throughput.tsv (shape, scheme, threads, ns_per_pair, lo, hi,
# M_pairs_per_s) and, beside it, reclaim.garbage.tsv (scheme, seconds,
# unreclaimed), both from `make bench-ch07` (bench/bench_reclaim.c).
if (!exists("in"))  in  = 'reclaim.throughput.tsv'
if (!exists("out")) out = 'reclaim'
garbage = system(sprintf("printf '%%s' '%s' | sed 's/throughput.tsv$/garbage.tsv/'", in))
load style
schemes = "hp ebr quiescent ck_hp ck_epoch urcu_memb urcu_qsbr"
# which of them each panel has (by their place above, which keeps each its colour):
# ck has no epoch-protected queue, and the quiescent scheme holds every node
has(panel) = panel eq "stack" ? "1 2 3 4 5 6 7" : panel eq "queue" ? "1 2 3 4 6 7" : "1 2 4 5 6 7"
rows(shape, s) = sprintf("< awk -F'\t' '$1 == \"%s\" && $2 == \"%s\"' '%s'", shape, s, in)
grows(s) = sprintf("< awk -F'\t' '$1 == \"%s\"' '%s'", s, garbage)
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 1500,500 enhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 1500,500 dynamic enhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 1,3 title "Reclamation: ours (hp, ebr, quiescent) against Concurrency Kit and userspace-rcu"
    set logscale x 2
    set xlabel "threads"
    set ylabel "million push+pop pairs per second, all threads"
    set yrange [0:*]
    set key top right box opaque font ",8"
    do for [shape in "stack queue"] {
        set title sprintf("%s (%s)", shape eq "stack" ? "Treiber stack" : "Michael-Scott queue", shape)
        plot for [k in has(shape)] rows(shape, word(schemes, int(k))) \
                 using 3:(1e3/$4):(1e3/$6):(1e3/$5) with yerrorlines ls int(k) title word(schemes, int(k)) noenhanced
        unset key
    }
    unset logscale x
    set title "nodes retired, not yet freed (stack, 2 threads)"
    set xlabel "seconds"
    set ylabel "unreclaimed nodes"
    set logscale y 10
    set yrange [1:*]
    set format y "10^{%L}"
    set key top right box opaque font ",8"
    plot for [k in has("garbage")] grows(word(schemes, int(k))) using 2:($3 < 1 ? 1 : $3) \
             with lines ls int(k) title word(schemes, int(k)) noenhanced
    unset logscale y
    set format y "% h"
    unset multiplot
}
unset output
