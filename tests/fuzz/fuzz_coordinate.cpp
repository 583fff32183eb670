// libFuzzer target: the strict coordinate parser, the shape/position parsers and chip
// addressing. Any input must either parse or throw ParseError/AddressError; a parsed
// coordinate must round-trip through both textual forms. Run with `make fuzz`.
#include "chip_address.hpp"
#include "coordinate.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  for (bool url : {false, true}) {
    try {
      const auto c = phext::Coordinate::parse(s, url);
      if (phext::Coordinate::parse(c.str()) != c) std::abort();
      if (phext::Coordinate::parse(c.url(), true) != c) std::abort();
      for (std::size_t i = 0; i < phext::kDims; ++i)
        if (c.at(i) < phext::kFieldMin || c.at(i) > phext::kFieldMax) std::abort();
      // A parsed coordinate decoded against a small pod: decode and chip_of_phext agree.
      const phext::SliceGeometry geo({4, 4, 8}, {2, 2, 2});
      const auto d = geo.decode(c);
      try {
        const unsigned chip = geo.chip_of_phext(c);
        if (d.status != phext::DecodeStatus::Ok || geo.phext_of_chip(chip) != c) std::abort();
      } catch (const phext::AddressError&) {
        if (d.status == phext::DecodeStatus::Ok) std::abort();
      }
    } catch (const phext::ParseError&) {
    }
  }
  try {
    const auto v = phext::parse_shape(s);
    const phext::SliceGeometry geo(v, {4, 4, 4});
    if (geo.chip_count() > 0) (void)geo.phext_of_chip(geo.chip_count() - 1);
  } catch (const phext::ParseError&) {
  } catch (const phext::AddressError&) {
  }
  return 0;
}
