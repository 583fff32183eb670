// The scaled pod: the OCS configuration protocol and reconfiguration (pod.hpp).
#include "pod_internal.hpp"

namespace phtpu::pod {

// ---- OCS protocol ------------------------------------------------------------------------------
int Pod::ocs_peer(unsigned o, unsigned port) const {
  make_current(*ctx_);
  return ocs_.at(o)->with_model([&](auto& m) {
    m.cfg_rd_port_i = static_cast<std::uint8_t>(port);
    m.eval();
    return m.cfg_rd_peer_o == ocs_model_ports_ ? -1 : static_cast<int>(m.cfg_rd_peer_o);
  });
}

bool Pod::ocs_rejected() const {
  for (const auto& o : ocs_)
    if (o->with_model([](const auto& m) { return m.cfg_rejected_o != 0; })) return true;
  return false;
}

void Pod::ocs_commit_raw(unsigned o, const std::vector<int>& peers) {
  Ocs& oc = *ocs_.at(o);
  for (unsigned p = 0; p < peers.size(); ++p)
    oc.ops.push_back({false, p, peers[p] < 0 ? ocs_model_ports_ : static_cast<unsigned>(peers[p]), 0});
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
        ocs_[o]->ops.push_back({false, p, q < 0 ? ocs_model_ports_ : static_cast<unsigned>(q), 0});
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

} // namespace phtpu::pod
