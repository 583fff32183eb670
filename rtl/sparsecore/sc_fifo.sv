// sc_fifo: synchronous FIFO, first-word fall-through: data_o shows the oldest entry whenever
// empty_o is low; pop_i removes it at the clock edge. push_i when full_o and pop_i when empty_o
// are ignored, and asserted against in simulation (`ifndef SYNTHESIS): every caller checks
// full_o / empty_o or holds a credit for the entry, so either would be a bug upstream. Push and
// pop in the same cycle are both taken.
// Storage is an unpacked array (an SRAM in a real design; yosys maps it to flip-flops).
`default_nettype none

module sc_fifo #(
  parameter int unsigned Width = 8, /// bits per entry
  parameter int unsigned Depth = 4, /// entries, a power of two >= 2
  localparam int unsigned PtrW = $clog2(Depth)
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             push_i,  ///< write data_i (ignored when full)
  input  wire logic [Width-1:0] data_i,
  input  wire logic             pop_i,   ///< remove the oldest entry (ignored when empty)
  output logic      [Width-1:0] data_o,  ///< oldest entry, valid when !empty_o
  output logic                  empty_o,
  output logic                  full_o
);
  if (Depth < 2 || (1 << PtrW) != Depth) begin : gen_bad_depth
    sc_fifo_Depth_must_be_a_power_of_two_at_least_2 u_error();
  end

  logic [Width-1:0] mem_q [Depth];
  logic [PtrW:0] wr_q, rd_q, count;
  logic do_push, do_pop;

  assign count = wr_q - rd_q;
  assign empty_o = (wr_q == rd_q);
  assign full_o = (count == (PtrW+1)'(Depth));
  assign data_o = mem_q[rd_q[PtrW-1:0]];
  assign do_push = push_i && !full_o;
  assign do_pop = pop_i && !empty_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q <= '0;
      rd_q <= '0;
    end else begin
      if (do_push) wr_q <= wr_q + 1'b1;
      if (do_pop) rd_q <= rd_q + 1'b1;
`ifndef SYNTHESIS
      assert (!(push_i && full_o)) else $error("sc_fifo: push while full (%0d entries)", Depth);
      assert (!(pop_i && empty_o)) else $error("sc_fifo: pop while empty");
`endif
    end
  end

  // storage without reset (its contents are only read behind a valid pointer)
  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wr_q[PtrW-1:0]] <= data_i;
  end
endmodule

`default_nettype wire
