// chip_dispatch: the chip's receive path behind the router's local output: a chip_rx (per-VC
// queues and a whole-packet dispatcher) per message class, requests on VCs 0 and 1, responses
// on VCs 2 and 3, and what each packet is and which engine takes it:
//   requests:  PktWrite, PktCollective  → the write pipeline (chip_rmw), one word per flit;
//              PktReadReq, PktEmbLookup → a responder job (chip_responder), per body flit;
//   responses: PktReadData → the write pipeline; PktReadResp → the SparseCore's response port.
// A packet of an unknown type, or of one class on the other class's VCs, is taken and dropped
// (counted by chip_regs: StBadPkts). Nothing on the response side waits for a request: a
// response flit is taken whenever its consumer is ready (the write pipeline always is, and it
// gives response words priority; the SparseCore's response port always is); a request flit
// waits while a response word holds the write pipeline (wr_busy_i) or for room in the
// responder's job queue (job_ready_i); a request's head flit carries no word and never waits.
// Timing: chip_rx's (a flit pushed at cycle c is offered from cycle c+1; taking it at cycle c
// returns its credit in cycle c). req_tag_o holds the head tag of the request packet in
// progress from the cycle after its head is taken; *_o strobes are of this cycle.
`default_nettype none

module chip_dispatch #(
  parameter int unsigned FlitW = 160,   /// flit data bits
  parameter int unsigned Depth = 8,     /// flits per VC queue (the router's BufDepth)
  localparam int unsigned NumVcs = 4,
  localparam int unsigned VcW = $clog2(NumVcs)
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // the router's local output
  input  wire logic                          in_valid_i,
  input  wire logic [VcW-1:0]                in_vc_i,
  input  wire logic                          in_head_i,
  input  wire logic                          in_tail_i,
  input  wire logic [FlitW-1:0]              in_data_i,
  output logic      [NumVcs-1:0]             credit_o,
  // requests: the flit offered, the head tag of its packet
  output logic                               req_head_o,
  output logic      [FlitW-1:0]              req_data_o,
  output logic      [ici_pkg::HeadTypeW-1:0] req_type_o,
  output logic      [31:0]                   req_tag_o,
  output logic                               wr_req_o,     ///< a write/add flit taken by the write pipeline
  output logic                               wr_offer_o,   ///< a write/add word offered (taken or not)
  input  wire logic                          wr_busy_i,    ///< a response word holds the write pipeline
  output logic                               job_o,        ///< a read or row request body taken: a responder job
  output logic                               job_read_o,   ///< the request is a read request (else a row request)
  input  wire logic                          job_ready_i,
  // responses: the flit offered
  output logic                               resp_head_o,
  output logic                               resp_tail_o,
  output logic      [FlitW-1:0]              resp_data_o,
  output logic                               wr_resp_o,    ///< a read-data flit (always taken)
  output logic                               sc_valid_o,   ///< a row-beat flit for the SparseCore
  input  wire logic                          sc_ready_i,
  // counter events
  output logic      [1:0]                    heads_recv_o, ///< a head taken: [0] request, [1] response
  output logic      [1:0]                    heads_bad_o,  ///< of those, dropped
  output logic                               idle_o        ///< nothing queued, no packet in progress
);
  logic q_valid, q_ready, q_head, q_tail, q_idle, p_valid, p_ready, p_head, p_tail, p_idle;
  logic [FlitW-1:0] q_data, p_data;
  logic [ici_pkg::HeadTypeW-1:0] q_type, p_type;
  // in_vc_i[1] is the message class
  chip_rx #(.FlitW(FlitW), .Vcs(2), .Depth(Depth)) u_rx_req (
    .clk_i, .rst_ni,
    .in_valid_i(in_valid_i && !in_vc_i[1]), .in_vc_i(in_vc_i[0]),
    .in_head_i, .in_tail_i, .in_data_i,
    .credit_o(credit_o[1:0]),
    .f_valid_o(q_valid), .f_ready_i(q_ready), .f_head_o(q_head), .f_tail_o(q_tail), .f_data_o(q_data),
    .f_type_o(q_type), .idle_o(q_idle)
  );
  chip_rx #(.FlitW(FlitW), .Vcs(2), .Depth(Depth)) u_rx_resp (
    .clk_i, .rst_ni,
    .in_valid_i(in_valid_i && in_vc_i[1]), .in_vc_i(in_vc_i[0]),
    .in_head_i, .in_tail_i, .in_data_i,
    .credit_o(credit_o[3:2]),
    .f_valid_o(p_valid), .f_ready_i(p_ready), .f_head_o(p_head), .f_tail_o(p_tail), .f_data_o(p_data),
    .f_type_o(p_type), .idle_o(p_idle)
  );
  // what each class's packet is (a type of the other class on these VCs counts as unknown)
  localparam logic [1:0] KWrite = 2'd0, KReadReq = 2'd1, KLookup = 2'd2, KBad = 2'd3; // requests
  localparam logic [1:0] KData = 2'd0, KScResp = 2'd1;                                 // responses
  logic [1:0] q_kind, p_kind;
  always_comb begin
    case (q_type)
      ici_pkg::PktWrite, ici_pkg::PktCollective: q_kind = KWrite;
      ici_pkg::PktReadReq: q_kind = KReadReq;
      ici_pkg::PktEmbLookup: q_kind = KLookup;
      default: q_kind = KBad;
    endcase
    case (p_type)
      ici_pkg::PktReadData: p_kind = KData;
      ici_pkg::PktReadResp: p_kind = KScResp;
      default: p_kind = KBad;
    endcase
  end

  // readiness by consumer: a response never waits for a request; a request waits for the write
  // pipeline while a response word uses it, and for room in the responder's queue
  always_comb begin
    case (p_kind)
      KScResp: p_ready = sc_ready_i;
      default: p_ready = 1'b1; // read data: the write pipeline; unknown: dropped
    endcase
    case (q_kind)
      KWrite: q_ready = q_head || !wr_busy_i;
      KReadReq, KLookup: q_ready = q_head || job_ready_i;
      default: q_ready = 1'b1;
    endcase
  end
  logic q_take, p_take;
  assign q_take = q_valid && q_ready;
  assign p_take = p_valid && p_ready;

  // A read request's head tag holds the word address to read here and the semaphore class of
  // the answer; a row request's (echoed in the answer) the first beat and the beat count. The
  // responder needs it with the body flit, which carries the rest.
  logic [31:0] q_tag_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) q_tag_q <= '0;
    else if (q_take && q_head) q_tag_q <= q_data[ici_pkg::HeadTagLsb +: 32];
  end

  assign req_head_o = q_head;
  assign req_data_o = q_data;
  assign req_type_o = q_type;
  assign req_tag_o = q_tag_q;
  assign wr_req_o = q_take && q_kind == KWrite;
  assign wr_offer_o = q_valid && !q_head && q_kind == KWrite;
  assign job_o = q_take && !q_head && (q_kind == KReadReq || q_kind == KLookup);
  assign job_read_o = q_kind == KReadReq;
  assign resp_head_o = p_head;
  assign resp_tail_o = p_tail;
  assign resp_data_o = p_data;
  assign wr_resp_o = p_valid && p_kind == KData;
  assign sc_valid_o = p_valid && p_kind == KScResp;
  assign heads_recv_o = {p_take && p_head, q_take && q_head};
  assign heads_bad_o = {p_take && p_head && p_kind == KBad, q_take && q_head && q_kind == KBad};
  assign idle_o = q_idle && p_idle;

  logic unused;
  assign unused = q_tail; // request jobs are taken per body flit, words per flit
endmodule

`default_nettype wire
