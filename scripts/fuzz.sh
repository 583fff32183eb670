#!/usr/bin/env bash
# Run each libFuzzer target for a fixed time.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]   (default: every target)
# Corpora are kept in BUILD_DIR/corpus-<target> (seeded from tests/fuzz/seeds-<target>/),
# so repeated runs continue where the last one stopped. Exits non-zero if a target crashes;
# the crashing input is left in BUILD_DIR as crash-* for `TARGET crash-*` to reproduce, and the
# fuzzer's output in BUILD_DIR/fuzz-<target>.log.
set -euo pipefail
build=${1:?usage: scripts/fuzz.sh BUILD_DIR SECONDS}
secs=${2:?usage: scripts/fuzz.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("${@:3}")
((${#targets[@]})) || targets=(fuzz_coordinate fuzz_document)
for t in "${targets[@]}"; do
  [ -x "$build/$t" ] || { echo "fuzz.sh: no fuzz target $build/$t" >&2; exit 2; }
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  [ -d "$root/tests/fuzz/seeds-$t" ] && cp -n "$root/tests/fuzz/seeds-$t"/* "$corpus"/ 2>/dev/null || true
  echo "== $t: ${secs}s"
  log="$build/fuzz-$t.log"
  rc=0
  (cd "$build" && "./$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "corpus-$t") >"$log" 2>&1 || rc=$?
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)' "$log" || true
  if [ "$rc" -ne 0 ] || ls "$build"/crash-* "$build"/timeout-* "$build"/oom-* "$build"/leak-* >/dev/null 2>&1; then
    echo "fuzz: $t failed (exit $rc); see $log" >&2
    ls "$build"/crash-* "$build"/timeout-* "$build"/oom-* "$build"/leak-* 2>/dev/null >&2 || true
    exit 1
  fi
done
echo "fuzz: no failures"
