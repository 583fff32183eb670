// rtl/chip: the chip top (router + MXU + SparseCore + memory + host DMA) and its subsystems.
// Paths are relative to this file (verilator -F); `needs` names the IPs to compile first.
// needs: common ici mxu sparsecore
lint.vlt
chip_pkg.sv
chip_mem.sv
chip_reader.sv
chip_pktgen.sv
chip_dma.sv
chip_rx.sv
chip_regs.sv
chip_dispatch.sv
chip_rmw.sv
chip_responder.sv
chip_sc_fetch.sv
chip_results.sv
chip_tx_arb.sv
chip_lane.sv
chip_idle.sv
chip_top.sv
