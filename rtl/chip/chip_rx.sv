// chip_rx: the receive queues of one message class at the router's local output: one FIFO per
// VC of the class (Depth flits each: the router's credits for that VC), and a dispatcher that
// hands one whole packet at a time to the chip (per-VC reassembly: the flits of one packet
// reach their consumer unmixed with another's). Round-robin between the VCs at packet
// boundaries. chip_dispatch has one for requests and one for responses, so a packet of one class
// never waits behind a packet of the other (docs/blocks/chip.md, "Message classes").
// Timing: a flit pushed at cycle c is offered on f_* from cycle c+1 (first-word fall-through
// FIFO); f_ready_i may depend on any f_* output (chip_dispatch's also on the other class's queue);
// a flit taken at cycle c frees its slot:
// credit_o[v] pulses in cycle c (the router sees it at the next edge).
// f_type_o is the packet type of the packet being handed over (its head's, held until the tail).
`default_nettype none

module chip_rx #(
  parameter int unsigned FlitW = 160, /// flit data bits
  parameter int unsigned Vcs = 2,     /// VCs of the class (a power of two)
  parameter int unsigned Depth = 8,   /// flits per VC FIFO (the router's BufDepth)
  localparam int unsigned VcW = $clog2(Vcs)
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // flits from the router's local output, of this class (VC inside the class)
  input  wire logic                          in_valid_i,
  input  wire logic [VcW-1:0]                in_vc_i,
  input  wire logic                          in_head_i,
  input  wire logic                          in_tail_i,
  input  wire logic [FlitW-1:0]              in_data_i,
  output logic      [Vcs-1:0]                credit_o,  ///< a slot of VC v freed this cycle
  // whole packets to the chip
  output logic                               f_valid_o,
  input  wire logic                          f_ready_i,
  output logic                               f_head_o,
  output logic                               f_tail_o,
  output logic      [FlitW-1:0]              f_data_o,
  output logic      [ici_pkg::HeadTypeW-1:0] f_type_o,
  output logic                               idle_o     ///< nothing queued, no packet in progress
);
  localparam int unsigned RxW = 2 + FlitW;
  if (Vcs < 2 || (1 << VcW) != Vcs) begin : gen_bad_vcs
    chip_rx_Vcs_must_be_a_power_of_two_at_least_2 u_error();
  end

  logic [Vcs-1:0] empty, full;
  logic [Vcs*RxW-1:0] front;
  for (genvar v = 0; v < Vcs; v++) begin : gen_fifo
    sc_fifo #(.Width(RxW), .Depth(Depth)) u_fifo (
      .clk_i, .rst_ni,
      .push_i(in_valid_i && in_vc_i == VcW'(v)), .data_i({in_head_i, in_tail_i, in_data_i}),
      .pop_i(credit_o[v]), .data_o(front[v*RxW +: RxW]), .empty_o(empty[v]), .full_o(full[v])
    );
  end

  logic locked_q, found, take;
  logic [VcW-1:0] cur_q, rr_q, pick;
  logic [ici_pkg::HeadTypeW-1:0] type_q;
  logic [RxW-1:0] fr;
  always_comb begin
    pick = cur_q;
    found = 1'b0;
    if (!locked_q) begin
      for (int i = 0; i < Vcs; i++) begin
        if (!found && !empty[VcW'(32'(rr_q) + i)]) begin
          found = 1'b1;
          pick = VcW'(32'(rr_q) + i);
        end
      end
    end
    fr = front[pick*RxW +: RxW];
    f_valid_o = !empty[pick];
    f_head_o = fr[RxW-1];
    f_tail_o = fr[RxW-2];
    f_data_o = fr[FlitW-1:0];
    f_type_o = locked_q ? type_q : fr[ici_pkg::HeadTypeLsb +: ici_pkg::HeadTypeW];
  end
  assign take = f_valid_o && f_ready_i;
  always_comb begin
    credit_o = '0;
    if (take) credit_o[pick] = 1'b1;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      locked_q <= 1'b0;
      cur_q <= '0;
      rr_q <= '0;
      type_q <= '0;
    end else if (take) begin
`ifndef SYNTHESIS
      // per-VC reassembly: a packet starts with its head, and no head arrives inside a packet
      assert (f_head_o == !locked_q) else $error("chip_rx: a %s flit where a %s flit was due",
                                                 f_head_o ? "head" : "body", locked_q ? "body" : "head");
`endif
      if (f_tail_o) begin
        locked_q <= 1'b0;
        rr_q <= pick + 1'b1;
      end else begin
        locked_q <= 1'b1;
        cur_q <= pick;
        if (f_head_o) type_q <= f_type_o;
      end
    end
  end

  assign idle_o = empty == '1 && !locked_q;
  logic unused;
  assign unused = ^full; // the router's credits bound the FIFOs (sc_fifo asserts against overflow)
endmodule

`default_nettype wire
