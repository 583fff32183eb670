// chip_regs: the chip's host bus and register file: the address decode that hands each bus
// write to its target (memory, registers, the DMA's job queue, the SparseCore's configuration
// and lookup port, the MXU), the configuration registers (router, DMA destination, embedding
// table layouts, result bases), the host's DMA command decode, and the counters (chip_pkg St*:
// words received per type and semaphore class, packets, served requests, drops, status).
// The pod harness also reads the counters through the DPI backdoor chip_stat_peek.
// Timing: a bus transfer is taken in the cycle h_valid_i && h_ready_o; h_ready_o is
// combinational (the target's ready for a queue or port write, 1 otherwise). A register write
// takes effect at that clock edge; a read answers in the next cycle (h_rvalid_o, h_rdata_o:
// a memory read's data comes from memory read port 0, enabled by mem_rd_o in the cycle of the
// request). A counter event counts at the clock edge that ends its cycle; the counters read by
// the host or the backdoor are the registered values (status and router drops one cycle late).
`default_nettype none

module chip_regs #(
  parameter int unsigned Lanes = 1,  /// send and receive lanes (chip_top): counter events per lane
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned GW = phext_pkg::GlobalW,
  localparam int unsigned CW = phext_pkg::CoordW,
  localparam int unsigned NT = chip_pkg::NumTables
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_ni,
  // host bus (chip_top's h_*)
  input  wire logic                            h_valid_i,
  output logic                                 h_ready_o,
  input  wire logic                            h_we_i,
  input  wire logic [31:0]                     h_addr_i,
  input  wire logic [W-1:0]                    h_wdata_i,
  output logic                                 h_rvalid_o,
  output logic      [W-1:0]                    h_rdata_o,
  // memory: a host read (read port 0, address h_addr_i) and write (write port 0)
  output logic                                 mem_rd_o,
  input  wire logic [W-1:0]                    mem_rd_data_i,
  output logic                                 mem_wr_o,
  // the targets of bus writes (data: h_wdata_i)
  output logic                                 dma_valid_o,   ///< a DMA command (RegDmaPush)
  input  wire logic                            dma_ready_i,
  output logic      [2:0]                      dma_lane_o,    ///< its send lane (chip_top: lane 0 if the chip has no such lane)
  output logic      [ici_pkg::HeadTypeW-1:0]   dma_type_o,    ///< its packet type, head tag, local address, words
  output logic      [31:0]                     dma_tag_o,
  output logic      [AW-1:0]                   dma_laddr_o,
  output logic      [15:0]                     dma_len_o,
  output logic                                 sc_cfg_valid_o,
  output logic                                 sc_l_valid_o,
  input  wire logic                            sc_l_ready_i,
  output logic                                 mxu_cmd_valid_o,
  input  wire logic                            mxu_cmd_ready_i,
  output logic                                 mxu_w_valid_o,
  input  wire logic                            mxu_w_ready_i,
  output logic                                 mxu_a_valid_o,
  input  wire logic                            mxu_a_ready_i,
  // registers
  output logic                                 cfg_we_o,      ///< RegApply: load the router's configuration
  output logic      [CW-1:0]                   own_o,
  output logic      [3*GW-1:0]                 own_pos_o,
  output logic      [3*phext_pkg::CubeDimW-1:0] cube_o,
  output logic      [3*GW-1:0]                 slice_o,
  output logic      [2:0]                      wrap_o,
  output logic      [3*GW-1:0]                 shift_o,
  output logic      [CW-1:0]                   dma_dest_o,
  output logic      [NT*AW-1:0]                emb_base_o,
  output logic      [NT*AW-1:0]                emb_stride_o,
  output logic      [AW-1:0]                   sc_out_base_o,
  output logic      [3:0]                      sc_out_groups_o,
  output logic      [AW-1:0]                   mxu_out_base_o,
  output logic                                 idle_o,        ///< no read answer pending
  // status (StStatus)
  input  wire logic                            chip_idle_i,
  input  wire logic                            dma_idle_i,    ///< every packet engine
  input  wire logic                            sc_idle_i,
  input  wire logic                            mxu_idle_i,
  input  wire logic                            cfg_ok_i,
  input  wire logic [2:0]                      sc_err_i,
  input  wire logic                            mxu_err_i,
  input  wire logic                            overflow_i,
  input  wire logic [31:0]                     drop_z_i,
  input  wire logic [31:0]                     drop_shape_i,
  // counter events of this cycle, per lane l (bits [l], [l*4 +: 4], [l*2 +: 2])
  input  wire logic [Lanes-1:0]                word_i,        ///< lane l's write pipeline took a word:
  input  wire logic [Lanes-1:0]                word_add_i,    ///<   added (else written),
  input  wire logic                            word_resp_i,   ///<   of read data (lane 0 only),
  input  wire logic [Lanes*4-1:0]              word_sem_i,    ///<   in this semaphore class
  input  wire logic [Lanes-1:0]                pkt_sent_i,    ///< a head flit entered the router
  input  wire logic [Lanes*2-1:0]              heads_recv_i,  ///< heads taken, per message class
  input  wire logic [Lanes*2-1:0]              heads_bad_i,   ///< of those, dropped (unknown type)
  input  wire logic                            read_served_i, ///< a read request became a responder job
  input  wire logic                            lookup_served_i ///< a row request became a responder job
);
  logic [chip_pkg::NumStats*32-1:0] stat_q;
  logic [31:0] status;
  logic [3:0] region;
  logic [7:0] reg_a;
  logic host_take, host_rd_q, host_rd_mem_q;
  logic [W-1:0] host_rdata_q;
  logic [CW-1:0] own_q, dma_dest_q;
  logic [3*phext_pkg::CubeDimW-1:0] cube_q;
  logic [3*GW-1:0] slice_q, own_pos_q, shift_q;
  logic [2:0] wrap_q;
  logic [NT*AW-1:0] emb_base_q, emb_stride_q;
  logic [AW-1:0] sc_out_base_q, mxu_out_base_q;
  logic [3:0] sc_out_groups_q;

  assign region = h_addr_i[31:28];
  assign reg_a = h_addr_i[7:0];
  always_comb begin
    h_ready_o = 1'b1;
    if (h_we_i) begin
      case (region)
        chip_pkg::RegionReg: if (reg_a == chip_pkg::RegDmaPush) h_ready_o = dma_ready_i;
        chip_pkg::RegionScLookup: h_ready_o = sc_l_ready_i;
        chip_pkg::RegionMxu: h_ready_o = h_addr_i[1:0] == 2'd0 ? mxu_cmd_ready_i : h_addr_i[1:0] == 2'd1 ? mxu_w_ready_i : mxu_a_ready_i;
        default: h_ready_o = 1'b1;
      endcase
    end
  end
  assign host_take = h_valid_i && h_ready_o;
  assign dma_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionReg && reg_a == chip_pkg::RegDmaPush;
  assign sc_l_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionScLookup;
  assign sc_cfg_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionScCfg;
  assign mxu_cmd_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd0;
  assign mxu_w_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd1;
  assign mxu_a_valid_o = h_valid_i && h_we_i && region == chip_pkg::RegionMxu && h_addr_i[1:0] == 2'd2;
  assign cfg_we_o = host_take && h_we_i && region == chip_pkg::RegionReg && reg_a == chip_pkg::RegApply;
  assign mem_rd_o = host_take && !h_we_i && region == chip_pkg::RegionMem;
  assign mem_wr_o = host_take && h_we_i && region == chip_pkg::RegionMem;
  assign h_rvalid_o = host_rd_q;
  assign h_rdata_o = host_rd_mem_q ? mem_rd_data_i : host_rdata_q;
  assign idle_o = !host_rd_q;

  // a DMA command (chip_pkg Dma*) as a job of the host's packet engine
  logic [1:0] dma_op;
  assign dma_op = h_wdata_i[chip_pkg::DmaOpLsb +: 2];
  assign dma_type_o = dma_op == chip_pkg::DmaRead ? ici_pkg::PktReadReq :
                      dma_op == chip_pkg::DmaAdd ? ici_pkg::PktCollective : ici_pkg::PktWrite;
  assign dma_tag_o = chip_pkg::req_tag(h_wdata_i[chip_pkg::DmaSemLsb +: 4], h_wdata_i[chip_pkg::DmaRaddrLsb +: 16]);
  assign dma_laddr_o = h_wdata_i[chip_pkg::DmaLaddrLsb +: AW];
  assign dma_lane_o = h_wdata_i[chip_pkg::DmaLaneLsb +: 3];
  assign dma_len_o = h_wdata_i[chip_pkg::DmaLenLsb +: 16];

  assign own_o = own_q;
  assign own_pos_o = own_pos_q;
  assign cube_o = cube_q;
  assign slice_o = slice_q;
  assign wrap_o = wrap_q;
  assign shift_o = shift_q;
  assign dma_dest_o = dma_dest_q;
  assign emb_base_o = emb_base_q;
  assign emb_stride_o = emb_stride_q;
  assign sc_out_base_o = sc_out_base_q;
  assign sc_out_groups_o = sc_out_groups_q;
  assign mxu_out_base_o = mxu_out_base_q;

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
            for (int t = 0; t < NT; t++) begin
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

  // ---- counters and status ------------------------------------------------------------------
  always_comb begin
    status = '0;
    status[chip_pkg::SbIdle] = chip_idle_i;
    status[chip_pkg::SbDmaIdle] = dma_idle_i;
    status[chip_pkg::SbScIdle] = sc_idle_i;
    status[chip_pkg::SbMxuIdle] = mxu_idle_i;
    status[chip_pkg::SbCfgOk] = cfg_ok_i;
    status[chip_pkg::SbScErr +: 3] = sc_err_i;
    status[chip_pkg::SbMxuErr] = mxu_err_i;
    status[chip_pkg::SbOverflow] = overflow_i;
  end
  // words taken this cycle per (type, semaphore class), over the lanes
  localparam int unsigned SnW = $clog2(Lanes + 1);
  logic [2*chip_pkg::NumSems*SnW-1:0] sem_n;
  always_comb begin
    sem_n = '0;
    for (int l = 0; l < Lanes; l++)
      if (word_i[l])
        for (int k = 0; k < 2 * chip_pkg::NumSems; k++)
          if (k == 32'({word_add_i[l], word_sem_i[l*4 +: 4]})) sem_n[k*SnW +: SnW] = sem_n[k*SnW +: SnW] + 1'b1;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      stat_q <= '0;
    end else begin
      if (word_i != '0) begin
        stat_q[chip_pkg::StWordsWritten*32 +: 32] <= stat_q[chip_pkg::StWordsWritten*32 +: 32] + ones(word_i & ~word_add_i);
        stat_q[chip_pkg::StWordsAdded*32 +: 32] <= stat_q[chip_pkg::StWordsAdded*32 +: 32] + ones(word_i & word_add_i);
        for (int k = 0; k < 2 * chip_pkg::NumSems; k++)
          if (sem_n[k*SnW +: SnW] != '0)
            stat_q[(chip_pkg::StSem + k)*32 +: 32] <= stat_q[(chip_pkg::StSem + k)*32 +: 32] + 32'(sem_n[k*SnW +: SnW]);
      end
      if (word_resp_i) stat_q[chip_pkg::StRespWords*32 +: 32] <= stat_q[chip_pkg::StRespWords*32 +: 32] + 1;
      if (pkt_sent_i != '0) stat_q[chip_pkg::StPktsSent*32 +: 32] <= stat_q[chip_pkg::StPktsSent*32 +: 32] + ones(pkt_sent_i);
      // both classes of every lane may take a head in the same cycle
      if (heads_recv_i != '0)
        stat_q[chip_pkg::StPktsRecv*32 +: 32] <= stat_q[chip_pkg::StPktsRecv*32 +: 32] + ones2(heads_recv_i);
      if (lookup_served_i)
        stat_q[chip_pkg::StLookupsServed*32 +: 32] <= stat_q[chip_pkg::StLookupsServed*32 +: 32] + 1;
      if (read_served_i)
        stat_q[chip_pkg::StReadsServed*32 +: 32] <= stat_q[chip_pkg::StReadsServed*32 +: 32] + 1;
      if (heads_bad_i != '0)
        stat_q[chip_pkg::StBadPkts*32 +: 32] <= stat_q[chip_pkg::StBadPkts*32 +: 32] + ones2(heads_bad_i);
      stat_q[chip_pkg::StStatus*32 +: 32] <= status;
      stat_q[chip_pkg::StDropZ*32 +: 32] <= drop_z_i;
      stat_q[chip_pkg::StDropShape*32 +: 32] <= drop_shape_i;
    end
  end

  function automatic logic [31:0] ones(input logic [Lanes-1:0] v);
    ones = '0;
    for (int l = 0; l < Lanes; l++) ones = ones + 32'(v[l]);
  endfunction
  function automatic logic [31:0] ones2(input logic [2*Lanes-1:0] v);
    ones2 = '0;
    for (int l = 0; l < 2 * Lanes; l++) ones2 = ones2 + 32'(v[l]);
  endfunction

`ifndef SYNTHESIS
  // The simulation backdoor: the pod harness polls counters (semaphores) without the host bus
  // (C++ calls it after svSetScope on this instance's scope, <model name>.chip_top.u_regs).
  export "DPI-C" function chip_stat_peek;
  function automatic int unsigned chip_stat_peek(input int unsigned k);
    return stat_q[k*32 +: 32];
  endfunction
`endif

  logic unused;
  // bus bits other blocks decode (the memory address, the SparseCore's configuration address)
  // or no block does, and the data bits above the widest register
  assign unused = ^{h_addr_i[27:8], h_wdata_i[W-1:CW]};
endmodule

`default_nettype wire
