# style.gp - the one look of every figure; each chapter's plots/<name>.gp loads it.
# Sets the colours, font, grid and the two terminals; a script then calls
# `set output out.'.png'` / `.svg` through the macros below:
#   @png; plot ...; @svg; replot; unset output
set datafile separator "\t"
set grid xtics ytics lc rgb "#dddddd"
set border 3 lc rgb "#555555"
set tics nomirror
set key top left box opaque
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.6
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 0.6
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 0.6
set style line 4 lc rgb "#ff7f0e" lw 2 pt 11 ps 0.6
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 0.6
set style line 6 lc rgb "#8c564b" lw 2 pt 4 ps 0.6 dt 2
set style line 7 lc rgb "#17becf" lw 2 pt 6 ps 0.6 dt 2
set style line 8 lc rgb "#7f7f7f" lw 2 pt 8 ps 0.6 dt 2
png = "set terminal pngcairo size 900,520 enhanced font 'DejaVu Sans,10'; set output out.'.png'"
svg = "set terminal svg size 900,520 dynamic enhanced font 'DejaVu Sans,10'; set output out.'.svg'"
