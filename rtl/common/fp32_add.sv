// fp32_add: IEEE binary32 addition with round-to-nearest-even, flush-to-zero.
// Combinational (no clock); the MXU uses it in every processing element (partial sums) and in
// every accumulator column (K > N folds).
//
// Numeric policy (docs/blocks/mxu.md "MXU numerics"):
//   - subnormal inputs are read as zero of the same sign (DAZ);
//   - the sum is rounded to nearest, ties to even, as if the exponent range were unbounded;
//     a rounded result below 2^-126 in magnitude becomes a zero with the result's sign (FTZ),
//     one at or above 2^128 becomes infinity;
//   - exact cancellation gives +0; (-0) + (-0) = -0; x + (+-0) = x;
//   - NaN inputs and inf + (-inf) give the canonical quiet NaN 0x7FC00000; inf + finite = inf.
// Wherever no input or result is subnormal this is IEEE 754 addition bit for bit, which
// tests/test_rtl_mxu_fp.cpp checks against the host's float addition.
//
// Datapath: order the operands by magnitude, align the smaller one with guard, round and sticky
// bits (3 bits below the 24-bit significand), add or subtract, normalize (one right shift on a
// carry, a leading-zero count and left shift on cancellation), then round half to even.
`default_nettype none

module fp32_add (
  input  wire logic [31:0] a_i, ///< fp32 addend
  input  wire logic [31:0] b_i, ///< fp32 addend
  output logic      [31:0] s_o  ///< fp32 sum
);
  localparam logic [31:0] QNaN = 32'h7FC0_0000;

  logic        sa, sb, sl;
  logic [7:0]  ea, eb, el, es;
  logic [22:0] fa, fb, fl, fs;
  logic        a_zero, b_zero, a_inf, b_inf, a_nan, b_nan, sub, sticky, found;
  logic [7:0]  d;           // exponent difference, large - small
  logic [26:0] small_al;    // small significand aligned, with G, R, S
  logic [27:0] addend, sum;         // carry + 24-bit significand + G, R, S
  logic [26:0] norm;        // normalized: norm[26] = 1
  logic [4:0]  lz;
  logic [9:0]  e_adj, e_n;         // exponent after normalization, two's complement
  logic [24:0] m_r;         // rounded significand, with overflow bit
  logic        round_up;

  always_comb begin
    {sa, ea, fa} = a_i;
    {sb, eb, fb} = b_i;
    a_zero = (ea == 8'd0);
    b_zero = (eb == 8'd0);
    a_inf = (ea == 8'hFF) && (fa == 23'd0);
    b_inf = (eb == 8'hFF) && (fb == 23'd0);
    a_nan = (ea == 8'hFF) && (fa != 23'd0);
    b_nan = (eb == 8'hFF) && (fb != 23'd0);
    // order by magnitude: {exponent, fraction} compares as an unsigned number
    if ({ea, fa} >= {eb, fb}) begin
      {sl, el, fl} = a_i;
      es = eb;
      fs = fb;
    end else begin
      {sl, el, fl} = b_i;
      es = ea;
      fs = fa;
    end
    sub = sa ^ sb;
    d = el - es;
    // align: shift {1.fs, 000} right by d; the bits shifted out OR into the sticky bit
    // align: shift {1.fs, 000} right by d in five constant stages (1, 2, 4, 8, 16 bits);
    // the bits shifted out OR into the sticky bit. Written as constant shifts because yosys's
    // SAT-based sharing runs out of memory on variable shifters here.
    small_al = {1'b1, fs, 3'b000};
    sticky = 1'b0;
    for (int i = 0; i < 5; i++) begin
      if (d[i]) begin
        sticky = sticky | ((small_al & ((27'd1 << (1 << i)) - 27'd1)) != 27'd0);
        small_al = small_al >> (1 << i);
      end
    end
    if (d[7:5] != 3'd0) begin  // d >= 32: everything shifted out
      small_al = 27'd0;
      sticky = 1'b1;
    end
    small_al[0] = small_al[0] | sticky;
    // one adder for both effective operations: subtracting adds the two's complement
    addend = sub ? ~{1'b0, small_al} + 28'd1 : {1'b0, small_al};
    sum = {1'b0, 1'b1, fl, 3'b000} + addend;
    // normalize
    // leading zeros of sum[26:0] (cancellation); only used when there is no carry
    lz = 5'd0;
    found = 1'b0;
    for (int i = 26; i >= 0; i--) begin
      if (!found && sum[i]) begin
        lz = 5'(26 - i);
        found = 1'b1;
      end
    end
    // a carry shifts right by one (the dropped bit joins the sticky bit), a cancellation left
    norm = sum[26:0];
    for (int i = 0; i < 5; i++) begin
      if (lz[i]) norm = norm << (1 << i);
    end
    if (sum[27]) norm = {sum[27:2], sum[1] | sum[0]};
    e_adj = sum[27] ? 10'd1 : -{5'd0, lz};
    e_n = {2'b00, el} + e_adj;
    // round half to even: guard = norm[2], below it norm[1:0]
    round_up = norm[2] && (norm[1] || norm[0] || norm[3]);
    m_r = {1'b0, norm[26:3]} + {24'd0, round_up};
    // rounding up 1.11..1 gives 10.00..0: the significand is 1.0 again, one binade up
    e_n = e_n + {9'd0, m_r[24]};
    if (a_nan || b_nan || (a_inf && b_inf && sa != sb)) s_o = QNaN;
    else if (a_inf) s_o = a_i;
    else if (b_inf) s_o = b_i;
    else if (a_zero && b_zero) s_o = {sa & sb, 31'd0};
    else if (a_zero) s_o = b_i;
    else if (b_zero) s_o = a_i;
    else if (sum == 28'd0) s_o = 32'd0;                                     // exact cancellation: +0
    else if (!e_n[9] && e_n >= 10'd255) s_o = {sl, 8'hFF, 23'd0};           // overflow
    else if (e_n[9] || e_n == 10'd0) s_o = {sl, 31'd0};                     // below 2^-126: flush
    else s_o = {sl, e_n[7:0], m_r[22:0]};
  end
endmodule

`default_nettype wire
