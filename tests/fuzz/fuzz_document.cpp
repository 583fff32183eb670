// libFuzzer target: the phext document reader and editors on arbitrary bytes.
// Input layout: the first 9 bytes pick a coordinate (each byte % 12 + 1, so documents of
// any depth are hit), the rest is the document. Checks the invariants that must hold
// for every document: phokenize is strictly ascending with non-empty scrolls,
// normalize is idempotent and keeps the scrolls, insert/replace/remove affect only the
// chosen scroll. Documents that overflow a dimension must throw ParseError.
#include "document.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < phext::kDims) return 0;
  phext::Coordinate c(data[0] % 12 + 1, data[1] % 12 + 1, data[2] % 12 + 1, data[3] % 12 + 1, data[4] % 12 + 1,
                      data[5] % 12 + 1, data[6] % 12 + 1, data[7] % 12 + 1, data[8] % 12 + 1);
  const std::string doc(reinterpret_cast<const char*>(data) + phext::kDims, size - phext::kDims);
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

  const std::string old = phext::fetch(doc, c);
  const std::string ins = phext::insert(doc, c, "<fz>");
  check(phext::fetch(ins, c) == old + "<fz>");
  const std::string rep = phext::replace(doc, c, "<r>");
  check(phext::fetch(rep, c) == "<r>");
  const std::string rem = phext::remove(doc, c);
  check(phext::fetch(rem, c).empty());
  for (const auto& p : scrolls) {
    if (p.coord == c) continue;
    check(phext::fetch(ins, p.coord) == p.text);
    check(phext::fetch(rep, p.coord) == p.text);
    check(phext::fetch(rem, p.coord) == p.text);
  }
  (void)phext::manifest(doc);
  (void)phext::checksum(doc);
  (void)phext::textmap(doc);
  return 0;
}
