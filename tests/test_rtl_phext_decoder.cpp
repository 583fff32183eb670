// rtl/common/phext_decoder.sv against the C++ decode (coords/chip_address.cpp).
//
// Compiled twice (CMakeLists.txt): test_rtl_phext_decoder runs the Verilated RTL, and
// test_gl_phext_decoder runs the gate-level netlist yosys synthesizes from it, so a
// synthesis misreading (yosys 0.23 may exit 0 on RTL it mis-reads) fails a test instead of
// passing silently.
// Each run writes its waveform to build/waves/<name>.fst (gl_<name>.fst for the netlist;
// PHTPU_WAVE_DIR overrides), so a failure can be opened in GTKWave at once
// (waves/phext_decoder.gtkw fits the RTL runs).
#ifndef PHTPU_GATE_LEVEL
#include "Vphext_decoder.h"
using Model = Vphext_decoder;
#else
#include "Vphext_decoder_gl.h"
using Model = Vphext_decoder_gl;
#endif
#include "phext_decoder_tb.hpp"

#include "test_seed.hpp"
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

using phext::SliceGeometry;
using phext::Vec3;
using phtpu::Dut;
using Tb = phtpu::PhextDecoderTb<Model>;
using phtpu::RawCoord;

namespace {

std::string describe(const Tb::Mismatch& m) {
  std::string s = "dest";
  for (unsigned f : m.dest)
    s += " " + std::to_string(f);
  return s + " rtl status " + std::to_string(m.got_status) + " model " +
         std::string(phext::status_name(m.expected.status));
}

void require_clean(Tb& tb, Dut<Model>& dut) {
  INFO("waveform: " << dut.trace_path());
  for (std::size_t i = 0; i < tb.mismatches().size() && i < 5; ++i)
    INFO(describe(tb.mismatches()[i]));
  REQUIRE(tb.mismatches().empty());
  REQUIRE(tb.rtl_zmismatch() == tb.expected_zmismatch());
  REQUIRE(tb.rtl_out_of_shape() == tb.expected_out_of_shape());
}

// Gate-level runs trace to gl_<name>.fst, beside the RTL run's <name>.fst.
void trace(Dut<Model>& dut, const std::string& name) {
#ifndef PHTPU_GATE_LEVEL
  dut.open_trace(phtpu::test_wave_path(name));
#else
  dut.open_trace(phtpu::test_wave_path("gl_" + name));
#endif
}

} // namespace

TEST_CASE("RTL decode equals C++ decode for all 4096 chips of the full pod", "[rtl][phext_decoder]") {
  Dut<Model> dut;
  trace(dut, "phext_decoder_full_pod");
  dut.reset();
  const SliceGeometry pod({16, 16, 16}, {4, 4, 4}, {2, 5, 9});
  Tb tb(dut, pod);
  for (unsigned n = 0; n < pod.chip_count(); ++n)
    tb.send(phtpu::raw_of(pod.phext_of_chip(n)));
  tb.drain();
  CHECK(tb.checked() == 4096);
  CHECK(tb.expected_zmismatch() == 0);
  CHECK(tb.expected_out_of_shape() == 0);
  require_clean(tb, dut);
}

TEST_CASE("RTL decode equals C++ decode on scaled pods and meshes", "[rtl][phext_decoder]") {
  const auto [slice, cube] = GENERATE(table<Vec3, Vec3>({
      {{4, 4, 8}, {2, 2, 2}},
      {{8, 8, 16}, {4, 4, 4}},
      {{8, 16, 16}, {4, 4, 4}},
      {{2, 2, 2}, {4, 4, 4}},
      {{1, 2, 2}, {4, 4, 4}},
      {{2, 2, 2}, {2, 2, 2}},
      {{15, 30, 45}, {15, 15, 15}}, // widest cube the field widths allow
  }));
  const std::string name = "phext_decoder_" + phext::shape_str(slice) + "_" + phext::shape_str(cube);
  Dut<Model> dut;
  trace(dut, name);
  dut.reset();
  const SliceGeometry geo(slice, cube);
  Tb tb(dut, geo);
  // every chip, plus every raw coordinate one past the shape in each field
  for (unsigned n = 0; n < geo.chip_count(); ++n) {
    RawCoord r = phtpu::raw_of(geo.phext_of_chip(n));
    tb.send(r);
    for (std::size_t k = 3; k < 9; ++k) {
      RawCoord s = r;
      s[k] += 1;
      tb.send(s);
    }
  }
  tb.drain();
  CHECK(tb.expected_out_of_shape() > 0);
  require_clean(tb, dut);
}

TEST_CASE("RTL decode drops foreign Z arms and malformed fields like the model", "[rtl][phext_decoder]") {
  Dut<Model> dut;
  trace(dut, "phext_decoder_random");
  dut.reset();
  const SliceGeometry geo({4, 4, 8}, {2, 2, 2}, {1, 1, 1});
  Tb tb(dut, geo);
  const auto seed = phtpu::test_seed();
  INFO("seed " << seed << " (override with PHTPU_SEED)");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<unsigned> any(0, 1023), small(0, 5);
  for (int i = 0; i < 20000; ++i) {
    RawCoord r;
    for (std::size_t k = 0; k < 9; ++k)
      r[k] = (i % 8 == 0) ? any(rng) : (k < 3 ? 1 + (small(rng) == 0) : small(rng));
    tb.send(r);
  }
  tb.drain();
  CHECK(tb.expected_zmismatch() > 100);
  CHECK(tb.expected_out_of_shape() > 100);
  require_clean(tb, dut);
}

TEST_CASE("decoder timing: 1-cycle latency, one result per cycle, idle cycles give no result",
          "[rtl][phext_decoder][timing]") {
  Dut<Model> dut;
  trace(dut, "phext_decoder_timing");
  dut.reset();
  CHECK(dut->res_valid_o == 0);
  const SliceGeometry geo({4, 4, 8}, {2, 2, 2});
  Tb tb(dut, geo);
  // Back-to-back: each result is registered at the edge that samples its destination.
  tb.send(phtpu::raw_of(geo.phext_of_chip(5)));
  CHECK(dut->res_valid_o == 1);
  CHECK(dut->res_global_o ==
        ((geo.global_of_chip(5).x << 20) | (geo.global_of_chip(5).y << 10) | geo.global_of_chip(5).z));
  tb.send(phtpu::raw_of(geo.phext_of_chip(127)));
  CHECK(dut->res_valid_o == 1);
  CHECK(dut->res_global_o == ((3u << 20) | (3u << 10) | 7u)); // last chip of 4x4x8
  tb.idle();
  CHECK(dut->res_valid_o == 0);
  CHECK(tb.checked() == 2);
  // Reset clears the drop counters.
  RawCoord foreign = phtpu::raw_of(geo.phext_of_chip(0));
  foreign[2] = 2;
  tb.send(foreign);
  CHECK(dut->zmismatch_count_o == 1);
  dut.reset();
  CHECK(dut->zmismatch_count_o == 0);
  CHECK(dut->res_valid_o == 0);
  CHECK(tb.mismatches().empty());
}
