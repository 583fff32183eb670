// sc_fetch: the fetch stage of the SparseCore lookup unit. Takes the rows that took a new Spmem
// slot from the fetch queue, in order, and shards them by their table word: row sharding sends
// one request to shard id mod S for local row id div S (sc_pkg::row_shard); column sharding one
// request per shard, shard k for beats [k*chunk, (k+1)*chunk); table sharding one request to
// shard 0. Shard k of a table lives on the chip whose phext coordinate is entry base + k of the
// shard map (placement PlaceMap) or is computed from slice position base + k and the slice
// geometry (PlaceSlice, sc_pkg::slice_owner: two divisions by slice dimensions and three by cube
// dimensions, combinational). The own coordinate goes to the local memory port (mq_*), any
// other as a 2-flit request packet to the ICI port (rq_*: the ici_pkg head with the slot, first
// beat and beat count in its tag field, then a body with the reply-to coordinate, local row and
// table; sc_pkg has the layout).
// At most max_out_i requests are outstanding: a request counts from the edge that takes it (a
// remote one: its body flit) to the one that takes its last response beat (done_local_i,
// done_remote_i from sc_response).
//
// Timing contract: combinational from the fetch queue's head to mq_valid_o / rq_valid_o (same
// cycle). One request per cycle: a local request is taken on mq_valid_o && mq_ready_i; a remote
// one as its head flit and then its body flit on two rq handshakes (valid stays up, ready may
// drop between them; nothing else is offered in between). The queue entry is popped with its
// last request (column sharding: the request to the last shard).
`default_nettype none

module sc_fetch #(
  parameter int unsigned MaxGroups = 8,        /// largest row: MaxGroups x 8 elements
  parameter int unsigned Slots = 512,          /// Spmem row slots
  parameter int unsigned NumTables = 4,        /// embedding tables configured at once
  parameter int unsigned ShardEntries = 256,   /// shard map entries
  parameter int unsigned MaxOutstanding = 256, /// largest outstanding-request setting
  parameter int unsigned FlitW = 160,          /// ICI flit width (>= sc_pkg::MinFlitW)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned IdW = sc_pkg::IdW,
  localparam int unsigned MapW = $clog2(ShardEntries),
  localparam int unsigned OutW = $clog2(MaxOutstanding + 1),
  localparam int unsigned NumStats = sc_pkg::NumStats,
  localparam int unsigned NfW = SlotW + TabW + IdW,
  localparam int unsigned SW = sc_pkg::TCfgShardsW,
  localparam int unsigned BW = sc_pkg::TCfgBaseW,
  localparam int unsigned KW = sc_pkg::ShardW,
  localparam int unsigned PosW = sc_pkg::PosW
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Fetch queue head (sc_fifo): {slot, table, id}
  input  wire logic                          nf_empty_i,
  input  wire logic [NfW-1:0]                nf_data_i,
  output logic                               nf_pop_o,
  // Configuration (sc_config), per table t in bits [t*W +: W]
  input  wire logic [NumTables*(GW+1)-1:0]   tc_beats_i,
  input  wire logic [NumTables*2-1:0]        tc_mode_i,
  input  wire logic [NumTables-1:0]          tc_place_i,
  input  wire logic [NumTables*SW-1:0]       tc_shards_i,
  input  wire logic [NumTables*BW-1:0]       tc_base_i,
  input  wire logic [NumTables*4-1:0]        tc_chunk_i,
  input  wire logic [NumTables*4-1:0]        tc_shift_i,
  input  wire logic [NumTables*33-1:0]       tc_magic_i,
  input  wire logic [89:0]                   own_coord_i,
  input  wire logic [29:0]                   own_gpos_i,
  input  wire logic [3*phext_pkg::GlobalW-1:0] slice_i,     ///< slice shape (sc_config)
  input  wire logic [3*phext_pkg::CubeDimW-1:0] cube_i,     ///< cube shape (sc_config)
  input  wire logic [OutW-1:0]               max_out_i,
  output logic      [MapW-1:0]               smap_addr_o,   ///< shard map read port
  input  wire logic [89:0]                   smap_data_i,
  // Local memory requests (sc_lookup mq_*)
  output logic                               mq_valid_o,
  input  wire logic                          mq_ready_i,
  output logic      [SlotW-1:0]              mq_tag_o,
  output logic      [TabW-1:0]               mq_table_o,
  output logic      [IdW-1:0]                mq_row_o,
  output logic      [GW-1:0]                 mq_beat_o,
  output logic      [GW:0]                   mq_nbeats_o,
  // ICI request packets (sc_lookup rq_*)
  output logic                               rq_valid_o,
  input  wire logic                          rq_ready_i,
  output logic                               rq_head_o,
  output logic                               rq_tail_o,
  output logic      [FlitW-1:0]              rq_data_o,
  // Requests completed (sc_response): a local / a remote request's last beat
  input  wire logic                          done_local_i,
  input  wire logic                          done_remote_i,
  // Status
  output logic                               idle_o,        ///< no request outstanding
  output logic      [NumStats-1:0]           stat_o         ///< counter increments (sc_pkg::St*) of this stage
);
  logic [SlotW-1:0]   nf_slot;
  logic [TabW-1:0]    nf_tab;
  logic [IdW-1:0]     nf_id;
  logic [SW-1:0]      f_shards;
  logic [BW-1:0]      f_base;
  logic [3:0]         f_chunk;
  logic [KW+IdW-1:0]  rs;
  logic [KW-1:0]      shard;
  logic [7:0]         k_q;
  logic [PosW-1:0]    f_pos;
  logic [IdW-1:0]     f_row;
  logic [GW-1:0]      f_beat;
  logic [GW:0]        f_nbeats;
  logic               f_lastreq, f_local, f_can, rq_body_q, req_done;
  logic [89:0]        f_dest, f_slice_dest;
  logic [OutW-1:0]    out_q;

  assign {nf_slot, nf_tab, nf_id} = nf_data_i;
  assign f_shards = tc_shards_i[nf_tab*SW +: SW];
  assign f_base = tc_base_i[nf_tab*BW +: BW];
  assign f_chunk = tc_chunk_i[nf_tab*4 +: 4];
  assign rs = sc_pkg::row_shard(nf_id, f_shards, tc_magic_i[nf_tab*33 +: 33], tc_shift_i[nf_tab*4 +: 4]);
  always_comb begin
    shard = '0;
    f_row = nf_id;
    f_beat = '0;
    f_nbeats = tc_beats_i[nf_tab*(GW+1) +: GW+1];
    f_lastreq = 1'b1;
    case (tc_mode_i[nf_tab*2 +: 2])
      sc_pkg::ShardRow: begin
        shard = rs[IdW +: KW];
        f_row = rs[IdW-1:0];
      end
      sc_pkg::ShardCol: begin
        shard = KW'(k_q);
        f_beat = GW'(k_q * 8'(f_chunk));
        f_nbeats = (GW+1)'(f_chunk);
        f_lastreq = SW'(k_q) + SW'(1) >= f_shards;
      end
      default: ;
    endcase
  end
  assign smap_addr_o = MapW'(f_base + BW'(shard));
  assign f_pos = PosW'(f_base) + PosW'(shard);
  assign f_slice_dest = sc_pkg::slice_owner(f_pos, own_coord_i[89 -: phext_pkg::ZArmW], slice_i, cube_i);
  assign f_dest = tc_place_i[nf_tab] == sc_pkg::PlaceSlice ? f_slice_dest : smap_data_i;
  assign f_local = f_dest == own_coord_i;
  assign f_can = !nf_empty_i && out_q < max_out_i;

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
      rq_data_o[ici_pkg::HeadSrcLsb +: 30] = own_gpos_i;
      rq_data_o[sc_pkg::TagSlotLsb +: 16] = 16'(nf_slot);
      rq_data_o[sc_pkg::TagBeatLsb +: 8] = 8'(f_beat);
      rq_data_o[sc_pkg::TagNBeatsLsb +: 8] = 8'(f_nbeats);
    end else begin
      rq_data_o[sc_pkg::ReqReplyLsb +: 90] = own_coord_i;
      rq_data_o[sc_pkg::ReqRowLsb +: 32] = f_row;
      rq_data_o[sc_pkg::ReqTableLsb +: 6] = 6'(nf_tab);
    end
  end

  assign req_done = (mq_valid_o && mq_ready_i) || (rq_body_q && rq_ready_i);
  assign nf_pop_o = req_done && f_lastreq;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_body_q <= 1'b0;
      k_q <= '0;
      out_q <= '0;
    end else begin
      if (rq_valid_o && rq_ready_i) rq_body_q <= !rq_body_q;
      if (req_done) k_q <= f_lastreq ? '0 : k_q + 1'b1;
      out_q <= out_q + OutW'(req_done) - OutW'(done_local_i) - OutW'(done_remote_i);
    end
  end

  assign idle_o = out_q == '0;
  always_comb begin
    stat_o = '0;
    stat_o[sc_pkg::StLocalReq] = mq_valid_o && mq_ready_i;
    stat_o[sc_pkg::StRemoteReq] = rq_body_q && rq_ready_i;
    stat_o[sc_pkg::StStallOut] = !nf_empty_i && !rq_body_q && !(out_q < max_out_i);
    stat_o[sc_pkg::StStallPort] = (mq_valid_o && !mq_ready_i) || (rq_valid_o && !rq_ready_i);
  end
endmodule

`default_nettype wire
