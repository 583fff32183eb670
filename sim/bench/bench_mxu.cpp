// phtpu_bench_mxu: simulation speed of the Verilated MXU tile (no trace) at N = 8, 16, 32.
// Each run is one GEMM of M=1024 rows with K = N = 4 array widths (16 weight tiles), driven
// by the same MxuTileTb as the tests and `phtpu mxu`, and checked against the golden model.
// Prints a Markdown table (median of --repeat runs); scripts/bench.sh puts it in docs/PERF.md.
#include "Vmxu_tile_n16.h"
#ifdef PHTPU_BENCH_N32
#include "Vmxu_tile_n32.h"
#endif
#include "Vmxu_tile_n8.h"
#include "mxu_tile_tb.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

using namespace phtpu::mxu;

template <class Model, unsigned N>
void bench(int repeat, unsigned m) {
  const unsigned kn = 4 * N;
  const Gemm g = random_gemm(m, kn, kn, 42);
  const auto gold = golden_gemm(g, N);
  std::vector<double> cps;
  RunStats st;
  for (int r = 0; r < repeat; ++r) {
    MxuTileTb<Model, N> tb(2048, 1);
    auto t0 = std::chrono::steady_clock::now();
    auto C = tb.run(g, &st);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (C != gold) throw std::runtime_error("MXU result differs from the golden model in the benchmark");
    cps.push_back(double(tb.dut().cycle()) / s);
  }
  std::sort(cps.begin(), cps.end());
  double med = cps[cps.size() / 2];
  fmt::print("| {0}x{0} | {1}x{2}x{2} | {3} | {4:.2f} % | {5:.0f} | {6:.1f} |\n", N, m, kn, st.cycles,
             100.0 * double(m) * kn * kn / (double(st.cycles) * N * N), med, 1e9 / (med * N * N));
}

int main(int argc, char** argv) {
  CLI::App app{"phtpu_bench_mxu: simulated cycles per second of the Verilated MXU tile"};
  int repeat = 3;
  unsigned m = 1024;
  app.add_option("--repeat", repeat, "Runs per size (the median is reported)")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--m", m, "Rows of A")->capture_default_str()->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  fmt::print("| array | GEMM MxKxN | cycles | utilization | simulated cycles/s | ns per PE-cycle |\n|---|---|---|---|---|---|\n");
  bench<Vmxu_tile_n8, 8>(repeat, m);
  bench<Vmxu_tile_n16, 16>(repeat, m);
#ifdef PHTPU_BENCH_N32
  bench<Vmxu_tile_n32, 32>(repeat, m);
#endif
  return 0;
}
