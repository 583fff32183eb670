#include "document.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <stdexcept>
#include <xxhash.h>

namespace phext {

namespace {

// Delimiter byte per dimension, indexed by Dim (library first), references.md §1.
constexpr std::array<char, kDims> kDelims = {kLibraryBreak,    kShelfBreak,   kSeriesBreak,
                                             kCollectionBreak, kVolumeBreak,  kBookBreak,
                                             kChapterBreak,    kSectionBreak, kScrollBreak};

// Byte -> dimension index, or -1 for content; a table keeps the hot scan loop branch-light.
constexpr std::array<std::int8_t, 256> make_dim_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t)
    v = -1;
  for (std::size_t i = 0; i < kDims; ++i)
    t[static_cast<unsigned char>(kDelims[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kDimOf = make_dim_table();

int dim_index(char byte) { return kDimOf[static_cast<unsigned char>(byte)]; }

// Apply the break at byte `pos`. A dimension already at 999 would saturate and the cursor would stop moving
// forward (scrolls could then share a coordinate), so such documents are rejected instead.
void step(Coordinate& cur, int dim, std::size_t pos) {
  const auto d = static_cast<Dim>(dim);
  if (cur[d] >= kFieldMax)
    throw ParseError(fmt::format("phext document: {} break (0x{:02X}) at byte offset {} would push the {} past {}",
                                 dim_name(d), static_cast<unsigned char>(kDelims[dim]), pos, dim_name(d), kFieldMax));
  cur.advance(d);
}

// Minimal delimiters taking cursor `from` to `to` (references.md §3.4 step 3); requires from <= to.
void append_delimiters(std::string& out, const Coordinate& from, const Coordinate& to) {
  std::size_t i = 0;
  while (i < kDims && from.at(i) == to.at(i))
    ++i;
  if (i == kDims) return;
  out.append(to.at(i) - from.at(i), kDelims[i]);
  for (std::size_t j = i + 1; j < kDims; ++j)
    out.append(to.at(j) - 1, kDelims[j]);
}

// Scroll text holds no delimiter: one would move every later scroll (references.md §3.2).
void check_scroll_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (dim_index(text[i]) >= 0)
      throw ParseError(fmt::format("scroll text contains the {} delimiter 0x{:02X} at byte {}; a scroll cannot hold "
                                   "delimiters",
                                   dim_name(static_cast<Dim>(dim_index(text[i]))), static_cast<unsigned char>(text[i]),
                                   i));
}

// Canonical serialiser shared by dephokenize, implode, merge, manifest and index; scrolls must
// arrive in ascending order.
class Writer {
public:
  /// Returns the byte offset at which `text` starts in the output.
  std::size_t add(const Coordinate& c, std::string_view text) {
    if (text.empty()) return out_.size(); // empty scrolls are absent (Q6: no cursor move without delimiters)
    check_scroll_text(text);
    append_delimiters(out_, pos_, c);
    const std::size_t at = out_.size();
    out_.append(text);
    pos_ = c;
    return at;
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
  Coordinate pos_;
};

// Where `c` lives in `doc`. If c's run exists (possibly empty), [start, end) is that run. Otherwise
// start == end is the insertion point and `before` the cursor there (the last cursor below c).
struct Site {
  std::size_t start = 0;
  std::size_t end = 0;
  Coordinate before;
  bool found = false;
};

Site locate(std::string_view doc, const Coordinate& c) {
  Coordinate cur;
  std::size_t run_start = 0;
  bool done = false;
  Site site;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const int d = dim_index(doc[i]);
    if (d < 0) continue;
    if (!done && cur == c) {
      site = Site{run_start, i, cur, true};
      done = true;
    }
    const Coordinate prev = cur;
    step(cur, d, i); // keeps walking after `done` so overflowing documents are rejected consistently
    if (!done && prev < c && c < cur) {
      // Jumped past c: c agrees with prev above dimension d, so advance_d(c) == cur and inserting the
      // delimiters prev->c right here leaves every later scroll at its coordinate.
      site = Site{i, i, prev, false};
      done = true;
    }
    run_start = i + 1;
  }
  if (!done) {
    if (cur == c)
      site = Site{run_start, doc.size(), cur, true};
    else
      site = Site{doc.size(), doc.size(), cur, false}; // cur < c: c lies beyond the end
  }
  return site;
}

// Shared body of insert/replace: keep [0, keep_to), then the fix-up delimiters, text, and [site.end, size).
std::string splice(std::string_view doc, const Site& site, std::size_t keep_to, const Coordinate& c,
                   std::string_view text) {
  std::string out;
  out.reserve(doc.size() + text.size() + 16);
  out.append(doc.substr(0, keep_to));
  if (!site.found) append_delimiters(out, site.before, c);
  out.append(text);
  out.append(doc.substr(site.end));
  return out;
}

bool is_phext_break(char byte) { return byte == '\n' || dim_index(byte) >= 0; }

} // namespace

char delimiter(Dim d) { return kDelims[static_cast<std::size_t>(d)]; }

std::optional<Dim> delimiter_dim(unsigned char byte) {
  const int d = kDimOf[byte];
  if (d < 0) return std::nullopt;
  return static_cast<Dim>(d);
}

std::vector<Phoken> phokenize(std::string_view doc) {
  std::vector<Phoken> out;
  Coordinate cur;
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const int d = dim_index(doc[i]);
    if (d < 0) continue;
    if (i > run_start) out.push_back(Phoken{cur, std::string(doc.substr(run_start, i - run_start))});
    step(cur, d, i);
    run_start = i + 1;
  }
  if (doc.size() > run_start) out.push_back(Phoken{cur, std::string(doc.substr(run_start))});
  return out;
}

std::string dephokenize(const std::vector<Phoken>& scrolls) {
  Writer w;
  for (std::size_t k = 0; k < scrolls.size(); ++k) {
    // Checked over every entry, empty ones included: a duplicate is a caller bug even if one side is empty.
    if (k > 0 && !(scrolls[k - 1].coord < scrolls[k].coord))
      throw std::invalid_argument(fmt::format("dephokenize: scroll {} at {} does not follow {} (must be strictly "
                                              "ascending)",
                                              k, scrolls[k].coord.str(), scrolls[k - 1].coord.str()));
    w.add(scrolls[k].coord, scrolls[k].text);
  }
  return w.take();
}

std::string normalize(std::string_view doc) { return dephokenize(phokenize(doc)); }

std::string fetch(std::string_view doc, const Coordinate& c) {
  const Site site = locate(doc, c);
  if (!site.found) return {};
  return std::string(doc.substr(site.start, site.end - site.start));
}

std::string insert(std::string_view doc, const Coordinate& c, std::string_view text) {
  check_scroll_text(text);
  const Site site = locate(doc, c);
  return splice(doc, site, site.end, c, text);
}

std::string replace(std::string_view doc, const Coordinate& c, std::string_view text) {
  check_scroll_text(text);
  const Site site = locate(doc, c);
  return splice(doc, site, site.start, c, text);
}

std::string remove(std::string_view doc, const Coordinate& c) { return normalize(replace(doc, c, "")); }

ScrollMap explode(std::string_view doc) {
  ScrollMap out;
  for (auto& p : phokenize(doc))
    out.emplace_hint(out.end(), p.coord, std::move(p.text));
  return out;
}

std::string implode(const ScrollMap& scrolls) {
  Writer w;
  for (const auto& [c, text] : scrolls)
    w.add(c, text);
  return w.take();
}

std::string merge(std::string_view left, std::string_view right) {
  const auto a = phokenize(left), b = phokenize(right);
  Writer w;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].coord < b[j].coord)) {
      w.add(a[i].coord, a[i].text);
      ++i;
    } else if (i == a.size() || b[j].coord < a[i].coord) {
      w.add(b[j].coord, b[j].text);
      ++j;
    } else {
      w.add(a[i].coord, a[i].text + b[j].text);
      ++i;
      ++j;
    }
  }
  return w.take();
}

std::string subtract(std::string_view left, std::string_view right) {
  const ScrollMap mask = explode(right);
  Writer w;
  for (const auto& p : phokenize(left))
    if (mask.find(p.coord) == mask.end()) w.add(p.coord, p.text);
  return w.take();
}

namespace {
// Byte rewrite through a 256-entry table; `up` maps each delimiter one dimension up, else down.
std::string shift_delimiters(std::string_view doc, bool up) {
  std::array<char, 256> map{};
  for (std::size_t b = 0; b < 256; ++b)
    map[b] = static_cast<char>(b);
  // Line break, then the nine delimiters from scroll to library.
  const std::array<char, kDims + 1> ladder = {'\n',        kScrollBreak, kSectionBreak,    kChapterBreak,
                                              kBookBreak,  kVolumeBreak, kCollectionBreak, kSeriesBreak,
                                              kShelfBreak, kLibraryBreak};
  for (std::size_t k = 0; k < ladder.size(); ++k) {
    const std::size_t to = up ? std::min(k + 1, ladder.size() - 1) : (k == 0 ? 0 : k - 1);
    map[static_cast<unsigned char>(ladder[k])] = ladder[to];
  }
  std::string out(doc);
  for (auto& ch : out)
    ch = map[static_cast<unsigned char>(ch)];
  return out;
}
} // namespace

std::string expand(std::string_view doc) { return shift_delimiters(doc, true); }
std::string contract(std::string_view doc) { return shift_delimiters(doc, false); }

std::string index(std::string_view doc) {
  Writer canonical, out;
  for (const auto& p : phokenize(doc))
    out.add(p.coord, std::to_string(canonical.add(p.coord, p.text)));
  return out.take();
}

std::size_t offset(std::string_view doc, const Coordinate& c) {
  Writer canonical;
  std::size_t best = 0;
  for (const auto& p : phokenize(doc)) {
    if (c < p.coord) break;
    best = canonical.add(p.coord, p.text);
  }
  return best;
}

std::string checksum(std::string_view text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

std::string manifest(std::string_view doc) {
  Writer w;
  for (const auto& p : phokenize(doc))
    w.add(p.coord, checksum(p.text));
  return w.take();
}

std::string create_summary(std::string_view text) {
  std::size_t n = std::min<std::size_t>(text.size(), 32);
  // Do not split a UTF-8 sequence: back up over continuation bytes when the cut lands inside one.
  if (n < text.size())
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
      --n;
  for (std::size_t i = 0; i < n; ++i) {
    if (is_phext_break(text[i])) {
      n = i;
      break;
    }
  }
  std::string out(text.substr(0, n));
  if (n < text.size()) out += "...";
  return out;
}

std::string textmap(std::string_view doc) {
  std::string out;
  for (const auto& p : phokenize(doc))
    out += fmt::format("* {}: {}\n", p.coord.str(), create_summary(p.text));
  return out;
}

std::optional<NextScroll> next_scroll(std::string_view doc, const Coordinate& start) {
  Coordinate cur = start;
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const int d = dim_index(doc[i]);
    if (d < 0) continue;
    if (i > run_start) {
      Phoken scroll{cur, std::string(doc.substr(run_start, i - run_start))};
      step(cur, d, i);
      return NextScroll{std::move(scroll), cur, doc.substr(i + 1)};
    }
    step(cur, d, i);
    run_start = i + 1;
  }
  if (doc.size() > run_start) // the last scroll runs to the end: no delimiter ended it, nothing remains
    return NextScroll{Phoken{cur, std::string(doc.substr(run_start))}, cur, doc.substr(doc.size())};
  return std::nullopt;
}

bool has_cowbell(std::string_view doc) { return doc.find('\x07') != std::string_view::npos; }

} // namespace phext
