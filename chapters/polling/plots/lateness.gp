# lateness.gp - how late the test sampler's ticks fire, plain pthreads
# timers against a 1 ms timer. Data: the lateness_s column (9) of the test
# blocks of timeseries_threads.tsv and timeseries_ms-timer.tsv (sweep.sh);
# `in` names the first, the second is found beside it.
if (!exists("in"))  in  = 'timeseries_threads.tsv'
if (!exists("out")) out = 'lateness'
other = in[1:strstrt(in, "timeseries_threads.tsv") - 1] . "timeseries_ms-timer.tsv"
load style
set title "Lateness of the poller's ticks (all intervals, 10 us bins)"
set xlabel "lateness (us)"
set ylabel "ticks"
set logscale y 10
set xrange [0:1500]
set key top right noenhanced
bin(x) = 10 * floor(x * 1e6 / 10) + 5
@png
plot in using (strcol(2) eq "t" ? bin($9) : NaN):(1) smooth frequency with steps ls 1 title "pthreads (clock_nanosleep)", \
     other using (strcol(2) eq "t" ? bin($9) : NaN):(1) smooth frequency with steps ls 2 title "1 ms timer, missed ticks at once"
@svg
replot
unset output
