// ici_router: the ICI router of one chip. Input-buffered virtual-channel router with six
// torus ports (+X -X +Y -Y +Z -Z) and a local port, routing on the destination's phext
// coordinate (ici_pkg.sv describes flits and the route function; docs/architecture.md has
// the theory of operation).
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
// Flow control: credit based per VC on every link. After reset every output VC holds
// BufDepth credits (the downstream buffer depth: all routers and endpoints share it);
// out_credit_i[o*NumVcs+v] returns one. A sender must never send without a credit
// (err_overflow_o latches if it does).
// Allocation: wormhole per VC (an output VC is held by one packet from head to tail);
// separable allocator: each input port picks one eligible VC round-robin, then each output
// port picks one requesting input port round-robin. Round-robin is deterministic, and one
// source/destination pair always uses the same ports and VCs, so its packets stay in order.
// Drops: a head whose destination has another Z arm or lies outside the slice is not routed;
// the packet's flits are consumed at the buffer head, credits are returned, and
// drop_zmismatch_o / drop_out_of_shape_o count packets. Misaddressed traffic never blocks
// the router.
// Configuration: registers written with cfg_we_i (own coordinate, cube and slice shape, wrap
// links, twist shifts), so one model serves every shape; write it while the network is idle.
`default_nettype none

module ici_router #(
  parameter int unsigned NumVcs = 2,   /// virtual channels per link: 2 or 4
  parameter int unsigned BufDepth = 8, /// flits per input VC buffer: power of two, >= 2
  parameter int unsigned FlitW = 160,  /// data bits per flit, >= ici_pkg::MinFlitW
  localparam int unsigned NP = ici_pkg::NumPorts,
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
  localparam int unsigned GW = phext_pkg::GlobalW;
  // route of a packet: {drop, port, vc}; buffer entry metadata: {head, tail, route}
  localparam int unsigned RtW = 1 + ici_pkg::PortW + VcW;
  localparam int unsigned MetaW = 2 + RtW;
  localparam int unsigned MVc = 0;
  localparam int unsigned MPort = VcW;
  localparam int unsigned MDrop = VcW + ici_pkg::PortW;
  localparam int unsigned MTail = MDrop + 1;
  localparam int unsigned MHead = MDrop + 2;

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

  // ---- configuration registers ------------------------------------------------------------
  logic [phext_pkg::ZArmW-1:0] own_z_q;
  logic [3*GW-1:0] own_g_q, slice_q;
  logic [3*phext_pkg::CubeDimW-1:0] cube_q;
  logic [2:0] wrap_q;
  logic [GW-1:0] sxy_q, sxz_q, syz_q;

  // ---- input units (gen_in[p]): one FIFO per input VC, flits stored with their route ------
  logic [MetaW-1:0] head_meta [NumIvc];  // metadata of the flit at each input VC's head
  logic [NumIvc-1:0] ivc_nonempty;
  logic [FlitW-1:0] sel_data [NP];       // per input port: data of the flit req_vc[p] would send
  logic [NP-1:0] drop_zm_q, drop_oos_q;  // per input port: a head was dropped last cycle

  // ---- output state -------------------------------------------------------------------------
  logic [NumIvc-1:0] ovc_busy_q;      // output VC held by a packet between head and tail
  logic [CntW-1:0] credit_q [NumIvc]; // credits per output VC
  logic [VcW-1:0] in_rr_q [NP];       // round-robin: next VC to prefer, per input port
  logic [ici_pkg::PortW-1:0] out_rr_q [NP]; // round-robin: next input port to prefer, per output

  // ---- switch allocation (combinational, from registered state only) -----------------------
  logic [NP-1:0] req_valid, req_drop, deq;
  logic [VcW-1:0] req_vc [NP];
  logic [ici_pkg::PortW-1:0] req_port [NP];
  logic [NP-1:0] gnt_valid;                  // per output port
  logic [ici_pkg::PortW-1:0] gnt_in [NP];    // per output port: the input port granted
  logic [MetaW-1:0] req_meta [NP];           // per input port: metadata of the chosen flit

  always_comb begin
    for (int p = 0; p < NP; p++) begin
      req_valid[p] = 1'b0;
      req_drop[p] = 1'b0;
      req_vc[p] = '0;
      req_port[p] = '0;
      req_meta[p] = '0;
      for (int k = 0; k < NumVcs; k++) begin
        logic [VcW-1:0] v;
        logic [MetaW-1:0] m;
        logic [IvcW-1:0] ivc, ovc;
        logic elig;
        v = in_rr_q[p] + VcW'(k);
        ivc = IvcW'(p * NumVcs) + IvcW'(v);
        m = head_meta[ivc];
        ovc = IvcW'(m[MPort +: ici_pkg::PortW]) * IvcW'(NumVcs) + IvcW'(m[MVc +: VcW]);
        elig = ivc_nonempty[ivc] &&
               (m[MDrop] || (credit_q[ovc] != '0 && (!m[MHead] || !ovc_busy_q[ovc])));
        if (elig && !req_valid[p]) begin
          req_valid[p] = 1'b1;
          req_drop[p] = m[MDrop];
          req_vc[p] = v;
          req_port[p] = m[MPort +: ici_pkg::PortW];
          req_meta[p] = m;
        end
      end
    end
    for (int o = 0; o < NP; o++) begin
      gnt_valid[o] = 1'b0;
      gnt_in[o] = '0;
      for (int k = 0; k < NP; k++) begin
        logic [ici_pkg::PortW:0] pw;
        logic [ici_pkg::PortW-1:0] p;
        pw = {1'b0, out_rr_q[o]} + (ici_pkg::PortW + 1)'(k);
        if (pw >= (ici_pkg::PortW + 1)'(NP)) pw = pw - (ici_pkg::PortW + 1)'(NP);
        p = pw[ici_pkg::PortW-1:0];
        if (!gnt_valid[o] && req_valid[p] && !req_drop[p] && req_port[p] == ici_pkg::PortW'(o)) begin
          gnt_valid[o] = 1'b1;
          gnt_in[o] = p;
        end
      end
    end
    for (int p = 0; p < NP; p++)
      deq[p] = req_valid[p] && (req_drop[p] || (gnt_valid[req_port[p]] && gnt_in[req_port[p]] == ici_pkg::PortW'(p)));
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
        own_dec = phext_pkg::decode(cfg_own_i, cfg_own_i[phext_pkg::CoordW-1 -: phext_pkg::ZArmW], cfg_cube_i,
                                    cfg_slice_i);
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

  logic [NP-1:0] overflow_q;
  assign err_overflow_o = |overflow_q;

  for (genvar p = 0; p < NP; p++) begin : gen_in
    logic [FlitW-1:0] data_q [NumVcs*BufDepth];  // slot {vc, pointer}
    logic [MetaW-1:0] meta_q [NumVcs*BufDepth];
    logic [NumVcs*PtrW-1:0] rd_q, wr_q;
    logic [NumVcs*CntW-1:0] cnt_q;
    logic [NumVcs*RtW-1:0] pkt_q;                 // route of the packet arriving on each VC
    logic [VcW-1:0] vin;
    logic [PtrW-1:0] rd_sel;

    assign vin = in_vc_i[p*VcW +: VcW];

    for (genvar v = 0; v < NumVcs; v++) begin : gen_vc
      assign head_meta[p*NumVcs+v] = meta_q[{VcW'(v), rd_q[v*PtrW +: PtrW]}];
      assign ivc_nonempty[p*NumVcs+v] = cnt_q[v*CntW +: CntW] != '0;
    end
    assign rd_sel = rd_q[req_vc[p]*PtrW +: PtrW];
    assign sel_data[p] = data_q[{req_vc[p], rd_sel}];

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        rd_q <= '0;
        wr_q <= '0;
        cnt_q <= '0;
        pkt_q <= '0;
        drop_zm_q[p] <= 1'b0;
        drop_oos_q[p] <= 1'b0;
        overflow_q[p] <= 1'b0;
        in_credit_o[p*NumVcs +: NumVcs] <= '0;
      end else begin
        logic [RtW-1:0] rt;
        logic [1:0] status;
        rt = pkt_q[vin*RtW +: RtW];
        status = phext_pkg::DecOk;
        // Route computation of an arriving head flit: decode the phext destination, then
        // the next hop from the registered configuration.
        if (in_valid_i[p] && in_head_i[p]) begin
          logic [phext_pkg::DecodeW-1:0] dec;
          logic [ici_pkg::RouteW-1:0] r;  // {port, vc}; VC bits above VcW are always 0
          dec = phext_pkg::decode(in_data_i[p*FlitW + ici_pkg::HeadDestLsb +: phext_pkg::CoordW], own_z_q, cube_q,
                                  slice_q);
          r = ici_pkg::route(own_g_q, dec[3*GW-1:0], slice_q, wrap_q, sxy_q, sxz_q, syz_q, ici_pkg::PortW'(p),
                             ici_pkg::RouteVcW'(vin), ici_pkg::RouteVcW'(NumVcs - 1));
          status = dec[phext_pkg::DecodeW-1 -: 2];
          rt = {status != phext_pkg::DecOk, r[ici_pkg::RouteVcW +: ici_pkg::PortW], r[VcW-1:0]};
          pkt_q[vin*RtW +: RtW] <= rt;
        end
        drop_zm_q[p] <= in_valid_i[p] && in_head_i[p] && status == phext_pkg::DecZMismatch;
        drop_oos_q[p] <= in_valid_i[p] && in_head_i[p] && status == phext_pkg::DecOutOfShape;
        if (in_valid_i[p]) begin
          data_q[{vin, wr_q[vin*PtrW +: PtrW]}] <= in_data_i[p*FlitW +: FlitW];
          meta_q[{vin, wr_q[vin*PtrW +: PtrW]}] <= {in_head_i[p], in_tail_i[p], rt};
        end
        for (int v = 0; v < NumVcs; v++) begin
          logic push, pop;
          push = in_valid_i[p] && vin == VcW'(v);
          pop = deq[p] && req_vc[p] == VcW'(v);
          if (push) begin
            if (cnt_q[v*CntW +: CntW] == CntW'(BufDepth) && !pop) overflow_q[p] <= 1'b1;
            wr_q[v*PtrW +: PtrW] <= wr_q[v*PtrW +: PtrW] + 1'b1;
          end
          if (pop) rd_q[v*PtrW +: PtrW] <= rd_q[v*PtrW +: PtrW] + 1'b1;
          if (push && !pop) cnt_q[v*CntW +: CntW] <= cnt_q[v*CntW +: CntW] + 1'b1;
          else if (pop && !push) cnt_q[v*CntW +: CntW] <= cnt_q[v*CntW +: CntW] - 1'b1;
          in_credit_o[p*NumVcs+v] <= pop;
        end
      end
    end
  end

  // ---- output registers, output VC state, credits, round-robin pointers --------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_valid_o <= '0;
      out_head_o <= '0;
      out_tail_o <= '0;
      out_vc_o <= '0;
      ovc_busy_q <= '0;
      for (int i = 0; i < NumIvc; i++) credit_q[i] <= CntW'(BufDepth);
      for (int p = 0; p < NP; p++) begin
        in_rr_q[p] <= '0;
        out_rr_q[p] <= '0;
      end
    end else begin
      for (int o = 0; o < NP; o++) begin
        logic [ici_pkg::PortW-1:0] p;
        logic [MetaW-1:0] m;
        p = gnt_in[o];
        m = req_meta[p];
        out_valid_o[o] <= gnt_valid[o];
        if (gnt_valid[o]) begin
          out_data_o[o*FlitW +: FlitW] <= sel_data[p];
          out_head_o[o] <= m[MHead];
          out_tail_o[o] <= m[MTail];
          out_vc_o[o*VcW +: VcW] <= m[MVc +: VcW];
          out_rr_q[o] <= (p == ici_pkg::PortW'(NP - 1)) ? '0 : p + 1'b1;
        end
        for (int v = 0; v < NumVcs; v++) begin
          logic [IvcW-1:0] i;
          logic take;
          i = IvcW'(o * NumVcs + v);
          take = gnt_valid[o] && m[MVc +: VcW] == VcW'(v);
          if (take && !out_credit_i[i]) credit_q[i] <= credit_q[i] - 1'b1;
          else if (!take && out_credit_i[i]) credit_q[i] <= credit_q[i] + 1'b1;
          if (take && m[MHead] && !m[MTail]) ovc_busy_q[i] <= 1'b1;
          else if (take && m[MTail]) ovc_busy_q[i] <= 1'b0;
        end
      end
      for (int p = 0; p < NP; p++)
        if (deq[p]) in_rr_q[p] <= req_vc[p] + 1'b1;
    end
  end

endmodule

`default_nettype wire
