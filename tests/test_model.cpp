// The model (sim/model): topology metrics against hand-computed values and against brute force
// (BFS from every chip, every route walked, every balanced cut of small shapes), the analytic
// collective formulas against hand-worked cases and brute-force link loads, the network model
// against hand-worked timelines, the schedules against the routing oracle, the compute model
// against the RTL's published measurements and TPU v4 facts, the embedded calibration's
// structure and the TPU v4 machine against the published figures. (The model against the live
// RTL: tests/test_model_calibration.cpp.)
#include "calibration.hpp"
#include "collective_model.hpp"
#include "compute_model.hpp"
#include "link_model.hpp"
#include "rtl_params.hpp"
#include "model_schedules.hpp"
#include "network_sim.hpp"
#include "routing.hpp"
#include "topology_metrics.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <random>
#include <set>

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
  model::Machine m; // no latency, no step or issue cost, no header, no credit limit: pure bandwidth
  m.cube = 4;
  m.link_bytes_per_cycle = 16;
  m.header_bytes = 0;
  m.electrical_latency = m.optical_latency = 0;
  m.router_cycles = 0;
  m.credit_flits = 0;
  m.host_cycles_per_transfer = 0;
  m.lane_cycles_per_byte = 1.0 / 16;
  m.memory_cycles_per_byte = 0;
  m.step_cycles = 0;
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
  // Pure bandwidth: every step is bound by a chip's 16 B/cycle. Sequential (one lane): both
  // halves from one DMA and into one receive path, so each half's W/2 (1 - 1/N) bytes go at
  // 8 B/cycle: W (1 - 1/N) / 16 per half of the all-reduce.
  const model::Machine m = ideal_machine();
  const double w = 65536;
  const Topology t = Topology::torus({4, 4, 4});
  const auto ar = model::analytic_estimate(model::Collective::AllReduce, t, w, m, model::Algorithm::Sequential);
  CHECK(ar.cycles == Approx(2 * w * 63 / 64 / 16));
  CHECK(ar.steps == 18);
  CHECK(model::analytic_estimate(model::Collective::ReduceScatter, t, w, m).cycles == Approx(w * 63 / 64 / 16));
  CHECK(model::analytic_estimate(model::Collective::AllGather, t, w, m).cycles == Approx(w * 63 / 64 / 16));
  // bus bandwidth: 2 (N-1)/N x W / T = 16 B/cycle, the chip's rate
  CHECK(ar.busbw / m.clock_hz == Approx(16));
  // a step cost adds per step
  model::Machine m2 = m;
  m2.step_cycles = 10;
  CHECK(model::analytic_estimate(model::Collective::AllReduce, t, w, m2, model::Algorithm::Sequential).cycles ==
        Approx(ar.cycles + 18 * 10));
  // Concurrent on six lanes: six parts of W/6, each on its own link, send lane and receive lane,
  // so each part's W/6 (1 - 1/N) bytes go at 16 B/cycle; the reduce-scatter adds two steps of
  // one-word tokens between its phases (16 bytes: one cycle each).
  model::Machine six = m;
  six.send_lanes = six.receive_lanes = 6;
  const auto c = model::analytic_estimate(model::Collective::AllReduce, t, w, six);
  CHECK(c.algorithm == model::Algorithm::Concurrent);
  CHECK(c.cycles == Approx(2 * (w / 6) * 63 / 64 / 16 + 2));
  CHECK(c.steps == 18 + 2);
  CHECK(model::analytic_estimate(model::Collective::AllGather, t, w, six).cycles == Approx((w / 6) * 63 / 64 / 16));
  // the same six parts from one lane: the six sends of a step go one after the other
  const auto c1 = model::analytic_estimate(model::Collective::AllGather, t, w, m, model::Algorithm::Concurrent);
  CHECK(c1.cycles == Approx(6 * (w / 6) * 63 / 64 / 16));
  // a single chip has nothing to do
  CHECK(model::analytic_estimate(model::Collective::AllReduce, Topology::mesh({1, 1, 1}), w, m).cycles == 0);
}

TEST_CASE("a transfer's wire bytes and a link's credit-limited rate", "[model][collective]") {
  model::Machine m = ideal_machine();
  m.header_bytes = 16;
  // one 16-byte head per packet of up to 256 bytes
  CHECK(model::wire_bytes(m, 16) == 32);
  CHECK(model::wire_bytes(m, 256) == 272);
  CHECK(model::wire_bytes(m, 272) == 272 + 32);
  CHECK(model::wire_bytes(m, 0) == 0);
  // 8 credits over a loop of 2L + 2 cycles: 4-cycle links carry 0.8 of a flit per cycle, 1-cycle links all
  m.credit_flits = 8;
  m.credit_extra = 2;
  CHECK(model::link_rate(m, 4) == Approx(16 * 0.8));
  CHECK(model::link_rate(m, 1) == Approx(16));
  m.credit_flits = 0; // unlimited
  CHECK(model::link_rate(m, 4) == Approx(16));
}

TEST_CASE("the analytic all-to-all is the channel load of every route and the lanes' and receivers' bytes", "[model][collective]") {
  // Brute force: every pair's route walked (model::all_pairs_link_load), every route from chip
  // 0 counted by its first hop, every route into chip 0 by its last.
  for (const Topology& t : {Topology::torus({4, 4, 8}), Topology::torus({4, 4, 8}, true), Topology::torus({4, 4, 4})}) {
    INFO(t.describe());
    const unsigned n = t.nodes();
    const double block = 256, w = block * n;
    const auto load = model::all_pairs_link_load(t);
    const double busiest = *std::max_element(load.begin(), load.end());
    std::array<double, 6> first{}, last{};
    for (unsigned k = 1; k < n; ++k) {
      const auto out = net::route(t, {0, 0, 0}, t.position(k), 2);
      first[static_cast<unsigned>(out.front().hop.port)] += 1;
      const auto in = net::route(t, t.position(k), {0, 0, 0}, 2);
      last[static_cast<unsigned>(net::opposite(in[in.size() - 2].hop.port))] += 1;
    }
    // one lane: every block from one DMA and into one receive path
    model::Machine m = ideal_machine();
    const auto one = model::analytic_estimate(model::Collective::AllToAll, t, w, m, model::Algorithm::Translate);
    CHECK(one.cycles == Approx(std::max(busiest, double(n - 1)) * block / 16));
    // six lanes: each block from the lane of its first hop, into the lane of its last
    m.send_lanes = m.receive_lanes = 6;
    const auto six = model::analytic_estimate(model::Collective::AllToAll, t, w, m, model::Algorithm::Lanes);
    const double lanes = std::max(*std::max_element(first.begin(), first.end()), *std::max_element(last.begin(), last.end()));
    CHECK(six.cycles == Approx(std::max(busiest, lanes) * block / 16));
    // twisting shortens the busiest link's queue: never slower than the regular torus
  }
  const model::Machine m = ideal_machine();
  const double w = 64.0 * 128;
  CHECK(model::analytic_estimate(model::Collective::AllToAll, Topology::torus({4, 4, 8}, true), w, m).cycles <
        model::analytic_estimate(model::Collective::AllToAll, Topology::torus({4, 4, 8}), w, m).cycles);
}

namespace {
/// A network-model run of hand-made programs on `t` with the RTL's design values.
model::NetSimResult net_run(const Topology& t, unsigned cube, const std::vector<std::vector<model::SimOp>>& progs,
                            unsigned lanes = 1) {
  model::NetSimConfig c;
  c.cube = cube;
  c.send_lanes = c.receive_lanes = lanes;
  return model::simulate_network(t, c, progs);
}
} // namespace

TEST_CASE("network model: one transfer's timeline and a stream's rate by hand", "[model][network]") {
  // One chip (x = 0) sends w words to x = 1 across an electrical link (4x4x4 of 4x4x4 cubes).
  // Timeline (edges): 1 the host writes the destination, 2 pushes the command, 3 the DMA takes
  // the packet's descriptor, 4 the head enters the router's local input; the first word is
  // read at 4 and enters at 6 (one cycle of memory latency, one of the reader's FIFO), the
  // others one per edge; a flit leaves a router the edge after it entered and reaches the next
  // L edges later (L = 1), the receive FIFO one edge after the last router, the dispatcher
  // takes it the edge after that, and the pod is quiet one edge later. So the last of f flits
  // (w + one head per 16 words) leaves the chip at edge 5 + w... arriving: w + 1 + 10 = f + 10
  // for one packet; a second packet's head follows its first without a gap.
  const Topology t = Topology::torus({4, 4, 4});
  for (unsigned w : {1u, 2u, 5u, 16u, 17u, 32u, 64u}) {
    std::vector<std::vector<model::SimOp>> p(t.nodes());
    p[0] = {model::SimOp::job(1, w)};
    const auto r = net_run(t, 4, p);
    CAPTURE(w);
    CHECK(r.cycles == w + (w + 15) / 16 + 10);
    CHECK(r.packets == (w + 15) / 16);
    CHECK(r.link_flits_max == w + (w + 15) / 16);
  }
  // a stream: R packets of 16 words back to back, one flit per cycle after the first bubble
  std::vector<std::vector<model::SimOp>> p(t.nodes());
  for (int k = 0; k < 20; ++k) p[0].push_back(model::SimOp::job(1, 16));
  CHECK(net_run(t, 4, p).cycles == 20 * 17 + 10);
  // the same stream across an optical link (x = 3 -> x = 0, the wrap, latency 4): a VC's 8
  // credits come back every 2L + 2 = 10 cycles, so 0.8 of a flit per cycle
  std::vector<std::vector<model::SimOp>> q(t.nodes());
  for (int k = 0; k < 20; ++k) q[3].push_back(model::SimOp::job(0, 16));
  const double oc = double(net_run(t, 4, q).cycles);
  CHECK(oc >= 20 * 17 / 0.8);
  CHECK(oc <= 20 * 17 / 0.8 + 20);
}

TEST_CASE("network model: receivers and waits and lanes by hand", "[model][network]") {
  const Topology t = Topology::torus({4, 4, 4});
  // a gather: six neighbours send 16 words each to chip 0 at once; one receive path takes one
  // flit per cycle, so 6 x 17 flits take at least 102 cycles; its dispatcher takes one packet
  // at a time while the router interleaves two (one per VC), which costs some of the lone
  // transfer's 27 cycles on top, not more
  std::vector<std::vector<model::SimOp>> g(t.nodes());
  for (int p = 0; p < 6; ++p) g[t.index(*t.neighbor({0, 0, 0}, static_cast<net::Port>(p)))] = {model::SimOp::job(0, 16)};
  const auto gr = net_run(t, 4, g);
  CHECK(gr.cycles >= 6 * 17);
  CHECK(gr.cycles <= 6 * 17 + 27);
  // with a receive lane per link the six arrive side by side: a lone transfer's time, plus the
  // host's two writes per command (the last command goes out ten cycles after the first)
  std::vector<std::vector<model::SimOp>> g6 = g;
  const auto gr6 = net_run(t, 4, g6, 6);
  CHECK(gr6.cycles < gr.cycles);
  // waits: chip 1 answers chip 0's 16 words with 16 of its own once they are in (counter 0):
  // the answer starts one edge after the last word is counted, so the exchange takes the two
  // transfers' times less the overlap of the host's writes (which chip 1 does while it waits)
  std::vector<std::vector<model::SimOp>> pp(t.nodes());
  pp[0] = {model::SimOp::job(1, 16, 0, 0)};
  pp[1] = {model::SimOp::wait(0, 16), model::SimOp::job(0, 16, 0, 0)};
  const auto one = net_run(t, 4, {[&] {
                                   std::vector<std::vector<model::SimOp>> x(t.nodes());
                                   x[0] = {model::SimOp::job(1, 16)};
                                   return x;
                                 }()})
                       .cycles;
  const auto two = net_run(t, 4, pp).cycles;
  CHECK(two > one);
  CHECK(two < 2 * one);
  // a wait that never holds is an error, not a hang
  std::vector<std::vector<model::SimOp>> never(t.nodes());
  never[0] = {model::SimOp::wait(3, 1)};
  CHECK_THROWS_WITH(net_run(t, 4, never), Catch::Contains("nothing moved"));
  // six lanes: chip 0 sends 20 packets of 16 words to each of its six neighbours, each from the
  // lane of its link: the lanes run side by side at one flit per cycle (17 x 20 cycles), the
  // host's issue (two writes per command) staggers them by at most 2 x 5 cycles; one lane sends
  // all 120 packets one after another
  std::vector<std::vector<model::SimOp>> l6(t.nodes()), l1(t.nodes());
  for (int k = 0; k < 20; ++k)
    for (unsigned p = 0; p < 6; ++p) {
      const unsigned dst = t.index(*t.neighbor({0, 0, 0}, static_cast<net::Port>(p)));
      l6[0].push_back(model::SimOp::job(dst, 16, p));
      l1[0].push_back(model::SimOp::job(dst, 16, 0));
    }
  const auto r6 = net_run(t, 4, l6, 6), r1 = net_run(t, 4, l1, 1);
  // (the three ports through the cube's faces are optical: 0.8 of a flit per cycle)
  CHECK(r6.cycles >= 20 * 17 / 0.8);
  CHECK(r6.cycles <= 20 * 17 / 0.8 + 10 + 14);
  CHECK(r1.cycles >= 120 * 17);
  // programs the chip cannot run are refused
  std::vector<std::vector<model::SimOp>> bad(t.nodes());
  bad[0] = {model::SimOp::job(1, 16, 3)};
  CHECK_THROWS_WITH(net_run(t, 4, bad), Catch::Contains("cannot send"));
  bad[0] = {model::SimOp::job(0, 16)};
  CHECK_THROWS_WITH(net_run(t, 4, bad), Catch::Contains("cannot send"));
}

TEST_CASE("network model: a translation loads every link of its direction alike", "[model][network]") {
  // every chip of a torus sends R blocks to p + (1, 0, 0): every +x link carries R packets,
  // nothing else moves
  const Topology t = Topology::torus({4, 4, 8});
  std::vector<std::vector<model::SimOp>> p(t.nodes());
  for (unsigned i = 0; i < t.nodes(); ++i)
    for (int k = 0; k < 5; ++k) p[i].push_back(model::SimOp::job(t.index(t.translate(t.position(i), {1, 0, 0})), 4));
  const auto r = net_run(t, 4, p);
  CHECK(r.packets == 5 * t.nodes());
  CHECK(r.link_flits_max == 5 * 5);
  // 128 chips x 6 links; 128 of them carry 25 flits
  CHECK(r.link_flits_mean == Approx(128.0 * 25 / (128 * 6)));
}

TEST_CASE("network model: its budget extrapolates or refuses a run, and a long run reports progress", "[model][network]") {
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  const model::Machine m = model::rtl_machine(set, 4);
  using model::Collective;
  // the full pod's all-to-all: one word per block is its smallest run, so a budget below it is
  // refused, with the option that raises it named
  const Topology pod = Topology::torus({16, 16, 16});
  model::NetworkLimits small;
  small.budget_seconds = 1;
  CHECK(!model::network_affordable(Collective::AllToAll, pod, 65536, m, model::Algorithm::Default, small));
  CHECK_THROWS_WITH(model::network_estimate(Collective::AllToAll, pod, 65536, m, model::Algorithm::Default, small),
                    Catch::Contains("--network-budget"));
  model::NetworkLimits big;
  big.budget_seconds = 1e6;
  CHECK(model::network_affordable(Collective::AllToAll, pod, 65536, m, model::Algorithm::Default, big));

  // a ring all-reduce of 1 MiB on 64 chips: within a budget too small for it, extrapolated from
  // two runs of whole packets; the time is linear in the size once the links are the bound, so
  // the extrapolation lands near the exact run: 28,816 cycles, extrapolated 28,713 to 28,908
  // from budgets of 0.05 to 0.2 s (`phtpu model --machine rtl --method network --shape 4x4x4
  // --workload allreduce --bytes 1MiB --network-budget 0.1`): 0.4 % at most; held to 1 %
  const Topology t = Topology::torus({4, 4, 4});
  const double bytes = 1 << 20;
  const double cost = model::network_seconds(Collective::AllReduce, t, bytes, m);
  REQUIRE(cost > 0);
  model::NetworkLimits part;
  part.budget_seconds = cost / 8;
  std::vector<std::uint64_t> seen;
  big.progress = [&](std::uint64_t edge) { seen.push_back(edge); };
  const model::Estimate x = model::network_estimate(Collective::AllReduce, t, bytes, m, model::Algorithm::Default, part);
  const model::Estimate e = model::network_estimate(Collective::AllReduce, t, bytes, m, model::Algorithm::Default, big);
  CHECK(x.extrapolated);
  CHECK(!e.extrapolated);
  CHECK(x.method == model::Method::Network);
  INFO("exact " << e.cycles << " cycles, extrapolated " << x.cycles);
  CHECK(std::abs(x.cycles / e.cycles - 1) <= 0.01);
  // progress: every 1024 edges of the run, in order, up to its end
  REQUIRE(!seen.empty());
  for (std::size_t k = 0; k < seen.size(); ++k) CHECK(seen[k] == 1024 * (k + 1));
  CHECK(seen.back() <= e.cycles);
  CHECK(seen.back() + 1024 > e.cycles);
}

TEST_CASE("the model's schedules: every transfer where the algorithm says", "[model][schedule]") {
  const Topology t = Topology::torus({4, 4, 8});
  const unsigned n = t.nodes();
  const std::uint32_t w = 6 * 1024;
  // reduce-scatter, either algorithm: every chip sends W (1 - 1/N) words in total, and receives as much
  for (auto a : {model::Algorithm::Sequential, model::Algorithm::Concurrent}) {
    const auto s = model::build_model_schedule(model::Collective::ReduceScatter, a, t, w, 4);
    std::vector<double> sent(n, 0), got(n, 0);
    for (const auto& st : s.steps)
      for (const auto& x : st)
        if (!(a == model::Algorithm::Concurrent && x.words == 1 && !x.add)) { // (not the tokens)
          sent[x.src] += x.words;
          got[x.dst] += x.words;
        }
    for (unsigned i = 0; i < n; ++i) {
      CHECK(sent[i] == Approx(w * (1 - 1.0 / n)).epsilon(0.01));
      CHECK(got[i] == Approx(w * (1 - 1.0 / n)).epsilon(0.01));
    }
    // concurrent: a transfer's lane is its first hop's port (the routing oracle's)
    if (a == model::Algorithm::Concurrent)
      for (const auto& st : s.steps)
        for (const auto& x : st) {
          const auto r = net::route(t, t.position(x.src), t.position(x.dst), 2);
          CHECK(x.lane == static_cast<unsigned>(r.front().hop.port));
        }
  }
  // all-to-all: every ordered pair once; lanes: each on its first hop's port
  const auto s = model::build_model_schedule(model::Collective::AllToAll, model::Algorithm::Lanes, t, n * 2, 4);
  REQUIRE(s.steps.size() == 1);
  CHECK(s.transfers() == std::size_t{n} * (n - 1));
  std::vector<char> seen(std::size_t{n} * n, 0);
  for (const auto& x : s.steps[0]) {
    CHECK(x.src != x.dst);
    CHECK(x.words == 2);
    CHECK(x.lane == static_cast<unsigned>(net::route(t, t.position(x.src), t.position(x.dst), 2).front().hop.port));
    seen[std::size_t{x.src} * n + x.dst] += 1;
  }
  CHECK(std::count(seen.begin(), seen.end(), 1) == std::ptrdiff_t(n) * (n - 1));
  CHECK_THROWS_WITH(model::build_model_schedule(model::Collective::AllToAll, model::Algorithm::Lanes, t, 100, 4),
                    Catch::Contains("multiple of 128"));
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

TEST_CASE("the embedded calibration: what it holds and what is fitted on what", "[model][calibration]") {
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  const model::Calibration& cal = model::default_calibration(false);
  REQUIRE(cal.points.size() >= 130);
  // shapes of 16 chips to the full pod on both cubes, regular and twisted, and runs without the
  // credit limit
  std::set<std::string> keys;
  unsigned most = 0;
  bool cube2 = false, cube4 = false, twisted = false, free = false;
  for (const auto& p : cal.points) {
    keys.insert(p.m.key());
    most = std::max(most, p.m.chips);
    cube2 = cube2 || p.m.cube == 2;
    cube4 = cube4 || p.m.cube == 4;
    twisted = twisted || p.m.shape.find("twisted") != std::string::npos;
    free = free || !p.credit_limited;
  }
  CHECK(keys.size() >= 11);
  CHECK(most == 4096);
  CHECK((cube2 && cube4 && twisted && free));
  // one parameter fitted (the analytic step cost), on the two smallest shapes only: every point
  // of more than 16 chips, 512 to 4096 among them, is held out
  CHECK(cal.fit_shapes == model::kFitShapes);
  for (const auto& p : cal.points) {
    if (p.fitted) CHECK(p.m.chips == 16);
    if (p.m.chips > 16) CHECK(!p.fitted);
  }
  CHECK(cal.machine.step_cycles > 0);
  CHECK(cal.machine.step_cycles < 20);
  // the analytic rings, with their one fitted value, follow the shapes they were fitted on
  // within 15 % (docs/model.md: the largest, 14.5 %, is the twisted 2x2x4 all-reduce at 4 KiB
  // by rings that follow the twisted wraps)
  for (const auto& p : cal.points)
    if (p.fitted && p.m.collective != model::Collective::AllToAll) CHECK(std::abs(p.analytic_error) <= 0.15);
  // the RTL machine is the RTL's design values: 16-byte flits, a head per 16 words, 8 credits,
  // two host writes per DMA command, the pod's 1- and 4-cycle links, one lane per chip
  CHECK(cal.machine.link_bytes_per_cycle == 16);
  CHECK(cal.machine.packet_bytes == 256);
  CHECK(cal.machine.credit_flits == 8);
  CHECK(cal.machine.host_cycles_per_transfer == 2);
  CHECK(cal.machine.send_lanes == set.send_lanes);
  // fit shapes without ring measurements are refused, not fitted to nothing
  CHECK_THROWS_WITH(model::calibrate(set, {"4x4x4/9x9x9"}, false), Catch::Contains("no ring-collective measurement"));
}

TEST_CASE("TPU v4: published values and stated assumptions and nothing fitted to the RTL", "[model][v4]") {
  const model::Machine v4 = model::tpu_v4_machine();
  // docs/references.md: 1050 MHz (§T1), 45 GB/s one way per link (§T4), 4x4x4 cubes (§T2)
  CHECK(v4.clock_hz == 1.05e9);
  CHECK(v4.link_bytes_per_cycle * v4.clock_hz == Approx(45e9));
  CHECK(v4.cube == 4);
  // all six links at once; no step or issue cost carried over from the RTL
  CHECK(v4.send_lanes == 6);
  CHECK(v4.receive_lanes == 6);
  CHECK(v4.step_cycles == 0);
  CHECK(v4.host_cycles_per_transfer == 0);
  CHECK(!v4.network_model);
  // The full pod's all-reduce: the concurrent algorithm keeps all six links busy, so at a large
  // size the bus bandwidth per chip approaches 6 x 45 GB/s = 270 GB/s, and the pod's 4096
  // chips 1.106 PB/s: the published pod all-reduce bandwidth is 1.1 PB/s (§T4).
  const Topology pod = model::parse_topology("16x16x16", 4);
  const auto ar = model::analytic_estimate(model::Collective::AllReduce, pod, double(1ull << 30), v4);
  CHECK(ar.algorithm == model::Algorithm::Concurrent);
  CHECK(ar.busbw == Approx(6 * 45e9).epsilon(0.02));
  CHECK(ar.busbw <= 6 * 45e9);
  CHECK(std::abs(ar.busbw * 4096 / 1.1e15 - 1) <= 0.15);
  // the sequential algorithm sends everything from one lane: one link's rate, a sixth of that
  const auto seq = model::analytic_estimate(model::Collective::AllReduce, pod, double(1ull << 30), v4, model::Algorithm::Sequential);
  CHECK(seq.busbw == Approx(45e9).epsilon(0.02));
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
  // the pod's algorithm names, and only the collective's own
  CHECK(model::algorithm_from_name("concurrent") == model::Algorithm::Concurrent);
  CHECK_THROWS_WITH(model::algorithm_from_name("ring"), Catch::Contains("unknown algorithm"));
  CHECK_THROWS_WITH(model::resolve_algorithm(Collective::AllToAll, model::Algorithm::Concurrent, 6),
                    Catch::Contains("alltoall has no algorithm 'concurrent'"));
  CHECK(model::resolve_algorithm(Collective::AllReduce, model::Algorithm::Default, 1) == model::Algorithm::Sequential);
  CHECK(model::resolve_algorithm(Collective::AllToAll, model::Algorithm::Default, 6) == model::Algorithm::Lanes);
  model::Machine seven = ideal_machine();
  seven.send_lanes = 7;
  CHECK_THROWS_WITH(model::analytic_estimate(Collective::AllReduce, Topology::torus({4, 4, 4}), 4096, seven),
                    Catch::Contains("1 to 6"));
}

TEST_CASE("the link layer's efficiency at a bit error rate: the go-back-N formula, by hand", "[model][link]") {
  using phtpu::model::link_efficiency;
  using phtpu::model::LinkLayerShape;
  CHECK(link_efficiency(0) == 1.0);
  // BER 1e-4 on 186-bit frames and 16-bit control slots: p_f = 1 - (1 - 1e-4)^186 = 0.0184290,
  // p_c = 0.0015988; a NAK costs 2 (1 + 1) = 4 slots, a lost NAK or resend the 64-cycle
  // timeout: 1 / (1 + 0.0184290 (4 + 0.0200278 x 64)) = 0.911296 (tolerance: the rounding of
  // the hand arithmetic)
  CHECK(link_efficiency(1e-4) == Approx(0.911296).epsilon(1e-5));
  CHECK(link_efficiency(1e-6) == Approx(0.9992542).epsilon(1e-6)); // the 99 % goal at 1e-6, by the formula
  LinkLayerShape optical;
  optical.link_latency = 4; // a round trip of 2 (4 + 1) = 10 slots
  CHECK(link_efficiency(1e-4, optical) == Approx(0.827875).epsilon(1e-5));
  CHECK(phtpu::model::link_frame_overhead() == Approx(186.0 / 163.0));
  // the model's widths are ici_link's
  CHECK(LinkLayerShape{}.frame_bits == phtpu::rtl::ici_link::FrameW);
  CHECK(LinkLayerShape{}.control_bits == phtpu::rtl::ici_link::CtlW);
  CHECK(LinkLayerShape{}.flit_bits == phtpu::rtl::ici_link::FlitBits);
  CHECK(LinkLayerShape{}.timeout == phtpu::rtl::ici_link::TimeoutCycles);
  // falls with the error rate
  CHECK(link_efficiency(1e-3) < link_efficiency(1e-4));
}
