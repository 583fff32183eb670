// MXU GEMM reference models (no Verilator dependency):
//   golden_gemm   bit-exact with the RTL: the same tiles, the same summation order, the same
//                 arithmetic (mxu_fp.hpp). C = A x B, A is M x K bf16, B is K x Ncol bf16.
//   double_gemm   sums of exact products in double precision, and error_bound, the bound that
//                 the fp32 result must meet against it (tests/test_mxu_gemm.cpp states why).
//   cycle models  the ideal cycle count and SCALE-Sim's weight-stationary estimate.
#pragma once

#include "mxu_fp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace phtpu::mxu {

/// One GEMM problem: row-major A (M x K) and B (K x Ncol) as bf16 bit patterns.
struct Gemm {
  unsigned M = 0, K = 0, Ncol = 0;
  std::vector<std::uint16_t> A, B;
  std::uint16_t a(unsigned m, unsigned k) const { return A[std::size_t(m) * K + k]; }
  std::uint16_t b(unsigned k, unsigned n) const { return B[std::size_t(k) * Ncol + n]; }
};

inline unsigned ceil_div(unsigned a, unsigned b) { return (a + b - 1) / b; }

/// Random bf16 values: normal numbers with exponents in [2^-8, 2^8), random sign, or exactly
/// zero with probability zero_frac. Far from overflow and from the flush threshold, so the
/// double-precision bound applies.
inline std::uint16_t random_bf16(std::mt19937_64& rng, double zero_frac = 0.0) {
  if (zero_frac > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < zero_frac) return 0;
  std::uint16_t sign = std::uint16_t(rng() & 1u) << 15;
  std::uint16_t exp = std::uint16_t(127 - 8 + rng() % 16);
  std::uint16_t frac = std::uint16_t(rng() & 0x7Fu);
  return std::uint16_t(sign | (exp << 7) | frac);
}

inline Gemm random_gemm(unsigned M, unsigned K, unsigned Ncol, std::uint64_t seed, double zero_frac = 0.0) {
  Gemm g{M, K, Ncol, std::vector<std::uint16_t>(std::size_t(M) * K), std::vector<std::uint16_t>(std::size_t(K) * Ncol)};
  std::mt19937_64 rng(seed);
  for (auto& v : g.A) v = random_bf16(rng, zero_frac);
  for (auto& v : g.B) v = random_bf16(rng, zero_frac);
  return g;
}

/// Bit-exact model of mxu_tile computing C on an N x N array: for each tile of N columns and
/// each tile of N rows of B (K zero-padded to a multiple of N), the column sum
/// (((+0 + a_0 w_0) + a_1 w_1) + ... + a_{N-1} w_{N-1}) is formed in fp32; the first K tile
/// overwrites the accumulator, the others add to it. Returns C row-major, fp32 bit patterns.
inline std::vector<std::uint32_t> golden_gemm(const Gemm& g, unsigned N) {
  std::vector<std::uint32_t> C(std::size_t(g.M) * g.Ncol, 0);
  const unsigned kt = ceil_div(g.K, N);
  for (unsigned m = 0; m < g.M; ++m)
    for (unsigned n = 0; n < g.Ncol; ++n) {
      std::uint32_t acc = 0;
      for (unsigned t = 0; t < kt; ++t) {
        std::uint32_t s = 0; // +0
        for (unsigned kk = 0; kk < N; ++kk) {
          unsigned k = t * N + kk;
          std::uint16_t a = k < g.K ? g.a(m, k) : 0, w = k < g.K ? g.b(k, n) : 0;
          s = fp32_add(s, bf16_mul(a, w));
        }
        acc = t == 0 ? s : fp32_add(acc, s);
      }
      C[std::size_t(m) * g.Ncol + n] = acc;
    }
  return C;
}

/// Double-precision reference: exact bf16 products summed in double. Also returns, per
/// element, sum |a_k b_k| for the error bound.
struct DoubleResult {
  std::vector<double> C, abs_sum;
};
inline DoubleResult double_gemm(const Gemm& g) {
  DoubleResult r{std::vector<double>(std::size_t(g.M) * g.Ncol), std::vector<double>(std::size_t(g.M) * g.Ncol)};
  for (unsigned m = 0; m < g.M; ++m)
    for (unsigned n = 0; n < g.Ncol; ++n) {
      double s = 0, a = 0;
      for (unsigned k = 0; k < g.K; ++k) {
        double p = double(bf16_to_f32(g.a(m, k))) * double(bf16_to_f32(g.b(k, n)));
        s += p;
        a += std::fabs(p);
      }
      r.C[std::size_t(m) * g.Ncol + n] = s;
      r.abs_sum[std::size_t(m) * g.Ncol + n] = a;
    }
  return r;
}

/// Bound on |C_fp32 - C_exact| for one element (Higham, recursive summation): the products
/// are exact, and each result passes through at most n = K_padded + K/N tiles fp32 additions,
/// each rounding with relative error u = 2^-24, so |error| <= gamma_n * sum|a_k b_k| with
/// gamma_n = n u / (1 - n u). Flushing adds at most 2^-126 per addition. The double reference
/// itself is off by at most K * 2^-53 * sum|a_k b_k|, added too.
inline double error_bound(double abs_sum, unsigned K, unsigned N) {
  const double u = std::ldexp(1.0, -24);
  const double n = double(ceil_div(K, N) * N + ceil_div(K, N));
  const double gamma = n * u / (1 - n * u);
  return gamma * abs_sum + n * std::ldexp(1.0, -126) + double(K) * std::ldexp(1.0, -53) * abs_sum;
}

/// Cycles if the array did one row of N x N MACs every cycle and nothing else.
inline std::uint64_t ideal_cycles(unsigned M, unsigned K, unsigned Ncol, unsigned N) {
  return std::uint64_t(M) * ceil_div(K, N) * ceil_div(Ncol, N);
}

/// SCALE-Sim's weight-stationary estimate on an R x C array (weight loads not overlapped):
/// ceil(K/R) * ceil(N/C) * (2R + C + M - 2) - 1.
inline std::uint64_t scalesim_ws_cycles(unsigned M, unsigned K, unsigned Ncol, unsigned R, unsigned C) {
  return std::uint64_t(ceil_div(K, R)) * ceil_div(Ncol, C) * (2ull * R + C + M - 2) - 1;
}

} // namespace phtpu::mxu
