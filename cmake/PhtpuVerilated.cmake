# Verilated models: the shared Verilator runtime, the RTL source lists, and the function that
# turns a verilate()d library into one the tb/ wrappers and the harnesses link.

# -O2/--x-assign fast: these libraries also serve `make sim` and `make bench`. --assert: the
# RTL's assertions (`ifndef SYNTHESIS blocks) run in every model; a failure throws in the C++
# harness (tb/rtl_assert.hpp).
set(PHTPU_VERILATOR_ARGS -Wall --assert --trace-structs --timescale 1ns/1ns --x-assign fast --x-initial fast -O2)

# verilate() adds Verilator's runtime (verilated.cpp, verilated_fst_c.cpp, ...: 20 s of
# compiling) to every model library; they all share one copy instead (phtpu_vl_runtime), which
# cuts a cold build of `make sim` by more than a minute on 2 cores. The runtime is built with
# tracing on; models without tracing simply do not call it.
find_package(ZLIB REQUIRED)
add_library(phtpu_vl_runtime STATIC ${VERILATOR_ROOT}/include/verilated.cpp ${VERILATOR_ROOT}/include/verilated_fst_c.cpp
                                    ${VERILATOR_ROOT}/include/verilated_threads.cpp ${VERILATOR_ROOT}/include/verilated_dpi.cpp)
target_include_directories(phtpu_vl_runtime SYSTEM PUBLIC ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
target_compile_definitions(phtpu_vl_runtime PRIVATE VM_COVERAGE=0 VM_SC=0 VM_TRACE=1 VM_TRACE_FST=1 VM_TRACE_VCD=0)
target_link_libraries(phtpu_vl_runtime PUBLIC ZLIB::ZLIB Threads::Threads)

# The RTL's constants for C++ (phtpu::rtl::<package or module>::<Name>), generated from the
# packages and the module headers at build time: register maps, packet layouts and default
# parameters are defined once, in the RTL; tb/chip_regs.hpp, tb/ici_flit.hpp, ... take them from here.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(PHTPU_RTL_PARAMS_SV rtl/common/phext_pkg.sv rtl/ici/ici_pkg.sv rtl/mxu/mxu_pkg.sv rtl/sparsecore/sc_pkg.sv
                        rtl/chip/chip_pkg.sv rtl/ici/ici_router.sv rtl/ici/ici_link.sv rtl/chip/chip_top.sv)
list(TRANSFORM PHTPU_RTL_PARAMS_SV PREPEND ${PROJECT_SOURCE_DIR}/)
set(PHTPU_RTL_PARAMS_HPP ${CMAKE_BINARY_DIR}/generated/rtl/rtl_params.hpp)
add_custom_command(OUTPUT ${PHTPU_RTL_PARAMS_HPP}
                   COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/sv-params.py ${PHTPU_RTL_PARAMS_HPP} ${PHTPU_RTL_PARAMS_SV}
                   DEPENDS ${PROJECT_SOURCE_DIR}/scripts/sv-params.py ${PHTPU_RTL_PARAMS_SV}
                   COMMENT "sv-params: C++ constants of the RTL packages")
add_custom_target(phtpu_rtl_params_hpp DEPENDS ${PHTPU_RTL_PARAMS_HPP})
add_library(phtpu_rtl_params INTERFACE)
target_include_directories(phtpu_rtl_params INTERFACE ${CMAKE_BINARY_DIR}/generated/rtl)
add_dependencies(phtpu_rtl_params phtpu_rtl_params_hpp)

# phtpu_verilated_library(target): after verilate(target ...), drop verilate()'s own copy of the
# runtime, link the shared one, and give users the tb/ wrappers, the references and coords/.
function(phtpu_verilated_library target)
  get_target_property(srcs ${target} SOURCES)
  list(FILTER srcs EXCLUDE REGEX "/include/verilated[a-z_]*\\.cpp$")
  set_property(TARGET ${target} PROPERTY SOURCES ${srcs})
  # Verilator's runtime headers as SYSTEM: our warning flags do not fire inside them
  target_include_directories(${target} SYSTEM PUBLIC ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/tb)
  target_link_libraries(${target} PUBLIC phtpu_vl_runtime phtpu_rtl_params phtpu_ref phext_coords Threads::Threads)
endfunction()

# phtpu_rtl_sources(var ip...): the sources of RTL IPs in compile order, from their file lists
# (rtl/<ip>/<ip>.f, expanded after the IPs they need by scripts/rtl-files.sh, which lint and
# synth read too).
function(phtpu_rtl_sources var)
  execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/rtl-files.sh ${ARGN}
                  OUTPUT_VARIABLE files RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "scripts/rtl-files.sh ${ARGN}: ${err}")
  endif()
  string(REGEX REPLACE "\n$" "" files "${files}")
  string(REPLACE "\n" ";" files "${files}")
  list(TRANSFORM files PREPEND ${PROJECT_SOURCE_DIR}/)
  set(${var} ${files} PARENT_SCOPE)
endfunction()
file(GLOB PHTPU_RTL_FILE_LISTS ${PROJECT_SOURCE_DIR}/rtl/*/*.f)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PHTPU_RTL_FILE_LISTS})

# -DPHTPU_COVERAGE=ON: line and toggle coverage in every model (make coverage).
include(PhtpuCoverage)
