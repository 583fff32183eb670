// phtpu compare: TPU v4 beside TPU v3, NVIDIA A100 and Graphcore IPU Bow on a workload (the
// workload model on each machine's published figures: sim/model/compare_model.hpp,
// docs/compare.md), with the energy and carbon of a training run and the OCS's power against an
// electrical packet switch.
#include "cli.hpp"
#include "compare_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace phtpu::cli {

namespace {

struct CompareArgs {
  std::string workload = "llm";
  unsigned chips = 0; // default: 512 (llm), 128 (dlrm)
  std::string model;
  std::string machines = "v4,v3,a100,ipu-bow";
  double tokens = model::kGpt3Tokens;
  double samples = 1e9;
  double pue = model::kDefaultPue, grid = model::kDefaultGridKgPerKwh;
  std::vector<std::string> power;
  double ocs_w = model::kOcsWatts, packet_w = model::kPacketSwitchWatts;
  std::string json, csv;
  bool tokens_given = false, samples_given = false, chips_given = false, fabric_given = false;
};

/// One machine's result on the workload.
struct Row {
  const model::Accelerator* acc = nullptr;
  bool ran = false;
  std::string why;          ///< why not
  std::string slice, mapping;
  double step_s = 0, mfu = 0;
  double items_per_s = 0;   ///< tokens (llm) or samples (dlrm) per second
  double watts = 0;         ///< per chip
  double items_per_joule = 0;
  double run_s = 0;         ///< the training run (llm: --tokens; dlrm: --samples)
  model::RunEnergy energy;
  nlohmann::json detail;
};

/// A positive number up to `max`, which `why` explains.
double positive(double v, const char* what, double max, const char* why) {
  if (!(v > 0) || !std::isfinite(v) || v > max)
    throw InputError(fmt::format("{} must be a positive number up to {:g} ({}), not {:g}", what, max, why, v));
  return v;
}

int run_compare(const CompareArgs& a) {
  const bool llm = a.workload == "llm";
  if (!llm && a.workload != "dlrm") throw InputError("--workload must be llm or dlrm, not '" + a.workload + "'");
  if (llm && a.samples_given) throw UsageError("--samples sizes a dlrm run; an llm run is sized by --tokens");
  if (!llm && a.tokens_given) throw UsageError("--tokens sizes an llm run; a dlrm run is sized by --samples");
  if (!(a.pue >= 1 && a.pue <= 10))
    throw InputError(fmt::format("--pue is facility over IT energy, 1..10 (1.1 is Google's, §C6), not {:g}", a.pue));
  if (!(a.grid >= 0 && a.grid <= 2))
    throw InputError(fmt::format("--grid must be 0..2 kg CO2e per kWh (coal is about 1), not {:g}", a.grid));
  positive(a.tokens, "--tokens", 1e15, "3,000 times GPT-3's 300 billion");
  positive(a.samples, "--samples", 1e15, "a million epochs of the MLPerf DLRM's 4 billion");
  positive(a.ocs_w, "--ocs-watts", 1e5, "a thousand times an OCS's, §C7");
  positive(a.packet_w, "--packet-switch-watts", 1e6, "a thousand times a switch's, §C7");
  if (a.chips_given && a.chips == 0) throw InputError("--chips must be at least 1");
  const unsigned chips = a.chips ? a.chips : llm ? 512 : 128;
  // the machines, in the order given, each once
  std::vector<const model::Accelerator*> machines;
  for (const std::string& n : split_commas(a.machines, true)) {
    try {
      const model::Accelerator* m = &model::accelerator(n);
      if (std::find(machines.begin(), machines.end(), m) != machines.end())
        throw InputError(fmt::format("--machines names {} twice", n));
      machines.push_back(m);
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string("--machines: ") + e.what());
    }
  }
  // --power NAME=W
  std::map<std::string, double> watts;
  for (const std::string& p : a.power) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) throw InputError(fmt::format("--power wants MACHINE=WATTS, not '{}'", p));
    const std::string n = p.substr(0, eq);
    try {
      (void)model::accelerator(n);
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string("--power: ") + e.what());
    }
    const double w = parse_real(p.substr(eq + 1), "--power " + n);
    positive(w, "--power", 10'000, "ten times any chip's");
    if (std::find_if(machines.begin(), machines.end(), [&](auto* m) { return m->name == n; }) == machines.end())
      throw InputError(fmt::format("--power names {}, which --machines leaves out", n));
    if (!watts.emplace(n, w).second) throw InputError(fmt::format("--power names {} twice", n));
  }
  const bool v4 = std::any_of(machines.begin(), machines.end(), [](auto* m) { return m->name == "v4"; });
  if (a.fabric_given && !v4)
    throw UsageError("--ocs-watts and --packet-switch-watts price TPU v4's switches: --machines leaves out v4");
  model::TransformerConfig tcfg;
  model::DlrmConfig dcfg;
  try {
    if (llm) tcfg = model::transformer_preset(a.model.empty() ? "gpt3-175b" : a.model);
    else dcfg = model::dlrm_preset(a.model.empty() ? "dlrm-mlperf" : a.model);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  check_outputs({{"--json", a.json}, {"--csv", a.csv}});

  std::vector<Row> rows;
  for (const model::Accelerator* m : machines) {
    Row r;
    r.acc = m;
    r.watts = watts.count(m->name) ? watts.at(m->name) : m->power_w.value;
    const std::vector<net::Topology> slices = model::accelerator_slices(*m, chips);
    if (slices.empty()) {
      r.why = fmt::format("no slice of {} chips", chips);
      rows.push_back(r);
      continue;
    }
    if (llm) {
      const model::StepEstimate e = model::best_transformer_step(tcfg, slices, m->wm);
      r.slice = e.shape;
      r.mapping = e.mapping.str();
      if (!(e.valid && e.fits)) {
        r.why = e.why;
      } else {
        r.ran = true;
        r.step_s = e.step_s;
        r.mfu = e.mfu;
        r.items_per_s = double(tcfg.batch) * tcfg.seq / e.step_s;
        r.detail = {{"data", e.data}, {"tensor", e.tensor}, {"pipeline", e.pipeline}, {"recompute", model::recompute_name(e.recompute)},
                    {"compute_seconds", e.compute_s}, {"bubble_seconds", e.bubble_s}, {"tensor_seconds", e.tensor_s},
                    {"pipeline_seconds", e.pipeline_s}, {"data_exposed_seconds", e.data_exposed_s},
                    {"optimizer_seconds", e.optimizer_s}, {"memory_bytes_per_chip", e.memory_bytes}};
        r.mapping += fmt::format(" {}", model::recompute_name(e.recompute));
      }
    } else {
      const model::DlrmStep* best = nullptr;
      std::vector<model::DlrmStep> all;
      for (const net::Topology& t : slices) all.push_back(model::dlrm_step(dcfg, t, m->wm));
      for (const auto& e : all)
        if (e.fits && (!best || e.step_s < best->step_s)) best = &e;
      if (!best) {
        r.slice = all.front().shape;
        r.why = all.front().why;
      } else {
        r.ran = true;
        r.slice = best->shape;
        r.step_s = best->step_s;
        r.items_per_s = best->samples_per_s;
        // (no MFU: a DLRM step is lookups and all-to-alls more than matmuls)
        r.detail = {{"lookup_seconds", best->lookup_s}, {"alltoall_seconds", best->alltoall_s}, {"mlp_seconds", best->mlp_s},
                    {"allreduce_exposed_seconds", best->allreduce_exposed_s}, {"memory_bytes_per_chip", best->memory_bytes}};
      }
    }
    if (r.ran) {
      r.items_per_joule = r.items_per_s / (chips * r.watts);
      r.run_s = (llm ? a.tokens : a.samples) / r.items_per_s;
      r.energy = model::run_energy(r.run_s, chips, r.watts, a.pue, a.grid);
    }
    rows.push_back(r);
  }
  // nothing to compare: one line, before anything is printed or written
  const Row* base = nullptr; // perf/W against TPU v4's, or the first machine's that ran
  for (const Row& r : rows)
    if (r.ran && (!base || r.acc->name == "v4")) base = &r;
  if (!base) {
    std::string why;
    for (const Row& r : rows) why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", r.acc->label, r.why);
    throw InputError(fmt::format("no machine runs {} on {} chips ({})", llm ? tcfg.name : dcfg.name, chips, why));
  }
  fmt::print("machines (sources: docs/references.md; docs/compare.md has the method)\n");
  fmt::print("{:<18} {:>8} {:>9} {:>9} {:>12} {:>7} {:>7}  {}\n", "machine", "peak TF", "memory", "mem GB/s", "links x GB/s",
             "power W", "largest", "topology");
  nlohmann::json jm = nlohmann::json::array();
  auto sourced = [](const model::Sourced& s) { return nlohmann::json{{"value", s.value}, {"source", s.source}}; };
  for (const model::Accelerator* m : machines) {
    const double w = watts.count(m->name) ? watts.at(m->name) : m->power_w.value;
    // (in the unit it is published in: GiB for the TPUs' HBM, GB for the others)
    const double mem = m->memory_bytes.value;
    const std::string mem_s = std::fmod(mem, double(1ull << 30)) == 0 ? fmt::format("{:g} GiB", mem / double(1ull << 30))
                                                                      : fmt::format("{:g} GB", mem / 1e9);
    fmt::print("{:<18} {:>8.1f} {:>9} {:>9.0f} {:>12} {:>7.0f} {:>7.0f}  {}\n", m->label, m->peak_flops.value / 1e12,
               mem_s, m->memory_bytes_per_s.value / 1e9,
               fmt::format("{:.0f} x {:.0f}", m->links.value, m->link_bytes_per_s.value / 1e9), w, m->max_chips.value, m->topology);
    jm.push_back({{"name", m->name},
                  {"label", m->label},
                  {"peak_flops", sourced(m->peak_flops)},
                  {"memory_bytes", sourced(m->memory_bytes)},
                  {"memory_bytes_per_s", sourced(m->memory_bytes_per_s)},
                  {"links", sourced(m->links)},
                  {"link_bytes_per_s", sourced(m->link_bytes_per_s)},
                  {"power_w", watts.count(m->name) ? nlohmann::json{{"value", w}, {"source", "--power"}} : sourced(m->power_w)},
                  {"max_chips", sourced(m->max_chips)},
                  {"topology", m->topology}});
  }


  const char* unit = llm ? "tokens" : "samples";
  if (llm)
    fmt::print("\n{} on {} chips ({:.1f} B parameters, batch {} x {} tokens): each machine's fastest slice and mapping "
               "(the workload model, as phtpu search)\n",
               tcfg.name, chips, tcfg.params() / 1e9, tcfg.batch, tcfg.seq);
  else
    fmt::print("\n{} on {} chips (batch {} samples): each machine's fastest slice (the workload model: lower bounds)\n",
               dcfg.name, chips, dcfg.batch);
  const std::string run_what = llm ? fmt::format("{:.3g} tokens", a.tokens) : fmt::format("{:.3g} samples", a.samples);
  fmt::print("run: {}; energy = chips x power x time x PUE {:.2f}; CO2e at {:.3f} kg/kWh; perf/W: {}/J over {}'s\n",
             run_what, a.pue, a.grid, unit, base->acc->label);
  // a training run of an LLM takes days and megawatt-hours; a billion DLRM samples, hours and kWh
  const double t_unit = llm ? 86400 : 3600, e_unit = llm ? 1e3 : 1, c_unit = llm ? 1e3 : 1;
  fmt::print("{:<18} {:<16} {:<20} {:>10} {:>6} {:>11} {:>11} {:>7} {:>9} {:>9} {:>9}\n", "machine", "slice", llm ? "mapping" : "",
             llm ? "step s" : "step ms", "MFU", fmt::format("{}/s", unit), fmt::format("{}/J", unit), "perf/W",
             llm ? "run days" : "run hours", llm ? "MWh" : "kWh", llm ? "t CO2e" : "kg CO2e");
  nlohmann::json jr = nlohmann::json::array();
  std::ostringstream csv;
  csv << "machine,slice,mapping,step_s,mfu,items_per_s,items_per_joule,perf_per_watt_relative,run_s,facility_kwh,co2e_kg,why_not\n";
  for (const Row& r : rows) {
    const double rel = r.ran ? r.items_per_joule / base->items_per_joule : 0;
    if (r.ran)
      fmt::print("{:<18} {:<16} {:<20} {:>10.4g} {:>6} {:>11.4g} {:>11.4g} {:>6.2f}x {:>9.3g} {:>9.3g} {:>9.3g}\n", r.acc->label,
                 r.slice, llm ? r.mapping : "", llm ? r.step_s : r.step_s * 1e3,
                 llm ? fmt::format("{:.1f}%", 100 * r.mfu) : "-", r.items_per_s, r.items_per_joule, rel, r.run_s / t_unit,
                 r.energy.facility_kwh / e_unit, r.energy.co2e_kg / c_unit);
    else
      fmt::print("{:<18} not run: {}\n", r.acc->label, r.why);
    nlohmann::json j{{"machine", r.acc->name}, {"ran", r.ran}, {"why_not", r.why}, {"slice", r.slice}, {"mapping", r.mapping},
                     {"step_seconds", r.step_s}, {"mfu", r.mfu}, {std::string(unit) + "_per_second", r.items_per_s},
                     {std::string(unit) + "_per_joule", r.items_per_joule}, {"perf_per_watt_relative", rel},
                     {"watts_per_chip", r.watts}, {"run_seconds", r.run_s}, {"chip_kwh", r.energy.chip_kwh},
                     {"facility_kwh", r.energy.facility_kwh}, {"co2e_kg", r.energy.co2e_kg}, {"parts", r.detail}};
    jr.push_back(j);
    csv << fmt::format("{},{},{},{:.6g},{:.5f},{:.6g},{:.6g},{:.4f},{:.6g},{:.6g},{:.6g},\"{}\"\n", r.acc->name, r.slice,
                       r.mapping, r.step_s, r.mfu, r.items_per_s, r.items_per_joule, rel, r.run_s, r.energy.facility_kwh,
                       r.energy.co2e_kg, r.why);
  }
  // the model's optimism: each machine at the utilisation it has been published at
  nlohmann::json jp = nlohmann::json::array();
  if (llm) {
    const double flops_per_token = tcfg.step_flops() / (double(tcfg.batch) * tcfg.seq);
    double base_pj = 0;
    for (const model::Accelerator* m : machines)
      if (m == base->acc && m->published_utilisation.value > 0)
        base_pj = model::published_mfu(*m) * m->peak_flops.value / flops_per_token /
                  (watts.count(m->name) ? watts.at(m->name) : m->power_w.value);
    bool header = false;
    for (const model::Accelerator* m : machines) {
      if (m->published_utilisation.value <= 0) continue;
      if (!header) {
        fmt::print("\nat the utilisation each has been published at, as model FLOPs (another model and scale: how "
                   "optimistic the rows above are):\n{:<18} {:>6} {:>11} {:>7}  {}\n",
                   "machine", "MFU", "tokens/J", "perf/W", "published on");
        header = true;
      }
      const double w = watts.count(m->name) ? watts.at(m->name) : m->power_w.value;
      const double mfu = model::published_mfu(*m);
      const double pj = mfu * m->peak_flops.value / flops_per_token / w;
      const Row* row = nullptr;
      for (const Row& r : rows)
        if (r.acc == m) row = &r;
      fmt::print("{:<18} {:>5.1f}% {:>11.4g} {:>6}  {} (docs/references.md {}){}\n", m->label, 100 * mfu, pj,
                 base_pj > 0 ? fmt::format("{:.2f}x", pj / base_pj) : "-", m->published_what, m->published_utilisation.source,
                 row && row->ran ? fmt::format("; the model: {:.1f}%", 100 * row->mfu) : "");
      jp.push_back({{"machine", m->name}, {"published_utilisation", m->published_utilisation.value},
                    {"hardware_flops", m->published_hardware_flops}, {"mfu", mfu}, {"tokens_per_joule", pj},
                    {"perf_per_watt_relative", base_pj > 0 ? pj / base_pj : 0.0}, {"published_on", m->published_what},
                    {"source", m->published_utilisation.source}, {"model_mfu", row && row->ran ? row->mfu : 0.0}});
    }
  }
  // the fabric: TPU v4's OCSes against electrical packet switches of as many ports
  // (only for a slice of whole cubes: smaller ones use no OCS)
  const model::FabricPower fp = model::fabric_power(chips, a.ocs_w, a.packet_w);
  nlohmann::json jf;
  const bool v4_ran = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.ran && r.acc->name == "v4"; });
  if (v4_ran && chips >= 64) {
    const double chip_w = watts.count("v4") ? watts.at("v4") : model::accelerator("v4").power_w.value;
    fmt::print("\nTPU v4's switches for {} chips (their share of the pod's {} OCSes): OCSes {:.0f} W ({:.2f} W a chip, "
               "{:.1f} % of the chips' power); electrical packet switches of as many ports {:.0f} W ({:.1f} W a chip, "
               "{:.1f} %): {:.0f}x (docs/references.md §C7: UNCONFIRMED)\n",
               chips, model::kPodOcses, fp.ocs_w, fp.ocs_per_chip_w, 100 * fp.ocs_per_chip_w / chip_w, fp.packet_w,
               fp.packet_per_chip_w, 100 * fp.packet_per_chip_w / chip_w, fp.packet_w / fp.ocs_w);
    jf = {{"chips", chips}, {"ocs_watts", fp.ocs_w}, {"packet_switch_watts", fp.packet_w}, {"ocs_watts_each", a.ocs_w},
          {"packet_switch_watts_each", a.packet_w}};
  }
  fmt::print("method: the workload model on each machine's published figures; what is not published is assumed "
             "(docs/compare.md lists each); chip power only (no hosts, switches or cooling beyond the PUE)\n");
  if (!a.json.empty())
    write_output(a.json, nlohmann::json{{"workload", a.workload},
                                        {"model", llm ? tcfg.name : dcfg.name},
                                        {"chips", chips},
                                        {"run", llm ? nlohmann::json{{"tokens", a.tokens}} : nlohmann::json{{"samples", a.samples}}},
                                        {"pue", a.pue},
                                        {"grid_kg_co2e_per_kwh", a.grid},
                                        {"perf_per_watt_baseline", base->acc->name},
                                        {"machines", jm},
                                        {"results", jr},
                                        {"published", jp},
                                        {"fabric", jf}}
                                 .dump(2) +
                             "\n");
  if (!a.csv.empty()) write_output(a.csv, csv.str());
  return 0;
}

} // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<CompareArgs>();
  auto* s = app.add_subcommand("compare", "TPU v4 beside TPU v3, A100 and IPU Bow on a workload: step time, utilisation, "
                                          "performance per watt, energy and carbon");
  s->footer("Examples:\n"
            "  phtpu compare                                   (GPT-3 175B on 512 chips)\n"
            "  phtpu compare --model gpt3-1.3b --chips 64\n"
            "  phtpu compare --workload dlrm --chips 128\n"
            "  phtpu compare --pue 1.5 --grid 0.7 --power a100=400\n"
            "Every figure's source is in docs/references.md (§C1-§C7); docs/compare.md has the method.");
  s->add_option("--workload", a->workload, "llm (a transformer's training step) or dlrm")->capture_default_str();
  s->add_option("--chips", a->chips, "Chips of every machine (default: 512 for llm, 128 for dlrm)");
  s->add_option("--model", a->model, "Preset (default: gpt3-175b for llm, dlrm-mlperf for dlrm)");
  s->add_option("--machines", a->machines, "Comma-separated: v4, v3, a100, ipu-bow")->capture_default_str();
  s->add_option("--tokens", a->tokens, "llm: tokens of the training run (default: GPT-3's 300 billion, §W1)");
  s->add_option("--samples", a->samples, "dlrm: samples of the training run")->capture_default_str();
  s->add_option("--pue", a->pue, "Datacenter PUE (default: §C6)")->capture_default_str();
  s->add_option("--grid", a->grid, "Grid carbon intensity, kg CO2e per kWh (default: §C6)")->capture_default_str();
  s->add_option("--power", a->power, "A machine's watts per chip while training, MACHINE=W (repeat; default: §C1-§C5)");
  s->add_option("--ocs-watts", a->ocs_w, "Watts of one OCS (§C7)")->capture_default_str();
  s->add_option("--packet-switch-watts", a->packet_w, "Watts of an electrical packet switch of an OCS's ports (§C7)")
      ->capture_default_str();
  s->add_option("--json", a->json, "Write the machines, their sources and the results as JSON here");
  s->add_option("--csv", a->csv, "Write the results as CSV here");
  s->callback([&action, a, s] {
    a->tokens_given = s->count("--tokens") > 0;
    a->samples_given = s->count("--samples") > 0;
    a->chips_given = s->count("--chips") > 0;
    a->fabric_given = s->count("--ocs-watts") + s->count("--packet-switch-watts") > 0;
    action = [a] { return run_compare(*a); };
  });
}

} // namespace phtpu::cli
