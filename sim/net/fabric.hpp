// The SystemC face of the harnesses: one module, clocked by the process's sc_clock (1 cycle =
// 1 ns), that calls a step function on every rising edge. The ICI network harness
// (run_systemc below) and the pod harness (sim/pod/pod_fabric.hpp) both run under it; SystemC
// gives time and module structure, the per-cycle link data stays in plain C++ (the speed
// budget).
//
// SystemC elaborates once per process, so the clock and the module are built on first use and
// every later run attaches its own step function to the same module.
#pragma once

#include "network.hpp"

#include <functional>
#include <systemc>

namespace phtpu::net {

class ClockedFabric : public sc_core::sc_module {
public:
  sc_core::sc_in<bool> clk;
  explicit ClockedFabric(const sc_core::sc_module_name& name);
  /// What the next rising edges do (empty: nothing).
  void attach(std::function<void()> step) { step_ = std::move(step); }

private:
  void on_clock();
  std::function<void()> step_;
};

/// The process's clocked module, elaborated with its clock on first use.
ClockedFabric& systemc_fabric();

/// Run `net` to the end of its run under SystemC; `progress` is called every `chunk` cycles.
NetStats run_systemc(Network& net, const std::function<void(const Network&)>& progress = {},
                     std::uint64_t chunk = 10000);

} // namespace phtpu::net
