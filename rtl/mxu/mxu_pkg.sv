// mxu_pkg: the MXU tile's command encoding (mxu_tile.sv) and shared constants.
// The C++ side mirrors these in tb/mxu_tile_tb.hpp (MxuOp).
`default_nettype none

package mxu_pkg;
  /// Command opcodes on mxu_tile's cmd_op_i.
  localparam logic [1:0] OpLoad = 2'd0;   ///< take N weight beats (bottom row of the tile first)
  localparam logic [1:0] OpStream = 2'd1; ///< take count activation rows, results to rows addr..
  localparam logic [1:0] OpDrain = 2'd2;  ///< send accumulator rows addr..addr+count-1 out
  localparam logic [1:0] OpBad = 2'd3;    ///< reserved: rejected (err_cmd_o)

  /// Width of the stream sequence numbers that order drains after the streams they read.
  /// At most 2N+4 streams are in flight (N <= 128), below 2^(SeqW-1); a drain latches that its
  /// streams have retired, so any number of later streams may retire while it waits.
  localparam int unsigned SeqW = 10;
endpackage

`default_nettype wire
