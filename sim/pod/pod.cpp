// The scaled-pod harness (pod.hpp has the cycle convention): construction, tracing, one
// cycle, the memory backdoor and statistics. Hosts: pod_host.cpp; OCS protocol: pod_ocs.cpp;
// faults: pod_faults.cpp; what they share: pod_internal.hpp.
#include "pod_internal.hpp"

#include <filesystem>

namespace phtpu::pod {

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
    ch->stat_scope = chip_scope(*ch->m, ".u_regs");
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

// ---- one cycle --------------------------------------------------------------------------------
void Pod::step() {
  make_current(*ctx_); // an assertion that fails is charged to this pod's context
  apply_due_faults();
  bool moved = deliver_links();
  step_ocses();
  moved |= chips_negedge();
  if (trace_) trace_->dump(ctx_->time());
  ctx_->timeInc(5);
  moved |= chips_posedge();
  if (trace_) trace_->dump(ctx_->time());
  ctx_->timeInc(5);
  if (ctx_->gotError()) throw_if_failed(*ctx_, fmt::format("the pod at cycle {}", cycle_)); // (a flag test per cycle)
  if (moved) last_move_ = cycle_;
  if (armed_) check_timeouts();
  ++cycle_;
  st_.cycles = cycle_;
}

void Pod::touch(unsigned chip) {
  if (!armed_) return;
  const int sl = plan_.site(chip).slice;
  if (sl >= 0) slice_last_move_[static_cast<unsigned>(sl)] = cycle_;
}

// 0. faults due now, loss of signal due now
void Pod::apply_due_faults() {
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
}

// 1. due link messages; true if any moved
bool Pod::deliver_links() {
  bool moved = false;
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
  return moved;
}

// 2. OCSes: combinational circuits to the chips, then the clock edge
void Pod::step_ocses() {
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
}

// 3. chips: negative edge with inputs (host bus handshake); true if a host operation moved
bool Pod::chips_negedge() {
  bool moved = false;
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
  return moved;
}

// 4. chips: the positive edge, outputs into the link delay lines; true if a chip sent anything
bool Pod::chips_posedge() {
  bool moved = false;
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
  return moved;
}

// ---- backdoor -------------------------------------------------------------------------------
// The chip's memory and counters through the DPI functions the RTL exports (chip_mem_peek and
// chip_mem_poke in rtl/chip/chip_mem.sv, chip_stat_peek in rtl/chip/chip_regs.sv). An exported
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
