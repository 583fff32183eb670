// The run of tests/pod_scenario.hpp, printed as text by rank 0: scripts/test-pod-mpi.sh runs it
// in one process and under `mpirun -np 2` and requires the same text.
// Usage: pod_digest THREADS [BER]   (BER: the link layer on every link at that bit error rate)
#include "pod_scenario.hpp"

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace phtpu::pod;
  const Ranks& ranks = Ranks::world();
  try {
    const unsigned threads = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 1;
    const double ber = argc > 2 ? std::stod(argv[2]) : -1;
    const test::Outcome o = test::run_scenario(threads, ranks, "", ber);
    if (ranks.rank() == 0) std::cout << o.text() << o.failures;
    return o.verified ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "pod_digest: " << e.what() << "\n";
    ranks.abort(1);
  }
}
