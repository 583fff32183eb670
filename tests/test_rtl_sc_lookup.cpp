// sc_lookup (rtl/sparsecore/) against the golden embedding-bag model, the double-precision
// reference and the counters predicted from the rules (tb/sc_model.hpp), at the default
// parameters ("big") and a small configuration whose slot ring, dedup sets and queues fill
// ("small"): duplicates, empty and single-id bags, maximum valence, all-remote, memory latency 1
// and 500, backpressure on every port, every combiner / data type / sharding mode, dropped
// lookups, bad response packets, the outstanding limit, the timing contract (peak rate, first
// output, latency hiding) and randomized Zipf traffic over a million-row vocabulary.
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
           const SliceMap& map, std::uint64_t seed = phtpu::test_seed()) {
  for (const auto& e : r.errors) FAIL_CHECK(e);
  REQUIRE(r.errors.empty());
  const auto bins = bags_of(in, tables);
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
      if (!(err <= d.bound[e])) FAIL(fmt::format("bag {} element {}: |{} - {}| > bound {}", b, e, f32(x), d.v[e], d.bound[e]));
    }
  }
  const Predicted q = predict_counts(in, tables, p.slots, p.hash_sets, p.hash_ways, map.view(p.shard_entries));
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

TEST_CASE("sc_lookup: a response packet of the wrong type is dropped and flagged", "[sc]") {
  const std::vector<TableCfg> tables = {table(2, 1000, Combiner::Sum, false, Sharding::Row, 2)};
  const auto in = bags({{1, 2, 3}, {4, 5}});
  const auto map = slice_map(256, 0);
  MemCfg rem{5};
  rem.inject_bad = true;
  const auto r = run<Big>("badresp", tables, in, map, 8, {2}, rem);
  check(r, tables, in, Big::params(), map);
  CHECK((r.err & 2u) == 2u);
  CHECK((r.err & 1u) == 0u);
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
