// The SystemC face of the pod harness: a module clocked by an sc_clock (1 cycle = 1 ns) that
// steps a Pod once per rising edge, as sim/net/fabric.hpp does for the ICI network. Once
// drive_with_systemc(pod) is called, the pod's runs (run_until_quiet, reconfigure) advance
// SystemC time, one clock edge per cycle; the per-cycle link data stays in plain C++.
// SystemC elaborates once per process: the module is built on first use.
#pragma once

#include "pod.hpp"

#include <systemc>

namespace phtpu::pod {

class PodFabric : public sc_core::sc_module {
public:
  sc_core::sc_in<bool> clk;
  explicit PodFabric(const sc_core::sc_module_name& name);
  void attach(Pod* pod) { pod_ = pod; }

private:
  void on_clock();
  Pod* pod_ = nullptr;
};

/// Drive `pod` from the SystemC clock from now on.
void drive_with_systemc(Pod& pod);
/// SystemC time now, in cycles.
std::uint64_t systemc_cycles();

} // namespace phtpu::pod
