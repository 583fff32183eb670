#include "cli.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace phtpu::cli {

std::string read_input(const std::string& path) {
  std::FILE* f = stdin;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owner(nullptr, std::fclose);
  if (path != "-") {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      throw InputError(fmt::format("{}: is a directory", phext::printable(path, 256)));
    f = std::fopen(path.c_str(), "rb");
    if (!f) throw InputError(fmt::format("{}: {}", phext::printable(path, 256), std::strerror(errno)));
    owner.reset(f);
  }
  std::string data;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    data.append(buf, n);
  if (std::ferror(f))
    throw InputError(fmt::format("{}: read error", path == "-" ? "<stdin>" : phext::printable(path, 256)));
  return data;
}

void check_writable(const std::string& path) {
  if (path.empty() || path == "-") return;
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  std::FILE* f = std::fopen(path.c_str(), "ab"); // append: leaves an existing file as it is
  if (!f) throw InputError(fmt::format("cannot write {}: {}", phext::printable(path, 256), std::strerror(errno)));
  std::fclose(f);
  if (!existed) std::remove(path.c_str()); // a run that fails later leaves no empty file behind
}

void write_output(const std::string& path, std::string_view bytes) {
  if (path.empty() || path == "-") {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
      throw InputError("<stdout>: write error");
    return;
  }
  const std::string shown = phext::printable(path, 256);
  // A regular file (or a new one) is written whole or not at all: into a temporary file beside
  // it, renamed over it once complete, so an interrupted or failed write leaves what was there.
  // Anything else (/dev/null, a pipe) is written in place: renaming over it would replace it.
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  const bool in_place = !ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st);
  const std::string target = in_place ? path : fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
  std::FILE* f = std::fopen(target.c_str(), "wb");
  if (!f) throw InputError(fmt::format("{}: {}", shown, std::strerror(errno)));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    if (!in_place) std::remove(target.c_str());
    throw InputError(fmt::format("{}: write error", shown));
  }
  if (!in_place && std::rename(target.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(target.c_str());
    throw InputError(fmt::format("{}: {}", shown, std::strerror(err)));
  }
}

std::uint64_t parse_byte_size(const std::string& text) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  const auto bad = [&] { return InputError("message size '" + text + "' is not a number of bytes (e.g. 4096, 64KiB, 1MiB, 2GiB)"); };
  if (text.empty() || text[0] < '0' || text[0] > '9') throw bad();
  try {
    v = std::stoull(text, &pos);
  } catch (const std::exception&) {
    throw bad();
  }
  const std::string unit = text.substr(pos);
  unsigned shift = 0;
  if (unit == "KiB" || unit == "K") shift = 10;
  else if (unit == "MiB" || unit == "M") shift = 20;
  else if (unit == "GiB" || unit == "G") shift = 30;
  else if (!unit.empty() && unit != "B") throw InputError("message size '" + text + "': unit must be B, KiB, MiB or GiB");
  if (v > (~0ull >> shift)) throw InputError("message size '" + text + "' is too large");
  return v << shift;
}

phext::ZArm parse_zarm(const std::string& text) {
  // The arm grammar is the coordinate's: reuse the strict parser on a padded coordinate.
  if (text.find_first_of("/;") == std::string::npos) {
    try {
      const auto c = phext::Coordinate::parse(text + "/1.1.1/1.1.1");
      return {c.library(), c.shelf(), c.series()};
    } catch (const phext::ParseError&) {
    }
  }
  throw InputError(
      fmt::format("invalid Z arm '{}': expected datacenter.pod.slice, each 1..999", phext::printable(text)));
}

std::vector<std::string> split_commas(const std::string& text, bool keep_empty) {
  std::vector<std::string> out;
  for (std::size_t a = 0, b; a <= text.size(); a = b + 1) {
    b = text.find(',', a);
    if (b == std::string::npos) b = text.size();
    if (b > a || keep_empty) out.push_back(text.substr(a, b - a));
  }
  return out;
}

} // namespace phtpu::cli
