// Calibration regression: the analytic model against the RTL, live in CI.
//   - the scaled pod (Verilated chips and OCSes) runs the ring collectives and the all-to-all
//     on a regular and a twisted 2x2x4 slice; the model's prediction must stay within the
//     tolerance docs/model.md states (5 % rings, 30 % all-to-all);
//   - the Verilated 4x4 and 8x8 MXU tiles run GEMMs whose cycle counts the compute model's
//     formula must give exactly.
// A change to the RTL, the schedules or the model that breaks the agreement fails here; then
// rerun scripts/calibrate-model.sh and look at `phtpu model --calibration`.
#include "Vmxu_tile_n4.h"
#include "Vmxu_tile_n8.h"
#include "calibration.hpp"
#include "compute_model.hpp"
#include "mxu_tile_tb.hpp"
#include "test_seed.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>

using namespace phtpu;
using namespace phtpu::mxu;

TEST_CASE("the model predicts the scaled pod's collectives within the stated tolerance", "[model][calibration][pod]") {
  pod::PodSpec spec;
  spec.cube = 2;
  spec.racks = 4;
  spec.slices = {pod::parse_slice("2x2x4"), pod::parse_slice("2x2x4:twisted")};
  pod::Pod p{pod::Plan(spec)};
  const model::Calibration& cal = model::default_calibration();
  struct Case {
    Collective c;
    double tolerance;
  };
  const Case cases[] = {{Collective::AllReduce, 0.05},
                        {Collective::ReduceScatter, 0.05},
                        {Collective::AllGather, 0.05},
                        {Collective::AllToAll, 0.30}};
  for (unsigned s = 0; s < 2; ++s)
    for (const Case& c : cases)
      for (std::uint64_t bytes : {8192u, 32768u}) { // sizes the calibration never saw
        // the algorithms the model times (sequential rings, the all-to-all from one send lane)
        const Algorithm algo = c.c == Collective::AllToAll ? Algorithm::Translate : Algorithm::Sequential;
        const pod::RunResult r = pod::run_collective(p, c.c, s, bytes, test_seed() + s, algo);
        REQUIRE(r.ok);
        const net::Topology& t = p.plan().slices()[s].topo;
        const double predicted = model::estimate(c.c, t, double(bytes), cal.machine).cycles;
        const double err = predicted / double(r.cycles) - 1;
        INFO(fmt::format("{} {} {} B: RTL {} cycles, model {:.0f} ({:+.1f} %)", r.shape, r.name, bytes, r.cycles,
                         predicted, 100 * err));
        CHECK(std::abs(err) <= c.tolerance);
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
