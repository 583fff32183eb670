# A fault, its detection, the repair and the re-run, on a time line, from a real `phtpu pod
# --fault` run.
#
# Input: lines "start end phase" (cycles; the phase's name with _ for spaces), written by
# scripts/report.sh from the run's JSON (faults[0].cycles). Output: fault.svg and .png in outdir.
#
#   gnuplot -e "in='build/reports/fault.dat'; outdir='docs/report'; what='...'" scripts/report/fault.gp

if (!exists("in")) in = "build/reports/fault.dat"
if (!exists("outdir")) outdir = "docs/report"
if (!exists("what")) what = ""
n = system(sprintf("awk 'NF == 3' '%s' | wc -l", in)) + 0
if (n == 0) { print sprintf("fault.gp: no phases in %s", in); exit status 1 }
set title "A rack fails: detection, repair on a spare rack, re-run\n" . what
set xlabel "cycle"
lo = system(sprintf("awk 'NF == 3 { print $1; exit }' '%s'", in)) + 0
hi = system(sprintf("awk 'NF == 3 { x = $2 } END { print x }' '%s'", in)) + 0
set xrange [lo - (hi - lo) * 0.05:hi + (hi - lo) * 0.1]
set yrange [n - 0.4:-0.6]
set ytics () 
do for [i = 1:n] { set ytics add (system(sprintf("awk 'NF == 3 && ++k == %d { gsub(/_/, \" \", $3); print $3 }' '%s'", i, in)) i - 1) }
set grid xtics
unset key
set style fill solid 0.8 border -1
set terminal svg size 1000,360 dynamic noenhanced font "sans,12" background rgb "white"
set output outdir . "/fault.svg"
plot in using (($1 + $2) / 2):0:(($2 - $1) / 2):(0.3):($0 + 1) with boxxyerror lc variable, \
     in using 2:0:(sprintf(" %d", $2 - $1)) with labels left offset 0.5,0 font ",10"
set terminal pngcairo size 1000,360 noenhanced font "sans,11"
set output outdir . "/fault.png"
replot
set output
