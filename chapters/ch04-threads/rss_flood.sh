#!/usr/bin/env bash
# rss_flood.sh - the telemetry server's memory under a flood, bounded channels
# against the book's unbounded ones: telem's resident set size sampled every
# 50 ms while telem_send sends COUNT datagrams as fast as it can.
#
#   rss_flood.sh BUILD_DIR [COUNT]      (COUNT defaults to 1000000)
#
# Writes rss.tsv (mode, seconds since the server started, RSS in KiB) and the
# servers' own counts (rss-<mode>.txt) in the current directory; the last line
# compares the peaks.
set -eu
bin=$1 count=${2:-1000000} sink_us=${3:-10}
[ -x "$bin/telem" ] && [ -x "$bin/telem_send" ] || { echo "rss_flood.sh: build telem first" >&2; exit 2; }
echo -e "mode\tt_s\trss_kib" > rss.tsv
now() { echo "${EPOCHREALTIME/./}"; } # microseconds
for mode in bounded unbounded; do
    flag=; [ $mode = unbounded ] && flag=--unbounded
    # made before the server starts, so that the port poll below never reads a
    # file its shell has not created yet (under set -e that ended the script)
    : >"rss-$mode.txt"
    "$bin/telem" --port 0 --seconds 4 --flush-ms 1000 --sink-us "$sink_us" $flag > "rss-$mode.txt" 2>&1 &
    pid=$! t0=$(now) port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^telem: listening on 127.0.0.1://p' "rss-$mode.txt")
        [ -n "$port" ] && break
        sleep 0.02
    done
    [ -n "$port" ] || { echo "rss_flood.sh: telem did not start" >&2; kill $pid; exit 1; }
    sender_started=
    while kb=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status 2>/dev/null) && [ -n "$kb" ]; do
        us=$(($(now) - t0))
        printf '%s\t%d.%06d\t%s\n' $mode $((us / 1000000)) $((us % 1000000)) "$kb" >> rss.tsv
        if [ -z "$sender_started" ] && [ $us -gt 300000 ]; then
            "$bin/telem_send" --port "$port" --count "$count" > "send-$mode.txt" &
            sender_started=$!
        fi
        sleep 0.05
    done
    wait $pid
    wait "$sender_started"
    peak=$(awk -v m=$mode '$1 == m && $3 > p {p = $3} END {print p}' rss.tsv)
    echo "$mode: peak RSS $peak KiB; $(cat "send-$mode.txt"); $(tail -n 1 "rss-$mode.txt")"
    eval "peak_$mode=$peak"
done
echo "peak RSS under a flood of $count datagrams: bounded $((peak_bounded / 1024)) MiB, unbounded $((peak_unbounded / 1024)) MiB ($(awk "BEGIN {printf \"%.1f\", $peak_unbounded / $peak_bounded}")x)"
