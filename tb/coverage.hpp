// Coverage of the Verilated models (make coverage: scripts/coverage.sh, -DPHTPU_COVERAGE=ON,
// cmake/PhtpuCoverage.cmake). Verilator counts per VerilatedContext, in counters that live inside
// the models: whoever owns a context writes its counts before the models sharing it are
// destroyed, to a new file $PHTPU_COVERAGE_DIR/<program>.<who>-XXXXXX.dat, which
// scripts/coverage.sh merges. Nothing is written when PHTPU_COVERAGE_DIR is unset or empty, or
// when the build has no coverage (VM_COVERAGE, defined by every target that links a model).
//
// Owners: Dut<> (tb/dut.hpp), Network (sim/net), Pod (sim/pod, through a CoverageOnExit
// member), and the tests that keep a bare context beside their models.
#pragma once

#include <memory>

#if VM_COVERAGE
#include <verilated.h>
#include <verilated_cov.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#endif

class VerilatedContext;

namespace phtpu {

/// Write the coverage counted in `ctx` to a new file under $PHTPU_COVERAGE_DIR (see above).
/// Call it while the context's models still exist. Never throws; a file that cannot be
/// created is reported on stderr and skipped.
inline void write_coverage(VerilatedContext* ctx, const char* who) noexcept {
#if VM_COVERAGE
  const char* dir = std::getenv("PHTPU_COVERAGE_DIR");
  if (ctx == nullptr || dir == nullptr || *dir == '\0') return;
  try {
    // mkstemps creates the file: a name no other process or context of this run can take
    std::string path = std::string(dir) + "/" + program_invocation_short_name + "." + who + "-XXXXXX.dat";
    const int fd = mkstemps(path.data(), 4);
    if (fd < 0) {
      std::fprintf(stderr, "phtpu: cannot write coverage data under %s: %s\n", dir, std::strerror(errno));
      return;
    }
    ::close(fd);
    ctx->coveragep()->write(path.c_str());
  } catch (...) {
    std::fprintf(stderr, "phtpu: cannot write coverage data under %s\n", dir);
  }
#else
  (void)ctx;
  (void)who;
#endif
}

/// Writes a context's coverage when destroyed. Declare it after the models that share the
/// context (members are destroyed in reverse order of declaration), so it runs while they live.
class CoverageOnExit {
public:
  CoverageOnExit(VerilatedContext& ctx, const char* who) : ctx_(&ctx), who_(who) {}
  /// A context held by a unique_ptr, read when this object is destroyed.
  CoverageOnExit(const std::unique_ptr<VerilatedContext>& owner, const char* who) : owner_(&owner), who_(who) {}
  CoverageOnExit(const CoverageOnExit&) = delete;
  CoverageOnExit& operator=(const CoverageOnExit&) = delete;
  ~CoverageOnExit() { write_coverage(owner_ != nullptr ? owner_->get() : ctx_, who_); }

private:
  VerilatedContext* ctx_ = nullptr;
  const std::unique_ptr<VerilatedContext>* owner_ = nullptr;
  const char* who_;
};

} // namespace phtpu
