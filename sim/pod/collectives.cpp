// Collective schedules, their C++ reference and their submission, and the collectives'
// definitions that check any run's result (collectives.hpp).
#include "collectives.hpp"

#include "mxu_fp.hpp"
#include "pod.hpp"
#include "routing.hpp"
#include "schedules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tuple>

namespace phtpu::pod {

static_assert(kTokenAddr == kMemWords - 1, "the token word is the chip's last");
static_assert(kTokenAddr == sched::kTokenWord && kTokenSem == sched::kTokenSem, "one token word and class");
static_assert(sched::kHalfSems == chip::kNumSems / 2, "the sequential halves split the chip's classes");



std::size_t Schedule::transfers() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.size();
  return n;
}


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
  if (six_parts(algo) && c != Collective::AllGather && need > kTokenAddr)
    throw PlanError(fmt::format("{} words per chip reach the token word {} (the {} {} keeps it)", words, kTokenAddr,
                                algorithm_name(algo), collective_name(c)));
  Schedule sch;
  sch.kind = c;
  sch.algo = algo;
  sch.slice = s;
  sch.words = words;
  const net::Topology& topo = plan.slices()[s].topo;
  sch.extent = need;
  if (algo == Algorithm::Relay) {
    if (words % n) throw PlanError(fmt::format("{} needs a multiple of {} words (one block per chip)", collective_name(c), n));
    const std::uint32_t scratch = sched::relay_scratch_words(topo, words);
    if (std::uint64_t(need) + scratch > kMemWords)
      throw PlanError(fmt::format("the relay all-to-all of {} words per chip needs {} more words for the blocks it "
                                  "forwards; the chip's {}-word memory holds {} (take --algorithm lanes)",
                                  words, scratch, kMemWords, kMemWords - need));
    sch.extent = need + scratch;
    for (const std::vector<sched::Move>& step : sched::relay_schedule(topo, words, base, out, need)) {
      sch.steps.emplace_back();
      for (const sched::Move& m : step)
        sch.steps.back().push_back({chips[m.src], chips[m.dst], m.lo, m.dlo, m.words, false, m.sem, m.lane});
    }
    sch.tokens.resize(sch.steps.size());
    return sch;
  }
  if (blocks) {
    if (words % n) throw PlanError(fmt::format("{} needs a multiple of {} words (one block per chip)", collective_name(c), n));
    const std::uint32_t b = words / n;
    std::vector<Transfer> st;
    for (unsigned i = 0; i < n; ++i)
      for (const auto& [j, lane] : sched::block_order(c, algo, topo, i)) {
        Transfer t;
        if (c == Collective::AllToAll) t = {chips[i], chips[j], base + j * b, out + i * b, b, false, 0};
        else if (c == Collective::Scatter) t = {chips[0], chips[j], base + j * b, out, b, false, 0};
        else t = {chips[i], chips[0], base, out + i * b, b, false, 0};
        t.lane = lane;
        st.push_back(t);
      }
    sch.steps.push_back(st);
    return sch;
  }
  // ring collectives: the positions' schedule, on this slice's chips and addresses (a step of
  // tokens is a step without data)
  for (const std::vector<sched::Move>& step : sched::ring_schedule(c, algo, topo, words, plan.cube())) {
    sch.steps.emplace_back();
    sch.tokens.emplace_back();
    for (const sched::Move& m : step) {
      const std::uint32_t from = m.token ? kTokenAddr : base + m.lo, to = m.token ? kTokenAddr : base + m.dlo;
      (m.token ? sch.tokens : sch.steps).back().push_back({chips[m.src], chips[m.dst], from, to, m.words, m.add, m.sem, m.lane});
    }
  }
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
  // received before (the chip has finished the phase). The relay all-to-all's hop waits for the
  // hop that brought its block. Every other algorithm waits, before each step, for everything
  // of the steps before (lock step).
  struct Received {
    unsigned k = 0;             ///< counter
    std::uint32_t after = 0;    ///< its count once this transfer is in
    std::uint32_t lo = 0, hi = 0;
    unsigned from = 0;
    bool token = false;
  };
  const bool relaxed = six_parts(sch.algo) || sch.algo == Algorithm::Relay;
  std::map<unsigned, std::vector<Received>> received; // chip -> transfers into it, of earlier steps
  std::map<unsigned, std::map<std::uint32_t, Received>> relayed; // relay: chip -> its blocks by address
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
            if (sch.algo == Algorithm::Relay) { // a block's slot was written by one earlier hop, exactly
              const auto it = relayed[c].find(t->saddr);
              if (it != relayed[c].end()) need[it->second.k] = it->second.after;
            } else
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
        const Received r{k, expect[t.dst][k], t.daddr, t.daddr + t.words, t.src, list == &tok};
        if (sch.algo == Algorithm::Relay) relayed[t.dst][t.daddr] = r;
        else if (relaxed) received[t.dst].push_back(r);
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

namespace {

/// A chip's place in the rings of a concurrent part on a twisted torus: position a[k] on a ring
/// of m[k] chips in phase k.
struct Place {
  std::array<unsigned, 3> a{}, m{};
};

/// Every chip's place, for the part whose dimensions go r, r+1, r+2 (collectives.hpp), from the
/// torus's group (Topology::translate) by search: g_k is one step along dimension (r+k) % 3;
/// m[0] is the least m > 0 with m g_0 = 0, m[1] the least with m g_1 in <g_0>, m[2] the least
/// with m g_2 in <g_0, g_1>; the chip at a[0] g_0 + a[1] g_1 + a[2] g_2 has place a. Cached
/// per torus and r (an all-gather's check asks for every chip).
const std::vector<Place>& twisted_places(const net::Topology& t, int r) {
  static std::mutex mu;
  static std::map<std::tuple<unsigned, unsigned, unsigned, int, int>, std::vector<Place>> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto [it, fresh] = cache.try_emplace({t.shape().x, t.shape().y, t.shape().z, static_cast<int>(t.twist()), r});
  if (!fresh) return it->second;
  std::array<int, 3> d{r, (r + 1) % 3, (r + 2) % 3};
  auto at = [&](std::array<unsigned, 3> a) {
    Vec3 delta{0, 0, 0};
    for (unsigned k = 0; k < 3; ++k) delta[d[k]] += a[k];
    return t.index(t.translate({0, 0, 0}, delta));
  };
  Place proto;
  std::set<unsigned> sub{at({0, 0, 0})}; // <g_0, ..., g_{k-1}>
  for (unsigned k = 0; k < 3; ++k) {
    std::array<unsigned, 3> a{};
    do ++a[k];
    while (!sub.count(at(a)));
    proto.m[k] = a[k];
    std::set<unsigned> next;
    for (unsigned a0 = 0; a0 < proto.m[0]; ++a0)
      for (unsigned a1 = 0; a1 < (k >= 1 ? proto.m[1] : 1); ++a1)
        for (unsigned a2 = 0; a2 < (k >= 2 ? proto.m[2] : 1); ++a2) next.insert(at({a0, a1, a2}));
    sub = std::move(next);
  }
  std::vector<Place>& places = it->second;
  places.assign(t.nodes(), {});
  std::vector<char> seen(t.nodes(), 0);
  for (unsigned a0 = 0; a0 < proto.m[0]; ++a0)
    for (unsigned a1 = 0; a1 < proto.m[1]; ++a1)
      for (unsigned a2 = 0; a2 < proto.m[2]; ++a2) {
        const unsigned i = at({a0, a1, a2});
        if (seen[i]++) throw std::logic_error("twisted_places: two places for one chip");
        places[i] = {{a0, a1, a2}, proto.m};
      }
  if (std::count(seen.begin(), seen.end(), 1) != static_cast<long>(t.nodes()))
    throw std::logic_error("twisted_places: a chip without a place");
  return places;
}

} // namespace

std::vector<WordRange> reduce_scatter_owned(const Plan& plan, unsigned chip, std::uint32_t base, std::uint32_t words,
                                            Algorithm algo, bool hier) {
  const ChipSite& site = plan.site(chip);
  if (site.slice < 0) throw PlanError(fmt::format("chip {} belongs to no slice", chip));
  try {
    algo = resolve_algorithm(hier ? Collective::ReduceScatterHier : Collective::ReduceScatter, algo);
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
  if (hier) { // rings of local coordinates (inside each cube), then of cube coordinates
    const unsigned c = std::max(plan.cube(), 1u);
    for (unsigned h = 0; h < 2; ++h) {
      WordRange r = whole.part(h, 2);
      for (unsigned kind = 1; kind <= 2; ++kind)
        for (int d = 0; d < 3; ++d) {
          const unsigned m = kind == 1 ? std::min(c, shape[d]) : (shape[d] + c - 1) / c;
          const unsigned x = kind == 1 ? g[d] % c : g[d] / c;
          r = r.part(h == 1 ? (m - x) % m : (x + 1) % m, m);
        }
      owned.push_back(r);
    }
    return owned;
  }
  const net::Topology& topo = plan.slices()[static_cast<unsigned>(site.slice)].topo;
  if (algo == Algorithm::Concurrent && topo.twist() != net::Twist::None) {
    for (unsigned p = 0; p < 6; ++p) {
      const unsigned r0 = p / 2;
      const bool backward = p % 2 == 1;
      const Place& pl = twisted_places(topo, static_cast<int>(r0))[topo.index(g)];
      WordRange r = whole.part(p, 6);
      for (unsigned k = 0; k < 3; ++k) {
        const unsigned m = pl.m[k], x = pl.a[k];
        r = r.part(backward ? (m - x) % m : (x + 1) % m, m);
      }
      owned.push_back(r);
    }
  } else if (six_parts(algo)) {
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
  const Collective f = flat_of(c);
  const bool hier = hierarchical(c);
  const bool sums = f == Collective::AllReduce || f == Collective::ReduceScatter;
  switch (f) {
  case Collective::AllReduce:
    for (unsigned k : chips) want.set(k, base, words, {Want::Sum});
    break;
  case Collective::ReduceScatter:
    for (unsigned k : chips) {
      want.set(k, base, words, {Want::Free}); // partial sums pass through every word
      for (const WordRange& r : reduce_scatter_owned(plan, k, base, words, algo, hier))
        want.set(k, r.lo, r.len, {Want::Sum});
    }
    break;
  case Collective::AllGather: {
    // who owns each word: exactly one chip, or the formula (not the output) is wrong
    std::vector<unsigned> owners(words, 0);
    std::vector<unsigned> owner(words);
    for (unsigned k : chips)
      for (const WordRange& r : reduce_scatter_owned(plan, k, base, words, algo, hier))
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
    if (algo == Algorithm::Relay) // the blocks it forwards pass through every word above both buffers
      for (unsigned k : chips) {
        const std::uint32_t above = std::max(base, out) + words, size = static_cast<std::uint32_t>(want.of(k).size());
        if (size > above) want.set(k, above, size - above, {Want::Free});
      }
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j) {
        if (i == j) continue; // a chip's own block is not sent anywhere
        if (c == Collective::AllToAll) want.set(chips[j], out + i * b, b, {Want::Copy, chips[i], base + j * b});
        if (c == Collective::Scatter && i == 0) want.set(chips[j], out, b, {Want::Copy, chips[0], base + j * b});
        if (c == Collective::Gather && j == 0) want.set(chips[0], out + i * b, b, {Want::Copy, chips[i], base});
      }
    break;
  }
  case Collective::AllReduceHier:
  case Collective::ReduceScatterHier:
  case Collective::AllGatherHier: break; // (f is flat: not reached)
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
      if (f == Collective::AllReduce && k != chips[0] &&
          got[a] != output.at(chips[0])[a])
        return fmt::format("{}: chip {} word {}: {}, but chip {} holds {} (every chip must hold the same result)",
                           collective_name(c), k, a, word_hex(got[a]), chips[0], word_hex(output.at(chips[0])[a]));
    }
  }
  return "";
}

} // namespace phtpu::pod
