// Topology wiring (coords/topology.*): which chip every link leads to, in meshes, regular
// tori and twisted tori (docs/references.md §T5).
#include "topology.hpp"

#include "net_shapes.hpp"
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using phext::SliceGeometry;
using phext::Vec3;
using phtpu::net::Port;
using phtpu::net::Topology;
using phtpu::net::TopologyError;
using phtpu::net::Twist;

using namespace net_shapes;

namespace {

const Port kLinkPorts[] = {Port::XP, Port::XM, Port::YP, Port::YM, Port::ZP, Port::ZM};

std::vector<Vec3> all_nodes(const Topology& t) {
  std::vector<Vec3> nodes;
  for (unsigned i = 0; i < t.nodes(); ++i)
    nodes.push_back(t.position(i));
  return nodes;
}

std::optional<Vec3> nb(const Topology& t, Vec3 p, Port out) { return t.neighbor(p, out); }
} // namespace

TEST_CASE("worked example of topology.hpp: the 4x4x8 twisted torus", "[net][topology]") {
  const Topology t = Topology::torus({4, 4, 8}, true);
  CHECK(t.twist() == Twist::NN2N);
  CHECK(t.shift_xy() == 0);
  CHECK(t.shift_xz() == 4);
  CHECK(t.shift_yz() == 4);
  CHECK(nb(t, {3, 1, 6}, Port::XP) == Vec3{0, 1, 2}); // x wrap, shifted along z
  CHECK(t.is_wrap({3, 1, 6}, Port::XP));
  CHECK(nb(t, {0, 1, 2}, Port::XM) == Vec3{3, 1, 6}); // the same link, traversed back
  CHECK(t.is_wrap({0, 1, 2}, Port::XM));
  CHECK(nb(t, {2, 3, 5}, Port::YP) == Vec3{2, 0, 1}); // y wrap, shifted along z
  CHECK(t.is_wrap({2, 3, 5}, Port::YP));
  CHECK(nb(t, {2, 3, 7}, Port::ZP) == Vec3{2, 3, 0}); // z wrap, never shifted
  CHECK(t.is_wrap({2, 3, 7}, Port::ZP));
  CHECK(nb(t, {1, 1, 1}, Port::XP) == Vec3{2, 1, 1}); // not a wrap: no shift
  CHECK_FALSE(t.is_wrap({1, 1, 1}, Port::XP));
}

TEST_CASE("a link traversed back through the opposite port returns home", "[net][topology]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  for (const Vec3 p : all_nodes(t))
    for (const Port out : kLinkPorts) {
      const auto q = t.neighbor(p, out);
      if (!q) continue;
      CAPTURE(phext::position_str(p), phtpu::net::port_name(out));
      REQUIRE(t.contains(*q));
      REQUIRE(t.neighbor(*q, opposite(out)) == p);
      REQUIRE(t.is_wrap(p, out) == t.is_wrap(*q, opposite(out)));
    }
}

TEST_CASE("local port leads to the chip itself", "[net][topology]") {
  const Topology t = Topology::torus({4, 4, 8}, true);
  CHECK(nb(t, {3, 2, 1}, Port::Local) == Vec3{3, 2, 1});
  CHECK_FALSE(t.is_wrap({3, 3, 7}, Port::Local));
}

TEST_CASE("every torus chip has six links and mesh edges have none outward", "[net][topology]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  for (const Vec3 p : all_nodes(t))
    for (const Port out : kLinkPorts) {
      const int d = phtpu::net::port_dim(out);
      const bool at_edge = phtpu::net::port_sign(out) > 0 ? p[d] == s.shape[d] - 1 : p[d] == 0;
      CAPTURE(phext::position_str(p), phtpu::net::port_name(out));
      if (s.kind == Kind::Mesh) {
        REQUIRE(t.neighbor(p, out).has_value() == !at_edge);
        REQUIRE_FALSE(t.is_wrap(p, out));
      } else {
        REQUIRE(t.neighbor(p, out).has_value());
        REQUIRE(t.is_wrap(p, out) == at_edge);
      }
    }
}

TEST_CASE("each torus port has one wrap link per ring of its dimension", "[net][topology]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  for (const Port out : kLinkPorts) {
    const int d = phtpu::net::port_dim(out);
    unsigned wraps = 0;
    for (const Vec3 p : all_nodes(t))
      wraps += t.is_wrap(p, out) ? 1u : 0u;
    CAPTURE(phtpu::net::port_name(out));
    CHECK(wraps == (s.kind == Kind::Mesh ? 0u : t.nodes() / s.shape[d]));
  }
}

TEST_CASE("non-wrap links move one step along their dimension only", "[net][topology]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  for (const Vec3 p : all_nodes(t))
    for (const Port out : kLinkPorts) {
      if (t.is_wrap(p, out) || !t.neighbor(p, out)) continue;
      Vec3 expect = p;
      const int d = phtpu::net::port_dim(out);
      expect[d] = phtpu::net::port_sign(out) > 0 ? p[d] + 1 : p[d] - 1;
      REQUIRE(t.neighbor(p, out) == expect);
    }
}

TEST_CASE("twisted tori pick their kind and shifts from the shape", "[net][topology]") {
  const auto [shape, twist, sxy, sxz, syz] = GENERATE(table<Vec3, Twist, unsigned, unsigned, unsigned>({
      {{4, 4, 8}, Twist::NN2N, 0, 4, 4},
      {{8, 8, 16}, Twist::NN2N, 0, 8, 8},
      {{2, 2, 4}, Twist::NN2N, 0, 2, 2},
      {{1, 1, 2}, Twist::NN2N, 0, 1, 1},
      {{4, 8, 8}, Twist::N2N2N, 4, 4, 0},
      {{2, 4, 4}, Twist::N2N2N, 2, 2, 0},
  }));
  CAPTURE(phext::shape_str(shape));
  const Topology t = Topology::torus(shape, true);
  CHECK(t.twist() == twist);
  CHECK(t.shift_xy() == sxy);
  CHECK(t.shift_xz() == sxz);
  CHECK(t.shift_yz() == syz);
  for (int d = 0; d < 3; ++d)
    CHECK(t.wraps(d));
  const Topology regular = Topology::torus(shape);
  CHECK(regular.twist() == Twist::None);
  CHECK(regular.shift_xy() + regular.shift_xz() + regular.shift_yz() == 0);
}

TEST_CASE("a twist on a shape that is not n x n x 2n or n x 2n x 2n is rejected", "[net][topology]") {
  CHECK_THROWS_MATCHES(Topology::torus({4, 4, 4}, true), TopologyError,
                       Catch::Message("twisted torus needs an n x n x 2n or n x 2n x 2n shape, not 4x4x4"));
  CHECK_THROWS_MATCHES(Topology::torus({4, 8, 4}, true), TopologyError,
                       Catch::Message("twisted torus needs an n x n x 2n or n x 2n x 2n shape, not 4x8x4"));
  CHECK_THROWS_AS(Topology::torus({8, 4, 4}, true), TopologyError);  // 2n x n x n: the long side must be y, z
  CHECK_THROWS_AS(Topology::torus({8, 8, 4}, true), TopologyError);  // 2n x 2n x n
  CHECK_THROWS_AS(Topology::torus({4, 4, 16}, true), TopologyError); // n x n x 4n
  CHECK_THROWS_AS(Topology::torus({2, 2, 2}, true), TopologyError);  // a cube
  CHECK_THROWS_AS(Topology::torus({4, 8, 16}, true), TopologyError); // n x 2n x 4n
  CHECK_NOTHROW(Topology::torus({4, 8, 4}));                         // fine untwisted
}

TEST_CASE("zero dimensions and dimensions beyond the RTL width are rejected", "[net][topology]") {
  CHECK_THROWS_MATCHES(Topology::mesh({0, 4, 4}), TopologyError,
                       Catch::Message("topology dimensions must be 1..1023, not 0x4x4"));
  CHECK_THROWS_AS(Topology::torus({4, 0, 4}), TopologyError);
  CHECK_THROWS_AS(Topology::torus({4, 4, 1024}), TopologyError);
  CHECK_THROWS_AS(Topology::mesh({1024, 1, 1}), TopologyError);
  CHECK_NOTHROW(Topology::mesh({phext::kMaxSliceDim, 1, 1}));
  CHECK_NOTHROW(Topology::torus({1, phext::kMaxSliceDim, 1}));
}

TEST_CASE("of_slice gives a mesh below a cube and a torus of whole cubes", "[net][topology]") {
  const Vec3 cube{4, 4, 4};
  const Topology small = Topology::of_slice(SliceGeometry({2, 2, 2}, cube));
  CHECK(small.shape() == Vec3{2, 2, 2});
  CHECK_FALSE(small.wraps(0));
  CHECK_FALSE(small.wraps(1));
  CHECK_FALSE(small.wraps(2));
  CHECK(small.describe() == "2x2x2 mesh");

  const Topology one_cube = Topology::of_slice(SliceGeometry(cube, cube));
  CHECK(one_cube.describe() == "4x4x4 torus");

  const Topology two = Topology::of_slice(SliceGeometry({4, 4, 8}, cube));
  CHECK(two.wraps(0));
  CHECK(two.wraps(1));
  CHECK(two.wraps(2));
  CHECK(two.twist() == Twist::None);
  const Topology two_twisted = Topology::of_slice(SliceGeometry({4, 4, 8}, cube), true);
  CHECK(two_twisted.twist() == Twist::NN2N);
  CHECK(Topology::of_slice(SliceGeometry({4, 8, 8}, cube), true).twist() == Twist::N2N2N);

  CHECK_THROWS_MATCHES(Topology::of_slice(SliceGeometry({2, 2, 2}, cube), true), TopologyError,
                       Catch::Message("a mesh slice (smaller than a cube) cannot be twisted"));
  CHECK_THROWS_AS(Topology::of_slice(SliceGeometry(cube, cube), true), TopologyError); // a cube has no twist
}

TEST_CASE("twisted wraps land half the long ring away", "[net][topology]") {
  // docs/references.md §T5: in a twisted 4x2 torus the Y wraparound lands on X+2 mod 4. The 3D
  // analogue in 4x4x8: the x wrap from (3,y,z) lands at z+4 mod 8, and so does the y wrap.
  const Topology nn2n = Topology::torus({4, 4, 8}, true);
  for (unsigned y = 0; y < 4; ++y)
    for (unsigned z = 0; z < 8; ++z) {
      CAPTURE(y, z);
      REQUIRE(nn2n.neighbor({3, y, z}, Port::XP) == Vec3{0, y, (z + 4) % 8});
      REQUIRE(nn2n.neighbor({0, y, z}, Port::XM) == Vec3{3, y, (z + 4) % 8});
      REQUIRE(nn2n.neighbor({y, 3, z}, Port::YP) == Vec3{y, 0, (z + 4) % 8});
      REQUIRE(nn2n.neighbor({y, 0, z}, Port::YM) == Vec3{y, 3, (z + 4) % 8});
    }
  for (unsigned x = 0; x < 4; ++x)
    for (unsigned y = 0; y < 4; ++y)
      REQUIRE(nn2n.neighbor({x, y, 7}, Port::ZP) == Vec3{x, y, 0});

  // 4x8x8: the x wrap lands +4 along y and +4 along z, the y and z wraps are plain.
  const Topology n2n2n = Topology::torus({4, 8, 8}, true);
  for (unsigned y = 0; y < 8; ++y)
    for (unsigned z = 0; z < 8; ++z) {
      CAPTURE(y, z);
      REQUIRE(n2n2n.neighbor({3, y, z}, Port::XP) == Vec3{0, (y + 4) % 8, (z + 4) % 8});
      REQUIRE(n2n2n.neighbor({0, y, z}, Port::XM) == Vec3{3, (y + 4) % 8, (z + 4) % 8});
      REQUIRE(n2n2n.neighbor({1, 7, z}, Port::YP) == Vec3{1, 0, z});
      REQUIRE(n2n2n.neighbor({1, y, 0}, Port::ZM) == Vec3{1, y, 7});
    }
}

TEST_CASE("regular torus wraps are not shifted", "[net][topology]") {
  const Topology t = Topology::torus({4, 4, 8});
  CHECK(nb(t, {3, 1, 6}, Port::XP) == Vec3{0, 1, 6});
  CHECK(nb(t, {0, 1, 6}, Port::XM) == Vec3{3, 1, 6});
  CHECK(nb(t, {2, 3, 5}, Port::YP) == Vec3{2, 0, 5});
  CHECK(nb(t, {2, 3, 0}, Port::ZM) == Vec3{2, 3, 7});
}

TEST_CASE("a ring of one chip in a torus leads back to the chip", "[net][topology]") {
  const Topology t = Topology::torus({1, 1, 4});
  CHECK(nb(t, {0, 0, 2}, Port::XP) == Vec3{0, 0, 2});
  CHECK(t.is_wrap({0, 0, 2}, Port::XP));
  CHECK(t.is_wrap({0, 0, 2}, Port::YM));
  const Topology twisted = Topology::torus({1, 1, 2}, true); // n = 1: the x wrap moves one along z
  CHECK(nb(twisted, {0, 0, 0}, Port::XP) == Vec3{0, 0, 1});
  CHECK(nb(twisted, {0, 0, 1}, Port::XM) == Vec3{0, 0, 0});
}

TEST_CASE("index and position are inverse", "[net][topology]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const Vec3 p = t.position(i);
    REQUIRE(t.contains(p));
    REQUIRE(t.index(p) == i);
  }
  CHECK(t.position(t.nodes() - 1) == Vec3{s.shape.x - 1, s.shape.y - 1, s.shape.z - 1});
  CHECK_FALSE(t.contains(s.shape));
}

TEST_CASE("port names, opposites, dimensions and signs", "[net][topology]") {
  using phtpu::net::port_name;
  CHECK(port_name(Port::XP) == "+X");
  CHECK(port_name(Port::XM) == "-X");
  CHECK(port_name(Port::YP) == "+Y");
  CHECK(port_name(Port::YM) == "-Y");
  CHECK(port_name(Port::ZP) == "+Z");
  CHECK(port_name(Port::ZM) == "-Z");
  CHECK(port_name(Port::Local) == "local");
  CHECK(opposite(Port::XP) == Port::XM);
  CHECK(opposite(Port::XM) == Port::XP);
  CHECK(opposite(Port::YP) == Port::YM);
  CHECK(opposite(Port::ZM) == Port::ZP);
  CHECK(opposite(Port::Local) == Port::Local);
  for (const Port p : kLinkPorts) {
    CHECK(phtpu::net::port_of(phtpu::net::port_dim(p), phtpu::net::port_sign(p)) == p);
    CHECK(phtpu::net::port_dim(opposite(p)) == phtpu::net::port_dim(p));
    CHECK(phtpu::net::port_sign(opposite(p)) == -phtpu::net::port_sign(p));
  }
  CHECK(phtpu::net::port_dim(Port::Local) == -1);
  CHECK(phtpu::net::port_sign(Port::Local) == 0);
  CHECK(phtpu::net::port_of(2, -1) == Port::ZM);
  CHECK_THROWS_AS(phtpu::net::port_of(3, 1), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::port_of(0, 0), std::invalid_argument);
  CHECK(phtpu::net::twist_name(Twist::None) == "none");
  CHECK(phtpu::net::twist_name(Twist::NN2N) == "n x n x 2n");
  CHECK(phtpu::net::twist_name(Twist::N2N2N) == "n x 2n x 2n");
}

TEST_CASE("describe names the shape, the kind and the twist", "[net][topology]") {
  CHECK(Topology::torus({4, 4, 8}, true).describe() == "4x4x8 torus, twisted n x n x 2n");
  CHECK(Topology::torus({4, 8, 8}, true).describe() == "4x8x8 torus, twisted n x 2n x 2n");
  CHECK(Topology::torus({4, 4, 8}).describe() == "4x4x8 torus");
  CHECK(Topology::mesh({2, 2, 2}).describe() == "2x2x2 mesh");
  CHECK(Topology::mesh({1, 1, 1}).describe() == "1x1x1 mesh");
}
