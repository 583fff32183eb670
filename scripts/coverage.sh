#!/usr/bin/env bash
# RTL coverage of the test suite (make coverage): Verilator line and toggle coverage.
#
# Usage: scripts/coverage.sh [--jobs N] [--no-docs] [BUILD_DIR]      (BUILD_DIR: build-coverage)
#   1. configures BUILD_DIR with -DPHTPU_COVERAGE=ON (Release; cmake/PhtpuCoverage.cmake) and builds it
#   2. runs every CTest entry there except rtl/lint/* and rtl/synth/*, every process that ran a
#      model writing its counts under PHTPU_COVERAGE_DIR (tb/coverage.hpp)
#   3. merges them with verilator_coverage into BUILD_DIR/coverage/:
#        coverage.dat   the merged counts          annotated/   the sources, annotated
#        coverage.info  lcov tracefile             html/        genhtml's report (if lcov is installed)
#        summary.md     line and toggle coverage per RTL block (rtl/<block>) and per file
#   4. prints the summary and writes the per-block table into docs/PERF.md, between the markers
#      <!-- coverage:begin --> and <!-- coverage:end --> (appended when absent; make bench keeps it)
#   --jobs N    parallel build jobs and tests (default: $JOBS, else the number of cores)
#   --no-docs   leave docs/PERF.md alone
# Logs: BUILD_DIR/coverage-{configure,build,ctest}.log. On failure: one line on stderr, exit 1,
# and the previous BUILD_DIR/coverage/ and docs/PERF.md are left as they were.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
me=coverage.sh
die() { echo "$me: $*" >&2; exit 1; }
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
docs=1
build=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number (try --help)"; jobs=$2; shift 2 ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    --no-docs) docs=0; shift ;;
    -*) echo "$me: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "$me: one BUILD_DIR only (try --help)" >&2; exit 2; }; build=$1; shift ;;
  esac
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --jobs wants a positive number, not '$jobs'" >&2; exit 2; }
build=${build:-build-coverage}
case "$build" in /*) ;; *) build="$root/$build" ;; esac

for tool in cmake ctest verilator_coverage; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (scripts/install-deps.sh installs it)"
done

start=$(date +%s)
elapsed() { local s=$(( $(date +%s) - start )); printf '%d min %02d s' $((s / 60)) $((s % 60)); }

mkdir -p "$build" || die "cannot create $build"
# every output is made in a scratch folder and moved into place at the end
work=$(mktemp -d "$build/coverage.tmp.XXXXXX") || die "cannot create a scratch folder in $build"
trap 'rm -rf "$work"' EXIT

echo "$me: configuring $build (-DPHTPU_COVERAGE=ON)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPHTPU_COVERAGE=ON > "$build/coverage-configure.log" 2>&1 ||
  die "cmake could not configure $build (log: $build/coverage-configure.log)"
grep -q '^PHTPU_COVERAGE:BOOL=ON$' "$build/CMakeCache.txt" || die "$build is not configured with PHTPU_COVERAGE=ON"

echo "$me: building $build (-j $jobs; log: $build/coverage-build.log)"
build_start=$(date +%s)
cmake --build "$build" -j "$jobs" > "$build/coverage-build.log" 2>&1 ||
  die "the build failed (log: $build/coverage-build.log)"
build_s=$(( $(date +%s) - build_start ))

raw="$work/raw"
mkdir -p "$raw"
echo "$me: running the tests but rtl/lint and rtl/synth (-j $jobs; log: $build/coverage-ctest.log)"
if ! (cd "$build" && PHTPU_COVERAGE_DIR="$raw" ctest -j "$jobs" -E '^rtl/(lint|synth)/' --output-on-failure \
        > "$build/coverage-ctest.log" 2>&1); then
  failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) .*/\1/p' "$build/coverage-ctest.log" | head -5 | tr '\n' ' ')
  die "tests failed: ${failed:-see the log} (log: $build/coverage-ctest.log)"
fi
tests=$(sed -n 's/.*tests passed, [0-9]* tests failed out of \([0-9]*\)$/\1/p' "$build/coverage-ctest.log" | tail -1)
[ -n "$tests" ] && [ "$tests" -gt 0 ] || die "ctest ran no test (log: $build/coverage-ctest.log)"

ndat=$(find "$raw" -name '*.dat' | wc -l)
[ "$ndat" -gt 0 ] || die "no process wrote coverage data (is $build built with PHTPU_COVERAGE=ON?)"
echo "$me: $tests tests passed; merging $ndat coverage files"

out="$work/coverage"
mkdir -p "$out"
# merge in batches (thousands of files: keep each command line short), then the batches
find "$raw" -name '*.dat' -print0 | sort -z | xargs -0 -n 200 sh -c '
  verilator_coverage --write "$(mktemp "$0/batch.XXXXXX")" "$@" > /dev/null' "$work" ||
  die "verilator_coverage could not merge the files under $raw"
verilator_coverage --write "$out/coverage.dat" "$work"/batch.* > /dev/null ||
  die "verilator_coverage could not merge the batches"
# --annotate-min 1: a point run once counts as covered (the default asks for 10)
verilator_coverage --annotate "$out/annotated" --annotate-all --annotate-min 1 "$out/coverage.dat" \
  > "$work/annotate.log" 2>&1 || die "verilator_coverage --annotate failed ($(tail -1 "$work/annotate.log"))"
verilator_coverage --write-info "$out/coverage.info" "$out/coverage.dat" > /dev/null 2>&1 ||
  die "verilator_coverage --write-info failed"
html=none
if command -v genhtml >/dev/null 2>&1; then
  genhtml --quiet --output-directory "$out/html" --title "phext-tpu RTL coverage" "$out/coverage.info" \
    > "$work/genhtml.log" 2>&1 || die "genhtml failed ($(tail -1 "$work/genhtml.log"))"
  html="$build/coverage/html/index.html"
fi

# ---- the summary: line and toggle coverage per RTL block and per file ----------------------
# A point of coverage.dat is one line: C '<key>\002<value>\001<key>\002<value>...' <count>.
# Keys: f file, l line, n column, o what (block, if, else, case, a signal bit), page
# v_line/<module> (a statement block), v_branch/<module> (an if or case arm) or
# v_toggle/<module> (one bit of one signal), S the source lines a line or branch point stands
# for. <module> carries a suffix per parameter set (sc_fifo__Wa2_D8): a point of the source
# counts once, covered when any parameter set ran it (the MXU tile at 4, 8 and 16, the chip's
# and the unit's SparseCore). Line coverage counts source lines: a line is covered when every line or
# branch point that stands for it ran at least once (as verilator_coverage --annotate marks a
# line: an if's line is covered once both arms ran). Toggle coverage counts bits: a bit is
# covered when it changed value at least once (Verilator counts every change of a bit).
date=$(date -u +%Y-%m-%d)
LC_ALL=C awk -v root="$root/" -v date="$date" -v wall="$(elapsed)" -v tests="$tests" -v vl="$(verilator --version | awk '{print $2}')" '
function pct(h, t) { return t == 0 ? "-" : sprintf("%.1f %%", 100 * h / t) }
function cell(h, t) { return t == 0 ? "-" : sprintf("%s (%d/%d)", pct(h, t), h, t) }
/^C / {
  count = $NF + 0
  s = $0; sub(/^C \047/, "", s); sub(/\047 [0-9]+$/, "", s)
  n = split(s, kv, "\001"); file = ""; line = ""; col = ""; page = ""; comment = ""; lines = ""
  for (i = 1; i <= n; i++) {
    k = kv[i]; p = index(k, "\002"); if (p == 0) continue
    key = substr(k, 1, p - 1); val = substr(k, p + 1)
    if (key == "f") file = val; else if (key == "l") line = val; else if (key == "n") col = val
    else if (key == "page") page = val; else if (key == "o") comment = val; else if (key == "S") lines = val
  }
  if (substr(file, 1, length(root)) == root) file = substr(file, length(root) + 1)
  if (file !~ /^rtl\//) next
  # one point of the source whatever the parameters: the page names the module with its
  # parameter suffix (v_line/sc_fifo__Wa2_D8), and any specialization that ran it covers it
  kind = page; sub(/\/.*/, "", kind)
  if (kind != "v_toggle" && kind != "v_line" && kind != "v_branch") next
  id = file SUBSEP line SUBSEP col SUBSEP kind SUBSEP comment
  if (!(id in pfile)) { pfile[id] = file; pkind[id] = kind; plines[id] = (lines == "" ? line : lines); phit[id] = 0 }
  if (count > 0) phit[id] = 1
  files[file] = 1
}
END {
  for (id in pfile) {
    file = pfile[id]
    if (pkind[id] == "v_toggle") { tt[file]++; th[file] += phit[id]; continue }
    m = split(plines[id], rng, ",")
    for (j = 1; j <= m; j++) {
      a = rng[j]; b = a
      if ((q = index(a, "-")) > 0) { b = substr(a, q + 1); a = substr(a, 1, q - 1) }
      for (x = a + 0; x <= b + 0; x++) {
        lid = file SUBSEP x
        if (!(lid in seen)) { seen[lid] = 1; lt[file]++; lh[file]++ }
        if (!phit[id] && !(lid in missed)) { missed[lid] = 1; lh[file]-- }
      }
    }
  }
  nb = split("common ici mxu sparsecore ocs chip", blocks, " ")
  for (f in files) { split(f, part, "/"); fb[f] = part[2] }
  # per block
  hdr = "| %s | line | toggle |\n|---|---|---|\n"
  tb = sprintf(hdr, "block")
  for (i = 1; i <= nb; i++) {
    b = blocks[i]; blh = blt = bth = btt = 0
    for (f in files) if (fb[f] == b) { blh += lh[f]; blt += lt[f]; bth += th[f]; btt += tt[f] }
    tb = tb sprintf("| rtl/%s | %s | %s |\n", b, cell(blh, blt), cell(bth, btt))
    LH += blh; LT += blt; TH += bth; TT += btt
  }
  tb = tb sprintf("| all | %s | %s |\n", cell(LH, LT), cell(TH, TT))
  # per file, in block order, then by name
  tf = sprintf(hdr, "file")
  for (i = 1; i <= nb; i++) {
    k = 0
    for (f in files) if (fb[f] == blocks[i]) names[++k] = f
    for (x = 2; x <= k; x++) { v = names[x]; for (y = x - 1; y >= 1 && names[y] > v; y--) names[y + 1] = names[y]; names[y + 1] = v }
    for (x = 1; x <= k; x++) { f = names[x]; tf = tf sprintf("| %s | %s | %s |\n", f, cell(lh[f], lt[f]), cell(th[f], tt[f])) }
  }
  printf "%s", tb > BLOCKS
  for (i = 1; i <= nb; i++) for (f in files) if (fb[f] == blocks[i] && lt[f] > 0 && lh[f] < 0.9 * lt[f])
    low = low (low == "" ? "" : ", ") sprintf("%s %s", f, pct(lh[f], lt[f]))
  printf "%s", low > LOW
  printf "# RTL coverage\n\n" > SUMMARY
  printf "Written by `make coverage` (scripts/coverage.sh) on %s: Verilator %s line and toggle coverage\n", date, vl > SUMMARY
  printf "of %s CTest entries (every one but rtl/lint and rtl/synth); this run took %s.\n", tests, wall > SUMMARY
  printf "Line: source lines in statement blocks and branch arms, covered when every point on them ran\n" > SUMMARY
  printf "at least once. Toggle: signal bits, covered when they changed value at least once.\n\n" > SUMMARY
  printf "## Per block\n\n%s\n## Per file\n\n%s", tb, tf > SUMMARY
}' BLOCKS="$work/blocks.md" LOW="$work/low.txt" SUMMARY="$out/summary.md" "$out/coverage.dat" ||
  die "could not summarize $out/coverage.dat"
grep -q '^| rtl/' "$work/blocks.md" || die "coverage.dat has no point in rtl/ (were the models verilated from $root/rtl?)"

# ---- docs/PERF.md: the marked section -----------------------------------------------------
perf="$root/docs/PERF.md"
if [ "$docs" = 1 ]; then
  section="$work/section.md"
  {
    echo "<!-- coverage:begin -->"
    echo "## RTL coverage"
    echo
    echo "Written by \`make coverage\` (scripts/coverage.sh); do not edit by hand (\`make bench\` keeps this"
    echo "section as it is). Verilator $(verilator --version | awk '{print $2}') line and toggle coverage of the test suite: every CTest"
    echo "entry but rtl/lint and rtl/synth ($tests entries), the models verilated with --coverage-line"
    echo "--coverage-toggle. Line: source lines in statement blocks and branch arms, a line covered when"
    echo "every point on it ran at least once (an if's line once both arms ran). Toggle: signal bits,"
    echo "covered when they changed value at least once. Per file, the annotated sources and an lcov"
    echo "report: \`build-coverage/coverage/\` (summary.md, annotated/, html/)."
    echo
    echo "- date: $date"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || echo unknown)"
    echo "- command: \`make coverage\` (wall time of this run: $(elapsed), of which $((build_s / 60)) min $((build_s % 60)) s building)"
    echo
    cat "$work/blocks.md"
    echo
    echo "Files under 90 % line coverage: $(if [ -s "$work/low.txt" ]; then cat "$work/low.txt"; else echo none; fi)."
    echo "<!-- coverage:end -->"
  } > "$section"
  newperf=$(mktemp "$perf.XXXXXX") || die "cannot write next to $perf"
  trap 'rm -rf "$work" "$newperf"' EXIT
  if [ -f "$perf" ] && grep -q '^<!-- coverage:begin -->$' "$perf"; then
    grep -q '^<!-- coverage:end -->$' "$perf" || die "$perf has <!-- coverage:begin --> without <!-- coverage:end -->"
    awk -v sec="$section" '
      /^<!-- coverage:begin -->$/ { while ((getline l < sec) > 0) print l; skip = 1; next }
      /^<!-- coverage:end -->$/ { skip = 0; next }
      !skip' "$perf" > "$newperf" || die "could not rewrite $perf"
  else
    { [ -f "$perf" ] && cat "$perf" && echo; cat "$section"; } > "$newperf" || die "could not write $perf"
  fi
  chmod 644 "$newperf"
fi

# ---- into place -----------------------------------------------------------------------------
rm -rf "$build/coverage"
mv "$out" "$build/coverage" || die "could not move the report into $build/coverage"
[ "$docs" = 1 ] && { mv "$newperf" "$perf" || die "could not replace $perf"; }
cat "$work/blocks.md"
echo "$me: done in $(elapsed): $build/coverage/{coverage.dat,coverage.info,summary.md,annotated/}"
[ "$html" != none ] && echo "$me: HTML report: $html"
[ "$docs" = 1 ] && echo "$me: per-block table written to docs/PERF.md (RTL coverage)"
exit 0
