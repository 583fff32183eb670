# Compiler settings shared by every target: C++17, the build type, ccache, warning flags, and
# every executable in the build folder's root (build/phtpu, build/test_pod, ...).

set(CMAKE_CXX_STANDARD 17) # Debian's libsystemc 2.3.4 is built for C++17 (C++14 fails to link)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # base_dir makes paths under the checkout relative in ccache's hash, so a fresh clone in
  # another folder (CI) still hits the cache; without it every clone missed (measured).
  get_filename_component(PHTPU_CCACHE_BASE ${PROJECT_SOURCE_DIR} DIRECTORY)
  set(PHTPU_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PHTPU_CCACHE_BASE} CCACHE_NOHASHDIR=1
                     ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${PHTPU_LAUNCHER})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${PHTPU_LAUNCHER})
endif()

# Our own sources compile with these; Verilator's generated code and runtime do not.
set(PHTPU_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
