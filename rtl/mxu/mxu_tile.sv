// mxu_tile: one MXU: an N x N bf16 weight-stationary systolic array (mxu_array.sv) with
// double-buffered weights, fp32 accumulators and a command interface. It computes
//   acc[addr+m][n] (+)= sum_k A[m][k] * W[k][n]      k, n < N,  m < count
// for each STREAM command, with the weight tile W of the last LOAD. K > N is folded by
// streaming the same rows again with the next weight tile in accumulate mode.
//
// Interfaces (all valid/ready; a beat moves when both are high at a rising edge):
//   cmd    {op, acc, addr, count} (mxu_pkg): LOAD takes N beats on w_*; STREAM takes count rows
//          on a_* and writes (acc = 0: overwrite) or adds (acc = 1: accumulate) results into
//          accumulator rows addr..addr+count-1; DRAIN sends rows addr..addr+count-1 on r_*.
//          A command with a bad opcode, count 0 or a range past AccRows is dropped and sets
//          err_cmd_o (sticky).
//   w      one row of the weight tile per beat, bottom row (k = N-1) first, k = 0 last.
//   a      one row of activations per beat: element k in bits [k*16 +: 16].
//   r      one accumulator row per beat, with its address; r_ready_i may stall it at will.
// Commands are taken in order and run on three engines that overlap:
//   loader    takes a LOAD once the previously loaded tile has been claimed by a stream
//             (its first row has entered the array); the beats shift into the shadow weights
//             while the array still computes with the active ones.
//   streamer  holds the running STREAM and one more; a STREAM is taken once every earlier
//             LOAD is complete and its rows do not overlap the rows a running DRAIN has still
//             to read. The first row of a stream that follows a LOAD claims the new weights
//             (a_swap, which travels with the row through the array), so consecutive streams
//             run back to back with no bubble as long as each has at least N+3 rows.
//   drainer   reads row r once every earlier STREAM has written it: it follows the last
//             stream's writes row by row, so draining overlaps the end of a computation.
// Timing contract: a row accepted on a_* at cycle c has its column-n result written into the
// accumulators at the end of cycle c+N+n+1 (column N-1 last, at c+2N); a drain can read it in
// the next cycle and it is on r_data_o one cycle after that. Results leave row by row.
// Output deskew: column n of the array finishes row m n cycles after column 0; each column of
// accumulators writes at its own time, following the row's address down a control pipeline,
// so no 32-bit deskew registers are needed and drained rows are aligned.
// Numerics: bf16 x bf16 exact products, fp32 sums rounded to nearest even, column sums added
// top row first starting from +0, accumulate mode adds the column sum to the stored value;
// subnormals flush to zero (bf16_mul.sv, fp32_add.sv, docs/blocks/mxu.md).
`default_nettype none

module mxu_tile #(
  parameter int unsigned N = 8,          /// array rows = columns, 4..128
  parameter int unsigned AccRows = 2048, /// accumulator rows (each N fp32 values), >= 2
  localparam int unsigned AddrW = $clog2(AccRows),
  localparam int unsigned CountW = AddrW + 1
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  // Commands
  input  wire logic              cmd_valid_i,
  output logic                   cmd_ready_o,
  input  wire logic [1:0]        cmd_op_i,    ///< mxu_pkg::OpLoad, OpStream, OpDrain
  input  wire logic              cmd_acc_i,   ///< STREAM: 1 accumulate, 0 overwrite
  input  wire logic [AddrW-1:0]  cmd_addr_i,  ///< STREAM, DRAIN: first accumulator row
  input  wire logic [CountW-1:0] cmd_count_i, ///< STREAM, DRAIN: rows, 1..AccRows-addr
  // Weight beats
  input  wire logic              w_valid_i,
  output logic                   w_ready_o,
  input  wire logic [N*16-1:0]   w_data_i,    ///< bf16 W[k][n] in bits [n*16 +: 16]
  // Activation rows
  input  wire logic              a_valid_i,
  output logic                   a_ready_o,
  input  wire logic [N*16-1:0]   a_data_i,    ///< bf16 A[m][k] in bits [k*16 +: 16]
  // Result rows
  output logic                   r_valid_o,
  input  wire logic              r_ready_i,
  output logic      [N*32-1:0]   r_data_o,    ///< fp32 acc[addr][n] in bits [n*32 +: 32]
  output logic      [AddrW-1:0]  r_addr_o,
  // Status
  output logic                   idle_o,      ///< no command pending or running, nothing in flight
  output logic                   err_cmd_o    ///< a bad command was dropped (sticky)
);
  localparam int unsigned SeqW = mxu_pkg::SeqW;
  localparam int unsigned BeatW = $clog2(N) + 1;
  // control word that follows each row down the pipeline: {valid, last, acc, seq, addr}
  localparam int unsigned CtlW = 3 + SeqW + AddrW;
  localparam int unsigned CAddr = 0;
  localparam int unsigned CSeq = AddrW;
  localparam int unsigned CAcc = AddrW + SeqW;
  localparam int unsigned CLast = CAcc + 1;
  localparam int unsigned CValid = CAcc + 2;

  if (N < 4 || N > 128) begin : gen_bad_n
    mxu_tile_N_must_be_4_to_128 u_error();
  end
  if (AccRows < 2) begin : gen_bad_acc_rows
    mxu_tile_AccRows_must_be_at_least_2 u_error();
  end

  // ---- command register and dispatch ------------------------------------------------------
  logic              pend_q, p_acc_q;
  logic [1:0]        p_op_q;
  logic [AddrW-1:0]  p_addr_q;
  logic [CountW-1:0] p_count_q;
  logic [CountW:0]   p_end;      // p_addr + p_count, one bit wider
  logic              p_bad, dispatch, can_load, can_stream, can_drain, swap_pending, drain_overlap;

  // engines (declared here, described below)
  logic              ld_active_q, shadow_full_q;
  logic [BeatW-1:0]  ld_left_q;
  logic              cv_q, cacc_q, cswap_q, nv_q, nacc_q, nswap_q;
  logic [AddrW-1:0]  caddr_q, naddr_q;
  logic [CountW-1:0] cleft_q, nleft_q;
  logic [SeqW-1:0]   cseq_q, nseq_q, str_seq_q, retired_q;
  logic              dr_active_q, dr_deps_q;
  logic [CountW-1:0] dr_ptr_q, dr_end_q;
  logic [SeqW-1:0]   dr_need_q;

  // widened before the addition: addr + count can carry out of CountW bits
  assign p_end = (CountW+1)'(p_addr_q) + (CountW+1)'(p_count_q);
  assign p_bad = (p_op_q == mxu_pkg::OpBad) ||
                 (p_op_q != mxu_pkg::OpLoad && (p_count_q == '0 || p_end > (CountW+1)'(AccRows)));
  assign swap_pending = (cv_q && cswap_q) || (nv_q && nswap_q);
  assign drain_overlap = dr_active_q && ({1'b0, p_addr_q} < dr_end_q) && ({1'b0, dr_ptr_q} < p_end);
  assign can_load = !ld_active_q && !swap_pending;
  assign can_stream = !nv_q && !ld_active_q && !drain_overlap;
  assign can_drain = !dr_active_q;
  always_comb begin
    dispatch = 1'b0;
    if (pend_q) begin
      if (p_bad) dispatch = 1'b1;
      else if (p_op_q == mxu_pkg::OpLoad) dispatch = can_load;
      else if (p_op_q == mxu_pkg::OpStream) dispatch = can_stream;
      else dispatch = can_drain;
    end
  end
  assign cmd_ready_o = !pend_q || dispatch;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pend_q <= 1'b0;
      p_op_q <= '0;
      p_acc_q <= 1'b0;
      p_addr_q <= '0;
      p_count_q <= '0;
      err_cmd_o <= 1'b0;
    end else begin
      if (cmd_valid_i && cmd_ready_o) begin
        pend_q <= 1'b1;
        p_op_q <= cmd_op_i;
        p_acc_q <= cmd_acc_i;
        p_addr_q <= cmd_addr_i;
        p_count_q <= cmd_count_i;
      end else if (dispatch) begin
        pend_q <= 1'b0;
      end
      if (dispatch && p_bad) err_cmd_o <= 1'b1;
    end
  end

  logic go_load, go_stream, go_drain;
  assign go_load = dispatch && !p_bad && p_op_q == mxu_pkg::OpLoad;
  assign go_stream = dispatch && !p_bad && p_op_q == mxu_pkg::OpStream;
  assign go_drain = dispatch && !p_bad && p_op_q == mxu_pkg::OpDrain;

  // ---- loader -----------------------------------------------------------------------------
  logic beat;
  assign w_ready_o = ld_active_q;
  assign beat = w_valid_i && ld_active_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ld_active_q <= 1'b0;
      ld_left_q <= '0;
      shadow_full_q <= 1'b0;
    end else begin
      if (go_load) begin
        ld_active_q <= 1'b1;
        ld_left_q <= BeatW'(N);
      end else if (beat) begin
        ld_left_q <= ld_left_q - 1'b1;
        if (ld_left_q == BeatW'(1)) begin
          ld_active_q <= 1'b0;
          shadow_full_q <= 1'b1;
        end
      end
      if (go_stream) shadow_full_q <= 1'b0; // claimed by this stream (no beat can be running)
    end
  end

  // ---- streamer: the running stream (c*) and the next one (n*) ---------------------------
  logic issue;
  logic              cv_d, cacc_d, cswap_d, nv_d, nacc_d, nswap_d;
  logic [AddrW-1:0]  caddr_d, naddr_d;
  logic [CountW-1:0] cleft_d, nleft_d;
  logic [SeqW-1:0]   cseq_d, nseq_d;
  assign a_ready_o = cv_q;
  assign issue = a_valid_i && cv_q;
  always_comb begin
    {cv_d, cacc_d, cswap_d, caddr_d, cleft_d, cseq_d} = {cv_q, cacc_q, cswap_q, caddr_q, cleft_q, cseq_q};
    {nv_d, nacc_d, nswap_d, naddr_d, nleft_d, nseq_d} = {nv_q, nacc_q, nswap_q, naddr_q, nleft_q, nseq_q};
    if (issue) begin
      cswap_d = 1'b0;
      caddr_d = caddr_q + 1'b1;
      cleft_d = cleft_q - 1'b1;
      if (cleft_q == CountW'(1)) begin
        {cv_d, cacc_d, cswap_d, caddr_d, cleft_d, cseq_d} = {nv_q, nacc_q, nswap_q, naddr_q, nleft_q, nseq_q};
        nv_d = 1'b0;
      end
    end
    if (go_stream) begin
      if (!cv_d) {cv_d, cacc_d, cswap_d, caddr_d, cleft_d, cseq_d} = {1'b1, p_acc_q, shadow_full_q, p_addr_q, p_count_q, str_seq_q};
      else {nv_d, nacc_d, nswap_d, naddr_d, nleft_d, nseq_d} = {1'b1, p_acc_q, shadow_full_q, p_addr_q, p_count_q, str_seq_q};
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      {cv_q, cacc_q, cswap_q, caddr_q, cleft_q, cseq_q} <= '0;
      {nv_q, nacc_q, nswap_q, naddr_q, nleft_q, nseq_q} <= '0;
      str_seq_q <= '0;
    end else begin
      {cv_q, cacc_q, cswap_q, caddr_q, cleft_q, cseq_q} <= {cv_d, cacc_d, cswap_d, caddr_d, cleft_d, cseq_d};
      {nv_q, nacc_q, nswap_q, naddr_q, nleft_q, nseq_q} <= {nv_d, nacc_d, nswap_d, naddr_d, nleft_d, nseq_d};
      if (go_stream) str_seq_q <= str_seq_q + 1'b1;
    end
  end

  // ---- the array --------------------------------------------------------------------------
  logic [N*32-1:0] col_sum;
  mxu_array #(.N(N)) u_array (
    .clk_i,
    .rst_ni,
    .act_i      (a_data_i),
    .act_valid_i(issue),
    .act_swap_i (cswap_q),
    .w_i        (w_data_i),
    .w_valid_i  (beat),
    .w_first_i  (ld_left_q == BeatW'(N)),
    .ps_o       (col_sum)
  );

  // ---- control pipeline: each row's {valid, last, acc, seq, addr} reaches column n's
  // accumulators in the cycle its column-n sum leaves the array (c+N+n+1) --------------------
  logic [CtlW-1:0]       ctl_in;
  logic [(N+1)*CtlW-1:0] ctl_down_q;  // stage j (1..N+1) in bits [(j-1)*CtlW +: CtlW]
  logic [N*CtlW-1:0]     ctl_col;     // column n's control word
  logic [(N-1)*CtlW-1:0] ctl_across_q;
  assign ctl_in = {issue, cleft_q == CountW'(1), cacc_q, cseq_q, caddr_q};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ctl_down_q <= '0;
      ctl_across_q <= '0;
    end else begin
      ctl_down_q <= {ctl_down_q[N*CtlW-1:0], ctl_in};
      ctl_across_q <= ctl_col[(N-1)*CtlW-1:0];
    end
  end
  assign ctl_col[0 +: CtlW] = ctl_down_q[N*CtlW +: CtlW];
  assign ctl_col[CtlW +: (N-1)*CtlW] = ctl_across_q;

  // ---- accumulators: one memory per column ------------------------------------------------
  logic [N*32-1:0] acc_rd;  // row dr_ptr of every column, for the drainer
  for (genvar n = 0; n < N; n++) begin : gen_acc
    logic [31:0]      mem [AccRows];
    logic [CtlW-1:0]  ctl;
    logic [AddrW-1:0] waddr;
    logic [31:0]      sum;
    assign ctl = ctl_col[n*CtlW +: CtlW];
    assign waddr = ctl[CAddr +: AddrW];
    fp32_add u_acc_add (
      .a_i(mem[waddr]),
      .b_i(col_sum[n*32 +: 32]),
      .s_o(sum)
    );
    // accumulator memory: no reset (SRAM); a drain of never-written rows reads junk
    always_ff @(posedge clk_i) begin
      if (ctl[CValid]) mem[waddr] <= ctl[CAcc] ? sum : col_sum[n*32 +: 32];
    end
    assign acc_rd[n*32 +: 32] = mem[dr_ptr_q[AddrW-1:0]];
  end

  // ---- retirement: column N-1 is the last to write a row ----------------------------------
  logic [CtlW-1:0]   ctl_last;
  logic              tail_v_q;
  logic [SeqW-1:0]   tail_seq_q;
  logic [CountW-1:0] tail_next_q;  // one past the row column N-1 wrote last
  assign ctl_last = ctl_col[(N-1)*CtlW +: CtlW];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      retired_q <= '0;
      tail_v_q <= 1'b0;
      tail_seq_q <= '0;
      tail_next_q <= '0;
    end else if (ctl_last[CValid]) begin
      tail_v_q <= 1'b1;
      tail_seq_q <= ctl_last[CSeq +: SeqW];
      tail_next_q <= {1'b0, ctl_last[CAddr +: AddrW]} + 1'b1;
      if (ctl_last[CLast]) retired_q <= retired_q + 1'b1;
    end
  end

  // ---- drainer ----------------------------------------------------------------------------
  logic [SeqW-1:0] need_diff;
  logic            deps_now, rd_ok, r_load;
  assign need_diff = dr_need_q - retired_q;
  // every stream dispatched before the drain has retired. Latched (dr_deps_q): while the
  // result port stalls, later streams keep retiring and need_diff would wrap around.
  assign deps_now = dr_deps_q || need_diff == '0;
  // row dr_ptr is final when every earlier stream has retired, or all but the last have and
  // the last one has written past it
  assign rd_ok = dr_active_q &&
                 (deps_now ||
                  (need_diff == SeqW'(1) && tail_v_q && tail_seq_q == retired_q && dr_ptr_q < tail_next_q));
  assign r_load = rd_ok && (!r_valid_o || r_ready_i);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dr_active_q <= 1'b0;
      dr_deps_q <= 1'b0;
      dr_ptr_q <= '0;
      dr_end_q <= '0;
      dr_need_q <= '0;
      r_valid_o <= 1'b0;
      r_data_o <= '0;
      r_addr_o <= '0;
    end else begin
      if (dr_active_q && need_diff == '0) dr_deps_q <= 1'b1;
      if (go_drain) begin
        dr_active_q <= 1'b1;
        dr_deps_q <= 1'b0;
        dr_ptr_q <= {1'b0, p_addr_q};
        dr_end_q <= p_end[CountW-1:0];
        dr_need_q <= str_seq_q;
      end else if (r_load) begin
        dr_ptr_q <= dr_ptr_q + 1'b1;
        if (dr_ptr_q + 1'b1 == dr_end_q) dr_active_q <= 1'b0;
      end
      if (r_load) begin
        r_valid_o <= 1'b1;
        r_data_o <= acc_rd;
        r_addr_o <= dr_ptr_q[AddrW-1:0];
      end else if (r_ready_i) begin
        r_valid_o <= 1'b0;
      end
    end
  end

  assign idle_o = !pend_q && !ld_active_q && !cv_q && !nv_q && retired_q == str_seq_q &&
                  !dr_active_q && !r_valid_o;
endmodule

`default_nettype wire
