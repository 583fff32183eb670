// The collectives: one enum, their names and the nccl-tests bus-bandwidth factor, shared by the
// scaled pod's schedules (sim/pod/collectives.hpp, which runs all of them on the RTL) and the
// analytic model (collective_model.hpp, which predicts kModelled of them).
#pragma once

#include <string>

namespace phtpu {

enum class Collective { AllReduce, AllReduceHier, ReduceScatter, AllGather, AllToAll, Scatter, Gather };
inline constexpr Collective kAllCollectives[] = {Collective::AllReduce, Collective::AllReduceHier,
                                                 Collective::ReduceScatter, Collective::AllGather,
                                                 Collective::AllToAll, Collective::Scatter, Collective::Gather};

std::string collective_name(Collective c); ///< "allreduce", "allreduce-hier", ...
/// The inverse of collective_name; throws std::invalid_argument listing the names.
Collective collective_from_name(const std::string& name);
/// nccl-tests conventions: algorithm bandwidth = bytes / time; bus bandwidth = algbw times
/// 2(n-1)/n (all-reduce), (n-1)/n (reduce-scatter, all-gather, all-to-all), 1 (scatter, gather).
double bus_factor(Collective c, unsigned n);

} // namespace phtpu
