// Exact topology metrics of a slice (mesh, torus or twisted torus) for the analytic model:
// diameter, average hop count, bisection links, and per-link load under uniform and
// all-to-all traffic with the ICI routing function (coords/routing.hpp, the same oracle the
// RTL router is checked against).
//
// How each number is computed, and why it is exact:
//   - Distances: breadth-first search over the topology's links (net::bfs_distances). A torus,
//     regular or twisted, is a Cayley graph (nodes = Z^3 modulo the wrap lattice, topology.hpp)
//     and so vertex-transitive: the distances from one node are the distances from every node.
//     Meshes are not, and are searched from every node (they are at most 2x4x4).
//   - Link loads: on a torus the routing oracle is translation invariant (its choice depends on
//     the offset dest - here modulo the wrap lattice only), so the number of routes crossing any
//     one link of direction P (+X, -X, ...) equals the number of P hops in the routes from one
//     node to all others. Meshes: every route is walked.
//   - Bisection: the fewest links crossing a balanced cut, taken over the cuts by two planes
//     perpendicular to one dimension (half the ring on each side, every offset). For regular
//     tori and meshes this is the known minimum; tests/test_model.cpp checks it against every
//     balanced cut on all shapes of up to 16 chips, twisted ones included.
// tests/test_model.cpp also checks the shortcuts against brute force (BFS from every node,
// every route walked) on shapes up to 4x4x8.
#pragma once

#include "topology.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::model {

using phext::Vec3;

struct TopologyMetrics {
  std::string name;          ///< "4x4x8 torus, twisted n x n x 2n"
  Vec3 shape{};
  bool torus = false, twisted = false;
  unsigned nodes = 0;
  unsigned links = 0;        ///< bidirectional links (a size-2 torus ring has two between its chips)
  unsigned diameter = 0;     ///< hops
  double avg_hops = 0;       ///< mean BFS distance over ordered pairs of distinct chips
  unsigned bisection_links = 0; ///< links crossing the narrowest balanced cut (0: one chip)
  int bisection_dim = -1;    ///< the dimension that cut is perpendicular to
  /// Routes (ordered pairs of distinct chips) crossing one link of each direction, in port order
  /// +X -X +Y -Y +Z -Z: the all-to-all load of a link, in units of one pair's message.
  std::array<double, 6> pair_load{};
  double max_pair_load = 0;  ///< the busiest link's all-to-all load (pairs)
  double mean_pair_load = 0; ///< mean over the links that exist, both directions apart
  /// Uniform random traffic: flits per cycle on the busiest link when every chip injects one flit
  /// per cycle to uniformly chosen other chips = max_pair_load / (nodes - 1). Saturation
  /// injection rate (flits per chip per cycle, link bandwidth 1) = 1 / this.
  double uniform_max_load = 0;
  double uniform_saturation = 0;
  /// The average routed hop count (equal to avg_hops when routing is minimal, which a test checks).
  double avg_route_hops = 0;
};

/// Metrics of `t`. Costs O(nodes x diameter) for a torus, O(nodes^2 x diameter) for a mesh.
TopologyMetrics compute_metrics(const net::Topology& t);

/// Links crossing the cut between `side` (true = side A) and the rest; a brute-force helper
/// for tests and for checking other cuts.
unsigned cut_links(const net::Topology& t, const std::vector<bool>& side);

/// Every route walked (all ordered pairs): per-directed-link route counts indexed
/// node * 6 + port. The brute-force reference of the translation shortcut.
std::vector<std::uint32_t> all_pairs_link_load(const net::Topology& t);

} // namespace phtpu::model
