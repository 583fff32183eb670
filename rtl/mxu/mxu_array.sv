// mxu_array: N x N weight-stationary systolic array of mxu_pe with its input skews.
//
//   act_i (one row of activations, element k for array row k)
//     -> mxu_skew: row k delayed k+1 cycles -> enters PE(k,0), moves right one PE per cycle
//   w_i (one beat of a weight load: one row of the weight tile, column n for array column n)
//     -> mxu_skew: column n delayed n+1 cycles -> shifts down column n's shadow chain
//   ps_o: the bottom row's partial sums, one fp32 per column (top row starts from +0)
//
// Timing contract: a row issued on act_i at cycle c (act_valid_i high at the rising edge
// ending cycle c) is at PE(k,n)'s input during cycle c+1+k+n, and its column-n sum is on
// ps_o[n] during cycle c+N+n+1 (the output "deskew" is done by mxu_tile, which writes
// column n of the accumulators n cycles after column 0, see mxu_tile.sv). One row per cycle.
// Weight loads: a beat issued at cycle s reaches column n's top during cycle s+1+n; after N
// beats every element holds its new shadow weight (beat j lands in row N-1-j: the bottom row
// is sent first). The activation and weight skews are the same block, so both paths have the
// same delay; mxu_tile's load/stream schedule depends on that.
`default_nettype none

module mxu_array #(
  parameter int unsigned N = 8 /// rows = columns, 4..128
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,
  // One row of activations per cycle
  input  wire logic [N*16-1:0] act_i,       ///< bf16, element k (array row k) in [k*16 +: 16]
  input  wire logic            act_valid_i,
  input  wire logic            act_swap_i,  ///< this row claims the shadow weights (first row of a tile)
  // One weight beat per cycle during a load
  input  wire logic [N*16-1:0] w_i,         ///< bf16, column n in [n*16 +: 16]
  input  wire logic            w_valid_i,
  input  wire logic            w_first_i,   ///< the first beat of a load
  // Column sums
  output logic      [N*32-1:0] ps_o         ///< fp32, column n in [n*32 +: 32]
);
  if (N < 4 || N > 128) begin : gen_bad_n
    mxu_array_N_must_be_4_to_128 u_error();
  end

  localparam int unsigned AW = 18; // activation lane: {swap, valid, bf16}
  localparam int unsigned WW = 18; // weight lane: {first, valid, bf16}

  logic [N*AW-1:0] act_lanes, act_sk;
  logic [N*WW-1:0] w_lanes, w_sk;

  for (genvar k = 0; k < N; k++) begin : gen_act_lane
    assign act_lanes[k*AW +: AW] = {act_swap_i, act_valid_i, act_i[k*16 +: 16]};
  end
  for (genvar n = 0; n < N; n++) begin : gen_w_lane
    assign w_lanes[n*WW +: WW] = {w_first_i, w_valid_i, w_i[n*16 +: 16]};
  end

  mxu_skew #(.Lanes(N), .W(AW)) u_act_skew (
    .clk_i,
    .rst_ni,
    .in_i (act_lanes),
    .out_o(act_sk)
  );
  mxu_skew #(.Lanes(N), .W(WW)) u_w_skew (
    .clk_i,
    .rst_ni,
    .in_i (w_lanes),
    .out_o(w_sk)
  );

  // Nets between elements: horizontal ones indexed [row][column boundary 0..N],
  // vertical ones [row boundary 0..N][column].
  logic [15:0] a_h  [N][N+1];
  logic        av_h [N][N+1];
  logic        as_h [N][N+1];
  logic [31:0] ps_v [N+1][N];
  logic [15:0] w_v  [N+1][N];
  logic        wv_v [N+1][N];

  for (genvar k = 0; k < N; k++) begin : gen_row
    assign a_h[k][0] = act_sk[k*AW +: 16];
    assign av_h[k][0] = act_sk[k*AW + 16];
    assign as_h[k][0] = act_sk[k*AW + 17];
    for (genvar n = 0; n < N; n++) begin : gen_col
      mxu_pe u_pe (
        .clk_i,
        .rst_ni,
        .a_i      (a_h[k][n]),
        .a_valid_i(av_h[k][n]),
        .a_swap_i (as_h[k][n]),
        .a_o      (a_h[k][n+1]),
        .a_valid_o(av_h[k][n+1]),
        .a_swap_o (as_h[k][n+1]),
        .ps_i     (ps_v[k][n]),
        .ps_o     (ps_v[k+1][n]),
        .w_shift_i(w_sk[n*WW + 16]),
        .w_first_i(k == 0 ? 1'b0 : w_sk[n*WW + 17]),
        .w_i      (w_v[k][n]),
        .w_valid_i(wv_v[k][n]),
        .w_o      (w_v[k+1][n]),
        .w_valid_o(wv_v[k+1][n])
      );
    end
  end
  for (genvar n = 0; n < N; n++) begin : gen_edge
    assign ps_v[0][n] = 32'd0;           // +0 starts every column sum
    assign w_v[0][n] = w_sk[n*WW +: 16]; // the skewed beat feeds row 0
    assign wv_v[0][n] = 1'b1;
    assign ps_o[n*32 +: 32] = ps_v[N][n];
  end
endmodule

`default_nettype wire
