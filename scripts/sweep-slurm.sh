#!/usr/bin/env bash
# The body of a Slurm array task: run line $SLURM_ARRAY_TASK_ID (1-based) of a job list written
# by `scripts/sweep.py jobs`, and nothing else; the task's exit status is the job's.
#
# Usage: sbatch --array=1-N scripts/sweep-slurm.sh JOBS.txt    (N: the lines of JOBS.txt)
#        SLURM_ARRAY_TASK_ID=3 scripts/sweep-slurm.sh JOBS.txt  (job 3 by hand)
#
# The line runs under bash in the current directory, which under sbatch is the directory sbatch
# was called from: submit from where `sweep.py jobs` ran, as the job list's paths may be relative.
# GNU parallel runs the same file: parallel --joblog LOG < JOBS.txt. Merge with sweep.py merge.
set -euo pipefail

case "${1:-}" in
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
if [ $# -ne 1 ]; then
  echo "sweep-slurm.sh: usage: sweep-slurm.sh JOBS.txt, with SLURM_ARRAY_TASK_ID set (try --help)" >&2
  exit 2
fi
jobs=$1
id=${SLURM_ARRAY_TASK_ID:-}
if [ -z "$id" ]; then
  echo "sweep-slurm.sh: SLURM_ARRAY_TASK_ID is not set (submit with sbatch --array=1-N, or set it by hand)" >&2
  exit 1
fi
if ! [[ $id =~ ^[1-9][0-9]*$ ]]; then
  echo "sweep-slurm.sh: SLURM_ARRAY_TASK_ID '$id' is not a job number (1, 2, ...)" >&2
  exit 1
fi
if [ ! -r "$jobs" ]; then
  echo "sweep-slurm.sh: cannot read the job list $jobs" >&2
  exit 1
fi
n=$(awk 'END { print NR }' "$jobs")
if [ "$id" -gt "$n" ]; then
  echo "sweep-slurm.sh: job $id of a job list of $n lines ($jobs): submit with --array=1-$n" >&2
  exit 1
fi
line=$(sed -n "${id}{p;q}" "$jobs")
if [ -z "$line" ]; then
  echo "sweep-slurm.sh: line $id of $jobs is empty" >&2
  exit 1
fi
exec bash -c "$line"
