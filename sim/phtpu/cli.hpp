// Shared pieces of the phtpu command: error classes, file I/O, subcommand registration.
//
// Exit status (README "phtpu"): 0 success; 1 invalid input (malformed coordinate, shape,
// document, unreadable file, failed check); 2 bad usage (unknown option, missing argument).
// Every error is one line on stderr.
#pragma once

#include "chip_address.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace phtpu::net {
struct LinkStats;
}

namespace phtpu::cli {

/// The link layer's counts (phtpu net and pod with --ber): as JSON, and as the report's line
/// ("  link layer     BER ...", newline included).
nlohmann::json link_layer_json(const net::LinkStats& s, double ber, unsigned burst);
std::string link_layer_line(const net::LinkStats& s, double ber, unsigned burst);

/// Invalid input: exit status 1.
class InputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};
/// Bad usage our own checks find after CLI11 accepted the arguments: exit status 2.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// What a subcommand does once the arguments are parsed; returns the exit status.
using Action = std::function<int()>;

/// The largest input read_input takes.
inline constexpr std::size_t kMaxInputBytes = std::size_t{256} << 20;
/// Read a whole file, or standard input for "-", as bytes (InputError past kMaxInputBytes).
std::string read_input(const std::string& path);
/// Fail now (InputError) if an output file named on the command line cannot be written, not
/// after a long run. "" and "-" (standard output) always pass.
void check_writable(const std::string& path);
/// Read and parse a JSON file (or "-"): InputError for anything that is not JSON, and for a key
/// given twice in one object (JSON allows it; the parser would silently keep the last).
nlohmann::json read_json(const std::string& path);

/// check_writable for each output option given ({"--json", path}, ...; "" skipped), and refuse
/// (UsageError) two options that name one file: the second would replace the first.
void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

/// A file a simulation writes while it runs (a waveform): written under a temporary name beside
/// the target (temp()); when the object goes, the file is renamed over the target if keep() was
/// called (the simulation finished, whatever its checks then say) and removed otherwise (bad
/// input found later, an error, Ctrl-C or SIGTERM: the signal handler removes it too). A failed
/// run leaves the target as it was. "" : no file.
class PendingFile {
public:
  explicit PendingFile(std::string path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  /// The name to write (FST writers also write temp() + ".hier" while open); "" without a file.
  const std::string& temp() const { return temp_; }
  void keep() { keep_ = true; }

private:
  std::string path_, temp_;
  int slot_ = -1; ///< its place among the files a signal removes
  bool keep_ = false;
};

/// Remove every pending temporary file (PendingFile, write_output's) on SIGINT, SIGTERM and
/// SIGHUP, then die of the signal as before. Installed once, by main().
void remove_temporaries_on_signals();

/// Write bytes to a file, or standard output for "-" or "". A regular file is replaced whole or
/// not at all (written beside it, then renamed over it); a device or pipe is written in place.
void write_output(const std::string& path, std::string_view bytes);

/// Memory this process may still take: the least of the machine's available memory
/// (/proc/meminfo MemAvailable), its control group's headroom (memory.max - memory.current) and
/// its address-space limit (ulimit -v); 0 when none of them can be read.
std::uint64_t memory_available();
/// Refuse up front (InputError) work whose memory estimate exceeds memory_available(), saying
/// both figures; `what` names the work ("a pod of 4096 chips").
void check_memory(std::uint64_t estimate, const std::string& what, const std::string& basis);

/// Check a number's text as the command line takes it: `kind` 'u' a whole number 0 or more, 'i'
/// a whole number, both in decimal within 64 bits (leading zeros dropped: nothing is octal); 'f'
/// a finite decimal real. Returns the error ("" if none); leaves the normalised text in `v`.
std::string strict_number(std::string& v, char kind);
/// A whole number (0 or more, decimal) inside another value (N of N:SHAPE); InputError naming `what`.
std::uint64_t parse_whole(const std::string& text, const std::string& what);
/// A real number given as text (an item of a list option); UsageError naming `option`.
double parse_real(const std::string& text, const std::string& option);
/// The comma-separated items of a list option; an empty item is a UsageError naming `option`.
std::vector<std::string> list_items(const std::string& text, const std::string& option);
/// The comma-separated items of `text`; empty items kept or skipped.
std::vector<std::string> split_commas(const std::string& text, bool keep_empty);
/// "4096", "64KiB", "1MiB", "2GiB" (also K, M, G, B) -> bytes; throws InputError naming the text.
std::uint64_t parse_byte_size(const std::string& text);

/// `datacenter.pod.slice` (each 1..999) -> Z arm; throws InputError naming the text.
phext::ZArm parse_zarm(const std::string& text);

/// When a long run prints its next progress line on stderr: first after `first` seconds, then
/// every `every` seconds; never when quiet (-q). The one clock of every command's progress.
class Progress {
public:
  explicit Progress(bool quiet, double first = 2, double every = 5) : quiet_(quiet), every_(every), next_(first) {}
  /// A line is due now (and then not again for `every` seconds).
  bool due() {
    if (quiet_) return false;
    const double s = seconds();
    if (s < next_) return false;
    next_ = s + every_;
    return true;
  }
  /// Seconds since the start.
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

private:
  bool quiet_;
  double every_, next_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void add_coord_commands(CLI::App& app, Action& action);
void add_phext_commands(CLI::App& app, Action& action);
void add_decode_command(CLI::App& app, Action& action);
void add_net_command(CLI::App& app, Action& action);
void add_mxu_command(CLI::App& app, Action& action);
void add_sparsecore_command(CLI::App& app, Action& action);
void add_pod_command(CLI::App& app, Action& action);
void add_model_command(CLI::App& app, Action& action);
void add_avail_command(CLI::App& app, Action& action);
void add_search_command(CLI::App& app, Action& action);
void add_compare_command(CLI::App& app, Action& action);

} // namespace phtpu::cli
