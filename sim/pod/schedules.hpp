// The collectives' schedules in slice positions: which chip sends which words to which, in what
// steps, with what semaphore class and from which send lane. Plain C++ (no Verilated model), so
// that the scaled pod (collectives.hpp, which maps positions to its chips and addresses) and the
// model (sim/model/model_schedules.hpp, which replays them in its network model) build the one
// schedule from the one code.
//
// Chips are slice positions, numbered as net::Topology::index does: i = x + X*(y + Y*z).
// A move's words are [lo, lo + words) of the collective's buffer (offsets from its base).
//
// Ring collectives (allreduce, reducescatter, allgather; their hierarchical variants
// allreduce-hier, reducescatter-hier, allgather-hier), by algorithm:
//   concurrent  the buffer's six parts p = 2r + dir each reduce-scatter round the rings of the
//               dimensions r, r+1, r+2 (mod 3) in that order, forward (dir 0) or backward, then
//               all-gather back; in every phase the six parts cross the six links, each sent
//               from the lane of its link (the semaphore class is the link's number too). The
//               rings follow the links (ring_coordinates): on a regular torus or a mesh they are
//               the coordinate lines; on a twisted torus a part's first ring is the whole cycle
//               its link makes through the twisted wrap (2n chips of an n x n x 2n torus), and
//               the later rings close over the chips that own the same piece.
//   logical     the same parts over the coordinate lines on every topology: on a twisted torus
//               the wrap hop of a short dimension's ring is then a multi-hop route.
//   sequential  the buffer's two halves go round the coordinate lines in opposite directions,
//               reduce-scatter along x, then y, then z on the chunk each chip owns, then
//               all-gather back z, y, x; everything from send lane 0. The hierarchical
//               variants (sequential only) group the rings by the phext arms: reduce-scatter
//               round the rings inside each cube (local coordinates: electrical links, but for
//               a dimension of one cube, whose ring closes over the cube's own optical wrap)
//               along x, y, z, then round the rings across cubes (cube coordinates, chips of the
//               same local position: optical links) on the chunk each chip owns; all-gather
//               back in reverse, across cubes first.
//   Between two reduce-scatter phases of concurrent and logical, a step of tokens: every chip
//   tells its new ring predecessor that it is done (why: collectives.cpp, submit).
// Block collectives (alltoall, scatter, gather): block_order (lanes, translate), relay_schedule.
#pragma once

#include "collective_kind.hpp"
#include "topology.hpp"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace phtpu::sched {

struct Move {
  unsigned src = 0, dst = 0;       ///< slice positions (net::Topology::index)
  std::uint32_t lo = 0, words = 0; ///< the sender's words [lo, lo + words); a token: kTokenWord
  bool add = false;                ///< fp32-add into the destination (else write)
  unsigned sem = 0;                ///< semaphore class
  unsigned lane = 0;               ///< the sender's send lane
  bool token = false;              ///< one word of "I am ready" (no data)
  std::uint32_t dlo = 0;           ///< where they land: [dlo, dlo + words) (rings: dlo = lo)
};
using Steps = std::vector<std::vector<Move>>;

/// The concurrent tokens' classes: kTokenSem + the ring's link (2d + dir), on rings of
/// coordinate lines.
inline constexpr unsigned kTokenSem = 6;
/// Rings that follow a twisted torus's links: a move that is not one hop along its lane's link
/// (a later phase's ring closing, or a token to such a ring's end) is in class kWrapSem + lane;
/// every other move, tokens included, in class `lane`. So every (receiver, class) has one
/// sender, as the counts need (ring_schedule checks it).
inline constexpr unsigned kWrapSem = 6;
/// The sequential second half's classes start here (the chip counts 16: chip_pkg).
inline constexpr unsigned kHalfSems = 8;
/// The word the tokens write: the chip's last (chip_pkg MemWords - 1), part of no buffer.
inline constexpr std::uint32_t kTokenWord = 16383;

/// A chip's place in the rings of one concurrent part: a[k] is its position on its phase-k
/// ring, m[k] that ring's length. Every chip is a[0] g0 + a[1] g1 + a[2] g2 (from position 0),
/// g_k the link along dims[k], in exactly one way with a[k] < m[k]: m[0] is the cycle length
/// of g0, m[1] the least m with m g1 in <g0>, m[2] the least with m g2 in <g0, g1>.
struct RingCoordinates {
  std::array<unsigned, 3> m{};
  std::vector<std::array<unsigned, 3>> a; ///< by slice position
};
/// By walking the links of a torus (regular or twisted; throws std::invalid_argument for a
/// mesh, whose rings are the coordinate lines).
RingCoordinates ring_coordinates(const net::Topology& t, std::array<int, 3> dims);

/// The steps of ring collective `c` by algorithm `a` (resolved: concurrent, logical or
/// sequential) over `words` words per chip. `cube`: the cube's edge, for the hierarchical variants.
/// Throws std::invalid_argument for a collective or algorithm that has no ring schedule.
Steps ring_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words, unsigned cube = 0);

/// The relay all-to-all: every block goes hop by hop over single links, stored at each chip on
/// its way, never through a router it does not stop at (no traffic passes another chip's
/// injection, which the routers' round-robin would starve: docs/model.md). Blocks are split
/// among three parts by their offset δ = dst - src in the torus's group (part δ mod 3); part r
/// travels the dimensions r, r+1, r+2 in that order, the shortest way round each ring (halfway
/// round an even ring, + and - in turn by offset, so both directions carry half; on a
/// twisted torus along the rings of ring_coordinates, whose first ring is the link's whole
/// cycle), so the three parts load the three dimensions alike. Step t holds every block's t-th
/// hop; a hop is sent from the lane of its link, in that link's class, so every (receiver,
/// class) has one sender, and waits only for the hop that brought its block. Addresses are
/// absolute: block j of the input at base + j*b, block i of the output at out + i*b, and each
/// block a chip forwards in a slot of its own from `scratch` (relay_scratch_words). On a mesh
/// the hops follow the coordinate differences.
Steps relay_schedule(const net::Topology& t, std::uint32_t words, std::uint32_t base, std::uint32_t out,
                     std::uint32_t scratch);
/// The words of scratch the relay all-to-all of `words` per chip needs on its busiest chip.
std::uint32_t relay_scratch_words(const net::Topology& t, std::uint32_t words);

/// Block collectives: the (destination, send lane) of each block chip `chip` sends, in the
/// order its host issues them. alltoall: to chip + position(k) (net::Topology::translate),
/// k = 1 .. n-1, so the chips' transfers form one translation at every moment and load every
/// link of a direction alike; scatter: chip 0 to every other; gather: every other to 0.
/// lanes: each on the send lane of its first hop (x, then y, then z along the minimal offset),
/// issued round-robin over the lanes (offset order within a lane), so the host never waits on
/// one lane's full queue while the others idle; translate: in offset order, all on lane 0.
std::vector<std::pair<unsigned, unsigned>> block_order(Collective c, Algorithm a, const net::Topology& t,
                                                       unsigned chip);

} // namespace phtpu::sched
