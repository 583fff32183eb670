// MxuTileTb<Model, N>: drives a Verilated mxu_tile (rtl/mxu/mxu_tile.sv) of size N through
// its four valid/ready streams. One transactor per stream (commands, weight beats, activation
// rows, result rows), each with an optional random stall probability, so backpressure can be
// exercised on every interface. run() plays a GEMM program (mxu_gemm.hpp tiling) and returns
// C and cycle statistics; the lower-level queue_*() calls let tests build their own programs.
#pragma once

#include "dut.hpp"
#include "mxu_gemm.hpp"
#include "rtl_params.hpp"

#include <verilated.h>

#include <cstdint>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace phtpu::mxu {

/// The tile's commands (rtl/mxu/mxu_pkg.sv Op*).
enum class Op : std::uint8_t {
  Load = rtl::mxu_pkg::OpLoad,
  Stream = rtl::mxu_pkg::OpStream,
  Drain = rtl::mxu_pkg::OpDrain,
  Bad = rtl::mxu_pkg::OpBad
};

struct Cmd {
  Op op;
  bool acc = false;
  unsigned addr = 0, count = 0;
};

/// Field [lsb, lsb+width) of a Verilated port (QData/IData or VlWide). The tile's fields are
/// 16 or 32 bits wide at multiples of their width, so a field never straddles a 32-bit word of
/// a VlWide: one masked word access per field (this runs for every lane every cycle).
template <class Port>
void port_set(Port& p, unsigned lsb, unsigned width, std::uint32_t v) {
  if constexpr (std::is_integral_v<Port>) {
    using U = std::make_unsigned_t<Port>;
    U mask = U(((1ull << width) - 1) << lsb);
    p = Port((U(p) & ~mask) | ((U(v) << lsb) & mask));
  } else {
    const std::uint32_t mask = (width == 32 ? ~0u : ((1u << width) - 1)) << (lsb % 32);
    std::uint32_t& w = p[lsb / 32];
    w = (w & ~mask) | ((v << (lsb % 32)) & mask);
  }
}
template <class Port>
std::uint32_t port_get(const Port& p, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<Port>) {
    return std::uint32_t((std::uint64_t(p) >> lsb) & ((1ull << width) - 1));
  } else {
    const std::uint32_t w = p[lsb / 32] >> (lsb % 32);
    return width == 32 ? w : w & ((1u << width) - 1);
  }
}

struct Stalls {
  double cmd = 0, w = 0, a = 0, r = 0; ///< probability that a stream holds valid/ready low in a cycle
};

/// What one run measured.
struct RunStats {
  std::uint64_t cycles = 0;        ///< first command offered .. last result row taken
  std::uint64_t rows = 0;          ///< activation rows that entered the array
  std::uint64_t first_row = 0;     ///< cycle the first row entered
  std::uint64_t last_row = 0;      ///< cycle the last row entered
  std::uint64_t result_rows = 0;
  bool err_cmd = false;
};

template <class Model, unsigned N>
class MxuTileTb {
public:
  static constexpr unsigned kN = N;
  explicit MxuTileTb(unsigned acc_rows = 2048, std::uint64_t seed = 1, const std::string& name = "top")
      : dut_(name), acc_rows_(acc_rows), rng_(seed) {
    dut_.reset();
  }

  Dut<Model>& dut() { return dut_; }
  void set_stalls(const Stalls& s) { stalls_ = s; }
  unsigned acc_rows() const { return acc_rows_; }

  // ---- low level: queue traffic, then step() until done ----------------------------------
  void queue_cmd(const Cmd& c) { cmds_.push_back(c); }
  /// One weight tile W[k][n] (N x N row-major); sent bottom row first, as the RTL expects.
  void queue_weights(const std::vector<std::uint16_t>& w) {
    for (unsigned k = N; k-- > 0;) beats_.emplace_back(w.begin() + k * N, w.begin() + (k + 1) * N);
  }
  /// Raw beat, in the order the RTL takes it (tests of the loading order itself).
  void queue_beat(const std::vector<std::uint16_t>& row) { beats_.push_back(row); }
  void queue_row(const std::vector<std::uint16_t>& a) { rows_.push_back(a); }

  struct ResultRow {
    unsigned addr;
    std::vector<std::uint32_t> v;
    std::uint64_t cycle;
  };
  std::deque<ResultRow>& results() { return results_; }

  bool queues_empty() const { return cmds_.empty() && beats_.empty() && rows_.empty(); }
  bool idle() { return dut_->idle_o; }

  /// One clock cycle: offer what is queued (subject to stalls), take what is accepted.
  void step() {
    auto& m = dut_.model();
    bool cv = !cmds_.empty() && !stall(stalls_.cmd);
    bool wv = !beats_.empty() && !stall(stalls_.w);
    bool av = !rows_.empty() && !stall(stalls_.a);
    bool rr = !stall(stalls_.r);
    m.cmd_valid_i = cv;
    if (cv) {
      m.cmd_op_i = std::uint8_t(cmds_.front().op);
      m.cmd_acc_i = cmds_.front().acc;
      m.cmd_addr_i = static_cast<std::remove_reference_t<decltype(m.cmd_addr_i)>>(cmds_.front().addr);
      m.cmd_count_i = static_cast<std::remove_reference_t<decltype(m.cmd_count_i)>>(cmds_.front().count);
    }
    m.w_valid_i = wv;
    if (wv)
      for (unsigned n = 0; n < N; ++n) port_set(m.w_data_i, n * 16, 16, beats_.front()[n]);
    m.a_valid_i = av;
    if (av)
      for (unsigned k = 0; k < N; ++k) port_set(m.a_data_i, k * 16, 16, rows_.front()[k]);
    m.r_ready_i = rr;
    // ready outputs depend on registered state only: valid before the edge
    bool cf = cv && m.cmd_ready_o, wf = wv && m.w_ready_o, af = av && m.a_ready_o, rf = rr && m.r_valid_o;
    if (rf) {
      ResultRow r{unsigned(m.r_addr_o), std::vector<std::uint32_t>(N), dut_.cycle()};
      for (unsigned n = 0; n < N; ++n) r.v[n] = port_get(m.r_data_o, n * 32, 32);
      results_.push_back(std::move(r));
    }
    if (af) {
      if (stats_.rows == 0) stats_.first_row = dut_.cycle();
      stats_.last_row = dut_.cycle();
      ++stats_.rows;
    }
    dut_.tick();
    if (cf) cmds_.pop_front();
    if (wf) beats_.pop_front();
    if (af) rows_.pop_front();
  }

  /// Step until every queue is empty and the tile is idle; throws after max_cycles.
  void run_until_idle(std::uint64_t max_cycles = 10'000'000) {
    std::uint64_t start = dut_.cycle();
    while (!(queues_empty() && idle())) {
      step();
      if (dut_.cycle() - start > max_cycles)
        throw std::runtime_error("mxu_tile did not finish within " + std::to_string(max_cycles) +
                                 " cycles (deadlock?)");
    }
  }

  // ---- high level: one GEMM ----------------------------------------------------------------
  /// Plays the GEMM program and returns C (row-major fp32 bits). Tiling: blocks of at most
  /// acc_rows/2 rows of A; for each block, each tile of N columns of B, each tile of N rows of
  /// B: LOAD the weight tile, STREAM the block's rows (first K tile overwrites, the others
  /// accumulate); then DRAIN the block. Column tiles alternate between the two halves of the
  /// accumulators, so a drain overlaps the next tile's computation.
  std::vector<std::uint32_t> run(const Gemm& g, RunStats* out = nullptr, std::uint64_t max_cycles = 0) {
    if (g.M == 0 || g.K == 0 || g.Ncol == 0) throw std::invalid_argument("GEMM dimensions must be positive");
    const unsigned half = acc_rows_ / 2, kt = ceil_div(g.K, N), nt = ceil_div(g.Ncol, N);
    std::vector<std::uint32_t> C(std::size_t(g.M) * g.Ncol, 0);
    struct Drain {
      unsigned base, m0, n0, count;
    };
    std::deque<Drain> drains;
    unsigned bank = 0;
    for (unsigned m0 = 0; m0 < g.M; m0 += half) {
      unsigned mb = std::min(half, g.M - m0);
      for (unsigned j = 0; j < nt; ++j, bank ^= 1u) {
        unsigned base = bank * half;
        for (unsigned t = 0; t < kt; ++t) {
          std::vector<std::uint16_t> w(N * N, 0);
          for (unsigned k = 0; k < N; ++k)
            for (unsigned n = 0; n < N; ++n)
              if (t * N + k < g.K && j * N + n < g.Ncol) w[k * N + n] = g.b(t * N + k, j * N + n);
          queue_cmd({Op::Load});
          queue_weights(w);
          queue_cmd({Op::Stream, t > 0, base, mb});
          for (unsigned m = 0; m < mb; ++m) {
            std::vector<std::uint16_t> a(N, 0);
            for (unsigned k = 0; k < N && t * N + k < g.K; ++k) a[k] = g.a(m0 + m, t * N + k);
            queue_row(a);
          }
        }
        queue_cmd({Op::Drain, false, base, mb});
        drains.push_back({base, m0, j * N, mb});
      }
    }
    RunStats st;
    stats_ = RunStats{};
    std::uint64_t start = dut_.cycle();
    std::uint64_t limit = max_cycles ? max_cycles : 50 * ideal_cycles(g.M, g.K, g.Ncol, N) + 100'000;
    results_.clear();
    std::uint64_t expect = 0;
    for (auto& d : drains) expect += d.count;
    std::uint64_t got = 0;
    while (got < expect) {
      step();
      while (!results_.empty()) {
        auto r = std::move(results_.front());
        results_.pop_front();
        Drain& d = drains.front();
        if (r.addr < d.base || r.addr >= d.base + d.count)
          throw std::runtime_error("result row " + std::to_string(r.addr) + " outside the drained range");
        unsigned m = d.m0 + (r.addr - d.base);
        for (unsigned n = 0; n < N && d.n0 + n < g.Ncol; ++n) C[std::size_t(m) * g.Ncol + d.n0 + n] = r.v[n];
        ++got;
        if (r.addr == d.base + d.count - 1) drains.pop_front();
        st.cycles = r.cycle + 1 - start;
      }
      if (dut_.cycle() - start > limit)
        throw std::runtime_error("mxu_tile stopped making progress (" + std::to_string(got) + " of " +
                                 std::to_string(expect) + " result rows after " + std::to_string(limit) + " cycles)");
    }
    run_until_idle(limit);
    st.rows = stats_.rows;
    st.first_row = stats_.first_row - start;
    st.last_row = stats_.last_row - start;
    st.result_rows = got;
    st.err_cmd = dut_->err_cmd_o;
    if (out) *out = st;
    return C;
  }

private:
  bool stall(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  Dut<Model> dut_;
  unsigned acc_rows_;
  std::mt19937_64 rng_;
  Stalls stalls_;
  std::deque<Cmd> cmds_;
  std::deque<std::vector<std::uint16_t>> beats_, rows_;
  std::deque<ResultRow> results_;
  RunStats stats_;
};

} // namespace phtpu::mxu
