// phext_pkg: the packed phext coordinate and the decode functions the ICI router uses.
//
// A chip address is the 9-field phext coordinate LB.SF.SR/CN.VM.BK/CH.SN.SC
// (docs/architecture.md; the format: docs/references.md §2): Z arm = datacenter.pod.slice, Y arm = cube
// position in the slice, X arm = chip position in the cube. All fields are 1-based.
// The global torus coordinate along each axis is (cube_field-1)*CUBE + (chip_field-1).
//
// Decode rules (C++ twin: coords/chip_address.cpp, SliceGeometry::decode):
//   1. Z arm differs from the router's own           -> DecZMismatch (drop, count)
//   2. any Y/X field is 0, chip field > cube dimension,
//      or the global coordinate >= slice dimension    -> DecOutOfShape (drop, count)
//   3. otherwise                                      -> DecOk with the global coordinate
// The shape comes from run-time configuration, so one synthesized or Verilated
// block serves every slice shape.
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds"):
// functions assign their own name (no `return`), referenced as phext_pkg::name.
`default_nettype none

package phext_pkg;

  /// Bits per phext field: 1..999 fits in 10 bits (docs/references.md §2.4).
  localparam int unsigned FieldW = 10;
  /// Bits per cube dimension in chips (1..15; TPU v4 cubes are 4x4x4, docs/references.md §T2).
  localparam int unsigned CubeDimW = 4;
  /// Bits per global torus coordinate and per slice dimension in chips (up to 1023).
  localparam int unsigned GlobalW = 10;
  /// Width of (field-1)*cube + (field-1) before the range check.
  localparam int unsigned ProdW = FieldW + CubeDimW;
  /// Bits of a whole coordinate.
  localparam int unsigned CoordW = 9 * FieldW;
  /// Bits of one arm (three fields); the Z arm is the top ZArmW bits of a coordinate.
  localparam int unsigned ZArmW = 3 * FieldW;

  typedef logic [FieldW-1:0] field_t;

  /// The nine fields, library in the most significant bits (textual order).
  typedef struct packed {
    field_t lb;  ///< library
    field_t sf;  ///< shelf
    field_t sr;  ///< series
    field_t cn;  ///< collection
    field_t vm;  ///< volume
    field_t bk;  ///< book
    field_t ch;  ///< chapter
    field_t sn;  ///< section
    field_t sc;  ///< scroll
  } coord_t;

  /// A position or a shape along x, y, z.
  typedef struct packed {
    logic [GlobalW-1:0] x;
    logic [GlobalW-1:0] y;
    logic [GlobalW-1:0] z;
  } gpos_t;

  typedef struct packed {
    logic [CubeDimW-1:0] x;
    logic [CubeDimW-1:0] y;
    logic [CubeDimW-1:0] z;
  } cube_shape_t;

  typedef enum logic [1:0] {
    DecOk         = 2'd0,
    DecZMismatch  = 2'd1,
    DecOutOfShape = 2'd2
  } decode_status_e;

  /// Result of a decode: status in the top bits, then the global coordinate
  /// (meaningful only when status is DecOk; zero otherwise).
  typedef struct packed {
    logic [1:0] status;  ///< a decode_status_e value
    gpos_t      global;
  } decode_t;
  localparam int unsigned DecodeW = 2 + 3 * GlobalW;

  /// True when two Z arms (datacenter.pod.slice, the top ZArmW bits of a coordinate) match.
  function automatic logic [0:0] zarm_match(input logic [ZArmW-1:0] dest_z, input logic [ZArmW-1:0] own_z);
    zarm_match = (dest_z == own_z);
  endfunction

  /// Global coordinate along one axis: {in_range, g}. in_range is 0 when a field is 0,
  /// the chip field exceeds the cube dimension, or g falls outside the slice.
  function automatic logic [GlobalW:0] axis_decode(input field_t cube_f, input field_t chip_f,
                                                   input logic [CubeDimW-1:0] cube_dim,
                                                   input logic [GlobalW-1:0] slice_dim);
    logic [ProdW-1:0] g;
    logic ok;
    g = (ProdW'(cube_f) - 1'b1) * ProdW'(cube_dim) + ProdW'(chip_f) - 1'b1;
    ok = (cube_f != '0) && (chip_f != '0) && (chip_f <= FieldW'(cube_dim)) && (g < ProdW'(slice_dim));
    axis_decode = {ok, g[GlobalW-1:0]};
  endfunction

  // Bit offsets of the fields inside a flat coord_t (scroll at bit 0).
  localparam int unsigned OffCn = 5 * FieldW;
  localparam int unsigned OffVm = 4 * FieldW;
  localparam int unsigned OffBk = 3 * FieldW;
  localparam int unsigned OffCh = 2 * FieldW;
  localparam int unsigned OffSn = 1 * FieldW;
  localparam int unsigned OffSc = 0;

  /// The full decode of rules 1-3 above. Returns a decode_t as a vector and takes flat
  /// vectors (coord_t, cube_shape_t, gpos_t layouts): Yosys 0.23 fails on typedef'd
  /// return types, on struct member access of arguments passed to a nested function
  /// call, and on a function's own name assigned under `if`.
  function automatic logic [DecodeW-1:0] decode(input logic [CoordW-1:0] dest, input logic [ZArmW-1:0] own_z,
                                                input logic [3*CubeDimW-1:0] cube,
                                                input logic [3*GlobalW-1:0] slice);
    logic [GlobalW:0] ax, ay, az;
    logic zm;
    logic [DecodeW-1:0] r;
    ax = phext_pkg::axis_decode(dest[OffCn +: FieldW], dest[OffCh +: FieldW], cube[2*CubeDimW +: CubeDimW],
                                slice[2*GlobalW +: GlobalW]);
    ay = phext_pkg::axis_decode(dest[OffVm +: FieldW], dest[OffSn +: FieldW], cube[CubeDimW +: CubeDimW],
                                slice[GlobalW +: GlobalW]);
    az = phext_pkg::axis_decode(dest[OffBk +: FieldW], dest[OffSc +: FieldW], cube[0 +: CubeDimW],
                                slice[0 +: GlobalW]);
    zm = phext_pkg::zarm_match(dest[CoordW-1 -: ZArmW], own_z);
    if (!zm) r = {phext_pkg::DecZMismatch, {3 * GlobalW{1'b0}}};
    else if (!(ax[GlobalW] && ay[GlobalW] && az[GlobalW])) r = {phext_pkg::DecOutOfShape, {3 * GlobalW{1'b0}}};
    else r = {phext_pkg::DecOk, ax[GlobalW-1:0], ay[GlobalW-1:0], az[GlobalW-1:0]};
    decode = r;
  endfunction

endpackage

`default_nettype wire
