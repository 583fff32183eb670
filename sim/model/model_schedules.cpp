// The pod's collective schedules for the model (model_schedules.hpp).
#include "model_schedules.hpp"

#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

namespace phtpu::model {

Algorithm resolve_algorithm(Collective c, Algorithm a, unsigned send_lanes) {
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  if (a == Algorithm::Default && send_lanes <= 1) return blocks ? Algorithm::Translate : Algorithm::Sequential;
  return phtpu::resolve_algorithm(c, a);
}

std::size_t ModelSchedule::transfers() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.size();
  return n;
}

namespace {

using Line = std::vector<unsigned>;
using Phase = std::vector<Line>;
using Steps = std::vector<std::vector<ModelTransfer>>;

/// The rings along dimension d: chips that share the other two coordinates, in coordinate order.
Phase lines(const net::Topology& t, int d) {
  std::map<std::pair<unsigned, unsigned>, std::map<unsigned, unsigned>> groups;
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const phext::Vec3 g = t.position(i);
    const int a = d == 0 ? 1 : 0, b = d == 2 ? 1 : 2;
    groups[{g[a], g[b]}][g[d]] = i;
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
  Range chunk(unsigned j, unsigned n) const { // balanced: [lo + len*j/n, lo + len*(j+1)/n)
    const std::uint64_t a = std::uint64_t(len) * j / n, b = std::uint64_t(len) * (j + 1) / n;
    return {lo + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b - a)};
  }
};

struct HalfSteps {
  std::vector<Steps> rs, ag;
};

/// One part of the buffer round its rings: reduce-scatter phases, then all-gather phases in the
/// reverse order (sim/pod/collectives.cpp, ring_half).
HalfSteps ring_part(const std::vector<Phase>& phases, Range whole, bool reverse, const std::vector<unsigned>& sems,
                    const std::vector<unsigned>& lanes, unsigned nodes) {
  std::vector<Range> owned(nodes, whole);
  HalfSteps out;
  std::vector<std::vector<std::pair<Line, Range>>> saved;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    Steps steps;
    std::vector<std::pair<Line, Range>> rings;
    for (Line l : phases[k]) {
      if (reverse) std::reverse(l.begin(), l.end());
      const unsigned n = static_cast<unsigned>(l.size());
      const Range r = owned[l[0]];
      rings.push_back({l, r});
      if (n < 2) continue;
      if (steps.size() < n - 1) steps.resize(n - 1);
      for (unsigned st = 0; st + 1 < n; ++st)
        for (unsigned i = 0; i < n; ++i) {
          const Range ch = r.chunk((i + n - st % n) % n, n);
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.len, true, sems[k], lanes[k]});
        }
      for (unsigned i = 0; i < n; ++i) owned[l[i]] = r.chunk((i + 1) % n, n);
    }
    out.rs.push_back(steps);
    saved.push_back(rings);
  }
  for (std::size_t k = phases.size(); k-- > 0;) {
    Steps steps;
    for (const auto& [l, r] : saved[k]) {
      const unsigned n = static_cast<unsigned>(l.size());
      if (n < 2) continue;
      if (steps.size() < n - 1) steps.resize(n - 1);
      for (unsigned st = 0; st + 1 < n; ++st)
        for (unsigned i = 0; i < n; ++i) {
          const Range ch = r.chunk((i + 1 + n - st % n) % n, n);
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.len, false, sems[k], lanes[k]});
        }
    }
    out.ag.push_back(steps);
  }
  return out;
}

/// Step i of the result is step i of every part (lock step inside a phase).
void append_merged(Steps& out, const std::vector<const Steps*>& parts) {
  std::size_t n = 0;
  for (const Steps* p : parts) n = std::max(n, p->size());
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<ModelTransfer> st;
    for (const Steps* p : parts)
      if (i < p->size()) st.insert(st.end(), (*p)[i].begin(), (*p)[i].end());
    if (!st.empty()) out.push_back(std::move(st));
  }
}

/// The port of a transfer's first hop (x, then y, then z along the minimal offset).
unsigned first_hop_port(const net::Topology& t, unsigned a, unsigned b) {
  const net::Offset o = net::minimal_offset(t, t.position(a), t.position(b));
  for (int d = 0; d < 3; ++d)
    if (o[d] != 0) return static_cast<unsigned>(2 * d + (o[d] < 0 ? 1 : 0));
  return 0;
}

constexpr unsigned kHalfSems = 8;      // the sequential second half's classes start here
constexpr unsigned kTokenSem = 6;      // the concurrent tokens' classes: 6 + the ring's link
constexpr std::uint32_t kTokenWord = 16383;

} // namespace

std::vector<ModelTransfer> alltoall_order(const net::Topology& t, unsigned chip, Algorithm a) {
  const unsigned n = t.nodes();
  const bool lanes = a == Algorithm::Lanes;
  std::array<std::vector<ModelTransfer>, 6> by_lane;
  for (unsigned k = 0; k < n; ++k) {
    const unsigned j = t.index(t.translate(t.position(chip), t.position(k)));
    if (chip == j) continue;
    by_lane[lanes ? first_hop_port(t, chip, j) : 0].push_back({chip, j, 0, 1, false, 0, lanes ? first_hop_port(t, chip, j) : 0});
  }
  // lanes: issued round-robin over the lanes, in offset order within a lane
  std::vector<ModelTransfer> out;
  for (std::size_t r = 0, left = 1; left; ++r) {
    left = 0;
    for (auto& l : by_lane)
      if (r < l.size()) {
        out.push_back(l[r]);
        left += r + 1 < l.size();
      }
  }
  return out;
}

ModelSchedule build_model_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words) {
  ModelSchedule s;
  s.algorithm = a;
  const unsigned n = t.nodes();
  if (n < 2 || words == 0) return s;
  if (c == Collective::AllToAll) {
    if (words % n)
      throw std::invalid_argument(fmt::format("alltoall needs a multiple of {} words (one block per chip), not {}", n, words));
    const std::uint32_t b = words / n;
    std::vector<ModelTransfer> st;
    for (unsigned i = 0; i < n; ++i)
      for (ModelTransfer x : alltoall_order(t, i, a)) {
        x.lo = x.dst * b;
        x.words = b;
        st.push_back(x);
      }
    s.steps.push_back(std::move(st));
    return s;
  }
  if (c != Collective::AllReduce && c != Collective::ReduceScatter && c != Collective::AllGather)
    throw std::invalid_argument("the model does not cover " + collective_name(c));
  const Range whole{0, words};
  std::array<Phase, 3> dim_lines;
  for (int d = 0; d < 3; ++d) dim_lines[d] = lines(t, d);
  std::vector<HalfSteps> parts;
  if (a == Algorithm::Concurrent) {
    for (unsigned p = 0; p < 6; ++p) {
      const unsigned r = p / 2, dir = p % 2;
      std::vector<Phase> phases;
      std::vector<unsigned> sems;
      for (unsigned k = 0; k < 3; ++k) {
        const unsigned d = (r + k) % 3;
        phases.push_back(dim_lines[d]);
        sems.push_back(2 * d + dir);
      }
      parts.push_back(ring_part(phases, whole.chunk(p, 6), dir == 1, sems, sems, n));
    }
  } else {
    const std::vector<Phase> phases(dim_lines.begin(), dim_lines.end());
    const std::vector<unsigned> lane0(3, 0);
    parts.push_back(ring_part(phases, whole.chunk(0, 2), false, {0, 1, 2}, lane0, n));
    parts.push_back(ring_part(phases, whole.chunk(1, 2), true, {kHalfSems, kHalfSems + 1, kHalfSems + 2}, lane0, n));
  }
  auto merge = [&](std::vector<Steps> HalfSteps::*which, std::size_t k) {
    std::vector<const Steps*> ps;
    for (const HalfSteps& h : parts) ps.push_back(&(h.*which)[k]);
    append_merged(s.steps, ps);
  };
  if (c != Collective::AllGather)
    for (std::size_t k = 0; k < parts[0].rs.size(); ++k) {
      // concurrent: between reduce-scatter phases every chip sends its new ring predecessor a
      // one-word token ("done"), a step of its own (the pod's handshake against overlapping adds)
      if (a == Algorithm::Concurrent && k > 0) {
        std::vector<ModelTransfer> tok;
        for (unsigned p = 0; p < 6; ++p) {
          const unsigned d = (p / 2 + static_cast<unsigned>(k)) % 3, dir = p % 2;
          for (Line l : dim_lines[d]) {
            if (dir) std::reverse(l.begin(), l.end());
            const std::size_t m = l.size();
            if (m < 2) continue;
            for (std::size_t i = 0; i < m; ++i)
              tok.push_back({l[i], l[(i + m - 1) % m], kTokenWord, 1, false, kTokenSem + 2 * d + dir, 2 * d + (1 - dir), true});
          }
        }
        s.steps.push_back(std::move(tok));
      }
      merge(&HalfSteps::rs, k);
    }
  if (c != Collective::ReduceScatter)
    for (std::size_t k = 0; k < parts[0].ag.size(); ++k) merge(&HalfSteps::ag, k);
  return s;
}

std::vector<std::vector<SimOp>> host_programs(const ModelSchedule& s, unsigned nodes, unsigned send_lanes) {
  // a counter per (add, class): 32 per chip (network_sim counts words per counter)
  auto counter = [](const ModelTransfer& t) { return (t.add ? 16u : 0u) + t.sem; };
  struct Received {
    unsigned k;                   // counter
    std::uint32_t after, lo, hi;  // its count once this transfer is in; the words it wrote
    unsigned from;
    bool token;
  };
  const bool relaxed = s.algorithm == Algorithm::Concurrent;
  std::vector<std::vector<SimOp>> prog(nodes);
  std::vector<std::array<std::uint32_t, 32>> expect(nodes), issued(nodes);
  for (auto& e : expect) e.fill(0);
  for (auto& e : issued) e.fill(0);
  std::vector<std::vector<Received>> received(relaxed ? nodes : 0);
  auto wait_all = [&](unsigned chip) {
    for (unsigned k = 0; k < 32; ++k)
      if (expect[chip][k] != issued[chip][k]) {
        prog[chip].push_back(SimOp::wait(k, expect[chip][k]));
        issued[chip][k] = expect[chip][k];
      }
  };
  for (const auto& st : s.steps) {
    std::map<unsigned, std::vector<const ModelTransfer*>> by_src;
    for (const ModelTransfer& t : st) by_src[t.src].push_back(&t);
    for (const auto& [chip, sends] : by_src) {
      if (!relaxed) wait_all(chip);
      for (const ModelTransfer* t : sends) {
        if (relaxed) {
          if (t->token) {
            wait_all(chip);
          } else {
            std::array<std::uint32_t, 32> need{};
            for (const Received& r : received[chip])
              if (r.token ? r.from == t->dst : r.lo < t->lo + t->words && t->lo < r.hi) need[r.k] = std::max(need[r.k], r.after);
            for (unsigned k = 0; k < 32; ++k)
              if (need[k] > issued[chip][k]) {
                prog[chip].push_back(SimOp::wait(k, need[k]));
                issued[chip][k] = need[k];
              }
          }
        }
        prog[chip].push_back(SimOp::job(t->dst, t->words, t->lane % send_lanes, counter(*t)));
      }
    }
    for (const ModelTransfer& t : st) {
      const unsigned k = counter(t);
      expect[t.dst][k] += t.words;
      if (relaxed) received[t.dst].push_back({k, expect[t.dst][k], t.lo, t.lo + t.words, t.src, t.token});
    }
  }
  for (unsigned chip = 0; chip < nodes; ++chip) wait_all(chip);
  return prog;
}

} // namespace phtpu::model
