// The C++ twin of rtl/chip/chip_pkg.sv: host addresses, registers, DMA commands and counters
// of the chip top. Keep in step with chip_pkg.
#pragma once

#include <array>
#include <cstdint>

namespace phtpu::chip {

using Word = std::array<std::uint32_t, 4>; ///< one 128-bit memory word, 4 fp32 lanes

inline constexpr unsigned kMaxBody = 16;
inline constexpr std::uint32_t region(unsigned r) { return static_cast<std::uint32_t>(r) << 28; }
inline constexpr std::uint32_t kRegionMem = region(0), kRegionReg = region(1), kRegionScCfg = region(2),
                               kRegionScLookup = region(3), kRegionMxu = region(4);
enum Reg : unsigned {
  RegOwn = 0, RegCube = 1, RegSlice = 2, RegWrap = 3, RegShift = 4, RegApply = 5, RegOwnPos = 6, RegEmb = 8,
  RegScOut = 16, RegMxuOut = 17, RegDmaDest = 32, RegDmaPush = 33, RegStat = 48
};
enum DmaOp : unsigned { DmaWrite = 0, DmaAdd = 1, DmaRead = 2 };
enum Stat : unsigned {
  StWordsWritten = 0, StWordsAdded = 1, StRespWords = 2, StPktsSent = 3, StPktsRecv = 4, StLookupsServed = 5,
  StReadsServed = 6, StBadPkts = 7, StStatus = 8, StDropZ = 9, StDropShape = 10, StSem = 16
};
inline constexpr unsigned kNumSems = 16;
inline constexpr unsigned kNumStats = StSem + 2 * kNumSems;
/// Counter of the words received in semaphore class `sem` by adds (collective) or writes.
inline constexpr unsigned sem_stat(bool add, unsigned sem) { return StSem + (add ? kNumSems : 0) + sem; }
enum StatusBit : unsigned { SbIdle = 0, SbDmaIdle = 1, SbScIdle = 2, SbMxuIdle = 3, SbCfgOk = 4, SbScErr = 5,
                            SbMxuErr = 8, SbOverflow = 9 };

/// The DMA command word (chip_pkg Dma*).
inline Word dma_cmd(DmaOp op, unsigned sem, std::uint32_t laddr, std::uint32_t raddr, std::uint32_t len) {
  // [1:0] op, [5:2] sem, [31:16] local address, [47:32] remote address, [63:48] words
  return {op | (sem << 2) | ((laddr & 0xFFFFu) << 16), (raddr & 0xFFFFu) | ((len & 0xFFFFu) << 16), 0, 0};
}

} // namespace phtpu::chip
