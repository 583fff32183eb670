// A transformer training step on a slice (workload_model.hpp has the model; docs/workloads.md
// its derivation and sources).
#include "workload_model.hpp"

#include "calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace phtpu::model {

double TransformerConfig::layer_params() const {
  const double d = d_model, f = ffn_width();
  return 4 * d * d + 2 * d * f + 9 * d + f;
}

double TransformerConfig::params() const {
  const double d = d_model;
  return double(layers) * layer_params() + double(vocab) * d + double(seq) * d + 2 * d;
}

double TransformerConfig::step_flops() const {
  // every weight but the position embeddings takes part in a matmul (the token embedding as the
  // LM head): 2 FLOPs per weight and token forward, 4 backward; attention's two matmuls per
  // layer, 2 s d each per token forward, twice that backward
  const double tokens = double(batch) * seq;
  return tokens * (6 * (params() - double(seq) * d_model) + 12.0 * layers * seq * d_model);
}

const std::vector<TransformerConfig>& transformer_presets() {
  // Brown et al. 2020, "Language Models are Few-Shot Learners", table 2.1: layers, d_model,
  // heads, and the batch in tokens (0.5M, 1M, 2M, 3.2M); sequences of 2048 tokens, the GPT-2
  // vocabulary of 50257. Batches in sequences: 2^19, 2^20 and 2^21 tokens; 3.2M as 1536
  // sequences (3.1M tokens), so that it divides by the data-parallel degrees of a pod.
  static const std::vector<TransformerConfig> p{
      {"gpt3-125m", 12, 768, 12, 2048, 50257, 0, 256},
      {"gpt3-350m", 24, 1024, 16, 2048, 50257, 0, 256},
      // (16 heads: docs/references.md §W1)
      {"gpt3-1.3b", 24, 2048, 16, 2048, 50257, 0, 512},
      {"gpt3-6.7b", 32, 4096, 32, 2048, 50257, 0, 1024},
      {"gpt3-175b", 96, 12288, 96, 2048, 50257, 0, 1536},
  };
  return p;
}

TransformerConfig transformer_preset(const std::string& name) {
  std::string names;
  for (const auto& c : transformer_presets()) {
    if (c.name == name) return c;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  throw std::invalid_argument(fmt::format("no model '{}' (presets: {})", name, names));
}

std::string recompute_name(Recompute r) { return r == Recompute::None ? "none" : r == Recompute::Selective ? "selective" : "full"; }

Recompute recompute_from_name(const std::string& s) {
  for (Recompute r : kRecomputes)
    if (recompute_name(r) == s) return r;
  throw std::invalid_argument(fmt::format("no recomputation '{}' (none, selective, full)", s));
}

char axis_letter(Axis a) { return a == Axis::Data ? 'D' : a == Axis::Tensor ? 'T' : 'P'; }

std::string Mapping::str() const { return fmt::format("x={} y={} z={}", axis_letter(dim[0]), axis_letter(dim[1]), axis_letter(dim[2])); }

Mapping parse_mapping(const std::string& s) {
  Mapping m;
  std::array<bool, 3> seen{};
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t end = std::min(s.find(',', at), s.size());
    const std::string part = s.substr(at, end - at);
    const std::size_t eq = part.find('=');
    if (eq != 1 || part.size() < 3 || part[0] < 'x' || part[0] > 'z')
      throw std::invalid_argument(fmt::format("mapping '{}': each part is x=, y= or z= an axis (T, D or P)", s));
    const int d = part[0] - 'x';
    const std::string a = part.substr(2);
    if (seen[static_cast<std::size_t>(d)]) throw std::invalid_argument(fmt::format("mapping '{}': {} given twice", s, part[0]));
    seen[static_cast<std::size_t>(d)] = true;
    if (a == "T" || a == "tensor") m.dim[static_cast<std::size_t>(d)] = Axis::Tensor;
    else if (a == "D" || a == "data") m.dim[static_cast<std::size_t>(d)] = Axis::Data;
    else if (a == "P" || a == "pipeline") m.dim[static_cast<std::size_t>(d)] = Axis::Pipeline;
    else throw std::invalid_argument(fmt::format("mapping '{}': '{}' is not an axis (T, D or P)", s, a));
    at = end + 1;
  }
  if (!seen[0] || !seen[1] || !seen[2]) throw std::invalid_argument(fmt::format("mapping '{}': give x, y and z", s));
  return m;
}

std::vector<Mapping> all_mappings() {
  std::vector<Mapping> v;
  for (int k = 0; k < 27; ++k) {
    Mapping m;
    for (int d = 0, r = k; d < 3; ++d, r /= 3) m.dim[static_cast<std::size_t>(d)] = static_cast<Axis>(r % 3);
    v.push_back(m);
  }
  return v;
}

WorkloadMachine tpu_v4_workload_machine() {
  WorkloadMachine w;
  w.net = tpu_v4_machine();
  w.mxu = MxuConfig{};                       // 8 MXUs of 128 x 128 at 1050 MHz (§T1)
  w.sc = SparseCoreConfig{};                 // 4 SparseCores of 16 tiles, HBM 1200 GB/s (§T1, §T3)
  w.hbm_bytes = 32.0 * (1ull << 30);         // 32 GiB HBM2 (§T1, paper table 4)
  return w;
}

net::Topology group_topology(const net::Topology& slice, unsigned dims) {
  if ((dims & 7u) == 7u) return slice;
  phext::Vec3 s{1, 1, 1};
  bool wraps = true;
  for (int d = 0; d < 3; ++d)
    if ((dims >> d) & 1u) {
      s[d] = slice.shape()[d];
      wraps = wraps && slice.wraps(d);
    }
  if (s.volume() == 1) return net::Topology::mesh(s);
  return wraps ? net::Topology::torus(s) : net::Topology::mesh(s);
}

namespace {

/// Seconds of one GEMM M x K x N on the chip's MXUs.
double gemm_s(double m, double k, double n, const MxuConfig& c) {
  return mxu_gemm(static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(n), c).seconds;
}

/// An all-reduce of `bytes` per chip over `group` (0 when the group is one chip).
double allreduce_s(const net::Topology& group, double bytes, const Machine& m) {
  if (group.nodes() < 2 || bytes <= 0) return 0;
  return analytic_estimate(Collective::AllReduce, group, bytes, m).seconds;
}

} // namespace

StepEstimate transformer_step(const TransformerConfig& cfg, const net::Topology& slice, const Mapping& mapping,
                              const WorkloadMachine& wm, Recompute r) {
  StepEstimate e;
  e.shape = shape_label(slice);
  e.mapping = mapping;
  e.recompute = r;
  unsigned mask[3] = {0, 0, 0}; // per axis: its dimensions
  unsigned size[3] = {1, 1, 1};
  for (int d = 0; d < 3; ++d) {
    const auto a = static_cast<std::size_t>(mapping.dim[static_cast<std::size_t>(d)]);
    mask[a] |= 1u << d;
    size[a] *= slice.shape()[d];
  }
  e.data = size[static_cast<int>(Axis::Data)];
  e.tensor = size[static_cast<int>(Axis::Tensor)];
  e.pipeline = size[static_cast<int>(Axis::Pipeline)];
  const unsigned D = e.data, T = e.tensor, P = e.pipeline;
  e.flops = cfg.step_flops();

  if (cfg.heads % T || cfg.d_model % T || cfg.ffn_width() % T)
    e.why = fmt::format("tensor degree {} does not divide the {} heads, d_model {} and MLP width {}", T, cfg.heads,
                        cfg.d_model, cfg.ffn_width());
  else if (cfg.layers % P)
    e.why = fmt::format("{} pipeline stages do not divide the {} layers", P, cfg.layers);
  else if (cfg.batch % D)
    e.why = fmt::format("data degree {} does not divide the batch of {} sequences", D, cfg.batch);
  if (!e.why.empty()) return e;
  e.valid = true;

  const double d = cfg.d_model, f = cfg.ffn_width(), s = cfg.seq, dh = d / cfg.heads;
  const double L = double(cfg.layers) / P;           // layers per stage
  const double b = double(cfg.batch) / D;            // sequences per data-parallel replica
  const double mu = 1;                               // sequences per microbatch
  e.microbatches = static_cast<std::uint64_t>(b / mu);
  const double mb = double(e.microbatches);
  const double M = mu * s;                           // tokens per microbatch
  const double vocab_t = std::ceil(double(cfg.vocab) / T);

  // memory: 16 B per parameter of the chip's share (the embeddings with the first and last
  // stages: counted on every stage, the upper bound), activations of min(m, P) microbatches
  const double chip_params = L * cfg.layer_params() / T + (double(cfg.vocab) * d + s * d) / T + 2 * d;
  const double act_layer = r == Recompute::Full        ? 2 * s * mu * d
                           : r == Recompute::Selective ? s * mu * d * (10 + 24.0 / T)
                                                       : s * mu * d * (10 + 24.0 / T + 5.0 * cfg.heads * s / (d * T));
  e.memory_bytes = 16 * chip_params + act_layer * L * std::min(mb, double(P));
  e.fits = e.memory_bytes <= wm.hbm_bytes;
  if (!e.fits)
    e.why = fmt::format("{:.1f} GiB per chip, above the chip's {:.3g} GiB of memory", e.memory_bytes / (1ull << 30),
                        wm.hbm_bytes / (1ull << 30));

  // one microbatch through one layer, forward: QKV, scores and context per head, output
  // projection, the MLP's two matmuls
  const MxuConfig& x = wm.mxu;
  const double heads_t = double(cfg.heads) / T;
  const double core = heads_t * mu * (gemm_s(s, dh, s, x) + gemm_s(s, s, dh, x)); // attention's core
  const double layer_fwd = gemm_s(M, d, 3 * d / T, x) + core + gemm_s(M, d / T, d, x) + gemm_s(M, d, f / T, x) +
                           gemm_s(M, f / T, d, x);
  const double head_fwd = gemm_s(M, d, vocab_t, x); // the LM head, on the last stage
  // forward once, backward twice (the input's and the weights' gradients), and what the
  // backward pass recomputes
  const double redo = r == Recompute::Full ? layer_fwd : r == Recompute::Selective ? core : 0;
  const double stage_compute = 3 * (L * layer_fwd + head_fwd) + L * redo;

  // tensor parallelism: four all-reduces of the microbatch's activations (bf16) per layer, six
  // when the forward pass runs again
  const net::Topology tgroup = group_topology(slice, mask[static_cast<int>(Axis::Tensor)]);
  const double per_layer_ar = r == Recompute::Full ? 6 : 4;
  const double tensor_ar = allreduce_s(tgroup, M * d * 2, wm.net);
  const double stage_tensor = per_layer_ar * L * tensor_ar;
  // pipeline: the activations forward and their gradients back, one hop each way
  double stage_pipe = 0;
  if (P > 1) {
    const double bytes = M * d * 2 / T; // each tensor-parallel chip sends its share
    // (on a switched machine the stages are in other nodes unless the pipeline runs along x)
    stage_pipe = 2 * neighbour_send_seconds(wm.net, bytes, (mask[static_cast<int>(Axis::Pipeline)] & 6u) != 0);
  }
  const double stage = stage_compute + stage_tensor + stage_pipe;
  e.compute_s = mb * stage_compute;
  e.tensor_s = mb * stage_tensor;
  e.pipeline_s = mb * stage_pipe;
  e.bubble_s = (P - 1) * stage;

  // data parallelism: the chip's gradients (bf16) over the data group, hidden under the last
  // microbatch's backward pass where it can be
  const net::Topology dgroup = group_topology(slice, mask[static_cast<int>(Axis::Data)]);
  e.data_s = allreduce_s(dgroup, chip_params * 2, wm.net);
  const double last_backward =
      2 * (L * layer_fwd + head_fwd) + L * redo + (per_layer_ar - 2) * L * tensor_ar;
  e.data_exposed_s = std::max(0.0, e.data_s - last_backward);
  e.optimizer_s = 32 * chip_params / wm.sc.hbm_bytes_per_s;
  e.step_s = (mb + P - 1) * stage + e.data_exposed_s + e.optimizer_s;
  const double peak = 2.0 * x.n * x.n * x.mxus * x.clock_hz * slice.nodes();
  e.mfu = e.flops / e.step_s / peak;
  return e;
}

double DlrmConfig::embedding_elements() const {
  double rows = 0;
  for (std::uint64_t r : tables) rows += double(r);
  return rows * dim;
}

double DlrmConfig::mlp_params() const {
  double p = 0;
  unsigned in = dense;
  for (unsigned w : bottom) p += double(in) * w + w, in = w;
  in = interaction_width();
  for (unsigned w : top) p += double(in) * w + w, in = w;
  return p;
}

unsigned DlrmConfig::interaction_width() const {
  const unsigned v = static_cast<unsigned>(tables.size()) + 1; // the tables' vectors and the bottom MLP's
  return v * (v - 1) / 2 + dim;
}

const std::vector<DlrmConfig>& dlrm_presets() {
  // facebookresearch/dlrm, dlrm_s_pytorch.py, "Criteo Terabyte MLPerf training" (max_ind_range
  // 40,000,000): 26 tables of these rows, width 128, bottom MLP 13-512-256-128, top MLP
  // 479-1024-1024-512-256-1 (docs/references.md §W6)
  static const std::vector<DlrmConfig> p{
      {"dlrm-mlperf", 13, 128,
       {39884406, 39043, 17289, 7420, 20263, 3, 7120, 1543, 63, 38532951, 2953546, 403346, 10, 2208, 11938, 155, 4, 976, 14,
        39979771, 25641295, 39664984, 585935, 12972, 108, 36},
       {512, 256, 128},
       {1024, 1024, 512, 256, 1},
       65536},
  };
  return p;
}

DlrmConfig dlrm_preset(const std::string& name) {
  for (const auto& c : dlrm_presets())
    if (c.name == name) return c;
  throw std::invalid_argument(fmt::format("no DLRM '{}' (presets: dlrm-mlperf)", name));
}

DlrmStep dlrm_step(const DlrmConfig& cfg, const net::Topology& slice, const WorkloadMachine& wm) {
  DlrmStep e;
  e.shape = shape_label(slice);
  const double n = slice.nodes();
  const double b = double(cfg.batch) / n;              // samples per chip (its MLPs' share)
  const double lookups = double(cfg.batch) * double(cfg.tables.size()) / n; // rows a chip serves
  // memory: the chip's rows (fp32) and their Adagrad accumulators, the MLPs with theirs
  e.memory_bytes = 2 * 4 * cfg.embedding_elements() / n + 2 * 4 * cfg.mlp_params();
  e.fits = e.memory_bytes <= wm.hbm_bytes;
  if (!e.fits)
    e.why = fmt::format("{:.1f} GiB per chip, above the chip's {:.3g} GiB of memory", e.memory_bytes / (1ull << 30),
                        wm.hbm_bytes / (1ull << 30));
  // the lookups on the SparseCores (compute_model.hpp), rows spread over every chip; the
  // backward pass updates as many rows at the same rate
  const SparseCoreEstimate sc = sparsecore_rate(cfg.dim, 4, 1, static_cast<unsigned>(n), wm.sc);
  e.lookup_s = 2 * lookups / sc.lookups_per_s;
  // each chip's served vectors go to their samples' chips, and their gradients come back
  if (n > 1) e.alltoall_s = 2 * analytic_estimate(Collective::AllToAll, slice, lookups * cfg.dim * 4, wm.net).seconds;
  // the MLPs on the MXUs: b samples per chip; the interaction as the samples' stacked 27 x dim
  // by dim x 27 products (their weight loads assumed hidden), forward once, backward twice
  const MxuConfig& x = wm.mxu;
  double fwd = 0;
  unsigned in = cfg.dense;
  for (unsigned w : cfg.bottom) fwd += gemm_s(b, in, w, x), in = w;
  const double v = double(cfg.tables.size()) + 1;
  fwd += gemm_s(b * v, cfg.dim, v, x);
  in = cfg.interaction_width();
  for (unsigned w : cfg.top) fwd += gemm_s(b, in, w, x), in = w;
  e.mlp_s = 3 * fwd;
  // the MLPs' gradients (fp32) over every chip, while the backward all-to-all and updates run
  e.allreduce_s = n > 1 ? analytic_estimate(Collective::AllReduce, slice, 4 * cfg.mlp_params(), wm.net).seconds : 0;
  e.allreduce_exposed_s = std::max(0.0, e.allreduce_s - (e.alltoall_s + e.lookup_s) / 2);
  e.step_s = e.lookup_s + e.alltoall_s + e.mlp_s + e.allreduce_exposed_s;
  e.samples_per_s = double(cfg.batch) / e.step_s;
  return e;
}

PodLayersEstimate pod_layers_step(const net::Topology& slice, unsigned rows, unsigned gemms, const Machine& net,
                                  unsigned mxu_n) {
  if (rows == 0 || gemms == 0) throw std::invalid_argument("the pod's layers need at least one row and one GEMM");
  PodLayersEstimate e;
  const double gemm = double(pod_gemm_cycles(rows, mxu_n));
  const double bytes = double(rows) * mxu_n * 4; // fp32 results
  const double allreduce = slice.nodes() > 1 ? estimate(Collective::AllReduce, slice, bytes, net).cycles : 0;
  e.gemm_cycles = gemms * gemm;
  e.allreduce_cycles = gemms * allreduce;
  e.cycles = e.gemm_cycles + e.allreduce_cycles;
  return e;
}

std::uint64_t sparsecore_fetches(const std::vector<std::uint32_t>& ids, unsigned window_rows) {
  if (window_rows == 0) throw std::invalid_argument("a dedup window holds at least one row");
  std::uint64_t fetches = 0;
  std::set<std::uint32_t> window;
  for (std::uint32_t id : ids) {
    if (window.count(id)) continue;
    ++fetches;
    window.insert(id);
    if (window.size() == window_rows) window.clear();
  }
  return fetches;
}

PodDlrmEstimate pod_dlrm_step(const net::Topology& slice, const std::vector<std::vector<std::uint32_t>>& ids,
                              unsigned window_rows, unsigned dim, double alltoall_bytes, unsigned mlp_rows,
                              const Machine& net) {
  if (ids.size() != slice.nodes() || dim == 0 || dim % 8)
    throw std::invalid_argument("a DLRM step needs every chip's lookups and rows of 8k elements");
  PodDlrmEstimate e;
  for (const auto& chip : ids)
    e.lookup_cycles = std::max({e.lookup_cycles, double(chip.size()) * dim / 8.0,
                                double(sparsecore_fetches(chip, window_rows)) * (dim / 4.0 + 1)});
  e.alltoall_cycles = slice.nodes() > 1 ? estimate(Collective::AllToAll, slice, alltoall_bytes, net).cycles : 0;
  e.mlp_cycles = pod_layers_step(slice, mlp_rows, 1, net).cycles;
  e.cycles = e.lookup_cycles + e.alltoall_cycles + e.mlp_cycles;
  return e;
}

} // namespace phtpu::model
