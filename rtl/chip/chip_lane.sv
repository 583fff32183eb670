// chip_lane: a data lane of the chip: a send engine and a receive path of their own on one of
// the router's local ports, so that the chip drives all six links at once (chip_top has lane 0,
// the full path with the responder and the SparseCore, and Lanes-1 of these). A lane carries
// only the bulk traffic of collectives: write and add packets.
//   send     a chip_dma (jobs from the host: DmaWrite or DmaAdd commands naming this lane) on
//            VC 0 of the lane's local input (chip_tx_arb with only its DMA source: credits);
//   receive  chip_dispatch behind the lane's local output and a write pipeline (chip_rmw) of its
//            own: one word per cycle, written or fp32-added. The router ejects on a data lane
//            only write and add packets (ici_router head_route), so the request and response
//            paths of lane 0 (read requests, row requests, responses) are never needed here; a
//            packet of another type would be taken and dropped, and counted (StBadPkts).
// Memory: its own read port for the DMA, its own read and write port for the write pipeline.
// Clocks: the sender and the receiver each run on a gated clock (clock_gate), enabled while
// they have work or an input that changes their state (a job, a returned credit; a flit, a
// word in the pipeline); idle, they change no state, so the gates change no result. Why: the
// lanes idle through most workloads but the collectives, and the Verilated chip then skips
// them (in silicon the gates save their clock power).
// Timing: chip_dma's, chip_dispatch's and chip_rmw's (a job to its first flit, a flit to its
// word written: the same cycles as on lane 0).
`default_nettype none

module chip_lane #(
  parameter int unsigned NumVcs = 4,    /// router VCs (the lane sends on VC 0)
  parameter int unsigned BufDepth = 8,  /// router input buffer depth: the lane's credits per VC
  parameter int unsigned FlitW = 160,   /// flit data bits
  parameter int unsigned Lanes = 6,     /// the chip's lanes (forwarding between write pipelines)
  localparam int unsigned VcW = $clog2(NumVcs),
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned CW = phext_pkg::CoordW
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_ni,
  input  wire logic [CW-1:0]                   own_i,
  input  wire logic [3*phext_pkg::GlobalW-1:0] own_pos_i,
  // DMA jobs for this lane
  input  wire logic                            job_valid_i,
  output logic                                 job_ready_o,
  input  wire logic [CW-1:0]                   job_dest_i,
  input  wire logic [ici_pkg::HeadTypeW-1:0]   job_type_i,
  input  wire logic [31:0]                     job_tag_i,
  input  wire logic [AW-1:0]                   job_laddr_i,
  input  wire logic [15:0]                     job_len_i,
  // memory: the sender's read port, the write pipeline's read and write ports
  output logic                                 s_rd_en_o,
  output logic      [AW-1:0]                   s_rd_addr_o,
  input  wire logic [W-1:0]                    s_rd_data_i,
  output logic                                 w_rd_en_o,
  output logic      [AW-1:0]                   w_rd_addr_o,
  input  wire logic [W-1:0]                    w_rd_data_i,
  output logic                                 w_wr_en_o,
  output logic      [AW-1:0]                   w_wr_addr_o,
  output logic      [W-1:0]                    w_wr_data_o,
  // the lane's router local input
  output logic                                 tx_valid_o,
  output logic                                 tx_head_o,
  output logic                                 tx_tail_o,
  output logic      [VcW-1:0]                  tx_vc_o,
  output logic      [FlitW-1:0]                tx_data_o,
  input  wire logic [NumVcs-1:0]               tx_credit_i,
  // the lane's router local output
  input  wire logic                            rx_valid_i,
  input  wire logic [VcW-1:0]                  rx_vc_i,
  input  wire logic                            rx_head_i,
  input  wire logic                            rx_tail_i,
  input  wire logic [FlitW-1:0]                rx_data_i,
  output logic      [NumVcs-1:0]               rx_credit_o,
  // the write pipeline's lane interface (chip_rmw: cand_*, block, stage 2, forwarding)
  output logic                                 cand_o,
  output logic      [AW-1:0]                   cand_addr_o,
  input  wire logic                            block_i,
  output logic                                 s2_o,
  output logic      [AW-1:0]                   s2_addr_o,
  output logic      [W-1:0]                    s2_data_o,
  input  wire logic [Lanes-1:0]                fwd_valid_i,
  input  wire logic [Lanes*AW-1:0]             fwd_addr_i,
  input  wire logic [Lanes*W-1:0]              fwd_data_i,
  // counter events of this cycle (chip_regs)
  output logic                                 word_o,
  output logic                                 word_add_o,
  output logic      [3:0]                      word_sem_o,
  output logic      [1:0]                      heads_recv_o,
  output logic      [1:0]                      heads_bad_o,
  output logic                                 send_idle_o,  ///< no job queued or in progress
  output logic                                 idle_o        ///< nothing queued or in flight in the lane
);
  // ---- send ---------------------------------------------------------------------------
  logic f_valid, f_ready, f_head, f_tail, s_idle, unused_resp_ready, unused_sc_ready, s_clk, r_clk;
  logic [FlitW-1:0] f_data;
  // (clocked in reset too: the reset values are taken at a clock edge when reset was low from
  // the start, with no falling edge of rst_ni to trigger them)
  clock_gate u_send_cg (.clk_i, .en_i(!rst_ni || !s_idle || job_valid_i || tx_credit_i != '0), .gclk_o(s_clk));
  chip_dma #(.FlitW(FlitW), .JobDepth(4)) u_dma (
    .clk_i(s_clk), .rst_ni, .own_i, .own_pos_i,
    .job_valid_i, .job_ready_o, .job_dest_i, .job_type_i, .job_tag_i, .job_laddr_i, .job_len_i,
    .rd_en_o(s_rd_en_o), .rd_addr_o(s_rd_addr_o), .rd_data_i(s_rd_data_i),
    .f_valid_o(f_valid), .f_ready_i(f_ready), .f_head_o(f_head), .f_tail_o(f_tail), .f_data_o(f_data),
    .idle_o(s_idle)
  );
  chip_tx_arb #(.NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW)) u_tx (
    .clk_i(s_clk), .rst_ni,
    .resp_valid_i(1'b0), .resp_ready_o(unused_resp_ready), .resp_head_i(1'b0), .resp_tail_i(1'b0),
    .resp_data_i('0),
    .dma_valid_i(f_valid), .dma_ready_o(f_ready), .dma_head_i(f_head), .dma_tail_i(f_tail), .dma_data_i(f_data),
    .sc_valid_i(1'b0), .sc_ready_o(unused_sc_ready), .sc_head_i(1'b0), .sc_tail_i(1'b0), .sc_data_i('0),
    .tx_valid_o, .tx_head_o, .tx_tail_o, .tx_vc_o, .tx_data_o, .credit_i(tx_credit_i)
  );

  // ---- receive ------------------------------------------------------------------------
  logic q_head, wr_req, wr_offer, wr_busy, job, job_read, p_head, p_tail, wr_resp, sc_valid, rx_idle, pw_idle, word_resp;
  logic [FlitW-1:0] q_data, p_data;
  logic [ici_pkg::HeadTypeW-1:0] q_type;
  logic [31:0] q_tag;
  // the receiver: a flit arriving, flits queued, a word in stage 1 or 2 (stage 2 is what other
  // lanes forward from: it must empty before the clock stops)
  clock_gate u_recv_cg (.clk_i, .en_i(!rst_ni || rx_valid_i || !rx_idle || !pw_idle || s2_o), .gclk_o(r_clk));
  chip_dispatch #(.FlitW(FlitW), .Depth(BufDepth)) u_dispatch (
    .clk_i(r_clk), .rst_ni,
    .in_valid_i(rx_valid_i), .in_vc_i(rx_vc_i), .in_head_i(rx_head_i), .in_tail_i(rx_tail_i),
    .in_data_i(rx_data_i), .credit_o(rx_credit_o),
    .req_head_o(q_head), .req_data_o(q_data), .req_type_o(q_type), .req_tag_o(q_tag),
    .wr_req_o(wr_req), .wr_offer_o(wr_offer), .wr_busy_i(wr_busy), .job_o(job), .job_read_o(job_read), .job_ready_i(1'b1),
    .resp_head_o(p_head), .resp_tail_o(p_tail), .resp_data_o(p_data), .wr_resp_o(wr_resp),
    .sc_valid_o(sc_valid), .sc_ready_i(1'b1),
    .heads_recv_o(heads_recv_o), .heads_bad_o(heads_bad_o), .idle_o(rx_idle)
  );
  // only write and add packets reach a data lane: response words are not taken by its pipeline
  chip_rmw #(.FlitW(FlitW), .Lanes(Lanes)) u_rmw (
    .clk_i(r_clk), .rst_ni,
    .req_valid_i(wr_req), .req_head_i(q_head), .req_type_i(q_type), .req_data_i(q_data),
    .resp_valid_i(1'b0), .resp_head_i(1'b0), .resp_data_i('0), .resp_busy_o(wr_busy), .req_offer_i(wr_offer),
    .cand_o, .cand_addr_o, .block_i, .s2_o, .s2_addr_o, .s2_data_o, .fwd_valid_i, .fwd_addr_i, .fwd_data_i,
    .rd_en_o(w_rd_en_o), .rd_addr_o(w_rd_addr_o), .rd_data_i(w_rd_data_i),
    .wr_en_o(w_wr_en_o), .wr_addr_o(w_wr_addr_o), .wr_data_o(w_wr_data_o),
    .word_o, .word_add_o, .word_resp_o(word_resp), .word_sem_o, .idle_o(pw_idle)
  );
`ifndef SYNTHESIS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (rst_ni)
      assert (!(job || wr_resp || sc_valid))
        else $error("chip_lane: a packet other than a write or an add reached a data lane");
  end
`endif

  assign send_idle_o = s_idle;
  assign idle_o = s_idle && rx_idle && pw_idle;
  logic unused;
  // outputs of the shared blocks a data lane has no use for (see above)
  assign unused = ^{unused_resp_ready, unused_sc_ready, job, job_read, p_head, p_tail, p_data, wr_resp, sc_valid,
                    q_tag, word_resp};
endmodule

`default_nettype wire
