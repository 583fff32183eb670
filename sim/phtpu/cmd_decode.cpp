// phtpu decode: run the Verilated phext decoder (rtl/common/phext_decoder.sv) over every
// chip of a slice plus malformed and foreign destinations, check every result against
// the C++ model, and report. This is what `make sim` runs until the pod harness exists.
#include "Vphext_decoder.h"
#include "cli.hpp"
#include "phext_decoder_tb.hpp"

#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>

namespace phtpu::cli {

namespace {

struct DecodeArgs {
  std::string pod = "4x4x8";
  std::string cube = "2x2x2";
  std::string zarm = "1.1.1";
  unsigned random_bad = 256;
  std::uint64_t seed = 1;
  std::string trace;
  std::string json;
  bool quiet = false;
};

// Destinations the router must drop: foreign Z arms, fields just past the shape, zeros,
// and values beyond 999 that only a corrupted flit could carry.
std::vector<RawCoord> edge_cases(const phext::SliceGeometry& geo) {
  std::vector<RawCoord> v;
  const RawCoord home = raw_of(geo.phext_of_chip(0));
  const RawCoord last = raw_of(geo.phext_of_chip(geo.chip_count() - 1));
  for (const RawCoord& base : {home, last}) {
    for (std::size_t i = 0; i < phext::kDims; ++i) {
      for (unsigned val : {0u, base[i] + 1, 999u, 1000u, 1023u}) {
        RawCoord r = base;
        r[i] = val;
        v.push_back(r);
      }
    }
  }
  return v;
}

} // namespace

void add_decode_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<DecodeArgs>();
  auto* s = app.add_subcommand("decode", "Simulate the RTL phext decoder over a whole slice and check it against the "
                                         "C++ model (make sim)");
  s->add_option("--pod,--slice", a->pod, "Slice shape in chips, AxBxC")->capture_default_str();
  s->add_option("--cube", a->cube, "Cube shape in chips, AxBxC")->capture_default_str();
  s->add_option("--z", a->zarm, "Z arm of the slice: datacenter.pod.slice")->capture_default_str();
  s->add_option("--random", a->random_bad, "Random raw destinations to add (fields 0..1023)")->capture_default_str();
  s->add_option("--seed", a->seed, "Seed of the random destinations")->capture_default_str();
  s->add_option("--trace", a->trace, "Write an FST waveform here (open with gtkwave FILE waves/phext_decoder.gtkw)");
  s->add_option("--json", a->json, "Write the report as JSON here");
  s->add_flag("--quiet,-q", a->quiet, "Print only failures");
  s->callback([&action, a] {
    action = [a] {
      const phext::SliceGeometry geo(phext::parse_shape(a->pod, "pod shape"), phext::parse_shape(a->cube, "cube shape"),
                                     parse_zarm(a->zarm));
      // Bounded so a typo cannot start an hours-long run: 2^24 chips is 4096 full TPU v4 pods.
      constexpr unsigned kMaxChips = 1u << 24, kMaxRandom = 100'000'000;
      if (geo.chip_count() > kMaxChips)
        throw InputError(fmt::format("slice {} has {} chips; phtpu decode simulates at most {}",
                                     phext::shape_str(geo.slice()), geo.chip_count(), kMaxChips));
      if (a->random_bad > kMaxRandom)
        throw InputError(fmt::format("--random {} is more than {}", a->random_bad, kMaxRandom));
      const std::uint64_t total = std::uint64_t{geo.chip_count()} + a->random_bad;
      std::uint64_t done = 0;
      Progress clock(a->quiet);
      auto progress = [&] {
        if (++done % 1024 == 0 && clock.due())
          fmt::print(stderr, "phtpu decode: {}% ({} of {} destinations)\n", done * 100 / total, done, total);
      };
      check_outputs({{"--json", a->json}, {"--trace", a->trace}});
      PendingFile wave(a->trace); // (before the model that writes it)
      Dut<Vphext_decoder> dut("top");
      if (!a->trace.empty()) dut.open_trace(wave.temp());
      dut.reset();
      PhextDecoderTb tb(dut, geo);

      const auto t0 = std::chrono::steady_clock::now();
      for (unsigned chip = 0; chip < geo.chip_count(); ++chip) {
        tb.send(raw_of(geo.phext_of_chip(chip)));
        progress();
      }
      tb.idle();
      const std::vector<RawCoord> edges = edge_cases(geo);
      for (const auto& r : edges)
        tb.send(r);
      std::mt19937_64 rng(a->seed);
      std::uniform_int_distribution<unsigned> field(0, 1023), small(0, 3);
      for (unsigned i = 0; i < a->random_bad; ++i) {
        // Mostly near-valid coordinates (right Z arm, small fields) so every rule is hit.
        RawCoord r = raw_of(geo.phext_of_chip(0));
        for (std::size_t k = 0; k < phext::kDims; ++k)
          r[k] = (i % 4 == 0) ? field(rng) : (k < 3 ? r[k] : small(rng) + 1);
        tb.send(r);
        progress();
      }
      tb.drain();
      tb.idle();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      dut.flush();
      wave.keep();

      const bool counters_ok =
          tb.rtl_zmismatch() == tb.expected_zmismatch() && tb.rtl_out_of_shape() == tb.expected_out_of_shape();
      const bool pass = tb.mismatches().empty() && counters_ok;
      nlohmann::json j{
          {"slice", phext::shape_str(geo.slice())},
          {"cube", phext::shape_str(geo.cube())},
          {"topology", geo.is_torus() ? "torus" : "mesh"},
          {"chips", geo.chip_count()},
          {"destinations_checked", tb.checked()},
          {"mismatches", tb.mismatches().size()},
          {"dropped_z_mismatch", {{"rtl", tb.rtl_zmismatch()}, {"model", tb.expected_zmismatch()}}},
          {"dropped_out_of_shape", {{"rtl", tb.rtl_out_of_shape()}, {"model", tb.expected_out_of_shape()}}},
          {"cycles", dut.cycle()},
          {"wall_seconds", secs},
          {"cycles_per_second", secs > 0 ? static_cast<double>(dut.cycle()) / secs : 0.0},
          {"trace", a->trace},
          {"pass", pass}};
      if (!a->json.empty()) write_output(a->json, j.dump(2) + "\n");
      for (std::size_t i = 0; i < tb.mismatches().size() && i < 10; ++i) {
        const auto& m = tb.mismatches()[i];
        fmt::print(stderr, "MISMATCH dest {} {} {}: rtl status {} global {}, model {} {}\n",
                   fmt::join(m.dest.begin(), m.dest.begin() + 3, "."),
                   fmt::join(m.dest.begin() + 3, m.dest.begin() + 6, "."),
                   fmt::join(m.dest.begin() + 6, m.dest.end(), "."), m.got_status, phext::position_str(m.got_global),
                   phext::status_name(m.expected.status), phext::position_str(m.expected.global));
      }
      if (!a->quiet || !pass) {
        fmt::print("phext decoder: {} slice of {} cubes ({}, {} chips)\n", phext::shape_str(geo.slice()),
                   phext::shape_str(geo.cube()), geo.is_torus() ? "torus" : "mesh", geo.chip_count());
        fmt::print("  destinations checked  {} (every chip, {} edge cases, {} random)\n", tb.checked(), edges.size(),
                   a->random_bad);
        fmt::print("  mismatches vs model   {}\n", tb.mismatches().size());
        fmt::print("  dropped, Z arm        rtl {} / model {}\n", tb.rtl_zmismatch(), tb.expected_zmismatch());
        fmt::print("  dropped, out of shape rtl {} / model {}\n", tb.rtl_out_of_shape(), tb.expected_out_of_shape());
        fmt::print("  cycles                {} in {:.3f} s\n", dut.cycle(), secs);
        if (!a->trace.empty()) fmt::print("  waveform              {}\n", a->trace);
        if (!a->json.empty()) fmt::print("  report                {}\n", a->json);
        fmt::print("  result                {}\n", pass ? "PASS" : "FAIL");
      }
      return pass ? 0 : 1;
    };
  });
}

} // namespace phtpu::cli
