// Tests for phext::Coordinate against docs/references.md (phext) §1, §2 and the vectors of §4.1.
// Only the strict parser (§2.5 A) exists, so the "lenient" column of §4.1 is asserted as a rejection.
#include "coordinate.hpp"

#include "test_seed.hpp"
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

using phext::Coordinate;
using phext::Dim;
using phext::ParseError;

namespace {

constexpr std::array<Dim, 9> kAllDims = {Dim::Library, Dim::Shelf,   Dim::Series,  Dim::Collection, Dim::Volume,
                                         Dim::Book,    Dim::Chapter, Dim::Section, Dim::Scroll};

using Fields = std::array<unsigned, 9>;

Fields fields_of(const Coordinate& c) {
  Fields f{};
  for (std::size_t i = 0; i < 9; ++i)
    f[i] = c.at(i);
  return f;
}

Coordinate make(const Fields& f) { return Coordinate(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]); }

// Random valid coordinate; mostly small values (so ties are common) with some spread up to 999.
Coordinate random_coord(std::mt19937_64& rng) {
  Fields f{};
  for (auto& v : f) {
    switch (rng() % 4) {
    case 0: v = 1; break;
    case 1: v = 1 + static_cast<unsigned>(rng() % 3); break;
    case 2: v = 1 + static_cast<unsigned>(rng() % 20); break;
    default: v = 1 + static_cast<unsigned>(rng() % 999); break;
    }
  }
  return make(f);
}

// Expects parse to fail and returns the message, for substring checks.
std::string parse_error(const std::string& text, bool allow_url = false) {
  try {
    (void)Coordinate::parse(text, allow_url);
  } catch (const ParseError& e) {
    return e.what();
  }
  FAIL("parse accepted '" << text << "'");
  return {};
}

} // namespace

TEST_CASE("default coordinate is home 1.1.1/1.1.1/1.1.1 (§2.3)", "[coords]") {
  Coordinate home;
  CHECK(home.str() == "1.1.1/1.1.1/1.1.1");
  CHECK(home.url() == "1.1.1;1.1.1;1.1.1");
  CHECK(home == Coordinate::parse("1.1.1/1.1.1/1.1.1"));
  CHECK(home == Coordinate(1, 1, 1, 1, 1, 1, 1, 1, 1));
}

TEST_CASE("C1: round trip 9.8.7/6.5.4/3.2.1 (§4.1)", "[coords]") {
  const Coordinate c = Coordinate::parse("9.8.7/6.5.4/3.2.1");
  CHECK(c.library() == 9);
  CHECK(c.shelf() == 8);
  CHECK(c.series() == 7);
  CHECK(c.collection() == 6);
  CHECK(c.volume() == 5);
  CHECK(c.book() == 4);
  CHECK(c.chapter() == 3);
  CHECK(c.section() == 2);
  CHECK(c.scroll() == 1);
  CHECK(c.str() == "9.8.7/6.5.4/3.2.1");
  CHECK(c.url() == "9.8.7;6.5.4;3.2.1");
  CHECK(Coordinate::parse(c.url(), true) == c);
  std::ostringstream os;
  os << c;
  CHECK(os.str() == "9.8.7/6.5.4/3.2.1");
}

TEST_CASE("C2: chip-style address 1.5.2/3.7.3/9.1.1 (§4.1)", "[coords]") {
  const Coordinate c = Coordinate::parse("1.5.2/3.7.3/9.1.1");
  CHECK(fields_of(c) == Fields{1, 5, 2, 3, 7, 3, 9, 1, 1});
  CHECK(c[Dim::Library] == 1);
  CHECK(c[Dim::Shelf] == 5);
  CHECK(c[Dim::Series] == 2);
  CHECK(c[Dim::Collection] == 3);
  CHECK(c[Dim::Volume] == 7);
  CHECK(c[Dim::Book] == 3);
  CHECK(c[Dim::Chapter] == 9);
  CHECK(c[Dim::Section] == 1);
  CHECK(c[Dim::Scroll] == 1);
  CHECK(c.str() == "1.5.2/3.7.3/9.1.1");
  CHECK(c.url() == "1.5.2;3.7.3;9.1.1");
}

TEST_CASE("C3: URL form is accepted only with allow_url (§4.1, §2.5 A)", "[coords]") {
  const std::string url = "142.143.144;145.146.147;148.149.150";
  SECTION("strict parse rejects ';' and says why") { CHECK_THAT(parse_error(url), Catch::Contains("URL")); }
  SECTION("allow_url parses it like the lenient reference") {
    const Coordinate c = Coordinate::parse(url, true);
    CHECK(c.str() == "142.143.144/145.146.147/148.149.150");
    CHECK(c.url() == url);
  }
  SECTION("allow_url still accepts the canonical form") {
    CHECK(Coordinate::parse("142.143.144/145.146.147/148.149.150", true) == Coordinate::parse(url, true));
  }
  SECTION("mixed separators are rejected") {
    CHECK_THAT(parse_error("1.1.1;1.1.1/1.1.1", true), Catch::Contains("mixes"));
    CHECK_THAT(parse_error("1.1.1;1.1.1/1.1.1", false), Catch::Contains("URL"));
  }
  SECTION("canonical to URL") {
    CHECK(Coordinate::parse("98.76.54/32.10.1/23.45.67").url() == "98.76.54;32.10.1;23.45.67");
  }
}

TEST_CASE("C4: non-numeric and empty input are rejected (§4.1)", "[coords]") {
  CHECK_THAT(parse_error("HOME"), Catch::Contains("HOME"));
  CHECK_THAT(parse_error(""), Catch::Contains("empty"));
  CHECK_THAT(parse_error("   "), Catch::Contains("empty"));
}

TEST_CASE("C5: zero in any slot is rejected (§4.1, §2.3)", "[coords]") {
  CHECK_THAT(parse_error("0.0.0/0.0.0/0.0.0"), Catch::Contains("library"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.0"), Catch::Contains("scroll"));
  const char* names[9] = {"library", "shelf", "series", "collection", "volume", "book", "chapter", "section", "scroll"};
  for (std::size_t i = 0; i < 9; ++i) {
    Fields f{1, 1, 1, 1, 1, 1, 1, 1, 1};
    std::string text;
    for (std::size_t k = 0; k < 9; ++k) {
      if (k > 0) text += (k % 3 == 0) ? "/" : ".";
      text += k == i ? "0" : "1";
    }
    INFO(text);
    CHECK_THAT(parse_error(text), Catch::Contains(names[i]) && Catch::Contains("out of range"));
    f[i] = 0;
    CHECK_THROWS_AS(make(f), std::out_of_range);
  }
}

TEST_CASE("C6: upper bound is 999 (§4.1, §2.4)", "[coords]") {
  const Coordinate top = Coordinate::parse("999.998.997/996.995.994/993.992.991");
  CHECK(fields_of(top) == Fields{999, 998, 997, 996, 995, 994, 993, 992, 991});
  CHECK(top.str() == "999.998.997/996.995.994/993.992.991");
  CHECK_THAT(parse_error("1000.1.1/1.1.1/1.1.1"), Catch::Contains("library") && Catch::Contains("1000"));
  CHECK_THAT(parse_error("1001.254.253/32.4.8/4.2.1"), Catch::Contains("library"));
  CHECK_THAT(parse_error("1000.1001.1002/1003.1004.1005/1006.1007.1008"), Catch::Contains("out of range"));
}

TEST_CASE("C7: surrounding whitespace and whitespace around numbers (§4.1)", "[coords]") {
  CHECK(Coordinate::parse("   9.8.7/6.5.4/3.2.1   ").str() == "9.8.7/6.5.4/3.2.1");
  CHECK(Coordinate::parse("91.82.73 / 64.55.46 / 37.28.19").str() == "91.82.73/64.55.46/37.28.19");
  CHECK(Coordinate::parse("\t1.2.3/4.5.6/7.8.9\n").str() == "1.2.3/4.5.6/7.8.9");
  CHECK(Coordinate::parse(" 9.8.7 ; 6.5.4 ; 3.2.1 ", true).str() == "9.8.7/6.5.4/3.2.1");
}

TEST_CASE("leading zeros are accepted and dropped from the canonical form (§2.5 A step 4, §2.2)", "[coords]") {
  CHECK(Coordinate::parse("01.002.3/4.5.6/7.8.009").str() == "1.2.3/4.5.6/7.8.9");
}

TEST_CASE("parse errors name the offending part (§2.5 A)", "[coords]") {
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.x"), Catch::Contains("scroll") && Catch::Contains("not a decimal"));
  CHECK_THAT(parse_error("1.1.1/1.0.1/1.1.1"), Catch::Contains("volume"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1..1"), Catch::Contains("section") && Catch::Contains("empty"));
  CHECK_THAT(parse_error("1.2.3/4.5"), Catch::Contains("2 arms"));
  CHECK_THAT(parse_error("1.2.3/4.5/6.7.8"), Catch::Contains("arm 2") && Catch::Contains("2 numbers"));
  CHECK_THAT(parse_error("1.2.3/4.5.6"), Catch::Contains("2 arms"));
  CHECK_THAT(parse_error("1.1/1.1.1/1.1.1"), Catch::Contains("arm 1"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.1/1"), Catch::Contains("more than 3 arms"));
  CHECK_THAT(parse_error("1.1.1/1.1.1.1/1.1.1"), Catch::Contains("arm 2") && Catch::Contains("more than 3"));
  CHECK_THAT(parse_error("-1.1.1/1.1.1/1.1.1"), Catch::Contains("library"));
  CHECK_THAT(parse_error("+1.1.1/1.1.1/1.1.1"), Catch::Contains("library"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.1e3"), Catch::Contains("scroll"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.0x1"), Catch::Contains("scroll"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.1-1.1.1/1.1.1/1.1.2"), Catch::Contains("arms")); // range display, §2.2
  CHECK_THAT(parse_error("1 2.1.1/1.1.1/1.1.1"), Catch::Contains("library"));              // inner space is not a digit
}

TEST_CASE("error messages are one line and escape control bytes", "[coords]") {
  const std::string msg = parse_error(std::string("1.1.1/1.1.1/1.1.\x01\n"));
  CHECK(msg.find('\n') == std::string::npos);
  CHECK_THAT(msg, Catch::Contains("\\x01"));
}

TEST_CASE("Q9: huge components are rejected, not wrapped (§5)", "[coords]") {
  CHECK_THAT(parse_error("4294967296.1.1/1.1.1/1.1.1"), Catch::Contains("library") && Catch::Contains("out of range"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.4294967297"), Catch::Contains("scroll"));
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.99999999999999999999999999999999"), Catch::Contains("out of range"));
  CHECK_THROWS_AS(Coordinate(4294967295u, 1, 1, 1, 1, 1, 1, 1, 1), std::out_of_range);
}

TEST_CASE("Q7: 1000 is rejected by parse, constructor and set (§5, §2.4)", "[coords]") {
  CHECK_THAT(parse_error("1.1.1/1.1.1/1.1.1000"), Catch::Contains("scroll"));
  CHECK_THROWS_AS(Coordinate(1, 1, 1, 1, 1, 1, 1, 1, 1000), std::out_of_range);
  Coordinate c;
  for (Dim d : kAllDims) {
    CHECK_THROWS_AS(c.set(d, 1000), std::out_of_range);
    CHECK_THROWS_AS(c.set(d, 0), std::out_of_range);
  }
  CHECK(c == Coordinate()); // failed sets leave it untouched
  c.set(Dim::Book, 999);
  CHECK(c.book() == 999);
  CHECK_THROWS_AS(c.at(9), std::out_of_range);
}

TEST_CASE("dimension names (§1)", "[coords]") {
  CHECK(phext::dim_name(Dim::Library) == "library");
  CHECK(phext::dim_name(Dim::Shelf) == "shelf");
  CHECK(phext::dim_name(Dim::Series) == "series");
  CHECK(phext::dim_name(Dim::Collection) == "collection");
  CHECK(phext::dim_name(Dim::Volume) == "volume");
  CHECK(phext::dim_name(Dim::Book) == "book");
  CHECK(phext::dim_name(Dim::Chapter) == "chapter");
  CHECK(phext::dim_name(Dim::Section) == "section");
  CHECK(phext::dim_name(Dim::Scroll) == "scroll");
}

TEST_CASE("break increments its dimension and resets lower ones (§1, §2.8)", "[coords]") {
  const Coordinate base = Coordinate::parse("2.3.4/5.6.7/8.9.10");
  for (Dim d : kAllDims) {
    const auto i = static_cast<std::size_t>(d);
    Coordinate c = base;
    c.advance(d);
    INFO(phext::dim_name(d) << " -> " << c.str());
    for (std::size_t k = 0; k < 9; ++k) {
      if (k < i)
        CHECK(c.at(k) == base.at(k));
      else if (k == i)
        CHECK(c.at(k) == base.at(k) + 1);
      else
        CHECK(c.at(k) == 1);
    }
    CHECK(c > base);
  }
  Coordinate c = base;
  CHECK(c.scroll_break().str() == "2.3.4/5.6.7/8.9.11");
  CHECK(c.section_break().str() == "2.3.4/5.6.7/8.10.1");
  CHECK(c.chapter_break().str() == "2.3.4/5.6.7/9.1.1");
  CHECK(c.book_break().str() == "2.3.4/5.6.8/1.1.1");
  CHECK(c.volume_break().str() == "2.3.4/5.7.1/1.1.1");
  CHECK(c.collection_break().str() == "2.3.4/6.1.1/1.1.1");
  CHECK(c.series_break().str() == "2.3.5/1.1.1/1.1.1");
  CHECK(c.shelf_break().str() == "2.4.1/1.1.1/1.1.1");
  CHECK(c.library_break().str() == "3.1.1/1.1.1/1.1.1");
}

TEST_CASE("break saturates at 999 and still resets lower dimensions (§2.8)", "[coords]") {
  for (Dim d : kAllDims) {
    const auto i = static_cast<std::size_t>(d);
    Coordinate c = Coordinate::parse("5.5.5/5.5.5/5.5.5");
    c.set(d, 999);
    c.advance(d);
    INFO(phext::dim_name(d) << " -> " << c.str());
    for (std::size_t k = 0; k < 9; ++k)
      CHECK(c.at(k) == (k < i ? 5u : k == i ? 999u : 1u));
  }
  Coordinate c = Coordinate::parse("1.1.1/1.1.1/1.1.998");
  CHECK(c.scroll_break().scroll() == 999);
  CHECK(c.scroll_break().scroll() == 999);
}

TEST_CASE("ordering is lexicographic over numeric fields in textual order (§2.7)", "[coords]") {
  const auto p = [](const char* s) { return Coordinate::parse(s); };
  CHECK(p("1.1.1/1.1.1/1.1.10") > p("1.1.1/1.1.1/1.1.9"));
  CHECK(p("1.1.1/1.1.1/1.1.9") < p("1.1.1/1.1.1/1.1.10"));
  CHECK(p("2.1.1/1.1.1/1.1.1") > p("1.999.999/999.999.999/999.999.999"));
  CHECK(p("1.1.1/1.1.2/1.1.1") > p("1.1.1/1.1.1/999.999.999"));
  CHECK(p("1.1.1/1.1.1/1.2.1") > p("1.1.1/1.1.1/1.1.999"));
  CHECK(p("1.1.1/1.1.1/1.1.2") >= p("1.1.1/1.1.1/1.1.2"));
  CHECK(p("1.1.1/1.1.1/1.1.2") <= p("1.1.1/1.1.1/1.1.2"));
  CHECK_FALSE(p("1.1.1/1.1.1/1.1.2") < p("1.1.1/1.1.1/1.1.2"));
  CHECK(p("1.1.1/1.1.1/1.1.2") != p("1.1.1/1.1.1/1.1.3"));
  CHECK(p("9.8.7/6.5.4/3.2.1") == p(" 9.8.7 / 6.5.4 / 3.2.1 "));
}

TEST_CASE("hash: equal coordinates hash equal, distinct ones do not collide", "[coords]") {
  CHECK(Coordinate::parse("9.8.7/6.5.4/3.2.1").hash() == Coordinate::parse("09.8.7/6.5.4/3.2.1").hash());
  CHECK(std::hash<Coordinate>{}(Coordinate()) == Coordinate().hash());
  CHECK(phext::CoordinateHash{}(Coordinate()) == Coordinate().hash());

  // Every coordinate with fields in 1..3 (3^9 = 19683) plus one value >= 100 in each slot.
  std::vector<Coordinate> all;
  for (unsigned n = 0; n < 19683; ++n) {
    Fields f{};
    unsigned m = n;
    for (auto& v : f) {
      v = 1 + m % 3;
      m /= 3;
    }
    all.push_back(make(f));
  }
  for (std::size_t i = 0; i < 9; ++i)
    for (unsigned v = 100; v <= 999; v += 7) {
      Fields f{1, 1, 1, 1, 1, 1, 1, 1, 1};
      f[i] = v;
      all.push_back(make(f));
    }
  std::unordered_set<std::size_t> hashes;
  for (const auto& c : all)
    hashes.insert(c.hash());
  CHECK(hashes.size() == all.size());
  std::unordered_set<Coordinate> set(all.begin(), all.end());
  CHECK(set.size() == all.size());
}

TEST_CASE("property: random coordinates round-trip through str/url and sort like 9-tuples (§2.2, §2.7)",
          "[coords][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  INFO("seed " << seed << " (set PHTPU_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  std::vector<Coordinate> v;
  for (int n = 0; n < 2000; ++n) {
    const Coordinate c = random_coord(rng);
    INFO(c.str());
    REQUIRE(Coordinate::parse(c.str()) == c);
    REQUIRE(Coordinate::parse(c.url(), true) == c);
    REQUIRE(Coordinate::parse(c.str(), true) == c);
    REQUIRE(make(fields_of(c)) == c);
    v.push_back(c);
  }
  std::vector<Fields> tuples;
  for (const auto& c : v)
    tuples.push_back(fields_of(c));
  std::sort(v.begin(), v.end());
  std::sort(tuples.begin(), tuples.end());
  for (std::size_t i = 0; i < v.size(); ++i)
    REQUIRE(fields_of(v[i]) == tuples[i]);
  // Pairwise operators agree with tuple comparison.
  for (int n = 0; n < 2000; ++n) {
    const Coordinate a = random_coord(rng), b = rng() % 4 ? random_coord(rng) : a;
    const Fields fa = fields_of(a), fb = fields_of(b);
    INFO(a.str() << " vs " << b.str());
    REQUIRE((a < b) == (fa < fb));
    REQUIRE((a == b) == (fa == fb));
    REQUIRE((a > b) == (fa > fb));
    REQUIRE((a <= b) == (fa <= fb));
    REQUIRE((a >= b) == (fa >= fb));
    REQUIRE((a != b) == (fa != fb));
  }
}

TEST_CASE("property: a break always moves forward unless saturated (§1, §2.8)", "[coords][property]") {
  const std::uint64_t seed = phtpu::test_seed();
  INFO("seed " << seed << " (set PHTPU_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 2000; ++n) {
    const Coordinate c = random_coord(rng);
    const Dim d = kAllDims[rng() % 9];
    Coordinate next = c;
    next.advance(d);
    INFO(c.str() << " " << phext::dim_name(d));
    if (c[d] < 999)
      REQUIRE(next > c);
    else
      REQUIRE(next <= c);
  }
}

TEST_CASE("dimension names round-trip and unknown names are rejected", "[coords]") {
  const char* names[] = {"library", "shelf", "series", "collection", "volume", "book", "chapter", "section", "scroll"};
  for (std::size_t i = 0; i < 9; ++i) {
    CHECK(phext::dim_from_name(names[i]) == static_cast<phext::Dim>(i)); // references.md §2.1 order
    CHECK(phext::dim_name(static_cast<phext::Dim>(i)) == names[i]);
  }
  CHECK_THROWS_AS(phext::dim_from_name("Scroll"), phext::ParseError);
  CHECK_THROWS_AS(phext::dim_from_name(""), phext::ParseError);
}
