// phext_decoder: registered wrapper around phext_pkg::decode.
//
// Decodes one destination coordinate per cycle against the run-time configuration
// (own Z arm, cube shape, slice shape) and registers the result, counting drops.
// Timing contract: latency 1 cycle (result valid the cycle after dest_valid_i),
// throughput 1 per cycle, no backpressure. Configuration is sampled with each
// destination; the chip keeps it in registers and changes it only when idle.
`default_nettype none

module phext_decoder (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,
  // Configuration (registers in the chip)
  input  wire logic [phext_pkg::ZArmW-1:0]   own_z_i,    ///< this chip's Z arm: datacenter.pod.slice
  input  wire phext_pkg::cube_shape_t        cube_i,     ///< chips per cube, per axis (1..15)
  input  wire phext_pkg::gpos_t              slice_i,    ///< chips per slice, per axis
  // Request
  input  wire logic                          dest_valid_i,
  input  wire phext_pkg::coord_t             dest_i,     ///< destination coordinate, raw fields
  // Result, one cycle later
  output logic                               res_valid_o,
  output logic [1:0]                         res_status_o, ///< a phext_pkg::decode_status_e value
  output phext_pkg::gpos_t                   res_global_o, ///< global coordinate when status is DecOk, else 0
  // Drop counters since reset (saturating)
  output logic [31:0]                        zmismatch_count_o,
  output logic [31:0]                        out_of_shape_count_o
);

  phext_pkg::decode_t dec_d;

  always_comb dec_d = phext_pkg::decode(dest_i, own_z_i, cube_i, slice_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      res_valid_o          <= 1'b0;
      res_status_o         <= phext_pkg::DecOk;
      res_global_o         <= '0;
      zmismatch_count_o    <= '0;
      out_of_shape_count_o <= '0;
    end else begin
      res_valid_o <= dest_valid_i;
      if (dest_valid_i) begin
        res_status_o <= dec_d.status;
        res_global_o <= dec_d.global;
        if (dec_d.status == phext_pkg::DecZMismatch && zmismatch_count_o != '1)
          zmismatch_count_o <= zmismatch_count_o + 1'b1;
        if (dec_d.status == phext_pkg::DecOutOfShape && out_of_shape_count_o != '1)
          out_of_shape_count_o <= out_of_shape_count_o + 1'b1;
      end
    end
  end

endmodule

`default_nettype wire
