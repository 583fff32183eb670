// The full pod's wiring on real RTL: 64 racks, so every OCS is the 128-port model TPU v4 has
// (48 of them with 4x4x4 cubes; here 12, with 2x2x2 cubes, so that the run fits a test: 512
// chips). Two 256-chip slices fill the pod, one of them twisted; both run an all-reduce at once,
// each checked on every chip against the collective's definition and the C++ reference.
#include "pod.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>

using namespace phtpu;
using namespace phtpu::pod;

TEST_CASE("64 racks on 128-port OCSes: a twisted and a regular 256-chip slice all-reduce at once, verified",
          "[pod][full]") {
  PodSpec spec;
  spec.cube = 2;
  spec.racks = kMaxRacks;
  spec.slices = {parse_slice("4x8x8:twisted"), parse_slice("4x8x8")};
  const Plan plan(spec);
  REQUIRE(plan.ocs_ports() == kOcsPortsFull);
  REQUIRE(ocs_model_ports(spec.racks) == kOcsPortsFull);
  Pod pod(plan);
  // the circuits the 128-port switches carry are the planner's, port by port (both ends)
  for (unsigned o = 0; o < plan.ocs_count(); o += 5)
    for (unsigned p = 0; p < plan.ocs_ports(); ++p) CHECK(pod.ocs_peer(o, p) == plan.peer(o, p));
  PendingCollective a = start_collective(pod, Collective::AllReduce, 0, 1024, 1);
  PendingCollective b = start_collective(pod, Collective::AllReduce, 1, 1024, 2);
  pod.run_until_quiet(1'000'000, "two all-reduces on the full pod");
  for (const PendingCollective* p : {&a, &b}) {
    const RunResult r = finish_collective(pod, *p);
    INFO(r.detail);
    CHECK(r.ok);
    CHECK(r.chips == 256);
  }
  const PodStats st = pod.stats();
  CHECK(st.lost == 0);
  CHECK(st.packets_sent == st.packets_received);
  CHECK(st.flits_optical > 0);
}

TEST_CASE("every slice shape TPU v4 offers up to 4096 chips plans on the 64-rack pod, twisted ones too",
          "[pod][full][planner]") {
  // TPU v4 slices of whole 4x4x4 cubes (docs/references.md §T5): 4i x 4j x 4k with i <= j <= k,
  // and the twisted n x n x 2n and n x 2n x 2n (n a multiple of 4)
  std::vector<SliceSpec> shapes;
  for (unsigned i = 1; i <= 4; ++i)
    for (unsigned j = i; j <= 16; ++j)
      for (unsigned k = j; i * j * k <= 64; ++k) shapes.push_back({{4 * i, 4 * j, 4 * k}, false});
  for (unsigned n = 4; 4 * n * n * n <= 4096 * 2; n *= 2) {
    if (2 * n * n * n <= 4096) shapes.push_back({{n, n, 2 * n}, true});
    if (4 * n * n * n <= 4096) shapes.push_back({{n, 2 * n, 2 * n}, true});
  }
  CHECK(shapes.size() > 40);
  for (const SliceSpec& sh : shapes) {
    INFO(sh.str());
    PodSpec spec;
    spec.cube = 4;
    spec.racks = kMaxRacks;
    spec.slices = {sh};
    const Plan plan(spec);
    const unsigned cubes = sh.shape.volume() / 64;
    unsigned circuits = 0;
    for (unsigned o = 0; o < plan.ocs_count(); ++o)
      for (unsigned p = 0; p < plan.ocs_ports(); ++p) circuits += plan.peer(o, p) >= 0;
    // every cube face link of the slice is one end of a circuit: 3 dimensions x 16 face positions
    // x (+ and -) per cube
    CHECK(circuits == cubes * 3 * 16 * 2);
    CHECK(plan.slice_chips(0).size() == sh.shape.volume());
  }
}
