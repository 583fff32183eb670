// sc_slot_ring: the Spmem slot ring and the dedup windows ("epochs") of the SparseCore lookup
// unit. Slots are allocated in ring order at head_q, one per row that misses the dedup table,
// and freed a window at a time up to tail_q. A window closes after a beat flagged batch end, or
// when it has allocated Slots/2 rows, so two windows fit in the ring: one being combined, one
// filling. The lookup queue entry that ends a window carries the ring position to free to;
// combine frees the window's slots (free_i) once it has passed that entry, i.e. its last lookup.
//
// Timing contract: head_o, space_o and close_o are combinational, from registered state and the
// ingest stage's current beat (need_alloc_i, batch_end_i), in the same cycle; head_q advances
// and the window count moves at the edge that ends a cycle with go_i; tail_q moves at the edge
// that ends a cycle with free_i. A slot freed at that edge can be allocated in the next cycle.
`default_nettype none

module sc_slot_ring #(
  parameter int unsigned Slots = 512,  /// Spmem row slots (a power of two)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned RingW = SlotW + 1
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             go_i,          ///< the ingest beat leaves this cycle
  input  wire logic             need_alloc_i,  ///< it takes a new slot
  input  wire logic             batch_end_i,   ///< it is flagged batch end
  input  wire logic             free_i,        ///< combine passed a window's end: free up to free_to_i
  input  wire logic [RingW-1:0] free_to_i,
  output logic      [RingW-1:0] head_o,        ///< ring position of the next slot to allocate
  output logic                  space_o,       ///< a slot is free
  output logic                  close_o        ///< the window closes with the ingest beat
);
  localparam int unsigned EpochSlots = Slots / 2;

  logic [RingW-1:0] head_q, tail_q;   // allocate at head, free up to tail
  logic [SlotW-1:0] epoch_cnt_q;      // slots allocated in the current window
  logic [RingW-1:0] ring_used;
  logic             close;

  assign ring_used = head_q - tail_q;
  assign space_o = ring_used < RingW'(Slots);
  assign close = batch_end_i || (need_alloc_i && epoch_cnt_q == SlotW'(EpochSlots - 1));
  assign close_o = close;
  assign head_o = head_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      head_q <= '0;
      tail_q <= '0;
      epoch_cnt_q <= '0;
    end else begin
      if (go_i) begin
        if (need_alloc_i) head_q <= head_q + 1'b1;
        epoch_cnt_q <= close ? '0 : epoch_cnt_q + SlotW'(need_alloc_i);
      end
      if (free_i) tail_q <= free_to_i;
    end
  end
endmodule

`default_nettype wire
