#!/usr/bin/env bash
# sweep.sh - the polling experiments behind this chapter's figures.
#
#   sweep.sh POLL_ATOMICS OUTDIR [--quick]
#
# Full (make bench-polling, about 10 minutes): the blog's ten configurations,
# 100 and 500 tasks at its five (delay, noise) settings (500/100 ms, 100/40 ms,
# 10/4 ms, 200/80 us, 10/4 us; the noise defaults to those), nine intervals from
# 500 ms to 0.1 ms, 3 s each, with plain pthreads timers and with a 1 ms timer
# that fires missed ticks at once (the blog's runtime); and the blog's time
# series (100 tasks, 10 ms) in both.
# Quick (make report): 100 tasks at 10 ms, four intervals, 1.2 s each.
# Writes OUTDIR/summary_<timer>_<tasks>_<delay>.tsv, OUTDIR/timeseries_<timer>.tsv
# and OUTDIR/error_vs_interval.tsv (all configurations, for the figure).
set -eu
poll=$1 out=$2 quick=${3:-}
mkdir -p "$out"
if [ "$quick" = --quick ]; then
    configs="100:10ms"
    intervals=100ms,10ms,1ms,100us
    phase=1.2 baseline=500ms ts_phase=1.2 ts_intervals=500ms,50ms,10ms
else
    configs="100:500ms 500:500ms 100:100ms 500:100ms 100:10ms 500:10ms 100:200us 500:200us 100:10us 500:10us"
    intervals=500ms,200ms,100ms,50ms,25ms,10ms,1ms,500us,100us
    phase=3 baseline=1s ts_phase=3 ts_intervals=1s,500ms,200ms,50ms,10ms
fi

: >"$out/error_vs_interval.tsv.tmp"
for timer in threads ms-timer; do
    gran=0
    [ "$timer" = ms-timer ] && gran=1ms
    for cfg in $configs; do
        tasks=${cfg%%:*} delay=${cfg#*:}
        name=${timer}_${tasks}_${delay}
        echo "== $name"
        "$poll" --tasks "$tasks" --delay "$delay" --intervals "$intervals" --phase "$phase" \
            --baseline "$baseline" --timer-gran "$gran" --summary "$out/summary_$name.tsv" |
            tail -n 1
        # One block per configuration for gnuplot (two blank lines between blocks).
        [ -s "$out/error_vs_interval.tsv.tmp" ] && printf '\n\n' >>"$out/error_vs_interval.tsv.tmp"
        { echo "# $timer, $tasks tasks, $delay"; grep -v '^#' "$out/summary_$name.tsv"; } \
            >>"$out/error_vs_interval.tsv.tmp"
    done
    echo "== timeseries_$timer"
    "$poll" --tasks 100 --delay 10ms --intervals "$ts_intervals" --phase "$ts_phase" \
        --baseline "$baseline" --timer-gran "$gran" --tsv "$out/timeseries_$timer.tsv" | tail -n 1
done
mv "$out/error_vs_interval.tsv.tmp" "$out/error_vs_interval.tsv"
echo "sweep: results in $out"
