// clock_gate: an integrated clock gate, the standard ICG cell (a latch and an AND): gclk_o
// pulses with clk_i in the cycles whose enable was high before the rising edge. The enable is
// latched while clk_i is low, so a change of en_i while clk_i is high cannot glitch gclk_o.
// Timing: en_i is sampled like a flop's D input (it must settle before the rising edge);
// gclk_o's edges are clk_i's, delayed by the AND gate.
// Why: a block idle for long stretches (the MXU through a collective) is not clocked: in
// silicon that saves its clock power, in the Verilated chip its evaluation every cycle.
`default_nettype none

module clock_gate (
  input  wire logic clk_i,
  input  wire logic en_i,
  output logic      gclk_o
);
  logic en_l;
  always_latch begin
    if (!clk_i) en_l = en_i;
  end
  assign gclk_o = clk_i & en_l;
endmodule

`default_nettype wire
