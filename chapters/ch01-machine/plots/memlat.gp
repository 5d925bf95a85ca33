# memlat.gp - load latency against working-set size (memlat --tsv).
# Data: memlat.tsv (kib, ns_per_load), made by `make report` or
#   build/x86_64/ch01-machine/memlat --tsv memlat.tsv
if (!exists("in"))  in  = 'memlat.tsv'
if (!exists("out")) out = 'memlat'
load style
set title "Latency of one dependent load, by working-set size (pointer chase)"
set xlabel "working set"
set ylabel "ns per load"
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xtics 4
set key off
@png
plot in using ($1*1024):2 with linespoints ls 1
@svg
replot
unset output
