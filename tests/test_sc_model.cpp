// The SparseCore C++ models (ref/sc_model.hpp, tb/sc_workload.hpp) against independent facts:
// the division constants against integer division, the sharding rule against its inverse, slice
// placement's positions against a hand-worked slice and coords' decode, the
// golden embedding bag against hand-computed cases and the double-precision reference (whose
// bound must catch a real error), the register word against a hand-packed one, the counter
// prediction against a hand-worked stream, and the Zipf sampler against its analytic law.
#include "sc_model.hpp"
#include "sc_workload.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

using namespace phtpu::sc;
using phtpu::mxu::bits32;
using phtpu::mxu::f32;

TEST_CASE("shard_magic: (id * magic) >> (32 + shift) is id / S for every S", "[sc][model]") {
  std::mt19937_64 rng(phtpu::test_seed());
  for (unsigned s = 1; s <= kMaxShards; s += s < 300 ? 1 : 37) {
    const Magic m = shard_magic(s);
    CHECK(m.magic < (std::uint64_t(1) << 33));
    std::vector<std::uint32_t> ids = {0u, 1u, s - 1, s, s + 1, 0xFFFFFFFFu, 0xFFFFFFFEu, 0x80000000u};
    for (std::uint64_t k = 1; k < (1ull << 32) / s; k = k * 3 + 1)
      for (std::int64_t d : {-1, 0, 1}) ids.push_back(std::uint32_t(k * s + std::uint64_t(d)));
    for (std::uint64_t q = (0xFFFFFFFFull / s) * s; q + 1 > 0 && ids.size() < 400; q -= s) ids.push_back(std::uint32_t(q));
    for (int i = 0; i < (s <= 256 ? 2000 : 200); ++i) ids.push_back(std::uint32_t(rng()));
    for (auto id : ids)
      if (magic_div(id, m) != id / s) FAIL("S=" << s << " id=" << id << ": " << magic_div(id, m) << " != " << id / s);
  }
  CHECK_THROWS(shard_magic(0));
  CHECK_NOTHROW(shard_magic(kMaxShards));
  CHECK_THROWS(shard_magic(kMaxShards + 1));
}

TEST_CASE("fetch_requests: every row on exactly one owner, every beat fetched once", "[sc][model]") {
  TableCfg t;
  t.groups = 8;
  t.vocab = 10000;
  for (auto mode : {Sharding::Row, Sharding::Column, Sharding::Table})
    for (unsigned s : {1u, 2u, 4u, 8u}) {
      t.sharding = mode;
      t.shards = mode == Sharding::Table ? 1 : s;
      for (std::uint32_t id : {0u, 1u, 7u, 8u, 9999u, 1234u}) {
        const auto reqs = fetch_requests(t, id);
        std::set<unsigned> beats;
        for (const auto& r : reqs) {
          CHECK(r.shard < t.shards);
          CHECK(global_id(t, r.shard, r.row) == id);
          for (unsigned b = r.beat; b < r.beat + r.nbeats; ++b) CHECK(beats.insert(b).second);
        }
        CHECK(beats.size() == t.beats());
        if (mode == Sharding::Row) CHECK(reqs.at(0).shard == id % t.shards);
        if (mode == Sharding::Column) CHECK(reqs.size() == t.shards);
      }
    }
}

TEST_CASE("TableCfg: the register word matches sc_pkg's layout, bad tables are refused", "[sc][model]") {
  TableCfg t;
  t.groups = 2;
  t.bf16 = true;
  t.combiner = Combiner::Mean;
  t.sharding = Sharding::Row;
  t.shards = 4;
  t.base = 3;
  t.vocab = 1000;
  const auto w = t.word();
  // groups 2 | bf16 <<4 | mean <<5 | shards 4 <<10 | base 3 <<23; shift 2 at bit 39 (word 1 bit
  // 7); magic 2^32 at bit 43 + 32 = 75 (word 2 bit 11); vocab 1000 at bit 76 (word 2 bit 12)
  CHECK(w[0] == (2u | 1u << 4 | 1u << 5 | 4u << 10 | 3u << 23));
  CHECK(w[1] == 2u << 7);
  CHECK(w[2] == ((1u << 11) | (1000u << 12)));
  CHECK(w[3] == 0u);
  // slice placement (bit 9), 4096 shards (bit 22), base 4095 (bits 23..34)
  TableCfg big = t;
  big.bf16 = false;
  big.combiner = Combiner::Sum;
  big.placement = Placement::Slice;
  big.shards = 4096;
  big.base = 4095;
  const auto wb = big.word();
  CHECK(wb[0] == (2u | 1u << 9 | 1u << 22 | 0x1FFu << 23));
  CHECK((wb[1] & 0x7Fu) == 0x7u); // base bits 32..34, then the shift 12 at bit 39
  CHECK(((wb[1] >> 7) & 0xFu) == 12u);
  CHECK_NOTHROW(big.validate(8, 256, 8192));
  CHECK_THROWS_WITH(big.validate(8, 256, 4096), Catch::Contains("past the slice"));
  CHECK(big.runnable(8, 8191));
  CHECK(!big.runnable(8, 8190));
  big.base = 0;
  CHECK(big.runnable(8, 4096));
  CHECK(!big.runnable(8, 0)); // no geometry written
  big.placement = Placement::Map;
  CHECK(!big.runnable(8));    // 4096 shards need slice placement
  CHECK_THROWS_WITH(big.validate(8, 256), Catch::Contains("with the shard map"));
  TableCfg bad = t;
  bad.groups = 9;
  CHECK_THROWS_WITH(bad.validate(8, 256), Catch::Contains("multiple of 8"));
  bad = t;
  bad.sharding = Sharding::Column;
  bad.shards = 3;
  CHECK_THROWS_WITH(bad.validate(8, 256), Catch::Contains("split evenly"));
  bad = t;
  bad.shards = 300;
  CHECK_THROWS(bad.validate(8, 256));
}

TEST_CASE("slice placement: shard k on row-major position base + k, its coordinate by phext_of_global", "[sc][model]") {
  // 8x8x12 of 4x4x4 cubes (a TPU v4 shape whose z is not a power of two)
  const phext::SliceGeometry geo({8, 8, 12}, {4, 4, 4}, {1, 1, 2});
  // position 700 = 4 + 8 * (87) = x 4, y 87 mod 8 = 7, z 87 div 8 = 10 (derived)
  CHECK(slice_position(geo.slice(), 700) == phext::Vec3{4, 7, 10});
  TableCfg t;
  t.placement = Placement::Slice;
  t.shards = 768;
  t.base = 100;
  // shard 600 -> position 700 -> cube (1, 1, 2), chip (0, 3, 2) in its cube
  CHECK(slice_owner(geo, t, 600).str() == "1.1.2/2.2.3/1.4.3");
  // every shard decodes back to its position, every chip is the owner of at most one shard
  t.base = 0;
  std::set<unsigned> chips;
  for (unsigned k = 0; k < t.shards; ++k) {
    const phext::Decoded d = geo.decode(slice_owner(geo, t, k));
    REQUIRE(d.status == phext::DecodeStatus::Ok);
    REQUIRE(d.global == slice_position(geo.slice(), k));
    chips.insert(geo.chip_of_global(d.global));
  }
  CHECK(chips.size() == geo.chip_count());
  // the geometry register: slice x,y,z in bits 29..0 (10 each, x highest), cube at 41..30
  const auto g = geom_word({8, 8, 12}, {4, 4, 4});
  CHECK(g[0] == ((8u << 20) | (8u << 10) | 12u | (0x444u & 3u) << 30));
  CHECK(g[1] == (0x444u >> 2));
  // local or remote by position
  ShardMapView v;
  v.own_pos = 117;
  v.slice_chips = geo.chip_count();
  t.base = 17;
  CHECK(v.is_local(t, 100));
  CHECK(!v.is_local(t, 101));
}

TEST_CASE("golden_bag: hand-computed bags", "[sc][model]") {
  std::vector<TableCfg> tables(1);
  tables[0].groups = 1;
  tables[0].vocab = 100;
  const std::uint64_t seed = 5;
  auto x = [&](std::uint32_t id, unsigned e) { return row_element(seed, 0, id, e, false); };
  SECTION("sum of one lookup of weight 2 is the row doubled, exactly") {
    const auto o = golden_bag({0, 0, {{3, bits32(2.0f)}}}, tables, seed);
    for (unsigned e = 0; e < 8; ++e) CHECK(f32(o.v[e]) == 2.0f * f32(x(3, e)));
  }
  SECTION("mean of the same row twice is the row") {
    tables[0].combiner = Combiner::Mean;
    const auto o = golden_bag({0, 0, {{4, kOne}, {4, kOne}}}, tables, seed);
    for (unsigned e = 0; e < 8; ++e) CHECK(o.v[e] == x(4, e));
  }
  SECTION("sqrt-n of four copies of a row is twice the row") {
    tables[0].combiner = Combiner::Sqrtn;
    const auto o = golden_bag({0, 0, {{4, kOne}, {4, kOne}, {4, kOne}, {4, kOne}}}, tables, seed);
    for (unsigned e = 0; e < 8; ++e) CHECK(f32(o.v[e]) == 2.0f * f32(x(4, e)));
  }
  SECTION("an empty bag is zeros") {
    tables[0].combiner = Combiner::Mean;
    const auto o = golden_bag({0, 0, {}}, tables, seed);
    CHECK(o.v == std::vector<std::uint32_t>(8, 0u));
  }
  SECTION("bf16 rows: values have 8 significant bits and widen exactly") {
    for (unsigned e = 0; e < 64; ++e) CHECK((row_element(seed, 0, 9, e, true) & 0xFFFFu) == 0u);
  }
}

TEST_CASE("golden_bag: within the double-precision bound, and the bound is tight enough to catch an error",
          "[sc][model]") {
  std::mt19937_64 rng(phtpu::test_seed());
  double worst = 0;
  for (auto comb : {Combiner::Sum, Combiner::Mean, Combiner::Sqrtn})
    for (bool bf16 : {false, true}) {
      std::vector<TableCfg> tables(1);
      tables[0].groups = 4;
      tables[0].bf16 = bf16;
      tables[0].combiner = comb;
      tables[0].vocab = 1000;
      for (int b = 0; b < 50; ++b) {
        BagIn bag{0, 0, {}};
        const unsigned n = 1 + unsigned(rng() % 200);
        for (unsigned i = 0; i < n; ++i)
          bag.lookups.emplace_back(std::uint32_t(rng() % 1000), bits32(0.25f + float(rng() % 1000) / 500.0f));
        const auto g = golden_bag(bag, tables, 7);
        const auto d = double_bag(bag, tables, 7);
        for (unsigned e = 0; e < 32; ++e) {
          const double err = std::fabs(f32(g.v[e]) - d.v[e]);
          REQUIRE(err <= d.bound[e]);
          worst = std::max(worst, err / d.bound[e]);
        }
        // dropping one lookup must break the bound somewhere (the bound is not vacuous)
        if (n > 1) {
          BagIn less = bag;
          less.lookups.pop_back();
          const auto gl = golden_bag(less, tables, 7);
          bool caught = false;
          for (unsigned e = 0; e < 32; ++e) caught = caught || std::fabs(f32(gl.v[e]) - d.v[e]) > d.bound[e];
          CHECK(caught);
        }
      }
    }
  CHECK(worst > 1e-3); // rounding error really occurs and is measured against a meaningful bound
}

TEST_CASE("predict_counts: a hand-worked stream", "[sc][model]") {
  std::vector<TableCfg> tables(1);
  tables[0].vocab = 100;
  tables[0].shards = 2; // even ids on shard 0 (local), odd on shard 1 (remote)
  ShardMapView map{256, std::vector<bool>(256, false)};
  map.local[0] = true;
  std::vector<Lookup> in = {{0, 0, 4, kOne, false, false, false}, {0, 0, 5, kOne, false, false, false},
                            {0, 0, 4, kOne, true, false, false},  {1, 0, 0, kOne, true, true, false},
                            {2, 0, 200, kOne, true, false, true}, {3, 0, 4, kOne, true, false, true}};
  const auto p = predict_counts(in, tables, 512, 256, 4, map);
  CHECK(p.lookups == 4);
  CHECK(p.bags == 4);
  CHECK(p.unique == 3); // 4, 5, then 4 again after the batch end
  CHECK(p.local == 2);
  CHECK(p.remote == 1);
  CHECK(p.dropped == 1);
  CHECK(p.windows == 2);
  CHECK(p.hash_full == 0);
  // one way per set and a window of Slots/2 = 2 rows
  const auto q = predict_counts({{0, 0, 1, kOne, false, false, false}, {0, 0, 2, kOne, false, false, false},
                                 {0, 0, 1, kOne, true, false, false}},
                                tables, 4, 1, 1, map);
  CHECK(q.unique == 3);    // the window closed after 2 rows: id 1 again is a new row
  CHECK(q.hash_full == 1); // the single set held id 1 when id 2 came
  CHECK(q.windows == 1);
}

TEST_CASE("Zipf: sampled frequencies follow rank^-s", "[sc][model]") {
  const double s = 1.05;
  const Zipf z(1000000, s);
  for (std::uint32_t r : {1u, 9u, 99u, 999u}) CHECK(z.p(r) / z.p(0) == Approx(std::pow(double(r + 1), -s)).epsilon(1e-9));
  std::mt19937_64 rng(phtpu::test_seed());
  const int n = 400000;
  int c0 = 0, c1 = 0;
  for (int i = 0; i < n; ++i) {
    const auto id = z(rng);
    REQUIRE(id < 1000000u);
    c0 += id == 0;
    c1 += id == 1;
  }
  // binomial: 5 standard deviations
  for (auto [c, p] : {std::pair{c0, z.p(0)}, std::pair{c1, z.p(1)}})
    CHECK(std::fabs(c - n * p) < 5 * std::sqrt(n * p * (1 - p)));
}
