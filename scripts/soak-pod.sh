#!/usr/bin/env bash
# Soak of the scaled pod: N random runs of `phtpu pod` on the default pod (pods/small.json: 11
# racks of 2x2x2 chips, one of them a spare), each with random slice shapes filling up to the 10
# racks in service, a random sequence of 3..7 workloads in random order, a random message size
# and a random data seed. A run passes when phtpu exits 0: every collective verified against its
# definition on every chip, every embedding bag and GEMM bit-exact, 0 flits lost at the OCSes and
# every packet sent received (no stall: the pod's watchdog would end the run). The cases come
# from SEED alone, so a failure is reproduced by its command line, which is printed.
# Runs go to GNU parallel, one per core (JOBS overrides).
#
# usage: scripts/soak-pod.sh BUILD_DIR [RUNS] [SEED]     (defaults: 200 runs, seed 1)
# prints one Markdown line per failure and a summary line; exits 1 if any run failed.
set -euo pipefail
usage="usage: scripts/soak-pod.sh BUILD_DIR [RUNS] [SEED]"
build=${1:?$usage}
runs=${2:-200}
seed=${3:-1}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "soak-pod.sh: RUNS must be a positive number, not '$runs'" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "soak-pod.sh: SEED must be a number, not '$seed'" >&2; exit 2; }
phtpu="$build/phtpu"
[[ -x $phtpu ]] || { echo "soak-pod.sh: $phtpu not found (build it first: make build)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "soak-pod.sh: GNU parallel is missing (scripts/install-deps.sh)" >&2; exit 2; }
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The cases: one phtpu argument list per line. Slices are drawn from the shapes a 2x2x2-cube pod
# offers (racks in brackets) until the next would not fit the 10 racks in service.
awk -v runs="$runs" -v seed="$seed" 'BEGIN {
  srand(seed);
  n = split("2x2x2:1 2x2x4:2 2x2x4:twisted:2 2x2x6:3 2x2x8:4 2x4x4:4 2x4x4:twisted:4 4x4x4:8 2x4x8:8", shapes, " ");
  # (the embedding lookup twice: its requests and responses are what the message classes keep apart)
  w = split("allreduce allreduce-hier reducescatter reducescatter-hier allgather allgather-hier alltoall scatter gather " \
            "embedding embedding dp llm dlrm", loads, " ");
  b = split("512B 1KiB 2KiB 4KiB", sizes, " ");
  for (r = 1; r <= runs; r++) {
    racks = 10; args = "";
    do {
      s = shapes[1 + int(rand() * n)];
      k = s; sub(/.*:/, "", k); k += 0;
      name = s; sub(/:[0-9]+$/, "", name);
      if (k <= racks) { args = args " --slice " name; racks -= k }
    } while (racks > 0 && rand() < 0.6 || args == "");
    m = 3 + int(rand() * 5); seq = ""; coll = 0;
    for (i = 1; i <= m; i++) {
      l = loads[1 + int(rand() * w)]; seq = seq (i > 1 ? "," : "") l
      if (l !~ /^(embedding|dp|llm|dlrm)$/) coll = 1
    }
    # (--bytes sizes the collectives: a sequence without one takes none)
    size = sizes[1 + int(rand() * b)];
    printf "--config pods/small.json%s --workload %s%s --seed %d\n", args, seq, coll ? " --bytes " size : "",
           1 + int(rand() * 1000000);
  }
}' > "$tmp/cases"

# one shell command per case: its JSON and stderr kept per case number
awk -v phtpu="$phtpu" -v tmp="$tmp" '{ printf "%s pod %s -q --json %s/run-%d.json > /dev/null 2> %s/run-%d.err\n",
                                       phtpu, $0, tmp, NR, tmp, NR }' "$tmp/cases" > "$tmp/commands"
start=$(date +%s)
parallel --jobs "${JOBS:-$(nproc)}" < "$tmp/commands" || true # each case is judged below
wall=$(( $(date +%s) - start ))

passed=0 failed=0 cycles=0 packets=0
i=0
while IFS= read -r args; do
  i=$((i + 1))
  if [[ -s $tmp/run-$i.json ]] && jq -e '.lost == 0 and .packets_sent == .packets_received and
         ([.results[].ok] | all)' "$tmp/run-$i.json" > /dev/null && ! grep -q . "$tmp/run-$i.err"; then
    passed=$((passed + 1))
    cycles=$((cycles + $(jq '.cycles' "$tmp/run-$i.json")))
    packets=$((packets + $(jq '.packets_received' "$tmp/run-$i.json")))
  else
    failed=$((failed + 1))
    echo "- FAILED: \`phtpu pod $args\`: $(head -c 300 "$tmp/run-$i.err" | tr '\n' ' ')"
  fi
done < "$tmp/cases"
echo "$passed of $runs random runs passed ($failed failed); the passed runs simulated $cycles cycles and delivered $packets packets, none lost; seed $seed, ${wall} s on ${JOBS:-$(nproc)} jobs"
[[ $failed -eq 0 ]]
