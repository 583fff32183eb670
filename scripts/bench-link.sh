#!/usr/bin/env bash
# The link layer (rtl/ici/ici_link.sv) on the network harness: goodput against the bit error
# rate, its cost in cells and latency; printed as a Markdown section for docs/PERF.md, with the
# figure docs/perf/link_goodput.svg. Usage: scripts/bench-link.sh BUILD_DIR [FIGURE.svg]
# (called by scripts/bench.sh). The cell counts come from yosys (scripts/rtl-check.sh synth).
set -euo pipefail
shopt -s inherit_errexit
build=${1:?usage: scripts/bench-link.sh BUILD_DIR [FIGURE.svg]}
figure=${2:-docs/perf/link_goodput.svg}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 64 routers, every one sending 4-flit packets to uniform random destinations as fast as its
# credits allow (the all-to-all pattern at saturation); the same seed for every point, so only
# the bit errors differ between them
base=(net --shape 4x4x4 --cube 4x4x4 --traffic uniform --rate 1.0 --packet-flits 4 --warmup 1000
      --cycles "${LINK_BENCH_CYCLES:-10000}" --seed 1 -q)
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$1" "$2"; }
run() { # run NAME ARGS...: one point, its JSON in $tmp/NAME.json
  local name=$1; shift
  "$phtpu" "${base[@]}" "$@" --json "$tmp/$name.json" >/dev/null
}
run none
bers=(0 1e-9 1e-8 1e-7 1e-6 1e-5 1e-4 1e-3)
for b in "${bers[@]}"; do run "$b" --ber "$b"; done
ref=$(field "$tmp/0.json" accepted)

echo "## The link layer (rtl/ici/ici_link.sv)"
echo
echo "Goodput against the bit error rate of every wire bit: \`phtpu ${base[*]} --ber BER\` (64 routers,"
echo "each sending 4-flit packets to uniform random destinations as fast as credits allow, the"
echo "all-to-all pattern at saturation; the same traffic at every point). Goodput: flits delivered per"
echo "router per cycle in the measurement window, against the same run with the link layer and no"
echo "errors; at saturation this varies by about 1.5 % from one seed (or one perturbation) to the"
echo "next (0.647, 0.637 and 0.646 flits/router/cycle with seeds 1, 2 and 3 and no errors), so below 10⁻⁵ the"
echo "differences are noise. Frames that delivered a flit: flits the link ends delivered over frames"
echo "they sent (first sends and replays), the layer's own efficiency on this traffic. Model:"
echo "\`phtpu model --link-efficiency BER\` (docs/blocks/ici-link.md, \"Model\")."
echo
echo "| BER | delivered flits/router/cycle | of error-free | frames that delivered a flit | model | latency avg, cycles | frames hit | replays | most on one link end |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| no link layer | %.3f | %.1f %% | | | %.1f | | | |\n' "$(field "$tmp/none.json" accepted)" \
  "$(python3 -c "print(100*$(field "$tmp/none.json" accepted)/$ref)")" "$(field "$tmp/none.json" 'latency["avg"]')"
: > "$tmp/points.dat"
for b in "${bers[@]}"; do
  f="$tmp/$b.json"
  acc=$(field "$f" accepted)
  pct=$(python3 -c "print(100*$acc/$ref)")
  model=$("$phtpu" model --link-efficiency "$b")
  link=$(python3 -c "print(100*$(field "$f" 'link_layer["goodput"]'))")
  printf '| %s | %.3f | %.1f %% | %.2f %% | %.2f %% | %.1f | %s | %s | %s |\n' "$b" "$acc" "$pct" "$link" "$(python3 -c "print(100*$model)")" \
    "$(field "$f" 'latency["avg"]')" "$(field "$f" 'link_layer["frames_hit"]')" "$(field "$f" 'link_layer["replays"]')" \
    "$(field "$f" 'link_layer["max_replays_per_link"]')"
  [ "$b" != 0 ] && echo "$b $pct $link $(python3 -c "print(100*$model)")" >> "$tmp/points.dat"
done
gnuplot <<GP
set terminal svg size 640,400 font "sans,11"
set output "$figure"
set logscale x
set format x "10^{%L}"
set xlabel "bit error rate"
set ylabel "goodput, % of error-free"
set yrange [0:105]
set key bottom left
set grid
set title "64-router all-to-all traffic at saturation, link layer on every link"
plot "$tmp/points.dat" using 1:2 with linespoints lw 2 pt 7 title "flits delivered, of error-free (measured)", \
     "$tmp/points.dat" using 1:3 with linespoints lw 2 pt 5 title "frames that delivered a flit (measured)", \
     "$tmp/points.dat" using 1:4 with lines dt 2 lw 2 title "model"
GP
echo
echo "Figure: [perf/link_goodput.svg](perf/link_goodput.svg)."
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
