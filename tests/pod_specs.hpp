// Pod descriptions the pod tests share.
#pragma once

#include "planner.hpp"

namespace phtpu::pod::test {

/// A pod of `racks` 2x2x2 cubes with one slice of `shape`.
inline PodSpec cubes_pod(unsigned racks, const char* shape) {
  PodSpec p;
  p.cube = 2;
  p.racks = racks;
  p.slices = {parse_slice(shape)};
  return p;
}

} // namespace phtpu::pod::test
