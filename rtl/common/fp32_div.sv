// fp32_div: IEEE binary32 division q = a / b, one quotient bit per cycle, round-to-nearest-even,
// flush-to-zero. Used by the SparseCore combine path (mean and normalized combiners).
//
// Numeric policy (the MXU's, docs/blocks/mxu.md "MXU numerics"; fp32_add.sv):
//   - subnormal inputs are read as zero of the same sign (DAZ), so x / subnormal = inf;
//   - the quotient is rounded to nearest, ties to even, as if the exponent range were
//     unbounded; a rounded result below 2^-126 in magnitude becomes a zero with the result's
//     sign (FTZ), one at or above 2^128 becomes infinity;
//   - x / 0 = inf for finite non-zero x; inf / finite = inf; finite / inf = 0; 0 / finite
//     non-zero = 0; the sign is the XOR of the input signs;
//   - NaN inputs, 0 / 0 and inf / inf give the canonical quiet NaN 0x7FC00000.
// Wherever no input or result is subnormal this is IEEE 754 division bit for bit, which
// tests/test_rtl_sc_fp.cpp checks against the host's float division; the C++ twin is
// ref/mxu_fp.hpp (fp32_div).
//
// Timing contract (Latency = 27 cycles, for every operand, special cases included):
//   - start_i is taken in a cycle t where busy_o is low (at the rising edge that ends it);
//     a_i and b_i are sampled at that edge only. start_i while busy_o is high is ignored.
//   - busy_o is high in cycles t+1 .. t+Latency-1; done_o is high in cycle t+Latency only,
//     with q_o valid and busy_o already low, so the next start_i may come in the done_o cycle
//     itself (no bubble: one division every Latency cycles) or any cycle after it.
//   - q_o holds its value until the next done_o, i.e. through the whole next division.
//
// Datapath (restoring division on the significands): at the accepting edge the operands are
// unpacked and the dividend significand doubled when it is smaller than the divisor's, so the
// quotient lies in [1, 2) and its exponent is known. Each of the next Iters cycles compares the
// partial remainder with the divisor, subtracts it when not smaller, shifts in one quotient
// bit and doubles the remainder: 24 significand bits and a guard bit. A last cycle rounds half
// to even with the sticky bit (remainder non-zero), applies the policy and packs q_o.
`default_nettype none

module fp32_div #(
  localparam int unsigned Iters = 25,         /// quotient bits, one per cycle: 24 + guard
  localparam int unsigned Latency = Iters + 2 /// cycles from start_i taken to done_o
) (
  input  wire logic        clk_i,   ///< clock, rising edge
  input  wire logic        rst_ni,  ///< asynchronous reset, active low
  input  wire logic        start_i, ///< start a division; taken when busy_o is low
  input  wire logic [31:0] a_i,     ///< fp32 dividend, sampled when start_i is taken
  input  wire logic [31:0] b_i,     ///< fp32 divisor, sampled when start_i is taken
  output logic             busy_o,  ///< a division is running; start_i is ignored
  output logic             done_o,  ///< one-cycle pulse: q_o holds the new quotient
  output logic      [31:0] q_o      ///< fp32 quotient a / b, held until the next done_o
);
  localparam logic [31:0] QNaN = 32'h7FC0_0000;
  localparam int unsigned CntW = $clog2(Latency); // busy-cycle counter: 0 .. Iters < Latency
  // result class, decided at the accepting edge
  localparam logic [1:0] KindNum = 2'd0, KindZero = 2'd1, KindInf = 2'd2, KindNaN = 2'd3;

  // ---- unpack and pre-normalize the sampled operands --------------------------------------
  logic        sa, sb;
  logic [7:0]  ea, eb;
  logic [22:0] fa, fb;
  logic        a_zero, b_zero, a_inf, b_inf, a_nan, b_nan, a_lt_b;
  logic [1:0]  kind;
  logic [9:0]  e_q;          // biased quotient exponent, two's complement: -127..380

  always_comb begin
    {sa, ea, fa} = a_i;
    {sb, eb, fb} = b_i;
    a_zero = (ea == 8'd0);
    b_zero = (eb == 8'd0);
    a_inf = (ea == 8'hFF) && (fa == 23'd0);
    b_inf = (eb == 8'hFF) && (fb == 23'd0);
    a_nan = (ea == 8'hFF) && (fa != 23'd0);
    b_nan = (eb == 8'hFF) && (fb != 23'd0);
    if (a_nan || b_nan || (a_inf && b_inf) || (a_zero && b_zero)) kind = KindNaN;
    else if (a_inf || b_zero) kind = KindInf;
    else if (a_zero || b_inf) kind = KindZero;
    else kind = KindNum;
    a_lt_b = (fa < fb);      // same hidden bit: compare the fractions
    e_q = {2'b00, ea} - {2'b00, eb} + 10'd127 - {9'd0, a_lt_b};
  end

  // ---- state ------------------------------------------------------------------------------
  logic [CntW-1:0] cnt_q;    // quotient bits produced so far
  logic            sign_q;
  logic [1:0]      kind_q;
  logic [9:0]      exp_q;
  logic [23:0]     div_q;    // divisor significand 1.fb
  logic [24:0]     rem_q;    // partial remainder, < 2 x divisor
  logic [23:0]     quo_q;    // quotient bits, newest in bit 0; the leading 1 is shifted out

  // ---- one restoring step, and the final rounding ------------------------------------------
  logic [25:0] diff;         // rem - div; bit 25 is the borrow
  logic        q_bit;
  logic [24:0] rem_sel;      // remainder after the step, < divisor < 2^24
  logic        round_up, carry;
  logic [22:0] frac_r;
  logic [9:0]  e_n;
  logic [31:0] q_num;        // the packed result of a finite non-zero quotient

  always_comb begin
    diff = {1'b0, rem_q} - {2'b00, div_q};
    q_bit = !diff[25];
    rem_sel = q_bit ? diff[24:0] : rem_q;
    // after Iters steps quo_q = {23 fraction bits, guard}; the sticky bit is rem_q != 0
    round_up = quo_q[0] && ((rem_q != 25'd0) || quo_q[1]);
    {carry, frac_r} = {1'b0, quo_q[23:1]} + {23'd0, round_up};
    e_n = exp_q + {9'd0, carry};
    if (!e_n[9] && e_n >= 10'd255) q_num = {sign_q, 8'hFF, 23'd0};   // overflow
    else if (e_n[9] || e_n == 10'd0) q_num = {sign_q, 31'd0};         // below 2^-126: flush
    else q_num = {sign_q, e_n[7:0], frac_r};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_o <= 1'b0;
      done_o <= 1'b0;
      q_o <= '0;
      cnt_q <= '0;
      sign_q <= 1'b0;
      kind_q <= KindNum;
      exp_q <= '0;
      div_q <= '0;
      rem_q <= '0;
      quo_q <= '0;
    end else begin
      done_o <= 1'b0;
      if (!busy_o) begin
        if (start_i) begin
          busy_o <= 1'b1;
          cnt_q <= '0;
          sign_q <= sa ^ sb;
          kind_q <= kind;
          exp_q <= e_q;
          div_q <= {1'b1, fb};
          rem_q <= a_lt_b ? {1'b1, fa, 1'b0} : {1'b0, 1'b1, fa};  // in [divisor, 2 x divisor)
          quo_q <= '0;
        end
      end else if (cnt_q != CntW'(Iters)) begin
        cnt_q <= cnt_q + 1'b1;
        quo_q <= {quo_q[22:0], q_bit};
        rem_q <= rem_sel << 1;  // rem_sel < 2^24: doubling fits
      end else begin
        busy_o <= 1'b0;
        done_o <= 1'b1;
        case (kind_q)
          KindNaN:  q_o <= QNaN;
          KindInf:  q_o <= {sign_q, 8'hFF, 23'd0};
          KindZero: q_o <= {sign_q, 31'd0};
          default:  q_o <= q_num;
        endcase
      end
    end
  end
endmodule

`default_nettype wire
