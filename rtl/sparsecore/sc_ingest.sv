// sc_ingest: the input stage of the SparseCore lookup unit. Registers one lookup beat per cycle,
// drops bad lookups (id >= the table's vocab, a table other than the bag's, or a table whose word
// the unit cannot run), probes the dedup table with the beat's key {table, id} (sc_dedup), takes
// a new Spmem slot at the head of the slot ring (sc_slot_ring) for a row not in the table, and
// sums the bag's weights (mean) or squared weights (sqrt-n) in fp32, in lookup order from +0.
// A beat leaves (go_o) when every queue it enters has room, pushing in that cycle:
//   lookup queue  every lookup, every bag end and every window end, in order (to sc_combine)
//                 {lookup, slot, weight, table, bag last, window end, ring position to free to}
//   fetch queue   every row that took a new slot {slot, table, id} (to sc_fetch)
//   bag queue     every bag end {sample, table, scaled} (to sc_flush)
//   scale queue   the bag's {sqrt-n, sum w, sum w*w} at the end of a mean or sqrt-n bag that
//                 took a lookup (to sc_scale)
// An empty bag (l_empty_i, or every lookup dropped) still closes its bag: flush gives zeros.
//
// Timing contract: l_ready_o = !in_v_q || go_o depends on registered state only (this stage's
// register, the queues' fill levels, the dedup table and the slot ring). A beat taken on l_* at
// the edge ending cycle c is in the input register in cycle c+1 and leaves in c+1 if the queues
// have room (else it waits there, counted by cause); its queue entries are visible to the
// consumers from cycle c+2 (sc_fifo: first-word fall-through). One beat per cycle at most.
`default_nettype none

module sc_ingest #(
  parameter int unsigned MaxGroups = 8,   /// largest row: MaxGroups x 8 elements
  parameter int unsigned Slots = 512,     /// Spmem row slots
  parameter int unsigned NumTables = 4,   /// embedding tables configured at once
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned RingW = SlotW + 1,
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned IdW = sc_pkg::IdW,
  localparam int unsigned SampleW = sc_pkg::SampleW,
  localparam int unsigned NumStats = sc_pkg::NumStats,
  localparam int unsigned LkW = 1 + SlotW + 32 + TabW + 1 + 1 + RingW,
  localparam int unsigned NfW = SlotW + TabW + IdW,
  localparam int unsigned BagW = SampleW + TabW + 1,
  localparam int unsigned SrW = 1 + 32 + 32
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Lookup beats (sc_lookup l_*)
  input  wire logic                          l_valid_i,
  output logic                               l_ready_o,
  input  wire logic [SampleW-1:0]            l_sample_i,
  input  wire logic [TabW-1:0]               l_table_i,
  input  wire logic [IdW-1:0]                l_id_i,
  input  wire logic [31:0]                   l_weight_i,
  input  wire logic                          l_last_i,
  input  wire logic                          l_empty_i,
  input  wire logic                          l_batch_end_i,
  // Configuration (sc_config), per table t in bits [t*W +: W]
  input  wire logic [NumTables*(GW+1)-1:0]   tc_beats_i,
  input  wire logic [NumTables*2-1:0]        tc_comb_i,
  input  wire logic [NumTables*32-1:0]       tc_vocab_i,
  input  wire logic [NumTables-1:0]          tc_ok_i,
  // Dedup table (sc_dedup): probe with the registered beat's key, same cycle
  output logic      [TabW-1:0]               key_tab_o,
  output logic      [IdW-1:0]                key_id_o,
  input  wire logic                          hit_i,         ///< the row has a slot in this window
  input  wire logic [SlotW-1:0]              hit_slot_i,
  input  wire logic                          has_free_i,    ///< the key's set has a free way
  // Slot ring and dedup window (sc_slot_ring)
  output logic                               need_alloc_o,  ///< the beat is a lookup that needs a new slot
  output logic                               batch_end_o,   ///< the beat ends the batch (and the window)
  output logic                               go_o,          ///< the beat leaves this cycle
  output logic                               alloc_o,       ///< go_o && need_alloc_o: slot head_i is taken
  output logic                               clear_o,       ///< go_o && close_i: the window ends
  output logic      [GW:0]                   alloc_beats_o, ///< beats the new slot waits for
  input  wire logic [RingW-1:0]              head_i,        ///< next slot to allocate (ring position)
  input  wire logic                          ring_space_i,  ///< a slot is free
  input  wire logic                          close_i,       ///< the window closes with this beat
  // Queue pushes (sc_fifo): entry layouts above
  output logic                               lk_push_o,
  output logic      [LkW-1:0]                lk_data_o,
  input  wire logic                          lk_full_i,
  output logic                               nf_push_o,
  output logic      [NfW-1:0]                nf_data_o,
  input  wire logic                          nf_full_i,
  output logic                               bq_push_o,
  output logic      [BagW-1:0]               bq_data_o,
  input  wire logic                          bq_full_i,
  output logic                               sr_push_o,
  output logic      [SrW-1:0]                sr_data_o,
  input  wire logic                          sr_full_i,
  // Status
  output logic                               idle_o,        ///< no beat held, no bag open
  output logic                               err_drop_o,    ///< a lookup is dropped this cycle
  output logic                               err_cfg_o,     ///< a lookup of a misconfigured table leaves
  output logic      [NumStats-1:0]           stat_o         ///< counter increments (sc_pkg::St*) of this stage
);
  // ---- the input register ---------------------------------------------------------------------
  logic               in_v_q, in_last_q, in_empty_q, in_bend_q;
  logic [SampleW-1:0] in_sample_q;
  logic [TabW-1:0]    in_tab_q;
  logic [IdW-1:0]     in_id_q;
  logic [31:0]        in_w_q;
  logic               in_go;

  assign l_ready_o = !in_v_q || in_go;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_v_q <= 1'b0;
      in_last_q <= 1'b0;
      in_empty_q <= 1'b0;
      in_bend_q <= 1'b0;
      in_sample_q <= '0;
      in_tab_q <= '0;
      in_id_q <= '0;
      in_w_q <= '0;
    end else if (l_ready_o) begin
      in_v_q <= l_valid_i;
      if (l_valid_i) begin
        in_last_q <= l_last_i;
        in_empty_q <= l_empty_i;
        in_bend_q <= l_batch_end_i;
        in_sample_q <= l_sample_i;
        in_tab_q <= l_table_i;
        in_id_q <= l_id_i;
        in_w_q <= l_weight_i;
      end
    end
  end

  // ---- the bag being received -------------------------------------------------------------------
  logic               bag_open_q, bag_has_q;   // a beat of it was taken; a lookup of it was taken
  logic [TabW-1:0]    bag_tab_q;
  logic [SampleW-1:0] bag_sample_q;
  logic [31:0]        sumw_q, sumw2_q;
  logic [TabW-1:0]    b_tab;
  logic [SampleW-1:0] b_sample;
  logic [1:0]         b_comb;
  logic               bad, is_lk, bag_end;

  assign b_tab = bag_open_q ? bag_tab_q : in_tab_q;
  assign b_sample = bag_open_q ? bag_sample_q : in_sample_q;
  assign b_comb = tc_comb_i[b_tab*2 +: 2];
  assign bad = !in_empty_q && (!tc_ok_i[in_tab_q] || (bag_open_q && in_tab_q != bag_tab_q) ||
                               (in_id_q >= tc_vocab_i[in_tab_q*32 +: 32]));
  assign is_lk = !in_empty_q && !bad;
  assign bag_end = in_last_q || in_empty_q;

  // weight sums of the bag, from +0 in lookup order
  logic [31:0] sumw_base, sumw2_base, sumw_add, w_sq, sumw2_add, sumw_next, sumw2_next;
  assign sumw_base = bag_has_q ? sumw_q : 32'd0;
  assign sumw2_base = bag_has_q ? sumw2_q : 32'd0;
  fp32_add u_sumw (.a_i(sumw_base), .b_i(in_w_q), .s_o(sumw_add));
  fp32_mul u_wsq (.a_i(in_w_q), .b_i(in_w_q), .p_o(w_sq));
  fp32_add u_sumw2 (.a_i(sumw2_base), .b_i(w_sq), .s_o(sumw2_add));
  assign sumw_next = is_lk ? sumw_add : sumw_base;
  assign sumw2_next = is_lk ? sumw2_add : sumw2_base;

  // ---- dedup probe, allocation and queue pushes -------------------------------------------------
  logic need_alloc, push_lk, lk_ok, alloc_ok, bag_ok, scale_needed;

  assign key_tab_o = in_tab_q;
  assign key_id_o = in_id_q;
  assign need_alloc = is_lk && !hit_i;
  assign push_lk = is_lk || bag_end || close_i;
  assign scale_needed = bag_end && (bag_has_q || is_lk) && b_comb != sc_pkg::CombSum;
  assign lk_ok = !push_lk || !lk_full_i;
  assign alloc_ok = !need_alloc || (ring_space_i && !nf_full_i);
  assign bag_ok = !bag_end || (!bq_full_i && (!scale_needed || !sr_full_i));
  assign in_go = in_v_q && lk_ok && alloc_ok && bag_ok;

  assign need_alloc_o = need_alloc;
  assign batch_end_o = in_bend_q;
  assign go_o = in_go;
  assign alloc_o = in_go && need_alloc;
  assign clear_o = in_go && close_i;
  assign alloc_beats_o = tc_beats_i[in_tab_q*(GW+1) +: GW+1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bag_open_q <= 1'b0;
      bag_has_q <= 1'b0;
      bag_tab_q <= '0;
      bag_sample_q <= '0;
      sumw_q <= '0;
      sumw2_q <= '0;
    end else if (in_go) begin
      if (bag_end) begin
        bag_open_q <= 1'b0;
        bag_has_q <= 1'b0;
      end else begin
        if (!bag_open_q) begin
          bag_open_q <= 1'b1;
          bag_tab_q <= in_tab_q;
          bag_sample_q <= in_sample_q;
        end
        if (is_lk) begin
          bag_has_q <= 1'b1;
          sumw_q <= sumw_next;
          sumw2_q <= sumw2_next;
        end
      end
    end
  end

  // lookup queue entry: {lookup, slot, weight, table, bag last, window end, free-to}
  logic [SlotW-1:0] slot_of;
  assign slot_of = hit_i ? hit_slot_i : head_i[SlotW-1:0];
  assign lk_push_o = in_go && push_lk;
  assign lk_data_o = {is_lk, slot_of, in_w_q, is_lk ? in_tab_q : b_tab, bag_end, close_i,
                      head_i + RingW'(need_alloc)};
  // fetch queue entry: {slot, table, id}
  assign nf_push_o = in_go && need_alloc;
  assign nf_data_o = {head_i[SlotW-1:0], in_tab_q, in_id_q};
  // bag queue entry: {sample, table, scaled}; scale queue entry: {sqrt-n, sum w, sum w*w}
  assign bq_push_o = in_go && bag_end;
  assign bq_data_o = {b_sample, b_tab, scale_needed};
  assign sr_push_o = in_go && scale_needed;
  assign sr_data_o = {b_comb == sc_pkg::CombSqrtn, sumw_next, sumw2_next};

  // ---- status -----------------------------------------------------------------------------------
  assign idle_o = !in_v_q && !bag_open_q;
  assign err_drop_o = in_go && bad;
  assign err_cfg_o = in_go && !in_empty_q && !tc_ok_i[in_tab_q];
  always_comb begin
    stat_o = '0;
    stat_o[sc_pkg::StLookups] = in_go && is_lk;
    stat_o[sc_pkg::StBags] = in_go && bag_end;
    stat_o[sc_pkg::StUnique] = in_go && need_alloc;
    stat_o[sc_pkg::StHashFull] = in_go && need_alloc && !has_free_i;
    stat_o[sc_pkg::StDropped] = in_go && bad;
    if (in_v_q && !in_go) begin
      if (need_alloc && !ring_space_i) stat_o[sc_pkg::StStallRing] = 1'b1;
      else if (!lk_ok || (need_alloc && nf_full_i)) stat_o[sc_pkg::StStallQueue] = 1'b1;
      else stat_o[sc_pkg::StStallScale] = 1'b1;
    end
    stat_o[sc_pkg::StEpochs] = in_go && close_i;
  end
endmodule

`default_nettype wire
