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
//
// Faults (inject(); the kinds are planner.hpp's Fault). From its cycle on, a failed part:
// - chip: is never clocked again (its outputs fall silent; what it had already put on a wire
//   still arrives); flits that reach it are dropped and counted (DropCause::DeadChip);
// - link (one chip port): flits and credits in both directions are dropped and counted
//   (FailedLink), whatever is on the wire included; an electrical link fails at both ends;
// - OCS port: light lost; flits into it from its chip and out of it to its chip are dropped
//   and counted (FailedOcsPort);
// - rack: all its chips fail.
// Detection. Every surviving receiver whose far end is gone (dead chip, failed link, dark OCS
// port at either end of its circuit) drops its link_up_i los_cycles later (PodSpec: the
// loss-of-signal time, 16 cycles by default), so its router starts no new packet there; each
// such event is a Detection (LinkDown). Independently, a slice whose hosts wait while no flit
// moves in it for timeout_cycles (PodSpec) has timed out (Detection::Timeout). Both are only
// armed once a fault has been injected.
// Repair (workloads.hpp run_fault_repair does all of it): flush_slice() restarts the affected
// slice's job: it reads the packet counters, discards the host programs, purges the slice's
// link delay lines and resets its surviving chips (router buffers with packets waiting for
// credits from a dead chip included) while every other slice keeps running; reconfigure() to
// Plan::with_rack_replaced (dead chips count as drained) and program_routing() bring the slice
// back on a spare rack; refresh_link_status() clears loss-of-signal where the far end is
// healthy again.
#pragma once

#include "chip_regs.hpp"
#include "coverage.hpp"
#include "link_layer.hpp"
#include "planner.hpp"
#include "ranks.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
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

/// A run stopped on request before it finished: the pod's cycle limit (Pod::set_cycle_limit)
/// or an interrupt (request_stop). The pod is consistent (whole cycles) but the run is not done.
class PodStopped : public PodError {
public:
  using PodError::PodError;
};

/// Ask every single-process pod to stop at its next cycle (PodStopped "interrupted"); safe to
/// call from a signal handler. A pod of several ranks ignores it: the ranks would not stop on the
/// same cycle, and the first to wait for the others would wait for ever.
void request_stop() noexcept;
bool stop_requested() noexcept;

/// The OCS models' port counts (tb/CMakeLists.txt verilates ocs_switch twice): a pod takes the
/// smaller one when its 2 x racks ports fit (an evaluation costs Ports^2), TPU v4's 128 otherwise.
inline constexpr unsigned kOcsPortsSmall = 32, kOcsPortsFull = 128;
/// The most racks a pod may have: TPU v4's 64 (128 OCS ports).
inline constexpr unsigned kMaxRacks = kOcsPortsFull / 2;
/// The OCS model a pod of `racks` racks uses.
constexpr unsigned ocs_model_ports(unsigned racks) { return 2 * racks <= kOcsPortsSmall ? kOcsPortsSmall : kOcsPortsFull; }
/// Words of each chip's memory (CMakeLists.txt: MemWords).
inline constexpr unsigned kMemWords = 16384;
/// The chip's MXU array size and accumulator rows (chip_top defaults).
inline constexpr unsigned kMxuN = 4, kMxuRows = 64;

/// Where a flit was dropped because of a fault (Purged: in a link delay line cleared by
/// flush_slice, i.e. on a wire when the job was restarted).
enum class DropCause : std::uint8_t { DeadChip, FailedLink, FailedOcsPort, Purged };
inline constexpr unsigned kDropCauses = 4;
std::string drop_cause_name(DropCause c); ///< "dead-chip", "failed-link", "failed-ocs-port", "purged"

struct Drops {
  std::uint64_t flits = 0;   ///< data flits
  std::uint64_t heads = 0;   ///< of them head flits: whole packets whose head never arrived
  std::uint64_t credits = 0; ///< credit returns (flow control, no data)
  Drops& operator+=(const Drops& o) {
    flits += o.flits;
    heads += o.heads;
    credits += o.credits;
    return *this;
  }
};

/// How a fault was noticed.
struct Detection {
  /// LinkDown: loss of signal; LinkLayer: a link end gave up (its replays and retrain failed);
  /// Timeout: the slice's watchdog.
  enum class How : std::uint8_t { LinkDown, LinkLayer, Timeout } how = How::LinkDown;
  std::uint64_t cycle = 0;
  int slice = -1;       ///< the slice of the chip that noticed (Timeout: the slice)
  unsigned chip = 0;    ///< LinkDown: the surviving chip and its port
  unsigned port = 0;
  /// "link down at chip 5 port +x (cycle 312)", "link layer down at chip 5 port +x (cycle 1630)",
  /// "timeout of slice 1 (cycle 2312)"
  std::string str() const;
};

/// What flush_slice found and threw away. Packets are counted by the chips' own counters
/// (StPktsSent, StPktsRecv: sent = injected at a source, received = head taken by the
/// destination's receiver) since the slice's last restart; the harness counts the heads it
/// dropped or purged on links, and the heads inside each chip by conservation (heads that
/// entered from links + injected - left on links - received). Nothing is lost silently:
/// lost() == heads_dropped + heads_purged + heads_in_chips (the fault tests check it).
struct SliceFlush {
  unsigned slice = 0;
  std::uint64_t cycle = 0;
  std::uint64_t pkts_sent = 0, pkts_recv = 0;
  std::uint64_t heads_dropped = 0;  ///< at failed parts, since the last flush
  std::uint64_t heads_purged = 0, flits_purged = 0;
  std::uint64_t heads_in_chips = 0; ///< packets in routers and receivers, discarded by the reset
  std::uint64_t host_ops = 0;       ///< host operations abandoned
  unsigned chips_reset = 0;
  std::uint64_t lost() const { return pkts_sent - pkts_recv; }
};

struct PodStats {
  std::uint64_t cycles = 0;
  std::uint64_t chip_cycles = 0;       ///< chip evaluations performed (idle ones skipped)
  std::uint64_t flits_electrical = 0;  ///< flits that crossed in-cube links
  std::uint64_t flits_optical = 0;     ///< flits that crossed OCS circuits
  std::uint64_t lost = 0;              ///< flits that met a dark OCS port (must be 0)
  std::uint64_t reconfigurations = 0;
  std::uint64_t fault_flits = 0;       ///< flits dropped at failed parts or purged (drops() has them by cause and slice)
  /// Packets injected and taken by receivers, summed over the chips' counters (since each chip's
  /// last reset): equal on a quiet pod without faults, whatever ran (nothing lost, nothing extra).
  std::uint64_t packets_sent = 0, packets_received = 0;
  double wall_seconds = 0;
  std::uint64_t link_flits_max = 0;    ///< flits sent on the busiest link (one direction)
  double link_flits_mean = 0;          ///< mean over the links of slice chips (both directions counted apart)
};

class Pod {
public:
  /// The pod, or with several ranks (ranks.hpp) this process's share of it: the chips of its
  /// racks, every OCS. Every rank builds it with the same plan and runs the same program on it;
  /// the results are bit-identical whatever the rank count (pod_internal.hpp says how).
  explicit Pod(const Plan& plan, const Ranks& ranks = Ranks{});
  ~Pod();
  Pod(const Pod&) = delete;
  Pod& operator=(const Pod&) = delete;

  const Plan& plan() const { return plan_; }
  /// Threads that step the pod (1 by default): the racks and the OCSes of each cycle are shared
  /// out among them. Results are bit-identical whatever the count (pod_internal.hpp says how).
  void set_threads(unsigned n);
  unsigned threads() const { return threads_; }
  const Ranks& ranks() const { return ranks_; }
  /// The chip's rack is this rank's (always true with one rank).
  bool local(unsigned chip) const {
    const unsigned r = chip / plan_.chips_per_rack();
    return r >= first_rack_ && r < last_rack_;
  }
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
  /// Queue a DMA command: `op` of `len` words from local `laddr` to `dest` chip's `raddr`, sent
  /// on send `lane` (0 .. chip::kLanes-1; PodError for another).
  void dma(unsigned chip, unsigned dest, chip::DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr,
           std::uint32_t len, unsigned lane = 0);
  bool host_done(unsigned chip) const;
  /// Every host program finished, every chip idle, every link and OCS empty.
  bool quiet() const;
  /// Step until quiet(); throws PodError when nothing has moved for `watchdog` cycles while
  /// work remains, or after `limit` cycles. Returns the cycles taken.
  std::uint64_t run_until_quiet(std::uint64_t limit, const std::string& what, std::uint64_t watchdog = 50000);
  /// Step until `done()` (checked before every cycle); PodError after `limit` cycles.
  std::uint64_t run_until(const std::function<bool()>& done, std::uint64_t limit, const std::string& what);
  /// Slice s's hosts have finished and its chips and links are empty (other slices may run).
  bool slice_quiet(unsigned s) const;
  void step();
  /// Called after every cycle that run_until*, reconfigure advance (e.g. to keep another
  /// slice's workloads going back to back); empty to remove.
  void set_cycle_hook(std::function<void()> f) { hook_ = std::move(f); }
  /// Stop any run when the pod's clock reaches `cycle` (0: no limit): advance throws PodStopped
  /// before stepping that cycle. With several ranks every rank stops on the same cycle.
  void set_cycle_limit(std::uint64_t cycle) { cycle_limit_ = cycle; }
  std::uint64_t cycle_limit() const { return cycle_limit_; }
  /// Called with the pod's clock after every cycle run_until*, reconfigure advance (a progress
  /// report; it must not step the pod); empty to remove.
  void set_progress(std::function<void(std::uint64_t)> f) { progress_ = std::move(f); }
  /// Who advances the pod by one cycle in run_until_quiet and reconfigure: step() itself by
  /// default, or a SystemC clock (pod_fabric.hpp), which calls step() on its rising edge.
  void set_stepper(std::function<void()> f) { stepper_ = std::move(f); }

  // ---- backdoor ---------------------------------------------------------------------------
  // (with several ranks: peek, stat, host_done and the queries quiet, slice_quiet, stats are
  // collective, every rank calls them in the same order and gets the owner's answer; poke and
  // the host operations act on this rank's chips and ignore the others')
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
  /// With the link layer (PodSpec::link_layer): its counts over every chip's link ends (a link
  /// end per chip port, the ports facing no circuit included); all 0 without it.
  net::LinkStats link_stats() const;
  /// Per link end, chip * 6 + port (+x -x +y -y +z -z): replays it started. Empty without the
  /// link layer.
  std::vector<std::uint64_t> link_replays() const;
  /// With the link layer: the bit error rate of one link, both directions (the wires into the
  /// link end at `chip`'s `port` and into the one at the far end of its link as wired now), in
  /// place of PodSpec::ber, with PodSpec::burst. Every rank calls it alike. PodError without the
  /// layer, for a chip or port the pod does not have, or a rate outside 0..0.01.
  void set_link_ber(unsigned chip, unsigned port, double ber);

  // ---- faults (see the header comment) --------------------------------------------------
  /// Schedule a fault: the part fails at the start of cycle f.cycle (now if that has passed).
  /// Throws PlanError for parts the pod does not have.
  void inject(const Fault& f);
  bool dead(unsigned chip) const;
  /// Every detection so far, in order.
  const std::vector<Detection>& detections() const { return detections_; }
  /// Flits dropped for `cause` on chips of slice s (-1: chips in no slice), cumulative.
  const Drops& drops(int slice, DropCause cause) const;
  /// Restart slice s's job: see SliceFlush. The chips of the slice's racks (the failed rack's
  /// included) lose their host programs and link contents; the live ones are reset.
  SliceFlush flush_slice(unsigned s);
  /// Recompute loss of signal for every live chip from the failed parts and the current
  /// circuits (after a repair: ports that face a healthy chip again come up).
  void refresh_link_status();

private:
  bool chip_quiet(unsigned chip) const; ///< nothing queued, in flight or waiting at this chip
  struct Chip;
  struct Ocs;
  struct Lane;
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
  Ranks ranks_;
  bool link_layer_ = false; ///< PodSpec::link_layer
  unsigned first_rack_ = 0, last_rack_ = 0; ///< this rank's racks
  unsigned owner(unsigned chip) const;      ///< the rank of the chip's rack
  void check_chip(unsigned chip) const;     ///< PodError for a chip the pod does not have
  std::uint32_t local_stat(unsigned chip, unsigned k) const;
  bool slice_waiting(unsigned s) const; ///< a host of slice s has operations left (every rank's)
  // ranks: every rank keeps a copy of the other ranks' chips' optical delay lines (mirror_ends_)
  // and feeds its OCSes from them; the messages are exchanged once per window of at most L cycles
  // (the optical latency: a message is exchanged before its delay line delivers it)
  void exchange_sent();                 ///< the window's optical messages (and drained flags while switching)
  void deliver_mirrors();               ///< the other ranks' optical messages due now, into the OCSes
  bool local_quiet() const;             ///< quiet() for this rank's chips and the OCSes
  bool switching() const;               ///< an OCS reconfigures or has operations queued
  bool run_window(unsigned w); ///< run_until_quiet's w cycles between two exchanges; true: quiet (clock set back)
  std::vector<std::pair<unsigned, unsigned>> mirror_ends_; ///< (chip, port): other ranks' optical links
  std::uint64_t window_end_ = 0; ///< with ranks: exchange after the cycle before this one (0: every cycle)
  bool in_window_ = false;
  std::vector<std::uint64_t> window_moved_; ///< per cycle of the window: this rank moved something
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::vector<std::unique_ptr<Chip>> chips_;
  std::vector<std::unique_ptr<Ocs>> ocs_;
  unsigned ocs_model_ports_ = kOcsPortsSmall; ///< ocs_model_ports(racks); also "no circuit"
  unsigned threads_ = 1;
  std::vector<Lane> lanes_; ///< one per thread
  std::vector<Host> hosts_;
  std::vector<char> traced_;
  void advance() {
    if ((cycle_limit_ && cycle_ >= cycle_limit_) || (stop_requested() && !ranks_.many())) stop_now();
    stepper_ ? stepper_() : step();
    if (hook_) hook_();
    if (progress_) progress_(cycle_);
  }
  [[noreturn]] void stop_now() const; ///< PodStopped with the reason
  std::function<void()> stepper_;
  std::function<void(std::uint64_t)> progress_;
  std::uint64_t cycle_limit_ = 0;
  std::uint64_t cycle_ = 0, last_move_ = 0;
  PodStats st_{};
  // one cycle, in its phases (step); the unit phases run on every thread (pod.cpp cycle_phases())
  template <class F>
  void for_units(Lane& lane, unsigned units, F&& f);
  void cycle_phases();
  bool lanes_failed() const;
  void apply_due_faults();
  void deliver_links(Lane& lane, unsigned chip);
  void step_ocs(Lane& lane, unsigned ocs);
  template <class M>
  void step_ocs_model(Lane& lane, unsigned oi, M& m);
  void chip_negedge(Lane& lane, unsigned chip);
  void chip_posedge(Lane& lane, unsigned chip);
  void link_receive(Lane& lane, unsigned chip); ///< the chip's link ends take their words (before its edge)
  void link_clock(Lane& lane, unsigned chip);   ///< ... and send theirs (after it)
  void note_links_down();                       ///< link ends that went down: loss of signal, detections
  /// The link end at the far end of chip's port as wired now (none: an OCS port without a circuit)
  std::optional<std::pair<unsigned, unsigned>> far_end(unsigned chip, unsigned port) const;
  void add_link_detections(const std::vector<std::pair<unsigned, unsigned>>& down, std::uint64_t cycle);
  std::vector<std::pair<unsigned, unsigned>> down_to_share_; ///< with ranks: this rank's links down, for the exchange
  /// After a cycle: the lanes' counters into the pod's; true if anything moved (on any rank when
  /// `global`, else on this one)
  bool merge_lanes(bool drops, bool global = true);
  void touch(Lane& lane, unsigned chip); ///< a chip of an armed pod's slice moved: its slice is not stuck
  // faults
  void apply_fault(const Fault& f);
  bool faces_fault(unsigned chip, unsigned port) const;
  void drop(Lane& lane, int slice, DropCause cause, bool valid, bool head, unsigned credit);
  void check_timeouts();
  std::function<void()> hook_;
  std::vector<Fault> pending_faults_;
  struct Los {
    std::uint64_t cycle;
    unsigned chip, port;
  };
  std::vector<Los> pending_los_;
  std::vector<Detection> detections_;
  std::vector<std::array<Drops, kDropCauses>> drops_; ///< per slice, the last: no slice
  std::vector<std::uint64_t> heads_dropped_at_flush_;
  std::vector<std::uint64_t> slice_last_move_;
  std::vector<char> slice_timed_out_;
  std::vector<char> dark_; ///< per OCS port (o * ocs_model_ports_ + p)
  bool armed_ = false;     ///< a fault has been injected
  // make coverage (tb/coverage.hpp): writes ctx_'s counts after ~Pod() has run and before the
  // chips and OCSes are destroyed. Keep it the last member.
  CoverageOnExit coverage_{ctx_, "pod"};
};

} // namespace phtpu::pod
