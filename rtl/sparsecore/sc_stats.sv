// sc_stats: the status counters and sticky error flags of the SparseCore lookup unit. Each
// sc_pkg::St* counter is 32 bits and wraps; the stages say which ones count in a cycle.
//
// Timing contract: an increment (inc_i[k]) or an error (err_i[k]) in cycle c shows on stat_o /
// err_o from c+1; the error flags stay set until reset.
`default_nettype none

module sc_stats #(
  localparam int unsigned NumStats = sc_pkg::NumStats
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,
  input  wire logic [NumStats-1:0]      inc_i,   ///< counter k counts this cycle
  input  wire logic [2:0]               err_i,   ///< set error flag k
  output logic      [NumStats*32-1:0]   stat_o,  ///< counter k in bits [k*32 +: 32]
  output logic      [2:0]               err_o
);
  logic [31:0] st_q [NumStats];
  logic [2:0]  err_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < NumStats; i++) st_q[i] <= '0;
      err_q <= '0;
    end else begin
      for (int i = 0; i < NumStats; i++) st_q[i] <= st_q[i] + 32'(inc_i[i]);
      err_q <= err_q | err_i;
    end
  end
  for (genvar i = 0; i < NumStats; i++) begin : gen_stat
    assign stat_o[i*32 +: 32] = st_q[i];
  end
  assign err_o = err_q;
endmodule

`default_nettype wire
