// Transactor and scoreboard for rtl/common/phext_decoder.sv.
//
// PhextDecoderTb<Model> drives one destination per cycle into a Verilated decoder and checks
// each registered result against the C++ golden model phext::SliceGeometry::decode
// (coords/chip_address.cpp). Model is the RTL (Vphext_decoder) or the yosys gate-level
// netlist (Vphext_decoder_gl); include the model's header before this one. Used by the
// Catch2 tests, the SystemC smoke test and `phtpu decode` (make sim): one mechanism.
#pragma once

#include "chip_address.hpp"
#include "dut.hpp"
#include "raw_coord.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace phtpu {

template <class Model>
class PhextDecoderTb {
public:
  struct Mismatch {
    RawCoord dest;
    phext::Decoded expected;
    unsigned got_status;
    phext::Vec3 got_global;
  };

  PhextDecoderTb(Dut<Model>& dut, const phext::SliceGeometry& geo) : dut_(dut), geo_(geo) {
    constexpr unsigned F = phext::kRtlFieldBits, C = phext::kRtlCubeDimBits, G = phext::kRtlGlobalBits;
    const phext::ZArm& z = geo.zarm();
    dut_->own_z_i = (z.datacenter << (2 * F)) | (z.pod << F) | z.slice;
    dut_->cube_i = static_cast<std::uint16_t>((geo.cube().x << (2 * C)) | (geo.cube().y << C) | geo.cube().z);
    dut_->slice_i = (geo.slice().x << (2 * G)) | (geo.slice().y << G) | geo.slice().z;
    dut_->dest_valid_i = 0;
  }

  /// Present `dest` for one cycle; its result is registered at that clock edge and
  /// checked right after it (the 1-cycle latency of the timing contract).
  void send(const RawCoord& dest) {
    set_dest(dest);
    dut_->dest_valid_i = 1;
    in_flight_.push_back(dest);
    step();
  }
  /// One idle cycle: no result may appear.
  void idle() {
    dut_->dest_valid_i = 0;
    step();
  }
  /// Idle until every sent destination has been checked.
  void drain() {
    while (!in_flight_.empty())
      idle();
  }

  std::uint64_t checked() const { return checked_; }
  const std::vector<Mismatch>& mismatches() const { return mismatches_; }
  std::uint64_t expected_zmismatch() const { return exp_z_; }
  std::uint64_t expected_out_of_shape() const { return exp_oos_; }
  std::uint32_t rtl_zmismatch() { return dut_->zmismatch_count_o; }
  std::uint32_t rtl_out_of_shape() { return dut_->out_of_shape_count_o; }

private:
  void set_dest(const RawCoord& d) {
    // 90-bit port: scroll in bits [9:0] ... library in [89:80], packed into 32-bit words.
    std::array<std::uint32_t, 3> w{};
    for (std::size_t i = 0; i < phext::kDims; ++i) {
      const unsigned bit = static_cast<unsigned>(phext::kDims - 1 - i) * phext::kRtlFieldBits;
      const std::uint64_t v = d[i] & ((1u << phext::kRtlFieldBits) - 1);
      w[bit / 32] |= static_cast<std::uint32_t>(v << (bit % 32));
      if (bit % 32 + phext::kRtlFieldBits > 32) w[bit / 32 + 1] |= static_cast<std::uint32_t>(v >> (32 - bit % 32));
    }
    for (int i = 0; i < 3; ++i)
      dut_->dest_i[i] = w[i];
  }

  void step() {
    dut_.tick();
    if (!dut_->res_valid_o) return;
    if (in_flight_.empty()) { // a result nobody asked for
      mismatches_.push_back({RawCoord{}, phext::Decoded{}, dut_->res_status_o, {}});
      return;
    }
    const RawCoord dest = in_flight_.front();
    in_flight_.pop_front();
    const phext::Decoded exp = geo_.decode(dest);
    if (exp.status == phext::DecodeStatus::ZMismatch) ++exp_z_;
    if (exp.status == phext::DecodeStatus::OutOfShape) ++exp_oos_;
    constexpr unsigned G = phext::kRtlGlobalBits, M = (1u << G) - 1;
    const std::uint32_t g = dut_->res_global_o;
    const phext::Vec3 got{(g >> (2 * G)) & M, (g >> G) & M, g & M};
    const unsigned st = dut_->res_status_o;
    // The global position is compared on drops too: the RTL contract is 0 there.
    const bool ok = st == static_cast<unsigned>(exp.status) && got == exp.global;
    ++checked_;
    if (!ok) mismatches_.push_back({dest, exp, st, got});
  }

  Dut<Model>& dut_;
  phext::SliceGeometry geo_;
  std::deque<RawCoord> in_flight_;
  std::vector<Mismatch> mismatches_;
  std::uint64_t checked_ = 0, exp_z_ = 0, exp_oos_ = 0;
};

} // namespace phtpu
