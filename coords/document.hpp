// phext documents: byte strings whose delimiter bytes move a 9-number cursor.
//
// Implements docs/references.md (phext) §3 on the scroll-list model (§3.2 dead
// reckoning, §3.4 minimal-delimiter serialisation), so the libphext-rs 0.3.0 quirks
// of §5 (Q1-Q9) cannot occur. Documents are opaque byte strings: every delimiter is
// one ASCII byte below 0x20, so byte-wise scanning is exact for UTF-8 (§3.1).
#pragma once

#include "coordinate.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phext {

/// Delimiter bytes (references.md §1). 0x0A (line break) and 0x07 (cowbell) are content.
inline constexpr char kScrollBreak = 0x17;
inline constexpr char kSectionBreak = 0x18;
inline constexpr char kChapterBreak = 0x19;
inline constexpr char kBookBreak = 0x1A;
inline constexpr char kVolumeBreak = 0x1C;
inline constexpr char kCollectionBreak = 0x1D;
inline constexpr char kSeriesBreak = 0x1E;
inline constexpr char kShelfBreak = 0x1F;
inline constexpr char kLibraryBreak = 0x01;

/// The delimiter byte of dimension `d`.
char delimiter(Dim d);
/// The dimension a byte breaks, or nothing when the byte is scroll content.
std::optional<Dim> delimiter_dim(unsigned char byte);

/// One non-empty scroll and its coordinate.
struct Phoken {
  Coordinate coord;
  std::string text;
  friend bool operator==(const Phoken& a, const Phoken& b) { return a.coord == b.coord && a.text == b.text; }
};

using ScrollMap = std::map<Coordinate, std::string>;

/// The non-empty scrolls of `doc` in ascending coordinate (= document) order.
/// Throws ParseError when a delimiter would push a dimension past 999 (the cursor
/// would stop moving forward; libphext-rs silently saturates there).
std::vector<Phoken> phokenize(std::string_view doc);
/// Serialise scrolls with the minimal delimiter rule (§3.4); empty scrolls are skipped.
/// Throws std::invalid_argument unless coordinates are strictly ascending.
std::string dephokenize(const std::vector<Phoken>& scrolls);
/// dephokenize(phokenize(doc)): drops redundant and trailing delimiters.
std::string normalize(std::string_view doc);

/// The text of the scroll at `c`, or "" when absent (Q1, Q2).
std::string fetch(std::string_view doc, const Coordinate& c);
/// Append `text` to the scroll at `c`, creating it in sorted position with the minimal
/// delimiters from the preceding cursor position; every other byte is kept as it was.
/// Scroll text may not contain delimiter bytes (they would move every later scroll):
/// insert, replace, dephokenize and implode throw ParseError naming the byte and offset.
std::string insert(std::string_view doc, const Coordinate& c, std::string_view text);
/// Overwrite the scroll at `c` (created as by insert when absent, Q3-Q5).
std::string replace(std::string_view doc, const Coordinate& c, std::string_view text);
/// normalize(replace(doc, c, "")).
std::string remove(std::string_view doc, const Coordinate& c);

/// Map coordinate -> text of the non-empty scrolls.
ScrollMap explode(std::string_view doc);
/// Canonical serialisation of a map (empty texts skipped, Q6).
std::string implode(const ScrollMap& scrolls);

/// Zipper merge of two documents (§3.5, S4): every scroll of both, and at equal coordinates
/// the left text followed by the right text; minimal delimiters.
std::string merge(std::string_view left, std::string_view right);
/// The scrolls of `left` whose coordinate holds no scroll in `right` (§3.5); `right` is a mask.
std::string subtract(std::string_view left, std::string_view right);
/// Every delimiter one dimension up: line break -> scroll break ... shelf -> library; the
/// library break stays (§3.5, S8). A byte-for-byte rewrite.
std::string expand(std::string_view doc);
/// Every delimiter one dimension down: library -> shelf ... scroll break -> line break; the
/// line break stays (§3.5, S9). A byte-for-byte rewrite.
std::string contract(std::string_view doc);
/// The canonical shape of `doc` with every scroll replaced by the decimal byte offset at which
/// its content starts in the canonical encoding (§3.5, S10).
std::string index(std::string_view doc);
/// The index value of `c`, or of the greatest scroll before it when `c` is absent; 0 when no
/// scroll precedes `c` (S10).
std::size_t offset(std::string_view doc, const Coordinate& c);

/// XXH3-128 (seed 0) as 32 lowercase hex digits, high 64 bits first (§3.5, D21).
std::string checksum(std::string_view text);
/// The same shape as `doc` (canonical), every scroll replaced by its checksum.
std::string manifest(std::string_view doc);

/// First <= 32 bytes of `text`, cut at the first line break or delimiter, with "..."
/// appended when shorter than the whole text (S12).
std::string create_summary(std::string_view text);
/// `* <coord>: <summary>\n` per non-empty scroll (S11).
std::string textmap(std::string_view doc);

/// The first non-empty scroll reachable from cursor `start` (S1).
struct NextScroll {
  Phoken scroll;              ///< coordinate and text of that scroll
  Coordinate next;            ///< cursor after the delimiter that ended it
  std::string_view remaining; ///< unread rest of the input (a view into `doc`)
};
std::optional<NextScroll> next_scroll(std::string_view doc, const Coordinate& start);

/// True when the document contains 0x07 (S14).
bool has_cowbell(std::string_view doc);

} // namespace phext
