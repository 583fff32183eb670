// rtl/chip/chip_regs.sv through chip_top's host bus (one chip, no links), against the register
// map of rtl/chip/chip_pkg.sv as documented there: the configuration registers read back what
// the host wrote, cut to their documented fields; the counters read 0 after reset and the
// status word reports the idle engines; memory words read back what was written; a read
// answers one cycle after it was taken (h_rvalid_o). The pod tests reach the counters only
// through the DPI backdoor, never through a host read: this is the host's view.
#include "Vchip_top.h"
#include "chip_regs.hpp"
#include "dut.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <utility>
#include <vector>

using phtpu::Dut;
using phtpu::chip::Word;
namespace chip = phtpu::chip;

namespace {

/// The low `bits` bits of a 128-bit word set.
Word low_bits(unsigned bits) {
  Word w{};
  for (unsigned i = 0; i < 4; ++i) {
    const unsigned b = bits > 32 * i ? bits - 32 * i : 0;
    w[i] = b >= 32 ? 0xFFFFFFFFu : (std::uint32_t{1} << b) - 1;
  }
  return w;
}
Word operator&(const Word& a, const Word& b) { return {a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]}; }

struct Host {
  Dut<Vchip_top> dut{"chip"};
  Host() { dut.reset(); }
  /// One bus write; registers are always ready.
  void write(std::uint32_t addr, const Word& w) {
    dut->h_valid_i = 1;
    dut->h_we_i = 1;
    dut->h_addr_i = addr;
    for (unsigned i = 0; i < 4; ++i)
      dut->h_wdata_i[i] = w[i];
    dut->eval();
    REQUIRE(dut->h_ready_o);
    dut.tick();
    dut->h_valid_i = 0;
    dut->h_we_i = 0;
  }
  /// One bus read: the answer comes with h_rvalid_o in the cycle after the request.
  Word read(std::uint32_t addr) {
    dut->h_valid_i = 1;
    dut->h_we_i = 0;
    dut->h_addr_i = addr;
    dut->eval();
    REQUIRE(dut->h_ready_o);
    REQUIRE_FALSE(dut->h_rvalid_o);
    dut.tick();
    dut->h_valid_i = 0;
    dut->eval();
    REQUIRE(dut->h_rvalid_o);
    Word w{};
    for (unsigned i = 0; i < 4; ++i)
      w[i] = dut->h_rdata_o[i];
    dut.tick();
    REQUIRE_FALSE(dut->h_rvalid_o);
    return w;
  }
};

std::uint32_t reg(unsigned r) { return chip::kRegionReg | r; }

} // namespace

TEST_CASE("chip_regs: configuration registers read back what the host wrote, cut to their fields", "[chip][rtl]") {
  Host h;
  // chip_pkg's register map: [89:0] own coordinate, [11:0] cube, [29:0] slice, [2:0] wraps,
  // [29:0] wrap shifts, [29:0] own global position
  const std::vector<std::pair<unsigned, unsigned>> regs = {{chip::RegOwn, 90},   {chip::RegCube, 12},
                                                           {chip::RegSlice, 30}, {chip::RegWrap, 3},
                                                           {chip::RegShift, 30}, {chip::RegOwnPos, 30}};
  std::mt19937_64 rng(phtpu::test_seed());
  INFO("PHTPU_SEED=" << phtpu::test_seed());
  std::vector<Word> patterns = {low_bits(128), Word{0xA5A5A5A5u, 0x5A5A5A5Au, 0xA5A5A5A5u, 0x5A5A5A5Au}};
  for (int i = 0; i < 4; ++i)
    patterns.push_back({static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                        static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())});
  for (const Word& p : patterns) {
    // all written first, then all read: each keeps its own value
    for (unsigned k = 0; k < regs.size(); ++k) {
      Word v = p;
      v[0] ^= k; // a different value per register
      h.write(reg(regs[k].first), v);
    }
    for (unsigned k = 0; k < regs.size(); ++k) {
      Word v = p;
      v[0] ^= k;
      INFO("register " << regs[k].first << ", " << regs[k].second << " bits");
      CHECK(h.read(reg(regs[k].first)) == (v & low_bits(regs[k].second)));
    }
  }
}

TEST_CASE("chip_regs: counters read 0 after reset, the status word reports idle engines", "[chip][rtl]") {
  Host h;
  h.dut.ticks(20);
  for (unsigned k = 0; k < chip::kNumStats; ++k) {
    if (k == chip::StStatus) continue;
    INFO("counter " << k);
    CHECK(h.read(reg(chip::RegStat + k)) == Word{});
  }
  // the status word is registered (one cycle late), and a read answer pending makes the chip
  // busy: after the reads above, let it settle before reading the status
  h.dut.ticks(2);
  const Word status = h.read(reg(chip::RegStat + chip::StStatus));
  CHECK((status[1] | status[2] | status[3]) == 0u); // a 32-bit counter
  const std::uint32_t s = status[0];
  CHECK((s >> chip::SbIdle & 1u) == 1u);
  CHECK((s >> chip::SbDmaIdle & 1u) == 1u);
  CHECK((s >> chip::SbScIdle & 1u) == 1u);
  CHECK((s >> chip::SbMxuIdle & 1u) == 1u);
  CHECK((s >> chip::SbScErr & 7u) == 0u);
  CHECK((s >> chip::SbMxuErr & 1u) == 0u);
  CHECK((s >> chip::SbOverflow & 1u) == 0u);
}

TEST_CASE("chip_regs: memory words read back through the host bus", "[chip][rtl]") {
  Host h;
  std::mt19937_64 rng(phtpu::test_seed() + 1);
  INFO("PHTPU_SEED=" << phtpu::test_seed());
  std::vector<std::pair<std::uint32_t, Word>> words;
  for (std::uint32_t a : {0u, 1u, 2u, 1000u, 16383u}) {
    const Word w{static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                 static_cast<std::uint32_t>(rng())};
    h.write(chip::kRegionMem | a, w);
    words.emplace_back(a, w);
  }
  for (const auto& [a, w] : words) {
    INFO("word " << a);
    CHECK(h.read(chip::kRegionMem | a) == w);
  }
}
