// The link layer around the Verilated link end (rtl/ici/ici_link.sv, docs/blocks/ici-link.md),
// for the network harness and the pod harness alike:
// - LinkEnd: one Verilated link end (2 or 4 VCs) with the counts a harness reports: frames put
//   on the wire, frames the noise hit, hit frames delivered all the same (a CRC miss).
// - BitNoise: bit errors on a wire, independent bits at a given bit error rate (geometric gaps),
//   optionally in bursts, from its own random stream.
// - LinkLayer: the network harness's link layer: a link end at each router port that has a link,
//   joined to the far end by a wire pair of the link's latency that flips bits. The harness hands
//   it the flits its routers send on their links and takes the flits the link ends deliver
//   (Network::step: receive, the routers, send, clock).
//
// Timing: a flit a router sends in cycle c reaches the far router's input in cycle c + L + 1
// (the link end's register adds one cycle to a hop of L cycles) when nothing is replayed.
#pragma once

#include "ici_flit.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

class VerilatedContext;
class VerilatedFstC;

namespace phtpu::net {

/// The Verilated wire_o / wire_i of a link end, in 32-bit words (202 bits with 2 VCs, 205 with 4).
inline constexpr unsigned kWireWords = 7;
using Wire = std::array<std::uint32_t, kWireWords>;
/// Bits of the wire word and of its frame slot (the low bits) at `vcs` VCs (ici_link's widths).
unsigned wire_bits(unsigned vcs);
unsigned frame_bits(unsigned vcs);
/// The frame slot carries a flit (its valid bit, the wire's bit 0).
inline bool frame_valid(const Wire& w) { return (w[0] & 1u) != 0; }

/// Bit errors on one wire: each bit flips with probability `ber`, `burst` bits at a time from
/// where one starts (a burst may run past the word's end: it stops there).
class BitNoise {
public:
  BitNoise(double ber, unsigned burst, std::uint64_t seed);
  /// Flip the bits of one word of `bits` bits; true when one of its low `frame` bits flipped.
  bool corrupt(Wire& w, unsigned bits, unsigned frame);
  std::uint64_t flipped() const { return flipped_; }
  bool active() const { return ber_ > 0; }
  /// From now on flip at `ber` (the stream and the count go on).
  void set_rate(double ber);

private:
  double ber_;
  unsigned burst_;
  std::mt19937_64 rng_;
  std::uint64_t gap_ = 0; // wire bits until the next flip
  std::uint64_t flipped_ = 0;
};

/// One Verilated link end. Each cycle: receive() what the wire brings (before the router's
/// edge: rx_* is combinational), then clock() with the flit the router sent (after its edge).
class LinkEnd {
public:
  virtual ~LinkEnd() = default;
  /// Drive wire_i with `w`, after `noise` (if any) had its way with it, and evaluate; true and
  /// the flit when the link end delivers one this cycle.
  bool receive(Wire w, BitNoise* noise, ici::Flit& f);
  /// Drive tx_* with `f` (nothing when null), clock one edge, and read wire_o into `out`.
  void clock(const ici::Flit* f, Wire& out);
  /// Reset the model (rst_ni); the counts below and crc_errors(), replays(), retrains() go on.
  virtual void reset() = 0;
  /// resync_i from the next clock() on: held while the wire is switched to a new far end.
  virtual void set_resync(bool on) = 0;
  virtual std::uint64_t crc_errors() const = 0;
  virtual std::uint64_t replays() const = 0;
  virtual std::uint64_t retrains() const = 0;
  virtual bool up() const = 0;
  virtual bool busy() const = 0;     ///< flits sent and not yet acknowledged (busy_o)
  virtual unsigned unacked() const = 0; ///< flits held for replay (unacked_o), the link up or down
  virtual bool overflow() const = 0;
  virtual void trace(VerilatedFstC* tfp, int levels) = 0;
  unsigned vcs() const { return vcs_; }
  std::uint64_t frames_sent = 0;     ///< frames this end put on its wire (first sends and replays)
  std::uint64_t flits_delivered = 0; ///< flits it delivered to its router
  std::uint64_t frames_hit = 0;      ///< frames arriving here with a flipped bit
  std::uint64_t undetected = 0;      ///< ... delivered all the same (a CRC miss: 0 expected)

protected:
  explicit LinkEnd(unsigned vcs) : vcs_(vcs) {}
  virtual bool receive_word(const Wire& w, ici::Flit& f) = 0;
  virtual void clock_word(const ici::Flit* f, Wire& out) = 0;

private:
  unsigned vcs_;
};

/// A link end with `vcs` VCs (2 or 4) named `name` in `ctx`, reset.
std::unique_ptr<LinkEnd> make_link_end(VerilatedContext* ctx, const std::string& name, unsigned vcs);

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
  /// Count one link end in (its noise: the noise on the wire into it, if any).
  void add(const LinkEnd& e, const BitNoise* noise);
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

private:
  struct Port {
    std::unique_ptr<LinkEnd> end;
    std::unique_ptr<BitNoise> noise; ///< on the wire into this end
    std::deque<Wire> line;           ///< this end's wire to the far end
    ici::Flit tx{};
    bool tx_valid = false;
  };
  std::vector<Port> ports_; // node * 6 + port; no end where there is no link
  std::vector<int> far_;    // the far end's index, or -1
};

/// A seed for the noise of link end `index` from a run's seed (SplitMix64 of both): every wire
/// has its own random stream, whatever the order the harness evaluates them in.
std::uint64_t wire_seed(std::uint64_t seed, std::uint64_t index);

} // namespace phtpu::net
