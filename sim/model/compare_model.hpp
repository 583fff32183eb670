// TPU v4 beside TPU v3, NVIDIA A100 and Graphcore IPU Bow (`phtpu compare`, docs/compare.md):
// each machine as a WorkloadMachine the workload model runs, the slice shapes its system offers,
// its power, and where every figure comes from (docs/references.md §C1-§C7, or "assumed" and
// why); the energy and carbon of a training run; the OCS's power against an electrical packet
// switch.
//
// How each machine is priced (the workload model's rules, on the machine's own figures):
//   compute   the matmuls on 128 x 128 arrays (compute_model.hpp) whose count and clock give
//             the machine's published peak: TPU v3 4 arrays at 940 MHz (its real MXUs); A100
//             and IPU Bow as 8 arrays at the clock that makes their peak (an assumption: their
//             matrix units tiled as well as TPU v4's);
//   network   TPU v4: its 3D torus of 4x4x4 cubes (the shapes the pod offers); TPU v3: its 2D
//             torus of 4 links a chip, every link electrical; A100 and IPU Bow: a switched
//             fabric (collective_model.hpp, Machine::switch_group): nodes of 8 GPUs on NVSwitch
//             and InfiniBand between them, machines of 4 IPUs on IPU-Links;
//   memory    capacity and bandwidth of its HBM (the IPU: its In-Processor Memory only; the
//             bandwidth of its Streaming Memory is not published, so nothing is placed there);
//   power     per chip while training (chip and its memory), from the sources below.
#pragma once

#include "topology.hpp"
#include "workload_model.hpp"

#include <string>
#include <vector>

namespace phtpu::model {

/// A figure and where it comes from: "§C2" (docs/references.md) or "assumed: why".
struct Sourced {
  double value = 0;
  std::string source;
};

struct Accelerator {
  std::string name;   ///< "v4", "v3", "a100", "ipu-bow" (--machines)
  std::string label;  ///< "TPU v4"
  Sourced peak_flops; ///< bf16 (IPU: FP16), dense, per chip
  Sourced memory_bytes, memory_bytes_per_s; ///< per chip
  Sourced links, link_bytes_per_s;          ///< chip-to-chip links and each one's rate, one way
  Sourced power_w;                          ///< per chip while training
  Sourced max_chips;                        ///< the largest system
  std::string topology;                     ///< in words
  /// The utilisation of its peak a large transformer's training has been published at (0:
  /// none), and on what (another model and scale than the comparison's: a check of the model's
  /// optimism, not an input to it).
  Sourced published_utilisation;
  std::string published_what;
  bool published_hardware_flops = false; ///< counted in hardware FLOPs (the recomputed forward pass too)
  WorkloadMachine wm;                       ///< what the workload model runs
};

/// The four machines, TPU v4 first.
const std::vector<Accelerator>& accelerators();
/// By name; std::invalid_argument listing the names.
const Accelerator& accelerator(const std::string& name);

/// The slices of `chips` chips the machine's system offers, as the workload model takes them:
/// TPU v4 offered_shapes(); TPU v3 2D tori X x Y x 1 (X <= Y, powers of two, up to 32 x 32);
/// A100 8 x a x b (nodes of 8, a <= b), IPU Bow 4 x a x b (machines of 4), as meshes whose x is
/// the node. Empty when none has that many chips.
std::vector<net::Topology> accelerator_slices(const Accelerator& a, unsigned chips);

/// The fastest mapping of `cfg` over `slices` (every mapping and recomputation): the valid and
/// fitting candidate of the least step time, or, when none fits, the one that says why: the
/// valid candidate of the least memory (the closest to fitting), else the first.
StepEstimate best_transformer_step(const TransformerConfig& cfg, const std::vector<net::Topology>& slices,
                                   const WorkloadMachine& wm);

/// A machine's published utilisation as model FLOPs utilisation: hardware FLOPs count the
/// forward pass that full recomputation runs again, 8 of a token's model 6 N FLOPs per N
/// parameters (§W4's run recomputes every layer), so MFU = 3/4 of it.
double published_mfu(const Accelerator& a);

/// Energy and carbon of a run of `seconds` on `chips` chips of `watts` each: the chips' energy
/// times the datacenter's PUE, its CO2e at `grid_kg_per_kwh`.
struct RunEnergy {
  double chip_kwh = 0, facility_kwh = 0, co2e_kg = 0;
};
RunEnergy run_energy(double seconds, unsigned chips, double watts, double pue, double grid_kg_per_kwh);

/// Defaults of the energy inputs (docs/references.md §C6).
inline constexpr double kDefaultPue = 1.10;           ///< §C6: the GPT-3 training's datacenter
inline constexpr double kDefaultGridKgPerKwh = 0.429; ///< §C6: the same, 552 t CO2e over 1,287 MWh
inline constexpr double kGpt3Tokens = 300e9;          ///< §W1: GPT-3's training tokens

/// The optical circuit switches' power against electrical packet switches of the same ports, for
/// a slice of `chips` chips: the pod's 48 OCSes (§T2) shared by chip, at `ocs_w` and
/// `packet_switch_w` each (§C7: UNCONFIRMED).
struct FabricPower {
  double ocs_w = 0, packet_w = 0;     ///< the slice's share
  double ocs_per_chip_w = 0, packet_per_chip_w = 0;
};
inline constexpr unsigned kPodOcses = 48;     ///< §T2
inline constexpr double kOcsWatts = 108;      ///< §C7 (UNCONFIRMED)
inline constexpr double kPacketSwitchWatts = 3000; ///< §C7 (UNCONFIRMED)
FabricPower fabric_power(unsigned chips, double ocs_w = kOcsWatts, double packet_switch_w = kPacketSwitchWatts);

} // namespace phtpu::model
