// phtpu net: run the ICI network harness (sim/net) on a mesh or (twisted) torus of Verilated
// routers under synthetic traffic, or sweep the injection rate for the latency-throughput
// curve and the saturation point.
#include "cli.hpp"
#include "fabric.hpp"

#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace phtpu::cli {

namespace {

struct NetArgs {
  std::string shape = "4x4x4";
  std::string cube = "4x4x4";
  bool twisted = false;
  std::string zarm = "1.1.1";
  std::string traffic = "uniform";
  double rate = 0.3;
  unsigned packet_flits = 1;
  std::uint64_t cycles = 20000;
  std::uint64_t warmup = 2000;
  std::uint64_t drain = 200000;
  unsigned link_latency = 1;
  std::uint64_t seed = 1;
  double hotspot = 0.1;
  double misaddressed = 0;
  unsigned vcs = 2;
  double ber = 0;
  unsigned burst = 1;
  bool link_layer = false; // --ber given (0 included: the layer without errors)
  double response_share = 0;
  bool check = false;
  bool sweep = false;
  std::string rates; // comma list
  std::string json;
  std::string trace;
  std::uint64_t trace_cycles = 400;
  std::string journey; // "x,y,z:x,y,z"
  bool quiet = false;
};

net::NetConfig config_of(const NetArgs& a, double rate) {
  net::NetConfig c;
  c.shape = phext::parse_shape(a.shape, "slice shape");
  c.cube = phext::parse_shape(a.cube, "cube shape");
  c.twisted = a.twisted;
  c.zarm = parse_zarm(a.zarm);
  c.traffic = net::traffic_from_name(a.traffic);
  c.rate = rate;
  c.packet_flits = a.packet_flits;
  c.measure = a.cycles;
  c.warmup = a.warmup;
  c.drain_limit = a.drain;
  c.link_latency = a.link_latency;
  c.seed = a.seed;
  c.hotspot_fraction = a.hotspot;
  c.misaddressed = a.misaddressed;
  c.vcs = a.vcs;
  c.response_share = a.response_share;
  c.check_routes = a.check || !a.journey.empty();
  c.link_layer = a.link_layer;
  c.ber = a.ber;
  c.burst = a.burst;
  try {
    net::validate(c);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  return c;
}

nlohmann::json to_json(const net::NetConfig& c, const net::Network& n, const net::NetStats& s) {
  return {{"shape", phext::shape_str(c.shape)},
          {"cube", phext::shape_str(c.cube)},
          {"topology", n.topology().describe()},
          {"routers", s.nodes},
          {"traffic", net::traffic_name(c.traffic)},
          {"rate", c.rate},
          {"packet_flits", c.packet_flits},
          {"link_latency", c.link_latency},
          {"vcs", c.vcs},
          {"response_share", c.response_share},
          {"seed", c.seed},
          {"offered", s.offered},
          {"accepted", s.accepted},
          {"latency", {{"avg", s.latency_avg}, {"p50", s.latency_p50}, {"p99", s.latency_p99}, {"max", s.latency_max}}},
          {"hops_avg", s.hops_avg},
          {"hops_traversed", s.hops_traversed},
          {"packets_measured", s.packets_measured},
          {"packets_injected", s.packets_injected},
          {"packets_delivered", s.packets_delivered},
          {"responses_delivered", s.responses_delivered},
          {"flits_injected", s.flits_injected},
          {"flits_delivered", s.flits_delivered},
          {"misaddressed_sent", s.misaddressed_sent},
          {"drops", {{"z_mismatch", s.drops_zmismatch}, {"out_of_shape", s.drops_out_of_shape}}},
          {"throttled", s.throttled},
          {"route_checks", s.route_checks},
          {"drained", s.drained},
          {"cycles", s.cycles},
          {"wall_seconds", s.wall_seconds},
          {"cycles_per_second", s.cycles_per_second},
          {"router_evaluations", s.router_cycles},
          {"link_layer", c.link_layer ? link_layer_json(s.links, c.ber, c.burst) : nlohmann::json()},
          {"ns_per_router_cycle", s.ns_per_router_cycle}};
}

void print_run(const net::NetConfig& c, const net::Network& n, const net::NetStats& s) {
  fmt::print("ICI network: {}, {} routers ({} VCs), {} traffic, {}-flit packets, link latency {}{}\n",
             n.topology().describe(), s.nodes, c.vcs, net::traffic_name(c.traffic), c.packet_flits, c.link_latency,
             c.response_share > 0 ? fmt::format(", {:.0f} % responses", 100 * c.response_share) : std::string());
  fmt::print("  offered        {:.3f} flits/node/cycle (rate {:.3f})\n", s.offered, c.rate);
  fmt::print("  accepted       {:.3f} flits/node/cycle\n", s.accepted);
  fmt::print("  latency        avg {:.2f}  p50 {:.0f}  p99 {:.0f}  max {:.0f} cycles ({} packets measured)\n",
             s.latency_avg, s.latency_p50, s.latency_p99, s.latency_max, s.packets_measured);
  fmt::print("  hops           avg {:.3f} minimal, {:.3f} taken (zero-load latency 2*hops+1+(flits-1) = {:.2f})\n",
             s.hops_avg, s.hops_traversed, 2 * s.hops_avg + 1 + (c.packet_flits - 1));
  fmt::print("  packets        {} injected, {} delivered, {} misaddressed, {} not generated (source queue full)\n",
             s.packets_injected, s.packets_delivered, s.misaddressed_sent, s.throttled);
  fmt::print("  dropped        {} other slice/pod, {} outside the slice\n", s.drops_zmismatch, s.drops_out_of_shape);
  if (c.check_routes) fmt::print("  route checks   {} head-flit hops equal the oracle's\n", s.route_checks);
  if (!s.drained) fmt::print("  WARNING        measured packets did not drain within {} cycles (saturated)\n", c.drain_limit);
  if (c.link_layer) fmt::print("{}", link_layer_line(s.links, c.ber, c.burst));
  fmt::print("  simulated      {} cycles in {:.2f} s = {:.0f} cycles/s ({:.0f} ns per router-cycle)\n", s.cycles,
             s.wall_seconds, s.cycles_per_second,
             s.ns_per_router_cycle);
}

std::pair<phext::Vec3, phext::Vec3> parse_journey(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw InputError("--journey wants SRC:DST, e.g. 0,0,0:2,3,1");
  return {phext::parse_position(text.substr(0, colon)), phext::parse_position(text.substr(colon + 1))};
}

} // namespace

void add_net_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<NetArgs>();
  auto* s = app.add_subcommand("net", "Simulate a network of Verilated ICI routers (rtl/ici) under synthetic traffic");
  s->add_option("--shape", a->shape, "Slice shape in chips, AxBxC")->capture_default_str();
  s->add_option("--cube", a->cube, "Cube shape in chips (a slice smaller than a cube is a mesh)")->capture_default_str();
  s->add_flag("--twisted", a->twisted, "Twisted torus (shape n x n x 2n or n x 2n x 2n)");
  s->add_option("--z", a->zarm, "Z arm of the slice: datacenter.pod.slice")->capture_default_str();
  s->add_option("--traffic", a->traffic, "uniform, bitcomp, transpose, tornado, neighbor or hotspot")
      ->capture_default_str();
  s->add_option("--rate", a->rate, "Offered load in flits/node/cycle (0..1)")->capture_default_str();
  s->add_option("--packet-flits", a->packet_flits, "Flits per packet (1..31)")->capture_default_str();
  s->add_option("--cycles", a->cycles, "Measurement window in cycles")->capture_default_str();
  s->add_option("--warmup", a->warmup, "Warm-up cycles before measuring")->capture_default_str();
  s->add_option("--drain", a->drain, "Give up draining measured packets after this many cycles")->capture_default_str();
  s->add_option("--link-latency", a->link_latency, "Link latency in cycles (>= 1)")->capture_default_str();
  s->add_option("--vcs", a->vcs,
                "Router VCs: 2 (requests and responses share them) or 4 (a VC pair per message class, as in the chip)")
      ->capture_default_str();
  s->add_option("--response-share", a->response_share,
                "Share of packets sent as responses (message class 1, 0..1); with --vcs 4 they use their own VCs")
      ->capture_default_str();
  s->add_option("--seed", a->seed, "Random seed")->capture_default_str();
  s->add_option("--hotspot", a->hotspot, "hotspot traffic: share of packets sent to chip 0,0,0")->capture_default_str();
  s->add_option("--misaddressed", a->misaddressed,
                "Share of packets sent to another slice, outside the slice or to a malformed coordinate")
      ->capture_default_str();
  s->add_option("--ber", a->ber,
                 "Put the link layer (CRC, sequence numbers, replay: docs/blocks/ici-link.md) on every link and flip "
                 "each wire bit with this probability, 0..0.01 (0: the layer without errors)")
      ->each([a](const std::string&) { a->link_layer = true; });
  s->add_option("--burst", a->burst, "With --ber: flip this many bits in a row where an error starts (1..64)")
      ->capture_default_str();
  s->add_flag("--check", a->check, "Check every head flit's hop against the routing oracle");
  s->add_flag("--sweep", a->sweep, "Sweep the injection rate: latency-throughput curve and saturation point");
  s->add_option("--rates", a->rates, "Rates for --sweep, rising, comma-separated (default 0.05,0.10,...,1.00)");
  s->add_option("--json", a->json, "Write the results as JSON here");
  s->add_option("--trace", a->trace, "Write an FST waveform of every router here (open with waves/ici_net.gtkw)");
  s->add_option("--trace-cycles", a->trace_cycles, "Cycles to record with --trace")->capture_default_str();
  s->add_option("--journey", a->journey,
                "Also send one packet SRC:DST (x,y,z:x,y,z) at cycle 10 and print its hops (implies --check)");
  s->add_flag("--quiet,-q", a->quiet, "Print only the summary line");
  s->callback([&action, a, s] {
    // options that would be ignored beside others are errors (raised when the command runs: the
    // parser's callback must not throw)
    std::string conflict;
    auto given = [s](const char* o) { return s->count(o) > 0; };
    if (given("--rates") && !a->sweep) conflict = "--rates are the loads of a --sweep: give --sweep, or --rate for one run";
    else if (a->sweep && given("--rate")) conflict = "--sweep runs the loads of --rates: leave out --rate";
    else if (a->sweep && (given("--trace") || given("--trace-cycles"))) conflict = "--trace records one run, not a --sweep";
    else if (a->sweep && given("--journey")) conflict = "--journey follows a packet of one run, not a --sweep";
    else if (given("--trace-cycles") && !given("--trace")) conflict = "--trace-cycles sets the length of a --trace: give --trace FILE";
    else if (given("--hotspot") && a->traffic != "hotspot") conflict = "--hotspot is the share of --traffic hotspot";
    else if (given("--burst") && !given("--ber")) conflict = "--burst shapes the bit errors of --ber: give --ber";
    action = [a, conflict] {
      if (!conflict.empty()) throw UsageError(conflict);
      if (!a->trace.empty() && a->trace_cycles < 1) throw InputError("--trace-cycles must be at least 1");
      // the latency knee is the last load before saturation: the loads must rise
      std::vector<double> rates;
      if (!a->rates.empty())
        for (const std::string& t : list_items(a->rates, "--rates")) {
          const double r = parse_real(t, "--rates");
          if (!(r > 0.0 && r <= 1.0)) throw InputError(fmt::format("--rates: {} is not in (0, 1] flits/node/cycle", r));
          if (!rates.empty() && !(r > rates.back()))
            throw InputError(fmt::format("--rates must rise: {} after {}", r, rates.back()));
          rates.push_back(r);
        }
      check_outputs({{"--json", a->json}, {"--trace", a->trace}});
      if (a->sweep) {
        if (rates.empty())
          for (int i = 1; i <= 20; ++i) rates.push_back(i * 0.05);
        nlohmann::json runs = nlohmann::json::array();
        double zero_load = 0, sat_point = 0, best_accepted = 0;
        bool saturated = false;
        fmt::print("{:>8} {:>9} {:>9} {:>9} {:>7} {:>7} {:>10}\n", "rate", "offered", "accepted", "lat_avg", "p99",
                   "hops", "cycles/s");
        for (double r : rates) {
          const net::NetConfig c = config_of(*a, r);
          net::Network n(c);
          Progress progress(a->quiet);
          const net::NetStats st = net::run_systemc(
              n,
              [&](const net::Network& nn) {
                if (progress.due())
                  fmt::print(stderr, "phtpu net: rate {:.3f}: cycle {} of about {}\n", r, nn.cycle(), c.warmup + c.measure);
              },
              1000);
          runs.push_back(to_json(c, n, st));
          // zero-load latency of this traffic: 2 cycles per hop + 1, plus the packet's extra flits
          zero_load = 2 * st.hops_avg + 1 + (c.packet_flits - 1);
          // saturated: accepted falls 5% below offered, latency triples, or packets do not drain
          const bool sat = st.accepted < 0.95 * st.offered || st.latency_avg > 3 * zero_load || !st.drained;
          if (!sat && !saturated) sat_point = st.offered;
          saturated = saturated || sat;
          best_accepted = std::max(best_accepted, st.accepted);
          fmt::print("{:>8.3f} {:>9.3f} {:>9.3f} {:>9.2f} {:>7.0f} {:>7.3f} {:>10.0f}{}\n", r, st.offered, st.accepted,
                     st.latency_avg, st.latency_p99, st.hops_avg, st.cycles_per_second, sat ? "  saturated" : "");
          std::fflush(stdout);
        }
        if (saturated)
          fmt::print("saturation throughput (peak accepted): {:.3f} flits/node/cycle; latency knee: {:.3f} offered "
                     "(last load with accepted >= 95% of offered and latency <= 3x zero-load)\n",
                     best_accepted, sat_point);
        else
          fmt::print("not saturated up to {:.3f} offered (accepted {:.3f} flits/node/cycle): the saturation point and the "
                     "latency knee are above the loads run\n",
                     sat_point, best_accepted);
        if (!a->json.empty())
          write_output(a->json, nlohmann::json{{"sweep", runs},
                                               {"saturated", saturated},
                                               {"latency_knee", saturated ? nlohmann::json(sat_point) : nlohmann::json()},
                                               {"saturation_throughput", best_accepted}}
                                        .dump(2) +
                                    "\n");
        return 0;
      }
      const net::NetConfig c = config_of(*a, a->rate);
      PendingFile wave(a->trace); // (before the network that writes it)
      net::Network n(c);
      std::uint32_t tag = 0;
      std::pair<phext::Vec3, phext::Vec3> jr;
      if (!a->journey.empty()) {
        jr = parse_journey(a->journey);
        if (!n.topology().contains(jr.first) || !n.topology().contains(jr.second))
          throw InputError("--journey: a position lies outside the slice " + phext::shape_str(c.shape));
      }
      if (!a->trace.empty()) n.open_trace(wave.temp(), a->trace_cycles);
      if (!a->journey.empty()) {
        while (n.cycle() < 10) n.step();
        n.inject(jr.first, jr.second, c.packet_flits, &tag);
      }
      const std::uint64_t total = c.warmup + c.measure;
      Progress progress(a->quiet);
      const net::NetStats st = net::run_systemc(
          n,
          [&](const net::Network& nn) {
            if (progress.due()) fmt::print(stderr, "phtpu net: cycle {} of about {}\n", nn.cycle(), total);
          },
          1000);
      wave.keep();
      if (!a->quiet) print_run(c, n, st);
      else
        fmt::print("{}, {}, rate {:.3f}: offered {:.3f}, accepted {:.3f}, latency avg {:.2f} p99 {:.0f}, hops {:.3f}, "
                   "delivered {}/{}, {:.0f} cycles/s, {:.0f} ns/router-cycle, dropped {}/{} misaddressed, {} cycles, "
                   "{} packets not generated (source queue full), {} VCs, {} responses{}\n",
                   n.topology().describe(), net::traffic_name(c.traffic), c.rate, st.offered, st.accepted,
                   st.latency_avg, st.latency_p99, st.hops_avg, st.packets_delivered,
                   st.packets_injected - st.misaddressed_sent, st.cycles_per_second,
                   st.ns_per_router_cycle,
                   st.drops_zmismatch + st.drops_out_of_shape, st.misaddressed_sent, st.cycles, st.throttled, c.vcs,
                   st.responses_delivered, st.drained ? "" : ", NOT DRAINED within --drain (saturated)");
      nlohmann::json j = to_json(c, n, st);
      if (c.link_layer) { // the replays of every link end that replayed: which links the errors hit
        nlohmann::json per = nlohmann::json::array();
        const std::vector<std::uint64_t> r = n.link_replays();
        for (std::size_t e = 0; e < r.size(); ++e)
          if (r[e])
            per.push_back({{"chip", phext::position_str(n.topology().position(static_cast<unsigned>(e / 6)))},
                           {"port", net::port_name(static_cast<net::Port>(e % 6))},
                           {"replays", r[e]}});
        j["link_layer"]["replays_by_link"] = per;
      }
      if (!a->journey.empty()) {
        nlohmann::json hops = nlohmann::json::array();
        fmt::print("  journey        packet {} -> {} (tag {}):\n", phext::position_str(jr.first),
                   phext::position_str(jr.second), tag);
        for (const auto& h : n.journey(jr.first, tag)) {
          fmt::print("                 cycle {:>5}  chip {:<8} ({})  out {:<5} vc {}\n", h.cycle,
                     phext::position_str(h.node), n.geometry().phext_of_global(h.node).str(), net::port_name(h.port),
                     h.vc);
          hops.push_back({{"cycle", h.cycle}, {"chip", phext::position_str(h.node)},
                          {"phext", n.geometry().phext_of_global(h.node).str()},
                          {"port", net::port_name(h.port)}, {"vc", h.vc}});
        }
        j["journey"] = hops;
      }
      if (!a->trace.empty()) fmt::print("  waveform       {} (first {} cycles)\n", a->trace, a->trace_cycles);
      if (!a->json.empty()) {
        write_output(a->json, j.dump(2) + "\n");
        if (!a->quiet) fmt::print("  report         {}\n", a->json);
      }
      return 0;
    };
  });
}

} // namespace phtpu::cli
