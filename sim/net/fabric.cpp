// See fabric.hpp.
#include "fabric.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>

namespace phtpu::net {

ClockedFabric::ClockedFabric(const sc_core::sc_module_name& name) : sc_core::sc_module(name), clk("clk") {
  SC_HAS_PROCESS(ClockedFabric);
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void ClockedFabric::on_clock() {
  if (step_) step_();
}

namespace {
struct Elaborated {
  sc_core::sc_clock clock{"clk", 1, sc_core::SC_NS};
  ClockedFabric fabric{"fabric"};
  Elaborated() { fabric.clk(clock); }
};
} // namespace

ClockedFabric& systemc_fabric() {
  static std::unique_ptr<Elaborated> e;
  if (!e) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0); // keep stdout and stderr for results
    e = std::make_unique<Elaborated>();
  }
  return e->fabric;
}

NetStats run_systemc(Network& net, const std::function<void(const Network&)>& progress, std::uint64_t chunk) {
  ClockedFabric& f = systemc_fabric();
  f.attach([&net] {
    if (!net.finished()) net.step();
  });
  const auto t0 = std::chrono::steady_clock::now();
  while (!net.finished()) {
    sc_core::sc_start(static_cast<double>(chunk), sc_core::SC_NS);
    if (progress) progress(net);
  }
  f.attach({});
  net.add_wall_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return net.stats();
}

} // namespace phtpu::net
