// `phtpu mxu`: one GEMM on the Verilated MXU tile (rtl/mxu/mxu_tile.sv), checked bit for bit
// against the golden model and within the error bound of a double-precision reference, with
// the cycle count, utilization, the ideal count and SCALE-Sim's weight-stationary estimate.
#include "Vmxu_tile_n16.h"
#include "Vmxu_tile_n4.h"
#include "Vmxu_tile_n8.h"
#include "cli.hpp"
#include "mxu_tile_tb.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <memory>

namespace phtpu::cli {
namespace {

using namespace phtpu::mxu;

struct MxuArgs {
  unsigned size = 8, m = 1024, k = 64, n = 64;
  std::uint64_t seed = 1;
  double stall = 0.0;
  std::string json, dump, trace;
  bool quiet = false;
};

// Largest problem we accept: the reference models keep A, B and C in memory and the
// double-precision reference costs M*K*N operations.
constexpr std::uint64_t kMaxDim = 1u << 16, kMaxMacs = 1ull << 34;

/// Bytes a GEMM takes (docs/PERF.md has the measured figures it rounds up): the bench queues
/// every tile's rows and weights before it starts (a vector each: its elements and about 64
/// bytes of bookkeeping), A and B are bf16, C, the golden C and the double reference (value and
/// absolute sum) take 24 bytes an element, and --dump's JSON about 80 bytes a value.
std::uint64_t mxu_memory(const MxuArgs& a, unsigned N, unsigned acc_rows) {
  const std::uint64_t M = a.m, K = a.k, C = a.n, kt = (K + N - 1) / N, nt = (C + N - 1) / N;
  const std::uint64_t blocks = (M + acc_rows / 2 - 1) / (acc_rows / 2);
  std::uint64_t b = 64ull << 20;
  b += M * kt * nt * (2 * N + 64);           // queued rows of A
  b += blocks * kt * nt * (2ull * N * N + 64); // queued weight tiles
  b += 2 * (M * K + K * C) + 24 * M * C;
  if (!a.dump.empty()) b += 80 * (M * K + K * C + M * C);
  return b;
}

template <class V>
nlohmann::json hex_matrix(unsigned rows, unsigned cols, const V& v, int digits) {
  nlohmann::json m = nlohmann::json::array();
  for (unsigned r = 0; r < rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (unsigned c = 0; c < cols; ++c) row.push_back(fmt::format("{:0{}x}", v[std::size_t(r) * cols + c], digits));
    m.push_back(std::move(row));
  }
  return m;
}

template <class Model, unsigned N>
int run_mxu(const MxuArgs& a) {
  constexpr unsigned kAccRows = 2048;
  check_memory(mxu_memory(a, N, kAccRows), fmt::format("a {}x{}x{} GEMM on the {}x{} tile", a.m, a.k, a.n, N, N),
               "its queued tiles, matrices and references");
  const Gemm g = random_gemm(a.m, a.k, a.n, a.seed);
  PendingFile wave(a.trace); // (before the model that writes it)
  MxuTileTb<Model, N> tb(kAccRows, a.seed + 1, "top");
  Progress progress(a.quiet);
  const std::uint64_t ideal = ideal_cycles(a.m, a.k, a.n, N);
  tb.dut().set_progress([&](std::uint64_t cycle) {
    if (progress.due())
      fmt::print(stderr, "phtpu mxu: cycle {} ({:.0f} % of the ideal {}), {:.0f} s\n", cycle, 100.0 * double(cycle) / double(ideal),
                 ideal, progress.seconds());
  });
  tb.set_stalls({a.stall, a.stall, a.stall, a.stall});
  if (!a.trace.empty()) tb.dut().open_trace(wave.temp());
  RunStats st;
  auto t0 = std::chrono::steady_clock::now();
  const auto C = tb.run(g, &st);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  tb.dut().flush();
  wave.keep();

  const auto gold = golden_gemm(g, N);
  const auto ref = double_gemm(g);
  std::size_t mismatches = 0, first_bad = 0;
  double max_err = 0, max_ratio = 0;
  for (std::size_t i = 0; i < C.size(); ++i) {
    if (C[i] != gold[i] && mismatches++ == 0) first_bad = i;
    double err = std::fabs(double(f32(C[i])) - ref.C[i]);
    max_err = std::max(max_err, err);
    max_ratio = std::max(max_ratio, err / error_bound(ref.abs_sum[i], g.K, N));
  }
  const bool exact = mismatches == 0, bounded = max_ratio <= 1.0;
  const std::uint64_t macs = std::uint64_t(a.m) * a.k * a.n;
  const std::uint64_t scalesim = scalesim_ws_cycles(a.m, a.k, a.n, N, N);
  const double util = double(macs) / (double(st.cycles) * N * N);
  const std::uint64_t bubbles = st.last_row - st.first_row + 1 - st.rows;
  const std::uint64_t tail = st.cycles - st.last_row - 1;
  const double cps = double(tb.dut().cycle()) / secs;

  nlohmann::json j = {
      {"array", N}, {"M", a.m}, {"K", a.k}, {"N", a.n}, {"seed", a.seed}, {"stall", a.stall},
      {"cycles", st.cycles}, {"macs", macs}, {"utilization", util}, {"ideal_cycles", ideal},
      {"scalesim_ws_cycles", scalesim}, {"scalesim_ws_utilization", double(macs) / (double(scalesim) * N * N)},
      {"cycles_before_first_row", st.first_row}, {"bubble_cycles", bubbles}, {"cycles_after_last_row", tail},
      {"bit_exact", exact}, {"mismatches", mismatches}, {"max_abs_error", max_err}, {"max_error_over_bound", max_ratio},
      {"simulated_cycles_per_second", cps}};
  if (!a.quiet) {
    fmt::print("phtpu mxu: {0}x{0} array, C[{1}x{3}] = A[{1}x{2}] x B[{2}x{3}], bf16 in, fp32 out, seed {4}\n", N, a.m,
               a.k, a.n, a.seed);
    fmt::print("  cycles          {} (first command offered to last result row taken)\n", st.cycles);
    fmt::print("  MACs            {}\n", macs);
    fmt::print("  utilization     {:.2f} % of peak (MACs / (cycles x {}))\n", 100 * util, N * N);
    fmt::print("  ideal cycles    {} (one row of {}x{} MACs every cycle: M x ceil(K/{}) x ceil(N/{}))\n", ideal, N, N,
               N, N);
    fmt::print("  SCALE-Sim WS    {} cycles, {:.2f} % (ceil(K/R) ceil(N/C) (2R+C+M-2) - 1, weight loads not overlapped)\n",
               scalesim, 100.0 * double(macs) / (double(scalesim) * N * N));
    fmt::print("  other cycles    {} before the first row (command, {} weight beats, skew), {} bubbles between rows, "
               "{} after the last row (array, accumulators, result port)\n",
               st.first_row, N, bubbles, tail);
    if (exact)
      fmt::print("  bit-exact       yes: all {} results equal the golden model (same accumulation order)\n", C.size());
    else
      fmt::print("  bit-exact       NO: {} of {} results differ, first C[{}][{}]: rtl {:#010x} golden {:#010x}\n",
                 mismatches, C.size(), first_bad / a.n, first_bad % a.n, C[first_bad], gold[first_bad]);
    fmt::print("  max error       {:.3g} absolute against double precision, {:.3f} of the stated bound{}\n", max_err,
               max_ratio, bounded ? "" : " (BOUND EXCEEDED)");
    fmt::print("  simulated       {} cycles in {:.2f} s = {:.0f} cycles/s\n", tb.dut().cycle(), secs, cps);
    if (!a.trace.empty()) fmt::print("  waveform        {} (open with waves/mxu.gtkw)\n", a.trace);
  } else {
    fmt::print("mxu {0}x{0} M={1} K={2} N={3}: {4} cycles, utilization {5:.2f} %, bit-exact {6}, max error/bound "
               "{7:.3f}, {8:.0f} cycles/s\n",
               N, a.m, a.k, a.n, st.cycles, 100 * util, exact ? "yes" : "NO", max_ratio, cps);
  }
  if (!a.json.empty()) write_output(a.json, j.dump(2) + "\n");
  if (!a.dump.empty()) {
    nlohmann::json d = {{"format", "row-major hex words: A and B bf16 (4 digits), C fp32 (8 digits); C = A x B"},
                        {"M", a.m}, {"K", a.k}, {"N", a.n}, {"array", N},
                        {"A", hex_matrix(a.m, a.k, g.A, 4)}, {"B", hex_matrix(a.k, a.n, g.B, 4)},
                        {"C", hex_matrix(a.m, a.n, C, 8)}};
    write_output(a.dump, d.dump() + "\n");
  }
  if (!exact) throw InputError(fmt::format("mxu check failed: {} results differ from the golden model", mismatches));
  if (!bounded) throw InputError(fmt::format("mxu check failed: error {:.3f} times the stated bound", max_ratio));
  return 0;
}

} // namespace

void add_mxu_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<MxuArgs>();
  auto* s = app.add_subcommand("mxu", "Run C = A x B (random bf16) on the Verilated MXU tile and check it");
  s->add_option("--size", a->size, "Array rows = columns: 4, 8 or 16")->capture_default_str();
  s->add_option("--m", a->m, "Rows of A and C")->capture_default_str();
  s->add_option("--k", a->k, "Columns of A, rows of B")->capture_default_str();
  s->add_option("--n", a->n, "Columns of B and C")->capture_default_str();
  s->add_option("--seed", a->seed, "Random seed for A and B")->capture_default_str();
  s->add_option("--stall", a->stall, "Probability that each stream stalls in a cycle (backpressure, 0..0.9)")
      ->capture_default_str();
  s->add_option("--json", a->json, "Write the figures as JSON here");
  s->add_option("--dump", a->dump, "Write A, B and C as hex words (JSON) here");
  s->add_option("--trace", a->trace, "Write an FST waveform here (open with waves/mxu.gtkw)");
  s->add_flag("--quiet,-q", a->quiet, "Print only the summary line");
  s->callback([&action, a] {
    action = [a] {
      for (auto [name, v] : {std::pair{"--m", a->m}, {"--k", a->k}, {"--n", a->n}})
        if (v < 1 || v > kMaxDim) throw InputError(fmt::format("{} must be in 1..{}, not {}", name, kMaxDim, v));
      if (std::uint64_t(a->m) * a->k * a->n > kMaxMacs)
        throw InputError(fmt::format("M x K x N = {} MACs is above the limit of {} (an hour or more on the tile)",
                                     std::uint64_t(a->m) * a->k * a->n, kMaxMacs));
      if (!(a->stall >= 0 && a->stall <= 0.9)) throw InputError(fmt::format("--stall must be in 0..0.9, not {}", a->stall));
      check_outputs({{"--json", a->json}, {"--dump", a->dump}, {"--trace", a->trace}});
      switch (a->size) {
      case 4: return run_mxu<Vmxu_tile_n4, 4>(*a);
      case 8: return run_mxu<Vmxu_tile_n8, 8>(*a);
      case 16: return run_mxu<Vmxu_tile_n16, 16>(*a);
      default: throw InputError(fmt::format("--size must be 4, 8 or 16 (the sizes built), not {}", a->size));
      }
    };
  });
}

} // namespace phtpu::cli
