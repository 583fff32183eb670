// mxu_pe: one processing element of the weight-stationary MXU array (mxu_array.sv).
//
// Each cycle with a valid activation a_i on its left:
//   ps_o <= ps_i + a_i * w      (bf16_mul: exact product; fp32_add: round to nearest even)
//   a_o  <= a_i                 (the activation moves one column right)
// ps_i comes from the element above (+0 for row 0) and ps_o goes to the element below, so a
// column sums its products top to bottom, row 0 first. Without a valid activation the
// registers hold (no toggling on bubbles).
//
// Weights are double-buffered:
//   active   the weight in use;
//   shadow   the next tile's weight, part of a shift chain down the column (w_i from the
//            element above, w_o to the one below). On w_shift_i (one beat of the column's
//            weight load) the shadow takes w_i, but only when w_valid_i says the element above
//            already holds a weight of this load (row 0: always). The first beat of a load
//            (w_first_i, rows 1..N-1) clears that mark instead. So row k changes for the first
//            time at beat k+1 of a load, never earlier: the previous tile can still be claimed
//            from this element until then (mxu_tile.sv derives the load schedule from this).
//   claim    an activation carrying a_swap_i uses the shadow weight for its own product and
//            copies it into active.
// Timing: a_o, a_valid_o, a_swap_o and ps_o are registered, one cycle after a_i and ps_i.
`default_nettype none

module mxu_pe (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,
  // Activations, left to right
  input  wire logic [15:0] a_i,        ///< bf16 activation
  input  wire logic        a_valid_i,  ///< a_i carries a row's element
  input  wire logic        a_swap_i,   ///< first row of a tile with new weights: claim the shadow
  output logic      [15:0] a_o,
  output logic             a_valid_o,
  output logic             a_swap_o,
  // Partial sums, top to bottom
  input  wire logic [31:0] ps_i,       ///< fp32 partial sum from the element above
  output logic      [31:0] ps_o,       ///< fp32 partial sum including this element's product
  // Weight shift chain, top to bottom
  input  wire logic        w_shift_i,  ///< one beat of this column's weight load
  input  wire logic        w_first_i,  ///< ... and it is the load's first beat (row 0: tie to 0)
  input  wire logic [15:0] w_i,        ///< shadow weight of the element above (row 0: the beat)
  input  wire logic        w_valid_i,  ///< the element above holds a new weight (row 0: 1)
  output logic      [15:0] w_o,        ///< this element's shadow weight
  output logic             w_valid_o   ///< this element's shadow weight belongs to the current load
);
  logic [15:0] active_q, shadow_q, w_use;
  logic [31:0] prod, sum;

  assign w_use = a_swap_i ? shadow_q : active_q;

  bf16_mul u_mul (
    .a_i(a_i),
    .b_i(w_use),
    .p_o(prod)
  );
  fp32_add u_add (
    .a_i(ps_i),
    .b_i(prod),
    .s_o(sum)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_o <= '0;
      a_valid_o <= 1'b0;
      a_swap_o <= 1'b0;
      ps_o <= '0;
      active_q <= '0;
      shadow_q <= '0;
      w_valid_o <= 1'b0;
    end else begin
      a_valid_o <= a_valid_i;
      a_swap_o <= a_valid_i && a_swap_i;
      if (a_valid_i) begin
        a_o <= a_i;
        ps_o <= sum;
        if (a_swap_i) active_q <= shadow_q;
      end
      if (w_shift_i) begin
        if (w_first_i) begin
          w_valid_o <= 1'b0;
        end else if (w_valid_i) begin
          shadow_q <= w_i;
          w_valid_o <= 1'b1;
        end
      end
    end
  end

  assign w_o = shadow_q;
endmodule

`default_nettype wire
