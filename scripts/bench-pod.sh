#!/usr/bin/env bash
# Scaled-pod benchmarks, printed as a Markdown section for docs/PERF.md.
# Usage: scripts/bench-pod.sh BUILD_DIR   (called by scripts/bench.sh)
# Every run checks every result bit for bit against the C++ references (phtpu exits 1 otherwise).
set -euo pipefail
shopt -s inherit_errexit
build=${1:?usage: scripts/bench-pod.sh BUILD_DIR}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=${POD_BENCH_SIZES:-1KiB,4KiB,16KiB,64KiB}
# the relay all-to-all keeps the blocks it forwards above its buffers: 16 KiB fits every slice
# below (4x4x8 forwards 385 blocks per chip)
relay_sizes=${POD_BENCH_RELAY_SIZES:-1KiB,4KiB,16KiB}
# POD_BENCH_ONLY="speed scaling": only those sections (speed profile scaling full collectives embedding soak)
only=${POD_BENCH_ONLY:-speed profile scaling full collectives embedding soak}
want() { [[ " $only " == *" $1 "* ]]; }
# the thread counts of the scaling table: 1, 2 and every core of the machine
cores=$(nproc)
threads_list="1 2"
[ "$cores" -gt 2 ] && threads_list="1 2 $cores"

pod() { # pod NAME ARGS...: one verified run, JSON in $tmp/NAME.json
  local name=$1
  shift
  "$phtpu" pod "$@" --seed 1 -q --json "$tmp/$name.json" >/dev/null
}

echo "## Scaled pod (rtl/chip, rtl/ocs, sim/pod)"
echo
echo "Chips are \`rtl/chip/chip_top.sv\` (router, 4x4 MXU, SparseCore tile, 256 KiB memory, host/DMA),"
echo "OCSes are \`rtl/ocs/ocs_switch.sv\`, all Verilated; 2x2x2 cubes unless a section says 4x4x4 (TPU v4's"
echo "racks), electrical links 1 cycle, optical"
echo "links 4 cycles. Every collective is checked bit for bit against its C++ reference. Bandwidths"
echo "are bytes per chip per cycle (nccl-tests conventions; one link moves 16 payload bytes per"
echo "cycle per direction)."
echo
if want speed; then
echo "### Simulation speed (one thread, median of three runs)"
echo
echo "| pod | chips | run | simulated cycles | wall s | cycles/s | chip-cycles/s |"
echo "|---|---|---|---|---|---|---|"
speed() { # speed LABEL ARGS...: one thread, the median of three runs
  local label=$1 k
  shift
  for k in 1 2 3; do pod "speed_$k" "$@" --threads 1; done
  python3 - "$label" "$tmp"/speed_[123].json <<'PY'
import json, sys
runs = sorted((json.load(open(f)) for f in sys.argv[2:]), key=lambda j: j["wall_seconds"])
j = runs[len(runs) // 2]
sys.argv[2] = sys.argv[1]
chips = j["chips"]
runs = ", ".join(sorted({r["workload"] for r in j["results"]}))
c, w = j["cycles"], j["wall_seconds"]
print(f"| {sys.argv[2]} | {chips} | {runs} | {c} | {w:.1f} | {c / w:.0f} | {c * chips / w:.0f} |")
PY
}
speed "8 racks, slice 4x4x4" --racks 8 --slice 4x4x4 --workload allreduce,alltoall --bytes 16KiB
speed "16 racks, slice 4x4x8" --racks 16 --slice 4x4x8 --workload allreduce,alltoall --bytes 16KiB
echo
echo "Commands: \`phtpu pod --racks 8 --slice 4x4x4 --workload allreduce,alltoall --bytes 16KiB --threads 1\` and"
echo "\`phtpu pod --racks 16 --slice 4x4x8 ...\`. Idle chips are not clocked, so cycles/s depends on load."
echo
fi
if want profile; then
echo "### Where a cycle goes (profile)"
echo
echo "\`perf record\` over \`phtpu pod --racks 8 --slice 4x4x4 --workload allreduce,alltoall --bytes 16KiB"
echo "--threads 1\` (setup and checks included), the functions with the most samples. The chip's"
echo "Verilated evaluation dominates (\`Vchip_top___024root___*\`: its registers and logic, \`_fp32_add_\`:"
echo "the write pipeline's adders); the harness (\`phtpu::pod::\`) is a few percent; \`pvm_irq_enable\` is the"
echo "VM's kernel, \`memset\` and \`_M_fill_assign\` the workloads' setup."
echo
if command -v perf >/dev/null && perf record -q -o "$tmp/perf.data" "$phtpu" pod --racks 8 --slice 4x4x4 \
     --workload allreduce,alltoall --bytes 16KiB --threads 1 -q >/dev/null 2>&1; then
  echo "| samples | function |"
  echo "|---|---|"
  perf report -i "$tmp/perf.data" --no-children --stdio > "$tmp/perf.txt" 2>/dev/null
  awk '/^ +[0-9.]+%/ && n < 12 {n++; pct=$1; $1=$2=$3=$4=""; sub(/^ +/, ""); if (length($0) > 90) $0 = substr($0, 1, 87) "...";
       print "| " pct " | `" $0 "` |"}' "$tmp/perf.txt"
else
  echo "(perf is not available here: scripts/install-deps.sh installs linux-perf)"
fi
echo
fi
if want scaling; then
echo "### Scaling: pod size and threads"
echo
echo "TPU v4 racks (4x4x4 cubes), 128-port OCSes from 17 racks on. Each pod runs the same"
echo "verified workloads on $(echo "$threads_list" | sed 's/ /, /g') threads (1, 2 and every core of the machine); the results"
echo "are bit-identical whatever the thread count (tests/test_pod_parallel.cpp), only the wall"
echo "time changes. Speed-up and parallel efficiency are against the 1-thread run of the same row"
echo "group, measured back to back with OpenMP's default waiting (docs/architecture.md, \"Parallel"
echo "pod\"); peak memory is the process's (chips, references and all)."
echo
echo "| pod | chips | run | threads | simulated cycles | wall s | cycles/s | chip-cycles/s | peak MiB | MiB/chip | speed-up | efficiency |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
scale() { # scale LABEL ARGS...: the same run on every thread count of $threads_list
  local label=$1
  shift
  local t
  for t in $threads_list; do pod "scale_$t" "$@" --threads "$t"; done
  python3 - "$label" $(for t in $threads_list; do echo "$tmp/scale_$t.json"; done) <<'PY'
import json, sys
label, files = sys.argv[1], sys.argv[2:]
base = None
for f in files:
    j = json.load(open(f))
    chips, c, w, t = j["chips"], j["cycles"], j["wall_seconds"], j["threads"]
    runs = ", ".join(f"{r['workload']} {r['bytes'] // 1024} KiB" for r in j["results"])
    mib = j["peak_memory_bytes"] / 2**20
    base = base or w
    print(f"| {label} | {chips} | {runs} | {t} | {c} | {w:.1f} | {c / w:.0f} | {c * chips / w:.0f} | "
          f"{mib:.0f} | {mib / chips:.2f} | {base / w:.2f} | {base / w / t:.0%} |")
PY
}
scale "1 rack, slice 4x4x4" --cube 4x4x4 --racks 1 --slice 4x4x4 --workload allreduce,alltoall --bytes 64KiB
scale "8 racks, slice 8x8x8" --cube 4x4x4 --racks 8 --slice 8x8x8 --workload allreduce,alltoall --bytes 4KiB
scale "16 racks, slice 8x8x16" --cube 4x4x4 --racks 16 --slice 8x8x16 --workload allreduce,alltoall --bytes 4KiB
scale "64 racks, slice 16x16x16" --cube 4x4x4 --racks 64 --slice 16x16x16 --workload allreduce --bytes 4KiB
echo
echo "Commands: \`phtpu pod --cube 4x4x4 --racks R --slice SHAPE --workload W --bytes B --threads T\` with"
echo "the row's values. Machine: $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')."
echo
# ---- the full pod -------------------------------------------------------------------------------
fi
if want full; then
echo "### The full pod: 4096 chips, 64 racks, 48 OCSes of 128 ports"
echo
echo "| slice | chips | collective | bytes/chip | cycles | algbw B/c | busbw B/c |"
echo "|---|---|---|---|---|---|---|"
full() { # full NAME SLICE
  pod "$1" --cube 4x4x4 --racks 64 --slice "$2" --workload allreduce,alltoall --bytes 4KiB --threads "$cores"
  python3 - "$tmp/$1.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for r in j["results"]:
    print(f"| {r['shape']} | {r['chips']} | {r['workload']} | {r['bytes']} | {r['cycles']} | "
          f"{r['algbw_bytes_per_cycle']:.2f} | {r['busbw_bytes_per_cycle']:.2f} |")
PY
}
full full_regular 16x16x16
full full_twisted 8x16x16:twisted
echo
python3 - "$tmp/full_regular.json" "$tmp/full_twisted.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    j = json.load(open(f))
    mib = j["peak_memory_bytes"] / 2**20
    print(f"- slice {j['results'][0]['shape']}: {j['cycles']} cycles simulated in {j['wall_seconds']:.0f} s on "
          f"{j['threads']} threads ({j['cycles'] / j['wall_seconds']:.1f} cycles/s), peak memory {mib:.0f} MiB "
          f"({mib / j['chips']:.2f} MiB per chip of the pod), every chip's result verified, {j['lost']} flits lost")
PY
echo
echo "Commands: \`phtpu pod --cube 4x4x4 --racks 64 --slice 16x16x16 --workload allreduce,alltoall --bytes 4KiB\`"
echo "and \`--slice 8x16x16:twisted\` (the all-to-all moves at least 16 bytes to every other chip: 64 KiB"
echo "and 32 KiB per chip). The all-to-all runs after the all-reduce, whose state the routers'"
echo "round-robin pointers keep: on the twisted slice that changes its time (for the time alone on a"
echo "fresh pod, see the calibration runs in docs/model.md)."
echo
fi
if want collectives; then
echo "### Collectives on six links"
echo
echo "The chip has six send and receive lanes; the default algorithms use them (concurrent rings: six"
echo "parts of the buffer over the six links at once; the all-to-all from the lane of each transfer's"
echo "first hop). The sequential rings and the translate all-to-all send from one lane, for comparison;"
echo "the relay all-to-all sends every block one link at a time, stored on each chip of its way (up to"
echo "16 KiB: above, the blocks it forwards outgrow the 4x4x8 chips' memory);"
echo "on the twisted tori the concurrent rings follow the twisted wraps and the logical ones are the"
echo "coordinate lines (docs/blocks/collectives.md, \"Algorithms\")."
echo
echo "| slice | chips | collective | algorithm | bytes/chip | cycles | algbw B/c | busbw B/c |"
echo "|---|---|---|---|---|---|---|---|"
coll() { # coll RACKS SLICE
  pod coll --racks "$1" --slice "$2" --workload allreduce,allreduce-hier,alltoall --bytes "$sizes"
  pod coll1 --racks "$1" --slice "$2" --workload allreduce,alltoall --bytes "$sizes" --algorithm sequential,translate
  pod coll3 --racks "$1" --slice "$2" --workload alltoall --bytes "$relay_sizes" --algorithm relay
  local files=("$tmp/coll.json" "$tmp/coll1.json" "$tmp/coll3.json")
  case $2 in
    *:twisted) pod coll2 --racks "$1" --slice "$2" --workload allreduce --bytes "$sizes" --algorithm logical
               files+=("$tmp/coll2.json") ;;
  esac
  python3 - "${files[@]}" <<'PY'
import json, sys
rows = []
for f in sys.argv[1:]:
    rows += json.load(open(f))["results"]
order = {"allreduce": 0, "allreduce-hier": 1, "alltoall": 2}
rows.sort(key=lambda r: (order[r["workload"]], r["algorithm"], r["bytes"]))
for r in rows:
    print(f"| {r['shape']} | {r['chips']} | {r['workload']} | {r['algorithm']} | {r['bytes']} | {r['cycles']} | "
          f"{r['algbw_bytes_per_cycle']:.2f} | {r['busbw_bytes_per_cycle']:.2f} |")
PY
}
coll 2 2x2x4
coll 2 2x2x4:twisted
coll 8 4x4x4
coll 16 4x4x8
coll 16 4x4x8:twisted
echo
echo "Commands: \`phtpu pod --racks R --slice SHAPE --workload allreduce,allreduce-hier,alltoall --bytes $sizes\`"
echo "and \`--workload allreduce,alltoall --algorithm sequential,translate\`, \`--workload alltoall --bytes $relay_sizes"
echo "--algorithm relay\`; twisted, also \`--workload allreduce --algorithm logical\`."
echo
fi
if want embedding; then
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
fi
if want soak; then
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
fi
