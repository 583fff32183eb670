// MXU numerics, C++ golden model: bf16 x bf16 -> fp32 products and fp32 addition with the
// policy of rtl/common/bf16_mul.sv and rtl/common/fp32_add.sv (docs/blocks/mxu.md "MXU
// numerics"); the same policy for the SparseCore's fp32 multiply, divide and square root
// (rtl/common/fp32_mul.sv, fp32_div.sv, fp32_sqrt.sv). Written on top of the host's IEEE
// float arithmetic (round to nearest even), not after the RTL's datapath: only the policy at the
// edges is added (subnormal inputs read as zero, results below 2^-126 flushed to a zero of the
// result's sign, one canonical NaN).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace phtpu::mxu {

constexpr std::uint32_t kQNaN = 0x7FC00000u; ///< the one NaN the MXU produces
constexpr float kMinNormal = 0x1p-126f;

inline float f32(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline std::uint32_t bits32(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
/// bf16 is the top half of an fp32.
inline float bf16_to_f32(std::uint16_t h) { return f32(std::uint32_t(h) << 16); }

/// fp32 -> bf16 with round to nearest even (NaN stays a quiet NaN). Used to make inputs.
inline std::uint16_t f32_to_bf16(float f) {
  std::uint32_t b = bits32(f);
  if (std::isnan(f)) return std::uint16_t((b >> 16) | 0x0040u);
  std::uint32_t lsb = (b >> 16) & 1u;
  b += 0x7FFFu + lsb;
  return std::uint16_t(b >> 16);
}

inline bool is_nan32(std::uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFFu); }
inline bool is_sub32(std::uint32_t b) { return (b & 0x7F800000u) == 0 && (b & 0x7FFFFFu); }
/// Subnormal inputs are read as a zero of the same sign (DAZ).
inline float daz(std::uint32_t b) { return is_sub32(b) ? f32(b & 0x80000000u) : f32(b); }

/// Flush a result below 2^-126 in magnitude to a signed zero; canonical NaN.
inline std::uint32_t ftz_result(float r) {
  if (std::isnan(r)) return kQNaN;
  if (r != 0.0f && std::fabs(r) < kMinNormal) return bits32(r) & 0x80000000u;
  return bits32(r);
}

/// The MXU product: exact bf16 x bf16 in fp32 (16 significant bits always fit), with DAZ on
/// the inputs and FTZ on the result. The product is formed in double (exact) so that a
/// product just below 2^-126 is flushed even where the host's float multiply would round it
/// up to 2^-126.
inline std::uint32_t bf16_mul(std::uint16_t a, std::uint16_t b) {
  float x = daz(std::uint32_t(a) << 16), y = daz(std::uint32_t(b) << 16);
  if (std::isnan(x) || std::isnan(y)) return kQNaN;
  double p = double(x) * double(y);
  if (std::isnan(p)) return kQNaN;                       // inf x 0
  if (p != 0.0 && std::fabs(p) < double(kMinNormal)) return std::signbit(p) ? 0x80000000u : 0u;
  return ftz_result(float(p));                            // exact, or inf on overflow
}

/// The MXU addition: IEEE fp32 round to nearest even, DAZ inputs, FTZ result. The exact sum of
/// two normal floats below 2^-126 is a subnormal the host computes exactly, so flushing the
/// host's result is the same as rounding with an unbounded exponent and then flushing.
inline std::uint32_t fp32_add(std::uint32_t a, std::uint32_t b) {
  return ftz_result(daz(a) + daz(b));
}

// ---- SparseCore combine path: fp32 multiply, divide, square root ---------------------------
// rtl/common/fp32_mul.sv, fp32_div.sv, fp32_sqrt.sv, with the same policy as fp32_add. Each is
// the host's double-precision operation followed by one rounding to fp32 (round_f32_ftz).

/// Round v to fp32, nearest even, as if the exponent range were unbounded, then apply the
/// policy: a rounded magnitude below 2^-126 becomes a zero of v's sign, one at or above 2^128
/// becomes infinity; NaN becomes the canonical NaN. v must be the exact result or its correct
/// rounding to double: rounding to 53 bits and then to 24 is the same as rounding once to 24
/// (Figueroa 1995: double rounding is innocuous for +, -, x, / and sqrt when p >= 2q + 2;
/// here p = 53, q = 24). The host's own double -> float conversion would round a value below
/// 2^-126 with the subnormal spacing, and C++ does not pin down the conversion of a value
/// beyond FLT_MAX, so both ends are scaled (exactly, by a power of two) into float's normal
/// range, rounded there and judged after rounding. Every fp32 product, quotient and root of
/// normal numbers lies within [2^-254, 2^256): well inside double's normal range, and the
/// scaled values inside float's.
inline std::uint32_t round_f32_ftz(double v) {
  if (std::isnan(v)) return kQNaN;
  const std::uint32_t sign = std::signbit(v) ? 0x80000000u : 0u;
  const double m = std::fabs(v);
  if (m == 0.0) return sign;
  if (std::isinf(m)) return sign | 0x7F800000u;
  if (m < 0x1p-126) { // rounds to at most 2^-126, the only value that survives the flush
    const float r = float(m * 0x1p192);
    return r >= 0x1p66f ? sign | 0x00800000u : sign;
  }
  if (m >= 0x1p127) {                    // rounds to 2^127 .. max, or to 2^128: infinity
    const float r = float(m * 0x1p-128); // in [0.5, 1]
    return r >= 1.0f ? sign | 0x7F800000u : sign | (bits32(r) + (128u << 23));
  }
  return sign | bits32(float(m));
}

/// fp32 multiply: IEEE round to nearest even with DAZ inputs and the FTZ/overflow policy. The
/// product of two 24-bit significands has at most 48 bits, so the double product is exact.
/// NaN in, inf x 0 -> canonical NaN; inf x finite non-zero -> inf; 0 x finite -> signed 0.
inline std::uint32_t fp32_mul(std::uint32_t a, std::uint32_t b) {
  const float x = daz(a), y = daz(b);
  if (std::isnan(x) || std::isnan(y)) return kQNaN;
  return round_f32_ftz(double(x) * double(y)); // inf x 0 is NaN
}

/// fp32 divide a / b: IEEE round to nearest even with DAZ inputs (so x / subnormal = inf) and
/// the FTZ/overflow policy. The double quotient is correctly rounded to 53 bits (innocuous).
/// NaN in, 0 / 0, inf / inf -> canonical NaN; x / 0 and inf / finite -> signed inf;
/// finite / inf and 0 / finite non-zero -> signed 0 (all IEEE double semantics).
inline std::uint32_t fp32_div(std::uint32_t a, std::uint32_t b) {
  const float x = daz(a), y = daz(b);
  if (std::isnan(x) || std::isnan(y)) return kQNaN;
  return round_f32_ftz(double(x) / double(y));
}

/// fp32 square root: IEEE round to nearest even with a DAZ input. The double root is correctly
/// rounded to 53 bits (innocuous). sqrt(-0) = -0, sqrt(+inf) = +inf; NaN in, sqrt(-inf) and
/// sqrt(negative) -> canonical NaN.
inline std::uint32_t fp32_sqrt(std::uint32_t a) {
  const float x = daz(a);
  if (std::isnan(x)) return kQNaN;
  return round_f32_ftz(std::sqrt(double(x))); // NaN for x < 0
}

} // namespace phtpu::mxu
