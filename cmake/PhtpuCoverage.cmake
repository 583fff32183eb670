# PHTPU_COVERAGE (make coverage, scripts/coverage.sh; OFF by default, when this file changes
# nothing): the models count Verilator line and toggle coverage.
#
# --coverage-line --coverage-toggle make Verilator's generated CMake list set <prefix>_COVERAGE,
# so verilate() compiles each model with VM_COVERAGE=1 (the same as verilate(... COVERAGE),
# which would add --coverage, user coverage included). verilate() would also add
# verilated_cov.cpp to every model; phtpu_verilated_library() drops it with the rest of the
# runtime, so the shared runtime (phtpu_vl_runtime) compiles it once, with VM_COVERAGE=1.
# VM_COVERAGE=1 is also PUBLIC on the runtime: every harness that links a model (tb/dut.hpp,
# sim/, the tests) then writes its contexts' counts (tb/coverage.hpp), and every target agrees
# on VM_COVERAGE. Included at the end of PhtpuVerilated.cmake, before tb/ verilates the models.
option(PHTPU_COVERAGE "Verilate the models with line and toggle coverage (make coverage)" OFF)
set(PHTPU_COVERAGE_ARGS)
if(PHTPU_COVERAGE)
  set(PHTPU_COVERAGE_ARGS --coverage-line --coverage-toggle)
  list(APPEND PHTPU_VERILATOR_ARGS ${PHTPU_COVERAGE_ARGS})
  target_sources(phtpu_vl_runtime PRIVATE ${VERILATOR_ROOT}/include/verilated_cov.cpp)
  get_target_property(phtpu_vl_defs phtpu_vl_runtime COMPILE_DEFINITIONS)
  list(REMOVE_ITEM phtpu_vl_defs VM_COVERAGE=0)
  set_property(TARGET phtpu_vl_runtime PROPERTY COMPILE_DEFINITIONS ${phtpu_vl_defs})
  target_compile_definitions(phtpu_vl_runtime PUBLIC VM_COVERAGE=1)
endif()
