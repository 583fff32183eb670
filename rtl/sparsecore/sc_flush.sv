// sc_flush: the output stage of the SparseCore lookup unit. Sends each bag's combined vector in
// bag order on o_*, one 8-lane group per beat, from the accumulator bank that holds it
// (sc_combine, two banks used in turn): multiplied by the bag's scale (fp32_mul) for mean and
// sqrt-n, zeros for an empty bag (no accepted lookup), as accumulated for sum. The bag queue
// gives each bag's {sample, table, scaled}; a scaled bag also waits for its scale at the head of
// the scale-value queue (sc_scale).
//
// Timing contract: o_valid_o is combinational from registered state (the bank's full flag, the
// heads of the bag and scale-value queues): a bag's first beat is offered in the first cycle its
// bank is full and, when scaled, its scale is at the queue's head. One beat per cycle while
// o_ready_i is high; o_* hold while not taken. The bag's last beat (o_last_o) pops the bag queue
// (and the scale) and frees the bank at the edge that takes it; the next bank can be offered in
// the following cycle.
`default_nettype none

module sc_flush #(
  parameter int unsigned MaxGroups = 8,   /// largest row: MaxGroups x 8 elements
  parameter int unsigned NumTables = 4,   /// embedding tables configured at once
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned SampleW = sc_pkg::SampleW,
  localparam int unsigned Lanes = sc_pkg::Lanes,
  localparam int unsigned NumStats = sc_pkg::NumStats,
  localparam int unsigned BagW = SampleW + TabW + 1
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Bag queue head (sc_fifo): {sample, table, scaled}
  input  wire logic                          bq_empty_i,
  input  wire logic [BagW-1:0]               bq_data_i,
  output logic                               bq_pop_o,
  // Scale-value queue head (sc_fifo): the fp32 scale of the oldest scaled bag
  input  wire logic                          sv_empty_i,
  input  wire logic [31:0]                   sv_data_i,
  output logic                               sv_pop_o,
  // Configuration (sc_config), per table t in bits [t*W +: W]
  input  wire logic [NumTables*(GW+1)-1:0]   tc_groups_i,
  // Accumulator banks (sc_combine)
  output logic                               fl_bank_o,     ///< the bank being flushed
  output logic      [GW-1:0]                 fl_group_o,    ///< the group read
  input  wire logic [Lanes*32-1:0]           fl_acc_i,
  input  wire logic                          fl_full_i,
  input  wire logic                          fl_zero_i,
  output logic                               fl_done_o,     ///< the bank's last group is taken
  // Combined vectors (sc_lookup o_*)
  output logic                               o_valid_o,
  input  wire logic                          o_ready_i,
  output logic      [SampleW-1:0]            o_sample_o,
  output logic      [TabW-1:0]               o_table_o,
  output logic      [GW-1:0]                 o_group_o,
  output logic                               o_last_o,
  output logic      [Lanes*32-1:0]           o_data_o,
  output logic      [NumStats-1:0]           stat_o         ///< counter increments (sc_pkg::St*) of this stage
);
  logic               fb_q;
  logic [GW-1:0]      fg_q;
  logic [SampleW-1:0] bq_sample;
  logic [TabW-1:0]    bq_tab;
  logic               bq_scaled;
  logic               o_fire, o_scale;
  logic [Lanes*32-1:0] o_acc;

  assign {bq_sample, bq_tab, bq_scaled} = bq_data_i;
  assign o_scale = bq_scaled;
  assign fl_bank_o = fb_q;
  assign fl_group_o = fg_q;
  assign o_acc = fl_acc_i;
  assign o_valid_o = fl_full_i && !bq_empty_i && (!bq_scaled || !sv_empty_i);
  assign o_sample_o = bq_sample;
  assign o_table_o = bq_tab;
  assign o_group_o = fg_q;
  assign o_last_o = (GW+1)'(fg_q) + 1'b1 >= tc_groups_i[bq_tab*(GW+1) +: GW+1];
  for (genvar l = 0; l < Lanes; l++) begin : gen_scale
    logic [31:0] p;
    fp32_mul u_mul (.a_i(o_acc[l*32 +: 32]), .b_i(sv_data_i), .p_o(p));
    assign o_data_o[l*32 +: 32] = fl_zero_i ? 32'd0 : o_scale ? p : o_acc[l*32 +: 32];
  end
  assign o_fire = o_valid_o && o_ready_i;
  assign bq_pop_o = o_fire && o_last_o;
  assign sv_pop_o = o_fire && o_last_o && bq_scaled;
  assign fl_done_o = o_fire && o_last_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fb_q <= 1'b0;
      fg_q <= '0;
    end else if (o_fire) begin
      fg_q <= o_last_o ? '0 : fg_q + 1'b1;
      if (o_last_o) fb_q <= !fb_q;
    end
  end

  always_comb begin
    stat_o = '0;
    stat_o[sc_pkg::StStallFlush] = o_valid_o && !o_ready_i;
  end
endmodule

`default_nettype wire
