// sc_response: the response stage of the SparseCore lookup unit. Row beats come back in any
// order, tagged with their Spmem slot: from local memory one beat per mr_* handshake (beats of
// different requests interleaved), from other chips as whole ICI packets on rp_* (the head with
// the request's tag field, then each 256-bit beat as two 128-bit body flits, low half first).
// Each beat goes to the single Spmem write port (wr_*, sc_spmem). A packet whose head is not of
// type PktReadResp is dropped and flagged (bad_o); a response head's destination, length, source
// and beat count are not needed: the slot tag and first beat locate the data, the tail flag ends
// it.
//
// Timing contract: rp_ready_o is always high. A local beat taken on mr_* in cycle c is on the
// write port in c (written at the edge ending c). An ICI beat whose second flit arrives in cycle
// c is assembled in a register and on the write port in c+1; it has priority, so mr_ready_o is
// low in that cycle. ICI beats arrive at most every other cycle, so mr_ready_o is high at least
// every other cycle. done_local_o / done_remote_o mark a request's last beat (mr_last_i) or its
// packet's tail, in the cycle it is taken.
`default_nettype none

module sc_response #(
  parameter int unsigned MaxGroups = 8,  /// largest row: MaxGroups x 8 elements
  parameter int unsigned Slots = 512,    /// Spmem row slots
  parameter int unsigned FlitW = 160,    /// ICI flit width (>= sc_pkg::MinFlitW)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned BeatW = sc_pkg::BeatW
) (
  input  wire logic                clk_i,
  input  wire logic                rst_ni,
  // Local memory responses (sc_lookup mr_*)
  input  wire logic                mr_valid_i,
  output logic                     mr_ready_o,
  input  wire logic [SlotW-1:0]    mr_tag_i,
  input  wire logic [GW-1:0]       mr_beat_i,
  input  wire logic                mr_last_i,
  input  wire logic [BeatW-1:0]    mr_data_i,
  // ICI response packets (sc_lookup rp_*)
  input  wire logic                rp_valid_i,
  output logic                     rp_ready_o,
  input  wire logic                rp_head_i,
  input  wire logic                rp_tail_i,
  input  wire logic [FlitW-1:0]    rp_data_i,
  // Spmem write port (sc_spmem)
  output logic                     wr_en_o,
  output logic      [SlotW-1:0]    wr_slot_o,
  output logic      [GW-1:0]       wr_beat_o,
  output logic      [BeatW-1:0]    wr_data_o,
  // Requests completed (sc_fetch's outstanding count)
  output logic                     done_local_o,
  output logic                     done_remote_o,
  // Status
  output logic                     bad_o,         ///< a response head of the wrong type
  output logic                     idle_o         ///< no assembled beat waiting
);
  logic             rp_drop_q, rp_half_q, rb_v_q;
  logic [SlotW-1:0] rp_tag_q, rb_tag_q;
  logic [GW-1:0]    rp_beat_q, rb_beat_q;
  logic [127:0]     rp_lo_q;
  logic [BeatW-1:0] rb_data_q;
  logic             rp_bad, mr_fire, wr_en;
  logic [SlotW-1:0] wr_slot;
  logic [GW-1:0]    wr_beat;

  assign rp_ready_o = 1'b1; // beats are written the cycle after they complete, ahead of m*
  assign rp_bad = rp_valid_i && rp_head_i &&
                  rp_data_i[ici_pkg::HeadTypeLsb +: ici_pkg::HeadTypeW] != ici_pkg::PktReadResp;
  assign done_remote_o = rp_valid_i && rp_tail_i && !(rp_head_i ? rp_bad : rp_drop_q);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rp_drop_q <= 1'b0;
      rp_half_q <= 1'b0;
      rp_tag_q <= '0;
      rp_beat_q <= '0;
      rp_lo_q <= '0;
      rb_v_q <= 1'b0;
      rb_tag_q <= '0;
      rb_beat_q <= '0;
      rb_data_q <= '0;
    end else begin
      rb_v_q <= 1'b0;
      if (rp_valid_i) begin
        if (rp_head_i) begin
          rp_drop_q <= rp_bad;
          rp_half_q <= 1'b0;
          rp_tag_q <= rp_data_i[sc_pkg::TagSlotLsb +: SlotW];
          rp_beat_q <= rp_data_i[sc_pkg::TagBeatLsb +: GW];
        end else if (!rp_drop_q) begin
          rp_half_q <= !rp_half_q;
          if (!rp_half_q) begin
            rp_lo_q <= rp_data_i[127:0];
          end else begin
            rb_v_q <= 1'b1;
            rb_tag_q <= rp_tag_q;
            rb_beat_q <= rp_beat_q;
            rb_data_q <= {rp_data_i[127:0], rp_lo_q};
            rp_beat_q <= rp_beat_q + 1'b1;
          end
        end
      end
    end
  end

  assign mr_ready_o = !rb_v_q;
  assign mr_fire = mr_valid_i && !rb_v_q;
  assign done_local_o = mr_fire && mr_last_i;
  assign wr_en = rb_v_q || mr_fire;
  assign wr_slot = rb_v_q ? rb_tag_q : mr_tag_i;
  assign wr_beat = rb_v_q ? rb_beat_q : mr_beat_i;
  assign wr_en_o = wr_en;
  assign wr_slot_o = wr_slot;
  assign wr_beat_o = wr_beat;
  assign wr_data_o = rb_v_q ? rb_data_q : mr_data_i;
  assign bad_o = rp_bad;
  assign idle_o = !rb_v_q;
endmodule

`default_nettype wire
