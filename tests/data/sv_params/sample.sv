// Input of the sv-params test (tests/CMakeLists.txt): the forms the RTL packages use.
package sample_pkg;
  localparam int unsigned Width = 16;            // plain
  localparam int unsigned Lsb = 90, Msb = Lsb + Width - 1; /* two at once, one from the other */
  localparam logic [3:0] Code = 4'd9;            // sized decimal
  localparam logic [7:0] Mask = 8'hF0;           // sized hex
  localparam logic [Width-1:0] Bits = 16'b1010_0000_0000_0001;
  localparam int unsigned Depth = $clog2(1000);  // 10
  localparam int unsigned Big = 1 << 40;         // wider than 32 bits
  localparam int unsigned Div = (Msb + 1) / 4 % 7;
  typedef struct packed { logic [3:0] a; } pair_t;
  localparam pair_t Skipped = '{a: 4'd1};
endpackage

module sample #(
  parameter int unsigned Vcs = 4,   /// a comment after the comma
  parameter int unsigned Depth = sample_pkg::Depth * 2,
  localparam int unsigned VcW = Vcs > 1 ? $clog2(Vcs) : 1
) (
  input wire logic clk_i
);
  localparam int unsigned Inner = 7; // not a header parameter: not exported
endmodule
