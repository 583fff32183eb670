// sc_dedup: the dedup table of the SparseCore lookup unit: HashSets x HashWays entries, key
// {table, id}, value the Spmem slot that holds (or will hold) the row. The set is
// sc_pkg::dedup_set (Fibonacci hashing of the key). Within a dedup window a lookup whose key is
// in the table reuses its slot; a row that takes a new slot is inserted in the lowest free way
// of its set, or not at all when the set is full (the row is then fetched again on its next
// lookup in the window: only the dedup ratio changes, never a result). The window's end clears
// every entry.
//
// Timing contract: the probe is combinational (tab_i, id_i to hit_o, hit_slot_o, has_free_o
// in the same cycle, from registered entries). insert_i writes at the clock edge that ends its
// cycle (when the set has a free way); clear_i empties the table at that edge, overriding an
// insert in the same cycle. The entries are visible to the probe from the next cycle.
`default_nettype none

module sc_dedup #(
  parameter int unsigned Slots = 512,     /// Spmem row slots
  parameter int unsigned HashSets = 256,  /// sets (a power of two, 2..65536)
  parameter int unsigned HashWays = 4,    /// ways per set
  parameter int unsigned NumTables = 4,   /// embedding tables configured at once
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned IdW = sc_pkg::IdW
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic [TabW-1:0]  tab_i,       ///< key: table
  input  wire logic [IdW-1:0]   id_i,        ///< key: vocabulary id
  output logic                  hit_o,       ///< the key is in the table
  output logic      [SlotW-1:0] hit_slot_o,  ///< its slot
  output logic                  has_free_o,  ///< the key's set has a free way
  input  wire logic             insert_i,    ///< insert the key with slot_i (if has_free_o)
  input  wire logic [SlotW-1:0] slot_i,
  input  wire logic             clear_i      ///< the dedup window ends: empty the table
);
  localparam int unsigned SetW = $clog2(HashSets);
  localparam int unsigned Entries = HashSets * HashWays;
  localparam int unsigned KeyW = TabW + IdW;

  logic [Entries-1:0] hval_q;
  logic [KeyW-1:0]    hkey_q [Entries];
  logic [SlotW-1:0]   hslot_q [Entries];
  logic [SetW-1:0]    set;
  logic [KeyW-1:0]    key;
  logic               hit, has_free;
  logic [SlotW-1:0]   hit_slot;
  logic [$clog2(Entries)-1:0] free_idx;
  logic [15:0]        set_wide;

  assign set_wide = sc_pkg::dedup_set(2'(tab_i), id_i, SetW);
  assign set = set_wide[SetW-1:0];
  assign key = {tab_i, id_i};
  always_comb begin
    hit = 1'b0;
    hit_slot = '0;
    has_free = 1'b0;
    free_idx = '0;
    for (int w = HashWays - 1; w >= 0; w--) begin
      // lowest matching / free way wins
      if (hval_q[set * HashWays + w] && hkey_q[set * HashWays + w] == key) begin
        hit = 1'b1;
        hit_slot = hslot_q[set * HashWays + w];
      end
      if (!hval_q[set * HashWays + w]) begin
        has_free = 1'b1;
        free_idx = ($clog2(Entries))'(set * HashWays + w);
      end
    end
  end
  assign hit_o = hit;
  assign hit_slot_o = hit_slot;
  assign has_free_o = has_free;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hval_q <= '0;
    end else begin
      if (insert_i && has_free) hval_q[free_idx] <= 1'b1;
      if (clear_i) hval_q <= '0; // a new dedup window (overrides this cycle's insert)
    end
  end
  // keys and slots without reset: read only behind a valid bit
  always_ff @(posedge clk_i) begin
    if (insert_i && has_free) begin
      hkey_q[free_idx] <= key;
      hslot_q[free_idx] <= slot_i;
    end
  end
endmodule

`default_nettype wire
