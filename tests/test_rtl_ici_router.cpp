// rtl/ici/ici_router.sv against the routing oracle (coords/routing.cpp) and a scoreboard, at
// its default configuration (2 VCs, Vici_router) and as the chip builds it (4 VCs, a pair per
// message class, Vici_router_chip). Each case writes build/waves/ici_router_<name>.fst
// (PHTPU_WAVE_DIR overrides); open it with waves/ici_router.gtkw. Randomized cases print their
// seed (PHTPU_SEED reproduces a run).
#include "Vici_router.h"
#include "Vici_router_chip.h"
#include "ici_router_tb.hpp"

#include "test_seed.hpp"
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

using phext::SliceGeometry;
using phext::Vec3;
using phtpu::Dut;
using phtpu::ici::Flit;
using phtpu::ici::kBufDepth;
using phtpu::ici::kNetVcs;
using phtpu::net::Hop;
using phtpu::net::MsgClass;
using phtpu::net::Port;
using phtpu::net::Topology;

using IciRouterTb = phtpu::ici::RouterTb<Vici_router, kNetVcs>;
using ChipRouterTb = phtpu::ici::RouterTb<Vici_router_chip, phtpu::ici::kChipVcs>;
constexpr unsigned kNumVcs = kNetVcs;

namespace {

constexpr unsigned kLocal = static_cast<unsigned>(Port::Local);

struct Shape {
  const char* name;
  Vec3 slice, cube;
  bool twisted;
};

std::uint32_t tag_of(const Flit& f) {
  return f.head ? phtpu::ici::unpack_head(f.data).tag : f.data[0];
}

/// Input ports a flit can physically arrive on at `own` (links that exist, and local).
std::vector<unsigned> input_ports(const Topology& t, Vec3 own) {
  std::vector<unsigned> v;
  for (unsigned p = 0; p < phtpu::net::kNumLinkPorts; ++p)
    if (t.neighbor(own, static_cast<Port>(p))) v.push_back(p);
  v.push_back(kLocal);
  return v;
}

/// A destination that leaves `own` through `out` (must exist).
Vec3 dest_via(const Topology& t, Vec3 own, Port out) {
  for (unsigned i = 0; i < t.nodes(); ++i) {
    const Vec3 d = t.position(i);
    if (phtpu::net::next_hop(t, own, d, Port::Local, 0, kNumVcs).port == out) return d;
  }
  FAIL("no destination leaves through " << phtpu::net::port_name(out));
  return own;
}

} // namespace

TEST_CASE("route of every destination from every own position matches the oracle", "[rtl][ici][router]") {
  const Shape s = GENERATE(Shape{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                           Shape{"2x2x2 torus (k=2)", {2, 2, 2}, {2, 2, 2}, false},
                           Shape{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                           Shape{"4x8x8 twisted", {4, 8, 8}, {4, 4, 4}, true},
                           Shape{"4x4x8 regular", {4, 4, 8}, {4, 4, 4}, false},
                           Shape{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false},
                           Shape{"1x2x2 mesh", {1, 2, 2}, {4, 4, 4}, false},
                           Shape{"2x2x4 twisted", {2, 2, 4}, {2, 2, 2}, true});
  INFO(s.name << ", seed " << phtpu::test_seed());
  const SliceGeometry geo(s.slice, s.cube, {1, 2, 3});
  const Topology topo = Topology::of_slice(geo, s.twisted);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_route_all"));
  dut.reset();
  IciRouterTb tb(dut);
  std::mt19937_64 rng(phtpu::test_seed());
  std::uint64_t checked = 0;
  for (unsigned own_i = 0; own_i < topo.nodes(); ++own_i) {
    const Vec3 own = topo.position(own_i);
    REQUIRE(tb.configure(geo, topo, own));
    tb.clear_records();
    const std::vector<unsigned> ports = input_ports(topo, own);
    std::map<std::uint32_t, Hop> want;
    for (unsigned d = 0; d < topo.nodes(); ++d) {
      const unsigned p = ports[rng() % ports.size()];
      const unsigned vc = static_cast<unsigned>(rng() % kNumVcs);
      const Vec3 dest = topo.position(d);
      want[d] = phtpu::net::next_hop(topo, own, dest, static_cast<Port>(p), vc, kNumVcs);
      tb.offer(p, phtpu::ici::head_to(geo, own, dest, vc, d));
    }
    tb.drain();
    REQUIRE(tb.outputs().size() == topo.nodes());
    for (const auto& o : tb.outputs()) {
      const std::uint32_t tag = tag_of(o.flit);
      INFO("own " << phext::position_str(own) << " dest " << phext::position_str(topo.position(tag)));
      REQUIRE(want.count(tag) == 1);
      CHECK(static_cast<Port>(o.port) == want[tag].port);
      CHECK(o.flit.vc == want[tag].vc);
      want.erase(tag);
      ++checked;
    }
  }
  CHECK(checked == static_cast<std::uint64_t>(topo.nodes()) * topo.nodes());
  CHECK(dut->drop_zmismatch_o == 0);
  CHECK(dut->drop_out_of_shape_o == 0);
  CHECK(dut->err_overflow_o == 0);
}

TEST_CASE("zero load: a flit leaves two cycles after it is presented and its credit returns then", "[rtl][ici][router][timing]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_timing"));
  dut.reset();
  IciRouterTb tb(dut);
  const Vec3 own{1, 1, 1};
  REQUIRE(tb.configure(geo, topo, own));
  for (unsigned out = 0; out < phtpu::net::kNumPorts; ++out) {
    tb.clear_records();
    const Vec3 dest = dest_via(topo, own, static_cast<Port>(out));
    tb.offer(kLocal, phtpu::ici::head_to(geo, own, dest, 0, out));
    const unsigned before = tb.credits_returned(kLocal, 0);
    tb.steps(2);
    REQUIRE(tb.sent().size() == 1);
    REQUIRE(tb.outputs().size() == 1);
    CHECK(tb.outputs()[0].port == out);
    CHECK(tb.outputs()[0].cycle - tb.sent()[0].cycle == 2);
    CHECK(tb.credits_returned(kLocal, 0) == before + 1);
    tb.steps(3);
    CHECK(tb.outputs().size() == 1); // exactly once
  }
}

TEST_CASE("every input port and VC to every output port at one flit per cycle per port", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_port_pairs"));
  dut.reset();
  IciRouterTb tb(dut);
  const Vec3 own{1, 1, 1};
  REQUIRE(tb.configure(geo, topo, own));
  constexpr unsigned kFlits = 64;
  // shift s: input p streams to output (p + s) mod 7, so every output has one input
  for (unsigned s = 0; s < phtpu::net::kNumPorts; ++s) {
    for (unsigned vc = 0; vc < kNumVcs; ++vc) {
      INFO("shift " << s << " vc " << vc);
      tb.clear_records();
      for (unsigned p = 0; p < phtpu::net::kNumPorts; ++p) {
        const unsigned o = (p + s) % phtpu::net::kNumPorts;
        const Vec3 dest = dest_via(topo, own, static_cast<Port>(o));
        for (unsigned i = 0; i < kFlits; ++i)
          tb.offer(p, phtpu::ici::head_to(geo, own, dest, vc, p * 1000 + i));
      }
      const std::uint64_t start = dut.cycle();
      tb.drain(4);
      REQUIRE(tb.outputs().size() == kFlits * phtpu::net::kNumPorts);
      std::array<std::uint32_t, phtpu::net::kNumPorts> next{};
      std::uint64_t last = 0;
      for (const auto& o : tb.outputs()) {
        const std::uint32_t tag = tag_of(o.flit);
        const unsigned p = tag / 1000;
        CHECK(o.port == (p + s) % phtpu::net::kNumPorts);
        CHECK(tag % 1000 == next[p]++); // in order per stream
        last = std::max(last, o.cycle);
      }
      // full throughput: 64 flits per port in 64 cycles plus the 2-cycle pipeline (and the
      // credit loop of this test bench, which returns a credit one cycle after the flit)
      CHECK(last - start <= kFlits + 4);
    }
  }
}

TEST_CASE("backpressure: an output without credits stops after the buffer depth and resumes", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_backpressure"));
  dut.reset();
  IciRouterTb tb(dut);
  const Vec3 own{1, 1, 1};
  REQUIRE(tb.configure(geo, topo, own));
  const Vec3 dest{2, 1, 1}; // +X, not crossing the wrap: VC = dest x mod 2 = 0
  const Hop h = phtpu::net::next_hop(topo, own, dest, Port::Local, 0, kNumVcs);
  REQUIRE(h.port == Port::XP);
  tb.hold(static_cast<unsigned>(Port::XP), true);
  constexpr unsigned kN = 3 * kBufDepth;
  for (unsigned i = 0; i < kN; ++i)
    tb.offer(kLocal, phtpu::ici::head_to(geo, own, dest, 0, i));
  tb.steps(50);
  // the router sent one buffer's worth (the downstream credits), holds one buffer's worth,
  // and the source holds the rest for want of credits
  CHECK(tb.outputs().size() == kBufDepth);
  CHECK(tb.sent().size() == 2 * kBufDepth);
  CHECK(tb.credits_available(kLocal, 0) == 0);
  CHECK(dut->err_overflow_o == 0);
  tb.hold(static_cast<unsigned>(Port::XP), false);
  tb.drain();
  REQUIRE(tb.outputs().size() == kN);
  for (unsigned i = 0; i < kN; ++i) {
    CHECK(tag_of(tb.outputs()[i].flit) == i);
    CHECK(tb.outputs()[i].flit.vc == h.vc);
  }
  CHECK(tb.credits_returned(kLocal, 0) == kN);
  CHECK(tb.credits_available(kLocal, 0) == kBufDepth);
}

TEST_CASE("multi-flit packets hold their output VC from head to tail", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_wormhole"));
  dut.reset();
  IciRouterTb tb(dut);
  const Vec3 own{1, 1, 1};
  REQUIRE(tb.configure(geo, topo, own));
  const Vec3 dest{2, 1, 1};
  constexpr unsigned kLen = 5;
  // three inputs, one output VC: local, -Y and +Z inputs all turn onto +X with the same VC
  const unsigned ins[] = {kLocal, static_cast<unsigned>(Port::YM), static_cast<unsigned>(Port::ZP)};
  for (unsigned rep = 0; rep < 3; ++rep)
    for (unsigned in : ins) {
      const std::uint32_t tag = in * 100 + rep;
      tb.offer(in, phtpu::ici::head_to(geo, own, dest, rep % kNumVcs, tag, kLen));
      for (unsigned i = 1; i < kLen; ++i)
        tb.offer(in, phtpu::ici::body(rep % kNumVcs, tag, i, i + 1 == kLen));
    }
  tb.drain();
  REQUIRE(tb.outputs().size() == 3 * 3 * kLen);
  // on the output VC, every packet's flits are contiguous and in order
  std::uint32_t cur = 0;
  unsigned idx = 0;
  std::set<std::uint32_t> done;
  for (const auto& o : tb.outputs()) {
    REQUIRE(o.port == static_cast<unsigned>(Port::XP));
    if (o.flit.head) {
      REQUIRE(idx == 0);
      cur = tag_of(o.flit);
      REQUIRE(done.insert(cur).second);
    } else {
      REQUIRE(o.flit.data[0] == cur);
      REQUIRE(o.flit.data[2] == idx);
    }
    CHECK(o.flit.tail == (idx + 1 == kLen));
    idx = o.flit.tail ? 0 : idx + 1;
  }
  CHECK(done.size() == 9);
}

TEST_CASE("misaddressed packets are dropped, counted, and their credits returned", "[rtl][ici][router][drop]") {
  const SliceGeometry geo({4, 4, 8}, {4, 4, 4}, {1, 2, 3});
  const Topology topo = Topology::of_slice(geo, true);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_drops"));
  dut.reset();
  IciRouterTb tb(dut);
  const Vec3 own{3, 0, 6};
  REQUIRE(tb.configure(geo, topo, own));
  auto packet = [&](unsigned port, phtpu::ici::RawFields dest, unsigned len, std::uint32_t tag) {
    tb.offer(port, phtpu::ici::head_flit(dest, own, 0, tag, len));
    for (unsigned i = 1; i < len; ++i)
      tb.offer(port, phtpu::ici::body(0, tag, i, i + 1 == len));
  };
  const phtpu::ici::RawFields good = phtpu::raw_of(geo.phext_of_global({0, 0, 0}));
  phtpu::ici::RawFields other_slice = good, other_pod = good, out_x = good, zero = good, big_chip = good;
  other_slice[2] = 4; // series: slice 4, not 3
  other_pod[1] = 9;   // shelf: another pod
  out_x[3] = 2;       // collection 2: a second cube along x, the slice has one
  zero[6] = 0;        // chapter 0: malformed
  big_chip[8] = 5;    // scroll 5 > cube dimension 4
  packet(kLocal, other_slice, 3, 1);
  packet(static_cast<unsigned>(Port::XM), other_pod, 2, 2);
  packet(kLocal, out_x, 1, 3);
  packet(static_cast<unsigned>(Port::YP), zero, 4, 4);
  packet(kLocal, big_chip, 2, 5);
  packet(kLocal, good, 2, 6); // still routed afterwards
  tb.drain();
  CHECK(dut->drop_zmismatch_o == 2);
  CHECK(dut->drop_out_of_shape_o == 3);
  REQUIRE(tb.outputs().size() == 2);
  CHECK(tag_of(tb.outputs()[0].flit) == 6);
  CHECK(static_cast<Port>(tb.outputs()[0].port) ==
        phtpu::net::next_hop(topo, own, {0, 0, 0}, Port::Local, 0, kNumVcs).port);
  CHECK(tb.credits_returned(kLocal, 0) == 3 + 1 + 2 + 2);
  CHECK(tb.credits_returned(static_cast<unsigned>(Port::XM), 0) == 2);
  CHECK(tb.credits_returned(static_cast<unsigned>(Port::YP), 0) == 4);
}

namespace {
// Random multi-flit packets on every input port and VC of a router (both message classes when it
// has a VC pair per class) under random backpressure: every flit leaves exactly once, on the
// oracle's port and VC, packets whole and in order per input VC; afterwards every credit is home
// on both sides (the router's inputs and outputs): the credit accounting leaks nothing.
template <class Model, unsigned Vcs>
void random_traffic(const Shape& s, const char* wave) {
  using Tb = phtpu::ici::RouterTb<Model, Vcs>;
  const std::uint64_t seed = phtpu::test_seed();
  INFO(s.name << ", " << Vcs << " VCs, seed " << seed);
  const SliceGeometry geo(s.slice, s.cube);
  const Topology topo = Topology::of_slice(geo, s.twisted);
  Dut<Model> dut;
  dut.open_trace(phtpu::test_wave_path(wave));
  dut.reset();
  Tb tb(dut);
  std::mt19937_64 rng(seed);
  const Vec3 own = topo.position(static_cast<unsigned>(rng() % topo.nodes()));
  REQUIRE(tb.configure(geo, topo, own));
  const std::vector<unsigned> ports = input_ports(topo, own);
  struct Want {
    Hop hop;
    unsigned len;
    unsigned in_port, in_vc;
  };
  std::map<std::uint32_t, Want> want;
  std::uint32_t tag = 0;
  std::uint64_t flits = 0;
  std::vector<std::uint64_t> per_class(2, 0);
  for (unsigned round = 0; round < 40; ++round) {
    for (unsigned k = 0; k < 20; ++k) {
      const unsigned p = ports[rng() % ports.size()];
      const auto cls = static_cast<MsgClass>(rng() % 2);
      const unsigned vc = phtpu::net::class_vc_base(cls, Vcs) + static_cast<unsigned>(rng() % 2);
      const Vec3 dest = topo.position(static_cast<unsigned>(rng() % topo.nodes()));
      const unsigned len = 1 + static_cast<unsigned>(rng() % 4);
      want[tag] = {phtpu::net::next_hop(topo, own, dest, static_cast<Port>(p), vc, Vcs, cls), len, p, vc};
      tb.offer(p, phtpu::ici::head_to(geo, own, dest, vc, tag, len,
                                      cls == MsgClass::Response ? phtpu::ici::PktType::ReadResp
                                                                : phtpu::ici::PktType::Write));
      for (unsigned i = 1; i < len; ++i)
        tb.offer(p, phtpu::ici::body(vc, tag, i, i + 1 == len));
      flits += len;
      per_class[static_cast<unsigned>(cls)] += len;
      ++tag;
    }
    for (unsigned p = 0; p < phtpu::net::kNumPorts; ++p)
      tb.hold(p, rng() % 4 == 0);
    tb.steps(10 + static_cast<unsigned>(rng() % 20));
  }
  for (unsigned p = 0; p < phtpu::net::kNumPorts; ++p)
    tb.hold(p, false);
  tb.drain();
  REQUIRE(tb.outputs().size() == flits);
  REQUIRE(per_class[0] > 0);
  REQUIRE(per_class[1] > 0);
  // per output VC: whole packets, in order, on the oracle's port and VC
  std::map<std::pair<unsigned, unsigned>, std::pair<std::uint32_t, unsigned>> cur; // (port,vc) -> (tag, next index)
  std::map<std::pair<unsigned, unsigned>, std::uint32_t> last_from; // input (port,vc) -> last tag seen
  std::set<std::uint32_t> done;
  for (const auto& o : tb.outputs()) {
    auto& c = cur[{o.port, o.flit.vc}];
    if (o.flit.head) {
      REQUIRE(c.second == 0);
      c = {tag_of(o.flit), 0};
      const Want& w = want.at(c.first);
      CHECK(static_cast<Port>(o.port) == w.hop.port);
      CHECK(o.flit.vc == w.hop.vc);
      // packets from one input VC leave in the order they came
      auto it = last_from.find({w.in_port, w.in_vc});
      if (it != last_from.end()) CHECK(it->second < c.first);
      last_from[{w.in_port, w.in_vc}] = c.first;
    } else {
      REQUIRE(o.flit.data[0] == c.first);
      REQUIRE(o.flit.data[2] == c.second);
    }
    const unsigned len = want.at(c.first).len;
    REQUIRE(o.flit.tail == (c.second + 1 == len));
    if (o.flit.tail) {
      REQUIRE(done.insert(c.first).second);
      c = {0, 0};
    } else {
      ++c.second;
    }
  }
  CHECK(done.size() == want.size());
  // no credit leaked: ours all back from the router, the router's all back from us, every
  // output VC released (out_idle_o: no VC held, every credit home)
  for (unsigned p = 0; p < phtpu::net::kNumPorts; ++p)
    for (unsigned v = 0; v < Vcs; ++v) {
      CHECK(tb.credits_available(p, v) == kBufDepth);
      CHECK(tb.credits_owed(p, v) == 0);
    }
  CHECK(dut->out_idle_o == (1u << phtpu::net::kNumPorts) - 1);
  CHECK(dut->err_overflow_o == 0);
}
} // namespace

TEST_CASE("randomized multi-flit traffic with random backpressure against the oracle", "[rtl][ici][router][random]") {
  const Shape s = GENERATE(Shape{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                           Shape{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                           Shape{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false});
  random_traffic<Vici_router, kNetVcs>(s, "ici_router_random");
}

TEST_CASE("4 VCs, a pair per message class: random traffic of both classes against the oracle",
          "[rtl][ici][router][random][classes]") {
  const Shape s = GENERATE(Shape{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                           Shape{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                           Shape{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false});
  random_traffic<Vici_router_chip, phtpu::ici::kChipVcs>(s, "ici_router_chip_random");
}

TEST_CASE("4 VCs: a request and a response to one destination use their own class's VC pair",
          "[rtl][ici][router][classes]") {
  // hand-worked on the 4x4x4 torus from (2,0,0) to (0,0,0): +X up to the wrap link on the
  // pair's first VC, the wrap link on its second (requests 0 then 1, responses 2 then 3)
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router_chip> dut;
  dut.reset();
  ChipRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {2, 0, 0}));
  tb.offer(kLocal, phtpu::ici::head_to(geo, {2, 0, 0}, {0, 0, 0}, 0, 1, 1, phtpu::ici::PktType::ReadReq));
  tb.offer(kLocal, phtpu::ici::head_to(geo, {2, 0, 0}, {0, 0, 0}, 2, 2, 1, phtpu::ici::PktType::ReadData));
  tb.drain();
  REQUIRE(tb.outputs().size() == 2);
  for (const auto& o : tb.outputs()) {
    CHECK(static_cast<Port>(o.port) == Port::XP);
    CHECK(o.flit.vc == (tag_of(o.flit) == 1 ? 0u : 2u));
  }
  // at (3,0,0), arriving on -X: the next hop is the wrap link, the pair's second VC
  REQUIRE(tb.configure(geo, topo, {3, 0, 0}));
  tb.clear_records();
  tb.offer(static_cast<unsigned>(Port::XM), phtpu::ici::head_to(geo, {2, 0, 0}, {0, 0, 0}, 0, 3, 1));
  tb.offer(static_cast<unsigned>(Port::XM),
           phtpu::ici::head_to(geo, {2, 0, 0}, {0, 0, 0}, 2, 4, 1, phtpu::ici::PktType::ReadResp));
  tb.drain();
  REQUIRE(tb.outputs().size() == 2);
  for (const auto& o : tb.outputs()) {
    CHECK(static_cast<Port>(o.port) == Port::XP);
    CHECK(o.flit.vc == (tag_of(o.flit) == 3 ? 1u : 3u));
  }
}

TEST_CASE("configuration: an own coordinate outside the slice is reported", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const SliceGeometry bigger({4, 4, 8}, {4, 4, 4});
  Dut<Vici_router> dut;
  dut.reset();
  IciRouterTb tb(dut);
  CHECK(tb.configure(geo, Topology::of_slice(geo), {3, 3, 3}));
  // (0,0,5) exists in 4x4x8 but not in 4x4x4: program the 4x4x4 shape with that coordinate
  phtpu::ici::set_config(dut.model(), geo, Topology::of_slice(geo), {0, 0, 0});
  phtpu::ici::set_own(dut.model(), phtpu::raw_of(bigger.phext_of_global({0, 0, 5})));
  dut.tick();
  dut->cfg_we_i = 0;
  CHECK(dut->cfg_ok_o == 0);
}

TEST_CASE("a flit sent without a credit sets err_overflow_o", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.assertions(false); // the violation is provoked on purpose: the status output is under test
  dut.reset();
  IciRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {1, 1, 1}));
  tb.hold(static_cast<unsigned>(Port::XP), true);
  tb.ignore_credits(true);
  for (unsigned i = 0; i < 2 * kBufDepth + 1; ++i)
    tb.offer(kLocal, phtpu::ici::head_to(geo, {1, 1, 1}, {2, 1, 1}, 0, i));
  tb.steps(2 * kBufDepth);
  CHECK(dut->err_overflow_o == 0);
  tb.steps(4);
  CHECK(dut->err_overflow_o == 1);
}

TEST_CASE("a flit into a full buffer is an overflow even in the cycle the buffer pops", "[rtl][ici][router]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.open_trace(phtpu::test_wave_path("ici_router_overflow_pop"));
  dut.assertions(false); // the violation is provoked on purpose: the status output is under test
  dut.reset();
  IciRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {1, 1, 1}));
  tb.hold(static_cast<unsigned>(Port::XP), true);
  for (unsigned i = 0; i < 2 * kBufDepth; ++i)
    tb.offer(kLocal, phtpu::ici::head_to(geo, {1, 1, 1}, {2, 1, 1}, 0, i));
  tb.steps(40); // kBufDepth flits went downstream, kBufDepth fill the local VC 0 buffer
  REQUIRE(tb.outputs().size() == kBufDepth);
  REQUIRE(tb.credits_available(kLocal, 0) == 0);
  tb.hold(static_cast<unsigned>(Port::XP), false);
  tb.step(); // one credit comes back for +X VC 0; the router pops the local buffer at the next edge
  CHECK(dut->err_overflow_o == 0);
  tb.ignore_credits(true);
  tb.offer(kLocal, phtpu::ici::head_to(geo, {1, 1, 1}, {2, 1, 1}, 0, 99));
  tb.step(); // ... and this flit, sent without a credit, arrives at that same edge
  CHECK(tb.outputs().size() == kBufDepth + 1);
  CHECK(dut->err_overflow_o == 1);
}

// The RTL's assertions (ici_router.sv, `ifndef SYNTHESIS) stop a run at the first violation:
// mutants of a correct sender, each breaking one rule, must make Dut::tick throw.
TEST_CASE("assertions: a sender that ignores credits trips the buffer assertion at once", "[rtl][ici][router][assert]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.reset();
  IciRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {1, 1, 1}));
  tb.hold(static_cast<unsigned>(Port::XP), true);
  tb.ignore_credits(true);
  for (unsigned i = 0; i < 2 * kBufDepth + 1; ++i)
    tb.offer(kLocal, phtpu::ici::head_to(geo, {1, 1, 1}, {2, 1, 1}, 0, i));
  tb.steps(2 * kBufDepth); // 8 flits downstream, 8 in the local buffer: still legal
  CHECK_THROWS_AS(tb.steps(4), phtpu::RtlAssertion);
}

TEST_CASE("assertions: a credit returned twice trips the credit-counter assertion", "[rtl][ici][router][assert]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router> dut;
  dut.reset();
  IciRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {1, 1, 1}));
  tb.steps(2);
  // every output VC holds all its credits: one more is an overflow of the counter
  dut->out_credit_i = 1u << (static_cast<unsigned>(Port::YP) * kNetVcs);
  CHECK_THROWS_AS(dut.tick(), phtpu::RtlAssertion);
}

TEST_CASE("assertions: with 4 VCs a head on the other class's VC trips the class assertion",
          "[rtl][ici][router][assert][classes]") {
  const SliceGeometry geo({4, 4, 4}, {4, 4, 4});
  const Topology topo = Topology::of_slice(geo);
  Dut<Vici_router_chip> dut;
  dut.reset();
  ChipRouterTb tb(dut);
  REQUIRE(tb.configure(geo, topo, {1, 1, 1}));
  tb.offer(kLocal, phtpu::ici::head_to(geo, {1, 1, 1}, {2, 1, 1}, 0, 1, 1, phtpu::ici::PktType::ReadResp));
  CHECK_THROWS_AS(tb.steps(2), phtpu::RtlAssertion);
}
