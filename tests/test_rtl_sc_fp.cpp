// The SparseCore combine-path arithmetic units on their own (rtl/common/fp32_mul.sv,
// fp32_div.sv, fp32_sqrt.sv): every class of input against every other, checked against the C++
// golden model (ref/mxu_fp.hpp) and against the policy written out here; random operands (any
// bits, results near 2^-126 and near overflow, equal exponents, rounding carries, near-exact
// roots) bit for bit against the golden model and, wherever no input or result is subnormal,
// against the host's float arithmetic; directed rounding ties and flush/overflow boundaries;
// the golden model itself against exact integer rounding; and for the iterative units the
// timing contract (fixed latency, busy, ignored starts, held result, back-to-back operations).
// Randomized cases print their seed (PHTPU_SEED reproduces a run); the timing tests write
// build/waves/fp32_{div,sqrt}_timing.fst.
#include "Vfp32_div.h"
#include "Vfp32_mul.h"
#include "Vfp32_sqrt.h"
#include "coverage.hpp"
#include "dut.hpp"
#include "mxu_fp.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace phtpu::mxu;

namespace {

using Rng = std::mt19937_64;

constexpr unsigned kDivLatency = 27;  // fp32_div.sv: localparam Latency
constexpr unsigned kSqrtLatency = 27; // fp32_sqrt.sv: localparam Latency
constexpr std::uint32_t kSign = 0x80000000u, kInf = 0x7F800000u, kMinNormal32 = 0x00800000u;

// ---- the units ------------------------------------------------------------------------------

struct MulUnit {
  VerilatedContext ctx;
  std::unique_ptr<Vfp32_mul> mul = std::make_unique<Vfp32_mul>(&ctx, "mul");
  phtpu::CoverageOnExit coverage{ctx, "mul"}; // after the model: written while it lives
  std::uint32_t run(std::uint32_t a, std::uint32_t b) {
    mul->a_i = a;
    mul->b_i = b;
    mul->eval();
    return mul->p_o;
  }
};

// What the iterative units have in common, for the shared driver and timing test.
struct DivTraits {
  using Model = Vfp32_div;
  static constexpr unsigned kLatency = kDivLatency;
  static void operands(Model& m, std::uint32_t a, std::uint32_t b) {
    m.a_i = a;
    m.b_i = b;
  }
  static std::uint32_t result(const Model& m) { return m.q_o; }
  static std::uint32_t golden(std::uint32_t a, std::uint32_t b) { return fp32_div(a, b); }
};
struct SqrtTraits {
  using Model = Vfp32_sqrt;
  static constexpr unsigned kLatency = kSqrtLatency;
  static void operands(Model& m, std::uint32_t a, std::uint32_t) { m.a_i = a; }
  static std::uint32_t result(const Model& m) { return m.r_o; }
  static std::uint32_t golden(std::uint32_t a, std::uint32_t) { return fp32_sqrt(a); }
};

/// One operation at a time: start, then Latency - 1 more cycles; done_o must be high then.
template <class T>
struct SeqUnit {
  phtpu::Dut<typename T::Model> dut;
  explicit SeqUnit(const char* name) : dut(name) { dut.reset(); }
  std::uint32_t run(std::uint32_t a, std::uint32_t b = 0) {
    T::operands(dut.model(), a, b);
    dut->start_i = 1;
    dut.tick();
    dut->start_i = 0;
    dut.ticks(T::kLatency - 1);
    if (!dut->done_o) FAIL(fmt::format("a={:#010x} b={:#010x}: no done_o after {} cycles", a, b, T::kLatency));
    return T::result(dut.model());
  }
};

// ---- operands -------------------------------------------------------------------------------

/// One representative of every class of fp32 input, both signs.
std::vector<std::uint32_t> fp32_classes() {
  std::vector<std::uint32_t> mags = {
      0x00000000, // zero
      0x00000001, // smallest subnormal
      0x007FFFFF, // largest subnormal
      0x00800000, // smallest normal 2^-126
      0x3F800000, // 1
      0x3F800001, // 1 + 2^-23
      0x3FC00000, // 1.5
      0x3FFFFFFF, // 2 - 2^-23
      0x40490FDB, // pi
      0x1F800000, // 2^-64: its square is below 2^-126
      0x20000000, // 2^-63: its square is 2^-126
      0x5F800000, // 2^64: its square is 2^128 (overflow)
      0x7F000000, // 2^127
      0x7F7FFFFF, // largest normal
      0x7F800000, // infinity
      0x7FC00000, // quiet NaN
      0x7F800001, // signalling NaN
  };
  std::vector<std::uint32_t> v;
  for (auto m : mags) {
    v.push_back(m);
    v.push_back(m | kSign);
  }
  return v;
}

int uniform(Rng& rng, int lo, int hi) { return lo + int(rng() % std::uint64_t(hi - lo + 1)); }
/// Random sign and fraction with biased exponent e (1..254).
std::uint32_t with_exp(Rng& rng, int e) { return (std::uint32_t(rng()) & 0x807FFFFFu) | std::uint32_t(e) << 23; }
std::uint32_t exp_of(std::uint32_t b) { return b >> 23 & 0xFFu; }

using Pair = std::pair<std::uint32_t, std::uint32_t>;

/// A directed case: operands, the expected result, why.
struct Directed {
  std::uint32_t a, b, want;
  const char* why;
};

/// Bits of a float near x (clamped to the finite range), a few ulps either way.
std::uint32_t near(Rng& rng, double x) {
  const double max = std::numeric_limits<float>::max();
  return std::uint32_t(std::int64_t(bits32(float(std::clamp(x, -max, max)))) + uniform(rng, -3, 3));
}

Pair mul_operands(Rng& rng, int i) {
  switch (i % 6) {
  case 0: return {std::uint32_t(rng()), std::uint32_t(rng())}; // any bits
  case 1: {                                                    // products near 2^-126
    int s = uniform(rng, 125, 128), ea = uniform(rng, 1, s - 1);
    return {with_exp(rng, ea), with_exp(rng, s - ea)};
  }
  case 2: { // products near 2^128
    int s = uniform(rng, 379, 382), ea = uniform(rng, s - 254, 254);
    return {with_exp(rng, ea), with_exp(rng, s - ea)};
  }
  case 3: { // equal exponents
    std::uint32_t a = with_exp(rng, uniform(rng, 1, 254));
    return {a, with_exp(rng, int(exp_of(a)))};
  }
  case 4: { // significands 2 - d and 1 + e: products near 2, rounding carries
    std::uint32_t a = with_exp(rng, uniform(rng, 1, 254)) | 0x7FFFFFu, b = with_exp(rng, uniform(rng, 1, 254));
    return {a ^ std::uint32_t(rng() & 0xFF), (b & 0xFF800000u) | std::uint32_t(rng() & 0x1FF)};
  }
  default: { // products within a few ulps of 2^-126 or of 2^128
    if (rng() & 1) {
      std::uint32_t a = with_exp(rng, uniform(rng, 1, 127));
      return {a, near(rng, 0x1p-126 / double(f32(a)))};
    }
    std::uint32_t a = with_exp(rng, uniform(rng, 128, 254));
    return {a, near(rng, 0x1p128 / double(f32(a)))};
  }
  }
}

Pair div_operands(Rng& rng, int i) {
  switch (i % 6) {
  case 0: return {std::uint32_t(rng()), std::uint32_t(rng())}; // any bits
  case 1: {                                                    // quotients near 2^-126
    int t = uniform(rng, 0, 2), eb = uniform(rng, 128 - t, 254);
    return {with_exp(rng, eb + t - 127), with_exp(rng, eb)};
  }
  case 2: { // quotients near 2^128
    int t = uniform(rng, 254, 256), eb = uniform(rng, 1, 381 - t);
    return {with_exp(rng, eb + t - 127), with_exp(rng, eb)};
  }
  case 3: { // equal exponents; half of them with nearly equal significands
    std::uint32_t a = with_exp(rng, uniform(rng, 1, 254)), b = with_exp(rng, int(exp_of(a)));
    if (rng() & 1)
      b = (a & 0xFF800000u) | (b & kSign) | (((a & 0x7FFFFFu) + std::uint32_t(rng() % 7) - 3u) & 0x7FFFFFu);
    return {a, b};
  }
  case 4: { // small integers: x / 3, 6 / 3, 1 / 7 ...
    float a = rng() & 1 ? f32(with_exp(rng, uniform(rng, 1, 254))) : float(uniform(rng, 1, 4096));
    return {bits32(a), bits32(float(uniform(rng, 1, 1024)))};
  }
  default: { // quotients within a few ulps of 2^-126 or of 2^128
    if (rng() & 1) {
      std::uint32_t b = with_exp(rng, uniform(rng, 127, 254));
      return {near(rng, 0x1p-126 * double(f32(b))), b};
    }
    std::uint32_t b = with_exp(rng, uniform(rng, 1, 126));
    return {near(rng, 0x1p128 * double(f32(b))), b};
  }
  }
}

std::uint32_t sqrt_operand(Rng& rng, int i) {
  switch (i % 4) {
  case 0: return std::uint32_t(rng());                         // any bits
  case 1: return with_exp(rng, uniform(rng, 1, 254)) & ~kSign; // any positive normal
  case 2: {                                                    // near squares: near-exact roots
    float x = f32(with_exp(rng, uniform(rng, 64, 190)) & ~kSign);
    std::uint32_t sq = bits32(float(double(x) * double(x)));
    return std::uint32_t(std::int64_t(sq) + uniform(rng, -2, 2));
  }
  default: { // the ends of the range, significands near 1 and near 2
    static const int exps[] = {1, 2, 3, 126, 127, 128, 252, 253, 254};
    std::uint32_t f = std::uint32_t(rng() & 0xFF);
    return std::uint32_t(exps[rng() % 9]) << 23 | (rng() & 1 ? f : 0x7FFFFFu - f);
  }
  }
}

// ---- the policy, written out independently of both models -----------------------------------

bool is_nan(std::uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFFu); }
bool is_inf(std::uint32_t b) { return (b & 0x7FFFFFFFu) == 0x7F800000u; }
bool is_zero_daz(std::uint32_t b) { return (b & 0x7F800000u) == 0; } // zero or subnormal
bool is_subnormal(std::uint32_t b) { return (b & 0x7F800000u) == 0 && (b & 0x7FFFFFu); }

/// A finite non-zero result whose exact value is v (a double close enough to judge the range):
/// within the normal range it is the host's IEEE result h; below 2^-126 it is a zero of the
/// result's sign, or 2^-126 when v rounds up to it; at or beyond 2^128 after rounding it is
/// infinity, which the host's round-to-nearest gives as well.
void check_finite_policy(std::uint32_t r, double v, float h) {
  const std::uint32_t sign = std::signbit(v) ? kSign : 0u;
  if (std::fabs(v) >= 0x1p-126) {
    REQUIRE(r == bits32(h));
  } else {
    REQUIRE((r == sign || r == (sign | kMinNormal32)));
    if (std::fabs(v) < 0x1p-126 * (1 - 0x1p-25)) REQUIRE(r == sign); // below the last tie
  }
}

/// Inputs and result where the host's float arithmetic is the reference (IEEE 754): no input
/// subnormal, the result not subnormal and its exact value v not below 2^-126. A NaN result
/// compares as the canonical NaN.
bool host_comparable(std::initializer_list<std::uint32_t> in, double v, float h) {
  for (auto x : in)
    if (is_subnormal(x)) return false;
  if (std::isnan(h)) return true;
  return !is_subnormal(bits32(h)) && !(v != 0 && std::fabs(v) < 0x1p-126);
}
std::uint32_t host_bits(float h) { return std::isnan(h) ? kQNaN : bits32(h); }

// ---- exact integer rounding: an independent check of the golden model's rounding ------------

/// Round sig x 2^e2 (plus a non-zero amount below sig's last bit when sticky; sig has at least
/// 26 bits then) to 24 bits, nearest even, unbounded exponent; then FTZ and overflow.
std::uint32_t exact_round(bool neg, std::uint64_t sig, int e2, bool sticky) {
  const int n = 64 - __builtin_clzll(sig);
  int shift = n - 24;
  std::uint64_t kept;
  if (sticky && shift < 2) FAIL("exact_round: too few bits for a sticky result");
  if (shift <= 0) {
    kept = sig << -shift;
  } else {
    kept = sig >> shift;
    const bool guard = (sig >> (shift - 1)) & 1;
    const bool rest = sticky || (sig & ((std::uint64_t(1) << (shift - 1)) - 1)) != 0;
    if (guard && (rest || (kept & 1))) ++kept;
    if (kept == (std::uint64_t(1) << 24)) {
      kept >>= 1;
      ++shift;
    }
  }
  const int biased = e2 + shift + 23 + 127; // the value is kept x 2^(e2 + shift), kept in [2^23, 2^24)
  const std::uint32_t sign = neg ? kSign : 0u;
  if (biased >= 255) return sign | kInf;
  if (biased <= 0) return sign;
  return sign | std::uint32_t(biased) << 23 | (std::uint32_t(kept) & 0x7FFFFFu);
}
std::uint64_t sig_of(std::uint32_t b) { return 0x800000u | (b & 0x7FFFFFu); }
bool normal(std::uint32_t b) { return exp_of(b) != 0 && exp_of(b) != 255; }

std::uint32_t exact_mul(std::uint32_t a, std::uint32_t b) {
  return exact_round((a ^ b) & kSign, sig_of(a) * sig_of(b), int(exp_of(a)) - 150 + int(exp_of(b)) - 150, false);
}
std::uint32_t exact_div(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t num = sig_of(a) << 40; // < 2^64
  return exact_round((a ^ b) & kSign, num / sig_of(b), int(exp_of(a)) - int(exp_of(b)) - 40, num % sig_of(b) != 0);
}
std::uint32_t exact_sqrt(std::uint32_t a) {
  std::uint64_t m = sig_of(a);
  int e = int(exp_of(a)) - 150; // a = m x 2^e
  if (e & 1) {
    m <<= 1;
    --e;
  }
  const std::uint64_t x = m << 30; // < 2^55, at most 25 significant bits: exact in double
  auto r = std::uint64_t(std::sqrt(double(x)));
  while (r * r > x)
    --r;
  while ((r + 1) * (r + 1) <= x)
    ++r;
  return exact_round(false, r, (e - 30) / 2, r * r != x);
}

} // namespace

// ---- fp32_mul -------------------------------------------------------------------------------

TEST_CASE("fp32_mul: every class of input against every class", "[sc][fp]") {
  MulUnit u;
  for (auto a : fp32_classes())
    for (auto b : fp32_classes()) {
      INFO(fmt::format("a={:#010x} b={:#010x}", a, b));
      const std::uint32_t r = u.run(a, b);
      REQUIRE(r == fp32_mul(a, b));
      const std::uint32_t sign = (a ^ b) & kSign;
      if (is_nan(a) || is_nan(b) || (is_inf(a) && is_zero_daz(b)) || (is_zero_daz(a) && is_inf(b)))
        REQUIRE(r == kQNaN);
      else if (is_inf(a) || is_inf(b))
        REQUIRE(r == (sign | kInf));
      else if (is_zero_daz(a) || is_zero_daz(b))
        REQUIRE(r == sign);
      else
        check_finite_policy(r, double(f32(a)) * double(f32(b)), f32(a) * f32(b));
    }
}

TEST_CASE("fp32_mul: round half to even, flush and overflow boundaries", "[sc][fp]") {
  MulUnit u;
  const Directed cases[] = {
      {0x3F800001, 0x3FC00000, 0x3FC00002, "1.5 + 1.5 ulp: tie, up to even"},
      {0x3F800003, 0x3FC00000, 0x3FC00004, "1.5 + 4.5 ulp: tie, down to even"},
      {0x3F800001, 0x3F800001, 0x3F800002, "1 + 2 ulp + 2^-46: down"},
      {0x3FFFFFFF, 0x3FFFFFFF, 0x407FFFFE, "(2 - ulp)^2: the product needs bit 47"},
      {0x3FFFFFFF, 0x3F800001, 0x40000000, "(2 - ulp)(1 + ulp) = 2 + 2^-23 - 2^-46: down"},
      {0x3F800001, 0x3FFFFFFE, 0x40000000, "(1 + ulp)(2 - 2 ulp) = 2 - 2^-45: rounding carry"},
      // significands 1.7587890625 x 1.1371383667 = 2 - 2^-24 exactly
      {0x3FE12000, 0x7F118E00, kInf, "2^128 - 2^103: tie, to even = inf"},
      {0x3FE12000, 0x7F118DFF, 0x7F7FFFFE, "just below it: finite"},
      {0x7F7FFFFF, 0x3F800000, 0x7F7FFFFF, "max x 1"},
      {0x7F7FFFFF, 0x3F800001, kInf, "max x (1 + ulp) rounds to 2^128"},
      {0x5F800000, 0x5F800000, kInf, "2^64 x 2^64 = 2^128"},
      {0x3F612000, 0x00918E00, kMinNormal32, "2^-126 - 2^-151: tie, up to 2^-126"},
      {0x3F612000, 0x00918DFF, 0, "just below it: flushed"},
      {0x00800000, 0x3F7FFFFF, 0, "2^-126 - 2^-150 is exact with an unbounded exponent: flushed"},
      {0x1F800000, 0x20800000, kMinNormal32, "2^-64 x 2^-62 = 2^-126"},
      {0x1F800000, 0x20000000, 0, "2^-64 x 2^-63 = 2^-127: flushed"},
      {0x00800000, 0x00800000, 0, "2^-252: flushed"},
      {0x00000001, 0x7F7FFFFF, 0, "a subnormal reads as zero"},
  };
  for (const auto& c : cases)
    for (std::uint32_t s : {0u, kSign}) { // each case with both signs of the result
      INFO(fmt::format("{:#010x} x {:#010x}: {}", c.a ^ s, c.b, c.why));
      CHECK(u.run(c.a ^ s, c.b) == (c.want ^ s));
      CHECK(fp32_mul(c.a ^ s, c.b) == (c.want ^ s));
      if (normal(c.a) && normal(c.b)) CHECK(exact_mul(c.a ^ s, c.b) == (c.want ^ s));
    }
  // where IEEE's subnormal rounding differs: the host rounds 2^-126 - 2^-150 (a tie at the
  // subnormal spacing) up to 2^-126
  CHECK(bits32(f32(0x00800000) * f32(0x3F7FFFFF)) == kMinNormal32);
}

TEST_CASE("fp32_mul: random pairs against the golden model and the host's multiply", "[sc][fp]") {
  MulUnit u;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  Rng rng(seed + 10);
  std::uint64_t host_checked = 0;
  constexpr int kPairs = 1'500'000;
  for (int i = 0; i < kPairs; ++i) {
    const auto [a, b] = mul_operands(rng, i);
    const std::uint32_t r = u.run(a, b), g = fp32_mul(a, b);
    if (r != g) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} golden {:#010x}", a, b, r, g));
    const float h = f32(a) * f32(b);
    if (host_comparable({a, b}, double(f32(a)) * double(f32(b)), h)) {
      if (r != host_bits(h)) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} host {:#010x}", a, b, r, bits32(h)));
      ++host_checked;
    }
  }
  INFO("host-checked pairs " << host_checked);
  REQUIRE(host_checked > kPairs / 2);
}

// ---- fp32_div -------------------------------------------------------------------------------

TEST_CASE("fp32_div: every class of input against every class", "[sc][fp]") {
  SeqUnit<DivTraits> u("div");
  for (auto a : fp32_classes())
    for (auto b : fp32_classes()) {
      INFO(fmt::format("a={:#010x} b={:#010x}", a, b));
      const std::uint32_t r = u.run(a, b);
      REQUIRE(r == fp32_div(a, b));
      const std::uint32_t sign = (a ^ b) & kSign;
      if (is_nan(a) || is_nan(b) || (is_inf(a) && is_inf(b)) || (is_zero_daz(a) && is_zero_daz(b)))
        REQUIRE(r == kQNaN);
      else if (is_inf(a) || is_zero_daz(b)) // inf / finite, x / 0, x / subnormal
        REQUIRE(r == (sign | kInf));
      else if (is_zero_daz(a) || is_inf(b)) // 0 / x, finite / inf
        REQUIRE(r == sign);
      else
        check_finite_policy(r, double(f32(a)) / double(f32(b)), f32(a) / f32(b));
    }
}

TEST_CASE("fp32_div: exact and rounded quotients, flush and overflow boundaries", "[sc][fp]") {
  SeqUnit<DivTraits> u("div");
  const Directed cases[] = {
      {0x3F800000, 0x40400000, 0x3EAAAAAB, "1 / 3: up"},
      {0x40000000, 0x40400000, 0x3F2AAAAB, "2 / 3: up"},
      {0x40C00000, 0x40400000, 0x40000000, "6 / 3 = 2: exact"},
      {0x3F800000, 0x40E00000, 0x3E124925, "1 / 7"},
      {0x40490FDB, 0x40490FDB, 0x3F800000, "x / x = 1"},
      {0x3F800000, 0x3FFFFFFF, 0x3F000001, "1 / (2 - ulp): the smallest significand ratio"},
      {0x3FFFFFFF, 0x3F800000, 0x3FFFFFFF, "(2 - ulp) / 1: the largest"},
      {0x3F7FFFFF, 0x3F800001, 0x3F7FFFFD, "(1 - 2^-24) / (1 + 2^-23)"},
      {0x7F7FFFFF, 0x3F800000, 0x7F7FFFFF, "max / 1"},
      {0x7F7FFFFF, 0x3F7FFFFF, kInf, "max / (1 - 2^-24) = 2^128"},
      {0x7F7FFFFF, 0x3F000000, kInf, "max / 0.5"},
      {0x00800001, 0x3F800001, kMinNormal32, "exactly 2^-126"},
      {0x00800000, 0x3F800001, 0, "2^-126 (1 - 2^-23 + ...): flushed"},
      {0x00800000, 0x3F800000, kMinNormal32, "2^-126 / 1"},
      {0x00800000, 0x40000000, 0, "2^-126 / 2: flushed"},
      {0x3F800000, 0x7F7FFFFF, 0, "1 / max ~ 2^-128: flushed"},
      {0x00800000, 0x3F000000, 0x01000000, "2^-126 / 0.5 = 2^-125"},
      {0x3F800000, 0x00000001, kInf, "x / subnormal = inf"},
      {0x00000001, 0x3F800000, 0, "subnormal / x = 0"},
  };
  for (const auto& c : cases)
    for (std::uint32_t s : {0u, kSign}) {
      INFO(fmt::format("{:#010x} / {:#010x}: {}", c.a ^ s, c.b, c.why));
      CHECK(u.run(c.a ^ s, c.b) == (c.want ^ s));
      CHECK(fp32_div(c.a ^ s, c.b) == (c.want ^ s));
      if (normal(c.a) && normal(c.b)) CHECK(exact_div(c.a ^ s, c.b) == (c.want ^ s));
    }
}

TEST_CASE("fp32_div: random pairs against the golden model and the host's division", "[sc][fp]") {
  SeqUnit<DivTraits> u("div");
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  Rng rng(seed + 20);
  std::uint64_t host_checked = 0;
  constexpr int kPairs = 250'000;
  for (int i = 0; i < kPairs; ++i) {
    const auto [a, b] = div_operands(rng, i);
    const std::uint32_t r = u.run(a, b), g = fp32_div(a, b);
    if (r != g) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} golden {:#010x}", a, b, r, g));
    const float h = f32(a) / f32(b);
    if (host_comparable({a, b}, double(f32(a)) / double(f32(b)), h)) {
      if (r != host_bits(h)) FAIL(fmt::format("a={:#010x} b={:#010x}: rtl {:#010x} host {:#010x}", a, b, r, bits32(h)));
      ++host_checked;
    }
  }
  INFO("host-checked pairs " << host_checked);
  REQUIRE(host_checked > kPairs / 2);
}

// ---- fp32_sqrt ------------------------------------------------------------------------------

TEST_CASE("fp32_sqrt: every class of input", "[sc][fp]") {
  SeqUnit<SqrtTraits> u("sqrt");
  std::vector<std::uint32_t> in = fp32_classes();
  for (std::uint32_t m : {0x40000000u, 0x40800000u, 0x3E800000u, 0x00800001u, 0x00FFFFFFu}) // 2, 4, 1/4, ...
    in.insert(in.end(), {m, m | kSign});
  for (auto a : in) {
    INFO(fmt::format("a={:#010x}", a));
    const std::uint32_t r = u.run(a);
    REQUIRE(r == fp32_sqrt(a));
    if (is_nan(a))
      REQUIRE(r == kQNaN);
    else if (is_zero_daz(a))
      REQUIRE(r == (a & kSign)); // sqrt(+-0) = +-0, subnormals too
    else if (a & kSign)
      REQUIRE(r == kQNaN); // negative, -inf included
    else if (is_inf(a))
      REQUIRE(r == kInf);
    else
      REQUIRE(r == bits32(std::sqrt(f32(a)))); // IEEE sqrt, never subnormal
  }
}

TEST_CASE("fp32_sqrt: exact roots, nearest-even rounding, the ends of the range", "[sc][fp]") {
  SeqUnit<SqrtTraits> u("sqrt");
  const Directed cases[] = {
      {0x40800000, 0, 0x40000000, "sqrt(4) = 2"},
      {0x41100000, 0, 0x40400000, "sqrt(9) = 3"},
      {0x40000000, 0, 0x3FB504F3, "sqrt(2)"},
      {0x3F800001, 0, 0x3F800000, "sqrt(1 + 2^-23) ~ 1 + 2^-24 - 2^-49: down to 1"},
      {0x3F7FFFFF, 0, 0x3F7FFFFF, "sqrt(1 - 2^-24) ~ 1 - 2^-25 - 2^-51: just below the tie"},
      {0x3FFFFFFF, 0, 0x3FB504F3, "sqrt(2 - 2^-23)"},
      {0x407FFFFF, 0, 0x3FFFFFFF, "sqrt(4 - 2^-21) ~ 2 - 2^-22: the largest significand"},
      {0x00800000, 0, 0x20000000, "sqrt(2^-126) = 2^-63"},
      {0x01000000, 0, 0x203504F3, "sqrt(2^-125) = 2^-63 sqrt(2)"},
      {0x7F7FFFFF, 0, 0x5F7FFFFF, "sqrt(max): just below 2^64"},
      {0x7F000000, 0, 0x5F3504F3, "sqrt(2^127)"},
      {0x80000000, 0, 0x80000000, "sqrt(-0) = -0"},
      {0x80000001, 0, 0x80000000, "a negative subnormal reads as -0"},
      {0x00000001, 0, 0x00000000, "a positive subnormal reads as +0"},
      {0xBF800000, 0, kQNaN, "sqrt(-1)"},
      {0x80800000, 0, kQNaN, "sqrt(-2^-126)"},
  };
  for (const auto& c : cases) {
    INFO(fmt::format("sqrt({:#010x}): {}", c.a, c.why));
    CHECK(u.run(c.a) == c.want);
    CHECK(fp32_sqrt(c.a) == c.want);
    if (normal(c.a) && !(c.a & kSign)) {
      CHECK(exact_sqrt(c.a) == c.want);
      CHECK(bits32(std::sqrt(f32(c.a))) == c.want); // IEEE: the host agrees
    }
  }
}

TEST_CASE("fp32_sqrt: random operands against the golden model and the host's sqrtf", "[sc][fp]") {
  SeqUnit<SqrtTraits> u("sqrt");
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  Rng rng(seed + 30);
  std::uint64_t host_checked = 0;
  constexpr int kOps = 250'000;
  for (int i = 0; i < kOps; ++i) {
    const std::uint32_t a = sqrt_operand(rng, i);
    const std::uint32_t r = u.run(a), g = fp32_sqrt(a);
    if (r != g) FAIL(fmt::format("a={:#010x}: rtl {:#010x} golden {:#010x}", a, r, g));
    const float h = std::sqrt(f32(a));
    if (host_comparable({a}, std::sqrt(double(f32(a))), h)) {
      if (r != host_bits(h)) FAIL(fmt::format("a={:#010x}: rtl {:#010x} host {:#010x}", a, r, bits32(h)));
      ++host_checked;
    }
  }
  INFO("host-checked operands " << host_checked);
  REQUIRE(host_checked > kOps * 3 / 4);
}

// ---- the golden model against exact integer rounding -----------------------------------------

TEST_CASE("golden fp32_mul, fp32_div, fp32_sqrt equal exact integer rounding", "[sc][fp]") {
  // Where the host cannot be the reference (results below 2^-126, near 2^128), the golden
  // model's scaled rounding is checked against rounding the exact integer result.
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  Rng rng(seed + 40);
  std::uint64_t n_mul = 0, n_div = 0, n_sqrt = 0;
  for (int i = 0; i < 600'000; ++i) {
    const int cat = 1 + i % 5; // all but the any-bits category
    if (auto [a, b] = mul_operands(rng, cat); normal(a) && normal(b)) {
      if (fp32_mul(a, b) != exact_mul(a, b))
        FAIL(fmt::format("mul a={:#010x} b={:#010x}: golden {:#010x} exact {:#010x}", a, b, fp32_mul(a, b),
                         exact_mul(a, b)));
      ++n_mul;
    }
    if (auto [a, b] = div_operands(rng, cat); normal(a) && normal(b)) {
      if (fp32_div(a, b) != exact_div(a, b))
        FAIL(fmt::format("div a={:#010x} b={:#010x}: golden {:#010x} exact {:#010x}", a, b, fp32_div(a, b),
                         exact_div(a, b)));
      ++n_div;
    }
    if (std::uint32_t a = sqrt_operand(rng, cat) & ~kSign; normal(a)) {
      if (fp32_sqrt(a) != exact_sqrt(a))
        FAIL(fmt::format("sqrt a={:#010x}: golden {:#010x} exact {:#010x}", a, fp32_sqrt(a), exact_sqrt(a)));
      ++n_sqrt;
    }
  }
  INFO("checked: mul " << n_mul << ", div " << n_div << ", sqrt " << n_sqrt);
  REQUIRE((n_mul > 500'000 && n_div > 500'000 && n_sqrt > 500'000));
}

// ---- timing contract of the iterative units ------------------------------------------------

namespace {

/// The timing contract as a cycle model (fp32_div.sv / fp32_sqrt.sv headers): a start taken in
/// cycle t (busy low) raises busy in t+1 .. t+L-1 and done with the result in t+L only; the
/// result holds until the next done.
struct ContractModel {
  unsigned latency;
  bool busy = false, done = false;
  unsigned left = 0;
  std::uint32_t a = 0, b = 0, result = 0;
  /// One clock edge, with the inputs of the cycle that it ends.
  template <class T>
  void edge(bool start, std::uint32_t in_a, std::uint32_t in_b) {
    done = false;
    if (!busy) {
      if (start) {
        busy = true;
        left = latency - 1;
        a = in_a;
        b = in_b;
      }
    } else if (--left == 0) {
      busy = false;
      done = true;
      result = T::golden(a, b);
    }
  }
};

template <class T>
void check_timing_contract(const char* name) {
  SeqUnit<T> u(name);
  auto& dut = u.dut;
  dut.open_trace(phtpu::test_wave_path(std::string(name) + "_timing"));
  INFO("waveform: " << dut.trace_path());
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  Rng rng(seed + 50);
  auto operand = [&] { return with_exp(rng, uniform(rng, 64, 190)) & (std::is_same_v<T, SqrtTraits> ? ~kSign : ~0u); };
  constexpr unsigned L = T::kLatency;
  REQUIRE((!dut->busy_o && !dut->done_o && T::result(dut.model()) == 0)); // after reset

  ContractModel ref{L};
  std::uint64_t cycle = 0, dones = 0;
  // One cycle: drive the inputs, compare the outputs with the contract, take the edge.
  auto step = [&](bool start) {
    const std::uint32_t a = operand(), b = operand();
    T::operands(dut.model(), a, b);
    dut->start_i = start;
    dut->eval();
    INFO("cycle " << cycle);
    REQUIRE(bool(dut->busy_o) == ref.busy);
    REQUIRE(bool(dut->done_o) == ref.done);
    REQUIRE(T::result(dut.model()) == ref.result);
    dones += ref.done;
    ref.edge<T>(start, a, b);
    dut.tick();
    ++cycle;
  };

  // 1. one operation; start_i toggling while busy is ignored, the operands change every cycle
  step(true);
  for (unsigned k = 1; k < L; ++k)
    step(k % 2);
  REQUIRE((dut->done_o && !dut->busy_o)); // cycle t + L
  step(false);                            // the done cycle, no start
  // 2. start in the cycle after done; the previous result holds until the next done
  step(true);
  for (unsigned k = 1; k < L; ++k)
    step(false);
  REQUIRE(dut->done_o);
  // 3. start in the done cycle itself: start_i held high gives one operation every L cycles
  for (int op = 0; op < 4; ++op) {
    for (unsigned k = 0; k < L; ++k)
      step(true);
    REQUIRE(dut->done_o);
  }
  // idle: done_o is one cycle, the result holds
  for (int k = 0; k < 8; ++k)
    step(false);
  REQUIRE(dones == 6);
  // 4. random start patterns: sparse starts, then start_i held for long stretches
  for (int k = 0; k < 3000; ++k)
    step(rng() % 8 == 0 || (k / 500) % 2 == 1);
  REQUIRE(dones > 60);
  // 5. an asynchronous reset aborts a running operation; the unit works after it
  while (ref.busy)
    step(false);
  step(true);
  for (int k = 0; k < 10; ++k)
    step(false);
  REQUIRE(dut->busy_o);
  dut->rst_ni = 0;
  dut->eval();
  REQUIRE((!dut->busy_o && !dut->done_o && T::result(dut.model()) == 0));
  dut.reset();
  ref = ContractModel{L};
  const auto before = dones;
  for (unsigned k = 0; k < 2 * L; ++k)
    step(k == 3);
  REQUIRE(dones == before + 1);
}

} // namespace

TEST_CASE("fp32_div: timing contract", "[sc][fp]") { check_timing_contract<DivTraits>("fp32_div"); }
TEST_CASE("fp32_sqrt: timing contract", "[sc][fp]") { check_timing_contract<SqrtTraits>("fp32_sqrt"); }
