// Transactor for one ici_router (rtl/ici/ici_router.sv) in a Dut<>: plays every neighbour.
//
// offer() queues flits per input port; each cycle step() presents the head of every port's
// queue if the router has a credit for its VC (credits start at the buffer depth and come
// back on in_credit_o), clocks the router, and records every output flit and every returned
// credit with its cycle. Output credits are returned from the cycle after a flit leaves, one
// per VC per cycle (the credit interface), unless that output port is held (backpressure) —
// then they are owed until hold(port, false).
// Any router configuration with 160-bit flits and 8-flit buffers: RouterTb<Vici_router, 2> (2 VCs,
// IciRouterTb), RouterTb<Vici_router_chip, 4> (the chip's router). Include the model header first.
#pragma once

#include "dut.hpp"
#include "ici_router_port.hpp"
#include "routing.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

namespace phtpu::ici {

template <class Model, unsigned Vcs>
class RouterTb {
public:
  static constexpr unsigned kVcs = Vcs;
  struct Out {
    unsigned port;
    Flit flit;
    std::uint64_t cycle; ///< cycle (Dut::cycle() after the edge) at which it appeared
  };
  struct Sent {
    unsigned port;
    Flit flit;
    std::uint64_t cycle; ///< cycle whose edge sampled it
  };

  explicit RouterTb(Dut<Model>& dut) : dut_(dut) {
    for (auto& p : credits_) p.fill(kBufDepth);
    dut_->in_valid_i = 0;
    dut_->out_credit_i = 0;
    dut_->cfg_we_i = 0;
  }

  /// Write the configuration registers (takes one cycle) and check cfg_ok_o.
  bool configure(const phext::SliceGeometry& geo, const net::Topology& topo, phext::Vec3 own) {
    set_config(dut_.model(), geo, topo, own);
    dut_->in_valid_i = 0;
    dut_.tick();
    dut_->cfg_we_i = 0;
    return dut_->cfg_ok_o != 0;
  }

  void offer(unsigned port, const Flit& f) { queue_[port].push_back(f); }
  void hold(unsigned port, bool on) { held_[port] = on; }

  /// One cycle.
  void step() {
    dut_->in_valid_i = 0;
    for (unsigned p = 0; p < net::kNumPorts; ++p) {
      if (queue_[p].empty()) continue;
      const Flit& f = queue_[p].front();
      if (!ignore_credits_ && credits_[p][f.vc] == 0) continue;
      if (credits_[p][f.vc] > 0) --credits_[p][f.vc];
      drive_input<Vcs>(dut_.model(), p, true, f);
      sent_.push_back({p, f, dut_.cycle()});
      queue_[p].pop_front();
    }
    // credits for the flits that left, one per VC per cycle, unless the port is held
    std::uint32_t oc = 0;
    for (unsigned p = 0; p < net::kNumPorts; ++p) {
      if (held_[p]) continue;
      for (unsigned v = 0; v < Vcs; ++v)
        if (owed_[p][v] > 0) {
          --owed_[p][v];
          oc |= 1u << (p * Vcs + v);
        }
    }
    set_field(dut_->out_credit_i, 0, net::kNumPorts * Vcs, oc);
    dut_.tick();
    for (unsigned p = 0; p < net::kNumPorts; ++p) {
      if (output_valid(dut_.model(), p)) {
        const Flit f = read_output<Vcs>(dut_.model(), p);
        outs_.push_back({p, f, dut_.cycle()});
        ++owed_[p][f.vc];
      }
      const unsigned c = input_credits<Vcs>(dut_.model(), p);
      for (unsigned v = 0; v < Vcs; ++v)
        if ((c >> v) & 1u) {
          ++credits_[p][v];
          ++credits_returned_[p][v];
        }
    }
  }
  void steps(unsigned n) {
    for (unsigned i = 0; i < n; ++i) step();
  }
  /// Step until every queue is empty and `quiet` cycles pass with no output.
  void drain(unsigned quiet = 8, unsigned limit = 100000) {
    unsigned q = 0;
    for (unsigned i = 0; i < limit && q < quiet; ++i) {
      const std::size_t before = outs_.size();
      step();
      bool pending = false;
      for (auto& qu : queue_) pending = pending || !qu.empty();
      q = (!pending && outs_.size() == before) ? q + 1 : 0;
    }
  }

  const std::vector<Out>& outputs() const { return outs_; }
  const std::vector<Sent>& sent() const { return sent_; }
  void clear_records() {
    outs_.clear();
    sent_.clear();
  }
  unsigned credits_returned(unsigned port, unsigned vc) const { return credits_returned_[port][vc]; }
  unsigned credits_available(unsigned port, unsigned vc) const { return credits_[port][vc]; }
  /// Credits the router is still owed for flits it sent (returned once the port is not held).
  unsigned credits_owed(unsigned port, unsigned vc) const { return owed_[port][vc]; }
  /// Send even without a credit (to provoke err_overflow_o).
  void ignore_credits(bool on) { ignore_credits_ = on; }

private:
  Dut<Model>& dut_;
  std::array<std::deque<Flit>, net::kNumPorts> queue_;
  std::array<std::array<unsigned, Vcs>, net::kNumPorts> credits_{};
  std::array<std::array<unsigned, Vcs>, net::kNumPorts> credits_returned_{};
  std::array<std::array<unsigned, Vcs>, net::kNumPorts> owed_{}; // credits owed to the router
  std::array<bool, net::kNumPorts> held_{};
  std::vector<Out> outs_;
  std::vector<Sent> sent_;
  bool ignore_credits_ = false;
};

} // namespace phtpu::ici
