// chip_mem: the chip's local memory (the HBM of a TPU v4 chip, scaled to Words 128-bit words):
// RdPorts read ports with one cycle of latency (data on rd_data_o the cycle after rd_en_i) and
// WrPorts write ports. Each engine of chip_top owns a port, so none waits for another:
//   read 0 host, 1 DMA sender, 2 write pipeline (chip_rmw), 3 responder, 4 SparseCore fetch,
//        then per data lane k = 1.. (chip_lane) 3 + 2k its sender, 4 + 2k its write pipeline;
//   write 0 host / MXU results / SparseCore results (chip_results), 1 write pipeline, then
//        1 + k the write pipeline of data lane k.
// (The many ports stand for a banked memory with enough bandwidth for every engine at once: an
// assumption, docs/blocks/chip.md "Lanes".)
// A read and a write of one word in the same cycle read the old value. If several write ports
// hit one word in the same cycle, the highest-numbered one wins. Addresses wrap modulo Words.
`default_nettype none

module chip_mem #(
  parameter int unsigned Words = 4096, /// a power of two
  parameter int unsigned RdPorts = 5,
  parameter int unsigned WrPorts = 2,
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned IW = $clog2(Words)
) (
  input  wire logic          clk_i,
  input  wire logic [RdPorts-1:0]    rd_en_i,
  input  wire logic [RdPorts*AW-1:0] rd_addr_i,
  output logic      [RdPorts*W-1:0]  rd_data_o,
  input  wire logic [WrPorts-1:0]    wr_en_i,
  input  wire logic [WrPorts*AW-1:0] wr_addr_i,
  input  wire logic [WrPorts*W-1:0]  wr_data_i
);
  if ((1 << IW) != Words || IW > AW) begin : gen_bad_words
    chip_mem_Words_must_be_a_power_of_two_up_to_2_to_the_AW u_error();
  end
  logic [W-1:0] mem_q [Words];

  always_ff @(posedge clk_i) begin
    for (int r = 0; r < RdPorts; r++)
      if (rd_en_i[r]) rd_data_o[r*W +: W] <= mem_q[rd_addr_i[r*AW +: IW]];
    for (int w = 0; w < WrPorts; w++)
      if (wr_en_i[w]) mem_q[wr_addr_i[w*AW +: IW]] <= wr_data_i[w*W +: W];
  end

`ifndef SYNTHESIS
  // The simulation backdoor: the pod harness loads and checks data without the host bus (C++
  // calls these after svSetScope on this instance's scope, <model name>.chip_top.u_mem). They act
  // at once, between clock edges; the address wraps modulo Words like the ports' addresses.
  export "DPI-C" function chip_mem_peek;
  export "DPI-C" function chip_mem_poke;
  function automatic void chip_mem_peek(input int unsigned addr, output bit [W-1:0] data);
    data = mem_q[IW'(addr)];
  endfunction
  function automatic void chip_mem_poke(input int unsigned addr, input bit [W-1:0] data);
    mem_q[IW'(addr)] = data;
  endfunction
`endif
endmodule

`default_nettype wire
