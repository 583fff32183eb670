#include "coordinate.hpp"

#include <fmt/format.h>
#include <ostream>
#include <xxhash.h>

namespace phext {

namespace {
constexpr std::array<std::string_view, kDims> kNames = {"library", "shelf",   "series",  "collection", "volume",
                                                        "book",    "chapter", "section", "scroll"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

void check_range(unsigned v, std::size_t i) {
  if (v < kFieldMin || v > kFieldMax)
    throw std::out_of_range(fmt::format("phext {} {} is out of range {}..{}", kNames[i], v, kFieldMin, kFieldMax));
}
} // namespace

std::string_view dim_name(Dim d) { return kNames[static_cast<std::size_t>(d)]; }

Dim dim_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kDims; ++i)
    if (kNames[i] == name) return static_cast<Dim>(i);
  throw ParseError(fmt::format("unknown phext dimension '{}' (expected library, shelf, series, collection, volume, "
                               "book, chapter, section or scroll)",
                               printable(name)));
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f)
      out += fmt::format("\\x{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  if (s.size() > max) out += "...";
  return out;
}

Coordinate::Coordinate(unsigned library, unsigned shelf, unsigned series, unsigned collection, unsigned volume,
                       unsigned book, unsigned chapter, unsigned section, unsigned scroll) {
  const unsigned v[kDims] = {library, shelf, series, collection, volume, book, chapter, section, scroll};
  for (std::size_t i = 0; i < kDims; ++i) {
    check_range(v[i], i);
    f_[i] = static_cast<std::uint16_t>(v[i]);
  }
}

void Coordinate::set(Dim d, unsigned v) {
  auto i = static_cast<std::size_t>(d);
  check_range(v, i);
  f_[i] = static_cast<std::uint16_t>(v);
}

Coordinate Coordinate::parse(std::string_view text, bool allow_url) {
  const std::string_view s = trim(text);
  auto fail = [&](const std::string& why) {
    return ParseError(fmt::format("invalid phext coordinate '{}': {} (expected LB.SF.SR/CN.VM.BK/CH.SN.SC, "
                                  "each 1..999)",
                                  printable(text), why));
  };
  if (s.empty()) throw fail("empty");
  char sep = '/';
  const bool has_slash = s.find('/') != std::string_view::npos;
  const bool has_semi = s.find(';') != std::string_view::npos;
  if (has_semi) {
    if (!allow_url) throw fail("';' separates arms only in the URL form");
    if (has_slash) throw fail("mixes '/' and ';' as arm separators");
    sep = ';';
  }
  Coordinate c;
  std::size_t field = 0;
  std::size_t arm_start = 0;
  for (std::size_t arm = 0; arm < 3; ++arm) {
    std::size_t arm_end = s.find(sep, arm_start);
    if (arm == 2) {
      if (arm_end != std::string_view::npos) throw fail(fmt::format("has more than 3 arms"));
      arm_end = s.size();
    } else if (arm_end == std::string_view::npos) {
      throw fail(fmt::format("has {} arm{}, expected 3", arm + 1, arm == 0 ? "" : "s"));
    }
    const std::string_view arm_text = s.substr(arm_start, arm_end - arm_start);
    std::size_t num_start = 0;
    for (std::size_t k = 0; k < 3; ++k, ++field) {
      std::size_t num_end = arm_text.find('.', num_start);
      if (k == 2) {
        if (num_end != std::string_view::npos)
          throw fail(fmt::format("arm {} '{}' has more than 3 numbers", arm + 1, printable(arm_text)));
        num_end = arm_text.size();
      } else if (num_end == std::string_view::npos) {
        throw fail(fmt::format("arm {} '{}' has {} number{}, expected 3", arm + 1, printable(arm_text), k + 1,
                               k == 0 ? "" : "s"));
      }
      const std::string_view num = trim(arm_text.substr(num_start, num_end - num_start));
      if (num.empty()) throw fail(fmt::format("{} is empty", kNames[field]));
      unsigned v = 0;
      for (char ch : num) {
        if (ch < '0' || ch > '9')
          throw fail(fmt::format("{} '{}' is not a decimal number", kNames[field], printable(num)));
        if (v <= kFieldMax) v = v * 10 + static_cast<unsigned>(ch - '0'); // stop growing once too big
      }
      if (v < kFieldMin || v > kFieldMax)
        throw fail(fmt::format("{} '{}' is out of range 1..999", kNames[field], printable(num)));
      c.f_[field] = static_cast<std::uint16_t>(v);
      num_start = num_end + 1;
    }
    arm_start = arm_end + 1;
  }
  return c;
}

std::string Coordinate::str() const {
  return fmt::format("{}.{}.{}/{}.{}.{}/{}.{}.{}", f_[0], f_[1], f_[2], f_[3], f_[4], f_[5], f_[6], f_[7], f_[8]);
}

std::string Coordinate::url() const {
  return fmt::format("{}.{}.{};{}.{}.{};{}.{}.{}", f_[0], f_[1], f_[2], f_[3], f_[4], f_[5], f_[6], f_[7], f_[8]);
}

Coordinate& Coordinate::advance(Dim d) {
  const auto i = static_cast<std::size_t>(d);
  if (f_[i] < kFieldMax) ++f_[i];
  for (std::size_t j = i + 1; j < kDims; ++j)
    f_[j] = 1;
  return *this;
}

std::size_t Coordinate::hash() const { return static_cast<std::size_t>(XXH3_64bits(f_.data(), sizeof f_)); }

std::ostream& operator<<(std::ostream& os, const Coordinate& c) { return os << c.str(); }

} // namespace phext
