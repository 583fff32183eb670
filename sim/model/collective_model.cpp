// Collective times (collective_model.hpp has the model).
#include "collective_model.hpp"

#include "routing.hpp"
#include "schedules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

namespace phtpu::model {

bool modelled(Collective c) {
  return std::find(std::begin(kCollectives), std::end(kCollectives), flat_of(c)) != std::end(kCollectives);
}

double link_rate(const Machine& m, double lat) {
  if (m.credit_flits <= 0) return m.link_bytes_per_cycle;
  return m.link_bytes_per_cycle * std::min(1.0, m.credit_flits / (2 * lat + m.credit_extra));
}

double wire_bytes(const Machine& m, double bytes) {
  if (bytes <= 0) return 0;
  return bytes + std::ceil(bytes / m.packet_bytes - 1e-9) * m.header_bytes;
}

std::string method_name(Method m) { return m == Method::Network ? "network" : "analytic"; }

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

NetSimConfig net_config(const Machine& m) {
  NetSimConfig c;
  c.cube = m.cube;
  c.electrical_latency = static_cast<unsigned>(std::lround(m.electrical_latency));
  c.optical_latency = static_cast<unsigned>(std::lround(m.optical_latency));
  c.buffer_flits = m.buffer_flits;
  c.max_body_words = static_cast<unsigned>(std::lround(m.packet_bytes / 16));
  c.send_lanes = m.send_lanes;
  c.receive_lanes = m.receive_lanes;
  c.host_writes_per_job = static_cast<unsigned>(std::lround(m.host_cycles_per_transfer));
  return c;
}

namespace {

/// Is the link leaving p through `port` optical (it leaves the chip's cube)?
bool optical(phext::Vec3 p, net::Port port, unsigned cube) {
  const int d = net::port_dim(port);
  return net::port_sign(port) > 0 ? p[d] % cube == cube - 1 : p[d] % cube == 0;
}

/// Every chip sends to its logical ring neighbour along d (`sign` +1: the next in coordinate
/// order, -1: the one before), routed by the oracle: what each link carries, each chip's path.
struct Pattern {
  std::vector<std::uint16_t> load;      ///< transfers per directed link (node * 6 + port)
  std::vector<double> cycles_per_byte;  ///< per sender: 1 / the slowest link rate on its path
  std::vector<std::uint8_t> arrival;    ///< per receiver: the port its transfer arrives on
  double latency = 0;                   ///< the longest route, cycles
  double hops = 0, optical_hops = 0;    ///< links crossed, all chips' transfers together
};

/// The pattern of a ring step: chip i sends to next[i].
Pattern ring_pattern(const net::Topology& t, const std::vector<unsigned>& next, const Machine& m) {
  const unsigned n = t.nodes();
  Pattern p;
  p.load.assign(std::size_t{n} * 6, 0);
  p.cycles_per_byte.assign(n, 0);
  p.arrival.assign(n, 0);
  const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
  for (unsigned i = 0; i < n; ++i) {
    const phext::Vec3 a = t.position(i), b = t.position(next[i]);
    double lat = m.router_cycles, rate = m.link_bytes_per_cycle;
    net::Port last = net::Port::Local;
    for (const auto& h : net::route(t, a, b, 2)) {
      if (h.hop.port == net::Port::Local) continue;
      ++p.load[std::size_t{t.index(h.node)} * 6 + static_cast<unsigned>(h.hop.port)];
      const bool o = optical(h.node, h.hop.port, m.cube);
      ++p.hops;
      if (o) ++p.optical_hops;
      lat += m.router_cycles + (o ? m.optical_latency : m.electrical_latency);
      rate = std::min(rate, o ? rate_o : rate_e);
      last = h.hop.port;
    }
    p.latency = std::max(p.latency, lat);
    p.cycles_per_byte[i] = 1 / rate;
    p.arrival[next[i]] = static_cast<std::uint8_t>(net::opposite(last));
  }
  return p;
}

/// The rings of a phase along dimension d (sched::ring_schedule's lines): kind 0 the coordinate
/// lines, 1 inside each cube (local coordinates), 2 across cubes (cube coordinates).
struct Lines {
  int d = 0, kind = 0;
  unsigned len(const net::Topology& t, unsigned cube) const {
    const unsigned s = t.shape()[d];
    return kind == 0 ? s : kind == 1 ? std::min(cube, s) : (s + cube - 1) / cube;
  }
};

/// Along the lines, forward (sign > 0) or backward.
Pattern ring_pattern(const net::Topology& t, Lines l, int sign, const Machine& m) {
  const unsigned n = t.nodes(), c = std::max(m.cube, 1u), len = l.len(t, c);
  std::vector<unsigned> next(n);
  for (unsigned i = 0; i < n; ++i) {
    phext::Vec3 b = t.position(i);
    unsigned& x = b[l.d];
    // the chip's position on its ring, and the coordinate of position q
    const unsigned pos = l.kind == 0 ? x : l.kind == 1 ? x % c : x / c;
    const unsigned q = sign > 0 ? (pos + 1) % len : (pos + len - 1) % len;
    x = l.kind == 0 ? q : l.kind == 1 ? x / c * c + q : q * c + x % c;
    next[i] = t.index(b);
  }
  return ring_pattern(t, next, m);
}

/// One transfer per chip of a step: a ring pattern, the chunk and the send lane.
struct Flow {
  const Pattern* pattern;
  double bytes;
  unsigned lane;
};

struct StepCost {
  double link = 0, send = 0, receive = 0, latency = 0;
};

/// The step's cost; with `focus` >= 0, only what flow `focus` waits for: the links it crosses,
/// its own send lane and receive lanes (shared with whichever flows use them too).
StepCost step_cost(const net::Topology& t, const std::vector<Flow>& flows, const Machine& m, int focus = -1) {
  StepCost s;
  const unsigned n = t.nodes();
  if (flows.empty()) return s;
  const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
  for (unsigned i = 0; i < n; ++i) {
    const phext::Vec3 p = t.position(i);
    for (unsigned port = 0; port < 6; ++port) {
      if (focus >= 0 && flows[static_cast<std::size_t>(focus)].pattern->load[std::size_t{i} * 6 + port] == 0) continue;
      double w = 0;
      for (const Flow& f : flows) w += f.pattern->load[std::size_t{i} * 6 + port] * wire_bytes(m, f.bytes);
      if (w == 0) continue;
      s.link = std::max(s.link, w / (optical(p, static_cast<net::Port>(port), m.cube) ? rate_o : rate_e));
    }
  }
  std::array<double, 6> lane_end{}, rx{};
  for (unsigned i = 0; i < n; ++i) {
    lane_end.fill(0);
    rx.fill(0);
    double mem = 0;
    for (std::size_t k = 0; k < flows.size(); ++k) {
      const Flow& f = flows[k];
      // lock step: a transfer starts once the host has issued it; a part of its own (focus): the
      // host issues the next step's transfers while this one's are in flight (below)
      const double issued = focus >= 0 ? 0 : double(k + 1) * m.host_cycles_per_transfer;
      const unsigned lane = f.lane % m.send_lanes;
      lane_end[lane] = std::max(lane_end[lane], issued) + wire_bytes(m, f.bytes) * f.pattern->cycles_per_byte[i];
      const unsigned rl = m.receive_lanes > 1 ? f.pattern->arrival[i] % m.receive_lanes : 0;
      rx[rl] += wire_bytes(m, f.bytes) * m.lane_cycles_per_byte;
      mem += f.bytes * m.memory_cycles_per_byte;
    }
    if (focus >= 0) {
      const Flow& f = flows[static_cast<std::size_t>(focus)];
      s.send = std::max(s.send, lane_end[f.lane % m.send_lanes]);
      s.receive = std::max({s.receive, mem, rx[m.receive_lanes > 1 ? f.pattern->arrival[i] % m.receive_lanes : 0]});
    } else {
      s.send = std::max(s.send, *std::max_element(lane_end.begin(), lane_end.end()));
      s.receive = std::max({s.receive, mem, *std::max_element(rx.begin(), rx.end())});
    }
  }
  if (focus >= 0) {
    s.latency = flows[static_cast<std::size_t>(focus)].pattern->latency;
    // the host issues every flow's transfer of the step one after the other: a step takes at
    // least that long, overlapped with the flight of the step before
    const double issue = double(flows.size()) * m.host_cycles_per_transfer;
    const double busy = s.latency + std::max({s.link, s.send, s.receive});
    if (issue > busy) s.send = issue - s.latency;
  } else
    for (const Flow& f : flows) s.latency = std::max(s.latency, f.pattern->latency);
  return s;
}

/// Adds `count` identical steps to the estimate.
void add_steps(Estimate& e, unsigned count, const StepCost& s, const Machine& m) {
  if (count == 0) return;
  e.steps += count;
  e.overhead_cycles += count * m.step_cycles;
  e.latency_cycles += count * s.latency;
  const double top = std::max({s.link, s.send, s.receive});
  if (top == s.link) e.link_cycles += count * top;
  else if (top == s.send) e.send_cycles += count * top;
  else e.receive_cycles += count * top;
}

void finish(Estimate& e, const Machine& m) {
  e.cycles = e.overhead_cycles + e.latency_cycles + e.link_cycles + e.send_cycles + e.receive_cycles;
  e.analytic_cycles = e.cycles;
  e.seconds = e.cycles / m.clock_hz;
  if (e.seconds > 0) {
    e.algbw = e.bytes / e.seconds;
    e.busbw = e.algbw * bus_factor(e.collective, e.chips);
  }
  const double lat = e.latency_cycles + e.overhead_cycles;
  const double top = std::max({e.link_cycles, e.send_cycles, e.receive_cycles, lat});
  e.bound = e.cycles == 0                 ? "-"
            : top == e.link_cycles      ? "links"
            : top == e.send_cycles      ? "send"
            : top == e.receive_cycles   ? "receive"
                                        : "latency";
}

/// Flits of a transfer of `bytes` (a flit carries 16 bytes: the header's and the payload's).
double flits(const Machine& m, double bytes) { return wire_bytes(m, bytes) / 16; }

void ring_estimate(Estimate& e, const net::Topology& t, double bytes, const Machine& m) {
  std::map<std::tuple<int, int, int>, Pattern> patterns;
  auto pattern = [&](Lines l, int sign) -> const Pattern& {
    auto it = patterns.find({l.d, l.kind, sign});
    if (it == patterns.end()) it = patterns.emplace(std::make_tuple(l.d, l.kind, sign), ring_pattern(t, l, sign, m)).first;
    return it->second;
  };
  // a part's phases: 3 (x, y, z), or 6 for a hierarchical collective (inside cubes, then across)
  const unsigned nph = hierarchical(e.collective) ? 6 : 3;
  struct Part {
    std::array<int, 3> dims;
    int sign;
    unsigned lane_base; // lane of phase dim d: concurrent 2d + dir, sequential 0
    bool lanes;
    double data;
    std::array<unsigned, 6> len{};                      // ring length per phase
    std::array<const Pattern*, 6> fwd{}, back{};        // its steps, and its tokens' direction
  };
  std::vector<Part> parts;
  const bool conc = six_parts(e.algorithm);
  if (conc)
    for (unsigned p = 0; p < 6; ++p) {
      const int r = static_cast<int>(p / 2), dir = static_cast<int>(p % 2);
      parts.push_back({{r, (r + 1) % 3, (r + 2) % 3}, dir ? -1 : 1, static_cast<unsigned>(dir), true, bytes / 6});
    }
  else {
    parts.push_back({{0, 1, 2}, 1, 0, false, bytes / 2});
    parts.push_back({{0, 1, 2}, -1, 0, false, bytes / 2});
  }
  auto phase_lines = [&](const Part& q, unsigned k) {
    return Lines{q.dims[k % 3], nph == 6 ? 1 + static_cast<int>(k / 3) : 0};
  };
  // the rings: coordinate lines, or (concurrent on a twisted torus) the rings that follow the
  // links (sched::ring_coordinates): chip a -> a + g_k along phase k's ring
  std::map<std::tuple<int, int, int>, Pattern> followed; // (first dim, phase, sign)
  const bool follow = e.algorithm == Algorithm::Concurrent && t.twist() != net::Twist::None;
  for (Part& q : parts) {
    if (!follow) {
      for (unsigned k = 0; k < nph; ++k) {
        q.len[k] = phase_lines(q, k).len(t, std::max(m.cube, 1u));
        q.fwd[k] = &pattern(phase_lines(q, k), q.sign);
        q.back[k] = &pattern(phase_lines(q, k), -q.sign);
      }
      continue;
    }
    const sched::RingCoordinates rc = sched::ring_coordinates(t, q.dims);
    std::map<std::array<unsigned, 3>, unsigned> at;
    for (unsigned i = 0; i < rc.a.size(); ++i) at[rc.a[i]] = i;
    for (int k = 0; k < 3; ++k) {
      q.len[k] = rc.m[k];
      for (int sign : {1, -1}) {
        auto it = followed.find({q.dims[0], k, sign});
        if (it == followed.end()) {
          std::vector<unsigned> next(rc.a.size());
          for (unsigned i = 0; i < rc.a.size(); ++i) {
            std::array<unsigned, 3> b = rc.a[i];
            b[k] = (b[k] + (sign > 0 ? 1 : rc.m[k] - 1)) % rc.m[k];
            next[i] = at.at(b);
          }
          it = followed.emplace(std::make_tuple(q.dims[0], k, sign), ring_pattern(t, next, m)).first;
        }
        (sign == q.sign ? q.fwd : q.back)[k] = &it->second;
      }
    }
  }
  auto lane_of = [](const Part& p, int d) { return p.lanes ? static_cast<unsigned>(2 * d) + p.lane_base : 0u; };
  // the chunk of each part in each phase
  std::vector<std::array<double, 6>> chunk(parts.size());
  for (std::size_t q = 0; q < parts.size(); ++q) {
    double data = parts[q].data;
    for (unsigned k = 0; k < nph; ++k) {
      const unsigned len = parts[q].len[k];
      chunk[q][k] = len > 1 ? data / len : 0;
      if (len > 1) data /= len;
    }
  }
  auto phase = [&](unsigned k) {
    // lock step: step s has the parts whose ring along their phase-k dimension has more than s+1 chips
    std::vector<unsigned> ends;
    for (const Part& p : parts) ends.push_back(p.len[k] > 1 ? p.len[k] - 1 : 0);
    std::vector<unsigned> bounds = ends;
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    unsigned from = 0;
    for (unsigned b : bounds) {
      if (b <= from) continue;
      std::vector<Flow> flows;
      for (std::size_t q = 0; q < parts.size(); ++q)
        if (ends[q] > from) {
          flows.push_back({parts[q].fwd[k], chunk[q][k], lane_of(parts[q], parts[q].dims[k % 3])});
          e.link_flits += (b - from) * parts[q].fwd[k]->hops * flits(m, chunk[q][k]);
          e.optical_flits += (b - from) * parts[q].fwd[k]->optical_hops * flits(m, chunk[q][k]);
        }
      add_steps(e, b - from, step_cost(t, flows, m), m);
      from = b;
    }
  };
  auto tokens = [&](int k) { // concurrent: the one-word tokens to each ring's predecessor before phase k
    std::vector<Flow> flows;
    for (const Part& p : parts) {
      const int d = p.dims[k];
      if (p.len[k] < 2) continue;
      flows.push_back({p.back[k], 16, static_cast<unsigned>(2 * d) + (1 - p.lane_base)});
    }
    if (!flows.empty()) add_steps(e, 1, step_cost(t, flows, m), m);
  };
  if (!conc) {
    // lock step: every step waits for everything of the step before
    const Collective f = flat_of(e.collective);
    if (f != Collective::AllGather)
      for (unsigned k = 0; k < nph; ++k) phase(k);
    if (f != Collective::ReduceScatter)
      for (unsigned k = nph; k-- > 0;) phase(k);
    return;
  }
  // Concurrent: a part's transfer waits only for its own data (and its receiver's token), so
  // the parts drift apart and a link carries, over the run, every phase's bytes of the parts
  // that cross it, in whatever order they come. So the time is the channel load of the whole
  // collective (per directed link, per send lane, per receive lane, and the host's issue of
  // every transfer) plus the slowest part's chain of step costs (step cost and route latency per
  // step, tokens included).
  const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
  const unsigned n = t.nodes();
  std::vector<double> link(std::size_t{n} * 6, 0);
  std::vector<std::array<double, 6>> lane(n), rx(n);
  std::vector<double> mem(n, 0);
  double transfers = 0;
  std::vector<double> chain(parts.size(), 0);   // per part: its steps' costs
  std::vector<unsigned> count(parts.size(), 0); // and their number
  auto load = [&](const Pattern& pt, double b, unsigned ln, double steps) {
    const double w = wire_bytes(m, b);
    e.link_flits += steps * pt.hops * flits(m, b);
    e.optical_flits += steps * pt.optical_hops * flits(m, b);
    for (std::size_t l = 0; l < link.size(); ++l)
      if (pt.load[l]) link[l] += steps * pt.load[l] * w;
    for (unsigned i = 0; i < n; ++i) {
      lane[i][ln % m.send_lanes] += steps * w * pt.cycles_per_byte[i];
      rx[i][m.receive_lanes > 1 ? pt.arrival[i] % m.receive_lanes : 0] += steps * w * m.lane_cycles_per_byte;
      mem[i] += steps * b * m.memory_cycles_per_byte;
    }
    transfers += steps;
  };
  auto part_phase = [&](int k) {
    for (std::size_t q = 0; q < parts.size(); ++q) {
      const unsigned len = parts[q].len[k];
      if (len < 2) continue;
      const Pattern& pt = *parts[q].fwd[k];
      load(pt, chunk[q][k], lane_of(parts[q], parts[q].dims[k]), len - 1);
      chain[q] += (len - 1) * (m.step_cycles + pt.latency);
      count[q] += len - 1;
    }
  };
  auto part_tokens = [&](int k) {
    bool any = false;
    for (std::size_t q = 0; q < parts.size(); ++q) {
      const int d = parts[q].dims[k];
      if (parts[q].len[k] < 2) continue;
      const Pattern& pt = *parts[q].back[k];
      load(pt, 16, static_cast<unsigned>(2 * d) + (1 - parts[q].lane_base), 1);
      any = true;
    }
    if (!any) return;
    double lat = 0;
    for (const Part& p : parts)
      if (p.len[k] > 1) lat = std::max(lat, p.back[k]->latency);
    for (std::size_t q = 0; q < parts.size(); ++q) {
      chain[q] += m.step_cycles + lat;
      ++count[q];
    }
  };
  if (e.collective != Collective::AllGather)
    for (int k = 0; k < 3; ++k) {
      if (k > 0) part_tokens(k);
      part_phase(k);
    }
  if (e.collective != Collective::ReduceScatter)
    for (int k = 3; k-- > 0;) part_phase(k);
  double lk = 0, sd = 0, rc = 0;
  for (unsigned i = 0; i < n; ++i) {
    const phext::Vec3 p = t.position(i);
    for (unsigned port = 0; port < 6; ++port)
      if (link[std::size_t{i} * 6 + port] > 0)
        lk = std::max(lk, link[std::size_t{i} * 6 + port] / (optical(p, static_cast<net::Port>(port), m.cube) ? rate_o : rate_e));
    sd = std::max(sd, *std::max_element(lane[i].begin(), lane[i].end()));
    rc = std::max({rc, mem[i], *std::max_element(rx[i].begin(), rx[i].end())});
  }
  // every chip's host issues all its transfers (n-chip symmetric: the same count on each)
  sd = std::max(sd, transfers * m.host_cycles_per_transfer);
  // the time: the resources' whole load plus the slowest part's chain of step costs and latencies
  const std::size_t cq = static_cast<std::size_t>(std::max_element(chain.begin(), chain.end()) - chain.begin());
  e.steps = count[cq];
  e.overhead_cycles = count[cq] * m.step_cycles;
  e.latency_cycles = chain[cq] - e.overhead_cycles;
  const double top = std::max({lk, sd, rc});
  if (top == lk) e.link_cycles = top;
  else if (top == sd) e.send_cycles = top;
  else e.receive_cycles = top;
  (void)tokens;
}

void alltoall_estimate(Estimate& e, const net::Topology& t, double bytes, const Machine& m) {
  const unsigned n = t.nodes();
  const double block = bytes / n, wire = wire_bytes(m, block);
  const bool torus = t.wraps(0) || t.wraps(1) || t.wraps(2);
  const double rate_e = link_rate(m, m.electrical_latency), rate_o = link_rate(m, m.optical_latency);
  StepCost s;
  // links: the channel load of every route (torus: every link of a direction alike, the route
  // 0 -> delta counted once per chip; its slowest link is optical)
  std::vector<std::uint32_t> load;
  if (torus) {
    std::array<double, 6> hops{};
    for (unsigned k = 1; k < n; ++k)
      for (const auto& h : net::route(t, {0, 0, 0}, t.position(k), 2))
        if (h.hop.port != net::Port::Local) hops[static_cast<unsigned>(h.hop.port)] += 1;
    for (unsigned p = 0; p < 6; ++p) {
      if (hops[p] == 0) continue;
      // every chip's routes are the translation of chip 0's; a cube edge's worth of links of
      // a ring has one optical link (the cube face's)
      e.link_flits += n * hops[p] * wire / 16;
      e.optical_flits += n * hops[p] * wire / 16 / std::max(m.cube, 1u);
      const int d = net::port_dim(static_cast<net::Port>(p));
      const bool any_optical = t.shape()[d] >= m.cube; // a torus dimension of cubes has optical links
      s.link = std::max(s.link, hops[p] * wire / (any_optical ? rate_o : rate_e));
    }
  } else {
    load = all_pairs_link_load(t);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned p = 0; p < 6; ++p)
        if (load[std::size_t{i} * 6 + p]) {
          const bool o = optical(t.position(i), static_cast<net::Port>(p), m.cube);
          s.link = std::max(s.link, load[std::size_t{i} * 6 + p] * wire / (o ? rate_o : rate_e));
          e.link_flits += load[std::size_t{i} * 6 + p] * wire / 16;
          if (o) e.optical_flits += load[std::size_t{i} * 6 + p] * wire / 16;
        }
  }
  // one chip's sends in the pod's issue order (every chip alike on a torus; a mesh's chip 0
  // has the longest routes), its receives (by symmetry its transfers' arrival ports), the
  // longest route
  std::array<double, 6> lane_end{}, rx{};
  double mem = 0, issued = 0;
  // (the relay priced as the direct all-to-all by lanes: closed_form)
  for (const ModelTransfer& x : alltoall_order(t, 0, e.algorithm == Algorithm::Relay ? Algorithm::Lanes : e.algorithm)) {
    issued += m.host_cycles_per_transfer;
    const unsigned lane = x.lane % m.send_lanes;
    lane_end[lane] = std::max(lane_end[lane], issued) + wire / m.link_bytes_per_cycle;
    double lat = m.router_cycles;
    net::Port last = net::Port::Local;
    for (const auto& h : net::route(t, {0, 0, 0}, t.position(x.dst), 2)) {
      if (h.hop.port == net::Port::Local) continue;
      lat += m.router_cycles + (optical(h.node, h.hop.port, m.cube) ? m.optical_latency : m.electrical_latency);
      last = h.hop.port;
    }
    s.latency = std::max(s.latency, lat);
    rx[m.receive_lanes > 1 ? static_cast<unsigned>(net::opposite(last)) % m.receive_lanes : 0] += wire * m.lane_cycles_per_byte;
    mem += block * m.memory_cycles_per_byte;
  }
  s.send = *std::max_element(lane_end.begin(), lane_end.end());
  s.receive = std::max(mem, *std::max_element(rx.begin(), rx.end()));
  add_steps(e, 1, s, m);
}

Estimate start(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a) {
  if (!modelled(c))
    throw std::invalid_argument("the model does not cover " + collective_name(c) +
                                " (allreduce, reducescatter, allgather, each also -hier; alltoall)");
  if (m.send_lanes < 1 || m.send_lanes > 6 || m.receive_lanes < 1 || m.receive_lanes > 6)
    throw std::invalid_argument("a chip has 1 to 6 send and receive lanes");
  Estimate e;
  e.collective = c;
  e.algorithm = resolve_algorithm(c, a, m.send_lanes);
  e.shape = shape_label(t);
  e.chips = t.nodes();
  e.bytes = bytes;
  return e;
}

} // namespace

namespace {
/// The closed form (the relay all-to-all priced as the direct one: only the network model runs
/// the relay, and it sizes its runs by this).
Estimate closed_form(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a) {
  Estimate e = start(c, t, bytes, m, a);
  if (t.nodes() >= 2 && bytes > 0) {
    if (c == Collective::AllToAll) alltoall_estimate(e, t, bytes, m);
    else ring_estimate(e, t, bytes, m);
  }
  finish(e, m);
  return e;
}
} // namespace

namespace {
Estimate switched_estimate(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a) {
  Estimate e = start(c, t, bytes, m, a);
  const double n = t.nodes();
  if (n >= 2 && bytes > 0) {
    const bool inside = t.shape().y * t.shape().z == 1;
    const double rate = inside ? m.node_bytes_per_s : m.fabric_bytes_per_s;
    double data_s = 0, steps = 0;
    switch (flat_of(c)) {
    case Collective::AllReduce: data_s = 2 * (n - 1) / n * bytes / rate, steps = 2 * (n - 1); break;
    case Collective::ReduceScatter:
    case Collective::AllGather: data_s = (n - 1) / n * bytes / rate, steps = n - 1; break;
    default: { // the all-to-all
      const double g = t.shape().x, b = bytes / n;
      data_s = std::max((g - 1) * b / m.node_bytes_per_s, inside ? 0.0 : (n - g) * b / m.fabric_bytes_per_s);
      steps = 1;
    }
    }
    e.steps = static_cast<unsigned>(steps);
    e.link_cycles = data_s * m.clock_hz;
    e.latency_cycles = steps * m.step_seconds * m.clock_hz;
  }
  finish(e, m);
  return e;
}
} // namespace

double neighbour_send_seconds(const Machine& m, double bytes, bool across_nodes) {
  if (m.switch_group) return bytes / (across_nodes ? m.fabric_bytes_per_s : m.node_bytes_per_s) + m.step_seconds;
  return (wire_bytes(m, bytes) / m.link_bytes_per_cycle + m.router_cycles + m.optical_latency) / m.clock_hz;
}

Estimate analytic_estimate(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a) {
  if (m.switch_group) return switched_estimate(c, t, bytes, m, a);
  Estimate e = closed_form(c, t, bytes, m, a);
  if (e.algorithm == Algorithm::Relay)
    throw std::invalid_argument("the analytic model has no relay all-to-all: the network model runs it "
                                "(--machine rtl --method network)");
  return e;
}

namespace {
/// The network model's run of `words` words per chip.
double network_cycles(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words, const Machine& m,
                      const NetworkLimits& limits) {
  const ModelSchedule s = build_model_schedule(c, a, t, words, m.cube);
  NetSimConfig cfg = net_config(m);
  cfg.progress = limits.progress;
  return double(simulate_network(t, cfg, host_programs(s, t.nodes(), m.send_lanes)).cycles);
}
/// What a run costs the network model: chips x the analytic model's cycles (the network model
/// steps every chip every cycle), the all-to-all's twice that (its routes are longer and it
/// runs past the analytic bound).
double network_work(Collective c, const net::Topology& t, double words, const Machine& m, Algorithm a) {
  const double cycles = closed_form(c, t, words * 16, m, a).cycles;
  return double(t.nodes()) * cycles * (c == Collective::AllToAll ? 2 : 1);
}
/// Work per second on one core: measured on all-to-alls of 512 and 1024 chips (3.1 to 3.7
/// million a second); ring collectives of 4096 chips at 64 KiB run about 4x slower.
constexpr double kNetworkWorkPerSecond = 4e6;
double budget_work(const NetworkLimits& l) { return l.budget_seconds * kNetworkWorkPerSecond; }
/// The words per chip the network model runs, as the pod would: whole 16-byte words (rounded
/// up); the all-to-all whole words per block (rounded down to a whole number of blocks, at
/// least one word each: sim/phtpu/cmd_pod.cpp)
std::uint64_t network_words(Collective c, const net::Topology& t, double bytes) {
  const std::uint64_t words = static_cast<std::uint64_t>(std::ceil(bytes / 16));
  if (c != Collective::AllToAll) return std::max<std::uint64_t>(1, words);
  const std::uint64_t n = t.nodes();
  return std::max<std::uint64_t>(n, words / n * n);
}
/// How the network model runs `words` words per chip within `budget`: at that size (0), from two
/// runs of w1 and 2 w1 words (w1: the largest whole packets per transfer, doubling, that fit),
/// or not at all (nullopt: even the smallest pair of runs exceeds it).
std::optional<std::uint64_t> network_plan(Collective c, const net::Topology& t, std::uint64_t words, const Machine& m,
                                          Algorithm a, double budget) {
  if (network_work(c, t, double(words), m, a) <= budget && words < (1ull << 32)) return 0;
  // the all-to-all: 2^j packets per block; its time is linear in the block from two packets on
  const std::uint64_t unit = c == Collective::AllToAll ? t.nodes() : 1;
  std::uint64_t w1 = unit * static_cast<std::uint64_t>(std::lround(m.packet_bytes / 16));
  if (network_work(c, t, double(2 * w1), m, a) > budget) return std::nullopt;
  while (4 * w1 < words && network_work(c, t, double(4 * w1), m, a) <= budget) w1 *= 2;
  return w1;
}
} // namespace

double network_seconds(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a) {
  if (t.nodes() < 2 || bytes <= 0) return 0;
  return network_work(c, t, double(network_words(c, t, bytes)), m, resolve_algorithm(c, a, m.send_lanes)) /
         kNetworkWorkPerSecond;
}

Estimate network_estimate(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a,
                          const NetworkLimits& limits) {
  if (m.switch_group) throw std::invalid_argument("the network model runs the RTL's routers, not a switched fabric");
  const unsigned n = t.nodes();
  if (n < 2 || bytes <= 0) {
    Estimate e = closed_form(c, t, bytes, m, a);
    e.method = Method::Network;
    return e;
  }
  const std::uint64_t words = network_words(c, t, bytes);
  // the size it runs (Estimate::bytes says so where it differs from the one asked for)
  Estimate e = closed_form(c, t, double(words) * 16, m, a);
  e.method = Method::Network;
  bytes = e.bytes;
  const auto plan = network_plan(c, t, words, m, e.algorithm, budget_work(limits));
  if (!plan)
    throw std::invalid_argument(fmt::format("the network model would take more than its budget of {:g} s for {} of {:g} B "
                                            "on {} ({} chips: about {:.0f} s at that size); raise --network-budget, or "
                                            "--method analytic takes any size",
                                            limits.budget_seconds, collective_name(c), bytes, e.shape, n,
                                            network_work(c, t, double(words), m, e.algorithm) / kNetworkWorkPerSecond));
  if (*plan == 0) {
    e.cycles = network_cycles(c, e.algorithm, t, static_cast<std::uint32_t>(words), m, limits);
  } else {
    // the time is linear in the size from two packets per transfer on
    const std::uint64_t w1 = *plan;
    const double t1 = network_cycles(c, e.algorithm, t, static_cast<std::uint32_t>(w1), m, limits);
    const double t2 = network_cycles(c, e.algorithm, t, static_cast<std::uint32_t>(2 * w1), m, limits);
    e.cycles = t1 + (t2 - t1) * (double(words) - double(w1)) / double(w1);
    e.extrapolated = true;
  }
  e.seconds = e.cycles / m.clock_hz;
  if (e.seconds > 0) {
    e.algbw = bytes / e.seconds;
    e.busbw = e.algbw * bus_factor(c, n);
  }
  return e;
}

std::vector<std::string> offered_shapes() {
  std::vector<std::string> s{"1x1x1", "1x1x2", "1x2x2", "2x2x2", "2x2x4", "2x4x4"};
  for (unsigned i = 1; i <= 4; ++i)
    for (unsigned j = i; j <= 4; ++j)
      for (unsigned k = j; k <= 4; ++k) {
        s.push_back(fmt::format("{}x{}x{}", 4 * i, 4 * j, 4 * k));
        if ((i == j && k == 2 * i) || (j == 2 * i && k == 2 * i)) s.push_back(fmt::format("{}x{}x{}:twisted", 4 * i, 4 * j, 4 * k));
      }
  return s;
}

bool network_affordable(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a,
                        const NetworkLimits& limits) {
  if (t.nodes() < 2 || bytes <= 0) return true;
  return network_plan(c, t, network_words(c, t, bytes), m, resolve_algorithm(c, a, m.send_lanes), budget_work(limits))
      .has_value();
}

Estimate estimate(Collective c, const net::Topology& t, double bytes, const Machine& m, Algorithm a,
                  const NetworkLimits& limits) {
  if (m.network_model && network_affordable(c, t, bytes, m, a, limits)) return network_estimate(c, t, bytes, m, a, limits);
  return analytic_estimate(c, t, bytes, m, a);
}

} // namespace phtpu::model
