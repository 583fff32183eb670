// Tests for the phext document layer against docs/references.md (phext) §3, the vectors of §4.2/§4.3 and the
// quirk table of §5 (asserting the *intended* column).
//
// C++ porting trap (§4): "A\x17B" is not three bytes. Vectors are written in the spec's own notation inside raw
// literals and decoded by X() (exactly two hex digits per \xNN), so they can be copied from their sources verbatim.
#include "document.hpp"

#include "test_seed.hpp"
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

using phext::Coordinate;
using phext::Dim;
using phext::ParseError;
using phext::Phoken;
using phext::ScrollMap;

namespace {

// Decode the vectors' notation: `\xNN` (two hex digits) is one byte, everything else is literal.
std::string X(std::string_view spec) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == '\\' && i + 3 < spec.size() && spec[i + 1] == 'x' && hex(spec[i + 2]) >= 0 &&
        hex(spec[i + 3]) >= 0) {
      out += static_cast<char>(hex(spec[i + 2]) * 16 + hex(spec[i + 3]));
      i += 3;
    } else {
      out += spec[i];
    }
  }
  return out;
}

// Printable, injective rendering of bytes so failures show which delimiter differs.
std::string esc(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\')
      out += "\\\\";
    else if (c < 0x20 || c >= 0x7f)
      out += {'\\', 'x', digits[c >> 4], digits[c & 15]};
    else
      out += ch;
  }
  return out;
}

#define CHECK_BYTES(actual, expected) CHECK(esc(actual) == esc(expected))
#define REQUIRE_BYTES(actual, expected) REQUIRE(esc(actual) == esc(expected))

Coordinate C(std::string_view s) { return Coordinate::parse(s); }

std::string render(const std::vector<Phoken>& ps) {
  std::string out;
  for (const auto& p : ps)
    out += p.coord.str() + " -> " + esc(p.text) + "\n";
  return out;
}

std::string render_map(const ScrollMap& m) {
  std::string out;
  for (const auto& [c, t] : m)
    out += c.str() + " -> " + esc(t) + "\n";
  return out;
}

#define SEED_INFO(seed) INFO("seed " << (seed) << " (set PHTPU_SEED to reproduce)")

// Independent oracle for dead reckoning (§3.2): plain counters, no saturation, reports overflow past 999.
struct Model {
  ScrollMap scrolls;
  bool overflow = false;
};

Model model(std::string_view doc) {
  static const std::string delims = X(R"(\x01\x1F\x1E\x1D\x1C\x1A\x19\x18\x17)");
  Model m;
  std::array<unsigned, 9> cur{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::string run;
  const auto flush = [&] {
    if (!run.empty())
      m.scrolls[Coordinate(cur[0], cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7], cur[8])] += run;
    run.clear();
  };
  for (char ch : doc) {
    const auto k = delims.find(ch);
    if (k == std::string::npos) {
      run += ch;
      continue;
    }
    flush();
    if (++cur[k] > 999) {
      m.overflow = true;
      return m;
    }
    for (std::size_t j = k + 1; j < 9; ++j)
      cur[j] = 1;
  }
  flush();
  return m;
}

// Random content byte: anything but the nine delimiters, biased toward the interesting controls.
char random_content(std::mt19937_64& rng) {
  static const char special[] = {'\n', '\x07', '\0', '\x02', '\x1B', '\t', '\r', 'a', 'b', 'z'};
  if (rng() % 3 == 0) return special[rng() % sizeof special];
  for (;;) {
    const char c = static_cast<char>(rng() % 256);
    if (!phext::delimiter_dim(static_cast<unsigned char>(c))) return c;
  }
}

std::string random_text(std::mt19937_64& rng, std::size_t max_len) {
  std::string s(1 + rng() % max_len, ' ');
  for (auto& c : s)
    c = random_content(rng);
  return s;
}

// Coordinate with small fields, so random scrolls land near each other and near document cursors.
Coordinate random_small_coord(std::mt19937_64& rng) {
  std::array<unsigned, 9> f{};
  for (auto& v : f)
    v = rng() % 3 ? 1 : 1 + static_cast<unsigned>(rng() % 3);
  return Coordinate(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
}

std::vector<Phoken> random_scrolls(std::mt19937_64& rng) {
  std::set<Coordinate> coords;
  const std::size_t n = rng() % 8;
  while (coords.size() < n)
    coords.insert(random_small_coord(rng));
  std::vector<Phoken> out;
  for (const auto& c : coords)
    out.push_back(Phoken{c, random_text(rng, 6)});
  return out;
}

// Raw document: content mixed with any delimiters, redundant and trailing ones included.
std::string random_raw_doc(std::mt19937_64& rng, std::size_t max_len) {
  static const std::string delims = X(R"(\x01\x1F\x1E\x1D\x1C\x1A\x19\x18\x17)");
  std::string s(rng() % (max_len + 1), ' ');
  for (auto& c : s) {
    if (rng() % 5 < 2)
      c = delims[(rng() % 2) ? 8 - rng() % 3 : rng() % 9]; // lower dimensions more often
    else
      c = random_content(rng);
  }
  return s;
}

// A target coordinate for edits: an existing scroll, a neighbour of one, or anything small.
Coordinate random_target(std::mt19937_64& rng, const ScrollMap& m) {
  if (!m.empty() && rng() % 2) {
    auto it = m.begin();
    std::advance(it, static_cast<long>(rng() % m.size()));
    Coordinate c = it->first;
    if (rng() % 2) {
      const auto d = static_cast<Dim>(rng() % 9);
      if (rng() % 2 && c[d] > 1)
        c.set(d, c[d] - 1);
      else
        c.advance(d);
    }
    return c;
  }
  return random_small_coord(rng);
}

} // namespace

TEST_CASE("X() decodes the vectors' notation like split literals (§4 porting trap)", "[phext]") {
  CHECK(X(R"(A\x17B)") == std::string("A\x17"
                                      "B"));
  CHECK(X(R"(aaa\x01bbb\x17ccc)") == std::string("aaa\x01"
                                                 "bbb\x17"
                                                 "ccc"));
  CHECK(X(R"(\x1Eeight)") == std::string("\x1E"
                                         "eight"));
  CHECK(X(R"(x\x00y)") == std::string("x\0y", 3));
  CHECK(X(R"(\x17)").size() == 1);
}

TEST_CASE("delimiter bytes map to dimensions (§1)", "[phext]") {
  const std::array<std::pair<Dim, char>, 9> table = {{{Dim::Scroll, '\x17'},
                                                      {Dim::Section, '\x18'},
                                                      {Dim::Chapter, '\x19'},
                                                      {Dim::Book, '\x1A'},
                                                      {Dim::Volume, '\x1C'},
                                                      {Dim::Collection, '\x1D'},
                                                      {Dim::Series, '\x1E'},
                                                      {Dim::Shelf, '\x1F'},
                                                      {Dim::Library, '\x01'}}};
  for (const auto& [d, b] : table) {
    CHECK(phext::delimiter(d) == b);
    CHECK(phext::delimiter_dim(static_cast<unsigned char>(b)) == d);
  }
  int count = 0;
  for (int b = 0; b < 256; ++b)
    count += phext::delimiter_dim(static_cast<unsigned char>(b)).has_value();
  CHECK(count == 9);
  // Content, not delimiters: line break, cowbell, NUL, STX/ETX, ESC (the gap between book and volume).
  for (unsigned char b : {0x0A, 0x07, 0x00, 0x02, 0x03, 0x1B, 0x09, 0x0D, 0x7F, 0xFF})
    CHECK_FALSE(phext::delimiter_dim(b).has_value());
}

TEST_CASE("dead reckoning: only the nine delimiters move the cursor (§3.2)", "[phext]") {
  const std::string content = X(R"(line 1\x0Aline 2\x07\x00\x02\x03\x1B\x0D\x09)");
  const auto ps = phext::phokenize(content + X(R"(\x17)") + content);
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].coord == Coordinate());
  CHECK_BYTES(ps[0].text, content);
  CHECK(ps[1].coord == C("1.1.1/1.1.1/1.1.2"));
  CHECK_BYTES(ps[1].text, content);
  CHECK_BYTES(phext::fetch(content, Coordinate()), content);
}

TEST_CASE("D2: fetch with a trailing delimiter (§4.2)", "[phext]") {
  const std::string doc = X(R"(hello\x17world\x17)");
  CHECK_BYTES(phext::fetch(doc, C("1.1.1/1.1.1/1.1.2")), "world");
  CHECK_BYTES(phext::fetch(doc, C("1.1.1/1.1.1/1.1.1")), "hello");
  CHECK_BYTES(phext::fetch(doc, C("1.1.1/1.1.1/1.1.3")), "");
  // The span is [6, 11): replacing it touches exactly those bytes.
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.2"), "X"), X(R"(hello\x17X\x17)"));
}

TEST_CASE("D4: fetch by dead reckoning through many delimiters (§4.2)", "[phext]") {
  std::string doc;
  doc += std::string(5, '\x01');
  doc += std::string(12, '\x1F');
  doc += std::string(3, '\x1E');
  doc += std::string(1, '\x1D');
  doc += std::string(10, '\x1C');
  doc += std::string(3, '\x1A');
  doc += std::string(1, '\x19');
  doc += std::string(19, '\x18');
  doc += std::string(2, '\x17');
  doc += X(R"(here's some text at 6.13.4/2.11.4/2.20.3\x17this is the next scroll and won't be picked)");
  CHECK_BYTES(phext::fetch(doc, C("6.13.4/2.11.4/2.20.3")), "here's some text at 6.13.4/2.11.4/2.20.3");
  CHECK_BYTES(phext::fetch(doc, C("6.13.4/2.11.4/2.20.4")), "this is the next scroll and won't be picked");
}

TEST_CASE("D5: phokenize with ascending breaks (§4.2)", "[phext]") {
  const auto ps = phext::phokenize(X(R"(one\x17two\x18three\x19four\x1Afive\x1Csix\x1Dseven\x1Eeight\x1Fnine\x01ten)"));
  const std::vector<Phoken> expected = {{C("1.1.1/1.1.1/1.1.1"), "one"},   {C("1.1.1/1.1.1/1.1.2"), "two"},
                                        {C("1.1.1/1.1.1/1.2.1"), "three"}, {C("1.1.1/1.1.1/2.1.1"), "four"},
                                        {C("1.1.1/1.1.2/1.1.1"), "five"},  {C("1.1.1/1.2.1/1.1.1"), "six"},
                                        {C("1.1.1/2.1.1/1.1.1"), "seven"}, {C("1.1.2/1.1.1/1.1.1"), "eight"},
                                        {C("1.2.1/1.1.1/1.1.1"), "nine"},  {C("2.1.1/1.1.1/1.1.1"), "ten"}};
  CHECK(render(ps) == render(expected));
}

TEST_CASE("D6: phokenize with descending breaks (§4.2)", "[phext]") {
  const auto ps = phext::phokenize(X(R"(one\x01two\x1Fthree\x1Efour\x1Dfive\x1Csix\x1Aseven\x19eight\x18nine\x17ten)"));
  const std::vector<Phoken> expected = {{C("1.1.1/1.1.1/1.1.1"), "one"},   {C("2.1.1/1.1.1/1.1.1"), "two"},
                                        {C("2.2.1/1.1.1/1.1.1"), "three"}, {C("2.2.2/1.1.1/1.1.1"), "four"},
                                        {C("2.2.2/2.1.1/1.1.1"), "five"},  {C("2.2.2/2.2.1/1.1.1"), "six"},
                                        {C("2.2.2/2.2.2/1.1.1"), "seven"}, {C("2.2.2/2.2.2/2.1.1"), "eight"},
                                        {C("2.2.2/2.2.2/2.2.1"), "nine"},  {C("2.2.2/2.2.2/2.2.2"), "ten"}};
  CHECK(render(ps) == render(expected));
}

TEST_CASE("D7: phokenize resets and gaps (§4.2)", "[phext]") {
  CHECK(render(phext::phokenize(X(R"(\x1A\x1C\x1D\x1E\x1F\x01stuff here)"))) ==
        render({{C("2.1.1/1.1.1/1.1.1"), "stuff here"}}));
  CHECK(render(phext::phokenize(X(R"(\x17\x17A\x17\x17B)"))) ==
        render({{C("1.1.1/1.1.1/1.1.3"), "A"}, {C("1.1.1/1.1.1/1.1.5"), "B"}}));
}

TEST_CASE("D8: normalize drops redundant and trailing delimiters (§4.2, §3.4)", "[phext]") {
  CHECK_BYTES(phext::normalize(X(R"(\x17Scroll two\x18\x18\x18\x18)")), X(R"(\x17Scroll two)"));
  CHECK_BYTES(phext::normalize(X(R"(\x1A\x1C\x1D\x1E\x1F\x01stuff here)")), X(R"(\x01stuff here)"));
  CHECK_BYTES(phext::normalize(X(R"(A\x17\x18B)")), X(R"(A\x18B)"));
}

TEST_CASE("D9: insert appends a new scroll at the end (§4.2)", "[phext]") {
  CHECK_BYTES(phext::insert(X(R"(aaa\x01bbb\x17ccc)"), C("2.1.1/1.1.1/1.1.3"), "ddd"),
              X(R"(aaa\x01bbb\x17ccc\x17ddd)"));
}

TEST_CASE("D10: insert creates a scroll mid-document (§4.2)", "[phext]") {
  const std::string doc = X(R"(aaa\x01bbb\x17ccc\x17ddd\x17eee\x18fff\x17ggg\x19hhh)");
  CHECK_BYTES(phext::insert(doc, C("2.1.1/1.1.1/1.1.5"), "iii"),
              X(R"(aaa\x01bbb\x17ccc\x17ddd\x17eee\x17iii\x18fff\x17ggg\x19hhh)"));
}

TEST_CASE("D11: insert extends an existing scroll (§4.2)", "[phext]") {
  const std::string doc = X(R"(aaa\x01bbb\x17ccc\x17ddd\x17eee\x17iii\x18fff\x17ggg\x19hhh)");
  CHECK_BYTES(phext::insert(doc, C("1.1.1/1.1.1/1.1.1"), "---AAA"),
              X(R"(aaa---AAA\x01bbb\x17ccc\x17ddd\x17eee\x17iii\x18fff\x17ggg\x19hhh)"));
}

TEST_CASE("D14: insert and replace beyond the end agree (§4.2)", "[phext]") {
  const std::string doc = X(R"(hello world\x17scroll two)");
  const std::string expected = X(R"(hello world\x17scroll two\x01\x17\x17\x17\x172.1.1-1.1.1-1.1.5)");
  CHECK_BYTES(phext::insert(doc, C("2.1.1/1.1.1/1.1.5"), "2.1.1-1.1.1-1.1.5"), expected);
  CHECK_BYTES(phext::replace(doc, C("2.1.1/1.1.1/1.1.5"), "2.1.1-1.1.1-1.1.5"), expected);
}

TEST_CASE("D16: replace creates a scroll far away (§4.2)", "[phext]") {
  CHECK_BYTES(phext::replace(X(R"(aaa\x17bbb)"), C("1.2.3/4.5.6/7.8.9"), "ccc"),
              X(R"(aaa\x17bbb\x1F\x1E\x1E\x1D\x1D\x1D\x1C\x1C\x1C\x1C\x1A\x1A\x1A\x1A\x1A\x19\x19\x19\x19\x19\x19)"
                R"(\x18\x18\x18\x18\x18\x18\x18\x17\x17\x17\x17\x17\x17\x17\x17ccc)"));
}

TEST_CASE("D18: replace at the last library (§4.2)", "[phext]") {
  const std::string doc = X(R"(A\x17B\x17C\x18D\x19E\x1AF\x1CG\x1DH\x1EI\x1FJ\x01K)");
  CHECK_BYTES(phext::replace(doc, C("3.1.1/1.1.1/1.1.1"), "L"),
              X(R"(A\x17B\x17C\x18D\x19E\x1AF\x1CG\x1DH\x1EI\x1FJ\x01K\x01L)"));
}

TEST_CASE("D20: explode, add, implode (§4.2)", "[phext]") {
  ScrollMap m = phext::explode(X(R"(hello world\x17\x17\x17scroll 4\x01Library 2)"));
  const ScrollMap expected = {{C("1.1.1/1.1.1/1.1.1"), "hello world"},
                              {C("1.1.1/1.1.1/1.1.4"), "scroll 4"},
                              {C("2.1.1/1.1.1/1.1.1"), "Library 2"}};
  CHECK(render_map(m) == render_map(expected));
  m[C("2.3.4/5.6.7/8.9.1")] = "random insertion";
  CHECK_BYTES(phext::implode(m),
              X(R"(hello world\x17\x17\x17scroll 4\x01Library 2\x1F\x1F\x1E\x1E\x1E\x1D\x1D\x1D\x1D\x1C\x1C\x1C\x1C)"
                R"(\x1C\x1A\x1A\x1A\x1A\x1A\x1A\x19\x19\x19\x19\x19\x19\x19\x18\x18\x18\x18\x18\x18\x18\x18)"
                R"(random insertion)"));
}

TEST_CASE("D21: checksum is XXH3-128, high half first (§4.2, §3.5)", "[phext]") {
  CHECK(phext::checksum("") == "99aa06d3014798d86001c324468d497f");
  const std::string h = phext::checksum(X(R"(A\x17B)"));
  CHECK(h.size() == 32);
  CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(h != phext::checksum(X(R"(A\x18B)")));
  CHECK(h == phext::checksum(X(R"(A\x17B)")));
}

TEST_CASE("S1: next_scroll (§4.3)", "[phext]") {
  const std::string doc = X(R"(3A\x17B2\x18C1)");
  auto r = phext::next_scroll(doc, Coordinate());
  REQUIRE(r);
  CHECK(r->scroll.coord == Coordinate());
  CHECK_BYTES(r->scroll.text, "3A");
  CHECK(r->next == C("1.1.1/1.1.1/1.1.2"));
  CHECK_BYTES(r->remaining, X(R"(B2\x18C1)"));
  // Keep reading: the remainder continues from the returned cursor.
  r = phext::next_scroll(r->remaining, r->next);
  REQUIRE(r);
  CHECK(r->scroll.coord == C("1.1.1/1.1.1/1.1.2"));
  CHECK_BYTES(r->scroll.text, "B2");
  CHECK(r->next == C("1.1.1/1.1.1/1.2.1"));
  r = phext::next_scroll(r->remaining, r->next);
  REQUIRE(r);
  CHECK(r->scroll.coord == C("1.1.1/1.1.1/1.2.1"));
  CHECK_BYTES(r->scroll.text, "C1");
  CHECK(r->next == C("1.1.1/1.1.1/1.2.1")); // no delimiter ended it
  CHECK(r->remaining.empty());
  CHECK_FALSE(phext::next_scroll(r->remaining, r->next));
}

TEST_CASE("next_scroll skips empty scrolls and honours the start cursor (§3.3)", "[phext]") {
  const std::string doc = X(R"(\x17\x18\x17xy\x01z)");
  const auto r = phext::next_scroll(doc, C("1.1.1/1.1.1/1.1.7"));
  REQUIRE(r);
  CHECK(r->scroll.coord == C("1.1.1/1.1.1/1.2.2"));
  CHECK_BYTES(r->scroll.text, "xy");
  CHECK(r->next == C("2.1.1/1.1.1/1.1.1"));
  CHECK_BYTES(r->remaining, "z");
  CHECK_FALSE(phext::next_scroll("", Coordinate()));
  CHECK_FALSE(phext::next_scroll(X(R"(\x17\x17\x01)"), Coordinate()));
  CHECK_THROWS_AS(phext::next_scroll(X(R"(a\x17)"), C("1.1.1/1.1.1/1.1.999")), ParseError);
}

TEST_CASE("S11: textmap (§4.3)", "[phext]") {
  CHECK_BYTES(phext::textmap(X(R"(A\x17\x17C\x01D)")),
              X(R"(* 1.1.1/1.1.1/1.1.1: A\x0A* 1.1.1/1.1.1/1.1.3: C\x0A* 2.1.1/1.1.1/1.1.1: D\x0A)"));
  CHECK(phext::textmap("") == "");
}

TEST_CASE("S12: create_summary (§4.3)", "[phext]") {
  CHECK_BYTES(phext::create_summary(X(R"(A short phext\x0ASecond line\x17second scroll.............................)")),
              "A short phext...");
  CHECK_BYTES(phext::create_summary("very terse"), "very terse");
}

TEST_CASE("create_summary limits and cuts (§3.5)", "[phext]") {
  const std::string s32(32, 'a');
  CHECK(phext::create_summary(s32) == s32);
  CHECK(phext::create_summary(s32 + "b") == s32 + "...");
  CHECK(phext::create_summary("") == "");
  CHECK(phext::create_summary(X(R"(\x0Arest)")) == "...");
  CHECK(phext::create_summary(X(R"(ab\x01cd)")) == "ab...");
  CHECK(phext::create_summary(X(R"(ab\x07cd)")) == X(R"(ab\x07cd)")); // cowbell is not a break
  // A cut never splits a UTF-8 sequence: 31 ASCII bytes then a 2-byte e-acute.
  const std::string utf8 = std::string(31, 'a') + "\xC3\xA9" + "tail";
  CHECK(phext::create_summary(utf8) == std::string(31, 'a') + "...");
}

TEST_CASE("S13: insert at a large coordinate into an empty document (§4.3)", "[phext]") {
  const Coordinate c = C("111.222.333/444.555.666/777.888.999");
  const std::string doc = phext::insert("", c, "Hello World");
  CHECK(doc.size() == 4997);
  CHECK_BYTES(phext::textmap(doc), X(R"(* 111.222.333/444.555.666/777.888.999: Hello World\x0A)"));
  CHECK(phext::fetch(doc, c) == "Hello World");
  CHECK(phext::replace("", c, "Hello World") == doc);
}

TEST_CASE("S14: cowbell detection (§4.3)", "[phext]") {
  CHECK(phext::has_cowbell(X(R"(Hello\x07)")));
  CHECK_FALSE(phext::has_cowbell(X(R"(nope\x17just more scrolls)")));
  CHECK_FALSE(phext::has_cowbell(""));
}

TEST_CASE("Q1: fetch of an absent scroll between scrolls is empty (§5)", "[phext]") {
  CHECK_BYTES(phext::fetch(X(R"(A\x17B\x18C)"), C("1.1.1/1.1.1/1.1.3")), "");
}

TEST_CASE("Q2: fetch of a skipped coordinate is empty (§5)", "[phext]") {
  CHECK_BYTES(phext::fetch(X(R"(A\x18B)"), C("1.1.1/1.1.1/1.1.2")), "");
}

TEST_CASE("Q3: replace of an absent scroll between scrolls keeps the others (§5)", "[phext]") {
  const std::string doc = X(R"(A\x17B\x18C)");
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.3"), "X"), X(R"(A\x17B\x17X\x18C)"));
  CHECK_BYTES(phext::insert(doc, C("1.1.1/1.1.1/1.1.3"), "X"), X(R"(A\x17B\x17X\x18C)"));
}

TEST_CASE("Q4: replace and remove at a skipped coordinate (§5)", "[phext]") {
  const std::string doc = X(R"(A\x18C)");
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.2"), "B"), X(R"(A\x17B\x18C)"));
  CHECK_BYTES(phext::remove(doc, C("1.1.1/1.1.1/1.1.2")), X(R"(A\x18C)"));
}

TEST_CASE("Q5: replace before a library break (§5)", "[phext]") {
  CHECK_BYTES(phext::replace(X(R"(A\x01B)"), C("1.1.1/1.1.1/1.1.2"), "Z"), X(R"(A\x17Z\x01B)"));
}

TEST_CASE("Q6: implode keeps positions across empty scrolls (§5)", "[phext]") {
  const ScrollMap m = {{C("1.1.1/1.1.1/1.1.1"), "a"}, {C("1.1.1/1.1.1/1.1.3"), ""}, {C("1.1.1/1.1.1/1.1.4"), "b"}};
  CHECK_BYTES(phext::implode(m), X(R"(a\x17\x17\x17b)"));
  const std::vector<Phoken> v = {
      {C("1.1.1/1.1.1/1.1.1"), "a"}, {C("1.1.1/1.1.1/1.1.3"), ""}, {C("1.1.1/1.1.1/1.1.4"), "b"}};
  CHECK_BYTES(phext::dephokenize(v), X(R"(a\x17\x17\x17b)"));
  // Empty scrolls never produce delimiters, so a trailing one leaves no trailing delimiters (§3.4 step 4).
  CHECK_BYTES(phext::implode({{C("1.1.1/1.1.1/1.1.1"), "a"}, {C("1.1.1/1.1.1/1.1.3"), ""}}), "a");
  CHECK_BYTES(phext::dephokenize({{C("1.1.1/1.1.1/1.1.3"), ""}}), "");
}

TEST_CASE("Q7: coordinates with a 1000 component cannot be built (§5)", "[phext]") {
  CHECK_THROWS_AS(Coordinate::parse("1.1.1/1.1.1/1.1.1000"), ParseError);
  CHECK_THROWS_AS(Coordinate(1, 1, 1, 1, 1, 1, 1, 1, 1000), std::out_of_range);
  // The largest legal target still terminates: 9 x 998 delimiters.
  const Coordinate top = C("999.999.999/999.999.999/999.999.999");
  const std::string doc = phext::insert("", top, "x");
  CHECK(doc.size() == 9 * 998 + 1);
  CHECK(phext::fetch(doc, top) == "x");
}

TEST_CASE("Q8: trailing delimiters yield no empty phoken (§5)", "[phext]") {
  CHECK(render(phext::phokenize(X(R"(A\x17\x17)"))) == render({{Coordinate(), "A"}}));
  CHECK(phext::phokenize("").empty());
  CHECK(phext::phokenize(X(R"(\x17\x01\x18)")).empty());
}

TEST_CASE("Q9: components above 4294967295 are rejected (§5)", "[phext]") {
  CHECK_THROWS_AS(Coordinate::parse("4294967296.1.1/1.1.1/1.1.1"), ParseError);
  CHECK_THROWS_AS(Coordinate::parse("1.1.1/1.1.1/1.1.4294967296"), ParseError);
}

TEST_CASE("a delimiter past 999 is rejected with dimension and offset (§2.4, §2.8)", "[phext]") {
  const std::string ok = std::string(998, '\x17') + "x";
  CHECK(render(phext::phokenize(ok)) == render({{C("1.1.1/1.1.1/1.1.999"), "x"}}));
  const std::string bad = "ab" + std::string(999, '\x17') + "x";
  std::string msg;
  try {
    (void)phext::phokenize(bad);
  } catch (const ParseError& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Catch::Contains("scroll") && Catch::Contains("offset 1000"));
  CHECK(msg.find('\n') == std::string::npos);
  // A higher break resets the count, so 999 scroll breaks split by a section break are fine.
  CHECK_NOTHROW(phext::phokenize(std::string(500, '\x17') + "\x18" + std::string(500, '\x17')));
  CHECK_THROWS_AS(phext::phokenize(std::string(999, '\x01')), ParseError);
  CHECK_THROWS_AS(phext::normalize(bad), ParseError);
  CHECK_THROWS_AS(phext::fetch(bad, Coordinate()), ParseError);
  CHECK_THROWS_AS(phext::insert(bad, Coordinate(), "y"), ParseError); // rejected even past the edit point
  CHECK_THROWS_AS(phext::replace(bad, Coordinate(), "y"), ParseError);
  CHECK_THROWS_AS(phext::explode(bad), ParseError);
  CHECK_THROWS_AS(phext::manifest(bad), ParseError);
}

TEST_CASE("overflow message names the offset of the offending byte", "[phext]") {
  const std::string bad = "ab" + std::string(999, '\x1D');
  try {
    (void)phext::phokenize(bad);
    FAIL("no ParseError");
  } catch (const ParseError& e) {
    CHECK_THAT(e.what(), Catch::Contains("collection") && Catch::Contains("offset 1000"));
  }
}

TEST_CASE("empty documents (§2.3, §3.3)", "[phext]") {
  CHECK(phext::normalize("") == "");
  CHECK(phext::fetch("", Coordinate()) == "");
  CHECK(phext::insert("", Coordinate(), "t") == "t");
  CHECK(phext::replace("", Coordinate(), "t") == "t");
  CHECK(phext::remove("", Coordinate()) == "");
  CHECK(phext::explode("").empty());
  CHECK(phext::implode({}) == "");
  CHECK(phext::manifest("") == "");
  CHECK_BYTES(phext::insert("", C("1.1.1/1.1.1/1.2.3"), "t"), X(R"(\x18\x17\x17t)"));
}

TEST_CASE("insert when the final cursor equals or passes the target (§3.5)", "[phext]") {
  CHECK_BYTES(phext::insert(X(R"(A\x17)"), C("1.1.1/1.1.1/1.1.2"), "B"), X(R"(A\x17B)"));
  CHECK_BYTES(phext::insert(X(R"(A\x17\x17)"), C("1.1.1/1.1.1/1.1.3"), "B"), X(R"(A\x17\x17B)"));
  CHECK_BYTES(phext::insert(X(R"(A\x17\x17)"), C("1.1.1/1.1.1/1.1.2"), "B"), X(R"(A\x17B\x17)"));
  CHECK_BYTES(phext::insert(X(R"(A\x17\x17)"), C("1.1.1/1.1.1/1.1.5"), "B"), X(R"(A\x17\x17\x17\x17B)"));
  CHECK_BYTES(phext::insert(X(R"(A\x17\x18)"), C("1.1.1/1.1.1/1.2.2"), "B"), X(R"(A\x17\x18\x17B)"));
  CHECK_BYTES(phext::insert(X(R"(\x17A)"), C("1.1.1/1.1.1/1.1.1"), "H"), X(R"(H\x17A)"));
  CHECK_BYTES(phext::insert("A", C("1.1.1/1.1.1/1.1.1"), "B"), "AB");
  // An empty run in the middle of redundant delimiters is filled where it is.
  CHECK_BYTES(phext::insert(X(R"(A\x17\x17\x18B)"), C("1.1.1/1.1.1/1.1.3"), "X"), X(R"(A\x17\x17X\x18B)"));
  CHECK_BYTES(phext::insert(X(R"(A\x17\x17\x18B)"), C("1.1.1/1.1.1/1.1.4"), "X"), X(R"(A\x17\x17\x17X\x18B)"));
  // Jump past the target by a high break: only lower delimiters are added before it.
  CHECK_BYTES(phext::insert(X(R"(A\x01B)"), C("1.1.1/1.1.2/1.3.1"), "X"), X(R"(A\x1A\x18\x18X\x01B)"));
}

TEST_CASE("replace overwrites the whole run, remove re-minimises (§3.5)", "[phext]") {
  const std::string doc = X(R"(aaa\x17bbb\x17\x17ccc\x18ddd)");
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.2"), "X"), X(R"(aaa\x17X\x17\x17ccc\x18ddd)"));
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.2"), ""), X(R"(aaa\x17\x17\x17ccc\x18ddd)"));
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.3"), "Y"), X(R"(aaa\x17bbb\x17Y\x17ccc\x18ddd)"));
  CHECK_BYTES(phext::remove(doc, C("1.1.1/1.1.1/1.1.2")), X(R"(aaa\x17\x17\x17ccc\x18ddd)"));
  CHECK_BYTES(phext::remove(doc, C("1.1.1/1.1.1/1.2.1")), X(R"(aaa\x17bbb\x17\x17ccc)"));
  CHECK_BYTES(phext::remove(doc, C("1.1.1/1.1.1/1.1.1")), X(R"(\x17bbb\x17\x17ccc\x18ddd)"));
  CHECK_BYTES(phext::remove(doc, C("5.1.1/1.1.1/1.1.1")), phext::normalize(doc)); // absent: only normalises
}

TEST_CASE("dephokenize emits the minimal delimiters (§3.4)", "[phext]") {
  CHECK_BYTES(phext::dephokenize({{C("1.5.2/3.7.3/9.1.1"), "x"}}),
              std::string(4, '\x1F') + std::string(1, '\x1E') + std::string(2, '\x1D') + std::string(6, '\x1C') +
                  std::string(2, '\x1A') + std::string(8, '\x19') + "x");
  const Coordinate big = C("111.222.333/444.555.666/777.888.999");
  CHECK(phext::dephokenize({{big, "x"}}).size() == 4986 + 1);
  CHECK(phext::dephokenize({{Coordinate(), "a"}, {big, "b"}}).size() == 4986 + 2);
  CHECK(phext::dephokenize({{Coordinate(), ""}}).empty());
}

TEST_CASE("dephokenize rejects unordered or duplicate coordinates", "[phext]") {
  CHECK_THROWS_AS(phext::dephokenize({{C("1.1.1/1.1.1/1.1.2"), "a"}, {C("1.1.1/1.1.1/1.1.1"), "b"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(phext::dephokenize({{C("1.1.1/1.1.1/1.1.2"), "a"}, {C("1.1.1/1.1.1/1.1.2"), "b"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(phext::dephokenize({{C("1.1.1/1.1.1/1.1.2"), ""}, {C("1.1.1/1.1.1/1.1.2"), "b"}}),
                  std::invalid_argument);
}

TEST_CASE("manifest replaces every scroll by its checksum (§3.5)", "[phext]") {
  const std::string doc = X(R"(A\x17\x17B\x01\x18C)");
  CHECK_BYTES(phext::manifest(doc),
              phext::checksum("A") + X(R"(\x17\x17)") + phext::checksum("B") + X(R"(\x01\x18)") + phext::checksum("C"));
}

// ---- property tests -------------------------------------------------------------------------------------------

TEST_CASE("property: phokenize(dephokenize(x)) == x and the output is canonical (§3.3, §3.4)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 500; ++n) {
    const auto scrolls = random_scrolls(rng);
    const std::string doc = phext::dephokenize(scrolls);
    INFO("doc " << esc(doc));
    REQUIRE(render(phext::phokenize(doc)) == render(scrolls));
    REQUIRE_BYTES(phext::normalize(doc), doc); // canonical output is already normal
    REQUIRE(render_map(phext::explode(doc)) == render_map(model(doc).scrolls));
    std::size_t bytes = 0;
    for (const auto& p : scrolls)
      bytes += p.text.size();
    if (scrolls.empty())
      REQUIRE(doc.empty());
    else
      REQUIRE(doc.back() == scrolls.back().text.back()); // no trailing delimiters
    REQUIRE(doc.size() >= bytes);
  }
}

TEST_CASE("property: phokenize matches an independent model on raw documents (§3.2)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 1000; ++n) {
    const std::string doc = random_raw_doc(rng, 60);
    INFO("doc " << esc(doc));
    const auto ps = phext::phokenize(doc);
    REQUIRE(render(ps) == render_map(model(doc).scrolls));
    for (std::size_t i = 1; i < ps.size(); ++i)
      REQUIRE(ps[i - 1].coord < ps[i].coord); // document order
    for (const auto& p : ps)
      REQUIRE_FALSE(p.text.empty());
  }
}

TEST_CASE("property: normalize is idempotent and keeps every scroll (§3.4)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 1000; ++n) {
    const std::string doc = random_raw_doc(rng, 60);
    INFO("doc " << esc(doc));
    const std::string once = phext::normalize(doc);
    REQUIRE_BYTES(phext::normalize(once), once);
    REQUIRE(render(phext::phokenize(once)) == render(phext::phokenize(doc)));
    REQUIRE(once.size() <= doc.size()); // minimal delimiters never cost more than what the walk used
    REQUIRE_BYTES(phext::implode(phext::explode(doc)), once);
  }
}

TEST_CASE("property: insert appends to one scroll and leaves the others (§3.5)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 1500; ++n) {
    const std::string doc = n % 2 ? random_raw_doc(rng, 40) : phext::dephokenize(random_scrolls(rng));
    const ScrollMap before = phext::explode(doc);
    const Coordinate c = random_target(rng, before);
    const std::string text = rng() % 8 ? random_text(rng, 5) : "";
    INFO("doc " << esc(doc) << " at " << c.str() << " text " << esc(text));
    const std::string out = phext::insert(doc, c, text);
    INFO("out " << esc(out));
    REQUIRE(phext::fetch(out, c) == phext::fetch(doc, c) + text);
    ScrollMap expected = before;
    if (!text.empty()) expected[c] += text;
    REQUIRE(render_map(phext::explode(out)) == render_map(expected));
    // Byte preserving: the old document is the result with the inserted bytes taken out.
    REQUIRE(out.size() >= doc.size() + text.size());
    std::size_t pre = 0;
    while (pre < doc.size() && out[pre] == doc[pre])
      ++pre;
    std::size_t post = 0;
    while (post < doc.size() - pre && out[out.size() - 1 - post] == doc[doc.size() - 1 - post])
      ++post;
    REQUIRE(pre + post == doc.size());
  }
}

TEST_CASE("property: replace sets one scroll and leaves the others (§3.5)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 1500; ++n) {
    const std::string doc = n % 2 ? random_raw_doc(rng, 40) : phext::dephokenize(random_scrolls(rng));
    const ScrollMap before = phext::explode(doc);
    const Coordinate c = random_target(rng, before);
    const std::string text = rng() % 8 ? random_text(rng, 5) : "";
    INFO("doc " << esc(doc) << " at " << c.str() << " text " << esc(text));
    const std::string out = phext::replace(doc, c, text);
    INFO("out " << esc(out));
    REQUIRE(phext::fetch(out, c) == text);
    ScrollMap expected = before;
    if (text.empty())
      expected.erase(c);
    else
      expected[c] = text;
    REQUIRE(render_map(phext::explode(out)) == render_map(expected));
  }
}

TEST_CASE("property: remove drops one scroll, keeps the rest, and normalises (§3.5)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 1500; ++n) {
    const std::string doc = n % 2 ? random_raw_doc(rng, 40) : phext::dephokenize(random_scrolls(rng));
    ScrollMap expected = phext::explode(doc);
    const Coordinate c = random_target(rng, expected);
    INFO("doc " << esc(doc) << " at " << c.str());
    const std::string out = phext::remove(doc, c);
    INFO("out " << esc(out));
    expected.erase(c);
    REQUIRE(render_map(phext::explode(out)) == render_map(expected));
    REQUIRE_BYTES(out, phext::implode(expected));
    REQUIRE(phext::fetch(out, c).empty());
  }
}

TEST_CASE("property: explode/implode round trip and manifest shape (§3.3, §3.5)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 500; ++n) {
    ScrollMap m;
    for (const auto& p : random_scrolls(rng))
      m[p.coord] = p.text;
    const std::string doc = phext::implode(m);
    INFO("doc " << esc(doc));
    REQUIRE(render_map(phext::explode(doc)) == render_map(m));
    const ScrollMap man = phext::explode(phext::manifest(doc));
    REQUIRE(man.size() == m.size());
    auto it = m.begin();
    for (const auto& [c, h] : man) {
      REQUIRE(c == it->first);
      REQUIRE(h == phext::checksum(it->second));
      ++it;
    }
    // A manifest of a raw document has the same coordinates as the document.
    const std::string raw = random_raw_doc(rng, 40);
    const ScrollMap rm = phext::explode(raw), rman = phext::explode(phext::manifest(raw));
    REQUIRE(rman.size() == rm.size());
    const auto same_key = [](const auto& a, const auto& b) { return a.first == b.first; };
    REQUIRE(std::equal(rm.begin(), rm.end(), rman.begin(), same_key));
  }
}

TEST_CASE("property: arbitrary bytes phokenize unless a dimension overflows (§3.1, §3.2)", "[phext][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  SEED_INFO(seed);
  std::mt19937_64 rng(seed);
  int overflows = 0;
  for (int n = 0; n < 600; ++n) {
    std::string doc(rng() % 64, ' ');
    for (auto& c : doc)
      c = static_cast<char>(rng() % 256);
    if (n % 3 == 0) { // long runs of one delimiter, so that overflow actually happens sometimes
      const char d = phext::delimiter(static_cast<Dim>(rng() % 9));
      doc.insert(rng() % (doc.size() + 1), std::string(990 + rng() % 20, d));
    }
    INFO("doc " << esc(doc.substr(0, 200)) << " size " << doc.size());
    const Model m = model(doc);
    if (m.overflow) {
      ++overflows;
      REQUIRE_THROWS_AS(phext::phokenize(doc), ParseError);
      REQUIRE_THROWS_AS(phext::normalize(doc), ParseError);
      continue;
    }
    REQUIRE(render(phext::phokenize(doc)) == render_map(m.scrolls));
    const std::string once = phext::normalize(doc);
    REQUIRE_BYTES(phext::normalize(once), once);
  }
  CHECK(overflows > 0);
}

TEST_CASE("checksum of non-empty text matches xxhsum -H2 (§3.5)", "[phext]") {
  // Reference values printed by Debian's `xxhsum -H2` (xxhash 0.8.1) for the same bytes.
  CHECK(phext::checksum("The quick brown fox jumps over the lazy dog") == "ddd650205ca3e7fa24a1cc2e3a8a7651");
  CHECK(phext::checksum(X(R"(hello world\x17scroll two)")) == "01ba3957fa9fddd5fb258d8646390a84");
}

TEST_CASE("S4: merge zips two documents, left text first at equal coordinates (§4.3)", "[phext]") {
  CHECK_BYTES(phext::merge(X(R"(3A\x17B2)"), X(R"(4C\x17D1)")), X(R"(3A4C\x17B2D1)"));
  // disjoint coordinates interleave in order; an empty side is the identity
  CHECK_BYTES(phext::merge(X(R"(a\x18c)"), X(R"(\x17b\x19d)")), X(R"(a\x17b\x18c\x19d)"));
  CHECK_BYTES(phext::merge("", X(R"(\x17b)")), X(R"(\x17b)"));
  CHECK_BYTES(phext::merge(X(R"(a\x17\x17)"), ""), "a");
}

TEST_CASE("subtract drops the scrolls the mask holds (§3.5)", "[phext]") {
  CHECK_BYTES(phext::subtract(X(R"(a\x17b\x17c)"), X(R"(\x17whatever)")), X(R"(a\x17\x17c)"));
  CHECK_BYTES(phext::subtract(X(R"(a\x17b)"), ""), X(R"(a\x17b)"));
  CHECK_BYTES(phext::subtract(X(R"(a\x17b)"), X(R"(x\x17y)")), "");
}

TEST_CASE("S8: expand moves every delimiter one dimension up (§4.3)", "[phext]") {
  CHECK_BYTES(phext::expand(X(R"(nothing but line breaks\x0Ato test expansion to scrolls\x0Aline 3)")),
              X(R"(nothing but line breaks\x17to test expansion to scrolls\x17line 3)"));
  CHECK_BYTES(phext::expand(X(R"(a\x01b)")), X(R"(a\x01b)")); // library saturates
  CHECK_BYTES(phext::expand(X(R"(\x17\x18\x19\x1A\x1C\x1D\x1E\x1F)")), X(R"(\x18\x19\x1A\x1C\x1D\x1E\x1F\x01)"));
}

TEST_CASE("S9: contract moves every delimiter one dimension down (§4.3)", "[phext]") {
  CHECK_BYTES(
      phext::contract(X(
          R"(A more complex example than expand\x01----\x1F++++\x1E____\x1Doooo\x1C====\x1Azzzz\x19gggg\x18....\x17qqqq)")),
      X(R"(A more complex example than expand\x1F----\x1E++++\x1D____\x1Coooo\x1A====\x19zzzz\x18gggg\x17....\x0Aqqqq)"));
  CHECK_BYTES(phext::contract(X(R"(a\x0Ab)")), X(R"(a\x0Ab)")); // line break stays
}

TEST_CASE("S10: index and offset (§4.3)", "[phext]") {
  const std::string doc = X(
      R"(first scroll\x17second scroll\x18second section\x19second chapter\x1Abook 2\x1Cvolume 2\x1Dcollection 2\x1Eseries 2\x1Fshelf 2\x01library 2)");
  REQUIRE(doc.size() == 112);
  CHECK_BYTES(phext::index(doc), X(R"(0\x1713\x1827\x1942\x1A57\x1C64\x1D73\x1E86\x1F95\x01103)"));
  CHECK(phext::offset(doc, C("1.1.1/1.1.1/1.2.1")) == 27);
  CHECK(phext::offset(doc, C("2.1.1/1.1.1/1.2.1")) == 103);         // absent: the greatest scroll before it
  CHECK(phext::offset(X(R"(\x17b)"), C("1.1.1/1.1.1/1.1.1")) == 0); // nothing before: 0
  // offsets are those of the canonical encoding, not of redundant input delimiters
  CHECK_BYTES(phext::index(X(R"(a\x17\x18b)")), X(R"(0\x182)"));
}

TEST_CASE("scroll text with a delimiter byte is rejected, not spliced in (§3.2)", "[phext]") {
  const std::string doc = X(R"(A\x17B)");
  CHECK_THROWS_AS(phext::insert(doc, C("1.1.1/1.1.1/1.1.1"), X(R"(X\x17Y)")), ParseError);
  CHECK_THROWS_WITH(phext::replace(doc, C("1.1.1/1.1.1/1.1.1"), X(R"(X\x18Y)")),
                    Catch::Contains("section delimiter 0x18 at byte 1"));
  CHECK_THROWS_AS(phext::implode({{C("1.1.1/1.1.1/1.1.1"), X(R"(a\x01)")}}), ParseError);
  CHECK_THROWS_AS(phext::dephokenize({{C("1.1.1/1.1.1/1.1.1"), X(R"(\x1Fa)")}}), ParseError);
  // line breaks, cowbell and other control bytes are content
  CHECK_BYTES(phext::replace(doc, C("1.1.1/1.1.1/1.1.1"), X(R"(x\x0A\x07\x00y)")), X(R"(x\x0A\x07\x00y\x17B)"));
}
