// sc_lookup: one SparseCore lookup tile: embedding-bag lookups with deduplication, sharding of
// the vocabulary over the chips of a slice, gather from local memory or over ICI, and fp32
// combining 8 lanes per cycle (the scVPU width, docs/references.md §T3). This module wires the
// stages and the queues between them; each stage is a module of its own, with its timing
// contract in its header (docs/blocks/sparsecore.md has the diagram and a table of the stages):
//   sc_config     configuration registers, the slice geometry and the shard map (sc_pkg
//                 documents the registers)
//   sc_ingest     one lookup beat per cycle: drops bad lookups, probes the dedup table, takes a
//                 new Spmem slot for a row not in it, sums the bag's weights; pushes the lookup,
//                 fetch, bag and scale queues in order
//   sc_dedup      the dedup table (HashSets x HashWays, key {table, id}, sc_pkg::dedup_set): a
//                 hit reuses the slot of the row already requested; a full set only loses the
//                 dedup of that row (counted), never a result
//   sc_slot_ring  the slot ring and the dedup windows ("epochs"): a window closes after a beat
//                 flagged batch end or after Slots/2 new rows, so two windows fit in the ring
//                 (one being combined, one filling); slots are freed a window at a time, once
//                 combine has passed its last lookup
//   sc_scale      ScaleUnits scale engines (fp32_sqrt then fp32_div, 27 cycles each) computing
//                 1/sum or 1/sqrt(sum of squares) per mean / sqrt-n bag, dealt and collected in
//                 turn, so scales come back in bag order
//   sc_fetch      shards the queued rows (row, column or table sharding), finds each shard's
//                 owner (the shard map, or computed from the slice geometry: up to 4096 shards)
//                 and sends them to the local memory port (m*) or as 2-flit request packets
//                 over ICI (rq); at most
//                 CfgCtl requests outstanding (a run-time setting, up to MaxOutstanding)
//   sc_response   row beats back in any order, from either port (mr*, rp*), into Spmem's write
//                 port, one beat per cycle (ICI first: its beats arrive every other cycle at most)
//   sc_spmem      the Spmem rows (Slots x MaxGroups beats) and per-slot beat counts: a slot is
//                 ready when all its beats have arrived
//   sc_combine    walks the lookup queue in order, one 8-lane group per cycle: acc += w * x
//                 (fp32_mul, fp32_add) into the bag's accumulator bank (two banks); waits on a
//                 slot still in flight (the stall that hides memory latency, counted)
//   sc_flush      sends each bag's vector in bag order, one 8-lane group per beat (o*), times
//                 the bag's scale for mean and sqrt-n; an empty bag gives zeros
//   sc_stats      the status counters and sticky error flags
//
// Timing contract: one lookup beat accepted per cycle at most; combine takes `groups` cycles per
// lookup (a 16-element fp32 row: 2 cycles), so the peak is min(1, 1/groups) lookups per cycle;
// the scale engines take ScaleUnits mean bags per 29 cycles (sqrt-n: per 56). A slot whose last
// beat was taken on m* at cycle c is readable by combine at c+1 (ICI: last flit at c, c+2). A
// bag's first output beat leaves 2 cycles after its last group entered combine if o_ready_i is
// high and, for mean and sqrt-n, once its scale is back: with idle engines, 30 (57) cycles after
// its last beat was taken at ingest. With a 1-cycle memory a lookup offered at cycle 0 in a
// one-lookup bag leaves at cycle 6 (sum), 31 (mean), 58 (sqrt-n).
// Numerics: each lane of a bag is acc = +0, then acc = fp32_add(acc, fp32_mul(w, x)) in lookup
// order; bf16 rows are widened exactly; mean multiplies by fp32_div(1, sum w), sqrt-n by
// fp32_div(1, fp32_sqrt(sum fp32_mul(w, w))), sums in lookup order from +0
// (docs/blocks/sparsecore.md "SparseCore numerics"; C++ golden model ref/sc_model.hpp).
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
  localparam int unsigned MapW = $clog2(ShardEntries);
  localparam int unsigned OutW = $clog2(MaxOutstanding + 1);
  localparam int unsigned LkW = 1 + SlotW + 32 + TabW + 1 + 1 + RingW;
  localparam int unsigned NfW = SlotW + TabW + IdW;
  localparam int unsigned BagW = SampleW + TabW + 1;
  localparam int unsigned SrW = 1 + 32 + 32;

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

  // ---- configuration ------------------------------------------------------------------------
  logic [NumTables*(GW+1)-1:0] tc_groups, tc_beats;
  logic [NumTables-1:0]        tc_bf16, tc_ok;
  logic [NumTables*2-1:0]      tc_comb, tc_mode;
  logic [NumTables-1:0]        tc_place;
  logic [NumTables*sc_pkg::TCfgShardsW-1:0] tc_shards;
  logic [NumTables*sc_pkg::TCfgBaseW-1:0]   tc_base;
  logic [NumTables*4-1:0]      tc_chunk, tc_shift;
  logic [NumTables*33-1:0]     tc_magic;
  logic [NumTables*32-1:0]     tc_vocab;
  logic [89:0]                 own_coord, smap_data;
  logic [29:0]                 own_gpos;
  logic [3*phext_pkg::GlobalW-1:0]  geom_slice;
  logic [3*phext_pkg::CubeDimW-1:0] geom_cube;
  logic [OutW-1:0]             max_out;
  logic [MapW-1:0]             smap_addr;

  sc_config #(
    .MaxGroups(MaxGroups), .NumTables(NumTables), .ShardEntries(ShardEntries),
    .MaxOutstanding(MaxOutstanding)
  ) u_config (
    .clk_i, .rst_ni, .cfg_valid_i, .cfg_addr_i, .cfg_data_i,
    .tc_groups_o(tc_groups), .tc_bf16_o(tc_bf16), .tc_beats_o(tc_beats), .tc_comb_o(tc_comb),
    .tc_mode_o(tc_mode), .tc_place_o(tc_place), .tc_shards_o(tc_shards), .tc_base_o(tc_base), .tc_chunk_o(tc_chunk),
    .tc_shift_o(tc_shift), .tc_magic_o(tc_magic), .tc_vocab_o(tc_vocab), .tc_ok_o(tc_ok),
    .own_coord_o(own_coord), .own_gpos_o(own_gpos), .slice_o(geom_slice), .cube_o(geom_cube), .max_out_o(max_out),
    .smap_addr_i(smap_addr), .smap_data_o(smap_data)
  );

  // ---- ingest, with the dedup table and the slot ring ----------------------------------------
  logic [TabW-1:0]  key_tab;
  logic [IdW-1:0]   key_id;
  logic             hit, has_free, need_alloc, batch_end, in_go, alloc, win_clear, ring_space, close;
  logic [SlotW-1:0] hit_slot;
  logic [GW:0]      alloc_beats;
  logic [RingW-1:0] head, free_to;
  logic             free;
  // the queues between the stages (sc_fifo: first-word fall-through)
  logic             lk_push, lk_pop, lk_empty, lk_full;
  logic [LkW-1:0]   lk_din, lk_dout;
  logic             nf_push, nf_pop, nf_empty, nf_full;
  logic [NfW-1:0]   nf_din, nf_dout;
  logic             bq_push, bq_pop, bq_empty, bq_full;
  logic [BagW-1:0]  bq_din, bq_dout;
  logic             sr_push, sr_pop, sr_empty, sr_full;
  logic [SrW-1:0]   sr_din, sr_dout;
  logic             sv_push, sv_pop, sv_empty, sv_full;
  logic [31:0]      sv_din, sv_dout;
  logic             ingest_idle, err_drop, err_cfg;
  logic [NumStats-1:0] ingest_st;

  sc_ingest #(.MaxGroups(MaxGroups), .Slots(Slots), .NumTables(NumTables)) u_ingest (
    .clk_i, .rst_ni,
    .l_valid_i, .l_ready_o, .l_sample_i, .l_table_i, .l_id_i, .l_weight_i, .l_last_i, .l_empty_i,
    .l_batch_end_i,
    .tc_beats_i(tc_beats), .tc_comb_i(tc_comb), .tc_vocab_i(tc_vocab), .tc_ok_i(tc_ok),
    .key_tab_o(key_tab), .key_id_o(key_id), .hit_i(hit), .hit_slot_i(hit_slot), .has_free_i(has_free),
    .need_alloc_o(need_alloc), .batch_end_o(batch_end), .go_o(in_go), .alloc_o(alloc),
    .clear_o(win_clear), .alloc_beats_o(alloc_beats), .head_i(head), .ring_space_i(ring_space),
    .close_i(close),
    .lk_push_o(lk_push), .lk_data_o(lk_din), .lk_full_i(lk_full),
    .nf_push_o(nf_push), .nf_data_o(nf_din), .nf_full_i(nf_full),
    .bq_push_o(bq_push), .bq_data_o(bq_din), .bq_full_i(bq_full),
    .sr_push_o(sr_push), .sr_data_o(sr_din), .sr_full_i(sr_full),
    .idle_o(ingest_idle), .err_drop_o(err_drop), .err_cfg_o(err_cfg), .stat_o(ingest_st)
  );

  sc_dedup #(.Slots(Slots), .HashSets(HashSets), .HashWays(HashWays), .NumTables(NumTables)) u_dedup (
    .clk_i, .rst_ni, .tab_i(key_tab), .id_i(key_id), .hit_o(hit), .hit_slot_o(hit_slot),
    .has_free_o(has_free), .insert_i(alloc), .slot_i(head[SlotW-1:0]), .clear_i(win_clear)
  );

  sc_slot_ring #(.Slots(Slots)) u_slot_ring (
    .clk_i, .rst_ni, .go_i(in_go), .need_alloc_i(need_alloc), .batch_end_i(batch_end),
    .free_i(free), .free_to_i(free_to), .head_o(head), .space_o(ring_space), .close_o(close)
  );

  sc_fifo #(.Width(LkW), .Depth(LookupDepth)) u_lkq (
    .clk_i, .rst_ni, .push_i(lk_push), .data_i(lk_din), .pop_i(lk_pop),
    .data_o(lk_dout), .empty_o(lk_empty), .full_o(lk_full)
  );
  sc_fifo #(.Width(NfW), .Depth(FetchDepth)) u_nfq (
    .clk_i, .rst_ni, .push_i(nf_push), .data_i(nf_din), .pop_i(nf_pop),
    .data_o(nf_dout), .empty_o(nf_empty), .full_o(nf_full)
  );
  sc_fifo #(.Width(BagW), .Depth(BagDepth)) u_bagq (
    .clk_i, .rst_ni, .push_i(bq_push), .data_i(bq_din), .pop_i(bq_pop),
    .data_o(bq_dout), .empty_o(bq_empty), .full_o(bq_full)
  );
  sc_fifo #(.Width(SrW), .Depth(ScaleDepth)) u_scaleq (
    .clk_i, .rst_ni, .push_i(sr_push), .data_i(sr_din), .pop_i(sr_pop),
    .data_o(sr_dout), .empty_o(sr_empty), .full_o(sr_full)
  );

  // ---- scale engines ----------------------------------------------------------------------------
  logic scale_idle;
  sc_scale #(.ScaleUnits(ScaleUnits)) u_scale (
    .clk_i, .rst_ni, .req_empty_i(sr_empty), .req_data_i(sr_dout), .req_pop_o(sr_pop),
    .res_push_o(sv_push), .res_data_o(sv_din), .res_full_i(sv_full), .idle_o(scale_idle)
  );
  sc_fifo #(.Width(32), .Depth(BagDepth)) u_scalev (
    .clk_i, .rst_ni, .push_i(sv_push), .data_i(sv_din), .pop_i(sv_pop),
    .data_o(sv_dout), .empty_o(sv_empty), .full_o(sv_full)
  );

  // ---- fetch, responses, Spmem ------------------------------------------------------------------
  logic                fetch_idle, done_local, done_remote;
  logic [NumStats-1:0] fetch_st;
  sc_fetch #(
    .MaxGroups(MaxGroups), .Slots(Slots), .NumTables(NumTables), .ShardEntries(ShardEntries),
    .MaxOutstanding(MaxOutstanding), .FlitW(FlitW)
  ) u_fetch (
    .clk_i, .rst_ni, .nf_empty_i(nf_empty), .nf_data_i(nf_dout), .nf_pop_o(nf_pop),
    .tc_beats_i(tc_beats), .tc_mode_i(tc_mode), .tc_place_i(tc_place), .tc_shards_i(tc_shards), .tc_base_i(tc_base),
    .tc_chunk_i(tc_chunk), .tc_shift_i(tc_shift), .tc_magic_i(tc_magic),
    .own_coord_i(own_coord), .own_gpos_i(own_gpos), .slice_i(geom_slice), .cube_i(geom_cube), .max_out_i(max_out),
    .smap_addr_o(smap_addr), .smap_data_i(smap_data),
    .mq_valid_o, .mq_ready_i, .mq_tag_o, .mq_table_o, .mq_row_o, .mq_beat_o, .mq_nbeats_o,
    .rq_valid_o, .rq_ready_i, .rq_head_o, .rq_tail_o, .rq_data_o,
    .done_local_i(done_local), .done_remote_i(done_remote), .idle_o(fetch_idle), .stat_o(fetch_st)
  );

  logic             wr_en, resp_idle, resp_bad;
  logic [SlotW-1:0] wr_slot;
  logic [GW-1:0]    wr_beat;
  logic [BeatW-1:0] wr_data;
  sc_response #(.MaxGroups(MaxGroups), .Slots(Slots), .FlitW(FlitW)) u_response (
    .clk_i, .rst_ni,
    .mr_valid_i, .mr_ready_o, .mr_tag_i, .mr_beat_i, .mr_last_i, .mr_data_i,
    .rp_valid_i, .rp_ready_o, .rp_head_i, .rp_tail_i, .rp_data_i,
    .wr_en_o(wr_en), .wr_slot_o(wr_slot), .wr_beat_o(wr_beat), .wr_data_o(wr_data),
    .done_local_o(done_local), .done_remote_o(done_remote), .bad_o(resp_bad), .idle_o(resp_idle)
  );

  logic [SlotW-1:0] chk_slot, rd_slot;
  logic             slot_ready, rd_en;
  logic [GW-1:0]    rd_beat;
  logic [BeatW-1:0] rd_data;
  sc_spmem #(.MaxGroups(MaxGroups), .Slots(Slots)) u_spmem (
    .clk_i, .wr_en_i(wr_en), .wr_slot_i(wr_slot), .wr_beat_i(wr_beat), .wr_data_i(wr_data),
    .alloc_i(alloc), .alloc_slot_i(head[SlotW-1:0]), .alloc_beats_i(alloc_beats),
    .chk_slot_i(chk_slot), .ready_o(slot_ready), .rd_en_i(rd_en), .rd_slot_i(rd_slot),
    .rd_beat_i(rd_beat), .rd_data_o(rd_data)
  );

  // ---- combine and flush ------------------------------------------------------------------------
  logic                fl_bank, fl_full, fl_zero, fl_done, combine_idle;
  logic [GW-1:0]       fl_group;
  logic [Lanes*32-1:0] fl_acc;
  logic [NumStats-1:0] combine_st, flush_st;
  sc_combine #(.MaxGroups(MaxGroups), .Slots(Slots), .NumTables(NumTables)) u_combine (
    .clk_i, .rst_ni, .lk_empty_i(lk_empty), .lk_data_i(lk_dout), .lk_pop_o(lk_pop),
    .tc_groups_i(tc_groups), .tc_bf16_i(tc_bf16),
    .chk_slot_o(chk_slot), .slot_ready_i(slot_ready), .rd_en_o(rd_en), .rd_slot_o(rd_slot),
    .rd_beat_o(rd_beat), .rd_data_i(rd_data), .free_o(free), .free_to_o(free_to),
    .fl_bank_i(fl_bank), .fl_group_i(fl_group), .fl_acc_o(fl_acc), .fl_full_o(fl_full),
    .fl_zero_o(fl_zero), .fl_done_i(fl_done), .idle_o(combine_idle), .stat_o(combine_st)
  );

  sc_flush #(.MaxGroups(MaxGroups), .NumTables(NumTables)) u_flush (
    .clk_i, .rst_ni, .bq_empty_i(bq_empty), .bq_data_i(bq_dout), .bq_pop_o(bq_pop),
    .sv_empty_i(sv_empty), .sv_data_i(sv_dout), .sv_pop_o(sv_pop), .tc_groups_i(tc_groups),
    .fl_bank_o(fl_bank), .fl_group_o(fl_group), .fl_acc_i(fl_acc), .fl_full_i(fl_full),
    .fl_zero_i(fl_zero), .fl_done_o(fl_done),
    .o_valid_o, .o_ready_i, .o_sample_o, .o_table_o, .o_group_o, .o_last_o, .o_data_o,
    .stat_o(flush_st)
  );

  // ---- status -----------------------------------------------------------------------------------
  logic [NumStats-1:0] st_inc;
  assign idle_o = ingest_idle && lk_empty && nf_empty && fetch_idle && resp_idle && combine_idle &&
                  bq_empty && sr_empty && sv_empty && scale_idle;
  always_comb begin
    st_inc = ingest_st | fetch_st | combine_st | flush_st;
    st_inc[sc_pkg::StBusy] = !idle_o;
  end
  sc_stats u_stats (
    .clk_i, .rst_ni, .inc_i(st_inc), .err_i({err_cfg, resp_bad, err_drop}), .stat_o, .err_o
  );

endmodule

`default_nettype wire
