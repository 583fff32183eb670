// SystemC smoke test: the Verilated phext decoder (the same library the Catch2 tests use)
// driven from an SC_MODULE inside sc_main (an SC_METHOD around the plain C++ model, not a
// `verilator --sc` model), checked
// against the C++ model over every chip of a 4x4x8 scaled pod plus foreign destinations.
// Proves the SystemC path before the pod harness (sim/) needs it. Exit 0 on success.
#include "Vphext_decoder.h"
#include "phext_decoder_tb.hpp"

#include <cstdio>
#include <systemc.h>

SC_MODULE(DecoderHarness) {
  sc_in<bool> clk;

  SC_CTOR(DecoderHarness) : geo_({4, 4, 8}, {2, 2, 2}), tb_(dut_, geo_) {
    SC_METHOD(on_posedge);
    sensitive << clk.pos();
    dont_initialize();
  }

  void on_posedge() {
    if (!reset_done_) { // first edge: reset the model
      dut_.reset();
      reset_done_ = true;
      return;
    }
    if (next_ < geo_.chip_count()) {
      tb_.send(phtpu::raw_of(geo_.phext_of_chip(next_++)));
    } else if (next_ < geo_.chip_count() + 16) { // foreign slices: must be dropped
      phtpu::RawCoord r = phtpu::raw_of(geo_.phext_of_chip(next_++ - geo_.chip_count()));
      r[2] = 2;
      tb_.send(r);
    } else {
      tb_.drain();
      sc_stop();
    }
  }

  phtpu::Dut<Vphext_decoder> dut_;
  phext::SliceGeometry geo_;
  phtpu::PhextDecoderTb<Vphext_decoder> tb_;
  unsigned next_ = 0;
  bool reset_done_ = false;
};

int sc_main(int, char*[]) {
  sc_clock clk("clk", 10, SC_NS);
  DecoderHarness h("harness");
  h.clk(clk);
  sc_start(1, SC_MS); // far more than needed: sc_stop() ends it
  const bool ok =
      h.tb_.mismatches().empty() && h.tb_.checked() == h.geo_.chip_count() + 16 && h.tb_.rtl_zmismatch() == 16;
  std::printf("systemc smoke: %llu destinations checked at %s, %zu mismatches, %u dropped: %s\n",
              static_cast<unsigned long long>(h.tb_.checked()), sc_core::sc_time_stamp().to_string().c_str(),
              h.tb_.mismatches().size(), h.tb_.rtl_zmismatch(), ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
