// sc_scale: the scale engines of the SparseCore lookup unit: per mean bag 1 / sum(w), per sqrt-n
// bag 1 / sqrt(sum(w*w)), each on one of ScaleUnits engines (an fp32_sqrt and an fp32_div,
// 27 cycles per operation). Requests {sqrt-n, sum w, sum w*w} come from the scale queue in bag
// order (sc_ingest pushes them); they are dealt to the engines in turn, and the results
// collected in the same turn into the scale-value queue, so the scales come out in bag order
// without tags while later bags stream in (sc_flush pops them).
//
// Timing contract: a request at the head of the scale queue in cycle t is dealt (req_pop_o) in t
// when the engine in turn is neither busy nor holding an uncollected result. Mean: the division
// starts at the edge ending t and finishes in t+27; the result is held from t+28, and pushed into
// the scale-value queue (res_push_o) in the first cycle from t+28 in which it is the result in
// turn and the queue has room, visible at its head the cycle after. Sqrt-n: the square root
// takes t..t+27 and the division starts in its done cycle, so the result is held from t+55. An
// engine takes its next request in the cycle after its result is collected at the earliest, so
// with results collected at once one engine takes a mean bag every 29 cycles (sqrt-n: 56), and
// the engines ScaleUnits bags per 29 (56) cycles.
`default_nettype none

module sc_scale #(
  parameter int unsigned ScaleUnits = 4,  /// engines (fp32_sqrt + fp32_div each), 1..8
  localparam int unsigned SrW = 1 + 32 + 32
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  // Scale queue head (sc_fifo): {sqrt-n, sum w, sum w*w}
  input  wire logic             req_empty_i,
  input  wire logic [SrW-1:0]   req_data_i,
  output logic                  req_pop_o,
  // Scale-value queue push (sc_fifo): the fp32 scale
  output logic                  res_push_o,
  output logic      [31:0]      res_data_o,
  input  wire logic             res_full_i,
  output logic                  idle_o      ///< no engine busy, no result held
);
  localparam int unsigned EngW = ScaleUnits > 1 ? $clog2(ScaleUnits) : 1;
  localparam logic [31:0] FpOne = 32'h3F80_0000;

  logic                     deal, collect;
  logic                     sr_sqrtn;
  logic [31:0]              sr_sumw, sr_sumw2;
  logic [EngW-1:0]          deal_q, coll_q;
  logic [ScaleUnits-1:0]    eng_busy, eng_res_v;
  logic [ScaleUnits*32-1:0] eng_res;

  assign {sr_sqrtn, sr_sumw, sr_sumw2} = req_data_i;
  assign deal = !req_empty_i && !eng_busy[deal_q] && !eng_res_v[deal_q];
  assign collect = eng_res_v[coll_q] && !res_full_i;
  assign req_pop_o = deal;
  assign res_push_o = collect;
  assign res_data_o = eng_res[coll_q*32 +: 32];

  for (genvar e = 0; e < ScaleUnits; e++) begin : gen_engine
    logic        start, busy_q, sqrt_phase_q, res_v_q, sqrt_done, div_done;
    logic [31:0] res_q, sqrt_r, div_q;
    assign start = deal && deal_q == EngW'(e);
    fp32_sqrt u_sqrt (.clk_i, .rst_ni, .start_i(start && sr_sqrtn), .a_i(sr_sumw2), .busy_o(),
                      .done_o(sqrt_done), .r_o(sqrt_r));
    fp32_div u_div (.clk_i, .rst_ni, .start_i((start && !sr_sqrtn) || (sqrt_phase_q && sqrt_done)),
                    .a_i(FpOne), .b_i(sqrt_phase_q ? sqrt_r : sr_sumw), .busy_o(), .done_o(div_done),
                    .q_o(div_q));
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        busy_q <= 1'b0;
        sqrt_phase_q <= 1'b0;
        res_v_q <= 1'b0;
        res_q <= '0;
      end else begin
        if (start) begin
          busy_q <= 1'b1;
          sqrt_phase_q <= sr_sqrtn;
        end
        if (sqrt_phase_q && sqrt_done) sqrt_phase_q <= 1'b0;
        if (busy_q && !sqrt_phase_q && div_done) begin
          busy_q <= 1'b0;
          res_v_q <= 1'b1;
          res_q <= div_q;
        end
        if (collect && coll_q == EngW'(e)) res_v_q <= 1'b0;
      end
    end
    assign eng_busy[e] = busy_q;
    assign eng_res_v[e] = res_v_q;
    assign eng_res[e*32 +: 32] = res_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      deal_q <= '0;
      coll_q <= '0;
    end else begin
      if (deal) deal_q <= deal_q == EngW'(ScaleUnits - 1) ? '0 : deal_q + 1'b1;
      if (collect) coll_q <= coll_q == EngW'(ScaleUnits - 1) ? '0 : coll_q + 1'b1;
    end
  end
  assign idle_o = eng_busy == '0 && eng_res_v == '0;
endmodule

`default_nettype wire
