// Chip addressing (coords/chip_address.*): chip number <-> phext <-> global torus position.
// The coordinate scheme: docs/architecture.md; TPU v4 pod = 64 cubes of 4x4x4 = 4096 chips
// (docs/references.md §T2).
#include "chip_address.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <unordered_set>

using phext::Coordinate;
using phext::SliceGeometry;
using phext::Vec3;

namespace {
const Vec3 kFullPod{16, 16, 16};
const Vec3 kCube{4, 4, 4};
} // namespace

TEST_CASE("worked example: chip 1234 of the 4096-chip pod", "[coords][chip]") {
  // Derived by hand (docs/architecture.md "Coordinate scheme"): 1234 = 19*64 + 18.
  //   cube 19  -> (19%4, 19/4%4, 19/16) = (3,0,1) -> Y arm 4.1.2
  //   local 18 -> (18%4, 18/4%4, 18/16) = (2,0,1) -> X arm 3.1.2
  //   global = cube*4 + local = (14, 0, 5)
  const SliceGeometry pod(kFullPod, kCube);
  CHECK(pod.chip_count() == 4096);
  CHECK(pod.is_torus());
  CHECK(pod.cubes() == Vec3{4, 4, 4});
  CHECK(pod.phext_of_chip(1234).str() == "1.1.1/4.1.2/3.1.2");
  CHECK(pod.global_of_chip(1234) == Vec3{14, 0, 5});
  CHECK(pod.chip_of_phext(Coordinate::parse("1.1.1/4.1.2/3.1.2")) == 1234);
  CHECK(pod.chip_of_global({14, 0, 5}) == 1234);
  CHECK(pod.phext_of_chip(0).str() == "1.1.1/1.1.1/1.1.1");
  CHECK(pod.phext_of_chip(4095).str() == "1.1.1/4.4.4/4.4.4");
  CHECK(pod.global_of_chip(4095) == Vec3{15, 15, 15});
}

TEST_CASE("every chip of the 4096-chip pod has a unique coordinate and round-trips", "[coords][chip]") {
  const SliceGeometry pod(kFullPod, kCube, {3, 7, 11});
  std::unordered_set<Coordinate> seen;
  std::set<std::tuple<unsigned, unsigned, unsigned>> globals;
  for (unsigned n = 0; n < pod.chip_count(); ++n) {
    const Coordinate c = pod.phext_of_chip(n);
    const Vec3 g = pod.global_of_chip(n);
    REQUIRE(seen.insert(c).second);
    REQUIRE(globals.insert({g.x, g.y, g.z}).second);
    // Z arm is the slice's, Y arm the cube, X arm the chip in the cube
    REQUIRE(c.library() == 3);
    REQUIRE(c.shelf() == 7);
    REQUIRE(c.series() == 11);
    REQUIRE(g.x == (c.collection() - 1) * 4 + (c.chapter() - 1));
    REQUIRE(g.y == (c.volume() - 1) * 4 + (c.section() - 1));
    REQUIRE(g.z == (c.book() - 1) * 4 + (c.scroll() - 1));
    // cube-major numbering: the 64 chips of a cube are consecutive
    REQUIRE(n / 64 == (c.collection() - 1) + 4 * ((c.volume() - 1) + 4 * (c.book() - 1)));
    REQUIRE(pod.chip_of_phext(c) == n);
    REQUIRE(pod.chip_of_global(g) == n);
    REQUIRE(pod.phext_of_global(g) == c);
    const auto d = pod.decode(c);
    REQUIRE(d.status == phext::DecodeStatus::Ok);
    REQUIRE(d.global == g);
  }
  CHECK(seen.size() == 4096);
}

TEST_CASE("scaled pods and sub-cube meshes round-trip", "[coords][chip]") {
  const auto [slice, cube, torus] = GENERATE(table<Vec3, Vec3, bool>({
      {{4, 4, 8}, {2, 2, 2}, true},  // scaled pod: 16 cubes of 2x2x2
      {{8, 8, 16}, {4, 4, 4}, true}, // twisted-torus candidate shape n x n x 2n
      {{2, 2, 2}, {4, 4, 4}, false}, // sub-cube slice: a mesh
      {{1, 2, 2}, {4, 4, 4}, false}, // sub-cube slice: a mesh
      {{2, 2, 2}, {2, 2, 2}, true},  // one whole cube
      {{12, 4, 8}, {4, 4, 4}, true}, // 3x1x2 cubes
  }));
  const SliceGeometry geo(slice, cube);
  CAPTURE(phext::shape_str(slice), phext::shape_str(cube));
  CHECK(geo.is_torus() == torus);
  std::unordered_set<Coordinate> seen;
  unsigned count = 0;
  for (unsigned z = 0; z < slice.z; ++z)
    for (unsigned y = 0; y < slice.y; ++y)
      for (unsigned x = 0; x < slice.x; ++x) {
        const Vec3 g{x, y, z};
        const unsigned n = geo.chip_of_global(g);
        REQUIRE(n < geo.chip_count());
        REQUIRE(geo.global_of_chip(n) == g);
        const Coordinate c = geo.phext_of_chip(n);
        REQUIRE(seen.insert(c).second);
        REQUIRE(c.chapter() <= cube.x);
        REQUIRE(geo.decode(c).global == g);
        ++count;
      }
  CHECK(count == slice.volume());
}

TEST_CASE("decode drops foreign and out-of-shape destinations", "[coords][chip]") {
  const SliceGeometry pod({4, 4, 8}, {2, 2, 2}, {1, 2, 3});
  using S = phext::DecodeStatus;
  auto status = [&](std::array<unsigned, 9> f) { return pod.decode(f).status; };
  CHECK(status({1, 2, 3, 1, 1, 1, 1, 1, 1}) == S::Ok);
  CHECK(status({1, 2, 3, 2, 2, 4, 2, 2, 2}) == S::Ok);         // last chip: global (3,3,7)
  CHECK(status({2, 2, 3, 1, 1, 1, 1, 1, 1}) == S::ZMismatch);  // another datacenter
  CHECK(status({1, 1, 3, 1, 1, 1, 1, 1, 1}) == S::ZMismatch);  // another pod
  CHECK(status({1, 2, 4, 1, 1, 1, 1, 1, 1}) == S::ZMismatch);  // another slice
  CHECK(status({1, 2, 4, 9, 9, 9, 9, 9, 9}) == S::ZMismatch);  // Z checked first
  CHECK(status({1, 2, 3, 3, 1, 1, 1, 1, 1}) == S::OutOfShape); // cube x 3 of 2
  CHECK(status({1, 2, 3, 1, 1, 5, 1, 1, 1}) == S::OutOfShape); // cube z 5 of 4
  CHECK(status({1, 2, 3, 1, 1, 1, 3, 1, 1}) == S::OutOfShape); // chip x 3 in a 2-wide cube
  CHECK(status({1, 2, 3, 0, 1, 1, 1, 1, 1}) == S::OutOfShape); // zero field
  CHECK(status({1, 2, 3, 1, 1, 1, 1, 1, 0}) == S::OutOfShape);
  CHECK(status({1, 2, 3, 1, 1, 1, 1, 1, 1023}) == S::OutOfShape);
  // the global position is reported only for deliverable destinations (the RTL outputs 0)
  CHECK(pod.decode(std::array<unsigned, 9>{1, 2, 3, 2, 2, 9, 2, 2, 2}).global == Vec3{0, 0, 0});
  CHECK(pod.decode(std::array<unsigned, 9>{1, 2, 3, 2, 2, 4, 2, 2, 2}).global == Vec3{3, 3, 7});
  // sub-cube mesh 2x2x2 in a 4x4x4 cube: chip field 3 fits the cube but not the slice
  const SliceGeometry mesh({2, 2, 2}, {4, 4, 4});
  CHECK(mesh.decode(std::array<unsigned, 9>{1, 1, 1, 1, 1, 1, 2, 2, 2}).status == S::Ok);
  CHECK(mesh.decode(std::array<unsigned, 9>{1, 1, 1, 1, 1, 1, 3, 1, 1}).status == S::OutOfShape);
  CHECK(mesh.decode(std::array<unsigned, 9>{1, 1, 1, 2, 1, 1, 1, 1, 1}).status == S::OutOfShape);
}

TEST_CASE("out-of-range input is an error, not nonsense", "[coords][chip]") {
  const SliceGeometry pod(kFullPod, kCube);
  CHECK_THROWS_AS(pod.phext_of_chip(4096), phext::AddressError);
  CHECK_THROWS_WITH(pod.phext_of_chip(4096), Catch::Contains("0..4095"));
  CHECK_THROWS_AS(pod.chip_of_global({16, 0, 0}), phext::AddressError);
  CHECK_THROWS_WITH(pod.chip_of_phext(Coordinate::parse("1.1.2/1.1.1/1.1.1")), Catch::Contains("Z arm"));
  CHECK_THROWS_WITH(pod.chip_of_phext(Coordinate::parse("1.1.1/5.1.1/1.1.1")), Catch::Contains("no chip"));
  CHECK_THROWS_WITH(pod.chip_of_phext(Coordinate::parse("1.1.1/1.1.1/5.1.1")), Catch::Contains("no chip"));
}

TEST_CASE("impossible shapes are rejected with a reason", "[coords][chip]") {
  CHECK_THROWS_WITH(SliceGeometry({2, 4, 8}, {4, 4, 4}), Catch::Contains("neither inside one"));
  CHECK_THROWS_WITH(SliceGeometry({6, 4, 4}, {4, 4, 4}), Catch::Contains("whole number of cubes"));
  CHECK_THROWS_WITH(SliceGeometry({4, 4, 4}, {16, 4, 4}), Catch::Contains("cube x dimension 16"));
  CHECK_THROWS_WITH(SliceGeometry({4, 4, 2048}, {4, 4, 4}), Catch::Contains("slice z dimension 2048"));
  CHECK_THROWS_AS(SliceGeometry({4, 4, 4}, {4, 4, 4}, {0, 1, 1}), phext::AddressError);
  CHECK_THROWS_AS(SliceGeometry({4, 4, 4}, {4, 4, 4}, {1, 1, 1000}), phext::AddressError);
}

TEST_CASE("shape and position parsing", "[coords][chip]") {
  CHECK(phext::parse_shape("16x16x16") == Vec3{16, 16, 16});
  CHECK(phext::parse_position("3,0,15") == Vec3{3, 0, 15});
  CHECK(phext::shape_str({4, 4, 8}) == "4x4x8");
  for (const char* bad : {"", "4x4", "4x4x4x4", "0x4x4", "4xx4", "-4x4x4", "4x4xa", "4x4x99999999999"})
    CHECK_THROWS_AS(phext::parse_shape(bad), phext::ParseError);
  CHECK_THROWS_WITH(phext::parse_shape("4x4", "pod shape"), Catch::Contains("pod shape '4x4'"));
  for (const char* bad : {"", "1,2", "1,2,3,4", "a,1,1", "1,,1"})
    CHECK_THROWS_AS(phext::parse_position(bad), phext::ParseError);
}
