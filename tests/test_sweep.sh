#!/bin/sh
# scripts/sweep.py and scripts/sweep-slurm.sh end to end: a job list of two quick `phtpu pod` runs
# (tests/data/sweep/spec.json), run by GNU parallel; job 1 run again as a Slurm array task gives
# the same CSV; the merged CSV against hand-written expectations; the error paths.
# Usage (from the source root, as CTest runs it): tests/test_sweep.sh PYTHON PHTPU WORKDIR
set -eu

PY=$1 PHTPU=$2 W=$3
D=tests/data/sweep
fail() { echo "test_sweep: $*" >&2; exit 1; }
sweep() { "$PY" scripts/sweep.py "$@"; }
# expect_error STATUS WHAT COMMAND...: the command exits STATUS with exactly one line on stderr
expect_error() {
  want=$1 what=$2; shift 2
  set +e; "$@" >"$W/out" 2>"$W/err"; rc=$?; set -e
  [ "$rc" -eq "$want" ] || fail "$what: exit status $rc, expected $want ($(cat "$W/err"))"
  [ "$(wc -l <"$W/err")" -eq 1 ] || fail "$what: expected one line on stderr, got: $(cat "$W/err")"
  echo "  $what -> $(cat "$W/err")"
}

command -v parallel >/dev/null 2>&1 || fail "GNU parallel is not installed (scripts/install-deps.sh installs it)"
[ -x "$PHTPU" ] || fail "$PHTPU not built"
rm -rf "$W"
mkdir -p "$W"

sweep --help >/dev/null
sweep jobs --help >/dev/null
sweep merge --help >/dev/null
scripts/sweep-slurm.sh --help >/dev/null

# the job list: one complete command a line, in the spec's order
sweep jobs "$D/spec.json" -o "$W/a/jobs.txt" --phtpu "$PHTPU" 2>/dev/null
sed "s|@PHTPU@|$PHTPU|g; s|@OUT@|$W/a|g" "$D/jobs.expected" >"$W/jobs.expected"
diff -u "$W/jobs.expected" "$W/a/jobs.txt" || fail "job list differs from $D/jobs.expected"

# GNU parallel runs it as it is
parallel --will-cite -j 2 --joblog "$W/a/parallel.log" <"$W/a/jobs.txt" >"$W/a/parallel.out" ||
  fail "parallel: $? jobs failed (joblog $W/a/parallel.log)"
[ "$(awk -F'\t' 'NR > 1 && $7 == 0' "$W/a/parallel.log" | wc -l)" -eq 2 ] || fail "joblog: not 2 jobs with exit value 0"
for n in 1 2; do [ -s "$W/a/job-000$n.csv" ] || fail "job $n wrote no CSV"; done
[ -z "$(find "$W/a" -name '*.part')" ] || fail "a .part file left after successful jobs"

# a Slurm array task runs line SLURM_ARRAY_TASK_ID of the same kind of list, nothing else
sweep jobs "$D/spec.json" -o "$W/b/jobs.txt" --phtpu "$PHTPU" 2>/dev/null
SLURM_ARRAY_TASK_ID=1 scripts/sweep-slurm.sh "$W/b/jobs.txt" >/dev/null
cmp "$W/a/job-0001.csv" "$W/b/job-0001.csv" || fail "job 1 under sweep-slurm.sh differs from job 1 under parallel"
[ ! -e "$W/b/job-0002.csv" ] || fail "sweep-slurm.sh ran more than its line"

# the merged CSV: job number and parameters first, then the job's columns, one row per job row
sweep merge "$W/a" -o "$W/all.csv" 2>/dev/null
[ "$(head -n 1 "$W/all.csv")" = "job,arg_workload,arg_bytes,slice,shape,chips,workload,bytes,cycles,algbw_bytes_per_cycle,busbw_bytes_per_cycle,ok,algorithm,flits_electrical,flits_optical" ] ||
  fail "merged header: $(head -n 1 "$W/all.csv")"
[ "$(wc -l <"$W/all.csv")" -eq 3 ] || fail "merged CSV: $(wc -l <"$W/all.csv") lines, expected 3 (header and 2 rows)"
cut -d, -f1-8,12 "$W/all.csv" | diff -u "$D/merged.expected" - || fail "merged CSV differs from $D/merged.expected"
tail -n +2 "$W/all.csv" | cut -d, -f4- >"$W/merged.rows"
tail -q -n +2 "$W/a/job-0001.csv" "$W/a/job-0002.csv" | diff -u - "$W/merged.rows" || fail "merged rows differ from the jobs' rows"

echo "error paths:"
# a job not run: one line naming it, no output file and no temporary left
expect_error 1 "merge, job 2 not run" sweep merge "$W/b" -o "$W/bad.csv"
grep -q "no CSV 2 " "$W/err" || fail "merge does not name job 2"
# a job that failed leaves its .part
: >"$W/b/job-0002.csv.part"
expect_error 1 "merge, job 2 failed" sweep merge "$W/b" -o "$W/bad.csv"
grep -q "failed 2 " "$W/err" || fail "merge does not name job 2 as failed"
# columns that differ
cp "$W/a/job-0001.csv" "$W/b/job-0002.csv"
sed -i '1s/,ok,/,check,/' "$W/b/job-0002.csv"
expect_error 1 "merge, columns differ" sweep merge "$W/b" -o "$W/bad.csv"
[ ! -e "$W/bad.csv" ] || fail "a failed merge left $W/bad.csv"
[ -z "$(find "$W" -maxdepth 1 -name '.bad.csv*')" ] || fail "a failed merge left a temporary file"
expect_error 1 "merge, not a sweep directory" sweep merge "$D" -o "$W/bad.csv"
# bad specs: one line, exit status 1, no job list
for case in 'unknown axis|{"command": "pod", "axes": {"rackz": [1]}}' \
            'empty axis|{"command": "pod", "axes": {"racks": []}}' \
            'unknown key|{"command": "pod", "axes": {"racks": [1]}, "axis": {}}' \
            'no csv|{"command": "net", "axes": {"rate": [0.1]}}'; do
  printf '%s\n' "${case#*|}" >"$W/bad.json"
  expect_error 1 "jobs, ${case%%|*}" sweep jobs "$W/bad.json" -o "$W/bad/jobs.txt" --phtpu "$PHTPU"
  [ ! -e "$W/bad/jobs.txt" ] || fail "jobs wrote a job list for a bad spec"
done
expect_error 2 "jobs, no -o" sweep jobs "$D/spec.json"
# sweep-slurm.sh: a task beyond the list, no task id
expect_error 1 "sweep-slurm.sh, task 3 of 2" env SLURM_ARRAY_TASK_ID=3 scripts/sweep-slurm.sh "$W/a/jobs.txt"
expect_error 1 "sweep-slurm.sh, no task id" env -u SLURM_ARRAY_TASK_ID scripts/sweep-slurm.sh "$W/a/jobs.txt"
echo "test_sweep: ok"
