// phtpu model: the model of the full TPU v4 pod (sim/model/), calibrated on the scaled pod's
// RTL. Topology metrics, collective times (analytic, or the network model for the RTL's
// all-to-all), MXU and SparseCore rates, the calibration error table and the full pod against
// the published figures; every collective time states the calibration error it rests on.
#include "calibration.hpp"
#include "cli.hpp"
#include "collective_model.hpp"
#include "compute_model.hpp"
#include "link_model.hpp"
#include "topology_metrics.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <set>

#include <chrono>
#include <map>
#include <memory>
#include <sstream>

namespace phtpu::cli {

namespace {

/// The most seconds --network-budget may give one estimate.
constexpr double kMaxNetworkBudget = 86400;

struct ModelArgs {
  std::string shape;
  bool twisted = false;
  std::string workloads = "allreduce,reducescatter,allgather,alltoall"; // comma lists
  std::string bytes = "64MiB";
  std::string machine = "v4";
  std::string algorithm = "default";
  std::string method;             // "", "analytic" or "network"
  std::string cube;               // rtl machine: 2x2x2 or 4x4x4
  unsigned lanes = 0;             // rtl machine: send and receive lanes (0: the calibrated chip's)
  double network_budget = 0;      // seconds per network-model estimate (0: not given, NetworkLimits' default)
  bool network_budget_given = false;
  bool table = false, calibration = false, compute = false, validate = false, quiet = false;
  double ber = 0;            // bit error rate of every link (analytic method): the link layer's replays
  double link_efficiency = -1; // --link-efficiency BER: print the link layer's efficiency alone (-1: not asked)
  std::string json, csv;
};

std::string human_bytes(double b) {
  if (b >= 1 << 30) return fmt::format("{:g} GiB", b / (1 << 30));
  if (b >= 1 << 20) return fmt::format("{:g} MiB", b / (1 << 20));
  if (b >= 1 << 10) return fmt::format("{:g} KiB", b / (1 << 10));
  return fmt::format("{:g} B", b);
}

std::string human_time(double s) {
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.2f} us", s * 1e6);
}

nlohmann::json metrics_json(const model::TopologyMetrics& m, double link_bytes_per_s) {
  return {{"topology", m.name},
          {"chips", m.nodes},
          {"links", m.links},
          {"diameter", m.diameter},
          {"avg_hops", m.avg_hops},
          {"bisection_links", m.bisection_links},
          {"bisection_bytes_per_s_one_way", m.bisection_links * link_bytes_per_s},
          {"alltoall_max_link_load_pairs", m.max_pair_load},
          {"alltoall_mean_link_load_pairs", m.mean_pair_load},
          {"uniform_max_link_load", m.uniform_max_load},
          {"uniform_saturation_flits_per_chip_cycle", m.uniform_saturation}};
}

nlohmann::json estimate_json(const model::Estimate& e, double cal_error) {
  return {{"workload", model::collective_name(e.collective)},
          {"algorithm", model::algorithm_name(e.algorithm)},
          {"method", model::method_name(e.method)},
          {"extrapolated", e.extrapolated},
          {"shape", e.shape},
          {"chips", e.chips},
          {"bytes", e.bytes},
          {"cycles", e.cycles},
          {"seconds", e.seconds},
          {"algbw_bytes_per_s", e.algbw},
          {"busbw_bytes_per_s", e.busbw},
          {"steps", e.steps},
          {"bound", e.bound},
          {"analytic_cycles", e.analytic_cycles},
          {"cycles_links", e.link_cycles},
          {"cycles_send", e.send_cycles},
          {"cycles_receive", e.receive_cycles},
          {"cycles_latency", e.latency_cycles},
          {"cycles_step_overhead", e.overhead_cycles},
          {"link_flits", e.link_flits},
          {"optical_flits", e.optical_flits},
          {"calibration_error", cal_error}};
}

nlohmann::json machine_json(const model::Machine& m) {
  return {{"name", m.name},
          {"cube", m.cube},
          {"clock_hz", m.clock_hz},
          {"link_bytes_per_cycle", m.link_bytes_per_cycle},
          {"packet_bytes", m.packet_bytes},
          {"header_bytes", m.header_bytes},
          {"router_cycles", m.router_cycles},
          {"electrical_latency", m.electrical_latency},
          {"optical_latency", m.optical_latency},
          {"credit_flits", m.credit_flits},
          {"send_lanes", m.send_lanes},
          {"receive_lanes", m.receive_lanes},
          {"host_cycles_per_transfer", m.host_cycles_per_transfer},
          {"lane_cycles_per_byte", m.lane_cycles_per_byte},
          {"memory_cycles_per_byte", m.memory_cycles_per_byte},
          {"step_cycles", m.step_cycles},
          {"network_model", m.network_model}};
}

std::string pct(double e) { return fmt::format("{:+.1f}%", 100 * e); }

/// The calibration error an estimate rests on: the largest |error| on the RTL of the method
/// that made it, for that collective; for the analytic model, over the calibrated messages of at
/// least its size (the largest, for larger ones), and for a machine whose links are not
/// credit-limited (TPU v4's, by assumption) over the RTL runs whose links are not either. A
/// hierarchical variant rests on its flat collective's (the same rules; the calibration has no
/// hierarchical runs).
double rests_on(const model::Estimate& e, const model::Machine& m) {
  const model::Collective c = model::flat_of(e.collective);
  if (e.method == model::Method::Network) return model::network_calibration_error(c);
  const model::Calibration& cal = model::default_calibration(false);
  const bool credit_free = m.credit_flits <= 0 || m.credit_flits >= 2 * m.optical_latency + m.credit_extra;
  double largest = 0;
  for (const auto& p : cal.points)
    if (p.m.collective == c) largest = std::max(largest, p.m.bytes);
  return cal.max_error(c, model::Method::Analytic, credit_free, std::min(e.bytes, largest));
}

int run_calibration(const ModelArgs& a) {
  // the network model over every measurement takes minutes (the full pod's): say how far it is
  // (--method analytic: the analytic model only, in a second)
  if (!a.method.empty() && a.method != "analytic" && a.method != "network")
    throw InputError("--method must be analytic or network, not '" + a.method + "'");
  const bool network = a.method != "analytic";
  if (network && !a.quiet)
    fmt::print(stderr, "network model: running every measurement at its size, the longest (the full pod's) first; "
                       "minutes (--method analytic: the analytic column alone, in a second)\n");
  Progress progress(a.quiet);
  const model::Calibration& cal = model::default_calibration(network, [&](std::size_t done, std::size_t total) {
    if (done < total && progress.due())
      fmt::print(stderr, "network model: {} of {} measurements run, {:.0f} s\n", done, total, progress.seconds());
  });
  const model::Machine& m = cal.machine;
  fmt::print("calibration of the model on the scaled pod (RTL), {} measurements\n", cal.points.size());
  fmt::print("fitted on {}: the analytic model's step, {:.2f} cycles; design values: links {:.0f} B/cycle, {} credits, "
             "router {} cycles, links {}/{} cycles, {} send and {} receive lanes; the network model has no fitted value\n",
             fmt::join(cal.fit_shapes, ", "), m.step_cycles, m.link_bytes_per_cycle, m.credit_flits, m.router_cycles,
             m.electrical_latency, m.optical_latency, m.send_lanes, m.receive_lanes);
  fmt::print("{:<6} {:<15} {:>3} {:<14} {:>6} {:>8} {:>9} | {:>9} {:>7} | {:>9} {:>7} | {}\n", "cube", "shape", "opt",
             "workload", "chips", "bytes", "RTL", "network", "error", "analytic", "error", "set");
  nlohmann::json pts = nlohmann::json::array();
  std::ostringstream csv;
  csv << "shape,workload,bytes,chips,measured_cycles,model_cycles,error,set\n";
  for (const auto& p : cal.points) {
    const std::string set = p.fitted ? "fitted" : "held out";
    fmt::print("{:<6} {:<15} {:>3g} {:<14} {:>6} {:>8} {:>9.0f} | {:>9} {:>7} | {:>9.0f} {:>7} | {}\n",
               fmt::format("{0}x{0}x{0}", p.m.cube), p.m.shape, p.m.optical_latency, model::collective_name(p.m.collective),
               p.m.chips, p.m.bytes, p.m.cycles, p.network_run ? fmt::format("{:.0f}", p.network) : "-",
               p.network_run ? pct(p.network_error) : "-", p.analytic, pct(p.analytic_error), set);
    pts.push_back({{"shape", p.m.shape},
                   {"cube", p.m.cube},
                   {"optical_latency", p.m.optical_latency},
                   {"credit_limited", p.credit_limited},
                   {"workload", model::collective_name(p.m.collective)},
                   {"algorithm", model::algorithm_name(p.m.algorithm)},
                   {"bytes", p.m.bytes},
                   {"chips", p.m.chips},
                   {"measured_cycles", p.m.cycles},
                   {"model_cycles", p.predicted()},
                   {"error", p.error()},
                   {"network_cycles", p.network_run ? nlohmann::json(p.network) : nlohmann::json()},
                   {"network_error", p.network_run ? nlohmann::json(p.network_error) : nlohmann::json()},
                   {"analytic_cycles", p.analytic},
                   {"analytic_error", p.analytic_error},
                   {"set", set}});
    // (the shape with its cube: scripts/report.sh reads eight columns)
    csv << fmt::format("{}{}{},{},{},{},{},{:.1f},{:.5f},{}\n", p.m.shape, p.m.cube == 4 ? "" : " (2x2x2 cubes)",
                       p.m.optical_latency == 4 ? "" : fmt::format(" (optical {:g})", p.m.optical_latency),
                       model::collective_name(p.m.collective), p.m.bytes, p.m.chips, p.m.cycles, p.predicted(), p.error(),
                       p.fitted ? "fitted" : "held_out");
  }
  nlohmann::json per, per_net, per_ana, per_free;
  for (model::Collective c : model::kCollectives) {
    per[model::collective_name(c)] = cal.max_error(c);
    if (cal.network) per_net[model::collective_name(c)] = cal.max_error(c, model::Method::Network);
    per_ana[model::collective_name(c)] = cal.max_error(c, model::Method::Analytic);
    per_free[model::collective_name(c)] = cal.max_error(c, model::Method::Analytic, true);
    fmt::print("largest |error| {:<14} network model {:>6}; analytic {:5.1f}%, {:5.1f}% where no link is credit-limited\n",
               model::collective_name(c),
               cal.network ? fmt::format("{:.1f}%", 100 * cal.max_error(c, model::Method::Network)) : "-",
               100 * cal.max_error(c, model::Method::Analytic), 100 * cal.max_error(c, model::Method::Analytic, true));
  }
  // the error per message size and collective
  std::map<std::pair<double, int>, std::pair<double, double>> by_size; // (bytes, collective) -> (network, analytic)
  for (const auto& p : cal.points) {
    auto& v = by_size[{p.m.bytes, static_cast<int>(p.m.collective)}];
    v.first = std::max(v.first, std::abs(p.network_error));
    v.second = std::max(v.second, std::abs(p.analytic_error));
  }
  nlohmann::json per_size = nlohmann::json::array();
  fmt::print("largest |error| by size, network model (analytic):");
  double last = -1;
  for (const auto& [k, v] : by_size) {
    if (k.first != last) fmt::print("\n  {:>8}:", human_bytes(k.first));
    last = k.first;
    fmt::print(" {} {} ({:.1f}%)", model::collective_name(static_cast<model::Collective>(k.second)),
               cal.network ? fmt::format("{:.1f}%", 100 * v.first) : "-", 100 * v.second);
    per_size.push_back({{"bytes", k.first},
                        {"workload", model::collective_name(static_cast<model::Collective>(k.second))},
                        {"network", cal.network ? nlohmann::json(v.first) : nlohmann::json()},
                        {"analytic", v.second}});
  }
  fmt::print("\n");
  fmt::print("{}: within 5% on {:.0f}% of the measurements, within 10% on {:.0f}%\n",
             cal.network ? "network model" : "analytic model", 100 * cal.share_within(0.05), 100 * cal.share_within(0.10));
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"machine", machine_json(m)},
                                        {"fit_shapes", cal.fit_shapes},
                                        {"points", pts},
                                        {"max_error", per},
                                        {"max_error_network", per_net},
                                        {"max_error_analytic", per_ana},
                                        {"max_error_analytic_credit_free", per_free},
                                        {"max_error_by_bytes", per_size},
                                        {"within_5pct", cal.share_within(0.05)},
                                        {"within_10pct", cal.share_within(0.10)}}
                                .dump(2) +
                             "\n");
  if (!a.csv.empty()) write_output(a.csv, csv.str());
  return 0;
}

/// The full TPU v4 pod against the published figures it can be held against.
int run_validate(const ModelArgs& a) {
  const model::Machine v4 = model::tpu_v4_machine();
  const model::Calibration& cal = model::default_calibration(false);
  const net::Topology pod = model::parse_topology("16x16x16", v4.cube);
  const model::TopologyMetrics met = model::compute_metrics(pod);
  const double link_bps = v4.link_bytes_per_cycle * v4.clock_hz;
  const double bytes = double(1ull << 30);
  const model::Estimate ar = model::analytic_estimate(model::Collective::AllReduce, pod, bytes, v4);
  const model::MxuConfig mc;
  const double peak = double(mc.mxus) * mc.n * mc.n * 2 * mc.clock_hz;
  struct Row {
    std::string what, predicted_s, published_s, source, rests_on;
    double predicted, published;
  };
  // the error at the largest calibrated size (bandwidth-bound, as 1 GiB is), where no link is
  // credit-limited (as TPU v4's, by assumption), and over every calibrated point
  double largest = 0;
  for (const auto& p : cal.points) largest = std::max(largest, p.m.bytes);
  const double ar_err = cal.max_error(model::Collective::AllReduce, model::Method::Analytic, true, largest);
  const double ar_err_all = cal.max_error(model::Collective::AllReduce, model::Method::Analytic);
  // and on the cubic shapes, as the full pod is: every part's rings equally long (the analytic
  // model's largest errors are on elongated shapes, where they are not: docs/model.md)
  double ar_err_cubic = 0;
  for (const auto& p : cal.points) {
    const std::string dims = p.m.shape.substr(0, p.m.shape.find(':'));
    const phext::Vec3 v = phext::parse_shape(dims);
    if (p.m.collective == model::Collective::AllReduce && p.m.bytes >= largest && !p.credit_limited &&
        dims == p.m.shape && v.x == v.y && v.y == v.z)
      ar_err_cubic = std::max(ar_err_cubic, std::abs(p.analytic_error));
  }
  const std::vector<Row> rows{
      {"bisection bandwidth, one way", fmt::format("{:.1f} TB/s", met.bisection_links * link_bps / 1e12), "24 TB/s",
       "Google Cloud TPU v4 documentation (docs/references.md §T4)",
       fmt::format("exact: {} links (every balanced cut of small shapes checked) x {:.0f} GB/s effective", met.bisection_links,
                   link_bps / 1e9),
       met.bisection_links * link_bps, 24e12},
      {fmt::format("all-reduce bandwidth, {} ({}), 1 GiB per chip", model::algorithm_name(ar.algorithm), "six links"),
       fmt::format("{:.2f} PB/s", ar.busbw * pod.nodes() / 1e15), "1.1 PB/s",
       "Google Cloud TPU v4 documentation (docs/references.md §T4)",
       fmt::format("the analytic all-reduce on the RTL at {} (bandwidth-bound) where no link is credit-limited (as "
                   "assumed for TPU v4): {:.1f}% on the cubic shapes (as the full pod), {:.1f}% on every shape; {:.1f}% over "
                   "every calibrated size and link",
                   human_bytes(largest), 100 * ar_err_cubic, 100 * ar_err, 100 * ar_err_all),
       ar.busbw * pod.nodes(), 1.1e15},
      {"peak bf16 FLOP/s per chip", fmt::format("{:.2f} TFLOP/s", peak / 1e12), "275 TFLOP/s", "paper, Table 4 (§T1)",
       "exact: the MXU formula gives the Verilated 4x4 and 8x8 tiles' cycles (test_model_calibration)", peak, 275e12},
      {"peak bf16 FLOP/s, pod", fmt::format("{:.3f} EFLOP/s", peak * pod.nodes() / 1e18), "1.1 EFLOP/s",
       "Google Cloud TPU v4 documentation (docs/references.md §T1)", "as above, x 4096 chips", peak * pod.nodes(), 1.1e18},
  };
  fmt::print("TPU v4 pod, 4096 chips as one 16x16x16 slice (regular: 16x16x16 is not n x n x 2n or n x 2n x 2n, "
             "so TPU v4 does not twist it); machine {} ({:.0f} MHz, {} links of {:.0f} GB/s one way per chip)\n",
             v4.name, v4.clock_hz / 1e6, 6, link_bps / 1e9);
  fmt::print("{:<48} {:>13} {:>13} {:>7}  {}\n", "figure", "predicted", "published", "ratio", "rests on");
  nlohmann::json js = nlohmann::json::array();
  for (const Row& r : rows) {
    fmt::print("{:<48} {:>13} {:>13} {:>7.3f}  {}; published: {}\n", r.what, r.predicted_s, r.published_s,
               r.predicted / r.published, r.rests_on, r.source);
    js.push_back({{"figure", r.what},
                  {"predicted", r.predicted},
                  {"published", r.published},
                  {"ratio", r.predicted / r.published},
                  {"source", r.source},
                  {"rests_on", r.rests_on}});
  }
  fmt::print("all-reduce: {} on {} chips, {:.3f} ms, bus bandwidth {:.1f} GB/s per chip (bound: {})\n",
             human_bytes(bytes), pod.nodes(), ar.seconds * 1e3, ar.busbw / 1e9, ar.bound);
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"machine", machine_json(v4)},
                                        {"shape", "16x16x16"},
                                        {"allreduce", estimate_json(ar, ar_err)},
                                        {"figures", js}}
                                .dump(2) +
                             "\n");
  return 0;
}

void print_compute() {
  fmt::print("compute at full scale (8 MXUs of 128x128 and 4 SparseCores of 16 tiles per chip, 1050 MHz)\n");
  const model::MxuConfig mc;
  for (std::uint64_t s : {128ull, 1024ull, 8192ull}) {
    const auto e = model::mxu_gemm(s, s, s, mc);
    fmt::print("  MXU GEMM {0}x{0}x{0}: {1:.0f} cycles, {2:.1f} TFLOP/s of {3:.1f} peak ({4:.1f} %)\n", s, e.cycles,
               e.flops_per_s / 1e12, e.peak_flops_per_s / 1e12, 100 * e.utilization);
  }
  const model::SparseCoreConfig sc;
  fmt::print("  SparseCore, 1.44 lookups per unique row (the RTL's Zipf 1.05 workload, PERF.md):\n");
  for (unsigned shards : {1u, 64u})
    for (unsigned dim : {16u, 64u, 128u}) {
      const auto e = model::sparsecore_rate(dim, 4, 1.44, shards, sc);
      fmt::print("    fp32 rows of {:>3}, {}: {:.2f} G lookups/s per chip ({}-bound; compute {:.2f}, HBM {:.2f}, ICI {})\n",
                 dim, shards == 1 ? "all local      " : "sharded over 64", e.lookups_per_s / 1e9, e.bound,
                 e.compute_bound / 1e9, e.hbm_bound / 1e9, shards == 1 ? std::string("-") : fmt::format("{:.2f}", e.ici_bound / 1e9));
    }
}

model::Machine base_machine(const ModelArgs& a);

/// The machine of the query, its links slowed by the link layer's replays at --ber.
model::Machine chosen_machine(const ModelArgs& a) {
  model::Machine m = base_machine(a);
  if (a.ber > 0) {
    if (!(a.ber <= 0.01)) throw InputError(fmt::format("--ber must be 0..0.01, not {:g}", a.ber));
    // the in-cube links' latency (most links); a timeout past the round trip (ici_link's 64
    // cycles cover wires of up to 30, TPU v4's assumed 52 need more)
    model::LinkLayerShape s;
    s.link_latency = m.electrical_latency;
    s.timeout = std::max(s.timeout, 2 * s.round_trip());
    m.link_bytes_per_cycle *= model::link_efficiency(a.ber, s); // replays take link slots
  }
  return m;
}

model::Machine base_machine(const ModelArgs& a) {
  if (a.machine != "v4" && a.machine != "rtl") throw InputError("--machine must be v4 or rtl, not '" + a.machine + "'");
  if (a.machine == "v4") {
    if (!a.cube.empty() || a.lanes) throw UsageError("--cube and --lanes describe the rtl machine; TPU v4 has 4x4x4 cubes and six lanes");
    return model::tpu_v4_machine();
  }
  unsigned cube = 4;
  if (a.cube == "2x2x2") cube = 2;
  else if (!a.cube.empty() && a.cube != "4x4x4") throw InputError("--cube must be 2x2x2 or 4x4x4, not '" + a.cube + "'");
  model::Machine m = model::fitted_rtl_machine(cube);
  if (a.lanes) {
    if (a.lanes != 1 && a.lanes != 6) throw InputError(fmt::format("--lanes must be 1 or 6, not {}", a.lanes));
    m.send_lanes = m.receive_lanes = a.lanes;
  }
  return m;
}

/// The network model's budget, and its progress on standard error once a run has taken 5 s.
model::NetworkLimits network_limits(const ModelArgs& a, const std::string& what) {
  model::NetworkLimits l;
  if (a.network_budget_given) l.budget_seconds = a.network_budget;
  auto progress = std::make_shared<Progress>(a.quiet);
  l.progress = [progress, what](std::uint64_t cycles) {
    if (progress->due())
      fmt::print(stderr, "network model: {}: {} cycles simulated, {:.0f} s\n", what, cycles, progress->seconds());
  };
  return l;
}

int run_model(const ModelArgs& a) {
  if (a.calibration) return run_calibration(a);
  if (a.validate) return run_validate(a);
  const model::Machine m = chosen_machine(a);
  model::Algorithm algo;
  try {
    algo = model::algorithm_from_name(a.algorithm);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!a.method.empty() && a.method != "analytic" && a.method != "network")
    throw InputError("--method must be analytic or network, not '" + a.method + "'");
  if (a.network_budget_given) {
    if (!(a.network_budget > 0) || a.network_budget > kMaxNetworkBudget)
      throw InputError(fmt::format("--network-budget must be a positive number of seconds up to {:g} (a day: the "
                                   "RTL pod itself answers longer questions), not {:g}",
                                   kMaxNetworkBudget, a.network_budget));
    if (a.machine == "v4" || a.method == "analytic")
      throw UsageError("--network-budget limits the network model: it needs --machine rtl and not --method analytic");
  }
  if (a.method == "network" && a.machine == "v4")
    throw UsageError("the network model runs the RTL's routers: --method network needs --machine rtl");
  const double link_bps = m.link_bytes_per_cycle * m.clock_hz;
  std::vector<model::Collective> work;
  for (const auto& w : list_items(a.workloads, "--workload")) {
    try {
      const model::Collective c = model::collective_from_name(w);
      if (!model::modelled(c))
        throw InputError("the model covers allreduce, reducescatter, allgather (each also -hier) and alltoall, not " + w);
      model::resolve_algorithm(c, algo, m.send_lanes);
      work.push_back(c);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  std::vector<double> sizes;
  for (const auto& b : list_items(a.bytes, "--bytes")) {
    const auto v = parse_byte_size(b);
    if (v == 0) throw InputError("message size must be at least 1 byte");
    sizes.push_back(double(v));
  }
  std::vector<std::string> shapes;
  if (a.table) {
    if (!a.shape.empty()) throw UsageError("--table covers every shape: leave out --shape");
    shapes = model::offered_shapes();
  } else {
    if (a.shape.empty()) throw UsageError("give --shape AxBxC, or --table, --calibration, --validate or --compute");
    shapes.push_back(a.shape + (a.twisted ? ":twisted" : ""));
  }
  // every shape parsed before anything is printed
  std::vector<net::Topology> topologies;
  for (const auto& s : shapes) {
    try {
      topologies.push_back(model::parse_topology(s, m.cube));
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  check_outputs({{"--json", a.json}, {"--csv", a.csv}});
  nlohmann::json out = nlohmann::json::array();
  std::ostringstream csv;
  csv << "shape,chips,diameter,avg_hops,bisection_links,bisection_bytes_per_s,workload,bytes,seconds,busbw_bytes_per_s,"
         "bound,calibration_error,algorithm,method,link_flits,optical_flits\n";
  fmt::print("machine: {} ({:.0f} MHz, links {:.1f} GB/s one way, {} send and {} receive lanes); collective times rest on "
             "the calibration error shown (largest |model - RTL| of that collective and method, `phtpu model --calibration`)\n",
             m.name, m.clock_hz / 1e6, link_bps / 1e9, m.send_lanes, m.receive_lanes);
  fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<18} {:<10} {:>9} {:>11} {:>11} {:<7} {:<8} {:>6}\n", "shape", "chips",
             "diam", "hops", "bisect", "bisect", "workload", "algorithm", "bytes", "time", "busbw", "bound", "method", "cal");
  fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<18} {:<10} {:>9} {:>11} {:>11} {:<7} {:<8} {:>6}\n", "", "", "", "avg",
             "links", "TB/s", "", "", "per chip", "", "GB/s", "", "", "error");
  std::vector<std::string> notes; // sizes the network model ran otherwise than asked
  for (const net::Topology& t : topologies) {
    const model::TopologyMetrics met = model::compute_metrics(t);
    nlohmann::json js = metrics_json(met, link_bps);
    js["shape"] = model::shape_label(t);
    js["estimates"] = nlohmann::json::array();
    bool first = true;
    for (model::Collective c : work)
      for (double b : sizes) {
        model::Estimate e;
        try {
          const model::NetworkLimits limits = network_limits(a, fmt::format("{} {} {}", model::shape_label(t),
                                                                              model::collective_name(c), human_bytes(b)));
          e = a.method == "analytic"  ? model::analytic_estimate(c, t, b, m, algo)
              : a.method == "network" ? model::network_estimate(c, t, b, m, algo, limits)
                                      : model::estimate(c, t, b, m, algo, limits);
        } catch (const std::invalid_argument& x) {
          throw InputError(x.what());
        }
        const double err = rests_on(e, m);
        js["estimates"].push_back(estimate_json(e, err));
        fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<18} {:<10} {:>9} {:>11} {:>11.1f} {:<7} {:<8} {:>5.1f}%\n",
                   first ? model::shape_label(t) : "", first ? fmt::format("{}", met.nodes) : "",
                   first ? fmt::format("{}", met.diameter) : "", first ? fmt::format("{:.2f}", met.avg_hops) : "",
                   first ? fmt::format("{}", met.bisection_links) : "",
                   first ? fmt::format("{:.2f}", met.bisection_links * link_bps / 1e12) : "", model::collective_name(c),
                   model::algorithm_name(e.algorithm), human_bytes(e.bytes), e.seconds > 0 ? human_time(e.seconds) : "-",
                   e.busbw / 1e9, e.bound, model::method_name(e.method) + (e.extrapolated ? "*" : ""), 100 * err);
        csv << fmt::format("{},{},{},{:.4f},{},{:.6g},{},{},{:.6g},{:.6g},{},{:.5f},{},{},{:.0f},{:.0f}\n", model::shape_label(t),
                           met.nodes, met.diameter, met.avg_hops, met.bisection_links, met.bisection_links * link_bps,
                           model::collective_name(c), e.bytes, e.seconds, e.busbw, e.bound, err, model::algorithm_name(e.algorithm),
                           model::method_name(e.method), e.link_flits, e.optical_flits);
        if (e.bytes != b)
          notes.push_back(fmt::format("{} {} of {} per chip ran as {} (the pod's unit: whole 16-byte words{})",
                                      model::shape_label(t), model::collective_name(c), human_bytes(b), human_bytes(e.bytes),
                                      c == model::Collective::AllToAll ? " to each chip, at least one" : ""));
        first = false;
      }
    out.push_back(js);
  }
  for (model::Collective c : work)
    if (model::hierarchical(c)) {
      notes.push_back("the hierarchical collectives rest on their flat collective's calibration error (the same rules; "
                      "the pod checks them: docs/model.md, \"Hierarchical collectives\")");
      break;
    }
  for (const auto& n : notes) fmt::print("note: {}\n", n);
  if (a.compute) print_compute();
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"machine", machine_json(m)}, {"shapes", out}}.dump(2) + "\n");
  if (!a.csv.empty()) write_output(a.csv, csv.str());
  return 0;
}

} // namespace

void add_model_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ModelArgs>();
  auto* s = app.add_subcommand("model", "Model of the full TPU v4 pod, calibrated on the scaled pod's RTL");
  s->footer("Examples:\n"
            "  phtpu model --shape 8x8x16 --twisted --workload alltoall --bytes 64MiB\n"
            "  phtpu model --table --workload allreduce,alltoall --bytes 64MiB --csv table.csv\n"
            "  phtpu model --validate             (the full pod against the published figures)\n"
            "  phtpu model --calibration          (the model against every scaled-pod measurement)\n"
            "  phtpu model --shape 4x4x8 --machine rtl --workload alltoall --bytes 64KiB   (the scaled pod's chip)");
  s->add_option("--shape", a->shape, "Slice shape in chips, AxBxC (below a cube: a mesh; else a torus of cubes)");
  s->add_flag("--twisted", a->twisted, "Twisted torus (n x n x 2n or n x 2n x 2n)");
  s->add_option("--workload", a->workloads, "allreduce, reducescatter, allgather, alltoall (comma list)")
      ->capture_default_str();
  s->add_option("--bytes", a->bytes, "Message size per chip: 4096, 64KiB, 64MiB, 1GiB (comma list)")
      ->capture_default_str();
  s->add_option("--machine", a->machine, "v4 (TPU v4, 1050 MHz) or rtl (the scaled pod's chip)")->capture_default_str();
  s->add_option("--algorithm", a->algorithm,
                "default, concurrent, logical or sequential (ring collectives), lanes, translate or relay (all-to-all; "
                "relay: the network model only): the pod's algorithms")
      ->capture_default_str();
  s->add_option("--method", a->method, "analytic or network (rtl machine; default: network for the all-to-all, analytic otherwise)");
  s->add_option("--network-budget", a->network_budget,
                fmt::format("rtl machine: seconds the network model may take per estimate (roughly); larger runs are "
                            "extrapolated from two smaller ones or refused (default {:g})",
                            model::NetworkLimits{}.budget_seconds))
      ->each([a](const std::string&) { a->network_budget_given = true; });
  s->add_option("--cube", a->cube, "rtl machine: the pod's cube, 2x2x2 or 4x4x4 (default 4x4x4)");
  s->add_option("--lanes", a->lanes, "rtl machine: send and receive lanes per chip, 1 or 6 (default: the calibrated chip's)");
  s->add_flag("--table", a->table, "Every slice shape the 4096-chip pod offers, regular and twisted");
  s->add_flag("--calibration", a->calibration, "The calibration error table: model against the RTL measurements");
  s->add_flag("--validate", a->validate, "The full 4096-chip pod against the published TPU v4 figures");
  s->add_flag("--compute", a->compute, "Also print MXU and SparseCore rates at full scale");
  s->add_flag("-q,--quiet", a->quiet, "No progress on stderr (the network model's long runs)");
  s->add_option("--ber", a->ber,
                "Bit error rate of every link, 0..0.01: the link layer's replays take link bandwidth (the analytic "
                "method; docs/blocks/ici-link.md, \"Model\")");
  s->add_option("--link-efficiency", a->link_efficiency,
                "Print the share of a link's flit slots that carry new flits at this bit error rate, and nothing else");
  s->add_option("--json", a->json, "Write the results as JSON here");
  s->add_option("--csv", a->csv, "Write the results as CSV here");
  s->callback([&action, a, s] {
    // --calibration and --validate are reports of their own: the options of a query would be
    // ignored beside them, so they are errors (raised when the command runs: the parser's
    // callback must not throw)
    // (and so is --compute without a query: it prints the rates and writes nothing)
    const bool query = s->count("--shape") || s->count("--table");
    const std::vector<std::pair<std::string, std::set<std::string>>> modes{
        {"--calibration", {"--method", "--json", "--csv", "--quiet"}},
        {"--validate", {"--json", "--quiet"}},
        {"--compute", query ? std::set<std::string>{"*"} : std::set<std::string>{"--quiet"}},
        {"--link-efficiency", {}}};
    std::string conflict;
    for (const auto& [mode, allowed] : modes) {
      if (!s->count(mode) || !conflict.empty() || allowed.count("*")) continue;
      for (const CLI::Option* o : s->get_options()) {
        const std::string name = o->get_name();
        if (o->count() && name != mode && !allowed.count(name) && conflict.empty())
          conflict = mode == "--compute"
                         ? fmt::format("--compute alone prints the full pod's compute rates: {} needs --shape or --table", name)
                         : fmt::format("{} is a report of its own: leave out {}", mode, name);
      }
    }
    action = [a, conflict, s] {
      if (!conflict.empty()) throw UsageError(conflict);
      if (s->count("--link-efficiency")) {
        if (!(a->link_efficiency >= 0 && a->link_efficiency <= 0.01))
          throw InputError(fmt::format("--link-efficiency takes a bit error rate, 0..0.01, not {:g}", a->link_efficiency));
        fmt::print("{:.6f}\n", model::link_efficiency(a->link_efficiency));
        return 0;
      }
      if (s->count("--ber") && (a->calibration || a->validate || (a->machine == "rtl" && a->method != "analytic")))
        throw UsageError("--ber slows the links of the analytic model: a query of --machine v4, or --machine rtl "
                         "with --method analytic");
      if (!a->table && !a->calibration && !a->validate && a->shape.empty() && a->compute) {
        print_compute();
        return 0;
      }
      return run_model(*a);
    };
  });
}

} // namespace phtpu::cli
