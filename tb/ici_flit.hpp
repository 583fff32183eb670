// Flits of the ICI router (rtl/ici/ici_pkg.sv, "Flits"): the C++ view shared by the router
// tests, the network harness and `phtpu net`. Every offset, width, type code and default
// parameter comes from the RTL (rtl_params.hpp, generated from ici_pkg and the module headers).
#pragma once

#include "chip_address.hpp"
#include "coordinate.hpp"
#include "raw_coord.hpp"
#include "rtl_params.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace phtpu::ici {

/// The router configurations the C++ side drives (tb/CMakeLists.txt verilates them): the
/// router's default buffers and flit width, and its default VCs (2, the bare network harness's:
/// the message classes share them) or the chip's (4: a VC pair per message class).
inline constexpr unsigned kNetVcs = rtl::ici_router::NumVcs;
inline constexpr unsigned kChipVcs = rtl::chip_top::NumVcs;
inline constexpr unsigned kMaxVcs = 4;
static_assert(kNetVcs <= kMaxVcs && kChipVcs <= kMaxVcs, "port helpers hold up to kMaxVcs VCs");
inline constexpr unsigned kBufDepth = rtl::ici_router::BufDepth;
inline constexpr unsigned kFlitBits = rtl::ici_router::FlitW;
static_assert(rtl::chip_top::FlitW == kFlitBits && rtl::chip_top::BufDepth == kBufDepth,
              "the chip's router and the bare router share flit width and buffer depth");
inline constexpr unsigned kFlitWords = kFlitBits / 32;
static_assert(kFlitBits % 32 == 0, "port slices are word aligned");

// Head flit layout (ici_pkg::Head*).
inline constexpr unsigned kHeadDestLsb = rtl::ici_pkg::HeadDestLsb;
inline constexpr unsigned kHeadTypeLsb = rtl::ici_pkg::HeadTypeLsb, kHeadTypeBits = rtl::ici_pkg::HeadTypeW;
inline constexpr unsigned kHeadClassBit = rtl::ici_pkg::HeadClassBit; ///< the type's top bit
static_assert(kHeadClassBit == kHeadTypeLsb + kHeadTypeBits - 1, "class_of reads the type's top bit");
inline constexpr unsigned kHeadLenLsb = rtl::ici_pkg::HeadLenLsb, kHeadLenBits = rtl::ici_pkg::HeadLenW;
inline constexpr unsigned kHeadSrcLsb = rtl::ici_pkg::HeadSrcLsb;
inline constexpr unsigned kHeadTagLsb = rtl::ici_pkg::HeadTagLsb;
inline constexpr unsigned kMaxPacketFlits = (1u << kHeadLenBits) - 1;

/// Packet types (ici_pkg::Pkt*): requests 0..3, responses 4..5 (the top bit is the message class).
enum class PktType : unsigned {
  Write = rtl::ici_pkg::PktWrite,
  ReadReq = rtl::ici_pkg::PktReadReq,
  EmbLookup = rtl::ici_pkg::PktEmbLookup,
  Collective = rtl::ici_pkg::PktCollective,
  ReadResp = rtl::ici_pkg::PktReadResp,
  ReadData = rtl::ici_pkg::PktReadData
};
/// The message class of a packet type: 0 request, 1 response (ici_pkg::HeadClassBit).
inline unsigned class_of(PktType t) { return (static_cast<unsigned>(t) >> (kHeadTypeBits - 1)) & 1u; }

using FlitData = std::array<std::uint32_t, kFlitWords>;

struct Flit {
  bool head = false, tail = false;
  unsigned vc = 0;
  FlitData data{};
};

/// Bits [lsb, lsb+width) of the flit, width <= 64 (word-wise: packing heads is on the
/// harness's per-packet path).
inline void set_bits(FlitData& d, unsigned lsb, unsigned width, std::uint64_t value) {
  while (width > 0) {
    const unsigned w = lsb / 32, off = lsb % 32, n = std::min(width, 32 - off);
    const std::uint32_t mask = (n == 32 ? ~0u : ((1u << n) - 1)) << off;
    d[w] = (d[w] & ~mask) | (static_cast<std::uint32_t>(value << off) & mask);
    value >>= n;
    lsb += n;
    width -= n;
  }
}
inline std::uint64_t get_bits(const FlitData& d, unsigned lsb, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned done = 0; done < width;) {
    const unsigned w = lsb / 32, off = lsb % 32, n = std::min(width - done, 32 - off);
    const std::uint32_t mask = n == 32 ? ~0u : ((1u << n) - 1);
    v |= static_cast<std::uint64_t>((d[w] >> off) & mask) << done;
    lsb += n;
    done += n;
  }
  return v;
}

/// Raw destination fields as the RTL sees them (tb/raw_coord.hpp).
using RawFields = RawCoord;

/// Pack nine raw fields as a phext_pkg::coord_t at bit `lsb` (library in the top field, scroll
/// lowest). Fields are truncated to their 10 bits.
inline void pack_coord(FlitData& d, unsigned lsb, const RawFields& f) {
  for (std::size_t i = 0; i < phext::kDims; ++i)
    set_bits(d, lsb + static_cast<unsigned>(phext::kDims - 1 - i) * phext::kRtlFieldBits, phext::kRtlFieldBits, f[i]);
}

struct HeadFields {
  RawFields dest{};
  PktType type = PktType::Write;
  unsigned len = 1; ///< flits in the packet, 1..31
  phext::Vec3 src;  ///< source global position
  std::uint32_t tag = 0;
};

/// The data bits of a head flit. Fields are truncated to their widths (raw values are allowed
/// on purpose: the router must cope with malformed destinations).
inline FlitData pack_head(const HeadFields& h) {
  constexpr unsigned G = phext::kRtlGlobalBits;
  FlitData d{};
  pack_coord(d, kHeadDestLsb, h.dest);
  set_bits(d, kHeadTypeLsb, kHeadTypeBits, static_cast<unsigned>(h.type));
  set_bits(d, kHeadLenLsb, kHeadLenBits, h.len);
  set_bits(d, kHeadSrcLsb + 2 * G, G, h.src.x);
  set_bits(d, kHeadSrcLsb + G, G, h.src.y);
  set_bits(d, kHeadSrcLsb, G, h.src.z);
  set_bits(d, kHeadTagLsb, 32, h.tag);
  return d;
}

inline HeadFields unpack_head(const FlitData& d) {
  constexpr unsigned F = phext::kRtlFieldBits, G = phext::kRtlGlobalBits;
  HeadFields h;
  for (std::size_t i = 0; i < phext::kDims; ++i)
    h.dest[i] = static_cast<unsigned>(get_bits(d, kHeadDestLsb + static_cast<unsigned>(phext::kDims - 1 - i) * F, F));
  h.type = static_cast<PktType>(get_bits(d, kHeadTypeLsb, kHeadTypeBits));
  h.len = static_cast<unsigned>(get_bits(d, kHeadLenLsb, kHeadLenBits));
  h.src = {static_cast<unsigned>(get_bits(d, kHeadSrcLsb + 2 * G, G)),
           static_cast<unsigned>(get_bits(d, kHeadSrcLsb + G, G)), static_cast<unsigned>(get_bits(d, kHeadSrcLsb, G))};
  h.tag = static_cast<std::uint32_t>(get_bits(d, kHeadTagLsb, 32));
  return h;
}

/// A head flit to the raw destination fields `dest` (malformed ones too), tagged for identification.
inline Flit head_flit(const RawFields& dest, phext::Vec3 src, unsigned vc, std::uint32_t tag, unsigned len = 1,
                      PktType type = PktType::Write) {
  HeadFields h;
  h.dest = dest;
  h.src = src;
  h.len = len;
  h.tag = tag;
  h.type = type;
  Flit f;
  f.head = true;
  f.tail = len == 1;
  f.vc = vc;
  f.data = pack_head(h);
  return f;
}

/// A head flit to global position `dest` of `geo`.
inline Flit head_to(const phext::SliceGeometry& geo, phext::Vec3 src, phext::Vec3 dest, unsigned vc, std::uint32_t tag,
                    unsigned len = 1, PktType type = PktType::Write) {
  return head_flit(raw_of(geo.phext_of_global(dest)), src, vc, tag, len, type);
}

inline Flit body(unsigned vc, std::uint32_t tag, unsigned index, bool tail) {
  Flit f;
  f.vc = vc;
  f.tail = tail;
  f.data[0] = tag;
  f.data[2] = index;
  return f;
}

} // namespace phtpu::ici
