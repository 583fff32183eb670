// chip_responder: the chip's response engine: read requests (PktReadReq) and SparseCore row
// requests (PktEmbLookup) become jobs of a chip_dma (its own job queue, memory read port 3 and
// sender, VC 2 through chip_tx_arb), so a response never waits behind a request packet:
//   - a read request's head tag holds the word address to read here and the semaphore class of
//     the answer, its body flit the reply-to coordinate, the reply address and the length
//     (chip_pkg Rr*): answered with PktReadData packets in the PktWrite layout;
//   - a row request's head tag (echoed in the answer) holds the first beat and the beat count,
//     its body flit the reply-to coordinate, the local row and the table (sc_pkg Req*): answered
//     with one PktReadResp packet of the row's beats from the embedding table layout
//     base + row*stride + 2*beat (two words per beat).
// Timing: a job is taken in the cycle the request's body flit is offered with job_ready_o (the
// dispatcher takes the flit in that cycle); the answer's packets follow at chip_dma's pace.
`default_nettype none

module chip_responder #(
  parameter int unsigned FlitW = 160,   /// flit data bits
  parameter int unsigned JobDepth = 16, /// queued jobs, a power of two >= 2
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned CW = phext_pkg::CoordW,
  localparam int unsigned NT = chip_pkg::NumTables
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_ni,
  input  wire logic [CW-1:0]                   own_i,
  input  wire logic [3*phext_pkg::GlobalW-1:0] own_pos_i,
  input  wire logic [NT*AW-1:0]                emb_base_i,   ///< embedding table layouts (RegEmb)
  input  wire logic [NT*AW-1:0]                emb_stride_i,
  // a request's body flit and its head tag
  input  wire logic                            job_valid_i,
  input  wire logic                            job_read_i,   ///< a read request (else a row request)
  output logic                                 job_ready_o,
  input  wire logic [31:0]                     tag_i,
  input  wire logic [FlitW-1:0]                data_i,
  // memory read port 3
  output logic                                 rd_en_o,
  output logic      [AW-1:0]                   rd_addr_o,
  input  wire logic [W-1:0]                    rd_data_i,
  // packets out
  output logic                                 f_valid_o,
  input  wire logic                            f_ready_i,
  output logic                                 f_head_o,
  output logic                                 f_tail_o,
  output logic      [FlitW-1:0]                f_data_o,
  output logic                                 idle_o
);
  logic [CW-1:0] rj_dest;
  logic [AW-1:0] rj_laddr;
  logic [15:0] rj_len;
  logic [31:0] rj_tag;
  logic [1:0] lk_table;
  logic [7:0] lk_beat, lk_nbeats;
  assign lk_table = data_i[sc_pkg::ReqTableLsb +: 2];
  assign lk_beat = tag_i[sc_pkg::TagBeatLsb - ici_pkg::HeadTagLsb +: 8];
  assign lk_nbeats = tag_i[sc_pkg::TagNBeatsLsb - ici_pkg::HeadTagLsb +: 8];
  always_comb begin
    if (job_read_i) begin
      rj_dest = data_i[chip_pkg::RrReplyLsb +: CW];
      rj_tag = chip_pkg::req_tag(tag_i[chip_pkg::TagSemLsb - ici_pkg::HeadTagLsb +: 4], data_i[chip_pkg::RrAddrLsb +: 16]);
      rj_laddr = tag_i[chip_pkg::TagAddrLsb - ici_pkg::HeadTagLsb +: AW];
      rj_len = data_i[chip_pkg::RrLenLsb +: 16];
    end else begin
      rj_dest = data_i[sc_pkg::ReqReplyLsb +: CW];
      rj_tag = tag_i;
      rj_laddr = emb_base_i[32'(lk_table)*AW +: AW] +
                 AW'(data_i[sc_pkg::ReqRowLsb +: 32] * 32'(emb_stride_i[32'(lk_table)*AW +: AW])) + AW'({lk_beat, 1'b0});
      rj_len = 16'({lk_nbeats, 1'b0});
    end
  end
  chip_dma #(.FlitW(FlitW), .JobDepth(JobDepth)) u_dma (
    .clk_i, .rst_ni, .own_i, .own_pos_i,
    .job_valid_i, .job_ready_o, .job_dest_i(rj_dest),
    .job_type_i(job_read_i ? ici_pkg::PktReadData : ici_pkg::PktReadResp), .job_tag_i(rj_tag), .job_laddr_i(rj_laddr),
    .job_len_i(rj_len),
    .rd_en_o, .rd_addr_o, .rd_data_i,
    .f_valid_o, .f_ready_i, .f_head_o, .f_tail_o, .f_data_o,
    .idle_o
  );
`ifndef SYNTHESIS
  // a row request asks for 1..MaxBody/2 beats: its answer is one packet, whose tag (the slot)
  // goes back unchanged (chip_dma adds to the low tag bits only from a job's second packet on)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else if (job_valid_i && !job_read_i) begin
      assert (lk_nbeats != '0 && 32'(lk_nbeats) * 2 <= chip_pkg::MaxBody)
        else $error("chip_responder: a row request for %0d beats", lk_nbeats);
    end
  end
`endif

  logic unused;
  assign unused = ^data_i; // the body flit's bits past the request's fields
endmodule

`default_nettype wire
