// The scaled pod's network and chip endpoints, flit by flit: the model of the RTL's all-to-all.
//
// Why a flit-level model. On the RTL the all-to-all is not set by a link's load. Every chip
// streams its n-1 transfers from one queue, and the router's output arbiter is round-robin
// between its inputs: a chip's own injection (the local port) gets half of an output it shares
// with traffic passing through, however many flows that traffic carries. Flows that cross
// several such routers (the long routes of a ring of 8 or 16, and above all the ones that cross
// the dateline, which all ride one VC: rtl/ici, coords/routing.hpp) fall behind, the chips
// near them race ahead into later transfers, and the all-to-all ends when the slowest chip
// does (docs/model.md, "Why the all-to-all is slower at scale", has the measurements). No sum
// of per-step bounds follows that: the time of one step depends on what the chips around it
// are doing. So the model runs the mechanisms themselves, with the RTL's design values and no
// fitted parameter:
//   - routers: per input port and VC a FIFO of `buffer_flits` flits; every head routed by the
//     routing oracle (net::next_hop: the RTL's route function, dateline VCs included); a head
//     takes a free output VC with a credit and holds it to its tail (wormhole); separable switch
//     allocation in two iterations, round-robin per input over its VCs and per output over its
//     inputs (rtl/ici/ici_router.sv); a flit in a buffer at edge t leaves at edge t+1 at the
//     earliest and reaches the next router's buffer L edges later (L = 1 electrical, 4 optical:
//     a link leaving its cube), its slot's credit returns L edges after it leaves (a VC's
//     credit loop is 2L + 2 edges: 8 credits cover it on electrical links, 0.8 of the optical);
//   - send lanes (1 on today's chip, 6 on the six-lane one): each a DMA engine with a job queue
//     of `job_queue` commands that cuts its jobs into packets of up to `max_body_words` words
//     (one head flit each) and injects one flit per edge into its own local input port, VC 0,
//     on credits (rtl/chip/chip_dma.sv, chip_tx_arb.sv);
//   - the host: one register write per edge, two per DMA command (destination, then the push,
//     which waits while the named lane's job queue is full), so at most one command every two
//     edges for all lanes together; waits on the receive counters (the collectives'
//     semaphores) pass as soon as they hold (sim/pod/pod_host.cpp);
//   - receive lanes: behind each local output a FIFO per VC and a dispatcher that takes one
//     flit per edge, a whole packet at a time (rtl/chip/chip_rx.sv); its words count towards
//     their semaphore class. With several lanes, a write packet leaves on the lane of the link
//     it arrived on (the six-lane router's rule).
// Cost: 0.3 to 1.7 microseconds per chip and cycle of the run, the more where many flits move;
// up to 1024 chips a run takes seconds, the full pod's all-to-all at 64 KiB about two
// minutes (docs/PERF.md, "The model"). Runs beyond a budget are extrapolated or refused
// (collective_model.hpp, NetworkLimits).
#pragma once

#include "topology.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace phtpu::model {

struct NetSimConfig {
  unsigned cube = 2;                 ///< chips per cube edge: a link leaving a cube is optical
  unsigned electrical_latency = 1, optical_latency = 4; ///< link latency, edges
  unsigned buffer_flits = 8;         ///< per input VC (the credits of an output VC)
  unsigned max_body_words = 16;      ///< words per packet (one head flit each)
  unsigned send_lanes = 1, receive_lanes = 1;
  unsigned host_writes_per_job = 2;  ///< register writes per DMA command (one per edge)
  unsigned job_queue = 4;            ///< DMA commands queued per send lane
  unsigned packet_queue = 4;         ///< packet descriptors queued ahead of the one being sent
  unsigned fixed_cycles = 1;         ///< from the last word taken to the pod being quiet (its write)
  /// called every 1024 edges with the edges simulated so far (a long run's progress); may throw
  /// to stop the run
  std::function<void(std::uint64_t)> progress;
};

/// One host operation of a chip's program.
struct SimOp {
  enum class Kind : std::uint8_t { Job, Wait };
  Kind kind = Kind::Job;
  unsigned dst = 0;        ///< Job: destination (net::Topology::index)
  std::uint32_t words = 0; ///< Job: words to send
  std::uint8_t lane = 0;   ///< Job: send lane
  std::uint8_t sem = 0;    ///< Job: the receive counter its words count towards (0..31); Wait: the counter
  std::uint32_t count = 0; ///< Wait: go on once counter `sem` holds this many words
  static SimOp job(unsigned dst, std::uint32_t words, unsigned lane = 0, unsigned sem = 0) {
    SimOp o;
    o.dst = dst;
    o.words = words;
    o.lane = static_cast<std::uint8_t>(lane);
    o.sem = static_cast<std::uint8_t>(sem);
    return o;
  }
  static SimOp wait(unsigned sem, std::uint32_t count) {
    SimOp o;
    o.kind = Kind::Wait;
    o.sem = static_cast<std::uint8_t>(sem);
    o.count = count;
    return o;
  }
};

struct NetSimResult {
  std::uint64_t cycles = 0;  ///< from the first host operation to the pod being quiet
  std::uint64_t packets = 0, flits = 0;
  std::uint64_t link_flits_max = 0; ///< flits on the busiest link (one direction)
  double link_flits_mean = 0;        ///< mean over the links that exist
};

/// Run every chip's program (indexed by net::Topology::index) on topology `t` until every
/// word has arrived. Throws std::invalid_argument for a program the chip cannot run (a lane it
/// does not have, a destination outside the slice) and std::runtime_error when nothing moves
/// for 100000 edges (a wait that never holds).
NetSimResult simulate_network(const net::Topology& t, const NetSimConfig& c, const std::vector<std::vector<SimOp>>& programs);

} // namespace phtpu::model
