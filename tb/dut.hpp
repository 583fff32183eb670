// Dut<Model>: owns one Verilated model with its own VerilatedContext, its clock, its
// reset and its optional FST trace (a ZipCPU-style test bench class).
//
// Convention for every RTL top: clock `clk_i`, asynchronous active-low reset `rst_ni`.
// The model must be verilated with TRACE_FST for open_trace() to record anything.
// No globals: many Duts can live in one process (one context each).
//
// The trace is flushed and closed in the destructor, so a failing Catch2 REQUIRE (which
// throws) still leaves a complete waveform; flush() can be called at any time.
// RTL assertions (models verilated with --assert; `ifndef SYNTHESIS blocks in rtl/): a failed
// assertion prints its message and tick() throws RtlAssertion, so the test fails at the cycle
// it happened (Verilator's default, aborting the process, would lose the trace). A test that
// provokes a violation on purpose turns them off with assertions(false) around it.
// Under make coverage the destructor also writes the context's coverage (tb/coverage.hpp).
#pragma once

#include "coverage.hpp"
#include "rtl_assert.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace phtpu {

template <class Model>
class Dut {
public:
  explicit Dut(const std::string& name = "top") : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->threads(1); // Verilator 5.006's default is hardware_concurrency() threads
    ctx_->traceEverOn(true);
    report_assertions(*ctx_);
    make_current(*ctx_);
    model_ = std::make_unique<Model>(ctx_.get(), name.c_str());
    model_->clk_i = 0;
    model_->rst_ni = 1;
    model_->eval();
  }
  Dut(const Dut&) = delete;
  Dut& operator=(const Dut&) = delete;
  ~Dut() {
    make_current(*ctx_);
    if (trace_) trace_->close();
    model_->final();
    write_coverage(ctx_.get(), "dut"); // make coverage: while the model lives (tb/coverage.hpp)
  }

  Model* operator->() { return model_.get(); }
  Model& model() { return *model_; }
  VerilatedContext& context() { return *ctx_; }

  /// Start recording an FST waveform at `path` (parent folders are created).
  void open_trace(const std::string& path, int depth = 99) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    trace_ = std::make_unique<VerilatedFstC>();
    model_->trace(trace_.get(), depth);
    trace_->open(path.c_str());
    if (!trace_->isOpen()) {
      trace_.reset();
      throw std::runtime_error("cannot write waveform " + path);
    }
    trace_path_ = path;
    dump();
  }
  bool tracing() const { return trace_ != nullptr; }
  /// Called with the cycle count every 4096 cycles (a long run's progress report); empty: none.
  void set_progress(std::function<void(std::uint64_t)> f) { progress_ = std::move(f); }
  const std::string& trace_path() const { return trace_path_; }
  void flush() {
    if (trace_) trace_->flush();
  }

  /// One clock cycle: falling edge, then rising edge. Inputs set before tick() are
  /// sampled at the rising edge; registered outputs are readable after it returns.
  void tick() {
    make_current(*ctx_);
    model_->clk_i = 0;
    model_->eval();
    ctx_->timeInc(kHalfPeriod);
    dump();
    model_->clk_i = 1;
    model_->eval();
    ctx_->timeInc(kHalfPeriod);
    dump();
    ++cycle_;
    if (progress_ && (cycle_ & 4095) == 0) progress_(cycle_);
    if (ctx_->gotError()) {
      flush();
      throw_if_failed(*ctx_, "cycle " + std::to_string(cycle_));
    }
  }
  void ticks(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i)
      tick();
  }

  /// Assert rst_ni for `cycles` clock cycles, then release it.
  void reset(unsigned cycles = 2) {
    model_->rst_ni = 0;
    model_->eval();
    ticks(cycles);
    model_->rst_ni = 1;
    model_->eval();
  }

  std::uint64_t cycle() const { return cycle_; }
  /// Evaluate the model's assertions (on by default; off to provoke a violation on purpose).
  void assertions(bool on) { ctx_->assertOn(on); }

  /// Half a clock period in trace time units (1 ns with --timescale 1ns/1ns): a 10 ns clock.
  static constexpr std::uint64_t kHalfPeriod = 5;

private:
  void dump() {
    if (trace_) trace_->dump(ctx_->time());
  }
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::function<void(std::uint64_t)> progress_;
  std::string trace_path_;
  std::uint64_t cycle_ = 0;
};

/// Where a test writes its waveform: $PHTPU_WAVE_DIR/<name>.fst, else the build's
/// waves folder (compile definition PHTPU_TEST_WAVE_DIR), else ./waves.
inline std::string test_wave_path(const std::string& name) {
  if (const char* dir = std::getenv("PHTPU_WAVE_DIR")) return std::string(dir) + "/" + name + ".fst";
#ifdef PHTPU_TEST_WAVE_DIR
  return std::string(PHTPU_TEST_WAVE_DIR) + "/" + name + ".fst";
#else
  return "waves/" + name + ".fst";
#endif
}

} // namespace phtpu
