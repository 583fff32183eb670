// The MXU arithmetic units on their own (rtl/common/bf16_mul.sv, rtl/common/fp32_add.sv):
// every class of input against every other, millions of random pairs against the C++ golden
// model (ref/mxu_fp.hpp), and against the host's IEEE float arithmetic wherever the
// flush-to-zero policy does not apply.
#include "Vbf16_mul.h"
#include "Vfp32_add.h"
#include "coverage.hpp"
#include "mxu_fp.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

using namespace phtpu::mxu;

namespace {

struct Units {
  VerilatedContext ctx;
  std::unique_ptr<Vbf16_mul> mul = std::make_unique<Vbf16_mul>(&ctx, "mul");
  std::unique_ptr<Vfp32_add> add = std::make_unique<Vfp32_add>(&ctx, "add");
  phtpu::CoverageOnExit coverage{ctx, "units"}; // after the models: written while they live
  std::uint32_t rtl_mul(std::uint16_t a, std::uint16_t b) {
    mul->a_i = a;
    mul->b_i = b;
    mul->eval();
    return mul->p_o;
  }
  std::uint32_t rtl_add(std::uint32_t a, std::uint32_t b) {
    add->a_i = a;
    add->b_i = b;
    add->eval();
    return add->s_o;
  }
};

// One representative of every class of bf16 input, both signs.
std::vector<std::uint16_t> bf16_classes() {
  std::vector<std::uint16_t> mags = {
      0x0000, // zero
      0x0001, // smallest subnormal
      0x007F, // largest subnormal
      0x0080, // smallest normal 2^-126
      0x3F80, // 1.0
      0x3FC0, // 1.5
      0x4049, // ~pi
      0x1F80, // 2^-64: squares below 2^-126
      0x5F80, // 2^64: squares at 2^128 (overflow)
      0x7F7F, // largest normal
      0x7F80, // infinity
      0x7FC0, // quiet NaN
      0x7F81, // signalling NaN
  };
  std::vector<std::uint16_t> v;
  for (auto m : mags) {
    v.push_back(m);
    v.push_back(std::uint16_t(m | 0x8000));
  }
  return v;
}

// The same for fp32.
std::vector<std::uint32_t> fp32_classes() {
  std::vector<std::uint32_t> mags = {
      0x00000000, 0x00000001, 0x007FFFFF, // zero, subnormals
      0x00800000, 0x00800001, 0x00FFFFFF, // smallest normals
      0x3F800000, 0x3F800001, 0x3FFFFFFF, 0x33800000, 0x34000000, // 1, 1+ulp, ~2, 2^-24, 2^-23
      0x4B800000, 0x7F000000, 0x7F7FFFFF, // 2^24, 2^127, largest
      0x7F800000, 0x7FC00000, 0x7F800001, // inf, qNaN, sNaN
  };
  std::vector<std::uint32_t> v;
  for (auto m : mags) {
    v.push_back(m);
    v.push_back(m | 0x80000000u);
  }
  return v;
}

bool is_normal_or_zero_or_inf32(std::uint32_t b) { return !is_sub32(b) && !is_nan32(b); }

} // namespace

TEST_CASE("bf16_mul: every class of input against every class", "[mxu][fp]") {
  Units u;
  for (auto a : bf16_classes())
    for (auto b : bf16_classes()) {
      INFO(fmt::format("a={:#06x} b={:#06x}", a, b));
      std::uint32_t r = u.rtl_mul(a, b);
      REQUIRE(r == bf16_mul(a, b));
      // the policy, stated independently of both models
      bool a_nan = (a & 0x7F80) == 0x7F80 && (a & 0x7F), b_nan = (b & 0x7F80) == 0x7F80 && (b & 0x7F);
      bool a_zero = (a & 0x7F80) == 0, b_zero = (b & 0x7F80) == 0; // subnormal counts as zero
      bool a_inf = (a & 0x7FFF) == 0x7F80, b_inf = (b & 0x7FFF) == 0x7F80;
      std::uint32_t sign = std::uint32_t((a ^ b) & 0x8000) << 16;
      if (a_nan || b_nan || (a_inf && b_zero) || (a_zero && b_inf))
        REQUIRE(r == kQNaN);
      else if (a_inf || b_inf)
        REQUIRE(r == (sign | 0x7F800000u));
      else if (a_zero || b_zero)
        REQUIRE(r == sign);
      else {
        double p = double(bf16_to_f32(a)) * double(bf16_to_f32(b));
        if (std::fabs(p) < 0x1p-126) REQUIRE(r == sign);
        else REQUIRE(r == bits32(float(p))); // exact, or inf on overflow
      }
    }
}

TEST_CASE("bf16_mul: random pairs against the golden model and the host's multiply", "[mxu][fp]") {
  Units u;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  std::mt19937_64 rng(seed);
  std::uint64_t host_checked = 0;
  for (int i = 0; i < 2'000'000; ++i) {
    auto a = std::uint16_t(rng()), b = std::uint16_t(rng());
    std::uint32_t r = u.rtl_mul(a, b);
    if (r != bf16_mul(a, b)) FAIL(fmt::format("a={:#06x} b={:#06x}: rtl {:#010x} golden {:#010x}", a, b, r, bf16_mul(a, b)));
    std::uint32_t ab = std::uint32_t(a) << 16, bb = std::uint32_t(b) << 16;
    float hp = f32(ab) * f32(bb);
    if (is_normal_or_zero_or_inf32(ab) && is_normal_or_zero_or_inf32(bb) && !std::isnan(hp) &&
        is_normal_or_zero_or_inf32(bits32(hp)) && !(hp == 0 && f32(ab) != 0 && f32(bb) != 0)) {
      if (r != bits32(hp)) FAIL(fmt::format("a={:#06x} b={:#06x}: rtl {:#010x} host {:#010x}", a, b, r, bits32(hp)));
      ++host_checked;
    }
  }
  INFO("host-checked pairs " << host_checked);
  REQUIRE(host_checked > 1'000'000);
}

TEST_CASE("fp32_add: every class of input against every class", "[mxu][fp]") {
  Units u;
  for (auto a : fp32_classes())
    for (auto b : fp32_classes()) {
      INFO(fmt::format("a={:#010x} b={:#010x}", a, b));
      std::uint32_t r = u.rtl_add(a, b);
      REQUIRE(r == fp32_add(a, b));
      if (is_nan32(a) || is_nan32(b)) REQUIRE(r == kQNaN);
      float h = f32(a) + f32(b);
      if (is_normal_or_zero_or_inf32(a) && is_normal_or_zero_or_inf32(b) && !std::isnan(h) &&
          is_normal_or_zero_or_inf32(bits32(h)))
        REQUIRE(r == bits32(h));
    }
}

TEST_CASE("fp32_add: round half to even, cancellation and signed zeros", "[mxu][fp]") {
  Units u;
  const std::uint32_t one = 0x3F800000;
  CHECK(u.rtl_add(one, 0x33800000) == one);              // 1 + 2^-24: tie, stays even
  CHECK(u.rtl_add(0x3F800001, 0x33800000) == 0x3F800002); // (1+2^-23) + 2^-24: tie, rounds up to even
  CHECK(u.rtl_add(one, 0x33800001) == 0x3F800001);        // just above the tie: up
  CHECK(u.rtl_add(one, 0xB3800000) == 0x3F7FFFFF);        // 1 - 2^-24: exact below 1
  CHECK(u.rtl_add(one, 0xBF800000) == 0x00000000);        // x - x = +0
  CHECK(u.rtl_add(0x80000000, 0x80000000) == 0x80000000); // -0 + -0 = -0
  CHECK(u.rtl_add(0x80000000, 0x00000000) == 0x00000000); // -0 + +0 = +0
  CHECK(u.rtl_add(0x7F7FFFFF, 0x73800000) == 0x7F800000); // max + half ulp: tie rounds to even = inf
  CHECK(u.rtl_add(0x00800001, 0x80800000) == 0x00000000); // difference 2^-149 is subnormal: flushed to +0
  CHECK(u.rtl_add(0x80800001, 0x00800000) == 0x80000000); // ... with its sign
  CHECK(u.rtl_add(0x00000001, 0x3F800000) == 0x3F800000); // subnormal input reads as zero
}

TEST_CASE("fp32_add: random pairs against the golden model and the host's addition", "[mxu][fp]") {
  Units u;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  std::mt19937_64 rng(seed + 1);
  std::uint64_t host_checked = 0;
  for (int i = 0; i < 4'000'000; ++i) {
    std::uint32_t a = std::uint32_t(rng()), b;
    switch (i % 4) {
    case 0: b = std::uint32_t(rng()); break;                                     // any bits
    case 1: b = (a & 0xFF800000u) ^ (std::uint32_t(rng()) & 0x807FFFFFu); break; // same exponent: cancellation
    case 2: b = (std::uint32_t(rng()) & 0x807FFFFFu) | (((a >> 23 & 0xFF) + (rng() % 30)) % 255) << 23; break; // near exponents
    default: b = a ^ 0x80000000u ^ std::uint32_t(rng() & 0xFF); break;           // near-total cancellation
    }
    std::uint32_t r = u.rtl_add(a, b);
    if (r != fp32_add(a, b)) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} golden {:#010x}", a, b, r, fp32_add(a, b)));
    float h = f32(a) + f32(b);
    if (is_normal_or_zero_or_inf32(a) && is_normal_or_zero_or_inf32(b) && !std::isnan(h) &&
        is_normal_or_zero_or_inf32(bits32(h))) {
      if (r != bits32(h)) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} host {:#010x}", a, b, r, bits32(h)));
      ++host_checked;
    }
  }
  INFO("host-checked pairs " << host_checked);
  REQUIRE(host_checked > 3'000'000);
}
