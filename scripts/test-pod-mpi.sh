#!/usr/bin/env bash
# The pod on MPI ranks gives the run of one process bit for bit: tests/pod_digest.cpp (collectives,
# a reconfiguration, a chip fault and its repair; every cycle count, every chip's memory, the
# fault report) in one process, then under `mpirun -np 2`; the two outputs must be equal. Twice:
# with ideal links, and with the link layer at a bit error rate (its counts compared too).
# Usage: scripts/test-pod-mpi.sh POD_DIGEST   (CTest: pod/mpi-bit-identical)
set -euo pipefail
digest=${1:?usage: scripts/test-pod-mpi.sh POD_DIGEST}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Open MPI refuses root unless told (containers, CI); the ranks share this machine's cores, and
# the single-copy mechanism needs ptrace rights that containers often lack
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
# the run with ideal links, then with the link layer at BER 1e-4 (its words cross the ranks too)
for ber in "" 1e-4; do
  "$digest" 1 $ber > "$tmp/one.txt"
  mpirun --oversubscribe -np 2 "$digest" 1 $ber > "$tmp/two.txt"
  if ! cmp -s "$tmp/one.txt" "$tmp/two.txt"; then
    echo "test-pod-mpi: 2 ranks differ from 1 process${ber:+ (link layer, BER $ber)}:" >&2
    diff "$tmp/one.txt" "$tmp/two.txt" >&2 || true
    exit 1
  fi
  grep -q '^verified true$' "$tmp/one.txt" || { echo "test-pod-mpi: the run was not verified" >&2; exit 1; }
  echo "test-pod-mpi: 1 process and 2 ranks agree${ber:+ with the link layer at BER $ber} ($(wc -c < "$tmp/one.txt") bytes)"
done
