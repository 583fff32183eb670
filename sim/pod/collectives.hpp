// Collectives on a slice of the scaled pod, as schedules of DMA transfers (the host software
// of each chip), and the C++ reference that runs the same schedule on plain arrays with the
// fp32 golden adder (tb/mxu_fp.hpp, bit-exact with rtl/common/fp32_add.sv).
//
// A schedule is a list of steps; a step is a set of transfers (src chip's words -> dst chip's
// words, written or fp32-added). Within a step no transfer reads words another one writes, so
// order inside a step never matters. A chip issues its step-t transfers once every transfer
// to it of steps < t has arrived: each transfer carries a semaphore class (the chip counts
// received words per class, chip_pkg StSem) and every class has one sender per chip and phase,
// whose packets arrive in order, so a count is an exact "all of them have arrived".
//
// Algorithms (words per chip W, slice n chips, rings of n_d chips per dimension):
//   allreduce       per-dimension bidirectional rings: the buffer's two halves go round the
//                   rings in opposite directions; reduce-scatter along x, then y, then z on the
//                   chunk each chip owns, then all-gather back z, y, x.
//   allreduce-hier  reduce-scatter inside each cube (electrical rings), all-reduce of the
//                   owned chunk across cubes (optical rings), all-gather inside each cube.
//   reducescatter   the first half of allreduce: chip ends owning a reduced chunk.
//   allgather       the second half: every chip's chunk (where allreduce leaves it) to all.
//   alltoall        every chip sends block j (W/n words) to chip j, which stores it at block i.
//   scatter/gather  chip 0 of the slice sends block j to chip j / receives block j from it.
// Rings are logical (chips sharing the other coordinates, in coordinate order); on a twisted
// torus the wrap hop of a short dimension is a multi-hop route, chosen by the routers.
#pragma once

#include "chip_regs.hpp"
#include "collective_kind.hpp"
#include "planner.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace phtpu::pod {

class Pod;

using phtpu::bus_factor;
using phtpu::Collective;
using phtpu::collective_from_name;
using phtpu::collective_name;

struct Transfer {
  unsigned src = 0, dst = 0; ///< physical chips
  std::uint32_t saddr = 0, daddr = 0, words = 0;
  bool add = false;
  unsigned sem = 0;
};
struct Schedule {
  Collective kind = Collective::AllReduce;
  unsigned slice = 0;
  std::uint32_t words = 0;             ///< per chip
  std::vector<std::vector<Transfer>> steps;
  std::size_t transfers() const;
};

/// The schedule of `c` on slice `s` over words [base, base + words) of each chip (alltoall,
/// scatter, gather: input at base, output at out). Throws PlanError for sizes that do not fit.
Schedule build_schedule(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                        std::uint32_t out);

using Memory = std::map<unsigned, std::vector<chip::Word>>; ///< chip -> words
/// Run the schedule on `mem` (every chip it names must be present, large enough).
void run_reference(const Schedule& sch, Memory& mem);

/// Queue every chip's host program for the schedule (the pod must be quiet: semaphore counts
/// start from the chips' current counters).
void submit(Pod& pod, const Schedule& sch);


} // namespace phtpu::pod
