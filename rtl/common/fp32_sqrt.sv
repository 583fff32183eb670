// fp32_sqrt: IEEE binary32 square root, one root bit per cycle, round-to-nearest-even,
// flush-to-zero policy. Used by the SparseCore combine path (sqrtn combiner).
//
// Numeric policy (the MXU's, docs/blocks/mxu.md "MXU numerics"; fp32_add.sv):
//   - a subnormal input is read as zero of the same sign (DAZ);
//   - the root is rounded to nearest, ties to even, as if the exponent range were unbounded;
//     a rounded result below 2^-126 would become a signed zero and one at or above 2^128
//     infinity, but the root of a normal number lies in [2^-63, 2^64), so neither happens;
//   - sqrt(+0) = +0, sqrt(-0) = -0, sqrt(+inf) = +inf;
//   - NaN inputs, sqrt(-inf) and the root of any other negative number give the canonical
//     quiet NaN 0x7FC00000.
// For every input that is not subnormal this is IEEE 754 squareRoot bit for bit, which
// tests/test_rtl_sc_fp.cpp checks against the host's sqrtf; the C++ twin is ref/mxu_fp.hpp
// (fp32_sqrt).
//
// Timing contract (Latency = 27 cycles, for every operand, special cases included):
//   - start_i is taken in a cycle t where busy_o is low (at the rising edge that ends it);
//     a_i is sampled at that edge only. start_i while busy_o is high is ignored.
//   - busy_o is high in cycles t+1 .. t+Latency-1; done_o is high in cycle t+Latency only,
//     with r_o valid and busy_o already low, so the next start_i may come in the done_o cycle
//     itself (no bubble: one root every Latency cycles) or any cycle after it.
//   - r_o holds its value until the next done_o, i.e. through the whole next operation.
//
// Datapath (restoring digit-by-digit square root): at the accepting edge the significand is
// doubled when the unbiased exponent is odd, so the radicand M lies in [1, 4), and the result
// exponent is halved. Each of the next Iters cycles brings down the next two radicand bits,
// compares the partial remainder with 4 x root + 1, subtracts it when not smaller and shifts in
// one root bit: 24 significand bits and a guard bit. A last cycle rounds half to even with the
// sticky bit (remainder non-zero) and packs r_o.
`default_nettype none

module fp32_sqrt #(
  localparam int unsigned Iters = 25,         /// root bits, one per cycle: 24 + guard
  localparam int unsigned Latency = Iters + 2 /// cycles from start_i taken to done_o
) (
  input  wire logic        clk_i,   ///< clock, rising edge
  input  wire logic        rst_ni,  ///< asynchronous reset, active low
  input  wire logic        start_i, ///< start a square root; taken when busy_o is low
  input  wire logic [31:0] a_i,     ///< fp32 operand, sampled when start_i is taken
  output logic             busy_o,  ///< an operation is running; start_i is ignored
  output logic             done_o,  ///< one-cycle pulse: r_o holds the new root
  output logic      [31:0] r_o      ///< fp32 square root of a, held until the next done_o
);
  localparam logic [31:0] QNaN = 32'h7FC0_0000;
  localparam int unsigned CntW = $clog2(Latency); // busy-cycle counter: 0 .. Iters < Latency
  // result class, decided at the accepting edge
  localparam logic [1:0] KindNum = 2'd0, KindZero = 2'd1, KindInf = 2'd2, KindNaN = 2'd3;

  // ---- unpack the sampled operand ---------------------------------------------------------
  logic        sa;
  logic [7:0]  ea;
  logic [22:0] fa;
  logic [1:0]  kind;
  logic [8:0]  e_sum;        // ea + 127: bit 0 set when the unbiased exponent ea - 127 is odd

  always_comb begin
    {sa, ea, fa} = a_i;
    if (ea == 8'hFF && fa != 23'd0) kind = KindNaN;
    else if (ea == 8'd0) kind = KindZero;   // zero or subnormal: a zero of its sign
    else if (sa) kind = KindNaN;            // negative, including -inf
    else if (ea == 8'hFF) kind = KindInf;
    else kind = KindNum;
    // root exponent: floor((ea - 127) / 2) + 127 = (ea + 127) >> 1, always 64..190
    e_sum = {1'b0, ea} + 9'd127;
  end

  // ---- state ------------------------------------------------------------------------------
  logic [CntW-1:0] cnt_q;    // root bits produced so far
  logic            sign_q;   // the sign of a zero result
  logic [1:0]      kind_q;
  logic [7:0]      exp_q;
  logic [25:0]     rad_q;    // radicand bits not yet brought down, next pair in [25:24]
  logic [26:0]     rem_q;    // partial remainder, <= 2 x root
  logic [23:0]     root_q;   // root bits, newest in bit 0; the leading 1 is shifted out last

  // ---- one restoring step, and the final rounding ------------------------------------------
  logic [26:0] t;            // 4 x remainder + the next two radicand bits
  logic [27:0] diff;         // t - (4 x root + 1); bit 27 is the borrow
  logic        r_bit;
  logic        round_up, carry;
  logic [22:0] frac_r;
  logic [8:0]  e_n;
  logic [31:0] r_num;        // the packed result of a positive normal operand

  always_comb begin
    // at step k (1..Iters) the root so far has k-1 bits and the remainder is at most twice it,
    // so below 2^25: its top bits are zero here
    t = {rem_q[24:0], rad_q[25:24]};
    diff = {1'b0, t} - {2'b00, root_q, 2'b01};
    r_bit = !diff[27];
    // after Iters steps root_q = {23 fraction bits, guard}; the sticky bit is rem_q != 0
    round_up = root_q[0] && ((rem_q != 27'd0) || root_q[1]);
    {carry, frac_r} = {1'b0, root_q[23:1]} + {23'd0, round_up};
    e_n = {1'b0, exp_q} + {8'd0, carry};
    // policy kept for uniformity with fp32_div; exp_q is 64..190, so only the last line is used
    if (e_n >= 9'd255) r_num = {1'b0, 8'hFF, 23'd0};
    else if (e_n == 9'd0) r_num = 32'd0;
    else r_num = {1'b0, e_n[7:0], frac_r};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_o <= 1'b0;
      done_o <= 1'b0;
      r_o <= '0;
      cnt_q <= '0;
      sign_q <= 1'b0;
      kind_q <= KindNum;
      exp_q <= '0;
      rad_q <= '0;
      rem_q <= '0;
      root_q <= '0;
    end else begin
      done_o <= 1'b0;
      if (!busy_o) begin
        if (start_i) begin
          busy_o <= 1'b1;
          cnt_q <= '0;
          sign_q <= sa;
          kind_q <= kind;
          exp_q <= e_sum[8:1];
          // M = 1.fa x 2^24 (even exponent) or 2 x 1.fa x 2^24 (odd): 26 bits, in [2^24, 2^26)
          rad_q <= e_sum[0] ? {1'b1, fa, 2'b00} : {1'b0, 1'b1, fa, 1'b0};
          rem_q <= '0;
          root_q <= '0;
        end
      end else if (cnt_q != CntW'(Iters)) begin
        cnt_q <= cnt_q + 1'b1;
        rad_q <= {rad_q[23:0], 2'b00};
        rem_q <= r_bit ? diff[26:0] : t;
        root_q <= {root_q[22:0], r_bit};
      end else begin
        busy_o <= 1'b0;
        done_o <= 1'b1;
        case (kind_q)
          KindNaN:  r_o <= QNaN;
          KindInf:  r_o <= {1'b0, 8'hFF, 23'd0};
          KindZero: r_o <= {sign_q, 31'd0};
          default:  r_o <= r_num;
        endcase
      end
    end
  end
endmodule

`default_nettype wire
