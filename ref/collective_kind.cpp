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
  }
  return "?";
}

Collective collective_from_name(const std::string& name) {
  for (Collective c : kAllCollectives)
    if (collective_name(c) == name) return c;
  throw std::invalid_argument("unknown collective '" + name +
                              "' (allreduce, allreduce-hier, reducescatter, allgather, alltoall, scatter, gather)");
}

double bus_factor(Collective c, unsigned n) {
  if (n <= 1) return 0;
  switch (c) {
  case Collective::AllReduce:
  case Collective::AllReduceHier: return 2.0 * (n - 1) / n;
  case Collective::ReduceScatter:
  case Collective::AllGather:
  case Collective::AllToAll: return double(n - 1) / n;
  default: return 1.0;
  }
}

} // namespace phtpu
