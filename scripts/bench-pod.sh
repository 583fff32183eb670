#!/usr/bin/env bash
# Scaled-pod benchmarks (issue 6), printed as a Markdown section for docs/PERF.md.
# Usage: scripts/bench-pod.sh BUILD_DIR   (called by scripts/bench.sh)
# Every run checks every result bit for bit against the C++ references (phtpu exits 1 otherwise).
set -euo pipefail
shopt -s inherit_errexit
build=${1:?usage: scripts/bench-pod.sh BUILD_DIR}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=${POD_BENCH_SIZES:-1KiB,4KiB,16KiB,64KiB}

pod() { # pod NAME ARGS...: one verified run, JSON in $tmp/NAME.json
  local name=$1
  shift
  "$phtpu" pod "$@" --seed 1 -q --json "$tmp/$name.json" >/dev/null
}

echo "## Scaled pod (rtl/chip, rtl/ocs, sim/pod)"
echo
echo "Chips are \`rtl/chip/chip_top.sv\` (router, 4x4 MXU, SparseCore tile, 256 KiB memory, host/DMA),"
echo "OCSes are \`rtl/ocs/ocs_switch.sv\`, all Verilated; 2x2x2 cubes, electrical links 1 cycle, optical"
echo "links 4 cycles. Every collective is checked bit for bit against its C++ reference. Bandwidths"
echo "are bytes per chip per cycle (nccl-tests conventions; one link moves 16 payload bytes per"
echo "cycle per direction)."
echo
echo "### Simulation speed"
echo
echo "| pod | chips | run | simulated cycles | wall s | cycles/s | chip-cycles/s |"
echo "|---|---|---|---|---|---|---|"
speed() { # speed LABEL ARGS...
  local label=$1
  shift
  pod speed "$@"
  python3 - "$tmp/speed.json" "$label" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
chips = j["pod"]["racks"] * 8
runs = ", ".join(sorted({r["workload"] for r in j["results"]}))
c, w = j["cycles"], j["wall_seconds"]
print(f"| {sys.argv[2]} | {chips} | {runs} | {c} | {w:.1f} | {c / w:.0f} | {c * chips / w:.0f} |")
PY
}
speed "8 racks, slice 4x4x4" --racks 8 --slice 4x4x4 --workload allreduce,alltoall --bytes 16KiB
speed "16 racks, slice 4x4x8" --racks 16 --slice 4x4x8 --workload allreduce,alltoall --bytes 16KiB
echo
echo "Commands: \`phtpu pod --racks 8 --slice 4x4x4 --workload allreduce,alltoall --bytes 16KiB\` and"
echo "\`phtpu pod --racks 16 --slice 4x4x8 ...\`. Idle chips are not clocked, so cycles/s depends on load."
echo
echo "### Collectives by message size and slice shape"
echo
echo "| slice | chips | collective | bytes/chip | cycles | algbw B/c | busbw B/c |"
echo "|---|---|---|---|---|---|---|"
coll() { # coll RACKS SLICE
  pod coll --racks "$1" --slice "$2" --workload allreduce,allreduce-hier,alltoall --bytes "$sizes"
  python3 - "$tmp/coll.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for r in j["results"]:
    print(f"| {r['shape']} | {r['chips']} | {r['workload']} | {r['bytes']} | {r['cycles']} | "
          f"{r['algbw_bytes_per_cycle']:.2f} | {r['busbw_bytes_per_cycle']:.2f} |")
PY
}
coll 2 2x2x4
coll 2 2x2x4:twisted
coll 8 4x4x4
coll 16 4x4x8
coll 16 4x4x8:twisted
echo
echo "Commands: \`phtpu pod --racks R --slice SHAPE --workload allreduce,allreduce-hier,alltoall --bytes $sizes\`."
echo
echo "### Embedding lookup and reconfiguration (the \`make sim\` pod)"
echo
pod sim --config pods/small.json --workload embedding --reconfigure 2:2x2x4
python3 - "$tmp/sim.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print("| slice | chips | run | cycles | lookups/chip/cycle |")
print("|---|---|---|---|---|")
for r in j["results"]:
    rate = f"{r['algbw_bytes_per_cycle']:.3f}" if r["workload"] == "embedding" else "-"
    print(f"| {r['shape']} | {r['chips']} | {r['workload']} | {r['cycles']} | {rate} |")
PY
echo
echo "Command: \`phtpu pod --config pods/small.json --workload embedding --reconfigure 2:2x2x4\` (16 bags of"
echo "valence 1..20 per chip, Zipf 1.05, rows sharded over the slice; the reconfiguration row is the"
echo "OCS protocol's drain + switch + settle time with slice 1 running an all-reduce)."
echo
echo "### Soak: random workload sequences on the default pod"
echo
runs=${POD_SOAK_RUNS:-200}
echo "\`scripts/soak-pod.sh $build $runs 1\`: $runs runs of \`phtpu pod --config pods/small.json\`, each with"
echo "random slice shapes (up to the 10 racks in service), 3 to 7 workloads in random order (every"
echo "collective, the embedding lookup, the data-parallel step), a random size (512 B to 4 KiB per"
echo "chip) and data seed. A run passes when every result is verified (collectives against their"
echo "definition on every chip), no flit met a dark OCS port, and every packet sent was received; a"
echo "stall would end it through the pod's watchdog."
echo
echo "- $(scripts/soak-pod.sh "$build" "$runs" 1)"
