// Running the phtpu command from a test: its exit status, standard output and standard error,
// in a scratch folder of this test process (tests/test_cli.cpp, tests/test_cli_table.cpp).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace phtpu_cli_test {

struct Result {
  int status;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One scratch folder per test process (CTest runs cases in parallel), removed at exit.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("phtpu_cli_test_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

inline fs::path scratch() {
  static Scratch s;
  return s.dir;
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

// Run phtpu with `args` (shell words), optional bytes on stdin, stdout to a file (or `out`).
inline Result run(const std::string& args, const std::string& stdin_bytes = "", const std::string& out = "") {
  const fs::path d = scratch();
  write_file(d / "stdin", stdin_bytes);
  write_file(d / "stdout", "");
  const std::string cmd = std::string(PHTPU_EXE) + " " + args + " <" + (d / "stdin").string() + " >" +
                          (out.empty() ? (d / "stdout").string() : out) + " 2>" + (d / "stderr").string();
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(d / "stdout"), slurp(d / "stderr")};
}

inline bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

} // namespace phtpu_cli_test
