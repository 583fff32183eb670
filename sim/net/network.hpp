// The ICI network harness: Verilated routers (rtl/ici/ici_router.sv) wired into a mesh or
// (twisted) torus by topology.hpp, link models with latency and credits, traffic sources and
// sinks, per-packet statistics, a route checker against the oracle and a deadlock watchdog.
//
// This is plain C++ stepped one cycle at a time; fabric.hpp wraps it in a SystemC module
// that gives it a clock and time (the pod harness will extend that module). Per-cycle link
// data moves as plain C++ arrays, never as SystemC signals (the speed budget).
//
// Cycle convention. Router outputs are registers; a link of latency L presents the flit the
// upstream router registered at cycle t to the downstream router's inputs during cycle
// t + L (L >= 1; L = 1 is a wire from the output register to the next router's input).
// Credits return over the same latency. Zero-load latency of an H-hop, P-flit packet with
// L = 1 is 2H+1 + (P-1) cycles from the cycle its head is offered to the source router to
// the cycle its tail leaves the destination router (docs/blocks/ici-router.md, "Timing").
//
// Stepping. A cycle takes the routers in node order, each through its source's offer, its
// inputs, both clock edges and its outputs before the next one starts (so each model's state
// is fetched once per cycle; in networks whose models outgrow the cache, the next ones' state is
// prefetched), then checks the cycle's deliveries. While tracing, all routers are driven, then
// clocked in one time step of the waveform, then read out; both orders give the same results.
//
// Routers. `vcs` picks the Verilated configuration: 2 VCs (the default; both message classes
// share them) or 4 (the chip's router, a VC pair per message class). A share of the packets
// (`response_share`) is sent as responses (PktReadResp, message class 1), the rest as
// requests (PktWrite): with 4 VCs the two classes travel in separate virtual networks.
//
// Endpoints. A source keeps a queue of generated packets (Bernoulli process at `rate`
// flits/node/cycle, `packet_flits` flits each) and injects one flit per cycle into its
// router's local port when the local VC has a credit; the local VC is fixed per destination
// and class (a VC of the class's pair, by the destination's index) so the packets of one
// source/destination pair and class stay in order. A sink accepts one flit per cycle per VC
// at once and returns the credit the next cycle.
#pragma once

#include "chip_address.hpp"
#include "ici_flit.hpp"
#include "latency_histogram.hpp"
#include "link_layer.hpp"
#include "routing.hpp"
#include "topology.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map> // journeys
#include <vector>

class VerilatedContext;
class VerilatedFstC;

namespace phtpu::net {

enum class Traffic : std::uint8_t { Uniform, BitComplement, Transpose, Tornado, Neighbor, Hotspot };
std::string_view traffic_name(Traffic t);
/// "uniform", "bitcomp", "transpose", "tornado", "neighbor", "hotspot"; throws std::invalid_argument.
Traffic traffic_from_name(std::string_view name);
/// Destination of pattern `t` for source `s` (uniform and hotspot draw from `rng`).
Vec3 traffic_dest(Traffic t, const Vec3& shape, Vec3 s, std::mt19937_64& rng, double hotspot_fraction);

/// Thrown when the watchdog sees no flit move for `watchdog_cycles` while flits wait, or when
/// a delivery check fails (lost, duplicated, reordered or misrouted flits).
class NetworkError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct NetConfig {
  Vec3 shape{4, 4, 4};       ///< slice shape in chips
  Vec3 cube{4, 4, 4};        ///< chips per cube (TPU v4: 4x4x4; smaller for scaled pods)
  bool twisted = false;      ///< twisted torus (n x n x 2n or n x 2n x 2n)
  phext::ZArm zarm{};        ///< the slice's datacenter.pod.slice
  unsigned link_latency = 1; ///< cycles, >= 1
  Traffic traffic = Traffic::Uniform;
  double rate = 0.1;            ///< offered flits per node per cycle, 0..1
  unsigned packet_flits = 1;    ///< 1..31
  double hotspot_fraction = 0.1; ///< hotspot traffic: share of packets sent to node (0,0,0)
  double misaddressed = 0.0;    ///< share of packets sent to another slice / outside / field 0
  unsigned vcs = 2;             ///< router VCs: 2 (classes share them) or 4 (a pair per class)
  double response_share = 0.0;  ///< share of packets sent as responses (message class 1), 0..1
  std::uint64_t seed = 1;
  std::uint64_t warmup = 1000;        ///< cycles before measurement
  std::uint64_t measure = 10000;      ///< measurement window (packets created in it are measured)
  std::uint64_t drain_limit = 200000; ///< give up waiting for measured packets after this many cycles
  bool final_drain = true;            ///< after measurement, stop sources and deliver everything
  unsigned source_queue = 256;        ///< packets queued per source before it stops generating
  std::uint64_t watchdog_cycles = 20000;
  bool check_routes = false; ///< compare every head flit's hop with the routing oracle
  bool skip_idle = true;     ///< do not clock routers with nothing to do (exact; off when tracing)
  bool stall_sinks = false;  ///< sinks never return credits (tests the deadlock watchdog)
  /// Fault injection, to prove the checks fire: at cycle `fault_cycle`, the first flit put on a
  /// link vanishes (DropFlit), or the first head delivered is delivered twice (DuplicateHead).
  enum class Fault : std::uint8_t { None, DropFlit, DuplicateHead } fault = Fault::None;
  std::uint64_t fault_cycle = 0;
  /// The link layer (rtl/ici/ici_link.sv) on every link: CRC, sequence numbers, replay; each
  /// wire bit flips with probability `ber`, `burst` bits at a time (link_layer.hpp).
  bool link_layer = false;
  double ber = 0;
  unsigned burst = 1;
};

/// Checks a configuration; throws std::invalid_argument with a one-line reason.
void validate(const NetConfig& c);

struct NetStats {
  std::uint64_t cycles = 0;            ///< simulated cycles, all phases
  std::uint64_t measured_cycles = 0;
  unsigned nodes = 0;
  double offered = 0;                  ///< flits/node/cycle generated in the measurement window
  double accepted = 0;                 ///< flits/node/cycle delivered in the measurement window
  std::uint64_t packets_measured = 0;  ///< measured packets delivered
  double latency_avg = 0, latency_p50 = 0, latency_p99 = 0, latency_max = 0; ///< cycles
  double hops_avg = 0;                 ///< minimal hops of the measured packets (BFS distance)
  double hops_traversed = 0;           ///< head flits on links / packets delivered: hops actually taken
  std::uint64_t packets_injected = 0, packets_delivered = 0, flits_injected = 0, flits_delivered = 0;
  std::uint64_t misaddressed_sent = 0, drops_zmismatch = 0, drops_out_of_shape = 0;
  std::uint64_t throttled = 0;         ///< packets not generated because a source queue was full
  std::uint64_t responses_delivered = 0; ///< packets of class 1 (responses) delivered
  std::uint64_t route_checks = 0;      ///< head-flit hops compared with the oracle
  std::uint64_t head_link_hops = 0;    ///< head flits that crossed a link
  bool drained = true;                 ///< every measured packet arrived within drain_limit
  double wall_seconds = 0;
  double cycles_per_second = 0;
  double ns_per_router_cycle = 0;      ///< wall time per router per simulated cycle
  std::uint64_t router_cycles = 0;     ///< router evaluations actually performed (idle ones skipped)
  LinkStats links;                     ///< the link layer's counts (all 0 without it)
};

class Network {
public:
  explicit Network(const NetConfig& cfg);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetConfig& config() const { return cfg_; }
  const Topology& topology() const { return topo_; }
  const phext::SliceGeometry& geometry() const { return geo_; }

  /// Record every router into one FST for the next `max_cycles` cycles (call before the first
  /// step; disables skip_idle).
  void open_trace(const std::string& path, std::uint64_t max_cycles = ~std::uint64_t{0});

  /// One clock cycle of every router, link, source and sink.
  void step();
  /// True once the run (warm-up, measurement, drain, final drain) is over.
  bool finished() const { return finished_; }
  /// step() until finished(); returns the statistics.
  NetStats run();
  NetStats stats() const;
  /// Wall-clock time spent stepping when a driver other than run() steps the network (SystemC).
  void add_wall_seconds(double s) { wall_ += s; }
  std::uint64_t cycle() const { return cycle_; }

  /// Queue one packet now, outside the traffic pattern (the `make sim` journey packet).
  void inject(Vec3 src, Vec3 dest, unsigned flits, std::uint32_t* tag_out = nullptr);
  /// The hops (router, port, vc, cycle) seen so far of packet (src, tag), when route checking is on.
  struct HopRecord {
    Vec3 node;
    Port port;
    unsigned vc;
    std::uint64_t cycle;
  };
  std::vector<HopRecord> journey(Vec3 src, std::uint32_t tag) const;

  /// Flits inside the routers, and credits not home at a source or router output: both 0 once
  /// the network has drained (the credit accounting leaks nothing).
  std::uint64_t flits_buffered() const;
  std::uint64_t credits_missing() const;
  /// With the link layer: replays started by each link end (node * 6 + port; 0 where there is
  /// no link); empty without it.
  std::vector<std::uint64_t> link_replays() const;

private:
  struct Packet;
  struct Router;
  struct Source;
  struct Model;    // one Verilated router, whatever its VC count
  template <class M, unsigned V>
  struct ModelT;   // ... of one model type
  struct Stepper;  // the per-cycle router phases, compiled for each model type
  void generate(unsigned node);
  /// Put a packet for raw destination `dest` in the source's queue (`dst` = destination node,
  /// -1 for a misaddressed packet); returns its serial (the head's tag).
  std::uint32_t enqueue(unsigned node, const ici::RawFields& dest, int dst, unsigned flits, unsigned cls);
  void queue_packet(unsigned node, Vec3 dest, unsigned flits, bool measured, unsigned cls);
  unsigned local_vc(int dst, unsigned cls) const; ///< the injection VC of a packet
  bool offer(unsigned node); ///< the source's next flit to its router's local port; false: none
  void deliver(unsigned node, const ici::Flit& f);
  struct Delivered {
    unsigned node;
    ici::Flit f;
  };
  std::vector<Delivered> delivered_; ///< this cycle's flits out of the routers' local ports, in order
  void deliver_queued();             ///< deliver() them
  void check_hop(unsigned node, unsigned port, const ici::Flit& f);
  std::vector<std::uint16_t> hops_; ///< BFS hop count between every pair (index src*N+dst), for statistics

  NetConfig cfg_;
  phext::SliceGeometry geo_;
  Topology topo_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::uint64_t trace_end_ = 0;
  bool skip_idle_after_trace_ = true;
  // Per-router state lies in flat arrays in node order, the order step() visits the routers
  // (their Verilated models are allocated in that order too): no pointer to chase per router.
  std::vector<std::unique_ptr<Model>> models_;
  std::vector<Router> routers_;
  // Link delay lines, latency + 1 slots of N nodes (index slot * N + node): the flits arriving
  // on each input port (link_flit_, 6 per node; valid bits in link_mask_) and the credits
  // arriving for the output ports, in out_credit_i's layout (bit port*VCs + vc). A cycle reads
  // slot cycle % (L+1) and writes slot (cycle + L) % (L+1).
  std::vector<ici::Flit> link_flit_;
  std::unique_ptr<LinkLayer> links_; ///< with cfg_.link_layer: the link ends between the routers and the wires
  std::vector<std::uint8_t> link_mask_;
  std::vector<std::uint32_t> link_credit_;
  std::vector<Source> sources_;
  std::vector<unsigned> ticked_; // routers clocked this cycle, in node order (when tracing)
  const Packet* find_packet(unsigned src, std::uint32_t serial) const; ///< an undelivered packet, or nullptr
  Packet* find_packet(unsigned src, std::uint32_t serial);
  void retire(unsigned src, std::uint32_t serial);          ///< a packet was delivered (or never will be)
  std::uint64_t outstanding_ = 0;                           ///< packets neither delivered nor misaddressed
  std::vector<std::uint32_t> last_serial_; // per (src, dst, class): serial of the last delivered packet + 1
  std::mt19937_64 rng_;
  std::uint64_t inject_threshold_ = 0; // P(generate a packet this cycle) * 2^64
  std::uint64_t cycle_ = 0, last_move_ = 0;
  bool finished_ = false, generating_ = true;
  std::uint64_t drain_start_ = 0;
  // statistics
  LatencyHistogram latencies_;
  double hops_sum_ = 0;
  std::uint64_t gen_flits_measured_ = 0, acc_flits_measured_ = 0, measured_outstanding_ = 0;
  NetStats st_{};
  double wall_ = 0;
  /// Hops of the recorded (inject()ed) packets, by (source << 32 | serial), delivered or not.
  std::unordered_map<std::uint64_t, std::vector<HopRecord>> journeys_;
};

} // namespace phtpu::net
