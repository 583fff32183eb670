# Topology comparison on the RTL routers: average latency against accepted throughput under
# uniform random traffic, a mesh, a regular torus and a twisted torus of the same chips.
#
# Input: `in` names three files (space-separated) of "accepted latency_avg" lines, one per
# offered rate (scripts/report.sh takes them from `phtpu net --sweep --json`), and `names` their
# titles (_ for spaces). Output: topology.svg and .png in outdir.
#
#   gnuplot -e "in='a.dat b.dat c.dat'; names='mesh torus twisted'; outdir='docs/report'" scripts/report/topology.gp

if (!exists("in")) { print "topology.gp: give in='FILE FILE FILE'"; exit status 1 }
if (!exists("outdir")) outdir = "docs/report"
if (!exists("what")) what = ""
if (!exists("names")) names = in
set title "RTL routers under uniform random traffic: latency against accepted throughput\n" . what
set xlabel "accepted throughput (flits per chip per cycle)"
set ylabel "average latency (cycles)"
set logscale y
set xrange [0:1]
set grid
set key top left box opaque
colour(i) = word("#0072b2 #d55e00 #009e73", (i - 1) % 3 + 1)
set terminal svg size 900,560 dynamic noenhanced font "sans,12" background rgb "white"
set output outdir . "/topology.svg"
plot for [i = 1:words(in)] word(in, i) using 1:2 with linespoints lc rgb colour(i) lw 2 pt 7 ps 0.7 \
       title system("echo " . word(names, i) . " | tr _ ' '")
set terminal pngcairo size 900,560 noenhanced font "sans,11"
set output outdir . "/topology.png"
replot
set output
