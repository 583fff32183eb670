// A phext coordinate as the RTL sees it: nine raw field values, library first, each 0..1023
// (the phext range is 1..999; the RTL must cope with anything a corrupted flit can carry).
#pragma once

#include "chip_address.hpp"
#include "coordinate.hpp"
#include "rtl_params.hpp"

// coords/ keeps the RTL's field widths for its range checks; they must be phext_pkg's.
static_assert(phext::kRtlFieldBits == phtpu::rtl::phext_pkg::FieldW &&
                  phext::kRtlCubeDimBits == phtpu::rtl::phext_pkg::CubeDimW &&
                  phext::kRtlGlobalBits == phtpu::rtl::phext_pkg::GlobalW,
              "coords/chip_address.hpp widths differ from rtl/common/phext_pkg.sv");

#include <array>

namespace phtpu {

using RawCoord = std::array<unsigned, phext::kDims>;

inline RawCoord raw_of(const phext::Coordinate& c) {
  RawCoord r{};
  for (std::size_t i = 0; i < phext::kDims; ++i)
    r[i] = c.at(i);
  return r;
}

} // namespace phtpu
