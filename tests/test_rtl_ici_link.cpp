// The link layer (rtl/ici/ici_link.sv): two link ends joined by a wire pair that flips bits.
// References: the flit streams the sources sent (every flit delivered once and in order), the
// CRC-16-CCITT definition (a bitwise C++ CRC with the standard check value), and what that
// CRC guarantees (every error of 1, 2 or 3 bits and every burst of at most 16 bits detected).
#include "Vici_link.h"
#include "Vici_link_nocrc.h"
#include "dut.hpp"
#include "rtl_params.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

using phtpu::Dut;

namespace {

constexpr unsigned kVcs = 2, kBufDepth = 8, kFlitW = 160;
constexpr unsigned kSeqW = 6;                             // log2(2 x 2 x 8) + 1
constexpr unsigned kFlitBits = 2 + 1 + kFlitW;            // head, tail, vc, data
constexpr unsigned kFrameW = 1 + kSeqW + kFlitBits + 16;  // 186
constexpr unsigned kCtlW = 2 + kSeqW + 8;                 // 16
constexpr unsigned kWireW = kFrameW + kCtlW;              // 202
constexpr unsigned kWords = (kWireW + 31) / 32;

using Bits = std::array<std::uint32_t, kWords>;
// the layout this test states, against the RTL's own parameters (a change there fails here first)
static_assert(kFrameW == phtpu::rtl::ici_link::FrameW && kWireW == phtpu::rtl::ici_link::WireW);

bool bit(const Bits& b, unsigned i) { return (b[i / 32] >> (i % 32)) & 1u; }
void flip(Bits& b, unsigned i) { b[i / 32] ^= 1u << (i % 32); }

/// CRC-16-CCITT (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR) over bits in
/// the order given: the definition, written apart from the RTL.
std::uint16_t crc16_ccitt(const std::vector<bool>& msb_first) {
  std::uint16_t c = 0xFFFF;
  for (bool d : msb_first) {
    const bool fb = ((c >> 15) & 1) != d;
    c = static_cast<std::uint16_t>((c << 1) ^ (fb ? 0x1021 : 0));
  }
  return c;
}

struct Flit {
  bool head = false, tail = false;
  unsigned vc = 0;
  std::array<std::uint32_t, kFlitW / 32> data{};
  bool operator==(const Flit& o) const { return head == o.head && tail == o.tail && vc == o.vc && data == o.data; }
};

/// One link end with the router-side source and sink of a test: the source sends flits on its
/// VCs against credits from the far sink; the sink holds BufDepth flits a VC and drains them at
/// random (backpressure), returning a credit per flit.
template <class Model>
struct End {
  Dut<Model> dut{"top"};
  std::mt19937_64 rng;
  std::array<unsigned, kVcs> credits{};
  std::array<std::deque<Flit>, kVcs> sink;
  std::vector<Flit> sent, got;
  std::uint64_t serial = 0;
  double offer = 0.8, drain = 0.5;
  bool sending = true;
  unsigned sink_overflow = 0;
  explicit End(std::uint64_t seed) : rng(seed) {
    credits.fill(kBufDepth);
    dut.reset();
  }
  Bits wire_out() const {
    Bits b{};
    for (unsigned w = 0; w < kWords; ++w) b[w] = const_cast<Dut<Model>&>(dut)->wire_o[w];
    return b;
  }
  void wire_in(const Bits& b) {
    for (unsigned w = 0; w < kWords; ++w) dut->wire_i[w] = b[w];
  }
  /// Before the edge: offer a flit (if a credit allows), and take what rx_* delivers.
  void drive(std::uniform_real_distribution<double>& u) {
    dut->tx_valid_i = 0;
    if (sending && u(rng) < offer) {
      const unsigned vc = static_cast<unsigned>(rng() % kVcs);
      if (credits[vc] > 0) {
        --credits[vc];
        Flit f;
        f.vc = vc;
        f.head = (serial % 3) == 0;
        f.tail = (serial % 3) == 2;
        f.data[0] = static_cast<std::uint32_t>(serial++);
        for (unsigned w = 1; w < f.data.size(); ++w) f.data[w] = static_cast<std::uint32_t>(rng());
        dut->tx_valid_i = 1;
        dut->tx_head_i = f.head;
        dut->tx_tail_i = f.tail;
        dut->tx_vc_i = f.vc;
        for (unsigned w = 0; w < f.data.size(); ++w) dut->tx_data_i[w] = f.data[w];
        sent.push_back(f);
      }
    }
  }
  /// After wire_i is set and the model evaluated: the flit rx_* delivers this cycle.
  void take() {
    if (!dut->rx_valid_o) return;
    Flit f;
    f.head = dut->rx_head_o;
    f.tail = dut->rx_tail_o;
    f.vc = dut->rx_vc_o;
    for (unsigned w = 0; w < f.data.size(); ++w) f.data[w] = dut->rx_data_o[w];
    got.push_back(f);
    if (sink[f.vc].size() >= kBufDepth) ++sink_overflow;
    sink[f.vc].push_back(f);
  }
};

/// Two link ends, a wire pair of `latency` cycles each way flipping every bit with probability
/// `ber` (and a burst of `burst` bits at a time where one starts), credits back after `latency`.
template <class Model>
struct Pair {
  End<Model> a, b;
  unsigned latency;
  double ber;
  unsigned burst = 1;
  std::deque<Bits> ab, ba;
  std::deque<std::array<unsigned, kVcs>> credit_ab, credit_ba; // credits to a (from b's sink), to b
  std::mt19937_64 noise;
  std::uniform_real_distribution<double> u{0, 1};
  std::uint64_t flips = 0, frames_hit = 0, undetected = 0; // undetected: hit frames delivered
  bool hit_a = false, hit_b = false;                        // this cycle's frame slot to a, to b was hit
  std::array<std::uint64_t, 4> frames_hit_by{}; // frames (valid ones) with 1, 2, 3, more flipped bits
  bool cut = false;                              // every bit on both wires inverted (a dead link)
  bool busy_b_seen = false;                      // b's busy_o was high while a lacked flits b sent
  bool unacked_ok = true;                        // ... and unacked_o counted at least those
  Pair(std::uint64_t seed, unsigned lat, double e) : a(seed + 1), b(seed + 2), latency(lat), ber(e), noise(seed + 3) {
    for (unsigned i = 0; i < lat; ++i) {
      ab.push_back({});
      ba.push_back({});
      credit_ab.push_back({});
      credit_ba.push_back({});
    }
  }
  // independent bit errors: the gap to the next flipped bit is geometric
  std::uint64_t gap_ = 0;
  bool gap_set_ = false;
  bool corrupt(Bits& w) { // true: a bit of the frame slot flipped
    if (cut) {
      for (auto& x : w) x = ~x;
      return true;
    }
    if (ber <= 0) return false;
    std::geometric_distribution<std::uint64_t> g(ber);
    unsigned hit = 0;
    const bool valid = bit(w, 0);
    for (unsigned i = 0;;) {
      if (!gap_set_) {
        gap_ = g(noise);
        gap_set_ = true;
      }
      if (gap_ >= kWireW - i) {
        gap_ -= kWireW - i;
        break;
      }
      i += static_cast<unsigned>(gap_);
      gap_set_ = false;
      for (unsigned k = 0; k < burst && i < kWireW; ++k, ++i) {
        flip(w, i);
        ++flips;
        if (i < kFrameW) ++hit;
      }
    }
    if (hit && valid) {
      ++frames_hit;
      ++frames_hit_by[std::min(hit, 4u) - 1];
    }
    return hit > 0;
  }
  void cycle() {
    a.drive(u);
    b.drive(u);
    Bits to_b = ab.front(), to_a = ba.front();
    ab.pop_front();
    ba.pop_front();
    hit_b = corrupt(to_b);
    hit_a = corrupt(to_a);
    a.wire_in(to_a);
    b.wire_in(to_b);
    a.dut->eval();
    b.dut->eval();
    undetected += (hit_a && a.dut->rx_valid_o) + (hit_b && b.dut->rx_valid_o);
    a.take();
    b.take();
    // credits: each sink drains at random; a credit reaches the source `latency` cycles later
    std::array<unsigned, kVcs> to_a_cr{}, to_b_cr{};
    for (unsigned v = 0; v < kVcs; ++v) {
      if (!b.sink[v].empty() && u(noise) < b.drain) {
        b.sink[v].pop_front();
        ++to_a_cr[v];
      }
      if (!a.sink[v].empty() && u(noise) < a.drain) {
        a.sink[v].pop_front();
        ++to_b_cr[v];
      }
    }
    credit_ab.push_back(to_a_cr);
    credit_ba.push_back(to_b_cr);
    for (unsigned v = 0; v < kVcs; ++v) {
      a.credits[v] += credit_ab.front()[v];
      b.credits[v] += credit_ba.front()[v];
    }
    credit_ab.pop_front();
    credit_ba.pop_front();
    a.dut.tick();
    b.dut.tick();
    ab.push_back(a.wire_out());
    ba.push_back(b.wire_out());
  }
  /// Run `n` cycles of traffic, then without new flits until everything is delivered.
  void run(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      cycle();
      // busy_o: flits not yet acknowledged (the count is the sequence numbers sent to the far end
      // minus those it took, plus any in flight: at least one while the far end lacks some)
      if (a.got.size() < b.sent.size()) {
        busy_b_seen = busy_b_seen || b.dut->busy_o;
        // unacked_o: at least the flits a lacks, at most the replay buffer
        unacked_ok = unacked_ok && b.dut->unacked_o >= b.sent.size() - a.got.size() && b.dut->unacked_o <= 2 * kVcs * kBufDepth;
      }
    }
    a.sending = b.sending = false;
    for (std::uint64_t i = 0; i < 200000 && (a.got.size() < b.sent.size() || b.got.size() < a.sent.size()); ++i) cycle();
  }
};

// Every flit delivered exactly once, in the order sent, unchanged.
template <class Model>
void require_exact(End<Model>& from, const End<Model>& to) {
  REQUIRE(to.got.size() == from.sent.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < from.sent.size(); ++i) differ += !(to.got[i] == from.sent[i]);
  CHECK(differ == 0);
  CHECK(to.sink_overflow == 0);
  CHECK(from.dut->err_overflow_o == 0);
}

} // namespace

TEST_CASE("link layer: the frame's CRC is CRC-16-CCITT of its valid bit, sequence number and flit, in wire order",
          "[ici][link]") {
  // the definition's check value: "123456789" gives 0x29B1 (CRC-16/CCITT-FALSE)
  std::vector<bool> ascii;
  for (char ch : std::string("123456789"))
    for (int k = 7; k >= 0; --k) ascii.push_back((ch >> k) & 1);
  REQUIRE(crc16_ccitt(ascii) == 0x29B1);
  Pair<Vici_link> p(phtpu::test_seed(), 2, 0.0);
  for (int i = 0; i < 40; ++i) {
    p.cycle();
    const Bits w = p.a.wire_out();
    if (!bit(w, 0)) continue;
    std::vector<bool> wire_order; // bit 0 (valid) first
    for (unsigned k = 0; k < 1 + kSeqW + kFlitBits; ++k) wire_order.push_back(bit(w, k));
    // the remainder above the bits, its highest degree first (bit-reversed in the field)
    unsigned field = 0;
    for (unsigned k = 0; k < 16; ++k) field |= unsigned(bit(w, kFrameW - 16 + k)) << (15 - k);
    CHECK(field == crc16_ccitt(wire_order));
  }
}

TEST_CASE("link layer: every 1-, 2- and 3-bit error and every burst of up to 16 bits in a frame is refused",
          "[ici][link]") {
  // a frame as the sender writes it, then every corruption of it on the receiver's wire_i: the
  // receiver delivers (rx_valid_o, combinational) only the intact frame
  Pair<Vici_link> p(phtpu::test_seed(), 1, 0.0);
  Bits frame{};
  for (int i = 0; i < 20 && !bit(frame, 0); ++i) {
    p.a.dut->tx_valid_i = 1;
    p.a.dut->tx_vc_i = 1;
    p.a.dut->tx_data_i[0] = 0xC0FFEEu;
    p.a.dut.tick();
    frame = p.a.wire_out();
  }
  REQUIRE(bit(frame, 0));
  for (unsigned k = kFrameW; k < kWireW; ++k) // the control slot empty
    if (bit(frame, k)) flip(frame, k);
  auto& rx = p.b.dut;
  auto delivered = [&](const Bits& w) {
    p.b.wire_in(w);
    rx->eval();
    return rx->rx_valid_o != 0;
  };
  REQUIRE(delivered(frame)); // the intact frame (sequence number 0, the one expected)
  std::uint64_t singles = 0, doubles = 0, triples = 0, bursts = 0, missed = 0;
  for (unsigned i = 0; i < kFrameW; ++i) {
    Bits w = frame;
    flip(w, i);
    missed += delivered(w);
    ++singles;
    for (unsigned j = i + 1; j < kFrameW; ++j) {
      Bits w2 = w;
      flip(w2, j);
      missed += delivered(w2);
      ++doubles;
    }
  }
  std::mt19937_64 rng(phtpu::test_seed());
  for (int n = 0; n < 20000; ++n) { // 3-bit errors: a random sample of the 1,043,220
    unsigned i = rng() % kFrameW, j = rng() % kFrameW, k = rng() % kFrameW;
    if (i == j || j == k || i == k) continue;
    Bits w = frame;
    flip(w, i);
    flip(w, j);
    flip(w, k);
    missed += delivered(w);
    ++triples;
  }
  // bursts anywhere in the frame, the CRC field included: first and last bit flipped, every
  // pattern between them up to 12 bits, 512 at random beyond
  for (unsigned len = 3; len <= 16; ++len)
    for (unsigned at = 0; at + len <= kFrameW; ++at) {
      const unsigned patterns = len <= 12 ? 1u << (len - 2) : 512;
      for (unsigned q = 0; q < patterns; ++q) {
        const std::uint64_t inner = len <= 12 ? q : rng();
        Bits w = frame;
        flip(w, at);
        flip(w, at + len - 1);
        for (unsigned m = 1; m + 1 < len; ++m)
          if ((inner >> (m - 1)) & 1) flip(w, at + m);
        missed += delivered(w);
        ++bursts;
      }
    }
  INFO(fmt::format("{} single-bit, {} double-bit, {} triple-bit errors and {} bursts of 3 to 16 bits", singles, doubles,
                   triples, bursts));
  CHECK(singles == kFrameW);
  CHECK(doubles == kFrameW * (kFrameW - 1) / 2);
  CHECK(missed == 0);
  WARN(fmt::format("detected all {} single-bit, {} double-bit, {} triple-bit errors and {} bursts of 3 to 16 bits",
                   singles, doubles, triples, bursts));
}

TEST_CASE("link layer: at BER 1e-3 and 1e-4 with random backpressure every flit arrives once, in order", "[ici][link]") {
  for (const double ber : {1e-3, 1e-4}) {
    for (const unsigned latency : {1u, 4u}) {
      CAPTURE(ber, latency);
      Pair<Vici_link> p(phtpu::test_seed() + latency, latency, ber);
      p.run(20000);
      require_exact(p.a, p.b);
      require_exact(p.b, p.a);
      CHECK(p.undetected == 0); // no frame with a flipped bit delivered
      const std::uint64_t detected = p.a.dut->crc_errors_o + p.b.dut->crc_errors_o;
      CHECK(p.frames_hit > 0);
      CHECK(detected >= p.frames_hit); // every frame hit is refused (control slots hit count too)
      CHECK(p.a.dut->link_up_o == 1);
      CHECK(p.b.dut->err_overflow_o == 0);
      // busy_o: high while b's flits were missing at a; low once every flit is acknowledged
      CHECK(p.busy_b_seen);
      CHECK(p.unacked_ok);
      for (unsigned i = 0; i < 4 * 64 && (p.a.dut->busy_o || p.b.dut->busy_o); ++i) p.cycle();
      CHECK(p.a.dut->busy_o == 0);
      CHECK(p.b.dut->busy_o == 0);
      CHECK(p.b.dut->unacked_o == 0);
      WARN(fmt::format("BER {:g}, latency {}: {} + {} flits, {} bits flipped, {} frames hit ({} by 1 bit, {} by 2, {} "
                       "by 3, {} by more), {} CRC errors, {} + {} replays",
                       ber, latency, p.a.sent.size(), p.b.sent.size(), p.flips, p.frames_hit, p.frames_hit_by[0],
                       p.frames_hit_by[1], p.frames_hit_by[2], p.frames_hit_by[3], detected, p.a.dut->replays_o,
                       p.b.dut->replays_o));
    }
  }
}

TEST_CASE("link layer: bursts of 16 bits are survived the same way", "[ici][link]") {
  Pair<Vici_link> p(phtpu::test_seed(), 2, 2e-4);
  p.burst = 16;
  p.run(20000);
  require_exact(p.a, p.b);
  require_exact(p.b, p.a);
  CHECK(p.frames_hit > 0);
}

TEST_CASE("link layer: without the CRC check corrupted flits get through (the test above would fail)", "[ici][link]") {
  Pair<Vici_link_nocrc> p(phtpu::test_seed(), 1, 1e-3);
  p.run(20000);
  std::size_t differ = 0;
  const std::size_t n = std::min(p.b.got.size(), p.a.sent.size());
  for (std::size_t i = 0; i < n; ++i) differ += !(p.b.got[i] == p.a.sent[i]);
  CHECK((differ > 0 || p.b.got.size() != p.a.sent.size()));
  CHECK(p.undetected > 0);
}

TEST_CASE("link layer: both ends resynchronised (an OCS circuit switched) start again from 0, counters kept",
          "[ici][link]") {
  Pair<Vici_link> p(phtpu::test_seed(), 2, 1e-4);
  p.run(3000);
  for (unsigned i = 0; i < 4 * 64 && (p.a.dut->busy_o || p.b.dut->busy_o); ++i) p.cycle();
  REQUIRE(p.a.dut->busy_o == 0);
  REQUIRE(p.b.dut->busy_o == 0);
  const std::uint64_t errors = p.a.dut->crc_errors_o + p.b.dut->crc_errors_o;
  const std::uint64_t replays = p.a.dut->replays_o + p.b.dut->replays_o;
  REQUIRE(errors > 0);
  // the circuit goes dark (the wires carry nothing) and both ends are held for a few cycles
  p.a.dut->resync_i = 1;
  p.b.dut->resync_i = 1;
  for (int i = 0; i < 5; ++i) {
    for (auto& w : p.ab) w = Bits{};
    for (auto& w : p.ba) w = Bits{};
    p.cycle();
  }
  p.a.dut->resync_i = 0;
  p.b.dut->resync_i = 0;
  for (auto& w : p.ab) w = Bits{};
  for (auto& w : p.ba) w = Bits{};
  // the wire shows the reset state: no frame, no control codeword yet
  CHECK(p.a.wire_out() == Bits{});
  p.a.sending = p.b.sending = true;
  p.run(3000);
  require_exact(p.a, p.b); // every flit of both runs, once and in order
  require_exact(p.b, p.a);
  CHECK(p.a.dut->crc_errors_o + p.b.dut->crc_errors_o >= errors); // counters kept
  CHECK(p.a.dut->replays_o + p.b.dut->replays_o >= replays);
  CHECK(p.a.dut->link_up_o == 1);
}

TEST_CASE("link layer: a link that stays dead retrains once, then goes down", "[ici][link]") {
  Pair<Vici_link> p(phtpu::test_seed(), 2, 0.0);
  for (int i = 0; i < 200; ++i) p.cycle();
  p.cut = true; // every bit inverted from now on: nothing gets through
  std::uint64_t c = 0;
  for (; c < 20000 && p.a.dut->link_up_o; ++c) p.cycle();
  CHECK(p.a.dut->link_up_o == 0);
  CHECK(p.a.dut->retrains_o == 1);
  // MaxReplays (8) timeouts, the retrain (256 cycles), 8 more timeouts (64 cycles each)
  CHECK(c >= 8 * 64 + 256 + 8 * 64);
}

TEST_CASE("link layer: a fault shorter than the retrain is survived with every flit", "[ici][link]") {
  Pair<Vici_link> p(phtpu::test_seed(), 2, 0.0);
  for (int i = 0; i < 500; ++i) p.cycle();
  p.cut = true;
  for (int i = 0; i < 600; ++i) p.cycle(); // past MaxReplays (8) timeouts of 64 cycles: the retrain runs
  p.cut = false;
  p.run(2000);
  CHECK(p.a.dut->link_up_o == 1);
  CHECK(p.a.dut->retrains_o >= 1);
  require_exact(p.a, p.b);
  require_exact(p.b, p.a);
}

TEST_CASE("link layer: one cycle added per hop, one flit per cycle while nothing is lost", "[ici][link][timing]") {
  Pair<Vici_link> p(phtpu::test_seed(), 3, 0.0);
  p.a.offer = 1.0;
  p.b.sending = false;
  p.b.drain = 1.0;
  // the first flit: offered in cycle 0, on wire_o after edge 0, at the far rx after the wire's 3
  p.a.drive(p.u);
  p.a.dut.tick();
  p.ab.pop_front();
  p.ab.push_back(p.a.wire_out());
  unsigned cycles = 1;
  for (; cycles < 20; ++cycles) {
    Bits to_b = p.ab.front();
    p.ab.pop_front();
    p.b.wire_in(to_b);
    p.b.dut->eval();
    if (p.b.dut->rx_valid_o) break;
    p.a.dut->tx_valid_i = 0;
    p.a.dut.tick();
    p.b.dut.tick();
    p.ab.push_back(p.a.wire_out());
  }
  // tx_*_i holds the flit in cycle 0 as the router's output register would; on a plain wire of
  // 3 cycles that register's value (launched at the end of cycle -1) reaches the far input in
  // cycle 2; the link end registers it once more: cycle 3, one cycle added
  CHECK(cycles == 3);
  // full rate: with credits enough, 2000 flits in about 2000 cycles
  Pair<Vici_link> q(phtpu::test_seed(), 1, 0.0);
  q.a.offer = 1.0;
  q.b.sending = false;
  q.b.drain = 1.0;
  for (int i = 0; i < 2000; ++i) q.cycle();
  CHECK(q.b.got.size() >= 1990);
}

TEST_CASE("link layer: every 1-, 2- and 3-bit error and every burst of up to 8 bits in a control slot is refused",
          "[ici][link]") {
  // the control slot a link end sends every cycle (its cumulative acknowledgement), corrupted
  // on the other end's wire_i: a refused slot counts one CRC error at the clock edge
  Pair<Vici_link> p(phtpu::test_seed(), 1, 0.0);
  p.b.dut.tick();
  Bits ctl = p.b.wire_out();
  REQUIRE(bit(ctl, kFrameW)); // a valid control slot
  for (unsigned k = 0; k < kFrameW; ++k)
    if (bit(ctl, k)) flip(ctl, k);
  auto& rx = p.a.dut;
  // refused: counted as a CRC error, or no longer marked valid (then ignored without a check)
  auto refused = [&](const Bits& w) {
    const std::uint32_t before = rx->crc_errors_o;
    p.a.wire_in(w);
    rx->tx_valid_i = 0;
    rx.tick();
    return rx->crc_errors_o == before + 1 || !bit(w, kFrameW);
  };
  REQUIRE(!refused(ctl));
  std::uint64_t cases = 0, missed = 0;
  auto attempt = [&](std::initializer_list<unsigned> bits) {
    Bits w = ctl;
    for (unsigned b : bits) flip(w, b);
    missed += !refused(w);
    ++cases;
  };
  for (unsigned i = kFrameW; i < kWireW; ++i) {
    attempt({i});
    for (unsigned j = i + 1; j < kWireW; ++j) {
      attempt({i, j});
      for (unsigned k = j + 1; k < kWireW; ++k) attempt({i, j, k});
    }
  }
  for (unsigned len = 3; len <= 8; ++len)
    for (unsigned at = kFrameW; at + len <= kWireW; ++at)
      for (unsigned q = 0; q < (1u << (len - 2)); ++q) {
        Bits w = ctl;
        flip(w, at);
        flip(w, at + len - 1);
        for (unsigned m = 1; m + 1 < len; ++m)
          if ((q >> (m - 1)) & 1) flip(w, at + m);
        missed += !refused(w);
        ++cases;
      }
  CHECK(missed == 0);
  WARN(fmt::format("control slot: {} errors of 1 to 3 bits and bursts of 3 to 8 bits, all refused", cases));
}
