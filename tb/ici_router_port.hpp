// Port access and configuration of a Verilated ici_router (rtl/ici/ici_router.sv) for any
// C++ driver: the router unit tests, the network harness (sim/net/network.cpp) and phtpu. The
// link-port helpers (drive_input, read_output, input_credits) also serve every model with the
// same flit ports: the chip top (rtl/chip/chip_top.sv, 6 ports) and the OCS
// (rtl/ocs/ocs_switch.sv, up to 32 ports), in the pod harness (sim/pod/pod.cpp).
// Include the model header (Vici_router.h) first. Ports are flat vectors, port p's slice
// at [p*W +: W]; with 160-bit flits each port's data is five whole 32-bit words.
#pragma once

#include "ici_flit.hpp"
#include "topology.hpp"

#include <cstdint>
#include <type_traits>

namespace phtpu::ici {

using net::Port;

/// Present `own` on cfg_own_i (coord_t: 90 bits in three 32-bit words).
template <class Model>
void set_own(Model& m, const RawFields& own) {
  FlitData d{};
  pack_coord(d, 0, own);
  for (int w = 0; w < 3; ++w)
    m.cfg_own_i[w] = d[static_cast<std::size_t>(w)];
}

/// Write the configuration registers (one cycle of cfg_we_i happens at the caller's next tick).
template <class Model>
void set_config(Model& m, const phext::SliceGeometry& geo, const net::Topology& topo, phext::Vec3 own) {
  constexpr unsigned C = phext::kRtlCubeDimBits, G = phext::kRtlGlobalBits;
  set_own(m, raw_of(geo.phext_of_global(own)));
  m.cfg_cube_i = static_cast<std::uint16_t>((geo.cube().x << (2 * C)) | (geo.cube().y << C) | geo.cube().z);
  m.cfg_slice_i = (geo.slice().x << (2 * G)) | (geo.slice().y << G) | geo.slice().z;
  m.cfg_wrap_i = static_cast<std::uint8_t>((topo.wraps(0) ? 1 : 0) | (topo.wraps(1) ? 2 : 0) | (topo.wraps(2) ? 4 : 0));
  m.cfg_shift_xy_i = static_cast<std::uint16_t>(topo.shift_xy());
  m.cfg_shift_xz_i = static_cast<std::uint16_t>(topo.shift_xz());
  m.cfg_shift_yz_i = static_cast<std::uint16_t>(topo.shift_yz());
  m.cfg_we_i = 1;
}

inline unsigned bit(std::uint32_t v, unsigned i) { return (v >> i) & 1u; }

/// Present `f` on input port p (or nothing when `valid` is false). Port vectors of any width
/// up to 32 ports.
template <class Model>
void drive_input(Model& m, unsigned p, bool valid, const Flit& f = {}) {
  using V = std::remove_reference_t<decltype(m.in_valid_i)>;
  const std::uint32_t mask = 1u << p;
  if (!valid) {
    m.in_valid_i = static_cast<V>(m.in_valid_i & ~mask);
    return;
  }
  m.in_valid_i = static_cast<V>(m.in_valid_i | mask);
  m.in_head_i = static_cast<V>(f.head ? (m.in_head_i | mask) : (m.in_head_i & ~mask));
  m.in_tail_i = static_cast<V>(f.tail ? (m.in_tail_i | mask) : (m.in_tail_i & ~mask));
  m.in_vc_i = static_cast<V>((m.in_vc_i & ~mask) | ((f.vc & 1u) << p)); // VcW = 1
  for (unsigned w = 0; w < kFlitWords; ++w)
    m.in_data_i[p * kFlitWords + w] = f.data[w];
}

template <class Model>
bool output_valid(Model& m, unsigned p) {
  return bit(m.out_valid_o, p) != 0;
}

template <class Model>
Flit read_output(Model& m, unsigned p) {
  Flit f;
  f.head = bit(m.out_head_o, p) != 0;
  f.tail = bit(m.out_tail_o, p) != 0;
  f.vc = bit(m.out_vc_o, p);
  for (unsigned w = 0; w < kFlitWords; ++w)
    f.data[w] = m.out_data_o[p * kFlitWords + w];
  return f;
}

/// Credits the router returns on input port p this cycle (bit v = VC v).
template <class Model>
unsigned input_credits(Model& m, unsigned p) {
  return static_cast<unsigned>((m.in_credit_o >> (p * kNumVcs)) & ((1u << kNumVcs) - 1));
}

/// Hold reset low over one clock edge, then release it (the model's clock ends low).
template <class Model>
void reset(Model& m) {
  m.rst_ni = 0;
  m.clk_i = 0;
  m.eval();
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
}

static_assert(kNumVcs == 2, "drive_input packs one VC bit per port");

} // namespace phtpu::ici
