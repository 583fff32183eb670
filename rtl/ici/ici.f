// rtl/ici: the ICI router and its packet layout (ici_pkg). Paths are relative to this file
// (verilator -F); `needs` names the IPs to compile first (scripts/rtl-files.sh follows it).
// needs: common
lint.vlt
ici_pkg.sv
ici_router.sv
