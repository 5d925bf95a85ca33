# amdahl.gp - speedup against processor count: Amdahl's law (a fixed job,
# solid) and Gustafson's (a job grown with the machine, dashed), one colour per
# serial fraction s. Data: amdahl.tsv from `amdahl --tsv amdahl.tsv` (run by
# `make report`): a header line (n amdahl_S... gustafson_S...), then a row per N.
# If amdahl-measured.tsv lies beside it (`amdahl --measure --tsv
# amdahl-measured.tsv`), the speedups measured on this machine are drawn too.
if (!exists("in"))  in  = 'amdahl.tsv'
if (!exists("out")) out = 'amdahl'
load style
stats in using 1 nooutput
k = (STATS_columns - 1) / 2
header = system("head -n 1 '" . in . "'")
s_of(i) = word(header, i + 1)[8:]       # "amdahl_0.05" -> "0.05"
meas = in[1:strlen(in) - 4] . '-measured.tsv'
have_meas = strstrt(system("test -s '" . meas . "' && echo yes"), "yes") > 0
measured = have_meas ? ", '" . meas . "' every ::1 using 1:3 with linespoints lc rgb 'black' " \
    . "dt 1 pt 7 ps 1 title 'measured here (amdahl --measure)'" : ""
set title "Speedup on N processors, by serial fraction s"
set xlabel "processors N"
set ylabel "speedup"
set logscale x 2
set logscale y 2
set xrange [1:1024]
set yrange [1:1024]
set key top left noenhanced
@png
plot NaN with lines lc rgb 'black' dt 1 title "Amdahl: fixed job", \
     NaN with lines lc rgb 'black' dt 2 title "Gustafson: job grown with N", \
     for [i=1:k] in every ::1 using 1:i+1 with lines ls ((i-1)%8+1) dt 1 title "s = " . s_of(i), \
     for [i=1:k] in every ::1 using 1:k+i+1 with lines ls ((i-1)%8+1) dt 2 notitle @measured
@svg
replot
unset output
