// The C++ view of rtl/chip/chip_pkg.sv: host addresses, registers, DMA commands and counters
// of the chip top. Every value comes from chip_pkg (rtl_params.hpp, generated at build time).
#pragma once

#include "rtl_params.hpp"

#include <array>
#include <cstdint>

namespace phtpu::chip {

using Word = std::array<std::uint32_t, 4>; ///< one 128-bit memory word, 4 fp32 lanes

namespace pkg = rtl::chip_pkg;

inline constexpr unsigned kMaxBody = pkg::MaxBody;
/// A host address: the region in the top 4 bits (chip_top decodes host_addr_i[31:28]).
inline constexpr std::uint32_t region(unsigned r) { return static_cast<std::uint32_t>(r) << 28; }
inline constexpr std::uint32_t kRegionMem = region(pkg::RegionMem), kRegionReg = region(pkg::RegionReg),
                               kRegionScCfg = region(pkg::RegionScCfg), kRegionScLookup = region(pkg::RegionScLookup),
                               kRegionMxu = region(pkg::RegionMxu);
enum Reg : unsigned {
  RegOwn = pkg::RegOwn, RegCube = pkg::RegCube, RegSlice = pkg::RegSlice, RegWrap = pkg::RegWrap,
  RegShift = pkg::RegShift, RegApply = pkg::RegApply, RegOwnPos = pkg::RegOwnPos, RegEmb = pkg::RegEmb,
  RegScOut = pkg::RegScOut, RegMxuOut = pkg::RegMxuOut, RegDmaDest = pkg::RegDmaDest, RegDmaPush = pkg::RegDmaPush,
  RegStat = pkg::RegStat
};
enum DmaOp : unsigned { DmaWrite = pkg::DmaWrite, DmaAdd = pkg::DmaAdd, DmaRead = pkg::DmaRead };
enum Stat : unsigned {
  StWordsWritten = pkg::StWordsWritten, StWordsAdded = pkg::StWordsAdded, StRespWords = pkg::StRespWords,
  StPktsSent = pkg::StPktsSent, StPktsRecv = pkg::StPktsRecv, StLookupsServed = pkg::StLookupsServed,
  StReadsServed = pkg::StReadsServed, StBadPkts = pkg::StBadPkts, StStatus = pkg::StStatus, StDropZ = pkg::StDropZ,
  StDropShape = pkg::StDropShape, StSem = pkg::StSem
};
inline constexpr unsigned kNumSems = pkg::NumSems;
inline constexpr unsigned kNumStats = pkg::NumStats;
/// Counter of the words received in semaphore class `sem` by adds (collective) or writes.
inline constexpr unsigned sem_stat(bool add, unsigned sem) { return StSem + (add ? kNumSems : 0) + sem; }
enum StatusBit : unsigned {
  SbIdle = pkg::SbIdle, SbDmaIdle = pkg::SbDmaIdle, SbScIdle = pkg::SbScIdle, SbMxuIdle = pkg::SbMxuIdle,
  SbCfgOk = pkg::SbCfgOk, SbScErr = pkg::SbScErr, SbMxuErr = pkg::SbMxuErr, SbOverflow = pkg::SbOverflow
};

/// Send lanes of the chip (chip_top Lanes): lane 0 is the full path, the others data lanes.
inline constexpr unsigned kLanes = rtl::chip_top::Lanes;

/// The DMA command word (chip_pkg Dma*): op, semaphore class, send lane, local and remote word
/// address, length in words. The 16-bit fields sit in one 32-bit lane each half.
inline Word dma_cmd(DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr, std::uint32_t len,
                    unsigned lane = 0) {
  static_assert(pkg::DmaOpLsb == 0 && pkg::DmaLaddrLsb == 16 && pkg::DmaRaddrLsb == 32 && pkg::DmaLenLsb == 48,
                "dma_cmd packs the fields at these offsets");
  return {op | (sem << pkg::DmaSemLsb) | ((lane & 7u) << pkg::DmaLaneLsb) | ((laddr & 0xFFFFu) << pkg::DmaLaddrLsb),
          (raddr & 0xFFFFu) | ((len & 0xFFFFu) << (pkg::DmaLenLsb - 32)), 0, 0};
}

} // namespace phtpu::chip
