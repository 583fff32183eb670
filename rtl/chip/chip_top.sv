// chip_top: one TPU v4 chip of the scaled pod: the ICI router, an MXU tile (the TensorCore's
// matrix unit), a SparseCore lookup tile, a local memory, two packet engines (the host's DMA
// and the responder), the receive path, and the configuration registers. The six torus ports
// are the chip's pins (electrical links inside a cube, optical ones through an OCS between cubes).
//
//        host bus (h_*)                                   six ICI links (in_*/out_*, credits)
//   regs ─┬─ memory (chip_mem) ─┬─ DMA (chip_dma): host jobs → requests ─────────┐    │
//         │                     ├─ receiver: write / add (fp32) ◄─┐              ├─ tx ─► router ◄─►
//         │                     ├─ responder (chip_dma): read data, rows ◄─ jobs ┤    │
//         │                     ├─ SparseCore local fetch ◄─ sc_lookup ─ requests┘    │
//         │                     └─ results of the MXU and the SparseCore  rx: requests, responses
//         └─ MXU commands/rows, SparseCore configuration and lookups
//
// Message classes (docs/architecture.md "Message classes"): requests (write, fp32-add, read
// request, row request) and responses (read data, row beats) have separate VCs in the router
// (NumVcs = 4: requests 0 and 1, responses 2 and 3), separate receive queues and dispatchers
// (chip_rx), and separate senders. Nothing on the response path waits for the request path:
//   - responses are sunk unconditionally: read data goes into the write pipeline, which gives
//     them priority, row beats into the SparseCore, whose response port is always ready;
//   - responses are sent by their own engine (the responder) on their own VC, and the send
//     arbiter offers a response flit first every cycle;
// a request may wait for a response resource (a read or row request waits for room in the
// responder's job queue), never the other way round.
// Receive path: requests to the write pipeline (PktWrite writes, PktCollective fp32-adds each
// word at the tagged address, one word per cycle), or become responder jobs (PktReadReq: read
// data back to the requester; PktEmbLookup: the row beats from the embedding layout
// base + row*stride + 2*beat); responses to the write pipeline (PktReadData) or the
// SparseCore's response port (PktReadResp). A packet of an unknown type, or of one class on
// the other class's VCs, is dropped and counted (StBadPkts).
// Send path (router local input), one flit per cycle: responder (VC 2) first, then the DMA
// (VC 0) and the SparseCore's requests (VC 1) in turn; each source owns its VC, so packets of
// one VC are never interleaved; credits per VC.
// Packet layouts, registers and the address map: chip_pkg.sv.
//
// Link protocol (OCS reconfiguration, rtl/ocs/ocs_switch.sv): link_up_i[p] low holds new
// packets back from link p (the router's out_hold_i); drained_o[p] says nothing of this chip's
// is in flight on link p. Electrical links are always up.
//
// Timing: host writes take effect at the clock edge that takes them; reads answer the next
// cycle. A DMA write of n words leaves as ceil(n/MaxBody) packets, one flit per cycle when the
// router has credits; the receiver retires one word per cycle.
// idle_o: nothing queued, in flight or held anywhere in the chip, so a cycle without inputs
// changes no state (the pod harness skips clocking idle chips; exact).
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
  localparam int unsigned NP = ici_pkg::NumPorts,
  localparam int unsigned NL = NP - 1,
  localparam int unsigned VcW = $clog2(NumVcs),
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned GW = phext_pkg::GlobalW,
  localparam int unsigned CW = phext_pkg::CoordW
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
  // the send side's VC of each packet source
  localparam logic [VcW-1:0] VcDma = VcW'(0), VcSc = VcW'(1), VcResp = VcW'(2);

  // ==== router ============================================================================
  logic [NP-1:0] r_in_valid, r_in_head, r_in_tail, r_out_valid, r_out_head, r_out_tail, r_hold, r_idle;
  logic [NP*VcW-1:0] r_in_vc, r_out_vc;
  logic [NP*FlitW-1:0] r_in_data, r_out_data;
  logic [NP*NumVcs-1:0] r_in_credit, r_out_credit;
  logic [31:0] drop_z, drop_shape;
  logic overflow, cfg_ok, cfg_we;
  logic [CW-1:0] own_q, dma_dest_q;
  logic [3*phext_pkg::CubeDimW-1:0] cube_q;
  logic [3*GW-1:0] slice_q, own_pos_q;
  logic [2:0] wrap_q;
  logic [3*GW-1:0] shift_q;

  // local port: tx (chip -> router), rx (router -> chip)
  logic tx_valid, tx_head, tx_tail;
  logic [VcW-1:0] tx_vc;
  logic [FlitW-1:0] tx_data;
  logic [NumVcs-1:0] rx_credit;

  assign r_in_valid = {tx_valid, in_valid_i};
  assign r_in_head = {tx_head, in_head_i};
  assign r_in_tail = {tx_tail, in_tail_i};
  assign r_in_vc = {tx_vc, in_vc_i};
  assign r_in_data = {tx_data, in_data_i};
  assign r_out_credit = {rx_credit, out_credit_i};
  assign r_hold = {1'b0, ~link_up_i};
  assign in_credit_o = r_in_credit[NL*NumVcs-1:0];
  assign out_valid_o = r_out_valid[NL-1:0];
  assign out_head_o = r_out_head[NL-1:0];
  assign out_tail_o = r_out_tail[NL-1:0];
  assign out_vc_o = r_out_vc[NL*VcW-1:0];
  assign out_data_o = r_out_data[NL*FlitW-1:0];
  assign drained_o = r_idle[NL-1:0];

  ici_router #(.NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW)) u_router (
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

  // flits inside the router: in through any input, out when their buffer slot is freed
  localparam int unsigned OccW = $clog2(NP * NumVcs * BufDepth + 1) + 1;
  logic [OccW-1:0] occ_q, occ_in, occ_out;
  always_comb begin
    occ_in = '0;
    occ_out = '0;
    for (int p = 0; p < NP; p++) occ_in = occ_in + OccW'(r_in_valid[p]);
    for (int i = 0; i < NP * NumVcs; i++) occ_out = occ_out + OccW'(r_in_credit[i]);
  end

  // ==== memory ============================================================================
  logic [4:0] m_rd_en;
  logic [5*AW-1:0] m_rd_addr;
  logic [5*W-1:0] m_rd_data;
  logic [1:0] m_wr_en;
  logic [2*AW-1:0] m_wr_addr;
  logic [2*W-1:0] m_wr_data;
  chip_mem #(.Words(MemWords)) u_mem (
    .clk_i, .rd_en_i(m_rd_en), .rd_addr_i(m_rd_addr), .rd_data_o(m_rd_data),
    .wr_en_i(m_wr_en), .wr_addr_i(m_wr_addr), .wr_data_i(m_wr_data)
  );

  // ==== registers and host bus ============================================================
  logic [chip_pkg::NumTables*AW-1:0] emb_base_q, emb_stride_q;
  logic [AW-1:0] sc_out_base_q, mxu_out_base_q;
  logic [3:0] sc_out_groups_q;
  logic [chip_pkg::NumStats*32-1:0] stat_q;
  logic [31:0] status;
  logic [3:0] region;
  logic [7:0] reg_a;
  logic host_take, host_rd_q, host_rd_mem_q;
  logic [W-1:0] host_rdata_q;
  // targets
  logic dma_push_valid, dma_push_ready;
  logic sc_l_valid, sc_l_ready, mxu_cmd_valid, mxu_cmd_ready, mxu_w_valid, mxu_w_ready, mxu_a_valid, mxu_a_ready;
  logic sc_cfg_valid;

  assign region = h_addr_i[31:28];
  assign reg_a = h_addr_i[7:0];
  always_comb begin
    h_ready_o = 1'b1;
    if (h_we_i) begin
      case (region)
        chip_pkg::RegionReg: if (reg_a == chip_pkg::RegDmaPush) h_ready_o = dma_push_ready;
        chip_pkg::RegionScLookup: h_ready_o = sc_l_ready;
        chip_pkg::RegionMxu: h_ready_o = h_addr_i[1:0] == 2'd0 ? mxu_cmd_ready : h_addr_i[1:0] == 2'd1 ? mxu_w_ready : mxu_a_ready;
        default: h_ready_o = 1'b1;
      endcase
    end
  end
  assign host_take = h_valid_i && h_ready_o;
  assign dma_push_valid = h_valid_i && h_we_i && region == chip_pkg::RegionReg && reg_a == chip_pkg::RegDmaPush;
  assign sc_l_valid = h_valid_i && h_we_i && region == chip_pkg::RegionScLookup;
  assign sc_cfg_valid = h_valid_i && h_we_i && region == chip_pkg::RegionScCfg;
  assign mxu_cmd_valid = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd0;
  assign mxu_w_valid = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd1;
  assign mxu_a_valid = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd2;
  assign cfg_we = host_take && h_we_i && region == chip_pkg::RegionReg && reg_a == chip_pkg::RegApply;
  assign h_rvalid_o = host_rd_q;
  assign h_rdata_o = host_rd_mem_q ? m_rd_data[0 +: W] : host_rdata_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      own_q <= '0;
      own_pos_q <= '0;
      cube_q <= '0;
      slice_q <= '0;
      wrap_q <= '0;
      shift_q <= '0;
      emb_base_q <= '0;
      emb_stride_q <= '0;
      sc_out_base_q <= '0;
      sc_out_groups_q <= 4'd1;
      mxu_out_base_q <= '0;
      dma_dest_q <= '0;
      host_rd_q <= 1'b0;
      host_rd_mem_q <= 1'b0;
      host_rdata_q <= '0;
    end else begin
      host_rd_q <= host_take && !h_we_i;
      host_rd_mem_q <= region == chip_pkg::RegionMem;
      if (host_take && h_we_i && region == chip_pkg::RegionReg) begin
        case (reg_a)
          chip_pkg::RegOwn: own_q <= h_wdata_i[CW-1:0];
          chip_pkg::RegCube: cube_q <= h_wdata_i[3*phext_pkg::CubeDimW-1:0];
          chip_pkg::RegSlice: slice_q <= h_wdata_i[3*GW-1:0];
          chip_pkg::RegWrap: wrap_q <= h_wdata_i[2:0];
          chip_pkg::RegShift: shift_q <= h_wdata_i[3*GW-1:0];
          chip_pkg::RegOwnPos: own_pos_q <= h_wdata_i[3*GW-1:0];
          chip_pkg::RegScOut: begin
            sc_out_base_q <= h_wdata_i[AW-1:0];
            sc_out_groups_q <= h_wdata_i[19:16];
          end
          chip_pkg::RegMxuOut: mxu_out_base_q <= h_wdata_i[AW-1:0];
          chip_pkg::RegDmaDest: dma_dest_q <= h_wdata_i[CW-1:0];
          default: begin
            for (int t = 0; t < chip_pkg::NumTables; t++) begin
              if (reg_a == chip_pkg::RegEmb + 8'(t)) begin
                emb_base_q[t*AW +: AW] <= h_wdata_i[AW-1:0];
                emb_stride_q[t*AW +: AW] <= h_wdata_i[16 +: AW];
              end
            end
          end
        endcase
      end
      if (host_take && !h_we_i && region == chip_pkg::RegionReg) begin
        host_rdata_q <= '0;
        case (reg_a)
          chip_pkg::RegOwn: host_rdata_q[CW-1:0] <= own_q;
          chip_pkg::RegCube: host_rdata_q[3*phext_pkg::CubeDimW-1:0] <= cube_q;
          chip_pkg::RegSlice: host_rdata_q[3*GW-1:0] <= slice_q;
          chip_pkg::RegWrap: host_rdata_q[2:0] <= wrap_q;
          chip_pkg::RegShift: host_rdata_q[3*GW-1:0] <= shift_q;
          chip_pkg::RegOwnPos: host_rdata_q[3*GW-1:0] <= own_pos_q;
          default: begin
            for (int k = 0; k < chip_pkg::NumStats; k++)
              if (reg_a == chip_pkg::RegStat + 8'(k)) host_rdata_q[31:0] <= stat_q[k*32 +: 32];
          end
        endcase
      end
    end
  end

  // ==== DMA: the host's jobs, sent as requests ============================================
  logic d_rd_en, d_idle, d_f_valid, d_f_ready, d_f_head, d_f_tail;
  logic [AW-1:0] d_rd_addr;
  logic [FlitW-1:0] d_f_data;
  logic [1:0] d_op;
  assign d_op = h_wdata_i[chip_pkg::DmaOpLsb +: 2];
  chip_dma #(.FlitW(FlitW), .JobDepth(4)) u_dma (
    .clk_i, .rst_ni, .own_i(own_q), .own_pos_i(own_pos_q),
    .job_valid_i(dma_push_valid), .job_ready_o(dma_push_ready), .job_dest_i(dma_dest_q),
    .job_type_i(d_op == chip_pkg::DmaRead ? ici_pkg::PktReadReq :
                d_op == chip_pkg::DmaAdd ? ici_pkg::PktCollective : ici_pkg::PktWrite),
    .job_tag_i(dma_tag(h_wdata_i[chip_pkg::DmaSemLsb +: 4], h_wdata_i[chip_pkg::DmaRaddrLsb +: 16])),
    .job_laddr_i(h_wdata_i[chip_pkg::DmaLaddrLsb +: AW]), .job_len_i(h_wdata_i[chip_pkg::DmaLenLsb +: 16]),
    .rd_en_o(d_rd_en), .rd_addr_o(d_rd_addr), .rd_data_i(m_rd_data[1*W +: W]),
    .f_valid_o(d_f_valid), .f_ready_i(d_f_ready), .f_head_o(d_f_head), .f_tail_o(d_f_tail), .f_data_o(d_f_data),
    .idle_o(d_idle)
  );

  // The head tag of a write, add or read request (chip_pkg Tag*): remote word address, semaphore class.
  function automatic logic [31:0] dma_tag(input logic [3:0] sem, input logic [15:0] raddr);
    dma_tag = '0;
    dma_tag[chip_pkg::TagAddrLsb - ici_pkg::HeadTagLsb +: 16] = raddr;
    dma_tag[chip_pkg::TagSemLsb - ici_pkg::HeadTagLsb +: 4] = sem;
  endfunction

  // ==== receive: a queue and a dispatcher per message class ================================
  // Requests (router local output VCs 0, 1) and responses (VCs 2, 3).
  logic q_valid, q_ready, q_head, q_tail, q_idle, p_valid, p_ready, p_head, p_tail, p_idle;
  logic [FlitW-1:0] q_data, p_data;
  logic [ici_pkg::HeadTypeW-1:0] q_type, p_type;
  chip_rx #(.FlitW(FlitW), .Vcs(2), .Depth(BufDepth)) u_rx_req (
    .clk_i, .rst_ni,
    .in_valid_i(r_out_valid[NL] && !r_out_vc[NL*VcW + 1]), .in_vc_i(r_out_vc[NL*VcW]),
    .in_head_i(r_out_head[NL]), .in_tail_i(r_out_tail[NL]), .in_data_i(r_out_data[NL*FlitW +: FlitW]),
    .credit_o(rx_credit[1:0]),
    .f_valid_o(q_valid), .f_ready_i(q_ready), .f_head_o(q_head), .f_tail_o(q_tail), .f_data_o(q_data),
    .f_type_o(q_type), .idle_o(q_idle)
  );
  chip_rx #(.FlitW(FlitW), .Vcs(2), .Depth(BufDepth)) u_rx_resp (
    .clk_i, .rst_ni,
    .in_valid_i(r_out_valid[NL] && r_out_vc[NL*VcW + 1]), .in_vc_i(r_out_vc[NL*VcW]),
    .in_head_i(r_out_head[NL]), .in_tail_i(r_out_tail[NL]), .in_data_i(r_out_data[NL*FlitW +: FlitW]),
    .credit_o(rx_credit[3:2]),
    .f_valid_o(p_valid), .f_ready_i(p_ready), .f_head_o(p_head), .f_tail_o(p_tail), .f_data_o(p_data),
    .f_type_o(p_type), .idle_o(p_idle)
  );
  // what each class's packet is (a type of the other class on these VCs counts as unknown)
  localparam logic [1:0] KWrite = 2'd0, KReadReq = 2'd1, KLookup = 2'd2, KBad = 2'd3; // requests
  localparam logic [1:0] KData = 2'd0, KScResp = 2'd1;                                 // responses
  logic [1:0] q_kind, p_kind;
  always_comb begin
    case (q_type)
      ici_pkg::PktWrite, ici_pkg::PktCollective: q_kind = KWrite;
      ici_pkg::PktReadReq: q_kind = KReadReq;
      ici_pkg::PktEmbLookup: q_kind = KLookup;
      default: q_kind = KBad;
    endcase
    case (p_type)
      ici_pkg::PktReadData: p_kind = KData;
      ici_pkg::PktReadResp: p_kind = KScResp;
      default: p_kind = KBad;
    endcase
  end
  logic q_take, p_take;
  assign q_take = q_valid && q_ready;
  assign p_take = p_valid && p_ready;

  // ---- write pipeline (memory read port 2, write port 1), shared by the two classes -------
  // A word of a response (read data) goes in whenever one is offered; a request's word when no
  // response word is. Each class keeps its packet's address, mode and semaphore class.
  // Stage 0 (the flit is taken) reads the old word; stage 1 adds and writes it at the end of
  // the next cycle. The two classes' words interleave, so the word written by stage 1 in one
  // cycle is forwarded to the next word if that reads the same address (the memory returns the
  // old value for a read in the cycle of the write).
  logic p_word, q_word, pw_valid, pw_add, pw_resp;
  logic [3:0] pw_sem;
  logic [AW-1:0] pw_addr;
  logic q_add_q;
  logic [3:0] q_sem_q, p_sem_q;
  logic [AW-1:0] q_addr_q, p_addr_q;
  logic s1_q, s1_add_q, s2_q;
  logic [AW-1:0] s1_addr_q, s2_addr_q;
  logic [W-1:0] s1_data_q, s1_word, s2_data_q, s1_old, s1_sum;
  assign p_word = p_valid && p_kind == KData && !p_head;
  assign q_word = q_take && q_kind == KWrite && !q_head;
  assign pw_valid = p_word || q_word;
  assign pw_addr = p_word ? p_addr_q : q_addr_q;
  assign pw_add = !p_word && q_add_q;
  assign pw_sem = p_word ? p_sem_q : q_sem_q;
  assign pw_resp = p_word;
  assign s1_old = s2_q && s2_addr_q == s1_addr_q ? s2_data_q : m_rd_data[2*W +: W];
  for (genvar l = 0; l < W / 32; l++) begin : gen_add
    fp32_add u_add (.a_i(s1_old[l*32 +: 32]), .b_i(s1_data_q[l*32 +: 32]), .s_o(s1_sum[l*32 +: 32]));
  end
  assign s1_word = s1_add_q ? s1_sum : s1_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_add_q <= 1'b0;
      q_sem_q <= '0;
      q_addr_q <= '0;
      p_sem_q <= '0;
      p_addr_q <= '0;
      s1_q <= 1'b0;
      s1_add_q <= 1'b0;
      s1_addr_q <= '0;
      s1_data_q <= '0;
      s2_q <= 1'b0;
      s2_addr_q <= '0;
      s2_data_q <= '0;
    end else begin
      if (q_take && q_kind == KWrite && q_head) begin
        q_add_q <= q_type == ici_pkg::PktCollective;
        q_sem_q <= q_data[chip_pkg::TagSemLsb +: 4];
        q_addr_q <= q_data[chip_pkg::TagAddrLsb +: AW];
      end
      if (q_word) q_addr_q <= q_addr_q + 1'b1;
      if (p_take && p_kind == KData && p_head) begin
        p_sem_q <= p_data[chip_pkg::TagSemLsb +: 4];
        p_addr_q <= p_data[chip_pkg::TagAddrLsb +: AW];
      end
      if (p_word) p_addr_q <= p_addr_q + 1'b1;
      s1_q <= pw_valid;
      s1_add_q <= pw_add;
      s1_addr_q <= pw_addr;
      s1_data_q <= p_word ? p_data[W-1:0] : q_data[W-1:0];
      s2_q <= s1_q;
      s2_addr_q <= s1_addr_q;
      s2_data_q <= s1_word;
    end
  end

  // ---- responder: read requests and row requests become response jobs (memory read port 3)
  // A read request's head tag holds the word address to read here and the semaphore class of
  // the answer; its body the reply-to coordinate, the reply address and the length (Rr*). A row
  // request's head tag (echoed in the answer) holds the first beat and the beat count; its body
  // the reply-to coordinate, the local row and the table (sc_pkg Req*).
  logic [31:0] q_tag_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) q_tag_q <= '0;
    else if (q_take && q_head) q_tag_q <= q_data[ici_pkg::HeadTagLsb +: 32];
  end
  logic rj_valid, rj_ready, rj_read, rs_rd_en, rs_idle, rs_f_valid, rs_f_ready, rs_f_head, rs_f_tail;
  logic [CW-1:0] rj_dest;
  logic [AW-1:0] rj_laddr, rs_rd_addr;
  logic [15:0] rj_len;
  logic [31:0] rj_tag;
  logic [FlitW-1:0] rs_f_data;
  logic [1:0] lk_table;
  logic [7:0] lk_beat, lk_nbeats;
  assign rj_read = q_kind == KReadReq;
  assign rj_valid = q_take && !q_head && (q_kind == KReadReq || q_kind == KLookup);
  assign lk_table = q_data[sc_pkg::ReqTableLsb +: 2];
  assign lk_beat = q_tag_q[sc_pkg::TagBeatLsb - ici_pkg::HeadTagLsb +: 8];
  assign lk_nbeats = q_tag_q[sc_pkg::TagNBeatsLsb - ici_pkg::HeadTagLsb +: 8];
  always_comb begin
    if (rj_read) begin
      rj_dest = q_data[chip_pkg::RrReplyLsb +: CW];
      rj_tag = dma_tag(q_tag_q[chip_pkg::TagSemLsb - ici_pkg::HeadTagLsb +: 4], q_data[chip_pkg::RrAddrLsb +: 16]);
      rj_laddr = q_tag_q[chip_pkg::TagAddrLsb - ici_pkg::HeadTagLsb +: AW];
      rj_len = q_data[chip_pkg::RrLenLsb +: 16];
    end else begin
      rj_dest = q_data[sc_pkg::ReqReplyLsb +: CW];
      rj_tag = q_tag_q;
      rj_laddr = emb_base_q[32'(lk_table)*AW +: AW] +
                 AW'(q_data[sc_pkg::ReqRowLsb +: 32] * 32'(emb_stride_q[32'(lk_table)*AW +: AW])) + AW'({lk_beat, 1'b0});
      rj_len = 16'({lk_nbeats, 1'b0});
    end
  end
  chip_dma #(.FlitW(FlitW), .JobDepth(ReqDepth)) u_responder (
    .clk_i, .rst_ni, .own_i(own_q), .own_pos_i(own_pos_q),
    .job_valid_i(rj_valid), .job_ready_o(rj_ready), .job_dest_i(rj_dest),
    .job_type_i(rj_read ? ici_pkg::PktReadData : ici_pkg::PktReadResp), .job_tag_i(rj_tag), .job_laddr_i(rj_laddr),
    .job_len_i(rj_len),
    .rd_en_o(rs_rd_en), .rd_addr_o(rs_rd_addr), .rd_data_i(m_rd_data[3*W +: W]),
    .f_valid_o(rs_f_valid), .f_ready_i(rs_f_ready), .f_head_o(rs_f_head), .f_tail_o(rs_f_tail), .f_data_o(rs_f_data),
    .idle_o(rs_idle)
  );
`ifndef SYNTHESIS
  // a row request asks for 1..MaxBody/2 beats: its answer is one packet, whose tag (the slot)
  // goes back unchanged (chip_dma adds to the low tag bits only from a job's second packet on)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else if (rj_valid && !rj_read) begin
      assert (lk_nbeats != '0 && 32'(lk_nbeats) * 2 <= chip_pkg::MaxBody)
        else $error("chip_top: a row request for %0d beats", lk_nbeats);
    end
  end
`endif

  // ==== SparseCore ========================================================================
  localparam int unsigned ScSlotW = $clog2(ScSlots);
  localparam int unsigned ScGW = $clog2(ScMaxGroups);
  logic sc_mq_valid, sc_mq_ready, sc_mr_valid, sc_mr_ready, sc_mr_last;
  logic [ScSlotW-1:0] sc_mq_tag, sc_mr_tag;
  logic [1:0] sc_mq_table;
  logic [31:0] sc_mq_row;
  logic [ScGW-1:0] sc_mq_beat, sc_mr_beat;
  logic [ScGW:0] sc_mq_nbeats;
  logic [sc_pkg::BeatW-1:0] sc_mr_data;
  logic sc_rq_valid, sc_rq_ready, sc_rq_head, sc_rq_tail, sc_rp_ready;
  logic [FlitW-1:0] sc_rq_data;
  logic sc_o_valid, sc_o_ready, sc_o_last, sc_idle;
  logic [sc_pkg::SampleW-1:0] sc_o_sample;
  logic [1:0] sc_o_table;
  logic [ScGW-1:0] sc_o_group;
  logic [sc_pkg::Lanes*32-1:0] sc_o_data;
  logic [2:0] sc_err;
  logic [sc_pkg::NumStats*32-1:0] sc_stat;

  sc_lookup #(
    .MaxGroups(ScMaxGroups), .Slots(ScSlots), .HashSets(ScHashSets), .HashWays(ScHashWays),
    .LookupDepth(ScLookupDepth), .FetchDepth(ScFetchDepth), .BagDepth(4), .ScaleDepth(4), .ScaleUnits(1),
    .NumTables(4), .ShardEntries(ScShardEntries), .MaxOutstanding(ScOutstanding), .FlitW(FlitW)
  ) u_sc (
    .clk_i, .rst_ni,
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
    .rp_valid_i(p_valid && p_kind == KScResp), .rp_ready_o(sc_rp_ready), .rp_head_i(p_head), .rp_tail_i(p_tail),
    .rp_data_i(p_data),
    .o_valid_o(sc_o_valid), .o_ready_i(sc_o_ready), .o_sample_o(sc_o_sample), .o_table_o(sc_o_table),
    .o_group_o(sc_o_group), .o_last_o(sc_o_last), .o_data_o(sc_o_data),
    .idle_o(sc_idle), .err_o(sc_err), .stat_o(sc_stat)
  );

  // dispatcher readiness by consumer: a response never waits for a request; a request waits
  // for the write pipeline while a response word uses it, and for room in the responder's queue
  always_comb begin
    case (p_kind)
      KScResp: p_ready = sc_rp_ready;
      default: p_ready = 1'b1; // read data: the write pipeline; unknown: dropped
    endcase
    case (q_kind)
      KWrite: q_ready = q_head || !p_word;
      KReadReq, KLookup: q_ready = q_head || rj_ready;
      default: q_ready = 1'b1;
    endcase
  end

  // ---- SparseCore local fetch (memory read port 4): one request's beats at a time queued ---
  // pending requests: {tag, first beat, beats}
  localparam int unsigned SqW = ScSlotW + ScGW + ScGW + 1;
  logic sq_empty, sq_full, s_rd_start_ready, s_rd_en, s_rd_idle, s_w_valid, s_w_ready, s_half_q;
  logic [SqW-1:0] sq;
  logic [ScSlotW-1:0] sq_tag;
  logic [ScGW-1:0] sq_beat, s_beat_q;
  logic [ScGW:0] sq_nbeats;
  logic [AW-1:0] s_rd_addr, sq_addr;
  logic [W-1:0] s_w_data, s_lo_q;
  assign sq_addr = emb_base_q[32'(sc_mq_table)*AW +: AW] +
                   AW'(sc_mq_row * 32'(emb_stride_q[32'(sc_mq_table)*AW +: AW])) + AW'({sc_mq_beat, 1'b0});
  assign sc_mq_ready = s_rd_start_ready && !sq_full;
  sc_fifo #(.Width(SqW), .Depth(4)) u_scq (
    .clk_i, .rst_ni, .push_i(sc_mq_valid && sc_mq_ready), .data_i({sc_mq_tag, sc_mq_beat, sc_mq_nbeats}),
    .pop_i(sc_mr_valid && sc_mr_ready && sc_mr_last), .data_o(sq), .empty_o(sq_empty), .full_o(sq_full)
  );
  assign {sq_tag, sq_beat, sq_nbeats} = sq;
  chip_reader u_sc_reader (
    .clk_i, .rst_ni, .start_valid_i(sc_mq_valid && sc_mq_ready), .start_ready_o(s_rd_start_ready),
    .start_addr_i(sq_addr), .start_count_i(16'({sc_mq_nbeats, 1'b0})),
    .rd_en_o(s_rd_en), .rd_addr_o(s_rd_addr), .rd_data_i(m_rd_data[4*W +: W]),
    .w_valid_o(s_w_valid), .w_ready_i(s_w_ready), .w_data_o(s_w_data), .idle_o(s_rd_idle)
  );
  // two words make a beat: the low word waits in s_lo_q
  assign sc_mr_valid = s_w_valid && s_half_q && !sq_empty;
  assign sc_mr_tag = sq_tag;
  assign sc_mr_beat = sq_beat + s_beat_q;
  assign sc_mr_last = {1'b0, s_beat_q} + 1'b1 == sq_nbeats;
  assign sc_mr_data = {s_w_data, s_lo_q};
  assign s_w_ready = !s_half_q || sc_mr_ready;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s_half_q <= 1'b0;
      s_beat_q <= '0;
      s_lo_q <= '0;
    end else if (s_w_valid && s_w_ready) begin
      if (!s_half_q) begin
        s_lo_q <= s_w_data;
        s_half_q <= 1'b1;
      end else begin
        s_half_q <= 1'b0;
        s_beat_q <= sc_mr_last ? '0 : s_beat_q + 1'b1;
      end
    end
  end

  // ==== MXU ===============================================================================
  localparam int unsigned MxuAW = $clog2(MxuRows);
  logic mx_r_valid, mx_r_ready, mx_idle, mx_err;
  logic [MxuN*32-1:0] mx_r_data;
  logic [MxuAW-1:0] mx_r_addr;
  mxu_tile #(.N(MxuN), .AccRows(MxuRows)) u_mxu (
    .clk_i, .rst_ni,
    .cmd_valid_i(mxu_cmd_valid), .cmd_ready_o(mxu_cmd_ready), .cmd_op_i(h_wdata_i[chip_pkg::MxuOpLsb +: 2]),
    .cmd_acc_i(h_wdata_i[chip_pkg::MxuAcc]), .cmd_addr_i(h_wdata_i[chip_pkg::MxuAddrLsb +: MxuAW]),
    .cmd_count_i(h_wdata_i[chip_pkg::MxuCountLsb +: MxuAW + 1]),
    .w_valid_i(mxu_w_valid), .w_ready_o(mxu_w_ready), .w_data_i(h_wdata_i[MxuN*16-1:0]),
    .a_valid_i(mxu_a_valid), .a_ready_o(mxu_a_ready), .a_data_i(h_wdata_i[MxuN*16-1:0]),
    .r_valid_o(mx_r_valid), .r_ready_i(mx_r_ready), .r_data_o(mx_r_data), .r_addr_o(mx_r_addr),
    .idle_o(mx_idle), .err_cmd_o(mx_err)
  );

  // ==== result writers on memory write port 0: host first, then MXU rows, then bags ========
  // An MXU row of MxuN fp32 is MxuN/4 words (1 or 2); a SparseCore beat of 8 fp32 is 2 words.
  localparam int unsigned MxWords = (MxuN * 32 + W - 1) / W;
  logic host_wr, mx_half_q, sc_half_q, w0_mx, w0_sc;
  logic [2*W-1:0] mx_row, sc_row;
  assign host_wr = host_take && h_we_i && region == chip_pkg::RegionMem;
  assign mx_row = (2 * W)'(mx_r_data);
  assign sc_row = sc_o_data;
  assign w0_mx = !host_wr && mx_r_valid;
  assign w0_sc = !host_wr && !mx_r_valid && sc_o_valid;
  assign mx_r_ready = w0_mx && (MxWords == 1 || mx_half_q);
  assign sc_o_ready = w0_sc && sc_half_q;
  always_comb begin
    m_wr_en[0] = host_wr || w0_mx || w0_sc;
    m_wr_addr[0 +: AW] = h_addr_i[AW-1:0];
    m_wr_data[0 +: W] = h_wdata_i;
    if (w0_mx) begin
      m_wr_addr[0 +: AW] = mxu_out_base_q + AW'(32'(mx_r_addr) * MxWords) + AW'(mx_half_q);
      m_wr_data[0 +: W] = mx_half_q ? mx_row[W +: W] : mx_row[0 +: W];
    end else if (w0_sc) begin
      m_wr_addr[0 +: AW] = sc_out_base_q + AW'((32'(sc_o_sample) * 32'(sc_out_groups_q) + 32'(sc_o_group)) * 2) +
                           AW'(sc_half_q);
      m_wr_data[0 +: W] = sc_half_q ? sc_row[W +: W] : sc_row[0 +: W];
    end
    m_wr_en[1] = s1_q;
    m_wr_addr[AW +: AW] = s1_addr_q;
    m_wr_data[W +: W] = s1_word;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mx_half_q <= 1'b0;
      sc_half_q <= 1'b0;
    end else begin
      if (w0_mx && MxWords > 1) mx_half_q <= !mx_half_q;
      if (w0_sc) sc_half_q <= !sc_half_q;
    end
  end

  assign m_rd_en = {s_rd_en, rs_rd_en, pw_valid, d_rd_en, host_take && !h_we_i && region == chip_pkg::RegionMem};
  assign m_rd_addr = {s_rd_addr, rs_rd_addr, pw_addr, d_rd_addr, h_addr_i[AW-1:0]};

  // ==== send: one flit per cycle into the router's local input ===========================
  // The responder first (a response never waits for a request), then the DMA and the
  // SparseCore's requests in turn. Every source has its own VC, so flits of different sources
  // may interleave while the packets of each VC stay whole.
  localparam int unsigned CrW = $clog2(BufDepth) + 1;
  logic [NumVcs*CrW-1:0] tx_cred_q;
  logic tx_sc_next_q, cr_resp, cr_dma, cr_sc, send_resp, send_dma, send_sc;
  assign cr_resp = tx_cred_q[32'(VcResp)*CrW +: CrW] != '0;
  assign cr_dma = tx_cred_q[32'(VcDma)*CrW +: CrW] != '0;
  assign cr_sc = tx_cred_q[32'(VcSc)*CrW +: CrW] != '0;
  always_comb begin
    send_resp = rs_f_valid && cr_resp;
    send_dma = !send_resp && d_f_valid && cr_dma && !(tx_sc_next_q && sc_rq_valid && cr_sc);
    send_sc = !send_resp && !send_dma && sc_rq_valid && cr_sc;
    tx_valid = send_resp || send_dma || send_sc;
    tx_head = send_resp ? rs_f_head : send_dma ? d_f_head : sc_rq_head;
    tx_tail = send_resp ? rs_f_tail : send_dma ? d_f_tail : sc_rq_tail;
    tx_vc = send_resp ? VcResp : send_dma ? VcDma : VcSc;
    tx_data = send_resp ? rs_f_data : send_dma ? d_f_data : sc_rq_data;
    rs_f_ready = send_resp;
    d_f_ready = send_dma;
    sc_rq_ready = send_sc;
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
        assert (!(r_in_credit[NL*NumVcs + v] && tx_cred_q[v*CrW +: CrW] == CrW'(BufDepth)))
          else $error("chip_top: a local input credit of VC %0d came back with all credits home", v);
`endif
        tx_cred_q[v*CrW +: CrW] <= tx_cred_q[v*CrW +: CrW] - CrW'(tx_valid && 32'(tx_vc) == v) +
                                   CrW'(r_in_credit[NL*NumVcs + v]);
      end
    end
  end

  // ==== counters, status, idle ============================================================
  logic rx_idle, dma_idle;
  // (s2_q, the forwarding register, may stay set in an idle chip: it is read only in a cycle whose
  // s1_q is set, and that needs a clocked cycle first, which clears it)
  assign rx_idle = q_idle && p_idle && !s1_q;
  assign dma_idle = d_idle && rs_idle;
  always_comb begin
    status = '0;
    status[chip_pkg::SbIdle] = idle_o;
    status[chip_pkg::SbDmaIdle] = dma_idle;
    status[chip_pkg::SbScIdle] = sc_idle;
    status[chip_pkg::SbMxuIdle] = mx_idle;
    status[chip_pkg::SbCfgOk] = cfg_ok;
    status[chip_pkg::SbScErr +: 3] = sc_err;
    status[chip_pkg::SbMxuErr] = mx_err;
    status[chip_pkg::SbOverflow] = overflow;
  end
  assign idle_o = occ_q == '0 && r_out_valid == '0 && r_in_credit == '0 && out_credit_i == '0 && in_valid_i == '0 &&
                  rx_idle && dma_idle && sq_empty && s_rd_idle && !s_half_q && sc_idle && mx_idle && !mx_half_q &&
                  !sc_half_q && !h_valid_i && !host_rd_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      occ_q <= '0;
      stat_q <= '0;
    end else begin
      occ_q <= occ_q + occ_in - occ_out;
      if (pw_valid && !pw_add) stat_q[chip_pkg::StWordsWritten*32 +: 32] <= stat_q[chip_pkg::StWordsWritten*32 +: 32] + 1;
      if (pw_valid && pw_add) stat_q[chip_pkg::StWordsAdded*32 +: 32] <= stat_q[chip_pkg::StWordsAdded*32 +: 32] + 1;
      if (pw_resp) stat_q[chip_pkg::StRespWords*32 +: 32] <= stat_q[chip_pkg::StRespWords*32 +: 32] + 1;
      if (tx_valid && tx_head) stat_q[chip_pkg::StPktsSent*32 +: 32] <= stat_q[chip_pkg::StPktsSent*32 +: 32] + 1;
      // both classes may take a head in the same cycle
      if ((q_take && q_head) || (p_take && p_head))
        stat_q[chip_pkg::StPktsRecv*32 +: 32] <= stat_q[chip_pkg::StPktsRecv*32 +: 32] + 32'(q_take && q_head) +
                                                  32'(p_take && p_head);
      if (rj_valid && rj_ready && !rj_read)
        stat_q[chip_pkg::StLookupsServed*32 +: 32] <= stat_q[chip_pkg::StLookupsServed*32 +: 32] + 1;
      if (rj_valid && rj_ready && rj_read)
        stat_q[chip_pkg::StReadsServed*32 +: 32] <= stat_q[chip_pkg::StReadsServed*32 +: 32] + 1;
      if ((q_take && q_head && q_kind == KBad) || (p_take && p_head && p_kind == KBad))
        stat_q[chip_pkg::StBadPkts*32 +: 32] <= stat_q[chip_pkg::StBadPkts*32 +: 32] + 32'(q_take && q_head && q_kind == KBad) +
                                                 32'(p_take && p_head && p_kind == KBad);
      for (int k = 0; k < 2 * chip_pkg::NumSems; k++)
        if (pw_valid && k == 32'({pw_add, pw_sem}))
          stat_q[(chip_pkg::StSem + k)*32 +: 32] <= stat_q[(chip_pkg::StSem + k)*32 +: 32] + 1;
      stat_q[chip_pkg::StStatus*32 +: 32] <= status;
      stat_q[chip_pkg::StDropZ*32 +: 32] <= drop_z;
      stat_q[chip_pkg::StDropShape*32 +: 32] <= drop_shape;
    end
  end

`ifndef SYNTHESIS
  // The simulation backdoor: the pod harness polls counters (semaphores) without the host bus
  // (C++ calls it after svSetScope on this instance's scope, <model name>.chip_top).
  export "DPI-C" function chip_stat_peek;
  function automatic int unsigned chip_stat_peek(input int unsigned k);
    return stat_q[k*32 +: 32];
  endfunction
`endif

  logic unused;
  // outputs the chip does not need: the bag's table and last flag (results land by sample and
  // group), the SparseCore's counters, the local port's idle flag, the host address bits between
  // the region and the word address, the request queue's tail flag (jobs are taken per body flit)
  assign unused = ^{sc_o_table, sc_o_last, sc_stat, h_addr_i[27:16], r_idle[NL], q_tail};
endmodule

`default_nettype wire
