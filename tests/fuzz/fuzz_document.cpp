// libFuzzer target: the phext document reader and editors on arbitrary bytes.
// Input layout: 9 bytes pick a coordinate (a byte below 240 gives 1..12 so shallow
// documents reach it; 240..255 give 984..999 so the 999 edge is hit), 1 byte gives the
// length of the edit text, then the text, then the document. Checks the invariants that must
// hold for every document: phokenize is strictly ascending with non-empty scrolls, normalize
// is idempotent and keeps the scrolls, insert/replace/remove affect only the chosen scroll,
// merge with itself doubles every scroll. Documents that overflow a dimension and texts that
// contain delimiters must throw ParseError (never crash, hang or corrupt).
#include "document.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
unsigned field(std::uint8_t b) { return b < 240 ? b % 12 + 1 : 999 - (255u - b); }
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < phext::kDims + 1) return 0;
  const phext::Coordinate c(field(data[0]), field(data[1]), field(data[2]), field(data[3]), field(data[4]),
                            field(data[5]), field(data[6]), field(data[7]), field(data[8]));
  std::size_t pos = phext::kDims + 1;
  const std::size_t text_len = std::min<std::size_t>(data[phext::kDims] % 16, size - pos);
  const std::string text(reinterpret_cast<const char*>(data) + pos, text_len);
  pos += text_len;
  const std::string doc(reinterpret_cast<const char*>(data) + pos, size - pos);

  std::vector<phext::Phoken> scrolls;
  try {
    scrolls = phext::phokenize(doc);
  } catch (const phext::ParseError&) {
    return 0; // a dimension overflowed 999: rejected, as documented
  }
  for (std::size_t i = 0; i < scrolls.size(); ++i) {
    check(!scrolls[i].text.empty());
    if (i) check(scrolls[i - 1].coord < scrolls[i].coord);
  }
  const std::string norm = phext::normalize(doc);
  check(phext::normalize(norm) == norm);
  check(phext::phokenize(norm) == scrolls);
  check(phext::implode(phext::explode(doc)) == norm);
  const auto doubled = phext::phokenize(phext::merge(doc, norm));
  check(doubled.size() == scrolls.size());
  for (std::size_t i = 0; i < scrolls.size(); ++i)
    check(doubled[i].text == scrolls[i].text + scrolls[i].text);
  check(phext::subtract(doc, norm).empty());

  const std::string old = phext::fetch(doc, c);
  std::string ins, rep;
  try {
    ins = phext::insert(doc, c, text);
    rep = phext::replace(doc, c, text);
  } catch (const phext::ParseError&) {
    check(text.find_first_of("\x01\x17\x18\x19\x1A\x1C\x1D\x1E\x1F") != std::string::npos);
    return 0; // text with a delimiter: rejected
  }
  check(phext::fetch(ins, c) == old + text);
  check(phext::fetch(rep, c) == text);
  const std::string rem = phext::remove(doc, c);
  check(phext::fetch(rem, c).empty());
  for (const auto& p : scrolls) {
    if (p.coord == c) continue;
    check(phext::fetch(ins, p.coord) == p.text);
    check(phext::fetch(rep, p.coord) == p.text);
    check(phext::fetch(rem, p.coord) == p.text);
  }
  (void)phext::manifest(doc);
  (void)phext::index(doc);
  (void)phext::checksum(doc);
  (void)phext::textmap(doc);
  return 0;
}
