// MXU numerics, C++ golden model: bf16 x bf16 -> fp32 products and fp32 addition with the
// policy of rtl/common/bf16_mul.sv and rtl/common/fp32_add.sv (docs/architecture.md "MXU
// numerics"). Written on top of the host's IEEE float arithmetic (round to nearest even), not
// after the RTL's datapath: only the policy at the edges is added (subnormal inputs read as
// zero, results below 2^-126 flushed to a zero of the result's sign, one canonical NaN).
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

} // namespace phtpu::mxu
