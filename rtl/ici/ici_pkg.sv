// ici_pkg: flit layout and the route computation of the ICI router (rtl/ici/ici_router.sv).
//
// Ports: +X -X +Y -Y +Z -Z and local, numbered 0..6 (PortXP..PortLocal). A link leaving a
// chip through +X arrives at the neighbour's -X port. C++ twin of the numbering and of the
// whole routing function: coords/topology.hpp, coords/routing.hpp (the routing oracle).
//
// Flits. A link carries per cycle: valid, head, tail, vc and FlitW data bits. A packet is a
// head flit, then body flits, the last one flagged tail (a 1-flit packet is head and tail).
// The head flit's data (destination as phext fields, source, type, length):
//   [ 89:  0] destination phext coordinate (phext_pkg::coord_t, 9 x 10 bits)
//   [ 92: 90] packet type (ici_pkg::Pkt*); its top bit [92] is the message class
//             (HeadClassBit: 0 request, 1 response)
//   [ 97: 93] length in flits, 1..31 (informational: the router uses the head/tail flags)
//   [127: 98] source global position (phext_pkg::gpos_t)
//   [FlitW-1:128] tag (free for the endpoints: sequence number, timestamp, ...)
// Body flits carry FlitW bits of payload.
//
// Routing (the oracle's header, coords/routing.hpp, states the rules and why they are
// minimal and deadlock free): minimal offset on the unrolled torus with the twist as wrap
// vectors, smallest |dx|+|dy|+|dz| with ties to the lexicographically largest (dx,dy,dz);
// dimension order x, y, z; VCs by the dateline-at-the-wrap-link rule inside the packet's
// class: with 4 VCs class c owns VCs 2c and 2c+1, with 2 VCs the classes share VCs 0 and 1.
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds").
`default_nettype none

package ici_pkg;

  localparam int unsigned NumPorts = 7;
  localparam int unsigned NumLinks = 6;   // torus ports; the router's local ports follow them
  localparam int unsigned PortW = 3;
  localparam logic [PortW-1:0] PortXP = 3'd0;
  localparam logic [PortW-1:0] PortXM = 3'd1;
  localparam logic [PortW-1:0] PortYP = 3'd2;
  localparam logic [PortW-1:0] PortYM = 3'd3;
  localparam logic [PortW-1:0] PortZP = 3'd4;
  localparam logic [PortW-1:0] PortZM = 3'd5;
  localparam logic [PortW-1:0] PortLocal = 3'd6;

  /// Head flit fields (bit offsets into the flit data).
  localparam int unsigned HeadDestLsb = 0;
  localparam int unsigned HeadTypeLsb = 90;
  localparam int unsigned HeadTypeW = 3;
  localparam int unsigned HeadLenLsb = 93;
  localparam int unsigned HeadLenW = 5;
  localparam int unsigned HeadSrcLsb = 98;
  localparam int unsigned HeadTagLsb = 128;
  /// The smallest flit that holds a head (without tag bits).
  localparam int unsigned MinFlitW = 128;

  /// The message class: the packet type's top bit (0 request, 1 response).
  localparam int unsigned HeadClassBit = HeadTypeLsb + HeadTypeW - 1;

  /// Packet types. Requests (class 0) may make their receiver send a response;
  /// responses (class 1) are sunk by their receiver unconditionally.
  localparam logic [HeadTypeW-1:0] PktWrite = 3'd0;      // request: write words
  localparam logic [HeadTypeW-1:0] PktReadReq = 3'd1;    // request: read words, answered by PktReadData
  localparam logic [HeadTypeW-1:0] PktEmbLookup = 3'd2;  // request: an embedding row, answered by PktReadResp
  localparam logic [HeadTypeW-1:0] PktCollective = 3'd3; // request: fp32-add words (a collective step)
  localparam logic [HeadTypeW-1:0] PktReadResp = 3'd4;   // response: embedding row beats
  localparam logic [HeadTypeW-1:0] PktReadData = 3'd5;   // response: the words a PktReadReq asked for

  /// Bits of a global coordinate: GW, repeated because Yosys 0.23 cannot
  /// resolve another package's parameter at package scope (ici_router checks they agree).
  localparam int unsigned GW = 10;
  /// Signed offsets along one axis: |offset| < 5 * 1023 during the computation.
  localparam int unsigned OffW = GW + 4;
  /// The route function's VC: the VC inside the packet's class pair (0 or 1).
  localparam int unsigned RouteVcW = 1;
  /// Route result: {port, vc}.
  localparam int unsigned RouteW = PortW + RouteVcW;

  /// The minimal offset {dx, dy, dz} (OffW bits each, signed, x in the top bits) from `own`
  /// to `dst` (gpos_t layouts) in a slice of `shape`, with wrap links per axis
  /// (wrap[0] = x, wrap[1] = y, wrap[2] = z) and twist shifts sxy, sxz (x wrap along y, z)
  /// and syz (y wrap along z). Same result as the oracle's search over all wrap vectors
  /// (coords/routing.cpp) for the shapes Topology accepts, where every shift is 0 or half
  /// the shifted dimension (2*s = 0 mod size). That makes wrapping +1 or -1 times along x
  /// (or y) the same shift of the other axes, so only 2 x 2 candidates remain:
  ///   x: dx, or dx -+ X (the + one when dx = 0, since lexicographically larger wins ties)
  ///   y: r = y1 mod Y, or r - Y (r + Y when r = 0), y1 = dy shifted by the x wraps
  ///   z: z1 mod Z shifted by the wraps taken, then the nearer representative (tie: +).
  /// The number of y wraps only matters by its parity (again 2*syz = 0 mod Z).
  function automatic logic [3*OffW-1:0] min_offset(input logic [3*GW-1:0] own,
                                                   input logic [3*GW-1:0] dst,
                                                   input logic [3*GW-1:0] shape,
                                                   input logic [2:0] wrap,
                                                   input logic [GW-1:0] sxy,
                                                   input logic [GW-1:0] sxz,
                                                   input logic [GW-1:0] syz);
    logic signed [OffW-1:0] kx, ky, kz, dx, dy, dz, s_xy, s_xz, s_yz;
    logic signed [OffW-1:0] cx, y1, ry, cy, z1, cz, cost;
    logic signed [OffW-1:0] best_x, best_y, best_z, best_cost;
    logic found, valid, better, xw, qodd, yodd;
    kx = OffW'(shape[2*GW +: GW]);
    ky = OffW'(shape[GW +: GW]);
    kz = OffW'(shape[0 +: GW]);
    dx = OffW'(dst[2*GW +: GW]) - OffW'(own[2*GW +: GW]);
    dy = OffW'(dst[GW +: GW]) - OffW'(own[GW +: GW]);
    dz = OffW'(dst[0 +: GW]) - OffW'(own[0 +: GW]);
    s_xy = OffW'(sxy);
    s_xz = OffW'(sxz);
    s_yz = OffW'(syz);
    best_x = '0;
    best_y = '0;
    best_z = '0;
    best_cost = '0;
    found = 1'b0;
    if (sxy == '0 && sxz == '0 && syz == '0) begin
      // No twist: the axes are independent, each takes its nearer representative (tie: +).
      // The same result as the candidate search below, which only a twisted torus needs.
      if (wrap[0] && dx < 0) dx = dx + kx;
      if (wrap[0]) best_x = (dx <= kx - dx) ? dx : dx - kx;
      else best_x = dx;
      if (wrap[1] && dy < 0) dy = dy + ky;
      if (wrap[1]) best_y = (dy <= ky - dy) ? dy : dy - ky;
      else best_y = dy;
      if (wrap[2] && dz < 0) dz = dz + kz;
      if (wrap[2]) best_z = (dz <= kz - dz) ? dz : dz - kz;
      else best_z = dz;
    end else begin
      for (int ia = 0; ia < 2; ia++) begin
        for (int ib = 0; ib < 2; ib++) begin
          // x: ia = 1 wraps once, towards the destination (+ when dx = 0)
          xw = ia == 1;
          valid = (wrap[0] || !xw) && (wrap[1] || ib == 0);
          cx = !xw ? dx : (dx > 0) ? dx - kx : dx + kx;
          y1 = xw ? dy - s_xy : dy;
          z1 = xw ? dz - s_xz : dz;
          // y: r = y1 mod Y with y1 in (-2Y, 2Y); qodd = parity of the wraps that reduction took
          if (wrap[1]) begin
            ry = y1;
            qodd = 1'b0;
            if (ry < 0) begin
              ry = ry + ky;
              qodd = !qodd;
            end
            if (ry < 0) begin
              ry = ry + ky;
              qodd = !qodd;
            end
            if (ry >= ky) begin
              ry = ry - ky;
              qodd = !qodd;
            end
            if (ib == 0) begin
              cy = ry;
              yodd = qodd;
            end else begin
              cy = (ry == 0) ? ky : ry - ky;
              yodd = !qodd;
            end
            if (yodd) z1 = z1 - s_yz;
          end else begin
            cy = y1;
          end
          // z: z1 in (-3Z, 2Z); reduce, then the nearer representative, + on a tie
          if (wrap[2]) begin
            for (int i = 0; i < 3; i++) if (z1 < 0) z1 = z1 + kz;
            for (int i = 0; i < 2; i++) if (z1 >= kz) z1 = z1 - kz;
            cz = (z1 <= kz - z1) ? z1 : z1 - kz;
          end else begin
            cz = z1;
          end
          cost = (cx < 0 ? -cx : cx) + (cy < 0 ? -cy : cy) + (cz < 0 ? -cz : cz);
          better = !found || cost < best_cost ||
                   (cost == best_cost && (cx > best_x || (cx == best_x && (cy > best_y || (cy == best_y && cz > best_z)))));
          if (valid && better) begin
            found = 1'b1;
            best_cost = cost;
            best_x = cx;
            best_y = cy;
            best_z = cz;
          end
        end
      end
    end
    min_offset = {best_x, best_y, best_z};
  endfunction

  /// Next hop {port, vc} of a packet at `own` bound for `dst` that arrived on input port
  /// `in_port` (PortLocal when injected here) on VC `in_vc` of its class pair; the VC returned
  /// is also one of the pair (the router adds the class).
  function automatic logic [RouteW-1:0] route(input logic [3*GW-1:0] own,
                                              input logic [3*GW-1:0] dst,
                                              input logic [3*GW-1:0] shape,
                                              input logic [2:0] wrap,
                                              input logic [GW-1:0] sxy,
                                              input logic [GW-1:0] sxz,
                                              input logic [GW-1:0] syz,
                                              input logic [PortW-1:0] in_port,
                                              input logic [RouteVcW-1:0] in_vc);
    logic [3*OffW-1:0] off;
    logic signed [OffW-1:0] o_d, own_d, size_d;
    logic [RouteVcW-1:0] dst_d;  // the destination's parity along d
    int unsigned d;
    logic neg, wrap_d, wrap_now, crossing, straight;
    logic [PortW-1:0] port;
    logic [RouteVcW-1:0] vc;
    off = ici_pkg::min_offset(own, dst, shape, wrap, sxy, sxz, syz);
    if (off[2*OffW +: OffW] != '0) d = 0;
    else if (off[OffW +: OffW] != '0) d = 1;
    else d = 2;
    // axis d's values (x in the top bits of every packed triple)
    o_d = off[(2 - d) * OffW +: OffW];
    own_d = OffW'(own[(2 - d) * GW +: GW]);
    size_d = OffW'(shape[(2 - d) * GW +: GW]);
    dst_d = dst[(2 - d) * GW +: RouteVcW];
    wrap_d = wrap[d];
    neg = o_d < 0;
    if (off == '0) begin
      port = ici_pkg::PortLocal;
      vc = in_vc;
    end else begin
      port = {d[1:0], neg};
      wrap_now = wrap_d && (neg ? (own_d == 0) : (own_d == size_d - 1));
      crossing = wrap_d && (neg ? (own_d + o_d < 0) : (own_d + o_d >= size_d));
      straight = (in_port != ici_pkg::PortLocal) && (in_port[2:1] == d[1:0]);
      if (straight) vc = wrap_now ? RouteVcW'(1) : in_vc;
      else if (crossing) vc = wrap_now ? RouteVcW'(1) : RouteVcW'(0);
      else vc = dst_d;
    end
    route = {port, vc};
  endfunction

endpackage

`default_nettype wire
