// sc_hash: the SparseCore's pure functions on their own ports, for checking them against their
// C++ twins (tests/test_rtl_sc_hash.cpp), as phext_decoder.sv does for phext_pkg::decode:
//   sc_pkg::row_shard  row sharding: shard = id mod S, row = id div S (by a multiply)
//   sc_pkg::dedup_set  the dedup table's set index (Fibonacci hashing)
// Combinational; sc_lookup.sv calls the same functions.
`default_nettype none

module sc_hash (
  input  wire logic [31:0] id_i,       ///< vocabulary id
  input  wire logic [8:0]  shards_i,   ///< S, 1..256
  input  wire logic [32:0] magic_i,    ///< ceil(2^(32+shift) / S) (tb/sc_model.hpp shard_magic)
  input  wire logic [3:0]  shift_i,    ///< ceil(log2 S)
  input  wire logic [1:0]  table_i,    ///< table index
  input  wire logic [4:0]  set_bits_i, ///< log2 of the dedup sets, 1..16
  output logic      [7:0]  shard_o,    ///< id mod S
  output logic      [31:0] row_o,      ///< id div S
  output logic      [15:0] set_o       ///< dedup set of (table, id)
);
  logic [39:0] rs;
  assign rs = sc_pkg::row_shard(id_i, shards_i, magic_i, shift_i);
  assign shard_o = rs[39:32];
  assign row_o = rs[31:0];
  assign set_o = sc_pkg::dedup_set(table_i, id_i, 32'(set_bits_i));
endmodule

`default_nettype wire
