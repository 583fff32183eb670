// chip_pkg: the host address map, registers, DMA commands and packet fields of the chip top
// (rtl/chip/chip_top.sv). C++ twin: tb/chip_regs.hpp (keep in step).
//
// Host bus (chip_top h_*): 32-bit word addresses, 128-bit data; region in bits [31:28]:
//   RegionMem       memory word addr[15:0] (read and write)
//   RegionReg       chip registers, addr[7:0] (Reg* below)
//   RegionScCfg     SparseCore configuration register addr[9:0] (sc_pkg Cfg*), write only
//   RegionScLookup  push one lookup beat into the SparseCore (LookupW layout), write only
//   RegionMxu       addr[1:0]: 0 MXU command (MxuCmd* layout), 1 weight row, 2 activation row
// Reads return h_rdata_o with h_rvalid_o one cycle after the request was taken.
//
// Memory words are 128 bits (4 fp32). Packets (ici_pkg head layout) the chip sends and takes;
// requests (message class 0) first, then responses (class 1):
//   PktWrite       head tag [143:128] remote word address, [148:145] semaphore class (the
//                  receiver counts words per type and class: StSem); then 1..MaxBody body
//                  flits of one word each (data bits [127:0]).
//   PktCollective  the same layout; the receiver ADDS each word into its memory (4 fp32 lanes,
//                  fp32_add) instead of writing it.
//   PktReadReq     head tag [143:128] the word address to read at the receiver, [148:145] the
//                  semaphore class of the answer; one body flit: [89:0] reply-to coordinate,
//                  [105:90] reply word address, [121:106] words. The receiver answers with
//                  PktReadData packets.
//   PktEmbLookup   a SparseCore row request (sc_pkg): served from the embedding table layout
//                  below, answered with PktReadResp.
//   PktReadData    the words a PktReadReq asked for, in the PktWrite layout (written at the
//                  tagged address, counted as written words, read-response words and StSem).
//   PktReadResp    a SparseCore row response: delivered whole to the local SparseCore.
// Embedding tables in memory: beat b of local row r of table t is the word pair at
// base[t] + r * stride[t] + 2 * b (a 256-bit beat is two words, low half first).
//
// Written in the Verilator 5.006 / Yosys 0.23 common subset (docs/architecture.md, "Tool workarounds").
`default_nettype none

package chip_pkg;

  localparam int unsigned WordW = 128;
  localparam int unsigned AW = 16;           // memory word address bits
  localparam int unsigned MaxBody = 16;      // words per write/collective packet
  localparam int unsigned NumTables = 4;     // embedding table layouts

  localparam logic [3:0] RegionMem = 4'd0;
  localparam logic [3:0] RegionReg = 4'd1;
  localparam logic [3:0] RegionScCfg = 4'd2;
  localparam logic [3:0] RegionScLookup = 4'd3;
  localparam logic [3:0] RegionMxu = 4'd4;

  // Registers (RegionReg)
  localparam logic [7:0] RegOwn = 8'd0;      // [89:0] own phext coordinate (router and packets)
  localparam logic [7:0] RegCube = 8'd1;     // [11:0] chips per cube (phext_pkg::cube_shape_t)
  localparam logic [7:0] RegSlice = 8'd2;    // [29:0] slice shape in chips (gpos_t)
  localparam logic [7:0] RegWrap = 8'd3;     // [2:0] wrap links x, y, z
  localparam logic [7:0] RegShift = 8'd4;    // [9:0] x wrap shift along y, [19:10] along z, [29:20] y wrap along z
  localparam logic [7:0] RegApply = 8'd5;    // write: load the registers above into the router
  localparam logic [7:0] RegOwnPos = 8'd6;   // [29:0] own global position (packet source field)
  localparam logic [7:0] RegEmb = 8'd8;      // + t: [15:0] base word, [31:16] stride in words
  localparam logic [7:0] RegScOut = 8'd16;   // [15:0] base word of bag results, [19:16] groups per bag
  localparam logic [7:0] RegMxuOut = 8'd17;  // [15:0] base word of MXU result rows
  localparam logic [7:0] RegDmaDest = 8'd32; // [89:0] destination of the next DMA command
  localparam logic [7:0] RegDmaPush = 8'd33; // write: queue a DMA command (DmaCmd* layout)
  localparam logic [7:0] RegStat = 8'd48;    // + k: counters and status (read only, Stat*)

  // DMA command word
  localparam int unsigned DmaOpLsb = 0;      // 2 bits: DmaWrite, DmaAdd, DmaRead
  localparam int unsigned DmaSemLsb = 2;     // 4 bits: the receiver counts the words in this class
  localparam int unsigned DmaLaneLsb = 8;    // 3 bits: the send lane (chip_top Lanes; 0 is the full path)
  localparam int unsigned DmaLaddrLsb = 16;  // local word address
  localparam int unsigned DmaRaddrLsb = 32;  // remote word address
  localparam int unsigned DmaLenLsb = 48;    // words, 16 bits
  localparam logic [1:0] DmaWrite = 2'd0;    // local -> remote, written
  localparam logic [1:0] DmaAdd = 2'd1;      // local -> remote, added (collective step)
  localparam logic [1:0] DmaRead = 2'd2;     // remote -> local (read request, write-back answer)

  // Lookup beat (RegionScLookup): [15:0] sample, [17:16] table, [63:32] id, [95:64] fp32 weight,
  // [96] last, [97] empty bag, [98] batch end
  localparam int unsigned LkSampleLsb = 0;
  localparam int unsigned LkTableLsb = 16;
  localparam int unsigned LkIdLsb = 32;
  localparam int unsigned LkWeightLsb = 64;
  localparam int unsigned LkLast = 96;
  localparam int unsigned LkEmpty = 97;
  localparam int unsigned LkBatchEnd = 98;

  // MXU command word: [1:0] op (mxu_pkg), [2] accumulate, [31:16] first row, [47:32] rows
  localparam int unsigned MxuOpLsb = 0;
  localparam int unsigned MxuAcc = 2;
  localparam int unsigned MxuAddrLsb = 16;
  localparam int unsigned MxuCountLsb = 32;

  // Counters (RegStat + k), 32 bits, wrapping
  localparam int unsigned StWordsWritten = 0;  // words written by PktWrite packets received
  localparam int unsigned StWordsAdded = 1;    // words added by PktCollective packets received
  localparam int unsigned StRespWords = 2;     // of the written words, read data (PktReadData)
  localparam int unsigned StPktsSent = 3;      // packets injected (every lane)
  localparam int unsigned StPktsRecv = 4;      // packets ejected (heads taken by the receiver)
  localparam int unsigned StLookupsServed = 5; // SparseCore row requests queued for an answer
  localparam int unsigned StReadsServed = 6;   // read requests queued for an answer
  localparam int unsigned StBadPkts = 7;       // packets of an unknown type or the wrong class, dropped
  localparam int unsigned StStatus = 8;        // status bits (Sb*)
  localparam int unsigned StDropZ = 9;         // router: packets for another slice
  localparam int unsigned StDropShape = 10;    // router: packets outside the slice
  localparam int unsigned StSem = 16;          // + add * 8 + sem: words received by class (semaphores)
  localparam int unsigned NumSems = 16;
  localparam int unsigned NumStats = StSem + 2 * NumSems;
  localparam int unsigned SbIdle = 0, SbDmaIdle = 1, SbScIdle = 2, SbMxuIdle = 3, SbCfgOk = 4;
  localparam int unsigned SbScErr = 5;         // 3 bits
  localparam int unsigned SbMxuErr = 8, SbOverflow = 9;

  // Packet tag fields (bit 144 and bits 149.. are 0)
  localparam int unsigned TagAddrLsb = 128;
  localparam int unsigned TagSemLsb = 145;   // 4 bits
  localparam int unsigned RrReplyLsb = 0;
  localparam int unsigned RrAddrLsb = 90;
  localparam int unsigned RrLenLsb = 106;

  // The head tag (the 32 bits at ici_pkg::HeadTagLsb) of a write, add, read request or read
  // data packet: the remote word address (TagAddr) and the semaphore class (TagSem).
  function automatic logic [31:0] req_tag(input logic [3:0] sem, input logic [15:0] raddr);
    req_tag = '0;
    req_tag[TagAddrLsb - ici_pkg::HeadTagLsb +: 16] = raddr;
    req_tag[TagSemLsb - ici_pkg::HeadTagLsb +: 4] = sem;
  endfunction

endpackage

`default_nettype wire
