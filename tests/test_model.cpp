// The analytic model (sim/model): topology metrics against hand-computed values and against
// brute force (BFS from every chip, every route walked, every balanced cut of small shapes),
// the collective formulas against hand-worked cases, the compute model against the RTL's
// published measurements and TPU v4 facts, and the embedded calibration's error table.
#include "calibration.hpp"
#include "collective_model.hpp"
#include "compute_model.hpp"
#include "routing.hpp"
#include "topology_metrics.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <random>

using namespace phtpu;
using model::TopologyMetrics;
using net::Topology;
using phext::Vec3;

namespace {

// Every balanced bipartition (chip 0 on side A): the exact minimum bisection.
unsigned brute_bisection(const Topology& t) {
  const unsigned n = t.nodes();
  REQUIRE(n <= 16);
  unsigned best = UINT_MAX;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (!(mask & 1u) || static_cast<unsigned>(__builtin_popcount(mask)) != n / 2) continue;
    std::vector<bool> side(n);
    for (unsigned i = 0; i < n; ++i) side[i] = (mask >> i) & 1u;
    best = std::min(best, model::cut_links(t, side));
  }
  return best;
}

// Shapes checked by brute force, tori and meshes, twisted included.
std::vector<Topology> brute_shapes() {
  return {Topology::mesh({2, 2, 2}), Topology::mesh({2, 4, 4}), Topology::mesh({1, 2, 2}), Topology::torus({2, 2, 2}),
          Topology::torus({2, 2, 4}), Topology::torus({2, 2, 4}, true), Topology::torus({2, 4, 4}, true),
          Topology::torus({4, 4, 4}), Topology::torus({4, 4, 8}), Topology::torus({4, 4, 8}, true)};
}

model::Machine ideal_machine() {
  model::Machine m; // no latency, no step cost, no header, no credit limit: pure bandwidth
  m.cube = 4;
  m.link_bytes_per_cycle = 16;
  m.header_fraction = 0;
  m.electrical_latency = m.optical_latency = 0;
  m.router_cycles = 0;
  m.credit_flits = 0;
  m.chip_cycles_per_byte = 1.0 / 16;
  m.step_cycles = 0;
  m.alltoall_efficiency = 1;
  return m;
}

} // namespace

TEST_CASE("topology metrics match hand-computed values", "[model][topology]") {
  // 16x16x16 (the full pod as one slice): a ring of 16 has distances 0,1..8,7..1 (sum 64), so
  // the sum from one chip is 3 x 16^2 x 64; the bisection is two planes of 16 x 16 links.
  const TopologyMetrics full = model::compute_metrics(Topology::torus({16, 16, 16}));
  CHECK(full.nodes == 4096);
  CHECK(full.diameter == 24);
  CHECK(full.avg_hops == Approx(3.0 * 256 * 64 / 4095));
  CHECK(full.bisection_links == 512);
  CHECK(full.links == 3 * 4096);
  // docs/references.md §T4: 512 links x 50 GB/s = 25.6 TB/s (the Cloud doc says 24 TB/s)
  CHECK(full.bisection_links * 50e9 == Approx(25.6e12));

  const TopologyMetrics cube = model::compute_metrics(Topology::torus({4, 4, 4}));
  CHECK(cube.diameter == 6);
  CHECK(cube.bisection_links == 32);

  // 4x4x8: a +z link carries the pairs 1, 2, 3 and 4 (the tie goes +) hops apart along z, for 16
  // (x, y) offsets: 16 x (1+2+3+4) = 160; -z: 16 x (1+2+3) = 96; +x: 32 x (1+2) = 96.
  const TopologyMetrics r = model::compute_metrics(Topology::torus({4, 4, 8}));
  CHECK(r.pair_load[4] == 160);
  CHECK(r.pair_load[5] == 96);
  CHECK(r.pair_load[0] == 96);
  CHECK(r.max_pair_load == 160);
  CHECK(r.diameter == 8);
  CHECK(r.bisection_links == 32);
  CHECK(r.uniform_saturation == Approx(127.0 / 160));

  // Twisted 4x4x8: the cuts across x or y still cross two planes of 4 x 8 links (64); the cut
  // across z, the regular torus's narrowest (32), now also crosses every x wrap and every y wrap
  // (each lands 4 along z): 32 + 32 + 32 = 96. So the bisection doubles, 32 -> 64.
  const TopologyMetrics tw = model::compute_metrics(Topology::torus({4, 4, 8}, true));
  CHECK(tw.bisection_links == 64);
  CHECK(tw.bisection_dim != 2);
  CHECK(tw.diameter < r.diameter);
  CHECK(tw.avg_hops < r.avg_hops);

  // Meshes below a cube: 1x1x2 has one link; 2x4x4 is cut across y or z through 2 x 4 links.
  CHECK(model::compute_metrics(Topology::mesh({1, 1, 2})).bisection_links == 1);
  const TopologyMetrics m244 = model::compute_metrics(Topology::mesh({2, 4, 4}));
  CHECK(m244.bisection_links == 8);
  CHECK(m244.diameter == 7);
  CHECK(model::compute_metrics(Topology::mesh({1, 1, 1})).bisection_links == 0);
}

TEST_CASE("distances and link loads agree with brute force on every chip pair", "[model][topology]") {
  for (const Topology& t : brute_shapes()) {
    INFO(t.describe());
    const TopologyMetrics m = model::compute_metrics(t);
    // BFS from every chip (the metrics search one chip of a torus only)
    unsigned diameter = 0;
    double sum = 0;
    for (unsigned s = 0; s < t.nodes(); ++s)
      for (unsigned d : net::bfs_distances(t, t.position(s))) {
        diameter = std::max(diameter, d);
        sum += d;
      }
    CHECK(m.diameter == diameter);
    CHECK(m.avg_hops == Approx(sum / (double(t.nodes()) * (t.nodes() - 1))));
    // routing is minimal: routed hops average the BFS distance
    CHECK(m.avg_route_hops == Approx(m.avg_hops));
    // every route walked: the busiest link of each direction; on a torus every link alike
    const auto load = model::all_pairs_link_load(t);
    const bool torus = t.wraps(0);
    for (unsigned p = 0; p < 6; ++p) {
      std::uint32_t hi = 0, lo = UINT32_MAX;
      for (unsigned i = 0; i < t.nodes(); ++i) {
        if (!t.neighbor(t.position(i), static_cast<net::Port>(p))) continue;
        hi = std::max(hi, load[i * 6 + p]);
        lo = std::min(lo, load[i * 6 + p]);
      }
      if (hi == 0) continue;
      CHECK(m.pair_load[p] == hi);
      if (torus) CHECK(lo == hi);
    }
  }
}

TEST_CASE("the plane-cut bisection is the true minimum on small shapes", "[model][topology]") {
  // every balanced cut of every shape of up to 16 chips, twisted ones included
  for (const Topology& t : {Topology::mesh({2, 2, 2}), Topology::mesh({1, 2, 4}), Topology::mesh({2, 2, 4}),
                            Topology::torus({2, 2, 2}), Topology::torus({2, 2, 4}), Topology::torus({2, 2, 4}, true),
                            Topology::torus({1, 4, 4}), Topology::torus({1, 2, 2}, true), Topology::torus({2, 4, 2})}) {
    INFO(t.describe());
    CHECK(model::compute_metrics(t).bisection_links == brute_bisection(t));
  }
}

TEST_CASE("translation is the topology's symmetry", "[model][topology]") {
  std::mt19937_64 rng(7);
  for (const Topology& t : {Topology::torus({4, 4, 8}, true), Topology::torus({4, 8, 8}, true), Topology::torus({4, 4, 8})}) {
    INFO(t.describe());
    // a unit step is the link
    for (unsigned i = 0; i < t.nodes(); ++i)
      for (int d = 0; d < 3; ++d) {
        Vec3 e{0, 0, 0};
        e[d] = 1;
        CHECK(t.translate(t.position(i), e) == *t.neighbor(t.position(i), net::port_of(d, 1)));
      }
    // the route p -> p + delta takes the ports of the route 0 -> delta
    for (int k = 0; k < 200; ++k) {
      const Vec3 p = t.position(static_cast<unsigned>(rng() % t.nodes()));
      const Vec3 delta = t.position(static_cast<unsigned>(rng() % t.nodes()));
      const auto a = net::route(t, {0, 0, 0}, delta, 2), b = net::route(t, p, t.translate(p, delta), 2);
      REQUIRE(a.size() == b.size());
      for (std::size_t h = 0; h < a.size(); ++h) CHECK(a[h].hop.port == b[h].hop.port);
    }
  }
}

TEST_CASE("ring collectives follow the hand-worked bandwidth formula", "[model][collective]") {
  // Pure bandwidth: every step is bound by the chip's 16 B/cycle, the rings move W(1 - 1/N) per
  // chip in the reduce-scatter and again in the all-gather.
  const model::Machine m = ideal_machine();
  const double w = 65536;
  const Topology t = Topology::torus({4, 4, 4});
  const auto ar = model::estimate(model::Collective::AllReduce, t, w, m);
  CHECK(ar.cycles == Approx(2 * w * 63 / 64 / 16));
  CHECK(ar.steps == 18);
  CHECK(model::estimate(model::Collective::ReduceScatter, t, w, m).cycles == Approx(w * 63 / 64 / 16));
  CHECK(model::estimate(model::Collective::AllGather, t, w, m).cycles == Approx(w * 63 / 64 / 16));
  // bus bandwidth: 2 (N-1)/N x W / T = 16 B/cycle, the chip's rate
  CHECK(ar.busbw / m.clock_hz == Approx(16));
  // a step cost and latency add per step
  model::Machine m2 = m;
  m2.step_cycles = 10;
  CHECK(model::estimate(model::Collective::AllReduce, t, w, m2).cycles == Approx(ar.cycles + 18 * 10));
  // a single chip has nothing to do
  CHECK(model::estimate(model::Collective::AllReduce, Topology::mesh({1, 1, 1}), w, m).cycles == 0);
}

TEST_CASE("links shared by rings slow the step: the regular 2-ring sends both halves one way", "[model][collective]") {
  // On a regular ring of 2 the route to the predecessor is the route to the successor (the tie
  // goes +), so both halves cross one link: 2 chunks at the link's rate. A twisted 2x2x4 routes
  // them apart. With the chip fast, the link decides.
  model::Machine m = ideal_machine();
  m.chip_cycles_per_byte = 0;
  m.cube = 2;
  const double w = 4096;
  const auto g = model::step_groups(model::Collective::ReduceScatter, Topology::torus({2, 2, 4}), w, m);
  REQUIRE(g.size() == 3);
  // x phase: chunk = W/4; both halves of a chip on one link: 2 x W/4 / 16 cycles
  CHECK(g[0].link_cycles == Approx(2 * (w / 4) / 16));
  // z phase (ring of 4): each link carries one chunk of (W/4)/8
  CHECK(g[2].link_cycles == Approx((w / 4) / 8 / 16));
}

TEST_CASE("the all-to-all steps agree with routing every chip's transfer", "[model][collective]") {
  // The model uses the translation shortcut (the route 0 -> delta); here every chip's route of
  // every step is walked and the busiest link of each step taken.
  const model::Machine m = ideal_machine();
  for (const Topology& t : {Topology::torus({4, 4, 8}), Topology::torus({4, 4, 8}, true), Topology::torus({4, 4, 4})}) {
    INFO(t.describe());
    const double w = 128.0 * t.nodes(), block = w / t.nodes();
    double sum = 0;
    for (unsigned k = 1; k < t.nodes(); ++k) {
      std::vector<double> load(t.nodes() * 6, 0);
      for (unsigned i = 0; i < t.nodes(); ++i) {
        const Vec3 p = t.position(i);
        for (const auto& h : net::route(t, p, t.translate(p, t.position(k)), 2))
          if (h.hop.port != net::Port::Local) load[t.index(h.node) * 6 + static_cast<unsigned>(h.hop.port)] += 1;
      }
      sum += block * std::max(1.0, *std::max_element(load.begin(), load.end())) / 16;
    }
    const auto g = model::step_groups(model::Collective::AllToAll, t, w, m);
    REQUIRE(g.size() == 1);
    CHECK(g[0].link_cycles == Approx(sum));
    // never below the channel-load bound
    CHECK(g[0].link_cycles >= block * model::compute_metrics(t).max_pair_load / 16 - 1e-9);
  }
}

TEST_CASE("compute model: the RTL's measured MXU cycles and TPU v4 peak", "[model][compute]") {
  // docs/PERF.md "MXU tile": measured on the RTL by phtpu mxu / phtpu_bench_mxu
  CHECK(model::mxu_tile_cycles(1024, 64, 64, 8) == 65565);
  CHECK(model::mxu_tile_cycles(1024, 128, 128, 16) == 65589);
  CHECK(model::mxu_tile_cycles(1024, 32, 32, 4) == 65553);
  CHECK(model::mxu_tile_cycles(1024, 32, 32, 8) == 16413);
  CHECK(model::mxu_tile_cycles(1024, 128, 128, 32) == 16485);
  // docs/references.md §T1: 8 MXUs x 128 x 128 x 2 FLOP x 1.05 GHz = 275.25 TFLOP/s
  const auto e = model::mxu_gemm(8192, 8192, 8192, model::MxuConfig{});
  CHECK(e.peak_flops_per_s == Approx(275.25e12));
  CHECK(e.utilization > 0.99);
  CHECK(e.utilization < 1.0);
  // SparseCore: 8 elements per cycle per tile, 64 tiles per chip
  const model::SparseCoreConfig sc;
  const auto s = model::sparsecore_rate(16, 4, 1.0, 1, sc);
  CHECK(s.compute_bound == Approx(0.5 * 0.984 * 64 * 1.05e9));
  CHECK(s.hbm_bound == Approx(1200e9 / 64));
  CHECK(s.bound == "hbm");
  CHECK(model::sparsecore_rate(16, 4, 1.0, 64, sc).ici_bound == Approx(270e9 / (64 * 63.0 / 64)));
}

TEST_CASE("the embedded calibration holds its stated tolerance", "[model][calibration]") {
  const model::Calibration& cal = model::default_calibration();
  REQUIRE(cal.points.size() >= 48);
  // at least four shapes, a twisted one among them
  std::vector<std::string> shapes;
  for (const auto& p : cal.points)
    if (std::find(shapes.begin(), shapes.end(), p.m.shape) == shapes.end()) shapes.push_back(p.m.shape);
  CHECK(shapes.size() >= 4);
  CHECK(std::any_of(shapes.begin(), shapes.end(), [](const std::string& s) { return s.find("twisted") != std::string::npos; }));
  // the ring collectives within 5 % everywhere, held-out shapes included (docs/model.md)
  for (auto c : {model::Collective::AllReduce, model::Collective::ReduceScatter, model::Collective::AllGather})
    CHECK(cal.max_error(c) <= 0.05);
  // the all-to-all's error is larger and stated (docs/model.md): hold it to what it is
  CHECK(cal.max_error(model::Collective::AllToAll) <= 0.30);
  CHECK(cal.share_within(0.05) >= 0.75);
  // a step costs a few cycles (DMA issue, semaphore wait), not tens
  CHECK(cal.machine.step_cycles > 0);
  CHECK(cal.machine.step_cycles < 20);
  // fit shapes without measurements of a fitted kind are refused, not fitted to nothing
  CHECK_THROWS_WITH(model::calibrate(model::parse_calibration(model::embedded_calibration_json()), {"8x8x8"}),
                    Catch::Contains("no ring-collective measurement"));
  // the TPU v4 machine carries the calibrated values over
  const model::Machine v4 = model::tpu_v4_machine(cal);
  CHECK(v4.alltoall_efficiency == cal.machine.alltoall_efficiency);
  CHECK(v4.link_bytes_per_cycle * v4.clock_hz == Approx(45e9));
}

TEST_CASE("bad shapes and calibration files give one-line errors", "[model]") {
  CHECK_THROWS_WITH(model::parse_topology("4x4x6", 4), Catch::Contains("multiple of 4"));
  CHECK_THROWS_WITH(model::parse_topology("4x4x4:twisted", 4), Catch::Contains("twisted torus needs"));
  CHECK_THROWS_WITH(model::parse_topology("2x2x2:t", 4), Catch::Contains("cannot be twisted"));
  CHECK_THROWS_WITH(model::parse_topology("4x4x8:x", 4), Catch::Contains("twisted' or 'regular"));
  CHECK_THROWS_AS(model::parse_topology("4x4", 4), std::invalid_argument);
  CHECK_THROWS_WITH(model::parse_topology("1020x1020x1020", 4), Catch::Contains("a TPU v4 pod has 4096"));
  CHECK(model::parse_topology("4x4x256", 4).nodes() == 4096);
  CHECK(model::parse_topology("2x4x4", 4).wraps(0) == false);
  CHECK(model::parse_topology("8x8x16:t", 4).twist() == net::Twist::NN2N);
  CHECK_THROWS_WITH(model::parse_calibration("{"), Catch::Contains("calibration data"));
  CHECK_THROWS_WITH(model::parse_calibration(R"({"electrical_latency":1,"optical_latency":4,"measurements":[]})"),
                    Catch::Contains("no measurements"));
  CHECK_THROWS_WITH(collective_from_name("broadcast"), Catch::Contains("unknown collective"));
  // the pod runs scatter, the model does not predict it: refused, not priced as something else
  CHECK_THROWS_WITH(model::estimate(Collective::Scatter, Topology::torus({4, 4, 4}), 4096, ideal_machine()),
                    Catch::Contains("does not cover scatter"));
}
