// rtl/sparsecore: the SparseCore embedding lookup unit. Paths are relative to this file
// (verilator -F); `needs` names the IPs to compile first.
// needs: common ici
lint.vlt
sc_pkg.sv
sc_hash.sv
sc_fifo.sv
sc_lookup.sv
