// mxu_skew: the triangular delay that feeds a systolic array. Lane i of the input appears on
// the output i+1 cycles later (lane 0 after one register), so consecutive lanes are one cycle
// apart: the diagonal wavefront. Used for activation rows (lane = array row) and for weight
// beats (lane = array column), which therefore have the same timing (mxu_tile.sv relies on it).
// Cost: Lanes*(Lanes+1)/2 registers of W bits. All registers reset to zero, so valid bits
// carried in a lane are clean after reset.
`default_nettype none

module mxu_skew #(
  parameter int unsigned Lanes = 8, /// lanes (array rows or columns)
  parameter int unsigned W = 16     /// bits per lane
) (
  input  wire logic               clk_i,
  input  wire logic               rst_ni,
  input  wire logic [Lanes*W-1:0] in_i,  ///< lane i in bits [i*W +: W]
  output logic      [Lanes*W-1:0] out_o  ///< lane i delayed by i+1 cycles
);
  for (genvar i = 0; i < Lanes; i++) begin : gen_lane
    // stage j of lane i in bits [j*W +: W]; stage i is the output
    logic [(i+1)*W-1:0] sr_q;
    if (i == 0) begin : gen_first
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) sr_q <= '0;
        else sr_q <= in_i[0 +: W];
      end
    end else begin : gen_rest
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) sr_q <= '0;
        else sr_q <= {sr_q[i*W-1:0], in_i[i*W +: W]};
      end
    end
    assign out_o[i*W +: W] = sr_q[(i+1)*W-1 -: W];
  end
endmodule

`default_nettype wire
