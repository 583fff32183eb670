// The collectives' names and bus-bandwidth factors (collective_kind.hpp).
#include "collective_kind.hpp"

#include <stdexcept>

namespace phtpu {

std::string collective_name(Collective c) {
  switch (c) {
  case Collective::AllReduce: return "allreduce";
  case Collective::AllReduceHier: return "allreduce-hier";
  case Collective::ReduceScatter: return "reducescatter";
  case Collective::AllGather: return "allgather";
  case Collective::AllToAll: return "alltoall";
  case Collective::Scatter: return "scatter";
  case Collective::Gather: return "gather";
  case Collective::ReduceScatterHier: return "reducescatter-hier";
  case Collective::AllGatherHier: return "allgather-hier";
  }
  return "?";
}

Collective collective_from_name(const std::string& name) {
  for (Collective c : kAllCollectives)
    if (collective_name(c) == name) return c;
  throw std::invalid_argument("unknown collective '" + name +
                              "' (allreduce, allreduce-hier, reducescatter, reducescatter-hier, allgather, "
                              "allgather-hier, alltoall, scatter, gather)");
}

double bus_factor(Collective c, unsigned n) {
  if (n <= 1) return 0;
  switch (flat_of(c)) {
  case Collective::AllReduce: return 2.0 * (n - 1) / n;
  case Collective::ReduceScatter:
  case Collective::AllGather:
  case Collective::AllToAll: return double(n - 1) / n;
  default: return 1.0;
  }
}

std::string algorithm_name(Algorithm a) {
  switch (a) {
  case Algorithm::Default: return "default";
  case Algorithm::Concurrent: return "concurrent";
  case Algorithm::Logical: return "logical";
  case Algorithm::Sequential: return "sequential";
  case Algorithm::Lanes: return "lanes";
  case Algorithm::Translate: return "translate";
  case Algorithm::Relay: return "relay";
  }
  return "?";
}

Algorithm algorithm_from_name(const std::string& name) {
  for (Algorithm a : {Algorithm::Default, Algorithm::Concurrent, Algorithm::Logical, Algorithm::Sequential,
                      Algorithm::Lanes, Algorithm::Translate, Algorithm::Relay})
    if (algorithm_name(a) == name) return a;
  throw std::invalid_argument("unknown algorithm '" + name +
                              "' (default, concurrent, logical, sequential, lanes, translate, relay)");
}

Algorithm resolve_algorithm(Collective c, Algorithm a) {
  const bool ring = ring_collective(c);
  if (hierarchical(c)) {
    if (a == Algorithm::Default || a == Algorithm::Sequential) return Algorithm::Sequential;
  } else if (ring) {
    if (a == Algorithm::Default) return Algorithm::Concurrent;
    if (a == Algorithm::Concurrent || a == Algorithm::Logical || a == Algorithm::Sequential) return a;
  } else {
    if (a == Algorithm::Default) return Algorithm::Lanes;
    if (a == Algorithm::Lanes || a == Algorithm::Translate || (a == Algorithm::Relay && c == Collective::AllToAll))
      return a;
  }
  throw std::invalid_argument(collective_name(c) + " has no algorithm '" + algorithm_name(a) + "' (" +
                              (hierarchical(c) ? "sequential"
                               : ring                         ? "concurrent, logical, sequential"
                               : c == Collective::AllToAll    ? "lanes, translate, relay"
                                                              : "lanes, translate") +
                              ")");
}

} // namespace phtpu
