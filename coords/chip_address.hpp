// Chip addressing: chip number <-> phext coordinate <-> global torus coordinate.
//
// The coordinate scheme of docs/architecture.md. A slice (a whole pod is the slice that spans it) is a grid of cubes;
// a chip's phext coordinate is
//   Z arm  library.shelf.series       = datacenter . pod . slice   (isolation domain)
//   Y arm  collection.volume.book     = cube position (cx+1, cy+1, cz+1) in the slice
//   X arm  chapter.section.scroll     = chip position (x+1, y+1, z+1) inside its cube
// and its global torus coordinate is g = cube_pos * CUBE + chip_pos per dimension
// (gx = (collection-1)*CUBE_X + (chapter-1), likewise y and z).
//
// Chip numbers are cube-major (the order of racks, then of chips in a rack):
//   chip = cube_index * chips_per_cube + local_index
//   cube_index  = cx + KX*(cy + KY*cz)     (K = cubes per dimension)
//   local_index = x  + EX*(y  + EY*z)      (E = chips per cube in the slice)
// Slices smaller than a cube (meshes, docs/references.md §T5) hold one partial cube: E = slice.
//
// `decode()` is the function the RTL implements (rtl/common/phext_pkg.sv,
// phext_pkg::decode); tests check the two equal over every chip of the supported pods.
#pragma once

#include "coordinate.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace phext {

/// Field widths of rtl/common/phext_pkg.sv (tb/raw_coord.hpp checks them against it at compile time).
inline constexpr unsigned kRtlFieldBits = 10;  ///< one phext field, 1..999 fits in 10 bits
inline constexpr unsigned kRtlCubeDimBits = 4; ///< chips per cube per dimension, 1..15
inline constexpr unsigned kRtlGlobalBits = 10; ///< global torus coordinate / slice dimension, up to 1023
inline constexpr unsigned kMaxCubeDim = (1u << kRtlCubeDimBits) - 1;
inline constexpr unsigned kMaxSliceDim = (1u << kRtlGlobalBits) - 1;

/// Three extents or positions (x, y, z), 0-based for positions.
struct Vec3 {
  unsigned x = 0, y = 0, z = 0;
  unsigned operator[](int i) const { return i == 0 ? x : i == 1 ? y : z; }
  unsigned& operator[](int i) { return i == 0 ? x : i == 1 ? y : z; }
  unsigned volume() const { return x * y * z; }
  friend bool operator==(const Vec3& a, const Vec3& b) { return a.x == b.x && a.y == b.y && a.z == b.z; }
  friend bool operator!=(const Vec3& a, const Vec3& b) { return !(a == b); }
};

/// `AxBxC` (each >= 1) -> Vec3; throws ParseError naming the bad part.
Vec3 parse_shape(std::string_view text, std::string_view what = "shape");
/// A slice shape and its torus kind, as pod files and the command line write it: `AxBxC`,
/// optionally followed by `:twisted` (`:t`) or `:regular` (`:r`). Throws ParseError.
struct SliceShape {
  Vec3 shape;
  bool twisted = false;
};
SliceShape parse_slice_shape(std::string_view text, std::string_view what = "shape");
/// `x,y,z` (each >= 0) -> Vec3; throws ParseError.
Vec3 parse_position(std::string_view text);
std::string shape_str(const Vec3& v);    ///< "4x4x4"
std::string position_str(const Vec3& v); ///< "1,2,3"

/// The Z arm of a slice: which datacenter, pod and slice (each 1..999).
struct ZArm {
  unsigned datacenter = 1, pod = 1, slice = 1;
};

/// Outcome of decoding a destination coordinate against a slice (the router's view).
enum class DecodeStatus : std::uint8_t {
  Ok = 0,         ///< inside this slice: `global` is valid
  ZMismatch = 1,  ///< another datacenter, pod or slice: drop, never deliver
  OutOfShape = 2, ///< right Z arm, but the Y/X arms name no chip of this slice (or a field is 0)
};
std::string_view status_name(DecodeStatus s);

struct Decoded {
  DecodeStatus status = DecodeStatus::OutOfShape;
  Vec3 global; ///< the destination's global torus position when status is Ok, else (0,0,0) as in the RTL
};

/// Thrown for impossible shapes and for addresses outside the slice.
class AddressError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

class SliceGeometry {
public:
  /// `slice` and `cube` in chips. A slice either fits inside one cube in every dimension
  /// (a mesh) or is a whole number of cubes in every dimension (a torus, docs/references.md §T5).
  /// Throws AddressError for anything else, or for dimensions beyond the RTL's widths.
  SliceGeometry(Vec3 slice, Vec3 cube, ZArm z = {});

  const Vec3& slice() const { return slice_; }
  const Vec3& cube() const { return cube_; }
  const ZArm& zarm() const { return z_; }
  /// Cubes per dimension (1 for a sub-cube slice).
  const Vec3& cubes() const { return cubes_; }
  /// Chips of a cube that belong to the slice, per dimension (= cube, or slice when smaller).
  const Vec3& chips_per_cube() const { return per_cube_; }
  unsigned chip_count() const { return slice_.volume(); }
  /// True when every dimension spans whole cubes (wrap links exist), false for a mesh.
  bool is_torus() const;

  /// Chip number -> forms. Throw AddressError when out of range.
  Coordinate phext_of_chip(unsigned chip) const;
  Vec3 global_of_chip(unsigned chip) const;
  Coordinate phext_of_global(Vec3 g) const;
  /// Forms -> chip number. Throw AddressError when outside the slice (message says why).
  unsigned chip_of_global(Vec3 g) const;
  unsigned chip_of_phext(const Coordinate& c) const;

  /// The router's decode of a destination, on raw field values (0..1023 each, as the
  /// RTL sees them): Z arm first, then shape. Never throws.
  Decoded decode(const std::array<unsigned, kDims>& fields) const;
  Decoded decode(const Coordinate& c) const;

private:
  void check_global(Vec3 g) const;
  Vec3 slice_, cube_, cubes_, per_cube_;
  ZArm z_;
};

} // namespace phext
