#!/usr/bin/env bash
# Lint or synthesize RTL tops listed in rtl/tops.list.
#
# Usage: scripts/rtl-check.sh lint|synth [TOP...]     (default: every top)
#   A top is named as in rtl/tops.list: a module, optionally with parameters and a variant
#   label (mxu_tile:N=128,AccRows=64, mxu_tile:N=128/pe-shell); a line may be limited to one
#   mode (lint-only, synth-only). Sources come from the IP file lists (scripts/rtl-files.sh).
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
    read -ra ips <<<"${line#* }"
    mapfile -t srcs < <(scripts/rtl-files.sh --no-vlt "${ips[@]}")
    mkdir -p "$(dirname "$out")"
    yosys -q -e "$yosys_errors" -p "read_verilog -sv ${srcs[*]}; synth -top $top; rename $top ${top}_gl; write_verilog -noattr $out" \
      || { echo "netlist: $top FAILED" >&2; exit 1; }
    exit 0 ;;
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "rtl-check.sh: first argument must be lint or synth (try --help)" >&2; exit 2 ;;
esac
want=("$@")
declare -A matched=() ran=()
out_dir=${RTL_CHECK_OUT:-build/rtl-check}
mkdir -p "$out_dir"
# shell_of MODULE SOURCE OUT: a port-only copy of MODULE (its header up to the closing `);`,
# every output tied to zero), so a top can be linted around it without its body
shell_of() {
  local module=$1 src=$2 out=$3
  awk -v m="$module" '$0 ~ "^module " m "[ (#]" {p = 1} p {print} p && /^\);/ {exit}' "$src" > "$out.hdr"
  grep -q '^);' "$out.hdr" || { echo "rtl-check.sh: no module $module header in $src" >&2; exit 2; }
  { echo '/* verilator lint_off UNUSEDSIGNAL */'
    cat "$out.hdr"
    grep -oE '^ *output +(wire +)?(logic)? *(\[[^]]*\])? *[a-z_0-9]+' "$out.hdr" | awk '{print "  assign " $NF " = '"'"'0;"}'
    echo 'endmodule'
    echo '/* verilator lint_on UNUSEDSIGNAL */'; } > "$out"
  rm -f "$out.hdr"
}
while read -r top rest; do
  [[ -z "$top" || "$top" == \#* ]] && continue
  if ((${#want[@]})) && [[ ! " ${want[*]} " == *" $top "* ]]; then continue; fi
  matched[$top]=1
  read -ra words <<<"$rest"
  only=""; ips=(); libs=(); shells=(); run=""
  for w in "${words[@]}"; do
    case "$w" in
      lint-only|synth-only) only=${w%-only} ;;
      full) ;; # a long check: CMake leaves it out of `make test`; run here like any other
      coarse) run="-run begin:fine" ;;
      lib:*) libs+=("${w#lib:}") ;;
      shell:*) shells+=("${w#shell:}") ;;
      *) ips+=("$w") ;;
    esac
  done
  if [ -n "$only" ] && [ "$only" != "$mode" ]; then continue; fi
  ran[$top]=1
  # module[:P=V,P=V][/label]: parameter overrides for both tools
  name=${top%%/*}
  module=${name%%:*}
  gflags=(); chparam=""
  if [[ "$name" == *:* ]]; then
    IFS=, read -ra params <<<"${name#*:}"
    for pv in "${params[@]}"; do
      gflags+=("-G$pv"); chparam+="chparam -set ${pv%%=*} ${pv#*=} $module; "
    done
  fi
  tag=${top//[:=,\/]/_}
  if [ "$mode" = lint ]; then
    mapfile -t srcs < <(scripts/rtl-files.sh "${ips[@]}")
    for s in "${shells[@]+"${shells[@]}"}"; do
      mkdir -p "$out_dir/shell-$tag"
      for i in "${!srcs[@]}"; do
        if [ "$(basename "${srcs[$i]}")" = "$s.sv" ]; then
          shell_of "$s" "${srcs[$i]}" "$out_dir/shell-$tag/$s.sv"
          srcs[$i]="$out_dir/shell-$tag/$s.sv"
        fi
      done
    done
    verilator --lint-only -Wall ${gflags[@]+"${gflags[@]}"} --top-module "$module" "${srcs[@]}" ||
      { echo "lint: $top FAILED" >&2; exit 1; }
    echo "lint: $top clean"
  else
    mapfile -t srcs < <(scripts/rtl-files.sh --no-vlt "${ips[@]}")
    # a file named lib: is read by yosys as a black box (a block that has its own synth line):
    # the top's own logic is synthesized without re-synthesizing it
    reads=""
    for f in "${srcs[@]}"; do
      if [[ " ${libs[*]-} " == *" $f "* ]]; then reads+="read_verilog -sv -lib $f; "
      else reads+="read_verilog -sv $f; "; fi
    done
    log="$out_dir/synth-$tag.log"
    stat="$out_dir/synth-$tag.stat"
    if ! yosys -q -e "$yosys_errors" -l "$log" \
         -p "${reads}${chparam}synth -top $module $run; ${run:+check -assert; }tee -o $stat stat" >/dev/null \
         2> >(grep -v 'Replacing memory .* with list of registers' >&2); then
      echo "synth: $top FAILED (log: $log)" >&2
      grep -E 'ERROR|Warning' "$log" | head -5 >&2 || true
      exit 1
    fi
    # a hierarchical design ends with the total under "design hierarchy"
    cells=$(grep 'Number of cells' "$stat" | tail -1 | awk '{print $NF}')
    echo "synth: $top $cells cells${run:+ (coarse-grain)}"
    if grep -q '=== design hierarchy ===' "$stat"; then
      # cells of each module (one instance), for per-block figures such as cells per PE
      awk '/^=== / {m=$2} /Number of cells/ && m != "design" {printf "synth:   %s %s cells each\n", m, $NF}' "$stat" |
        sed 's/\$paramod[^\\]*\\\([a-z_0-9]*\)[^ ]*/\1 (parameterized)/'
    fi
  fi
done < rtl/tops.list
for t in "${want[@]+"${want[@]}"}"; do
  if [ -z "${matched[$t]-}" ]; then echo "rtl-check.sh: unknown top $t (see rtl/tops.list)" >&2; exit 2; fi
  [ -z "${ran[$t]-}" ] && echo "$mode: $t skipped (rtl/tops.list: not checked by $mode)"
done
exit 0
