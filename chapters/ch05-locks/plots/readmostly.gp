# readmostly.gp - a reader-writer lock against a mutex when most
# operations read: operations per second (all threads, 95% intervals) by the
# share of reads, one panel per critical section (8 words, 512 words); solid
# lines at the most threads measured, dashed at one thread.
# Data: readmostly.ops.tsv (lock, words, threads, reads_pct, ops_per_s, lo,
# hi) from `make bench-ch05` (bench/bench_readmostly.c).
if (!exists("in"))  in  = 'readmostly.ops.tsv'
if (!exists("out")) out = 'readmostly'
load style
locks = "mutex rwlock rwlock-writer ck_rwlock"
stats in using 3 nooutput
maxt = int(STATS_max)
# one-thread rows exist only in the full profile (make bench-ch05)
ones = int(system(sprintf("awk -F'\t' '$3 == 1' '%s' | wc -l", in)))
rows(lock, words, t) = sprintf("< awk -F'\t' '$1 == \"%s\" && $2 == %d && $3 == %d' '%s'", lock, words, t, in)
set style line 11 lc rgb "#1f77b4" lw 1.5 pt 6 ps 0.6 dt 2
set style line 12 lc rgb "#d62728" lw 1.5 pt 4 ps 0.6 dt 2
set style line 13 lc rgb "#2ca02c" lw 1.5 pt 8 ps 0.6 dt 2
set style line 14 lc rgb "#ff7f0e" lw 1.5 pt 10 ps 0.6 dt 2
set logscale y 10
set format y "10^{%L}"
set xrange [-0.3:3.3]
set xlabel "reads (% of operations)"
set ylabel "operations per second, all threads"
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 1200,520 enhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 1200,520 dynamic enhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 1,2 title sprintf("Read-mostly loads: rwlocks against a mutex (solid: %d threads%s)", maxt, ones > 0 && maxt > 1 ? ", dashed: 1" : "")
    do for [w in "8 512"] {
        set title sprintf("critical section of %s words (%s bytes)", w, w == "8" ? "64" : "4096")
        if (w == "8") { set key below horizontal maxrows 2 box opaque font ",8" } else { unset key }
        if (ones > 0 && maxt > 1) {
            plot for [i = 1:words(locks)] rows(word(locks, i), int(w), maxt) \
                     using 0:5:6:7:xtic(4) with yerrorlines ls i title word(locks, i).sprintf(" (%d)", maxt) noenhanced, \
                 for [i = 1:words(locks)] rows(word(locks, i), int(w), 1) \
                     using 0:5:6:7 with yerrorlines ls 10 + i title word(locks, i)." (1)" noenhanced
        } else {
            plot for [i = 1:words(locks)] rows(word(locks, i), int(w), maxt) \
                     using 0:5:6:7:xtic(4) with yerrorlines ls i title word(locks, i).sprintf(" (%d)", maxt) noenhanced
        }
    }
    unset multiplot
}
unset output
