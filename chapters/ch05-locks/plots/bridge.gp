# bridge.gp - fairness of the rope bridge: how many travellers cross one
# way before the other way gets the rope (bridge --tsv).
# Data: bridge.tsv (bin label, len_lo, len_hi, right_runs, left_runs,
#   right_pct, left_pct: runs by length in log2 bins, and the share of each
#   direction's crossings made in runs of that length), made by `make report` or
#   build/x86_64/ch05-locks/bridge --tsv bridge.tsv
if (!exists("in"))  in  = 'bridge.tsv'
if (!exists("out")) out = 'bridge'
load style
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 noborder
set boxwidth 0.9
set xlabel "run length (crossings one way in a row)"
set xtics rotate by -35 nomirror
set rmargin 4
set key top right box opaque
stats in using 4 nooutput
top = STATS_max
stats in using 5 nooutput
top = 3 * (STATS_max > top ? STATS_max : top)
do for [term = 1:2] {
    if (term == 1) { @png } else { @svg }
    set multiplot layout 1,2 title "The rope bridge: travellers that crossed one way before the other way's turn"
    set title "runs of each length"
    set ylabel "runs"
    set yrange [0.7:top]
    set logscale y 10
    set key top left
    plot in using ($4 > 0 ? $4 : NaN):xtic(1) title "rightward (LHS sends)" ls 1, \
         '' using ($5 > 0 ? $5 : NaN) title "leftward (RHS sends)" ls 2
    unset logscale y
    set title "where the crossings happened"
    set ylabel "% of that direction's crossings"
    set yrange [0:*]
    set key top right
    plot in using 6:xtic(1) title "rightward" ls 1, '' using 7 title "leftward" ls 2
    unset multiplot
}
unset output
