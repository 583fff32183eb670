#!/usr/bin/env bash
# MXU tile benchmarks, printed as a Markdown section for docs/PERF.md.
# Usage: scripts/bench-mxu.sh BUILD_DIR   (called by scripts/bench.sh)
set -euo pipefail
build=${1:?usage: scripts/bench-mxu.sh BUILD_DIR}
phtpu="$build/phtpu"

run() { # print the command and its one-line result
  echo "- \`phtpu $*\`"
  echo "  - $("$phtpu" "$@" | head -1)"
}

echo "## MXU tile (rtl/mxu)"
echo
echo "Simulation speed: \`phtpu_bench_mxu --repeat 3\` (no trace; one GEMM of M=1024 rows, K = N = 4"
echo "array widths, checked bit for bit against the golden model; cycles/s is the median of 3 runs, the"
echo "driver's C++ included; ns per PE-cycle = 1 s / (cycles/s x N^2))."
echo
"$build/phtpu_bench_mxu" --repeat 3
echo
echo "Utilization for M = 1024 with K and N several tiles deep (target >= 99% of peak; SCALE-Sim's"
echo "weight-stationary model, which does not overlap weight loads, is printed by \`phtpu mxu\` beside it):"
echo
run mxu --size 8 --m 1024 --k 64 --n 64 -q
run mxu --size 16 --m 1024 --k 128 --n 128 -q
run mxu --size 4 --m 1024 --k 32 --n 32 -q
echo
echo "Where the other cycles go (\`phtpu mxu --size 8 --m 1024 --k 64 --n 64\`):"
echo
echo '```'
"$phtpu" mxu --size 8 --m 1024 --k 64 --n 64 | grep -E 'cycles|utilization|SCALE'
echo '```'
echo
echo "SCALE-Sim's formula on the full-size array for 1024^3 (128x128): $(python3 -c 'import math; c=8*8*(256+128+1024-2)-1; print(f"{c} cycles, {65536/c*100:.1f} %")') of peak (derived)."
