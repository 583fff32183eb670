// The routing oracle (coords/routing.*): minimal dimension-order routes with dateline VCs on
// meshes, regular and twisted tori, checked against breadth-first search, a brute-force
// lattice minimum and the channel dependency graph, for every pair of every supported shape.
#include "routing.hpp"

#include "net_shapes.hpp"
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

using phext::Vec3;
using phtpu::net::find_cycle;
using phtpu::net::Hop;
using phtpu::net::MsgClass;
using phtpu::net::Offset;
using phtpu::net::PathHop;
using phtpu::net::Port;
using phtpu::net::Topology;

using namespace net_shapes;

namespace {
std::string pos(Vec3 p) { return phext::position_str(p); }
std::string off(const Offset& o) { return fmt::format("({},{},{})", o.x, o.y, o.z); }

// "(2,0,0)+X/0 (3,0,0)+X/1 (0,0,0)local/1": node, port taken, VC, per hop.
std::string route_str(const std::vector<PathHop>& r) {
  std::string s;
  for (const PathHop& h : r)
    s += fmt::format("{}({}){}/{}", s.empty() ? "" : " ", pos(h.node), phtpu::net::port_name(h.hop.port), h.hop.vc);
  return s;
}
std::string route_str(const Topology& t, Vec3 src, Vec3 dest, unsigned num_vcs = 2) {
  return route_str(phtpu::net::route(t, src, dest, num_vcs));
}

unsigned distance(const Topology& t, Vec3 src, Vec3 dest) { return phtpu::net::bfs_distances(t, src)[t.index(dest)]; }

// The first problem found over many pairs, and how many there were: one Catch assertion per
// shape instead of one per pair keeps a million pairs fast.
struct Failures {
  unsigned count = 0;
  std::string first;
  void add(const std::string& what) {
    if (count++ == 0) first = what;
  }
};

// Independent brute force of rule 1: every representative δ + a*Wx + b*Wy + c*Wz with a, b, c in
// [-4, 4] (0 along a dimension without wrap links), smallest L1, ties to the lexicographically
// largest. `widest` reports the largest |a|, |b|, |c| of the winner, to show the box was wide enough.
Offset lattice_minimum(const Topology& t, int dx, int dy, int dz, int* widest) {
  const Vec3& s = t.shape();
  const int X = static_cast<int>(s.x), Y = static_cast<int>(s.y), Z = static_cast<int>(s.z);
  const int sxy = static_cast<int>(t.shift_xy()), sxz = static_cast<int>(t.shift_xz());
  const int syz = static_cast<int>(t.shift_yz());
  const int ra = t.wraps(0) ? 4 : 0, rb = t.wraps(1) ? 4 : 0, rc = t.wraps(2) ? 4 : 0;
  Offset best;
  int best_len = INT_MAX;
  for (int a = -ra; a <= ra; ++a)
    for (int b = -rb; b <= rb; ++b)
      for (int c = -rc; c <= rc; ++c) {
        const Offset o{dx + a * X, dy - a * sxy + b * Y, dz - a * sxz - b * syz + c * Z};
        const int len = std::abs(o.x) + std::abs(o.y) + std::abs(o.z);
        const bool greater = std::tie(o.x, o.y, o.z) > std::tie(best.x, best.y, best.z);
        if (len < best_len || (len == best_len && greater)) {
          best = o;
          best_len = len;
          *widest = std::max({std::abs(a), std::abs(b), std::abs(c)});
        }
      }
  return best;
}

// Checks one route against the BFS distance and the routing rules that can be stated per hop.
void check_route(const Topology& t, Vec3 src, Vec3 dest, const std::vector<PathHop>& r, unsigned dist, unsigned num_vcs,
                 Failures& f) {
  auto where = [&] { return pos(src) + " -> " + pos(dest) + ": "; };
  if (r.empty() || r.front().node != src || r.back().node != dest || r.back().hop.port != Port::Local)
    return f.add(where() + "route does not run from source to a local delivery at the destination: " + route_str(r));
  if (r.size() - 1 != dist)
    return f.add(where() + fmt::format("{} link hops, BFS distance {}: {}", r.size() - 1, dist, route_str(r)));
  int last_dim = -1;
  Offset here = phtpu::net::minimal_offset(t, src, dest);
  for (std::size_t i = 0; i + 1 < r.size(); ++i) {
    const PathHop& h = r[i];
    const int d = phtpu::net::port_dim(h.hop.port);
    if (d < 0) return f.add(where() + "local hop before the destination: " + route_str(r));
    if (t.neighbor(h.node, h.hop.port) != r[i + 1].node)
      return f.add(where() + "hop to a non-neighbour: " + route_str(r));
    if (h.hop.vc >= num_vcs) return f.add(where() + "VC out of range: " + route_str(r));
    if (d < last_dim) return f.add(where() + "not dimension-ordered: " + route_str(r));
    if (t.is_wrap(h.node, h.hop.port) && h.hop.vc != 1)
      return f.add(where() + "wrap link not on VC 1: " + route_str(r));
    if (d == last_dim) {
      if (h.hop.port != r[i - 1].hop.port) return f.add(where() + "turns back within a dimension: " + route_str(r));
      if (!t.is_wrap(h.node, h.hop.port) && h.hop.vc != r[i - 1].hop.vc)
        return f.add(where() + "VC changes going straight on: " + route_str(r));
    }
    last_dim = d;
    // rule 1 at every hop, and its translation invariance: the next offset is this one minus the step
    const int sign = phtpu::net::port_sign(h.hop.port);
    if (here[d] * sign <= 0) return f.add(where() + "hop against the minimal offset " + off(here));
    for (int e = 0; e < d; ++e)
      if (here[e] != 0) return f.add(where() + "hop skips a dimension of the minimal offset " + off(here));
    Offset expect = here;
    expect[d] -= sign;
    const Offset next = phtpu::net::minimal_offset(t, r[i + 1].node, dest);
    if (!(next == expect))
      return f.add(where() + fmt::format("offset {} at {}, then {} instead of {} at the next hop", off(here),
                                         pos(h.node), off(next), off(expect)));
    here = next;
  }
  if (!(here == Offset{})) return f.add(where() + "delivered with a non-zero offset " + off(here));
  const unsigned arrival_vc = r.size() > 1 ? r[r.size() - 2].hop.vc : 0;
  if (r.back().hop.vc != arrival_vc) return f.add(where() + "local delivery changes the VC: " + route_str(r));
}

double average_distance(const Topology& t) {
  unsigned long long sum = 0, pairs = 0;
  for (unsigned s = 0; s < t.nodes(); ++s) {
    const std::vector<unsigned> dist = phtpu::net::bfs_distances(t, t.position(s));
    for (unsigned d = 0; d < t.nodes(); ++d)
      if (d != s) {
        sum += dist[d];
        ++pairs;
      }
  }
  return static_cast<double>(sum) / static_cast<double>(pairs);
}

unsigned diameter(const Topology& t) {
  unsigned worst = 0;
  for (unsigned s = 0; s < t.nodes(); ++s) {
    const std::vector<unsigned> dist = phtpu::net::bfs_distances(t, t.position(s));
    worst = std::max(worst, *std::max_element(dist.begin(), dist.end()));
  }
  return worst;
}
} // namespace

TEST_CASE("routes are minimal, deterministic and end at the destination for every pair", "[net][routing]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  Failures f;
  unsigned long long pairs = 0;
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const Vec3 src = t.position(i);
    const std::vector<unsigned> dist = phtpu::net::bfs_distances(t, src);
    for (unsigned j = 0; j < t.nodes(); ++j) {
      const Vec3 dest = t.position(j);
      const std::vector<PathHop> r = phtpu::net::route(t, src, dest, 2);
      check_route(t, src, dest, r, dist[j], 2, f);
      if (phtpu::net::route(t, src, dest, 2) != r) f.add(pos(src) + " -> " + pos(dest) + ": not deterministic");
      ++pairs;
    }
  }
  INFO(f.first);
  CHECK(f.count == 0);
  CHECK(pairs == static_cast<unsigned long long>(t.nodes()) * t.nodes());
}

TEST_CASE("minimal_offset is the lexicographically largest shortest lattice representative", "[net][routing]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  const int X = static_cast<int>(s.shape.x), Y = static_cast<int>(s.shape.y), Z = static_cast<int>(s.shape.z);
  // the brute force depends only on δ = dest - here: compute it once per δ
  std::vector<Offset> brute(static_cast<std::size_t>((2 * X - 1) * (2 * Y - 1) * (2 * Z - 1)));
  int widest = 0;
  for (int dz = 1 - Z; dz < Z; ++dz)
    for (int dy = 1 - Y; dy < Y; ++dy)
      for (int dx = 1 - X; dx < X; ++dx) {
        int w = 0;
        brute[static_cast<std::size_t>((dx + X - 1) + (2 * X - 1) * ((dy + Y - 1) + (2 * Y - 1) * (dz + Z - 1)))] =
            lattice_minimum(t, dx, dy, dz, &w);
        widest = std::max(widest, w);
      }
  CHECK(widest < 4); // the winner lies strictly inside the searched box of coefficients

  Failures f;
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const Vec3 src = t.position(i);
    const std::vector<unsigned> dist = phtpu::net::bfs_distances(t, src);
    for (unsigned j = 0; j < t.nodes(); ++j) {
      const Vec3 dest = t.position(j);
      const int dx = static_cast<int>(dest.x) - static_cast<int>(src.x);
      const int dy = static_cast<int>(dest.y) - static_cast<int>(src.y);
      const int dz = static_cast<int>(dest.z) - static_cast<int>(src.z);
      const Offset& want =
          brute[static_cast<std::size_t>((dx + X - 1) + (2 * X - 1) * ((dy + Y - 1) + (2 * Y - 1) * (dz + Z - 1)))];
      const Offset got = phtpu::net::minimal_offset(t, src, dest);
      if (!(got == want))
        f.add(fmt::format("{} -> {}: minimal_offset {}, brute force {}", pos(src), pos(dest), off(got), off(want)));
      else if (static_cast<unsigned>(want.length()) != dist[j])
        f.add(fmt::format("{} -> {}: lattice minimum {} has length {}, BFS distance {}", pos(src), pos(dest), off(want),
                          want.length(), dist[j]));
    }
  }
  INFO(f.first);
  CHECK(f.count == 0);
}

TEST_CASE("the channel dependency graph is acyclic with 2 VCs on every shape", "[net][routing][cdg]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  const phtpu::net::CdgResult r = phtpu::net::check_channel_dependencies(t, 2);
  INFO(r.cycle);
  CHECK(r.acyclic);
  CHECK(r.cycle.empty());
  CAPTURE(r.channels, r.dependencies);
  CHECK(r.channels <= std::size_t{t.nodes()} * 6 * 2);
  CHECK((r.channels > 0) == (t.nodes() > 1));
  CHECK((r.dependencies > 0) == (t.nodes() > 2)); // every shape with 3 or more chips has 2-hop routes
}

TEST_CASE("the channel dependency graph is acyclic with 4 VCs, both classes", "[net][routing][cdg]") {
  const ShapeCase s = GENERATE(values<ShapeCase>({
      {{2, 2, 2}, Kind::Torus},
      {{4, 4, 4}, Kind::Torus},
      {{8, 8, 8}, Kind::Torus},
      {{4, 4, 8}, Kind::Twisted},
      {{4, 8, 8}, Kind::Twisted},
      {{2, 4, 4}, Kind::Mesh},
  }));
  const Topology t = make(s);
  CAPTURE(t.describe());
  const phtpu::net::CdgResult r = phtpu::net::check_channel_dependencies(t, 4);
  INFO(r.cycle);
  CHECK(r.acyclic);
  CHECK(r.channels <= std::size_t{t.nodes()} * 6 * 4);
}

// Protocol deadlock: a request delivered at a chip may wait for a response
// channel there (a read or a row lookup is answered), so the endpoints join the two classes'
// networks. With a VC pair per class the joined graph stays acyclic; with the classes on one
// pair (2 VCs) the ejection -> injection edge closes a cycle on every shape.
TEST_CASE("with message classes the protocol dependency graph is acyclic on every shape", "[net][routing][cdg][protocol]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  const phtpu::net::CdgResult r = phtpu::net::check_channel_dependencies(t, 4, true);
  INFO(r.cycle);
  CHECK(r.acyclic);
  // the endpoints add edges: every node's injections and ejections, both classes
  const phtpu::net::CdgResult links = phtpu::net::check_channel_dependencies(t, 4);
  CHECK(r.dependencies > links.dependencies);
  CHECK(r.channels == links.channels);
}

TEST_CASE("negative control: with the classes merged the protocol dependency closes a cycle", "[net][routing][cdg][protocol]") {
  const ShapeCase s = GENERATE(from_range(kShapes));
  const Topology t = make(s);
  CAPTURE(t.describe());
  const phtpu::net::CdgResult r = phtpu::net::check_channel_dependencies(t, 2, true);
  CHECK_FALSE(r.acyclic);
  INFO(r.cycle);
  // the cycle runs through a request ejection and a response injection of one node
  CHECK(r.cycle.find("eject") != std::string::npos);
  CHECK(r.cycle.find("inject") != std::string::npos);
  // ... and the network alone, without the protocol edge, has none
  CHECK(phtpu::net::check_channel_dependencies(t, 2).acyclic);
}

TEST_CASE("the protocol cycle on a ring of two chips, by hand", "[net][routing][cdg][protocol]") {
  // 1x1x2 mesh, 2 VCs shared: chip 0 sends a read request to chip 1 on (0)+Z (VC 1: dest z = 1)
  // and chip 1's answer comes back on (1)-Z (VC 0), both classes through the same ejection and
  // injection channels; so eject(1) -> inject(1) -> (1)-Z -> eject(0) -> inject(0) -> (0)+Z
  // -> eject(1). With 4 VCs the response goes on VC 2 and ends at eject(0)/vc2, which leads nowhere.
  const Topology t = Topology::mesh({1, 1, 2});
  const phtpu::net::CdgResult merged = phtpu::net::check_channel_dependencies(t, 2, true);
  CHECK_FALSE(merged.acyclic);
  const phtpu::net::CdgResult split = phtpu::net::check_channel_dependencies(t, 4, true);
  CHECK(split.acyclic);
  CHECK(split.channels == 4); // (0)+Z and (1)-Z, one VC of each class each
  CHECK(route_str(phtpu::net::route(t, {0, 0, 0}, {0, 0, 1}, 4)) == "(0,0,0)+Z/1 (0,0,1)local/1");
  CHECK(route_str(phtpu::net::route(t, {0, 0, 1}, {0, 0, 0}, 4, ~0u, MsgClass::Response)) ==
        "(0,0,1)-Z/2 (0,0,0)local/2");
}

TEST_CASE("find_cycle finds cycles and self-loops and accepts DAGs", "[net][routing][cdg]") {
  std::vector<unsigned> cycle;
  // 0 -> 1 -> 2 -> 3 -> 0, with a tail 4 -> 0
  CHECK(find_cycle({{1}, {2}, {3}, {0}, {0}}, &cycle));
  std::vector<unsigned> sorted = cycle;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<unsigned>{0, 1, 2, 3});
  for (std::size_t i = 0; i < cycle.size(); ++i) // consecutive, and closing back to the first
    CHECK((cycle[i] + 1) % 4 == cycle[(i + 1) % cycle.size()]);

  CHECK_FALSE(find_cycle({{1, 2}, {3}, {3}, {}}, &cycle)); // a diamond is no cycle
  CHECK(cycle.empty());
  CHECK_FALSE(find_cycle({}, &cycle));
  CHECK(find_cycle({{}, {1}}, &cycle)); // a self-loop
  CHECK(cycle == std::vector<unsigned>{1});
  CHECK(find_cycle({{1}, {}, {3}, {4}, {2}}, nullptr)); // the cycle is in the second component
  CHECK_THROWS_AS(find_cycle({{5}}, nullptr), std::out_of_range);

  // deep graphs need no recursion: a chain of 300000 vertices, then closed into one cycle
  std::vector<std::vector<unsigned>> chain(300000);
  for (unsigned v = 0; v + 1 < chain.size(); ++v)
    chain[v].push_back(v + 1);
  CHECK_FALSE(find_cycle(chain, nullptr));
  chain.back().push_back(0);
  CHECK(find_cycle(chain, &cycle));
  CHECK(cycle.size() == chain.size());
}

TEST_CASE("without virtual channels a torus ring has a cyclic channel dependency", "[net][routing][cdg]") {
  // Negative control: the same kind of graph, built from the oracle's real routes on a ring of
  // four chips, but with every packet on one VC. Two-hop routes go + (the tie rule), so the four
  // +X channels depend on each other in a ring. Keeping the oracle's VCs breaks the cycle.
  const Topology t = Topology::torus({4, 1, 1});
  std::vector<std::vector<unsigned>> one_vc(t.nodes() * 6), with_vcs(t.nodes() * 6 * 2);
  for (unsigned i = 0; i < t.nodes(); ++i)
    for (unsigned j = 0; j < t.nodes(); ++j) {
      const std::vector<PathHop> r = phtpu::net::route(t, t.position(i), t.position(j), 2);
      for (std::size_t h = 0; h + 2 < r.size(); ++h) {
        const unsigned a = t.index(r[h].node) * 6 + static_cast<unsigned>(r[h].hop.port);
        const unsigned b = t.index(r[h + 1].node) * 6 + static_cast<unsigned>(r[h + 1].hop.port);
        one_vc[a].push_back(b);
        with_vcs[a * 2 + r[h].hop.vc].push_back(b * 2 + r[h + 1].hop.vc);
      }
    }
  std::vector<unsigned> cycle;
  REQUIRE(find_cycle(one_vc, &cycle));
  CHECK(cycle.size() == 4);
  for (const unsigned ch : cycle)
    CHECK(ch % 6 == static_cast<unsigned>(Port::XP));
  CHECK_FALSE(find_cycle(with_vcs, nullptr));
  CHECK(phtpu::net::check_channel_dependencies(t, 2).acyclic);
}

TEST_CASE("VC rules hand-worked on the 4x4x4 torus", "[net][routing][vc]") {
  const Topology t = Topology::torus({4, 4, 4});
  // the wrap link itself is taken on VC 1
  CHECK(route_str(t, {3, 0, 0}, {0, 0, 0}) == "(3,0,0)+X/1 (0,0,0)local/1");
  // distance 2 either way: the tie goes +X, VC 0 up to the wrap link, VC 1 on it
  CHECK(route_str(t, {2, 0, 0}, {0, 0, 0}) == "(2,0,0)+X/0 (3,0,0)+X/1 (0,0,0)local/1");
  CHECK(route_str(t, {0, 0, 2}, {0, 0, 0}) == "(0,0,2)+Z/0 (0,0,3)+Z/1 (0,0,0)local/1");
  CHECK(route_str(t, {0, 0, 3}, {0, 0, 1}) == "(0,0,3)+Z/1 (0,0,0)+Z/1 (0,0,1)local/1");
  CHECK(route_str(t, {0, 0, 0}, {3, 0, 0}) == "(0,0,0)-X/1 (3,0,0)local/1");
  // no dateline crossed: VC = destination coordinate mod 2
  CHECK(route_str(t, {0, 0, 0}, {1, 0, 0}) == "(0,0,0)+X/1 (1,0,0)local/1");
  CHECK(route_str(t, {0, 0, 0}, {2, 0, 0}) == "(0,0,0)+X/0 (1,0,0)+X/0 (2,0,0)local/0");
  CHECK(route_str(t, {1, 0, 0}, {0, 0, 0}) == "(1,0,0)-X/0 (0,0,0)local/0");
  // each new dimension chooses afresh; delivery keeps the arrival VC
  CHECK(route_str(t, {0, 0, 0}, {3, 1, 0}) == "(0,0,0)-X/1 (3,0,0)+Y/1 (3,1,0)local/1");
  CHECK(route_str(t, {1, 0, 0}, {0, 3, 2}) == "(1,0,0)-X/0 (0,0,0)-Y/1 (0,3,0)+Z/0 (0,3,1)+Z/0 (0,3,2)local/0");
  // with 4 VCs requests keep VCs 0 and 1, responses take the same rules on VCs 2 and 3
  CHECK(route_str(t, {1, 0, 0}, {3, 0, 0}, 4) == "(1,0,0)+X/1 (2,0,0)+X/1 (3,0,0)local/1");
  CHECK(route_str(t, {2, 0, 0}, {0, 0, 0}, 4) == "(2,0,0)+X/0 (3,0,0)+X/1 (0,0,0)local/1");
  const auto resp = [&](Vec3 a, Vec3 b) { return route_str(phtpu::net::route(t, a, b, 4, ~0u, MsgClass::Response)); };
  CHECK(resp({1, 0, 0}, {3, 0, 0}) == "(1,0,0)+X/3 (2,0,0)+X/3 (3,0,0)local/3");
  CHECK(resp({2, 0, 0}, {0, 0, 0}) == "(2,0,0)+X/2 (3,0,0)+X/3 (0,0,0)local/3");
  CHECK(resp({0, 0, 1}, {0, 2, 1}) == "(0,0,1)+Y/2 (0,1,1)+Y/2 (0,2,1)local/2");
  // on 2 VCs the classes share the pair: the same route for both
  CHECK(route_str(phtpu::net::route(t, {2, 0, 0}, {0, 0, 0}, 2, ~0u, MsgClass::Response)) ==
        "(2,0,0)+X/0 (3,0,0)+X/1 (0,0,0)local/1");

  // next_hop on its own: straight on keeps the input VC, unless it takes the wrap link
  using phtpu::net::next_hop;
  CHECK(next_hop(t, {1, 0, 0}, {3, 0, 0}, Port::XM, 1, 2) == Hop{Port::XP, 1});
  CHECK(next_hop(t, {1, 0, 0}, {3, 0, 0}, Port::XM, 0, 2) == Hop{Port::XP, 0});
  CHECK(next_hop(t, {3, 0, 0}, {0, 0, 0}, Port::XM, 0, 2) == Hop{Port::XP, 1});
  // turning into a new dimension ignores the input VC
  CHECK(next_hop(t, {1, 0, 0}, {1, 3, 0}, Port::XM, 0, 2) == Hop{Port::YM, 1}); // crossing, on the wrap link
  CHECK(next_hop(t, {1, 0, 0}, {1, 1, 0}, Port::XM, 0, 2) == Hop{Port::YP, 1}); // dest y = 1
  CHECK(next_hop(t, {1, 0, 0}, {1, 2, 0}, Port::XM, 1, 2) == Hop{Port::YP, 0}); // dest y = 2
  CHECK(next_hop(t, {1, 1, 0}, {1, 3, 0}, Port::Local, 1, 2) == Hop{Port::YP, 1});
  CHECK(next_hop(t, {1, 1, 1}, {1, 1, 1}, Port::XM, 1, 2) == Hop{Port::Local, 1});
  CHECK(next_hop(t, {1, 1, 1}, {1, 1, 1}, Port::Local, 0, 2) == Hop{Port::Local, 0});
  // a response keeps its class on every hop, delivery included
  CHECK(next_hop(t, {1, 0, 0}, {3, 0, 0}, Port::XM, 3, 4, MsgClass::Response) == Hop{Port::XP, 3});
  CHECK(next_hop(t, {3, 0, 0}, {0, 0, 0}, Port::XM, 2, 4, MsgClass::Response) == Hop{Port::XP, 3});
  CHECK(next_hop(t, {1, 1, 1}, {1, 1, 1}, Port::XM, 3, 4, MsgClass::Response) == Hop{Port::Local, 3});
}

TEST_CASE("VC rules on the 2x2x2 mesh follow the destination parity", "[net][routing][vc]") {
  const Topology t = Topology::mesh({2, 2, 2});
  CHECK(route_str(t, {0, 0, 0}, {1, 1, 1}) == "(0,0,0)+X/1 (1,0,0)+Y/1 (1,1,0)+Z/1 (1,1,1)local/1");
  CHECK(route_str(t, {1, 1, 1}, {0, 0, 0}) == "(1,1,1)-X/0 (0,1,1)-Y/0 (0,0,1)-Z/0 (0,0,0)local/0");
  CHECK(route_str(t, {0, 1, 0}, {1, 0, 1}) == "(0,1,0)+X/1 (1,1,0)-Y/0 (1,0,0)+Z/1 (1,0,1)local/1");
  for (unsigned i = 0; i < t.nodes(); ++i)
    for (unsigned j = 0; j < t.nodes(); ++j) {
      const Vec3 dest = t.position(j);
      const std::vector<PathHop> r = phtpu::net::route(t, t.position(i), dest, 2);
      for (std::size_t h = 0; h + 1 < r.size(); ++h)
        REQUIRE(r[h].hop.vc == dest[phtpu::net::port_dim(r[h].hop.port)] % 2);
    }
}

TEST_CASE("VC rules on the 2x2x2 torus with rings of two", "[net][routing][vc]") {
  const Topology t = Topology::torus({2, 2, 2});
  CHECK(route_str(t, {1, 0, 0}, {0, 0, 0}) == "(1,0,0)+X/1 (0,0,0)local/1"); // tie: + over the wrap link
  CHECK(route_str(t, {0, 0, 0}, {1, 0, 0}) == "(0,0,0)+X/1 (1,0,0)local/1"); // no wrap, dest x = 1
  CHECK(route_str(t, {0, 1, 1}, {0, 0, 0}) == "(0,1,1)+Y/1 (0,0,1)+Z/1 (0,0,0)local/1");
  CHECK(route_str(t, {1, 1, 1}, {0, 0, 0}) == "(1,1,1)+X/1 (0,1,1)+Y/1 (0,0,1)+Z/1 (0,0,0)local/1");
  for (unsigned i = 0; i < t.nodes(); ++i) // every tie goes +: no packet ever moves -
    for (unsigned j = 0; j < t.nodes(); ++j)
      for (const PathHop& h : phtpu::net::route(t, t.position(i), t.position(j), 2))
        REQUIRE(phtpu::net::port_sign(h.hop.port) >= 0);
}

TEST_CASE("hand-worked routes on the 4x4x8 twisted torus", "[net][routing][twisted]") {
  const Topology tw = Topology::torus({4, 4, 8}, true);
  const Topology reg = Topology::torus({4, 4, 8});
  // (0,0,0) -> (0,0,4): four hops every way (+-4 along z, +-4 along y or x through a shifted
  // wrap); the tie goes to the lexicographically largest offset (4,0,0): all the way round x,
  // whose wrap link (3,0,0) -> (0,0,0+4) lands on the destination.
  CHECK(phtpu::net::minimal_offset(tw, {0, 0, 0}, {0, 0, 4}) == Offset{4, 0, 0});
  CHECK(distance(tw, {0, 0, 0}, {0, 0, 4}) == 4);
  CHECK(distance(reg, {0, 0, 0}, {0, 0, 4}) == 4);
  CHECK(phtpu::net::next_hop(tw, {0, 0, 0}, {0, 0, 4}, Port::Local, 0, 2) == Hop{Port::XP, 0});
  CHECK(route_str(tw, {0, 0, 0}, {0, 0, 4}) == "(0,0,0)+X/0 (1,0,0)+X/0 (2,0,0)+X/0 (3,0,0)+X/1 (0,0,4)local/1");
  CHECK(route_str(reg, {0, 0, 0}, {0, 0, 4}) == "(0,0,0)+Z/0 (0,0,1)+Z/0 (0,0,2)+Z/0 (0,0,3)+Z/0 (0,0,4)local/0");

  // (0,0,0) -> (2,0,4): 6 hops in the regular torus, 2 in the twisted one: the -X wrap from
  // (0,0,0) lands at (3,0,(0-4) mod 8) = (3,0,4), one more -X is the destination.
  CHECK(phtpu::net::minimal_offset(tw, {0, 0, 0}, {2, 0, 4}) == Offset{-2, 0, 0});
  CHECK(distance(tw, {0, 0, 0}, {2, 0, 4}) == 2);
  CHECK(distance(reg, {0, 0, 0}, {2, 0, 4}) == 6);
  CHECK(route_str(tw, {0, 0, 0}, {2, 0, 4}) == "(0,0,0)-X/1 (3,0,4)-X/1 (2,0,4)local/1");

  // the y wrap is shifted too: (0,0,0) -> (0,2,4) in 2 hops instead of 6
  CHECK(route_str(tw, {0, 0, 0}, {0, 2, 4}) == "(0,0,0)-Y/1 (0,3,4)-Y/1 (0,2,4)local/1");
  CHECK(distance(reg, {0, 0, 0}, {0, 2, 4}) == 6);

  // (0,0,0) -> (2,2,4): 8 hops regular; twisted, offsets (2,-2,0) and (-2,2,0) both take 4,
  // the tie goes to (2,-2,0): +X twice (no wrap, dest x = 2 -> VC 0), then -Y over the shifted
  // y wrap (VC 1) to (2,3,4) and on to (2,2,4).
  CHECK(phtpu::net::minimal_offset(tw, {0, 0, 0}, {2, 2, 4}) == Offset{2, -2, 0});
  CHECK(distance(tw, {0, 0, 0}, {2, 2, 4}) == 4);
  CHECK(distance(reg, {0, 0, 0}, {2, 2, 4}) == 8);
  CHECK(route_str(tw, {0, 0, 0}, {2, 2, 4}) == "(0,0,0)+X/0 (1,0,0)+X/0 (2,0,0)-Y/1 (2,3,4)-Y/1 (2,2,4)local/1");
}

TEST_CASE("hand-worked routes on the 4x8x8 twisted torus", "[net][routing][twisted]") {
  const Topology tw = Topology::torus({4, 8, 8}, true);
  const Topology reg = Topology::torus({4, 8, 8});
  // the -X wrap of (0,0,0) lands at (3,(0-4) mod 8,(0-4) mod 8) = (3,4,4): 1 hop instead of 9
  CHECK(route_str(tw, {0, 0, 0}, {3, 4, 4}) == "(0,0,0)-X/1 (3,4,4)local/1");
  CHECK(distance(reg, {0, 0, 0}, {3, 4, 4}) == 9);
  // (0,4,4) is 4 hops away (8 regular); the tie goes round x, as on 4x4x8
  CHECK(phtpu::net::minimal_offset(tw, {0, 0, 0}, {0, 4, 4}) == Offset{4, 0, 0});
  CHECK(route_str(tw, {0, 0, 0}, {0, 4, 4}) == "(0,0,0)+X/0 (1,0,0)+X/0 (2,0,0)+X/0 (3,0,0)+X/1 (0,4,4)local/1");
  CHECK(distance(reg, {0, 0, 0}, {0, 4, 4}) == 8);
}

TEST_CASE("twisted tori have a lower average hop count than regular ones", "[net][routing][twisted]") {
  const Vec3 shape = GENERATE(Vec3{4, 4, 8}, Vec3{4, 8, 8}, Vec3{8, 8, 16}, Vec3{2, 2, 4}, Vec3{2, 4, 4});
  const Topology reg = Topology::torus(shape), tw = Topology::torus(shape, true);
  const double avg_reg = average_distance(reg), avg_tw = average_distance(tw);
  const unsigned dia_reg = diameter(reg), dia_tw = diameter(tw);
  WARN(fmt::format("{}: average hops {:.4f} regular, {:.4f} twisted; diameter {} regular, {} twisted",
                   phext::shape_str(shape), avg_reg, avg_tw, dia_reg, dia_tw));
  CHECK(avg_tw < avg_reg);
  CHECK(dia_tw <= dia_reg);
}

TEST_CASE("the injection VC only reaches the local port of a packet sent to itself", "[net][routing][vc]") {
  const Topology t = Topology::torus({4, 4, 8}, true);
  CHECK(route_str(t, {1, 2, 3}, {1, 2, 3}, 2) == "(1,2,3)local/0");
  CHECK(route_str(phtpu::net::route(t, {1, 2, 3}, {1, 2, 3}, 2, 1)) == "(1,2,3)local/1");
  for (unsigned j = 0; j < t.nodes(); ++j) {
    const Vec3 dest = t.position(j);
    if (dest == Vec3{0, 0, 0}) continue;
    REQUIRE(phtpu::net::route(t, {0, 0, 0}, dest, 2, 0) == phtpu::net::route(t, {0, 0, 0}, dest, 2, 1));
  }
}

TEST_CASE("the oracle rejects positions outside the topology and VC counts other than 2 and 4", "[net][routing]") {
  const Topology t = Topology::torus({4, 4, 4});
  CHECK_THROWS_AS(phtpu::net::minimal_offset(t, {4, 0, 0}, {0, 0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::next_hop(t, {0, 0, 0}, {0, 0, 4}, Port::Local, 0, 2), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::next_hop(t, {0, 0, 0}, {1, 0, 0}, Port::Local, 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::route(t, {0, 0, 0}, {1, 0, 0}, 1), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::bfs_distances(t, {0, 9, 0}), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::next_hop(t, {0, 0, 0}, {1, 0, 0}, Port::Local, 0, 3), std::invalid_argument);
  // a VC of the other class: a response on VC 0, a request on VC 2 (4 VCs)
  CHECK_THROWS_AS(phtpu::net::next_hop(t, {0, 0, 0}, {1, 0, 0}, Port::Local, 0, 4, MsgClass::Response),
                  std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::next_hop(t, {0, 0, 0}, {1, 0, 0}, Port::Local, 2, 4), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::route(t, {0, 0, 0}, {1, 0, 0}, 4, 3), std::invalid_argument);
  CHECK_NOTHROW(phtpu::net::next_hop(t, {0, 0, 0}, {1, 0, 0}, Port::Local, 1, 2, MsgClass::Response));
  CHECK_THROWS_AS(phtpu::net::check_channel_dependencies(t, 1), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::check_channel_dependencies(t, 3), std::invalid_argument);
  CHECK_THROWS_AS(phtpu::net::check_channel_dependencies(t, 8, true), std::invalid_argument);
}
