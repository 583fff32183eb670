// sc_lookup (rtl/sparsecore/) against the golden embedding-bag model, the double-precision
// reference and the counters predicted from the rules (ref/sc_model.hpp), at the default
// parameters ("big") and a small configuration whose slot ring, dedup sets and queues fill
// ("small"): duplicates, empty and single-id bags, maximum valence, all-remote, memory latency 1
// and 500, backpressure on every port (and valid outputs holding while not taken), every
// combiner / data type / sharding mode and the configuration corners (S = 256, a shard map
// that wraps, odd bf16 widths), arbitrary beat flags with signed and zero weights, ids near
// 2^32, dropped lookups, bad response packets, the outstanding limit, the timing contract (peak
// rate, first output, latency hiding, the scale engines), randomized Zipf traffic over a
// million-row vocabulary, and slice placement (owners computed from the slice geometry) with up
// to 4096 shards on TPU v4 slice shapes, twisted and not, checked by decoding every request's
// destination as a router does.
#include "Vsc_lookup.h"
#include "Vsc_lookup_small.h"
#include "sc_lookup_tb.hpp"
#include "sc_workload.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <random>
#include <set>
#include <string>

using namespace phtpu::sc;
using phtpu::mxu::f32;

namespace {

struct Big {
  using Model = Vsc_lookup;
  static ScParams params() { return {}; }
  static constexpr const char* name = "big";
};
struct Small {
  using Model = Vsc_lookup_small;
  static ScParams params() { // -G overrides of vsc_lookup_small (CMakeLists.txt)
    ScParams p;
    p.slots = 16;
    p.hash_sets = 4;
    p.hash_ways = 2;
    p.max_outstanding = 8;
    return p;
  }
  static constexpr const char* name = "small";
};

TableCfg table(unsigned groups, std::uint32_t vocab, Combiner c = Combiner::Sum, bool bf16 = false,
               Sharding s = Sharding::Row, unsigned shards = 1) {
  TableCfg t;
  t.groups = groups;
  t.vocab = vocab;
  t.combiner = c;
  t.bf16 = bf16;
  t.sharding = s;
  t.shards = shards;
  return t;
}

/// One bag per id list (an empty list is an empty bag).
std::vector<Lookup> bags(const std::vector<std::vector<std::uint32_t>>& ids, unsigned table_idx = 0) {
  std::vector<Lookup> v;
  unsigned sample = 0;
  for (const auto& b : ids) {
    if (b.empty()) v.push_back({sample, table_idx, 0, kOne, true, true, false});
    for (std::size_t i = 0; i < b.size(); ++i) v.push_back({sample, table_idx, b[i], kOne, i + 1 == b.size(), false, false});
    ++sample;
  }
  if (!v.empty()) v.back().batch_end = true;
  return v;
}

template <class C>
RunResult run(const std::string& wave, const std::vector<TableCfg>& tables, const std::vector<Lookup>& in,
              const SliceMap& map, unsigned max_out, const MemCfg& mem, const MemCfg& rem = {}, TbStalls st = {},
              std::uint64_t seed = phtpu::test_seed()) {
  ScLookupTb<typename C::Model> tb(C::params(), seed,
                                   wave.empty() ? "" : phtpu::test_wave_path(fmt::format("sc_{}_{}", wave, C::name)));
  tb.configure(tables, map, max_out);
  return tb.run(in, seed, mem, rem, st);
}

/// Bit-exact against the golden model, within the bound of the double reference, and every
/// counter as predicted from the rules.
void check(const RunResult& r, const std::vector<TableCfg>& tables, const std::vector<Lookup>& in, const ScParams& p,
           const SliceMap& map, std::uint64_t seed = phtpu::test_seed(), bool with_bound = true) {
  for (const auto& e : r.errors) FAIL_CHECK(e);
  REQUIRE(r.errors.empty());
  const ShardMapView view = map.view(p.shard_entries);
  const auto bins = bags_of(in, tables, nullptr, view.slice_chips);
  REQUIRE(r.bags.size() == bins.size());
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const BagOut g = golden_bag(bins[b], tables, seed);
    const DoubleBag d = double_bag(bins[b], tables, seed);
    REQUIRE(r.bags[b].sample == g.sample);
    REQUIRE(r.bags[b].table == g.table);
    REQUIRE(r.bags[b].v.size() == g.v.size());
    for (std::size_t e = 0; e < g.v.size(); ++e) {
      const std::uint32_t x = r.bags[b].v[e];
      if (x != g.v[e])
        FAIL(fmt::format("bag {} element {}: rtl {:#010x} ({}) golden {:#010x} ({})", b, e, x, f32(x), g.v[e], f32(g.v[e])));
      const double err = std::fabs(double(f32(x)) - d.v[e]);
      if (with_bound && !(err <= d.bound[e])) FAIL(fmt::format("bag {} element {}: |{} - {}| > bound {}", b, e, f32(x), d.v[e], d.bound[e]));
    }
  }
  const Predicted q = predict_counts(in, tables, p.slots, p.hash_sets, p.hash_ways, view);
  CHECK(r.stats[StLookups] == q.lookups);
  CHECK(r.stats[StBags] == q.bags);
  CHECK(r.stats[StUnique] == q.unique);
  CHECK(r.stats[StHashFull] == q.hash_full);
  CHECK(r.stats[StLocalReq] == q.local);
  CHECK(r.stats[StRemoteReq] == q.remote);
  CHECK(r.stats[StDropped] == q.dropped);
  CHECK(r.stats[StEpochs] == q.windows);
  CHECK(r.stats[StBusy] <= r.cycles);
}

} // namespace

TEMPLATE_TEST_CASE("sc_lookup: single-id bags from local memory", "[sc]", Big, Small) {
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::uint32_t>> ids;
  for (int b = 0; b < 200; ++b) ids.push_back({std::uint32_t(rng() % 1000)});
  const std::vector<TableCfg> tables = {table(2, 1000)};
  const auto in = bags(ids);
  const auto map = slice_map(256, 0);
  const auto r = run<TestType>("single", tables, in, map, 8, {});
  check(r, tables, in, TestType::params(), map);
  CHECK(r.stats[StRemoteReq] == 0);
}

TEST_CASE("sc_lookup: duplicates within and across bags are fetched once", "[sc]") {
  const std::vector<TableCfg> tables = {table(2, 1000)};
  const auto in = bags({{3, 7, 3, 3}, {7, 9}, {9}, {3, 3, 3, 3, 3}, {11, 7, 11}});
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("dups", tables, in, map, 16, {20});
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StUnique] == 4); // 3, 7, 9, 11
  CHECK(r.stats[StLookups] == 15);
  // a second batch starts a new dedup window: its rows are fetched again
  auto two = in;
  for (auto l : in) two.push_back(l);
  const auto r2 = run<Big>("", tables, two, map, 16, {20});
  check(r2, tables, two, Big::params(), map);
  CHECK(r2.stats[StUnique] == 8);
  CHECK(r2.stats[StEpochs] == 2);
}

TEST_CASE("sc_lookup: empty bags give zeros with every combiner", "[sc]") {
  const auto comb = GENERATE(Combiner::Sum, Combiner::Mean, Combiner::Sqrtn);
  const std::vector<TableCfg> tables = {table(3, 100, comb)};
  const auto in = bags({{}, {5, 6}, {}, {}, {7}, {}});
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("empty", tables, in, map, 8, {5});
  check(r, tables, in, Big::params(), map);
  for (std::size_t b : {0, 2, 3, 5})
    for (auto x : r.bags[b].v) CHECK(x == 0u);
  CHECK(r.bags[1].v[0] != 0u);
}

TEMPLATE_TEST_CASE("sc_lookup: maximum valence (a bag longer than every queue)", "[sc]", Big, Small) {
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> big_bag;
  for (int i = 0; i < 2000; ++i) big_bag.push_back(std::uint32_t(rng() % 5000));
  const std::vector<TableCfg> tables = {table(2, 5000, Combiner::Mean)};
  const auto in = bags({{1}, big_bag, {2}});
  const auto map = slice_map(256, 0);
  const auto r = run<TestType>("", tables, in, map, 8, {30});
  check(r, tables, in, TestType::params(), map);
}

TEST_CASE("sc_lookup: every row remote, responses out of order", "[sc]") {
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed);
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = 32;
  w.valence_max = 20;
  std::vector<TableCfg> tables = {table(2, 100000, Combiner::Sum, false, Sharding::Row, 64)};
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 100); // chip 100 holds no shard of 0..63
  MemCfg rem{50, 1024, true};
  const auto r = run<Big>("remote", tables, in, map, 64, {}, rem);
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StLocalReq] == 0);
  CHECK(r.stats[StRemoteReq] == r.stats[StUnique]);
}

TEST_CASE("sc_lookup: memory latency of 1 and of 500 cycles", "[sc]") {
  const unsigned latency = GENERATE(1u, 500u);
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed << " latency " << latency);
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = 64;
  w.valence_max = 30;
  w.zipf = 1.05;
  std::vector<TableCfg> tables = {table(2, 1000000, Combiner::Sum, false, Sharding::Row, 4)};
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 2); // a quarter of the rows are local
  const auto r = run<Big>("", tables, in, map, 256, {latency, 1024, true}, {latency, 1024, true});
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StLocalReq] > 0);
  CHECK(r.stats[StRemoteReq] > 0);
}

TEMPLATE_TEST_CASE("sc_lookup: backpressure on every port", "[sc]", Big, Small) {
  const double p = GENERATE(0.2, 0.6);
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed << " stall " << p);
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = 24;
  w.valence_max = 12;
  w.tables = 2;
  w.weights = true;
  w.empty_fraction = 0.1;
  std::vector<TableCfg> tables = {table(2, 3000, Combiner::Mean, false, Sharding::Row, 3),
                                  table(4, 500, Combiner::Sqrtn, true, Sharding::Column, 2)};
  tables[1].base = 4;
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 1); // local for shard 1 of table 0 only
  const auto r = run<TestType>(p < 0.5 ? "backpressure" : "", tables, in, map, 8, {7, 3, true, p}, {11, 3, true, p},
                               {p, p});
  check(r, tables, in, TestType::params(), map);
  CHECK(r.stats[StStallFlush] > 0);
  CHECK(r.stats[StStallPort] > 0);
}

TEST_CASE("sc_lookup: combiners, weights, bf16 rows and the three sharding modes", "[sc]") {
  const auto comb = GENERATE(Combiner::Sum, Combiner::Mean, Combiner::Sqrtn);
  const bool bf16 = GENERATE(false, true);
  const auto mode = GENERATE(Sharding::Row, Sharding::Column, Sharding::Table);
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed << " combiner " << unsigned(comb) << " bf16 " << bf16 << " sharding " << unsigned(mode));
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = 12;
  w.valence_max = 9;
  w.tables = 2;
  w.weights = true;
  std::vector<TableCfg> tables = {table(bf16 ? 8 : 4, 2000, comb, bf16, mode, mode == Sharding::Table ? 1 : 2),
                                  table(1, 50, Combiner::Sum, false, Sharding::Table, 1)};
  tables[1].base = 1; // table 1 lives on shard-map entry 1: remote
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("", tables, in, map, 16, {9, 1024, true}, {13, 1024, true});
  check(r, tables, in, Big::params(), map);
}

TEST_CASE("sc_lookup: bad lookups are dropped, counted and flagged", "[sc]") {
  const std::vector<TableCfg> tables = {table(1, 100), table(2, 100)};
  std::vector<Lookup> in = {
      {0, 0, 5, kOne, false, false, false},  {0, 0, 100, kOne, false, false, false}, // id past the vocabulary
      {0, 1, 6, kOne, false, false, false},                                          // other table inside the bag
      {0, 0, 7, kOne, true, false, false},   {1, 1, 500, kOne, true, false, false},  // a bag of only a bad lookup
      {2, 1, 9, kOne, true, false, true},
  };
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("dropped", tables, in, map, 8, {3});
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StDropped] == 3);
  CHECK((r.err & 1u) == 1u);
  CHECK(r.bags.size() == 3);
  for (auto x : r.bags[1].v) CHECK(x == 0u); // nothing accepted: zeros, table 1's width
  CHECK(r.bags[1].v.size() == 16);
}

TEST_CASE("sc_lookup: a table it cannot run drops its lookups and flags err_o[2] instead of hanging", "[sc]") {
  // table 1: 16 fp32 elements (2 beats) column-sharded over 3 chips: no whole chunk per shard
  std::vector<TableCfg> tables = {table(2, 1000, Combiner::Mean), table(2, 1000, Combiner::Sum, false, Sharding::Column, 3)};
  REQUIRE(!tables[1].runnable(kMaxGroups));
  std::vector<Lookup> in;
  for (unsigned b = 0; b < 20; ++b)
    for (unsigned i = 0; i < 3; ++i) in.push_back({b, b % 2, 10 * b + i, kOne, i == 2, false, false});
  in.back().batch_end = true;
  const auto map = slice_map(256, 0);
  ScLookupTb<Vsc_lookup> tb(Big::params(), phtpu::test_seed(), phtpu::test_wave_path("sc_badcfg_big"));
  tb.configure(tables, map, 8, false);
  const auto r = tb.run(in, phtpu::test_seed(), {4}, {6}, {});
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StDropped] == 30);
  CHECK((r.err & 4u) == 4u);
  for (std::size_t b = 1; b < r.bags.size(); b += 2)
    for (auto x : r.bags[b].v) CHECK(x == 0u);
}

TEST_CASE("sc_lookup: a response packet of the wrong type is dropped and flagged", "[sc]") {
  const std::vector<TableCfg> tables = {table(2, 1000, Combiner::Sum, false, Sharding::Row, 2)};
  const auto in = bags({{1, 2, 3}, {4, 5}});
  const auto map = slice_map(256, 0);
  ScLookupTb<Vsc_lookup> tb(Big::params(), phtpu::test_seed(), phtpu::test_wave_path("sc_badresp_big"));
  tb.configure(tables, map, 8);
  tb.queue_bad_response();
  const auto r = tb.run(in, phtpu::test_seed(), {2}, {5}, {});
  check(r, tables, in, Big::params(), map);
  CHECK((r.err & 2u) == 2u);
  CHECK((r.err & 5u) == 0u);
}

TEST_CASE("sc_lookup: the outstanding-request limit holds", "[sc]") {
  const unsigned limit = GENERATE(1u, 4u, 32u);
  std::vector<std::vector<std::uint32_t>> ids;
  for (std::uint32_t b = 0; b < 40; ++b) ids.push_back({b * 3, b * 3 + 1, b * 3 + 2});
  const std::vector<TableCfg> tables = {table(2, 1000)};
  const auto in = bags(ids);
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("", tables, in, map, limit, {100, 1024, true});
  check(r, tables, in, Big::params(), map);
  CHECK(r.max_outstanding == limit);
  CHECK(r.stats[StStallOut] > 0);
}

TEST_CASE("sc_lookup: dedup capacity: full sets and windows of Slots/2 rows", "[sc]") {
  const auto seed = phtpu::test_seed();
  INFO("PHTPU_SEED=" << seed);
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = 40;
  w.valence_max = 10;
  w.zipf = 0.8;
  std::vector<TableCfg> tables = {table(2, 200)};
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 0);
  const auto r = run<Small>("capacity", tables, in, map, 8, {40, 1024, true});
  check(r, tables, in, Small::params(), map);
  CHECK(r.stats[StHashFull] > 0);
  CHECK(r.stats[StEpochs] > 1);
  CHECK(r.stats[StStallRing] > 0);
}

TEST_CASE("sc_lookup: timing contract", "[sc][timing]") {
  const auto map = slice_map(256, 0);
  SECTION("first output 5 + latency cycles after the lookup is offered") {
    for (unsigned latency : {1u, 10u, 100u}) {
      const std::vector<TableCfg> tables = {table(1, 100)};
      const auto in = bags({{42}});
      const auto r = run<Big>(latency == 10 ? "timing" : "", tables, in, map, 8, {latency});
      check(r, tables, in, Big::params(), map);
      CHECK(r.first_out == 5 + latency);
    }
  }
  SECTION("slice placement adds no cycle: the owner is computed in the fetch cycle") {
    TableCfg t = table(1, 100);
    t.placement = Placement::Slice;
    t.base = 1000; // this chip, position 1000 of the 8x8x16 slice
    const std::vector<TableCfg> tables = {t};
    const auto smap = slice_geometry({8, 8, 16}, {4, 4, 4}, 1000, 256);
    const auto in = bags({{42}});
    const auto r = run<Big>("", tables, in, smap, 8, {10});
    check(r, tables, in, Big::params(), smap);
    CHECK(r.stats[StLocalReq] == 1);
    CHECK(r.first_out == 5 + 10);
  }
  SECTION("peak rate: one lookup per cycle at 8 elements, one per `groups` cycles above") {
    for (unsigned groups : {1u, 2u, 4u}) {
      std::vector<std::vector<std::uint32_t>> ids(100, std::vector<std::uint32_t>(10, 7)); // every lookup hits
      const std::vector<TableCfg> tables = {table(groups, 100)};
      const auto in = bags(ids);
      const auto r = run<Big>("", tables, in, map, 8, {1});
      check(r, tables, in, Big::params(), map);
      INFO("groups " << groups << ": " << r.cycles << " cycles for 1000 lookups");
      CHECK(r.cycles >= 1000 * groups);
      CHECK(r.cycles <= 1000 * groups + 12);
    }
  }
  SECTION("a 200-cycle memory latency is hidden at >= 0.9 of the peak rate") {
    const auto seed = phtpu::test_seed();
    std::mt19937_64 rng(seed);
    Workload w;
    w.batch = 128;
    w.valence_max = 40;
    w.zipf = 0; // uniform over a million rows: almost every lookup is a new row
    std::vector<TableCfg> tables = {table(2, 1000000)};
    const auto in = make_lookups(w, tables, rng);
    const auto r1 = run<Big>("", tables, in, map, 256, {1});
    const auto r200 = run<Big>("", tables, in, map, 256, {200});
    check(r200, tables, in, Big::params(), map);
    INFO("lookups/cycle: latency 1 " << r1.lookups_per_cycle() << ", latency 200 " << r200.lookups_per_cycle());
    CHECK(r200.lookups_per_cycle() >= 0.9 * r1.lookups_per_cycle());
    CHECK(r1.lookups_per_cycle() >= 0.9 * 0.5); // peak at 16 elements is 0.5
  }
}

TEMPLATE_TEST_CASE("sc_lookup: randomized Zipf traffic over a million rows", "[sc][random]", Big, Small) {
  const auto base = phtpu::test_seed();
  const int run_idx = GENERATE(0, 1, 2);
  const auto seed = base + std::uint64_t(run_idx);
  INFO("PHTPU_SEED=" << base << " run " << run_idx);
  std::mt19937_64 rng(seed);
  Workload w;
  w.batch = std::is_same_v<TestType, Big> ? 128 : 32;
  w.valence_max = std::is_same_v<TestType, Big> ? 60 : 20;
  w.zipf = 1.05;
  w.tables = 2;
  w.weights = rng() % 2;
  w.empty_fraction = 0.05;
  const unsigned shards[] = {1, 4, 64};
  std::vector<TableCfg> tables = {
      table(1 + unsigned(rng() % 8), 1000000, Combiner(rng() % 3), rng() % 2, Sharding::Row, shards[rng() % 3]),
      table(4, 1000000, Combiner(rng() % 3), rng() % 2, Sharding(rng() % 3), 2)};
  if (tables[1].sharding == Sharding::Table) tables[1].shards = 1;
  tables[1].base = 64;
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, unsigned(rng() % 66));
  const unsigned lat = 1 + unsigned(rng() % 300);
  const MemCfg mem{lat, 4 + unsigned(rng() % 300), bool(rng() % 2), 0.1};
  const MemCfg rem{lat + 50, 4 + unsigned(rng() % 300), bool(rng() % 2), 0.1};
  const auto r = run<TestType>("", tables, in, map, TestType::params().max_outstanding, mem, rem, {0.1, 0.1}, seed);
  check(r, tables, in, TestType::params(), map, seed);
}

TEST_CASE("sc_lookup: scale engines: mean and sqrt-n bags", "[sc][timing]") {
  const auto map = slice_map(256, 0);
  SECTION("single-id bags run at ScaleUnits bags per 27 (mean) or 54 (sqrt-n) cycles") {
    std::vector<std::vector<std::uint32_t>> ids;
    for (std::uint32_t b = 0; b < 100; ++b) ids.push_back({b});
    const auto in = bags(ids);
    std::uint64_t cyc[3] = {}, first[3] = {};
    for (auto comb : {Combiner::Sum, Combiner::Mean, Combiner::Sqrtn}) {
      const std::vector<TableCfg> tables = {table(1, 1000, comb)};
      const auto r = run<Big>("", tables, in, map, 64, {1});
      check(r, tables, in, Big::params(), map);
      cyc[unsigned(comb)] = r.cycles;
      first[unsigned(comb)] = r.first_out;
    }
    INFO("cycles for 100 single-id bags: sum " << cyc[0] << ", mean " << cyc[1] << ", sqrtn " << cyc[2]);
    // E engines (sc_lookup ScaleUnits, 4), each busy 27 + 2 cycles per mean bag and 2 x 27 + 2
    // per sqrt-n bag (free the cycle after its result is collected): 100 x 29 / E = 725 and
    // 100 x 56 / E = 1400 cycles (derived)
    const std::uint64_t mean = 100 * 29 / Big::params().scale_units, sqrtn = 100 * 56 / Big::params().scale_units;
    CHECK(cyc[0] <= 100 + 60);
    CHECK(cyc[1] >= mean);
    CHECK(cyc[1] <= mean + 60);
    CHECK(cyc[2] >= sqrtn);
    CHECK(cyc[2] <= sqrtn + 90);
    // the first bag's scale: taken at cycle 2, done 27 cycles later, queued, out at cycle 31 (sqrt-n:
    // 27 more); a sum bag with a 1-cycle memory leaves at 5 + 1
    CHECK(first[0] == 6);
    CHECK(first[1] == 31);
    CHECK(first[2] == 58);
  }
  SECTION("the issue's workload (valence 1..100) loses nothing to the scale unit, even at 8 elements") {
    const auto seed = phtpu::test_seed();
    INFO("PHTPU_SEED=" << seed);
    double rate[3] = {};
    for (auto comb : {Combiner::Sum, Combiner::Mean, Combiner::Sqrtn}) {
      std::mt19937_64 rng(seed);
      Workload w;
      w.batch = 128;
      w.valence_max = 100;
      w.zipf = 1.05;
      const std::vector<TableCfg> tables = {table(1, 1000000, comb)};
      const auto in = make_lookups(w, tables, rng);
      const auto r = run<Big>("", tables, in, map, 256, {200});
      check(r, tables, in, Big::params(), map);
      rate[unsigned(comb)] = r.lookups_per_cycle();
      CHECK(r.stats[StStallScale] == 0);
    }
    INFO("lookups/cycle, dim 8, latency 200: sum " << rate[0] << ", mean " << rate[1] << ", sqrtn " << rate[2]);
    CHECK(rate[0] >= 0.9);
    CHECK(rate[1] >= 0.99 * rate[0]);
    CHECK(rate[2] >= 0.99 * rate[0]);
  }
}

TEMPLATE_TEST_CASE("sc_lookup: configuration corners (S=256, wrapping base, 8 groups, odd bf16, column S=8)",
                   "[sc]", Big, Small) {
  const auto seed = phtpu::test_seed();
  const int which = GENERATE(range(0, 8));
  INFO("PHTPU_SEED=" << seed << " case " << which);
  std::mt19937_64 rng(seed + unsigned(which));
  std::vector<TableCfg> tables;
  unsigned own = 5;
  switch (which) {
  case 0: tables = {table(1, 4000000, Combiner::Sum, false, Sharding::Row, 256)}; break;
  case 1: tables = {table(8, 100000, Combiner::Mean, false, Sharding::Row, 256)}; tables[0].base = 200; own = 60; break;
  case 2: tables = {table(8, 1000, Combiner::Sum, false, Sharding::Column, 8)}; own = 3; break;
  case 3: tables = {table(8, 1000, Combiner::Sqrtn, false, Sharding::Column, 4)}; tables[0].base = 254; own = 0; break;
  case 4: tables = {table(7, 1000, Combiner::Sum, true, Sharding::Column, 4)}; own = 2; break;
  case 5: tables = {table(1, 1000, Combiner::Mean, true, Sharding::Row, 3), table(3, 500, Combiner::Sum, true, Sharding::Column, 2)};
          tables[1].base = 255; own = 0; break;
  case 6: tables = {table(5, 1000, Combiner::Sum, true, Sharding::Table, 1), table(8, 1000, Combiner::Sum, true, Sharding::Column, 4)};
          tables[0].base = 255; tables[1].base = 254; own = 255; break;
  case 7: tables = {table(8, 300, Combiner::Sum, false, Sharding::Column, 1), table(2, 300, Combiner::Sqrtn, false, Sharding::Row, 2)};
          own = 1; break;
  }
  Workload w;
  w.batch = 24;
  w.batches = 2;
  w.valence_max = 12;
  w.zipf = 1.05;
  w.tables = unsigned(tables.size());
  w.weights = true;
  w.empty_fraction = 0.1;
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, own);
  const auto r = run<TestType>("", tables, in, map, TestType::params().max_outstanding, {20, 64, true, 0.2},
                               {40, 64, true, 0.2}, {0.2, 0.2}, seed);
  check(r, tables, in, TestType::params(), map, seed);
}


TEMPLATE_TEST_CASE("sc_lookup: arbitrary beat flags (batch end mid-bag / on empty and bad beats, table "
                   "switches, signed and zero weights)",
                   "[sc]", Big, Small) {
  const auto base = phtpu::test_seed();
  const int run_idx = GENERATE(range(0, 6));
  const auto seed = base + 100 + std::uint64_t(run_idx);
  INFO("PHTPU_SEED=" << base << " run " << run_idx);
  std::mt19937_64 rng(seed);
  std::vector<TableCfg> tables = {table(1 + unsigned(rng() % 8), 60, Combiner(rng() % 3), rng() % 2, Sharding::Row, 3),
                                  table(4, 40, Combiner(rng() % 3), rng() % 2, Sharding::Column, 2),
                                  table(3, 50, Combiner(rng() % 3), false, Sharding::Table, 1),
                                  table(1, 30, Combiner(rng() % 3), true, Sharding::Row, 1)};
  tables[1].base = 8;
  tables[2].base = 12;
  tables[3].base = 1;
  std::vector<Lookup> in;
  const std::uint32_t ws[] = {kOne, 0xBF800000u /*-1*/, 0u, 0x40000000u /*2*/, 0x3E800000u /*0.25*/, 0x80000000u /*-0*/};
  const unsigned n = 1500;
  unsigned sample = 0;
  for (unsigned i = 0; i < n; ++i) {
    Lookup l;
    l.sample = sample;
    l.table = unsigned(rng() % 4);
    if (rng() % 8 != 0 && !in.empty() && !in.back().last && !in.back().empty) l.table = in.back().table;
    l.id = std::uint32_t(rng() % 70);
    l.weight = ws[rng() % 6];
    l.empty = rng() % 20 == 0;
    l.last = l.empty || rng() % 6 == 0;
    l.batch_end = rng() % 15 == 0;
    if (l.last) ++sample;
    in.push_back(l);
  }
  in.back().last = true;
  in.back().batch_end = true;
  const auto map = slice_map(256, 1);
  const double p = 0.1 * double(run_idx % 3);
  const auto r = run<TestType>("", tables, in, map, TestType::params().max_outstanding, {5 + 10u * unsigned(run_idx), 16, true, p},
                               {30, 16, true, p}, {p, p}, seed);
  check(r, tables, in, TestType::params(), map, seed, false); // zero and cancelling weight sums: no bound
}

TEST_CASE("sc_lookup: row sharding and dedup of ids near 2^32 (sc_pkg::row_shard, dedup_set)", "[sc]") {
  const unsigned s = GENERATE(3u, 7u, 100u, 255u, 256u);
  INFO("S=" << s);
  std::vector<TableCfg> tables = {table(1, 0xFFFFFFFFu, Combiner::Sum, false, Sharding::Row, s),
                                  table(1, 0xFFFFFFFFu, Combiner::Sum, false, Sharding::Row, s)};
  tables[1].base = 17;
  std::vector<std::vector<std::uint32_t>> ids;
  std::mt19937_64 rng(phtpu::test_seed() + s);
  for (int b = 0; b < 60; ++b) {
    std::vector<std::uint32_t> bag;
    for (int i = 0; i < 4; ++i) {
      const std::uint32_t top = 0xFFFFFFFEu - std::uint32_t(rng() % 600);
      const std::uint32_t near_mult = std::uint32_t((0xFFFFFFFFull / s - rng() % 3) * s + (rng() % 3)) - 1;
      const std::uint32_t hi = 0xC0000000u | std::uint32_t(rng() % 64); // table bits of dedup_set
      bag.push_back(i == 0 ? top : i == 1 ? near_mult : hi);
    }
    ids.push_back(bag);
  }
  auto in = bags(ids, 0);
  auto in1 = bags(ids, 1);
  for (auto& l : in1) l.sample += 1000;
  in.insert(in.end(), in1.begin(), in1.end());
  const auto map = slice_map(256, 0);
  const auto r = run<Big>("", tables, in, map, 64, {3, 64, true}, {7, 64, true});
  check(r, tables, in, Big::params(), map);
}

TEMPLATE_TEST_CASE("sc_lookup: slice placement, owners computed from the slice geometry (up to 4096 shards)",
                   "[sc][slice]", Big, Small) {
  const auto seed = phtpu::test_seed();
  const int which = GENERATE(range(0, 6));
  INFO("PHTPU_SEED=" << seed << " case " << which);
  std::mt19937_64 rng(seed + 31 * unsigned(which));
  auto placed = [](TableCfg t, unsigned base) {
    t.placement = Placement::Slice;
    t.base = base;
    return t;
  };
  // shape (chips), cube, this chip's row-major position, the tables
  phext::Vec3 shape, cube{4, 4, 4};
  unsigned own = 0;
  std::vector<TableCfg> tables;
  switch (which) {
  case 0: // 8x8x16, a twisted TPU v4 shape of 1024 chips: every chip a shard
    shape = {8, 8, 16};
    own = 517;
    tables = {placed(table(2, 1000000, Combiner::Sum, false, Sharding::Row, 1024), 0)};
    break;
  case 1: // the whole pod, 16x16x16: 4096 shards; a shard-map table beside it
    shape = {16, 16, 16};
    own = 4095;
    tables = {placed(table(1, 4000000, Combiner::Mean, false, Sharding::Row, 4096), 0),
              table(2, 1000, Combiner::Sum, false, Sharding::Row, 8)};
    break;
  case 2: // 12x16x16 (3072 chips, x not a power of two): 2000 shards from position 1000 on
    shape = {12, 16, 16};
    own = 1000 + 1999;
    tables = {placed(table(3, 1000000, Combiner::Sqrtn, true, Sharding::Row, 2000), 1000)};
    break;
  case 3: // the scaled pod's 4x4x8 of 2x2x2 cubes (128 chips): row, column and table sharding
    shape = {4, 4, 8};
    cube = {2, 2, 2};
    own = 77;
    tables = {placed(table(2, 50000, Combiner::Sum, false, Sharding::Row, 128), 0),
              placed(table(4, 500, Combiner::Mean, false, Sharding::Column, 4), 124),
              placed(table(1, 300, Combiner::Sum, false, Sharding::Table, 1), 77)};
    break;
  case 4: // 8x8x12 (z not a power of two), 300 shards at position 400 (local: shard 7)
    shape = {8, 8, 12};
    own = 407;
    tables = {placed(table(2, 600000, Combiner::Sum, false, Sharding::Row, 300), 400)};
    break;
  case 5: // a 2x2x4 mesh inside a 4x4x4 cube, twisted in the scaled pod
    shape = {2, 2, 4};
    own = 5;
    tables = {placed(table(2, 5000, Combiner::Sum, true, Sharding::Row, 16), 0),
              placed(table(2, 5000, Combiner::Mean, false, Sharding::Row, 3), 13)};
    break;
  }
  Workload w;
  w.batch = std::is_same_v<TestType, Big> ? 48 : 16;
  w.valence_max = 16;
  w.zipf = 1.05;
  w.tables = unsigned(tables.size());
  w.weights = true;
  w.empty_fraction = 0.05;
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_geometry(shape, cube, own, TestType::params().shard_entries, {1, 1, 7});
  const auto r = run<TestType>(which == 0 ? "slice" : "", tables, in, map, TestType::params().max_outstanding,
                               {20, 64, true, 0.1}, {40, 64, true, 0.1}, {0.1, 0.1}, seed);
  check(r, tables, in, TestType::params(), map, seed);
  CHECK(r.err == 0u);
  CHECK(r.stats[StRemoteReq] > 0);
  if (which == 3) CHECK(r.stats[StLocalReq] > 0); // the table-sharded table lives on this chip
}

TEST_CASE("sc_lookup: a slice-placed table past the slice, or without a geometry, is dropped and flagged",
          "[sc][slice]") {
  TableCfg t = table(2, 1000, Combiner::Sum, false, Sharding::Row, 64);
  t.placement = Placement::Slice;
  const bool geometry = GENERATE(true, false);
  INFO("geometry written: " << geometry);
  // 64 shards from position 1 need 65 chips: the 4x4x4 slice has 64
  t.base = geometry ? 1 : 0;
  const std::vector<TableCfg> tables = {t, table(1, 100)};
  auto map = slice_geometry({4, 4, 4}, {4, 4, 4}, 0, 256);
  if (!geometry) map.geo.reset();
  std::vector<Lookup> in = bags({{1, 2, 3}, {4}, {5, 6}});
  for (auto& l : bags({{7, 8}}, 1)) in.push_back({l.sample + 3, l.table, l.id, l.weight, l.last, l.empty, l.batch_end});
  ScLookupTb<Vsc_lookup> tb(Big::params(), phtpu::test_seed());
  tb.configure(tables, map, 8, false);
  const auto r = tb.run(in, phtpu::test_seed(), {4}, {6}, {});
  check(r, tables, in, Big::params(), map);
  CHECK(r.stats[StDropped] == 6);
  CHECK((r.err & 4u) == 4u);
  CHECK(r.stats[StLocalReq] == 2); // table 1's rows
  CHECK(r.stats[StRemoteReq] == 0);
}

TEST_CASE("sc_lookup: the slice check holds whichever of table word and geometry is written last", "[sc][slice]") {
  // 64 shards from position 1: they fit the 4x4x8 slice (128 chips), not the 4x4x4 one (64)
  TableCfg t = table(2, 1000, Combiner::Sum, false, Sharding::Row, 64);
  t.placement = Placement::Slice;
  t.base = 1;
  const std::vector<TableCfg> tables = {t};
  const auto small = slice_geometry({4, 4, 4}, {4, 4, 4}, 0, 256), big = slice_geometry({4, 4, 8}, {4, 4, 4}, 0, 256);
  const auto in = bags({{1, 2, 3}, {4}, {5, 6}});
  const bool grow = GENERATE(true, false);
  INFO((grow ? "4x4x4 then 4x4x8" : "4x4x8 then 4x4x4"));
  ScLookupTb<Vsc_lookup> tb(Big::params(), phtpu::test_seed());
  tb.configure(tables, grow ? small : big, 8, false);
  tb.write_geometry(grow ? big : small);
  const auto r = tb.run(in, phtpu::test_seed(), {4}, {6}, {});
  check(r, tables, in, Big::params(), grow ? big : small);
  CHECK(r.stats[StDropped] == (grow ? 0u : 6u));
  CHECK(r.stats[StRemoteReq] == (grow ? 6u : 0u));
  CHECK((r.err & 4u) == (grow ? 0u : 4u));
}

namespace {
/// A Verilated sc_lookup whose eval() also checks, before every rising edge, that an output stream
/// that was valid and not taken at the previous edge is still valid with the same payload.
template <class Base>
struct HoldChecked : Base {
  using Base::Base;
  struct Snap {
    bool ov = false, ordy = false, mv = false, mrdy = false, rv = false, rrdy = false;
    std::vector<std::uint64_t> o, mq, rq;
  };
  Snap prev;
  bool last_clk = true;
  std::vector<std::string> violations;
  std::uint64_t edges = 0, held_o = 0, held_mq = 0, held_rq = 0; // cycles the check applied
  Snap snap() {
    Snap s;
    s.ov = this->o_valid_o;
    s.ordy = this->o_ready_i;
    s.mv = this->mq_valid_o;
    s.mrdy = this->mq_ready_i;
    s.rv = this->rq_valid_o;
    s.rrdy = this->rq_ready_i;
    s.o = {this->o_sample_o, this->o_table_o, this->o_group_o, this->o_last_o};
    for (unsigned i = 0; i < 8; ++i) s.o.push_back(this->o_data_o[i]);
    s.mq = {this->mq_tag_o, this->mq_table_o, this->mq_row_o, this->mq_beat_o, this->mq_nbeats_o};
    s.rq = {this->rq_head_o, this->rq_tail_o};
    for (unsigned i = 0; i < 5; ++i) s.rq.push_back(this->rq_data_o[i]);
    return s;
  }
  void eval() {
    Base::eval();
    if (!this->clk_i && last_clk) { // Dut::tick's falling-edge eval: this cycle's outputs and inputs,
      const Snap s = snap();        // just before the rising edge that takes them
      auto bad = [&](const char* what) {
        if (violations.size() >= 10) return;
        std::string d = std::string(what) + " at edge " + std::to_string(edges) + ": valid " +
                        std::to_string(s.ov) + std::to_string(s.mv) + std::to_string(s.rv) + " was/now";
        const auto& a = what[0] == 'o' ? prev.o : what[0] == 'm' ? prev.mq : prev.rq;
        const auto& b = what[0] == 'o' ? s.o : what[0] == 'm' ? s.mq : s.rq;
        for (std::size_t i = 0; i < a.size(); ++i)
          if (a[i] != b[i]) d += " [" + std::to_string(i) + "] " + std::to_string(a[i]) + "/" + std::to_string(b[i]);
        violations.push_back(d);
      };
      held_o += prev.ov && !prev.ordy;
      held_mq += prev.mv && !prev.mrdy;
      held_rq += prev.rv && !prev.rrdy;
      if (prev.ov && !prev.ordy && (!s.ov || s.o != prev.o)) bad("o_* changed while valid and not taken");
      if (prev.mv && !prev.mrdy && (!s.mv || s.mq != prev.mq)) bad("mq_* changed while valid and not taken");
      if (prev.rv && !prev.rrdy && (!s.rv || s.rq != prev.rq)) bad("rq_* changed while valid and not taken");
      prev = s;
      ++edges;
    }
    last_clk = this->clk_i;
  }
};
} // namespace

TEMPLATE_TEST_CASE("sc_lookup: valid outputs hold while not taken", "[sc]", Big, Small) {
  using M = HoldChecked<typename TestType::Model>;
  const auto seed = phtpu::test_seed();
  const int run_idx = GENERATE(range(0, 3));
  std::mt19937_64 rng(seed + 7 * unsigned(run_idx));
  Workload w;
  w.batch = 40;
  w.valence_max = 15;
  w.tables = 2;
  w.weights = true;
  w.empty_fraction = 0.1;
  std::vector<TableCfg> tables = {table(3, 5000, Combiner(run_idx), run_idx == 1, Sharding::Row, 4),
                                  table(4, 500, Combiner::Sqrtn, true, Sharding::Column, 2)};
  tables[1].base = 1;
  const auto in = make_lookups(w, tables, rng);
  const auto map = slice_map(256, 1);
  ScLookupTb<M> tb(TestType::params(), seed);
  tb.configure(tables, map, 6);
  const auto r = tb.run(in, seed, {9, 4, true, 0.5}, {15, 4, true, 0.5}, {0.3, 0.6});
  check(r, tables, in, TestType::params(), map, seed);
  const auto& m = tb.dut().model();
  INFO("edges checked " << m.edges);
  for (const auto& v : m.violations) FAIL_CHECK(v);
  CHECK(m.edges > 100);
  CHECK(m.held_o > 0);
  CHECK(m.held_mq > 0);
  CHECK(m.held_rq > 0);
}
