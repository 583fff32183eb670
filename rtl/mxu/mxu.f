// rtl/mxu: the matrix unit (weight-stationary systolic array and its tile). Paths are relative
// to this file (verilator -F); `needs` names the IPs to compile first.
// needs: common
mxu_pkg.sv
mxu_pe.sv
mxu_skew.sv
mxu_array.sv
mxu_tile.sv
