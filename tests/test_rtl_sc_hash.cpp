// sc_pkg's pure functions (rtl/sparsecore/sc_hash.sv) against integer arithmetic and their C++
// twins (ref/sc_model.hpp): row sharding (id mod S, id div S by a multiply) for every S from 1 to
// 256 at the ids where a multiply-based division goes wrong first, and the dedup set hash.
#include "Vsc_hash.h"
#include "coverage.hpp"
#include "sc_model.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <vector>

using namespace phtpu::sc;

namespace {
struct Hash {
  VerilatedContext ctx;
  std::unique_ptr<Vsc_hash> m = std::make_unique<Vsc_hash>(&ctx, "hash");
  phtpu::CoverageOnExit coverage{ctx, "hash"}; // after the model: written while it lives
};
} // namespace

TEST_CASE("sc_hash: row_shard is id mod S and id div S for every S in 1..256", "[sc][rtl]") {
  Hash h;
  std::mt19937_64 rng(phtpu::test_seed());
  INFO("PHTPU_SEED=" << phtpu::test_seed());
  for (unsigned s = 1; s <= 256; ++s) {
    const Magic mg = shard_magic(s);
    h.m->shards_i = s;
    h.m->magic_i = mg.magic;
    h.m->shift_i = mg.shift;
    std::vector<std::uint32_t> ids = {0u, 1u, s - 1, s, s + 1, 0xFFFFFFFFu, 0xFFFFFFFEu, 0x80000000u, 0x7FFFFFFFu};
    const std::uint64_t last = (0xFFFFFFFFull / s) * s; // the largest multiple of S
    for (int d = -2; d <= 2; ++d) {
      const std::int64_t v = std::int64_t(last) + d;
      if (v >= 0 && v <= 0xFFFFFFFFll) ids.push_back(std::uint32_t(v));
    }
    for (int i = 0; i < 300; ++i) ids.push_back(std::uint32_t(rng()));
    for (auto id : ids) {
      h.m->id_i = id;
      h.m->eval();
      if (h.m->shard_o != id % s || h.m->row_o != id / s)
        FAIL("S=" << s << " id=" << id << ": rtl shard " << unsigned(h.m->shard_o) << " row " << h.m->row_o);
    }
  }
}

TEST_CASE("sc_hash: dedup_set equals its C++ twin and a hand-computed value", "[sc][rtl]") {
  Hash h;
  // (1 * 0x9E3779B1) mod 2^32 = 0x9E3779B1: its top 8 bits are 0x9E
  h.m->id_i = 1;
  h.m->table_i = 0;
  h.m->set_bits_i = 8;
  h.m->eval();
  CHECK(h.m->set_o == 0x9Eu);
  CHECK(dedup_set(0, 1, 8) == 0x9Eu);
  std::mt19937_64 rng(phtpu::test_seed());
  for (unsigned bits = 1; bits <= 16; ++bits)
    for (unsigned t = 0; t < 4; ++t)
      for (int i = 0; i < 500; ++i) {
        const auto id = std::uint32_t(rng());
        h.m->id_i = id;
        h.m->table_i = t;
        h.m->set_bits_i = bits;
        h.m->eval();
        REQUIRE(h.m->set_o == dedup_set(t, id, bits));
        REQUIRE(h.m->set_o < (1u << bits));
      }
}
