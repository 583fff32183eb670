// phtpu model: the analytic model of the full TPU v4 pod (sim/model/), calibrated on the
// scaled pod's RTL. Topology metrics, collective times, MXU and SparseCore rates, the
// calibration error table; every collective time states the calibration error it rests on.
#include "calibration.hpp"
#include "cli.hpp"
#include "collective_model.hpp"
#include "compute_model.hpp"
#include "topology_metrics.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace phtpu::cli {

namespace {

struct ModelArgs {
  std::string shape;
  bool twisted = false;
  std::vector<std::string> workloads{"allreduce", "reducescatter", "allgather", "alltoall"};
  std::vector<std::string> bytes{"64MiB"};
  std::string machine = "v4";
  bool table = false, calibration = false, compute = false;
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

/// The slice shapes a 4096-chip TPU v4 pod offers (docs/references.md §T5): meshes below
/// one cube, tori 4i x 4j x 4k (i <= j <= k) up to 16x16x16, and the twisted n x n x 2n and
/// n x 2n x 2n shapes up to 8x16x16.
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
          {"shape", e.shape},
          {"chips", e.chips},
          {"bytes", e.bytes},
          {"cycles", e.cycles},
          {"seconds", e.seconds},
          {"algbw_bytes_per_s", e.algbw},
          {"busbw_bytes_per_s", e.busbw},
          {"steps", e.steps},
          {"bound", e.bound},
          {"cycles_links", e.link_cycles},
          {"cycles_chip", e.chip_cycles},
          {"cycles_latency", e.latency_cycles},
          {"cycles_step_overhead", e.overhead_cycles},
          {"calibration_error", cal_error}};
}

nlohmann::json machine_json(const model::Machine& m) {
  return {{"name", m.name},
          {"cube", m.cube},
          {"clock_hz", m.clock_hz},
          {"link_bytes_per_cycle", m.link_bytes_per_cycle},
          {"header_fraction", m.header_fraction},
          {"router_cycles", m.router_cycles},
          {"electrical_latency", m.electrical_latency},
          {"optical_latency", m.optical_latency},
          {"credit_flits", m.credit_flits},
          {"chip_cycles_per_byte", m.chip_cycles_per_byte},
          {"step_cycles", m.step_cycles},
          {"alltoall_efficiency", m.alltoall_efficiency}};
}

int run_calibration(const ModelArgs& a, const model::Calibration& cal) {
  const model::Machine& m = cal.machine;
  fmt::print("calibration of the analytic model on the scaled pod (RTL), {} measurements\n", cal.points.size());
  fmt::print("fitted on {}: step {:.2f} cycles, all-to-all efficiency {:.3f}; design values: chip {:.0f} B/cycle, "
             "links {:.0f} B/cycle, {} credits, router {} cycles, links {}/{} cycles\n",
             fmt::join(cal.fit_shapes, ", "), m.step_cycles, m.alltoall_efficiency, 1 / m.chip_cycles_per_byte,
             m.link_bytes_per_cycle, m.credit_flits, m.router_cycles, m.electrical_latency, m.optical_latency);
  fmt::print("{:<15} {:<14} {:>8} {:>9} {:>9} {:>8}  {}\n", "shape", "workload", "bytes", "measured", "model", "error",
             "set");
  nlohmann::json pts = nlohmann::json::array();
  std::ostringstream csv;
  csv << "shape,workload,bytes,chips,measured_cycles,model_cycles,error,set\n";
  for (const auto& p : cal.points) {
    const std::string set = p.fitted ? "fitted" : "held out";
    fmt::print("{:<15} {:<14} {:>8} {:>9.0f} {:>9.0f} {:>+7.1f}%  {}\n", p.m.shape, model::collective_name(p.m.collective),
               p.m.bytes, p.m.cycles, p.predicted, 100 * p.error, set);
    pts.push_back({{"shape", p.m.shape},
                   {"workload", model::collective_name(p.m.collective)},
                   {"bytes", p.m.bytes},
                   {"chips", p.m.chips},
                   {"measured_cycles", p.m.cycles},
                   {"model_cycles", p.predicted},
                   {"error", p.error},
                   {"set", set}});
    if (p.lockstep_cycles > 0) pts.back()["lockstep_cycles"] = p.lockstep_cycles;
    csv << fmt::format("{},{},{},{},{},{:.1f},{:.5f},{}\n", p.m.shape, model::collective_name(p.m.collective), p.m.bytes,
                       p.m.chips, p.m.cycles, p.predicted, p.error, p.fitted ? "fitted" : "held_out");
  }
  nlohmann::json per;
  for (model::Collective c : model::kCollectives) {
    per[model::collective_name(c)] = cal.max_error(c);
    fmt::print("largest |error| {:<14} {:.1f}%\n", model::collective_name(c), 100 * cal.max_error(c));
  }
  fmt::print("within 5%: {:.0f}% of the measurements; within 10%: {:.0f}%\n", 100 * cal.share_within(0.05),
             100 * cal.share_within(0.10));
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"machine", machine_json(m)},
                                        {"fit_shapes", cal.fit_shapes},
                                        {"points", pts},
                                        {"max_error", per},
                                        {"within_5pct", cal.share_within(0.05)},
                                        {"within_10pct", cal.share_within(0.10)}}
                                .dump(2) +
                             "\n");
  if (!a.csv.empty()) write_output(a.csv, csv.str());
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

int run_model(const ModelArgs& a) {
  const model::Calibration& cal = model::default_calibration();
  if (a.calibration) return run_calibration(a, cal);
  if (a.machine != "v4" && a.machine != "rtl") throw InputError("--machine must be v4 or rtl, not '" + a.machine + "'");
  const model::Machine m = a.machine == "v4" ? model::tpu_v4_machine(cal) : cal.machine;
  const double link_bps = m.link_bytes_per_cycle * m.clock_hz;
  std::vector<model::Collective> work;
  for (const auto& w : a.workloads) {
    try {
      const model::Collective c = model::collective_from_name(w);
      if (!model::modelled(c))
        throw InputError("the model covers allreduce, reducescatter, allgather and alltoall, not " + w);
      work.push_back(c);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  std::vector<double> sizes;
  for (const auto& b : a.bytes) {
    const auto v = parse_byte_size(b);
    if (v == 0) throw InputError("message size must be at least 1 byte");
    sizes.push_back(double(v));
  }
  std::vector<std::string> shapes;
  if (a.table) {
    if (!a.shape.empty()) throw UsageError("--table covers every shape: leave out --shape");
    shapes = offered_shapes();
  } else {
    if (a.shape.empty()) throw UsageError("give --shape AxBxC, or --table, --calibration or --compute");
    shapes.push_back(a.shape + (a.twisted ? ":twisted" : ""));
  }
  check_writable(a.json);
  check_writable(a.csv);
  nlohmann::json out = nlohmann::json::array();
  std::ostringstream csv;
  csv << "shape,chips,diameter,avg_hops,bisection_links,bisection_bytes_per_s,workload,bytes,seconds,busbw_bytes_per_s,"
         "bound,calibration_error\n";
  fmt::print("machine: {} ({:.0f} MHz, links {:.1f} GB/s one way); collective times rest on the calibration error "
             "shown (largest |model - RTL| of that collective, `phtpu model --calibration`)\n",
             m.name, m.clock_hz / 1e6, link_bps / 1e9);
  fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<13} {:>9} {:>11} {:>11} {:<7} {:>6}\n", "shape", "chips", "diam",
             "hops", "bisect", "bisect", "workload", "bytes", "time", "busbw", "bound", "cal");
  fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<13} {:>9} {:>11} {:>11} {:<7} {:>6}\n", "", "", "", "avg",
             "links", "TB/s", "", "per chip", "", "GB/s", "", "error");
  for (const auto& s : shapes) {
    net::Topology t = net::Topology::mesh({1, 1, 1});
    try {
      t = model::parse_topology(s, m.cube);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    const model::TopologyMetrics met = model::compute_metrics(t);
    nlohmann::json js = metrics_json(met, link_bps);
    js["shape"] = model::shape_label(t);
    js["estimates"] = nlohmann::json::array();
    bool first = true;
    for (model::Collective c : work)
      for (double b : sizes) {
        const model::Estimate e = model::estimate(c, t, b, m);
        const double err = cal.max_error(c);
        js["estimates"].push_back(estimate_json(e, err));
        fmt::print("{:<15} {:>5} {:>4} {:>6} {:>6} {:>9} | {:<13} {:>9} {:>11} {:>11.1f} {:<7} {:>5.1f}%\n",
                   first ? model::shape_label(t) : "", first ? fmt::format("{}", met.nodes) : "",
                   first ? fmt::format("{}", met.diameter) : "", first ? fmt::format("{:.2f}", met.avg_hops) : "",
                   first ? fmt::format("{}", met.bisection_links) : "",
                   first ? fmt::format("{:.2f}", met.bisection_links * link_bps / 1e12) : "", model::collective_name(c),
                   human_bytes(b), e.seconds > 0 ? human_time(e.seconds) : "-", e.busbw / 1e9, e.bound, 100 * err);
        csv << fmt::format("{},{},{},{:.4f},{},{:.6g},{},{},{:.6g},{:.6g},{},{:.5f}\n", model::shape_label(t), met.nodes,
                           met.diameter, met.avg_hops, met.bisection_links, met.bisection_links * link_bps,
                           model::collective_name(c), b, e.seconds, e.busbw, e.bound, err);
        first = false;
      }
    out.push_back(js);
  }
  if (a.compute) print_compute();
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"machine", machine_json(m)}, {"shapes", out}}.dump(2) + "\n");
  if (!a.csv.empty()) write_output(a.csv, csv.str());
  return 0;
}

} // namespace

void add_model_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ModelArgs>();
  auto* s = app.add_subcommand("model", "Analytic model of the full TPU v4 pod, calibrated on the scaled pod's RTL");
  s->footer("Examples:\n"
            "  phtpu model --shape 8x8x16 --twisted --workload alltoall --bytes 64MiB\n"
            "  phtpu model --table --workload allreduce,alltoall --bytes 64MiB --csv table.csv\n"
            "  phtpu model --calibration          (the model against every scaled-pod measurement)\n"
            "  phtpu model --shape 4x4x8 --machine rtl --workload allreduce --bytes 64KiB   (the scaled pod's chip)");
  s->add_option("--shape", a->shape, "Slice shape in chips, AxBxC (below a cube: a mesh; else a torus of cubes)");
  s->add_flag("--twisted", a->twisted, "Twisted torus (n x n x 2n or n x 2n x 2n)");
  s->add_option("--workload", a->workloads, "allreduce, reducescatter, allgather, alltoall (comma list)")
      ->delimiter(',')
      ->capture_default_str();
  s->add_option("--bytes", a->bytes, "Message size per chip: 4096, 64KiB, 64MiB, 1GiB (comma list)")
      ->delimiter(',')
      ->capture_default_str();
  s->add_option("--machine", a->machine, "v4 (TPU v4, 1050 MHz) or rtl (the scaled pod's chip)")->capture_default_str();
  s->add_flag("--table", a->table, "Every slice shape the 4096-chip pod offers, regular and twisted");
  s->add_flag("--calibration", a->calibration, "The calibration error table: model against the RTL measurements");
  s->add_flag("--compute", a->compute, "Also print MXU and SparseCore rates at full scale");
  s->add_option("--json", a->json, "Write the results as JSON here");
  s->add_option("--csv", a->csv, "Write the results as CSV here");
  s->callback([&action, a] {
    action = [a] {
      if (!a->table && !a->calibration && a->shape.empty() && a->compute) {
        print_compute();
        return 0;
      }
      return run_model(*a);
    };
  });
}

} // namespace phtpu::cli
