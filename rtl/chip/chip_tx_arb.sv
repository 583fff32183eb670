// chip_tx_arb: the send arbiter at the router's local input: one flit per cycle from the
// chip's three packet sources, each on its own VC: the responder (responses, VC 2) first, so a
// response never waits for a request, then the host's DMA (VC 0) and the SparseCore's row
// requests (VC 1) in turn. Flits of different sources may interleave while the packets of each
// VC stay whole. Credits per VC: BufDepth flits (the router's input buffer), one spent per flit
// sent, one back per credit_i pulse.
// Timing: combinational grant: a source's f_ready is high in the cycle its flit goes out on
// tx_*; a source is offered the port only with a credit of its VC in hand. A credit returned in
// cycle c can be spent from cycle c+1. When the DMA and the SparseCore both have a flit and a
// credit, they alternate flit by flit.
`default_nettype none

module chip_tx_arb #(
  parameter int unsigned NumVcs = 4,   /// router VCs (the sources use 0, 1 and 2)
  parameter int unsigned BufDepth = 8, /// router input buffer depth (flits per VC): the credits
  parameter int unsigned FlitW = 160,  /// flit data bits
  localparam int unsigned VcW = $clog2(NumVcs)
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  // the responder (VC 2)
  input  wire logic              resp_valid_i,
  output logic                   resp_ready_o,
  input  wire logic              resp_head_i,
  input  wire logic              resp_tail_i,
  input  wire logic [FlitW-1:0]  resp_data_i,
  // the host's DMA (VC 0)
  input  wire logic              dma_valid_i,
  output logic                   dma_ready_o,
  input  wire logic              dma_head_i,
  input  wire logic              dma_tail_i,
  input  wire logic [FlitW-1:0]  dma_data_i,
  // the SparseCore's row requests (VC 1)
  input  wire logic              sc_valid_i,
  output logic                   sc_ready_o,
  input  wire logic              sc_head_i,
  input  wire logic              sc_tail_i,
  input  wire logic [FlitW-1:0]  sc_data_i,
  // the router's local input
  output logic                   tx_valid_o,
  output logic                   tx_head_o,
  output logic                   tx_tail_o,
  output logic      [VcW-1:0]    tx_vc_o,
  output logic      [FlitW-1:0]  tx_data_o,
  input  wire logic [NumVcs-1:0] credit_i
);
  localparam logic [VcW-1:0] VcDma = VcW'(0), VcSc = VcW'(1), VcResp = VcW'(2);
  localparam int unsigned CrW = $clog2(BufDepth) + 1;
  logic [NumVcs*CrW-1:0] tx_cred_q;
  logic tx_sc_next_q, cr_resp, cr_dma, cr_sc, send_resp, send_dma, send_sc;
  assign cr_resp = tx_cred_q[32'(VcResp)*CrW +: CrW] != '0;
  assign cr_dma = tx_cred_q[32'(VcDma)*CrW +: CrW] != '0;
  assign cr_sc = tx_cred_q[32'(VcSc)*CrW +: CrW] != '0;
  always_comb begin
    send_resp = resp_valid_i && cr_resp;
    send_dma = !send_resp && dma_valid_i && cr_dma && !(tx_sc_next_q && sc_valid_i && cr_sc);
    send_sc = !send_resp && !send_dma && sc_valid_i && cr_sc;
    tx_valid_o = send_resp || send_dma || send_sc;
    tx_head_o = send_resp ? resp_head_i : send_dma ? dma_head_i : sc_head_i;
    tx_tail_o = send_resp ? resp_tail_i : send_dma ? dma_tail_i : sc_tail_i;
    tx_vc_o = send_resp ? VcResp : send_dma ? VcDma : VcSc;
    tx_data_o = send_resp ? resp_data_i : send_dma ? dma_data_i : sc_data_i;
    resp_ready_o = send_resp;
    dma_ready_o = send_dma;
    sc_ready_o = send_sc;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_sc_next_q <= 1'b0;
      tx_cred_q <= {NumVcs{CrW'(BufDepth)}};
    end else begin
      if (send_dma) tx_sc_next_q <= 1'b1;
      if (send_sc) tx_sc_next_q <= 1'b0;
      for (int v = 0; v < NumVcs; v++) begin
`ifndef SYNTHESIS
        assert (!(credit_i[v] && tx_cred_q[v*CrW +: CrW] == CrW'(BufDepth)))
          else $error("chip_tx_arb: a local input credit of VC %0d came back with all credits home", v);
`endif
        tx_cred_q[v*CrW +: CrW] <= tx_cred_q[v*CrW +: CrW] - CrW'(tx_valid_o && 32'(tx_vc_o) == v) +
                                   CrW'(credit_i[v]);
      end
    end
  end
endmodule

`default_nettype wire
