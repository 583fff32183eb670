#!/usr/bin/env bash
# Run the benchmarks and write docs/PERF.md. Usage: scripts/bench.sh BUILD_DIR OUT.md
set -euo pipefail
build=${1:?usage: scripts/bench.sh BUILD_DIR OUT.md}
out=${2:?usage: scripts/bench.sh BUILD_DIR OUT.md}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || echo unknown)
table=$("$build/phtpu_bench" --repeat "${BENCH_REPEAT:-5}")
sim=$("$build/phtpu" decode --pod 16x16x16 --cube 4x4x4 --random 0 --json /dev/stdout -q | grep -E 'cycles_per_second' | tr -dc '0-9.')
# The RTL coverage section (<!-- coverage:begin --> to <!-- coverage:end -->) is written by
# scripts/coverage.sh (make coverage), not here: it is carried over from the old file unchanged.
coverage_section=
if [ -f "$out" ]; then
  coverage_section=$(sed -n '/^<!-- coverage:begin -->$/,/^<!-- coverage:end -->$/p' "$out")
fi
# written to a temporary file first: a failed benchmark leaves the old PERF.md, not half a new one
partial=$(mktemp "$out.XXXXXX")
trap 'rm -f "$partial"' EXIT
{
  echo "# Performance"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh), the RTL coverage section by \`make coverage\`"
  echo "(scripts/coverage.sh); do not edit by hand. Every figure is *measured*."
  echo
  echo "- date: $(date -u +%Y-%m-%d)"
  echo "- machine: $(nproc) cores, ${cpu}, $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "- build: CMake Release (-O3), Verilator $(verilator --version | awk '{print $2}') with -O2 --x-assign fast"
  echo "- command: \`make bench\` (median of ${BENCH_REPEAT:-5} runs per row)"
  echo
  echo "$table"
  echo
  echo "\`phtpu decode --pod 16x16x16 --cube 4x4x4 --random 0\` (the \`make sim\` flow at full pod scale,"
  echo "no trace, one process): ${sim%.*} cycles/s including the C++ scoreboard."
  echo
  echo "Shared 2-core machines vary by about +-30% run to run; compare medians side by side."
  echo
  scripts/bench-net.sh "$build" "$out" # carries its before/after section over from the old file
  echo
  scripts/bench-link.sh "$build" docs/perf/link_goodput.svg
  echo
  scripts/bench-mxu.sh "$build"
  echo
  scripts/bench-sc.sh "$build"
  echo
  scripts/bench-pod.sh "$build"
  echo
  scripts/bench-model.sh "$build"
  if [ -n "$coverage_section" ]; then
    echo
    echo "$coverage_section"
  fi
} > "$partial"
chmod 644 "$partial"
mv "$partial" "$out"
trap - EXIT
cat "$out"
