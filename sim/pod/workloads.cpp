// Verified workloads on the scaled pod (workloads.hpp).
#include "workloads.hpp"

#include "ici_flit.hpp"
#include "mxu_fp.hpp"
#include "mxu_gemm.hpp"
#include "sc_model.hpp"
#include "sc_workload.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <random>

namespace phtpu::pod {

namespace {
std::uint32_t random_fp32(std::mt19937_64& rng) {
  // normal numbers in +-[1/16, 16): far from overflow and from the flush threshold
  const std::uint32_t sign = static_cast<std::uint32_t>(rng() & 1u) << 31;
  const std::uint32_t exp = 127 - 4 + static_cast<std::uint32_t>(rng() % 8);
  return sign | (exp << 23) | static_cast<std::uint32_t>(rng() & 0x7FFFFFu);
}
std::string shape_of(const Plan& plan, unsigned s) { return plan.slices().at(s).spec.str(); }

/// Compare the pod's memory with the reference over [lo, lo+len) of every chip in `mem`.
std::string compare(const Pod& pod, const Memory& ref, std::uint32_t lo, std::uint32_t len) {
  for (const auto& [chip, words] : ref)
    for (std::uint32_t a = lo; a < lo + len; ++a) {
      const chip::Word got = pod.peek(chip, a);
      if (got != words[a])
        return fmt::format("chip {} word {}: got {:08x} {:08x} {:08x} {:08x}, reference {:08x} {:08x} {:08x} {:08x}",
                           chip, a, got[0], got[1], got[2], got[3], words[a][0], words[a][1], words[a][2], words[a][3]);
    }
  return "";
}

/// Words [0, len) of every chip, as the pod holds them now.
Memory read_back(const Pod& pod, const std::vector<unsigned>& chips, std::uint32_t len) {
  Memory m;
  for (unsigned chip : chips) {
    auto& w = m[chip];
    w.resize(len);
    for (std::uint32_t a = 0; a < len; ++a) w[a] = pod.peek(chip, a);
  }
  return m;
}
} // namespace

PendingCollective start_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed,
                                   Algorithm algo) {
  const Plan& plan = pod.plan();
  if (bytes == 0 || bytes % 16) throw PlanError(fmt::format("message size {} B is not a positive multiple of 16 B", bytes));
  const std::uint32_t words = static_cast<std::uint32_t>(bytes / 16);
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  const std::uint32_t base = 0, out = blocks ? words : 0;
  const Schedule sch = build_schedule(c, plan, s, base, words, out, algo);
  const std::vector<unsigned> chips = plan.slice_chips(s);
  std::mt19937_64 rng(seed);
  PendingCollective p;
  p.c = c;
  p.algo = sch.algo;
  p.slice = s;
  p.bytes = bytes;
  p.words = words;
  p.lo = blocks ? out : base;
  p.base = base;
  p.out = out;
  p.transfers = sch.transfers();
  for (unsigned chip : chips) {
    auto& m = p.ref[chip];
    m.assign(sch.extent, chip::Word{}); // every word the schedule touches (the full pod holds 4096 copies)
    for (std::uint32_t a = 0; a < words + out; ++a) {
      chip::Word w{};
      for (auto& l : w) l = random_fp32(rng);
      m[a] = w;
      pod.poke(chip, a, w);
    }
  }
  p.input = p.ref;
  run_reference(sch, p.ref);
  submit(pod, sch);
  p.start_cycle = pod.cycle();
  const PodStats st = pod.stats();
  p.start_flits_electrical = st.flits_electrical;
  p.start_flits_optical = st.flits_optical;
  return p;
}

RunResult finish_collective(const Pod& pod, const PendingCollective& p) {
  const Plan& plan = pod.plan();
  const Collective c = p.c;
  const std::vector<unsigned> chips = plan.slice_chips(p.slice);
  RunResult r;
  r.name = collective_name(c);
  r.algorithm = algorithm_name(p.algo);
  r.slice = p.slice;
  r.shape = shape_of(plan, p.slice);
  r.chips = static_cast<unsigned>(chips.size());
  r.bytes = p.bytes;
  r.transfers = p.transfers;
  r.cycles = pod.cycle() - p.start_cycle;
  r.algbw = r.cycles ? double(p.bytes) / double(r.cycles) : 0;
  r.busbw = r.algbw * bus_factor(c, r.chips);
  const PodStats st = pod.stats();
  r.flits_electrical = st.flits_electrical - p.start_flits_electrical;
  r.flits_optical = st.flits_optical - p.start_flits_optical;
  // Two independent checks: the definition (what the collective computes, from every chip's
  // input; a wrong schedule fails it) and the C++ reference (the same schedule on plain
  // arrays, bit for bit; it pins down the RTL's rounding and the order of the additions).
  // Every word the collective may touch, inputs included, is read back.
  const Memory got = read_back(pod, chips, std::max(p.base, p.out) + p.words);
  r.detail = check_definition(c, plan, p.slice, p.base, p.words, p.out, p.input, got, p.algo);
  if (r.detail.empty()) r.detail = compare(pod, p.ref, p.lo, p.words);
  r.ok = r.detail.empty();
  const bool sums = flat_of(c) == Collective::AllReduce || flat_of(c) == Collective::ReduceScatter;
  if (r.ok)
    r.detail = fmt::format("{} chips x {} words checked on every chip against the definition{} and bit-exact with "
                           "the C++ reference", r.chips, p.words, sums ? " (sums within (n-1)u sum|x|)" : "");
  return r;
}

RunResult run_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed, Algorithm algo) {
  const PendingCollective p = start_collective(pod, c, s, bytes, seed, algo);
  pod.run_until_quiet(50'000'000, collective_name(c));
  return finish_collective(pod, p);
}

namespace {
/// Row `id` of table `t` (its golden contents from `seed`) into a chip's memory at `addr`: two
/// words per beat.
void poke_row(Pod& pod, unsigned chip, const sc::TableCfg& t, std::uint64_t seed, std::uint32_t id, std::uint32_t addr) {
  for (unsigned b = 0; b < t.beats(); ++b) {
    const auto beat = sc::row_beat(seed, t, 0, id, b);
    pod.poke(chip, addr + 2 * b, {beat[0], beat[1], beat[2], beat[3]});
    pod.poke(chip, addr + 2 * b + 1, {beat[4], beat[5], beat[6], beat[7]});
  }
}

/// A chip's SparseCore and embedding layouts: its own coordinate and torus position, 32
/// outstanding requests, table 0, the slice's geometry (slice placement) or shard-map entry 0 =
/// this chip (map placement with one shard: every row local), rows at emb_base + row*stride,
/// bags from out_base.
void configure_sparsecore(Pod& pod, unsigned chip, const sc::TableCfg& t, std::uint32_t emb_base, std::uint32_t stride,
                          std::uint32_t out_base) {
  const Plan& plan = pod.plan();
  constexpr unsigned G = phext::kRtlGlobalBits;
  const Vec3 g = plan.site(chip).global;
  ici::FlitData own{};
  ici::pack_coord(own, 0, raw_of(plan.coordinate(chip)));
  ici::set_bits(own, 90 + 2 * G, G, g.x);
  ici::set_bits(own, 90 + G, G, g.y);
  ici::set_bits(own, 90, G, g.z);
  pod.write(chip, chip::kRegionScCfg | sc::kCfgOwn, {own[0], own[1], own[2], own[3]});
  pod.write(chip, chip::kRegionScCfg | sc::kCfgCtl, {32, 0, 0, 0}); // outstanding requests
  if (t.placement == sc::Placement::Slice) {
    const phext::SliceGeometry& geo = plan.slices().at(static_cast<unsigned>(plan.site(chip).slice)).geo;
    pod.write(chip, chip::kRegionScCfg | sc::kCfgGeom, sc::geom_word(geo.slice(), geo.cube()));
  }
  pod.write(chip, chip::kRegionScCfg | sc::kCfgTable, t.word());
  if (t.placement == sc::Placement::Map) {
    ici::FlitData me{};
    ici::pack_coord(me, 0, raw_of(plan.coordinate(chip)));
    pod.write(chip, chip::kRegionScCfg | (sc::kCfgShard + 0), {me[0], me[1], me[2], me[3]});
  }
  pod.write(chip, chip::kRegionReg | chip::RegEmb, {emb_base | (stride << 16), 0, 0, 0});
  pod.write(chip, chip::kRegionReg | chip::RegScOut, {out_base | (t.groups << 16), 0, 0, 0});
}

/// A chip's lookups to its SparseCore, one host write each; returns how many.
std::uint64_t feed_lookups(Pod& pod, unsigned chip, const std::vector<sc::Lookup>& stream) {
  for (const sc::Lookup& l : stream) {
    chip::Word d{};
    d[0] = (l.sample & 0xFFFFu) | (l.table << 16);
    d[1] = l.id;
    d[2] = l.weight;
    d[3] = (l.last ? 1u : 0u) | (l.empty ? 2u : 0u) | (l.batch_end ? 4u : 0u);
    pod.write(chip, chip::kRegionScLookup, d);
  }
  return stream.size();
}
} // namespace

RunResult run_embedding(Pod& pod, unsigned s, unsigned batch, unsigned valence_max, unsigned vocab_per_chip,
                        double zipf, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned S = static_cast<unsigned>(chips.size());
  if (S > sc::kMaxShards)
    throw PlanError(fmt::format("the SparseCore shards a table over at most {} chips", sc::kMaxShards));
  sc::TableCfg t;
  t.groups = 2; // dimension 16, fp32: 2 beats = 4 words per row
  // shard k on chips[k], the slice's row-major position k: the SparseCore computes the owner's
  // coordinate from k and the slice geometry (slice placement), so no shard map is written
  t.placement = sc::Placement::Slice;
  t.shards = S;
  t.vocab = vocab_per_chip * S;
  t.combiner = sc::Combiner::Sum;
  const std::uint32_t emb_base = 8192, stride = 4, out_base = 4096;
  if (emb_base + std::uint64_t(vocab_per_chip) * stride > kMemWords)
    throw PlanError(fmt::format("{} rows per chip do not fit the chip's memory", vocab_per_chip));
  if (std::uint64_t(batch) * 2 * t.groups > emb_base - out_base) throw PlanError("batch too large for the result area");
  const std::vector<sc::TableCfg> tables{t};
  // rows: chip k holds every id = r*S + k at local row r
  for (unsigned k = 0; k < S; ++k)
    for (std::uint32_t r = 0; r < vocab_per_chip; ++r) poke_row(pod, chips[k], t, seed, sc::global_id(t, k, r), emb_base + r * stride);
  std::vector<std::vector<sc::Lookup>> streams(S);
  sc::Workload w;
  w.batch = batch;
  w.valence_min = 1;
  w.valence_max = valence_max;
  w.zipf = zipf;
  for (unsigned k = 0; k < S; ++k) configure_sparsecore(pod, chips[k], t, emb_base, stride, out_base);
  pod.run_until_quiet(1'000'000, "embedding configuration");
  std::uint64_t lookups = 0;
  for (unsigned k = 0; k < S; ++k) {
    std::mt19937_64 rng(seed * 1000 + k);
    streams[k] = sc::make_lookups(w, tables, rng);
    lookups += feed_lookups(pod, chips[k], streams[k]);
  }
  RunResult r;
  r.name = "embedding";
  r.slice = s;
  r.shape = shape_of(plan, s);
  r.chips = S;
  r.cycles = pod.run_until_quiet(50'000'000, "embedding lookup"); // from the first lookup to the last bag
  r.lookups = lookups;
  r.algbw = r.cycles ? double(lookups) / double(r.cycles) / S : 0; // lookups per chip per cycle
  std::uint64_t served = 0;
  for (unsigned k = 0; k < S && r.detail.empty(); ++k) {
    served += pod.stat(chips[k], chip::StLookupsServed);
    const auto bags = sc::golden_bags(streams[k], tables, seed);
    for (const sc::BagOut& b : bags) {
      for (unsigned e = 0; e < t.dim() && r.detail.empty(); ++e) {
        const std::uint32_t addr = out_base + (b.sample * t.groups + e / 8) * 2 + (e % 8) / 4;
        const std::uint32_t got = pod.peek(chips[k], addr)[e % 4];
        if (got != b.v[e])
          r.detail = fmt::format("chip {} sample {} element {}: got {:08x}, golden {:08x}", chips[k], b.sample, e, got, b.v[e]);
      }
    }
    const std::uint32_t st = pod.stat(chips[k], chip::StStatus);
    if (r.detail.empty() && ((st >> chip::SbScErr) & 7u))
      r.detail = fmt::format("chip {}: SparseCore error flags {}", chips[k], (st >> chip::SbScErr) & 7u);
  }
  r.ok = r.detail.empty();
  if (r.ok)
    r.detail = fmt::format("{} lookups in {} bags per chip, every bag bit-exact with the golden model; {} row requests "
                           "served by remote chips",
                           lookups, batch, served);
  return r;
}

namespace {
/// Chip k's lookups of run_dlrm_step: the bag of every sample of the slice in its table.
std::vector<std::vector<sc::Lookup>> dlrm_streams(unsigned S, unsigned samples_per_chip, unsigned valence_max,
                                                  unsigned vocab, double zipf, std::uint64_t seed) {
  sc::TableCfg t;
  t.groups = 2;
  t.vocab = vocab;
  sc::Workload w;
  w.batch = samples_per_chip * S;
  w.valence_min = 1;
  w.valence_max = valence_max;
  w.zipf = zipf;
  std::vector<std::vector<sc::Lookup>> streams(S);
  for (unsigned k = 0; k < S; ++k) {
    std::mt19937_64 rng(seed * 1000 + k);
    streams[k] = sc::make_lookups(w, {t}, rng);
  }
  return streams;
}
} // namespace

std::vector<std::vector<std::uint32_t>> dlrm_stream_ids(unsigned chips, unsigned samples_per_chip, unsigned valence_max,
                                                        unsigned vocab, double zipf, std::uint64_t seed) {
  std::vector<std::vector<std::uint32_t>> out;
  for (const auto& st : dlrm_streams(chips, samples_per_chip, valence_max, vocab, zipf, seed)) {
    out.emplace_back();
    for (const sc::Lookup& l : st)
      if (!l.empty) out.back().push_back(l.id);
  }
  return out;
}

RunResult run_dlrm_step(Pod& pod, unsigned s, unsigned samples_per_chip, unsigned valence_max, unsigned vocab,
                        double zipf, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned S = static_cast<unsigned>(chips.size());
  if (samples_per_chip < 1) throw PlanError("a DLRM step needs at least one sample per chip");
  // chip k holds table k whole (table-wise sharding: every lookup local) and looks up the bag
  // of every sample of the slice in it; the bags of chip d's samples then go to chip d
  sc::TableCfg t;
  t.groups = 2; // dimension 16, fp32: 2 beats = 4 words per row, 4 words per bag
  t.placement = sc::Placement::Map;
  t.shards = 1;
  t.vocab = vocab;
  t.combiner = sc::Combiner::Sum;
  const std::uint32_t emb_base = 8192, stride = 4, out_base = 4096;
  const unsigned batch = samples_per_chip * S;
  const std::uint32_t block = samples_per_chip * 4; // words of one chip's samples' bags
  const std::uint32_t words = block * S, a2a_out = out_base + words;
  if (emb_base + std::uint64_t(vocab) * stride > kMemWords)
    throw PlanError(fmt::format("{} rows per chip do not fit the chip's memory", vocab));
  if (a2a_out + words > emb_base)
    throw PlanError(fmt::format("{} samples per chip on {} chips: the bags and their all-to-all do not fit below the "
                                "table", samples_per_chip, S));
  const std::vector<sc::TableCfg> tables{t};
  auto table_seed = [&](unsigned k) { return seed * 7919 + k; };
  for (unsigned k = 0; k < S; ++k) {
    for (std::uint32_t id = 0; id < vocab; ++id) poke_row(pod, chips[k], t, table_seed(k), id, emb_base + id * stride);
    configure_sparsecore(pod, chips[k], t, emb_base, stride, out_base);
  }
  pod.run_until_quiet(1'000'000, "DLRM configuration");
  std::vector<std::vector<sc::Lookup>> streams = dlrm_streams(S, samples_per_chip, valence_max, vocab, zipf, seed);
  RunResult r;
  r.name = "dlrm";
  r.slice = s;
  r.shape = shape_of(plan, s);
  r.chips = S;
  r.bytes = std::uint64_t(words) * 16; // the all-to-all's, per chip
  for (unsigned k = 0; k < S; ++k) r.lookups += feed_lookups(pod, chips[k], streams[k]);
  const std::uint64_t lookup_cycles = pod.run_until_quiet(50'000'000, "DLRM lookups");
  // the bags, against the golden model, as the all-to-all's input
  Memory input = read_back(pod, chips, a2a_out + words);
  for (unsigned k = 0; k < S && r.detail.empty(); ++k) {
    for (const sc::BagOut& b : sc::golden_bags(streams[k], tables, table_seed(k)))
      for (unsigned e = 0; e < t.dim() && r.detail.empty(); ++e) {
        const std::uint32_t addr = out_base + (b.sample * t.groups + e / 8) * 2 + (e % 8) / 4;
        if (input.at(chips[k])[addr][e % 4] != b.v[e])
          r.detail = fmt::format("lookups: chip {} sample {} element {}: got {:08x}, golden {:08x}", chips[k], b.sample, e,
                                 input.at(chips[k])[addr][e % 4], b.v[e]);
      }
    if (r.detail.empty() && ((pod.stat(chips[k], chip::StStatus) >> chip::SbScErr) & 7u))
      r.detail = fmt::format("chip {}: SparseCore error flags", chips[k]);
  }
  if (!r.detail.empty()) return r;
  // the all-to-all: chip k's bags of chip d's samples (block d) to chip d, as block k
  const Schedule sch = build_schedule(Collective::AllToAll, plan, s, out_base, words, a2a_out);
  submit(pod, sch);
  const std::uint64_t a2a_cycles = pod.run_until_quiet(10'000'000, "DLRM all-to-all");
  r.detail = check_definition(Collective::AllToAll, plan, s, out_base, words, a2a_out, input,
                              read_back(pod, chips, a2a_out + words));
  if (!r.detail.empty()) {
    r.detail = "all-to-all: " + r.detail;
    return r;
  }
  // the MLP: a GEMM on every chip's MXU and the all-reduce of its results (data parallel)
  const RunResult mlp = run_layers(pod, s, 32, 1, seed);
  r.gemm_cycles = mlp.gemm_cycles;
  r.cycles = lookup_cycles + a2a_cycles + mlp.cycles;
  r.transfers = sch.transfers() + mlp.transfers;
  if (!mlp.ok) {
    r.detail = "MLP: " + mlp.detail;
    return r;
  }
  r.ok = true;
  r.detail = fmt::format("{} lookups ({} bags per chip, every one bit-exact with the golden model) in {} cycles; their "
                         "all-to-all ({} B per chip) checked against the definition in {} cycles; the MLP's GEMM and "
                         "all-reduce verified in {} cycles",
                         r.lookups, batch, lookup_cycles, r.bytes, a2a_cycles, mlp.cycles);
  return r;
}

RunResult run_layers(Pod& pod, unsigned s, unsigned rows, unsigned gemms, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  const std::vector<unsigned> chips = plan.slice_chips(s);
  if (rows < 1 || rows > kMxuRows) throw PlanError(fmt::format("rows must be 1..{}", kMxuRows));
  if (gemms < 1) throw PlanError("a step needs at least one GEMM");
  constexpr unsigned N = kMxuN;
  const std::uint32_t base = 0; // result rows: one word (4 fp32) each
  RunResult r;
  r.name = gemms == 1 ? "dp-step" : "llm";
  r.slice = s;
  r.shape = shape_of(plan, s);
  r.chips = static_cast<unsigned>(chips.size());
  r.bytes = std::uint64_t(rows) * 16;
  for (unsigned layer = 0; layer < gemms; ++layer) {
    Memory ref;
    const std::uint64_t start = pod.cycle();
    for (std::size_t k = 0; k < chips.size(); ++k) {
      const unsigned chip = chips[k];
      // (the data-parallel step's seeds as before; later layers' from the layer too)
      const mxu::Gemm gm = mxu::random_gemm(rows, N, N, seed * 7919 + k + 1'000'003ull * layer);
      const std::vector<std::uint32_t> c = mxu::golden_gemm(gm, N);
      auto& m = ref[chip];
      m.assign(kMemWords, chip::Word{});
      for (unsigned row = 0; row < rows; ++row) m[base + row] = {c[row * N], c[row * N + 1], c[row * N + 2], c[row * N + 3]};
      pod.write(chip, chip::kRegionReg | chip::RegMxuOut, {base, 0, 0, 0});
      pod.write(chip, chip::kRegionMxu | 0, {0, 0, 0, 0}); // LOAD
      for (unsigned kk = N; kk-- > 0;) { // bottom row of the tile first
        chip::Word wd{};
        for (unsigned n = 0; n < N; ++n) wd[n / 2] |= std::uint32_t(gm.b(kk, n)) << (16 * (n % 2));
        pod.write(chip, chip::kRegionMxu | 1, wd);
      }
      pod.write(chip, chip::kRegionMxu | 0, {1, rows, 0, 0}); // STREAM rows into accumulators 0..rows-1
      for (unsigned row = 0; row < rows; ++row) {
        chip::Word a{};
        for (unsigned kk = 0; kk < N; ++kk) a[kk / 2] |= std::uint32_t(gm.a(row, kk)) << (16 * (kk % 2));
        pod.write(chip, chip::kRegionMxu | 2, a);
      }
      pod.write(chip, chip::kRegionMxu | 0, {2, rows, 0, 0}); // DRAIN to memory
    }
    pod.run_until_quiet(1'000'000, "MXU step");
    const std::uint64_t gemm_cycles = pod.cycle() - start;
    r.gemm_cycles += gemm_cycles;
    const std::string gemm_check = compare(pod, ref, base, rows);
    // the partial products of the layer's weight shards, summed over the slice
    const Schedule sch = build_schedule(Collective::AllReduce, plan, s, base, rows, 0);
    const Memory input = ref; // the golden GEMM results: the all-reduce's input
    run_reference(sch, ref);
    submit(pod, sch);
    r.cycles += gemm_cycles + pod.run_until_quiet(10'000'000, "the layer's all-reduce");
    r.transfers += sch.transfers();
    if (!gemm_check.empty()) {
      r.detail = fmt::format("GEMM {}: {}", layer + 1, gemm_check);
    } else {
      r.detail = check_definition(Collective::AllReduce, plan, s, base, rows, 0, input, read_back(pod, chips, base + rows));
      if (r.detail.empty()) r.detail = compare(pod, ref, base, rows);
      if (!r.detail.empty()) r.detail = fmt::format("all-reduce {}: {}", layer + 1, r.detail);
    }
    if (!r.detail.empty()) return r;
  }
  r.ok = true;
  r.detail = fmt::format("{} x {} GEMMs ({}x{}x{}) bit-exact with the MXU golden model, each followed by the all-reduce of "
                         "its results, checked on every chip against the definition (sums within (n-1)u sum|x|) and "
                         "bit-exact with the C++ reference ({} cycles of GEMM)",
                         gemms, r.chips, rows, N, N, r.gemm_cycles);
  return r;
}

RunResult run_dp_step(Pod& pod, unsigned s, unsigned rows, std::uint64_t seed) { return run_layers(pod, s, rows, 1, seed); }

// ---- fault, detection, repair, re-run ----------------------------------------------------------
FaultReport run_fault_repair(Pod& pod, Fault f, const FaultScenario& sc) {
  const Plan before = pod.plan();
  FaultReport rep;
  rep.failed_rack = before.rack_of(f); // range checks
  rep.component = f.str(before.cube());
  const int affected = before.slice_of_rack(rep.failed_rack);
  if (affected < 0)
    throw PlanError(fmt::format("fault {}: rack {} serves no slice, so there is nothing to repair", rep.component,
                                rep.failed_rack));
  const unsigned s = static_cast<unsigned>(affected);
  rep.slice = s;
  (void)before.with_rack_replaced(rep.failed_rack); // no spare left: fail before the run
  if (!pod.quiet()) throw PodError("a fault run starts on a quiet pod");
  // the logical coordinate of every position of the slice, and the cube that will move
  const SlicePlan& sp0 = before.slices()[s];
  std::vector<phext::Coordinate> coords;
  for (unsigned i = 0; i < sp0.topo.nodes(); ++i) coords.push_back(before.coordinate(before.chip_at(s, sp0.topo.position(i))));
  for (unsigned k = 0; k < sp0.rack_of_cube.size(); ++k)
    if (sp0.rack_of_cube[k] == rep.failed_rack) rep.cube = k;
  std::array<Drops, kDropCauses> drops0{};
  for (unsigned k = 0; k < kDropCauses; ++k) drops0[k] = pod.drops(affected, static_cast<DropCause>(k));
  std::uint64_t other_dropped0 = 0;
  for (unsigned o = 0; o < before.slices().size(); ++o)
    for (unsigned k = 0; o != s && k < kDropCauses; ++k) other_dropped0 += pod.drops(static_cast<int>(o), static_cast<DropCause>(k)).flits;

  // the workloads: the affected slice's, and the others back to back (driven by the cycle hook)
  rep.start_cycle = pod.cycle();
  f.cycle += rep.start_cycle;
  rep.fault = f;
  rep.fault_cycle = f.cycle;
  const PendingCollective work = start_collective(pod, sc.work, s, sc.bytes, sc.seed); // abandoned by the restart
  (void)work;
  std::map<unsigned, PendingCollective> others;
  std::map<unsigned, unsigned> rounds;
  bool keep_going = true;
  for (unsigned o = 0; o < before.slices().size(); ++o)
    if (o != s) others.emplace(o, start_collective(pod, sc.other, o, sc.other_bytes, sc.seed + 100 + o));
  pod.set_cycle_hook([&] {
    for (auto it = others.begin(); it != others.end();) {
      if (!pod.slice_quiet(it->first)) {
        ++it;
        continue;
      }
      rep.other_runs.push_back(finish_collective(pod, it->second));
      const unsigned o = it->first;
      if (keep_going) {
        it->second = start_collective(pod, sc.other, o, sc.other_bytes, sc.seed + 100 + o + 1000 * ++rounds[o]);
        ++it;
      } else {
        it = others.erase(it);
      }
    }
  });
  struct Unhook {
    Pod& p;
    ~Unhook() { p.set_cycle_hook({}); }
  } unhook{pod};

  // fault and detection
  pod.inject(f);
  const std::size_t seen = pod.detections().size();
  bool quiet_at_fault = false;
  auto detected = [&] {
    if (pod.cycle() == f.cycle) quiet_at_fault = pod.slice_quiet(s);
    for (std::size_t k = seen; k < pod.detections().size(); ++k)
      if (pod.detections()[k].slice == affected) return true;
    return false;
  };
  try {
    pod.run_until(detected, f.cycle - pod.cycle() + sc.detect_limit, "fault detection");
  } catch (const PodError&) {
    throw PodError(fmt::format("fault {} at cycle {}: not detected within {} cycles (an idle slice with loss-of-signal "
                               "detection off is never noticed)",
                               rep.component, f.cycle, sc.detect_limit));
  }
  for (std::size_t k = seen; k < pod.detections().size(); ++k)
    if (pod.detections()[k].slice == affected) rep.detections.push_back(pod.detections()[k]);
  rep.detected = rep.detections.front();
  rep.detect_cycle = rep.detected.cycle;
  rep.work_done_before_fault = quiet_at_fault;

  // repair: restart the slice's job, move the cube to a spare rack, routing, then re-run
  rep.flush = pod.flush_slice(s);
  const Plan next = pod.plan().with_rack_replaced(rep.failed_rack);
  rep.spare_rack = next.slices()[s].rack_of_cube[rep.cube];
  rep.ocs_cycles = pod.reconfigure(next);
  rep.ocs_done_cycle = pod.cycle();
  pod.refresh_link_status();
  pod.program_routing(next, s);
  pod.run_until([&] { return pod.slice_quiet(s); }, 1'000'000, "routing registers of the repaired slice");
  rep.repaired_cycle = pod.cycle();
  rep.coords_unchanged = true;
  const SlicePlan& sp1 = pod.plan().slices()[s];
  for (unsigned i = 0; i < sp1.topo.nodes(); ++i) {
    const unsigned chip = pod.plan().chip_at(s, sp1.topo.position(i));
    rep.coords_unchanged = rep.coords_unchanged && pod.plan().coordinate(chip) == coords[i] &&
                           pod.plan().chip_of_coordinate(coords[i]) == chip;
  }
  const PendingCollective again = start_collective(pod, sc.work, s, sc.bytes, sc.seed);
  pod.run_until([&] { return pod.slice_quiet(s); }, 50'000'000, "re-run on the repaired slice");
  rep.rerun = finish_collective(pod, again);
  rep.rerun_done_cycle = pod.cycle();
  keep_going = false;
  pod.run_until([&] { return others.empty(); }, 50'000'000, "the other slices' collectives");

  // accounting
  for (unsigned k = 0; k < kDropCauses; ++k) {
    const Drops& d = pod.drops(affected, static_cast<DropCause>(k));
    rep.drops[k] = {d.flits - drops0[k].flits, d.heads - drops0[k].heads, d.credits - drops0[k].credits};
  }
  for (unsigned o = 0; o < before.slices().size(); ++o) {
    if (o == s) continue;
    for (unsigned k = 0; k < kDropCauses; ++k) rep.other_dropped += pod.drops(static_cast<int>(o), static_cast<DropCause>(k)).flits;
    for (unsigned chip : pod.plan().slice_chips(o)) {
      rep.other_pkts_sent += pod.stat(chip, chip::StPktsSent);
      rep.other_pkts_recv += pod.stat(chip, chip::StPktsRecv);
    }
  }
  rep.other_dropped -= other_dropped0;
  rep.ocs_lost = pod.stats().lost;
  rep.lost_accounted = rep.flush.lost() == rep.flush.heads_dropped + rep.flush.heads_purged + rep.flush.heads_in_chips;
  std::string why;
  auto need = [&](bool c, const std::string& w) {
    if (!c && why.empty()) why = w;
  };
  need(rep.rerun.ok, "re-run: " + rep.rerun.detail);
  for (const RunResult& r : rep.other_runs) need(r.ok, fmt::format("slice {} {}: {}", r.slice + 1, r.name, r.detail));
  need(!rep.other_runs.empty() || before.slices().size() == 1, "no other slice ran");
  need(rep.other_dropped == 0, fmt::format("{} flits dropped in slices the fault did not touch", rep.other_dropped));
  need(rep.other_pkts_sent == rep.other_pkts_recv,
       fmt::format("the other slices sent {} packets and received {}", rep.other_pkts_sent, rep.other_pkts_recv));
  need(rep.ocs_lost == 0, fmt::format("{} flits met a dark OCS port (protocol violation)", rep.ocs_lost));
  need(rep.coords_unchanged, "a logical coordinate changed");
  need(rep.lost_accounted, fmt::format("{} packets lost but {} accounted for", rep.flush.lost(),
                                       rep.flush.heads_dropped + rep.flush.heads_purged + rep.flush.heads_in_chips));
  rep.ok = why.empty();
  rep.detail = rep.ok ? fmt::format("{} repaired on spare rack {}; {}", rep.component, rep.spare_rack, rep.rerun.detail) : why;
  return rep;
}

std::string FaultReport::summary() const {
  std::uint64_t flits = 0;
  for (unsigned k = 0; k < kDropCauses; ++k) flits += drops[k].flits;
  std::string by;
  for (unsigned k = 0; k < kDropCauses; ++k)
    if (drops[k].flits) by += fmt::format("{}{} {}", by.empty() ? "" : ", ", drops[k].flits, drop_cause_name(static_cast<DropCause>(k)));
  std::uint64_t other_ok = 0;
  for (const RunResult& r : other_runs) other_ok += r.ok ? 1 : 0;
  return fmt::format(
             "fault {} at cycle {} (slice {}, rack {} = logical cube {}): detected at {} (+{}) by {}{}\n",
             component, fault_cycle, slice + 1, failed_rack, cube, detect_cycle, detect_latency(), detected.str(),
             detections.size() > 1 ? fmt::format(" and {} more", detections.size() - 1) : std::string()) +
         fmt::format("  repaired at {} (+{} after detection: job restart, OCS protocol {} cycles, routing) on spare rack "
                     "{}; re-run {} done at {} (+{}): {}; recovery {} cycles\n",
                     repaired_cycle, repair_latency(), ocs_cycles, spare_rack, rerun.name, rerun_done_cycle,
                     rerun_cycles(), rerun.ok ? "verified" : "MISMATCH", recovery_cycles()) +
         fmt::format("  slice {}: {} packets lost = {} sent - {} received: {} dropped at the failed part, {} on wires "
                     "purged, {} in routers reset; {} flits dropped ({}); {} host ops abandoned\n",
                     slice + 1, flush.lost(), flush.pkts_sent, flush.pkts_recv, flush.heads_dropped, flush.heads_purged,
                     flush.heads_in_chips, flits, by.empty() ? "none" : by, flush.host_ops) +
         fmt::format("  other slices: {} of {} collectives verified during fault and repair, {} flits dropped, {} packets "
                     "sent, {} received; OCS lost {}; coordinates unchanged: {}\n",
                     other_ok, other_runs.size(), other_dropped, other_pkts_sent, other_pkts_recv, ocs_lost,
                     coords_unchanged ? "yes" : "NO");
}

nlohmann::json FaultReport::to_json(const Plan& plan) const {
  using nlohmann::json;
  json d = json::array();
  for (const Detection& x : detections)
    d.push_back({{"cycle", x.cycle}, {"how", x.how == Detection::How::LinkDown ? "link-down" : x.how == Detection::How::LinkLayer ? "link-layer" : "timeout"},
                 {"chip", x.chip}, {"port", x.port}, {"text", x.str()}});
  json drops_j;
  for (unsigned k = 0; k < kDropCauses; ++k)
    drops_j[drop_cause_name(static_cast<DropCause>(k))] = {
        {"flits", drops[k].flits}, {"heads", drops[k].heads}, {"credits", drops[k].credits}};
  json others = json::array();
  for (const RunResult& r : other_runs)
    others.push_back({{"slice", r.slice + 1}, {"workload", r.name}, {"cycles", r.cycles}, {"ok", r.ok}});
  return {{"fault", component},
          {"kind", fault_kind_name(fault.kind)},
          {"slice", slice + 1},
          {"failed_rack", failed_rack},
          {"spare_rack", spare_rack},
          {"logical_cube", cube},
          {"cycles",
           {{"start", start_cycle}, {"fault", fault_cycle}, {"detected", detect_cycle}, {"ocs_done", ocs_done_cycle},
            {"repaired", repaired_cycle}, {"rerun_done", rerun_done_cycle}}},
          {"recovery",
           {{"detect", detect_latency()}, {"repair", repair_latency()}, {"ocs_protocol", ocs_cycles},
            {"rerun", rerun_cycles()}, {"total", recovery_cycles()}}},
          {"detection", {{"first", detected.str()}, {"events", d}}},
          {"lost",
           {{"packets_sent", flush.pkts_sent}, {"packets_received", flush.pkts_recv}, {"packets_lost", flush.lost()},
            {"dropped_at_fault", flush.heads_dropped}, {"purged_from_links", flush.heads_purged},
            {"in_routers_reset", flush.heads_in_chips}, {"flits_purged", flush.flits_purged},
            {"host_ops_abandoned", flush.host_ops}, {"chips_reset", flush.chips_reset},
            {"accounted", lost_accounted}, {"flits_by_cause", drops_j}}},
          {"other_slices",
           {{"collectives", others}, {"flits_dropped", other_dropped}, {"packets_sent", other_pkts_sent},
            {"packets_received", other_pkts_recv}}},
          {"ocs_lost", ocs_lost},
          {"coordinates_unchanged", coords_unchanged},
          {"work_done_before_fault", work_done_before_fault},
          {"rerun", {{"workload", rerun.name}, {"shape", rerun.shape}, {"cycles", rerun.cycles}, {"ok", rerun.ok},
                     {"detail", rerun.detail}}},
          {"failed_racks", plan.failed_racks()},
          {"ok", ok},
          {"detail", detail}};
}

} // namespace phtpu::pod
