// chip_dma: a packet engine of the chip: a queue of jobs, each turned into packets. A job names
// a destination, a packet type, a 32-bit head tag and `len` memory words at `laddr`:
//   - a PktReadReq job sends one packet whose one body flit asks for `len` words: reply to this
//     chip (own_i), at word address `laddr` here (chip_pkg Rr* layout);
//   - any other job streams the `len` words from memory (chip_reader, its own read port) into
//     packets of up to MaxBody words; the k-th packet's head tag is the job's tag with
//     k * MaxBody added to its low 16 bits (the remote word address of that packet).
// A job of 0 words sends nothing. The chip has two of them: the host's DMA (requests: write,
// fp32-add, read request) and chip_responder's (responses: read data for read requests,
// embedding rows for row requests), so that a response never waits behind a request packet.
// Timing: a job is taken the cycle it is offered when the queue has room (job_ready_o); one
// packet descriptor per cycle while the reader and the packetizer have room; one flit per
// cycle out (f_*, valid/ready, ici_pkg head layout). idle_o: no job queued or in progress.
`default_nettype none

module chip_dma #(
  parameter int unsigned FlitW = 160,   /// flit data bits
  parameter int unsigned JobDepth = 4,  /// queued jobs, a power of two >= 2
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW,
  localparam int unsigned CW = phext_pkg::CoordW
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_ni,
  input  wire logic [CW-1:0]                   own_i,       ///< this chip's phext coordinate (reply-to)
  input  wire logic [3*phext_pkg::GlobalW-1:0] own_pos_i,   ///< this chip's global position (head source)
  // jobs
  input  wire logic                            job_valid_i,
  output logic                                 job_ready_o,
  input  wire logic [CW-1:0]                   job_dest_i,
  input  wire logic [ici_pkg::HeadTypeW-1:0]   job_type_i,
  input  wire logic [31:0]                     job_tag_i,
  input  wire logic [AW-1:0]                   job_laddr_i,
  input  wire logic [15:0]                     job_len_i,   ///< words
  // memory read port
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
  localparam int unsigned JobW = CW + ici_pkg::HeadTypeW + 32 + AW + 16;

  logic [JobW-1:0] job;
  logic empty, full, pop;
  sc_fifo #(.Width(JobW), .Depth(JobDepth)) u_jobs (
    .clk_i, .rst_ni, .push_i(job_valid_i && !full),
    .data_i({job_dest_i, job_type_i, job_tag_i, job_laddr_i, job_len_i}),
    .pop_i(pop), .data_o(job), .empty_o(empty), .full_o(full)
  );
  assign job_ready_o = !full;

  logic [CW-1:0] j_dest;
  logic [ici_pkg::HeadTypeW-1:0] j_type;
  logic [31:0] j_tag;
  logic [AW-1:0] j_laddr;
  logic [15:0] j_len;
  logic j_read;
  assign {j_dest, j_type, j_tag, j_laddr, j_len} = job;
  assign j_read = j_type == ici_pkg::PktReadReq;

  // the running job's progress: words already handed to packets
  logic [15:0] done_q, left, chunk;
  logic rd_start_ready, m_ready, step, last_step;
  assign left = j_len - done_q;
  assign chunk = left > 16'(chip_pkg::MaxBody) ? 16'(chip_pkg::MaxBody) : left;
  // one step = one packet descriptor (and its reads)
  assign step = !empty && m_ready && (j_read || j_len == '0 || rd_start_ready);
  assign last_step = j_read || left <= 16'(chip_pkg::MaxBody);
  assign pop = step && last_step;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) done_q <= '0;
    else if (step) done_q <= last_step ? '0 : done_q + chunk;
  end

  logic w_valid, w_ready, rd_idle, pg_idle;
  logic [W-1:0] w_data, rr_body;
  always_comb begin
    rr_body = '0;
    rr_body[chip_pkg::RrReplyLsb +: CW] = own_i;
    rr_body[chip_pkg::RrAddrLsb +: 16] = 16'(j_laddr);
    rr_body[chip_pkg::RrLenLsb +: 16] = j_len;
  end
  chip_reader u_reader (
    .clk_i, .rst_ni, .start_valid_i(step && !j_read && j_len != '0), .start_ready_o(rd_start_ready),
    .start_addr_i(j_laddr + AW'(done_q)), .start_count_i(chunk),
    .rd_en_o, .rd_addr_o, .rd_data_i,
    .w_valid_o(w_valid), .w_ready_i(w_ready), .w_data_o(w_data), .idle_o(rd_idle)
  );
  chip_pktgen #(.FlitW(FlitW)) u_pkt (
    .clk_i, .rst_ni, .own_pos_i,
    .m_valid_i(step && j_len != '0), .m_ready_o(m_ready), .m_dest_i(j_dest), .m_type_i(j_type),
    .m_nbody_i(j_read ? 5'd1 : 5'(chunk)),
    .m_tag_i({j_tag[31:16], j_read ? j_tag[15:0] : j_tag[15:0] + done_q}),
    .m_inline_i(j_read), .m_body_i(rr_body),
    .w_valid_i(w_valid), .w_ready_o(w_ready), .w_data_i(w_data),
    .f_valid_o, .f_ready_i, .f_head_o, .f_tail_o, .f_data_o,
    .idle_o(pg_idle)
  );

  assign idle_o = empty && rd_idle && pg_idle;
endmodule

`default_nettype wire
