// chip_reader: streams `count` consecutive memory words from `addr` through one read port of
// chip_mem (one cycle of latency) into a small FIFO, one read per cycle while the FIFO has room.
// A new stream may start once every read of the previous one has been issued (start_ready_o);
// its words follow the previous stream's in the FIFO. Throughput: one word per cycle.
`default_nettype none

module chip_reader #(
  parameter int unsigned Depth = 4, /// FIFO words, a power of two >= 2
  localparam int unsigned AW = chip_pkg::AW,
  localparam int unsigned W = chip_pkg::WordW
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          start_valid_i,
  output logic               start_ready_o,
  input  wire logic [AW-1:0] start_addr_i,
  input  wire logic [15:0]   start_count_i,
  output logic               rd_en_o,
  output logic      [AW-1:0] rd_addr_o,
  input  wire logic [W-1:0]  rd_data_i,
  output logic               w_valid_o,
  input  wire logic          w_ready_i,
  output logic      [W-1:0]  w_data_o,
  output logic               idle_o
);
  localparam int unsigned CW = $clog2(Depth) + 1;
  logic [15:0] left_q;
  logic [AW-1:0] addr_q;
  logic inflight_q;
  logic [CW-1:0] room_q; // FIFO entries neither filled nor promised to a read in flight
  logic empty, full, pop;

  assign start_ready_o = left_q == '0;
  assign rd_en_o = left_q != '0 && room_q != '0;
  assign rd_addr_o = addr_q;
  assign w_valid_o = !empty;
  assign pop = w_valid_o && w_ready_i;
  assign idle_o = left_q == '0 && !inflight_q && empty;

  sc_fifo #(.Width(W), .Depth(Depth)) u_fifo (
    .clk_i, .rst_ni, .push_i(inflight_q), .data_i(rd_data_i), .pop_i(pop), .data_o(w_data_o),
    .empty_o(empty), .full_o(full)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      left_q <= '0;
      addr_q <= '0;
      inflight_q <= 1'b0;
      room_q <= CW'(Depth);
    end else begin
      inflight_q <= rd_en_o;
      room_q <= room_q - CW'(rd_en_o) + CW'(pop);
      if (rd_en_o) begin
        left_q <= left_q - 1'b1;
        addr_q <= addr_q + 1'b1;
      end
      if (start_valid_i && start_ready_o) begin
        left_q <= start_count_i;
        addr_q <= start_addr_i;
      end
    end
  end

  // the FIFO never overflows: a read is issued only into promised room
  logic unused;
  assign unused = full;
endmodule

`default_nettype wire
