// rtl/ocs/ocs_switch.sv against C++ link endpoints: circuits carry flits and credits both ways,
// bad tables are refused with the old circuits kept, and the reconfiguration protocol loses no
// flit while every endpoint streams packets as fast as its credits allow.
//
// The endpoint model is the chip side of the protocol (ici_router out_hold_i / out_idle_o):
// it starts no packet while its link is down, finishes the one in progress, and reports
// drained once no packet is in progress and every credit is home. A receiver returns each
// credit two cycles after the flit. Every flit carries (sender, packet, index); the receiver
// checks it comes from the port that was its peer when the packet started, in order.
// The switch is the pod's (32 ports, 4 VCs: a credit line per VC of the chips' routers).
#include "Vocs_switch.h"
#include "coverage.hpp"
#include "ici_router_port.hpp"
#include "rtl_assert.hpp"
#include "verilated.h"

#include <catch2/catch.hpp>

#include <array>
#include <deque>
#include <map>
#include <random>
#include <vector>

namespace {

constexpr unsigned kPorts = 32, kVcs = phtpu::ici::kChipVcs, kDepth = 8, kNone = kPorts;
using phtpu::ici::get_field;
using phtpu::ici::set_field;

struct Endpoint {
  // sender
  unsigned credits[kVcs] = {kDepth, kDepth, kDepth, kDepth};
  bool in_packet = false;
  unsigned vc = 0, sent_in_packet = 0, len = 0, packet = 0;
  bool obey = true;      // false: ignores link_up (the negative control)
  bool stop = false;     // no new packets
  std::uint64_t flits_sent = 0;
  // receiver
  std::deque<std::pair<std::uint64_t, unsigned>> credit_due; // (cycle, vc)
  std::uint64_t flits_received = 0;
  std::map<unsigned, std::pair<unsigned, unsigned>> last; // sender -> (packet, index) seen last
};

struct Rig {
  VerilatedContext ctx;
  Vocs_switch m{&ctx, "ocs"};
  phtpu::CoverageOnExit coverage{ctx, "ocs"}; // after the model: written while it lives
  std::array<Endpoint, kPorts> ep{};
  std::array<int, kPorts> peer_at_start{}; // per sender: the peer its current packet goes to
  std::vector<int> peer = std::vector<int>(kPorts, -1);
  std::uint64_t cycle = 0;
  std::mt19937_64 rng{7};
  unsigned errors = 0;

  Rig() {
    phtpu::report_assertions(ctx);
    phtpu::make_current(ctx);
    m.drained_i = 0xFFFFFFFFu; // idle endpoints (traffic() recomputes it)
    phtpu::ici::reset(m);
  }
  ~Rig() { phtpu::make_current(ctx); }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;
  void tick() {
    phtpu::make_current(ctx);
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
    ++cycle;
    if (ctx.gotError()) phtpu::throw_if_failed(ctx, "the OCS at cycle " + std::to_string(cycle));
  }
  /// Configuration cycles carry no traffic (the endpoints pause).
  void quiet_links() {
    m.in_valid_i = 0;
    phtpu::ici::clear_vector(m.in_credit_i);
  }
  unsigned peer_of(unsigned p) {
    m.cfg_rd_port_i = static_cast<std::uint8_t>(p);
    m.eval();
    return m.cfg_rd_peer_o;
  }
  void stage(unsigned p, int q) {
    quiet_links();
    m.cfg_we_i = 1;
    m.cfg_port_i = static_cast<std::uint8_t>(p);
    m.cfg_peer_i = static_cast<std::uint8_t>(q < 0 ? kNone : static_cast<unsigned>(q));
    m.eval();
    tick();
    m.cfg_we_i = 0;
  }
  void commit(unsigned settle) {
    quiet_links();
    m.cfg_commit_i = 1;
    m.cfg_settle_i = settle;
    m.eval();
    tick();
    m.cfg_commit_i = 0;
  }
  /// One cycle of traffic on the ports in `active`.
  void traffic(const std::vector<unsigned>& active) {
    m.in_valid_i = m.in_head_i = m.in_tail_i = 0;
    m.in_vc_i = 0;
    phtpu::ici::clear_vector(m.in_credit_i);
    const std::uint32_t up = m.link_up_o;
    for (unsigned p : active) {
      Endpoint& e = ep[p];
      // credits owed by this receiver
      // one credit per VC per cycle (a credit line is a pulse): later ones wait a cycle
      while (!e.credit_due.empty() && e.credit_due.front().first <= cycle) {
        const unsigned bit = p * kVcs + e.credit_due.front().second;
        if (get_field(m.in_credit_i, bit, 1)) break;
        set_field(m.in_credit_i, bit, 1, 1);
        e.credit_due.pop_front();
      }
      const bool link_up = (up >> p) & 1u;
      if (!e.in_packet) {
        if (e.stop || (e.obey && !link_up)) continue;
        e.in_packet = true;
        e.vc = static_cast<unsigned>(rng() % kVcs);
        e.len = 1 + static_cast<unsigned>(rng() % 5);
        e.sent_in_packet = 0;
        ++e.packet;
        peer_at_start[p] = peer[p];
      }
      if (e.credits[e.vc] == 0) continue;
      --e.credits[e.vc];
      m.in_valid_i |= 1u << p;
      if (e.sent_in_packet == 0) m.in_head_i |= 1u << p;
      if (e.sent_in_packet + 1 == e.len) m.in_tail_i |= 1u << p;
      set_field(m.in_vc_i, 2 * p, 2, e.vc);
      m.in_data_i[p * 5 + 0] = p;
      m.in_data_i[p * 5 + 1] = e.packet;
      m.in_data_i[p * 5 + 2] = e.sent_in_packet;
      ++e.flits_sent;
      if (++e.sent_in_packet == e.len) e.in_packet = false;
    }
    // drained: no packet in progress, every credit home
    std::uint32_t drained = 0;
    for (unsigned p = 0; p < kPorts; ++p) {
      const Endpoint& e = ep[p];
      bool home = true;
      for (unsigned v = 0; v < kVcs; ++v) home = home && e.credits[v] == kDepth;
      if (!e.in_packet && home) drained |= 1u << p;
    }
    m.drained_i = drained;
    m.eval();
    // what the switch delivers this cycle
    const std::uint32_t ov = m.out_valid_o;
    for (unsigned q = 0; q < kPorts; ++q) {
      for (unsigned v = 0; v < kVcs; ++v)
        if (get_field(m.out_credit_o, q * kVcs + v, 1)) ++ep[q].credits[v];
      if (!((ov >> q) & 1u)) continue;
      const unsigned from = m.out_data_o[q * 5 + 0], pkt = m.out_data_o[q * 5 + 1], idx = m.out_data_o[q * 5 + 2];
      Endpoint& r = ep[q];
      ++r.flits_received;
      if (peer_at_start[from] != static_cast<int>(q)) ++errors; // delivered to the wrong chip
      auto it = r.last.find(from);
      if (idx == 0) {
        if (it != r.last.end() && pkt <= it->second.first) ++errors;
      } else if (it == r.last.end() || it->second.first != pkt || it->second.second + 1 != idx) {
        ++errors; // a flit of a packet went missing or arrived out of order
      }
      r.last[from] = {pkt, idx};
      r.credit_due.push_back({cycle + 2, get_field(m.out_vc_o, 2 * q, 2)});
    }
    tick();
  }
};

} // namespace

TEST_CASE("OCS circuits carry flits and credits both ways, and bad tables are refused", "[rtl][ocs]") {
  Rig r;
  for (unsigned p = 0; p < 4; ++p) r.stage(p, static_cast<int>(p ^ 1u)); // 0<->1, 2<->3
  r.commit(0);
  for (int i = 0; i < 40 && r.m.cfg_busy_o; ++i) r.tick();
  REQUIRE(!r.m.cfg_busy_o);
  REQUIRE(!r.m.cfg_rejected_o);
  for (unsigned p = 0; p < 4; ++p) {
    r.peer[p] = static_cast<int>(p ^ 1u);
    r.m.cfg_rd_port_i = static_cast<std::uint8_t>(p);
    r.m.eval();
    CHECK(r.m.cfg_rd_peer_o == (p ^ 1u));
  }
  CHECK((r.m.link_up_o & 0xFu) == 0xFu);
  CHECK((r.m.link_up_o >> 4) == 0); // unconnected ports are down
  for (int i = 0; i < 500; ++i) r.traffic({0, 1, 2, 3});
  CHECK(r.errors == 0);
  CHECK(r.ep[1].flits_received > 100);
  CHECK(r.ep[0].flits_received > 100);
  // refused tables: not mutual; a port paired with itself; out of range is impossible to stage
  // past the port field, so check "peer of a peer differs" and "self"
  for (const auto& bad : std::vector<std::vector<std::pair<unsigned, int>>>{{{0, 2}}, {{5, 5}}, {{4, 6}, {6, 7}}}) {
    for (auto [p, q] : bad) r.stage(p, q);
    r.commit(0);
    for (int i = 0; i < 40 && r.m.cfg_busy_o; ++i) r.tick();
    CHECK(r.m.cfg_rejected_o);
    for (unsigned p = 0; p < 4; ++p) {
      r.m.cfg_rd_port_i = static_cast<std::uint8_t>(p);
      r.m.eval();
      CHECK(r.m.cfg_rd_peer_o == (p ^ 1u)); // the old circuits stay
    }
  }
  CHECK(r.m.reconfigs_o == 1);
}

TEST_CASE("OCS reconfiguration under load loses no flit while ports not changed keep running", "[rtl][ocs]") {
  Rig r;
  for (unsigned p = 0; p < 6; ++p) r.stage(p, static_cast<int>(p ^ 1u)); // 0<->1, 2<->3, 4<->5
  r.commit(0);
  for (int i = 0; i < 40; ++i) r.tick();
  for (unsigned p = 0; p < 6; ++p) r.peer[p] = static_cast<int>(p ^ 1u);
  const std::vector<unsigned> all{0, 1, 2, 3, 4, 5};
  for (int i = 0; i < 300; ++i) r.traffic(all);
  // rewire 0<->2, 1<->3 under full load; 4<->5 is not touched
  const std::uint64_t before45 = r.ep[5].flits_received;
  r.stage(0, 2);
  r.stage(2, 0);
  r.stage(1, 3);
  r.stage(3, 1);
  r.commit(50);
  bool saw_down = false;
  std::uint64_t during45 = 0, start = r.cycle, dark_cycles = 0;
  while (r.m.cfg_busy_o) {
    // dark_o: only the changed ports, from the switch until they come up (the settle time)
    CHECK((r.m.dark_o & ~0xFu) == 0);
    CHECK((r.m.dark_o == 0 || r.m.dark_o == 0xFu));
    if (r.m.dark_o) {
      ++dark_cycles;
      CHECK((r.m.link_up_o & 0xFu) == 0);
    }
    // the new peers count from the switch (the senders sample peer[] when a packet starts)
    if (!(r.m.link_up_o & 1u)) saw_down = true;
    if (saw_down && r.peer[0] != 2 && (r.m.link_up_o & 1u) == 0) {
      // after the switch the down ports will come up with new peers: update the model at the
      // switch point, which is when every changed endpoint is drained (no packet can start
      // while down, so peer[] is only read again after UP)
      r.peer[0] = 2, r.peer[2] = 0, r.peer[1] = 3, r.peer[3] = 1;
    }
    r.traffic(all);
    during45 = r.ep[5].flits_received - before45;
    REQUIRE(r.cycle - start < 5000);
  }
  CHECK(saw_down);
  CHECK(r.cycle - start >= 50);       // the settle time passed
  CHECK(dark_cycles == 50 + 1);       // the switch's cycle and the settle time
  CHECK(r.m.dark_o == 0);
  CHECK(during45 > 0);                // the untouched circuit kept carrying traffic
  for (int i = 0; i < 300; ++i) r.traffic(all);
  for (auto& e : r.ep) e.stop = true;
  for (int i = 0; i < 100; ++i) r.traffic(all);
  std::uint64_t sent = 0, received = 0;
  for (unsigned p = 0; p < 6; ++p) {
    sent += r.ep[p].flits_sent;
    received += r.ep[p].flits_received;
  }
  CHECK(r.errors == 0);
  CHECK(sent == received); // nothing lost
  CHECK(r.m.lost_o == 0);
  CHECK(r.m.reconfigs_o == 2);
  CHECK(r.ep[2].last.count(0) == 1); // port 0's traffic now reaches port 2
}

namespace {
// Ports 0..3 paired, traffic, then a rewiring 0<->2, 1<->3 with a long settle, during which
// port 0 stops obeying link_up once its new circuit is switched in (it sends into the dark).
void disobey_during_settle(Rig& r) {
  for (unsigned p = 0; p < 4; ++p) r.stage(p, static_cast<int>(p ^ 1u));
  r.commit(0);
  for (int i = 0; i < 40; ++i) r.tick();
  for (unsigned p = 0; p < 4; ++p) r.peer[p] = static_cast<int>(p ^ 1u);
  const std::vector<unsigned> all{0, 1, 2, 3};
  for (int i = 0; i < 100; ++i) r.traffic(all);
  r.stage(0, 2);
  r.stage(2, 0);
  r.stage(1, 3);
  r.stage(3, 1);
  r.commit(100);
  for (int i = 0; i < 2000 && r.m.cfg_busy_o; ++i) {
    r.ep[0].obey = r.peer_of(0) != 2;
    r.traffic(all);
  }
}
} // namespace

TEST_CASE("OCS counts the flits of an endpoint that ignores the protocol", "[rtl][ocs]") {
  Rig r;
  r.ctx.assertOn(false); // the violation is provoked on purpose: lost_o is under test
  disobey_during_settle(r);
  CHECK(!r.m.cfg_busy_o);
  CHECK(r.m.lost_o > 0);
}

TEST_CASE("assertions: a flit into a dark port stops the run at once", "[rtl][ocs][assert]") {
  Rig r;
  CHECK_THROWS_AS(disobey_during_settle(r), phtpu::RtlAssertion);
  CHECK(r.m.lost_o == 1); // the assertion fired at the edge that counted the first one: nothing ran on
}

TEST_CASE("a commit while busy is refused, and the reconfiguration in progress completes with its own table",
          "[rtl][ocs]") {
  Rig r;
  for (unsigned p = 0; p < 4; ++p) r.stage(p, static_cast<int>(p ^ 1u)); // 0<->1, 2<->3
  r.commit(0);
  for (int i = 0; i < 40 && r.m.cfg_busy_o; ++i) r.tick();
  REQUIRE(!r.m.cfg_busy_o);
  // rewire to 0<->2, 1<->3 with a settle time, then commit again while it runs
  r.stage(0, 2);
  r.stage(2, 0);
  r.stage(1, 3);
  r.stage(3, 1);
  r.commit(30);
  r.tick();
  REQUIRE(r.m.cfg_busy_o);
  CHECK(!r.m.cfg_rejected_o);
  r.commit(0); // while busy: refused ...
  CHECK(r.m.cfg_rejected_o);
  CHECK(r.m.cfg_busy_o); // ... and the reconfiguration in progress goes on
  for (int i = 0; i < 200 && r.m.cfg_busy_o; ++i) r.tick();
  REQUIRE(!r.m.cfg_busy_o);
  CHECK(r.peer_of(0) == 2); // its own table took effect
  CHECK(r.peer_of(1) == 3);
  CHECK(r.m.reconfigs_o == 2);
  CHECK(r.m.cfg_rejected_o); // the refusal stays visible until the next commit
  // the next commit, while idle, is taken (nothing staged changes: a no-op reconfiguration)
  r.commit(0);
  CHECK(!r.m.cfg_rejected_o);
  for (int i = 0; i < 200 && r.m.cfg_busy_o; ++i) r.tick();
  CHECK(r.peer_of(0) == 2);
  CHECK(r.m.reconfigs_o == 3);
}

TEST_CASE("a circuit write while busy, or to no port, is refused and flagged, not dropped in silence", "[rtl][ocs]") {
  Rig r;
  for (unsigned p = 0; p < 2; ++p) r.stage(p, static_cast<int>(p ^ 1u));
  CHECK(!r.m.cfg_we_refused_o);
  r.commit(20);
  r.tick();
  REQUIRE(r.m.cfg_busy_o);
  r.stage(2, 3); // while busy
  CHECK(r.m.cfg_we_refused_o);
  for (int i = 0; i < 200 && r.m.cfg_busy_o; ++i) r.tick();
  REQUIRE(!r.m.cfg_busy_o);
  CHECK(r.m.cfg_we_refused_o); // sticky until the next commit is taken
  CHECK(r.peer_of(0) == 1);
  CHECK(r.peer_of(2) == kNone); // the refused write changed nothing
  // the refused write was never staged: committing now leaves port 2 unconnected
  r.commit(0);
  CHECK(!r.m.cfg_we_refused_o);
  for (int i = 0; i < 200 && r.m.cfg_busy_o; ++i) r.tick();
  CHECK(r.peer_of(2) == kNone);
  // a port number past the last is refused too
  r.stage(kPorts, 0);
  CHECK(r.m.cfg_we_refused_o);
  r.commit(0);
  for (int i = 0; i < 200 && r.m.cfg_busy_o; ++i) r.tick();
  CHECK(!r.m.cfg_we_refused_o);
  CHECK(!r.m.cfg_rejected_o);
  CHECK(r.peer_of(0) == 1);
}
