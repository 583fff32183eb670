// Verified workloads on the scaled pod (workloads.hpp).
#include "workloads.hpp"

#include "ici_flit.hpp"
#include "mxu_fp.hpp"
#include "mxu_gemm.hpp"
#include "sc_model.hpp"
#include "sc_workload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>

namespace phtpu::pod {

namespace {
std::uint32_t random_fp32(std::mt19937_64& rng) {
  // normal numbers in +-[1/16, 16): far from overflow and from the flush threshold
  const std::uint32_t sign = static_cast<std::uint32_t>(rng() & 1u) << 31;
  const std::uint32_t exp = 127 - 4 + static_cast<std::uint32_t>(rng() % 8);
  return sign | (exp << 23) | static_cast<std::uint32_t>(rng() & 0x7FFFFFu);
}
float as_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
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
} // namespace

RunResult run_collective(Pod& pod, Collective c, unsigned s, std::uint64_t bytes, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  if (bytes == 0 || bytes % 16) throw PlanError(fmt::format("message size {} B is not a positive multiple of 16 B", bytes));
  const std::uint32_t words = static_cast<std::uint32_t>(bytes / 16);
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  const std::uint32_t base = 0, out = blocks ? words : 0;
  const Schedule sch = build_schedule(c, plan, s, base, words, out);
  const std::vector<unsigned> chips = plan.slice_chips(s);
  std::mt19937_64 rng(seed);
  Memory ref;
  for (unsigned chip : chips) {
    auto& m = ref[chip];
    m.assign(kMemWords, chip::Word{});
    for (std::uint32_t a = 0; a < words + out; ++a) {
      chip::Word w{};
      for (auto& l : w) l = random_fp32(rng);
      m[a] = w;
      pod.poke(chip, a, w);
    }
  }
  const Memory input = ref;
  run_reference(sch, ref);
  submit(pod, sch);
  RunResult r;
  r.name = collective_name(c);
  r.slice = s;
  r.shape = shape_of(plan, s);
  r.chips = static_cast<unsigned>(chips.size());
  r.bytes = bytes;
  r.transfers = sch.transfers();
  r.cycles = pod.run_until_quiet(50'000'000, r.name);
  r.algbw = r.cycles ? double(bytes) / double(r.cycles) : 0;
  r.busbw = r.algbw * bus_factor(c, r.chips);
  const std::uint32_t lo = blocks ? out : base;
  r.detail = compare(pod, ref, lo, words);
  r.ok = r.detail.empty();
  if (r.ok && (c == Collective::AllReduce || c == Collective::AllReduceHier)) {
    // the reference itself against the definition: the exact sum within (n-1) u sum|x|
    const double u = std::ldexp(1.0, -24);
    for (std::uint32_t a = base; a < base + words && r.ok; ++a)
      for (unsigned l = 0; l < 4; ++l) {
        double sum = 0, abs = 0;
        for (unsigned chip : chips) {
          const double v = as_float(input.at(chip)[a][l]);
          sum += v;
          abs += std::fabs(v);
        }
        const double got = as_float(ref.at(chips[0])[a][l]);
        if (std::fabs(got - sum) > (r.chips - 1) * u * abs * 1.0001) {
          r.ok = false;
          r.detail = fmt::format("word {} lane {}: {} is not the sum {} within the fp32 bound", a, l, got, sum);
        }
      }
  }
  if (r.ok)
    r.detail = fmt::format("{} chips x {} words bit-exact with the C++ reference{}", r.chips, words,
                           c == Collective::AllReduce || c == Collective::AllReduceHier ? "; sums within (n-1)u sum|x|" : "");
  return r;
}

RunResult run_embedding(Pod& pod, unsigned s, unsigned batch, unsigned valence_max, unsigned vocab_per_chip,
                        double zipf, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  const std::vector<unsigned> chips = plan.slice_chips(s);
  const unsigned S = static_cast<unsigned>(chips.size());
  if (S > 64) throw PlanError("the chip's SparseCore shard map has 64 entries: slices up to 64 chips");
  sc::TableCfg t;
  t.groups = 2; // dimension 16, fp32: 2 beats = 4 words per row
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
    for (std::uint32_t r = 0; r < vocab_per_chip; ++r) {
      const std::uint32_t id = sc::global_id(t, k, r);
      for (unsigned b = 0; b < t.beats(); ++b) {
        const auto beat = sc::row_beat(seed, t, 0, id, b);
        pod.poke(chips[k], emb_base + r * stride + 2 * b, {beat[0], beat[1], beat[2], beat[3]});
        pod.poke(chips[k], emb_base + r * stride + 2 * b + 1, {beat[4], beat[5], beat[6], beat[7]});
      }
    }
  // configuration: the SparseCore's own coordinate, table, shard map; the chip's layouts
  constexpr unsigned G = phext::kRtlGlobalBits;
  std::vector<std::vector<sc::Lookup>> streams(S);
  sc::Workload w;
  w.batch = batch;
  w.valence_min = 1;
  w.valence_max = valence_max;
  w.zipf = zipf;
  for (unsigned k = 0; k < S; ++k) {
    const unsigned chip = chips[k];
    const Vec3 g = plan.site(chip).global;
    ici::FlitData own{};
    ici::pack_coord(own, 0, raw_of(plan.coordinate(chip)));
    ici::set_bits(own, 90 + 2 * G, G, g.x);
    ici::set_bits(own, 90 + G, G, g.y);
    ici::set_bits(own, 90, G, g.z);
    pod.write(chip, chip::kRegionScCfg | 0, {own[0], own[1], own[2], own[3]});
    pod.write(chip, chip::kRegionScCfg | 1, {32, 0, 0, 0}); // outstanding requests
    pod.write(chip, chip::kRegionScCfg | 16, t.word());
    for (unsigned j = 0; j < S; ++j) {
      ici::FlitData c{};
      ici::pack_coord(c, 0, raw_of(plan.coordinate(chips[j])));
      pod.write(chip, chip::kRegionScCfg | (256 + j), {c[0], c[1], c[2], c[3]});
    }
    pod.write(chip, chip::kRegionReg | chip::RegEmb, {emb_base | (stride << 16), 0, 0, 0});
    pod.write(chip, chip::kRegionReg | chip::RegScOut, {out_base | (t.groups << 16), 0, 0, 0});
  }
  pod.run_until_quiet(1'000'000, "embedding configuration");
  std::uint64_t lookups = 0;
  for (unsigned k = 0; k < S; ++k) {
    std::mt19937_64 rng(seed * 1000 + k);
    streams[k] = sc::make_lookups(w, tables, rng);
    for (const sc::Lookup& l : streams[k]) {
      chip::Word d{};
      d[0] = (l.sample & 0xFFFFu) | (l.table << 16);
      d[1] = l.id;
      d[2] = l.weight;
      d[3] = (l.last ? 1u : 0u) | (l.empty ? 2u : 0u) | (l.batch_end ? 4u : 0u);
      pod.write(chips[k], chip::kRegionScLookup, d);
      ++lookups;
    }
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

RunResult run_dp_step(Pod& pod, unsigned s, unsigned rows, std::uint64_t seed) {
  const Plan& plan = pod.plan();
  const std::vector<unsigned> chips = plan.slice_chips(s);
  if (rows < 1 || rows > kMxuRows) throw PlanError(fmt::format("rows must be 1..{}", kMxuRows));
  constexpr unsigned N = kMxuN;
  const std::uint32_t base = 0; // result rows: one word (4 fp32) each
  Memory ref;
  const std::uint64_t start = pod.cycle();
  for (std::size_t k = 0; k < chips.size(); ++k) {
    const unsigned chip = chips[k];
    const mxu::Gemm gm = mxu::random_gemm(rows, N, N, seed * 7919 + k);
    const std::vector<std::uint32_t> c = mxu::golden_gemm(gm, N);
    auto& m = ref[chip];
    m.assign(kMemWords, chip::Word{});
    for (unsigned r = 0; r < rows; ++r) m[base + r] = {c[r * N], c[r * N + 1], c[r * N + 2], c[r * N + 3]};
    pod.write(chip, chip::kRegionReg | chip::RegMxuOut, {base, 0, 0, 0});
    pod.write(chip, chip::kRegionMxu | 0, {0, 0, 0, 0}); // LOAD
    for (unsigned kk = N; kk-- > 0;) { // bottom row of the tile first
      chip::Word wd{};
      for (unsigned n = 0; n < N; ++n) wd[n / 2] |= std::uint32_t(gm.b(kk, n)) << (16 * (n % 2));
      pod.write(chip, chip::kRegionMxu | 1, wd);
    }
    pod.write(chip, chip::kRegionMxu | 0, {1, rows, 0, 0}); // STREAM rows into accumulators 0..rows-1
    for (unsigned r = 0; r < rows; ++r) {
      chip::Word a{};
      for (unsigned kk = 0; kk < N; ++kk) a[kk / 2] |= std::uint32_t(gm.a(r, kk)) << (16 * (kk % 2));
      pod.write(chip, chip::kRegionMxu | 2, a);
    }
    pod.write(chip, chip::kRegionMxu | 0, {2, rows, 0, 0}); // DRAIN to memory
  }
  pod.run_until_quiet(1'000'000, "MXU step");
  const std::uint64_t gemm_cycles = pod.cycle() - start;
  const std::string gemm_check = compare(pod, ref, base, rows);
  const Schedule sch = build_schedule(Collective::AllReduce, plan, s, base, rows, 0);
  run_reference(sch, ref);
  submit(pod, sch);
  RunResult r;
  r.name = "dp-step";
  r.slice = s;
  r.shape = shape_of(plan, s);
  r.chips = static_cast<unsigned>(chips.size());
  r.bytes = std::uint64_t(rows) * 16;
  r.cycles = gemm_cycles + pod.run_until_quiet(10'000'000, "data-parallel all-reduce");
  r.transfers = sch.transfers();
  r.detail = gemm_check.empty() ? compare(pod, ref, base, rows) : "GEMM: " + gemm_check;
  r.ok = r.detail.empty();
  if (r.ok)
    r.detail = fmt::format("{} GEMMs ({}x{}x{}) bit-exact with the MXU golden model, then their all-reduce bit-exact "
                           "({} cycles of GEMM)", r.chips, rows, N, N, gemm_cycles);
  return r;
}

} // namespace phtpu::pod
