# timeseries.gp - measured TPS over time at each polling interval, as
# the blog's Figure 1 (100 tasks, 10 ms delay), with the blog's elapsed time
# (left) and the actual one (right). Data: timeseries_<timer>.tsv from
# chapters/polling/sweep.sh: per interval a test block then a baseline block;
# columns interval_s, kind, t_s, count, actual_s, scheduled_s, tps_actual,
# tps_scheduled, lateness_s. The first two samples of each series are skipped.
if (!exists("in"))  in  = 'timeseries_ms-timer.tsv'
if (!exists("out")) out = 'timeseries'
load style
stats in using 1 nooutput
series = int(STATS_blocks / 2)
array iv[series]
do for [i = 1:series] {
    stats in index (2 * (i - 1)) using 1 nooutput
    iv[i] = STATS_min
}
set xlabel "time (s)"
set ylabel "measured TPS"
set key bottom left title "polling interval"
set yrange [*:*]
do for [term = 1:2] {
    if (term == 1) { @png } else { @svg }
    set key bottom left title "polling interval"
    set multiplot layout 1,2
    set title "elapsed from the scheduled tick (the blog)"
    plot for [i = 1:series] in index (2 * (i - 1)) every ::2 using 3:8 with lines ls i \
         title sprintf("%g ms", 1000 * iv[i])
    set title "elapsed from the actual swap"
    unset key
    plot for [i = 1:series] in index (2 * (i - 1)) every ::2 using 3:7 with lines ls i notitle
    unset multiplot
}
unset output
