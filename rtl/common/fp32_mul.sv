// fp32_mul: IEEE binary32 multiplication with round-to-nearest-even, flush-to-zero.
// Combinational (no clock); the SparseCore combine path scales gathered values with it.
//
// Numeric policy (the MXU's, docs/blocks/mxu.md "MXU numerics"; fp32_add.sv):
//   - subnormal inputs are read as zero of the same sign (DAZ);
//   - the product is rounded to nearest, ties to even, as if the exponent range were unbounded;
//     a rounded result below 2^-126 in magnitude becomes a zero with the result's sign (FTZ),
//     one at or above 2^128 becomes infinity;
//   - NaN inputs and inf x 0 give the canonical quiet NaN 0x7FC00000; inf x finite non-zero is
//     inf; zero x finite is zero; the sign is always the XOR of the input signs, except for NaN.
// Wherever no input or result is subnormal this is IEEE 754 multiplication bit for bit, which
// tests/test_rtl_sc_fp.cpp checks against the host's float multiply; the C++ twin is
// ref/mxu_fp.hpp (fp32_mul).
//
// Datapath: the 24 x 24-bit significand product (48 bits, in [2^46, 2^48)) is normalized by
// one optional shift, the 23 fraction bits are rounded with a guard bit and a sticky bit (the
// OR of everything below), and a rounding carry moves the result one binade up. The exponent is
// kept in 10 bits two's complement, so the FTZ and overflow tests see the unbounded exponent.
`default_nettype none

module fp32_mul (
  input  wire logic [31:0] a_i, ///< fp32 multiplicand
  input  wire logic [31:0] b_i, ///< fp32 multiplier
  output logic      [31:0] p_o  ///< fp32 product
);
  localparam logic [31:0] QNaN = 32'h7FC0_0000;

  logic        sa, sb, sp;
  logic [7:0]  ea, eb;
  logic [22:0] fa, fb;
  logic        a_zero, b_zero, a_inf, b_inf, a_nan, b_nan;
  logic [47:0] prod;      // {1.fa} x {1.fb}: in [2^46, 2^48)
  logic [22:0] frac, frac_r;
  logic        guard, sticky, round_up, carry;
  logic [9:0]  e_n;       // biased exponent of the rounded product, two's complement

  always_comb begin
    {sa, ea, fa} = a_i;
    {sb, eb, fb} = b_i;
    sp = sa ^ sb;
    a_zero = (ea == 8'd0);
    b_zero = (eb == 8'd0);
    a_inf = (ea == 8'hFF) && (fa == 23'd0);
    b_inf = (eb == 8'hFF) && (fb == 23'd0);
    a_nan = (ea == 8'hFF) && (fa != 23'd0);
    b_nan = (eb == 8'hFF) && (fb != 23'd0);
    prod = {24'd0, 1'b1, fa} * {24'd0, 1'b1, fb};
    // normalize: the hidden bit is prod[47] (product >= 2) or prod[46]
    if (prod[47]) begin
      frac = prod[46:24];
      guard = prod[23];
      sticky = (prod[22:0] != 23'd0);
    end else begin
      frac = prod[45:23];
      guard = prod[22];
      sticky = (prod[21:0] != 22'd0);
    end
    // round half to even; rounding 1.11..1 up gives 10.00..0: fraction 0, one binade up
    round_up = guard && (sticky || frac[0]);
    {carry, frac_r} = {1'b0, frac} + {23'd0, round_up};
    // ea + eb - 127, plus one for a product >= 2 and one for a rounding carry
    e_n = {2'b00, ea} + {2'b00, eb} - 10'd127 + {9'd0, prod[47]} + {9'd0, carry};
    if (a_nan || b_nan || (a_inf && b_zero) || (a_zero && b_inf)) p_o = QNaN;
    else if (a_inf || b_inf) p_o = {sp, 8'hFF, 23'd0};
    else if (a_zero || b_zero) p_o = {sp, 31'd0};
    else if (!e_n[9] && e_n >= 10'd255) p_o = {sp, 8'hFF, 23'd0}; // overflow
    else if (e_n[9] || e_n == 10'd0) p_o = {sp, 31'd0};            // below 2^-126: flush
    else p_o = {sp, e_n[7:0], frac_r};
  end
endmodule

`default_nettype wire
