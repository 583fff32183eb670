// The topologies the routing proofs cover: every supported shape up to 8x8x16 —
// regular tori (including the k=2 edge case), twisted n x n x 2n and n x 2n x 2n tori, and the
// sub-cube meshes of docs/references.md §T5. Shared by test_topology.cpp and
// test_routing_oracle.cpp.
#pragma once

#include "topology.hpp"

#include <vector>

namespace net_shapes {

using phext::Vec3;
using phtpu::net::Topology;

enum class Kind { Mesh, Torus, Twisted };
struct ShapeCase {
  Vec3 shape;
  Kind kind;
};
const std::vector<ShapeCase> kShapes = {
    {{2, 2, 2}, Kind::Torus},   {{2, 2, 4}, Kind::Torus},   {{4, 4, 4}, Kind::Torus},    {{4, 4, 8}, Kind::Torus},
    {{4, 8, 8}, Kind::Torus},   {{8, 8, 8}, Kind::Torus},   {{4, 4, 12}, Kind::Torus},   {{4, 4, 16}, Kind::Torus},
    {{8, 8, 16}, Kind::Torus},  {{2, 4, 4}, Kind::Torus},   {{2, 2, 4}, Kind::Twisted},  {{2, 4, 4}, Kind::Twisted},
    {{4, 4, 8}, Kind::Twisted}, {{4, 8, 8}, Kind::Twisted}, {{8, 8, 16}, Kind::Twisted}, {{1, 1, 1}, Kind::Mesh},
    {{1, 1, 2}, Kind::Mesh},    {{1, 2, 2}, Kind::Mesh},    {{2, 2, 2}, Kind::Mesh},     {{2, 2, 4}, Kind::Mesh},
    {{2, 4, 4}, Kind::Mesh},
};

inline Topology make(const ShapeCase& s) {
  return s.kind == Kind::Mesh ? Topology::mesh(s.shape) : Topology::torus(s.shape, s.kind == Kind::Twisted);
}

} // namespace net_shapes
