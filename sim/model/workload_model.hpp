// A training step of a decoder-only transformer on a slice: data, tensor and pipeline
// parallelism, each mapped onto whole torus dimensions, priced from the compute model (MXU
// GEMMs) and the collective model (each collective on the chips of the dimensions it runs on).
//
// Per chip and step (docs/workloads.md has the derivation and the sources):
//   compute   every matmul of the chip's share, forward and backward (backward: two matmuls of
//             the forward's shape, the input's and the weights' gradients), each on the MXUs by
//             the RTL tile's measured cycle formula (compute_model.hpp). Element-wise work
//             (softmax, layer norm, GeLU) is assumed hidden under the matmuls.
//   tensor    Megatron-LM's split (Shoeybi et al. 2019): per layer two all-reduces of the
//             microbatch's activations forward and two backward, over the tensor group, on the
//             critical path.
//   pipeline  GPipe/1F1B stages of layers/P layers (the last stage also holds the LM head); one
//             sequence per microbatch (also without pipelining: gradient accumulation), so m =
//             local batch; the stages' time is (m + P - 1) times the slowest stage's microbatch;
//             a stage sends the microbatch's activations to the next (forward) and their
//             gradients back, one hop.
//   data      one all-reduce of the chip's gradients (bf16) over the data group per step,
//             overlapped with the backward pass of the last microbatch; what it does not hide is
//             exposed.
//   optimizer Adam, bound by HBM: 32 bytes read and written per parameter of the chip.
// Memory per chip: 16 bytes per parameter (bf16 weights and gradients, fp32 master weights
// and two moments) plus the activations of the microbatches in flight, by the recomputation
// chosen (Korthikanti et al. 2022, table 2, per layer: none s b h (10 + 24/t + 5 a s / (h t))
// bytes; selective, the attention core recomputed, s b h (10 + 24/t); full, only the layer's
// input kept, 2 s b h, and the layer's forward run again with its two all-reduces); a mapping
// that does not fit the chip's HBM is reported, not ranked.
//
// A group's collective runs on the torus of its dimensions (their sizes, the others 1: the
// rings of one dimension are disjoint, so one group stands for all); on a twisted slice a group
// of one or two dimensions is taken as that regular torus (an approximation: the twist joins the
// dimensions), a group of all three is the slice itself.
#pragma once

#include "collective_model.hpp"
#include "compute_model.hpp"
#include "topology.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::model {

struct TransformerConfig {
  std::string name;
  unsigned layers = 0, d_model = 0, heads = 0, seq = 0, vocab = 0;
  unsigned ffn = 0;          ///< hidden width of the MLP; 0: 4 d_model
  std::uint64_t batch = 0;   ///< global batch, sequences per step
  unsigned ffn_width() const { return ffn ? ffn : 4 * d_model; }
  /// Parameters of a layer: 4 d^2 (attention) + 2 d ffn (MLP) + 9 d + ffn (biases and two
  /// layer norms).
  double layer_params() const;
  /// Every layer's; the token and position embeddings, V d + s d (the LM head shares the token
  /// embedding); the final layer norm, 2 d.
  double params() const;
  /// Model FLOPs of a step: 6 N per token (forward and backward of every weight) plus the
  /// attention's 12 L s d per token (Chowdhery et al. 2022, appendix B), N without embeddings.
  double step_flops() const;
};

/// The GPT-3 family (Brown et al. 2020, table 2.1): context 2048, vocabulary 50257, the
/// batch in tokens of that table over 2048 tokens per sequence.
const std::vector<TransformerConfig>& transformer_presets();
/// By name ("gpt3-175b", ...); std::invalid_argument listing the names.
TransformerConfig transformer_preset(const std::string& name);

/// Activation recomputation in the backward pass (Korthikanti et al. 2022).
enum class Recompute : std::uint8_t { None, Selective, Full };
std::string recompute_name(Recompute r); ///< "none", "selective", "full"
Recompute recompute_from_name(const std::string& s); ///< std::invalid_argument for another
inline constexpr Recompute kRecomputes[] = {Recompute::None, Recompute::Selective, Recompute::Full};

enum class Axis : std::uint8_t { Data, Tensor, Pipeline };
char axis_letter(Axis a); ///< 'D', 'T', 'P'

/// Which parallelism axis each torus dimension (x, y, z) carries.
struct Mapping {
  std::array<Axis, 3> dim{Axis::Data, Axis::Data, Axis::Data};
  std::string str() const; ///< "x=T y=D z=P"
};
/// "x=T,y=D,z=P" (any order, every dimension once; T/D/P or tensor/data/pipeline).
Mapping parse_mapping(const std::string& s);
/// All 27 assignments of the three dimensions to the three axes.
std::vector<Mapping> all_mappings();

/// The chip the workload runs on: the network and the compute it has.
struct WorkloadMachine {
  Machine net;
  MxuConfig mxu;
  SparseCoreConfig sc;                      ///< with the HBM's bandwidth
  double hbm_bytes = 32.0 * (1ull << 30);   ///< HBM capacity per chip
};
/// TPU v4: tpu_v4_machine(), 8 MXUs of 128 x 128 at 1050 MHz, the SparseCore model with HBM's
/// 1200 GB/s, 32 GiB of HBM (docs/references.md §T1).
WorkloadMachine tpu_v4_workload_machine();

struct StepEstimate {
  std::string shape;       ///< the slice's label
  Mapping mapping;
  Recompute recompute = Recompute::None;
  unsigned data = 1, tensor = 1, pipeline = 1;
  std::uint64_t microbatches = 1; ///< per pipeline, per step
  bool valid = false;      ///< the mapping divides the model (heads, layers, batch)
  bool fits = false;       ///< and its memory fits the chip's HBM
  std::string why;         ///< what rules it out, if anything
  double memory_bytes = 0; ///< per chip
  /// seconds per step, and the parts of it on the critical path
  double step_s = 0;
  double compute_s = 0;    ///< matmuls of every microbatch of the slowest stage (recomputation included)
  double bubble_s = 0;     ///< the pipeline's fill and drain: (P - 1) slowest-stage microbatches
  double tensor_s = 0;     ///< tensor-parallel all-reduces (every microbatch)
  double pipeline_s = 0;   ///< stage-to-stage sends (every microbatch)
  double data_s = 0;       ///< the gradient all-reduce ...
  double data_exposed_s = 0; ///< ... and what the last backward pass does not hide of it
  double optimizer_s = 0;
  double flops = 0;        ///< model FLOPs per step (all chips)
  double mfu = 0;          ///< model FLOPs per second over the slice's peak
};

/// The step of `cfg` on `slice` (a torus or mesh) by `mapping`, recomputing activations by `r`.
StepEstimate transformer_step(const TransformerConfig& cfg, const net::Topology& slice, const Mapping& mapping,
                              const WorkloadMachine& m, Recompute r = Recompute::None);

/// A DLRM (Naumov et al. 2019): dense features through a bottom MLP, one embedding lookup per
/// table and sample (valence 1), the pairwise dot products of the 27 vectors and the bottom
/// MLP's output, a top MLP. The embedding tables are sharded by rows over every chip of the slice
/// (model parallel, each chip's SparseCores serve its rows); the MLPs are data parallel.
struct DlrmConfig {
  std::string name;
  unsigned dense = 13;                  ///< dense features
  unsigned dim = 128;                   ///< embedding width
  std::vector<std::uint64_t> tables;    ///< rows per table
  std::vector<unsigned> bottom, top;    ///< MLP layer widths (bottom ends in dim; top ends in 1)
  std::uint64_t batch = 0;              ///< global batch, samples per step
  double embedding_elements() const;    ///< rows x dim over every table
  double mlp_params() const;            ///< weights and biases of both MLPs
  unsigned interaction_width() const;   ///< the top MLP's input: pairs of the vectors + dim
};
/// The MLPerf DLRM on Criteo Terabyte (the reference's settings for max_ind_range 40M:
/// docs/references.md §W6); batch 65,536 samples (an assumption; --batch changes it).
const std::vector<DlrmConfig>& dlrm_presets();
DlrmConfig dlrm_preset(const std::string& name);

struct DlrmStep {
  std::string shape;
  bool fits = false;
  std::string why;
  double memory_bytes = 0;      ///< per chip: its rows (fp32) with Adagrad's accumulator, the MLPs
  double lookup_s = 0;          ///< the SparseCores' lookups, forward and the backward's updates
  double alltoall_s = 0;        ///< the pooled vectors to their samples' chips and the gradients back
  double mlp_s = 0;             ///< both MLPs and the interaction, forward and backward
  double allreduce_s = 0;       ///< the MLPs' gradients (fp32) over the slice ...
  double allreduce_exposed_s = 0; ///< ... and what the backward all-to-all and updates do not hide
  double step_s = 0;
  double samples_per_s = 0;
};

/// The step of `cfg` on `slice`.
DlrmStep dlrm_step(const DlrmConfig& cfg, const net::Topology& slice, const WorkloadMachine& m);

/// The tensor-parallel layers the scaled pod runs on its RTL chips (`phtpu pod --workload llm`; the
/// data-parallel step `dp` is one such layer): `gemms` tensor-parallel linear layers one after
/// the other, each a GEMM rows x N x N on every chip (its shard of the layer's weights: the
/// pod chip's one N x N MXU tile) and then the all-reduce of its fp32 output, rows x N x 4
/// bytes per chip, over the slice: Megatron's row-parallel layers, the tensor part of
/// transformer_step. GEMMs by pod_gemm_cycles; all-reduces by estimate() on `net` (the RTL's
/// machine: the network model), each after the GEMMs are done.
struct PodLayersEstimate {
  double gemm_cycles = 0, allreduce_cycles = 0, cycles = 0; ///< every layer's
};
PodLayersEstimate pod_layers_step(const net::Topology& slice, unsigned rows, unsigned gemms, const Machine& net,
                                  unsigned mxu_n = 4);

/// The rows a lookup unit fetches for a stream of ids: a lookup whose row the current dedup
/// window has not fetched fetches it; a window closes once it has fetched `window_rows` rows (the
/// unit's Slots/2: docs/blocks/sparsecore.md, "Windows"). Set-associative misses in a full set
/// (the counter hash_full) are not modelled.
std::uint64_t sparsecore_fetches(const std::vector<std::uint32_t>& ids, unsigned window_rows);

/// The small DLRM step the scaled pod runs on its RTL chips (`phtpu pod --workload dlrm`,
/// run_dlrm_step), given each chip's lookup ids (`ids`, by slice position): every chip's lookup
/// unit combines 8 elements a cycle (dim/8 cycles a lookup) while its local fetch
/// (rtl/chip/chip_sc_fetch.sv) reads a row's dim/4 words one a cycle and takes the next request
/// the cycle after (dim/4 + 1 cycles a fetched row; rows fetched by sparsecore_fetches with
/// windows of `window_rows`), the slower of the two, and the busiest chip ends the phase; then
/// the all-to-all of the bags, `alltoall_bytes` per chip, by estimate() on `net`; then the MLP,
/// pod_layers_step's one layer of `mlp_rows` rows. One after the other.
struct PodDlrmEstimate {
  double lookup_cycles = 0, alltoall_cycles = 0, mlp_cycles = 0, cycles = 0;
};
PodDlrmEstimate pod_dlrm_step(const net::Topology& slice, const std::vector<std::vector<std::uint32_t>>& ids,
                              unsigned window_rows, unsigned dim, double alltoall_bytes, unsigned mlp_rows,
                              const Machine& net);

/// The chips of dimensions `dims` (a mask: bit 0 x, 1 y, 2 z) of `slice` through one chip: the
/// torus (or mesh) of their sizes, 1 in the others; the slice itself when all three.
net::Topology group_topology(const net::Topology& slice, unsigned dims);

} // namespace phtpu::model
