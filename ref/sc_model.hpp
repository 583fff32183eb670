// SparseCore lookup unit, C++ models (rtl/sparsecore/sc_lookup.sv, sc_pkg.sv):
//   TableCfg        a table's configuration and its sc_pkg table word (the register layout)
//   geom_word       the slice geometry register (CfgGeom)
//   shard_magic     the division constants the host writes for row sharding
//   fetch_requests  which shard, local row and beats every row fetch goes to (the sharding rule)
//   slice_owner     where shard k of a slice-placed table lives: the chip at row-major position
//                   base + k, its coordinate by coords' SliceGeometry::phext_of_global
//   dedup_set       the dedup table's set hash
//   row_element     the contents of every table (a hash of table, id and element: no storage)
//   golden_bags     the embedding-bag results, bit-exact with the RTL's defined order
//   double_bag      the same in double precision, with an error bound (a shared bug cannot hide)
//   predict_counts  the counters the RTL must report (dedup with its set capacity and windows,
//                   local/remote split), from the lookup stream alone
// These say what the unit computes, not how: no queues, banks or cycles.
#pragma once

#include "chip_address.hpp"
#include "coordinate.hpp"
#include "mxu_fp.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace phtpu::sc {

/// The unit's interface encodings (sc_pkg: combiner and sharding codes, configuration addresses,
/// statistic indexes, the table word's fields). The reference keeps its own copy, independent of
/// the RTL; tb/sc_lookup_tb.hpp checks every one against sc_pkg at compile time.
enum class Combiner : unsigned { Sum = 0, Mean = 1, Sqrtn = 2 };
enum class Sharding : unsigned { Row = 0, Column = 1, Table = 2 };
/// Where shard k of a table lives: the chip named by shard-map entry base + k, or the chip at
/// row-major position base + k of the slice in the geometry register (sc_pkg Place*).
enum class Placement : unsigned { Map = 0, Slice = 1 };
inline constexpr unsigned kLanes = 8;
inline constexpr unsigned kCfgOwn = 0, kCfgCtl = 1, kCfgGeom = 2, kCfgTable = 16, kCfgShard = 256;
/// Shards per table: slice placement up to a whole 4096-chip pod, shard-map placement up to 256.
inline constexpr unsigned kMaxShards = 4096, kMapShards = 256;
/// Table word fields: least significant bit of each (sc_pkg TCfg*) and the widths that grew
/// with the shard count (the rest: TableCfg::word).
inline constexpr unsigned kTCfgGroups = 0, kTCfgBf16 = 4, kTCfgComb = 5, kTCfgMode = 7, kTCfgPlace = 9,
                          kTCfgShards = 10, kTCfgBase = 23, kTCfgChunk = 35, kTCfgShift = 39, kTCfgMagic = 43,
                          kTCfgVocab = 76, kTCfgBits = 108;
inline constexpr unsigned kTCfgShardsW = 13, kTCfgBaseW = 12;
/// Geometry register fields (sc_pkg Geom*): the slice shape (3 x 10 bits, x highest), the cube
/// shape (3 x 4 bits, x highest), the layouts of the chip's slice and cube registers.
inline constexpr unsigned kGeomSliceLsb = 0, kGeomCubeLsb = 30;
/// A geometry that fits every slice-placed table (the default of the checks below).
inline constexpr unsigned kAnySlice = std::numeric_limits<unsigned>::max();
inline constexpr std::uint32_t kOne = 0x3F800000u; ///< fp32 1.0, the weight of an unweighted lookup

/// Statistic counter indexes (sc_pkg::St*).
enum Stat : unsigned {
  StLookups, StBags, StUnique, StHashFull, StLocalReq, StRemoteReq, StDropped, StStallRing, StStallQueue,
  StStallScale, StStallOut, StStallPort, StStallData, StStallBank, StStallFlush, StBusy, StEpochs, kNumStats
};
inline const char* stat_name(unsigned s) {
  static const char* names[kNumStats] = {"lookups",     "bags",        "unique_rows", "hash_full",   "local_requests",
                                         "remote_requests", "dropped", "stall_ring",  "stall_queue", "stall_scale",
                                         "stall_outstanding", "stall_port", "stall_data", "stall_bank", "stall_flush",
                                         "busy_cycles", "dedup_windows"};
  return names[s];
}

/// id div S = (id * magic) >> (32 + shift) for every 32-bit id (Granlund-Montgomery 1994, Thm 4.2).
struct Magic {
  std::uint64_t magic = 0; ///< < 2^33
  unsigned shift = 0;      ///< ceil(log2 S), 0..12
};
inline Magic shard_magic(unsigned shards) {
  if (shards < 1 || shards > kMaxShards) throw std::invalid_argument("shards must be 1..4096");
  Magic m;
  while ((1u << m.shift) < shards) ++m.shift;
  const std::uint64_t num = std::uint64_t(1) << (32 + m.shift);
  m.magic = (num + shards - 1) / shards;
  return m;
}
/// The RTL's quotient (sc_pkg::row_shard), for checking shard_magic.
inline std::uint32_t magic_div(std::uint32_t id, const Magic& m) {
  // the 65-bit product id * magic, shifted right by 32 exactly: magic = hi * 2^32 + lo, hi <= 1
  const std::uint64_t lo = m.magic & 0xFFFFFFFFu, hi = m.magic >> 32;
  const std::uint64_t high = ((std::uint64_t(id) * lo) >> 32) + hi * id;
  return std::uint32_t(high >> m.shift);
}

struct TableCfg {
  unsigned groups = 2; ///< dimension / 8
  bool bf16 = false;
  Combiner combiner = Combiner::Sum;
  Sharding sharding = Sharding::Row;
  Placement placement = Placement::Map;
  unsigned shards = 1;     ///< S
  unsigned base = 0;       ///< shard 0's shard-map index (Map) or slice position (Slice)
  std::uint32_t vocab = 1000;

  unsigned dim() const { return groups * kLanes; }
  unsigned elems_per_beat() const { return bf16 ? 2 * kLanes : kLanes; }
  unsigned beats() const { return bf16 ? (groups + 1) / 2 : groups; }
  unsigned chunk() const { return sharding == Sharding::Column ? beats() / shards : 0; }

  /// Throws std::invalid_argument with a one-line reason for a configuration the RTL cannot run;
  /// `slice_chips` is the chip count of the slice in the geometry register (slice placement).
  void validate(unsigned max_groups, unsigned shard_entries, unsigned slice_chips = kAnySlice) const {
    if (groups < 1 || groups > max_groups)
      throw std::invalid_argument("dimension must be a multiple of 8 from 8 to " + std::to_string(8 * max_groups));
    if (placement == Placement::Map) {
      if (shards < 1 || shards > kMapShards || shards > shard_entries)
        throw std::invalid_argument("shards must be 1.." + std::to_string(std::min(kMapShards, shard_entries)) +
                                    " with the shard map");
      if (base >= shard_entries) throw std::invalid_argument("shard base past the shard map");
    } else {
      if (shards < 1 || shards > kMaxShards) throw std::invalid_argument("shards must be 1..4096");
      if (base >= kMaxShards || std::uint64_t(base) + shards > slice_chips)
        throw std::invalid_argument("slice positions " + std::to_string(base) + ".." +
                                    std::to_string(base + shards - 1) + " past the slice's " +
                                    std::to_string(slice_chips) + " chips");
    }
    if (vocab < 1) throw std::invalid_argument("vocabulary must have at least one row");
    if (sharding == Sharding::Column && (beats() % shards != 0))
      throw std::invalid_argument("column sharding needs the row's " + std::to_string(beats()) +
                                  " beats to split evenly over " + std::to_string(shards) + " shards");
  }

  /// What the RTL checks (sc_config: the word when it is written, with the geometry of
  /// `slice_chips` chips for slice placement, 0 for none or a zero dimension): a table it cannot
  /// run has its lookups dropped (err_o[2]) instead of hanging the unit.
  bool runnable(unsigned max_groups, unsigned slice_chips = kAnySlice) const {
    const unsigned most = placement == Placement::Slice ? kMaxShards : kMapShards;
    return groups >= 1 && groups <= max_groups && shards >= 1 && shards <= most &&
           (sharding != Sharding::Column || (chunk() >= 1 && chunk() * shards == beats())) &&
           (placement != Placement::Slice || std::uint64_t(base) + shards <= slice_chips);
  }

  /// The sc_pkg table word, 4 x 32 bits (least significant word first).
  std::array<std::uint32_t, 4> word() const {
    std::array<std::uint32_t, 4> w{};
    auto put = [&w](unsigned lsb, unsigned width, std::uint64_t v) {
      for (unsigned i = 0; i < width; ++i)
        if ((v >> i) & 1u) w[(lsb + i) / 32] |= 1u << ((lsb + i) % 32);
    };
    const Magic m = shard_magic(shards);
    put(kTCfgGroups, 4, groups);
    put(kTCfgBf16, 1, bf16);
    put(kTCfgComb, 2, static_cast<unsigned>(combiner));
    put(kTCfgMode, 2, static_cast<unsigned>(sharding));
    put(kTCfgPlace, 1, static_cast<unsigned>(placement));
    put(kTCfgShards, kTCfgShardsW, shards);
    put(kTCfgBase, kTCfgBaseW, base);
    put(kTCfgChunk, 4, chunk());
    put(kTCfgShift, 4, m.shift);
    put(kTCfgMagic, 33, m.magic);
    put(kTCfgVocab, 32, vocab);
    return w;
  }
};

/// The geometry register (CfgGeom): the slice and cube shapes in chips, 4 x 32 bits.
inline std::array<std::uint32_t, 4> geom_word(const phext::Vec3& slice, const phext::Vec3& cube) {
  const std::uint64_t s = (std::uint64_t(slice.x) << 20) | (slice.y << 10) | slice.z;
  const std::uint64_t c = (cube.x << 8) | (cube.y << 4) | cube.z;
  const std::uint64_t v = (s << kGeomSliceLsb) | (c << kGeomCubeLsb);
  return {std::uint32_t(v), std::uint32_t(v >> 32), 0, 0};
}

/// Slice placement: row-major position p of a slice (x fastest, the order of net::Topology's
/// nodes and of the pod's slice_chips) as a global position.
inline phext::Vec3 slice_position(const phext::Vec3& slice, unsigned p) {
  return {p % slice.x, p / slice.x % slice.y, p / (slice.x * slice.y)};
}
/// The phext coordinate of the chip that holds shard k of a slice-placed table.
inline phext::Coordinate slice_owner(const phext::SliceGeometry& geo, const TableCfg& t, unsigned shard) {
  return geo.phext_of_global(slice_position(geo.slice(), t.base + shard));
}

/// One request of a row fetch: shard k of the table (shard-map index base + k), local row, beats.
struct Request {
  unsigned shard = 0;
  std::uint32_t row = 0;
  unsigned beat = 0, nbeats = 0;
};
/// The sharding rule (docs/blocks/sparsecore.md "Sharding"): row sharding, mod S (TensorFlow's "mod"
/// partition strategy); column sharding, one request per shard for its chunk of beats; table
/// sharding, all of it on shard 0.
inline std::vector<Request> fetch_requests(const TableCfg& t, std::uint32_t id) {
  switch (t.sharding) {
  case Sharding::Row: return {{id % t.shards, id / t.shards, 0, t.beats()}};
  case Sharding::Column: {
    std::vector<Request> r;
    for (unsigned k = 0; k < t.shards; ++k) r.push_back({k, id, k * t.chunk(), t.chunk()});
    return r;
  }
  case Sharding::Table: break;
  }
  return {{0, id, 0, t.beats()}};
}
/// The global id a shard's local row holds (the inverse, used by the memory models).
inline std::uint32_t global_id(const TableCfg& t, unsigned shard, std::uint32_t row) {
  return t.sharding == Sharding::Row ? row * t.shards + shard : row;
}

/// sc_pkg::dedup_set.
inline unsigned dedup_set(unsigned table, std::uint32_t id, unsigned set_bits) {
  const std::uint32_t h = (id ^ (std::uint32_t(table & 3u) << 30)) * 0x9E3779B1u;
  return set_bits == 0 ? 0 : h >> (32 - set_bits);
}

/// Table contents: element e of row id of table t, fp32 bits (a bf16 table's values have their
/// low 16 bits zero). Values in +-[2^-4, 2^4) with random sign and mantissa, some exact zeros.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
inline std::uint32_t row_element(std::uint64_t seed, unsigned table, std::uint32_t id, unsigned e, bool bf16) {
  const std::uint64_t h = mix64(seed ^ mix64((std::uint64_t(table) << 40) ^ (std::uint64_t(id) << 8) ^ e));
  if ((h & 63u) == 0) return 0;
  const std::uint32_t sign = std::uint32_t(h >> 63) << 31;
  const std::uint32_t exp = 127u - 4u + std::uint32_t((h >> 8) % 8);
  std::uint32_t frac = std::uint32_t(h >> 20) & 0x7FFFFFu;
  if (bf16) frac &= 0x7F0000u;
  return sign | (exp << 23) | frac;
}
/// Word w (0..7) of beat b of a row as memory returns it: fp32, element b*8+w; bf16, elements
/// b*16+2w (low half) and b*16+2w+1 (high half). Elements past the dimension are zero.
inline std::array<std::uint32_t, 8> row_beat(std::uint64_t seed, const TableCfg& t, unsigned table, std::uint32_t id,
                                             unsigned b) {
  std::array<std::uint32_t, 8> w{};
  for (unsigned i = 0; i < 8; ++i) {
    if (!t.bf16) {
      const unsigned e = b * 8 + i;
      w[i] = e < t.dim() ? row_element(seed, table, id, e, false) : 0;
    } else {
      const unsigned e0 = b * 16 + 2 * i, e1 = e0 + 1;
      const std::uint32_t lo = e0 < t.dim() ? row_element(seed, table, id, e0, true) >> 16 : 0;
      const std::uint32_t hi = e1 < t.dim() ? row_element(seed, table, id, e1, true) >> 16 : 0;
      w[i] = lo | (hi << 16);
    }
  }
  return w;
}

/// One beat of the lookup stream (sc_lookup l_*).
struct Lookup {
  unsigned sample = 0, table = 0;
  std::uint32_t id = 0;
  std::uint32_t weight = kOne;
  bool last = false, empty = false, batch_end = false;
};

/// A combined bag as the unit outputs it.
struct BagOut {
  unsigned sample = 0, table = 0;
  std::vector<std::uint32_t> v; ///< dim fp32 values
  bool operator==(const BagOut& o) const { return sample == o.sample && table == o.table && v == o.v; }
};

/// A bag as the rules of the unit see it: its sample, table and accepted lookups.
struct BagIn {
  unsigned sample = 0, table = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> lookups; ///< (id, weight)
};
/// The RTL's largest row in groups of 8 (sc_lookup MaxGroups, the same in every build).
inline constexpr unsigned kMaxGroups = 8;

/// A lookup the unit drops: its table cannot run (with a geometry of `slice_chips` chips), its id
/// is past the table's vocabulary, or its table differs from the bag's (the table of the bag's
/// first beat).
inline bool dropped_lookup(const Lookup& l, bool bag_open, unsigned bag_table, const std::vector<TableCfg>& tables,
                           unsigned slice_chips = kAnySlice) {
  const TableCfg& t = tables.at(l.table);
  return !l.empty && (!t.runnable(kMaxGroups, slice_chips) || (bag_open && l.table != bag_table) || l.id >= t.vocab);
}

/// Split the stream into bags and apply the drop rules (dropped_lookup).
inline std::vector<BagIn> bags_of(const std::vector<Lookup>& in, const std::vector<TableCfg>& tables,
                                  std::uint64_t* dropped = nullptr, unsigned slice_chips = kAnySlice) {
  std::vector<BagIn> out;
  bool open = false;
  BagIn cur;
  for (const Lookup& l : in) {
    if (!open) {
      cur = BagIn{l.sample, l.table, {}};
    }
    const bool bag_end = l.last || l.empty;
    const bool bad = dropped_lookup(l, open, cur.table, tables, slice_chips);
    if (bad && dropped) ++*dropped;
    if (!l.empty && !bad) cur.lookups.emplace_back(l.id, l.weight);
    open = !bag_end;
    if (bag_end) out.push_back(cur);
  }
  return out;
}

/// Golden model, bit-exact with the RTL: per element acc = +0, acc = fp32_add(acc, fp32_mul(w, x))
/// in lookup order; mean multiplies by fp32_div(1, sum w), sqrt-n by fp32_div(1, fp32_sqrt(sum w*w))
/// (sums from +0 in lookup order); an empty bag gives zeros.
inline BagOut golden_bag(const BagIn& bag, const std::vector<TableCfg>& tables, std::uint64_t seed) {
  using namespace phtpu::mxu;
  const TableCfg& t = tables.at(bag.table);
  BagOut o{bag.sample, bag.table, std::vector<std::uint32_t>(t.dim(), 0u)};
  if (bag.lookups.empty()) return o;
  std::uint32_t sw = 0, sw2 = 0;
  for (auto [id, w] : bag.lookups) {
    for (unsigned e = 0; e < t.dim(); ++e)
      o.v[e] = fp32_add(o.v[e], fp32_mul(w, row_element(seed, bag.table, id, e, t.bf16)));
    sw = fp32_add(sw, w);
    sw2 = fp32_add(sw2, fp32_mul(w, w));
  }
  if (t.combiner != Combiner::Sum) {
    const std::uint32_t s = t.combiner == Combiner::Mean ? fp32_div(kOne, sw) : fp32_div(kOne, fp32_sqrt(sw2));
    for (auto& x : o.v) x = fp32_mul(x, s);
  }
  return o;
}
inline std::vector<BagOut> golden_bags(const std::vector<Lookup>& in, const std::vector<TableCfg>& tables,
                                       std::uint64_t seed, unsigned slice_chips = kAnySlice) {
  std::vector<BagOut> out;
  for (const BagIn& b : bags_of(in, tables, nullptr, slice_chips)) out.push_back(golden_bag(b, tables, seed));
  return out;
}

/// Double-precision reference of a bag and a bound on the fp32 result's error per element:
/// the n products and n sums each round with relative error u = 2^-24, so
/// |acc - sum w x| <= gamma_(n+1) sum|w x| (Higham, Accuracy and Stability, 3.1); the scale
/// adds gamma_(n+1) for its sum (positive weights) plus 3u for the square root, division and
/// final product. Flushing adds at most 2^-126 per operation.
struct DoubleBag {
  std::vector<double> v, bound;
};
inline DoubleBag double_bag(const BagIn& bag, const std::vector<TableCfg>& tables, std::uint64_t seed) {
  using namespace phtpu::mxu;
  const TableCfg& t = tables.at(bag.table);
  DoubleBag d{std::vector<double>(t.dim(), 0.0), std::vector<double>(t.dim(), 0.0)};
  if (bag.lookups.empty()) return d;
  const double u = std::ldexp(1.0, -24);
  const double n = double(bag.lookups.size()) + 1;
  const double gamma = n * u / (1 - n * u);
  double sw = 0, sw2 = 0, swabs = 0;
  for (auto [id, w] : bag.lookups) {
    sw += f32(w);
    swabs += std::fabs(f32(w));
    sw2 += double(f32(w)) * f32(w);
  }
  double scale = 1.0, scale_rel = 0.0;
  if (t.combiner == Combiner::Mean) {
    scale = 1.0 / sw;
    scale_rel = gamma * swabs / std::fabs(sw) + 3 * u;
  } else if (t.combiner == Combiner::Sqrtn) {
    scale = 1.0 / std::sqrt(sw2);
    scale_rel = gamma + 3 * u;
  }
  for (unsigned e = 0; e < t.dim(); ++e) {
    double s = 0, abs_sum = 0;
    for (auto [id, w] : bag.lookups) {
      const double p = double(f32(w)) * f32(row_element(seed, bag.table, id, e, t.bf16));
      s += p;
      abs_sum += std::fabs(p);
    }
    d.v[e] = s * scale;
    d.bound[e] = (gamma * abs_sum + 2 * n * std::ldexp(1.0, -126)) * std::fabs(scale) +
                 std::fabs(s * scale) * scale_rel + std::ldexp(1.0, -126);
  }
  return d;
}

/// Where each shard's chip is, as far as this unit cares: its own or another. Shard-map
/// placement: by the map entry; slice placement: by this chip's position in the slice.
struct ShardMapView {
  unsigned entries = 256;
  std::vector<bool> local;        ///< local[i]: map entry i is this chip's own coordinate
  unsigned own_pos = kAnySlice;   ///< this chip's row-major position in the geometry's slice
  unsigned slice_chips = 0;       ///< the geometry's chips (0: none written)
  bool is_local(const TableCfg& t, unsigned shard) const {
    if (t.placement == Placement::Slice) return t.base + shard == own_pos;
    return local.at((t.base + shard) % entries);
  }
};

/// The counters the RTL must report for a lookup stream, from the rules alone (sc_lookup
/// header): dedup with HashSets x HashWays entries per window, windows closing at batch ends and
/// at Slots/2 rows; each new row's requests split local/remote by the shard map.
struct Predicted {
  std::uint64_t lookups = 0, bags = 0, unique = 0, hash_full = 0, local = 0, remote = 0, dropped = 0, windows = 0;
};
inline Predicted predict_counts(const std::vector<Lookup>& in, const std::vector<TableCfg>& tables, unsigned slots,
                                unsigned hash_sets, unsigned hash_ways, const ShardMapView& map) {
  Predicted p;
  unsigned set_bits = 0;
  while ((1u << set_bits) < hash_sets) ++set_bits;
  std::vector<std::vector<std::pair<unsigned, std::uint32_t>>> sets(hash_sets);
  unsigned window_rows = 0;
  bool open = false;
  unsigned bag_table = 0;
  for (const Lookup& l : in) {
    if (!open) bag_table = l.table;
    const bool bag_end = l.last || l.empty;
    const bool bad = dropped_lookup(l, open, bag_table, tables, map.slice_chips);
    bool close = l.batch_end;
    if (bad) ++p.dropped;
    if (!l.empty && !bad) {
      ++p.lookups;
      auto& set = sets[dedup_set(l.table, l.id, set_bits)];
      bool hit = false;
      for (auto& k : set) hit = hit || (k.first == l.table && k.second == l.id);
      if (!hit) {
        ++p.unique;
        if (set.size() < hash_ways) set.emplace_back(l.table, l.id);
        else ++p.hash_full;
        for (const Request& r : fetch_requests(tables.at(l.table), l.id))
          ++(map.is_local(tables.at(l.table), r.shard) ? p.local : p.remote);
        if (++window_rows == slots / 2) close = true;
      }
    }
    if (bag_end) ++p.bags;
    if (close) {
      ++p.windows;
      window_rows = 0;
      for (auto& s : sets) s.clear();
    }
    open = !bag_end;
  }
  return p;
}

} // namespace phtpu::sc
