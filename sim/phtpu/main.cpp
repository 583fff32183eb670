// phtpu: the one command-line front end of phext-tpu.
#include "cli.hpp"
#include "phtpu_version.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <new>

namespace {
// Every error stays on one line, and nothing in it reaches the terminal as a control: trailing
// newlines dropped, inner ones shown as \n, every other control byte (C0, DEL), every C1
// control encoded in UTF-8 (U+0080..U+009F, which terminals may act on) and every byte that is
// not part of valid UTF-8 shown as \xNN. Messages quote what the user typed, so this is where
// a hostile argument is made harmless, whoever built the message.
std::string one_line(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r'))
    msg.pop_back();
  std::string out;
  const auto* s = reinterpret_cast<const unsigned char*>(msg.data());
  const std::size_t n = msg.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02X}", c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // a UTF-8 sequence: its length from the lead byte, its continuation bytes checked
      const std::size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
      bool ok = len > 0 && i + len <= n;
      for (std::size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
      const bool c1 = ok && len == 2 && c == 0xC2 && s[i + 1] < 0xA0; // U+0080..U+009F
      if (!ok || c1) {
        for (std::size_t k = 0; k < (ok ? len : 1); ++k) out += fmt::format("\\x{:02X}", s[i + k]);
        i += ok ? len : 1;
      } else {
        out.append(msg, i, len);
        i += len;
      }
    }
  }
  return out;
}

// CLI11 reads numbers with strtoull/strtoll in base 0 and without a range check: "-1" wraps
// to 2^64-1, "010" is octal, "0x10" hex, a number past 64 bits saturates, and strtold takes
// "nan" and "inf". Every numeric option's text passes strict_number (cli.hpp) first; CLI11 then
// converts, refusing what does not fit the option's own type.
// Put strict_number in front of every numeric option of `app` and its subcommands, and refuse
// an empty value for every other option that takes one (CLI11 would take `--json ''` as no
// file and `--seed ''` as 0); a positional text (phext insert's TEXT) may be empty.
void strict_values(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    if (o->get_expected_max() == 0) continue; // a flag
    const std::string t = o->get_type_name();
    const char kind = t.rfind("UINT", 0) == 0 ? 'u' : t.rfind("INT", 0) == 0 ? 'i' : t.rfind("FLOAT", 0) == 0 ? 'f' : 0;
    if (kind) o->transform(CLI::Validator([kind](std::string& v) { return phtpu::cli::strict_number(v, kind); }, ""));
    else if (o->nonpositional())
      o->transform(CLI::Validator([](std::string& v) { return v.empty() ? std::string("an empty value") : std::string(); }, ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) strict_values(*sub);
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
  app.set_version_flag("--version", "phtpu " PHTPU_VERSION);
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
  strict_values(app);
  phtpu::cli::remove_temporaries_on_signals();

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
