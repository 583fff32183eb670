// Collective times (collective_model.hpp has the model).
#include "collective_model.hpp"

#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace phtpu::model {

bool modelled(Collective c) { return std::find(std::begin(kCollectives), std::end(kCollectives), c) != std::end(kCollectives); }




double link_rate(const Machine& m, double lat) {
  if (m.credit_flits <= 0) return m.link_bytes_per_cycle;
  return m.link_bytes_per_cycle * std::min(1.0, m.credit_flits / (2 * lat + m.credit_extra));
}

std::string shape_label(const net::Topology& t) {
  return phext::shape_str(t.shape()) + (t.twist() != net::Twist::None ? ":twisted" : "");
}

net::Topology parse_topology(const std::string& text, unsigned cube) {
  phext::SliceShape p;
  try {
    p = phext::parse_slice_shape(text, "shape");
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
  const phext::Vec3 v = p.shape;
  const bool twisted = p.twisted;
  const std::string s = text.substr(0, text.find(':'));
  if (std::uint64_t{v.x} * v.y * v.z > kPodChips)
    throw std::invalid_argument(fmt::format("shape {}: {} chips, but a TPU v4 pod has {}", s, std::uint64_t{v.x} * v.y * v.z, kPodChips));
  bool all_multiple = true, all_small = true;
  for (int d = 0; d < 3; ++d) {
    all_multiple = all_multiple && v[d] % cube == 0;
    all_small = all_small && v[d] <= cube;
  }
  try {
    if (all_multiple) return net::Topology::torus(v, twisted);
    if (all_small) {
      if (twisted) throw std::invalid_argument(fmt::format("{}: a slice smaller than a cube is a mesh and cannot be twisted", s));
      return net::Topology::mesh(v);
    }
  } catch (const net::TopologyError& e) {
    throw std::invalid_argument(fmt::format("shape {}: {}", text, e.what()));
  }
  throw std::invalid_argument(fmt::format("shape {}: every dimension must be at most {} (a mesh inside one cube) or a multiple of {} (a torus of cubes)",
                                          s, cube, cube));
}

namespace {

/// Is the link leaving p through `port` optical (it leaves the chip's cube)?
bool optical(phext::Vec3 p, net::Port port, unsigned cube) {
  const int d = net::port_dim(port);
  return net::port_sign(port) > 0 ? p[d] % cube == cube - 1 : p[d] % cube == 0;
}

struct PhaseShape {
  double link_cycles_per_chunk_byte = 0; ///< busiest link: cycles per byte of one chunk
  double send_cycles_per_chunk_byte = 0; ///< the slowest chip's two sends, one after the other
  double latency = 0;                    ///< cycles of the longest route
};

/// Rings along d: every chip sends one chunk to its successor and one to its predecessor (the
/// logical ring, in coordinate order). Routes by the oracle; per-link load in chunks.
PhaseShape ring_phase(const net::Topology& t, int d, const Machine& m) {
  const unsigned n = t.nodes(), len = t.shape()[d];
  std::vector<double> load(std::size_t{n} * 6, 0);
  PhaseShape ps;
  const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
  for (unsigned i = 0; i < n; ++i) {
    const phext::Vec3 p = t.position(i);
    double send = 0;
    for (unsigned step : {1u, len - 1}) {
      phext::Vec3 q = p;
      q[d] = (p[d] + step) % len;
      double lat = 0, rate = m.link_bytes_per_cycle;
      for (const auto& h : net::route(t, p, q, 2)) {
        if (h.hop.port == net::Port::Local) continue;
        load[std::size_t{t.index(h.node)} * 6 + static_cast<unsigned>(h.hop.port)] += 1;
        const bool o = optical(h.node, h.hop.port, m.cube);
        lat += m.router_cycles + (o ? m.optical_latency : m.electrical_latency);
        rate = std::min(rate, o ? rate_o : rate_e);
      }
      ps.latency = std::max(ps.latency, lat + m.router_cycles);
      // one DMA engine sends one transfer after the other, each at its path's slowest link;
      // several engines send them at once
      send = m.serial_sends ? send + (1 + m.header_fraction) / rate : std::max(send, (1 + m.header_fraction) / rate);
    }
    ps.send_cycles_per_chunk_byte = std::max(ps.send_cycles_per_chunk_byte, send);
  }
  for (unsigned i = 0; i < n; ++i)
    for (unsigned port = 0; port < 6; ++port) {
      const double l = load[std::size_t{i} * 6 + port];
      if (l == 0) continue;
      const bool o = optical(t.position(i), static_cast<net::Port>(port), m.cube);
      ps.link_cycles_per_chunk_byte =
          std::max(ps.link_cycles_per_chunk_byte, l * (1 + m.header_fraction) / (o ? rate_o : rate_e));
    }
  return ps;
}

} // namespace

std::vector<StepGroup> step_groups(Collective c, const net::Topology& t, double bytes, const Machine& m) {
  if (!modelled(c))
    throw std::invalid_argument("the model does not cover " + collective_name(c) +
                                " (allreduce, reducescatter, allgather, alltoall)");
  std::vector<StepGroup> out;
  const unsigned n = t.nodes();
  if (n < 2) return out;
  if (c == Collective::AllToAll) {
    // Step k: every chip p sends one block to p + position(k) (Topology::translate; the pod's
    // schedule). On a torus a translation's routes are translates of the route 0 -> delta, so
    // every link of direction P carries as many of the step's blocks as that route has P hops.
    // A mesh has no such symmetry: its steps are routed chip by chip (it has at most 32 chips).
    const double block = bytes / n;
    const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
    const bool torus = t.wraps(0) || t.wraps(1) || t.wraps(2);
    StepGroup g;
    g.steps = 1;
    std::vector<double> load;
    for (unsigned k = 1; k < n; ++k) {
      const phext::Vec3 delta = t.position(k);
      double step = 0, lat = 0;
      if (torus) {
        // every direction of a torus has optical links (its wraps), and a translation loads
        // all links of a direction alike: the busiest carries the most hops of one direction
        std::array<double, 6> hops{};
        double rate = m.link_bytes_per_cycle;
        for (const auto& h : net::route(t, {0, 0, 0}, delta, 2)) {
          if (h.hop.port == net::Port::Local) continue;
          hops[static_cast<unsigned>(h.hop.port)] += 1;
          const bool o = optical(h.node, h.hop.port, m.cube);
          rate = std::min(rate, o ? rate_o : rate_e);
          lat += m.router_cycles + (o ? m.optical_latency : m.electrical_latency);
        }
        const double wire = block * (1 + m.header_fraction);
        step = std::max(wire / rate, *std::max_element(hops.begin(), hops.end()) * wire / rate_o);
      } else {
        load.assign(std::size_t{n} * 6, 0);
        for (unsigned i = 0; i < n; ++i) {
          const phext::Vec3 p = t.position(i);
          double l = 0;
          for (const auto& h : net::route(t, p, t.translate(p, delta), 2)) {
            if (h.hop.port == net::Port::Local) continue;
            load[std::size_t{t.index(h.node)} * 6 + static_cast<unsigned>(h.hop.port)] += 1;
            l += m.router_cycles + m.electrical_latency;
          }
          lat = std::max(lat, l);
        }
        step = block * (1 + m.header_fraction) / rate_e * *std::max_element(load.begin(), load.end());
      }
      g.link_cycles += step;
      g.latency = std::max(g.latency, lat + m.router_cycles);
    }
    g.chip_bytes = block * (n - 1);
    out.push_back(g);
    return out;
  }
  // per-dimension rings; the reduce-scatter's data shrinks by each ring's size
  struct Ph {
    int d;
    double data;
  };
  std::vector<Ph> rs;
  double data = bytes;
  for (int d = 0; d < 3; ++d) {
    const unsigned len = t.shape()[d];
    if (len < 2) continue;
    rs.push_back({d, data});
    data /= len;
  }
  std::vector<Ph> phases;
  if (c != Collective::AllGather) phases = rs;
  if (c != Collective::ReduceScatter)
    for (auto it = rs.rbegin(); it != rs.rend(); ++it) phases.push_back(*it);
  for (const Ph& ph : phases) {
    const unsigned len = t.shape()[ph.d];
    const PhaseShape ps = ring_phase(t, ph.d, m);
    const double chunk = ph.data / (2.0 * len);
    out.push_back({len - 1, ps.latency, 2 * chunk, chunk * ps.link_cycles_per_chunk_byte,
                   chunk * ps.send_cycles_per_chunk_byte});
  }
  return out;
}

namespace {
/// One step of group g with the calibrated parameters: the chip's receive time and the link
/// time (its own sends included: they are bound by the links their routes take).
struct StepParts {
  double chip = 0, link = 0;
};
StepParts step_parts(Collective c, const StepGroup& g, double chip_cycles_per_byte, double alltoall_efficiency) {
  return {g.chip_bytes * chip_cycles_per_byte,
          std::max(g.send_cycles, c == Collective::AllToAll ? g.link_cycles / alltoall_efficiency : g.link_cycles)};
}
} // namespace

double group_cycles(Collective c, const std::vector<StepGroup>& g, double step_cycles, double chip_cycles_per_byte,
                    double alltoall_efficiency) {
  double t = 0;
  for (const StepGroup& s : g) {
    const StepParts p = step_parts(c, s, chip_cycles_per_byte, alltoall_efficiency);
    t += s.steps * (step_cycles + s.latency + std::max(p.chip, p.link));
  }
  return t;
}

Estimate estimate(Collective c, const net::Topology& t, double bytes, const Machine& m) {
  Estimate e;
  e.collective = c;
  e.shape = shape_label(t);
  e.chips = t.nodes();
  e.bytes = bytes;
  for (const StepGroup& g : step_groups(c, t, bytes, m)) {
    const StepParts p = step_parts(c, g, m.chip_cycles_per_byte, m.alltoall_efficiency);
    e.steps += g.steps;
    e.overhead_cycles += g.steps * m.step_cycles;
    e.latency_cycles += g.steps * g.latency;
    if (p.chip >= p.link) e.chip_cycles += g.steps * p.chip;
    else e.link_cycles += g.steps * p.link;
  }
  e.cycles = e.overhead_cycles + e.latency_cycles + e.chip_cycles + e.link_cycles;
  e.seconds = e.cycles / m.clock_hz;
  if (e.seconds > 0) {
    e.algbw = bytes / e.seconds;
    e.busbw = e.algbw * bus_factor(c, e.chips);
  }
  const double lat = e.latency_cycles + e.overhead_cycles;
  e.bound = e.cycles == 0 ? "-"
            : e.link_cycles >= std::max(e.chip_cycles, lat) ? "links"
            : e.chip_cycles >= lat                           ? "chip"
                                                             : "latency";
  return e;
}

} // namespace phtpu::model
