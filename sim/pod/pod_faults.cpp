// The scaled pod: faults, their detection, and slice flushes (pod.hpp).
#include "pod_internal.hpp"

namespace phtpu::pod {

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
  return fmt::format("{} at chip {} port {} (cycle {})", how == How::LinkLayer ? "link layer down" : "link down", chip,
                     port < 6 ? ports[port] : "?", cycle);
}

void Pod::drop(Lane& lane, int slice, DropCause cause, bool valid, bool head, unsigned credit) {
  Drops& d = lane.drops[slice < 0 ? lane.drops.size() - 1 : static_cast<std::size_t>(slice)][static_cast<unsigned>(cause)];
  if (valid) {
    ++d.flits;
    ++lane.fault_flits;
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
  if (dark_[e.ocs * ocs_model_ports_ + e.ocs_port]) return true;
  const int q = plan_.peer(e.ocs, e.ocs_port);
  if (q < 0) return false; // unconnected: the OCS keeps it down anyway
  if (dark_[e.ocs * ocs_model_ports_ + static_cast<unsigned>(q)]) return true;
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
  case FaultKind::OcsPort: dark_[f.ocs * ocs_model_ports_ + f.ocs_port] = 1; break;
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
    if (!slice_waiting(s)) {
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
  // with the link layer, what the slice's links hold: per link, the heads its near end took and
  // its far end did not deliver, which the near end's replay buffer must hold (at most as many
  // as the flits it holds: checked where both ends are this rank's); the flits its replay buffer
  // holds are purged with it. The slice's links join only its own chips.
  std::uint64_t link_heads = 0;
  if (link_layer_)
    for (unsigned c : plan_.slice_chips(s)) {
      if (!local(c)) continue;
      for (unsigned p = 0; p < 6; ++p) {
        const Chip::End& a = chips_[c]->end[p];
        f.flits_purged += a.link->unacked();
        link_heads += a.heads_tx - a.heads_rx; // (modulo 2^64 per end and rank; the slice's sum is not negative)
        const auto far = far_end(c, p);
        if (!far || !local(far->first)) continue;
        const Chip::End& b = chips_[far->first]->end[far->second];
        if (a.heads_tx < b.heads_rx || a.heads_tx - b.heads_rx > a.link->unacked())
          throw std::logic_error(fmt::format("chip {} port {}: {} heads sent on the link, {} delivered at its far end, {} "
                                             "flits held for replay: harness accounting broken",
                                             c, p, a.heads_tx, b.heads_rx, a.link->unacked()));
      }
    }
  for (unsigned c : plan_.slice_chips(s)) {
    if (!local(c)) { // its rank flushes it (the counts are summed below); this rank's copies of its optical links empty
      for (auto& e : chips_[c]->end) {
        for (auto& m : e.ring) m = LinkMsg{};
        e.busy = 0;
        std::fill(e.words.begin(), e.words.end(), net::Wire{});
      }
      continue;
    }
    Chip& ch = *chips_[c];
    const std::uint64_t sent = local_stat(c, chip::StPktsSent), recv = local_stat(c, chip::StPktsRecv);
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
        drop(lanes_[0], static_cast<int>(s), DropCause::Purged, m.valid, m.flit.head, m.credit);
        m = LinkMsg{};
      }
      e.busy = 0;
      if (!link_layer_) continue;
      e.link->reset(); // both ends of every link of the slice start again from sequence number 0
      std::fill(e.words.begin(), e.words.end(), net::Wire{});
      e.word_in = net::Wire{};
      e.tx_valid = false;
      e.down_seen = false;
      e.heads_tx = e.heads_rx = 0;
    }
    ch.link_busy = 0;
    ch.in = {};
    ch.in_mask = 0;
    ch.credit_mask = 0;
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
  f.heads_purged += link_heads;
  std::array<std::uint64_t, 7> sum{f.pkts_sent, f.pkts_recv, f.heads_in_chips, f.host_ops, f.flits_purged, f.heads_purged,
                                   f.chips_reset};
  ranks_.sum(sum.data(), sum.size());
  f.pkts_sent = sum[0];
  f.pkts_recv = sum[1];
  f.heads_in_chips = sum[2];
  f.host_ops = sum[3];
  f.flits_purged = sum[4];
  f.heads_purged = sum[5];
  f.chips_reset = static_cast<unsigned>(sum[6]);
  merge_lanes(true); // the purged flits into drops_
  std::uint64_t heads = 0;
  for (DropCause c : {DropCause::DeadChip, DropCause::FailedLink, DropCause::FailedOcsPort})
    heads += drops_[s][static_cast<unsigned>(c)].heads;
  f.heads_dropped = heads - heads_dropped_at_flush_[s];
  heads_dropped_at_flush_[s] = heads;
  slice_last_move_[s] = cycle_;
  slice_timed_out_[s] = 0;
  return f;
}

} // namespace phtpu::pod
