// chip_mem: the chip's local memory (the HBM of a TPU v4 chip, scaled to Words 128-bit words):
// five read ports with one cycle of latency (data on rd_data_o the cycle after rd_en_i) and
// two write ports. Each engine of chip_top owns a port, so none waits for another:
//   read 0 host, 1 DMA sender, 2 write pipeline (chip_rmw), 3 responder, 4 SparseCore fetch;
//   write 0 host / MXU results / SparseCore results (chip_results), 1 write pipeline.
// A read and a write of one word in the same cycle read the old value. If both write ports
// hit one word in the same cycle, port 1 wins. Addresses wrap modulo Words.
`default_nettype none

module chip_mem #(
  parameter int unsigned Words = 4096, /// a power of two
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned IW = $clog2(Words)
) (
  input  wire logic          clk_i,
  input  wire logic [4:0]    rd_en_i,
  input  wire logic [5*AW-1:0] rd_addr_i,
  output logic      [5*W-1:0]  rd_data_o,
  input  wire logic [1:0]    wr_en_i,
  input  wire logic [2*AW-1:0] wr_addr_i,
  input  wire logic [2*W-1:0]  wr_data_i
);
  if ((1 << IW) != Words || IW > AW) begin : gen_bad_words
    chip_mem_Words_must_be_a_power_of_two_up_to_2_to_the_AW u_error();
  end
  logic [W-1:0] mem_q [Words];

  always_ff @(posedge clk_i) begin
    for (int r = 0; r < 5; r++)
      if (rd_en_i[r]) rd_data_o[r*W +: W] <= mem_q[rd_addr_i[r*AW +: IW]];
    if (wr_en_i[0]) mem_q[wr_addr_i[0 +: IW]] <= wr_data_i[0 +: W];
    if (wr_en_i[1]) mem_q[wr_addr_i[AW +: IW]] <= wr_data_i[W +: W];
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
