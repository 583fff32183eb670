// The collectives: one enum, their names and the nccl-tests bus-bandwidth factor, shared by the
// scaled pod's schedules (sim/pod/collectives.hpp, which runs all of them on the RTL) and the
// analytic model (collective_model.hpp, which predicts kModelled of them).
#pragma once

#include <string>

namespace phtpu {

/// The *Hier collectives are the hierarchical variants of the ring collectives: the same result,
/// grouped by the phext arms (inside each cube first, then across cubes; sim/pod/schedules.hpp).
enum class Collective {
  AllReduce, AllReduceHier, ReduceScatter, AllGather, AllToAll, Scatter, Gather, ReduceScatterHier, AllGatherHier
};
inline constexpr Collective kAllCollectives[] = {Collective::AllReduce,     Collective::AllReduceHier,
                                                 Collective::ReduceScatter, Collective::ReduceScatterHier,
                                                 Collective::AllGather,     Collective::AllGatherHier,
                                                 Collective::AllToAll,      Collective::Scatter,
                                                 Collective::Gather};

/// allreduce-hier, reducescatter-hier, allgather-hier.
inline bool hierarchical(Collective c) {
  return c == Collective::AllReduceHier || c == Collective::ReduceScatterHier || c == Collective::AllGatherHier;
}
/// The collective whose result `c` computes: the flat one of a hierarchical variant, else `c`.
inline Collective flat_of(Collective c) {
  return c == Collective::AllReduceHier       ? Collective::AllReduce
         : c == Collective::ReduceScatterHier ? Collective::ReduceScatter
         : c == Collective::AllGatherHier     ? Collective::AllGather
                                              : c;
}
/// Ring collectives (reduce-scatter and all-gather phases round rings), flat or hierarchical.
inline bool ring_collective(Collective c) {
  const Collective f = flat_of(c);
  return f == Collective::AllReduce || f == Collective::ReduceScatter || f == Collective::AllGather;
}

std::string collective_name(Collective c); ///< "allreduce", "allreduce-hier", ...
/// The inverse of collective_name; throws std::invalid_argument listing the names.
Collective collective_from_name(const std::string& name);
/// nccl-tests conventions: algorithm bandwidth = bytes / time; bus bandwidth = algbw times
/// 2(n-1)/n (all-reduce), (n-1)/n (reduce-scatter, all-gather, all-to-all), 1 (scatter, gather).
double bus_factor(Collective c, unsigned n);

/// How a collective moves its data (sim/pod/collectives.hpp has the schedules):
///   concurrent  ring collectives: six parts of the buffer, one per link direction, each round
///               the three dimensions' rings in its own order, all at once (every link busy);
///               the rings follow the links, through the twisted wraps of a twisted torus;
///   logical     the same six parts round the coordinate lines (on a twisted torus a short
///               dimension's wrap hop is then a multi-hop route; elsewhere it is concurrent);
///   sequential  ring collectives: both halves of the buffer round one dimension's rings at a
///               time, in opposite directions (two links busy; one send lane);
///   lanes       all-to-all, scatter, gather: each transfer on the send lane of its first hop;
///   translate   the same transfers, all from send lane 0;
///   relay       all-to-all: every block hop by hop over single links, stored on each chip of
///               its way (no traffic passes a router it does not stop at).
/// Default: concurrent for the ring collectives, lanes for the others; the hierarchical
/// variants are sequential only.
enum class Algorithm { Default, Concurrent, Logical, Sequential, Lanes, Translate, Relay };
/// The six-part ring algorithms (concurrent, logical): per-transfer waits and tokens.
inline bool six_parts(Algorithm a) { return a == Algorithm::Concurrent || a == Algorithm::Logical; }
std::string algorithm_name(Algorithm a); ///< "default", "concurrent", ...
/// The inverse of algorithm_name; throws std::invalid_argument listing the names.
Algorithm algorithm_from_name(const std::string& name);
/// `a` for collective `c`, Default resolved; throws std::invalid_argument for an algorithm the
/// collective does not have.
Algorithm resolve_algorithm(Collective c, Algorithm a);

} // namespace phtpu
