// phtpu search: the slice shape and the mapping of data, tensor and pipeline parallelism onto
// its torus dimensions that train a transformer fastest on TPU v4 (sim/model/workload_model.hpp;
// docs/workloads.md). Every offered shape of the chip count, every assignment of the three
// dimensions to the three axes; ranked by step time, with the breakdown, and the best against a
// stated naive choice.
#include "cli.hpp"
#include "collective_model.hpp"
#include "workload_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <sstream>

namespace phtpu::cli {

namespace {

struct SearchArgs {
  unsigned chips = 0;
  std::string workload = "llm";
  std::string model; // default: gpt3-175b (llm), dlrm-mlperf (dlrm)
  unsigned layers = 0, d_model = 0, heads = 0, seq = 0, vocab = 0, ffn = 0;
  std::uint64_t batch = 0;
  std::string shape, mapping, recompute;
  unsigned top = 10;
  bool all = false;
  std::string json, csv;
};

std::string ms(double s) { return fmt::format("{:.1f}", s * 1e3); }

nlohmann::json step_json(const model::StepEstimate& e) {
  return {{"shape", e.shape},
          {"mapping", e.mapping.str()},
          {"recompute", model::recompute_name(e.recompute)},
          {"data", e.data},
          {"tensor", e.tensor},
          {"pipeline", e.pipeline},
          {"microbatches", e.microbatches},
          {"valid", e.valid},
          {"fits", e.fits},
          {"why_not", e.why},
          {"memory_bytes_per_chip", e.memory_bytes},
          {"step_seconds", e.step_s},
          {"compute_seconds", e.compute_s},
          {"bubble_seconds", e.bubble_s},
          {"tensor_seconds", e.tensor_s},
          {"pipeline_seconds", e.pipeline_s},
          {"data_seconds", e.data_s},
          {"data_exposed_seconds", e.data_exposed_s},
          {"optimizer_seconds", e.optimizer_s},
          {"model_flops", e.flops},
          {"mfu", e.mfu}};
}

/// The naive choice: the most data parallelism that fits (model parallelism only as memory
/// requires it), then the most cubic shape, then the fewest pipeline stages: the rule of thumb
/// a user follows without a model.
/// A slice's longest edge: the most cubic shape has the shortest.
unsigned longest_edge(const std::string& shape) {
  const auto t = model::parse_topology(shape, 4).shape();
  return std::max({t.x, t.y, t.z});
}

bool naive_before(const model::StepEstimate& a, const model::StepEstimate& b, const std::vector<std::string>& order) {
  if (a.data != b.data) return a.data > b.data;
  if (longest_edge(a.shape) != longest_edge(b.shape)) return longest_edge(a.shape) < longest_edge(b.shape);
  if (a.pipeline != b.pipeline) return a.pipeline < b.pipeline;
  if (a.recompute != b.recompute) return a.recompute < b.recompute; // the least recomputation
  const auto ia = std::find(order.begin(), order.end(), a.shape), ib = std::find(order.begin(), order.end(), b.shape);
  if (ia != ib) return ia < ib;
  return a.mapping.str() < b.mapping.str();
}

/// The JSON both searches write: the model, the ranking, the naive choice and every candidate.
void write_search_json(const std::string& path, const nlohmann::json& model, unsigned chips, const nlohmann::json& ranked,
                       const nlohmann::json& naive, const nlohmann::json& candidates) {
  write_output(path, nlohmann::json{{"model", model}, {"chips", chips}, {"ranked", ranked}, {"naive", naive}, {"candidates", candidates}}
                             .dump(2) +
                         "\n");
}

/// The slice shapes to search: --shape, or every offered shape of --chips.
std::vector<std::string> search_shapes(const SearchArgs& a, const std::vector<std::string>& offered) {
  if (!a.shape.empty()) return {a.shape};
  std::vector<std::string> shapes;
  for (const auto& s : offered)
    if (model::parse_topology(s, 4).nodes() == a.chips) shapes.push_back(s);
  if (shapes.empty()) {
    std::vector<unsigned> sizes;
    for (const auto& s : offered) sizes.push_back(model::parse_topology(s, 4).nodes());
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    throw InputError(fmt::format("TPU v4 offers no slice of {} chips (sizes: {})", a.chips, fmt::join(sizes, ", ")));
  }
  return shapes;
}

net::Topology search_topology(const SearchArgs& a, const std::string& s, unsigned cube) {
  net::Topology t = net::Topology::mesh({1, 1, 1});
  try {
    t = model::parse_topology(s, cube);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (a.chips && t.nodes() != a.chips)
    throw InputError(fmt::format("--shape {} has {} chips, not the --chips {}", s, t.nodes(), a.chips));
  return t;
}

/// DLRM: every shape of the chip count (the embeddings over every chip, the MLPs data
/// parallel), ranked; the naive choice is the most cubic regular shape.
int run_dlrm_search(const SearchArgs& a) {
  if (a.layers || a.d_model || a.heads || a.seq || a.vocab || a.ffn || !a.mapping.empty() || !a.recompute.empty())
    throw UsageError("--layers, --d-model, --heads, --ffn, --seq, --vocab, --mapping and --recompute describe the llm "
                     "workload, not dlrm");
  model::DlrmConfig cfg;
  try {
    cfg = model::dlrm_preset(a.model.empty() ? "dlrm-mlperf" : a.model);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (a.batch) cfg.batch = a.batch;
  const auto offered = model::offered_shapes();
  const auto shapes = search_shapes(a, offered);
  check_outputs({{"--json", a.json}, {"--csv", a.csv}});
  const model::WorkloadMachine wm = model::tpu_v4_workload_machine();
  std::vector<model::DlrmStep> all;
  for (const auto& s : shapes) all.push_back(model::dlrm_step(cfg, search_topology(a, s, wm.net.cube), wm));
  std::vector<const model::DlrmStep*> ok;
  for (const auto& e : all)
    if (e.fits) ok.push_back(&e);
  std::sort(ok.begin(), ok.end(), [](auto* x, auto* y) { return x->step_s < y->step_s; });
  const unsigned chips = model::parse_topology(all.front().shape, 4).nodes();
  fmt::print("{}: {} tables of {:.1f} M rows in all, width {}, bottom MLP {}-{}, top MLP {}-{}, batch {} samples; {:.1f} M "
             "MLP parameters\n",
             cfg.name, cfg.tables.size(), cfg.embedding_elements() / cfg.dim / 1e6, cfg.dim, cfg.dense,
             fmt::join(cfg.bottom, "-"), cfg.interaction_width(), fmt::join(cfg.top, "-"), cfg.batch, cfg.mlp_params() / 1e6);
  fmt::print("TPU v4, {} chips: {} shapes, {} fit the {:.0f} GiB of HBM; times in ms per step (docs/workloads.md)\n", chips,
             all.size(), ok.size(), wm.hbm_bytes / (1ull << 30));
  fmt::print("{:>5} {:<16} {:>9} | {:>8} {:>10} {:>8} {:>8} | {:>12} {:>7}\n", "rank", "shape", "step", "lookups", "all-to-all",
             "MLPs", "exposed", "samples/s", "GiB");
  auto row = [&](const std::string& rank, const model::DlrmStep& e) {
    fmt::print("{:>5} {:<16} {:>9.3f} | {:>8.3f} {:>10.3f} {:>8.3f} {:>8.3f} | {:>12.4g} {:>7.1f}\n", rank, e.shape, e.step_s * 1e3,
               e.lookup_s * 1e3, e.alltoall_s * 1e3, e.mlp_s * 1e3, e.allreduce_exposed_s * 1e3, e.samples_per_s,
               e.memory_bytes / (1ull << 30));
  };
  for (std::size_t k = 0; k < ok.size() && k < a.top; ++k) row(fmt::format("{}", k + 1), *ok[k]);
  for (const auto& e : all)
    if (!e.fits) fmt::print("  not ranked: {}: {}\n", e.shape, e.why);
  nlohmann::json naive_j;
  if (!ok.empty() && a.shape.empty()) {
    // the most cubic regular shape: what a user picks without the model
    const model::DlrmStep* naive = nullptr;
    for (auto* e : ok)
      if (e->shape.find("twisted") == std::string::npos && (!naive || longest_edge(e->shape) < longest_edge(naive->shape)))
        naive = e;
    if (naive) {
      row("naive", *naive);
      fmt::print("naive: the most cubic regular shape; the best is {:.2f}x faster (the all-to-all {:.3f} -> {:.3f} ms)\n",
                 naive->step_s / ok.front()->step_s, naive->alltoall_s * 1e3, ok.front()->alltoall_s * 1e3);
      naive_j = {{"shape", naive->shape}, {"step_seconds", naive->step_s}};
    }
  }
  auto j_of = [](const model::DlrmStep& e) {
    return nlohmann::json{{"shape", e.shape},
                          {"fits", e.fits},
                          {"why_not", e.why},
                          {"memory_bytes_per_chip", e.memory_bytes},
                          {"step_seconds", e.step_s},
                          {"lookup_seconds", e.lookup_s},
                          {"alltoall_seconds", e.alltoall_s},
                          {"mlp_seconds", e.mlp_s},
                          {"allreduce_seconds", e.allreduce_s},
                          {"allreduce_exposed_seconds", e.allreduce_exposed_s},
                          {"samples_per_second", e.samples_per_s}};
  };
  if (!a.json.empty()) {
    nlohmann::json ranked = nlohmann::json::array(), cand = nlohmann::json::array();
    for (auto* e : ok) ranked.push_back(j_of(*e));
    for (const auto& e : all) cand.push_back(j_of(e));
    write_search_json(a.json, {{"name", cfg.name}, {"batch", cfg.batch}, {"tables", cfg.tables.size()}}, chips, ranked,
                      naive_j, cand);
  }
  if (!a.csv.empty()) {
    std::string csv = "rank,shape,step_s,lookup_s,alltoall_s,mlp_s,allreduce_exposed_s,samples_per_s,memory_bytes\n";
    for (std::size_t k = 0; k < ok.size(); ++k)
      csv += fmt::format("{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}\n", k + 1, ok[k]->shape, ok[k]->step_s,
                         ok[k]->lookup_s, ok[k]->alltoall_s, ok[k]->mlp_s, ok[k]->allreduce_exposed_s, ok[k]->samples_per_s,
                         ok[k]->memory_bytes);
    write_output(a.csv, csv);
  }
  return 0;
}

int run_search(const SearchArgs& a) {
  if (a.workload == "dlrm") return run_dlrm_search(a);
  if (a.workload != "llm") throw InputError("--workload must be llm or dlrm, not '" + a.workload + "'");
  model::TransformerConfig cfg;
  try {
    cfg = model::transformer_preset(a.model.empty() ? "gpt3-175b" : a.model);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (a.layers) cfg.layers = a.layers;
  if (a.d_model) cfg.d_model = a.d_model;
  if (a.heads) cfg.heads = a.heads;
  if (a.seq) cfg.seq = a.seq;
  if (a.vocab) cfg.vocab = a.vocab;
  if (a.ffn) cfg.ffn = a.ffn;
  if (a.batch) cfg.batch = a.batch;
  if (cfg.d_model % cfg.heads)
    throw InputError(fmt::format("d_model {} is not a whole number of its {} heads", cfg.d_model, cfg.heads));

  const auto offered = model::offered_shapes();
  const std::vector<std::string> shapes = search_shapes(a, offered);
  std::vector<model::Mapping> mappings;
  if (!a.mapping.empty()) {
    try {
      mappings.push_back(model::parse_mapping(a.mapping));
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  } else {
    mappings = model::all_mappings();
  }
  std::vector<model::Recompute> recomputes(std::begin(model::kRecomputes), std::end(model::kRecomputes));
  if (!a.recompute.empty()) {
    try {
      recomputes = {model::recompute_from_name(a.recompute)};
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  check_outputs({{"--json", a.json}, {"--csv", a.csv}});

  const model::WorkloadMachine wm = model::tpu_v4_workload_machine();
  std::vector<model::StepEstimate> all;
  for (const auto& s : shapes) {
    const net::Topology t = search_topology(a, s, wm.net.cube);
    for (const auto& m : mappings)
      for (model::Recompute r : recomputes) all.push_back(model::transformer_step(cfg, t, m, wm, r));
  }
  std::vector<const model::StepEstimate*> ok;
  for (const auto& e : all)
    if (e.valid && e.fits) ok.push_back(&e);
  std::sort(ok.begin(), ok.end(), [](auto* x, auto* y) { return x->step_s < y->step_s; });

  const unsigned chips = all.empty() ? 0 : model::parse_topology(all.front().shape, 4).nodes();
  fmt::print("{}: {} layers, d_model {}, {} heads, MLP {}, sequence {}, vocabulary {}, batch {} sequences; {:.1f} B "
             "parameters, {:.3g} FLOPs a step\n",
             cfg.name, cfg.layers, cfg.d_model, cfg.heads, cfg.ffn_width(), cfg.seq, cfg.vocab, cfg.batch, cfg.params() / 1e9,
             cfg.step_flops());
  std::size_t valid = 0;
  for (const auto& e : all) valid += e.valid;
  fmt::print("TPU v4, {} chips: {} shapes x {} mappings x {} recomputations = {} candidates, {} divide the model, {} fit "
             "the {:.0f} GiB of HBM\n",
             chips, shapes.size(), mappings.size(), recomputes.size(), all.size(), valid, ok.size(),
             wm.hbm_bytes / (1ull << 30));
  fmt::print("times in ms per step; D, T, P: data, tensor, pipeline degrees; m: microbatches; exposed: the data "
             "all-reduce the last backward pass does not hide (docs/workloads.md)\n");
  fmt::print("{:>5} {:<16} {:<12} {:<9} {:>4} {:>4} {:>4} {:>5} {:>9} | {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>5} {:>7}\n",
             "rank", "shape", "mapping", "recompute", "D", "T", "P", "m", "step", "compute", "bubble", "tensor", "pipe",
             "exposed", "optim", "MFU", "GiB");
  auto row = [&](const std::string& rank, const model::StepEstimate& e) {
    fmt::print("{:>5} {:<16} {:<12} {:<9} {:>4} {:>4} {:>4} {:>5} {:>9} | {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>4.1f}% {:>7.1f}\n",
               rank, e.shape, e.mapping.str(), model::recompute_name(e.recompute), e.data, e.tensor, e.pipeline,
               e.microbatches, ms(e.step_s), ms(e.compute_s),
               ms(e.bubble_s), ms(e.tensor_s), ms(e.pipeline_s), ms(e.data_exposed_s), ms(e.optimizer_s), 100 * e.mfu,
               e.memory_bytes / (1ull << 30));
  };
  // mappings that give the same degrees on dimensions of the same size (x=T y=D against x=D y=T
  // on 8x8x16) are the same configuration: one row each, the others counted
  std::size_t rank = 0, same = 0;
  std::vector<const model::StepEstimate*> shown;
  for (const model::StepEstimate* e : ok) {
    const bool dup = std::any_of(shown.begin(), shown.end(), [&](const model::StepEstimate* p) {
      return p->shape == e->shape && p->data == e->data && p->tensor == e->tensor && p->pipeline == e->pipeline &&
             p->recompute == e->recompute && p->step_s == e->step_s;
    });
    if (dup) {
      ++same;
      continue;
    }
    if (rank == a.top) break;
    shown.push_back(e);
    row(fmt::format("{}", ++rank), *e);
  }
  if (same) fmt::print("({} more mappings give the same degrees and times as a row above; --json lists them)\n", same);

  nlohmann::json naive_j;
  if (ok.empty()) {
    fmt::print("no mapping divides the model and fits the chips' memory{}\n",
               all.size() <= 3 || a.all ? "" : " (--all lists why each does not)");
    if (all.size() <= 3 && !a.all)
      for (const auto& e : all)
        fmt::print("  not ranked: {} {} recompute {}: {}\n", e.shape, e.mapping.str(), model::recompute_name(e.recompute), e.why);
  } else if (a.mapping.empty() && a.shape.empty()) {
    const model::StepEstimate* naive = *std::min_element(ok.begin(), ok.end(), [&](auto* x, auto* y) {
      return naive_before(*x, *y, offered);
    });
    row("naive", *naive);
    const model::StepEstimate& best = *ok.front();
    fmt::print("naive: the most data parallelism that fits, then the most cubic shape, the fewest stages and the least "
               "recomputation; the best is {:.2f}x faster\n",
               naive->step_s / best.step_s);
    // what the best saves, part by part
    const std::pair<const char*, double> parts[] = {
        {"compute", naive->compute_s - best.compute_s},          {"pipeline bubble", naive->bubble_s - best.bubble_s},
        {"tensor all-reduces", naive->tensor_s - best.tensor_s}, {"stage sends", naive->pipeline_s - best.pipeline_s},
        {"exposed data all-reduce", naive->data_exposed_s - best.data_exposed_s},
        {"optimizer", naive->optimizer_s - best.optimizer_s}};
    const auto most = std::max_element(std::begin(parts), std::end(parts), [](auto& x, auto& y) { return x.second < y.second; });
    if (naive->step_s > best.step_s) {
      std::string each;
      for (const auto& [name, d] : parts) each += fmt::format("{}{} {:+.1f}", each.empty() ? "" : ", ", name, -d * 1e3 + 0.0); // (+ 0.0: no "-0.0")
      fmt::print("the best saves {} ms a step, most on the {} ({} ms); best - naive, ms: {}\n", ms(naive->step_s - best.step_s),
                 most->first, ms(most->second), each);
    } else {
      fmt::print("the naive choice is as fast as the best\n");
    }
    naive_j = step_json(*naive);
  }
  if (a.all)
    for (const auto& e : all)
      if (!(e.valid && e.fits))
        fmt::print("  not ranked: {} {} recompute {}: {}\n", e.shape, e.mapping.str(), model::recompute_name(e.recompute), e.why);

  if (!a.json.empty()) {
    nlohmann::json cand = nlohmann::json::array();
    for (const auto& e : all) cand.push_back(step_json(e));
    nlohmann::json ranked = nlohmann::json::array();
    for (auto* e : ok) ranked.push_back(step_json(*e));
    write_search_json(a.json,
                      {{"name", cfg.name},
                       {"layers", cfg.layers},
                       {"d_model", cfg.d_model},
                       {"heads", cfg.heads},
                       {"ffn", cfg.ffn_width()},
                       {"seq", cfg.seq},
                       {"vocab", cfg.vocab},
                       {"batch", cfg.batch},
                       {"params", cfg.params()},
                       {"step_flops", cfg.step_flops()}},
                      chips, ranked, naive_j, cand);
  }
  if (!a.csv.empty()) {
    std::ostringstream csv;
    csv << "rank,shape,mapping,recompute,data,tensor,pipeline,microbatches,step_s,compute_s,bubble_s,tensor_s,pipeline_s,"
           "data_exposed_s,optimizer_s,mfu,memory_bytes\n";
    for (std::size_t k = 0; k < ok.size(); ++k) {
      const auto& e = *ok[k];
      csv << fmt::format("{},{},{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.5f},{:.6g}\n", k + 1, e.shape,
                         e.mapping.str(), model::recompute_name(e.recompute), e.data, e.tensor, e.pipeline, e.microbatches, e.step_s, e.compute_s, e.bubble_s,
                         e.tensor_s, e.pipeline_s, e.data_exposed_s, e.optimizer_s, e.mfu, e.memory_bytes);
    }
    write_output(a.csv, csv.str());
  }
  return 0;
}

} // namespace

void add_search_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<SearchArgs>();
  auto* s = app.add_subcommand("search", "The fastest slice shape (and parallelism mapping) for a workload on TPU v4");
  s->footer("Examples:\n"
            "  phtpu search --chips 512 --model gpt3-175b\n"
            "  phtpu search --workload dlrm --chips 128\n"
            "  phtpu search --chips 256 --model gpt3-6.7b --top 5 --csv top.csv\n"
            "  phtpu search --shape 8x8x8 --mapping x=T,y=P,z=D --model gpt3-175b   (one configuration)\n"
            "Models: gpt3-125m, gpt3-350m, gpt3-1.3b, gpt3-6.7b, gpt3-175b (Brown et al. 2020); dlrm-mlperf (the "
            "MLPerf DLRM); the options below change a preset.");
  s->add_option("--chips", a->chips, "Chips: every slice shape TPU v4 offers of that size");
  s->add_option("--workload", a->workload, "llm (a transformer's training step) or dlrm")->capture_default_str();
  s->add_option("--model", a->model, "Preset (default: gpt3-175b for llm, dlrm-mlperf for dlrm)");
  s->add_option("--layers", a->layers, "Layers (changes the preset)");
  s->add_option("--d-model", a->d_model, "Model width (changes the preset)");
  s->add_option("--heads", a->heads, "Attention heads (changes the preset)");
  s->add_option("--ffn", a->ffn, "MLP width (changes the preset; default 4 d_model)");
  s->add_option("--seq", a->seq, "Sequence length (changes the preset)");
  s->add_option("--vocab", a->vocab, "Vocabulary (changes the preset)");
  s->add_option("--batch", a->batch, "Global batch in sequences, or samples for dlrm (changes the preset)");
  s->add_option("--shape", a->shape, "Only this slice shape (AxBxC, :twisted)");
  s->add_option("--mapping", a->mapping, "Only this mapping: x=T,y=D,z=P (T tensor, D data, P pipeline)");
  s->add_option("--recompute", a->recompute, "Only this activation recomputation: none, selective or full (default: each)");
  s->add_option("--top", a->top, "Rows of the ranking to print")->capture_default_str();
  s->add_flag("--all", a->all, "Also list every candidate not ranked, and why");
  s->add_option("--json", a->json, "Write every candidate and the ranking as JSON here");
  s->add_option("--csv", a->csv, "Write the ranking as CSV here");
  s->callback([&action, a, s] {
    // each size from 1 to ten times or more the largest published model's (GPT-3 175B: 96 layers,
    // d_model 12288, 96 heads, sequence 2048, batch 1536 sequences; Brown et al. 2020, table 2.1)
    const std::vector<std::tuple<const char*, std::uint64_t, std::uint64_t>> sizes{
        {"--layers", a->layers, 1000},      {"--d-model", a->d_model, 1'000'000}, {"--heads", a->heads, 100'000},
        {"--ffn", a->ffn, 10'000'000},      {"--seq", a->seq, 10'000'000},         {"--vocab", a->vocab, 100'000'000},
        {"--batch", a->batch, 1'000'000'000}};
    std::string bad;
    for (const auto& [name, v, max] : sizes)
      if (s->count(name) && (v < 1 || v > max) && bad.empty())
        bad = fmt::format("{} must be 1..{} (ten times or more the largest published model's), not {}", name, max, v);
    action = [a, bad] {
      if (!bad.empty()) throw InputError(bad);
      if (!a->chips && a->shape.empty()) throw UsageError("give --chips N, or --shape AxBxC");
      if (a->top == 0) throw InputError("--top must be at least 1");
      return run_search(*a);
    };
  });
}

} // namespace phtpu::cli
