// ici_router: the ICI router of one chip. Input-buffered virtual-channel router with six
// torus ports (+X -X +Y -Y +Z -Z) and NumLocal local ports (ports 6 .. 5+NumLocal: the
// endpoint's lanes; the network harness uses one, the chip six), routing on the destination's
// phext coordinate (ici_pkg.sv describes flits and the route function; docs/blocks/ici-router.md
// has the theory of operation). A packet for this chip leaves on a local lane: a write or add
// packet (ici_pkg PktWrite, PktCollective: the bulk data of collectives) on lane (its input
// port mod NumLocal, local inputs counted from 0), so that six links can eject at once; any
// other packet on lane 0. With NumLocal = 1 every packet leaves on the one local port.
//
// Pipeline and timing contract (per hop, zero load):
//   edge 1  the flit on in_*_i is written into its input VC buffer; a head flit's phext
//           destination is decoded (phext_pkg::decode) and its route (port, VC) computed
//           here, from the registered configuration, and stored with the flit;
//   edge 2  switch allocation (combinational, from registered state only) picks at most one
//           flit per input port and per output port; the winner is written to the output
//           register (out_*_o) and one credit goes back on in_credit_o for the freed slot.
//   So a flit presented at cycle c leaves on out_*_o at cycle c+2: one router cycle plus the
//   link's launch register. Throughput: one flit per cycle per port.
// Message classes: the head's class bit (ici_pkg::HeadClassBit) chooses the VC pair. With
// NumVcs = 4, requests ride VCs 0 and 1 and responses VCs 2 and 3, each pair with its own
// dateline, so the classes never share a buffer (protocol deadlock freedom: docs/blocks/chip.md
// "Message classes"); with NumVcs = 2 both classes share VCs 0 and 1. A packet keeps its class
// from injection to ejection; a head arriving on a VC of the other class is an error (asserted).
// Flow control: credit based per VC on every link. After reset every output VC holds
// BufDepth credits (the downstream buffer depth: all routers and endpoints share it);
// out_credit_i[o*NumVcs+v] returns one. A sender must never send without a credit
// (err_overflow_o latches if it does).
// Allocation: wormhole per VC (an output VC is held by one packet from head to tail). A flit
// at the head of an input VC is eligible when it is dropped, or its output VC has a credit
// and is free or already held by its packet. Separable allocator, two iterations:
//   1. each input port requests with one eligible VC, round-robin over its VCs; each output
//      port grants one requesting input port, round-robin over the inputs;
//   2. an input port that lost in 1 requests with another eligible VC whose output port no
//      one won in 1; those output ports grant one of these inputs, same round-robin.
//   An output's round-robin pointer moves past the input it granted, an input's past the VC
//   it sent. Round-robin is deterministic, and one source/destination pair always uses the
//   same ports and VCs, so its packets stay in order.
// Drops: a head whose destination has another Z arm or lies outside the slice is not routed;
// the packet's flits are consumed at the buffer head, credits are returned, and
// drop_zmismatch_o / drop_out_of_shape_o count packets. Misaddressed traffic never blocks
// the router.
// Link hold (the OCS reconfiguration protocol, rtl/ocs/ocs_switch.sv): out_hold_i[p] stops new
// packets from starting on output p while packets already in progress finish; out_idle_o[p]
// says no output VC of p is held and all its credits are home, so nothing of ours is on that
// link or in the buffers behind it.
// Configuration: registers written with cfg_we_i (own coordinate, cube and slice shape, wrap
// links, twist shifts), so one model serves every shape; write it while the network is idle.
// Assertions (simulation only, `ifndef SYNTHESIS; Verilator --assert): no flit into a full
// input buffer, no pop of an empty one, no credit beyond BufDepth or below 0, at most one grant
// per output and per input port in a cycle, an output VC held by one packet from head to tail,
// a head on a VC of its own class.
//
// Simulation speed (Verilator): every input is sampled in always_ff (no logic runs between
// clock edges); allocation, output and input units are one clocked process on packed vectors
// whose temporaries the Verilated model keeps as C++ locals (see the comment at that process),
// built as whole words, with work skipped for empty VCs and idle ports; a buffer entry is read
// only for the flits that leave; the decode + route of a head is one function that Verilator
// keeps out of line (no_inline_task), so its code and locals only run when a head arrives.
`default_nettype none

module ici_router #(
  parameter int unsigned NumVcs = 2,   /// virtual channels per link: 2 (classes share them) or 4 (a pair per class)
  parameter int unsigned BufDepth = 8, /// flits per input VC buffer: power of two, >= 2
  parameter int unsigned FlitW = 160,  /// data bits per flit, >= ici_pkg::MinFlitW
  parameter int unsigned NumLocal = 1, /// local ports (the endpoint's injection and ejection lanes), 1..6
  localparam int unsigned NP = ici_pkg::NumLinks + NumLocal,
  localparam int unsigned VcW = $clog2(NumVcs)
) (
  input  wire logic                               clk_i,
  input  wire logic                               rst_ni,
  // Configuration registers
  input  wire logic                               cfg_we_i,       ///< write all configuration registers
  input  wire phext_pkg::coord_t                  cfg_own_i,      ///< this chip's phext coordinate
  input  wire phext_pkg::cube_shape_t             cfg_cube_i,     ///< chips per cube, per axis
  input  wire phext_pkg::gpos_t                   cfg_slice_i,    ///< chips per slice, per axis
  input  wire logic [2:0]                         cfg_wrap_i,     ///< wrap links on x (bit 0), y, z
  input  wire logic [phext_pkg::GlobalW-1:0]      cfg_shift_xy_i, ///< twist: x wrap shifts y by this
  input  wire logic [phext_pkg::GlobalW-1:0]      cfg_shift_xz_i, ///< twist: x wrap shifts z by this
  input  wire logic [phext_pkg::GlobalW-1:0]      cfg_shift_yz_i, ///< twist: y wrap shifts z by this
  output logic                                    cfg_ok_o,       ///< own coordinate lies in the slice
  // Input links, port p in bits [p*W +: W]
  input  wire logic [NP-1:0]                      in_valid_i,
  input  wire logic [NP-1:0]                      in_head_i,
  input  wire logic [NP-1:0]                      in_tail_i,
  input  wire logic [NP*VcW-1:0]                  in_vc_i,
  input  wire logic [NP*FlitW-1:0]                in_data_i,
  output logic [NP*NumVcs-1:0]                    in_credit_o,    ///< one pulse per freed buffer slot
  // Output links
  output logic [NP-1:0]                           out_valid_o,
  output logic [NP-1:0]                           out_head_o,
  output logic [NP-1:0]                           out_tail_o,
  output logic [NP*VcW-1:0]                       out_vc_o,
  output logic [NP*FlitW-1:0]                     out_data_o,
  input  wire logic [NP*NumVcs-1:0]               out_credit_i,   ///< credits returned by the receivers
  input  wire logic [NP-1:0]                      out_hold_i,     ///< start no new packet on this output (link going down)
  output logic [NP-1:0]                           out_idle_o,     ///< no packet in progress, every credit home
  // Status
  output logic [31:0]                             drop_zmismatch_o,    ///< packets for another slice (saturating)
  output logic [31:0]                             drop_out_of_shape_o, ///< packets outside the slice (saturating)
  output logic                                    err_overflow_o       ///< a flit arrived without a credit (sticky)
);

  // ---- parameters -------------------------------------------------------------------------
  localparam int unsigned NumIvc = NP * NumVcs;         // input VCs = output VCs
  localparam int unsigned PtrW = $clog2(BufDepth);
  localparam int unsigned CntW = PtrW + 1;
  localparam int unsigned IvcW = $clog2(NumIvc);
  localparam int unsigned PW = NP > 8 ? 4 : ici_pkg::PortW; // port numbers: links 0..5, then the local lanes
  localparam int unsigned GW = phext_pkg::GlobalW;
  // route of a packet: {drop, port, vc}; buffer entry metadata: {head, tail, route}
  localparam int unsigned RtW = 1 + PW + VcW;
  localparam int unsigned MetaW = 2 + RtW;
  localparam int unsigned MVc = 0;
  localparam int unsigned MPort = VcW;
  localparam int unsigned MDrop = VcW + PW;
  localparam int unsigned MTail = MDrop + 1;
  localparam int unsigned MHead = MDrop + 2;
  // head_route result: {decode status, port, vc}
  localparam int unsigned HrW = 2 + PW + VcW;

  if (NumVcs != 2 && NumVcs != 4) begin : gen_bad_num_vcs
    ici_router_NumVcs_must_be_2_or_4 u_error();
  end
  if (BufDepth < 2 || (BufDepth & (BufDepth - 1)) != 0) begin : gen_bad_buf_depth
    ici_router_BufDepth_must_be_a_power_of_two u_error();
  end
  if (ici_pkg::GW != phext_pkg::GlobalW) begin : gen_bad_pkg
    ici_pkg_GW_differs_from_phext_pkg_GlobalW u_error();
  end
  if (FlitW < ici_pkg::MinFlitW) begin : gen_bad_flit_w
    ici_router_FlitW_below_ici_pkg_MinFlitW u_error();
  end
  if (NumLocal < 1 || NumLocal > ici_pkg::NumLinks) begin : gen_bad_num_local
    ici_router_NumLocal_must_be_1_to_6 u_error();
  end

  // ---- configuration registers ------------------------------------------------------------
  logic [phext_pkg::ZArmW-1:0] own_z_q;
  logic [3*GW-1:0] own_g_q, slice_q;
  logic [3*phext_pkg::CubeDimW-1:0] cube_q;
  logic [2:0] wrap_q;
  logic [GW-1:0] sxy_q, sxz_q, syz_q;

  // ---- state ----------------------------------------------------------------------------
  // Input VC i = p * NumVcs + v of input port p. Buffers: one FIFO per input VC, flits
  // stored with their packet's route.
  logic [FlitW-1:0] data_q [NP][NumVcs*BufDepth];  // per input port, slot {vc, pointer}
  logic [MetaW-1:0] meta_q [NumIvc*BufDepth];      // slot {input VC, pointer}
  logic [NumIvc*PtrW-1:0] rd_q, wr_q;
  logic [NumIvc*CntW-1:0] cnt_q;
  logic [NumIvc-1:0] ne_q;             // input VC buffer not empty (cnt_q != 0): one narrow word to scan
  logic [NumIvc*RtW-1:0] pkt_q;        // route of the packet arriving on each input VC
  logic [NP-1:0] drop_zm_q, drop_oos_q; // per input port: a head was dropped last cycle
  logic overflow_q;
  // Output VC o * NumVcs + v of output port o.
  logic [NumIvc-1:0] ovc_busy_q;       // output VC held by a packet between head and tail
  logic [NumIvc*CntW-1:0] credit_q;    // credits per output VC
  logic [NP*VcW-1:0] in_rr_q;          // round-robin per input port: the VC to prefer
  logic [NP*NP-1:0] out_rr_q;          // round-robin per output port: mask of the inputs to prefer
`ifndef SYNTHESIS
  logic [NumIvc*IvcW-1:0] owner_q;     // the input VC whose packet holds each output VC (assertions)
`endif

  assign err_overflow_o = overflow_q;

  // ---- switch allocation, output and input units ----------------------------------------
  // One process: the allocation below reads registered state only (it is the combinational
  // allocator of edge 2, written with blocking temporaries: as an always_comb it would also
  // run in the settle region of the Verilated model and keep every intermediate as a model
  // member), then every register is updated. Written for the Verilated model's speed (the
  // logic is the same as a plain per-bit description):
  //   * every temporary is first assigned as a whole at the top level of the process: the
  //     Verilated model then keeps it as a C++ local of the clock-edge function (V3Localize
  //     only does that for a variable whose first use is such an assignment), not a member;
  //   * temporaries are built as whole words (x = x | (v << i)) and registers updated with
  //     masked field writes at fixed positions (loops over the VC number k rather than a
  //     shift by a computed amount), not x[i] = .. with a loop index (Verilator turns those
  //     into a bounds-checked read-modify-write through a model-member temporary); only the
  //     request matrix keeps req[port * NP + p] = 1: as shifts by a computed amount, yosys's
  //     resource sharing (synth) compares them pairwise and takes far longer;
  //   * work is skipped for empty input VCs, idle ports and outputs, and no allocation runs
  //     when no flit is buffered; a flit's data is copied only when it leaves.
  localparam int unsigned IvcPW = NumIvc * PW;
  localparam int unsigned IvcVW = NumIvc * VcW;
  localparam int unsigned PVW = NP * VcW;
  localparam int unsigned NP2 = NP * NP;
  localparam int unsigned IvcPtrW = NumIvc * PtrW;
  localparam int unsigned IvcCntW = NumIvc * CntW;
  localparam int unsigned IvcRtW = NumIvc * RtW;
  always_ff @(posedge clk_i or negedge rst_ni) begin : router
    // temporaries of this clock edge only: not traced
    /*verilator tracing_off*/
    logic [NumIvc-1:0] elig, fwd, hd, tl, pop, take, busy_d, ne_d;
    logic [IvcPW-1:0] port;              // per input VC: output port of its head flit
    logic [IvcVW-1:0] ovcv;              // per input VC: output VC of its head flit
    logic [NP-1:0] c1, c1_drop, won, c2_won, deq, gnt_valid, o_head, o_tail;
    logic [NP-1:0] taken, r, hi, pick, zm, oos;
    logic [PVW-1:0] c1_vc, c2_vc, sel_vc, o_vc, in_rr_d;
    logic [NP2-1:0] req, gnt, rr;        // per output port: requesting / granted input ports
    logic [MetaW-1:0] m;
    logic [IvcW-1:0] ovc, ivc, fivc;
    logic [VcW-1:0] v, vin, fv;
    logic [PW-1:0] gp, pt;
    logic [IvcPtrW-1:0] rd_d, wr_d;
    logic [IvcCntW-1:0] cnt_d, credit_d;
    logic [IvcRtW-1:0] pkt_d;
    logic [CntW-1:0] cn;
    logic [RtW-1:0] rt;
    logic [HrW-1:0] hr;
    logic [NP-1:0] g1;
    logic [PtrW-1:0] ptr;
    logic ovf, found;
`ifndef SYNTHESIS
    logic [NumIvc*IvcW-1:0] owner_d;
    owner_d = owner_q;
`endif
    elig = '0; fwd = '0; hd = '0; tl = '0; pop = '0; take = '0; busy_d = '0; ne_d = '0; port = '0; ovcv = '0;
    c1 = '0; c1_drop = '0; won = '0; c2_won = '0; deq = '0; gnt_valid = '0; o_head = '0; o_tail = '0;
    taken = '0; r = '0; hi = '0; pick = '0; zm = '0; oos = '0;
    c1_vc = '0; c2_vc = '0; sel_vc = '0; o_vc = '0; in_rr_d = '0;
    req = '0; gnt = '0; rr = '0; m = '0; ovc = '0; ivc = '0; fivc = '0; v = '0; vin = '0; fv = '0;
    gp = '0; pt = '0; rd_d = '0; wr_d = '0; cnt_d = '0; credit_d = '0; pkt_d = '0; cn = '0;
    rt = '0; hr = '0; g1 = '0; ptr = '0; ovf = 1'b0; found = 1'b0;
    /*verilator tracing_on*/
    if (!rst_ni) begin
      rd_q <= '0;
      wr_q <= '0;
      cnt_q <= '0;
      ne_q <= '0;
      pkt_q <= '0;
      drop_zm_q <= '0;
      drop_oos_q <= '0;
      overflow_q <= 1'b0;
      in_credit_o <= '0;
      out_valid_o <= '0;
      out_head_o <= '0;
      out_tail_o <= '0;
      out_vc_o <= '0;
      ovc_busy_q <= '0;
      credit_q <= {NumIvc{CntW'(BufDepth)}};
      in_rr_q <= '0;
      out_rr_q <= '0;
    end else begin
      // ---- flits at the heads of the input VCs: eligible when dropped, or when the output
      // VC has a credit and is free (a head) or held by this packet (body, tail)
      if (ne_q != '0) begin
        for (int i = 0; i < NumIvc; i++) begin
          if (ne_q[i]) begin
            m = meta_q[{IvcW'(i), rd_q[i*PtrW +: PtrW]}];
            hd = hd | (NumIvc'(m[MHead]) << i);
            tl = tl | (NumIvc'(m[MTail]) << i);
            port[i*PW +: PW] = m[MPort +: PW];
            ovcv = ovcv | (IvcVW'(m[MVc +: VcW]) << (i*VcW));
            ovc = IvcW'(m[MPort +: PW]) * IvcW'(NumVcs) + IvcW'(m[MVc +: VcW]);
            if (m[MDrop]) begin
              elig = elig | (NumIvc'(1) << i);
            end else if (credit_q[ovc*CntW +: CntW] != '0 &&
                         (!m[MHead] || (!ovc_busy_q[ovc] && !out_hold_i[m[MPort +: PW]]))) begin
              fwd = fwd | (NumIvc'(1) << i);
              elig = elig | (NumIvc'(1) << i);
            end
          end
        end
      end
      if (elig != '0) begin
        // ---- iteration 1: one eligible VC per input port (round-robin), one input per output
        for (int p = 0; p < NP; p++) begin
          if (elig[p*NumVcs +: NumVcs] != '0) begin
            found = 1'b0;
            for (int k = 0; k < NumVcs; k++) begin
              v = in_rr_q[p*VcW +: VcW] + VcW'(k);
              ivc = IvcW'(p * NumVcs) + IvcW'(v);
              if (!found && elig[ivc]) begin
                found = 1'b1;
                fv = v;
                fivc = ivc;
              end
            end
            pt = port[fivc*PW +: PW];
            c1 = c1 | (NP'(1) << p);
            c1_vc = c1_vc | (PVW'(fv) << (p*VcW));
            if (fwd[fivc]) req[32'(pt) * NP + p] = 1'b1;
            else c1_drop = c1_drop | (NP'(1) << p);
          end
        end
        // round-robin pick: the lowest requester at or above the pointer, else the lowest one
        if (req != '0) begin
          for (int o = 0; o < NP; o++) begin
            r = req[o*NP +: NP];
            if (r != '0) begin
              hi = r & out_rr_q[o*NP +: NP];
              pick = (hi != '0) ? hi : r;
              g1 = pick & (~pick + 1'b1);
              gnt = gnt | (NP2'(g1) << (o*NP));
              won = won | g1;             // an input requests one output: won if granted
              taken = taken | (NP'(1) << o);
            end
          end
        end
        // ---- iteration 2: inputs that lost try another eligible VC bound to a free output
        if ((c1 & ~c1_drop & ~won) != '0 && NumVcs > 1) begin
          req = '0;
          for (int p = 0; p < NP; p++) begin
            if (c1[p] && !c1_drop[p] && !won[p]) begin
              found = 1'b0;
              for (int k = 1; k < NumVcs; k++) begin
                v = c1_vc[p*VcW +: VcW] + VcW'(k);
                ivc = IvcW'(p * NumVcs) + IvcW'(v);
                if (!found && fwd[ivc] && !taken[port[ivc*PW +: PW]]) begin
                  found = 1'b1;
                  fv = v;
                  fivc = ivc;
                end
              end
              if (found) begin
                pt = port[fivc*PW +: PW];
                c2_vc = c2_vc | (PVW'(fv) << (p*VcW));
                req[32'(pt) * NP + p] = 1'b1;
              end
            end
          end
          if (req != '0) begin
            for (int o = 0; o < NP; o++) begin
              r = req[o*NP +: NP];
              if (r != '0 && !taken[o]) begin
                hi = r & out_rr_q[o*NP +: NP];
                pick = (hi != '0) ? hi : r;
                g1 = pick & (~pick + 1'b1);
                gnt = gnt | (NP2'(g1) << (o*NP));
                c2_won = c2_won | g1;
              end
            end
          end
        end
        for (int p = 0; p < NP; p++) begin
          if (won[p] || c1_drop[p]) begin
            deq = deq | (NP'(1) << p);
            sel_vc = sel_vc | (PVW'(c1_vc[p*VcW +: VcW]) << (p*VcW));
          end else if (c2_won[p]) begin
            deq = deq | (NP'(1) << p);
            sel_vc = sel_vc | (PVW'(c2_vc[p*VcW +: VcW]) << (p*VcW));
          end
        end
      end

`ifndef SYNTHESIS
      // one flit per output port and per input port in a cycle
      if (gnt != '0) begin
        for (int o = 0; o < NP; o++) begin
          assert ($onehot0(gnt[o*NP +: NP])) else $error("ici_router: output %0d granted to several inputs", o);
          for (int q = o + 1; q < NP; q++)
            assert ((gnt[o*NP +: NP] & gnt[q*NP +: NP]) == '0)
              else $error("ici_router: one input granted outputs %0d and %0d", o, q);
        end
      end
`endif
      // ---- output registers, output VC state, credits, round-robin pointers
      busy_d = ovc_busy_q;
      rr = out_rr_q;
      if (gnt != '0) begin
        for (int o = 0; o < NP; o++) begin
          if (gnt[o*NP +: NP] != '0) begin
            gnt_valid = gnt_valid | (NP'(1) << o);
            // crossbar: the granted input port's flit, read from its buffer (the read of
            // input p's buffer is the same for every output, synthesis shares it; reading
            // data_q[gp] with a computed gp instead made the design 2.4x the cells)
            for (int p = 0; p < NP; p++) begin
              if (gnt[o*NP + p]) begin
                gp = PW'(p);
                v = sel_vc[p*VcW +: VcW];
                out_data_o[o*FlitW +: FlitW] <= data_q[p][{v, rd_q[(p*NumVcs + 32'(v))*PtrW +: PtrW]}];
              end
            end
            v = sel_vc[gp*VcW +: VcW];
            ivc = IvcW'(gp) * IvcW'(NumVcs) + IvcW'(v);
            o_head = o_head | (NP'(hd[ivc]) << o);
            o_tail = o_tail | (NP'(tl[ivc]) << o);
            o_vc = o_vc | (PVW'(ovcv[ivc*VcW +: VcW]) << (o*VcW));
            // output VC o * NumVcs + k (k spelled out: fixed bit positions, no shifters)
            for (int k = 0; k < NumVcs; k++) begin
              if (ovcv[ivc*VcW +: VcW] == VcW'(k)) begin
                take = take | (NumIvc'(1) << (o*NumVcs + k));
                if (tl[ivc]) busy_d = busy_d & ~(NumIvc'(1) << (o*NumVcs + k));
                else if (hd[ivc]) busy_d = busy_d | (NumIvc'(1) << (o*NumVcs + k));
`ifndef SYNTHESIS
                // wormhole: a head takes a free output VC, the rest of its packet follows on it
                if (hd[ivc]) begin
                  assert (!ovc_busy_q[o*NumVcs + k])
                    else $error("ici_router: a head took output %0d VC %0d, held by another packet", o, k);
                  owner_d[(o*NumVcs + k)*IvcW +: IvcW] = ivc;
                end else begin
                  assert (ovc_busy_q[o*NumVcs + k] && owner_q[(o*NumVcs + k)*IvcW +: IvcW] == ivc)
                    else $error("ici_router: output %0d VC %0d took a body flit of a packet that does not hold it", o, k);
                end
`endif
              end
            end
            // the inputs above gp come first next time
            g1 = ~((NP'(2) << gp) - 1'b1);
            rr = (rr & ~(NP2'({NP{1'b1}}) << (o*NP))) | (NP2'(g1) << (o*NP));
          end
        end
      end
      out_valid_o <= gnt_valid;
      out_head_o <= o_head;
      out_tail_o <= o_tail;
      out_vc_o <= o_vc;
      ovc_busy_q <= busy_d;
`ifndef SYNTHESIS
      owner_q <= owner_d;
`endif
      out_rr_q <= rr;
      credit_d = credit_q;
      if ((take | out_credit_i) != '0) begin
        for (int o = 0; o < NP; o++) begin
          if ((take[o*NumVcs +: NumVcs] | out_credit_i[o*NumVcs +: NumVcs]) != '0) begin // (only ports with news)
            for (int k = 0; k < NumVcs; k++) begin
`ifndef SYNTHESIS
              if (out_credit_i[o*NumVcs + k])
                assert (credit_q[(o*NumVcs + k)*CntW +: CntW] != CntW'(BufDepth))
                  else $error("ici_router: a credit came back to output %0d VC %0d with all its credits home", o, k);
              if (take[o*NumVcs + k])
                assert (credit_q[(o*NumVcs + k)*CntW +: CntW] != '0)
                  else $error("ici_router: output %0d VC %0d sent without a credit", o, k);
`endif
              if (take[o*NumVcs + k] != out_credit_i[o*NumVcs + k]) begin
                cn = take[o*NumVcs + k] ? credit_q[(o*NumVcs + k)*CntW +: CntW] - 1'b1
                                         : credit_q[(o*NumVcs + k)*CntW +: CntW] + 1'b1;
                credit_d[(o*NumVcs + k)*CntW +: CntW] = cn;
              end
            end
          end
        end
      end
      credit_q <= credit_d;

      // ---- input units: pop what left (credit back upstream), push what arrived
      rd_d = rd_q;
      wr_d = wr_q;
      cnt_d = cnt_q;
      ne_d = ne_q;
      pkt_d = pkt_q;
      in_rr_d = in_rr_q;
      if (deq != '0) begin
        for (int p = 0; p < NP; p++) begin
          if (deq[p]) begin
            v = sel_vc[p*VcW +: VcW];
            for (int k = 0; k < NumVcs; k++) begin
              if (v == VcW'(k)) begin
                pop = pop | (NumIvc'(1) << (p*NumVcs + k));
`ifndef SYNTHESIS
                assert (cnt_q[(p*NumVcs + k)*CntW +: CntW] != '0) else $error("ici_router: input VC %0d popped empty", p*NumVcs + k);
`endif
                ptr = rd_q[(p*NumVcs + k)*PtrW +: PtrW] + 1'b1;
                rd_d[(p*NumVcs + k)*PtrW +: PtrW] = ptr;
                cn = cnt_q[(p*NumVcs + k)*CntW +: CntW] - 1'b1;
                cnt_d[(p*NumVcs + k)*CntW +: CntW] = cn;
                if (cn == '0) ne_d = ne_d & ~(NumIvc'(1) << (p*NumVcs + k));
              end
            end
            v = v + 1'b1;
            in_rr_d = (in_rr_d & ~(PVW'({VcW{1'b1}}) << (p*VcW))) | (PVW'(v) << (p*VcW));
          end
        end
      end
      in_credit_o <= pop;
      in_rr_q <= in_rr_d;
      ovf = overflow_q;
      if (in_valid_i != '0) begin
        for (int p = 0; p < NP; p++) begin
          if (in_valid_i[p]) begin
            vin = in_vc_i[p*VcW +: VcW];
            ivc = IvcW'(p * NumVcs) + IvcW'(vin);
            rt = pkt_q[ivc*RtW +: RtW];
            // a head: decode the phext destination, then the next hop from the configuration
            if (in_head_i[p]) begin
              hr = head_route(in_data_i[p*FlitW + ici_pkg::HeadDestLsb +: phext_pkg::CoordW],
                              in_data_i[p*FlitW + ici_pkg::HeadTypeLsb +: ici_pkg::HeadTypeW], PW'(p), vin[0],
                              own_z_q, own_g_q, cube_q, slice_q, wrap_q, sxy_q, sxz_q, syz_q);
`ifndef SYNTHESIS
              if (NumVcs > 2)
                assert (vin[VcW-1] == in_data_i[p*FlitW + ici_pkg::HeadClassBit])
                  else $error("ici_router: input %0d: a head on VC %0d of the other message class", p, vin);
`endif
              rt = {hr[HrW-1 -: 2] != phext_pkg::DecOk, hr[RtW-2:0]};
              zm = zm | (NP'(hr[HrW-1 -: 2] == phext_pkg::DecZMismatch) << p);
              oos = oos | (NP'(hr[HrW-1 -: 2] == phext_pkg::DecOutOfShape) << p);
            end
            data_q[p][{vin, wr_q[ivc*PtrW +: PtrW]}] <= in_data_i[p*FlitW +: FlitW];
            meta_q[{ivc, wr_q[ivc*PtrW +: PtrW]}] <= {in_head_i[p], in_tail_i[p], rt};
            // a full buffer takes no flit, even while it pops one: that pop's credit only
            // reaches the sender after this edge, so the sender had no credit for this flit
            if (cnt_q[ivc*CntW +: CntW] == CntW'(BufDepth)) ovf = 1'b1;
`ifndef SYNTHESIS
            assert (cnt_q[ivc*CntW +: CntW] != CntW'(BufDepth))
              else $error("ici_router: input %0d VC %0d: a flit arrived without a credit (buffer full)", p, vin);
`endif
            for (int k = 0; k < NumVcs; k++) begin
              if (vin == VcW'(k)) begin
                if (in_head_i[p]) begin
                  pkt_d[(p*NumVcs + k)*RtW +: RtW] = rt;
                end
                ptr = wr_q[(p*NumVcs + k)*PtrW +: PtrW] + 1'b1;
                wr_d[(p*NumVcs + k)*PtrW +: PtrW] = ptr;
                cn = cnt_d[(p*NumVcs + k)*CntW +: CntW] + 1'b1;
                cnt_d[(p*NumVcs + k)*CntW +: CntW] = cn;
                ne_d = ne_d | (NumIvc'(1) << (p*NumVcs + k));
              end
            end
          end
        end
      end
      rd_q <= rd_d;
      wr_q <= wr_d;
      cnt_q <= cnt_d;
      ne_q <= ne_d;
      pkt_q <= pkt_d;
      drop_zm_q <= zm;
      drop_oos_q <= oos;
      overflow_q <= ovf;
    end
  end

  // ---- configuration registers and drop counters -----------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      own_z_q <= '0;
      own_g_q <= '0;
      slice_q <= '0;
      cube_q <= '0;
      wrap_q <= '0;
      sxy_q <= '0;
      sxz_q <= '0;
      syz_q <= '0;
      cfg_ok_o <= 1'b0;
      drop_zmismatch_o <= '0;
      drop_out_of_shape_o <= '0;
    end else begin
      if (cfg_we_i) begin
        // decoded here, not in combinational logic: nothing is computed from inputs between edges
        logic [phext_pkg::DecodeW-1:0] own_dec;
        own_dec = own_decode(cfg_own_i, cfg_cube_i, cfg_slice_i);
        own_z_q <= cfg_own_i[phext_pkg::CoordW-1 -: phext_pkg::ZArmW];
        own_g_q <= own_dec[3*GW-1:0];
        cfg_ok_o <= own_dec[phext_pkg::DecodeW-1 -: 2] == phext_pkg::DecOk;
        slice_q <= cfg_slice_i;
        cube_q <= cfg_cube_i;
        wrap_q <= cfg_wrap_i;
        sxy_q <= cfg_shift_xy_i;
        sxz_q <= cfg_shift_xz_i;
        syz_q <= cfg_shift_yz_i;
      end
      // counted one cycle after the head arrived; saturating
      if (drop_zm_q != '0) drop_zmismatch_o <= sat_add(drop_zmismatch_o, drop_zm_q);
      if (drop_oos_q != '0) drop_out_of_shape_o <= sat_add(drop_out_of_shape_o, drop_oos_q);
    end
  end

  function automatic logic [31:0] sat_add(input logic [31:0] c, input logic [NP-1:0] inc);
    logic [32:0] sum;
    sum = {1'b0, c};
    for (int p = 0; p < NP; p++) sum = sum + 33'(inc[p]);
    sat_add = sum[32] ? '1 : sum[31:0];
  endfunction

  // The configuration's own coordinate decoded (out of line, like head_route).
  function automatic logic [phext_pkg::DecodeW-1:0] own_decode(input logic [phext_pkg::CoordW-1:0] own,
                                                              input logic [3*phext_pkg::CubeDimW-1:0] cube,
                                                              input logic [3*GW-1:0] slice);
    /*verilator no_inline_task*/
    own_decode = phext_pkg::decode(own, own[phext_pkg::CoordW-1 -: phext_pkg::ZArmW], cube, slice);
  endfunction

  // The next hop of a head flit of packet type `typ` arriving on in_port, on the VC of its class's
  // pair `pair_vc` (the low bit of its VC): {decode status, port, vc}; the VC returned is the
  // route's VC inside the pair of the class (4 VCs) or of the one shared pair (2 VCs). A packet
  // that has arrived leaves on a local lane: write and add packets (the bulk data of collectives)
  // on the lane of the port they came in on (in_port mod NumLocal, local lanes counted from 0),
  // so six links can eject at once; every other packet on lane 0, the endpoint's full receive
  // path. Kept out of line in the Verilated model: it runs only when a head arrives.
  function automatic logic [HrW-1:0] head_route(input logic [phext_pkg::CoordW-1:0] dest,
                                               input logic [ici_pkg::HeadTypeW-1:0] typ,
                                               input logic [PW-1:0] in_port, input logic pair_vc,
                                               input logic [phext_pkg::ZArmW-1:0] own_z,
                                               input logic [3*GW-1:0] own_g,
                                               input logic [3*phext_pkg::CubeDimW-1:0] cube,
                                               input logic [3*GW-1:0] slice, input logic [2:0] wrap,
                                               input logic [GW-1:0] sxy, input logic [GW-1:0] sxz,
                                               input logic [GW-1:0] syz);
    /*verilator no_inline_task*/
    logic [phext_pkg::DecodeW-1:0] dec;
    logic [ici_pkg::RouteW-1:0] r;  // {port, vc inside the pair}
    logic [1:0] vc;                 // {class, vc inside the pair}
    logic [ici_pkg::PortW-1:0] link_in;
    logic [PW-1:0] out, lane;
    link_in = in_port >= PW'(ici_pkg::NumLinks) ? ici_pkg::PortLocal : in_port[ici_pkg::PortW-1:0];
    dec = phext_pkg::decode(dest, own_z, cube, slice);
    r = ici_pkg::route(own_g, dec[3*GW-1:0], slice, wrap, sxy, sxz, syz, link_in, pair_vc);
    vc = {NumVcs > 2 ? typ[ici_pkg::HeadTypeW-1] : 1'b0, r[0]};
    out = PW'(r[ici_pkg::RouteVcW +: ici_pkg::PortW]);
    if (NumLocal > 1 && out == PW'(ici_pkg::PortLocal)) begin
      lane = in_port >= PW'(ici_pkg::NumLinks) ? in_port - PW'(ici_pkg::NumLinks) : in_port;
      if (typ == ici_pkg::PktWrite || typ == ici_pkg::PktCollective)
        out = PW'(ici_pkg::NumLinks) + lane % PW'(NumLocal);
    end
    head_route = {dec[phext_pkg::DecodeW-1 -: 2], out, vc[VcW-1:0]};
  endfunction

  // ---- link status for the OCS protocol: from registered state only ------------------------
  always_comb begin
    for (int p = 0; p < NP; p++) begin
      out_idle_o[p] = ovc_busy_q[p*NumVcs +: NumVcs] == '0;
      for (int v = 0; v < NumVcs; v++)
        if (credit_q[(p*NumVcs + v)*CntW +: CntW] != CntW'(BufDepth)) out_idle_o[p] = 1'b0;
    end
  end

endmodule

`default_nettype wire
