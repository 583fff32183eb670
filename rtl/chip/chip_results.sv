// chip_results: the writers of memory write port 0, by priority: the host's memory writes,
// then the MXU's result rows (at mxu_out_base + row * words per row), then the SparseCore's
// bags (at sc_out_base + (sample * groups + group) * 2: a 256-bit bag of 8 fp32 is two words).
// An MXU row of MxuN fp32 is MxuN/4 words (1 or 2), written low word first.
// Timing: one word per cycle; a host write goes in the cycle it is taken on the bus; an MXU
// row or a bag is taken (mx_ready_o, sc_ready_o) in the cycle its last word is written. A
// result that loses the port to a writer of higher priority waits, keeping the words it has
// written (a half-written bag resumes with its second word). idle_o: no result half written.
`default_nettype none

module chip_results #(
  parameter int unsigned MxuN = 4,      /// MXU array size: a row of MxuN fp32
  parameter int unsigned MxuRows = 64,  /// MXU accumulator rows
  parameter int unsigned ScMaxGroups = 2,
  localparam int unsigned MxuAW = $clog2(MxuRows),
  localparam int unsigned ScGW = $clog2(ScMaxGroups),
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_ni,
  // the host's write (address and data from the bus)
  input  wire logic                            host_wr_i,
  input  wire logic [AW-1:0]                   host_addr_i,
  input  wire logic [W-1:0]                    host_data_i,
  // MXU result rows
  input  wire logic [AW-1:0]                   mxu_out_base_i,
  input  wire logic                            mx_valid_i,
  output logic                                 mx_ready_o,
  input  wire logic [MxuN*32-1:0]              mx_data_i,
  input  wire logic [MxuAW-1:0]                mx_addr_i,
  // SparseCore bags
  input  wire logic [AW-1:0]                   sc_out_base_i,
  input  wire logic [3:0]                      sc_out_groups_i,
  input  wire logic                            sc_valid_i,
  output logic                                 sc_ready_o,
  input  wire logic [sc_pkg::SampleW-1:0]      sc_sample_i,
  input  wire logic [ScGW-1:0]                 sc_group_i,
  input  wire logic [sc_pkg::Lanes*32-1:0]     sc_data_i,
  // memory write port 0
  output logic                                 wr_en_o,
  output logic      [AW-1:0]                   wr_addr_o,
  output logic      [W-1:0]                    wr_data_o,
  output logic                                 idle_o
);
  localparam int unsigned MxWords = (MxuN * 32 + W - 1) / W;
  logic mx_half_q, sc_half_q, w0_mx, w0_sc;
  logic [2*W-1:0] mx_row, sc_row;
  assign mx_row = (2 * W)'(mx_data_i);
  assign sc_row = sc_data_i;
  assign w0_mx = !host_wr_i && mx_valid_i;
  assign w0_sc = !host_wr_i && !mx_valid_i && sc_valid_i;
  assign mx_ready_o = w0_mx && (MxWords == 1 || mx_half_q);
  assign sc_ready_o = w0_sc && sc_half_q;
  always_comb begin
    wr_en_o = host_wr_i || w0_mx || w0_sc;
    wr_addr_o = host_addr_i;
    wr_data_o = host_data_i;
    if (w0_mx) begin
      wr_addr_o = mxu_out_base_i + AW'(32'(mx_addr_i) * MxWords) + AW'(mx_half_q);
      wr_data_o = mx_half_q ? mx_row[W +: W] : mx_row[0 +: W];
    end else if (w0_sc) begin
      wr_addr_o = sc_out_base_i + AW'((32'(sc_sample_i) * 32'(sc_out_groups_i) + 32'(sc_group_i)) * 2) +
                  AW'(sc_half_q);
      wr_data_o = sc_half_q ? sc_row[W +: W] : sc_row[0 +: W];
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mx_half_q <= 1'b0;
      sc_half_q <= 1'b0;
    end else begin
      if (w0_mx && MxWords > 1) mx_half_q <= !mx_half_q;
      if (w0_sc) sc_half_q <= !sc_half_q;
    end
  end
  assign idle_o = !mx_half_q && !sc_half_q;
endmodule

`default_nettype wire
