#!/usr/bin/env bash
# SparseCore lookup unit benchmarks, printed as a Markdown section for docs/PERF.md.
# Usage: scripts/bench-sc.sh BUILD_DIR   (called by scripts/bench.sh)
# Every run checks its results bit for bit against the golden model (phtpu exits 1 otherwise).
set -euo pipefail
shopt -s inherit_errexit
build=${1:?usage: scripts/bench-sc.sh BUILD_DIR}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the reference workload: 128 samples, valence 1..100, a million rows, Zipf 1.05, 16 fp32 elements
base=(sparsecore --batch 128 --valence 1:100 --vocab 1000000 --zipf 1.05 -q)

field() { # field FILE KEY: one number from a phtpu JSON report
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"
}
run() { # run ARGS...: one run, its JSON report in $tmp/r.json (a failed check stops the benchmark)
  rm -f "$tmp/r.json"
  "$phtpu" "${base[@]}" "$@" --json "$tmp/r.json" >/dev/null
}
rate() { # rate ARGS...: lookups per cycle of one run (16 elements unless --dim is given)
  local dim=(--dim 16)
  [[ " $* " == *" --dim "* ]] && dim=()
  run "${dim[@]}" "$@"
  printf '%.3f' "$(field "$tmp/r.json" lookups_per_cycle)"
}

echo "## SparseCore lookup unit (rtl/sparsecore)"
echo
echo "Workload: \`phtpu ${base[*]} --dim 16\` plus the options shown (6,555 lookups in 128 bags, dedup"
echo "ratio 1.44; every run is checked bit for bit against the golden model). Peak: combine takes one"
echo "cycle per 8 elements, so 0.5 lookups/cycle at 16 elements."
echo
echo "Lookups per cycle against local memory latency (rows) and outstanding requests allowed"
echo "(columns), every row local (\`--shards 1\`):"
echo
outs=(8 32 64 128 256)
lats=(1 50 100 200 500 1000)
printf '| latency |'; for o in "${outs[@]}"; do printf ' %s out |' "$o"; done; echo
printf '|---|'; for o in "${outs[@]}"; do printf -- '---|'; done; echo
for l in "${lats[@]}"; do
  printf '| %s |' "$l"
  for o in "${outs[@]}"; do
    v=$(rate --shards 1 --mem-latency "$l" --outstanding "$o")
    printf ' %s |' "$v"
  done
  echo
done
r1=$(rate --shards 1 --mem-latency 1 --outstanding 256)
r200=$(rate --shards 1 --mem-latency 200 --outstanding 256)
echo
echo "A 200-cycle memory latency is hidden at $(python3 -c "print(f'{$r200/$r1:.3f}')") of the latency-1 rate"
echo "($r200 against $r1 lookups/cycle, 256 outstanding; target >= 0.9). By Little's law the unit needs"
echo "about rate / dedup x latency = 0.5 / 1.44 x 200 = 69 requests in flight (derived), which is why"
echo "32 outstanding fall short at 200 cycles and 64 do not."
echo
echo "Row sharding over 64 chips (\`--shards 64\`: 1/64 of the rows local, the rest as request"
echo "packets over ICI; responses take a head and two 128-bit flits per beat on the one response port):"
echo
echo "| memory and remote latency | lookups/cycle | bound for this traffic |"
echo "|---|---|---|"
for l in 1 200 500; do
  run --dim 16 --shards 64 --mem-latency "$l"
  printf '| %s | %.3f | %.3f (%s) |\n' "$l" "$(field "$tmp/r.json" lookups_per_cycle)" \
    "$(field "$tmp/r.json" bound_lookups_per_cycle)" "$(field "$tmp/r.json" bound_by)"
done
echo
echo "Row width and type at a 200-cycle latency, 256 outstanding, every row local:"
echo
echo "| dim | fp32 lookups/cycle | bf16 lookups/cycle | peak |"
echo "|---|---|---|---|"
for d in 8 16 32 64; do
  f=$(rate --shards 1 --mem-latency 200 --dim "$d")
  b=$(rate --shards 1 --mem-latency 200 --dim "$d" --dtype bf16)
  printf '| %s | %s | %s | %s |\n' "$d" "$f" "$b" "$(python3 -c "print(f'{min(1, 8/$d):.3f}')")"
done
echo
echo "Combiners at 8 elements (the peak is 1 lookup/cycle, so the scale engines, 4 bags per 27"
echo "cycles for mean and per 54 for sqrt-n, would show here first), latency 200, every row local:"
echo
echo "| combiner | lookups/cycle | stall cycles at ingest for the scale engines |"
echo "|---|---|---|"
for c in sum mean sqrtn; do
  run --dim 8 --shards 1 --mem-latency 200 --combiner "$c"
  printf '| %s | %.3f | %s |\n' "$c" "$(field "$tmp/r.json" lookups_per_cycle)" \
    "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counters']['stall_scale'])" "$tmp/r.json")"
done
echo
echo "Simulation speed (no trace; the C++ memory models and the golden check included), median of 3:"
echo
speeds=()
for i in 1 2 3; do
  run --dim 16 --shards 1 --mem-latency 200
  speeds+=("$(field "$tmp/r.json" simulated_cycles_per_second)")
done
med=$(printf '%s\n' "${speeds[@]}" | sort -g | sed -n 2p)
echo "- \`phtpu ${base[*]} --dim 16 --shards 1 --mem-latency 200\`: $(printf '%.0f' "$med") simulated cycles/s"
