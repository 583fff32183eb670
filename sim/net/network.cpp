// The ICI network harness; see network.hpp.
#include "network.hpp"

#include "Vici_router.h"
#include "Vici_router_chip.h"
// the models' state, for its size (prefetching); Verilator writes anonymous structs
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include "Vici_router___024root.h"
#include "Vici_router_chip___024root.h"
#pragma GCC diagnostic pop
#include "coverage.hpp"
#include "ici_router_port.hpp"
#include "rtl_assert.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <type_traits>
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
  if (!(c.ber >= 0 && c.ber <= 0.01))
    throw std::invalid_argument(fmt::format("bit error rate {} out of range 0..0.01 (above it hardly a frame gets through)", c.ber));
  if (c.burst < 1 || c.burst > 64) throw std::invalid_argument(fmt::format("burst of {} bits out of range 1..64", c.burst));
  if ((c.ber > 0 || c.burst > 1) && !c.link_layer)
    throw std::invalid_argument("bit errors need the link layer (NetConfig::link_layer)");
  if (c.link_layer && c.link_latency > 30)
    throw std::invalid_argument(fmt::format("link latency {} with the link layer: at most 30 cycles (its 64-cycle replay "
                                            "timeout must cover the round trip)", c.link_latency));
  if (c.measure < 1) throw std::invalid_argument("the measurement window needs at least 1 cycle");
  constexpr std::uint64_t kMaxCycles = 1'000'000'000'000; // 10^12: beyond any run, and no overflow in sums
  if (c.warmup > kMaxCycles || c.measure > kMaxCycles || c.drain_limit > kMaxCycles)
    throw std::invalid_argument(fmt::format("warm-up, measurement and drain are limited to {} cycles each", kMaxCycles));
  // a run's time: the harness takes 50 to 500 ns a router-cycle (docs/PERF.md), so 10^11 is hours
  constexpr double kMaxRouterCycles = 1e11;
  if (double(c.shape.volume()) * double(c.warmup + c.measure) > kMaxRouterCycles)
    throw std::invalid_argument(fmt::format("{} routers for {} cycles is {:.2g} router-cycles; the harness runs at most "
                                            "{:.0g} (hours at 50 to 500 ns each)",
                                            c.shape.volume(), c.warmup + c.measure,
                                            double(c.shape.volume()) * double(c.warmup + c.measure), kMaxRouterCycles));
}

// ---- internal state -------------------------------------------------------------------------

namespace {
// A queue with O(1) indexing from the front, in one growing power-of-two buffer: a source's
// packet queue and its packets in flight (std::deque spreads them over small blocks it
// allocates and frees as packets come and go).
template <class T>
class Ring {
public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & mask_]; }
  const T& operator[](std::size_t i) const { return buf_[(head_ + i) & mask_]; }
  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }
  void push_back(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & mask_] = v;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }

private:
  void grow() {
    std::vector<T> b(buf_.empty() ? 16 : 2 * buf_.size());
    for (std::size_t i = 0; i < size_; ++i) b[i] = (*this)[i];
    buf_ = std::move(b);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }
  std::vector<T> buf_;
  std::size_t head_ = 0, size_ = 0, mask_ = 0;
};
} // namespace

// A packet from generation to delivery (its source's `pending` ring holds it by serial).
struct Network::Packet {
  std::uint64_t created = 0;
  unsigned dst = 0;
  unsigned at = 0;          // route checking: the router holding the head
  std::uint8_t cls = 0;     // message class: 0 request, 1 response
  std::uint8_t len = 1;
  Port in_port = Port::Local; // route checking: how the head arrived at `at`
  std::uint8_t in_vc = 0;
  bool done = false;        // delivered, or misaddressed (never delivered)
  bool measured = false;
  bool record = false;      // its hops go to journeys_
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
  Ring<Queued> queue;
  Ring<Packet> pending; // packets by serial, pending[i] has serial base + i
  std::uint32_t base = 0;
  unsigned sent = 0; // flits of queue.front() already injected
  std::array<unsigned, kMaxVcs> credits{};
  std::uint32_t next_serial = 0;
};

// One Verilated router, whatever its VC count: construction, tracing and the statistics reach
// it through this interface; step() reaches the model itself (Stepper, no virtual call).
struct Network::Model {
  virtual ~Model() = default;
  virtual void edge(bool clk) = 0;                      ///< set the clock and evaluate
  virtual unsigned out_idle() const = 0;                ///< ports with every credit home, nothing held
  virtual bool configure(const phext::SliceGeometry& geo, const Topology& topo, Vec3 own) = 0;
  virtual void trace(VerilatedFstC* t) = 0;
  virtual void final() = 0;
  virtual std::uint32_t drops_zmismatch() const = 0;
  virtual std::uint32_t drops_out_of_shape() const = 0;
  virtual bool overflow() const = 0;
};

template <class M, unsigned V>
struct Network::ModelT final : Network::Model {
  ModelT(VerilatedContext* ctx, const char* name) : m(ctx, name) {}
  void edge(bool clk) override {
    m.clk_i = clk;
    m.eval();
  }
  unsigned out_idle() const override { return m.out_idle_o; }
  bool configure(const phext::SliceGeometry& geo, const Topology& topo, Vec3 own) override {
    ici::reset(m);
    ici::set_config(m, geo, topo, own);
    edge(false), edge(true);
    m.cfg_we_i = 0;
    edge(false), edge(true);
    return m.cfg_ok_o != 0;
  }
  void trace(VerilatedFstC* t) override { m.trace(t, 99); }
  void final() override { m.final(); }
  std::uint32_t drops_zmismatch() const override { return m.drop_zmismatch_o; }
  std::uint32_t drops_out_of_shape() const override { return m.drop_out_of_shape_o; }
  bool overflow() const override { return m.err_overflow_o; }
  M m;
};

// The harness side of one router: its place, its sinks, the flit its source offers this cycle.
struct Network::Router {
  void* model = nullptr; // the Verilated model (M)
  void* state = nullptr; // its state and ports (M's rootp): step() reaches the ports there
  Vec3 pos;
  std::array<int, kNumLinkPorts> nbr{}; // neighbour through each link port, -1: none
  unsigned occupancy = 0;
  bool active = true;      // last evaluation produced outputs or credits
  bool local_valid = false;
  std::uint8_t sink_credit = 0; // credits of the flits the sinks took, for the router's next cycle
  Flit local;
  std::array<SinkVc, kMaxVcs> sink{};
};

namespace {
// Models' state in all (bytes) above which step() prefetches each model's state before its
// evaluation: about the size of a core's L2 cache.
constexpr std::size_t kPrefetchAbove = std::size_t{1} << 20;
// The port of ours that a neighbour's link through its port p arrives on.
constexpr unsigned back_port(unsigned p) { return p ^ 1u; }
static_assert(back_port(static_cast<unsigned>(Port::XP)) == static_cast<unsigned>(Port::XM) &&
                  back_port(static_cast<unsigned>(Port::ZM)) == static_cast<unsigned>(Port::ZP),
              "link ports come in +/- pairs");

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
  models_.reserve(n);
  routers_.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    Router& r = routers_[i];
    r.pos = topo_.position(i);
    const std::string name = fmt::format("chip_{}_{}_{}", r.pos.x, r.pos.y, r.pos.z);
    if (cfg_.vcs == 4) {
      auto m = std::make_unique<ModelT<Vici_router_chip, 4>>(ctx_.get(), name.c_str());
      r.model = &m->m;
      r.state = m->m.rootp;
      models_.push_back(std::move(m));
    } else {
      auto m = std::make_unique<ModelT<Vici_router, 2>>(ctx_.get(), name.c_str());
      r.model = &m->m;
      r.state = m->m.rootp;
      models_.push_back(std::move(m));
    }
    for (unsigned p = 0; p < kNumLinkPorts; ++p) {
      const auto nb = topo_.neighbor(r.pos, static_cast<Port>(p));
      r.nbr[p] = nb ? static_cast<int>(topo_.index(*nb)) : -1;
    }
  }
  link_flit_.resize(static_cast<std::size_t>(L + 1) * n * kNumLinkPorts);
  link_mask_.assign(static_cast<std::size_t>(L + 1) * n, 0);
  link_credit_.assign(static_cast<std::size_t>(L + 1) * n, 0);
  ticked_.reserve(n);
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
    if (!models_[i]->configure(geo_, topo_, routers_[i].pos))
      throw std::logic_error(
          fmt::format("router {} rejected its own coordinate", phext::position_str(routers_[i].pos)));
  if (cfg_.link_layer) {
    std::vector<int> nbr(static_cast<std::size_t>(n) * kNumLinkPorts, -1);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned p = 0; p < kNumLinkPorts; ++p) nbr[static_cast<std::size_t>(i) * kNumLinkPorts + p] = routers_[i].nbr[p];
    links_ = std::make_unique<LinkLayer>(ctx_.get(), nbr, cfg_.vcs, L, cfg_.ber, cfg_.burst, cfg_.seed);
  }
}

Network::~Network() {
  make_current(*ctx_);
  if (trace_) trace_->close();
  for (auto& m : models_)
    m->final();
  write_coverage(ctx_.get(), "net"); // make coverage: while the routers live (tb/coverage.hpp)
}

void Network::open_trace(const std::string& path, std::uint64_t max_cycles) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  trace_ = std::make_unique<VerilatedFstC>();
  for (auto& m : models_)
    m->trace(trace_.get());
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
  pk.cls = static_cast<std::uint8_t>(cls);
  pk.created = cycle_;
  pk.len = static_cast<std::uint8_t>(flits);
  pk.measured = measured;
  pk.at = node;
  pk.in_port = Port::Local;
  pk.in_vc = static_cast<std::uint8_t>(local_vc(static_cast<int>(dst), cls));
  sources_[node].pending.push_back(pk);
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
  journeys_[(static_cast<std::uint64_t>(node) << 32) | serial] = {};
  if (tag_out) *tag_out = serial;
}

std::vector<Network::HopRecord> Network::journey(Vec3 src, std::uint32_t tag) const {
  const std::uint64_t key = (static_cast<std::uint64_t>(topo_.index(src)) << 32) | tag;
  if (const auto it = journeys_.find(key); it != journeys_.end()) return it->second;
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
    ici::RawFields f = raw_of(geo_.phext_of_global(routers_[node].pos));
    switch (st_.misaddressed_sent % 3) {
    case 0: f[2] = f[2] % 999 + 1; break;        // series: another slice
    case 1: f[3] = geo_.cubes().x + 1; break;    // collection past the last cube
    default: f[8] = 0; break;                    // scroll 0 (malformed)
    }
    const std::uint32_t serial = enqueue(node, f, -1, cfg_.packet_flits, cls);
    s.pending.push_back(Packet{});
    retire(node, serial); // never delivered: its serial only keeps the numbering dense
    ++st_.misaddressed_sent;
    return;
  }
  const Vec3 d = traffic_dest(cfg_.traffic, topo_.shape(), routers_[node].pos, rng_, cfg_.hotspot_fraction);
  queue_packet(node, d, cfg_.packet_flits, measured, cls);
}

void Network::check_hop(unsigned node, unsigned port, const Flit& f) {
  if (!f.head) return;
  const ici::HeadFields h = ici::unpack_head(f.data);
  if (!topo_.contains(h.src)) throw NetworkError(fmt::format("cycle {}: head with a bad source field", cycle_));
  Packet* found = find_packet(topo_.index(h.src), h.tag);
  if (!found)
    throw NetworkError(fmt::format("cycle {}: router {} forwarded a packet that should not exist (src {}, tag {})",
                                   cycle_, phext::position_str(routers_[node].pos), phext::position_str(h.src), h.tag));
  Packet& pk = *found;
  const Vec3 here = routers_[node].pos;
  const Vec3 dst_pos = routers_[pk.dst].pos;
  const Hop want = next_hop(topo_, here, dst_pos, pk.in_port, pk.in_vc, cfg_.vcs, static_cast<MsgClass>(pk.cls));
  ++st_.route_checks;
  if (pk.at != node || want.port != static_cast<Port>(port) || want.vc != f.vc)
    throw NetworkError(fmt::format("cycle {}: packet {}->{} at router {} left on {} vc {}, the oracle says router {} {} vc {}",
                                   cycle_, phext::position_str(h.src), phext::position_str(dst_pos),
                                   phext::position_str(here), port_name(static_cast<Port>(port)), f.vc,
                                   phext::position_str(routers_[pk.at].pos), port_name(want.port), want.vc));
  if (pk.record)
    journeys_[(static_cast<std::uint64_t>(topo_.index(h.src)) << 32) | h.tag].push_back(
        {here, static_cast<Port>(port), f.vc, cycle_});
  if (static_cast<Port>(port) != Port::Local) {
    pk.at = static_cast<unsigned>(routers_[node].nbr[port]);
    pk.in_port = opposite(static_cast<Port>(port));
    pk.in_vc = static_cast<std::uint8_t>(f.vc);
  }
}

void Network::deliver(unsigned node, const Flit& f) {
  Router& r = routers_[node];
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
                                     phext::position_str(routers_[pk->dst].pos), phext::position_str(r.pos)));
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
      latencies_.record(cycle_ - pk.created);
      hops_sum_ += hops_[static_cast<std::size_t>(src) * topo_.nodes() + pk.dst];
      --measured_outstanding_;
    }
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

// Offer source `i`'s next flit to its router's local port if the flit's VC has a credit
// (generating first); returns whether a flit went in.
bool Network::offer(unsigned i) {
  if (generating_ && cfg_.rate > 0) generate(i);
  Source& s = sources_[i];
  Router& r = routers_[i];
  r.local_valid = false;
  if (s.queue.empty()) return false;
  const Queued& q = s.queue.front();
  if (s.credits[q.vc] == 0) return false;
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
  if (++s.sent == q.len) {
    s.sent = 0;
    s.queue.pop_front();
  }
  return true;
}

// A router's cycle on the concrete model type M with V VCs (its ports are plain member
// accesses, no virtual call): drive its inputs, clock it, move its outputs. Untraced, each
// router goes through all of it before the next one starts, so its model's state (a few KiB)
// comes into the cache once per cycle; the link delay lines have a slot more than the latency
// so that the flits a router sends this cycle never land in the slot its neighbours read now.
struct Network::Stepper {
  template <class M>
  using State = std::remove_const_t<std::remove_pointer_t<decltype(std::declval<M&>().rootp)>>;
  template <class M>
  static M& model(Network& net, unsigned i) {
    return *static_cast<M*>(net.routers_[i].model);
  }
  template <class M>
  static State<M>& state(Network& net, unsigned i) {
    return *static_cast<State<M>*>(net.routers_[i].state);
  }

  // Ask the cache for a model's state ahead of its evaluation (large networks only: there the
  // models do not stay in the cache from one cycle to the next): the model object's first line
  // and its state, with the bookkeeping Verilator keeps just before it.
  template <class M>
  static void prefetch_model(Network& net, unsigned i) {
    const Router& r = net.routers_[i];
    __builtin_prefetch(r.model);
    const auto at = reinterpret_cast<std::uintptr_t>(r.state);
    for (std::uintptr_t a = at - 128; a < at + sizeof(State<M>); a += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(a));
  }

  // Drive the inputs of router i from read slot `rs` unless it is idle (nothing arrives,
  // nothing held, nothing left to send: clocking it changes nothing); returns whether it has
  // to be clocked.
  template <class M, unsigned V>
  static bool drive(Network& net, unsigned i, std::size_t rs) {
    Router& r = net.routers_[i];
    const std::size_t at = rs * net.routers_.size() + i;
    std::uint8_t& mask_in = net.link_mask_[at];
    std::uint32_t& credit_in = net.link_credit_[at];
    if (net.cfg_.skip_idle && !r.occupancy && !r.active && !r.local_valid && !r.sink_credit && !mask_in && !credit_in)
      return false;
    State<M>& m = state<M>(net, i);
    m.in_valid_i = 0;
    for (unsigned mask = mask_in; mask; mask &= mask - 1) {
      const unsigned p = static_cast<unsigned>(__builtin_ctz(mask));
      ici::drive_input<V>(m, p, true, net.link_flit_[at * kNumLinkPorts + p]);
      ++r.occupancy;
    }
    mask_in = 0;
    if (r.local_valid) {
      ici::drive_input<V>(m, kNumLinkPorts, true, r.local);
      ++r.occupancy;
    }
    ici::set_field(m.out_credit_i, 0, kNumPorts * V,
                   credit_in | (static_cast<std::uint32_t>(r.sink_credit) << (kNumLinkPorts * V)));
    credit_in = 0;
    r.sink_credit = 0;
    return true;
  }

  template <class M, unsigned V>
  static void clock(Network& net, unsigned i) {
    M& m = model<M>(net, i);
    State<M>& s = state<M>(net, i);
    s.clk_i = 0;
    m.eval();
    s.clk_i = 1;
    m.eval();
  }

  // Move clocked router i's outputs onto the links (write slot `ws`), its credits back
  // upstream, its deliveries to the sinks (queued for deliver_queued(); their credits go back
  // next cycle). Returns whether a flit moved.
  template <class M, unsigned V>
  static bool collect(Network& net, unsigned i, std::size_t ws) {
    const unsigned n = static_cast<unsigned>(net.routers_.size());
    const NetConfig& cfg = net.cfg_;
    ++net.st_.router_cycles;
    Router& r = net.routers_[i];
    const State<M>& m = state<M>(net, i);
    const unsigned out_valid = m.out_valid_o;
    const std::uint32_t in_credit = ici::get_field(m.in_credit_o, 0, kNumPorts * V);
    r.active = out_valid != 0 || in_credit != 0;
    if (out_valid) {
      for (unsigned p = 0; p < kNumPorts; ++p) {
        if (!((out_valid >> p) & 1u)) continue;
        const Flit f = ici::read_output<V>(m, p);
        if (cfg.check_routes) net.check_hop(i, p, f);
        if (p == kNumLinkPorts) {
          net.delivered_.push_back({i, f});
          if (cfg.fault == NetConfig::Fault::DuplicateHead && net.cycle_ >= cfg.fault_cycle && f.head) {
            net.cfg_.fault = NetConfig::Fault::None;
            net.delivered_.push_back({i, f}); // the same head once more
          }
          if (!cfg.stall_sinks) r.sink_credit = static_cast<std::uint8_t>(r.sink_credit | (1u << f.vc));
        } else {
          if (r.nbr[p] < 0)
            throw NetworkError(fmt::format("cycle {}: router {} sent a flit out of {}, which has no link",
                                           net.cycle_, phext::position_str(r.pos), port_name(static_cast<Port>(p))));
          if (f.head) ++net.st_.head_link_hops;
          if (cfg.fault == NetConfig::Fault::DropFlit && net.cycle_ >= cfg.fault_cycle) {
            net.cfg_.fault = NetConfig::Fault::None; // this flit vanishes on the link
            continue;
          }
          if (net.links_) { // the link end takes it to the far router (LinkLayer::receive)
            net.links_->send(i, p, f);
            continue;
          }
          const std::size_t d = ws * n + static_cast<unsigned>(r.nbr[p]);
          net.link_flit_[d * kNumLinkPorts + back_port(p)] = f;
          net.link_mask_[d] = static_cast<std::uint8_t>(net.link_mask_[d] | (1u << back_port(p)));
        }
      }
    }
    if (in_credit) {
      constexpr unsigned vmask = (1u << V) - 1;
      for (unsigned p = 0; p < kNumLinkPorts; ++p) {
        const unsigned c = (in_credit >> (p * V)) & vmask;
        if (!c) continue;
        r.occupancy -= popcount16(c);
        net.link_credit_[ws * n + static_cast<unsigned>(r.nbr[p])] |= c << (back_port(p) * V);
      }
      const unsigned lc = (in_credit >> (kNumLinkPorts * V)) & vmask;
      r.occupancy -= popcount16(lc);
      for (unsigned v = 0; v < V; ++v)
        if ((lc >> v) & 1u) ++net.sources_[i].credits[v];
    }
    return out_valid != 0;
  }

  // The sources and routers of one cycle; returns whether a flit moved.
  template <class M, unsigned V>
  static bool cycle(Network& net, std::size_t rs, std::size_t ws) {
    const unsigned n = static_cast<unsigned>(net.routers_.size());
    bool moved = false;
    if (!net.trace_) {
      // prefetching pays once the models' state outgrows the cache (a few KiB each)
      constexpr unsigned ahead = 2; // routers: one evaluation is time enough for the lines to arrive
      const bool prefetch = static_cast<std::size_t>(n) * sizeof(State<M>) >= kPrefetchAbove;
      for (unsigned i = 0; i < n; ++i) {
        if (prefetch && i + ahead < n) prefetch_model<M>(net, i + ahead);
        moved = net.offer(i) || moved;
        if (!drive<M, V>(net, i, rs)) continue;
        clock<M, V>(net, i);
        moved = collect<M, V>(net, i, ws) || moved;
      }
      return moved;
    }
    // traced: every router's two clock edges in the same time step of the one waveform
    for (unsigned i = 0; i < n; ++i) moved = net.offer(i) || moved;
    net.ticked_.clear();
    for (unsigned i = 0; i < n; ++i)
      if (drive<M, V>(net, i, rs)) net.ticked_.push_back(i);
    for (unsigned i = 0; i < n; ++i) net.models_[i]->edge(false);
    net.trace_->dump(net.ctx_->time());
    net.ctx_->timeInc(5);
    for (unsigned i = 0; i < n; ++i) net.models_[i]->edge(true);
    net.trace_->dump(net.ctx_->time());
    net.ctx_->timeInc(5);
    for (const unsigned i : net.ticked_) moved = collect<M, V>(net, i, ws) || moved;
    return moved;
  }
};

// The cycle's deliveries, in the order the routers made them. Each looks up its packet in its
// source's ring and the pair's order record, both anywhere in memory in a large network: the
// lines for the deliveries a few places ahead are fetched while the current one is checked.
void Network::deliver_queued() {
  const std::size_t k = delivered_.size();
  const unsigned n = topo_.nodes();
  auto source_of = [&](const Delivered& d, std::uint32_t& serial) -> unsigned {
    if (!d.f.head) {
      serial = d.f.data[0];
      return d.f.data[1];
    }
    constexpr unsigned G = phext::kRtlGlobalBits;
    serial = static_cast<std::uint32_t>(ici::get_bits(d.f.data, ici::kHeadTagLsb, 32));
    const Vec3 src{static_cast<unsigned>(ici::get_bits(d.f.data, ici::kHeadSrcLsb + 2 * G, G)),
                   static_cast<unsigned>(ici::get_bits(d.f.data, ici::kHeadSrcLsb + G, G)),
                   static_cast<unsigned>(ici::get_bits(d.f.data, ici::kHeadSrcLsb, G))};
    return topo_.contains(src) ? topo_.index(src) : n;
  };
  constexpr std::size_t ahead = 8;
  for (std::size_t j = 0; j < k; ++j) {
    if (j + 2 * ahead < k) {
      std::uint32_t serial;
      const unsigned src = source_of(delivered_[j + 2 * ahead], serial);
      if (src < n) __builtin_prefetch(&sources_[src]);
    }
    if (j + ahead < k) {
      const Delivered& d = delivered_[j + ahead];
      std::uint32_t serial;
      const unsigned src = source_of(d, serial);
      if (src < n) {
        const Source& s = sources_[src];
        const std::uint32_t at = serial - s.base;
        if (at < s.pending.size()) __builtin_prefetch(&s.pending[at]);
        const std::size_t pair = static_cast<std::size_t>(src) * n + d.node;
        __builtin_prefetch(&last_serial_[pair * 2]);
        __builtin_prefetch(&hops_[pair]);
      }
    }
    deliver(delivered_[j].node, delivered_[j].f);
  }
  delivered_.clear();
}

void Network::step() {
  make_current(*ctx_); // an assertion that fails is charged to this network's context
  const unsigned n = topo_.nodes();
  const unsigned L = cfg_.link_latency;
  // link slots: read the one written L cycles ago, write the one read L cycles from now
  const std::size_t rs = cycle_ % (L + 1), ws = (cycle_ + L) % (L + 1);
  delivered_.clear(); // (left over only when the last step threw)
  if (links_)
    links_->receive([&](unsigned node, unsigned port, const ici::Flit& f) {
      const std::size_t at = rs * n + node;
      link_flit_[at * kNumLinkPorts + port] = f;
      link_mask_[at] = static_cast<std::uint8_t>(link_mask_[at] | (1u << port));
    });
  const bool moved = cfg_.vcs == 4 ? Stepper::cycle<Vici_router_chip, 4>(*this, rs, ws)
                                   : Stepper::cycle<Vici_router, 2>(*this, rs, ws);
  if (links_) {
    links_->clock();
    if ((cycle_ & 1023) == 0) {
      const LinkStats ls = links_->stats();
      if (ls.links_down)
        throw NetworkError(fmt::format("cycle {}: a link went down (its replays and a retrain made no progress)", cycle_));
      if (ls.overflows)
        throw NetworkError(fmt::format("cycle {}: a link end's replay buffer overflowed", cycle_));
    }
  }
  deliver_queued();
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
          empty = sources_[i].queue.empty() && routers_[i].occupancy == 0 && !routers_[i].active;
        if (empty) finished_ = true;
      }
    }
  }
  if (cycle_ - last_move_ > cfg_.watchdog_cycles) {
    std::uint64_t buffered = 0;
    for (unsigned i = 0; i < n; ++i) buffered += routers_[i].occupancy + sources_[i].queue.size();
    if (buffered || outstanding_)
      throw NetworkError(fmt::format("deadlock or lost flit: no flit moved for {} cycles while {} packets are "
                                     "undelivered ({} flits/packets buffered; cycle {})",
                                     cfg_.watchdog_cycles, outstanding_, buffered, cycle_));
  }
}

std::vector<std::uint64_t> Network::link_replays() const {
  return links_ ? links_->replays_per_link() : std::vector<std::uint64_t>{};
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
  s.packets_measured = latencies_.count();
  if (s.packets_measured > 0) {
    s.latency_avg = latencies_.mean();
    s.latency_p50 = static_cast<double>(latencies_.quantile(0.50));
    s.latency_p99 = static_cast<double>(latencies_.quantile(0.99));
    s.latency_max = static_cast<double>(latencies_.rank(s.packets_measured - 1));
    s.hops_avg = hops_sum_ / static_cast<double>(s.packets_measured);
  }
  if (s.packets_delivered)
    s.hops_traversed = static_cast<double>(s.head_link_hops) / static_cast<double>(s.packets_delivered);
  for (const auto& m : models_) {
    s.drops_zmismatch += m->drops_zmismatch();
    s.drops_out_of_shape += m->drops_out_of_shape();
    if (m->overflow()) throw NetworkError("a router received a flit without a credit (err_overflow_o)");
  }
  if (links_) s.links = links_->stats();
  s.wall_seconds = wall_;
  s.cycles_per_second = wall_ > 0 ? static_cast<double>(cycle_) / wall_ : 0;
  s.ns_per_router_cycle = cycle_ ? wall_ * 1e9 / (static_cast<double>(cycle_) * s.nodes) : 0;
  return s;
}

std::uint64_t Network::flits_buffered() const {
  std::uint64_t n = 0;
  for (const auto& r : routers_) n += r.occupancy;
  return n;
}

std::uint64_t Network::credits_missing() const {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < routers_.size(); ++i) {
    for (unsigned v = 0; v < cfg_.vcs; ++v) n += kBufDepth - sources_[i].credits[v];
    // a router output whose credits are not all home (or whose VC is held) counts once
    n += static_cast<unsigned>(__builtin_popcount(~models_[i]->out_idle() & ((1u << kNumPorts) - 1)));
  }
  return n;
}

} // namespace phtpu::net
