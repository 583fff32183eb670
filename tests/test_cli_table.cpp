// Every phtpu subcommand against hostile input, from one table: numbers that are not numbers
// of the option's kind, values out of their range, empty values, unknown options, bad input
// files (missing, a directory, empty, binary, deeply nested JSON) and outputs that cannot be
// written. Each case must exit with the documented status (README "The phtpu command": 1
// invalid input, 2 bad usage), say so in exactly one line on stderr starting "phtpu", print
// nothing on stdout, and leave every output file as it was, with no new file beside it.
//
// The numeric and text options of each subcommand are read from its --help, so an option added
// later is walked through the malformed values without a change here; the table below gives
// what help cannot: a fast valid run, its outputs and inputs, and values out of range.
#include <catch2/catch.hpp>

#include "cli_harness.hpp"

#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace phtpu_cli_test;

namespace {

struct Command {
  std::string base;                                   ///< a valid run, fast (shell words, no quoting needed)
  std::vector<std::string> outputs;                   ///< its output options, given a file each
  /// arguments -> exit status (out of range: 1): each option's value replaces base's, other words
  /// are added; "=..." is a whole command instead of base
  std::vector<std::pair<std::string, int>> bad;
  std::vector<std::string> json_inputs, doc_inputs;   ///< file options ("@1": the first positional word after base)
};

std::string quote(const std::string& w) {
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> w;
  std::istringstream in(s);
  for (std::string t; in >> t;) w.push_back(t);
  return w;
}

// The words quoted for the shell.
std::string joined(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& t : w) s += (s.empty() ? "" : " ") + quote(t);
  return s;
}

// `option value` in w: replacing the option's value where w gives it, else appended.
void set_option(std::vector<std::string>& w, const std::string& option, const std::string& value) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == option) {
      w[i + 1] = value;
      return;
    }
  w.push_back(option);
  w.push_back(value);
}

std::string with(const std::string& base, const std::string& option, const std::string& value) {
  std::vector<std::string> w = words(base);
  set_option(w, option, value);
  return joined(w);
}

// base with `args` applied: an option followed by a value replaces base's value of it; a flag
// or a positional word is added; "=..." is a whole command instead of base.
std::string apply(const std::string& base, const std::string& args) {
  if (args.rfind("=", 0) == 0) return joined(words(args.substr(1)));
  std::vector<std::string> w = words(base);
  const std::vector<std::string> a = words(args);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].rfind("-", 0) == 0 && i + 1 < a.size() && a[i + 1].rfind("-", 0) != 0) {
      set_option(w, a[i], a[i + 1]);
      ++i;
    } else {
      w.push_back(a[i]);
    }
  }
  return joined(w);
}

struct HelpOption {
  std::string name, type; // "--racks", "UINT" | "INT" | "FLOAT" | "TEXT"
};

// The options that take a value, from `phtpu SUB --help` (CLI11's "  -n,--count UINT=1  ..." lines).
std::vector<HelpOption> help_options(const std::string& sub) {
  const Result r = run(sub + " --help");
  REQUIRE(r.status == 0);
  static const std::regex line(R"(^\s+(?:-\w,)?(--[a-z][a-z0-9-]*)(?:,--[a-z0-9-]+)*\s+(UINT|INT|FLOAT|TEXT)\b)");
  std::vector<HelpOption> out;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) out.push_back({m[1], m[2]});
  }
  return out;
}

// Every regular file under `dir` with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) s[e.path().string()] = slurp(e.path());
  return s;
}

struct Files {
  fs::path in = scratch() / "table_in", out = scratch() / "table_out";
  Files() {
    fs::remove_all(in);
    fs::remove_all(out);
    fs::create_directories(in / "a_directory");
    fs::create_directories(out);
    write_file(in / "doc.phext", "hello\x17world\x01two");
    write_file(in / "empty", "");
    write_file(in / "text", "plain text");
    std::mt19937 rng(7);
    std::string bin(4096, '\0');
    for (char& c : bin) c = static_cast<char>(rng() & 0xFF);
    write_file(in / "binary", bin);
    write_file(in / "deep.json", std::string(100000, '[') + std::string(100000, ']'));
    std::string obj;
    for (int i = 0; i < 50000; ++i) obj += "{\"a\":";
    obj += "1" + std::string(50000, '}');
    write_file(in / "deep_object.json", obj);
    write_file(in / "scrolls.json", R"({"1.1.1/1.1.1/1.1.1":"a"})");
    write_file(in / "pod.json", R"({"cube":"2x2x2","racks":1,"slices":["2x2x2"],"workloads":["allreduce"],"bytes":"256"})");
  }
  // the output options given files that exist, holding "old"
  std::string outputs(const Command& c) const {
    std::string s;
    for (const auto& o : c.outputs) {
      const fs::path p = out / ("pre" + o);
      write_file(p, "old");
      s += " " + o + " " + quote(p.string());
    }
    return s;
  }
};

// Run `args` (the bad case) with every output of `c` given a file, and check the contract.
void expect_refused(const Files& f, const Command& c, const std::string& args, int status) {
  const std::string outs = f.outputs(c);
  const auto before = snapshot(f.out);
  const auto before_in = snapshot(f.in);
  const Result r = run(args + outs);
  INFO("phtpu " << args << outs);
  INFO("stderr: " << r.err);
  CHECK(r.status == status);
  CHECK(one_line(r.err));
  CHECK(r.err.rfind("phtpu", 0) == 0);
  CHECK(r.out.empty());
  CHECK(snapshot(f.out) == before); // every output as it was, nothing new (temporary files included)
  CHECK(snapshot(f.in) == before_in);
}

const std::vector<std::string> kBadWhole{"abc", "12abc", "1.5", "-1", "1e20", "99999999999999999999", "0x10", "", " 5", "+5"};
const std::vector<std::string> kBadReal{"abc", "0.5x", "nan", "inf", "0x1p3", "1e400", "", " 0.5"};

void walk(const std::string& sub, const Command& c) {
  const Files f;
  // the valid run succeeds and writes every output (so a refused run's untouched outputs mean something)
  {
    const std::string outs = f.outputs(c);
    const Result r = run(c.base + outs);
    INFO("phtpu " << c.base << outs << "\nstderr: " << r.err);
    REQUIRE(r.status == 0);
    for (const auto& o : c.outputs) CHECK(slurp(f.out / ("pre" + o)) != "old");
  }
  // unknown options
  expect_refused(f, c, c.base + " --no-such-option", 2);
  expect_refused(f, c, c.base + " -Z", 2);
  // every option's malformed and empty values: bad usage
  for (const auto& o : help_options(sub)) {
    if (o.type == "TEXT") {
      expect_refused(f, c, with(c.base, o.name, ""), 2);
      continue;
    }
    for (const auto& v : o.type == "FLOAT" ? kBadReal : kBadWhole) expect_refused(f, c, with(c.base, o.name, v), 2);
  }
  // values out of range, contradictions: the table's
  for (const auto& [args, status] : c.bad) expect_refused(f, c, apply(c.base, args), status);
  // input files that are missing or a directory, and JSON inputs that are not a JSON of the kind
  // (phext documents take any bytes: an empty or binary file is a document)
  auto input = [&](const std::string& option, const fs::path& p) {
    if (option.rfind("@", 0) == 0) { // a positional word of base, counted from 1 after the subcommand
      std::vector<std::string> w = words(c.base);
      const std::size_t at = words(sub).size() + std::stoul(option.substr(1)) - 1;
      REQUIRE(at < w.size());
      w[at] = p.string();
      return joined(w);
    }
    return with(c.base, option, p.string());
  };
  for (const auto& o : c.json_inputs)
    for (const char* name : {"missing", "a_directory", "empty", "binary", "deep.json", "deep_object.json"})
      expect_refused(f, c, input(o, f.in / name), 1);
  for (const auto& o : c.doc_inputs)
    for (const char* name : {"missing", "a_directory"}) expect_refused(f, c, input(o, f.in / name), 1);
  // outputs that cannot be written: in a folder that does not exist, or a folder itself
  for (const auto& o : c.outputs)
    for (const fs::path& p : {fs::path("/nonexistent-dir/x.out"), f.in / "a_directory"}) {
      // the other outputs keep their files; this one is replaced by the bad path
      Command rest = c;
      rest.outputs.erase(std::find(rest.outputs.begin(), rest.outputs.end(), o));
      expect_refused(f, rest, with(c.base, o, p.string()), 1);
    }
}

} // namespace

// clang-format off
TEST_CASE("hostile input: coord", "[cli][table]") {
  walk("coord next", {"coord next 1.1.1/1.1.1/1.1.1 -n 2", {}, {{"-n 1000", 1}, {"-d foo", 1}, {"=coord next 1.1.1/1.1.1", 1}}, {}, {}});
  walk("coord chip", {"coord chip 5", {}, {{"--pod 4x4x5", 1}, {"--cube 0x4x4", 1}, {"--z 1.1", 1}, {"5000", 2}}, {}, {}});
  walk("coord format", {"coord format 1 1 1 1 1 1 1 1 1", {}, {{"1 1 1", 2}}, {}, {}});
  walk("coord parse", {"coord parse 1.1.1/1.1.1/1.1.1", {}, {{"1.1.1/1.1.1/1000", 1}}, {}, {}});
}

TEST_CASE("hostile input: phext", "[cli][table]") {
  const std::string doc = (scratch() / "table_in" / "doc.phext").string();
  // (each walk writes the fixtures afresh, doc.phext among them)
  walk("phext toc", {"phext toc " + doc, {}, {}, {}, {"@1"}});
  walk("phext fetch", {"phext fetch " + doc + " 1.1.1/1.1.1/1.1.1", {}, {{"=phext fetch " + doc + " 1.1.1", 1}}, {}, {"@1"}});
  const std::string text = (scratch() / "table_in" / "text").string();
  walk("phext insert", {"phext insert " + doc + " 1.1.1/1.1.1/1.1.2 --text-file " + text, {"-o"}, {{"x", 2}}, {}, {"@1", "--text-file"}});
  walk("phext merge", {"phext merge " + doc + " " + doc, {"-o"}, {}, {}, {"@1", "@2"}});
  walk("phext normalize", {"phext normalize " + doc, {"-o"}, {}, {}, {"@1"}});
  walk("phext implode", {"phext implode " + (scratch() / "table_in" / "scrolls.json").string(), {"-o"}, {}, {"@1"}, {}});
  walk("phext checksum", {"phext checksum " + doc, {}, {}, {}, {"@1"}});
}

TEST_CASE("hostile input: decode", "[cli][table]") {
  walk("decode", {"decode --pod 2x2x2 --cube 2x2x2 --random 8 -q", {"--json", "--trace"},
                  {{"--random 100000001", 1}, {"--pod 2x2x3", 1}, {"--cube 0x2x2", 1}, {"--z 0.1.1", 1}}, {}, {}});
}

TEST_CASE("hostile input: net", "[cli][table]") {
  walk("net", {"net --shape 2x2x2 --cube 2x2x2 --cycles 100 --warmup 10 -q", {"--json", "--trace"},
               {{"--rate 1.5", 1}, {"--packet-flits 32", 1}, {"--link-latency 0", 1}, {"--vcs 3", 1}, {"--cycles 0", 1},
                {"--warmup 1000000000001", 1}, {"--misaddressed 1.5", 1}, {"--response-share 2", 1},
                {"--shape 16x16x16 --cube 4x4x4 --cycles 100000000", 1}, {"--traffic sideways", 1},
                {"--journey 9,9,9:0,0,0", 1}, {"--rates 0.1", 2}, {"--hotspot 0.5", 2}, {"--sweep", 2},
                {"--ber 0.5", 1}, {"--ber 1e-4 --burst 65", 1}, {"--burst 4", 2}}, {}, {}});
}

TEST_CASE("hostile input: mxu", "[cli][table]") {
  walk("mxu", {"mxu --m 8 --k 8 --n 8 -q", {"--json", "--dump", "--trace"},
               {{"--size 5", 1}, {"--m 0", 1}, {"--k 65537", 1}, {"--stall 0.95", 1},
                {"--m 65536 --k 65536 --n 65536", 1}}, {}, {}});
}

TEST_CASE("hostile input: sparsecore", "[cli][table]") {
  walk("sparsecore", {"sparsecore --batch 4 --valence 1:4 --vocab 1000 -q", {"--json", "--trace"},
                      {{"--batch 0", 1}, {"--tables 5", 1}, {"--dim 12", 1}, {"--outstanding 257", 1},
                       {"--own-chip 256", 1}, {"--mem-latency 0", 1}, {"--zipf 11", 1}, {"--stall 0.95", 1},
                       {"--valence 100001", 1}, {"--valence 1:4294967297", 1}, {"--valence 4:1", 1},
                       {"--batch 20000001 --valence 0", 1}, {"--dtype fp8", 1}}, {}, {}});
}

TEST_CASE("hostile input: pod", "[cli][table]") {
  walk("pod", {"pod --cube 2x2x2 --racks 1 --slice 2x2x2 --workload allreduce --bytes 256 -q",
               {"--json", "--csv", "--markdown", "--plan-json", "--plan-phext", "--trace"},
               {{"--racks 65", 1}, {"--threads 1025", 1}, {"--max-cycles 1000000000001", 1}, {"--bytes 10", 1},
                {"--timeout-cycles 100000001", 1}, {"--workload allsum", 1}, {"--slice 2x2x3", 1},
                {"--reconfigure 1x:2x2x2", 1}, {"--reconfigure 2:2x2x2", 1}, {"--algorithm concurrent,concurrent", 1},
                {"--fault chip:0@10", 1}, {"--trace-chips 8", 1}, {"--workload allreduce,", 2}, {"--bytes 256,,512", 2},
                {"--workload dp", 2}, {"--ber 0.5", 1}, {"--ber 1e-4 --burst 65", 1}, {"--burst 4", 2},
                {"--ber 0 --optical-latency 31", 1}, {"--ber 0 --settle 3", 1}, {"--ber-link 0.+x", 1},
                {"--ber-link 0.+w=1e-4", 1}, {"--ber-link 8.+x=1e-4", 1}, {"--ber-link 0.+x=0.5", 1}},
               {"--config"}, {}});
}

TEST_CASE("hostile input: model", "[cli][table]") {
  walk("model", {"model --shape 4x4x4 --workload allreduce --bytes 1MiB", {"--json", "--csv"},
                 {{"--bytes 0", 1}, {"--shape 4x4x5", 1}, {"--machine v5", 1}, {"--machine rtl --lanes 3", 1},
                  {"--machine rtl --network-budget 86401", 1}, {"--workload allsum", 1}, {"--bytes 1MiB,", 2},
                  {"--calibration", 2}, {"--cube 2x2x2", 2}, {"--ber 0.5", 1}, {"--link-efficiency 0.5", 2},
                  {"--machine rtl --ber 1e-4", 2}}, {}, {}});
}

TEST_CASE("hostile input: avail", "[cli][table]") {
  walk("avail", {"avail --trials 10 --slices 64:128 -q", {"--json", "--csv"},
                 {{"--host-availability 1.5", 1}, {"--slices 100", 1}, {"--hosts-per-rack 65536", 1},
                  {"--packer best", 1}, {"--rack-grid 4x4x5", 1}, {"--trials 1", 1}, {"--trials 100000001", 1}}, {}, {}});
}

TEST_CASE("hostile input: search", "[cli][table]") {
  walk("search", {"search --chips 64 --model gpt3-125m --top 3", {"--json", "--csv"},
                  {{"--layers 1001", 1}, {"--top 0", 1}, {"--chips 100", 1}, {"--model gpt5", 1},
                   {"--mapping x=Q", 1}, {"--recompute some", 1}, {"--workload dlrm --layers 4", 2}}, {}, {}});
}

TEST_CASE("hostile input: compare", "[cli][table]") {
  walk("compare", {"compare --chips 64 --model gpt3-1.3b", {"--json", "--csv"},
                   {{"--pue 0.5", 1}, {"--pue 11", 1}, {"--grid 3", 1}, {"--tokens 0", 1}, {"--chips 0", 1},
                    {"--power a100=10001", 1}, {"--power a100=x", 2}, {"--machines v4,v4", 1}, {"--samples 5", 2}}, {}, {}});
}
// clang-format on
