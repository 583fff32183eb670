// rtl/sparsecore: the SparseCore embedding lookup unit. Paths are relative to this file
// (verilator -F); `needs` names the IPs to compile first.
// needs: common ici
lint.vlt
sc_pkg.sv
sc_hash.sv
sc_fifo.sv
// sc_lookup's stages, then the top that wires them
sc_config.sv
sc_dedup.sv
sc_slot_ring.sv
sc_ingest.sv
sc_scale.sv
sc_fetch.sv
sc_response.sv
sc_spmem.sv
sc_combine.sv
sc_flush.sv
sc_stats.sv
sc_lookup.sv
