// Collective times on a slice: two models of the same schedules (model_schedules.hpp, the
// pod's algorithms).
//
// The analytic model prices each step of the schedule from its transfers, every one routed by
// the ICI routing oracle (coords/routing.hpp, the function the RTL routers compute):
//   T = sum over steps of  step_cycles + latency(longest route) + max(link, send, receive)
//   link     the busiest link: the wire bytes of every transfer that crosses it, at the link's
//            rate. Wire bytes = payload + one header per packet of up to packet_bytes. A link's
//            rate is link_bytes_per_cycle x min(1, credits / (2L + credit_extra)): a VC's credit
//            loop over a long (optical) link may throttle it.
//   send     per chip and send lane, the lane's transfers one after the other, each at the rate
//            of the slowest link on its route, after the host has issued it (the host issues the
//            chip's transfers one after the other, host_cycles_per_transfer each, whatever the
//            lane); the slowest lane of the slowest chip.
//   receive  per chip: the bytes each receive lane takes (a lane per arrival link with six
//            lanes, one for all with one) at lane_cycles_per_byte, and all of them through the
//            chip's memory at memory_cycles_per_byte.
// For the ring collectives every step of a phase has the same routes; the chunk is the
// phase's data over the ring size. The all-to-all is one step of n-1 transfers per chip; its
// analytic time is therefore a bound reached only when the routers share every link fairly
// (on a torus a translation loads every link of a direction alike, so the channel load is
// taken from the route 0 -> delta).
//
// The network model (network_sim.hpp) runs the schedule flit by flit with the RTL's design
// values. On the RTL two effects no per-step bound follows set the time at scale: the routers'
// round-robin arbitration starves the all-to-all's long routes, and the optical links' credit
// loop (0.8 of a flit per cycle per VC) skews the ring steps so that a chip's two receives
// overlap on its one receive path (docs/model.md). So the scaled pod's machine
// (Machine::network_model) takes its times from the network model; every TPU v4 number is
// analytic.
//
// Fitted on the RTL (calibration.hpp): step_cycles only, on the two smallest shapes. Every
// other value is a design value of the RTL or, for TPU v4, a published fact or a stated
// assumption (docs/references.md; calibration.cpp, tpu_v4_machine, cites each).
#pragma once

#include "collective_kind.hpp"
#include "model_schedules.hpp"
#include "network_sim.hpp"
#include "topology.hpp"
#include "topology_metrics.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace phtpu::model {

using phtpu::Collective;
using phtpu::collective_from_name;
using phtpu::collective_name;
using phtpu::flat_of;
using phtpu::hierarchical;
/// The collectives the model is calibrated on (the pod's schedules also run scatter and gather;
/// estimate() refuses them).
inline constexpr Collective kCollectives[] = {Collective::AllReduce, Collective::ReduceScatter, Collective::AllGather,
                                              Collective::AllToAll};
/// kCollectives and the hierarchical variants of its ring collectives (modelled by the same
/// rules on their own schedules; checked against the pod in test_model_calibration).
bool modelled(Collective c);

struct Machine {
  std::string name;
  unsigned cube = 4;                  ///< chips per cube edge: links leaving a cube face are optical
  double clock_hz = 1.05e9;
  double link_bytes_per_cycle = 16;   ///< payload bytes per cycle per direction at full rate
  double packet_bytes = 256;          ///< payload bytes per packet
  double header_bytes = 16;           ///< wire bytes of a packet's header (0: the link rate nets it out)
  double electrical_latency = 1, optical_latency = 4; ///< link latency, cycles
  double router_cycles = 2;           ///< a flit's cycles through one router
  double credit_flits = 8;            ///< credits per VC (the downstream buffer); 0: unlimited
  double credit_extra = 2;            ///< cycles of a credit loop beyond the two link traversals
  unsigned send_lanes = 1;            ///< DMA queues, each injecting into its own router port
  unsigned receive_lanes = 1;         ///< receive paths: with six, one per arrival link
  double host_cycles_per_transfer = 2; ///< the host's issue of one DMA command
  double lane_cycles_per_byte = 1.0 / 16; ///< a receive lane's cost per byte (its write pipeline)
  double memory_cycles_per_byte = 0;  ///< the chip memory's cost per received byte, all lanes together
  double step_cycles = 0;             ///< calibrated: a step's fixed cost (the wait, DMA start)
  bool network_model = false;         ///< collectives by the network model (the RTL's machine)
  unsigned buffer_flits = 8;          ///< the network model's buffers and credits per VC
  /// A switched fabric instead of links between neighbours (the GPUs and IPUs of
  /// compare_model.hpp): a slice's x is the position in a node of `switch_group` chips joined by
  /// a switch at `node_bytes_per_s` per chip and direction; its y and z number the nodes, joined
  /// by a fabric at `fabric_bytes_per_s` per chip and direction; every step of a collective
  /// costs `step_seconds` besides its data (switched_estimate, below). 0: links between
  /// neighbours (everything above).
  unsigned switch_group = 0;
  double node_bytes_per_s = 0, fabric_bytes_per_s = 0, step_seconds = 0;
};

/// A link's payload rate (bytes per cycle) for a latency `lat`.
double link_rate(const Machine& m, double lat);
/// Wire bytes of a transfer of `bytes` payload: one header per packet.
double wire_bytes(const Machine& m, double bytes);

enum class Method { Analytic, Network };
std::string method_name(Method m); ///< "analytic", "network"

struct Estimate {
  Collective collective = Collective::AllReduce;
  Algorithm algorithm = Algorithm::Default; ///< resolved
  Method method = Method::Analytic;
  bool extrapolated = false;  ///< network model: from two smaller runs (linear in the size)
  std::string shape;          ///< "4x4x8" or "4x4x8:twisted"
  unsigned chips = 0;
  double bytes = 0;           ///< per chip (the network model: the size it ran, whole words as the pod runs them)
  double cycles = 0;
  double seconds = 0;         ///< cycles / clock
  double algbw = 0, busbw = 0; ///< bytes per chip per second (nccl-tests conventions)
  unsigned steps = 0;
  /// where the analytic time goes (network model: the analytic split of the same schedule)
  double link_cycles = 0, send_cycles = 0, receive_cycles = 0, latency_cycles = 0, overhead_cycles = 0;
  double analytic_cycles = 0; ///< the analytic model's time (with the network model: its bound)
  /// Flits that cross links, all chips' transfers together (a flit per 16 wire bytes, once per
  /// link it crosses), and of them those that cross optical links (leaving a cube): the
  /// pod's PodStats counts the same. The all-to-all on a torus: chip 0's routes translated.
  double link_flits = 0, optical_flits = 0;
  std::string bound;          ///< "links", "send", "receive" or "latency": the analytic split's largest share
};

/// The analytic time of collective `c` with algorithm `a` of `bytes` per chip on `t`. On a
/// switched machine (Machine::switch_group) the ring collectives are one ring over the chips of
/// `t` (n of them; the hierarchical variants priced as flat), whose slowest hop sets the rate:
/// the node's switch when `t` is inside one node (its y and z are 1), the fabric otherwise;
///   all-reduce                 2 (n-1)/n bytes / rate + 2 (n-1) step_seconds
///   reduce-scatter, all-gather   (n-1)/n bytes / rate +   (n-1) step_seconds
///   all-to-all  every chip's blocks to the other chips of its node at the switch's rate, and to
///               the rest at the fabric's, at once: max((g-1) b / node, (n-g) b / fabric) +
///               step_seconds, b = bytes / n, g the node's chips in `t` (its x).
Estimate analytic_estimate(Collective c, const net::Topology& t, double bytes, const Machine& m,
                           Algorithm a = Algorithm::Default);
/// How far the network model goes for one estimate.
struct NetworkLimits {
  /// A run predicted to take longer (on one core) is extrapolated from two smaller ones within
  /// it, or refused where even those are larger. The prediction is rough: the model's speed per
  /// chip-cycle varies about 4x with the traffic (docs/model.md, "The network model").
  double budget_seconds = 30;
  /// given to every run (NetSimConfig::progress)
  std::function<void(std::uint64_t)> progress;
};

/// The network model's time (Machine: network fields) of `bytes` run as the pod runs them:
/// whole 16-byte words, for an all-to-all whole words per block (at least one); the estimate's
/// `bytes` is that size. Runs larger than the budget are extrapolated from two smaller ones;
/// beyond that, std::invalid_argument.
Estimate network_estimate(Collective c, const net::Topology& t, double bytes, const Machine& m,
                          Algorithm a = Algorithm::Default, const NetworkLimits& limits = {});
/// Can the network model run (or extrapolate) this within the budget?
bool network_affordable(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a = Algorithm::Default,
                        const NetworkLimits& limits = {});
/// The network model's predicted cost of running this at its full size, in seconds on one core
/// (the budget's measure).
double network_seconds(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a = Algorithm::Default);
/// What `m` uses: the network model on a network_model machine (the RTL's) where it is
/// affordable, else the analytic model.
Estimate estimate(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a = Algorithm::Default,
                  const NetworkLimits& limits = {});

/// One chip's send of `bytes` to a neighbour (a pipeline stage's to the next): over one link
/// (optical: the slower latency) at the link's rate, or on a switched machine through the switch
/// (`across_nodes` false) or the fabric.
double neighbour_send_seconds(const Machine& m, double bytes, bool across_nodes);

/// The network model's configuration of machine `m`.
NetSimConfig net_config(const Machine& m);

/// Chips in a TPU v4 pod: the largest slice the model takes (docs/references.md §T2).
inline constexpr std::uint64_t kPodChips = 4096;
/// "4x4x8" / "4x4x8:twisted" / "4x4x8:t" -> topology (a torus from one cube up, a mesh below;
/// `cube` is the machine's cube edge; at most kPodChips chips). Throws std::invalid_argument with
/// a one-line message.
net::Topology parse_topology(const std::string& text, unsigned cube);
std::string shape_label(const net::Topology& t); ///< "4x4x8" or "4x4x8:twisted"
/// The slice shapes a 4096-chip pod offers (docs/references.md §T5): meshes below one cube,
/// tori 4i x 4j x 4k (i <= j <= k) up to 16x16x16, and the twisted n x n x 2n and n x 2n x 2n
/// shapes up to 8x16x16, as parse_topology reads them.
std::vector<std::string> offered_shapes();

} // namespace phtpu::model
