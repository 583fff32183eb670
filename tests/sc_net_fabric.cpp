// The SystemC fabric (sim/net/fabric.cpp) steps the network exactly like the plain C++ loop:
// same seed, same statistics, and SystemC time equals the cycle count (1 cycle = 1 ns).
// Two networks run back to back through the one elaborated fabric, as `phtpu net --sweep` does.
#include "fabric.hpp"

#include <cstdio>

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what);
    ++failures;
  }
}
} // namespace

int sc_main(int, char**) {
  using namespace phtpu::net;
  sc_core::sc_time elapsed = sc_core::SC_ZERO_TIME;
  for (const bool twisted : {false, true}) {
    NetConfig c;
    c.shape = twisted ? phext::Vec3{4, 4, 8} : phext::Vec3{2, 2, 2};
    c.cube = twisted ? phext::Vec3{4, 4, 4} : phext::Vec3{2, 2, 2};
    c.twisted = twisted;
    c.rate = 0.5;
    c.packet_flits = 2;
    c.warmup = 100;
    c.measure = 1500;
    c.check_routes = true;
    c.seed = 7;
    Network plain(c);
    const NetStats a = plain.run();
    Network sc(c);
    const NetStats b = run_systemc(sc, {}, 64);
    std::printf("%s: plain %llu cycles, %llu packets, latency %.4f; SystemC %llu cycles, %llu packets, latency %.4f\n",
                sc.topology().describe().c_str(), static_cast<unsigned long long>(a.cycles),
                static_cast<unsigned long long>(a.packets_delivered), a.latency_avg,
                static_cast<unsigned long long>(b.cycles), static_cast<unsigned long long>(b.packets_delivered),
                b.latency_avg);
    expect(a.cycles == b.cycles, "same cycle count");
    expect(a.packets_delivered == b.packets_delivered && a.packets_delivered == a.packets_injected, "all delivered");
    expect(a.latency_avg == b.latency_avg && a.latency_max == b.latency_max, "same latencies");
    expect(a.route_checks == b.route_checks && b.route_checks > 0, "same route checks");
    // SystemC time runs in chunks of 64 cycles and stops at the first chunk end after the run
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const double run_ns = (now - elapsed).to_seconds() * 1e9;
    expect(run_ns >= static_cast<double>(b.cycles) && run_ns < static_cast<double>(b.cycles) + 64.5,
           "SystemC time covers the run");
    elapsed = now;
  }
  std::printf("%s\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
