// The collectives' definitions (sim/pod/collectives.hpp, check_definition) against the
// schedules, without RTL: every schedule's C++ reference run meets its definition, every
// mutant of a schedule (a transfer writing where another should, a lost step, an add turned
// into a write or back) fails it, and hand-computed results pass or fail as they should.
#include "collectives.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <random>
#include <string>
#include <vector>

using namespace phtpu;
using namespace phtpu::pod;

namespace {

const Collective kAll[] = {Collective::AllReduce,     Collective::AllReduceHier, Collective::ReduceScatter,
                           Collective::ReduceScatterHier, Collective::AllGather, Collective::AllGatherHier,
                           Collective::AllToAll,      Collective::Scatter,       Collective::Gather};

bool sums(Collective c) {
  return c == Collective::AllReduce || c == Collective::AllReduceHier || c == Collective::ReduceScatter ||
         c == Collective::ReduceScatterHier;
}
bool is_ring(Collective c) { return c != Collective::AllToAll && c != Collective::Scatter && c != Collective::Gather; }
/// Every algorithm of collective c.
std::vector<Algorithm> algorithms(Collective c) {
  if (c == Collective::AllReduceHier || c == Collective::ReduceScatterHier || c == Collective::AllGatherHier)
    return {Algorithm::Sequential};
  if (is_ring(c)) return {Algorithm::Concurrent, Algorithm::Logical, Algorithm::Sequential};
  if (c == Collective::AllToAll) return {Algorithm::Lanes, Algorithm::Translate, Algorithm::Relay};
  return {Algorithm::Lanes, Algorithm::Translate};
}

/// A pod of `racks` cubes of cube^3 chips with the given slices.
Plan plan_of(unsigned cube, unsigned racks, const std::vector<std::string>& slices) {
  PodSpec p;
  p.cube = cube;
  p.racks = racks;
  for (const std::string& s : slices) p.slices.push_back(parse_slice(s));
  return Plan(p);
}

/// Small slices of every kind: regular and twisted, 2x2x2 and 4x4x4 cubes, one cube and many.
std::vector<Plan> plans() {
  return {plan_of(2, 4, {"2x2x4", "2x2x4:twisted"}), plan_of(2, 8, {"4x4x4"}), plan_of(4, 1, {"4x4x4"}),
          plan_of(2, 8, {"2x4x4:twisted"})};
}

std::uint32_t random_fp32(std::mt19937_64& rng) {
  // normal numbers in +-[1/16, 16): far from overflow and from the flush threshold
  const std::uint32_t sign = static_cast<std::uint32_t>(rng() & 1u) << 31;
  const std::uint32_t exp = 127 - 4 + static_cast<std::uint32_t>(rng() % 8);
  return sign | (exp << 23) | static_cast<std::uint32_t>(rng() & 0x7FFFFFu);
}

/// One collective's layout: the buffer away from address 0 and a few spare words after it, so
/// that a stray write lands in words the definition says are unchanged.
struct Layout {
  std::uint32_t base = 0, words = 0, out = 0, size = 0;
};
Layout layout_of(Collective c, std::uint32_t words) {
  Layout l;
  l.base = 3;
  l.words = words;
  l.out = is_ring(c) ? 0 : l.base + words + 2;
  l.size = std::max(l.base, l.out) + words + 16;
  return l;
}

Memory random_memory(const std::vector<unsigned>& chips, std::uint32_t size, std::mt19937_64& rng) {
  Memory m;
  for (unsigned c : chips) {
    auto& w = m[c];
    w.resize(size);
    for (auto& word : w)
      for (auto& lane : word) lane = random_fp32(rng);
  }
  return m;
}

/// The definition's verdict on `sch` run by the C++ reference from `input`.
std::string verdict(const Plan& plan, unsigned s, const Layout& l, const Schedule& sch, const Memory& input) {
  bool inside = true; // a mutant's transfers stay in the memory too
  for (const auto& step : sch.steps)
    for (const Transfer& t : step) inside = inside && std::max(t.saddr, t.daddr) + t.words <= l.size;
  REQUIRE(inside);
  Memory m = input;
  run_reference(sch, m);
  return check_definition(sch.kind, plan, s, l.base, l.words, l.out, input, m, sch.algo);
}

/// Transfers i and k of a step move different data (another chip, or other words).
bool different_blocks(const Transfer& a, const Transfer& b) { return a.src != b.src || a.saddr != b.saddr; }

} // namespace

TEST_CASE("reduce-scatter ownership: hand-derived ranges, and every slice's chips partition the buffer",
          "[collectives][definition]") {
  // 2x2x4, words [0, 64): halves [0, 32) and [32, 64). Chip (0,0,0), first half: x part 1 of 2
  // -> [16, 32), y part 1 of 2 -> [24, 32), z part 1 of 4 -> [26, 28); second half: x part
  // (2-0)%2 = 0 -> [32, 48), y part 0 -> [32, 40), z part (4-0)%4 = 0 -> [32, 34).
  // Chip (1,0,3): first half x part 0 -> [0, 16), y part 1 -> [8, 16), z part 0 -> [8, 10);
  // second half x part 1 -> [48, 64), y part 0 -> [48, 56), z part 1 -> [50, 52).
  const Plan small = plan_of(2, 4, {"2x2x4", "2x2x4:twisted"});
  for (unsigned s = 0; s < 2; ++s) {
    const auto a = reduce_scatter_owned(small, small.chip_at(s, {0, 0, 0}), 0, 64, Algorithm::Sequential);
    REQUIRE(a.size() == 2);
    CHECK((a[0].lo == 26 && a[0].len == 2 && a[1].lo == 32 && a[1].len == 2));
    const auto b = reduce_scatter_owned(small, small.chip_at(s, {1, 0, 3}), 0, 64, Algorithm::Sequential);
    REQUIRE(b.size() == 2);
    CHECK((b[0].lo == 8 && b[0].len == 2 && b[1].lo == 50 && b[1].len == 2));
  }
  // Hierarchical, 2x2x4 of 2x2x2 cubes, words [0, 64): each half through the in-cube rings of
  // x, y, z (2 chips each, position the local coordinate), then the cross-cube ring of z (2
  // cubes; x and y have one cube: rings of 1 keep the whole range). Chip (1,0,3), local
  // (1,0,1), cube z 1: first half x part 0 -> [0,16), y part 1 -> [8,16), local z part 0 ->
  // [8,12), cube z part 0 -> [8,10); second half x part 1 -> [48,64), y part 0 -> [48,56),
  // local z part 1 -> [52,56), cube z part 1 -> [54,56). Chip (0,1,0): first half x part 1 ->
  // [16,32), y part 0 -> [16,24), z part 1 -> [20,24), cube z part 1 -> [22,24); second half
  // x part 0 -> [32,48), y part 1 -> [40,48), z part 0 -> [40,44), cube z part 0 -> [40,42).
  {
    const auto h = reduce_scatter_owned(small, small.chip_at(0, {1, 0, 3}), 0, 64, Algorithm::Sequential, true);
    REQUIRE(h.size() == 2);
    CHECK((h[0].lo == 8 && h[0].len == 2 && h[1].lo == 54 && h[1].len == 2));
    const auto k = reduce_scatter_owned(small, small.chip_at(0, {0, 1, 0}), 0, 64, Algorithm::Sequential, true);
    REQUIRE(k.size() == 2);
    CHECK((k[0].lo == 22 && k[0].len == 2 && k[1].lo == 40 && k[1].len == 2));
    CHECK_THROWS_AS(reduce_scatter_owned(small, small.chip_at(0, {0, 1, 0}), 0, 64, Algorithm::Concurrent, true),
                    PlanError);
  }
  // Concurrent, 2x2x4, words [0, 64): six parts [0,10) [10,21) [21,32) [32,42) [42,53) [53,64);
  // part p = 2r + dir crosses dimensions r, r+1, r+2 (mod 3), forward (dir 0) or backward.
  // Chip (0,0,0): p0 x part 1 -> [5,10), y part 1 -> [7,10), z part 1 of 4 -> [7,8);
  // p1 x part 0 -> [10,15), y part 0 -> [10,12), z part 0 of 4 -> [10,10) (empty);
  // p2 y part 1 -> [26,32), z part 1 -> [27,29), x part 1 -> [28,29);
  // p3 y part 0 -> [32,37), z part 0 -> [32,33), x part 0 -> [32,32);
  // p4 z part 1 -> [44,47), x part 1 -> [45,47), y part 1 -> [46,47);
  // p5 z part 0 -> [53,55), x part 0 -> [53,54), y part 0 -> [53,53).
  auto same = [](const std::vector<WordRange>& got, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t p = 0; p < want.size(); ++p) {
      CAPTURE(p);
      CHECK(got[p].lo == want[p].first);
      CHECK(got[p].len == want[p].second);
    }
  };
  same(reduce_scatter_owned(small, small.chip_at(0, {0, 0, 0}), 0, 64, Algorithm::Concurrent),
       {{7, 1}, {10, 0}, {28, 1}, {32, 0}, {46, 1}, {53, 0}});
  // Concurrent on the 2x2x4 twisted torus (x and y wraps land +2 along z), words [0, 96): six
  // parts of 16. The rings follow the links: along x, (0,0,0) (1,0,0) (0,0,2) (1,0,2) is one
  // ring of 4 (the x wrap lands on z+2); y then needs 2 steps to reach that ring again
  // (2 g_y = (0,0,2)), z 2 steps to reach the x-y rings' chips. A chip is a0 g0 + a1 g1 + a2 g2
  // with a < (4, 2, 2), g the part's dimensions in order:
  //   order x,y,z: (x, y, z) = (a0 % 2, a1, 2 (a0 / 2) + a2)
  //   order y,z,x: (x, y, z) = (a2, a0 % 2, 2 (a0 / 2) + a1)
  //   order z,x,y: (x, y, z) = (a1, a2, a0)
  // Chip (1,0,2): a = (3,0,0), (2,0,1), (2,1,0). A ring of m leaves position a owning part a+1
  // (forward) or m-a (backward):
  //   p0 [0,16): part 0 of 4 [0,4), part 1 of 2 [2,4), part 1 of 2 [3,4)
  //   p1 [16,32): part 1 of 4 [20,24), part 0 [20,22), part 0 [20,21)
  //   p2 [32,48): part 3 of 4 [44,48), part 1 [46,48), part 0 [46,47)
  //   p3 [48,64): part 2 of 4 [56,60), part 0 [56,58), part 1 [57,58)
  //   p4 [64,80): part 3 of 4 [76,80), part 0 [76,78), part 1 [77,78)
  //   p5 [80,96): part 2 of 4 [88,92), part 1 [90,92), part 0 [90,91)
  // The logical algorithm keeps the coordinate rings (here as on the regular 2x2x4).
  same(reduce_scatter_owned(small, small.chip_at(1, {1, 0, 2}), 0, 96, Algorithm::Concurrent),
       {{3, 1}, {20, 1}, {46, 1}, {57, 1}, {77, 1}, {90, 1}});
  {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> regular;
    for (const WordRange& r : reduce_scatter_owned(small, small.chip_at(0, {1, 0, 2}), 0, 96, Algorithm::Concurrent))
      regular.push_back({r.lo, r.len});
    same(reduce_scatter_owned(small, small.chip_at(1, {1, 0, 2}), 0, 96, Algorithm::Logical), regular);
  }
  for (const Plan& plan : plans())
    for (unsigned s = 0; s < plan.slices().size(); ++s)
      for (int hier = 0; hier < 2; ++hier)
      for (Algorithm algo : hier ? std::vector<Algorithm>{Algorithm::Sequential}
                                 : std::vector<Algorithm>{Algorithm::Concurrent, Algorithm::Logical, Algorithm::Sequential})
      for (std::uint32_t words : {1u, 5u, 64u, 131u, 1000u}) {
        CAPTURE(plan.slices()[s].spec.str(), algorithm_name(algo), hier, words);
        std::vector<unsigned> owners(words);
        for (unsigned chip : plan.slice_chips(s))
          for (const WordRange& r : reduce_scatter_owned(plan, chip, 7, words, algo, hier == 1)) {
            REQUIRE(r.lo >= 7);
            REQUIRE(r.lo + r.len <= 7 + words);
            for (std::uint32_t a = r.lo; a < r.lo + r.len; ++a) ++owners[a - 7];
          }
        CHECK(std::count(owners.begin(), owners.end(), 1u) == words); // every word exactly once
      }
}

TEST_CASE("every collective's schedule, run by the C++ reference, meets its definition", "[collectives][definition]") {
  const auto seed = test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  std::mt19937_64 rng(seed);
  for (const Plan& plan : plans())
    for (unsigned s = 0; s < plan.slices().size(); ++s)
      for (Collective c : kAll)
      for (Algorithm algo : algorithms(c)) {
        const unsigned n = static_cast<unsigned>(plan.slice_chips(s).size());
        // rings: a single word (most chunks empty), uneven chunks, even ones; blocks: 1 and 3 words
        const std::vector<std::uint32_t> sizes =
            is_ring(c) ? std::vector<std::uint32_t>{1, 7, 2 * n + 5, 6 * n} : std::vector<std::uint32_t>{n, 3 * n};
        for (std::uint32_t words : sizes) {
          CAPTURE(plan.slices()[s].spec.str(), collective_name(c), algorithm_name(algo), words);
          Layout l = layout_of(c, words);
          const Schedule sch = build_schedule(c, plan, s, l.base, l.words, l.out, algo);
          l.size = std::max(l.size, sch.extent + 16); // (the relay's forwarded blocks)
          const Memory input = random_memory(plan.slice_chips(s), l.size, rng);
          CHECK(verdict(plan, s, l, sch, input).empty());
        }
      }
}

TEST_CASE("every mutant of every collective's schedule fails its definition", "[collectives][definition]") {
  // Mutants: (a) two transfers of a step that move different blocks swap their destination
  // addresses, or (a') their destination chips; (b) one step is lost; (c) a ring transfer adds
  // where it should write or writes where it should add. The reference replays each mutant as
  // faithfully as the original, so only the definition can tell. (a') leaves out mutants that
  // need not be faults: in a sum, a partial sum sent to a chip of the wrong ring is still added
  // in when that chip shares the next dimension's ring with the right one (the result is
  // right), and in an all-gather two transfers of the same words by parallel rings of a later
  // phase carry the same data.
  const auto seed = test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  std::mt19937_64 rng(seed + 1);
  for (const Plan& plan : plans())
    for (unsigned s = 0; s < plan.slices().size(); ++s)
      for (Collective c : kAll)
      for (Algorithm algo : algorithms(c)) {
        const unsigned n = static_cast<unsigned>(plan.slice_chips(s).size());
        Layout l = layout_of(c, is_ring(c) ? (six_parts(algo) ? 6 * n + 5 : 2 * n + 5) : 2 * n);
        const Schedule sch = build_schedule(c, plan, s, l.base, l.words, l.out, algo);
        l.size = std::max(l.size, sch.extent + 16);
        const Memory input = random_memory(plan.slice_chips(s), l.size, rng);
        CAPTURE(plan.slices()[s].spec.str(), collective_name(c), algorithm_name(algo));
        REQUIRE(verdict(plan, s, l, sch, input).empty());
        unsigned swaps = 0, drops = 0, flips = 0;
        auto caught = [&](const Schedule& m, const std::string& what) {
          INFO("mutant: " << what);
          CHECK(!verdict(plan, s, l, m, input).empty());
        };
        std::size_t data_steps = 0;
        for (std::size_t st = 0; st < sch.steps.size(); ++st) {
          const auto& step = sch.steps[st];
          if (step.empty()) continue; // tokens only: no data (their own test below)
          ++data_steps;
          // (a), (a'): the first pair of the step that qualifies, and a few random ones
          std::vector<std::pair<std::size_t, std::size_t>> pairs;
          for (std::size_t k = 1; k < step.size() && pairs.empty(); ++k)
            if (different_blocks(step[0], step[k])) pairs.push_back({0, k});
          for (int r = 0; r < 3 && step.size() > 1; ++r) {
            const std::size_t i = rng() % step.size(), k = rng() % step.size();
            if (i != k && different_blocks(step[i], step[k])) pairs.push_back({i, k});
          }
          for (const auto& [i, k] : pairs) {
            if (step[i].daddr != step[k].daddr) {
              Schedule m = sch;
              std::swap(m.steps[st][i].daddr, m.steps[st][k].daddr);
              caught(m, fmt::format("step {}: transfers {} and {} swap destination addresses", st, i, k));
              ++swaps;
            }
            if (!sums(c) && step[i].dst != step[k].dst && step[i].saddr != step[k].saddr) {
              Schedule m = sch;
              std::swap(m.steps[st][i].dst, m.steps[st][k].dst);
              caught(m, fmt::format("step {}: transfers {} and {} swap destination chips", st, i, k));
              ++swaps;
            }
          }
          // (b)
          Schedule m = sch;
          m.steps.erase(m.steps.begin() + static_cast<std::ptrdiff_t>(st));
          caught(m, fmt::format("step {} lost", st));
          ++drops;
          // (c): the step's first transfer and a random one
          if (is_ring(c))
            for (std::size_t i : {std::size_t{0}, static_cast<std::size_t>(rng() % step.size())}) {
              Schedule f = sch;
              f.steps[st][i].add = !f.steps[st][i].add;
              caught(f, fmt::format("step {}: transfer {} {} instead", st, i, f.steps[st][i].add ? "adds" : "writes"));
              ++flips;
            }
        }
        CHECK(swaps > 0);
        CHECK(drops == data_steps);
        CHECK((flips > 0) == is_ring(c));
      }
}

TEST_CASE("hand-computed all-reduce: 16 chips of 1.0 give 16.0 on every chip, and only that",
          "[collectives][definition]") {
  const Plan plan = plan_of(2, 4, {"2x2x4", "2x2x4:twisted"});
  const std::vector<unsigned> chips = plan.slice_chips(0);
  REQUIRE(chips.size() == 16);
  const chip::Word one{0x3f800000u, 0x3f800000u, 0x3f800000u, 0x3f800000u}; // 1.0
  const chip::Word sixteen{0x41800000u, 0x41800000u, 0x41800000u, 0x41800000u}; // 16.0
  Memory in, out;
  for (unsigned c : chips) {
    in[c].assign(8, one);
    out[c].assign(8, sixteen);
  }
  for (Collective c : {Collective::AllReduce, Collective::AllReduceHier})
    CHECK(check_definition(c, plan, 0, 0, 8, 0, in, out).empty());
  // 15.0 on one chip: off by 1, far beyond the bound 15 * 2^-24 * 16
  Memory bad = out;
  bad[chips[5]][3][2] = 0x41700000u;
  CHECK(check_definition(Collective::AllReduce, plan, 0, 0, 8, 0, in, bad).find("lane 2") != std::string::npos);
  // 16.0 + 1 ulp (2^-19) on one chip: within the bound, but not the same bits as the others
  bad = out;
  bad[chips[9]][0][0] = 0x41800001u;
  CHECK(check_definition(Collective::AllReduce, plan, 0, 0, 8, 0, in, bad).find("same result") != std::string::npos);
  // on every chip, 16.0 + 1 ulp is a correctly bounded sum
  bad = out;
  for (unsigned c : chips) bad[c][0][0] = 0x41800001u;
  CHECK(check_definition(Collective::AllReduce, plan, 0, 0, 8, 0, in, bad).empty());
  // a NaN is never within a bound
  bad = out;
  for (unsigned c : chips) bad[c][1][1] = 0x7fc00000u;
  CHECK(!check_definition(Collective::AllReduce, plan, 0, 0, 8, 0, in, bad).empty());
  // reduce-scatter: 16.0 where a chip owns words, anything elsewhere (here: the inputs). With
  // 8 words on 16 chips most chips own nothing: chip (0,0,0) owns [2, 4) -> [3, 4) -> part 1
  // of 4 of one word, empty, in the first half, and [4, 6) -> [4, 5) -> part 0 of 4, empty.
  Memory partial = in;
  for (unsigned c : chips)
    for (const WordRange& r : reduce_scatter_owned(plan, c, 0, 8))
      for (std::uint32_t a = r.lo; a < r.lo + r.len; ++a) partial[c][a] = sixteen;
  CHECK(check_definition(Collective::ReduceScatter, plan, 0, 0, 8, 0, in, partial).empty());
}

TEST_CASE("hand-computed all-to-all, scatter and gather on the 8 chips of a 2x2x2 slice", "[collectives][definition]") {
  const Plan plan = plan_of(2, 1, {"2x2x2"});
  const std::vector<unsigned> c = plan.slice_chips(0);
  REQUIRE(c.size() == 8);
  // chip i's input block j (one word at address j) holds 0x10*i + j; outputs at 8..15
  Memory in;
  for (unsigned i = 0; i < 8; ++i) {
    in[c[i]].assign(16, chip::Word{0xEE, 0xEE, 0xEE, 0xEE}); // the output area, before
    for (unsigned j = 0; j < 8; ++j) in[c[i]][j] = {0x10 * i + j, 1, 2, 3};
  }
  // all-to-all: the transpose. Chip 2's output, written out by hand: every chip's block 2,
  // except its own (untouched).
  const chip::Word untouched{0xEE, 0xEE, 0xEE, 0xEE};
  const chip::Word chip2[8] = {{0x02, 1, 2, 3}, {0x12, 1, 2, 3}, untouched,       {0x32, 1, 2, 3},
                               {0x42, 1, 2, 3}, {0x52, 1, 2, 3}, {0x62, 1, 2, 3}, {0x72, 1, 2, 3}};
  Memory a2a = in;
  for (unsigned k = 0; k < 8; ++k) a2a[c[2]][8 + k] = chip2[k];
  for (unsigned j = 0; j < 8; ++j) // the other chips alike: block i of chip j's output is 0x10*i + j
    for (unsigned i = 0; i < 8; ++i)
      if (i != j && j != 2) a2a[c[j]][8 + i] = {0x10 * i + j, 1, 2, 3};
  CHECK(check_definition(Collective::AllToAll, plan, 0, 0, 8, 8, in, a2a) == "");
  Memory ref = in;
  run_reference(build_schedule(Collective::AllToAll, plan, 0, 0, 8, 8), ref);
  CHECK(ref == a2a);
  // the same, but chip 2's own block written with its own input: not allowed (untouched)
  Memory bad = a2a;
  bad[c[2]][8 + 2] = {0x22, 1, 2, 3};
  CHECK(check_definition(Collective::AllToAll, plan, 0, 0, 8, 8, in, bad).find("unchanged") != std::string::npos);
  // nothing moved: chip 0's block 1 of the output is still 0xEE, not chip 1's block 0 (0x10)
  CHECK(check_definition(Collective::AllToAll, plan, 0, 0, 8, 8, in, in).find("got 000000ee, expected 00000010") !=
        std::string::npos);
  // an input overwritten
  bad = a2a;
  bad[c[4]][5][3] = 0;
  CHECK(check_definition(Collective::AllToAll, plan, 0, 0, 8, 8, in, bad).find("word 5 lane 3") != std::string::npos);

  // scatter: chip j's output word 8 is chip 0's block j (0x00 + j); chip 0's stays 0xEE
  Memory sc = in;
  for (unsigned j = 1; j < 8; ++j) sc[c[j]][8] = {j, 1, 2, 3};
  CHECK(check_definition(Collective::Scatter, plan, 0, 0, 8, 8, in, sc) == "");
  sc[c[0]][8] = {0, 1, 2, 3};
  CHECK(!check_definition(Collective::Scatter, plan, 0, 0, 8, 8, in, sc).empty());
  // gather: chip 0's output block i is chip i's word 0 (0x10*i); its own block stays 0xEE
  Memory ga = in;
  for (unsigned i = 1; i < 8; ++i) ga[c[0]][8 + i] = {0x10 * i, 1, 2, 3};
  CHECK(check_definition(Collective::Gather, plan, 0, 0, 8, 8, in, ga) == "");
  ga[c[3]][9] = {0x10, 1, 2, 3}; // only chip 0 receives anything
  CHECK(!check_definition(Collective::Gather, plan, 0, 0, 8, 8, in, ga).empty());
}

TEST_CASE("the definition refuses arguments no schedule runs", "[collectives][definition]") {
  const Plan plan = plan_of(2, 1, {"2x2x2"});
  Memory m;
  for (unsigned c : plan.slice_chips(0)) m[c].assign(16, chip::Word{});
  CHECK_THROWS_AS(check_definition(Collective::AllToAll, plan, 0, 0, 7, 8, m, m), PlanError); // 7 words, 8 chips
  CHECK_THROWS_AS(check_definition(Collective::AllReduce, plan, 1, 0, 8, 0, m, m), PlanError); // no slice 2
  CHECK_THROWS_AS(check_definition(Collective::AllReduce, plan, 0, 0, 17, 0, m, m), PlanError); // beyond memory
  Memory less = m;
  less.erase(plan.slice_chips(0)[3]);
  CHECK_THROWS_AS(check_definition(Collective::AllGather, plan, 0, 0, 8, 0, m, less), PlanError);
}

TEST_CASE("the concurrent all-reduce drives all six links of every chip in every step, all-to-all lanes follow the "
          "first hop",
          "[collectives][lanes]") {
  // 4x4x4 torus of 2x2x2 cubes: every ring has 4 chips, so every phase has 3 steps and every
  // step has each of the six parts on every chip. A transfer on lane l = 2d + dir goes to the
  // chip one step along dimension d, + (dir 0) or - (dir 1), wrapping: a hand-written neighbour.
  const Plan plan = plan_of(2, 8, {"4x4x4"});
  const Schedule sch = build_schedule(Collective::AllReduce, plan, 0, 0, 6 * 64 * 4, 0, Algorithm::Concurrent);
  REQUIRE(sch.steps.size() == 20); // 3 phases x 3 steps, reduce-scatter then all-gather, 2 token steps
  for (std::size_t st = 0; st < sch.steps.size(); ++st) {
    if (st == 3 || st == 7) continue; // the token steps (below)
    std::map<unsigned, std::set<unsigned>> lanes; // chip -> lanes it sends on in this step
    for (const Transfer& t : sch.steps[st]) {
      CAPTURE(st, t.src, t.dst, t.lane);
      CHECK(t.sem == t.lane);
      CHECK(lanes[t.src].insert(t.lane).second); // one transfer per lane and chip
      Vec3 want = plan.site(t.src).global;
      const unsigned d = t.lane / 2;
      want[d] = (want[d] + (t.lane % 2 ? 3 : 1)) % 4;
      CHECK(plan.site(t.dst).global == want);
    }
    CHECK(lanes.size() == 64);
    for (const auto& [chip, l] : lanes) CHECK(l.size() == 6);
  }
  // Between reduce-scatter phases (after steps 0-2 and 4-6) a step of tokens alone: every chip
  // tells the predecessor of each part's next ring (one step back along dimension d of link
  // 2d + dir) that it is done, on the lane towards it, in class kTokenSem + 2d + dir.
  REQUIRE(sch.tokens.size() == sch.steps.size());
  for (std::size_t st = 0; st < sch.steps.size(); ++st) {
    CAPTURE(st);
    const bool token_step = st == 3 || st == 7;
    CHECK(sch.steps[st].empty() == token_step);
    CHECK(sch.tokens[st].size() == (token_step ? 64u * 6 : 0u));
    for (const Transfer& t : sch.tokens[st]) {
      const unsigned link = t.sem - kTokenSem, d = link / 2;
      CHECK(t.lane == (link ^ 1u)); // the opposite direction
      CHECK((t.words == 1 && t.daddr == kTokenAddr && !t.add));
      Vec3 want = plan.site(t.src).global;
      want[d] = (want[d] + (link % 2 ? 1 : 3)) % 4; // the predecessor in the ring of that link
      CHECK(plan.site(t.dst).global == want);
    }
  }
  // The sequential one: lane 0 only.
  const Schedule seq = build_schedule(Collective::AllReduce, plan, 0, 0, 256, 0, Algorithm::Sequential);
  for (const auto& step : seq.steps)
    for (const Transfer& t : step) CHECK(t.lane == 0);
  // All-to-all on the 4x4x4 torus, from chip (0,0,0): the routers go x, then y, then z along
  // the minimal offset (a tie of +2 and -2 goes +): to (1,0,0) +x (lane 0), to (3,0,0) -x
  // (lane 1), to (2,3,1) +x (lane 0), to (0,2,1) +y (lane 2), to (0,3,0) -y (lane 3), to
  // (0,0,3) -z (lane 5). Translate: lane 0 for all.
  auto lane_of = [&](Algorithm a, Vec3 to) {
    const unsigned f = plan.chip_at(0, {0, 0, 0}), t = plan.chip_at(0, to);
    const Schedule sch = build_schedule(Collective::AllToAll, plan, 0, 0, 64, 64, a);
    for (const Transfer& x : sch.steps.at(0))
      if (x.src == f && x.dst == t) return x.lane;
    FAIL("no transfer");
    return 99u;
  };
  CHECK(lane_of(Algorithm::Lanes, {1, 0, 0}) == 0);
  CHECK(lane_of(Algorithm::Lanes, {3, 0, 0}) == 1);
  CHECK(lane_of(Algorithm::Lanes, {2, 3, 1}) == 0);
  CHECK(lane_of(Algorithm::Lanes, {0, 2, 1}) == 2);
  CHECK(lane_of(Algorithm::Lanes, {0, 3, 0}) == 3);
  CHECK(lane_of(Algorithm::Lanes, {0, 0, 3}) == 5);
  CHECK(lane_of(Algorithm::Translate, {0, 0, 3}) == 0);
  const Plan cube = plan_of(2, 1, {"2x2x2"});
  // Algorithms a collective does not have are refused.
  CHECK_THROWS_AS(build_schedule(Collective::AllToAll, cube, 0, 0, 8, 8, Algorithm::Concurrent), PlanError);
  CHECK_THROWS_AS(build_schedule(Collective::AllReduceHier, cube, 0, 0, 8, 0, Algorithm::Concurrent), PlanError);
  CHECK_THROWS_AS(build_schedule(Collective::AllReduce, cube, 0, 0, 8, 0, Algorithm::Lanes), PlanError);
}

TEST_CASE("on a twisted torus the concurrent rings follow the links, the logical ones do not",
          "[collectives][lanes]") {
  // 4x4x8 twisted (the x and y wraps land +4 along z): every part's first ring is the whole
  // cycle of its link (8 chips along x or y through the twisted wrap, 8 along z), so every
  // transfer of the first reduce-scatter phase crosses exactly the link of its lane: chip p to
  // p's neighbour through port `lane` (coords/topology.hpp). Logical rings are the coordinate
  // lines: the wrap hop of an x or y ring, (3,y,z) -> (0,y,z), is no link.
  const Plan plan = plan_of(4, 2, {"4x4x8:twisted"});
  const net::Topology& t = plan.slices()[0].topo;
  REQUIRE(t.twist() == net::Twist::NN2N);
  for (Algorithm a : {Algorithm::Concurrent, Algorithm::Logical}) {
    const Schedule sch = build_schedule(Collective::ReduceScatter, plan, 0, 0, 6 * 128 * 8, 0, a);
    std::size_t first = 0, off_link = 0;
    for (std::size_t st = 0; st < sch.steps.size() && !sch.steps[st].empty(); ++st) // up to the first token step
      for (const Transfer& x : sch.steps[st]) {
        ++first;
        const auto to = t.neighbor(plan.site(x.src).global, static_cast<net::Port>(x.lane));
        off_link += !(to && *to == plan.site(x.dst).global);
      }
    CAPTURE(algorithm_name(a));
    // first phase: concurrent, six parts of 7 steps (rings of 8) on all 128 chips; logical, the
    // x- and y-first parts 3 steps (rings of 4), the z-first ones 7
    CHECK(first == (a == Algorithm::Concurrent ? 6u * 7 * 128 : 4u * 3 * 128 + 2u * 7 * 128));
    // logical: in each of those 3 steps, the wrap hop of each of the 32 rings of each of the 4
    // parts is no link
    CHECK(off_link == (a == Algorithm::Concurrent ? 0u : 4u * 3 * 32));
  }
}
