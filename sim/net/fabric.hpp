// The SystemC face of the ICI network harness: a module clocked by an sc_clock that steps a
// Network (network.hpp) once per rising edge. SystemC gives time (1 cycle = 1 ns) and the
// module structure the pod harness extends; the per-cycle link data stays in plain C++.
//
// SystemC elaborates once per process, so run_systemc() builds the clock and the fabric on
// first use and attaches each new Network to the same module (a sweep runs many networks).
#pragma once

#include "network.hpp"

#include <functional>
#include <systemc>

namespace phtpu::net {

class IciFabric : public sc_core::sc_module {
public:
  sc_core::sc_in<bool> clk;
  explicit IciFabric(const sc_core::sc_module_name& name);
  /// The network stepped by the next rising edges (nullptr: none).
  void attach(Network* net) { net_ = net; }

private:
  void on_clock();
  Network* net_ = nullptr;
};

/// Run `net` to the end of its run under SystemC; `progress` is called every `chunk` cycles.
NetStats run_systemc(Network& net, const std::function<void(const Network&)>& progress = {},
                     std::uint64_t chunk = 10000);

} // namespace phtpu::net
