// The scaled-pod harness (pod.hpp has the cycle convention): construction, tracing, one
// cycle, the memory backdoor and statistics. Hosts: pod_host.cpp; OCS protocol: pod_ocs.cpp;
// faults: pod_faults.cpp; what they share: pod_internal.hpp.
#include "pod_internal.hpp"

#include <cstring>
#include <filesystem>

#include <omp.h>

namespace phtpu::pod {

Pod::Pod(const Plan& plan, const Ranks& ranks)
    : plan_(plan), ranks_(ranks), link_layer_(plan.spec().link_layer), ctx_(std::make_unique<VerilatedContext>()) {
  if (plan_.ocs_ports() > kOcsPortsFull)
    throw PlanError(fmt::format("the pod harness's OCS model has {} ports: at most {} racks, not {}", kOcsPortsFull,
                                kMaxRacks, plan_.spec().racks));
  ocs_model_ports_ = ocs_model_ports(plan_.spec().racks);
  const unsigned racks = plan_.spec().racks;
  if (ranks_.size() > racks)
    throw PlanError(fmt::format("{} ranks for a pod of {} racks: every rank needs a rack", ranks_.size(), racks));
  first_rack_ = racks * ranks_.rank() / ranks_.size();
  last_rack_ = racks * (ranks_.rank() + 1) / ranks_.size();
  drops_.assign(plan_.slices().size() + 1, {});
  heads_dropped_at_flush_.assign(plan_.slices().size(), 0);
  slice_last_move_.assign(plan_.slices().size(), 0);
  slice_timed_out_.assign(plan_.slices().size(), 0);
  dark_.assign(std::size_t{plan_.ocs_count()} * ocs_model_ports_, 0);
  set_threads(1);
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
    const std::string name = fmt::format("ocs_{}_{}", "xyz"[o / (c * c)], o % (c * c));
    const bool small = ocs_model_ports_ == kOcsPortsSmall;
    if (link_layer_) {
      if (small) oc->w32 = std::make_unique<Vocs_switch_wire>(ctx_.get(), name.c_str());
      else oc->w128 = std::make_unique<Vocs_switch128_wire>(ctx_.get(), name.c_str());
      oc->word_in.resize(ocs_model_ports_);
    } else if (small) {
      oc->m32 = std::make_unique<Vocs_switch>(ctx_.get(), name.c_str());
    } else {
      oc->m128 = std::make_unique<Vocs_switch128>(ctx_.get(), name.c_str());
    }
    oc->in.resize(ocs_model_ports_);
    oc->chip_of_port.assign(ocs_model_ports_, -1);
    oc->link_of_port.assign(ocs_model_ports_, -1);
    ocs_.push_back(std::move(oc));
  }
  for (unsigned i = 0; i < n; ++i) {
    auto ch = std::make_unique<Chip>();
    const ChipSite& s = plan_.site(i);
    if (local(i)) { // another rank's chips are only their links here
      ch->m = std::make_unique<Vchip_top>(ctx_.get(), fmt::format("chip_r{}_{}_{}_{}", s.rack, s.local.x, s.local.y, s.local.z).c_str());
      ch->mem_scope = chip_scope(*ch->m, ".u_mem");
      ch->stat_scope = chip_scope(*ch->m, ".u_regs");
    }
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
      if (link_layer_) {
        e.words.assign(e.latency + 1, net::Wire{}); // the link end's register: one cycle more than the wire
        if (local(i)) {
          e.link = net::make_link_end(ctx_.get(), fmt::format("{}_link{}", ch->m->name(), p), kVcs);
          const PodSpec& sp = plan_.spec();
          // (its rate may change: set_link_ber)
          e.noise = std::make_unique<net::BitNoise>(sp.ber, sp.burst, net::wire_seed(sp.noise_seed, i * 6 + p));
        }
      }
    }
    if (!local(i))
      for (unsigned p = 0; p < 6; ++p)
        if (ch->end[p].kind == Chip::End::Kind::Optical) mirror_ends_.emplace_back(i, p);
    chips_.push_back(std::move(ch));
  }
  // reset everything
  for (auto& ch : chips_) {
    if (!ch->m) continue;
    ch->m->link_up_i = 0x3F;
    ici::reset(*ch->m);
  }
  for (auto& o : ocs_) {
    o->with_model([](auto& m) { ici::reset(m); });
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
  for (auto& ch : chips_)
    if (ch->m) ch->m->final();
  for (auto& o : ocs_) o->with_model([](auto& m) { m.final(); });
}

void Pod::open_trace(const std::string& path, const std::vector<unsigned>& chips) {
  if (ranks_.many()) throw PodError("a waveform needs the whole pod in one process: trace without mpirun (threads are fine)");
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  trace_ = std::make_unique<VerilatedFstC>();
  for (unsigned c : chips) {
    if (c >= chips_.size()) throw PodError(fmt::format("no chip {} to trace (the pod has {})", c, chips_.size()));
    chips_[c]->m->trace(trace_.get(), 99);
    for (auto& e : chips_[c]->end)
      if (e.link) e.link->trace(trace_.get(), 99);
    traced_[c] = 1;
  }
  for (auto& o : ocs_) o->with_model([this](auto& m) { m.trace(trace_.get(), 99); });
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

void Pod::set_threads(unsigned n) {
  if (n == 0) throw PodError("a pod needs at least one thread");
  threads_ = n;
  lanes_ = std::vector<Lane>(n);
  for (Lane& l : lanes_) {
    l.drops.assign(plan_.slices().size() + 1, {});
    l.touched.assign(plan_.slices().size(), 0);
  }
}

// ---- one cycle --------------------------------------------------------------------------------
// A cycle's phases run inside one OpenMP parallel region (step); for_units() shares a phase's
// units out among the region's threads in contiguous blocks (a thread keeps its chips from cycle
// to cycle) and ends with the phase's barrier. With one thread there is no region and the same
// code runs the units in order. A failure skips the rest of the cycle and is rethrown after it;
// of several, the one of the lowest unit (the one a single thread would have met first).
template <class F>
void Pod::for_units(Lane& lane, unsigned units, F&& f) {
#pragma omp for schedule(static)
  for (unsigned u = 0; u < units; ++u) {
    if (lane.error) continue;
    try {
      f(lane, u);
    } catch (...) {
      lane.error = std::current_exception();
      lane.error_unit = u;
    }
  }
}

bool Pod::lanes_failed() const {
  for (const Lane& l : lanes_)
    if (l.error) return true;
  return false;
}

void Pod::cycle_phases() {
  make_current(*ctx_); // Verilator's context is per thread (tb/rtl_assert.hpp)
  Lane& lane = lanes_[static_cast<unsigned>(omp_get_thread_num())];
  // units: this rank's chips (contiguous blocks per thread: whole racks when there are more racks
  // than threads), and with several ranks one more for the other ranks' optical links
  const unsigned first = first_rack_ * plan_.chips_per_rack(), chips = (last_rack_ - first_rack_) * plan_.chips_per_rack();
  for_units(lane, chips + (mirror_ends_.empty() ? 0 : 1), [&](Lane& l, unsigned u) {
    if (u < chips) deliver_links(l, first + u);
    else deliver_mirrors();
  });
  if (lanes_failed()) return;
  for_units(lane, static_cast<unsigned>(ocs_.size()), [this](Lane& l, unsigned o) { step_ocs(l, o); });
  if (lanes_failed()) return;
  if (trace_) { // every chip's negative edge, the dump, then the positive edges
    for_units(lane, chips, [&](Lane& l, unsigned u) {
      if (link_layer_) link_receive(l, first + u);
      chip_negedge(l, first + u);
    });
#pragma omp single
    {
      trace_->dump(ctx_->time());
      ctx_->timeInc(5);
    }
    for_units(lane, chips, [&](Lane& l, unsigned u) {
      chip_posedge(l, first + u);
      if (link_layer_) link_clock(l, first + u);
    });
#pragma omp single
    {
      trace_->dump(ctx_->time());
      ctx_->timeInc(5);
    }
  } else { // chips meet only through links and OCSes: each chip's two edges back to back
    for_units(lane, chips, [&](Lane& l, unsigned u) {
      if (link_layer_) link_receive(l, first + u);
      chip_negedge(l, first + u);
      chip_posedge(l, first + u);
      if (link_layer_) link_clock(l, first + u);
    });
  }
}

void Pod::step() {
  make_current(*ctx_); // an assertion that fails is charged to this pod's context
  apply_due_faults();
  if (threads_ > 1) {
#pragma omp parallel num_threads(static_cast<int>(threads_))
    cycle_phases();
    make_current(*ctx_);
  } else {
    cycle_phases();
  }
  if (!trace_) ctx_->timeInc(10);
  Lane* first = nullptr;
  for (Lane& l : lanes_)
    if (l.error && (!first || l.error_unit < first->error_unit)) first = &l;
  if (first) {
    const std::exception_ptr e = first->error;
    for (Lane& l : lanes_) l.error = nullptr;
    std::rethrow_exception(e);
  }
  if (ctx_->gotError()) throw_if_failed(*ctx_, fmt::format("the pod at cycle {}", cycle_)); // (a flag test per cycle)
  if (link_layer_) note_links_down();
  const bool moved = merge_lanes(armed_, !in_window_);
  if (ranks_.many() && cycle_ + 1 >= window_end_) exchange_sent();
  if (in_window_) window_moved_.push_back(moved ? 1 : 0); // (run_windows settles them)
  else if (moved) last_move_ = cycle_;
  if (armed_) check_timeouts();
  ++cycle_;
  st_.cycles = cycle_;
}

bool Pod::merge_lanes(bool drops, bool global) {
  // this rank's share: [moved, touched per slice, drops per slice, cause and counter], summed
  // over the ranks so that every rank keeps the same totals (the drops and touches only once a
  // fault was injected or a slice flushed: every rank decides that alike)
  const std::size_t S = slice_last_move_.size(), D = drops_.size() * kDropCauses;
  std::vector<std::uint64_t> v(1 + (drops ? S + 3 * D : 0), 0);
  for (Lane& l : lanes_) {
    v[0] += l.moved ? 1 : 0;
    l.moved = false;
    st_.flits_electrical += l.flits_electrical;
    st_.chip_cycles += l.chip_cycles;
    st_.fault_flits += l.fault_flits;
    l.flits_electrical = l.chip_cycles = l.fault_flits = 0;
    if (!drops) continue;
    for (std::size_t s = 0; s < S; ++s) {
      v[1 + s] += l.touched[s];
      l.touched[s] = 0;
    }
    for (std::size_t s = 0; s < drops_.size(); ++s)
      for (unsigned c = 0; c < kDropCauses; ++c) {
        const std::size_t k = 1 + S + 3 * (s * kDropCauses + c);
        v[k] += l.drops[s][c].flits;
        v[k + 1] += l.drops[s][c].heads;
        v[k + 2] += l.drops[s][c].credits;
        l.drops[s][c] = Drops{};
      }
  }
  if (global) ranks_.sum(v.data(), v.size());
  if (drops) {
    for (std::size_t s = 0; s < S; ++s)
      if (v[1 + s] && armed_) slice_last_move_[s] = cycle_;
    for (std::size_t s = 0; s < drops_.size(); ++s)
      for (unsigned c = 0; c < kDropCauses; ++c) {
        const std::size_t k = 1 + S + 3 * (s * kDropCauses + c);
        drops_[s][c] += Drops{v[k], v[k + 1], v[k + 2]};
      }
  }
  return v[0] != 0;
}

void Pod::touch(Lane& lane, unsigned chip) {
  if (!armed_) return;
  const int sl = plan_.site(chip).slice;
  if (sl >= 0) lane.touched[static_cast<unsigned>(sl)] = 1;
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

// 1. a chip's due link messages: electrical ones to the far chip (in the same rack; another
// thread's chip, maybe: distinct input slots, atomic masks), optical ones to their OCS port
void Pod::deliver_links(Lane& lane, unsigned i) {
  {
    Chip& ch = *chips_[i];
    if (link_layer_) // the link ends' words due now (every cycle: a link end always sends one)
      for (unsigned p = 0; p < 6; ++p) {
        Chip::End& e = ch.end[p];
        net::Wire& w = e.words[cycle_ % e.words.size()];
        const bool frame = net::frame_valid(w);
        DropCause why{};
        bool dropped = false;
        if (armed_) {
          dropped = true;
          if (e.failed) why = DropCause::FailedLink;
          else if (e.kind == Chip::End::Kind::Electrical && chips_[e.far_chip]->dead) why = DropCause::DeadChip;
          else if (e.kind == Chip::End::Kind::Optical && dark_[e.ocs * ocs_model_ports_ + e.ocs_port]) why = DropCause::FailedOcsPort;
          else dropped = false;
        }
        // a frame lost to a fault: its flit stays in the sender's replay buffer (its head is
        // counted where the slice flush purges it, not here)
        if (dropped) drop(lane, plan_.site(i).slice, why, frame, false, 0);
        else if (e.kind == Chip::End::Kind::Electrical) chips_[e.far_chip]->end[e.far_port].word_in = w;
        else ocs_[e.ocs]->word_in[e.ocs_port] = w;
        if (frame) {
          if (!dropped && e.kind == Chip::End::Kind::Electrical) ++lane.flits_electrical;
          lane.moved = true;
        }
        w = net::Wire{};
      }
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
        if (e.failed) drop(lane, sl, DropCause::FailedLink, m.valid, m.flit.head, m.credit);
        else if (e.kind == Chip::End::Kind::Electrical && chips_[e.far_chip]->dead)
          drop(lane, sl, DropCause::DeadChip, m.valid, m.flit.head, m.credit);
        else if (e.kind == Chip::End::Kind::Optical && dark_[e.ocs * ocs_model_ports_ + e.ocs_port])
          drop(lane, sl, DropCause::FailedOcsPort, m.valid, m.flit.head, m.credit);
        else dropped = false;
      }
      if (dropped) {
      } else if (e.kind == Chip::End::Kind::Electrical) {
        Chip& far = *chips_[e.far_chip];
        if (m.valid) {
          far.in[e.far_port] = m;
          far.in_mask.fetch_or(1u << e.far_port, std::memory_order_relaxed);
          ++lane.flits_electrical;
        }
        if (m.credit) {
          far.in[e.far_port].credit = m.credit;
          far.credit_mask.fetch_or(1u << e.far_port, std::memory_order_relaxed);
        }
      } else {
        Ocs& o = *ocs_[e.ocs];
        o.in[e.ocs_port] = m;
        o.in_mask[e.ocs_port / 64].fetch_or(std::uint64_t{1} << (e.ocs_port % 64), std::memory_order_relaxed);
      }
      m = LinkMsg{};
      --e.busy;
      lane.moved = true;
    }
  }
}

// 2. one OCS: combinational circuits to the chips, then the clock edge
void Pod::step_ocs(Lane& lane, unsigned oi) {
  Ocs& o = *ocs_[oi];
  if (!link_layer_ && !o.any_in() && !(o.last_mask[0] | o.last_mask[1]) && !o.busy && o.ops.empty()) return;
  o.with_model([&](auto& m) { step_ocs_model(lane, oi, m); });
}

template <class M>
void Pod::step_ocs_model(Lane& lane, unsigned oi, M& m) {
  Ocs& o = *ocs_[oi];
  const unsigned ports = plan_.ocs_ports();
  ici::clear_vector(m.in_valid_i);
  ici::clear_vector(m.in_credit_i);
  // the link ends' words, every port every cycle, as data. in_valid marks a frame its link end
  // still needs (it is busy): one that meets a dark or unconnected port is lost (lost_o, the
  // switch's assertion), a protocol error; a stale copy of one acknowledged may meet the dark,
  // harmlessly. (Another rank's chip: its rank's copy of the switch checks it.)
  if constexpr (kWireOcs<M>) {
    for (unsigned p = 0; p < ocs_model_ports_; ++p) {
      net::Wire& w = o.word_in[p];
      const int c = o.chip_of_port[p];
      const bool needed = c >= 0 && ((chips_[static_cast<unsigned>(c)]->link_busy >> o.link_of_port[p]) & 1u);
      ici::set_field(m.in_valid_i, p, 1, net::frame_valid(w) && needed ? 1u : 0u);
      o.flits += net::frame_valid(w);
      for (unsigned k = 0; k < kOcsWireWords; ++k) m.in_data_i[p * kOcsWireWords + k] = w[k];
      w = net::Wire{};
    }
  }
  for (unsigned w = 0; w < 2; ++w) {
    const std::uint64_t in = o.in_mask[w].exchange(0, std::memory_order_relaxed);
    o.last_mask[w] = in;
    for (std::uint64_t mask = in; mask; mask &= mask - 1) {
      const unsigned p = 64 * w + static_cast<unsigned>(__builtin_ctzll(mask));
      const LinkMsg& l = o.in[p];
      if (l.valid) { // (never with the link layer: its flits are in the words)
        ici::drive_input<kVcs>(m, p, true, l.flit);
        ++o.flits;
      }
      if (l.credit) ici::set_field(m.in_credit_i, p * kVcs, kVcs, l.credit);
      o.in[p] = LinkMsg{};
    }
  }
  // drained: from the chips at each port (ports without a chip are drained)
  for (unsigned p = 0; p < ocs_model_ports_; ++p) {
    const int c = o.chip_of_port[p];
    // a dead chip counts as drained: nothing of it will ever arrive
    // (with the link layer a port is drained once its link end has every flit acknowledged too)
    const Chip* ch = c < 0 ? nullptr : chips_[static_cast<unsigned>(c)].get();
    const bool drained = !ch || ch->dead || (((ch->drained & ~ch->link_busy) >> o.link_of_port[p]) & 1u);
    ici::set_field(m.drained_i, p, 1, drained ? 1u : 0u);
  }
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
  if constexpr (kWireOcs<M>) {
    for (unsigned q = 0; q < ports; ++q) {
      const int c = o.chip_of_port[q];
      if (c < 0 || !local(static_cast<unsigned>(c))) continue;
      Chip& ch = *chips_[static_cast<unsigned>(c)];
      const unsigned port = static_cast<unsigned>(o.link_of_port[q]);
      net::Wire w;
      for (unsigned k = 0; k < kOcsWireWords; ++k) w[k] = m.out_data_o[q * kOcsWireWords + k];
      const bool dark = dark_[oi * ocs_model_ports_ + q];
      if (armed_ && (dark || ch.end[port].failed || ch.dead)) {
        drop(lane, plan_.site(static_cast<unsigned>(c)).slice,
             dark ? DropCause::FailedOcsPort : ch.end[port].failed ? DropCause::FailedLink : DropCause::DeadChip,
             net::frame_valid(w), false, 0);
        continue;
      }
      ch.end[port].word_in = w; // port `port` of chip c hears only this switch
    }
  }
  if (ici::any_bit(m.out_valid_o) || ici::any_bit(m.out_credit_o)) {
    for (unsigned q = 0; q < ports; ++q) {
      const bool v = ici::get_field(m.out_valid_o, q, 1) != 0;
      const unsigned cr = ici::get_field(m.out_credit_o, q * kVcs, kVcs);
      if ((!v || kWireOcs<M>) && !cr) continue;
      const int c = o.chip_of_port[q];
      if (c < 0 || !local(static_cast<unsigned>(c))) continue; // (another rank's chip: its rank delivers it)
      Chip& ch = *chips_[static_cast<unsigned>(c)];
      const unsigned port = static_cast<unsigned>(o.link_of_port[q]);
      const bool flit = v && !kWireOcs<M>; // (the wire OCS's valid marks a frame in a word, handled above)
      const ici::Flit fl = flit ? ici::read_output<kVcs>(m, q) : ici::Flit{};
      const bool dark = dark_[oi * ocs_model_ports_ + q];
      if (armed_ && (dark || ch.end[port].failed || ch.dead)) {
        const int sl = plan_.site(static_cast<unsigned>(c)).slice;
        drop(lane, sl, dark ? DropCause::FailedOcsPort : ch.end[port].failed ? DropCause::FailedLink : DropCause::DeadChip,
             flit, fl.head, cr);
        continue;
      }
      // port `port` of chip c hears only this switch: its staged input is this thread's alone
      if (flit) {
        LinkMsg& l = ch.in[port];
        l.valid = true;
        l.flit = fl;
        ch.in_mask.fetch_or(1u << port, std::memory_order_relaxed);
      }
      if (cr) {
        ch.in[port].credit = static_cast<std::uint8_t>(cr);
        ch.credit_mask.fetch_or(1u << port, std::memory_order_relaxed);
      }
    }
  }
  m.clk_i = 1;
  m.eval();
  // link status after the edge: it reaches the chips' link_up_i from the next cycle
  const bool busy_now = m.cfg_busy_o || !o.ops.empty();
  if (busy_now || o.was_busy) {
    for (unsigned p = 0; p < ports; ++p) {
      const int c = o.chip_of_port[p];
      if (c < 0 || !local(static_cast<unsigned>(c))) continue;
      Chip& ch = *chips_[static_cast<unsigned>(c)];
      const auto bit = static_cast<std::uint8_t>(1u << o.link_of_port[p]);
      // an unconnected port (a spare rack) is down; so is a dark one
      if (ici::get_field(m.link_up_o, p, 1)) ch.link_up.fetch_or(bit, std::memory_order_relaxed);
      else ch.link_up.fetch_and(static_cast<std::uint8_t>(~bit), std::memory_order_relaxed);
      if (ici::get_field(m.dark_o, p, 1)) ch.dark.fetch_or(bit, std::memory_order_relaxed);
      else ch.dark.fetch_and(static_cast<std::uint8_t>(~bit), std::memory_order_relaxed);
    }
  }
  o.was_busy = busy_now;
  o.busy = busy_now;
  if (m.cfg_we_refused_o) // the harness writes circuits only while the switch is idle: a bug if not
    throw PodError(fmt::format("OCS {} refused a circuit write at cycle {}", oi, cycle_));
}

// 3. a chip's negative edge with its inputs (host bus handshake)
void Pod::chip_negedge(Lane& lane, unsigned i) {
  Chip& ch = *chips_[i];
  Host& h = hosts_[i];
  if (ch.dead) {
    ch.clock_now = false;
    return;
  }
  // waits that are satisfied pass at once
  while (!h.ops.empty() && h.ops.front().kind == HostOp::Kind::Wait && local_stat(i, h.ops.front().stat) >= h.ops.front().value) {
    h.ops.pop_front();
    lane.moved = true;
    touch(lane, i);
  }
  const unsigned in_mask = ch.in_mask.load(std::memory_order_relaxed);
  const unsigned credit_mask = ch.credit_mask.load(std::memory_order_relaxed);
  if (in_mask) touch(lane, i);
  ch.host_valid = !h.ops.empty() && h.ops.front().kind == HostOp::Kind::Write;
  ch.clock_now = ch.host_valid || in_mask || credit_mask || !ch.idle || traced_[i];
  if (!ch.clock_now) return;
  Vchip_top& m = *ch.m;
  m.in_valid_i = 0;
  std::uint32_t credits = 0;
  for (unsigned p = 0; p < 6; ++p) {
    const LinkMsg& l = ch.in[p];
    if ((in_mask >> p) & 1u) {
      ici::drive_input<kVcs>(m, p, true, l.flit);
      if (l.flit.head) ++ch.heads_in;
    }
    credits |= static_cast<std::uint32_t>(l.credit) << (p * kVcs);
    ch.in[p] = LinkMsg{};
  }
  m.out_credit_i = credits;
  m.link_up_i = ch.link_up.load(std::memory_order_relaxed) & static_cast<std::uint8_t>(~ch.los);
  ch.in_mask.store(0, std::memory_order_relaxed);
  ch.credit_mask.store(0, std::memory_order_relaxed);
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
    lane.moved = true;
    touch(lane, i);
  }
}

// 4. a chip's positive edge, its outputs into the link delay lines
void Pod::chip_posedge(Lane& lane, unsigned i) {
  Chip& ch = *chips_[i];
  if (!ch.clock_now) return;
  Vchip_top& m = *ch.m;
  m.clk_i = 1;
  m.eval();
  ++lane.chip_cycles;
  const unsigned ov = m.out_valid_o;
  if (ov || m.in_credit_o) {
    lane.moved = true;
    if (ov) touch(lane, i);
    for (unsigned p = 0; p < 6; ++p) {
      bool v = (ov >> p) & 1u;
      const unsigned c = ici::input_credits<kVcs>(m, p);
      if (!v && !c) continue;
      Chip::End& e = ch.end[p];
      if (link_layer_) { // the flit to the link end (link_clock), the credits on the ring
        if (v) {
          ++e.flits;
          e.tx = ici::read_output<kVcs>(m, p);
          e.tx_valid = true;
          if (e.tx.head) {
            ++ch.heads_out;
            ++e.heads_tx;
          }
        }
        if (!c) continue;
        v = false;
      }
      LinkMsg& l = e.ring[cycle_ % e.latency];
      l.valid = v;
      l.credit = static_cast<std::uint8_t>(c);
      if (v) {
        ++e.flits;
        l.flit = ici::read_output<kVcs>(m, p);
        if (l.flit.head) ++ch.heads_out;
      }
      ++e.busy;
      if (ranks_.many() && e.kind == Chip::End::Kind::Optical) lane.sent.push_back({cycle_, i, p, l});
    }
  }
  ch.drained = m.drained_o;
  ch.idle = m.idle_o && !ch.host_valid;
  m.h_valid_i = 0;
  m.in_valid_i = 0;
  m.out_credit_i = 0;
}

// ---- the link layer (PodSpec::link_layer) --------------------------------------------------------
// Every chip port has a link end (rtl/ici/ici_link.sv) between the router and the wire, clocked
// every cycle whether the chip is or not (its control slot carries an acknowledgement every
// cycle). Its word of cycle c is on the wire from c + 1 and reaches the far end L cycles later
// (the words ring has L + 1 slots): electrical links directly, optical ones through the wire OCS,
// which carries the word in its data field. The noise flips bits of the words arriving at each
// end, from the end's own random stream: the results do not depend on threads or ranks.

// before the chip's edge: what each link end's wire brings; a flit it delivers enters the chip
void Pod::link_receive(Lane& lane, unsigned i) {
  Chip& ch = *chips_[i];
  if (ch.dead) return;
  for (unsigned p = 0; p < 6; ++p) {
    Chip::End& e = ch.end[p];
    ici::Flit f;
    if (e.link->receive(e.word_in, e.noise.get(), f)) {
      if (f.head) ++e.heads_rx;
      LinkMsg& l = ch.in[p]; // (the credits of this port's ring may be staged beside it)
      l.valid = true;
      l.flit = f;
      ch.in_mask.fetch_or(1u << p, std::memory_order_relaxed);
      lane.moved = true;
    }
    e.word_in = net::Wire{};
  }
}

// after the chip's edge: each link end takes the flit the chip sent and puts its word on the wire
void Pod::link_clock(Lane& lane, unsigned i) {
  Chip& ch = *chips_[i];
  std::uint8_t busy = 0;
  for (unsigned p = 0; p < 6; ++p) {
    Chip::End& e = ch.end[p];
    net::Wire& out = e.words[cycle_ % e.words.size()];
    out = net::Wire{};
    if (ch.dead) continue; // a dead chip's link ends fall silent with it
    // a circuit being switched: both ends of the new one start again from sequence number 0 (the
    // old one drained: every head its near end took, its far end delivered)
    const bool resync = ((ch.dark.load(std::memory_order_relaxed) >> p) & 1u) != 0;
    e.link->set_resync(resync);
    if (resync) {
      e.heads_tx = e.heads_rx = 0;
      e.down_seen = false;
    }
    e.link->clock(e.tx_valid ? &e.tx : nullptr, out);
    e.tx_valid = false;
    if (net::frame_valid(out)) lane.moved = true;
    if (e.link->busy()) busy = static_cast<std::uint8_t>(busy | (1u << p));
    if (!e.link->up() && !e.down_seen) {
      e.down_seen = true;
      lane.link_down.emplace_back(i, p);
    }
    if (ranks_.many() && e.kind == Chip::End::Kind::Optical) lane.sent_words.push_back({cycle_, i, p, out});
  }
  ch.link_busy = busy;
}

// link ends that went down this cycle (in chip and port order, whatever the threads): loss of
// signal at that port from the next cycle, and a detection, as the loss-of-signal path does
void Pod::note_links_down() {
  std::vector<std::pair<unsigned, unsigned>> down;
  for (Lane& l : lanes_) {
    down.insert(down.end(), l.link_down.begin(), l.link_down.end());
    l.link_down.clear();
  }
  if (down.empty()) return;
  std::sort(down.begin(), down.end());
  for (const auto& [c, p] : down) {
    Chip& ch = *chips_[c];
    ch.los = static_cast<std::uint8_t>(ch.los | (1u << p));
  }
  if (ranks_.many()) { // every rank records the detections at the exchange after this cycle
    down_to_share_.insert(down_to_share_.end(), down.begin(), down.end());
    return;
  }
  add_link_detections(down, cycle_);
}

void Pod::add_link_detections(const std::vector<std::pair<unsigned, unsigned>>& down, std::uint64_t cycle) {
  for (const auto& [c, p] : down) {
    Detection d;
    d.how = Detection::How::LinkLayer;
    d.cycle = cycle;
    d.slice = plan_.site(c).slice;
    d.chip = c;
    d.port = p;
    detections_.push_back(d);
  }
}

net::LinkStats Pod::link_stats() const {
  net::LinkStats s;
  if (!link_layer_) return s;
  for (unsigned c = first_rack_ * plan_.chips_per_rack(); c < last_rack_ * plan_.chips_per_rack(); ++c)
    for (const auto& e : chips_[c]->end) s.add(*e.link, e.noise.get());
  ranks_.sum_each({&s.links, &s.bits_flipped, &s.frames_hit, &s.undetected, &s.crc_errors, &s.replays, &s.retrains,
                   &s.links_down, &s.overflows, &s.frames_sent, &s.flits_delivered});
  ranks_.max(&s.max_replays, 1);
  return s;
}

void Pod::set_link_ber(unsigned chip, unsigned port, double ber) {
  if (!link_layer_) throw PodError("a link's bit error rate needs the link layer");
  check_chip(chip);
  if (port >= 6) throw PodError(fmt::format("a chip has link ports 0..5, not {}", port));
  if (!(ber >= 0 && ber <= 0.01)) throw PodError(fmt::format("bit error rate {} out of range 0..0.01", ber));
  auto set = [&](unsigned c, unsigned p) {
    Chip::End& e = chips_[c]->end[p];
    if (e.noise) e.noise->set_rate(ber); // (another rank's chip has none: its rank sets it)
  };
  set(chip, port);
  if (const auto f = far_end(chip, port)) set(f->first, f->second);
}

std::optional<std::pair<unsigned, unsigned>> Pod::far_end(unsigned chip, unsigned port) const {
  const Chip::End& e = chips_[chip]->end[port];
  if (e.kind == Chip::End::Kind::Electrical) return std::make_pair(e.far_chip, e.far_port);
  const int q = ocs_peer(e.ocs, e.ocs_port);
  if (q < 0) return std::nullopt;
  const Ocs& o = *ocs_[e.ocs];
  const int c = o.chip_of_port[static_cast<unsigned>(q)];
  if (c < 0) return std::nullopt;
  return std::make_pair(static_cast<unsigned>(c), static_cast<unsigned>(o.link_of_port[static_cast<unsigned>(q)]));
}

std::vector<std::uint64_t> Pod::link_replays() const {
  if (!link_layer_) return {};
  std::vector<std::uint64_t> r(chips_.size() * 6, 0);
  for (unsigned c = first_rack_ * plan_.chips_per_rack(); c < last_rack_ * plan_.chips_per_rack(); ++c)
    for (unsigned p = 0; p < 6; ++p) r[c * 6 + p] = chips_[c]->end[p].link->replays();
  ranks_.sum(r.data(), r.size());
  return r;
}

// ---- backdoor -------------------------------------------------------------------------------
// The chip's memory and counters through the DPI functions the RTL exports (chip_mem_peek and
// chip_mem_poke in rtl/chip/chip_mem.sv, chip_stat_peek in rtl/chip/chip_regs.sv). An exported
// function acts on the instance whose scope is set; each model registers its scopes under its
// own name (the constructor's chip_r<rack>_<x>_<y>_<z>), so every chip has its own scopes,
// looked up once (chip_scope) when the chip is built.

Word Pod::peek(unsigned chip, std::uint32_t addr) const {
  check_chip(chip);
  std::array<svBitVecVal, 4> w{};
  if (local(chip)) {
    svSetScope(chips_.at(chip)->mem_scope);
    chip_mem_peek(addr, w.data());
  }
  ranks_.bcast(w.data(), sizeof w, owner(chip));
  return {w[0], w[1], w[2], w[3]};
}

void Pod::poke(unsigned chip, std::uint32_t addr, const Word& v) {
  check_chip(chip);
  if (!local(chip)) return; // another rank's chip: its rank pokes it
  svSetScope(chips_[chip]->mem_scope);
  const std::array<svBitVecVal, 4> w{v[0], v[1], v[2], v[3]};
  chip_mem_poke(addr, w.data());
}

std::uint32_t Pod::local_stat(unsigned chip, unsigned k) const {
  svSetScope(chips_[chip]->stat_scope);
  return chip_stat_peek(k);
}

std::uint32_t Pod::stat(unsigned chip, unsigned k) const {
  check_chip(chip);
  std::uint32_t v = local(chip) ? local_stat(chip, k) : 0;
  ranks_.bcast(&v, sizeof v, owner(chip));
  return v;
}

void Pod::check_chip(unsigned chip) const {
  if (chip >= chips_.size()) throw PodError(fmt::format("no chip {} (the pod has {})", chip, chips_.size()));
}

unsigned Pod::owner(unsigned chip) const {
  const unsigned rack = chip / plan_.chips_per_rack(), racks = plan_.spec().racks, n = ranks_.size();
  for (unsigned r = 0; r + 1 < n; ++r)
    if (rack < racks * (r + 1) / n) return r;
  return n - 1;
}

// ---- ranks ------------------------------------------------------------------------------------
// Every rank evaluates every OCS, so each needs every OCS input: its own chips' come from their
// delay lines, the others' from its copies of their optical delay lines, filled here. A message
// a chip sends at cycle t reaches its OCS at t + L (L >= 1, the optical latency), so exchanging
// once per window of at most L cycles is early enough: conservative synchronisation with
// lookahead L. With them go the chips' drained flags while an OCS reconfigures (it reads them
// with one cycle of latency; windows are one cycle long then). A block per rank: the message
// count, (cycle, chip, port, message) each, the drained count, (chip, flags) each.
void Pod::exchange_sent() {
  std::vector<std::uint8_t> mine;
  auto put = [&mine](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    mine.insert(mine.end(), b, b + n);
  };
  std::uint32_t n = 0;
  for (const Lane& l : lanes_) n += static_cast<std::uint32_t>(l.sent.size());
  put(&n, sizeof n);
  for (Lane& l : lanes_) {
    for (const Sent& x : l.sent) put(&x, sizeof x);
    l.sent.clear();
  }
  std::uint32_t d = 0;
  const std::size_t dpos = mine.size();
  put(&d, sizeof d);
  if (switching())
    for (std::uint32_t c = first_rack_ * plan_.chips_per_rack(); c < last_rack_ * plan_.chips_per_rack(); ++c) {
      put(&c, sizeof c);
      const auto fl = static_cast<std::uint8_t>(chips_[c]->drained & ~chips_[c]->link_busy);
      put(&fl, 1);
      ++d;
    }
  std::memcpy(mine.data() + dpos, &d, sizeof d);
  if (link_layer_) { // the link layer's optical words, and its link ends that went down (chip, port)
    std::uint32_t nw = 0;
    for (const Lane& l : lanes_) nw += static_cast<std::uint32_t>(l.sent_words.size());
    put(&nw, sizeof nw);
    for (Lane& l : lanes_) {
      for (const SentWord& x : l.sent_words) put(&x, sizeof x);
      l.sent_words.clear();
    }
    const auto nd = static_cast<std::uint32_t>(down_to_share_.size());
    put(&nd, sizeof nd);
    for (const auto& [c, p] : down_to_share_) {
      const std::array<std::uint32_t, 2> cp{c, p};
      put(cp.data(), sizeof cp);
    }
    down_to_share_.clear();
  }
  const std::vector<std::uint8_t> all = ranks_.allgather(mine);
  std::vector<std::pair<unsigned, unsigned>> down;
  std::size_t at = 0;
  auto get = [&all, &at](void* p, std::size_t k) {
    std::memcpy(p, all.data() + at, k);
    at += k;
  };
  for (unsigned r = 0; r < ranks_.size(); ++r) {
    get(&n, sizeof n);
    for (std::uint32_t i = 0; i < n; ++i) {
      Sent x;
      get(&x, sizeof x);
      if (r == ranks_.rank()) continue;
      Chip::End& e = chips_[x.chip]->end[x.port];
      e.ring[x.cycle % e.latency] = x.msg;
      ++e.busy;
    }
    get(&d, sizeof d);
    for (std::uint32_t i = 0; i < d; ++i) {
      std::uint32_t c = 0;
      std::uint8_t fl = 0;
      get(&c, sizeof c);
      get(&fl, 1);
      if (r != ranks_.rank()) chips_[c]->drained = fl;
    }
    if (!link_layer_) continue;
    std::uint32_t nw = 0, nd = 0;
    get(&nw, sizeof nw);
    for (std::uint32_t i = 0; i < nw; ++i) {
      SentWord x;
      get(&x, sizeof x);
      if (r == ranks_.rank()) continue;
      Chip::End& e = chips_[x.chip]->end[x.port];
      e.words[x.cycle % e.words.size()] = x.word;
    }
    get(&nd, sizeof nd);
    for (std::uint32_t i = 0; i < nd; ++i) {
      std::array<std::uint32_t, 2> cp{};
      get(cp.data(), sizeof cp);
      down.emplace_back(cp[0], cp[1]);
    }
  }
  if (!down.empty()) { // (exchanged after every cycle with the link layer: the cycle just run)
    std::sort(down.begin(), down.end());
    add_link_detections(down, cycle_);
  }
}

// the other ranks' optical messages due now, into this rank's OCSes (their drops are counted by
// the rank that owns the chip)
void Pod::deliver_mirrors() {
  for (const auto& [c, p] : mirror_ends_) {
    Chip::End& e = chips_[c]->end[p];
    if (link_layer_) {
      net::Wire& w = e.words[cycle_ % e.words.size()];
      if (!(armed_ && (e.failed || dark_[e.ocs * ocs_model_ports_ + e.ocs_port]))) ocs_[e.ocs]->word_in[e.ocs_port] = w;
      w = net::Wire{};
    }
    if (!e.busy) continue;
    LinkMsg& m = e.ring[cycle_ % e.latency];
    if (!m.any()) continue;
    if (!(armed_ && (e.failed || dark_[e.ocs * ocs_model_ports_ + e.ocs_port]))) {
      Ocs& o = *ocs_[e.ocs];
      o.in[e.ocs_port] = m;
      o.in_mask[e.ocs_port / 64].fetch_or(std::uint64_t{1} << (e.ocs_port % 64), std::memory_order_relaxed);
    }
    m = LinkMsg{};
    --e.busy;
  }
}

bool Pod::switching() const {
  for (const auto& o : ocs_)
    if (o->busy || !o->ops.empty()) return true;
  return false;
}

bool Pod::host_done(unsigned chip) const {
  check_chip(chip);
  std::uint8_t done = local(chip) && hosts_[chip].ops.empty();
  ranks_.bcast(&done, 1, owner(chip));
  return done != 0;
}

PodStats Pod::stats() const {
  PodStats s = st_;
  s.cycles = cycle_;
  std::uint64_t lost = 0;
  for (const auto& o : ocs_) { // (every rank has every OCS: their counts are the pod's)
    lost += o->with_model([](const auto& m) { return std::uint64_t{m.lost_o}; });
    s.flits_optical += o->flits;
  }
  s.lost = lost;
  // this rank's chips, then summed over the ranks
  std::array<std::uint64_t, 7> sum{s.chip_cycles, s.flits_electrical, s.fault_flits, 0, 0, 0, 0};
  std::uint64_t link_max = 0;
  for (unsigned c = first_rack_ * plan_.chips_per_rack(); c < last_rack_ * plan_.chips_per_rack(); ++c) {
    sum[3] += local_stat(c, chip::StPktsSent);
    sum[4] += local_stat(c, chip::StPktsRecv);
    if (plan_.site(c).slice < 0) continue;
    for (const auto& e : chips_[c]->end) {
      ++sum[5];
      sum[6] += e.flits;
      link_max = std::max(link_max, e.flits);
    }
  }
  ranks_.sum(sum.data(), sum.size());
  ranks_.max(&link_max, 1);
  s.chip_cycles = sum[0];
  s.flits_electrical = sum[1];
  s.fault_flits = sum[2];
  s.packets_sent = sum[3];
  s.packets_received = sum[4];
  s.link_flits_max = link_max;
  s.link_flits_mean = sum[5] ? double(sum[6]) / double(sum[5]) : 0;
  return s;
}

} // namespace phtpu::pod
