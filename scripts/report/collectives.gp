# Collective time against slice shape at full scale (TPU v4, the analytic model): one point per
# offered shape, regular and twisted apart, for each collective in the file.
#
# Input: the CSV of `phtpu model --table --csv FILE` (shape, chips, diameter, avg_hops,
# bisection_links, bisection_bytes_per_s, workload, bytes, seconds, busbw_bytes_per_s, bound,
# calibration_error). Output: collectives.svg and .png in `outdir`. Error bars: the calibration
# error each number rests on.
#
#   gnuplot -e "in='build/reports/model_table.csv'; outdir='docs/report'" scripts/report/collectives.gp

if (!exists("in")) in = "build/reports/model_table.csv"
if (!exists("outdir")) outdir = "docs/report"
set datafile separator ","
works = system(sprintf("awk -F, 'NR > 1 && !seen[$7]++ { print $7 }' '%s'", in))
if (words(works) == 0) { print sprintf("collectives.gp: no data rows in %s", in); exit status 1 }
bytes = system(sprintf("awk -F, 'NR == 2 { print $8 / 1048576 }' '%s'", in))

set title sprintf("TPU v4 (model): collective time against slice shape, %s MiB per chip", bytes)
set xlabel "slice size (chips)"
set ylabel "time (ms)"
set logscale x 2
set logscale y
set xrange [1.5:6000]
set grid
set key top left box opaque
twisted(s) = strstrt(s, "twisted") > 0
sel(i, tw) = (strcol(7) eq word(works, i) && twisted(strcol(1)) == tw && column(9) > 0) ? column(9) * 1e3 : NaN
err(i, tw) = sel(i, tw) * column(12)
colour(i) = word("#0072b2 #d55e00 #009e73 #cc79a7", (i - 1) % 4 + 1)
set macros
plotcmd = "for [i = 1:words(works)] in using 2:(sel(i, 0)):(err(i, 0)) with yerrorbars lc rgb colour(i) pt 7 ps 0.7 \
             title word(works, i) . ', regular', \
           for [i = 1:words(works)] in using 2:(sel(i, 1)):(err(i, 1)) with yerrorbars lc rgb colour(i) pt 4 ps 1.3 \
             title word(works, i) . ', twisted'"
set terminal svg size 900,600 dynamic enhanced font "sans,12" background rgb "white"
set output outdir . "/collectives.svg"
plot @plotcmd
set terminal pngcairo size 900,600 enhanced font "sans,11"
set output outdir . "/collectives.png"
replot
set output
