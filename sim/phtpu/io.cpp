#include "cli.hpp"

#include "link_layer.hpp"

#include <cerrno>
#include <csignal>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <set>
#include <signal.h>
#include <sys/resource.h>
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
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, n);
    if (data.size() > kMaxInputBytes)
      throw InputError(fmt::format("{}: larger than {} MiB, the most phtpu reads (an input is held in memory whole, "
                                   "several times over while it is edited)",
                                   path == "-" ? "<stdin>" : phext::printable(path, 256), kMaxInputBytes >> 20));
  }
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

// ---- temporary files, removed on a fatal signal ------------------------------------------------
namespace {
// Fixed slots a signal handler can read without allocating: a path, and whether it is in use.
constexpr std::size_t kTempSlots = 16, kTempPath = 4096;
char g_temp_path[kTempSlots][kTempPath];
volatile std::sig_atomic_t g_temp_used[kTempSlots];

int register_temp(const std::string& path) {
  if (path.size() + 6 >= kTempPath) return -1; // (+ ".hier"); such a file is not removed on a signal
  for (std::size_t i = 0; i < kTempSlots; ++i)
    if (!g_temp_used[i]) {
      std::memcpy(g_temp_path[i], path.c_str(), path.size() + 1);
      g_temp_used[i] = 1;
      return static_cast<int>(i);
    }
  return -1;
}
void unregister_temp(int slot) {
  if (slot >= 0) g_temp_used[slot] = 0;
}

extern "C" void remove_temporaries_and_die(int sig) {
  for (std::size_t i = 0; i < kTempSlots; ++i)
    if (g_temp_used[i]) {
      ::unlink(g_temp_path[i]);
      char hier[kTempPath + 8];
      std::size_t n = 0;
      for (; g_temp_path[i][n] != 0; ++n) hier[n] = g_temp_path[i][n];
      for (const char* e = ".hier"; *e != 0; ++e) hier[n++] = *e;
      hier[n] = 0;
      ::unlink(hier);
    }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string temp_name(const std::string& path) { return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid())); }
} // namespace

void remove_temporaries_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction a {};
    a.sa_handler = remove_temporaries_and_die;
    sigemptyset(&a.sa_mask);
    sigaction(sig, &a, nullptr);
  }
}

PendingFile::PendingFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  check_writable(path_);
  temp_ = temp_name(path_);
  slot_ = register_temp(temp_);
}

PendingFile::~PendingFile() {
  if (temp_.empty()) return;
  if (!keep_ || std::rename(temp_.c_str(), path_.c_str()) != 0) std::remove(temp_.c_str());
  std::remove((temp_ + ".hier").c_str());
  unregister_temp(slot_);
}

nlohmann::json link_layer_json(const net::LinkStats& s, double ber, unsigned burst) {
  return {{"ber", ber},
          {"burst", burst},
          {"links", s.links},
          {"bits_flipped", s.bits_flipped},
          {"frames_hit", s.frames_hit},
          {"undetected", s.undetected},
          {"frames_sent", s.frames_sent},
          {"flits_delivered", s.flits_delivered},
          {"goodput", s.goodput()},
          {"crc_errors", s.crc_errors},
          {"replays", s.replays},
          {"max_replays_per_link", s.max_replays},
          {"retrains", s.retrains},
          {"links_down", s.links_down},
          {"overflows", s.overflows}};
}

std::string link_layer_line(const net::LinkStats& s, double ber, unsigned burst) {
  return fmt::format("  link layer     BER {:g}{}: {} bits flipped, {} frames hit ({} delivered all the same), {} refused "
                     "by their CRC, {} replays (at most {} on one link end), {} retrains, {} links down; {:.4f} of the "
                     "frames sent delivered a flit\n",
                     ber, burst > 1 ? fmt::format(" in bursts of {}", burst) : std::string(), s.bits_flipped,
                     s.frames_hit, s.undetected, s.crc_errors, s.replays, s.max_replays, s.retrains, s.links_down,
                     s.goodput());
}

nlohmann::json read_json(const std::string& path) {
  const std::string shown = path == "-" ? "<stdin>" : phext::printable(path, 256);
  const std::string text = read_input(path);
  std::vector<std::set<std::string>> keys; // of each object open at this point
  std::string twice;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text, [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& v) {
      using E = nlohmann::json::parse_event_t;
      if (ev == E::object_start) keys.emplace_back();
      else if (ev == E::object_end) keys.pop_back();
      else if (ev == E::key && !keys.empty() && !keys.back().insert(v.get<std::string>()).second && twice.empty())
        twice = v.get<std::string>();
      return true;
    });
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not valid JSON ({})", shown, e.what()));
  }
  if (!twice.empty()) throw InputError(fmt::format("{}: the key '{}' is given twice", shown, phext::printable(twice, 64)));
  return j;
}

void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  std::vector<std::pair<std::string, std::filesystem::path>> seen;
  for (const auto& [option, path] : outputs) {
    if (path.empty()) continue;
    check_writable(path);
    std::error_code ec;
    const std::filesystem::path canonical = path == "-" ? std::filesystem::path("-") : std::filesystem::weakly_canonical(path, ec);
    for (const auto& [other, p] : seen)
      if (p == canonical && path != "-" && !std::filesystem::is_character_file(path, ec))
        throw UsageError(fmt::format("{} and {} name the same file, {}: the second would replace the first", other,
                                     option, phext::printable(path, 256)));
    seen.emplace_back(option, canonical);
  }
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
  const std::string target = in_place ? path : temp_name(path);
  struct Slot { // the temporary file is removed if a signal ends the process while it is written
    int i;
    ~Slot() { unregister_temp(i); }
  } slot{in_place ? -1 : register_temp(target)};
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

namespace {
/// The first number in a file ("max" or a missing file: 0).
std::uint64_t read_number(const char* path) {
  std::ifstream f(path);
  std::uint64_t v = 0;
  return f >> v ? v : 0;
}
} // namespace

std::uint64_t memory_available() {
  std::uint64_t avail = 0;
  auto least = [&](std::uint64_t v) { avail = avail == 0 ? v : std::min(avail, v); };
  {
    std::ifstream f("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (f >> key >> kib >> unit)
      if (key == "MemAvailable:") {
        least(kib * 1024);
        break;
      }
  }
  const std::uint64_t cg_max = read_number("/sys/fs/cgroup/memory.max"); // cgroup v2; 0 for "max"
  if (cg_max > 0) {
    const std::uint64_t used = read_number("/sys/fs/cgroup/memory.current");
    least(cg_max > used ? cg_max - used : 1);
  }
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
    const std::uint64_t used = read_number("/proc/self/statm") * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    least(r.rlim_cur > used ? r.rlim_cur - used : 1);
  }
  return avail;
}

void check_memory(std::uint64_t estimate, const std::string& what, const std::string& basis) {
  const std::uint64_t avail = memory_available();
  constexpr double GiB = 1024.0 * 1024.0 * 1024.0;
  if (avail > 0 && estimate > avail)
    throw InputError(fmt::format("{} needs about {:.1f} GiB ({}), and this process may take {:.1f} GiB (free memory, "
                                 "its control group's limit and ulimit -v)",
                                 what, double(estimate) / GiB, basis, double(avail) / GiB));
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

std::string strict_number(std::string& v, char kind) {
  const std::string shown = phext::printable(v, 40);
  if (kind == 'f') {
    char* end = nullptr;
    errno = 0;
    const double d = v.empty() || std::isspace(static_cast<unsigned char>(v[0])) ||
                             v.find_first_of("xX") != std::string::npos
                         ? NAN
                         : std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !std::isfinite(d) || errno == ERANGE)
      return fmt::format("'{}' is not a finite decimal number", shown);
    return {};
  }
  const bool neg = kind == 'i' && !v.empty() && v[0] == '-';
  std::string digits = v.substr(neg ? 1 : 0);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    return fmt::format("'{}' is not a whole number{}", shown, kind == 'u' ? " (0 or more, in decimal)" : " in decimal");
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  const std::string limit = kind == 'u' ? "18446744073709551615" : neg ? "9223372036854775808" : "9223372036854775807";
  if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit))
    return fmt::format("'{}' is out of the range of a 64-bit number", shown);
  v = (neg ? "-" : "") + digits;
  return {};
}

std::vector<std::string> list_items(const std::string& text, const std::string& option) {
  std::vector<std::string> out = split_commas(text, true);
  for (const auto& item : out)
    if (item.empty())
      throw UsageError(fmt::format("{}: an empty item in '{}'", option, phext::printable(text, 80)));
  return out;
}

std::uint64_t parse_whole(const std::string& text, const std::string& what) {
  std::string v = text;
  const std::string err = strict_number(v, 'u');
  if (!err.empty()) throw InputError(what + ": " + err);
  return std::strtoull(v.c_str(), nullptr, 10);
}

double parse_real(const std::string& text, const std::string& option) {
  std::string v = text;
  const std::string err = strict_number(v, 'f');
  if (!err.empty()) throw UsageError(option + ": " + err);
  return std::strtod(v.c_str(), nullptr);
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
