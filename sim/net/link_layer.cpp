// See link_layer.hpp.
#include "link_layer.hpp"

#include "Vici_link.h"
#include "Vici_link_chip.h"
#include "network.hpp"
#include "rtl_params.hpp"

#include <verilated.h>

#include <array>
#include <deque>
#include <fmt/format.h>

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
constexpr unsigned seq_bits(unsigned vcs) { return clog2(2 * vcs * L::BufDepth) + 1; }
constexpr unsigned frame_bits(unsigned vcs) { return 1 + seq_bits(vcs) + 2 + clog2(vcs) + L::FlitW + 16; }
constexpr unsigned wire_bits(unsigned vcs) { return frame_bits(vcs) + 2 + seq_bits(vcs) + 8; }
static_assert(seq_bits(L::NumVcs) == L::SeqW && frame_bits(L::NumVcs) == L::FrameW && wire_bits(L::NumVcs) == L::WireW,
              "the link layer's widths here follow rtl/ici/ici_link.sv");
constexpr unsigned kWireWords = 7; // the Verilated wire_o / wire_i (202 bits with 2 VCs, 205 with 4)
static_assert((wire_bits(2) + 31) / 32 == kWireWords && (wire_bits(4) + 31) / 32 == kWireWords);
using Wire = std::array<std::uint32_t, kWireWords>;
} // namespace

struct LinkLayer::End {
  virtual ~End() = default;
  /// Drive wire_i and evaluate; true and the flit when rx_* delivers one this cycle.
  virtual bool receive(const Wire& w, ici::Flit& f) = 0;
  /// Drive tx_* (nothing when `f` is null), clock one edge, and read wire_o.
  virtual void clock(const ici::Flit* f, Wire& out) = 0;
  virtual std::uint64_t crc_errors() const = 0;
  virtual std::uint64_t replays() const = 0;
  virtual std::uint64_t retrains() const = 0;
  virtual bool up() const = 0;
  virtual bool overflow() const = 0;
  std::deque<Wire> line; ///< this end's wire to the far end
  ici::Flit tx{};
  bool tx_valid = false;
};

namespace {
template <class M>
struct EndT final : LinkLayer::End {
  M m;
  EndT(VerilatedContext* ctx, const std::string& name) : m(ctx, name.c_str()) {
    m.clk_i = 0;
    m.rst_ni = 0;
    m.eval();
    m.rst_ni = 1;
    m.eval();
  }
  ~EndT() override { m.final(); }
  bool receive(const Wire& w, ici::Flit& f) override {
    for (unsigned k = 0; k < kWireWords; ++k) m.wire_i[k] = w[k];
    m.eval();
    if (!m.rx_valid_o) return false;
    f.head = m.rx_head_o;
    f.tail = m.rx_tail_o;
    f.vc = m.rx_vc_o;
    for (unsigned k = 0; k < f.data.size(); ++k) f.data[k] = m.rx_data_o[k];
    return true;
  }
  void clock(const ici::Flit* f, Wire& out) override {
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
  std::uint64_t crc_errors() const override { return m.crc_errors_o; }
  std::uint64_t replays() const override { return m.replays_o; }
  std::uint64_t retrains() const override { return m.retrains_o; }
  bool up() const override { return m.link_up_o; }
  bool overflow() const override { return m.err_overflow_o; }
};

} // namespace

LinkLayer::LinkLayer(VerilatedContext* ctx, const std::vector<int>& nbr, unsigned vcs, unsigned latency, double ber,
                     unsigned burst, std::uint64_t seed)
    : vcs_(vcs), latency_(latency), ber_(ber), burst_(burst), noise_(seed ^ 0x6c696e6bULL) {
  static_assert(ici::kFlitBits == L::FlitW, "ici_link is verilated with the routers' flit width");
  ends_.resize(nbr.size());
  far_.assign(nbr.size(), -1);
  for (std::size_t e = 0; e < nbr.size(); ++e) {
    if (nbr[e] < 0) continue;
    const unsigned port = static_cast<unsigned>(e % kPorts);
    far_[e] = static_cast<int>(static_cast<std::size_t>(nbr[e]) * kPorts + (port ^ 1u)); // +x <-> -x, ...
    const std::string name = fmt::format("link{}_{}", e / kPorts, port);
    if (vcs == 4) ends_[e] = std::make_unique<EndT<Vici_link_chip>>(ctx, name);
    else ends_[e] = std::make_unique<EndT<Vici_link>>(ctx, name);
    ends_[e]->line.assign(latency_ + 1, Wire{}); // the link end's register: one cycle more than the wire
  }
  if (ber_ > 0) gap_ = std::geometric_distribution<std::uint64_t>(ber_)(noise_);
}

LinkLayer::~LinkLayer() = default;

void LinkLayer::receive(const std::function<void(unsigned, unsigned, const ici::Flit&)>& deliver) {
  for (std::size_t e = 0; e < ends_.size(); ++e) {
    End* end = ends_[e].get();
    if (!end) continue;
    End& from = *ends_[static_cast<std::size_t>(far_[e])];
    Wire w = from.line.front();
    from.line.pop_front();
    bool hit_frame = false;
    if (ber_ > 0) {
      const unsigned W = wire_bits(vcs_), F = frame_bits(vcs_);
      const bool valid = w[0] & 1u;
      bool hit = false;
      unsigned at = 0;
      while (gap_ < W - at) {
        at += static_cast<unsigned>(gap_);
        for (unsigned k = 0; k < burst_ && at < W; ++k, ++at) {
          w[at / 32] ^= 1u << (at % 32);
          ++bits_flipped_;
          hit = hit || at < F;
        }
        gap_ = std::geometric_distribution<std::uint64_t>(ber_)(noise_);
      }
      gap_ -= W - at;
      if (hit && valid) ++frames_hit_;
      hit_frame = hit;
    }
    ici::Flit f;
    if (end->receive(w, f)) {
      if (hit_frame) ++undetected_; // a frame with flipped bits delivered: the CRC missed it
      ++flits_delivered_;
      deliver(static_cast<unsigned>(e / kPorts), static_cast<unsigned>(e % kPorts), f);
    }
  }
}

void LinkLayer::send(unsigned node, unsigned port, const ici::Flit& f) {
  End& end = *ends_[static_cast<std::size_t>(node) * kPorts + port];
  end.tx = f;
  end.tx_valid = true;
}

void LinkLayer::clock() {
  for (auto& end : ends_) {
    if (!end) continue;
    Wire out{};
    end->clock(end->tx_valid ? &end->tx : nullptr, out);
    end->tx_valid = false;
    frames_sent_ += out[0] & 1u; // the frame slot's valid bit
    end->line.push_back(out);
  }
  ++cycle_;
}

LinkStats LinkLayer::stats() const {
  LinkStats s;
  s.bits_flipped = bits_flipped_;
  s.frames_hit = frames_hit_;
  s.undetected = undetected_;
  s.frames_sent = frames_sent_;
  s.flits_delivered = flits_delivered_;
  for (const auto& end : ends_) {
    if (!end) continue;
    ++s.links;
    s.crc_errors += end->crc_errors();
    s.replays += end->replays();
    s.retrains += end->retrains();
    s.links_down += !end->up();
    s.overflows += end->overflow();
    s.max_replays = std::max(s.max_replays, end->replays());
  }
  return s;
}

std::vector<std::uint64_t> LinkLayer::replays_per_link() const {
  std::vector<std::uint64_t> r(ends_.size(), 0);
  for (std::size_t e = 0; e < ends_.size(); ++e)
    if (ends_[e]) r[e] = ends_[e]->replays();
  return r;
}

} // namespace phtpu::net
