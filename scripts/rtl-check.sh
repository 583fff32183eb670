#!/usr/bin/env bash
# Lint or synthesize RTL tops listed in rtl/tops.list.
#
# Usage: scripts/rtl-check.sh lint|synth [TOP...]     (default: every top)
#   A top is named as in rtl/tops.list: a module, optionally with parameters
#   (mxu_tile:N=128,AccRows=64); a line may be limited to one mode (lint-only, synth-only).
#        scripts/rtl-check.sh netlist TOP OUT.v
#   lint     verilator --lint-only -Wall, plus the block's rtl/<block>/lint.vlt waivers
#   synth    yosys synth with `default_nettype none` traps turned into errors
#            (yosys 0.23 turns some constructs it does not support into implicit wires and
#            still exits 0); prints the cell count
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
  read -ra srcs <<<"$files"
  only=""
  if [[ "${srcs[0]}" == lint-only || "${srcs[0]}" == synth-only ]]; then only=${srcs[0]%-only}; srcs=("${srcs[@]:1}"); fi
  if [ -n "$only" ] && [ "$only" != "$mode" ]; then
    ((${#want[@]})) && found=$((found + 1)) && echo "$mode: $top skipped (rtl/tops.list: $only only)"
    continue
  fi
  found=$((found + 1))
  # module[:P=V,P=V]: parameter overrides for both tools
  module=${top%%:*}
  gflags=(); chparam=""
  if [[ "$top" == *:* ]]; then
    IFS=, read -ra params <<<"${top#*:}"
    for pv in "${params[@]}"; do
      gflags+=("-G$pv"); chparam+="chparam -set ${pv%%=*} ${pv#*=} $module; "
    done
  fi
  tag=${top//[:=,]/_}
  # a source written lib:FILE is linted as usual but read by yosys as a black box (a block that
  # has its own synth line): the top's own logic is synthesized without re-synthesizing it
  reads=""; plain=()
  for f in "${srcs[@]}"; do
    if [[ "$f" == lib:* ]]; then reads+="read_verilog -sv -lib ${f#lib:}; "; plain+=("${f#lib:}")
    else reads+="read_verilog -sv $f; "; plain+=("$f"); fi
  done
  srcs=("${plain[@]}")
  if [ "$mode" = lint ]; then
    waivers=()
    for f in "${srcs[@]}"; do
      v="$(dirname "$f")/lint.vlt"
      [ -f "$v" ] && [[ ! " ${waivers[*]-} " == *" $v "* ]] && waivers+=("$v")
    done
    verilator --lint-only -Wall ${waivers[@]+"${waivers[@]}"} ${gflags[@]+"${gflags[@]}"} --top-module "$module" "${srcs[@]}" ||
      { echo "lint: $top FAILED" >&2; exit 1; }
    echo "lint: $top clean"
  else
    log="$out_dir/synth-$tag.log"
    stat="$out_dir/synth-$tag.stat"
    if ! yosys -q -e "$yosys_errors" -l "$log" \
         -p "${reads}${chparam}synth -top $module; tee -o $stat stat" >/dev/null \
         2> >(grep -v 'Replacing memory .* with list of registers' >&2); then
      echo "synth: $top FAILED (log: $log)" >&2
      grep -E 'ERROR|Warning' "$log" | head -5 >&2 || true
      exit 1
    fi
    # a hierarchical design ends with the total under "design hierarchy"
    cells=$(grep 'Number of cells' "$stat" | tail -1 | awk '{print $NF}')
    echo "synth: $top $cells cells"
    if grep -q '=== design hierarchy ===' "$stat"; then
      # cells of each module (one instance), for per-block figures such as cells per PE
      awk '/^=== / {m=$2} /Number of cells/ && m != "design" {printf "synth:   %s %s cells each\n", m, $NF}' "$stat" |
        sed 's/\$paramod[^\\]*\\\([a-z_0-9]*\)[^ ]*/\1 (parameterized)/'
    fi
  fi
done < rtl/tops.list
if ((${#want[@]})) && [ "$found" -ne "${#want[@]}" ]; then
  echo "rtl-check.sh: unknown top in: ${want[*]} (see rtl/tops.list)" >&2; exit 2
fi
