// sc_pkg: constants, register layouts and the sharding functions of the SparseCore lookup unit
// (rtl/sparsecore/sc_lookup.sv). C++ twin of everything here: ref/sc_model.hpp (TableCfg::word,
// geom_word, shard_magic, magic_div, fetch_requests, slice_position, dedup_set; the owner's
// coordinate is coords' SliceGeometry::phext_of_global). The functions are checked equal to their
// twins through rtl/sparsecore/sc_hash.sv (tests/test_rtl_sc_hash.cpp); the sharding also end to
// end by the memory models of tests/test_rtl_sc_lookup.cpp.
//
// Configuration registers (written through sc_lookup's cfg_* port, 128-bit data):
//   CfgOwn           [89:0] own phext coordinate (phext_pkg::coord_t), [119:90] own global
//                    position (phext_pkg::gpos_t), the source field of request packets
//   CfgCtl           [8:0] outstanding fetch requests allowed, 1..MaxOutstanding (0 reads as 1)
//   CfgGeom          [29:0] slice shape in chips (phext_pkg::gpos_t, chip_pkg::RegSlice's layout),
//                    [41:30] cube shape in chips (phext_pkg::cube_shape_t, chip_pkg::RegCube's
//                    layout): the slice the owners of slice-placed tables are computed in
//   CfgTable + t     the table-t word below
//   CfgShard + k     [89:0] phext coordinate of the chip that owns shard-map entry k
// Table word (TCfg*: bit offsets):
//   groups    dimension in groups of 8 elements (Lanes), 1..MaxGroups
//   bf16      rows are bf16 (16 per 256-bit beat) instead of fp32 (8 per beat)
//   combiner  CombSum, CombMean (sum / sum of weights), CombSqrtn (sum / sqrt(sum of squares))
//   mode      ShardRow (row k of the vocabulary on shard id mod S, local row id div S),
//             ShardCol (every shard holds `chunk` beats of every row, at local row id),
//             ShardTable (the whole table on shard 0 of the table, local row id)
//   place     where shard k of the table lives:
//             PlaceMap: the chip at shard-map entry (base + k) mod ShardEntries; S <= MapShards
//             PlaceSlice: the chip at row-major position p = base + k of the slice in CfgGeom,
//               global position g = (p mod X, (p div X) mod Y, p div XY), coordinate
//               own Z arm / (g div cube) + 1 / (g mod cube) + 1 per axis (slice_owner: the
//               inverse of phext_pkg::decode); S <= MaxShards, base + S <= X*Y*Z
//   shards    S, 1..MaxShards; `base` is the first shard's shard-map entry or slice position
//   chunk     column sharding: beats per shard, S * chunk = beats per row
//   shift, magic   id div S = (id * magic) >> (32 + shift), with shift = ceil(log2 S) and
//             magic = ceil(2^(32+shift) / S) < 2^33 (Granlund-Montgomery 1994, Thm 4.2: exact for
//             every 32-bit id). The host computes them (ref/sc_model.hpp shard_magic).
//   vocab     rows in the table; a lookup with id >= vocab is dropped and counted
//
// Packets on the ICI-facing port use the head-flit layout of rtl/ici/ici_pkg.sv (destination
// phext coordinate, type, length, source) with this use of the head's tag field [159:128]:
//   [143:128] slot tag, [151:144] first beat, [159:152] number of beats.
// Request (ici_pkg::PktEmbLookup, 2 flits): head to the owning chip, then one body flit
//   [89:0] reply-to phext coordinate, [121:90] local row, [127:122] table.
// Response (ici_pkg::PktReadResp, 1 + 2 * beats flits): head with the request's tag field, then
//   each 256-bit beat as two body flits, bits [127:0] first, in beat order.
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds").
`default_nettype none

package sc_pkg;

  /// scVPU width: 8 fp32 lanes per cycle (docs/references.md §T3).
  localparam int unsigned Lanes = 8;
  /// A row beat (memory, Spmem and response unit): 8 fp32 or 16 bf16 values.
  localparam int unsigned BeatW = 256;
  localparam int unsigned IdW = 32;
  localparam int unsigned SampleW = 16;
  localparam int unsigned CfgAddrW = 10;
  localparam int unsigned CfgDataW = 128;

  localparam logic [CfgAddrW-1:0] CfgOwn = 10'd0;
  localparam logic [CfgAddrW-1:0] CfgCtl = 10'd1;
  localparam logic [CfgAddrW-1:0] CfgGeom = 10'd2;
  localparam logic [CfgAddrW-1:0] CfgTable = 10'd16;  // + table
  localparam logic [CfgAddrW-1:0] CfgShard = 10'd256; // + shard-map index

  localparam logic [1:0] CombSum = 2'd0;
  localparam logic [1:0] CombMean = 2'd1;
  localparam logic [1:0] CombSqrtn = 2'd2;

  localparam logic [1:0] ShardRow = 2'd0;
  localparam logic [1:0] ShardCol = 2'd1;
  localparam logic [1:0] ShardTable = 2'd2;

  localparam logic PlaceMap = 1'b0;
  localparam logic PlaceSlice = 1'b1;

  /// Shards per table: up to MaxShards (a 4096-chip pod, docs/references.md §T2) with slice
  /// placement, up to MapShards with the shard map (at most 256 entries).
  localparam int unsigned MaxShards = 4096;
  localparam int unsigned MapShards = 256;
  /// Bits of a shard index (0..MaxShards-1) and of a slice position base + k (0..2*MaxShards-2).
  localparam int unsigned ShardW = $clog2(MaxShards);
  localparam int unsigned PosW = ShardW + 1;

  /// Table word fields: least significant bit and width (TCfg*W).
  localparam int unsigned TCfgGroups = 0;
  localparam int unsigned TCfgGroupsW = 4;
  localparam int unsigned TCfgBf16 = 4;     // 1 bit
  localparam int unsigned TCfgComb = 5;     // 2
  localparam int unsigned TCfgMode = 7;     // 2
  localparam int unsigned TCfgPlace = 9;    // 1
  localparam int unsigned TCfgShards = 10;
  localparam int unsigned TCfgShardsW = ShardW + 1; // 1..MaxShards
  localparam int unsigned TCfgBase = 23;
  localparam int unsigned TCfgBaseW = ShardW;       // 0..MaxShards-1
  localparam int unsigned TCfgChunk = 35;   // 4
  localparam int unsigned TCfgShift = 39;
  localparam int unsigned TCfgShiftW = 4;   // ceil(log2 S) <= ShardW
  localparam int unsigned TCfgMagic = 43;   // 33
  localparam int unsigned TCfgVocab = 76;   // 32
  localparam int unsigned TCfgW = 108;

  /// Geometry register fields (CfgGeom).
  localparam int unsigned GeomSliceLsb = 0;  // 3 x phext_pkg::GlobalW
  localparam int unsigned GeomCubeLsb = 30;  // 3 x phext_pkg::CubeDimW

  /// Head tag field of request and response packets.
  localparam int unsigned TagSlotLsb = 128;
  localparam int unsigned TagBeatLsb = 144;
  localparam int unsigned TagNBeatsLsb = 152;
  localparam int unsigned MinFlitW = 160;
  /// Request body flit.
  localparam int unsigned ReqReplyLsb = 0;
  localparam int unsigned ReqRowLsb = 90;
  localparam int unsigned ReqTableLsb = 122;

  /// Statistics counters (sc_lookup stat_o, 32 bits each, wrapping).
  localparam int unsigned StLookups = 0;      // lookups accepted (not dropped)
  localparam int unsigned StBags = 1;         // bags closed
  localparam int unsigned StUnique = 2;       // rows fetched (slots allocated)
  localparam int unsigned StHashFull = 3;     // of those, allocated without a dedup entry (set full)
  localparam int unsigned StLocalReq = 4;     // requests to the local memory
  localparam int unsigned StRemoteReq = 5;    // request packets to other chips
  localparam int unsigned StDropped = 6;      // lookups dropped (id >= vocab, table changed in a bag)
  localparam int unsigned StStallRing = 7;    // ingest waited: no free Spmem slot
  localparam int unsigned StStallQueue = 8;   // ingest waited: lookup or fetch queue full
  localparam int unsigned StStallScale = 9;   // ingest waited at a bag end: scale unit or bag queue
  localparam int unsigned StStallOut = 10;    // fetch waited: outstanding-request limit
  localparam int unsigned StStallPort = 11;   // fetch waited: memory or ICI port not ready
  localparam int unsigned StStallData = 12;   // combine waited for a row still in flight
  localparam int unsigned StStallBank = 13;   // combine waited for an accumulator bank to flush
  localparam int unsigned StStallFlush = 14;  // output valid but not taken
  localparam int unsigned StBusy = 15;        // cycles not idle
  localparam int unsigned StEpochs = 16;      // dedup windows closed (batch ends and capacity)
  localparam int unsigned NumStats = 17;

  /// Dedup set index of (table, id): Fibonacci hashing (Knuth, TAOCP 6.4), the top SetW bits
  /// of (id ^ table << 30) * 0x9E3779B1 mod 2^32. SetW <= 16.
  function automatic logic [15:0] dedup_set(input logic [1:0] table_i, input logic [IdW-1:0] id,
                                            input int unsigned set_w);
    logic [IdW-1:0] h;
    h = (id ^ {table_i, 30'd0}) * 32'h9E37_79B1;
    dedup_set = 16'(h >> (IdW - set_w));
  endfunction

  /// Row sharding: {shard, local row} of `id` for S shards, with the table word's magic/shift.
  /// The shard is below MaxShards because S <= MaxShards.
  function automatic logic [ShardW+IdW-1:0] row_shard(input logic [IdW-1:0] id, input logic [TCfgShardsW-1:0] s,
                                                       input logic [32:0] magic, input logic [TCfgShiftW-1:0] shift);
    logic [65:0] prod;
    logic [IdW-1:0] q;
    logic [IdW-1:0] qs;
    prod = 66'(id) * 66'(magic);
    q = IdW'(prod >> (7'd32 + 7'(shift)));
    qs = q * IdW'(s); // <= id: no overflow
    row_shard = {ShardW'(id - qs), q};
  endfunction

  /// {n div d, n mod d} for a slice position n and a slice dimension d >= 1 (restoring division,
  /// one compare-subtract per quotient bit; d = 0 gives no meaningful result).
  function automatic logic [PosW+phext_pkg::GlobalW-1:0] div_pos(input logic [PosW-1:0] n,
                                                                  input logic [phext_pkg::GlobalW-1:0] d);
    logic [phext_pkg::GlobalW:0] r;
    logic [PosW-1:0] q;
    r = '0;
    q = '0;
    for (int i = 0; i < PosW; i++) begin
      r = {r[phext_pkg::GlobalW-1:0], n[PosW-1-i]}; // r < d before the shift: no bit lost
      if (r >= {1'b0, d}) begin
        r = r - {1'b0, d};
        q[PosW-1-i] = 1'b1;
      end
    end
    div_pos = {q, r[phext_pkg::GlobalW-1:0]};
  endfunction

  /// {g div c, g mod c} for a global coordinate g and a cube dimension c >= 1, as div_pos.
  function automatic logic [phext_pkg::GlobalW+phext_pkg::CubeDimW-1:0] div_cube(
      input logic [phext_pkg::GlobalW-1:0] g, input logic [phext_pkg::CubeDimW-1:0] c);
    logic [phext_pkg::CubeDimW:0] r;
    logic [phext_pkg::GlobalW-1:0] q;
    r = '0;
    q = '0;
    for (int i = 0; i < phext_pkg::GlobalW; i++) begin
      r = {r[phext_pkg::CubeDimW-1:0], g[phext_pkg::GlobalW-1-i]};
      if (r >= {1'b0, c}) begin
        r = r - {1'b0, c};
        q[phext_pkg::GlobalW-1-i] = 1'b1;
      end
    end
    div_cube = {q, r[phext_pkg::CubeDimW-1:0]};
  endfunction

  /// A 1-based phext field from a 0-based index (< 1023).
  function automatic logic [phext_pkg::FieldW-1:0] field1(input logic [phext_pkg::GlobalW-1:0] v);
    field1 = phext_pkg::FieldW'(v) + 1'b1;
  endfunction

  /// Slice placement: the phext coordinate of the chip at row-major position `pos` of a slice
  /// of `slice` chips (gpos_t layout) in cubes of `cube` chips (cube_shape_t layout), in the Z
  /// arm `own_z`: global g = (pos mod X, (pos div X) mod Y, pos div XY), then per axis the cube
  /// field (g div cube) + 1 and the chip field (g mod cube) + 1, as coords' SliceGeometry::
  /// phext_of_global; phext_pkg::decode maps it back to g. For pos < X*Y*Z (sc_config checks
  /// base + S <= X*Y*Z) and dimensions >= 1.
  function automatic logic [phext_pkg::CoordW-1:0] slice_owner(input logic [PosW-1:0] pos,
                                                               input logic [phext_pkg::ZArmW-1:0] own_z,
                                                               input logic [3*phext_pkg::GlobalW-1:0] slice,
                                                               input logic [3*phext_pkg::CubeDimW-1:0] cube);
    // {pos div X, gx}, {(pos div X) div Y = gz, gy}; per axis {cube index, chip in cube}
    logic [PosW+phext_pkg::GlobalW-1:0] dx, dy;
    logic [phext_pkg::GlobalW+phext_pkg::CubeDimW-1:0] cx, cy, cz;
    dx = sc_pkg::div_pos(pos, slice[2*phext_pkg::GlobalW +: phext_pkg::GlobalW]);
    dy = sc_pkg::div_pos(dx[phext_pkg::GlobalW +: PosW], slice[phext_pkg::GlobalW +: phext_pkg::GlobalW]);
    cx = sc_pkg::div_cube(dx[phext_pkg::GlobalW-1:0], cube[2*phext_pkg::CubeDimW +: phext_pkg::CubeDimW]);
    cy = sc_pkg::div_cube(dy[phext_pkg::GlobalW-1:0], cube[phext_pkg::CubeDimW +: phext_pkg::CubeDimW]);
    cz = sc_pkg::div_cube(phext_pkg::GlobalW'(dy[phext_pkg::GlobalW +: PosW]), cube[0 +: phext_pkg::CubeDimW]);
    slice_owner = {own_z,
                   sc_pkg::field1(cx[phext_pkg::CubeDimW +: phext_pkg::GlobalW]),
                   sc_pkg::field1(cy[phext_pkg::CubeDimW +: phext_pkg::GlobalW]),
                   sc_pkg::field1(cz[phext_pkg::CubeDimW +: phext_pkg::GlobalW]),
                   sc_pkg::field1(phext_pkg::GlobalW'(cx[phext_pkg::CubeDimW-1:0])),
                   sc_pkg::field1(phext_pkg::GlobalW'(cy[phext_pkg::CubeDimW-1:0])),
                   sc_pkg::field1(phext_pkg::GlobalW'(cz[phext_pkg::CubeDimW-1:0]))};
  endfunction

endpackage

`default_nettype wire
