// The scaled-pod harness (pod.hpp has the cycle convention).
#include "pod.hpp"

#include "Vchip_top.h"
#include "Vchip_top__Dpi.h"
#include "Vocs_switch.h"
#include "ici_flit.hpp"
#include "ici_router_port.hpp"
#include "rtl_assert.hpp"
#include "svdpi.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>

namespace phtpu::pod {

namespace {
constexpr unsigned kVcs = ici::kChipVcs; // the chip's router, and the OCS's credit lines
constexpr unsigned kNone = kOcsModelPorts; // "no circuit" in the OCS model

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// What crosses a link in one cycle: a flit and/or credit returns.
struct LinkMsg {
  bool valid = false;
  std::uint8_t credit = 0;
  ici::Flit flit;
  bool any() const { return valid || credit; }
};

/// A chip model's DPI scope for the memory backdoor (Pod::peek/poke/stat): <model name>.chip_top<below_top>.
svScope chip_scope(const Vchip_top& m, const char* below_top) {
  const std::string name = fmt::format("{}.chip_top{}", m.name(), below_top);
  svScope s = svGetScopeFromName(name.c_str()); // in the thread's current context (the pod's)
  if (!s) throw PodError(fmt::format("the chip model has no DPI scope {}", name));
  return s;
}
} // namespace

struct Pod::Chip {
  std::unique_ptr<Vchip_top> m;
  svScope mem_scope = nullptr, stat_scope = nullptr; // the backdoor's DPI scopes (chip_scope)
  struct End {
    enum class Kind : std::uint8_t { Electrical, Optical } kind = Kind::Electrical;
    unsigned far_chip = 0, far_port = 0; // electrical
    unsigned ocs = 0, ocs_port = 0;      // optical
    unsigned latency = 1;
    std::vector<LinkMsg> ring;
    unsigned busy = 0; // messages in the ring
    std::uint64_t flits = 0; // sent on this link, for the load statistics
    bool failed = false;     // a link fault: both directions dropped
  };
  std::array<End, 6> end;
  std::array<LinkMsg, 6> in{}; // staged inputs of this cycle
  unsigned in_mask = 0, credit_mask = 0;
  std::uint8_t link_up = 0x3F;
  std::uint8_t drained = 0x3F;
  bool idle = false;
  bool clock_now = false;
  bool host_valid = false;
  bool dead = false;          // a chip fault: never clocked again
  std::uint8_t los = 0;       // loss of signal per port: link_up_i forced low
  std::uint64_t heads_in = 0, heads_out = 0; // head flits in from links, out to links (since the last flush)
};

struct Pod::Ocs {
  std::unique_ptr<Vocs_switch> m;
  std::vector<LinkMsg> in;
  std::uint64_t in_mask = 0, last_mask = 0;
  std::vector<int> chip_of_port, link_of_port; // the chip and its link port at each OCS port
  struct CfgOp {
    bool commit = false;
    unsigned port = 0, peer = kNone, settle = 0;
  };
  std::deque<CfgOp> ops;
  bool busy = false, was_busy = false;
};

Pod::Pod(const Plan& plan) : plan_(plan), ctx_(std::make_unique<VerilatedContext>()) {
  if (plan_.ocs_ports() > kOcsModelPorts)
    throw PlanError(fmt::format("the pod harness's OCS model has {} ports: at most {} racks, not {}", kOcsModelPorts,
                                kOcsModelPorts / 2, plan_.spec().racks));
  drops_.assign(plan_.slices().size() + 1, {});
  heads_dropped_at_flush_.assign(plan_.slices().size(), 0);
  slice_last_move_.assign(plan_.slices().size(), 0);
  slice_timed_out_.assign(plan_.slices().size(), 0);
  dark_.assign(std::size_t{plan_.ocs_count()} * kOcsModelPorts, 0);
  ctx_->threads(1);
  ctx_->traceEverOn(true);
  report_assertions(*ctx_);
  make_current(*ctx_); // also for the models' destruction if this constructor throws
  const unsigned c = plan_.cube();
  const unsigned n = plan_.chip_count();
  hosts_.resize(n);
  traced_.assign(n, 0);
  for (unsigned o = 0; o < plan_.ocs_count(); ++o) {
    auto oc = std::make_unique<Ocs>();
    oc->m = std::make_unique<Vocs_switch>(ctx_.get(), fmt::format("ocs_{}_{}", "xyz"[o / (c * c)], o % (c * c)).c_str());
    oc->in.resize(kOcsModelPorts);
    oc->chip_of_port.assign(kOcsModelPorts, -1);
    oc->link_of_port.assign(kOcsModelPorts, -1);
    ocs_.push_back(std::move(oc));
  }
  for (unsigned i = 0; i < n; ++i) {
    auto ch = std::make_unique<Chip>();
    const ChipSite& s = plan_.site(i);
    ch->m = std::make_unique<Vchip_top>(ctx_.get(), fmt::format("chip_r{}_{}_{}_{}", s.rack, s.local.x, s.local.y, s.local.z).c_str());
    ch->mem_scope = chip_scope(*ch->m, ".u_mem");
    ch->stat_scope = chip_scope(*ch->m, "");
    for (unsigned p = 0; p < 6; ++p) {
      const int d = static_cast<int>(p / 2);
      const int sign = p % 2 == 0 ? 1 : -1;
      Chip::End& e = ch->end[p];
      const bool face = sign > 0 ? s.local[d] == c - 1 : s.local[d] == 0;
      if (face) {
        e.kind = Chip::End::Kind::Optical;
        e.ocs = plan_.ocs_of(d, Plan::face_index(d, s.local, c));
        e.ocs_port = 2 * s.rack + (sign > 0 ? 0 : 1);
        e.latency = plan_.spec().optical_latency;
        ocs_[e.ocs]->chip_of_port[e.ocs_port] = static_cast<int>(i);
        ocs_[e.ocs]->link_of_port[e.ocs_port] = static_cast<int>(p);
      } else {
        Vec3 l = s.local;
        l[d] = static_cast<unsigned>(static_cast<int>(l[d]) + sign);
        e.far_chip = plan_.chip_of(s.rack, l);
        e.far_port = p ^ 1u;
        e.latency = plan_.spec().electrical_latency;
      }
      e.ring.resize(e.latency);
    }
    chips_.push_back(std::move(ch));
  }
  // reset everything
  for (auto& ch : chips_) {
    ch->m->link_up_i = 0x3F;
    ici::reset(*ch->m);
  }
  for (auto& o : ocs_) {
    ici::reset(*o->m);
    o->busy = true; // the first programming
  }
  // circuits for the plan (settle 0: the pod is built with its links up), routing registers
  for (unsigned o = 0; o < plan_.ocs_count(); ++o) {
    for (unsigned p = 0; p < plan_.ocs_ports(); ++p) {
      const int q = plan_.peer(o, p);
      if (q >= 0) ocs_[o]->ops.push_back({false, p, static_cast<unsigned>(q), 0});
    }
    ocs_[o]->ops.push_back({true, 0, 0, 0});
  }
  program_routing(plan_);
  run_until_quiet(100000, "pod configuration");
}

Pod::~Pod() {
  make_current(*ctx_);
  close_trace();
  for (auto& ch : chips_) ch->m->final();
  for (auto& o : ocs_) o->m->final();
}

void Pod::open_trace(const std::string& path, const std::vector<unsigned>& chips) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  trace_ = std::make_unique<VerilatedFstC>();
  for (unsigned c : chips) {
    if (c >= chips_.size()) throw PodError(fmt::format("no chip {} to trace (the pod has {})", c, chips_.size()));
    chips_[c]->m->trace(trace_.get(), 99);
    traced_[c] = 1;
  }
  for (auto& o : ocs_) o->m->trace(trace_.get(), 99);
  trace_->open(path.c_str());
  if (!trace_->isOpen()) {
    trace_.reset();
    throw PodError("cannot write waveform " + path);
  }
}

void Pod::close_trace() {
  if (trace_) trace_->close();
  trace_.reset();
  std::fill(traced_.begin(), traced_.end(), 0);
}

// ---- hosts ----------------------------------------------------------------------------------
void Pod::write(unsigned chip, std::uint32_t addr, const Word& w) {
  HostOp op;
  op.kind = HostOp::Kind::Write;
  op.addr = addr;
  op.data = w;
  hosts_.at(chip).ops.push_back(op);
}

void Pod::wait_stat(unsigned chip, unsigned stat, std::uint32_t value) {
  HostOp op;
  op.kind = HostOp::Kind::Wait;
  op.stat = stat;
  op.value = value;
  hosts_.at(chip).ops.push_back(op);
}

void Pod::dma(unsigned chip, unsigned dest, chip::DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr,
              std::uint32_t len) {
  ici::FlitData d{};
  ici::pack_coord(d, 0, raw_of(plan_.coordinate(dest)));
  write(chip, chip::kRegionReg | chip::RegDmaDest, {d[0], d[1], d[2], 0});
  write(chip, chip::kRegionReg | chip::RegDmaPush, chip::dma_cmd(op, sem, laddr, raddr, len));
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
  if (!hosts_[i].ops.empty() || (!ch.idle && !ch.dead) || ch.in_mask || ch.credit_mask) return false;
  for (const auto& e : ch.end)
    if (e.busy) return false;
  return true;
}

bool Pod::quiet() const {
  for (unsigned i = 0; i < chips_.size(); ++i)
    if (!chip_quiet(i)) return false;
  for (const auto& o : ocs_)
    if (o->busy || !o->ops.empty() || o->in_mask) return false;
  return true;
}

std::uint64_t Pod::run_until_quiet(std::uint64_t limit, const std::string& what, std::uint64_t watchdog) {
  const std::uint64_t start = cycle_;
  last_move_ = cycle_;
  const double t0 = now_seconds();
  while (!quiet()) {
    advance();
    if (cycle_ - last_move_ > watchdog) {
      std::string where;
      for (std::size_t i = 0; i < chips_.size() && where.size() < 200; ++i)
        if (!hosts_[i].ops.empty())
          where += fmt::format(" chip {} waits for counter {} >= {} (at {});", i, hosts_[i].ops.front().stat,
                               hosts_[i].ops.front().value, stat(static_cast<unsigned>(i), hosts_[i].ops.front().stat));
      throw PodError(fmt::format("{}: nothing moved for {} cycles at cycle {} (deadlock or a lost packet){}", what,
                                 watchdog, cycle_, where));
    }
    if (cycle_ - start > limit) throw PodError(fmt::format("{}: not finished after {} cycles", what, limit));
  }
  st_.wall_seconds += now_seconds() - t0;
  return cycle_ - start;
}

std::uint64_t Pod::run_until(const std::function<bool()>& done, std::uint64_t limit, const std::string& what) {
  const std::uint64_t start = cycle_;
  const double t0 = now_seconds();
  while (!done()) {
    advance();
    if (cycle_ - start > limit) throw PodError(fmt::format("{}: not finished after {} cycles", what, limit));
  }
  st_.wall_seconds += now_seconds() - t0;
  return cycle_ - start;
}

bool Pod::slice_quiet(unsigned s) const {
  for (unsigned c : plan_.slice_chips(s))
    if (!chip_quiet(c)) return false;
  return true;
}

// ---- one cycle --------------------------------------------------------------------------------
void Pod::step() {
  make_current(*ctx_); // an assertion that fails is charged to this pod's context
  bool moved = false;
  // 0. faults due now, loss of signal due now
  if (!pending_faults_.empty()) {
    std::vector<Fault> later;
    for (const Fault& f : pending_faults_) {
      if (f.cycle <= cycle_) apply_fault(f);
      else later.push_back(f);
    }
    pending_faults_ = std::move(later);
  }
  if (!pending_los_.empty()) {
    std::vector<Los> later;
    for (const Los& l : pending_los_) {
      if (l.cycle > cycle_) {
        later.push_back(l);
        continue;
      }
      Chip& ch = *chips_[l.chip];
      if (ch.dead) continue;
      ch.los = static_cast<std::uint8_t>(ch.los | (1u << l.port));
      Detection d;
      d.how = Detection::How::LinkDown;
      d.cycle = cycle_;
      d.slice = plan_.site(l.chip).slice;
      d.chip = l.chip;
      d.port = l.port;
      detections_.push_back(d);
    }
    pending_los_ = std::move(later);
  }
  auto touch = [this](unsigned chip) {
    if (!armed_) return;
    const int sl = plan_.site(chip).slice;
    if (sl >= 0) slice_last_move_[static_cast<unsigned>(sl)] = cycle_;
  };
  // 1. due link messages
  for (unsigned i = 0; i < chips_.size(); ++i) {
    Chip& ch = *chips_[i];
    for (unsigned p = 0; p < 6; ++p) {
      Chip::End& e = ch.end[p];
      if (!e.busy) continue;
      LinkMsg& m = e.ring[cycle_ % e.latency];
      if (!m.any()) continue;
      // (the fault checks only once a fault was injected: this loop is the harness's hot path)
      bool dropped = false;
      if (armed_) {
        const int sl = plan_.site(i).slice;
        dropped = true;
        if (e.failed) drop(sl, DropCause::FailedLink, m.valid, m.flit.head, m.credit);
        else if (e.kind == Chip::End::Kind::Electrical && chips_[e.far_chip]->dead)
          drop(sl, DropCause::DeadChip, m.valid, m.flit.head, m.credit);
        else if (e.kind == Chip::End::Kind::Optical && dark_[e.ocs * kOcsModelPorts + e.ocs_port])
          drop(sl, DropCause::FailedOcsPort, m.valid, m.flit.head, m.credit);
        else dropped = false;
      }
      if (dropped) {
      } else if (e.kind == Chip::End::Kind::Electrical) {
        Chip& far = *chips_[e.far_chip];
        if (m.valid) {
          far.in[e.far_port] = m;
          far.in_mask |= 1u << e.far_port;
          ++st_.flits_electrical;
          if (m.flit.head) ++far.heads_in;
        }
        if (m.credit) {
          far.in[e.far_port].credit = m.credit;
          far.credit_mask |= 1u << e.far_port;
        }
      } else {
        Ocs& o = *ocs_[e.ocs];
        o.in[e.ocs_port] = m;
        o.in_mask |= std::uint64_t{1} << e.ocs_port;
      }
      m = LinkMsg{};
      --e.busy;
      moved = true;
    }
  }
  // 2. OCSes: combinational circuits to the chips, then the clock edge
  for (unsigned oi = 0; oi < ocs_.size(); ++oi) {
    Ocs& o = *ocs_[oi];
    if (!o.in_mask && !o.last_mask && !o.busy && o.ops.empty()) continue;
    Vocs_switch& m = *o.m;
    m.in_valid_i = 0;
    ici::clear_vector(m.in_credit_i);
    for (std::uint64_t mask = o.in_mask; mask; mask &= mask - 1) {
      const unsigned p = static_cast<unsigned>(__builtin_ctzll(mask));
      const LinkMsg& l = o.in[p];
      if (l.valid) {
        ici::drive_input<kVcs>(m, p, true, l.flit);
        ++st_.flits_optical;
      }
      if (l.credit) ici::set_field(m.in_credit_i, p * kVcs, kVcs, l.credit);
      o.in[p] = LinkMsg{};
    }
    o.last_mask = o.in_mask;
    o.in_mask = 0;
    // drained: from the chips at each port (ports without a chip are drained)
    std::uint32_t drained = 0xFFFFFFFFu;
    for (unsigned p = 0; p < plan_.ocs_ports(); ++p) {
      const int c = o.chip_of_port[p];
      // a dead chip counts as drained: nothing of it will ever arrive
      if (c >= 0 && !chips_[static_cast<unsigned>(c)]->dead &&
          !((chips_[static_cast<unsigned>(c)]->drained >> o.link_of_port[p]) & 1u))
        drained &= ~(1u << p);
    }
    m.drained_i = drained;
    m.cfg_we_i = 0;
    m.cfg_commit_i = 0;
    if (!o.ops.empty()) {
      const Ocs::CfgOp& c = o.ops.front();
      if (c.commit) {
        if (!m.cfg_busy_o) {
          m.cfg_commit_i = 1;
          m.cfg_settle_i = c.settle;
          o.ops.pop_front();
          o.busy = true;
        }
      } else if (!m.cfg_busy_o) {
        m.cfg_we_i = 1;
        m.cfg_port_i = static_cast<std::uint8_t>(c.port);
        m.cfg_peer_i = static_cast<std::uint8_t>(c.peer);
        o.ops.pop_front();
      }
    }
    m.clk_i = 0;
    m.eval();
    const std::uint32_t ov = m.out_valid_o;
    if (ov || ici::any_bit(m.out_credit_o)) {
      for (unsigned q = 0; q < plan_.ocs_ports(); ++q) {
        const bool v = (ov >> q) & 1u;
        const unsigned cr = ici::get_field(m.out_credit_o, q * kVcs, kVcs);
        if (!v && !cr) continue;
        const int c = o.chip_of_port[q];
        if (c < 0) continue;
        Chip& ch = *chips_[static_cast<unsigned>(c)];
        const unsigned port = static_cast<unsigned>(o.link_of_port[q]);
        const ici::Flit fl = v ? ici::read_output<kVcs>(m, q) : ici::Flit{};
        if (armed_ && (dark_[oi * kOcsModelPorts + q] || ch.end[port].failed || ch.dead)) {
          const int sl = plan_.site(static_cast<unsigned>(c)).slice;
          drop(sl, dark_[oi * kOcsModelPorts + q] ? DropCause::FailedOcsPort
                   : ch.end[port].failed          ? DropCause::FailedLink
                                                  : DropCause::DeadChip,
               v, fl.head, cr);
          continue;
        }
        if (v) {
          LinkMsg& l = ch.in[port];
          l.valid = true;
          l.flit = fl;
          ch.in_mask |= 1u << port;
          if (fl.head) ++ch.heads_in;
        }
        if (cr) {
          ch.in[port].credit = static_cast<std::uint8_t>(cr);
          ch.credit_mask |= 1u << port;
        }
      }
    }
    m.clk_i = 1;
    m.eval();
    // link status after the edge: it reaches the chips' link_up_i from the next cycle
    const bool busy_now = m.cfg_busy_o || !o.ops.empty();
    if (busy_now || o.was_busy) {
      const std::uint32_t up = m.link_up_o;
      for (unsigned p = 0; p < plan_.ocs_ports(); ++p) {
        const int c = o.chip_of_port[p];
        if (c < 0) continue;
        Chip& ch = *chips_[static_cast<unsigned>(c)];
        const unsigned bit = 1u << o.link_of_port[p];
        // an unconnected port (a spare rack) is down; so is a dark one
        ch.link_up = static_cast<std::uint8_t>(((up >> p) & 1u) ? (ch.link_up | bit) : (ch.link_up & ~bit));
      }
    }
    o.was_busy = busy_now;
    o.busy = busy_now;
    if (m.lost_o) st_.lost = m.lost_o;
    if (m.cfg_we_refused_o) // the harness writes circuits only while the switch is idle: a bug if not
      throw PodError(fmt::format("OCS {} refused a circuit write at cycle {}", oi, cycle_));
  }
  // 3. chips: negative edge with inputs (host bus handshake), then the positive edge
  for (unsigned i = 0; i < chips_.size(); ++i) {
    Chip& ch = *chips_[i];
    Host& h = hosts_[i];
    if (ch.dead) {
      ch.clock_now = false;
      continue;
    }
    // waits that are satisfied pass at once
    while (!h.ops.empty() && h.ops.front().kind == HostOp::Kind::Wait && stat(i, h.ops.front().stat) >= h.ops.front().value) {
      h.ops.pop_front();
      moved = true;
      touch(i);
    }
    if (ch.in_mask) touch(i);
    ch.host_valid = !h.ops.empty() && h.ops.front().kind == HostOp::Kind::Write;
    ch.clock_now = ch.host_valid || ch.in_mask || ch.credit_mask || !ch.idle || traced_[i];
    if (!ch.clock_now) continue;
    Vchip_top& m = *ch.m;
    m.in_valid_i = 0;
    std::uint32_t credits = 0;
    for (unsigned p = 0; p < 6; ++p) {
      const LinkMsg& l = ch.in[p];
      if ((ch.in_mask >> p) & 1u) ici::drive_input<kVcs>(m, p, true, l.flit);
      credits |= static_cast<std::uint32_t>(l.credit) << (p * kVcs);
      ch.in[p] = LinkMsg{};
    }
    m.out_credit_i = credits;
    m.link_up_i = ch.link_up & static_cast<std::uint8_t>(~ch.los);
    ch.in_mask = 0;
    ch.credit_mask = 0;
    m.h_valid_i = ch.host_valid;
    if (ch.host_valid) {
      const HostOp& op = h.ops.front();
      m.h_we_i = 1;
      m.h_addr_i = op.addr;
      for (unsigned k = 0; k < 4; ++k) m.h_wdata_i[k] = op.data[k];
    }
    m.clk_i = 0;
    m.eval();
    if (ch.host_valid && m.h_ready_o) {
      h.ops.pop_front();
      moved = true;
      touch(i);
    }
  }
  if (trace_) trace_->dump(ctx_->time());
  ctx_->timeInc(5);
  for (unsigned i = 0; i < chips_.size(); ++i) {
    Chip& ch = *chips_[i];
    if (!ch.clock_now) continue;
    Vchip_top& m = *ch.m;
    m.clk_i = 1;
    m.eval();
    ++st_.chip_cycles;
    // outputs into the link delay lines
    const unsigned ov = m.out_valid_o;
    if (ov || m.in_credit_o) {
      moved = true;
      if (ov) touch(i);
      for (unsigned p = 0; p < 6; ++p) {
        const bool v = (ov >> p) & 1u;
        const unsigned c = ici::input_credits<kVcs>(m, p);
        if (!v && !c) continue;
        Chip::End& e = ch.end[p];
        LinkMsg& l = e.ring[cycle_ % e.latency];
        l.valid = v;
        l.credit = static_cast<std::uint8_t>(c);
        if (v) {
          ++e.flits;
          l.flit = ici::read_output<kVcs>(m, p);
          if (l.flit.head) ++ch.heads_out;
        }
        ++e.busy;
      }
    }
    ch.drained = m.drained_o;
    ch.idle = m.idle_o && !ch.host_valid;
    m.h_valid_i = 0;
    m.in_valid_i = 0;
    m.out_credit_i = 0;
  }
  if (trace_) trace_->dump(ctx_->time());
  ctx_->timeInc(5);
  if (ctx_->gotError()) throw_if_failed(*ctx_, fmt::format("the pod at cycle {}", cycle_)); // (a flag test per cycle)
  if (moved) last_move_ = cycle_;
  if (armed_) check_timeouts();
  ++cycle_;
  st_.cycles = cycle_;
}

// ---- backdoor -------------------------------------------------------------------------------
// The chip's memory and counters through the DPI functions the RTL exports (chip_mem_peek and
// chip_mem_poke in rtl/chip/chip_mem.sv, chip_stat_peek beside the counters). An exported
// function acts on the instance whose scope is set; each model registers its scopes under its
// own name (the constructor's chip_r<rack>_<x>_<y>_<z>), so every chip has its own scopes,
// looked up once (chip_scope) when the chip is built.

Word Pod::peek(unsigned chip, std::uint32_t addr) const {
  svSetScope(chips_.at(chip)->mem_scope);
  std::array<svBitVecVal, 4> w{};
  chip_mem_peek(addr, w.data());
  return {w[0], w[1], w[2], w[3]};
}

void Pod::poke(unsigned chip, std::uint32_t addr, const Word& v) {
  svSetScope(chips_.at(chip)->mem_scope);
  const std::array<svBitVecVal, 4> w{v[0], v[1], v[2], v[3]};
  chip_mem_poke(addr, w.data());
}

std::uint32_t Pod::stat(unsigned chip, unsigned k) const {
  svSetScope(chips_.at(chip)->stat_scope);
  return chip_stat_peek(k);
}

// ---- OCS protocol ------------------------------------------------------------------------------
int Pod::ocs_peer(unsigned o, unsigned port) const {
  Vocs_switch& m = *ocs_.at(o)->m;
  m.cfg_rd_port_i = static_cast<std::uint8_t>(port);
  m.eval();
  return m.cfg_rd_peer_o == kNone ? -1 : m.cfg_rd_peer_o;
}

bool Pod::ocs_rejected() const {
  for (const auto& o : ocs_)
    if (o->m->cfg_rejected_o) return true;
  return false;
}

void Pod::ocs_commit_raw(unsigned o, const std::vector<int>& peers) {
  Ocs& oc = *ocs_.at(o);
  for (unsigned p = 0; p < peers.size(); ++p)
    oc.ops.push_back({false, p, peers[p] < 0 ? kNone : static_cast<unsigned>(peers[p]), 0});
  oc.ops.push_back({true, 0, 0, plan_.spec().settle_cycles});
}

std::uint64_t Pod::reconfigure(const Plan& next) {
  if (next.ocs_count() != plan_.ocs_count() || next.ocs_ports() != plan_.ocs_ports())
    throw PlanError("reconfiguration must keep the pod's racks and OCSes");
  const std::uint64_t start = cycle_;
  bool any = false;
  for (unsigned o = 0; o < plan_.ocs_count(); ++o) {
    bool changed = false;
    for (unsigned p = 0; p < plan_.ocs_ports(); ++p) {
      const int q = next.peer(o, p);
      if (q != plan_.peer(o, p)) {
        ocs_[o]->ops.push_back({false, p, q < 0 ? kNone : static_cast<unsigned>(q), 0});
        changed = true;
      }
    }
    if (changed) {
      ocs_[o]->ops.push_back({true, 0, 0, next.spec().settle_cycles});
      any = true;
    }
  }
  plan_ = next;
  if (!any) return 0;
  last_move_ = cycle_;
  for (;;) {
    bool busy = false;
    for (const auto& o : ocs_) busy = busy || o->busy || !o->ops.empty();
    if (!busy) break;
    advance();
    if (cycle_ - start > 10000000) throw PodError("OCS reconfiguration did not finish (a link never drained)");
  }
  if (ocs_rejected()) throw PodError("an OCS refused the new configuration");
  ++st_.reconfigurations;
  return cycle_ - start;
}

// ---- faults ----------------------------------------------------------------------------------
std::string drop_cause_name(DropCause c) {
  switch (c) {
  case DropCause::DeadChip: return "dead-chip";
  case DropCause::FailedLink: return "failed-link";
  case DropCause::FailedOcsPort: return "failed-ocs-port";
  case DropCause::Purged: return "purged";
  }
  return "?";
}

std::string Detection::str() const {
  static const char* ports[] = {"+x", "-x", "+y", "-y", "+z", "-z"};
  if (how == How::Timeout) return fmt::format("timeout of slice {} (cycle {})", slice + 1, cycle);
  return fmt::format("link down at chip {} port {} (cycle {})", chip, port < 6 ? ports[port] : "?", cycle);
}

void Pod::drop(int slice, DropCause cause, bool valid, bool head, unsigned credit) {
  Drops& d = drops_[slice < 0 ? drops_.size() - 1 : static_cast<std::size_t>(slice)][static_cast<unsigned>(cause)];
  if (valid) {
    ++d.flits;
    ++st_.fault_flits;
    if (head) ++d.heads;
  }
  if (credit) d.credits += static_cast<unsigned>(__builtin_popcount(credit));
}

const Drops& Pod::drops(int slice, DropCause cause) const {
  if (slice >= static_cast<int>(plan_.slices().size())) throw PlanError(fmt::format("no slice {}", slice + 1));
  return drops_[slice < 0 ? drops_.size() - 1 : static_cast<std::size_t>(slice)][static_cast<unsigned>(cause)];
}

bool Pod::dead(unsigned chip) const { return chips_.at(chip)->dead; }

void Pod::inject(const Fault& f) {
  (void)plan_.rack_of(f); // range checks
  if (!armed_)
    for (auto& t : slice_last_move_) t = cycle_;
  armed_ = true;
  if (f.cycle <= cycle_) apply_fault(f);
  else pending_faults_.push_back(f);
}

bool Pod::faces_fault(unsigned chip, unsigned port) const {
  const Chip::End& e = chips_[chip]->end[port];
  if (e.failed) return true;
  if (e.kind == Chip::End::Kind::Electrical) return chips_[e.far_chip]->dead;
  if (dark_[e.ocs * kOcsModelPorts + e.ocs_port]) return true;
  const int q = plan_.peer(e.ocs, e.ocs_port);
  if (q < 0) return false; // unconnected: the OCS keeps it down anyway
  if (dark_[e.ocs * kOcsModelPorts + static_cast<unsigned>(q)]) return true;
  const Ocs& o = *ocs_[e.ocs];
  const int fc = o.chip_of_port[static_cast<unsigned>(q)];
  if (fc < 0) return false;
  const Chip& far = *chips_[static_cast<unsigned>(fc)];
  return far.dead || far.end[static_cast<unsigned>(o.link_of_port[static_cast<unsigned>(q)])].failed;
}

void Pod::apply_fault(const Fault& f) {
  switch (f.kind) {
  case FaultKind::Chip: chips_[f.chip]->dead = true; break;
  case FaultKind::Rack:
    for (unsigned i = 0; i < plan_.chips_per_rack(); ++i) chips_[f.rack * plan_.chips_per_rack() + i]->dead = true;
    break;
  case FaultKind::Link: {
    Chip::End& e = chips_[f.chip]->end[f.port];
    e.failed = true;
    if (e.kind == Chip::End::Kind::Electrical) chips_[e.far_chip]->end[e.far_port].failed = true;
    break;
  }
  case FaultKind::OcsPort: dark_[f.ocs * kOcsModelPorts + f.ocs_port] = 1; break;
  }
  // loss of signal at every surviving receiver that now faces the failed part
  const unsigned los = plan_.spec().los_cycles;
  if (los == 0) return;
  for (unsigned c = 0; c < chips_.size(); ++c) {
    if (chips_[c]->dead) continue;
    for (unsigned p = 0; p < 6; ++p) {
      if (((chips_[c]->los >> p) & 1u) || !faces_fault(c, p)) continue;
      bool pending = false;
      for (const Los& l : pending_los_) pending = pending || (l.chip == c && l.port == p);
      if (!pending) pending_los_.push_back({cycle_ + los, c, p});
    }
  }
}

void Pod::refresh_link_status() {
  for (unsigned c = 0; c < chips_.size(); ++c) {
    Chip& ch = *chips_[c];
    if (ch.dead) continue;
    for (unsigned p = 0; p < 6; ++p)
      if (((ch.los >> p) & 1u) && !faces_fault(c, p)) ch.los = static_cast<std::uint8_t>(ch.los & ~(1u << p));
  }
  std::vector<Los> keep;
  for (const Los& l : pending_los_)
    if (faces_fault(l.chip, l.port)) keep.push_back(l);
  pending_los_ = std::move(keep);
}

void Pod::check_timeouts() {
  const unsigned t = plan_.spec().timeout_cycles;
  if (t == 0) return;
  for (unsigned s = 0; s < slice_last_move_.size(); ++s) {
    if (slice_timed_out_[s] || cycle_ - slice_last_move_[s] <= t) continue;
    bool waiting = false;
    for (unsigned c : plan_.slice_chips(s)) waiting = waiting || !hosts_[c].ops.empty();
    if (!waiting) {
      slice_last_move_[s] = cycle_; // idle, not stuck: watch the next window
      continue;
    }
    Detection d;
    d.how = Detection::How::Timeout;
    d.cycle = cycle_;
    d.slice = static_cast<int>(s);
    detections_.push_back(d);
    slice_timed_out_[s] = 1;
  }
}

SliceFlush Pod::flush_slice(unsigned s) {
  if (s >= plan_.slices().size()) throw PlanError(fmt::format("no slice {} (the pod has {})", s + 1, plan_.slices().size()));
  SliceFlush f;
  f.slice = s;
  f.cycle = cycle_;
  for (unsigned c : plan_.slice_chips(s)) {
    Chip& ch = *chips_[c];
    const std::uint64_t sent = stat(c, chip::StPktsSent), recv = stat(c, chip::StPktsRecv);
    f.pkts_sent += sent;
    f.pkts_recv += recv;
    const std::int64_t inside = static_cast<std::int64_t>(ch.heads_in + sent) - static_cast<std::int64_t>(ch.heads_out + recv);
    if (inside < 0)
      throw std::logic_error(fmt::format("chip {}: more packets left than entered ({}): harness accounting broken", c, inside));
    f.heads_in_chips += static_cast<std::uint64_t>(inside);
    f.host_ops += hosts_[c].ops.size();
    hosts_[c].ops.clear();
    for (auto& e : ch.end) {
      for (auto& m : e.ring) {
        if (!m.any()) continue;
        if (m.valid) {
          ++f.flits_purged;
          if (m.flit.head) ++f.heads_purged;
        }
        drop(static_cast<int>(s), DropCause::Purged, m.valid, m.flit.head, m.credit);
        m = LinkMsg{};
      }
      e.busy = 0;
    }
    ch.in = {};
    ch.in_mask = ch.credit_mask = 0;
    ch.heads_in = ch.heads_out = 0;
    if (ch.dead) continue;
    Vchip_top& m = *ch.m;
    m.in_valid_i = 0;
    m.out_credit_i = 0;
    m.h_valid_i = 0;
    m.link_up_i = ch.link_up & static_cast<std::uint8_t>(~ch.los);
    ici::reset(m);
    ch.idle = m.idle_o;
    ch.drained = m.drained_o;
    ch.host_valid = false;
    ++f.chips_reset;
  }
  std::uint64_t heads = 0;
  for (DropCause c : {DropCause::DeadChip, DropCause::FailedLink, DropCause::FailedOcsPort})
    heads += drops_[s][static_cast<unsigned>(c)].heads;
  f.heads_dropped = heads - heads_dropped_at_flush_[s];
  heads_dropped_at_flush_[s] = heads;
  slice_last_move_[s] = cycle_;
  slice_timed_out_[s] = 0;
  return f;
}

PodStats Pod::stats() const {
  PodStats s = st_;
  s.cycles = cycle_;
  std::uint64_t lost = 0;
  for (const auto& o : ocs_) lost += o->m->lost_o;
  s.lost = lost;
  std::uint64_t links = 0, sum = 0;
  for (std::size_t c = 0; c < chips_.size(); ++c) {
    if (plan_.site(static_cast<unsigned>(c)).slice < 0) continue;
    for (const auto& e : chips_[c]->end) {
      ++links;
      sum += e.flits;
      s.link_flits_max = std::max(s.link_flits_max, e.flits);
    }
  }
  s.link_flits_mean = links ? double(sum) / double(links) : 0;
  for (unsigned c = 0; c < chips_.size(); ++c) {
    s.packets_sent += stat(c, chip::StPktsSent);
    s.packets_received += stat(c, chip::StPktsRecv);
  }
  return s;
}

} // namespace phtpu::pod
