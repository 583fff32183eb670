// The link layer on every link of a network (rtl/ici/ici_link.sv, docs/blocks/ici-link.md): a
// Verilated link end at each router port that has a link, joined to the far end by a wire pair
// of the link's latency that flips bits at a given bit error rate, one bit at a time or in
// bursts. The network harness hands it the flits its routers send on their links and takes the
// flits the link ends deliver (Network::step: receive, the routers, send, clock).
//
// Timing: a flit a router sends in cycle c reaches the far router's input in cycle c + L + 1
// (the link end's register adds one cycle to a hop of L cycles) when nothing is replayed.
#pragma once

#include "ici_flit.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

class VerilatedContext;

namespace phtpu::net {

/// What the link layer counted, over all link ends.
struct LinkStats {
  std::uint64_t links = 0;          ///< link ends (one per router port with a link)
  std::uint64_t bits_flipped = 0;   ///< wire bits the noise flipped
  std::uint64_t frames_hit = 0;     ///< frames carrying a flit that had a bit flipped
  std::uint64_t undetected = 0;     ///< ... and were delivered all the same (a CRC miss: 0 expected)
  std::uint64_t crc_errors = 0;     ///< frames and control slots refused by their CRC
  std::uint64_t replays = 0, retrains = 0;
  std::uint64_t links_down = 0;     ///< link ends whose link went down
  std::uint64_t overflows = 0;      ///< link ends whose replay buffer overflowed (0 expected)
  std::uint64_t frames_sent = 0;    ///< frames put on the wires (first sends and replays)
  std::uint64_t flits_delivered = 0; ///< flits the link ends delivered to routers
  /// Share of the frames sent that delivered a flit: the layer's efficiency on this traffic.
  double goodput() const { return frames_sent ? double(flits_delivered) / double(frames_sent) : 1.0; }
  std::uint64_t max_replays = 0;    ///< replays of the link end that replayed most
};

class LinkLayer {
public:
  /// `nbr[node * 6 + port]`: the far node of each link (-1: no link; the far port is the
  /// opposite one). `vcs`: 2 or 4 (the routers'). Bit errors: each wire bit flips with
  /// probability `ber`, `burst` bits at a time from where one starts.
  LinkLayer(VerilatedContext* ctx, const std::vector<int>& nbr, unsigned vcs, unsigned latency, double ber,
            unsigned burst, std::uint64_t seed);
  ~LinkLayer();
  LinkLayer(const LinkLayer&) = delete;
  LinkLayer& operator=(const LinkLayer&) = delete;

  /// Phase 1 of a cycle: every link end checks what its wire brings; `deliver(node, port, flit)`
  /// for each flit delivered this cycle (in node and port order).
  void receive(const std::function<void(unsigned, unsigned, const ici::Flit&)>& deliver);
  /// Phase 2: the flit a router sent on `port` this cycle.
  void send(unsigned node, unsigned port, const ici::Flit& f);
  /// Phase 3: clock every link end and move its wire one cycle on.
  void clock();

  LinkStats stats() const;
  /// Per link end (node * 6 + port; 0 where there is no link): replays started.
  std::vector<std::uint64_t> replays_per_link() const;

  struct End; // one Verilated link end, whatever its VC count

private:
  std::vector<std::unique_ptr<End>> ends_; // node * 6 + port; null where there is no link
  std::vector<int> far_;                   // the far end's index, or -1
  unsigned vcs_, latency_;
  double ber_;
  unsigned burst_;
  std::mt19937_64 noise_;
  std::uint64_t gap_ = 0; // wire bits until the next flip
  std::uint64_t bits_flipped_ = 0, frames_hit_ = 0, undetected_ = 0, frames_sent_ = 0, flits_delivered_ = 0;
  std::uint64_t cycle_ = 0;
};

} // namespace phtpu::net
