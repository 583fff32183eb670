// Calibration of the model on the scaled pod (calibration.hpp).
#include "calibration.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace phtpu::model {

std::string Measurement::key() const {
  return fmt::format("{0}x{0}x{0}/{1}{2}", cube, shape, optical_latency == 4 ? "" : fmt::format(" optical {:g}", optical_latency));
}

CalibrationSet parse_calibration(const std::string& text) {
  CalibrationSet set;
  try {
    const auto j = nlohmann::json::parse(text);
    set.source = j.value("source", std::string());
    set.electrical_latency = j.at("electrical_latency").get<double>();
    set.optical_latency = j.at("optical_latency").get<double>();
    set.send_lanes = j.value("send_lanes", 1u);
    set.receive_lanes = j.value("receive_lanes", 1u);
    if (set.send_lanes < 1 || set.send_lanes > 6 || set.receive_lanes < 1 || set.receive_lanes > 6)
      throw std::invalid_argument("calibration data: a chip has 1 to 6 send and receive lanes");
    for (const auto& m : j.at("measurements")) {
      Measurement x;
      x.shape = m.at("shape").get<std::string>();
      x.cube = m.value("cube", 2u);
      x.racks = m.value("racks", 0u);
      x.optical_latency = m.value("optical_latency", set.optical_latency);
      x.collective = collective_from_name(m.at("workload").get<std::string>());
      x.algorithm = algorithm_from_name(m.value("algorithm", std::string("default")));
      x.bytes = m.at("bytes").get<double>();
      x.chips = m.at("chips").get<unsigned>();
      x.cycles = m.at("cycles").get<double>();
      if (x.cycles <= 0 || x.bytes <= 0) throw std::invalid_argument("calibration data: a measurement needs positive bytes and cycles");
      if (x.cube != 2 && x.cube != 4) throw std::invalid_argument("calibration data: cubes are 2x2x2 or 4x4x4");
      set.points.push_back(x);
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("calibration data: {}", e.what()));
  }
  if (set.points.empty()) throw std::invalid_argument("calibration data: no measurements");
  return set;
}

Machine rtl_machine(const CalibrationSet& set, unsigned cube) {
  Machine m;
  m.name = "scaled pod (RTL)";
  m.cube = cube;                  // the pod's cubes: 2x2x2 or 4x4x4 (scripts/calibrate-model.sh)
  m.clock_hz = 1e9;               // the SystemC clock: 1 cycle = 1 ns (sim/pod/pod_fabric.hpp)
  m.link_bytes_per_cycle = 16;    // one 128-bit payload flit per cycle (rtl/ici)
  m.packet_bytes = 256;           // up to 16 words per packet (rtl/chip/chip_pkg.sv MaxBody)
  m.header_bytes = 16;            // one head flit per packet (rtl/chip/chip_pktgen.sv)
  m.electrical_latency = set.electrical_latency;
  m.optical_latency = set.optical_latency;
  m.router_cycles = 2;            // input buffer + output register (rtl/ici/ici_router.sv)
  m.credit_flits = 8;             // BufDepth (rtl/chip/chip_top.sv)
  m.credit_extra = 2;             // credit loop = 2L + 2: the flit's buffer write, the credit register
  m.send_lanes = set.send_lanes;
  m.receive_lanes = set.receive_lanes;
  m.host_cycles_per_transfer = 2; // two host register writes per DMA command (sim/pod/pod_host.cpp)
  m.lane_cycles_per_byte = 1.0 / 16; // a receive lane takes one flit per cycle (rtl/chip/chip_rx.sv)
  m.memory_cycles_per_byte = 0;   // each lane has its own write pipeline and memory ports
  m.network_model = true;
  m.buffer_flits = 8;
  return m;
}

double CalPoint::predicted() const { return network_run ? network : analytic; }
double CalPoint::error() const { return network_run ? network_error : analytic_error; }

double Calibration::max_error(Collective c) const {
  double e = 0;
  for (const CalPoint& p : points)
    if (p.m.collective == c) e = std::max(e, std::abs(p.error()));
  return e;
}

double Calibration::max_error(Collective c, Method method, bool credit_free_only, double min_bytes) const {
  double e = 0;
  for (const CalPoint& p : points)
    if (p.m.collective == c && (!credit_free_only || !p.credit_limited) && p.m.bytes >= min_bytes)
      e = std::max(e, std::abs(method == Method::Network ? p.network_error : p.analytic_error));
  return e;
}

double Calibration::max_error() const {
  double e = 0;
  for (const CalPoint& p : points) e = std::max(e, std::abs(p.error()));
  return e;
}

double Calibration::share_within(double tol) const {
  if (points.empty()) return 0;
  std::size_t k = 0;
  for (const CalPoint& p : points) k += std::abs(p.error()) <= tol;
  return double(k) / double(points.size());
}

namespace {
/// The RTL machine of a measurement: its cube and optical links.
Machine point_machine(const CalibrationSet& set, const Measurement& x) {
  Machine m = rtl_machine(set, x.cube);
  m.optical_latency = x.optical_latency;
  return m;
}
} // namespace

namespace {
/// Run the network model on points [every index in `which`] of `cal` (threads side by side).
void run_network(Calibration& cal, const CalibrationSet& set, const std::vector<std::size_t>& which, unsigned threads,
                 const CalibrationProgress& progress) {
  std::atomic<std::size_t> next{0}, done{0};
  NetworkLimits exact; // every point at its measured size: never extrapolated, never refused
  exact.budget_seconds = std::numeric_limits<double>::infinity();
  std::string failure;
  std::mutex mu;
  // also called while a long point runs (the full pod's take minutes), with the count so far
  if (progress)
    exact.progress = [&](std::uint64_t) {
      std::lock_guard<std::mutex> l(mu);
      progress(done.load(), which.size());
    };
  std::map<std::string, net::Topology> topo;
  for (std::size_t i : which) {
    const Measurement& m = cal.points[i].m;
    if (!topo.count(m.key())) topo.emplace(m.key(), parse_topology(m.shape, m.cube));
  }
  auto work = [&] {
    for (std::size_t k; (k = next++) < which.size();) {
      CalPoint& p = cal.points[which[k]];
      try {
        Machine m = point_machine(set, p.m);
        m.step_cycles = cal.machine.step_cycles;
        p.network = network_estimate(p.m.collective, topo.at(p.m.key()), p.m.bytes, m, p.m.algorithm, exact).cycles;
        p.network_error = p.network / p.m.cycles - 1;
        p.network_run = true;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> l(mu);
        failure = e.what();
      }
      const std::size_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> l(mu);
        progress(d, which.size());
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < std::max(1u, threads); ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (!failure.empty()) throw std::runtime_error(failure);
}
} // namespace

Calibration calibrate(const CalibrationSet& set, const std::vector<std::string>& fit_shapes, bool network, unsigned threads,
                      const CalibrationProgress& progress) {
  Calibration cal;
  cal.machine = rtl_machine(set, 4);
  cal.fit_shapes = fit_shapes;
  cal.network = network;
  std::map<std::string, net::Topology> topo;
  for (const Measurement& m : set.points) {
    if (!topo.count(m.key())) topo.emplace(m.key(), parse_topology(m.shape, m.cube));
    const net::Topology& t = topo.at(m.key());
    if (t.nodes() != m.chips)
      throw std::invalid_argument(fmt::format("calibration data: {} has {} chips, not {}", m.shape, t.nodes(), m.chips));
  }
  auto fitted = [&](const Measurement& m) { return std::find(fit_shapes.begin(), fit_shapes.end(), m.key()) != fit_shapes.end(); };
  // step_cycles: least squares on the relative error of the rings on the fit shapes, by a grid
  // of 0.05 cycles (the time is not linear in it where the collective's parts overlap)
  std::vector<std::size_t> fit_rings;
  for (std::size_t i = 0; i < set.points.size(); ++i)
    if (fitted(set.points[i]) && set.points[i].collective != Collective::AllToAll) fit_rings.push_back(i);
  if (fit_rings.empty())
    throw std::invalid_argument(fmt::format("calibration data: no ring-collective measurement on the fit shapes ({})",
                                            fmt::join(fit_shapes, ", ")));
  auto with_step = [&](std::size_t i, double step) {
    const Measurement& m = set.points[i];
    Machine mm = point_machine(set, m);
    mm.step_cycles = step;
    return analytic_estimate(m.collective, topo.at(m.key()), m.bytes, mm, m.algorithm).cycles;
  };
  double a = 0, best = 1e300;
  for (double x = 0; x <= 40; x += 0.05) {
    double c = 0;
    for (std::size_t i : fit_rings) {
      const double r = with_step(i, x) / set.points[i].cycles - 1;
      c += r * r;
    }
    if (c < best) best = c, a = x;
  }
  cal.machine.step_cycles = a;
  for (std::size_t i = 0; i < set.points.size(); ++i) {
    CalPoint p;
    p.m = set.points[i];
    p.fitted = fitted(p.m);
    p.credit_limited = 2 * p.m.optical_latency + cal.machine.credit_extra > cal.machine.credit_flits;
    p.analytic = with_step(i, a);
    p.analytic_error = p.analytic / p.m.cycles - 1;
    cal.points.push_back(p);
  }
  if (network) {
    // the longest runs first, so that the threads end together
    std::vector<std::pair<double, std::size_t>> cost;
    for (std::size_t i = 0; i < cal.points.size(); ++i) {
      const Measurement& m = cal.points[i].m;
      cost.emplace_back(-network_seconds(m.collective, topo.at(m.key()), m.bytes, point_machine(set, m), m.algorithm), i);
    }
    std::sort(cost.begin(), cost.end());
    std::vector<std::size_t> all;
    for (const auto& c : cost) all.push_back(c.second);
    run_network(cal, set, all, threads, progress);
  }
  return cal;
}

const Calibration& default_calibration(bool network, const CalibrationProgress& progress) {
  static const CalibrationSet set = parse_calibration(embedded_calibration_json());
  if (network) {
    static const Calibration full = calibrate(set, kFitShapes, true, std::max(1u, std::thread::hardware_concurrency()), progress);
    return full;
  }
  static const Calibration fast = calibrate(set, kFitShapes, false);
  return fast;
}

Machine fitted_rtl_machine(unsigned cube) {
  static const CalibrationSet set = parse_calibration(embedded_calibration_json());
  Machine m = rtl_machine(set, cube);
  m.step_cycles = default_calibration(false).machine.step_cycles;
  return m;
}

double network_calibration_error(Collective c) {
  // `phtpu model --calibration --json`, "max_error_network", rounded up to 0.001 %
  switch (c) {
  case Collective::AllReduce: return 0.01049;
  case Collective::ReduceScatter: return 0.01794;
  case Collective::AllGather: return 0.01588;
  case Collective::AllToAll: return 0.07295;
  default: throw std::invalid_argument("no network calibration for " + collective_name(c));
  }
}

Machine tpu_v4_machine() {
  Machine m;
  m.name = "TPU v4";
  m.cube = 4;                          // 4x4x4 chips per rack (docs/references.md §T2)
  m.clock_hz = 1.05e9;                 // 1050 MHz (§T1, paper Table 4)
  m.link_bytes_per_cycle = 45e9 / 1.05e9; // 4.5e10 B/s one way per link, the effective rate (§T4, JAX scaling book)
  m.packet_bytes = 256;
  m.header_bytes = 0;                  // the effective rate already nets out the link protocol
  // Per-hop latency is not published (§T4: UNCONFIRMED; "sub-microsecond between adjacent
  // chips"). Assumed: 100 ns through a router, 50 ns on an electrical cable, 150 ns through
  // optics, fibre and the OCS.
  m.router_cycles = 105;
  m.electrical_latency = 52;
  m.optical_latency = 157;
  m.credit_flits = 0;                  // assumed: buffers cover the credit loop, links run at full rate
  // All six links at once: six send and six receive lanes (§T1 memory model: tens of thousands
  // of outstanding DMA requests per chip; §T4: 6 links per chip).
  m.send_lanes = 6;
  m.receive_lanes = 6;
  // Assumed: the chip's DMA engines take their descriptors without a host in the loop, and a
  // step's synchronisation costs no more than its data's arrival (the latency term): no issue
  // or step cost is published, so none is added (a lower bound for small messages).
  m.host_cycles_per_transfer = 0;
  m.step_cycles = 0;
  // Receive: a lane keeps up with its link (assumed); a reduction reads and writes HBM once per
  // received byte, 1200 GB/s for the whole chip (§T1).
  m.lane_cycles_per_byte = 0;
  m.memory_cycles_per_byte = 2 * 1.05e9 / 1200e9;
  m.network_model = false;             // the RTL's routers are not TPU v4's: the analytic model only
  return m;
}

} // namespace phtpu::model
