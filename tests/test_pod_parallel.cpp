// The scaled pod on several threads (Pod::set_threads): the run of tests/pod_scenario.hpp
// (collectives on two slices, a reconfiguration to a twisted torus, a chip fault with its
// detection, repair and re-run) gives the same result bit for bit on 1, 2 and 3 threads: every
// cycle count, every chip's whole memory, the flit and packet counts, the fault report
// (detections, drops by cause, the flush's accounting) and the waveform. The single-threaded
// run is the reference, and it is itself verified: every workload against its definition and
// C++ reference. (Ranks: tests/pod_digest.cpp under mpirun, scripts/test-pod-mpi.sh.)
#include "pod_scenario.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace phtpu;
using namespace phtpu::pod;

namespace {

/// The waveform as VCD (fst2vcd, from gtkwave), without its $date: FST files carry the time
/// they were written.
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

struct Run {
  test::Outcome outcome;
  std::string waves;
};

Run run(unsigned threads) {
  const std::string fst = (std::filesystem::temp_directory_path() / fmt::format("pod_parallel_{}.fst", threads)).string();
  Run r{test::run_scenario(threads, Ranks{}, fst), {}};
  r.waves = vcd_of(fst);
  std::filesystem::remove(fst);
  return r;
}

} // namespace

TEST_CASE("1, 2 and 3 threads give the same pod run bit for bit, reconfiguration and fault included",
          "[pod][parallel]") {
  const Run one = run(1);
  INFO(one.outcome.failures);
  REQUIRE(one.outcome.verified);
  REQUIRE(one.outcome.numbers.size() > 10);
  REQUIRE(one.waves.size() > 1000);
  for (unsigned t : {2u, 3u}) {
    INFO(t << " threads");
    const Run o = run(t);
    CHECK(o.outcome.numbers == one.outcome.numbers);
    CHECK(o.outcome.memory == one.outcome.memory);
    CHECK(o.outcome.fault == one.outcome.fault);
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
