// sc_config: the configuration registers of the SparseCore lookup unit (sc_pkg documents them):
// the own phext coordinate and global position, the outstanding-request limit, the slice
// geometry, one table word per table (split into its fields) and the shard map. Written through
// cfg_* while the unit is idle. A table word the unit cannot run (tc_ok_o low) makes ingest drop
// that table's lookups and flag err_o[2], so a bad configuration cannot hang the unit on a row
// that never completes; for a slice-placed table that includes a geometry with a zero dimension
// or too few chips for its shards (base + S > X*Y*Z), whichever of the two was written last.
//
// Timing contract: a write (cfg_valid_i) takes effect at the clock edge that takes it; every
// output is a register, or a function of registers (tc_beats_o, tc_ok_o), from the next cycle
// on. The shard map is an SRAM without reset with one combinational read port (smap_addr_i to
// smap_data_o in the same cycle); it is written before use.
// Per-table outputs are flat vectors: table t's field in bits [t*W +: W] of a W-bit field.
`default_nettype none

module sc_config #(
  parameter int unsigned MaxGroups = 8,        /// largest row: MaxGroups x 8 elements
  parameter int unsigned NumTables = 4,        /// embedding tables configured at once
  parameter int unsigned ShardEntries = 256,   /// shard map entries (a power of two, <= 256)
  parameter int unsigned MaxOutstanding = 256, /// largest outstanding-request setting
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned MapW = $clog2(ShardEntries),
  localparam int unsigned OutW = $clog2(MaxOutstanding + 1),
  localparam int unsigned SW = sc_pkg::TCfgShardsW,
  localparam int unsigned BW = sc_pkg::TCfgBaseW,
  localparam int unsigned PGW = phext_pkg::GlobalW,
  localparam int unsigned CDW = phext_pkg::CubeDimW,
  localparam int unsigned PosW = sc_pkg::PosW
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  input  wire logic                          cfg_valid_i,
  input  wire logic [sc_pkg::CfgAddrW-1:0]   cfg_addr_i,
  input  wire logic [sc_pkg::CfgDataW-1:0]   cfg_data_i,
  output logic      [NumTables*(GW+1)-1:0]   tc_groups_o, ///< row length in groups of 8 elements
  output logic      [NumTables-1:0]          tc_bf16_o,   ///< bf16 rows (16 elements per beat)
  output logic      [NumTables*(GW+1)-1:0]   tc_beats_o,  ///< beats per row (from groups and bf16)
  output logic      [NumTables*2-1:0]        tc_comb_o,   ///< sc_pkg::Comb*
  output logic      [NumTables*2-1:0]        tc_mode_o,   ///< sc_pkg::Shard*
  output logic      [NumTables-1:0]          tc_place_o,  ///< sc_pkg::Place*
  output logic      [NumTables*SW-1:0]       tc_shards_o,
  output logic      [NumTables*BW-1:0]       tc_base_o,
  output logic      [NumTables*4-1:0]        tc_chunk_o,
  output logic      [NumTables*4-1:0]        tc_shift_o,
  output logic      [NumTables*33-1:0]       tc_magic_o,
  output logic      [NumTables*32-1:0]       tc_vocab_o,
  output logic      [NumTables-1:0]          tc_ok_o,     ///< the table word is one the unit can run
  output logic      [89:0]                   own_coord_o, ///< own phext coordinate
  output logic      [29:0]                   own_gpos_o,  ///< own global position
  output logic      [3*PGW-1:0]              slice_o,     ///< slice shape in chips (gpos_t)
  output logic      [3*CDW-1:0]              cube_o,      ///< cube shape in chips (cube_shape_t)
  output logic      [OutW-1:0]               max_out_o,   ///< outstanding requests allowed, >= 1
  input  wire logic [MapW-1:0]               smap_addr_i, ///< shard map read port
  output logic      [89:0]                   smap_data_o  ///< owner's phext coordinate
);
  /// Beats per row: 8 fp32 or 16 bf16 elements per beat.
  function automatic logic [GW:0] t_beats(input logic [GW:0] groups, input logic bf16);
    t_beats = bf16 ? (groups + 1'b1) >> 1 : groups;
  endfunction

  logic [GW:0]      tc_groups_q [NumTables];
  logic             tc_bf16_q [NumTables];
  logic [1:0]       tc_comb_q [NumTables];
  logic [1:0]       tc_mode_q [NumTables];
  logic             tc_place_q [NumTables];
  logic [SW-1:0]    tc_shards_q [NumTables];
  logic [BW-1:0]    tc_base_q [NumTables];
  logic [3:0]       tc_chunk_q [NumTables];
  logic [3:0]       tc_shift_q [NumTables];
  logic [32:0]      tc_magic_q [NumTables];
  logic [31:0]      tc_vocab_q [NumTables];
  logic             tc_ok_q [NumTables];
  logic [89:0]      smap_q [ShardEntries];
  logic [89:0]      own_coord_q;
  logic [29:0]      own_gpos_q;
  logic [3*PGW-1:0] slice_q;
  logic [3*CDW-1:0] cube_q;
  logic             geom_ok_q;   // every dimension >= 1
  logic [PosW-1:0]  chips_q;     // X * Y * Z, saturated at 2^PosW - 1 (past any base + S)
  logic [OutW-1:0]  max_out_q;
  logic [8:0]       cfg_out;

  assign cfg_out = cfg_data_i[8:0];

  // A table word the unit can run: 1..MaxGroups groups, a known mode, 1..MapShards shards
  // (slice placement: 1..MaxShards), shift <= ShardW, and for column sharding chunk x shards =
  // beats. The slice geometry's part of the check is in tc_ok_o.
  logic        cfg_table_ok;
  logic [3:0]  cw_groups, cw_chunk;
  logic [sc_pkg::TCfgShiftW-1:0] cw_shift;
  logic [1:0]  cw_mode;
  logic        cw_place;
  logic [SW-1:0] cw_shards, cw_max;
  logic [SW+3:0] cw_span;
  assign cw_groups = cfg_data_i[sc_pkg::TCfgGroups +: 4];
  assign cw_chunk = cfg_data_i[sc_pkg::TCfgChunk +: 4];
  assign cw_shift = cfg_data_i[sc_pkg::TCfgShift +: sc_pkg::TCfgShiftW];
  assign cw_mode = cfg_data_i[sc_pkg::TCfgMode +: 2];
  assign cw_place = cfg_data_i[sc_pkg::TCfgPlace];
  assign cw_shards = cfg_data_i[sc_pkg::TCfgShards +: SW];
  assign cw_max = cw_place == sc_pkg::PlaceSlice ? SW'(sc_pkg::MaxShards) : SW'(sc_pkg::MapShards);
  assign cw_span = (SW+4)'(cw_chunk) * (SW+4)'(cw_shards);
  assign cfg_table_ok = cw_groups >= 4'd1 && 32'(cw_groups) <= MaxGroups && cw_mode != 2'd3 &&
                        cw_shards >= SW'(1) && cw_shards <= cw_max &&
                        32'(cw_shift) <= sc_pkg::ShardW &&
                        (cw_mode != sc_pkg::ShardCol ||
                         (cw_chunk != '0 &&
                          cw_span == (SW+4)'(t_beats(cw_groups[GW:0], cfg_data_i[sc_pkg::TCfgBf16]))));
  // the geometry as written, its chip count computed once at the write
  logic [PGW-1:0] gw_x, gw_y, gw_z;
  logic [CDW-1:0] gw_cx, gw_cy, gw_cz;
  assign {gw_x, gw_y, gw_z} = cfg_data_i[sc_pkg::GeomSliceLsb +: 3*PGW];
  assign {gw_cx, gw_cy, gw_cz} = cfg_data_i[sc_pkg::GeomCubeLsb +: 3*CDW];
  // the chip count only decides base + S <= X*Y*Z, where base + S < 2^PosW: saturate there
  logic [2*PGW-1:0]    gw_xy;
  logic [PosW-1:0]     gw_xy_sat, gw_chips;
  logic [PosW+PGW-1:0] gw_xyz;
  assign gw_xy = (2*PGW)'(gw_x) * (2*PGW)'(gw_y);
  assign gw_xy_sat = gw_xy > (2*PGW)'({PosW{1'b1}}) ? '1 : PosW'(gw_xy);
  assign gw_xyz = (PosW+PGW)'(gw_xy_sat) * (PosW+PGW)'(gw_z);
  assign gw_chips = gw_xyz > (PosW+PGW)'({PosW{1'b1}}) ? '1 : PosW'(gw_xyz);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      own_coord_q <= '0;
      own_gpos_q <= '0;
      slice_q <= '0;
      cube_q <= '0;
      geom_ok_q <= 1'b0;
      chips_q <= '0;
      max_out_q <= OutW'(1);
      for (int t = 0; t < NumTables; t++) begin
        tc_groups_q[t] <= '0;
        tc_bf16_q[t] <= 1'b0;
        tc_comb_q[t] <= '0;
        tc_mode_q[t] <= '0;
        tc_place_q[t] <= 1'b0;
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
      if (cfg_addr_i == sc_pkg::CfgGeom) begin
        slice_q <= {gw_x, gw_y, gw_z};
        cube_q <= {gw_cx, gw_cy, gw_cz};
        geom_ok_q <= gw_x != '0 && gw_y != '0 && gw_z != '0 && gw_cx != '0 && gw_cy != '0 && gw_cz != '0;
        chips_q <= gw_chips;
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
          tc_place_q[t] <= cfg_data_i[sc_pkg::TCfgPlace];
          tc_shards_q[t] <= cfg_data_i[sc_pkg::TCfgShards +: SW];
          tc_base_q[t] <= cfg_data_i[sc_pkg::TCfgBase +: BW];
          tc_chunk_q[t] <= cfg_data_i[sc_pkg::TCfgChunk +: 4];
          tc_shift_q[t] <= cfg_data_i[sc_pkg::TCfgShift +: sc_pkg::TCfgShiftW];
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
  assign smap_data_o = smap_q[smap_addr_i];

  for (genvar t = 0; t < NumTables; t++) begin : gen_table
    assign tc_groups_o[t*(GW+1) +: GW+1] = tc_groups_q[t];
    assign tc_bf16_o[t] = tc_bf16_q[t];
    assign tc_beats_o[t*(GW+1) +: GW+1] = t_beats(tc_groups_q[t], tc_bf16_q[t]);
    assign tc_comb_o[t*2 +: 2] = tc_comb_q[t];
    assign tc_mode_o[t*2 +: 2] = tc_mode_q[t];
    assign tc_place_o[t] = tc_place_q[t];
    assign tc_shards_o[t*SW +: SW] = tc_shards_q[t];
    assign tc_base_o[t*BW +: BW] = tc_base_q[t];
    assign tc_chunk_o[t*4 +: 4] = tc_chunk_q[t];
    assign tc_shift_o[t*4 +: 4] = tc_shift_q[t];
    assign tc_magic_o[t*33 +: 33] = tc_magic_q[t];
    assign tc_vocab_o[t*32 +: 32] = tc_vocab_q[t];
    // slice placement: positions base .. base + S - 1 inside the slice
    assign tc_ok_o[t] = tc_ok_q[t] &&
                        (tc_place_q[t] != sc_pkg::PlaceSlice ||
                         (geom_ok_q && (PosW+1)'(tc_base_q[t]) + (PosW+1)'(tc_shards_q[t]) <= (PosW+1)'(chips_q)));
  end
  assign own_coord_o = own_coord_q;
  assign own_gpos_o = own_gpos_q;
  assign slice_o = slice_q;
  assign cube_o = cube_q;
  assign max_out_o = max_out_q;
endmodule

`default_nettype wire
