// Verified workloads on the scaled pod: collectives with real data, the distributed embedding
// lookup (SparseCores on every chip, rows sharded across the slice), the data-parallel step
// (MXU GEMM on every chip, then all-reduce). Each loads its inputs, runs to completion and
// checks every chip's result bit for bit against the C++ reference (and, for sums, against a
// double-precision bound).
#pragma once

#include "collectives.hpp"
#include "pod.hpp"

#include <cstdint>
#include <string>

namespace phtpu::pod {

struct RunResult {
  std::string name;       ///< "allreduce", "embedding", ...
  unsigned slice = 0;
  std::string shape;      ///< the slice's shape ("4x4x4:twisted")
  unsigned chips = 0;
  std::uint64_t bytes = 0;   ///< per chip (collectives, the data-parallel step's all-reduce)
  std::uint64_t lookups = 0; ///< embedding: lookups of all chips
  std::uint64_t cycles = 0;
  double algbw = 0, busbw = 0; ///< bytes per cycle (nccl-tests conventions, per chip); embedding: algbw is lookups per chip per cycle
  std::size_t transfers = 0;
  bool ok = false;
  std::string detail;     ///< what was checked, or the first mismatch
};

/// Run collective `c` of `bytes` per chip (a multiple of 16) on slice `s`.
RunResult run_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed);
/// Every chip of slice `s` looks up `batch` bags of valence 1..valence_max (Zipf ids over a
/// vocabulary of vocab_per_chip rows per chip, row-sharded over the slice, dimension 16).
RunResult run_embedding(Pod& pod, unsigned s, unsigned batch, unsigned valence_max, unsigned vocab_per_chip,
                        double zipf, std::uint64_t seed);
/// Every chip multiplies its `rows` x 4 bf16 activations by its 4 x 4 weights on the MXU, the
/// fp32 results are all-reduced over the slice.
RunResult run_dp_step(Pod& pod, unsigned s, unsigned rows, std::uint64_t seed);

} // namespace phtpu::pod
