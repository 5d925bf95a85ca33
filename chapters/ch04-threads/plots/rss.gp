# rss.gp - the telemetry server's resident memory over time under a flood
# of datagrams, with bounded channels (the default) and the book's unbounded
# ones. Data: rss.tsv (mode, t_s, rss_kib) from chapters/ch04-threads/rss_flood.sh,
# run by `make report`.
if (!exists("in"))  in  = 'rss.tsv'
if (!exists("out")) out = 'rss'
load style
set title "telem under a flood of 10^6 datagrams (slow egress): resident memory"
set xlabel "seconds since the server started"
set ylabel "RSS (MiB)"
set yrange [0:*]
set key top right box opaque
@png
plot in every ::1 using 2:(strcol(1) eq "unbounded" ? $3 / 1024 : 1/0) with lines ls 2 \
        title "--unbounded (the book)", \
     in every ::1 using 2:(strcol(1) eq "bounded" ? $3 / 1024 : 1/0) with lines ls 1 \
        title "bounded (capacity 1024, drops counted)"
@svg
replot
unset output
