#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <utility>

namespace phtpu::net {

namespace {
constexpr unsigned kNoNode = UINT_MAX;

// v = q * m + r with 0 <= r < m (floor division); returns r and sets q.
int floor_mod(int v, int m, int& q) {
  q = v / m - (v % m < 0 ? 1 : 0);
  return v - q * m;
}

bool lex_greater(const Offset& a, const Offset& b) {
  if (a.x != b.x) return a.x > b.x;
  if (a.y != b.y) return a.y > b.y;
  return a.z > b.z;
}

// Rule 1 the way the RTL computes it: at most 3 x-candidates (a = -1, 0, +1), 3 y-candidates
// per x-candidate (the reduced y and its neighbours one ring away), and the nearest z.
// Candidates further out are never minimal: two x wraps (or two y wraps) shift by a whole
// ring along the shifted dimension, so they only lengthen the x (y) leg.
Offset minimal_offset_unchecked(const Topology& t, Vec3 here, Vec3 dest) {
  const Vec3& s = t.shape();
  const int X = static_cast<int>(s.x), Y = static_cast<int>(s.y), Z = static_cast<int>(s.z);
  const int sxy = static_cast<int>(t.shift_xy()), sxz = static_cast<int>(t.shift_xz());
  const int syz = static_cast<int>(t.shift_yz());
  const int dx = static_cast<int>(dest.x) - static_cast<int>(here.x);
  const int dy = static_cast<int>(dest.y) - static_cast<int>(here.y);
  const int dz = static_cast<int>(dest.z) - static_cast<int>(here.z);
  const bool wx = t.wraps(0), wy = t.wraps(1), wz = t.wraps(2);

  Offset best;
  int best_cost = INT_MAX;
  for (int a = wx ? -1 : 0; a <= (wx ? 1 : 0); ++a) {
    Offset c;
    c.x = dx + a * X;
    const int y1 = dy - a * sxy;
    int q = 0;
    const int ry = wy ? floor_mod(y1, Y, q) : y1;
    const int b0 = -q; // the y wraps that reduce y1 to ry = y1 + b0 * Y
    const int z0 = dz - a * sxz;
    for (int k = wy ? -1 : 0; k <= (wy ? 1 : 0); ++k) {
      c.y = ry + k * Y;
      const int b = b0 + k; // c.y = y1 + b * Y
      const int z1 = z0 - b * syz;
      if (wz) {
        const int rz = floor_mod(z1, Z, q);
        c.z = rz <= Z - rz ? rz : rz - Z; // a tie goes to +
      } else {
        c.z = z1;
      }
      const int cost = c.length();
      if (cost < best_cost || (cost == best_cost && lex_greater(c, best))) {
        best = c;
        best_cost = cost;
      }
    }
  }
  return best;
}

Hop next_hop_unchecked(const Topology& t, Vec3 here, Vec3 dest, Port in_port, unsigned in_vc, unsigned num_vcs,
                       MsgClass cls) {
  const Offset delta = minimal_offset_unchecked(t, here, dest);
  const unsigned base = class_vc_base(cls, num_vcs);
  in_vc %= kVcsPerClass; // the VC inside the class's pair (the class itself never changes)
  int d = 0;
  while (d < 3 && delta[d] == 0)
    ++d;
  if (d == 3) return {Port::Local, base + in_vc};
  const int sign = delta[d] > 0 ? 1 : -1;
  const Port out = static_cast<Port>(2 * d + (sign > 0 ? 0 : 1));
  const bool wrap_now = t.is_wrap(here, out);
  const int pos = static_cast<int>(here[d]);
  const int end = pos + delta[d];
  const bool crossing = t.wraps(d) && (sign > 0 ? end >= static_cast<int>(t.shape()[d]) : end < 0);
  unsigned vc;
  if (port_dim(in_port) == d) // straight on
    vc = wrap_now ? 1u : in_vc;
  else // entering dimension d (or the network)
    vc = crossing ? (wrap_now ? 1u : 0u) : dest[d] % kVcsPerClass;
  return {out, base + vc};
}

void check_inside(const Topology& t, Vec3 p, const char* what) {
  if (!t.contains(p))
    throw std::invalid_argument(fmt::format("{} ({}) is outside the {}", what, phext::position_str(p), t.describe()));
}

void check_class_vc(unsigned vc, unsigned num_vcs, MsgClass cls) {
  const unsigned base = class_vc_base(cls, num_vcs);
  if (vc < base || vc >= base + kVcsPerClass)
    throw std::invalid_argument(fmt::format("VC {} is not a VC of the {} class on a router of {} VCs (VCs {} and {})",
                                            vc, class_name(cls), num_vcs, base, base + 1));
}

void check_vcs(unsigned num_vcs) {
  if (num_vcs != 2 && num_vcs != 4)
    throw std::invalid_argument(fmt::format("routing needs 2 VCs (one pair, classes shared) or 4 (a pair per "
                                            "message class), not {}",
                                            num_vcs));
}

// Channel numbering of the dependency graph: link channels (node * 6 + port) * V + vc, then the
// injection channels (local input) and the ejection channels (local output) of every node.
struct ChannelIds {
  unsigned nodes, vcs;
  std::size_t links() const { return std::size_t{nodes} * kNumLinkPorts * vcs; }
  std::size_t inject(unsigned node, unsigned vc) const { return links() + std::size_t{node} * vcs + vc; }
  std::size_t eject(unsigned node, unsigned vc) const { return links() + std::size_t{nodes + node} * vcs + vc; }
  std::size_t total() const { return links() + std::size_t{2} * nodes * vcs; }
};

std::string channel_str(const Topology& t, const ChannelIds& ids, std::size_t channel) {
  const unsigned v = ids.vcs;
  if (channel < ids.links()) {
    const auto vc = static_cast<unsigned>(channel % v);
    const auto port = static_cast<unsigned>(channel / v % kNumLinkPorts);
    const auto node = static_cast<unsigned>(channel / v / kNumLinkPorts);
    return fmt::format("({}){}/vc{}", phext::position_str(t.position(node)), port_name(static_cast<Port>(port)), vc);
  }
  const std::size_t e = channel - ids.links();
  const auto vc = static_cast<unsigned>(e % v);
  const auto node = static_cast<unsigned>(e / v % ids.nodes);
  return fmt::format("({}){}/vc{}", phext::position_str(t.position(node)), e / v < ids.nodes ? "inject" : "eject", vc);
}
} // namespace

int Offset::length() const { return std::abs(x) + std::abs(y) + std::abs(z); }

std::string_view class_name(MsgClass c) { return c == MsgClass::Request ? "request" : "response"; }

Offset minimal_offset(const Topology& t, Vec3 here, Vec3 dest) {
  check_inside(t, here, "position");
  check_inside(t, dest, "destination");
  return minimal_offset_unchecked(t, here, dest);
}

Hop next_hop(const Topology& t, Vec3 here, Vec3 dest, Port in_port, unsigned in_vc, unsigned num_vcs, MsgClass cls) {
  check_inside(t, here, "position");
  check_inside(t, dest, "destination");
  check_vcs(num_vcs);
  check_class_vc(in_vc, num_vcs, cls);
  return next_hop_unchecked(t, here, dest, in_port, in_vc, num_vcs, cls);
}

std::vector<PathHop> route(const Topology& t, Vec3 src, Vec3 dest, unsigned num_vcs, unsigned inject_vc, MsgClass cls) {
  check_inside(t, src, "source");
  check_inside(t, dest, "destination");
  check_vcs(num_vcs);
  std::vector<PathHop> path;
  Vec3 node = src;
  Port in_port = Port::Local;
  unsigned vc = inject_vc == ~0u ? class_vc_base(cls, num_vcs) : inject_vc;
  check_class_vc(vc, num_vcs, cls);
  for (;;) {
    const Hop hop = next_hop_unchecked(t, node, dest, in_port, vc, num_vcs, cls);
    path.push_back({node, hop});
    if (hop.port == Port::Local) return path;
    if (path.size() > t.nodes())
      throw std::logic_error(fmt::format("routing bug: no delivery from ({}) to ({}) within {} hops in the {}",
                                         phext::position_str(src), phext::position_str(dest), t.nodes(), t.describe()));
    const std::optional<Vec3> next = t.neighbor(node, hop.port);
    if (!next)
      throw std::logic_error(fmt::format("routing bug: ({}) has no {} link in the {}", phext::position_str(node),
                                         port_name(hop.port), t.describe()));
    node = *next;
    in_port = opposite(hop.port);
    vc = hop.vc;
  }
}

std::vector<unsigned> bfs_distances(const Topology& t, Vec3 src) {
  check_inside(t, src, "source");
  std::vector<unsigned> dist(t.nodes(), kNoNode);
  std::vector<unsigned> queue;
  queue.reserve(t.nodes());
  dist[t.index(src)] = 0;
  queue.push_back(t.index(src));
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const unsigned u = queue[head];
    const Vec3 p = t.position(u);
    for (int port = 0; port < kNumLinkPorts; ++port) {
      const std::optional<Vec3> q = t.neighbor(p, static_cast<Port>(port));
      if (!q) continue;
      const unsigned v = t.index(*q);
      if (dist[v] != kNoNode) continue;
      dist[v] = dist[u] + 1;
      queue.push_back(v);
    }
  }
  return dist;
}

bool find_cycle(const std::vector<std::vector<unsigned>>& adjacency, std::vector<unsigned>* cycle) {
  enum : std::uint8_t { White, Grey, Black };
  const std::size_t n = adjacency.size();
  std::vector<std::uint8_t> colour(n, White);
  std::vector<std::pair<unsigned, std::size_t>> stack; // (vertex, next edge to follow)
  for (std::size_t root = 0; root < n; ++root) {
    if (colour[root] != White) continue;
    colour[root] = Grey;
    stack.push_back({static_cast<unsigned>(root), 0});
    while (!stack.empty()) {
      const unsigned v = stack.back().first;
      const std::size_t i = stack.back().second;
      if (i == adjacency[v].size()) {
        colour[v] = Black;
        stack.pop_back();
        continue;
      }
      ++stack.back().second;
      const unsigned w = adjacency[v][i];
      if (w >= n) throw std::out_of_range(fmt::format("find_cycle: edge {} -> {} leaves the {} vertices", v, w, n));
      if (colour[w] == White) {
        colour[w] = Grey;
        stack.push_back({w, 0});
      } else if (colour[w] == Grey) { // a back edge: the grey vertices from w to v are a cycle
        if (cycle) {
          cycle->clear();
          std::size_t from = stack.size() - 1;
          while (stack[from].first != w)
            --from;
          for (std::size_t j = from; j < stack.size(); ++j)
            cycle->push_back(stack[j].first);
        }
        return true;
      }
    }
  }
  if (cycle) cycle->clear();
  return false;
}

CdgResult check_channel_dependencies(const Topology& t, unsigned num_vcs, bool protocol) {
  check_vcs(num_vcs);
  const unsigned n = t.nodes();
  const ChannelIds ids{n, num_vcs};
  std::vector<Vec3> pos(n);
  std::vector<unsigned> link(std::size_t{n} * kNumLinkPorts, kNoNode); // neighbour index per (node, port)
  for (unsigned i = 0; i < n; ++i) {
    pos[i] = t.position(i);
    for (int port = 0; port < kNumLinkPorts; ++port)
      if (const auto q = t.neighbor(pos[i], static_cast<Port>(port)))
        link[std::size_t{i} * kNumLinkPorts + static_cast<unsigned>(port)] = t.index(*q);
  }

  // The successor of a link channel is a channel of the node the link leads to, the successor of
  // an injection channel one of its own node: either fits in one mask over (port 0..5 = link,
  // 6 = ejection) x VC, at most 7 x 4 bits.
  const unsigned slots = (kNumLinkPorts + 1) * num_vcs;
  const unsigned eject_slot = kNumLinkPorts * num_vcs;
  std::vector<std::uint32_t> succ(ids.total(), 0);
  std::vector<std::uint8_t> used(ids.links(), 0);
  // (with 2 VCs the classes' routes are the same channels: one class covers both)
  const std::vector<MsgClass> classes = protocol || num_vcs > kVcsPerClass
                                            ? std::vector<MsgClass>{MsgClass::Request, MsgClass::Response}
                                            : std::vector<MsgClass>{MsgClass::Request};
  for (const MsgClass cls : classes) {
    const unsigned base = class_vc_base(cls, num_vcs);
    for (unsigned src = 0; src < n; ++src) {
      for (unsigned dst = 0; dst < n; ++dst) {
        if (src == dst && !protocol) continue; // no link channel: nothing to depend on
        for (unsigned inject_vc = base; inject_vc < base + kVcsPerClass; ++inject_vc) {
          unsigned node = src;
          Port in_port = Port::Local;
          unsigned vc = inject_vc;
          std::size_t prev = protocol ? ids.inject(src, inject_vc) : SIZE_MAX;
          for (unsigned steps = 0;; ++steps) {
            const Hop hop = next_hop_unchecked(t, pos[node], pos[dst], in_port, vc, num_vcs, cls);
            if (hop.vc < base || hop.vc >= base + kVcsPerClass || steps > n)
              throw std::logic_error(fmt::format("routing bug: {} route ({}) -> ({}) in the {} loops or leaves its "
                                                 "class's VCs",
                                                 class_name(cls), phext::position_str(pos[src]),
                                                 phext::position_str(pos[dst]), t.describe()));
            if (hop.port == Port::Local) {
              if (protocol) succ[prev] |= std::uint32_t{1} << (eject_slot + hop.vc);
              break;
            }
            const unsigned port = static_cast<unsigned>(hop.port);
            const std::size_t ch = (std::size_t{node} * kNumLinkPorts + port) * num_vcs + hop.vc;
            used[ch] = 1;
            if (prev != SIZE_MAX) succ[prev] |= std::uint32_t{1} << (port * num_vcs + hop.vc);
            prev = ch;
            const unsigned next = link[std::size_t{node} * kNumLinkPorts + port];
            if (next == kNoNode)
              throw std::logic_error(fmt::format("routing bug: ({}) has no {} link in the {}",
                                                 phext::position_str(pos[node]), port_name(hop.port), t.describe()));
            node = next;
            in_port = opposite(hop.port);
            vc = hop.vc;
          }
        }
      }
    }
  }

  CdgResult result;
  std::vector<std::vector<unsigned>> adjacency(ids.total());
  auto add_mask = [&](std::size_t ch, unsigned to_node) {
    const std::uint32_t mask = succ[ch];
    for (unsigned bit = 0; bit < slots; ++bit) {
      if (!((mask >> bit) & 1u)) continue;
      const std::size_t to = bit >= eject_slot ? ids.eject(to_node, bit - eject_slot)
                                               : std::size_t{to_node} * kNumLinkPorts * num_vcs + bit;
      adjacency[ch].push_back(static_cast<unsigned>(to));
    }
  };
  for (std::size_t ch = 0; ch < ids.links(); ++ch) {
    result.channels += used[ch];
    if (succ[ch]) add_mask(ch, link[ch / num_vcs]); // ch / num_vcs = node * 6 + port
  }
  if (protocol) {
    const unsigned req = class_vc_base(MsgClass::Request, num_vcs), resp = class_vc_base(MsgClass::Response, num_vcs);
    for (unsigned node = 0; node < n; ++node)
      for (unsigned v = 0; v < kVcsPerClass; ++v) {
        add_mask(ids.inject(node, req + v), node);
        add_mask(ids.inject(node, resp + v), node); // (the same channels when the classes share VCs)
        for (unsigned w = 0; w < kVcsPerClass; ++w) // a delivered request may wait to send a response
          adjacency[ids.eject(node, req + v)].push_back(static_cast<unsigned>(ids.inject(node, resp + w)));
      }
  }
  for (auto& a : adjacency) {
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    result.dependencies += a.size();
  }

  std::vector<unsigned> cycle;
  if (find_cycle(adjacency, &cycle)) {
    result.acyclic = false;
    for (const unsigned ch : cycle)
      result.cycle += channel_str(t, ids, ch) + " -> ";
    result.cycle += channel_str(t, ids, cycle.front());
  }
  return result;
}

} // namespace phtpu::net
