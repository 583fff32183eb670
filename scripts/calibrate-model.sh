#!/usr/bin/env bash
# Measure the analytic model's calibration set on the scaled pod.
# Usage: scripts/calibrate-model.sh BUILD_DIR [OUT.json]
# Runs `phtpu pod` on twelve slices from 16 to 1024 chips, regular and twisted: 2x2x4,
# 2x2x4:twisted and 4x4x4 of 2x2x2 cubes; 4x4x4, 4x4x8, 4x4x8:twisted, 4x8x8, 4x8x8:twisted,
# 8x8x8, 8x8x16 and 8x8x16:twisted of 4x4x4 cubes (TPU v4's cube, 1 to 16 racks). Each runs
# the four collectives the model predicts at 4, 16 and 64 KiB per chip (on a twisted torus the
# ring collectives twice: by the default algorithm, whose rings follow the twisted wraps, and by
# `logical`, whose rings are the coordinate lines), every result checked bit
# for bit against the C++ reference and the collective's definition. An all-to-all needs a
# whole number of words per chip for every chip, so on 512 chips its smallest size is 8 KiB and
# on 1024 chips 16 KiB (which leaves two sizes there). It writes one JSON file: the pod's
# settings and every measurement. The model embeds sim/model/data/calibration_pod.json at build
# time (sim/CMakeLists.txt), so a change to the RTL or the schedules means: rerun this, commit
# the file, rebuild.
# A second, smaller set runs four of the 4x4x4-cube slices with 1-cycle optical links
# (`--optical-latency 1`), at 16 and 64 KiB, and the ring collectives also at 240 KiB (the
# largest the chip's memory holds, the most bandwidth-bound): there a VC's 8 credits cover the
# credit loop on every link, so these points show the model where the RTL's optical links are
# not credit-limited (TPU v4's machine assumes that they are not). About 15 minutes on two cores
# (the 1024-chip slices take most of it).
# A third set is the full pod: 16x16x16 and 8x16x16:twisted on 64 racks, the all-reduce at 4 KiB
# and the all-to-all at its smallest size (64 and 32 KiB). About 40 minutes on two cores (the
# 4096-chip all-to-all alone 26).
# CALIBRATION_SIZES=4KiB,16KiB (say) measures fewer sizes; CALIBRATION_MAX_CHIPS=128 stops at
# that slice size (a quick partial set; 1024 leaves out the full pod); CALIBRATION_ONLY_LATENCY=1
# runs only the second set; CALIBRATION_SHAPES=2x2x4:twisted,4x4x8:twisted (say) runs only
# those slices; CALIBRATION_MERGE=1 keeps the points of OUT.json that this run does not measure
# again (a partial set updates the file instead of replacing it); PHTPU_THREADS sets phtpu pod
# --threads (default 2). The chip's send and receive lanes are recorded from the pod's report.
set -euo pipefail
build=${1:?usage: scripts/calibrate-model.sh BUILD_DIR [OUT.json]}
out=${2:-sim/model/data/calibration_pod.json}
phtpu="$build/phtpu"
[ -x "$phtpu" ] || { echo "calibrate-model.sh: no $phtpu (build the phtpu target first)" >&2; exit 1; }
command -v jq >/dev/null || { echo "calibrate-model.sh: needs jq" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=${CALIBRATION_SIZES:-4KiB,16KiB,64KiB}
max_chips=${CALIBRATION_MAX_CHIPS:-4096}
threads=${PHTPU_THREADS:-2}
merge=${CALIBRATION_MERGE:-}
[ -z "$merge" ] || [ -f "$out" ] || { echo "calibrate-model.sh: CALIBRATION_MERGE needs an existing $out" >&2; exit 1; }
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# optical latency : cube edge : racks : slice
runs=("4:2:4:2x2x4" "4:2:4:2x2x4:twisted" "4:2:8:4x4x4"
      "4:4:1:4x4x4" "4:4:2:4x4x8" "4:4:2:4x4x8:twisted" "4:4:4:4x8x8" "4:4:4:4x8x8:twisted"
      "4:4:8:8x8x8" "4:4:16:8x8x16" "4:4:16:8x8x16:twisted"
      "1:4:2:4x4x8" "1:4:8:8x8x8" "1:4:16:8x8x16" "1:4:16:8x8x16:twisted"
      "4:4:64:16x16x16" "4:4:64:8x16x16:twisted")
only_latency=${CALIBRATION_ONLY_LATENCY:-}
only_shapes=${CALIBRATION_SHAPES:-}
bytes_of() { # 4KiB -> 4096
  local s=$1
  case $s in
    *KiB) echo $(( ${s%KiB} * 1024 )) ;;
    *MiB) echo $(( ${s%MiB} * 1048576 )) ;;
    *B) echo "${s%B}" ;;
    *) echo "$s" ;;
  esac
}
i=0
for r in "${runs[@]}"; do
  olat=${r%%:*}
  r=${r#*:}
  [ -z "$only_latency" ] || [ "$olat" = "$only_latency" ] || continue
  run_sizes=$sizes
  [ "$olat" = 4 ] || run_sizes=${CALIBRATION_SIZES_LATENCY1:-16KiB,64KiB,240KiB}
  cube=${r%%:*}
  rest=${r#*:}
  racks=${rest%%:*}
  slice=${rest#*:}
  dims=${slice%%:*}
  chips=$(( $(echo "$dims" | tr x '*') ))
  [ "$chips" -le "$max_chips" ] || continue
  [ -z "$only_shapes" ] || case ",$only_shapes," in *",$slice,"*) ;; *) continue ;; esac
  # the all-to-all's sizes: each size that gives every chip a whole number of words per block,
  # else the smallest that does (chips x 16 B)
  a2a=()
  for s in ${run_sizes//,/ }; do
    # (the all-to-all holds its input and its output: at most half the chip's 256 KiB each)
    (( $(bytes_of "$s") <= 65536 )) || continue
    b=$(bytes_of "$s")
    (( b / 16 % chips == 0 )) || s="$(( chips * 16 / 1024 ))KiB"
    case " ${a2a[*]-} " in *" $s "*) ;; *) a2a+=("$s") ;; esac
  done
  a2a_sizes=$(IFS=,; echo "${a2a[*]}")
  if [ "$racks" = 64 ]; then
    # the full pod: what an hour of two cores allows (the bench's runs, docs/PERF.md)
    jobs=("allreduce:4KiB:default" "alltoall:$(( chips * 16 / 1024 ))KiB:default")
  else
    jobs=("allreduce,reducescatter,allgather:$run_sizes:default")
    [ -z "$a2a_sizes" ] || jobs+=("alltoall:$a2a_sizes:default")
    case $slice in *:twisted) jobs+=("allreduce,reducescatter,allgather:$run_sizes:logical") ;; esac
  fi
  for job in "${jobs[@]}"; do
    w=${job%%:*}
    b=${job#*:}
    algo=${b#*:}
    b=${b%%:*}
    echo "calibrate: phtpu pod --cube ${cube}x${cube}x${cube} --racks $racks --optical-latency $olat --slice $slice --workload $w --bytes $b --algorithm $algo" >&2
    start=$(date +%s)
    "$phtpu" pod --cube "${cube}x${cube}x${cube}" --racks "$racks" --optical-latency "$olat" --slice "$slice" --workload "$w" \
      --bytes "$b" --algorithm "$algo" --seed 1 --threads "$threads" -q --json "$tmp/$i.json" >/dev/null
    jq '[.send_lanes, .receive_lanes]' "$tmp/$i.json" >"$tmp/lanes.$i"
    jq --argjson cube "$cube" --argjson racks "$racks" --argjson olat "$olat" \
      '[.results[] | {shape, cube: $cube, racks: $racks, optical_latency: $olat, workload,
                      algorithm: (.algorithm // "default"), bytes, chips, cycles}]' \
      "$tmp/$i.json" >"$tmp/$(printf 'm%03d' "$i").json"
    echo "calibrate:   $(( $(date +%s) - start )) s" >&2
    i=$((i + 1))
  done
done
[ "$i" -gt 0 ] || { echo "calibrate-model.sh: no slice matches the settings: nothing measured" >&2; exit 1; }
# every run on the same chip (the pod reports its lanes)
lanes=$(cat "$tmp"/lanes.* | jq -s -c 'unique')
[ "$(echo "$lanes" | jq length)" = 1 ] || { echo "calibrate-model.sh: the runs report different lanes: $lanes" >&2; exit 1; }
send=$(echo "$lanes" | jq '.[0][0]')
recv=$(echo "$lanes" | jq '.[0][1]')
jq -s '[.[][]]' "$tmp"/m*.json >"$tmp/new.json"
if [ -n "$merge" ]; then
  [ "$(jq '[.send_lanes, .receive_lanes]' "$out" | jq -c .)" = "[$send,$recv]" ] ||
    { echo "calibrate-model.sh: $out was measured on a chip of other lanes; rerun the whole set" >&2; exit 1; }
  # the old points not measured again, then the new ones
  jq --slurpfile new "$tmp/new.json" \
    '[.measurements[] | select(. as $o | $new[0] | all(.shape != $o.shape or .cube != $o.cube or
       .optical_latency != $o.optical_latency or .workload != $o.workload or .algorithm != $o.algorithm or
       .bytes != $o.bytes))] + $new[0]' "$out" >"$tmp/all.json"
else
  cp "$tmp/new.json" "$tmp/all.json"
fi
jq --argjson send "$send" --argjson recv "$recv" \
  '{source: "scripts/calibrate-model.sh (phtpu pod; cubes of 2x2x2 and 4x4x4 chips)",
    electrical_latency: 1, optical_latency: 4, send_lanes: $send, receive_lanes: $recv,
    measurements: .}' "$tmp/all.json" >"$tmp/out.json"
mv "$tmp/out.json" "$out"
echo "wrote $out ($(jq '.measurements | length' "$out") measurements)" >&2
