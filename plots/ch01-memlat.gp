# ch01-memlat.gp - load latency against working-set size (memlat --tsv).
#   gnuplot -e "in='memlat.tsv'; out='memlat'" plots/ch01-memlat.gp
# Writes out.png and out.svg. No timestamps, so the SVG is stable between runs.
if (!exists("in"))  in  = 'memlat.tsv'
if (!exists("out")) out = 'memlat'
set datafile separator "\t"
set title "Latency of one dependent load, by working-set size (pointer chase)"
set xlabel "working set"
set ylabel "ns per load"
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xtics 4
set grid xtics ytics mytics
set key off
set style data linespoints
set terminal pngcairo size 900,520 enhanced font "DejaVu Sans,10"
set output out.'.png'
plot in using ($1*1024):2 pt 7 ps 0.6 lw 2 lc rgb "#1f77b4"
set terminal svg size 900,520 dynamic enhanced font "DejaVu Sans,10"
set output out.'.svg'
replot
unset output
