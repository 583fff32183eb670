// The scaled pod on several threads (Pod::set_threads): one run, with collectives on two slices,
// a reconfiguration to a twisted torus and a chip fault with its detection, repair and re-run,
// gives the same result bit for bit on 1, 2 and 3 threads: every cycle count, every chip's whole
// memory, the flit and packet counts, the fault report (detections, drops by cause, the flush's
// accounting) and the waveform.
//
// The pod: 2x2x2 cubes, 4 racks: slice 1 is 2x2x4 (racks 0, 1), slice 2 is 2x2x2 (rack 2),
// rack 3 the spare. The reference is the single-threaded run, which the other pod tests check
// against the collectives' definitions; here the threads must not change a bit of it.
#include "pod.hpp"
#include "workloads.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace phtpu;
using namespace phtpu::pod;

namespace {

struct Outcome {
  std::vector<std::uint64_t> numbers; // cycle counts and statistics, in the order the run made them
  std::vector<std::uint64_t> memory;  // every word of every chip, FNV-1a per chip
  std::string fault;                  // the fault report as JSON
  std::string waves;                  // the waveform as VCD, without its $date
};

std::uint64_t fnv1a(std::uint64_t h, std::uint32_t w) {
  for (int b = 0; b < 4; ++b) h = (h ^ ((w >> (8 * b)) & 0xFFu)) * 0x100000001b3ull;
  return h;
}

std::string vcd_of(const std::string& fst) {
  const std::string vcd = fst + ".vcd";
  REQUIRE(std::system(fmt::format("fst2vcd -f '{}' -o '{}' > /dev/null 2>&1", fst, vcd).c_str()) == 0);
  std::ifstream in(vcd);
  std::string line, out;
  bool in_date = false;
  while (std::getline(in, line)) {
    if (line.rfind("$date", 0) == 0) in_date = true;
    if (!in_date) out += line + '\n';
    if (in_date && line.find("$end") != std::string::npos) in_date = false;
  }
  std::filesystem::remove(vcd);
  return out;
}

Outcome run(unsigned threads) {
  PodSpec spec;
  spec.cube = 2;
  spec.racks = 4;
  spec.spares = 1;
  spec.slices = {parse_slice("2x2x4"), parse_slice("2x2x2")};
  Pod pod{Plan(spec)};
  pod.set_threads(threads);
  const std::string fst = (std::filesystem::temp_directory_path() / fmt::format("pod_parallel_{}.fst", threads)).string();
  pod.open_trace(fst, {0, 9, 16});
  Outcome o;
  auto result = [&](const RunResult& r) {
    INFO(r.detail);
    CHECK(r.ok);
    o.numbers.push_back(r.cycles);
  };
  result(run_collective(pod, Collective::AllReduce, 0, 1024, 1));
  result(run_collective(pod, Collective::AllToAll, 1, 1024, 2));
  // slice 1 becomes a twisted torus through the OCS protocol, then runs again
  const Plan next = pod.plan().with_slice(0, parse_slice("2x2x4:twisted"));
  o.numbers.push_back(pod.reconfigure(next));
  pod.program_routing(next, 0);
  o.numbers.push_back(pod.run_until_quiet(100000, "routing registers"));
  result(run_collective(pod, Collective::AllReduce, 0, 1024, 3));
  // chip 9 (rack 1) dies 200 cycles into an all-reduce: detected, its cube moves to rack 3, re-run
  Fault f;
  f.kind = FaultKind::Chip;
  f.chip = 9;
  f.cycle = 200;
  FaultScenario sc;
  sc.bytes = 2048;
  sc.other_bytes = 1024;
  sc.seed = 5;
  const FaultReport fr = run_fault_repair(pod, f, sc);
  INFO(fr.summary());
  CHECK(fr.ok);
  o.fault = fr.to_json(pod.plan()).dump();
  pod.close_trace();
  o.waves = vcd_of(fst);
  std::filesystem::remove(fst);
  const PodStats st = pod.stats();
  for (std::uint64_t v : {st.cycles, st.chip_cycles, st.flits_electrical, st.flits_optical, st.lost, st.reconfigurations,
                          st.fault_flits, st.packets_sent, st.packets_received, st.link_flits_max})
    o.numbers.push_back(v);
  o.numbers.push_back(static_cast<std::uint64_t>(st.link_flits_mean * 1e6));
  for (unsigned c = 0; c < pod.chips(); ++c) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    if (!pod.dead(c))
      for (std::uint32_t a = 0; a < kMemWords; ++a)
        for (std::uint32_t w : pod.peek(c, a)) h = fnv1a(h, w);
    o.memory.push_back(h);
  }
  return o;
}

} // namespace

TEST_CASE("1, 2 and 3 threads give the same pod run bit for bit, reconfiguration and fault included",
          "[pod][parallel]") {
  const Outcome one = run(1);
  REQUIRE(one.numbers.size() > 10);
  REQUIRE(one.waves.size() > 1000);
  for (unsigned t : {2u, 3u}) {
    INFO(t << " threads");
    const Outcome o = run(t);
    CHECK(o.numbers == one.numbers);
    CHECK(o.memory == one.memory);
    CHECK(o.fault == one.fault);
    CHECK(o.waves == one.waves); // (a mismatch prints both: diff them by hand)
  }
}

TEST_CASE("a pod refuses zero threads", "[pod][parallel]") {
  PodSpec spec;
  spec.cube = 2;
  spec.racks = 1;
  spec.slices = {parse_slice("2x2x2")};
  Pod pod{Plan(spec)};
  CHECK_THROWS_AS(pod.set_threads(0), PodError);
}
