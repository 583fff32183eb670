// Flits of the ICI router (rtl/ici/ici_pkg.sv, "Flits"): the C++ view shared by the router
// tests, the network harness and `phtpu net`. Field offsets mirror ici_pkg; keep in step.
#pragma once

#include "chip_address.hpp"
#include "coordinate.hpp"
#include "raw_coord.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace phtpu::ici {

/// The router configurations the C++ side drives (CMakeLists.txt verilates them): 8-flit
/// buffers, 160-bit flits, and 2 VCs (the bare network harness's default: the message classes
/// share them) or 4 (the chip's router: a VC pair per message class).
inline constexpr unsigned kNetVcs = 2;
inline constexpr unsigned kChipVcs = 4;
inline constexpr unsigned kMaxVcs = 4;
inline constexpr unsigned kBufDepth = 8;
inline constexpr unsigned kFlitBits = 160;
inline constexpr unsigned kFlitWords = kFlitBits / 32;
static_assert(kFlitBits % 32 == 0, "port slices are word aligned");

// Head flit layout (ici_pkg::Head*).
inline constexpr unsigned kHeadDestLsb = 0;
inline constexpr unsigned kHeadTypeLsb = 90, kHeadTypeBits = 3;
inline constexpr unsigned kHeadClassBit = kHeadTypeLsb + kHeadTypeBits - 1; ///< the type's top bit
inline constexpr unsigned kHeadLenLsb = 93, kHeadLenBits = 5;
inline constexpr unsigned kHeadSrcLsb = 98;
inline constexpr unsigned kHeadTagLsb = 128;
inline constexpr unsigned kMaxPacketFlits = (1u << kHeadLenBits) - 1;

/// Packet types (ici_pkg::Pkt*): requests 0..3, responses 4..5 (the top bit is the message class).
enum class PktType : unsigned { Write = 0, ReadReq = 1, EmbLookup = 2, Collective = 3, ReadResp = 4, ReadData = 5 };
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
