// The scaled-pod harness: Verilated chips (rtl/chip/chip_top.sv) in racks, electrical links
// inside each cube, optical links through Verilated OCSes (rtl/ocs/ocs_switch.sv), wired by
// the OCS planner (planner.hpp), and a host per chip that drives the chip's host bus.
//
// Cycle convention (as sim/net/network.hpp). Chip outputs are registers. A link of latency L
// presents what a chip registered at cycle t to the far chip's inputs during cycle t + L. An
// optical link's latency is counted on the way into the OCS; the OCS is combinational (a
// mirror), so its output reaches the far chip in the same cycle. Credits travel with the flits.
// Each cycle: 1. due link messages are delivered (electrical: to the far chip's input port;
// optical: to the OCS port), 2. each OCS with traffic or a reconfiguration in progress is
// evaluated and clocked, its outputs go to the chips, its link status to the chips' link_up_i,
// 3. every chip with something to do is clocked (host op, inputs, or not idle_o) and its
// outputs enter the link delay lines. Idle chips are skipped (exact: idle_o means a cycle with
// no inputs changes nothing).
//
// Hosts. Each chip has a program of host operations: bus writes (registers, DMA commands,
// lookups, MXU rows) and waits on a counter (a semaphore: "StSem + k >= n"). Memory is loaded
// and read through a backdoor (the host's PCIe DMA is not modelled), counters are read the
// same way (an interrupt would do it on a real host).
#pragma once

#include "chip_regs.hpp"
#include "planner.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

class Vchip_top;
class Vocs_switch;
class VerilatedContext;
class VerilatedFstC;

namespace phtpu::pod {

using chip::Word;

/// A run that cannot finish: a watchdog timeout (deadlock), a lost flit, a protocol error.
class PodError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The OCS model's port count (CMakeLists.txt verilates ocs_switch with Ports=32).
inline constexpr unsigned kOcsModelPorts = 32;
/// Words of each chip's memory (CMakeLists.txt: MemWords).
inline constexpr unsigned kMemWords = 16384;
/// The chip's MXU array size and accumulator rows (chip_top defaults).
inline constexpr unsigned kMxuN = 4, kMxuRows = 64;

struct PodStats {
  std::uint64_t cycles = 0;
  std::uint64_t chip_cycles = 0;       ///< chip evaluations performed (idle ones skipped)
  std::uint64_t flits_electrical = 0;  ///< flits that crossed in-cube links
  std::uint64_t flits_optical = 0;     ///< flits that crossed OCS circuits
  std::uint64_t lost = 0;              ///< flits that met a dark OCS port (must be 0)
  std::uint64_t reconfigurations = 0;
  double wall_seconds = 0;
  std::uint64_t link_flits_max = 0;    ///< flits sent on the busiest link (one direction)
  double link_flits_mean = 0;          ///< mean over the links of slice chips (both directions counted apart)
};

class Pod {
public:
  explicit Pod(const Plan& plan);
  ~Pod();
  Pod(const Pod&) = delete;
  Pod& operator=(const Pod&) = delete;

  const Plan& plan() const { return plan_; }
  std::uint64_t cycle() const { return cycle_; }
  unsigned chips() const { return static_cast<unsigned>(chips_.size()); }

  /// Record the given chips and every OCS into one FST (call before stepping).
  void open_trace(const std::string& path, const std::vector<unsigned>& chips);
  void close_trace();

  // ---- hosts ------------------------------------------------------------------------------
  /// Queue a host bus write on `chip`.
  void write(unsigned chip, std::uint32_t addr, const Word& w);
  /// Queue a wait: the host goes on once counter `stat` (chip::Stat) is at least `value`.
  void wait_stat(unsigned chip, unsigned stat, std::uint32_t value);
  /// Queue a DMA command: `op` of `len` words from local `laddr` to `dest` chip's `raddr`.
  void dma(unsigned chip, unsigned dest, chip::DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr,
           std::uint32_t len);
  bool host_done(unsigned chip) const { return hosts_[chip].ops.empty(); }
  /// Every host program finished, every chip idle, every link and OCS empty.
  bool quiet() const;
  /// Step until quiet(); throws PodError when nothing has moved for `watchdog` cycles while
  /// work remains, or after `limit` cycles. Returns the cycles taken.
  std::uint64_t run_until_quiet(std::uint64_t limit, const std::string& what, std::uint64_t watchdog = 50000);
  void step();
  /// Who advances the pod by one cycle in run_until_quiet and reconfigure: step() itself by
  /// default, or a SystemC clock (pod_fabric.hpp), which calls step() on its rising edge.
  void set_stepper(std::function<void()> f) { stepper_ = std::move(f); }

  // ---- backdoor ---------------------------------------------------------------------------
  Word peek(unsigned chip, std::uint32_t addr) const;
  void poke(unsigned chip, std::uint32_t addr, const Word& w);
  std::uint32_t stat(unsigned chip, unsigned k) const;

  // ---- configuration and the OCS protocol -------------------------------------------------
  /// Program every slice chip's router registers for `plan` (host writes; run to apply).
  void program_routing(const Plan& plan);
  void program_routing(const Plan& plan, unsigned slice);
  /// Reconfigure the OCSes to `next` (Plan::with_slice) by the protocol: stage, commit, wait
  /// for drain, switch and settle, while everything else keeps running. Steps the pod until
  /// every OCS is up again; returns the cycles it took. Then the new routing registers are
  /// written (program_routing) by the caller once the slice is idle.
  std::uint64_t reconfigure(const Plan& next);
  /// True when any OCS refused its last commit.
  bool ocs_rejected() const;
  /// Stage an arbitrary table into OCS `o` and commit (for tests of the rejection path).
  void ocs_commit_raw(unsigned o, const std::vector<int>& peers);
  int ocs_peer(unsigned o, unsigned port) const;

  PodStats stats() const;

private:
  struct Chip;
  struct Ocs;
  struct HostOp {
    enum class Kind : std::uint8_t { Write, Wait } kind = Kind::Write;
    std::uint32_t addr = 0;
    Word data{};
    unsigned stat = 0;
    std::uint32_t value = 0;
  };
  struct Host {
    std::deque<HostOp> ops;
  };

  Plan plan_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::vector<std::unique_ptr<Chip>> chips_;
  std::vector<std::unique_ptr<Ocs>> ocs_;
  std::vector<Host> hosts_;
  std::vector<char> traced_;
  void advance() { stepper_ ? stepper_() : step(); }
  std::function<void()> stepper_;
  std::uint64_t cycle_ = 0, last_move_ = 0;
  PodStats st_{};
};

} // namespace phtpu::pod
