// sc_hash: the SparseCore's pure functions on their own ports, for checking them against their
// C++ twins (tests/test_rtl_sc_hash.cpp), as phext_decoder.sv does for phext_pkg::decode:
//   sc_pkg::row_shard    row sharding: shard = id mod S, row = id div S (by a multiply)
//   sc_pkg::dedup_set    the dedup table's set index (Fibonacci hashing)
//   sc_pkg::slice_owner  slice placement: the phext coordinate of slice position pos
// Combinational; sc_lookup.sv calls the same functions.
`default_nettype none

module sc_hash (
  input  wire logic [31:0] id_i,       ///< vocabulary id
  input  wire logic [sc_pkg::TCfgShardsW-1:0] shards_i, ///< S, 1..MaxShards
  input  wire logic [32:0] magic_i,    ///< ceil(2^(32+shift) / S) (ref/sc_model.hpp shard_magic)
  input  wire logic [3:0]  shift_i,    ///< ceil(log2 S)
  input  wire logic [1:0]  table_i,    ///< table index
  input  wire logic [4:0]  set_bits_i, ///< log2 of the dedup sets, 1..16
  input  wire logic [sc_pkg::PosW-1:0] pos_i,                ///< row-major slice position
  input  wire logic [phext_pkg::ZArmW-1:0] own_z_i,          ///< the Z arm of the owner
  input  wire logic [3*phext_pkg::GlobalW-1:0] slice_i,      ///< slice shape (gpos_t)
  input  wire logic [3*phext_pkg::CubeDimW-1:0] cube_i,      ///< cube shape (cube_shape_t)
  output logic      [sc_pkg::ShardW-1:0] shard_o, ///< id mod S
  output logic      [31:0] row_o,      ///< id div S
  output logic      [15:0] set_o,      ///< dedup set of (table, id)
  output logic      [phext_pkg::CoordW-1:0] owner_o          ///< phext coordinate at pos_i
);
  logic [sc_pkg::ShardW+31:0] rs;
  assign rs = sc_pkg::row_shard(id_i, shards_i, magic_i, shift_i);
  assign shard_o = rs[sc_pkg::ShardW+31:32];
  assign row_o = rs[31:0];
  assign set_o = sc_pkg::dedup_set(table_i, id_i, 32'(set_bits_i));
  assign owner_o = sc_pkg::slice_owner(pos_i, own_z_i, slice_i, cube_i);
endmodule

`default_nettype wire
