// See pod_fabric.hpp.
#include "pod_fabric.hpp"

#include "fabric.hpp"

namespace phtpu::pod {

void drive_with_systemc(Pod& pod) {
  net::systemc_fabric().attach([&pod] { pod.step(); });
  // one rising edge per call: the clock's edges are at whole nanoseconds
  pod.set_stepper([] { sc_core::sc_start(1, sc_core::SC_NS); });
}

std::uint64_t systemc_cycles() {
  return static_cast<std::uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5);
}

} // namespace phtpu::pod
