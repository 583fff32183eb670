// The pod's collective schedules for the model (model_schedules.hpp).
#include "model_schedules.hpp"


#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

namespace phtpu::model {

Algorithm resolve_algorithm(Collective c, Algorithm a, unsigned send_lanes) {
  const bool blocks = c == Collective::AllToAll || c == Collective::Scatter || c == Collective::Gather;
  if (a == Algorithm::Default && send_lanes <= 1) return blocks ? Algorithm::Translate : Algorithm::Sequential;
  return phtpu::resolve_algorithm(c, a);
}

std::size_t ModelSchedule::transfers() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.size();
  return n;
}

std::vector<ModelTransfer> alltoall_order(const net::Topology& t, unsigned chip, Algorithm a) {
  std::vector<ModelTransfer> out;
  for (const auto& [j, lane] : sched::block_order(Collective::AllToAll, a, t, chip))
    out.push_back({chip, j, 0, 1, false, 0, lane, false});
  return out;
}

ModelSchedule build_model_schedule(Collective c, Algorithm a, const net::Topology& t, std::uint32_t words,
                                   unsigned cube) {
  ModelSchedule s;
  s.algorithm = a;
  const unsigned n = t.nodes();
  if (n < 2 || words == 0) return s;
  if (c == Collective::AllToAll) {
    if (words % n)
      throw std::invalid_argument(fmt::format("alltoall needs a multiple of {} words (one block per chip), not {}", n, words));
    if (a == Algorithm::Relay) { // input at 0, output at `words`, forwarded blocks above
      s.steps = sched::relay_schedule(t, words, 0, words, 2 * words);
      return s;
    }
    const std::uint32_t b = words / n;
    std::vector<ModelTransfer> st;
    for (unsigned i = 0; i < n; ++i)
      for (ModelTransfer x : alltoall_order(t, i, a)) {
        x.lo = x.dst * b;
        x.words = b;
        st.push_back(x);
      }
    s.steps.push_back(std::move(st));
    return s;
  }
  if (!ring_collective(c)) throw std::invalid_argument("the model does not cover " + collective_name(c));
  s.steps = sched::ring_schedule(c, a, t, words, cube);
  return s;
}

std::vector<std::vector<SimOp>> host_programs(const ModelSchedule& s, unsigned nodes, unsigned send_lanes) {
  // a counter per (add, class): 32 per chip (network_sim counts words per counter)
  auto counter = [](const ModelTransfer& t) { return (t.add ? 16u : 0u) + t.sem; };
  struct Received {
    unsigned k;                   // counter
    std::uint32_t after, lo, hi;  // its count once this transfer is in; the words it wrote
    unsigned from;
    bool token;
  };
  const bool relay = s.algorithm == Algorithm::Relay, relaxed = six_parts(s.algorithm) || relay;
  std::vector<std::vector<SimOp>> prog(nodes);
  std::vector<std::array<std::uint32_t, 32>> expect(nodes), issued(nodes);
  for (auto& e : expect) e.fill(0);
  for (auto& e : issued) e.fill(0);
  std::vector<std::vector<Received>> received(relaxed ? nodes : 0);
  std::vector<std::map<std::uint32_t, Received>> relayed(relay ? nodes : 0); // relay: by address
  auto wait_all = [&](unsigned chip) {
    for (unsigned k = 0; k < 32; ++k)
      if (expect[chip][k] != issued[chip][k]) {
        prog[chip].push_back(SimOp::wait(k, expect[chip][k]));
        issued[chip][k] = expect[chip][k];
      }
  };
  for (const auto& st : s.steps) {
    std::map<unsigned, std::vector<const ModelTransfer*>> by_src;
    for (const ModelTransfer& t : st) by_src[t.src].push_back(&t);
    for (const auto& [chip, sends] : by_src) {
      if (!relaxed) wait_all(chip);
      for (const ModelTransfer* t : sends) {
        if (relaxed) {
          if (t->token) {
            wait_all(chip);
          } else {
            std::array<std::uint32_t, 32> need{};
            if (relay) { // a block's slot was written by one earlier hop, exactly
              const auto it = relayed[chip].find(t->lo);
              if (it != relayed[chip].end()) need[it->second.k] = it->second.after;
            } else
              for (const Received& r : received[chip])
                if (r.token ? r.from == t->dst : r.lo < t->lo + t->words && t->lo < r.hi) need[r.k] = std::max(need[r.k], r.after);
            for (unsigned k = 0; k < 32; ++k)
              if (need[k] > issued[chip][k]) {
                prog[chip].push_back(SimOp::wait(k, need[k]));
                issued[chip][k] = need[k];
              }
          }
        }
        prog[chip].push_back(SimOp::job(t->dst, t->words, t->lane % send_lanes, counter(*t)));
      }
    }
    for (const ModelTransfer& t : st) {
      const unsigned k = counter(t);
      expect[t.dst][k] += t.words;
      const Received r{k, expect[t.dst][k], t.dlo, t.dlo + t.words, t.src, t.token};
      if (relay) relayed[t.dst][t.dlo] = r;
      else if (relaxed) received[t.dst].push_back(r);
    }
  }
  for (unsigned chip = 0; chip < nodes; ++chip) wait_all(chip);
  return prog;
}

} // namespace phtpu::model
