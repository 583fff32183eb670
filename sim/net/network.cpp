// The ICI network harness; see network.hpp.
#include "network.hpp"

#include "Vici_router.h"
#include "Vici_router_chip.h"
#include "coverage.hpp"
#include "ici_router_port.hpp"
#include "rtl_assert.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <utility>
#include <fmt/format.h>

namespace phtpu::net {

using ici::Flit;
using ici::kBufDepth;
using ici::kMaxVcs;

std::string_view traffic_name(Traffic t) {
  switch (t) {
  case Traffic::Uniform: return "uniform";
  case Traffic::BitComplement: return "bitcomp";
  case Traffic::Transpose: return "transpose";
  case Traffic::Tornado: return "tornado";
  case Traffic::Neighbor: return "neighbor";
  case Traffic::Hotspot: return "hotspot";
  }
  return "?";
}

Traffic traffic_from_name(std::string_view name) {
  for (Traffic t : {Traffic::Uniform, Traffic::BitComplement, Traffic::Transpose, Traffic::Tornado, Traffic::Neighbor,
                    Traffic::Hotspot})
    if (name == traffic_name(t)) return t;
  throw std::invalid_argument(fmt::format(
      "unknown traffic pattern '{}' (uniform, bitcomp, transpose, tornado, neighbor, hotspot)", name));
}

Vec3 traffic_dest(Traffic t, const Vec3& k, Vec3 s, std::mt19937_64& rng, double hotspot_fraction) {
  auto uniform = [&] {
    const unsigned n = k.volume();
    std::uniform_int_distribution<unsigned> pick(0, n - 1);
    const unsigned self = s.x + k.x * (s.y + k.y * s.z);
    unsigned d = pick(rng);
    if (n > 1)
      while (d == self) d = pick(rng); // uniform over the other nodes
    return Vec3{d % k.x, d / k.x % k.y, d / (k.x * k.y)};
  };
  switch (t) {
  case Traffic::Uniform: return uniform();
  case Traffic::BitComplement: return {k.x - 1 - s.x, k.y - 1 - s.y, k.z - 1 - s.z};
  case Traffic::Transpose: return {s.z % k.x, s.y % k.y, s.x % k.z}; // (x,y,z) -> (z,y,x)
  case Traffic::Tornado: // half way round each ring, less one (BookSim's tornado)
    return {(s.x + (k.x + 1) / 2 - 1) % k.x, (s.y + (k.y + 1) / 2 - 1) % k.y, (s.z + (k.z + 1) / 2 - 1) % k.z};
  case Traffic::Neighbor: return {(s.x + 1) % k.x, (s.y + 1) % k.y, (s.z + 1) % k.z};
  case Traffic::Hotspot: {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng) < hotspot_fraction) return {0, 0, 0};
    return uniform();
  }
  }
  return s;
}

void validate(const NetConfig& c) {
  if (c.link_latency < 1 || c.link_latency > 1000)
    throw std::invalid_argument(fmt::format("link latency {} out of range 1..1000", c.link_latency));
  if (!(c.rate >= 0.0 && c.rate <= 1.0))
    throw std::invalid_argument(fmt::format("injection rate {} out of range 0..1 flits/node/cycle", c.rate));
  if (c.packet_flits < 1 || c.packet_flits > ici::kMaxPacketFlits)
    throw std::invalid_argument(fmt::format("packet length {} out of range 1..{} flits", c.packet_flits,
                                            ici::kMaxPacketFlits));
  if (!(c.hotspot_fraction >= 0.0 && c.hotspot_fraction <= 1.0))
    throw std::invalid_argument("hotspot fraction must be in 0..1");
  if (!(c.misaddressed >= 0.0 && c.misaddressed <= 1.0))
    throw std::invalid_argument("misaddressed fraction must be in 0..1");
  if (c.vcs != 2 && c.vcs != 4)
    throw std::invalid_argument(fmt::format("{} VCs: the router is built with 2 (classes share them) or 4 (a pair "
                                            "per message class)",
                                            c.vcs));
  if (!(c.response_share >= 0.0 && c.response_share <= 1.0))
    throw std::invalid_argument("response share must be in 0..1");
  if (c.shape.volume() > 4096)
    throw std::invalid_argument(fmt::format("{} has {} chips: the harness simulates at most 4096",
                                            phext::shape_str(c.shape), c.shape.volume()));
  if (c.source_queue < 1) throw std::invalid_argument("source queue must hold at least one packet");
  if (c.measure < 1) throw std::invalid_argument("the measurement window needs at least 1 cycle");
  constexpr std::uint64_t kMaxCycles = 1'000'000'000'000; // 10^12: beyond any run, and no overflow in sums
  if (c.warmup > kMaxCycles || c.measure > kMaxCycles || c.drain_limit > kMaxCycles)
    throw std::invalid_argument(fmt::format("warm-up, measurement and drain are limited to {} cycles each", kMaxCycles));
}

// ---- internal state -------------------------------------------------------------------------

struct Network::Packet {
  bool done = false; // delivered, or misaddressed (never delivered)
  unsigned dst = 0;
  unsigned cls = 0;  // message class: 0 request, 1 response
  Vec3 dst_pos;
  std::uint64_t created = 0;
  unsigned len = 1;
  unsigned hops = 0;
  bool measured = false;
  // route checking: where the head is and how it arrived there
  unsigned at = 0;
  Port in_port = Port::Local;
  unsigned in_vc = 0;
  bool record = false;
  std::vector<HopRecord> hops_seen;
};

namespace {
struct Queued {
  ici::RawFields dest{};
  int dst = -1; // -1: misaddressed
  unsigned len = 1, vc = 0, cls = 0;
  std::uint32_t serial = 0;
};
unsigned popcount16(unsigned v) {
  unsigned n = 0;
  for (; v; v &= v - 1) ++n;
  return n;
}
struct SinkVc {
  bool busy = false;
  std::uint64_t key = 0;
  unsigned next = 0;
};
} // namespace

struct Network::Source {
  std::deque<Queued> queue;
  std::deque<Packet> pending; // packets by serial, pending[i] has serial base + i
  std::uint32_t base = 0;
  unsigned sent = 0; // flits of queue.front() already injected
  std::array<unsigned, kMaxVcs> credits{};
  std::uint32_t next_serial = 0;
};

// One Verilated router, whatever its VC count: the harness steps 2-VC and 4-VC routers through
// this interface (one virtual call per port operation: small beside a router's evaluation).
namespace {
class RouterModel {
public:
  virtual ~RouterModel() = default;
  virtual void clear_inputs() = 0;
  virtual void drive(unsigned port, const Flit& f) = 0;
  virtual void set_out_credits(std::uint32_t bits) = 0; ///< bit port * vcs + vc
  virtual void edge(bool clk) = 0;                      ///< set the clock and evaluate
  virtual unsigned out_valid() const = 0;
  virtual Flit output(unsigned port) const = 0;
  virtual std::uint32_t in_credits() const = 0;         ///< bit port * vcs + vc
  virtual unsigned out_idle() const = 0;                ///< ports with every credit home, nothing held
  virtual bool configure(const phext::SliceGeometry& geo, const Topology& topo, Vec3 own) = 0;
  virtual void trace(VerilatedFstC* t) = 0;
  virtual void final() = 0;
  virtual std::uint32_t drops_zmismatch() const = 0;
  virtual std::uint32_t drops_out_of_shape() const = 0;
  virtual bool overflow() const = 0;
};

template <class M, unsigned V>
class RouterModelT final : public RouterModel {
public:
  RouterModelT(VerilatedContext* ctx, const char* name) : m_(ctx, name) {}
  void clear_inputs() override { m_.in_valid_i = 0; }
  void drive(unsigned port, const Flit& f) override { ici::drive_input<V>(m_, port, true, f); }
  void set_out_credits(std::uint32_t bits) override { ici::set_field(m_.out_credit_i, 0, kNumPorts * V, bits); }
  void edge(bool clk) override {
    m_.clk_i = clk;
    m_.eval();
  }
  unsigned out_valid() const override { return m_.out_valid_o; }
  Flit output(unsigned port) const override { return ici::read_output<V>(m_, port); }
  std::uint32_t in_credits() const override { return ici::get_field(m_.in_credit_o, 0, kNumPorts * V); }
  unsigned out_idle() const override { return m_.out_idle_o; }
  bool configure(const phext::SliceGeometry& geo, const Topology& topo, Vec3 own) override {
    ici::reset(m_);
    ici::set_config(m_, geo, topo, own);
    edge(false), edge(true);
    m_.cfg_we_i = 0;
    edge(false), edge(true);
    return m_.cfg_ok_o != 0;
  }
  void trace(VerilatedFstC* t) override { m_.trace(t, 99); }
  void final() override { m_.final(); }
  std::uint32_t drops_zmismatch() const override { return m_.drop_zmismatch_o; }
  std::uint32_t drops_out_of_shape() const override { return m_.drop_out_of_shape_o; }
  bool overflow() const override { return m_.err_overflow_o; }

private:
  M m_;
};

std::unique_ptr<RouterModel> make_router(unsigned vcs, VerilatedContext* ctx, const std::string& name) {
  if (vcs == 4) return std::make_unique<RouterModelT<Vici_router_chip, 4>>(ctx, name.c_str());
  return std::make_unique<RouterModelT<Vici_router, 2>>(ctx, name.c_str());
}
} // namespace

struct Network::Router {
  std::unique_ptr<RouterModel> m;
  Vec3 pos;
  std::array<int, kNumLinkPorts> nbr{};      // neighbour through each link port, -1: none
  std::array<std::uint8_t, kNumLinkPorts> back{}; // the port of ours each neighbour's link arrives on
  // Link delay lines into this router, one entry per link-latency slot: the flits arriving on
  // each input port (valid bits in in_mask), and the credits arriving for our output ports,
  // already in out_credit_i's layout (bit port*VCs + vc).
  std::vector<std::array<Flit, kNumLinkPorts>> in;
  std::vector<std::uint8_t> in_mask;
  std::vector<std::uint32_t> credit_in;
  bool local_valid = false;
  Flit local;
  std::uint8_t sink_credit = 0, sink_credit_next = 0;
  std::array<SinkVc, kMaxVcs> sink{};
  unsigned occupancy = 0;
  bool active = true; // last evaluation produced outputs or credits
};

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

Network::Network(const NetConfig& cfg)
    : cfg_(cfg), geo_((validate(cfg), cfg.shape), cfg.cube, cfg.zarm),
      topo_(Topology::of_slice(geo_, cfg.twisted)), ctx_(std::make_unique<VerilatedContext>()), rng_(cfg.seed) {
  ctx_->threads(1);
  report_assertions(*ctx_);
  make_current(*ctx_); // also for the routers' destruction if this constructor throws
  {
    const long double p = static_cast<long double>(cfg_.rate) / cfg_.packet_flits;
    inject_threshold_ = p >= 1.0L ? ~std::uint64_t{0} : static_cast<std::uint64_t>(p * 18446744073709551616.0L);
  }
  ctx_->traceEverOn(true);
  const unsigned n = topo_.nodes();
  const unsigned L = cfg_.link_latency;
  routers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    auto r = std::make_unique<Router>();
    r->pos = topo_.position(i);
    const std::string name = fmt::format("chip_{}_{}_{}", r->pos.x, r->pos.y, r->pos.z);
    r->m = make_router(cfg_.vcs, ctx_.get(), name);
    for (unsigned p = 0; p < kNumLinkPorts; ++p) {
      const auto nb = topo_.neighbor(r->pos, static_cast<Port>(p));
      r->nbr[p] = nb ? static_cast<int>(topo_.index(*nb)) : -1;
      r->back[p] = static_cast<std::uint8_t>(opposite(static_cast<Port>(p)));
    }
    r->in.resize(L);
    r->in_mask.assign(L, 0);
    r->credit_in.assign(L, 0);
    routers_.push_back(std::move(r));
  }
  sources_.resize(n);
  for (auto& s : sources_)
    s.credits.fill(kBufDepth);
  last_serial_.assign(static_cast<std::size_t>(n) * n * 2, 0);
  hops_.resize(static_cast<std::size_t>(n) * n); // BFS = the oracle's path length (test_routing_oracle)
  for (unsigned i = 0; i < n; ++i) {
    const std::vector<unsigned> d = bfs_distances(topo_, topo_.position(i));
    for (unsigned j = 0; j < n; ++j)
      hops_[static_cast<std::size_t>(i) * n + j] = static_cast<std::uint16_t>(d[j]);
  }
  // reset, then one configuration write
  for (unsigned i = 0; i < n; ++i)
    if (!routers_[i]->m->configure(geo_, topo_, routers_[i]->pos))
      throw std::logic_error(fmt::format("router {} rejected its own coordinate", phext::position_str(routers_[i]->pos)));
}

Network::~Network() {
  make_current(*ctx_);
  if (trace_) trace_->close();
  for (auto& r : routers_)
    r->m->final();
  write_coverage(ctx_.get(), "net"); // make coverage: while the routers live (tb/coverage.hpp)
}

void Network::open_trace(const std::string& path, std::uint64_t max_cycles) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  trace_ = std::make_unique<VerilatedFstC>();
  for (auto& r : routers_)
    r->m->trace(trace_.get());
  trace_->open(path.c_str());
  if (!trace_->isOpen()) {
    trace_.reset();
    throw std::runtime_error("cannot write waveform " + path);
  }
  skip_idle_after_trace_ = cfg_.skip_idle;
  cfg_.skip_idle = false;
  trace_end_ = max_cycles > ~std::uint64_t{0} - cycle_ ? ~std::uint64_t{0} : cycle_ + max_cycles;
}

unsigned Network::local_vc(int dst, unsigned cls) const {
  // fixed per destination and class: in order; a VC of the class's pair (both pairs alike on 2 VCs)
  return class_vc_base(static_cast<MsgClass>(cls), cfg_.vcs) + (dst < 0 ? 0 : static_cast<unsigned>(dst) % kVcsPerClass);
}

std::uint32_t Network::enqueue(unsigned node, const ici::RawFields& dest, int dst, unsigned flits, unsigned cls) {
  Source& s = sources_[node];
  Queued q;
  q.dest = dest;
  q.dst = dst;
  q.len = flits;
  q.cls = cls;
  q.vc = local_vc(dst, cls);
  q.serial = s.next_serial++;
  s.queue.push_back(q);
  ++st_.packets_injected;
  return q.serial;
}

void Network::queue_packet(unsigned node, Vec3 dest, unsigned flits, bool measured, unsigned cls) {
  const unsigned dst = topo_.index(dest);
  enqueue(node, raw_of(geo_.phext_of_global(dest)), static_cast<int>(dst), flits, cls);
  Packet pk;
  pk.dst = dst;
  pk.cls = cls;
  pk.dst_pos = dest;
  pk.created = cycle_;
  pk.len = flits;
  if (measured) pk.hops = hops_[static_cast<std::size_t>(node) * topo_.nodes() + dst];
  pk.measured = measured;
  pk.at = node;
  pk.in_port = Port::Local;
  pk.in_vc = local_vc(static_cast<int>(dst), cls);
  sources_[node].pending.push_back(std::move(pk));
  ++outstanding_;
  if (measured) {
    ++measured_outstanding_;
    gen_flits_measured_ += flits;
  }
}

void Network::inject(Vec3 src, Vec3 dest, unsigned flits, std::uint32_t* tag_out) {
  if (!topo_.contains(src) || !topo_.contains(dest))
    throw std::invalid_argument("inject: position outside the slice");
  const unsigned node = topo_.index(src);
  const std::uint32_t serial = sources_[node].next_serial;
  queue_packet(node, dest, flits, false, 0);
  find_packet(node, serial)->record = true;
  if (tag_out) *tag_out = serial;
}

std::vector<Network::HopRecord> Network::journey(Vec3 src, std::uint32_t tag) const {
  const std::uint64_t key = (static_cast<std::uint64_t>(topo_.index(src)) << 32) | tag;
  if (const Packet* pk = find_packet(topo_.index(src), tag)) return pk->hops_seen;
  if (const auto it = journeys_done_.find(key); it != journeys_done_.end()) return it->second;
  return {};
}

void Network::generate(unsigned node) {
  if (rng_() >= inject_threshold_) return; // Bernoulli(rate / packet_flits), one draw
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Source& s = sources_[node];
  if (s.queue.size() >= cfg_.source_queue) {
    ++st_.throttled;
    return;
  }
  const bool measured = cycle_ >= cfg_.warmup && cycle_ < cfg_.warmup + cfg_.measure;
  const unsigned cls = cfg_.response_share > 0 && u(rng_) < cfg_.response_share ? 1u : 0u;
  if (cfg_.misaddressed > 0 && u(rng_) < cfg_.misaddressed) {
    // three kinds of misaddressing, in turn: another slice, outside the shape, a zero field
    ici::RawFields f = raw_of(geo_.phext_of_global(routers_[node]->pos));
    switch (st_.misaddressed_sent % 3) {
    case 0: f[2] = f[2] % 999 + 1; break;        // series: another slice
    case 1: f[3] = geo_.cubes().x + 1; break;    // collection past the last cube
    default: f[8] = 0; break;                    // scroll 0 (malformed)
    }
    const std::uint32_t serial = enqueue(node, f, -1, cfg_.packet_flits, cls);
    s.pending.emplace_back();
    retire(node, serial); // never delivered: its serial only keeps the numbering dense
    ++st_.misaddressed_sent;
    return;
  }
  const Vec3 d = traffic_dest(cfg_.traffic, topo_.shape(), routers_[node]->pos, rng_, cfg_.hotspot_fraction);
  queue_packet(node, d, cfg_.packet_flits, measured, cls);
}

void Network::check_hop(unsigned node, unsigned port, const Flit& f) {
  if (!f.head) return;
  const ici::HeadFields h = ici::unpack_head(f.data);
  if (!topo_.contains(h.src)) throw NetworkError(fmt::format("cycle {}: head with a bad source field", cycle_));
  Packet* found = find_packet(topo_.index(h.src), h.tag);
  if (!found)
    throw NetworkError(fmt::format("cycle {}: router {} forwarded a packet that should not exist (src {}, tag {})",
                                   cycle_, phext::position_str(routers_[node]->pos), phext::position_str(h.src), h.tag));
  Packet& pk = *found;
  const Vec3 here = routers_[node]->pos;
  const Hop want = next_hop(topo_, here, pk.dst_pos, pk.in_port, pk.in_vc, cfg_.vcs, static_cast<MsgClass>(pk.cls));
  ++st_.route_checks;
  if (pk.at != node || want.port != static_cast<Port>(port) || want.vc != f.vc)
    throw NetworkError(fmt::format("cycle {}: packet {}->{} at router {} left on {} vc {}, the oracle says router {} {} vc {}",
                                   cycle_, phext::position_str(h.src), phext::position_str(pk.dst_pos),
                                   phext::position_str(here), port_name(static_cast<Port>(port)), f.vc,
                                   phext::position_str(routers_[pk.at]->pos), port_name(want.port), want.vc));
  if (pk.record) pk.hops_seen.push_back({here, static_cast<Port>(port), f.vc, cycle_});
  if (static_cast<Port>(port) != Port::Local) {
    pk.at = static_cast<unsigned>(routers_[node]->nbr[port]);
    pk.in_port = opposite(static_cast<Port>(port));
    pk.in_vc = f.vc;
  }
}

void Network::deliver(unsigned node, const Flit& f) {
  Router& r = *routers_[node];
  SinkVc& sv = r.sink[f.vc];
  ++st_.flits_delivered;
  if (cycle_ >= cfg_.warmup && cycle_ < cfg_.warmup + cfg_.measure) ++acc_flits_measured_;
  std::uint64_t key;
  if (f.head) {
    if (sv.busy)
      throw NetworkError(fmt::format("cycle {}: node {} vc {}: head flit inside another packet", cycle_,
                                     phext::position_str(r.pos), f.vc));
    const ici::HeadFields h = ici::unpack_head(f.data);
    if (!topo_.contains(h.src)) throw NetworkError(fmt::format("cycle {}: delivered head with a bad source", cycle_));
    const unsigned src = topo_.index(h.src);
    key = (static_cast<std::uint64_t>(src) << 32) | h.tag;
    const Packet* pk = find_packet(src, h.tag);
    if (!pk)
      throw NetworkError(fmt::format("cycle {}: node {} received packet {} of {} twice, or one never sent",
                                     cycle_, phext::position_str(r.pos), h.tag, phext::position_str(h.src)));
    if (pk->dst != node)
      throw NetworkError(fmt::format("cycle {}: packet for {} delivered to {}", cycle_,
                                     phext::position_str(pk->dst_pos), phext::position_str(r.pos)));
    if (ici::class_of(h.type) != pk->cls || (cfg_.vcs > kVcsPerClass && f.vc / kVcsPerClass != pk->cls))
      throw NetworkError(fmt::format("cycle {}: a {} from {} delivered on VC {} as type {}", cycle_,
                                     class_name(static_cast<MsgClass>(pk->cls)), phext::position_str(h.src), f.vc,
                                     static_cast<unsigned>(h.type)));
    // order is kept per source, destination and class (the classes are separate networks)
    std::uint32_t& last = last_serial_[(static_cast<std::size_t>(src) * topo_.nodes() + node) * 2 + pk->cls];
    if (h.tag + 1u <= last)
      throw NetworkError(fmt::format("cycle {}: packets from {} to {} out of order ({} after {})", cycle_,
                                     phext::position_str(h.src), phext::position_str(r.pos), h.tag, last - 1));
    last = h.tag + 1u;
    sv.busy = true;
    sv.key = key;
    sv.next = 1;
  } else {
    if (!sv.busy)
      throw NetworkError(fmt::format("cycle {}: node {} vc {}: body flit without a head", cycle_,
                                     phext::position_str(r.pos), f.vc));
    key = sv.key;
    const std::uint64_t got = (static_cast<std::uint64_t>(f.data[1]) << 32) | f.data[0];
    if (got != key || f.data[2] != sv.next)
      throw NetworkError(fmt::format("cycle {}: node {} vc {}: flit {} of the wrong packet or out of order", cycle_,
                                     phext::position_str(r.pos), f.vc, f.data[2]));
    ++sv.next;
  }
  const unsigned src = static_cast<unsigned>(key >> 32);
  const auto serial = static_cast<std::uint32_t>(key);
  Packet& pk = *find_packet(src, serial);
  if (f.tail != (sv.next == pk.len))
    throw NetworkError(fmt::format("cycle {}: node {}: tail flag on flit {} of a {}-flit packet", cycle_,
                                   phext::position_str(r.pos), sv.next - 1, pk.len));
  if (f.tail) {
    sv.busy = false;
    ++st_.packets_delivered;
    if (pk.cls) ++st_.responses_delivered;
    if (pk.measured) {
      latencies_.push_back(static_cast<double>(cycle_ - pk.created));
      hops_sum_ += pk.hops;
      --measured_outstanding_;
    }
    if (pk.record) journeys_done_.emplace(key, std::move(pk.hops_seen));
    retire(src, serial);
    --outstanding_;
  }
}

const Network::Packet* Network::find_packet(unsigned src, std::uint32_t serial) const {
  const Source& s = sources_[src];
  const std::uint32_t i = serial - s.base; // wraps to a huge value for serials already retired
  if (i >= s.pending.size() || s.pending[i].done) return nullptr;
  return &s.pending[i];
}
Network::Packet* Network::find_packet(unsigned src, std::uint32_t serial) {
  return const_cast<Packet*>(std::as_const(*this).find_packet(src, serial));
}

void Network::retire(unsigned src, std::uint32_t serial) {
  Source& s = sources_[src];
  s.pending[serial - s.base].done = true;
  while (!s.pending.empty() && s.pending.front().done) {
    s.pending.pop_front();
    ++s.base;
  }
}

bool Network::idle(unsigned node) const {
  const Router& r = *routers_[node];
  if (r.occupancy || r.active || r.local_valid || r.sink_credit) return false;
  const std::size_t slot = cycle_ % cfg_.link_latency;
  return r.in_mask[slot] == 0 && r.credit_in[slot] == 0;
}

void Network::step() {
  make_current(*ctx_); // an assertion that fails is charged to this network's context
  const unsigned n = topo_.nodes();
  const std::size_t slot = cycle_ % cfg_.link_latency;
  bool moved = false;
  // sources: generate, then offer one flit to the local port if its VC has a credit
  for (unsigned i = 0; i < n; ++i) {
    if (generating_ && cfg_.rate > 0) generate(i);
    Source& s = sources_[i];
    Router& r = *routers_[i];
    r.local_valid = false;
    if (s.queue.empty()) continue;
    const Queued& q = s.queue.front();
    if (s.credits[q.vc] == 0) continue;
    --s.credits[q.vc];
    Flit& f = r.local;
    f.head = s.sent == 0;
    f.tail = s.sent + 1 == q.len;
    f.vc = q.vc;
    if (f.head) {
      ici::HeadFields h;
      h.dest = q.dest;
      h.type = q.cls ? ici::PktType::ReadResp : ici::PktType::Write;
      h.len = q.len;
      h.src = r.pos;
      h.tag = q.serial;
      f.data = ici::pack_head(h);
    } else {
      f.data = {};
      f.data[0] = q.serial;
      f.data[1] = i;
      f.data[2] = s.sent;
    }
    r.local_valid = true;
    ++st_.flits_injected;
    moved = true;
    if (++s.sent == q.len) {
      s.sent = 0;
      s.queue.pop_front();
    }
  }
  // phase A: drive inputs and clock every router that has something to do
  ticked_.assign(n, 0);
  for (unsigned i = 0; i < n; ++i) {
    Router& r = *routers_[i];
    if (cfg_.skip_idle && idle(i)) continue;
    ticked_[i] = 1;
    RouterModel& m = *r.m;
    m.clear_inputs();
    for (unsigned mask = r.in_mask[slot]; mask; mask &= mask - 1) {
      const unsigned p = static_cast<unsigned>(__builtin_ctz(mask));
      m.drive(p, r.in[slot][p]);
      ++r.occupancy;
    }
    r.in_mask[slot] = 0;
    if (r.local_valid) {
      m.drive(kNumLinkPorts, r.local);
      ++r.occupancy;
    }
    m.set_out_credits(r.credit_in[slot] | (static_cast<std::uint32_t>(r.sink_credit) << (kNumLinkPorts * cfg_.vcs)));
    r.credit_in[slot] = 0;
    r.sink_credit = 0;
    if (!trace_) {
      m.edge(false);
      m.edge(true);
    }
  }
  if (trace_) { // both clock edges of every router in the same time step of the one waveform
    for (unsigned i = 0; i < n; ++i) routers_[i]->m->edge(false);
    trace_->dump(ctx_->time());
    ctx_->timeInc(5);
    for (unsigned i = 0; i < n; ++i) routers_[i]->m->edge(true);
    trace_->dump(ctx_->time());
    ctx_->timeInc(5);
  }
  // phase B: move outputs onto the links, credits back upstream, deliveries to the sinks
  for (unsigned i = 0; i < n; ++i) {
    if (!ticked_[i]) continue;
    ++st_.router_cycles;
    Router& r = *routers_[i];
    const RouterModel& m = *r.m;
    const unsigned out_valid = m.out_valid();
    const std::uint32_t in_credit = m.in_credits();
    r.active = out_valid != 0 || in_credit != 0;
    if (out_valid) {
      moved = true;
      for (unsigned p = 0; p < kNumPorts; ++p) {
        if (!((out_valid >> p) & 1u)) continue;
        const Flit f = m.output(p);
        if (cfg_.check_routes) check_hop(i, p, f);
        if (p == kNumLinkPorts) {
          deliver(i, f);
          if (cfg_.fault == NetConfig::Fault::DuplicateHead && cycle_ >= cfg_.fault_cycle && f.head) {
            cfg_.fault = NetConfig::Fault::None;
            deliver(i, f); // the same head once more
          }
          if (!cfg_.stall_sinks) r.sink_credit_next = static_cast<std::uint8_t>(r.sink_credit_next | (1u << f.vc));
        } else {
          if (r.nbr[p] < 0)
            throw NetworkError(fmt::format("cycle {}: router {} sent a flit out of {}, which has no link", cycle_,
                                           phext::position_str(r.pos), port_name(static_cast<Port>(p))));
          if (f.head) ++st_.head_link_hops;
          if (cfg_.fault == NetConfig::Fault::DropFlit && cycle_ >= cfg_.fault_cycle) {
            cfg_.fault = NetConfig::Fault::None; // this flit vanishes on the link
            continue;
          }
          Router& d = *routers_[static_cast<unsigned>(r.nbr[p])];
          d.in[slot][r.back[p]] = f;
          d.in_mask[slot] = static_cast<std::uint8_t>(d.in_mask[slot] | (1u << r.back[p]));
        }
      }
    }
    if (in_credit) {
      const unsigned vcs = cfg_.vcs, vmask = (1u << vcs) - 1;
      for (unsigned p = 0; p < kNumLinkPorts; ++p) {
        const unsigned c = (in_credit >> (p * vcs)) & vmask;
        if (!c) continue;
        r.occupancy -= popcount16(c);
        routers_[static_cast<unsigned>(r.nbr[p])]->credit_in[slot] |= c << (r.back[p] * vcs);
      }
      const unsigned lc = (in_credit >> (kNumLinkPorts * vcs)) & vmask;
      r.occupancy -= popcount16(lc);
      for (unsigned v = 0; v < vcs; ++v)
        if ((lc >> v) & 1u) ++sources_[i].credits[v];
    }
  }
  for (auto& r : routers_) {
    r->sink_credit = r->sink_credit_next;
    r->sink_credit_next = 0;
  }
  if (ctx_->gotError()) throw_if_failed(*ctx_, fmt::format("a router at cycle {}", cycle_)); // (a flag test per cycle)
  if (moved) last_move_ = cycle_;
  ++cycle_;
  if (trace_ && cycle_ >= trace_end_) {
    trace_->close(); // the waveform ends here; the run goes on untraced, idle routers skipped again
    trace_.reset();
    cfg_.skip_idle = skip_idle_after_trace_;
  }
  // phases: measurement ends, measured packets drain (or the drain limit passes), then
  // (optionally) the sources stop and everything drains
  const std::uint64_t end_measure = cfg_.warmup + cfg_.measure;
  if (cycle_ >= end_measure) {
    const bool limit = cycle_ >= end_measure + cfg_.drain_limit;
    if (limit && measured_outstanding_ > 0) st_.drained = false;
    if (measured_outstanding_ == 0 || limit) {
      if (!cfg_.final_drain) finished_ = true;
      else {
        generating_ = false;
        bool empty = outstanding_ == 0;
        for (unsigned i = 0; empty && i < n; ++i)
          empty = sources_[i].queue.empty() && routers_[i]->occupancy == 0 && !routers_[i]->active;
        if (empty) finished_ = true;
      }
    }
  }
  if (cycle_ - last_move_ > cfg_.watchdog_cycles) {
    std::uint64_t buffered = 0;
    for (unsigned i = 0; i < n; ++i) buffered += routers_[i]->occupancy + sources_[i].queue.size();
    if (buffered || outstanding_)
      throw NetworkError(fmt::format("deadlock or lost flit: no flit moved for {} cycles while {} packets are "
                                     "undelivered ({} flits/packets buffered; cycle {})",
                                     cfg_.watchdog_cycles, outstanding_, buffered, cycle_));
  }
}

NetStats Network::run() {
  const double t0 = now_seconds();
  while (!finished_) step();
  wall_ += now_seconds() - t0;
  return stats();
}

NetStats Network::stats() const {
  NetStats s = st_;
  s.cycles = cycle_;
  s.nodes = topo_.nodes();
  s.measured_cycles = std::min<std::uint64_t>(cfg_.measure, cycle_ > cfg_.warmup ? cycle_ - cfg_.warmup : 0);
  const double denom = static_cast<double>(s.nodes) * static_cast<double>(std::max<std::uint64_t>(1, s.measured_cycles));
  s.offered = static_cast<double>(gen_flits_measured_) / denom;
  s.accepted = static_cast<double>(acc_flits_measured_) / denom;
  s.packets_measured = latencies_.size();
  if (!latencies_.empty()) {
    std::vector<double> l = latencies_;
    std::sort(l.begin(), l.end());
    double sum = 0;
    for (double x : l) sum += x;
    s.latency_avg = sum / static_cast<double>(l.size());
    auto pct = [&](double q) { return l[std::min(l.size() - 1, static_cast<std::size_t>(q * static_cast<double>(l.size())))]; };
    s.latency_p50 = pct(0.50);
    s.latency_p99 = pct(0.99);
    s.latency_max = l.back();
    s.hops_avg = hops_sum_ / static_cast<double>(l.size());
  }
  if (s.packets_delivered)
    s.hops_traversed = static_cast<double>(s.head_link_hops) / static_cast<double>(s.packets_delivered);
  for (const auto& r : routers_) {
    s.drops_zmismatch += r->m->drops_zmismatch();
    s.drops_out_of_shape += r->m->drops_out_of_shape();
    if (r->m->overflow()) throw NetworkError("a router received a flit without a credit (err_overflow_o)");
  }
  s.wall_seconds = wall_;
  s.cycles_per_second = wall_ > 0 ? static_cast<double>(cycle_) / wall_ : 0;
  s.ns_per_router_cycle = cycle_ ? wall_ * 1e9 / (static_cast<double>(cycle_) * s.nodes) : 0;
  return s;
}

std::uint64_t Network::flits_buffered() const {
  std::uint64_t n = 0;
  for (const auto& r : routers_) n += r->occupancy;
  return n;
}

std::uint64_t Network::credits_missing() const {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < routers_.size(); ++i) {
    for (unsigned v = 0; v < cfg_.vcs; ++v) n += kBufDepth - sources_[i].credits[v];
    // a router output whose credits are not all home (or whose VC is held) counts once
    n += static_cast<unsigned>(__builtin_popcount(~routers_[i]->m->out_idle() & ((1u << kNumPorts) - 1)));
  }
  return n;
}

} // namespace phtpu::net
