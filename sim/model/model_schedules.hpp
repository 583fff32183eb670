// The scaled pod's collective schedules, rebuilt for the model (sim/pod/collectives.hpp holds
// the pod's own; the model does not link the pod, which needs the Verilated chip). Chips are
// numbered as the pod numbers a slice's chips and as net::Topology::index does:
// i = x + X*(y + Y*z). test_model_calibration checks the two transfer by transfer.
//
// Algorithms (the pod's names):
//   sequential   ring collectives: the buffer's two halves go round per-dimension rings in
//                opposite directions, one dimension at a time (reduce-scatter x, y, z, then
//                all-gather z, y, x); every transfer on send lane 0.
//   concurrent   ring collectives: six parts of the buffer (balanced split), part p = (r, dir)
//                with r = p/2, dir = p%2, reduce-scatters along the dimensions (r, r+1, r+2)
//                mod 3, forward round the rings (dir 0) or backward (dir 1), then all-gathers in
//                the reverse order; in phase k every part uses the link (dimension (r+k) mod 3,
//                direction dir) and its send lane 2*dim + dir, so the six parts use the six links.
//                The steps of all parts are merged by phase and step index.
//   translate    all-to-all: chip p sends its block k to p + position(k) (Topology::translate),
//                k = 1 .. n-1 in order, one step, every transfer on send lane 0.
//   lanes        the same transfers, each on the send lane of its first hop's direction.
// reducescatter and allgather are the first and second halves of the all-reduce.
// Host programs (submit in sim/pod/collectives.cpp): a count per semaphore class, cumulative
// over the schedule, is an exact "all these words have arrived" (one sender per chip, class and
// phase, packets in order). Lock step (sequential, and the all-to-all): before a chip sends its
// transfers of step s it waits until every word sent to it in the steps before has arrived.
// Concurrent: a transfer waits only for the words received into its source range (the counts
// of their classes up to the step that brought them) and, at a phase start, for the token of
// the chip it sends to; a token waits for everything received before.
#pragma once

#include "collective_kind.hpp"
#include "network_sim.hpp"
#include "topology.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::model {

/// How a collective moves its data: the pod's algorithms (ref/collective_kind.hpp).
using phtpu::Algorithm;
using phtpu::algorithm_from_name;
using phtpu::algorithm_name;
/// `a` for collective `c` on a chip of `send_lanes` send lanes, Default resolved: the pod's
/// default (concurrent, lanes) on a chip of several lanes, sequential and translate on a chip of
/// one. Throws std::invalid_argument for an algorithm the collective does not have.
Algorithm resolve_algorithm(Collective c, Algorithm a, unsigned send_lanes);

struct ModelTransfer {
  unsigned src = 0, dst = 0;   ///< net::Topology::index
  std::uint32_t lo = 0, words = 0; ///< the words [lo, lo + words) of the buffer
  bool add = false;
  unsigned sem = 0;            ///< semaphore class (with `add`: its counter)
  unsigned lane = 0;           ///< send lane
  bool token = false;          ///< a concurrent reduce-scatter's one-word "phase done" (no data)
};
struct ModelSchedule {
  Algorithm algorithm = Algorithm::Default; ///< resolved
  std::vector<std::vector<ModelTransfer>> steps;
  std::size_t transfers() const;
};

/// One chip's all-to-all transfers in the order its host issues them (one word each; `lo` 0).
std::vector<ModelTransfer> alltoall_order(const net::Topology& t, unsigned chip, Algorithm a);

/// The schedule of `c` with algorithm `a` (resolved) over `words` words per chip on `t`.
/// Throws std::invalid_argument for an all-to-all whose words are not a multiple of the chips.
ModelSchedule build_model_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words);

/// The host programs that run a schedule (network_sim.hpp), on a chip of `send_lanes` lanes
/// (a transfer's lane is taken modulo the lanes the chip has).
std::vector<std::vector<SimOp>> host_programs(const ModelSchedule& s, unsigned nodes, unsigned send_lanes);

} // namespace phtpu::model
