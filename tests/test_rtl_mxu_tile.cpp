// mxu_tile (rtl/mxu/) against the bit-exact golden model and the double-precision reference
// (ref/mxu_gemm.hpp), at N = 4, 8 and 16: directed weights (identity, permutation, one
// non-zero), random GEMMs whose shapes do not divide N, random backpressure on every stream,
// back-to-back tiles without bubbles, accumulate/overwrite, the timing contract, bad commands.
#include "Vmxu_tile_n16.h"
#include "Vmxu_tile_n4.h"
#include "Vmxu_tile_n8.h"
#include "mxu_tile_tb.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <random>
#include <string>

using namespace phtpu::mxu;

namespace {

template <class M, unsigned Size>
struct Cfg {
  using Model = M;
  static constexpr unsigned N = Size;
};
using N4 = Cfg<Vmxu_tile_n4, 4>;
using N8 = Cfg<Vmxu_tile_n8, 8>;
using N16 = Cfg<Vmxu_tile_n16, 16>;

template <class C>
using Tb = MxuTileTb<typename C::Model, C::N>;

constexpr unsigned kAccRows = 2048; // -GAccRows of the verilated models (CMakeLists.txt)

/// Bit-exact against golden_gemm and within error_bound of double_gemm.
void check_result(const Gemm& g, unsigned N, const std::vector<std::uint32_t>& C) {
  auto gold = golden_gemm(g, N);
  auto ref = double_gemm(g);
  for (std::size_t i = 0; i < C.size(); ++i) {
    unsigned m = unsigned(i / g.Ncol), n = unsigned(i % g.Ncol);
    if (C[i] != gold[i])
      FAIL(fmt::format("C[{}][{}]: rtl {:#010x} ({}) golden {:#010x} ({})", m, n, C[i], f32(C[i]), gold[i], f32(gold[i])));
    double err = std::fabs(double(f32(C[i])) - ref.C[i]);
    double bound = error_bound(ref.abs_sum[i], g.K, N);
    if (!(err <= bound)) FAIL(fmt::format("C[{}][{}]: |{} - {}| = {} > bound {}", m, n, f32(C[i]), ref.C[i], err, bound));
  }
}

std::string trace_name(const char* what, unsigned N) { return fmt::format("mxu_{}_n{}", what, N); }

} // namespace

TEMPLATE_TEST_CASE("mxu_tile: identity weights return the activations", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  Tb<TestType> tb;
  tb.dut().open_trace(phtpu::test_wave_path(trace_name("identity", N)));
  Gemm g = random_gemm(2 * N + 3, N, N, phtpu::test_seed());
  for (unsigned k = 0; k < N; ++k)
    for (unsigned n = 0; n < N; ++n) g.B[k * N + n] = k == n ? 0x3F80 : 0; // 1.0 on the diagonal
  auto C = tb.run(g);
  for (unsigned m = 0; m < g.M; ++m)
    for (unsigned n = 0; n < N; ++n) REQUIRE(C[m * N + n] == std::uint32_t(g.a(m, n)) << 16);
}

TEMPLATE_TEST_CASE("mxu_tile: a permutation matrix permutes the columns", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  Tb<TestType> tb;
  Gemm g = random_gemm(N + 5, N, N, phtpu::test_seed() + 1);
  std::vector<unsigned> perm(N);
  for (unsigned i = 0; i < N; ++i) perm[i] = (i * 3 + 1) % N; // a bijection for N = 4, 8, 16
  std::fill(g.B.begin(), g.B.end(), 0);
  for (unsigned k = 0; k < N; ++k) g.B[k * N + perm[k]] = 0xBF80; // -1.0: column perm[k] = -A[:, k]
  auto C = tb.run(g);
  for (unsigned m = 0; m < g.M; ++m)
    for (unsigned k = 0; k < N; ++k) REQUIRE(C[m * N + perm[k]] == ((std::uint32_t(g.a(m, k)) << 16) ^ 0x80000000u));
}

TEMPLATE_TEST_CASE("mxu_tile: one non-zero weight and one non-zero activation", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  // every (k, n) position of the weight, product 1.5 * -2.5 = -3.75 at C[m][n] only
  for (unsigned k = 0; k < N; k += (N > 4 ? 3 : 1))
    for (unsigned n = 0; n < N; n += (N > 4 ? 5 : 1)) {
      Tb<TestType> tb;
      Gemm g{3, N, N, std::vector<std::uint16_t>(3 * N, 0), std::vector<std::uint16_t>(N * N, 0)};
      g.A[1 * N + k] = 0x3FC0;  // 1.5 at row 1
      g.B[k * N + n] = 0xC020;  // -2.5
      auto C = tb.run(g);
      for (unsigned m = 0; m < 3; ++m)
        for (unsigned j = 0; j < N; ++j) {
          INFO("k=" << k << " n=" << n << " C[" << m << "][" << j << "]");
          REQUIRE(C[m * N + j] == (m == 1 && j == n ? bits32(-3.75f) : 0u));
        }
    }
}

TEMPLATE_TEST_CASE("mxu_tile: random GEMMs, shapes that do not divide N", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  struct Shape {
    unsigned M, K, Ncol;
  };
  for (Shape s : {Shape{1, 1, 1}, Shape{5, 7, 3}, Shape{N + 3, N, N}, Shape{37, 2 * N + 3, N + 1},
                  Shape{64, 3 * N, 2 * N}, Shape{3, 4 * N - 1, 3 * N - 2}}) {
    INFO("M=" << s.M << " K=" << s.K << " N=" << s.Ncol);
    Tb<TestType> tb(2048, seed);
    Gemm g = random_gemm(s.M, s.K, s.Ncol, seed + s.M * 131 + s.K, 0.1);
    RunStats st;
    auto C = tb.run(g, &st);
    check_result(g, N, C);
    REQUIRE_FALSE(st.err_cmd);
  }
}

TEMPLATE_TEST_CASE("mxu_tile: random backpressure on every stream", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  for (double p : {0.2, 0.6}) {
    INFO("stall probability " << p);
    Tb<TestType> tb(64, seed); // tile as if there were 64 rows: blocks of 32, drains and streams contend
    tb.set_stalls({p, p, p, p});
    tb.dut().open_trace(phtpu::test_wave_path(trace_name("backpressure", N)));
    Gemm g = random_gemm(70, 2 * N + 1, 2 * N + 2, seed + 7);
    RunStats st;
    auto C = tb.run(g, &st);
    check_result(g, N, C);
  }
}

TEMPLATE_TEST_CASE("mxu_tile: back-to-back tiles run without a bubble", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  // The contract: with weights and rows offered every cycle, streams of at least N+3 rows
  // follow each other with no idle cycle, weight loads hidden behind them.
  for (unsigned M : {N + 3, 2 * N, 100u}) {
    Tb<TestType> tb;
    Gemm g = random_gemm(M, 3 * N, 3 * N, phtpu::test_seed() + M);
    RunStats st;
    auto C = tb.run(g, &st);
    check_result(g, N, C);
    INFO("M=" << M << " first row " << st.first_row << " last row " << st.last_row << " rows " << st.rows);
    REQUIRE(st.rows == ideal_cycles(M, 3 * N, 3 * N, N));
    REQUIRE(st.last_row - st.first_row + 1 == st.rows);
    // fill: command, N weight beats, then the first row; tail: 2N cycles through the array,
    // one to read the accumulators, one on the result port
    REQUIRE(st.cycles <= st.rows + N + 4 + 2 * N + 2);
  }
}

TEMPLATE_TEST_CASE("mxu_tile: timing contract of one row", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  Tb<TestType> tb;
  tb.dut().open_trace(phtpu::test_wave_path(trace_name("timing", N)));
  std::vector<std::uint16_t> w(N * N, 0x3F80); // all ones
  tb.queue_cmd({Op::Load});
  tb.queue_weights(w);
  tb.run_until_idle();
  tb.queue_cmd({Op::Stream, false, 5, 1});
  tb.queue_cmd({Op::Drain, false, 5, 1});
  // offer the row only once the stream runs, so the cycle it enters is known
  while (!tb.dut()->a_ready_o) tb.step();
  std::uint64_t c = tb.dut().cycle();
  tb.queue_row(std::vector<std::uint16_t>(N, 0x4000)); // 2.0 everywhere: each column sums to 2N
  tb.run_until_idle();
  REQUIRE(tb.results().size() == 1);
  auto& r = tb.results().front();
  REQUIRE(r.addr == 5);
  for (unsigned n = 0; n < N; ++n) REQUIRE(r.v[n] == bits32(float(2 * N)));
  // row enters at c; column N-1 written at the end of c+2N; read at c+2N+1; on r at c+2N+2
  REQUIRE(r.cycle == c + 2 * N + 2);
}

TEMPLATE_TEST_CASE("mxu_tile: accumulate adds, overwrite replaces", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  Tb<TestType> tb;
  Gemm g = random_gemm(N + 2, N, N, phtpu::test_seed() + 3);
  std::vector<std::uint16_t> w(g.B);
  auto once = golden_gemm(g, N);
  tb.queue_cmd({Op::Load});
  tb.queue_weights(w);
  for (int pass = 0; pass < 3; ++pass) { // overwrite, accumulate, accumulate: 3x
    tb.queue_cmd({Op::Stream, pass > 0, 10, g.M});
    for (unsigned m = 0; m < g.M; ++m) tb.queue_row(std::vector<std::uint16_t>(g.A.begin() + m * N, g.A.begin() + (m + 1) * N));
  }
  tb.queue_cmd({Op::Drain, false, 10, g.M});
  tb.queue_cmd({Op::Stream, false, 10, g.M}); // overwrite again: 1x
  for (unsigned m = 0; m < g.M; ++m) tb.queue_row(std::vector<std::uint16_t>(g.A.begin() + m * N, g.A.begin() + (m + 1) * N));
  tb.queue_cmd({Op::Drain, false, 10, g.M});
  tb.run_until_idle();
  REQUIRE(tb.results().size() == 2 * g.M);
  for (unsigned m = 0; m < g.M; ++m)
    for (unsigned n = 0; n < N; ++n) {
      std::uint32_t x = once[m * N + n];
      REQUIRE(tb.results()[m].v[n] == fp32_add(fp32_add(x, x), x));
      REQUIRE(tb.results()[g.M + m].v[n] == x);
    }
}

TEMPLATE_TEST_CASE("mxu_tile: bad commands are dropped and flagged", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  for (Cmd bad : {Cmd{Op::Bad}, Cmd{Op::Stream, false, 0, 0}, Cmd{Op::Drain, false, kAccRows - 4, 5},
                  Cmd{Op::Stream, true, kAccRows - 1, 2}, Cmd{Op::Drain, false, 7, 0},
                  // addr + count carries out of the count field: must not wrap around
                  Cmd{Op::Drain, false, kAccRows - 1, kAccRows + 1}, Cmd{Op::Stream, false, 1, 2 * kAccRows - 1}}) {
    INFO("op " << int(bad.op) << " addr " << bad.addr << " count " << bad.count);
    Tb<TestType> tb;
    tb.queue_cmd(bad);
    tb.run_until_idle(1000);
    REQUIRE(tb.dut()->err_cmd_o);
    // the tile still works
    Gemm g = random_gemm(9, N + 1, N, phtpu::test_seed() + 5);
    check_result(g, N, tb.run(g));
  }
  Tb<TestType> ok;
  ok.queue_cmd({Op::Drain, false, kAccRows - 4, 4}); // exactly to the end: legal
  ok.run_until_idle(1000);
  REQUIRE_FALSE(ok.dut()->err_cmd_o);
  REQUIRE(ok.results().size() == 4);
}

TEMPLATE_TEST_CASE("mxu_tile: a drain held by the result port while many later streams retire", "[mxu]", N4, N8, N16) {
  constexpr unsigned N = TestType::N;
  Tb<TestType> tb;
  std::vector<std::uint16_t> w(N * N, 0x3F80);
  tb.queue_cmd({Op::Load});
  tb.queue_weights(w);
  tb.queue_cmd({Op::Stream, false, 0, 2});
  tb.queue_row(std::vector<std::uint16_t>(N, 0x3F80));
  tb.queue_row(std::vector<std::uint16_t>(N, 0x4000));
  tb.queue_cmd({Op::Drain, false, 0, 2});
  for (int i = 0; i < 600; ++i) { // more than the sequence numbers can count: 2^10 / 2
    tb.queue_cmd({Op::Stream, false, 5, 1});
    tb.queue_row(std::vector<std::uint16_t>(N, 0x3F80));
  }
  tb.queue_cmd({Op::Stream, false, 1, 1}); // overlaps the drain's unread row 1: waits for it
  tb.queue_row(std::vector<std::uint16_t>(N, 0x4040));
  tb.queue_cmd({Op::Drain, false, 1, 1});
  tb.set_stalls({0, 0, 0, 1.0}); // the result port takes nothing
  for (int c = 0; c < 5000; ++c) tb.step();
  REQUIRE(tb.results().empty());
  tb.set_stalls({});
  tb.run_until_idle(10000);
  REQUIRE(tb.results().size() == 3);
  CHECK(tb.results()[0].v[0] == bits32(float(N)));     // row 0: N x 1 x 1
  CHECK(tb.results()[1].v[0] == bits32(float(2 * N))); // row 1 before the late stream overwrote it
  CHECK(tb.results()[2].v[0] == bits32(float(3 * N))); // row 1 after it
}

TEMPLATE_TEST_CASE("mxu_tile: random command programs against a sequential model", "[mxu]", N4, N8, N16) {
  // Loads, streams of 1..3N rows (overwrite or accumulate, anywhere in 64 rows), drains of
  // written rows, in random order with random backpressure. The model executes the commands
  // one at a time: a STREAM after a LOAD uses the loaded tile, later ones the same tile.
  constexpr unsigned N = TestType::N;
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (PHTPU_SEED)");
  std::mt19937_64 rng(seed + N);
  for (double p : {0.0, 0.3}) {
    Tb<TestType> tb(2048, seed);
    tb.set_stalls({p, p, p, p});
    std::vector<std::uint16_t> weights(N * N, 0), pending;
    std::vector<std::vector<std::uint32_t>> acc(64, std::vector<std::uint32_t>(N, 0));
    std::vector<bool> written(64, false);
    std::vector<std::vector<std::uint32_t>> expect;
    auto bf = [&] { return random_bf16(rng, 0.2); };
    for (int i = 0; i < 150; ++i) {
      unsigned what = unsigned(rng() % 10);
      if (what < 3) {
        pending.assign(N * N, 0);
        for (auto& x : pending) x = bf();
        tb.queue_cmd({Op::Load});
        tb.queue_weights(pending);
      } else if (what < 8) {
        unsigned count = 1 + unsigned(rng() % (3 * N)), addr = unsigned(rng() % (64 - count));
        bool accm = rng() & 1u;
        if (!pending.empty()) weights = std::move(pending), pending.clear();
        tb.queue_cmd({Op::Stream, accm, addr, count});
        for (unsigned m = 0; m < count; ++m) {
          std::vector<std::uint16_t> a(N);
          for (auto& x : a) x = bf();
          tb.queue_row(a);
          for (unsigned n = 0; n < N; ++n) {
            std::uint32_t s = 0;
            for (unsigned k = 0; k < N; ++k) s = fp32_add(s, bf16_mul(a[k], weights[k * N + n]));
            acc[addr + m][n] = accm && written[addr + m] ? fp32_add(acc[addr + m][n], s) : s;
          }
          if (!accm) written[addr + m] = true;
          else if (!written[addr + m]) acc[addr + m].assign(N, 0), written[addr + m] = false; // junk: never drained
        }
      } else {
        unsigned addr = unsigned(rng() % 64), count = 1;
        while (addr + count < 64 && count < 2 * N && written[addr + count]) ++count;
        if (!written[addr]) continue;
        tb.queue_cmd({Op::Drain, false, addr, count});
        for (unsigned r = 0; r < count; ++r) expect.push_back(acc[addr + r]);
      }
    }
    tb.run_until_idle(200000);
    REQUIRE(tb.results().size() == expect.size());
    for (std::size_t r = 0; r < expect.size(); ++r)
      for (unsigned n = 0; n < N; ++n) {
        INFO("drained row " << r << " (address " << tb.results()[r].addr << ") column " << n << ", stall " << p);
        REQUIRE(tb.results()[r].v[n] == expect[r][n]);
      }
  }
}
