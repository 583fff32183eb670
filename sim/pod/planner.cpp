// The OCS planner (planner.hpp has the wiring rule).
#include "planner.hpp"

#include "document.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace phtpu::pod {

std::string SliceSpec::str() const { return phext::shape_str(shape) + (twisted ? ":twisted" : ""); }

Vec3 parse_shape(const std::string& text) {
  try {
    return phext::parse_shape(text, "slice shape");
  } catch (const std::exception& e) {
    throw PlanError(e.what());
  }
}

SliceSpec parse_slice(const std::string& text) {
  try {
    const phext::SliceShape p = phext::parse_slice_shape(text, "slice shape");
    SliceSpec s;
    s.shape = p.shape;
    s.twisted = p.twisted;
    return s;
  } catch (const phext::ParseError& e) {
    throw PlanError(e.what());
  }
}

void PodSpec::validate() const {
  // (each limit names the configuration key and the flag that set the value: docs/pod-config.md)
  if (cube != 2 && cube != 4) throw PlanError(fmt::format("cube (--cube) must be 2x2x2 or 4x4x4, not {0}x{0}x{0}", cube));
  if (racks < 1 || racks > 64)
    throw PlanError(fmt::format("racks (--racks) must be 1..64 (a TPU v4 pod has 64), not {}", racks));
  if (spares >= racks)
    throw PlanError(fmt::format("spares (--spares): {} spare racks leave none of the {} for slices", spares, racks));
  if (electrical_latency < 1 || electrical_latency > 64)
    throw PlanError(fmt::format("electrical_latency (--electrical-latency) must be 1..64 cycles, not {}", electrical_latency));
  if (optical_latency < 1 || optical_latency > 256)
    throw PlanError(fmt::format("optical_latency (--optical-latency) must be 1..256 cycles, not {}", optical_latency));
  if (settle_cycles > 1000000)
    throw PlanError(fmt::format("settle_cycles (--settle) must be at most 1000000 cycles, not {}", settle_cycles));
  if (los_cycles > 100000)
    throw PlanError(fmt::format("los_cycles (--los-cycles) must be at most 100000 cycles, not {}", los_cycles));
  if (timeout_cycles > 100000000)
    throw PlanError(fmt::format("timeout_cycles (--timeout-cycles) must be at most 100000000 cycles, not {}", timeout_cycles));
  if (los_cycles == 0 && timeout_cycles == 0)
    throw PlanError("loss-of-signal detection and the slice timeout cannot both be off: a fault would never be found");
  if (!(ber >= 0 && ber <= 0.01))
    throw PlanError(fmt::format("the bit error rate (--ber) must be 0..0.01 (above it hardly a frame gets through), not {}", ber));
  if (burst < 1 || burst > 64) throw PlanError(fmt::format("the burst (--burst) must be 1..64 bits, not {}", burst));
  if ((ber > 0 || burst > 1) && !link_layer) throw PlanError("bit errors need the link layer");
  // the link end's 64-cycle replay timeout must cover the round trip: 2 x (latency + 1) cycles
  if (link_layer && (electrical_latency > 30 || optical_latency > 30))
    throw PlanError(fmt::format("with the link layer (--ber) link latencies must be at most 30 cycles (its replay "
                                "timeout must cover the round trip), not {} and {}",
                                electrical_latency, optical_latency));
  // the mirrors settle while what was on the old circuit drains into the dark: nothing of it
  // reaches the new far end, whose link end starts again from sequence number 0
  if (link_layer && settle_cycles < optical_latency)
    throw PlanError(fmt::format("with the link layer (--ber) the OCS settle time (--settle) must be at least the optical "
                                "latency, {} cycles, not {}",
                                optical_latency, settle_cycles));
  if (slices.empty()) throw PlanError("a pod needs at least one slice");
  unsigned cubes = 0;
  for (const SliceSpec& s : slices) {
    for (int d = 0; d < 3; ++d)
      if (s.shape[d] == 0 || s.shape[d] % cube != 0)
        throw PlanError(fmt::format("slice {}: every dimension must be a whole number of {}x{}x{} cubes", s.str(),
                                    cube, cube, cube));
    try {
      (void)net::Topology::torus(s.shape, s.twisted);
    } catch (const std::exception& e) {
      throw PlanError(fmt::format("slice {}: {}", s.str(), e.what()));
    }
    cubes += s.shape.volume() / (cube * cube * cube);
  }
  if (cubes > racks - spares)
    throw PlanError(fmt::format("the slices need {} racks but the pod has {} ({} of them spare)", cubes, racks, spares));
}

unsigned Plan::face_index(int dim, Vec3 local, unsigned cube) {
  const int a = dim == 0 ? 1 : 0, b = dim == 2 ? 1 : 2;
  return local[a] + cube * local[b];
}

unsigned Plan::chip_of(unsigned rack, Vec3 local) const {
  const unsigned c = spec_.cube;
  return rack * chips_per_rack() + local.x + c * (local.y + c * local.z);
}

Plan::Plan(const PodSpec& spec) : spec_(spec) {
  spec_.validate();
  const unsigned c = spec_.cube;
  sites_.resize(chip_count());
  for (unsigned r = 0; r < spec_.racks; ++r)
    for (unsigned i = 0; i < chips_per_rack(); ++i) {
      ChipSite& s = sites_[r * chips_per_rack() + i];
      s.rack = r;
      s.local = {i % c, (i / c) % c, i / (c * c)};
    }
  peer_.assign(ocs_count(), std::vector<int>(ocs_ports(), -1));
  // racks in order, spares are the last ones
  unsigned next = 0;
  for (std::size_t k = 0; k < spec_.slices.size(); ++k) {
    const SliceSpec& ss = spec_.slices[k];
    phext::SliceGeometry geo(ss.shape, {c, c, c}, {spec_.datacenter, spec_.pod, static_cast<unsigned>(k + 1)});
    SlicePlan sp{ss, geo, net::Topology::torus(ss.shape, ss.twisted), {}};
    const unsigned n = geo.cubes().volume();
    for (unsigned i = 0; i < n; ++i) sp.rack_of_cube.push_back(next++);
    slices_.push_back(std::move(sp));
  }
  for (unsigned s = 0; s < slices_.size(); ++s) wire_slice(s);
}

unsigned Plan::chip_at(unsigned slice, Vec3 g) const {
  const SlicePlan& sp = slices_.at(slice);
  const unsigned c = spec_.cube;
  const Vec3 n = sp.geo.cubes();
  const unsigned cube_index = g.x / c + n.x * (g.y / c + n.y * (g.z / c));
  return chip_of(sp.rack_of_cube.at(cube_index), {g.x % c, g.y % c, g.z % c});
}

std::vector<unsigned> Plan::slice_chips(unsigned slice) const {
  const SlicePlan& sp = slices_.at(slice);
  std::vector<unsigned> out;
  for (unsigned i = 0; i < sp.topo.nodes(); ++i) out.push_back(chip_at(slice, sp.topo.position(i)));
  return out;
}

phext::Coordinate Plan::coordinate(unsigned chip) const {
  const ChipSite& s = site(chip);
  if (s.slice < 0) throw PlanError(fmt::format("chip {} belongs to no slice", chip));
  return slices_[static_cast<unsigned>(s.slice)].geo.phext_of_global(s.global);
}

unsigned Plan::chip_of_coordinate(const phext::Coordinate& c) const {
  for (unsigned s = 0; s < slices_.size(); ++s) {
    const phext::SliceGeometry& g = slices_[s].geo;
    const phext::Decoded d = g.decode(c);
    if (d.status == phext::DecodeStatus::Ok) return chip_at(s, d.global);
  }
  throw PlanError("no chip of this pod has the coordinate " + c.str());
}

nlohmann::json Plan::chip_json(unsigned chip) const {
  const ChipSite& s = sites_.at(chip);
  const SlicePlan& sp = slices_.at(static_cast<unsigned>(s.slice));
  nlohmann::json ports;
  for (int p = 0; p < net::kNumLinkPorts; ++p) {
    const auto port = static_cast<net::Port>(p);
    const auto nb = sp.topo.neighbor(s.global, port);
    const int d = net::port_dim(port);
    const bool optical = net::port_sign(port) > 0 ? s.local[d] == spec_.cube - 1 : s.local[d] == 0;
    ports[std::string(net::port_name(port))] = {{"to", nb ? sp.geo.phext_of_global(*nb).str() : std::string("none")},
                                                {"link", optical ? "optical" : "electrical"}};
  }
  return {{"coordinate", sp.geo.phext_of_global(s.global).str()}, {"chip", chip}, {"rack", s.rack},
          {"local", phext::position_str(s.local)}, {"global", phext::position_str(s.global)},
          {"slice", phext::shape_str(sp.spec.shape)},
          {"wrap", {sp.topo.wraps(0), sp.topo.wraps(1), sp.topo.wraps(2)}},
          {"shifts", {sp.topo.shift_xy(), sp.topo.shift_xz(), sp.topo.shift_yz()}}, {"ports", ports}};
}

void Plan::wire_slice(unsigned s) {
  SlicePlan& sp = slices_[s];
  const unsigned c = spec_.cube;
  for (unsigned i = 0; i < sp.topo.nodes(); ++i) {
    const Vec3 g = sp.topo.position(i);
    const unsigned chip = chip_at(s, g);
    sites_[chip].slice = static_cast<int>(s);
    sites_[chip].global = g;
  }
  for (unsigned i = 0; i < sp.topo.nodes(); ++i) {
    const Vec3 g = sp.topo.position(i);
    const unsigned chip = chip_at(s, g);
    const Vec3 local = sites_[chip].local;
    for (int d = 0; d < 3; ++d) {
      if (local[d] != c - 1) continue; // only +d face chips: each optical circuit once
      const auto nb = sp.topo.neighbor(g, net::port_of(d, +1));
      if (!nb) throw std::logic_error("a torus slice without a +d link");
      const unsigned other = chip_at(s, *nb);
      const Vec3 ol = sites_[other].local;
      const unsigned face = face_index(d, local, c);
      if (ol[d] != 0 || face_index(d, ol, c) != face)
        throw PlanError(fmt::format("slice {}: the link from {} along +{} lands at {}, not on the same face position "
                                    "of a -{} face (twist not a whole number of cubes)",
                                    sp.spec.str(), phext::position_str(g), "xyz"[d], phext::position_str(*nb),
                                    "xyz"[d]));
      const unsigned o = ocs_of(d, face);
      const int a = static_cast<int>(2 * sites_[chip].rack), b = static_cast<int>(2 * sites_[other].rack + 1);
      auto& p = peer_[o];
      if (p[static_cast<unsigned>(a)] != -1 || p[static_cast<unsigned>(b)] != -1)
        throw std::logic_error(fmt::format("OCS {} port {} or {} wired twice", o, a, b));
      p[static_cast<unsigned>(a)] = b;
      p[static_cast<unsigned>(b)] = a;
    }
  }
}

Plan Plan::with_slice(unsigned s, const SliceSpec& spec) const {
  if (s >= slices_.size()) throw PlanError(fmt::format("no slice {} (the pod has {})", s + 1, slices_.size()));
  PodSpec ps = spec_;
  const unsigned c = spec_.cube;
  if (spec.shape.volume() != slices_[s].spec.shape.volume())
    throw PlanError(fmt::format("slice {} has {} chips; {} has {} (reconfiguration keeps the racks)",
                                slices_[s].spec.str(), slices_[s].spec.shape.volume(), spec.str(),
                                spec.shape.volume()));
  ps.slices[s] = spec;
  ps.validate();
  Plan p = *this;
  p.spec_ = ps;
  // the slice's racks, in their old order, and its circuits removed
  std::vector<unsigned> racks = slices_[s].rack_of_cube;
  for (auto& ports : p.peer_)
    for (unsigned r : racks)
      for (unsigned k = 2 * r; k <= 2 * r + 1; ++k) ports[k] = -1;
  phext::SliceGeometry geo(spec.shape, {c, c, c}, slices_[s].geo.zarm());
  p.slices_[s] = SlicePlan{spec, geo, net::Topology::torus(spec.shape, spec.twisted), racks};
  p.wire_slice(s);
  return p;
}

int Plan::slice_of_rack(unsigned r) const {
  for (unsigned s = 0; s < slices_.size(); ++s)
    for (unsigned q : slices_[s].rack_of_cube)
      if (q == r) return static_cast<int>(s);
  return -1;
}

std::vector<unsigned> Plan::spare_racks() const {
  std::vector<unsigned> out;
  for (unsigned r = spec_.racks - spec_.spares; r < spec_.racks; ++r)
    if (slice_of_rack(r) < 0 && std::find(failed_.begin(), failed_.end(), r) == failed_.end()) out.push_back(r);
  return out;
}

std::string Plan::ocs_name(unsigned o) const {
  return fmt::format("{}.{}", "xyz"[o / (spec_.cube * spec_.cube)], o % (spec_.cube * spec_.cube));
}

unsigned Plan::rack_of(const Fault& f) const {
  switch (f.kind) {
  case FaultKind::Chip:
  case FaultKind::Link:
    if (f.chip >= chip_count()) throw PlanError(fmt::format("no chip {} (the pod has {})", f.chip, chip_count()));
    if (f.kind == FaultKind::Link && f.port >= 6) throw PlanError(fmt::format("no link port {} (0..5)", f.port));
    return site(f.chip).rack;
  case FaultKind::OcsPort:
    if (f.ocs >= ocs_count()) throw PlanError(fmt::format("no OCS {} (the pod has {})", f.ocs, ocs_count()));
    if (f.ocs_port >= ocs_ports())
      throw PlanError(fmt::format("OCS {} has no port {} (ports 0..{}: two per rack)", ocs_name(f.ocs), f.ocs_port,
                                  ocs_ports() - 1));
    return f.ocs_port / 2;
  case FaultKind::Rack:
    if (f.rack >= spec_.racks) throw PlanError(fmt::format("no rack {} (the pod has {})", f.rack, spec_.racks));
    return f.rack;
  }
  throw std::logic_error("fault kind");
}

Plan Plan::with_rack_replaced(unsigned failed, int spare) const {
  if (failed >= spec_.racks) throw PlanError(fmt::format("no rack {} (the pod has {})", failed, spec_.racks));
  const int s = slice_of_rack(failed);
  if (s < 0) throw PlanError(fmt::format("rack {} serves no slice: nothing to replace", failed));
  const std::vector<unsigned> free = spare_racks();
  unsigned to = 0;
  if (spare < 0) {
    if (free.empty())
      throw PlanError(spec_.spares == 0
                          ? fmt::format("no spare rack to replace rack {}: the pod has no spares", failed)
                          : fmt::format("no spare rack left to replace rack {}: all {} are in use or failed", failed,
                                        spec_.spares));
    to = free.front();
  } else {
    to = static_cast<unsigned>(spare);
    if (std::find(free.begin(), free.end(), to) == free.end())
      throw PlanError(fmt::format("rack {} is not a usable spare (spares: the last {} racks, unused and healthy)", to,
                                  spec_.spares));
  }
  Plan p = *this;
  SlicePlan& sp = p.slices_[static_cast<unsigned>(s)];
  for (auto& ports : p.peer_)
    for (unsigned r : sp.rack_of_cube)
      for (unsigned k = 2 * r; k <= 2 * r + 1; ++k) ports[k] = -1;
  std::replace(sp.rack_of_cube.begin(), sp.rack_of_cube.end(), failed, to);
  for (unsigned i = 0; i < chips_per_rack(); ++i) {
    ChipSite& cs = p.sites_[failed * chips_per_rack() + i];
    cs.slice = -1;
    cs.global = {};
  }
  p.failed_.push_back(failed);
  p.wire_slice(static_cast<unsigned>(s));
  return p;
}

std::string fault_kind_name(FaultKind k) {
  switch (k) {
  case FaultKind::Chip: return "chip";
  case FaultKind::Link: return "link";
  case FaultKind::OcsPort: return "ocs-port";
  case FaultKind::Rack: return "rack";
  }
  return "?";
}

std::string Fault::str(unsigned cube) const {
  static const char* ports[] = {"+x", "-x", "+y", "-y", "+z", "-z"};
  switch (kind) {
  case FaultKind::Chip: return fmt::format("chip {}", chip);
  case FaultKind::Link: return fmt::format("link {}.{}", chip, port < 6 ? ports[port] : "?");
  case FaultKind::OcsPort: return fmt::format("ocs {}.{} port {}", "xyz"[ocs / (cube * cube) % 3], ocs % (cube * cube), ocs_port);
  case FaultKind::Rack: return fmt::format("rack {}", rack);
  }
  return "?";
}

namespace {
// (`text`: what the error names, "fault 'chip:x@1'" or "link '4.+w'")
unsigned parse_unsigned(const std::string& t, const std::string& what, const std::string& text) {
  std::size_t pos = 0;
  unsigned long v = 0;
  try {
    if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0]))) throw std::invalid_argument(t);
    v = std::stoul(t, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != t.size() || v > 0xFFFFFFFFul)
    throw PlanError(fmt::format("{}: {} '{}' is not a number", text, what, t));
  return static_cast<unsigned>(v);
}

// A chip number or a logical phext coordinate of the plan (`text` as above).
unsigned parse_chip(const std::string& t, const Plan& plan, const std::string& text) {
  if (t.find('/') != std::string::npos) {
    try {
      return plan.chip_of_coordinate(phext::Coordinate::parse(t));
    } catch (const PlanError&) {
      throw;
    } catch (const std::exception& e) {
      throw PlanError(fmt::format("{}: {}", text, e.what()));
    }
  }
  return parse_unsigned(t, "chip", text);
}

std::pair<unsigned, unsigned> parse_port_of(const std::string& what, const Plan& plan, const std::string& text) {
  const auto dot = what.rfind('.');
  const std::string port = dot == std::string::npos ? "" : what.substr(dot + 1);
  static const char* names[] = {"+x", "-x", "+y", "-y", "+z", "-z"};
  unsigned p = 6;
  for (unsigned k = 0; k < 6; ++k) {
    std::string lower = port;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == names[k]) p = k;
  }
  if (p == 6) throw PlanError(fmt::format("{}: a link is CHIP.PORT with PORT one of +x -x +y -y +z -z", text));
  return {parse_chip(what.substr(0, dot), plan, text), p};
}
} // namespace

std::pair<unsigned, unsigned> parse_link(const std::string& text, const Plan& plan) {
  const auto [chip, port] = parse_port_of(text, plan, fmt::format("link '{}'", text));
  if (chip >= plan.chip_count())
    throw PlanError(fmt::format("link '{}': no chip {} (the pod has {})", text, chip, plan.chip_count()));
  return {chip, port};
}

Fault parse_fault(const std::string& text, const Plan& plan) {
  const std::string usage = "chip:N@C, link:N.+x@C, ocs:x.3:P@C or rack:R@C";
  const auto colon = text.find(':'), at = text.rfind('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon)
    throw PlanError(fmt::format("fault '{}': want {}", text, usage));
  const std::string kind = text.substr(0, colon), what = text.substr(colon + 1, at - colon - 1);
  Fault f;
  {
    const std::string c = text.substr(at + 1);
    std::size_t pos = 0;
    try {
      if (c.empty() || !std::isdigit(static_cast<unsigned char>(c[0]))) throw std::invalid_argument(c);
      f.cycle = std::stoull(c, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != c.size()) throw PlanError(fmt::format("fault '{}': cycle '{}' is not a number", text, c));
    if (f.cycle > kMaxFaultCycle)
      throw PlanError(fmt::format("fault '{}': the cycle must be at most {} (counted from the fault run's start)", text,
                                  kMaxFaultCycle));
  }
  const std::string named = fmt::format("fault '{}'", text);
  if (kind == "chip") {
    f.kind = FaultKind::Chip;
    f.chip = parse_chip(what, plan, named);
  } else if (kind == "link") {
    f.kind = FaultKind::Link;
    std::tie(f.chip, f.port) = parse_port_of(what, plan, named);
  } else if (kind == "ocs") {
    f.kind = FaultKind::OcsPort;
    const auto c2 = what.find(':');
    const std::string name = what.substr(0, c2);
    if (c2 == std::string::npos || name.size() < 3 || name[1] != '.' || (name[0] != 'x' && name[0] != 'y' && name[0] != 'z'))
      throw PlanError(fmt::format("fault '{}': an OCS port is D.I:P (D = x, y or z, I its face position, P the port)", text));
    const unsigned face = parse_unsigned(name.substr(2), "face position", named);
    if (face >= plan.cube() * plan.cube())
      throw PlanError(fmt::format("fault '{}': face positions are 0..{}", text, plan.cube() * plan.cube() - 1));
    f.ocs = plan.ocs_of(name[0] - 'x', face);
    f.ocs_port = parse_unsigned(what.substr(c2 + 1), "port", named);
  } else if (kind == "rack") {
    f.kind = FaultKind::Rack;
    f.rack = parse_unsigned(what, "rack", named);
  } else {
    throw PlanError(fmt::format("fault '{}': unknown kind '{}' (want {})", text, kind, usage));
  }
  try {
    (void)plan.rack_of(f);
  } catch (const PlanError& e) {
    throw PlanError(fmt::format("fault '{}': {}", text, e.what()));
  }
  return f;
}

nlohmann::json Plan::to_json() const {
  using nlohmann::json;
  json j;
  j["cube"] = phext::shape_str({spec_.cube, spec_.cube, spec_.cube});
  j["racks"] = spec_.racks;
  j["spares"] = spec_.spares;
  j["failed_racks"] = failed_;
  j["ocs_count"] = ocs_count();
  j["ocs_ports"] = ocs_ports();
  json sl = json::array();
  for (std::size_t s = 0; s < slices_.size(); ++s) {
    const SlicePlan& sp = slices_[s];
    json e;
    e["slice"] = s + 1;
    e["shape"] = phext::shape_str(sp.spec.shape);
    e["twisted"] = sp.spec.twisted;
    e["topology"] = sp.topo.describe();
    e["z_arm"] = fmt::format("{}.{}.{}", sp.geo.zarm().datacenter, sp.geo.zarm().pod, sp.geo.zarm().slice);
    e["racks"] = sp.rack_of_cube;
    e["shifts"] = {sp.topo.shift_xy(), sp.topo.shift_xz(), sp.topo.shift_yz()};
    sl.push_back(e);
  }
  j["slices"] = sl;
  json oc = json::array();
  for (unsigned o = 0; o < ocs_count(); ++o) {
    json pairs = json::array();
    for (unsigned p = 0; p < ocs_ports(); ++p)
      if (peer_[o][p] > static_cast<int>(p)) pairs.push_back({p, peer_[o][p]});
    oc.push_back({{"ocs", o}, {"dim", std::string(1, "xyz"[o / (spec_.cube * spec_.cube)])},
                  {"face", o % (spec_.cube * spec_.cube)}, {"pairs", pairs}});
  }
  j["ocs"] = oc;
  nlohmann::json chips = nlohmann::json::array();
  for (unsigned c = 0; c < chip_count(); ++c)
    if (sites_[c].slice >= 0) chips.push_back(chip_json(c));
  j["chips"] = chips;
  return j;
}

std::string Plan::routing_phext() const {
  phext::ScrollMap scrolls;
  for (unsigned chip = 0; chip < chip_count(); ++chip) {
    const ChipSite& s = sites_[chip];
    if (s.slice < 0) continue;
    const SlicePlan& sp = slices_[static_cast<unsigned>(s.slice)];
    std::string text = fmt::format("chip {} rack {} local {} global {}; slice {} {}; wrap xyz {}{}{}; shifts {} {} {}",
                                   chip, s.rack, phext::position_str(s.local), phext::position_str(s.global),
                                   phext::shape_str(sp.spec.shape), sp.topo.describe(), int(sp.topo.wraps(0)),
                                   int(sp.topo.wraps(1)), int(sp.topo.wraps(2)), sp.topo.shift_xy(),
                                   sp.topo.shift_xz(), sp.topo.shift_yz());
    for (int p = 0; p < net::kNumLinkPorts; ++p) {
      const auto nb = sp.topo.neighbor(s.global, static_cast<net::Port>(p));
      const bool optical = (net::port_sign(static_cast<net::Port>(p)) > 0 && s.local[net::port_dim(static_cast<net::Port>(p))] == spec_.cube - 1) ||
                           (net::port_sign(static_cast<net::Port>(p)) < 0 && s.local[net::port_dim(static_cast<net::Port>(p))] == 0);
      text += fmt::format("; {} {} {}", net::port_name(static_cast<net::Port>(p)),
                          nb ? sp.geo.phext_of_global(*nb).str() : std::string("none"), optical ? "optical" : "electrical");
    }
    scrolls[sp.geo.phext_of_global(s.global)] = text;
  }
  return phext::implode(scrolls);
}

std::string Plan::ocs_text() const {
  std::string out;
  for (unsigned o = 0; o < ocs_count(); ++o) {
    out += fmt::format("ocs {}:", ocs_name(o));
    for (unsigned p = 0; p < ocs_ports(); ++p)
      if (peer_[o][p] > static_cast<int>(p)) out += fmt::format(" {}<->{}", p, peer_[o][p]);
    out += "\n";
  }
  return out;
}

} // namespace phtpu::pod
