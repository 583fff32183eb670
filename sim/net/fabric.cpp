// See fabric.hpp.
#include "fabric.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>

namespace phtpu::net {

IciFabric::IciFabric(const sc_core::sc_module_name& name) : sc_core::sc_module(name), clk("clk") {
  SC_HAS_PROCESS(IciFabric);
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void IciFabric::on_clock() {
  if (net_ && !net_->finished()) net_->step();
}

namespace {
struct Elaborated {
  sc_core::sc_clock clock{"ici_clk", 1, sc_core::SC_NS};
  IciFabric fabric{"ici_fabric"};
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

NetStats run_systemc(Network& net, const std::function<void(const Network&)>& progress, std::uint64_t chunk) {
  Elaborated& e = elaborated();
  e.fabric.attach(&net);
  const auto t0 = std::chrono::steady_clock::now();
  while (!net.finished()) {
    sc_core::sc_start(static_cast<double>(chunk), sc_core::SC_NS);
    if (progress) progress(net);
  }
  e.fabric.attach(nullptr);
  net.add_wall_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return net.stats();
}

} // namespace phtpu::net
