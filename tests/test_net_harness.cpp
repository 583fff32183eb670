// The ICI network harness (sim/net/network.cpp): Verilated routers wired by topology.hpp.
// Every run checks on the fly that each flit is delivered exactly once, whole and in order
// per source/destination pair, and (check_routes) that every head hop equals the oracle's.
#include "network.hpp"

#include "dut.hpp" // test_wave_path
#include "test_seed.hpp"
#include <catch2/catch.hpp>
#include <algorithm>
#include <random>

using phext::Vec3;
using phtpu::net::NetConfig;
using phtpu::net::Network;
using phtpu::net::NetStats;
using phtpu::net::Traffic;

namespace {

struct Case {
  const char* name;
  Vec3 shape, cube;
  bool twisted;
};

NetConfig base(const Case& c) {
  NetConfig n;
  n.shape = c.shape;
  n.cube = c.cube;
  n.twisted = c.twisted;
  n.seed = phtpu::test_seed();
  n.check_routes = true;
  return n;
}

void require_complete(const NetStats& s) {
  CHECK(s.drained);
  CHECK(s.packets_delivered + s.misaddressed_sent == s.packets_injected);
  CHECK(s.drops_zmismatch + s.drops_out_of_shape == s.misaddressed_sent);
}

} // namespace

TEST_CASE("zero-load latency is 2 cycles per hop plus 1, plus the packet's extra flits", "[net][timing]") {
  const Case c = GENERATE(Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                          Case{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                          Case{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false});
  const unsigned flits = GENERATE(1u, 4u);
  INFO(c.name << ", " << flits << "-flit packets, seed " << phtpu::test_seed());
  NetConfig cfg = base(c);
  cfg.rate = 0;
  cfg.warmup = 0;
  cfg.measure = 1;
  cfg.packet_flits = flits;
  Network net(cfg);
  std::mt19937_64 rng(cfg.seed);
  const auto& t = net.topology();
  for (int i = 0; i < 150; ++i) {
    const Vec3 src = t.position(static_cast<unsigned>(rng() % t.nodes()));
    const Vec3 dst = t.position(static_cast<unsigned>(rng() % t.nodes()));
    std::uint32_t tag = 0;
    const std::uint64_t start = net.cycle();
    net.inject(src, dst, flits, &tag);
    for (int k = 0; k < 60; ++k) net.step(); // alone in the network
    const auto hops = net.journey(src, tag);
    const auto path = phtpu::net::route(t, src, dst, phtpu::ici::kNetVcs, static_cast<unsigned>(t.index(dst)) % 2);
    INFO("src " << phext::position_str(src) << " dst " << phext::position_str(dst));
    REQUIRE(hops.size() == path.size());
    const std::uint64_t h = path.size() - 1; // link hops
    for (std::size_t k = 0; k < hops.size(); ++k) {
      CHECK(hops[k].node == path[k].node);
      CHECK(hops[k].port == path[k].hop.port);
      CHECK(hops[k].cycle - start == 2 * k + 1); // the head leaves router k at 2k+1
    }
    CHECK(hops.back().cycle - start == 2 * h + 1);
  }
  const NetStats s = net.stats();
  CHECK(s.packets_delivered == 150);
  CHECK(s.flits_delivered == 150 * flits);
}

TEST_CASE("every flit is delivered exactly once and in order under load", "[net]") {
  const Case c = GENERATE(Case{"2x2x2 torus (k=2)", {2, 2, 2}, {2, 2, 2}, false},
                          Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                          Case{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                          Case{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false},
                          Case{"1x2x2 mesh", {1, 2, 2}, {4, 4, 4}, false});
  const unsigned flits = GENERATE(1u, 3u);
  INFO(c.name << ", " << flits << "-flit packets, seed " << phtpu::test_seed());
  NetConfig cfg = base(c);
  cfg.rate = 0.9;
  cfg.packet_flits = flits;
  cfg.warmup = 200;
  cfg.measure = 2000;
  Network net(cfg);
  const NetStats s = net.run();
  require_complete(s);
  CHECK(s.flits_delivered == s.flits_injected);
  CHECK(s.packets_delivered > 1000);
  CHECK(s.route_checks >= s.packets_delivered);
  CHECK(net.flits_buffered() == 0);
  CHECK(net.credits_missing() == 0);
}

TEST_CASE("4 VCs: requests and responses in their own virtual networks, every credit home at the end",
          "[net][classes]") {
  const Case c = GENERATE(Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                          Case{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                          Case{"2x4x4 mesh", {2, 4, 4}, {4, 4, 4}, false});
  const double share = GENERATE(0.0, 0.5, 1.0);
  INFO(c.name << ", response share " << share << ", seed " << phtpu::test_seed());
  NetConfig cfg = base(c);
  cfg.vcs = 4;
  cfg.response_share = share;
  cfg.rate = 0.9; // past saturation: every VC of the chosen classes fills
  cfg.packet_flits = 3;
  cfg.warmup = 200;
  cfg.measure = 1500;
  Network net(cfg);
  const NetStats s = net.run();
  require_complete(s);
  CHECK(s.flits_delivered == s.flits_injected);
  // every hop's port and VC was the oracle's for its class (check_routes), every packet arrived
  // on a VC of its class, in order per source, destination and class (the harness's checks)
  CHECK(s.route_checks >= s.packets_delivered);
  if (share == 0.0) CHECK(s.responses_delivered == 0);
  if (share == 1.0) CHECK(s.responses_delivered == s.packets_delivered);
  if (share == 0.5) {
    CHECK(s.responses_delivered > s.packets_delivered / 3);
    CHECK(s.responses_delivered < 2 * s.packets_delivered / 3);
  }
  CHECK(net.flits_buffered() == 0);
  CHECK(net.credits_missing() == 0);
}

TEST_CASE("misaddressed packets are dropped and counted and the network keeps running", "[net][drop]") {
  const Case c = GENERATE(Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false},
                          Case{"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true},
                          Case{"2x2x2 mesh", {2, 2, 2}, {4, 4, 4}, false});
  INFO(c.name << ", seed " << phtpu::test_seed());
  NetConfig cfg = base(c);
  cfg.rate = 0.4;
  cfg.packet_flits = 2;
  cfg.misaddressed = 0.1;
  cfg.warmup = 200;
  cfg.measure = 2000;
  Network net(cfg);
  const NetStats s = net.run();
  CHECK(s.misaddressed_sent > 100);
  CHECK(s.drops_zmismatch > 0);
  CHECK(s.drops_out_of_shape > 0);
  require_complete(s);
  CHECK(s.accepted > 0.3);
}

TEST_CASE("traffic patterns give their analytic hop counts on a 4x4x4 torus", "[net][traffic]") {
  // k = 4 rings: bit complement moves 3-2x, i.e. 1 hop per dimension (via the wrap for x=0,3);
  // tornado and neighbour move +1 per dimension: 3 hops in all three cases.
  NetConfig cfg = base({"4x4x4", {4, 4, 4}, {4, 4, 4}, false});
  cfg.rate = 0.2;
  cfg.warmup = 100;
  cfg.measure = 1000;
  for (Traffic t : {Traffic::BitComplement, Traffic::Tornado, Traffic::Neighbor}) {
    INFO(phtpu::net::traffic_name(t));
    cfg.traffic = t;
    Network net(cfg);
    const NetStats s = net.run();
    require_complete(s);
    CHECK(s.hops_avg == Approx(3.0));
    CHECK(s.hops_traversed == Approx(3.0)); // hops the head flits actually took on the links
  }
  // transpose (x,y,z) -> (z,y,x): |z-x| ring distances, mean over x,z of ringdist(z-x) on k=4
  // is (0+1+2+1)/4 per ordered pair component, and x, z both move: 2 * 1 = 2 hops on average.
  cfg.traffic = Traffic::Transpose;
  {
    Network net(cfg);
    const NetStats s = net.run();
    require_complete(s);
    CHECK(s.hops_avg == Approx(2.0).epsilon(0.03));
    CHECK(s.hops_traversed == Approx(2.0).epsilon(0.03));
  }
  // uniform over the 63 other chips: (64 * 3 * 1) / 63 hops
  cfg.traffic = Traffic::Uniform;
  {
    Network net(cfg);
    const NetStats s = net.run();
    require_complete(s);
    CHECK(s.hops_avg == Approx(192.0 / 63.0).epsilon(0.03));
    CHECK(s.hops_traversed == Approx(192.0 / 63.0).epsilon(0.03));
    CHECK(s.accepted == Approx(0.2).epsilon(0.1));
  }
  cfg.traffic = Traffic::Hotspot;
  cfg.hotspot_fraction = 0.05;
  {
    Network net(cfg);
    require_complete(net.run());
  }
}

TEST_CASE("traffic pattern names and bad configurations are rejected with a reason", "[net][cli]") {
  CHECK(phtpu::net::traffic_from_name("tornado") == Traffic::Tornado);
  CHECK_THROWS_WITH(phtpu::net::traffic_from_name("zigzag"), Catch::Contains("unknown traffic pattern 'zigzag'"));
  NetConfig cfg;
  cfg.rate = 1.5;
  CHECK_THROWS_WITH(phtpu::net::validate(cfg), Catch::Contains("injection rate"));
  cfg.rate = 0.1;
  cfg.packet_flits = 0;
  CHECK_THROWS_WITH(phtpu::net::validate(cfg), Catch::Contains("packet length"));
  cfg.packet_flits = 1;
  cfg.link_latency = 0;
  CHECK_THROWS_WITH(phtpu::net::validate(cfg), Catch::Contains("link latency"));
  cfg.link_latency = 1;
  cfg.measure = 0;
  CHECK_THROWS_WITH(phtpu::net::validate(cfg), Catch::Contains("measurement window"));
  cfg.measure = 1000;
  cfg.warmup = 1'000'000'000'001;
  CHECK_THROWS_WITH(phtpu::net::validate(cfg), Catch::Contains("limited to"));
  cfg.warmup = 1000;
  cfg.shape = {4, 4, 4};
  cfg.twisted = true;
  CHECK_THROWS_WITH(Network(cfg), Catch::Contains("n x n x 2n"));
  cfg.twisted = false;
  cfg.shape = {6, 4, 4};
  CHECK_THROWS(Network(cfg));
}

TEST_CASE("a flit lost on a link fails the run", "[net][fault]") {
  NetConfig cfg = base({"4x4x4", {4, 4, 4}, {4, 4, 4}, false});
  cfg.rate = 0.1;
  cfg.warmup = 100;
  cfg.measure = 500;
  cfg.watchdog_cycles = 2000;
  cfg.fault = NetConfig::Fault::DropFlit;
  cfg.fault_cycle = 300;
  Network net(cfg);
  CHECK_THROWS_WITH(net.run(), Catch::Contains("lost flit") && Catch::Contains("1 packets are undelivered"));
}

TEST_CASE("a packet delivered twice fails the run", "[net][fault]") {
  NetConfig cfg = base({"4x4x4", {4, 4, 4}, {4, 4, 4}, false});
  cfg.rate = 0.1;
  cfg.warmup = 100;
  cfg.measure = 500;
  cfg.fault = NetConfig::Fault::DuplicateHead;
  cfg.fault_cycle = 300;
  Network net(cfg);
  CHECK_THROWS_WITH(net.run(), Catch::Contains("twice"));
}

TEST_CASE("skipping idle routers changes nothing", "[net]") {
  const unsigned latency = GENERATE(1u, 3u);
  NetConfig cfg = base({"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true});
  cfg.rate = 0.05;
  cfg.packet_flits = 3;
  cfg.misaddressed = 0.05;
  cfg.link_latency = latency;
  cfg.warmup = 100;
  cfg.measure = 1500;
  Network skip(cfg);
  cfg.skip_idle = false;
  Network all(cfg);
  const NetStats a = skip.run(), b = all.run();
  CHECK(a.router_cycles < b.router_cycles); // it did skip
  CHECK(a.cycles == b.cycles);
  CHECK(a.packets_delivered == b.packets_delivered);
  CHECK(a.flits_delivered == b.flits_delivered);
  CHECK(a.latency_avg == b.latency_avg);
  CHECK(a.latency_max == b.latency_max);
  CHECK(a.head_link_hops == b.head_link_hops);
  CHECK(a.route_checks == b.route_checks);
  CHECK(a.drops_zmismatch + a.drops_out_of_shape == b.drops_zmismatch + b.drops_out_of_shape);
}

TEST_CASE("a traced run, every router clocked together, gives the results of an untraced one", "[net]") {
  // untraced, each router is driven, clocked and read out before the next one starts; traced,
  // all are driven, then clocked in one time step, then read out (the first 300 cycles here)
  const unsigned latency = GENERATE(1u, 3u);
  NetConfig cfg = base({"4x4x8 twisted", {4, 4, 8}, {4, 4, 4}, true});
  cfg.rate = 0.4;
  cfg.packet_flits = 2;
  cfg.vcs = 4;
  cfg.response_share = 0.5;
  cfg.link_latency = latency;
  cfg.warmup = 100;
  cfg.measure = 800;
  Network plain(cfg), traced(cfg);
  traced.open_trace(phtpu::test_wave_path("net_stepping_l" + std::to_string(latency)), 300);
  const NetStats a = plain.run(), b = traced.run();
  CHECK(a.cycles == b.cycles);
  CHECK(a.packets_delivered == b.packets_delivered);
  CHECK(a.flits_delivered == b.flits_delivered);
  CHECK(a.latency_avg == b.latency_avg);
  CHECK(a.latency_p99 == b.latency_p99);
  CHECK(a.latency_max == b.latency_max);
  CHECK(a.head_link_hops == b.head_link_hops);
  CHECK(a.route_checks == b.route_checks);
  CHECK(a.responses_delivered == b.responses_delivered);
  CHECK(b.router_cycles > a.router_cycles); // tracing clocked the idle routers too
}

TEST_CASE("the watchdog fails a run in which flits wait and nothing moves", "[net]") {
  NetConfig cfg = base({"2x2x2", {2, 2, 2}, {2, 2, 2}, false});
  cfg.rate = 0.5;
  cfg.stall_sinks = true; // sinks never return credits: the network fills and stops
  cfg.watchdog_cycles = 500;
  Network net(cfg);
  CHECK_THROWS_WITH(net.run(), Catch::Contains("deadlock or lost flit: no flit moved for 500 cycles"));
}

TEST_CASE("longer links add their latency to every hop and keep flow control exact", "[net][timing]") {
  NetConfig cfg = base({"4x4x4", {4, 4, 4}, {4, 4, 4}, false});
  cfg.link_latency = 5;
  cfg.rate = 0;
  cfg.warmup = 0;
  cfg.measure = 1;
  Network net(cfg);
  std::uint32_t tag = 0;
  net.inject({0, 0, 0}, {2, 2, 2}, 1, &tag);
  for (int k = 0; k < 100; ++k) net.step();
  const auto hops = net.journey({0, 0, 0}, tag);
  REQUIRE(hops.size() == 7);
  CHECK(hops.back().cycle == 1 + 6 * (1 + 5)); // router cycle + 5-cycle link per hop
  // and under load, credits over long links never overflow a buffer
  cfg.rate = 0.8;
  cfg.measure = 2000;
  Network loaded(cfg);
  require_complete(loaded.run());
}

TEST_CASE("flit field packing matches a bit-by-bit reference and head fields round-trip", "[net][flit]") {
  using namespace phtpu::ici;
  std::mt19937_64 r(phtpu::test_seed());
  for (int it = 0; it < 20000; ++it) {
    FlitData d{};
    for (auto& w : d) w = static_cast<std::uint32_t>(r());
    const FlitData before = d;
    const unsigned width = 1 + static_cast<unsigned>(r() % 64);
    const unsigned lsb = static_cast<unsigned>(r() % (kFlitBits - width + 1));
    const std::uint64_t v = r();
    set_bits(d, lsb, width, v);
    for (unsigned b = 0; b < kFlitBits; ++b) {
      const unsigned want = (b >= lsb && b < lsb + width) ? (v >> (b - lsb)) & 1u : (before[b / 32] >> (b % 32)) & 1u;
      REQUIRE(((d[b / 32] >> (b % 32)) & 1u) == want);
    }
    REQUIRE(get_bits(d, lsb, width) == (width == 64 ? v : v & ((std::uint64_t{1} << width) - 1)));
  }
  // the message class is the type's top bit, head bit 92: requests 0..3, responses 4 and 5
  for (const PktType t : {PktType::Write, PktType::ReadReq, PktType::EmbLookup, PktType::Collective})
    CHECK(phtpu::ici::class_of(t) == 0);
  for (const PktType t : {PktType::ReadResp, PktType::ReadData}) {
    CHECK(phtpu::ici::class_of(t) == 1);
    HeadFields r;
    r.type = t;
    CHECK(get_bits(pack_head(r), 92, 1) == 1);
  }
  HeadFields h;
  h.dest = {999, 1, 512, 3, 4, 5, 1023, 0, 7};
  h.type = PktType::Collective;
  h.len = 31;
  h.src = {1023, 0, 517};
  h.tag = 0xdeadbeef;
  const HeadFields back = unpack_head(pack_head(h));
  CHECK(back.dest == h.dest);
  CHECK(back.type == h.type);
  CHECK(back.len == h.len);
  CHECK(back.src == h.src);
  CHECK(back.tag == h.tag);
}

TEST_CASE("the latency histogram gives the sorted list's mean, ranks and quantiles, long latencies included",
          "[net][stats]") {
  std::mt19937_64 rng(phtpu::test_seed());
  for (const std::uint64_t top : {50ull, 70000ull, 5'000'000'000ull}) {
    CAPTURE(top);
    phtpu::net::LatencyHistogram h;
    std::vector<std::uint64_t> all;
    std::uniform_int_distribution<std::uint64_t> d(0, top);
    for (int i = 0; i < 5000; ++i) {
      // mostly short, some past the array of bins
      const std::uint64_t v = i % 7 == 0 ? d(rng) : d(rng) % 200;
      h.record(v);
      all.push_back(v);
    }
    std::sort(all.begin(), all.end());
    REQUIRE(h.count() == all.size());
    double sum = 0;
    for (auto v : all) sum += static_cast<double>(v);
    CHECK(h.mean() == sum / static_cast<double>(all.size())); // integer sums, exact in both
    for (std::size_t k : {std::size_t{0}, std::size_t{1}, all.size() / 2, all.size() - 2, all.size() - 1})
      CHECK(h.rank(k) == all[k]);
    for (double q : {0.0, 0.5, 0.99, 1.0})
      CHECK(h.quantile(q) == all[std::min(all.size() - 1, static_cast<std::size_t>(q * static_cast<double>(all.size())))]);
    CHECK_THROWS_AS(h.rank(all.size()), std::out_of_range);
  }
}

TEST_CASE("with the link layer a hop takes one cycle more: 3 a hop plus 1", "[net][link][timing]") {
  NetConfig cfg = base(Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false});
  cfg.rate = 0;
  cfg.warmup = 0;
  cfg.measure = 1;
  cfg.link_layer = true;
  Network net(cfg);
  std::mt19937_64 rng(cfg.seed);
  const auto& t = net.topology();
  for (int i = 0; i < 40; ++i) {
    const Vec3 src = t.position(static_cast<unsigned>(rng() % t.nodes()));
    const Vec3 dst = t.position(static_cast<unsigned>(rng() % t.nodes()));
    std::uint32_t tag = 0;
    const std::uint64_t start = net.cycle();
    net.inject(src, dst, 1, &tag);
    for (int k = 0; k < 60; ++k) net.step();
    const auto hops = net.journey(src, tag);
    for (std::size_t k = 0; k < hops.size(); ++k) CHECK(hops[k].cycle - start == 3 * k + 1);
  }
  CHECK(net.stats().packets_delivered == 40);
  CHECK(net.stats().links.crc_errors == 0);
}

TEST_CASE("with bit errors on every link every packet arrives once and in order, replayed", "[net][link]") {
  // the harness checks every delivery on the fly (exactly once, whole, in order per pair)
  for (const double ber : {1e-5, 1e-4}) {
    CAPTURE(ber);
    NetConfig cfg = base(Case{"4x4x4 torus", {4, 4, 4}, {4, 4, 4}, false});
    cfg.rate = 0.2;
    cfg.packet_flits = 4;
    cfg.warmup = 200;
    cfg.measure = 2000;
    cfg.link_layer = true;
    cfg.ber = ber;
    Network net(cfg);
    const NetStats s = net.run();
    require_complete(s);
    CHECK(s.links.links == 64 * 6);
    CHECK(s.links.frames_hit > 0);
    CHECK(s.links.crc_errors >= s.links.frames_hit); // every frame hit refused (control slots hit too)
    CHECK(s.links.replays > 0);
    CHECK(s.links.links_down == 0);
    CHECK(s.links.undetected == 0);   // no frame with a flipped bit delivered
    CHECK(s.links.overflows == 0);
    CHECK(s.links.flits_delivered < s.links.frames_sent); // the replays
    CHECK(net.flits_buffered() == 0);
    CHECK(net.credits_missing() == 0);
  }
}
