// The availability model (sim/model/availability.hpp): slice shapes, the contiguous packer against
// brute force and hand counts, the closed forms against hand algebra and exhaustive enumeration,
// the Monte Carlo against the closed forms, dominance of OCS and monotonicity in availability.
#include "availability.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>

using namespace phtpu::model;

namespace {

// Rack mask with every rack of a grid healthy except the listed positions.
std::uint64_t all_but(const CubeBox& g, std::initializer_list<std::array<unsigned, 3>> failed) {
  std::uint64_t m = g.volume() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << g.volume()) - 1;
  for (const auto& f : failed)
    m &= ~(std::uint64_t{1} << (f[0] + g.x * (f[1] + g.y * f[2])));
  return m;
}

// The most disjoint placements inside `healthy`, by trying every subset of placements.
unsigned brute_force_packing(const std::vector<std::uint64_t>& pl, std::uint64_t healthy, std::size_t i = 0,
                             std::uint64_t used = 0) {
  if (i == pl.size()) return 0;
  unsigned best = brute_force_packing(pl, healthy, i + 1, used);
  if ((pl[i] & healthy) == pl[i] && (pl[i] & used) == 0)
    best = std::max(best, 1 + brute_force_packing(pl, healthy, i + 1, used | pl[i]));
  return best;
}

// Exact expectations over all 2^R rack states of a small pod.
struct Exact {
  double ocs = 0, noocs = 0, noocs_fit = 0;
};
Exact enumerate(const CubeBox& grid, const CubeBox& shape, double p) {
  const BlockPacker bp(grid, shape);
  const unsigned r = grid.volume(), k = shape.volume();
  Exact e;
  for (std::uint64_t m = 0; m < (std::uint64_t{1} << r); ++m) {
    const int h = __builtin_popcountll(m);
    const double pr = std::pow(p, h) * std::pow(1 - p, static_cast<int>(r) - h);
    const unsigned n = bp.optimal(m);
    e.ocs += pr * k * ocs_slices(static_cast<unsigned>(h), k) / r;
    e.noocs += pr * k * n / r;
    e.noocs_fit += pr * (n > 0 ? 1.0 : 0.0);
  }
  return e;
}

AvailConfig small_config() {
  AvailConfig c;
  c.trials = 20000;
  c.seed = 1;
  return c;
}

} // namespace

TEST_CASE("slice shapes are the Cloud shapes for powers of two and the most cubic box otherwise", "[avail]") {
  const CubeBox g{4, 4, 4};
  const std::vector<std::pair<unsigned, std::string>> want{{1, "1x1x1"},  {2, "1x1x2"},  {4, "1x2x2"},  {8, "2x2x2"},
                                                           {16, "2x2x4"}, {32, "2x4x4"}, {64, "4x4x4"}, {3, "1x1x3"},
                                                           {6, "1x2x3"},  {12, "2x2x3"}, {24, "2x3x4"}, {48, "3x4x4"}};
  for (const auto& [k, s] : want) {
    CAPTURE(k);
    REQUIRE(slice_shape(k, g).has_value());
    CHECK(slice_shape(k, g)->str() == s);
  }
  CHECK_FALSE(slice_shape(7, g).has_value());  // 1x1x7 is longer than the grid
  CHECK_FALSE(slice_shape(5, g).has_value());  // 1x1x5
  CHECK_FALSE(slice_shape(65, g).has_value()); // more than the pod
  CHECK(slice_shape(4, CubeBox{1, 1, 4})->str() == "1x1x4");
}

TEST_CASE("slice sizes and host availabilities parse and malformed lists are rejected", "[avail]") {
  const PodLayout pod;
  CHECK(parse_slice_sizes("64:4096", pod) == std::vector<unsigned>{64, 128, 256, 512, 1024, 2048, 4096});
  CHECK(parse_slice_sizes("64,192,512", pod) == std::vector<unsigned>{64, 192, 512});
  CHECK(parse_slice_sizes("4096", pod) == std::vector<unsigned>{4096});
  for (const char* bad : {"", "63", "100", "0", "8192", "64:", ":4096", "64:4096:8", "64,,128", "4096:64", "192:4096",
                          "64;128", "-64", "1e3", " 64", "64x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_slice_sizes(bad, pod), std::invalid_argument);
  }
  CHECK(parse_availabilities("0.99,0.995,0.999") == std::vector<double>{0.99, 0.995, 0.999});
  CHECK(parse_availabilities("1") == std::vector<double>{1.0});
  for (const char* bad : {"", "0", "1.01", "-0.5", "0.99,", "abc", "0.99 ", "nan", "inf", "0.9,x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_availabilities(bad), std::invalid_argument);
  }
}

TEST_CASE("a configuration with no block shape in the grid or zero trials is rejected", "[avail]") {
  AvailConfig c = small_config();
  c.slice_chips = {448}; // 7 cubes: 1x1x7 does not fit 4x4x4
  CHECK_THROWS_AS(validate(c), std::invalid_argument);
  c.slice_chips = {64};
  c.trials = 0;
  CHECK_THROWS_AS(validate(c), std::invalid_argument);
  c.trials = 2;
  c.host_availability = {0.0};
  CHECK_THROWS_AS(validate(c), std::invalid_argument);
  c.host_availability = {0.99};
  c.pod.grid = {4, 4, 5};
  CHECK_THROWS_AS(validate(c), std::invalid_argument);
}

TEST_CASE("a unit is up with exactly its probability at the ends", "[avail]") {
  CHECK(unit_threshold(1.0) == ~std::uint64_t{0});
  CHECK(unit_threshold(0.5) == (std::uint64_t{1} << 63) - 1);
  CHECK(unit_threshold(1e-30) == 0);
  CHECK(rack_availability(0.99, 16) == Approx(0.851458).epsilon(1e-6));
}

TEST_CASE("the optimal packer equals brute force and first-fit never beats it on small grids", "[avail]") {
  const CubeBox grid{2, 2, 3};
  for (const CubeBox& shape : {CubeBox{1, 1, 2}, CubeBox{1, 1, 3}, CubeBox{1, 2, 2}, CubeBox{1, 2, 3}}) {
    const BlockPacker bp(grid, shape);
    CAPTURE(shape.str());
    unsigned mismatches = 0, ff_above = 0;
    for (std::uint64_t m = 0; m < (1u << 12); ++m) {
      const unsigned opt = bp.optimal(m);
      mismatches += opt != brute_force_packing(bp.placements(), m);
      ff_above += bp.first_fit(m) > opt;
    }
    CHECK(mismatches == 0);
    CHECK(ff_above == 0);
  }
}

TEST_CASE("first-fit is a lower bound: a hand-built 2x3 pattern where it places one domino and two fit", "[avail]") {
  // racks (x, y) of a 2x3x1 grid, healthy: (0,0) (1,0) (0,1) (0,2). First-fit takes the y-domino
  // (0,0)-(0,1) first and strands (1,0) and (0,2); the best packing is (0,0)-(1,0) and (0,1)-(0,2).
  const BlockPacker bp(CubeBox{2, 3, 1}, CubeBox{1, 1, 2});
  const std::uint64_t healthy = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4);
  CHECK(bp.first_fit(healthy) == 1);
  CHECK(bp.optimal(healthy) == 2);
  CHECK_FALSE(bp.first_fit_is_optimal());
  // where first-fit is provably optimal its closed form is given: 2x4x4 slabs (two fit only on the
  // full grid), the whole pod, single racks; 2x2x2 blocks on the 4x4x4 grid are not proved
  const CubeBox g{4, 4, 4};
  CHECK(BlockPacker(g, CubeBox{2, 4, 4}).first_fit_is_optimal());
  CHECK(BlockPacker(g, CubeBox{4, 4, 4}).first_fit_is_optimal());
  CHECK(BlockPacker(g, CubeBox{1, 1, 1}).first_fit_is_optimal());
  CHECK_FALSE(BlockPacker(g, CubeBox{2, 2, 2}).first_fit_is_optimal());
  CHECK(BlockPacker(CubeBox{2, 2, 2}, CubeBox{2, 2, 2}).first_fit_is_optimal());
}

TEST_CASE("one failed corner rack of the 4x4x4 grid leaves exactly seven 2x2x2 blocks", "[avail]") {
  const CubeBox g{4, 4, 4};
  const BlockPacker bp(g, CubeBox{2, 2, 2});
  CHECK(bp.capacity() == 8);
  CHECK(bp.placements().size() == 27);
  // Optimal: eight blocks would need all 64 racks; the seven octants without the corner fit.
  // First-fit by hand: (1,0,0) [x1-2 y0-1 z0-1], (0,2,0), (2,2,0); no 2x2 footprint is free at
  // z = 1; then the four octants of z2-3: seven.
  for (const auto& corner : {std::array<unsigned, 3>{0, 0, 0}, std::array<unsigned, 3>{3, 3, 3}}) {
    const std::uint64_t h = all_but(g, {corner});
    CHECK(bp.optimal(h) == 7);
    CHECK(bp.first_fit(h) == 7);
  }
  // Two failed opposite corners: the six octants that avoid them. The eight racks with every
  // coordinate in {1, 2} failed: every 2x2x2 block, aligned or not, holds one of them: none.
  CHECK(bp.optimal(all_but(g, {{0, 0, 0}, {3, 3, 3}})) == 6);
  CHECK(bp.optimal(
            all_but(g, {{1, 1, 1}, {2, 1, 1}, {1, 2, 1}, {2, 2, 1}, {1, 1, 2}, {2, 1, 2}, {1, 2, 2}, {2, 2, 2}})) == 0);
  CHECK(bp.optimal(all_but(g, {{0, 0, 0}, {3, 3, 3}})) ==
        brute_force_packing(bp.placements(), all_but(g, {{0, 0, 0}, {3, 3, 3}})));
  // 2x4x4 slabs (nine placements: three orientations at offsets 0, 1, 2). One failed rack leaves
  // one slab; failed opposite corners still leave the misaligned middle slabs (x, y or z in 1..2);
  // failed (1,1,1) and (2,2,2) hit all nine.
  const BlockPacker half(g, CubeBox{2, 4, 4});
  CHECK(half.capacity() == 2);
  CHECK(half.placements().size() == 9);
  CHECK(half.optimal(all_but(g, {{0, 0, 0}})) == 1);
  CHECK(half.optimal(all_but(g, {{0, 0, 0}, {3, 3, 3}})) == 1);
  CHECK(half.optimal(all_but(g, {{1, 1, 1}, {2, 2, 2}})) == 0);
}

TEST_CASE("a pod with every host up runs every slice size at goodput 1", "[avail]") {
  AvailConfig c = small_config();
  c.host_availability = {1.0};
  c.trials = 100;
  for (Packer p : {Packer::optimal, Packer::first_fit}) {
    c.packer = p;
    const auto res = run_availability(c);
    REQUIRE(res.points.size() == 7);
    for (const auto& pt : res.points) {
      CAPTURE(pt.slice_chips, packer_name(p));
      CHECK(pt.ocs.mean == 1.0);
      CHECK(pt.noocs.mean == 1.0);
      CHECK(pt.ocs.ci95 == 0.0);
      CHECK(pt.ocs_closed == Approx(1.0));
      if (pt.noocs_closed) CHECK(*pt.noocs_closed == Approx(1.0));
    }
  }
}

TEST_CASE("a whole-pod slice runs with probability p_rack to the 64th under both schedulers", "[avail]") {
  const BlockPacker bp(CubeBox{4, 4, 4}, CubeBox{4, 4, 4});
  for (double a : {0.99, 0.995, 0.999}) {
    const double p = rack_availability(a, 16);
    CAPTURE(a);
    CHECK(closed_ocs_goodput(64, p, 64) == Approx(std::pow(p, 64)).epsilon(1e-9));
    CHECK(closed_ocs_fit(64, p, 64) == Approx(std::pow(p, 64)).epsilon(1e-9));
    REQUIRE(closed_noocs_goodput(bp, p).has_value());
    CHECK(*closed_noocs_goodput(bp, p) == Approx(std::pow(p, 64)).epsilon(1e-9));
    CHECK(*closed_noocs_fit(bp, p) == Approx(std::pow(p, 64)).epsilon(1e-9));
  }
  // 0.999^(16*64) = 0.359 (derived)
  CHECK(closed_ocs_goodput(64, rack_availability(0.999, 16), 64) == Approx(0.3589).epsilon(1e-3));
}

TEST_CASE("tiny pods of two and four racks match the goodput computed by hand", "[avail]") {
  const double p = 0.8, q = 1 - p;
  // two racks in a line: one-cube slices use each healthy rack (p); a two-cube slice needs both (p^2)
  const BlockPacker one(CubeBox{1, 1, 2}, CubeBox{1, 1, 1}), two(CubeBox{1, 1, 2}, CubeBox{1, 1, 2});
  CHECK(closed_ocs_goodput(2, p, 1) == Approx(p));
  CHECK(*closed_noocs_goodput(one, p) == Approx(p));
  CHECK(closed_ocs_goodput(2, p, 2) == Approx(p * p));
  CHECK(*closed_noocs_goodput(two, p) == Approx(p * p));
  // four racks in a 2x2 square, two-cube slices. E[slices] with OCS = E[floor(H/2)]
  // = 2 p^4 + 4 p^3 q + 6 p^2 q^2 (any two healthy racks pair up); without OCS only the 4 adjacent
  // pairs of the 6 work: 2 p^4 + 4 p^3 q + 4 p^2 q^2. Goodput = 2 E[slices] / 4.
  const BlockPacker sq(CubeBox{2, 2, 1}, CubeBox{1, 1, 2});
  const double ocs = 2 * (2 * std::pow(p, 4) + 4 * std::pow(p, 3) * q + 6 * p * p * q * q) / 4;
  const double noocs = 2 * (2 * std::pow(p, 4) + 4 * std::pow(p, 3) * q + 4 * p * p * q * q) / 4;
  CHECK(closed_ocs_goodput(4, p, 2) == Approx(ocs));
  CHECK(*closed_noocs_goodput(sq, p) == Approx(noocs));
  CHECK(*closed_noocs_fit(sq, p) == Approx(std::pow(p, 4) + 4 * std::pow(p, 3) * q + 4 * p * p * q * q));
  CHECK(closed_ocs_fit(4, p, 2) == Approx(1 - std::pow(q, 4) - 4 * p * std::pow(q, 3)));
}

TEST_CASE("the inclusion-exclusion closed forms equal exhaustive enumeration on small pods", "[avail]") {
  unsigned closed = 0;
  for (const CubeBox& grid : {CubeBox{2, 2, 2}, CubeBox{1, 2, 4}, CubeBox{2, 2, 3}}) {
    for (unsigned k = 1; k <= grid.volume(); ++k) {
      const auto shape = slice_shape(k, grid);
      if (!shape) continue;
      const BlockPacker bp(grid, *shape);
      const auto cf = closed_noocs_goodput(bp, 0.85);
      const auto fit = closed_noocs_fit(bp, 0.85);
      CAPTURE(grid.str(), k);
      const Exact e = enumerate(grid, *shape, 0.85);
      CHECK(closed_ocs_goodput(grid.volume(), 0.85, k) == Approx(e.ocs).epsilon(1e-12));
      if (cf) CHECK(*cf == Approx(e.noocs).epsilon(1e-9));
      if (fit) CHECK(*fit == Approx(e.noocs_fit).epsilon(1e-9));
      closed += cf.has_value();
    }
  }
  INFO("closed forms checked: " << closed);
  CHECK(closed >= 12);
}

TEST_CASE("Monte Carlo agrees with every closed form within four standard errors", "[avail]") {
  AvailConfig c = small_config();
  c.seed = GENERATE(1u, 7u);
  CAPTURE(c.seed);
  const auto res = run_availability(c);
  const double n = static_cast<double>(c.trials);
  unsigned noocs_closed = 0;
  for (const auto& pt : res.points) {
    CAPTURE(pt.host_availability, pt.slice_chips);
    const double se_ocs = std::sqrt(closed_ocs_goodput_variance(64, pt.rack_availability, pt.cubes) / n);
    CHECK(std::abs(pt.ocs.mean - pt.ocs_closed) <= 4 * se_ocs + 1e-12);
    const double f = pt.ocs_fit_closed;
    CHECK(std::abs(pt.ocs_fit.mean - f) <= 4 * std::sqrt(f * (1 - f) / n) + 1e-12);
    if (pt.noocs_closed) {
      // a goodput in [0, 1] with mean m has variance at most m (1 - m) (Bhatia-Davis)
      const double m = *pt.noocs_closed;
      CHECK(std::abs(pt.noocs.mean - m) <= 4 * std::sqrt(m * (1 - m) / n) + 1e-12);
      ++noocs_closed;
    }
    if (pt.noocs_fit_closed) {
      const double g = *pt.noocs_fit_closed;
      CHECK(std::abs(pt.noocs_fit.mean - g) <= 4 * std::sqrt(g * (1 - g) / n) + 1e-12);
    }
    CHECK(pt.search_unfinished == 0);
  }
  CHECK(noocs_closed == 3 * 3); // 64, 2048 and 4096 chips at each availability
}

TEST_CASE("with OCS every trial runs at least as many chips as without", "[avail]") {
  // the run counts trials where the contiguous packer beats floor(H/k): there must be none
  AvailConfig c = small_config();
  c.trials = 2000;
  c.host_availability = {0.97, 0.99};
  c.slice_chips = {64, 128, 192, 256, 512, 768, 1024, 2048, 3072, 4096};
  for (Packer p : {Packer::optimal, Packer::first_fit}) {
    c.packer = p;
    for (const auto& pt : run_availability(c).points) {
      CAPTURE(pt.host_availability, pt.slice_chips, packer_name(p));
      CHECK(pt.dominance_violations == 0);
      CHECK(pt.ocs.mean >= pt.noocs.mean);
    }
  }
  // and directly on random rack states, including badly broken pods
  std::mt19937_64 rng(3);
  const CubeBox g{4, 4, 4};
  for (unsigned k : {2u, 4u, 8u, 16u, 32u}) {
    const BlockPacker bp(g, *slice_shape(k, g));
    for (int t = 0; t < 2000; ++t) {
      const std::uint64_t h = (rng() & rng()) | rng(); // about 5/8 of the racks healthy
      const auto healthy = static_cast<unsigned>(__builtin_popcountll(h));
      const unsigned opt = bp.optimal(h), ff = bp.first_fit(h);
      REQUIRE(opt <= ocs_slices(healthy, k));
      REQUIRE(ff <= opt);
    }
  }
}

TEST_CASE("goodput grows with host availability", "[avail]") {
  // closed form on a fine grid of availabilities
  for (unsigned k : {1u, 2u, 8u, 32u, 64u}) {
    double last = -1;
    for (double a = 0.98; a <= 1.0 + 1e-12; a += 0.0005) {
      const double g = closed_ocs_goodput(64, rack_availability(std::min(a, 1.0), 16), k);
      CHECK(g >= last - 1e-15);
      last = g;
    }
  }
  // Monte Carlo: common random numbers make each trial's healthy set grow with a, and the optimal
  // packing of a larger set is never smaller, so the means are monotone exactly, not just within CI
  AvailConfig c = small_config();
  c.trials = 5000;
  c.host_availability = {0.98, 0.99, 0.995, 0.999, 1.0};
  const auto res = run_availability(c);
  const std::size_t ns = c.slice_chips.size();
  for (std::size_t i = 1; i < c.host_availability.size(); ++i)
    for (std::size_t j = 0; j < ns; ++j) {
      const auto& lo = res.points[(i - 1) * ns + j];
      const auto& hi = res.points[i * ns + j];
      CAPTURE(lo.host_availability, hi.host_availability, hi.slice_chips);
      CHECK(hi.ocs.mean >= lo.ocs.mean);
      CHECK(hi.noocs.mean >= lo.noocs.mean);
      CHECK(hi.ocs_closed >= lo.ocs_closed);
    }
}

TEST_CASE("drawing hosts and drawing racks give the same goodput within the confidence intervals", "[avail]") {
  AvailConfig c = small_config();
  c.host_availability = {0.99, 0.999};
  c.draw = Draw::hosts;
  const auto hosts = run_availability(c);
  c.draw = Draw::racks;
  c.seed = 2;
  const auto racks = run_availability(c);
  for (std::size_t i = 0; i < hosts.points.size(); ++i) {
    const auto& h = hosts.points[i];
    const auto& r = racks.points[i];
    CAPTURE(h.host_availability, h.slice_chips);
    const double se_ocs = std::hypot(h.ocs.std_error(), r.ocs.std_error());
    const double se_noocs = std::hypot(h.noocs.std_error(), r.noocs.std_error());
    CHECK(std::abs(h.ocs.mean - r.ocs.mean) <= 4 * se_ocs + 1e-4);
    CHECK(std::abs(h.noocs.mean - r.noocs.mean) <= 4 * se_noocs + 1e-4);
  }
}

TEST_CASE("a seed gives the same numbers whatever else is in the availability and size lists", "[avail]") {
  AvailConfig a = small_config(), b = small_config();
  a.trials = b.trials = 3000;
  a.host_availability = {0.99};
  a.slice_chips = {512};
  b.host_availability = {0.995, 0.99, 0.999};
  b.slice_chips = {64, 512, 4096};
  const auto ra = run_availability(a), rb = run_availability(b);
  const auto& pa = ra.points[0];
  const auto& pb = rb.points[1 * 3 + 1]; // 0.99, 512
  REQUIRE(pb.host_availability == 0.99);
  REQUIRE(pb.slice_chips == 512);
  CHECK(pa.ocs.mean == pb.ocs.mean);
  CHECK(pa.noocs.mean == pb.noocs.mean);
  CHECK(pa.noocs.ci95 == pb.noocs.ci95);
  a.seed = 2;
  CHECK(run_availability(a).points[0].ocs.mean != pa.ocs.mean);
}
