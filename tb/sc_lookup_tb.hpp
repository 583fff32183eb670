// ScLookupTb<Model>: drives a Verilated sc_lookup (rtl/sparsecore/sc_lookup.sv) through all its
// streams, with the memory and the rest of the slice modelled in C++:
//   lookups   the l_* stream from a vector of sc::Lookup, with random valid gaps
//   MemModel  the local embedding memory: configurable latency and capacity (outstanding
//             requests it holds), in order or out of order, beats of different requests
//             interleaved when out of order, random gaps and ready stalls
//   Remote    the other chips of the slice behind the ICI port: parses request packets, checks
//             the sharding (the owner named in the head really holds that row: by the shard
//             map, or for slice placement by decoding the head's coordinate as a router does),
//             answers after a latency, in order or not, one whole packet at a time
//   outputs   o_* beats reassembled into bags, with random ready stalls
// Every model checks the protocol it sees and records violations in RunResult::errors.
// The table contents come from sc::row_element, so nothing is stored per row.
#pragma once

#include "dut.hpp"
#include "ici_flit.hpp"
#include "raw_coord.hpp"
#include "rtl_params.hpp"
#include "sc_model.hpp"

#include <verilated.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cstdint>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace phtpu::sc {

// The reference's copy of the interface encodings (ref/sc_model.hpp) is sc_pkg's.
namespace checks {
namespace p = rtl::sc_pkg;
constexpr unsigned u(Combiner c) { return static_cast<unsigned>(c); }
constexpr unsigned u(Sharding s) { return static_cast<unsigned>(s); }
constexpr unsigned u(Placement s) { return static_cast<unsigned>(s); }
static_assert(kLanes == p::Lanes && kCfgOwn == p::CfgOwn && kCfgCtl == p::CfgCtl && kCfgGeom == p::CfgGeom &&
              kCfgTable == p::CfgTable && kCfgShard == p::CfgShard);
static_assert(u(Placement::Map) == p::PlaceMap && u(Placement::Slice) == p::PlaceSlice && kMaxShards == p::MaxShards &&
              kMapShards == p::MapShards && kTCfgShardsW == p::TCfgShardsW && kTCfgBaseW == p::TCfgBaseW &&
              kGeomSliceLsb == p::GeomSliceLsb && kGeomCubeLsb == p::GeomCubeLsb);
static_assert(u(Combiner::Sum) == p::CombSum && u(Combiner::Mean) == p::CombMean && u(Combiner::Sqrtn) == p::CombSqrtn);
static_assert(u(Sharding::Row) == p::ShardRow && u(Sharding::Column) == p::ShardCol && u(Sharding::Table) == p::ShardTable);
static_assert(kTCfgGroups == p::TCfgGroups && kTCfgBf16 == p::TCfgBf16 && kTCfgComb == p::TCfgComb &&
              kTCfgMode == p::TCfgMode && kTCfgPlace == p::TCfgPlace && kTCfgShards == p::TCfgShards &&
              kTCfgBase == p::TCfgBase &&
              kTCfgChunk == p::TCfgChunk && kTCfgShift == p::TCfgShift && kTCfgMagic == p::TCfgMagic &&
              kTCfgVocab == p::TCfgVocab && kTCfgBits == p::TCfgW);
static_assert(StLookups == p::StLookups && StBags == p::StBags && StUnique == p::StUnique && StHashFull == p::StHashFull &&
              StLocalReq == p::StLocalReq && StRemoteReq == p::StRemoteReq && StDropped == p::StDropped &&
              StStallRing == p::StStallRing && StStallQueue == p::StStallQueue && StStallScale == p::StStallScale &&
              StStallOut == p::StStallOut && StStallPort == p::StStallPort && StStallData == p::StStallData &&
              StStallBank == p::StStallBank && StStallFlush == p::StStallFlush && StBusy == p::StBusy &&
              StEpochs == p::StEpochs && kNumStats == p::NumStats);
} // namespace checks

/// The RTL parameters a Verilated model was built with (CMakeLists.txt).
struct ScParams {
  unsigned max_groups = 8, slots = 512, hash_sets = 256, hash_ways = 4, shard_entries = 256,
           max_outstanding = 256, scale_units = 4;
};

struct MemCfg {
  unsigned latency = 1;       ///< cycles from request accepted to its first beat being offered
  unsigned capacity = 1024;   ///< requests the memory holds at once (its ready drops when full)
  bool out_of_order = false;  ///< answer ready requests in random order, beats interleaved
  double stall = 0;           ///< probability of a ready stall / a gap before a beat, per cycle
};

struct TbStalls {
  double in = 0;  ///< gap before a lookup beat
  double out = 0; ///< o_ready low
};

/// The slice around the unit: the shard map (phext coordinates), the slice geometry written to
/// CfgGeom (for slice-placed tables; none: not written), and this chip.
struct SliceMap {
  std::vector<RawCoord> coords; ///< shard-map entries
  std::optional<phext::SliceGeometry> geo;
  RawCoord own{};
  phext::Vec3 own_gpos;
  ShardMapView view(unsigned entries) const {
    ShardMapView v{entries, std::vector<bool>(entries, false)};
    for (unsigned i = 0; i < coords.size() && i < entries; ++i) v.local[i] = coords[i] == own;
    if (geo) {
      v.own_pos = own_gpos.x + geo->slice().x * (own_gpos.y + geo->slice().y * own_gpos.z);
      v.slice_chips = geo->chip_count();
    }
    return v;
  }
};

/// Shard k on chip k of an 8x8x4 slice of 4x4x4 cubes (256 chips, any S <= 256), this chip
/// being `own_chip`.
inline SliceMap slice_map(unsigned entries, unsigned own_chip) {
  const phext::SliceGeometry geo({8, 8, 4}, {4, 4, 4});
  SliceMap m;
  for (unsigned k = 0; k < entries; ++k) m.coords.push_back(raw_of(geo.phext_of_chip(k % geo.chip_count())));
  m.own = raw_of(geo.phext_of_chip(own_chip));
  m.own_gpos = geo.global_of_chip(own_chip);
  return m;
}

/// A slice of `slice` chips in cubes of `cube` chips (Z arm `z`), this chip at row-major
/// position `own_pos`, the geometry written to CfgGeom; shard-map entry k names position k mod
/// the slice's chips, for the shard-map tables beside the slice-placed ones. A twisted slice
/// has the same addresses (the twist moves wrap links, not coordinates).
inline SliceMap slice_geometry(phext::Vec3 slice, phext::Vec3 cube, unsigned own_pos, unsigned entries,
                               phext::ZArm z = {}) {
  SliceMap m;
  m.geo.emplace(slice, cube, z);
  const unsigned n = m.geo->chip_count();
  for (unsigned k = 0; k < entries; ++k)
    m.coords.push_back(raw_of(m.geo->phext_of_global(slice_position(slice, k % n))));
  m.own_gpos = slice_position(slice, own_pos);
  m.own = raw_of(m.geo->phext_of_global(m.own_gpos));
  return m;
}

struct RunResult {
  std::vector<BagOut> bags;
  std::uint64_t cycles = 0;       ///< from the first lookup offered to idle with every bag out
  std::uint64_t first_out = 0;    ///< cycle of the first output beat
  std::array<std::uint64_t, kNumStats> stats{};
  unsigned err = 0;               ///< err_o
  unsigned max_outstanding = 0;   ///< most requests seen in flight (memory + remote)
  std::vector<std::string> errors;
  double lookups_per_cycle() const { return cycles ? double(stats[StLookups]) / double(cycles) : 0; }
};

/// Narrow an integer onto a Verilated port of any width (CData, SData, IData).
template <class Port>
void set_port(Port& p, unsigned v) {
  p = static_cast<Port>(v);
}

template <class Model>
class ScLookupTb {
public:
  ScLookupTb(ScParams p, std::uint64_t seed, const std::string& trace = "") : p_(p), rng_(seed) {
    if (!trace.empty()) dut_.open_trace(trace);
    dut_.reset();
  }
  Dut<Model>& dut() { return dut_; }

  /// Write the configuration registers (unit idle): tables, the shard map, this chip, the
  /// outstanding-request limit.
  /// `validate` false writes tables as given, for tests of the unit's own configuration check.
  void configure(const std::vector<TableCfg>& tables, const SliceMap& map, unsigned max_outstanding,
                 bool validate = true) {
    tables_ = tables;
    map_ = map;
    if (validate)
      for (const auto& t : tables) t.validate(p_.max_groups, p_.shard_entries, map.geo ? map.geo->chip_count() : 0);
    std::array<std::uint32_t, 4> w{};
    ici::FlitData own{};
    ici::pack_coord(own, 0, map.own);
    constexpr unsigned G = phext::kRtlGlobalBits;
    ici::set_bits(own, 90 + 2 * G, G, map.own_gpos.x);
    ici::set_bits(own, 90 + G, G, map.own_gpos.y);
    ici::set_bits(own, 90, G, map.own_gpos.z);
    std::copy(own.begin(), own.begin() + 4, w.begin());
    write_cfg(kCfgOwn, w);
    write_cfg(kCfgCtl, {max_outstanding, 0, 0, 0});
    if (map.geo) write_cfg(kCfgGeom, geom_word(map.geo->slice(), map.geo->cube()));
    for (unsigned t = 0; t < tables.size(); ++t) write_cfg(kCfgTable + t, tables[t].word());
    // the shard-map entries the tables use (the rest stay unwritten, as on a real chip)
    std::vector<bool> used(p_.shard_entries, false);
    for (const auto& t : tables)
      if (t.placement == Placement::Map)
        for (unsigned k = 0; k < t.shards; ++k) used[(t.base + k) % p_.shard_entries] = true;
    for (unsigned k = 0; k < map.coords.size() && k < p_.shard_entries; ++k) {
      if (!used[k]) continue;
      ici::FlitData c{};
      ici::pack_coord(c, 0, map.coords[k]);
      write_cfg(kCfgShard + k, {c[0], c[1], c[2], c[3]});
    }
  }

  /// Write only the geometry register (unit idle), from `map` (a zero word when it has none),
  /// and take `map` as the slice from now on: for tests of the order of configuration writes.
  void write_geometry(const SliceMap& map) {
    map_ = map;
    write_cfg(kCfgGeom, map.geo ? geom_word(map.geo->slice(), map.geo->cube()) : std::array<std::uint32_t, 4>{});
  }

  /// Make the remote side send one 3-flit packet of the wrong type (Write) before any response:
  /// the unit must drop it and flag err_o[1].
  void queue_bad_response() {
    ici::HeadFields h;
    h.dest = map_.own;
    h.type = ici::PktType::Write;
    h.len = 3;
    Packet p;
    p.flits = {ici::pack_head(h), ici::FlitData{1, 2, 3, 4, 5}, ici::FlitData{6, 7, 8, 9, 10}};
    p.due = dut_.cycle();
    rreq_.push_back(std::move(p));
  }

  /// Play a lookup stream to the end (every bag out and the unit idle) and return the results.
  /// Throws std::runtime_error when nothing moves for `watchdog` cycles.
  RunResult run(const std::vector<Lookup>& in, std::uint64_t table_seed, const MemCfg& mem, const MemCfg& remote,
                TbStalls st, std::uint64_t watchdog = 20000) {
    RunResult r;
    std::deque<Lookup> q(in.begin(), in.end());
    const std::size_t want_bags = bags_of(in, tables_).size(); // drops do not change the bags
    seed_ = table_seed;
    mem_ = mem;
    rem_ = remote;
    const std::uint64_t start = dut_.cycle();
    std::uint64_t last_move = start;
    bool l_held = false;
    auto& m = dut_.model();
    while (true) {
      // ---- inputs for this cycle
      if (!l_held && !q.empty() && !chance(st.in)) l_held = true;
      m.l_valid_i = l_held;
      if (l_held) {
        const Lookup& l = q.front();
        set_port(m.l_sample_i, l.sample);
        set_port(m.l_table_i, l.table);
        m.l_id_i = l.id;
        m.l_weight_i = l.weight;
        m.l_last_i = l.last;
        m.l_empty_i = l.empty;
        m.l_batch_end_i = l.batch_end;
      }
      m.mq_ready_i = mreq_.size() < mem_.capacity && !chance(mem_.stall);
      present_mem_beat(m);
      m.rq_ready_i = rreq_.size() < rem_.capacity && !chance(rem_.stall);
      present_remote_flit(m);
      m.o_ready_i = !chance(st.out);
      m.eval();
      // ---- handshakes
      bool moved = false;
      if (m.l_valid_i && m.l_ready_o) {
        q.pop_front();
        l_held = false;
        moved = true;
      }
      if (m.mq_valid_o && m.mq_ready_i) {
        accept_mem_request(m, r);
        moved = true;
      }
      if (m.mr_valid_i && m.mr_ready_o) {
        consume_mem_beat();
        moved = true;
      }
      if (m.rq_valid_o && m.rq_ready_i) {
        accept_remote_flit(m, r);
        moved = true;
      }
      if (m.rp_valid_i && m.rp_ready_o) {
        consume_remote_flit();
        moved = true;
      }
      if (m.o_valid_o && m.o_ready_i) {
        if (r.bags.empty() && cur_.v.empty()) r.first_out = dut_.cycle() - start;
        collect_output(m, r);
        moved = true;
      }
      r.max_outstanding = std::max(r.max_outstanding, unsigned(mreq_.size() + rreq_.size()));
      dut_.tick();
      if (moved) last_move = dut_.cycle();
      if (q.empty() && r.bags.size() >= want_bags && m.idle_o) break;
      if (dut_.cycle() - last_move > watchdog)
        throw std::runtime_error("sc_lookup: no progress for " + std::to_string(watchdog) + " cycles (" +
                                 std::to_string(r.bags.size()) + "/" + std::to_string(want_bags) + " bags out, " +
                                 std::to_string(q.size()) + " lookups left)");
    }
    r.cycles = dut_.cycle() - start;
    for (unsigned i = 0; i < kNumStats; ++i) r.stats[i] = m.stat_o[i];
    r.err = m.err_o;
    r.errors = std::move(errors_);
    errors_.clear();
    return r;
  }

private:
  struct MemReq {
    unsigned tag, table, beat, nbeats, sent = 0;
    std::uint32_t id;
    std::uint64_t due;
  };
  struct Packet {
    std::vector<ici::FlitData> flits;
    std::uint64_t due;
    unsigned sent = 0;
  };

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  void error(const std::string& e) {
    if (errors_.size() < 20) errors_.push_back("cycle " + std::to_string(dut_.cycle()) + ": " + e);
  }

  void write_cfg(unsigned addr, const std::array<std::uint32_t, 4>& w) {
    auto& m = dut_.model();
    m.cfg_valid_i = 1;
    set_port(m.cfg_addr_i, addr);
    for (unsigned i = 0; i < 4; ++i) m.cfg_data_i[i] = w[i];
    dut_.tick();
    m.cfg_valid_i = 0;
  }

  /// Which shard k of table t the chip at coordinates `c` holds (-1: none). Slice placement: the
  /// router's decode of `c` (coords' SliceGeometry::decode), its row-major position minus base.
  int shard_at(const TableCfg& t, const RawCoord& c) const {
    if (t.placement == Placement::Slice) {
      if (!map_.geo) return -1;
      const phext::Decoded d = map_.geo->decode(c);
      if (d.status != phext::DecodeStatus::Ok) return -1;
      const phext::Vec3& n = map_.geo->slice();
      const unsigned pos = d.global.x + n.x * (d.global.y + n.y * d.global.z);
      return pos >= t.base && pos - t.base < t.shards ? int(pos - t.base) : -1;
    }
    for (unsigned k = 0; k < t.shards; ++k)
      if (map_.coords.at((t.base + k) % p_.shard_entries) == c) return int(k);
    return -1;
  }
  /// Check one request against the sharding rule; returns the global id (or fails).
  bool check_request(unsigned table, std::uint32_t row, unsigned beat, unsigned nbeats, const RawCoord& owner,
                     std::uint32_t& id) {
    if (table >= tables_.size()) return error("request for unconfigured table " + std::to_string(table)), false;
    const TableCfg& t = tables_[table];
    const int k = shard_at(t, owner);
    if (k < 0) return error("request sent to a chip that holds no shard of table " + std::to_string(table)), false;
    id = global_id(t, unsigned(k), row);
    const auto reqs = fetch_requests(t, id);
    for (const Request& q : reqs)
      if (q.shard == unsigned(k) && q.row == row && q.beat == beat && q.nbeats == nbeats) {
        if (id >= t.vocab) return error("request for id past the vocabulary"), false;
        return true;
      }
    error("request (table " + std::to_string(table) + ", row " + std::to_string(row) + ", beats " +
          std::to_string(beat) + "+" + std::to_string(nbeats) + ") does not follow the sharding rule");
    return false;
  }

  // ---- local memory
  void accept_mem_request(Model& m, RunResult&) {
    std::uint32_t id = 0;
    if (!check_request(m.mq_table_o, m.mq_row_o, m.mq_beat_o, m.mq_nbeats_o, map_.own, id)) return;
    mreq_.push_back({unsigned(m.mq_tag_o), unsigned(m.mq_table_o), unsigned(m.mq_beat_o), unsigned(m.mq_nbeats_o), 0,
                     id, dut_.cycle() + mem_.latency});
  }
  void present_mem_beat(Model& m) {
    if (mcur_ < 0) {
      std::vector<int> ready;
      for (std::size_t i = 0; i < mreq_.size(); ++i)
        if (mreq_[i].due <= dut_.cycle()) {
          ready.push_back(int(i));
          if (!mem_.out_of_order) break;
        }
      if (!ready.empty() && !chance(mem_.stall))
        mcur_ = ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(rng_)];
    }
    m.mr_valid_i = mcur_ >= 0;
    if (mcur_ < 0) return;
    const MemReq& q = mreq_[std::size_t(mcur_)];
    const unsigned b = q.beat + q.sent;
    const auto w = row_beat(seed_, tables_[q.table], q.table, q.id, b);
    set_port(m.mr_tag_i, q.tag);
    set_port(m.mr_beat_i, b);
    m.mr_last_i = q.sent + 1 == q.nbeats;
    for (unsigned i = 0; i < 8; ++i) m.mr_data_i[i] = w[i];
  }
  void consume_mem_beat() {
    MemReq& q = mreq_[std::size_t(mcur_)];
    if (++q.sent == q.nbeats) mreq_.erase(mreq_.begin() + mcur_);
    // in order: finish a request's beats before the next; out of order: pick again
    mcur_ = (!mem_.out_of_order && std::size_t(mcur_) < mreq_.size() && mreq_[std::size_t(mcur_)].sent > 0) ? mcur_ : -1;
  }

  // ---- remote chips behind the ICI port
  void accept_remote_flit(Model& m, RunResult&) {
    ici::FlitData d{};
    for (unsigned i = 0; i < ici::kFlitWords; ++i) d[i] = m.rq_data_o[i];
    if (m.rq_head_o) {
      if (rq_body_) error("request head while a body flit was due");
      rq_head_ = d;
      rq_body_ = true;
      if (m.rq_tail_o) error("request head flagged tail");
      return;
    }
    if (!rq_body_) return error("request body flit without a head");
    if (!m.rq_tail_o) error("request body flit not flagged tail");
    rq_body_ = false;
    const ici::HeadFields h = ici::unpack_head(rq_head_);
    if (h.type != ici::PktType::EmbLookup) error("request packet type is not EmbLookup");
    if (h.len != 2) error("request packet length is not 2");
    if (!(h.src == map_.own_gpos)) error("request source is not this chip");
    if (h.dest == map_.own) error("remote request addressed to this chip");
    RawCoord reply{};
    for (std::size_t i = 0; i < phext::kDims; ++i)
      reply[i] = unsigned(ici::get_bits(d, unsigned(phext::kDims - 1 - i) * phext::kRtlFieldBits, phext::kRtlFieldBits));
    if (reply != map_.own) error("request reply-to is not this chip");
    const auto row = std::uint32_t(ici::get_bits(d, 90, 32));
    const auto table = unsigned(ici::get_bits(d, 122, 6));
    const unsigned beat = (h.tag >> 16) & 0xFF, nbeats = h.tag >> 24;
    std::uint32_t id = 0;
    if (!check_request(table, row, beat, nbeats, h.dest, id)) return;
    Packet p;
    ici::HeadFields rh;
    rh.dest = map_.own;
    rh.type = ici::PktType::ReadResp;
    rh.len = 1 + 2 * nbeats;
    rh.tag = h.tag;
    p.flits.push_back(ici::pack_head(rh));
    for (unsigned b = beat; b < beat + nbeats; ++b) {
      const auto w = row_beat(seed_, tables_[table], table, id, b);
      ici::FlitData lo{}, hi{};
      for (unsigned i = 0; i < 4; ++i) {
        lo[i] = w[i];
        hi[i] = w[4 + i];
      }
      p.flits.push_back(lo);
      p.flits.push_back(hi);
    }
    p.due = dut_.cycle() + rem_.latency;
    rreq_.push_back(std::move(p));
  }
  void present_remote_flit(Model& m) {
    if (rcur_ < 0) { // pick the next whole packet
      std::vector<int> ready;
      for (std::size_t i = 0; i < rreq_.size(); ++i)
        if (rreq_[i].due <= dut_.cycle()) {
          ready.push_back(int(i));
          if (!rem_.out_of_order) break;
        }
      if (!ready.empty()) rcur_ = ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(rng_)];
    }
    if (rcur_ >= 0 && !rheld_ && !chance(rem_.stall)) rheld_ = true;
    m.rp_valid_i = rheld_;
    if (!rheld_) return;
    const Packet& p = rreq_[std::size_t(rcur_)];
    m.rp_head_i = p.sent == 0;
    m.rp_tail_i = p.sent + 1 == p.flits.size();
    for (unsigned i = 0; i < ici::kFlitWords; ++i) m.rp_data_i[i] = p.flits[p.sent][i];
  }
  void consume_remote_flit() {
    Packet& p = rreq_[std::size_t(rcur_)];
    rheld_ = false;
    if (++p.sent == p.flits.size()) {
      rreq_.erase(rreq_.begin() + rcur_);
      rcur_ = -1;
    }
  }

  // ---- outputs
  void collect_output(Model& m, RunResult& r) {
    if (cur_.v.empty()) {
      cur_.sample = m.o_sample_o;
      cur_.table = m.o_table_o;
    } else if (cur_.sample != m.o_sample_o || cur_.table != m.o_table_o) {
      error("sample or table changed inside a bag");
    }
    if (m.o_group_o != cur_.v.size() / kLanes) error("output groups out of order");
    for (unsigned i = 0; i < kLanes; ++i) cur_.v.push_back(m.o_data_o[i]);
    if (m.o_last_o) {
      r.bags.push_back(std::move(cur_));
      cur_ = BagOut{};
    }
  }

  ScParams p_;
  std::mt19937_64 rng_;
  Dut<Model> dut_;
  std::vector<TableCfg> tables_;
  SliceMap map_;
  std::uint64_t seed_ = 0;
  MemCfg mem_, rem_;
  std::vector<MemReq> mreq_;
  int mcur_ = -1;
  std::vector<Packet> rreq_;
  int rcur_ = -1;
  bool rheld_ = false;
  ici::FlitData rq_head_{};
  bool rq_body_ = false;
  BagOut cur_;
  std::vector<std::string> errors_;
};

} // namespace phtpu::sc
