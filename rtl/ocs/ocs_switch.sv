// ocs_switch: an N-port optical circuit switch (TPU v4 Palomar OCS; docs/references.md
// §T2: 128 used ports, connections 1:1, mirrors switch in milliseconds). Each port
// is one bidirectional fibre to one chip's link port (circulators: both directions on one
// port). A circuit joins two ports p <-> q: everything the chip at p sends (flits and credit
// returns) comes out at q and the other way round. The switch is unbuffered and adds no cycle
// (the harness adds the fibre latency on both sides): out_*[q] is in_*[peer[q]] combinationally.
//
// Configuration (cfg_*), a staged table plus a protocol that loses no flit:
//   1. cfg_we_i writes stage[cfg_port_i] = cfg_peer_i (Ports = no circuit) while idle. A write
//      while busy, or to a port past the last, is refused: the stage is not changed and
//      cfg_we_refused_o rises (sticky until the next commit is taken), so a host cannot lose a
//      write without being told.
//   2. cfg_commit_i checks the staged table, one port per cycle (Ports cycles): every peer is
//      in range (or Ports), not the port itself, and mutual (stage[stage[p]] = p). A bad table
//      raises cfg_rejected_o; the switch keeps its current circuits and the stage is reloaded
//      from them. A commit while busy is refused: cfg_rejected_o rises, and the
//      reconfiguration in progress goes on with its own table, untouched (its own check still
//      decides whether it is applied).
//   3. DRAIN: link_up_o falls at every port whose peer changes (the others keep running). The
//      chips stop starting packets on those links (ici_router out_hold_i), finish the ones in
//      progress and report drained_i once no packet is in progress and every credit is home:
//      nothing is in flight on the link in either direction. The switch waits for all of them.
//   4. SWITCH: the changed ports take their new peers (one cycle).
//   5. SETTLE: cfg_settle_i cycles (sampled at commit) with the changed ports dark (mirrors
//      moving; milliseconds in reality, scaled to cycles by the harness).
//   6. UP: link_up_o rises at every connected port; cfg_busy_o falls; reconfigs_o counts one.
// A flit that arrives at a dark or unconnected port is lost; lost_o counts such flits (a chip
// that ignores link_up_o): the harness and the tests require it to stay 0, and an assertion
// (simulation only, `ifndef SYNTHESIS) stops a run the moment it happens.
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds").
`default_nettype none

module ocs_switch #(
  parameter int unsigned Ports = 16,   /// switch ports (TPU v4: 128 used of 136)
  parameter int unsigned NumVcs = 2,   /// credit lines per direction (the routers' VCs)
  parameter int unsigned FlitW = 160,  /// flit data bits
  parameter int unsigned SettleW = 24, /// bits of the settle-time counter
  localparam int unsigned PW = $clog2(Ports + 1), // a port number, or Ports = none
  localparam int unsigned VcW = $clog2(NumVcs)
) (
  input  wire logic                    clk_i,
  input  wire logic                    rst_ni,
  // Configuration
  input  wire logic                    cfg_we_i,       ///< stage[cfg_port_i] = cfg_peer_i
  input  wire logic [PW-1:0]           cfg_port_i,
  input  wire logic [PW-1:0]           cfg_peer_i,     ///< Ports: no circuit
  input  wire logic                    cfg_commit_i,   ///< check the stage and reconfigure
  input  wire logic [SettleW-1:0]      cfg_settle_i,   ///< settle cycles, sampled at commit
  input  wire logic [PW-1:0]           cfg_rd_port_i,  ///< read back: the current peer of a port
  output logic      [PW-1:0]           cfg_rd_peer_o,
  output logic                         cfg_busy_o,     ///< checking or reconfiguring
  output logic                         cfg_rejected_o, ///< the last commit was refused (until the next)
  output logic                         cfg_we_refused_o, ///< a stage write was refused since the last commit taken
  output logic      [15:0]             reconfigs_o,    ///< reconfigurations completed (wrapping)
  // Links: port p's signals from its chip (in_*) and to its chip (out_*), p in bits [p*W +: W]
  input  wire logic [Ports-1:0]        in_valid_i,
  input  wire logic [Ports-1:0]        in_head_i,
  input  wire logic [Ports-1:0]        in_tail_i,
  input  wire logic [Ports*VcW-1:0]    in_vc_i,
  input  wire logic [Ports*FlitW-1:0]  in_data_i,
  input  wire logic [Ports*NumVcs-1:0] in_credit_i,
  output logic      [Ports-1:0]        out_valid_o,
  output logic      [Ports-1:0]        out_head_o,
  output logic      [Ports-1:0]        out_tail_o,
  output logic      [Ports*VcW-1:0]    out_vc_o,
  output logic      [Ports*FlitW-1:0]  out_data_o,
  output logic      [Ports*NumVcs-1:0] out_credit_o,
  // Link status (the protocol)
  output logic      [Ports-1:0]        link_up_o,      ///< the circuit at this port carries traffic
  output logic      [Ports-1:0]        dark_o,         ///< the port's circuit is being switched (SWITCH to UP)
  input  wire logic [Ports-1:0]        drained_i,      ///< the chip at this port has nothing on its link
  output logic      [31:0]             lost_o          ///< flits that met a dark port (saturating)
);
  if (NumVcs != 2 && NumVcs != 4) begin : gen_bad_num_vcs
    ocs_switch_NumVcs_must_be_2_or_4 u_error();
  end
  if (Ports < 2) begin : gen_bad_ports
    ocs_switch_needs_at_least_2_ports u_error();
  end

  localparam logic [PW-1:0] None = PW'(Ports);
  localparam logic [1:0] SUp = 2'd0, SCheck = 2'd1, SDrain = 2'd2, SSettle = 2'd3;

  logic [Ports*PW-1:0] peer_q;  // current circuits, port p's peer in [p*PW +: PW]
  logic [Ports*PW-1:0] stage_q; // staged circuits
  logic [Ports-1:0] changed_q;    // ports whose peer changes in this reconfiguration
  logic [Ports-1:0] dark_q;       // ports that carry nothing (changed, between drain and up)
  logic [1:0] state_q;
  logic [PW-1:0] chk_q;
  logic bad_q, rejected_q, we_refused_q;
  logic [SettleW-1:0] settle_q, settle_cnt_q;
  logic [15:0] reconfigs_q;
  logic [31:0] lost_q;

  assign cfg_busy_o = state_q != SUp;
  assign cfg_rejected_o = rejected_q;
  assign cfg_we_refused_o = we_refused_q;
  assign reconfigs_o = reconfigs_q;
  assign lost_o = lost_q;
  assign dark_o = dark_q;
  assign cfg_rd_peer_o = (cfg_rd_port_i < PW'(Ports)) ? peer_q[32'(cfg_rd_port_i)*PW +: PW] : None;

  // ---- the permutation: combinational, unbuffered ----------------------------------------
  // An AND-OR multiplexer per output port (a one-hot select from the peer number): the
  // variable part-select form of the same thing costs yosys far more cells.
  logic [PW-1:0] pq;
  logic sel;
  always_comb begin
    pq = '0;
    sel = 1'b0;
    out_valid_o = '0;
    out_head_o = '0;
    out_tail_o = '0;
    out_vc_o = '0;
    out_credit_o = '0;
    for (int q = 0; q < Ports; q++) begin
      out_data_o[q*FlitW +: FlitW] = '0; // per port: one replication of the whole bus is 20k bits
      pq = peer_q[q*PW +: PW];
      link_up_o[q] = pq != None && !dark_q[q] && !(state_q == SDrain && changed_q[q]);
      for (int p = 0; p < Ports; p++) begin
        sel = pq == PW'(p) && !dark_q[q];
        if (sel) begin
          out_valid_o[q] = in_valid_i[p];
          out_head_o[q] = in_head_i[p];
          out_tail_o[q] = in_tail_i[p];
          out_vc_o[q*VcW +: VcW] = in_vc_i[p*VcW +: VcW];
          out_data_o[q*FlitW +: FlitW] = in_data_i[p*FlitW +: FlitW];
          out_credit_o[q*NumVcs +: NumVcs] = in_credit_i[p*NumVcs +: NumVcs];
        end
      end
    end
  end

  // flits arriving where no circuit carries them
  logic [Ports-1:0] lost_now;
  logic [PW-1:0] lost_cnt;
  always_comb begin
    lost_now = '0;
    lost_cnt = '0;
    for (int p = 0; p < Ports; p++) begin
      lost_now[p] = in_valid_i[p] && (peer_q[p*PW +: PW] == None || dark_q[p]);
      lost_cnt = lost_cnt + PW'(lost_now[p]);
    end
  end

  logic [32:0] lost_sum;
  assign lost_sum = {1'b0, lost_q} + 33'(lost_cnt);

  // the staged entry under check, and its peer's entry
  logic [PW-1:0] chk_peer, chk_back;
  logic chk_ok;
  always_comb begin
    chk_peer = stage_q[32'(chk_q)*PW +: PW];
    chk_back = (chk_peer < PW'(Ports)) ? stage_q[32'(chk_peer)*PW +: PW] : None;
    chk_ok = chk_peer == None || (chk_peer < PW'(Ports) && chk_peer != chk_q && chk_back == chk_q);
  end

  logic all_drained;
  assign all_drained = (changed_q & ~drained_i) == '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      peer_q <= {Ports{None}};
      stage_q <= {Ports{None}};
      changed_q <= '0;
      dark_q <= '0;
      state_q <= SUp;
      chk_q <= '0;
      bad_q <= 1'b0;
      rejected_q <= 1'b0;
      we_refused_q <= 1'b0;
      settle_q <= '0;
      settle_cnt_q <= '0;
      reconfigs_q <= '0;
      lost_q <= '0;
    end else begin
      if (lost_now != '0) lost_q <= lost_sum[32] ? '1 : lost_sum[31:0];
`ifndef SYNTHESIS
      assert (lost_now == '0) else $error("ocs_switch: a flit entered a dark or unconnected port (ports %b)", lost_now);
`endif
      case (state_q)
        SUp: begin
          if (cfg_we_i && cfg_port_i < PW'(Ports)) stage_q[32'(cfg_port_i)*PW +: PW] <= cfg_peer_i;
          if (cfg_commit_i) begin
            state_q <= SCheck;
            chk_q <= '0;
            bad_q <= 1'b0;
            rejected_q <= 1'b0;
            we_refused_q <= 1'b0;
            settle_q <= cfg_settle_i;
            changed_q <= '0;
          end
        end
        SCheck: begin
          if (!chk_ok) bad_q <= 1'b1;
          if (stage_q[32'(chk_q)*PW +: PW] != peer_q[32'(chk_q)*PW +: PW]) changed_q[32'(chk_q)] <= 1'b1;
          if (chk_q == PW'(Ports - 1)) begin
            if (bad_q || !chk_ok) begin
              // refused: the circuits stay, the stage is reloaded from them
              rejected_q <= 1'b1;
              state_q <= SUp;
              changed_q <= '0;
              stage_q <= peer_q;
            end else begin
              state_q <= SDrain;
            end
          end else begin
            chk_q <= chk_q + 1'b1;
          end
        end
        SDrain: begin
          if (all_drained) begin
            peer_q <= stage_q;
            dark_q <= changed_q;
            settle_cnt_q <= settle_q;
            state_q <= SSettle;
          end
        end
        default: begin // SSettle
          if (settle_cnt_q == '0) begin
            dark_q <= '0;
            changed_q <= '0;
            reconfigs_q <= reconfigs_q + 1'b1;
            state_q <= SUp;
          end else begin
            settle_cnt_q <= settle_cnt_q - 1'b1;
          end
        end
      endcase
      // a commit while busy is refused and changes nothing; so is a write while busy or to no port
      if (cfg_commit_i && state_q != SUp) rejected_q <= 1'b1;
      if (cfg_we_i && (state_q != SUp || cfg_port_i >= PW'(Ports))) we_refused_q <= 1'b1;
    end
  end

endmodule

`default_nettype wire
