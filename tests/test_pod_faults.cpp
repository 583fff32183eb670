// Fault injection and repair in the scaled pod (pod.hpp "Faults", workloads.hpp run_fault_repair):
// a chip, a link (electrical and optical), an OCS port and a whole rack fail during an
// all-reduce; the fault is detected (link down, or the slice's timeout), the failed rack's
// logical cube moves to the spare rack through the OCS protocol, the all-reduce is re-run
// bit-exact, the logical coordinates stay, the other slice runs collectives bit-exact
// throughout with nothing lost, and every lost packet is accounted for.
//
// The pod: 2x2x2 cubes, 4 racks: slice 1 is 2x2x4 (racks 0, 1), slice 2 is 2x2x2 (rack 2),
// rack 3 the spare. Each case is one fault run (a few seconds).
#include "pod.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace phtpu;
using namespace phtpu::pod;

namespace {

PodSpec fault_pod() {
  PodSpec p;
  p.cube = 2;
  p.racks = 4;
  p.spares = 1;
  p.slices = {parse_slice("2x2x4"), parse_slice("2x2x2")};
  return p;
}

FaultScenario scenario() {
  FaultScenario sc;
  sc.work = Collective::AllReduce;
  sc.bytes = 4096; // 256 words per chip
  sc.other = Collective::AllReduce;
  sc.other_bytes = 2048;
  sc.seed = 7;
  return sc;
}

// Recovery bound, derived: detection = los_cycles exactly (the survivors' loss of signal);
// repair = job restart (0 cycles: a reset between cycles) + OCS protocol (commit 1 + check one
// port per cycle, 2 * racks = 8 + drain, nothing to drain after the reset, + switch 1 +
// settle) + routing registers (7 host writes per chip, in parallel) -> settle + 8 + 1 + 7 +
// the OCS's own stage/commit handshakes; 100 cycles of margin over settle.
constexpr std::uint64_t kRepairMargin = 100;

/// The checks every fault kind shares.
void check_repaired(const FaultReport& r, const PodSpec& spec, DropCause cause) {
  INFO(r.summary());
  CHECK(r.ok);
  CHECK(r.slice == 0);
  CHECK(r.spare_rack == 3);
  // detection
  REQUIRE(!r.detections.empty());
  CHECK(r.detected.how == Detection::How::LinkDown);
  CHECK(r.detect_latency() == spec.los_cycles);
  // repair and re-run
  CHECK(r.ocs_cycles >= spec.settle_cycles);
  CHECK(r.repair_latency() <= spec.settle_cycles + kRepairMargin);
  CHECK(r.rerun.ok);
  CHECK(r.rerun_done_cycle > r.repaired_cycle);
  CHECK(r.recovery_cycles() == r.detect_latency() + r.repair_latency() + r.rerun_cycles());
  CHECK(r.coords_unchanged);
  // nothing lost silently: the slice's lost packets are each somewhere, the cause is the fault's
  CHECK(r.lost_accounted);
  CHECK(r.flush.lost() == r.flush.heads_dropped + r.flush.heads_purged + r.flush.heads_in_chips);
  CHECK(r.flush.lost() > 0);
  // heads_in_chips comes from conservation, so bound it independently: packets held in the
  // slice's chips at the reset fit their buffers (every packet has a head flit in one of them):
  // per chip 7 router inputs x 2 VCs x 8 flits (rtl/ici) plus the receiver's 2 per-VC FIFOs of 8
  const std::uint64_t chips = spec.slices[0].shape.volume();
  CHECK(r.flush.heads_in_chips <= chips * (7 * 2 * 8 + 2 * 8));
  CHECK(r.drops[static_cast<unsigned>(cause)].flits > 0);
  for (unsigned k = 0; k < kDropCauses; ++k)
    if (k != static_cast<unsigned>(cause) && k != static_cast<unsigned>(DropCause::Purged))
      CHECK(r.drops[k].flits == 0);
  // the other slice: collectives verified during fault and repair, nothing dropped or lost
  CHECK(r.other_runs.size() >= 2);
  for (const RunResult& o : r.other_runs) {
    INFO(o.detail);
    CHECK(o.ok);
    CHECK(o.slice == 1);
  }
  CHECK(r.other_dropped == 0);
  CHECK(r.other_pkts_sent == r.other_pkts_recv);
  CHECK(r.ocs_lost == 0);
}

} // namespace

TEST_CASE("a rack moves to a spare: circuits rewired, logical coordinates kept", "[pod][faults][planner]") {
  const Plan plan(fault_pod());
  REQUIRE(plan.spare_racks() == std::vector<unsigned>{3});
  const Plan next = plan.with_rack_replaced(1);
  CHECK(next.slices()[0].rack_of_cube == std::vector<unsigned>{0, 3});
  CHECK(next.failed_racks() == std::vector<unsigned>{1});
  CHECK(next.slice_of_rack(1) == -1);
  CHECK(next.slice_of_rack(3) == 0);
  CHECK(next.spare_racks().empty());
  // every position: the same coordinate, now on the spare's chip for cube 1
  const SlicePlan& sp = plan.slices()[0];
  for (unsigned i = 0; i < sp.topo.nodes(); ++i) {
    const Vec3 g = sp.topo.position(i);
    const unsigned a = plan.chip_at(0, g), b = next.chip_at(0, g);
    CHECK(plan.coordinate(a) == next.coordinate(b));
    CHECK(next.site(b).rack == (g.z >= 2 ? 3u : 0u));
    CHECK(next.site(b).local == plan.site(a).local);
  }
  // the other slice's circuits are untouched; the failed rack is dark, the spare wired
  for (unsigned o = 0; o < plan.ocs_count(); ++o) {
    CHECK(next.peer(o, 4) == plan.peer(o, 4));
    CHECK(next.peer(o, 2) == -1);
    CHECK(next.peer(o, 3) == -1);
  }
  const unsigned zocs = plan.ocs_of(2, 0);
  CHECK(next.peer(zocs, 2 * 0) == 2 * 3 + 1); // rack 0 +z -> spare's -z
  CHECK(next.peer(zocs, 2 * 3) == 2 * 0 + 1); // spare's +z wraps to rack 0's -z
  // no spare left for a second failure; a rack in no slice cannot be replaced
  CHECK_THROWS_AS(next.with_rack_replaced(0), PlanError);
  CHECK_THROWS_AS(plan.with_rack_replaced(3), PlanError);
  CHECK_THROWS_AS(plan.with_rack_replaced(9), PlanError);
}

TEST_CASE("fault specs parse, and bad ones fail with one line", "[pod][faults]") {
  const Plan plan(fault_pod());
  const Fault c = parse_fault("chip:9@300", plan);
  CHECK((c.kind == FaultKind::Chip && c.chip == 9 && c.cycle == 300));
  const Fault l = parse_fault("link:4.+z@10", plan);
  CHECK((l.kind == FaultKind::Link && l.chip == 4 && l.port == 4));
  const Fault o = parse_fault("ocs:z.0:2@0", plan);
  CHECK((o.kind == FaultKind::OcsPort && o.ocs == plan.ocs_of(2, 0) && o.ocs_port == 2));
  CHECK(o.str(2) == "ocs z.0 port 2");
  const Fault r = parse_fault("rack:1@5", plan);
  CHECK((r.kind == FaultKind::Rack && r.rack == 1 && plan.rack_of(r) == 1));
  // a logical coordinate names the chip too
  const Fault lc = parse_fault("chip:" + plan.coordinate(9).str() + "@1", plan);
  CHECK(lc.chip == 9);
  for (const char* bad : {"chip:32@1", "chip:x@1", "chip:3", "link:4.+w@1", "link:40.+x@1", "ocs:w.0:1@1",
                          "ocs:x.4:1@1", "ocs:x.0:8@1", "rack:4@1", "rack:1@soon", "disk:1@1", "rack:-1@1"}) {
    INFO(bad);
    try {
      (void)parse_fault(bad, plan);
      FAIL("accepted");
    } catch (const PlanError& e) {
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("a chip fails mid all-reduce: link down, repaired on the spare, re-run bit-exact", "[pod][faults]") {
  const PodSpec spec = fault_pod();
  Pod pod{Plan(spec)};
  Fault f;
  f.kind = FaultKind::Chip;
  f.chip = 9; // rack 1, local (1,0,0)
  f.cycle = 300;
  const FaultReport r = run_fault_repair(pod, f, scenario());
  check_repaired(r, spec, DropCause::DeadChip);
  CHECK(r.failed_rack == 1);
  CHECK(pod.dead(9));
  CHECK(!r.work_done_before_fault);
  // the chips that noticed are the dead chip's neighbours
  for (const Detection& d : r.detections)
    CHECK(!pod.dead(d.chip));
  // the structured report
  const auto j = r.to_json(pod.plan());
  CHECK(j["kind"] == "chip");
  CHECK(j["recovery"]["total"].get<std::uint64_t>() == r.recovery_cycles());
  CHECK(j["lost"]["accounted"] == true);
}

TEST_CASE("a link fails mid all-reduce, electrical or optical: both ends see it, the rack is replaced",
          "[pod][faults]") {
  const PodSpec spec = fault_pod();
  const bool optical = GENERATE(false, true);
  Fault f;
  f.kind = FaultKind::Link;
  f.chip = 4;                 // rack 0, local (0,0,1)
  f.port = optical ? 4u : 0u; // +z: the rack's +z face, through OCS z.0; +x: to chip 5 in the rack
  // the first fault cycle (every 20 from 100) at which the all-reduce has flits on the link, so
  // that the test holds whatever the schedule's timing
  FaultReport r;
  for (f.cycle = 100; f.cycle <= 600; f.cycle += 20) {
    Pod pod{Plan(spec)};
    r = run_fault_repair(pod, f, scenario());
    if (r.drops[static_cast<unsigned>(DropCause::FailedLink)].flits > 0) break;
  }
  INFO((optical ? "optical" : "electrical") << ", fault at cycle " << f.cycle);
  REQUIRE(f.cycle <= 600);
  check_repaired(r, spec, DropCause::FailedLink);
  CHECK(r.failed_rack == 0);
  // both ends noticed
  bool near = false, far = false;
  const unsigned other_end = optical ? 8u /* rack 1 local (0,0,0), its -z */ : 5u;
  for (const Detection& d : r.detections) {
    near = near || (d.chip == 4 && d.port == f.port);
    far = far || (d.chip == other_end && d.port == (f.port ^ 1u));
  }
  CHECK(near);
  CHECK(far);
}

TEST_CASE("an OCS port goes dark mid all-reduce: the chip on it and its peer see link down", "[pod][faults]") {
  const PodSpec spec = fault_pod();
  Pod pod{Plan(spec)};
  const Plan& plan = pod.plan();
  Fault f;
  f.kind = FaultKind::OcsPort;
  f.ocs = plan.ocs_of(2, 0); // z.0: face position 0 of the z faces
  f.ocs_port = 2;            // rack 1's +z link 0 (chip 12), wrapping to rack 0's -z (chip 0)
  f.cycle = 280;
  const FaultReport r = run_fault_repair(pod, f, scenario());
  check_repaired(r, spec, DropCause::FailedOcsPort);
  CHECK(r.failed_rack == 1);
  bool on_port = false, peer = false;
  for (const Detection& d : r.detections) {
    on_port = on_port || (d.chip == 12 && d.port == 4);
    peer = peer || (d.chip == 0 && d.port == 5);
  }
  CHECK(on_port);
  CHECK(peer);
}

TEST_CASE("a whole rack fails mid all-reduce: its logical cube moves to the spare rack", "[pod][faults]") {
  const PodSpec spec = fault_pod();
  Pod pod{Plan(spec)};
  Fault f;
  f.kind = FaultKind::Rack;
  f.rack = 0;
  f.cycle = 320;
  const FaultReport r = run_fault_repair(pod, f, scenario());
  check_repaired(r, spec, DropCause::DeadChip);
  CHECK(r.cube == 0);
  CHECK(r.flush.chips_reset == 8); // rack 1's survivors; rack 0's chips are dead
  for (unsigned c = 0; c < 8; ++c)
    CHECK(pod.dead(c));
  // the slice's first cube now lives in rack 3
  CHECK(pod.plan().site(pod.plan().chip_of_coordinate(phext::Coordinate::parse("1.1.1/1.1.1/1.1.1"))).rack == 3);
}

TEST_CASE("without loss-of-signal detection the slice's timeout finds the dead chip", "[pod][faults]") {
  PodSpec spec = fault_pod();
  spec.los_cycles = 0;
  spec.timeout_cycles = 400;
  Pod pod{Plan(spec)};
  Fault f;
  f.kind = FaultKind::Chip;
  f.chip = 6;
  f.cycle = 300;
  const FaultReport r = run_fault_repair(pod, f, scenario());
  INFO(r.summary());
  CHECK(r.ok);
  CHECK(r.detected.how == Detection::How::Timeout);
  CHECK(r.detected.slice == 0);
  // the slice stalls soon after the fault, then the watchdog waits its window
  CHECK(r.detect_latency() > spec.timeout_cycles);
  CHECK(r.detect_latency() < spec.timeout_cycles + 2000);
  CHECK(r.rerun.ok);
  CHECK(r.lost_accounted);
  CHECK(r.other_dropped == 0);
  CHECK(r.ocs_lost == 0);
}

TEST_CASE("fault runs refuse what cannot be repaired", "[pod][faults]") {
  SECTION("no spare rack") {
    PodSpec spec = fault_pod();
    spec.spares = 0; // rack 3 is idle, but not a spare
    Pod pod{Plan(spec)};
    Fault f;
    f.kind = FaultKind::Chip;
    f.chip = 1;
    f.cycle = 10;
    const std::uint64_t before = pod.cycle();
    CHECK_THROWS_AS(run_fault_repair(pod, f, scenario()), PlanError);
    CHECK(pod.cycle() == before); // nothing ran: the check comes first
    CHECK(pod.detections().empty());
  }
  SECTION("a fault on the spare rack touches no slice") {
    Pod pod{Plan(fault_pod())};
    Fault f;
    f.kind = FaultKind::Rack;
    f.rack = 3;
    CHECK_THROWS_AS(run_fault_repair(pod, f, scenario()), PlanError);
  }
  SECTION("fault targets out of range") {
    Pod pod{Plan(fault_pod())};
    Fault f;
    f.kind = FaultKind::Chip;
    f.chip = 32;
    CHECK_THROWS_AS(pod.inject(f), PlanError);
    f.kind = FaultKind::Link;
    f.chip = 0;
    f.port = 6;
    CHECK_THROWS_AS(pod.inject(f), PlanError);
    f.kind = FaultKind::OcsPort;
    f.ocs = 12;
    f.ocs_port = 0;
    CHECK_THROWS_AS(pod.inject(f), PlanError);
    f.ocs = 0;
    f.ocs_port = 8;
    CHECK_THROWS_AS(pod.inject(f), PlanError);
    f.kind = FaultKind::Rack;
    f.rack = 4;
    CHECK_THROWS_AS(pod.inject(f), PlanError);
  }
}
