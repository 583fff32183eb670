// A phext coordinate as the RTL sees it: nine raw field values, library first, each 0..1023
// (the phext range is 1..999; the RTL must cope with anything a corrupted flit can carry).
#pragma once

#include "coordinate.hpp"

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
