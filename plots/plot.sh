#!/usr/bin/env bash
# plot.sh - the figure pipeline: draw one figure with its gnuplot script, from the first data file
# that exists, or say which command makes the data.
#
#   plot.sh SCRIPT OUT_BASE SNAPSHOT_DIR MAKE_HINT DATA...
#
# Writes OUT_BASE.png and OUT_BASE.svg; with a SNAPSHOT_DIR ("-" for none)
# also copies them there for a README, with a .txt naming machine and date.
# Exit status: 0 drawn, 3 no data yet (the line printed names the command that
# makes it), 1 gnuplot failed.
set -u
script=$1 out=$2 snap=$3 hint=$4
shift 4
data=""
for d in "$@"; do
    if [ -s "$d" ]; then data=$d; break; fi
done
name=$(basename "$out")
if [ -z "$data" ]; then
    echo "   no data for the $name figure: run '$hint' first"
    exit 3
fi
mkdir -p "$(dirname "$out")"
top=$(cd "$(dirname "$0")/.." && pwd)
if ! gnuplot -e "in='$data'; out='$out'; top='$top'; style='$top/plots/style.gp'" "$script"; then
    echo "   gnuplot failed on $script"
    exit 1
fi
echo "   figure: ${out#"$top"/}.png (data: ${data#"$top"/})"
if [ "$snap" != - ]; then
    mkdir -p "$snap"
    cp "$out.png" "$out.svg" "$snap/"
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    echo "$name.png, $name.svg: drawn by make on $(uname -m), ${cpu:-unknown CPU}, $(nproc) CPUs, $(date -u +%Y-%m-%d)" >"$snap/$name.txt"
fi
