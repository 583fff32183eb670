// ici_link: the reliable link layer of one ICI link end, between a router port and the wire
// pair to the neighbour (docs/blocks/ici-link.md has the theory of operation). It sends the
// router's flits on wire_o and delivers the far end's flits from wire_i to the router, strictly
// in order and exactly once, over a wire that may flip bits.
//
// Frames. Every cycle wire_o carries one frame slot and one control slot (ici_link_pkg gives
// the bit layout):
//   frame   valid, sequence number, the flit (head, tail, vc, data), CRC-16 of all of these
//   control valid, NAK, sequence number, CRC-8 of all of these
// The CRC is per flit, not per packet: replay and delivery are per flit (wormhole routing and
// credits work on flits), so a receiver delivers a flit as soon as it is checked instead of
// holding a packet until its tail. CRC-16-CCITT (x^16+x^12+x^5+1, initial value all ones) has
// the factor x+1 and Hamming distance 4 up to 32,751 bits: every error of 1, 2 or 3 bits, of
// an odd number of bits, and every burst of at most 16 bits is detected in a frame (the all-ones
// start makes an all-zero frame, an idle wire whose valid bit flips, fail too). The control
// slot has CRC-8 (x^8+x^2+x+1, initial value all ones): every burst of at most 8 bits, and
// every error of 1 to 3 bits. Both are computed over the slot's bits in wire order and placed
// above them bit-reversed, so a burst on the wire is a burst of the codeword (crc16, crc8).
// The control slot carries a valid codeword every cycle (the cumulative acknowledgement when
// nothing else is due): an idle slot is no codeword, and a few flipped bits could make one.
//
// Transmit (go-back-N). A flit from the router takes the next sequence number and is kept in
// the replay buffer until the far end acknowledges it. The buffer holds ReplayDepth =
// 2 x NumVcs x BufDepth flits: the router sends only against credits, and a flit's credit
// comes back only after the far end has taken it, so the credit window bounds the flits
// unacknowledged but for acknowledgements still on their way or lost while credits (above this
// layer) arrive; twice the window leaves NumVcs x BufDepth cycles of lost acknowledgements to
// spare (err_overflow_o latches beyond it). It covers the round trip at full rate wherever the
// credits do. A NAK of sequence number e, or TimeoutCycles without an acknowledgement while
// flits are unacknowledged, replays from the oldest unacknowledged flit. After MaxReplays
// replays in a row without progress the link retrains: nothing is sent for RetrainCycles, then
// the replay resumes; if MaxReplays more replays make no progress the link goes down (link_up_o
// falls and stays low: the pod's loss-of-signal path takes over).
//
// Receive. A frame whose CRC fails, or that is not the next sequence number, is dropped. The
// next one in order is delivered to the router in the same cycle (rx_*_o are combinational of
// wire_i and the expected sequence number) and acknowledged: the control slot carries the
// cumulative acknowledgement, the next sequence number expected. A dropped frame is answered by
// one NAK of that number (no more until an in-order flit arrives); a duplicate (a replay of a
// flit already delivered) by the acknowledgement again. Control slots that fail their CRC are
// ignored: the next acknowledgement or the timeout recovers.
//
// Credits travel above this layer, unchanged (the router's in_credit_o / out_credit_i).
//
// New far end (resync_i). Sequence numbers belong to a pair of link ends: when an OCS switches
// the circuit to another chip, both ends of the new circuit start again from 0. resync_i holds
// the state at its start (counters kept) while the circuit is dark; the OCS switches only ports
// whose chips have drained, and this end's busy_o is part of that, so nothing is in flight.
//
// Timing contract: a flit on tx_*_i at cycle c is on wire_o at c+1 (one register) and, when the
// wire delivers it intact and in order, on rx_*_o of the far end in the cycle wire_i shows it:
// the layer adds one cycle to a hop. Throughput: one flit per cycle per direction while no
// replay runs.
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds").
`default_nettype none

module ici_link #(
  parameter int unsigned NumVcs = 2,           /// virtual channels per link (the router's)
  parameter int unsigned BufDepth = 8,         /// flits per input VC buffer of the far router
  parameter int unsigned FlitW = 160,          /// data bits per flit (the router's)
  parameter int unsigned TimeoutCycles = 64,   /// cycles without an acknowledgement before a replay (> the round trip)
  parameter int unsigned MaxReplays = 8,       /// replays in a row without progress before a retrain
  parameter int unsigned RetrainCycles = 256,  /// cycles a retrain keeps the sender quiet
  parameter bit CheckCrc = 1'b1,               /// 0 only in the test that shows a missing check is caught
  localparam int unsigned VcW = $clog2(NumVcs),
  localparam int unsigned ReplayDepth = 2 * NumVcs * BufDepth,
  localparam int unsigned SeqW = $clog2(ReplayDepth) + 1,
  localparam int unsigned FlitBits = 2 + VcW + FlitW,            // head, tail, vc, data
  localparam int unsigned FrameW = 1 + SeqW + FlitBits + 16,      // valid, seq, flit, crc16
  localparam int unsigned CtlW = 2 + SeqW + 8,                   // valid, nak, seq, crc8
  localparam int unsigned WireW = FrameW + CtlW
) (
  input  wire logic               clk_i,
  input  wire logic               rst_ni,
  // Link training: high while the wire is being switched to a new far end (an OCS circuit
  // changing), with nothing in flight. The link end starts again from sequence number 0, as the
  // new far end does; its counters are kept.
  input  wire logic               resync_i,
  // From the router's output port
  input  wire logic               tx_valid_i,
  input  wire logic               tx_head_i,
  input  wire logic               tx_tail_i,
  input  wire logic [VcW-1:0]     tx_vc_i,
  input  wire logic [FlitW-1:0]   tx_data_i,
  // To the router's input port
  output logic                    rx_valid_o,
  output logic                    rx_head_o,
  output logic                    rx_tail_o,
  output logic [VcW-1:0]          rx_vc_o,
  output logic [FlitW-1:0]        rx_data_o,
  // The wire pair: frame slot in the low FrameW bits, control slot above it
  output logic [WireW-1:0]        wire_o,
  input  wire logic [WireW-1:0]   wire_i,
  // Status
  output logic                    link_up_o,        ///< 0 once the link has gone down (until a reset or resync_i)
  output logic                    busy_o,           ///< flits sent and not yet acknowledged (the link is up)
  output logic [SeqW-1:0]         unacked_o,        ///< flits held for replay: taken and not yet acknowledged
  output logic [31:0]             crc_errors_o,     ///< frames and control slots that failed their CRC (saturating)
  output logic [31:0]             replays_o,        ///< replays started (saturating)
  output logic [31:0]             retrains_o,       ///< retrains (saturating)
  output logic                    err_overflow_o    ///< a flit arrived with the replay buffer full (sticky)
);

  if (NumVcs != 2 && NumVcs != 4) begin : gen_bad_num_vcs
    ici_link_NumVcs_must_be_2_or_4 u_error();
  end
  if (BufDepth < 2 || (BufDepth & (BufDepth - 1)) != 0) begin : gen_bad_buf_depth
    ici_link_BufDepth_must_be_a_power_of_two u_error();
  end
  if (MaxReplays < 1 || TimeoutCycles < 4 || RetrainCycles < 1) begin : gen_bad_recovery
    ici_link_MaxReplays_TimeoutCycles_RetrainCycles_out_of_range u_error();
  end

  localparam int unsigned PtrW = SeqW - 1; // replay buffer index: the sequence number's low bits

  // ---- CRCs ---------------------------------------------------------------------------------
  // Over the slot's bits in wire order, bit 0 first (initial value all ones, no final
  // inversion), the result placed above them highest degree first: the CRC field holds the
  // remainder bit-reversed, so that bits next to each other on the wire are neighbouring terms
  // of the codeword polynomial and a burst on the wire is a burst for the CRC's guarantees.
  function automatic logic [15:0] crc16(input logic [1+SeqW+FlitBits-1:0] d);
    logic [15:0] c, r;
    logic fb;
    c = 16'hFFFF;
    for (int i = 0; i < 1 + SeqW + FlitBits; i++) begin
      fb = c[15] ^ d[i];
      c = {c[14:0], 1'b0} ^ (fb ? 16'h1021 : 16'h0000);
    end
    for (int k = 0; k < 16; k++) r[k] = c[15 - k];
    crc16 = r;
  endfunction

  function automatic logic [7:0] crc8(input logic [2+SeqW-1:0] d);
    logic [7:0] c, r;
    logic fb;
    c = 8'hFF;
    for (int i = 0; i < 2 + SeqW; i++) begin
      fb = c[7] ^ d[i];
      c = {c[6:0], 1'b0} ^ (fb ? 8'h07 : 8'h00);
    end
    for (int k = 0; k < 8; k++) r[k] = c[7 - k];
    crc8 = r;
  endfunction

  // ---- receive: check and deliver (combinational of wire_i) --------------------------------
  logic [SeqW-1:0] expect_q;      // next sequence number to deliver
  logic nak_sent_q;               // a NAK of expect_q went out; no other until an in-order flit

  logic [FrameW-1:0] f;
  logic [CtlW-1:0] ctl;
  logic f_valid, f_good, f_bad, f_next, f_dup;
  logic [SeqW-1:0] f_seq, f_ahead;
  logic c_valid, c_good, c_bad, c_nak;
  logic [SeqW-1:0] c_seq;
  always_comb begin
    f = wire_i[FrameW-1:0];
    ctl = wire_i[WireW-1:FrameW];
    f_seq = f[1 +: SeqW];
    // a frame is checked when its valid bit is set; a flipped valid bit fails the CRC too
    f_valid = f[0];
    f_good = f_valid && (!CheckCrc || crc16(f[1 + SeqW + FlitBits - 1:0]) == f[FrameW-1 -: 16]);
    f_bad = f_valid && !f_good;
    f_ahead = f_seq - expect_q;
    f_next = f_good && f_ahead == '0;
    f_dup = f_good && f_ahead[SeqW-1];   // behind expect_q: a flit already delivered, replayed
    c_valid = ctl[0];
    c_nak = ctl[1];
    c_seq = ctl[2 +: SeqW];
    c_good = c_valid && crc8(ctl[2 + SeqW - 1:0]) == ctl[CtlW-1 -: 8];
    c_bad = c_valid && !c_good;
    rx_valid_o = f_next;
    rx_head_o = f[1 + SeqW];
    rx_tail_o = f[2 + SeqW];
    rx_vc_o = f[3 + SeqW +: VcW];
    rx_data_o = f[3 + SeqW + VcW +: FlitW];
  end

  // ---- transmit state ---------------------------------------------------------------------
  logic [FlitBits-1:0] buf_q [ReplayDepth];
  logic [SeqW-1:0] ack_q, send_q, wr_q;    // oldest unacknowledged, next to send, next free
  logic [31:0] timer_q;
  logic [$clog2(MaxReplays + 1)-1:0] tries_q; // replays in a row without progress
  logic retrained_q;                           // a retrain ran since the last progress
  logic [31:0] retrain_q;                      // cycles of retrain left
  logic down_q, overflow_q;
  logic [FrameW-1:0] frame_q;
  logic [CtlW-1:0] ctl_q;
  logic [31:0] crc_err_q, replays_q, retrains_q;

  assign wire_o = {ctl_q, frame_q};
  assign link_up_o = !down_q;
  // a link end that is not busy holds nothing the far end still needs: what a pod's OCS waits
  // for before it switches the circuit (with the router's own drained flag)
  assign busy_o = wr_q != ack_q && !down_q;
  assign unacked_o = wr_q - ack_q;
  assign crc_errors_o = crc_err_q;
  assign replays_o = replays_q;
  assign retrains_o = retrains_q;
  assign err_overflow_o = overflow_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin : link
    logic [SeqW-1:0] ack_d, send_d, wr_d, window, acked;
    logic [FlitBits-1:0] flit;
    logic progress, replay, ack_ok, quiet_d, down_d;
    logic [SeqW-1:0] cseq;
    if (!rst_ni) begin
      expect_q <= '0;
      nak_sent_q <= 1'b0;
      ack_q <= '0;
      send_q <= '0;
      wr_q <= '0;
      timer_q <= '0;
      tries_q <= '0;
      retrained_q <= 1'b0;
      retrain_q <= '0;
      down_q <= 1'b0;
      overflow_q <= 1'b0;
      frame_q <= '0;
      ctl_q <= '0;
      crc_err_q <= '0;
      replays_q <= '0;
      retrains_q <= '0;
    end else if (resync_i) begin
`ifndef SYNTHESIS
      assert (!tx_valid_i) else $error("ici_link: a flit offered while the link retrains to a new far end (lost)");
`endif
      expect_q <= '0;
      nak_sent_q <= 1'b0;
      ack_q <= '0;
      send_q <= '0;
      wr_q <= '0;
      timer_q <= '0;
      tries_q <= '0;
      retrained_q <= 1'b0;
      retrain_q <= '0;
      down_q <= 1'b0;
      frame_q <= '0;
      ctl_q <= '0;
    end else begin
      // -- receive: the expected number, and the control slot: every cycle a valid codeword (an
      // idle slot would be one that a few flipped bits could turn into an acknowledgement)
      if (f_next) expect_q <= expect_q + 1'b1;
      if (f_bad || c_bad) crc_err_q <= 32'(crc_err_q) + (f_bad && c_bad ? 32'd2 : 32'd1) < crc_err_q ? '1 :
                                       crc_err_q + (f_bad && c_bad ? 32'd2 : 32'd1);
      cseq = f_next ? expect_q + 1'b1 : expect_q;
      // a gap (a frame lost before this one) or a corrupted frame: one NAK of the expected number
      if ((f_bad || (f_good && !f_next && !f_dup)) && !nak_sent_q) begin
        ctl_q <= {crc8({cseq, 1'b1, 1'b1}), cseq, 1'b1, 1'b1};
        nak_sent_q <= 1'b1;
      end else begin
        ctl_q <= {crc8({cseq, 1'b0, 1'b1}), cseq, 1'b0, 1'b1}; // the cumulative acknowledgement
      end
      if (f_next) nak_sent_q <= 1'b0;

      // -- transmit: acknowledgements, replays, the next frame
      ack_d = ack_q;
      send_d = send_q;
      wr_d = wr_q;
      // an acknowledgement may name any flit taken from the router: after a replay started,
      // one sent before it can still be acknowledged (sending resumes after it)
      window = wr_q - ack_q;
      acked = c_seq - ack_q;
      ack_ok = c_good && acked <= window;
      progress = ack_ok && acked != '0;
      replay = 1'b0;
      if (ack_ok) begin
        ack_d = c_seq;
        if (acked > send_q - ack_q) send_d = c_seq;
        if (c_nak && ack_d != wr_q) replay = 1'b1; // go back to the first flit not received
      end
      if (progress) begin
        timer_q <= '0;
        tries_q <= '0;
        retrained_q <= 1'b0;
      end else if (wr_q != ack_q && retrain_q == '0 && !down_q) begin
        if (timer_q + 1 >= TimeoutCycles) replay = 1'b1;
        timer_q <= timer_q + 1;
      end
      // quiet_d, down_d: the sender keeps quiet this cycle (a retrain runs or starts, the link is
      // or goes down): the first frame of a replay waits for the retrain's end
      quiet_d = retrain_q != '0;
      down_d = down_q;
      if (replay && retrain_q == '0 && !down_q) begin
        send_d = ack_d;
        timer_q <= '0;
        if (replays_q != '1) replays_q <= replays_q + 1;
        if (!progress) begin
          if (32'(tries_q) + 1 >= MaxReplays) begin
            tries_q <= '0;
            if (retrained_q) begin
              down_d = 1'b1;                    // retrained, and still no progress
            end else begin
              retrained_q <= 1'b1;
              retrain_q <= RetrainCycles;
              quiet_d = 1'b1;
              if (retrains_q != '1) retrains_q <= retrains_q + 1;
            end
          end else begin
            tries_q <= tries_q + 1'b1;
          end
        end
      end
      down_q <= down_d;
      if (retrain_q != '0) retrain_q <= retrain_q - 1;
      // a new flit from the router takes the next number
      if (tx_valid_i) begin
        if (wr_q - ack_d == SeqW'(ReplayDepth)) overflow_q <= 1'b1;
        buf_q[wr_q[PtrW-1:0]] <= {tx_data_i, tx_vc_i, tx_tail_i, tx_head_i};
        wr_d = wr_q + 1'b1;
      end
      // the frame of this cycle: the next flit not yet sent, from the buffer or just arrived
      frame_q <= '0;
      if (!down_d && !quiet_d && send_d != wr_d) begin
        flit = send_d == wr_q ? {tx_data_i, tx_vc_i, tx_tail_i, tx_head_i} : buf_q[send_d[PtrW-1:0]];
        frame_q <= {crc16({flit, send_d, 1'b1}), flit, send_d, 1'b1};
        send_d = send_d + 1'b1;
      end
      ack_q <= ack_d;
      send_q <= send_d;
      wr_q <= wr_d;
    end
  end

endmodule
