#!/usr/bin/env bash
# ICI network benchmarks (issue 3), printed as a Markdown section for docs/PERF.md.
# Usage: scripts/bench-net.sh BUILD_DIR [OLD_PERF_MD]   (called by scripts/bench.sh, which passes
# the PERF.md it replaces: the section between <!-- net-scaling:begin --> and
# <!-- net-scaling:end --> there, a before/after comparison, is carried over unchanged;
# BENCH_NET_QUICK=1 shortens the long runs for a smoke test of this script)
set -euo pipefail
build=${1:?usage: scripts/bench-net.sh BUILD_DIR [OLD_PERF_MD]}
old_md=${2:-}
phtpu="$build/phtpu"
quick=${BENCH_NET_QUICK:-0}
long=1000000; [ "$quick" = 1 ] && long=20000

run() { # print the command and its one-line result
  echo "- \`phtpu $*\`"
  echo "  - $("$phtpu" "$@" | head -1)"
}
sweep() {
  echo "- \`phtpu $*\`"
  echo
  echo '  ```'
  "$phtpu" "$@" | sed 's/^/  /'
  echo '  ```'
}

echo "## ICI network (rtl/ici, sim/net)"
echo
echo "Routers: 2 VCs unless stated (4 in the chip: a pair per message class), 8-flit buffers, 160-bit"
echo "flits, link latency 1 cycle (one router cycle plus one link cycle per hop). Uniform traffic"
echo "excludes a node sending to itself."
echo
echo "### Speed by size (single thread; median of three runs)"
echo
echo "Uniform traffic at rate 0.3. A flit passes hops + 1 routers, so the work per router-cycle"
echo "grows with the network's diameter: *flit-hops* counts flits delivered x (hops taken + 1), and"
echo "ns per flit-hop is the wall time per flit per router it passed. 64 routers at rate 0.75 carry"
echo "about the work per router of 4096 at rate 0.3."
echo
echo "| routers | command | ns per router-cycle | flit-hops per router-cycle | ns per flit-hop |"
echo "|---|---|---|---|---|"
big=1000; [ "$quick" = 1 ] && big=200
tmpj=$(mktemp)
for spec in "4x4x4 0.3 20000 2000" "4x4x4 0.75 20000 2000" "8x8x8 0.3 4000 1000" "16x16x16 0.3 $big 500"; do
  read -r shape rate cycles warmup <<<"$spec"
  args=(net --shape "$shape" --rate "$rate" --cycles "$cycles" --warmup "$warmup" -q)
  rows=()
  for _ in 1 2 3; do
    "$phtpu" "${args[@]}" --json "$tmpj" >/dev/null
    rows+=("$(jq -r '[.routers, .ns_per_router_cycle, .flits_delivered * (1 + .hops_traversed) / (.cycles * .routers)] | @tsv' "$tmpj")")
  done
  read -r routers ns fh <<<"$(printf '%s\n' "${rows[@]}" | sort -t$'\t' -k2,2 -g | sed -n 2p)"
  awk -v r="$routers" -v c="phtpu ${args[*]}" -v ns="$ns" -v fh="$fh" \
    'BEGIN { printf "| %d | `%s` | %.0f | %.2f | %.0f |\n", r, c, ns, fh, ns / fh }'
done
rm -f "$tmpj"
echo
echo "- idle routers are not clocked: \`phtpu net --shape 4x4x4 --rate 0.02 --cycles 20000 -q\`"
echo "  - $("$phtpu" net --shape 4x4x4 --rate 0.02 --cycles 20000 -q | head -1)"
echo
if [ -n "$old_md" ] && [ -f "$old_md" ]; then
  # only a whole section (an end marker missing would otherwise carry the rest of the file)
  carried=$(awk '/^<!-- net-scaling:begin -->$/ { f = 1; b = "" } f { b = b $0 "\n" }
                 /^<!-- net-scaling:end -->$/ && f { printf "%s", b; f = 0 }' "$old_md")
  if [ -n "$carried" ]; then
    echo "$carried"
    echo
  fi
fi
echo "### 4 VCs: a VC pair per message class (the chip's router) against 2"
echo
echo "The same traffic on both (uniform, rate 0.3, half the packets responses): with 2 VCs the two"
echo "classes share the pair, with 4 each has its own. Wall time: runs alternate 2, 4, 2, 4, ... (nine"
echo "each), medians of ns per router-cycle and their ratio from this one run. Instructions: one run of"
echo "each under callgrind, which counts the same total whatever else the machine does."
echo
ns=() # ns per router-cycle, per run
for _ in 1 2 3 4 5 6 7 8 9; do for vcs in 2 4; do
  line=$("$phtpu" net --shape 4x4x4 --rate 0.3 --response-share 0.5 --vcs "$vcs" --cycles 20000 -q | head -1)
  ns+=("$vcs $(echo "$line" | grep -o '[0-9]* ns/router-cycle' | cut -d' ' -f1)")
done; done
med() { printf '%s\n' "${ns[@]}" | awk -v v="$1" '$1 == v { print $2 }' | sort -n | sed -n 5p; }
two=$(med 2)
four=$(med 4)
echo "- \`phtpu net --shape 4x4x4 --rate 0.3 --response-share 0.5 --vcs 2|4 --cycles 20000 -q\`"
echo "  - 2 VCs: $two ns per router-cycle; 4 VCs: $four ns per router-cycle; ratio $(awk -v a="$four" -v b="$two" 'BEGIN { printf "%.2f", a / b }') (target: at most 1.3)"
irefs() { # instructions of one run (callgrind)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$phtpu" net --shape 4x4x4 --rate 0.3 --response-share 0.5 \
    --vcs "$1" --cycles 3000 --warmup 500 -q 2>&1 >/dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}
i2=$(irefs 2)
i4=$(irefs 4)
echo "- \`valgrind --tool=callgrind phtpu net --shape 4x4x4 --rate 0.3 --response-share 0.5 --vcs 2|4 --cycles 3000 --warmup 500 -q\`"
echo "  - 2 VCs: $i2 instructions; 4 VCs: $i4; ratio $(awk -v a="$i4" -v b="$i2" 'BEGIN { printf "%.2f", a / b }')"
echo
sweep net --shape 4x4x4 --vcs 4 --response-share 0.5 --sweep --rates 0.3,0.5,0.6,0.7,0.75,0.8,0.85,0.9,0.95,1.0 --cycles 5000 --warmup 1000
echo
sweep net --shape 4x4x4 --vcs 4 --sweep --rates 0.7,0.75,0.8,0.85,0.9,0.95,1.0 --cycles 5000 --warmup 1000
echo
echo "### Zero-load latency"
echo
run net --shape 4x4x4 --rate 0.01 --cycles 20000 -q
run net --shape 8x8x8 --rate 0.005 --cycles 4000 -q
echo
echo "### Saturation, uniform random, 1-flit packets"
echo
sweep net --shape 4x4x4 --sweep --rates 0.3,0.5,0.6,0.7,0.75,0.8,0.85,0.9,0.95,1.0 --cycles 5000 --warmup 1000
echo
sweep net --shape 8x8x8 --sweep --rates 0.2,0.3,0.4,0.45,0.5,0.55,0.6,0.7 --cycles 2000 --warmup 1000
echo
echo "### Twisted 4x4x8 against regular 4x4x8"
echo
run net --shape 4x4x8 --rate 0.05 --cycles 10000 -q
run net --shape 4x4x8 --twisted --rate 0.05 --cycles 10000 -q
sweep net --shape 4x4x8 --sweep --rates 0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0 --cycles 3000 --warmup 1000
sweep net --shape 4x4x8 --twisted --sweep --rates 0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0 --cycles 3000 --warmup 1000
echo
echo "### Reliability: $long cycles at rate 1.0"
echo
echo "Sources try to inject 1.0 flits/node/cycle and pause while their 256-packet queue is full, so"
echo "the network runs saturated throughout (\"offered\" is what the sources got to generate). Each"
echo "run checks every delivered flit (exactly once, whole, in order per source/destination pair),"
echo "fails on a credit overflow, or when the watchdog sees no flit move while packets are"
echo "undelivered (a deadlock or a lost flit), and drains the network completely at the end; 1% of"
echo "the packets are misaddressed and must be dropped and counted."
echo
for spec in "2x2x2 --cube 2x2x2" "4x4x4" "4x4x8 --twisted" "2x4x4"; do
  # shellcheck disable=SC2086
  run net --shape $spec --rate 1.0 --packet-flits 2 --misaddressed 0.01 --warmup 0 --cycles "$long" -q
done
