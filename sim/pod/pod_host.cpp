// The scaled pod: the hosts, their programs, and running until quiet (pod.hpp).
#include "pod_internal.hpp"

#include <atomic>

namespace phtpu::pod {

namespace {
std::atomic<bool> g_stop{false}; // lock-free: set from a signal handler
static_assert(std::atomic<bool>::is_always_lock_free);

// Adds the wall time of a run to the pod's statistics however the run ends (a stop included).
struct WallClock {
  double& total;
  double t0 = now_seconds();
  ~WallClock() { total += now_seconds() - t0; }
};
} // namespace

void request_stop() noexcept { g_stop.store(true, std::memory_order_relaxed); }
bool stop_requested() noexcept { return g_stop.load(std::memory_order_relaxed); }

void Pod::stop_now() const {
  if (cycle_limit_ && cycle_ >= cycle_limit_)
    throw PodStopped(fmt::format("cycle limit reached at cycle {}", cycle_limit_));
  throw PodStopped(fmt::format("interrupted at cycle {}", cycle_));
}

// ---- hosts ----------------------------------------------------------------------------------
void Pod::write(unsigned chip, std::uint32_t addr, const Word& w) {
  HostOp op;
  op.kind = HostOp::Kind::Write;
  op.addr = addr;
  op.data = w;
  if (local(chip)) hosts_.at(chip).ops.push_back(op); // (another rank runs that chip's host)
}

void Pod::wait_stat(unsigned chip, unsigned stat, std::uint32_t value) {
  HostOp op;
  op.kind = HostOp::Kind::Wait;
  op.stat = stat;
  op.value = value;
  if (local(chip)) hosts_.at(chip).ops.push_back(op);
}

void Pod::dma(unsigned chip, unsigned dest, chip::DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr,
              std::uint32_t len, unsigned lane) {
  if (lane >= chip::kLanes)
    throw PodError(fmt::format("DMA on lane {}: the chip has {} send lanes", lane, chip::kLanes));
  ici::FlitData d{};
  ici::pack_coord(d, 0, raw_of(plan_.coordinate(dest)));
  write(chip, chip::kRegionReg | chip::RegDmaDest, {d[0], d[1], d[2], 0});
  write(chip, chip::kRegionReg | chip::RegDmaPush, chip::dma_cmd(op, sem, laddr, raddr, len, lane));
}

void Pod::program_routing(const Plan& plan) {
  for (unsigned s = 0; s < plan.slices().size(); ++s) program_routing(plan, s);
}

void Pod::program_routing(const Plan& plan, unsigned slice) {
  constexpr unsigned G = phext::kRtlGlobalBits, C = phext::kRtlCubeDimBits;
  const SlicePlan& sp = plan.slices().at(slice);
  for (unsigned chip : plan.slice_chips(slice)) {
    const Vec3 g = plan.site(chip).global;
    ici::FlitData d{};
    ici::pack_coord(d, 0, raw_of(sp.geo.phext_of_global(g)));
    write(chip, chip::kRegionReg | chip::RegOwn, {d[0], d[1], d[2], 0});
    write(chip, chip::kRegionReg | chip::RegOwnPos, {(g.x << (2 * G)) | (g.y << G) | g.z, 0, 0, 0});
    const Vec3 cu = sp.geo.cube(), sh = sp.geo.slice();
    write(chip, chip::kRegionReg | chip::RegCube, {(cu.x << (2 * C)) | (cu.y << C) | cu.z, 0, 0, 0});
    write(chip, chip::kRegionReg | chip::RegSlice, {(sh.x << (2 * G)) | (sh.y << G) | sh.z, 0, 0, 0});
    write(chip, chip::kRegionReg | chip::RegWrap,
          {(sp.topo.wraps(0) ? 1u : 0u) | (sp.topo.wraps(1) ? 2u : 0u) | (sp.topo.wraps(2) ? 4u : 0u), 0, 0, 0});
    write(chip, chip::kRegionReg | chip::RegShift,
          {sp.topo.shift_xy() | (sp.topo.shift_xz() << G) | (sp.topo.shift_yz() << (2 * G)), 0, 0, 0});
    write(chip, chip::kRegionReg | chip::RegApply, {0, 0, 0, 0});
  }
}

bool Pod::chip_quiet(unsigned i) const {
  const Chip& ch = *chips_[i];
  if (!hosts_[i].ops.empty() || (!ch.idle && !ch.dead) || ch.in_mask || ch.credit_mask || ch.link_busy) return false;
  for (const auto& e : ch.end)
    if (e.busy) return false;
  return true;
}

bool Pod::local_quiet() const {
  for (unsigned i = first_rack_ * plan_.chips_per_rack(); i < last_rack_ * plan_.chips_per_rack(); ++i)
    if (!chip_quiet(i)) return false;
  for (const auto& o : ocs_)
    if (o->busy || !o->ops.empty() || o->any_in()) return false;
  return true;
}

bool Pod::quiet() const {
  std::uint64_t busy = local_quiet() ? 0 : 1;
  ranks_.sum(&busy, 1);
  return busy == 0;
}

std::uint64_t Pod::run_until_quiet(std::uint64_t limit, const std::string& what, std::uint64_t watchdog) {
  const std::uint64_t start = cycle_;
  last_move_ = cycle_;
  const WallClock wall{st_.wall_seconds};
  const unsigned L = plan_.spec().optical_latency;
  while (!quiet()) {
    // with ranks, windows of L cycles between exchanges while nothing needs every cycle's
    // global state (a fault's timeouts, a cycle hook, an OCS reading every chip's drained flag)
    // (not with the link layer: its link ends work every cycle, quiet or not)
    if (ranks_.many() && L > 1 && !armed_ && !hook_ && !switching() && !link_layer_) {
      // a window ends at the cycle limit, so that every rank stops on it as one process would
      const std::uint64_t w = cycle_limit_ ? std::min<std::uint64_t>(L, cycle_limit_ > cycle_ ? cycle_limit_ - cycle_ : 0) : L;
      if (w == 0) stop_now();
      if (run_window(static_cast<unsigned>(w))) break;
    } else {
      advance();
    }
    if (cycle_ - last_move_ > watchdog) {
      std::string where;
      for (std::size_t i = 0; i < chips_.size() && where.size() < 200; ++i)
        if (!hosts_[i].ops.empty())
          where += fmt::format(" chip {} waits for counter {} >= {} (at {});", i, hosts_[i].ops.front().stat,
                               hosts_[i].ops.front().value, local_stat(static_cast<unsigned>(i), hosts_[i].ops.front().stat));
      throw PodError(fmt::format("{}: nothing moved for {} cycles at cycle {} (deadlock or a lost packet){}", what,
                                 watchdog, cycle_, where));
    }
    if (cycle_ - start > limit) throw PodError(fmt::format("{}: not finished after {} cycles", what, limit));
  }
  return cycle_ - start;
}

// w cycles with one exchange at their end (the ranks run independently in between), then the
// cycle-by-cycle record of every rank: what moved (the watchdog) and where every rank was quiet.
// A quiet pod does nothing (idle chips are not clocked, every delay line and OCS is empty), so
// when the pod was quiet before the window's end, the cycles after that changed nothing and the
// pod's clock is set back to the first quiet cycle: the result is the cycle-by-cycle one.
bool Pod::run_window(unsigned w) {
  const std::uint64_t t = cycle_;
  window_end_ = t + w;
  in_window_ = true;
  window_moved_.clear();
  std::vector<std::uint64_t> f(2 * std::size_t{w}, 0);
  try {
    for (unsigned k = 0; k < w; ++k) {
      advance();
      f[2 * k + 1] = local_quiet() ? 0 : 1;
    }
  } catch (...) {
    in_window_ = false;
    window_end_ = 0;
    throw;
  }
  in_window_ = false;
  window_end_ = 0;
  for (unsigned k = 0; k < w; ++k) f[2 * k] = window_moved_[k];
  ranks_.sum(f.data(), f.size());
  for (unsigned k = 0; k < w; ++k)
    if (f[2 * k]) last_move_ = t + k;
  for (unsigned k = 0; k < w; ++k)
    if (f[2 * k + 1] == 0) {
      cycle_ = t + k + 1;
      st_.cycles = cycle_;
      return true;
    }
  return false;
}

std::uint64_t Pod::run_until(const std::function<bool()>& done, std::uint64_t limit, const std::string& what) {
  const std::uint64_t start = cycle_;
  const WallClock wall{st_.wall_seconds};
  while (!done()) {
    advance();
    if (cycle_ - start > limit) throw PodError(fmt::format("{}: not finished after {} cycles", what, limit));
  }
  return cycle_ - start;
}

bool Pod::slice_quiet(unsigned s) const {
  std::uint64_t busy = 0;
  for (unsigned c : plan_.slice_chips(s))
    if (local(c) && !chip_quiet(c)) {
      busy = 1;
      break;
    }
  ranks_.sum(&busy, 1);
  return busy == 0;
}

bool Pod::slice_waiting(unsigned s) const {
  std::uint64_t waiting = 0;
  for (unsigned c : plan_.slice_chips(s))
    if (local(c) && !hosts_[c].ops.empty()) {
      waiting = 1;
      break;
    }
  ranks_.sum(&waiting, 1);
  return waiting != 0;
}

} // namespace phtpu::pod
