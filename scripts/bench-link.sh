#!/usr/bin/env bash
# The link layer (rtl/ici/ici_link.sv): the 64-chip all-to-all's goodput on the scaled pod against
# the bit error rate, the layer's cost in cells, latency (the network harness) and simulation
# speed; printed as a Markdown section for docs/PERF.md, with the figure docs/perf/link_goodput.svg. Usage: scripts/bench-link.sh BUILD_DIR [FIGURE.svg]
# (called by scripts/bench.sh). The cell counts come from yosys (scripts/rtl-check.sh synth).
set -euo pipefail
shopt -s inherit_errexit
build=${1:?usage: scripts/bench-link.sh BUILD_DIR [FIGURE.svg]}
figure=${2:-docs/perf/link_goodput.svg}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The 64-chip all-to-all on the scaled pod (8 racks of 2x2x2 chips, one 4x4x4 slice: in-cube
# links of 1 cycle, optical ones of 4 through the OCS), the link layer at every chip port, each
# wire bit flipping at the BER; three seeds (data and noise) a point. The all-to-all is verified
# against its definition in every run (phtpu pod exits non-zero otherwise).
bytes=${LINK_BENCH_BYTES:-64KiB}
base=(pod --cube 2x2x2 --racks 8 --slice 4x4x4 --workload alltoall --bytes "$bytes" -q)
seeds=(1 2 3)
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$1" "$2"; }
mean() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(sum(v)/len(v))" "$@"; }
run() { # run NAME ARGS...: one point per seed, its JSON in $tmp/NAME.SEED.json
  local name=$1; shift
  for s in "${seeds[@]}"; do "$phtpu" "${base[@]}" --seed "$s" "$@" --json "$tmp/$name.$s.json" >/dev/null; done
}
cycles_of() { for s in "${seeds[@]}"; do field "$tmp/$1.$s.json" 'results[0]["cycles"]'; done; }
run none
bers=(0 1e-9 1e-8 1e-7 1e-6 1e-5 1e-4 1e-3)
for b in "${bers[@]}"; do run "$b" --ber "$b"; done
# goodput: the error-free run's cycles over this run's, seed by seed (the same data), averaged
goodput() { python3 -c "
import json,sys
a=[json.load(open(f'$tmp/0.{s}.json'))['results'][0]['cycles'] for s in sys.argv[2:]]
b=[json.load(open(f'$tmp/{sys.argv[1]}.{s}.json'))['results'][0]['cycles'] for s in sys.argv[2:]]
r=[x/y for x,y in zip(a,b)]
print(100*sum(r)/len(r), 100*min(r), 100*max(r))" "$1" "${seeds[@]}"; }

echo "## The link layer (rtl/ici/ici_link.sv)"
echo
echo "Goodput of the 64-chip all-to-all against the bit error rate of every wire bit: \`phtpu ${base[*]}"
echo "--seed S --ber BER\` (the scaled pod's 4x4x4 slice of 2x2x2 racks: in-cube links of 1 cycle,"
echo "optical ones of 4 through the OCS; $bytes per chip; a link end at every chip port; seeds 1, 2"
echo "and 3, which set the data and the noise). Every run is verified against the all-to-all's"
echo "definition. Goodput: the all-to-all's cycles with the link layer and no errors over its cycles"
echo "at the BER, seed by seed, the mean (and the least and most of the three). A few flipped bits"
echo "change which packet wins an arbiter, and the all-to-all's congested finish moves by a few per"
echo "cent either way, so below 10⁻⁵ the points scatter around 100 %. Frames that delivered a flit:"
echo "flits the link ends delivered over frames they sent (first sends and replays), the layer's own"
echo "efficiency. Model: \`phtpu model --link-efficiency BER\` (docs/blocks/ici-link.md, \"Model\"; for"
echo "1-cycle wires)."
echo
echo "| BER | all-to-all cycles (mean) | goodput, of error-free (least, most) | frames that delivered a flit | model | bits flipped | frames hit | replays | most on one link end | retrains |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '| no link layer | %.0f | %.1f %% | | | | | | | |\n' "$(mean $(cycles_of none))" \
  "$(python3 -c "print(100*$(mean $(cycles_of 0))/$(mean $(cycles_of none)))")"
: > "$tmp/points.dat"
for b in "${bers[@]}"; do
  read -r g lo hi < <(goodput "$b")
  sum1() { local t=0; for s in "${seeds[@]}"; do t=$(python3 -c "print($t+$(field "$tmp/$b.$s.json" "$1"))"); done; echo "$t"; }
  link=$(python3 -c "
import json
d=[json.load(open(f'$tmp/$b.{s}.json'))['link_layer'] for s in '${seeds[*]}'.split()]
print(100*sum(x['flits_delivered'] for x in d)/sum(x['frames_sent'] for x in d))")
  most=$(python3 -c "
import json
print(max(json.load(open(f'$tmp/$b.{s}.json'))['link_layer']['max_replays_per_link'] for s in '${seeds[*]}'.split()))")
  model=$("$phtpu" model --link-efficiency "$b")
  printf '| %s | %.0f | %.1f %% (%.1f, %.1f) | %.2f %% | %.2f %% | %s | %s | %s | %s | %s |\n' "$b" "$(mean $(cycles_of "$b"))" \
    "$g" "$lo" "$hi" "$link" "$(python3 -c "print(100*$model)")" "$(sum1 'link_layer["bits_flipped"]')" \
    "$(sum1 'link_layer["frames_hit"]')" "$(sum1 'link_layer["replays"]')" "$most" "$(sum1 'link_layer["retrains"]')"
  [ "$b" != 0 ] && echo "$b $g $lo $hi $link $(python3 -c "print(100*$model)")" >> "$tmp/points.dat"
done
echo
echo "(bits flipped, frames hit, replays and retrains: the three seeds' sums; most on one link end: the most of any run)"
gnuplot <<GP
set terminal svg size 640,400 font "sans,11"
set output "$figure"
set logscale x
set format x "10^{%L}"
set xlabel "bit error rate"
set ylabel "% of error-free"
set yrange [0:110]
set key bottom left
set grid
set title "64-chip all-to-all ($bytes per chip) on the scaled pod, link layer on every link"
plot "$tmp/points.dat" using 1:2:3:4 with yerrorlines lw 2 pt 7 title "goodput (measured, 3 seeds)", \
     "$tmp/points.dat" using 1:5 with linespoints lw 2 pt 5 title "frames that delivered a flit (measured)", \
     "$tmp/points.dat" using 1:6 with lines dt 2 lw 2 title "model"
GP
echo
echo "Figure: [perf/link_goodput.svg](perf/link_goodput.svg)."
echo
# the layer's cost without errors, beside ideal wires one cycle longer (credits included)
"$phtpu" "${base[@]}" --optical-latency 5 --electrical-latency 2 --json "$tmp/longer.json" >/dev/null
c_none=$(field "$tmp/none.1.json" 'results[0]["cycles"]'); c_zero=$(field "$tmp/0.1.json" 'results[0]["cycles"]')
c_longer=$(field "$tmp/longer.json" 'results[0]["cycles"]')
printf 'The cost of the layer without errors: the all-to-all takes %.0f %% longer than on ideal wires (%s\nagainst %s cycles), the cost of one more cycle a hop in a congested pattern whose links wait on\ncredits. Ideal wires one cycle longer each, credits included, take %s cycles (`phtpu %s\n--optical-latency 5 --electrical-latency 2`).\n\n' \
  "$(python3 -c "print(100*($c_zero/$c_none-1))")" "$c_zero" "$c_none" "$c_longer" "${base[*]}"
# the pod harness's speed with the layer: one thread, the error-free all-to-all
"$phtpu" "${base[@]}" --threads 1 --json "$tmp/p0.json" >/dev/null
"$phtpu" "${base[@]}" --threads 1 --ber 0 --json "$tmp/p1.json" >/dev/null
p0=$(python3 -c "print($(field "$tmp/p0.json" cycles)/$(field "$tmp/p0.json" wall_seconds))")
p1=$(python3 -c "print($(field "$tmp/p1.json" cycles)/$(field "$tmp/p1.json" wall_seconds))")
printf 'Pod speed (`phtpu %s --threads 1`, with and without `--ber 0`): %.0f against %.0f cycles/s, %.1f times slower with the layer (every link end and OCS evaluated every cycle).\n' \
  "${base[*]}" "$p1" "$p0" "$(python3 -c "print($p0/$p1)")"
echo
# zero-load latency: single flits at a tiny load, with and without the link layer
"$phtpu" net --shape 4x4x4 --rate 0.002 --cycles 20000 --warmup 100 --seed 1 -q --json "$tmp/z0.json" >/dev/null
"$phtpu" net --shape 4x4x4 --rate 0.002 --cycles 20000 --warmup 100 --seed 1 -q --ber 0 --json "$tmp/z1.json" >/dev/null
l0=$(field "$tmp/z0.json" 'latency["avg"]'); l1=$(field "$tmp/z1.json" 'latency["avg"]'); h=$(field "$tmp/z1.json" hops_avg)
printf 'Zero-load latency (`phtpu net --shape 4x4x4 --rate 0.002 --cycles 20000 --seed 1`, with and without `--ber 0`): %.2f against %.2f cycles over %.2f hops on average: %.2f cycles added a hop.\n' \
  "$l1" "$l0" "$h" "$(python3 -c "print(($l1-$l0)/$h)")"
echo
# the harness's speed with the layer (every link end is evaluated every cycle)
"$phtpu" net --shape 4x4x4 --rate 0.3 --cycles 5000 --warmup 500 -q --json "$tmp/s0.json" >/dev/null
"$phtpu" net --shape 4x4x4 --rate 0.3 --cycles 5000 --warmup 500 -q --ber 0 --json "$tmp/s1.json" >/dev/null
s0=$(field "$tmp/s0.json" cycles_per_second); s1=$(field "$tmp/s1.json" cycles_per_second)
printf 'Speed (`phtpu net --shape 4x4x4 --rate 0.3 --cycles 5000 --warmup 500`, with and without `--ber 0`): %.0f against %.0f cycles/s, %.1f times slower with the layer (every link end is evaluated every cycle).\n' \
  "$s1" "$s0" "$(python3 -c "print($s0/$s1)")"
echo
link_cells=$(scripts/rtl-check.sh synth ici_link 2>&1 | grep -o '[0-9]* cells')
router_cells=${ROUTER_CELLS:-$(scripts/rtl-check.sh synth ici_router 2>&1 | grep -o '[0-9]* cells')}
echo "Cost in gates (\`scripts/rtl-check.sh synth ici_link\` and \`... synth ici_router\`, yosys, 2 VCs, 8-flit"
echo "buffers, 160-bit flits): a link end ${link_cells}, the router ${router_cells}; a chip has six link ends."
