// The scaled pod's internals shared by its source files (pod.cpp: construction, the cycle,
// the backdoor, statistics; pod_host.cpp: hosts and programs; pod_ocs.cpp: the OCS protocol;
// pod_faults.cpp: faults and slice flushes). Not for users of the harness: include pod.hpp.
#pragma once

#include "pod.hpp"

#include "Vchip_top.h"
#include "Vchip_top__Dpi.h"
#include "Vocs_switch.h"
#include "ici_flit.hpp"
#include "ici_router_port.hpp"
#include "rtl_assert.hpp"
#include "svdpi.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

namespace phtpu::pod {

namespace detail {

constexpr unsigned kVcs = ici::kChipVcs; // the chip's router, and the OCS's credit lines
constexpr unsigned kNone = kOcsModelPorts; // "no circuit" in the OCS model

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

/// A chip model's DPI scope for the memory backdoor (Pod::peek/poke/stat): <model name>.chip_top<below_top>.
inline svScope chip_scope(const Vchip_top& m, const char* below_top) {
  const std::string name = fmt::format("{}.chip_top{}", m.name(), below_top);
  svScope s = svGetScopeFromName(name.c_str()); // in the thread's current context (the pod's)
  if (!s) throw PodError(fmt::format("the chip model has no DPI scope {}", name));
  return s;
}
} // namespace detail

using detail::kVcs;
using detail::kNone;
using detail::LinkMsg;
using detail::chip_scope;
using detail::now_seconds;

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
  };
  std::array<End, 6> end;
  std::array<LinkMsg, 6> in{}; // staged inputs of this cycle
  unsigned in_mask = 0, credit_mask = 0;
  std::uint8_t link_up = 0x3F;
  std::uint8_t drained = 0x3F;
  bool idle = false;
  bool clock_now = false;
  bool host_valid = false;
  bool dead = false;          // a chip fault: never clocked again
  std::uint8_t los = 0;       // loss of signal per port: link_up_i forced low
  std::uint64_t heads_in = 0, heads_out = 0; // head flits in from links, out to links (since the last flush)
};

struct Pod::Ocs {
  std::unique_ptr<Vocs_switch> m;
  std::vector<LinkMsg> in;
  std::uint64_t in_mask = 0, last_mask = 0;
  std::vector<int> chip_of_port, link_of_port; // the chip and its link port at each OCS port
  struct CfgOp {
    bool commit = false;
    unsigned port = 0, peer = kNone, settle = 0;
  };
  std::deque<CfgOp> ops;
  bool busy = false, was_busy = false;
};

} // namespace phtpu::pod
