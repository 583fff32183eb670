// Generated from tests/data/sv_params/sample.sv by scripts/sv-params.py at build time; do not edit.
#pragma once

#include <cstdint>

namespace phtpu::rtl::sample_pkg {
inline constexpr unsigned Width = 16u;
inline constexpr unsigned Lsb = 90u;
inline constexpr unsigned Msb = 105u;
inline constexpr unsigned Code = 9u;
inline constexpr unsigned Mask = 240u;
inline constexpr unsigned Bits = 40961u;
inline constexpr unsigned Depth = 10u;
inline constexpr std::uint64_t Big = 1099511627776u;
inline constexpr unsigned Div = 5u;
// not integral constants: Skipped
} // namespace phtpu::rtl::sample_pkg

namespace phtpu::rtl::sample {
inline constexpr unsigned Vcs = 4u;
inline constexpr unsigned Depth = 20u;
// not integral constants: VcW
} // namespace phtpu::rtl::sample
