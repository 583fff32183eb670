// Port access and configuration of a Verilated ici_router (rtl/ici/ici_router.sv) for any
// C++ driver: the router unit tests, the network harness (sim/net/network.cpp) and phtpu. The
// link-port helpers (drive_input, read_output, input_credits) also serve every model with the
// same flit ports: the chip top (rtl/chip/chip_top.sv, 6 ports) and the OCS
// (rtl/ocs/ocs_switch.sv, up to 32 ports), in the pod harness (sim/pod/pod.cpp).
// Include the model header (Vici_router.h, ...) first. Ports are flat vectors, port p's slice
// at [p*W +: W]; with 160-bit flits each port's data is five whole 32-bit words. The helpers
// take the model's VC count (2 or 4) as a template argument: it sets the width of the VC
// fields (1 or 2 bits per port) and of the credit fields (one bit per VC per port). Vectors
// wider than 64 bits (an OCS's credits) are Verilator's VlWide word arrays.
#pragma once

#include "ici_flit.hpp"
#include "topology.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <type_traits>

namespace phtpu::ici {

using net::Port;

/// Bits of a VC number on a link of a router with `vcs` VCs.
constexpr unsigned vc_bits(unsigned vcs) { return vcs > 2 ? 2 : 1; }

/// Bits [lsb, lsb+width) of a port vector (integral or VlWide): width <= 32, inside the vector.
template <class T>
std::enable_if_t<std::is_integral_v<T>, std::uint32_t> get_field(const T& v, unsigned lsb, unsigned width) {
  assert(width <= 32 && lsb + width <= 8 * sizeof(T));
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(v) >> lsb) & ((std::uint64_t{1} << width) - 1));
}
template <std::size_t N>
std::uint32_t get_field(const VlWide<N>& v, unsigned lsb, unsigned width) {
  assert(width <= 32 && lsb + width <= 32 * N);
  std::uint64_t w = v[lsb / 32];
  if (lsb % 32 + width > 32) w |= static_cast<std::uint64_t>(v[lsb / 32 + 1]) << 32;
  return static_cast<std::uint32_t>((w >> (lsb % 32)) & ((std::uint64_t{1} << width) - 1));
}
/// Set bits [lsb, lsb+width) of a port vector to `value`, width <= 32.
template <class T>
std::enable_if_t<std::is_integral_v<T>> set_field(T& v, unsigned lsb, unsigned width, std::uint32_t value) {
  assert(width <= 32 && lsb + width <= 8 * sizeof(T));
  const std::uint64_t mask = ((std::uint64_t{1} << width) - 1) << lsb;
  v = static_cast<T>((static_cast<std::uint64_t>(v) & ~mask) | ((static_cast<std::uint64_t>(value) << lsb) & mask));
}
template <std::size_t N>
void set_field(VlWide<N>& v, unsigned lsb, unsigned width, std::uint32_t value) {
  assert(width <= 32 && lsb + width <= 32 * N);
  for (unsigned done = 0; done < width;) {
    const unsigned w = (lsb + done) / 32, off = (lsb + done) % 32, n = std::min(width - done, 32 - off);
    const std::uint32_t mask = (n == 32 ? ~0u : ((1u << n) - 1)) << off;
    v[w] = (v[w] & ~mask) | ((static_cast<std::uint32_t>(value >> done) << off) & mask);
    done += n;
  }
}
/// Any bit set in a port vector.
template <class T>
std::enable_if_t<std::is_integral_v<T>, bool> any_bit(const T& v) {
  return v != 0;
}
template <std::size_t N>
bool any_bit(const VlWide<N>& v) {
  for (std::size_t i = 0; i < N; ++i)
    if (v[i]) return true;
  return false;
}
template <class T>
std::enable_if_t<std::is_integral_v<T>> clear_vector(T& v) {
  v = 0;
}
template <std::size_t N>
void clear_vector(VlWide<N>& v) {
  for (std::size_t i = 0; i < N; ++i) v[i] = 0;
}

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

inline unsigned bit(std::uint64_t v, unsigned i) { return static_cast<unsigned>((v >> i) & 1u); }

/// Present `f` on input port p (or nothing when `valid` is false), on a model with `Vcs` VCs.
template <unsigned Vcs, class Model>
void drive_input(Model& m, unsigned p, bool valid, const Flit& f = {}) {
  set_field(m.in_valid_i, p, 1, valid ? 1u : 0u);
  if (!valid) return;
  set_field(m.in_head_i, p, 1, f.head ? 1u : 0u);
  set_field(m.in_tail_i, p, 1, f.tail ? 1u : 0u);
  set_field(m.in_vc_i, p * vc_bits(Vcs), vc_bits(Vcs), f.vc);
  for (unsigned w = 0; w < kFlitWords; ++w)
    m.in_data_i[p * kFlitWords + w] = f.data[w];
}

template <class Model>
bool output_valid(const Model& m, unsigned p) {
  return get_field(m.out_valid_o, p, 1) != 0;
}

template <unsigned Vcs, class Model>
Flit read_output(const Model& m, unsigned p) {
  Flit f;
  f.head = get_field(m.out_head_o, p, 1) != 0;
  f.tail = get_field(m.out_tail_o, p, 1) != 0;
  f.vc = get_field(m.out_vc_o, p * vc_bits(Vcs), vc_bits(Vcs));
  for (unsigned w = 0; w < kFlitWords; ++w)
    f.data[w] = m.out_data_o[p * kFlitWords + w];
  return f;
}

/// Credits the router returns on input port p this cycle (bit v = VC v).
template <unsigned Vcs, class Model>
unsigned input_credits(const Model& m, unsigned p) {
  return get_field(m.in_credit_o, p * Vcs, Vcs);
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

} // namespace phtpu::ici
