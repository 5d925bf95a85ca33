# overhead.gp - each way of calling against a direct call, as the work
# inside the call grows: the overheads fade. Data: dispatch.overhead.tsv
# (work_units, work_ns, variant, ratio_to_direct, ci_lo, ci_hi).
if (!exists("in"))  in  = 'dispatch.overhead.tsv'
if (!exists("out")) out = 'overhead'
load style
set title "Time per call relative to a direct call, by the work each call does"
set xlabel "time of a direct call with that much work (ns)"
set ylabel "ratio to a direct call (95% interval)"
set logscale x 10
set logscale y 2
set key top right
set key noenhanced
# The file holds one block per variant (separated by two blank lines), in this order.
names = "inline fnptr fnptr_double vtable switch malloc edge"
@png
plot for [i = 1:words(names)] in index (i - 1) using 2:4:5:6 with yerrorlines ls i \
     title word(names, i)
@svg
replot
unset output
