// RTL assertions in the C++ harnesses. The models are verilated with --assert: the immediate
// assertions of rtl/ (in `ifndef SYNTHESIS blocks) are checked every cycle. By default a failed
// assertion makes Verilator abort the process; every harness that owns a VerilatedContext
// calls report_assertions() instead, and throw_if_failed() after each cycle, so a failure is
// an exception (a failed test, a one-line error of phtpu) with the RTL's message printed above
// it, and waveforms are closed properly.
#pragma once

#include <verilated.h>

#include <stdexcept>
#include <string>

namespace phtpu {

/// An RTL assertion (or $error, $stop) fired in a Verilated model.
class RtlAssertion : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Make a context report assertion failures instead of aborting the process (see
/// throw_if_failed); every harness that owns a VerilatedContext calls this.
inline void report_assertions(VerilatedContext& ctx) { ctx.fatalOnError(false); }
/// Throw RtlAssertion if an assertion of a model in `ctx` has failed since the last check.
inline void throw_if_failed(VerilatedContext& ctx, const std::string& where) {
  if (!ctx.gotError()) return;
  ctx.gotError(false);
  ctx.gotFinish(false);
  throw RtlAssertion("RTL assertion failed in " + where + " (its message is printed above)");
}

/// Verilator 5.006 records a failed assertion in the thread's current context, not the model's
/// own, and erases a destroyed model's scopes (which --assert creates, for the messages) from it
/// too: with several contexts in one process (two networks, two Duts, a test after another) that
/// is another context or one already freed, so a failure would be charged to the wrong model, or
/// the process hangs or crashes. Every owner of a context calls this with it before each cycle
/// it evaluates and before its models are destroyed (a thread-local store).
inline void make_current(VerilatedContext& ctx) { Verilated::threadContextp(&ctx); }

} // namespace phtpu
