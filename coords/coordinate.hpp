// phext coordinates: the nine-number address `LB.SF.SR/CN.VM.BK/CH.SN.SC`.
//
// Follows docs/references.md (phext): fields are 1-based and 1..999 in every
// dimension (§2.4, "interoperable range"), ordered lexicographically in textual
// order (§2.7), with the nine break operations of §1/§2.8 (saturating at 999,
// lower dimensions still reset).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

namespace phext {

/// Smallest and largest value of any field (references.md §2.4: 1..999 is the range
/// every reference implementation accepts; 1000 hangs libphext-rs, quirk Q7).
inline constexpr unsigned kFieldMin = 1;
inline constexpr unsigned kFieldMax = 999;
inline constexpr std::size_t kDims = 9;

/// The nine coordinate dimensions, most significant first (textual order).
enum class Dim : std::uint8_t { Library, Shelf, Series, Collection, Volume, Book, Chapter, Section, Scroll };

/// Lower-case name of a dimension ("library" ... "scroll").
std::string_view dim_name(Dim d);
/// The dimension with that lower-case name; throws ParseError for any other text.
Dim dim_from_name(std::string_view name);

/// Bytes made safe for a one-line message or a table cell: control bytes, DEL and non-ASCII
/// as `\xNN`; cut to `max` bytes with "..." appended.
std::string printable(std::string_view s, std::size_t max = 64);

/// Thrown for malformed coordinates (and, by the document layer, malformed input).
class ParseError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

class Coordinate {
public:
  /// The home coordinate 1.1.1/1.1.1/1.1.1.
  constexpr Coordinate() = default;
  /// From nine fields in textual order; throws std::out_of_range outside 1..999.
  Coordinate(unsigned library, unsigned shelf, unsigned series, unsigned collection, unsigned volume, unsigned book,
             unsigned chapter, unsigned section, unsigned scroll);

  /// Strict parse of `a.b.c/d.e.f/g.h.i` (references.md §2.5 A): surrounding whitespace and
  /// whitespace around each number allowed, decimal digits only, each 1..999.
  /// With `allow_url`, `;` is accepted as the arm separator instead of `/` (not mixed).
  /// Throws ParseError with a one-line message naming the offending part.
  static Coordinate parse(std::string_view text, bool allow_url = false);

  unsigned operator[](Dim d) const { return f_[static_cast<std::size_t>(d)]; }
  unsigned at(std::size_t i) const { return f_.at(i); }
  /// Set one field; throws std::out_of_range outside 1..999.
  void set(Dim d, unsigned v);

  unsigned library() const { return f_[0]; }
  unsigned shelf() const { return f_[1]; }
  unsigned series() const { return f_[2]; }
  unsigned collection() const { return f_[3]; }
  unsigned volume() const { return f_[4]; }
  unsigned book() const { return f_[5]; }
  unsigned chapter() const { return f_[6]; }
  unsigned section() const { return f_[7]; }
  unsigned scroll() const { return f_[8]; }

  /// Canonical form `9.8.7/6.5.4/3.2.1` (references.md §2.2).
  std::string str() const;
  /// URL form `9.8.7;6.5.4;3.2.1` (references.md §2.2).
  std::string url() const;

  /// Apply the break of dimension `d`: increment it (saturating at 999) and reset every
  /// lower dimension to 1 (references.md §1, §2.8, libphext-rs behaviour).
  Coordinate& advance(Dim d);
  Coordinate& library_break() { return advance(Dim::Library); }
  Coordinate& shelf_break() { return advance(Dim::Shelf); }
  Coordinate& series_break() { return advance(Dim::Series); }
  Coordinate& collection_break() { return advance(Dim::Collection); }
  Coordinate& volume_break() { return advance(Dim::Volume); }
  Coordinate& book_break() { return advance(Dim::Book); }
  Coordinate& chapter_break() { return advance(Dim::Chapter); }
  Coordinate& section_break() { return advance(Dim::Section); }
  Coordinate& scroll_break() { return advance(Dim::Scroll); }

  const std::array<std::uint16_t, kDims>& fields() const { return f_; }

  /// 64-bit hash of the nine fields (XXH3-64).
  std::size_t hash() const;

  // Total order: lexicographic over the nine fields in textual order (references.md §2.7).
  friend bool operator==(const Coordinate& a, const Coordinate& b) { return a.f_ == b.f_; }
  friend bool operator!=(const Coordinate& a, const Coordinate& b) { return a.f_ != b.f_; }
  friend bool operator<(const Coordinate& a, const Coordinate& b) { return a.f_ < b.f_; }
  friend bool operator>(const Coordinate& a, const Coordinate& b) { return b.f_ < a.f_; }
  friend bool operator<=(const Coordinate& a, const Coordinate& b) { return !(b.f_ < a.f_); }
  friend bool operator>=(const Coordinate& a, const Coordinate& b) { return !(a.f_ < b.f_); }

private:
  std::array<std::uint16_t, kDims> f_{1, 1, 1, 1, 1, 1, 1, 1, 1};
};

std::ostream& operator<<(std::ostream& os, const Coordinate& c);

struct CoordinateHash {
  std::size_t operator()(const Coordinate& c) const { return c.hash(); }
};

} // namespace phext

template <>
struct std::hash<phext::Coordinate> {
  std::size_t operator()(const phext::Coordinate& c) const { return c.hash(); }
};
