// bf16_mul: exact product of two bfloat16 numbers, delivered as an IEEE fp32 value.
// Combinational (no clock); used by every MXU processing element (rtl/mxu/mxu_pe.sv).
//
// bf16 is the top half of fp32 (1 sign, 8 exponent, 7 fraction bits), so the product of two
// 8-bit significands has at most 16 bits and always fits fp32's 24-bit significand: for every
// product that lies in fp32's normal range the result is exact (no rounding happens).
// The rest is the project's numeric policy (docs/blocks/mxu.md "MXU numerics"):
//   - subnormal inputs (exponent field 0) are read as zero of the same sign (DAZ);
//   - a product whose magnitude is below 2^-126 (fp32's smallest normal) becomes a zero with
//     the product's sign (flush to zero); one at or above 2^128 becomes infinity, which is
//     what round-to-nearest-even gives for it;
//   - any NaN input, inf x 0 and 0 x inf give the canonical quiet NaN 0x7FC00000;
//   - inf x finite non-zero is inf; zero x finite is zero; the sign is always the XOR of the
//     input signs, except for NaN.
// The C++ twin is ref/mxu_fp.hpp (bf16_mul); tests/test_rtl_mxu_fp.cpp checks every class of
// input and millions of random pairs against it and against the host's IEEE multiply.
`default_nettype none

module bf16_mul (
  input  wire logic [15:0] a_i, ///< bf16 operand
  input  wire logic [15:0] b_i, ///< bf16 operand
  output logic      [31:0] p_o  ///< fp32 product
);
  localparam logic [31:0] QNaN = 32'h7FC0_0000;

  logic       sa, sb, sp;
  logic [7:0] ea, eb;
  logic [6:0] fa, fb;
  logic       a_zero, b_zero, a_inf, b_inf, a_nan, b_nan;
  logic [15:0] prod;     // {1.fa} x {1.fb}: in [2^14, 2^16)
  logic [9:0]  e_sum;    // biased exponent of the product, two's complement
  logic [22:0] frac;

  always_comb begin
    {sa, ea, fa} = a_i;
    {sb, eb, fb} = b_i;
    sp = sa ^ sb;
    a_zero = (ea == 8'd0);
    b_zero = (eb == 8'd0);
    a_inf = (ea == 8'hFF) && (fa == 7'd0);
    b_inf = (eb == 8'hFF) && (fb == 7'd0);
    a_nan = (ea == 8'hFF) && (fa != 7'd0);
    b_nan = (eb == 8'hFF) && (fb != 7'd0);
    prod = {8'd0, 1'b1, fa} * {8'd0, 1'b1, fb};
    // ea + eb - 127, plus one when the product needs the 16th bit
    e_sum = {2'b00, ea} + {2'b00, eb} - 10'd127 + {9'd0, prod[15]};
    frac = prod[15] ? {prod[14:0], 8'd0} : {prod[13:0], 9'd0};
    if (a_nan || b_nan || (a_inf && b_zero) || (a_zero && b_inf)) p_o = QNaN;
    else if (a_inf || b_inf) p_o = {sp, 8'hFF, 23'd0};
    else if (a_zero || b_zero) p_o = {sp, 31'd0};
    else if (!e_sum[9] && e_sum >= 10'd255) p_o = {sp, 8'hFF, 23'd0}; // overflow: RNE gives inf
    else if (e_sum[9] || e_sum == 10'd0) p_o = {sp, 31'd0};            // below 2^-126: flush
    else p_o = {sp, e_sum[7:0], frac};
  end
endmodule

`default_nettype wire
