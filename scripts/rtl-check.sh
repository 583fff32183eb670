#!/usr/bin/env bash
# Lint or synthesize RTL tops listed in rtl/tops.list.
#
# Usage: scripts/rtl-check.sh lint|synth [TOP...]     (default: every top)
#        scripts/rtl-check.sh netlist TOP OUT.v
#   lint     verilator --lint-only -Wall, plus the block's rtl/<block>/lint.vlt waivers
#   synth    yosys synth with `default_nettype none` traps turned into errors
#            (TOOLCHAIN.md §9.3: yosys can pass broken RTL with exit 0); prints the cell count
#   netlist  synthesize TOP and write the gate-level netlist as module TOP_gl to OUT.v, for
#            co-simulation against the C++ model (tests/test_rtl_phext_decoder.cpp, gl build)
# Exits non-zero on the first failing top.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
yosys_errors='implicitly declared|has no driver|Failed to resolve'
case "$mode" in
  lint|synth) shift ;;
  netlist)
    top=${2:?usage: rtl-check.sh netlist TOP OUT.v}; out=${3:?usage: rtl-check.sh netlist TOP OUT.v}
    line=$(grep -E "^$top " rtl/tops.list) || { echo "rtl-check.sh: unknown top $top (see rtl/tops.list)" >&2; exit 2; }
    read -ra srcs <<<"${line#* }"
    mkdir -p "$(dirname "$out")"
    yosys -q -e "$yosys_errors" -p "read_verilog -sv ${srcs[*]}; synth -top $top; rename $top ${top}_gl; write_verilog -noattr $out" \
      || { echo "netlist: $top FAILED" >&2; exit 1; }
    exit 0 ;;
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "rtl-check.sh: first argument must be lint or synth (try --help)" >&2; exit 2 ;;
esac
want=("$@")
found=0
out_dir=${RTL_CHECK_OUT:-build/rtl-check}
mkdir -p "$out_dir"
while read -r top files; do
  [[ -z "$top" || "$top" == \#* ]] && continue
  if ((${#want[@]})) && [[ ! " ${want[*]} " == *" $top "* ]]; then continue; fi
  found=$((found + 1))
  read -ra srcs <<<"$files"
  if [ "$mode" = lint ]; then
    waivers=()
    for f in "${srcs[@]}"; do
      v="$(dirname "$f")/lint.vlt"
      [ -f "$v" ] && [[ ! " ${waivers[*]-} " == *" $v "* ]] && waivers+=("$v")
    done
    verilator --lint-only -Wall ${waivers[@]+"${waivers[@]}"} --top-module "$top" "${srcs[@]}" ||
      { echo "lint: $top FAILED" >&2; exit 1; }
    echo "lint: $top clean"
  else
    log="$out_dir/synth-$top.log"
    if ! yosys -q -e "$yosys_errors" -l "$log" \
         -p "read_verilog -sv ${srcs[*]}; synth -top $top; tee -o $out_dir/synth-$top.stat stat" >/dev/null; then
      echo "synth: $top FAILED (log: $log)" >&2
      grep -E 'ERROR|Warning' "$log" | head -5 >&2 || true
      exit 1
    fi
    cells=$(grep -m1 'Number of cells' "$out_dir/synth-$top.stat" | awk '{print $NF}')
    echo "synth: $top $cells cells"
  fi
done < rtl/tops.list
if ((${#want[@]})) && [ "$found" -ne "${#want[@]}" ]; then
  echo "rtl-check.sh: unknown top in: ${want[*]} (see rtl/tops.list)" >&2; exit 2
fi
