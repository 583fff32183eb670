#!/usr/bin/env bash
# Rewrite the pod regression's stored outputs, tests/data/pod_reference.json, which
# tests/test_cli.cpp ("a two-slice regression run matches the stored reference outputs")
# compares with exactly. Run it after a deliberate change of the RTL's timing or of the
# schedules, look at the diff, commit it.
# Usage: scripts/refresh-pod-reference.sh BUILD_DIR
# The arguments of the run are in tests/data/pod_reference.args (the test reads the same file);
# the file is replaced only when the run succeeds, so a failed run leaves the old one.
set -euo pipefail
usage="usage: scripts/refresh-pod-reference.sh BUILD_DIR (a build folder holding phtpu)"
if [[ $# -ne 1 || ! -x "${1:-}/phtpu" ]]; then
  echo "$usage" >&2
  exit 2
fi
phtpu="$1/phtpu"
data="$(cd "$(dirname "$0")/../tests/data" && pwd)"
out="$data/pod_reference.json"
read -r -a args <"$data/pod_reference.args"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$phtpu" "${args[@]}" --json "$tmp" >/dev/null
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out" >&2
