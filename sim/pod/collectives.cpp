// Collective schedules, their C++ reference and their submission, and the collectives'
// definitions that check any run's result (collectives.hpp).
#include "collectives.hpp"

#include "mxu_fp.hpp"
#include "pod.hpp"
#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>

namespace phtpu::pod {

static_assert(kTokenAddr == kMemWords - 1, "the token word is the chip's last");



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
/// `sems[k]`: phase k's semaphore class; `lanes[k]`: its send lane.
HalfSteps ring_half(const std::vector<Phase>& phases, Range whole, bool reverse, const std::vector<unsigned>& sems,
                    const std::vector<unsigned>& lanes, const std::vector<unsigned>& chips) {
  std::map<unsigned, Range> owned;
  for (unsigned c : chips) owned[c] = whole;
  HalfSteps out;
  std::vector<std::vector<std::pair<Line, Range>>> saved;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const unsigned sem = sems.at(k), lane = lanes.at(k);
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
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.lo, ch.len, true, sem, lane});
        }
      for (unsigned i = 0; i < n; ++i) owned[l[i]] = r.chunk((i + 1) % n, n);
    }
    out.rs.push_back(steps);
    saved.push_back(rings);
  }
  for (std::size_t k = phases.size(); k-- > 0;) {
    const unsigned sem = sems.at(k), lane = lanes.at(k);
    Steps steps;
    for (const auto& [l, r] : saved[k]) {
      const unsigned n = static_cast<unsigned>(l.size());
      if (n < 2) continue;
      if (steps.size() < n - 1) steps.resize(n - 1);
      for (unsigned st = 0; st + 1 < n; ++st)
        for (unsigned i = 0; i < n; ++i) {
          const Range ch = r.chunk((i + 1 + n - st % n) % n, n);
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.lo, ch.len, false, sem, lane});
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
    std::vector<Transfer> st;
    for (const Steps* p : parts)
      if (i < p->size()) st.insert(st.end(), (*p)[i].begin(), (*p)[i].end());
    if (!st.empty()) out.push_back(std::move(st));
  }
}

/// The send lane of a transfer from slice position a to b: the port of its first hop (the
/// routers go x, then y, then z, along the minimal offset; chip_top lane l feeds port l).
unsigned first_hop_lane(const net::Topology& t, unsigned a, unsigned b) {
  const net::Offset o = net::minimal_offset(t, t.position(a), t.position(b));
  for (int d = 0; d < 3; ++d)
    if (o[d] != 0) return static_cast<unsigned>(2 * d + (o[d] < 0 ? 1 : 0));
  return 0;
}

} // namespace

Schedule build_schedule(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                        std::uint32_t out, Algorithm algo) {
  try {
    algo = resolve_algorithm(c, algo);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  if (s >= plan.slices().size()) throw PlanError(fmt::format("no slice {} (the pod has {})", s + 1, plan.slices().size()));
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned n = static_cast<unsigned>(chips.size());
  if (words == 0) throw PlanError("a collective needs at least one 16-byte word per chip");
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  const std::uint32_t need = blocks ? std::max(base, out) + words : base + words;
  if (need > kMemWords || (blocks && (base < out ? base + words > out : out + words > base)))
    throw PlanError(fmt::format("{} words per chip do not fit the chip's {}-word memory", words, kMemWords));
  if (algo == Algorithm::Concurrent && c != Collective::AllGather && need > kTokenAddr)
    throw PlanError(fmt::format("{} words per chip reach the token word {} (the concurrent {} keeps it)", words,
                                kTokenAddr, collective_name(c)));
  Schedule sch;
  sch.kind = c;
  sch.algo = algo;
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
    // Lanes: each transfer goes on the send lane of its first hop, so the six links inject at
    // once; a chip's transfers are issued round-robin over the lanes (in offset order within a
    // lane), so the host never waits long on one lane's full job queue while the others idle.
    // The offsets' lanes are the same on every chip (the torus is translation-invariant), so
    // the chips stay in step.
    const net::Topology& topo = plan.slices()[s].topo;
    const bool lanes = algo == Algorithm::Lanes;
    for (unsigned i = 0; i < n; ++i) {
      std::array<std::vector<Transfer>, 6> by_lane;
      for (unsigned k = 0; k < n; ++k) {
        const unsigned j = c == Collective::AllToAll ? topo.index(topo.translate(topo.position(i), topo.position(k))) : k;
        if (i == j) continue;
        Transfer t;
        if (c == Collective::AllToAll) t = {chips[i], chips[j], base + j * b, out + i * b, b, false, 0};
        else if (c == Collective::Scatter && i == 0) t = {chips[0], chips[j], base + j * b, out, b, false, 0};
        else if (c == Collective::Gather && j == 0) t = {chips[i], chips[0], base, out + i * b, b, false, 0};
        else continue;
        t.lane = lanes ? first_hop_lane(topo, i, j) : 0;
        by_lane[t.lane].push_back(t);
      }
      for (std::size_t r = 0, left = 1; left; ++r) {
        left = 0;
        for (auto& l : by_lane)
          if (r < l.size()) {
            st.push_back(l[r]);
            left += r + 1 < l.size();
          }
      }
    }
    sch.steps.push_back(st);
    return sch;
  }
  const Range whole{base, words};
  std::vector<HalfSteps> parts;
  if (algo == Algorithm::Concurrent) {
    // Part p = 2r + dir of six: the dimensions in the order r, r+1, r+2, forward (dir 0) or
    // backward round the rings. In phase k it crosses dimension (r+k) % 3 in direction dir, so
    // the six parts use the six links at once. Its semaphore class and send lane are that
    // link's number (ici_pkg port order): a chip's words of one class then come from one
    // sender (its ring predecessor in that dimension and direction), sent from one lane in
    // step order, which is what makes a count an exact "all of them have arrived".
    std::array<Phase, 3> dim_lines;
    for (int d = 0; d < 3; ++d) dim_lines[d] = lines(plan, s, d, 0);
    for (unsigned p = 0; p < 6; ++p) {
      const unsigned r = p / 2, dir = p % 2;
      std::vector<Phase> phases;
      std::vector<unsigned> sems;
      for (unsigned k = 0; k < 3; ++k) {
        const unsigned d = (r + k) % 3;
        phases.push_back(dim_lines[d]);
        sems.push_back(2 * d + dir);
      }
      parts.push_back(ring_half(phases, whole.chunk(p, 6), dir == 1, sems, sems, chips));
    }
  } else {
    std::vector<Phase> phases;
    if (c == Collective::AllReduceHier) {
      for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 1));
      for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 2));
    } else {
      for (int d = 0; d < 3; ++d) phases.push_back(lines(plan, s, d, 0));
    }
    std::vector<unsigned> sa, sb;
    for (unsigned k = 0; k < phases.size(); ++k) {
      sa.push_back(k);
      sb.push_back(chip::kNumSems / 2 + k);
    }
    const std::vector<unsigned> lane0(phases.size(), 0);
    parts.push_back(ring_half(phases, whole.chunk(0, 2), false, sa, lane0, chips));
    parts.push_back(ring_half(phases, whole.chunk(1, 2), true, sb, lane0, chips));
  }
  auto merge = [&](std::vector<Steps> HalfSteps::*which, std::size_t k) {
    std::vector<const Steps*> ps;
    for (const HalfSteps& h : parts) ps.push_back(&(h.*which)[k]);
    append_merged(sch.steps, ps);
  };
  if (c != Collective::AllGather)
    for (std::size_t k = 0; k < parts[0].rs.size(); ++k) {
      // Concurrent: a phase's first step adds into the range each chip owns after the phase
      // before, which that phase's last step added into from another lane; without a
      // handshake the two adds could overlap in two write pipelines (a lost update). So between
      // phases every chip tells its new ring predecessor that it is done (a token), and the
      // predecessor sends only once it has it: a step of tokens alone.
      if (algo == Algorithm::Concurrent && k > 0) {
        std::vector<Transfer> tok;
        for (unsigned p = 0; p < 6; ++p) {
          const unsigned d = (p / 2 + static_cast<unsigned>(k)) % 3, dir = p % 2;
          for (Line l : lines(plan, s, static_cast<int>(d), 0)) {
            if (dir) std::reverse(l.begin(), l.end());
            const std::size_t m = l.size();
            if (m < 2) continue;
            for (std::size_t i = 0; i < m; ++i)
              tok.push_back({l[i], l[(i + m - 1) % m], kTokenAddr, kTokenAddr, 1, false, kTokenSem + 2 * d + dir,
                             2 * d + (1 - dir)});
          }
        }
        sch.steps.emplace_back();
        sch.tokens.resize(sch.steps.size());
        sch.tokens.back() = std::move(tok);
      }
      merge(&HalfSteps::rs, k);
    }
  // (hierarchical: the all-gather phases run in reverse, so the cross-cube rings finish their
  // all-reduce of the owned chunk before the in-cube all-gather)
  if (c != Collective::ReduceScatter)
    for (std::size_t k = 0; k < parts[0].ag.size(); ++k) merge(&HalfSteps::ag, k);
  sch.tokens.resize(sch.steps.size());
  return sch;
}

void run_reference(const Schedule& sch, Memory& mem) {
  for (const auto& step : sch.steps) {
    std::vector<std::vector<chip::Word>> data;
    for (const Transfer& t : step) {
      const auto& src = mem.at(t.src);
      if (std::size_t{t.saddr} + t.words > src.size())
        throw std::logic_error(fmt::format("reference: chip {} holds {} words, a transfer reads up to {}", t.src,
                                           src.size(), t.saddr + t.words));
      data.emplace_back(src.begin() + t.saddr, src.begin() + t.saddr + t.words);
    }
    for (std::size_t i = 0; i < step.size(); ++i) {
      const Transfer& t = step[i];
      auto& dst = mem.at(t.dst);
      if (std::size_t{t.daddr} + t.words > dst.size())
        throw std::logic_error(fmt::format("reference: chip {} holds {} words, a transfer writes up to {}", t.dst,
                                           dst.size(), t.daddr + t.words));
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
  for (const auto& st : sch.tokens)
    for (const Transfer& t : st) {
      chips.insert(t.src);
      chips.insert(t.dst);
    }
  std::map<unsigned, std::map<unsigned, std::uint32_t>> expect; // chip -> stat -> count so far
  for (unsigned c : chips)
    for (unsigned k = chip::StSem; k < chip::kNumStats; ++k) expect[c][k] = pod.stat(c, k);
  std::map<unsigned, std::map<unsigned, std::uint32_t>> issued = expect; // what the waits already cover
  // Concurrent: a transfer waits only for what it depends on, so that each part goes on as soon
  // as its own data is in (the six parts need not wait for the slowest): the words received
  // into its source range (the counts of those classes up to the step that brought them), and
  // at a phase start the token of the chip it sends to. Tokens themselves wait for everything
  // received before (the chip has finished the phase). Every other algorithm waits, before
  // each step, for everything of the steps before (lock step).
  struct Received {
    unsigned k = 0;             ///< counter
    std::uint32_t after = 0;    ///< its count once this transfer is in
    std::uint32_t lo = 0, hi = 0;
    unsigned from = 0;
    bool token = false;
  };
  const bool relaxed = sch.algo == Algorithm::Concurrent;
  std::map<unsigned, std::vector<Received>> received; // chip -> transfers into it, of earlier steps
  auto wait_all = [&](unsigned c) {
    for (auto& [k, v] : expect[c])
      if (v != issued[c][k]) {
        pod.wait_stat(c, k, v);
        issued[c][k] = v;
      }
  };
  for (std::size_t si = 0; si < sch.steps.size(); ++si) {
    const auto& st = sch.steps[si];
    static const std::vector<Transfer> none;
    const auto& tok = si < sch.tokens.size() ? sch.tokens[si] : none;
    // the step's transfers by sender, in chip order and in the step's order per chip (one pass:
    // a 4096-chip all-to-all has 4095 steps of 4096 transfers), tokens first
    std::map<unsigned, std::vector<std::pair<const Transfer*, bool>>> by_src; // (transfer, is a token)
    for (const Transfer& t : tok) by_src[t.src].push_back({&t, true});
    for (const Transfer& t : st) by_src[t.src].push_back({&t, false});
    for (const auto& [c, sends] : by_src) {
      if (!relaxed) wait_all(c);
      for (const auto& [t, token] : sends) {
        if (relaxed) {
          if (token) {
            wait_all(c);
          } else {
            std::map<unsigned, std::uint32_t> need;
            for (const Received& r : received[c])
              if (r.token ? r.from == t->dst : r.lo < t->saddr + t->words && t->saddr < r.hi)
                need[r.k] = std::max(need[r.k], r.after);
            for (const auto& [k, v] : need)
              if (v > issued[c][k]) {
                pod.wait_stat(c, k, v);
                issued[c][k] = v;
              }
          }
        }
        pod.dma(c, t->dst, t->add ? chip::DmaAdd : chip::DmaWrite, t->sem, t->saddr, t->daddr, t->words, t->lane);
      }
    }
    for (const std::vector<Transfer>* list : {&tok, &st})
      for (const Transfer& t : *list) {
        const unsigned k = chip::sem_stat(t.add, t.sem);
        expect[t.dst][k] += t.words;
        if (relaxed) received[t.dst].push_back({k, expect[t.dst][k], t.daddr, t.daddr + t.words, t.src, list == &tok});
      }
  }
  for (unsigned c : chips)
    for (auto& [k, v] : expect[c])
      if (v != issued[c][k]) pod.wait_stat(c, k, v);
}

// ---- the definitions (collectives.hpp); nothing below calls the schedule code above --------

WordRange WordRange::part(unsigned j, unsigned n) const {
  const std::uint64_t a = std::uint64_t(len) * j / n, b = std::uint64_t(len) * (j + 1) / n;
  return {lo + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b - a)};
}

std::vector<WordRange> reduce_scatter_owned(const Plan& plan, unsigned chip, std::uint32_t base, std::uint32_t words,
                                            Algorithm algo) {
  const ChipSite& site = plan.site(chip);
  if (site.slice < 0) throw PlanError(fmt::format("chip {} belongs to no slice", chip));
  try {
    algo = resolve_algorithm(Collective::ReduceScatter, algo);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  const Vec3 shape = plan.slices()[static_cast<unsigned>(site.slice)].spec.shape, g = site.global;
  const WordRange whole{base, words};
  // a ring of m chips leaves the chip at position x owning part x+1 (forward) or m-x (backward)
  auto ring = [&](WordRange r, int d, bool backward) {
    const unsigned m = shape[d];
    return r.part(backward ? (m - g[d]) % m : (g[d] + 1) % m, m);
  };
  std::vector<WordRange> owned;
  if (algo == Algorithm::Concurrent) {
    for (unsigned p = 0; p < 6; ++p) {
      WordRange r = whole.part(p, 6);
      for (unsigned k = 0; k < 3; ++k) r = ring(r, static_cast<int>((p / 2 + k) % 3), p % 2 == 1);
      owned.push_back(r);
    }
  } else {
    for (unsigned h = 0; h < 2; ++h) {
      WordRange r = whole.part(h, 2);
      for (int d = 0; d < 3; ++d) r = ring(r, d, h == 1);
      owned.push_back(r);
    }
  }
  return owned;
}

// Why the bound holds. Whatever the schedule, each element of a sum over n chips is computed by
// n-1 fp32 additions arranged as a tree (a ring adds its chips' values one after another, the
// next dimension's ring adds those partial sums, the hierarchical one does the same in cubes
// and then across them). Each addition rounds to nearest: fl(a+b) = (a+b)(1+d), |d| <= u =
// 2^-24. So the result is sum x_i (1 + t_i) where each t_i collects the roundings of the at
// most n-1 additions x_i passes through, |t_i| <= gamma_{n-1} = (n-1)u / (1 - (n-1)u)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Lemma 3.1 and §4.2), and
// |computed - exact| <= gamma_{n-1} sum|x_i|: (n-1) u sum|x_i| but for a factor that is 1 +
// O(nu). The chip's adder flushes subnormal inputs and results (ref/mxu_fp.hpp), each flush off
// by less than 2^-126: at most n inputs and n-1 results. The "exact" sum is itself a double
// sum, off by at most gamma_{n-1} with u = 2^-53; that is added too, so the bound holds against
// the computed reference. For the test data (normal numbers in +-[1/16, 16)) only the first
// term matters.
double fp32_sum_bound(unsigned n, double abs_sum) {
  auto gamma = [&](double u) { return n < 2 ? 0.0 : (n - 1) * u / (1 - (n - 1) * u); };
  return gamma(std::ldexp(1.0, -24)) * abs_sum + 2.0 * n * std::ldexp(1.0, -126) + gamma(std::ldexp(1.0, -53)) * abs_sum;
}

namespace {

float bits_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

/// What one word of one chip's output must be.
struct Want {
  enum Kind : std::uint8_t { Copy, Sum, Free } kind = Copy;
  unsigned chip = 0;      ///< Copy: the input word of this chip ...
  std::uint32_t addr = 0; ///< ... at this address (the chip itself, same address: unchanged)
};

/// The per-chip expectations of a collective, every word first "unchanged".
class Expectations {
public:
  Expectations(const std::vector<unsigned>& chips, const Memory& input, const Memory& output) : input_(input) {
    for (unsigned c : chips) {
      const auto in = input.find(c), got = output.find(c);
      if (in == input.end() || got == output.end())
        throw PlanError(fmt::format("chip {} is missing from the {} memory", c, in == input.end() ? "input" : "output"));
      auto& w = want_[c];
      w.resize(std::min(in->second.size(), got->second.size()));
      for (std::uint32_t a = 0; a < w.size(); ++a) w[a] = {Want::Copy, c, a};
    }
  }
  /// Words [lo, lo+len) of `chip` become `w`, advanced by one address per word for a copy.
  void set(unsigned chip, std::uint32_t lo, std::uint32_t len, Want w) {
    auto& v = want_.at(chip);
    if (std::uint64_t(lo) + len > v.size())
      throw PlanError(fmt::format("chip {}: the memories hold {} words, the collective needs {}", chip, v.size(),
                                  std::uint64_t(lo) + len));
    if (w.kind == Want::Copy && std::uint64_t(w.addr) + len > input_.at(w.chip).size())
      throw PlanError(fmt::format("chip {}: the input memory holds {} words, the collective needs {}", w.chip,
                                  input_.at(w.chip).size(), std::uint64_t(w.addr) + len));
    for (std::uint32_t k = 0; k < len; ++k, ++w.addr) v[lo + k] = w;
  }
  const std::vector<Want>& of(unsigned chip) const { return want_.at(chip); }

private:
  const Memory& input_;
  std::map<unsigned, std::vector<Want>> want_;
};

std::string word_hex(const chip::Word& w) { return fmt::format("{:08x} {:08x} {:08x} {:08x}", w[0], w[1], w[2], w[3]); }

} // namespace

std::string check_definition(Collective c, const Plan& plan, unsigned s, std::uint32_t base, std::uint32_t words,
                             std::uint32_t out, const Memory& input, const Memory& output, Algorithm algo) {
  if (s >= plan.slices().size()) throw PlanError(fmt::format("no slice {} (the pod has {})", s + 1, plan.slices().size()));
  try {
    algo = resolve_algorithm(c, algo);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned n = static_cast<unsigned>(chips.size());
  Expectations want(chips, input, output);
  const bool sums = c == Collective::AllReduce || c == Collective::AllReduceHier || c == Collective::ReduceScatter;
  switch (c) {
  case Collective::AllReduce:
  case Collective::AllReduceHier:
    for (unsigned k : chips) want.set(k, base, words, {Want::Sum});
    break;
  case Collective::ReduceScatter:
    for (unsigned k : chips) {
      want.set(k, base, words, {Want::Free}); // partial sums pass through every word
      for (const WordRange& r : reduce_scatter_owned(plan, k, base, words, algo)) want.set(k, r.lo, r.len, {Want::Sum});
    }
    break;
  case Collective::AllGather: {
    // who owns each word: exactly one chip, or the formula (not the output) is wrong
    std::vector<unsigned> owners(words, 0);
    std::vector<unsigned> owner(words);
    for (unsigned k : chips)
      for (const WordRange& r : reduce_scatter_owned(plan, k, base, words, algo))
        for (std::uint32_t a = r.lo; a < r.lo + r.len; ++a) {
          ++owners[a - base];
          owner[a - base] = k;
        }
    for (std::uint32_t a = 0; a < words; ++a)
      if (owners[a] != 1)
        throw PlanError(fmt::format("word {}: {} chips own it (reduce_scatter_owned must partition the buffer)",
                                    base + a, owners[a]));
    for (unsigned k : chips)
      for (std::uint32_t a = 0; a < words; ++a) want.set(k, base + a, 1, {Want::Copy, owner[a], base + a});
    break;
  }
  case Collective::AllToAll:
  case Collective::Scatter:
  case Collective::Gather: {
    if (words % n) throw PlanError(fmt::format("{} needs a multiple of {} words (one block per chip)", collective_name(c), n));
    const std::uint32_t b = words / n;
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j) {
        if (i == j) continue; // a chip's own block is not sent anywhere
        if (c == Collective::AllToAll) want.set(chips[j], out + i * b, b, {Want::Copy, chips[i], base + j * b});
        if (c == Collective::Scatter && i == 0) want.set(chips[j], out, b, {Want::Copy, chips[0], base + j * b});
        if (c == Collective::Gather && j == 0) want.set(chips[0], out + i * b, b, {Want::Copy, chips[i], base});
      }
    break;
  }
  }

  // the exact sums (double) and sum|x| of every element of the buffer, over the slice's chips
  std::vector<std::array<double, 4>> sum, abs;
  if (sums) {
    sum.assign(words, {});
    abs.assign(words, {});
    for (unsigned k : chips)
      for (std::uint32_t a = 0; a < words; ++a)
        for (unsigned l = 0; l < 4; ++l) {
          const double x = bits_float(input.at(k)[base + a][l]);
          sum[a][l] += x;
          abs[a][l] += std::fabs(x);
        }
  }
  for (unsigned k : chips) {
    const std::vector<Want>& w = want.of(k);
    const auto& got = output.at(k);
    for (std::uint32_t a = 0; a < w.size(); ++a) {
      if (w[a].kind == Want::Free) continue;
      if (w[a].kind == Want::Copy) {
        const chip::Word& expect = input.at(w[a].chip)[w[a].addr];
        for (unsigned l = 0; l < 4; ++l)
          if (got[a][l] != expect[l])
            return fmt::format("{}: chip {} word {} lane {}: got {:08x}, expected {:08x} ({})", collective_name(c), k,
                               a, l, got[a][l], expect[l],
                               w[a].chip == k && w[a].addr == a
                                   ? "unchanged"
                                   : fmt::format("chip {}'s input word {}", w[a].chip, w[a].addr));
        continue;
      }
      for (unsigned l = 0; l < 4; ++l) {
        const double g = bits_float(got[a][l]), x = sum[a - base][l], tol = fp32_sum_bound(n, abs[a - base][l]);
        if (!(std::fabs(g - x) <= tol)) // (a NaN fails too)
          return fmt::format("{}: chip {} word {} lane {}: got {} ({:08x}), expected the sum over {} chips {} within {:.3g}",
                             collective_name(c), k, a, l, g, got[a][l], n, x, tol);
      }
      // an all-reduce reduces each element once and broadcasts it: every chip the same bits
      if ((c == Collective::AllReduce || c == Collective::AllReduceHier) && k != chips[0] &&
          got[a] != output.at(chips[0])[a])
        return fmt::format("{}: chip {} word {}: {}, but chip {} holds {} (every chip must hold the same result)",
                           collective_name(c), k, a, word_hex(got[a]), chips[0], word_hex(output.at(chips[0])[a]));
    }
  }
  return "";
}

} // namespace phtpu::pod
