// rtl/common: packages and arithmetic shared by every IP (the phext coordinate package and its
// decoder, bf16/fp32 units). Paths are relative to this file (verilator -F).
// needs:
lint.vlt
phext_pkg.sv
bf16_mul.sv
fp32_add.sv
fp32_mul.sv
fp32_div.sv
fp32_sqrt.sv
phext_decoder.sv
clock_gate.sv
