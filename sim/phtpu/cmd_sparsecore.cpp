// `phtpu sparsecore`: a batch of embedding-bag lookups on the Verilated SparseCore lookup unit
// (rtl/sparsecore/sc_lookup.sv), with the local memory and the other chips of the slice
// modelled in C++ (tb/sc_lookup_tb.hpp). Prints lookups per cycle, the dedup ratio, the
// local/remote split and the stall cycles by cause, and checks every bag bit for bit against
// the golden model and within the error bound of a double-precision reference.
#include "Vsc_lookup.h"
#include "cli.hpp"
#include "sc_lookup_tb.hpp"
#include "sc_workload.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <memory>
#include <random>

namespace phtpu::cli {
namespace {

using namespace phtpu::sc;

struct ScArgs {
  unsigned batch = 128, batches = 1, dim = 16, shards = 1, outstanding = 256, own_chip = 0, tables = 1;
  std::string valence = "1:100", dtype = "fp32", combiner = "sum", sharding = "row";
  std::uint32_t vocab = 1000000;
  double zipf = 1.05, stall = 0.0;
  unsigned mem_latency = 200, remote_latency = 0;
  bool weights = false, ooo = false, quiet = false;
  std::uint64_t seed = 1;
  std::string json, trace;
};

/// The most lookups (and bags) a run may ask for: about a minute and 1 GiB (docs/PERF.md).
constexpr std::uint64_t kMaxLookups = 20'000'000;
/// The most ids one bag may have.
constexpr std::uint64_t kMaxValence = 100'000;
constexpr std::uint32_t kMaxZipfVocab = 100'000'000; // the sampler keeps one double per id

template <class T>
T pick(const std::string& what, const std::string& text, std::initializer_list<std::pair<const char*, T>> names) {
  std::string all;
  for (const auto& [n, v] : names) {
    if (text == n) return v;
    all += (all.empty() ? "" : ", ") + std::string(n);
  }
  throw InputError(fmt::format("{} must be one of {}, not '{}'", what, all, text));
}

std::pair<unsigned, unsigned> parse_valence(const std::string& text) {
  const auto bad = [&] {
    return InputError(fmt::format("--valence must be N or MIN:MAX with 0 <= MIN <= MAX <= {}, not '{}'", kMaxValence,
                                  phext::printable(text)));
  };
  const std::size_t colon = text.find(':');
  std::uint64_t lo = 0, hi = 0;
  try {
    lo = parse_whole(text.substr(0, colon), "--valence");
    hi = colon == std::string::npos ? lo : parse_whole(text.substr(colon + 1), "--valence");
  } catch (const InputError&) {
    throw bad();
  }
  if (lo > hi || hi > kMaxValence) throw bad();
  return {static_cast<unsigned>(lo), static_cast<unsigned>(hi)};
}

int run_sc(const ScArgs& a) {
  const ScParams p; // vsc_lookup is built with the default parameters (CMakeLists.txt)
  const auto [vmin, vmax] = parse_valence(a.valence);
  if (a.batch < 1 || a.batches < 1) throw InputError("--batch and --batches must be at least 1");
  if (a.vocab < 1) throw InputError("--vocab must be at least 1");
  if (a.zipf > 0 && a.vocab > kMaxZipfVocab)
    throw InputError(fmt::format("--vocab above {} needs --zipf 0 (the Zipf sampler keeps a table per id)", kMaxZipfVocab));
  if (!(a.zipf >= 0 && a.zipf <= 10)) throw InputError(fmt::format("--zipf must be in 0..10 (0: uniform), not {}", a.zipf));
  if (a.dim % 8 != 0 || a.dim < 8 || a.dim > 8 * p.max_groups)
    throw InputError(fmt::format("--dim must be a multiple of 8 from 8 to {}, not {}", 8 * p.max_groups, a.dim));
  if (a.mem_latency < 1 || a.mem_latency > 100000 || a.remote_latency > 100000)
    throw InputError("--mem-latency must be in 1..100000 and --remote-latency in 0..100000");
  if (a.outstanding < 1 || a.outstanding > p.max_outstanding)
    throw InputError(fmt::format("--outstanding must be in 1..{}, not {}", p.max_outstanding, a.outstanding));
  if (a.own_chip > 255) throw InputError(fmt::format("--own-chip must be in 0..255, not {}", a.own_chip));
  if (a.tables < 1 || a.tables > 4) throw InputError("--tables must be 1..4");
  if (!(a.stall >= 0 && a.stall <= 0.9)) throw InputError(fmt::format("--stall must be in 0..0.9, not {}", a.stall));
  const std::uint64_t expect = std::uint64_t(a.batch) * a.batches * a.tables * vmax;
  if (expect > kMaxLookups) throw InputError(fmt::format("up to {} lookups requested; the limit is {}", expect, kMaxLookups));
  const std::uint64_t bags = std::uint64_t(a.batch) * a.batches * a.tables;
  if (bags > kMaxLookups)
    throw InputError(fmt::format("{} bags (--batch x --batches x --tables) requested; the limit is {}", bags, kMaxLookups));
  // measured: about 55 bytes a lookup (ids, weights, the reference's rows); a bag's result twice
  check_memory((64ull << 20) + 64 * expect + 2 * bags * (4ull * a.dim + 64), fmt::format("{} lookups in {} bags", expect, bags),
               "64 bytes a lookup and two results a bag");

  TableCfg t;
  t.groups = a.dim / 8;
  t.vocab = a.vocab;
  t.bf16 = pick<bool>("--dtype", a.dtype, {{"fp32", false}, {"bf16", true}});
  t.combiner = pick<Combiner>("--combiner", a.combiner,
                              {{"sum", Combiner::Sum}, {"mean", Combiner::Mean}, {"sqrtn", Combiner::Sqrtn}});
  t.sharding = pick<Sharding>("--sharding", a.sharding,
                              {{"row", Sharding::Row}, {"column", Sharding::Column}, {"table", Sharding::Table}});
  t.shards = t.sharding == Sharding::Table ? 1 : a.shards;
  try {
    t.validate(p.max_groups, p.shard_entries);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("table configuration: {}", e.what()));
  }
  const std::vector<TableCfg> tables(a.tables, t);

  Workload w;
  w.batch = a.batch;
  w.batches = a.batches;
  w.valence_min = vmin;
  w.valence_max = vmax;
  w.zipf = a.zipf;
  w.tables = a.tables;
  w.weights = a.weights;
  std::mt19937_64 rng(a.seed);
  const auto in = make_lookups(w, tables, rng);
  const SliceMap map = slice_map(p.shard_entries, a.own_chip);

  PendingFile wave(a.trace); // (before the model that writes it)
  ScLookupTb<Vsc_lookup> tb(p, a.seed + 1, wave.temp());
  Progress progress(a.quiet);
  tb.dut().set_progress([&](std::uint64_t cycle) {
    if (progress.due())
      fmt::print(stderr, "phtpu sparsecore: cycle {} of at least {} ({} lookups of {} combine cycles each), {:.0f} s\n",
                 cycle, in.size() * t.groups, in.size(), t.groups, progress.seconds());
  });
  tb.configure(tables, map, a.outstanding);
  const MemCfg mem{a.mem_latency, 1024, a.ooo, a.stall};
  const MemCfg rem{a.remote_latency ? a.remote_latency : a.mem_latency, 1024, a.ooo, a.stall};
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = tb.run(in, a.seed, mem, rem, {a.stall, a.stall}, 20000 + 4 * std::uint64_t(mem.latency + rem.latency));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  tb.dut().flush();
  wave.keep();
  for (const auto& e : r.errors) throw InputError("sparsecore protocol check failed: " + e);

  // check every bag
  const auto bins = bags_of(in, tables);
  std::size_t mismatches = 0, first_bad = 0;
  double max_ratio = 0;
  if (r.bags.size() != bins.size())
    throw InputError(fmt::format("sparsecore check failed: {} bags out, {} expected", r.bags.size(), bins.size()));
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const BagOut g = golden_bag(bins[b], tables, a.seed);
    const DoubleBag d = double_bag(bins[b], tables, a.seed);
    if (!(g == r.bags[b]) && mismatches++ == 0) first_bad = b;
    for (std::size_t e = 0; e < g.v.size() && e < r.bags[b].v.size(); ++e)
      if (d.bound[e] > 0) max_ratio = std::max(max_ratio, std::fabs(double(mxu::f32(r.bags[b].v[e])) - d.v[e]) / d.bound[e]);
  }
  const bool exact = mismatches == 0, bounded = max_ratio <= 1.0;

  const auto& s = r.stats;
  const double rate = r.lookups_per_cycle();
  const double peak = std::min(1.0, 1.0 / t.groups);
  const double dedup = s[StUnique] ? double(s[StLookups]) / double(s[StUnique]) : 0;
  const std::uint64_t reqs = s[StLocalReq] + s[StRemoteReq];
  const double local_share = reqs ? double(s[StLocalReq]) / double(reqs) : 0;
  const double cps = double(tb.dut().cycle()) / secs;
  // Throughput bounds for this traffic (lookups per cycle): combine takes `groups` cycles per
  // lookup; Spmem takes one beat per cycle (every fetched row's beats, local or remote); the ICI
  // response port one flit per cycle (a head and two flits per beat for each remote request);
  // the ICI request port one flit per cycle (two per remote request).
  const double lookups = double(s[StLookups]);
  const unsigned beats_per_req = t.sharding == Sharding::Column ? t.chunk() : t.beats();
  // A scale engine (sc_lookup ScaleUnits) is busy 29 cycles per mean bag, 56 per sqrt-n bag: one
  // or two 27-cycle operations, then free again the cycle after its result is collected.
  std::size_t scaled = 0;
  for (const auto& b : bins) scaled += !b.lookups.empty() && t.combiner != Combiner::Sum;
  const double scale_cycles = double(scaled) * (t.combiner == Combiner::Sqrtn ? 56 : 29) / p.scale_units;
  const std::vector<std::pair<std::string, double>> bounds = {
      {"combine", peak},
      {"Spmem writes", s[StUnique] ? lookups / (double(s[StUnique]) * t.beats()) : 1e9},
      {"ICI responses", s[StRemoteReq] ? lookups / (double(s[StRemoteReq]) * (1 + 2 * beats_per_req)) : 1e9},
      {"ICI requests", s[StRemoteReq] ? lookups / (2.0 * double(s[StRemoteReq])) : 1e9},
      {"scale engines", scaled ? lookups / scale_cycles : 1e9}};
  auto limit = bounds.front();
  for (const auto& b : bounds)
    if (b.second < limit.second) limit = b;

  nlohmann::json j = {{"batch", a.batch}, {"batches", a.batches}, {"valence", {vmin, vmax}}, {"vocab", a.vocab},
                      {"zipf", a.zipf}, {"dim", a.dim}, {"dtype", a.dtype}, {"combiner", a.combiner},
                      {"sharding", a.sharding}, {"shards", t.shards}, {"tables", a.tables}, {"weights", a.weights},
                      {"mem_latency", mem.latency}, {"remote_latency", rem.latency}, {"outstanding", a.outstanding},
                      {"out_of_order", a.ooo}, {"stall", a.stall}, {"seed", a.seed}, {"own_chip", a.own_chip},
                      {"cycles", r.cycles}, {"lookups_per_cycle", rate}, {"peak_lookups_per_cycle", peak},
                      {"fraction_of_peak", rate / peak}, {"bound_lookups_per_cycle", limit.second},
                      {"bound_by", limit.first}, {"fraction_of_bound", rate / limit.second},
                      {"dedup_ratio", dedup}, {"local_fraction", local_share},
                      {"first_output_cycle", r.first_out}, {"bit_exact", exact}, {"mismatched_bags", mismatches},
                      {"max_error_over_bound", max_ratio}, {"simulated_cycles_per_second", cps}};
  for (unsigned i = 0; i < kNumStats; ++i) j["counters"][stat_name(i)] = s[i];

  if (!a.quiet) {
    fmt::print("phtpu sparsecore: {} x {} samples x {} table(s), valence {}..{}, vocab {} ({}), dim {} {}, {}, {} "
               "sharding over {} shard(s), this chip is chip {} of the slice, seed {}\n",
               a.batches, a.batch, a.tables, vmin, vmax, a.vocab,
               a.zipf > 0 ? fmt::format("Zipf {}", a.zipf) : std::string("uniform"), a.dim, a.dtype, a.combiner,
               a.sharding, t.shards, a.own_chip, a.seed);
    fmt::print("  lookups        {} in {} cycles = {:.3f} lookups/cycle, {:.1f} % of the peak {:.3f} ({} cycle(s) "
               "per lookup in combine)\n",
               s[StLookups], r.cycles, rate, 100 * rate / peak, peak, t.groups);
    std::string bl;
    for (const auto& b : bounds)
      if (b.second < 1e8) bl += fmt::format("{}{} {:.3f}", bl.empty() ? "" : ", ", b.first, b.second);
    fmt::print("  bounds         {} lookups/cycle for this traffic: {:.1f} % of the tightest ({})\n", bl,
               100 * rate / limit.second, limit.first);
    fmt::print("  bags           {} ({} dropped lookups)\n", s[StBags], s[StDropped]);
    fmt::print("  dedup          {} unique rows: ratio {:.2f} lookups per row ({} without a dedup entry), {} "
               "window(s)\n",
               s[StUnique], dedup, s[StHashFull], s[StEpochs]);
    fmt::print("  requests       {} local, {} remote ({:.1f} % local); memory latency {}, remote {}, {} outstanding "
               "allowed\n",
               s[StLocalReq], s[StRemoteReq], 100 * local_share, mem.latency, rem.latency, a.outstanding);
    fmt::print("  stall cycles   ingest: slots {}, queues {}, scale {} | fetch: outstanding {}, ports {} | combine: "
               "data {}, bank {} | output {}\n",
               s[StStallRing], s[StStallQueue], s[StStallScale], s[StStallOut], s[StStallPort], s[StStallData],
               s[StStallBank], s[StStallFlush]);
    if (exact)
      fmt::print("  check          bit-exact with the golden model ({} bags); max error {:.3f} of the bound\n",
                 bins.size(), max_ratio);
    else
      fmt::print("  check          NOT bit-exact: {} of {} bags differ, first bag {}\n", mismatches, bins.size(), first_bad);
    fmt::print("  simulated      {} cycles in {:.2f} s = {:.0f} cycles/s\n", tb.dut().cycle(), secs, cps);
    if (!a.trace.empty()) fmt::print("  waveform       {} (open with waves/sc.gtkw)\n", a.trace);
  } else {
    fmt::print("sparsecore: {} lookups, {} cycles, {:.3f} lookups/cycle ({:.1f} % of peak, {:.1f} % of the {} bound), "
               "dedup {:.2f}, {:.1f} % local, bit-exact {}\n",
               s[StLookups], r.cycles, rate, 100 * rate / peak, 100 * rate / limit.second, limit.first, dedup,
               100 * local_share, exact ? "yes" : "NO");
  }
  if (!a.json.empty()) write_output(a.json, j.dump(2) + "\n");
  if (!exact) throw InputError(fmt::format("sparsecore check failed: {} bags differ from the golden model", mismatches));
  if (!bounded) throw InputError(fmt::format("sparsecore check failed: error {:.3f} times the stated bound", max_ratio));
  return 0;
}

} // namespace

void add_sparsecore_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ScArgs>();
  auto* s = app.add_subcommand("sparsecore", "Run embedding-bag lookups on the Verilated SparseCore unit and check them");
  s->add_option("--batch", a->batch, "Samples per batch (one bag per sample and table)")->capture_default_str();
  s->add_option("--batches", a->batches, "Batches (each closes a dedup window)")->capture_default_str();
  s->add_option("--valence", a->valence, "Lookups per bag: N or MIN:MAX (uniform)")->capture_default_str();
  s->add_option("--vocab", a->vocab, "Rows per table")->capture_default_str();
  s->add_option("--zipf", a->zipf, "Zipf exponent of the ids (0: uniform)")->capture_default_str();
  s->add_option("--dim", a->dim, "Row dimension, a multiple of 8 up to 64")->capture_default_str();
  s->add_option("--dtype", a->dtype, "Row type: fp32 or bf16")->capture_default_str();
  s->add_option("--combiner", a->combiner, "sum, mean or sqrtn")->capture_default_str();
  s->add_option("--sharding", a->sharding, "row, column or table")->capture_default_str();
  s->add_option("--shards", a->shards, "Chips the table is sharded over (shard k on chip k of the slice)")
      ->capture_default_str();
  s->add_option("--own-chip", a->own_chip, "This chip's number in the slice (holds shard own-chip when below --shards)")
      ->capture_default_str();
  s->add_option("--tables", a->tables, "Tables (features), 1..4, each with the same configuration")->capture_default_str();
  s->add_option("--mem-latency", a->mem_latency, "Local memory latency in cycles")->capture_default_str();
  s->add_option("--remote-latency", a->remote_latency, "Remote round-trip latency in cycles (0: as --mem-latency)")
      ->capture_default_str();
  s->add_option("--outstanding", a->outstanding, "Outstanding fetch requests allowed (1..256)")->capture_default_str();
  s->add_flag("--weights", a->weights, "Random positive weights instead of 1.0");
  s->add_flag("--out-of-order", a->ooo, "Memory and remote chips answer in random order");
  s->add_option("--stall", a->stall, "Backpressure probability on every port (0..0.9)")->capture_default_str();
  s->add_option("--seed", a->seed, "Random seed (ids, weights, table contents)")->capture_default_str();
  s->add_option("--json", a->json, "Write the figures as JSON here");
  s->add_option("--trace", a->trace, "Write an FST waveform here (open with waves/sc.gtkw)");
  s->add_flag("--quiet,-q", a->quiet, "Print only the summary line");
  s->callback([&action, a] {
    action = [a] {
      check_outputs({{"--json", a->json}, {"--trace", a->trace}});
      return run_sc(*a);
    };
  });
}

} // namespace phtpu::cli
