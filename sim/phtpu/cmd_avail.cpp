// phtpu avail: goodput of a TPU v4 pod against slice size when CPU hosts fail, with OCS (any
// healthy racks form a slice) and without (contiguous blocks of racks only), by Monte Carlo with
// 95% confidence intervals and by closed form where one exists (sim/model/availability.hpp).
#include "availability.hpp"
#include "cli.hpp"

#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace phtpu::cli {

namespace {

struct AvailArgs {
  std::string availability = "0.99,0.995,0.999";
  std::string slices = "64:4096";
  std::uint64_t trials = 20000, seed = 1;
  std::string grid = "4x4x4";
  unsigned hosts_per_rack = 16;
  unsigned chips_per_host = 4;
  std::string packer = "optimal";
  std::string draw = "hosts";
  std::string json, csv;
  bool quiet = false;
};

std::string chip_shape(const model::CubeBox& cubes, const model::PodLayout& pod) {
  if (pod.chips_per_rack() != 64) return "-"; // a rack is a 4x4x4 cube only with 64 chips
  return fmt::format("{}x{}x{}", 4 * cubes.x, 4 * cubes.y, 4 * cubes.z);
}

model::AvailConfig config_of(const AvailArgs& a) {
  model::AvailConfig c;
  try {
    const phext::Vec3 g = phext::parse_shape(a.grid, "rack grid");
    c.pod.grid = {static_cast<unsigned>(g.x), static_cast<unsigned>(g.y), static_cast<unsigned>(g.z)};
    c.pod.hosts_per_rack = a.hosts_per_rack;
    c.pod.chips_per_host = a.chips_per_host;
    model::validate(c.pod);
    c.host_availability = model::parse_availabilities(a.availability);
    c.slice_chips = model::parse_slice_sizes(a.slices, c.pod);
    c.packer = model::packer_from_name(a.packer);
    if (a.draw == "hosts")
      c.draw = model::Draw::hosts;
    else if (a.draw == "racks")
      c.draw = model::Draw::racks;
    else
      throw InputError(fmt::format("--draw '{}' is not hosts or racks", a.draw));
    c.trials = a.trials;
    c.seed = a.seed;
    model::validate(c);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  return c;
}

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json estimate_json(const model::Estimate& e) {
  return {{"mean", e.mean}, {"ci95", e.ci95}, {"stddev", e.stddev}};
}

nlohmann::json to_json(const model::AvailResult& r) {
  const auto& c = r.config;
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points)
    points.push_back({{"host_availability", p.host_availability},
                      {"rack_availability", p.rack_availability},
                      {"slice_chips", p.slice_chips},
                      {"cubes", p.cubes},
                      {"shape_cubes", p.shape.str()},
                      {"shape_chips", chip_shape(p.shape, c.pod)},
                      {"ocs",
                       {{"goodput", estimate_json(p.ocs)},
                        {"goodput_closed", p.ocs_closed},
                        {"fit", estimate_json(p.ocs_fit)},
                        {"fit_closed", p.ocs_fit_closed}}},
                      {"noocs",
                       {{"goodput", estimate_json(p.noocs)},
                        {"goodput_closed", optional_json(p.noocs_closed)},
                        {"fit", estimate_json(p.noocs_fit)},
                        {"fit_closed", optional_json(p.noocs_fit_closed)}}},
                      {"dominance_violations", p.dominance_violations},
                      {"search_unfinished", p.search_unfinished}});
  return {{"pod",
           {{"rack_grid", c.pod.grid.str()},
            {"racks", c.pod.racks()},
            {"hosts_per_rack", c.pod.hosts_per_rack},
            {"chips_per_host", c.pod.chips_per_host},
            {"chips", c.pod.chips()}}},
          {"trials", c.trials},
          {"seed", c.seed},
          {"draw", c.draw == model::Draw::hosts ? "hosts" : "racks"},
          {"noocs_packer", model::packer_name(c.packer)},
          {"goodput", "chips in running slices / chips in the pod"},
          {"fit", "probability that at least one slice fits"},
          {"ci95", "normal approximation: 1.96 * sample stddev / sqrt(trials)"},
          {"wall_seconds", r.wall_seconds},
          {"points", points}};
}

std::string to_csv(const model::AvailResult& r) {
  std::string out =
      "host_availability,slice_chips,shape_cubes,ocs_mc,ocs_ci95,ocs_closed,noocs_mc,noocs_ci95,noocs_closed\n";
  for (const auto& p : r.points)
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", p.host_availability, p.slice_chips, p.shape.str(), p.ocs.mean,
                       p.ocs.ci95, p.ocs_closed, p.noocs.mean, p.noocs.ci95,
                       p.noocs_closed ? fmt::format("{}", *p.noocs_closed) : "");
  return out;
}

void print_table(const model::AvailResult& r) {
  const auto& c = r.config;
  fmt::print("Pod of {} racks ({} grid), {} hosts x {} chips per rack, {} chips; host availability a, rack "
             "availability a^{}\n",
             c.pod.racks(), c.pod.grid.str(), c.pod.hosts_per_rack, c.pod.chips_per_host, c.pod.chips(),
             c.pod.hosts_per_rack);
  fmt::print("Goodput = chips in running slices / {}. Monte Carlo: {} trials, seed {}, {} drawn; ± is the 95% CI "
             "(1.96 s/sqrt(N)); closed forms exact, '-' where none is given. Without OCS: {} packing of contiguous "
             "blocks, no wraparound.\n",
             c.pod.chips(), c.trials, c.seed, c.draw == model::Draw::hosts ? "hosts" : "racks",
             model::packer_name(c.packer));
  fmt::print("{:>7} {:>7} {:>6} {:>6} {:>9} | {:>18} {:>8} | {:>18} {:>8} | {:>6} {:>6}\n", "host_a", "rack_a", "slice",
             "shape", "shape", "with OCS (MC)", "closed", "without OCS (MC)", "closed", "fit", "fit");
  fmt::print("{:>7} {:>7} {:>6} {:>6} {:>9} | {:>18} {:>8} | {:>18} {:>8} | {:>6} {:>6}\n", "", "", "chips", "cubes",
             "chips", "goodput ± CI95", "", "goodput ± CI95", "", "OCS", "no-OCS");
  double last = -1;
  for (const auto& p : r.points) {
    if (p.host_availability != last && last >= 0) fmt::print("\n");
    last = p.host_availability;
    fmt::print("{:>7.4f} {:>7.4f} {:>6} {:>6} {:>9} | {:>8.5f} ± {:<7.5f} {:>8.5f} | {:>8.5f} ± {:<7.5f} {:>8} | "
               "{:>6.4f} {:>6.4f}\n",
               p.host_availability, p.rack_availability, p.slice_chips, p.shape.str(), chip_shape(p.shape, c.pod),
               p.ocs.mean, p.ocs.ci95, p.ocs_closed, p.noocs.mean, p.noocs.ci95,
               p.noocs_closed ? fmt::format("{:.5f}", *p.noocs_closed) : "-", p.ocs_fit.mean, p.noocs_fit.mean);
    if (p.dominance_violations || p.search_unfinished)
      fmt::print("  WARNING {} trials ran more chips without OCS than with, {} packings hit the search budget\n",
                 p.dominance_violations, p.search_unfinished);
  }
  fmt::print("({:.2f} s)\n", r.wall_seconds);
}

} // namespace

void add_avail_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<AvailArgs>();
  auto* s = app.add_subcommand("avail", "Goodput of a TPU v4 pod against slice size under CPU host failures, with "
                                        "and without OCS (Monte Carlo with 95% CIs, closed forms)");
  s->add_option("--host-availability", a->availability, "Host availabilities in (0, 1], comma-separated")
      ->capture_default_str();
  s->add_option("--slices", a->slices,
                "Slice sizes in chips: FROM:TO (the powers of two between) or a comma list, multiples of one cube")
      ->capture_default_str();
  s->add_option("--trials", a->trials, fmt::format("Monte Carlo trials (2..{})", model::kMaxTrials))->capture_default_str();
  s->add_option("--seed", a->seed, "Random seed (std::mt19937_64)")->capture_default_str();
  s->add_option("--rack-grid", a->grid, "Racks of the pod as a grid (at most 64 racks)")->capture_default_str();
  s->add_option("--hosts-per-rack", a->hosts_per_rack, "CPU hosts per rack")->capture_default_str();
  s->add_option("--chips-per-host", a->chips_per_host, "TPU chips per host")->capture_default_str();
  s->add_option("--packer", a->packer,
                "Without OCS: optimal (the most disjoint blocks) or first-fit (greedy, a lower bound)")
      ->capture_default_str();
  s->add_option("--draw", a->draw, "Draw every host (hosts) or every rack with probability a^hosts (racks)")
      ->capture_default_str();
  s->add_option("--json", a->json, "Write the results as JSON here");
  s->add_option("--csv", a->csv, "Write the results as CSV here (scripts/report/goodput.gp plots it)");
  s->add_flag("--quiet,-q", a->quiet, "No progress on stderr");
  s->callback([&action, a] {
    action = [a] {
      const model::AvailConfig c = config_of(*a);
      check_outputs({{"--json", a->json}, {"--csv", a->csv}});
      Progress progress(a->quiet);
      const auto res = model::run_availability(c, [&](std::uint64_t done, std::uint64_t total) {
        if (done < total && progress.due())
          fmt::print(stderr, "phtpu avail: trial {} of {} ({:.0f} s)\n", done, total, progress.seconds());
      });
      // the table goes to stdout unless a report is written there
      if (a->json != "-" && a->csv != "-") print_table(res);
      if (!a->json.empty()) write_output(a->json, to_json(res).dump(2) + "\n");
      if (!a->csv.empty()) write_output(a->csv, to_csv(res));
      for (const auto& p : res.points)
        if (p.dominance_violations || p.search_unfinished) {
          fmt::print(stderr, "phtpu avail: check failed at availability {} and {} chips: {} trials where OCS ran fewer "
                             "chips, {} packings not finished\n",
                     p.host_availability, p.slice_chips, p.dominance_violations, p.search_unfinished);
          return 1;
        }
      return 0;
    };
  });
}

} // namespace phtpu::cli
