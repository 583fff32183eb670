// The phtpu command: outputs, exit statuses (0 ok, 1 invalid input, 2 bad usage) and
// one-line errors. Expected outputs come from the phext test vectors (docs/references.md §4) and
// hand-derived values.
#include <catch2/catch.hpp>
#include <algorithm>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_harness.hpp"

using namespace phtpu_cli_test;

TEST_CASE("phtpu --help and subcommand help exit 0", "[cli]") {
  for (const char* a : {"--help", "coord --help", "coord chip --help", "phext --help", "phext toc --help",
                        "decode --help", "--version"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 0);
    CHECK(!r.out.empty());
  }
  CHECK(run("coord chip --help").out.find("--cube") != std::string::npos);
}

TEST_CASE("phtpu --version says which build: the git describe of the source", "[cli]") {
  const auto r = run("--version");
  REQUIRE(r.status == 0);
  REQUIRE(r.out.rfind("phtpu ", 0) == 0);
  const std::string v = r.out.substr(6, r.out.find('\n') - 6);
  CHECK(!v.empty());
  CHECK(v != "0.1.0");
  CHECK(v.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") == std::string::npos);
}

TEST_CASE("control bytes the user typed come back escaped, never as controls", "[cli]") {
  // ESC [2J (clear the screen), a C1 CSI encoded in UTF-8, a byte that is not UTF-8
  const std::string evil = "\"$(printf 'a\\033[2Jb\\302\\233c\\377d')\"";
  for (const std::string& args : {"net --traffic " + evil, "pod --workload " + evil, "compare --machines " + evil,
                                  "search --chips 512 --model " + evil, "model --shape " + evil, "net --no-such-option " + evil}) {
    CAPTURE(args);
    const auto r = run(args);
    CHECK(r.status != 0);
    CHECK(one_line(r.err));
    bool control = false;
    for (std::size_t i = 0; i + 1 < r.err.size(); ++i)
      control = control || static_cast<unsigned char>(r.err[i]) < 0x20 || r.err[i] == 0x7f ||
                (static_cast<unsigned char>(r.err[i]) == 0xC2 && static_cast<unsigned char>(r.err[i + 1]) < 0xA0 &&
                 static_cast<unsigned char>(r.err[i + 1]) >= 0x80);
    CHECK_FALSE(control);
    CHECK(r.err.find("a\\x1B[2Jb\\xC2\\x9Bc\\xFFd") != std::string::npos);
  }
}

TEST_CASE("outputs replace a file whole, leave no temporary behind, and write devices in place", "[cli]") {
  const fs::path dir = scratch() / "atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "m.json";
  write_file(out, "old");
  REQUIRE(run("model --shape 4x4x4 --workload allreduce --json " + out.string()).status == 0);
  CHECK(nlohmann::json::parse(slurp(out))["shapes"][0]["shape"] == "4x4x4");
  // a run that fails leaves the file as it was
  write_file(out, "old");
  CHECK(run("model --shape 4x4x5 --workload allreduce --json " + out.string()).status == 1);
  CHECK(slurp(out) == "old");
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1); // no m.json.tmp.* left
  // /dev/null is written, not replaced
  CHECK(run("model --shape 4x4x4 --workload allreduce --json /dev/null").status == 0);
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("empty, contradictory and ignored options are errors", "[cli]") {
  for (const char* bad : {"net --sweep --rates 0.5,0.2 --cycles 100",
                          "net --sweep --rates 0.3,0.3 --cycles 100"}) {
    CAPTURE(bad);
    const auto r = run(bad);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  for (const char* usage : {"pod --workload '' -q", "net --sweep --rates '' --cycles 100", "net --sweep --rates 0.1, --cycles 100",
                            "pod --workload allreduce, -q", "net --rates 0.5", "net --sweep --rate 0.3", "model --calibration --table",
                            "model --calibration --shape 4x4x4", "model --validate --compute", "model --validate --calibration",
                            "pod --trace-chips 0 --workload allreduce -q", "pod --workload dp,llm --bytes 1KiB -q"}) {
    CAPTURE(usage);
    const auto r = run(usage);
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
  }
  // a sweep that never saturates says so, and names no knee
  const auto r = run("net --sweep --rates 0.05,0.1 --cycles 500 --warmup 100 --json " + (scratch() / "ns.json").string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("not saturated up to") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(scratch() / "ns.json"));
  CHECK(j["saturated"] == false);
  CHECK(j["latency_knee"].is_null());
}

TEST_CASE("phtpu pod --config: every key checked by its type and range and named in the error, workloads, bytes and seed "
          "applied", "[cli][pod]") {
  const fs::path c = scratch() / "cfg.json";
  for (const auto& [body, key] : std::vector<std::pair<std::string, std::string>>{
           {R"({"racks": 2.7})", "racks"}, {R"({"settle_cycles": true})", "settle_cycles"}, {R"({"racks": 1e20})", "racks"},
           {R"({"racks": "8"})", "racks"}, {R"({"racks": -3})", "racks"}, {R"({"slices": []})", "slices"},
           {R"({"workloads": []})", "workloads"}, {R"({"bytes": [""]})", "bytes"}, {R"({"cube": ""})", "cube"},
           {R"({"foo": 1})", "foo"}, {R"({"optical_latency": 999})", "optical_latency"},
           {R"({"timeout_cycles": 4294967296})", "timeout_cycles"}, {R"({"slices": [4]})", "slices"}}) {
    CAPTURE(body);
    write_file(c, body);
    const auto r = run("pod --config " + c.string() + " -q");
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK(r.err.find(key) != std::string::npos);
  }
  write_file(c, "[1, 2]");
  CHECK(run("pod --config " + c.string() + " -q").status == 1);
  // the same limit by its flag
  const auto f = run("pod --optical-latency 999 -q");
  CHECK(f.status == 1);
  CHECK(f.err.find("optical_latency (--optical-latency)") != std::string::npos);
  // workloads, bytes and seed are applied (they were ignored), and a flag wins over its key
  write_file(c, R"({"cube": "2x2x2", "racks": 2, "slices": ["2x2x4"], "workloads": ["allgather"], "bytes": "1KiB", "seed": 7})");
  const fs::path j = scratch() / "cfg_out.json";
  REQUIRE(run("pod --config " + c.string() + " -q --json " + j.string()).status == 0);
  auto out = nlohmann::json::parse(slurp(j));
  REQUIRE(out["results"].size() == 1);
  CHECK(out["results"][0]["workload"] == "allgather");
  CHECK(out["results"][0]["bytes"] == 1024);
  REQUIRE(run("pod --config " + c.string() + " -q --bytes 2KiB --json " + j.string()).status == 0);
  out = nlohmann::json::parse(slurp(j));
  CHECK(out["results"][0]["bytes"] == 2048);
}

TEST_CASE("phext document operations never write a document they would reject", "[cli][phext]") {
  // 1,200 lines: expand makes every line break a scroll break, past the 999 scrolls a section holds
  std::string text;
  for (int i = 0; i < 1200; ++i) text += "line\n";
  write_file(scratch() / "long.txt", text);
  const fs::path out = scratch() / "long.phext";
  fs::remove(out);
  const auto r = run("phext expand " + (scratch() / "long.txt").string() + " -o " + out.string());
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK(r.err.find("nothing written") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  // 998 lines (998 breaks: scrolls 1 to 999) expand into a document phext reads
  text.clear();
  for (int i = 0; i < 998; ++i) text += "line\n";
  write_file(scratch() / "ok.txt", text);
  REQUIRE(run("phext expand " + (scratch() / "ok.txt").string() + " -o " + out.string()).status == 0);
  CHECK(run("phext toc " + out.string()).status == 0);
}

TEST_CASE("bad usage exits 2 with one line on stderr", "[cli]") {
  for (const char* a : {"", "frobnicate", "coord", "coord parse", "coord chip", "coord format 1 2 3", "phext toc",
                        "phext fetch f", "coord next 1.1.1/1.1.1/1.1.1 -n x", "decode --bogus"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
  }
}

TEST_CASE("coord parse prints every form, and bad coordinates exit 1 naming the part", "[cli][coords]") {
  auto r = run("coord parse 1.5.2/3.7.3/9.1.1"); // vector C2 (docs/references.md §4)
  CHECK(r.status == 0);
  CHECK(r.out == "canonical  1.5.2/3.7.3/9.1.1\nurl        1.5.2;3.7.3;9.1.1\n"
                 "fields     library=1 shelf=5 series=2 collection=3 volume=7 book=3 chapter=9 section=1 scroll=1\n");
  r = run("coord parse '142.143.144;145.146.147;148.149.150' --json"); // C3: URL form accepted as input
  CHECK(r.status == 0);
  CHECK(r.out.find("\"canonical\": \"142.143.144/145.146.147/148.149.150\"") != std::string::npos);
  r = run("coord parse 1.1.1/1.1.1/1.1.0"); // C5
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK(r.err.find("scroll") != std::string::npos);
  r = run("coord parse 1000.1.1/1.1.1/1.1.1"); // C6 / Q7
  CHECK(r.status == 1);
  CHECK(r.err.find("library") != std::string::npos);
}

TEST_CASE("coord format and next", "[cli][coords]") {
  CHECK(run("coord format 9 8 7 6 5 4 3 2 1").out == "9.8.7/6.5.4/3.2.1\n");
  CHECK(run("coord format --url 9 8 7 6 5 4 3 2 1").out == "9.8.7;6.5.4;3.2.1\n");
  CHECK(run("coord format 0 8 7 6 5 4 3 2 1").status == 1);
  CHECK(run("coord next 1.1.1/1.1.1/1.1.1").out == "1.1.1/1.1.1/1.1.2\n");
  CHECK(run("coord next 1.2.3/4.5.6/7.8.9 --dim book").out == "1.2.3/4.5.7/1.1.1\n");
  CHECK(run("coord next 1.1.1/1.1.1/1.1.998 -n 5").out == "1.1.1/1.1.1/1.1.999\n"); // saturates
}

TEST_CASE("coord chip: every form of a chip of the 4096-chip pod", "[cli][chip]") {
  // README worked example: chip 1234 = 1.1.1/4.1.2/3.1.2 = global (14,0,5)
  for (const char* x : {"1234", "14,0,5", "1.1.1/4.1.2/3.1.2", "'1.1.1;4.1.2;3.1.2'"}) {
    CAPTURE(x);
    const auto r = run(std::string("coord chip --pod 16x16x16 --cube 4x4x4 ") + x);
    CHECK(r.status == 0);
    CHECK(r.out.find("chip          1234 of 4096") != std::string::npos);
    CHECK(r.out.find("phext         1.1.1/4.1.2/3.1.2") != std::string::npos);
    CHECK(r.out.find("global x,y,z  14,0,5") != std::string::npos);
    CHECK(r.out.find("cube x,y,z    3,0,1") != std::string::npos);
  }
  CHECK(run("coord chip --z 1.1.1/1.1.1/1.1.1 1").err.find("invalid Z arm") != std::string::npos);
  CHECK(run("coord chip --z 2.3.4 1").out.find("phext         2.3.4/1.1.1/2.1.1") != std::string::npos);
  const auto j = run("coord chip --json 4095");
  CHECK(j.out.find("\"phext\": \"1.1.1/4.4.4/4.4.4\"") != std::string::npos);
  for (const char* bad : {"4096", "16,0,0", "1.1.2/1.1.1/1.1.1", "1.1.1/5.1.1/1.1.1", "abc", "--pod 6x4x4 1",
                          "--pod 16x16 1", "--z 0.1.1 1"}) {
    CAPTURE(bad);
    const auto r = run(std::string("coord chip ") + bad);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
}

TEST_CASE("phext document commands on files and stdin", "[cli][phext]") {
  const fs::path d = scratch();
  // vector D10's document (docs/references.md §4)
  const std::string doc = std::string("aaa\x01"
                                      "bbb\x17"
                                      "ccc\x17"
                                      "ddd\x17"
                                      "eee\x18"
                                      "fff\x17"
                                      "ggg\x19"
                                      "hhh");
  write_file(d / "doc.phext", doc);
  const std::string f = (d / "doc.phext").string();

  auto r = run("phext toc " + f);
  CHECK(r.status == 0);
  CHECK(r.out == "1.1.1/1.1.1/1.1.1\t3\taaa\n2.1.1/1.1.1/1.1.1\t3\tbbb\n2.1.1/1.1.1/1.1.2\t3\tccc\n"
                 "2.1.1/1.1.1/1.1.3\t3\tddd\n2.1.1/1.1.1/1.1.4\t3\teee\n2.1.1/1.1.1/1.2.1\t3\tfff\n"
                 "2.1.1/1.1.1/1.2.2\t3\tggg\n2.1.1/1.1.1/2.1.1\t3\thhh\n");
  CHECK(run("phext fetch " + f + " 2.1.1/1.1.1/1.2.2").out == "ggg");
  CHECK(run("phext fetch - 2.1.1/1.1.1/1.2.2", doc).out == "ggg");
  CHECK(run("phext fetch " + f + " 2.1.1/1.1.1/1.1.9").out.empty()); // absent: empty (Q1)
  CHECK(run("phext insert " + f + " 2.1.1/1.1.1/1.1.5 iii").out == std::string("aaa\x01"
                                                                               "bbb\x17"
                                                                               "ccc\x17"
                                                                               "ddd\x17"
                                                                               "eee\x17"
                                                                               "iii\x18"
                                                                               "fff\x17"
                                                                               "ggg\x19"
                                                                               "hhh")); // D10
  CHECK(run("phext replace " + f + " 2.1.1/1.1.1/1.1.1 B").out.substr(0, 6) == "aaa\x01"
                                                                               "B\x17");
  CHECK(run("phext remove " + f + " 1.1.1/1.1.1/1.1.1").out.substr(0, 5) == "\x01"
                                                                            "bbb\x17");
  CHECK(run("phext checksum -", "").out == "99aa06d3014798d86001c324468d497f\n");                         // D21
  CHECK(run("phext normalize -", std::string("\x17Scroll two\x18\x18\x18\x18")).out == "\x17Scroll two"); // D8
  CHECK(run("phext manifest " + f).out.size() == 8 * 32 + 7); // 8 checksums, 7 minimal delimiters
  // explode -> implode round trip through JSON
  r = run("phext explode " + f);
  CHECK(r.status == 0);
  write_file(d / "doc.json", r.out);
  CHECK(run("phext implode " + (d / "doc.json").string()).out == doc);
  r = run("phext explode --dir " + (d / "scrolls").string() + " " + f);
  CHECK(r.status == 0);
  CHECK(slurp(d / "scrolls" / "2.1.1;1.1.1;2.1.1.txt") == "hhh");
  // text from a file, output to a file
  write_file(d / "text", "XYZ");
  CHECK(run("phext insert " + f + " 1.1.1/1.1.1/1.1.1 --text-file " + (d / "text").string() + " -o " +
            (d / "out").string())
            .status == 0);
  CHECK(slurp(d / "out").substr(0, 7) == "aaaXYZ\x01");
}

TEST_CASE("phext commands: invalid input exits 1, bad usage 2, one line each", "[cli][phext]") {
  const auto missing = run("phext toc /nonexistent/file");
  CHECK(missing.status == 1);
  CHECK(one_line(missing.err));
  CHECK(run("phext toc /").status == 1); // a directory
  CHECK(run("phext fetch - 1.1.1/1.1.1", "x").status == 1);
  CHECK(run("phext insert - 1.1.1/1.1.1/1.1.1", "x").status == 2); // no TEXT
  CHECK(run("phext implode -", "not json").status == 1);
  CHECK(run("phext implode -", "{\"1.1.1/1.1.1/1.1.0\": \"x\"}").status == 1);
  // a document whose delimiters push a dimension past 999 is rejected, not mangled
  const auto overflow = run("phext toc -", std::string(1000, '\x17'));
  CHECK(overflow.status == 1);
  CHECK(one_line(overflow.err));
}

TEST_CASE("decode simulation passes and reports", "[cli][rtl]") {
  const auto r = run("decode --pod 4x4x8 --cube 2x2x2 --random 64");
  CHECK(r.status == 0);
  CHECK(r.out.find("mismatches vs model   0") != std::string::npos);
  CHECK(r.out.find("PASS") != std::string::npos);
  CHECK(run("decode --pod 5x4x4").status == 1);
}

TEST_CASE("phtpu never reports success it did not have", "[cli]") {
  // output that cannot be written is an error
  const auto full = run("coord parse 1.1.1/1.1.1/1.1.1", "", "/dev/full");
  CHECK(full.status == 1);
  CHECK(full.err == "phtpu: error writing standard output\n");
  // a waveform that cannot be opened is an error, not a silent PASS
  CHECK(run("decode --pod 2x2x2 --cube 2x2x2 --trace /proc/version").status == 1);
  // coordinates take decimal digits only, in format as in parse
  CHECK(run("coord format 1 2 3 4 5 6 7 8 0x10").status == 1);
  // scroll text carrying a delimiter would move later scrolls: rejected
  const auto r = run("phext replace - 1.1.1/1.1.1/1.1.1 \"$(printf 'X\\027Y')\"", std::string("A\x17"
                                                                                              "B"));
  CHECK(r.status == 1);
  CHECK(r.err.find("delimiter") != std::string::npos);
  // huge runs are refused up front
  CHECK(run("decode --pod 1020x1020x1020 --cube 15x15x15").status == 1);
}

TEST_CASE("messages and tables stay on one line whatever the input bytes", "[cli]") {
  const auto toc = run("phext toc -", std::string("a\tb\rc\x1b[31mred"));
  CHECK(toc.out == "1.1.1/1.1.1/1.1.1\t13\ta\\x09b\\x0Dc\\x1B[31mred\n");
  const auto bad = run("phext toc \"$(printf 'no\\nsuch')\"");
  CHECK(bad.status == 1);
  CHECK(one_line(bad.err));
  CHECK(bad.err.find("no\\x0Asuch") != std::string::npos);
  CHECK(one_line(run("coord chip --pod \"$(printf '4x4\\nx4')\" 1").err));
}

TEST_CASE("phext merge, subtract, expand, contract and index", "[cli][phext]") {
  const fs::path d = scratch();
  write_file(d / "l", std::string("3A\x17"
                                  "B2"));
  write_file(d / "r", std::string("4C\x17"
                                  "D1"));
  CHECK(run("phext merge " + (d / "l").string() + " " + (d / "r").string()).out == "3A4C\x17"
                                                                                   "B2D1"); // S4
  CHECK(run("phext subtract " + (d / "l").string() + " -", std::string("\x17"
                                                                       "x"))
            .out == "3A");
  CHECK(run("phext expand -", "a\nb").out == "a\x17"
                                             "b"); // S8
  CHECK(run("phext contract -", "a\x17"
                                "b")
            .out == "a\nb"); // S9
  CHECK(run("phext index -", std::string("first scroll\x17"
                                         "second"))
            .out == "0\x17"
                    "13"); // S10
}

TEST_CASE("phtpu net runs a small torus and reports, JSON included", "[cli][net]") {
  const fs::path j = scratch() / "net.json";
  const auto r = run("net --shape 2x2x2 --cube 2x2x2 --rate 0.2 --cycles 500 --warmup 50 --check --journey 0,0,0:1,1,1 "
                     "--json " + j.string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("2x2x2 torus, 8 routers") != std::string::npos);
  CHECK(r.out.find("route checks") != std::string::npos);
  // the journey: x, then y, then z, then the local port, one router cycle plus one link cycle apart
  CHECK(r.out.find("chip 0,0,0    (1.1.1/1.1.1/1.1.1)  out +X") != std::string::npos);
  CHECK(r.out.find("chip 1,1,1    (1.1.1/1.1.1/2.2.2)  out local") != std::string::npos);
  const auto js = nlohmann::json::parse(slurp(j));
  CHECK(js["routers"] == 8);
  CHECK(js["packets_delivered"] == js["packets_injected"]);
  CHECK(js["journey"].size() == 4);
  CHECK(js["journey"][3]["cycle"].get<int>() - js["journey"][0]["cycle"].get<int>() == 6);
  CHECK(js["accepted"].get<double>() == Approx(0.2).epsilon(0.25));
}

TEST_CASE("phtpu net --ber puts the link layer on every link and reports its replays", "[cli][net][link]") {
  const fs::path j = scratch() / "ber.json";
  const auto r = run("net --shape 2x2x4 --cube 2x2x2 --rate 0.3 --cycles 2000 --warmup 100 --ber 1e-4 --json " + j.string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("link layer     BER 0.0001") != std::string::npos);
  const auto d = nlohmann::json::parse(slurp(j));
  CHECK(d["link_layer"]["links"] == 16 * 6);
  CHECK(d["link_layer"]["replays"].get<std::uint64_t>() > 0);
  CHECK(d["link_layer"]["crc_errors"].get<std::uint64_t>() >= d["link_layer"]["frames_hit"].get<std::uint64_t>());
  CHECK(d["link_layer"]["links_down"] == 0);
  // the replays by link end add up to the total, each on a link of the slice
  std::uint64_t sum = 0;
  for (const auto& l : d["link_layer"]["replays_by_link"]) {
    CHECK(l["replays"].get<std::uint64_t>() > 0);
    CHECK(std::string(l["port"]).size() == 2); // +x -x +y -y +z -z
    sum += l["replays"].get<std::uint64_t>();
  }
  CHECK(sum == d["link_layer"]["replays"].get<std::uint64_t>());
  CHECK(d["packets_delivered"] == d["packets_injected"]);
  // without --ber there is no link layer
  REQUIRE(run("net --shape 2x2x4 --cube 2x2x2 --cycles 200 --warmup 10 -q --json " + j.string()).status == 0);
  CHECK(nlohmann::json::parse(slurp(j))["link_layer"].is_null());
}

TEST_CASE("phtpu pod --ber runs the workloads over the link layer and reports its replays per link",
          "[cli][pod][link]") {
  const fs::path j = scratch() / "pod_ber.json";
  const auto r = run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload alltoall,allreduce --bytes 4KiB --ber 1e-4 "
                     "--burst 2 -q --json " + j.string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("link layer     BER 0.0001 in bursts of 2") != std::string::npos);
  const auto d = nlohmann::json::parse(slurp(j));
  for (const auto& res : d["results"]) CHECK(res["ok"] == true);
  const auto& l = d["link_layer"];
  CHECK(l["links"] == 16 * 6);
  CHECK(l["burst"] == 2);
  CHECK(l["replays"].get<std::uint64_t>() > 0);
  CHECK(l["undetected"] == 0);
  CHECK(l["overflows"] == 0);
  CHECK(l["links_down"] == 0);
  std::uint64_t sum = 0;
  for (const auto& e : l["replays_by_link"]) {
    CHECK(e["chip"].get<unsigned>() < 16);
    sum += e["replays"].get<std::uint64_t>();
  }
  CHECK(sum == l["replays"].get<std::uint64_t>());
  CHECK(d["packets_sent"] == d["packets_received"]);
  CHECK(d["lost"] == 0);
  CHECK(l["ber_links"].empty());
  // one link's own rate (a chip by its phext coordinate): only its two ends replay
  const std::string coord = run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload allreduce --bytes 256 -q "
                                "--plan-json " + (scratch() / "plan.json").string()).status == 0
                                ? nlohmann::json::parse(slurp(scratch() / "plan.json"))["chips"][4]["coordinate"].get<std::string>()
                                : std::string();
  REQUIRE(!coord.empty());
  const auto r2 = run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload alltoall --bytes 4KiB --ber-link '" + coord +
                      ".+x=1e-3' -q --json " + j.string());
  INFO(r2.err);
  REQUIRE(r2.status == 0);
  const auto d2 = nlohmann::json::parse(slurp(j));
  CHECK(d2["link_layer"]["ber"] == 0);
  CHECK(d2["link_layer"]["ber_links"][0]["chip"] == 4);
  CHECK(d2["link_layer"]["ber_links"][0]["ber"] == 1e-3);
  for (const auto& e : d2["link_layer"]["replays_by_link"])
    CHECK(((e["chip"] == 4 && e["port"] == "+X") || (e["chip"] == 5 && e["port"] == "-X")));
  CHECK(d2["link_layer"]["replays"].get<std::uint64_t>() > 0);
  // one link named twice, even spelt differently, is refused
  const auto r3 = run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload allreduce --bytes 256 -q "
                      "--ber-link 4.+x=1e-4 --ber-link 4.+X=1e-5");
  CHECK(r3.status == 1);
  CHECK(r3.err.find("names link 4.+X twice") != std::string::npos);
  // without --ber there is no link layer
  REQUIRE(run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload allreduce --bytes 256 -q --json " + j.string()).status == 0);
  CHECK(!nlohmann::json::parse(slurp(j)).contains("link_layer"));
}

TEST_CASE("phtpu model --ber slows the links by the link layer's efficiency", "[cli][model][link]") {
  const fs::path j0 = scratch() / "ber0.json", j1 = scratch() / "ber1.json";
  const std::string q = "model --shape 4x4x4 --workload allreduce --bytes 64MiB --machine rtl --method analytic --json ";
  REQUIRE(run(q + j0.string()).status == 0);
  REQUIRE(run(q + j1.string() + " --ber 1e-4").status == 0);
  const auto e0 = nlohmann::json::parse(slurp(j0))["shapes"][0]["estimates"][0];
  const auto e1 = nlohmann::json::parse(slurp(j1))["shapes"][0]["estimates"][0];
  // the rtl machine's 1-cycle links: 0.911296 (tests/test_model.cpp, by hand); 64 MiB keeps the
  // latency terms (about 340 of 1.8 million cycles) under the tolerance of 0.1 %
  CHECK(e0["seconds"].get<double>() / e1["seconds"].get<double>() == Approx(0.911296).epsilon(1e-3));
  const auto r = run("model --link-efficiency 1e-4");
  CHECK(r.status == 0);
  CHECK(r.out == "0.911296\n");
}

TEST_CASE("phtpu net --sweep prints a curve and a saturation point", "[cli][net]") {
  const auto r = run("net --shape 2x2x2 --cube 2x2x2 --sweep --rates 0.1,0.5,1.0 --cycles 400 --warmup 50");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("saturation throughput (peak accepted):") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 5); // header, three rates, summary
}

TEST_CASE("phtpu net rejects bad input with one line and exit 1", "[cli][net]") {
  for (const char* a : {"net --shape 4x4x4 --twisted", "net --shape 4x4x5", "net --shape 0x4x4", "net --rate 1.5",
                        "net --traffic zigzag", "net --packet-flits 40", "net --link-latency 0",
                        "net --shape 2x2x2 --journey 0,0,0:5,0,0", "net --journey 0,0,0", "net --z 1.1",
                        "net --cycles 0", "net --warmup 100000000000000", "net --sweep --rates 0.1,1.5",
                        "net --trace x.fst --trace-cycles 0", "net --json /nonexistent/dir/x.json"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  const auto u = run("net --sweep --trace x.fst");
  CHECK(u.status == 2);
  CHECK(one_line(u.err));
}

TEST_CASE("phtpu mxu runs a GEMM on the RTL, checks it, writes JSON and the hex dump", "[cli][mxu]") {
  const fs::path j = scratch() / "mxu.json", d = scratch() / "mxu_dump.json";
  const auto r = run("mxu --size 4 --m 40 --k 9 --n 6 --seed 3 --json " + j.string() + " --dump " + d.string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("bit-exact       yes") != std::string::npos);
  const auto js = nlohmann::json::parse(slurp(j));
  CHECK(js["bit_exact"] == true);
  CHECK(js["macs"] == 40 * 9 * 6);
  CHECK(js["ideal_cycles"] == 40 * 3 * 2);                          // M ceil(K/4) ceil(N/4)
  CHECK(js["scalesim_ws_cycles"] == 3 * 2 * (8 + 4 + 40 - 2) - 1); // the published formula (ScaleSim's WS dataflow)
  CHECK(js["max_error_over_bound"].get<double>() <= 1.0);
  // the dump: C recomputed here from A and B in double precision, against the RTL's C
  const auto dump = nlohmann::json::parse(slurp(d));
  auto word = [](const nlohmann::json& s) { return std::stoul(s.get<std::string>(), nullptr, 16); };
  auto f32 = [](unsigned long bits) {
    float f;
    std::uint32_t b = std::uint32_t(bits);
    std::memcpy(&f, &b, 4);
    return double(f);
  };
  for (unsigned m = 0; m < 40; ++m)
    for (unsigned n = 0; n < 6; ++n) {
      double s = 0, a = 0;
      for (unsigned k = 0; k < 9; ++k) {
        double p = f32(word(dump["A"][m][k]) << 16) * f32(word(dump["B"][k][n]) << 16);
        s += p;
        a += std::fabs(p);
      }
      CHECK(std::fabs(f32(word(dump["C"][m][n])) - s) <= 1e-6 * a); // ~16 fp32 roundings of 2^-24
    }
}

TEST_CASE("phtpu mxu rejects bad input with one line and exit 1", "[cli][mxu]") {
  for (const char* a : {"mxu --size 5", "mxu --size 128", "mxu --m 0", "mxu --k 70000", "mxu --n 0",
                        "mxu --m 65536 --k 65536 --n 65536", "mxu --stall 1", "mxu --stall -0.1",
                        "mxu --json /nonexistent/dir/x.json", "mxu --dump /nonexistent/dir/x.json"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  CHECK(run("mxu --m abc").status == 2);
}

TEST_CASE("phtpu sparsecore runs lookups on the RTL, checks them and reports", "[cli][sc]") {
  const fs::path j = scratch() / "sc.json";
  // 10 bags of exactly 3 lookups, ids uniform over 50 rows, sharded over 4 chips of which this is chip 2
  const auto r = run("sparsecore --batch 10 --valence 3 --vocab 50 --zipf 0 --dim 16 --mem-latency 20 --shards 4 "
                     "--own-chip 2 --combiner mean --weights --json " + j.string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("bit-exact with the golden model") != std::string::npos);
  const auto js = nlohmann::json::parse(slurp(j));
  const auto& c = js["counters"];
  CHECK(c["lookups"] == 30);
  CHECK(c["bags"] == 10);
  CHECK(c["dropped"] == 0);
  CHECK(c["unique_rows"].get<int>() <= 30);
  CHECK(c["local_requests"].get<int>() + c["remote_requests"].get<int>() == c["unique_rows"].get<int>());
  CHECK(js["dedup_ratio"].get<double>() == Approx(30.0 / c["unique_rows"].get<double>()));
  CHECK(js["lookups_per_cycle"].get<double>() <= 0.5); // 2 groups per lookup in combine
  CHECK(js["bit_exact"] == true);
  // every row local with one shard, none with a chip that holds no shard
  const auto l = run("sparsecore --batch 4 --valence 2:5 --vocab 100 --shards 1 -q");
  REQUIRE(l.status == 0);
  CHECK(l.out.find("100.0 % local") != std::string::npos);
  const auto rm = run("sparsecore --batch 4 --valence 2:5 --vocab 100 --shards 4 --own-chip 7 -q");
  REQUIRE(rm.status == 0);
  CHECK(rm.out.find(" 0.0 % local") != std::string::npos);
}

TEST_CASE("phtpu sparsecore rejects bad input with one line and exit 1", "[cli][sc]") {
  for (const char* a : {"sparsecore --dim 12", "sparsecore --dim 72", "sparsecore --valence 5:2", "sparsecore --valence x",
                        "sparsecore --batch 0", "sparsecore --vocab 0", "sparsecore --zipf -1", "sparsecore --shards 0",
                        "sparsecore --shards 300", "sparsecore --sharding column --shards 3",
                        "sparsecore --combiner avg", "sparsecore --dtype fp16", "sparsecore --mem-latency 0",
                        "sparsecore --outstanding 0", "sparsecore --outstanding 1000", "sparsecore --own-chip 256",
                        "sparsecore --stall 0.95", "sparsecore --tables 5",
                        "sparsecore --json /nonexistent/dir/x.json"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  CHECK(run("sparsecore --batch abc").status == 2);
}

TEST_CASE("phtpu pod runs verified workloads on a scaled pod and reports them", "[cli][pod]") {
  const auto r = run("pod --cube 2x2x2 --racks 3 --slice 2x2x4:twisted --slice 2x2x2 --workload allreduce,alltoall "
                     "--bytes 1KiB --json " + (scratch() / "pod.json").string() + " -q");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "pod.json"));
  REQUIRE(j["results"].size() == 4);
  for (const auto& e : j["results"]) {
    CHECK(e["ok"] == true);
    CHECK(e["cycles"].get<unsigned>() > 0);
  }
  CHECK(j["results"][0]["chips"] == 16);
  CHECK(j["results"][2]["chips"] == 8);
  CHECK(j["lost"] == 0);
}

TEST_CASE("phtpu pod rejects bad input with one line and exit 1", "[cli][pod]") {
  for (const char* a : {"pod --cube 3x3x3", "pod --racks 2 --slice 4x4x4", "pod --slice 2x2x6:twisted",
                        "pod --slice 2x2x3", "pod --slice 2x2x4:sideways", "pod --workload allsum",
                        "pod --bytes 10", "pod --bytes 1GB", "pod --racks 65 --slice 2x2x2",
                        "pod --reconfigure 1:2x2x2", "pod --config /nonexistent.json",
                        "pod --json /nonexistent/dir/x.json", "pod --trace x.fst --trace-chips 500",
                        "pod --trace x.fst --trace-chips 9.9.9/1.1.1/1.1.1", "pod --threads 0"}) {
    CAPTURE(a);
    const auto r = run(a);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  // a value that is not a number of the option's kind is bad usage (exit 2), also one line
  const auto r = run("pod --threads x");
  CHECK(r.status == 2);
  CHECK(one_line(r.err));
}

TEST_CASE("phtpu pod: a run that stops partway reports the results it has, marked incomplete, and exits non-zero",
          "[cli][pod]") {
  const fs::path d = scratch() / "stopped";
  fs::remove_all(d);
  fs::create_directories(d);
  const std::string pod = "pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload allreduce,alltoall --bytes 4KiB -q";
  // the whole run: its first result is what the stopped run must report unchanged
  REQUIRE(run(pod + " --json " + (d / "full.json").string()).status == 0);
  const auto full = nlohmann::json::parse(slurp(d / "full.json"));
  REQUIRE(full["complete"] == true);
  REQUIRE(full.count("stopped") == 0);
  const auto first = full["results"][0]["cycles"].get<std::uint64_t>(), second = full["results"][1]["cycles"].get<std::uint64_t>();
  // a limit inside the second collective: the all-reduce is reported whole, the all-to-all as stopped
  for (const char* f : {"p.json", "p.csv", "p.md"}) write_file(d / f, "old");
  const std::uint64_t limit = first + second / 2;
  const auto r = run(pod + " --max-cycles " + std::to_string(limit) + " --json " + (d / "p.json").string() + " --csv " +
                     (d / "p.csv").string() + " --markdown " + (d / "p.md").string());
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK(r.err.find("stopped in slice 1's alltoall: cycle limit reached") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(d / "p.json"));
  CHECK(j["complete"] == false);
  CHECK(j["stopped"]["workload"] == "alltoall");
  CHECK(j["stopped"]["cycle"] == full["cycles"].get<std::uint64_t>() - first - second + limit); // configuration + limit
  REQUIRE(j["results"].size() == 2);
  CHECK(j["results"][0] == full["results"][0]);
  CHECK(j["results"][1]["ok"] == false);
  CHECK(j["results"][1]["cycles"] == limit - first);
  const std::string csv = slurp(d / "p.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
  CHECK(csv.find(",alltoall,4096," + std::to_string(limit - first) + ",0.0000,0.0000,0,lanes,") != std::string::npos);
  CHECK(slurp(d / "p.md").find("**Incomplete:**") != std::string::npos);
  // a limit past the end changes nothing
  REQUIRE(run(pod + " --max-cycles " + std::to_string(first + second) + " --json " + (d / "p.json").string()).status == 0);
  const auto whole = nlohmann::json::parse(slurp(d / "p.json"));
  CHECK(whole["complete"] == true);
  CHECK(whole["results"] == full["results"]);
  // the limit has a bound, said up front
  const auto big = run(pod + " --max-cycles 1000000000001");
  CHECK(big.status == 1);
  CHECK(one_line(big.err));
}

TEST_CASE("phtpu pod: Ctrl-C stops the run at the next cycle, reports what it has and exits 130", "[cli][pod]") {
  const fs::path d = scratch() / "interrupted";
  fs::remove_all(d);
  fs::create_directories(d);
  // a 4 KiB all-reduce (well under a second on 128 chips), then a 128 KiB one (several seconds):
  // the interrupt is sent once the first is reported, so it lands in the second
  const std::string cmd =
      "cd " + d.string() + " && { " + PHTPU_EXE +
      " pod --cube 4x4x4 --racks 2 --slice 4x4x8 --workload allreduce --bytes 4KiB,128KiB --threads 1 --json i.json "
      ">out 2>err & pid=$!; i=0; until grep -q verified err || [ $i -ge 1200 ]; do sleep 0.05; i=$((i+1)); done; "
      "kill -INT $pid; wait $pid; echo $? >rc; }";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string err = slurp(d / "err");
  INFO(err);
  CHECK(std::stoi(slurp(d / "rc")) == 130);
  CHECK(err.find("phtpu pod: stopped in slice 1's allreduce: interrupted at cycle") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(d / "i.json"));
  CHECK(j["complete"] == false);
  REQUIRE(j["results"].size() == 2);
  CHECK(j["results"][0]["ok"] == true);
  CHECK(j["results"][0]["bytes"] == 4096);
  CHECK(j["results"][1]["ok"] == false);
  CHECK(j["results"][1]["bytes"] == 131072);
}

// Regression against stored outputs: tests/data/pod_reference.json, written by
// scripts/refresh-pod-reference.sh from the phtpu arguments in tests/data/pod_reference.args,
// which this test reads too, so both run the same command. The pod is cycle-accurate and
// deterministic, so every count must match exactly: each result's cycles, transfers, lookups,
// chips and bytes, the pod's flit totals, the plan. A difference is a real change of the RTL's
// timing or of the schedules: look at it, and if it is intended refresh the file with
//   scripts/refresh-pod-reference.sh build
// and commit it. (Not compared: the bandwidths and the mean link load, quotients of the
// counts; the wall time, the peak memory and the thread count, which depend on the machine; the
// prose of each result's detail.)
TEST_CASE("phtpu pod: a two-slice regression run matches the stored reference outputs", "[cli][pod]") {
  std::string args = slurp(fs::path(PHTPU_SOURCE_DIR) / "tests/data/pod_reference.args");
  while (!args.empty() && std::isspace(static_cast<unsigned char>(args.back()))) args.pop_back();
  REQUIRE(!args.empty());
  REQUIRE(args.find('\n') == std::string::npos); // one line
  const auto r = run(args + " --json " + (scratch() / "regress.json").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto got = nlohmann::json::parse(slurp(scratch() / "regress.json"));
  const auto want = nlohmann::json::parse(slurp(fs::path(PHTPU_SOURCE_DIR) / "tests/data/pod_reference.json"));
  // every integer of `w` equal in `g`
  auto same_counts = [](const nlohmann::json& g, const nlohmann::json& w) {
    for (auto it = w.begin(); it != w.end(); ++it) {
      if (!it->is_number_integer() || it.key() == "peak_memory_bytes" || it.key() == "threads") continue;
      CAPTURE(it.key());
      REQUIRE(g.contains(it.key()));
      CHECK(g[it.key()] == *it);
    }
  };
  same_counts(got, want);
  CHECK(got["pod"] == want["pod"]);
  REQUIRE(got["results"].size() == want["results"].size());
  for (std::size_t i = 0; i < want["results"].size(); ++i) {
    const auto& g = got["results"][i];
    const auto& w = want["results"][i];
    CAPTURE(i, w["shape"], w["workload"], w["bytes"]);
    CHECK(g["shape"] == w["shape"]);
    CHECK(g["workload"] == w["workload"]);
    CHECK(g["ok"] == true);
    same_counts(g, w);
  }
  CHECK(got["lost"] == 0);
  CHECK(got["flits_optical"].get<std::uint64_t>() > 0);
}

// Faults (sim/pod/pod.hpp "Faults"): a rack fails during an all-reduce; the run reports
// detection, repair on the spare, the re-run, the lost packets and the other slice, and
// fails (exit 1) only if something did not check out.
TEST_CASE("phtpu pod --fault repairs a failed rack on the spare and reports recovery and losses", "[cli][pod][faults]") {
  const auto r = run("pod --cube 2x2x2 --racks 4 --spares 1 --slice 2x2x4 --slice 2x2x2 --workload allreduce "
                     "--bytes 4KiB --fault rack:1@300 -q --json " + (scratch() / "fault.json").string() +
                     " --markdown " + (scratch() / "fault.md").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("fault rack 1 at cycle") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(scratch() / "fault.json"));
  REQUIRE(j["faults"].size() == 1);
  const auto& f = j["faults"][0];
  CHECK(f["ok"] == true);
  CHECK(f["kind"] == "rack");
  CHECK(f["slice"] == 1);
  CHECK(f["failed_rack"] == 1);
  CHECK(f["spare_rack"] == 3);
  CHECK(f["recovery"]["detect"] == 16); // the default loss-of-signal time
  CHECK(f["recovery"]["total"].get<unsigned>() ==
        f["recovery"]["detect"].get<unsigned>() + f["recovery"]["repair"].get<unsigned>() +
            f["recovery"]["rerun"].get<unsigned>());
  CHECK(f["lost"]["accounted"] == true);
  CHECK(f["other_slices"]["flits_dropped"] == 0);
  CHECK(f["coordinates_unchanged"] == true);
  CHECK(f["ocs_lost"] == 0);
  CHECK(j["lost"] == 0);
  // the re-run and the repair are rows of the results, both verified
  bool rerun = false, repair = false;
  for (const auto& e : j["results"]) {
    CHECK(e["ok"] == true);
    rerun = rerun || e["workload"] == "allreduce (re-run)";
    repair = repair || e["workload"] == "fault-repair";
  }
  CHECK(rerun);
  CHECK(repair);
  CHECK(slurp(scratch() / "fault.md").find("## Fault rack 1") != std::string::npos);
}

TEST_CASE("phtpu pod rejects bad fault specs with one line and exit 1", "[cli][pod][faults]") {
  const std::string pod = "pod --cube 2x2x2 --racks 4 --slice 2x2x4 --slice 2x2x2 --workload allreduce --bytes 1KiB ";
  for (const char* a : {"--spares 1 --fault chip:32@1", "--spares 1 --fault disk:1@1", "--spares 1 --fault link:1.+w@1",
                        "--spares 1 --fault ocs:x.0:8@1", "--spares 1 --fault rack:1", "--spares 1 --fault rack:1@x",
                        "--spares 1 --fault rack:3@1" /* the spare: no slice */, "--fault rack:1@1" /* no spare */,
                        "--spares 1 --fault rack:1@99999999999" /* days of simulation */,
                        "--spares 1 --fault rack:1@18446744073709551616" /* not a 64-bit number */,
                        "--spares 1 --fault rack:1@300 --los-cycles 0 --timeout-cycles 0" /* never detected */,
                        "--spares 1 --fault rack:1@300 --reconfigure 2:2x2x2"}) {
    CAPTURE(a);
    const auto r = run(pod + a);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
}

TEST_CASE("phtpu pod --algorithm: each name for the collectives that have it, bad ones refused", "[cli][pod]") {
  const std::string pod = "pod --cube 2x2x2 --racks 2 --slice 2x2x2 --bytes 1KiB --json ";
  const std::string out = (scratch() / "algo.json").string();
  // sequential applies to the all-reduce, translate to the all-to-all; both in the JSON
  auto r = run(pod + out + " --workload allreduce,alltoall --algorithm sequential,translate -q");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(out));
  REQUIRE(j["results"].size() == 2);
  CHECK(j["results"][0]["algorithm"] == "sequential");
  CHECK(j["results"][1]["algorithm"] == "translate");
  // the defaults, named
  r = run(pod + out + " --workload allreduce,alltoall -q");
  REQUIRE(r.status == 0);
  const auto d = nlohmann::json::parse(slurp(out));
  CHECK(d["results"][0]["algorithm"] == "concurrent");
  CHECK(d["results"][1]["algorithm"] == "lanes");
  // unknown, unused by every collective of the run, two for one collective, empty
  for (const char* a : {"--workload allreduce --algorithm ring", "--workload alltoall --algorithm sequential",
                        "--workload allreduce --algorithm concurrent,sequential",
                        "--workload allreduce-hier --algorithm concurrent", "--workload allreduce --algorithm ,"}) {
    CAPTURE(a);
    const auto e = run(pod + (scratch() / "algo_bad.json").string() + " " + a);
    CHECK(e.status == (std::string(a).back() == ',' ? 2 : 1)); // an empty item is bad usage
    CHECK(one_line(e.err));
  }
}

// ---- phtpu avail (sim/phtpu/cmd_avail.cpp, sim/model/availability.hpp) --------------------------

namespace {
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::size_t a = 0;
    for (std::size_t b; (b = line.find(',', a)) != std::string::npos; a = b + 1) cells.push_back(line.substr(a, b - a));
    cells.push_back(line.substr(a));
    rows.push_back(cells);
  }
  return rows;
}
} // namespace

TEST_CASE("phtpu avail: the CSV and JSON agree with the closed forms within four standard errors", "[cli][avail]") {
  const auto csv = scratch() / "avail.csv", json = scratch() / "avail.json";
  const auto r = run("avail --host-availability 0.99,0.999 --slices 64,1024,2048,4096 --trials 4000 --seed 3 -q "
                     "--csv " + csv.string() + " --json " + json.string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("with OCS") != std::string::npos);
  const auto rows = csv_rows(slurp(csv));
  REQUIRE(rows.size() == 1 + 2 * 4);
  CHECK(slurp(csv).substr(0, slurp(csv).find('\n')) ==
        "host_availability,slice_chips,shape_cubes,ocs_mc,ocs_ci95,ocs_closed,noocs_mc,noocs_ci95,noocs_closed");
  const std::vector<std::string> shapes{"1x1x1", "2x2x4", "2x4x4", "4x4x4"};
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == 9);
    CAPTURE(row[0], row[1]);
    CHECK(row[2] == shapes[(i - 1) % 4]);
    const double a = std::stod(row[0]), p = std::pow(a, 16);
    const double ocs = std::stod(row[3]), ocs_closed = std::stod(row[5]);
    // a goodput in [0, 1] with mean m has variance at most m (1 - m)
    CHECK(std::abs(ocs - ocs_closed) <= 4 * std::sqrt(ocs_closed * (1 - ocs_closed) / 4000) + 1e-12);
    CHECK(std::stod(row[6]) <= ocs + 1e-12);
    if (row[1] == "64") { // one-cube slices: both schedulers take every healthy rack, E = p_rack
      CHECK(ocs_closed == Approx(p).epsilon(1e-9));
      CHECK(std::stod(row[8]) == Approx(p).epsilon(1e-9));
      CHECK(row[3] == row[6]); // the same trials, the same count
    }
    if (row[1] == "4096") { // the whole pod: p_rack^64 for both
      CHECK(ocs_closed == Approx(std::pow(p, 64)).epsilon(1e-9));
      CHECK(std::stod(row[8]) == Approx(std::pow(p, 64)).epsilon(1e-9));
    }
    if (row[1] == "1024") CHECK(row[8].empty()); // no closed form without OCS
    if (!row[8].empty()) {
      const double m = std::stod(row[8]);
      CHECK(std::abs(std::stod(row[6]) - m) <= 4 * std::sqrt(m * (1 - m) / 4000) + 1e-12);
    }
  }
  const auto j = nlohmann::json::parse(slurp(json));
  CHECK(j["trials"] == 4000);
  CHECK(j["seed"] == 3);
  CHECK(j["noocs_packer"] == "optimal");
  CHECK(j["pod"]["racks"] == 64);
  REQUIRE(j["points"].size() == 8);
  for (const auto& pt : j["points"]) {
    CHECK(pt["dominance_violations"] == 0);
    CHECK(pt["search_unfinished"] == 0);
  }
  CHECK(j["points"][2]["shape_chips"] == "8x16x16");
  CHECK(j["points"][1]["noocs"]["goodput_closed"].is_null());
  // the same seed again gives the same numbers
  const auto again = run("avail --host-availability 0.99,0.999 --slices 64,1024,2048,4096 --trials 4000 --seed 3 -q "
                         "--csv -");
  REQUIRE(again.status == 0);
  CHECK(again.out == slurp(csv));
}

TEST_CASE("phtpu avail: bad availabilities, sizes, trials and options exit 1 with one line", "[cli][avail]") {
  for (const char* bad :
       {"--host-availability 1.5", "--host-availability 0", "--host-availability 0.9,", "--host-availability x",
        "--slices 100", "--slices 8192", "--slices 64:", "--slices 4096:64", "--slices 448", "--slices 64,,128",
        "--trials 0", "--trials 99999999999999", "--packer best", "--draw chips",
        "--rack-grid 4x4x5", "--rack-grid 0x4x4", "--hosts-per-rack 65536", "--chips-per-host 5000",
        "--json /nonexistent-dir/avail.json"}) {
    CAPTURE(bad);
    // (an option given twice is bad usage, so --trials 10 only where the case sets no --trials)
    const std::string b = bad;
    const auto r = run("avail " + (b.rfind("--trials", 0) == 0 ? b : "--trials 10 " + b));
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK(r.out.empty());
  }
  for (const char* usage : {"--trials -3", "--trials many", "--seed x"}) { // not a number: bad usage
    CAPTURE(usage);
    const auto r = run(std::string("avail ") + usage);
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
  }
  const auto u = run("avail --no-such-option");
  CHECK(u.status == 2);
  CHECK(one_line(u.err));
}

// ---- phtpu model (sim/model): figures checked against hand values and published facts ----------
TEST_CASE("phtpu model: a shape's metrics and collective times through the JSON", "[cli][model]") {
  const auto r = run("model --shape 4x4x8 --twisted --workload allreduce,alltoall --bytes 64MiB,4MiB --json " +
                     (scratch() / "model.json").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "model.json"));
  CHECK(j["machine"]["name"] == "TPU v4");
  CHECK(j["machine"]["clock_hz"] == 1.05e9);
  REQUIRE(j["shapes"].size() == 1);
  const auto& s = j["shapes"][0];
  CHECK(s["shape"] == "4x4x8:twisted");
  CHECK(s["chips"] == 128);
  // twisted 4x4x8: bisection 64 links (hand-derived in tests/test_model.cpp), diameter 6 (BFS)
  CHECK(s["bisection_links"] == 64);
  CHECK(s["diameter"] == 6);
  CHECK(s["bisection_bytes_per_s_one_way"].get<double>() == Approx(64 * 45e9));
  REQUIRE(s["estimates"].size() == 4);
  for (const auto& e : s["estimates"]) {
    CHECK(e["seconds"].get<double>() > 0);
    CHECK(e["calibration_error"].get<double>() > 0);
    // nothing beats the links: a chip's 6 links move at most 6 x 45 GB/s
    CHECK(e["algbw_bytes_per_s"].get<double>() < 6 * 45e9);
  }
  // 16 times the bytes takes between 8 and 16 times as long (latency and steps are fixed)
  const double big = s["estimates"][0]["seconds"], small = s["estimates"][1]["seconds"];
  CHECK(big / small > 8);
  CHECK(big / small <= 16.0001);
  CHECK(r.out.find("4x4x8:twisted") != std::string::npos);
}

TEST_CASE("phtpu model: the RTL machine reproduces a scaled-pod measurement", "[cli][model]") {
  // docs/PERF.md "Scaled pod" (measured before the model existed, on the chip of one send and one
  // receive lane, with the sequential rings): all-reduce of 16 KiB per chip on 4x4x8:twisted of
  // 2x2x2 cubes took 2,948 cycles on the RTL, a chip and shape the calibration does not hold
  const auto r = run("model --shape 4x4x8:twisted --machine rtl --cube 2x2x2 --lanes 1 --algorithm sequential "
                     "--workload allreduce --bytes 16KiB --json " + (scratch() / "rtl.json").string());
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "rtl.json"));
  const auto& e = j["shapes"][0]["estimates"][0];
  CHECK(e["method"] == "network");
  CHECK(std::abs(e["cycles"].get<double>() / 2948 - 1) < 0.05);
}

TEST_CASE("phtpu model --validate: the full pod beside the published figures", "[cli][model]") {
  const auto r = run("model --validate --json " + (scratch() / "validate.json").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "validate.json"));
  CHECK(j["shape"] == "16x16x16");
  REQUIRE(j["figures"].size() == 4);
  const auto& bis = j["figures"][0];
  // 16x16x16: two planes of 16 x 16 links at 45 GB/s one way (docs/references.md §T4)
  CHECK(bis["predicted"].get<double>() == Approx(512 * 45e9));
  CHECK(bis["published"].get<double>() == 24e12);
  // the pod's all-reduce within 15 % of the published 1.1 PB/s
  const auto& ar = j["figures"][1];
  CHECK(ar["published"].get<double>() == 1.1e15);
  CHECK(std::abs(ar["ratio"].get<double>() - 1) <= 0.15);
  CHECK(ar["ratio"].get<double>() == Approx(ar["predicted"].get<double>() / 1.1e15));
  // 8 MXUs x 128 x 128 x 2 FLOP x 1.05 GHz (§T1) against 275 TFLOP/s
  CHECK(j["figures"][2]["predicted"].get<double>() == Approx(8 * 128 * 128 * 2 * 1.05e9));
  CHECK(j["figures"][2]["ratio"].get<double>() == Approx(8 * 128 * 128 * 2 * 1.05e9 / 275e12));
  for (const auto& f : j["figures"]) CHECK(!f["rests_on"].get<std::string>().empty());
  CHECK(r.out.find("ratio") != std::string::npos);
}

TEST_CASE("phtpu model --table covers every offered shape and --calibration states its errors", "[cli][model]") {
  const auto t = run("model --table --workload allreduce --bytes 1MiB --csv " + (scratch() / "t.csv").string());
  REQUIRE(t.status == 0);
  std::istringstream csv(slurp(scratch() / "t.csv"));
  std::string line;
  std::getline(csv, line);
  CHECK(line.rfind("shape,chips,diameter", 0) == 0);
  std::vector<std::string> shapes;
  while (std::getline(csv, line)) shapes.push_back(line.substr(0, line.find(',')));
  // 6 meshes below a cube, 20 tori 4i x 4j x 4k (i <= j <= k <= 4), 4 twisted (n x n x 2n, n x 2n x 2n)
  CHECK(shapes.size() == 30);
  for (const char* want : {"1x1x1", "2x4x4", "4x4x4", "4x4x8:twisted", "4x8x8:twisted", "8x8x16:twisted",
                           "8x16x16:twisted", "12x12x12", "16x16x16"})
    CHECK(std::count(shapes.begin(), shapes.end(), want) == 1);
  // 16x16x16: diameter 24, 3 x 256 x 64 / 4095 = 12.0029 hops on average, 512 bisection links
  CHECK(slurp(scratch() / "t.csv").find("16x16x16,4096,24,12.0029,512,") != std::string::npos);

  // the analytic column alone (the network model over every point, minutes, is
  // test_model_calibration's): every measurement, the full pod's among them, and the fit
  const auto c = run("model --calibration --method analytic --json " + (scratch() / "cal.json").string());
  REQUIRE(c.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "cal.json"));
  CHECK(j["points"].size() >= 130);
  unsigned most = 0;
  for (const auto& p : j["points"]) {
    most = std::max(most, p["chips"].get<unsigned>());
    CHECK(p["network_cycles"].is_null());
    CHECK(p["model_cycles"] == p["analytic_cycles"]);
  }
  CHECK(most == 4096);
  CHECK(j["max_error_network"].is_null());
  CHECK(j["fit_shapes"].size() == 2);
  CHECK(c.out.find("held out") != std::string::npos);
}

TEST_CASE("phtpu model: bad shapes, sizes and options exit 1 or 2 with one line", "[cli][model]") {
  for (const char* bad : {"--shape 4x4x6", "--shape 4x4x4 --twisted", "--shape 1020x1020x1020", "--shape 2x2x2 --twisted", "--shape 4x4",
                          "--shape 4x4x8 --bytes 12XB", "--shape 4x4x8 --bytes 0", "--shape 4x4x8 --workload broadcast",
                          "--shape 4x4x8 --machine tpu9", "--shape 4x4x8 --json /nonexistent-dir/m.json",
                          "--shape 4x4x8 --algorithm ring", "--shape 4x4x8 --workload alltoall --algorithm concurrent",
                          "--shape 4x4x8 --machine rtl --lanes 3", "--shape 4x4x8 --machine rtl --cube 3x3x3",
                          "--shape 4x4x8 --method magic", "--shape 4x4x8 --machine rtl --network-budget 0",
                          "--calibration --method magic",
                          // the full pod's all-to-all takes the network model minutes: refused within
                          // the default budget, with the option that raises it named
                          "--shape 16x16x16 --machine rtl --method network --workload alltoall --bytes 64KiB"}) {
    CAPTURE(bad);
    const auto r = run(std::string("model ") + bad);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  for (const char* usage : {"", "--table --shape 4x4x4", "--no-such-option", "--shape 4x4x8 --cube 2x2x2",
                            "--shape 4x4x8 --method network", "--shape 4x4x8 --network-budget 10",
                            "--shape 4x4x8 --machine rtl --method analytic --network-budget 10"}) {
    CAPTURE(usage);
    const auto r = run(std::string("model ") + usage);
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
  }
}

// ---- phtpu search (sim/model/workload_model.hpp) -------------------------------------------------
TEST_CASE("phtpu search: every shape and mapping of 512 chips, ranked, against the naive choice", "[cli][search]") {
  const auto r = run("search --chips 512 --model gpt3-175b --top 3 --json " + (scratch() / "s.json").string() + " --csv " +
                     (scratch() / "s.csv").string());
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "s.json"));
  // 512 chips: 4x8x16 and 8x8x8 (no twisted shape has 512), 27 mappings, 3 recomputations
  CHECK(j["candidates"].size() == 2 * 27 * 3);
  std::set<std::string> shapes;
  for (const auto& c : j["candidates"]) shapes.insert(c["shape"].get<std::string>());
  CHECK(shapes == std::set<std::string>{"4x8x16", "8x8x8"});
  const auto& ranked = j["ranked"];
  REQUIRE(!ranked.empty());
  double last = 0;
  for (const auto& e : ranked) {
    CHECK(e["fits"] == true);
    CHECK(e["memory_bytes_per_chip"].get<double>() <= 32.0 * (1ull << 30));
    CHECK(e["data"].get<unsigned>() * e["tensor"].get<unsigned>() * e["pipeline"].get<unsigned>() == 512);
    CHECK(e["step_seconds"].get<double>() >= last);
    last = e["step_seconds"].get<double>();
  }
  // the naive choice is one of the ranked ones, the one with the most data parallelism, and no
  // faster than the best
  CHECK(j["naive"]["fits"] == true);
  unsigned most_data = 0;
  for (const auto& e : ranked) most_data = std::max(most_data, e["data"].get<unsigned>());
  CHECK(j["naive"]["data"] == most_data);
  CHECK(j["naive"]["step_seconds"].get<double>() >= ranked[0]["step_seconds"].get<double>());
  CHECK(r.out.find("naive") != std::string::npos);
  CHECK(r.out.find("faster") != std::string::npos);
  // the CSV holds every ranked row
  std::istringstream csv(slurp(scratch() / "s.csv"));
  std::string line;
  std::size_t rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == ranked.size() + 1);
}

TEST_CASE("phtpu search --workload dlrm: every shape of 128 chips, the twisted torus first", "[cli][search]") {
  const auto r = run("search --workload dlrm --chips 128 --json " + (scratch() / "d.json").string());
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "d.json"));
  // 128 chips: 4x4x8 and 4x4x8:twisted; the twisted all-to-all is the faster (docs/model.md)
  REQUIRE(j["ranked"].size() == 2);
  CHECK(j["ranked"][0]["shape"] == "4x4x8:twisted");
  CHECK(j["ranked"][0]["alltoall_seconds"].get<double>() < j["ranked"][1]["alltoall_seconds"].get<double>());
  CHECK(j["naive"]["shape"] == "4x4x8");
  CHECK(r.out.find("faster") != std::string::npos);
}

TEST_CASE("phtpu search: bad input exits 1 or 2 with one line", "[cli][search]") {
  for (const char* bad : {"--chips 100", "--chips 512 --model gpt5", "--chips 512 --mapping x=T", "--chips 512 --recompute some",
                          "--shape 4x4x6", "--chips 512 --shape 8x8x16", "--chips 512 --top 0",
                          "--chips 512 --json /nonexistent-dir/s.json", "--chips 512 --heads 7", "--workload gnn --chips 128",
                          "--workload dlrm --chips 128 --model gpt3-175b", "--workload dlrm --chips 100",
                          "--chips 512 --layers 0", "--chips 512 --layers 1001", "--chips 512 --batch 1000000001"}) {
    CAPTURE(bad);
    const auto r = run(std::string("search ") + bad);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
  }
  for (const char* usage : {"", "--chips 512 --layers x", "--chips -4", "--chips 512 --no-such-option",
                            "--workload dlrm --chips 128 --mapping x=T,y=D,z=P", "--workload dlrm --chips 128 --layers 4"}) {
    CAPTURE(usage);
    const auto r = run(std::string("search ") + usage);
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
  }
}

// ---- phtpu compare (sim/model/compare_model.hpp) -------------------------------------------------
TEST_CASE("phtpu compare: four machines on GPT-3 175B and on DLRM, sources, energy and the fabric", "[cli][compare]") {
  const auto r = run("compare --json " + (scratch() / "c.json").string() + " --csv " + (scratch() / "c.csv").string());
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(slurp(scratch() / "c.json"));
  CHECK(j["chips"] == 512);
  REQUIRE(j["machines"].size() == 4);
  for (const auto& m : j["machines"])
    for (const char* k : {"peak_flops", "memory_bytes", "memory_bytes_per_s", "links", "link_bytes_per_s", "power_w", "max_chips"}) {
      CAPTURE(m["name"], k);
      CHECK(!m[k]["source"].get<std::string>().empty()); // every figure says where it comes from
    }
  REQUIRE(j["results"].size() == 4);
  // TPU v4 is the search's best (docs/workloads.md); the IPU's 0.9 GB holds no mapping
  CHECK(j["results"][0]["slice"] == "4x8x16");
  CHECK(j["results"][0]["perf_per_watt_relative"] == 1.0);
  CHECK(j["perf_per_watt_baseline"] == "v4");
  CHECK(j["results"][3]["ran"] == false);
  CHECK(r.out.find("not run") != std::string::npos);
  // energy: the run is 300 billion tokens at batch x sequence tokens a step; its seconds x 512
  // chips x watts x PUE, its CO2e at the grid's intensity
  for (const auto& e : j["results"]) {
    if (!e["ran"].get<bool>()) continue;
    CHECK(e["tokens_per_second"].get<double>() == Approx(1536.0 * 2048 / e["step_seconds"].get<double>()).epsilon(1e-12));
    CHECK(e["run_seconds"].get<double>() * e["tokens_per_second"].get<double>() == Approx(300e9).epsilon(1e-12));
    const double kwh = e["run_seconds"].get<double>() * 512 * e["watts_per_chip"].get<double>() / 3.6e6 * 1.10;
    CHECK(e["facility_kwh"].get<double>() == Approx(kwh).epsilon(1e-9));
    CHECK(e["co2e_kg"].get<double>() == Approx(kwh * 0.429).epsilon(1e-9));
  }
  CHECK(j["fabric"]["ocs_watts"].get<double>() == Approx(648));
  // the published utilisations as model FLOPs: TPU v4's (PaLM) as published, the A100's 52 % of
  // hardware FLOPs times 6/8
  REQUIRE(j["published"].size() == 2);
  CHECK(j["published"][0]["mfu"].get<double>() == Approx(0.462));
  CHECK(j["published"][1]["mfu"].get<double>() == Approx(0.39));
  // DLRM on 128 chips; --power and the energy inputs change what they should and nothing else
  const auto d = run("compare --workload dlrm --machines v4,a100 --power a100=400 --pue 1.5 --grid 0.2 --json " +
                     (scratch() / "d.json").string());
  REQUIRE(d.status == 0);
  const auto k = nlohmann::json::parse(slurp(scratch() / "d.json"));
  CHECK(k["chips"] == 128);
  REQUIRE(k["results"].size() == 2);
  CHECK(k["results"][1]["watts_per_chip"] == 400.0);
  CHECK(k["machines"][1]["power_w"]["source"] == "--power");
  const auto& v4 = k["results"][0];
  CHECK(v4["facility_kwh"].get<double>() ==
        Approx(v4["run_seconds"].get<double>() * 128 * 197 / 3.6e6 * 1.5).epsilon(1e-9));
}

TEST_CASE("phtpu compare: bad input exits 1 or 2 with one line, and writes nothing", "[cli][compare]") {
  const fs::path out = scratch() / "bad.json";
  fs::remove(out);
  for (const char* bad : {"--machines v4,h100", "--machines v4,v4", "--power a100", "--power a100=-1", "--pue 11", "--grid 3",
                          "--power x=3", "--machines v4 --power a100=300", "--power v4=1 --power v4=2", "--pue 0.5",
                          "--grid -1", "--tokens 0", "--workload gnn", "--model gpt5", "--workload dlrm --model gpt3-175b",
                          "--chips 0", "--chips 3", "--chips 8192", "--machines ipu-bow"}) {
    CAPTURE(bad);
    const auto r = run(std::string("compare ") + bad + " --json " + out.string());
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_FALSE(fs::exists(out)); // nothing written
  }
  CHECK(run("compare --json /nonexistent-dir/c.json").status == 1);
  for (const char* usage : {"--workload dlrm --tokens 1e9", "--samples 5", "--chips -1", "--no-such-option", "--power a100=fast",
                            "--machines a100 --ocs-watts 5"}) {
    CAPTURE(usage);
    const auto r = run(std::string("compare ") + usage + " --json " + out.string());
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
    CHECK_FALSE(fs::exists(out));
  }
  // without TPU v4 the baseline is the first machine that runs, and says so
  const auto b = run("compare --machines a100,v3 --json " + out.string());
  REQUIRE(b.status == 0);
  const auto k = nlohmann::json::parse(slurp(out));
  CHECK(k["perf_per_watt_baseline"] == "a100");
  CHECK(k["results"][0]["perf_per_watt_relative"] == 1.0);
  CHECK(k["fabric"].is_null()); // no TPU v4, no OCS
  CHECK(b.out.find("over NVIDIA A100's") != std::string::npos);
}

// phtpu pod on 2 threads gives the 1-thread results, JSON field by field (but the wall time,
// the memory and the thread count)
TEST_CASE("phtpu pod on 2 threads gives the 1-thread results", "[cli][pod]") {
  std::vector<nlohmann::json> runs;
  for (unsigned t : {1u, 2u}) {
    const fs::path json = scratch() / ("threads" + std::to_string(t) + ".json");
    const auto r = run("pod --cube 2x2x2 --racks 2 --slice 2x2x4 --workload allreduce,alltoall --bytes 1KiB -q "
                       "--threads " + std::to_string(t) + " --json " + json.string());
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(slurp(json));
    CHECK(j["threads"] == t);
    for (const char* k : {"wall_seconds", "peak_memory_bytes", "threads"}) j.erase(k);
    runs.push_back(j);
  }
  CHECK(runs[0]["cycles"].get<unsigned>() > 0);
  CHECK(runs[0] == runs[1]);
}
