// The MXU reference models on their own (ref/mxu_gemm.hpp, ref/mxu_fp.hpp): the golden model
// against the double-precision reference and its bound, the flush/NaN policy at the GEMM
// level, and the cycle models against published values.
#include "mxu_gemm.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace phtpu::mxu;

TEST_CASE("golden GEMM stays within the stated bound of the double-precision reference", "[mxu]") {
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  for (unsigned N : {4u, 8u, 128u}) {
    Gemm g = random_gemm(20, 300, 17, seed + N);
    auto C = golden_gemm(g, N);
    auto ref = double_gemm(g);
    double worst = 0;
    for (std::size_t i = 0; i < C.size(); ++i) {
      double err = std::fabs(double(f32(C[i])) - ref.C[i]);
      double bound = error_bound(ref.abs_sum[i], g.K, N);
      REQUIRE(err <= bound);
      worst = std::max(worst, err / bound);
    }
    // the bound is not vacuous: fp32 rounding does show, at a fraction of it
    REQUIRE(worst > 0);
    REQUIRE(worst < 0.5);
  }
}

TEST_CASE("golden GEMM: the bound catches a wrong result", "[mxu]") {
  Gemm g = random_gemm(8, 64, 8, phtpu::test_seed());
  auto C = golden_gemm(g, 8);
  auto ref = double_gemm(g);
  // one ulp off is inside the bound, dropping a product is not
  std::uint32_t wrong = fp32_add(C[0], bf16_mul(g.a(0, 5), g.b(5, 0)) ^ 0x80000000u);
  REQUIRE(std::fabs(double(f32(wrong)) - ref.C[0]) > error_bound(ref.abs_sum[0], g.K, 8));
}

TEST_CASE("golden GEMM: NaN, infinity and flushed products propagate as specified", "[mxu]") {
  Gemm g{1, 3, 1, {0x3F80, 0x3F80, 0x3F80}, {0x3F80, 0x7F80, 0xFF80}}; // 1 + inf + -inf
  REQUIRE(golden_gemm(g, 4)[0] == kQNaN);
  g.B = {0x3F80, 0x7F80, 0x3F80}; // 1 + inf + 1
  REQUIRE(golden_gemm(g, 4)[0] == 0x7F800000u);
  // 2^-64 * 2^-63 = 2^-127 flushes to zero, so the sum is 2^-126 (1 * 2^-126), not 1.5 * 2^-126
  g.A = {0x1F80, 0x3F80, 0x0000};
  g.B = {0x2000, 0x0080, 0x3F80};
  REQUIRE(golden_gemm(g, 4)[0] == 0x00800000u);
}

TEST_CASE("cycle models: SCALE-Sim's weight-stationary figure and the ideal count", "[mxu]") {
  // The published comparison: 1024^3 on 128 x 128 gives 72.8 % utilization.
  auto s = scalesim_ws_cycles(1024, 1024, 1024, 128, 128);
  REQUIRE(s == 8ull * 8 * (256 + 128 + 1024 - 2) - 1);
  double util = double(ideal_cycles(1024, 1024, 1024, 128)) / double(s);
  REQUIRE(util == Approx(0.728).margin(0.0005));
  REQUIRE(ideal_cycles(1024, 64, 64, 8) == 1024ull * 8 * 8);
  REQUIRE(ideal_cycles(5, 9, 17, 8) == 5ull * 2 * 3);
}
