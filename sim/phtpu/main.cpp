// phtpu: the one command-line front end of phext-tpu.
#include "cli.hpp"

#include <cstdio>
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

int main(int argc, char** argv) {
  using namespace phtpu::cli;
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
  add_search_command(app, action);
  add_compare_command(app, action);

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
