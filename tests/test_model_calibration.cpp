// Calibration regression: the model against the RTL, live in CI.
//   - the scaled pod (Verilated chips and OCSes) runs the four collectives on a shape the fit
//     never saw (4x4x4 of 4x4x4 cubes) at sizes the calibration never measured; the model's
//     prediction must stay within the tolerance docs/model.md states (5 % rings, 10 %
//     all-to-all);
//   - points of the embedded calibration data are run again and must give the same cycles:
//     data regenerated from a changed RTL or schedule fails here until it is committed;
//   - the pod's schedules are the shared ones (sim/pod/schedules.hpp) on its chips and addresses,
//     transfer by transfer, as the model runs them;
//   - the network model against the RTL on hand-made DMA programs: one transfer, a stream, and
//     the all-to-all's mechanism (a translation whose routes cross the dateline, repeated);
//   - the network model over the whole embedded calibration set;
//   - the Verilated 4x4 and 8x8 MXU tiles run GEMMs whose cycle counts the compute model's
//     formula must give exactly.
// A change to the RTL, the schedules or the model that breaks the agreement fails here; then
// rerun scripts/calibrate-model.sh and look at `phtpu model --calibration`.
#include "Vmxu_tile_n4.h"
#include "Vmxu_tile_n8.h"
#include "calibration.hpp"
#include "collectives.hpp"
#include "compute_model.hpp"
#include "model_schedules.hpp"
#include "mxu_tile_tb.hpp"
#include "network_sim.hpp"
#include "test_seed.hpp"
#include "workload_model.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <tuple>

using namespace phtpu;
using namespace phtpu::mxu;

namespace {

pod::Plan plan_of(unsigned cube, unsigned racks, const std::string& slice) {
  pod::PodSpec spec;
  spec.cube = cube;
  spec.racks = racks;
  spec.slices = {pod::parse_slice(slice)};
  return pod::Plan(spec);
}

/// Run hand-made programs (one list of jobs per chip, in slice order) on the RTL pod: cycles.
std::uint64_t rtl_run(pod::Pod& p, const std::vector<std::vector<model::SimOp>>& progs) {
  const auto chips = p.plan().slice_chips(0);
  p.run_until_quiet(1'000'000, "quiet");
  for (std::size_t i = 0; i < progs.size(); ++i) {
    unsigned k = 0;
    for (const model::SimOp& o : progs[i])
      p.dma(chips[i], chips[o.dst], chip::DmaWrite, 0, 0, 8192 + (k++ % 16) * o.words, o.words);
  }
  return p.run_until_quiet(50'000'000, "programs");
}

} // namespace

TEST_CASE("the model predicts a held-out shape on the RTL within the stated tolerance", "[model][calibration][pod]") {
  // 4x4x4 of 4x4x4 cubes (one rack): not a fit shape; 8 and 32 KiB: sizes the calibration never ran
  pod::Pod p{plan_of(4, 1, "4x4x4")};
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  model::Machine m = model::rtl_machine(set, 4);
  m.step_cycles = model::default_calibration(false).machine.step_cycles;
  const net::Topology& t = p.plan().slices()[0].topo;
  for (model::Collective c : model::kCollectives)
    for (std::uint64_t bytes : {8192u, 32768u}) {
      const pod::RunResult r = pod::run_collective(p, c, 0, bytes, test_seed());
      REQUIRE(r.ok);
      const model::Estimate e = model::estimate(c, t, double(bytes), m);
      CHECK(e.method == model::Method::Network);
      const double err = e.cycles / double(r.cycles) - 1;
      const double analytic = e.analytic_cycles / double(r.cycles) - 1;
      const std::string line = fmt::format("{} {} {} B: RTL {} cycles, network model {:.0f} ({:+.1f} %), analytic {:.0f} ({:+.1f} %)",
                                           r.shape, r.name, bytes, r.cycles, e.cycles, 100 * err, e.analytic_cycles, 100 * analytic);
      INFO(line);
      fmt::print("{}\n", line);
      CHECK(std::abs(err) <= (c == model::Collective::AllToAll ? 0.10 : 0.05));
    }
  // the relay all-to-all, which only the network model runs (held to the all-to-all's 10 %)
  for (std::uint64_t bytes : {8192u, 32768u}) {
    const pod::RunResult r = pod::run_collective(p, model::Collective::AllToAll, 0, bytes, test_seed(), Algorithm::Relay);
    REQUIRE(r.ok);
    const model::Estimate e = model::network_estimate(model::Collective::AllToAll, t, double(bytes), m, Algorithm::Relay);
    const double err = e.cycles / double(r.cycles) - 1;
    const std::string line = fmt::format("{} alltoall (relay) {} B: RTL {} cycles, network model {:.0f} ({:+.1f} %)",
                                         r.shape, bytes, r.cycles, e.cycles, 100 * err);
    INFO(line);
    fmt::print("{}\n", line);
    CHECK(std::abs(err) <= 0.10);
    CHECK_THROWS_AS(model::analytic_estimate(model::Collective::AllToAll, t, double(bytes), m, Algorithm::Relay),
                    std::invalid_argument);
  }
}

TEST_CASE("hierarchical collectives: the model against the pod, and every flit on its kind of link",
          "[model][calibration][pod]") {
  // 4x4x8 of 4x4x4 cubes: the hierarchical variants (rings inside each cube, then across the two
  // cubes) and their flat sequential collectives. The network model must give the pod's cycles
  // within the rings' 5 % (the calibration has no hierarchical runs), and the flits that
  // cross in-cube links and OCS circuits must be exactly what the model routes with the
  // oracle (one flit per 16 wire bytes per link). Hand-counted for the flat reduce-scatter of
  // 1024 words: each half (512 words) goes round x (rings of 4: 3 steps of 128 words, 8 packets
  // of 16 words + a header = 136 flits), then y (3 steps of 32 words: 34 flits), then z (rings of
  // 8: 7 steps of 4 words: 5 flits), every step one link per chip: 128 chips x 2 halves x
  // (3*136 + 3*34 + 7*5) = 139,520 flits. Optical: one link of each x and y ring of 4 (the
  // cube face), two of each z ring of 8: 2 x 128 x (3*136/4 + 3*34/4 + 7*5*2/8) = 34,880.
  pod::Pod p{plan_of(4, 2, "4x4x8")};
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  model::Machine m = model::rtl_machine(set, 4);
  m.step_cycles = model::default_calibration(false).machine.step_cycles;
  const net::Topology& t = p.plan().slices()[0].topo;
  const std::uint64_t bytes = 16384;
  std::map<model::Collective, pod::RunResult> runs;
  for (model::Collective c : {model::Collective::ReduceScatter, model::Collective::ReduceScatterHier,
                              model::Collective::AllGather, model::Collective::AllGatherHier,
                              model::Collective::AllReduce, model::Collective::AllReduceHier}) {
    const pod::RunResult r = pod::run_collective(p, c, 0, bytes, test_seed(), Algorithm::Sequential);
    REQUIRE(r.ok);
    const model::Estimate e = model::network_estimate(c, t, double(bytes), m, Algorithm::Sequential);
    const double err = e.cycles / double(r.cycles) - 1;
    const std::string line = fmt::format("{} {} {} B: RTL {} cycles, network model {:.0f} ({:+.1f} %); flits electrical "
                                         "{} (model {:.0f}), optical {} (model {:.0f})",
                                         r.shape, r.name, bytes, r.cycles, e.cycles, 100 * err, r.flits_electrical,
                                         e.link_flits - e.optical_flits, r.flits_optical, e.optical_flits);
    INFO(line);
    fmt::print("{}\n", line);
    CHECK(std::abs(err) <= 0.05);
    CHECK(double(r.flits_electrical + r.flits_optical) == e.link_flits);
    CHECK(double(r.flits_optical) == e.optical_flits);
    runs[c] = r;
  }
  CHECK(runs[model::Collective::ReduceScatter].flits_electrical + runs[model::Collective::ReduceScatter].flits_optical ==
        139520);
  CHECK(runs[model::Collective::ReduceScatter].flits_optical == 34880);
  // grouped by arm, fewer flits cross the OCS (the cross-cube ring carries only the chunk a
  // chip owns after its cube's reduce-scatter), more cross in-cube links (a ring of 4 inside a
  // dimension of 8 closes over 3 links)
  for (auto [flat, hier] : {std::pair{model::Collective::ReduceScatter, model::Collective::ReduceScatterHier},
                            std::pair{model::Collective::AllGather, model::Collective::AllGatherHier},
                            std::pair{model::Collective::AllReduce, model::Collective::AllReduceHier}}) {
    CHECK(runs[hier].flits_optical < runs[flat].flits_optical);
    CHECK(runs[hier].flits_electrical > runs[flat].flits_electrical);
  }
}

TEST_CASE("points of the embedded calibration data give the same cycles on the RTL", "[model][calibration][pod]") {
  // The data holds RTL measurements; rerunning a few must give them exactly (the runs are
  // deterministic). When the RTL or the schedules change, this fails until
  // scripts/calibrate-model.sh has measured the set again and the new data is committed.
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  struct Want {
    unsigned cube;
    std::string shape;
    model::Collective c;
    double bytes;
  };
  const Want wants[] = {{2, "2x2x4", model::Collective::AllReduce, 4096},
                        {2, "2x2x4", model::Collective::AllToAll, 4096},
                        {2, "2x2x4:twisted", model::Collective::AllToAll, 16384},
                        {4, "4x4x4", model::Collective::AllToAll, 4096}};
  for (const Want& w : wants) {
    const auto it = std::find_if(set.points.begin(), set.points.end(), [&](const model::Measurement& m) {
      return m.cube == w.cube && m.shape == w.shape && m.collective == w.c && m.bytes == w.bytes && m.optical_latency == 4;
    });
    REQUIRE(it != set.points.end());
    pod::Pod p{plan_of(w.cube, it->racks, w.shape)};
    const pod::RunResult r = pod::run_collective(p, w.c, 0, std::uint64_t(w.bytes), 1);
    REQUIRE(r.ok);
    INFO(fmt::format("{} ({}x{}x{} cubes) {} {} B: RTL now {} cycles, embedded {}", w.shape, w.cube, w.cube, w.cube,
                     r.name, w.bytes, r.cycles, it->cycles));
    CHECK(double(r.cycles) == it->cycles);
  }
}

TEST_CASE("the pod runs the shared schedules on its chips and addresses, transfer by transfer, as the model does", "[model][schedule][pod]") {
  struct Case {
    unsigned cube, racks;
    std::string slice;
  };
  for (const Case& k : {Case{2, 4, "2x2x4"}, Case{2, 4, "2x2x4:twisted"}, Case{4, 2, "4x4x8"}, Case{4, 2, "4x4x8:twisted"}}) {
    const pod::Plan plan = plan_of(k.cube, k.racks, k.slice);
    const auto chips = plan.slice_chips(0);
    const net::Topology& t = plan.slices()[0].topo;
    const std::uint32_t words = 12 * t.nodes();
    for (model::Collective c : model::kCollectives) {
      const bool blocks = c == model::Collective::AllToAll;
      for (Algorithm a : blocks ? std::vector<Algorithm>{Algorithm::Lanes, Algorithm::Translate}
                                : std::vector<Algorithm>{Algorithm::Concurrent, Algorithm::Logical, Algorithm::Sequential}) {
        INFO(fmt::format("{} {} {}", k.slice, model::collective_name(c), algorithm_name(a)));
        // (the buffer away from word 0, so that a lost base offset shows)
        const std::uint32_t base = 5;
        const pod::Schedule ps = pod::build_schedule(c, plan, 0, base, words, blocks ? base + words : 0, a);
        const model::ModelSchedule ms = model::build_model_schedule(c, a, t, words, k.cube);
        REQUIRE(ps.steps.size() == ms.steps.size());
        for (std::size_t s = 0; s < ps.steps.size(); ++s) {
          // (the pod keeps a step's tokens apart; the model's token step holds them)
          const auto& pst = ps.steps[s].empty() && s < ps.tokens.size() ? ps.tokens[s] : ps.steps[s];
          REQUIRE(pst.size() == ms.steps[s].size());
          for (std::size_t i = 0; i < pst.size(); ++i) {
            const pod::Transfer& x = pst[i];
            const model::ModelTransfer& y = ms.steps[s][i];
            CHECK(x.src == chips[y.src]);
            CHECK(x.dst == chips[y.dst]);
            CHECK(x.words == y.words);
            CHECK(x.saddr == (y.token ? y.lo : base + y.lo));
            if (!blocks) CHECK(x.daddr == (y.token ? y.dlo : base + y.dlo));
            CHECK(x.add == y.add);
            CHECK(x.sem == y.sem);
            CHECK(x.lane == y.lane);
          }
        }
      }
    }
  }
}

TEST_CASE("the network model follows the RTL flit by flit on hand-made programs", "[model][network][pod]") {
  const model::CalibrationSet set = model::parse_calibration(model::embedded_calibration_json());
  // one transfer and a stream across one electrical link, then across the optical wrap
  {
    pod::Pod p{plan_of(4, 1, "4x4x4")};
    const net::Topology& t = p.plan().slices()[0].topo;
    const model::NetSimConfig cfg = model::net_config(model::rtl_machine(set, 4));
    for (unsigned w : {1u, 16u, 64u})
      for (auto [src, dst, reps] : {std::array<unsigned, 3>{0, 1, 1}, {0, 1, 11}, {3, 0, 11}}) {
        std::vector<std::vector<model::SimOp>> progs(t.nodes());
        for (unsigned r = 0; r < reps; ++r) progs[src].push_back(model::SimOp::job(dst, w));
        const std::uint64_t rtl = rtl_run(p, progs);
        const std::uint64_t net = model::simulate_network(t, cfg, progs).cycles;
        INFO(fmt::format("{} x {} words, chip {} -> {}: RTL {}, network model {}", reps, w, src, dst, rtl, net));
        CHECK(std::llabs(std::int64_t(rtl) - std::int64_t(net)) <= 2);
      }
  }
  // The all-to-all's mechanism. Every chip of a 4x4x16 torus sends 20 one-word blocks to
  // p + (0, 0, 5): every +z link carries 5 packets per round, and the wrap link (every route
  // that crosses it rides VC 1, 0.8 of a flit per cycle) needs 5 x 2 flits / 0.8 = 12.5 cycles
  // per round. The routers' round-robin between a chip's own injection and the traffic passing
  // through lets the chips near the dateline race ahead and starves the routes that cross it:
  // the RTL takes more than twice that, and the network model follows it.
  {
    pod::Pod p{plan_of(4, 4, "4x4x16")};
    const net::Topology& t = p.plan().slices()[0].topo;
    const model::NetSimConfig cfg = model::net_config(model::rtl_machine(set, 4));
    auto run = [&](unsigned reps) {
      std::vector<std::vector<model::SimOp>> progs(t.nodes());
      for (unsigned i = 0; i < t.nodes(); ++i)
        for (unsigned r = 0; r < reps; ++r) progs[i].push_back(model::SimOp::job(t.index(t.translate(t.position(i), {0, 0, 5})), 1));
      return std::make_pair(rtl_run(p, progs), model::simulate_network(t, cfg, progs).cycles);
    };
    const auto [rtl1, net1] = run(1);
    const auto [rtl21, net21] = run(21);
    const double rtl_round = double(rtl21 - rtl1) / 20, net_round = double(net21 - net1) / 20;
    const std::string line = fmt::format("4x4x16, 20 rounds of p -> p + (0,0,5), one word: RTL {:.2f} cycles per round, network "
                                         "model {:.2f}, the wrap link's bound 12.5",
                                         rtl_round, net_round);
    INFO(line);
    fmt::print("{}\n", line);
    CHECK(rtl_round > 2 * 12.5);
    CHECK(std::abs(net_round / rtl_round - 1) <= 0.05);
  }
}

TEST_CASE("the network model predicts every embedded measurement within the stated tolerance", "[model][calibration]") {
  // the whole set through the network model (about half a minute): rings within 5 %, the
  // all-to-all within 10 %, on every shape and size (docs/model.md)
  const model::Calibration& cal = model::default_calibration(true);
  REQUIRE(cal.network);
  for (const auto& p : cal.points) {
    INFO(fmt::format("{} {} {} B: RTL {:.0f}, network model {:.0f}", p.m.key(), model::collective_name(p.m.collective),
                     p.m.bytes, p.m.cycles, p.network));
    CHECK(p.network_run);
    CHECK(std::abs(p.network_error) <= (p.m.collective == model::Collective::AllToAll ? 0.10 : 0.05));
  }
  // what `phtpu model` quotes as the network model's error is this run's, rounded up to 0.001 %
  for (model::Collective c : model::kCollectives) {
    const double measured = std::ceil(cal.max_error(c, model::Method::Network) * 1e5 - 1e-9) / 1e5;
    INFO(fmt::format("{}: measured {:.5f}, recorded {:.5f}", model::collective_name(c), measured,
                     model::network_calibration_error(c)));
    CHECK(std::abs(model::network_calibration_error(c) - measured) < 1e-9);
  }
}

TEST_CASE("the compute model's MXU cycles are the Verilated tile's", "[model][calibration][mxu]") {
  auto check = [](auto& tb, unsigned n, unsigned m, unsigned k, unsigned ncol) {
    const Gemm g = random_gemm(m, k, ncol, test_seed() + m + k);
    RunStats st;
    tb.run(g, &st);
    INFO(fmt::format("{}x{} tile, GEMM {}x{}x{}", n, n, m, k, ncol));
    CHECK(st.cycles == model::mxu_tile_cycles(m, k, ncol, n));
  };
  MxuTileTb<Vmxu_tile_n4, 4> t4;
  check(t4, 4, 64, 8, 8);
  check(t4, 4, 100, 12, 16);
  MxuTileTb<Vmxu_tile_n8, 8> t8;
  check(t8, 8, 256, 16, 16);
  check(t8, 8, 37, 24, 8);
}

TEST_CASE("the workload model predicts the pod's GEMMs exactly and its small transformer within 3 %",
          "[model][calibration][pod][workload]") {
  // The pod chip's host-fed GEMM (compute_model.hpp, pod_gemm_cycles) at every row count
  // the MXU's accumulators take, on a one-cube pod; measured by hand: 1 row 20 cycles, 8 rows
  // 28, 16 rows 44, 32 rows 76, 64 rows 140.
  {
    pod::Pod p{plan_of(2, 1, "2x2x2")};
    const std::map<unsigned, std::uint64_t> hand{{1, 20}, {8, 28}, {16, 44}, {32, 76}, {64, 140}};
    for (unsigned rows = 1; rows <= 64; ++rows) {
      const pod::RunResult r = pod::run_layers(p, 0, rows, 1, test_seed() + rows);
      REQUIRE(r.ok);
      INFO(fmt::format("{} rows: {} cycles of GEMM", rows, r.gemm_cycles));
      CHECK(r.gemm_cycles == model::pod_gemm_cycles(rows, 4));
      if (hand.count(rows)) CHECK(r.gemm_cycles == hand.at(rows));
    }
  }
  // Four layers (GEMM, then the all-reduce of its results) on slices of one and two cubes,
  // regular and twisted: the GEMMs are exact (above), the all-reduces rest on the network
  // model's recorded error (about 1 %), so 3 % holds with room.
  for (const auto& [cube, racks, slice] : {std::tuple{4u, 1u, "4x4x4"}, std::tuple{4u, 2u, "4x4x8"},
                                           std::tuple{2u, 4u, "2x2x4:twisted"}}) {
    pod::Pod p{plan_of(cube, racks, slice)};
    const pod::RunResult r = pod::run_layers(p, 0, 32, 4, test_seed());
    REQUIRE(r.ok);
    const model::PodLayersEstimate e =
        model::pod_layers_step(p.plan().slices()[0].topo, 32, 4, model::fitted_rtl_machine(cube));
    const double err = e.cycles / double(r.cycles) - 1;
    const std::string line = fmt::format("{} llm (4 GEMMs of 32x4x4 and their all-reduces): RTL {} cycles ({} of GEMM), "
                                         "workload model {:.0f} ({:.0f} of GEMM, {:+.1f} %)",
                                         slice, r.cycles, r.gemm_cycles, e.cycles, e.gemm_cycles, 100 * err);
    INFO(line);
    fmt::print("{}\n", line);
    CHECK(double(r.gemm_cycles) == e.gemm_cycles);
    CHECK(std::abs(err) <= 0.03);
  }
}

TEST_CASE("the workload model predicts the pod's small DLRM step within 3 %", "[model][calibration][pod][workload]") {
  // Every chip looks up every sample's bag in its own table, the bags go to their samples' chips
  // by an all-to-all, then the MLP's GEMM and all-reduce (run_dlrm_step, all verified). The
  // model: the busiest chip's lookup unit, bound by its combiner (2 cycles a lookup of 16
  // elements) or its local fetch (5 cycles a row; rows fetched by the dedup windows of 32 rows),
  // the all-to-all by the network model, the MLP as above. Seen: within 1.1 % on four slices.
  for (const auto& [cube, racks, slice] : {std::tuple{2u, 2u, "2x2x4"}, std::tuple{4u, 1u, "4x4x4"}}) {
    pod::Pod p{plan_of(cube, racks, slice)};
    const pod::RunResult r = pod::run_dlrm_step(p, 0, 2, 20, 256, 1.05, test_seed());
    REQUIRE(r.ok);
    const model::PodDlrmEstimate e =
        model::pod_dlrm_step(p.plan().slices()[0].topo, pod::dlrm_stream_ids(r.chips, 2, 20, 256, 1.05, test_seed()), 32, 16,
                             double(r.bytes), 32, model::fitted_rtl_machine(cube));
    const double err = e.cycles / double(r.cycles) - 1;
    const std::string line = fmt::format("{} dlrm: RTL {} cycles, workload model {:.0f} (lookups {:.0f}, all-to-all {:.0f}, "
                                         "MLP {:.0f}: {:+.1f} %)",
                                         slice, r.cycles, e.cycles, e.lookup_cycles, e.alltoall_cycles, e.mlp_cycles, 100 * err);
    INFO(line);
    fmt::print("{}\n", line);
    CHECK(std::abs(err) <= 0.03);
  }
}
