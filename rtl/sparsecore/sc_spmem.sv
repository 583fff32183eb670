// sc_spmem: the SparseCore lookup unit's share of Spmem: Slots row slots of MaxGroups 256-bit
// beats (slot * MaxGroups + beat), and per slot the number of beats it waits for and the number
// arrived. Ingest sets a slot's counts when it allocates the slot (alloc_*); the response stage
// writes beats (wr_*); combine asks whether its slot is complete (chk_slot_i, ready_o) and reads
// one beat per cycle (rd_*). Storage and counts have no reset: a slot's counts are set when it
// is allocated and read only behind a lookup queue entry that names it.
//
// Timing contract: a write and an allocation take effect at the edge that ends their cycle (an
// allocation of the slot being written wins: its counts start from zero). ready_o is
// combinational from the counts: a slot whose last beat is written at the edge ending cycle c
// is ready in c+1. A read (rd_en_i) in cycle c gives rd_data_o in c+1, held until the next read.
`default_nettype none

module sc_spmem #(
  parameter int unsigned MaxGroups = 8,  /// beats per slot (a power of two)
  parameter int unsigned Slots = 512,    /// row slots (a power of two)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned BeatW = sc_pkg::BeatW
) (
  input  wire logic                clk_i,
  // Write port (sc_response): one beat per cycle
  input  wire logic                wr_en_i,
  input  wire logic [SlotW-1:0]    wr_slot_i,
  input  wire logic [GW-1:0]       wr_beat_i,
  input  wire logic [BeatW-1:0]    wr_data_i,
  // Allocation (sc_ingest): the slot waits for alloc_beats_i beats
  input  wire logic                alloc_i,
  input  wire logic [SlotW-1:0]    alloc_slot_i,
  input  wire logic [GW:0]         alloc_beats_i,
  // Completion check and read port (sc_combine)
  input  wire logic [SlotW-1:0]    chk_slot_i,
  output logic                     ready_o,       ///< every beat of chk_slot_i has arrived
  input  wire logic                rd_en_i,
  input  wire logic [SlotW-1:0]    rd_slot_i,
  input  wire logic [GW-1:0]       rd_beat_i,
  output logic      [BeatW-1:0]    rd_data_o
);
  logic [GW:0]      need_q [Slots];            // beats a slot waits for
  logic [GW:0]      cnt_q [Slots];             // beats arrived
  logic [BeatW-1:0] spmem_q [Slots*MaxGroups]; // the rows: slot * MaxGroups + beat
  logic [BeatW-1:0] rd_q;

  always_ff @(posedge clk_i) begin
    if (wr_en_i) spmem_q[{wr_slot_i, wr_beat_i}] <= wr_data_i;
  end
  always_ff @(posedge clk_i) begin
    if (wr_en_i) cnt_q[wr_slot_i] <= cnt_q[wr_slot_i] + 1'b1;
    if (alloc_i) begin
      cnt_q[alloc_slot_i] <= '0;
      need_q[alloc_slot_i] <= alloc_beats_i;
    end
  end
  assign ready_o = cnt_q[chk_slot_i] == need_q[chk_slot_i];

  always_ff @(posedge clk_i) begin
    if (rd_en_i) rd_q <= spmem_q[{rd_slot_i, rd_beat_i}];
  end
  assign rd_data_o = rd_q;
endmodule

`default_nettype wire
