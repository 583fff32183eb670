# Goodput against slice size, with and without OCS, one colour per host availability.
#
# Input: the CSV of `phtpu avail --csv FILE` (columns host_availability, slice_chips, shape_cubes,
# ocs_mc, ocs_ci95, ocs_closed, noocs_mc, noocs_ci95, noocs_closed). Output: goodput.svg and
# goodput.png in `outdir`.
#
#   gnuplot -e "in='build/reports/avail.csv'; outdir='docs/report'" scripts/report/goodput.gp
#
# Solid lines: with OCS; dashed: without OCS (contiguous blocks). Error bars: the Monte Carlo 95%
# confidence intervals; open circles: the closed forms where one exists.

if (!exists("in")) in = "build/reports/avail.csv"
if (!exists("outdir")) outdir = "docs/report"

set datafile separator ","
# the availabilities in the file, in order of first appearance
avs = system(sprintf("awk -F, 'NR > 1 && !seen[$1]++ { print $1 }' '%s'", in))
if (words(avs) == 0) { print sprintf("goodput.gp: no data rows in %s", in); exit status 1 }

set title "TPU v4 pod: goodput against slice size under CPU host failures"
set xlabel "slice size (chips)"
set ylabel "goodput (chips in running slices / chips in the pod)"
set logscale x 2
set xtics ("64" 64, "128" 128, "256" 256, "512" 512, "1K" 1024, "2K" 2048, "4K" 4096)
set xrange [48:5400]
set yrange [0:1.05]
set ytics 0.1
set grid
set key bottom left box opaque
set style data yerrorlines
sel(col, i) = (column(1) == word(avs, i) + 0) ? column(col) : NaN
colour(i) = word("#0072b2 #d55e00 #009e73 #cc79a7 #e69f00 #56b4e9", (i - 1) % 6 + 1)

set macros
plotcmd = "for [i = 1:words(avs)] in using 2:(sel(4, i)):(sel(5, i)) lc rgb colour(i) lw 2 pt 7 ps 0.6 \
             title sprintf('a = %s, with OCS', word(avs, i)), \
           for [i = 1:words(avs)] in using 2:(sel(7, i)):(sel(8, i)) lc rgb colour(i) lw 2 dt 2 pt 5 ps 0.6 \
             title sprintf('a = %s, without OCS', word(avs, i)), \
           for [i = 1:words(avs)] in using 2:(sel(6, i)) with points lc rgb colour(i) pt 6 ps 1.4 notitle, \
           for [i = 1:words(avs)] in using 2:(sel(9, i)) with points lc rgb colour(i) pt 6 ps 1.4 notitle, \
           NaN with points lc rgb 'black' pt 6 ps 1.4 title 'closed form (exact)'"

set terminal svg size 900,600 dynamic enhanced font "sans,12" background rgb "white"
set output outdir . "/goodput.svg"
plot @plotcmd

set terminal pngcairo size 900,600 enhanced font "sans,11"
set output outdir . "/goodput.png"
replot
set output
