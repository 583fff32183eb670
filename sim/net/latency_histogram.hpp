// Latencies of measured packets, kept as a histogram so that a long run's memory does not grow
// with its packets: exact counts by value (short latencies in an array, the rare long ones in a
// map), from which the mean and any rank are exact.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

namespace phtpu::net {

class LatencyHistogram {
public:
  /// Latencies below this many cycles are counted in an array, longer ones in a map.
  static constexpr std::uint64_t kBins = 1u << 16;

  void record(std::uint64_t cycles) {
    ++n_;
    sum_ += cycles; // exact to 1.8e19 cycles (10^11 packets of 10^8 cycles)
    if (cycles < kBins) {
      if (cycles >= bins_.size()) bins_.resize(std::min<std::uint64_t>(kBins, 2 * cycles + 64), 0);
      ++bins_[cycles];
    } else {
      ++tail_[cycles];
    }
  }
  std::uint64_t count() const { return n_; }
  double mean() const { return n_ ? static_cast<double>(sum_) / static_cast<double>(n_) : 0.0; }
  /// The k-th smallest latency, from 0 (std::out_of_range past the count).
  std::uint64_t rank(std::uint64_t k) const {
    for (std::uint64_t v = 0; v < bins_.size(); ++v) {
      if (k < bins_[v]) return v;
      k -= bins_[v];
    }
    for (const auto& [v, c] : tail_) {
      if (k < c) return v;
      k -= c;
    }
    throw std::out_of_range("latency rank past the packets measured");
  }
  /// Nearest rank below: the sorted latencies' element floor(q n), for q in [0, 1].
  std::uint64_t quantile(double q) const {
    return rank(std::min(n_ - 1, static_cast<std::uint64_t>(q * static_cast<double>(n_))));
  }

private:
  std::vector<std::uint64_t> bins_;
  std::map<std::uint64_t, std::uint64_t> tail_;
  std::uint64_t n_ = 0, sum_ = 0;
};

} // namespace phtpu::net
