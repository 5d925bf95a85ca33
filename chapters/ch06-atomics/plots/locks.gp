# locks.gp - the locks of spin.h beside pthread's and Concurrency Kit's:
# lock/unlock pairs per second (all threads, 95% intervals) by threads, ours
# solid and the peers dashed; and each lock's fairness at the most threads
# (the least served thread's share of the most served one's).
# Data: locks.throughput.tsv (lock, ours, threads, per_s, lo, hi, min_share,
# jain) from `make bench-ch06` (bench/bench_locks.c).
if (!exists("in"))  in  = 'locks.throughput.tsv'
if (!exists("out")) out = 'locks'
load style
ours = "swap cas ttas ticket mcs futex"
peers = "pthread pthread_spin ck_fas ck_cas ck_ticket ck_mcs"
stats in using 3 nooutput
maxt = int(STATS_max)
rows(lock) = sprintf("< awk -F'\t' '$1 == \"%s\"' '%s'", lock, in)
set style line 11 lc rgb "#1f77b4" lw 1.5 pt 6 ps 0.7 dt 2
set style line 12 lc rgb "#d62728" lw 1.5 pt 4 ps 0.7 dt 2
set style line 13 lc rgb "#2ca02c" lw 1.5 pt 8 ps 0.7 dt 2
set style line 14 lc rgb "#ff7f0e" lw 1.5 pt 10 ps 0.7 dt 2
set style line 15 lc rgb "#9467bd" lw 1.5 pt 12 ps 0.7 dt 2
set style line 16 lc rgb "#8c564b" lw 1.5 pt 14 ps 0.7 dt 2
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 1200,520 noenhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 1200,520 dynamic noenhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 1,2 title "Locks built from atomics (solid) against pthread and Concurrency Kit (dashed)"
    set title "lock/unlock pairs per second, all threads"
    set xlabel "threads"
    set ylabel "per second"
    set logscale y 10
    set format y "%.0e"
    set xtics 1
    set xrange [0.8:maxt + 0.2]
    set key below horizontal maxrows 3 box opaque font ',8'
    plot for [i = 1:words(ours)] rows(word(ours, i)) using 3:4:5:6 with yerrorlines ls i \
             title word(ours, i) noenhanced, \
         for [i = 1:words(peers)] rows(word(peers, i)) using 3:4:5:6 with yerrorlines ls 10 + i \
             title word(peers, i) noenhanced
    unset logscale y
    set format y "%g"
    set title sprintf("fairness at %d threads: the least served thread's share of the most served one's", maxt)
    set xlabel ""
    set ylabel "min / max acquisitions"
    set yrange [0:1.05]
    set xrange [*:*]
    set xtics rotate by -35 nomirror
    set style fill solid 0.85 noborder
    set boxwidth 0.7
    unset key
    plot sprintf("< awk -F'\t' '$3 == %d' '%s'", maxt, in) using 0:7:($2 == 1 ? 0x1f77b4 : 0x7f7f7f):xtic(1) \
         with boxes lc rgb variable notitle
    set yrange [*:*]
    set xtics norotate
    unset multiplot
}
unset output
