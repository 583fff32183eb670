#!/usr/bin/env bash
# Do two builds of phtpu give the same network-harness results? Runs `phtpu net` (and one
# --sweep) over a set of configurations with both binaries and compares the --json reports
# field by field, all but the wall-clock ones (wall_seconds, cycles_per_second,
# ns_per_router_cycle). For changes to sim/net that must not change what is simulated.
# Usage: scripts/net-same-results.sh OLD_PHTPU NEW_PHTPU   (NET_SAME_QUICK=1 skips 16x16x16)
set -euo pipefail
old=${1:?usage: scripts/net-same-results.sh OLD_PHTPU NEW_PHTPU}
new=${2:?usage: scripts/net-same-results.sh OLD_PHTPU NEW_PHTPU}
quick=${NET_SAME_QUICK:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runs=(
  "--shape 4x4x4 --rate 0.3 --cycles 3000"
  "--shape 4x4x4 --rate 0.02 --cycles 3000 --seed 5"
  "--shape 4x4x4 --vcs 4 --response-share 0.5 --rate 0.6 --cycles 2000 --check"
  "--shape 4x4x8 --twisted --rate 0.9 --packet-flits 3 --misaddressed 0.05 --cycles 2000 --check"
  "--shape 2x4x4 --rate 1.0 --packet-flits 2 --misaddressed 0.01 --warmup 0 --cycles 3000"
  "--shape 2x2x2 --cube 2x2x2 --rate 1.0 --packet-flits 2 --misaddressed 0.01 --warmup 0 --cycles 5000 --seed 7"
  "--shape 4x4x4 --link-latency 3 --rate 0.5 --traffic hotspot --cycles 2000 --check"
  "--shape 4x4x4 --link-latency 2 --rate 0.4 --packet-flits 4 --vcs 4 --response-share 0.3 --cycles 2000"
  "--shape 4x4x4 --traffic bitcomp --rate 0.4 --cycles 1000"
  "--shape 4x4x4 --traffic transpose --rate 0.4 --cycles 1000"
  "--shape 4x4x4 --traffic neighbor --rate 0.8 --cycles 1000"
  "--shape 4x4x4 --journey 0,0,0:2,3,1 --rate 0.2 --cycles 1000"
  "--shape 4x4x4 --rate 0.3 --cycles 500 --trace TRACE --trace-cycles 50"
  "--shape 8x8x8 --traffic tornado --rate 0.3 --cycles 500 --warmup 200"
  "--shape 8x8x8 --rate 0.6 --cycles 300 --warmup 200 --seed 3"
  "--sweep --shape 4x4x4 --rates 0.3,0.9 --cycles 1000 --warmup 200"
)
[ "$quick" = 1 ] || runs+=("--shape 16x16x16 --rate 0.3 --cycles 100 --warmup 100")

strip='def s: walk(if type == "object" then del(.wall_seconds, .cycles_per_second, .ns_per_router_cycle) else . end); s'
fail=0
for i in "${!runs[@]}"; do
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    args=${runs[$i]//TRACE/$tmp/$side.fst}
    # shellcheck disable=SC2086
    "$bin" net $args --json "$tmp/$side.json" >/dev/null
    jq -S "$strip" "$tmp/$side.json" >"$tmp/$side.norm"
  done
  if cmp -s "$tmp/old.norm" "$tmp/new.norm"; then
    echo "same:      phtpu net ${runs[$i]}"
  else
    echo "DIFFERENT: phtpu net ${runs[$i]}"
    diff "$tmp/old.norm" "$tmp/new.norm" | head -20
    fail=1
  fi
done
exit $fail
