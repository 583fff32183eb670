#!/bin/sh
# The report's figure scripts (scripts/report/*.py) on real runs, against hand-derived values:
#   architecture.py  a 2x2x4 and a 2x2x2 slice of 2x2x2 cubes: every ring of one cube closes on
#                    its own rack through each of the 4 OCSes of its dimension (one circuit each),
#                    the 2x2x4's two cubes are joined along z by 2 circuits in each of 4 OCSes;
#   journey.py       8x8x8, 1,2,3 -> 6,7,0: dimension order, the shorter way round each ring of 8:
#                    3 hops -x (1,0,7,6), 3 -y (2,1,0,7), 3 -z (3,2,1,0); the x and y ones from 0
#                    to 7 leave the cube (4x4x4 cubes): 9 hops, 2 across cubes;
#   sc_occupancy.py  its ingest count is the unit's own lookup counter, its output count the
#                    bags' groups (dim 16: two groups of 8 per bag).
# Usage: tests/test_report_scripts.sh PYTHON PHTPU OUTDIR
set -eu
py=$1 phtpu=$2 out=$3
mkdir -p "$out"
fail() { echo "test_report_scripts: $*" >&2; exit 1; }

"$phtpu" pod --cube 2x2x2 --racks 4 --spares 1 --slice 2x2x4 --slice 2x2x2 --workload allreduce --bytes 16B -q \
  --plan-json "$out/plan.json" >/dev/null
"$py" scripts/report/architecture.py "$out/plan.json" >"$out/arch.dot"
edges=$(grep -- '->' "$out/arch.dot" | sed 's/ \[color="[^"]*", fontcolor="[^"]*", label="\([^"]*\)"\];/ \1/' | sort | tr '\n' ';')
want='  rack0 -> rack0 x x4;  rack0 -> rack0 y x4;  rack0 -> rack1 z x8;  rack1 -> rack1 x x4;  rack1 -> rack1 y x4;  rack2 -> rack2 x x4;  rack2 -> rack2 y x4;  rack2 -> rack2 z x4;'
[ "$edges" = "$want" ] || fail "architecture edges: got '$edges', want '$want'"
grep -q 'slice 1: 2x2x4, Z arm 1.1.1' "$out/arch.dot" || fail "architecture: no cluster for slice 1"

"$phtpu" net --shape 8x8x8 --rate 0.05 --cycles 500 --journey 1,2,3:6,7,0 --json "$out/net.json" >/dev/null
"$py" scripts/report/journey.py "$out/net.json" >"$out/journey.dot"
[ "$(grep -c -- '->' "$out/journey.dot")" = 9 ] || fail "journey: not 9 hops"
[ "$(grep -- '->' "$out/journey.dot" | grep -c dashed)" = 2 ] || fail "journey: not 2 hops across cubes"
grep -q 'n0 \[fillcolor="#fde0c5", label="chip 1,2,3' "$out/journey.dot" || fail "journey: does not start at 1,2,3"
grep -q 'label="chip 6,7,0' "$out/journey.dot" || fail "journey: does not reach 6,7,0"
if "$py" scripts/report/journey.py "$out/plan.json" >/dev/null 2>&1; then fail "journey.py took a file without a journey"; fi

"$phtpu" sparsecore --batch 16 --valence 1:10 --vocab 10000 --dim 16 --shards 4 --own-chip 1 --mem-latency 20 \
  --trace "$out/sc.fst" --json "$out/sc.json" >/dev/null
fst2vcd "$out/sc.fst" >"$out/sc.vcd" 2>/dev/null
"$py" scripts/report/sc_occupancy.py "$out/sc.vcd" 1 >"$out/occ.dat"
lookups=$("$py" -c "import json; print(json.load(open('$out/sc.json'))['counters']['lookups'])")
ingest=$(awk 'NF == 3 && $2 == 0 { s += $3 } END { printf "%d", s }' "$out/occ.dat")
outputs=$(awk 'NF == 3 && $2 == 8 { s += $3 } END { printf "%d", s }' "$out/occ.dat")
[ "$ingest" = "$lookups" ] || fail "occupancy: $ingest lookups ingested, the unit counted $lookups"
[ "$outputs" = 32 ] || fail "occupancy: $outputs output groups, want 16 bags x 2"
echo "test_report_scripts: architecture, journey and SparseCore occupancy as derived by hand"
