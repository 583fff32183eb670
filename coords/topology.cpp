#include "topology.hpp"

#include <fmt/format.h>

namespace phtpu::net {

namespace {
void check_shape(Vec3 shape) {
  for (int d = 0; d < 3; ++d)
    if (shape[d] < 1 || shape[d] > phext::kMaxSliceDim)
      throw TopologyError(
          fmt::format("topology dimensions must be 1..{}, not {}", phext::kMaxSliceDim, phext::shape_str(shape)));
}

// (v +- shift) mod size, for 0 <= v < size and 0 <= shift < size (the shifts are half a ring).
unsigned add_mod(unsigned v, unsigned shift, unsigned size) { return v + shift >= size ? v + shift - size : v + shift; }
unsigned sub_mod(unsigned v, unsigned shift, unsigned size) { return v >= shift ? v - shift : v + size - shift; }
} // namespace

std::string_view port_name(Port p) {
  switch (p) {
  case Port::XP: return "+X";
  case Port::XM: return "-X";
  case Port::YP: return "+Y";
  case Port::YM: return "-Y";
  case Port::ZP: return "+Z";
  case Port::ZM: return "-Z";
  case Port::Local: return "local";
  }
  return "?";
}

Port opposite(Port p) {
  if (p == Port::Local) return Port::Local;
  return static_cast<Port>(static_cast<int>(p) ^ 1);
}

Port port_of(int dim, int sign) {
  if (dim < 0 || dim > 2 || (sign != 1 && sign != -1))
    throw std::invalid_argument(fmt::format("no link port for dimension {} and sign {}", dim, sign));
  return static_cast<Port>(2 * dim + (sign > 0 ? 0 : 1));
}

std::string_view twist_name(Twist t) {
  switch (t) {
  case Twist::None: return "none";
  case Twist::NN2N: return "n x n x 2n";
  case Twist::N2N2N: return "n x 2n x 2n";
  }
  return "?";
}

Topology Topology::mesh(Vec3 shape) {
  check_shape(shape);
  Topology t;
  t.shape_ = shape;
  return t;
}

Topology Topology::torus(Vec3 shape, bool twisted) {
  check_shape(shape);
  Topology t;
  t.shape_ = shape;
  t.wrap_ = {true, true, true};
  if (!twisted) return t;
  const unsigned n = shape.x;
  if (shape.y == n && shape.z == 2 * n) {
    t.twist_ = Twist::NN2N; // x wrap and y wrap land +n along z
    t.sxz_ = n;
    t.syz_ = n;
  } else if (shape.y == 2 * n && shape.z == 2 * n) {
    t.twist_ = Twist::N2N2N; // x wrap lands +n along y and +n along z
    t.sxy_ = n;
    t.sxz_ = n;
  } else {
    throw TopologyError(
        fmt::format("twisted torus needs an n x n x 2n or n x 2n x 2n shape, not {}", phext::shape_str(shape)));
  }
  return t;
}

Topology Topology::of_slice(const phext::SliceGeometry& slice, bool twisted) {
  if (slice.is_torus()) return torus(slice.slice(), twisted);
  if (twisted) throw TopologyError("a mesh slice (smaller than a cube) cannot be twisted");
  return mesh(slice.slice());
}

Vec3 Topology::translate(Vec3 p, Vec3 delta) const {
  unsigned x = p.x + delta.x, y = p.y + delta.y, z = p.z + delta.z;
  // (X, y, z) is (0, y + sxy, z + sxz); (x, Y, z) is (x, 0, z + syz) (the wrap links' landings)
  while (x >= shape_.x) {
    x -= shape_.x;
    y += sxy_;
    z += sxz_;
  }
  while (y >= shape_.y) {
    y -= shape_.y;
    z += syz_;
  }
  return {x, y, z % shape_.z};
}

Vec3 Topology::position(unsigned index) const {
  return {index % shape_.x, index / shape_.x % shape_.y, index / (shape_.x * shape_.y)};
}

std::optional<Vec3> Topology::neighbor(Vec3 p, Port out) const {
  if (out == Port::Local) return p;
  const int d = port_dim(out);
  const unsigned size = shape_[d];
  Vec3 q = p;
  if (port_sign(out) > 0) {
    if (p[d] + 1 < size) {
      q[d] = p[d] + 1;
    } else if (wraps(d)) {
      q[d] = 0;
      if (d == 0) {
        q.y = add_mod(q.y, sxy_, shape_.y);
        q.z = add_mod(q.z, sxz_, shape_.z);
      } else if (d == 1) {
        q.z = add_mod(q.z, syz_, shape_.z);
      }
    } else {
      return std::nullopt;
    }
  } else {
    if (p[d] > 0) {
      q[d] = p[d] - 1;
    } else if (wraps(d)) {
      q[d] = size - 1;
      if (d == 0) {
        q.y = sub_mod(q.y, sxy_, shape_.y);
        q.z = sub_mod(q.z, sxz_, shape_.z);
      } else if (d == 1) {
        q.z = sub_mod(q.z, syz_, shape_.z);
      }
    } else {
      return std::nullopt;
    }
  }
  return q;
}

bool Topology::is_wrap(Vec3 p, Port out) const {
  if (out == Port::Local) return false;
  const int d = port_dim(out);
  if (!wraps(d)) return false;
  return port_sign(out) > 0 ? p[d] == shape_[d] - 1 : p[d] == 0;
}

std::string Topology::describe() const {
  const std::string shape = phext::shape_str(shape_);
  if (!wrap_[0]) return shape + " mesh";
  if (twist_ == Twist::None) return shape + " torus";
  return fmt::format("{} torus, twisted {}", shape, twist_name(twist_));
}

} // namespace phtpu::net
