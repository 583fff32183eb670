// chip_sc_fetch: the SparseCore's local fetch: the lookup unit's memory requests (mq_*: a row's
// beats of one table) read from the embedding table layout base + row*stride + 2*beat (memory
// read port 4, chip_reader) and returned as 256-bit beats (mr_*: two words, low word first),
// tagged with the request's slot and beat number, the last beat of a request marked.
// Up to 4 requests wait, answered in order.
// Timing: a request is taken in the cycle mq_valid_i && mq_ready_o (a queue entry free and the
// reader has issued every read of the previous request); its words are read at most one per
// cycle (chip_reader: one cycle of memory latency, a 4-word FIFO), and a beat is offered with
// its second word; reading stalls while the SparseCore does not take beats (mr_ready_i).
// idle_o: no request queued, no read pending, no half beat held.
`default_nettype none

module chip_sc_fetch #(
  parameter int unsigned Slots = 64,     /// the lookup unit's slots (tag width)
  parameter int unsigned MaxGroups = 2,  /// beats per row
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned NT = chip_pkg::NumTables
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,
  input  wire logic [NT*AW-1:0]         emb_base_i,   ///< embedding table layouts (RegEmb)
  input  wire logic [NT*AW-1:0]         emb_stride_i,
  // row requests of the lookup unit
  input  wire logic                     mq_valid_i,
  output logic                          mq_ready_o,
  input  wire logic [SlotW-1:0]         mq_tag_i,
  input  wire logic [1:0]               mq_table_i,
  input  wire logic [31:0]              mq_row_i,
  input  wire logic [GW-1:0]            mq_beat_i,
  input  wire logic [GW:0]              mq_nbeats_i,
  // beats back
  output logic                          mr_valid_o,
  input  wire logic                     mr_ready_i,
  output logic      [SlotW-1:0]         mr_tag_o,
  output logic      [GW-1:0]            mr_beat_o,
  output logic                          mr_last_o,
  output logic      [sc_pkg::BeatW-1:0] mr_data_o,
  // memory read port 4
  output logic                          rd_en_o,
  output logic      [AW-1:0]            rd_addr_o,
  input  wire logic [W-1:0]             rd_data_i,
  output logic                          idle_o
);
  // pending requests: {tag, first beat, beats}
  localparam int unsigned SqW = SlotW + GW + GW + 1;
  logic sq_empty, sq_full, s_rd_start_ready, s_rd_idle, s_w_valid, s_w_ready, s_half_q;
  logic [SqW-1:0] sq;
  logic [SlotW-1:0] sq_tag;
  logic [GW-1:0] sq_beat, s_beat_q;
  logic [GW:0] sq_nbeats;
  logic [AW-1:0] sq_addr;
  logic [W-1:0] s_w_data, s_lo_q;
  assign sq_addr = emb_base_i[32'(mq_table_i)*AW +: AW] +
                   AW'(mq_row_i * 32'(emb_stride_i[32'(mq_table_i)*AW +: AW])) + AW'({mq_beat_i, 1'b0});
  assign mq_ready_o = s_rd_start_ready && !sq_full;
  sc_fifo #(.Width(SqW), .Depth(4)) u_scq (
    .clk_i, .rst_ni, .push_i(mq_valid_i && mq_ready_o), .data_i({mq_tag_i, mq_beat_i, mq_nbeats_i}),
    .pop_i(mr_valid_o && mr_ready_i && mr_last_o), .data_o(sq), .empty_o(sq_empty), .full_o(sq_full)
  );
  assign {sq_tag, sq_beat, sq_nbeats} = sq;
  chip_reader u_sc_reader (
    .clk_i, .rst_ni, .start_valid_i(mq_valid_i && mq_ready_o), .start_ready_o(s_rd_start_ready),
    .start_addr_i(sq_addr), .start_count_i(16'({mq_nbeats_i, 1'b0})),
    .rd_en_o, .rd_addr_o, .rd_data_i,
    .w_valid_o(s_w_valid), .w_ready_i(s_w_ready), .w_data_o(s_w_data), .idle_o(s_rd_idle)
  );
  // two words make a beat: the low word waits in s_lo_q
  assign mr_valid_o = s_w_valid && s_half_q && !sq_empty;
  assign mr_tag_o = sq_tag;
  assign mr_beat_o = sq_beat + s_beat_q;
  assign mr_last_o = {1'b0, s_beat_q} + 1'b1 == sq_nbeats;
  assign mr_data_o = {s_w_data, s_lo_q};
  assign s_w_ready = !s_half_q || mr_ready_i;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s_half_q <= 1'b0;
      s_beat_q <= '0;
      s_lo_q <= '0;
    end else if (s_w_valid && s_w_ready) begin
      if (!s_half_q) begin
        s_lo_q <= s_w_data;
        s_half_q <= 1'b1;
      end else begin
        s_half_q <= 1'b0;
        s_beat_q <= mr_last_o ? '0 : s_beat_q + 1'b1;
      end
    end
  end
  assign idle_o = sq_empty && s_rd_idle && !s_half_q;
endmodule

`default_nettype wire
