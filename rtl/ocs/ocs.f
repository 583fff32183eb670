// rtl/ocs: the optical circuit switch. Paths are relative to this file (verilator -F).
// needs:
ocs_switch.sv
