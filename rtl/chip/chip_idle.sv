// chip_idle: the chip's idle flag: nothing queued, in flight or held anywhere in the chip, so
// that a cycle without inputs changes no state (the pod harness skips clocking idle chips, and
// the skipped cycles must not matter). One register still may: chip_regs' copy of the status
// word, which follows idle_o a cycle late (docs/architecture.md, "Known issues").
// The router's buffers are tracked by a count of the flits inside it: one in per flit
// entering any input, one out per buffer slot freed (an input credit). Every other engine
// reports its own idle flag. A flit arriving on a link or leaving the router, a credit
// arriving on a link or returned by the router, and a host bus request make the chip busy.
// Timing: idle_o is combinational from this cycle's inputs and registered state (the count
// is updated at each clock edge).
`default_nettype none

module chip_idle #(
  parameter int unsigned NumPorts = 7,  /// router ports (the six links, then the local lanes)
  parameter int unsigned NumVcs = 4,
  parameter int unsigned BufDepth = 8,  /// router input buffer depth (flits per VC)
  parameter int unsigned Units = 1,     /// engines with an idle flag of their own
  localparam int unsigned NL = ici_pkg::NumLinks
) (
  input  wire logic                         clk_i,
  input  wire logic                         rst_ni,
  input  wire logic [NumPorts-1:0]          r_in_valid_i,  ///< flits entering the router
  input  wire logic [NumPorts*NumVcs-1:0]   r_in_credit_i, ///< router input buffer slots freed
  input  wire logic [NumPorts-1:0]          r_out_valid_i, ///< flits leaving the router
  input  wire logic [NL-1:0]                link_valid_i,  ///< flits arriving on the links
  input  wire logic [NL*NumVcs-1:0]         link_credit_i, ///< credits coming back on the links
  input  wire logic                         host_valid_i,  ///< a host bus request
  input  wire logic [Units-1:0]             units_idle_i,
  output logic                              idle_o
);
  // flits inside the router: in through any input, out when their buffer slot is freed
  localparam int unsigned OccW = $clog2(NumPorts * NumVcs * BufDepth + 1) + 1;
  logic [OccW-1:0] occ_q, occ_in, occ_out;
  always_comb begin
    occ_in = '0;
    occ_out = '0;
    for (int p = 0; p < NumPorts; p++) occ_in = occ_in + OccW'(r_in_valid_i[p]);
    for (int i = 0; i < NumPorts * NumVcs; i++) occ_out = occ_out + OccW'(r_in_credit_i[i]);
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) occ_q <= '0;
    else occ_q <= occ_q + occ_in - occ_out;
  end
  assign idle_o = occ_q == '0 && r_out_valid_i == '0 && r_in_credit_i == '0 && link_credit_i == '0 &&
                  link_valid_i == '0 && !host_valid_i && units_idle_i == '1;
endmodule

`default_nettype wire
