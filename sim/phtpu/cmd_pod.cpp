// phtpu pod: build a scaled TPU v4 pod of Verilated chips and OCSes from a JSON config or flags,
// run verified workloads on its slices, report cycles and bandwidths (sim/pod/).
#include "calibration.hpp"
#include "cli.hpp"
#include "collectives.hpp"
#include "pod.hpp"
#include "pod_fabric.hpp"
#include "workload_model.hpp"
#include "workloads.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <limits>
#include <map>
#include <set>
#include <iostream>

namespace phtpu::cli {

namespace {

/// Rows of the dp and llm workloads' GEMMs (activations per chip; the all-reduce is 16 B a row).
constexpr unsigned kLayerRows = 32;
/// The pod chip's lookup unit's dedup window: Slots/2 rows (rtl/chip/chip_top.sv ScSlots = 64).
constexpr unsigned kScWindowRows = 32;

/// The most cycles --max-cycles allows: about 10^5 hours at the pod's speed on 2 threads.
constexpr std::uint64_t kMaxCycleLimit = 1'000'000'000'000ull;

/// A pod's memory, for the check before it is built: the most measured (docs/PERF.md, the full
/// pod: 1.02 MiB a chip with a 64 KiB all-to-all's references), rounded up.
constexpr std::uint64_t kPodBaseBytes = 64ull << 20, kPodChipBytes = 1126ull << 10;

/// Seconds into a run before its first progress line (then every 5 s).
constexpr double kProgressSeconds = 5;

// The signal that interrupted a pod run (0: none); the pod stops at its next cycle.
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_interrupt(int sig) {
  g_signal = sig;
  pod::request_stop();
}

/// SIGINT and SIGTERM stop a single-process pod run at its next cycle; a second one kills (the
/// handler is reset after the first). Restored when the run ends.
class StopOnInterrupt {
public:
  explicit StopOnInterrupt(bool on) : on_(on) {
    if (!on_) return;
    struct sigaction a {};
    a.sa_handler = on_interrupt;
    a.sa_flags = SA_RESETHAND;
    sigemptyset(&a.sa_mask);
    sigaction(SIGINT, &a, &old_int_);
    sigaction(SIGTERM, &a, &old_term_);
  }
  ~StopOnInterrupt() {
    if (!on_) return;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

private:
  bool on_;
  struct sigaction old_int_ {}, old_term_ {};
};

/// The process's peak resident memory so far (getrusage: Linux gives KiB).
std::uint64_t peak_memory_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;
}

/// The cores this process may run on (its affinity mask: what taskset, Slurm or mpirun granted).
unsigned default_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

/// What a pod configuration file holds (docs/pod-config.md): the pod, and the run's workloads,
/// sizes and seed. Every key is optional; a flag given on the command line wins over its key.
struct PodConfig {
  pod::PodSpec spec;
  std::vector<std::string> set;        ///< the keys the file sets
  std::string workloads, bytes;        ///< comma-separated, as the flags take them
  std::uint64_t seed = 0;
};

PodConfig pod_config(const std::string& path) {
  const nlohmann::json j = read_json(path);
  if (!j.is_object()) throw InputError(fmt::format("{}: a pod configuration is a JSON object of keys", path));
  PodConfig c;
  const std::string f = phext::printable(path, 256);
  // a whole number in [0, max]: not a fraction, a boolean, a string or a number past the range
  auto whole = [&](const std::string& key, std::uint64_t max) -> std::uint64_t {
    const auto& v = j.at(key);
    if (!v.is_number_integer() || v.is_boolean())
      throw InputError(fmt::format("{}: {} must be a whole number, not {}", f, key, phext::printable(v.dump(), 64)));
    if (v.is_number_unsigned() ? v.get<std::uint64_t>() > max : true)
      throw InputError(fmt::format("{}: {} must be 0..{}, not {}", f, key, max, phext::printable(v.dump(), 64)));
    return v.get<std::uint64_t>();
  };
  auto text = [&](const std::string& key) -> std::string {
    const auto& v = j.at(key);
    if (!v.is_string() || v.get<std::string>().empty())
      throw InputError(fmt::format("{}: {} must be a non-empty string, not {}", f, key, phext::printable(v.dump(), 64)));
    return v.get<std::string>();
  };
  // a non-empty list of non-empty strings (or one string of comma-separated items)
  auto list = [&](const std::string& key) -> std::vector<std::string> {
    const auto& v = j.at(key);
    std::vector<std::string> out;
    if (v.is_string()) out = split_commas(v.get<std::string>(), true);
    else if (v.is_array())
      for (const auto& e : v) {
        if (!e.is_string())
          throw InputError(fmt::format("{}: {} must be a list of strings, not {}", f, key, phext::printable(v.dump(), 64)));
        out.push_back(e.get<std::string>());
      }
    else
      throw InputError(fmt::format("{}: {} must be a list of strings, not {}", f, key, phext::printable(v.dump(), 64)));
    if (out.empty()) throw InputError(fmt::format("{}: {} is an empty list", f, key));
    for (const auto& e : out)
      if (e.empty()) throw InputError(fmt::format("{}: {} holds an empty item", f, key));
    return out;
  };
  constexpr std::uint64_t u32 = 0xFFFFFFFFu; // the spec's fields; their ranges: PodSpec::validate
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    c.set.push_back(k);
    if (k == "cube") {
      const phext::Vec3 v = pod::parse_shape(text(k));
      if (v.x != v.y || v.y != v.z) throw InputError(fmt::format("{}: cube must be 2x2x2 or 4x4x4", f));
      c.spec.cube = v.x;
    } else if (k == "racks") c.spec.racks = static_cast<unsigned>(whole(k, u32));
    else if (k == "spares") c.spec.spares = static_cast<unsigned>(whole(k, u32));
    else if (k == "electrical_latency") c.spec.electrical_latency = static_cast<unsigned>(whole(k, u32));
    else if (k == "optical_latency") c.spec.optical_latency = static_cast<unsigned>(whole(k, u32));
    else if (k == "settle_cycles") c.spec.settle_cycles = static_cast<unsigned>(whole(k, u32));
    else if (k == "los_cycles") c.spec.los_cycles = static_cast<unsigned>(whole(k, u32));
    else if (k == "timeout_cycles") c.spec.timeout_cycles = static_cast<unsigned>(whole(k, u32));
    else if (k == "slices") {
      for (const auto& sl : list(k)) {
        try {
          c.spec.slices.push_back(pod::parse_slice(sl));
        } catch (const pod::PlanError& e) {
          throw InputError(fmt::format("{}: slices: {}", f, e.what()));
        }
      }
    } else if (k == "workloads") {
      for (const auto& w : list(k)) c.workloads += (c.workloads.empty() ? "" : ",") + w;
    } else if (k == "bytes") {
      for (const auto& b : list(k)) c.bytes += (c.bytes.empty() ? "" : ",") + b;
    } else if (k == "seed") c.seed = whole(k, std::numeric_limits<std::uint64_t>::max());
    else
      throw InputError(fmt::format("{}: unknown key '{}' (cube, racks, spares, electrical_latency, optical_latency, "
                                   "settle_cycles, los_cycles, timeout_cycles, slices, workloads, bytes, seed)",
                                   f, phext::printable(k, 64)));
  }
  return c;
}

} // namespace

void add_pod_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("pod", "Build a scaled TPU v4 pod (Verilated chips and OCSes) and run verified "
                                        "collectives, embedding lookups and a data-parallel step on its slices");
  struct Opts {
    std::string config, cube = fmt::format("{0}x{0}x{0}", pod::PodSpec{}.cube), workloads = "allreduce,alltoall,embedding", bytes = "4KiB", json, csv,
                                          plan_json, plan_phext, markdown, trace, trace_chips;
    // the default pod (pod::PodSpec's member defaults, the one place they are written)
    unsigned racks = pod::PodSpec{}.racks, spares = pod::PodSpec{}.spares, elat = pod::PodSpec{}.electrical_latency,
             olat = pod::PodSpec{}.optical_latency, settle = pod::PodSpec{}.settle_cycles;
    unsigned los = pod::PodSpec{}.los_cycles, timeout = pod::PodSpec{}.timeout_cycles;
    std::string fault, algorithms;
    std::vector<std::string> slices, ber_links;
    std::uint64_t seed = 1, max_cycles = 0;
    double ber = 0;
    unsigned burst = pod::PodSpec{}.burst;
    bool quiet = false;
    std::string reconfigure;
    unsigned threads = default_threads();
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--config", o->config, "JSON pod description (pods/small.json); flags override it");
  cmd->add_option("--cube", o->cube, "chips per cube: 2x2x2 or 4x4x4")->capture_default_str();
  cmd->add_option("--racks", o->racks, fmt::format("racks (cubes) in the pod, 1..{} (TPU v4: 64 of 4x4x4)", pod::kMaxRacks))
      ->capture_default_str();
  cmd->add_option("--spares", o->spares, "racks kept out of every slice")->capture_default_str();
  cmd->add_option("--electrical-latency", o->elat, "in-cube link latency, cycles")->capture_default_str();
  cmd->add_option("--optical-latency", o->olat, "chip-to-chip latency through an OCS, cycles")->capture_default_str();
  cmd->add_option("--settle", o->settle, "OCS settle time, cycles")->capture_default_str();
  cmd->add_option("--slice", o->slices, "a slice, in chips: 4x4x8 or 4x4x8:twisted (repeat for more)");
  cmd->add_option("--workload", o->workloads,
                  "comma-separated: allreduce, reducescatter, allgather (each also -hier: inside cubes, then "
                  "across), alltoall, scatter, gather, "
                  "embedding, dp (a GEMM on every chip's MXU, then their all-reduce), llm (four of them: a "
                  "transformer's row-parallel layers), dlrm (a small DLRM step: lookups in a table per chip, their "
                  "all-to-all, the MLP); dp, llm and dlrm take their own sizes and the default algorithms, whatever "
                  "--bytes and --algorithm say for the collectives")->capture_default_str();
  cmd->add_option("--bytes", o->bytes, "collective message size per chip (B, KiB, MiB; comma-separated sweep)")
      ->capture_default_str();
  cmd->add_option("--reconfigure", o->reconfigure,
                  "after the workloads: turn slice N into SHAPE through the OCS protocol while another slice runs "
                  "an all-reduce, then rerun the workloads on it (N:SHAPE, e.g. 2:2x2x4:twisted)");
  cmd->add_option("--fault", o->fault,
                  "after the workloads (and --reconfigure): a part fails C cycles into a run of the first collective "
                  "of --workload on its slice while the other slices run all-reduces; it is detected, its rack's "
                  "logical cube moves to a spare rack (needs --spares 1 or more) and the collective is re-run. "
                  "chip:N@C (N a chip number or phext coordinate), link:N.P@C (P: +x -x +y -y +z -z), "
                  "ocs:D.I:P@C (OCS D.I, D = x|y|z, I the face position; port P = 2*rack or 2*rack+1), rack:R@C");
  cmd->add_option("--los-cycles", o->los,
                  "loss-of-signal time: cycles from a far end failing to link_up falling at the survivor (0: no "
                  "link-down detection, only the timeout)")->capture_default_str();
  cmd->add_option("--timeout-cycles", o->timeout,
                  "a slice whose hosts wait with no flit moving this long has timed out (0: off)")->capture_default_str();
  cmd->add_option("--algorithm", o->algorithms,
                  "collective algorithms, comma-separated, each for the collectives that have it: concurrent, "
                  "logical or sequential (allreduce, reducescatter, allgather), lanes or translate (alltoall, "
                  "scatter, gather), relay (alltoall); default: concurrent and lanes (docs/blocks/collectives.md)");
  cmd->add_option("--seed", o->seed, "random data (and the bit errors of --ber)")->capture_default_str();
  cmd->add_option("--ber", o->ber,
                  "put the link layer (CRC, sequence numbers, replay: docs/blocks/ici-link.md) at every chip port and "
                  "flip each wire bit, electrical and optical, with this probability, 0..0.01 (0: the layer without "
                  "errors); a link end that gives up goes down like a lost signal");
  cmd->add_option("--burst", o->burst, "with --ber: flip this many bits in a row where an error starts (1..64)")
      ->capture_default_str();
  cmd->add_option("--ber-link", o->ber_links,
                  "N.P=BER: the bit error rate of one link, both directions, in place of --ber's (N a chip number "
                  "or phext coordinate, P +x -x +y -y +z -z; repeat for more); puts the link layer on like --ber");
  cmd->add_option("--max-cycles", o->max_cycles,
                  fmt::format("stop after this many pod cycles of workloads (0: no limit; at most {}); the results "
                              "so far are written, marked incomplete, and the exit status is 1. Ctrl-C (SIGINT, "
                              "SIGTERM) stops a run the same way (exit 130, 143); a second one kills it",
                              kMaxCycleLimit))
      ->capture_default_str();
  cmd->add_option("--json", o->json, "write every measurement as JSON");
  cmd->add_option("--csv", o->csv, "write every measurement as CSV");
  cmd->add_option("--markdown", o->markdown, "write a short Markdown summary");
  cmd->add_option("--plan-json", o->plan_json,
                  "write the OCS circuits, slices and every chip's routing as JSON (after --reconfigure: FILE.after)");
  cmd->add_option("--plan-phext", o->plan_phext,
                  "write every chip's routing configuration as a phext document (after --reconfigure: FILE.after)");
  cmd->add_option("--trace", o->trace, "write an FST waveform of the traced chips and every OCS");
  cmd->add_option("--trace-chips", o->trace_chips,
                  "chips to trace: logical phext coordinates (1.1.2/1.1.1/1.2.1) or physical numbers (default: 0)");
  cmd->add_option("--threads", o->threads,
                  "threads that step the pod (default: the cores this process may use); results do not depend on it")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "no progress on stderr");
  action = [cmd, o]() -> int {
    // under mpirun every rank runs this program on its share of the pod; rank 0 reports and
    // writes the files (the results are the same on every rank)
    const pod::Ranks& ranks = pod::Ranks::world();
    const bool lead = ranks.rank() == 0;
    if (!lead) {
      o->quiet = true;
      for (std::string* path : {&o->json, &o->csv, &o->markdown, &o->plan_json, &o->plan_phext}) path->clear();
    }
    pod::PodSpec spec;
    auto given = [cmd](const char* name) { return cmd->count(name) > 0; };
    if (!o->config.empty()) {
      const PodConfig c = pod_config(o->config);
      spec = c.spec;
      auto has = [&](const char* key) { return std::find(c.set.begin(), c.set.end(), key) != c.set.end(); };
      if (has("workloads") && !given("--workload")) o->workloads = c.workloads;
      if (has("bytes") && !given("--bytes")) o->bytes = c.bytes;
      if (has("seed") && !given("--seed")) o->seed = c.seed;
    }
    if (o->config.empty() || given("--cube")) {
      const phext::Vec3 c = pod::parse_shape(o->cube);
      if (c.x != c.y || c.y != c.z) throw InputError("--cube must be 2x2x2 or 4x4x4");
      spec.cube = c.x;
    }
    if (o->config.empty() || given("--racks")) spec.racks = o->racks;
    if (o->config.empty() || given("--spares")) spec.spares = o->spares;
    if (o->config.empty() || given("--electrical-latency")) spec.electrical_latency = o->elat;
    if (o->config.empty() || given("--optical-latency")) spec.optical_latency = o->olat;
    if (o->config.empty() || given("--settle")) spec.settle_cycles = o->settle;
    if (o->config.empty() || given("--los-cycles")) spec.los_cycles = o->los;
    if (o->config.empty() || given("--timeout-cycles")) spec.timeout_cycles = o->timeout;
    if (given("--burst") && !given("--ber") && !given("--ber-link"))
      throw UsageError("--burst shapes the bit errors of --ber: give --ber or --ber-link");
    if (given("--ber") || given("--ber-link")) {
      spec.link_layer = true;
      spec.ber = o->ber;
      spec.burst = o->burst;
      spec.noise_seed = o->seed;
    }
    if (!o->slices.empty()) {
      spec.slices.clear();
      for (const auto& s : o->slices) spec.slices.push_back(pod::parse_slice(s));
    }
    if (spec.slices.empty()) spec.slices = pod::PodSpec::default_slices();
    const std::vector<std::string> names = list_items(o->workloads, "--workload");
    if (!o->trace_chips.empty() && o->trace.empty())
      throw UsageError("--trace-chips picks the chips of a --trace: give --trace FILE");
    for (const auto& n : names)
      if (n != "embedding" && n != "dp" && n != "llm" && n != "dlrm") (void)pod::collective_from_name(n);
    std::vector<std::uint64_t> sizes;
    for (const std::string& b : list_items(o->bytes, "--bytes")) sizes.push_back(parse_byte_size(b));
    for (std::uint64_t b : sizes)
      if (b == 0 || b % 16) throw InputError(fmt::format("message size {} B is not a positive multiple of 16 B", b));
    // --bytes sizes the collectives; embedding, dp, llm and dlrm take their own sizes
    const bool any_collective = std::any_of(names.begin(), names.end(), [](const std::string& n) {
      return n != "embedding" && n != "dp" && n != "llm" && n != "dlrm";
    });
    if (given("--bytes") && !any_collective)
      throw UsageError("--bytes sizes the collectives, and --workload names none (embedding, dp, llm and dlrm take "
                       "their own sizes)");
    if (o->threads < 1 || o->threads > 1024) throw InputError(fmt::format("--threads must be 1..1024, not {}", o->threads));
    if (o->max_cycles > kMaxCycleLimit)
      throw InputError(fmt::format("--max-cycles must be at most {} (about 10^5 hours of simulation), not {}",
                                   kMaxCycleLimit, o->max_cycles));
    check_outputs({{"--json", o->json}, {"--csv", o->csv}, {"--markdown", o->markdown}, {"--plan-json", o->plan_json},
                   {"--plan-phext", o->plan_phext}, {"--trace", o->trace}});
    const pod::Plan plan(spec);
    // every rank holds its racks' chips (models, memories, the workloads' references) and every OCS
    const std::uint64_t rank_chips = (plan.chip_count() + ranks.size() - 1) / ranks.size();
    check_memory(kPodBaseBytes + rank_chips * kPodChipBytes,
                 fmt::format("a pod of {} chips{}", plan.chip_count(),
                             ranks.many() ? fmt::format(" ({} on each of {} ranks)", rank_chips, ranks.size()) : ""),
                 "1.1 MiB a chip, the most measured: docs/PERF.md");
    int recon_slice = -1;
    pod::SliceSpec recon_spec;
    if (!o->reconfigure.empty()) {
      const auto colon = o->reconfigure.find(':');
      if (colon == std::string::npos) throw InputError("--reconfigure wants N:SHAPE, e.g. 2:2x2x4:twisted");
      const std::uint64_t n = parse_whole(o->reconfigure.substr(0, colon), "--reconfigure's slice number");
      if (n < 1 || n > plan.slices().size())
        throw InputError(fmt::format("--reconfigure: slices are numbered 1..{}, not {}", plan.slices().size(), n));
      recon_slice = static_cast<int>(n) - 1;
      recon_spec = pod::parse_slice(o->reconfigure.substr(colon + 1));
      (void)plan.with_slice(static_cast<unsigned>(recon_slice), recon_spec); // fail before the run
    }
    // --ber-link: links of the plan, each once, rates in range (before the run)
    struct LinkBer {
      unsigned chip = 0, port = 0;
      double ber = 0;
    };
    std::vector<LinkBer> link_bers;
    for (const std::string& t : o->ber_links) {
      const auto eq = t.find('=');
      if (eq == std::string::npos)
        throw InputError(fmt::format("--ber-link wants N.P=BER, e.g. 4.+x=1e-4, not '{}'", phext::printable(t)));
      std::pair<unsigned, unsigned> l;
      try {
        l = pod::parse_link(t.substr(0, eq), plan);
      } catch (const pod::PlanError& e) {
        throw InputError(std::string("--ber-link: ") + e.what());
      }
      const double b = parse_real(t.substr(eq + 1), "--ber-link");
      if (!(b >= 0 && b <= 0.01)) throw InputError(fmt::format("--ber-link: the bit error rate must be 0..0.01, not {}", b));
      for (const LinkBer& x : link_bers)
        if (x.chip == l.first && x.port == l.second)
          throw InputError(fmt::format("--ber-link names link {}.{} twice", l.first, net::port_name(static_cast<net::Port>(l.second))));
      link_bers.push_back({l.first, l.second, b});
    }
    // the fault: parsed, in a slice, a spare to repair it (before the run)
    pod::Fault fault;
    pod::Collective fault_work = pod::Collective::AllReduce;
    if (!o->fault.empty()) {
      // a coordinate in the fault names a chip of the plan before any reconfiguration
      if (!o->reconfigure.empty()) throw InputError("--fault and --reconfigure: give one of them per run");
      try {
        fault = pod::parse_fault(o->fault, plan);
        if (spec.spares == 0) throw pod::PlanError("a repair needs a spare rack: --spares 1 or more");
        const unsigned rack = plan.rack_of(fault);
        if (plan.slice_of_rack(rack) < 0)
          throw pod::PlanError(fmt::format("{} is in rack {}, which serves no slice", fault.str(spec.cube), rack));
        (void)plan.with_rack_replaced(rack);
      } catch (const pod::PlanError& e) {
        throw InputError(std::string("--fault: ") + e.what());
      }
      for (const auto& n : names)
        if (n != "embedding" && n != "dp" && n != "llm" && n != "dlrm") {
          fault_work = pod::collective_from_name(n);
          break;
        }
    }
    // --algorithm: each name for the collectives that have it; a name no collective of the run
    // uses, or two for one collective, is an error
    std::map<pod::Collective, pod::Algorithm> algo_of;
    if (!o->algorithms.empty()) {
      std::set<std::string> used;
      for (const auto& g : list_items(o->algorithms, "--algorithm")) {
        if (used.count(g)) throw InputError(fmt::format("--algorithm names {} twice", g));
        pod::Algorithm a;
        try {
          a = pod::algorithm_from_name(g);
        } catch (const std::invalid_argument& e) {
          throw InputError(std::string("--algorithm: ") + e.what());
        }
        for (const auto& n : names) {
          if (n == "embedding" || n == "dp" || n == "llm" || n == "dlrm") continue;
          const auto c = pod::collective_from_name(n);
          try {
            (void)pod::resolve_algorithm(c, a);
          } catch (const std::invalid_argument&) {
            continue;
          }
          if (algo_of.count(c) && algo_of[c] != a)
            throw InputError(fmt::format("--algorithm: {} and {} both apply to {}", pod::algorithm_name(algo_of[c]), g, n));
          algo_of[c] = a;
          used.insert(g);
        }
        if (!used.count(g)) throw InputError(fmt::format("--algorithm: no collective of --workload has '{}'", g));
      }
    }
    auto algo_for = [&](pod::Collective c) {
      const auto it = algo_of.find(c);
      return it == algo_of.end() ? pod::Algorithm::Default : it->second;
    };
    // every collective of every size must fit every slice: check before the run starts
    auto sized = [](pod::Collective c, unsigned chips, std::uint64_t bytes) {
      if (c == pod::Collective::AllToAll || c == pod::Collective::Scatter || c == pod::Collective::Gather)
        return std::max<std::uint64_t>(16ull * chips, bytes / (16ull * chips) * 16ull * chips); // whole blocks
      return bytes;
    };
    for (unsigned s = 0; s < plan.slices().size(); ++s)
      for (const auto& n : names) {
        if (n == "embedding" || n == "dp" || n == "llm" || n == "dlrm") continue;
        const auto c = pod::collective_from_name(n);
        for (std::uint64_t b : sizes) {
          const std::uint64_t words = sized(c, plan.slices()[s].geo.chip_count(), b) / 16;
          const bool blocks = c == pod::Collective::AllToAll || c == pod::Collective::Scatter || c == pod::Collective::Gather;
          if (words > pod::kMemWords) throw InputError(fmt::format("{} B per chip do not fit the chip's memory", b));
          (void)pod::build_schedule(c, plan, s, 0, static_cast<std::uint32_t>(words), blocks ? static_cast<std::uint32_t>(words) : 0,
                                    algo_for(c));
        }
      }
    std::vector<unsigned> trace_chips{0};
    if (!o->trace.empty()) {
      std::vector<unsigned>& chips = trace_chips;
      if (!o->trace_chips.empty()) {
        chips.clear();
        for (const std::string& t : list_items(o->trace_chips, "--trace-chips")) {
          std::uint64_t c = 0;
          if (t.find('/') != std::string::npos) {
            c = plan.chip_of_coordinate(phext::Coordinate::parse(t)); // a logical coordinate
          } else {
            if (t.find_first_not_of("0123456789") != std::string::npos)
              throw InputError("--trace-chips: '" + phext::printable(t) + "' is neither a chip number nor a phext coordinate");
            c = parse_whole(t, "--trace-chips");
          }
          if (c >= plan.chip_count())
            throw InputError(fmt::format("--trace-chips: no chip {} (the pod has {})", c, plan.chip_count()));
          if (std::find(chips.begin(), chips.end(), c) != chips.end())
            throw InputError(fmt::format("--trace-chips names chip {} twice", c));
          chips.push_back(static_cast<unsigned>(c));
        }
      }
    }
    if (!o->quiet)
      std::cerr << fmt::format("pod: {} racks of {}x{}x{} chips ({} chips), {} OCSes of {} ports, {} slice(s)\n",
                               spec.racks, spec.cube, spec.cube, spec.cube, plan.chip_count(), plan.ocs_count(),
                               plan.ocs_ports(), plan.slices().size());
    if (!o->quiet && (o->threads > 1 || ranks.many()))
      std::cerr << fmt::format("pod: {} rank(s) of {} thread(s)\n", ranks.size(), o->threads);
    // the plan files are written with the results, at the end (a run killed before leaves them as they were)
    std::vector<std::pair<std::string, std::string>> plan_files;
    if (!o->plan_json.empty()) plan_files.emplace_back(o->plan_json, plan.to_json().dump(2) + "\n");
    if (!o->plan_phext.empty()) plan_files.emplace_back(o->plan_phext, plan.routing_phext());
    PendingFile wave(o->trace); // (before the pod that writes it)
    pod::Pod p(plan, ranks);
    p.set_threads(o->threads);
    for (const LinkBer& l : link_bers) p.set_link_ber(l.chip, l.port, l.ber);
    pod::drive_with_systemc(p); // the SystemC clock steps the pod from here on
    if (!o->trace.empty()) p.open_trace(wave.temp(), trace_chips);
    if (o->max_cycles > 0) p.set_cycle_limit(p.cycle() + o->max_cycles);
    std::vector<pod::RunResult> results;
    // the run in progress: named by progress lines and, if the pod stops, reported as stopped
    pod::RunResult current;
    std::uint64_t current_start = 0;
    Progress progress(o->quiet, kProgressSeconds);
    auto begin = [&](unsigned s, const std::string& name, std::uint64_t bytes, const std::string& algorithm) {
      current = {};
      current.name = name;
      current.slice = s;
      current.shape = p.plan().slices()[s].spec.str();
      current.chips = p.plan().slices()[s].geo.chip_count();
      current.bytes = bytes;
      current.algorithm = algorithm;
      current_start = p.cycle();
      progress = Progress(o->quiet, kProgressSeconds);
    };
    if (!o->quiet)
      p.set_progress([&](std::uint64_t cycle) {
        if (cycle % 64 || !progress.due()) return; // (a clock read per 64 cycles)
        const double s = progress.seconds();
        std::cerr << fmt::format("  slice {} {:<16} {:<10} ... {} cycles so far ({:.0f} cycles/s){}\n", current.slice + 1,
                                 current.shape, current.name, cycle - current_start, double(cycle - current_start) / s,
                                 p.cycle_limit() ? fmt::format(", the limit at pod cycle {}", p.cycle_limit()) : "");
      });
    auto done = [&](const pod::RunResult& r) {
      if (!o->quiet)
        std::cerr << fmt::format("  slice {} {:<16} {:<10} {:<11} {:>9} cycles  {}\n", r.slice + 1, r.shape, r.name,
                                 r.algorithm, r.cycles, r.ok ? "verified" : "MISMATCH");
    };
    auto run_all = [&](unsigned s) {
      for (const auto& n : names) {
        if (n == "embedding" || n == "dp" || n == "llm" || n == "dlrm") begin(s, n, 0, "");
        if (n == "embedding") {
          results.push_back(pod::run_embedding(p, s, 16, 20, 256, 1.05, o->seed));
        } else if (n == "dlrm") {
          // 2 samples per chip, bags of 1..20 Zipf ids over 256 rows per table
          pod::RunResult r = pod::run_dlrm_step(p, s, 2, 20, 256, 1.05, o->seed);
          model::Machine m = model::fitted_rtl_machine(spec.cube);
          m.electrical_latency = spec.electrical_latency;
          m.optical_latency = spec.optical_latency;
          r.model_cycles = model::pod_dlrm_step(p.plan().slices()[s].topo,
                                                pod::dlrm_stream_ids(r.chips, 2, 20, 256, 1.05, o->seed), kScWindowRows,
                                                16, double(r.bytes), kLayerRows, m)
                               .cycles;
          if (r.ok)
            r.detail += fmt::format("; the workload model: {:.0f} cycles ({:+.1f} %)", r.model_cycles,
                                    100 * (r.model_cycles / double(r.cycles) - 1));
          results.push_back(r);
        } else if (n == "dp" || n == "llm") {
          // 32 rows; llm: two layers of two linear layers each (attention's output projection,
          // the MLP's second), each GEMM followed by its all-reduce
          pod::RunResult r = pod::run_layers(p, s, kLayerRows, n == "dp" ? 1 : 4, o->seed);
          model::Machine m = model::fitted_rtl_machine(spec.cube);
          m.electrical_latency = spec.electrical_latency;
          m.optical_latency = spec.optical_latency;
          r.model_cycles = model::pod_layers_step(p.plan().slices()[s].topo, kLayerRows, n == "dp" ? 1 : 4, m).cycles;
          if (r.ok)
            r.detail += fmt::format("; the workload model: {:.0f} cycles ({:+.1f} %)", r.model_cycles,
                                    100 * (r.model_cycles / double(r.cycles) - 1));
          results.push_back(r);
        } else {
          for (std::uint64_t bytes : sizes) {
            const auto c = pod::collective_from_name(n);
            begin(s, n, sized(c, p.plan().slices()[s].geo.chip_count(), bytes),
                  std::string(pod::algorithm_name(pod::resolve_algorithm(c, algo_for(c)))));
            results.push_back(pod::run_collective(p, c, s, sized(c, p.plan().slices()[s].geo.chip_count(), bytes),
                                                  o->seed + s, algo_for(c)));
            done(results.back());
          }
          continue;
        }
        done(results.back());
      }
    };
    std::vector<pod::FaultReport> faults;
    // A run that cannot finish (a deadlock, an RTL assertion, --max-cycles, Ctrl-C) ends the
    // workloads: the results before it are reported with it as stopped, the run as incomplete.
    std::string stopped;
    try {
      const StopOnInterrupt interrupts(!ranks.many()); // several ranks: they would not stop on one cycle
      for (unsigned s = 0; s < plan.slices().size(); ++s) run_all(s);
      std::uint64_t recon_cycles = 0;
      if (recon_slice >= 0) {
        const unsigned rs = static_cast<unsigned>(recon_slice);
        const pod::Plan next = p.plan().with_slice(rs, recon_spec);
        // another slice keeps running an all-reduce through the reconfiguration
        const unsigned other = rs == 0 && plan.slices().size() > 1 ? 1 : 0;
        pod::Schedule sch;
        pod::Memory ref;
        const bool busy_other = other != rs;
        if (busy_other) {
          sch = pod::build_schedule(pod::Collective::AllReduce, p.plan(), other, 0, 256, 0);
          for (unsigned c : p.plan().slice_chips(other)) {
            ref[c].assign(pod::kMemWords, {});
            for (unsigned a = 0; a < 256; ++a) {
              const chip::Word w{0x3f800000u + a, 0x40000000u, 0x3f000000u + c, 0x3e800000u};
              ref[c][a] = w;
              p.poke(c, a, w);
            }
          }
          pod::run_reference(sch, ref);
          pod::submit(p, sch);
        }
        if (!o->quiet) std::cerr << fmt::format("  reconfiguring slice {} to {} ...\n", rs + 1, recon_spec.str());
        begin(rs, "reconfigure", 0, "");
        recon_cycles = p.reconfigure(next);
        p.program_routing(next, rs);
        p.run_until_quiet(10'000'000, "after reconfiguration");
        pod::RunResult r;
        r.name = "reconfigure";
        r.slice = rs;
        r.shape = recon_spec.str();
        r.chips = next.slices()[rs].geo.chip_count();
        r.cycles = recon_cycles;
        r.ok = p.stats().lost == 0;
        for (const auto& [c, w] : ref)
          for (unsigned a = 0; a < 256 && r.ok; ++a)
            if (p.peek(c, a) != w[a]) r.ok = false;
        r.detail = fmt::format("OCS drain, switch, settle ({} cycles of settle); {} flits lost; slice {} all-reduce during "
                               "it bit-exact: {}", spec.settle_cycles, p.stats().lost, other + 1, r.ok ? "yes" : "no");
        results.push_back(r);
        if (!o->quiet) std::cerr << fmt::format("  slice {} reconfigured in {} cycles\n", rs + 1, recon_cycles);
        if (!o->plan_json.empty()) plan_files.emplace_back(o->plan_json + ".after", next.to_json().dump(2) + "\n");
        if (!o->plan_phext.empty()) plan_files.emplace_back(o->plan_phext + ".after", next.routing_phext());
        run_all(rs);
      }
      if (!o->fault.empty()) {
        const unsigned fs = static_cast<unsigned>(p.plan().slice_of_rack(p.plan().rack_of(fault)));
        pod::FaultScenario sc;
        sc.work = fault_work;
        sc.bytes = sized(fault_work, p.plan().slices()[fs].geo.chip_count(), sizes.front());
        sc.other = pod::Collective::AllReduce;
        sc.other_bytes = sizes.front();
        sc.seed = o->seed;
        if (!o->quiet)
          std::cerr << fmt::format("  fault {} {} cycles into a {} on slice {} ...\n", fault.str(spec.cube), fault.cycle,
                                   pod::collective_name(fault_work), fs + 1);
        begin(fs, "fault-repair", sc.bytes, "");
        faults.push_back(pod::run_fault_repair(p, fault, sc));
        const pod::FaultReport& fr = faults.back();
        results.push_back(fr.rerun);
        results.back().name += " (re-run)";
        pod::RunResult r;
        r.name = "fault-repair";
        r.slice = fr.slice;
        r.shape = p.plan().slices()[fr.slice].spec.str();
        r.chips = p.plan().slices()[fr.slice].geo.chip_count();
        r.cycles = fr.recovery_cycles();
        r.ok = fr.ok;
        r.detail = fr.ok ? fmt::format("{}: detected +{} by {}, repaired +{} on rack {}, re-run +{}; {} packets lost, all "
                                       "accounted for; other slices {} collectives verified, 0 lost",
                                       fr.component, fr.detect_latency(), fr.detected.str(), fr.repair_latency(),
                                       fr.spare_rack, fr.rerun_cycles(), fr.flush.lost(), fr.other_runs.size())
                         : fr.detail;
        results.push_back(r);
        if (!o->quiet) std::cerr << fr.summary();
        if (!o->plan_json.empty()) plan_files.emplace_back(o->plan_json + ".repaired", p.plan().to_json().dump(2) + "\n");
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      stopped = phext::printable(e.what(), 400);
      current.cycles = p.cycle() - current_start;
      current.ok = false;
      current.detail = "stopped: " + stopped;
      results.push_back(current);
      if (!o->quiet)
        std::cerr << fmt::format("  slice {} {:<16} {:<10} {:<11} {:>9} cycles  STOPPED: {}\n", current.slice + 1,
                                 current.shape, current.name, current.algorithm, current.cycles, stopped);
    }
    p.set_progress({});
    p.close_trace();
    wave.keep(); // the waveform of what ran, up to a stop if there was one
    for (const auto& [path, text] : plan_files) write_output(path, text);
    const pod::PodStats st = p.stats();
    // summary table
    std::string table = fmt::format("{:<5} {:<16} {:>5} {:<15} {:>9} {:>9} {:>10} {:>10}  {}\n", "slice", "shape", "chips",
                                    "workload", "bytes", "cycles", "algbw B/c", "busbw B/c", "check");
    for (const auto& r : results)
      table += fmt::format("{:<5} {:<16} {:>5} {:<15} {:>9} {:>9} {:>10.2f} {:>10.2f}  {}\n", r.slice + 1, r.shape, r.chips,
                           r.name, r.name == "embedding" ? std::string("-") : std::to_string(r.bytes), r.cycles,
                           r.algbw, r.busbw,
                           r.ok ? "ok" : (!stopped.empty() && &r == &results.back() ? "STOPPED: " + stopped : "FAILED: " + r.detail));
    table += fmt::format("simulated {} cycles ({} under the SystemC clock) in {:.1f} s ({:.0f} cycles/s, {} chips); "
                         "{} flits electrical, {} optical, {} lost; busiest link {} flits, mean {:.0f}; "
                         "{} packets sent, {} received; {} thread(s), peak memory {:.0f} MiB\n",
                         st.cycles, pod::systemc_cycles(), st.wall_seconds, st.wall_seconds > 0 ? double(st.cycles) / st.wall_seconds : 0.0,
                         plan.chip_count(), st.flits_electrical, st.flits_optical, st.lost,
                         st.link_flits_max, st.link_flits_mean, st.packets_sent, st.packets_received, o->threads,
                         double(peak_memory_bytes()) / (1024.0 * 1024.0));
    const net::LinkStats links = p.link_stats();
    if (spec.link_layer) table += link_layer_line(links, spec.ber, spec.burst);
    for (const auto& fr : faults) table += fr.summary();
    if (lead) std::cout << table;
    nlohmann::json j;
    j["pod"] = plan.to_json();
    j["pod"].erase("ocs");   // the plan has its own files (--plan-json, --plan-phext)
    j["pod"].erase("chips");
    j["chips"] = plan.chip_count();
    // false: the run stopped before its end (see "stopped"); the last result is the one it stopped in
    j["complete"] = stopped.empty();
    if (!stopped.empty())
      j["stopped"] = {{"cycle", p.cycle()}, {"slice", current.slice + 1}, {"workload", current.name}, {"reason", stopped}};
    j["threads"] = o->threads;
    j["send_lanes"] = chip::kLanes;    // chip_top Lanes: a send and a receive lane per router local port
    j["receive_lanes"] = chip::kLanes;
    j["cycles"] = st.cycles;
    j["chip_cycles"] = st.chip_cycles;
    j["wall_seconds"] = st.wall_seconds;
    j["peak_memory_bytes"] = peak_memory_bytes();
    j["flits_electrical"] = st.flits_electrical;
    j["flits_optical"] = st.flits_optical;
    j["lost"] = st.lost;
    j["link_flits_max"] = st.link_flits_max;
    j["link_flits_mean"] = st.link_flits_mean;
    j["fault_flits"] = st.fault_flits;
    j["packets_sent"] = st.packets_sent;
    j["packets_received"] = st.packets_received;
    if (spec.link_layer) { // with the replays of every link end that replayed: which links the errors hit
      j["link_layer"] = link_layer_json(links, spec.ber, spec.burst);
      nlohmann::json per = nlohmann::json::array();
      const std::vector<std::uint64_t> r = p.link_replays();
      for (std::size_t e = 0; e < r.size(); ++e)
        if (r[e]) per.push_back({{"chip", e / 6}, {"port", net::port_name(static_cast<net::Port>(e % 6))}, {"replays", r[e]}});
      j["link_layer"]["replays_by_link"] = per;
      nlohmann::json bl = nlohmann::json::array();
      for (const LinkBer& l : link_bers)
        bl.push_back({{"chip", l.chip}, {"port", net::port_name(static_cast<net::Port>(l.port))}, {"ber", l.ber}});
      j["link_layer"]["ber_links"] = bl;
    }
    for (const auto& fr : faults) j["faults"].push_back(fr.to_json(p.plan()));
    for (const auto& r : results)
      j["results"].push_back({{"slice", r.slice + 1}, {"shape", r.shape}, {"chips", r.chips}, {"workload", r.name},
                              {"algorithm", r.algorithm}, {"bytes", r.bytes}, {"lookups", r.lookups}, {"cycles", r.cycles},
                              {"algbw_bytes_per_cycle", r.algbw},
                              {"busbw_bytes_per_cycle", r.busbw}, {"transfers", r.transfers},
                              {"flits_electrical", r.flits_electrical}, {"flits_optical", r.flits_optical},
                              {"gemm_cycles", r.gemm_cycles},
                              {"model_cycles", r.model_cycles > 0 ? nlohmann::json(r.model_cycles) : nlohmann::json()},
                              {"ok", r.ok},
                              {"detail", r.detail}});
    if (!o->json.empty()) write_output(o->json, j.dump(2) + "\n");
    if (!o->csv.empty()) {
      std::string csv = "slice,shape,chips,workload,bytes,cycles,algbw_bytes_per_cycle,busbw_bytes_per_cycle,ok,algorithm,"
                        "flits_electrical,flits_optical\n";
      for (const auto& r : results)
        csv += fmt::format("{},{},{},{},{},{},{:.4f},{:.4f},{},{},{},{}\n", r.slice + 1, r.shape, r.chips, r.name, r.bytes,
                           r.cycles, r.algbw, r.busbw, r.ok ? 1 : 0, r.algorithm, r.flits_electrical, r.flits_optical);
      write_output(o->csv, csv);
    }
    if (!o->markdown.empty()) {
      std::string md = fmt::format("# phtpu pod\n\n{} racks of {}x{}x{} chips ({} chips), {} OCSes of {} ports.\n\n```\n{}```\n\n",
                                   spec.racks, spec.cube, spec.cube, spec.cube, plan.chip_count(), plan.ocs_count(),
                                   plan.ocs_ports(), table);
      if (!stopped.empty())
        md += fmt::format("**Incomplete:** the run stopped in slice {}'s {}: {}.\n\n", current.slice + 1, current.name,
                          stopped);
      for (const auto& r : results) md += fmt::format("- slice {} {}: {}\n", r.slice + 1, r.name, r.detail);
      for (const auto& fr : faults) {
        md += fmt::format("\n## Fault {}\n\n| event | cycle | after the fault |\n|---|---:|---:|\n", fr.component);
        md += fmt::format("| fault (slice {}, rack {}, logical cube {}) | {} | 0 |\n", fr.slice + 1, fr.failed_rack,
                          fr.cube, fr.fault_cycle);
        md += fmt::format("| detected: {} | {} | {} |\n", fr.detected.str(), fr.detect_cycle, fr.detect_latency());
        md += fmt::format("| OCS protocol done ({} cycles), spare rack {} | {} | {} |\n", fr.ocs_cycles, fr.spare_rack,
                          fr.ocs_done_cycle, fr.ocs_done_cycle - fr.fault_cycle);
        md += fmt::format("| repaired (routing written) | {} | {} |\n", fr.repaired_cycle, fr.repaired_cycle - fr.fault_cycle);
        md += fmt::format("| {} re-run verified: {} | {} | {} |\n\n", fr.rerun.name, fr.rerun.ok ? "yes" : "NO",
                          fr.rerun_done_cycle, fr.recovery_cycles());
        md += fmt::format("Lost in slice {}: {} packets ({} sent, {} received): {} dropped at the failed part, {} purged "
                          "from links, {} in routers reset; accounted for: {}. Other slices: {} collectives verified, "
                          "{} flits dropped. OCS protocol losses: {}. Logical coordinates unchanged: {}.\n",
                          fr.slice + 1, fr.flush.lost(), fr.flush.pkts_sent, fr.flush.pkts_recv, fr.flush.heads_dropped,
                          fr.flush.heads_purged, fr.flush.heads_in_chips, fr.lost_accounted ? "yes" : "NO",
                          fr.other_runs.size(), fr.other_dropped, fr.ocs_lost, fr.coords_unchanged ? "yes" : "NO");
      }
      write_output(o->markdown, md);
    }
    if (!stopped.empty()) {
      const std::size_t before = results.size() - 1;
      std::cerr << fmt::format("phtpu pod: stopped in slice {}'s {}: {}; reported as incomplete, with {}\n",
                               current.slice + 1, current.name, stopped,
                               before == 0 ? "no result before it" : before == 1 ? "the result before it" :
                                                                     fmt::format("the {} results before it", before));
      return g_signal != 0 ? 128 + g_signal : 1;
    }
    bool ok = st.lost == 0;
    for (const auto& r : results) ok = ok && r.ok;
    for (const auto& fr : faults) ok = ok && fr.ok;
    if (!ok) std::cerr << "phtpu pod: a result did not match its reference\n";
    // the link layer delivers nothing corrupted and never overflows its replay buffer
    if (ok && (links.undetected || links.overflows)) {
      std::cerr << fmt::format("phtpu pod: the link layer delivered {} corrupted frames and {} replay buffers overflowed\n",
                               links.undetected, links.overflows);
      ok = false;
    }
    // without a fault every packet sent must have been received (a fault run accounts for its
    // losses in the fault report instead)
    if (ok && faults.empty() && st.packets_sent != st.packets_received) {
      std::cerr << fmt::format("phtpu pod: {} packets sent but {} received\n", st.packets_sent, st.packets_received);
      ok = false;
    }
    return ok ? 0 : 1;
  };
}

} // namespace phtpu::cli
