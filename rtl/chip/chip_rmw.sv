// chip_rmw: the chip's write pipeline (read-add-write), shared by the two message classes:
// the words of write (PktWrite), add (PktCollective) and read-data (PktReadData) packets go
// into memory at their packet's tagged address (chip_pkg TagAddr), one word per cycle, an add
// as four fp32 lane sums (fp32_add) with the word in memory. It owns memory read port 2 and
// write port 1.
// A response word goes in whenever one is offered (resp_busy_o tells the dispatcher to hold a
// request word back in that cycle); each class keeps its packet's address, mode and semaphore
// class, so the two classes' packets may interleave word by word.
// Timing: stage 0 (the cycle a word's flit is taken) reads the old word; stage 1 (the next
// cycle) adds and writes it at the end of that cycle. When a word written at the end of stage
// 0's cycle has the same address (this pipeline's word before, or another lane's: chip_top has
// a write pipeline per receive lane), the memory's data is stale (a read in the cycle of a
// write returns the old value), so stage 1 takes that word from the writer's stage 2
// (forwarded: fwd_*_i holds every lane's stage 2, this one's included) instead.
// Lanes: two pipelines must never hold one address in stage 1 together (both would write, one
// add lost). chip_top raises block_i when a lane of higher priority offers a word for the same
// address in this cycle (cand_*_o: the word this pipeline is offered, taken or not); a request
// word then waits (resp_busy_o tells the dispatcher). Lane 0 has the highest priority, so its
// response words never wait.
// word_*_o describe the word taken this cycle (the counters count a word when it is taken,
// one cycle before it is written).
// idle_o: no word in stage 1. The forwarding register may stay set in an idle chip: it is read
// only in a cycle whose stage 1 is full, and that needs a clocked cycle first, which clears it.
`default_nettype none

module chip_rmw #(
  parameter int unsigned FlitW = 160, /// flit data bits
  parameter int unsigned Lanes = 1,   /// write pipelines of the chip (forwarding between them)
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // request flits (write, add) taken by the dispatcher; a head sets the packet's address and mode
  input  wire logic                          req_valid_i,
  input  wire logic                          req_head_i,
  input  wire logic [ici_pkg::HeadTypeW-1:0] req_type_i,
  input  wire logic [FlitW-1:0]              req_data_i,
  // response flits (read data), offered and always taken
  input  wire logic                          resp_valid_i,
  input  wire logic                          resp_head_i,
  input  wire logic [FlitW-1:0]              resp_data_i,
  output logic                               resp_busy_o,  ///< a request word must wait this cycle (a response word, or block_i)
  input  wire logic                          req_offer_i,  ///< a request word is offered (taken or not)
  // lanes: the word offered this cycle, the block from higher-priority lanes, every lane's stage 2
  output logic                               cand_o,
  output logic      [AW-1:0]                 cand_addr_o,
  input  wire logic                          block_i,
  output logic                               s2_o,
  output logic      [AW-1:0]                 s2_addr_o,
  output logic      [W-1:0]                  s2_data_o,
  input  wire logic [Lanes-1:0]              fwd_valid_i,
  input  wire logic [Lanes*AW-1:0]           fwd_addr_i,
  input  wire logic [Lanes*W-1:0]            fwd_data_i,
  // memory: read port 2, write port 1
  output logic                               rd_en_o,
  output logic      [AW-1:0]                 rd_addr_o,
  input  wire logic [W-1:0]                  rd_data_i,
  output logic                               wr_en_o,
  output logic      [AW-1:0]                 wr_addr_o,
  output logic      [W-1:0]                  wr_data_o,
  // the word taken this cycle, for the counters
  output logic                               word_o,
  output logic                               word_add_o,
  output logic                               word_resp_o,
  output logic      [3:0]                    word_sem_o,
  output logic                               idle_o
);
  logic p_word, q_word, pw_valid, pw_add, pw_resp;
  logic [3:0] pw_sem;
  logic [AW-1:0] pw_addr;
  logic q_add_q;
  logic [3:0] q_sem_q, p_sem_q;
  logic [AW-1:0] q_addr_q, p_addr_q;
  logic s1_q, s1_add_q, s2_q;
  logic [AW-1:0] s1_addr_q, s2_addr_q;
  logic [W-1:0] s1_data_q, s1_word, s2_data_q, s1_old, s1_sum;
  assign p_word = resp_valid_i && !resp_head_i;
  assign q_word = req_valid_i && !req_head_i;
  assign pw_valid = p_word || q_word;
  assign pw_addr = p_word ? p_addr_q : q_addr_q;
  assign pw_add = !p_word && q_add_q;
  assign pw_sem = p_word ? p_sem_q : q_sem_q;
  assign pw_resp = p_word;
  // the word written at the end of stage 0's cycle with this address, if any (at most one lane's:
  // two lanes never hold one address in stage 1 together)
  always_comb begin
    s1_old = rd_data_i;
    for (int l = 0; l < Lanes; l++)
      if (fwd_valid_i[l] && fwd_addr_i[l*AW +: AW] == s1_addr_q) s1_old = fwd_data_i[l*W +: W];
  end
  for (genvar l = 0; l < W / 32; l++) begin : gen_add
    fp32_add u_add (.a_i(s1_old[l*32 +: 32]), .b_i(s1_data_q[l*32 +: 32]), .s_o(s1_sum[l*32 +: 32]));
  end
  assign s1_word = s1_add_q ? s1_sum : s1_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_add_q <= 1'b0;
      q_sem_q <= '0;
      q_addr_q <= '0;
      p_sem_q <= '0;
      p_addr_q <= '0;
      s1_q <= 1'b0;
      s1_add_q <= 1'b0;
      s1_addr_q <= '0;
      s1_data_q <= '0;
      s2_q <= 1'b0;
      s2_addr_q <= '0;
      s2_data_q <= '0;
    end else begin
      if (req_valid_i && req_head_i) begin
        q_add_q <= req_type_i == ici_pkg::PktCollective;
        q_sem_q <= req_data_i[chip_pkg::TagSemLsb +: 4];
        q_addr_q <= req_data_i[chip_pkg::TagAddrLsb +: AW];
      end
      if (q_word) q_addr_q <= q_addr_q + 1'b1;
      if (resp_valid_i && resp_head_i) begin
        p_sem_q <= resp_data_i[chip_pkg::TagSemLsb +: 4];
        p_addr_q <= resp_data_i[chip_pkg::TagAddrLsb +: AW];
      end
      if (p_word) p_addr_q <= p_addr_q + 1'b1;
      s1_q <= pw_valid;
      s1_add_q <= pw_add;
      s1_addr_q <= pw_addr;
      s1_data_q <= p_word ? resp_data_i[W-1:0] : req_data_i[W-1:0];
      s2_q <= s1_q;
      s2_addr_q <= s1_addr_q;
      s2_data_q <= s1_word;
    end
  end

  assign resp_busy_o = p_word || block_i;
  assign cand_o = p_word || req_offer_i;
  assign cand_addr_o = p_word ? p_addr_q : q_addr_q;
  assign s2_o = s2_q;
  assign s2_addr_o = s2_addr_q;
  assign s2_data_o = s2_data_q;
  assign rd_en_o = pw_valid;
  assign rd_addr_o = pw_addr;
  assign wr_en_o = s1_q;
  assign wr_addr_o = s1_addr_q;
  assign wr_data_o = s1_word;
  assign word_o = pw_valid;
  assign word_add_o = pw_add;
  assign word_resp_o = pw_resp;
  assign word_sem_o = pw_sem;
  assign idle_o = !s1_q;

  logic unused;
  // a head's fields other than the tag's address and semaphore class (chip_dispatch decodes the type)
  assign unused = ^{req_data_i[FlitW-1:W], resp_data_i[FlitW-1:W]};
endmodule

`default_nettype wire
