// Collective schedules, their C++ reference and their submission (collectives.hpp).
#include "collectives.hpp"

#include "mxu_fp.hpp"
#include "pod.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

namespace phtpu::pod {



std::size_t Schedule::transfers() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.size();
  return n;
}


namespace {

using Line = std::vector<unsigned>;       // chips of one ring, in ring order
using Phase = std::vector<Line>;          // disjoint rings that run together
using Steps = std::vector<std::vector<Transfer>>;

/// Rings along dimension d. kind 0: whole slice (global coordinate d); 1: inside each cube
/// (local coordinate); 2: across cubes (cube coordinate, same local position).
Phase lines(const Plan& plan, unsigned s, int d, int kind) {
  const unsigned c = plan.cube();
  std::map<std::array<unsigned, 4>, std::map<unsigned, unsigned>> groups;
  for (unsigned chip : plan.slice_chips(s)) {
    const Vec3 g = plan.site(chip).global;
    const int a = d == 0 ? 1 : 0, b = d == 2 ? 1 : 2;
    std::array<unsigned, 4> key{};
    unsigned pos = 0;
    if (kind == 0) {
      key = {g[a], g[b], 0, 0};
      pos = g[d];
    } else if (kind == 1) {
      key = {g.x / c + 1000 * (g.y / c) + 1000000 * (g.z / c), g[a] % c, g[b] % c, 0};
      pos = g[d] % c;
    } else {
      key = {g.x % c + c * (g.y % c + c * (g.z % c)), g[a] / c, g[b] / c, 0};
      pos = g[d] / c;
    }
    groups[key][pos] = chip;
  }
  Phase out;
  for (auto& [k, m] : groups) {
    Line l;
    for (auto& [p, chip] : m) l.push_back(chip);
    out.push_back(l);
  }
  return out;
}

struct Range {
  std::uint32_t lo = 0, len = 0;
  Range chunk(unsigned j, unsigned n) const {
    const std::uint64_t a = std::uint64_t(len) * j / n, b = std::uint64_t(len) * (j + 1) / n;
    return {lo + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b - a)};
  }
};

/// One half of the buffer going round its rings: reduce-scatter phases, then all-gather phases
/// in reverse order. Returns the steps of each (rs[k], ag[k]).
struct HalfSteps {
  std::vector<Steps> rs, ag;
};
HalfSteps ring_half(const std::vector<Phase>& phases, Range whole, bool reverse, unsigned sem_base,
                    const std::vector<unsigned>& chips) {
  std::map<unsigned, Range> owned;
  for (unsigned c : chips) owned[c] = whole;
  HalfSteps out;
  std::vector<std::vector<std::pair<Line, Range>>> saved;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const unsigned sem = sem_base + static_cast<unsigned>(k);
    Steps steps;
    std::vector<std::pair<Line, Range>> rings;
    for (Line l : phases[k]) {
      if (reverse) std::reverse(l.begin(), l.end());
      const unsigned n = static_cast<unsigned>(l.size());
      const Range r = owned.at(l[0]);
      rings.push_back({l, r});
      if (n < 2) continue;
      if (steps.size() < n - 1) steps.resize(n - 1);
      for (unsigned st = 0; st + 1 < n; ++st)
        for (unsigned i = 0; i < n; ++i) {
          const Range ch = r.chunk((i + n - st % n) % n, n);
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.lo, ch.len, true, sem});
        }
      for (unsigned i = 0; i < n; ++i) owned[l[i]] = r.chunk((i + 1) % n, n);
    }
    out.rs.push_back(steps);
    saved.push_back(rings);
  }
  for (std::size_t k = phases.size(); k-- > 0;) {
    const unsigned sem = sem_base + static_cast<unsigned>(k);
    Steps steps;
    for (const auto& [l, r] : saved[k]) {
      const unsigned n = static_cast<unsigned>(l.size());
      if (n < 2) continue;
      if (steps.size() < n - 1) steps.resize(n - 1);
      for (unsigned st = 0; st + 1 < n; ++st)
        for (unsigned i = 0; i < n; ++i) {
          const Range ch = r.chunk((i + 1 + n - st % n) % n, n);
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.lo, ch.len, false, sem});
        }
    }
    out.ag.push_back(steps);
  }
  return out;
}

void append_merged(Steps& out, const Steps& a, const Steps& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::vector<Transfer> st;
    if (i < a.size()) st.insert(st.end(), a[i].begin(), a[i].end());
    if (i < b.size()) st.insert(st.end(), b[i].begin(), b[i].end());
    if (!st.empty()) out.push_back(std::move(st));
  }
}

} // namespace

Schedule build_schedule(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                        std::uint32_t out) {
  if (s >= plan.slices().size()) throw PlanError(fmt::format("no slice {} (the pod has {})", s + 1, plan.slices().size()));
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned n = static_cast<unsigned>(chips.size());
  if (words == 0) throw PlanError("a collective needs at least one 16-byte word per chip");
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  const std::uint32_t need = blocks ? std::max(base, out) + words : base + words;
  if (need > kMemWords || (blocks && (base < out ? base + words > out : out + words > base)))
    throw PlanError(fmt::format("{} words per chip do not fit the chip's {}-word memory", words, kMemWords));
  Schedule sch;
  sch.kind = c;
  sch.slice = s;
  sch.words = words;
  if (blocks) {
    if (words % n) throw PlanError(fmt::format("{} needs a multiple of {} words (one block per chip)", collective_name(c), n));
    const std::uint32_t b = words / n;
    std::vector<Transfer> st;
    // All-to-all: chip p sends its k-th block to p + position(k) in the topology's group
    // (net::Topology::translate), k = 1 .. n-1: at every moment the chips' transfers form one
    // translation, which loads every link of a direction alike (the analytic model's all-to-all,
    // sim/model/collective_model.hpp). Sending in block order instead (every chip to chip 0
    // first, then chip 1, ...) makes a moving hot spot; the model exposed it.
    const net::Topology& topo = plan.slices()[s].topo;
    for (unsigned i = 0; i < n; ++i)
      for (unsigned k = 0; k < n; ++k) {
        const unsigned j = c == Collective::AllToAll ? topo.index(topo.translate(topo.position(i), topo.position(k))) : k;
        if (i == j) continue;
        if (c == Collective::AllToAll) st.push_back({chips[i], chips[j], base + j * b, out + i * b, b, false, 0});
        else if (c == Collective::Scatter && i == 0) st.push_back({chips[0], chips[j], base + j * b, out, b, false, 0});
        else if (c == Collective::Gather && j == 0) st.push_back({chips[i], chips[0], base, out + i * b, b, false, 0});
      }
    sch.steps.push_back(st);
    return sch;
  }
  std::vector<Phase> phases;
  if (c == Collective::AllReduceHier) {
    for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 1));
    for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 2));
  } else {
    for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 0));
  }
  const Range whole{base, words};
  const Range ha = whole.chunk(0, 2), hb = whole.chunk(1, 2);
  const HalfSteps a = ring_half(phases, ha, false, 0, chips);
  const HalfSteps b = ring_half(phases, hb, true, chip::kNumSems / 2, chips);
  if (c != Collective::AllGather)
    for (std::size_t k = 0; k < a.rs.size(); ++k) append_merged(sch.steps, a.rs[k], b.rs[k]);
  // (hierarchical: the all-gather phases run in reverse, so the cross-cube rings finish their
  // all-reduce of the owned chunk before the in-cube all-gather)
  if (c != Collective::ReduceScatter)
    for (std::size_t k = 0; k < a.ag.size(); ++k) append_merged(sch.steps, a.ag[k], b.ag[k]);
  return sch;
}

void run_reference(const Schedule& sch, Memory& mem) {
  for (const auto& step : sch.steps) {
    std::vector<std::vector<chip::Word>> data;
    for (const Transfer& t : step) {
      const auto& src = mem.at(t.src);
      data.emplace_back(src.begin() + t.saddr, src.begin() + t.saddr + t.words);
    }
    for (std::size_t i = 0; i < step.size(); ++i) {
      const Transfer& t = step[i];
      auto& dst = mem.at(t.dst);
      for (std::uint32_t w = 0; w < t.words; ++w) {
        chip::Word& d = dst[t.daddr + w];
        if (t.add)
          for (unsigned l = 0; l < 4; ++l) d[l] = mxu::fp32_add(d[l], data[i][w][l]);
        else
          d = data[i][w];
      }
    }
  }
}

void submit(Pod& pod, const Schedule& sch) {
  // per chip: the words it expects per class before each step, from the current counters
  std::set<unsigned> chips;
  for (const auto& st : sch.steps)
    for (const Transfer& t : st) {
      chips.insert(t.src);
      chips.insert(t.dst);
    }
  std::map<unsigned, std::map<unsigned, std::uint32_t>> expect; // chip -> stat -> count so far
  for (unsigned c : chips)
    for (unsigned k = chip::StSem; k < chip::kNumStats; ++k) expect[c][k] = pod.stat(c, k);
  std::map<unsigned, std::map<unsigned, std::uint32_t>> issued = expect; // what the waits already cover
  for (const auto& st : sch.steps) {
    for (unsigned c : chips) {
      bool sends = false;
      for (const Transfer& t : st) sends = sends || t.src == c;
      if (!sends) continue;
      for (auto& [k, v] : expect[c])
        if (v != issued[c][k]) {
          pod.wait_stat(c, k, v);
          issued[c][k] = v;
        }
      for (const Transfer& t : st)
        if (t.src == c) pod.dma(c, t.dst, t.add ? chip::DmaAdd : chip::DmaWrite, t.sem, t.saddr, t.daddr, t.words);
    }
    for (const Transfer& t : st) expect[t.dst][chip::sem_stat(t.add, t.sem)] += t.words;
  }
  for (unsigned c : chips)
    for (auto& [k, v] : expect[c])
      if (v != issued[c][k]) pod.wait_stat(c, k, v);
}

} // namespace phtpu::pod
