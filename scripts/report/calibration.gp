# The analytic model against the scaled pod's RTL: predicted against measured cycles, one point
# per calibration measurement (shape x collective x size), fitted and held-out shapes apart.
#
# Input: the CSV of `phtpu model --calibration --csv FILE` (shape, workload, bytes, chips,
# measured_cycles, model_cycles, error, set). Output: calibration.svg and .png in `outdir`.
#
#   gnuplot -e "in='build/reports/calibration.csv'; outdir='docs/report'" scripts/report/calibration.gp

if (!exists("in")) in = "build/reports/calibration.csv"
if (!exists("outdir")) outdir = "docs/report"
set datafile separator ","
n = system(sprintf("awk 'END { print NR - 1 }' '%s'", in)) + 0
if (n <= 0) { print sprintf("calibration.gp: no data rows in %s", in); exit status 1 }

set title "Model against the RTL (scaled pod, 2x2x2 and 4x4x4 cubes)"
set xlabel "measured on the RTL (cycles)"
set ylabel "predicted by the model (cycles)"
set logscale xy
set xrange [100:60000]
set yrange [100:60000]
set grid
set key top left box opaque
ring(w) = (w eq "alltoall") ? 0 : 1
sel(want_ring, want_set) = (ring(strcol(2)) == want_ring && strcol(8) eq want_set) ? column(6) : NaN
set macros
plotcmd = "x title 'model = RTL' lc rgb 'black' dt 1, \
           1.1 * x title '+/- 10 %' lc rgb 'gray' dt 2, 0.9 * x notitle lc rgb 'gray' dt 2, \
           in using 5:(sel(1, 'fitted')) with points pt 7 ps 0.8 lc rgb '#0072b2' title 'rings, fitted shapes', \
           in using 5:(sel(1, 'held_out')) with points pt 6 ps 1.0 lc rgb '#0072b2' title 'rings, held-out shapes', \
           in using 5:(sel(0, 'fitted')) with points pt 5 ps 0.8 lc rgb '#d55e00' title 'all-to-all, fitted shapes', \
           in using 5:(sel(0, 'held_out')) with points pt 4 ps 1.0 lc rgb '#d55e00' title 'all-to-all, held-out shapes'"
set terminal svg size 800,650 dynamic enhanced font "sans,12" background rgb "white"
set output outdir . "/calibration.svg"
plot @plotcmd
set terminal pngcairo size 800,650 enhanced font "sans,11"
set output outdir . "/calibration.png"
replot
set output
