// The scaled pod's network, flit by flit (network_sim.hpp has the model and its sources).
#include "network_sim.hpp"

#include "routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>
#include <stdexcept>

namespace phtpu::model {

namespace {

constexpr unsigned kVcs = 2;        // the request class's dateline pair (collectives send requests)
constexpr unsigned kLinks = 6;      // +X -X +Y -Y +Z -Z, then the local ports
constexpr std::uint8_t kHead = 1, kTail = 2;
constexpr unsigned kReaderDepth = 4; // chip_reader's FIFO: words read ahead of the packetizer
constexpr unsigned kSems = 32;

struct Entry {
  std::uint32_t pkt = 0;
  std::uint8_t flags = 0;
  std::uint8_t oport = 0, ovc = 0;
};

struct Packet {
  std::uint32_t dst = 0;
  std::uint16_t words = 0;
  std::uint8_t sem = 0;
};

enum class EvKind : std::uint8_t { FlitIn, Credit, RxIn, TxCredit };
struct Event {
  std::uint32_t idx = 0;
  EvKind kind = EvKind::FlitIn;
  Entry e;
};

/// A send lane: a DMA engine's job queue, packet descriptors, memory reader and packetizer.
struct Lane {
  struct Job {
    std::uint32_t dst, left;
    std::uint8_t sem;
    std::uint64_t arrival;
  };
  struct Desc {
    std::uint32_t pkt;
    std::uint64_t step;
    std::uint16_t flits, sent;
  };
  std::deque<Job> jobs;
  std::deque<Desc> descs;
  std::uint32_t reads_left = 0;    // words of the current packet not yet read
  std::array<std::uint64_t, kReaderDepth> read_edge{}; // edges of the words read ahead (ring)
  unsigned read_head = 0, read_count = 0;
  unsigned credits = 0;            // of VC 0 at the lane's local input
  bool busy() const { return !jobs.empty() || !descs.empty(); }
};

/// A receive lane: a FIFO per VC and the whole-packet dispatcher.
struct Rx {
  struct Fifo { // at most buffer_flits entries (the router's credits)
    std::array<Entry, 256> e;
    std::uint8_t head = 0, count = 0;
    bool empty() const { return count == 0; }
    const Entry& front() const { return e[head]; }
    void pop() { ++head; --count; }
    void push(const Entry& x) { e[static_cast<std::uint8_t>(head + count)] = x; ++count; }
  };
  std::array<Fifo, kVcs> fifo;
  bool locked = false;
  unsigned cur = 0, rr = 0;
  unsigned flits() const { return fifo[0].count + fifo[1].count; }
};

struct Host {
  std::size_t op = 0;
  unsigned phase = 0; // a job: 0 = destination write due, 1 = the push
  std::array<std::uint32_t, kSems> words{}; // received per semaphore class
};

} // namespace

NetSimResult simulate_network(const net::Topology& t, const NetSimConfig& c, const std::vector<std::vector<SimOp>>& programs) {
  const unsigned n = t.nodes();
  if (programs.size() != n) throw std::invalid_argument(fmt::format("network model: {} programs for {} chips", programs.size(), n));
  if (c.send_lanes < 1 || c.send_lanes > kLinks || c.receive_lanes < 1 || c.receive_lanes > kLinks)
    throw std::invalid_argument("network model: a chip has 1 to 6 send and receive lanes");
  if (c.buffer_flits < 1 || c.buffer_flits > 255 || c.max_body_words < 1 || c.job_queue < 1 || c.packet_queue < 1)
    throw std::invalid_argument("network model: buffers, packets and queues need at least one entry");
  const unsigned nl = std::max(c.send_lanes, c.receive_lanes); // the router's local ports
  const unsigned P = kLinks + nl;
  const unsigned B = c.buffer_flits;
  for (unsigned i = 0; i < n; ++i)
    for (const SimOp& o : programs[i])
      if (o.kind == SimOp::Kind::Job && (o.dst >= n || o.lane >= c.send_lanes || o.sem >= kSems || o.dst == i))
        throw std::invalid_argument(fmt::format("network model: chip {} has a transfer it cannot send (to {}, lane {})", i, o.dst, o.lane));
      else if (o.kind == SimOp::Kind::Wait && o.sem >= kSems)
        throw std::invalid_argument("network model: semaphore counters are 0 to 31");

  // ---- wiring ----------------------------------------------------------------------------
  std::vector<std::int32_t> far(std::size_t{n} * kLinks, -1);
  std::vector<std::uint8_t> lat(std::size_t{n} * kLinks, 0);
  std::vector<phext::Vec3> pos(n);
  for (unsigned i = 0; i < n; ++i) pos[i] = t.position(i);
  for (unsigned i = 0; i < n; ++i)
    for (unsigned p = 0; p < kLinks; ++p) {
      const auto port = static_cast<net::Port>(p);
      const auto nb = t.neighbor(pos[i], port);
      if (!nb) continue;
      far[i * kLinks + p] = static_cast<std::int32_t>(t.index(*nb));
      const int d = net::port_dim(port);
      const bool optical = net::port_sign(port) > 0 ? pos[i][d] % c.cube == c.cube - 1 : pos[i][d] % c.cube == 0;
      lat[i * kLinks + p] = static_cast<std::uint8_t>(optical ? c.optical_latency : c.electrical_latency);
    }
  const unsigned max_lat = std::max({c.optical_latency, c.electrical_latency, 1u});

  // ---- state -----------------------------------------------------------------------------
  const std::size_t nivc = std::size_t{n} * P * kVcs;
  std::vector<Entry> buf(nivc * B);
  std::vector<std::uint8_t> rd(nivc, 0), cnt(nivc, 0), ar_port(nivc, 0), ar_vc(nivc, 0);
  std::vector<std::uint8_t> credit(nivc, static_cast<std::uint8_t>(B)), busy(nivc, 0);
  std::vector<std::uint8_t> in_rr(std::size_t{n} * P, 0);
  std::vector<std::uint32_t> out_rr(std::size_t{n} * P, 0);
  std::vector<std::uint32_t> nonempty(n, 0); // per node: bit port*kVcs+vc
  std::vector<std::uint64_t> link_flits(std::size_t{n} * kLinks, 0);
  std::vector<Packet> pkts;
  std::vector<Lane> lanes(std::size_t{n} * c.send_lanes);
  for (Lane& l : lanes) l.credits = B;
  std::vector<Rx> rxs(std::size_t{n} * c.receive_lanes);
  std::vector<std::uint32_t> rx_active; // receive lanes holding flits
  std::vector<Host> hosts(n);
  std::vector<std::vector<Event>> wheel(max_lat + 2);
  auto at = [&](std::uint64_t e) -> std::vector<Event>& { return wheel[e % wheel.size()]; };

  NetSimResult res;
  std::uint64_t inflight = 0, last_take = 0, last_move = 0;
  std::uint64_t e = 0;
  std::vector<std::uint32_t> host_active; // hosts with operations left
  for (unsigned i = 0; i < n; ++i)
    if (!programs[i].empty()) host_active.push_back(i);
  std::vector<std::uint32_t> lane_active; // lanes with jobs
  std::vector<char> lane_listed(lanes.size(), 0);

  while (true) {
    ++e;
    // ---- D: hosts (state at the end of the last edge) ----
    std::size_t hk = 0;
    for (std::size_t q = 0; q < host_active.size(); ++q) {
      const unsigned i = host_active[q];
      Host& h = hosts[i];
      const auto& prog = programs[i];
      while (h.op < prog.size() && prog[h.op].kind == SimOp::Kind::Wait && h.words[prog[h.op].sem] >= prog[h.op].count) ++h.op;
      while (h.op < prog.size() && prog[h.op].kind == SimOp::Kind::Job && prog[h.op].words == 0) ++h.op; // nothing to send
      if (h.op < prog.size() && prog[h.op].kind == SimOp::Kind::Job) {
        const SimOp& o = prog[h.op];
        if (h.phase + 1 < c.host_writes_per_job) {
          ++h.phase;
          last_move = e;
        } else {
          const std::size_t li = std::size_t{i} * c.send_lanes + o.lane;
          Lane& l = lanes[li];
          if (l.jobs.size() < c.job_queue) {
            l.jobs.push_back({o.dst, o.words, o.sem, e});
            if (!lane_listed[li]) {
              lane_listed[li] = 1;
              lane_active.push_back(static_cast<std::uint32_t>(li));
            }
            h.phase = 0;
            ++h.op;
            last_move = e;
          }
        }
      }
      if (h.op < prog.size()) host_active[hk++] = i;
    }
    host_active.resize(hk);
    // ---- A: receive lanes take one flit each ----
    std::size_t keep = 0;
    for (std::size_t q = 0; q < rx_active.size(); ++q) {
      const std::uint32_t r = rx_active[q];
      Rx& x = rxs[r];
      unsigned pick = x.cur;
      if (!x.locked) {
        bool found = false;
        for (unsigned k = 0; k < kVcs && !found; ++k)
          if (!x.fifo[(x.rr + k) % kVcs].empty()) {
            pick = (x.rr + k) % kVcs;
            found = true;
          }
        if (!found) continue; // (cannot happen: an active lane holds flits)
      }
      if (x.fifo[pick].empty()) { // locked on a packet whose next flit has not come
        if (x.flits()) rx_active[keep++] = r;      // (without flits it rejoins when one arrives)
        continue;
      }
      const Entry f = x.fifo[pick].front();
      x.fifo[pick].pop();
      const unsigned node = static_cast<unsigned>(r / c.receive_lanes), lane = static_cast<unsigned>(r % c.receive_lanes);
      at(e).push_back({static_cast<std::uint32_t>((std::size_t{node} * P + kLinks + lane) * kVcs + pick), EvKind::Credit, {}});
      if (!(f.flags & kHead)) ++hosts[node].words[pkts[f.pkt].sem];
      if (f.flags & kTail) {
        x.locked = false;
        x.rr = (pick + 1) % kVcs;
      } else {
        x.locked = true;
        x.cur = pick;
      }
      --inflight;
      last_take = last_move = e;
      if (x.flits()) rx_active[keep++] = r;
    }
    rx_active.resize(keep);
    // ---- B: routers ----
    for (unsigned i = 0; i < n; ++i) {
      const std::uint32_t ne = nonempty[i];
      if (!ne) continue;
      const std::size_t base = std::size_t{i} * P;
      // eligible heads of the input VCs
      std::uint32_t fwd = 0;
      for (std::uint32_t m = ne; m; m &= m - 1) {
        const unsigned b = static_cast<unsigned>(__builtin_ctz(m));
        const std::size_t ivc = base * kVcs + b;
        const Entry& f = buf[ivc * B + rd[ivc]];
        const std::size_t ovc = (base + f.oport) * kVcs + f.ovc;
        if (credit[ovc] && (!(f.flags & kHead) || !busy[ovc])) fwd |= 1u << b;
      }
      if (!fwd) continue;
      // iteration 1: one VC per input port (round-robin), one input per output port
      std::array<std::uint8_t, 12> c1vc{};
      std::array<std::uint32_t, 12> req{}; // per output: requesting inputs
      std::uint32_t c1 = 0;
      for (unsigned p = 0; p < P; ++p) {
        const unsigned vm = (fwd >> (p * kVcs)) & 3u;
        if (!vm) continue;
        // the RTL's pointer runs over 4 VCs (two per class): after VC v it is v+1
        const unsigned first = in_rr[base + p] == 1 ? 1 : 0;
        const unsigned v = (vm >> first) & 1u ? first : 1 - first;
        c1vc[p] = static_cast<std::uint8_t>(v);
        c1 |= 1u << p;
        const Entry& f = buf[((base + p) * kVcs + v) * B + rd[(base + p) * kVcs + v]];
        req[f.oport] |= 1u << p;
      }
      std::array<std::int8_t, 12> gnt_in;
      gnt_in.fill(-1);
      std::array<std::uint8_t, 12> gnt_vc{};
      std::uint32_t taken = 0, won = 0;
      // output o grants the first requesting input at or after its round-robin pointer
      auto grant = [&](unsigned o, std::uint32_t r, const std::uint8_t* vc_of_input) {
        const std::uint32_t hi = r & out_rr[base + o];
        const unsigned g = static_cast<unsigned>(__builtin_ctz(hi ? hi : r));
        gnt_in[o] = static_cast<std::int8_t>(g);
        gnt_vc[o] = vc_of_input[g];
        return g;
      };
      for (unsigned o = 0; o < P; ++o) {
        if (!req[o]) continue;
        won |= 1u << grant(o, req[o], c1vc.data());
        taken |= 1u << o;
      }
      // iteration 2: inputs that lost try their other VC on an output no one took
      if (c1 & ~won) {
        std::array<std::uint32_t, 12> req2{};
        std::array<std::uint8_t, 12> c2vc{};
        bool any = false;
        for (unsigned p = 0; p < P; ++p) {
          if (!((c1 & ~won) >> p & 1u)) continue;
          const unsigned v = 1 - c1vc[p];
          if (!((fwd >> (p * kVcs + v)) & 1u)) continue;
          const Entry& f = buf[((base + p) * kVcs + v) * B + rd[(base + p) * kVcs + v]];
          if ((taken >> f.oport) & 1u) continue;
          req2[f.oport] |= 1u << p;
          c2vc[p] = static_cast<std::uint8_t>(v);
          any = true;
        }
        if (any)
          for (unsigned o = 0; o < P; ++o)
            if (req2[o]) grant(o, req2[o], c2vc.data());
      }
      // the grants: flits leave, credits go back upstream
      for (unsigned o = 0; o < P; ++o) {
        if (gnt_in[o] < 0) continue;
        const unsigned p = static_cast<unsigned>(gnt_in[o]), v = gnt_vc[o];
        const std::size_t ivc = (base + p) * kVcs + v;
        const Entry f = buf[ivc * B + rd[ivc]];
        rd[ivc] = static_cast<std::uint8_t>((rd[ivc] + 1) % B);
        if (--cnt[ivc] == 0) nonempty[i] &= ~(1u << (p * kVcs + v));
        in_rr[base + p] = static_cast<std::uint8_t>(v + 1);
        out_rr[base + o] = ~((2u << p) - 1u);
        const std::size_t ovc = (base + o) * kVcs + f.ovc;
        --credit[ovc];
        if (f.flags & kTail) busy[ovc] = 0;
        else if (f.flags & kHead) busy[ovc] = 1;
        // the freed slot's credit
        if (p < kLinks) {
          const auto up = static_cast<unsigned>(far[std::size_t{i} * kLinks + p]);
          const unsigned up_port = static_cast<unsigned>(net::opposite(static_cast<net::Port>(p)));
          at(e + lat[std::size_t{i} * kLinks + p])
              .push_back({static_cast<std::uint32_t>((std::size_t{up} * P + up_port) * kVcs + v), EvKind::Credit, {}});
        } else if (p - kLinks < c.send_lanes) {
          at(e + 1).push_back({static_cast<std::uint32_t>(std::size_t{i} * c.send_lanes + (p - kLinks)), EvKind::TxCredit, {}});
        }
        // the flit on its way
        Entry g = f;
        g.ovc = f.ovc;
        if (o < kLinks) {
          const auto j = static_cast<unsigned>(far[std::size_t{i} * kLinks + o]);
          const unsigned in_port = static_cast<unsigned>(net::opposite(static_cast<net::Port>(o)));
          ++link_flits[std::size_t{i} * kLinks + o];
          at(e + lat[std::size_t{i} * kLinks + o])
              .push_back({static_cast<std::uint32_t>((std::size_t{j} * P + in_port) * kVcs + f.ovc), EvKind::FlitIn, g});
        } else {
          at(e + 1).push_back({static_cast<std::uint32_t>((std::size_t{i} * c.receive_lanes + (o - kLinks)) * kVcs + f.ovc),
                               EvKind::RxIn, g});
        }
        last_move = e;
      }
    }
    // ---- C: send lanes ----
    std::size_t lk = 0;
    for (std::size_t q = 0; q < lane_active.size(); ++q) {
      const std::size_t li = lane_active[q];
      Lane& l = lanes[li];
      const unsigned node = static_cast<unsigned>(li / c.send_lanes), lane = static_cast<unsigned>(li % c.send_lanes);
      const bool reader_ready = l.reads_left == 0; // start_ready: every read of the last packet issued
      // the packetizer: one flit of the oldest descriptor
      if (!l.descs.empty() && l.credits) {
        Lane::Desc& d = l.descs.front();
        bool go;
        if (d.sent == 0) go = d.step + 1 <= e;
        else go = l.read_count && l.read_edge[l.read_head] + 2 <= e;
        if (go) {
          Entry f;
          f.pkt = d.pkt;
          f.flags = static_cast<std::uint8_t>((d.sent == 0 ? kHead : 0) | (d.sent + 1 == d.flits ? kTail : 0));
          if (d.sent) {
            l.read_head = (l.read_head + 1) % kReaderDepth;
            --l.read_count;
          }
          ++d.sent;
          --l.credits;
          at(e).push_back({static_cast<std::uint32_t>((std::size_t{node} * P + kLinks + lane) * kVcs + 0), EvKind::FlitIn, f});
          ++inflight;
          ++res.flits;
          if (d.sent == d.flits) l.descs.pop_front();
          last_move = e;
        }
      }
      // the reader: one word per edge into its FIFO while there is room
      if (l.reads_left && l.read_count < kReaderDepth) {
        l.read_edge[(l.read_head + l.read_count) % kReaderDepth] = e;
        ++l.read_count;
        --l.reads_left;
      }
      // a step: the next packet descriptor of the oldest job
      if (!l.jobs.empty() && l.jobs.front().arrival < e && l.descs.size() < c.packet_queue && reader_ready) {
        Lane::Job& j = l.jobs.front();
        const std::uint32_t w = std::min<std::uint32_t>(j.left, c.max_body_words);
        pkts.push_back({j.dst, static_cast<std::uint16_t>(w), j.sem});
        l.descs.push_back({static_cast<std::uint32_t>(pkts.size() - 1), e, static_cast<std::uint16_t>(w + 1), 0});
        l.reads_left = w;
        j.left -= w;
        if (j.left == 0) l.jobs.pop_front();
        ++res.packets;
      }
      if (l.busy()) lane_active[lk++] = static_cast<std::uint32_t>(li);
      else lane_listed[li] = 0;
    }
    lane_active.resize(lk);
    // ---- E: what arrives at the end of this edge ----
    auto& evs = at(e);
    for (const Event& ev : evs) {
      switch (ev.kind) {
      case EvKind::Credit: ++credit[ev.idx]; break;
      case EvKind::TxCredit: ++lanes[ev.idx].credits; break;
      case EvKind::RxIn: {
        Rx& x = rxs[ev.idx / kVcs];
        if (x.flits() == 0) rx_active.push_back(static_cast<std::uint32_t>(ev.idx / kVcs));
        x.fifo[ev.idx % kVcs].push(ev.e);
        break;
      }
      case EvKind::FlitIn: {
        const std::size_t ivc = ev.idx;
        const unsigned node = static_cast<unsigned>(ivc / kVcs / P), port = static_cast<unsigned>(ivc / kVcs % P);
        Entry f = ev.e;
        if (f.flags & kHead) {
          const unsigned dst = pkts[f.pkt].dst;
          const net::Port in = port < kLinks ? static_cast<net::Port>(port) : net::Port::Local;
          const net::Hop h = net::next_hop(t, pos[node], pos[dst], in, static_cast<unsigned>(ivc % kVcs), 2);
          unsigned out = static_cast<unsigned>(h.port);
          if (h.port == net::Port::Local) {
            const unsigned arrival_lane = port < kLinks ? port : port - kLinks;
            out = kLinks + (c.receive_lanes > 1 ? arrival_lane % c.receive_lanes : 0);
          }
          ar_port[ivc] = static_cast<std::uint8_t>(out);
          ar_vc[ivc] = static_cast<std::uint8_t>(h.vc);
        }
        f.oport = ar_port[ivc];
        f.ovc = ar_vc[ivc];
        if (cnt[ivc] >= B) throw std::logic_error("network model: a flit arrived at a full buffer");
        buf[ivc * B + (rd[ivc] + cnt[ivc]) % B] = f;
        ++cnt[ivc];
        nonempty[node] |= 1u << (port * kVcs + ivc % kVcs);
        break;
      }
      }
    }
    evs.clear();
    if (!inflight && host_active.empty() && lane_active.empty()) break;
    if (c.progress && e % 1024 == 0) c.progress(e);
    if (e - last_move > 100000) throw std::runtime_error("network model: nothing moved for 100000 cycles (a wait that never holds)");
  }
  res.cycles = last_take ? last_take + c.fixed_cycles : 0;
  std::uint64_t sum = 0, links = 0;
  for (std::size_t k = 0; k < link_flits.size(); ++k) {
    if (far[k] < 0) continue;
    res.link_flits_max = std::max(res.link_flits_max, link_flits[k]);
    sum += link_flits[k];
    ++links;
  }
  res.link_flits_mean = links ? double(sum) / double(links) : 0;
  return res;
}

} // namespace phtpu::model
