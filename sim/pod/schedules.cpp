// The collectives' schedules in slice positions (schedules.hpp).
#include "schedules.hpp"

#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <cstdlib>
#include <stdexcept>
#include <tuple>

namespace phtpu::sched {

namespace {

using Line = std::vector<unsigned>; // chips of one ring, in ring order
using Phase = std::vector<Line>;    // disjoint rings that run together

/// The coordinate lines along dimension d. kind 0: the whole slice; 1: inside each cube (local
/// coordinate); 2: across cubes (cube coordinate, same local position). In coordinate order.
Phase lines(const net::Topology& t, int d, int kind, unsigned cube) {
  std::map<std::array<unsigned, 3>, std::map<unsigned, unsigned>> groups;
  const unsigned c = std::max(cube, 1u);
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const phext::Vec3 g = t.position(i);
    const int a = d == 0 ? 1 : 0, b = d == 2 ? 1 : 2;
    if (kind == 0)
      groups[{g[a], g[b], 0}][g[d]] = i;
    else if (kind == 1)
      groups[{g.x / c + 1000 * (g.y / c) + 1000000 * (g.z / c), g[a] % c, g[b] % c}][g[d] % c] = i;
    else
      groups[{g.x % c + c * (g.y % c + c * (g.z % c)), g[a] / c, g[b] / c}][g[d] / c] = i;
  }
  Phase out;
  for (auto& [k, m] : groups) {
    Line l;
    for (auto& [p, chip] : m) l.push_back(chip);
    out.push_back(l);
  }
  return out;
}

/// The rings of phase k of a concurrent part (ring_coordinates): the chips that share the
/// other two coordinates, in the order of a[k].
Phase rings_of(const RingCoordinates& rc, unsigned k) {
  std::map<std::array<unsigned, 2>, Line> groups;
  const unsigned o1 = (k + 1) % 3, o2 = (k + 2) % 3;
  for (unsigned i = 0; i < rc.a.size(); ++i) {
    Line& l = groups[{rc.a[i][o1], rc.a[i][o2]}];
    if (l.empty()) l.assign(rc.m[k], 0);
    l[rc.a[i][k]] = i;
  }
  Phase out;
  for (auto& [key, l] : groups) out.push_back(std::move(l));
  return out;
}

struct Range {
  std::uint32_t lo = 0, len = 0;
  Range chunk(unsigned j, unsigned n) const { // balanced: [lo + len*j/n, lo + len*(j+1)/n)
    const std::uint64_t a = std::uint64_t(len) * j / n, b = std::uint64_t(len) * (j + 1) / n;
    return {lo + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b - a)};
  }
};

/// One part of the buffer round its rings: reduce-scatter phases, then all-gather phases in the
/// reverse order. A ring's chips all own the same range when its phase starts (the chip at ring
/// position i ends owning chunk i+1 of it); `sems[k]`, `lanes[k]`: phase k's class and lane.
struct PartSteps {
  std::vector<Steps> rs, ag;
};
PartSteps ring_part(const std::vector<Phase>& phases, Range whole, bool reverse, const std::vector<unsigned>& sems,
                    const std::vector<unsigned>& lanes, unsigned nodes) {
  std::vector<Range> owned(nodes, whole);
  PartSteps out;
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
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.len, true, sems[k], lanes[k], false, ch.lo});
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
          if (ch.len) steps[st].push_back({l[i], l[(i + 1) % n], ch.lo, ch.len, false, sems[k], lanes[k], false, ch.lo});
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
    std::vector<Move> st;
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

RingCoordinates ring_coordinates(const net::Topology& t, std::array<int, 3> dims) {
  for (int d = 0; d < 3; ++d)
    if (!t.wraps(d)) throw std::invalid_argument("ring_coordinates: " + t.describe() + " has no wrap links");
  const unsigned n = t.nodes();
  auto step = [&](unsigned i, int d) { return t.index(*t.neighbor(t.position(i), net::port_of(d, +1))); };
  RingCoordinates rc;
  rc.a.assign(n, {});
  // the subgroup generated so far, as positions (with their coordinates in rc.a)
  std::vector<unsigned> sub{t.index({0, 0, 0})};
  std::vector<char> in(n, 0);
  in[sub[0]] = 1;
  for (unsigned k = 0; k < 3; ++k) {
    unsigned m = 1;
    for (unsigned p = step(sub[0], dims[k]); !in[p]; p = step(p, dims[k])) ++m;
    rc.m[k] = m;
    const std::size_t had = sub.size();
    for (std::size_t s = 0; s < had; ++s) // h + j g_k for every h of the subgroup, j = 1 .. m-1
      for (unsigned j = 1, p = step(sub[s], dims[k]); j < m; ++j, p = step(p, dims[k])) {
        if (in[p]) throw std::logic_error("ring_coordinates: two coordinates for one chip");
        in[p] = 1;
        rc.a[p] = rc.a[sub[s]];
        rc.a[p][k] = j;
        sub.push_back(p);
      }
  }
  if (sub.size() != n) throw std::logic_error("ring_coordinates: the links do not reach every chip");
  return rc;
}

Steps ring_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words, unsigned cube) {
  const bool parts6 = a == Algorithm::Concurrent || a == Algorithm::Logical;
  if (!ring_collective(c) || !(parts6 || a == Algorithm::Sequential) || (hierarchical(c) && a != Algorithm::Sequential))
    throw std::invalid_argument(
        fmt::format("no ring schedule for {} by {}", collective_name(c), algorithm_name(a)));
  const unsigned n = t.nodes();
  const Range whole{0, words};
  std::vector<PartSteps> parts;
  std::vector<std::vector<Phase>> part_phases; // concurrent and logical: each part's rings
  if (parts6) {
    // Part p = 2r + dir of six: the dimensions in the order r, r+1, r+2, forward (dir 0) or
    // backward round the rings. In phase k it crosses dimension (r+k) % 3 in direction dir, so
    // the six parts use the six links at once. Its semaphore class and send lane are that
    // link's number (ici_pkg port order): a chip's words of one class then come from one
    // sender (its ring predecessor in that dimension and direction), sent from one lane in
    // step order, which is what makes a count an exact "all of them have arrived".
    const bool follow = a == Algorithm::Concurrent && t.twist() != net::Twist::None;
    std::array<Phase, 3> dim_lines;
    for (int d = 0; d < 3; ++d) dim_lines[d] = lines(t, d, 0, cube);
    for (unsigned p = 0; p < 6; ++p) {
      const unsigned r = p / 2, dir = p % 2;
      std::vector<Phase> phases;
      std::vector<unsigned> sems;
      RingCoordinates rc;
      if (follow)
        rc = ring_coordinates(t, {static_cast<int>(r), static_cast<int>((r + 1) % 3), static_cast<int>((r + 2) % 3)});
      for (unsigned k = 0; k < 3; ++k) {
        const unsigned d = (r + k) % 3;
        phases.push_back(follow ? rings_of(rc, k) : dim_lines[d]);
        sems.push_back(2 * d + dir);
      }
      parts.push_back(ring_part(phases, whole.chunk(p, 6), dir == 1, sems, sems, n));
      part_phases.push_back(std::move(phases));
    }
  } else {
    std::vector<Phase> phases;
    for (int kind : hierarchical(c) ? std::vector<int>{1, 2} : std::vector<int>{0})
      for (int d = 0; d < 3; ++d) phases.push_back(lines(t, d, kind, cube));
    std::vector<unsigned> sa, sb;
    for (unsigned k = 0; k < phases.size(); ++k) {
      sa.push_back(k);
      sb.push_back(kHalfSems + k);
    }
    const std::vector<unsigned> lane0(phases.size(), 0);
    parts.push_back(ring_part(phases, whole.chunk(0, 2), false, sa, lane0, n));
    parts.push_back(ring_part(phases, whole.chunk(1, 2), true, sb, lane0, n));
  }
  Steps out;
  auto merge = [&](std::vector<Steps> PartSteps::*which, std::size_t k) {
    std::vector<const Steps*> ps;
    for (const PartSteps& h : parts) ps.push_back(&(h.*which)[k]);
    append_merged(out, ps);
  };
  const Collective f = flat_of(c);
  if (f != Collective::AllGather)
    for (std::size_t k = 0; k < parts[0].rs.size(); ++k) {
      if (parts6 && k > 0) { // the tokens: every chip to its phase-k ring predecessor
        std::vector<Move> tok;
        for (unsigned p = 0; p < 6; ++p) {
          const unsigned d = (p / 2 + static_cast<unsigned>(k)) % 3, dir = p % 2;
          for (Line l : part_phases[p][k]) {
            if (dir) std::reverse(l.begin(), l.end());
            const std::size_t m = l.size();
            if (m < 2) continue;
            for (std::size_t i = 0; i < m; ++i)
              tok.push_back({l[i], l[(i + m - 1) % m], kTokenWord, 1, false, kTokenSem + 2 * d + dir, 2 * d + (1 - dir),
                             true, kTokenWord});
          }
        }
        out.push_back(std::move(tok));
      }
      merge(&PartSteps::rs, k);
    }
  // (hierarchical: the all-gather phases run in reverse, so the cross-cube rings finish their
  // all-reduce of the owned chunk before the in-cube all-gather)
  if (f != Collective::ReduceScatter)
    for (std::size_t k = 0; k < parts[0].ag.size(); ++k) merge(&PartSteps::ag, k);
  if (parts6 && t.twist() != net::Twist::None && a == Algorithm::Concurrent) {
    // Rings that follow the links close their later phases with a routed hop, so a chip hears
    // in one link's class from its neighbour across that link and, at a ring's wrap, from a
    // chip further away: two senders, whose words could overtake each other's and make a count
    // lie. So a move that is not one hop along its lane's link gets a class of its own, 6 +
    // lane (the ring's wrap sender: the same chip in every phase, checked below), tokens
    // included: a token then shares its class with the sender's all-gather words to the same
    // chip, sent from the same lane, so they arrive in the order they are counted.
    for (auto& step : out)
      for (Move& mv : step) {
        const auto to = t.neighbor(t.position(mv.src), static_cast<net::Port>(mv.lane));
        mv.sem = to && t.index(*to) == mv.dst ? mv.lane : kWrapSem + mv.lane;
      }
  }
  if (parts6) {
    // a count is exact only if every (receiver, counter) has one sender (collectives.cpp, submit)
    std::map<std::tuple<unsigned, bool, unsigned>, unsigned> sender;
    for (const auto& step : out)
      for (const Move& mv : step)
        if (sender.try_emplace({mv.dst, mv.add, mv.sem}, mv.src).first->second != mv.src)
          throw std::logic_error(fmt::format("ring_schedule: chip {} hears in class {} ({}) from chips {} and {}", mv.dst,
                                             mv.sem, mv.add ? "add" : "write", sender.at({mv.dst, mv.add, mv.sem}), mv.src));
  }
  return out;
}

namespace {

/// One block's hops: the chips it passes, from its source (first) to its destination (last),
/// and the port of each hop.
struct Path {
  std::vector<unsigned> chips;
  std::vector<net::Port> ports;
};

/// The relay's paths from chip `src`, one per destination (by slice position; the source's own
/// block has no hop). Torus: by offset, the same for every source (a translation).
class RelayPaths {
public:
  explicit RelayPaths(const net::Topology& t) : t_(t), torus_(t.wraps(0) && t.wraps(1) && t.wraps(2)) {
    if (!torus_) return;
    const unsigned n = t.nodes();
    for (int r = 0; r < 3; ++r) rc_[static_cast<std::size_t>(r)] = ring_coordinates(t, {r, (r + 1) % 3, (r + 2) % 3});
    hops_.resize(n);
    for (unsigned delta = 1; delta < n; ++delta) hops_[delta] = torus_hops(delta);
  }
  /// The hops (dimension, sign) from any chip by offset delta (torus), or from src to dst (mesh).
  std::vector<std::pair<int, int>> hops(unsigned src, unsigned dst, unsigned delta) const {
    if (torus_) return hops_[delta];
    const int r = static_cast<int>(delta % 3);
    const phext::Vec3 a = t_.position(src), b = t_.position(dst);
    std::vector<std::pair<int, int>> out;
    for (int k = 0; k < 3; ++k) {
      const int d = (r + k) % 3, diff = static_cast<int>(b[d]) - static_cast<int>(a[d]);
      for (int i = 0; i < std::abs(diff); ++i) out.push_back({d, diff > 0 ? 1 : -1});
    }
    return out;
  }
  Path path(unsigned src, unsigned dst, unsigned delta) const {
    Path p;
    p.chips.push_back(src);
    for (const auto& [d, sign] : hops(src, dst, delta)) {
      const net::Port port = net::port_of(d, sign);
      p.ports.push_back(port);
      p.chips.push_back(t_.index(*t_.neighbor(t_.position(p.chips.back()), port)));
    }
    if (p.chips.back() != dst) throw std::logic_error("relay: a path misses its destination");
    return p;
  }

private:
  /// Offset delta as s0 g0 + s1 g1 + s2 g2 along part (delta mod 3)'s dimensions, each s the
  /// shortest way round its ring (ties alternate, by offset): s2 first, then s1 on what is left, then s0
  /// (on a twisted torus the later rings do not close on themselves, so the remainder after s2
  /// and s1 is what the first ring, a whole cycle, has to cover).
  std::vector<std::pair<int, int>> torus_hops(unsigned delta) {
    const int r = static_cast<int>(delta % 3);
    const RingCoordinates& rc = rc_[static_cast<std::size_t>(r)];
    const std::array<int, 3> dims{r, (r + 1) % 3, (r + 2) % 3};
    std::array<int, 3> s{};
    unsigned left = delta;
    for (int k = 2; k >= 0; --k) {
      const int m = static_cast<int>(rc.m[static_cast<std::size_t>(k)]);
      const int a = static_cast<int>(rc.a[left][static_cast<std::size_t>(k)]);
      // a tie (halfway round an even ring) goes + and - in turn, so both directions carry half
      const bool plus = 2 * a < m || (2 * a == m && ties_[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]++ % 2 == 0);
      s[static_cast<std::size_t>(k)] = plus ? a : a - m;
      for (int i = 0; i < std::abs(s[static_cast<std::size_t>(k)]); ++i) // left -= s_k g_k
        left = t_.index(*t_.neighbor(t_.position(left), net::port_of(dims[static_cast<std::size_t>(k)],
                                                                      s[static_cast<std::size_t>(k)] > 0 ? -1 : 1)));
    }
    if (left != t_.index({0, 0, 0})) throw std::logic_error("relay: an offset does not decompose");
    std::vector<std::pair<int, int>> out;
    for (std::size_t k = 0; k < 3; ++k)
      for (int i = 0; i < std::abs(s[k]); ++i) out.push_back({dims[k], s[k] > 0 ? 1 : -1});
    return out;
  }

  const net::Topology& t_;
  bool torus_;
  std::array<RingCoordinates, 3> rc_;
  std::array<std::array<unsigned, 3>, 3> ties_{}; // per part and phase: the ties so far
  std::vector<std::vector<std::pair<int, int>>> hops_;
};

/// Every block's path, by source and then offset order (torus) or destination (mesh):
/// (source, destination, path).
std::vector<std::tuple<unsigned, unsigned, Path>> relay_paths(const net::Topology& t) {
  const RelayPaths rp(t);
  const unsigned n = t.nodes();
  const bool torus = t.wraps(0) && t.wraps(1) && t.wraps(2);
  std::vector<std::tuple<unsigned, unsigned, Path>> out;
  for (unsigned i = 0; i < n; ++i)
    for (unsigned k = 1; k < n; ++k) {
      const unsigned j = torus ? t.index(t.translate(t.position(i), t.position(k))) : (i + k) % n;
      out.emplace_back(i, j, rp.path(i, j, torus ? k : j));
    }
  return out;
}

} // namespace

std::uint32_t relay_scratch_words(const net::Topology& t, std::uint32_t words) {
  const unsigned n = t.nodes();
  std::vector<std::uint32_t> slots(n, 0);
  for (const auto& [i, j, p] : relay_paths(t))
    for (std::size_t h = 1; h + 1 < p.chips.size(); ++h) ++slots[p.chips[h]];
  return n ? *std::max_element(slots.begin(), slots.end()) * (words / n) : 0;
}

Steps relay_schedule(const net::Topology& t, std::uint32_t words, std::uint32_t base, std::uint32_t out,
                     std::uint32_t scratch) {
  const unsigned n = t.nodes();
  if (n < 2) return {};
  if (words % n) throw std::invalid_argument(fmt::format("alltoall needs a multiple of {} words (one block per chip)", n));
  const std::uint32_t b = words / n;
  const auto paths = relay_paths(t);
  std::size_t longest = 0;
  for (const auto& e : paths) longest = std::max(longest, std::get<2>(e).ports.size());
  // each block's address on each chip of its path: its input block, its slots, its output block
  std::vector<std::uint32_t> next_slot(n, scratch);
  std::vector<std::vector<std::uint32_t>> at(paths.size());
  for (std::size_t e = 0; e < paths.size(); ++e) {
    const auto& [i, j, p] = paths[e];
    at[e].push_back(base + j * b);
    for (std::size_t h = 1; h + 1 < p.chips.size(); ++h) {
      at[e].push_back(next_slot[p.chips[h]]);
      next_slot[p.chips[h]] += b;
    }
    at[e].push_back(out + i * b);
  }
  // step h: every block's hop h, each chip's sends issued round-robin over its lanes
  Steps steps(longest);
  for (std::size_t h = 0; h < longest; ++h) {
    std::vector<std::array<std::vector<Move>, 6>> by_chip(n);
    for (std::size_t e = 0; e < paths.size(); ++e) {
      const Path& p = std::get<2>(paths[e]);
      if (h >= p.ports.size()) continue;
      const unsigned lane = static_cast<unsigned>(p.ports[h]);
      by_chip[p.chips[h]][lane].push_back({p.chips[h], p.chips[h + 1], at[e][h], b, false, lane, lane, false, at[e][h + 1]});
    }
    for (auto& lanes : by_chip)
      for (std::size_t r = 0, left = 1; left; ++r) {
        left = 0;
        for (auto& l : lanes)
          if (r < l.size()) {
            steps[h].push_back(l[r]);
            left += r + 1 < l.size();
          }
      }
  }
  return steps;
}

std::vector<std::pair<unsigned, unsigned>> block_order(Collective c, Algorithm a, const net::Topology& t,
                                                       unsigned chip) {
  if ((c != Collective::AllToAll && c != Collective::Scatter && c != Collective::Gather) ||
      (a != Algorithm::Lanes && a != Algorithm::Translate))
    throw std::invalid_argument(fmt::format("no block schedule for {} by {}", collective_name(c), algorithm_name(a)));
  const unsigned n = t.nodes();
  std::array<std::vector<std::pair<unsigned, unsigned>>, 6> by_lane;
  for (unsigned k = 0; k < n; ++k) {
    const unsigned j = c == Collective::AllToAll ? t.index(t.translate(t.position(chip), t.position(k))) : k;
    if (chip == j) continue;
    if ((c == Collective::Scatter && chip != 0) || (c == Collective::Gather && j != 0)) continue;
    const unsigned lane = a == Algorithm::Lanes ? first_hop_lane(t, chip, j) : 0;
    by_lane[lane].push_back({j, lane});
  }
  std::vector<std::pair<unsigned, unsigned>> out;
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

} // namespace phtpu::sched
