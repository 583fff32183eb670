// The pod harness under SystemC: from drive_with_systemc(pod) on, the pod's runs
// (run_until_quiet, reconfigure) advance SystemC time one clock edge per cycle, and the
// process's clocked module (sim/net/fabric.hpp, shared with the ICI network harness) steps the
// pod on each rising edge. The per-cycle link data stays in plain C++.
#pragma once

#include "pod.hpp"

#include <cstdint>

namespace phtpu::pod {

/// Drive `pod` from the SystemC clock from now on.
void drive_with_systemc(Pod& pod);
/// SystemC time now, in cycles.
std::uint64_t systemc_cycles();

} // namespace phtpu::pod
