// The link layer in the scaled pod (PodSpec::link_layer, rtl/ici/ici_link.sv at every chip
// port, its words through the OCS): collectives at a bit error rate, verified against their
// definition; the layer's own counts against what the noise did; a failed link found by the
// link layer alone (loss of signal off) and repaired on the spare; results independent of the
// thread count.
#include "pod.hpp"
#include "pod_specs.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <numeric>

using namespace phtpu;
using namespace phtpu::pod;

namespace {

PodSpec layered(PodSpec p, double ber) {
  p.link_layer = true;
  p.ber = ber;
  return p;
}

using test::cubes_pod;
/// The 64-chip slice of pods/small.json, and a 16-chip one.
PodSpec slice64() { return cubes_pod(8, "4x4x4"); }
PodSpec slice16() { return cubes_pod(2, "2x2x4"); }

/// Every packet sent was received, nothing met a dark OCS port, no chip saw a bad packet.
void check_nothing_lost(const Pod& pod) {
  const PodStats st = pod.stats();
  CHECK(st.lost == 0);
  CHECK(st.packets_sent == st.packets_received);
  CHECK(st.packets_sent > 0);
  for (unsigned chip = 0; chip < pod.chips(); ++chip) CHECK(pod.stat(chip, chip::StBadPkts) == 0);
}

} // namespace

TEST_CASE("pod link layer: the 64-chip all-to-all at BER 1e-5 on every link is verified, nothing lost, replays "
          "reported per link",
          "[pod][link]") {
  Pod pod{Plan(layered(slice64(), 1e-5))};
  const RunResult r = run_collective(pod, Collective::AllToAll, 0, 4096, 1);
  INFO(r.detail);
  REQUIRE(r.ok); // every chip's blocks against the all-to-all's definition
  check_nothing_lost(pod);
  const net::LinkStats ls = pod.link_stats();
  INFO(fmt::format("{} bits flipped, {} frames hit, {} CRC errors, {} replays, {} frames sent, {} flits delivered",
                   ls.bits_flipped, ls.frames_hit, ls.crc_errors, ls.replays, ls.frames_sent, ls.flits_delivered));
  CHECK(ls.links == 64 * 6); // a link end at every chip port
  CHECK(ls.undetected == 0); // no frame with a flipped bit was delivered
  CHECK(ls.overflows == 0);
  CHECK(ls.links_down == 0);
  // the noise hit frames carrying flits, and each was refused and replayed
  CHECK(ls.frames_hit > 0);
  CHECK(ls.crc_errors >= ls.frames_hit);
  CHECK(ls.replays > 0);
  // each hit frame delivered nothing and was sent again
  CHECK(ls.frames_sent >= ls.flits_delivered + ls.frames_hit);
  // the bits flipped: BER x the wire bits that crossed (205 a word, every link end every cycle),
  // within 5 standard deviations of the binomial count
  const double bits = 64.0 * 6 * 205 * static_cast<double>(pod.cycle());
  CHECK(std::abs(double(ls.bits_flipped) - 1e-5 * bits) <= 5 * std::sqrt(1e-5 * bits) + 1);
  // per link: the replays of every link end, summing to the total, on more than one link
  const std::vector<std::uint64_t> per = pod.link_replays();
  REQUIRE(per.size() == 64 * 6);
  CHECK(std::accumulate(per.begin(), per.end(), std::uint64_t{0}) == ls.replays);
  CHECK(std::count_if(per.begin(), per.end(), [](std::uint64_t n) { return n > 0; }) > 1);
  CHECK(*std::max_element(per.begin(), per.end()) == ls.max_replays);
  WARN(fmt::format("all-to-all 4 KiB on 64 chips at BER 1e-5: {} cycles, {} bits flipped, {} frames hit, {} replays on "
                   "{} of 384 link ends",
                   r.cycles, ls.bits_flipped, ls.frames_hit, ls.replays,
                   std::count_if(per.begin(), per.end(), [](std::uint64_t n) { return n > 0; })));
}

TEST_CASE("pod link layer: without errors every flit is delivered first time, one cycle later a hop", "[pod][link]") {
  PodSpec spec = slice16();
  Pod ideal{Plan(spec)};
  Pod layer{Plan(layered(spec, 0))};
  const RunResult a = run_collective(ideal, Collective::AllToAll, 0, 1024, 3);
  const RunResult b = run_collective(layer, Collective::AllToAll, 0, 1024, 3);
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  check_nothing_lost(layer);
  const net::LinkStats ls = layer.link_stats();
  CHECK(ls.bits_flipped == 0);
  CHECK(ls.crc_errors == 0);
  CHECK(ls.replays == 0);
  CHECK(ls.frames_sent == ls.flits_delivered); // every frame delivered its flit, once
  // the same flits crossed the links: the layer's flits are the routers' link flits
  CHECK(layer.stats().flits_electrical + layer.stats().flits_optical == ls.flits_delivered);
  CHECK(layer.stats().flits_electrical == ideal.stats().flits_electrical);
  CHECK(layer.stats().flits_optical == ideal.stats().flits_optical);
  // a latency-bound collective (the all-reduce's ring steps of 64 B) takes longer: a cycle more a hop
  const RunResult c = run_collective(ideal, Collective::AllReduce, 0, 1024, 4);
  const RunResult d = run_collective(layer, Collective::AllReduce, 0, 1024, 4);
  REQUIRE(c.ok);
  REQUIRE(d.ok);
  CHECK(d.cycles > c.cycles);
  CHECK(layer.link_stats().replays == 0);
}

TEST_CASE("pod link layer: a failed link is found by the link layer alone, and repaired on the spare",
          "[pod][link][faults]") {
  PodSpec spec;
  spec.cube = 2;
  spec.racks = 4;
  spec.spares = 1;
  spec.slices = {parse_slice("2x2x4"), parse_slice("2x2x2")};
  spec.los_cycles = 0; // no loss of signal: only the link layer (or the slice timeout) can see it
  spec = layered(spec, 0);
  FaultScenario sc;
  sc.work = Collective::AllReduce;
  sc.bytes = 4096;
  sc.other = Collective::AllReduce;
  sc.other_bytes = 2048;
  sc.seed = 7;
  Fault f;
  f.kind = FaultKind::Link;
  f.chip = 4;  // rack 0, local (0,0,1)
  f.port = 0;  // +x: to chip 5, in the rack
  f.cycle = 300;
  Pod pod{Plan(spec)};
  const FaultReport r = run_fault_repair(pod, f, sc);
  INFO(r.summary());
  CHECK(r.ok);
  REQUIRE(!r.detections.empty());
  CHECK(r.detected.how == Detection::How::LinkLayer);
  CHECK(((r.detected.chip == 4 && r.detected.port == 0) || (r.detected.chip == 5 && r.detected.port == 1)));
  // MaxReplays (8) timeouts of 64 cycles, the retrain (256 cycles), 8 more timeouts, counted
  // from the last acknowledgement, which came at most one timeout before the fault: at least
  // that long after the fault, less than the slice timeout's 2000 cycles of nothing moving
  CHECK(r.detect_latency() >= 8 * 64 + 256 + 8 * 64 - 64);
  CHECK(r.detect_latency() < spec.timeout_cycles + 8 * 64 + 256 + 8 * 64);
  CHECK(r.rerun.ok);
  CHECK(r.coords_unchanged);
  // nothing lost silently: with the layer the heads on links are the ones its link ends held
  CHECK(r.lost_accounted);
  CHECK(r.flush.lost() == r.flush.heads_dropped + r.flush.heads_purged + r.flush.heads_in_chips);
  CHECK(r.flush.heads_dropped == 0); // a frame lost on the link stays in its sender's replay buffer
  for (const RunResult& o : r.other_runs) {
    INFO(o.detail);
    CHECK(o.ok);
  }
  CHECK(r.other_dropped == 0);
  CHECK(r.ocs_lost == 0);
}

TEST_CASE("pod link layer: one link's own bit error rate hits that link alone, both ways, electrical or optical",
          "[pod][link]") {
  PodSpec spec = slice16();
  spec = layered(spec, 0);
  const bool optical = GENERATE(false, true);
  // +z links, on the 4-chip z rings (the 2-chip x and y rings carry traffic one way only): chip 0
  // (rack 0, local (0,0,0)) to chip 4's -z in the rack, or chip 4 (local (0,0,1)) through OCS z.0
  // to rack 1's chip 8 (local (0,0,0)), its -z
  const unsigned chip = optical ? 4u : 0u, port = 4, far_chip = optical ? 8u : 4u, far_port = 5;
  CAPTURE(optical);
  Pod pod{Plan(spec)};
  pod.set_link_ber(chip, port, 1e-3);
  const RunResult r = run_collective(pod, Collective::AllToAll, 0, 4096, 2);
  INFO(r.detail);
  REQUIRE(r.ok);
  check_nothing_lost(pod);
  const net::LinkStats ls = pod.link_stats();
  CHECK(ls.undetected == 0);
  CHECK(ls.bits_flipped > 0);
  const std::vector<std::uint64_t> per = pod.link_replays();
  // a frame hit on its way into the chip is replayed by the far end, one into the far end by the chip
  CHECK(per[chip * 6 + port] > 0);
  CHECK(per[far_chip * 6 + far_port] > 0);
  for (std::size_t e = 0; e < per.size(); ++e)
    if (e != chip * 6 + port && e != far_chip * 6 + far_port) CHECK(per[e] == 0);
  CHECK_THROWS_AS(pod.set_link_ber(4, 6, 1e-3), PodError);
  CHECK_THROWS_AS(pod.set_link_ber(16, 0, 1e-3), PodError);
  CHECK_THROWS_AS(pod.set_link_ber(4, 0, 0.5), PodError);
}

TEST_CASE("pod link layer: the results and the noise do not depend on the thread count", "[pod][link][threads]") {
  PodSpec spec = slice16();
  spec = layered(spec, 1e-4);
  spec.burst = 4;
  std::vector<std::uint64_t> seen[2];
  for (unsigned t : {1u, 2u}) {
    Pod pod{Plan(spec)};
    pod.set_threads(t);
    const RunResult r = run_collective(pod, Collective::AllToAll, 0, 2048, 5);
    INFO(r.detail);
    REQUIRE(r.ok);
    const net::LinkStats ls = pod.link_stats();
    seen[t - 1] = {r.cycles, ls.bits_flipped, ls.frames_hit, ls.crc_errors, ls.replays, ls.frames_sent};
    const std::vector<std::uint64_t> per = pod.link_replays();
    seen[t - 1].insert(seen[t - 1].end(), per.begin(), per.end());
    CHECK(ls.replays > 0);
  }
  CHECK(seen[0] == seen[1]);
}
