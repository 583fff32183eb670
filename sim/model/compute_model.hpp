// MXU and SparseCore throughput at full scale, from the RTL's measured per-cycle behaviour.
//
// MXU (rtl/mxu/mxu_tile.sv, weight-stationary N x N): measured cycles of a GEMM M x K x Nout are
//   M * ceil(K/N) * ceil(Nout/N) + (N + 3) + (2N + 2)
// one row of N x N MACs every cycle with weight loads overlapped, N + 3 cycles before the first
// row (command, N weight beats, skew) and 2N + 2 after the last (array, accumulators, result
// port). docs/PERF.md "MXU tile" shows it for N = 4, 8, 16, 32; test_model_calibration checks it
// against the Verilated 4x4 and 8x8 tiles. TPU v4: 8 MXUs of 128 x 128 per chip at 1050 MHz
// (docs/references.md §T1), tiles of a GEMM spread over the 8 MXUs.
//
// SparseCore (rtl/sparsecore, one lookup unit = one SC tile's embedding path): the combiner
// takes one cycle per 8 elements, so rows of `dim` elements go at 8/dim lookups per cycle once
// memory latency is hidden (PERF.md: 0.492 of 0.5 lookups/cycle at dim 16 with a 200-cycle
// latency and 256 requests outstanding: efficiency 0.984). TPU v4: 4 SCs of 16 tiles per chip
// (docs/references.md §T3); the SC clock is not published, 1050 MHz is assumed (UNCONFIRMED). Two more
// bounds: HBM (1200 GB/s per chip, §T1; unique rows only, after deduplication) and, for rows on
// other chips, the chip's ICI injection (6 links x 45 GB/s effective one way, §T4).
#pragma once

#include <cstdint>
#include <string>

namespace phtpu::model {

struct MxuConfig {
  unsigned n = 128;       ///< array edge
  unsigned mxus = 8;      ///< per chip
  double clock_hz = 1.05e9;
};

struct MxuEstimate {
  double cycles = 0, seconds = 0;
  double flops = 0;         ///< 2 M K Nout
  double flops_per_s = 0;
  double peak_flops_per_s = 0;
  double utilization = 0;   ///< flops_per_s / peak
};

/// Cycles of one GEMM on one N x N tile (the RTL's measured formula above).
std::uint64_t mxu_tile_cycles(std::uint64_t m, std::uint64_t k, std::uint64_t nout, unsigned n);
/// A GEMM M x N x N on the scaled pod's chip (its one N x N tile), from the host's first write
/// until the results are in memory. The host feeds the tile one write a cycle (the result
/// address, the load command, N weight rows, the stream command, M activation rows, the drain
/// command) and the drain writes one result row a cycle, so the time is the tile's (above) and
/// the two writes around it, or, once the rows outnumber the tile's tail, the stream and the
/// drain back to back:
///   max(mxu_tile_cycles(M, N, N, N) + 2, 2M + N + 8)
/// Measured on the pod (N = 4) for M = 1 to 64; test_model_calibration checks every M.
std::uint64_t pod_gemm_cycles(std::uint64_t m, unsigned n);
/// A GEMM on a chip: the ceil(K/N) ceil(Nout/N) weight tiles are spread over the MXUs.
MxuEstimate mxu_gemm(std::uint64_t m, std::uint64_t k, std::uint64_t nout, const MxuConfig& c);

struct SparseCoreConfig {
  unsigned sparsecores = 4, tiles = 16; ///< per chip
  double clock_hz = 1.05e9;             ///< UNCONFIRMED: the SC clock is not published
  double combine_elements_per_cycle = 8;
  double latency_efficiency = 0.984;    ///< RTL, PERF.md (200-cycle latency hidden)
  double hbm_bytes_per_s = 1200e9;
  double ici_bytes_per_s = 6 * 45e9;
};

struct SparseCoreEstimate {
  double lookups_per_s = 0;       ///< per chip
  double compute_bound = 0, hbm_bound = 0, ici_bound = 0;
  std::string bound;              ///< "compute", "hbm" or "ici"
};

/// Lookups per second per chip for rows of `dim` elements of `elem_bytes` bytes, `dedup` lookups
/// per unique row, rows sharded over `shards` chips (1: all local).
SparseCoreEstimate sparsecore_rate(unsigned dim, unsigned elem_bytes, double dedup, unsigned shards,
                                   const SparseCoreConfig& c);

} // namespace phtpu::model
