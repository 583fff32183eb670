// Seed for randomized tests: PHTPU_SEED=N reproduces a run; the default is fixed so CI runs
// are repeatable. Tests print it with INFO so a failure names the seed to reuse.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace phtpu {

inline constexpr std::uint64_t kDefaultTestSeed = 20261126;

inline std::uint64_t test_seed() {
  if (const char* env = std::getenv("PHTPU_SEED")) return std::strtoull(env, nullptr, 0);
  return kDefaultTestSeed;
}

} // namespace phtpu
