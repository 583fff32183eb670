# The SparseCore lookup unit's stages over time, from a real waveform: a heat map of the share
# of each window's cycles each stage worked.
#
# Input: the output of scripts/report/sc_occupancy.py (x = window's first cycle, y = stage,
# z = share; the stage names in "# N name" comments). Output: sparsecore.svg and .png in outdir.
#
#   gnuplot -e "in='build/reports/sc_occupancy.dat'; outdir='docs/report'; what='...'" scripts/report/sc_occupancy.gp

if (!exists("in")) in = "build/reports/sc_occupancy.dat"
if (!exists("outdir")) outdir = "docs/report"
if (!exists("what")) what = ""
names = system(sprintf("awk '/^# [0-9]+ / { $1 = \"\"; $2 = \"\"; sub(/^  /, \"\"); gsub(/ /, \"_\"); print }' '%s'", in))
if (words(names) == 0) { print sprintf("sc_occupancy.gp: no stages in %s", in); exit status 1 }
window = system(sprintf("awk 'NF == 3 && $1 > 0 { print $1; exit }' '%s'", in)) + 0
if (window == 0) window = 1
last = system(sprintf("awk 'NF == 3 { x = $1 } END { print x }' '%s'", in)) + window

set title "SparseCore lookup unit: each stage's share of the cycles, " . window . "-cycle windows\n" . what
set xlabel "cycle"
set ylabel ""
set xrange [0:last]
set yrange [-0.5:words(names) - 0.5]
set ytics () 
do for [i = 1:words(names)] { set ytics add (system("echo " . word(names, i) . " | tr _ ' '") i - 1) }
set cbrange [0:1]
set cblabel "share of the window's cycles"
set palette defined (0 "#ffffff", 0.25 "#c6dbef", 0.5 "#6baed6", 0.75 "#2171b5", 1 "#08306b")
unset key
set tics out nomirror
set terminal svg size 1000,460 dynamic noenhanced font "sans,12" background rgb "white"
set output outdir . "/sparsecore.svg"
plot in using ($1 + window / 2.0):2:3 with image
set terminal pngcairo size 1000,460 noenhanced font "sans,11"
set output outdir . "/sparsecore.png"
replot
set output
