#!/usr/bin/env bash
# Measure the analytic model's calibration set on the scaled pod.
# Usage: scripts/calibrate-model.sh BUILD_DIR [OUT.json]
# Runs `phtpu pod` on five scaled slices (2x2x2 cubes; regular and twisted) with the four
# collectives the model predicts, at 4, 16 and 64 KiB per chip, every result checked bit for bit
# against the C++ reference, and writes one JSON file: the pod's settings and every
# measurement. The model embeds sim/model/data/calibration_pod.json at build time (CMakeLists),
# so a change to the RTL or the schedules means: rerun this, commit the file, rebuild.
set -euo pipefail
build=${1:?usage: scripts/calibrate-model.sh BUILD_DIR [OUT.json]}
out=${2:-sim/model/data/calibration_pod.json}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=${CALIBRATION_SIZES:-4KiB,16KiB,64KiB}
workloads=allreduce,reducescatter,allgather,alltoall
runs=("4:2x2x4" "4:2x2x4:twisted" "8:4x4x4" "16:4x4x8" "16:4x4x8:twisted")
i=0
for r in "${runs[@]}"; do
  racks=${r%%:*}
  slice=${r#*:}
  echo "calibrate: phtpu pod --racks $racks --slice $slice --workload $workloads --bytes $sizes" >&2
  "$phtpu" pod --racks "$racks" --slice "$slice" --workload "$workloads" --bytes "$sizes" --seed 1 -q \
    --json "$tmp/$i.json" >/dev/null
  i=$((i + 1))
done
jq -s '{source: "scripts/calibrate-model.sh (phtpu pod, 2x2x2 cubes)",
        electrical_latency: 1, optical_latency: 4,
        measurements: [.[].results[] | {shape, workload, bytes, chips, cycles}]}' "$tmp"/*.json >"$out"
echo "wrote $out ($(jq '.measurements | length' "$out") measurements)" >&2
