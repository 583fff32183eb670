// The one Catch2 v2 main for every test binary (Debian's Catch2 2.x has no Catch2WithMain).
// Compiled once into a static library, at -O0: it is large and never hot.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
