// Verified workloads on the scaled pod: collectives with real data, the distributed embedding
// lookup (SparseCores on every chip, rows sharded across the slice), the data-parallel step
// (MXU GEMM on every chip, then all-reduce). Each loads its inputs, runs to completion and
// checks every chip's result bit for bit against the C++ reference; collectives are also
// checked on every chip against their definition (check_definition; sums against a
// double-precision bound).
#pragma once

#include "collectives.hpp"
#include "pod.hpp"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::pod {

struct RunResult {
  std::string name;       ///< "allreduce", "embedding", ...
  std::string algorithm;  ///< collectives: the algorithm (algorithm_name), else empty
  unsigned slice = 0;
  std::string shape;      ///< the slice's shape ("4x4x4:twisted")
  unsigned chips = 0;
  std::uint64_t bytes = 0;   ///< per chip (collectives, the data-parallel step's all-reduce)
  std::uint64_t lookups = 0; ///< embedding: lookups of all chips
  std::uint64_t cycles = 0;
  double algbw = 0, busbw = 0; ///< bytes per cycle (nccl-tests conventions, per chip); embedding: algbw is lookups per chip per cycle
  std::size_t transfers = 0;
  /// Flits that crossed in-cube links and OCS circuits during the run (PodStats), the whole
  /// pod's: the run's own where no other slice was busy. Collectives only.
  std::uint64_t flits_electrical = 0, flits_optical = 0;
  std::uint64_t gemm_cycles = 0; ///< dp-step, llm: the cycles of its GEMMs (the rest: all-reduces)
  double model_cycles = 0;       ///< dp-step, llm: the workload model's (phtpu pod sets it; 0: none)
  bool ok = false;
  std::string detail;     ///< what was checked, or the first mismatch
};

/// Run collective `c` of `bytes` per chip (a multiple of 16) on slice `s`, by `algo`.
RunResult run_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed,
                         Algorithm algo = Algorithm::Default);
/// run_collective in two halves, so that workloads of several slices can overlap: load the
/// inputs, compute the reference and queue the host programs (slice s must be quiet) ...
struct PendingCollective {
  Collective c = Collective::AllReduce;
  Algorithm algo = Algorithm::Default; ///< resolved
  unsigned slice = 0;
  std::uint64_t bytes = 0;
  std::uint32_t lo = 0, words = 0; ///< the result words to compare
  std::uint32_t base = 0, out = 0; ///< build_schedule's arguments
  std::size_t transfers = 0;
  Memory ref;   ///< every chip after the schedule's C++ reference run
  Memory input; ///< every chip as loaded, for the definition (check_definition)
  std::uint64_t start_cycle = 0;
  std::uint64_t start_flits_electrical = 0, start_flits_optical = 0; ///< PodStats at the start
};
PendingCollective start_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed,
                                   Algorithm algo = Algorithm::Default);
/// ... and, once the slice is quiet, check every chip against the collective's definition and
/// the reference (cycles: from the start to now).
RunResult finish_collective(const Pod& pod, const PendingCollective& p);

/// Every chip of slice `s` looks up `batch` bags of valence 1..valence_max (Zipf ids over a
/// vocabulary of vocab_per_chip rows per chip, row-sharded over the slice, dimension 16); each
/// SparseCore computes a shard's owner from the slice geometry (slices of any size up to 4096
/// chips).
RunResult run_embedding(Pod& pod, unsigned s, unsigned batch, unsigned valence_max, unsigned vocab_per_chip,
                        double zipf, std::uint64_t seed);
/// Every chip multiplies its `rows` x 4 bf16 activations by its 4 x 4 weights on the MXU, the
/// fp32 results are all-reduced over the slice.
RunResult run_dp_step(Pod& pod, unsigned s, unsigned rows, std::uint64_t seed);
/// A small DLRM step (docs/workloads.md, "Checked on the RTL pod"): chip k holds table k whole
/// (dimension 16, `vocab` rows: table-wise sharding) and its SparseCore looks up the bag of every
/// sample of the slice in it (`samples_per_chip` samples per chip, valence 1..valence_max, Zipf
/// ids), every bag checked against the golden model; the all-to-all sends the bags of chip d's
/// samples to chip d (checked against its definition); then the MLP, run_layers' one GEMM and
/// its all-reduce. Cycles: the three one after the other; gemm_cycles the MLP's GEMM.
RunResult run_dlrm_step(Pod& pod, unsigned s, unsigned samples_per_chip, unsigned valence_max, unsigned vocab,
                        double zipf, std::uint64_t seed);
/// Per chip of a slice of `chips`, the ids run_dlrm_step's lookup stream holds, in order (the
/// workload, for the workload model).
std::vector<std::vector<std::uint32_t>> dlrm_stream_ids(unsigned chips, unsigned samples_per_chip, unsigned valence_max,
                                                        unsigned vocab, double zipf, std::uint64_t seed);
/// `gemms` such steps one after the other, each with weights and activations of its own (no
/// layer feeds the next): a transformer's tensor-parallel linear layers without attention or
/// element-wise work (each chip's GEMM multiplies by its shard of the layer's weights; the
/// all-reduce sums the partial products: Megatron's row-parallel layer). Named "llm" (one
/// GEMM: "dp-step", run_dp_step). Each GEMM and each all-reduce is
/// checked; the first failure ends the run. The workload model's pod_layers_step prices it.
RunResult run_layers(Pod& pod, unsigned s, unsigned rows, unsigned gemms, std::uint64_t seed);

/// A fault-and-repair run (run_fault_repair).
struct FaultScenario {
  Collective work = Collective::AllReduce;  ///< on the slice the fault hits: interrupted, then re-run
  std::uint64_t bytes = 4096;               ///< per chip
  Collective other = Collective::AllReduce; ///< on every other slice, back to back until the re-run is done
  std::uint64_t other_bytes = 4096;
  std::uint64_t seed = 1;
  std::uint64_t detect_limit = 1'000'000;   ///< cycles after the fault to wait for a detection
};

struct FaultReport {
  Fault fault;              ///< its cycle: absolute (pod cycles)
  std::string component;    ///< "chip 5", "link 5.+x", "ocs x.3 port 4", "rack 2"
  unsigned slice = 0;       ///< the affected slice
  unsigned failed_rack = 0, spare_rack = 0, cube = 0; ///< cube: the logical cube that moved
  Detection detected;       ///< the first detection in the affected slice (what started the repair)
  std::vector<Detection> detections; ///< every detection in the affected slice until the repair
  bool work_done_before_fault = false; ///< the interrupted workload had already finished
  // recovery, absolute cycles
  std::uint64_t start_cycle = 0, fault_cycle = 0, detect_cycle = 0, ocs_done_cycle = 0, repaired_cycle = 0,
                rerun_done_cycle = 0;
  std::uint64_t ocs_cycles = 0; ///< the OCS protocol (drain, switch, settle)
  // accounting
  SliceFlush flush;                       ///< the affected slice's packets, lost by where
  std::array<Drops, kDropCauses> drops{}; ///< the affected slice's flits, by cause (this run)
  std::uint64_t other_dropped = 0;        ///< flits dropped in the other slices (must be 0)
  std::uint64_t other_pkts_sent = 0, other_pkts_recv = 0; ///< the other slices' packets, since the pod was built
  std::uint64_t ocs_lost = 0;             ///< OCS protocol violations (lost_o, must be 0)
  bool coords_unchanged = false;          ///< every position of the slice kept its phext coordinate
  bool lost_accounted = false;            ///< flush.lost() == dropped + purged + in chips
  RunResult rerun;                        ///< the interrupted workload, re-run on the repaired slice
  std::vector<RunResult> other_runs;      ///< the other slices' collectives during fault and repair
  bool ok = false;
  std::string detail;                     ///< what failed, or a summary

  std::uint64_t detect_latency() const { return detect_cycle - fault_cycle; }
  std::uint64_t repair_latency() const { return repaired_cycle - detect_cycle; }
  std::uint64_t rerun_cycles() const { return rerun_done_cycle - repaired_cycle; }
  std::uint64_t recovery_cycles() const { return rerun_done_cycle - fault_cycle; }
  nlohmann::json to_json(const Plan& plan) const;
  std::string summary() const; ///< a few lines for people
};

/// Fault, detection, repair, re-run (pod.hpp "Faults"). Starts `sc.work` on the slice whose rack
/// `f` hits and `sc.other` on every other slice; the part fails f.cycle cycles after that start.
/// At the first detection in the affected slice its job is restarted (Pod::flush_slice), the
/// failed rack's logical cube moves to a spare rack (Plan::with_rack_replaced, the OCS protocol
/// through Pod::reconfigure, routing registers), and the workload is re-run and verified; the
/// other slices keep running verified collectives back to back until then. Throws PlanError
/// when the fault touches no slice or no spare rack is left, PodError when nothing detects it.
FaultReport run_fault_repair(Pod& pod, Fault f, const FaultScenario& sc);

} // namespace phtpu::pod
