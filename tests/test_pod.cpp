// The scaled pod on real RTL: OCS planner wiring (full 64-rack TPU v4 pod, link by link),
// slice isolation, every collective against its C++ reference, the distributed embedding
// lookup, the data-parallel step, and a run-time topology change through the OCS protocol
// with traffic running in another slice.
#include "collectives.hpp"
#include "pod.hpp"
#include "pod_specs.hpp"
#include "workloads.hpp"

#include "ici_flit.hpp"
#include "routing.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <utility>

using namespace phtpu;
using namespace phtpu::pod;

using phtpu::pod::test::cubes_pod;

namespace {

/// One collective run twice on slice 0, by algorithms a and b; both verified.
std::pair<RunResult, RunResult> by_two(Pod& pod, Collective c, std::uint64_t bytes, std::uint64_t seed, Algorithm a,
                                       Algorithm b) {
  const RunResult ra = run_collective(pod, c, 0, bytes, seed, a);
  const RunResult rb = run_collective(pod, c, 0, bytes, seed, b);
  INFO(ra.detail << " | " << rb.detail);
  REQUIRE(ra.ok);
  REQUIRE(rb.ok);
  return {ra, rb};
}

PodSpec small_pod() {
  PodSpec p;
  p.cube = 2;
  p.racks = 4;
  p.slices = {parse_slice("2x2x4"), parse_slice("2x2x4:twisted")};
  return p;
}
} // namespace

TEST_CASE("planner wires the full 64-rack TPU v4 pod link by link by the OCS rule", "[pod][planner]") {
  PodSpec spec;
  spec.cube = 4;
  spec.racks = 64;
  spec.spares = 4;
  // 16 + 16 + 4 + 8 + 3 + 4 + 8 + 1 = 60 racks in slices, 4 spares
  spec.slices = {parse_slice("8x8x16:twisted"), parse_slice("8x8x16"), parse_slice("4x8x8:twisted"),
                 parse_slice("8x8x8"),          parse_slice("4x4x12"), parse_slice("4x4x16"),
                 parse_slice("4x8x16"),         parse_slice("4x4x4")};
  const Plan plan(spec);
  REQUIRE(plan.ocs_count() == 48);  // docs/references.md §T2: 48 OCSes
  REQUIRE(plan.ocs_ports() == 128); // of 128 used ports
  unsigned circuits = 0;
  for (unsigned o = 0; o < 48; ++o)
    for (unsigned p = 0; p < 128; ++p) {
      const int q = plan.peer(o, p);
      if (q < 0) continue;
      ++circuits;
      // 1:1 and the +/- pairing rule: a + face link always meets a - face link
      REQUIRE(plan.peer(o, static_cast<unsigned>(q)) == static_cast<int>(p));
      REQUIRE((p % 2) != (static_cast<unsigned>(q) % 2));
    }
  // every optical link of every slice chip: the OCS of its dimension and face position joins
  // exactly the two racks the topology says
  unsigned checked = 0;
  for (unsigned s = 0; s < plan.slices().size(); ++s) {
    const SlicePlan& sp = plan.slices()[s];
    for (unsigned chip : plan.slice_chips(s)) {
      const ChipSite& site = plan.site(chip);
      for (int d = 0; d < 3; ++d) {
        const auto nb = sp.topo.neighbor(site.global, net::port_of(d, +1));
        REQUIRE(nb);
        const unsigned other = plan.chip_at(s, *nb);
        if (site.local[d] != 3) {
          // electrical: the neighbour is the next chip of the same rack
          REQUIRE(plan.site(other).rack == site.rack);
          continue;
        }
        const unsigned o = plan.ocs_of(d, Plan::face_index(d, site.local, 4));
        REQUIRE(plan.peer(o, 2 * site.rack) == static_cast<int>(2 * plan.site(other).rack + 1));
        REQUIRE(Plan::face_index(d, plan.site(other).local, 4) == Plan::face_index(d, site.local, 4));
        ++checked;
      }
    }
  }
  // 60 racks in slices, 16 links per face and dimension: 60 * 16 * 3 circuits, each counted twice
  CHECK(circuits == 2 * 60 * 16 * 3);
  CHECK(checked == 60 * 16 * 3);
  // spare racks are dark
  for (unsigned o = 0; o < 48; ++o)
    for (unsigned r = 60; r < 64; ++r) CHECK(plan.peer(o, 2 * r) == -1);
  // exports: one scroll per logical coordinate, JSON with every circuit
  CHECK(plan.to_json()["ocs"].size() == 48);
  CHECK(plan.routing_phext().size() > 1000);
}

TEST_CASE("planner rejects impossible pods with one-line errors", "[pod][planner]") {
  auto fails = [](PodSpec p) {
    try {
      Plan plan(p);
    } catch (const PlanError& e) {
      return std::string(e.what()).find('\n') == std::string::npos;
    }
    return false;
  };
  PodSpec p = small_pod();
  p.racks = 3;
  CHECK(fails(p)); // needs 4 racks
  p = small_pod();
  p.spares = 1;
  CHECK(fails(p));
  p = small_pod();
  p.slices = {parse_slice("2x2x6:twisted")};
  CHECK(fails(p)); // not n x n x 2n
  p = small_pod();
  p.slices = {parse_slice("2x2x3")};
  CHECK(fails(p)); // not whole cubes
  p = small_pod();
  p.cube = 3;
  CHECK(fails(p));
  CHECK_THROWS_AS(parse_slice("2x2x4:sideways"), PlanError);
  const Plan plan(small_pod());
  CHECK_THROWS_AS(plan.with_slice(0, parse_slice("2x2x2")), PlanError); // a different rack count
}

TEST_CASE("a two-slice pod runs every collective bit-exact, isolated, on real RTL", "[pod][collectives]") {
  Pod pod{Plan(small_pod())};
  for (Collective c : {Collective::AllReduce, Collective::AllReduceHier, Collective::ReduceScatter,
                       Collective::AllGather, Collective::AllToAll, Collective::Scatter, Collective::Gather})
    for (Algorithm a : {Algorithm::Concurrent, Algorithm::Logical, Algorithm::Sequential, Algorithm::Lanes, Algorithm::Translate})
      for (unsigned s = 0; s < 2; ++s) {
        try {
          (void)resolve_algorithm(c, a);
        } catch (const std::invalid_argument&) {
          continue; // not one of this collective's algorithms
        }
        const RunResult r = run_collective(pod, c, s, 16 * 64, 17 + s, a);
        INFO(r.name << " (" << r.algorithm << ") slice " << s << ": " << r.detail);
        CHECK(r.ok);
        CHECK(r.cycles > 0);
      }
  // no flit ever crossed into another slice or got lost
  for (unsigned chip = 0; chip < pod.chips(); ++chip) {
    CHECK(pod.stat(chip, chip::StDropZ) == 0);
    CHECK(pod.stat(chip, chip::StDropShape) == 0);
    CHECK(pod.stat(chip, chip::StBadPkts) == 0);
  }
  CHECK(pod.stats().lost == 0);
  CHECK(pod.stats().flits_optical > 0);
}

namespace {
// Every workload on the 64-chip 4x4x4 slice of 2x2x2 cubes (8 racks, as in pods/small.json), in
// the given order, with phtpu pod's embedding and data-parallel parameters: each one verified
// (collectives against their definition on every chip), then nothing lost anywhere. The order
// matters: the state one workload leaves in the routers meets the next one's traffic.
void run_in_order(const std::vector<std::string>& order) {
  Pod pod{Plan(cubes_pod(8, "4x4x4"))};
  for (const std::string& n : order) {
    RunResult r;
    if (n == "embedding") r = run_embedding(pod, 0, 16, 20, 256, 1.05, 1);
    else if (n == "dp") r = run_dp_step(pod, 0, 32, 1);
    else r = run_collective(pod, collective_from_name(n), 0, 4096, 1);
    INFO(n << ": " << r.detail);
    REQUIRE(r.ok);
  }
  std::uint64_t sent = 0, received = 0;
  for (unsigned chip = 0; chip < pod.chips(); ++chip) {
    sent += pod.stat(chip, chip::StPktsSent);
    received += pod.stat(chip, chip::StPktsRecv);
    CHECK(pod.stat(chip, chip::StBadPkts) == 0);
    CHECK(pod.stat(chip, chip::StDropZ) + pod.stat(chip, chip::StDropShape) == 0);
  }
  CHECK(sent == received);
  CHECK(sent > 10000);
  CHECK(pod.stats().lost == 0);
}
} // namespace

// Requests and responses once shared the router's VCs, and an embedding lookup after a scatter
// or an all-to-all stalled on this slice (a response could wait behind a request that waited for
// a response). With a virtual network per message class both orders finish.
TEST_CASE("the 64-chip slice runs every workload, a scatter right before the embedding lookup", "[pod][order]") {
  run_in_order({"allreduce", "reducescatter", "allgather", "allreduce-hier", "scatter", "embedding", "gather", "dp",
                "alltoall"});
}

TEST_CASE("the 64-chip slice runs every workload, an all-to-all right before the embedding lookup", "[pod][order]") {
  run_in_order({"dp", "gather", "alltoall", "embedding", "scatter", "allgather", "reducescatter", "allreduce-hier",
                "allreduce"});
}

// The write pipeline serves both message classes, a response word whenever one is offered, so a
// response's word and a request's word to one address may be written in consecutive cycles; the
// second then reads the address in the cycle the first is written, and the pipeline forwards
// the first's word. Here chip a's read of chip b (read data: a response) and chip c's fp32-add
// (a request) land on the same word of a, with c's add started 0..39 host cycles later: the word
// must end as either the read data (the add came first, then the data overwrote it) or the data
// plus the addend (the data first). Without the forward the add that follows the data by one
// cycle reads the old word: with the forward disabled (a mutant of chip_top) this test fails at
// the 10th offset.
TEST_CASE("a response word and a request add to the same address, back to back, are both applied in order",
          "[pod][chip]") {
  Pod pod{Plan(cubes_pod(1, "2x2x2"))};
  const auto chips = pod.plan().slice_chips(0);
  const unsigned a = chips[0], b = chips[1], c = chips[2];
  const chip::Word old{0x3f800000u, 0x3f800000u, 0x3f800000u, 0x3f800000u};   // 1.0
  const chip::Word data{0x40000000u, 0x40000000u, 0x40000000u, 0x40000000u};  // 2.0
  const chip::Word addend{0x40800000u, 0x40800000u, 0x40800000u, 0x40800000u}; // 4.0
  const chip::Word data_then_add{0x40c00000u, 0x40c00000u, 0x40c00000u, 0x40c00000u}; // 6.0
  std::set<std::string> seen;
  for (std::uint32_t k = 0; k < 40; ++k) {
    const std::uint32_t x = 100 + k;
    pod.poke(a, x, old);
    pod.poke(b, 500, data);
    pod.poke(c, 500, addend);
    pod.dma(a, b, chip::DmaRead, 1, x, 500, 1);
    for (std::uint32_t d = 0; d < k; ++d) pod.write(c, chip::kRegionMem | 9000, {}); // k cycles later
    pod.dma(c, a, chip::DmaAdd, 2, 500, x, 1);
    pod.run_until_quiet(10000, "read and add race");
    const chip::Word got = pod.peek(a, x);
    INFO("add started " << k << " host cycles after the read: " << std::hex << got[0]);
    REQUIRE((got == data || got == data_then_add));
    seen.insert(got == data ? "add first" : "data first");
  }
  CHECK(seen.size() == 2); // the race went both ways, so the two met in between
}

// The concurrent reduce-scatter's phases add into the range each chip owns from two lanes in
// turn; without the token handshake between phases (collectives.cpp) the 2x2x4 slice's 64 KiB
// reduce-scatter and all-reduce lost adds (a sum off by whole terms) and its 16 KiB ones added
// in another order than the reference.
TEST_CASE("concurrent reduce-scatter and all-reduce on 2x2x4: phases hand over, every add applied in order",
          "[pod][collectives][lanes]") {
  Pod pod{Plan(cubes_pod(4, "2x2x4"))};
  for (Collective c : {Collective::ReduceScatter, Collective::AllReduce})
    for (std::uint64_t bytes : {16384u, 65536u}) {
      const RunResult r = run_collective(pod, c, 0, bytes, 3, Algorithm::Concurrent);
      INFO(r.name << " " << bytes << " B: " << r.detail);
      CHECK(r.ok);
    }
}

// The chip drives its six links at once: the concurrent all-reduce's bus bandwidth (nccl-tests
// convention, 2(n-1)/n x bytes / cycles per chip) on the 64-chip torus at 64 KiB is at least 40
// bytes per chip per cycle (a link moves 16), and at least three times the sequential one's
// (one send lane, one dimension at a time). Cycle counts are exact, so this is no timing test.
TEST_CASE("the 4x4x4 all-reduce at 64 KiB: at least 40 B per chip per cycle, three times the sequential one",
          "[pod][collectives][lanes]") {
  Pod pod{Plan(cubes_pod(8, "4x4x4"))};
  const auto [con, seq] = by_two(pod, Collective::AllReduce, 65536, 5, Algorithm::Concurrent, Algorithm::Sequential);
  const double busbw = 65536.0 / double(con.cycles) * 2 * 63 / 64; // by hand, not r.busbw
  CHECK(busbw >= 40);
  CHECK(seq.cycles >= 3 * con.cycles);
}

// On a twisted torus the concurrent rings follow the twisted wraps (schedules.hpp): the 4x4x8
// all-reduce's first phase then runs rings of 8 links on every dimension, where the logical
// rings' wrap hop crosses back over the links of the other direction. Their later phases close
// with a routed hop, from a chip that is no neighbour: that hop has a class of its own, else a
// chip counts two senders' words in one class, and one that runs ahead makes the count lie
// (with one class per link, the 4 and 16 KiB all-reduce and all-gather here forwarded words
// before they had arrived). Cycle counts are exact, so the ratio is no timing test.
TEST_CASE("twisted 4x4x8: the concurrent rings follow the twisted wraps, verified, 1.5 times the logical all-reduce",
          "[pod][collectives][lanes][twisted]") {
  Pod pod{Plan(cubes_pod(16, "4x4x8:twisted"))};
  for (Collective c : {Collective::AllReduce, Collective::AllGather, Collective::ReduceScatter}) {
    const RunResult r = run_collective(pod, c, 0, 4096, 7, Algorithm::Concurrent);
    INFO(r.name << ": " << r.detail);
    CHECK(r.ok);
  }
  const auto [con, log] = by_two(pod, Collective::AllReduce, 65536, 5, Algorithm::Concurrent, Algorithm::Logical);
  CHECK(2 * log.cycles >= 3 * con.cycles);
}

// The relay all-to-all sends every block one link at a time, stored on each chip of its way, so
// no flit ever passes a router's injection (the direct all-to-all's limit: the routers'
// round-robin starves a chip's own traffic behind what passes through, docs/model.md). On the
// 64-chip torus at 32 KiB it must take at most half the cycles of the direct one by first-hop
// lanes. Cycle counts are exact, so the ratio is no timing test.
TEST_CASE("the relay all-to-all on 4x4x4: verified, at most half the cycles of the direct one",
          "[pod][collectives][lanes][relay]") {
  Pod pod{Plan(cubes_pod(8, "4x4x4"))};
  const auto [relay, direct] = by_two(pod, Collective::AllToAll, 32768, 9, Algorithm::Relay, Algorithm::Lanes);
  CHECK(2 * relay.cycles <= direct.cycles);
  // 64 KiB does not fit: the blocks a chip forwards need more words than the memory has left
  CHECK_THROWS_AS(build_schedule(Collective::AllToAll, pod.plan(), 0, 0, 4096, 4096, Algorithm::Relay), PlanError);
}

TEST_CASE("the collective reference sums: 16 chips of 1.0 all-reduce to 16.0", "[pod][collectives]") {
  // the reference that the RTL runs are compared with, checked against a hand value
  const Plan plan(small_pod());
  const Schedule sch = build_schedule(Collective::AllReduce, plan, 0, 0, 8, 0);
  Memory m;
  for (unsigned c : plan.slice_chips(0)) m[c].assign(8, chip::Word{0x3f800000u, 0x3f800000u, 0x3f800000u, 0x3f800000u});
  run_reference(sch, m);
  for (auto& [c, w] : m)
    for (auto& word : w) CHECK(word[0] == 0x41800000u); // 16 chips x 1.0 = 16.0
}

TEST_CASE("packets addressed to another slice are dropped, never delivered", "[pod][isolation]") {
  Pod pod{Plan(small_pod())};
  const auto a = pod.plan().slice_chips(0), b = pod.plan().slice_chips(1);
  // chip a[0] writes to b[1]'s coordinate: same Y/X arms exist in slice 1, but its Z arm differs
  pod.poke(a[0], 0, {1, 2, 3, 4});
  pod.poke(b[1], 100, {9, 9, 9, 9});
  pod.dma(a[0], b[1], chip::DmaWrite, 0, 0, 100, 1);
  pod.run_until_quiet(10000, "isolation");
  CHECK(pod.peek(b[1], 100) == chip::Word{9, 9, 9, 9});
  std::uint32_t drops = 0;
  for (unsigned c : a) drops += pod.stat(c, chip::StDropZ);
  CHECK(drops == 1);
  for (unsigned c : b) CHECK(pod.stat(c, chip::StWordsWritten) == 0);
}

TEST_CASE("distributed embedding lookup and the data-parallel step are verified", "[pod][embedding]") {
  Pod pod{Plan(small_pod())};
  const RunResult e = run_embedding(pod, 1, 8, 12, 64, 1.05, 5);
  INFO(e.detail);
  CHECK(e.ok);
  const RunResult d = run_dp_step(pod, 0, 16, 3);
  INFO(d.detail);
  CHECK(d.ok);
}

TEST_CASE("embedding lookup on a 128-chip slice: owners computed from the slice geometry, beyond the shard map",
          "[pod][embedding]") {
  // 16 racks of 2x2x2 cubes as one 4x4x8 slice: more chips than the chip's 64-entry shard map
  Pod pod{Plan(cubes_pod(16, "4x4x8"))};
  REQUIRE(pod.plan().slice_chips(0).size() == 128);
  const RunResult e = run_embedding(pod, 0, 8, 12, 64, 1.05, 11);
  INFO(e.detail);
  CHECK(e.ok);
  std::uint64_t served = 0;
  for (unsigned chip : pod.plan().slice_chips(0)) {
    served += pod.stat(chip, chip::StLookupsServed);
    CHECK(pod.stat(chip, chip::StDropZ) + pod.stat(chip, chip::StDropShape) == 0);
  }
  CHECK(served > 0);
}

TEST_CASE("a slice turns twisted through the OCS protocol while the other keeps running", "[pod][ocs]") {
  PodSpec spec = small_pod();
  spec.slices = {parse_slice("2x2x4"), parse_slice("2x2x4")};
  spec.settle_cycles = 300;
  Pod pod{Plan(spec)};
  // slice 0 runs an all-to-all while slice 1 is rewired to a twisted torus
  const Plan next = pod.plan().with_slice(1, parse_slice("2x2x4:twisted"));
  std::mt19937_64 rng(1);
  const Schedule sch = build_schedule(Collective::AllToAll, pod.plan(), 0, 0, 8 * 32, 8 * 32);
  Memory ref;
  for (unsigned c : pod.plan().slice_chips(0)) {
    ref[c].assign(kMemWords, chip::Word{});
    for (unsigned a = 0; a < 512; ++a) {
      chip::Word w{static_cast<std::uint32_t>(rng()), 1, 2, 3};
      ref[c][a] = w;
      pod.poke(c, a, w);
    }
  }
  run_reference(sch, ref);
  submit(pod, sch);
  for (int i = 0; i < 20; ++i) pod.step(); // traffic in flight
  const std::uint64_t took = pod.reconfigure(next);
  CHECK(took >= spec.settle_cycles);
  pod.program_routing(next, 1);
  pod.run_until_quiet(1000000, "after reconfiguration");
  for (const auto& [c, w] : ref)
    for (unsigned a = 256; a < 512; ++a) REQUIRE(pod.peek(c, a) == w[a]);
  CHECK(pod.stats().lost == 0);
  CHECK(pod.stats().reconfigurations == 1);
  // the twisted slice works: its all-reduce is exact
  const RunResult r = run_collective(pod, Collective::AllReduce, 1, 16 * 32, 9);
  INFO(r.detail);
  CHECK(r.ok);
  // the OCS now holds the twisted circuits
  for (unsigned o = 0; o < next.ocs_count(); ++o)
    for (unsigned p = 0; p < next.ocs_ports(); ++p) CHECK(pod.ocs_peer(o, p) == next.peer(o, p));
}

TEST_CASE("the OCS refuses a bad configuration and keeps its circuits", "[pod][ocs]") {
  Pod pod{Plan(small_pod())};
  const int before = pod.ocs_peer(0, 0);
  std::vector<int> bad(8, -1);
  bad[0] = 3;
  bad[3] = 5; // not mutual
  bad[5] = 3;
  pod.ocs_commit_raw(0, bad);
  pod.run_until_quiet(10000, "bad commit");
  CHECK(pod.ocs_rejected());
  CHECK(pod.ocs_peer(0, 0) == before);
  // the pod still works
  const RunResult r = run_collective(pod, Collective::AllReduce, 0, 16 * 16, 4);
  CHECK(r.ok);
}

TEST_CASE("chip DMA: host bus writes, remote reads answered by write-backs, adds, long transfers", "[pod][chip]") {
  Pod pod{Plan(small_pod())};
  const auto a = pod.plan().slice_chips(0);
  const unsigned x = a[0], y = a[13]; // different racks: the path crosses an OCS
  REQUIRE(pod.plan().site(x).rack != pod.plan().site(y).rack);
  // the host bus writes memory
  for (std::uint32_t i = 0; i < 40; ++i) pod.write(y, chip::kRegionMem | (200 + i), {i, i * 3, i * 5, 0xABCD0000u + i});
  pod.run_until_quiet(10000, "host writes");
  for (std::uint32_t i = 0; i < 40; ++i) REQUIRE(pod.peek(y, 200 + i) == chip::Word{i, i * 3, i * 5, 0xABCD0000u + i});
  // x reads 40 words of y (3 write-back packets of up to 16 words), and a zero-length read is ignored
  pod.dma(x, y, chip::DmaRead, 0, 1000, 200, 40);
  pod.dma(x, y, chip::DmaRead, 0, 2000, 200, 0);
  pod.run_until_quiet(10000, "remote read");
  for (std::uint32_t i = 0; i < 40; ++i) REQUIRE(pod.peek(x, 1000 + i) == pod.peek(y, 200 + i));
  CHECK(pod.peek(x, 2000) == chip::Word{});
  CHECK(pod.stat(y, chip::StReadsServed) == 1);
  CHECK(pod.stat(x, chip::StRespWords) == 40);
  CHECK(pod.stat(x, chip::StWordsWritten) == 40);
  // adds: twice the same 17 words (the second one back to back with the first) give 2x + y
  const chip::Word one{0x3f800000u, 0x40000000u, 0xbf800000u, 0x00000000u}; // 1, 2, -1, 0
  for (std::uint32_t i = 0; i < 17; ++i) {
    pod.poke(x, 3000 + i, one);
    pod.poke(y, 3000 + i, {0x40400000u, 0x40400000u, 0x40400000u, 0x40400000u}); // 3
  }
  pod.dma(x, y, chip::DmaAdd, 5, 3000, 3000, 17);
  pod.dma(x, y, chip::DmaAdd, 5, 3000, 3000, 17);
  pod.run_until_quiet(10000, "adds");
  for (std::uint32_t i = 0; i < 17; ++i)
    REQUIRE(pod.peek(y, 3000 + i) == chip::Word{0x40a00000u, 0x40e00000u, 0x3f800000u, 0x40400000u}); // 5, 7, 1, 3
  CHECK(pod.stat(y, chip::sem_stat(true, 5)) == 34);
  CHECK(pod.stat(y, chip::StWordsAdded) == 34);
  // packets: x sent 1 read request and 2 x (16 + 1)-word adds; y answered with 3 write-backs
  CHECK(pod.stat(x, chip::StPktsSent) == 5);
  CHECK(pod.stat(y, chip::StPktsRecv) == 5);
  CHECK(pod.stat(y, chip::StPktsSent) == 3);
  CHECK(pod.stat(x, chip::StPktsRecv) == 3);
}
