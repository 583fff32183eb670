// sc_combine: the combine stage of the SparseCore lookup unit. Walks the lookup queue in order,
// one 8-lane group per cycle, in two pipeline stages:
//   stage 1  the queue's head: waits until its slot's row has arrived (sc_spmem ready_o: the
//            stall that hides memory latency, counted) and its bag has an accumulator bank,
//            then reads the group from Spmem (a bf16 row: beat g/2, half g%2);
//   stage 2  acc = fp32_add(acc, fp32_mul(w, x)) on 8 lanes into the bag's bank, from +0 at the
//            bag's first lookup (bf16 values are widened exactly by appending 16 zero bits).
// Two accumulator banks of MaxGroups groups: one bag accumulates while the previous one flushes
// (sc_flush reads the bank through fl_*). A bag end (its last lookup's last group, or an entry
// without lookup that closes an empty bag) marks its bank full; flush empties it. A window-end
// entry frees the window's slots (free_o) when it leaves the queue.
//
// Timing contract: a group enters stage 1 (fire) in a cycle c where the head is valid, its slot
// ready and the bank free: the Spmem read is issued in c, the multiply-add runs in c+1 and the
// accumulator is written at the edge ending c+1; for a bag's last group the bank is full from
// c+2, so flush can send its first beat in c+2. A lookup takes `groups` cycles (one per group),
// its queue entry popped with its last group; an entry without lookup takes one cycle.
`default_nettype none

module sc_combine #(
  parameter int unsigned MaxGroups = 8,   /// largest row: MaxGroups x 8 elements
  parameter int unsigned Slots = 512,     /// Spmem row slots
  parameter int unsigned NumTables = 4,   /// embedding tables configured at once
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned RingW = SlotW + 1,
  localparam int unsigned TabW = $clog2(NumTables),
  localparam int unsigned GW = $clog2(MaxGroups),
  localparam int unsigned BeatW = sc_pkg::BeatW,
  localparam int unsigned Lanes = sc_pkg::Lanes,
  localparam int unsigned NumStats = sc_pkg::NumStats,
  localparam int unsigned LkW = 1 + SlotW + 32 + TabW + 1 + 1 + RingW
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Lookup queue head (sc_fifo): {lookup, slot, weight, table, bag last, window end, free-to}
  input  wire logic                          lk_empty_i,
  input  wire logic [LkW-1:0]                lk_data_i,
  output logic                               lk_pop_o,
  // Configuration (sc_config), per table t in bits [t*W +: W]
  input  wire logic [NumTables*(GW+1)-1:0]   tc_groups_i,
  input  wire logic [NumTables-1:0]          tc_bf16_i,
  // Spmem (sc_spmem): completion check and read port
  output logic      [SlotW-1:0]              chk_slot_o,
  input  wire logic                          slot_ready_i,
  output logic                               rd_en_o,
  output logic      [SlotW-1:0]              rd_slot_o,
  output logic      [GW-1:0]                 rd_beat_o,
  input  wire logic [BeatW-1:0]              rd_data_i,     ///< the beat read in the previous cycle
  // Slot ring (sc_slot_ring): a window's slots are free up to free_to_o
  output logic                               free_o,
  output logic      [RingW-1:0]              free_to_o,
  // Accumulator banks, flush side (sc_flush)
  input  wire logic                          fl_bank_i,     ///< the bank being flushed
  input  wire logic [GW-1:0]                 fl_group_i,    ///< the group it reads
  output logic      [Lanes*32-1:0]           fl_acc_o,      ///< that group's 8 fp32 lanes
  output logic                               fl_full_o,     ///< the bank holds a finished bag
  output logic                               fl_zero_o,     ///< it is an empty bag (zeros)
  input  wire logic                          fl_done_i,     ///< the bank's last group is taken
  // Status
  output logic                               idle_o,        ///< stage 2 empty, both banks empty
  output logic      [NumStats-1:0]           stat_o         ///< counter increments (sc_pkg::St*) of this stage
);
  // ---- stage 1: the lookup queue's head reads one group from Spmem ----------------------------
  logic             e_lk, e_last, e_eend;
  logic [SlotW-1:0] e_slot;
  logic [31:0]      e_w;
  logic [TabW-1:0]  e_tab;
  logic [RingW-1:0] e_free;
  logic [GW:0]      e_groups;
  logic             e_bf16, slot_ready, bank_ok, fire1, e_lastg, lk_pop;
  logic             cb_q, in_bag_q;
  logic [GW-1:0]    g_q;
  logic [1:0]       full_q, zero_q;

  assign {e_lk, e_slot, e_w, e_tab, e_last, e_eend, e_free} = lk_data_i;
  assign e_groups = tc_groups_i[e_tab*(GW+1) +: GW+1];
  assign e_bf16 = tc_bf16_i[e_tab];
  assign e_lastg = (GW+1)'(g_q) + 1'b1 >= e_groups;
  assign chk_slot_o = e_slot;
  assign slot_ready = slot_ready_i;
  assign bank_ok = in_bag_q || !full_q[cb_q];
  assign fire1 = !lk_empty_i && (e_lk ? (slot_ready && bank_ok) : (!e_last || bank_ok));
  assign lk_pop = fire1 && (!e_lk || e_lastg);
  assign lk_pop_o = lk_pop;
  assign rd_en_o = fire1 && e_lk;
  assign rd_slot_o = e_slot;
  assign rd_beat_o = e_bf16 ? g_q >> 1 : g_q;
  assign free_o = lk_pop && e_eend;
  assign free_to_o = e_free;

  // stage-2 registers
  logic             s2_v_q, s2_mac_q, s2_bank_q, s2_half_q, s2_bf16_q, s2_first_q, s2_close_q, s2_zero_q;
  logic [GW-1:0]    s2_g_q;
  logic [31:0]      s2_w_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cb_q <= 1'b0;
      in_bag_q <= 1'b0;
      g_q <= '0;
      s2_v_q <= 1'b0;
      s2_mac_q <= 1'b0;
      s2_bank_q <= 1'b0;
      s2_half_q <= 1'b0;
      s2_bf16_q <= 1'b0;
      s2_first_q <= 1'b0;
      s2_close_q <= 1'b0;
      s2_zero_q <= 1'b0;
      s2_g_q <= '0;
      s2_w_q <= '0;
    end else begin
      s2_v_q <= 1'b0;
      if (fire1) begin
        if (e_lk) begin
          s2_v_q <= 1'b1;
          s2_mac_q <= 1'b1;
          s2_bank_q <= cb_q;
          s2_g_q <= g_q;
          s2_half_q <= e_bf16 && g_q[0];
          s2_bf16_q <= e_bf16;
          s2_w_q <= e_w;
          s2_first_q <= !in_bag_q;
          s2_close_q <= e_last && e_lastg;
          g_q <= e_lastg ? '0 : g_q + 1'b1;
          if (e_lastg) in_bag_q <= !e_last;
          if (e_lastg && e_last) cb_q <= !cb_q;
        end else if (e_last) begin
          s2_v_q <= 1'b1;
          s2_mac_q <= 1'b0;
          s2_bank_q <= cb_q;
          s2_zero_q <= !in_bag_q;
          in_bag_q <= 1'b0;
          cb_q <= !cb_q;
        end
      end
    end
  end

  // ---- stage 2: acc = acc + w * x on 8 lanes ------------------------------------------------------
  logic [BeatW-1:0]     acc_q [2*MaxGroups];
  logic [Lanes*32-1:0]  s2_acc, s2_sum;
  assign s2_acc = acc_q[{s2_bank_q, s2_g_q}];
  for (genvar l = 0; l < Lanes; l++) begin : gen_mac
    logic [31:0] x, p, a;
    assign x = s2_bf16_q ? {rd_data_i[(l + (s2_half_q ? Lanes : 0)) * 16 +: 16], 16'h0000} : rd_data_i[l*32 +: 32];
    assign a = s2_first_q ? 32'd0 : s2_acc[l*32 +: 32];
    fp32_mul u_mul (.a_i(s2_w_q), .b_i(x), .p_o(p));
    fp32_add u_add (.a_i(a), .b_i(p), .s_o(s2_sum[l*32 +: 32]));
  end
  always_ff @(posedge clk_i) begin
    if (s2_v_q && s2_mac_q) acc_q[{s2_bank_q, s2_g_q}] <= s2_sum;
  end

  // ---- the banks: filled here, emptied by the flush ---------------------------------------------
  assign fl_acc_o = acc_q[{fl_bank_i, fl_group_i}];
  assign fl_full_o = full_q[fl_bank_i];
  assign fl_zero_o = zero_q[fl_bank_i];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_q <= '0;
      zero_q <= '0;
    end else begin
      if (fl_done_i) full_q[fl_bank_i] <= 1'b0;
      // a bank is filled only after the flush emptied it (stage 1 checks), never the same one
      if (s2_v_q && (!s2_mac_q || s2_close_q)) begin
        full_q[s2_bank_q] <= 1'b1;
        zero_q[s2_bank_q] <= !s2_mac_q && s2_zero_q;
      end
    end
  end

  // ---- status -------------------------------------------------------------------------------------
  assign idle_o = !s2_v_q && full_q == 2'b00;
  always_comb begin
    stat_o = '0;
    if (!lk_empty_i && !fire1) begin
      if (e_lk && !slot_ready) stat_o[sc_pkg::StStallData] = 1'b1;
      else stat_o[sc_pkg::StStallBank] = 1'b1;
    end
  end
endmodule

`default_nettype wire
