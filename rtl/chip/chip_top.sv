// chip_top: one TPU v4 chip of the scaled pod: the ICI router, an MXU tile (the TensorCore's
// matrix unit), a SparseCore lookup tile, a local memory, a host/DMA engine that sends and
// receives packets, and the configuration registers. The six torus ports are the chip's pins
// (electrical links inside a cube, optical ones through an OCS between cubes).
//
//        host bus (h_*)                                   six ICI links (in_*/out_*, credits)
//   regs ─┬─ memory (chip_mem) ─┬─ DMA: commands → reader → packetizer ─┐       │
//         │                     ├─ receiver: write / add (fp32) ◄──┐    ├─ tx ─► router ◄─►
//         │                     ├─ responder: row requests → reader ─┤──┘        │
//         │                     ├─ SparseCore local fetch ◄─ sc_lookup ─ requests┘
//         │                     └─ results of the MXU and the SparseCore
//         └─ MXU commands/rows, SparseCore configuration and lookups
//
// Receive path (router local output): one FIFO per VC (BufDepth flits, credits back to the
// router as flits leave), and a dispatcher that takes one whole packet at a time from one VC
// (per-VC reassembly: packets reach their consumer unmixed) and hands it by type to:
//   PktWrite / PktCollective  the receiver writes or fp32-adds each word at the tagged address
//                             (a two-stage read-add-write pipeline, 1 word/cycle);
//   PktReadReq                a DMA job that writes the asked words back (read response);
//   PktEmbLookup              the lookup responder, which answers with the row beats;
//   PktReadResp               the SparseCore's response port.
// Send path (router local input): three packet sources, whole packets, responses first:
// lookup responses (VC 1), DMA packets (VC 0), SparseCore requests (VC 0); credits per VC.
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
  parameter int unsigned NumVcs = 2,      /// router VCs (2 or 4)
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
  parameter int unsigned ReqDepth = 16,   /// queued incoming row requests, and DMA jobs
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
  logic [NumVcs-1:0] rx_pop_vc;

  assign r_in_valid = {tx_valid, in_valid_i};
  assign r_in_head = {tx_head, in_head_i};
  assign r_in_tail = {tx_tail, in_tail_i};
  assign r_in_vc = {tx_vc, in_vc_i};
  assign r_in_data = {tx_data, in_data_i};
  assign r_out_credit = {rx_pop_vc, out_credit_i};
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
  logic [chip_pkg::NumStats*32-1:0] stat_q /*verilator public*/; // public: the pod harness polls semaphores
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

  // ==== DMA: jobs from the host and from read requests, split into packets ===============
  // job: {dest, op, resp, laddr, raddr, len}
  localparam int unsigned JobW = CW + 2 + 4 + 1 + 3 * 16;
  logic [JobW-1:0] hjob, ijob, job;
  logic hjob_empty, hjob_full, ijob_empty, ijob_full, ijob_push, hjob_pop, ijob_pop;
  logic [JobW-1:0] ijob_in;
  sc_fifo #(.Width(JobW), .Depth(4)) u_hjobs (
    .clk_i, .rst_ni, .push_i(dma_push_valid && !hjob_full),
    .data_i({dma_dest_q, h_wdata_i[chip_pkg::DmaOpLsb +: 2], h_wdata_i[chip_pkg::DmaSemLsb +: 4], 1'b0, h_wdata_i[chip_pkg::DmaLaddrLsb +: 16], h_wdata_i[chip_pkg::DmaRaddrLsb +: 16],
             h_wdata_i[chip_pkg::DmaLenLsb +: 16]}),
    .pop_i(hjob_pop), .data_o(hjob), .empty_o(hjob_empty), .full_o(hjob_full)
  );
  assign dma_push_ready = !hjob_full;
  sc_fifo #(.Width(JobW), .Depth(ReqDepth)) u_ijobs (
    .clk_i, .rst_ni, .push_i(ijob_push), .data_i(ijob_in), .pop_i(ijob_pop), .data_o(ijob), .empty_o(ijob_empty),
    .full_o(ijob_full)
  );

  logic [CW-1:0] j_dest;
  logic [1:0] j_op;
  logic [3:0] j_sem;
  logic j_resp;
  logic [15:0] j_laddr, j_raddr, j_len;
  logic j_valid, j_from_i;
  assign j_from_i = !ijob_empty; // read responses first
  assign job = j_from_i ? ijob : hjob;
  assign j_valid = !ijob_empty || !hjob_empty;
  assign {j_dest, j_op, j_sem, j_resp, j_laddr, j_raddr, j_len} = job;

  // the running job's progress
  logic [15:0] d_done_q;
  logic [15:0] d_left, d_chunk;
  logic d_rd_start_ready, d_m_ready, d_step, d_last_step;
  assign d_left = j_len - d_done_q;
  assign d_chunk = d_left > 16'(chip_pkg::MaxBody) ? 16'(chip_pkg::MaxBody) : d_left;
  // one step = one packet descriptor (and its reads)
  assign d_step = j_valid && d_m_ready && (j_op == chip_pkg::DmaRead || j_len == '0 || d_rd_start_ready);
  assign d_last_step = j_op == chip_pkg::DmaRead || d_left <= 16'(chip_pkg::MaxBody);
  assign hjob_pop = d_step && d_last_step && !j_from_i;
  assign ijob_pop = d_step && d_last_step && j_from_i;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) d_done_q <= '0;
    else if (d_step) d_done_q <= d_last_step ? '0 : d_done_q + d_chunk;
  end

  logic d_w_valid, d_w_ready, d_rd_en, d_rd_idle, d_pg_idle;
  logic [AW-1:0] d_rd_addr;
  logic [W-1:0] d_w_data;
  logic d_f_valid, d_f_ready, d_f_head, d_f_tail;
  logic [FlitW-1:0] d_f_data;
  logic [W-1:0] d_rr_body;
  always_comb begin
    d_rr_body = '0;
    d_rr_body[chip_pkg::RrReplyLsb +: CW] = own_q;
    d_rr_body[chip_pkg::RrAddrLsb +: 16] = j_laddr;
    d_rr_body[chip_pkg::RrLenLsb +: 16] = j_len;
  end
  chip_reader u_dma_reader (
    .clk_i, .rst_ni, .start_valid_i(d_step && j_op != chip_pkg::DmaRead && j_len != '0), .start_ready_o(d_rd_start_ready),
    .start_addr_i(j_laddr + d_done_q), .start_count_i(d_chunk),
    .rd_en_o(d_rd_en), .rd_addr_o(d_rd_addr), .rd_data_i(m_rd_data[1*W +: W]),
    .w_valid_o(d_w_valid), .w_ready_i(d_w_ready), .w_data_o(d_w_data), .idle_o(d_rd_idle)
  );
  chip_pktgen #(.FlitW(FlitW)) u_dma_pkt (
    .clk_i, .rst_ni, .own_pos_i(own_pos_q),
    .m_valid_i(d_step && j_len != '0), .m_ready_o(d_m_ready), .m_dest_i(j_dest),
    .m_type_i(j_op == chip_pkg::DmaRead ? ici_pkg::PktReadReq : j_op == chip_pkg::DmaAdd ? ici_pkg::PktCollective : ici_pkg::PktWrite),
    .m_nbody_i(j_op == chip_pkg::DmaRead ? 5'd1 : 5'(d_chunk)),
    .m_tag_i({11'd0, j_sem, j_resp, j_op == chip_pkg::DmaRead ? j_raddr : j_raddr + d_done_q}),
    .m_inline_i(j_op == chip_pkg::DmaRead), .m_body_i(d_rr_body),
    .w_valid_i(d_w_valid), .w_ready_o(d_w_ready), .w_data_i(d_w_data),
    .f_valid_o(d_f_valid), .f_ready_i(d_f_ready), .f_head_o(d_f_head), .f_tail_o(d_f_tail), .f_data_o(d_f_data),
    .idle_o(d_pg_idle)
  );

  // ==== receive: per-VC FIFOs and the packet dispatcher ===================================
  localparam int unsigned RxW = 2 + FlitW;
  logic [NumVcs-1:0] rx_empty, rx_full;
  logic [NumVcs*RxW-1:0] rx_front;
  for (genvar v = 0; v < NumVcs; v++) begin : gen_rx
    sc_fifo #(.Width(RxW), .Depth(BufDepth)) u_rx (
      .clk_i, .rst_ni,
      .push_i(r_out_valid[NL] && r_out_vc[NL*VcW +: VcW] == VcW'(v)),
      .data_i({r_out_head[NL], r_out_tail[NL], r_out_data[NL*FlitW +: FlitW]}),
      .pop_i(rx_pop_vc[v]), .data_o(rx_front[v*RxW +: RxW]), .empty_o(rx_empty[v]), .full_o(rx_full[v])
    );
  end
  localparam logic [2:0] KWrite = 3'd0, KReadReq = 3'd1, KLookup = 3'd2, KScResp = 3'd3, KBad = 3'd4;
  logic locked_q;
  logic [VcW-1:0] cur_q, pick, rr_q;
  logic [2:0] kind_q, kind_now;
  logic f_valid, f_head, f_tail, f_ready, f_take;
  logic [FlitW-1:0] f_data;
  logic [RxW-1:0] front;
  logic found;
  always_comb begin
    pick = cur_q;
    found = 1'b0;
    if (!locked_q) begin
      for (int i = 0; i < NumVcs; i++) begin
        if (!found && !rx_empty[(32'(rr_q) + i) % NumVcs]) begin
          found = 1'b1;
          pick = VcW'((32'(rr_q) + i) % NumVcs);
        end
      end
    end
    front = rx_front[pick*RxW +: RxW];
    f_valid = !rx_empty[pick];
    f_head = front[RxW-1];
    f_tail = front[RxW-2];
    f_data = front[FlitW-1:0];
    kind_now = kind_q;
    if (!locked_q) begin
      case (f_data[ici_pkg::HeadTypeLsb +: 3])
        ici_pkg::PktWrite, ici_pkg::PktCollective: kind_now = KWrite;
        ici_pkg::PktReadReq: kind_now = KReadReq;
        ici_pkg::PktEmbLookup: kind_now = KLookup;
        ici_pkg::PktReadResp: kind_now = KScResp;
        default: kind_now = KBad;
      endcase
    end
  end
  assign f_take = f_valid && f_ready;
  always_comb begin
    rx_pop_vc = '0;
    if (f_take) rx_pop_vc[pick] = 1'b1;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      locked_q <= 1'b0;
      cur_q <= '0;
      rr_q <= '0;
      kind_q <= KBad;
    end else if (f_take) begin
      if (f_tail) begin
        locked_q <= 1'b0;
        rr_q <= VcW'((32'(pick) + 1) % NumVcs);
      end else begin
        locked_q <= 1'b1;
        cur_q <= pick;
        kind_q <= kind_now;
      end
    end
  end

  // ---- receiver: write / add pipeline (memory read port 2, write port 1) -----------------
  logic wr_add_q, wr_resp_q;
  logic [3:0] wr_sem_q;
  logic [AW-1:0] wr_addr_q;
  logic s1_q, s1_add_q;
  logic [AW-1:0] s1_addr_q;
  logic [W-1:0] s1_data_q;
  // Stage 0 (the flit is taken) reads the old word; stage 1 adds and writes it at the end of the
  // next cycle. No forward is needed: the words of one packet have distinct addresses, and the
  // head flit of the next packet takes a cycle, so a word written at the end of cycle t is read
  // again at the end of cycle t+1 at the earliest, after the write (test_pod "[chip]" adds the
  // same words back to back).
  logic [W-1:0] s1_old, s1_sum;
  logic rx_body_w;
  assign rx_body_w = f_take && kind_now == KWrite && !f_head;
  assign s1_old = m_rd_data[2*W +: W];
  for (genvar l = 0; l < W / 32; l++) begin : gen_add
    fp32_add u_add (.a_i(s1_old[l*32 +: 32]), .b_i(s1_data_q[l*32 +: 32]), .s_o(s1_sum[l*32 +: 32]));
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_add_q <= 1'b0;
      wr_resp_q <= 1'b0;
      wr_sem_q <= '0;
      wr_addr_q <= '0;
      s1_q <= 1'b0;
      s1_add_q <= 1'b0;
      s1_addr_q <= '0;
      s1_data_q <= '0;
    end else begin
      if (f_take && kind_now == KWrite && f_head) begin
        wr_add_q <= f_data[ici_pkg::HeadTypeLsb +: 3] == ici_pkg::PktCollective;
        wr_resp_q <= f_data[chip_pkg::TagRespBit];
        wr_sem_q <= f_data[chip_pkg::TagSemLsb +: 4];
        wr_addr_q <= f_data[chip_pkg::TagAddrLsb +: AW];
      end
      if (rx_body_w) wr_addr_q <= wr_addr_q + 1'b1;
      s1_q <= rx_body_w;
      s1_add_q <= wr_add_q;
      s1_addr_q <= wr_addr_q;
      s1_data_q <= f_data[W-1:0];
    end
  end

  // ---- read requests become DMA jobs ------------------------------------------------------
  logic [15:0] rr_addr_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rr_addr_q <= '0;
    else if (f_take && kind_now == KReadReq && f_head) rr_addr_q <= f_data[chip_pkg::TagAddrLsb +: 16];
  end
  assign ijob_push = f_take && kind_now == KReadReq && !f_head;
  assign ijob_in = {f_data[chip_pkg::RrReplyLsb +: CW], chip_pkg::DmaWrite, 4'd0, 1'b1, rr_addr_q, f_data[chip_pkg::RrAddrLsb +: 16],
                    f_data[chip_pkg::RrLenLsb +: 16]};

  // ---- lookup responder: requests -> row beats (memory read port 3) -----------------------
  // request: {reply coordinate, local row, table, head tag}
  localparam int unsigned LqW = CW + 32 + 2 + 32;
  logic [31:0] lk_tag_q;
  logic lq_empty, lq_full, lq_pop;
  logic [LqW-1:0] lq;
  logic [CW-1:0] lq_reply;
  logic [31:0] lq_row, lq_tag;
  logic [1:0] lq_table;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lk_tag_q <= '0;
    else if (f_take && kind_now == KLookup && f_head) lk_tag_q <= f_data[ici_pkg::HeadTagLsb +: 32];
  end
  sc_fifo #(.Width(LqW), .Depth(ReqDepth)) u_lookups (
    .clk_i, .rst_ni, .push_i(f_take && kind_now == KLookup && !f_head),
    .data_i({f_data[sc_pkg::ReqReplyLsb +: CW], f_data[sc_pkg::ReqRowLsb +: 32], f_data[sc_pkg::ReqTableLsb +: 2], lk_tag_q}),
    .pop_i(lq_pop), .data_o(lq), .empty_o(lq_empty), .full_o(lq_full)
  );
  assign {lq_reply, lq_row, lq_table, lq_tag} = lq;
  logic [7:0] lq_beat, lq_nbeats;
  assign lq_beat = lq_tag[sc_pkg::TagBeatLsb - ici_pkg::HeadTagLsb +: 8];
  assign lq_nbeats = lq_tag[sc_pkg::TagNBeatsLsb - ici_pkg::HeadTagLsb +: 8];
  logic [AW-1:0] lq_addr;
  assign lq_addr = emb_base_q[32'(lq_table)*AW +: AW] + AW'(lq_row * 32'(emb_stride_q[32'(lq_table)*AW +: AW])) +
                   AW'({lq_beat, 1'b0});
  logic l_rd_start_ready, l_m_ready, l_rd_en, l_rd_idle, l_pg_idle, l_w_valid, l_w_ready;
  logic [AW-1:0] l_rd_addr;
  logic [W-1:0] l_w_data;
  logic l_f_valid, l_f_ready, l_f_head, l_f_tail;
  logic [FlitW-1:0] l_f_data;
  assign lq_pop = !lq_empty && l_rd_start_ready && l_m_ready;
  chip_reader u_lk_reader (
    .clk_i, .rst_ni, .start_valid_i(lq_pop), .start_ready_o(l_rd_start_ready), .start_addr_i(lq_addr),
    .start_count_i({7'd0, lq_nbeats, 1'b0}),
    .rd_en_o(l_rd_en), .rd_addr_o(l_rd_addr), .rd_data_i(m_rd_data[3*W +: W]),
    .w_valid_o(l_w_valid), .w_ready_i(l_w_ready), .w_data_o(l_w_data), .idle_o(l_rd_idle)
  );
  chip_pktgen #(.FlitW(FlitW)) u_lk_pkt (
    .clk_i, .rst_ni, .own_pos_i(own_pos_q),
    .m_valid_i(lq_pop), .m_ready_o(l_m_ready), .m_dest_i(lq_reply), .m_type_i(ici_pkg::PktReadResp),
    .m_nbody_i(5'({lq_nbeats, 1'b0})), .m_tag_i(lq_tag), .m_inline_i(1'b0), .m_body_i('0),
    .w_valid_i(l_w_valid), .w_ready_o(l_w_ready), .w_data_i(l_w_data),
    .f_valid_o(l_f_valid), .f_ready_i(l_f_ready), .f_head_o(l_f_head), .f_tail_o(l_f_tail), .f_data_o(l_f_data),
    .idle_o(l_pg_idle)
  );

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
    .rp_valid_i(f_valid && kind_now == KScResp), .rp_ready_o(sc_rp_ready), .rp_head_i(f_head), .rp_tail_i(f_tail),
    .rp_data_i(f_data),
    .o_valid_o(sc_o_valid), .o_ready_i(sc_o_ready), .o_sample_o(sc_o_sample), .o_table_o(sc_o_table),
    .o_group_o(sc_o_group), .o_last_o(sc_o_last), .o_data_o(sc_o_data),
    .idle_o(sc_idle), .err_o(sc_err), .stat_o(sc_stat)
  );

  // dispatcher readiness by consumer
  always_comb begin
    case (kind_now)
      KWrite: f_ready = 1'b1;
      KReadReq: f_ready = f_head || !ijob_full;
      KLookup: f_ready = f_head || !lq_full;
      KScResp: f_ready = sc_rp_ready;
      default: f_ready = 1'b1;
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
    m_wr_data[W +: W] = s1_add_q ? s1_sum : s1_data_q;
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

  assign m_rd_en = {s_rd_en, l_rd_en, rx_body_w, d_rd_en, host_take && !h_we_i && region == chip_pkg::RegionMem};
  assign m_rd_addr = {s_rd_addr, l_rd_addr, wr_addr_q, d_rd_addr, h_addr_i[AW-1:0]};

  // ==== send: whole packets into the router's local input, responses first ================
  localparam logic [1:0] SrcLk = 2'd0, SrcDma = 2'd1, SrcSc = 2'd2;
  localparam int unsigned CrW = $clog2(BufDepth) + 1;
  logic tx_lock_q;
  logic [1:0] tx_src_q, tx_src;
  logic [NumVcs*CrW-1:0] tx_cred_q;
  logic s_valid, s_head, s_tail, s_ok;
  logic [FlitW-1:0] s_data;
  logic [VcW-1:0] s_vc;
  always_comb begin
    tx_src = tx_src_q;
    if (!tx_lock_q) begin
      if (l_f_valid) tx_src = SrcLk;
      else if (d_f_valid) tx_src = SrcDma;
      else tx_src = SrcSc;
    end
    case (tx_src)
      SrcLk: {s_valid, s_head, s_tail, s_data} = {l_f_valid, l_f_head, l_f_tail, l_f_data};
      SrcDma: {s_valid, s_head, s_tail, s_data} = {d_f_valid, d_f_head, d_f_tail, d_f_data};
      default: {s_valid, s_head, s_tail, s_data} = {sc_rq_valid, sc_rq_head, sc_rq_tail, sc_rq_data};
    endcase
    s_vc = tx_src == SrcLk ? VcW'(1) : VcW'(0);
    s_ok = s_valid && tx_cred_q[32'(s_vc)*CrW +: CrW] != '0;
    tx_valid = s_ok;
    tx_head = s_head;
    tx_tail = s_tail;
    tx_vc = s_vc;
    tx_data = s_data;
    l_f_ready = s_ok && tx_src == SrcLk;
    d_f_ready = s_ok && tx_src == SrcDma;
    sc_rq_ready = s_ok && tx_src == SrcSc;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_lock_q <= 1'b0;
      tx_src_q <= SrcLk;
      tx_cred_q <= {NumVcs{CrW'(BufDepth)}};
    end else begin
      if (s_ok) begin
        tx_lock_q <= !s_tail;
        tx_src_q <= tx_src;
      end
      for (int v = 0; v < NumVcs; v++)
        tx_cred_q[v*CrW +: CrW] <= tx_cred_q[v*CrW +: CrW] - CrW'(s_ok && 32'(s_vc) == v) +
                                   CrW'(r_in_credit[NL*NumVcs + v]);
    end
  end

  // ==== counters, status, idle ============================================================
  logic rx_idle, dma_idle;
  assign rx_idle = rx_empty == '1 && !locked_q && !s1_q;
  assign dma_idle = hjob_empty && ijob_empty && d_rd_idle && d_pg_idle;
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
                  !tx_lock_q && rx_idle && dma_idle && lq_empty && l_rd_idle && l_pg_idle && sq_empty && s_rd_idle &&
                  !s_half_q && sc_idle && mx_idle && !mx_half_q && !sc_half_q && !h_valid_i && !host_rd_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      occ_q <= '0;
      stat_q <= '0;
    end else begin
      occ_q <= occ_q + occ_in - occ_out;
      if (rx_body_w && !wr_add_q) stat_q[chip_pkg::StWordsWritten*32 +: 32] <= stat_q[chip_pkg::StWordsWritten*32 +: 32] + 1;
      if (rx_body_w && wr_add_q) stat_q[chip_pkg::StWordsAdded*32 +: 32] <= stat_q[chip_pkg::StWordsAdded*32 +: 32] + 1;
      if (rx_body_w && wr_resp_q) stat_q[chip_pkg::StRespWords*32 +: 32] <= stat_q[chip_pkg::StRespWords*32 +: 32] + 1;
      if (s_ok && s_head) stat_q[chip_pkg::StPktsSent*32 +: 32] <= stat_q[chip_pkg::StPktsSent*32 +: 32] + 1;
      if (f_take && f_head) stat_q[chip_pkg::StPktsRecv*32 +: 32] <= stat_q[chip_pkg::StPktsRecv*32 +: 32] + 1;
      if (lq_pop) stat_q[chip_pkg::StLookupsServed*32 +: 32] <= stat_q[chip_pkg::StLookupsServed*32 +: 32] + 1;
      if (ijob_push) stat_q[chip_pkg::StReadsServed*32 +: 32] <= stat_q[chip_pkg::StReadsServed*32 +: 32] + 1;
      if (f_take && f_head && kind_now == KBad) stat_q[chip_pkg::StBadPkts*32 +: 32] <= stat_q[chip_pkg::StBadPkts*32 +: 32] + 1;
      for (int k = 0; k < 2 * chip_pkg::NumSems; k++)
        if (rx_body_w && k == 32'({wr_add_q, wr_sem_q}))
          stat_q[(chip_pkg::StSem + k)*32 +: 32] <= stat_q[(chip_pkg::StSem + k)*32 +: 32] + 1;
      stat_q[chip_pkg::StStatus*32 +: 32] <= status;
      stat_q[chip_pkg::StDropZ*32 +: 32] <= drop_z;
      stat_q[chip_pkg::StDropShape*32 +: 32] <= drop_shape;
    end
  end

  logic unused;
  // outputs the chip does not need: FIFO full flags the credits already bound, the bag's table
  // and last flag (results land by sample and group), the SparseCore's counters, the local
  // port's idle flag, the host address bits between the region and the word address
  assign unused = ^{rx_full, sc_o_table, sc_o_last, sc_stat, h_addr_i[27:16], r_idle[NL]};
endmodule

`default_nettype wire
