// sc_pkg's pure functions (rtl/sparsecore/sc_hash.sv) against integer arithmetic and their C++
// twins (ref/sc_model.hpp): row sharding (id mod S, id div S by a multiply) for every S from 1 to
// 4096 at the ids where a multiply-based division goes wrong first, the dedup set hash, and the
// slice placement's owner coordinate against coords' SliceGeometry::phext_of_global at every
// position of every TPU v4 slice shape of 4x4x4 cubes (twisted ones included: the twist moves
// wrap links, not addresses), scaled pods' 2x2x2 cubes, meshes inside a cube and the widths' ends.
#include "Vsc_hash.h"
#include "coverage.hpp"
#include "raw_coord.hpp"
#include "sc_model.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace phtpu::sc;

namespace {
struct Hash {
  VerilatedContext ctx;
  std::unique_ptr<Vsc_hash> m = std::make_unique<Vsc_hash>(&ctx, "hash");
  phtpu::CoverageOnExit coverage{ctx, "hash"}; // after the model: written while it lives
};
} // namespace

TEST_CASE("sc_hash: row_shard is id mod S and id div S for every S in 1..4096", "[sc][rtl]") {
  Hash h;
  std::mt19937_64 rng(phtpu::test_seed());
  INFO("PHTPU_SEED=" << phtpu::test_seed());
  for (unsigned s = 1; s <= kMaxShards; ++s) {
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
    for (int i = 0; i < (s <= 256 ? 300 : 40); ++i) ids.push_back(std::uint32_t(rng()));
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

namespace {
std::string str(const phtpu::RawCoord& c) {
  std::string s;
  for (std::size_t i = 0; i < c.size(); ++i) s += (i ? (i % 3 ? "." : "/") : "") + std::to_string(c[i]);
  return s;
}
/// The RTL's owner coordinate at every row-major position of the slice below `limit` (the
/// largest base + k), against SliceGeometry::phext_of_global and back through its decode.
void check_owners(Hash& h, const phext::SliceGeometry& geo, unsigned limit = phtpu::sc::kMaxShards * 2 - 1) {
  const phext::Vec3 n = geo.slice(), c = geo.cube();
  h.m->own_z_i = (geo.zarm().datacenter << 20) | (geo.zarm().pod << 10) | geo.zarm().slice;
  h.m->slice_i = (n.x << 20) | (n.y << 10) | n.z;
  h.m->cube_i = (c.x << 8) | (c.y << 4) | c.z;
  const unsigned count = std::min(geo.chip_count(), limit);
  for (unsigned p = 0; p < count; ++p) {
    h.m->pos_i = p;
    h.m->eval();
    const phext::Vec3 g = slice_position(n, p);
    const phtpu::RawCoord want = phtpu::raw_of(geo.phext_of_global(g));
    phtpu::RawCoord got{};
    for (std::size_t i = 0; i < phext::kDims; ++i)
      for (unsigned b = 0; b < phext::kRtlFieldBits; ++b) {
        const unsigned bit = unsigned(phext::kDims - 1 - i) * phext::kRtlFieldBits + b;
        got[i] |= ((h.m->owner_o[bit / 32] >> (bit % 32)) & 1u) << b;
      }
    if (got != want) FAIL(phext::shape_str(n) << " in " << phext::shape_str(c) << " cubes, position " << p << ": rtl "
                                              << str(got) << ", phext_of_global " << str(want));
    const phext::Decoded d = geo.decode(got);
    REQUIRE(d.status == phext::DecodeStatus::Ok);
    REQUIRE(d.global == g);
  }
}
} // namespace

TEST_CASE("sc_hash: slice_owner is SliceGeometry::phext_of_global at every position of the pod's slice shapes",
          "[sc][rtl]") {
  Hash h;
  // TPU v4: every slice of 4x4x4 cubes in the 16x16x16 pod (8x8x12, 12x16x16: dimensions that
  // are not powers of two; 4x4x8, 8x8x16, 4x8x8, 8x16x16: the twisted shapes), 64,000 positions
  for (unsigned x = 4; x <= 16; x += 4)
    for (unsigned y = 4; y <= 16; y += 4)
      for (unsigned z = 4; z <= 16; z += 4) check_owners(h, phext::SliceGeometry({x, y, z}, {4, 4, 4}, {1, 2, 3}));
  // meshes inside one cube (docs/references.md §T5)
  for (phext::Vec3 m : {phext::Vec3{1, 1, 1}, {1, 1, 2}, {1, 2, 2}, {2, 2, 2}, {2, 2, 4}, {2, 4, 4}, {3, 2, 1}})
    check_owners(h, phext::SliceGeometry(m, {4, 4, 4}));
  // the scaled pods' 2x2x2 cubes, odd cubes, and positions up to base + k = 8190 (a 16x16x32 slice)
  for (phext::Vec3 s : {phext::Vec3{4, 4, 8}, {2, 2, 4}, {8, 8, 16}, {16, 16, 32}})
    check_owners(h, phext::SliceGeometry(s, {2, 2, 2}));
  check_owners(h, phext::SliceGeometry({9, 6, 15}, {3, 3, 5}, {999, 999, 999}));
  check_owners(h, phext::SliceGeometry({15, 15, 15}, {15, 15, 15}));
  // the widths' ends: a 1023-chip dimension (cube fields up to 1023 would exceed phext's 999, so
  // cubes of 2), and X = 1
  check_owners(h, phext::SliceGeometry({1022, 2, 2}, {2, 2, 2}));
  check_owners(h, phext::SliceGeometry({1, 1, 1022}, {1, 1, 2}));
}
