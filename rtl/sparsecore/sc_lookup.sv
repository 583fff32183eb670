// sc_lookup: one SparseCore lookup tile: embedding-bag lookups with deduplication, sharding of
// the vocabulary over the chips of a slice, gather from local memory or over ICI, and fp32
// combining 8 lanes per cycle (the scVPU width, reference/tpuv4-facts.md §5).
//
// Dataflow (docs/architecture.md "SparseCore lookup unit" has the diagram):
//   ingest   one lookup beat per cycle. Drops bad lookups (id >= the table's vocab, or a table
//            other than the bag's). Probes the dedup table (HashSets x HashWays, key {table, id},
//            sc_pkg::dedup_set): a hit reuses the Spmem slot of the row already requested; a miss
//            allocates the next slot of the slot ring and queues a fetch. A full set only loses
//            the dedup of that row (counted), never a result. Sums the bag's weights (mean) or
//            squared weights (sqrt-n) and, at the bag's end, queues them for one of ScaleUnits
//            scale engines (fp32_sqrt then fp32_div, 27 cycles each), dealt in turn, that compute
//            1/sum or 1/sqrt(sum of squares) while later bags stream in; scales are collected
//            in the same turn, so they come back in bag order. Every lookup (and every bag end)
//            enters the lookup queue in order.
//   epochs   the dedup window: it closes after a beat flagged batch end, or when it has allocated
//            Slots/2 rows, so two windows fit in the slot ring: one being combined, one filling.
//            Slots are freed a window at a time, once combine has passed its last lookup.
//   fetch    takes queued rows in order and shards them (sc_pkg table word): row sharding sends
//            one request to shard id mod S for local row id div S; column sharding one request
//            per shard for its `chunk` beats; table sharding one request to shard 0. The shard
//            map gives the owner's phext coordinate: the own coordinate goes to the local memory
//            port (m*), any other as a 2-flit request packet to the ICI port (rq). At most
//            CfgCtl requests are outstanding (a run-time setting, up to MaxOutstanding).
//   responses  in any order, from either port, tagged with the slot: one beat per cycle is
//            written into Spmem (the ICI port has priority; its beats arrive every other cycle at
//            most). A slot is ready when all its beats have arrived.
//   combine  walks the lookup queue in order, one 8-lane group per cycle: reads the group from
//            Spmem, multiplies by the lookup's weight and adds into the bag's accumulator bank
//            (fp32_mul, fp32_add). Two banks: one bag accumulates while the previous one flushes.
//            It waits on a slot still in flight (the stall that hides memory latency, counted).
//   flush    sends the bag's vector in bag order, one 8-lane group per beat (o*), multiplied by
//            the bag's scale for mean and sqrt-n; an empty bag (no accepted lookup) gives zeros.
//
// Timing contract: one lookup beat accepted per cycle at most; combine takes `groups` cycles per
// lookup (a 16-element fp32 row: 2 cycles), so the peak is min(1, 1/groups) lookups per cycle;
// the scale engines take ScaleUnits mean bags per 27 cycles (sqrt-n: per 54). A slot whose last
// beat was taken on m* at cycle c is readable by combine at c+1 (ICI: last flit at c, c+2). A
// bag's first output beat leaves 2 cycles after its last group entered combine if o_ready_i is
// high and, for mean and sqrt-n, once its scale is back: with idle engines, 30 (57) cycles after
// its last beat was taken at ingest. With a 1-cycle memory a lookup offered at cycle 0 in a
// one-lookup bag leaves at cycle 6 (sum), 31 (mean), 58 (sqrt-n).
// Numerics: each lane of a bag is acc = +0, then acc = fp32_add(acc, fp32_mul(w, x)) in lookup
// order; bf16 rows are widened exactly; mean multiplies by fp32_div(1, sum w), sqrt-n by
// fp32_div(1, fp32_sqrt(sum fp32_mul(w, w))), sums in lookup order from +0 (docs/architecture.md
// "SparseCore numerics"; C++ golden model tb/sc_model.hpp).
// Configuration (cfg_*) is written while the unit is idle; sc_pkg documents the registers.
`default_nettype none

module sc_lookup #(
  parameter int unsigned MaxGroups = 8,        /// largest row: MaxGroups x 8 elements (64)
  parameter int unsigned Slots = 512,          /// Spmem row slots (MaxGroups beats each)
  parameter int unsigned HashSets = 256,       /// dedup table sets
  parameter int unsigned HashWays = 4,         /// dedup table ways per set
  parameter int unsigned LookupDepth = 512,    /// lookup queue, ingest to combine
  parameter int unsigned FetchDepth = 64,      /// queue of rows to fetch
  parameter int unsigned BagDepth = 16,        /// queue of finished bags, and of their scales
  parameter int unsigned ScaleDepth = 16,      /// queue of bags waiting for a scale engine
  parameter int unsigned ScaleUnits = 4,       /// scale engines (fp32_sqrt + fp32_div each), 1..8
  parameter int unsigned NumTables = 4,        /// embedding tables configured at once, 2 or 4
  parameter int unsigned ShardEntries = 256,   /// shard map entries (a power of two, <= 256)
  parameter int unsigned MaxOutstanding = 256, /// largest outstanding-request setting
  parameter int unsigned FlitW = 160,          /// ICI flit width (>= sc_pkg::MinFlitW)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned IdW = sc_pkg::IdW,
  localparam int unsigned SampleW = sc_pkg::SampleW,
  localparam int unsigned BeatW = sc_pkg::BeatW,
  localparam int unsigned Lanes = sc_pkg::Lanes,
  localparam int unsigned NumStats = sc_pkg::NumStats
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Configuration registers (sc_pkg), written while idle
  input  wire logic                          cfg_valid_i,
  input  wire logic [sc_pkg::CfgAddrW-1:0]   cfg_addr_i,
  input  wire logic [sc_pkg::CfgDataW-1:0]   cfg_data_i,
  // Lookup beats
  input  wire logic                          l_valid_i,
  output logic                               l_ready_o,
  input  wire logic [SampleW-1:0]            l_sample_i,    ///< the bag's sample (echoed on o*)
  input  wire logic [TabW-1:0]               l_table_i,
  input  wire logic [IdW-1:0]                l_id_i,        ///< vocabulary id
  input  wire logic [31:0]                   l_weight_i,    ///< fp32 weight (1.0: unweighted)
  input  wire logic                          l_last_i,      ///< last lookup of the bag
  input  wire logic                          l_empty_i,     ///< no lookup: closes the bag (empty bag)
  input  wire logic                          l_batch_end_i, ///< last beat of the batch: dedup window ends
  // Local memory requests: beats [beat, beat+nbeats) of row `row` of table `table`
  output logic                               mq_valid_o,
  input  wire logic                          mq_ready_i,
  output logic      [SlotW-1:0]              mq_tag_o,
  output logic      [TabW-1:0]               mq_table_o,
  output logic      [IdW-1:0]                mq_row_o,
  output logic      [GW-1:0]                 mq_beat_o,
  output logic      [GW:0]                   mq_nbeats_o,
  // Local memory responses, one beat each, any order between requests
  input  wire logic                          mr_valid_i,
  output logic                               mr_ready_o,
  input  wire logic [SlotW-1:0]              mr_tag_i,
  input  wire logic [GW-1:0]                 mr_beat_i,     ///< beat index within the row
  input  wire logic                          mr_last_i,     ///< last beat of its request
  input  wire logic [BeatW-1:0]              mr_data_i,
  // ICI request packets out (ici_pkg head layout, sc_pkg tag and body layout)
  output logic                               rq_valid_o,
  input  wire logic                          rq_ready_i,
  output logic                               rq_head_o,
  output logic                               rq_tail_o,
  output logic      [FlitW-1:0]              rq_data_o,
  // ICI response packets in (whole packets, flits of one packet not interleaved with another's)
  input  wire logic                          rp_valid_i,
  output logic                               rp_ready_o,
  input  wire logic                          rp_head_i,
  input  wire logic                          rp_tail_i,
  input  wire logic [FlitW-1:0]              rp_data_i,
  // Combined vectors, bag order, one 8-lane group per beat
  output logic                               o_valid_o,
  input  wire logic                          o_ready_i,
  output logic      [SampleW-1:0]            o_sample_o,
  output logic      [TabW-1:0]               o_table_o,
  output logic      [GW-1:0]                 o_group_o,     ///< elements 8*group .. 8*group+7
  output logic                               o_last_o,      ///< last group of the bag
  output logic      [Lanes*32-1:0]           o_data_o,      ///< fp32 lane l in bits [l*32 +: 32]
  // Status
  output logic                               idle_o,        ///< nothing queued, in flight or open
  output logic      [2:0]                    err_o,         ///< sticky: [0] lookup dropped, [1] bad response,
                                                            ///< [2] lookup to a misconfigured table
  output logic      [NumStats*32-1:0]        stat_o         ///< sc_pkg::St* counters
);
  localparam int unsigned RingW = SlotW + 1;
  localparam int unsigned SetW = $clog2(HashSets);
  localparam int unsigned Entries = HashSets * HashWays;
  localparam int unsigned KeyW = TabW + IdW;
  localparam int unsigned OutW = $clog2(MaxOutstanding + 1);
  localparam int unsigned MapW = $clog2(ShardEntries);
  localparam int unsigned EpochSlots = Slots / 2;
  localparam logic [31:0] FpOne = 32'h3F80_0000;

  if (MaxGroups < 2 || (1 << GW) != MaxGroups || MaxGroups > 8) begin : gen_bad_groups
    sc_lookup_MaxGroups_must_be_2_4_or_8 u_error();
  end
  if (Slots < 4 || (1 << SlotW) != Slots || Slots > 65536) begin : gen_bad_slots
    sc_lookup_Slots_must_be_a_power_of_two_4_to_65536 u_error();
  end
  if ((1 << SetW) != HashSets || HashSets < 2 || HashSets > 65536 || HashWays < 1) begin : gen_bad_hash
    sc_lookup_HashSets_must_be_a_power_of_two_and_HashWays_at_least_1 u_error();
  end
  if (NumTables != 2 && NumTables != 4) begin : gen_bad_tables
    sc_lookup_NumTables_must_be_2_or_4 u_error();
  end
  if (ShardEntries < 2 || ShardEntries > 256 || (1 << MapW) != ShardEntries) begin : gen_bad_map
    sc_lookup_ShardEntries_must_be_a_power_of_two_2_to_256 u_error();
  end
  if (MaxOutstanding < 1 || MaxOutstanding > 511) begin : gen_bad_out
    sc_lookup_MaxOutstanding_must_be_1_to_511 u_error();
  end
  if (ScaleUnits < 1 || ScaleUnits > 8) begin : gen_bad_scale
    sc_lookup_ScaleUnits_must_be_1_to_8 u_error();
  end
  if (FlitW < sc_pkg::MinFlitW) begin : gen_bad_flit
    sc_lookup_FlitW_must_be_at_least_160 u_error();
  end

  /// Beats per row: 8 fp32 or 16 bf16 elements per beat.
  function automatic logic [GW:0] t_beats(input logic [GW:0] groups, input logic bf16);
    t_beats = bf16 ? (groups + 1'b1) >> 1 : groups;
  endfunction

  // ---- configuration registers (the table word split into its fields) ----------------------
  logic [GW:0]      tc_groups_q [NumTables];
  logic             tc_bf16_q [NumTables];
  logic [1:0]       tc_comb_q [NumTables];
  logic [1:0]       tc_mode_q [NumTables];
  logic [8:0]       tc_shards_q [NumTables];
  logic [7:0]       tc_base_q [NumTables];
  logic [3:0]       tc_chunk_q [NumTables];
  logic [3:0]       tc_shift_q [NumTables];
  logic [32:0]      tc_magic_q [NumTables];
  logic [31:0]      tc_vocab_q [NumTables];
  logic             tc_ok_q [NumTables];   // the table word is one the unit can run
  logic [89:0]      smap_q [ShardEntries];
  logic [89:0]      own_coord_q;
  logic [29:0]      own_gpos_q;
  logic [OutW-1:0]  max_out_q;
  logic [8:0]       cfg_out;

  assign cfg_out = cfg_data_i[8:0];

  // A table word the unit can run (else its lookups are dropped and flag err_o[2], so a bad
  // configuration cannot hang the unit on a row that never completes): 1..MaxGroups groups,
  // a known mode, 1..256 shards, shift <= 8, and for column sharding chunk x shards = beats.
  logic        cfg_table_ok;
  logic [3:0]  cw_groups, cw_chunk, cw_shift;
  logic [1:0]  cw_mode;
  logic [8:0]  cw_shards;
  logic [12:0] cw_span;
  assign cw_groups = cfg_data_i[sc_pkg::TCfgGroups +: 4];
  assign cw_chunk = cfg_data_i[sc_pkg::TCfgChunk +: 4];
  assign cw_shift = cfg_data_i[sc_pkg::TCfgShift +: 4];
  assign cw_mode = cfg_data_i[sc_pkg::TCfgMode +: 2];
  assign cw_shards = cfg_data_i[sc_pkg::TCfgShards +: 9];
  assign cw_span = 13'(cw_chunk) * 13'(cw_shards);
  assign cfg_table_ok = cw_groups >= 4'd1 && 32'(cw_groups) <= MaxGroups && cw_mode != 2'd3 &&
                        cw_shards >= 9'd1 && cw_shards <= 9'd256 && cw_shift <= 4'd8 &&
                        (cw_mode != sc_pkg::ShardCol ||
                         (cw_chunk != '0 && cw_span == 13'(t_beats(cw_groups[GW:0], cfg_data_i[sc_pkg::TCfgBf16]))));
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      own_coord_q <= '0;
      own_gpos_q <= '0;
      max_out_q <= OutW'(1);
      for (int t = 0; t < NumTables; t++) begin
        tc_groups_q[t] <= '0;
        tc_bf16_q[t] <= 1'b0;
        tc_comb_q[t] <= '0;
        tc_mode_q[t] <= '0;
        tc_shards_q[t] <= '0;
        tc_base_q[t] <= '0;
        tc_chunk_q[t] <= '0;
        tc_shift_q[t] <= '0;
        tc_magic_q[t] <= '0;
        tc_vocab_q[t] <= '0;
        tc_ok_q[t] <= 1'b0;
      end
    end else if (cfg_valid_i) begin
      if (cfg_addr_i == sc_pkg::CfgOwn) begin
        own_coord_q <= cfg_data_i[89:0];
        own_gpos_q <= cfg_data_i[119:90];
      end
      if (cfg_addr_i == sc_pkg::CfgCtl) begin
        if (cfg_out == '0) max_out_q <= OutW'(1);
        else if (32'(cfg_out) > MaxOutstanding) max_out_q <= OutW'(MaxOutstanding);
        else max_out_q <= OutW'(cfg_out);
      end
      for (int t = 0; t < NumTables; t++)
        if (cfg_addr_i == sc_pkg::CfgTable + 10'(t)) begin
          tc_groups_q[t] <= cfg_data_i[sc_pkg::TCfgGroups +: GW+1];
          tc_bf16_q[t] <= cfg_data_i[sc_pkg::TCfgBf16];
          tc_comb_q[t] <= cfg_data_i[sc_pkg::TCfgComb +: 2];
          tc_mode_q[t] <= cfg_data_i[sc_pkg::TCfgMode +: 2];
          tc_shards_q[t] <= cfg_data_i[sc_pkg::TCfgShards +: 9];
          tc_base_q[t] <= cfg_data_i[sc_pkg::TCfgBase +: 8];
          tc_chunk_q[t] <= cfg_data_i[sc_pkg::TCfgChunk +: 4];
          tc_shift_q[t] <= cfg_data_i[sc_pkg::TCfgShift +: 4];
          tc_magic_q[t] <= cfg_data_i[sc_pkg::TCfgMagic +: 33];
          tc_vocab_q[t] <= cfg_data_i[sc_pkg::TCfgVocab +: 32];
          tc_ok_q[t] <= cfg_table_ok;
        end
    end
  end
  // the shard map has no reset (an SRAM); it is written before use
  always_ff @(posedge clk_i) begin
    if (cfg_valid_i && cfg_addr_i >= sc_pkg::CfgShard &&
        cfg_addr_i < sc_pkg::CfgShard + sc_pkg::CfgAddrW'(ShardEntries))
      smap_q[MapW'(cfg_addr_i - sc_pkg::CfgShard)] <= cfg_data_i[89:0];
  end

  // ---- shared state declared up front -------------------------------------------------------
  logic [RingW-1:0] head_q, tail_q;            // slot ring: allocate at head, free up to tail
  logic [GW:0]      need_q [Slots];            // beats a slot waits for
  logic [GW:0]      cnt_q [Slots];             // beats arrived
  logic [BeatW-1:0] spmem_q [Slots*MaxGroups]; // the rows: slot * MaxGroups + beat
  logic [NumStats-1:0] st_inc;

  // ---- ingest -----------------------------------------------------------------------------
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

  // the bag being received
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
  assign b_comb = tc_comb_q[b_tab];
  assign bad = !in_empty_q && (!tc_ok_q[in_tab_q] || (bag_open_q && in_tab_q != bag_tab_q) ||
                               (in_id_q >= tc_vocab_q[in_tab_q]));
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

  // dedup probe
  logic [Entries-1:0] hval_q;
  logic [KeyW-1:0]    hkey_q [Entries];
  logic [SlotW-1:0]   hslot_q [Entries];
  logic [SetW-1:0]    set;
  logic [KeyW-1:0]    key;
  logic               hit, has_free;
  logic [SlotW-1:0]   hit_slot;
  logic [$clog2(Entries)-1:0] free_idx;
  logic [15:0]        set_wide;

  assign set_wide = sc_pkg::dedup_set(2'(in_tab_q), in_id_q, SetW);
  assign set = set_wide[SetW-1:0];
  assign key = {in_tab_q, in_id_q};
  always_comb begin
    hit = 1'b0;
    hit_slot = '0;
    has_free = 1'b0;
    free_idx = '0;
    for (int w = HashWays - 1; w >= 0; w--) begin
      // lowest matching / free way wins
      if (hval_q[set * HashWays + w] && hkey_q[set * HashWays + w] == key) begin
        hit = 1'b1;
        hit_slot = hslot_q[set * HashWays + w];
      end
      if (!hval_q[set * HashWays + w]) begin
        has_free = 1'b1;
        free_idx = ($clog2(Entries))'(set * HashWays + w);
      end
    end
  end

  // allocation, epoch and queue pushes
  logic             need_alloc, ring_space, close, push_lk, lk_ok, alloc_ok, bag_ok, scale_needed;
  logic [SlotW-1:0] epoch_cnt_q;
  logic [RingW-1:0] ring_used;
  logic             lk_full, nf_full, bq_full, sr_full;

  assign ring_used = head_q - tail_q;
  assign ring_space = ring_used < RingW'(Slots);
  assign need_alloc = is_lk && !hit;
  assign close = in_bend_q || (need_alloc && epoch_cnt_q == SlotW'(EpochSlots - 1));
  assign push_lk = is_lk || bag_end || close;
  assign scale_needed = bag_end && (bag_has_q || is_lk) && b_comb != sc_pkg::CombSum;
  assign lk_ok = !push_lk || !lk_full;
  assign alloc_ok = !need_alloc || (ring_space && !nf_full);
  assign bag_ok = !bag_end || (!bq_full && (!scale_needed || !sr_full));
  assign in_go = in_v_q && lk_ok && alloc_ok && bag_ok;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bag_open_q <= 1'b0;
      bag_has_q <= 1'b0;
      bag_tab_q <= '0;
      bag_sample_q <= '0;
      sumw_q <= '0;
      sumw2_q <= '0;
      hval_q <= '0;
      head_q <= '0;
      epoch_cnt_q <= '0;
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
      if (need_alloc) begin
        head_q <= head_q + 1'b1;
        if (has_free) hval_q[free_idx] <= 1'b1;
      end
      epoch_cnt_q <= close ? '0 : epoch_cnt_q + SlotW'(need_alloc);
      if (close) hval_q <= '0; // a new dedup window (overrides this beat's insert)
    end
  end
  always_ff @(posedge clk_i) begin
    if (in_go && need_alloc && has_free) begin
      hkey_q[free_idx] <= key;
      hslot_q[free_idx] <= head_q[SlotW-1:0];
    end
  end

  // lookup queue entry: {lookup, slot, weight, table, bag last, epoch end, free-to}
  localparam int unsigned LkW = 1 + SlotW + 32 + TabW + 1 + 1 + RingW;
  logic [LkW-1:0] lk_din, lk_dout;
  logic           lk_empty, lk_pop;
  logic [SlotW-1:0] slot_of;
  assign slot_of = hit ? hit_slot : head_q[SlotW-1:0];
  assign lk_din = {is_lk, slot_of, in_w_q, is_lk ? in_tab_q : b_tab, bag_end, close,
                   head_q + RingW'(need_alloc)};
  sc_fifo #(.Width(LkW), .Depth(LookupDepth)) u_lkq (
    .clk_i, .rst_ni, .push_i(in_go && push_lk), .data_i(lk_din), .pop_i(lk_pop),
    .data_o(lk_dout), .empty_o(lk_empty), .full_o(lk_full)
  );

  // fetch queue entry: {slot, table, id}
  localparam int unsigned NfW = SlotW + TabW + IdW;
  logic [NfW-1:0] nf_dout;
  logic           nf_empty, nf_pop;
  sc_fifo #(.Width(NfW), .Depth(FetchDepth)) u_nfq (
    .clk_i, .rst_ni, .push_i(in_go && need_alloc), .data_i({head_q[SlotW-1:0], in_tab_q, in_id_q}),
    .pop_i(nf_pop), .data_o(nf_dout), .empty_o(nf_empty), .full_o(nf_full)
  );

  // ---- scale unit: 1 / sum(w) (mean) or 1 / sqrt(sum(w*w)) (sqrt-n) per bag ----------------
  // Every bag end enters the bag queue {sample, table, scaled}; a scaled bag also queues its
  // sums for the ScaleUnits engines (fp32_sqrt then fp32_div, 27 cycles each). Bags are dealt
  // to the engines in turn and their scales collected in the same turn into the scale queue,
  // so scales come out in bag order for the flush.
  localparam int unsigned BagW = SampleW + TabW + 1;
  localparam int unsigned SrW = 1 + 32 + 32;
  localparam int unsigned EngW = ScaleUnits > 1 ? $clog2(ScaleUnits) : 1;
  logic               bq_pop, bq_empty, sr_empty, deal, collect, sv_pop, sv_empty, sv_full;
  logic [BagW-1:0]    bq_dout;
  logic [SrW-1:0]     sr_dout;
  logic               sr_sqrtn;
  logic [31:0]        sr_sumw, sr_sumw2, sv_dout;
  logic [EngW-1:0]    deal_q, coll_q;
  logic [ScaleUnits-1:0]    eng_busy, eng_res_v;
  logic [ScaleUnits*32-1:0] eng_res;

  sc_fifo #(.Width(BagW), .Depth(BagDepth)) u_bagq (
    .clk_i, .rst_ni, .push_i(in_go && bag_end), .data_i({b_sample, b_tab, scale_needed}), .pop_i(bq_pop),
    .data_o(bq_dout), .empty_o(bq_empty), .full_o(bq_full)
  );
  sc_fifo #(.Width(SrW), .Depth(ScaleDepth)) u_scaleq (
    .clk_i, .rst_ni, .push_i(in_go && scale_needed),
    .data_i({b_comb == sc_pkg::CombSqrtn, sumw_next, sumw2_next}), .pop_i(deal),
    .data_o(sr_dout), .empty_o(sr_empty), .full_o(sr_full)
  );
  assign {sr_sqrtn, sr_sumw, sr_sumw2} = sr_dout;
  assign deal = !sr_empty && !eng_busy[deal_q] && !eng_res_v[deal_q];
  assign collect = eng_res_v[coll_q] && !sv_full;

  for (genvar e = 0; e < ScaleUnits; e++) begin : gen_scale
    logic        start, busy_q, sqrt_phase_q, res_v_q, sqrt_done, div_done;
    logic [31:0] res_q, sqrt_r, div_q;
    assign start = deal && deal_q == EngW'(e);
    fp32_sqrt u_sqrt (.clk_i, .rst_ni, .start_i(start && sr_sqrtn), .a_i(sr_sumw2), .busy_o(),
                      .done_o(sqrt_done), .r_o(sqrt_r));
    fp32_div u_div (.clk_i, .rst_ni, .start_i((start && !sr_sqrtn) || (sqrt_phase_q && sqrt_done)),
                    .a_i(FpOne), .b_i(sqrt_phase_q ? sqrt_r : sr_sumw), .busy_o(), .done_o(div_done),
                    .q_o(div_q));
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        busy_q <= 1'b0;
        sqrt_phase_q <= 1'b0;
        res_v_q <= 1'b0;
        res_q <= '0;
      end else begin
        if (start) begin
          busy_q <= 1'b1;
          sqrt_phase_q <= sr_sqrtn;
        end
        if (sqrt_phase_q && sqrt_done) sqrt_phase_q <= 1'b0;
        if (busy_q && !sqrt_phase_q && div_done) begin
          busy_q <= 1'b0;
          res_v_q <= 1'b1;
          res_q <= div_q;
        end
        if (collect && coll_q == EngW'(e)) res_v_q <= 1'b0;
      end
    end
    assign eng_busy[e] = busy_q;
    assign eng_res_v[e] = res_v_q;
    assign eng_res[e*32 +: 32] = res_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      deal_q <= '0;
      coll_q <= '0;
    end else begin
      if (deal) deal_q <= deal_q == EngW'(ScaleUnits - 1) ? '0 : deal_q + 1'b1;
      if (collect) coll_q <= coll_q == EngW'(ScaleUnits - 1) ? '0 : coll_q + 1'b1;
    end
  end
  sc_fifo #(.Width(32), .Depth(BagDepth)) u_scalev (
    .clk_i, .rst_ni, .push_i(collect), .data_i(eng_res[coll_q*32 +: 32]), .pop_i(sv_pop),
    .data_o(sv_dout), .empty_o(sv_empty), .full_o(sv_full)
  );

  // ---- fetch: shard, then a local memory request or an ICI request packet -----------------
  logic [SlotW-1:0]   nf_slot;
  logic [TabW-1:0]    nf_tab;
  logic [IdW-1:0]     nf_id;
  logic [8:0]         f_shards;
  logic [3:0]         f_chunk;
  logic [8+IdW-1:0]   rs;
  logic [7:0]         shard, k_q;
  logic [IdW-1:0]     f_row;
  logic [GW-1:0]      f_beat;
  logic [GW:0]        f_nbeats;
  logic               f_lastreq, f_local, f_can, rq_body_q, req_done;
  logic [89:0]        f_dest;
  logic [OutW-1:0]    out_q;
  logic               dec_local, dec_remote;

  assign {nf_slot, nf_tab, nf_id} = nf_dout;
  assign f_shards = tc_shards_q[nf_tab];
  assign f_chunk = tc_chunk_q[nf_tab];
  assign rs = sc_pkg::row_shard(nf_id, f_shards, tc_magic_q[nf_tab], tc_shift_q[nf_tab]);
  always_comb begin
    shard = '0;
    f_row = nf_id;
    f_beat = '0;
    f_nbeats = t_beats(tc_groups_q[nf_tab], tc_bf16_q[nf_tab]);
    f_lastreq = 1'b1;
    case (tc_mode_q[nf_tab])
      sc_pkg::ShardRow: begin
        shard = rs[IdW +: 8];
        f_row = rs[IdW-1:0];
      end
      sc_pkg::ShardCol: begin
        shard = k_q;
        f_beat = GW'(k_q * 8'(f_chunk));
        f_nbeats = (GW+1)'(f_chunk);
        f_lastreq = 9'(k_q) + 9'd1 >= f_shards;
      end
      default: ;
    endcase
  end
  assign f_dest = smap_q[MapW'(tc_base_q[nf_tab] + shard)];
  assign f_local = f_dest == own_coord_q;
  assign f_can = !nf_empty && out_q < max_out_q;

  assign mq_valid_o = f_can && f_local && !rq_body_q;
  assign mq_tag_o = nf_slot;
  assign mq_table_o = nf_tab;
  assign mq_row_o = f_row;
  assign mq_beat_o = f_beat;
  assign mq_nbeats_o = f_nbeats;

  assign rq_valid_o = rq_body_q || (f_can && !f_local);
  assign rq_head_o = !rq_body_q;
  assign rq_tail_o = rq_body_q;
  always_comb begin
    rq_data_o = '0;
    if (!rq_body_q) begin
      rq_data_o[ici_pkg::HeadDestLsb +: 90] = f_dest;
      rq_data_o[ici_pkg::HeadTypeLsb +: ici_pkg::HeadTypeW] = ici_pkg::PktEmbLookup;
      rq_data_o[ici_pkg::HeadLenLsb +: ici_pkg::HeadLenW] = ici_pkg::HeadLenW'(2);
      rq_data_o[ici_pkg::HeadSrcLsb +: 30] = own_gpos_q;
      rq_data_o[sc_pkg::TagSlotLsb +: 16] = 16'(nf_slot);
      rq_data_o[sc_pkg::TagBeatLsb +: 8] = 8'(f_beat);
      rq_data_o[sc_pkg::TagNBeatsLsb +: 8] = 8'(f_nbeats);
    end else begin
      rq_data_o[sc_pkg::ReqReplyLsb +: 90] = own_coord_q;
      rq_data_o[sc_pkg::ReqRowLsb +: 32] = f_row;
      rq_data_o[sc_pkg::ReqTableLsb +: 6] = 6'(nf_tab);
    end
  end

  assign req_done = (mq_valid_o && mq_ready_i) || (rq_body_q && rq_ready_i);
  assign nf_pop = req_done && f_lastreq;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_body_q <= 1'b0;
      k_q <= '0;
      out_q <= '0;
    end else begin
      if (rq_valid_o && rq_ready_i) rq_body_q <= !rq_body_q;
      if (req_done) k_q <= f_lastreq ? '0 : k_q + 1'b1;
      out_q <= out_q + OutW'(req_done) - OutW'(dec_local) - OutW'(dec_remote);
    end
  end

  // ---- responses into Spmem -----------------------------------------------------------------
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
  assign dec_remote = rp_valid_i && rp_tail_i && !(rp_head_i ? rp_bad : rp_drop_q);
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
  assign dec_local = mr_fire && mr_last_i;
  assign wr_en = rb_v_q || mr_fire;
  assign wr_slot = rb_v_q ? rb_tag_q : mr_tag_i;
  assign wr_beat = rb_v_q ? rb_beat_q : mr_beat_i;
  always_ff @(posedge clk_i) begin
    if (wr_en) spmem_q[{wr_slot, wr_beat}] <= rb_v_q ? rb_data_q : mr_data_i;
  end
  // beat counts per slot, without reset: a slot's counts are set when it is allocated and read
  // only behind a lookup queue entry that names it
  always_ff @(posedge clk_i) begin
    if (wr_en) cnt_q[wr_slot] <= cnt_q[wr_slot] + 1'b1;
    if (in_go && need_alloc) begin
      cnt_q[head_q[SlotW-1:0]] <= '0;
      need_q[head_q[SlotW-1:0]] <= t_beats(tc_groups_q[in_tab_q], tc_bf16_q[in_tab_q]);
    end
  end

  // ---- combine, stage 1: the lookup queue's head reads one group from Spmem -----------------
  logic             e_lk, e_last, e_eend;
  logic [SlotW-1:0] e_slot;
  logic [31:0]      e_w;
  logic [TabW-1:0]  e_tab;
  logic [RingW-1:0] e_free;
  logic [GW:0]      e_groups;
  logic             e_bf16, slot_ready, bank_ok, fire1, e_lastg;
  logic             cb_q, in_bag_q;
  logic [GW-1:0]    g_q;
  logic [1:0]       full_q, zero_q;

  assign {e_lk, e_slot, e_w, e_tab, e_last, e_eend, e_free} = lk_dout;
  assign e_groups = tc_groups_q[e_tab];
  assign e_bf16 = tc_bf16_q[e_tab];
  assign e_lastg = (GW+1)'(g_q) + 1'b1 >= e_groups;
  assign slot_ready = cnt_q[e_slot] == need_q[e_slot];
  assign bank_ok = in_bag_q || !full_q[cb_q];
  assign fire1 = !lk_empty && (e_lk ? (slot_ready && bank_ok) : (!e_last || bank_ok));
  assign lk_pop = fire1 && (!e_lk || e_lastg);

  // stage-2 registers
  logic             s2_v_q, s2_mac_q, s2_bank_q, s2_half_q, s2_bf16_q, s2_first_q, s2_close_q, s2_zero_q;
  logic [GW-1:0]    s2_g_q;
  logic [31:0]      s2_w_q;
  logic [BeatW-1:0] rd_q;

  always_ff @(posedge clk_i) begin
    if (fire1 && e_lk) rd_q <= spmem_q[{e_slot, e_bf16 ? g_q >> 1 : g_q}];
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cb_q <= 1'b0;
      in_bag_q <= 1'b0;
      g_q <= '0;
      tail_q <= '0;
      s2_v_q <= 1'b0;
      s2_mac_q <= 1'b0;
      s2_bank_q <= 1'b0;
      s2_half_q <= 1'b0;
      s2_bf16_q <= 1'b0;
      s2_first_q <= 1'b0;
      s2_close_q <= 1'b0;
      s2_zero_q <= 1'b0;
      s2_g_q <= '0;
      s2_w_q <= '0;
    end else begin
      s2_v_q <= 1'b0;
      if (fire1) begin
        if (e_lk) begin
          s2_v_q <= 1'b1;
          s2_mac_q <= 1'b1;
          s2_bank_q <= cb_q;
          s2_g_q <= g_q;
          s2_half_q <= e_bf16 && g_q[0];
          s2_bf16_q <= e_bf16;
          s2_w_q <= e_w;
          s2_first_q <= !in_bag_q;
          s2_close_q <= e_last && e_lastg;
          g_q <= e_lastg ? '0 : g_q + 1'b1;
          if (e_lastg) in_bag_q <= !e_last;
          if (e_lastg && e_last) cb_q <= !cb_q;
        end else if (e_last) begin
          s2_v_q <= 1'b1;
          s2_mac_q <= 1'b0;
          s2_bank_q <= cb_q;
          s2_zero_q <= !in_bag_q;
          in_bag_q <= 1'b0;
          cb_q <= !cb_q;
        end
      end
      if (lk_pop && e_eend) tail_q <= e_free;
    end
  end

  // ---- combine, stage 2: acc = acc + w * x on 8 lanes ----------------------------------------
  logic [BeatW-1:0]     acc_q [2*MaxGroups];
  logic [Lanes*32-1:0]  s2_acc, s2_sum;
  assign s2_acc = acc_q[{s2_bank_q, s2_g_q}];
  for (genvar l = 0; l < Lanes; l++) begin : gen_mac
    logic [31:0] x, p, a;
    assign x = s2_bf16_q ? {rd_q[(l + (s2_half_q ? Lanes : 0)) * 16 +: 16], 16'h0000} : rd_q[l*32 +: 32];
    assign a = s2_first_q ? 32'd0 : s2_acc[l*32 +: 32];
    fp32_mul u_mul (.a_i(s2_w_q), .b_i(x), .p_o(p));
    fp32_add u_add (.a_i(a), .b_i(p), .s_o(s2_sum[l*32 +: 32]));
  end
  always_ff @(posedge clk_i) begin
    if (s2_v_q && s2_mac_q) acc_q[{s2_bank_q, s2_g_q}] <= s2_sum;
  end

  // ---- flush: bag order, one group per beat, scaled for mean and sqrt-n ---------------------
  logic               fb_q;
  logic [GW-1:0]      fg_q;
  logic [SampleW-1:0] bq_sample;
  logic [TabW-1:0]    bq_tab;
  logic               bq_scaled;
  logic               o_fire, o_scale;
  logic [Lanes*32-1:0] o_acc;

  assign {bq_sample, bq_tab, bq_scaled} = bq_dout;
  assign o_scale = bq_scaled;
  assign o_acc = acc_q[{fb_q, fg_q}];
  assign o_valid_o = full_q[fb_q] && !bq_empty && (!bq_scaled || !sv_empty);
  assign o_sample_o = bq_sample;
  assign o_table_o = bq_tab;
  assign o_group_o = fg_q;
  assign o_last_o = (GW+1)'(fg_q) + 1'b1 >= tc_groups_q[bq_tab];
  for (genvar l = 0; l < Lanes; l++) begin : gen_scale
    logic [31:0] p;
    fp32_mul u_mul (.a_i(o_acc[l*32 +: 32]), .b_i(sv_dout), .p_o(p));
    assign o_data_o[l*32 +: 32] = zero_q[fb_q] ? 32'd0 : o_scale ? p : o_acc[l*32 +: 32];
  end
  assign o_fire = o_valid_o && o_ready_i;
  assign bq_pop = o_fire && o_last_o;
  assign sv_pop = bq_pop && bq_scaled;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fb_q <= 1'b0;
      fg_q <= '0;
      full_q <= '0;
      zero_q <= '0;
    end else begin
      if (o_fire) begin
        fg_q <= o_last_o ? '0 : fg_q + 1'b1;
        if (o_last_o) begin
          full_q[fb_q] <= 1'b0;
          fb_q <= !fb_q;
        end
      end
      // a bank is filled only after the flush emptied it (stage 1 checks), never the same one
      if (s2_v_q && (!s2_mac_q || s2_close_q)) begin
        full_q[s2_bank_q] <= 1'b1;
        zero_q[s2_bank_q] <= !s2_mac_q && s2_zero_q;
      end
    end
  end

  // ---- status ---------------------------------------------------------------------------------
  assign idle_o = !in_v_q && !bag_open_q && lk_empty && nf_empty && out_q == '0 && !rb_v_q &&
                  !s2_v_q && full_q == 2'b00 && bq_empty && sr_empty && sv_empty && eng_busy == '0 &&
                  eng_res_v == '0;

  always_comb begin
    st_inc = '0;
    st_inc[sc_pkg::StLookups] = in_go && is_lk;
    st_inc[sc_pkg::StBags] = in_go && bag_end;
    st_inc[sc_pkg::StUnique] = in_go && need_alloc;
    st_inc[sc_pkg::StHashFull] = in_go && need_alloc && !has_free;
    st_inc[sc_pkg::StLocalReq] = mq_valid_o && mq_ready_i;
    st_inc[sc_pkg::StRemoteReq] = rq_body_q && rq_ready_i;
    st_inc[sc_pkg::StDropped] = in_go && bad;
    if (in_v_q && !in_go) begin
      if (need_alloc && !ring_space) st_inc[sc_pkg::StStallRing] = 1'b1;
      else if (!lk_ok || (need_alloc && nf_full)) st_inc[sc_pkg::StStallQueue] = 1'b1;
      else st_inc[sc_pkg::StStallScale] = 1'b1;
    end
    st_inc[sc_pkg::StStallOut] = !nf_empty && !rq_body_q && !(out_q < max_out_q);
    st_inc[sc_pkg::StStallPort] = (mq_valid_o && !mq_ready_i) || (rq_valid_o && !rq_ready_i);
    if (!lk_empty && !fire1) begin
      if (e_lk && !slot_ready) st_inc[sc_pkg::StStallData] = 1'b1;
      else st_inc[sc_pkg::StStallBank] = 1'b1;
    end
    st_inc[sc_pkg::StStallFlush] = o_valid_o && !o_ready_i;
    st_inc[sc_pkg::StBusy] = !idle_o;
    st_inc[sc_pkg::StEpochs] = in_go && close;
  end

  logic [31:0] st_q [NumStats];
  logic        err_lk_q, err_rp_q, err_cfg_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < NumStats; i++) st_q[i] <= '0;
      err_lk_q <= 1'b0;
      err_rp_q <= 1'b0;
      err_cfg_q <= 1'b0;
    end else begin
      for (int i = 0; i < NumStats; i++) st_q[i] <= st_q[i] + 32'(st_inc[i]);
      if (in_go && bad) err_lk_q <= 1'b1;
      if (rp_bad) err_rp_q <= 1'b1;
      if (in_go && !in_empty_q && !tc_ok_q[in_tab_q]) err_cfg_q <= 1'b1;
    end
  end
  for (genvar i = 0; i < NumStats; i++) begin : gen_stat
    assign stat_o[i*32 +: 32] = st_q[i];
  end
  assign err_o = {err_cfg_q, err_rp_q, err_lk_q};

endmodule

`default_nettype wire
