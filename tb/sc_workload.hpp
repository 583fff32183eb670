// Lookup streams for the SparseCore unit: Zipf-distributed ids over a vocabulary (the skew of
// real embedding traffic; exponent about 1.05 in the issue), bags of a random valence, batches.
// Shared by the tests, `phtpu sparsecore` and the benchmark.
#pragma once

#include "sc_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace phtpu::sc {

/// Zipf(s) over ranks 1..n, sampled by inverting the cumulative distribution (exact; n doubles).
/// Rank r is vocabulary id r-1, so the hottest ids are the smallest.
class Zipf {
public:
  Zipf(std::uint32_t n, double s) : cdf_(n) {
    if (n < 1) throw std::invalid_argument("Zipf needs at least one rank");
    double sum = 0;
    for (std::uint32_t r = 0; r < n; ++r) cdf_[r] = (sum += std::pow(double(r + 1), -s));
    for (auto& c : cdf_) c /= sum;
  }
  template <class Rng>
  std::uint32_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::uint32_t(std::lower_bound(cdf_.begin(), cdf_.end() - 1, u) - cdf_.begin());
  }
  /// Probability of rank r+1 (id r).
  double p(std::uint32_t id) const { return cdf_[id] - (id ? cdf_[id - 1] : 0.0); }

private:
  std::vector<double> cdf_;
};

struct Workload {
  unsigned batch = 128;                ///< samples (bags per table) per batch
  unsigned batches = 1;
  unsigned valence_min = 1, valence_max = 100;
  double zipf = 1.05;                  ///< 0: uniform ids
  unsigned tables = 1;                 ///< bags per sample, one per table, table t of sample s
  bool weights = false;                ///< random positive weights instead of 1.0
  double empty_fraction = 0;           ///< bags with no lookup (valence 0)
};

/// The lookup stream: for each batch, for each sample, one bag per table; the batch's last beat
/// is flagged batch end.
template <class Rng>
std::vector<Lookup> make_lookups(const Workload& w, const std::vector<TableCfg>& tables, Rng& rng) {
  if (w.tables < 1 || w.tables > tables.size()) throw std::invalid_argument("workload names more tables than configured");
  if (w.valence_min > w.valence_max) throw std::invalid_argument("valence range is empty");
  std::vector<Zipf> zipfs;
  for (unsigned t = 0; t < w.tables; ++t)
    if (w.zipf > 0) zipfs.emplace_back(tables[t].vocab, w.zipf);
  std::uniform_int_distribution<unsigned> val(w.valence_min, w.valence_max);
  std::uniform_real_distribution<float> wd(0.25f, 2.0f);
  std::vector<Lookup> out;
  for (unsigned b = 0; b < w.batches; ++b) {
    for (unsigned s = 0; s < w.batch; ++s)
      for (unsigned t = 0; t < w.tables; ++t) {
        const unsigned sample = (b * w.batch + s) & 0xFFFFu;
        unsigned n = val(rng);
        if (w.empty_fraction > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < w.empty_fraction) n = 0;
        if (n == 0) {
          out.push_back({sample, t, 0, kOne, true, true, false});
          continue;
        }
        for (unsigned i = 0; i < n; ++i) {
          Lookup l{sample, t, 0, kOne, i + 1 == n, false, false};
          l.id = w.zipf > 0 ? zipfs[t](rng) : std::uniform_int_distribution<std::uint32_t>(0, tables[t].vocab - 1)(rng);
          if (w.weights) l.weight = phtpu::mxu::bits32(wd(rng));
          out.push_back(l);
        }
      }
    if (!out.empty()) out.back().batch_end = true;
  }
  return out;
}

} // namespace phtpu::sc
