// See link_layer.hpp.
#include "link_layer.hpp"

#include "Vici_link.h"
#include "Vici_link_chip.h"
#include "rtl_params.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace phtpu::net {

namespace {
constexpr unsigned kPorts = 6;
namespace L = rtl::ici_link; // the header's parameters, at their defaults (2 VCs)
constexpr unsigned clog2(unsigned v) {
  unsigned b = 0;
  while ((1u << b) < v) ++b;
  return b;
}
// ici_link's widths at `vcs` VCs, as its header's localparams derive them: the sequence number
// (a replay buffer of 2 x VCs x BufDepth flits, one bit more), the frame slot (valid, sequence
// number, flit, CRC-16) and the wire (the frame slot, then valid, NAK, sequence number, CRC-8)
constexpr unsigned seq_bits_at(unsigned vcs) { return clog2(2 * vcs * L::BufDepth) + 1; }
constexpr unsigned frame_bits_at(unsigned vcs) { return 1 + seq_bits_at(vcs) + 2 + clog2(vcs) + L::FlitW + 16; }
constexpr unsigned wire_bits_at(unsigned vcs) { return frame_bits_at(vcs) + 2 + seq_bits_at(vcs) + 8; }
static_assert(seq_bits_at(L::NumVcs) == L::SeqW && frame_bits_at(L::NumVcs) == L::FrameW &&
                  wire_bits_at(L::NumVcs) == L::WireW,
              "the link layer's widths here follow rtl/ici/ici_link.sv");
static_assert((wire_bits_at(2) + 31) / 32 == kWireWords && (wire_bits_at(4) + 31) / 32 == kWireWords);

template <class M>
struct EndT final : LinkEnd {
  M m;
  // the counts of the model's earlier lives: a reset clears its counters, the harness's counts go on
  std::uint64_t crc_base = 0, replay_base = 0, retrain_base = 0;
  bool live = false; // reset once: the counters hold counts
  EndT(VerilatedContext* ctx, const std::string& name, unsigned vcs) : LinkEnd(vcs), m(ctx, name.c_str()) { reset(); }
  ~EndT() override { m.final(); }
  void reset() override {
    if (live) {
      crc_base += m.crc_errors_o;
      replay_base += m.replays_o;
      retrain_base += m.retrains_o;
    }
    live = true;
    m.tx_valid_i = 0;
    m.resync_i = 0;
    for (unsigned k = 0; k < kWireWords; ++k) m.wire_i[k] = 0;
    m.clk_i = 0;
    m.rst_ni = 0;
    m.eval();
    m.rst_ni = 1;
    m.eval();
  }
  void set_resync(bool on) override { m.resync_i = on; }
  bool receive_word(const Wire& w, ici::Flit& f) override {
    for (unsigned k = 0; k < kWireWords; ++k) m.wire_i[k] = w[k];
    m.eval();
    if (!m.rx_valid_o) return false;
    f.head = m.rx_head_o;
    f.tail = m.rx_tail_o;
    f.vc = m.rx_vc_o;
    for (unsigned k = 0; k < f.data.size(); ++k) f.data[k] = m.rx_data_o[k];
    return true;
  }
  void clock_word(const ici::Flit* f, Wire& out) override {
    m.tx_valid_i = f != nullptr;
    if (f) {
      m.tx_head_i = f->head;
      m.tx_tail_i = f->tail;
      m.tx_vc_i = static_cast<CData>(f->vc);
      for (unsigned k = 0; k < f->data.size(); ++k) m.tx_data_i[k] = f->data[k];
    }
    m.clk_i = 0;
    m.eval();
    m.clk_i = 1;
    m.eval();
    for (unsigned k = 0; k < kWireWords; ++k) out[k] = m.wire_o[k];
  }
  std::uint64_t crc_errors() const override { return crc_base + m.crc_errors_o; }
  std::uint64_t replays() const override { return replay_base + m.replays_o; }
  std::uint64_t retrains() const override { return retrain_base + m.retrains_o; }
  bool up() const override { return m.link_up_o; }
  bool busy() const override { return m.busy_o; }
  unsigned unacked() const override { return m.unacked_o; }
  bool overflow() const override { return m.err_overflow_o; }
  void trace(VerilatedFstC* tfp, int levels) override { m.trace(tfp, levels); }
};
} // namespace

unsigned wire_bits(unsigned vcs) { return wire_bits_at(vcs); }
unsigned frame_bits(unsigned vcs) { return frame_bits_at(vcs); }

std::uint64_t wire_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed ^ 0x6c696e6bULL ^ (index * 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// ---- BitNoise ---------------------------------------------------------------------------------
BitNoise::BitNoise(double ber, unsigned burst, std::uint64_t seed) : ber_(ber), burst_(burst), rng_(seed) {
  if (ber_ > 0) gap_ = std::geometric_distribution<std::uint64_t>(ber_)(rng_);
}

void BitNoise::set_rate(double ber) {
  ber_ = ber;
  gap_ = ber_ > 0 ? std::geometric_distribution<std::uint64_t>(ber_)(rng_) : 0;
}

bool BitNoise::corrupt(Wire& w, unsigned bits, unsigned frame) {
  if (ber_ <= 0) return false;
  bool hit = false;
  unsigned at = 0;
  while (gap_ < bits - at) {
    at += static_cast<unsigned>(gap_);
    for (unsigned k = 0; k < burst_ && at < bits; ++k, ++at) {
      w[at / 32] ^= 1u << (at % 32);
      ++flipped_;
      hit = hit || at < frame;
    }
    gap_ = std::geometric_distribution<std::uint64_t>(ber_)(rng_);
  }
  gap_ -= bits - at;
  return hit;
}

// ---- LinkEnd ----------------------------------------------------------------------------------
std::unique_ptr<LinkEnd> make_link_end(VerilatedContext* ctx, const std::string& name, unsigned vcs) {
  static_assert(ici::kFlitBits == L::FlitW, "ici_link is verilated with the routers' flit width");
  if (vcs == 4) return std::make_unique<EndT<Vici_link_chip>>(ctx, name, vcs);
  if (vcs == 2) return std::make_unique<EndT<Vici_link>>(ctx, name, vcs);
  throw std::invalid_argument(fmt::format("the link layer is built for 2 or 4 VCs, not {}", vcs));
}

bool LinkEnd::receive(Wire w, BitNoise* noise, ici::Flit& f) {
  bool hit = false;
  if (noise) {
    const bool valid = frame_valid(w);
    hit = noise->corrupt(w, wire_bits(vcs_), frame_bits(vcs_));
    if (hit && valid) ++frames_hit;
  }
  if (!receive_word(w, f)) return false;
  if (hit) ++undetected; // a frame with flipped bits delivered: the CRC missed it
  ++flits_delivered;
  return true;
}

void LinkEnd::clock(const ici::Flit* f, Wire& out) {
  clock_word(f, out);
  frames_sent += frame_valid(out);
}

void LinkStats::add(const LinkEnd& e, const BitNoise* noise) {
  ++links;
  if (noise) bits_flipped += noise->flipped();
  frames_hit += e.frames_hit;
  undetected += e.undetected;
  frames_sent += e.frames_sent;
  flits_delivered += e.flits_delivered;
  crc_errors += e.crc_errors();
  replays += e.replays();
  retrains += e.retrains();
  links_down += !e.up();
  overflows += e.overflow();
  max_replays = std::max(max_replays, e.replays());
}

// ---- LinkLayer --------------------------------------------------------------------------------
LinkLayer::LinkLayer(VerilatedContext* ctx, const std::vector<int>& nbr, unsigned vcs, unsigned latency, double ber,
                     unsigned burst, std::uint64_t seed) {
  ports_.resize(nbr.size());
  far_.assign(nbr.size(), -1);
  for (std::size_t e = 0; e < nbr.size(); ++e) {
    if (nbr[e] < 0) continue;
    const unsigned port = static_cast<unsigned>(e % kPorts);
    far_[e] = static_cast<int>(static_cast<std::size_t>(nbr[e]) * kPorts + (port ^ 1u)); // +x <-> -x, ...
    Port& p = ports_[e];
    p.end = make_link_end(ctx, fmt::format("link{}_{}", e / kPorts, port), vcs);
    if (ber > 0) p.noise = std::make_unique<BitNoise>(ber, burst, wire_seed(seed, e));
    p.line.assign(latency + 1, Wire{}); // the link end's register: one cycle more than the wire
  }
}

LinkLayer::~LinkLayer() = default;

void LinkLayer::receive(const std::function<void(unsigned, unsigned, const ici::Flit&)>& deliver) {
  for (std::size_t e = 0; e < ports_.size(); ++e) {
    Port& p = ports_[e];
    if (!p.end) continue;
    Port& from = ports_[static_cast<std::size_t>(far_[e])];
    const Wire w = from.line.front();
    from.line.pop_front();
    ici::Flit f;
    if (p.end->receive(w, p.noise.get(), f))
      deliver(static_cast<unsigned>(e / kPorts), static_cast<unsigned>(e % kPorts), f);
  }
}

void LinkLayer::send(unsigned node, unsigned port, const ici::Flit& f) {
  Port& p = ports_[static_cast<std::size_t>(node) * kPorts + port];
  p.tx = f;
  p.tx_valid = true;
}

void LinkLayer::clock() {
  for (Port& p : ports_) {
    if (!p.end) continue;
    Wire out{};
    p.end->clock(p.tx_valid ? &p.tx : nullptr, out);
    p.tx_valid = false;
    p.line.push_back(out);
  }
}

LinkStats LinkLayer::stats() const {
  LinkStats s;
  for (const Port& p : ports_)
    if (p.end) s.add(*p.end, p.noise.get());
  return s;
}

std::vector<std::uint64_t> LinkLayer::replays_per_link() const {
  std::vector<std::uint64_t> r(ports_.size(), 0);
  for (std::size_t e = 0; e < ports_.size(); ++e)
    if (ports_[e].end) r[e] = ports_[e].end->replays();
  return r;
}

} // namespace phtpu::net
