// The link layer's cost in the analytic model (rtl/ici/ici_link.sv, docs/blocks/ici-link.md,
// "Model"): the share of a link's flit slots that carry new flits at a bit error rate.
//
// A frame is lost with probability p_f = 1 - (1 - ber)^frame_bits. Go-back-N: a lost frame
// costs the slots of one round trip (the NAK comes back, the sender resends from the lost
// flit; the flits sent meanwhile are dropped); when the NAK's control slot or the resent frame
// is lost as well (probability p_c + p_f), the sender waits for its timeout instead. So a flit
// costs 1 + p_f (R + (p_c + p_f) T) slots on average, R the round trip and T the timeout in
// cycles, and the efficiency is its inverse. First order: it leaves out errors that hit the
// same replay twice and the waiting of routers behind a replaying link.
#pragma once

#include <cmath>

namespace phtpu::model {

struct LinkLayerShape {
  double frame_bits = 186;   ///< valid, sequence number (6 bits), flit (163 bits), CRC-16 (ici_link, 2 VCs)
  double control_bits = 16;  ///< the control slot: valid, NAK, sequence number, CRC-8
  double flit_bits = 163;    ///< head, tail, vc and 160 data bits
  double link_latency = 1;   ///< wire cycles each way
  double timeout = 64;       ///< ici_link TimeoutCycles
  /// Slots lost to one NAK: the frames sent from the lost one until the NAK arrives, the link
  /// end's register and the wire each way.
  double round_trip() const { return 2 * (link_latency + 1); }
};

/// Share of flit slots carrying new flits at bit error rate `ber` (1 at 0).
inline double link_efficiency(double ber, const LinkLayerShape& s = {}) {
  const double pf = 1 - std::pow(1 - ber, s.frame_bits), pc = 1 - std::pow(1 - ber, s.control_bits);
  return 1 / (1 + pf * (s.round_trip() + (pc + pf) * s.timeout));
}

/// Wire bits per flit bit: the frame's overhead (sequence number, CRC, valid) over the flit.
inline double link_frame_overhead(const LinkLayerShape& s = {}) { return s.frame_bits / s.flit_bits; }

} // namespace phtpu::model
