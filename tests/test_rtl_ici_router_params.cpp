// ici_router at non-default parameters: 4 VCs, 4-flit buffers, 192-bit flits (CMakeLists.txt
// verilates this configuration as Vici_router_4vc). Every route's port and VC is checked
// against the oracle with 4 VCs (both message classes), and backpressure stops a stream after
// exactly BufDepth flits.
#include "Vici_router_4vc.h"
#include "dut.hpp"
#include "ici_router_port.hpp"
#include "routing.hpp"

#include "test_seed.hpp"
#include <catch2/catch.hpp>
#include <deque>
#include <map>
#include <random>

using phext::SliceGeometry;
using phext::Vec3;
using phtpu::Dut;
using phtpu::net::Hop;
using phtpu::net::MsgClass;
using phtpu::net::Port;
using phtpu::net::Topology;

namespace {

constexpr unsigned kVcs = 4, kDepth = 4, kWords = 192 / 32, kNp = phtpu::net::kNumPorts;
using Model = Vici_router_4vc;

struct Sent {
  unsigned port, vc;
  phtpu::ici::FlitData data; // first 160 bits; the extra 32 bits carry the tag again
};

// A tiny driver for this configuration: offers flits per input port when credits allow,
// returns every output credit the next cycle unless the port is held, records outputs.
class Driver {
public:
  explicit Driver(Dut<Model>& d) : dut_(d) {
    for (auto& p : credits_) p.fill(kDepth);
    dut_->cfg_we_i = 0;
    dut_->in_valid_i = 0;
    dut_->out_credit_i = 0;
  }
  void offer(unsigned port, unsigned vc, const phtpu::ici::FlitData& d) { q_[port].push_back({port, vc, d}); }
  void hold(unsigned port, bool on) { held_[port] = on; }
  struct Out {
    unsigned port, vc;
    std::uint32_t tag, extra;
  };
  std::vector<Out> outs;
  void step() {
    unsigned valid = 0, vcs = 0;
    for (unsigned p = 0; p < kNp; ++p) {
      if (q_[p].empty() || credits_[p][q_[p].front().vc] == 0) continue;
      const Sent s = q_[p].front();
      q_[p].pop_front();
      --credits_[p][s.vc];
      valid |= 1u << p;
      vcs |= s.vc << (2 * p);
      for (unsigned w = 0; w < phtpu::ici::kFlitWords; ++w) dut_->in_data_i[p * kWords + w] = s.data[w];
      dut_->in_data_i[p * kWords + 5] = s.data[4]; // bits 160..191: the tag once more
    }
    dut_->in_valid_i = static_cast<std::uint8_t>(valid);
    dut_->in_head_i = static_cast<std::uint8_t>(valid);
    dut_->in_tail_i = static_cast<std::uint8_t>(valid);
    dut_->in_vc_i = static_cast<std::uint16_t>(vcs);
    std::uint32_t oc = 0;
    for (unsigned p = 0; p < kNp; ++p)
      if (!held_[p]) {
        oc |= owed_[p] << (p * kVcs);
        owed_[p] = 0;
      }
    dut_->out_credit_i = oc;
    dut_.tick();
    for (unsigned p = 0; p < kNp; ++p) {
      for (unsigned v = 0; v < kVcs; ++v)
        if ((dut_->in_credit_o >> (p * kVcs + v)) & 1u) ++credits_[p][v];
      if (!((dut_->out_valid_o >> p) & 1u)) continue;
      const unsigned vc = (dut_->out_vc_o >> (2 * p)) & 3u;
      owed_[p] |= 1u << vc;
      outs.push_back({p, vc, dut_->out_data_o[p * kWords + 4], dut_->out_data_o[p * kWords + 5]});
    }
  }
  void drain() {
    for (int i = 0; i < 2000; ++i) step();
  }
  unsigned credits(unsigned p, unsigned v) const { return credits_[p][v]; }

private:
  Dut<Model>& dut_;
  std::array<std::deque<Sent>, kNp> q_;
  std::array<std::array<unsigned, kVcs>, kNp> credits_{};
  std::array<unsigned, kNp> owed_{};
  std::array<bool, kNp> held_{};
};

phtpu::ici::FlitData head(const SliceGeometry& geo, Vec3 src, Vec3 dest, std::uint32_t tag,
                          MsgClass cls = MsgClass::Request) {
  return phtpu::ici::head_to(geo, src, dest, 0, tag, 1,
                             cls == MsgClass::Response ? phtpu::ici::PktType::ReadData : phtpu::ici::PktType::Write)
      .data;
}

} // namespace

TEST_CASE("4 VCs: every route's port and VC equals the oracle's with 4 VCs", "[rtl][ici][router][params]") {
  const bool twisted = GENERATE(false, true);
  const SliceGeometry geo(twisted ? Vec3{4, 4, 8} : Vec3{4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo, twisted);
  INFO(topo.describe() << ", seed " << phtpu::test_seed());
  Dut<Model> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_4vc_routes"));
  dut.reset();
  std::mt19937_64 rng(phtpu::test_seed());
  std::uint64_t checked = 0;
  for (unsigned own_i = 0; own_i < topo.nodes(); own_i += 3) {
    const Vec3 own = topo.position(own_i);
    phtpu::ici::set_config(dut.model(), geo, topo, own);
    dut.tick();
    REQUIRE(dut->cfg_ok_o);
    Driver drv(dut);
    std::map<std::uint32_t, Hop> want;
    for (unsigned d = 0; d < topo.nodes(); ++d) {
      unsigned p;
      do p = static_cast<unsigned>(rng() % kNp);
      while (p != kNp - 1 && !topo.neighbor(own, static_cast<Port>(p)));
      const unsigned vc = static_cast<unsigned>(rng() % kVcs); // its class is vc / 2
      const auto cls = static_cast<MsgClass>(vc / 2);
      want[d] = phtpu::net::next_hop(topo, own, topo.position(d), static_cast<Port>(p), vc, kVcs, cls);
      drv.offer(p, vc, head(geo, own, topo.position(d), d, cls));
    }
    drv.drain();
    REQUIRE(drv.outs.size() == topo.nodes());
    for (const auto& o : drv.outs) {
      INFO("own " << phext::position_str(own) << " dest " << phext::position_str(topo.position(o.tag)));
      REQUIRE(want.count(o.tag) == 1);
      CHECK(static_cast<Port>(o.port) == want[o.tag].port);
      CHECK(o.vc == want[o.tag].vc);
      CHECK(o.extra == o.tag); // the flit's upper 32 bits travel with it
      ++checked;
    }
  }
  CHECK(checked > 0);
  CHECK(dut->err_overflow_o == 0);
}

TEST_CASE("4-flit buffers: an output without credits stops after 4 flits and resumes", "[rtl][ici][router][params]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Model> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_4vc_backpressure"));
  dut.reset();
  const Vec3 own{1, 1, 1}, dest{2, 1, 1};
  phtpu::ici::set_config(dut.model(), geo, topo, own);
  dut.tick();
  Driver drv(dut);
  const Hop h = phtpu::net::next_hop(topo, own, dest, Port::Local, 2, kVcs, MsgClass::Response);
  REQUIRE(h.port == Port::XP);
  drv.hold(static_cast<unsigned>(Port::XP), true);
  for (std::uint32_t i = 0; i < 12; ++i)
    drv.offer(kNp - 1, 2, head(geo, own, dest, i, MsgClass::Response));
  for (int i = 0; i < 40; ++i) drv.step();
  CHECK(drv.outs.size() == kDepth);
  CHECK(drv.credits(kNp - 1, 2) == 0);
  drv.hold(static_cast<unsigned>(Port::XP), false);
  drv.drain();
  REQUIRE(drv.outs.size() == 12);
  for (std::uint32_t i = 0; i < 12; ++i) {
    CHECK(drv.outs[i].tag == i);
    CHECK(drv.outs[i].vc == h.vc);
  }
  CHECK(drv.credits(kNp - 1, 2) == kDepth);
  CHECK(dut->err_overflow_o == 0);
}
