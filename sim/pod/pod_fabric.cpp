// See pod_fabric.hpp.
#include "pod_fabric.hpp"

#include <cstdlib>
#include <memory>

namespace phtpu::pod {

PodFabric::PodFabric(const sc_core::sc_module_name& name) : sc_core::sc_module(name), clk("clk") {
  SC_HAS_PROCESS(PodFabric);
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void PodFabric::on_clock() {
  if (pod_) pod_->step();
}

namespace {
struct Elaborated {
  sc_core::sc_clock clock{"pod_clk", 1, sc_core::SC_NS};
  PodFabric fabric{"pod_fabric"};
  Elaborated() { fabric.clk(clock); }
};
Elaborated& elaborated() {
  static std::unique_ptr<Elaborated> e;
  if (!e) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0); // keep stdout and stderr for results
    e = std::make_unique<Elaborated>();
  }
  return *e;
}
} // namespace

void drive_with_systemc(Pod& pod) {
  Elaborated& e = elaborated();
  e.fabric.attach(&pod);
  // one rising edge per call: the clock's edges are at whole nanoseconds
  pod.set_stepper([] { sc_core::sc_start(1, sc_core::SC_NS); });
}

std::uint64_t systemc_cycles() {
  return static_cast<std::uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5);
}

} // namespace phtpu::pod
