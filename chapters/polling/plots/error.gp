# error.gp - the rate's error against the polling interval, for each
# timer and each way of taking elapsed time, over the blog's own range.
# Data: error_vs_interval.tsv from chapters/polling/sweep.sh (one block per
# configuration: interval_s, tps, sd, err_sched_mean, err_sched_sum,
# err_actual_mean, err_actual_sum, lateness_us, samples).
if (!exists("in"))  in  = 'error_vs_interval.tsv'
if (!exists("out")) out = 'error'
if (!exists("top")) top = '.'
blog = top.'/chapters/polling/plots/blog-error.tsv'
load style
set title "Polling a counter: error of the measured rate against a 1 s baseline"
set xlabel "polling interval (s)"
set ylabel "|error| (%), log scale; floor 0.001%"
set logscale x 10
set logscale y 10
set format x "10^{%L}"
set format y "%g"
set yrange [0.001:150]
# Errors are signed (positive: the test sampler reads low); a log axis needs
# their size, and the correct columns hover around zero, so clamp at 0.001%.
mag(v) = abs(v) > 0.001 ? abs(v) : 0.001
set key below noenhanced
stats in using 1 nooutput
blocks = STATS_blocks
@png
plot blog using 1:2:3 with filledcurves lc rgb "#dddddd" title "the blog (tokio), range over 10 configs", \
     for [i = 0:blocks - 1] in index i using 1:(mag($4)) with linespoints ls (i < blocks / 2 ? 1 : 2) \
         title (i == 0 ? "scheduled elapsed, mean of rates: pthreads" : i == blocks / 2 ? "scheduled elapsed, mean of rates: 1 ms timer" : ""), \
     for [i = 0:blocks - 1] in index i using 1:(mag($7)) with linespoints ls 3 \
         title (i == 0 ? "actual elapsed, sum/sum: every configuration" : "")
@svg
replot
unset output
