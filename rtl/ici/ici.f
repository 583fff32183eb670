// rtl/ici: the ICI router, its packet layout (ici_pkg) and the link layer of a link end (ici_link). Paths are relative to this file
// (verilator -F); `needs` names the IPs to compile first (scripts/rtl-files.sh follows it).
// needs: common
lint.vlt
ici_pkg.sv
ici_router.sv
ici_link.sv
