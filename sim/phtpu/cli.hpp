// Shared pieces of the phtpu command: error classes, file I/O, subcommand registration.
//
// Exit status (README "phtpu"): 0 success; 1 invalid input (malformed coordinate, shape,
// document, unreadable file, failed check); 2 bad usage (unknown option, missing argument).
// Every error is one line on stderr.
#pragma once

#include "chip_address.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace phtpu::cli {

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

/// Read a whole file, or standard input for "-", as bytes.
std::string read_input(const std::string& path);
/// Fail now (InputError) if an output file named on the command line cannot be written, not
/// after a long run. "" and "-" (standard output) always pass.
void check_writable(const std::string& path);
/// Write bytes to a file, or standard output for "-" or "". A regular file is replaced whole or
/// not at all (written beside it, then renamed over it); a device or pipe is written in place.
void write_output(const std::string& path, std::string_view bytes);

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
