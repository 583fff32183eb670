// MXU and SparseCore throughput (compute_model.hpp has the formulas and their sources).
#include "compute_model.hpp"

#include <algorithm>

namespace phtpu::model {

namespace {
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
} // namespace

std::uint64_t mxu_tile_cycles(std::uint64_t m, std::uint64_t k, std::uint64_t nout, unsigned n) {
  if (m == 0 || k == 0 || nout == 0) return 0;
  return m * ceil_div(k, n) * ceil_div(nout, n) + (n + 3) + (2 * std::uint64_t{n} + 2);
}

std::uint64_t pod_gemm_cycles(std::uint64_t m, unsigned n) {
  if (m == 0) return 0;
  return std::max(mxu_tile_cycles(m, n, n, n) + 2, 2 * m + n + 8);
}

MxuEstimate mxu_gemm(std::uint64_t m, std::uint64_t k, std::uint64_t nout, const MxuConfig& c) {
  MxuEstimate e;
  const std::uint64_t tiles = ceil_div(k, c.n) * ceil_div(nout, c.n);
  const std::uint64_t per_mxu = ceil_div(tiles, c.mxus);
  e.cycles = m && tiles ? double(m * per_mxu + (c.n + 3) + (2 * std::uint64_t{c.n} + 2)) : 0;
  e.seconds = e.cycles / c.clock_hz;
  e.flops = 2.0 * double(m) * double(k) * double(nout);
  e.peak_flops_per_s = 2.0 * c.n * c.n * c.mxus * c.clock_hz;
  e.flops_per_s = e.seconds > 0 ? e.flops / e.seconds : 0;
  e.utilization = e.peak_flops_per_s > 0 ? e.flops_per_s / e.peak_flops_per_s : 0;
  return e;
}

SparseCoreEstimate sparsecore_rate(unsigned dim, unsigned elem_bytes, double dedup, unsigned shards,
                                   const SparseCoreConfig& c) {
  SparseCoreEstimate e;
  const double per_tile = std::min(1.0, c.combine_elements_per_cycle / dim) * c.latency_efficiency;
  e.compute_bound = per_tile * c.sparsecores * c.tiles * c.clock_hz;
  const double row = double(dim) * elem_bytes;
  e.hbm_bound = c.hbm_bytes_per_s * std::max(1.0, dedup) / row;
  const double remote = shards > 1 ? double(shards - 1) / shards : 0;
  e.ici_bound = remote > 0 ? c.ici_bytes_per_s * std::max(1.0, dedup) / (row * remote) : 1e300;
  e.lookups_per_s = std::min({e.compute_bound, e.hbm_bound, e.ici_bound});
  e.bound = e.lookups_per_s == e.compute_bound ? "compute" : e.lookups_per_s == e.hbm_bound ? "hbm" : "ici";
  return e;
}

} // namespace phtpu::model
