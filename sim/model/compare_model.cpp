// The machines beside TPU v4, their slices, and the energy of a run (compare_model.hpp).
#include "compare_model.hpp"

#include "calibration.hpp"
#include "collective_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace phtpu::model {

namespace {

/// 128 x 128 arrays of the count and clock that give `peak` (compare_model.hpp: compute).
MxuConfig arrays_for(double peak, unsigned arrays) {
  MxuConfig c;
  c.n = 128;
  c.mxus = arrays;
  c.clock_hz = peak / (2.0 * 128 * 128 * arrays);
  return c;
}

Accelerator tpu_v4() {
  Accelerator a;
  a.name = "v4";
  a.label = "TPU v4";
  a.peak_flops = {275.25e12, "§T1 (8 MXUs of 128 x 128 at 1050 MHz)"};
  a.memory_bytes = {32.0 * (1ull << 30), "§T1"};
  a.memory_bytes_per_s = {1200e9, "§T1"};
  a.links = {6, "§T4"};
  a.link_bytes_per_s = {45e9, "§T4 (effective; 50 GB/s physical)"};
  a.power_w = {197, "§C1 (MLPerf BERT, mean per chip)"};
  a.max_chips = {4096, "§T2"};
  a.topology = "3D torus of 4x4x4 cubes joined by OCSes; twisted tori";
  a.published_utilisation = {0.462, "§W2"};
  a.published_what = "PaLM 540B on 6144 chips, model FLOPs";
  a.wm = tpu_v4_workload_machine();
  return a;
}

Accelerator tpu_v3() {
  Accelerator a;
  a.name = "v3";
  a.label = "TPU v3";
  a.peak_flops = {123e12, "§C2"};
  a.memory_bytes = {32.0 * (1ull << 30), "§C2"};
  a.memory_bytes_per_s = {900e9, "§C2"};
  a.links = {4, "§C2"};
  // (70 GB/s physical, §C2, read as one way as TPU v4's 50; taken at TPU v4's effective share)
  a.link_bytes_per_s = {70e9 * 45 / 50, "assumed: §C2's 70 GB/s at TPU v4's effective 45 of 50 (§T4)"};
  a.power_w = {220, "§C2 (production mean per chip)"};
  a.max_chips = {1024, "§C2"};
  a.topology = "2D torus, electrical links";
  WorkloadMachine& w = a.wm;
  w.net = tpu_v4_machine(); // TPU v4's assumptions where v3's are not published (below)
  Machine& m = w.net;
  m.name = "TPU v3";
  m.clock_hz = 0.94e9; // 940 MHz (§C2)
  m.link_bytes_per_cycle = a.link_bytes_per_s.value / m.clock_hz;
  // assumed as TPU v4's in nanoseconds (§T4: not published): 100 ns a router, 50 ns a link;
  // no optical links (the pod is cabled, no OCS): every link electrical
  m.router_cycles = 94;
  m.electrical_latency = 47;
  m.optical_latency = 47;
  m.cube = 32; // no cubes: one 2D torus (only the hierarchical collectives read it)
  m.send_lanes = m.receive_lanes = 4; // four links, all at once (assumed, as TPU v4's six)
  m.memory_cycles_per_byte = 2 * m.clock_hz / 900e9;
  // 2 TensorCores of 2 MXUs of 128 x 128 at 940 MHz: 123.2 TFLOP/s (§C2: 2x fewer MXUs than v4)
  w.mxu = MxuConfig{128, 4, 0.94e9};
  w.sc = SparseCoreConfig{};
  w.sc.sparsecores = 2;       // §C2
  w.sc.clock_hz = 0.94e9;     // assumed: the chip's clock
  w.sc.hbm_bytes_per_s = 900e9;
  w.sc.ici_bytes_per_s = 4 * a.link_bytes_per_s.value;
  w.hbm_bytes = a.memory_bytes.value;
  return a;
}

Accelerator a100() {
  Accelerator a;
  a.name = "a100";
  a.label = "NVIDIA A100";
  a.peak_flops = {312e12, "§C3 (bf16, dense; 1.13x TPU v4, §C1)"};
  a.memory_bytes = {80e9, "§C3 (A100 80GB)"};
  a.memory_bytes_per_s = {2039e9, "§C3"};
  a.links = {12, "§C3 (NVLink, 600 GB/s both ways in all)"};
  a.link_bytes_per_s = {25e9, "§C3"};
  a.power_w = {380, "§C1 (MLPerf BERT, mean per GPU)"};
  a.max_chips = {4096, "assumed: this comparison's limit"};
  a.topology = "nodes of 8 on NVSwitch (300 GB/s a GPU one way), InfiniBand HDR between (25 GB/s a GPU)";
  a.published_utilisation = {0.52, "§W4"};
  a.published_what = "a 1T-parameter GPT on 3072 GPUs, 52 % in hardware FLOPs";
  a.published_hardware_flops = true;
  WorkloadMachine& w = a.wm;
  Machine& m = w.net;
  m.name = "NVIDIA A100";
  m.clock_hz = 1.41e9; // (cycles are only a unit here)
  m.switch_group = 8;
  m.node_bytes_per_s = 300e9; // §C3: NVLink 600 GB/s both ways
  m.fabric_bytes_per_s = 25e9; // §C4: a 200 Gb/s HDR port per GPU
  m.step_seconds = 2e-6;       // assumed: a ring step's switch, NIC and synchronisation
  w.mxu = arrays_for(a.peak_flops.value, 8);
  // lookups: no SparseCore; bound by HBM and, for rows in other nodes, the GPU's HDR port
  // (assumed: the SMs gather as fast as memory delivers)
  w.sc = SparseCoreConfig{};
  w.sc.combine_elements_per_cycle = 1e6;
  w.sc.hbm_bytes_per_s = 2039e9;
  w.sc.ici_bytes_per_s = 25e9;
  w.hbm_bytes = a.memory_bytes.value;
  return a;
}

Accelerator ipu_bow() {
  Accelerator a;
  a.name = "ipu-bow";
  a.label = "Graphcore IPU Bow";
  a.peak_flops = {275.25e12 / 1.10, "§C1 (TPU v4 is 1.10x; the vendor gives 350 TFLOP/s FP16.16, §C5)"};
  a.memory_bytes = {0.9e9, "§C5 (In-Processor Memory; Streaming Memory's bandwidth is not published)"};
  a.memory_bytes_per_s = {47.5e12, "assumed: the GC200's In-Processor Memory (§C5, secondary)"};
  a.links = {10, "§C5 (IPU-Links, secondary)"};
  a.link_bytes_per_s = {16e9, "assumed: §C5's 320 GB/s an IPU read as both ways"};
  a.power_w = {312.5, "§C5 (a Bow-2000's 1.25 kW average over its 4 IPUs)"};
  a.max_chips = {1024, "§C5 (Bow Pod1024)"};
  a.topology = "machines of 4 on IPU-Links (160 GB/s an IPU one way), IPU-Links between (assumed 80 GB/s)";
  WorkloadMachine& w = a.wm;
  Machine& m = w.net;
  m.name = "Graphcore IPU Bow";
  m.clock_hz = 1.85e9;
  m.switch_group = 4;
  m.node_bytes_per_s = 160e9;
  m.fabric_bytes_per_s = 80e9; // assumed: half its IPU-Links leave the machine
  m.step_seconds = 2e-6;       // assumed, as the A100's
  w.mxu = arrays_for(a.peak_flops.value, 8);
  w.sc = SparseCoreConfig{};
  w.sc.combine_elements_per_cycle = 1e6;
  w.sc.hbm_bytes_per_s = a.memory_bytes_per_s.value;
  w.sc.ici_bytes_per_s = 80e9;
  w.hbm_bytes = a.memory_bytes.value;
  return a;
}

bool power_of_two(unsigned v) { return v && (v & (v - 1)) == 0; }

} // namespace

const std::vector<Accelerator>& accelerators() {
  static const std::vector<Accelerator> all{tpu_v4(), tpu_v3(), a100(), ipu_bow()};
  return all;
}

const Accelerator& accelerator(const std::string& name) {
  for (const Accelerator& a : accelerators())
    if (a.name == name) return a;
  throw std::invalid_argument(fmt::format("no machine '{}' (v4, v3, a100, ipu-bow)", name));
}

std::vector<net::Topology> accelerator_slices(const Accelerator& a, unsigned chips) {
  std::vector<net::Topology> out;
  if (chips == 0 || chips > a.max_chips.value) return out;
  if (a.name == "v4") {
    for (const std::string& s : offered_shapes()) {
      const net::Topology t = parse_topology(s, 4);
      if (t.nodes() == chips) out.push_back(t);
    }
  } else if (a.name == "v3") {
    for (unsigned x = 2; x <= 32; x *= 2)
      if (chips % x == 0 && chips / x >= x && chips / x <= 32 && power_of_two(chips / x))
        out.push_back(net::Topology::torus({x, chips / x, 1}));
  } else {
    const unsigned g = a.wm.net.switch_group;
    if (chips < g) {
      if (power_of_two(chips)) out.push_back(net::Topology::mesh({chips, 1, 1}));
    } else if (chips % g == 0) {
      const unsigned nodes = chips / g;
      for (unsigned p = 1; p * p <= nodes; ++p)
        if (nodes % p == 0) out.push_back(net::Topology::mesh({g, p, nodes / p}));
    }
  }
  return out;
}

StepEstimate best_transformer_step(const TransformerConfig& cfg, const std::vector<net::Topology>& slices,
                                   const WorkloadMachine& wm) {
  if (slices.empty()) throw std::invalid_argument("no slice to run on");
  const StepEstimate* best = nullptr;
  const StepEstimate* closest = nullptr; // valid, the least memory: why nothing fits
  std::vector<StepEstimate> all;
  for (const net::Topology& t : slices)
    for (const Mapping& m : all_mappings())
      for (Recompute r : kRecomputes) all.push_back(transformer_step(cfg, t, m, wm, r));
  for (const StepEstimate& e : all) {
    if (e.valid && e.fits && (!best || e.step_s < best->step_s)) best = &e;
    if (e.valid && (!closest || e.memory_bytes < closest->memory_bytes)) closest = &e;
  }
  if (best) return *best;
  return closest ? *closest : all.front();
}

double published_mfu(const Accelerator& a) {
  return a.published_utilisation.value * (a.published_hardware_flops ? 6.0 / 8.0 : 1.0);
}

RunEnergy run_energy(double seconds, unsigned chips, double watts, double pue, double grid_kg_per_kwh) {
  RunEnergy e;
  e.chip_kwh = seconds * chips * watts / 3.6e6;
  e.facility_kwh = e.chip_kwh * pue;
  e.co2e_kg = e.facility_kwh * grid_kg_per_kwh;
  return e;
}

FabricPower fabric_power(unsigned chips, double ocs_w, double packet_switch_w) {
  FabricPower f;
  const double share = double(chips) / double(kPodChips) * kPodOcses;
  f.ocs_w = share * ocs_w;
  f.packet_w = share * packet_switch_w;
  f.ocs_per_chip_w = chips ? f.ocs_w / chips : 0;
  f.packet_per_chip_w = chips ? f.packet_w / chips : 0;
  return f;
}

} // namespace phtpu::model
