#!/usr/bin/env bash
# The model's speed (sim/model): the network model's wall time on runs up to the full pod, the
# calibration table over every embedded measurement, and the workload search. A section of
# docs/PERF.md (scripts/bench.sh). Usage: scripts/bench-model.sh BUILD_DIR
# About 6 minutes on two cores (the full pod's all-to-all 2 of them, the calibration 3.5).
set -euo pipefail
build=${1:?usage: scripts/bench-model.sh BUILD_DIR}
phtpu="$build/phtpu"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { # secs CMD...: the command's wall time in seconds (its output to $tmp/out)
  local start end
  start=$(date +%s.%N)
  "$@" >"$tmp/out" 2>/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
echo "## The model (sim/model)"
echo
echo "### The network model's speed"
echo
echo "One run each, one core (the network model runs on one thread); the wall time includes about"
echo "a second of start (the analytic model's fit). Command: \`phtpu model --machine rtl --method network"
echo "--network-budget 1000 --shape S --workload W --bytes B --json F\`."
echo
echo "| shape | collective | bytes/chip | cycles | wall s | chip-cycles per s |"
echo "|---|---|---|---|---|---|"
for run in "8x8x16 alltoall 16KiB" "16x16x16 allreduce 4KiB" "16x16x16 allreduce 64KiB" "16x16x16 alltoall 64KiB"; do
  set -- $run
  t=$(secs "$phtpu" model --machine rtl --method network --network-budget 1000 --shape "$1" --workload "$2" --bytes "$3" \
        --json "$tmp/n.json")
  jq -r --arg t "$t" '.shapes[0] as $s | $s.estimates[0] |
    "| \($s.shape) | \(.workload) | \(.bytes) | \(.cycles) | \($t) | \((($s.chips * .cycles) / ($t | tonumber)) / 1e6 * 100 | round / 100) M |"' \
    "$tmp/n.json"
done
echo
t=$(secs "$phtpu" model --calibration)
echo "- \`phtpu model --calibration\` (the network model over every embedded measurement, $(nproc) threads): $t s"
t=$(secs "$phtpu" model --calibration --method analytic)
echo "- \`phtpu model --calibration --method analytic\`: $t s"
t=$(secs "$phtpu" search --chips 512 --model gpt3-175b)
echo "- \`phtpu search --chips 512 --model gpt3-175b\` (162 candidates): $t s"
t=$(secs "$phtpu" search --chips 4096 --model gpt3-175b)
echo "- \`phtpu search --chips 4096 --model gpt3-175b\`: $t s"
t=$(secs "$phtpu" compare)
echo "- \`phtpu compare\` (four machines, every slice and mapping of 512 chips each): $t s"
