// phtpu_bench: throughput of the phext library and of the Verilated phext decoder.
// Prints a Markdown table (median of --repeat runs); scripts/bench.sh puts it in docs/PERF.md.
// Timings on shared 2-core machines vary by about +-30% run to run: compare medians.
#include "Vphext_decoder.h"
#include "chip_address.hpp"
#include "document.hpp"
#include "phext_decoder_tb.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <functional>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Median seconds of `repeat` runs of f().
double median_seconds(unsigned repeat, const std::function<void()>& f) {
  std::vector<double> t;
  for (unsigned i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// A document of `n` scrolls of ~40 bytes at ascending coordinates.
std::string make_doc(unsigned n) {
  std::vector<phext::Phoken> s;
  for (unsigned i = 0; i < n; ++i) { // 50 scrolls per section, 50 sections per chapter
    const phext::Coordinate c(1, 1, 1, 1, 1, 1, i / 2500 + 1, i / 50 % 50 + 1, i % 50 + 1);
    s.push_back({c, fmt::format("scroll {} of the benchmark document...", i)});
  }
  return phext::dephokenize(s);
}

volatile std::size_t g_sink; // keeps results alive

// 15200000 -> "15.2 M"
std::string si(double v) {
  const char* unit[] = {"", " k", " M", " G"};
  int u = 0;
  while (v >= 1000 && u < 3) {
    v /= 1000;
    ++u;
  }
  return fmt::format("{:.3g}{}", v, unit[u]);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"phtpu_bench: throughput of the phext library and the Verilated phext decoder"};
  unsigned repeat = 5;
  app.add_option("--repeat", repeat, "Runs per measurement (the median is reported)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  fmt::print("| benchmark | work per run | median time | throughput |\n|---|---|---|---|\n");
  auto row = [](const char* name, const std::string& work, double secs, double units, const char* unit) {
    fmt::print("| {} | {} | {:.2f} ms | {} {} |\n", name, work, secs * 1e3, si(units / secs), unit);
  };

  // Coordinate parse + format
  {
    std::vector<std::string> texts;
    const phext::SliceGeometry pod({16, 16, 16}, {4, 4, 4});
    for (unsigned n = 0; n < 4096; ++n)
      texts.push_back(pod.phext_of_chip(n).str());
    const unsigned rounds = 50;
    const double s = median_seconds(repeat, [&] {
      std::size_t acc = 0;
      for (unsigned r = 0; r < rounds; ++r)
        for (const auto& t : texts)
          acc += phext::Coordinate::parse(t).str().size();
      g_sink = acc;
    });
    row("coordinate parse + format", fmt::format("{} coordinates", rounds * texts.size()), s,
        double(rounds) * texts.size(), "coord/s");
  }
  // Chip addressing round trip over the full pod
  {
    const phext::SliceGeometry pod({16, 16, 16}, {4, 4, 4});
    const unsigned rounds = 50;
    const double s = median_seconds(repeat, [&] {
      std::size_t acc = 0;
      for (unsigned r = 0; r < rounds; ++r)
        for (unsigned n = 0; n < 4096; ++n)
          acc += pod.chip_of_phext(pod.phext_of_chip(n));
      g_sink = acc;
    });
    row("chip -> phext -> chip (4096-chip pod)", fmt::format("{} chips", rounds * 4096), s, rounds * 4096.0, "chip/s");
  }
  // Document reading and editing
  {
    const std::string doc = make_doc(20000);
    const double s = median_seconds(repeat, [&] { g_sink = phext::phokenize(doc).size(); });
    row("phokenize", fmt::format("{:.1f} MB, 20000 scrolls", doc.size() / 1e6), s, doc.size() / 1e6, "MB/s");
    const double n = median_seconds(repeat, [&] { g_sink = phext::normalize(doc).size(); });
    row("normalize", fmt::format("{:.1f} MB", doc.size() / 1e6), n, doc.size() / 1e6, "MB/s");
    const auto scrolls = phext::phokenize(doc);
    const phext::Coordinate mid = scrolls[scrolls.size() / 2].coord;
    const double f = median_seconds(repeat, [&] { g_sink = phext::fetch(doc, mid).size(); });
    row("fetch (middle scroll)", fmt::format("{:.1f} MB", doc.size() / 1e6), f, doc.size() / 1e6, "MB/s");
    const double i = median_seconds(repeat, [&] { g_sink = phext::insert(doc, mid, "x").size(); });
    row("insert (middle scroll)", fmt::format("{:.1f} MB", doc.size() / 1e6), i, doc.size() / 1e6, "MB/s");
    const double c = median_seconds(repeat, [&] { g_sink = phext::checksum(doc).size(); });
    row("checksum (XXH3-128)", fmt::format("{:.1f} MB", doc.size() / 1e6), c, doc.size() / 1e6, "MB/s");
  }
  // Verilated decoder, no trace: one destination per cycle, checked against the model
  {
    const phext::SliceGeometry pod({16, 16, 16}, {4, 4, 4});
    const unsigned rounds = 10;
    const double s = median_seconds(repeat, [&] {
      phtpu::Dut<Vphext_decoder> dut;
      dut.reset();
      phtpu::PhextDecoderTb tb(dut, pod);
      for (unsigned r = 0; r < rounds; ++r)
        for (unsigned n = 0; n < 4096; ++n)
          tb.send(phtpu::raw_of(pod.phext_of_chip(n)));
      if (!tb.mismatches().empty()) throw std::runtime_error("decoder mismatch in benchmark");
      g_sink = tb.checked();
    });
    row("RTL phext_decoder + scoreboard, no trace", fmt::format("{} cycles", rounds * 4096), s, rounds * 4096.0,
        "cycles/s");
  }
  return 0;
}
