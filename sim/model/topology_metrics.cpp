// Exact topology metrics (topology_metrics.hpp says how and why each is exact).
#include "topology_metrics.hpp"

#include "routing.hpp"

#include <algorithm>
#include <climits>

namespace phtpu::model {

namespace {
constexpr unsigned kVcs = 2; // the VC choice does not change the path

/// Adds the link ports of the route src -> dest to `count` (per port) and returns its hops.
unsigned walk(const net::Topology& t, Vec3 src, Vec3 dest, std::array<double, 6>& count) {
  const auto r = net::route(t, src, dest, kVcs);
  unsigned hops = 0;
  for (const auto& h : r)
    if (h.hop.port != net::Port::Local) {
      count[static_cast<unsigned>(h.hop.port)] += 1;
      ++hops;
    }
  return hops;
}
} // namespace

unsigned cut_links(const net::Topology& t, const std::vector<bool>& side) {
  unsigned n = 0;
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const Vec3 p = t.position(i);
    for (int d = 0; d < 3; ++d) { // each link once: from its node's + port
      const auto q = t.neighbor(p, net::port_of(d, 1));
      if (q && side[i] != side[t.index(*q)]) ++n;
    }
  }
  return n;
}

std::vector<std::uint32_t> all_pairs_link_load(const net::Topology& t) {
  std::vector<std::uint32_t> load(std::size_t{t.nodes()} * 6, 0);
  for (unsigned s = 0; s < t.nodes(); ++s)
    for (unsigned d = 0; d < t.nodes(); ++d) {
      if (s == d) continue;
      for (const auto& h : net::route(t, t.position(s), t.position(d), kVcs))
        if (h.hop.port != net::Port::Local) ++load[std::size_t{t.index(h.node)} * 6 + static_cast<unsigned>(h.hop.port)];
    }
  return load;
}

TopologyMetrics compute_metrics(const net::Topology& t) {
  TopologyMetrics m;
  m.name = t.describe();
  m.shape = t.shape();
  m.torus = t.wraps(0) || t.wraps(1) || t.wraps(2);
  m.twisted = t.twist() != net::Twist::None;
  m.nodes = t.nodes();
  const unsigned n = m.nodes;
  for (unsigned i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d)
      if (t.neighbor(t.position(i), net::port_of(d, 1))) ++m.links;

  // distances and link loads
  const std::vector<Vec3> sources = [&] {
    std::vector<Vec3> s;
    if (m.torus) s.push_back({0, 0, 0}); // vertex-transitive: one source speaks for all
    else
      for (unsigned i = 0; i < n; ++i) s.push_back(t.position(i));
    return s;
  }();
  double dist_sum = 0, hop_sum = 0;
  std::array<double, 6> count{};
  for (const Vec3& src : sources) {
    const auto dist = net::bfs_distances(t, src);
    for (unsigned v = 0; v < n; ++v) {
      m.diameter = std::max(m.diameter, dist[v]);
      dist_sum += dist[v];
      if (v != t.index(src)) hop_sum += walk(t, src, t.position(v), count);
    }
  }
  const double pairs = double(sources.size()) * (n - 1);
  if (n > 1) {
    m.avg_hops = dist_sum / pairs;
    m.avg_route_hops = hop_sum / pairs;
  }
  if (m.torus) {
    m.pair_load = count; // every link of direction P carries count[P] routes
  } else {
    // a mesh: the loads differ from link to link; report the busiest link of each direction
    const auto load = all_pairs_link_load(t);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned p = 0; p < 6; ++p) m.pair_load[p] = std::max<double>(m.pair_load[p], load[std::size_t{i} * 6 + p]);
  }
  m.max_pair_load = *std::max_element(m.pair_load.begin(), m.pair_load.end());
  // every route hop is one link use; spread over the directed links that exist
  if (m.links) m.mean_pair_load = hop_sum / double(sources.size()) * n / (2.0 * m.links);
  if (!m.torus && m.links) m.mean_pair_load = hop_sum / (2.0 * m.links);
  if (n > 1 && m.max_pair_load > 0) {
    m.uniform_max_load = m.max_pair_load / (n - 1);
    m.uniform_saturation = 1.0 / m.uniform_max_load;
  }

  // bisection: two planes perpendicular to dimension d, half the ring on each side
  if (n % 2 == 0) {
    unsigned best = UINT_MAX;
    for (int d = 0; d < 3; ++d) {
      const unsigned len = t.shape()[d];
      if (len % 2) continue;
      const unsigned offsets = t.wraps(d) ? len / 2 : 1; // a mesh is cut in the middle only
      for (unsigned o = 0; o < offsets; ++o) {
        std::vector<bool> side(n);
        for (unsigned i = 0; i < n; ++i) side[i] = (t.position(i)[d] + len - o) % len < len / 2;
        const unsigned c = cut_links(t, side);
        if (c < best) {
          best = c;
          m.bisection_dim = d;
        }
      }
    }
    m.bisection_links = best == UINT_MAX ? 0 : best;
  }
  return m;
}

} // namespace phtpu::model
