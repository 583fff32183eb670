// chip_pktgen: builds packets from descriptors. A descriptor (m_*) gives the destination,
// type, body length and head tag; the body is either its one inline word (m_inline_i, e.g. a
// read request) or m_nbody_i words taken in order from a chip_reader stream (w_*). Output:
// one flit per cycle (f_*, valid/ready), head first (ici_pkg layout, source = own position),
// every body word in data bits [127:0], tail on the last. Descriptors queue (Depth), so the
// engine that feeds the reader can run ahead of the packet being sent.
`default_nettype none

module chip_pktgen #(
  parameter int unsigned FlitW = 160,
  parameter int unsigned Depth = 4,
  localparam int unsigned W = chip_pkg::WordW
) (
  input  wire logic                         clk_i,
  input  wire logic                         rst_ni,
  input  wire logic [3*phext_pkg::GlobalW-1:0] own_pos_i,
  input  wire logic                         m_valid_i,
  output logic                              m_ready_o,
  input  wire logic [phext_pkg::CoordW-1:0] m_dest_i,
  input  wire logic [2:0]                   m_type_i,
  input  wire logic [4:0]                   m_nbody_i,  ///< body flits, 0..30
  input  wire logic [31:0]                  m_tag_i,
  input  wire logic                         m_inline_i, ///< body = m_body_i (m_nbody_i = 1)
  input  wire logic [W-1:0]                 m_body_i,
  input  wire logic                         w_valid_i,
  output logic                              w_ready_o,
  input  wire logic [W-1:0]                 w_data_i,
  output logic                              f_valid_o,
  input  wire logic                         f_ready_i,
  output logic                              f_head_o,
  output logic                              f_tail_o,
  output logic      [FlitW-1:0]             f_data_o,
  output logic                              idle_o
);
  localparam int unsigned MW = phext_pkg::CoordW + 3 + 5 + 32 + 1 + W;
  logic [MW-1:0] md;
  logic empty, full, body_q, pop;
  logic [4:0] cnt_q;
  logic [phext_pkg::CoordW-1:0] dest;
  logic [2:0] ptype;
  logic [4:0] nbody;
  logic [31:0] tag;
  logic inl;
  logic [W-1:0] ibody;

  sc_fifo #(.Width(MW), .Depth(Depth)) u_meta (
    .clk_i, .rst_ni, .push_i(m_valid_i), .data_i({m_dest_i, m_type_i, m_nbody_i, m_tag_i, m_inline_i, m_body_i}),
    .pop_i(pop), .data_o(md), .empty_o(empty), .full_o(full)
  );
  assign m_ready_o = !full;
  assign {dest, ptype, nbody, tag, inl, ibody} = md;

  always_comb begin
    f_valid_o = 1'b0;
    f_head_o = 1'b0;
    f_tail_o = 1'b0;
    f_data_o = '0;
    if (!empty) begin
      if (!body_q) begin
        f_valid_o = 1'b1;
        f_head_o = 1'b1;
        f_tail_o = nbody == '0;
        f_data_o[ici_pkg::HeadDestLsb +: phext_pkg::CoordW] = dest;
        f_data_o[ici_pkg::HeadTypeLsb +: 3] = ptype;
        f_data_o[ici_pkg::HeadLenLsb +: 5] = nbody + 1'b1;
        f_data_o[ici_pkg::HeadSrcLsb +: 3*phext_pkg::GlobalW] = own_pos_i;
        f_data_o[ici_pkg::HeadTagLsb +: 32] = tag;
      end else begin
        f_valid_o = inl || w_valid_i;
        f_tail_o = cnt_q == nbody - 1'b1;
        f_data_o[W-1:0] = inl ? ibody : w_data_i;
      end
    end
  end
  // kept apart from the outputs above: f_ready_i may depend on f_valid_o (the send arbiter)
  assign w_ready_o = !empty && body_q && !inl && f_ready_i;
  assign pop = f_valid_o && f_ready_i && f_tail_o;
  assign idle_o = empty;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      body_q <= 1'b0;
      cnt_q <= '0;
    end else if (f_valid_o && f_ready_i) begin
      if (f_tail_o) begin
        body_q <= 1'b0;
      end else if (!body_q) begin
        body_q <= 1'b1;
        cnt_q <= '0;
      end else begin
        cnt_q <= cnt_q + 1'b1;
      end
    end
  end
endmodule

`default_nettype wire
