// Calibration of the model on the scaled pod (calibration.hpp).
#include "calibration.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace phtpu::model {

CalibrationSet parse_calibration(const std::string& text) {
  CalibrationSet set;
  try {
    const auto j = nlohmann::json::parse(text);
    set.source = j.value("source", std::string());
    set.electrical_latency = j.at("electrical_latency").get<double>();
    set.optical_latency = j.at("optical_latency").get<double>();
    for (const auto& m : j.at("measurements")) {
      Measurement x;
      x.shape = m.at("shape").get<std::string>();
      x.collective = collective_from_name(m.at("workload").get<std::string>());
      x.bytes = m.at("bytes").get<double>();
      x.chips = m.at("chips").get<unsigned>();
      x.cycles = m.at("cycles").get<double>();
      if (x.cycles <= 0 || x.bytes <= 0) throw std::invalid_argument("a measurement needs positive bytes and cycles");
      set.points.push_back(x);
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("calibration data: {}", e.what()));
  }
  if (set.points.empty()) throw std::invalid_argument("calibration data: no measurements");
  return set;
}

Machine rtl_machine(const CalibrationSet& set) {
  Machine m;
  m.name = "scaled pod (RTL)";
  m.cube = 2;                     // the pod's 2x2x2 cubes (scripts/calibrate-model.sh)
  m.clock_hz = 1e9;               // the SystemC clock: 1 cycle = 1 ns (sim/pod/pod_fabric.hpp)
  m.link_bytes_per_cycle = 16;    // one 128-bit payload flit per cycle (rtl/ici)
  m.header_fraction = 1.0 / 16;   // one head flit per packet of up to 16 words (rtl/chip)
  m.electrical_latency = set.electrical_latency;
  m.optical_latency = set.optical_latency;
  m.router_cycles = 2;            // input buffer + output register (rtl/ici/ici_router.sv)
  m.credit_flits = 8;             // BufDepth (rtl/chip/chip_top.sv)
  m.chip_cycles_per_byte = 1.0 / 16; // the read-add-write pipeline takes one 16-byte word per cycle
  m.credit_extra = 2;             // credit loop = 2L + 2: the flit's buffer write, the credit register
  return m;
}

double Calibration::max_error(Collective c) const {
  double e = 0;
  for (const CalPoint& p : points)
    if (p.m.collective == c) e = std::max(e, std::abs(p.error));
  return e;
}

double Calibration::max_error() const {
  double e = 0;
  for (const CalPoint& p : points) e = std::max(e, std::abs(p.error));
  return e;
}

double Calibration::share_within(double tol) const {
  if (points.empty()) return 0;
  std::size_t k = 0;
  for (const CalPoint& p : points) k += std::abs(p.error) <= tol;
  return double(k) / double(points.size());
}

Calibration calibrate(const CalibrationSet& set, const std::vector<std::string>& fit_shapes) {
  Calibration cal;
  cal.machine = rtl_machine(set);
  cal.fit_shapes = fit_shapes;
  // the parameter-free pieces of every measurement's time
  std::map<std::string, net::Topology> topo;
  std::vector<std::vector<StepGroup>> groups;
  for (const Measurement& m : set.points) {
    if (!topo.count(m.shape)) topo.emplace(m.shape, parse_topology(m.shape, cal.machine.cube));
    const net::Topology& t = topo.at(m.shape);
    if (t.nodes() != m.chips)
      throw std::invalid_argument(fmt::format("calibration data: {} has {} chips, not {}", m.shape, t.nodes(), m.chips));
    groups.push_back(step_groups(m.collective, t, m.bytes, cal.machine));
  }
  auto fitted = [&](const Measurement& m) {
    return std::find(fit_shapes.begin(), fit_shapes.end(), m.shape) != fit_shapes.end();
  };
  // each fitted parameter needs measurements to fit on
  for (bool alltoall : {false, true})
    if (std::none_of(set.points.begin(), set.points.end(), [&](const Measurement& m) {
          return fitted(m) && (m.collective == Collective::AllToAll) == alltoall;
        }))
      throw std::invalid_argument(fmt::format("calibration data: no {} measurement on the fit shapes ({})",
                                              alltoall ? "all-to-all" : "ring-collective", fmt::join(fit_shapes, ", ")));
  auto cost = [&](bool alltoall, double a, double b, double eta) {
    double s = 0;
    for (std::size_t i = 0; i < set.points.size(); ++i) {
      const Measurement& m = set.points[i];
      if (!fitted(m) || (m.collective == Collective::AllToAll) != alltoall) continue;
      const double r = group_cycles(m.collective, groups[i], a, b, eta) / m.cycles - 1;
      s += r * r;
    }
    return s;
  };
  // ring collectives: the step cost, by a grid then a finer grid around the best
  const double b = cal.machine.chip_cycles_per_byte;
  double best = 1e300, a = 0;
  auto search = [&](double a0, double a1, double da) {
    for (double x = a0; x <= a1; x += da) {
      const double c = cost(false, x, b, 1);
      if (c < best) best = c, a = x;
    }
  };
  search(0, 300, 2);
  search(std::max(0.0, a - 2), a + 2, 0.05);
  // all-to-all: the share of the channel-load bound reached
  double eta = 1, best_e = 1e300;
  for (double e = 0.02; e <= 1.0; e += 0.0005) {
    const double c = cost(true, a, b, e);
    if (c < best_e) best_e = c, eta = e;
  }
  cal.machine.step_cycles = a;
  cal.machine.alltoall_efficiency = eta;
  for (std::size_t i = 0; i < set.points.size(); ++i) {
    CalPoint p;
    p.m = set.points[i];
    p.predicted = group_cycles(p.m.collective, groups[i], a, b, eta);
    p.error = p.predicted / p.m.cycles - 1;
    p.fitted = fitted(p.m);
    if (p.m.collective == Collective::AllToAll)
      for (const StepGroup& g : groups[i]) p.lockstep_cycles += g.steps * g.link_cycles;
    cal.points.push_back(p);
  }
  return cal;
}

const Calibration& default_calibration() {
  static const Calibration cal = calibrate(parse_calibration(embedded_calibration_json()));
  return cal;
}

Machine tpu_v4_machine(const Calibration& cal) {
  Machine m;
  m.name = "TPU v4";
  m.cube = 4;                          // 4x4x4 chips per rack (docs/references.md §T2)
  m.clock_hz = 1.05e9;                 // 1050 MHz (§T1, paper Table 4)
  m.link_bytes_per_cycle = 45e9 / 1.05e9; // 4.5e10 B/s one way, the effective rate (§T4, JAX scaling book)
  m.header_fraction = 0;               // the effective rate already nets out the link protocol
  // Per-hop latency is not published (§T4: UNCONFIRMED; "sub-microsecond between adjacent
  // chips"). Assumed: 100 ns through a router, 50 ns on an electrical cable, 150 ns through
  // optics, fibre and the OCS.
  m.router_cycles = 105;
  m.electrical_latency = 52;
  m.optical_latency = 157;
  m.credit_flits = 0;                  // assumed deep enough buffers: links run at full rate
  m.serial_sends = false;              // many DMAs in flight (§T1: "tens of thousands" of requests)
  // receive cost: a reduction reads and writes HBM once per received byte (1200 GB/s, §T1)
  m.chip_cycles_per_byte = 2 * 1.05e9 / 1200e9;
  // carried over from the RTL calibration (a step's DMA issue and semaphore wait in cycles;
  // the routers' share of the channel-load bound under all-to-all)
  m.step_cycles = cal.machine.step_cycles;
  m.alltoall_efficiency = cal.machine.alltoall_efficiency;
  return m;
}

} // namespace phtpu::model
