// Collectives on a slice of the scaled pod, as schedules of DMA transfers (the host software
// of each chip), the C++ reference that runs the same schedule on plain arrays with the fp32
// golden adder (ref/mxu_fp.hpp, bit-exact with rtl/common/fp32_add.sv), and each collective's
// definition, which checks a result without the schedule (check_definition, at the end).
//
// A schedule is a list of steps; a step is a set of transfers (src chip's words -> dst chip's
// words, written or fp32-added). Within a step no transfer reads words another one writes, so
// order inside a step never matters. A chip issues its step-t transfers once every transfer
// to it of steps < t has arrived (concurrent: once those it depends on have, submit()): each
// transfer carries a semaphore class (the chip counts received words per class, chip_pkg
// StSem) and every class has one sender per chip and phase, whose packets arrive in order, so
// a count is an exact "all of them have arrived".
//
// Algorithms (words per chip W, slice n chips, rings of n_d chips per dimension; the names are
// phtpu::Algorithm's, collective_kind.hpp):
//   allreduce       concurrent (default): the buffer's six parts p = 2r + dir each do
//                   reduce-scatter round the rings of dimensions r, r+1, r+2 (mod 3) in that
//                   order, forward (dir 0) or backward, then all-gather back; in every phase the
//                   six parts cross the six links, each sent from the lane of its link, so the
//                   chip drives all six at once. Step i of a phase holds step i of every
//                   part; a chip's transfer waits only for the words it sends and, at a phase
//                   start, for its receiver's token (tokens, below).
//                   sequential: the buffer's two halves go round the rings in opposite
//                   directions, reduce-scatter along x, then y, then z on the chunk each chip
//                   owns, then all-gather back z, y, x; everything from send lane 0.
//   allreduce-hier  (sequential) reduce-scatter inside each cube (schedules.hpp), all-reduce
//                   of the owned chunk across cubes (optical rings), all-gather inside each cube.
//   reducescatter-hier, allgather-hier  (sequential) the first and the second half of it.
//   reducescatter   the first half of allreduce: chip ends owning reduced chunks.
//   allgather       the second half: every chip's chunks (where allreduce leaves them) to all.
//   alltoall        every chip sends block j (W/n words) to chip j, which stores it at block i;
//                   lanes (default): each transfer from the send lane of its first hop;
//                   translate: all from lane 0; relay: hop by hop over single links, each
//                   block stored on the chips of its way in words above both buffers
//                   (schedules.hpp, relay_schedule).
//   scatter/gather  chip 0 of the slice sends block j to chip j / receives block j from it
//                   (lanes or translate, as alltoall).
// Rings are logical (chips sharing the other coordinates, in coordinate order); on a twisted
// torus the wrap hop of a short dimension is a multi-hop route, chosen by the routers.
#pragma once

#include "chip_regs.hpp"
#include "collective_kind.hpp"
#include "planner.hpp"

#include <array>
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
using phtpu::flat_of;
using phtpu::hierarchical;
using phtpu::ring_collective;
using phtpu::Algorithm;
using phtpu::algorithm_from_name;
using phtpu::algorithm_name;
using phtpu::resolve_algorithm;

struct Transfer {
  unsigned src = 0, dst = 0; ///< physical chips
  std::uint32_t saddr = 0, daddr = 0, words = 0;
  bool add = false;
  unsigned sem = 0;
  unsigned lane = 0; ///< the sender's send lane (chip::kLanes)
};
/// The word the concurrent ring collectives' tokens write (the chip's last): not part of any
/// buffer they take.
inline constexpr std::uint32_t kTokenAddr = 16383;
/// The tokens' semaphore classes: kTokenSem + the ring's link (2d + dir), written words.
inline constexpr unsigned kTokenSem = 6;

struct Schedule {
  Collective kind = Collective::AllReduce;
  Algorithm algo = Algorithm::Default; ///< resolved (resolve_algorithm)
  unsigned slice = 0;
  std::uint32_t words = 0;             ///< per chip
  std::vector<std::vector<Transfer>> steps;
  /// tokens[t]: one-word writes to kTokenAddr sent with step t that carry no data, only "I am
  /// ready" (the concurrent reduce-scatter's handshake between phases: collectives.cpp); the
  /// reference and the definition ignore them. Same length as steps.
  std::vector<std::vector<Transfer>> tokens;
  /// Each chip's words [0, extent) hold every word the steps read or write (the relay
  /// all-to-all's forwarded blocks above its buffers included; not the tokens).
  std::uint32_t extent = 0;
  std::size_t transfers() const; ///< of the steps (tokens not counted)
};

/// The schedule of `c` on slice `s` over words [base, base + words) of each chip (alltoall,
/// scatter, gather: input at base, output at out), by `algo`. Throws PlanError for sizes that
/// do not fit and for an algorithm the collective does not have.
Schedule build_schedule(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                        std::uint32_t out, Algorithm algo = Algorithm::Default);

using Memory = std::map<unsigned, std::vector<chip::Word>>; ///< chip -> words
/// Run the schedule on `mem` (every chip it names must be present, large enough).
void run_reference(const Schedule& sch, Memory& mem);

/// Queue every chip's host program for the schedule (the pod must be quiet: semaphore counts
/// start from the chips' current counters).
void submit(Pod& pod, const Schedule& sch);

// ---- the definitions ----------------------------------------------------------------------
// What each collective computes, written from its mathematical definition and independent of
// the schedules above (nothing below calls them): run_reference replays a schedule, so a
// schedule that moves the wrong block, loses a step or adds where it should write passes the
// bit-exact comparison with it, but fails here.
//
// Chips are numbered in slice order (Plan::slice_chips: i = x + X*(y + Y*z)); W = words,
// n = chips, b = W/n.
// A hierarchical variant (allreduce-hier, reducescatter-hier, allgather-hier) meets its flat
// collective's definition, with reduce_scatter_owned's hierarchical ownership.
//   allreduce, allreduce-hier  every word of [base, base+W) on every chip is the sum over the
//                  slice's chips within the fp32 bound (fp32_sum_bound), and every chip holds
//                  the same bits (each element is reduced once, then broadcast).
//   reducescatter  the words reduce_scatter_owned names on each chip are that sum.
//   allgather      every word of the buffer on every chip is the input word of the chip that
//                  owns it by reduce_scatter_owned (bit-exact).
//   alltoall       chip i's block j (base + j*b) is chip j's block i (out + i*b), i != j;
//                  chip i's own block i of the output is not written (unchanged); relay: every
//                  word above both buffers may change (the blocks it forwards).
//   scatter        chip j's [out, out+b) is chip 0's block j (base + j*b), j != 0.
//   gather         chip 0's block i (out + i*b) is chip i's [base, base+b), i != 0.
// Every other word both memories hold is unchanged (inputs stay intact, nothing strays),
// except reduce-scatter's words outside what a chip owns, which carry partial sums.

/// Words [lo, lo + len) of one chip's memory.
struct WordRange {
  std::uint32_t lo = 0, len = 0;
  /// Part j of n, balanced: [lo + len*j/n, lo + len*(j+1)/n).
  WordRange part(unsigned j, unsigned n) const;
};

/// The words of [base, base + words) that reduce-scatter by `algo` leaves fully reduced on
/// `chip` (a slice chip at global (x, y, z) of an X x Y x Z slice), which is also where
/// all-gather takes each word from. A ring of m chips leaves the chip at position p owning
/// part p+1 (forward) or part m-p (backward) mod m of what it reduces:
///   sequential  the buffer's two halves, forward and backward, through x, y, z:
///               half(0).part((x+1)%X, X).part((y+1)%Y, Y).part((z+1)%Z, Z)
///               half(1).part((X-x)%X, X).part((Y-y)%Y, Y).part((Z-z)%Z, Z)
///   concurrent  the buffer's six parts p = 2r + dir, through dimensions r, r+1, r+2 (mod 3),
///               forward (dir 0) or backward, each as above: six ranges.
///   hier        (the hierarchical variants: sequential) as sequential, but each half goes
///               through the rings inside each cube along x, y, z (position: the local
///               coordinate x % c, rings of min(c, X) chips), then through the rings across cubes
///               (position x / c, rings of X / c chips); c is the cube's edge (Plan::cube).
/// Over the slice's chips the ranges partition the buffer.
std::vector<WordRange> reduce_scatter_owned(const Plan& plan, unsigned chip, std::uint32_t base, std::uint32_t words,
                                            Algorithm algo = Algorithm::Default, bool hier = false);

/// The most an fp32 sum of `n` terms, in any order of n-1 additions with the chip's adder, may
/// differ from the exact sum, given sum|x_i| = `abs_sum` (collectives.cpp states why).
double fp32_sum_bound(unsigned n, double abs_sum);

/// Check the `output` memory of every chip of slice s (after a run of `c` with the arguments
/// of build_schedule) against the definition, from the `input` memory of every chip (as
/// loaded before the run). Both hold at least the collective's words of each slice chip; words
/// beyond one of them are not checked. Returns "" when the output meets the definition, else
/// one line naming the first violation (chip, word, lane, got, expected). Throws PlanError for
/// arguments no schedule runs (no such slice, a block size that is not whole, a chip missing
/// or its memory too short).
std::string check_definition(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                             std::uint32_t out, const Memory& input, const Memory& output,
                             Algorithm algo = Algorithm::Default);


} // namespace phtpu::pod
