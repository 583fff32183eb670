// The collectives' schedules for the model: the pod's own (sim/pod/schedules.hpp, plain C++
// shared by the pod and the model), on net::Topology::index positions, with one buffer from
// word 0 (the pod adds its base and maps positions to its chips). Algorithms: the pod's
// (collective_kind.hpp, schedules.hpp). test_model_calibration checks the model's host
// programs against the pod's submission.
// Host programs (submit in sim/pod/collectives.cpp): a count per semaphore class, cumulative
// over the schedule, is an exact "all these words have arrived" (one sender per chip, class and
// phase, packets in order). Lock step (sequential, and the all-to-all): before a chip sends its
// transfers of step s it waits until every word sent to it in the steps before has arrived.
// Concurrent, logical and relay: a transfer waits only for the words received into its source range (the counts
// of their classes up to the step that brought them) and, at a phase start, for the token of
// the chip it sends to; a token waits for everything received before.
#pragma once

#include "collective_kind.hpp"
#include "network_sim.hpp"
#include "schedules.hpp"
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

/// A transfer of a schedule (chips are net::Topology::index positions; a token's `lo` is the
/// token word).
using ModelTransfer = sched::Move;
struct ModelSchedule {
  Algorithm algorithm = Algorithm::Default; ///< resolved
  std::vector<std::vector<ModelTransfer>> steps;
  std::size_t transfers() const;
};

/// One chip's all-to-all transfers in the order its host issues them (one word each; `lo` 0).
std::vector<ModelTransfer> alltoall_order(const net::Topology& t, unsigned chip, Algorithm a);

/// The schedule of `c` with algorithm `a` (resolved) over `words` words per chip on `t`, whose
/// cubes have edge `cube` (the hierarchical variants' rings). Throws std::invalid_argument for an
/// all-to-all whose words are not a multiple of the chips.
ModelSchedule build_model_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words,
                                   unsigned cube);

/// The host programs that run a schedule (network_sim.hpp), on a chip of `send_lanes` lanes
/// (a transfer's lane is taken modulo the lanes the chip has).
std::vector<std::vector<SimOp>> host_programs(const ModelSchedule& s, unsigned nodes, unsigned send_lanes);

} // namespace phtpu::model
