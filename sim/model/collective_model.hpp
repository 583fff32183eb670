// Collective times from first principles: per-dimension rings and the all-to-all on a slice's
// topology, with per-link bandwidth, per-hop latency, the chip's own processing rate, and the
// contention of routes that share links (every transfer is routed by the ICI routing oracle,
// coords/routing.hpp, so a link two rings share carries both).
//
// The algorithms are the scaled pod's (sim/pod/collectives.hpp), so the model and the RTL can
// be compared step for step:
//   allreduce      bidirectional per-dimension rings: the two halves of the buffer go round in
//                  opposite directions; reduce-scatter x, y, z, then all-gather z, y, x.
//   reducescatter  the first half; allgather the second half.
//   alltoall       every chip sends W/N bytes to every other chip (staggered order), one step.
// A ring step (every chip sends one chunk each way and waits for the two it receives) takes
//   T_step = step_cycles + latency(longest route) + max(chip time, send time, busiest link time)
//   chip time  = bytes received x chip_cycles_per_byte (the RTL's read-add-write port)
//   send time  = the chip's transfers one after the other (one DMA engine), each at the rate
//                of the slowest link on its route
//   link time  = bytes crossing the link x (1 + header) / link rate,
//   link rate  = link_bytes_per_cycle x min(1, credits / credit round trip): a VC's credit
//                loop of a long (optical) link can throttle it below one flit per cycle.
// All-to-all: step k sends every chip's block to p + position(k) (Topology::translate); the
// steps' busiest links are summed (lock step) and divided by `efficiency`, the share of that
// bound the RTL reaches (its steps drift out of lock step; docs/model.md), plus one step cost
// and the longest route.
//
// Two parameters are calibrated on the RTL (calibration.hpp): step_cycles and the all-to-all
// efficiency; everything else is a design value of the RTL or, for TPU v4, a published fact or
// a stated assumption (docs/references.md; calibration.cpp, tpu_v4_machine, cites each).
#pragma once

#include "collective_kind.hpp"
#include "topology.hpp"
#include "topology_metrics.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::model {

using phtpu::Collective;
using phtpu::collective_from_name;
using phtpu::collective_name;
/// The collectives the model predicts (the pod's schedules also run allreduce-hier, scatter and
/// gather; estimate() refuses them).
inline constexpr Collective kCollectives[] = {Collective::AllReduce, Collective::ReduceScatter, Collective::AllGather,
                                              Collective::AllToAll};
bool modelled(Collective c);

struct Machine {
  std::string name;
  unsigned cube = 4;                  ///< chips per cube edge: links leaving a cube face are optical
  double clock_hz = 1.05e9;
  double link_bytes_per_cycle = 16;   ///< payload bytes per cycle per direction at full rate
  double header_fraction = 1.0 / 16;  ///< extra flits per payload flit (RTL: 1 head per 16)
  double electrical_latency = 1, optical_latency = 4; ///< link latency, cycles
  double router_cycles = 2;           ///< a flit's cycles through one router
  double credit_flits = 8;            ///< credits per VC (the downstream buffer); 0: unlimited
  double credit_extra = 3;            ///< cycles of a credit loop beyond the two link traversals
  bool serial_sends = true;           ///< one DMA engine: a chip's transfers of a step go one after the other
  // calibrated (calibration.hpp) for the RTL; carried over to TPU v4 where stated
  double chip_cycles_per_byte = 1.0 / 16; ///< receive (add or write) cost per byte
  double step_cycles = 0;             ///< fixed cost of one synchronised step (DMA issue, semaphore)
  double alltoall_efficiency = 1;     ///< share of the channel-load bound reached by the all-to-all
};

/// A link's payload rate (bytes per cycle) for a latency `lat`.
double link_rate(const Machine& m, double lat);

struct Estimate {
  Collective collective = Collective::AllReduce;
  std::string shape;        ///< "4x4x8" or "4x4x8:twisted"
  unsigned chips = 0;
  double bytes = 0;         ///< per chip
  double cycles = 0;
  double seconds = 0;       ///< cycles / clock
  double algbw = 0, busbw = 0; ///< bytes per chip per second (nccl-tests conventions)
  unsigned steps = 0;
  double chip_cycles = 0, link_cycles = 0, latency_cycles = 0, overhead_cycles = 0; ///< where the time goes
  std::string bound;        ///< "links", "chip" or "latency": the largest share
};

/// The pieces of a collective's time before the calibrated parameters are applied: for each
/// group of identical steps, the step count, the longest route's latency, the bytes a chip
/// receives per step and the busiest link's cycles per step. All-to-all: one group, its link
/// cycles at the channel-load bound (efficiency 1). The calibration fits against these.
struct StepGroup {
  unsigned steps = 0;
  double latency = 0, chip_bytes = 0, link_cycles = 0;
  double send_cycles = 0; ///< the slowest chip's DMA sends in a step, one after the other
};
std::vector<StepGroup> step_groups(Collective c, const net::Topology& t, double bytes, const Machine& m);
/// Cycles of the groups with the machine's calibrated parameters.
double group_cycles(Collective c, const std::vector<StepGroup>& g, double step_cycles, double chip_cycles_per_byte,
                    double alltoall_efficiency);

/// The time of collective `c` of `bytes` per chip on topology `t`.
Estimate estimate(Collective c, const net::Topology& t, double bytes, const Machine& m);

/// Chips in a TPU v4 pod: the largest slice the model takes (docs/references.md §T2).
inline constexpr std::uint64_t kPodChips = 4096;
/// "4x4x8" / "4x4x8:twisted" / "4x4x8:t" -> topology (a torus from one cube up, a mesh below;
/// `cube` is the machine's cube edge; at most kPodChips chips). Throws std::invalid_argument with
/// a one-line message.
net::Topology parse_topology(const std::string& text, unsigned cube);
std::string shape_label(const net::Topology& t); ///< "4x4x8" or "4x4x8:twisted"

} // namespace phtpu::model
