// phtpu: the one command-line front end of phext-tpu.
#include "cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <fmt/format.h>
#include <iostream>
#include <new>

namespace {
// Every error stays on one line: trailing newlines dropped, inner ones shown as \n.
std::string one_line(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r'))
    msg.pop_back();
  std::string out;
  for (char c : msg) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

// Output that could not be written (a full disk, a closed pipe) is an error, not success.
int finish(int status) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fmt::print(stderr, "phtpu: error writing standard output\n");
    return status == 0 ? 1 : status;
  }
  return status;
}
} // namespace

// The pod's threads (OpenMP) wait at a barrier three times a cycle. GCC's OpenMP spins for
// about 300,000 rounds before it sleeps: on a 2-core VM that ran a pod 200 times slower than
// sleeping at once (a spinning thread takes the core the working one needs), while sleeping at
// once costs a wake-up per barrier. A short spin, 10,000 rounds, was the fastest there: a
// 512-chip pod 1.65-1.8x faster on 2 threads than on 1 (sleeping at once: 1.5-1.6x). OpenMP
// reads these settings only from the environment, before main, so phtpu pod runs itself again
// with GOMP_SPINCOUNT=10000 unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set
// (OMP_WAIT_POLICY=passive: sleep at once, the choice on a machine shared with other work).
void default_wait_policy(char** argv) {
  if (!argv[1] || std::string(argv[1]) != "pod" || std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"))
    return;
  setenv("GOMP_SPINCOUNT", "10000", 1);
  char self[4096]; // this executable's path (exec'ing /proc/self/exe itself would rename the process "exe")
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  execv(self, argv); // returns only on failure: then run on with OpenMP's defaults
}

int main(int argc, char** argv) {
  using namespace phtpu::cli;
  if (argc > 1) default_wait_policy(argv);
  CLI::App app{"phtpu: phext coordinates and documents, chip addressing, and the phext-tpu RTL simulations.\n"
               "Exit status: 0 ok, 1 invalid input, 2 bad usage."};
  app.name("phtpu");
  app.require_subcommand(1);
  app.set_version_flag("--version", "phtpu 0.1.0");
  app.footer("Run `phtpu COMMAND --help` for the options of a command.");
  Action action;
  add_coord_commands(app, action);
  add_phext_commands(app, action);
  add_decode_command(app, action);
  add_net_command(app, action);
  add_mxu_command(app, action);
  add_sparsecore_command(app, action);
  add_pod_command(app, action);
  add_model_command(app, action);
  add_avail_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    fmt::print(stderr, "phtpu: error: {} (see phtpu --help)\n", one_line(e.what()));
    return 2;
  }
  try {
    return finish(action ? action() : 0);
  } catch (const UsageError& e) {
    fmt::print(stderr, "phtpu: error: {} (see --help)\n", one_line(e.what()));
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "phtpu: out of memory\n");
    return 1;
  } catch (const std::exception& e) { // InputError, phext::ParseError, phext::AddressError, ...
    fmt::print(stderr, "phtpu: {}\n", one_line(e.what()));
    return 1;
  }
}

// libsystemc ships a main() that calls sc_main(); phtpu has its own main() and starts SystemC
// from `phtpu net` (sim/net/fabric.cpp), but the linker still wants the symbol.
extern "C" int sc_main(int, char**) { return 1; }
