# hopper.gp - hopper against the project's channel, Boost's lock-free
# queue and TBB's bounded queue with the book's parameters (4 senders, one
# receiver, 4096 and 8192 u64 items per run): items per second with 95%
# intervals; and the disk path alone in MB/s against raw write/read.
# Data: hopper.throughput.tsv (bench, impl, unit, per_s, lo, hi) from
# `make bench-ch05` (bench/bench_hopper.c).
if (!exists("in"))  in  = 'hopper.throughput.tsv'
if (!exists("out")) out = 'hopper'
load style
impls = "ours chan boost tbb"
names = "hopper chan boost::lockfree::queue tbb::concurrent\\_bounded\\_queue"
rows(impl, unit) = sprintf("< awk -F'\t' '$2 == \"%s\" && $3 == \"%s\"' '%s'", impl, unit, in)
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 noborder
set boxwidth 0.9
set yrange [0:*]
do for [term = 1:2] {
    if (term == 1) {
        set terminal pngcairo size 1100,480 enhanced font 'DejaVu Sans,10'
        set output out.'.png'
    } else {
        set terminal svg size 1100,480 dynamic enhanced font 'DejaVu Sans,10'
        set output out.'.svg'
    }
    set multiplot layout 1,2 title "hopper: 4 senders and a receiver, and its disk path"
    set title "millions of items per second (95% intervals)"
    set ylabel "Mitems/s"
    set key below horizontal box opaque font ",8"
    plot for [i = 1:words(impls)] rows(word(impls, i), "items") \
         using ($4/1e6):($5/1e6):($6/1e6):xtic(1) ls i title word(names, i)
    set title "the disk path: item bytes per second"
    set ylabel "MB/s"
    set logscale y 10
    set yrange [*:*]
    plot for [i in "ours raw"] rows(i, "MB") using 4:5:6:xtic(1) \
         ls (i eq "ours" ? 1 : 8) title (i eq "ours" ? "hopper (send, flush, receive)" : "raw write() + read()")
    unset logscale y
    set yrange [0:*]
    unset multiplot
}
unset output
