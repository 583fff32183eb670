// chip_top: one TPU v4 chip of the scaled pod: the ICI router, an MXU tile (the TensorCore's
// matrix unit), a SparseCore lookup tile, a local memory, the packet engines (the host's DMA
// lanes and the responder), the receive paths, and the configuration registers. The six torus
// ports are the chip's pins (electrical links inside a cube, optical ones through an OCS
// between cubes). This module only wires the blocks; each sub-module's header has its
// behaviour and timing.
//
// Lanes. The router has Lanes local ports (6 by default), so that the chip drives all six links
// at once, as TPU v4 does for its collectives. Lane 0 is the full path (below); lanes 1..5 are
// data lanes (chip_lane: a DMA engine and a write pipeline each) that carry write and add
// packets. A DMA command names its lane (chip_pkg DmaLane); the router ejects a write or add
// packet on the lane of the port it arrived on (ici_router head_route), everything else on
// lane 0. Peak bandwidth, per direction: injection Lanes flits of 16 B per cycle (96 B/cycle:
// six links' worth), ejection Lanes words per cycle, each written or fp32-added into memory
// by its lane's write pipeline (96 B/cycle); the six links carry 6 x 16 B/cycle each way.
//
//   host bus h_* ─► u_regs (chip_regs): address decode, registers, DMA commands, counters
//                     ├─► u_dma (chip_dma) and gen_lane[*].u_lane jobs, u_mxu (mxu_tile)
//                     │   commands and rows, u_sc (sc_lookup) configuration and lookups,
//                     │   router configuration
//                     └─► memory reads and writes
//   memory u_mem (chip_mem), a port per engine: read 0 host, 1 u_dma, 2 u_rmw, 3 u_responder,
//                     4 u_sc_fetch, 5.. two per data lane; write 0 u_results, 1 u_rmw, 2.. one
//                     per data lane
//   send:     u_responder (VC 2) ─┐
//             u_dma       (VC 0) ─┼─► u_tx_arb (chip_tx_arb) ─► router local input 0
//             u_sc requests (VC 1)┘
//             gen_lane[k].u_lane (VC 0) ─► router local input k+1
//   receive:  router local output 0 ─► u_dispatch (chip_dispatch) ─┬─► u_rmw: writes, adds, read data
//                                                                  ├─► u_responder: read, row requests
//                                                                  └─► u_sc: row beats
//             router local output k+1 ─► gen_lane[k].u_lane: writes, adds
//   u_sc row fetches ◄─► u_sc_fetch (chip_sc_fetch);  u_mxu rows, u_sc bags ─► u_results
//   u_idle (chip_idle): idle_o;  u_router (ici_router): the six links and the local lanes
//
// Message classes (docs/blocks/chip.md "Message classes"): requests (write, fp32-add, read
// request, row request) and responses (read data, row beats) have separate VCs in the router
// (NumVcs = 4: requests 0 and 1, responses 2 and 3), separate receive queues and dispatchers
// (chip_dispatch), and separate senders. Nothing on the response path waits for the request
// path: responses are sunk unconditionally (read data by the write pipeline, which gives them
// priority; row beats by the SparseCore, whose response port is always ready), and they are
// sent by their own engine on their own VC, offered first by the send arbiter. A request may
// wait for a response resource (room in the responder's job queue), never the other way round.
// Packet layouts, registers and the address map: chip_pkg.sv. Memory ports: chip_mem.sv.
//
// Link protocol (OCS reconfiguration, rtl/ocs/ocs_switch.sv): link_up_i[p] low holds new
// packets back from link p (the router's out_hold_i); drained_o[p] says nothing of this chip's
// is in flight on link p. Electrical links are always up.
//
// Timing: host writes take effect at the clock edge that takes them; reads answer the next
// cycle. A DMA write of n words leaves as ceil(n/MaxBody) packets, one flit per cycle per lane
// when the router has credits; each receive lane retires one word per cycle.
// idle_o: nothing queued, in flight or held anywhere in the chip (chip_idle).
`default_nettype none

module chip_top #(
  parameter int unsigned NumVcs = 4,      /// router VCs: 4, a pair per message class
  parameter int unsigned BufDepth = 8,    /// router input buffer depth (flits per VC)
  parameter int unsigned FlitW = 160,     /// flit data bits
  parameter int unsigned MemWords = 4096, /// local memory, 128-bit words
  parameter int unsigned MxuN = 4,        /// MXU array size (4..8 here: a row fits a host word)
  parameter int unsigned MxuRows = 64,    /// MXU accumulator rows
  // SparseCore tile parameters (sc_lookup.sv)
  parameter int unsigned ScMaxGroups = 2,
  parameter int unsigned ScSlots = 64,
  parameter int unsigned ScHashSets = 16,
  parameter int unsigned ScHashWays = 4,
  parameter int unsigned ScLookupDepth = 64,
  parameter int unsigned ScFetchDepth = 16,
  parameter int unsigned ScOutstanding = 32,
  parameter int unsigned ScShardEntries = 64,
  parameter int unsigned ReqDepth = 16,   /// queued responder jobs (incoming read and row requests)
  parameter int unsigned Lanes = 6,       /// send and receive lanes (router local ports), 1..6
  localparam int unsigned NL = ici_pkg::NumLinks,
  localparam int unsigned NP = NL + Lanes,
  localparam int unsigned VcW = $clog2(NumVcs),
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned GW = phext_pkg::GlobalW,
  localparam int unsigned CW = phext_pkg::CoordW,
  localparam int unsigned NT = chip_pkg::NumTables
) (
  input  wire logic               clk_i,
  input  wire logic               rst_ni,
  // Host bus
  input  wire logic               h_valid_i,
  output logic                    h_ready_o,
  input  wire logic               h_we_i,
  input  wire logic [31:0]        h_addr_i,
  input  wire logic [W-1:0]       h_wdata_i,
  output logic                    h_rvalid_o,
  output logic      [W-1:0]       h_rdata_o,
  // ICI links, port p (ici_pkg order +X -X +Y -Y +Z -Z) in bits [p*W +: W]
  input  wire logic [NL-1:0]      in_valid_i,
  input  wire logic [NL-1:0]      in_head_i,
  input  wire logic [NL-1:0]      in_tail_i,
  input  wire logic [NL*VcW-1:0]  in_vc_i,
  input  wire logic [NL*FlitW-1:0] in_data_i,
  output logic      [NL*NumVcs-1:0] in_credit_o,
  output logic      [NL-1:0]      out_valid_o,
  output logic      [NL-1:0]      out_head_o,
  output logic      [NL-1:0]      out_tail_o,
  output logic      [NL*VcW-1:0]  out_vc_o,
  output logic      [NL*FlitW-1:0] out_data_o,
  input  wire logic [NL*NumVcs-1:0] out_credit_i,
  input  wire logic [NL-1:0]      link_up_i,
  output logic      [NL-1:0]      drained_o,
  // Status
  output logic                    idle_o
);
  if (MxuN * 32 > 2 * W || MxuN * 16 > W) begin : gen_bad_mxu
    chip_top_MxuN_must_be_at_most_8 u_error();
  end
  if (NumVcs != 4) begin : gen_bad_num_vcs
    chip_top_needs_4_VCs_a_pair_per_message_class u_error();
  end
  if (Lanes < 1 || Lanes > NL) begin : gen_bad_lanes
    chip_top_Lanes_must_be_1_to_6 u_error();
  end

  // ==== router ============================================================================
  logic [NP-1:0] r_in_valid, r_in_head, r_in_tail, r_out_valid, r_out_head, r_out_tail, r_hold, r_idle;
  logic [NP*VcW-1:0] r_in_vc, r_out_vc;
  logic [NP*FlitW-1:0] r_in_data, r_out_data;
  logic [NP*NumVcs-1:0] r_in_credit, r_out_credit;
  logic [31:0] drop_z, drop_shape;
  logic overflow, cfg_ok, cfg_we;
  logic [CW-1:0] own_q, dma_dest_q;
  logic [3*phext_pkg::CubeDimW-1:0] cube_q;
  logic [3*GW-1:0] slice_q, own_pos_q, shift_q;
  logic [2:0] wrap_q;

  // local ports, lane l at router port NL + l: tx (chip -> router), rx (router -> chip)
  logic [Lanes-1:0] tx_valid, tx_head, tx_tail;
  logic [Lanes*VcW-1:0] tx_vc;
  logic [Lanes*FlitW-1:0] tx_data;
  logic [Lanes*NumVcs-1:0] rx_credit;

  assign r_in_valid = {tx_valid, in_valid_i};
  assign r_in_head = {tx_head, in_head_i};
  assign r_in_tail = {tx_tail, in_tail_i};
  assign r_in_vc = {tx_vc, in_vc_i};
  assign r_in_data = {tx_data, in_data_i};
  assign r_out_credit = {rx_credit, out_credit_i};
  assign r_hold = {{Lanes{1'b0}}, ~link_up_i};
  assign in_credit_o = r_in_credit[NL*NumVcs-1:0];
  assign out_valid_o = r_out_valid[NL-1:0];
  assign out_head_o = r_out_head[NL-1:0];
  assign out_tail_o = r_out_tail[NL-1:0];
  assign out_vc_o = r_out_vc[NL*VcW-1:0];
  assign out_data_o = r_out_data[NL*FlitW-1:0];
  assign drained_o = r_idle[NL-1:0];

  ici_router #(.NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW), .NumLocal(Lanes)) u_router (
    .clk_i, .rst_ni,
    .cfg_we_i(cfg_we), .cfg_own_i(own_q), .cfg_cube_i(cube_q), .cfg_slice_i(slice_q), .cfg_wrap_i(wrap_q),
    .cfg_shift_xy_i(shift_q[0 +: GW]), .cfg_shift_xz_i(shift_q[GW +: GW]), .cfg_shift_yz_i(shift_q[2*GW +: GW]),
    .cfg_ok_o(cfg_ok),
    .in_valid_i(r_in_valid), .in_head_i(r_in_head), .in_tail_i(r_in_tail), .in_vc_i(r_in_vc), .in_data_i(r_in_data),
    .in_credit_o(r_in_credit),
    .out_valid_o(r_out_valid), .out_head_o(r_out_head), .out_tail_o(r_out_tail), .out_vc_o(r_out_vc),
    .out_data_o(r_out_data), .out_credit_i(r_out_credit), .out_hold_i(r_hold), .out_idle_o(r_idle),
    .drop_zmismatch_o(drop_z), .drop_out_of_shape_o(drop_shape), .err_overflow_o(overflow)
  );

  // ==== memory: read ports 0 host, 1 DMA, 2 write pipeline, 3 responder, 4 SparseCore fetch,
  // then two per data lane (its sender, its write pipeline); write ports 0 results (host, MXU,
  // SparseCore), 1 write pipeline, then one per data lane =================================
  localparam int unsigned DL = Lanes - 1;  // data lanes (chip_lane)
  localparam int unsigned RdP = 5 + 2 * DL, WrP = 2 + DL;
  logic [RdP-1:0] m_rd_en;
  logic [RdP*AW-1:0] m_rd_addr;
  logic [RdP*W-1:0] m_rd_data;
  logic [WrP-1:0] m_wr_en;
  logic [WrP*AW-1:0] m_wr_addr;
  logic [WrP*W-1:0] m_wr_data;
  chip_mem #(.Words(MemWords), .RdPorts(RdP), .WrPorts(WrP)) u_mem (
    .clk_i, .rd_en_i(m_rd_en), .rd_addr_i(m_rd_addr), .rd_data_o(m_rd_data),
    .wr_en_i(m_wr_en), .wr_addr_i(m_wr_addr), .wr_data_i(m_wr_data)
  );
  logic h_rd_en, d_rd_en, pw_rd_en, rs_rd_en, s_rd_en, res_wr_en, pw_wr_en;
  logic [AW-1:0] d_rd_addr, pw_rd_addr, rs_rd_addr, s_rd_addr, res_wr_addr, pw_wr_addr;
  logic [W-1:0] res_wr_data, pw_wr_data;
  // the data lanes' ports, lane l = k + 1 in slot k
  logic [DL:0] l_srd_en, l_wrd_en, l_wwr_en;    // (one spare slot: DL may be 0)
  logic [(DL+1)*AW-1:0] l_srd_addr, l_wrd_addr, l_wwr_addr;
  logic [(DL+1)*W-1:0] l_wwr_data;
  always_comb begin
    m_rd_en[4:0] = {s_rd_en, rs_rd_en, pw_rd_en, d_rd_en, h_rd_en};
    m_rd_addr[5*AW-1:0] = {s_rd_addr, rs_rd_addr, pw_rd_addr, d_rd_addr, h_addr_i[AW-1:0]};
    m_wr_en[1:0] = {pw_wr_en, res_wr_en};
    m_wr_addr[2*AW-1:0] = {pw_wr_addr, res_wr_addr};
    m_wr_data[2*W-1:0] = {pw_wr_data, res_wr_data};
    for (int k = 0; k < DL; k++) begin
      m_rd_en[5 + 2*k] = l_srd_en[k];
      m_rd_en[6 + 2*k] = l_wrd_en[k];
      m_rd_addr[(5 + 2*k)*AW +: AW] = l_srd_addr[k*AW +: AW];
      m_rd_addr[(6 + 2*k)*AW +: AW] = l_wrd_addr[k*AW +: AW];
      m_wr_en[2 + k] = l_wwr_en[k];
      m_wr_addr[(2 + k)*AW +: AW] = l_wwr_addr[k*AW +: AW];
      m_wr_data[(2 + k)*W +: W] = l_wwr_data[k*W +: W];
    end
  end

  // ==== host bus, registers, counters =====================================================
  logic [NT*AW-1:0] emb_base_q, emb_stride_q;
  logic [AW-1:0] sc_out_base_q, mxu_out_base_q;
  logic [3:0] sc_out_groups_q;
  logic host_wr, regs_idle;
  logic dma_push_valid, dma_push_ready, sc_l_valid, sc_l_ready, sc_cfg_valid;
  logic mxu_cmd_valid, mxu_cmd_ready, mxu_w_valid, mxu_w_ready, mxu_a_valid, mxu_a_ready;
  logic [ici_pkg::HeadTypeW-1:0] dma_type;
  logic [2:0] dma_lane;
  logic [31:0] dma_tag;
  logic [AW-1:0] dma_laddr;
  logic [15:0] dma_len;
  // status and counter events
  logic d_idle, rs_idle, sc_idle, mx_idle, mx_err;
  logic [2:0] sc_err;
  logic pw_valid, pw_add, pw_resp;
  logic [3:0] pw_sem;
  logic [1:0] heads_recv, heads_bad;
  // the data lanes' events (slot k: lane k + 1)
  logic [DL:0] l_word, l_word_add, l_send_idle, l_idle;
  logic [(DL+1)*4-1:0] l_word_sem;
  logic [(DL+1)*2-1:0] l_heads_recv, l_heads_bad;
  logic rj_valid, rj_ready, rj_read;
  chip_regs #(.Lanes(Lanes)) u_regs (
    .clk_i, .rst_ni,
    .h_valid_i, .h_ready_o, .h_we_i, .h_addr_i, .h_wdata_i, .h_rvalid_o, .h_rdata_o,
    .mem_rd_o(h_rd_en), .mem_rd_data_i(m_rd_data[0 +: W]), .mem_wr_o(host_wr),
    .dma_valid_o(dma_push_valid), .dma_ready_i(dma_push_ready), .dma_lane_o(dma_lane), .dma_type_o(dma_type),
    .dma_tag_o(dma_tag),
    .dma_laddr_o(dma_laddr), .dma_len_o(dma_len),
    .sc_cfg_valid_o(sc_cfg_valid), .sc_l_valid_o(sc_l_valid), .sc_l_ready_i(sc_l_ready),
    .mxu_cmd_valid_o(mxu_cmd_valid), .mxu_cmd_ready_i(mxu_cmd_ready), .mxu_w_valid_o(mxu_w_valid),
    .mxu_w_ready_i(mxu_w_ready), .mxu_a_valid_o(mxu_a_valid), .mxu_a_ready_i(mxu_a_ready),
    .cfg_we_o(cfg_we), .own_o(own_q), .own_pos_o(own_pos_q), .cube_o(cube_q), .slice_o(slice_q), .wrap_o(wrap_q),
    .shift_o(shift_q), .dma_dest_o(dma_dest_q), .emb_base_o(emb_base_q), .emb_stride_o(emb_stride_q),
    .sc_out_base_o(sc_out_base_q), .sc_out_groups_o(sc_out_groups_q), .mxu_out_base_o(mxu_out_base_q),
    .idle_o(regs_idle),
    .chip_idle_i(idle_o), .dma_idle_i(d_idle && rs_idle && l_send_idle == '1), .sc_idle_i(sc_idle),
    .mxu_idle_i(mx_idle),
    .cfg_ok_i(cfg_ok), .sc_err_i(sc_err), .mxu_err_i(mx_err), .overflow_i(overflow),
    .drop_z_i(drop_z), .drop_shape_i(drop_shape),
    .word_i(Lanes'({l_word, pw_valid})), .word_add_i(Lanes'({l_word_add, pw_add})), .word_resp_i(pw_resp),
    .word_sem_i((Lanes*4)'({l_word_sem, pw_sem})), .pkt_sent_i(tx_valid & tx_head),
    .heads_recv_i((Lanes*2)'({l_heads_recv, heads_recv})), .heads_bad_i((Lanes*2)'({l_heads_bad, heads_bad})),
    .read_served_i(rj_valid && rj_ready && rj_read), .lookup_served_i(rj_valid && rj_ready && !rj_read)
  );

  // ==== DMA: the host's jobs, sent as requests (VC 0) on the lane the command names ========
  // (a lane the chip does not have: lane 0)
  logic d_f_valid, d_f_ready, d_f_head, d_f_tail;
  logic [FlitW-1:0] d_f_data;
  logic [Lanes-1:0] lane_sel, lane_ready;
  always_comb begin
    lane_sel = '0;
    for (int l = 0; l < Lanes; l++) if (32'(dma_lane) == l) lane_sel[l] = 1'b1;
    if (lane_sel == '0) lane_sel[0] = 1'b1;
  end
  assign dma_push_ready = (lane_sel & lane_ready) != '0;
  chip_dma #(.FlitW(FlitW), .JobDepth(4)) u_dma (
    .clk_i, .rst_ni, .own_i(own_q), .own_pos_i(own_pos_q),
    .job_valid_i(dma_push_valid && lane_sel[0]), .job_ready_o(lane_ready[0]), .job_dest_i(dma_dest_q),
    .job_type_i(dma_type), .job_tag_i(dma_tag), .job_laddr_i(dma_laddr), .job_len_i(dma_len),
    .rd_en_o(d_rd_en), .rd_addr_o(d_rd_addr), .rd_data_i(m_rd_data[1*W +: W]),
    .f_valid_o(d_f_valid), .f_ready_i(d_f_ready), .f_head_o(d_f_head), .f_tail_o(d_f_tail), .f_data_o(d_f_data),
    .idle_o(d_idle)
  );

  // ==== receive: a queue and a dispatcher per message class ================================
  logic q_head, p_head, p_tail, rx_idle, wr_req, wr_offer, wr_resp, wr_busy, sc_rp_valid, sc_rp_ready;
  logic [FlitW-1:0] q_data, p_data;
  logic [ici_pkg::HeadTypeW-1:0] q_type;
  logic [31:0] q_tag;
  chip_dispatch #(.FlitW(FlitW), .Depth(BufDepth)) u_dispatch (
    .clk_i, .rst_ni,
    .in_valid_i(r_out_valid[NL]), .in_vc_i(r_out_vc[NL*VcW +: VcW]), .in_head_i(r_out_head[NL]),
    .in_tail_i(r_out_tail[NL]), .in_data_i(r_out_data[NL*FlitW +: FlitW]), .credit_o(rx_credit[0 +: NumVcs]),
    .req_head_o(q_head), .req_data_o(q_data), .req_type_o(q_type), .req_tag_o(q_tag),
    .wr_req_o(wr_req), .wr_offer_o(wr_offer), .wr_busy_i(wr_busy), .job_o(rj_valid), .job_read_o(rj_read), .job_ready_i(rj_ready),
    .resp_head_o(p_head), .resp_tail_o(p_tail), .resp_data_o(p_data), .wr_resp_o(wr_resp),
    .sc_valid_o(sc_rp_valid), .sc_ready_i(sc_rp_ready),
    .heads_recv_o(heads_recv), .heads_bad_o(heads_bad), .idle_o(rx_idle)
  );

  // ==== write pipelines: the lanes' words offered, their order, their forwarding ===========
  // Lane l's word waits while a lane of higher priority (a lower number) is offered a word for
  // the same address (two pipelines never hold one address in stage 1); every pipeline forwards
  // from every lane's stage 2 (chip_rmw).
  logic [Lanes-1:0] w_cand, w_block, w_s2;
  logic [Lanes*AW-1:0] w_cand_addr, w_s2_addr;
  logic [Lanes*W-1:0] w_s2_data;
  always_comb begin
    w_block = '0;
    for (int l = 1; l < Lanes; l++)
      for (int j = 0; j < l; j++)
        if (w_cand[j] && w_cand_addr[j*AW +: AW] == w_cand_addr[l*AW +: AW]) w_block[l] = 1'b1;
  end

  // ==== write pipeline: writes, adds, read data (memory read port 2, write port 1) =========
  logic pw_idle;
  chip_rmw #(.FlitW(FlitW), .Lanes(Lanes)) u_rmw (
    .clk_i, .rst_ni,
    .req_valid_i(wr_req), .req_head_i(q_head), .req_type_i(q_type), .req_data_i(q_data),
    .resp_valid_i(wr_resp), .resp_head_i(p_head), .resp_data_i(p_data), .resp_busy_o(wr_busy),
    .req_offer_i(wr_offer), .cand_o(w_cand[0]), .cand_addr_o(w_cand_addr[0 +: AW]), .block_i(w_block[0]),
    .s2_o(w_s2[0]), .s2_addr_o(w_s2_addr[0 +: AW]), .s2_data_o(w_s2_data[0 +: W]),
    .fwd_valid_i(w_s2), .fwd_addr_i(w_s2_addr), .fwd_data_i(w_s2_data),
    .rd_en_o(pw_rd_en), .rd_addr_o(pw_rd_addr), .rd_data_i(m_rd_data[2*W +: W]),
    .wr_en_o(pw_wr_en), .wr_addr_o(pw_wr_addr), .wr_data_o(pw_wr_data),
    .word_o(pw_valid), .word_add_o(pw_add), .word_resp_o(pw_resp), .word_sem_o(pw_sem), .idle_o(pw_idle)
  );

  // ==== responder: read and row requests answered (memory read port 3, VC 2) ===============
  logic rs_f_valid, rs_f_ready, rs_f_head, rs_f_tail;
  logic [FlitW-1:0] rs_f_data;
  chip_responder #(.FlitW(FlitW), .JobDepth(ReqDepth)) u_responder (
    .clk_i, .rst_ni, .own_i(own_q), .own_pos_i(own_pos_q), .emb_base_i(emb_base_q), .emb_stride_i(emb_stride_q),
    .job_valid_i(rj_valid), .job_read_i(rj_read), .job_ready_o(rj_ready), .tag_i(q_tag), .data_i(q_data),
    .rd_en_o(rs_rd_en), .rd_addr_o(rs_rd_addr), .rd_data_i(m_rd_data[3*W +: W]),
    .f_valid_o(rs_f_valid), .f_ready_i(rs_f_ready), .f_head_o(rs_f_head), .f_tail_o(rs_f_tail), .f_data_o(rs_f_data),
    .idle_o(rs_idle)
  );

  // ==== SparseCore ========================================================================
  localparam int unsigned ScSlotW = $clog2(ScSlots);
  localparam int unsigned ScGW = $clog2(ScMaxGroups);
  logic sc_mq_valid, sc_mq_ready, sc_mr_valid, sc_mr_ready, sc_mr_last, s_idle;
  logic [ScSlotW-1:0] sc_mq_tag, sc_mr_tag;
  logic [1:0] sc_mq_table;
  logic [31:0] sc_mq_row;
  logic [ScGW-1:0] sc_mq_beat, sc_mr_beat;
  logic [ScGW:0] sc_mq_nbeats;
  logic [sc_pkg::BeatW-1:0] sc_mr_data;
  logic sc_rq_valid, sc_rq_ready, sc_rq_head, sc_rq_tail;
  logic [FlitW-1:0] sc_rq_data;
  logic sc_o_valid, sc_o_ready, sc_o_last;
  logic [sc_pkg::SampleW-1:0] sc_o_sample;
  logic [1:0] sc_o_table;
  logic [ScGW-1:0] sc_o_group;
  logic [sc_pkg::Lanes*32-1:0] sc_o_data;
  logic [sc_pkg::NumStats*32-1:0] sc_stat;

  // The SparseCore's clock, gated like the MXU's: an idle unit without a valid input (a
  // configuration write, a lookup, a row beat from memory, a response from the network) changes
  // no state; its StBusy counter counts only cycles it is not idle.
  logic sc_clk;
  clock_gate u_sc_cg (.clk_i, .en_i(!sc_idle || sc_cfg_valid || sc_l_valid || sc_mr_valid || sc_rp_valid),
                      .gclk_o(sc_clk));
  sc_lookup #(
    .MaxGroups(ScMaxGroups), .Slots(ScSlots), .HashSets(ScHashSets), .HashWays(ScHashWays),
    .LookupDepth(ScLookupDepth), .FetchDepth(ScFetchDepth), .BagDepth(4), .ScaleDepth(4), .ScaleUnits(1),
    .NumTables(4), .ShardEntries(ScShardEntries), .MaxOutstanding(ScOutstanding), .FlitW(FlitW)
  ) u_sc (
    .clk_i(sc_clk), .rst_ni,
    .cfg_valid_i(sc_cfg_valid), .cfg_addr_i(h_addr_i[sc_pkg::CfgAddrW-1:0]), .cfg_data_i(h_wdata_i),
    .l_valid_i(sc_l_valid), .l_ready_o(sc_l_ready), .l_sample_i(h_wdata_i[chip_pkg::LkSampleLsb +: 16]),
    .l_table_i(h_wdata_i[chip_pkg::LkTableLsb +: 2]), .l_id_i(h_wdata_i[chip_pkg::LkIdLsb +: 32]), .l_weight_i(h_wdata_i[chip_pkg::LkWeightLsb +: 32]),
    .l_last_i(h_wdata_i[chip_pkg::LkLast]), .l_empty_i(h_wdata_i[chip_pkg::LkEmpty]), .l_batch_end_i(h_wdata_i[chip_pkg::LkBatchEnd]),
    .mq_valid_o(sc_mq_valid), .mq_ready_i(sc_mq_ready), .mq_tag_o(sc_mq_tag), .mq_table_o(sc_mq_table),
    .mq_row_o(sc_mq_row), .mq_beat_o(sc_mq_beat), .mq_nbeats_o(sc_mq_nbeats),
    .mr_valid_i(sc_mr_valid), .mr_ready_o(sc_mr_ready), .mr_tag_i(sc_mr_tag), .mr_beat_i(sc_mr_beat),
    .mr_last_i(sc_mr_last), .mr_data_i(sc_mr_data),
    .rq_valid_o(sc_rq_valid), .rq_ready_i(sc_rq_ready), .rq_head_o(sc_rq_head), .rq_tail_o(sc_rq_tail),
    .rq_data_o(sc_rq_data),
    .rp_valid_i(sc_rp_valid), .rp_ready_o(sc_rp_ready), .rp_head_i(p_head), .rp_tail_i(p_tail), .rp_data_i(p_data),
    .o_valid_o(sc_o_valid), .o_ready_i(sc_o_ready), .o_sample_o(sc_o_sample), .o_table_o(sc_o_table),
    .o_group_o(sc_o_group), .o_last_o(sc_o_last), .o_data_o(sc_o_data),
    .idle_o(sc_idle), .err_o(sc_err), .stat_o(sc_stat)
  );

  // the SparseCore's row fetches from local memory (memory read port 4)
  chip_sc_fetch #(.Slots(ScSlots), .MaxGroups(ScMaxGroups)) u_sc_fetch (
    .clk_i, .rst_ni, .emb_base_i(emb_base_q), .emb_stride_i(emb_stride_q),
    .mq_valid_i(sc_mq_valid), .mq_ready_o(sc_mq_ready), .mq_tag_i(sc_mq_tag), .mq_table_i(sc_mq_table),
    .mq_row_i(sc_mq_row), .mq_beat_i(sc_mq_beat), .mq_nbeats_i(sc_mq_nbeats),
    .mr_valid_o(sc_mr_valid), .mr_ready_i(sc_mr_ready), .mr_tag_o(sc_mr_tag), .mr_beat_o(sc_mr_beat),
    .mr_last_o(sc_mr_last), .mr_data_o(sc_mr_data),
    .rd_en_o(s_rd_en), .rd_addr_o(s_rd_addr), .rd_data_i(m_rd_data[4*W +: W]), .idle_o(s_idle)
  );

  // ==== MXU ===============================================================================
  localparam int unsigned MxuAW = $clog2(MxuRows);
  logic mx_r_valid, mx_r_ready;
  logic [MxuN*32-1:0] mx_r_data;
  logic [MxuAW-1:0] mx_r_addr;
  // The MXU's clock runs only while it has work or is offered some: an idle MXU without a
  // valid input changes no state (its idle_o contract), so the gate changes no result.
  logic mx_clk;
  clock_gate u_mxu_cg (.clk_i, .en_i(!mx_idle || mxu_cmd_valid || mxu_w_valid || mxu_a_valid), .gclk_o(mx_clk));
  mxu_tile #(.N(MxuN), .AccRows(MxuRows)) u_mxu (
    .clk_i(mx_clk), .rst_ni,
    .cmd_valid_i(mxu_cmd_valid), .cmd_ready_o(mxu_cmd_ready), .cmd_op_i(h_wdata_i[chip_pkg::MxuOpLsb +: 2]),
    .cmd_acc_i(h_wdata_i[chip_pkg::MxuAcc]), .cmd_addr_i(h_wdata_i[chip_pkg::MxuAddrLsb +: MxuAW]),
    .cmd_count_i(h_wdata_i[chip_pkg::MxuCountLsb +: MxuAW + 1]),
    .w_valid_i(mxu_w_valid), .w_ready_o(mxu_w_ready), .w_data_i(h_wdata_i[MxuN*16-1:0]),
    .a_valid_i(mxu_a_valid), .a_ready_o(mxu_a_ready), .a_data_i(h_wdata_i[MxuN*16-1:0]),
    .r_valid_o(mx_r_valid), .r_ready_i(mx_r_ready), .r_data_o(mx_r_data), .r_addr_o(mx_r_addr),
    .idle_o(mx_idle), .err_cmd_o(mx_err)
  );

  // ==== results into memory (write port 0): host first, then MXU rows, then bags ==========
  logic res_idle;
  chip_results #(.MxuN(MxuN), .MxuRows(MxuRows), .ScMaxGroups(ScMaxGroups)) u_results (
    .clk_i, .rst_ni, .host_wr_i(host_wr), .host_addr_i(h_addr_i[AW-1:0]), .host_data_i(h_wdata_i),
    .mxu_out_base_i(mxu_out_base_q), .mx_valid_i(mx_r_valid), .mx_ready_o(mx_r_ready), .mx_data_i(mx_r_data),
    .mx_addr_i(mx_r_addr),
    .sc_out_base_i(sc_out_base_q), .sc_out_groups_i(sc_out_groups_q), .sc_valid_i(sc_o_valid),
    .sc_ready_o(sc_o_ready), .sc_sample_i(sc_o_sample), .sc_group_i(sc_o_group), .sc_data_i(sc_o_data),
    .wr_en_o(res_wr_en), .wr_addr_o(res_wr_addr), .wr_data_o(res_wr_data), .idle_o(res_idle)
  );

  // ==== send: one flit per cycle into the router's local input ===========================
  chip_tx_arb #(.NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW)) u_tx_arb (
    .clk_i, .rst_ni,
    .resp_valid_i(rs_f_valid), .resp_ready_o(rs_f_ready), .resp_head_i(rs_f_head), .resp_tail_i(rs_f_tail),
    .resp_data_i(rs_f_data),
    .dma_valid_i(d_f_valid), .dma_ready_o(d_f_ready), .dma_head_i(d_f_head), .dma_tail_i(d_f_tail),
    .dma_data_i(d_f_data),
    .sc_valid_i(sc_rq_valid), .sc_ready_o(sc_rq_ready), .sc_head_i(sc_rq_head), .sc_tail_i(sc_rq_tail),
    .sc_data_i(sc_rq_data),
    .tx_valid_o(tx_valid[0]), .tx_head_o(tx_head[0]), .tx_tail_o(tx_tail[0]), .tx_vc_o(tx_vc[0 +: VcW]),
    .tx_data_o(tx_data[0 +: FlitW]), .credit_i(r_in_credit[NL*NumVcs +: NumVcs])
  );

  // ==== data lanes 1 .. Lanes-1 (chip_lane): a sender and a receive path each ==============
  for (genvar k = 0; k < DL; k++) begin : gen_lane
    localparam int unsigned P = NL + 1 + k;  // the lane's router port
    chip_lane #(.NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW), .Lanes(Lanes)) u_lane (
      .clk_i, .rst_ni, .own_i(own_q), .own_pos_i(own_pos_q),
      .job_valid_i(dma_push_valid && lane_sel[k + 1]), .job_ready_o(lane_ready[k + 1]), .job_dest_i(dma_dest_q),
      .job_type_i(dma_type), .job_tag_i(dma_tag), .job_laddr_i(dma_laddr), .job_len_i(dma_len),
      .s_rd_en_o(l_srd_en[k]), .s_rd_addr_o(l_srd_addr[k*AW +: AW]), .s_rd_data_i(m_rd_data[(5 + 2*k)*W +: W]),
      .w_rd_en_o(l_wrd_en[k]), .w_rd_addr_o(l_wrd_addr[k*AW +: AW]), .w_rd_data_i(m_rd_data[(6 + 2*k)*W +: W]),
      .w_wr_en_o(l_wwr_en[k]), .w_wr_addr_o(l_wwr_addr[k*AW +: AW]), .w_wr_data_o(l_wwr_data[k*W +: W]),
      .tx_valid_o(tx_valid[k + 1]), .tx_head_o(tx_head[k + 1]), .tx_tail_o(tx_tail[k + 1]),
      .tx_vc_o(tx_vc[(k + 1)*VcW +: VcW]), .tx_data_o(tx_data[(k + 1)*FlitW +: FlitW]),
      .tx_credit_i(r_in_credit[P*NumVcs +: NumVcs]),
      .rx_valid_i(r_out_valid[P]), .rx_vc_i(r_out_vc[P*VcW +: VcW]), .rx_head_i(r_out_head[P]),
      .rx_tail_i(r_out_tail[P]), .rx_data_i(r_out_data[P*FlitW +: FlitW]),
      .rx_credit_o(rx_credit[(k + 1)*NumVcs +: NumVcs]),
      .cand_o(w_cand[k + 1]), .cand_addr_o(w_cand_addr[(k + 1)*AW +: AW]), .block_i(w_block[k + 1]),
      .s2_o(w_s2[k + 1]), .s2_addr_o(w_s2_addr[(k + 1)*AW +: AW]), .s2_data_o(w_s2_data[(k + 1)*W +: W]),
      .fwd_valid_i(w_s2), .fwd_addr_i(w_s2_addr), .fwd_data_i(w_s2_data),
      .word_o(l_word[k]), .word_add_o(l_word_add[k]), .word_sem_o(l_word_sem[k*4 +: 4]),
      .heads_recv_o(l_heads_recv[k*2 +: 2]), .heads_bad_o(l_heads_bad[k*2 +: 2]),
      .send_idle_o(l_send_idle[k]), .idle_o(l_idle[k])
    );
  end
  // the spare slot (DL may be 0): no ports, no events, idle
  assign l_srd_en[DL] = 1'b0;
  assign l_srd_addr[DL*AW +: AW] = '0;
  assign l_wrd_en[DL] = 1'b0;
  assign l_wrd_addr[DL*AW +: AW] = '0;
  assign l_wwr_en[DL] = 1'b0;
  assign l_wwr_addr[DL*AW +: AW] = '0;
  assign l_wwr_data[DL*W +: W] = '0;
  assign l_word[DL] = 1'b0;
  assign l_word_add[DL] = 1'b0;
  assign l_word_sem[DL*4 +: 4] = '0;
  assign l_heads_recv[DL*2 +: 2] = '0;
  assign l_heads_bad[DL*2 +: 2] = '0;
  assign l_send_idle[DL] = 1'b1;
  assign l_idle[DL] = 1'b1;

  // ==== idle ==============================================================================
  chip_idle #(.NumPorts(NP), .NumVcs(NumVcs), .BufDepth(BufDepth), .Units(10)) u_idle (
    .clk_i, .rst_ni, .r_in_valid_i(r_in_valid), .r_in_credit_i(r_in_credit), .r_out_valid_i(r_out_valid),
    .link_valid_i(in_valid_i), .link_credit_i(out_credit_i), .host_valid_i(h_valid_i),
    .units_idle_i({l_idle == '1, rx_idle, pw_idle, d_idle, rs_idle, s_idle, sc_idle, mx_idle, res_idle, regs_idle}),
    .idle_o
  );

  logic unused;
  // outputs the chip does not need: the bag's table and last flag (results land by sample and
  // group), the SparseCore's counters, the local port's idle flag, the host address bits between
  // the region and the word address
  assign unused = ^{sc_o_table, sc_o_last, sc_stat, h_addr_i[27:16], r_idle[NP-1:NL]};
endmodule

`default_nettype wire
