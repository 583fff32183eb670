// The scaled pod's internals shared by its source files (pod.cpp: construction, the cycle,
// the backdoor, statistics; pod_host.cpp: hosts and programs; pod_ocs.cpp: the OCS protocol;
// pod_faults.cpp: faults and slice flushes). Not for users of the harness: include pod.hpp.
#pragma once

#include "pod.hpp"

#include "Vchip_top.h"
#include "Vchip_top__Dpi.h"
#include "Vocs_switch.h"
#include "Vocs_switch128.h"
#include "Vocs_switch128_wire.h"
#include "Vocs_switch_wire.h"
#include "ici_flit.hpp"
#include "ici_router_port.hpp"
#include "link_layer.hpp"
#include "rtl_assert.hpp"
#include "svdpi.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <type_traits>

namespace phtpu::pod {

namespace detail {

constexpr unsigned kVcs = ici::kChipVcs; // the chip's router, and the OCS's credit lines

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// What crosses a link in one cycle: a flit and/or credit returns.
struct LinkMsg {
  bool valid = false;
  std::uint8_t credit = 0;
  ici::Flit flit;
  bool any() const { return valid || credit; }
};

/// A message a chip put on an optical link, for the other ranks' copies of the link (Pod::exchange_sent).
struct Sent {
  std::uint64_t cycle = 0;
  std::uint32_t chip = 0, port = 0;
  LinkMsg msg;
};
/// With the link layer: the wire word a chip's link end put on an optical link.
struct SentWord {
  std::uint64_t cycle = 0;
  std::uint32_t chip = 0, port = 0;
  net::Wire word{};
};

/// The wire OCS models carry the link layer's word in their data field (tb/CMakeLists.txt: FlitW 224).
inline constexpr unsigned kOcsWireWords = 7;
static_assert(kOcsWireWords == net::kWireWords, "the wire OCS's data field holds one link-layer word");
template <class M>
inline constexpr bool kWireOcs = std::is_same_v<M, Vocs_switch_wire> || std::is_same_v<M, Vocs_switch128_wire>;

/// A chip model's DPI scope for the memory backdoor (Pod::peek/poke/stat): <model name>.chip_top<below_top>.
inline svScope chip_scope(const Vchip_top& m, const char* below_top) {
  const std::string name = fmt::format("{}.chip_top{}", m.name(), below_top);
  svScope s = svGetScopeFromName(name.c_str()); // in the thread's current context (the pod's)
  if (!s) throw PodError(fmt::format("the chip model has no DPI scope {}", name));
  return s;
}
} // namespace detail

using detail::kVcs;
using detail::LinkMsg;
using detail::Sent;
using detail::SentWord;
using detail::kOcsWireWords;
using detail::kWireOcs;
using detail::chip_scope;
using detail::now_seconds;

// Threads (Pod::set_threads): a cycle's phases run over work units, chips for the links and the
// chips' clock edges, OCSes for the switches, on several threads at once. What two units can
// touch in one phase is a chip's staged inputs (an electrical neighbour delivers into one port,
// up to three OCSes into others: distinct slots, atomic masks) and an OCS's input masks (many
// chips feed one OCS): those are atomics. The link layer's words (End::word_in, Ocs::word_in)
// are plain: each slot has one writer in the phase that fills it, and is read in a later one. Counters go to the thread's Lane and are summed after
// the cycle, so every total is the same whatever the thread count.
struct Pod::Chip {
  std::unique_ptr<Vchip_top> m;
  svScope mem_scope = nullptr, stat_scope = nullptr; // the backdoor's DPI scopes (chip_scope)
  struct End {
    enum class Kind : std::uint8_t { Electrical, Optical } kind = Kind::Electrical;
    unsigned far_chip = 0, far_port = 0; // electrical
    unsigned ocs = 0, ocs_port = 0;      // optical
    unsigned latency = 1;
    std::vector<LinkMsg> ring;
    unsigned busy = 0; // messages in the ring
    std::uint64_t flits = 0; // sent on this link, for the load statistics
    bool failed = false;     // a link fault: both directions dropped
    // with the link layer (PodSpec::link_layer): the flits ride the link end's wire words, the
    // ring above carries only credits
    std::unique_ptr<net::LinkEnd> link;
    std::unique_ptr<net::BitNoise> noise; // on the wire into this end
    net::Wire word_in{};                  // what the wire brings this cycle (deliver_links, step_ocs)
    std::vector<net::Wire> words;         // this end's words on their way: latency + 1 slots
    ici::Flit tx{};                       // the flit the chip sent this cycle
    bool tx_valid = false;
    bool down_seen = false;               // its link_up_o fall was reported
    // head flits handed to this end and delivered by it, since the last flush or circuit switch
    // (flush_slice: what a link holds is what its near end took and its far end did not deliver)
    std::uint64_t heads_tx = 0, heads_rx = 0;
  };
  std::array<End, 6> end;
  std::array<LinkMsg, 6> in{}; // staged inputs of this cycle
  std::atomic<unsigned> in_mask{0}, credit_mask{0};
  std::atomic<std::uint8_t> link_up{0x3F};
  std::atomic<std::uint8_t> dark{0};  // ports whose OCS circuit is being switched (ocs_switch dark_o)
  std::uint8_t drained = 0x3F;
  bool idle = false;
  bool clock_now = false;
  bool host_valid = false;
  bool dead = false;          // a chip fault: never clocked again
  std::uint8_t los = 0;       // loss of signal per port: link_up_i forced low
  std::uint8_t link_busy = 0; // link ends with flits not yet acknowledged (not drained)
  std::uint64_t heads_in = 0, heads_out = 0; // head flits in from links, out to links (since the last flush)
};

struct Pod::Ocs {
  // one of the two switch sizes (tb/CMakeLists.txt): with_model() calls f with the one there is
  // (with the link layer: the ones that carry its wire word)
  std::unique_ptr<Vocs_switch> m32;
  std::unique_ptr<Vocs_switch128> m128;
  std::unique_ptr<Vocs_switch_wire> w32;
  std::unique_ptr<Vocs_switch128_wire> w128;
  template <class F>
  decltype(auto) with_model(F&& f) {
    if (m32) return f(*m32);
    if (m128) return f(*m128);
    if (w32) return f(*w32);
    return f(*w128);
  }
  template <class F>
  decltype(auto) with_model(F&& f) const {
    if (m32) return f(static_cast<const Vocs_switch&>(*m32));
    if (m128) return f(static_cast<const Vocs_switch128&>(*m128));
    if (w32) return f(static_cast<const Vocs_switch_wire&>(*w32));
    return f(static_cast<const Vocs_switch128_wire&>(*w128));
  }
  std::vector<LinkMsg> in;
  std::vector<net::Wire> word_in; // with the link layer: the words at each port this cycle
  std::array<std::atomic<std::uint64_t>, 2> in_mask{}; // ports with a message this cycle
  std::array<std::uint64_t, 2> last_mask{};
  bool any_in() const { return in_mask[0].load(std::memory_order_relaxed) | in_mask[1].load(std::memory_order_relaxed); }
  std::vector<int> chip_of_port, link_of_port; // the chip and its link port at each OCS port
  struct CfgOp {
    bool commit = false;
    unsigned port = 0, peer = 0, settle = 0; // peer: the model's port count = no circuit
  };
  std::deque<CfgOp> ops;
  bool busy = false, was_busy = false;
  std::uint64_t flits = 0; // flits through this switch
};

/// One thread's bookkeeping of a cycle (Pod::step), summed after it.
struct alignas(64) Pod::Lane {
  std::uint64_t flits_electrical = 0, chip_cycles = 0, fault_flits = 0;
  bool moved = false;
  std::vector<std::array<Drops, kDropCauses>> drops; // per slice, the last: no slice
  std::vector<char> touched;                         // per slice: a chip of it moved
  std::exception_ptr error;                          // the first failure, by work unit
  std::size_t error_unit = 0;
  std::vector<Sent> sent;                            // with several ranks: optical messages sent
  std::vector<SentWord> sent_words;                  // ... and link-layer words
  std::vector<std::pair<unsigned, unsigned>> link_down; // (chip, port): link ends that went down this cycle
};

} // namespace phtpu::pod
