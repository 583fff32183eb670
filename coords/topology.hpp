// Torus and mesh topologies of a slice, with TPU v4 twisted wrap links: the ONE place in C++
// that says which chip a link leads to. The routing oracle (routing.hpp), the
// SystemC network harness, the RTL router's configuration registers and, later, the OCS
// planner and the analytic model all take their wiring from here.
//
// Coordinates are global torus positions (gx, gy, gz) in the slice, 0-based, as decoded
// from a phext coordinate (coords/chip_address.hpp). Every chip has six link ports
// (+X -X +Y -Y +Z -Z) and a local port; a link leaving chip p through +X arrives at the
// neighbour's -X port, and so on.
//
// Wrap links. In a mesh (a slice smaller than a cube) no wrap links exist. In a torus the
// +d port of a chip at the last position along d leads back to position 0, and -d of
// position 0 to the last. In a twisted torus (Camarero, Martinez, Beivide; docs/references.md
// §T5) the wrap links of the short dimension(s) also shift the chip along the
// long dimension(s) by half the long size:
//   n x n x 2n   : the x wrap and the y wrap land +n along z
//   n x 2n x 2n  : the x wrap lands +n along y and +n along z
// Going the other way (-d from position 0) undoes the shift (-n, mod the size).
//
// Worked example, 4x4x8 twisted (n = 4, shifts: x wrap -> z+4, y wrap -> z+4):
//   (3,1,6) --+X--> (0,1,(6+4) mod 8) = (0,1,2)      (x wrap, shifted along z)
//   (0,1,2) --−X--> (3,1,(2-4) mod 8) = (3,1,6)      (the same link, traversed back)
//   (2,3,5) --+Y--> (2,0,(5+4) mod 8) = (2,0,1)      (y wrap, shifted along z)
//   (2,3,7) --+Z--> (2,3,0)                          (z wrap, never shifted)
//   (1,1,1) --+X--> (2,1,1)                          (not a wrap: no shift)
//
// The shifts as a lattice: a node's position in the unrolled (infinite) grid Z^3 is only
// defined up to the wrap vectors  Wx = (X, -sxy, -sxz),  Wy = (0, Y, -syz),  Wz = (0, 0, Z),
// where (sxy, sxz) is the x wrap's shift along y and z and syz the y wrap's shift along z.
#pragma once

#include "chip_address.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace phtpu::net {

using phext::Vec3;

/// Router ports, in the RTL's order (rtl/ici/ici_pkg.sv, ici_pkg::port_e).
enum class Port : std::uint8_t { XP = 0, XM = 1, YP = 2, YM = 3, ZP = 4, ZM = 5, Local = 6 };
inline constexpr int kNumPorts = 7;
inline constexpr int kNumLinkPorts = 6;
std::string_view port_name(Port p); ///< "+X", "-X", ..., "local"
/// The dimension a link port moves along (0 = x, 1 = y, 2 = z); -1 for Local.
inline int port_dim(Port p) { return p == Port::Local ? -1 : static_cast<int>(p) / 2; }
/// +1 for XP/YP/ZP, -1 for XM/YM/ZM, 0 for Local.
inline int port_sign(Port p) { return p == Port::Local ? 0 : (static_cast<int>(p) % 2 == 0 ? 1 : -1); }
/// The port a link arrives on at the neighbour: XP <-> XM, ...; Local stays Local.
Port opposite(Port p);
/// The link port moving along `dim` in direction `sign` (+1/-1).
Port port_of(int dim, int sign);

enum class Twist : std::uint8_t { None = 0, NN2N = 1, N2N2N = 2 };
std::string_view twist_name(Twist t); ///< "none", "n x n x 2n", "n x 2n x 2n"

/// Thrown for impossible topologies (a twist on a shape that is not n x n x 2n or n x 2n x 2n,
/// zero dimensions, dimensions beyond the RTL's widths, ...). The message is one line.
class TopologyError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

class Topology {
public:
  /// A mesh: no wrap links in any dimension.
  static Topology mesh(Vec3 shape);
  /// A regular (twist = None) or twisted 3D torus: wrap links in every dimension.
  /// Twisted requires n x n x 2n (NN2N) or n x 2n x 2n (N2N2N) with n >= 1; torus() with
  /// `twisted = true` picks the kind from the shape, or throws TopologyError.
  static Topology torus(Vec3 shape, bool twisted = false);
  /// The topology of a slice: a mesh when the slice is smaller than a cube, else a torus.
  static Topology of_slice(const phext::SliceGeometry& slice, bool twisted = false);

  const Vec3& shape() const { return shape_; }
  bool wraps(int dim) const { return wrap_[static_cast<std::size_t>(dim)]; }
  Twist twist() const { return twist_; }
  /// Wrap shifts (in chips, 0 <= s < size of the shifted dimension): x wrap along y and z,
  /// y wrap along z. All zero unless twisted. These are the RTL router's twist registers.
  unsigned shift_xy() const { return sxy_; }
  unsigned shift_xz() const { return sxz_; }
  unsigned shift_yz() const { return syz_; }

  unsigned nodes() const { return shape_.volume(); }
  /// Node index: x + X*(y + Y*z). Global positions, not cube-major chip numbers.
  unsigned index(Vec3 p) const { return p.x + shape_.x * (p.y + shape_.y * p.z); }
  Vec3 position(unsigned index) const;
  bool contains(Vec3 p) const { return p.x < shape_.x && p.y < shape_.y && p.z < shape_.z; }

  /// The node reached by leaving `p` through link port `out`; nullopt when that port has no
  /// link (mesh edge). Local returns p itself.
  std::optional<Vec3> neighbor(Vec3 p, Port out) const;
  /// p + delta in the topology's group: Z^3 modulo the wrap lattice for a torus (a regular
  /// torus adds coordinate-wise modulo the shape; a twisted one also shifts by the twist when
  /// a coordinate wraps), coordinate-wise modulo the shape for a mesh. For a torus this is a
  /// symmetry: the route from p to p + delta is the translate of the route from 0 to delta.
  Vec3 translate(Vec3 p, Vec3 delta) const;
  /// True when the link leaving `p` through `out` is a wrap link (the dateline of its ring).
  bool is_wrap(Vec3 p, Port out) const;

  /// "4x4x8 torus, twisted n x n x 2n" / "2x2x2 mesh"
  std::string describe() const;

private:
  Vec3 shape_;
  std::array<bool, 3> wrap_{};
  Twist twist_ = Twist::None;
  unsigned sxy_ = 0, sxz_ = 0, syz_ = 0;
};

} // namespace phtpu::net
