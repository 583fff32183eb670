#!/usr/bin/env bash
# Print the source files of RTL IPs in compile order, one per line, each once: the IPs' own
# file lists (rtl/<ip>/<ip>.f) after the IPs they need (their `// needs:` line), recursively.
#
# Usage: scripts/rtl-files.sh [--no-vlt] IP...      (IP: common, ici, mxu, sparsecore, ocs, chip)
#   --no-vlt   leave out Verilator configuration files (lint waivers), for yosys
# Paths are printed relative to the repository root. The CMake build, scripts/rtl-check.sh (lint
# and synth) and users read the same lists, e.g.
#   verilator --lint-only -Wall $(scripts/rtl-files.sh chip) --top-module chip_top
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vlt=1
if [ "${1:-}" = --no-vlt ]; then vlt=0; shift; fi
if [ $# -eq 0 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; [ $# -eq 0 ] && exit 2; exit 0
fi
declare -A done_ip=() seen=()
expand() {
  local ip=$1 list="$root/rtl/$1/$1.f" line dep
  [ -n "${done_ip[$ip]-}" ] && return 0
  [ -f "$list" ] || { echo "rtl-files.sh: no file list rtl/$ip/$ip.f for IP '$ip'" >&2; exit 2; }
  done_ip[$ip]=1
  local needs
  needs=$(sed -n 's|^// *needs:||p' "$list")
  for dep in $needs; do expand "$dep"; done
  while read -r line; do
    line=${line%%//*}; line=${line//[[:space:]]/}
    [ -z "$line" ] && continue
    [ "$vlt" = 0 ] && [[ "$line" == *.vlt ]] && continue
    local f="rtl/$ip/$line"
    [ -f "$root/$f" ] || { echo "rtl-files.sh: rtl/$ip/$ip.f lists $line, which does not exist" >&2; exit 2; }
    [ -n "${seen[$f]-}" ] && continue
    seen[$f]=1
    echo "$f"
  done < "$list"
}
for ip in "$@"; do expand "$ip"; done
