// One scaled-pod run that touches every part of the harness a parallel run splits up, for the
// tests that compare runs on different thread and rank counts bit for bit
// (tests/test_pod_parallel.cpp, tests/pod_digest.cpp): collectives on two slices, a
// reconfiguration to a twisted torus, and a chip fault with its detection, repair and re-run.
//
// The pod: 2x2x2 cubes, 4 racks: slice 1 is 2x2x4 (racks 0, 1), slice 2 is 2x2x2 (rack 2),
// rack 3 the spare.
#pragma once

#include "pod.hpp"
#include "workloads.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace phtpu::pod::test {

struct Outcome {
  std::vector<std::uint64_t> numbers; ///< cycle counts and statistics, in the order the run made them
  std::vector<std::uint64_t> memory;  ///< every word of every chip, FNV-1a per chip (0 for a dead chip)
  std::string fault;                  ///< the fault report as JSON
  bool verified = true;               ///< every workload matched its reference
  std::string failures;               ///< what did not
  /// Everything but the waveform, as text: equal outcomes print equal text.
  std::string text() const {
    std::string s = fmt::format("numbers {}\nmemory", fmt::join(numbers, " "));
    for (std::uint64_t h : memory) s += fmt::format(" {:016x}", h);
    return s + fmt::format("\nfault {}\nverified {}\n", fault, verified);
  }
};

inline std::uint64_t fnv1a(std::uint64_t h, std::uint32_t w) {
  for (int b = 0; b < 4; ++b) h = (h ^ ((w >> (8 * b)) & 0xFFu)) * 0x100000001b3ull;
  return h;
}

/// The run, on `threads` threads of this process's share of the pod (`ranks`); a waveform of
/// chips 0, 9 and 16 into `fst` unless it is empty. With `ber` >= 0: the link layer on every
/// link at that bit error rate (its counts join the numbers).
inline Outcome run_scenario(unsigned threads, const Ranks& ranks, const std::string& fst, double ber = -1) {
  PodSpec spec;
  if (ber >= 0) {
    spec.link_layer = true;
    spec.ber = ber;
  }
  spec.cube = 2;
  spec.racks = 4;
  spec.spares = 1;
  spec.slices = {parse_slice("2x2x4"), parse_slice("2x2x2")};
  Pod pod(Plan(spec), ranks);
  pod.set_threads(threads);
  if (!fst.empty()) pod.open_trace(fst, {0, 9, 16});
  Outcome o;
  auto result = [&](const RunResult& r) {
    o.numbers.push_back(r.cycles);
    if (!r.ok) {
      o.verified = false;
      o.failures += r.name + ": " + r.detail + "\n";
    }
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
  if (!fr.ok) {
    o.verified = false;
    o.failures += fr.summary();
  }
  o.fault = fr.to_json(pod.plan()).dump();
  pod.close_trace();
  const PodStats st = pod.stats();
  for (std::uint64_t v : {st.cycles, st.chip_cycles, st.flits_electrical, st.flits_optical, st.lost, st.reconfigurations,
                          st.fault_flits, st.packets_sent, st.packets_received, st.link_flits_max})
    o.numbers.push_back(v);
  o.numbers.push_back(static_cast<std::uint64_t>(st.link_flits_mean * 1e6));
  if (ber >= 0) {
    const net::LinkStats ls = pod.link_stats();
    for (std::uint64_t v : {ls.bits_flipped, ls.frames_hit, ls.undetected, ls.crc_errors, ls.replays, ls.retrains,
                            ls.links_down, ls.frames_sent, ls.flits_delivered})
      o.numbers.push_back(v);
    for (std::uint64_t v : pod.link_replays()) o.numbers.push_back(v);
  }
  for (unsigned c = 0; c < pod.chips(); ++c) {
    std::uint64_t h = 0;
    if (!pod.dead(c)) {
      h = 0xcbf29ce484222325ull;
      for (std::uint32_t a = 0; a < kMemWords; ++a)
        for (std::uint32_t w : pod.peek(c, a)) h = fnv1a(h, w);
    }
    o.memory.push_back(h);
  }
  return o;
}

} // namespace phtpu::pod::test
